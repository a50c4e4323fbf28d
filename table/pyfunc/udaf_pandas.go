package pyfunc

import (
	"bytes"
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/pandas_udf"
)

// Pandas aggregate functions (udaf(f, func_type="pandas")): f sees all the
// rows of a group at once, so there is no accumulator to fold rows into.
// The engine's side keeps each group's rows — references into the argument
// columns it was bound to, which stay retained while a group or a buffered
// result refers to them — and a result is a snapshot of the group's rows
// at the time the engine asks for it. Flush evaluates every buffered
// result in one call into Python (pandas_udf.Aggregate): an operator that
// fires a thousand windows, or an OVER window that asks for a result per
// row, crosses once per flush, not once per group or row.

func init() {
	newPandasAggregate = func(f *Function) engine.UserAggregate { return &pandasAggregate{f: f} }
}

// pandasAggregate is a pandas aggregate function as the engine's
// UserAggregate.
type pandasAggregate struct {
	f *Function
}

func (a *pandasAggregate) Name() string { return a.f.Name }

// StreamingGroupByError is why the function cannot run in a streaming
// GROUP BY: PyFlink plans pandas aggregates only over group windows and
// OVER windows in streaming mode (and in batch mode), since each result
// needs all the group's rows and an unbounded group never ends.
func (a *pandasAggregate) StreamingGroupByError() error {
	return fmt.Errorf("Pandas UDAFs are not supported in streaming mode currently: the pandas aggregate function %s "+
		"runs in a streaming GROUP BY only over a group window (TUMBLE, HOP, SESSION) or in an OVER window", a.f.Name)
}

// NewAccumulators implements engine.UserAggregate.
func (a *pandasAggregate) NewAccumulators(args []arrow.DataType, result arrow.DataType, _ bool) (engine.UserAccumulators, error) {
	if err := a.f.openAggregate(); err != nil {
		return nil, err
	}
	agg, err := pandas_udf.NewAggregate(a.f.Name, a.f.fn, args, result)
	if err != nil {
		return nil, err
	}
	return &pandasAccs{agg: agg, name: a.f.Name, types: args, result: result, cur: noChunk, pendOff: []int64{0}}, nil
}

// span is rows [start, start+n) of a retained chunk: a group's rows are
// the spans of the batches they arrived in, so that a group of consecutive
// rows costs one span, gathered by one copy (or none).
type span struct {
	chunk, start, n uint32
}

const noChunk = ^uint32(0)

// rowChunk is a set of argument columns rows refer to: a bound batch's, or
// a restored group's. live counts the spans of groups and buffered
// results over it; at zero the columns are released.
type rowChunk struct {
	cols []arrow.Array
	live int
	// Per column, for the fixed-width types gathered by copying: the
	// values from the column's first row, the value width, and the
	// validity bitmap with its bit offset (nil without NULLs).
	vals  [][]byte
	width []int
	valid [][]byte
	voff  []int
}

func newChunk(cols []arrow.Array) *rowChunk {
	c := &rowChunk{cols: make([]arrow.Array, len(cols)), vals: make([][]byte, len(cols)),
		width: make([]int, len(cols)), valid: make([][]byte, len(cols)), voff: make([]int, len(cols))}
	for i, col := range cols {
		col.Retain()
		c.cols[i] = col
		w := fixedWidth(col.DataType())
		d := col.Data()
		if w == 0 || len(d.Buffers()) < 2 || d.Buffers()[1] == nil {
			continue
		}
		c.width[i] = w
		c.vals[i] = d.Buffers()[1].Bytes()[d.Offset()*w:]
		if col.NullN() > 0 && d.Buffers()[0] != nil {
			c.valid[i], c.voff[i] = d.Buffers()[0].Bytes(), d.Offset()
		}
	}
	return c
}

// fixedWidth is the byte width of a type whose values sit in one buffer
// of equal-width slots (0 for any other).
func fixedWidth(dt arrow.DataType) int {
	switch dt.ID() {
	case arrow.INT8, arrow.UINT8, arrow.INT16, arrow.UINT16, arrow.INT32, arrow.UINT32, arrow.INT64, arrow.UINT64,
		arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64, arrow.DATE32, arrow.DATE64, arrow.TIME32, arrow.TIME64,
		arrow.TIMESTAMP, arrow.DURATION, arrow.DECIMAL128, arrow.DECIMAL256, arrow.INTERVAL_MONTHS, arrow.INTERVAL_DAY_TIME:
		return dt.(arrow.FixedWidthDataType).BitWidth() / 8
	}
	return 0
}

