package kafka

// Checkpoint tests drive source and sink instances as the runtime does —
// Open, Run or Write, SnapshotState between batches, the operator state
// written and restored, NotifyCheckpointComplete, Close — against the real
// broker, with the engine's test instances (engine.NewInstanceForTest)
// for their operator state.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// ckptBroker returns SLUICE_TEST_KAFKA, skipping the test without it.
func ckptBroker(t *testing.T) string {
	t.Helper()
	bs := os.Getenv("SLUICE_TEST_KAFKA")
	if bs == "" {
		t.Skip("SLUICE_TEST_KAFKA is not set: run `make test` (it starts Kafka) or scripts/services/kafka.sh up and set SLUICE_TEST_KAFKA=127.0.0.1:9092")
	}
	return bs
}

func randName(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return prefix + "_" + hex.EncodeToString(b[:])
}

// ckptTopic creates a topic of n partitions, deleted after the test.
func ckptTopic(t *testing.T, bs string, n int, config map[string]string) string {
	t.Helper()
	a, err := ckafka.NewAdminClient(&ckafka.ConfigMap{"bootstrap.servers": bs})
	require.NoError(t, err)
	t.Cleanup(a.Close)
	name := randName("sluice_ckpt")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := a.CreateTopics(ctx, []ckafka.TopicSpecification{{Topic: name, NumPartitions: n, ReplicationFactor: 1, Config: config}})
	require.NoError(t, err)
	require.Equal(t, ckafka.ErrNoError, res[0].Error.Code(), "%v", res[0].Error)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = a.DeleteTopics(ctx, []string{name})
	})
	return name
}

// produceIDs writes records "id,r<id>" for ids [from, to), id mod parts
// being the partition.
func produceIDs(t *testing.T, bs, topic string, parts, from, to int) {
	t.Helper()
	p, err := ckafka.NewProducer(&ckafka.ConfigMap{"bootstrap.servers": bs, "acks": "all", "linger.ms": 5})
	require.NoError(t, err)
	defer p.Close()
	done := make(chan ckafka.Event, to-from)
	for id := from; id < to; id++ {
		require.NoError(t, p.Produce(&ckafka.Message{
			TopicPartition: ckafka.TopicPartition{Topic: &topic, Partition: int32(id % parts)},
			Value:          []byte(fmt.Sprintf("%d,r%d", id, id)),
		}, done))
	}
	for range to - from {
		m := (<-done).(*ckafka.Message)
		require.NoError(t, m.TopicPartition.Error)
	}
}

var idCols = []connector.Column{{Name: "id", Type: types.BIGINT()}, {Name: "v", Type: types.STRING()}}

func testContext(bs, topic string, opts map[string]string) *connector.Context {
	o := map[string]string{"connector": "kafka", "topic": topic, "properties.bootstrap.servers": bs, "format": "csv"}
	for k, v := range opts {
		o[k] = v
	}
	return &connector.Context{Table: "t", Columns: idCols, Options: o, Config: engine.Config{engine.ConfigBatchSize: "7"}}
}

// instance is the runtime side of one subtask: its operator state is
// snapshotted and restored as in a job, from the directories snapshot
// wrote for each old subtask.
func instance(subtask, parallelism int, checkpointing bool, restoreID int64, restoreFrom ...string) *engine.Instance {
	return engine.NewInstanceForTest(engine.InstanceOptions{Name: "kafka", Subtask: subtask, Parallelism: parallelism,
		Checkpointing: checkpointing, Config: engine.Config{engine.ConfigBatchSize: "7"}, RestoreFrom: restoreFrom, RestoreID: restoreID})
}

// snapshot writes an instance's state as a checkpoint does after
// SnapshotState and returns its directory.
func snapshot(t *testing.T, in *engine.Instance) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "subtask")
	require.NoError(t, in.Snapshot(dir))
	return dir
}

// opList is an instance's operator list state called name.
func opList(t *testing.T, in *engine.Instance, name string) *state.OperatorListState {
	t.Helper()
	op, err := in.RT.OperatorState()
	require.NoError(t, err)
	l, err := op.ListState(name, state.UnionRedistribute)
	require.NoError(t, err)
	return l
}

