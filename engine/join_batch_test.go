package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
	"github.com/sluice-stream/sluice/vectorized/expr"
)

var (
	hjLeft  = schemaOf(field("k", arrow.PrimitiveTypes.Int64), field("s", arrow.BinaryTypes.String), field("v", arrow.PrimitiveTypes.Int64))
	hjRight = schemaOf(field("k", arrow.PrimitiveTypes.Int64), field("s", arrow.BinaryTypes.String), field("w", arrow.PrimitiveTypes.Int64))
)

// hjRunJoin feeds left and right rows to a batch join in batches of
// inBatch rows, alternating inputs, and returns the sorted output rows;
// it checks that no output batch exceeds the batch size and reports
// whether the join spilled.
func hjRunJoin(t *testing.T, mem memory.Allocator, spec JoinSpec, cfg Config, left, right [][]any, inBatch int) ([]string, bool) {
	t.Helper()
	op, err := NewJoin(spec)
	require.NoError(t, err)
	h := newHarness(t, mem, op, cfg)
	batchLen, err := cfg.Int(ConfigBatchSize, DefaultBatchSize)
	require.NoError(t, err)
	ctx := context.Background()
	feed := func(input int, rows [][]any) {
		schema := spec.Left
		if input == 1 {
			schema = spec.Right
		}
		b := makeBatch(t, mem, schema, nil, rows...)
		defer b.Release()
		require.NoError(t, op.Process(ctx, input, b, h))
	}
	for i := 0; i < max(len(left), len(right)); i += inBatch {
		if i < len(left) {
			feed(0, left[i:min(i+inBatch, len(left))])
		}
		if i < len(right) {
			feed(1, right[i:min(i+inBatch, len(right))])
		}
	}
	spilled := op.(*batchJoin).spill != nil
	var out []Row
	require.NoError(t, op.EndInput(ctx, CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
		require.LessOrEqual(t, int(b.NumRows()), batchLen)
		require.Positive(t, b.NumRows())
		require.True(t, b.Record.Schema().Equal(spec.OutputSchema()), "output schema %s", b.Record.Schema())
		out = append(out, BatchRows(b)...)
		return nil
	})))
	_ = h
	s := strs(out)
	sort.Strings(s)
	return s, spilled
}

// hjCond is a reference join condition over the joined row: its value
// and whether it is NULL.
type hjCond func(row []any) (bool, bool)

// hjReference joins by definition: every pair, keys compared as SQL's =
// (or IS NOT DISTINCT FROM where FilterNulls is false), then Cond.
func hjReference(spec JoinSpec, cond hjCond, left, right [][]any) []string {
	match := func(l, r []any) bool {
		for i := range spec.LeftKeys {
			a, b := l[spec.LeftKeys[i]], r[spec.RightKeys[i]]
			if a == nil || b == nil {
				if spec.filterNull(i) || a != nil || b != nil {
					return false
				}
				continue
			}
			if a != b {
				return false
			}
		}
		if cond != nil {
			v, isNull := cond(append(slices.Clone(l), r...))
			return v && !isNull
		}
		return true
	}
	nulls := func(n int) []any { return make([]any, n) }
	out := []string{}
	rightMatched := make([]bool, len(right))
	for _, l := range left {
		matched := false
		for ri, r := range right {
			if !match(l, r) {
				continue
			}
			matched = true
			rightMatched[ri] = true
			if !spec.Type.Projects() {
				out = append(out, Row{Values: append(slices.Clone(l), r...)}.String())
			}
		}
		switch {
		case spec.Type == LeftSemiJoin && matched, spec.Type == LeftAntiJoin && !matched:
			out = append(out, Row{Values: l}.String())
		case !matched && (spec.Type == LeftOuterJoin || spec.Type == FullOuterJoin):
			out = append(out, Row{Values: append(slices.Clone(l), nulls(spec.Right.NumFields())...)}.String())
		}
	}
	if spec.Type == RightOuterJoin || spec.Type == FullOuterJoin {
		for ri, r := range right {
			if !rightMatched[ri] {
				out = append(out, Row{Values: append(nulls(spec.Left.NumFields()), r...)}.String())
			}
		}
	}
	sort.Strings(out)
	return out
}

