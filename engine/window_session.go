package engine

import (
	"container/heap"
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
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
// are kept (only the columns the aggregate reads: keys, time, arguments,
// in retained batches) and aggregated when their session fires: when the
// watermark (or the clock, on processing time) reaches its end - 1. Each
// key has its open sessions sorted by start; a row merges the sessions it
// touches; a heap orders sessions by end for firing. A row is late, and
// dropped, when its own window has fired and it touches no open session of
// its key. At a checkpoint the kept rows of changed key groups are written
// to keyed state, one Arrow IPC value per key group, as windowAgg's; a
// restore adds them back, which rebuilds the sessions.
//
// With tvf it is the SESSION window table function alone (Flink's
// UnalignedWindowTableFunctionOperator): the kept rows are whole input rows
// and a fired session emits each of its rows, in arrival order, with the
// session's window_start, window_end and window_time.
type sessionAgg struct {
	spec WindowAggSpec
	tvf  bool
	rt   *RuntimeContext
	now  func() time.Time
	gap  int64
	seq  int64 // arrival number of the next row (tvf: the order of output)
	// tvf: the projected column of each input column.
	outCols []int
	tz      *tzShift // LTZ: bounds in the session time zone's wall clock

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
	free   []int32      // chunk slots released
	open   [][]*session // by key id: open sessions sorted by start
	byEnd  sessionHeap
	wm     int64
	late   interface{ Add(int64) int64 }

	times   []int64
	groups  []uint32
	created []uint32
	hashes  []uint64

	ks      *state.ValueState[[]byte]
	wmState *state.OperatorListState
	dirtyKG *kgSet
}

type sessionChunk struct {
	rec  arrow.RecordBatch // projected columns; nil once released
	refs int
}

// rowLoc is a kept row: its chunk and row, and its arrival number.
type rowLoc struct {
	chunk, row int32
	seq        int64
}

// session is one open session of a key.
type session struct {
	start, end int64
	key        uint32
	kg         uint16
	rows       []rowLoc
	dead       bool // merged into another or fired
}

// rowLoc is a kept row's place.

// sessionHeap orders sessions by end; entries whose session died or
// whose end moved are stale and skipped.
type sessionHeap []heapEntry

type heapEntry struct {
	end int64
	s   *session
}

func (h sessionHeap) Len() int           { return len(h) }
func (h sessionHeap) Less(i, j int) bool { return h[i].end < h[j].end }
func (h sessionHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *sessionHeap) Push(x any)        { *h = append(*h, x.(heapEntry)) }
func (h *sessionHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// top is the earliest live session, dropping stale entries.
func (h *sessionHeap) top() *session {
	for h.Len() > 0 {
		e := (*h)[0]
		if !e.s.dead && e.s.end == e.end {
			return e.s
		}
		heap.Pop(h)
	}
	return nil
}

func (a *sessionAgg) String() string {
	if a.tvf {
		return fmt.Sprintf("WindowTableFunction(%s)", a.spec.Window)
	}
	return aggString("SessionWindowAggregate", a.spec)
}

func (a *sessionAgg) Open(_ context.Context, rt *RuntimeContext) error {
	if a.spec.Window.Gap <= 0 {
		return fmt.Errorf("SESSION gap must be at least 1 ms, not %v", a.spec.Window.Gap)
	}
	n, err := rt.Config.Int(ConfigBatchSize, DefaultBatchSize)
	if err != nil {
		return err
	}
	a.rt, a.gap, a.batchLen, a.wm = rt, a.spec.Window.Gap.Milliseconds(), max(n, 1), MinWatermark
	a.tz = newTZShift(a.spec.Window, rt)
	a.late = rt.Metrics.Counter("numLateRecordsDropped")
	if rt.ckpt == nil {
		return nil
	}
	name := "session-agg"
	if a.tvf {
		name = "session-tvf"
	}
	if a.ks, a.wmState, err = openWindowState(rt, name); err != nil {
		return err
	}
	a.dirtyKG = &kgSet{}
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
	if a.tvf {
		a.outCols = make([]int, schema.NumFields())
		for c := range a.outCols {
			a.outCols[c] = use(c)
		}
		fields = make([]arrow.Field, schema.NumFields())
		copy(fields, schema.Fields())
	}
	a.aggs = make([]AggCall, len(a.spec.Aggs))
	for i, c := range a.spec.Aggs {
		a.aggs[i] = c
		switch c.Func {
		case UserDefined:
			a.aggs[i].Args = make([]int, len(c.Args))
			for j, x := range c.Args {
				a.aggs[i].Args[j] = use(x)
			}
		case CountStar:
		default:
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
	for len(a.open) < a.keys.size() {
		a.open = append(a.open, nil)
	}
	if a.dirtyKG != nil {
		a.hashes = grow(a.hashes, n)
		vectorized.HashColumns(keyCols, a.hashes)
	}
	rec.Retain()
	ch := &sessionChunk{rec: rec}
	var ci int32
	if k := len(a.free); k > 0 {
		ci = a.free[k-1]
		a.free = a.free[:k-1]
		a.chunks[ci] = ch
	} else {
		ci = int32(len(a.chunks))
		a.chunks = append(a.chunks, ch)
	}
	var dropped int64
	countNullTimes(times[:n], a.rt.Metrics.Counter("numNullRowTimeRecordsDropped"))
	for i, ts := range times[:n] {
		if ts == nullTime {
			continue
		}
		key := a.groups[i]
		a.seq++
		if !a.addRow(key, ts, rowLoc{ci, int32(i), a.seq}, func() uint16 {
			if a.dirtyKG == nil {
				return 0
			}
			return a.rt.KeyGroupOf(a.hashes[i])
		}) {
			dropped++
			continue
		}
		ch.refs++
	}
	if dropped > 0 {
		a.late.Add(dropped)
	}
	if ch.refs == 0 {
		a.releaseChunk(ci)
	}
	return nil
}

// addRow merges the window [ts, ts+gap) of one row into its key's
// sessions; it returns false for a late row.
func (a *sessionAgg) addRow(key uint32, ts int64, loc rowLoc, kgOf func() uint16) bool {
	list := a.open[key]
	end := ts + a.gap
	// The sessions touching [ts, end) are contiguous in start order:
	// Flink's TimeWindow.intersects (start <= other end, end >= other
	// start) merges windows that touch.
	lo := sort.Search(len(list), func(i int) bool { return list[i].end >= ts })
	hi := lo
	for hi < len(list) && list[hi].start <= end {
		hi++
	}
	if lo == hi && !a.spec.Window.ProcTime && isWindowFired(end, a.wm) {
		return false
	}
	var s *session
	if lo == hi {
		kg := kgOf()
		s = &session{start: ts, end: end, key: key, kg: kg}
		list = slices.Insert(list, lo, s)
	} else {
		s = list[lo]
		for _, o := range list[lo+1 : hi] {
			s.start, s.end = min(s.start, o.start), max(s.end, o.end)
			s.rows = append(s.rows, o.rows...)
			o.dead, o.rows = true, nil
		}
		list = slices.Delete(list, lo+1, hi)
		s.start = min(s.start, ts)
		if end > s.end {
			s.end = end
		} else if hi-lo == 1 {
			s.rows = append(s.rows, loc)
			a.open[key] = list
			if a.dirtyKG != nil {
				a.dirtyKG.add(s.kg)
			}
			return true // the end did not move: its heap entry stands
		}
	}
	s.rows = append(s.rows, loc)
	a.open[key] = list
	heap.Push(&a.byEnd, heapEntry{end: s.end, s: s})
	if a.dirtyKG != nil {
		a.dirtyKG.add(s.kg)
	}
	return true
}

func (a *sessionAgg) releaseChunk(ci int32) {
	a.chunks[ci].rec.Release()
	a.chunks[ci] = &sessionChunk{}
	a.free = append(a.free, ci)
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

// fire emits the sessions due says have ended, in end order, and forgets
// them and their rows.
func (a *sessionAgg) fire(ctx context.Context, due func(end int64) bool, out Collector) error {
	var fired []*session
	for s := a.byEnd.top(); s != nil && due(s.end); s = a.byEnd.top() {
		heap.Pop(&a.byEnd)
		s.dead = true
		fired = append(fired, s)
		list := a.open[s.key]
		i := slices.Index(list, s)
		a.open[s.key] = slices.Delete(list, i, i+1)
	}
	for lo := 0; lo < len(fired); lo += a.batchLen {
		hi := min(len(fired), lo+a.batchLen)
		if err := a.emit(ctx, fired[lo:hi], out); err != nil {
			return err
		}
	}
	for _, s := range fired {
		if a.dirtyKG != nil {
			a.dirtyKG.add(s.kg)
		}
		for _, r := range s.rows {
			ch := a.chunks[r.chunk]
			if ch.refs--; ch.refs == 0 {
				a.releaseChunk(r.chunk)
			}
		}
		s.rows = nil
		// A key with no open session leaves the key table, so the table
		// holds the keys of open sessions only, not every key ever seen.
		if len(a.open[s.key]) == 0 {
			a.open[s.key] = nil
			a.keys.remove(s.key)
		}
	}
	return nil
}

// emit aggregates the rows of sessions and emits one row per session.
func (a *sessionAgg) emit(ctx context.Context, sessions []*session, out Collector) error {
	if a.tvf {
		return a.emitRows(ctx, sessions, out)
	}
	mem := a.rt.Mem
	accs := make([]accumulator, 0, len(a.aggs))
	// A Python aggregate's accumulators hold interpreter objects.
	defer func() { _ = closeAccs(accs) }()
	for _, c := range a.aggs {
		acc, _, err := newAccumulatorFor(c, a.inSchema, false)
		if err != nil {
			return err
		}
		acc.grow(len(sessions))
		accs = append(accs, acc)
	}
	// Rows by chunk: one update per chunk, the other rows skipped. The
	// chunks go in arrival order (a chunk is one input batch, its rows
	// contiguous in seq), so that order-sensitive aggregates (LISTAGG,
	// FIRST_VALUE, user aggregates) see a session's rows as they came.
	byChunk := map[int32][]int{} // chunk → indexes into flat
	chunkSeq := map[int32]int64{}
	type ref struct {
		g   uint32
		row int32
	}
	var flat []ref
	for g, s := range sessions {
		for _, r := range s.rows {
			byChunk[r.chunk] = append(byChunk[r.chunk], len(flat))
			chunkSeq[r.chunk] = r.seq
			flat = append(flat, ref{uint32(g), r.row})
		}
	}
	order := slices.Collect(maps.Keys(byChunk))
	slices.SortFunc(order, func(x, y int32) int { return cmpInt64(chunkSeq[x], chunkSeq[y]) })
	var groups []uint32
	var signs []int8
	for _, ci := range order {
		idx := byChunk[ci]
		rec := a.chunks[ci].rec
		n := int(rec.NumRows())
		groups = grow(groups, n)
		signs = grow(signs, n)
		clear(signs)
		for _, k := range idx {
			groups[flat[k].row] = flat[k].g
			signs[flat[k].row] = 1
		}
		for k, acc := range accs {
			var args []arrow.Array
			for _, col := range aggArgCols(a.aggs[k]) {
				args = append(args, rec.Column(col))
			}
			bindAcc(acc, a.aggs[k], args)
			acc.update(groups, signs, 0, n)
		}
	}
	keyIDs := make([]uint32, len(sessions))
	starts, ends, wt := make([]int64, len(sessions)), make([]int64, len(sessions)), make([]int64, len(sessions))
	for i, s := range sessions {
		keyIDs[i] = s.key
		// Sessions are kept in epoch time (they do not align): only their
		// bounds are shown in the session time zone.
		starts[i], ends[i], wt[i] = a.tz.toLocal(s.start), a.tz.toLocal(s.end), s.end-1
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

// emitRows is the table function's output: the rows of each session in
// arrival order, with its bounds; runs of rows from one chunk are taken
// together and the runs concatenated per column.
func (a *sessionAgg) emitRows(ctx context.Context, sessions []*session, out Collector) error {
	mem := a.rt.Mem
	var parts []arrow.RecordBatch
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	var starts, ends, wt []int64
	for _, s := range sessions {
		rows := slices.Clone(s.rows)
		slices.SortFunc(rows, func(x, y rowLoc) int { return cmpInt64(x.seq, y.seq) })
		for lo := 0; lo < len(rows); {
			hi := lo + 1
			for hi < len(rows) && rows[hi].chunk == rows[lo].chunk {
				hi++
			}
			idx := make([]int32, hi-lo)
			for i, r := range rows[lo:hi] {
				idx[i] = r.row
			}
			b, err := takeBatch(ctx, mem, &vectorized.Batch{Record: a.chunks[rows[lo].chunk].rec}, idx)
			if err != nil {
				return err
			}
			parts = append(parts, b.Record)
			lo = hi
		}
		for range rows {
			starts, ends, wt = append(starts, a.tz.toLocal(s.start)), append(ends, a.tz.toLocal(s.end)), append(wt, s.end-1)
		}
	}
	if len(starts) == 0 {
		return nil
	}
	cols := make([]arrow.Array, 0, len(a.outCols)+3)
	defer func() { releaseArrays(cols) }()
	for _, p := range a.outCols {
		chunks := make([]arrow.Array, len(parts))
		for i, r := range parts {
			chunks[i] = r.Column(p)
		}
		c, err := array.Concatenate(chunks, mem)
		if err != nil {
			return err
		}
		cols = append(cols, c)
	}
	cols = append(cols, timestampArray(mem, a.bounds, starts), timestampArray(mem, a.bounds, ends), timestampArray(mem, a.wtime, wt))
	b := &vectorized.Batch{Record: array.NewRecordBatch(a.outSchema, cols, int64(len(starts)))}
	defer b.Release()
	return out.Collect(ctx, b)
}

func cmpInt64(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// NextTimer is when the earliest processing-time session ends.
func (a *sessionAgg) NextTimer() time.Time {
	if !a.spec.Window.ProcTime {
		return time.Time{}
	}
	s := a.byEnd.top()
	if s == nil {
		return time.Time{}
	}
	return time.UnixMilli(s.end - 1)
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
	a.chunks, a.open, a.byEnd = nil, nil, nil
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
	if len(a.dirtyKG.list) == 0 {
		return nil
	}
	byKG := map[uint16][]rowLoc{}
	for _, list := range a.open {
		for _, s := range list {
			if a.dirtyKG.has(s.kg) {
				byKG[s.kg] = append(byKG[s.kg], s.rows...)
			}
		}
	}
	for _, kg := range a.dirtyKG.list {
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
	a.dirtyKG.reset()
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
		for _, x := range aggArgCols(c) {
			maxCol = max(maxCol, x)
		}
	}
	if a.tvf {
		// Every input column is kept (and processing time after them).
		maxCol = in.NumFields() - 1
		if w.ProcTime {
			maxCol--
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
		for _, x := range aggArgCols(c) {
			note(x)
		}
	}
	if a.tvf {
		for c := 0; c <= maxCol; c++ {
			note(c)
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
