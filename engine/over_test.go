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

// The OVER tests' aggregates: COUNT(*), COUNT(v), SUM(v), MIN(v), MAX(s).
var overAggs = []AggCall{{Func: CountStar}, {Func: Count, Arg: 2}, {Func: Sum, Arg: 2}, {Func: Min, Arg: 2}, {Func: Max, Arg: 4}}

// refOverResult is the model's aggregates over frame rows.
func refOverResult(frame [][]any) []any {
	var cnt, cntV int64
	var sum, minV any
	var maxS any
	for _, r := range frame {
		cnt++
		if v, ok := r[2].(int64); ok {
			cntV++
			if sum == nil {
				sum, minV = v, v
			} else {
				sum = sum.(int64) + v
				minV = min(minV.(int64), v)
			}
		}
		if s, ok := r[4].(string); ok && (maxS == nil || s > maxS.(string)) {
			maxS = s
		}
	}
	return []any{cnt, cntV, sum, minV, maxS}
}

type overFrame struct {
	rows      bool
	preceding int64
}

// refFire appends the model's output for the rows of one partition firing
// (already in order) after the partition's fired rows.
func refFire(f overFrame, fired [][]any, times []int64, ready [][]any, readyTimes []int64, out []string) []string {
	all := append(slices.Clone(fired), ready...)
	ts := append(slices.Clone(times), readyTimes...)
	for i := len(fired); i < len(all); i++ {
		var frame [][]any
		for j := range all {
			var in bool
			switch {
			case f.rows && f.preceding < 0:
				in = j <= i
			case f.rows:
				in = j <= i && j >= i-int(f.preceding)
			case f.preceding < 0:
				in = ts[j] <= ts[i]
			default:
				in = ts[j] <= ts[i] && ts[j] >= ts[i]-f.preceding
			}
			if in {
				frame = append(frame, all[j])
			}
		}
		vals := slices.Clone(all[i])
		vals[1] = fmtTS(vals[1].(int64))
		out = append(out, Row{Kind: vectorized.Insert, Values: append(vals, refOverResult(frame)...)}.String())
	}
	return out
}

// refOverEventTime is the model on event time: the watermark after each
// batch is the largest time so far minus delay; MaxWatermark at the end.
func refOverEventTime(f overFrame, rows []rnRow, size int, delay int64) ([]string, int64) {
	type part struct {
		lastFired int64
		fired     [][]any
		times     []int64
		pend      [][]any
		// RANGE with an offset: Flink's cleanup time and timers (see
		// RowTimeRangeBoundedPrecedingFunction).
		cleanup int64
		timers  map[int64]bool
	}
	cleanups := !f.rows && f.preceding >= 0
	parts := map[string]*part{}
	var out []string
	var late int64
	wm, maxTS := MinWatermark, MinWatermark
	fire := func() {
		for _, p := range parts {
			sort.SliceStable(p.pend, func(i, j int) bool { return p.pend[i][1].(int64) < p.pend[j][1].(int64) })
			lim := wm
			clearing := cleanups && p.cleanup != 0 && p.cleanup <= wm
			if clearing {
				lim = p.cleanup - 1
			}
			n := 0
			for n < len(p.pend) && p.pend[n][1].(int64) <= lim {
				n++
			}
			if n > 0 {
				var rt []int64
				for _, r := range p.pend[:n] {
					rt = append(rt, r[1].(int64))
				}
				out = refFire(f, p.fired, p.times, p.pend[:n], rt, out)
				p.fired, p.times = append(p.fired, p.pend[:n]...), append(p.times, rt...)
				p.lastFired = rt[n-1]
				p.pend = p.pend[n:]
			}
			if !cleanups {
				continue
			}
			// Timers up to the watermark: the cleanup timer clears the
			// partition; every later (or, without one, every) timer moves
			// lastTriggeringTs.
			var due []int64
			for t := range p.timers {
				if t <= wm {
					due = append(due, t)
					delete(p.timers, t)
				}
			}
			if clearing {
				c := p.cleanup
				p.fired, p.times, p.pend, p.cleanup, p.lastFired = nil, nil, nil, 0, 0
				for _, t := range due {
					if t > c {
						p.lastFired = max(p.lastFired, t)
					}
				}
				continue
			}
			for _, t := range due {
				p.lastFired = max(p.lastFired, t)
			}
		}
	}
	for lo := 0; lo < len(rows); lo += size {
		for _, r := range rows[lo:min(len(rows), lo+size)] {
			k, ts := r.vals[0].(string), r.vals[1].(int64)
			maxTS = max(maxTS, ts)
			p := parts[k]
			if p == nil {
				p = &part{lastFired: 0} // Flink's lastTriggeringTs starts at 0
				parts[k] = p
			}
			if f.preceding >= 0 && ts <= p.lastFired || f.preceding < 0 && ts <= wm {
				late++
				continue
			}
			p.pend = append(p.pend, r.vals)
			if cleanups {
				if p.timers == nil {
					p.timers = map[int64]bool{}
				}
				p.timers[ts] = true
				if p.cleanup == 0 || p.cleanup < ts+f.preceding+1 {
					p.cleanup = ts + int64(float64(f.preceding)*1.5) + 1
					p.timers[p.cleanup] = true
				}
			}
		}
		if maxTS-delay > wm {
			wm = maxTS - delay
			fire()
		}
	}
	wm = MaxWatermark
	fire()
	sort.Strings(out)
	return out, late
}

