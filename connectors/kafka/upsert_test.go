package kafka_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/connectors/values"
	"github.com/sluice-stream/sluice/table"
)

// changelog is a values source producing inserts, an update of key a and
// a delete of key b.
const changelog = `+I[a, 1]; +I[b, 2]; -U[a, 1]; +U[a, 5]; -D[b, 2]; +I[c, 3]`

// keyed is one record of an upsert topic, as read back.
type keyed struct {
	key, value string
	tombstone  bool
	part       int32
}

// readKeyed reads a topic to its end as a read_committed consumer (so
// transaction markers and aborted records are skipped), partition by
// partition in offset order.
func readKeyed(t *testing.T, bs, topic string) []keyed {
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
	var out []keyed
	for deadline := time.Now().Add(30 * time.Second); len(atEnd) < len(tps); {
		require.True(t, time.Now().Before(deadline), "topic %s not read to its end", topic)
		switch e := c.Poll(100).(type) {
		case *ckafka.Message:
			delete(atEnd, e.TopicPartition.Partition)
			out = append(out, keyed{key: string(e.Key), value: string(e.Value), tombstone: e.Value == nil, part: e.TopicPartition.Partition})
		case ckafka.PartitionEOF:
			atEnd[e.Partition] = true
		}
	}
	return out
}

// perKey groups records by key, in offset order within the key (one key
// is on one partition, so its records are ordered).
func perKey(t *testing.T, recs []keyed) map[string][]keyed {
	t.Helper()
	out := map[string][]keyed{}
	for _, r := range recs {
		if prev := out[r.key]; len(prev) > 0 {
			require.Equal(t, prev[0].part, r.part, "every record of key %s on one partition", r.key)
		}
		out[r.key] = append(out[r.key], r)
	}
	return out
}

