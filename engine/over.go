package engine

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

// Unbounded is OverAggSpec.Preceding for UNBOUNDED PRECEDING.
const Unbounded int64 = -1

// OverAggSpec is a streaming OVER aggregate:
//
//	agg(...) OVER (PARTITION BY PartitionKeys ORDER BY time
//	  ROWS|RANGE BETWEEN Preceding PRECEDING AND CURRENT ROW)
//
// Output columns: the input's, then one per Aggs (GroupAggregate's
// AggCall kinds). Preceding is a row count (Rows) or milliseconds (RANGE),
// Unbounded for UNBOUNDED PRECEDING. The input must be insert-only.
type OverAggSpec struct {
	PartitionKeys []int
	// TimeCol is the rowtime column (TIMESTAMP(3) or BIGINT ms); ProcTime
	// orders by arrival instead.
	TimeCol   int
	ProcTime  bool
	Rows      bool
	Preceding int64
	Aggs      []AggCall
	// Batch: a bounded, insert-only input, computed at its end
	// (over_batch.go); then the frame may end at Following rows (ROWS) or
	// ms (RANGE) after the current row (0: CURRENT ROW; Unbounded:
	// UNBOUNDED FOLLOWING), and OrderBy may replace the time column as the
	// window's order (ROWS frames, or RANGE between UNBOUNDED PRECEDING and
	// CURRENT ROW, whose peers are the rows of an equal order key).
	Batch     bool
	Following int64
	OrderBy   []SortKey
	// Funcs are ranking and value functions of a batch window (see
	// OverFuncKind). Pos is a function's place among the computed
	// columns; Aggs fill the other places, in order.
	Funcs []OverFunc
	// OutputNames, when set, name every output column.
	OutputNames []string
}

// OverFuncKind is a ranking or value function over a batch window. The
// ranking functions are BIGINT columns numbering a partition's rows in
// OrderBy's order (peers are rows of an equal order key); the value
// functions take column Arg's value of another row (NULL when there is
// none, or Default for LEAD and LAG).
type OverFuncKind int

const (
	NoRank     OverFuncKind = iota
	RowNumber               // 1, 2, 3, ... in order
	RankFunc                // RANK: peers share the first one's row number
	DenseRank               // DENSE_RANK: peers share one, without gaps
	Lag                     // the row Offset rows before
	Lead                    // the row Offset rows after
	FirstValue              // the frame's first non-NULL value
	LastValue               // the frame's last non-NULL value
)

// OverFunc is one ranking or value function of an OverAggSpec.
type OverFunc struct {
	Kind   OverFuncKind
	Pos    int
	Arg    int
	Offset int64
	// Default is a one-row array of Arg's type, or nil.
	Default arrow.Array
}

func (k OverFuncKind) value() bool { return k >= Lag }

// OverRankKind names the ranking kinds where only they are meant (batch
// Top-N).
type OverRankKind = OverFuncKind

