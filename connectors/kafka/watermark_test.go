package kafka_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/table"
)

// Four partitions, each in event-time order, read from their backlog by
// one subtask: librdkafka hands over a partition's records in large runs,
// one partition ahead of another, so only watermarks per partition leave
// every row on time. Every 10-second window then counts all its rows.
func TestWatermarksPerPartition(t *testing.T) {
	bs := broker(t)
	const parts, perPart = 4, 3000
	topic := newTopic(t, bs, parts)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var msgs []msg
	for p := 0; p < parts; p++ {
		for j := 0; j < perPart; j++ {
			ts := base.Add(time.Duration(j) * time.Second).Format("2006-01-02 15:04:05")
			msgs = append(msgs, msg{part: int32(p), value: []byte(fmt.Sprintf("%d,%s", p, ts))})
		}
	}
	produce(t, bs, topic, msgs)

	// Small batches and a watermark after each: a subtask-wide watermark
	// would run ahead of the partitions not read yet.
	env := table.NewEnvironment(table.Settings{Streaming: true, Config: map[string]string{
		"parallelism.default": "1", "sluice.exec.batch-size": "500", "pipeline.auto-watermark-interval": "0",
	}})
	ddl(t, env, fmt.Sprintf(`CREATE TABLE ev (p INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH (
		'connector' = 'kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s',
		'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'format' = 'csv')`, topic, bs))
	q, err := env.SQLQuery("SELECT * FROM ev")
	require.NoError(t, err)
	plan, err := q.Explain()
	require.NoError(t, err)
	assert.Contains(t, plan, "watermarks per partition")
	assert.NotContains(t, plan, "WatermarkAssigner")

	rows := rowsOf(t, env, `SELECT COUNT(*) AS n FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '10' SECOND))
		GROUP BY window_start, window_end`)
	require.Len(t, rows, perPart/10)
	for _, r := range rows {
		assert.Equal(t, fmt.Sprintf("[%d]", parts*10), r, "a window lost rows to lateness")
	}
}
