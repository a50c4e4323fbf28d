package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

// Window Top-N test rows are evtSchema's (k, ts, v) through a window TVF:
// k, ts, v, window_start, window_end, window_time; ranked per k and window
// by v (DESC, or ts for the deduplications).

var windowRankCases = []struct {
	name string
	spec WindowRankSpec
}{
	{"top2", WindowRankSpec{Keys: []int{0}, OrderBy: []SortKey{{Col: 2, Desc: true}}, RankStart: 1, RankEnd: 2, OutputRankNumber: true}},
	{"range2-3", WindowRankSpec{Keys: []int{0}, OrderBy: []SortKey{{Col: 2}}, RankStart: 2, RankEnd: 3}},
	{"global-top3", WindowRankSpec{OrderBy: []SortKey{{Col: 2, Desc: true}, {Col: 1}}, RankStart: 1, RankEnd: 3, OutputRankNumber: true}},
	{"dedup-first", WindowRankSpec{Keys: []int{0}, OrderBy: []SortKey{{Col: 1}}, RankStart: 1, RankEnd: 1}},
	{"dedup-last", WindowRankSpec{Keys: []int{0}, OrderBy: []SortKey{{Col: 1, Desc: true}}, RankStart: 1, RankEnd: 1, TiesLast: true}},
}

func withWindow(s WindowRankSpec, w WindowSpec) WindowRankSpec {
	s.StartCol, s.EndCol, s.Window = 3, 4, w
	return s
}

// refWindowRank is the expected output and late count: rows in batches of
// sizes, each through the window assigner; a row whose window has fired
// at the watermark of the batches before (max ts - delay) is late; a
// window's rows sort stably by the ORDER BY (TiesLast: later rows first
// among equals) and ranks RankStart..RankEnd are emitted.
func refWindowRank(spec WindowRankSpec, evs []evt, size int, delay int64) ([]string, int64) {
	wa, err := newWindowAssigner(spec.Window)
	if err != nil {
		panic(err)
	}
	type entry struct {
		e          evt
		start, end int64
		seq        int
	}
	groups := map[string][]entry{}
	wm, late, seq := MinWatermark, int64(0), 0
	for lo := 0; lo < len(evs); lo += size {
		hi := min(len(evs), lo+size)
		maxTS := MinWatermark
		for _, e := range evs[lo:hi] {
			maxTS = max(maxTS, e.ts)
			for j := 0; j < wa.perRow; j++ {
				s, en, ok := wa.window(e.ts, j)
				if !ok {
					continue
				}
				if isWindowFired(en, wm) {
					late++
					continue
				}
				key := ""
				if len(spec.Keys) > 0 {
					key = e.k
				}
				id := fmt.Sprintf("%s/%d", key, en)
				groups[id] = append(groups[id], entry{e, s, en, seq})
				seq++
			}
		}
		wm = max(wm, maxTS-delay)
	}
	var out []string
	for _, g := range groups {
		sort.SliceStable(g, func(i, j int) bool {
			for _, k := range spec.OrderBy {
				a, b := g[i].e.v, g[j].e.v
				if k.Col == 1 {
					a, b = g[i].e.ts, g[j].e.ts
				}
				if a != b {
					return (a < b) != k.Desc
				}
			}
			if spec.TiesLast {
				return g[i].seq > g[j].seq
			}
			return false
		})
		for r, en := range g {
			rk := int64(r + 1)
			if rk < spec.RankStart || rk > spec.RankEnd {
				continue
			}
			vals := []any{en.e.k, fmtTS(en.e.ts), en.e.v, fmtTS(en.start), fmtTS(en.end), fmtTS(en.end - 1)}
			if spec.OutputRankNumber {
				vals = append(vals, rk)
			}
			out = append(out, Row{Values: vals}.String())
		}
	}
	sort.Strings(out)
	return out, late
}

// windowRankJob: values → watermark assigner (ts - delay) → window TVF →
// hash by k (global without keys) → window rank (parallelism par) →
// collect.
func windowRankJob(mem memory.Allocator, batches []*vectorized.Batch, spec WindowRankSpec, delay int64, par int, out *Collected) *JobGraph {
	part := Partitioning{Kind: Hash, Keys: spec.Keys}
	if len(spec.Keys) == 0 {
		par, part = 1, Partitioning{Kind: Global}
	}
	return &JobGraph{Name: "window-rank", Mem: mem, Vertices: []*Vertex{
		{ID: 1, Name: "src", Parallelism: 1, Source: NewValuesSource(batches),
			Chain: []func() Operator{
				func() Operator { return NewWatermarkAssigner(WatermarkSpec{Expr: tsMinus{1, delay}}) },
				func() Operator { return NewWindowTVF(spec.Window) },
			}},
		{ID: 2, Name: "rank", Parallelism: par, Inputs: []Edge{{From: 1, Partition: part}},
			Chain: []func() Operator{func() Operator { return NewWindowRank(spec) }},
			Sink:  NewCollectSink(out)},
	}}
}