func openSource(t *testing.T, cctx *connector.Context, in *engine.Instance) *source {
	t.Helper()
	src, err := Factory{}.NewSource(cctx)
	require.NoError(t, err)
	s := src.Instance(in.RT.Subtask, in.RT.Parallelism).(*source)
	require.NoError(t, s.Open(context.Background(), in.RT))
	return s
}

// runtimeCollector stands for the runtime around a source: it keeps the
// ids emitted, counts Yield calls and runs point (which may snapshot, as
// the runtime does in Collect and Yield) at each point between batches.
type runtimeCollector struct {
	mu     sync.Mutex
	ids    []int64
	yields atomic.Int64
	point  func(ids []int64)
}

func (c *runtimeCollector) Collect(ctx context.Context, b *vectorized.Batch) error {
	col := b.Record.Column(0).(*array.Int64)
	c.mu.Lock()
	for i := 0; i < col.Len(); i++ {
		c.ids = append(c.ids, col.Value(i))
	}
	ids := c.ids
	c.mu.Unlock()
	if c.point != nil {
		c.point(ids)
	}
	return nil
}

func (c *runtimeCollector) Yield(ctx context.Context) error {
	c.yields.Add(1)
	if c.point != nil {
		c.mu.Lock()
		ids := c.ids
		c.mu.Unlock()
		c.point(ids)
	}
	return nil
}

func (c *runtimeCollector) got() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := append([]int64(nil), c.ids...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// runUntil runs sources until together they emitted want rows and then
// idle on for settle (so a row too many would show), and cancels them.
func runUntil(t *testing.T, srcs []*source, cols []*runtimeCollector, want int, settle time.Duration) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(srcs))
	for i := range srcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = srcs[i].Run(ctx, cols[i])
		}()
	}
	total := func() int {
		n := 0
		for _, c := range cols {
			n += len(c.got())
		}
		return n
	}
	require.Eventually(t, func() bool { return total() >= want }, 60*time.Second, 10*time.Millisecond, "rows emitted: %d of %d", total(), want)
	time.Sleep(settle)
	cancel()
	wg.Wait()
	for _, err := range errs {
		require.ErrorIs(t, err, context.Canceled)
	}
}

func seq(from, to int) []int64 {
	out := make([]int64, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, int64(i))
	}
	return out
}

// committed is the group's committed offset of each partition (-1: none).
func committed(t *testing.T, bs, group, topic string, parts int) []int64 {
	t.Helper()
	c, err := ckafka.NewConsumer(&ckafka.ConfigMap{"bootstrap.servers": bs, "group.id": group, "enable.auto.commit": false})
	require.NoError(t, err)
	defer c.Close()
	var tps []ckafka.TopicPartition
	for p := range parts {
		tps = append(tps, ckafka.TopicPartition{Topic: &topic, Partition: int32(p)})
	}
	got, err := c.Committed(tps, 10000)
	require.NoError(t, err)
	out := make([]int64, parts)
	for _, tp := range got {
		out[tp.Partition] = max(int64(tp.Offset), -1)
	}
	return out
}

