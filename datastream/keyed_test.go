package datastream_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/datastream"
	"github.com/sluice-stream/sluice/engine"
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