// Window Top-N and deduplication over TUMBLE, HOP and CUMULATE, with
// out-of-order and late rows, at batch sizes 1, 7 and default and
// parallelism 1 and 3, on a checked allocator: the output and the late
// count equal a row-at-a-time model.
func TestWindowRankEventTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	evs := randomEvents(rng, 400)
	for _, wk := range windowKinds[:5] {
		for _, rc := range windowRankCases {
			spec := withWindow(rc.spec, wk.spec)
			for _, size := range []int{1, 7, DefaultBatchSize} {
				for _, par := range []int{1, 3} {
					t.Run(fmt.Sprintf("%s/%s/batch%d/p%d", wk.name, rc.name, size, par), func(t *testing.T) {
						mem := checkedMem(t)
						batches := evtBatches(t, mem, evs, size)
						defer func() {
							for _, b := range batches {
								b.Release()
							}
						}()
						var out Collected
						cfg := Config{ConfigBatchSize: fmt.Sprint(size)}
						res, err := Execute(context.Background(), windowRankJob(mem, batches, spec, 1000, par, &out), cfg)
						require.NoError(t, err)
						want, late := refWindowRank(spec, evs, size, 1000)
						got := strs(out.Rows())
						sort.Strings(got)
						assert.Equal(t, want, got)
						assert.Equal(t, late, lateDropped(res))
						for _, r := range out.Rows() {
							assert.Equal(t, vectorized.Insert, r.Kind, "append-only")
						}
						if size == 1 {
							assert.Positive(t, late, "the input has late rows")
						}
					})
				}
			}
		}
	}
}

// Ties: Top-N keeps arrival order among equal keys; keep-last
// deduplication takes the latest of equal rowtimes, keep-first the
// earliest. A watermark fires exactly the windows it completes.
func TestWindowRankTiesAndFiring(t *testing.T) {
	mem := checkedMem(t)
	ctx := context.Background()
	w := WindowSpec{Kind: Tumble, TimeCol: 1, Size: 10 * time.Second}
	rows := [][]any{{"a", int64(1000), int64(1)}, {"a", int64(1000), int64(2)}, {"a", int64(2000), int64(3)}, {"a", int64(2000), int64(4)}, {"a", int64(12000), int64(5)}}
	for _, tc := range []struct {
		name string
		spec WindowRankSpec
		want []string
	}{
		{"first", WindowRankSpec{Keys: []int{0}, OrderBy: []SortKey{{Col: 1}}, RankStart: 1, RankEnd: 1}, []string{"+I[a, 1970-01-01 00:00:01.000, 1, 1970-01-01 00:00:00.000, 1970-01-01 00:00:10.000, 1970-01-01 00:00:09.999]"}},
		{"last", WindowRankSpec{Keys: []int{0}, OrderBy: []SortKey{{Col: 1, Desc: true}}, RankStart: 1, RankEnd: 1, TiesLast: true}, []string{"+I[a, 1970-01-01 00:00:02.000, 4, 1970-01-01 00:00:00.000, 1970-01-01 00:00:10.000, 1970-01-01 00:00:09.999]"}},
		{"top3-by-ts-desc", WindowRankSpec{Keys: []int{0}, OrderBy: []SortKey{{Col: 1, Desc: true}}, RankStart: 1, RankEnd: 3, OutputRankNumber: true}, []string{
			"+I[a, 1970-01-01 00:00:02.000, 3, 1970-01-01 00:00:00.000, 1970-01-01 00:00:10.000, 1970-01-01 00:00:09.999, 1]",
			"+I[a, 1970-01-01 00:00:02.000, 4, 1970-01-01 00:00:00.000, 1970-01-01 00:00:10.000, 1970-01-01 00:00:09.999, 2]",
			"+I[a, 1970-01-01 00:00:01.000, 1, 1970-01-01 00:00:00.000, 1970-01-01 00:00:10.000, 1970-01-01 00:00:09.999, 3]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tvf := NewWindowTVF(w)
			newHarness(t, mem, tvf, Config{})
			op := NewWindowRank(withWindow(tc.spec, w))
			h := newHarness(t, mem, op, Config{})
			in := makeBatch(t, mem, evtSchema, nil, rows...)
			var windowed []*vectorized.Batch
			require.NoError(t, tvf.Process(ctx, 0, in, CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
				windowed = append(windowed, RetainBatch(b))
				return nil
			})))
			in.Release()
			for _, b := range windowed {
				h.process(b)
			}
			_, err := op.(WatermarkHandler).ProcessWatermark(ctx, 9998, h)
			require.NoError(t, err)
			assert.Empty(t, h.out, "the window ends at 9999")
			_, err = op.(WatermarkHandler).ProcessWatermark(ctx, 9999, h)
			require.NoError(t, err)
			assert.Equal(t, tc.want, strs(h.out))
			h.out = nil
			require.NoError(t, op.EndInput(ctx, h))
			assert.Len(t, h.out, 1, "the second window fires at the end of the input")
		})
	}
}

