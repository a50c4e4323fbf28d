package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
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

// sjEvent is one changelog row of one join input (0 left, 1 right).
type sjEvent struct {
	side int
	kind vectorized.RowKind
	vals []any
}

func ev(side int, kind string, vals ...any) sjEvent {
	return sjEvent{side: side, kind: kinds(kind)[0], vals: vals}
}

// sjBatch is a batch of one input.
type sjBatch struct {
	side int
	b    *vectorized.Batch
}

// sjBatches groups consecutive events of one side into batches of at
// most size rows.
func sjBatches(t testing.TB, mem memory.Allocator, schemas [2]*arrow.Schema, events []sjEvent, size int) []sjBatch {
	var out []sjBatch
	for i := 0; i < len(events); {
		j := i
		for j < len(events) && j-i < size && events[j].side == events[i].side {
			j++
		}
		var rows [][]any
		var ks []vectorized.RowKind
		for _, e := range events[i:j] {
			rows = append(rows, e.vals)
			ks = append(ks, e.kind)
		}
		out = append(out, sjBatch{events[i].side, makeBatch(t, mem, schemas[events[i].side], ks, rows...)})
		i = j
	}
	return out
}

// driveJoin feeds the events to op (opened) in batches of size and
// returns the changelog it emitted.
func driveJoin(t testing.TB, mem memory.Allocator, op Operator, spec JoinSpec, events []sjEvent, size int) []Row {
	t.Helper()
	var got []Row
	for _, b := range sjBatches(t, mem, [2]*arrow.Schema{spec.Left, spec.Right}, events, size) {
		require.NoError(t, op.Process(context.Background(), b.side, b.b, CollectorFunc(func(_ context.Context, out *vectorized.Batch) error {
			got = append(got, BatchRows(out)...)
			return nil
		})))
		b.b.Release()
	}
	return got
}

func newJoinForTest(t testing.TB, spec JoinSpec) Operator {
	t.Helper()
	spec.Mode = Streaming
	op, err := NewJoin(spec)
	require.NoError(t, err)
	return op
}

// runJoinByHand runs the join without a state backend (the map store).
func runJoinByHand(t testing.TB, spec JoinSpec, events []sjEvent, size int) []string {
	t.Helper()
	mem := checkedMem(t)
	op := newJoinForTest(t, spec)
	newHarness(t, mem, op, Config{})
	return strs(driveJoin(t, mem, op, spec, events, size))
}

// runJoinKeyed runs the join with its state in a backend.
func runJoinKeyed(t testing.TB, spec JoinSpec, events []sjEvent, size int, backend string) []string {
	t.Helper()
	mem := checkedMem(t)
	inst := NewInstanceForTest(InstanceOptions{Mem: mem, Checkpointing: true, Backend: backend, LocalDir: t.TempDir()})
	op := newJoinForTest(t, spec)
	require.NoError(t, op.Open(context.Background(), inst.RT))
	defer func() {
		require.NoError(t, op.Close())
		require.NoError(t, inst.Close())
	}()
	return strs(driveJoin(t, mem, op, spec, events, size))
}

var (
	sjLeft  = schemaOf(field("k", arrow.PrimitiveTypes.Int32), field("v", arrow.BinaryTypes.String))
	sjRight = schemaOf(field("k", arrow.PrimitiveTypes.Int32), field("w", arrow.BinaryTypes.String))
)

// strLess is the condition L.v < R.w over the joined row (columns 1 and
// 3), NULL when either is NULL.
type strLess struct{ a, b int }

func (p strLess) DataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }
func (p strLess) String() string           { return fmt.Sprintf("<($%d, $%d)", p.a, p.b) }
func (p strLess) Eval(ec *vectorized.EvalContext, rec arrow.RecordBatch) (arrow.Array, error) {
	x, y := rec.Column(p.a), rec.Column(p.b)
	b := array.NewBooleanBuilder(ec.Mem)
	defer b.Release()
	for i := 0; i < int(rec.NumRows()); i++ {
		if x.IsNull(i) || y.IsNull(i) {
			b.AppendNull()
			continue
		}
		switch x := x.(type) {
		case *array.String:
			b.Append(x.Value(i) < y.(*array.String).Value(i))
		case *array.Int64:
			b.Append(x.Value(i) < y.(*array.Int64).Value(i))
		default:
			return nil, fmt.Errorf("strLess over %s", x.DataType())
		}
	}
	return b.NewArray(), nil
}

// flinkEvents is the changelog fed to Flink 2.3: one DataStream of these
// rows (a Python map sleeping 0.3 s per row, so that the join receives
// them in this order), split by side into two from_changelog_stream
// tables L(k INT, v STRING) and R(k INT, w STRING).
var flinkEvents = []sjEvent{
	ev(0, "+I", 1, "a"), ev(1, "+I", 1, "x"), ev(1, "-D", 1, "x"), ev(1, "+I", 1, "y"),
	ev(0, "-U", 1, "a"), ev(0, "+U", 1, "b"), ev(1, "+I", 1, "y"), ev(0, "-D", 1, "b"), ev(1, "-D", 1, "y"),
	ev(0, "+I", 2, "a"), ev(0, "+I", 2, "a"), ev(1, "+I", 2, "x"), ev(1, "+U", 2, "z"), ev(1, "-D", 2, "x"),
	ev(1, "+I", 3, "x"), ev(0, "+I", 3, "a"), ev(0, "-D", 3, "a"), ev(1, "-D", 3, "x"),
	ev(0, "+I", nil, "n"), ev(1, "+I", nil, "m"), ev(0, "-D", nil, "n"),
	ev(0, "+I", 5, "b"), ev(1, "+I", 5, "a"), ev(1, "+I", 5, "c"), ev(0, "+I", 5, "d"), ev(1, "-D", 5, "c"), ev(0, "-U", 5, "b"),
}

