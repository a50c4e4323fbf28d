package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

// Rows of the Top-N and deduplication tests: k, ts, v, f, s.
var rnSchema = schemaOf(field("k", arrow.BinaryTypes.String), field("ts", tsType),
	field("v", arrow.PrimitiveTypes.Int64), field("f", arrow.PrimitiveTypes.Float64), field("s", arrow.BinaryTypes.String))

type rnRow struct {
	kind vectorized.RowKind
	vals []any // k string, ts int64 (ms), v int64|nil, f float64|nil, s string|nil
}

// randomRows: insert-only, or (updating) a changelog that now and then
// retracts a live row (-D, or -U followed by +U of a new row).
func randomRows(rng *rand.Rand, n int, updating bool) []rnRow {
	var out, live []rnRow
	newRow := func(i int) rnRow {
		vals := []any{fmt.Sprintf("k%d", rng.IntN(6)), int64(1_000_000 + i*100 - rng.IntN(3000)), int64(rng.IntN(12)), float64(rng.IntN(4)) / 2, []string{"a", "b", "a\x00", ""}[rng.IntN(4)]}
		if rng.IntN(8) == 0 {
			vals[2] = nil
		}
		if rng.IntN(6) == 0 {
			vals[3] = nil
		}
		if rng.IntN(7) == 0 {
			vals[4] = nil
		}
		return rnRow{kind: vectorized.Insert, vals: vals}
	}
	for i := 0; len(out) < n; i++ {
		if updating && len(live) > 0 && rng.IntN(3) == 0 {
			j := rng.IntN(len(live))
			r := live[j]
			live = slices.Delete(live, j, j+1)
			if rng.IntN(2) == 0 {
				out = append(out, rnRow{kind: vectorized.Delete, vals: r.vals})
				continue
			}
			out = append(out, rnRow{kind: vectorized.UpdateBefore, vals: r.vals})
			nr := newRow(i)
			nr.kind = vectorized.UpdateAfter
			nr.vals[0] = r.vals[0]
			out = append(out, nr)
			live = append(live, nr)
			continue
		}
		r := newRow(i)
		out = append(out, r)
		live = append(live, r)
	}
	return out
}

func rnBatches(t testing.TB, mem memory.Allocator, rows []rnRow, size int) []*vectorized.Batch {
	var out []*vectorized.Batch
	for lo := 0; lo < len(rows); lo += size {
		hi := min(len(rows), lo+size)
		var vals [][]any
		var ks []vectorized.RowKind
		for _, r := range rows[lo:hi] {
			vals = append(vals, r.vals)
			ks = append(ks, r.kind)
		}
		out = append(out, makeBatch(t, mem, rnSchema, ks, vals...))
	}
	return out
}

var rnOrder = []SortKey{{Col: 2, Desc: true, NullsFirst: false}, {Col: 4, NullsFirst: true}, {Col: 3, Desc: true, NullsFirst: true}}

// rnLess is the model's ORDER BY v DESC NULLS LAST, s ASC NULLS FIRST,
// f DESC NULLS FIRST, written on Go values.
func rnLess(a, b []any) int {
	if c := cmpNull(a[2], b[2], false, func(x, y any) int { return -cmpInt(x.(int64), y.(int64)) }); c != 0 {
		return c
	}
	if c := cmpNull(a[4], b[4], true, func(x, y any) int { return cmpStr(x.(string), y.(string)) }); c != 0 {
		return c
	}
	return cmpNull(a[3], b[3], true, func(x, y any) int { return -cmpFloat(x.(float64), y.(float64)) })
}

func cmpNull(x, y any, nullsFirst bool, f func(x, y any) int) int {
	switch {
	case x == nil && y == nil:
		return 0
	case x == nil:
		return map[bool]int{true: -1, false: 1}[nullsFirst]
	case y == nil:
		return map[bool]int{true: 1, false: -1}[nullsFirst]
	}
	return f(x, y)
}

