package engine

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

// sessionAgg is the window aggregate over SESSION windows, per group key
// (Flink's merging windows: a row at t opens [t, t+gap); windows of a key
// that intersect merge, so a session ends gap after its last row and its
// window_time is window_end - 1 ms).
//
// GroupAggregate's accumulators cannot merge, so the rows of open sessions
// are kept (only the columns the aggregate reads: keys, time, arguments)
// and aggregated when their session fires: when the watermark (or the
// clock, on processing time) reaches session end - 1. A row is late, and
// dropped, when its own window has fired and it touches no open session of
// its key. At a checkpoint the kept rows of changed key groups are written
// to keyed state, one Arrow IPC value per key group, as windowAgg's.
type sessionAgg struct {
	spec WindowAggSpec
	rt   *RuntimeContext
	now  func() time.Time
	gap  int64

	batchLen  int
	inSchema  *arrow.Schema // the projected input: keys, time, agg args
	proj      []int         // input column of each projected column
	outSchema *arrow.Schema
	bounds    arrow.DataType
	wtime     arrow.DataType
	keyTypes  []arrow.DataType
	keys      *groupTable // group key → key id
	aggs      []AggCall   // over the projected columns

	chunks []*sessionChunk
	rows   []sessionRow // pending rows, any order
	// nextEnd is at most the earliest end of an open session (exact after
	// fire, lowered by rows added since): the processing-time timer.
	nextEnd int64
	wm      int64
	late    interface{ Add(int64) int64 }

	times   []int64
	groups  []uint32
	created []uint32
	hashes  []uint64

	ks      *state.ValueState[[]byte]
	wmState *state.OperatorListState
	dirtyKG map[uint16]bool
}

type sessionChunk struct {
	rec  arrow.RecordBatch // projected columns
	refs int
}

// sessionWin is one session of a key: rows[lo:hi] once sorted.
type sessionWin struct {
	start, end int64
	key        uint32
	lo, hi     int
}

// rowLoc is a kept row's place.
type rowLoc struct{ chunk, row int32 }

type sessionRow struct {
	ts    int64
	key   uint32 // id in keys
	kg    uint16
	chunk int32
	row   int32
}

func (a *sessionAgg) String() string { return aggString("SessionWindowAggregate", a.spec) }

func (a *sessionAgg) Open(_ context.Context, rt *RuntimeContext) error {
	if a.spec.Window.Gap <= 0 {
		return fmt.Errorf("SESSION gap must be at least 1 ms, not %v", a.spec.Window.Gap)
	}
	n, err := rt.Config.Int(ConfigBatchSize, DefaultBatchSize)
	if err != nil {
		return err
	}
	a.rt, a.gap, a.batchLen, a.wm = rt, a.spec.Window.Gap.Milliseconds(), max(n, 1), MinWatermark
	a.nextEnd = MaxWatermark
	a.late = rt.Metrics.Counter("numLateRecordsDropped")
	if rt.ckpt == nil {
		return nil
	}
	be, err := rt.KeyedState()
	if err != nil {
		return err
	}
	if a.ks, err = state.NewValueState(be, state.Descriptor[[]byte]{Name: "session-agg", Codec: state.BytesCodec{}}); err != nil {
		return err
	}
	ops, err := rt.OperatorState()
	if err != nil {
		return err
	}
	if a.wmState, err = ops.ListState("session-agg-watermark", state.UnionRedistribute); err != nil {
		return err
	}
	a.dirtyKG = map[uint16]bool{}
	if _, ok := rt.Restored(); ok {
		return a.restore()
	}
	return nil
}

