package kafka

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
)

// upsertContext is an upsert-kafka table (id BIGINT primary key, v STRING).
func upsertContext(bs, topic string, opts map[string]string) *connector.Context {
	o := map[string]string{"connector": UpsertIdentifier, "topic": topic, "properties.bootstrap.servers": bs,
		"key.format": "csv", "value.format": "csv"}
	for k, v := range opts {
		o[k] = v
	}
	return &connector.Context{Table: "t", Columns: idCols, PrimaryKey: []int{0}, Options: o, Config: engine.Config{engine.ConfigBatchSize: "7"}}
}

func openUpsertSink(t *testing.T, cctx *connector.Context, in *engine.Instance) *sink {
	t.Helper()
	sk, err := UpsertFactory{}.NewSink(cctx)
	require.NoError(t, err)
	s := sk.Instance(in.RT.Subtask, in.RT.Parallelism).(*sink)
	require.NoError(t, s.Open(context.Background(), in.RT))
	return s
}

// TestUpsertSinkBufferIntoExactlyOnceEpochs: with exactly-once and a
// buffer, a checkpoint's epoch holds one record per key (the last), the
// records are visible only once the checkpoint completes, and an epoch
// that was checkpointed but not committed is written once by the restored
// sink.
func TestUpsertSinkBufferIntoExactlyOnceEpochs(t *testing.T) {
	bs := ckptBroker(t)
	topic := ckptTopic(t, bs, 3, nil)
	opts := exactlyOnceOpts(randName("txn"))
	opts[OptionBufferMaxRows], opts[OptionBufferInterval] = "1000", "1h"
	in := instance(0, 1, true, 0)
	a := openUpsertSink(t, upsertContext(bs, topic, opts), in)
	write(t, a, 0, 10)
	write(t, a, 0, 10) // the same keys again: the buffer keeps one each
	assert.Len(t, a.buf.recs, 10)
	require.NoError(t, a.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 1}))
	assert.Empty(t, a.buf.recs, "the checkpoint took the buffer")
	assert.Empty(t, readIDs(t, bs, topic, "read_committed"))
	require.NoError(t, a.NotifyCheckpointComplete(context.Background(), 1))
	assert.Equal(t, seq(0, 10), readIDs(t, bs, topic, "read_committed"))

	write(t, a, 10, 20)
	require.NoError(t, a.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 2}))
	dir := snapshot(t, in)
	// Killed before checkpoint 2's notification: the restored sink
	// writes its epoch, once, even when restored twice.
	for range 2 {
		b := openUpsertSink(t, upsertContext(bs, topic, opts), instance(0, 1, true, 2, dir))
		b.Close()
	}
	assert.Equal(t, seq(0, 20), readIDs(t, bs, topic, "read_committed"))
}

// TestUpsertSinkIntervalFlush: an at-least-once buffer is flushed by its
// timer, without a checkpoint; a full buffer flushes at once.
func TestUpsertSinkIntervalFlush(t *testing.T) {
	bs := ckptBroker(t)
	for _, tc := range []struct {
		name, rows, interval string
		n                    int
	}{
		{"by time", "1000", "100ms", 9},
		{"by size", "5", "1h", 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			topic := ckptTopic(t, bs, 2, nil)
			s := openUpsertSink(t, upsertContext(bs, topic, map[string]string{OptionBufferMaxRows: tc.rows, OptionBufferInterval: tc.interval}), instance(0, 1, false, 0))
			defer s.Close()
			write(t, s, 0, 9)
			require.Eventually(t, func() bool { return len(readIDs(t, bs, topic, "read_uncommitted")) >= tc.n }, 10*time.Second, 100*time.Millisecond)
			assert.Equal(t, seq(0, tc.n), readIDs(t, bs, topic, "read_uncommitted"))
		})
	}
}
