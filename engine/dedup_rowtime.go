package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

// firstRowtime is rowtime keep-first deduplication with insert-only
// output, Flink 2.3's RowTimeDeduplicateKeepFirstRowFunction (planned when
// mini-batch is off, as its outputInsertOnly): a key's candidate row waits
// for the watermark; a row with a smaller rowtime replaces it meanwhile;
// the watermark reaching its rowtime (Flink's event-time timer) emits it
// as +I, after which the key emits nothing more. Rows whose rowtime is
// below the current watermark are late: dropped and counted in
// numLateRecordsDropped.
//
// State: the emitted mark per key is keyed state written when the row is
// emitted (table.exec.state.ttl applies to it, as to Flink's
// already-emitted state); the waiting rows live in memory, indexed by
// rowtime, and are written at each checkpoint per key group (as the
// window operators' open windows, window_agg_state.go), so a restore
// into any key group range emits them when the watermark comes. Like
// Flink's timers they carry no TTL. The watermark is kept too (union
// operator state, as the window operators'): rows a restored job replays
// that were late stay late, and the result equals the uninterrupted
// run's.
type firstRowtime struct {
	spec DedupSpec
	rt   *RuntimeContext
	kv   rowStore // emitted marks

	batchLen int
	inSchema *arrow.Schema
	dec      *rowDecoder
	wm       int64
	late     interface{ Add(int64) int64 }
	nullTime interface{ Add(int64) int64 }

	waiting map[string]*waitingRow // by key bytes
	// byTime orders the waiting rows by rowtime (then arrival) for firing;
	// replaced entries stay until popped and are skipped (stale).
	byTime []*waitingRow
	sorted bool
	seq    uint64

	pending *state.ValueState[[]byte]
	wmState *state.OperatorListState
	dirtyKG *kgSet

	hashes []uint64
	key    []byte
	outN   int
}

// waitingRow is a key's row waiting for the watermark.
type waitingRow struct {
	key   string
	kg    uint16
	ts    int64
	seq   uint64
	row   []byte
	stale bool
}

func (d *firstRowtime) String() string {
	return fmt.Sprintf("Deduplicate(keep=[FirstRow], key=%v, order=[RowTime($%d)], outputInsertOnly=[true])", d.spec.Keys, d.spec.TimeCol)
}

func (d *firstRowtime) Open(_ context.Context, rt *RuntimeContext) error {
	if d.spec.UpdatingInput {
		return fmt.Errorf("deduplicate: row-time deduplication needs an insert-only input")
	}
	n, err := rt.Config.Int(ConfigBatchSize, DefaultBatchSize)
	if err != nil {
		return err
	}
	d.rt, d.batchLen, d.wm = rt, max(n, 1), MinWatermark
	d.late = rt.Metrics.Counter("numLateRecordsDropped")
	d.nullTime = rt.Metrics.Counter("numNullRowTimeRecordsDropped")
	d.waiting = map[string]*waitingRow{}
	if d.kv, err = openRowStore(rt, "deduplicate", true); err != nil {
		return err
	}
	if rt.ckpt == nil {
		return nil
	}
	if d.pending, d.wmState, err = openWindowState(rt, "deduplicate-waiting"); err != nil {
		return err
	}
	d.dirtyKG = &kgSet{}
	if _, ok := rt.Restored(); ok {
		return d.restore()
	}
	return nil
}

func (d *firstRowtime) init(schema *arrow.Schema) error {
	kinds, err := rowColumnKinds("deduplicate", schema)
	if err != nil {
		return err
	}
	for _, k := range d.spec.Keys {
		if k < 0 || k >= schema.NumFields() {
			return fmt.Errorf("deduplicate: key column %d does not exist in the input (%d columns)", k, schema.NumFields())
		}
	}
	if d.spec.TimeCol < 0 || d.spec.TimeCol >= schema.NumFields() {
		return fmt.Errorf("deduplicate: time column %d does not exist in the input (%d columns)", d.spec.TimeCol, schema.NumFields())
	}
	switch schema.Field(d.spec.TimeCol).Type.ID() {
	case arrow.TIMESTAMP, arrow.INT64:
	default:
		return fmt.Errorf("deduplicate: time column of type %s", schema.Field(d.spec.TimeCol).Type)
	}
	d.inSchema = schema
	d.dec = newRowDecoder(d.rt.Mem, schema, kinds)
	return nil
}

