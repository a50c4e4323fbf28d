package engine

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/vectorized"
)

// windowAssigner computes the windows of a row time (ms), as Flink's
// TumblingWindowAssigner, SlidingWindowAssigner and CumulativeWindowAssigner
// (TimeWindow.getWindowStartWithOffset: starts aligned to the epoch plus
// the offset).
type windowAssigner struct {
	kind                      WindowKind
	size, slide, step, offset int64
	// perRow is the most windows a row belongs to.
	perRow int
}

func newWindowAssigner(s WindowSpec) (*windowAssigner, error) {
	a := &windowAssigner{kind: s.Kind, size: s.Size.Milliseconds(), slide: s.Slide.Milliseconds(),
		step: s.Step.Milliseconds(), offset: s.Offset.Milliseconds()}
	if a.size <= 0 && s.Kind != Session {
		return nil, fmt.Errorf("window size must be at least 1 ms, not %v", s.Size)
	}
	switch s.Kind {
	case Tumble:
		a.perRow = 1
	case Hop:
		if a.slide <= 0 {
			return nil, fmt.Errorf("HOP slide must be at least 1 ms, not %v", s.Slide)
		}
		a.perRow = int((a.size + a.slide - 1) / a.slide)
	case Cumulate:
		if a.step <= 0 || a.size%a.step != 0 {
			return nil, fmt.Errorf("CUMULATE max size %v must be a multiple of the step %v", s.Size, s.Step)
		}
		a.perRow = int(a.size / a.step)
	case Session:
		if s.Gap <= 0 {
			return nil, fmt.Errorf("SESSION gap must be at least 1 ms, not %v", s.Gap)
		}
		a.perRow = 1
	default:
		return nil, fmt.Errorf("unknown window kind %d", s.Kind)
	}
	return a, nil
}

// startWithOffset is Flink's TimeWindow.getWindowStartWithOffset.
func startWithOffset(ts, offset, size int64) int64 {
	r := (ts - offset) % size
	if r < 0 {
		return ts - (r + size)
	}
	return ts - r
}

// window returns the j-th window of a row at ts (j < perRow), and false
// when the row has fewer windows. Windows are numbered by ascending end
// for Cumulate and by descending start for Hop; j = 0 is always the
// window that ends last for Hop and Tumble, and first for Cumulate.
func (a *windowAssigner) window(ts int64, j int) (start, end int64, ok bool) {
	switch a.kind {
	case Tumble:
		start = startWithOffset(ts, a.offset, a.size)
		return start, start + a.size, true
	case Hop:
		start = startWithOffset(ts, a.offset, a.slide) - int64(j)*a.slide
		return start, start + a.size, start+a.size > ts
	case Cumulate:
		start = startWithOffset(ts, a.offset, a.size)
		first := startWithOffset(ts-start, 0, a.step) + start + a.step // the first end after ts
		end = first + int64(j)*a.step
		return start, end, end <= start+a.size
	}
	return 0, 0, false
}

// lastEnd is the largest window end of a row at ts: when that window has
// fired, the row is late for all of its windows.
func (a *windowAssigner) lastEnd(ts int64) int64 {
	switch a.kind {
	case Hop:
		return startWithOffset(ts, a.offset, a.slide) + a.size
	case Cumulate:
		return startWithOffset(ts, a.offset, a.size) + a.size
	}
	start := startWithOffset(ts, a.offset, a.size)
	return start + a.size
}

// isWindowFired is Flink's TimeWindowUtil.isWindowFired: a window fires
// once the watermark reaches its last millisecond.
func isWindowFired(end, wm int64) bool {
	return end != MaxWatermark && wm >= end-1
}

// windowTypes are the types of window_start/window_end and window_time:
// the bounds are always TIMESTAMP(3) (Flink's SqlWindowTableFunction), the
// session time zone's wall clock for a TIMESTAMP_LTZ time attribute;
// window_time keeps the time attribute's type (TIMESTAMP_LTZ(3) for
// PROCTIME()).
func windowTypes(s WindowSpec, timeType arrow.DataType) (bounds, wtime arrow.DataType) {
	bounds = &arrow.TimestampType{Unit: arrow.Millisecond}
	wtime = bounds
	if s.ProcTime || s.LTZ {
		wtime = &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}
	} else if ts, ok := timeType.(*arrow.TimestampType); ok {
		wtime = &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: ts.TimeZone}
	}
	return bounds, wtime
}

// tzShift converts between epoch milliseconds and the session time zone's
// wall clock read as UTC, Flink's TimeWindowUtil.toUtcTimestampMills and
// toEpochMills: windows over a TIMESTAMP_LTZ time attribute are aligned
// in the session time zone (a 1-day window starts at local midnight) and
// fire when the watermark reaches the instant of their local end - 1 ms.
// A nil *tzShift is the identity (TIMESTAMP time attributes, UTC).
type tzShift struct {
	loc    *time.Location
	lo, hi int64 // epoch range where off holds
	off    int64
}

