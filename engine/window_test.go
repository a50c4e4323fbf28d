package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

var (
	tsType    = &arrow.TimestampType{Unit: arrow.Millisecond}
	evtSchema = schemaOf(field("k", arrow.BinaryTypes.String), field("ts", tsType), field("v", arrow.PrimitiveTypes.Int64))
	evtAggs   = []AggCall{{Func: CountStar}, {Func: Sum, Arg: 2}, {Func: Max, Arg: 2}, {Func: Avg, Arg: 2}, {Func: Count, Arg: 2, Distinct: true}}
)

// tsMinus is a test-local WATERMARK expression: ts - d ms.
type tsMinus struct {
	col int
	d   int64
}

func (e tsMinus) DataType() arrow.DataType { return tsType }
func (e tsMinus) String() string           { return fmt.Sprintf("$%d - %d", e.col, e.d) }
func (e tsMinus) Eval(ec *vectorized.EvalContext, rec arrow.RecordBatch) (arrow.Array, error) {
	in := rec.Column(e.col).(*array.Timestamp)
	b := array.NewTimestampBuilder(ec.Mem, tsType)
	defer b.Release()
	for i := 0; i < in.Len(); i++ {
		if in.IsNull(i) {
			b.AppendNull()
		} else {
			b.Append(in.Value(i) - arrow.Timestamp(e.d))
		}
	}
	return b.NewArray(), nil
}

type evt struct {
	k  string
	ts int64
	v  int64
}

// randomEvents are rows whose times go up with jitter (out of order by up
// to 3 s) and, now and then, a row far behind (late).
func randomEvents(rng *rand.Rand, n int) []evt {
	out := make([]evt, n)
	base := int64(1_000_000)
	for i := range out {
		base += int64(rng.IntN(400))
		ts := base - int64(rng.IntN(3000))
		if rng.IntN(20) == 0 {
			ts -= 15_000
		}
		out[i] = evt{k: fmt.Sprintf("k%d", rng.IntN(5)), ts: ts, v: int64(rng.IntN(100))}
	}
	return out
}

func evtBatches(t testing.TB, mem memory.Allocator, evs []evt, size int) []*vectorized.Batch {
	var out []*vectorized.Batch
	for lo := 0; lo < len(evs); lo += size {
		hi := min(len(evs), lo+size)
		var rows [][]any
		for _, e := range evs[lo:hi] {
			rows = append(rows, []any{e.k, e.ts, e.v})
		}
		out = append(out, makeBatch(t, mem, evtSchema, nil, rows...))
	}
	return out
}

