package kafka_test

// Issue 10's acceptance for Kafka → GROUP BY → Kafka: the real CLI runs a
// SQL job from a 4-partition topic (with a consumer group) through
// GROUP BY k → COUNT(*), SUM(x) into an exactly-once upsert-kafka table,
// checkpointing every second, and is killed with SIGKILL at random
// moments while the input grows, then restarted with --restore latest.
// A read_committed consumer of the output then finds, for every key, the
// recomputation from the input topic as the last record, and counts that
// never go backwards: a replay of committed updates would show as a count
// falling and rising again. SLUICE_KAFKA_KILLS sets the number of kills
// (3 by default, 20 in `make test-long`).

import (
	"bufio"
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

// upsertKills is how many times the job is killed.
func upsertKills(t *testing.T) int {
	if v := os.Getenv("SLUICE_KAFKA_KILLS"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err)
		return n
	}
	return 3
}

// cliBinary builds the sluice CLI (quick from the build cache after
// `make build`).
func cliBinary(t *testing.T) string {
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

// cliJob is one run of the CLI, its stderr kept for failure messages.
type cliJob struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	log    strings.Builder
	exited chan error
}

func startCLI(t *testing.T, bin string, args ...string) *cliJob {
	t.Helper()
	j := &cliJob{cmd: exec.Command(bin, args...), exited: make(chan error, 1)}
	stderr, err := j.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, j.cmd.Start())
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			j.mu.Lock()
			j.log.WriteString(sc.Text() + "\n")
			j.mu.Unlock()
		}
		j.exited <- j.cmd.Wait()
	}()
	t.Cleanup(func() { _ = j.cmd.Process.Kill() })
	return j
}

func (j *cliJob) stderr() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.log.String()
}

// aggregate is one key's COUNT(*) and SUM(x).
type aggregate struct{ count, sum int64 }

func TestUpsertKafkaGroupBySurvivesKills(t *testing.T) {
	bs := broker(t)
	kills := upsertKills(t)
	bin := cliBinary(t)
	in, out := newTopic(t, bs, 4), newTopic(t, bs, 4)
	ckpts := t.TempDir()
	script := filepath.Join(t.TempDir(), "totals.sql")
	require.NoError(t, os.WriteFile(script, []byte(fmt.Sprintf(`
CREATE TABLE events (k STRING, x BIGINT) WITH (
  'connector' = 'kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s',
  'properties.group.id' = '%s', 'scan.startup.mode' = 'earliest-offset', 'format' = 'csv');
CREATE TABLE totals (k STRING, cnt BIGINT, total BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH (
  'connector' = 'upsert-kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s',
  'key.format' = 'raw', 'value.format' = 'csv', 'value.fields-include' = 'EXCEPT_KEY',
  'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = '%s');
INSERT INTO totals SELECT k, COUNT(*), SUM(x) FROM events GROUP BY k;
`, in, bs, unique("totals"), out, bs, unique("txn"))), 0o644))
	args := []string{"sql", "-D", "execution.checkpointing.interval=1s", "-D", "state.checkpoints.dir=" + ckpts,
		"-D", "parallelism.default=2", "--restore", "latest", "-f", script}

	// The input streams in while the job is killed and restarted: about
	// 1000 events a second for as long as the kills take (a run lasts
	// 2.35 s on average, plus its start), and a little into the last run.
	total := 2500*kills + 2000
	fed := make(chan error, 1)
	go func() { fed <- feedEvents(bs, in, total) }()

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	for i := range kills {
		j := startCLI(t, bin, args...)
		wait := time.Duration(1200+rng.IntN(2300)) * time.Millisecond
		select {
		case err := <-j.exited:
			t.Fatalf("run %d: the job exited on its own: %v\n%s", i+1, err, j.stderr())
		case <-time.After(wait):
		}
		require.NoError(t, j.cmd.Process.Signal(syscall.SIGKILL))
		<-j.exited
		n := 0
		for _, seq := range committedTotals(t, bs, out) {
			n += len(seq)
		}
		t.Logf("run %d killed after %v: %d updates committed", i+1, wait, n)
	}
	require.NoError(t, <-fed)

	j := startCLI(t, bin, args...)
	want := recomputeTotals(t, bs, in, total)
	var got map[string][]aggregate
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		select {
		case err := <-j.exited:
			t.Fatalf("the last run exited: %v\n%s", err, j.stderr())
		default:
		}
		got = committedTotals(t, bs, out)
		if lastEqual(got, want) || time.Now().After(deadline) {
			break
		}
	}
	// A late duplicate commit would show after the catch-up.
	time.Sleep(1500 * time.Millisecond)
	got = committedTotals(t, bs, out)
	require.NoError(t, j.cmd.Process.Signal(syscall.SIGKILL))

	last := map[string]aggregate{}
	backwards := 0
	for k, seq := range got {
		last[k] = seq[len(seq)-1]
		for i := 1; i < len(seq); i++ {
			if seq[i].count < seq[i-1].count {
				backwards++
				t.Errorf("key %s: committed count went from %d back to %d (update %d of %d)", k, seq[i-1].count, seq[i].count, i, len(seq))
				break
			}
		}
	}
	lost, doubled := int64(0), int64(0)
	for k, w := range want {
		switch d := last[k].count - w.count; {
		case d < 0:
			lost -= d
		case d > 0:
			doubled += d
		}
	}
	assert.Zero(t, lost, "events lost")
	assert.Zero(t, doubled, "events doubled")
	assert.Zero(t, backwards, "keys whose committed count went backwards")
	require.Equal(t, want, last, "the last committed record of each key against a recomputation from the input, after %d kills\n%s", kills, j.stderr())
	assert.Contains(t, j.stderr(), "restoring from checkpoint", "the last run restored state")
}