func cmpInt(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func cmpFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func cmpStr(x, y string) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// refTopN is the model: per key, the live rows in ORDER BY order (ties in
// arrival order), ranks [start, end], as the materialized result rows.
func refTopN(rows []rnRow, start, end int, withRN bool) []string {
	type kept struct {
		seq  int
		vals []any
	}
	parts := map[string][]kept{}
	for i, r := range rows {
		k := r.vals[0].(string)
		if r.kind == vectorized.Insert || r.kind == vectorized.UpdateAfter {
			parts[k] = append(parts[k], kept{i, r.vals})
			continue
		}
		for j, x := range parts[k] {
			if fmt.Sprint(x.vals) == fmt.Sprint(r.vals) {
				parts[k] = slices.Delete(parts[k], j, j+1)
				break
			}
		}
	}
	out := []string{}
	for _, l := range parts {
		sort.SliceStable(l, func(i, j int) bool {
			if c := rnLess(l[i].vals, l[j].vals); c != 0 {
				return c < 0
			}
			return l[i].seq < l[j].seq
		})
		for rk := start; rk <= end && rk <= len(l); rk++ {
			vals := slices.Clone(l[rk-1].vals)
			vals[1] = fmtTS(vals[1].(int64))
			if withRN {
				vals = append(vals, int64(rk))
			}
			out = append(out, Row{Kind: vectorized.Insert, Values: vals}.String())
		}
	}
	sort.Strings(out)
	return out
}

func materialized(t testing.TB, rows []Row) []string {
	t.Helper()
	m, err := Materialize(rows)
	require.NoError(t, err)
	out := append([]string{}, strs(m)...)
	sort.Strings(out)
	return out
}

// opJob: values → hash by k → op (parallelism par) → collect.
func opJob(mem memory.Allocator, batches []*vectorized.Batch, op func() Operator, par int, out *Collected) *JobGraph {
	return &JobGraph{Name: "keyed", Mem: mem, Vertices: []*Vertex{
		{ID: 1, Name: "src", Parallelism: 1, Source: NewValuesSource(batches)},
		{ID: 2, Name: "op", Parallelism: par, Inputs: []Edge{{From: 1, Partition: Partitioning{Kind: Hash, Keys: []int{0}}}},
			Chain: []func() Operator{op}, Sink: NewCollectSink(out)},
	}}
}

func runOpJob(t *testing.T, rows []rnRow, size, par int, op func() Operator, cfg Config) ([]Row, *JobResult) {
	mem := checkedMem(t)
	batches := rnBatches(t, mem, rows, size)
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	var out Collected
	if cfg == nil {
		cfg = Config{}
	}
	res, err := Execute(context.Background(), opJob(mem, batches, op, par, &out), cfg)
	require.NoError(t, err)
	return out.Rows(), res
}

// byKey splits a changelog by its first column, keeping each key's order
// (which the hash exchange preserves at any parallelism).
func byKey(rows []Row) map[string][]string {
	m := map[string][]string{}
	for _, r := range rows {
		k := fmt.Sprint(r.Values[0])
		m[k] = append(m[k], r.String())
	}
	return m
}

var rankCases = []struct {
	name     string
	updating bool
	start    int64
	end      int64
	withRN   bool
	ub       bool
}{
	{"append/top3", false, 1, 3, false, true},
	{"append/top3/rn", false, 1, 3, true, true},
	{"append/rank2to4/rn", false, 2, 4, true, true},
	{"append/rank2to4", false, 2, 4, false, true},
	{"retract/top3", true, 1, 3, false, true},
	{"retract/top3/rn", true, 1, 3, true, true},
	{"retract/rank2to4/rn", true, 2, 4, true, true},
	{"retract/top1", true, 1, 1, false, true},
}

// Top-N on random input at batch sizes 1, 7 and default and parallelism 1
// and 3, on a checked allocator: the materialized output equals the model,
// and each key's changelog is the same at every batch size and
// parallelism (the operator works row by row).
func TestRankRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, c := range rankCases {
		rows := randomRows(rng, 500, c.updating)
		want := refTopN(rows, int(c.start), int(c.end), c.withRN)
		spec := RankSpec{Keys: []int{0}, OrderBy: rnOrder, RankStart: c.start, RankEnd: c.end,
			OutputRankNumber: c.withRN, UpdatingInput: c.updating, GenerateUpdateBefore: c.ub}
		var first map[string][]string
		for _, size := range []int{1, 7, DefaultBatchSize} {
			for _, par := range []int{1, 3} {
				t.Run(fmt.Sprintf("%s/b%d/p%d", c.name, size, par), func(t *testing.T) {
					got, _ := runOpJob(t, rows, size, par, func() Operator { return NewRank(spec) }, nil)
					assert.Equal(t, want, materialized(t, got))
					if first == nil {
						first = byKey(got)
					} else {
						assert.Equal(t, first, byKey(got))
					}
				})
			}
		}
	}
}