// overAgg follows Flink's OVER functions: RowTimeRowsBoundedPreceding-
// Function, RowTimeRangeBoundedPrecedingFunction, RowTimeRowsUnbounded-
// PrecedingFunction, RowTimeRangeUnboundedPrecedingFunction and their
// ProcTime counterparts.
//
// Event time: a row is buffered with its partition until the watermark
// reaches its time, then emitted, in time order (arrival order among equal
// times), with the aggregates over its frame; in RANGE frames rows of
// equal time share one result (the frame includes them all). Late rows are
// dropped and counted in "numLateRecordsDropped": as in Flink, for bounded
// frames a row is late when its time is not after the last time its
// partition fired (lastTriggeringTs, 0 before the first firing), for
// unbounded ones when it is not after the watermark. Rows with a NULL time are dropped and counted in
// "numNullRowTimeRecordsDropped".
//
// Processing time: rows are emitted as they arrive (ROWS: each row's frame
// is it and the rows before; RANGE: a batch's rows arrive at one instant,
// share one result, as rows arriving in Flink's same millisecond).
//
// State, per partition, in keyed state: the last fired time, the
// accumulators' bytes (unbounded frames: nothing else is needed), the rows
// still inside a future frame (bounded frames: the accumulators are
// rebuilt from them, with retraction as rows leave the frame), and the
// rows not yet fired. Partitions with unfired rows live in memory and are
// written at each checkpoint; a per-key-group index of them in keyed state
// lets a restore (into any key-group range) find them. The watermark is
// kept in operator state as the window aggregate's.
type overAgg struct {
	spec OverAggSpec
	rt   *RuntimeContext
	now  func() time.Time

	kv, idx   rowStore
	wmState   *state.OperatorListState
	inSchema  *arrow.Schema
	outSchema *arrow.Schema
	kinds     []rowColKind
	accs      []accumulator
	outDec    *rowDecoder // emitted rows
	workDec   *rowDecoder // one partition's rows, for the accumulators
	wm        int64
	lastProc  int64
	late      interface{ Add(int64) int64 }
	nullTime  interface{ Add(int64) int64 }

	pending  map[string]*overKey // partitions with unfired rows
	byKG     map[uint16]map[string]bool
	dirtyKG  map[uint16]bool
	hashes   []uint64
	key      []byte
	outCount int
	signs    []int8
	groups   []uint32

	// Batch mode (over_batch.go).
	batchLen   int
	batchParts map[string][]overBatchRow
	// order lists the computed columns: i >= 0 is Aggs[i], i < 0 is
	// Funcs[-i-1]; ranks holds the ranking values of the rows not flushed,
	// vals the value functions' (see over_batch.go).
	order     []int
	ranks     [][]int64
	vals      []overVals
	accResult []arrow.DataType
	// outTs are the times of the rows fired at a watermark, which leave in
	// time order across partitions as Flink's event-time timers fire.
	outTs []int64
}

type overRow struct {
	ts  int64
	row []byte
}

// overKey is one partition's state.
type overKey struct {
	kg        uint16
	key       string
	lastFired int64
	acc       []byte // unbounded: the accumulators' saved state
	hist      []overRow
	pend      []overRow
	dirty     bool
	// RANGE frames with an offset on event time, as Flink's
	// RowTimeRangeBoundedPrecedingFunction: cleanup is the partition's
	// state-cleanup time (0: none), timers the times it registered timers
	// for that have not fired (its rows' times and cleanup times, which
	// Flink never deletes).
	cleanup int64
	timers  []int64
}

// NewOverAggregate is an OVER aggregate (see OverAggSpec).
func NewOverAggregate(spec OverAggSpec) Operator { return &overAgg{spec: spec, now: time.Now} }

func (o *overAgg) String() string {
	var b strings.Builder
	order := fmt.Sprintf("$%d", o.spec.TimeCol)
	if o.spec.ProcTime {
		order = "PROCTIME"
	}
	frame, pre := "RANGE", "UNBOUNDED"
	if o.spec.Rows {
		frame = "ROWS"
	}
	if o.spec.Preceding >= 0 {
		pre = fmt.Sprint(o.spec.Preceding)
	}
	fmt.Fprintf(&b, "OverAggregate(partitionBy=%v, orderBy=[%s], window=[%s BETWEEN %s PRECEDING AND CURRENT ROW], select=[",
		o.spec.PartitionKeys, order, frame, pre)
	for i, c := range o.spec.Aggs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.String())
	}
	b.WriteString("])")
	return b.String()
}

func (o *overAgg) bounded() bool { return o.spec.Preceding >= 0 }