// pandasAccs implements engine.UserAccumulators for a pandas aggregate.
type pandasAccs struct {
	agg    *pandas_udf.Aggregate
	name   string
	types  []arrow.DataType
	result arrow.DataType

	chunks []*rowChunk // by id; nil for a free id
	free   []uint32
	cur    uint32 // the bound columns' chunk, noChunk before Bind

	groups [][]span // each group's rows, in arrival order

	// The buffered results: result k is the rows of spans
	// pend[pendOff[k]:pendOff[k+1]].
	pend    []span
	pendOff []int64

	err    error
	closed bool
}

var _ engine.UserAccumulators = (*pandasAccs)(nil)

func (p *pandasAccs) fail(err error) {
	if p.err == nil {
		p.err = err
	}
}

func (p *pandasAccs) Err() error { return p.err }

// addChunk retains cols as a new chunk and returns its id.
func (p *pandasAccs) addChunk(cols []arrow.Array) uint32 {
	c := newChunk(cols)
	if n := len(p.free); n > 0 {
		id := p.free[n-1]
		p.free = p.free[:n-1]
		p.chunks[id] = c
		return id
	}
	p.chunks = append(p.chunks, c)
	return uint32(len(p.chunks) - 1)
}

// unref drops one span's reference to chunk id, releasing it when none is
// left and it is not the bound one.
func (p *pandasAccs) unref(id uint32) {
	c := p.chunks[id]
	c.live--
	if c.live == 0 && id != p.cur {
		p.dropChunk(id)
	}
}

func (p *pandasAccs) dropChunk(id uint32) {
	for _, col := range p.chunks[id].cols {
		col.Release()
	}
	p.chunks[id] = nil
	p.free = append(p.free, id)
}

func (p *pandasAccs) unrefAll(spans []span) {
	for _, s := range spans {
		p.unref(s.chunk)
	}
}

func (p *pandasAccs) refAll(spans []span) {
	for _, s := range spans {
		p.chunks[s.chunk].live++
	}
}

// Grow implements engine.UserAccumulators.
func (p *pandasAccs) Grow(n int) {
	if n > len(p.groups) {
		p.groups = append(p.groups, make([][]span, n-len(p.groups))...)
	}
}

// Reset implements engine.UserAccumulators: the group holds no rows.
func (p *pandasAccs) Reset(g uint32) {
	if int(g) >= len(p.groups) {
		return
	}
	p.unrefAll(p.groups[g])
	p.groups[g] = p.groups[g][:0]
}

// Bind implements engine.UserAccumulators: the columns are retained as a
// chunk while spans refer to them.
func (p *pandasAccs) Bind(args []arrow.Array) {
	if len(args) != len(p.types) {
		p.fail(fmt.Errorf("pandas aggregate function %s: bound %d columns for %d arguments", p.name, len(args), len(p.types)))
		return
	}
	old := p.cur
	p.cur = p.addChunk(args)
	if old != noChunk && p.chunks[old].live == 0 {
		p.dropChunk(old)
	}
}

// Update implements engine.UserAccumulators: a row extends its group's
// last span when it follows it in the bound columns.
func (p *pandasAccs) Update(groups []uint32, signs []int8, from, to int) {
	if p.cur == noChunk {
		if from < to {
			p.fail(fmt.Errorf("pandas aggregate function %s: rows applied before columns were bound", p.name))
		}
		return
	}
	cur := p.cur
	c := p.chunks[cur]
	all := p.groups
	for i := from; i < to; i++ {
		if signs != nil && signs[i] <= 0 {
			if signs[i] < 0 {
				p.retract(groups[i], i)
			}
			continue
		}
		g := groups[i]
		// The rows from i on that go to g too, in one step.
		j := i + 1
		for j < to && groups[j] == g && (signs == nil || signs[j] > 0) {
			j++
		}
		sp := all[g]
		if k := len(sp) - 1; k >= 0 && sp[k].chunk == cur && sp[k].start+sp[k].n == uint32(i) {
			sp[k].n += uint32(j - i)
		} else {
			all[g] = append(sp, span{chunk: cur, start: uint32(i), n: uint32(j - i)})
			c.live++
		}
		i = j - 1
	}
}