// After every input row the materialized output is the model's top N of
// the rows so far: the changes are right one at a time, not only in sum.
func TestRankStepByStep(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	for _, c := range rankCases {
		t.Run(c.name, func(t *testing.T) {
			mem := checkedMem(t)
			rows := randomRows(rng, 200, c.updating)
			spec := RankSpec{Keys: []int{0}, OrderBy: rnOrder, RankStart: c.start, RankEnd: c.end,
				OutputRankNumber: c.withRN, UpdatingInput: c.updating, GenerateUpdateBefore: true}
			inst := NewInstanceForTest(InstanceOptions{Mem: mem})
			defer inst.Close()
			op := NewRank(spec)
			require.NoError(t, op.Open(context.Background(), inst.RT))
			defer op.Close()
			var got []Row
			sink := CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
				got = append(got, BatchRows(b)...)
				return nil
			})
			for i := range rows {
				b := rnBatches(t, mem, rows[i:i+1], 1)[0]
				require.NoError(t, op.Process(context.Background(), 0, b, sink))
				b.Release()
				require.Equal(t, refTopN(rows[:i+1], int(c.start), int(c.end), c.withRN), materialized(t, got), "after row %d %v", i, rows[i])
			}
		})
	}
}

// Without GenerateUpdateBefore the changelog is the one with it, minus
// its -U rows; and Flink's exact changes on a small example.
func TestRankChanges(t *testing.T) {
	mem := checkedMem(t)
	run := func(spec RankSpec, rows []rnRow) []string {
		inst := NewInstanceForTest(InstanceOptions{Mem: mem})
		defer inst.Close()
		op := NewRank(spec)
		require.NoError(t, op.Open(context.Background(), inst.RT))
		defer op.Close()
		var got []Row
		for _, b := range rnBatches(t, mem, rows, 3) {
			require.NoError(t, op.Process(context.Background(), 0, b, CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
				got = append(got, BatchRows(b)...)
				return nil
			})))
			b.Release()
		}
		return strs(got)
	}
	row := func(kind vectorized.RowKind, v int64) rnRow {
		return rnRow{kind: kind, vals: []any{"a", int64(0), v, 1.0, "x"}}
	}
	rows := []rnRow{row(vectorized.Insert, 5), row(vectorized.Insert, 7), row(vectorized.Insert, 6), row(vectorized.Insert, 9), row(vectorized.Insert, 1)}
	spec := RankSpec{Keys: []int{0}, OrderBy: rnOrder, RankStart: 1, RankEnd: 2, OutputRankNumber: true, GenerateUpdateBefore: true}
	r := func(s string) string { return s[:3] + "a, 1970-01-01 00:00:00.000, " + s[3:] }
	assert.Equal(t, []string{
		r("+I[5, 1, x, 1]"),
		r("-U[5, 1, x, 1]"), r("+U[7, 1, x, 1]"), r("+I[5, 1, x, 2]"),
		r("-U[5, 1, x, 2]"), r("+U[6, 1, x, 2]"),
		r("-U[7, 1, x, 1]"), r("+U[9, 1, x, 1]"), r("-U[6, 1, x, 2]"), r("+U[7, 1, x, 2]"),
	}, run(spec, rows))
	withUB := run(spec, rows)
	spec.GenerateUpdateBefore = false
	withoutUB := slices.DeleteFunc(slices.Clone(withUB), func(s string) bool { return s[:2] == "-U" })
	assert.Equal(t, withoutUB, run(spec, rows))
	spec.OutputRankNumber = false
	assert.Equal(t, []string{
		"+I[a, 1970-01-01 00:00:00.000, 5, 1, x]", "+I[a, 1970-01-01 00:00:00.000, 7, 1, x]",
		"-D[a, 1970-01-01 00:00:00.000, 5, 1, x]", "+I[a, 1970-01-01 00:00:00.000, 6, 1, x]",
		"-D[a, 1970-01-01 00:00:00.000, 6, 1, x]", "+I[a, 1970-01-01 00:00:00.000, 9, 1, x]",
	}, run(spec, rows))
	// Retractable: retracting the top row lets the third one in.
	spec.UpdatingInput = true
	assert.Equal(t, []string{
		"+I[a, 1970-01-01 00:00:00.000, 5, 1, x]", "+I[a, 1970-01-01 00:00:00.000, 7, 1, x]",
		"-D[a, 1970-01-01 00:00:00.000, 5, 1, x]", "+I[a, 1970-01-01 00:00:00.000, 6, 1, x]",
		"-D[a, 1970-01-01 00:00:00.000, 7, 1, x]", "+I[a, 1970-01-01 00:00:00.000, 5, 1, x]",
	}, run(spec, []rnRow{row(vectorized.Insert, 5), row(vectorized.Insert, 7), row(vectorized.Insert, 6), row(vectorized.Delete, 7)}))
	// Insert-only Top-N refuses a retraction.
	spec.UpdatingInput = false
	op := NewRank(spec)
	inst := NewInstanceForTest(InstanceOptions{Mem: mem})
	defer inst.Close()
	require.NoError(t, op.Open(context.Background(), inst.RT))
	b := rnBatches(t, mem, []rnRow{row(vectorized.Delete, 1)}, 1)[0]
	defer b.Release()
	assert.Error(t, op.Process(context.Background(), 0, b, CollectorFunc(func(context.Context, *vectorized.Batch) error { return nil })))
	require.NoError(t, op.Close())
}