func (o *overAgg) Open(_ context.Context, rt *RuntimeContext) error {
	if o.spec.Preceding < Unbounded || o.spec.Following < Unbounded {
		return fmt.Errorf("OVER: bad frame %d PRECEDING, %d FOLLOWING", o.spec.Preceding, o.spec.Following)
	}
	if o.spec.Batch {
		return o.openBatch(rt)
	}
	if o.spec.Following != 0 || len(o.spec.OrderBy) > 0 {
		return fmt.Errorf("OVER: a streaming OVER window ends at the current row and is ordered by a time attribute")
	}
	o.rt, o.wm, o.lastProc = rt, MinWatermark, math.MinInt64
	o.late = rt.Metrics.Counter("numLateRecordsDropped")
	o.nullTime = rt.Metrics.Counter("numNullRowTimeRecordsDropped")
	o.pending, o.byKG, o.dirtyKG = map[string]*overKey{}, map[uint16]map[string]bool{}, map[uint16]bool{}
	var err error
	if o.kv, err = openRowStore(rt, "over", false); err != nil {
		return err
	}
	if o.idx, err = openRowStore(rt, "over-pending", false); err != nil {
		return err
	}
	if rt.ckpt == nil {
		return nil
	}
	ops, err := rt.OperatorState()
	if err != nil {
		return err
	}
	if o.wmState, err = ops.ListState("over-watermark", state.UnionRedistribute); err != nil {
		return err
	}
	if _, ok := rt.Restored(); !ok {
		return nil
	}
	if elems := o.wmState.Get(); len(elems) > 0 {
		if o.wm, err = restoredWatermark(rt, elems); err != nil {
			return err
		}
	}
	// Partitions with unfired rows: the index names them per key group.
	r := rt.KeyGroups()
	for kg := r.Start; kg <= r.End; kg++ {
		val, ok, err := o.idx.get(uint16(kg), overIndexKey)
		if err != nil || !ok {
			if err != nil {
				return err
			}
			continue
		}
		d := stateDecoder{b: val}
		for n := d.count(1); n > 0 && d.err == nil; n-- {
			k := string(d.fixed(int(d.uvarint())))
			if d.err != nil {
				break
			}
			pk, err := o.load(uint16(kg), k)
			if err != nil {
				return err
			}
			o.markPending(pk)
		}
		if d.err != nil {
			return d.err
		}
	}
	return nil
}

var overIndexKey = []byte("p")