func TestUpsertKafkaSinkWritesTheChangelogByKey(t *testing.T) {
	bs := broker(t)
	for _, tc := range []struct {
		name, cols, opts string
		// want is each key's records in order, "" for a tombstone.
		want map[string][]string
	}{
		{"csv key, json value", `id STRING, v BIGINT`, `'key.format' = 'csv', 'value.format' = 'json'`, map[string][]string{
			"a": {`{"id":"a","v":1}`, `{"id":"a","v":5}`},
			"b": {`{"id":"b","v":2}`, ""},
			"c": {`{"id":"c","v":3}`},
		}},
		{"json key with prefix, value except key", `k_id STRING, v BIGINT`,
			`'key.format' = 'json', 'value.format' = 'csv', 'key.fields-prefix' = 'k_', 'value.fields-include' = 'EXCEPT_KEY'`, map[string][]string{
				`{"id":"a"}`: {"1", "5"},
				`{"id":"b"}`: {"2", ""},
				`{"id":"c"}`: {"3"},
			}},
		{"buffer keeps the last change per key", `id STRING, v BIGINT`,
			`'key.format' = 'raw', 'value.format' = 'csv', 'sink.buffer-flush.max-rows' = '100', 'sink.buffer-flush.interval' = '1h'`, map[string][]string{
				"a": {"a,5"},
				"b": {""},
				"c": {"c,3"},
			}},
		{"full buffer flushes", `id STRING, v BIGINT`,
			`'key.format' = 'raw', 'value.format' = 'csv', 'sink.buffer-flush.max-rows' = '1', 'sink.buffer-flush.interval' = '1h'`, map[string][]string{
				"a": {"a,1", "a,5"},
				"b": {"b,2", ""},
				"c": {"c,3"},
			}},
		{"exactly-once without checkpoints", `id STRING, v BIGINT`,
			fmt.Sprintf(`'key.format' = 'raw', 'value.format' = 'csv', 'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = '%s'`, unique("txn")), map[string][]string{
				"a": {"a,1", "a,5"},
				"b": {"b,2", ""},
				"c": {"c,3"},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			topic := newTopic(t, bs, 3)
			env := streamingEnv(t, 2)
			ddl(t, env, fmt.Sprintf(`CREATE TABLE src (%s) WITH ('connector' = 'values', 'changelog-mode' = 'I,UB,UA,D', 'data' = '%s')`, tc.cols, changelog))
			ddl(t, env, fmt.Sprintf(`CREATE TABLE dst (%s, PRIMARY KEY (%s) NOT ENFORCED) WITH ('connector' = 'upsert-kafka', 'topic' = '%s',
				'properties.bootstrap.servers' = '%s', %s)`, tc.cols, firstCol(tc.cols), topic, bs, tc.opts))
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			_, err := env.ExecuteSQL(ctx, "INSERT INTO dst SELECT * FROM src")
			require.NoError(t, err)
			got := map[string][]string{}
			for k, recs := range perKey(t, readKeyed(t, bs, topic)) {
				for _, r := range recs {
					if r.tombstone {
						got[k] = append(got[k], "")
						continue
					}
					require.NotEmpty(t, r.value)
					got[k] = append(got[k], r.value)
				}
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func firstCol(cols string) string {
	name, _, _ := strings.Cut(cols, " ")
	return name
}

// TestUpsertKafkaGroupByIntoTopic: the updating result of a GROUP BY goes
// to an upsert-kafka table, whose last record per key is the final
// aggregate; the -U rows are not written.
func TestUpsertKafkaGroupByIntoTopic(t *testing.T) {
	bs := broker(t)
	topic := newTopic(t, bs, 4)
	env := streamingEnv(t, 2)
	var rows []string
	want := map[string][2]int64{}
	for i := range 300 {
		k := fmt.Sprintf("k%d", i%7)
		rows = append(rows, fmt.Sprintf("+I[%s, %d]", k, i))
		w := want[k]
		want[k] = [2]int64{w[0] + 1, w[1] + int64(i)}
	}
	ddl(t, env, fmt.Sprintf(`CREATE TABLE src (k STRING, x BIGINT) WITH ('connector' = 'values', 'data' = '%s')`, strings.Join(rows, ";")))
	ddl(t, env, fmt.Sprintf(`CREATE TABLE totals (k STRING, cnt BIGINT, total BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'upsert-kafka',
		'topic' = '%s', 'properties.bootstrap.servers' = '%s', 'key.format' = 'raw', 'value.format' = 'csv', 'value.fields-include' = 'EXCEPT_KEY')`, topic, bs))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, err := env.ExecuteSQL(ctx, "INSERT INTO totals SELECT k, COUNT(*), SUM(x) FROM src GROUP BY k")
	require.NoError(t, err)
	got := map[string][2]int64{}
	for k, recs := range perKey(t, readKeyed(t, bs, topic)) {
		last := recs[len(recs)-1]
		require.False(t, last.tombstone)
		var v [2]int64
		_, err := fmt.Sscanf(last.value, "%d,%d", &v[0], &v[1])
		require.NoError(t, err, last.value)
		got[k] = v
	}
	assert.Equal(t, want, got)
}

// TestUpsertKafkaOptionErrors needs no broker: every mistake is caught
// while the statement is planned.
func TestUpsertKafkaOptionErrors(t *testing.T) {
	const base = `'topic' = 't', 'properties.bootstrap.servers' = 'localhost:1'`
	for _, tc := range []struct {
		name, pk, opts, want string
	}{
		{"no primary key", "", base + `, 'key.format' = 'csv', 'value.format' = 'csv'`,
			"'upsert-kafka' tables require to define a PRIMARY KEY constraint"},
		{"no key format", "k", base + `, 'value.format' = 'csv'`, "key.format"},
		{"no value format", "k", base + `, 'key.format' = 'csv'`, "value.format"},
		{"format is not an option", "k", base + `, 'key.format' = 'csv', 'value.format' = 'csv', 'format' = 'csv'`, "does not support option 'format'"},
		{"key.fields is the primary key", "k", base + `, 'key.format' = 'csv', 'value.format' = 'csv', 'key.fields' = 'k'`, "does not support option 'key.fields'"},
		{"no scan.startup.mode", "k", base + `, 'key.format' = 'csv', 'value.format' = 'csv', 'scan.startup.mode' = 'latest-offset'`, "does not support option 'scan.startup.mode'"},
		{"buffer rows alone", "k", base + `, 'key.format' = 'csv', 'value.format' = 'csv', 'sink.buffer-flush.max-rows' = '10'`,
			"upsert-kafka: 'sink.buffer-flush.max-rows' and 'sink.buffer-flush.interval' must be set to be greater than zero together to enable sink buffer flushing"},
		{"buffer interval alone", "k", base + `, 'key.format' = 'csv', 'value.format' = 'csv', 'sink.buffer-flush.interval' = '1s'`,
			"must be set to be greater than zero together"},
		{"negative buffer", "k", base + `, 'key.format' = 'csv', 'value.format' = 'csv', 'sink.buffer-flush.max-rows' = '-1', 'sink.buffer-flush.interval' = '1s'`,
			"sink.buffer-flush.max-rows = '-1' must not be negative"},
		{"exactly-once needs a prefix", "k", base + `, 'key.format' = 'csv', 'value.format' = 'csv', 'sink.delivery-guarantee' = 'exactly-once'`,
			"upsert-kafka: 'sink.transactional-id-prefix' must be specified when using sink.delivery-guarantee = 'exactly-once'"},
		{"bad guarantee", "k", base + `, 'key.format' = 'csv', 'value.format' = 'csv', 'sink.delivery-guarantee' = 'twice'`,
			"upsert-kafka: sink.delivery-guarantee = 'twice' is not one of at-least-once, exactly-once, none"},
		{"prefix needs except-key", "k", base + `, 'key.format' = 'csv', 'value.format' = 'csv', 'key.fields-prefix' = 'k'`,
			"upsert-kafka: 'key.fields-prefix' needs 'value.fields-include' = 'EXCEPT_KEY'"},
		{"file format", "k", base + `, 'key.format' = 'csv', 'value.format' = 'parquet'`, "is a file format; a Kafka record takes a row format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := streamingEnv(t, 1)
			pk := ""
			if tc.pk != "" {
				pk = ", PRIMARY KEY (" + tc.pk + ") NOT ENFORCED"
			}
			ddl(t, env, `CREATE TABLE src (k STRING, v BIGINT) WITH ('connector' = 'values', 'data' = '+I[a, 1]')`)
			ddl(t, env, fmt.Sprintf(`CREATE TABLE dst (k STRING NOT NULL, v BIGINT%s) WITH ('connector' = 'upsert-kafka', %s)`, pk, tc.opts))
			_, err := env.ExecuteSQL(context.Background(), "INSERT INTO dst SELECT k, v FROM src")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	t.Run("the kafka sink still refuses updates", func(t *testing.T) {
		env := streamingEnv(t, 1)
		ddl(t, env, `CREATE TABLE src (k STRING, v BIGINT) WITH ('connector' = 'values', 'data' = '+I[a, 1]')`)
		ddl(t, env, `CREATE TABLE plain (k STRING, n BIGINT) WITH ('connector' = 'kafka', `+base+`, 'format' = 'csv')`)
		_, err := env.ExecuteSQL(context.Background(), "INSERT INTO plain SELECT k, COUNT(*) FROM src GROUP BY k")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "accepts only [I]")
	})
}

// TestUpsertKafkaSourceReadsAChangelog: records are upserts of their key,
// tombstones deletes; the job sees Flink's normalized changelog (+I, -U
// and +U of a changed key, -D with the deleted row; a repeated value and
// the tombstone of an unknown key dropped), and a GROUP BY over it
// retracts correctly.
func TestUpsertKafkaSourceReadsAChangelog(t *testing.T) {
	bs := broker(t)
	topic := newTopic(t, bs, 3)
	rec := func(part int32, k string, v string) msg {
		m := msg{part: part, key: []byte(k)}
		if v != "" {
			m.value = []byte(k + "," + v)
		}
		return m
	}
	produce(t, bs, topic, []msg{
		rec(0, "a", "1"), rec(0, "a", "1"), rec(0, "a", "5"), rec(0, "d", "4"),
		rec(1, "b", "2"), rec(1, "b", ""),
		rec(2, "c", ""), rec(2, "c", "3"),
	})
	env := streamingEnv(t, 2)
	id := unique("upsert_src")
	ddl(t, env, fmt.Sprintf(`CREATE TABLE u (k STRING, v BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'upsert-kafka', 'topic' = '%s',
		'properties.bootstrap.servers' = '%s', 'key.format' = 'raw', 'value.format' = 'csv')`, topic, bs))
	ddl(t, env, fmt.Sprintf(`CREATE TABLE seen (k STRING, v BIGINT) WITH ('connector' = 'values', 'sink-id' = '%s')`, id))
	ddl(t, env, fmt.Sprintf(`CREATE TABLE sums (n BIGINT, s BIGINT) WITH ('connector' = 'values', 'sink-id' = '%s_sums')`, id))
	for _, q := range []string{"INSERT INTO seen SELECT * FROM u", "INSERT INTO sums SELECT COUNT(*), SUM(v) FROM u"} {
		job, err := env.Submit(context.Background(), q)
		require.NoError(t, err)
		defer job.Cancel()
	}
	byKey := func() map[string][]string {
		out := map[string][]string{}
		for _, r := range values.Collected(id).Rows() {
			k := fmt.Sprint(r.Values[0])
			out[k] = append(out[k], r.String())
		}
		return out
	}
	want := map[string][]string{
		"a": {"+I[a, 1]", "-U[a, 1]", "+U[a, 5]"},
		"b": {"+I[b, 2]", "-D[b, 2]"},
		"c": {"+I[c, 3]"},
		"d": {"+I[d, 4]"},
	}
	require.Eventually(t, func() bool { return len(values.Collected(id).Rows()) >= 7 }, 30*time.Second, 100*time.Millisecond)
	time.Sleep(300 * time.Millisecond) // a dropped record would show up now
	assert.Equal(t, want, byKey())
	sumsDone := func() bool {
		rows, err := values.Collected(id + "_sums").Materialize()
		return err == nil && len(rows) == 1 && rows[0].String() == "+I[3, 12]"
	}
	assert.Eventually(t, sumsDone, 30*time.Second, 100*time.Millisecond, "COUNT(*), SUM(v) over the table: a, c, d")
}

// TestUpsertKafkaSourceStateSurvivesRestore: the last value of every key
// is in the checkpoint, so a job restored from it — at another
// parallelism too — emits -U of the value read before the restart, not a
// new +I.
func TestUpsertKafkaSourceStateSurvivesRestore(t *testing.T) {
	bs := broker(t)
	topic := newTopic(t, bs, 4)
	dir, group := t.TempDir(), unique("g")
	keys := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	write := func(v int) {
		var msgs []msg
		for i, k := range keys {
			msgs = append(msgs, msg{part: int32(i % 4), key: []byte(k), value: []byte(fmt.Sprintf("%s,%d", k, v))})
		}
		produce(t, bs, topic, msgs)
	}
	// committed waits until the group's offsets, committed when a
	// checkpoint completes, cover n records.
	committed := func(n int64) {
		require.Eventually(t, func() bool {
			c, err := ckafka.NewConsumer(&ckafka.ConfigMap{"bootstrap.servers": bs, "group.id": group})
			require.NoError(t, err)
			defer c.Close()
			var tps []ckafka.TopicPartition
			for p := range 4 {
				tps = append(tps, ckafka.TopicPartition{Topic: &topic, Partition: int32(p)})
			}
			got, err := c.Committed(tps, 10000)
			require.NoError(t, err)
			sum := int64(0)
			for _, tp := range got {
				sum += max(int64(tp.Offset), 0)
			}
			return sum == n
		}, 30*time.Second, 100*time.Millisecond)
	}
	run := func(parallelism, v int, from int64) []string {
		id := unique("restored")
		env := table.NewEnvironment(table.Settings{Streaming: true, Config: map[string]string{
			"parallelism.default":              fmt.Sprint(parallelism),
			"execution.checkpointing.interval": "200ms",
			"state.checkpoints.dir":            dir,
			"sluice.restore":                   "latest",
		}})
		ddl(t, env, fmt.Sprintf(`CREATE TABLE u (k STRING, v BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'upsert-kafka', 'topic' = '%s',
			'properties.bootstrap.servers' = '%s', 'properties.group.id' = '%s', 'key.format' = 'raw', 'value.format' = 'csv')`, topic, bs, group))
		ddl(t, env, fmt.Sprintf(`CREATE TABLE seen (k STRING, v BIGINT) WITH ('connector' = 'values', 'sink-id' = '%s')`, id))
		job, err := env.Submit(context.Background(), "INSERT INTO seen SELECT * FROM u")
		require.NoError(t, err)
		defer job.Cancel()
		write(v)
		committed(from + int64(len(keys)))
		job.Cancel()
		_, _ = job.Wait()
		var out []string
		for _, r := range values.Collected(id).Rows() {
			out = append(out, r.String())
		}
		sort.Strings(out)
		return out
	}
	rows := func(kind string, v int) []string {
		var out []string
		for _, k := range keys {
			out = append(out, fmt.Sprintf("%s[%s, %d]", kind, k, v))
		}
		return out
	}
	assert.Equal(t, rows("+I", 1), run(2, 1, 0))
	for _, tc := range []struct{ parallelism, v int }{{1, 2}, {3, 3}, {2, 4}} {
		want := append(rows("+U", tc.v), rows("-U", tc.v-1)...)
		sort.Strings(want)
		assert.Equal(t, want, run(tc.parallelism, tc.v, int64(len(keys)*(tc.v-1))), "restored at parallelism %d", tc.parallelism)
	}
}