// txnSink keeps, per attempt of the job, the rows it received tagged with
// the last checkpoint it snapshotted before them: the rows a restored run
// replays are those after the checkpoint it restores, so the changelog of
// an exactly-once run is the first attempt's rows before that checkpoint,
// then the second attempt's.
type txnSink struct {
	c        *txnRows
	restored bool
	epoch    int64
}

type txnRows struct {
	mu   sync.Mutex
	rows []txnRow
}

type txnRow struct {
	restored bool
	epoch    int64
	row      Row
}

func (s *txnSink) Open(_ context.Context, rt *RuntimeContext) error {
	_, s.restored = rt.Restored()
	return nil
}

func (s *txnSink) Write(_ context.Context, b *vectorized.Batch) error {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	for _, r := range BatchRows(b) {
		s.c.rows = append(s.c.rows, txnRow{s.restored, s.epoch, r})
	}
	return nil
}

func (s *txnSink) SnapshotState(_ context.Context, cp CheckpointInfo) error {
	s.epoch = cp.ID
	return nil
}

func (s *txnSink) Finish(context.Context) error { return nil }
func (s *txnSink) Close() error                 { return nil }

// committed is the exactly-once changelog of a run restored from
// checkpoint id.
func (c *txnRows) committed(id int64) []Row {
	var out []Row
	for _, r := range c.rows {
		if !r.restored && r.epoch < id {
			out = append(out, r.row)
		}
	}
	for _, r := range c.rows {
		if r.restored {
			out = append(out, r.row)
		}
	}
	return out
}

// restoreRun runs op's job with a source that fails halfway, on each
// backend and parallelism, and checks the changelog is the uninterrupted
// run's (per key, exactly).
func restoreRun(t *testing.T, rows []rnRow, op func() Operator) {
	want, _ := runOpJob(t, rows, 5, 1, op, nil)
	for _, backend := range []string{state.BackendHashMap, state.BackendPebble} {
		for _, par := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/p%d", backend, par), func(t *testing.T) {
				mem := checkedMem(t)
				batches := rnBatches(t, mem, rows, 5)
				defer func() {
					for _, b := range batches {
						b.Release()
					}
				}()
				var failed atomic.Bool
				var out txnRows
				g := opJob(mem, batches, op, par, nil)
				g.Vertices[0].Source = func(int) Source {
					return &replaySource{batches: batches, failAt: len(batches) / 2, failed: &failed}
				}
				g.Vertices[1].Sink = func(int) Sink { return &txnSink{c: &out} }
				cfg := ckptConfig(t.TempDir(), state.ConfigBackendType, backend, ConfigStateLocalDir, t.TempDir())
				res, err := Execute(context.Background(), g, cfg)
				require.NoError(t, err)
				require.True(t, failed.Load())
				require.Positive(t, res.Checkpoints.RestoredID, "restarted from a checkpoint")
				assert.Equal(t, byKey(want), byKey(out.committed(res.Checkpoints.RestoredID)))
			})
		}
	}
}