// retract removes row i of the bound columns from group g: the very row
// when the group holds it (an OVER window retracts the rows that leave its
// frame, oldest first), else the first row of equal values.
func (p *pandasAccs) retract(g uint32, i int) {
	spans := p.groups[g]
	for k, s := range spans {
		if s.chunk == p.cur && uint32(i) >= s.start && uint32(i) < s.start+s.n {
			p.removeRow(g, k, uint32(i))
			return
		}
	}
	for k, s := range spans {
		for r := s.start; r < s.start+s.n; r++ {
			if p.sameValues(s.chunk, int(r), p.cur, i) {
				p.removeRow(g, k, r)
				return
			}
		}
	}
	p.fail(fmt.Errorf("pandas aggregate function %s: retracting a row its group does not hold", p.name))
}

// removeRow takes row r out of span k of group g.
func (p *pandasAccs) removeRow(g uint32, k int, r uint32) {
	spans := p.groups[g]
	s := spans[k]
	switch {
	case s.n == 1:
		p.groups[g] = append(spans[:k], spans[k+1:]...)
		p.unref(s.chunk)
	case r == s.start:
		spans[k].start++
		spans[k].n--
	case r == s.start+s.n-1:
		spans[k].n--
	default:
		// The middle of a span: split in two.
		spans[k].n = r - s.start
		rest := span{chunk: s.chunk, start: r + 1, n: s.start + s.n - r - 1}
		spans = append(spans, span{})
		copy(spans[k+2:], spans[k+1:])
		spans[k+1] = rest
		p.groups[g] = spans
		p.chunks[s.chunk].live++
	}
}

func (p *pandasAccs) sameValues(ca uint32, ra int, cb uint32, rb int) bool {
	a, b := p.chunks[ca], p.chunks[cb]
	for k := range p.types {
		if !array.SliceEqual(a.cols[k], int64(ra), int64(ra+1), b.cols[k], int64(rb), int64(rb+1)) {
			return false
		}
	}
	return true
}

// AppendResult implements engine.UserAccumulators: the result is the
// group's rows as they are now, evaluated at Flush.
func (p *pandasAccs) AppendResult(g uint32) {
	spans := p.groups[g]
	p.pend = append(p.pend, spans...)
	p.refAll(spans)
	p.pendOff = append(p.pendOff, int64(len(p.pend)))
}

// Stream implements engine.UserAccumulators row by row, as the built-in
// accumulators without a typed loop do. Comparing two results needs their
// values, so a row that asks for it costs a call into Python: only a
// streaming GROUP BY streams, and the planner keeps pandas aggregates out
// of it.
func (p *pandasAccs) Stream(groups []uint32, signs []int8, acts []uint8, changed []bool, from, to int) {
	for i := from; i < to; i++ {
		act := acts[i]
		if act == 0 {
			continue
		}
		g := groups[i]
		cmp := act&engine.AccCmp != 0
		if act&engine.AccPrev != 0 || cmp {
			p.AppendResult(g)
		}
		p.Update(groups, signs, i, i+1)
		if act&engine.AccNew != 0 {
			p.AppendResult(g)
		}
		if cmp {
			k := len(p.pendOff) - 1
			if !p.ResultEqual(k-2, k-1) {
				changed[i] = true
			}
			if act&engine.AccPrev == 0 {
				p.DropPrev()
			}
		}
		if act&engine.AccReset != 0 {
			p.Reset(g)
		}
	}
}

// ResultEqual implements engine.UserAccumulators: both results are
// evaluated now, in one call.
func (p *pandasAccs) ResultEqual(i, j int) bool {
	if p.err != nil {
		return false
	}
	var spans []span
	offs := []int64{0}
	for _, k := range []int{i, j} {
		spans = append(spans, p.pend[p.pendOff[k]:p.pendOff[k+1]]...)
		offs = append(offs, int64(len(spans)))
	}
	res, err := p.evaluate(memory.DefaultAllocator, spans, offs)
	if err != nil {
		p.fail(err)
		return false
	}
	defer res.Release()
	return array.SliceEqual(res, 0, 1, res, 1, 2)
}

// Truncate implements engine.UserAccumulators.
func (p *pandasAccs) Truncate(n int) {
	if n >= len(p.pendOff)-1 {
		return
	}
	p.unrefAll(p.pend[p.pendOff[n]:])
	p.pend = p.pend[:p.pendOff[n]]
	p.pendOff = p.pendOff[:n+1]
}

