package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

var (
	tjOrders = schemaOf(field("order_id", arrow.PrimitiveTypes.Int64), field("currency", arrow.BinaryTypes.String),
		field("amount", arrow.PrimitiveTypes.Int64), field("order_time", arrow.FixedWidthTypes.Timestamp_ms))
	tjRates = schemaOf(field("currency", arrow.BinaryTypes.String), field("rate", arrow.PrimitiveTypes.Int64),
		field("rate_time", arrow.FixedWidthTypes.Timestamp_ms))
)

// tjMin is minute m of 2024-01-01 in ms.
func tjMin(h, m int) int64 { return 1704067200000 + int64(h*60+m)*60000 }

// tjStep is one input batch (side 0 left, 1 right, the kinds, the rows)
// or, with wm set, a watermark.
type tjStep struct {
	side  int
	kinds string
	rows  [][]any
	wm    int64
}

func runTemporalJoin(t *testing.T, mem memory.Allocator, spec TemporalJoinSpec, steps []tjStep) [][]string {
	t.Helper()
	op, err := NewTemporalJoin(spec)
	require.NoError(t, err)
	ctx := context.Background()
	inst := NewInstanceForTest(InstanceOptions{Mem: mem, Config: Config{ConfigBatchSize: "2"}})
	require.NoError(t, op.Open(ctx, inst.RT))
	defer func() {
		require.NoError(t, op.Close())
		require.NoError(t, inst.Close())
	}()
	h := &harness{t: t, op: op, mem: mem, rt: inst.RT}
	var out [][]string
	for _, s := range steps {
		h.out = nil
		if s.wm != 0 {
			_, err := op.(WatermarkHandler).ProcessWatermark(ctx, s.wm, h)
			require.NoError(t, err)
		} else {
			schema := spec.Left
			if s.side == 1 {
				schema = spec.Right
			}
			var ks []vectorized.RowKind
			if s.kinds != "" {
				ks = kinds(s.kinds)
			}
			b := makeBatch(t, mem, schema, ks, s.rows...)
			require.NoError(t, op.Process(ctx, s.side, b, h))
			b.Release()
		}
		out = append(out, strs(h.out))
	}
	return out
}

