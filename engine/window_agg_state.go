package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// windowStateKey is the one keyed-state key per key group: its value holds
// every open window of the key group.
var windowStateKey = []byte("w")

// A key group's value: uvarint length of an IPC stream holding only the
// input schema (so a restored operator can fire before its first batch),
// that stream, then an IPC stream of one batch: the group keys, window
// start, window end, and the accumulators' bytes (accumulator.save, in
// call order).

// encodeWindows serializes groups (all of one key group).
func encodeWindows(mem memory.Allocator, in *arrow.Schema, keyTypes []arrow.DataType, groups []uint32,
	keys func([]uint32) ([]arrow.Array, error), starts, ends []int64, save func(dst []byte, g uint32) []byte) ([]byte, error) {
	cols, err := keys(groups)
	if err != nil {
		return nil, err
	}
	defer func() { releaseArrays(cols) }()
	var fields []arrow.Field
	for i, dt := range keyTypes {
		fields = append(fields, arrow.Field{Name: fmt.Sprintf("k%d", i), Type: dt, Nullable: true})
	}
	fields = append(fields, arrow.Field{Name: "start", Type: arrow.PrimitiveTypes.Int64},
		arrow.Field{Name: "end", Type: arrow.PrimitiveTypes.Int64}, arrow.Field{Name: "acc", Type: arrow.BinaryTypes.Binary})
	cols[len(keyTypes)].Release() // the table's window-end key column: stored as end
	cols = cols[:len(keyTypes)]
	st, en := make([]int64, len(groups)), make([]int64, len(groups))
	ab := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
	defer ab.Release()
	var scratch []byte
	for i, g := range groups {
		st[i], en[i] = starts[g], ends[g]
		scratch = save(scratch[:0], g)
		ab.Append(scratch)
	}
	cols = append(cols, timestampFree(mem, st), timestampFree(mem, en), ab.NewArray())
	schema := arrow.NewSchema(fields, nil)
	rec := array.NewRecordBatch(schema, cols, int64(len(groups)))
	defer rec.Release()
	return encodeBatches(mem, in, []arrow.RecordBatch{rec})
}

