package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

// seqSource emits (k = v % keys, v) for v in [0, n) in batches, keeping
// its position in operator state; it can fail once at a position.
type seqSource struct {
	n, batch, keys int64
	pause          time.Duration
	failAt         int64 // fail once after emitting this position; 0 = never
	failed         *atomic.Bool
	stopAfter      *atomic.Int64 // emitted positions, for tests waiting on progress

	mem  memory.Allocator
	pos  int64
	list *state.OperatorListState
	// checkpointed: a checkpoint completed; the injected failure waits for
	// one, so that a loaded machine still restarts from a checkpoint.
	checkpointed bool
}

var seqSchema = arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}, {Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)

func (s *seqSource) Open(_ context.Context, rt *RuntimeContext) error {
	s.mem = rt.Mem
	os, err := rt.OperatorState()
	if err != nil {
		return err
	}
	if s.list, err = os.ListState("pos", state.SplitDistribute); err != nil {
		return err
	}
	for _, e := range s.list.Get() {
		s.pos = max(s.pos, int64(binary.BigEndian.Uint64(e)))
	}
	return nil
}

func (s *seqSource) Run(ctx context.Context, out Collector) error {
	for s.pos < s.n {
		end := min(s.pos+s.batch, s.n)
		kb := array.NewInt64Builder(s.mem)
		vb := array.NewInt64Builder(s.mem)
		for v := s.pos; v < end; v++ {
			kb.Append(v % s.keys)
			vb.Append(v)
		}
		k, v := kb.NewArray(), vb.NewArray()
		b := &vectorized.Batch{Record: array.NewRecordBatch(seqSchema, []arrow.Array{k, v}, end-s.pos)}
		k.Release()
		v.Release()
		s.pos = end // before Collect: a snapshot inside it covers this batch
		err := out.Collect(ctx, b)
		b.Release()
		if err != nil {
			return err
		}
		if s.stopAfter != nil {
			s.stopAfter.Add(end - (end - s.batch))
		}
		for s.failAt > 0 && s.pos >= s.failAt && !s.failed.Load() {
			if s.checkpointed && s.failed.CompareAndSwap(false, true) {
				return errors.New("injected source failure")
			}
			select {
			case <-time.After(time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
			if err := Yield(ctx, out); err != nil {
				return err
			}
		}
		select {
		case <-time.After(s.pause):
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := Yield(ctx, out); err != nil {
			return err
		}
	}
	return nil
}

func (s *seqSource) SnapshotState(context.Context, CheckpointInfo) error {
	s.list.Update([][]byte{binary.BigEndian.AppendUint64(nil, uint64(s.pos))})
	return nil
}

func (s *seqSource) NotifyCheckpointComplete(context.Context, int64) error {
	s.checkpointed = true
	return nil
}

func (s *seqSource) Close() error { return nil }

// keyedSum keeps sum(v) per k in keyed state and emits (k, sum) for its
// keys at the end of input. snapshotHook runs in SnapshotState.
type keyedSum struct {
	keys         int64
	rt           *RuntimeContext
	sums         *state.ValueState[int64]
	snapshotHook func(CheckpointInfo) error
}

func (o *keyedSum) Open(_ context.Context, rt *RuntimeContext) error {
	o.rt = rt
	b, err := rt.KeyedState()
	if err != nil {
		return err
	}
	o.sums, err = state.NewValueState(b, state.Descriptor[int64]{Name: "sum", Codec: state.Int64Codec{}})
	return err
}

func (o *keyedSum) keyOf(k int64) (uint16, []byte) {
	kb := array.NewInt64Builder(memory.DefaultAllocator)
	kb.Append(k)
	col := kb.NewArray()
	defer col.Release()
	h := make([]uint64, 1)
	vectorized.HashColumns([]arrow.Array{col}, h)
	return o.rt.KeyGroupOf(h[0]), binary.BigEndian.AppendUint64(nil, uint64(k))
}

func (o *keyedSum) Process(_ context.Context, _ int, b *vectorized.Batch, _ Collector) error {
	ks := b.Record.Column(0).(*array.Int64).Int64Values()
	vs := b.Record.Column(1).(*array.Int64).Int64Values()
	add := map[int64]int64{}
	for i, k := range ks {
		add[k] += vs[i]
	}
	for k, d := range add {
		kg, key := o.keyOf(k)
		cur, _, err := o.sums.Value(kg, key)
		if err != nil {
			return err
		}
		if err := o.sums.Update(kg, key, cur+d); err != nil {
			return err
		}
	}
	return nil
}

func (o *keyedSum) EndInput(ctx context.Context, out Collector) error {
	kb := array.NewInt64Builder(o.rt.Mem)
	sb := array.NewInt64Builder(o.rt.Mem)
	r := o.rt.KeyGroups()
	for k := int64(0); k < o.keys; k++ {
		kg, key := o.keyOf(k)
		if !r.Contains(int(kg)) {
			continue
		}
		v, ok, err := o.sums.Value(kg, key)
		if err != nil {
			return err
		}
		if ok {
			kb.Append(k)
			sb.Append(v)
		}
	}
	k, s := kb.NewArray(), sb.NewArray()
	defer k.Release()
	defer s.Release()
	b := &vectorized.Batch{Record: array.NewRecordBatch(seqSchema, []arrow.Array{k, s}, int64(k.Len()))}
	defer b.Release()
	return out.Collect(ctx, b)
}

func (o *keyedSum) SnapshotState(_ context.Context, cp CheckpointInfo) error {
	if o.snapshotHook != nil {
		return o.snapshotHook(cp)
	}
	return nil
}

func (o *keyedSum) Close() error { return nil }

// sumSink gathers the (k, sum) rows of every subtask.
type sumSink struct {
	mu   *sync.Mutex
	sums map[int64]int64
}

func (s *sumSink) Open(context.Context, *RuntimeContext) error { return nil }
func (s *sumSink) Write(_ context.Context, b *vectorized.Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ks := b.Record.Column(0).(*array.Int64).Int64Values()
	vs := b.Record.Column(1).(*array.Int64).Int64Values()
	for i, k := range ks {
		s.sums[k] += vs[i]
	}
	return nil
}
func (s *sumSink) Finish(context.Context) error { return nil }
func (s *sumSink) Close() error                 { return nil }

type sumJob struct {
	sources, parallelism int
	n, batch, keys       int64
	pause                time.Duration
	failAt               int64
	hook                 func(CheckpointInfo) error

	failed atomic.Bool
	mu     sync.Mutex
	sums   map[int64]int64
}

// graph: `sources` source vertices → hash by k → keyedSum → sink.
func (j *sumJob) graph(mem memory.Allocator) *JobGraph {
	j.sums = map[int64]int64{}
	g := &JobGraph{Name: "sum", Mem: mem}
	var inputs []Edge
	for i := 0; i < j.sources; i++ {
		g.Vertices = append(g.Vertices, &Vertex{ID: i + 1, Name: fmt.Sprintf("seq%d", i), Parallelism: 1,
			Source: func(int) Source {
				return &seqSource{n: j.n, batch: j.batch, keys: j.keys, pause: j.pause, failAt: j.failAt, failed: &j.failed}
			}})
		inputs = append(inputs, Edge{From: i + 1, Partition: Partitioning{Kind: Hash, Keys: []int{0}}})
	}
	g.Vertices = append(g.Vertices, &Vertex{ID: 100, Name: "sum", Parallelism: j.parallelism, Inputs: inputs,
		Chain: []func() Operator{func() Operator { return &keyedSum{keys: j.keys, snapshotHook: j.hook} }},
		Sink:  func(int) Sink { return &sumSink{mu: &j.mu, sums: j.sums} }})
	return g
}

func (j *sumJob) want() map[int64]int64 {
	w := map[int64]int64{}
	for v := int64(0); v < j.n; v++ {
		w[v%j.keys] += v * int64(j.sources)
	}
	return w
}

func ckptConfig(dir string, extra ...string) Config {
	c := Config{ConfigCheckpointInterval: "15ms", ConfigCheckpointsDir: dir, ConfigRestartStrategy: "fixed-delay",
		configFixedDelayAttempts: "3", configFixedDelayDelay: "10ms", ConfigCheckpointsRetained: "3"}
	for i := 0; i+1 < len(extra); i += 2 {
		c[extra[i]] = extra[i+1]
	}
	return c
}

// A source fails after several checkpoints; the job restarts from the last
// one and the keyed sums are exact: barriers from two sources are aligned,
// so nothing is counted twice or lost.
func TestCheckpointRestartIsExactlyOnce(t *testing.T) {
	for _, backend := range []string{state.BackendHashMap, state.BackendPebble} {
		for _, par := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/p%d", backend, par), func(t *testing.T) {
				mem := checkedMem(t)
				j := &sumJob{sources: 2, parallelism: par, n: 3000, batch: 25, keys: 7, pause: time.Millisecond, failAt: 1500}
				cfg := ckptConfig(t.TempDir(), state.ConfigBackendType, backend, ConfigStateLocalDir, t.TempDir())
				res, err := Execute(context.Background(), j.graph(mem), cfg)
				require.NoError(t, err)
				assert.True(t, j.failed.Load())
				assert.Equal(t, j.want(), j.sums)
				assert.EqualValues(t, 1, res.Checkpoints.Restarts)
				assert.Positive(t, res.Checkpoints.RestoredID, "restarted from a checkpoint, not from the start")
				assert.Positive(t, res.Checkpoints.Completed)
			})
		}
	}
}

