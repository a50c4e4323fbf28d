package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

// windowAgg is the window aggregate for TUMBLE, HOP and CUMULATE: Flink's
// WindowAggOperator over aligned windows. Every (group key, window) is a
// group of a group table whose key is the GROUP BY columns plus the window
// end; the accumulators are GroupAggregate's, updated a batch at a time.
// A row belongs to one window (TUMBLE) or several (HOP, CUMULATE): the
// batch is looked up once per window position. Pending windows are indexed
// by end; a watermark (or, on processing time, the clock) reaching a
// window's last millisecond emits its groups, append-only, and forgets
// them.
//
// State: open windows live in memory; at each checkpoint the key groups
// whose windows changed are written to keyed state, one value per key
// group holding that key group's windows as an Arrow IPC stream (group
// keys, window bounds, accumulator bytes), so a restore — into any key
// group range — reads them back and fires them when time reaches them. The
// watermark the operator had fired up to is kept in operator state: rows a
// restored job replays for windows that already fired stay late, and the
// result equals the uninterrupted run's.
type windowAgg struct {
	spec WindowAggSpec
	rt   *RuntimeContext
	wa   *windowAssigner
	tz   *tzShift // LTZ: windows in the session time zone's wall clock
	now  func() time.Time

	batchLen  int
	inSchema  *arrow.Schema
	outSchema *arrow.Schema
	bounds    arrow.DataType
	wtime     arrow.DataType
	keyTypes  []arrow.DataType
	table     *groupTable // keys + window end
	accs      []accumulator
	resTypes  []arrow.DataType

	// By group id.
	starts []int64
	ends   []int64
	kgs    []uint16
	live   []bool
	// pending window ends, ascending, and their groups.
	pendingEnds []int64
	byEnd       map[int64][]uint32

	wm   int64 // the watermark (event time) fired up to
	late interface{ Add(int64) int64 }

	// Per batch.
	times   []int64
	endVals []int64
	rowIdx  []int32
	groups  []uint32
	created []uint32
	hashes  []uint64

	// Keyed state (in a job).
	ks       *state.ValueState[[]byte]
	wmState  *state.OperatorListState
	dirtyKG  *kgSet
	restored bool
}

// NewWindowAggregate is a window aggregate (see WindowAggSpec).
func NewWindowAggregate(spec WindowAggSpec) Operator {
	if spec.Window.Kind == Session {
		return &sessionAgg{spec: spec, now: time.Now}
	}
	return &windowAgg{spec: spec, now: time.Now}
}

func aggString(name string, spec WindowAggSpec) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s(window=[%s], ", name, spec.Window)
	if len(spec.Keys) > 0 {
		fmt.Fprintf(&b, "groupBy=%v, ", spec.Keys)
	}
	b.WriteString("select=[")
	for i, c := range spec.Aggs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.String())
	}
	b.WriteString("])")
	return b.String()
}

func (a *windowAgg) String() string { return aggString("WindowAggregate", a.spec) }

func (a *windowAgg) Open(_ context.Context, rt *RuntimeContext) error {
	wa, err := newWindowAssigner(a.spec.Window)
	if err != nil {
		return err
	}
	n, err := rt.Config.Int(ConfigBatchSize, DefaultBatchSize)
	if err != nil {
		return err
	}
	a.rt, a.wa, a.batchLen, a.tz = rt, wa, max(n, 1), newTZShift(a.spec.Window, rt)
	a.wm = MinWatermark
	a.byEnd = map[int64][]uint32{}
	a.late = rt.Metrics.Counter("numLateRecordsDropped")
	for _, c := range a.spec.Aggs {
		if c.Func < CountStar || c.Func > lastAggKind {
			return fmt.Errorf("unknown aggregate %v", c.Func)
		}
	}
	if rt.ckpt == nil {
		return nil // run by hand without state (unit tests of the logic)
	}
	if a.ks, a.wmState, err = openWindowState(rt, "window-agg"); err != nil {
		return err
	}
	a.dirtyKG = &kgSet{}
	if _, ok := rt.Restored(); ok {
		return a.restore()
	}
	return nil
}