func newTZShift(s WindowSpec, rt *RuntimeContext) *tzShift {
	// PROCTIME() is a TIMESTAMP_LTZ(3): processing-time windows align in
	// the session time zone too.
	if !(s.LTZ || s.ProcTime) || rt.EvalContext == nil {
		return nil
	}
	loc := rt.EvalContext().Location
	if loc == nil || loc == time.UTC {
		return nil
	}
	return &tzShift{loc: loc, lo: 1, hi: 0}
}

// offsetAt is the zone offset (ms) at epoch ms, cached for the zone period.
func (z *tzShift) offsetAt(ms int64) int64 {
	if ms >= z.lo && ms < z.hi {
		return z.off
	}
	t := time.UnixMilli(ms).In(z.loc)
	_, off := t.Zone()
	z.off = int64(off) * 1000
	start, end := t.ZoneBounds()
	z.lo, z.hi = math.MinInt64, math.MaxInt64
	if !start.IsZero() {
		z.lo = start.UnixMilli()
	}
	if !end.IsZero() {
		z.hi = end.UnixMilli()
	}
	return z.off
}

func (z *tzShift) toLocal(ms int64) int64 {
	if z == nil || ms == MaxWatermark || ms == MinWatermark {
		return ms
	}
	return ms + z.offsetAt(ms)
}

func (z *tzShift) toEpoch(local int64) int64 {
	if z == nil || local == MaxWatermark || local == MinWatermark {
		return local
	}
	e := local - z.offsetAt(local)
	return local - z.offsetAt(e)
}

// fired is isWindowFired for a window end in the (possibly shifted) window
// time.
func (z *tzShift) fired(end, wm int64) bool {
	return end != MaxWatermark && wm >= z.toEpoch(end-1)
}

// rowTimes reads the time attribute of every row in ms (nullTime for a
// NULL), or the processing time of the batch.
func rowTimes(s WindowSpec, rec arrow.RecordBatch, now time.Time, dst []int64) ([]int64, error) {
	n := int(rec.NumRows())
	dst = grow(dst, n)
	if s.ProcTime {
		ms := now.UnixMilli()
		for i := range dst {
			dst[i] = ms
		}
		return dst, nil
	}
	if s.TimeCol < 0 || s.TimeCol >= int(rec.NumCols()) {
		return nil, fmt.Errorf("time column %d does not exist in a batch of %d columns", s.TimeCol, rec.NumCols())
	}
	col, ok := rec.Column(s.TimeCol).(*array.Timestamp)
	if !ok {
		return nil, fmt.Errorf("the time attribute must be a TIMESTAMP, not %s", rec.Column(s.TimeCol).DataType())
	}
	f, _ := millisOf(col.DataType())
	for i, v := range col.TimestampValues() {
		dst[i] = toMillis(int64(v), f)
	}
	if col.NullN() > 0 {
		for i := range dst {
			if col.IsNull(i) {
				dst[i] = nullTime
			}
		}
	}
	return dst, nil
}

// nullTime marks a row whose rowtime is NULL: window operators drop it and
// count it in numNullRowTimeRecordsDropped, as Flink's window operators do.
const nullTime = math.MinInt64

// countNullTimes counts the rows rowTimes marked NULL.
func countNullTimes(times []int64, c interface{ Add(int64) int64 }) {
	var n int64
	for _, ts := range times {
		if ts == nullTime {
			n++
		}
	}
	if n > 0 {
		c.Add(n)
	}
}

// int64Timestamps wraps ms values as a timestamp array without copying.
func timestampArray(mem memory.Allocator, dt arrow.DataType, vals []int64) arrow.Array {
	b := array.NewTimestampBuilder(mem, dt.(*arrow.TimestampType))
	defer b.Release()
	b.Resize(len(vals))
	for _, v := range vals {
		b.UnsafeAppend(arrow.Timestamp(v))
	}
	return b.NewArray()
}

// windowTVF is the window table-valued function alone: Flink's
// WindowTableFunctionOperator. It appends window_start, window_end and
// window_time to each row, once per window the row belongs to.
type windowTVF struct {
	spec   WindowSpec
	rt     *RuntimeContext
	wa     *windowAssigner
	tz     *tzShift
	now    func() time.Time
	schema *arrow.Schema
	bounds arrow.DataType
	wtime  arrow.DataType

	times        []int64
	idx          []int32
	starts, ends []int64
	wtimes       []int64
}