func fmtTS(ms int64) string { return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05.000") }

// refAcc is COUNT(*), SUM(v), MAX(v), AVG(v), COUNT(DISTINCT v) of one
// window.
type refAcc struct {
	n, sum, max int64
	distinct    map[int64]bool
}

func (r *refAcc) add(v int64) {
	if r.n == 0 || v > r.max {
		r.max = v
	}
	r.n++
	r.sum += v
	if r.distinct == nil {
		r.distinct = map[int64]bool{}
	}
	r.distinct[v] = true
}

func refRow(k string, a refAcc, start, end int64) string {
	return Row{Values: []any{k, a.n, a.sum, a.max, a.sum / a.n, int64(len(a.distinct)), fmtTS(start), fmtTS(end), fmtTS(end - 1)}}.String()
}

// refWindows is the expected output and late count of a window aggregate
// over batches of evs whose watermark (max ts - delay) follows each batch,
// computed with maps, one row at a time, as Flink does.
func refWindows(spec WindowSpec, evs []evt, size int, delay int64) ([]string, int64) {
	var sizes []int
	for lo := 0; lo < len(evs); lo += size {
		sizes = append(sizes, min(size, len(evs)-lo))
	}
	return refWindowsSized(spec, evs, sizes, delay)
}

// refWindowsSized is refWindows over batches of the given sizes.
func refWindowsSized(spec WindowSpec, evs []evt, sizes []int, delay int64) ([]string, int64) {
	wa, err := newWindowAssigner(spec)
	if err != nil {
		panic(err)
	}
	type wkey struct {
		k          string
		start, end int64
	}
	open := map[wkey]*refAcc{}
	var out []string
	var late int64
	wm, maxTS := MinWatermark, MinWatermark
	gap := spec.Gap.Milliseconds()
	sessRows := map[string][]evt{}
	fire := func(all bool) {
		if spec.Kind == Session {
			for k, rows := range sessRows {
				slices.SortFunc(rows, func(x, y evt) int { return int(x.ts - y.ts) })
				var keep []evt
				for lo := 0; lo < len(rows); {
					end, hi := rows[lo].ts+gap, lo+1
					for hi < len(rows) && rows[hi].ts <= end {
						end = max(end, rows[hi].ts+gap)
						hi++
					}
					if all || isWindowFired(end, wm) {
						var a refAcc
						for _, r := range rows[lo:hi] {
							a.add(r.v)
						}
						out = append(out, refRow(k, a, rows[lo].ts, end))
					} else {
						keep = append(keep, rows[lo:hi]...)
					}
					lo = hi
				}
				sessRows[k] = keep
			}
			return
		}
		for w, a := range open {
			if all || isWindowFired(w.end, wm) {
				out = append(out, refRow(w.k, *a, w.start, w.end))
				delete(open, w)
			}
		}
	}
	lo := 0
	for _, size := range sizes {
		batch := evs[lo : lo+size]
		lo += size
		for _, e := range batch {
			maxTS = max(maxTS, e.ts)
			if spec.Kind == Session {
				touches := slices.ContainsFunc(sessRows[e.k], func(r evt) bool { return r.ts-e.ts <= gap && e.ts-r.ts <= gap })
				if wm != MinWatermark && isWindowFired(e.ts+gap, wm) && !touches {
					late++
					continue
				}
				sessRows[e.k] = append(sessRows[e.k], e)
				continue
			}
			if wm != MinWatermark && isWindowFired(wa.lastEnd(e.ts), wm) {
				late++
			}
			for j := 0; j < wa.perRow; j++ {
				s, en, ok := wa.window(e.ts, j)
				if !ok || (wm != MinWatermark && isWindowFired(en, wm)) {
					continue
				}
				w := wkey{e.k, s, en}
				if open[w] == nil {
					open[w] = &refAcc{}
				}
				open[w].add(e.v)
			}
		}
		if maxTS-delay > wm {
			wm = maxTS - delay
			fire(false)
		}
	}
	fire(true)
	sort.Strings(out)
	return out, late
}

var windowKinds = []struct {
	name string
	spec WindowSpec
}{
	{"tumble", WindowSpec{Kind: Tumble, TimeCol: 1, Size: 5 * time.Second}},
	{"tumble-offset", WindowSpec{Kind: Tumble, TimeCol: 1, Size: 5 * time.Second, Offset: 2 * time.Second}},
	{"hop", WindowSpec{Kind: Hop, TimeCol: 1, Size: 6 * time.Second, Slide: 2 * time.Second}},
	{"hop-uneven", WindowSpec{Kind: Hop, TimeCol: 1, Size: 5 * time.Second, Slide: 2 * time.Second}},
	{"cumulate", WindowSpec{Kind: Cumulate, TimeCol: 1, Size: 6 * time.Second, Step: 2 * time.Second}},
	{"session", WindowSpec{Kind: Session, TimeCol: 1, Gap: 700 * time.Millisecond}},
}

// windowJob: values → watermark assigner (ts - delay, after each batch) →
// hash by k → window aggregate (parallelism par) → collect.
func windowJob(mem memory.Allocator, batches []*vectorized.Batch, spec WindowSpec, delay int64, par int, out *Collected) *JobGraph {
	return &JobGraph{Name: "window", Mem: mem, Vertices: []*Vertex{
		{ID: 1, Name: "src", Parallelism: 1, Source: NewValuesSource(batches),
			Chain: []func() Operator{func() Operator { return NewWatermarkAssigner(WatermarkSpec{Expr: tsMinus{1, delay}}) }}},
		{ID: 2, Name: "agg", Parallelism: par, Inputs: []Edge{{From: 1, Partition: Partitioning{Kind: Hash, Keys: []int{0}}}},
			Chain: []func() Operator{func() Operator {
				return NewWindowAggregate(WindowAggSpec{Keys: []int{0}, Aggs: evtAggs, Window: spec})
			}},
			Sink: NewCollectSink(out)},
	}}
}

func lateDropped(res *JobResult) int64 {
	var n int64
	for _, m := range res.Metrics {
		n += m.Counters["numLateRecordsDropped"]
	}
	return n
}

// Every window kind on event time, out-of-order input with late rows, at
// batch sizes 1, 7 and default and parallelism 1 and 3, on a checked
// allocator: the output and the late count equal a row-at-a-time model.
func TestWindowAggregateEventTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	evs := randomEvents(rng, 400)
	for _, wk := range windowKinds {
		for _, size := range []int{1, 7, DefaultBatchSize} {
			for _, par := range []int{1, 3} {
				t.Run(fmt.Sprintf("%s/batch%d/p%d", wk.name, size, par), func(t *testing.T) {
					mem := checkedMem(t)
					batches := evtBatches(t, mem, evs, size)
					defer func() {
						for _, b := range batches {
							b.Release()
						}
					}()
					var out Collected
					res, err := Execute(context.Background(), windowJob(mem, batches, wk.spec, 1000, par, &out), Config{})
					require.NoError(t, err)
					want, late := refWindows(wk.spec, evs, size, 1000)
					got := strs(out.Rows())
					sort.Strings(got)
					assert.Equal(t, want, got)
					assert.Equal(t, late, lateDropped(res))
					if size == 1 {
						assert.Positive(t, late, "the input has late rows")
					}
				})
			}
		}
	}
}

// The window TVF appends window_start, window_end and window_time, one row
// per window.
func TestWindowTVF(t *testing.T) {
	for _, tc := range []struct {
		spec WindowSpec
		want []string
	}{
		{WindowSpec{Kind: Tumble, TimeCol: 1, Size: 5 * time.Second}, []string{
			"+I[a, 1970-01-01 00:00:07.000, 1, 1970-01-01 00:00:05.000, 1970-01-01 00:00:10.000, 1970-01-01 00:00:09.999]",
		}},
		{WindowSpec{Kind: Hop, TimeCol: 1, Size: 6 * time.Second, Slide: 2 * time.Second}, []string{
			"+I[a, 1970-01-01 00:00:07.000, 1, 1970-01-01 00:00:02.000, 1970-01-01 00:00:08.000, 1970-01-01 00:00:07.999]",
			"+I[a, 1970-01-01 00:00:07.000, 1, 1970-01-01 00:00:04.000, 1970-01-01 00:00:10.000, 1970-01-01 00:00:09.999]",
			"+I[a, 1970-01-01 00:00:07.000, 1, 1970-01-01 00:00:06.000, 1970-01-01 00:00:12.000, 1970-01-01 00:00:11.999]",
		}},
		{WindowSpec{Kind: Cumulate, TimeCol: 1, Size: 6 * time.Second, Step: 2 * time.Second}, []string{
			"+I[a, 1970-01-01 00:00:07.000, 1, 1970-01-01 00:00:06.000, 1970-01-01 00:00:08.000, 1970-01-01 00:00:07.999]",
			"+I[a, 1970-01-01 00:00:07.000, 1, 1970-01-01 00:00:06.000, 1970-01-01 00:00:10.000, 1970-01-01 00:00:09.999]",
			"+I[a, 1970-01-01 00:00:07.000, 1, 1970-01-01 00:00:06.000, 1970-01-01 00:00:12.000, 1970-01-01 00:00:11.999]",
		}},
	} {
		t.Run(tc.spec.String(), func(t *testing.T) {
			mem := checkedMem(t)
			h := newHarness(t, mem, NewWindowTVF(tc.spec), Config{})
			got := h.process(makeBatch(t, mem, evtSchema, nil, []any{"a", int64(7000), int64(1)}))
			assert.Equal(t, tc.want, strs(got))
		})
	}
}

