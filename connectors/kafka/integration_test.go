package kafka_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/sluice-stream/sluice/connectors/builtin"
	kafkaconn "github.com/sluice-stream/sluice/connectors/kafka"
	"github.com/sluice-stream/sluice/connectors/values"
	"github.com/sluice-stream/sluice/table"
)

// EnvBootstrap names the broker the integration tests use; `make test`
// starts one (scripts/services/kafka.sh) and sets it.
const EnvBootstrap = "SLUICE_TEST_KAFKA"

// broker returns the bootstrap servers, skipping the test when none is
// configured and failing it when the configured broker does not answer.
func broker(t *testing.T) string {
	t.Helper()
	bs := os.Getenv(EnvBootstrap)
	if bs == "" {
		t.Skipf("%s is not set: run `make test` (it starts Kafka) or scripts/services/kafka.sh up and set %s=127.0.0.1:9092", EnvBootstrap, EnvBootstrap)
	}
	a := admin(t, bs)
	_, err := a.GetMetadata(nil, false, 10000)
	require.NoError(t, err, "the Kafka broker at %s (%s) does not answer", bs, EnvBootstrap)
	return bs
}

func admin(t *testing.T, bs string) *ckafka.AdminClient {
	t.Helper()
	a, err := ckafka.NewAdminClient(&ckafka.ConfigMap{"bootstrap.servers": bs})
	require.NoError(t, err)
	t.Cleanup(a.Close)
	return a
}

func unique(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return prefix + "_" + hex.EncodeToString(b[:])
}

var topicSafe = regexp.MustCompile(`[^a-z0-9._-]+`)

// newTopic creates a topic with n partitions, deleted after the test.
func newTopic(t *testing.T, bs string, n int) string {
	t.Helper()
	name := unique("sluice_" + topicSafe.ReplaceAllString(strings.ToLower(t.Name()), "_"))
	a := admin(t, bs)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := a.CreateTopics(ctx, []ckafka.TopicSpecification{{Topic: name, NumPartitions: n, ReplicationFactor: 1}})
	require.NoError(t, err)
	require.Equal(t, ckafka.ErrNoError, res[0].Error.Code(), "%v", res[0].Error)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = a.DeleteTopics(ctx, []string{name})
	})
	return name
}

type msg struct {
	part  int32
	key   []byte
	value []byte
}

// produce writes messages and waits until the broker has every one.
func produce(t *testing.T, bs, topic string, msgs []msg) {
	t.Helper()
	p, err := ckafka.NewProducer(&ckafka.ConfigMap{"bootstrap.servers": bs, "acks": "all", "linger.ms": 5})
	require.NoError(t, err)
	defer p.Close()
	done := make(chan ckafka.Event, len(msgs))
	for _, m := range msgs {
		require.NoError(t, p.Produce(&ckafka.Message{
			TopicPartition: ckafka.TopicPartition{Topic: &topic, Partition: m.part},
			Key:            m.key, Value: m.value,
		}, done))
	}
	for range msgs {
		ev := <-done
		m := ev.(*ckafka.Message)
		require.NoError(t, m.TopicPartition.Error)
	}
}

// consumeAll reads every message of a topic.
func consumeAll(t *testing.T, bs, topic string) []*ckafka.Message {
	t.Helper()
	c, err := ckafka.NewConsumer(&ckafka.ConfigMap{"bootstrap.servers": bs, "group.id": unique("check"), "enable.auto.commit": false})
	require.NoError(t, err)
	defer c.Close()
	md, err := c.GetMetadata(&topic, false, 10000)
	require.NoError(t, err)
	var tps []ckafka.TopicPartition
	var total int64
	for _, p := range md.Topics[topic].Partitions {
		low, high, err := c.QueryWatermarkOffsets(topic, p.ID, 10000)
		require.NoError(t, err)
		total += high - low
		tps = append(tps, ckafka.TopicPartition{Topic: &topic, Partition: p.ID, Offset: ckafka.OffsetBeginning})
	}
	require.NoError(t, c.Assign(tps))
	var out []*ckafka.Message
	deadline := time.Now().Add(30 * time.Second)
	for int64(len(out)) < total && time.Now().Before(deadline) {
		if m, ok := c.Poll(100).(*ckafka.Message); ok {
			out = append(out, m)
		}
	}
	require.Len(t, out, int(total))
	return out
}