// NewWindowTVF is the window table-valued function alone (SELECT * FROM
// TABLE(TUMBLE(...))): it appends window_start, window_end (TIMESTAMP(3);
// see windowTypes for LTZ) and window_time (the rowtime attribute:
// window_end - 1 ms) to each row, one output row per window the row belongs
// to (HOP, CUMULATE: several). SESSION windows cannot be assigned row by
// row: their rows are kept until the session closes and are emitted then,
// in arrival order (the input must be hash-partitioned on PartitionKeys).
func NewWindowTVF(spec WindowSpec) Operator {
	if spec.Kind == Session {
		// Sessions merge as rows arrive: their rows are kept until the
		// session closes (sessionAgg's table-function form).
		return &sessionAgg{spec: WindowAggSpec{Window: spec, Keys: spec.PartitionKeys}, tvf: true, now: time.Now}
	}
	return &windowTVF{spec: spec, now: time.Now}
}

func (w *windowTVF) String() string { return fmt.Sprintf("WindowTableFunction(%s)", w.spec) }

func (w *windowTVF) Open(_ context.Context, rt *RuntimeContext) error {
	if w.spec.Kind == Session {
		return fmt.Errorf("SESSION windows can only be used in a window aggregate")
	}
	wa, err := newWindowAssigner(w.spec)
	if err != nil {
		return err
	}
	w.rt, w.wa, w.tz = rt, wa, newTZShift(w.spec, rt)
	return nil
}

func (w *windowTVF) Process(ctx context.Context, _ int, b *vectorized.Batch, out Collector) error {
	if err := insertOnly("a window table function", b); err != nil {
		return err
	}
	rec := b.Record
	if w.schema == nil {
		var timeType arrow.DataType
		if !w.spec.ProcTime && w.spec.TimeCol >= 0 && w.spec.TimeCol < int(rec.NumCols()) {
			timeType = rec.Schema().Field(w.spec.TimeCol).Type
		}
		w.bounds, w.wtime = windowTypes(w.spec, timeType)
		fields := append(append([]arrow.Field(nil), rec.Schema().Fields()...),
			arrow.Field{Name: "window_start", Type: w.bounds, Nullable: false},
			arrow.Field{Name: "window_end", Type: w.bounds, Nullable: false},
			arrow.Field{Name: "window_time", Type: w.wtime, Nullable: false})
		w.schema = arrow.NewSchema(fields, nil)
	}
	var err error
	if w.times, err = rowTimes(w.spec, rec, w.now(), w.times); err != nil {
		return err
	}
	w.idx, w.starts, w.ends, w.wtimes = w.idx[:0], w.starts[:0], w.ends[:0], w.wtimes[:0]
	countNullTimes(w.times, w.rt.Metrics.Counter("numNullRowTimeRecordsDropped"))
	for i, ts := range w.times {
		if ts == nullTime {
			continue
		}
		ts = w.tz.toLocal(ts)
		for k := 0; k < w.wa.perRow; k++ {
			// Flink lists a row's windows by ascending start; window j = 0
			// of HOP is the one that starts last.
			j := k
			if w.wa.kind == Hop {
				j = w.wa.perRow - 1 - k
			}
			s, e, ok := w.wa.window(ts, j)
			if !ok {
				continue
			}
			w.idx = append(w.idx, int32(i))
			w.starts = append(w.starts, s)
			w.ends = append(w.ends, e)
			w.wtimes = append(w.wtimes, w.tz.toEpoch(e-1))
		}
	}
	mem := w.rt.Mem
	cols := make([]arrow.Array, 0, w.schema.NumFields())
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	if len(w.idx) == len(w.times) && w.wa.perRow == 1 { // no row dropped or repeated
		for _, c := range rec.Columns() {
			c.Retain()
			cols = append(cols, c)
		}
	} else {
		for _, c := range rec.Columns() {
			g, err := takeArray(ctx, mem, c, w.idx)
			if err != nil {
				return err
			}
			cols = append(cols, g)
		}
	}
	cols = append(cols, timestampArray(mem, w.bounds, w.starts), timestampArray(mem, w.bounds, w.ends),
		timestampArray(mem, w.wtime, w.wtimes))
	ob := &vectorized.Batch{Record: array.NewRecordBatch(w.schema, cols, int64(len(w.idx)))}
	defer ob.Release()
	return out.Collect(ctx, ob)
}

func (w *windowTVF) EndInput(context.Context, Collector) error { return nil }
func (w *windowTVF) Close() error                              { return nil }

func (s WindowSpec) String() string {
	attr := fmt.Sprintf("$%d", s.TimeCol)
	if s.ProcTime {
		attr = "PROCTIME"
	}
	switch s.Kind {
	case Tumble:
		return fmt.Sprintf("TUMBLE(time_col=[%s], size=[%v])", attr, s.Size)
	case Hop:
		return fmt.Sprintf("HOP(time_col=[%s], size=[%v], slide=[%v])", attr, s.Size, s.Slide)
	case Cumulate:
		return fmt.Sprintf("CUMULATE(time_col=[%s], max_size=[%v], step=[%v])", attr, s.Size, s.Step)
	case Session:
		return fmt.Sprintf("SESSION(time_col=[%s], gap=[%v])", attr, s.Gap)
	}
	return "?"
}
