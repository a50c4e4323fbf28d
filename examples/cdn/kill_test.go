package cdn_test

// The CDN job killed with SIGKILL at random moments while logs stream into
// its topic, restarted each time with `--restore latest`: checkpoints every
// second carry the GROUP BY state and the Kafka offsets together, so the
// MariaDB table ends equal to a recomputation from the topic — no event
// lost, none counted twice — while the parallelism changes 1 → 2 → 1 …
// from one run to the next. `make test` kills it 3 times
// (SLUICE_KILL_TEST_KILLS), `make test-long` 20 times.

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// killCount is how many times the job is killed.
func killCount(t *testing.T) int {
	if v := os.Getenv("SLUICE_KILL_TEST_KILLS"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err)
		return n
	}
	return 3
}

// services returns the test's Kafka topic (4 partitions) and MariaDB
// database, both its own, or skips without the services.
func services(t *testing.T) (bs, topic string, db *sql.DB, env []string) {
	bs, url := os.Getenv("SLUICE_TEST_KAFKA"), os.Getenv("SLUICE_TEST_MARIADB_URL")
	user, pass := os.Getenv("SLUICE_TEST_MARIADB_USER"), os.Getenv("SLUICE_TEST_MARIADB_PASSWORD")
	if bs == "" || url == "" {
		t.Skip("SLUICE_TEST_KAFKA and SLUICE_TEST_MARIADB_URL are not set: run `make test`, which starts Kafka and MariaDB")
	}
	adm, err := ckafka.NewAdminClient(&ckafka.ConfigMap{"bootstrap.servers": bs})
	require.NoError(t, err)
	t.Cleanup(adm.Close)
	topic = unique("access_log")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	res, err := adm.CreateTopics(ctx, []ckafka.TopicSpecification{{Topic: topic, NumPartitions: 4, ReplicationFactor: 1}})
	cancel()
	require.NoError(t, err)
	require.Equal(t, ckafka.ErrNoError, res[0].Error.Code())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = adm.DeleteTopics(ctx, []string{topic})
	})
	host, baseDB, _ := strings.Cut(strings.TrimPrefix(url, "jdbc:mysql://"), "/")
	root, err := sql.Open("mysql", fmt.Sprintf("%s:%s@tcp(%s)/%s", user, pass, host, baseDB))
	require.NoError(t, err)
	t.Cleanup(func() { root.Close() })
	dbName := unique(baseDB)
	_, err = root.Exec("CREATE DATABASE " + dbName)
	require.NoError(t, err)
	t.Cleanup(func() { root.Exec("DROP DATABASE IF EXISTS " + dbName) })
	db, err = sql.Open("mysql", fmt.Sprintf("%s:%s@tcp(%s)/%s", user, pass, host, dbName))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	_, err = db.Exec("CREATE TABLE access_statistic (province VARCHAR(64) NOT NULL PRIMARY KEY, access_count BIGINT, total_download BIGINT, download_speed DOUBLE) DEFAULT CHARSET=utf8mb4")
	require.NoError(t, err)
	env = append(os.Environ(), "CDN_PROFILE=services", "KAFKA_BOOTSTRAP="+bs, "KAFKA_TOPIC="+topic,
		"KAFKA_STARTUP_MODE=earliest-offset", "KAFKA_GROUP_ID="+unique("cdn"),
		"MYSQL_URL=jdbc:mysql://"+host+"/"+dbName, "MYSQL_USER="+user, "MYSQL_PASSWORD="+pass)
	return bs, topic, db, env
}

// startGenerator writes lines log lines into the topic at 1000 lines/s
// with the CDN generator; its output arrives on the channel when it ends.
func startGenerator(t *testing.T, bin string, env []string, bs, topic string, lines int, seed int) <-chan string {
	return startCommand(t, bin, env, "run", "generate_logs.py", "--kafka", bs, "--topic", topic, "--count", strconv.Itoa(lines), "--rate", "1000", "--seed", strconv.Itoa(seed))
}