// A source fails in the middle of the input with windows open; the job
// restarts from the last checkpoint and the result equals the
// uninterrupted run's.
func TestWindowRankCheckpointRestore(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	evs := randomEvents(rng, 600)
	for _, wk := range windowKinds[:5] {
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
					spec := withWindow(windowRankCases[0].spec, wk.spec)
					var failed atomic.Bool
					var out Collected
					g := windowRankJob(mem, batches, spec, 1000, par, &out)
					g.Vertices[0].Source = func(int) Source {
						return &replaySource{batches: batches, failAt: len(batches) / 2, failed: &failed}
					}
					cfg := ckptConfig(t.TempDir(), state.ConfigBackendType, backend, ConfigStateLocalDir, t.TempDir())
					res, err := Execute(context.Background(), g, cfg)
					require.NoError(t, err)
					require.True(t, failed.Load())
					require.Positive(t, res.Checkpoints.RestoredID, "restarted from a checkpoint")
					want, _ := refWindowRank(spec, evs, size, 1000)
					got := strs(out.Rows())
					sort.Strings(got)
					assert.Equal(t, want, slices.Compact(got))
				})
			}
		}
	}
}

// Window state written by three subtasks restores into one: rescaling
// moves whole key groups with their open windows, and the result equals
// the model's.
func TestWindowRankRescale(t *testing.T) {
	mem := checkedMem(t)
	rng := rand.New(rand.NewPCG(61, 62))
	evs := randomEvents(rng, 300)
	for i := range evs {
		evs[i].k = fmt.Sprintf("k%d", rng.IntN(40))
	}
	w := WindowSpec{Kind: Hop, TimeCol: 1, Size: 6 * time.Second, Slide: 2 * time.Second}
	spec := withWindow(windowRankCases[0].spec, w)
	ctx := context.Background()
	half := len(evs) / 2
	windowed := func(part []evt) []*vectorized.Batch {
		in := evtBatches(t, mem, part, len(part))[0]
		defer in.Release()
		tvf := NewWindowTVF(w)
		newHarness(t, mem, tvf, Config{})
		var got []*vectorized.Batch
		require.NoError(t, tvf.Process(ctx, 0, in, CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
			got = append(got, RetainBatch(b))
			return nil
		})))
		return got
	}
	var dirs, got []string
	for sub := 0; sub < 3; sub++ {
		inst := NewInstanceForTest(InstanceOptions{Subtask: sub, Parallelism: 3, Mem: mem, Checkpointing: true})
		op := NewWindowRank(spec)
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
			for _, b := range windowed(mine) {
				got = append(got, strs(h.process(b))...)
			}
		}
		require.NoError(t, op.(Checkpointed).SnapshotState(ctx, CheckpointInfo{ID: 1}))
		dir := t.TempDir()
		require.NoError(t, inst.Snapshot(dir))
		dirs = append(dirs, dir)
		require.NoError(t, op.Close())
		require.NoError(t, inst.Close())
	}
	assert.Empty(t, got, "no watermark yet: every window is open")
	inst := NewInstanceForTest(InstanceOptions{Mem: mem, Checkpointing: true, RestoreFrom: dirs, RestoreID: 1})
	op := NewWindowRank(spec)
	require.NoError(t, op.Open(ctx, inst.RT))
	h := &harness{t: t, op: op, mem: mem, rt: inst.RT}
	for _, b := range windowed(evs[half:]) {
		h.process(b)
	}
	h.out = nil
	_, err := op.(WatermarkHandler).ProcessWatermark(ctx, MaxWatermark, h)
	require.NoError(t, err)
	got = strs(h.out)
	require.NoError(t, op.Close())
	require.NoError(t, inst.Close())
	sort.Strings(got)
	want, late := refWindowRank(spec, evs, len(evs), 0)
	require.Zero(t, late)
	assert.Equal(t, want, got)
}
