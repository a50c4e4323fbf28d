package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

// refDedup is the model: per key, the row deduplication keeps at the end.
func refDedup(rows []rnRow, spec DedupSpec) []string {
	kept := map[string][]any{}
	for _, r := range rows {
		k := r.vals[0].(string)
		prev, seen := kept[k]
		switch {
		case r.kind == vectorized.UpdateBefore || r.kind == vectorized.Delete:
			delete(kept, k)
		case spec.RowTime:
			if r.vals[1] == nil {
				continue
			}
			ts := r.vals[1].(int64)
			if !seen || spec.KeepLast && ts >= prev[1].(int64) || !spec.KeepLast && ts < prev[1].(int64) {
				kept[k] = r.vals
			}
		case !spec.KeepLast:
			if !seen {
				kept[k] = r.vals
			}
		default:
			kept[k] = r.vals
		}
	}
	out := []string{}
	for _, v := range kept {
		v = slices.Clone(v)
		v[1] = fmtTS(v[1].(int64))
		out = append(out, Row{Kind: vectorized.Insert, Values: v}.String())
	}
	sort.Strings(out)
	return out
}

// upserted applies a changelog keyed by its first column (what an upsert
// sink does with a changelog that has no -U).
func upserted(t testing.TB, rows []Row) []string {
	m := map[string]Row{}
	for _, r := range rows {
		k := fmt.Sprint(r.Values[0])
		switch r.Kind {
		case vectorized.Insert, vectorized.UpdateAfter:
			m[k] = Row{Kind: vectorized.Insert, Values: r.Values}
		case vectorized.Delete:
			_, ok := m[k]
			require.True(t, ok, "delete of a key not there: %s", r)
			delete(m, k)
		}
	}
	out := []string{}
	for _, r := range m {
		out = append(out, r.String())
	}
	sort.Strings(out)
	return out
}

var dedupCases = []struct {
	name     string
	spec     DedupSpec
	updating bool
}{
	{"proctime/first", DedupSpec{Keys: []int{0}, GenerateInsert: true}, false},
	{"proctime/last/ub", DedupSpec{Keys: []int{0}, KeepLast: true, GenerateUpdateBefore: true, GenerateInsert: true}, false},
	{"proctime/last/insert", DedupSpec{Keys: []int{0}, KeepLast: true, GenerateInsert: true}, false},
	{"proctime/last/upsert", DedupSpec{Keys: []int{0}, KeepLast: true}, false},
	{"proctime/last/changelog", DedupSpec{Keys: []int{0}, KeepLast: true, GenerateUpdateBefore: true, GenerateInsert: true, UpdatingInput: true}, true},
	{"rowtime/last/ub", DedupSpec{Keys: []int{0}, KeepLast: true, RowTime: true, TimeCol: 1, GenerateUpdateBefore: true, GenerateInsert: true}, false},
	{"rowtime/first/ub", DedupSpec{Keys: []int{0}, RowTime: true, TimeCol: 1, GenerateUpdateBefore: true, GenerateInsert: true}, false},
	{"rowtime/last/insert", DedupSpec{Keys: []int{0}, KeepLast: true, RowTime: true, TimeCol: 1, GenerateInsert: true}, false},
}

// Deduplication on random input at batch sizes 1, 7 and default and
// parallelism 1 and 3, on a checked allocator: the materialized output is
// the model's kept rows, each key's changelog is the same everywhere, and
// rows with a NULL rowtime are counted.
func TestDedupRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for _, c := range dedupCases {
		rows := randomRows(rng, 500, c.updating)
		nulls := int64(0)
		if c.spec.RowTime {
			// Equal times now and then (ties), and a few NULL ones.
			for i := range rows {
				rows[i].vals = slices.Clone(rows[i].vals)
				rows[i].vals[1] = rows[i].vals[1].(int64) / 2000 * 2000
				if rng.IntN(15) == 0 {
					rows[i].vals[1] = nil
					nulls++
				}
			}
		}
		want := refDedup(rows, c.spec)
		var first map[string][]string
		for _, size := range []int{1, 7, DefaultBatchSize} {
			for _, par := range []int{1, 3} {
				t.Run(fmt.Sprintf("%s/b%d/p%d", c.name, size, par), func(t *testing.T) {
					spec := c.spec
					got, res := runOpJob(t, rows, size, par, func() Operator { return NewDeduplicate(spec) }, nil)
					if spec.GenerateUpdateBefore || !spec.KeepLast {
						assert.Equal(t, want, materialized(t, got))
					}
					assert.Equal(t, want, upserted(t, got))
					for _, r := range got {
						switch {
						case !spec.KeepLast && !spec.RowTime:
							require.Equal(t, vectorized.Insert, r.Kind, "keep-first emits inserts only")
						case !spec.GenerateInsert && !spec.GenerateUpdateBefore:
							require.Equal(t, vectorized.UpdateAfter, r.Kind)
						case !spec.GenerateUpdateBefore:
							require.NotEqual(t, vectorized.UpdateBefore, r.Kind)
						}
					}
					var dropped int64
					for _, m := range res.Metrics {
						dropped += m.Counters["numNullRowTimeRecordsDropped"]
					}
					assert.Equal(t, nulls, dropped)
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

// A job fails halfway and restarts from its last checkpoint; one instance
// snapshots and three restore from it: the changelog equals the
// uninterrupted run's.
func TestDedupCheckpointRestoreAndRescale(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	for _, c := range dedupCases {
		t.Run(c.name, func(t *testing.T) {
			rows := randomRows(rng, 300, c.updating)
			spec := c.spec
			op := func() Operator { return NewDeduplicate(spec) }
			t.Run("restore", func(t *testing.T) { restoreRun(t, rows, op) })
			t.Run("rescale", func(t *testing.T) { rescaleRun(t, rows, op) })
		})
	}
}
