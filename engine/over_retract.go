package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-stream/sluice/vectorized"
)

// A streaming OVER aggregate over a ROWS frame ending at the current row
// that takes an updating input (+I, -U, +U, -D) and any order key: the
// Nexmark q6 shape (an OVER over a Top-1's retractions, ordered by a
// materialized timestamp), which Flink refuses (FLINK-19059). Its output
// is at all times what a batch OVER over the current input table gives:
// each input row with its frame's aggregates.
//
// Per partition key, keyed state keeps the live rows sorted by the order
// key (ties in arrival order), each with the aggregates last emitted for
// it. A batch applies its changes to the partitions it touches, then
// recomputes the aggregates from the first changed position on (a ROWS
// frame of n PRECEDING reads the n rows before it, so the recomputation
// starts n rows earlier; rows before the first change keep their frames)
// with the batch OVER's code (over_batch.go), and emits -D for a removed
// row, +I for an added one and -U old / +U new for a row whose aggregates
// changed.

type overRetract struct {
	spec      OverAggSpec
	inner     *overAgg // batch OVER computing one partition's slice
	rt        *RuntimeContext
	store     rowStore
	outSchema *arrow.Schema
	emitDec   *rowDecoder
	kinds     []vectorized.RowKind
	hashes    []uint64
	key       []byte
	capture   []arrow.Array // the inner operator's output columns
}

// retractEntry is one live row of a partition: its sort key, arrival
// number, encoded row and encoded aggregates (nil: not emitted yet).
type retractEntry struct {
	seq uint64
	sk  []byte
	row []byte
	out []byte
}

type retractPart struct {
	kg       uint16
	key      string
	next     uint64
	rows     []retractEntry
	first    int // the first changed position (len(rows) when none)
	removed  [][]byte
	modified bool
}

// NewOverRetract is the OVER aggregate of spec (PartitionKeys, OrderBy,
// Rows with Following 0, Preceding, Aggs, OutputNames) over an updating
// input.
func NewOverRetract(spec OverAggSpec) Operator { return &overRetract{spec: spec} }

func (o *overRetract) String() string {
	return fmt.Sprintf("OverRetract(partition=%v, order=%v, preceding=%d, aggs=%v)", o.spec.PartitionKeys, o.spec.OrderBy, o.spec.Preceding, o.spec.Aggs)
}

func (o *overRetract) Open(ctx context.Context, rt *RuntimeContext) error {
	s := o.spec
	if !s.Rows || s.Following != 0 || s.Preceding < Unbounded {
		return fmt.Errorf("OVER over an updating input: the frame must be ROWS BETWEEN n PRECEDING AND CURRENT ROW")
	}
	if len(s.OrderBy) == 0 {
		return fmt.Errorf("OVER over an updating input: the window needs an ORDER BY")
	}
	if len(s.Funcs) > 0 {
		return fmt.Errorf("OVER over an updating input: ranking and value functions are not supported")
	}
	in := s
	in.Batch, in.TimeCol, in.ProcTime = true, -1, false
	o.inner = &overAgg{spec: in}
	if err := o.inner.Open(ctx, rt); err != nil {
		return err
	}
	// One flush per partition slice, at its end.
	o.inner.batchLen = math.MaxInt
	o.rt = rt
	var err error
	o.store, err = openRowStore(rt, "over-retract", false)
	return err
}

func (o *overRetract) init(schema *arrow.Schema) error {
	for _, k := range o.spec.OrderBy {
		if k.Col < 0 || k.Col >= schema.NumFields() {
			return fmt.Errorf("OVER: order column %d does not exist in the input (%d columns)", k.Col, schema.NumFields())
		}
	}
	if err := o.inner.init(schema); err != nil {
		return err
	}
	o.outSchema = o.inner.outSchema
	kinds, err := rowColumnKinds("OVER", o.outSchema)
	if err != nil {
		return err
	}
	o.emitDec = newRowDecoder(o.rt.Mem, o.outSchema, kinds)
	return nil
}

func (o *overRetract) load(kg uint16, key string) (*retractPart, error) {
	p := &retractPart{kg: kg, key: key}
	val, ok, err := o.store.get(kg, []byte(key))
	if err != nil || !ok {
		return p, err
	}
	d := stateDecoder{b: bytes.Clone(val)}
	p.next = d.uvarint()
	n := d.count(4)
	p.rows = make([]retractEntry, 0, n)
	for ; n > 0 && d.err == nil; n-- {
		var e retractEntry
		e.seq = d.uvarint()
		e.sk = d.fixed(int(d.uvarint()))
		e.row = d.fixed(int(d.uvarint()))
		e.out = d.fixed(int(d.uvarint()))
		p.rows = append(p.rows, e)
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return nil, fmt.Errorf("OVER state of a partition: %w", d.err)
	}
	p.first = len(p.rows)
	return p, nil
}

func (o *overRetract) save(p *retractPart) error {
	if len(p.rows) == 0 {
		return o.store.del(p.kg, []byte(p.key))
	}
	b := binary.AppendUvarint(nil, p.next)
	b = binary.AppendUvarint(b, uint64(len(p.rows)))
	for _, e := range p.rows {
		b = binary.AppendUvarint(b, e.seq)
		for _, f := range [][]byte{e.sk, e.row, e.out} {
			b = binary.AppendUvarint(b, uint64(len(f)))
			b = append(b, f...)
		}
	}
	return o.store.put(p.kg, []byte(p.key), b)
}

