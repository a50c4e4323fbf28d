package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
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

// Two-input join tests: the left input is (k, t, v), the right (k, t, w),
// k BIGINT, t a TIMESTAMP(3) time attribute (ms), v and w BIGINT.
var (
	tsMs      = &arrow.TimestampType{Unit: arrow.Millisecond}
	joinLeft  = schemaOf(field("k", arrow.PrimitiveTypes.Int64), field("lt", tsMs), field("v", arrow.PrimitiveTypes.Int64))
	joinRight = schemaOf(field("k", arrow.PrimitiveTypes.Int64), field("rt", tsMs), field("w", arrow.PrimitiveTypes.Int64))
)

// jev is one step of a two-input run: rows for an input, or a watermark.
type jev struct {
	input int
	rows  [][]any
	wm    int64
	isWM  bool
}

func rowsOn(input int, rows ...[]any) jev { return jev{input: input, rows: rows} }
func wmEv(wm int64) jev                   { return jev{wm: wm, isWM: true} }

// joinDriver feeds steps to a two-input operator and records its output
// and forwarded watermarks.
type joinDriver struct {
	t       *testing.T
	mem     memory.Allocator
	op      Operator
	schemas [2]*arrow.Schema
	out     []string
	fwd     []int64
}

func (d *joinDriver) Collect(_ context.Context, b *vectorized.Batch) error {
	d.out = append(d.out, strs(BatchRows(b))...)
	return nil
}

func (d *joinDriver) run(evs ...jev) {
	d.t.Helper()
	ctx := context.Background()
	for _, e := range evs {
		if e.isWM {
			f, err := d.op.(WatermarkHandler).ProcessWatermark(ctx, e.wm, d)
			require.NoError(d.t, err)
			d.fwd = append(d.fwd, f)
			continue
		}
		b := makeBatch(d.t, d.mem, d.schemas[e.input], nil, e.rows...)
		require.NoError(d.t, d.op.Process(ctx, e.input, b, d))
		b.Release()
	}
}

func (d *joinDriver) end() {
	d.t.Helper()
	require.NoError(d.t, d.op.EndInput(context.Background(), d))
}

func newJoinDriver(t *testing.T, mem memory.Allocator, op Operator, rt *RuntimeContext) *joinDriver {
	t.Helper()
	if rt == nil {
		rt = newHarnessRT(mem)
	}
	require.NoError(t, op.Open(context.Background(), rt))
	t.Cleanup(func() { require.NoError(t, op.Close()) })
	return &joinDriver{t: t, mem: mem, op: op, schemas: [2]*arrow.Schema{joinLeft, joinRight}}
}

func newHarnessRT(mem memory.Allocator) *RuntimeContext {
	return &RuntimeContext{
		JobName: "test", OperatorName: "join", Parallelism: 1, Mem: mem,
		Metrics: &OperatorMetrics{}, Config: Config{},
		EvalContext: func() *vectorized.EvalContext {
			ec := vectorized.NewEvalContext(context.Background())
			ec.Mem = mem
			return ec
		},
	}
}

// wGreater is the condition v > w over the joined row (left v is column
// 2, right w column 5).
type wGreater struct{}

func (wGreater) DataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }
func (wGreater) String() string           { return "v > w" }
func (wGreater) Eval(ec *vectorized.EvalContext, rec arrow.RecordBatch) (arrow.Array, error) {
	v, w := rec.Column(2).(*array.Int64), rec.Column(5).(*array.Int64)
	b := array.NewBooleanBuilder(ec.Mem)
	defer b.Release()
	for i := 0; i < v.Len(); i++ {
		if v.IsNull(i) || w.IsNull(i) {
			b.AppendNull()
		} else {
			b.Append(v.Value(i) > w.Value(i))
		}
	}
	return b.NewArray(), nil
}

func intervalSpec(t JoinType, lower, upper int64) IntervalJoinSpec {
	return IntervalJoinSpec{
		Join:        JoinSpec{Type: t, LeftKeys: []int{0}, RightKeys: []int{0}, Left: joinLeft, Right: joinRight},
		LeftTimeCol: 1, RightTimeCol: 1, LeftLowerBound: lower, LeftUpperBound: upper,
	}
}