// TestStreamJoinMatchesFlink: the changelogs Flink 2.3 printed for these
// joins over flinkEvents (SELECT * FROM L [type] JOIN R ON L.k = R.k
// [AND L.v < R.w]; semi/anti as [NOT] EXISTS), row for row, at one row per
// batch and with each run of one side's rows in one batch, without and
// with a state backend.
func TestStreamJoinMatchesFlink(t *testing.T) {
	for _, tc := range flinkJoinCases {
		spec := JoinSpec{Type: tc.typ, LeftKeys: []int{0}, RightKeys: []int{0}, Left: sjLeft, Right: sjRight}
		if tc.cond {
			spec.Cond = strLess{1, 3}
		}
		t.Run(tc.name, func(t *testing.T) {
			for _, size := range []int{1, 100} {
				assert.Equal(t, tc.want, runJoinByHand(t, spec, flinkEvents, size), "batch size %d", size)
			}
			for _, backend := range keyedBackends {
				assert.Equal(t, tc.want, runJoinKeyed(t, spec, flinkEvents, 3, backend), backend)
			}
		})
	}
}

// TestStreamJoinInsertOnlyInputs: declared insert-only inputs keep each
// copy of a row as an entry of its own; the changelog is the same, and a
// retraction on such an input is an error.
func TestStreamJoinInsertOnlyInputs(t *testing.T) {
	events := []sjEvent{
		ev(0, "+I", 1, "a"), ev(0, "+I", 1, "a"), ev(1, "+I", 1, "x"), ev(1, "+I", 1, "x"),
		ev(0, "+I", 2, "b"), ev(1, "+I", 3, "c"), ev(0, "+I", 1, "a"), ev(1, "+I", 2, "d"),
	}
	for _, typ := range []JoinType{InnerJoin, LeftOuterJoin, RightOuterJoin, FullOuterJoin, LeftSemiJoin, LeftAntiJoin} {
		t.Run(typ.String(), func(t *testing.T) {
			spec := JoinSpec{Type: typ, LeftKeys: []int{0}, RightKeys: []int{0}, Left: sjLeft, Right: sjRight}
			want := runJoinByHand(t, spec, events, 1)
			require.NotEmpty(t, want)
			spec.LeftInsertOnly, spec.RightInsertOnly = true, true
			for _, size := range []int{1, 4} {
				assert.Equal(t, want, runJoinByHand(t, spec, events, size))
				assert.Equal(t, want, runJoinKeyed(t, spec, events, size, state.BackendPebble))
			}
		})
	}
	spec := JoinSpec{Type: InnerJoin, LeftKeys: []int{0}, RightKeys: []int{0}, Left: sjLeft, Right: sjRight, RightInsertOnly: true}
	mem := checkedMem(t)
	op := newJoinForTest(t, spec)
	h := newHarness(t, mem, op, Config{})
	b := makeBatch(t, mem, sjRight, kinds("-D"), []any{1, "x"})
	defer b.Release()
	err := op.Process(context.Background(), 1, b, h)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "right input, declared insert-only")
}

// sjModel is the join of two multisets of rows, computed by nested loops:
// what a materialized changelog of the streaming join must equal.
func sjModel(spec JoinSpec, left, right [][]any) []string {
	matches := func(l, r []any) bool {
		for i := range spec.LeftKeys {
			a, b := l[spec.LeftKeys[i]], r[spec.RightKeys[i]]
			if a == nil || b == nil {
				if spec.filterNull(i) || a != nil || b != nil {
					return false
				}
				continue
			}
			if fmt.Sprint(a) != fmt.Sprint(b) {
				return false
			}
		}
		if spec.Cond != nil {
			c := spec.Cond.(strLess)
			all := append(append([]any{}, l...), r...)
			x, y := all[c.a], all[c.b]
			if x == nil || y == nil || !(toInt(x) < toInt(y)) {
				return false
			}
		}
		return true
	}
	nulls := func(n int) []any { return make([]any, n) }
	row := func(vals ...[]any) string {
		var all []any
		for _, v := range vals {
			all = append(all, v...)
		}
		return Row{Kind: vectorized.Insert, Values: all}.String()
	}
	var out []string
	rightMatched := make([]bool, len(right))
	for _, l := range left {
		n := 0
		for ri, r := range right {
			if matches(l, r) {
				n++
				rightMatched[ri] = true
				if !spec.Type.Projects() {
					out = append(out, row(l, r))
				}
			}
		}
		switch {
		case spec.Type == LeftSemiJoin && n > 0, spec.Type == LeftAntiJoin && n == 0:
			out = append(out, row(l))
		case n == 0 && (spec.Type == LeftOuterJoin || spec.Type == FullOuterJoin):
			out = append(out, row(l, nulls(len(right[0]))))
		}
	}
	if spec.Type == RightOuterJoin || spec.Type == FullOuterJoin {
		for ri, r := range right {
			if !rightMatched[ri] {
				out = append(out, row(nulls(spec.Left.NumFields()), r))
			}
		}
	}
	sort.Strings(out)
	return out
}