// hjRows makes n random rows of (k, s, v): small key domains so that keys
// repeat on both sides, and NULLs in every column.
func hjRows(rng *rand.Rand, n int, keyDomain int) [][]any {
	rows := make([][]any, n)
	for i := range rows {
		var k, s, v any
		if rng.IntN(8) != 0 {
			k = int64(rng.IntN(keyDomain))
		}
		if rng.IntN(8) != 0 {
			s = []string{"a", "b", "", "long string value x"}[rng.IntN(4)]
		}
		if rng.IntN(10) != 0 {
			v = int64(rng.IntN(20))
		}
		rows[i] = []any{k, s, v}
	}
	return rows
}

func mustCall(t testing.TB, name string, args ...vectorized.Expr) vectorized.Expr {
	e, err := expr.Call(name, args...)
	require.NoError(t, err)
	return e
}

// hjKeyCase is a key configuration with its Cond and reference Cond.
type hjKeyCase struct {
	name        string
	lk, rk      []int
	filterNulls []bool
	cond        func(t testing.TB) vectorized.Expr
	ref         hjCond
	// wide spreads the int keys over a range too wide for a direct table,
	// so the hash table path runs.
	wide bool
}

func hjKeyCases() []hjKeyCase {
	lv := vectorized.Col(2, arrow.PrimitiveTypes.Int64, "v")
	rw := vectorized.Col(5, arrow.PrimitiveTypes.Int64, "w")
	lk := vectorized.Col(0, arrow.PrimitiveTypes.Int64, "k")
	rk := vectorized.Col(3, arrow.PrimitiveTypes.Int64, "k0")
	vLessW := func(t testing.TB) vectorized.Expr { return mustCall(t, "<", lv, rw) }
	refVLessW := func(row []any) (bool, bool) {
		if row[2] == nil || row[5] == nil {
			return false, true
		}
		return row[2].(int64) < row[5].(int64), false
	}
	return []hjKeyCase{
		{name: "int-key", lk: []int{0}, rk: []int{0}},
		{name: "int-key-wide", lk: []int{0}, rk: []int{0}, wide: true},
		{name: "int-key-wide-null-safe", lk: []int{0}, rk: []int{0}, filterNulls: []bool{false}, wide: true},
		{name: "int-string-keys-null-safe-string", lk: []int{0, 1}, rk: []int{0, 1}, filterNulls: []bool{true, false}},
		{name: "string-int-keys-null-safe-both", lk: []int{1, 0}, rk: []int{1, 0}, filterNulls: []bool{false, false}},
		{name: "int-key-cond", lk: []int{0}, rk: []int{0}, cond: vLessW, ref: refVLessW},
		{name: "int-key-wide-cond", lk: []int{0}, rk: []int{0}, cond: vLessW, ref: refVLessW, wide: true},
		{name: "nested-loop-cond", cond: vLessW, ref: refVLessW},
		{name: "cross", lk: nil, rk: nil},
		{
			// NOT IN's null-aware anti join: k = k0 OR (k = k0) IS NULL.
			name: "null-aware",
			cond: func(t testing.TB) vectorized.Expr {
				eq := mustCall(t, "=", lk, rk)
				return mustCall(t, "OR", eq, mustCall(t, "IS NULL", mustCall(t, "=", lk, rk)))
			},
			ref: func(row []any) (bool, bool) {
				if row[0] == nil || row[3] == nil {
					return true, false
				}
				return row[0] == row[3], false
			},
		},
	}
}

var hjTypes = []JoinType{InnerJoin, LeftOuterJoin, RightOuterJoin, FullOuterJoin, LeftSemiJoin, LeftAntiJoin}