// Keep implements engine.UserAccumulators.
func (p *pandasAccs) Keep(sel []int32) {
	var pend []span
	offs := []int64{0}
	kept := make([]bool, len(p.pendOff)-1)
	for _, k := range sel {
		pend = append(pend, p.pend[p.pendOff[k]:p.pendOff[k+1]]...)
		offs = append(offs, int64(len(pend)))
		kept[k] = true
	}
	for k, ok := range kept {
		if !ok {
			p.unrefAll(p.pend[p.pendOff[k]:p.pendOff[k+1]])
		}
	}
	p.pend, p.pendOff = pend, offs
}

// DropPrev implements engine.UserAccumulators.
func (p *pandasAccs) DropPrev() {
	n := len(p.pendOff) - 1
	if n < 2 {
		return
	}
	a, b := p.pendOff[n-2], p.pendOff[n-1]
	p.unrefAll(p.pend[a:b])
	p.pend = append(p.pend[:a], p.pend[b:]...)
	p.pendOff = append(p.pendOff[:n-1], p.pendOff[n]-(b-a))
}

// Flush implements engine.UserAccumulators: every buffered result in one
// call into Python.
func (p *pandasAccs) Flush(mem memory.Allocator) (arrow.Array, error) {
	if p.err != nil {
		p.Truncate(0)
		return nil, p.err
	}
	if len(p.pendOff) == 1 {
		return array.MakeArrayOfNull(mem, p.result, 0), nil
	}
	res, err := p.evaluate(mem, p.pend, p.pendOff)
	p.Truncate(0)
	if err != nil {
		p.fail(err)
		return nil, err
	}
	return res, nil
}

// evaluate gathers the rows of the groups offs cuts spans into and calls
// the function once for all of them.
func (p *pandasAccs) evaluate(mem memory.Allocator, spans []span, offs []int64) (arrow.Array, error) {
	rows := make([]int64, len(offs))
	for k := 1; k < len(offs); k++ {
		n := rows[k-1]
		for _, s := range spans[offs[k-1]:offs[k]] {
			n += int64(s.n)
		}
		rows[k] = n
	}
	cols, err := p.gather(mem, spans)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	return p.agg.Call(context.Background(), cols, rows)
}

// runs merges spans that continue one another in the same chunk.
func runs(spans []span) []span {
	var out []span
	for _, s := range spans {
		if k := len(out) - 1; k >= 0 && out[k].chunk == s.chunk && out[k].start+out[k].n == s.start {
			out[k].n += s.n
			continue
		}
		if s.n > 0 {
			out = append(out, s)
		}
	}
	return out
}

// gather builds, per argument, the column of the spans' rows in order.
func (p *pandasAccs) gather(mem memory.Allocator, spans []span) ([]arrow.Array, error) {
	rs := runs(spans)
	out := make([]arrow.Array, 0, len(p.types))
	for k, t := range p.types {
		a, err := p.gatherColumn(mem, k, t, rs)
		if err != nil {
			for _, c := range out {
				c.Release()
			}
			return nil, fmt.Errorf("pandas aggregate function %s: gathering argument %d: %w", p.name, k+1, err)
		}
		out = append(out, a)
	}
	return out, nil
}