// init projects the input on the columns the aggregate reads.
func (a *sessionAgg) init(schema *arrow.Schema) error {
	w := a.spec.Window
	var timeType arrow.DataType
	if !w.ProcTime {
		if w.TimeCol < 0 || w.TimeCol >= schema.NumFields() {
			return fmt.Errorf("time column %d does not exist in the input (%d columns)", w.TimeCol, schema.NumFields())
		}
		timeType = schema.Field(w.TimeCol).Type
	}
	a.bounds, a.wtime = windowTypes(w, timeType)
	fields, keyTypes, _, _, err := aggFields(schema, a.spec.Keys, a.spec.Aggs)
	if err != nil {
		return err
	}
	a.keyTypes = keyTypes
	col := map[int]int{}
	a.proj = a.proj[:0]
	use := func(c int) int {
		if p, ok := col[c]; ok {
			return p
		}
		col[c] = len(a.proj)
		a.proj = append(a.proj, c)
		return col[c]
	}
	for _, k := range a.spec.Keys {
		use(k)
	}
	if !w.ProcTime {
		use(w.TimeCol)
	}
	a.aggs = make([]AggCall, len(a.spec.Aggs))
	for i, c := range a.spec.Aggs {
		a.aggs[i] = c
		if c.Func != CountStar {
			a.aggs[i].Arg = use(c.Arg)
		}
	}
	pf := make([]arrow.Field, len(a.proj))
	for i, c := range a.proj {
		pf[i] = schema.Field(c)
	}
	// Processing time is kept as an extra column: rows carry the time
	// they arrived.
	if w.ProcTime {
		pf = append(pf, arrow.Field{Name: "$proctime", Type: arrow.PrimitiveTypes.Int64})
	}
	a.inSchema = arrow.NewSchema(pf, nil)
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
	a.keys = newGroupTable(a.rt.Mem, keyTypes)
	return nil
}

func (a *sessionAgg) Process(ctx context.Context, _ int, b *vectorized.Batch, out Collector) error {
	if err := insertOnly("a window aggregate", b); err != nil {
		return err
	}
	if a.keys == nil {
		if err := a.init(b.Record.Schema()); err != nil {
			return err
		}
	}
	var err error
	if a.times, err = rowTimes(a.spec.Window, b.Record, a.now(), a.times); err != nil {
		return err
	}
	cols := make([]arrow.Array, 0, len(a.inSchema.Fields()))
	for _, c := range a.proj {
		cols = append(cols, b.Record.Column(c))
	}
	if a.spec.Window.ProcTime {
		t := timestampFree(a.rt.Mem, a.times)
		defer t.Release()
		cols = append(cols, t)
	}
	rec := array.NewRecordBatch(a.inSchema, cols, b.Record.NumRows())
	defer rec.Release()
	return a.add(rec, a.times)
}

// add keeps the rows of rec (projected) that are not late.
func (a *sessionAgg) add(rec arrow.RecordBatch, times []int64) error {
	n := int(rec.NumRows())
	nk := len(a.spec.Keys)
	keyCols := rec.Columns()[:nk]
	a.groups = grow(a.groups, n)
	a.created = a.keys.lookup(keyCols, n, a.groups, a.created[:0])
	a.hashes = grow(a.hashes, n)
	vectorized.HashColumns(keyCols, a.hashes)
	rec.Retain()
	ci := int32(len(a.chunks))
	ch := &sessionChunk{rec: rec}
	a.chunks = append(a.chunks, ch)
	var dropped int64
	for i, ts := range times[:n] {
		if !a.spec.Window.ProcTime && isWindowFired(ts+a.gap, a.wm) && !a.touchesOpen(a.groups[i], ts) {
			dropped++
			continue
		}
		r := sessionRow{ts: ts, key: a.groups[i], chunk: ci, row: int32(i)}
		if a.dirtyKG != nil {
			r.kg = a.rt.KeyGroupOf(a.hashes[i])
		}
		a.rows = append(a.rows, r)
		a.nextEnd = min(a.nextEnd, ts+a.gap)
		ch.refs++
		if a.dirtyKG != nil {
			a.dirtyKG[r.kg] = true
		}
	}
	if dropped > 0 {
		a.late.Add(dropped)
	}
	if ch.refs == 0 {
		rec.Release()
		a.chunks = a.chunks[:ci]
	}
	return nil
}