// TestBatchJoinMatchesReference runs every join type over random inputs
// (either side the larger, so either builds), every key configuration,
// batch sizes 1, 7 and the default, in memory and spilling through every
// partitioning level, against the nested-loop reference.
func TestBatchJoinMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 12))
	sizes := []struct{ l, r int }{{60, 15}, {15, 60}, {0, 20}, {20, 0}, {0, 0}}
	for _, kc := range hjKeyCases() {
		for _, sz := range sizes {
			left, right := hjRows(rng, sz.l, 6), hjRows(rng, sz.r, 6)
			if kc.wide {
				for _, rows := range [][][]any{left, right} {
					for _, r := range rows {
						if r[0] != nil {
							r[0] = r[0].(int64)*1_000_000_007 - 3_000_000_000
						}
					}
				}
			}
			for _, jt := range hjTypes {
				spec := JoinSpec{Type: jt, Mode: Batch, LeftKeys: kc.lk, RightKeys: kc.rk, FilterNulls: kc.filterNulls, Left: hjLeft, Right: hjRight}
				if kc.cond != nil {
					spec.Cond = kc.cond(t)
				}
				want := hjReference(spec, kc.ref, left, right)
				// Batch sizes 1, 7 and the default, each in memory and
				// spilling (a 1-byte budget: through every level; 600
				// bytes: a few partitions), one to three probe goroutines.
				for _, c := range []struct {
					batch, threads int
					budget         int64
				}{{1, 1, 0}, {7, 2, 0}, {0, 3, 0}, {1, 3, 1}, {7, 1, 1}, {0, 2, 600}} {
					batch, threads, budget := c.batch, c.threads, c.budget
					name := fmt.Sprintf("%s/%dx%d/%s/batch=%d/budget=%d/threads=%d", kc.name, sz.l, sz.r, jt, batch, budget, threads)
					t.Run(name, func(t *testing.T) {
						mem := checkedMem(t)
						cfg := Config{ConfigHashJoinProbeThreads: strconv.Itoa(threads)}
						if batch > 0 {
							cfg[ConfigBatchSize] = strconv.Itoa(batch)
						}
						s := spec
						s.MemoryBudget = budget
						s.SpillDir = t.TempDir()
						got, spilled := hjRunJoin(t, mem, s, cfg, left, right, 1+rng.IntN(9))
						require.Equal(t, want, got)
						if budget == 1 && sz.l+sz.r > 1 {
							require.True(t, spilled, "a 1-byte budget spills")
						}
						if budget == 0 {
							require.False(t, spilled)
						}
					})
				}
			}
		}
	}
}

// TestBatchJoinExamples spells out each join type's result on one input.
func TestBatchJoinExamples(t *testing.T) {
	left := [][]any{{1, "a", 10}, {2, "b", 20}, {nil, "n", 30}, {2, "c", 40}}
	right := [][]any{{2, "x", 5}, {3, "y", 6}, {nil, "z", 7}, {2, "w", 50}}
	cases := []struct {
		jt   JoinType
		cond bool
		want []string
	}{
		{jt: InnerJoin, want: []string{"+I[2, b, 20, 2, w, 50]", "+I[2, b, 20, 2, x, 5]", "+I[2, c, 40, 2, w, 50]", "+I[2, c, 40, 2, x, 5]"}},
		{jt: InnerJoin, cond: true, want: []string{"+I[2, b, 20, 2, w, 50]", "+I[2, c, 40, 2, w, 50]"}},
		{jt: LeftOuterJoin, cond: true, want: []string{"+I[1, a, 10, null, null, null]", "+I[2, b, 20, 2, w, 50]", "+I[2, c, 40, 2, w, 50]", "+I[null, n, 30, null, null, null]"}},
		{jt: RightOuterJoin, cond: true, want: []string{"+I[2, b, 20, 2, w, 50]", "+I[2, c, 40, 2, w, 50]", "+I[null, null, null, 2, x, 5]", "+I[null, null, null, 3, y, 6]", "+I[null, null, null, null, z, 7]"}},
		{jt: FullOuterJoin, want: []string{"+I[1, a, 10, null, null, null]", "+I[2, b, 20, 2, w, 50]", "+I[2, b, 20, 2, x, 5]", "+I[2, c, 40, 2, w, 50]", "+I[2, c, 40, 2, x, 5]", "+I[null, n, 30, null, null, null]", "+I[null, null, null, 3, y, 6]", "+I[null, null, null, null, z, 7]"}},
		{jt: LeftSemiJoin, want: []string{"+I[2, b, 20]", "+I[2, c, 40]"}},
		{jt: LeftSemiJoin, cond: true, want: []string{"+I[2, b, 20]", "+I[2, c, 40]"}},
		{jt: LeftAntiJoin, want: []string{"+I[1, a, 10]", "+I[null, n, 30]"}},
	}
	for _, c := range cases {
		for _, budget := range []int64{0, 1} {
			t.Run(fmt.Sprintf("%s/cond=%t/budget=%d", c.jt, c.cond, budget), func(t *testing.T) {
				spec := JoinSpec{Type: c.jt, Mode: Batch, LeftKeys: []int{0}, RightKeys: []int{0}, Left: hjLeft, Right: hjRight, MemoryBudget: budget, SpillDir: t.TempDir()}
				if c.cond {
					spec.Cond = mustCall(t, "<", vectorized.Col(2, arrow.PrimitiveTypes.Int64, "v"), vectorized.Col(5, arrow.PrimitiveTypes.Int64, "w"))
				}
				got, _ := hjRunJoin(t, checkedMem(t), spec, Config{}, left, right, 2)
				require.Equal(t, c.want, got)
			})
		}
	}
}