// wmRecorder records the watermarks its task hands it.
type wmRecorder struct {
	seen chan int64
	rt   *RuntimeContext
}

func (r *wmRecorder) Open(_ context.Context, rt *RuntimeContext) error {
	r.rt = rt
	return nil
}
func (r *wmRecorder) Process(ctx context.Context, _ int, b *vectorized.Batch, out Collector) error {
	return out.Collect(ctx, b)
}
func (r *wmRecorder) ProcessWatermark(_ context.Context, wm int64, _ Collector) (int64, error) {
	// What CURRENT_WATERMARK reads is the watermark being processed.
	if ec := r.rt.EvalContext(); r.rt.Watermark() != wm || !ec.HasWatermark || ec.Watermark != wm {
		return 0, fmt.Errorf("the runtime context reads %d, the eval context %d, while processing %d", r.rt.Watermark(), ec.Watermark, wm)
	}
	r.seen <- wm
	return wm, nil
}
func (r *wmRecorder) EndInput(context.Context, Collector) error { return nil }
func (r *wmRecorder) Close() error                              { return nil }

// scripted is a source driven by the test: each command is a watermark, an
// idleness change, or the end.
type scripted struct{ cmds chan any }

type idleCmd bool

func (s *scripted) Open(context.Context, *RuntimeContext) error { return nil }
func (s *scripted) Close() error                                { return nil }
func (s *scripted) Run(ctx context.Context, out Collector) error {
	wc := out.(WatermarkCollector)
	for {
		select {
		case c, ok := <-s.cmds:
			if !ok {
				return nil
			}
			var err error
			switch c := c.(type) {
			case int64:
				err = wc.EmitWatermark(ctx, c)
			case idleCmd:
				err = wc.MarkIdle(ctx, bool(c))
			}
			if err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Two inputs: the task's watermark is their minimum; an idle input does
// not hold it back, and one that comes back behind is not counted until
// it catches up; the end of both inputs is MaxWatermark.
func TestWatermarkMinAcrossInputsAndIdleness(t *testing.T) {
	a, b := &scripted{cmds: make(chan any)}, &scripted{cmds: make(chan any)}
	rec := &wmRecorder{seen: make(chan int64, 16)}
	g := &JobGraph{Name: "wm", Vertices: []*Vertex{
		{ID: 1, Name: "a", Parallelism: 1, Source: func(int) Source { return a }},
		{ID: 2, Name: "b", Parallelism: 1, Source: func(int) Source { return b }},
		{ID: 3, Name: "op", Parallelism: 1, Inputs: []Edge{{From: 1, Partition: Partitioning{Kind: Rebalance}}, {From: 2, Partition: Partitioning{Kind: Rebalance}}},
			Chain: []func() Operator{func() Operator { return rec }}},
	}}
	job, err := Submit(context.Background(), g, Config{})
	require.NoError(t, err)
	next := func() int64 {
		select {
		case v := <-rec.seen:
			return v
		case <-time.After(5 * time.Second):
			t.Fatal("no watermark")
		}
		return 0
	}
	none := func() {
		select {
		case v := <-rec.seen:
			t.Fatalf("unexpected watermark %d", v)
		case <-time.After(50 * time.Millisecond):
		}
	}
	a.cmds <- int64(10)
	none() // b has none yet
	b.cmds <- int64(5)
	assert.EqualValues(t, 5, next())
	b.cmds <- int64(30)
	assert.EqualValues(t, 10, next())
	a.cmds <- int64(20)
	assert.EqualValues(t, 20, next())
	a.cmds <- idleCmd(true) // only b counts now
	assert.EqualValues(t, 30, next())
	b.cmds <- int64(40)
	assert.EqualValues(t, 40, next())
	a.cmds <- idleCmd(false) // back at 20, behind: not counted yet
	b.cmds <- int64(50)
	assert.EqualValues(t, 50, next())
	a.cmds <- int64(45) // still behind 50
	none()
	a.cmds <- int64(60) // caught up: the minimum again (b's 50 stays)
	none()
	b.cmds <- int64(70)
	assert.EqualValues(t, 60, next())
	a.cmds <- idleCmd(true)
	b.cmds <- idleCmd(true) // all idle: the maximum is flushed
	assert.EqualValues(t, 70, next())
	close(a.cmds)
	close(b.cmds)
	assert.Equal(t, MaxWatermark, next(), "ended inputs")
	_, err = job.Wait()
	require.NoError(t, err)
}

// gateSink reports its first row, for jobs that must produce output while
// their sources still run.
type gateSink struct {
	c     *Collected
	inner Sink
	first chan struct{}
}

func (s *gateSink) Open(ctx context.Context, rt *RuntimeContext) error { return s.inner.Open(ctx, rt) }
func (s *gateSink) Write(ctx context.Context, b *vectorized.Batch) error {
	select {
	case s.first <- struct{}{}:
	default:
	}
	return s.inner.Write(ctx, b)
}
func (s *gateSink) Finish(ctx context.Context) error { return s.inner.Finish(ctx) }
func (s *gateSink) Close() error                     { return s.inner.Close() }

// holdSource emits its batches, then waits for release before ending.
type holdSource struct {
	batches []*vectorized.Batch
	release chan struct{}
}

func (s *holdSource) Open(context.Context, *RuntimeContext) error { return nil }
func (s *holdSource) Close() error                                { return nil }
func (s *holdSource) Run(ctx context.Context, out Collector) error {
	for _, b := range s.batches {
		if err := out.Collect(ctx, b); err != nil {
			return err
		}
	}
	select {
	case <-s.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// A job with two sources, one of which never sends a row: its watermark
// assigner marks it idle after the idle timeout, and the other source's
// watermark alone fires the window while both still run.
func TestIdleSourceDoesNotStallWindows(t *testing.T) {
	mem := checkedMem(t)
	batches := evtBatches(t, mem, []evt{{"a", 1000, 1}, {"a", 2000, 2}, {"a", 12_000, 3}}, 1)
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	release := make(chan struct{})
	first := make(chan struct{}, 1)
	var out Collected
	wmOp := func() Operator {
		return NewWatermarkAssigner(WatermarkSpec{Expr: tsMinus{1, 0}, Interval: 5 * time.Millisecond, IdleTimeout: 50 * time.Millisecond})
	}
	spec := WindowSpec{Kind: Tumble, TimeCol: 1, Size: 5 * time.Second}
	g := &JobGraph{Name: "idle", Mem: mem, Vertices: []*Vertex{
		{ID: 1, Name: "busy", Parallelism: 1, Source: func(int) Source { return &holdSource{batches: batches, release: release} },
			Chain: []func() Operator{wmOp}},
		{ID: 2, Name: "idle", Parallelism: 1, Source: func(int) Source { return &holdSource{release: release} },
			Chain: []func() Operator{wmOp}},
		{ID: 3, Name: "agg", Parallelism: 2, Inputs: []Edge{
			{From: 1, Partition: Partitioning{Kind: Hash, Keys: []int{0}}}, {From: 2, Partition: Partitioning{Kind: Hash, Keys: []int{0}}}},
			Chain: []func() Operator{func() Operator {
				return NewWindowAggregate(WindowAggSpec{Keys: []int{0}, Aggs: evtAggs, Window: spec})
			}},
			Sink: func(int) Sink { return &gateSink{c: &out, inner: &collectSink{c: &out}, first: first} }},
	}}
	job, err := Submit(context.Background(), g, Config{})
	require.NoError(t, err)
	select {
	case <-first:
	case <-time.After(10 * time.Second):
		t.Fatal("the idle source held the window back")
	}
	close(release)
	_, err = job.Wait()
	require.NoError(t, err)
	assert.Equal(t, []string{
		"+I[a, 2, 3, 2, 1, 2, 1970-01-01 00:00:00.000, 1970-01-01 00:00:05.000, 1970-01-01 00:00:04.999]",
		"+I[a, 1, 3, 3, 3, 1, 1970-01-01 00:00:10.000, 1970-01-01 00:00:15.000, 1970-01-01 00:00:14.999]",
	}, strs(out.Rows()))
}

// procClock is an injectable processing-time clock.
type procClock struct{ now time.Time }

func (c *procClock) Now() time.Time { return c.now }

// Processing-time windows fire when the clock passes their end, from
// OnTimer, whatever the rows' times; the rest fires at the end of input.
func TestWindowAggregateProcessingTime(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec WindowSpec
		// advances of the clock (ms) before each row, and the rows
		// expected after the timer at the end of each step
		want [][]string
	}{
		{"tumble", WindowSpec{Kind: Tumble, ProcTime: true, LTZ: true, Size: time.Second}, [][]string{
			nil, nil,
			{"+I[a, 2, 3, 2, 1, 2, 1970-01-01 00:00:10.000, 1970-01-01 00:00:11.000, 1970-01-01 00:00:10.999]"},
			nil,
		}},
		{"session", WindowSpec{Kind: Session, ProcTime: true, LTZ: true, Gap: 500 * time.Millisecond}, [][]string{
			nil, nil,
			{"+I[a, 2, 3, 2, 1, 2, 1970-01-01 00:00:10.100, 1970-01-01 00:00:10.900, 1970-01-01 00:00:10.899]"},
			nil,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := checkedMem(t)
			clock := &procClock{now: time.UnixMilli(10_100)}
			op := NewWindowAggregate(WindowAggSpec{Keys: []int{0}, Aggs: evtAggs, Window: tc.spec})
			switch o := op.(type) {
			case *windowAgg:
				o.now = clock.Now
			case *sessionAgg:
				o.now = clock.Now
			}
			h := newHarness(t, mem, op, Config{})
			pt := op.(ProcessingTimer)
			steps := []int64{0, 300, 700, 400}
			for i, adv := range steps {
				clock.now = clock.now.Add(time.Duration(adv) * time.Millisecond)
				h.process(makeBatch(t, mem, evtSchema, nil, []any{"a", int64(0), int64(i + 1)}))
				h.out = nil
				if next := pt.NextTimer(); !next.IsZero() && !next.After(clock.now) {
					require.NoError(t, pt.OnTimer(context.Background(), clock.now, h))
				}
				got := strs(h.out)
				if len(got) == 0 {
					got = nil
				}
				assert.Equal(t, tc.want[i], got, "step %d", i)
			}
			rest := h.endInput()
			assert.Len(t, rest, 1)
		})
	}
}

// replaySource emits fixed batches, keeping its position in operator
// state; it fails once after emitting failAt batches.
type replaySource struct {
	batches []*vectorized.Batch
	failAt  int
	failed  *atomic.Bool
	pos     int
	list    *state.OperatorListState
	// checkpointed: a checkpoint completed. The source fails only then
	// (however loaded the machine: a failure before any checkpoint would
	// restart from nothing and test no restore).
	checkpointed bool
}

func (s *replaySource) Open(_ context.Context, rt *RuntimeContext) error {
	ops, err := rt.OperatorState()
	if err != nil {
		return err
	}
	if s.list, err = ops.ListState("pos", state.SplitDistribute); err != nil {
		return err
	}
	for _, e := range s.list.Get() {
		s.pos = max(s.pos, int(binary.BigEndian.Uint64(e)))
	}
	return nil
}

func (s *replaySource) Run(ctx context.Context, out Collector) error {
	for s.pos < len(s.batches) {
		b := s.batches[s.pos]
		s.pos++ // before Collect: a snapshot inside it covers this batch
		if err := out.Collect(ctx, b); err != nil {
			return err
		}
		for s.pos >= s.failAt && !s.failed.Load() {
			if s.checkpointed && s.failed.CompareAndSwap(false, true) {
				return errors.New("injected source failure")
			}
			if err := s.pause(ctx, out); err != nil {
				return err
			}
		}
		if err := s.pause(ctx, out); err != nil {
			return err
		}
	}
	return nil
}

// pause waits a millisecond and lets checkpoints in.
func (s *replaySource) pause(ctx context.Context, out Collector) error {
	select {
	case <-time.After(time.Millisecond):
	case <-ctx.Done():
		return ctx.Err()
	}
	return Yield(ctx, out)
}

func (s *replaySource) NotifyCheckpointComplete(context.Context, int64) error {
	s.checkpointed = true
	return nil
}

func (s *replaySource) SnapshotState(context.Context, CheckpointInfo) error {
	s.list.Update([][]byte{binary.BigEndian.AppendUint64(nil, uint64(s.pos))})
	return nil
}

func (s *replaySource) Close() error { return nil }

// A source fails in the middle of the input, with windows open; the job
// restarts from the last checkpoint and the windows' results equal the
// uninterrupted run's (the sink is at-least-once: rows emitted after the
// checkpoint and before the failure come again, identical).
func TestWindowAggregateCheckpointRestore(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	evs := randomEvents(rng, 600)
	for _, wk := range windowKinds {
		for _, backend := range []string{state.BackendHashMap, state.BackendPebble} {
			for _, par := range []int{1, 3} {
				t.Run(fmt.Sprintf("%s/%s/p%d", wk.name, backend, par), func(t *testing.T) {
					mem := checkedMem(t)
					const size = 5
					batches := evtBatches(t, mem, evs, size)
					defer func() {
						for _, b := range batches {
							b.Release()
						}
					}()
					var failed atomic.Bool
					var out Collected
					g := windowJob(mem, batches, wk.spec, 1000, par, &out)
					g.Vertices[0].Source = func(int) Source {
						return &replaySource{batches: batches, failAt: len(batches) / 2, failed: &failed}
					}
					cfg := ckptConfig(t.TempDir(), state.ConfigBackendType, backend, ConfigStateLocalDir, t.TempDir())
					res, err := Execute(context.Background(), g, cfg)
					require.NoError(t, err)
					require.True(t, failed.Load())
					require.Positive(t, res.Checkpoints.RestoredID, "restarted from a checkpoint")
					want, _ := refWindows(wk.spec, evs, size, 1000)
					got := strs(out.Rows())
					sort.Strings(got)
					assert.Equal(t, want, slices.Compact(got))
				})
			}
		}
	}
}

// wmOut records what an operator emits: rows, watermarks, idleness.
type wmOut struct {
	rows  int
	wms   []int64
	idles []bool
}

func (o *wmOut) Collect(_ context.Context, b *vectorized.Batch) error {
	o.rows += int(b.NumRows())
	return nil
}
func (o *wmOut) EmitWatermark(_ context.Context, ts int64) error {
	o.wms = append(o.wms, ts)
	return nil
}
func (o *wmOut) MarkIdle(_ context.Context, idle bool) error {
	o.idles = append(o.idles, idle)
	return nil
}

// The assigner keeps the maximum of the expression (NULLs ignored) and
// emits it after each batch (interval 0) or on its timer; after the idle
// timeout without rows it marks the subtask idle, and the next row makes
// it active again; upstream watermarks but the final one are swallowed.
func TestWatermarkAssigner(t *testing.T) {
	mem := checkedMem(t)
	row := func(ts any) *vectorized.Batch { return makeBatch(t, mem, evtSchema, nil, []any{"a", ts, int64(1)}) }
	ctx := context.Background()
	t.Run("every batch", func(t *testing.T) {
		a := NewWatermarkAssigner(WatermarkSpec{Expr: tsMinus{1, 100}})
		newHarness(t, mem, a, Config{})
		out := &wmOut{}
		for _, ts := range []any{int64(1000), int64(900), nil, int64(1500)} {
			b := row(ts)
			require.NoError(t, a.Process(ctx, 0, b, out))
			b.Release()
		}
		assert.Equal(t, []int64{900, 1400}, out.wms, "out-of-order and NULL rows do not move it")
		assert.Equal(t, 4, out.rows)
		fwd, err := a.(WatermarkHandler).ProcessWatermark(ctx, 5000, out)
		require.NoError(t, err)
		assert.Equal(t, MinWatermark, fwd, "upstream watermarks are swallowed")
		fwd, err = a.(WatermarkHandler).ProcessWatermark(ctx, MaxWatermark, out)
		require.NoError(t, err)
		assert.Equal(t, MaxWatermark, fwd, "the end of input goes on")
	})
	t.Run("interval and idleness", func(t *testing.T) {
		clock := &procClock{now: time.UnixMilli(0)}
		a := &watermarkAssigner{spec: WatermarkSpec{Expr: tsMinus{1, 0}, Interval: 200 * time.Millisecond, IdleTimeout: time.Second}, now: clock.Now}
		newHarness(t, mem, a, Config{})
		out := &wmOut{}
		step := func(ms int64, ts any) {
			clock.now = clock.now.Add(time.Duration(ms) * time.Millisecond)
			if ts != nil {
				b := row(ts)
				require.NoError(t, a.Process(ctx, 0, b, out))
				b.Release()
			}
			for next := a.NextTimer(); !next.IsZero() && !next.After(clock.now); next = a.NextTimer() {
				require.NoError(t, a.OnTimer(ctx, clock.now, out))
			}
		}
		step(50, int64(700))
		assert.Empty(t, out.wms, "not before the interval")
		step(150, nil)
		assert.Equal(t, []int64{700}, out.wms)
		step(200, nil)
		assert.Equal(t, []int64{700}, out.wms, "nothing new")
		step(1000, nil)
		assert.Equal(t, []bool{true}, out.idles, "idle a second after the last row")
		step(100, int64(800))
		assert.Equal(t, []bool{true, false}, out.idles, "a row makes it active")
		step(200, nil)
		assert.Equal(t, []int64{700, 800}, out.wms)
	})
}

// Window state written by three subtasks restores into one (and the
// watermark fired up to is the minimum of theirs): rescaling moves whole
// key groups with their open windows.
func TestWindowAggregateRescale(t *testing.T) {
	for _, wk := range windowKinds {
		t.Run(wk.name, func(t *testing.T) {
			mem := checkedMem(t)
			rng := rand.New(rand.NewPCG(31, 32))
			evs := randomEvents(rng, 300)
			for i := range evs {
				evs[i].k = fmt.Sprintf("k%d", rng.IntN(40))
			}
			half := len(evs) / 2
			spec := WindowAggSpec{Keys: []int{0}, Aggs: evtAggs, Window: wk.spec}
			ctx := context.Background()
			var dirs []string
			var got []string
			// Three subtasks take the first half, each its key groups'
			// rows; a watermark fires what it completes.
			wm := int64(1_000_000 + 20_000)
			for sub := 0; sub < 3; sub++ {
				inst := NewInstanceForTest(InstanceOptions{Subtask: sub, Parallelism: 3, Mem: mem, Checkpointing: true})
				op := NewWindowAggregate(spec)
				require.NoError(t, op.Open(ctx, inst.RT))
				h := &harness{t: t, op: op, mem: mem, rt: inst.RT}
				r := inst.RT.KeyGroups()
				var mine []evt
				for _, e := range evs[:half] {
					if kg := keyGroupOfString(inst.RT, e.k); int(kg) >= r.Start && int(kg) <= r.End {
						mine = append(mine, e)
					}
				}
				if len(mine) > 0 {
					h.process(evtBatches(t, mem, mine, len(mine))[0])
				}
				_, err := op.(WatermarkHandler).ProcessWatermark(ctx, wm, h)
				require.NoError(t, err)
				got = append(got, strs(h.out)...)
				require.NoError(t, op.(Checkpointed).SnapshotState(ctx, CheckpointInfo{ID: 1}))
				dir := t.TempDir()
				require.NoError(t, inst.Snapshot(dir))
				dirs = append(dirs, dir)
				require.NoError(t, op.Close())
				require.NoError(t, inst.Close())
			}
			inst := NewInstanceForTest(InstanceOptions{Mem: mem, Checkpointing: true, RestoreFrom: dirs, RestoreID: 1})
			op := NewWindowAggregate(spec)
			require.NoError(t, op.Open(ctx, inst.RT))
			h := &harness{t: t, op: op, mem: mem, rt: inst.RT}
			h.out = nil
			h.process(evtBatches(t, mem, evs[half:], len(evs)-half)[0])
			_, err := op.(WatermarkHandler).ProcessWatermark(ctx, MaxWatermark, h)
			require.NoError(t, err)
			got = append(got, strs(h.out)...)
			require.NoError(t, op.Close())
			require.NoError(t, inst.Close())
			sort.Strings(got)
			want := refSplit(wk.spec, evs, half, wm)
			assert.Equal(t, want, got)
		})
	}
}

func keyGroupOfString(rt *RuntimeContext, k string) uint16 {
	b := array.NewStringBuilder(memory.DefaultAllocator)
	b.Append(k)
	col := b.NewArray()
	defer col.Release()
	h := make([]uint64, 1)
	vectorized.HashColumns([]arrow.Array{col}, h)
	return rt.KeyGroupOf(h[0])
}

// refSplit is refWindows for two batches, the first followed by the
// watermark wm and the second by the end of input.
func refSplit(spec WindowSpec, evs []evt, half int, wm int64) []string {
	// Delay chosen so that max(first half) - delay = wm.
	maxTS := MinWatermark
	for _, e := range evs[:half] {
		maxTS = max(maxTS, e.ts)
	}
	var out []string
	two := append(slices.Clone(evs[:half]), evs[half:]...)
	res, _ := refWindowsSized(spec, two, []int{half, len(evs) - half}, maxTS-wm)
	out = append(out, res...)
	return out
}

// A window aggregate without GROUP BY keys (one group per window), on a
// single subtask as the planner runs it.
func TestWindowAggregateGlobal(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	evs := randomEvents(rng, 300)
	for i := range evs {
		evs[i].k = ""
	}
	for _, wk := range windowKinds {
		for _, size := range []int{1, 7, DefaultBatchSize} {
			t.Run(fmt.Sprintf("%s/batch%d", wk.name, size), func(t *testing.T) {
				mem := checkedMem(t)
				batches := evtBatches(t, mem, evs, size)
				defer func() {
					for _, b := range batches {
						b.Release()
					}
				}()
				var out Collected
				g := windowJob(mem, batches, wk.spec, 1000, 1, &out)
				g.Vertices[1].Inputs[0].Partition = Partitioning{Kind: Global}
				g.Vertices[1].Chain[0] = func() Operator {
					return NewWindowAggregate(WindowAggSpec{Aggs: evtAggs, Window: wk.spec})
				}
				res, err := Execute(context.Background(), g, Config{})
				require.NoError(t, err)
				want, late := refWindows(wk.spec, evs, size, 1000)
				for i := range want {
					want[i] = strings.Replace(want[i], "+I[, ", "+I[", 1)
				}
				got := strs(out.Rows())
				sort.Strings(got)
				assert.Equal(t, want, got)
				assert.Equal(t, late, lateDropped(res))
			})
		}
	}
}

// The window TVF in a job, at batch sizes 1, 7 and default and parallelism
// 1 and 3: every row once per window it belongs to.
func TestWindowTVFJob(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	evs := randomEvents(rng, 200)
	for _, wk := range windowKinds[:5] {
		wa, err := newWindowAssigner(wk.spec)
		require.NoError(t, err)
		var want []string
		for _, e := range evs {
			for j := 0; j < wa.perRow; j++ {
				if s, en, ok := wa.window(e.ts, j); ok {
					want = append(want, Row{Values: []any{e.k, fmtTS(e.ts), e.v, fmtTS(s), fmtTS(en), fmtTS(en - 1)}}.String())
				}
			}
		}
		sort.Strings(want)
		for _, size := range []int{1, 7, DefaultBatchSize} {
			for _, par := range []int{1, 3} {
				t.Run(fmt.Sprintf("%s/batch%d/p%d", wk.name, size, par), func(t *testing.T) {
					mem := checkedMem(t)
					batches := evtBatches(t, mem, evs, size)
					defer func() {
						for _, b := range batches {
							b.Release()
						}
					}()
					var out Collected
					spec := wk.spec
					g := &JobGraph{Name: "tvf", Mem: mem, Vertices: []*Vertex{
						{ID: 1, Name: "src", Parallelism: 1, Source: NewValuesSource(batches)},
						{ID: 2, Name: "tvf", Parallelism: par, Inputs: []Edge{{From: 1, Partition: Partitioning{Kind: Rebalance}}},
							Chain: []func() Operator{func() Operator { return NewWindowTVF(spec) }},
							Sink:  NewCollectSink(&out)},
					}}
					_, err := Execute(context.Background(), g, Config{})
					require.NoError(t, err)
					got := strs(out.Rows())
					sort.Strings(got)
					assert.Equal(t, want, got)
					require.Equal(t, 6, out.Schema().NumFields())
					assert.Equal(t, "window_time", out.Schema().Field(5).Name)
				})
			}
		}
	}
}

// Windows over a TIMESTAMP_LTZ time attribute are aligned in the session
// time zone: a 1-day TUMBLE in Asia/Shanghai (UTC+8) starts at local
// midnight; window_start/end are that wall clock as TIMESTAMP(3), and
// window_time the instant of the local end - 1 ms (TIMESTAMP_LTZ); the
// aggregate fires when the watermark reaches that instant.
func TestWindowLTZAlignsInSessionTimeZone(t *testing.T) {
	mem := checkedMem(t)
	loc, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	ltz := &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}
	schema := schemaOf(field("k", arrow.BinaryTypes.String), field("ts", ltz), field("v", arrow.PrimitiveTypes.Int64))
	rt := func() *RuntimeContext {
		return &RuntimeContext{JobName: "test", Parallelism: 1, Mem: mem, Metrics: &OperatorMetrics{}, Config: Config{},
			EvalContext: func() *vectorized.EvalContext {
				return &vectorized.EvalContext{Ctx: context.Background(), Mem: mem, Now: time.Now(), Location: loc}
			}}
	}
	// 2020-04-15 20:00 UTC is 2020-04-16 04:00 in Shanghai.
	at := time.Date(2020, 4, 15, 20, 0, 0, 0, time.UTC).UnixMilli()
	spec := WindowSpec{Kind: Tumble, TimeCol: 1, Size: 24 * time.Hour, LTZ: true}
	want := "2020-04-16 00:00:00.000, 2020-04-17 00:00:00.000, 2020-04-16 15:59:59.999]"

	tvf := NewWindowTVF(spec)
	require.NoError(t, tvf.Open(context.Background(), rt()))
	h := &harness{t: t, op: tvf, mem: mem}
	got := h.process(makeBatch(t, mem, schema, nil, []any{"a", at, int64(1)}))
	require.Len(t, got, 1)
	assert.Equal(t, "+I[a, 2020-04-15 20:00:00.000, 1, "+want, got[0].String())

	agg := NewWindowAggregate(WindowAggSpec{Keys: []int{0}, Aggs: []AggCall{{Func: CountStar}}, Window: spec})
	require.NoError(t, agg.Open(context.Background(), rt()))
	h = &harness{t: t, op: agg, mem: mem}
	h.process(makeBatch(t, mem, schema, nil, []any{"a", at, int64(1)}))
	wh := agg.(WatermarkHandler)
	endUTC := time.Date(2020, 4, 16, 16, 0, 0, 0, time.UTC).UnixMilli() // local midnight of the 17th
	_, err = wh.ProcessWatermark(context.Background(), endUTC-2, h)
	require.NoError(t, err)
	assert.Empty(t, h.out, "not before the local end - 1 ms")
	_, err = wh.ProcessWatermark(context.Background(), endUTC-1, h)
	require.NoError(t, err)
	assert.Equal(t, []string{"+I[a, 1, " + want}, strs(h.out))
	require.NoError(t, agg.Close())
}

// slowSource emits one row per batch every few milliseconds.
type slowSource struct {
	mem  memory.Allocator
	rows int
}

func (s *slowSource) Open(context.Context, *RuntimeContext) error { return nil }
func (s *slowSource) Close() error                                { return nil }
func (s *slowSource) Run(ctx context.Context, out Collector) error {
	for i := 0; i < s.rows; i++ {
		b := array.NewRecordBuilder(s.mem, evtSchema)
		b.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("k%d", i%3))
		b.Field(1).(*array.TimestampBuilder).Append(0)
		b.Field(2).(*array.Int64Builder).Append(1)
		batch := &vectorized.Batch{Record: b.NewRecordBatch()}
		b.Release()
		err := out.Collect(ctx, batch)
		batch.Release()
		if err != nil {
			return err
		}
		time.Sleep(3 * time.Millisecond)
	}
	return nil
}

// Processing-time windows in a job: the task's timer fires them while
// rows arrive (several windows), the end of input fires the last; every
// row is counted once.
func TestWindowAggregateProcessingTimeJob(t *testing.T) {
	for _, kind := range []WindowSpec{
		{Kind: Tumble, ProcTime: true, Size: 40 * time.Millisecond},
		{Kind: Session, ProcTime: true, Gap: 4 * time.Millisecond}, // a key's rows are ~9 ms apart
	} {
		for _, par := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/p%d", kind, par), func(t *testing.T) {
				mem := checkedMem(t)
				var out Collected
				spec := kind
				g := &JobGraph{Name: "proc", Mem: mem, Vertices: []*Vertex{
					{ID: 1, Name: "src", Parallelism: 1, Source: func(int) Source { return &slowSource{mem: mem, rows: 60} }},
					{ID: 2, Name: "agg", Parallelism: par, Inputs: []Edge{{From: 1, Partition: Partitioning{Kind: Hash, Keys: []int{0}}}},
						Chain: []func() Operator{func() Operator {
							return NewWindowAggregate(WindowAggSpec{Keys: []int{0}, Aggs: []AggCall{{Func: CountStar}}, Window: spec})
						}},
						Sink: NewCollectSink(&out)},
				}}
				_, err := Execute(context.Background(), g, Config{})
				require.NoError(t, err)
				var total int64
				windows := map[string]int{}
				for _, r := range out.Rows() {
					total += r.Values[1].(int64)
					windows[r.Values[0].(string)]++
				}
				assert.EqualValues(t, 60, total)
				assert.Len(t, windows, 3)
				for k, n := range windows {
					assert.Greater(t, n, 1, "key %s: windows fired while rows came", k)
				}
			})
		}
	}
}