const logColumns = `uuid VARCHAR, client_ip VARCHAR, request_time BIGINT, response_size BIGINT, uri VARCHAR`

type logLine struct {
	uuid, ip       string
	reqTime, bytes int64
	uri            string
}

func (l logLine) csv() string {
	return fmt.Sprintf("%s,%s,%d,%d,%s", l.uuid, l.ip, l.reqTime, l.bytes, l.uri)
}

func (l logLine) row() string {
	return fmt.Sprintf("[%s, %s, %d, %d, %s]", l.uuid, l.ip, l.reqTime, l.bytes, l.uri)
}

func logLines(n int) []logLine {
	out := make([]logLine, n)
	for i := range out {
		out[i] = logLine{fmt.Sprintf("u%05d", i), fmt.Sprintf("10.%d.%d.%d", i%7, i%13, i%251), int64(1 + i%50), int64(100 * (i + 1)), fmt.Sprintf("/f/%d.js", i%9)}
	}
	return out
}

// spread puts line i on partition i mod parts.
func spread(lines []logLine, parts int) []msg {
	out := make([]msg, len(lines))
	for i, l := range lines {
		out[i] = msg{part: int32(i % parts), value: []byte(l.csv())}
	}
	return out
}

func streamingEnv(t *testing.T, parallelism int) *table.Environment {
	t.Helper()
	return table.NewEnvironment(table.Settings{Streaming: true, Config: map[string]string{
		"parallelism.default": fmt.Sprint(parallelism),
	}})
}

func ddl(t *testing.T, env *table.Environment, stmt string) {
	t.Helper()
	_, err := env.ExecuteSQL(context.Background(), stmt)
	require.NoError(t, err, stmt)
}

// rowsOf runs a bounded query and returns its rows as "[a, b]" text,
// sorted.
func rowsOf(t *testing.T, env *table.Environment, query string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := env.ExecuteSQL(ctx, query)
	require.NoError(t, err, query)
	var out []string
	for _, r := range res.Text() {
		out = append(out, "["+strings.Join(r, ", ")+"]")
	}
	sort.Strings(out)
	return out
}

func sortedRows(lines []logLine) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.row()
	}
	sort.Strings(out)
	return out
}

func TestBoundedReadOfEveryPartition(t *testing.T) {
	bs := broker(t)
	topic := newTopic(t, bs, 4)
	lines := logLines(500)
	produce(t, bs, topic, spread(lines, 4))
	for _, par := range []int{1, 3, 4, 6} {
		t.Run(fmt.Sprintf("parallelism %d", par), func(t *testing.T) {
			env := streamingEnv(t, par)
			ddl(t, env, fmt.Sprintf(`CREATE TABLE logs (%s) WITH (
				'connector' = 'kafka', 'topic' = '%s',
				'properties.bootstrap.servers' = '%s',
				'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',
				'format' = 'csv')`, logColumns, topic, bs))
			assert.Equal(t, sortedRows(lines), rowsOf(t, env, "SELECT * FROM logs"))
		})
	}
}