func TestSourceCommitsOffsetsOnlyWhenCheckpointCompletes(t *testing.T) {
	bs := ckptBroker(t)
	topic := ckptTopic(t, bs, 2, nil)
	produceIDs(t, bs, topic, 2, 0, 100)
	group := randName("g")
	s := openSource(t, testContext(bs, topic, map[string]string{
		"properties.group.id": group, "scan.startup.mode": "earliest-offset",
		// librdkafka's auto-commit would commit within this interval
		// if it were on.
		"properties.auto.commit.interval.ms": "100",
	}), instance(0, 1, true, 0))
	defer s.Close()
	snapshotted := false
	col := &runtimeCollector{point: func(ids []int64) {
		if len(ids) == 100 && !snapshotted {
			require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 7}))
			snapshotted = true
		}
	}}
	runUntil(t, []*source{s}, []*runtimeCollector{col}, 100, 500*time.Millisecond)
	require.True(t, snapshotted)
	assert.Equal(t, seq(0, 100), col.got())
	assert.Equal(t, []int64{-1, -1}, committed(t, bs, group, topic, 2), "nothing is committed before the checkpoint completes")

	// A notification of an unknown (older) checkpoint commits nothing.
	require.NoError(t, s.NotifyCheckpointComplete(context.Background(), 6))
	time.Sleep(200 * time.Millisecond)
	assert.Equal(t, []int64{-1, -1}, committed(t, bs, group, topic, 2))

	require.NoError(t, s.NotifyCheckpointComplete(context.Background(), 7))
	require.Eventually(t, func() bool {
		c := committed(t, bs, group, topic, 2)
		return c[0] == 50 && c[1] == 50
	}, 10*time.Second, 50*time.Millisecond)
	require.Eventually(t, func() bool { return s.commitsOK.Load() == 1 }, 5*time.Second, 10*time.Millisecond)
	assert.Empty(t, s.pending, "completed checkpoints are dropped")
}

func TestSourceSnapshotHoldsExactlyTheEmittedRows(t *testing.T) {
	bs := ckptBroker(t)
	for _, tc := range []struct {
		name    string
		trickle bool
	}{
		// A backlog fills batches; a trickle (a record every 25 ms)
		// leaves rows pending in the builder for up to maxBatchDelay.
		{"backlog", false},
		{"trickle", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			topic := ckptTopic(t, bs, 3, nil)
			const n = 90
			if !tc.trickle {
				produceIDs(t, bs, topic, 3, 0, n)
			}
			in := instance(0, 1, true, 0)
			s := openSource(t, testContext(bs, topic, map[string]string{"scan.startup.mode": "earliest-offset"}), in)
			defer s.Close()
			var checks atomic.Int64
			var mismatch []string
			col := &runtimeCollector{}
			col.point = func(ids []int64) {
				// At every point between batches the snapshot's offsets
				// count exactly the rows emitted so far: record i of a
				// partition is offset i.
				require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: checks.Add(1)}))
				var sum int64
				for _, e := range opList(t, in, sourceStateName).Get() {
					p, err := decodePartOffset(e)
					require.NoError(t, err)
					if p.next > 0 {
						sum += p.next
					}
				}
				if sum != int64(len(ids)) {
					mismatch = append(mismatch, fmt.Sprintf("state counts %d rows, %d emitted", sum, len(ids)))
				}
			}
			if tc.trickle {
				go func() {
					p, err := ckafka.NewProducer(&ckafka.ConfigMap{"bootstrap.servers": bs, "linger.ms": 0})
					if err != nil {
						return
					}
					defer p.Close()
					acked := make(chan ckafka.Event, 1)
					for id := range n {
						err := p.Produce(&ckafka.Message{TopicPartition: ckafka.TopicPartition{Topic: &topic, Partition: int32(id % 3)}, Value: []byte(fmt.Sprintf("%d,r%d", id, id))}, acked)
						if err != nil {
							return
						}
						<-acked
						time.Sleep(25 * time.Millisecond)
					}
				}()
			}
			runUntil(t, []*source{s}, []*runtimeCollector{col}, n, 300*time.Millisecond)
			assert.Empty(t, mismatch)
			assert.Greater(t, checks.Load(), int64(n/7), "a point after each batch of 7 at least")
			assert.Equal(t, seq(0, n), col.got())
		})
	}
}