// Hand-checked runs of l.lt BETWEEN r.rt - 2 AND r.rt + 1 (ms): matches,
// padding when the watermark expires a row, the watermark held back by
// the larger bound, and late rows as Flink's TimeIntervalJoin treats them.
func TestIntervalJoinRowTime(t *testing.T) {
	cases := []struct {
		name string
		typ  JoinType
		cond vectorized.Expr
		evs  []jev
		want []string
		fwd  []int64
	}{{
		name: "inner",
		typ:  InnerJoin,
		evs: []jev{
			rowsOn(0, []any{1, 10, 100}, []any{2, 10, 200}),
			rowsOn(1, []any{1, 9, 1}, []any{1, 12, 2}, []any{1, 13, 3}, []any{2, 20, 4}),
			wmEv(15),
			rowsOn(0, []any{1, 11, 101}),
		},
		// 10 joins 9 (10-9=1 <= 1) and 12 (10-12=-2 >= -2), not 13. The
		// watermark 15 expires the left row 10 (10 <= 15-2-1), and right
		// rows up to 15-1-1 = 13: the late left row 11 (cached? the
		// operator time 15 is past 11+2) probes the right cache after
		// it was cleaned... the right timer for 9 fired at 9+1+1 = 11 and
		// removed 9, 12 and 13 (<= 13); row 11 joins nothing.
		want: []string{jr(1, 10, 100, 1, 9, 1), jr(1, 10, 100, 1, 12, 2)},
		fwd:  []int64{13},
	}, {
		name: "left outer pads on expiry",
		typ:  LeftOuterJoin,
		evs: []jev{
			rowsOn(0, []any{1, 10, 100}, []any{3, 10, 300}),
			rowsOn(1, []any{1, 11, 1}),
			wmEv(11),
			wmEv(12),
			rowsOn(1, []any{3, 50, 9}),
			wmEv(100),
		},
		// Left rows expire at the watermark 13 (10 <= wm-2-1): 12 does
		// not yet, 100 pads key 3's row.
		want: []string{jr(1, 10, 100, 1, 11, 1), jr(3, 10, 300, nil, nil, nil)},
		fwd:  []int64{9, 10, 98},
	}, {
		name: "right and full outer",
		typ:  FullOuterJoin,
		evs: []jev{
			rowsOn(0, []any{1, 10, 100}),
			rowsOn(1, []any{1, 20, 1}, []any{2, 10, 2}),
			wmEv(MaxWatermark),
		},
		want: []string{jr(1, 10, 100, nil, nil, nil), jr(nil, nil, nil, 1, 20, 1), jr(nil, nil, nil, 2, 10, 2)},
		fwd:  []int64{MaxWatermark},
	}, {
		name: "a late row not cached is padded at once",
		typ:  LeftOuterJoin,
		evs: []jev{
			wmEv(100),
			rowsOn(0, []any{1, 10, 100}),
		},
		want: []string{jr(1, 10, 100, nil, nil, nil)},
		fwd:  []int64{98},
	}, {
		name: "remaining condition and NULL keys",
		typ:  FullOuterJoin,
		cond: wGreater{},
		evs: []jev{
			rowsOn(0, []any{1, 10, 5}, []any{nil, 10, 5}),
			rowsOn(1, []any{1, 10, 4}, []any{1, 10, 6}, []any{nil, 10, 1}),
			wmEv(MaxWatermark),
		},
		want: []string{
			jr(1, 10, 5, 1, 10, 4),
			jr(nil, 10, 5, nil, nil, nil),
			jr(nil, nil, nil, 1, 10, 6),
			jr(nil, nil, nil, nil, 10, 1),
		},
		fwd: []int64{MaxWatermark},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := checkedMem(t)
			spec := intervalSpec(c.typ, -2, 1)
			spec.Join.Cond = c.cond
			op, err := NewIntervalJoin(spec)
			require.NoError(t, err)
			d := newJoinDriver(t, mem, op, nil)
			d.run(c.evs...)
			d.end()
			got := slices.Clone(d.out)
			sort.Strings(got)
			want := slices.Clone(c.want)
			sort.Strings(want)
			assert.Equal(t, want, got)
			assert.Equal(t, c.fwd, d.fwd)
		})
	}
}

// jr renders a joined row as BatchRows does: columns 1 and 4 are
// TIMESTAMP(3) values in ms, nil is NULL.
func jr(vals ...any) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		switch {
		case v == nil:
			parts[i] = "null"
		case i == 1 || i == 4:
			parts[i] = tsString(toInt(v))
		default:
			parts[i] = fmt.Sprint(v)
		}
	}
	return "+I[" + strings.Join(parts, ", ") + "]"
}

// A negative window (upper < lower) matches nothing: outer sides are
// padded at once, inner joins emit nothing, and no watermark is held.
func TestIntervalJoinNegativeWindow(t *testing.T) {
	mem := checkedMem(t)
	for _, typ := range []JoinType{InnerJoin, LeftOuterJoin, RightOuterJoin, FullOuterJoin} {
		op, err := NewIntervalJoin(intervalSpec(typ, 5, 1))
		require.NoError(t, err)
		d := newJoinDriver(t, mem, op, nil)
		d.run(rowsOn(0, []any{1, 10, 1}), rowsOn(1, []any{1, 10, 2}), wmEv(50))
		var want []string
		if outerSide(typ, 0) {
			want = append(want, jr(1, 10, 1, nil, nil, nil))
		}
		if outerSide(typ, 1) {
			want = append(want, jr(nil, nil, nil, 1, 10, 2))
		}
		assert.Equal(t, want, d.out, typ)
		assert.Equal(t, []int64{50}, d.fwd)
	}
}

