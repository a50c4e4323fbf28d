package cdn_test

// The seed's CDN job, as a user runs it: generate_logs.py writes mock logs
// to a Kafka topic with 4 partitions, `bin/sluice run cdn_job.py` reads
// them, maps client_ip to a province with the Python UDF, groups and
// upserts into MariaDB. The MariaDB table must equal a recomputation from
// the logs read back from the topic. Needs the services (make test).

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	_ "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func unique(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return prefix + "_" + hex.EncodeToString(b[:])
}

// sluiceBinary builds bin/sluice's equivalent into a temporary directory
// (the go build cache makes this quick after `make build`).
func sluiceBinary(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "sluice")
	cmd := exec.Command("go", "build", "-ldflags", "-X github.com/sluice-stream/sluice/cpython.DefaultVenv="+filepath.Join(root, ".venv"), "-o", bin, "./cmd/sluice")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

type ipRange struct {
	start, end uint32
	province   string
}

// provinceOf is the UDF's lookup, recomputed from the same range table.
func loadRanges(t *testing.T) []ipRange {
	f, err := os.Open("enjoyment/cdn/ip_ranges.csv")
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	var out []ipRange
	for _, r := range recs[1:] {
		s, _ := strconv.ParseUint(r[0], 10, 32)
		e, _ := strconv.ParseUint(r[1], 10, 32)
		out = append(out, ipRange{uint32(s), uint32(e), r[2]})
	}
	return out
}

func provinceOf(ranges []ipRange, ip string) string {
	parts := strings.Split(ip, ".")
	var n uint32
	for _, p := range parts {
		v, _ := strconv.Atoi(p)
		n = n<<8 | uint32(v)
	}
	i := sort.Search(len(ranges), func(i int) bool { return ranges[i].start > n }) - 1
	if i >= 0 && n <= ranges[i].end {
		return ranges[i].province
	}
	return "未知"
}

func TestSeedJobUnderSluiceRun(t *testing.T) {
	bs, url := os.Getenv("SLUICE_TEST_KAFKA"), os.Getenv("SLUICE_TEST_MARIADB_URL")
	user, pass := os.Getenv("SLUICE_TEST_MARIADB_USER"), os.Getenv("SLUICE_TEST_MARIADB_PASSWORD")
	if bs == "" || url == "" {
		t.Skip("SLUICE_TEST_KAFKA and SLUICE_TEST_MARIADB_URL are not set: run `make test`, which starts Kafka and MariaDB")
	}
	bin := sluiceBinary(t)

	// A topic and a database of the test's own.
	adm, err := ckafka.NewAdminClient(&ckafka.ConfigMap{"bootstrap.servers": bs})
	require.NoError(t, err)
	defer adm.Close()
	topic := unique("access_log")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	res, err := adm.CreateTopics(ctx, []ckafka.TopicSpecification{{Topic: topic, NumPartitions: 4, ReplicationFactor: 1}})
	cancel()
	require.NoError(t, err)
	require.Equal(t, ckafka.ErrNoError, res[0].Error.Code())
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = adm.DeleteTopics(ctx, []string{topic})
	}()
	hostDB := strings.TrimPrefix(url, "jdbc:mysql://")
	host, baseDB, _ := strings.Cut(hostDB, "/")
	root, err := sql.Open("mysql", fmt.Sprintf("%s:%s@tcp(%s)/%s", user, pass, host, baseDB))
	require.NoError(t, err)
	defer root.Close()
	dbName := unique(baseDB)
	_, err = root.Exec("CREATE DATABASE " + dbName)
	require.NoError(t, err)
	defer root.Exec("DROP DATABASE IF EXISTS " + dbName)
	db, err := sql.Open("mysql", fmt.Sprintf("%s:%s@tcp(%s)/%s", user, pass, host, dbName))
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec("CREATE TABLE access_statistic (province VARCHAR(64) NOT NULL PRIMARY KEY, access_count BIGINT, total_download BIGINT, download_speed DOUBLE) DEFAULT CHARSET=utf8mb4")
	require.NoError(t, err)

	env := append(os.Environ(), "CDN_PROFILE=services", "KAFKA_BOOTSTRAP="+bs, "KAFKA_TOPIC="+topic,
		"KAFKA_STARTUP_MODE=earliest-offset", "MYSQL_URL=jdbc:mysql://"+host+"/"+dbName, "MYSQL_USER="+user, "MYSQL_PASSWORD="+pass)

	// Logs first, at a chosen rate, through Sluice's own Kafka sink.
	gen := exec.Command(bin, "run", "generate_logs.py", "--kafka", bs, "--topic", topic, "--count", "20000", "--rate", "20000", "--seed", "7")
	gen.Env = env
	out, err := gen.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "wrote 20000 log lines")

	// The job runs until stopped (a Kafka source is unbounded).
	job := exec.Command(bin, "run", "cdn_job.py")
	job.Env = env
	stderr, err := job.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, job.Start())
	var jobErr strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			jobErr.WriteString(sc.Text() + "\n")
		}
	}()
	exited := make(chan error, 1)
	go func() { exited <- job.Wait() }()
	defer func() {
		_ = job.Process.Kill()
	}()

	want := recompute(t, bs, topic, loadRanges(t), 20000)
	require.Len(t, want, 31, "the generated logs reach every province")
	var got []string
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			t.Fatalf("cdn_job.py exited: %v\n%s", err, jobErr.String())
		default:
		}
		got = statRows(t, db)
		if equal(got, want) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	assert.Equal(t, want, got, "MariaDB's access_statistic against a recomputation from the topic")
}

