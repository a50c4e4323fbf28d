package connectors_test

// The seed's CDN job end to end on the real services: CSV access logs in a
// Kafka topic with 4 partitions, a scalar function mapping client_ip to a
// province, a GROUP BY province and an upsert into MariaDB — once with the
// seed's Flink 1.10 DDL as written, once with the same tables in current
// style. The final MariaDB table must equal a recomputation from the
// generated logs.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	_ "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/sluice-stream/sluice/connectors/builtin"
	"github.com/sluice-stream/sluice/table"
	"github.com/sluice-stream/sluice/table/types"
)

type services struct {
	kafka              string
	url, user, pass    string
	db                 *sql.DB
	admin              *ckafka.AdminClient
	producer           *ckafka.Producer
	mysqlHost, mysqlDB string
}

// need returns the services `make test` starts, skipping when they are not
// configured and failing when configured but down.
func need(t *testing.T) *services {
	t.Helper()
	s := &services{kafka: os.Getenv("SLUICE_TEST_KAFKA"), url: os.Getenv("SLUICE_TEST_MARIADB_URL"),
		user: os.Getenv("SLUICE_TEST_MARIADB_USER"), pass: os.Getenv("SLUICE_TEST_MARIADB_PASSWORD")}
	if s.kafka == "" || s.url == "" {
		t.Skip("SLUICE_TEST_KAFKA and SLUICE_TEST_MARIADB_URL are not set: run `make test`, which starts Kafka and MariaDB")
	}
	rest, ok := strings.CutPrefix(s.url, "jdbc:mysql://")
	require.True(t, ok, "SLUICE_TEST_MARIADB_URL must be jdbc:mysql://host:port/db")
	s.mysqlHost, s.mysqlDB, _ = strings.Cut(rest, "/")
	root, err := sql.Open("mysql", fmt.Sprintf("%s:%s@tcp(%s)/%s", s.user, s.pass, s.mysqlHost, s.mysqlDB))
	require.NoError(t, err)
	t.Cleanup(func() { root.Close() })
	require.NoError(t, root.Ping(), "MariaDB at %s does not answer", s.url)
	// A database of the test's own (the service grants sluice_*), so that
	// killing its connections cannot touch another test's.
	s.mysqlDB = unique(s.mysqlDB)
	_, err = root.Exec("CREATE DATABASE " + s.mysqlDB)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = root.Exec("DROP DATABASE IF EXISTS " + s.mysqlDB) })
	s.url = "jdbc:mysql://" + s.mysqlHost + "/" + s.mysqlDB
	db, err := sql.Open("mysql", fmt.Sprintf("%s:%s@tcp(%s)/%s", s.user, s.pass, s.mysqlHost, s.mysqlDB))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	s.db = db
	s.admin, err = ckafka.NewAdminClient(&ckafka.ConfigMap{"bootstrap.servers": s.kafka})
	require.NoError(t, err)
	t.Cleanup(s.admin.Close)
	_, err = s.admin.GetMetadata(nil, false, 10000)
	require.NoError(t, err, "Kafka at %s does not answer", s.kafka)
	s.producer, err = ckafka.NewProducer(&ckafka.ConfigMap{"bootstrap.servers": s.kafka, "acks": "all", "linger.ms": 5})
	require.NoError(t, err)
	t.Cleanup(s.producer.Close)
	return s
}

func unique(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return prefix + "_" + hex.EncodeToString(b[:])
}

func (s *services) topic(t *testing.T, partitions int) string {
	t.Helper()
	name := unique("access_log")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := s.admin.CreateTopics(ctx, []ckafka.TopicSpecification{{Topic: name, NumPartitions: partitions, ReplicationFactor: 1}})
	require.NoError(t, err)
	require.Equal(t, ckafka.ErrNoError, res[0].Error.Code(), "%v", res[0].Error)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = s.admin.DeleteTopics(ctx, []string{name})
	})
	return name
}

// produce writes lines round-robin over the partitions and waits for the
// broker's acknowledgements.
func (s *services) produce(t *testing.T, topic string, partitions int, lines []string) {
	t.Helper()
	done := make(chan ckafka.Event, len(lines))
	for i, l := range lines {
		require.NoError(t, s.producer.Produce(&ckafka.Message{
			TopicPartition: ckafka.TopicPartition{Topic: &topic, Partition: int32(i % partitions)},
			Value:          []byte(l),
		}, done))
	}
	for range lines {
		require.NoError(t, (<-done).(*ckafka.Message).TopicPartition.Error)
	}
}