// feedEvents writes total events "k<i mod 37>,<i>" over the 4 partitions
// in batches of 200 every 200 ms.
func feedEvents(bs, topic string, total int) error {
	p, err := ckafka.NewProducer(&ckafka.ConfigMap{"bootstrap.servers": bs, "acks": "all", "linger.ms": 5})
	if err != nil {
		return err
	}
	defer p.Close()
	done := make(chan ckafka.Event, 256)
	for i := 0; i < total; i += 200 {
		n := min(200, total-i)
		for j := i; j < i+n; j++ {
			v := fmt.Sprintf("k%d,%d", j%37, j)
			if err := p.Produce(&ckafka.Message{TopicPartition: ckafka.TopicPartition{Topic: &topic, Partition: int32(j % 4)}, Value: []byte(v)}, done); err != nil {
				return err
			}
		}
		for range n {
			if m := (<-done).(*ckafka.Message); m.TopicPartition.Error != nil {
				return m.TopicPartition.Error
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return nil
}

// recomputeTotals reads the whole input and aggregates it.
func recomputeTotals(t *testing.T, bs, topic string, total int) map[string]aggregate {
	t.Helper()
	want := map[string]aggregate{}
	n := 0
	for _, m := range consumeAll(t, bs, topic) {
		k, x, ok := strings.Cut(string(m.Value), ",")
		require.True(t, ok, string(m.Value))
		v, err := strconv.ParseInt(x, 10, 64)
		require.NoError(t, err)
		a := want[k]
		want[k] = aggregate{a.count + 1, a.sum + v}
		n++
	}
	require.Equal(t, total, n, "events in the input topic")
	return want
}

// committedTotals reads the output as a read_committed consumer: each
// key's updates in order.
func committedTotals(t *testing.T, bs, topic string) map[string][]aggregate {
	t.Helper()
	out := map[string][]aggregate{}
	for k, recs := range perKey(t, readKeyed(t, bs, topic)) {
		for _, r := range recs {
			require.False(t, r.tombstone, "a GROUP BY without deletes writes no tombstone (key %s)", k)
			var a aggregate
			_, err := fmt.Sscanf(r.value, "%d,%d", &a.count, &a.sum)
			require.NoError(t, err, r.value)
			out[k] = append(out[k], a)
		}
	}
	return out
}

func lastEqual(got map[string][]aggregate, want map[string]aggregate) bool {
	if len(got) != len(want) {
		return false
	}
	for k, w := range want {
		seq := got[k]
		if len(seq) == 0 || seq[len(seq)-1] != w {
			return false
		}
	}
	return true
}