// init builds the table and accumulators for the input schema.
func (a *windowAgg) init(schema *arrow.Schema) error {
	a.inSchema = schema
	var timeType arrow.DataType
	w := a.spec.Window
	if !w.ProcTime {
		if w.TimeCol < 0 || w.TimeCol >= schema.NumFields() {
			return fmt.Errorf("time column %d does not exist in the input (%d columns)", w.TimeCol, schema.NumFields())
		}
		timeType = schema.Field(w.TimeCol).Type
	}
	a.bounds, a.wtime = windowTypes(w, timeType)
	fields, keyTypes, accs, resTypes, err := aggFields(schema, a.spec.Keys, a.spec.Aggs)
	if err != nil {
		return err
	}
	a.keyTypes, a.accs, a.resTypes = keyTypes, accs, resTypes
	fields = append(fields,
		arrow.Field{Name: "window_start", Type: a.bounds}, arrow.Field{Name: "window_end", Type: a.bounds},
		arrow.Field{Name: "window_time", Type: a.wtime})
	if names := a.spec.OutputNames; len(names) > 0 {
		if len(names) != len(fields) {
			return fmt.Errorf("%d output names for %d output columns", len(names), len(fields))
		}
		for i := range fields {
			fields[i].Name = names[i]
		}
	}
	a.outSchema = arrow.NewSchema(fields, nil)
	a.table = newGroupTable(a.rt.Mem, append(slices.Clone(keyTypes), arrow.PrimitiveTypes.Int64))
	return nil
}

// aggFields are the key and aggregate output fields of a window aggregate,
// with its accumulators (no retraction: window aggregates take inserts).
func aggFields(schema *arrow.Schema, keys []int, aggs []AggCall) ([]arrow.Field, []arrow.DataType, []accumulator, []arrow.DataType, error) {
	var fields []arrow.Field
	var keyTypes, resTypes []arrow.DataType
	var accs []accumulator
	for _, k := range keys {
		if k < 0 || k >= schema.NumFields() {
			return nil, nil, nil, nil, fmt.Errorf("group key column %d does not exist in the input (%d columns)", k, schema.NumFields())
		}
		f := schema.Field(k)
		keyTypes = append(keyTypes, f.Type)
		fields = append(fields, arrow.Field{Name: f.Name, Type: f.Type, Nullable: true})
	}
	for i, c := range aggs {
		acc, res, err := newAccumulatorFor(c, schema, false)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		accs = append(accs, acc)
		resTypes = append(resTypes, res)
		fields = append(fields, arrow.Field{Name: fmt.Sprintf("EXPR$%d", i), Type: res, Nullable: true})
	}
	return fields, keyTypes, accs, resTypes, nil
}

func (a *windowAgg) grow(n int) {
	if n <= len(a.starts) {
		return
	}
	a.starts = growTo(a.starts, n)
	a.ends = growTo(a.ends, n)
	a.kgs = growTo(a.kgs, n)
	a.live = growTo(a.live, n)
	for _, acc := range a.accs {
		acc.grow(n)
	}
}