func (o *overAgg) init(schema *arrow.Schema) error {
	kinds, err := rowColumnKinds("OVER", schema)
	if err != nil {
		return err
	}
	for _, k := range o.spec.PartitionKeys {
		if k < 0 || k >= schema.NumFields() {
			return fmt.Errorf("OVER: partition column %d does not exist in the input (%d columns)", k, schema.NumFields())
		}
	}
	if !o.spec.ProcTime && (!o.spec.Batch || len(o.spec.OrderBy) == 0 && o.spec.TimeCol >= 0) {
		if o.spec.TimeCol < 0 || o.spec.TimeCol >= schema.NumFields() {
			return fmt.Errorf("OVER: time column %d does not exist in the input (%d columns)", o.spec.TimeCol, schema.NumFields())
		}
		if id := schema.Field(o.spec.TimeCol).Type.ID(); id != arrow.TIMESTAMP && id != arrow.INT64 {
			return fmt.Errorf("OVER: time column of type %s", schema.Field(o.spec.TimeCol).Type)
		}
	}
	fields := slicesClone(schema.Fields())
	for _, c := range o.spec.Aggs {
		acc, res, err := newAccumulatorFor(c, schema, o.bounded())
		if err != nil {
			return err
		}
		o.accResult = append(o.accResult, res)
		acc.grow(1)
		o.accs = append(o.accs, acc)
	}
	if len(o.spec.Funcs) > 0 && !o.spec.Batch {
		return fmt.Errorf("OVER: ranking and value functions are computed on bounded input only")
	}
	o.order = o.order[:0]
	o.ranks = make([][]int64, len(o.spec.Funcs))
	o.vals = make([]overVals, len(o.spec.Funcs))
	next := 0
	for p := 0; p < len(o.spec.Aggs)+len(o.spec.Funcs); p++ {
		ri := -1
		for j, r := range o.spec.Funcs {
			if r.Pos == p {
				ri = j
			}
		}
		if ri >= 0 {
			o.order = append(o.order, -ri-1)
			f := o.spec.Funcs[ri]
			if !f.Kind.value() {
				fields = append(fields, arrow.Field{Name: fmt.Sprintf("w0$o%d", p), Type: arrow.PrimitiveTypes.Int64})
				continue
			}
			if f.Arg < 0 || f.Arg >= schema.NumFields() {
				return fmt.Errorf("OVER: column %d does not exist in the input (%d columns)", f.Arg, schema.NumFields())
			}
			t := schema.Field(f.Arg).Type
			if f.Default != nil && !arrow.TypeEqual(f.Default.DataType(), t) {
				return fmt.Errorf("OVER: default of type %s for a column of type %s", f.Default.DataType(), t)
			}
			fields = append(fields, arrow.Field{Name: fmt.Sprintf("w0$o%d", p), Type: t, Nullable: true})
			continue
		}
		if next >= len(o.spec.Aggs) {
			return fmt.Errorf("OVER: function places %v leave no place %d", o.spec.Funcs, p)
		}
		o.order = append(o.order, next)
		fields = append(fields, arrow.Field{Name: fmt.Sprintf("w0$o%d", p), Type: o.accResult[next], Nullable: true})
		next++
	}
	if names := o.spec.OutputNames; len(names) > 0 {
		if len(names) != len(fields) {
			return fmt.Errorf("%d output names for %d output columns", len(names), len(fields))
		}
		for i := range fields {
			fields[i].Name = names[i]
		}
	}
	o.inSchema, o.kinds = schema, kinds
	o.outSchema = arrow.NewSchema(fields, nil)
	o.outDec = newRowDecoder(o.rt.Mem, schema, kinds)
	o.workDec = newRowDecoder(o.rt.Mem, schema, kinds)
	return nil
}

// A partition's value: varint last fired time, uvarint length and bytes
// of the accumulators, then the frame rows and the unfired rows, each as
// a uvarint count of (varint time, uvarint length, row bytes).
func encodeOverKey(k *overKey) []byte {
	b := binary.AppendVarint(nil, k.lastFired)
	b = binary.AppendUvarint(b, uint64(len(k.acc)))
	b = append(b, k.acc...)
	for _, l := range [][]overRow{k.hist, k.pend} {
		b = binary.AppendUvarint(b, uint64(len(l)))
		for _, r := range l {
			b = binary.AppendVarint(b, r.ts)
			b = binary.AppendUvarint(b, uint64(len(r.row)))
			b = append(b, r.row...)
		}
	}
	if k.cleanup != 0 || len(k.timers) > 0 {
		// Then the cleanup time and the timers (absent: none).
		b = binary.AppendVarint(b, k.cleanup)
		b = binary.AppendUvarint(b, uint64(len(k.timers)))
		for _, t := range k.timers {
			b = binary.AppendVarint(b, t)
		}
	}
	return b
}

func decodeOverKey(k *overKey, val []byte) error {
	d := stateDecoder{b: val}
	k.lastFired = d.varint()
	k.acc = d.fixed(int(d.uvarint()))
	for _, l := range []*[]overRow{&k.hist, &k.pend} {
		for n := d.count(2); n > 0 && d.err == nil; n-- {
			ts := d.varint()
			*l = append(*l, overRow{ts: ts, row: d.fixed(int(d.uvarint()))})
		}
	}
	if d.err == nil && len(d.b) != 0 {
		k.cleanup = d.varint()
		for n := d.count(1); n > 0 && d.err == nil; n-- {
			k.timers = append(k.timers, d.varint())
		}
	}
	if d.err == nil && len(d.b) != 0 {
		return fmt.Errorf("%w: bytes after an OVER partition", errStateCorrupt)
	}
	return d.err
}