// randomJoinEvents is a valid random changelog on both inputs: rows of
// few keys (NULL among them) and values, duplicates, and retractions
// (-U/+U pairs and -D) of rows present on their side.
func randomJoinEvents(rng *rand.Rand, n int, retract bool) (events []sjEvent, left, right [][]any) {
	live := [2][][]any{}
	val := func() any {
		if rng.IntN(8) == 0 {
			return nil
		}
		return int64(rng.IntN(6))
	}
	for len(events) < n {
		s := rng.IntN(2)
		if retract && len(live[s]) > 0 && rng.IntN(3) == 0 {
			i := rng.IntN(len(live[s]))
			old := live[s][i]
			live[s] = append(live[s][:i], live[s][i+1:]...)
			if rng.IntN(2) == 0 {
				events = append(events, sjEvent{s, vectorized.Delete, old})
				continue
			}
			events = append(events, sjEvent{s, vectorized.UpdateBefore, old})
			nw := []any{old[0], old[1], val()}
			live[s] = append(live[s], nw)
			events = append(events, sjEvent{s, vectorized.UpdateAfter, nw})
			continue
		}
		r := []any{val(), int64(rng.IntN(3)), val()}
		live[s] = append(live[s], r)
		events = append(events, sjEvent{s, vectorized.Insert, r})
	}
	return events, live[0], live[1]
}

var sjModelSchema = schemaOf(field("k", arrow.PrimitiveTypes.Int64), field("k2", arrow.PrimitiveTypes.Int64), field("v", arrow.PrimitiveTypes.Int64))

// TestStreamJoinMatchesModel: every join type on random insert-only and
// retracting changelogs (NULL keys, duplicates, two-column keys with one
// IS NOT DISTINCT FROM pair, with and without a non-equi condition), at
// input batch sizes 1, 7 and 1000 and output batch sizes 3 and the
// default, without and with each backend: the changelog
// is valid (every retraction retracts a row emitted before), materializes
// to the nested-loop join of the final inputs, and is the same at every
// batch size (the operator works row by row).
func TestStreamJoinMatchesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 34))
	for _, typ := range []JoinType{InnerJoin, LeftOuterJoin, RightOuterJoin, FullOuterJoin, LeftSemiJoin, LeftAntiJoin} {
		for _, retract := range []bool{false, true} {
			for _, cond := range []bool{false, true} {
				for _, nullSafe := range []bool{false, true} {
					name := fmt.Sprintf("%s/retract=%v/cond=%v/nullsafe=%v", typ, retract, cond, nullSafe)
					t.Run(name, func(t *testing.T) {
						events, left, right := randomJoinEvents(rng, 300, retract)
						spec := JoinSpec{Type: typ, LeftKeys: []int{0, 1}, RightKeys: []int{0, 1}, Left: sjModelSchema, Right: sjModelSchema,
							LeftInsertOnly: !retract, RightInsertOnly: !retract}
						if nullSafe {
							spec.FilterNulls = []bool{false, true}
						}
						if cond {
							spec.Cond = strLess{2, 5}
						}
						want := sjModel(spec, left, right)
						var first []string
						check := func(got []string, what string) {
							if first == nil {
								first = got
							} else {
								require.Equal(t, first, got, what)
							}
						}
						for _, size := range []int{1, 7, 1000} {
							// An output batch size of 3 also bounds the candidate
							// pairs a chunk of rows evaluates Cond over.
							for _, cfg := range []Config{{}, {ConfigBatchSize: "3"}} {
								mem := checkedMem(t)
								op := newJoinForTest(t, spec)
								newHarness(t, mem, op, cfg)
								rows := driveJoin(t, mem, op, spec, events, size)
								table, err := Materialize(rows)
								require.NoError(t, err)
								assert.Equal(t, want, nilIfEmpty(sortedStrs(table)), "batch size %d, %v", size, cfg)
								check(strs(rows), fmt.Sprint("batch size ", size, cfg))
							}
						}
						for _, backend := range keyedBackends {
							check(runJoinKeyed(t, spec, events, 5, backend), backend)
						}
					})
				}
			}
		}
	}
}

// TestStreamJoinHotKey: every row under one key, so that a list holds
// more distinct rows (21) than sjIndexMin, each many times, and
// retractions find theirs through the list's index:
// the changelog materializes to the model and is the same without and
// with a backend.
func TestStreamJoinHotKey(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	events, left, right := randomJoinEvents(rng, 1200, true)
	hot := func(rows [][]any) {
		for _, r := range rows {
			r[0] = int64(1)
		}
	}
	for _, e := range events {
		hot([][]any{e.vals})
	}
	hot(left)
	hot(right)
	for _, typ := range []JoinType{FullOuterJoin, LeftSemiJoin, LeftAntiJoin} {
		t.Run(typ.String(), func(t *testing.T) {
			spec := JoinSpec{Type: typ, LeftKeys: []int{0}, RightKeys: []int{0}, Left: sjModelSchema, Right: sjModelSchema, Cond: strLess{2, 5}}
			mem := checkedMem(t)
			op := newJoinForTest(t, spec)
			newHarness(t, mem, op, Config{})
			rows := driveJoin(t, mem, op, spec, events, 16)
			table, err := Materialize(rows)
			require.NoError(t, err)
			assert.Equal(t, sjModel(spec, left, right), sortedStrs(table))
			assert.Equal(t, strs(rows), runJoinKeyed(t, spec, events, 16, state.BackendHashMap))
		})
	}
}