func TestStartupModes(t *testing.T) {
	bs := broker(t)
	topic := newTopic(t, bs, 2)
	first := logLines(40)
	produce(t, bs, topic, spread(first, 2))
	time.Sleep(50 * time.Millisecond) // distinct broker timestamps for the timestamp mode
	mid := time.Now().UnixMilli()
	time.Sleep(50 * time.Millisecond)
	second := logLines(60)[40:]
	produce(t, bs, topic, spread(second, 2))

	read := func(t *testing.T, group, opts string) []string {
		env := streamingEnv(t, 2)
		ddl(t, env, fmt.Sprintf(`CREATE TABLE logs (%s) WITH (
			'connector' = 'kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s',
			'properties.group.id' = '%s', 'format' = 'csv', 'scan.bounded.mode' = 'latest-offset', %s)`,
			logColumns, topic, bs, group, opts))
		return rowsOf(t, env, "SELECT * FROM logs")
	}
	all := append(append([]logLine{}, first...), second...)
	t.Run("earliest", func(t *testing.T) {
		assert.Equal(t, sortedRows(all), read(t, unique("g"), `'scan.startup.mode' = 'earliest-offset'`))
	})
	t.Run("latest reads nothing of the past", func(t *testing.T) {
		assert.Empty(t, read(t, unique("g"), `'scan.startup.mode' = 'latest-offset'`))
	})
	t.Run("timestamp", func(t *testing.T) {
		assert.Equal(t, sortedRows(second), read(t, unique("g"), fmt.Sprintf(`'scan.startup.mode' = 'timestamp', 'scan.startup.timestamp-millis' = '%d'`, mid)))
	})
	t.Run("specific offsets", func(t *testing.T) {
		// Partition 0 from offset 15 of its 30, partition 1 from 28 of 30.
		var want []logLine
		p0, p1 := 0, 0
		for i, l := range all {
			if i%2 == 0 {
				if p0 >= 15 {
					want = append(want, l)
				}
				p0++
			} else {
				if p1 >= 28 {
					want = append(want, l)
				}
				p1++
			}
		}
		assert.Equal(t, sortedRows(want), read(t, unique("g"), `'scan.startup.mode' = 'specific-offsets', 'scan.startup.specific-offsets' = 'partition:0,offset:15;partition:1,offset:28'`))
	})
	t.Run("group offsets resume after the committed position", func(t *testing.T) {
		// A first bounded read commits its end; the next read of the same
		// group starts there and sees only what came after.
		group := unique("g")
		assert.Equal(t, sortedRows(all), read(t, group, `'properties.auto.offset.reset' = 'earliest'`))
		more := logLines(70)[60:]
		produce(t, bs, topic, spread(more, 2))
		assert.Equal(t, sortedRows(more), read(t, group, `'scan.startup.mode' = 'group-offsets'`))
		assert.Empty(t, read(t, group, `'scan.startup.mode' = 'group-offsets'`))
		// Without commits the group's position stays.
		later := logLines(75)[70:]
		produce(t, bs, topic, spread(later, 2))
		assert.Equal(t, sortedRows(later), read(t, group, `'scan.startup.mode' = 'group-offsets', 'properties.enable.auto.commit' = 'false'`))
		assert.Equal(t, sortedRows(later), read(t, group, `'scan.startup.mode' = 'group-offsets'`))
	})
}

