package datastream_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/datastream"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/python"
	"github.com/sluice-stream/sluice/vectorized"
)

func TestMain(m *testing.M) {
	if err := python.Install(false); err != nil {
		fmt.Fprintln(os.Stderr, "datastream tests need the embedded interpreter:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// pyRunner runs src (with make_runner, the state descriptors, Types and
// the function interfaces imported) and returns the runner named runner.
func pyRunner(t testing.TB, src string) *cpython.Object {
	t.Helper()
	prelude := "from sluice.datastream._keyed import make_runner\n" +
		"from sluice.datastream.state import *\n" +
		"from sluice.datastream.functions import KeyedProcessFunction, ReduceFunction, AggregateFunction\n" +
		"from sluice.datastream import TimeDomain\n" +
		"from sluice.common.typeinfo import Types\n" +
		"from sluice.common.time import Time\n"
	var r *cpython.Object
	require.NoError(t, cpython.Do(func(py *cpython.GIL) error {
		ns, err := py.Exec("<test "+t.Name()+">", prelude+src)
		if err != nil {
			return err
		}
		defer py.DecRef(ns)
		r, err = py.GetItem(ns, "runner")
		return err
	}))
	t.Cleanup(func() { _ = cpython.Do(func(py *cpython.GIL) error { py.DecRef(r); return nil }) })
	return r
}

// rec is one input record: key, value, timestamp (ms).
type rec struct {
	key string
	val int64
	ts  int64
}

var inSchema = arrow.NewSchema([]arrow.Field{
	{Name: "key", Type: arrow.BinaryTypes.String},
	{Name: "f0", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "rowtime", Type: arrow.FixedWidthTypes.Timestamp_ms, Nullable: true},
}, nil)

func batchOf(mem memory.Allocator, recs ...rec) *vectorized.Batch {
	kb := array.NewStringBuilder(mem)
	vb := array.NewInt64Builder(mem)
	tb := array.NewTimestampBuilder(mem, arrow.FixedWidthTypes.Timestamp_ms.(*arrow.TimestampType))
	defer kb.Release()
	defer vb.Release()
	defer tb.Release()
	for _, r := range recs {
		kb.Append(r.key)
		vb.Append(r.val)
		tb.Append(arrow.Timestamp(r.ts))
	}
	cols := []arrow.Array{kb.NewArray(), vb.NewArray(), tb.NewArray()}
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	return &vectorized.Batch{Record: array.NewRecordBatch(inSchema, cols, int64(len(recs)))}
}

// run is one operator instance driven as the runtime drives it.
type run struct {
	t    testing.TB
	mem  *memory.CheckedAllocator
	inst *engine.Instance
	op   engine.Operator
	out  []string
}

type runOpts struct {
	backend    string
	restore    []string
	subtask    int
	par        int
	now        func() time.Time
	outType    arrow.DataType
	batchSize  int
	noRowtime  bool
	checkpoint bool
}

func newRun(t testing.TB, runner *cpython.Object, o runOpts) *run {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	if o.outType == nil {
		o.outType = arrow.BinaryTypes.String
	}
	cfg := engine.Config{}
	if o.batchSize > 0 {
		cfg[engine.ConfigBatchSize] = fmt.Sprint(o.batchSize)
	}
	inst := engine.NewInstanceForTest(engine.InstanceOptions{
		Name: "KeyedProcess", Backend: o.backend, RestoreFrom: o.restore, RestoreID: 1, Subtask: o.subtask,
		Parallelism: o.par, Config: cfg, Mem: mem, Checkpointing: true, LocalDir: t.TempDir(),
	})
	spec := datastream.KeyedProcessSpec{
		Name: "Fn", Runner: runner, KeyCol: 0, ValueCol: 1, RowtimeCol: 2, KeyType: arrow.BinaryTypes.String,
		Rowtime: inSchema.Field(2), OutType: o.outType, Now: o.now,
	}
	if o.noRowtime {
		spec.RowtimeCol = -1
	}
	r := &run{t: t, mem: mem, inst: inst, op: datastream.NewKeyedProcess(spec)}
	require.NoError(t, r.op.Open(context.Background(), inst.RT))
	return r
}

// Collect renders each output as "f0@ts" (ts in ms, or "-" for NULL;
// no "@" without a timestamp column).
func (r *run) Collect(_ context.Context, b *vectorized.Batch) error {
	require.Nil(r.t, b.Kinds, "outputs are insert-only")
	f0 := b.Record.Column(0)
	for i := 0; i < int(b.Record.NumRows()); i++ {
		s := f0.ValueStr(i)
		if b.Record.NumCols() > 1 {
			ts := b.Record.Column(1).(*array.Timestamp)
			if ts.IsNull(i) {
				s += "@-"
			} else {
				s += fmt.Sprintf("@%d", int64(ts.Value(i)))
			}
		}
		r.out = append(r.out, s)
	}
	return nil
}

func (r *run) process(recs ...rec) []string {
	r.t.Helper()
	r.out = nil
	b := batchOf(r.mem, recs...)
	defer b.Release()
	require.NoError(r.t, r.op.Process(context.Background(), 0, b, r))
	return r.out
}

func (r *run) watermark(wm int64) []string {
	r.t.Helper()
	r.out = nil
	fwd, err := r.op.(engine.WatermarkHandler).ProcessWatermark(context.Background(), wm, r)
	require.NoError(r.t, err)
	require.Equal(r.t, wm, fwd)
	return r.out
}

func (r *run) clock(now time.Time) []string {
	r.t.Helper()
	r.out = nil
	require.NoError(r.t, r.op.(engine.ProcessingTimer).OnTimer(context.Background(), now, r))
	return r.out
}

// checkpoint takes a checkpoint into a new directory and returns it.
func (r *run) checkpoint() string {
	r.t.Helper()
	dir := r.t.TempDir()
	require.NoError(r.t, r.op.(engine.Checkpointed).SnapshotState(context.Background(), engine.CheckpointInfo{ID: 1}))
	require.NoError(r.t, r.inst.Snapshot(dir))
	return dir
}

func (r *run) close() {
	r.t.Helper()
	require.NoError(r.t, r.op.Close())
	require.NoError(r.t, r.inst.Close())
	r.mem.AssertSize(r.t, 0)
}

const countFn = `
class Count(KeyedProcessFunction):
    def open(self, ctx):
        self.count = ctx.get_state(ValueStateDescriptor("count", Types.LONG()))

    def process_element(self, value, ctx):
        c = (self.count.value() or 0) + 1
        self.count.update(c)
        yield "%s:%d:%d" % (ctx.get_current_key(), value, c)

runner = make_runner(Count(), "process", output_type=Types.STRING(), key_type=Types.STRING(), value_type=Types.LONG())
`

func TestKeyedValueStateCounts(t *testing.T) {
	for _, backend := range []string{"hashmap", "pebble"} {
		t.Run(backend, func(t *testing.T) {
			r := newRun(t, pyRunner(t, countFn), runOpts{backend: backend})
			// A key repeated in a batch sees its own earlier updates.
			require.Equal(t, []string{"a:1:1@1000", "b:2:1@2000", "a:3:2@3000", "a:4:3@4000"},
				r.process(rec{"a", 1, 1000}, rec{"b", 2, 2000}, rec{"a", 3, 3000}, rec{"a", 4, 4000}))
			require.Equal(t, []string{"b:5:2@5000", "c:6:1@6000", "a:7:4@7000"},
				r.process(rec{"b", 5, 5000}, rec{"c", 6, 6000}, rec{"a", 7, 7000}))
			r.close()
		})
	}
}

const collectionsFn = `
class Sum(AggregateFunction):
    def create_accumulator(self):
        return [0, 0]
    def add(self, value, acc):
        return [acc[0] + value, acc[1] + 1]
    def get_result(self, acc):
        return "%d/%d" % (acc[0], acc[1])
    def merge(self, a, b):
        return [a[0] + b[0], a[1] + b[1]]

class Collections(KeyedProcessFunction):
    def open(self, ctx):
        self.seen = ctx.get_list_state(ListStateDescriptor("seen", Types.LONG()))
        self.parity = ctx.get_map_state(MapStateDescriptor("parity", Types.STRING(), Types.LONG()))
        self.maxv = ctx.get_reducing_state(ReducingStateDescriptor("max", max, Types.LONG()))
        self.avg = ctx.get_aggregating_state(AggregatingStateDescriptor("avg", Sum(), Types.PICKLED_BYTE_ARRAY()))

    def process_element(self, value, ctx):
        if value < 0:
            # negative: clear everything of the key
            self.seen.clear(); self.parity.clear(); self.maxv.clear(); self.avg.clear()
            yield "%s cleared" % ctx.get_current_key()
            return
        if value == 0:
            self.seen.update([100])
            self.parity.remove("even")
        else:
            self.seen.add(value)
            p = "even" if value % 2 == 0 else "odd"
            self.parity.put(p, (self.parity.get(p) or 0) + 1)
        self.maxv.add(value)
        self.avg.add(value)
        yield "%s seen=%s parity=%s max=%s avg=%s" % (ctx.get_current_key(), list(self.seen.get()),
            sorted(self.parity.items()), self.maxv.get(), self.avg.get())

runner = make_runner(Collections(), "process", output_type=Types.STRING(), key_type=Types.STRING(), value_type=Types.LONG())
`

func TestKeyedListMapReducingAggregatingState(t *testing.T) {
	for _, backend := range []string{"hashmap", "pebble"} {
		t.Run(backend, func(t *testing.T) {
			runner := pyRunner(t, collectionsFn)
			r := newRun(t, runner, runOpts{backend: backend, noRowtime: true})
			require.Equal(t, []string{
				"a seen=[3] parity=[('odd', 1)] max=3 avg=3/1",
				"a seen=[3, 4] parity=[('even', 1), ('odd', 1)] max=4 avg=7/2",
				"b seen=[2] parity=[('even', 1)] max=2 avg=2/1",
			}, r.process(rec{"a", 3, 0}, rec{"a", 4, 0}, rec{"b", 2, 0}))
			// The next batch reads what the first wrote back; a checkpoint
			// and a restore in between keep it all.
			dir := r.checkpoint()
			r.close()
			r = newRun(t, runner, runOpts{backend: backend, noRowtime: true, restore: []string{dir}})
			require.Equal(t, []string{
				"a seen=[3, 4, 5] parity=[('even', 1), ('odd', 2)] max=5 avg=12/3",
				"a seen=[100] parity=[('odd', 2)] max=5 avg=12/4",
				"b cleared",
				"b seen=[1] parity=[('odd', 1)] max=1 avg=1/1",
				"a seen=[100, 6] parity=[('even', 1), ('odd', 2)] max=6 avg=18/5",
			}, r.process(rec{"a", 5, 0}, rec{"a", 0, 0}, rec{"b", -1, 0}, rec{"b", 1, 0}, rec{"a", 6, 0}))
			require.Equal(t, []string{
				"b seen=[1, 8] parity=[('even', 1), ('odd', 1)] max=8 avg=9/2",
				"c seen=[7] parity=[('odd', 1)] max=7 avg=7/1",
			}, r.process(rec{"b", 8, 0}, rec{"c", 7, 0}))
			r.close()
		})
	}
}

const eventTimersFn = `
class Timers(KeyedProcessFunction):
    def open(self, ctx):
        self.sum = ctx.get_state(ValueStateDescriptor("sum", Types.LONG()))

    def process_element(self, value, ctx):
        self.sum.update((self.sum.value() or 0) + value)
        ts = ctx.timestamp()
        ctx.timer_service().register_event_time_timer(ts + 10)
        if value == 99:
            # deleting a pending timer: the one registered for ts + 10
            ctx.timer_service().delete_event_time_timer(ts + 10)
        yield "in %s %d wm=%d" % (ctx.get_current_key(), value, ctx.timer_service().current_watermark())

    def on_timer(self, ts, ctx):
        yield "timer %s %d %s sum=%d" % (ctx.get_current_key(), ts, ctx.time_domain(), self.sum.value())
        if ts % 100 == 10:
            # a chained timer at or before the watermark fires in the same advance
            ctx.timer_service().register_event_time_timer(ts + 5)
        # a timer clearing its key's state, seen by the next timer of the key
        self.sum.update(0)

runner = make_runner(Timers(), "process", output_type=Types.STRING(), key_type=Types.STRING(), value_type=Types.LONG())
`

func TestKeyedEventTimeTimers(t *testing.T) {
	for _, batchSize := range []int{1, 1000} {
		t.Run(fmt.Sprint("batch", batchSize), func(t *testing.T) {
			r := newRun(t, pyRunner(t, eventTimersFn), runOpts{backend: "hashmap", batchSize: batchSize})
			require.Equal(t, []string{"in a 1 wm=-9223372036854775808@100", "in b 2 wm=-9223372036854775808@105",
				"in a 3 wm=-9223372036854775808@100", "in c 99 wm=-9223372036854775808@107"},
				r.process(rec{"a", 1, 100}, rec{"b", 2, 105}, rec{"a", 3, 100}, rec{"c", 99, 107}))
			require.Empty(t, r.watermark(109))
			// a's timer at 110 (registered twice: one timer) fires first and
			// chains one at 115 which fires before b's at 115 (same time: by
			// key); c's was deleted.
			require.Equal(t, []string{
				"timer a 110 TimeDomain.EVENT_TIME sum=4@110",
				"timer a 115 TimeDomain.EVENT_TIME sum=0@115",
				"timer b 115 TimeDomain.EVENT_TIME sum=2@115",
			}, r.watermark(120))
			require.Equal(t, []string{"in a 5 wm=120@200"}, r.process(rec{"a", 5, 200}))
			require.Equal(t, []string{"timer a 210 TimeDomain.EVENT_TIME sum=5@210", "timer a 215 TimeDomain.EVENT_TIME sum=0@215"},
				r.watermark(engine.MaxWatermark))
			r.close()
		})
	}
}

const procTimersFn = `
class Proc(KeyedProcessFunction):
    def process_element(self, value, ctx):
        now = ctx.timer_service().current_processing_time()
        ctx.timer_service().register_processing_time_timer(now + value)
        yield "in %s at %d" % (ctx.get_current_key(), now)

    def on_timer(self, ts, ctx):
        yield "timer %s %d %s now=%d" % (ctx.get_current_key(), ts, ctx.time_domain(), ctx.timer_service().current_processing_time())

runner = make_runner(Proc(), "process", output_type=Types.STRING(), key_type=Types.STRING(), value_type=Types.LONG())
`

func TestKeyedProcessingTimeTimers(t *testing.T) {
	now := time.UnixMilli(1000)
	r := newRun(t, pyRunner(t, procTimersFn), runOpts{backend: "hashmap", now: func() time.Time { return now }})
	require.True(t, r.op.(engine.ProcessingTimer).NextTimer().IsZero())
	require.Equal(t, []string{"in a at 1000@1", "in b at 1000@2"}, r.process(rec{"a", 50, 1}, rec{"b", 20, 2}))
	require.Equal(t, time.UnixMilli(1020), r.op.(engine.ProcessingTimer).NextTimer())
	now = time.UnixMilli(1030)
	// Processing-time timers' outputs carry no timestamp.
	require.Equal(t, []string{"timer b 1020 TimeDomain.PROCESSING_TIME now=1030@-"}, r.clock(now))
	require.Equal(t, time.UnixMilli(1050), r.op.(engine.ProcessingTimer).NextTimer())
	// A watermark does not fire processing-time timers.
	require.Empty(t, r.watermark(5000))
	// They survive a checkpoint.
	dir := r.checkpoint()
	r.close()
	r = newRun(t, pyRunner(t, procTimersFn), runOpts{backend: "pebble", restore: []string{dir}, now: func() time.Time { return now }})
	require.Equal(t, time.UnixMilli(1050), r.op.(engine.ProcessingTimer).NextTimer())
	now = time.UnixMilli(1100)
	require.Equal(t, []string{"timer a 1050 TimeDomain.PROCESSING_TIME now=1100@-"}, r.clock(now))
	require.True(t, r.op.(engine.ProcessingTimer).NextTimer().IsZero())
	r.close()
}

const failingFn = `
class Failing(KeyedProcessFunction):
    def process_element(self, value, ctx):
        if value == 3:
            return 1 // 0
        yield str(value)

runner = make_runner(Failing(), "process", output_type=Types.STRING(), key_type=Types.STRING(), value_type=Types.LONG())
`

func TestKeyedProcessElementError(t *testing.T) {
	r := newRun(t, pyRunner(t, failingFn), runOpts{backend: "hashmap"})
	b := batchOf(r.mem, rec{"a", 1, 1}, rec{"k7", 3, 2})
	err := r.op.Process(context.Background(), 0, b, r)
	b.Release()
	require.Error(t, err)
	var fe *datastream.FunctionError
	require.ErrorAs(t, err, &fe)
	msg := err.Error()
	require.Contains(t, msg, "Fn: process_element on key 'k7', record 3: ")
	require.Contains(t, msg, "Traceback (most recent call last)")
	require.Contains(t, msg, "ZeroDivisionError: integer division or modulo by zero")
	require.Contains(t, msg, `File "<test TestKeyedProcessElementError>", line 11, in process_element`)
	r.close()
}

const restoreFn = `
class Sessionish(KeyedProcessFunction):
    def open(self, ctx):
        self.count = ctx.get_state(ValueStateDescriptor("count", Types.LONG()))
        self.vals = ctx.get_list_state(ListStateDescriptor("vals", Types.LONG()))
        self.last = ctx.get_map_state(MapStateDescriptor("last", Types.STRING(), Types.LONG()))

    def process_element(self, value, ctx):
        self.count.update((self.count.value() or 0) + 1)
        self.vals.add(value)
        self.last.put("ts", ctx.timestamp())
        ctx.timer_service().register_event_time_timer(ctx.timestamp() + 25)
        if False:
            yield

    def on_timer(self, ts, ctx):
        vals = list(self.vals.get())
        yield "%s@%d count=%d sum=%d n=%d last=%d" % (ctx.get_current_key(), ts, self.count.value(), sum(vals),
                                                     len(vals), self.last.get("ts"))
        if len(vals) > 3:
            self.vals.update(vals[-2:])

runner = make_runner(Sessionish(), "process", output_type=Types.STRING(), key_type=Types.STRING(), value_type=Types.LONG())
`

// restoreInput is 20 batches of 10 records over 7 keys, a watermark after
// each (ts - 5 of its last record).
func restoreInput() [][]rec {
	var out [][]rec
	n := 0
	for b := 0; b < 20; b++ {
		var batch []rec
		for i := 0; i < 10; i++ {
			batch = append(batch, rec{key: fmt.Sprintf("k%d", (n*3)%7), val: int64(n), ts: int64(n * 4)})
			n++
		}
		out = append(out, batch)
	}
	return out
}

// subtaskOf routes a key to the subtask owning its key group, as the hash
// exchange does.
func subtaskOf(t testing.TB, runs []*run, key string) *run {
	b := batchOf(memory.DefaultAllocator, rec{key: key})
	defer b.Release()
	h := make([]uint64, 1)
	vectorized.HashColumns([]arrow.Array{b.Record.Column(0)}, h)
	for _, r := range runs {
		if r.inst.RT.KeyGroups().Contains(int(r.inst.RT.KeyGroupOf(h[0]))) {
			return r
		}
	}
	t.Fatalf("no subtask owns key %s", key)
	return nil
}

func feed(t testing.TB, runs []*run, batches [][]rec) []string {
	var out []string
	for _, batch := range batches {
		per := map[*run][]rec{}
		for _, rc := range batch {
			r := subtaskOf(t, runs, rc.key)
			per[r] = append(per[r], rc)
		}
		for _, r := range runs {
			if len(per[r]) > 0 {
				out = append(out, r.process(per[r]...)...)
			}
		}
		wm := batch[len(batch)-1].ts - 5
		for _, r := range runs {
			out = append(out, r.watermark(wm)...)
		}
	}
	return out
}

func TestKeyedCheckpointRestore(t *testing.T) {
	input := restoreInput()
	ref := newRun(t, pyRunner(t, restoreFn), runOpts{backend: "hashmap"})
	want := feed(t, []*run{ref}, input)
	want = append(want, ref.watermark(engine.MaxWatermark)...)
	ref.close()
	require.Len(t, want, 200, "one timer per record (timestamps are distinct)")
	sort.Strings(want)

	for _, tc := range []struct {
		backend string
		restore int // parallelism after the restore
	}{{"hashmap", 1}, {"pebble", 1}, {"hashmap", 2}, {"pebble", 3}} {
		t.Run(fmt.Sprintf("%s/p%d", tc.backend, tc.restore), func(t *testing.T) {
			runner := pyRunner(t, restoreFn)
			first := newRun(t, runner, runOpts{backend: tc.backend})
			got := feed(t, []*run{first}, input[:9])
			dir := first.checkpoint()
			// Work after the checkpoint is lost with the process.
			_ = feed(t, []*run{first}, input[9:13])
			first.close()
			var runs []*run
			for s := 0; s < tc.restore; s++ {
				runs = append(runs, newRun(t, runner, runOpts{backend: tc.backend, restore: []string{dir}, subtask: s, par: tc.restore}))
			}
			got = append(got, feed(t, runs, input[9:])...)
			for _, r := range runs {
				got = append(got, r.watermark(engine.MaxWatermark)...)
				r.close()
			}
			sort.Strings(got)
			require.Equal(t, want, got)
		})
	}
}

const windowsFn = `
from sluice.datastream.window import (TumblingEventTimeWindows, SlidingEventTimeWindows, EventTimeSessionWindows,
    TumblingProcessingTimeWindows)
from sluice.datastream.functions import ProcessWindowFunction, WindowFunction

class Avg(AggregateFunction):
    def create_accumulator(self):
        return (0, 0)
    def add(self, v, acc):
        return (acc[0] + v, acc[1] + 1)
    def get_result(self, acc):
        return acc[0] / acc[1]
    def merge(self, a, b):
        return (a[0] + b[0], a[1] + b[1])

class Describe(ProcessWindowFunction):
    def process(self, key, context, elements):
        w = context.window()
        yield "%s [%d,%d) %s wm=%d" % (key, w.start, w.end, list(elements), context.current_watermark())

class Apply(WindowFunction):
    def apply(self, key, window, inputs):
        yield "%s [%d,%d) avg=%s" % (key, window.start, window.end, list(inputs))

S = Types.STRING()
tumbling_reduce = make_runner(lambda a, b: a + b, "window-reduce", output_type=Types.LONG(), key_type=S,
    value_type=Types.LONG(), assigner=TumblingEventTimeWindows.of(Time.milliseconds(10)))
sliding_aggregate = make_runner(Avg(), "window-aggregate", output_type=S, key_type=S, value_type=Types.LONG(),
    assigner=SlidingEventTimeWindows.of(Time.milliseconds(10), Time.milliseconds(5)), window_function=Apply())
session_process = make_runner(Describe(), "window-process", output_type=S, key_type=S, value_type=Types.LONG(),
    assigner=EventTimeSessionWindows.with_gap(Time.milliseconds(10)))
from sluice.datastream.window import CountTumblingWindowAssigner, CountSlidingWindowAssigner
class Ids(ProcessWindowFunction):
    def process(self, key, context, elements):
        yield "%s %s %s" % (key, context.window(), list(elements))
class Firings(ProcessWindowFunction):
    def process(self, key, context, elements):
        n = context.window_state().get_state(ValueStateDescriptor("firings", Types.INT()))
        n.update((n.value() or 0) + 1)
        yield "%s [%d,%d) %s firing %d" % (key, context.window().start, context.window().end, list(elements), n.value())
late_process = make_runner(Firings(), "window-process", output_type=S, key_type=S, value_type=Types.LONG(),
    assigner=TumblingEventTimeWindows.of(Time.milliseconds(10)), allowed_lateness=5)
count_reduce = make_runner(lambda a, b: a + b, "window-reduce", output_type=Types.LONG(), key_type=S,
    value_type=Types.LONG(), assigner=CountTumblingWindowAssigner.of(2))
count_sliding = make_runner(Ids(), "window-process", output_type=S, key_type=S, value_type=Types.LONG(),
    assigner=CountSlidingWindowAssigner.of(3, 2))
proc_reduce = make_runner(lambda a, b: a + b, "window-reduce", output_type=S, key_type=S,
    value_type=Types.LONG(), assigner=TumblingProcessingTimeWindows.of(Time.milliseconds(100)), window_function=Describe())
`

// windowRunner returns the runner called name that windowsFn defines.
func windowRunner(t *testing.T, name string) *cpython.Object {
	return pyRunner(t, windowsFn+"runner = "+name+"\n")
}

func TestKeyedWindows(t *testing.T) {
	for _, backend := range []string{"hashmap", "pebble"} {
		t.Run(backend+"/tumbling-reduce", func(t *testing.T) {
			r := newRun(t, windowRunner(t, "tumbling_reduce"), runOpts{backend: backend, outType: arrow.PrimitiveTypes.Int64})
			require.Empty(t, r.process(rec{"a", 1, 1}, rec{"b", 2, 3}, rec{"a", 3, 9}, rec{"a", 4, 12}))
			require.Equal(t, []string{"4@9", "2@9"}, r.watermark(10))
			// Late for [0,10): dropped and counted. [10,20) still open.
			require.Empty(t, r.process(rec{"a", 100, 5}, rec{"b", 5, 15}))
			require.Equal(t, int64(1), r.inst.RT.Metrics.Counter("numLateRecordsDropped").Load())
			dir := r.checkpoint()
			r.close()
			r = newRun(t, windowRunner(t, "tumbling_reduce"), runOpts{backend: backend, outType: arrow.PrimitiveTypes.Int64, restore: []string{dir}})
			require.Equal(t, []string{"4@19", "5@19"}, r.watermark(engine.MaxWatermark))
			r.close()
		})
		t.Run(backend+"/sliding-aggregate", func(t *testing.T) {
			r := newRun(t, windowRunner(t, "sliding_aggregate"), runOpts{backend: backend})
			require.Empty(t, r.process(rec{"a", 2, 1}, rec{"a", 4, 6}, rec{"a", 9, 12}))
			require.Equal(t, []string{"a [-5,5) avg=[2.0]@4", "a [0,10) avg=[3.0]@9", "a [5,15) avg=[6.5]@14",
				"a [10,20) avg=[9.0]@19"}, r.watermark(engine.MaxWatermark))
			r.close()
		})
		t.Run(backend+"/session-process", func(t *testing.T) {
			r := newRun(t, windowRunner(t, "session_process"), runOpts{backend: backend})
			require.Empty(t, r.process(rec{"a", 1, 1}, rec{"a", 2, 30}, rec{"b", 3, 5}, rec{"a", 4, 15}))
			// a's sessions [1,11), [15,25), [30,40); b's [5,15).
			require.Equal(t, []string{"a [1,11) [1] wm=12@10"}, r.watermark(12))
			// A late element for a fired session opens no new one that is
			// late already; a@22 bridges [15,25) and [30,40).
			require.Empty(t, r.process(rec{"a", 7, 0}, rec{"a", 5, 22}))
			dir := r.checkpoint()
			r.close()
			r = newRun(t, windowRunner(t, "session_process"), runOpts{backend: backend, restore: []string{dir}})
			require.Equal(t, []string{"b [5,15) [3] wm=9223372036854775807@14", "a [15,40) [4, 2, 5] wm=9223372036854775807@39"},
				r.watermark(engine.MaxWatermark))
			r.close()
		})
	}
}

func TestKeyedProcessingTimeWindow(t *testing.T) {
	now := time.UnixMilli(1050)
	clock := func() time.Time { return now }
	r := newRun(t, windowRunner(t, "proc_reduce"), runOpts{backend: "hashmap", now: clock, noRowtime: true})
	require.Empty(t, r.process(rec{"a", 1, 0}, rec{"b", 2, 0}, rec{"a", 3, 0}))
	require.Equal(t, time.UnixMilli(1099), r.op.(engine.ProcessingTimer).NextTimer())
	now = time.UnixMilli(1120)
	require.Empty(t, r.process(rec{"a", 10, 0}))
	require.Equal(t, []string{"a [1000,1100) [4] wm=-9223372036854775808", "b [1000,1100) [2] wm=-9223372036854775808"}, r.clock(now))
	now = time.UnixMilli(1250)
	require.Equal(t, []string{"a [1100,1200) [10] wm=-9223372036854775808"}, r.clock(now))
	r.close()
}

func TestKeyedCountWindows(t *testing.T) {
	r := newRun(t, windowRunner(t, "count_reduce"), runOpts{backend: "hashmap", outType: arrow.PrimitiveTypes.Int64, noRowtime: true})
	// Counted per key, in keyed state: a's pairs (1,3) and (5,7), b's (2,4).
	require.Equal(t, []string{"4", "6"}, r.process(rec{"a", 1, 0}, rec{"b", 2, 0}, rec{"a", 3, 0}, rec{"b", 4, 0}, rec{"a", 5, 0}))
	dir := r.checkpoint()
	r.close()
	r = newRun(t, windowRunner(t, "count_reduce"), runOpts{backend: "pebble", outType: arrow.PrimitiveTypes.Int64, noRowtime: true, restore: []string{dir}})
	require.Equal(t, []string{"12"}, r.process(rec{"a", 7, 0}, rec{"b", 6, 0}))
	r.close()

	r = newRun(t, windowRunner(t, "count_sliding"), runOpts{backend: "hashmap", noRowtime: true})
	// Windows of 3 starting every 2 elements; each fires once it holds 3.
	require.Equal(t, []string{"a CountWindow(id=0) [0, 1, 2]", "a CountWindow(id=1) [2, 3, 4]", "a CountWindow(id=2) [4, 5, 6]"},
		r.process(rec{"a", 0, 0}, rec{"a", 1, 0}, rec{"a", 2, 0}, rec{"a", 3, 0}, rec{"a", 4, 0}, rec{"a", 5, 0}, rec{"a", 6, 0}))
	r.close()
}

const ttlFn = `
class Ttl(KeyedProcessFunction):
    def open(self, ctx):
        d = ValueStateDescriptor("v", Types.LONG())
        d.enable_time_to_live(StateTtlConfig.new_builder(Time.seconds(1)).build())
        self.v = ctx.get_state(d)

    def process_element(self, value, ctx):
        yield "%s had %s" % (ctx.get_current_key(), self.v.value())
        self.v.update(value)

    def on_timer(self, ts, ctx):
        raise KeyError("timer %d" % ts)

runner = make_runner(Ttl(), "process", output_type=Types.STRING(), key_type=Types.STRING(), value_type=Types.LONG())
`

func TestKeyedStateTTL(t *testing.T) {
	r := newRun(t, pyRunner(t, ttlFn), runOpts{backend: "hashmap", noRowtime: true})
	require.Equal(t, []string{"a had None"}, r.process(rec{"a", 1, 0}))
	require.Equal(t, []string{"a had 1"}, r.process(rec{"a", 2, 0}))
	// The backend expires the entry one second after its last write.
	time.Sleep(1100 * time.Millisecond)
	require.Equal(t, []string{"a had None"}, r.process(rec{"a", 3, 0}))
	r.close()
}

func TestKeyedOnTimerError(t *testing.T) {
	r := newRun(t, pyRunner(t, strings.Replace(ttlFn, "yield \"%s had", "ctx.timer_service().register_event_time_timer(7)\n        yield \"%s had", 1)), runOpts{backend: "hashmap"})
	r.process(rec{"k", 1, 0})
	_, err := r.op.(engine.WatermarkHandler).ProcessWatermark(context.Background(), 10, r)
	var fe *datastream.FunctionError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "on_timer(7) on key 'k'", fe.Where)
	require.Contains(t, err.Error(), "KeyError: 'timer 7'")
	r.close()
}

func TestKeyedWindowAllowedLateness(t *testing.T) {
	r := newRun(t, windowRunner(t, "late_process"), runOpts{backend: "hashmap"})
	require.Empty(t, r.process(rec{"a", 1, 1}, rec{"a", 2, 5}))
	require.Equal(t, []string{"a [0,10) [1, 2] firing 1@9"}, r.watermark(10))
	// Late but within the allowed lateness: the window fires again at once,
	// its window state still there.
	require.Equal(t, []string{"a [0,10) [1, 2, 3] firing 2@9"}, r.process(rec{"a", 3, 8}))
	// At end + lateness the window is cleaned up: a later element is dropped.
	require.Empty(t, r.watermark(14))
	require.Empty(t, r.process(rec{"a", 4, 9}))
	require.Equal(t, []string{"a [10,20) [5] firing 1@19"}, append(r.process(rec{"a", 5, 12}), r.watermark(engine.MaxWatermark)...))
	r.close()
}

// pyObjects is the number of objects Python's collector tracks.
func pyObjects(t testing.TB) int64 {
	var n int64
	require.NoError(t, cpython.Do(func(py *cpython.GIL) error {
		ns, err := py.Exec("<count>", "import gc\ngc.collect()\nn = len(gc.get_objects())\n")
		if err != nil {
			return err
		}
		defer py.DecRef(ns)
		o, err := py.GetItem(ns, "n")
		if err != nil {
			return err
		}
		defer py.DecRef(o)
		n, err = py.AsInt64(o)
		return err
	}))
	return n
}

// Nothing of a call stays behind in Python: batches, timers and state
// over many calls leave the object count where it was.
func TestKeyedNoPythonLeaks(t *testing.T) {
	r := newRun(t, pyRunner(t, eventTimersFn), runOpts{backend: "hashmap"})
	step := func(i int) {
		recs := make([]rec, 50)
		for j := range recs {
			recs[j] = rec{key: fmt.Sprintf("k%d", j%7), val: int64(j), ts: int64(i*100 + j)}
		}
		r.process(recs...)
		r.watermark(int64(i*100 + 60))
	}
	for i := 0; i < 50; i++ {
		step(i)
	}
	before := pyObjects(t)
	for i := 50; i < 550; i++ {
		step(i)
	}
	after := pyObjects(t)
	require.Less(t, after-before, int64(100), "Python objects grew from %d to %d over 500 batches", before, after)
	r.close()
}

// collectSink gathers what a job's sink subtasks receive, rendered as run
// renders outputs.
type collectSink struct {
	mu  *sync.Mutex
	out *[]string
	r   *run
}

func (s collectSink) Open(context.Context, *engine.RuntimeContext) error { return nil }
func (s collectSink) Write(ctx context.Context, b *vectorized.Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.r.out = nil
	if err := s.r.Collect(ctx, b); err != nil {
		return err
	}
	*s.out = append(*s.out, s.r.out...)
	return nil
}
func (s collectSink) Finish(context.Context) error { return nil }
func (s collectSink) Close() error                 { return nil }

// The operator in a job: a source, a hash exchange on the key column into
// three subtasks, the operator chained with a sink. The final watermark of
// the bounded source fires every timer; the result is the single
// instance's.
func TestKeyedProcessInAJob(t *testing.T) {
	input := restoreInput()
	runner := pyRunner(t, restoreFn)
	ref := newRun(t, runner, runOpts{backend: "hashmap"})
	var want []string
	for _, batch := range input {
		want = append(want, ref.process(batch...)...)
	}
	want = append(want, ref.watermark(engine.MaxWatermark)...)
	ref.close()
	sort.Strings(want)
	require.Len(t, want, 200)

	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	var batches []*vectorized.Batch
	for _, batch := range input {
		batches = append(batches, batchOf(mem, batch...))
	}
	var got []string
	var mu sync.Mutex
	spec := datastream.KeyedProcessSpec{
		Name: "Fn", Runner: runner, KeyCol: 0, ValueCol: 1, RowtimeCol: 2, KeyType: arrow.BinaryTypes.String,
		Rowtime: inSchema.Field(2), OutType: arrow.BinaryTypes.String,
	}
	g := &engine.JobGraph{Name: "keyed", Bounded: true, Mem: mem, Vertices: []*engine.Vertex{
		{ID: 0, Name: "Values", Parallelism: 1, Source: engine.NewValuesSource(batches)},
		{ID: 1, Name: "KeyedProcess", Parallelism: 3,
			Inputs: []engine.Edge{{From: 0, Partition: engine.Partitioning{Kind: engine.Hash, Keys: []int{0}}}},
			Chain:  []func() engine.Operator{func() engine.Operator { return datastream.NewKeyedProcess(spec) }},
			Sink: func(int) engine.Sink {
				return collectSink{mu: &mu, out: &got, r: &run{t: t}}
			}},
	}}
	_, err := engine.Execute(context.Background(), g, engine.Config{"state.checkpoints.dir": t.TempDir()})
	require.NoError(t, err)
	for _, b := range batches {
		b.Release()
	}
	mem.AssertSize(t, 0)
	sort.Strings(got)
	require.Equal(t, want, got)
}

const rowFn = `
class Rows(KeyedProcessFunction):
    def process_element(self, value, ctx):
        yield "%r %r" % (ctx.get_current_key(), value)

runner = make_runner(Rows(), "process", output_type=Types.STRING(),
    key_type=Types.ROW_NAMED(["k", "n"], [Types.STRING(), Types.INT()]),
    value_type=Types.ROW_NAMED(["x", "y"], [Types.STRING(), Types.LONG()]))
`

// ROW keys and values reach the function as Rows, also from a sliced
// batch (a hash exchange hands the operator slices).
func TestKeyedRowKeysAndValues(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	keyType := arrow.StructOf(arrow.Field{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "n", Type: arrow.PrimitiveTypes.Int32, Nullable: true})
	valType := arrow.StructOf(arrow.Field{Name: "x", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "y", Type: arrow.PrimitiveTypes.Int64, Nullable: true})
	keys, _, err := array.FromJSON(mem, keyType, strings.NewReader(`[{"k":"z","n":0},{"k":"a","n":1},{"k":"a","n":2},null]`))
	require.NoError(t, err)
	vals, _, err := array.FromJSON(mem, valType, strings.NewReader(`[{"x":"skip","y":0},{"x":"p","y":10},{"x":null,"y":20},{"x":"q","y":null}]`))
	require.NoError(t, err)
	schema := arrow.NewSchema([]arrow.Field{{Name: "key", Type: keyType, Nullable: true}, {Name: "f0", Type: valType, Nullable: true}}, nil)
	full := array.NewRecordBatch(schema, []arrow.Array{keys, vals}, 4)
	keys.Release()
	vals.Release()
	sliced := full.NewSlice(1, 4)
	full.Release()

	inst := engine.NewInstanceForTest(engine.InstanceOptions{Name: "KeyedProcess", Mem: mem, LocalDir: t.TempDir()})
	op := datastream.NewKeyedProcess(datastream.KeyedProcessSpec{
		Name: "Rows", Runner: pyRunner(t, rowFn), KeyCol: 0, ValueCol: 1, RowtimeCol: -1, KeyType: keyType,
		OutType: arrow.BinaryTypes.String,
	})
	require.NoError(t, op.Open(context.Background(), inst.RT))
	r := &run{t: t}
	require.NoError(t, op.Process(context.Background(), 0, &vectorized.Batch{Record: sliced}, r))
	require.Equal(t, []string{
		"Row(k='a', n=1) Row(x='p', y=10)", "Row(k='a', n=2) Row(x=None, y=20)", "None Row(x='q', y=None)",
	}, r.out)
	sliced.Release()
	require.NoError(t, op.Close())
	require.NoError(t, inst.Close())
	mem.AssertSize(t, 0)
}

// failingSource emits its batches, keeping its position in operator state,
// and fails once, half way, after a checkpoint completed.
type failingSource struct {
	batches      []*vectorized.Batch
	failed       *atomic.Bool
	pos          int
	list         *state.OperatorListState
	checkpointed bool
}

func (s *failingSource) Open(_ context.Context, rt *engine.RuntimeContext) error {
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

func (s *failingSource) Run(ctx context.Context, out engine.Collector) error {
	for s.pos < len(s.batches) {
		b := s.batches[s.pos]
		s.pos++ // before Collect: a checkpoint inside it covers this batch
		if err := out.Collect(ctx, b); err != nil {
			return err
		}
		for s.pos >= len(s.batches)/2 && !s.failed.Load() {
			if s.checkpointed && s.failed.CompareAndSwap(false, true) {
				return errors.New("injected failure")
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

func (s *failingSource) pause(ctx context.Context, out engine.Collector) error {
	select {
	case <-time.After(time.Millisecond):
	case <-ctx.Done():
		return ctx.Err()
	}
	return engine.Yield(ctx, out)
}

func (s *failingSource) SnapshotState(context.Context, engine.CheckpointInfo) error {
	s.list.Update([][]byte{binary.BigEndian.AppendUint64(nil, uint64(s.pos))})
	return nil
}

func (s *failingSource) NotifyCheckpointComplete(context.Context, int64) error {
	s.checkpointed = true
	return nil
}

func (s *failingSource) Close() error { return nil }

// A job fails after a checkpoint and restarts from it: the keyed state and
// the pending event-time timers of the checkpoint come back, the records
// after it are replayed, and every timer fires once, at the final
// watermark, with the state of the uninterrupted run.
func TestKeyedProcessJobRestart(t *testing.T) {
	input := restoreInput()
	runner := pyRunner(t, restoreFn)
	ref := newRun(t, runner, runOpts{backend: "hashmap"})
	for _, batch := range input {
		require.Empty(t, ref.process(batch...), "restoreFn emits from timers only")
	}
	want := ref.watermark(engine.MaxWatermark)
	ref.close()
	sort.Strings(want)
	require.Len(t, want, 200)

	for _, backend := range []string{"hashmap", "pebble"} {
		t.Run(backend, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			var batches []*vectorized.Batch
			for _, batch := range input {
				batches = append(batches, batchOf(mem, batch...))
			}
			var got []string
			var mu sync.Mutex
			var failed atomic.Bool
			spec := datastream.KeyedProcessSpec{
				Name: "Fn", Runner: runner, KeyCol: 0, ValueCol: 1, RowtimeCol: 2, KeyType: arrow.BinaryTypes.String,
				Rowtime: inSchema.Field(2), OutType: arrow.BinaryTypes.String,
			}
			g := &engine.JobGraph{Name: "keyed-restart", Bounded: true, Mem: mem, Vertices: []*engine.Vertex{
				{ID: 0, Name: "Source", Parallelism: 1, Source: func(int) engine.Source {
					return &failingSource{batches: batches, failed: &failed}
				}},
				{ID: 1, Name: "KeyedProcess", Parallelism: 2,
					Inputs: []engine.Edge{{From: 0, Partition: engine.Partitioning{Kind: engine.Hash, Keys: []int{0}}}},
					Chain:  []func() engine.Operator{func() engine.Operator { return datastream.NewKeyedProcess(spec) }},
					Sink: func(int) engine.Sink {
						return collectSink{mu: &mu, out: &got, r: &run{t: t}}
					}},
			}}
			cfg := engine.Config{
				engine.ConfigCheckpointInterval: "15ms", engine.ConfigCheckpointsDir: t.TempDir(),
				engine.ConfigRestartStrategy: "fixed-delay", "restart-strategy.fixed-delay.attempts": "3",
				"restart-strategy.fixed-delay.delay": "10ms", state.ConfigBackendType: backend,
				engine.ConfigStateLocalDir: t.TempDir(),
			}
			res, err := engine.Execute(context.Background(), g, cfg)
			require.NoError(t, err)
			require.True(t, failed.Load())
			require.Positive(t, res.Checkpoints.RestoredID, "restarted from a checkpoint")
			for _, b := range batches {
				b.Release()
			}
			mem.AssertSize(t, 0)
			sort.Strings(got)
			require.Equal(t, want, got)
		})
	}
}

const lazyFn = `
class Lazy(KeyedProcessFunction):
    def open(self, ctx):
        self.ctx = ctx

    def process_element(self, value, ctx):
        # declared on first use, not in open()
        s = self.ctx.get_state(ValueStateDescriptor("late-declared", Types.LONG()))
        s.update((s.value() or 0) + value)
        yield "%s=%d" % (ctx.get_current_key(), s.value())

runner = make_runner(Lazy(), "process", output_type=Types.STRING(), key_type=Types.STRING(), value_type=Types.LONG())
`

// A state the function declares lazily finds its entries after a restore:
// the declared states are in the checkpoint, so the operator loads them
// with the first batch.
func TestKeyedLazilyDeclaredStateRestores(t *testing.T) {
	r := newRun(t, pyRunner(t, lazyFn), runOpts{backend: "pebble", noRowtime: true})
	require.Equal(t, []string{"a=1", "b=2", "a=4"}, r.process(rec{"a", 1, 0}, rec{"b", 2, 0}, rec{"a", 3, 0}))
	require.Equal(t, []string{"a=14"}, r.process(rec{"a", 10, 0}))
	dir := r.checkpoint()
	r.close()
	r = newRun(t, pyRunner(t, lazyFn), runOpts{backend: "hashmap", noRowtime: true, restore: []string{dir}})
	require.Equal(t, []string{"b=102", "a=15"}, r.process(rec{"b", 100, 0}, rec{"a", 1, 0}))
	r.close()
}
