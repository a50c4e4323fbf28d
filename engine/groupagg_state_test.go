package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

var keyedBackends = []string{state.BackendHashMap, state.BackendPebble}

// keyedOpts describe the checkpoint side of an operator instance built by
// newKeyedHarness.
type keyedOpts struct {
	backend     string
	parallelism int // 0 means 1
	subtask     int
	cacheSize   int // ConfigStateCacheSize; -1 leaves the default
	ttl         time.Duration
	// restore holds the checkpoint directories of the old subtasks (as
	// snapshotKeyed returns them).
	restore []string
	clock   *fakeClock
}

// fakeClock is a settable clock for state TTL.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// newKeyedHarness opens op with a RuntimeContext whose keyed state is an
// instanceState built as the runtime builds one (max parallelism 128, the
// subtask's key-group range, the backend type, restore directories), so
// the operator's Open gets its backend from rt.KeyedState.
func newKeyedHarness(t testing.TB, mem memory.Allocator, op *GroupAggregate, o keyedOpts) *harness {
	t.Helper()
	if o.parallelism == 0 {
		o.parallelism = 1
	}
	cfg := Config{}
	if o.cacheSize >= 0 {
		cfg[ConfigStateCacheSize] = fmt.Sprint(o.cacheSize)
	}
	if o.ttl > 0 {
		cfg[ConfigStateTTL] = o.ttl.String()
	}
	st := &instanceState{uid: "0.0", name: op.String(), subtask: o.subtask, enabled: true,
		backendType: o.backend, localDir: t.TempDir()}
	if len(o.restore) > 0 {
		st.restore = &instanceRestore{checkpointID: 1, path: "test", parallelism: len(o.restore), dirs: o.restore}
	}
	if o.clock != nil {
		// The backend measures TTL on the same fake clock as the operator.
		r, err := state.RangeForSubtask(DefaultMaxParallelism, o.parallelism, o.subtask)
		require.NoError(t, err)
		b, err := state.Open(state.Options{Type: o.backend, Dir: st.localDir, Range: r, Clock: o.clock.now})
		require.NoError(t, err)
		if st.restore != nil {
			require.NoError(t, b.Restore(st.restore.subdirs(keyedDirName)...))
		}
		st.keyed = b
		op.now = o.clock.now
	}
	t.Cleanup(func() { require.NoError(t, st.close()) })
	rt := &RuntimeContext{
		JobName: "test", OperatorName: op.String(), Parallelism: o.parallelism, Subtask: o.subtask, Mem: mem,
		Metrics: &OperatorMetrics{}, Config: cfg, MaxParallelism: DefaultMaxParallelism, ckpt: st,
	}
	require.NoError(t, op.Open(context.Background(), rt))
	require.NotNil(t, op.ks, "a streaming aggregate in a job keeps its state in the backend")
	t.Cleanup(func() { require.NoError(t, op.Close()) })
	return &harness{t: t, op: op, mem: mem, rt: rt}
}

// snapshotKeyed takes a checkpoint of the harness's instance as the
// runtime does: the operator's pre-barrier step (whose output, a finished
// mini-batch bundle, is returned), its SnapshotState, then the runtime's
// snapshot of its keyed state into a fresh directory, returned for a
// restore.
func snapshotKeyed(t testing.TB, h *harness) (string, []Row) {
	t.Helper()
	h.out = nil
	require.NoError(t, h.op.(PreBarrierEmitter).PrepareSnapshotPreBarrier(context.Background(), CheckpointInfo{ID: 1}, h))
	require.NoError(t, h.op.(Checkpointed).SnapshotState(context.Background(), CheckpointInfo{ID: 1}))
	emitted := h.out
	dir := t.TempDir()
	write, err := h.rt.ckpt.snapshot(dir)
	require.NoError(t, err)
	require.NotNil(t, write)
	require.NoError(t, write())
	return dir, emitted
}

func newAgg(spec GroupAggSpec) *GroupAggregate { return NewGroupAggregate(spec) }

