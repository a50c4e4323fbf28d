package cdn_test

// The per-minute follow-up to the seed's job (cdn_window_job.py): timed
// logs in a 4-partition topic, a 1-minute event-time TUMBLE per province
// with a Python UDF before it, upserted into MariaDB. Every window the
// watermark closed equals a recomputation from the topic.

import (
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCDNWindowJob(t *testing.T) {
	bs, topic, db, env := services(t)
	bin := sluiceBinary(t)
	_, err := db.Exec("CREATE TABLE access_statistic_minute (province VARCHAR(64) NOT NULL, window_start DATETIME(3) NOT NULL, window_end DATETIME(3), access_count BIGINT, total_download BIGINT, download_speed DOUBLE, PRIMARY KEY (province, window_start)) DEFAULT CHARSET=utf8mb4")
	require.NoError(t, err)
	const lines, perMinute = 20000, 5000 // four simulated minutes
	gen := startGeneratorArgs(t, bin, env, "--kafka", bs, "--topic", topic, "--count", strconv.Itoa(lines), "--seed", "17",
		"--event-time", "2026-01-01 00:00:00", "--per-minute", strconv.Itoa(perMinute))
	require.Contains(t, <-gen, fmt.Sprintf("wrote %d log lines", lines))

	p := startJob(t, bin, env, "run", "cdn_window_job.py")
	defer p.cmd.Process.Kill()

	want := recomputeMinutes(t, bs, topic, lines)
	// The watermark trails the newest log by 5 s: the windows of minutes
	// 0, 1 and 2 close (and that of the minute before, where the first
	// logs fall, being up to 2 s early), minute 3's stays open.
	require.GreaterOrEqual(t, len(want), 3*31, "every province in each closed minute")
	var got []string
	for deadline := time.Now().Add(120 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		select {
		case err := <-p.exited:
			t.Fatalf("cdn_window_job.py exited: %v\n%s", err, p.log())
		default:
		}
		if got = minuteRows(t, db); equal(got, want) {
			break
		}
	}
	assert.Equal(t, want, got, "MariaDB's per-minute statistics against a recomputation from the topic\n%s", p.log())
}

// startGeneratorArgs runs generate_logs.py with the given arguments.
func startGeneratorArgs(t *testing.T, bin string, env []string, args ...string) <-chan string {
	return startCommand(t, bin, env, append([]string{"run", "generate_logs.py"}, args...)...)
}

// recomputeMinutes reads the timed logs back and aggregates the closed
// minutes (those ending at least 5 s before the newest log) as the job.
func recomputeMinutes(t *testing.T, bs, topic string, count int) []string {
	ranges := loadRanges(t)
	c, err := ckafka.NewConsumer(&ckafka.ConfigMap{"bootstrap.servers": bs, "group.id": unique("check"), "enable.auto.commit": false, "enable.partition.eof": true})
	require.NoError(t, err)
	defer c.Close()
	var tps []ckafka.TopicPartition
	for p := int32(0); p < 4; p++ {
		tps = append(tps, ckafka.TopicPartition{Topic: &topic, Partition: p, Offset: ckafka.OffsetBeginning})
	}
	require.NoError(t, c.Assign(tps))
	type key struct {
		province string
		minute   time.Time
	}
	type agg struct{ n, bytes, reqTime int64 }
	per := map[key]*agg{}
	var newest time.Time
	n := 0
	for eof, deadline := 0, time.Now().Add(60*time.Second); eof < 4 && time.Now().Before(deadline); {
		switch e := c.Poll(100).(type) {
		case *ckafka.Message:
			f := strings.Split(string(e.Value), ",")
			require.Len(t, f, 6, "log line %q", e.Value)
			ts, err := time.Parse("2006-01-02 15:04:05.000", f[5])
			if err != nil {
				ts, err = time.Parse("2006-01-02 15:04:05", f[5])
			}
			require.NoError(t, err, "log_time %q", f[5])
			if ts.After(newest) {
				newest = ts
			}
			rt, _ := strconv.ParseInt(f[2], 10, 64)
			size, _ := strconv.ParseInt(f[3], 10, 64)
			k := key{provinceOf(ranges, f[1]), ts.Truncate(time.Minute)}
			if per[k] == nil {
				per[k] = &agg{}
			}
			per[k].n++
			per[k].bytes += size
			per[k].reqTime += rt
			n++
		case ckafka.PartitionEOF:
			eof++
		}
	}
	require.Equal(t, count, n)
	watermark := newest.Add(-5 * time.Second)
	var out []string
	for k, a := range per {
		if !k.minute.Add(time.Minute).After(watermark) {
			out = append(out, minuteRow(k.province, k.minute, a.n, a.bytes, float64(a.bytes)/float64(a.reqTime)))
		}
	}
	sort.Strings(out)
	return out
}

func minuteRow(p string, start time.Time, n, bytes int64, speed float64) string {
	return fmt.Sprintf("%s %s %d %d %.9g", p, start.Format("15:04"), n, bytes, math.Round(speed*1e6)/1e6)
}

func minuteRows(t *testing.T, db *sql.DB) []string {
	rows, err := db.Query("SELECT province, window_start, access_count, total_download, download_speed FROM access_statistic_minute")
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p, start string
		var n, b int64
		var s float64
		require.NoError(t, rows.Scan(&p, &start, &n, &b, &s))
		ts, err := time.Parse("2006-01-02 15:04:05.000", start)
		require.NoError(t, err, "window_start %q", start)
		out = append(out, minuteRow(p, ts, n, b, s))
	}
	sort.Strings(out)
	return out
}