func (s *services) table(t *testing.T, ddl string) string {
	t.Helper()
	name := unique("access_statistic")
	_, err := s.db.Exec(fmt.Sprintf(ddl, name))
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = s.db.Exec("DROP TABLE IF EXISTS " + name) })
	return name
}

var provinces = []string{"北京", "上海", "广东", "浙江", "江苏", "四川", "湖北"}

// ipToProvince is the test's stand-in for the seed's Python UDF: an
// offline lookup by the first octet.
func ipToProvince(ip string) string {
	first, _, _ := strings.Cut(ip, ".")
	n := 0
	for _, c := range first {
		n = n*10 + int(c-'0')
	}
	return provinces[n%len(provinces)]
}

type logLine struct {
	uuid, ip       string
	reqTime, bytes int64
}

func (l logLine) csv() string {
	return fmt.Sprintf("%s,%s,%d,%d,/static/%s.js", l.uuid, l.ip, l.reqTime, l.bytes, l.uuid[:4])
}

func genLogs(from, n int) []logLine {
	out := make([]logLine, n)
	for i := range out {
		k := from + i
		out[i] = logLine{fmt.Sprintf("%08x-0000-4000-8000-%012x", k*2654435761%(1<<32), k), fmt.Sprintf("%d.%d.%d.%d", 1+k%200, k%17, k%251, 1+k%9), int64(1 + k%40), int64(512 * (1 + k%300))}
	}
	return out
}

type stat struct {
	count, bytes, reqTime int64
}

func expected(lines []logLine) map[string]stat {
	out := map[string]stat{}
	for _, l := range lines {
		p := ipToProvince(l.ip)
		s := out[p]
		s.count++
		s.bytes += l.bytes
		s.reqTime += l.reqTime
		out[p] = s
	}
	return out
}

// statRows reads the sink table as sorted "province count bytes speed".
func (s *services) statRows(t *testing.T, name string) []string {
	rows, err := s.db.Query("SELECT province, access_count, total_download, download_speed FROM " + name)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		var c, b int64
		var speed float64
		require.NoError(t, rows.Scan(&p, &c, &b, &speed))
		out = append(out, fmt.Sprintf("%s %d %d %.6f", p, c, b, speed))
	}
	require.NoError(t, rows.Err())
	sort.Strings(out)
	return out
}

func wantRows(lines []logLine) []string {
	var out []string
	for p, s := range expected(lines) {
		out = append(out, fmt.Sprintf("%s %d %d %.6f", p, s.count, s.bytes, float64(s.bytes)*1.0/float64(s.reqTime)))
	}
	sort.Strings(out)
	return out
}

func newEnv(t *testing.T) *table.Environment {
	env := table.NewEnvironment(table.Settings{Streaming: true, Config: map[string]string{"parallelism.default": "2"}})
	require.NoError(t, env.CreateTemporarySystemFunction("ip_to_province",
		table.RowFunction(types.STRING(), func(args []any) (any, error) {
			if args[0] == nil {
				return nil, nil
			}
			return ipToProvince(args[0].(string)), nil
		}, types.STRING())))
	return env
}