func TestIntervalJoinRejects(t *testing.T) {
	_, err := NewIntervalJoin(intervalSpec(LeftSemiJoin, -1, 1))
	assert.ErrorContains(t, err, "Interval Join: LeftSemiJoin Join between stream and stream is not supported yet.")
	s := intervalSpec(InnerJoin, -1, 1)
	s.LeftTimeCol = 2
	_, err = NewIntervalJoin(s)
	assert.ErrorContains(t, err, "interval join: the time attribute v")
}

// ijEvent is one generated row: side, key, time, value.
type ijEvent struct {
	side     int
	k, t, vw int64
}

// genJoinEvents makes rows never behind the watermark the driver sends
// (the latest time minus slack), so neither join drops or misses any.
func genJoinEvents(rng *rand.Rand, n int, keys int) []ijEvent {
	evs := make([]ijEvent, n)
	base := int64(1_600_000_000_000)
	for i := range evs {
		base += rng.Int64N(40)
		evs[i] = ijEvent{side: rng.IntN(2), k: rng.Int64N(int64(keys)), t: base + rng.Int64N(30), vw: rng.Int64N(10)}
	}
	return evs
}

// refIntervalJoin is the join by definition: every pair in the bounds
// with equal keys and v > w when cond; unmatched rows of outer sides.
func refIntervalJoin(spec IntervalJoinSpec, cond bool, evs []ijEvent) []string {
	var out []string
	matched := make([]bool, len(evs))
	for i, l := range evs {
		if l.side != 0 {
			continue
		}
		for j, r := range evs {
			if r.side != 1 || r.k != l.k || l.t < r.t+spec.LeftLowerBound || l.t > r.t+spec.LeftUpperBound {
				continue
			}
			if cond && !(l.vw > r.vw) {
				continue
			}
			matched[i], matched[j] = true, true
			out = append(out, fmt.Sprintf("+I[%d, %s, %d, %d, %s, %d]", l.k, tsString(l.t), l.vw, r.k, tsString(r.t), r.vw))
		}
	}
	for i, e := range evs {
		if matched[i] || !outerSide(spec.Join.Type, e.side) {
			continue
		}
		if e.side == 0 {
			out = append(out, fmt.Sprintf("+I[%d, %s, %d, null, null, null]", e.k, tsString(e.t), e.vw))
		} else {
			out = append(out, fmt.Sprintf("+I[null, null, null, %d, %s, %d]", e.k, tsString(e.t), e.vw))
		}
	}
	sort.Strings(out)
	return out
}

// tsString renders a TIMESTAMP(3) value as BatchRows does.
func tsString(ms int64) string {
	b := array.NewTimestampBuilder(memory.DefaultAllocator, tsMs)
	defer b.Release()
	b.Append(arrow.Timestamp(ms))
	a := b.NewArray()
	defer a.Release()
	sch := schemaOf(field("t", tsMs))
	rec := array.NewRecordBatch(sch, []arrow.Array{a}, 1)
	defer rec.Release()
	return formatValues(BatchRows(&vectorized.Batch{Record: rec})[0].Values)
}

// feedEvents turns events into driver steps: one batch per run of rows of
// one side (at most size rows) and a watermark of the latest time minus
// slack after each batch.
func feedEvents(evs []ijEvent, size int, slack int64) []jev {
	var out []jev
	maxT := int64(0)
	for i := 0; i < len(evs); {
		j := i
		for j < len(evs) && j-i < size && evs[j].side == evs[i].side {
			j++
		}
		e := jev{input: evs[i].side}
		for _, x := range evs[i:j] {
			e.rows = append(e.rows, []any{x.k, x.t, x.vw})
			maxT = max(maxT, x.t)
		}
		out = append(out, e, wmEv(maxT-slack))
		i = j
	}
	return out
}