// encodeBatches writes the uvarint length of an IPC stream holding only
// the schema in, that stream, then an IPC stream of recs.
func encodeBatches(mem memory.Allocator, in *arrow.Schema, recs []arrow.RecordBatch) ([]byte, error) {
	var buf, sch bytes.Buffer
	w := ipc.NewWriter(&sch, ipc.WithSchema(in), ipc.WithAllocator(mem))
	if err := w.Close(); err != nil {
		return nil, err
	}
	buf.Write(binary.AppendUvarint(nil, uint64(sch.Len())))
	buf.Write(sch.Bytes())
	w = ipc.NewWriter(&buf, ipc.WithSchema(recs[0].Schema()), ipc.WithAllocator(mem))
	for _, rec := range recs {
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// timestampFree builds an owned int64 array.
func timestampFree(mem memory.Allocator, vals []int64) arrow.Array {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendValues(vals, nil)
	return b.NewArray()
}

// decodeBatches reads what encodeWindows wrote: the input schema and the
// batches of windows (the caller releases them).
func decodeBatches(mem memory.Allocator, val []byte) (*arrow.Schema, []arrow.RecordBatch, error) {
	n, k := binary.Uvarint(val)
	if k <= 0 || uint64(len(val)-k) < n {
		return nil, nil, fmt.Errorf("%w: window state header", errStateCorrupt)
	}
	r, err := ipc.NewReader(bytes.NewReader(val[k:k+int(n)]), ipc.WithAllocator(mem))
	if err != nil {
		return nil, nil, fmt.Errorf("window state schema: %w", err)
	}
	in := r.Schema()
	r.Release()
	r, err = ipc.NewReader(bytes.NewReader(val[k+int(n):]), ipc.WithAllocator(mem))
	if err != nil {
		return nil, nil, fmt.Errorf("window state: %w", err)
	}
	defer r.Release()
	var recs []arrow.RecordBatch
	for r.Next() {
		rec := r.RecordBatch()
		rec.Retain()
		recs = append(recs, rec)
	}
	if err := r.Err(); err != nil {
		for _, x := range recs {
			x.Release()
		}
		return nil, nil, fmt.Errorf("window state: %w", err)
	}
	return in, recs, nil
}

// SnapshotState writes the key groups whose windows changed since the
// last checkpoint, and the watermark fired up to.
func (a *windowAgg) SnapshotState(_ context.Context, _ CheckpointInfo) error {
	if a.ks == nil {
		return nil
	}
	a.wmState.Update([][]byte{encodeRangeWatermark(a.rt, a.wm)})
	if len(a.dirtyKG.list) == 0 {
		return nil
	}
	byKG := map[uint16][]uint32{}
	for g := range a.live {
		if a.live[g] && a.dirtyKG.has(a.kgs[g]) {
			byKG[a.kgs[g]] = append(byKG[a.kgs[g]], uint32(g))
		}
	}
	for _, kg := range a.dirtyKG.list {
		groups := byKG[kg]
		if len(groups) == 0 {
			if err := a.ks.Clear(kg, windowStateKey); err != nil {
				return err
			}
			continue
		}
		val, err := encodeWindows(a.rt.Mem, a.inSchema, a.keyTypes, groups, a.table.keys, a.starts, a.ends,
			func(dst []byte, g uint32) []byte {
				for _, acc := range a.accs {
					dst = acc.save(dst, g)
				}
				return dst
			})
		if err == nil {
			err = accsErr(a.accs)
		}
		if err != nil {
			return err
		}
		if err := a.ks.Update(kg, windowStateKey, val); err != nil {
			return err
		}
	}
	a.dirtyKG.reset()
	return nil
}

// encodeRangeWatermark is one union-list element: this subtask's key-group
// range and watermark, so a restored subtask takes the minimum over the
// old subtasks whose key groups it now owns.
func encodeRangeWatermark(rt *RuntimeContext, wm int64) []byte {
	r := rt.KeyGroups()
	b := binary.AppendVarint(nil, int64(r.Start))
	b = binary.AppendVarint(b, int64(r.End))
	return binary.AppendVarint(b, wm)
}

// restoredWatermark is the smallest watermark of the old subtasks whose
// key groups overlap this subtask's.
func restoredWatermark(rt *RuntimeContext, elems [][]byte) (int64, error) {
	r := rt.KeyGroups()
	wm, found := int64(0), false
	for _, e := range elems {
		d := stateDecoder{b: e}
		s, en, w := d.varint(), d.varint(), d.varint()
		if d.err != nil {
			return 0, d.err
		}
		if en < int64(r.Start) || s > int64(r.End) {
			continue
		}
		if !found || w < wm {
			wm, found = w, true
		}
	}
	if !found {
		return MinWatermark, nil
	}
	return wm, nil
}

// restore reads the windows of this subtask's key groups.
func (a *windowAgg) restore() error {
	wm, err := restoredWatermark(a.rt, a.wmState.Get())
	if err != nil {
		return err
	}
	a.wm = wm
	r := a.rt.KeyGroups()
	for kg := r.Start; kg <= r.End; kg++ {
		val, ok, err := a.ks.Value(uint16(kg), windowStateKey)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := a.restoreKG(uint16(kg), val); err != nil {
			return fmt.Errorf("restoring key group %d: %w", kg, err)
		}
	}
	return nil
}

func (a *windowAgg) restoreKG(kg uint16, val []byte) error {
	in, recs, err := decodeBatches(a.rt.Mem, val)
	if err != nil {
		return err
	}
	defer func() {
		for _, x := range recs {
			x.Release()
		}
	}()
	if a.inSchema == nil {
		if err := a.init(in); err != nil {
			return err
		}
	} else if !a.inSchema.Equal(in) {
		return fmt.Errorf("the window state's input schema %s differs from %s", in, a.inSchema)
	}
	nk := len(a.keyTypes)
	for _, rec := range recs {
		n := int(rec.NumRows())
		cols := make([]arrow.Array, nk+1)
		for i := 0; i < nk; i++ {
			cols[i] = rec.Column(i)
		}
		starts := rec.Column(nk).(*array.Int64).Int64Values()
		ends := rec.Column(nk + 1).(*array.Int64)
		accBytes := rec.Column(nk + 2).(*array.Binary)
		cols[nk] = ends
		a.groups = grow(a.groups, n)
		a.created = a.table.lookup(cols, n, a.groups, a.created[:0])
		if len(a.created) != n {
			return fmt.Errorf("%w: a window appears twice", errStateCorrupt)
		}
		a.grow(a.table.size())
		for i, g := range a.groups[:n] {
			a.starts[g], a.ends[g], a.kgs[g], a.live[g] = starts[i], ends.Value(i), kg, true
			d := stateDecoder{b: accBytes.Value(i)}
			for _, acc := range a.accs {
				acc.load(&d, g)
			}
			if d.err != nil {
				return d.err
			}
			a.addPending(ends.Value(i), g)
		}
	}
	return nil
}

// kgSet is the set of key groups whose windows changed since the last
// checkpoint: a flag per key group (rows mark it per row, so no map) and
// the list of those set.
type kgSet struct {
	mark []bool
	list []uint16
}

func (s *kgSet) add(kg uint16) {
	if int(kg) >= len(s.mark) {
		s.mark = append(s.mark, make([]bool, int(kg)+1-len(s.mark))...)
	}
	if !s.mark[kg] {
		s.mark[kg] = true
		s.list = append(s.list, kg)
	}
}

func (s *kgSet) has(kg uint16) bool { return int(kg) < len(s.mark) && s.mark[kg] }

func (s *kgSet) reset() {
	for _, kg := range s.list {
		s.mark[kg] = false
	}
	s.list = s.list[:0]
}
