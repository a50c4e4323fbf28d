package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

// WindowRankSpec is a window Top-N or window deduplication (Flink's
// WindowRank and WindowDeduplicate) over rows that carry their window in
// two columns, window_start and window_end (of a window table function or
// a window aggregate):
//
//	SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start,
//	window_end, Keys ORDER BY OrderBy) AS rn FROM w) WHERE rn BETWEEN
//	RankStart AND RankEnd
//
// Output columns: the input's, then the row number (BIGINT) when
// OutputRankNumber.
type WindowRankSpec struct {
	Keys    []int
	OrderBy []SortKey
	// RankStart and RankEnd are the constant rank range, 1-based and
	// inclusive.
	RankStart, RankEnd int64
	OutputRankNumber   bool
	// StartCol and EndCol are the window_start and window_end columns.
	StartCol, EndCol int
	// TiesLast ranks a row before the rows it ties with, so the latest of
	// equal rows wins: window deduplication keeping the last row (Flink's
	// RowTimeWindowDeduplicateProcessor replaces the kept row by one whose
	// rowtime is not smaller). Otherwise ties keep arrival order.
	TiesLast bool
	// Window is the windowing of the input, for the time zone of its
	// window ends (LTZ) and the description.
	Window WindowSpec
	// Name is the operator's name in errors and String (WindowRank or
	// WindowDeduplicate).
	Name        string
	OutputNames []string
}

// windowRank buffers, per (partition key, window), the first RankEnd rows
// in ORDER BY order; a watermark reaching a window's last millisecond
// emits its rows ranked RankStart..RankEnd, append-only, and forgets the
// window, as Flink's WindowRankOperator (a TopNBuffer per key and window,
// fired by a timer at the window end). Rows of a window that has fired
// are late: dropped and counted in numLateRecordsDropped.
//
// State follows the window aggregate's (window_agg_state.go): open windows
// live in memory; at each checkpoint the key groups whose windows changed
// are written to keyed state, one value per key group, and the watermark
// fired up to goes to union operator state, so a restore into any key
// group range fires the same windows and drops the same replayed rows as
// the uninterrupted run.
type windowRank struct {
	spec WindowRankSpec
	rt   *RuntimeContext
	tz   *tzShift

	batchLen  int
	inSchema  *arrow.Schema
	outSchema *arrow.Schema
	kinds     []rowColKind
	dec       *rowDecoder
	endMillis int64 // window_end units per millisecond divisor (see millisOf)

	groups      map[string]*wrGroup // by partition key bytes + window end
	pendingEnds []int64
	byEnd       map[int64][]*wrGroup

	wm   int64
	late interface{ Add(int64) int64 }

	hashes []uint64
	key    []byte
	sk     []byte
	outRN  []int64
	outK   []vectorized.RowKind

	ks      *state.ValueState[[]byte]
	wmState *state.OperatorListState
	dirtyKG *kgSet
}

// wrGroup is one partition key's rows in one window.
type wrGroup struct {
	id   string // key bytes + 8-byte window end
	kg   uint16
	end  int64
	rows []rankEntry // ordered, at most RankEnd
}

// NewWindowRank is a window Top-N or deduplication (see WindowRankSpec).
func NewWindowRank(spec WindowRankSpec) Operator { return &windowRank{spec: spec} }

func (r *windowRank) String() string {
	var b strings.Builder
	name := r.spec.Name
	if name == "" {
		name = "WindowRank"
	}
	fmt.Fprintf(&b, "%s(window=[%s], rankRange=[rankStart=%d, rankEnd=%d], partitionBy=%v, orderBy=[",
		name, r.spec.Window, r.spec.RankStart, r.spec.RankEnd, r.spec.Keys)
	for i, k := range r.spec.OrderBy {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d %s", k.Col, map[bool]string{true: "DESC", false: "ASC"}[k.Desc])
	}
	b.WriteString("])")
	return b.String()
}