// runSeedQuery starts the seed's Table API program and waits until it runs.
func runSeedQuery(t *testing.T, env *table.Environment) *table.Job {
	t.Helper()
	src, err := env.From("cdn_access_log")
	require.NoError(t, err)
	q := src.
		Select("uuid, ip_to_province(client_ip) as province, response_size, request_time").
		GroupBy("province").
		Select("province, count(uuid) as access_count, sum(response_size) as total_download, sum(response_size) * 1.0 / sum(request_time) as download_speed")
	job, err := q.SubmitInsert(context.Background(), "cdn_access_statistic")
	require.NoError(t, err)
	t.Cleanup(func() { job.Cancel(); _, _ = job.Wait() })
	select {
	case <-job.Running():
	case <-job.Done():
		_, err := job.Wait()
		t.Fatalf("the job ended before running: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("the job is not running after 60 s")
	}
	return job
}

func waitFor(t *testing.T, s *services, name string, want []string) {
	t.Helper()
	var got []string
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if got = s.statRows(t, name); equal(got, want) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	assert.Equal(t, want, got, "the MariaDB table never reached the expected rows")
	t.FailNow()
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

const statTableDDL = `CREATE TABLE %s (province VARCHAR(64) NOT NULL PRIMARY KEY, access_count BIGINT, total_download BIGINT, download_speed DOUBLE) DEFAULT CHARSET=utf8mb4`

func TestSeedJobLegacyDDL(t *testing.T) {
	s := need(t)
	topic := s.topic(t, 4)
	sink := s.table(t, statTableDDL)
	env := newEnv(t)
	// The seed's two statements as written, but for where the services are.
	_, err := env.ExecuteSQL(context.Background(), fmt.Sprintf(`
CREATE TABLE cdn_access_log (
  uuid VARCHAR,
  client_ip VARCHAR,
  request_time BIGINT,
  response_size BIGINT,
  uri VARCHAR
) WITH (
  'connector.type' = 'kafka',
  'connector.version' = 'universal',
  'connector.topic' = '%s',
  'connector.properties.zookeeper.connect' = 'localhost:2181',
  'connector.properties.bootstrap.servers' = '%s',
  'format.type' = 'csv',
  'format.ignore-parse-errors' = 'true'
)`, topic, s.kafka))
	require.NoError(t, err)
	_, err = env.ExecuteSQL(context.Background(), fmt.Sprintf(`
CREATE TABLE cdn_access_statistic (
  province VARCHAR,
  access_count BIGINT,
  total_download BIGINT,
  download_speed DOUBLE
) WITH (
  'connector.type' = 'jdbc',
  'connector.url' = '%s',
  'connector.table' = '%s',
  'connector.username' = '%s',
  'connector.password' = '%s',
  'connector.write.flush.interval' = '1s'
)`, s.url, sink, s.user, s.pass))
	require.NoError(t, err)

	job := runSeedQuery(t, env)
	// The job started at the partitions' ends (no startup mode, no group,
	// as Flink 1.10): everything below is produced after it runs.
	first := genLogs(0, 400)
	lines := make([]string, 0, len(first)+1)
	for _, l := range first {
		lines = append(lines, l.csv())
	}
	lines = append(lines[:100], append([]string{"not,a,valid,line"}, lines[100:]...)...)
	s.produce(t, topic, 4, lines)
	waitFor(t, s, sink, wantRows(first))

	// More logs update the provinces' rows in place.
	second := genLogs(400, 300)
	lines = lines[:0]
	for _, l := range second {
		lines = append(lines, l.csv())
	}
	s.produce(t, topic, 4, lines)
	all := append(first, second...)
	waitFor(t, s, sink, wantRows(all))

	skipped := int64(0)
	for _, m := range job.Metrics() {
		skipped += m.Counters["numRecordsSkipped"]
	}
	assert.Equal(t, int64(1), skipped, "the malformed line is skipped and counted")
}

func TestSeedJobCurrentDDLWithKilledConnections(t *testing.T) {
	s := need(t)
	topic := s.topic(t, 4)
	sink := s.table(t, statTableDDL)
	// Deletes: a second sink keyed on access_count holds how many
	// provinces have each count; as counts grow, old counts are deleted.
	byCount := s.table(t, `CREATE TABLE %s (access_count BIGINT NOT NULL PRIMARY KEY, provinces BIGINT)`)
	env := newEnv(t)
	group := unique("cdn")
	_, err := env.ExecuteScript(context.Background(), fmt.Sprintf(`
CREATE TABLE cdn_access_log (
  uuid VARCHAR,
  client_ip VARCHAR,
  request_time BIGINT,
  response_size BIGINT,
  uri VARCHAR
) WITH (
  'connector' = 'kafka',
  'topic' = '%[1]s',
  'properties.bootstrap.servers' = '%[2]s',
  'properties.group.id' = '%[3]s',
  'scan.startup.mode' = 'earliest-offset',
  'format' = 'csv',
  'csv.ignore-parse-errors' = 'true'
);
CREATE TABLE cdn_access_statistic (
  province VARCHAR,
  access_count BIGINT,
  total_download BIGINT,
  download_speed DOUBLE,
  PRIMARY KEY (province) NOT ENFORCED
) WITH (
  'connector' = 'jdbc',
  'url' = '%[4]s',
  'table-name' = '%[5]s',
  'username' = '%[6]s',
  'password' = '%[7]s',
  'sink.buffer-flush.interval' = '200ms',
  'sink.buffer-flush.max-rows' = '50',
  'sink.max-retries' = '10'
);
CREATE TABLE provinces_by_count (
  access_count BIGINT,
  provinces BIGINT,
  PRIMARY KEY (access_count) NOT ENFORCED
) WITH (
  'connector' = 'jdbc',
  'url' = '%[4]s',
  'table-name' = '%[8]s',
  'username' = '%[6]s',
  'password' = '%[7]s',
  'sink.buffer-flush.interval' = '200ms',
  'sink.max-retries' = '10'
);`, topic, s.kafka, group, s.url, sink, s.user, s.pass, byCount))
	require.NoError(t, err)

	// Logs already in the topic are read too (earliest-offset).
	var all []logLine
	send := func(from, n int) {
		batch := genLogs(from, n)
		all = append(all, batch...)
		lines := make([]string, len(batch))
		for i, l := range batch {
			lines[i] = l.csv()
		}
		s.produce(t, topic, 4, lines)
	}
	send(0, 300)
	job := runSeedQuery(t, env)
	counts, err := env.Submit(context.Background(), `INSERT INTO provinces_by_count
		SELECT access_count, COUNT(*) FROM (
			SELECT ip_to_province(client_ip) AS province, COUNT(*) AS access_count FROM cdn_access_log GROUP BY ip_to_province(client_ip)
		) GROUP BY access_count`)
	require.NoError(t, err)
	t.Cleanup(func() { counts.Cancel(); _, _ = counts.Wait() })

	// While the logs stream in, MariaDB drops the sinks' connections.
	killed := 0
	for wave := 1; wave <= 6; wave++ {
		send(wave*300, 300)
		time.Sleep(150 * time.Millisecond)
		killed += s.killSinkConnections(t)
	}
	require.Greater(t, killed, 0, "no sink connection was found to kill; the test would prove nothing")
	waitFor(t, s, sink, wantRows(all))
	retries := int64(0)
	for _, j := range []*table.Job{job, counts} {
		for _, m := range j.Metrics() {
			retries += m.Counters["numRetries"]
		}
	}
	t.Logf("killed %d connections; the sinks retried %d flushes", killed, retries)

	wantCounts := map[int64]int64{}
	for _, st := range expected(all) {
		wantCounts[st.count]++
	}
	var want []string
	for c, n := range wantCounts {
		want = append(want, fmt.Sprintf("%d:%d", c, n))
	}
	sort.Strings(want)
	var got []string
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		got = s.countRows(t, byCount)
		if equal(got, want) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	assert.Equal(t, want, got, "deletes of vanished counts and upserts of new ones are applied")
	select {
	case <-job.Done():
		_, err := job.Wait()
		t.Fatalf("the job ended: %v", err)
	default:
	}
}

func (s *services) countRows(t *testing.T, name string) []string {
	rows, err := s.db.Query("SELECT access_count, provinces FROM " + name)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c, n int64
		require.NoError(t, rows.Scan(&c, &n))
		out = append(out, fmt.Sprintf("%d:%d", c, n))
	}
	sort.Strings(out)
	return out
}

// killSinkConnections kills every connection to the test's database but
// the one asking, as a DBA or a failover would, and returns how many.
func (s *services) killSinkConnections(t *testing.T) int {
	conn, err := s.db.Conn(context.Background())
	require.NoError(t, err)
	defer conn.Close()
	rows, err := conn.QueryContext(context.Background(), "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ? AND DB = ? AND ID <> CONNECTION_ID()", s.user, s.mysqlDB)
	require.NoError(t, err)
	var ids []int64
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	rows.Close()
	n := 0
	for _, id := range ids {
		if _, err := conn.ExecContext(context.Background(), fmt.Sprintf("KILL CONNECTION %d", id)); err == nil {
			n++
		}
	}
	return n
}
