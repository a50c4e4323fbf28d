package engine

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

var kvSchema = schemaOf(field("k", arrow.BinaryTypes.String), field("v", arrow.PrimitiveTypes.Int64))

// step is one input batch of a changelog test and the exact rows the
// operator must emit for it.
type step struct {
	kinds string // "" for an append-only batch
	rows  [][]any
	want  []string
}

func runSteps(t *testing.T, spec GroupAggSpec, schema *arrow.Schema, steps []step, wantAtEnd []string) {
	t.Helper()
	runHarnessSteps(t, newHarness(t, checkedMem(t), NewGroupAggregate(spec), Config{}), schema, steps, wantAtEnd)
}

// runHarnessSteps feeds the steps to the operator h drives.
func runHarnessSteps(t *testing.T, h *harness, schema *arrow.Schema, steps []step, wantAtEnd []string) {
	t.Helper()
	mem := h.mem
	for i, s := range steps {
		var ks []vectorized.RowKind
		if s.kinds != "" {
			ks = kinds(s.kinds)
		}
		got := h.process(makeBatch(t, mem, schema, ks, s.rows...))
		assert.Equal(t, s.want, nilIfEmpty(strs(got)), "step %d", i)
	}
	assert.Equal(t, wantAtEnd, nilIfEmpty(strs(h.endInput())), "end of input")
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// changelogCase is a streaming aggregate and the exact changelog it emits
// for its input steps.
type changelogCase struct {
	name  string
	spec  GroupAggSpec
	steps []step
}

func TestGroupAggregateStreamingChangelog(t *testing.T) {
	for _, tc := range streamingChangelogCases() {
		t.Run(tc.name, func(t *testing.T) {
			runSteps(t, tc.spec, kvSchema, tc.steps, nil)
		})
	}
}

// streamingChangelogCases are Flink's GroupAggFunction rules, case by case;
// TestGroupAggregateKeyedChangelog runs them again with the state in each
// backend.
func streamingChangelogCases() []changelogCase {
	countSum := []AggCall{{Func: CountStar}, {Func: Sum, Arg: 1}}
	return []changelogCase{
		{
			name: "inserts: new key +I, changed result -U/+U",
			spec: GroupAggSpec{Keys: []int{0}, Aggs: countSum},
			steps: []step{
				{rows: [][]any{{"a", 1}, {"b", 2}, {"a", 3}},
					want: []string{"+I[a, 1, 1]", "+I[b, 1, 2]", "-U[a, 1, 1]", "+U[a, 2, 4]"}},
			},
		},
		{
			name: "updates and deletes retract; last row of a key emits -D; unknown retractions are dropped",
			spec: GroupAggSpec{Keys: []int{0}, Aggs: countSum},
			steps: []step{
				{rows: [][]any{{"a", 1}, {"b", 2}, {"a", 3}},
					want: []string{"+I[a, 1, 1]", "+I[b, 1, 2]", "-U[a, 1, 1]", "+U[a, 2, 4]"}},
				{kinds: "-U +U -D -D", rows: [][]any{{"a", 1}, {"a", 5}, {"b", 2}, {"c", 1}},
					want: []string{"-U[a, 2, 4]", "+U[a, 1, 3]", "-U[a, 1, 3]", "+U[a, 2, 8]", "-D[b, 1, 2]"}},
				{rows: [][]any{{"b", 7}}, want: []string{"+I[b, 1, 7]"}},
				{kinds: "-D -D +I", rows: [][]any{{"a", 3}, {"a", 5}, {"a", 6}},
					want: []string{"-U[a, 2, 8]", "+U[a, 1, 5]", "-D[a, 1, 5]", "+I[a, 1, 6]"}},
			},
		},
		{
			name: "an unchanged result emits nothing",
			spec: GroupAggSpec{Keys: []int{0}, Aggs: []AggCall{{Func: Max, Arg: 1}}},
			steps: []step{
				{rows: [][]any{{"a", 5}, {"a", 3}, {"a", 5}}, want: []string{"+I[a, 5]"}},
				{rows: [][]any{{"a", 8}}, want: []string{"-U[a, 5]", "+U[a, 8]"}},
			},
		},
		{
			name: "SUM is NULL while every counted value is NULL (SumWithRetract)",
			spec: GroupAggSpec{Keys: []int{0}, Aggs: []AggCall{{Func: CountStar}, {Func: Sum, Arg: 1}, {Func: Count, Arg: 1}}},
			steps: []step{
				{rows: [][]any{{"a", nil}}, want: []string{"+I[a, 1, null, 0]"}},
				{rows: [][]any{{"a", 4}}, want: []string{"-U[a, 1, null, 0]", "+U[a, 2, 4, 1]"}},
				{kinds: "-D", rows: [][]any{{"a", 4}}, want: []string{"-U[a, 2, 4, 1]", "+U[a, 1, null, 0]"}},
				{kinds: "+I -D", rows: [][]any{{"a", 0}, {"a", 0}}, want: []string{"-U[a, 1, null, 0]", "+U[a, 2, 0, 1]", "-U[a, 2, 0, 1]", "+U[a, 1, null, 0]"}},
			},
		},
		{
			name: "MIN/MAX find the next extreme when the current one is retracted",
			spec: GroupAggSpec{Keys: []int{0}, Aggs: []AggCall{{Func: Min, Arg: 1}, {Func: Max, Arg: 1}}},
			steps: []step{
				{rows: [][]any{{"a", 5}, {"a", 3}, {"a", 9}, {"a", 3}},
					want: []string{"+I[a, 5, 5]", "-U[a, 5, 5]", "+U[a, 3, 5]", "-U[a, 3, 5]", "+U[a, 3, 9]"}},
				{kinds: "-D", rows: [][]any{{"a", 3}}, want: nil}, // one 3 is still there
				{kinds: "-D", rows: [][]any{{"a", 3}}, want: []string{"-U[a, 3, 9]", "+U[a, 5, 9]"}},
				{kinds: "-U", rows: [][]any{{"a", 9}}, want: []string{"-U[a, 5, 9]", "+U[a, 5, 5]"}},
				{kinds: "-D", rows: [][]any{{"a", 5}}, want: []string{"-D[a, 5, 5]"}},
			},
		},
		{
			name: "COUNT(DISTINCT) counts per value and retracts when a value's count reaches 0",
			spec: GroupAggSpec{Keys: []int{0}, Aggs: []AggCall{{Func: Count, Arg: 1, Distinct: true}, {Func: CountStar}}},
			steps: []step{
				{rows: [][]any{{"a", 1}, {"a", 1}, {"a", 2}, {"a", nil}},
					want: []string{"+I[a, 1, 1]", "-U[a, 1, 1]", "+U[a, 1, 2]", "-U[a, 1, 2]", "+U[a, 2, 3]", "-U[a, 2, 3]", "+U[a, 2, 4]"}},
				{kinds: "-D -D -D", rows: [][]any{{"a", 1}, {"a", 1}, {"a", nil}},
					want: []string{"-U[a, 2, 4]", "+U[a, 2, 3]", "-U[a, 2, 3]", "+U[a, 1, 2]", "-U[a, 1, 2]", "+U[a, 1, 1]"}},
			},
		},
		{
			name: "COUNT(DISTINCT) alone: a repeated value changes nothing",
			spec: GroupAggSpec{Keys: []int{0}, Aggs: []AggCall{{Func: Count, Arg: 1, Distinct: true}}},
			steps: []step{
				{rows: [][]any{{"a", 1}, {"a", 1}, {"a", 2}}, want: []string{"+I[a, 1]", "-U[a, 1]", "+U[a, 2]"}},
				{kinds: "-D", rows: [][]any{{"a", 1}}, want: nil},
				{kinds: "-D", rows: [][]any{{"a", 1}}, want: []string{"-U[a, 2]", "+U[a, 1]"}},
			},
		},
		{
			name: "SUM(DISTINCT) adds each value once",
			spec: GroupAggSpec{Keys: []int{0}, Aggs: []AggCall{{Func: Sum, Arg: 1, Distinct: true}}},
			steps: []step{
				{rows: [][]any{{"a", 5}, {"a", 5}, {"a", 2}}, want: []string{"+I[a, 5]", "-U[a, 5]", "+U[a, 7]"}},
				{kinds: "-D", rows: [][]any{{"a", 5}}, want: nil},
				{kinds: "-D", rows: [][]any{{"a", 5}}, want: []string{"-U[a, 7]", "+U[a, 2]"}},
			},
		},
		{
			name: "a deleted key starts afresh",
			spec: GroupAggSpec{Keys: []int{0}, Aggs: []AggCall{{Func: Min, Arg: 1}}},
			steps: []step{
				{kinds: "+I -D +I", rows: [][]any{{"a", 1}, {"a", 1}, {"a", 7}}, want: []string{"+I[a, 1]", "-D[a, 1]", "+I[a, 7]"}},
				{kinds: "-D", rows: [][]any{{"a", 7}}, want: []string{"-D[a, 7]"}},
				{rows: [][]any{{"a", 9}}, want: []string{"+I[a, 9]"}},
			},
		},
		{
			name: "NULL keys form their own group",
			spec: GroupAggSpec{Keys: []int{0}, Aggs: []AggCall{{Func: CountStar}}},
			steps: []step{
				{rows: [][]any{{nil, 1}, {"", 2}, {nil, 3}},
					want: []string{"+I[null, 1]", "+I[, 1]", "-U[null, 1]", "+U[null, 2]"}},
			},
		},
		{
			name: "global aggregate emits from the first row on",
			spec: GroupAggSpec{Aggs: countSum},
			steps: []step{
				{rows: [][]any{{"a", 2}, {"b", 3}}, want: []string{"+I[1, 2]", "-U[1, 2]", "+U[2, 5]"}},
				{kinds: "-D -D", rows: [][]any{{"a", 2}, {"b", 3}}, want: []string{"-U[2, 5]", "+U[1, 3]", "-D[1, 3]"}},
			},
		},
		{
			name: "without update-before only +U is emitted",
			spec: GroupAggSpec{Keys: []int{0}, Aggs: countSum, NoUpdateBefore: true},
			steps: []step{
				{rows: [][]any{{"a", 1}, {"a", 2}}, want: []string{"+I[a, 1, 1]", "+U[a, 2, 3]"}},
				{kinds: "-D -D", rows: [][]any{{"a", 1}, {"a", 2}}, want: []string{"+U[a, 1, 2]", "-D[a, 1, 2]"}},
			},
		},
	}
}

func TestGroupAggregateMiniBatch(t *testing.T) {
	spec := GroupAggSpec{Keys: []int{0}, Aggs: []AggCall{{Func: CountStar}, {Func: Sum, Arg: 1}},
		MiniBatch: MiniBatch{Enabled: true, Size: 4}}
	runSteps(t, spec, kvSchema, []step{
		// 3 rows: the bundle is not full yet.
		{rows: [][]any{{"a", 1}, {"b", 5}, {"a", 2}}, want: nil},
		// 4th row ends the bundle: each touched key emits once.
		{rows: [][]any{{"a", 3}}, want: []string{"+I[a, 3, 6]", "+I[b, 1, 5]"}},
		// Leading retractions of unknown keys are dropped; a key whose
		// rows cancel out inside the bundle emits nothing.
		{kinds: "-D -D +I +I", rows: [][]any{{"d", 9}, {"a", 1}, {"c", 1}, {"e", 1}}, want: []string{"-U[a, 3, 6]", "+U[a, 2, 5]", "+I[c, 1, 1]", "+I[e, 1, 1]"}},
		{kinds: "+I -D -D -D", rows: [][]any{{"f", 1}, {"f", 1}, {"a", 2}, {"a", 3}}, want: []string{"-D[a, 2, 5]"}},
		// A key whose result does not change emits nothing; the bundle
		// is flushed at end of input.
		{kinds: "-D +I", rows: [][]any{{"b", 5}, {"b", 5}}, want: nil},
	}, nil)

	// The flush at end of input.
	mem := checkedMem(t)
	h := newHarness(t, mem, NewGroupAggregate(spec), Config{})
	assert.Empty(t, h.process(makeBatch(t, mem, kvSchema, nil, []any{"x", 1}, []any{"x", 2})))
	assert.Equal(t, []string{"+I[x, 2, 3]"}, strs(h.endInput()))
}

func TestGroupAggregateBatchMode(t *testing.T) {
	mem := checkedMem(t)
	spec := GroupAggSpec{Keys: []int{0}, Mode: Batch, Aggs: []AggCall{{Func: CountStar}, {Func: Sum, Arg: 1}, {Func: Avg, Arg: 1}},
		OutputNames: []string{"k", "cnt", "total", "mean"}}
	h := newHarness(t, mem, NewGroupAggregate(spec), Config{})
	assert.Empty(t, h.process(makeBatch(t, mem, kvSchema, nil, []any{"a", 1}, []any{"b", 2}, []any{"a", 4})))
	assert.Empty(t, h.process(makeBatch(t, mem, kvSchema, nil, []any{"b", nil}, []any{"c", -3})))
	assert.Equal(t, []string{"+I[a, 2, 5, 2]", "+I[b, 2, 2, 2]", "+I[c, 1, -3, -3]"}, strs(h.endInput()))

	err := h.processErr(makeBatch(t, mem, kvSchema, kinds("-D"), []any{"a", 1}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "insert-only")
}

func TestGlobalAggregateBatch(t *testing.T) {
	aggs := []AggCall{
		{Func: CountStar, Result: arrow.PrimitiveTypes.Int64},
		{Func: Sum, Arg: 1, Result: arrow.PrimitiveTypes.Int64},
		{Func: Max, Arg: 0, Result: arrow.BinaryTypes.String},
	}
	t.Run("empty input gives one row: COUNT 0, SUM NULL", func(t *testing.T) {
		mem := checkedMem(t)
		h := newHarness(t, mem, NewGroupAggregate(GroupAggSpec{Mode: Batch, Aggs: aggs}), Config{})
		assert.Equal(t, []string{"+I[0, null, null]"}, strs(h.endInput()))
	})
	t.Run("some input gives one row", func(t *testing.T) {
		mem := checkedMem(t)
		h := newHarness(t, mem, NewGroupAggregate(GroupAggSpec{Mode: Batch, Aggs: aggs}), Config{})
		h.process(makeBatch(t, mem, kvSchema, nil, []any{"a", 1}, []any{"c", nil}, []any{"b", 5}))
		assert.Equal(t, []string{"+I[3, 6, c]"}, strs(h.endInput()))
	})
	t.Run("grouped aggregate of empty input emits nothing", func(t *testing.T) {
		mem := checkedMem(t)
		h := newHarness(t, mem, NewGroupAggregate(GroupAggSpec{Keys: []int{0}, Mode: Batch, Aggs: aggs}), Config{})
		assert.Empty(t, h.endInput())
	})
	t.Run("streaming global aggregate emits nothing without input", func(t *testing.T) {
		mem := checkedMem(t)
		h := newHarness(t, mem, NewGroupAggregate(GroupAggSpec{Aggs: aggs}), Config{})
		assert.Empty(t, h.endInput())
	})
}

// TestAggregateResultTypes pins Flink's result types and arithmetic: SUM
// keeps the argument type (wrapping like Java), AVG of integers is an
// integer truncated toward zero, DECIMAL sums widen to precision 38 and
// averages get scale max(6, s) rounded HALF_UP.
func TestAggregateResultTypes(t *testing.T) {
	dec := func(p, s int32) arrow.DataType { return &arrow.Decimal128Type{Precision: p, Scale: s} }
	tests := []struct {
		name     string
		kind     AggKind
		arg      arrow.DataType
		vals     []any
		wantType arrow.DataType
		want     any
	}{
		{"SUM TINYINT wraps like Java", Sum, arrow.PrimitiveTypes.Int8, []any{100, 100}, arrow.PrimitiveTypes.Int8, int64(-56)},
		{"SUM SMALLINT", Sum, arrow.PrimitiveTypes.Int16, []any{1000, 2000}, arrow.PrimitiveTypes.Int16, int64(3000)},
		{"SUM INT", Sum, arrow.PrimitiveTypes.Int32, []any{1, nil, 2}, arrow.PrimitiveTypes.Int32, int64(3)},
		{"SUM BIGINT", Sum, arrow.PrimitiveTypes.Int64, []any{1 << 40, 1 << 40}, arrow.PrimitiveTypes.Int64, int64(1 << 41)},
		{"SUM BIGINT of NULLs is NULL", Sum, arrow.PrimitiveTypes.Int64, []any{nil, nil}, arrow.PrimitiveTypes.Int64, nil},
		{"SUM FLOAT", Sum, arrow.PrimitiveTypes.Float32, []any{0.5, 0.25}, arrow.PrimitiveTypes.Float32, float32(0.75)},
		{"SUM DOUBLE", Sum, arrow.PrimitiveTypes.Float64, []any{0.5, 0.25}, arrow.PrimitiveTypes.Float64, 0.75},
		{"SUM DECIMAL widens to 38", Sum, dec(10, 2), []any{"1.25", "2.50"}, dec(38, 2), "3.75"},
		{"SUM DECIMAL of NULLs is NULL", Sum, dec(10, 2), []any{nil}, dec(38, 2), nil},
		{"AVG TINYINT", Avg, arrow.PrimitiveTypes.Int8, []any{100, 100, 101}, arrow.PrimitiveTypes.Int8, int64(100)},
		{"AVG INT truncates", Avg, arrow.PrimitiveTypes.Int32, []any{1, 2}, arrow.PrimitiveTypes.Int32, int64(1)},
		{"AVG INT truncates toward zero", Avg, arrow.PrimitiveTypes.Int32, []any{-1, -2}, arrow.PrimitiveTypes.Int32, int64(-1)},
		{"AVG BIGINT", Avg, arrow.PrimitiveTypes.Int64, []any{10, 20, nil, 31}, arrow.PrimitiveTypes.Int64, int64(20)},
		{"AVG FLOAT", Avg, arrow.PrimitiveTypes.Float32, []any{1.0, 2.0}, arrow.PrimitiveTypes.Float32, float32(1.5)},
		{"AVG DOUBLE", Avg, arrow.PrimitiveTypes.Float64, []any{1.0, 2.0, 4.0}, arrow.PrimitiveTypes.Float64, 7.0 / 3},
		{"AVG DECIMAL gets scale 6, HALF_UP", Avg, dec(10, 2), []any{"1.00", "2.00", "2.00"}, dec(38, 6), "1.666667"},
		{"AVG DECIMAL negative rounds away from zero", Avg, dec(10, 2), []any{"-1.00", "-2.00", "-2.00"}, dec(38, 6), "-1.666667"},
		{"AVG DECIMAL keeps a larger scale", Avg, dec(20, 8), []any{"0.00000001", "0.00000002"}, dec(38, 8), "0.00000002"},
		{"AVG of NULLs is NULL", Avg, arrow.PrimitiveTypes.Int32, []any{nil}, arrow.PrimitiveTypes.Int32, nil},
		{"COUNT is BIGINT", Count, arrow.PrimitiveTypes.Int8, []any{1, nil, 3}, arrow.PrimitiveTypes.Int64, int64(2)},
		{"MIN DATE", Min, arrow.FixedWidthTypes.Date32, []any{19000, 18000, nil}, arrow.FixedWidthTypes.Date32, "2019-04-14"},
		{"MAX TIMESTAMP", Max, &arrow.TimestampType{Unit: arrow.Millisecond}, []any{1000, 3001, 2000}, &arrow.TimestampType{Unit: arrow.Millisecond}, "1970-01-01 00:00:03.001"},
		{"MAX DECIMAL", Max, dec(10, 2), []any{"-1.00", "2.50", "2.49"}, dec(10, 2), "2.50"},
		{"MIN DECIMAL negative", Min, dec(10, 2), []any{"-1.00", "2.50", "-1.01"}, dec(10, 2), "-1.01"},
		{"MAX BOOLEAN", Max, arrow.FixedWidthTypes.Boolean, []any{false, true, false}, arrow.FixedWidthTypes.Boolean, true},
		{"MIN BOOLEAN", Min, arrow.FixedWidthTypes.Boolean, []any{true, nil, false}, arrow.FixedWidthTypes.Boolean, false},
		{"MIN STRING is byte order", Min, arrow.BinaryTypes.String, []any{"b", "B", "ä", "a"}, arrow.BinaryTypes.String, "B"},
		{"MAX STRING", Max, arrow.BinaryTypes.String, []any{"b", "B", "ä", "a"}, arrow.BinaryTypes.String, "ä"},
		{"MAX DOUBLE: NaN is greatest (Double.compare)", Max, arrow.PrimitiveTypes.Float64, []any{1.0, math.NaN(), 2.0}, arrow.PrimitiveTypes.Float64, math.NaN()},
		{"MIN DOUBLE: -0.0 below 0.0", Min, arrow.PrimitiveTypes.Float64, []any{0.0, math.Copysign(0, -1)}, arrow.PrimitiveTypes.Float64, math.Copysign(0, -1)},
		{"MIN TINYINT is signed", Min, arrow.PrimitiveTypes.Int8, []any{-5, 3}, arrow.PrimitiveTypes.Int8, int64(-5)},
	}
	for _, tc := range tests {
		for _, mode := range []AggMode{Streaming, Batch} {
			t.Run(fmt.Sprintf("%s/mode=%d", tc.name, mode), func(t *testing.T) {
				mem := checkedMem(t)
				schema := schemaOf(field("k", arrow.PrimitiveTypes.Int64), field("x", tc.arg))
				// Result nil: the Flink rule (DefaultAggResultType) decides.
				spec := GroupAggSpec{Keys: []int{0}, Mode: mode, Aggs: []AggCall{{Func: tc.kind, Arg: 1}}, MiniBatch: MiniBatch{Enabled: mode == Streaming, Size: 1000}}
				h := newHarness(t, mem, NewGroupAggregate(spec), Config{})
				rows := make([][]any, len(tc.vals))
				for i, v := range tc.vals {
					rows[i] = []any{1, v}
				}
				h.process(makeBatch(t, mem, schema, nil, rows...))
				h.out = nil
				require.NoError(t, h.op.EndInput(t.Context(), typeChecker{h: h, want: tc.wantType}))
				require.Len(t, h.out, 1)
				got := h.out[0].Values[1]
				if f, ok := tc.want.(float64); ok && math.IsNaN(f) {
					assert.True(t, math.IsNaN(got.(float64)), "got %v", got)
					return
				}
				if f, ok := tc.want.(float64); ok && f == 0 {
					assert.Equal(t, math.Signbit(f), math.Signbit(got.(float64)))
				}
				assert.Equal(t, tc.want, got)
			})
		}
	}
}

// typeChecker asserts the type of the aggregate column and forwards.
type typeChecker struct {
	h    *harness
	want arrow.DataType
}

func (c typeChecker) Collect(ctx context.Context, b *vectorized.Batch) error {
	assert.True(c.h.t.(*testing.T), arrow.TypeEqual(c.want, b.Record.Column(1).DataType()), "result type %s, want %s", b.Record.Column(1).DataType(), c.want)
	return c.h.Collect(ctx, b)
}

func TestDistinct(t *testing.T) {
	schema := schemaOf(field("k", arrow.BinaryTypes.String), field("v", arrow.PrimitiveTypes.Int64))
	t.Run("streaming", func(t *testing.T) {
		mem := checkedMem(t)
		h := newHarness(t, mem, NewDistinct(DistinctSpec{}), Config{})
		assert.Equal(t, []string{"+I[a, 1]", "+I[b, 2]", "+I[a, null]"},
			strs(h.process(makeBatch(t, mem, schema, nil, []any{"a", 1}, []any{"a", 1}, []any{"b", 2}, []any{"a", nil}, []any{"b", 2}))))
		assert.Empty(t, h.process(makeBatch(t, mem, schema, kinds("-D"), []any{"a", 1})))
		assert.Equal(t, []string{"-D[a, 1]"}, strs(h.process(makeBatch(t, mem, schema, kinds("-D"), []any{"a", 1}))))
		assert.Equal(t, []string{"+I[a, 1]"}, strs(h.process(makeBatch(t, mem, schema, nil, []any{"a", 1}))))
		assert.Equal(t, "k", h.op.(*GroupAggregate).outSchema.Field(0).Name)
	})
	t.Run("batch", func(t *testing.T) {
		mem := checkedMem(t)
		h := newHarness(t, mem, NewDistinct(DistinctSpec{Mode: Batch}), Config{})
		assert.Empty(t, h.process(makeBatch(t, mem, schema, nil, []any{"a", 1}, []any{"a", 1}, []any{"b", 2})))
		assert.Empty(t, h.process(makeBatch(t, mem, schema, nil, []any{"b", 2}, []any{"b", 3})))
		assert.Equal(t, []string{"+I[a, 1]", "+I[b, 2]", "+I[b, 3]"}, strs(h.endInput()))
	})
}

// ---- model-based tests ----

// model is a plain Go implementation of the aggregates over a multiset of
// values per key, used as the oracle.
type modelAgg struct {
	count, countV, countDistinct int64
	sum                          int64
	hasSum                       bool
	min, max                     int64
	hasMinMax                    bool
}

func modelCompute(vals []*int64) modelAgg {
	var m modelAgg
	seen := map[int64]bool{}
	for _, v := range vals {
		m.count++
		if v == nil {
			continue
		}
		m.countV++
		m.sum += *v
		m.hasSum = true
		if !seen[*v] {
			seen[*v] = true
			m.countDistinct++
		}
		if !m.hasMinMax || *v < m.min {
			m.min = *v
		}
		if !m.hasMinMax || *v > m.max {
			m.max = *v
		}
		m.hasMinMax = true
	}
	return m
}

func (m modelAgg) values() []any {
	opt := func(ok bool, v int64) any {
		if ok {
			return v
		}
		return nil
	}
	return []any{m.count, m.countV, opt(m.hasSum, m.sum), opt(m.hasMinMax, m.min), opt(m.hasMinMax, m.max), m.countDistinct}
}

var modelAggs = []AggCall{{Func: CountStar}, {Func: Count, Arg: 1}, {Func: Sum, Arg: 1}, {Func: Min, Arg: 1}, {Func: Max, Arg: 1}, {Func: Count, Arg: 1, Distinct: true}}

// randomChangelog is a valid changelog: retractions only retract rows that
// were inserted before and not yet retracted.
func randomChangelog(rng *rand.Rand, n, keys int, nullKeys bool) []Row {
	type live struct {
		k any
		v *int64
	}
	var present []live
	var out []Row
	for len(out) < n {
		if len(present) > 0 && rng.IntN(3) == 0 {
			i := rng.IntN(len(present))
			p := present[i]
			present = append(present[:i], present[i+1:]...)
			kind := vectorized.Delete
			if rng.IntN(2) == 0 {
				kind = vectorized.UpdateBefore
			}
			out = append(out, Row{Kind: kind, Values: []any{p.k, ptrVal(p.v)}})
			continue
		}
		var k any = fmt.Sprintf("k%d", rng.IntN(keys))
		if nullKeys && rng.IntN(10) == 0 {
			k = nil
		}
		var v *int64
		if rng.IntN(8) != 0 {
			x := int64(rng.IntN(20) - 5)
			v = &x
		}
		kind := vectorized.Insert
		if rng.IntN(3) == 0 {
			kind = vectorized.UpdateAfter
		}
		present = append(present, live{k, v})
		out = append(out, Row{Kind: kind, Values: []any{k, ptrVal(v)}})
	}
	return out
}

func ptrVal(v *int64) any {
	if v == nil {
		return nil
	}
	return *v
}

// modelStreaming applies Flink's GroupAggFunction rules to the changelog,
// row by row, with the model aggregates.
func modelStreaming(changelog []Row) []string {
	state := map[any][]*int64{}
	var out []string
	for _, r := range changelog {
		k := r.Values[0]
		var v *int64
		if r.Values[1] != nil {
			x := r.Values[1].(int64)
			v = &x
		}
		vals, exists := state[k]
		retract := r.Kind == vectorized.UpdateBefore || r.Kind == vectorized.Delete
		if !exists && retract {
			continue
		}
		prev := modelCompute(vals)
		if retract {
			for i, x := range vals {
				if (x == nil) == (v == nil) && (x == nil || *x == *v) {
					vals = append(vals[:i:i], vals[i+1:]...)
					break
				}
			}
		} else {
			vals = append(vals, v)
		}
		next := modelCompute(vals)
		row := func(kind vectorized.RowKind, m modelAgg) string {
			return Row{Kind: kind, Values: append([]any{k}, m.values()...)}.String()
		}
		switch {
		case len(vals) == 0:
			out = append(out, row(vectorized.Delete, prev))
			delete(state, k)
			continue
		case !exists:
			out = append(out, row(vectorized.Insert, next))
		case fmt.Sprint(prev.values()) != fmt.Sprint(next.values()):
			out = append(out, row(vectorized.UpdateBefore, prev), row(vectorized.UpdateAfter, next))
		}
		state[k] = vals
	}
	return out
}

// changelogBatches cuts a changelog into batches of random sizes.
func changelogBatches(t testing.TB, rng *rand.Rand, mem memory.Allocator, schema *arrow.Schema, rows []Row) []*vectorized.Batch {
	var out []*vectorized.Batch
	for lo := 0; lo < len(rows); {
		hi := min(len(rows), lo+1+rng.IntN(40))
		var vals [][]any
		var ks []vectorized.RowKind
		for _, r := range rows[lo:hi] {
			vals = append(vals, r.Values)
			ks = append(ks, r.Kind)
		}
		out = append(out, makeBatch(t, mem, schema, ks, vals...))
		lo = hi
	}
	return out
}

func TestGroupAggregateStreamingMatchesModel(t *testing.T) {
	for seed := range uint64(8) {
		// Odd seeds run without -U rows (an upserting consumer): the
		// model's changelog without its -U rows.
		noUB := seed%2 == 1
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 99))
			mem := checkedMem(t)
			keys := []int{3, 40, 400}[seed%3]
			changelog := randomChangelog(rng, 3000, keys, true)
			var want []string
			for _, r := range modelStreaming(changelog) {
				if !noUB || !strings.HasPrefix(r, "-U") {
					want = append(want, r)
				}
			}
			h := newHarness(t, mem, NewGroupAggregate(GroupAggSpec{Keys: []int{0}, Aggs: modelAggs, NoUpdateBefore: noUB}), Config{})
			var got []string
			for _, b := range changelogBatches(t, rng, mem, kvSchema, changelog) {
				got = append(got, strs(h.process(b))...)
			}
			require.Equal(t, want, got)
			// The table holds exactly the live keys: deleted keys are gone.
			final, err := Materialize(changelog)
			require.NoError(t, err)
			liveKeys := map[any]bool{}
			for _, r := range final {
				liveKeys[r.Values[0]] = true
			}
			assert.Equal(t, len(liveKeys), h.op.(*GroupAggregate).table.live)
		})
	}
}