func (p *pandasAccs) gatherColumn(mem memory.Allocator, k int, t arrow.DataType, rs []span) (arrow.Array, error) {
	switch len(rs) {
	case 0:
		return array.MakeArrayOfNull(mem, t, 0), nil
	case 1:
		// One run: the rows as they are, without a copy.
		r := rs[0]
		return array.NewSlice(p.chunks[r.chunk].cols[k], int64(r.start), int64(r.start+r.n)), nil
	}
	if w := fixedWidth(t); w > 0 && p.allFixed(k, rs) {
		// Fixed-width values are copied a run at a time.
		n, withNulls := 0, false
		for _, r := range rs {
			n += int(r.n)
			withNulls = withNulls || p.chunks[r.chunk].valid[k] != nil
		}
		vals := memory.NewResizableBuffer(mem)
		vals.Resize(n * w)
		dst := vals.Bytes()
		var valid *memory.Buffer
		var vb []byte
		if withNulls {
			valid = memory.NewResizableBuffer(mem)
			valid.Resize(int(bitutil.BytesForBits(int64(n))))
			vb = valid.Bytes()
		}
		off := 0
		for _, r := range rs {
			c := p.chunks[r.chunk]
			copy(dst[off*w:], c.vals[k][int(r.start)*w:int(r.start+r.n)*w])
			if withNulls {
				if c.valid[k] != nil {
					bitutil.CopyBitmap(c.valid[k], c.voff[k]+int(r.start), int(r.n), vb, off)
				} else {
					bitutil.SetBitsTo(vb, int64(off), int64(r.n), true)
				}
			}
			off += int(r.n)
		}
		nulls := 0
		if withNulls {
			nulls = n - bitutil.CountSetBits(vb, 0, n)
		}
		d := array.NewData(t, n, []*memory.Buffer{valid, vals}, nil, nulls, 0)
		vals.Release()
		if valid != nil {
			valid.Release()
		}
		a := array.MakeFromData(d)
		d.Release()
		return a, nil
	}
	// Any other type: the runs' slices, concatenated.
	parts := make([]arrow.Array, len(rs))
	for i, r := range rs {
		parts[i] = array.NewSlice(p.chunks[r.chunk].cols[k], int64(r.start), int64(r.start+r.n))
	}
	defer func() {
		for _, s := range parts {
			s.Release()
		}
	}()
	return array.Concatenate(parts, mem)
}

func (p *pandasAccs) allFixed(k int, rs []span) bool {
	for _, r := range rs {
		if p.chunks[r.chunk].vals[k] == nil {
			return false
		}
	}
	return true
}

// Save implements engine.UserAccumulators: the group's rows as an Arrow
// IPC stream (nothing for an empty group).
func (p *pandasAccs) Save(dst []byte, g uint32) []byte {
	var spans []span
	if int(g) < len(p.groups) {
		spans = p.groups[g]
	}
	n := 0
	for _, s := range spans {
		n += int(s.n)
	}
	if n == 0 {
		return dst
	}
	cols, err := p.gather(memory.DefaultAllocator, spans)
	if err != nil {
		p.fail(err)
		return dst
	}
	rec := array.NewRecordBatch(p.schema(), cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	defer rec.Release()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(rec.Schema()))
	if err := w.Write(rec); err != nil {
		p.fail(fmt.Errorf("pandas aggregate function %s: saving a group's rows: %w", p.name, err))
		return dst
	}
	if err := w.Close(); err != nil {
		p.fail(fmt.Errorf("pandas aggregate function %s: saving a group's rows: %w", p.name, err))
		return dst
	}
	return append(dst, buf.Bytes()...)
}

func (p *pandasAccs) schema() *arrow.Schema {
	fields := make([]arrow.Field, len(p.types))
	for i, t := range p.types {
		fields[i] = arrow.Field{Name: fmt.Sprintf("a%d", i), Type: t, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// Load implements engine.UserAccumulators: the saved rows become a chunk
// of their own, all of group g's.
func (p *pandasAccs) Load(b []byte, g uint32) {
	if len(b) == 0 {
		return
	}
	r, err := ipc.NewReader(bytes.NewReader(b), ipc.WithAllocator(memory.DefaultAllocator))
	if err != nil {
		p.fail(fmt.Errorf("pandas aggregate function %s: restoring a group's rows: %w", p.name, err))
		return
	}
	defer r.Release()
	p.Grow(int(g) + 1)
	for r.Next() {
		rec := r.RecordBatch()
		if int(rec.NumCols()) != len(p.types) {
			p.fail(fmt.Errorf("pandas aggregate function %s: restored rows have %d columns for %d arguments", p.name, rec.NumCols(), len(p.types)))
			return
		}
		if rec.NumRows() == 0 {
			continue
		}
		id := p.addChunk(rec.Columns())
		p.groups[g] = append(p.groups[g], span{chunk: id, start: 0, n: uint32(rec.NumRows())})
		p.chunks[id].live++
	}
	if err := r.Err(); err != nil {
		p.fail(fmt.Errorf("pandas aggregate function %s: restoring a group's rows: %w", p.name, err))
	}
}

// Close implements engine.UserAccumulators.
func (p *pandasAccs) Close() error {
	if p.closed {
		return nil
	}
	p.closed = true
	for id, c := range p.chunks {
		if c != nil {
			p.dropChunk(uint32(id))
		}
	}
	p.groups, p.pend, p.pendOff = nil, nil, []int64{0}
	return p.agg.Close()
}