func TestUnboundedReadAfterRunning(t *testing.T) {
	bs := broker(t)
	topic := newTopic(t, bs, 4)
	env := streamingEnv(t, 2)
	sinkID := unique("sink")
	defer values.Reset(sinkID)
	// No startup mode and no group, as in the seed's DDL: the source
	// starts at the end of each partition, fixed while the job opens.
	ddl(t, env, fmt.Sprintf(`CREATE TABLE logs (%s) WITH (
		'connector' = 'kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s', 'format' = 'csv')`, logColumns, topic, bs))
	ddl(t, env, fmt.Sprintf(`CREATE TABLE collected (%s) WITH ('connector' = 'values', 'sink-id' = '%s')`, logColumns, sinkID))
	produce(t, bs, topic, spread(logLines(10), 4)) // before the job: not read
	job, err := env.Submit(context.Background(), "INSERT INTO collected SELECT * FROM logs")
	require.NoError(t, err)
	defer job.Cancel()
	select {
	case <-job.Running():
	case <-job.Done():
		_, err := job.Wait()
		t.Fatalf("job ended before running: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("job not running after 60 s")
	}
	lines := logLines(300)[10:]
	produce(t, bs, topic, spread(lines, 4))
	require.Eventually(t, func() bool { return len(values.Collected(sinkID).Rows()) >= len(lines) }, 60*time.Second, 20*time.Millisecond)
	job.Cancel()
	_, err = job.Wait()
	require.ErrorIs(t, err, context.Canceled)
	var got []string
	for _, r := range values.Collected(sinkID).Rows() {
		got = append(got, r.String())
	}
	sort.Strings(got)
	want := make([]string, len(lines))
	for i, l := range lines {
		want[i] = "+I" + l.row()
	}
	sort.Strings(want)
	assert.Equal(t, want, got)
}

func TestMalformedRecords(t *testing.T) {
	bs := broker(t)
	topic := newTopic(t, bs, 4)
	lines := logLines(40)
	msgs := spread(lines, 4)
	// Offset 3 of partition 2 holds a bad request_time.
	bad := msg{part: 2, value: []byte("bad-uuid,1.1.1.1,notanumber,5,/x")}
	msgs = append(msgs[:14], append([]msg{bad}, msgs[14:]...)...)
	produce(t, bs, topic, msgs)

	table := func(extra string) string {
		return fmt.Sprintf(`CREATE TABLE logs (%s) WITH (
			'connector' = 'kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s',
			'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',
			'format' = 'csv' %s)`, logColumns, topic, bs, extra)
	}
	t.Run("skipped and counted", func(t *testing.T) {
		env := streamingEnv(t, 2)
		ddl(t, env, table(`, 'csv.ignore-parse-errors' = 'true'`))
		sinkID := unique("sink")
		defer values.Reset(sinkID)
		ddl(t, env, fmt.Sprintf(`CREATE TABLE collected (%s) WITH ('connector' = 'values', 'sink-id' = '%s')`, logColumns, sinkID))
		res, err := env.ExecuteSQL(context.Background(), "INSERT INTO collected SELECT * FROM logs")
		require.NoError(t, err)
		assert.Len(t, values.Collected(sinkID).Rows(), len(lines))
		skipped := int64(0)
		for _, m := range res.Job.Metrics {
			skipped += m.Counters[kafkaconn.CounterSkipped]
		}
		assert.Equal(t, int64(1), skipped)
	})
	t.Run("fails naming the offset", func(t *testing.T) {
		env := streamingEnv(t, 2)
		ddl(t, env, table(""))
		_, err := env.ExecuteSQL(context.Background(), "SELECT * FROM logs")
		require.Error(t, err)
		msg := err.Error()
		assert.Contains(t, msg, fmt.Sprintf("topic %s, partition 2, offset 3", topic))
		assert.Contains(t, msg, "request_time")
		assert.Contains(t, msg, `"bad-uuid,1.1.1.1,notanumber,5,/x"`)
	})
}

func TestSinkRoundTrip(t *testing.T) {
	bs := broker(t)
	for _, tc := range []struct {
		name, opts, readOpts string
		check                func(t *testing.T, msgs []*ckafka.Message)
	}{
		{"csv round-robin", `'format' = 'csv', 'sink.partitioner' = 'round-robin'`, `'format' = 'csv', 'scan.parallelism' = '2'`, func(t *testing.T, msgs []*ckafka.Message) {
			per := map[int32]int{}
			for _, m := range msgs {
				per[m.TopicPartition.Partition]++
				assert.Nil(t, m.Key)
			}
			assert.Len(t, per, 3, "round-robin uses every partition")
		}},
		{"json with key", `'value.format' = 'json', 'key.format' = 'csv', 'key.fields' = 'uuid'`, `'value.format' = 'json', 'key.format' = 'csv', 'key.fields' = 'uuid'`, func(t *testing.T, msgs []*ckafka.Message) {
			for _, m := range msgs {
				require.NotNil(t, m.Key)
				assert.Contains(t, string(m.Value), `"uuid":"`+string(m.Key)+`"`)
			}
		}},
		{"raw key, value except key", `'value.format' = 'json', 'key.format' = 'raw', 'key.fields' = 'uuid', 'value.fields-include' = 'EXCEPT_KEY'`,
			`'value.format' = 'json', 'key.format' = 'raw', 'key.fields' = 'uuid', 'value.fields-include' = 'EXCEPT_KEY'`, func(t *testing.T, msgs []*ckafka.Message) {
				for _, m := range msgs {
					assert.Regexp(t, `^u\d{5}$`, string(m.Key))
					assert.NotContains(t, string(m.Value), "uuid")
					assert.Contains(t, string(m.Value), `"client_ip":"10.`)
				}
			}},
		{"fixed", `'format' = 'csv', 'sink.partitioner' = 'fixed'`, `'format' = 'csv'`, func(t *testing.T, msgs []*ckafka.Message) {
			for _, m := range msgs {
				assert.Equal(t, int32(0), m.TopicPartition.Partition, "one subtask writes partition 0")
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			topic := newTopic(t, bs, 3)
			lines := logLines(120)
			var rows []string
			for _, l := range lines {
				rows = append(rows, fmt.Sprintf("+I['%s', '%s', %d, %d, '%s']", l.uuid, l.ip, l.reqTime, l.bytes, l.uri))
			}
			env := streamingEnv(t, 1)
			ddl(t, env, fmt.Sprintf(`CREATE TABLE src (%s) WITH ('connector' = 'values', 'data' = '%s')`, logColumns, strings.ReplaceAll(strings.Join(rows, "\n"), "'", "''")))
			ddl(t, env, fmt.Sprintf(`CREATE TABLE collected (%s) WITH ('connector' = 'kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s', %s)`, logColumns, topic, bs, tc.opts))
			res, err := env.ExecuteSQL(context.Background(), "INSERT INTO collected SELECT * FROM src")
			require.NoError(t, err)
			delivered := int64(0)
			for _, m := range res.Job.Metrics {
				delivered += m.Counters[kafkaconn.CounterDelivered]
			}
			assert.Equal(t, int64(len(lines)), delivered)
			msgs := consumeAll(t, bs, topic)
			tc.check(t, msgs)
			// Read back through the connector itself.
			back := streamingEnv(t, 2)
			ddl(t, back, fmt.Sprintf(`CREATE TABLE logs (%s) WITH ('connector' = 'kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s',
				'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', %s)`, logColumns, topic, bs, tc.readOpts))
			assert.Equal(t, sortedRows(lines), rowsOf(t, back, "SELECT * FROM logs"))
		})
	}
}

func TestBadOptions(t *testing.T) {
	env := streamingEnv(t, 1)
	for _, tc := range []struct{ opts, want string }{
		{`'topic' = 't', 'format' = 'csv'`, "properties.bootstrap.servers' is required"},
		{`'topic' = 't', 'properties.bootstrap.servers' = 'x', 'format' = 'csv', 'scan.startup.mode' = 'newest'`, "scan.startup.mode = 'newest' is not one of earliest-offset, latest-offset, group-offsets, timestamp, specific-offsets"},
		{`'topic' = 't', 'properties.bootstrap.servers' = 'x', 'format' = 'csv', 'scan.startup.mode' = 'timestamp'`, "needs 'scan.startup.timestamp-millis'"},
		{`'topic' = 't', 'properties.bootstrap.servers' = 'x', 'format' = 'csv', 'scan.startup.mode' = 'specific-offsets', 'scan.startup.specific-offsets' = 'partition:0;offset:1'`, "is not 'partition:<n>,offset:<n>'"},
		{`'topic' = 't', 'properties.bootstrap.servers' = 'x', 'format' = 'xml'`, `no format "xml"`},
		{`'topic' = 't', 'properties.bootstrap.servers' = 'x', 'format' = 'parquet'`, `format = 'parquet' is a file format; a Kafka record takes a row format: csv, json, raw`},
		{`'topic' = 't', 'properties.bootstrap.servers' = 'x', 'format' = 'csv', 'csv.field-delimeter' = ';'`, "does not support option 'csv.field-delimeter'"},
		{`'topic' = 't', 'properties.bootstrap.servers' = 'x', 'format' = 'csv', 'key.fields' = 'nope', 'key.format' = 'csv'`, "key.fields = 'nope' names column nope"},
		{`'topic' = 't', 'properties.bootstrap.servers' = 'x', 'format' = 'csv', 'scan.bounded.mode' = 'group-offsets'`, "group-offsets needs a consumer group"},
	} {
		name := unique("t")
		ddl(t, env, fmt.Sprintf(`CREATE TABLE %s (%s) WITH ('connector' = 'kafka', %s)`, name, logColumns, tc.opts))
		_, err := env.ExecuteSQL(context.Background(), "SELECT * FROM "+name)
		require.Error(t, err, tc.opts)
		assert.Contains(t, err.Error(), tc.want)
	}
}

func TestLegacyDDLNamesUnknownKeys(t *testing.T) {
	env := streamingEnv(t, 1)
	ddl(t, env, `CREATE TABLE t (a INT) WITH ('connector.type' = 'kafka', 'connector.version' = 'universal',
		'connector.topic' = 'x', 'connector.properties.bootstrap.servers' = 'localhost:9092', 'connector.startup' = 'earliest',
		'format.type' = 'csv')`)
	_, err := env.ExecuteSQL(context.Background(), "SELECT * FROM t")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "does not support legacy option 'connector.startup'; supported legacy options: connector.type, format.type, format.*, connector.properties.*")
}

// readCommitted reads a topic to its last stable offset as a
// read_committed consumer and returns the values, sorted.
func readCommitted(t *testing.T, bs, topic string) []string {
	t.Helper()
	c, err := ckafka.NewConsumer(&ckafka.ConfigMap{"bootstrap.servers": bs, "group.id": unique("check"), "enable.auto.commit": false,
		"isolation.level": "read_committed", "enable.partition.eof": true})
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
	var out []string
	deadline := time.Now().Add(30 * time.Second)
	for len(atEnd) < len(tps) {
		require.True(t, time.Now().Before(deadline), "topic %s not read to its end", topic)
		switch e := c.Poll(100).(type) {
		case *ckafka.Message:
			delete(atEnd, e.TopicPartition.Partition)
			out = append(out, string(e.Value))
		case ckafka.PartitionEOF:
			atEnd[e.Partition] = true
		}
	}
	sort.Strings(out)
	return out
}

// TestCheckpointedJobExactlyOnce runs Kafka → Kafka with checkpoints and
// an exactly-once sink, stops it, and starts it again from its latest
// checkpoint: the output, read with read_committed, holds every input
// record once, and the source's group follows the completed checkpoints.
func TestCheckpointedJobExactlyOnce(t *testing.T) {
	bs := broker(t)
	in := newTopic(t, bs, 4)
	out := newTopic(t, bs, 2)
	group, prefix := unique("g"), unique("txn")
	dir := t.TempDir()
	lines := logLines(700)
	want := func(n int) []string {
		var w []string
		for _, l := range lines[:n] {
			w = append(w, l.csv())
		}
		sort.Strings(w)
		return w
	}
	run := func(from, to int) {
		env := table.NewEnvironment(table.Settings{Streaming: true, Config: map[string]string{
			"parallelism.default":              "2",
			"execution.checkpointing.interval": "200ms",
			"state.checkpoints.dir":            dir,
			"sluice.restore":                   "latest",
		}})
		ddl(t, env, fmt.Sprintf(`CREATE TABLE src (%s) WITH ('connector' = 'kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s',
			'properties.group.id' = '%s', 'scan.startup.mode' = 'earliest-offset', 'format' = 'csv')`, logColumns, in, bs, group))
		ddl(t, env, fmt.Sprintf(`CREATE TABLE dst (%s) WITH ('connector' = 'kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s',
			'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = '%s', 'format' = 'csv')`, logColumns, out, bs, prefix))
		job, err := env.Submit(context.Background(), "INSERT INTO dst SELECT * FROM src")
		require.NoError(t, err)
		defer job.Cancel()
		produce(t, bs, in, spread(lines[from:to], 4))
		require.Eventually(t, func() bool { return len(readCommitted(t, bs, out)) >= to }, 60*time.Second, 200*time.Millisecond)
		// The group's offsets reach the input's end once a checkpoint
		// after the last record completes.
		require.Eventually(t, func() bool {
			c, err := ckafka.NewConsumer(&ckafka.ConfigMap{"bootstrap.servers": bs, "group.id": group})
			require.NoError(t, err)
			defer c.Close()
			var tps []ckafka.TopicPartition
			for p := range 4 {
				tps = append(tps, ckafka.TopicPartition{Topic: &in, Partition: int32(p)})
			}
			got, err := c.Committed(tps, 10000)
			require.NoError(t, err)
			sum := int64(0)
			for _, tp := range got {
				sum += max(int64(tp.Offset), 0)
			}
			return sum == int64(to)
		}, 30*time.Second, 100*time.Millisecond)
		job.Cancel()
		_, err = job.Wait()
		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, want(to), readCommitted(t, bs, out))
	}
	run(0, 400)
	// Started again from its latest checkpoint: nothing read twice,
	// nothing committed twice.
	run(400, 700)
}

