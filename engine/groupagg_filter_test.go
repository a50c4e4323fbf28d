package engine

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
)

// kvpSchema is a key, a value and a FILTER column.
var kvpSchema = schemaOf(field("k", arrow.BinaryTypes.String), field("v", arrow.PrimitiveTypes.Int64), field("p", arrow.FixedWidthTypes.Boolean))

// filterAggs are COUNT(*) FILTER, SUM(v) FILTER, COUNT(DISTINCT v) FILTER
// and an unfiltered COUNT(*), all filtered by p.
var filterAggs = []AggCall{
	{Func: CountStar, Filtered: true, Filter: 2},
	{Func: Sum, Arg: 1, Filtered: true, Filter: 2},
	{Func: Count, Arg: 1, Distinct: true, Filtered: true, Filter: 2},
	{Func: CountStar},
}

// Only rows whose filter is TRUE (not FALSE, not null) are accumulated,
// and a retraction un-accumulates only if its filter is TRUE; the group's
// existence still follows every row (the unfiltered row count).
func TestGroupAggregateFilterStreaming(t *testing.T) {
	steps := []step{
		{rows: [][]any{{"a", 1, true}, {"a", 2, false}, {"a", 1, nil}, {"b", 5, false}},
			want: []string{"+I[a, 1, 1, 1, 1]", "-U[a, 1, 1, 1, 1]", "+U[a, 1, 1, 1, 2]", "-U[a, 1, 1, 1, 2]", "+U[a, 1, 1, 1, 3]", "+I[b, 0, null, 0, 1]"}},
		{kinds: "-D -D +I", rows: [][]any{{"a", 1, true}, {"b", 5, false}, {"a", 4, true}},
			want: []string{"-U[a, 1, 1, 1, 3]", "+U[a, 0, null, 0, 2]", "-D[b, 0, null, 0, 1]", "-U[a, 0, null, 0, 2]", "+U[a, 1, 4, 1, 3]"}},
	}
	runSteps(t, GroupAggSpec{Keys: []int{0}, Aggs: filterAggs}, kvpSchema, steps, nil)

	for _, backend := range keyedBackends {
		for _, cache := range []int{0, 1} {
			t.Run(fmt.Sprintf("%s/cache=%d", backend, cache), func(t *testing.T) {
				h := newKeyedHarness(t, checkedMem(t), newAgg(GroupAggSpec{Keys: []int{0}, Aggs: filterAggs}), keyedOpts{backend: backend, cacheSize: cache})
				runHarnessSteps(t, h, kvpSchema, steps, nil)
			})
		}
	}
}

func TestGroupAggregateFilterMiniBatchAndBatch(t *testing.T) {
	rows := [][]any{{"a", 1, true}, {"a", 1, true}, {"a", 2, false}, {"a", 3, nil}, {"b", 5, false}, {"a", 7, true}}
	spec := GroupAggSpec{Keys: []int{0}, Aggs: filterAggs, MiniBatch: MiniBatch{Enabled: true, Size: 100}}
	runSteps(t, spec, kvpSchema, []step{
		{rows: rows},
		{kinds: "-D -D", rows: [][]any{{"a", 1, true}, {"a", 2, false}}},
	}, []string{"+I[a, 2, 8, 2, 3]", "+I[b, 0, null, 0, 1]"})

	mem := checkedMem(t)
	h := newHarness(t, mem, NewGroupAggregate(GroupAggSpec{Keys: []int{0}, Aggs: filterAggs, Mode: Batch}), Config{})
	assert.Empty(t, h.process(makeBatch(t, mem, kvpSchema, nil, rows...)))
	assert.Equal(t, []string{"+I[a, 3, 9, 2, 5]", "+I[b, 0, null, 0, 1]"}, strs(h.endInput()))
}

func TestGroupAggregateFilterColumnChecked(t *testing.T) {
	mem := checkedMem(t)
	for _, c := range []AggCall{{Func: CountStar, Filtered: true, Filter: 1}, {Func: CountStar, Filtered: true, Filter: 7}} {
		h := newHarness(t, mem, NewGroupAggregate(GroupAggSpec{Keys: []int{0}, Aggs: []AggCall{c}}), Config{})
		err := h.processErr(makeBatch(t, mem, kvpSchema, nil, []any{"a", 1, true}))
		assert.ErrorContains(t, err, "filter column", c.String())
	}
	assert.Equal(t, "COUNT(DISTINCT $1) FILTER $2", filterAggs[2].String())
}