// touchesOpen says whether a row of key at ts intersects an open session
// of the key: some kept row within gap of it.
func (a *sessionAgg) touchesOpen(key uint32, ts int64) bool {
	for _, r := range a.rows {
		if r.key == key && r.ts-ts <= a.gap && ts-r.ts <= a.gap {
			return true
		}
	}
	return false
}

func (a *sessionAgg) ProcessWatermark(ctx context.Context, wm int64, out Collector) (int64, error) {
	if a.spec.Window.ProcTime {
		return wm, nil
	}
	if wm > a.wm {
		a.wm = wm
	}
	return wm, a.fire(ctx, func(end int64) bool { return isWindowFired(end, wm) }, out)
}

// fire emits the sessions due says have ended and forgets their rows.
func (a *sessionAgg) fire(ctx context.Context, due func(end int64) bool, out Collector) error {
	if len(a.rows) == 0 {
		return nil
	}
	slices.SortFunc(a.rows, func(x, y sessionRow) int {
		if x.key != y.key {
			return int(x.key) - int(y.key)
		}
		switch {
		case x.ts < y.ts:
			return -1
		case x.ts > y.ts:
			return 1
		}
		return 0
	})
	var fired []sessionWin
	kept := a.rows[:0:0]
	a.nextEnd = MaxWatermark
	for lo := 0; lo < len(a.rows); {
		s := sessionWin{start: a.rows[lo].ts, end: a.rows[lo].ts + a.gap, key: a.rows[lo].key, lo: lo}
		hi := lo + 1
		for hi < len(a.rows) && a.rows[hi].key == s.key && a.rows[hi].ts <= s.end {
			s.end = max(s.end, a.rows[hi].ts+a.gap)
			hi++
		}
		s.hi = hi
		if due(s.end) {
			fired = append(fired, s)
		} else {
			a.nextEnd = min(a.nextEnd, s.end)
		}
		lo = hi
	}
	if len(fired) == 0 {
		return nil
	}
	// The fired sessions' rows, session by session, are one group each.
	rowGroup := make([]int32, len(a.rows))
	for i := range rowGroup {
		rowGroup[i] = -1
	}
	for si, s := range fired {
		for i := s.lo; i < s.hi; i++ {
			rowGroup[i] = int32(si)
		}
	}
	for lo := 0; lo < len(fired); lo += a.batchLen {
		hi := min(len(fired), lo+a.batchLen)
		if err := a.emit(ctx, fired[lo:hi], lo, rowGroup, out); err != nil {
			return err
		}
	}
	for i, r := range a.rows {
		if rowGroup[i] >= 0 {
			if a.dirtyKG != nil {
				a.dirtyKG[r.kg] = true
			}
			ch := a.chunks[r.chunk]
			if ch.refs--; ch.refs == 0 {
				ch.rec.Release()
				ch.rec = nil
			}
			continue
		}
		kept = append(kept, r)
	}
	a.rows = kept
	a.compactChunks()
	return nil
}

// compactChunks drops released chunks from the list, renumbering rows.
func (a *sessionAgg) compactChunks() {
	remap := make([]int32, len(a.chunks))
	live := a.chunks[:0]
	for i, ch := range a.chunks {
		if ch.rec == nil {
			remap[i] = -1
			continue
		}
		remap[i] = int32(len(live))
		live = append(live, ch)
	}
	clear(a.chunks[len(live):])
	a.chunks = live
	for i := range a.rows {
		a.rows[i].chunk = remap[a.rows[i].chunk]
	}
}