func sortedStrs(rows []Row) []string {
	s := strs(rows)
	sort.Strings(s)
	return s
}

// TestStreamJoinKeyTypes: a join on a four-column key of mixed types
// (INT, STRING, TIMESTAMP, DECIMAL) matches only rows equal in every key
// column, NULL never under `=`, and with IS NOT DISTINCT FROM on the
// DECIMAL column a NULL meets a NULL there.
func TestStreamJoinKeyTypes(t *testing.T) {
	dec := &arrow.Decimal128Type{Precision: 10, Scale: 2}
	ts := &arrow.TimestampType{Unit: arrow.Microsecond}
	sch := schemaOf(field("i", arrow.PrimitiveTypes.Int32), field("s", arrow.BinaryTypes.String),
		field("t", ts), field("d", dec), field("x", arrow.BinaryTypes.String))
	keys := []int{0, 1, 2, 3}
	events := []sjEvent{
		ev(0, "+I", 1, "a", 1000, "1.50", "l1"),
		ev(0, "+I", 1, "a", 1000, "1.51", "l2"),
		ev(0, "+I", 1, "a", 1001, "1.50", "l3"),
		ev(0, "+I", 1, "b", 1000, "1.50", "l4"),
		ev(0, "+I", 1, "a", 1000, nil, "l5"),
		ev(1, "+I", 1, "a", 1000, "1.50", "r1"),
		ev(1, "+I", 1, "a", 1000, "1.51", "r2"),
		ev(1, "+I", 1, "a", 1000, nil, "r5"),
		ev(1, "+I", 2, "a", 1000, "1.50", "r6"),
	}
	spec := JoinSpec{Type: InnerJoin, LeftKeys: keys, RightKeys: keys, Left: sch, Right: sch}
	want := []string{
		"+I[1, a, 1970-01-01 00:00:00.001000, 1.50, l1, 1, a, 1970-01-01 00:00:00.001000, 1.50, r1]",
		"+I[1, a, 1970-01-01 00:00:00.001000, 1.51, l2, 1, a, 1970-01-01 00:00:00.001000, 1.51, r2]",
	}
	assert.Equal(t, want, runJoinByHand(t, spec, events, 1))
	assert.Equal(t, want, runJoinKeyed(t, spec, events, 4, state.BackendPebble))
	spec.FilterNulls = []bool{true, true, true, false}
	want = append(want, "+I[1, a, 1970-01-01 00:00:00.001000, null, l5, 1, a, 1970-01-01 00:00:00.001000, null, r5]")
	assert.Equal(t, want, runJoinByHand(t, spec, events, 1))
	assert.Equal(t, want, runJoinKeyed(t, spec, events, 9, state.BackendHashMap))
}

// TestStreamJoinWithoutKeys: no equi-keys put every row under one key: a
// nested-loop join on the condition.
func TestStreamJoinWithoutKeys(t *testing.T) {
	spec := JoinSpec{Type: LeftOuterJoin, Left: sjLeft, Right: sjRight, Cond: strLess{1, 3}}
	events := []sjEvent{ev(0, "+I", 1, "b"), ev(1, "+I", 9, "a"), ev(1, "+I", 8, "c"), ev(0, "+I", nil, "d"), ev(1, "-D", 8, "c")}
	want := []string{"+I[1, b, null, null]", "-D[1, b, null, null]", "+I[1, b, 8, c]", "+I[null, d, null, null]",
		"-D[1, b, 8, c]", "+I[1, b, null, null]"}
	assert.Equal(t, want, runJoinByHand(t, spec, events, 1))
	assert.Equal(t, want, runJoinKeyed(t, spec, events, 2, state.BackendPebble))
}

// TestStreamJoinStateTTL: table.exec.state.ttl expires a key's rows of a
// side that were not written for the TTL, on both backends: a later row of
// the other side finds nothing.
func TestStreamJoinStateTTL(t *testing.T) {
	const ttl = 10 * time.Second
	for _, backend := range keyedBackends {
		t.Run(backend, func(t *testing.T) {
			mem := checkedMem(t)
			clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			st := &instanceState{uid: "0.0", name: "ttl", enabled: true, backendType: backend, localDir: t.TempDir()}
			r, err := state.RangeForSubtask(DefaultMaxParallelism, 1, 0)
			require.NoError(t, err)
			b, err := state.Open(state.Options{Type: backend, Dir: st.localDir, Range: r, Clock: clock.now})
			require.NoError(t, err)
			st.keyed = b
			t.Cleanup(func() { require.NoError(t, st.close()) })
			rt := &RuntimeContext{JobName: "test", OperatorName: "ttl", Parallelism: 1, Mem: mem, Metrics: &OperatorMetrics{},
				Config: Config{ConfigStateTTL: ttl.String()}, MaxParallelism: DefaultMaxParallelism, ckpt: st}
			spec := JoinSpec{Type: LeftOuterJoin, LeftKeys: []int{0}, RightKeys: []int{0}, Left: sjLeft, Right: sjRight}
			op := newJoinForTest(t, spec)
			require.NoError(t, op.Open(context.Background(), rt))
			t.Cleanup(func() { require.NoError(t, op.Close()) })
			step := func(events ...sjEvent) []string {
				got := strs(driveJoin(t, mem, op, spec, events, 10))
				clock.advance(6 * time.Second)
				return got
			}
			assert.Equal(t, []string{"+I[1, a, null, null]", "+I[2, b, null, null]"}, step(ev(0, "+I", 1, "a"), ev(0, "+I", 2, "b")))
			assert.Equal(t, []string{"-D[1, a, null, null]", "+I[1, a, 1, x]"}, step(ev(1, "+I", 1, "x")), "6 s later: left 1 is kept")
			// 12 s after its write, left 2 expired; left 1 was written
			// (its association count) 6 s ago.
			assert.Equal(t, []string{"-D[1, a, 1, x]", "+I[1, a, null, null]"}, step(ev(1, "+I", 2, "y"), ev(1, "-D", 1, "x")))
			// Right 2 was written 6 s ago: left 2, inserted again, finds it.
			assert.Equal(t, []string{"+I[3, c, null, null]", "+I[2, b, 2, y]"}, step(ev(0, "+I", 3, "c"), ev(0, "+I", 2, "b")))
		})
	}
}