// TestTemporalJoinFlinkCase replays the orders/rates case of temporaljoin.test
// (Flink 2.3's results), one watermark at a time.
func TestTemporalJoinFlinkCase(t *testing.T) {
	mem := checkedMem(t)
	rates := []tjStep{
		{side: 1, rows: [][]any{{"EUR", 114, tjMin(9, 0)}, {"USD", 102, tjMin(9, 0)}, {"YEN", 1, tjMin(9, 0)}}},
		{side: 1, kinds: "-U +U -U +U -D", rows: [][]any{
			{"EUR", 114, tjMin(9, 0)}, {"EUR", 116, tjMin(10, 45)},
			{"EUR", 116, tjMin(10, 45)}, {"EUR", 119, tjMin(11, 15)},
			{"YEN", 1, tjMin(11, 0)}}},
	}
	orders := []tjStep{
		{side: 0, rows: [][]any{{1, "EUR", 2, tjMin(10, 0)}, {2, "USD", 1, tjMin(10, 30)}, {3, "YEN", 50, tjMin(10, 50)}}},
		{wm: tjMin(10, 50)},
		{side: 0, rows: [][]any{{4, "EUR", 3, tjMin(11, 0)}, {5, "GBP", 1, tjMin(11, 5)}, {6, "EUR", 1, tjMin(11, 20)}, {7, "YEN", 20, tjMin(11, 30)}}},
		{wm: tjMin(11, 30)},
		// Late rows: not dropped, they join what the state still holds.
		{side: 0, rows: [][]any{{8, "EUR", 4, tjMin(8, 30)}, {9, "USD", 5, tjMin(10, 40)}, {10, nil, 7, tjMin(11, 40)}, {11, "USD", 6, tjMin(8, 0)}}},
		{wm: MaxWatermark},
	}
	steps := append(append([]tjStep{}, rates...), orders...)
	spec := TemporalJoinSpec{LeftKeys: []int{1}, RightKeys: []int{0}, LeftTime: 3, RightTime: 2, Left: tjOrders, Right: tjRates}
	got := runTemporalJoin(t, mem, spec, steps)
	assert.Equal(t, [][]string{{}, {}, {}, {
		"+I[1, EUR, 2, 2024-01-01 10:00:00.000, EUR, 114, 2024-01-01 09:00:00.000]",
		"+I[2, USD, 1, 2024-01-01 10:30:00.000, USD, 102, 2024-01-01 09:00:00.000]",
		"+I[3, YEN, 50, 2024-01-01 10:50:00.000, YEN, 1, 2024-01-01 09:00:00.000]",
	}, {}, {
		"+I[4, EUR, 3, 2024-01-01 11:00:00.000, EUR, 116, 2024-01-01 10:45:00.000]",
		"+I[6, EUR, 1, 2024-01-01 11:20:00.000, EUR, 119, 2024-01-01 11:15:00.000]",
	}, {}, {
		"+I[9, USD, 5, 2024-01-01 10:40:00.000, USD, 102, 2024-01-01 09:00:00.000]",
	}}, normalize(got))

	spec.LeftOuter = true
	spec.Cond = predicate{col: 2, name: "amount > 1", f: func(x int64) bool { return x > 1 }}
	got = runTemporalJoin(t, mem, spec, steps)
	assert.Equal(t, [][]string{{}, {}, {}, {
		"+I[1, EUR, 2, 2024-01-01 10:00:00.000, EUR, 114, 2024-01-01 09:00:00.000]",
		"+I[2, USD, 1, 2024-01-01 10:30:00.000, null, null, null]",
		"+I[3, YEN, 50, 2024-01-01 10:50:00.000, YEN, 1, 2024-01-01 09:00:00.000]",
	}, {}, {
		"+I[4, EUR, 3, 2024-01-01 11:00:00.000, EUR, 116, 2024-01-01 10:45:00.000]",
		"+I[5, GBP, 1, 2024-01-01 11:05:00.000, null, null, null]",
		"+I[6, EUR, 1, 2024-01-01 11:20:00.000, null, null, null]",
		"+I[7, YEN, 20, 2024-01-01 11:30:00.000, null, null, null]",
	}, {}, {
		"+I[10, null, 7, 2024-01-01 11:40:00.000, null, null, null]",
		"+I[11, USD, 6, 2024-01-01 08:00:00.000, null, null, null]",
		"+I[8, EUR, 4, 2024-01-01 08:30:00.000, null, null, null]",
		"+I[9, USD, 5, 2024-01-01 10:40:00.000, USD, 102, 2024-01-01 09:00:00.000]",
	}}, normalize(got))
}

// normalize sorts each step's rows (keys fire in timer order; rows of one
// timer time across keys have no defined order) and makes nil empty.
func normalize(steps [][]string) [][]string {
	for i := range steps {
		if steps[i] == nil {
			steps[i] = []string{}
		}
		sort.Strings(steps[i])
	}
	return steps
}

// TestTemporalJoinVersions: kinds of the left pass through, a version is
// replaced at an equal rowtime, the watermark cleans versions only the
// late rows could still see.
func TestTemporalJoinVersions(t *testing.T) {
	mem := checkedMem(t)
	spec := TemporalJoinSpec{LeftOuter: true, LeftKeys: []int{1}, RightKeys: []int{0}, LeftTime: 3, RightTime: 2, Left: tjOrders, Right: tjRates}
	got := runTemporalJoin(t, mem, spec, []tjStep{
		{side: 1, rows: [][]any{{"EUR", 1, tjMin(9, 0)}, {"EUR", 2, tjMin(10, 0)}, {"EUR", 3, tjMin(10, 0)}}},
		{side: 0, kinds: "+I -D +U", rows: [][]any{{1, "EUR", 1, tjMin(9, 30)}, {2, "EUR", 1, tjMin(10, 0)}, {3, "EUR", 1, tjMin(10, 30)}}},
		{wm: tjMin(10, 0)},
		// A late row older than the version the watermark kept: the older
		// version was cleaned when the timer fired at 10:00.
		{side: 0, rows: [][]any{{4, "EUR", 1, tjMin(9, 30)}}},
		{wm: tjMin(10, 40)},
		{wm: MaxWatermark},
	})
	assert.Equal(t, [][]string{{}, {}, {
		"+I[1, EUR, 1, 2024-01-01 09:30:00.000, EUR, 1, 2024-01-01 09:00:00.000]",
		"-D[2, EUR, 1, 2024-01-01 10:00:00.000, EUR, 3, 2024-01-01 10:00:00.000]",
	}, {}, {
		"+I[4, EUR, 1, 2024-01-01 09:30:00.000, null, null, null]",
		"+U[3, EUR, 1, 2024-01-01 10:30:00.000, EUR, 3, 2024-01-01 10:00:00.000]",
	}, {}}, normalize(got))
}