func (d *firstRowtime) Process(_ context.Context, _ int, b *vectorized.Batch, _ Collector) error {
	if err := insertOnly("deduplicate", b); err != nil {
		return err
	}
	rec := b.Record
	if d.inSchema == nil {
		if err := d.init(rec.Schema()); err != nil {
			return err
		}
	}
	n := int(rec.NumRows())
	if n == 0 {
		return nil
	}
	cols := rec.Columns()
	keyCols := pickColumns(cols, d.spec.Keys)
	d.hashes = growUint64(d.hashes, n)
	vectorized.HashColumns(keyCols, d.hashes)
	times := cols[d.spec.TimeCol]
	tf := int64(1)
	if tt, ok := times.DataType().(*arrow.TimestampType); ok {
		tf, _ = millisOf(tt)
	}
	late := int64(0)
	for i := 0; i < n; i++ {
		if times.IsNull(i) {
			d.nullTime.Add(1)
			continue
		}
		ts := int64Value(times, i)
		// The watermark is in milliseconds; Flink compares the rowtime's
		// milliseconds (TIMESTAMP(3)).
		if _, isTS := times.DataType().(*arrow.TimestampType); isTS {
			ts = toMillis(ts, tf)
		}
		if ts < d.wm {
			late++
			continue
		}
		d.key = appendRow(d.key[:0], keyCols, i)
		kg := d.rt.KeyGroupOf(d.hashes[i])
		if _, emitted, err := d.kv.get(kg, d.key); err != nil {
			return err
		} else if emitted {
			continue // its first row went out: nothing can change it
		}
		w := d.waiting[string(d.key)]
		if w != nil && ts >= w.ts {
			continue
		}
		if w != nil {
			w.stale = true
		}
		d.seq++
		nw := &waitingRow{key: string(d.key), kg: kg, ts: ts, seq: d.seq, row: appendRow(nil, cols, i)}
		d.waiting[nw.key] = nw
		d.byTime = append(d.byTime, nw)
		d.sorted = false
		if d.dirtyKG != nil {
			d.dirtyKG.add(kg)
		}
	}
	if late > 0 {
		d.late.Add(late)
	}
	return nil
}

// ProcessWatermark emits the waiting rows whose rowtime the watermark
// reached, in rowtime order.
func (d *firstRowtime) ProcessWatermark(ctx context.Context, wm int64, out Collector) (int64, error) {
	if wm > d.wm {
		d.wm = wm
	}
	if !d.sorted {
		sort.SliceStable(d.byTime, func(i, j int) bool {
			a, b := d.byTime[i], d.byTime[j]
			return a.ts < b.ts || a.ts == b.ts && a.seq < b.seq
		})
		d.sorted = true
	}
	k := 0
	for ; k < len(d.byTime) && d.byTime[k].ts <= wm; k++ {
		w := d.byTime[k]
		if w.stale {
			continue
		}
		if err := d.kv.put(w.kg, []byte(w.key), dedupMarker); err != nil {
			return wm, err
		}
		delete(d.waiting, w.key)
		if d.dirtyKG != nil {
			d.dirtyKG.add(w.kg)
		}
		if err := d.dec.add(w.row); err != nil {
			return wm, err
		}
		if d.outN++; d.outN >= d.batchLen {
			if err := d.flush(ctx, out); err != nil {
				return wm, err
			}
		}
	}
	d.byTime = slices.Delete(d.byTime, 0, k)
	return wm, d.flush(ctx, out)
}

func (d *firstRowtime) flush(ctx context.Context, out Collector) error {
	if d.outN == 0 {
		return nil
	}
	kinds := make([]vectorized.RowKind, d.outN)
	d.outN = 0
	return emitRows(ctx, out, d.inSchema, d.dec.finish(), kinds)
}