// TestGroupAggregateKeyedChangelog runs the streaming changelog cases with
// the state in each backend, with no cache (every batch reads and writes
// the backend), a tiny one (constant eviction) and the default.
func TestGroupAggregateKeyedChangelog(t *testing.T) {
	for _, backend := range keyedBackends {
		for _, cache := range []int{0, 1, -1} {
			for _, tc := range streamingChangelogCases() {
				t.Run(fmt.Sprintf("%s/cache=%d/%s", backend, cache, tc.name), func(t *testing.T) {
					mem := checkedMem(t)
					h := newKeyedHarness(t, mem, newAgg(tc.spec), keyedOpts{backend: backend, cacheSize: cache})
					runHarnessSteps(t, h, kvSchema, tc.steps, nil)
				})
			}
		}
	}
}

// TestGroupAggregateKeyedMatchesModel is the model test (random valid
// changelogs, NULL keys and values, every aggregate kind with retraction)
// on both backends and several cache sizes, streaming and mini-batch.
func TestGroupAggregateKeyedMatchesModel(t *testing.T) {
	for _, backend := range keyedBackends {
		for _, cache := range []int{0, 5, -1} {
			for _, mini := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/cache=%d/minibatch=%v", backend, cache, mini), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(uint64(cache+10), 3))
					mem := checkedMem(t)
					changelog := randomChangelog(rng, 1500, 60, true)
					spec := GroupAggSpec{Keys: []int{0}, Aggs: modelAggs}
					if mini {
						spec.MiniBatch = MiniBatch{Enabled: true, Size: 1 + rng.IntN(100)}
					}
					h := newKeyedHarness(t, mem, newAgg(spec), keyedOpts{backend: backend, cacheSize: cache})
					var got []Row
					for _, b := range changelogBatches(t, rng, mem, kvSchema, changelog) {
						got = append(got, h.process(b)...)
					}
					got = append(got, h.endInput()...)
					checkAgainstModel(t, changelog, got, mini)
					if cache >= 0 {
						assert.LessOrEqual(t, h.op.(*GroupAggregate).table.live, cache, "the cache stays within its size")
					}
				})
			}
		}
	}
}

// checkAgainstModel compares an operator's changelog with the model's:
// exactly in streaming, by the table they materialize to in mini-batch.
func checkAgainstModel(t *testing.T, changelog, got []Row, mini bool) {
	t.Helper()
	want := modelStreaming(changelog)
	if !mini {
		require.Equal(t, want, nilIfEmpty(strs(got)))
		return
	}
	assert.ElementsMatch(t, materializedText(t, want), strs(materialize(t, got)))
}

func materialize(t *testing.T, rows []Row) []Row {
	t.Helper()
	table, err := Materialize(rows)
	require.NoError(t, err)
	return table
}

// materializedText materializes rendered rows by their text.
func materializedText(t *testing.T, rendered []string) []string {
	var rows []Row
	for _, s := range rendered {
		rows = append(rows, Row{Kind: kinds(s[:2])[0], Values: []any{s[2:]}})
	}
	var out []string
	for _, r := range materialize(t, rows) {
		out = append(out, "+I"+r.Values[0].(string))
	}
	return out
}

func feed(t *testing.T, h *harness, rng *rand.Rand, rows []Row) []Row {
	var got []Row
	for _, b := range changelogBatches(t, rng, h.mem, kvSchema, rows) {
		got = append(got, h.process(b)...)
	}
	return got
}