var overFrames = []struct {
	name string
	f    overFrame
}{
	{"rows/3", overFrame{true, 3}},
	{"rows/0", overFrame{true, 0}},
	{"rows/unbounded", overFrame{true, Unbounded}},
	{"range/2s", overFrame{false, 2000}},
	{"range/unbounded", overFrame{false, Unbounded}},
}

func overSpec(f overFrame) OverAggSpec {
	return OverAggSpec{PartitionKeys: []int{0}, TimeCol: 1, Rows: f.rows, Preceding: f.preceding, Aggs: overAggs}
}

// overJob: values → watermark assigner (ts - delay, after each batch) →
// hash by k → OVER (parallelism par) → collect.
func overJob(mem memory.Allocator, batches []*vectorized.Batch, spec OverAggSpec, delay int64, par int, out *Collected) *JobGraph {
	return &JobGraph{Name: "over", Mem: mem, Vertices: []*Vertex{
		{ID: 1, Name: "src", Parallelism: 1, Source: NewValuesSource(batches),
			Chain: []func() Operator{func() Operator { return NewWatermarkAssigner(WatermarkSpec{Expr: tsMinus{1, delay}}) }}},
		{ID: 2, Name: "over", Parallelism: par, Inputs: []Edge{{From: 1, Partition: Partitioning{Kind: Hash, Keys: []int{0}}}},
			Chain: []func() Operator{func() Operator { return NewOverAggregate(spec) }},
			Sink:  NewCollectSink(out)},
	}}
}