func (r *windowRank) Open(_ context.Context, rt *RuntimeContext) error {
	if r.spec.RankStart < 1 || r.spec.RankEnd < r.spec.RankStart {
		return fmt.Errorf("window Top-N: bad rank range [%d, %d]", r.spec.RankStart, r.spec.RankEnd)
	}
	if r.spec.Window.ProcTime {
		return fmt.Errorf("Processing time Window TopN is not supported yet.")
	}
	n, err := rt.Config.Int(ConfigBatchSize, DefaultBatchSize)
	if err != nil {
		return err
	}
	r.rt, r.batchLen, r.tz = rt, max(n, 1), newTZShift(r.spec.Window, rt)
	r.wm = MinWatermark
	r.groups = map[string]*wrGroup{}
	r.byEnd = map[int64][]*wrGroup{}
	r.late = rt.Metrics.Counter("numLateRecordsDropped")
	if rt.ckpt == nil {
		return nil // run by hand without state
	}
	if r.ks, r.wmState, err = openWindowState(rt, "window-rank"); err != nil {
		return err
	}
	r.dirtyKG = &kgSet{}
	if _, ok := rt.Restored(); ok {
		return r.restore()
	}
	return nil
}

func (r *windowRank) init(schema *arrow.Schema) error {
	kinds, err := rowColumnKinds("window Top-N", schema)
	if err != nil {
		return err
	}
	nf := schema.NumFields()
	check := func(c int, what string) error {
		if c < 0 || c >= nf {
			return fmt.Errorf("window Top-N: %s column %d does not exist in the input (%d columns)", what, c, nf)
		}
		return nil
	}
	for _, k := range r.spec.Keys {
		if err := check(k, "partition"); err != nil {
			return err
		}
	}
	for _, k := range r.spec.OrderBy {
		if err := check(k.Col, "ORDER BY"); err != nil {
			return err
		}
	}
	if err := check(r.spec.EndCol, "window_end"); err != nil {
		return err
	}
	if err := check(r.spec.StartCol, "window_start"); err != nil {
		return err
	}
	et, ok := schema.Field(r.spec.EndCol).Type.(*arrow.TimestampType)
	if !ok {
		return fmt.Errorf("window Top-N: window_end must be a TIMESTAMP, not %s", schema.Field(r.spec.EndCol).Type)
	}
	r.endMillis, _ = millisOf(et)
	fields := slices.Clone(schema.Fields())
	if r.spec.OutputRankNumber {
		fields = append(fields, arrow.Field{Name: "w0$o0", Type: arrow.PrimitiveTypes.Int64})
	}
	if names := r.spec.OutputNames; len(names) > 0 {
		if len(names) != len(fields) {
			return fmt.Errorf("%d output names for %d output columns", len(names), len(fields))
		}
		for i := range fields {
			fields[i].Name = names[i]
		}
	}
	r.inSchema, r.kinds = schema, kinds
	r.outSchema = arrow.NewSchema(fields, nil)
	r.dec = newRowDecoder(r.rt.Mem, schema, kinds)
	return nil
}

func (r *windowRank) Process(ctx context.Context, _ int, b *vectorized.Batch, out Collector) error {
	if err := insertOnly("a window Top-N", b); err != nil {
		return err
	}
	rec := b.Record
	if r.inSchema == nil {
		if err := r.init(rec.Schema()); err != nil {
			return err
		}
	}
	n := int(rec.NumRows())
	if n == 0 {
		return nil
	}
	cols := rec.Columns()
	keyCols := pickColumns(cols, r.spec.Keys)
	if r.ks != nil {
		r.hashes = growUint64(r.hashes, n)
		vectorized.HashColumns(keyCols, r.hashes)
	}
	ends := cols[r.spec.EndCol].(*array.Timestamp)
	dropped := int64(0)
	for i := 0; i < n; i++ {
		if ends.IsNull(i) {
			continue // never produced by a window: no window to rank in
		}
		end := toMillis(int64(ends.Value(i)), r.endMillis)
		if r.tz.fired(end, r.wm) {
			dropped++
			continue
		}
		r.sk = r.sk[:0]
		for _, k := range r.spec.OrderBy {
			var err error
			if r.sk, err = appendSortKey(r.sk, cols[k.Col], i, k); err != nil {
				return err
			}
		}
		r.key = appendRow(r.key[:0], keyCols, i)
		r.key = binary.BigEndian.AppendUint64(r.key, uint64(end))
		g := r.groups[string(r.key)]
		if g == nil {
			g = &wrGroup{id: string(r.key), end: end}
			if r.ks != nil {
				g.kg = r.rt.KeyGroupOf(r.hashes[i])
			}
			r.groups[g.id] = g
			r.addPending(g)
		}
		r.insert(g, cols, i)
		if r.dirtyKG != nil {
			r.dirtyKG.add(g.kg)
		}
	}
	if dropped > 0 {
		r.late.Add(dropped)
	}
	return nil
}