// TestGroupAggregateMiniBatchMatchesStreaming: mini-batch emits fewer
// changes, but the table they materialize to is the same.
func TestGroupAggregateMiniBatchMatchesStreaming(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			mem := checkedMem(t)
			changelog := randomChangelog(rng, 2000, 30, true)
			spec := GroupAggSpec{Keys: []int{0}, Aggs: modelAggs, MiniBatch: MiniBatch{Enabled: true, Size: 1 + rng.IntN(200)}}
			h := newHarness(t, mem, NewGroupAggregate(spec), Config{})
			var got []Row
			for _, b := range changelogBatches(t, rng, mem, kvSchema, changelog) {
				got = append(got, h.process(b)...)
			}
			got = append(got, h.endInput()...)
			gotTable, err := Materialize(got)
			require.NoError(t, err)
			// The model's rows are rendered: materialize them by their text.
			var wantRows []Row
			for _, s := range modelStreaming(changelog) {
				wantRows = append(wantRows, Row{Kind: kinds(s[:2])[0], Values: []any{s[2:]}})
			}
			wantTable, err := Materialize(wantRows)
			require.NoError(t, err)
			var want []string
			for _, r := range wantTable {
				want = append(want, "+I"+r.Values[0].(string))
			}
			assert.ElementsMatch(t, want, strs(gotTable))
			assert.Less(t, len(got), len(wantRows), "mini-batch should fold changes")
		})
	}
}