// load returns a partition: the in-memory one when it has unfired rows,
// else what keyed state holds (or a new one).
func (o *overAgg) load(kg uint16, key string) (*overKey, error) {
	if k, ok := o.pending[key]; ok {
		return k, nil
	}
	k := &overKey{kg: kg, key: key, lastFired: math.MinInt64}
	val, ok, err := o.kv.get(kg, []byte(key))
	if err != nil || !ok {
		return k, err
	}
	return k, decodeOverKey(k, val)
}

func (o *overAgg) markPending(k *overKey) {
	o.pending[k.key] = k
	m := o.byKG[k.kg]
	if m == nil {
		m = map[string]bool{}
		o.byKG[k.kg] = m
	}
	if !m[k.key] {
		m[k.key] = true
		o.dirtyKG[k.kg] = true
	}
}

func (o *overAgg) Process(ctx context.Context, _ int, b *vectorized.Batch, out Collector) error {
	if err := insertOnly("an OVER aggregate", b); err != nil {
		return err
	}
	rec := b.Record
	if o.inSchema == nil {
		if err := o.init(rec.Schema()); err != nil {
			return err
		}
	}
	if o.spec.Batch {
		return o.processBatch(rec)
	}
	n := int(rec.NumRows())
	if n == 0 {
		return nil
	}
	cols := rec.Columns()
	keyCols := pickColumns(cols, o.spec.PartitionKeys)
	o.hashes = growUint64(o.hashes, n)
	vectorized.HashColumns(keyCols, o.hashes)
	var times arrow.Array
	var procTS int64
	if o.spec.ProcTime {
		// One instant per batch, never going back.
		procTS = max(o.now().UnixMilli(), o.lastProc)
		o.lastProc = procTS
	} else {
		times = cols[o.spec.TimeCol]
	}
	var touched []*overKey
	for i := 0; i < n; i++ {
		ts := procTS
		if times != nil {
			if times.IsNull(i) {
				o.nullTime.Add(1)
				continue
			}
			ts = int64Value(times, i)
		}
		o.key = appendRow(o.key[:0], keyCols, i)
		k, err := o.load(o.rt.KeyGroupOf(o.hashes[i]), string(o.key))
		if err != nil {
			return err
		}
		// Flink's bounded functions start lastTriggeringTs at 0: rows at
		// or before the epoch are late there too.
		if !o.spec.ProcTime && (o.bounded() && ts <= max(k.lastFired, 0) || !o.bounded() && ts <= o.wm) {
			o.late.Add(1)
			continue
		}
		if len(k.pend) == 0 {
			touched = append(touched, k)
		}
		k.pend = append(k.pend, overRow{ts: ts, row: appendRow(nil, cols, i)})
		k.dirty = true
		if o.rangeCleanup() {
			o.registerTimers(k, ts)
		}
		o.markPending(k)
	}
	if !o.spec.ProcTime {
		return nil
	}
	if err := o.fire(touched, math.MaxInt64); err != nil {
		return err
	}
	for _, k := range touched {
		if err := o.settle(k); err != nil {
			return err
		}
	}
	return o.flush(ctx, out)
}

// rangeCleanup: the RANGE frame with an offset on event time, whose Flink
// function clears a partition's state at a cleanup timer.
func (o *overAgg) rangeCleanup() bool {
	return !o.spec.ProcTime && !o.spec.Batch && !o.spec.Rows && o.bounded()
}

// registerTimers registers a row's timers as Flink's
// RowTimeRangeBoundedPrecedingFunction: one at its time, and a cleanup
// timer at time + 1.5 × the offset + 1 unless the current cleanup time is
// at least time + offset + 1.
func (o *overAgg) registerTimers(k *overKey, ts int64) {
	k.timers = addTimer(k.timers, ts)
	if minC := ts + o.spec.Preceding + 1; k.cleanup == 0 || k.cleanup < minC {
		k.cleanup = ts + int64(float64(o.spec.Preceding)*1.5) + 1
		k.timers = addTimer(k.timers, k.cleanup)
	}
}

