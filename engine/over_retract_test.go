package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

// The retracting OVER's orders: by time; by v DESC NULLS LAST (many ties,
// broken by arrival); by rnOrder's three keys.
var overRetractOrders = []struct {
	name string
	keys []SortKey
	less func(a, b []any) int
}{
	{"ts", []SortKey{{Col: 1, NullsFirst: true}}, func(a, b []any) int { return cmpInt(a[1].(int64), b[1].(int64)) }},
	{"v-desc", []SortKey{{Col: 2, Desc: true}}, func(a, b []any) int {
		return cmpNull(a[2], b[2], false, func(x, y any) int { return -cmpInt(x.(int64), y.(int64)) })
	}},
	{"three-keys", rnOrder, rnLess},
}

// refOverRetract is the model: a batch OVER over the live rows (in
// arrival order): per partition, the rows stably sorted by less, each with
// the aggregates of its ROWS frame of preceding rows (-1: unbounded).
func refOverRetract(live [][]any, less func(a, b []any) int, preceding int64) []string {
	parts := map[string][][]any{}
	for _, r := range live {
		parts[r[0].(string)] = append(parts[r[0].(string)], r)
	}
	var out []string
	for _, rows := range parts {
		rows = slices.Clone(rows)
		slices.SortStableFunc(rows, less)
		for i, r := range rows {
			lo := 0
			if preceding >= 0 {
				lo = max(0, i-int(preceding))
			}
			vals := slices.Clone(r)
			vals[1] = fmtTS(vals[1].(int64))
			out = append(out, Row{Kind: vectorized.Insert, Values: append(vals, refOverResult(rows[lo:i+1])...)}.String())
		}
	}
	sort.Strings(out)
	return out
}

// applyChangelog applies a changelog to a multiset of rows (as +I strings);
// a retraction of a row not there is an error.
func applyChangelog(t *testing.T, table map[string]int, rows []Row) {
	for _, r := range rows {
		k := r.Kind
		r.Kind = vectorized.Insert
		s := r.String()
		switch k {
		case vectorized.Insert, vectorized.UpdateAfter:
			table[s]++
		default:
			require.Positive(t, table[s], "retraction of a row not emitted: %s %s", k, s)
			if table[s]--; table[s] == 0 {
				delete(table, s)
			}
		}
	}
}

func tableRows(table map[string]int) []string {
	var out []string
	for s, n := range table {
		for ; n > 0; n-- {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func overRetractSpec(order []SortKey, preceding int64) OverAggSpec {
	return OverAggSpec{PartitionKeys: []int{0}, OrderBy: order, Rows: true, Preceding: preceding, Aggs: overAggs}
}

// Random changelogs: after every batch, the materialized output equals a
// batch OVER over the current input table, and every -U/+U pair and -D
// retracts a row emitted before.
func TestOverRetractMatchesBatchModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(71, 72))
	for _, ord := range overRetractOrders {
		for _, preceding := range []int64{0, 2, 10, Unbounded} {
			for _, size := range []int{1, 7} {
				t.Run(fmt.Sprintf("%s/preceding=%d/size=%d", ord.name, preceding, size), func(t *testing.T) {
					mem := checkedMem(t)
					rows := randomRows(rng, 300, true)
					inst := NewInstanceForTest(InstanceOptions{Mem: mem})
					defer func() { require.NoError(t, inst.Close()) }()
					op := NewOverRetract(overRetractSpec(ord.keys, preceding))
					require.NoError(t, op.Open(context.Background(), inst.RT))
					defer func() { require.NoError(t, op.Close()) }()
					table := map[string]int{}
					var live [][]any
					for bi, b := range rnBatches(t, mem, rows, size) {
						var got []Row
						require.NoError(t, op.Process(context.Background(), 0, b, CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
							got = append(got, BatchRows(b)...)
							return nil
						})))
						b.Release()
						applyChangelog(t, table, got)
						for _, r := range rows[bi*size : min(len(rows), (bi+1)*size)] {
							if r.kind == vectorized.Insert || r.kind == vectorized.UpdateAfter {
								live = append(live, r.vals)
								continue
							}
							j := slices.IndexFunc(live, func(l []any) bool { return reflect.DeepEqual(l, r.vals) })
							require.GreaterOrEqual(t, j, 0)
							live = slices.Delete(live, j, j+1)
						}
						require.Equal(t, refOverRetract(live, ord.less, preceding), tableRows(table), "after batch %d", bi)
					}
				})
			}
		}
	}
}

