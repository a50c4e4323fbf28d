package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

var firstRowtimeSpec = DedupSpec{Keys: []int{0}, RowTime: true, TimeCol: 1, GenerateInsert: true, InsertOnly: true}

// dedupStep is a batch of rows followed by a watermark.
type dedupStep struct {
	rows []rnRow
	wm   int64
}

// refFirstRowtime is Flink's RowTimeDeduplicateKeepFirstRowFunction one
// row at a time: a row below the watermark is late; a key already
// emitted ignores its rows; a smaller rowtime replaces the waiting row;
// each watermark emits the waiting rows it reached. It returns the
// emitted rows (sorted), the late and the NULL-rowtime counts.
func refFirstRowtime(steps []dedupStep) (out []string, late, nulls int64) {
	wm := MinWatermark
	waiting := map[string][]any{}
	emitted := map[string]bool{}
	for _, st := range steps {
		for _, r := range st.rows {
			if r.vals[1] == nil {
				nulls++
				continue
			}
			ts, k := r.vals[1].(int64), r.vals[0].(string)
			if ts < wm {
				late++
				continue
			}
			if emitted[k] {
				continue
			}
			if w, ok := waiting[k]; !ok || ts < w[1].(int64) {
				waiting[k] = r.vals
			}
		}
		wm = max(wm, st.wm)
		for k, w := range waiting {
			if w[1].(int64) <= wm {
				v := slices.Clone(w)
				v[1] = fmtTS(v[1].(int64))
				out = append(out, Row{Values: v}.String())
				emitted[k] = true
				delete(waiting, k)
			}
		}
	}
	sort.Strings(out)
	return out, late, nulls
}

// firstRowtimeSteps are rnRows in batches of size, each followed by the
// watermark assigner's watermark (max rowtime so far - delay), and the
// end of input.
func firstRowtimeSteps(rows []rnRow, size int, delay int64) []dedupStep {
	var steps []dedupStep
	maxTS := MinWatermark
	for lo := 0; lo < len(rows); lo += size {
		hi := min(len(rows), lo+size)
		for _, r := range rows[lo:hi] {
			if r.vals[1] != nil {
				maxTS = max(maxTS, r.vals[1].(int64))
			}
		}
		wm := MinWatermark
		if maxTS != MinWatermark {
			wm = maxTS - delay
		}
		steps = append(steps, dedupStep{rows: rows[lo:hi], wm: wm})
	}
	return append(steps, dedupStep{wm: MaxWatermark})
}

// firstRowtimeRows are random rows with equal rowtimes now and then, rows
// far behind (late) and a few NULL rowtimes.
func firstRowtimeRows(rng *rand.Rand, n int) []rnRow {
	rows := randomRows(rng, n, false)
	for i := range rows {
		rows[i].vals = slices.Clone(rows[i].vals)
		ts := rows[i].vals[1].(int64) / 500 * 500
		if rng.IntN(12) == 0 {
			ts -= 6000
		}
		rows[i].vals[1] = ts
		if rng.IntN(20) == 0 {
			rows[i].vals[1] = nil
		}
	}
	return rows
}

// dedupWMJob: values → watermark assigner (ts - delay after each batch)
// → hash by k → deduplicate (parallelism par) → collect.
func dedupWMJob(batches []*vectorized.Batch, spec DedupSpec, delay int64, par int, out *Collected) *JobGraph {
	return &JobGraph{Name: "dedup", Vertices: []*Vertex{
		{ID: 1, Name: "src", Parallelism: 1, Source: NewValuesSource(batches),
			Chain: []func() Operator{func() Operator { return NewWatermarkAssigner(WatermarkSpec{Expr: tsMinus{1, delay}}) }}},
		{ID: 2, Name: "dedup", Parallelism: par, Inputs: []Edge{{From: 1, Partition: Partitioning{Kind: Hash, Keys: []int{0}}}},
			Chain: []func() Operator{func() Operator { return NewDeduplicate(spec) }},
			Sink:  NewCollectSink(out)},
	}}
}

func counter(res *JobResult, name string) int64 {
	var n int64
	for _, m := range res.Metrics {
		n += m.Counters[name]
	}
	return n
}