// TestBatchJoinKeyTypes joins on pairs of every key type the typed
// comparisons cover (and a generic one), NULL-safe and not.
func TestBatchJoinKeyTypes(t *testing.T) {
	dec := &arrow.Decimal128Type{Precision: 10, Scale: 2}
	cases := []struct {
		dt   arrow.DataType
		a, b any // a matches itself, b differs from a
	}{
		{arrow.PrimitiveTypes.Int8, 1, 2},
		{arrow.PrimitiveTypes.Int16, 1, 2},
		{arrow.PrimitiveTypes.Int32, 1, 2},
		{arrow.PrimitiveTypes.Float32, 1.5, 2.5},
		{arrow.PrimitiveTypes.Float64, 0.0, math.Copysign(0, -1)}, // -0.0 is another key, as in Flink's binary rows
		{arrow.FixedWidthTypes.Boolean, true, false},
		{arrow.FixedWidthTypes.Date32, 100, 101},
		{arrow.FixedWidthTypes.Timestamp_ms, 1000, 1001},
		{dec, "1.50", "1.51"},
		{arrow.BinaryTypes.String, "abc", "abd"},
		{arrow.BinaryTypes.Binary, []byte("x"), []byte("xy")},
	}
	for _, c := range cases {
		for _, nullSafe := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/nullsafe=%t/single", c.dt, nullSafe), func(t *testing.T) {
				// One key: integer types take the direct table.
				l := schemaOf(field("a", c.dt), field("i", arrow.PrimitiveTypes.Int64))
				r := schemaOf(field("b", c.dt), field("j", arrow.PrimitiveTypes.Int64))
				spec := JoinSpec{Type: FullOuterJoin, Mode: Batch, LeftKeys: []int{0}, RightKeys: []int{0}, FilterNulls: []bool{!nullSafe}, Left: l, Right: r}
				left := [][]any{{c.a, 1}, {c.b, 2}, {nil, 3}, {c.a, 4}}
				right := [][]any{{c.a, 5}, {nil, 6}, {c.a, 7}}
				got, _ := hjRunJoin(t, checkedMem(t), spec, Config{}, left, right, 4)
				v := func(x any) string {
					if x == nil {
						return "null"
					}
					s := Row{Values: []any{mustValue(t, c.dt, x)}}.String()
					return s[len("+I[") : len(s)-1]
				}
				a, b := v(c.a), v(c.b)
				want := []string{
					fmt.Sprintf("+I[%s, 1, %s, 5]", a, a), fmt.Sprintf("+I[%s, 1, %s, 7]", a, a),
					fmt.Sprintf("+I[%s, 4, %s, 5]", a, a), fmt.Sprintf("+I[%s, 4, %s, 7]", a, a),
					fmt.Sprintf("+I[%s, 2, null, null]", b),
				}
				if nullSafe {
					want = append(want, "+I[null, 3, null, 6]")
				} else {
					want = append(want, "+I[null, 3, null, null]", "+I[null, null, null, 6]")
				}
				sort.Strings(want)
				require.Equal(t, want, got)
			})
			t.Run(fmt.Sprintf("%s/nullsafe=%t", c.dt, nullSafe), func(t *testing.T) {
				l := schemaOf(field("a", c.dt), field("i", arrow.PrimitiveTypes.Int64))
				r := schemaOf(field("b", c.dt), field("j", arrow.PrimitiveTypes.Int64))
				spec := JoinSpec{Type: InnerJoin, Mode: Batch, LeftKeys: []int{0, 1}, RightKeys: []int{0, 1}, FilterNulls: []bool{!nullSafe, true}, Left: l, Right: r}
				left := [][]any{{c.a, 1}, {c.b, 1}, {nil, 1}, {c.a, 2}}
				right := [][]any{{c.a, 1}, {nil, 1}, {c.a, 3}}
				got, _ := hjRunJoin(t, checkedMem(t), spec, Config{}, left, right, 4)
				a := Row{Values: []any{mustValue(t, c.dt, c.a)}}.String()
				a = a[len("+I[") : len(a)-1]
				want := []string{fmt.Sprintf("+I[%s, 1, %s, 1]", a, a)}
				if nullSafe {
					want = append(want, "+I[null, 1, null, 1]")
				}
				sort.Strings(want)
				require.Equal(t, want, got)
			})
		}
	}
}