func (a *windowAgg) Process(ctx context.Context, _ int, b *vectorized.Batch, out Collector) error {
	if err := insertOnly("a window aggregate", b); err != nil {
		return err
	}
	rec := b.Record
	if a.inSchema == nil {
		if err := a.init(rec.Schema()); err != nil {
			return err
		}
	}
	n := int(rec.NumRows())
	var err error
	if a.times, err = rowTimes(a.spec.Window, rec, a.now(), a.times); err != nil {
		return err
	}
	countNullTimes(a.times, a.rt.Metrics.Counter("numNullRowTimeRecordsDropped"))
	if a.tz != nil {
		for i, ts := range a.times {
			if ts != nullTime {
				a.times[i] = a.tz.toLocal(ts)
			}
		}
	}
	keyCols := make([]arrow.Array, len(a.spec.Keys)+1)
	for i, k := range a.spec.Keys {
		keyCols[i] = rec.Column(k)
	}
	// Late rows: every window of the row has fired.
	if !a.spec.Window.ProcTime && a.wm != MinWatermark {
		dropped := int64(0)
		for _, ts := range a.times {
			if ts != nullTime && a.tz.fired(a.wa.lastEnd(ts), a.wm) {
				dropped++
			}
		}
		if dropped > 0 {
			a.late.Add(dropped)
		}
	}
	var hashed bool
	for p := 0; p < a.wa.perRow; p++ {
		// A window takes its rows slice by slice, as Flink merges its
		// slices, so that order-sensitive aggregates (LISTAGG,
		// FIRST_VALUE, user aggregates) see them in time order: the j-th
		// window of a row is the one ending j-th last for Hop (later rows
		// come at greater j) but j-th first for Cumulate (later rows come
		// at smaller j), whose passes therefore go downwards.
		j := p
		if a.wa.kind == Cumulate {
			j = a.wa.perRow - 1 - p
		}
		// The rows that have a j-th window not fired yet.
		a.rowIdx = a.rowIdx[:0]
		a.endVals = a.endVals[:0]
		for i, ts := range a.times {
			if ts == nullTime {
				continue
			}
			_, e, ok := a.wa.window(ts, j)
			if !ok || (!a.spec.Window.ProcTime && a.tz.fired(e, a.wm)) {
				continue
			}
			a.rowIdx = append(a.rowIdx, int32(i))
			a.endVals = append(a.endVals, e)
		}
		m := len(a.rowIdx)
		if m == 0 {
			continue
		}
		all := m == n
		cols := keyCols
		var gathered []arrow.Array
		if !all {
			cols = make([]arrow.Array, len(keyCols))
			for i, c := range keyCols[:len(keyCols)-1] {
				g, err := takeArray(ctx, a.rt.Mem, c, a.rowIdx)
				if err != nil {
					releaseArrays(gathered)
					return err
				}
				gathered = append(gathered, g)
				cols[i] = g
			}
		}
		endArr := int64Array(a.endVals)
		cols[len(cols)-1] = endArr
		a.groups = grow(a.groups, m)
		a.created = a.table.lookup(cols, m, a.groups, a.created[:0])
		endArr.Release()
		if len(a.created) > 0 {
			a.grow(a.table.size())
			if !hashed && a.ks != nil {
				a.hashes = grow(a.hashes, n)
				vectorized.HashColumns(keyCols[:len(keyCols)-1], a.hashes)
				hashed = true
			}
			// New groups are not live yet: the first row of each sets its
			// window (hash collisions may list ids out of row order).
			for k, g := range a.groups[:m] {
				if a.live[g] {
					continue
				}
				e := a.endVals[k]
				a.starts[g], a.ends[g] = a.windowStart(a.times[a.rowIdx[k]], e), e
				a.live[g] = true
				if a.ks != nil {
					a.kgs[g] = a.rt.KeyGroupOf(a.hashes[a.rowIdx[k]])
				}
				a.addPending(e, g)
			}
		}
		for ci, acc := range a.accs {
			c := a.spec.Aggs[ci]
			var args []arrow.Array
			for _, col := range aggArgCols(c) {
				arg := rec.Column(col)
				if !all {
					g, err := takeArray(ctx, a.rt.Mem, arg, a.rowIdx)
					if err != nil {
						releaseArrays(gathered)
						return err
					}
					gathered = append(gathered, g)
					arg = g
				}
				args = append(args, arg)
			}
			bindAcc(acc, c, args)
			acc.update(a.groups, nil, 0, m)
		}
		releaseArrays(gathered)
		if a.dirtyKG != nil {
			for _, g := range a.groups[:m] {
				a.dirtyKG.add(a.kgs[g])
			}
		}
	}
	return nil
}

// windowStart is the start of the window ending at end that holds ts.
func (a *windowAgg) windowStart(ts, end int64) int64 {
	switch a.wa.kind {
	case Cumulate:
		return startWithOffset(ts, a.wa.offset, a.wa.size)
	}
	return end - a.wa.size
}

func releaseArrays(arrs []arrow.Array) {
	for _, x := range arrs {
		x.Release()
	}
}