// insert ranks row i into g, keeping the first RankEnd rows.
func (r *windowRank) insert(g *wrGroup, cols []arrow.Array, i int) {
	l := g.rows
	p := sort.Search(len(l), func(j int) bool {
		c := bytes.Compare(l[j].sk, r.sk)
		return c > 0 || c == 0 && r.spec.TiesLast
	})
	if int64(p) >= r.spec.RankEnd {
		return
	}
	e := rankEntry{sk: bytes.Clone(r.sk), row: appendRow(nil, cols, i)}
	if int64(len(l)) >= r.spec.RankEnd {
		copy(l[p+1:], l[p:len(l)-1])
		l[p] = e
		return
	}
	g.rows = slices.Insert(l, p, e)
}

func (r *windowRank) addPending(g *wrGroup) {
	gs, ok := r.byEnd[g.end]
	if !ok {
		i, _ := slices.BinarySearch(r.pendingEnds, g.end)
		r.pendingEnds = slices.Insert(r.pendingEnds, i, g.end)
	}
	r.byEnd[g.end] = append(gs, g)
}

// ProcessWatermark fires the windows the watermark completes.
func (r *windowRank) ProcessWatermark(ctx context.Context, wm int64, out Collector) (int64, error) {
	if wm > r.wm {
		r.wm = wm
	}
	return wm, r.fire(ctx, func(end int64) bool { return r.tz.fired(end, wm) }, out)
}

// fire emits and forgets the windows due says have ended, in end order.
func (r *windowRank) fire(ctx context.Context, due func(end int64) bool, out Collector) error {
	k := 0
	for k < len(r.pendingEnds) && due(r.pendingEnds[k]) {
		k++
	}
	if k == 0 {
		return nil
	}
	ends := r.pendingEnds[:k]
	r.pendingEnds = r.pendingEnds[k:]
	for _, e := range ends {
		for _, g := range r.byEnd[e] {
			for j, row := range g.rows {
				rk := int64(j + 1)
				if rk < r.spec.RankStart {
					continue
				}
				if err := r.dec.add(row.row); err != nil {
					return err
				}
				r.outRN = append(r.outRN, rk)
				if len(r.outRN) >= r.batchLen {
					if err := r.flush(ctx, out); err != nil {
						return err
					}
				}
			}
			delete(r.groups, g.id)
			if r.dirtyKG != nil {
				r.dirtyKG.add(g.kg)
			}
		}
		delete(r.byEnd, e)
	}
	return r.flush(ctx, out)
}

func (r *windowRank) flush(ctx context.Context, out Collector) error {
	if len(r.outRN) == 0 {
		return nil
	}
	cols := r.dec.finish()
	if r.spec.OutputRankNumber {
		b := array.NewInt64Builder(r.rt.Mem)
		b.AppendValues(r.outRN, nil)
		cols = append(cols, b.NewArray())
		b.Release()
	}
	r.outK = grow(r.outK, len(r.outRN))
	clear(r.outK)
	r.outRN = r.outRN[:0]
	return emitRows(ctx, out, r.outSchema, cols, r.outK)
}

// EndInput fires what is left (the final MaxWatermark has done it on an
// event-time input).
func (r *windowRank) EndInput(ctx context.Context, out Collector) error {
	return r.fire(ctx, func(int64) bool { return true }, out)
}

func (r *windowRank) Close() error {
	if r.dec != nil {
		r.dec.release()
	}
	return nil
}

// A key group's value: the uvarint length of an IPC stream holding only
// the input schema (a restored operator can fire before its first batch),
// that stream, then the uvarint count of windows and per window the
// uvarint length and bytes of its id (key bytes and end) and its rows as
// encodeRankList writes them.