// tjRandom is a random on-time run: every row's rowtime is at or after the
// watermark when it arrives, so each left row joins the last version (the
// last arrival among equal rowtimes) with a rowtime not after its own,
// whatever the interleaving.
type tjRandom struct {
	steps []tjStep
	want  []string
}

func newTJRandom(rng *rand.Rand, n int) tjRandom {
	var r tjRandom
	type ver struct {
		ts    int64
		rate  int64
		kind  vectorized.RowKind
		order int
	}
	versions := map[string][]ver{}
	wm := int64(0)
	var left [][]any
	for i := 0; i < n; i++ {
		k := fmt.Sprintf("k%d", rng.IntN(8))
		ts := wm + int64(rng.IntN(20))*1000
		if rng.IntN(3) == 0 {
			// A version at the watermark itself could come after a left
			// row of that time fired: strictly after it is on time.
			ts += 500
			rate := int64(rng.IntN(100))
			kind, ks := vectorized.Insert, "+I"
			if rng.IntN(6) == 0 {
				kind, ks = vectorized.Delete, "-D"
			}
			versions[k] = append(versions[k], ver{ts: ts, rate: rate, kind: kind, order: i})
			r.steps = append(r.steps, tjStep{side: 1, kinds: ks, rows: [][]any{{k, rate, ts}}})
		} else {
			row := []any{int64(i), k, int64(rng.IntN(5)), ts}
			left = append(left, row)
			r.steps = append(r.steps, tjStep{side: 0, rows: [][]any{row}})
		}
		if rng.IntN(5) == 0 {
			wm += int64(rng.IntN(10)) * 1000
			r.steps = append(r.steps, tjStep{wm: wm})
		}
	}
	r.steps = append(r.steps, tjStep{wm: MaxWatermark})
	for _, l := range left {
		var best *ver
		for i, v := range versions[l[1].(string)] {
			if v.ts <= l[3].(int64) && (best == nil || v.ts >= best.ts) {
				best = &versions[l[1].(string)][i]
			}
		}
		if best == nil || best.kind == vectorized.Delete || l[2].(int64) == 0 {
			continue
		}
		r.want = append(r.want, Row{Values: []any{l[0], l[1], l[2], fmtTS(l[3].(int64)), l[1], best.rate, fmtTS(best.ts)}}.String())
	}
	sort.Strings(r.want)
	return r
}