// envKillChild makes TestKilledJobExactlyOnceChild run the job; the
// parent test passes the job's topics, group, prefix and directory.
const envKillChild = "SLUICE_KAFKA_KILL_CHILD"

// TestKilledJobExactlyOnceChild is the process TestKilledJobExactlyOnce
// kills: a checkpointed Kafka → Kafka job with an exactly-once sink that
// starts from its latest checkpoint and runs until it is killed.
func TestKilledJobExactlyOnceChild(t *testing.T) {
	args := strings.Split(os.Getenv(envKillChild), ",")
	if len(args) != 6 {
		t.Skip("run by TestKilledJobExactlyOnce")
	}
	bs, in, out, group, prefix, dir := args[0], args[1], args[2], args[3], args[4], args[5]
	env := table.NewEnvironment(table.Settings{Streaming: true, Config: map[string]string{
		"parallelism.default":              "2",
		"execution.checkpointing.interval": "100ms",
		"state.checkpoints.dir":            dir,
		"sluice.restore":                   "latest",
	}})
	ddl(t, env, fmt.Sprintf(`CREATE TABLE src (%s) WITH ('connector' = 'kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s',
		'properties.group.id' = '%s', 'scan.startup.mode' = 'earliest-offset', 'format' = 'csv')`, logColumns, in, bs, group))
	ddl(t, env, fmt.Sprintf(`CREATE TABLE dst (%s) WITH ('connector' = 'kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s',
		'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = '%s', 'format' = 'csv')`, logColumns, out, bs, prefix))
	_, err := env.ExecuteSQL(context.Background(), "INSERT INTO dst SELECT * FROM src")
	t.Fatalf("the job ended: %v", err)
}