// emit aggregates the rows of sessions (numbered from base in rowGroup)
// and emits one row per session.
func (a *sessionAgg) emit(ctx context.Context, sessions []sessionWin, base int, rowGroup []int32, out Collector) error {
	mem := a.rt.Mem
	accs := make([]accumulator, len(a.aggs))
	for i, c := range a.aggs {
		var argType arrow.DataType
		if c.Func != CountStar {
			argType = a.inSchema.Field(c.Arg).Type
		}
		acc, _, err := newAccumulator(c, argType, false)
		if err != nil {
			return err
		}
		acc.grow(len(sessions))
		accs[i] = acc
	}
	// Rows of these sessions, chunk by chunk: one update per chunk.
	byChunk := map[int32][]int{}
	for i, r := range a.rows {
		if g := int(rowGroup[i]); g >= base && g < base+len(sessions) {
			byChunk[r.chunk] = append(byChunk[r.chunk], i)
		}
	}
	for ci, idx := range byChunk {
		rec := a.chunks[ci].rec
		n := int(rec.NumRows())
		groups := make([]uint32, n)
		signs := make([]int8, n)
		for _, i := range idx {
			r := a.rows[i]
			groups[r.row] = uint32(int(rowGroup[i]) - base)
			signs[r.row] = 1
		}
		for k, acc := range accs {
			var arg arrow.Array
			if a.aggs[k].Func != CountStar {
				arg = rec.Column(a.aggs[k].Arg)
			}
			acc.bind(arg)
			acc.update(groups, signs, 0, n)
		}
	}
	keyIDs := make([]uint32, len(sessions))
	starts, ends, wt := make([]int64, len(sessions)), make([]int64, len(sessions)), make([]int64, len(sessions))
	for i, s := range sessions {
		keyIDs[i] = s.key
		starts[i], ends[i], wt[i] = s.start, s.end, s.end-1
	}
	cols, err := a.keys.keys(keyIDs)
	if err != nil {
		return err
	}
	defer func() { releaseArrays(cols) }()
	for _, acc := range accs {
		for g := range sessions {
			acc.appendResult(uint32(g))
		}
		arr, err := acc.flush(mem)
		if err != nil {
			return err
		}
		cols = append(cols, arr)
	}
	cols = append(cols, timestampArray(mem, a.bounds, starts), timestampArray(mem, a.bounds, ends), timestampArray(mem, a.wtime, wt))
	b := &vectorized.Batch{Record: array.NewRecordBatch(a.outSchema, cols, int64(len(sessions)))}
	defer b.Release()
	return out.Collect(ctx, b)
}

// NextTimer is when the earliest processing-time session may end.
func (a *sessionAgg) NextTimer() time.Time {
	if !a.spec.Window.ProcTime || len(a.rows) == 0 {
		return time.Time{}
	}
	return time.UnixMilli(a.nextEnd - 1)
}

func (a *sessionAgg) OnTimer(ctx context.Context, now time.Time, out Collector) error {
	if !a.spec.Window.ProcTime {
		return nil
	}
	ms := now.UnixMilli()
	return a.fire(ctx, func(end int64) bool { return ms >= end-1 }, out)
}

func (a *sessionAgg) EndInput(ctx context.Context, out Collector) error {
	return a.fire(ctx, func(int64) bool { return true }, out)
}

func (a *sessionAgg) Close() error {
	for _, ch := range a.chunks {
		if ch.rec != nil {
			ch.rec.Release()
		}
	}
	a.chunks, a.rows = nil, nil
	if a.keys != nil {
		a.keys.release()
	}
	return nil
}

// SnapshotState writes the kept rows of the key groups that changed.
func (a *sessionAgg) SnapshotState(ctx context.Context, _ CheckpointInfo) error {
	if a.ks == nil {
		return nil
	}
	a.wmState.Update([][]byte{encodeRangeWatermark(a.rt, a.wm)})
	if len(a.dirtyKG) == 0 {
		return nil
	}
	byKG := map[uint16][]rowLoc{}
	for _, r := range a.rows {
		if a.dirtyKG[r.kg] {
			byKG[r.kg] = append(byKG[r.kg], rowLoc{r.chunk, r.row})
		}
	}
	for kg := range a.dirtyKG {
		locs := byKG[kg]
		if len(locs) == 0 {
			if err := a.ks.Clear(kg, windowStateKey); err != nil {
				return err
			}
			continue
		}
		val, err := a.encodeRows(ctx, locs)
		if err != nil {
			return err
		}
		if err := a.ks.Update(kg, windowStateKey, val); err != nil {
			return err
		}
	}
	clear(a.dirtyKG)
	return nil
}