func addTimer(ts []int64, t int64) []int64 {
	i := sort.Search(len(ts), func(i int) bool { return ts[i] >= t })
	if i < len(ts) && ts[i] == t {
		return ts
	}
	return slices.Insert(ts, i, t)
}

// fireTimers applies the timers up to wm after the rows before them fired:
// a due cleanup timer clears the partition (its unfired rows too), the
// timers after it only move the last fired time, as Flink's onTimer does
// when it finds no rows; without one the last fired time is the last
// timer's.
func (o *overAgg) fireTimers(k *overKey, wm int64) {
	n := sort.Search(len(k.timers), func(i int) bool { return k.timers[i] > wm })
	if n == 0 {
		return
	}
	due := k.timers[:n]
	if c := k.cleanup; c != 0 && c <= wm {
		k.hist, k.pend, k.acc, k.cleanup = nil, nil, nil, 0
		k.lastFired = math.MinInt64
		for _, t := range due {
			if t > c {
				k.lastFired = t
			}
		}
	} else {
		k.lastFired = max(k.lastFired, due[n-1])
	}
	k.timers = append([]int64(nil), k.timers[n:]...)
	k.dirty = true
}

// settle moves a partition with nothing left to fire to keyed state, out
// of memory.
func (o *overAgg) settle(k *overKey) error {
	if len(k.pend) > 0 || len(k.timers) > 0 {
		return nil
	}
	delete(o.pending, k.key)
	delete(o.byKG[k.kg], k.key)
	o.dirtyKG[k.kg] = true
	k.dirty = false
	if k.lastFired == math.MinInt64 && len(k.hist) == 0 && len(k.acc) == 0 {
		return o.kv.del(k.kg, []byte(k.key))
	}
	return o.kv.put(k.kg, []byte(k.key), encodeOverKey(k))
}

// ProcessWatermark fires every partition's rows the watermark reached.
func (o *overAgg) ProcessWatermark(ctx context.Context, wm int64, out Collector) (int64, error) {
	if o.spec.ProcTime || o.spec.Batch || wm <= o.wm {
		return wm, nil
	}
	o.wm = wm
	if o.inSchema == nil {
		return wm, nil
	}
	keys := make([]string, 0, len(o.pending))
	for key := range o.pending {
		keys = append(keys, key)
	}
	sort.Strings(keys) // a deterministic output order
	ks := make([]*overKey, 0, fireChunk)
	for len(keys) > 0 {
		ks = ks[:0]
		for _, key := range keys[:min(fireChunk, len(keys))] {
			ks = append(ks, o.pending[key])
		}
		keys = keys[len(ks):]
		if err := o.fire(ks, wm); err != nil {
			return wm, err
		}
		for _, k := range ks {
			if o.rangeCleanup() {
				o.fireTimers(k, wm)
			}
			if err := o.settle(k); err != nil {
				return wm, err
			}
		}
		if err := o.flush(ctx, out); err != nil {
			return wm, err
		}
	}
	return wm, nil
}

// fireChunk is how many partitions fire through one work batch.
const fireChunk = 1024