// recompute reads every log line back from the topic and aggregates it as
// the job does.
func recompute(t *testing.T, bs, topic string, ranges []ipRange, count int) []string {
	c, err := ckafka.NewConsumer(&ckafka.ConfigMap{"bootstrap.servers": bs, "group.id": unique("check"), "enable.auto.commit": false, "enable.partition.eof": true})
	require.NoError(t, err)
	defer c.Close()
	var tps []ckafka.TopicPartition
	for p := int32(0); p < 4; p++ {
		tps = append(tps, ckafka.TopicPartition{Topic: &topic, Partition: p, Offset: ckafka.OffsetBeginning})
	}
	require.NoError(t, c.Assign(tps))
	type agg struct{ n, bytes, reqTime int64 }
	per := map[string]*agg{}
	eof, lines := 0, 0
	for deadline := time.Now().Add(60 * time.Second); eof < 4 && time.Now().Before(deadline); {
		switch e := c.Poll(100).(type) {
		case *ckafka.Message:
			f := strings.Split(string(e.Value), ",")
			require.Len(t, f, 5, "log line %q", e.Value)
			rt, _ := strconv.ParseInt(f[2], 10, 64)
			size, _ := strconv.ParseInt(f[3], 10, 64)
			p := provinceOf(ranges, f[1])
			if per[p] == nil {
				per[p] = &agg{}
			}
			per[p].n++
			per[p].bytes += size
			per[p].reqTime += rt
			lines++
		case ckafka.PartitionEOF:
			eof++
		}
	}
	require.Equal(t, count, lines)
	var out []string
	for p, a := range per {
		out = append(out, row(p, a.n, a.bytes, float64(a.bytes)*1.0/float64(a.reqTime)))
	}
	sort.Strings(out)
	return out
}

func row(p string, n, bytes int64, speed float64) string {
	return fmt.Sprintf("%s %d %d %.9g", p, n, bytes, math.Round(speed*1e6)/1e6)
}

func statRows(t *testing.T, db *sql.DB) []string {
	rows, err := db.Query("SELECT province, access_count, total_download, download_speed FROM access_statistic")
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		var n, b int64
		var s float64
		require.NoError(t, rows.Scan(&p, &n, &b, &s))
		out = append(out, row(p, n, b, s))
	}
	sort.Strings(out)
	return out
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