// The changelog of each step: an append is one +I; a row inserted before
// others and a row removed update only the rows whose frames held the
// changed position.
func TestOverRetractChanges(t *testing.T) {
	mem := checkedMem(t)
	rows := []rnRow{
		{kind: vectorized.Insert, vals: []any{"a", int64(1000), int64(1), 0.5, "x"}},
		{kind: vectorized.Insert, vals: []any{"a", int64(2000), int64(2), 0.5, "y"}},
		{kind: vectorized.Insert, vals: []any{"a", int64(3000), int64(3), 0.5, "z"}},
		// Back in time: the two later rows' frames change.
		{kind: vectorized.Insert, vals: []any{"a", int64(500), int64(10), 0.5, "w"}},
		{kind: vectorized.Delete, vals: []any{"a", int64(2000), int64(2), 0.5, "y"}},
	}
	inst := NewInstanceForTest(InstanceOptions{Mem: mem})
	defer func() { require.NoError(t, inst.Close()) }()
	op := NewOverRetract(overRetractSpec([]SortKey{{Col: 1}}, 1))
	require.NoError(t, op.Open(context.Background(), inst.RT))
	defer func() { require.NoError(t, op.Close()) }()
	var got [][]string
	for _, b := range rnBatches(t, mem, rows, 1) {
		var step []Row
		require.NoError(t, op.Process(context.Background(), 0, b, CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
			step = append(step, BatchRows(b)...)
			return nil
		})))
		b.Release()
		got = append(got, strs(step))
	}
	ts := func(ms int64) string { return fmtTS(ms) }
	assert.Equal(t, [][]string{
		{"+I[a, " + ts(1000) + ", 1, 0.5, x, 1, 1, 1, 1, x]"},
		{"+I[a, " + ts(2000) + ", 2, 0.5, y, 2, 2, 3, 1, y]"},
		{"+I[a, " + ts(3000) + ", 3, 0.5, z, 2, 2, 5, 2, z]"},
		{
			"+I[a, " + ts(500) + ", 10, 0.5, w, 1, 1, 10, 10, w]",
			"-U[a, " + ts(1000) + ", 1, 0.5, x, 1, 1, 1, 1, x]",
			"+U[a, " + ts(1000) + ", 1, 0.5, x, 2, 2, 11, 1, x]",
		},
		{
			"-D[a, " + ts(2000) + ", 2, 0.5, y, 2, 2, 3, 1, y]",
			"-U[a, " + ts(3000) + ", 3, 0.5, z, 2, 2, 5, 2, z]",
			"+U[a, " + ts(3000) + ", 3, 0.5, z, 2, 2, 4, 1, z]",
		},
	}, got)
}

// A job fails halfway and restarts from its last checkpoint (hashmap and
// pebble, parallelism 1 and 3): the changelog equals the uninterrupted
// run's.
func TestOverRetractCheckpointRestore(t *testing.T) {
	rng := rand.New(rand.NewPCG(73, 74))
	rows := randomRows(rng, 400, true)
	for _, preceding := range []int64{3, Unbounded} {
		t.Run(fmt.Sprint("preceding=", preceding), func(t *testing.T) {
			restoreRun(t, rows, func() Operator { return NewOverRetract(overRetractSpec(rnOrder, preceding)) })
		})
	}
}
