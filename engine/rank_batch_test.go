package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refBatchRank numbers each partition's rows (by k; one partition
// without keys) in rnOrder, ties in arrival order, and keeps those in
// [start, end]: the expected rows, sorted.
func refBatchRank(rows []rnRow, keyed bool, kind OverRankKind, start, end int64, withRN bool) []string {
	parts := map[string][][]any{}
	for _, r := range rows {
		k := ""
		if keyed {
			k = r.vals[0].(string)
		}
		parts[k] = append(parts[k], r.vals)
	}
	var out []string
	for _, p := range parts {
		sort.SliceStable(p, func(i, j int) bool { return rnLess(p[i], p[j]) < 0 })
		var rk int64
		for i, v := range p {
			peer := i > 0 && rnLess(p[i-1], v) == 0
			switch {
			case kind == RowNumber:
				rk = int64(i + 1)
			case peer:
			case kind == RankFunc:
				rk = int64(i + 1)
			default:
				rk++
			}
			if rk < start || rk > end {
				continue
			}
			vals := slices.Clone(v)
			vals[1] = fmtTS(vals[1].(int64))
			if withRN {
				vals = append(vals, rk)
			}
			out = append(out, Row{Values: vals}.String())
		}
	}
	sort.Strings(out)
	return out
}

// A batch Top-N as the planner runs it (a local rank chained to the
// source, the exchange, the global rank in par subtasks) for RANK, DENSE_RANK and
// ROW_NUMBER, with and without partition keys, at batch sizes 1, 7 and
// default and parallelism 1 and 3, on a checked allocator: the rows equal
// the model's.
func TestBatchRank(t *testing.T) {
	rng := rand.New(rand.NewPCG(81, 82))
	rows := randomRows(rng, 400, false)
	kinds := map[string]OverRankKind{"rank": RankFunc, "dense": DenseRank, "rownum": RowNumber}
	for kname, kind := range kinds {
		for _, keyed := range []bool{true, false} {
			for _, rr := range [][2]int64{{1, 1}, {1, 3}, {2, 4}} {
				for _, size := range []int{1, 7, DefaultBatchSize} {
					for _, par := range []int{1, 3} {
						withRN := rr[0] != rr[1]
						t.Run(fmt.Sprintf("%s/keyed=%t/%d-%d/b%d/p%d", kname, keyed, rr[0], rr[1], size, par), func(t *testing.T) {
							mem := checkedMem(t)
							batches := rnBatches(t, mem, rows, size)
							defer func() {
								for _, b := range batches {
									b.Release()
								}
							}()
							spec := BatchRankSpec{Kind: kind, OrderBy: rnOrder, RankStart: 1, RankEnd: rr[1]}
							part := Partitioning{Kind: Global}
							if keyed {
								spec.Keys, part = []int{0}, Partitioning{Kind: Hash, Keys: []int{0}}
							}
							global := spec
							global.RankStart, global.OutputRankNumber, global.Global = rr[0], withRN, true
							gp := par
							if !keyed {
								gp = 1
							}
							var out Collected
							g := &JobGraph{Name: "batch-rank", Mem: mem, Vertices: []*Vertex{
								{ID: 1, Name: "src", Parallelism: 1, Source: NewValuesSource(batches),
									Chain: []func() Operator{func() Operator { return NewBatchRank(spec) }}},
								{ID: 2, Name: "rank", Parallelism: gp, Inputs: []Edge{{From: 1, Partition: part}},
									Chain: []func() Operator{func() Operator { return NewBatchRank(global) }},
									Sink:  NewCollectSink(&out)},
							}}
							_, err := Execute(context.Background(), g, Config{ConfigBatchSize: fmt.Sprint(size)})
							require.NoError(t, err)
							got := strs(out.Rows())
							sort.Strings(got)
							assert.Equal(t, refBatchRank(rows, keyed, kind, rr[0], rr[1], withRN), got)
						})
					}
				}
			}
		}
	}
}