// sjJobEvents splits events into the two sources' batches.
func sjSourceBatches(t testing.TB, mem memory.Allocator, spec JoinSpec, events []sjEvent, size int) [2][]*vectorized.Batch {
	var out [2][]*vectorized.Batch
	for s, sch := range [2]*arrow.Schema{spec.Left, spec.Right} {
		var mine []sjEvent
		for _, e := range events {
			if e.side == s {
				mine = append(mine, e)
			}
		}
		for _, b := range sjBatches(t, mem, [2]*arrow.Schema{sch, sch}, mine, size) {
			out[s] = append(out[s], b.b)
		}
	}
	return out
}

// sjJob is left and right sources hash-routed into a join at par.
func sjJob(mem memory.Allocator, spec JoinSpec, srcs [2]func(int) Source, par int, sink func(int) Sink) *JobGraph {
	return &JobGraph{Name: "join", Mem: mem, Vertices: []*Vertex{
		{ID: 1, Name: "left", Parallelism: 1, Source: srcs[0]},
		{ID: 2, Name: "right", Parallelism: 1, Source: srcs[1]},
		{ID: 3, Name: "join", Parallelism: par, Inputs: []Edge{
			{From: 1, Partition: Partitioning{Kind: Hash, Keys: spec.LeftKeys}},
			{From: 2, Partition: Partitioning{Kind: Hash, Keys: spec.RightKeys}},
		}, Chain: []func() Operator{func() Operator {
			spec.Mode = Streaming
			op, err := NewJoin(spec)
			if err != nil {
				panic(err)
			}
			return op
		}}, Sink: sink},
	}}
}

// TestStreamJoinCheckpointRestore: a join job whose source fails halfway
// restarts from its last checkpoint, on each backend at parallelism 1 and
// 3: the exactly-once changelog materializes to the uninterrupted result.
func TestStreamJoinCheckpointRestore(t *testing.T) {
	rng := rand.New(rand.NewPCG(56, 78))
	events, left, right := randomJoinEvents(rng, 400, true)
	for _, typ := range []JoinType{FullOuterJoin, LeftAntiJoin} {
		spec := JoinSpec{Type: typ, LeftKeys: []int{0}, RightKeys: []int{0}, Left: sjModelSchema, Right: sjModelSchema, Cond: strLess{2, 5}}
		want := sjModel(spec, left, right)
		for _, backend := range keyedBackends {
			for _, par := range []int{1, 3} {
				t.Run(fmt.Sprintf("%s/%s/p%d", typ, backend, par), func(t *testing.T) {
					mem := checkedMem(t)
					batches := sjSourceBatches(t, mem, spec, events, 4)
					defer func() {
						for _, bs := range batches {
							for _, b := range bs {
								b.Release()
							}
						}
					}()
					var failed atomic.Bool
					var out txnRows
					srcs := [2]func(int) Source{}
					for s := range 2 {
						srcs[s] = func(int) Source {
							return &replaySource{batches: batches[s], failAt: len(batches[s]) / 2, failed: &failed}
						}
					}
					g := sjJob(mem, spec, srcs, par, func(int) Sink { return &txnSink{c: &out} })
					cfg := ckptConfig(t.TempDir(), state.ConfigBackendType, backend, ConfigStateLocalDir, t.TempDir())
					res, err := Execute(context.Background(), g, cfg)
					require.NoError(t, err)
					require.True(t, failed.Load())
					require.Positive(t, res.Checkpoints.RestoredID, "restarted from a checkpoint")
					table, err := Materialize(out.committed(res.Checkpoints.RestoredID))
					require.NoError(t, err)
					assert.Equal(t, want, sortedStrs(table))
				})
			}
		}
	}
}