// SnapshotState writes the key groups whose windows changed since the
// last checkpoint, and the watermark fired up to.
func (r *windowRank) SnapshotState(_ context.Context, _ CheckpointInfo) error {
	if r.ks == nil {
		return nil
	}
	r.wmState.Update([][]byte{encodeRangeWatermark(r.rt, r.wm)})
	if len(r.dirtyKG.list) == 0 {
		return nil
	}
	byKG := map[uint16][]*wrGroup{}
	for _, e := range r.pendingEnds {
		for _, g := range r.byEnd[e] {
			if r.dirtyKG.has(g.kg) {
				byKG[g.kg] = append(byKG[g.kg], g)
			}
		}
	}
	for _, kg := range r.dirtyKG.list {
		gs := byKG[kg]
		if len(gs) == 0 {
			if err := r.ks.Clear(kg, windowStateKey); err != nil {
				return err
			}
			continue
		}
		val, err := schemaHeader(r.rt.Mem, r.inSchema)
		if err != nil {
			return err
		}
		val = binary.AppendUvarint(val, uint64(len(gs)))
		for _, g := range gs {
			val = binary.AppendUvarint(val, uint64(len(g.id)))
			val = append(val, g.id...)
			l := encodeRankList(nil, g.rows)
			val = binary.AppendUvarint(val, uint64(len(l)))
			val = append(val, l...)
		}
		if err := r.ks.Update(kg, windowStateKey, val); err != nil {
			return err
		}
	}
	r.dirtyKG.reset()
	return nil
}

// schemaHeader is the uvarint length of an IPC stream of schema in alone,
// then that stream.
func schemaHeader(mem memory.Allocator, in *arrow.Schema) ([]byte, error) {
	var sch bytes.Buffer
	w := ipc.NewWriter(&sch, ipc.WithSchema(in), ipc.WithAllocator(mem))
	if err := w.Close(); err != nil {
		return nil, err
	}
	return append(binary.AppendUvarint(nil, uint64(sch.Len())), sch.Bytes()...), nil
}

// readSchemaHeader reads what schemaHeader wrote, returning the rest.
func readSchemaHeader(mem memory.Allocator, val []byte) (*arrow.Schema, []byte, error) {
	n, k := binary.Uvarint(val)
	if k <= 0 || uint64(len(val)-k) < n {
		return nil, nil, fmt.Errorf("%w: window state header", errStateCorrupt)
	}
	rd, err := ipc.NewReader(bytes.NewReader(val[k:k+int(n)]), ipc.WithAllocator(mem))
	if err != nil {
		return nil, nil, fmt.Errorf("window state schema: %w", err)
	}
	defer rd.Release()
	return rd.Schema(), val[k+int(n):], nil
}

func (r *windowRank) restore() error {
	wm, err := restoredWatermark(r.rt, r.wmState.Get())
	if err != nil {
		return err
	}
	r.wm = wm
	kr := r.rt.KeyGroups()
	for kg := kr.Start; kg <= kr.End; kg++ {
		val, ok, err := r.ks.Value(uint16(kg), windowStateKey)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := r.restoreKG(uint16(kg), val); err != nil {
			return fmt.Errorf("restoring key group %d: %w", kg, err)
		}
	}
	return nil
}

func (r *windowRank) restoreKG(kg uint16, val []byte) error {
	in, p, err := readSchemaHeader(r.rt.Mem, val)
	if err != nil {
		return err
	}
	if r.inSchema == nil {
		if err := r.init(in); err != nil {
			return err
		}
	} else if !r.inSchema.Equal(in) {
		return fmt.Errorf("the window state's input schema %s differs from %s", in, r.inSchema)
	}
	next := func() ([]byte, error) {
		m, k := binary.Uvarint(p)
		if k <= 0 || uint64(len(p)-k) < m {
			return nil, fmt.Errorf("%w: window Top-N entry", errStateCorrupt)
		}
		v := p[k : k+int(m)]
		p = p[k+int(m):]
		return v, nil
	}
	count, k := binary.Uvarint(p)
	if k <= 0 {
		return fmt.Errorf("%w: window Top-N count", errStateCorrupt)
	}
	p = p[k:]
	for i := uint64(0); i < count; i++ {
		id, err := next()
		if err != nil {
			return err
		}
		lb, err := next()
		if err != nil {
			return err
		}
		if len(id) < 8 {
			return fmt.Errorf("%w: window Top-N id", errStateCorrupt)
		}
		rows, err := decodeRankList(bytes.Clone(lb))
		if err != nil {
			return err
		}
		g := &wrGroup{id: string(id), kg: kg, end: int64(binary.BigEndian.Uint64(id[len(id)-8:])), rows: rows}
		if _, dup := r.groups[g.id]; dup {
			return fmt.Errorf("%w: a window appears twice", errStateCorrupt)
		}
		r.groups[g.id] = g
		r.addPending(g)
	}
	return nil
}
