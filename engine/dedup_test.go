package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine/state"
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

// table.exec.state.ttl: a key whose kept row was not written for the TTL
// starts over (keep-first emits its next row again; Top-N forgets its
// top rows), on both backends, measured on the backend's clock.
func TestDedupAndRankStateTTL(t *testing.T) {
	const ttl = 10 * time.Second
	row := func(k string, v int64) rnRow {
		return rnRow{kind: vectorized.Insert, vals: []any{k, int64(0), v, 1.0, "x"}}
	}
	for _, backend := range []string{state.BackendHashMap, state.BackendPebble} {
		t.Run(backend, func(t *testing.T) {
			mem := checkedMem(t)
			run := func(op Operator) func(rows ...rnRow) []string {
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
				require.NoError(t, op.Open(context.Background(), rt))
				t.Cleanup(func() { require.NoError(t, op.Close()) })
				return func(rows ...rnRow) []string {
					var got []Row
					batch := rnBatches(t, mem, rows, len(rows))[0]
					defer batch.Release()
					require.NoError(t, op.Process(context.Background(), 0, batch, CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
						got = append(got, BatchRows(b)...)
						return nil
					})))
					clock.advance(6 * time.Second)
					out := []string{}
					for _, r := range got {
						out = append(out, fmt.Sprintf("%s%v", r.Kind, r.Values[2]))
					}
					return out
				}
			}
			dedup := run(NewDeduplicate(DedupSpec{Keys: []int{0}, GenerateInsert: true}))
			assert.Equal(t, []string{"+I1", "+I2"}, dedup(row("a", 1), row("b", 2)))
			assert.Equal(t, []string{}, dedup(row("a", 3)), "6 s later: a is kept")
			assert.Equal(t, []string{"+I4", "+I5"}, dedup(row("a", 4), row("b", 5)), "12 s after the writes: expired")

			rank := run(NewRank(RankSpec{Keys: []int{0}, OrderBy: rnOrder, RankStart: 1, RankEnd: 1}))
			assert.Equal(t, []string{"+I5"}, rank(row("a", 5)))
			assert.Equal(t, []string{}, rank(row("a", 4)), "6 s later: 5 is still first")
			assert.Equal(t, []string{"+I3"}, rank(row("a", 3)), "12 s later: the partition expired")
		})
	}
}