// int64Array wraps vals (not copied: the caller keeps them alive).
func int64Array(vals []int64) arrow.Array {
	buf := memory.NewBufferBytes(arrow.Int64Traits.CastToBytes(vals))
	data := array.NewData(arrow.PrimitiveTypes.Int64, len(vals), []*memory.Buffer{nil, buf}, nil, 0, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

func (a *windowAgg) addPending(end int64, g uint32) {
	gs, ok := a.byEnd[end]
	if !ok {
		i, _ := slices.BinarySearch(a.pendingEnds, end)
		a.pendingEnds = slices.Insert(a.pendingEnds, i, end)
	}
	a.byEnd[end] = append(gs, g)
}

// ProcessWatermark fires the windows the watermark completes.
func (a *windowAgg) ProcessWatermark(ctx context.Context, wm int64, out Collector) (int64, error) {
	if a.spec.Window.ProcTime {
		return wm, nil
	}
	if wm > a.wm {
		a.wm = wm
	}
	return wm, a.fire(ctx, func(end int64) bool { return a.tz.fired(end, wm) }, out)
}

// fire emits and forgets the pending windows due says have ended, in end
// order.
func (a *windowAgg) fire(ctx context.Context, due func(end int64) bool, out Collector) error {
	k := 0
	for k < len(a.pendingEnds) && due(a.pendingEnds[k]) {
		k++
	}
	if k == 0 {
		return nil
	}
	var groups []uint32
	for _, e := range a.pendingEnds[:k] {
		groups = append(groups, a.byEnd[e]...)
		delete(a.byEnd, e)
	}
	a.pendingEnds = a.pendingEnds[k:]
	for lo := 0; lo < len(groups); lo += a.batchLen {
		hi := min(len(groups), lo+a.batchLen)
		if err := a.emit(ctx, groups[lo:hi], out); err != nil {
			return err
		}
	}
	for _, g := range groups {
		if a.dirtyKG != nil {
			a.dirtyKG.add(a.kgs[g])
		}
		a.live[g] = false
		for _, acc := range a.accs {
			acc.reset(g)
		}
		a.table.remove(g)
	}
	return nil
}

// emit builds the output rows of groups.
func (a *windowAgg) emit(ctx context.Context, groups []uint32, out Collector) error {
	mem := a.rt.Mem
	keys, err := a.table.keys(groups)
	if err != nil {
		return err
	}
	cols := keys[:len(keys)-1]
	keys[len(keys)-1].Release() // the window end, emitted as a timestamp below
	defer func() { releaseArrays(cols) }()
	for _, acc := range a.accs {
		for _, g := range groups {
			acc.appendResult(g)
		}
		arr, err := acc.flush(mem)
		if err != nil {
			return err
		}
		cols = append(cols, arr)
	}
	starts, ends, wt := make([]int64, len(groups)), make([]int64, len(groups)), make([]int64, len(groups))
	for i, g := range groups {
		starts[i], ends[i], wt[i] = a.starts[g], a.ends[g], a.tz.toEpoch(a.ends[g]-1)
	}
	cols = append(cols, timestampArray(mem, a.bounds, starts), timestampArray(mem, a.bounds, ends), timestampArray(mem, a.wtime, wt))
	b := &vectorized.Batch{Record: array.NewRecordBatch(a.outSchema, cols, int64(len(groups)))}
	defer b.Release()
	return out.Collect(ctx, b)
}

// NextTimer is the end of the earliest pending processing-time window.
func (a *windowAgg) NextTimer() time.Time {
	if !a.spec.Window.ProcTime || len(a.pendingEnds) == 0 {
		return time.Time{}
	}
	return time.UnixMilli(a.tz.toEpoch(a.pendingEnds[0] - 1))
}

// OnTimer fires the processing-time windows the clock passed.
func (a *windowAgg) OnTimer(ctx context.Context, now time.Time, out Collector) error {
	if !a.spec.Window.ProcTime {
		return nil
	}
	ms := now.UnixMilli()
	return a.fire(ctx, func(end int64) bool { return a.tz.fired(end, ms) }, out)
}

// EndInput fires what is left: on event time the final MaxWatermark did it
// already; processing-time windows of a bounded input fire at its end.
func (a *windowAgg) EndInput(ctx context.Context, out Collector) error {
	return a.fire(ctx, func(int64) bool { return true }, out)
}

func (a *windowAgg) Close() error {
	if a.table != nil {
		a.table.release()
	}
	return closeAccs(a.accs)
}

// openWindowState opens what a window operator keeps: one keyed bytes
// ValueState (its open windows per key group) and the union list state of
// the watermark it fired up to, so replayed rows of fired windows are late
// after a restore.
func openWindowState(rt *RuntimeContext, name string) (*state.ValueState[[]byte], *state.OperatorListState, error) {
	be, err := rt.KeyedState()
	if err != nil {
		return nil, nil, err
	}
	ks, err := state.NewValueState(be, state.Descriptor[[]byte]{Name: name, Codec: state.BytesCodec{}})
	if err != nil {
		return nil, nil, err
	}
	ops, err := rt.OperatorState()
	if err != nil {
		return nil, nil, err
	}
	wm, err := ops.ListState(name+"-watermark", state.UnionRedistribute)
	if err != nil {
		return nil, nil, err
	}
	return ks, wm, nil
}