// Insert-only rowtime keep-first at batch sizes 1, 7 and default and
// parallelism 1 and 3, on a checked allocator: the output equals the
// model's, every row is +I, and late and NULL-rowtime rows are counted.
func TestFirstRowtimeRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(71, 72))
	rows := firstRowtimeRows(rng, 500)
	for _, size := range []int{1, 7, DefaultBatchSize} {
		for _, par := range []int{1, 3} {
			t.Run(fmt.Sprintf("b%d/p%d", size, par), func(t *testing.T) {
				mem := checkedMem(t)
				batches := rnBatches(t, mem, rows, size)
				defer func() {
					for _, b := range batches {
						b.Release()
					}
				}()
				var out Collected
				g := dedupWMJob(batches, firstRowtimeSpec, 1000, par, &out)
				g.Mem = mem
				res, err := Execute(context.Background(), g, Config{ConfigBatchSize: fmt.Sprint(size)})
				require.NoError(t, err)
				want, late, nulls := refFirstRowtime(firstRowtimeSteps(rows, size, 1000))
				got := strs(out.Rows())
				sort.Strings(got)
				assert.Equal(t, want, got)
				for _, r := range out.Rows() {
					require.Equal(t, vectorized.Insert, r.Kind)
				}
				assert.Equal(t, late, counter(res, "numLateRecordsDropped"))
				assert.Equal(t, nulls, counter(res, "numNullRowTimeRecordsDropped"))
				if size == 1 {
					assert.Positive(t, late, "the input has late rows")
				}
			})
		}
	}
}

// The watermark emits a key's row once it reaches its rowtime, in
// rowtime order; an earlier row replaces the waiting one; after the
// emission the key ignores its rows.
func TestFirstRowtimeHarness(t *testing.T) {
	mem := checkedMem(t)
	ctx := context.Background()
	op := NewDeduplicate(firstRowtimeSpec)
	h := newHarness(t, mem, op, Config{})
	h.rt.MaxParallelism = DefaultMaxParallelism
	row := func(k string, ts, v int64) []any { return []any{k, ts, v, nil, nil} }
	assert.Empty(t, h.process(makeBatch(t, mem, rnSchema, nil, row("a", 5000, 1), row("b", 3000, 2), row("a", 4000, 3), row("a", 4000, 4))))
	_, err := op.(WatermarkHandler).ProcessWatermark(ctx, 3999, h)
	require.NoError(t, err)
	assert.Equal(t, []string{"+I[b, 1970-01-01 00:00:03.000, 2, null, null]"}, strs(h.out))
	h.out = nil
	_, err = op.(WatermarkHandler).ProcessWatermark(ctx, 4000, h)
	require.NoError(t, err)
	assert.Equal(t, []string{"+I[a, 1970-01-01 00:00:04.000, 3, null, null]"}, strs(h.out), "the first of equal rowtimes")
	assert.Empty(t, h.process(makeBatch(t, mem, rnSchema, nil, row("a", 4500, 5), row("c", 3000, 6), row("c", 4000, 7))))
	assert.Equal(t, int64(1), h.rt.Metrics.Counter("numLateRecordsDropped").Add(0), "c at 3000 is below the watermark")
	assert.Equal(t, []string{"+I[c, 1970-01-01 00:00:04.000, 7, null, null]"}, strs(h.endInputAfter(MaxWatermark)))
}

func (h *harness) endInputAfter(wm int64) []Row {
	h.t.Helper()
	h.out = nil
	_, err := h.op.(WatermarkHandler).ProcessWatermark(context.Background(), wm, h)
	require.NoError(h.t, err)
	require.NoError(h.t, h.op.EndInput(context.Background(), h))
	return h.out
}