// TestGroupAggregateRestoreContinues: a checkpoint taken mid-stream and
// restored into a fresh operator instance continues the changelog exactly
// where it stopped: counts go on from the restored values, -U carries the
// value before the checkpoint. Snapshots of either backend restore into
// either.
func TestGroupAggregateRestoreContinues(t *testing.T) {
	t.Run("count per key", func(t *testing.T) {
		for _, backend := range keyedBackends {
			t.Run(backend, func(t *testing.T) {
				mem := checkedMem(t)
				spec := GroupAggSpec{Keys: []int{0}, Aggs: []AggCall{{Func: CountStar}, {Func: Max, Arg: 1}, {Func: Count, Arg: 1, Distinct: true}}}
				h := newKeyedHarness(t, mem, newAgg(spec), keyedOpts{backend: backend, cacheSize: -1})
				assert.Equal(t, []string{"+I[a, 1, 5, 1]", "-U[a, 1, 5, 1]", "+U[a, 2, 7, 2]", "+I[b, 1, 1, 1]"},
					strs(h.process(makeBatch(t, mem, kvSchema, nil, []any{"a", 5}, []any{"a", 7}, []any{"b", 1}))))
				dir, emitted := snapshotKeyed(t, h)
				assert.Empty(t, emitted)

				h2 := newKeyedHarness(t, mem, newAgg(spec), keyedOpts{backend: backend, cacheSize: -1, restore: []string{dir}})
				assert.Equal(t, []string{"-U[a, 2, 7, 2]", "+U[a, 3, 7, 2]"},
					strs(h2.process(makeBatch(t, mem, kvSchema, nil, []any{"a", 5}))))
				// MAX retracts to the next value and COUNT DISTINCT keeps
				// 5 (counted twice): the value counts were restored.
				assert.Equal(t, []string{"-U[a, 3, 7, 2]", "+U[a, 2, 5, 1]", "-U[a, 2, 5, 1]", "+U[a, 1, 5, 1]", "-D[b, 1, 1, 1]"},
					strs(h2.process(makeBatch(t, mem, kvSchema, kinds("-D -D -D"), []any{"a", 7}, []any{"a", 5}, []any{"b", 1}))))
				assert.Equal(t, []string{"-D[a, 1, 5, 1]"}, strs(h2.process(makeBatch(t, mem, kvSchema, kinds("-U"), []any{"a", 5}))))
			})
		}
	})
	pairs := [][2]string{
		{state.BackendHashMap, state.BackendHashMap},
		{state.BackendPebble, state.BackendPebble},
		{state.BackendHashMap, state.BackendPebble},
		{state.BackendPebble, state.BackendHashMap},
	}
	for _, p := range pairs {
		for _, cache := range []int{0, 4, -1} {
			for _, mini := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s to %s/cache=%d/minibatch=%v", p[0], p[1], cache, mini), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(uint64(cache+7), 11))
					mem := checkedMem(t)
					changelog := randomChangelog(rng, 1600, 40, true)
					spec := GroupAggSpec{Keys: []int{0}, Aggs: modelAggs}
					if mini {
						// A bundle larger than the batches: one is open
						// when the checkpoint is taken.
						spec.MiniBatch = MiniBatch{Enabled: true, Size: 150}
					}
					h := newKeyedHarness(t, mem, newAgg(spec), keyedOpts{backend: p[0], cacheSize: cache})
					got := feed(t, h, rng, changelog[:800])
					dir, emitted := snapshotKeyed(t, h)
					got = append(got, emitted...)
					h2 := newKeyedHarness(t, mem, newAgg(spec), keyedOpts{backend: p[1], cacheSize: cache, restore: []string{dir}})
					got = append(got, feed(t, h2, rng, changelog[800:])...)
					got = append(got, h2.endInput()...)
					checkAgainstModel(t, changelog, got, mini)
				})
			}
		}
	}
}

// subtaskOf routes rows as the hash exchange does (column 0 is the key).
func subtaskOf(t *testing.T, rows []Row, parallelism int) []int {
	mem := memory.NewGoAllocator()
	var vals [][]any
	for _, r := range rows {
		vals = append(vals, r.Values)
	}
	b := makeBatch(t, mem, kvSchema, nil, vals...)
	defer b.Release()
	hashes := make([]uint64, len(rows))
	vectorized.HashColumns([]arrow.Array{b.Record.Column(0)}, hashes)
	out := make([]int, len(rows))
	for i, h := range hashes {
		out[i] = operatorIndexForKeyGroup(keyGroupOf(h, DefaultMaxParallelism), DefaultMaxParallelism, parallelism)
	}
	return out
}