// TestStreamJoinRescale: one instance joins the first half of a changelog
// and snapshots; three instances restore from it (each its key groups) and
// join the second half routed by key group: per key, the changelog is one
// uninterrupted instance's. A key of another subtask's range is refused.
func TestStreamJoinRescale(t *testing.T) {
	rng := rand.New(rand.NewPCG(90, 12))
	events, _, _ := randomJoinEvents(rng, 600, true)
	spec := JoinSpec{Type: FullOuterJoin, LeftKeys: []int{0}, RightKeys: []int{0}, Left: sjModelSchema, Right: sjModelSchema}
	for _, backend := range keyedBackends {
		t.Run(backend, func(t *testing.T) {
			mem := checkedMem(t)
			open := func(o InstanceOptions) (*Instance, Operator) {
				o.Mem, o.Checkpointing, o.Backend, o.LocalDir = mem, true, backend, t.TempDir()
				inst := NewInstanceForTest(o)
				op := newJoinForTest(t, spec)
				require.NoError(t, op.Open(context.Background(), inst.RT))
				return inst, op
			}
			inst, op := open(InstanceOptions{})
			want := driveJoin(t, mem, op, spec, events, 4)
			require.NoError(t, op.Close())
			require.NoError(t, inst.Close())

			half := len(events) / 2
			inst, op = open(InstanceOptions{})
			got := driveJoin(t, mem, op, spec, events[:half], 4)
			dir := t.TempDir()
			require.NoError(t, inst.Snapshot(dir))
			require.NoError(t, op.Close())
			require.NoError(t, inst.Close())
			for sub := 0; sub < 3; sub++ {
				inst, op := open(InstanceOptions{Subtask: sub, Parallelism: 3, RestoreFrom: []string{dir}, RestoreID: 1})
				var mine, foreign []sjEvent
				for _, e := range events[half:] {
					if inst.RT.KeyGroups().Contains(int(sjKeyGroup(t, inst.RT, e.vals[0]))) {
						mine = append(mine, e)
					} else {
						foreign = append(foreign, e)
					}
				}
				got = append(got, driveJoin(t, mem, op, spec, mine, 4)...)
				require.NotEmpty(t, foreign)
				b := makeBatch(t, mem, sjModelSchema, nil, foreign[0].vals)
				err := op.Process(context.Background(), 0, b, CollectorFunc(func(context.Context, *vectorized.Batch) error { return nil }))
				b.Release()
				require.Error(t, err)
				assert.Contains(t, err.Error(), "not hash-partitioned by the join keys")
				require.NoError(t, op.Close())
				require.NoError(t, inst.Close())
			}
			assert.Equal(t, sjByKey(want), sjByKey(got))
			assert.Len(t, got, len(want))
		})
	}
}

// sjByKey splits a join's changelog by its key (the left's, or the
// right's on a row padded on the left), keeping each key's order.
func sjByKey(rows []Row) map[string][]string {
	m := map[string][]string{}
	for _, r := range rows {
		k := r.Values[0]
		if k == nil {
			k = r.Values[3]
		}
		m[fmt.Sprint(k)] = append(m[fmt.Sprint(k)], r.String())
	}
	return m
}

func sjKeyGroup(t testing.TB, rt *RuntimeContext, k any) uint16 {
	mem := memory.NewGoAllocator()
	b := makeBatch(t, mem, schemaOf(field("k", arrow.PrimitiveTypes.Int64)), nil, []any{k})
	defer b.Release()
	h := make([]uint64, 1)
	vectorized.HashColumns([]arrow.Array{b.Record.Column(0)}, h)
	return rt.KeyGroupOf(h[0])
}

// TestStreamJoinErrors: inputs the plan did not describe are refused with
// the column named.
func TestStreamJoinErrors(t *testing.T) {
	spec := JoinSpec{Type: InnerJoin, LeftKeys: []int{0}, RightKeys: []int{0}, Left: sjLeft, Right: sjRight}
	mem := checkedMem(t)
	op := newJoinForTest(t, spec)
	h := newHarness(t, mem, op, Config{})
	b := makeBatch(t, mem, sjModelSchema, nil, []any{1, 2, 3})
	defer b.Release()
	err := op.Process(context.Background(), 0, b, h)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the left input has 3 columns, the plan expects 2")
	b2 := makeBatch(t, mem, schemaOf(field("k", arrow.PrimitiveTypes.Int64), field("w", arrow.BinaryTypes.String)), nil, []any{1, "x"})
	defer b2.Release()
	err = op.Process(context.Background(), 1, b2, h)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "column 0 of the right input is int64, the plan expects int32")
	err = op.Process(context.Background(), 2, b2, h)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "a join has inputs 0 (left) and 1 (right)")
}