func TestSourceRestoreWinsOverStartupMode(t *testing.T) {
	bs := ckptBroker(t)
	topic := ckptTopic(t, bs, 2, nil)
	produceIDs(t, bs, topic, 2, 0, 60)
	first := instance(0, 1, true, 0)
	s := openSource(t, testContext(bs, topic, map[string]string{"scan.startup.mode": "earliest-offset"}), first)
	done := false
	col := &runtimeCollector{point: func(ids []int64) {
		if len(ids) == 60 && !done {
			require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 1}))
			done = true
		}
	}}
	runUntil(t, []*source{s}, []*runtimeCollector{col}, 60, 200*time.Millisecond)
	require.NoError(t, s.Close())
	dir := snapshot(t, first)
	produceIDs(t, bs, topic, 2, 60, 80)

	for _, mode := range []string{"earliest-offset", "latest-offset"} {
		t.Run(mode, func(t *testing.T) {
			s := openSource(t, testContext(bs, topic, map[string]string{"scan.startup.mode": mode}), instance(0, 1, true, 1, dir))
			defer s.Close()
			col := &runtimeCollector{}
			runUntil(t, []*source{s}, []*runtimeCollector{col}, 20, 300*time.Millisecond)
			assert.Equal(t, seq(60, 80), col.got())
		})
	}

	t.Run("a partition the checkpoint lacks starts at its earliest offset", func(t *testing.T) {
		// As Flink: it was created after the checkpoint, and what was
		// written to it since must not be lost to latest-offset.
		old := instance(0, 1, true, 0)
		opList(t, old, sourceStateName).Add(encodePartOffset(partOffset{key: partKey{topic, 0}, next: 30, stop: -1}))
		s := openSource(t, testContext(bs, topic, map[string]string{"scan.startup.mode": "latest-offset"}), instance(0, 1, true, 1, snapshot(t, old)))
		defer s.Close()
		col := &runtimeCollector{}
		// Partition 0 from offset 30 (ids 60..78 even), partition 1 all
		// 40 records (odd ids).
		runUntil(t, []*source{s}, []*runtimeCollector{col}, 50, 300*time.Millisecond)
		var want []int64
		for id := int64(0); id < 80; id++ {
			if id%2 == 1 || id >= 60 {
				want = append(want, id)
			}
		}
		assert.Equal(t, want, col.got())
	})
}

func TestSourceRestoreAtAnotherParallelism(t *testing.T) {
	bs := ckptBroker(t)
	const parts = 4
	topic := ckptTopic(t, bs, parts, nil)
	opts := map[string]string{"scan.startup.mode": "latest-offset"}

	// run reads with the given restored states until want rows, then
	// snapshots every subtask (checkpoint id) and returns the directories.
	run := func(t *testing.T, restored []string, parallelism int, id int64, produce func(), want []int64) []string {
		srcs := make([]*source, parallelism)
		cols := make([]*runtimeCollector, parallelism)
		ins := make([]*engine.Instance, parallelism)
		for i := range srcs {
			ins[i] = instance(i, parallelism, true, id-1, restored...)
			srcs[i] = openSource(t, testContext(bs, topic, opts), ins[i])
			cols[i] = &runtimeCollector{}
		}
		produce()
		runUntil(t, srcs, cols, len(want), 500*time.Millisecond)
		var got []int64
		for i, s := range srcs {
			ids := cols[i].got()
			for _, v := range ids {
				// The connector's assignment rule: partition p of the
				// sorted list goes to subtask p mod parallelism.
				assert.Equal(t, i, int(v%parts)%parallelism, "id %d read by subtask %d", v, i)
			}
			got = append(got, ids...)
			require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: id}))
			require.NoError(t, s.Close())
		}
		sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
		assert.Equal(t, want, got, "every partition read once")
		dirs := make([]string, parallelism)
		for i := range ins {
			dirs[i] = snapshot(t, ins[i])
		}
		return dirs
	}
	dirs := run(t, nil, 1, 1, func() { produceIDs(t, bs, topic, parts, 0, 40) }, seq(0, 40))
	dirs = run(t, dirs, 2, 2, func() { produceIDs(t, bs, topic, parts, 40, 100) }, seq(40, 100))
	dirs = run(t, dirs, 3, 3, func() { produceIDs(t, bs, topic, parts, 100, 130) }, seq(100, 130))
	run(t, dirs, 1, 4, func() { produceIDs(t, bs, topic, parts, 130, 150) }, seq(130, 150))
}