// runUntilCheckpoints runs the job until it completed n checkpoints, then
// cancels it: a cancelled job keeps its checkpoints.
func runUntilCheckpoints(t *testing.T, g *JobGraph, cfg Config, n int64) CheckpointStats {
	job, err := Submit(context.Background(), g, cfg)
	require.NoError(t, err)
	deadline := time.Now().Add(20 * time.Second)
	for job.CheckpointStats().Completed < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	job.Cancel()
	_, err = job.Wait()
	require.ErrorIs(t, err, context.Canceled)
	st := job.CheckpointStats()
	require.GreaterOrEqual(t, st.Completed, n)
	return st
}

func TestCheckpointLayoutAndRetention(t *testing.T) {
	dir := t.TempDir()
	j := &sumJob{sources: 1, parallelism: 2, n: 1 << 40, batch: 20, keys: 5, pause: time.Millisecond}
	st := runUntilCheckpoints(t, j.graph(memory.DefaultAllocator), ckptConfig(dir, ConfigCheckpointsRetained, "2"), 4)
	runs, _ := os.ReadDir(dir)
	require.Len(t, runs, 1)
	chks, _ := filepath.Glob(filepath.Join(dir, runs[0].Name(), "chk-*"))
	assert.Len(t, chks, 2, "num-retained = 2")
	rp, err := loadRestorePoint(st.LastPath)
	require.NoError(t, err)
	assert.Equal(t, st.LastID, rp.id)
	sum := rp.operators["100.0"]
	require.NotNil(t, sum)
	assert.Equal(t, 2, sum.parallelism)
	assert.NotNil(t, rp.operators["1.src"])
	assert.NotNil(t, rp.operators["100.sink"])
}