// A job fails halfway and restarts from its last checkpoint: the Top-N
// changelog equals the uninterrupted run's.
func TestRankCheckpointRestore(t *testing.T) {
	rng := rand.New(rand.NewPCG(35, 36))
	for _, updating := range []bool{false, true} {
		t.Run(fmt.Sprint("updating=", updating), func(t *testing.T) {
			rows := randomRows(rng, 400, updating)
			spec := RankSpec{Keys: []int{0}, OrderBy: rnOrder, RankStart: 1, RankEnd: 3, OutputRankNumber: true,
				UpdatingInput: updating, GenerateUpdateBefore: true}
			restoreRun(t, rows, func() Operator { return NewRank(spec) })
		})
	}
}

// rescaleRun drives op by hand: one instance takes the first half of the
// input and snapshots; three instances restore from it (each its key
// groups) and take the second half routed by key group. The changelog per
// key equals one uninterrupted instance's.
func rescaleRun(t *testing.T, rows []rnRow, newOp func() Operator) {
	mem := checkedMem(t)
	drive := func(inst *Instance, op Operator, rows []rnRow, got *[]Row) {
		for _, b := range rnBatches(t, mem, rows, 4) {
			require.NoError(t, op.Process(context.Background(), 0, b, CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
				*got = append(*got, BatchRows(b)...)
				return nil
			})))
			b.Release()
		}
	}
	open := func(o InstanceOptions) (*Instance, Operator) {
		o.Mem, o.Checkpointing = mem, true
		inst := NewInstanceForTest(o)
		op := newOp()
		require.NoError(t, op.Open(context.Background(), inst.RT))
		return inst, op
	}
	var want []Row
	inst, op := open(InstanceOptions{})
	drive(inst, op, rows, &want)
	require.NoError(t, op.Close())
	require.NoError(t, inst.Close())

	half := len(rows) / 2
	var got []Row
	inst, op = open(InstanceOptions{})
	drive(inst, op, rows[:half], &got)
	dir := t.TempDir()
	require.NoError(t, inst.Snapshot(dir))
	require.NoError(t, op.Close())
	require.NoError(t, inst.Close())
	for sub := 0; sub < 3; sub++ {
		inst, op := open(InstanceOptions{Subtask: sub, Parallelism: 3, RestoreFrom: []string{dir}, RestoreID: 1})
		var mine []rnRow
		for _, r := range rows[half:] {
			if inst.RT.KeyGroups().Contains(int(keyGroupOfString(inst.RT, r.vals[0].(string)))) {
				mine = append(mine, r)
			}
		}
		drive(inst, op, mine, &got)
		require.NoError(t, op.Close())
		require.NoError(t, inst.Close())
	}
	assert.Equal(t, byKey(want), byKey(got))
}

func TestRankRescale(t *testing.T) {
	rng := rand.New(rand.NewPCG(37, 38))
	rows := randomRows(rng, 300, true)
	spec := RankSpec{Keys: []int{0}, OrderBy: rnOrder, RankStart: 1, RankEnd: 2, OutputRankNumber: true,
		UpdatingInput: true, GenerateUpdateBefore: true}
	rescaleRun(t, rows, func() Operator { return NewRank(spec) })
}

// Without PARTITION BY (the planner runs these at parallelism 1) the
// whole input is one partition: Top-N and OVER equal their models over
// rows that all share one key.
func TestRankAndOverWithoutPartitionKeys(t *testing.T) {
	rng := rand.New(rand.NewPCG(39, 40))
	rows := randomRows(rng, 200, true)
	for i := range rows {
		rows[i].vals = slices.Clone(rows[i].vals)
		rows[i].vals[0] = "all"
	}
	spec := RankSpec{OrderBy: rnOrder, RankStart: 1, RankEnd: 4, OutputRankNumber: true, UpdatingInput: true, GenerateUpdateBefore: true}
	got, _ := runOpJob(t, rows, 7, 1, func() Operator { return NewRank(spec) }, nil)
	assert.Equal(t, refTopN(rows, 1, 4, true), materialized(t, got))

	ins := randomRows(rng, 200, false)
	for i := range ins {
		ins[i].vals = slices.Clone(ins[i].vals)
		ins[i].vals[0] = "all"
	}
	ospec := overSpec(overFrame{true, 2})
	ospec.PartitionKeys, ospec.Batch, ospec.Following = nil, true, 1
	want := refOverBatch(OverAggSpec{Rows: true, Preceding: 2, Following: 1}, ins)
	gotO, _ := runOpJob(t, ins, 7, 1, func() Operator { return NewOverAggregate(ospec) }, nil)
	s := strs(gotO)
	sort.Strings(s)
	assert.Equal(t, want, s)
}