// EndInput: the final MaxWatermark has emitted every waiting row.
func (d *firstRowtime) EndInput(context.Context, Collector) error { return nil }

func (d *firstRowtime) Close() error {
	if d.dec != nil {
		d.dec.release()
	}
	return nil
}

// A key group's waiting rows in state: the input schema header
// (schemaHeader), the uvarint count, then per row the uvarint length and
// bytes of its key, its varint rowtime, and the uvarint length and bytes
// of the row.

// SnapshotState writes the waiting rows of the key groups that changed.
func (d *firstRowtime) SnapshotState(context.Context, CheckpointInfo) error {
	if d.pending == nil {
		return nil
	}
	d.wmState.Update([][]byte{encodeRangeWatermark(d.rt, d.wm)})
	if len(d.dirtyKG.list) == 0 {
		return nil
	}
	byKG := map[uint16][]*waitingRow{}
	for _, w := range d.waiting {
		if d.dirtyKG.has(w.kg) {
			byKG[w.kg] = append(byKG[w.kg], w)
		}
	}
	for _, kg := range d.dirtyKG.list {
		ws := byKG[kg]
		if len(ws) == 0 {
			if err := d.pending.Clear(kg, windowStateKey); err != nil {
				return err
			}
			continue
		}
		sort.Slice(ws, func(i, j int) bool { return ws[i].seq < ws[j].seq })
		val, err := schemaHeader(d.rt.Mem, d.inSchema)
		if err != nil {
			return err
		}
		val = binary.AppendUvarint(val, uint64(len(ws)))
		for _, w := range ws {
			val = binary.AppendUvarint(val, uint64(len(w.key)))
			val = append(val, w.key...)
			val = binary.AppendVarint(val, w.ts)
			val = binary.AppendUvarint(val, uint64(len(w.row)))
			val = append(val, w.row...)
		}
		if err := d.pending.Update(kg, windowStateKey, val); err != nil {
			return err
		}
	}
	d.dirtyKG.reset()
	return nil
}

func (d *firstRowtime) restore() error {
	wm, err := restoredWatermark(d.rt, d.wmState.Get())
	if err != nil {
		return err
	}
	d.wm = wm
	r := d.rt.KeyGroups()
	for kg := r.Start; kg <= r.End; kg++ {
		val, ok, err := d.pending.Value(uint16(kg), windowStateKey)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := d.restoreKG(uint16(kg), val); err != nil {
			return fmt.Errorf("restoring key group %d: %w", kg, err)
		}
	}
	d.sorted = false
	return nil
}

func (d *firstRowtime) restoreKG(kg uint16, val []byte) error {
	in, p, err := readSchemaHeader(d.rt.Mem, val)
	if err != nil {
		return err
	}
	if d.inSchema == nil {
		if err := d.init(in); err != nil {
			return err
		}
	} else if !d.inSchema.Equal(in) {
		return fmt.Errorf("the deduplicate state's input schema %s differs from %s", in, d.inSchema)
	}
	bad := fmt.Errorf("%w: deduplicate waiting rows", errStateCorrupt)
	next := func() ([]byte, error) {
		m, k := binary.Uvarint(p)
		if k <= 0 || uint64(len(p)-k) < m {
			return nil, bad
		}
		v := p[k : k+int(m)]
		p = p[k+int(m):]
		return v, nil
	}
	count, k := binary.Uvarint(p)
	if k <= 0 {
		return bad
	}
	p = p[k:]
	for i := uint64(0); i < count; i++ {
		key, err := next()
		if err != nil {
			return err
		}
		ts, k := binary.Varint(p)
		if k <= 0 {
			return bad
		}
		p = p[k:]
		row, err := next()
		if err != nil {
			return err
		}
		d.seq++
		w := &waitingRow{key: string(key), kg: kg, ts: ts, seq: d.seq, row: bytes.Clone(row)}
		d.waiting[w.key] = w
		d.byTime = append(d.byTime, w)
	}
	return nil
}