// A source fails halfway with rows waiting; the job restarts from its last
// checkpoint and the result equals the uninterrupted run's.
func TestFirstRowtimeCheckpointRestore(t *testing.T) {
	rng := rand.New(rand.NewPCG(73, 74))
	rows := firstRowtimeRows(rng, 400)
	const size = 5
	want, _, _ := refFirstRowtime(firstRowtimeSteps(rows, size, 1000))
	for _, backend := range []string{state.BackendHashMap, state.BackendPebble} {
		for _, par := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/p%d", backend, par), func(t *testing.T) {
				mem := checkedMem(t)
				batches := rnBatches(t, mem, rows, size)
				defer func() {
					for _, b := range batches {
						b.Release()
					}
				}()
				var failed atomic.Bool
				var out Collected
				g := dedupWMJob(batches, firstRowtimeSpec, 1000, par, &out)
				g.Mem = mem
				g.Vertices[0].Source = func(int) Source {
					return &replaySource{batches: batches, failAt: len(batches) / 2, failed: &failed}
				}
				cfg := ckptConfig(t.TempDir(), state.ConfigBackendType, backend, ConfigStateLocalDir, t.TempDir())
				res, err := Execute(context.Background(), g, cfg)
				require.NoError(t, err)
				require.True(t, failed.Load())
				require.Positive(t, res.Checkpoints.RestoredID, "restarted from a checkpoint")
				got := strs(out.Rows())
				sort.Strings(got)
				assert.Equal(t, want, slices.Compact(got))
			})
		}
	}
}

// One instance takes the first half (a watermark emits some keys, others
// wait) and snapshots; three restore from it, each its key groups, and
// take the second half: the emitted rows equal the model's.
func TestFirstRowtimeRescale(t *testing.T) {
	mem := checkedMem(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(75, 76))
	rows := firstRowtimeRows(rng, 300)
	for i := range rows {
		rows[i].vals[0] = fmt.Sprintf("k%d", rng.IntN(30))
	}
	half := len(rows) / 2
	var mid int64
	for _, r := range rows[:half] {
		if r.vals[1] != nil {
			mid = max(mid, r.vals[1].(int64))
		}
	}
	mid -= 5000
	want, late, _ := refFirstRowtime([]dedupStep{{rows: rows[:half], wm: mid}, {rows: rows[half:], wm: MaxWatermark}})
	require.Positive(t, late, "second-half rows below the watermark")

	var got []string
	inst := NewInstanceForTest(InstanceOptions{Mem: mem, Checkpointing: true})
	op := NewDeduplicate(firstRowtimeSpec)
	require.NoError(t, op.Open(ctx, inst.RT))
	h := &harness{t: t, op: op, mem: mem, rt: inst.RT}
	h.process(rnBatches(t, mem, rows[:half], half)[0])
	_, err := op.(WatermarkHandler).ProcessWatermark(ctx, mid, h)
	require.NoError(t, err)
	got = append(got, strs(h.out)...)
	require.NotEmpty(t, got, "some keys are emitted before the snapshot")
	require.NoError(t, op.(Checkpointed).SnapshotState(ctx, CheckpointInfo{ID: 1}))
	dir := t.TempDir()
	require.NoError(t, inst.Snapshot(dir))
	require.NoError(t, op.Close())
	require.NoError(t, inst.Close())
	var lateGot int64
	for sub := 0; sub < 3; sub++ {
		inst := NewInstanceForTest(InstanceOptions{Subtask: sub, Parallelism: 3, Mem: mem, Checkpointing: true, RestoreFrom: []string{dir}, RestoreID: 1})
		op := NewDeduplicate(firstRowtimeSpec)
		require.NoError(t, op.Open(ctx, inst.RT))
		h := &harness{t: t, op: op, mem: mem, rt: inst.RT}
		var mine []rnRow
		for _, r := range rows[half:] {
			if inst.RT.KeyGroups().Contains(int(keyGroupOfString(inst.RT, r.vals[0].(string)))) {
				mine = append(mine, r)
			}
		}
		// The watermark fired up to (mid) is restored: rows of the second
		// half below it are late as in the uninterrupted run.
		if len(mine) > 0 {
			h.process(rnBatches(t, mem, mine, len(mine))[0])
		}
		got = append(got, strs(h.endInputAfter(MaxWatermark))...)
		lateGot += inst.RT.Metrics.Counter("numLateRecordsDropped").Add(0)
		require.NoError(t, op.Close())
		require.NoError(t, inst.Close())
	}
	sort.Strings(got)
	assert.Equal(t, want, got)
	assert.Equal(t, late, lateGot)
}