func rowsOf(rows []Row, sub []int, s int) []Row {
	var out []Row
	for i, r := range rows {
		if sub[i] == s {
			out = append(out, r)
		}
	}
	return out
}

// TestGroupAggregateRescale restores one snapshot into two subtasks' key
// group ranges (each continues only its keys, and a key of the other
// range is refused), then both snapshots into one subtask again
// (parallelism 1 → 2 → 1): every part of the changelog is what the model
// gives for the keys the subtask owns.
func TestGroupAggregateRescale(t *testing.T) {
	for _, backend := range keyedBackends {
		for _, cache := range []int{0, -1} {
			t.Run(fmt.Sprintf("%s/cache=%d", backend, cache), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(5, uint64(cache+2)))
				mem := checkedMem(t)
				changelog := randomChangelog(rng, 1800, 80, true)
				first, second, third := changelog[:600], changelog[600:1200], changelog[1200:]
				spec := GroupAggSpec{Keys: []int{0}, Aggs: modelAggs}
				opts := keyedOpts{backend: backend, cacheSize: cache}

				h := newKeyedHarness(t, mem, newAgg(spec), opts)
				got := feed(t, h, rng, first)
				require.Equal(t, modelStreaming(first), nilIfEmpty(strs(got)))
				dir, _ := snapshotKeyed(t, h)

				upTo2 := changelog[:1200]
				sub := subtaskOf(t, upTo2, 2)
				var dirs []string
				for s := range 2 {
					o := opts
					o.parallelism, o.subtask, o.restore = 2, s, []string{dir}
					hs := newKeyedHarness(t, mem, newAgg(spec), o)
					mine := rowsOf(upTo2, sub, s)
					before := len(modelStreaming(rowsOf(first, sub[:600], s)))
					want := modelStreaming(mine)[before:]
					got := feed(t, hs, rng, rowsOf(second, sub[600:], s))
					require.Equal(t, nilIfEmpty(want), nilIfEmpty(strs(got)), "subtask %d", s)
					d, _ := snapshotKeyed(t, hs)
					dirs = append(dirs, d)

					// A key of the other subtask's range is refused.
					other := rowsOf(changelog, subtaskOf(t, changelog, 2), 1-s)[0]
					err := hs.processErr(makeBatch(t, mem, kvSchema, nil, []any{other.Values[0], int64(1)}))
					require.Error(t, err)
					assert.Contains(t, err.Error(), "not hash-partitioned by the group keys")
				}

				o := opts
				o.restore = dirs
				h1 := newKeyedHarness(t, mem, newAgg(spec), o)
				want := modelStreaming(changelog)[len(modelStreaming(upTo2)):]
				require.Equal(t, nilIfEmpty(want), nilIfEmpty(strs(feed(t, h1, rng, third))))
			})
		}
	}
}