// TestKilledJobExactlyOnce kills a Kafka → Kafka job with SIGKILL at
// random moments while its input grows and starts it again from its
// latest checkpoint each time; at the end the output, read with
// read_committed, holds every input record exactly once.
// SLUICE_KAFKA_KILLS sets the number of kills (default 5).
func TestKilledJobExactlyOnce(t *testing.T) {
	bs := broker(t)
	kills := 5
	if v := os.Getenv("SLUICE_KAFKA_KILLS"); v != "" {
		var err error
		kills, err = strconv.Atoi(v)
		require.NoError(t, err)
	}
	in := newTopic(t, bs, 4)
	out := newTopic(t, bs, 2)
	group, prefix := unique("g"), unique("txn")
	dir := t.TempDir()
	lines := logLines(4000)

	// The input grows while the job is killed and restarted.
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		for i := 0; i < len(lines); i += 100 {
			produce(t, bs, in, spread(lines[i:i+100], 4))
			time.Sleep(time.Duration(kills) * 40 * time.Millisecond)
		}
	}()
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestKilledJobExactlyOnceChild$", "-test.count", "1")
		cmd.Env = append(os.Environ(), envKillChild+"="+strings.Join([]string{bs, in, out, group, prefix, dir}, ","))
		var logs strings.Builder
		cmd.Stdout, cmd.Stderr = &logs, &logs
		require.NoError(t, cmd.Start())
		t.Cleanup(func() {
			if cmd.ProcessState == nil {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
			}
		})
		return cmd
	}
	var b [8]byte
	for k := range kills {
		cmd := start()
		_, _ = rand.Read(b[:])
		wait := 300*time.Millisecond + time.Duration(uint64(b[0])<<8|uint64(b[1]))%1500*time.Millisecond
		time.Sleep(wait)
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		_ = cmd.Wait()
		t.Logf("kill %d after %v: %d records committed", k+1, wait, len(readCommitted(t, bs, out)))
	}
	<-fed
	cmd := start()
	deadline := time.Now().Add(90 * time.Second)
	var got []string
	for {
		got = readCommitted(t, bs, out)
		if len(got) >= len(lines) || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // a duplicate committed late would show
	got = readCommitted(t, bs, out)
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	want := make([]string, len(lines))
	for i, l := range lines {
		want[i] = l.csv()
	}
	sort.Strings(want)
	lost, doubled := 0, 0
	count := map[string]int{}
	for _, v := range got {
		count[v]++
	}
	for _, v := range want {
		switch n := count[v]; {
		case n == 0:
			lost++
		case n > 1:
			doubled += n - 1
		}
	}
	assert.Zero(t, lost, "records lost")
	assert.Zero(t, doubled, "records doubled")
	assert.Equal(t, want, got)
}