// OVER on event time, out-of-order input with late rows, every frame kind,
// at batch sizes 1, 7 and default and parallelism 1 and 3, on a checked
// allocator: the output and the late count equal a row-at-a-time model.
func TestOverAggregateEventTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	rows := randomRows(rng, 600, false)
	for i := range rows {
		// Equal times now and then (RANGE peers), and rows far behind.
		ts := rows[i].vals[1].(int64) / 300 * 300
		if rng.IntN(25) == 0 {
			ts -= 8000
		}
		rows[i].vals[1] = ts
	}
	for _, fr := range overFrames {
		for _, size := range []int{1, 7, DefaultBatchSize} {
			want, late := refOverEventTime(fr.f, rows, size, 1000)
			for _, par := range []int{1, 3} {
				t.Run(fmt.Sprintf("%s/b%d/p%d", fr.name, size, par), func(t *testing.T) {
					mem := checkedMem(t)
					batches := rnBatches(t, mem, rows, size)
					defer func() {
						for _, b := range batches {
							b.Release()
						}
					}()
					var out Collected
					res, err := Execute(context.Background(), overJob(mem, batches, overSpec(fr.f), 1000, par, &out), Config{})
					require.NoError(t, err)
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

// OVER on processing time, driven by hand with a clock: each batch is one
// instant (sometimes the same as the last); rows are emitted as they come.
func TestOverAggregateProcTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(53, 54))
	rows := randomRows(rng, 300, false)
	for _, fr := range overFrames {
		t.Run(fr.name, func(t *testing.T) {
			mem := checkedMem(t)
			spec := overSpec(fr.f)
			spec.ProcTime = true
			inst := NewInstanceForTest(InstanceOptions{Mem: mem})
			defer inst.Close()
			op := NewOverAggregate(spec).(*overAgg)
			clock := time.UnixMilli(5_000_000)
			op.now = func() time.Time { return clock }
			require.NoError(t, op.Open(context.Background(), inst.RT))
			defer op.Close()
			var got []string
			fired := map[string][][]any{}
			times := map[string][]int64{}
			var want []string
			for lo := 0; lo < len(rows); {
				hi := min(len(rows), lo+1+rng.IntN(6))
				clock = clock.Add(time.Duration(rng.IntN(3)) * 700 * time.Millisecond)
				b := rnBatches(t, mem, rows[lo:hi], hi-lo)[0]
				require.NoError(t, op.Process(context.Background(), 0, b, CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
					got = append(got, strs(BatchRows(b))...)
					return nil
				})))
				b.Release()
				// Model: the batch's rows, per key in arrival order, at one
				// instant.
				byK := map[string][][]any{}
				for _, r := range rows[lo:hi] {
					k := r.vals[0].(string)
					byK[k] = append(byK[k], r.vals)
				}
				for k, ready := range byK {
					ts := make([]int64, len(ready))
					for i := range ts {
						ts[i] = clock.UnixMilli()
					}
					want = refFire(fr.f, fired[k], times[k], ready, ts, want)
					fired[k], times[k] = append(fired[k], ready...), append(times[k], ts...)
				}
				lo = hi
			}
			sort.Strings(want)
			sort.Strings(got)
			assert.Equal(t, want, got)
		})
	}
}

// A job fails halfway and restarts from its last checkpoint (rows buffered
// for the watermark are in the checkpoint): the output equals the
// uninterrupted run's; and one instance's state restored into three.
func TestOverAggregateCheckpointRestore(t *testing.T) {
	rng := rand.New(rand.NewPCG(55, 56))
	rows := randomRows(rng, 400, false)
	for _, fr := range overFrames {
		for _, backend := range []string{state.BackendHashMap, state.BackendPebble} {
			for _, par := range []int{1, 3} {
				t.Run(fmt.Sprintf("%s/%s/p%d", fr.name, backend, par), func(t *testing.T) {
					mem := checkedMem(t)
					const size = 5
					batches := rnBatches(t, mem, rows, size)
					defer func() {
						for _, b := range batches {
							b.Release()
						}
					}()
					var failed atomic.Bool
					var out txnRows
					g := overJob(mem, batches, overSpec(fr.f), 1000, par, nil)
					g.Vertices[0].Source = func(int) Source {
						return &replaySource{batches: batches, failAt: len(batches) / 2, failed: &failed}
					}
					g.Vertices[1].Sink = func(int) Sink { return &txnSink{c: &out} }
					cfg := ckptConfig(t.TempDir(), state.ConfigBackendType, backend, ConfigStateLocalDir, t.TempDir())
					res, err := Execute(context.Background(), g, cfg)
					require.NoError(t, err)
					require.True(t, failed.Load())
					require.Positive(t, res.Checkpoints.RestoredID, "restarted from a checkpoint")
					want, _ := refOverEventTime(fr.f, rows, size, 1000)
					got := strs(out.committed(res.Checkpoints.RestoredID))
					sort.Strings(got)
					assert.Equal(t, want, got)
				})
			}
		}
	}
}

// One instance takes the first half of the input (watermark after each
// batch) and checkpoints with rows still buffered; three instances restore
// from it, each taking its key groups' rows of the second half: the output
// equals the model's for the whole input.
func TestOverAggregateRescale(t *testing.T) {
	rng := rand.New(rand.NewPCG(57, 58))
	rows := randomRows(rng, 300, false)
	const size, delay = 6, 1000
	for _, fr := range overFrames {
		t.Run(fr.name, func(t *testing.T) {
			mem := checkedMem(t)
			spec := overSpec(fr.f)
			var got []string
			sink := CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
				got = append(got, strs(BatchRows(b))...)
				return nil
			})
			open := func(o InstanceOptions) (*Instance, Operator) {
				o.Mem, o.Checkpointing = mem, true
				inst := NewInstanceForTest(o)
				op := NewOverAggregate(spec)
				require.NoError(t, op.Open(context.Background(), inst.RT))
				return inst, op
			}
			maxTS := MinWatermark
			drive := func(inst *Instance, op Operator, lo, hi int, filter bool) {
				for ; lo < hi; lo += size {
					var mine []rnRow
					for _, r := range rows[lo:min(len(rows), lo+size)] {
						maxTS = max(maxTS, r.vals[1].(int64))
						if !filter || inst.RT.KeyGroups().Contains(int(keyGroupOfString(inst.RT, r.vals[0].(string)))) {
							mine = append(mine, r)
						}
					}
					if len(mine) > 0 {
						b := rnBatches(t, mem, mine, len(mine))[0]
						require.NoError(t, op.Process(context.Background(), 0, b, sink))
						b.Release()
					}
					_, err := op.(WatermarkHandler).ProcessWatermark(context.Background(), maxTS-delay, sink)
					require.NoError(t, err)
				}
			}
			half := len(rows) / size / 2 * size
			inst, op := open(InstanceOptions{})
			drive(inst, op, 0, half, false)
			require.NoError(t, op.(Checkpointed).SnapshotState(context.Background(), CheckpointInfo{ID: 1}))
			dir := t.TempDir()
			require.NoError(t, inst.Snapshot(dir))
			require.NoError(t, op.Close())
			require.NoError(t, inst.Close())
			mid := maxTS
			for sub := 0; sub < 3; sub++ {
				maxTS = mid
				inst, op := open(InstanceOptions{Subtask: sub, Parallelism: 3, RestoreFrom: []string{dir}, RestoreID: 1})
				drive(inst, op, half, len(rows), true)
				_, err := op.(WatermarkHandler).ProcessWatermark(context.Background(), MaxWatermark, sink)
				require.NoError(t, err)
				require.NoError(t, op.Close())
				require.NoError(t, inst.Close())
			}
			want, _ := refOverEventTime(fr.f, rows, size, delay)
			sort.Strings(got)
			assert.Equal(t, want, got)
		})
	}
}