// Rows with a NULL rowtime are dropped and counted, by the window TVF and
// by every window aggregate (Flink's numNullRowTimeRecordsDropped).
func TestWindowNullRowtimeDropped(t *testing.T) {
	for _, wk := range windowKinds {
		t.Run(wk.name, func(t *testing.T) {
			mem := checkedMem(t)
			ops := []Operator{NewWindowAggregate(WindowAggSpec{Keys: []int{0}, Aggs: []AggCall{{Func: CountStar}}, Window: wk.spec})}
			if wk.spec.Kind != Session {
				ops = append(ops, NewWindowTVF(wk.spec))
			}
			for _, op := range ops {
				h := newHarness(t, mem, op, Config{})
				out := h.process(makeBatch(t, mem, evtSchema, nil, []any{"a", nil, int64(1)}, []any{"a", int64(1000), int64(2)}, []any{"b", nil, int64(3)}))
				if _, ok := op.(WatermarkHandler); ok {
					_, err := op.(WatermarkHandler).ProcessWatermark(context.Background(), MaxWatermark, h)
					require.NoError(t, err)
					require.NotEmpty(t, h.out)
					for _, r := range h.out {
						assert.Equal(t, []any{"a", int64(1)}, r.Values[:2], "only the row with a rowtime, in each of its windows")
					}
				} else {
					for _, r := range out {
						assert.Equal(t, "a", r.Values[0])
					}
				}
				assert.EqualValues(t, 2, h.rt.Metrics.Counter("numNullRowTimeRecordsDropped").Load())
			}
		})
	}
}

