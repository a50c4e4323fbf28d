package kafka

import (
	"context"
	"fmt"
	"strings"
	"testing"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/vectorized"
)

// TestBatchBytesCap: 10 KB records are read in batches under
// sluice.exec.batch-bytes (at most one row over), where the row count
// alone would make 100 MB batches.
func TestBatchBytesCap(t *testing.T) {
	bs := ckptBroker(t)
	topic := ckptTopic(t, bs, 1, nil)
	const rows, capBytes = 1500, 256 << 10
	pad := strings.Repeat("x", 10<<10)
	p, perr := ckafka.NewProducer(&ckafka.ConfigMap{"bootstrap.servers": bs, "acks": "all", "linger.ms": 5})
	require.NoError(t, perr)
	done := make(chan ckafka.Event, rows)
	for i := range rows {
		require.NoError(t, p.Produce(&ckafka.Message{TopicPartition: ckafka.TopicPartition{Topic: &topic, Partition: 0},
			Value: []byte(fmt.Sprintf("%d,%06d%s", i, i, pad))}, done))
	}
	for range rows {
		require.NoError(t, (<-done).(*ckafka.Message).TopicPartition.Error)
	}
	p.Close()

	cctx := testContext(bs, topic, map[string]string{"scan.startup.mode": "earliest-offset", "scan.bounded.mode": "latest-offset"})
	cctx.Config = engine.Config{engine.ConfigBatchBytes: fmt.Sprint(capBytes)}
	src, err := Factory{}.NewSource(cctx)
	require.NoError(t, err)
	s := src.Instance(0, 1)
	in := instance(0, 1, false, 0)
	require.NoError(t, s.Open(context.Background(), in.RT))
	var sizes []int
	total := 0
	require.NoError(t, s.Run(context.Background(), engine.CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
		sizes = append(sizes, vectorized.RecordBytes(b.Record))
		total += int(b.NumRows())
		return nil
	})))
	require.NoError(t, s.Close())
	assert.Equal(t, rows, total)
	for i, n := range sizes {
		assert.LessOrEqual(t, n, capBytes+11<<10, "batch %d", i)
	}
	assert.GreaterOrEqual(t, len(sizes), rows*(10<<10)/capBytes, "batches are cut by bytes")
}