// flinkJoinCases are the changelogs Flink 2.3 printed (execute().print(),
// parallelism 1, rows fed one at a time in the order of flinkEvents) for
// SELECT * FROM L [INNER|LEFT|RIGHT|FULL] JOIN R ON L.k = R.k [AND L.v <
// R.w] and SELECT * FROM L WHERE [NOT] EXISTS (SELECT * FROM R WHERE L.k =
// R.k [AND L.v < R.w]). One difference, where Flink is not deterministic:
// a row meeting several rows of the other side meets them in the order of
// Flink's state map (the hash order of the heap backend, the byte order of
// RocksDB); here in the order they arrived. On key 5 without the
// condition, -D[5, b, 5, c] and -D[5, d, 5, c] (the retraction of right
// (5, c)) came in the other order from Flink's heap backend.
var flinkJoinCases = []struct {
	name string
	typ  JoinType
	cond bool
	want []string
}{
	{"inner", InnerJoin, false, []string{
		"+I[1, a, 1, x]", "-D[1, a, 1, x]", "+I[1, a, 1, y]", "-U[1, a, 1, y]",
		"+U[1, b, 1, y]", "+I[1, b, 1, y]", "-D[1, b, 1, y]", "-D[1, b, 1, y]",
		"+I[2, a, 2, x]", "+I[2, a, 2, x]", "+U[2, a, 2, z]", "+U[2, a, 2, z]",
		"-D[2, a, 2, x]", "-D[2, a, 2, x]", "+I[3, a, 3, x]", "-D[3, a, 3, x]",
		"+I[5, b, 5, a]", "+I[5, b, 5, c]", "+I[5, d, 5, a]", "+I[5, d, 5, c]",
		"-D[5, b, 5, c]", "-D[5, d, 5, c]", "-U[5, b, 5, a]",
	}},
	{"inner_cond", InnerJoin, true, []string{
		"+I[1, a, 1, x]", "-D[1, a, 1, x]", "+I[1, a, 1, y]", "-U[1, a, 1, y]",
		"+U[1, b, 1, y]", "+I[1, b, 1, y]", "-D[1, b, 1, y]", "-D[1, b, 1, y]",
		"+I[2, a, 2, x]", "+I[2, a, 2, x]", "+U[2, a, 2, z]", "+U[2, a, 2, z]",
		"-D[2, a, 2, x]", "-D[2, a, 2, x]", "+I[3, a, 3, x]", "-D[3, a, 3, x]",
		"+I[5, b, 5, c]", "-D[5, b, 5, c]",
	}},
	{"left", LeftOuterJoin, false, []string{
		"+I[1, a, null, null]", "-D[1, a, null, null]", "+I[1, a, 1, x]", "-D[1, a, 1, x]",
		"+I[1, a, null, null]", "-D[1, a, null, null]", "+I[1, a, 1, y]", "-D[1, a, 1, y]",
		"+I[1, b, 1, y]", "+I[1, b, 1, y]", "-D[1, b, 1, y]", "-D[1, b, 1, y]",
		"+I[2, a, null, null]", "+I[2, a, null, null]", "-D[2, a, null, null]", "+I[2, a, 2, x]",
		"-D[2, a, null, null]", "+I[2, a, 2, x]", "+I[2, a, 2, z]", "+I[2, a, 2, z]",
		"-D[2, a, 2, x]", "-D[2, a, 2, x]", "+I[3, a, 3, x]", "-D[3, a, 3, x]",
		"+I[null, n, null, null]", "-D[null, n, null, null]", "+I[5, b, null, null]", "-D[5, b, null, null]",
		"+I[5, b, 5, a]", "+I[5, b, 5, c]", "+I[5, d, 5, a]", "+I[5, d, 5, c]",
		"-D[5, b, 5, c]", "-D[5, d, 5, c]", "-D[5, b, 5, a]",
	}},
	{"left_cond", LeftOuterJoin, true, []string{
		"+I[1, a, null, null]", "-D[1, a, null, null]", "+I[1, a, 1, x]", "-D[1, a, 1, x]",
		"+I[1, a, null, null]", "-D[1, a, null, null]", "+I[1, a, 1, y]", "-D[1, a, 1, y]",
		"+I[1, b, 1, y]", "+I[1, b, 1, y]", "-D[1, b, 1, y]", "-D[1, b, 1, y]",
		"+I[2, a, null, null]", "+I[2, a, null, null]", "-D[2, a, null, null]", "+I[2, a, 2, x]",
		"-D[2, a, null, null]", "+I[2, a, 2, x]", "+I[2, a, 2, z]", "+I[2, a, 2, z]",
		"-D[2, a, 2, x]", "-D[2, a, 2, x]", "+I[3, a, 3, x]", "-D[3, a, 3, x]",
		"+I[null, n, null, null]", "-D[null, n, null, null]", "+I[5, b, null, null]", "-D[5, b, null, null]",
		"+I[5, b, 5, c]", "+I[5, d, null, null]", "-D[5, b, 5, c]", "+I[5, b, null, null]",
		"-D[5, b, null, null]",
	}},
	{"right", RightOuterJoin, false, []string{
		"+I[1, a, 1, x]", "-D[1, a, 1, x]", "+I[1, a, 1, y]", "-U[1, a, 1, y]",
		"+I[null, null, 1, y]", "-D[null, null, 1, y]", "+I[1, b, 1, y]", "+I[1, b, 1, y]",
		"-D[1, b, 1, y]", "+I[null, null, 1, y]", "-D[1, b, 1, y]", "+I[null, null, 1, y]",
		"-D[null, null, 1, y]", "+I[2, a, 2, x]", "+I[2, a, 2, x]", "+I[2, a, 2, z]",
		"+I[2, a, 2, z]", "-D[2, a, 2, x]", "-D[2, a, 2, x]", "+I[null, null, 3, x]",
		"-D[null, null, 3, x]", "+I[3, a, 3, x]", "-D[3, a, 3, x]", "+I[null, null, 3, x]",
		"-D[null, null, 3, x]", "+I[null, null, null, m]", "+I[5, b, 5, a]", "+I[5, b, 5, c]",
		"+I[5, d, 5, a]", "+I[5, d, 5, c]", "-D[5, b, 5, c]", "-D[5, d, 5, c]",
		"-U[5, b, 5, a]",
	}},
	{"right_cond", RightOuterJoin, true, []string{
		"+I[1, a, 1, x]", "-D[1, a, 1, x]", "+I[1, a, 1, y]", "-U[1, a, 1, y]",
		"+I[null, null, 1, y]", "-D[null, null, 1, y]", "+I[1, b, 1, y]", "+I[1, b, 1, y]",
		"-D[1, b, 1, y]", "+I[null, null, 1, y]", "-D[1, b, 1, y]", "+I[null, null, 1, y]",
		"-D[null, null, 1, y]", "+I[2, a, 2, x]", "+I[2, a, 2, x]", "+I[2, a, 2, z]",
		"+I[2, a, 2, z]", "-D[2, a, 2, x]", "-D[2, a, 2, x]", "+I[null, null, 3, x]",
		"-D[null, null, 3, x]", "+I[3, a, 3, x]", "-D[3, a, 3, x]", "+I[null, null, 3, x]",
		"-D[null, null, 3, x]", "+I[null, null, null, m]", "+I[null, null, 5, a]", "+I[5, b, 5, c]",
		"-D[5, b, 5, c]",
	}},
	{"full", FullOuterJoin, false, []string{
		"+I[1, a, null, null]", "-D[1, a, null, null]", "+I[1, a, 1, x]", "-D[1, a, 1, x]",
		"+I[1, a, null, null]", "-D[1, a, null, null]", "+I[1, a, 1, y]", "-D[1, a, 1, y]",
		"+I[null, null, 1, y]", "-D[null, null, 1, y]", "+I[1, b, 1, y]", "+I[1, b, 1, y]",
		"-D[1, b, 1, y]", "+I[null, null, 1, y]", "-D[1, b, 1, y]", "+I[null, null, 1, y]",
		"-D[null, null, 1, y]", "+I[2, a, null, null]", "+I[2, a, null, null]", "-D[2, a, null, null]",
		"+I[2, a, 2, x]", "-D[2, a, null, null]", "+I[2, a, 2, x]", "+I[2, a, 2, z]",
		"+I[2, a, 2, z]", "-D[2, a, 2, x]", "-D[2, a, 2, x]", "+I[null, null, 3, x]",
		"-D[null, null, 3, x]", "+I[3, a, 3, x]", "-D[3, a, 3, x]", "+I[null, null, 3, x]",
		"-D[null, null, 3, x]", "+I[null, n, null, null]", "+I[null, null, null, m]", "-D[null, n, null, null]",
		"+I[5, b, null, null]", "-D[5, b, null, null]", "+I[5, b, 5, a]", "+I[5, b, 5, c]",
		"+I[5, d, 5, a]", "+I[5, d, 5, c]", "-D[5, b, 5, c]", "-D[5, d, 5, c]",
		"-D[5, b, 5, a]",
	}},
	{"full_cond", FullOuterJoin, true, []string{
		"+I[1, a, null, null]", "-D[1, a, null, null]", "+I[1, a, 1, x]", "-D[1, a, 1, x]",
		"+I[1, a, null, null]", "-D[1, a, null, null]", "+I[1, a, 1, y]", "-D[1, a, 1, y]",
		"+I[null, null, 1, y]", "-D[null, null, 1, y]", "+I[1, b, 1, y]", "+I[1, b, 1, y]",
		"-D[1, b, 1, y]", "+I[null, null, 1, y]", "-D[1, b, 1, y]", "+I[null, null, 1, y]",
		"-D[null, null, 1, y]", "+I[2, a, null, null]", "+I[2, a, null, null]", "-D[2, a, null, null]",
		"+I[2, a, 2, x]", "-D[2, a, null, null]", "+I[2, a, 2, x]", "+I[2, a, 2, z]",
		"+I[2, a, 2, z]", "-D[2, a, 2, x]", "-D[2, a, 2, x]", "+I[null, null, 3, x]",
		"-D[null, null, 3, x]", "+I[3, a, 3, x]", "-D[3, a, 3, x]", "+I[null, null, 3, x]",
		"-D[null, null, 3, x]", "+I[null, n, null, null]", "+I[null, null, null, m]", "-D[null, n, null, null]",
		"+I[5, b, null, null]", "+I[null, null, 5, a]", "-D[5, b, null, null]", "+I[5, b, 5, c]",
		"+I[5, d, null, null]", "-D[5, b, 5, c]", "+I[5, b, null, null]", "-D[5, b, null, null]",
	}},
	{"semi", LeftSemiJoin, false, []string{
		"+I[1, a]", "-D[1, a]", "+I[1, a]", "-U[1, a]",
		"+U[1, b]", "-D[1, b]", "+I[2, a]", "+I[2, a]",
		"+I[3, a]", "-D[3, a]", "+I[5, b]", "+I[5, d]",
		"-U[5, b]",
	}},
	{"semi_cond", LeftSemiJoin, true, []string{
		"+I[1, a]", "-D[1, a]", "+I[1, a]", "-U[1, a]",
		"+U[1, b]", "-D[1, b]", "+I[2, a]", "+I[2, a]",
		"+I[3, a]", "-D[3, a]", "+I[5, b]", "-D[5, b]",
	}},
	{"anti", LeftAntiJoin, false, []string{
		"+I[1, a]", "-D[1, a]", "+I[1, a]", "-D[1, a]",
		"+I[2, a]", "+I[2, a]", "-D[2, a]", "-D[2, a]",
		"+I[null, n]", "-D[null, n]", "+I[5, b]", "-D[5, b]",
	}},
	{"anti_cond", LeftAntiJoin, true, []string{
		"+I[1, a]", "-D[1, a]", "+I[1, a]", "-D[1, a]",
		"+I[2, a]", "+I[2, a]", "-D[2, a]", "-D[2, a]",
		"+I[null, n]", "-D[null, n]", "+I[5, b]", "-D[5, b]",
		"+I[5, d]", "+I[5, b]", "-U[5, b]",
	}},
}