func TestIdleSourceYields(t *testing.T) {
	bs := ckptBroker(t)
	topic := ckptTopic(t, bs, 1, nil)
	for _, tc := range []struct {
		name    string
		subtask int
	}{{"waiting for records", 0}, {"without partitions", 1}} {
		t.Run(tc.name, func(t *testing.T) {
			s := openSource(t, testContext(bs, topic, map[string]string{"scan.startup.mode": "earliest-offset"}), instance(tc.subtask, 2, true, 0))
			defer s.Close()
			snapshots := 0
			last, gap := time.Now(), time.Duration(0)
			col := &runtimeCollector{}
			col.point = func([]int64) {
				// A barrier waiting at this source is taken here.
				require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: int64(snapshots + 1)}))
				snapshots++
				gap = max(gap, time.Since(last))
				last = time.Now()
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			require.ErrorIs(t, s.Run(ctx, col), context.DeadlineExceeded)
			// About every 100 ms (50 ms polls, a 100 ms ticker without
			// partitions); the bound leaves room for a loaded machine.
			assert.GreaterOrEqual(t, col.yields.Load(), int64(5))
			assert.Less(t, gap, 300*time.Millisecond, "longest time without a yield")
			assert.Equal(t, int(col.yields.Load()), snapshots)
		})
	}
}

// idBatch is a batch of rows (id, "r<id>") for ids [from, to).
func idBatch(from, to int) *vectorized.Batch {
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, {Name: "v", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for id := from; id < to; id++ {
		b.Field(0).(*array.Int64Builder).Append(int64(id))
		b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("r%d", id))
	}
	return &vectorized.Batch{Record: b.NewRecordBatch()}
}

func openSink(t *testing.T, cctx *connector.Context, in *engine.Instance) *sink {
	t.Helper()
	sk, err := Factory{}.NewSink(cctx)
	require.NoError(t, err)
	s := sk.Instance(in.RT.Subtask, in.RT.Parallelism).(*sink)
	require.NoError(t, s.Open(context.Background(), in.RT))
	return s
}

func write(t *testing.T, s *sink, from, to int) {
	t.Helper()
	b := idBatch(from, to)
	defer b.Record.Release()
	require.NoError(t, s.Write(context.Background(), b))
}

// readIDs reads every record of a topic with the given isolation level
// up to its end (the last stable offset for read_committed) and returns
// the ids, sorted.
func readIDs(t *testing.T, bs, topic, isolation string) []int64 {
	t.Helper()
	c, err := ckafka.NewConsumer(&ckafka.ConfigMap{"bootstrap.servers": bs, "group.id": randName("check"), "enable.auto.commit": false,
		"isolation.level": isolation, "enable.partition.eof": true})
	require.NoError(t, err)
	defer c.Close()
	md, err := c.GetMetadata(&topic, false, 10000)
	require.NoError(t, err)
	var tps []ckafka.TopicPartition
	for _, p := range md.Topics[topic].Partitions {
		tps = append(tps, ckafka.TopicPartition{Topic: &topic, Partition: p.ID, Offset: ckafka.OffsetBeginning})
	}
	require.NoError(t, c.Assign(tps))
	atEnd := map[int32]bool{}
	var out []int64
	deadline := time.Now().Add(30 * time.Second)
	for len(atEnd) < len(tps) {
		require.True(t, time.Now().Before(deadline), "topic %s not read to its end", topic)
		switch e := c.Poll(100).(type) {
		case *ckafka.Message:
			delete(atEnd, e.TopicPartition.Partition)
			id, err := strconv.ParseInt(strings.SplitN(string(e.Value), ",", 2)[0], 10, 64)
			require.NoError(t, err, "record %q", e.Value)
			out = append(out, id)
		case ckafka.PartitionEOF:
			atEnd[e.Partition] = true
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func TestSinkAtLeastOnceFlushesOnCheckpoint(t *testing.T) {
	bs := ckptBroker(t)
	t.Run("every record acknowledged", func(t *testing.T) {
		topic := ckptTopic(t, bs, 2, nil)
		s := openSink(t, testContext(bs, topic, map[string]string{"properties.linger.ms": "5000"}), instance(0, 1, true, 0))
		defer s.Close()
		write(t, s, 0, 500)
		// linger.ms holds the records back for 5 s unless flushed.
		start := time.Now()
		require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 1}))
		assert.Less(t, time.Since(start), 4*time.Second)
		assert.Equal(t, int64(0), s.inFlight.Load())
		assert.Equal(t, seq(0, 500), readIDs(t, bs, topic, "read_uncommitted"))
	})
	t.Run("a delivery failure fails the checkpoint", func(t *testing.T) {
		// The broker refuses record batches over 200 bytes; the client
		// does not know it.
		topic := ckptTopic(t, bs, 1, map[string]string{"max.message.bytes": "200"})
		s := openSink(t, testContext(bs, topic, nil), instance(0, 1, true, 0))
		defer s.Close()
		ids := array.NewInt64Builder(memory.DefaultAllocator)
		defer ids.Release()
		vals := array.NewStringBuilder(memory.DefaultAllocator)
		defer vals.Release()
		for i := range 3 {
			ids.Append(int64(i))
			vals.Append(strings.Repeat("x", 500))
		}
		idCol, valCol := ids.NewInt64Array(), vals.NewStringArray()
		defer idCol.Release()
		defer valCol.Release()
		schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, {Name: "v", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
		rec := array.NewRecordBatch(schema, []arrow.Array{idCol, valCol}, 3)
		defer rec.Release()
		require.NoError(t, s.Write(context.Background(), &vectorized.Batch{Record: rec}))
		err := s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 1})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "delivery to topic "+topic)
	})
}