// TestGroupAggregateStateTTL: table.exec.state.ttl drops a key's state
// when it was not written for the TTL (Flink's StateTtlConfig of
// GroupAggFunction: processing time, updated on write, expired state never
// returned): the key starts afresh with +I, a retraction of it is
// dropped, and state that expired while checkpointed is gone after a
// restore.
func TestGroupAggregateStateTTL(t *testing.T) {
	const ttl = 10 * time.Second
	spec := GroupAggSpec{Keys: []int{0}, Aggs: []AggCall{{Func: CountStar}, {Func: Sum, Arg: 1}}}
	for _, backend := range keyedBackends {
		for _, cache := range []int{0, -1} {
			t.Run(fmt.Sprintf("%s/cache=%d", backend, cache), func(t *testing.T) {
				mem := checkedMem(t)
				clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
				opts := keyedOpts{backend: backend, cacheSize: cache, ttl: ttl, clock: clock}
				h := newKeyedHarness(t, mem, newAgg(spec), opts)
				in := func(ks string, rows ...[]any) []string {
					var k []vectorized.RowKind
					if ks != "" {
						k = kinds(ks)
					}
					return nilIfEmpty(strs(h.process(makeBatch(t, mem, kvSchema, k, rows...))))
				}
				assert.Equal(t, []string{"+I[a, 1, 1]", "+I[b, 1, 10]"}, in("", []any{"a", 1}, []any{"b", 10}))
				clock.advance(6 * time.Second)
				// Writing a refreshes its TTL; b is not written.
				assert.Equal(t, []string{"-U[a, 1, 1]", "+U[a, 2, 3]"}, in("", []any{"a", 2}))
				clock.advance(6 * time.Second)
				// b expired 12 s after its write: its retraction is
				// dropped, its next row starts afresh. a lives on.
				assert.Nil(t, in("-D", []any{"b", 10}))
				assert.Equal(t, []string{"+I[b, 1, 4]", "-U[a, 2, 3]", "+U[a, 3, 6]"}, in("", []any{"b", 4}, []any{"a", 3}))
				clock.advance(ttl)
				assert.Equal(t, []string{"+I[a, 1, 5]"}, in("", []any{"a", 5}))

				// Expired while checkpointed: b was written at the
				// checkpoint's time minus 10 s.
				dir, _ := snapshotKeyed(t, h)
				clock.advance(5 * time.Second)
				o := opts
				o.restore = []string{dir}
				h = newKeyedHarness(t, mem, newAgg(spec), o)
				assert.Equal(t, []string{"+I[b, 1, 1]", "-U[a, 1, 5]", "+U[a, 2, 6]"}, in("", []any{"b", 1}, []any{"a", 1}))
			})
		}
	}
}