// encodeRows writes rows as the value of a key group: an IPC stream of one
// batch per chunk they come from, in the projected schema.
func (a *sessionAgg) encodeRows(ctx context.Context, locs []rowLoc) ([]byte, error) {
	byChunk := map[int32][]int32{}
	var order []int32
	for _, l := range locs {
		if _, ok := byChunk[l.chunk]; !ok {
			order = append(order, l.chunk)
		}
		byChunk[l.chunk] = append(byChunk[l.chunk], l.row)
	}
	var recs []arrow.RecordBatch
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	for _, ci := range order {
		b, err := takeBatch(ctx, a.rt.Mem, &vectorized.Batch{Record: a.chunks[ci].rec}, byChunk[ci])
		if err != nil {
			return nil, err
		}
		recs = append(recs, b.Record)
	}
	return encodeBatches(a.rt.Mem, a.inSchema, recs)
}

func (a *sessionAgg) restore() error {
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
		in, recs, err := decodeBatches(a.rt.Mem, val)
		if err != nil {
			return fmt.Errorf("restoring key group %d: %w", kg, err)
		}
		for _, rec := range recs {
			if err == nil && a.keys == nil {
				err = a.initFromProjected(in)
			}
			if err == nil {
				err = a.addRestored(rec)
			}
			rec.Release()
		}
		if err != nil {
			return fmt.Errorf("restoring key group %d: %w", kg, err)
		}
	}
	return nil
}

// initFromProjected sets the operator up from a restored projected schema:
// its columns are what init chose, in order, so the spec's columns map to
// them the same way.
func (a *sessionAgg) initFromProjected(in *arrow.Schema) error {
	// Rebuild a stand-in input schema where each original column index
	// holds its projected field, then init as usual.
	w := a.spec.Window
	maxCol := 0
	for _, k := range a.spec.Keys {
		maxCol = max(maxCol, k)
	}
	if !w.ProcTime {
		maxCol = max(maxCol, w.TimeCol)
	}
	for _, c := range a.spec.Aggs {
		if c.Func != CountStar {
			maxCol = max(maxCol, c.Arg)
		}
	}
	fields := make([]arrow.Field, maxCol+1)
	for i := range fields {
		fields[i] = arrow.Field{Name: fmt.Sprintf("$%d", i), Type: arrow.Null, Nullable: true}
	}
	order := []int{}
	seen := map[int]bool{}
	note := func(c int) {
		if !seen[c] {
			seen[c] = true
			order = append(order, c)
		}
	}
	for _, k := range a.spec.Keys {
		note(k)
	}
	if !w.ProcTime {
		note(w.TimeCol)
	}
	for _, c := range a.spec.Aggs {
		if c.Func != CountStar {
			note(c.Arg)
		}
	}
	for p, c := range order {
		if p >= in.NumFields() {
			return fmt.Errorf("%w: the session state has %d columns", errStateCorrupt, in.NumFields())
		}
		fields[c] = in.Field(p)
	}
	return a.init(arrow.NewSchema(fields, nil))
}

func (a *sessionAgg) addRestored(rec arrow.RecordBatch) error {
	n := int(rec.NumRows())
	a.times = grow(a.times, n)
	if a.spec.Window.ProcTime {
		copy(a.times, rec.Column(int(rec.NumCols())-1).(*array.Int64).Int64Values())
	} else {
		var err error
		spec := a.spec.Window
		spec.TimeCol = len(a.spec.Keys) // keys come first in the projection
		for p, c := range a.proj {
			if c == a.spec.Window.TimeCol {
				spec.TimeCol = p
			}
		}
		if a.times, err = rowTimes(spec, rec, time.Time{}, a.times); err != nil {
			return err
		}
	}
	saved := a.wm
	a.wm = MinWatermark // restored rows were kept: none is late
	err := a.add(rec, a.times)
	a.wm = saved
	return err
}