// TestTemporalJoinRandomRestore runs random on-time inputs through a
// checkpoint after half the steps and a restore at parallelism 3 (each
// subtask gets the rows of its key groups) and compares with the brute
// force result.
func TestTemporalJoinRandomRestore(t *testing.T) {
	mem := checkedMem(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(12, 7))
	spec := TemporalJoinSpec{LeftKeys: []int{1}, RightKeys: []int{0}, LeftTime: 3, RightTime: 2, Left: tjOrders, Right: tjRates,
		Cond: predicate{col: 2, name: "amount <> 0", f: func(x int64) bool { return x != 0 }}}
	for _, backend := range []string{state.BackendHashMap, state.BackendPebble} {
		t.Run(backend, func(t *testing.T) {
			r := newTJRandom(rng, 400)
			require.NotEmpty(t, r.want)
			half := len(r.steps) / 2
			feed := func(h *harness, op Operator, s tjStep) {
				if s.wm != 0 {
					_, err := op.(WatermarkHandler).ProcessWatermark(ctx, s.wm, h)
					require.NoError(t, err)
					return
				}
				schema := spec.Left
				if s.side == 1 {
					schema = spec.Right
				}
				var ks []vectorized.RowKind
				if s.kinds != "" {
					ks = kinds(s.kinds)
				}
				b := makeBatch(t, mem, schema, ks, s.rows...)
				defer b.Release()
				require.NoError(t, op.Process(ctx, s.side, b, h))
			}
			inst := NewInstanceForTest(InstanceOptions{Mem: mem, Checkpointing: true, Backend: backend, LocalDir: t.TempDir()})
			op, err := NewTemporalJoin(spec)
			require.NoError(t, err)
			require.NoError(t, op.Open(ctx, inst.RT))
			h := &harness{t: t, op: op, mem: mem, rt: inst.RT}
			for _, s := range r.steps[:half] {
				feed(h, op, s)
			}
			got := strs(h.out)
			require.NoError(t, op.(Checkpointed).SnapshotState(ctx, CheckpointInfo{ID: 1}))
			dir := t.TempDir()
			require.NoError(t, inst.Snapshot(dir))
			require.NoError(t, op.Close())
			require.NoError(t, inst.Close())
			for sub := 0; sub < 3; sub++ {
				inst := NewInstanceForTest(InstanceOptions{Subtask: sub, Parallelism: 3, Mem: mem, Checkpointing: true, Backend: backend, LocalDir: t.TempDir(), RestoreFrom: []string{dir}, RestoreID: 1})
				op, err := NewTemporalJoin(spec)
				require.NoError(t, err)
				require.NoError(t, op.Open(ctx, inst.RT))
				h := &harness{t: t, op: op, mem: mem, rt: inst.RT}
				for _, s := range r.steps[half:] {
					if s.wm == 0 {
						k := s.rows[0][1-s.side].(string)
						if !inst.RT.KeyGroups().Contains(int(keyGroupOfString(inst.RT, k))) {
							continue
						}
					}
					feed(h, op, s)
				}
				got = append(got, strs(h.out)...)
				require.NoError(t, op.Close())
				require.NoError(t, inst.Close())
			}
			sort.Strings(got)
			assert.Equal(t, r.want, got)
		})
	}
}

func TestTemporalJoinSpecErrors(t *testing.T) {
	ok := TemporalJoinSpec{LeftKeys: []int{1}, RightKeys: []int{0}, LeftTime: 3, RightTime: 2, Left: tjOrders, Right: tjRates}
	for _, tc := range []struct {
		name string
		edit func(*TemporalJoinSpec)
		want string
	}{
		{"no keys", func(s *TemporalJoinSpec) { s.LeftKeys, s.RightKeys = nil, nil }, "no join keys"},
		{"key types", func(s *TemporalJoinSpec) { s.RightKeys = []int{1} }, "compares utf8 with int64"},
		{"time type", func(s *TemporalJoinSpec) { s.LeftTime = 2 }, "the left time column amount is int64, not a TIMESTAMP"},
		{"time range", func(s *TemporalJoinSpec) { s.RightTime = 5 }, "the right time column 5 does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := ok
			tc.edit(&s)
			_, err := NewTemporalJoin(s)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestTemporalJoinNullKey: keys compare as values, a NULL key matches a
// NULL key (Flink's keyed state; a versioned view's key may be NULL).
func TestTemporalJoinNullKey(t *testing.T) {
	mem := checkedMem(t)
	spec := TemporalJoinSpec{LeftOuter: true, LeftKeys: []int{1}, RightKeys: []int{0}, LeftTime: 3, RightTime: 2, Left: tjOrders, Right: tjRates}
	got := runTemporalJoin(t, mem, spec, []tjStep{
		{side: 1, rows: [][]any{{nil, 7, tjMin(9, 0)}, {"EUR", 114, tjMin(9, 0)}}},
		{side: 0, rows: [][]any{{1, "EUR", 2, tjMin(10, 0)}, {2, nil, 1, tjMin(10, 30)}, {3, "USD", 1, tjMin(10, 30)}}},
		{wm: MaxWatermark},
	})
	assert.Equal(t, [][]string{{}, {}, {
		"+I[1, EUR, 2, 2024-01-01 10:00:00.000, EUR, 114, 2024-01-01 09:00:00.000]",
		"+I[2, null, 1, 2024-01-01 10:30:00.000, null, 7, 2024-01-01 09:00:00.000]",
		"+I[3, USD, 1, 2024-01-01 10:30:00.000, null, null, null]",
	}}, normalize(got))
}