func exactlyOnceOpts(prefix string) map[string]string {
	return map[string]string{"sink.delivery-guarantee": "exactly-once", "sink.transactional-id-prefix": prefix}
}

func TestExactlyOnceSinkCommitsOnCheckpointCompletion(t *testing.T) {
	bs := ckptBroker(t)
	topic := ckptTopic(t, bs, 3, nil)
	prefix := randName("txn")
	in := instance(0, 1, true, 0)
	s := openSink(t, testContext(bs, topic, exactlyOnceOpts(prefix)), in)
	defer s.Close()
	write(t, s, 0, 100)
	require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 1}))
	write(t, s, 100, 150) // after the barrier: the next epoch
	assert.Empty(t, readIDs(t, bs, topic, "read_committed"), "nothing before the checkpoint completes")
	require.NoError(t, s.NotifyCheckpointComplete(context.Background(), 1))
	assert.Equal(t, seq(0, 100), readIDs(t, bs, topic, "read_committed"))
	assert.Equal(t, int64(100), s.delivered.Load())

	// Checkpoint 2 is aborted: its epoch waits and is committed with
	// checkpoint 3's.
	require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 2}))
	write(t, s, 150, 170)
	require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 3}))
	assert.Len(t, s.txn.pending, 2)
	require.NoError(t, s.NotifyCheckpointComplete(context.Background(), 3))
	assert.Equal(t, seq(0, 170), readIDs(t, bs, topic, "read_committed"))
	off, run, err := s.txn.readMarker(context.Background(), 0)
	require.NoError(t, err)
	assert.Equal(t, int64(3), off)
	assert.Equal(t, s.txn.run, run)

	// At the end of input the last records wait for the final
	// checkpoint, which the runtime takes after Finish.
	write(t, s, 170, 180)
	require.NoError(t, s.Finish(context.Background()))
	assert.Equal(t, seq(0, 170), readIDs(t, bs, topic, "read_committed"))
	require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 4}))
	require.NoError(t, s.NotifyCheckpointComplete(context.Background(), 4))
	assert.Equal(t, seq(0, 180), readIDs(t, bs, topic, "read_committed"))
	assert.Empty(t, opList(t, in, sinkStateName).Get(), "a finished sink leaves nothing to replay")
}