// TestGroupAggregateTTLEmitsUnchangedResults: with state TTL on, Flink's
// GroupAggFunction emits -U/+U even when a row leaves the result as it
// was, so that downstream state is refreshed too; without TTL (and in
// mini-batch mode either way) an unchanged result is not emitted.
func TestGroupAggregateTTLEmitsUnchangedResults(t *testing.T) {
	spec := GroupAggSpec{Keys: []int{0}, Aggs: []AggCall{{Func: Max, Arg: 1}}, InsertOnlyInput: true}
	for _, tc := range []struct {
		name string
		ttl  time.Duration
		mb   bool
		want []string
	}{
		{name: "ttl", ttl: time.Hour, want: []string{"+I[a, 5]", "-U[a, 5]", "+U[a, 5]", "-U[a, 5]", "+U[a, 7]"}},
		{name: "no ttl", want: []string{"+I[a, 5]", "-U[a, 5]", "+U[a, 7]"}},
		{name: "ttl, mini-batch", ttl: time.Hour, mb: true, want: []string{"+I[a, 5]", "-U[a, 5]", "+U[a, 7]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := checkedMem(t)
			sp := spec
			if tc.mb {
				sp.MiniBatch = MiniBatch{Enabled: true}
			}
			clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			h := newKeyedHarness(t, mem, newAgg(sp), keyedOpts{backend: state.BackendHashMap, cacheSize: -1, ttl: tc.ttl, clock: clock})
			var got []string
			for _, x := range []int64{5, 3, 7} {
				got = append(got, strs(h.process(makeBatch(t, mem, kvSchema, nil, []any{"a", x})))...)
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestDistinctKeyed: SELECT DISTINCT keeps its rows' counts in the
// backend and continues after a restore.
func TestDistinctKeyed(t *testing.T) {
	schema := schemaOf(field("k", arrow.BinaryTypes.String), field("v", arrow.PrimitiveTypes.Int64))
	for _, backend := range keyedBackends {
		t.Run(backend, func(t *testing.T) {
			mem := checkedMem(t)
			opts := keyedOpts{backend: backend, cacheSize: 1}
			h := newKeyedHarness(t, mem, NewDistinct(DistinctSpec{}), opts)
			assert.Equal(t, []string{"+I[a, 1]", "+I[b, 2]", "+I[a, null]"},
				strs(h.process(makeBatch(t, mem, schema, nil, []any{"a", 1}, []any{"a", 1}, []any{"b", 2}, []any{"a", nil}, []any{"b", 2}))))
			dir, _ := snapshotKeyed(t, h)
			o := opts
			o.restore = []string{dir}
			h = newKeyedHarness(t, mem, NewDistinct(DistinctSpec{}), o)
			assert.Empty(t, h.process(makeBatch(t, mem, schema, kinds("-D"), []any{"a", 1})))
			assert.Equal(t, []string{"-D[a, 1]"}, strs(h.process(makeBatch(t, mem, schema, kinds("-D"), []any{"a", 1}))))
			assert.Equal(t, []string{"-D[b, 2]"}, strs(h.process(makeBatch(t, mem, schema, kinds("-D -D"), []any{"b", 2}, []any{"b", 2}))))
			assert.Equal(t, []string{"+I[a, 1]"}, strs(h.process(makeBatch(t, mem, schema, nil, []any{"a", 1}))))
		})
	}
}

// TestGroupAggregateKeyedErrors: corrupt state is an error naming the key
// group, not a silently wrong result.
func TestGroupAggregateKeyedErrors(t *testing.T) {
	mem := checkedMem(t)
	spec := GroupAggSpec{Keys: []int{0}, Aggs: []AggCall{{Func: CountStar}}}
	h := newKeyedHarness(t, mem, newAgg(spec), keyedOpts{backend: state.BackendHashMap, cacheSize: 0})
	h.process(makeBatch(t, mem, kvSchema, nil, []any{"a", 1}))
	// Overwrite a's entry with a truncated one.
	b, err := h.rt.KeyedState()
	require.NoError(t, err)
	vs, err := state.NewValueState(b, state.Descriptor[[]byte]{Name: groupStateName, Codec: state.BytesCodec{}})
	require.NoError(t, err)
	key := append([]byte{1}, 1, 'a')
	hashes := make([]uint64, 1)
	probe := makeBatch(t, mem, kvSchema, nil, []any{"a", 1})
	vectorized.HashColumns([]arrow.Array{probe.Record.Column(0)}, hashes)
	probe.Release()
	kg := h.rt.KeyGroupOf(hashes[0])
	_, found, err := vs.Value(kg, key)
	require.NoError(t, err)
	require.True(t, found, "the key encoding is null flag, length, bytes")
	require.NoError(t, vs.Update(kg, key, []byte{groupStateV1, groupStateAlive}))
	err = h.processErr(makeBatch(t, mem, kvSchema, nil, []any{"a", 1}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), fmt.Sprintf("keyed state of key group %d", kg))
	assert.ErrorIs(t, err, errStateCorrupt)
}

// TestGroupAggregateBatchModeKeepsNoKeyedState: bounded input emitting at
// the end is not checkpointed (as in Flink), so batch mode never opens
// the backend.
func TestGroupAggregateBatchModeKeepsNoKeyedState(t *testing.T) {
	mem := checkedMem(t)
	st := &instanceState{uid: "0.0", name: "agg", backendType: state.BackendHashMap}
	rt := &RuntimeContext{Parallelism: 1, Mem: mem, Metrics: &OperatorMetrics{}, Config: Config{}, MaxParallelism: DefaultMaxParallelism, ckpt: st}
	op := NewGroupAggregate(GroupAggSpec{Keys: []int{0}, Mode: Batch, Aggs: []AggCall{{Func: CountStar}}})
	require.NoError(t, op.Open(context.Background(), rt))
	assert.Nil(t, op.ks)
	assert.False(t, st.hasState())
	require.NoError(t, op.Close())
}

// TestGroupAggregateSnapshotDirectoryLayout: the operator's state is in
// the instance's keyed directory.
func TestGroupAggregateSnapshotDirectoryLayout(t *testing.T) {
	mem := checkedMem(t)
	h := newKeyedHarness(t, mem, newAgg(GroupAggSpec{Keys: []int{0}, Aggs: []AggCall{{Func: CountStar}}}), keyedOpts{backend: state.BackendHashMap, cacheSize: -1})
	h.process(makeBatch(t, mem, kvSchema, nil, []any{"a", 1}))
	dir, _ := snapshotKeyed(t, h)
	files, err := filepath.Glob(filepath.Join(dir, keyedDirName, "kg-*.bin"))
	require.NoError(t, err)
	assert.Len(t, files, 1, "one key, one key-group file")
}

// upsertSink keeps the latest row per key of a changelog (k, count, sum):
// replays after a restart re-send changes, the last one per key stands.
type upsertSink struct {
	mu   *sync.Mutex
	last map[int64][2]int64
}

func (s *upsertSink) Open(context.Context, *RuntimeContext) error { return nil }
func (s *upsertSink) Write(_ context.Context, b *vectorized.Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range BatchRows(b) {
		k := r.Values[0].(int64)
		switch r.Kind {
		case vectorized.Insert, vectorized.UpdateAfter:
			s.last[k] = [2]int64{r.Values[1].(int64), r.Values[2].(int64)}
		case vectorized.Delete:
			delete(s.last, k)
		}
	}
	return nil
}
func (s *upsertSink) Finish(context.Context) error { return nil }
func (s *upsertSink) Close() error                 { return nil }

// TestGroupAggregateCheckpointRestart runs GROUP BY k with COUNT(*) and
// SUM(v) as a job: two sources hash-partitioned into the aggregate, a
// source failing once after some checkpoints, the job restarting from the
// last one. The aggregate's groups come back from the checkpoint, so the
// final count and sum of every key are exact (had they been lost, the
// counts would restart from the checkpointed source positions).
func TestGroupAggregateCheckpointRestart(t *testing.T) {
	for _, backend := range keyedBackends {
		for _, par := range []int{1, 2} {
			for _, mini := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/p%d/minibatch=%v", backend, par, mini), func(t *testing.T) {
					mem := checkedMem(t)
					const n, keys, sources = 3000, 7, 2
					var failed atomic.Bool
					spec := GroupAggSpec{Keys: []int{0}, Aggs: []AggCall{{Func: CountStar}, {Func: Sum, Arg: 1}}}
					if mini {
						spec.MiniBatch = MiniBatch{Enabled: true, Size: 60}
					}
					sink := &upsertSink{mu: &sync.Mutex{}, last: map[int64][2]int64{}}
					g := &JobGraph{Name: "agg", Mem: mem}
					var inputs []Edge
					for i := range sources {
						g.Vertices = append(g.Vertices, &Vertex{ID: i + 1, Name: fmt.Sprintf("seq%d", i), Parallelism: 1,
							Source: func(int) Source {
								return &seqSource{n: n, batch: 25, keys: keys, pause: time.Millisecond, failAt: 1500, failed: &failed}
							}})
						inputs = append(inputs, Edge{From: i + 1, Partition: Partitioning{Kind: Hash, Keys: []int{0}}})
					}
					g.Vertices = append(g.Vertices, &Vertex{ID: 100, Name: "agg", Parallelism: par, Inputs: inputs,
						Chain: []func() Operator{func() Operator { return WithName("GroupAggregate", NewGroupAggregate(spec)) }},
						Sink:  func(int) Sink { return sink }})
					// A cache of 2 groups: most keys live in the backend only.
					cfg := ckptConfig(t.TempDir(), state.ConfigBackendType, backend, ConfigStateLocalDir, t.TempDir(), ConfigStateCacheSize, "2")
					res, err := Execute(context.Background(), g, cfg)
					require.NoError(t, err)
					require.True(t, failed.Load())
					require.EqualValues(t, 1, res.Checkpoints.Restarts)
					require.Positive(t, res.Checkpoints.RestoredID, "restarted from a checkpoint")
					want := map[int64][2]int64{}
					for v := int64(0); v < n; v++ {
						w := want[v%keys]
						want[v%keys] = [2]int64{w[0] + sources, w[1] + sources*v}
					}
					assert.Equal(t, want, sink.last)
				})
			}
		}
	}
}