// startCommand runs the binary with args; its output arrives on the
// channel when it ends, and it is killed when the test ends.
func startCommand(t *testing.T, bin string, env []string, args ...string) <-chan string {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var buf strings.Builder
	cmd.Stdout, cmd.Stderr = &buf, &buf
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	out := make(chan string, 1)
	go func() {
		err := cmd.Wait()
		s := buf.String()
		if err != nil {
			s += "\n" + err.Error()
		}
		out <- s
	}()
	return out
}

// killRuns starts the job kills times (run i with args(i)) and kills each
// run with SIGKILL after a random 1.2–3.5 s.
func killRuns(t *testing.T, bin string, env []string, kills int, args func(i int) []string) {
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(kills)))
	for i := 0; i < kills; i++ {
		p := startJob(t, bin, env, args(i)...)
		wait := time.Duration(1200+rng.IntN(2300)) * time.Millisecond
		select {
		case err := <-p.exited:
			t.Fatalf("run %d: the job exited on its own: %v\n%s", i+1, err, p.log())
		case <-time.After(wait):
		}
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
		<-p.exited
		t.Logf("run %d killed after %v", i+1, wait)
	}
}

// jobProcess is one `sluice run` of the job.
type jobProcess struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	stderr strings.Builder
	exited chan error
}

func startJob(t *testing.T, bin string, env []string, args ...string) *jobProcess {
	p := &jobProcess{cmd: exec.Command(bin, args...), exited: make(chan error, 1)}
	p.cmd.Env = env
	stderr, err := p.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, p.cmd.Start())
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.stderr.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
	}()
	go func() {
		<-done
		p.exited <- p.cmd.Wait()
	}()
	return p
}

func (p *jobProcess) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

func TestCDNJobSurvivesKills(t *testing.T) {
	bs, topic, db, env := services(t)
	bin := sluiceBinary(t)
	kills := killCount(t)
	ckpts := t.TempDir()
	// The logs stream in while the job is killed and restarted: about
	// two seconds of logs per kill.
	lines := 2000 * (2*kills + 4)
	genOut := startGenerator(t, bin, env, bs, topic, lines, 11)

	// Runs alternate between parallelism 1 and 2: each restore
	// redistributes the key groups and the partitions' offsets.
	args := func(par int) []string {
		return []string{"run", "-D", "execution.checkpointing.interval=1s", "-D", "state.checkpoints.dir=" + ckpts,
			"-D", "parallelism.default=" + strconv.Itoa(par), "--restore", "latest", "cdn_job.py"}
	}
	killRuns(t, bin, env, kills, func(i int) []string { return args(1 + i%2) })
	out := <-genOut
	require.Contains(t, out, fmt.Sprintf("wrote %d log lines", lines))

	p := startJob(t, bin, env, args(1+kills%2)...)
	defer p.cmd.Process.Kill()
	want := recompute(t, bs, topic, loadRanges(t), lines)
	var got []string
	for deadline := time.Now().Add(120 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		select {
		case err := <-p.exited:
			t.Fatalf("the last run exited: %v\n%s", err, p.log())
		default:
		}
		if got = statRows(t, db); equal(got, want) {
			break
		}
	}
	require.Equal(t, want, got, "MariaDB against a recomputation from the topic after %d kills\n%s", kills, p.log())
	assert.Contains(t, p.log(), "restoring from checkpoint", "the last run restored state")
	// Checkpoints were retained as configured (one per run directory at
	// most, each complete).
	metas, _ := filepath.Glob(filepath.Join(ckpts, "*", "chk-*", "_metadata"))
	assert.NotEmpty(t, metas)
}