// Keys whose sessions all fired leave the session operator's key table:
// memory follows the open sessions, not every key ever seen.
func TestSessionForgetsClosedKeys(t *testing.T) {
	mem := checkedMem(t)
	op := NewWindowAggregate(WindowAggSpec{Keys: []int{0}, Aggs: []AggCall{{Func: CountStar}}, Window: WindowSpec{Kind: Session, TimeCol: 1, Gap: time.Second}})
	h := newHarness(t, mem, op, Config{})
	s := op.(*sessionAgg)
	for round := int64(0); round < 5; round++ {
		var rows [][]any
		for k := 0; k < 100; k++ {
			rows = append(rows, []any{fmt.Sprintf("r%d-k%d", round, k), round * 10_000, int64(1)})
		}
		h.process(makeBatch(t, mem, evtSchema, nil, rows...))
		_, err := op.(WatermarkHandler).ProcessWatermark(context.Background(), round*10_000+5_000, h)
		require.NoError(t, err)
		assert.Len(t, h.out, 100)
		assert.Zero(t, s.keys.live, "round %d", round)
	}
	assert.LessOrEqual(t, s.keys.size(), 100, "key ids are reused")
}

// The SESSION table function alone, on the same out-of-order input with
// late rows, at batch sizes 1, 7 and default and parallelism 1 and 3, on a
// checked allocator: aggregated per session afterwards, its rows give the
// session window aggregate's model; within a session they come in arrival
// order; late rows are counted.
func TestSessionTVFEventTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	evs := randomEvents(rng, 400)
	for i := range evs {
		evs[i].v = int64(i) // the arrival number, to check the order
	}
	spec := WindowSpec{Kind: Session, TimeCol: 1, Gap: 700 * time.Millisecond, PartitionKeys: []int{0}}
	for _, size := range []int{1, 7, DefaultBatchSize} {
		for _, par := range []int{1, 3} {
			t.Run(fmt.Sprintf("batch%d/p%d", size, par), func(t *testing.T) {
				mem := checkedMem(t)
				batches := evtBatches(t, mem, evs, size)
				defer func() {
					for _, b := range batches {
						b.Release()
					}
				}()
				var out Collected
				g := &JobGraph{Name: "session-tvf", Mem: mem, Vertices: []*Vertex{
					{ID: 1, Name: "src", Parallelism: 1, Source: NewValuesSource(batches),
						Chain: []func() Operator{func() Operator { return NewWatermarkAssigner(WatermarkSpec{Expr: tsMinus{1, 1000}}) }}},
					{ID: 2, Name: "sessions", Parallelism: par, Inputs: []Edge{{From: 1, Partition: Partitioning{Kind: Hash, Keys: []int{0}}}},
						Chain: []func() Operator{func() Operator { return NewWindowTVF(spec) }},
						Sink:  NewCollectSink(&out)},
				}}
				res, err := Execute(context.Background(), g, Config{})
				require.NoError(t, err)
				type wkey struct{ k, start, end string }
				accs := map[wkey]*refAcc{}
				last := map[wkey]int64{}
				for _, r := range out.Rows() {
					require.Len(t, r.Values, 6)
					w := wkey{r.Values[0].(string), r.Values[3].(string), r.Values[4].(string)}
					assert.Equal(t, fmtTS(mustParseTS(t, w.end)-1), r.Values[5], "window_time is window_end - 1 ms")
					v := r.Values[2].(int64)
					if p, ok := last[w]; ok {
						assert.Greater(t, v, p, "rows of a session in arrival order")
					}
					last[w] = v
					if accs[w] == nil {
						accs[w] = &refAcc{}
					}
					accs[w].add(v)
				}
				var got []string
				for w, a := range accs {
					got = append(got, Row{Values: []any{w.k, a.n, a.sum, a.max, a.sum / a.n, int64(len(a.distinct)), w.start, w.end, fmtTS(mustParseTS(t, w.end) - 1)}}.String())
				}
				sort.Strings(got)
				want, late := refWindows(spec, evs, size, 1000)
				assert.Equal(t, want, got)
				assert.Equal(t, late, lateDropped(res))
			})
		}
	}
}

func mustParseTS(t *testing.T, s string) int64 {
	tm, err := time.Parse("2006-01-02 15:04:05.000", s)
	require.NoError(t, err)
	return tm.UnixMilli()
}