// A job that finishes discards its checkpoints, as Flink's: restoring the
// latest one would replay the end of a completed job.
func TestFinishedJobDiscardsCheckpoints(t *testing.T) {
	dir := t.TempDir()
	j := &sumJob{sources: 2, parallelism: 2, n: 2000, batch: 20, keys: 5, pause: time.Millisecond}
	res, err := Execute(context.Background(), j.graph(memory.DefaultAllocator), ckptConfig(dir))
	require.NoError(t, err)
	assert.Equal(t, j.want(), j.sums)
	assert.Positive(t, res.Checkpoints.Completed)
	runs, _ := os.ReadDir(dir)
	assert.Empty(t, runs)
	latest, _, err := FindLatestCheckpoint(dir, "sum")
	require.NoError(t, err)
	assert.Empty(t, latest)
}

// A task whose input ended waits for a checkpoint after its end and
// delivers its completion before the job finishes, so sinks can commit
// their last rows on a checkpoint (FLIP-147).
func TestFinalCheckpointNotifiesSinks(t *testing.T) {
	var notified atomic.Int64
	g := &JobGraph{Name: "final", Vertices: []*Vertex{
		{ID: 1, Name: "seq", Parallelism: 1, Source: func(int) Source {
			return &seqSource{n: 100, batch: 10, keys: 3, failed: new(atomic.Bool)}
		}},
		{ID: 2, Name: "sink", Parallelism: 2, Inputs: []Edge{{From: 1, Partition: Partitioning{Kind: Rebalance}}},
			Sink: func(int) Sink { return &notifySink{notified: &notified} }},
	}}
	res, err := Execute(context.Background(), g, ckptConfig(t.TempDir(), ConfigCheckpointInterval, "1h"))
	require.NoError(t, err)
	assert.EqualValues(t, 2, notified.Load(), "both sink subtasks were told their final checkpoint completed")
	assert.Positive(t, res.Checkpoints.Completed)
}