// Random inputs against the definition, every join type, with and
// without a remaining condition; then the same run checkpointed in the
// middle and restored into a new instance (hashmap and pebble) gives the
// same rows.
func TestIntervalJoinRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	evs := genJoinEvents(rng, 400, 6)
	steps := feedEvents(evs, 4, 100)
	for _, typ := range []JoinType{InnerJoin, LeftOuterJoin, RightOuterJoin, FullOuterJoin} {
		for _, cond := range []bool{false, true} {
			spec := intervalSpec(typ, -30, 45)
			if cond {
				spec.Join.Cond = wGreater{}
			}
			want := refIntervalJoin(spec, cond, evs)
			t.Run(fmt.Sprintf("%s/cond=%t", typ, cond), func(t *testing.T) {
				mem := checkedMem(t)
				op, err := NewIntervalJoin(spec)
				require.NoError(t, err)
				d := newJoinDriver(t, mem, op, nil)
				d.run(steps...)
				d.run(wmEv(MaxWatermark))
				got := slices.Clone(d.out)
				sort.Strings(got)
				assert.Equal(t, want, got)
			})
			for _, backend := range []string{state.BackendHashMap, state.BackendPebble} {
				t.Run(fmt.Sprintf("%s/cond=%t/restore/%s", typ, cond, backend), func(t *testing.T) {
					mem := checkedMem(t)
					got := runWithRestore(t, mem, backend, func() Operator {
						op, err := NewIntervalJoin(spec)
						require.NoError(t, err)
						return op
					}, steps)
					assert.Equal(t, want, got)
				})
			}
		}
	}
}

// runWithRestore runs the first half of steps, checkpoints, runs a few
// steps more whose output the failure loses, then restores a new instance
// from the checkpoint, which replays the steps after it and ends with the
// final watermark: the rows emitted up to the checkpoint and the restored
// instance's make the uninterrupted run's result.
func runWithRestore(t *testing.T, mem memory.Allocator, backend string, mk func() Operator, steps []jev) []string {
	ctx := context.Background()
	half := len(steps) / 2
	inst := NewInstanceForTest(InstanceOptions{Mem: mem, Checkpointing: true, Backend: backend, LocalDir: t.TempDir()})
	op := mk()
	require.NoError(t, op.Open(ctx, inst.RT))
	d := &joinDriver{t: t, mem: mem, op: op, schemas: [2]*arrow.Schema{joinLeft, joinRight}}
	d.run(steps[:half]...)
	require.NoError(t, op.(Checkpointed).SnapshotState(ctx, CheckpointInfo{ID: 1}))
	dir := t.TempDir()
	require.NoError(t, inst.Snapshot(dir))
	kept := slices.Clone(d.out)
	d.run(steps[half:min(half+3, len(steps))]...)
	require.NoError(t, op.Close())
	require.NoError(t, inst.Close())

	inst2 := NewInstanceForTest(InstanceOptions{Mem: mem, Checkpointing: true, Backend: backend, LocalDir: t.TempDir(), RestoreFrom: []string{dir}, RestoreID: 1})
	op2 := mk()
	require.NoError(t, op2.Open(ctx, inst2.RT))
	d2 := &joinDriver{t: t, mem: mem, op: op2, schemas: d.schemas}
	d2.run(steps[half:]...)
	d2.run(wmEv(MaxWatermark))
	require.NoError(t, op2.Close())
	require.NoError(t, inst2.Close())
	got := append(kept, d2.out...)
	sort.Strings(got)
	return got
}

// On processing time a row's time is the clock at its arrival, the cache
// expires by the clock (NextTimer/OnTimer), and the watermark passes
// through unchanged.
func TestIntervalJoinProcTime(t *testing.T) {
	mem := checkedMem(t)
	spec := intervalSpec(LeftOuterJoin, -1000, 1000)
	spec.ProcTime = true
	op, err := NewIntervalJoin(spec)
	require.NoError(t, err)
	now := time.UnixMilli(1_000_000)
	op.(*intervalJoin).clock = func() time.Time { return now }
	d := newJoinDriver(t, mem, op, nil)
	pt := op.(ProcessingTimer)
	assert.True(t, pt.NextTimer().IsZero(), "nothing cached yet")
	// The time columns' values are ignored: the clock decides.
	d.run(rowsOn(0, []any{1, 0, 10}, []any{2, 0, 20}))
	// A left row waits until the right side's clock passes its time + 1000.
	assert.Equal(t, time.UnixMilli(1_000_000+1000+1), pt.NextTimer())
	now = now.Add(500 * time.Millisecond)
	d.run(rowsOn(1, []any{1, 0, 5}))
	assert.Equal(t, []string{jr(1, 0, 10, 1, 0, 5)}, d.out)
	d.run(wmEv(12345))
	assert.Equal(t, []int64{12345}, d.fwd, "no watermark delay on processing time")
	d.out = nil
	now = time.UnixMilli(1_000_000 + 1001)
	require.NoError(t, pt.OnTimer(context.Background(), now, d))
	assert.Equal(t, []string{jr(2, 0, 20, nil, nil, nil)}, d.out, "the unmatched left row expires")
	d.run(rowsOn(0, []any{3, 0, 30}))
	d.out = nil
	d.end()
	assert.Empty(t, d.out, "as Flink, the end of the input fires no processing-time timer")
}