// fire emits the unfired rows with time ≤ upTo of partitions ks. Their
// frame rows and ready rows go into one work batch, a partition's rows
// contiguous, each partition a group of the accumulators: one Arrow
// batch per chunk of partitions, not per partition.
func (o *overAgg) fire(ks []*overKey, upTo int64) error {
	for len(ks) > fireChunk {
		if err := o.fire(ks[:fireChunk], upTo); err != nil {
			return err
		}
		ks = ks[fireChunk:]
	}
	type span struct {
		k           *overKey
		start, hist int // rows [start, start+len(all)) of the work batch
		all         []overRow
		nReady      int
	}
	var spans []span
	n := 0
	for _, k := range ks {
		sort.SliceStable(k.pend, func(i, j int) bool { return k.pend[i].ts < k.pend[j].ts })
		lim := upTo
		if c := k.cleanup; c != 0 && c <= upTo {
			lim = c - 1 // rows at the cleanup time or after are cleared
		}
		nReady := sort.Search(len(k.pend), func(i int) bool { return k.pend[i].ts > lim })
		if nReady == 0 {
			continue
		}
		all := append(append(make([]overRow, 0, len(k.hist)+nReady), k.hist...), k.pend[:nReady]...)
		for _, r := range all {
			if err := o.workDec.add(r.row); err != nil {
				return err
			}
		}
		spans = append(spans, span{k: k, start: n, hist: len(k.hist), all: all, nReady: nReady})
		n += len(all)
	}
	if len(spans) == 0 {
		return nil
	}
	cols := o.workDec.finish()
	defer releaseArrays(cols)
	o.groups = growTo(o.groups[:0], n)
	o.signs = growTo(o.signs[:0], n)
	for ai, acc := range o.accs {
		acc.grow(len(spans))
		c := o.spec.Aggs[ai]
		var args []arrow.Array
		for _, col := range aggArgCols(c) {
			args = append(args, cols[col])
		}
		bindAcc(acc, c, args)
	}
	for g, sp := range spans {
		for i := sp.start; i < sp.start+len(sp.all); i++ {
			o.groups[i] = uint32(g)
		}
		for _, acc := range o.accs {
			acc.reset(uint32(g))
		}
		if !o.bounded() && len(sp.k.acc) > 0 {
			d := stateDecoder{b: sp.k.acc}
			for _, acc := range o.accs {
				acc.load(&d, uint32(g))
			}
			if d.err != nil {
				return d.err
			}
		}
	}
	for g, sp := range spans {
		if err := o.firePartition(uint32(g), sp.k, sp.all, sp.start, sp.hist, sp.nReady); err != nil {
			return err
		}
	}
	return nil
}

// firePartition computes and emits one partition's ready rows: all are
// its frame rows then ready rows, at work batch rows [base, base+len(all)),
// accumulator group g.
func (o *overAgg) firePartition(g uint32, k *overKey, all []overRow, base, h, nReady int) error {
	apply := func(i int, s int8) {
		o.signs[base+i] = s
		for _, acc := range o.accs {
			acc.update(o.groups, o.signs, base+i, base+i+1)
		}
	}
	n := len(all)
	hi, lo := 0, 0 // rows [lo, hi) are in the accumulators
	for i := h; i < n; {
		j := i + 1 // rows [i, j) share one result (RANGE: equal time)
		if !o.spec.Rows {
			for j < n && all[j].ts == all[i].ts {
				j++
			}
		}
		for ; hi < j; hi++ {
			apply(hi, 1)
		}
		if o.bounded() {
			for lo < hi && o.outOfFrame(all, lo, i) {
				apply(lo, -1)
				lo++
			}
		}
		for r := i; r < j; r++ {
			if err := o.outDec.add(all[r].row); err != nil {
				return err
			}
			if !o.spec.ProcTime {
				o.outTs = append(o.outTs, all[r].ts)
			}
			for _, acc := range o.accs {
				acc.appendResult(g)
			}
			o.outCount++
		}
		i = j
	}
	k.lastFired = all[n-1].ts
	if o.bounded() {
		// Keep the rows a later row's frame can still hold: later rows
		// come after every fired one.
		keep := lo
		if o.spec.Rows {
			keep = max(lo, n-int(o.spec.Preceding))
		} else {
			for keep < n && all[keep].ts < k.lastFired+1-o.spec.Preceding {
				keep++
			}
		}
		k.hist = append([]overRow(nil), all[keep:]...)
	} else {
		var acc []byte
		for _, a := range o.accs {
			acc = a.save(acc, g)
		}
		if err := accsErr(o.accs); err != nil {
			return err
		}
		k.acc = acc
	}
	k.pend = append([]overRow(nil), k.pend[nReady:]...)
	k.dirty = true
	return nil
}