// mustValue renders v as the engine reads it back from a column of dt.
func mustValue(t *testing.T, dt arrow.DataType, v any) any {
	b := makeBatch(t, memory.DefaultAllocator, schemaOf(field("x", dt)), nil, []any{v})
	defer b.Release()
	return BatchRows(b)[0].Values[0]
}

// failingCollector fails after n batches.
type failingCollector struct{ n int }

func (f *failingCollector) Collect(context.Context, *vectorized.Batch) error {
	if f.n == 0 {
		return errors.New("sink failed")
	}
	f.n--
	return nil
}

// TestBatchJoinSpillFilesRemoved checks that the spill files exist while
// the join runs and are gone after Close, also when the output failed.
func TestBatchJoinSpillFilesRemoved(t *testing.T) {
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprintf("fail=%t", fail), func(t *testing.T) {
			mem := checkedMem(t)
			dir := t.TempDir()
			spec := JoinSpec{Type: FullOuterJoin, Mode: Batch, LeftKeys: []int{0}, RightKeys: []int{0}, Left: hjLeft, Right: hjRight, MemoryBudget: 256, SpillDir: dir}
			op, err := NewJoin(spec)
			require.NoError(t, err)
			rt := &RuntimeContext{Mem: mem, Metrics: &OperatorMetrics{}, Config: Config{ConfigBatchSize: "3"}}
			require.NoError(t, op.Open(context.Background(), rt))
			rng := rand.New(rand.NewPCG(1, 2))
			for i := 0; i < 10; i++ {
				for in, s := range []*arrow.Schema{hjLeft, hjRight} {
					b := makeBatch(t, mem, s, nil, hjRows(rng, 20, 50)...)
					require.NoError(t, op.Process(context.Background(), in, b, nil))
					b.Release()
				}
			}
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			require.Len(t, entries, 1, "one spill directory")
			var out Collector = &failingCollector{n: 1 << 30}
			if fail {
				out = &failingCollector{n: 2}
			}
			err = op.EndInput(context.Background(), out)
			if fail {
				require.ErrorContains(t, err, "sink failed")
			} else {
				require.NoError(t, err)
			}
			require.NoError(t, op.Close())
			entries, err = os.ReadDir(dir)
			require.NoError(t, err)
			require.Empty(t, entries)
		})
	}
}

// TestBatchJoinMemoryConfig reads Flink's hash-join memory key when the
// spec sets no budget.
func TestBatchJoinMemoryConfig(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		spec int64
		want int64
		err  string
	}{
		{cfg: Config{}, want: 128 << 20},
		{cfg: Config{ConfigHashJoinMemory: "64 kb"}, want: 64 << 10},
		{cfg: Config{ConfigHashJoinMemory: "64 kb"}, spec: 100, want: 100},
		{cfg: Config{ConfigHashJoinMemory: "lots"}, err: "table.exec.resource.hash-join.memory"},
	} {
		op := newBatchJoin(JoinSpec{Type: InnerJoin, Mode: Batch, Left: hjLeft, Right: hjRight, MemoryBudget: c.spec})
		err := op.Open(context.Background(), &RuntimeContext{Mem: memory.DefaultAllocator, Config: c.cfg})
		if c.err != "" {
			require.ErrorContains(t, err, c.err)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, c.want, op.(*batchJoin).budget)
	}
}