// TestCheckpointedBoundedJobExactlyOnce: a bounded read into an
// exactly-once sink with checkpoints ends with the job's final
// checkpoint, which commits the last records and the last offsets.
func TestCheckpointedBoundedJobExactlyOnce(t *testing.T) {
	bs := broker(t)
	in := newTopic(t, bs, 3)
	out := newTopic(t, bs, 2)
	group := unique("g")
	lines := logLines(300)
	produce(t, bs, in, spread(lines, 3))
	env := table.NewEnvironment(table.Settings{Streaming: true, Config: map[string]string{
		"parallelism.default":              "2",
		"execution.checkpointing.interval": "10s", // only the final checkpoint, in practice
		"state.checkpoints.dir":            t.TempDir(),
	}})
	ddl(t, env, fmt.Sprintf(`CREATE TABLE src (%s) WITH ('connector' = 'kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s',
		'properties.group.id' = '%s', 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'format' = 'csv')`, logColumns, in, bs, group))
	ddl(t, env, fmt.Sprintf(`CREATE TABLE dst (%s) WITH ('connector' = 'kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s',
		'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = '%s', 'format' = 'csv')`, logColumns, out, bs, unique("txn")))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, err := env.ExecuteSQL(ctx, "INSERT INTO dst SELECT * FROM src")
	require.NoError(t, err)
	var want []string
	for _, l := range lines {
		want = append(want, l.csv())
	}
	sort.Strings(want)
	assert.Equal(t, want, readCommitted(t, bs, out))
	c, err := ckafka.NewConsumer(&ckafka.ConfigMap{"bootstrap.servers": bs, "group.id": group})
	require.NoError(t, err)
	defer c.Close()
	got, err := c.Committed([]ckafka.TopicPartition{{Topic: &in, Partition: 0}, {Topic: &in, Partition: 1}, {Topic: &in, Partition: 2}}, 10000)
	require.NoError(t, err)
	for _, tp := range got {
		assert.Equal(t, ckafka.Offset(100), tp.Offset, "partition %d", tp.Partition)
	}
}
