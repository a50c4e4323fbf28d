package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"

	"github.com/sluice-stream/sluice/vectorized"
)

// refOverBatch is the model of a batch OVER: per partition, the rows in
// order (stable), each with the aggregates over the rows its frame holds,
// found by testing every row of the partition.
func refOverBatch(spec OverAggSpec, rows []rnRow) []string {
	parts := map[string][][]any{}
	for _, r := range rows {
		k := r.vals[0].(string)
		parts[k] = append(parts[k], r.vals)
	}
	less := func(a, b []any) int {
		if len(spec.OrderBy) > 0 {
			return rnLess(a, b)
		}
		return cmpNull(a[1], b[1], true, func(x, y any) int { return cmpInt(x.(int64), y.(int64)) })
	}
	P, F := spec.Preceding, spec.Following
	out := []string{}
	for _, l := range parts {
		sort.SliceStable(l, func(i, j int) bool { return less(l[i], l[j]) < 0 })
		for i := range l {
			var frame [][]any
			for j := range l {
				var in bool
				switch {
				case spec.Rows:
					in = (P < 0 || j >= i-int(P)) && (F < 0 || j <= i+int(F))
				case len(spec.OrderBy) > 0: // peers
					in = F < 0 || less(l[j], l[i]) <= 0
				case l[i][1] == nil: // NULL times are peers, first
					in = l[j][1] == nil || F < 0
				case l[j][1] == nil:
					in = P < 0
				default:
					t, u := l[i][1].(int64), l[j][1].(int64)
					in = (P < 0 || u >= t-P) && (F < 0 || u <= t+F)
				}
				if in {
					frame = append(frame, l[j])
				}
			}
			vals := slices.Clone(l[i])
			if vals[1] != nil {
				vals[1] = fmtTS(vals[1].(int64))
			}
			out = append(out, Row{Kind: vectorized.Insert, Values: append(vals, refOverResult(frame)...)}.String())
		}
	}
	sort.Strings(out)
	return out
}

// Batch OVER, every frame shape, at batch sizes 1, 7 and default and
// parallelism 1 and 3, on a checked allocator, equals the model.
func TestOverAggregateBatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 62))
	rows := randomRows(rng, 400, false)
	for i := range rows {
		rows[i].vals[1] = rows[i].vals[1].(int64) / 500 * 500
		if rng.IntN(20) == 0 {
			rows[i].vals[1] = nil
		}
	}
	cases := []struct {
		name string
		spec OverAggSpec
	}{
		{"rows/2p/1f", OverAggSpec{Rows: true, Preceding: 2, Following: 1}},
		{"rows/unbounded/unbounded", OverAggSpec{Rows: true, Preceding: Unbounded, Following: Unbounded}},
		{"rows/current/3f", OverAggSpec{Rows: true, Preceding: 0, Following: 3}},
		{"rows/unbounded/current", OverAggSpec{Rows: true, Preceding: Unbounded}},
		{"range/2s/1s", OverAggSpec{Preceding: 2000, Following: 1000}},
		{"range/1s/current", OverAggSpec{Preceding: 1000}},
		{"range/unbounded/current", OverAggSpec{Preceding: Unbounded}},
		{"range/0/unbounded", OverAggSpec{Preceding: 0, Following: Unbounded}},
		{"orderby/rows/1p", OverAggSpec{Rows: true, Preceding: 1, OrderBy: rnOrder}},
		{"orderby/range/peers", OverAggSpec{Preceding: Unbounded, OrderBy: rnOrder}},
	}
	for _, c := range cases {
		spec := c.spec
		spec.PartitionKeys, spec.TimeCol, spec.Aggs, spec.Batch = []int{0}, 1, overAggs, true
		want := refOverBatch(spec, rows)
		for _, size := range []int{1, 7, DefaultBatchSize} {
			for _, par := range []int{1, 3} {
				t.Run(fmt.Sprintf("%s/b%d/p%d", c.name, size, par), func(t *testing.T) {
					cfg := Config{ConfigBatchSize: fmt.Sprint(size)}
					got, _ := runOpJob(t, rows, size, par, func() Operator { return NewOverAggregate(spec) }, cfg)
					s := strs(got)
					sort.Strings(s)
					assert.Equal(t, want, s)
				})
			}
		}
	}
}

// Ranking and value functions between aggregates (batch): ROW_NUMBER,
// RANK and DENSE_RANK over the order's peers, LAG with a default, LEAD,
// FIRST_VALUE and LAST_VALUE over the frame skipping NULLs, at batch
// sizes that flush inside a partition, on a checked allocator.
func TestOverAggregateBatchFuncs(t *testing.T) {
	rng := rand.New(rand.NewPCG(63, 64))
	rows := randomRows(rng, 300, false)
	def := array.NewFloat64Builder(memory.DefaultAllocator)
	def.Append(9.5)
	lagDefault := def.NewArray()
	def.Release()
	defer lagDefault.Release()
	spec := OverAggSpec{PartitionKeys: []int{0}, TimeCol: -1, Batch: true, Rows: true, Preceding: 2, Following: 1, OrderBy: rnOrder,
		Aggs: []AggCall{{Func: CountStar}},
		Funcs: []OverFunc{{Kind: RowNumber, Pos: 0}, {Kind: RankFunc, Pos: 2}, {Kind: DenseRank, Pos: 3},
			{Kind: Lag, Pos: 4, Arg: 3, Offset: 2, Default: lagDefault}, {Kind: Lead, Pos: 5, Arg: 4, Offset: 1},
			{Kind: FirstValue, Pos: 6, Arg: 2}, {Kind: LastValue, Pos: 7, Arg: 2}}}
	parts := map[string][][]any{}
	for _, r := range rows {
		parts[r.vals[0].(string)] = append(parts[r.vals[0].(string)], r.vals)
	}
	var want []string
	for _, l := range parts {
		sort.SliceStable(l, func(i, j int) bool { return rnLess(l[i], l[j]) < 0 })
		rank, dense := 0, 0
		for i := range l {
			if i == 0 || rnLess(l[i-1], l[i]) != 0 {
				rank, dense = i+1, dense+1
			}
			lo, hi := max(0, i-2), min(len(l)-1, i+1)
			var lag, lead, first, last any = 9.5, nil, nil, nil
			if i >= 2 {
				lag = l[i-2][3]
			}
			if i+1 < len(l) {
				lead = l[i+1][4]
			}
			for j := lo; j <= hi; j++ {
				if l[j][2] != nil {
					if first == nil {
						first = l[j][2]
					}
					last = l[j][2]
				}
			}
			vals := slices.Clone(l[i])
			vals[1] = fmtTS(vals[1].(int64))
			vals = append(vals, int64(i+1), int64(hi-lo+1), int64(rank), int64(dense), lag, lead, first, last)
			want = append(want, Row{Kind: vectorized.Insert, Values: vals}.String())
		}
	}
	sort.Strings(want)
	for _, size := range []int{1, 7, DefaultBatchSize} {
		for _, par := range []int{1, 3} {
			t.Run(fmt.Sprintf("b%d/p%d", size, par), func(t *testing.T) {
				got, _ := runOpJob(t, rows, size, par, func() Operator { return NewOverAggregate(spec) }, Config{ConfigBatchSize: fmt.Sprint(size)})
				s := strs(got)
				sort.Strings(s)
				assert.Equal(t, want, s)
			})
		}
	}
}