func (o *overRetract) Process(ctx context.Context, _ int, b *vectorized.Batch, out Collector) error {
	rec := b.Record
	if o.outSchema == nil {
		if err := o.init(rec.Schema()); err != nil {
			return err
		}
	}
	n := int(rec.NumRows())
	if n == 0 {
		return nil
	}
	cols := rec.Columns()
	keyCols := pickColumns(cols, o.spec.PartitionKeys)
	o.hashes = growUint64(o.hashes, n)
	vectorized.HashColumns(keyCols, o.hashes)
	parts := map[string]*retractPart{}
	var touched []*retractPart
	for i := 0; i < n; i++ {
		o.key = appendRow(o.key[:0], keyCols, i)
		p := parts[string(o.key)]
		if p == nil {
			var err error
			if p, err = o.load(o.rt.KeyGroupOf(o.hashes[i]), string(o.key)); err != nil {
				return err
			}
			parts[p.key] = p
			touched = append(touched, p)
		}
		row := appendRow(nil, cols, i)
		switch b.Kind(i) {
		case vectorized.Insert, vectorized.UpdateAfter:
			var sk []byte
			for _, k := range o.spec.OrderBy {
				var err error
				if sk, err = appendSortKey(sk, cols[k.Col], i, k); err != nil {
					return err
				}
			}
			// After its peers: ties keep arrival order.
			pos := sort.Search(len(p.rows), func(j int) bool { return bytes.Compare(p.rows[j].sk, sk) > 0 })
			p.rows = slices.Insert(p.rows, pos, retractEntry{seq: p.next, sk: sk, row: row})
			p.next++
			p.first = min(p.first, pos)
		default:
			// The earliest live row equal to the retracted one goes (a
			// retraction of a row not kept is ignored, as Flink's
			// retracting operators do).
			pos := slices.IndexFunc(p.rows, func(e retractEntry) bool { return bytes.Equal(e.row, row) })
			if pos < 0 {
				continue
			}
			if e := p.rows[pos]; e.out != nil {
				p.removed = append(p.removed, append(slices.Clone(e.row), e.out...))
			}
			p.rows = slices.Delete(p.rows, pos, pos+1)
			p.first = min(p.first, pos)
		}
		p.modified = true
	}
	for _, p := range touched {
		if err := o.recompute(ctx, p); err != nil {
			return err
		}
		if err := o.save(p); err != nil {
			return err
		}
		if o.emitDec.n >= DefaultBatchSize {
			if err := o.flush(ctx, out); err != nil {
				return err
			}
		}
	}
	return o.flush(ctx, out)
}

// recompute emits a touched partition's removed rows and the rows from
// its first change on whose aggregates are new or changed.
func (o *overRetract) recompute(ctx context.Context, p *retractPart) error {
	for _, r := range p.removed {
		if err := o.emit(r, vectorized.Delete); err != nil {
			return err
		}
	}
	p.removed = nil
	if p.first >= len(p.rows) {
		return nil
	}
	start := 0
	if P := o.spec.Preceding; P != Unbounded {
		start = max(0, p.first-int(min(P, int64(p.first))))
	}
	slice := make([]overBatchRow, 0, len(p.rows)-start)
	for _, e := range p.rows[start:] {
		slice = append(slice, overBatchRow{sk: e.sk, row: e.row})
	}
	o.capture = o.capture[:0]
	capture := CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
		for _, c := range b.Record.Columns() {
			c.Retain()
			o.capture = append(o.capture, c)
		}
		return nil
	})
	if err := o.inner.batchPartition(ctx, slice, capture); err != nil {
		return err
	}
	if err := o.inner.flush(ctx, capture); err != nil {
		return err
	}
	defer func() {
		releaseArrays(o.capture)
		o.capture = o.capture[:0]
	}()
	width := o.outSchema.NumFields()
	if len(o.capture) != width {
		return fmt.Errorf("OVER: %d columns computed for %d rows, want one batch of %d", len(o.capture), len(slice), width)
	}
	aggCols := o.capture[width-len(o.spec.Aggs):]
	var buf []byte
	for j := p.first; j < len(p.rows); j++ {
		e := &p.rows[j]
		buf = appendRow(buf[:0], aggCols, j-start)
		switch {
		case e.out == nil:
			e.out = slices.Clone(buf)
			if err := o.emit(append(slices.Clone(e.row), e.out...), vectorized.Insert); err != nil {
				return err
			}
		case !bytes.Equal(e.out, buf):
			if err := o.emit(append(slices.Clone(e.row), e.out...), vectorized.UpdateBefore); err != nil {
				return err
			}
			e.out = slices.Clone(buf)
			if err := o.emit(append(slices.Clone(e.row), e.out...), vectorized.UpdateAfter); err != nil {
				return err
			}
		}
	}
	p.first = len(p.rows)
	return nil
}

func (o *overRetract) emit(row []byte, kind vectorized.RowKind) error {
	if err := o.emitDec.add(row); err != nil {
		return err
	}
	o.kinds = append(o.kinds, kind)
	return nil
}

func (o *overRetract) flush(ctx context.Context, out Collector) error {
	if len(o.kinds) == 0 {
		return nil
	}
	cols := o.emitDec.finish()
	kinds := o.kinds
	o.kinds = nil
	return emitRows(ctx, out, o.outSchema, cols, kinds)
}

// State is written as each batch is processed: nothing is left to
// snapshot.
func (o *overRetract) SnapshotState(context.Context, CheckpointInfo) error { return nil }

func (o *overRetract) EndInput(context.Context, Collector) error { return nil }

func (o *overRetract) Close() error {
	if o.emitDec != nil {
		o.emitDec.release()
	}
	if o.inner != nil {
		return o.inner.Close()
	}
	return nil
}