// TestExactlyOnceSinkSurvivesACrashAtEveryPoint kills (abandons) a sink
// at each point of the checkpoint and commit cycle, restores a new one
// from the checkpoint, and reads the topic with read_committed: every
// record exactly once.
func TestExactlyOnceSinkSurvivesACrashAtEveryPoint(t *testing.T) {
	bs := ckptBroker(t)
	for _, tc := range []struct {
		name string
		// notify: whether the checkpoint-1 notification reached the
		// sink, and where its commit stopped.
		notify  bool
		crashAt string
		// restoreFrom1: the checkpoint completed (restore from it) or
		// not (restore from the empty checkpoint 0; the source replays
		// its rows, written again below).
		restoreFrom1 bool
	}{
		{"before the checkpoint completed", false, "", false},
		{"after the checkpoint completed, before the notification", false, "", true},
		{"in the commit, records produced", true, crashBeforeMarker, true},
		{"in the commit, marker sent", true, crashBeforeCommit, true},
		{"after the commit", true, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			topic := ckptTopic(t, bs, 2, nil)
			prefix := randName("txn")
			opts := exactlyOnceOpts(prefix)
			in := instance(0, 1, true, 0)
			a := openSink(t, testContext(bs, topic, opts), in)
			write(t, a, 0, 50)
			require.NoError(t, a.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 1}))
			dir := snapshot(t, in)
			write(t, a, 50, 60) // the next epoch, lost with the process
			if tc.notify {
				a.txn.crashAt = tc.crashAt
				err := a.NotifyCheckpointComplete(context.Background(), 1)
				if tc.crashAt != "" {
					require.ErrorIs(t, err, errCrash)
				} else {
					require.NoError(t, err)
				}
			}
			// a is not closed: a killed process closes nothing, and its
			// open transaction lingers until the restored sink fences it.

			restore := func() *sink {
				restored := instance(0, 1, true, 0) // a fresh start: checkpoint 1 never completed
				if tc.restoreFrom1 {
					restored = instance(0, 1, true, 1, dir)
				}
				s := openSink(t, testContext(bs, topic, opts), restored)
				if !tc.restoreFrom1 {
					write(t, s, 0, 50) // replayed by the source
				}
				return s
			}
			b := restore()
			// b dies right after its restore (it may have replayed
			// checkpoint 1's records): a second restore from the same
			// checkpoint must not write them again.
			c := restore()
			write(t, c, 50, 60)
			require.NoError(t, c.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 2}))
			require.NoError(t, c.NotifyCheckpointComplete(context.Background(), 2))
			assert.Equal(t, seq(0, 60), readIDs(t, bs, topic, "read_committed"))
			require.NoError(t, c.Close())
			b.Close()
			a.Close()
			if tc.crashAt != "" {
				// The aborted transaction was real: a read_uncommitted
				// consumer sees its records too.
				assert.Greater(t, len(readIDs(t, bs, topic, "read_uncommitted")), 60)
			}
		})
	}
}

func TestExactlyOnceSinkRestoreAtLowerParallelism(t *testing.T) {
	bs := ckptBroker(t)
	topic := ckptTopic(t, bs, 2, nil)
	prefix := randName("txn")
	opts := exactlyOnceOpts(prefix)
	var dirs []string
	var olds []*sink
	for i := range 3 {
		in := instance(i, 3, true, 0)
		s := openSink(t, testContext(bs, topic, opts), in)
		write(t, s, 100*i, 100*i+30)
		require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 1}))
		dirs = append(dirs, snapshot(t, in))
		// Subtask 0 committed; 1 died in its commit; 2 never got the
		// notification.
		switch i {
		case 0:
			require.NoError(t, s.NotifyCheckpointComplete(context.Background(), 1))
		case 1:
			s.txn.crashAt = crashBeforeCommit
			require.ErrorIs(t, s.NotifyCheckpointComplete(context.Background(), 1), errCrash)
		}
		olds = append(olds, s)
	}
	for _, par := range []int{1, 2} {
		t.Run(fmt.Sprintf("3 to %d", par), func(t *testing.T) {
			for i := range par {
				s := openSink(t, testContext(bs, topic, opts), instance(i, par, true, 1, dirs...))
				require.NoError(t, s.Close())
			}
			var want []int64
			for i := range 3 {
				want = append(want, seq(100*i, 100*i+30)...)
			}
			// Subtask 1's open transaction was fenced by its slot's new
			// owner, or read_committed would see nothing past it.
			assert.Equal(t, want, readIDs(t, bs, topic, "read_committed"))
		})
	}
	for _, s := range olds {
		s.Close()
	}
}