// TestBatchJoinRejects checks the input contract.
func TestBatchJoinRejects(t *testing.T) {
	mem := checkedMem(t)
	op, err := NewJoin(JoinSpec{Type: InnerJoin, Mode: Batch, LeftKeys: []int{0}, RightKeys: []int{0}, Left: hjLeft, Right: hjRight})
	require.NoError(t, err)
	h := newHarness(t, mem, op, Config{})
	b := makeBatch(t, mem, hjLeft, kinds("-D"), []any{1, "a", 1})
	require.ErrorContains(t, h.processErr(b), "insert-only")
	b = makeBatch(t, mem, schemaOf(field("k", arrow.PrimitiveTypes.Int32)), nil, []any{1})
	require.ErrorContains(t, h.processErr(b), "1 columns, the plan expects 3")
}

// TestBatchJoinDirectTableEdges joins int64 keys at the ends of the range:
// a span that overflows int64 falls back to hashing, a narrow one near
// MaxInt64 indexes directly and rejects far probe keys without wrapping.
func TestBatchJoinDirectTableEdges(t *testing.T) {
	s := schemaOf(field("k", arrow.PrimitiveTypes.Int64))
	for _, c := range []struct {
		name        string
		left, right [][]any
		direct      bool
		want        []string
	}{
		{
			name: "full-range", left: [][]any{{int64(math.MinInt64)}, {int64(math.MaxInt64)}, {0}},
			right: [][]any{{int64(math.MaxInt64)}, {int64(math.MinInt64)}, {1}},
			want:  []string{"+I[-9223372036854775808, -9223372036854775808]", "+I[9223372036854775807, 9223372036854775807]"},
		},
		{
			name: "near-max", left: [][]any{{int64(math.MinInt64)}, {int64(math.MaxInt64)}, {-1}, {int64(math.MaxInt64 - 1)}},
			right:  [][]any{{int64(math.MaxInt64)}, {int64(math.MaxInt64 - 2)}, {int64(math.MaxInt64 - 1)}, {int64(math.MaxInt64 - 1)}},
			direct: true,
			want:   []string{"+I[9223372036854775806, 9223372036854775806]", "+I[9223372036854775806, 9223372036854775806]", "+I[9223372036854775807, 9223372036854775807]"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := JoinSpec{Type: InnerJoin, Mode: Batch, LeftKeys: []int{0}, RightKeys: []int{0}, Left: s, Right: s}
			got, _ := hjRunJoin(t, checkedMem(t), spec, Config{}, c.left, c.right, 10)
			require.Equal(t, c.want, got)
			var tab hjJoinTable
			b := makeBatch(t, memory.DefaultAllocator, s, nil, c.right...)
			defer b.Release()
			require.Equal(t, c.direct, tab.buildDirect(b.Record.Column(0), nil))
		})
	}
}

// TestBatchJoinBatchBytes caps output batches by sluice.exec.batch-bytes
// too: rows wider than the cap come one a batch.
func TestBatchJoinBatchBytes(t *testing.T) {
	mem := checkedMem(t)
	left := [][]any{{1, "a", 10}, {2, "b", 20}, {3, "c", 30}}
	right := [][]any{{1, "x", 5}, {2, "y", 6}, {4, "z", 7}}
	for _, jt := range hjTypes {
		spec := JoinSpec{Type: jt, Mode: Batch, LeftKeys: []int{0}, RightKeys: []int{0}, Left: hjLeft, Right: hjRight}
		op, err := NewJoin(spec)
		require.NoError(t, err)
		h := newHarness(t, mem, op, Config{ConfigBatchBytes: "1"})
		for in, rows := range [][][]any{left, right} {
			b := makeBatch(t, mem, []*arrow.Schema{hjLeft, hjRight}[in], nil, rows...)
			require.NoError(t, op.Process(context.Background(), in, b, h))
			b.Release()
		}
		var got []string
		require.NoError(t, op.EndInput(context.Background(), CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
			require.EqualValues(t, 1, b.NumRows())
			got = append(got, strs(BatchRows(b))...)
			return nil
		})))
		sort.Strings(got)
		require.Equal(t, hjReference(spec, nil, left, right), got, jt.String())
	}
}