type notifySink struct {
	notified *atomic.Int64
	finished bool
}

func (s *notifySink) Open(context.Context, *RuntimeContext) error         { return nil }
func (s *notifySink) Write(context.Context, *vectorized.Batch) error      { return nil }
func (s *notifySink) Finish(context.Context) error                        { s.finished = true; return nil }
func (s *notifySink) Close() error                                        { return nil }
func (s *notifySink) SnapshotState(context.Context, CheckpointInfo) error { return nil }
func (s *notifySink) NotifyCheckpointComplete(context.Context, int64) error {
	if s.finished {
		s.notified.Add(1)
	}
	return nil
}

// A checkpoint that cannot finish in time is aborted; later ones complete.
func TestCheckpointTimeout(t *testing.T) {
	var slow atomic.Bool
	j := &sumJob{sources: 1, parallelism: 1, n: 3000, batch: 10, keys: 3, pause: time.Millisecond,
		hook: func(cp CheckpointInfo) error {
			if cp.ID == 1 && !slow.Swap(true) {
				time.Sleep(150 * time.Millisecond)
			}
			return nil
		}}
	cfg := ckptConfig(t.TempDir(), ConfigCheckpointTimeout, "50ms", ConfigCheckpointTolerableFailures, "5")
	res, err := Execute(context.Background(), j.graph(memory.DefaultAllocator), cfg)
	require.NoError(t, err)
	assert.Equal(t, j.want(), j.sums)
	assert.GreaterOrEqual(t, res.Checkpoints.Failed, int64(1))
	assert.Contains(t, res.Checkpoints.LastFailure, "expired")
	assert.Positive(t, res.Checkpoints.Completed)
	assert.Zero(t, res.Checkpoints.Restarts)
}

// A snapshot that fails declines its checkpoint; with no tolerance the job
// restarts from the previous checkpoint, which stayed usable.
func TestCheckpointFailureDuringSnapshot(t *testing.T) {
	var failed atomic.Bool
	j := &sumJob{sources: 2, parallelism: 2, n: 3000, batch: 10, keys: 4, pause: time.Millisecond,
		hook: func(cp CheckpointInfo) error {
			if cp.ID == 4 && !failed.Swap(true) {
				return errors.New("disk full")
			}
			return nil
		}}
	res, err := Execute(context.Background(), j.graph(memory.DefaultAllocator), ckptConfig(t.TempDir()))
	require.NoError(t, err)
	assert.Equal(t, j.want(), j.sums)
	assert.EqualValues(t, 1, res.Checkpoints.Restarts)
	assert.EqualValues(t, 3, res.Checkpoints.RestoredID)
	assert.GreaterOrEqual(t, res.Checkpoints.Failed, int64(1))
}