// The CDN logs copied from Kafka into a filesystem sink by a SQL job killed
// with SIGKILL at random moments and restarted with --restore latest: part
// files are published only when a checkpoint completes and in-progress
// files of a killed attempt are removed on restore, so after a final stop
// with a savepoint the directory holds every log line exactly once and no
// hidden part files.
func TestFilesystemSinkSurvivesKills(t *testing.T) {
	bs, topic, _, env := services(t)
	bin := sluiceBinary(t)
	kills := killCount(t)
	ckpts, out := t.TempDir(), t.TempDir()
	lines := 2000 * (2*kills + 4)
	genOut := startGenerator(t, bin, env, bs, topic, lines, 13)

	script := filepath.Join(t.TempDir(), "copy.sql")
	require.NoError(t, os.WriteFile(script, []byte(fmt.Sprintf(`
CREATE TABLE logs (uuid STRING, client_ip STRING, request_time BIGINT, response_size BIGINT, uri STRING) WITH (
  'connector' = 'kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s',
  'properties.group.id' = '%s', 'scan.startup.mode' = 'earliest-offset', 'format' = 'csv');
CREATE TABLE copied (uuid STRING, client_ip STRING, request_time BIGINT, response_size BIGINT, uri STRING) WITH (
  'connector' = 'filesystem', 'path' = '%s', 'format' = 'csv');
INSERT INTO copied SELECT * FROM logs;
`, topic, bs, unique("copy"), out)), 0o644))
	args := []string{"sql", "-D", "execution.checkpointing.interval=1s", "-D", "state.checkpoints.dir=" + ckpts,
		"-D", "execution.shutdown.savepoint=true", "-D", "parallelism.default=2", "--restore", "latest", "-f", script}
	killRuns(t, bin, env, kills, func(int) []string { return args })
	require.Contains(t, <-genOut, fmt.Sprintf("wrote %d log lines", lines))

	// The last run catches up, then stops with a savepoint on SIGTERM.
	p := startJob(t, bin, env, args...)
	defer p.cmd.Process.Kill()
	want := topicLines(t, bs, topic, lines)
	var got map[string]int
	for deadline := time.Now().Add(120 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		got = visibleLines(t, out)
		if len(got) == len(want) {
			break
		}
	}
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-p.exited:
		require.NoError(t, err, "SIGTERM with execution.shutdown.savepoint exits 0\n%s", p.log())
	case <-time.After(60 * time.Second):
		t.Fatalf("the job did not stop on SIGTERM\n%s", p.log())
	}
	got = visibleLines(t, out)
	var lost, doubled int
	for l := range want {
		switch n := got[l]; {
		case n == 0:
			lost++
		case n > 1:
			doubled++
		}
	}
	assert.Zero(t, lost, "lines lost")
	assert.Zero(t, doubled, "lines written twice")
	assert.Equal(t, len(want), len(got))
	var hidden []string
	filepath.Walk(out, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && strings.HasPrefix(info.Name(), ".") {
			hidden = append(hidden, path)
		}
		return nil
	})
	assert.Empty(t, hidden, "in-progress or pending part files left behind")
}

// topicLines reads every record of the topic.
func topicLines(t *testing.T, bs, topic string, count int) map[string]bool {
	c, err := ckafka.NewConsumer(&ckafka.ConfigMap{"bootstrap.servers": bs, "group.id": unique("check"), "enable.auto.commit": false, "enable.partition.eof": true})
	require.NoError(t, err)
	defer c.Close()
	var tps []ckafka.TopicPartition
	for p := int32(0); p < 4; p++ {
		tps = append(tps, ckafka.TopicPartition{Topic: &topic, Partition: p, Offset: ckafka.OffsetBeginning})
	}
	require.NoError(t, c.Assign(tps))
	out := map[string]bool{}
	for eof, deadline := 0, time.Now().Add(60*time.Second); eof < 4 && time.Now().Before(deadline); {
		switch e := c.Poll(100).(type) {
		case *ckafka.Message:
			out[string(e.Value)] = true
		case ckafka.PartitionEOF:
			eof++
		}
	}
	require.Len(t, out, count, "log lines are unique (each has a uuid)")
	return out
}

// visibleLines counts the lines of the directory's visible files.
func visibleLines(t *testing.T, dir string) map[string]int {
	out := map[string]int{}
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || strings.HasPrefix(info.Name(), ".") || strings.HasPrefix(info.Name(), "_") {
			return nil
		}
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		for _, l := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
			if l != "" {
				out[l]++
			}
		}
		return nil
	})
	return out
}