func TestExactlyOnceSinkWithoutCheckpoints(t *testing.T) {
	bs := ckptBroker(t)
	topic := ckptTopic(t, bs, 2, nil)
	prefix := randName("txn")
	s := openSink(t, testContext(bs, topic, exactlyOnceOpts(prefix)), instance(0, 1, false, 0))
	write(t, s, 0, 40)
	require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 1}))
	assert.Empty(t, readIDs(t, bs, topic, "read_committed"), "committed only at the end of input")
	require.NoError(t, s.Finish(context.Background()))
	require.NoError(t, s.Close())
	assert.Equal(t, seq(0, 40), readIDs(t, bs, topic, "read_committed"))

	// A job cancelled before its end aborts: its records never appear,
	// and the next job's records are not held back behind them.
	s = openSink(t, testContext(bs, topic, exactlyOnceOpts(prefix)), instance(0, 1, false, 0))
	write(t, s, 100, 140)
	require.NoError(t, s.Close())
	s = openSink(t, testContext(bs, topic, exactlyOnceOpts(prefix)), instance(0, 1, false, 0))
	write(t, s, 200, 210)
	require.NoError(t, s.Finish(context.Background()))
	require.NoError(t, s.Close())
	assert.Equal(t, append(seq(0, 40), seq(200, 210)...), readIDs(t, bs, topic, "read_committed"))
}

// BenchmarkSinkCheckpointCycle measures one checkpoint cycle of 100 000
// records per guarantee: Write, SnapshotState and NotifyCheckpointComplete
// (for exactly-once the write-ahead epoch is produced and committed in
// the notification).
func BenchmarkSinkCheckpointCycle(b *testing.B) {
	bs := os.Getenv("SLUICE_TEST_KAFKA")
	if bs == "" {
		b.Skip("SLUICE_TEST_KAFKA is not set")
	}
	const n = 100_000
	batch := idBatch(0, n)
	defer batch.Record.Release()
	for _, guarantee := range []string{"at-least-once", "exactly-once"} {
		b.Run(guarantee, func(b *testing.B) {
			topic := randName("sluice_bench")
			a, err := ckafka.NewAdminClient(&ckafka.ConfigMap{"bootstrap.servers": bs})
			require.NoError(b, err)
			defer a.Close()
			_, err = a.CreateTopics(context.Background(), []ckafka.TopicSpecification{{Topic: topic, NumPartitions: 4, ReplicationFactor: 1}})
			require.NoError(b, err)
			defer a.DeleteTopics(context.Background(), []string{topic})
			opts := map[string]string{"sink.delivery-guarantee": guarantee}
			if guarantee == "exactly-once" {
				opts["sink.transactional-id-prefix"] = randName("bench")
			}
			sk, err := Factory{}.NewSink(testContext(bs, topic, opts))
			require.NoError(b, err)
			in := instance(0, 1, true, 0)
			s := sk.Instance(0, 1).(*sink)
			require.NoError(b, s.Open(context.Background(), in.RT))
			defer s.Close()
			ctx := context.Background()
			var notify time.Duration
			b.ResetTimer()
			for i := range b.N {
				require.NoError(b, s.Write(ctx, batch))
				require.NoError(b, s.SnapshotState(ctx, engine.CheckpointInfo{ID: int64(i + 1)}))
				start := time.Now()
				require.NoError(b, s.NotifyCheckpointComplete(ctx, int64(i+1)))
				notify += time.Since(start)
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(notify.Milliseconds())/float64(b.N), "notify-ms/op")
		})
	}
}