// Without restarts a declined checkpoint fails the job with its cause.
func TestCheckpointDeclineFailsJobWithoutRestarts(t *testing.T) {
	j := &sumJob{sources: 1, parallelism: 1, n: 100000, batch: 10, keys: 4, pause: time.Millisecond,
		hook: func(cp CheckpointInfo) error { return errors.New("disk full") }}
	_, err := Execute(context.Background(), j.graph(memory.DefaultAllocator), ckptConfig(t.TempDir(), ConfigRestartStrategy, "none"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "disk full")
	assert.Contains(t, err.Error(), ConfigCheckpointTolerableFailures)
}

// A job stopped with a savepoint and restored from it, at parallelism
// 1 → 2 → 1, ends with the same sums as an uninterrupted run.
func TestSavepointRescale(t *testing.T) {
	dir := t.TempDir()
	const n = 6000
	run := func(par int, restore string, stopAt int64) (string, map[int64]int64) {
		j := &sumJob{sources: 2, parallelism: par, n: n, batch: 10, keys: 11, pause: time.Millisecond}
		cfg := ckptConfig(dir, ConfigCheckpointInterval, "1h")
		if restore != "" {
			cfg[ConfigSavepointPath] = restore
		}
		job, err := Submit(context.Background(), j.graph(memory.DefaultAllocator), cfg)
		require.NoError(t, err)
		if stopAt == 0 {
			_, err := job.Wait()
			require.NoError(t, err)
			return "", j.sums
		}
		time.Sleep(time.Duration(stopAt) * time.Millisecond)
		path, err := job.StopWithSavepoint(context.Background(), filepath.Join(dir, "sp"))
		require.NoError(t, err)
		_, err = job.Wait()
		require.NoError(t, err)
		return path, j.sums
	}
	sp1, _ := run(1, "", 80)
	sp2, _ := run(2, sp1, 80)
	_, sums := run(1, sp2, 0)
	want := (&sumJob{sources: 2, n: n, keys: 11}).want()
	assert.Equal(t, want, sums)
}

// --restore latest skips a checkpoint whose files are corrupt, naming the
// file, and uses the one before.
func TestFindLatestCheckpointSkipsCorrupt(t *testing.T) {
	dir := t.TempDir()
	j := &sumJob{sources: 1, parallelism: 1, n: 1 << 40, batch: 10, keys: 3, pause: time.Millisecond}
	st := runUntilCheckpoints(t, j.graph(memory.DefaultAllocator), ckptConfig(dir), 3)
	res := struct{ Checkpoints CheckpointStats }{st}
	latest, skipped, err := FindLatestCheckpoint(dir, "sum")
	require.NoError(t, err)
	require.Empty(t, skipped)
	require.Equal(t, res.Checkpoints.LastPath, latest)

	rp, err := loadRestorePoint(latest)
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join(rp.operators["100.0"].dirs[0], "keyed", "kg-*.bin"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	require.NoError(t, os.WriteFile(files[0], []byte("garbage"), 0o644))
	older, skipped, err := FindLatestCheckpoint(dir, "sum")
	require.NoError(t, err)
	require.Len(t, skipped, 1)
	assert.Contains(t, skipped[0].Error(), files[0])
	assert.NotEqual(t, latest, older)
	assert.NotEmpty(t, older)

	// A checkpoint directory without _metadata is never a candidate.
	half := filepath.Join(filepath.Dir(latest), "chk-999")
	require.NoError(t, os.MkdirAll(filepath.Join(half, "100.0"), 0o755))
	again, _, err := FindLatestCheckpoint(dir, "sum")
	require.NoError(t, err)
	assert.Equal(t, older, again)

	// Restoring explicitly from the corrupt one fails, naming the file.
	_, err = loadRestorePoint(latest)
	require.Error(t, err)
	assert.Contains(t, err.Error(), files[0])
	_, err = loadRestorePoint(half)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "_metadata")
}

func TestParseCheckpointSettings(t *testing.T) {
	g := &JobGraph{Name: "x"}
	for _, tc := range []struct {
		cfg Config
		err string
	}{
		{Config{ConfigCheckpointMode: "at-least-once"}, ""},
		{Config{ConfigCheckpointMode: "sometimes"}, "EXACTLY_ONCE or AT_LEAST_ONCE"},
		{Config{ConfigCheckpointMaxConcurrent: "2"}, "only 1"},
		{Config{ConfigCheckpointsDir: "s3://bucket/x"}, "local directories"},
		{Config{ConfigRestore: "earliest"}, "only value is latest"},
		{Config{ConfigCheckpointInterval: "-1s"}, "negative"},
		{Config{"state.backend.type": "memory"}, "memory"},
	} {
		_, err := parseCheckpointSettings(g, tc.cfg)
		if tc.err == "" {
			assert.NoError(t, err, "%v", tc.cfg)
		} else if assert.Error(t, err, "%v", tc.cfg) {
			assert.Contains(t, err.Error(), tc.err)
		}
	}
}

func TestRestartStrategies(t *testing.T) {
	now := time.Now()
	r, err := parseRestartStrategy(Config{}, false)
	require.NoError(t, err)
	_, ok := r.next(nil, now)
	assert.False(t, ok, "no checkpointing: no restarts by default")

	r, err = parseRestartStrategy(Config{ConfigRestartStrategy: "fixed-delay", configFixedDelayAttempts: "2", configFixedDelayDelay: "3 s"}, true)
	require.NoError(t, err)
	for i := 0; i < 2; i++ {
		d, ok := r.next(nil, now)
		assert.True(t, ok)
		assert.Equal(t, 3*time.Second, d)
	}
	_, ok = r.next(nil, now)
	assert.False(t, ok)

	r, err = parseRestartStrategy(Config{configExpJitter: "0", configExpMaxBackoff: "3s"}, true)
	require.NoError(t, err)
	var ds []time.Duration
	for i := 0; i < 5; i++ {
		d, ok := r.next(nil, now.Add(time.Duration(i)*time.Second))
		require.True(t, ok)
		ds = append(ds, d)
	}
	assert.Equal(t, []time.Duration{time.Second, 1500 * time.Millisecond, 2250 * time.Millisecond, 3 * time.Second, 3 * time.Second}, ds)
	d, _ := r.next(nil, now.Add(3*time.Hour))
	assert.Equal(t, time.Second, d, "reset after reset-backoff-threshold")

	_, err = parseRestartStrategy(Config{ConfigRestartStrategy: "failure-rate"}, true)
	assert.Error(t, err)
}

// A streaming LIMIT's count is state: restored, it lets through only what
// is left of the limit.
func TestLimitCountIsCheckpointed(t *testing.T) {
	dir := t.TempDir()
	inst := NewInstanceForTest(InstanceOptions{Checkpointing: true})
	l := NewLimit(0, 5)
	require.NoError(t, l.Open(context.Background(), inst.RT))
	h := newHarness(t, memory.DefaultAllocator, NewLimit(0, 0), nil)
	b := makeBatch(t, memory.DefaultAllocator, seqSchema, nil, []any{int64(1), int64(1)}, []any{int64(2), int64(2)}, []any{int64(3), int64(3)})
	defer b.Release()
	require.NoError(t, l.Process(context.Background(), 0, b, h))
	require.NoError(t, l.SnapshotState(context.Background(), CheckpointInfo{ID: 1}))
	require.NoError(t, inst.Snapshot(dir))

	restored := NewInstanceForTest(InstanceOptions{Checkpointing: true, RestoreFrom: []string{dir}, RestoreID: 1})
	l2 := NewLimit(0, 5)
	require.NoError(t, l2.Open(context.Background(), restored.RT))
	var got int64
	out := CollectorFunc(func(_ context.Context, b *vectorized.Batch) error { got += b.NumRows(); return nil })
	require.NoError(t, l2.Process(context.Background(), 0, b, out))
	assert.EqualValues(t, 2, got, "3 of 5 were emitted before the checkpoint")
}

// recorder notes the values it processes and where its snapshot falls.
type recorder struct{ log *[]string }

func (r recorder) Open(context.Context, *RuntimeContext) error { return nil }
func (r recorder) Process(_ context.Context, _ int, b *vectorized.Batch, _ Collector) error {
	for _, v := range b.Record.Column(1).(*array.Int64).Int64Values() {
		*r.log = append(*r.log, fmt.Sprint(v))
	}
	return nil
}
func (r recorder) EndInput(context.Context, Collector) error { return nil }
func (r recorder) Close() error                              { return nil }
func (r recorder) SnapshotState(_ context.Context, cp CheckpointInfo) error {
	*r.log = append(*r.log, fmt.Sprintf("snapshot %d", cp.ID))
	return nil
}

// alignmentTask is a consumer task with two producers (one per input
// edge) whose operator records what it sees.
func alignmentTask(t *testing.T, mode CheckpointMode) (*task, *[]string) {
	log := &[]string{}
	g := &JobGraph{Name: "align", Vertices: []*Vertex{
		{ID: 1, Name: "a", Parallelism: 1, Source: func(int) Source { return nil }},
		{ID: 2, Name: "b", Parallelism: 1, Source: func(int) Source { return nil }},
		{ID: 3, Name: "rec", Parallelism: 1, Inputs: []Edge{{From: 1}, {From: 2}},
			Chain: []func() Operator{func() Operator { return recorder{log} }}},
	}}
	s, err := parseCheckpointSettings(g, Config{ConfigCheckpointsDir: t.TempDir()})
	require.NoError(t, err)
	j := &Job{name: "align", g: g, ck: s}
	j.coord = newCoordinator(j, s)
	run := &jobRun{name: "align", mem: memory.DefaultAllocator, coord: j.coord, mode: mode, maxPar: DefaultMaxParallelism}
	tk := &task{job: run, v: g.Vertices[2], producers: 2}
	tk.build()
	tk.cp.arrived, tk.cp.ended = make([]bool, 2), make([]bool, 2)
	for _, l := range tk.links {
		l.rt = tk.runtimeContext(l.name, &l.metrics, l.state)
	}
	return tk, log
}

func value(t *testing.T, producer int, v int64) envelope {
	b := makeBatch(t, memory.DefaultAllocator, seqSchema, nil, []any{v, v})
	return envelope{input: producer, producer: producer, batch: b}
}

func barrier(producer int, id int64) envelope {
	return envelope{input: producer, producer: producer, barrier: &CheckpointInfo{ID: id}}
}

// drive hands the envelopes to the task as its consume loop would, held
// envelopes included.
func drive(t *testing.T, tk *task, es ...envelope) {
	ctx := context.Background()
	for _, e := range es {
		require.NoError(t, tk.handle(ctx, e))
		for len(tk.cp.queue) > 0 {
			q := tk.cp.queue[0]
			tk.cp.queue = tk.cp.queue[1:]
			require.NoError(t, tk.handle(ctx, q))
		}
	}
}

// Exactly-once alignment with two inputs: rows of the input whose barrier
// came first wait until the other input's barrier, so the snapshot holds
// exactly the rows before both barriers; at-least-once does not wait.
func TestBarrierAlignmentTwoInputs(t *testing.T) {
	for _, tc := range []struct {
		mode CheckpointMode
		want []string
	}{
		{ExactlyOnce, []string{"1", "3", "snapshot 1", "2", "4"}},
		{AtLeastOnce, []string{"1", "2", "3", "snapshot 1", "4"}},
	} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			tk, log := alignmentTask(t, tc.mode)
			drive(t, tk, value(t, 0, 1), barrier(0, 1), value(t, 0, 2), value(t, 1, 3), barrier(1, 1), value(t, 1, 4))
			assert.Equal(t, tc.want, *log)
		})
	}
}

// An input that ends counts as having delivered every later barrier; a
// newer barrier overtaking an unfinished alignment releases what was held
// first; barriers of checkpoints already taken are ignored.
func TestBarrierAlignmentEndsAndOvertakes(t *testing.T) {
	tk, log := alignmentTask(t, ExactlyOnce)
	drive(t, tk, barrier(0, 1), value(t, 0, 1), envelope{producer: 1, eoi: true})
	assert.Equal(t, []string{"snapshot 1", "1"}, *log)

	tk, log = alignmentTask(t, ExactlyOnce)
	drive(t, tk, barrier(0, 1), value(t, 0, 1), barrier(0, 2), value(t, 0, 2), value(t, 1, 3), barrier(1, 2), barrier(1, 1))
	// Checkpoint 1 never aligned (its barrier from input 1 comes last and
	// late); checkpoint 2 holds 1 and 3, the rows before its barriers.
	assert.Equal(t, []string{"3", "1", "snapshot 2", "2"}, *log)
}