// outOfFrame: row lo is outside the frame of the row at i.
func (o *overAgg) outOfFrame(all []overRow, lo, i int) bool {
	if o.spec.Rows {
		return lo < i-int(o.spec.Preceding)
	}
	return all[lo].ts < all[i].ts-o.spec.Preceding
}

// flush emits the rows fired so far.
func (o *overAgg) flush(ctx context.Context, out Collector) error {
	if o.outCount == 0 {
		return nil
	}
	cols := o.outDec.finish()
	accCols := make([]arrow.Array, 0, len(o.accs))
	for _, acc := range o.accs {
		a, err := acc.flush(o.rt.Mem)
		if err != nil {
			releaseArrays(cols)
			releaseArrays(accCols)
			return err
		}
		accCols = append(accCols, a)
	}
	for _, i := range o.order {
		if i >= 0 {
			cols = append(cols, accCols[i])
			continue
		}
		c, err := o.funcColumn(-i - 1)
		if err != nil {
			releaseArrays(cols)
			return err
		}
		cols = append(cols, c)
	}
	if err := o.timeOrder(ctx, cols); err != nil {
		releaseArrays(cols)
		return err
	}
	kinds := make([]vectorized.RowKind, o.outCount)
	o.outCount = 0
	return emitRows(ctx, out, o.outSchema, cols, kinds)
}

// SnapshotState writes the partitions with unfired rows and the index of
// them of the key groups whose set changed.
func (o *overAgg) SnapshotState(context.Context, CheckpointInfo) error {
	if o.wmState == nil {
		return nil
	}
	o.wmState.Update([][]byte{encodeRangeWatermark(o.rt, o.wm)})
	for _, k := range o.pending {
		if !k.dirty {
			continue
		}
		if err := o.kv.put(k.kg, []byte(k.key), encodeOverKey(k)); err != nil {
			return err
		}
		k.dirty = false
	}
	for kg := range o.dirtyKG {
		m := o.byKG[kg]
		if len(m) == 0 {
			if err := o.idx.del(kg, overIndexKey); err != nil {
				return err
			}
			delete(o.byKG, kg)
			continue
		}
		keys := make([]string, 0, len(m))
		for key := range m {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		b := binary.AppendUvarint(nil, uint64(len(keys)))
		for _, key := range keys {
			b = binary.AppendUvarint(b, uint64(len(key)))
			b = append(b, key...)
		}
		if err := o.idx.put(kg, overIndexKey, b); err != nil {
			return err
		}
	}
	clear(o.dirtyKG)
	return nil
}

func (o *overAgg) EndInput(ctx context.Context, out Collector) error {
	if o.spec.Batch {
		return o.endBatch(ctx, out)
	}
	return nil
}

func (o *overAgg) Close() error {
	for _, d := range []*rowDecoder{o.outDec, o.workDec} {
		if d != nil {
			d.release()
		}
	}
	return closeAccs(o.accs)
}

// timeOrder reorders the fired rows' columns by time (stably: a
// partition's rows, and partitions in key order, keep their order among
// equal times), as Flink fires its per-key timers in time order. (A
// watermark firing more than fireChunk partitions orders each chunk.)
func (o *overAgg) timeOrder(ctx context.Context, cols []arrow.Array) error {
	ts := o.outTs
	o.outTs = o.outTs[:0]
	if len(ts) != cols[0].Len() || sort.SliceIsSorted(ts, func(i, j int) bool { return ts[i] < ts[j] }) {
		return nil
	}
	idx := make([]int32, len(ts))
	for i := range idx {
		idx[i] = int32(i)
	}
	sort.SliceStable(idx, func(i, j int) bool { return ts[idx[i]] < ts[idx[j]] })
	for c, a := range cols {
		t, err := takeArray(ctx, o.rt.Mem, a, idx)
		if err != nil {
			return err
		}
		a.Release()
		cols[c] = t
	}
	return nil
}
