package cdn_test

// The per-region variant (cdn_region_job.py): the seed's logs, the UDF's
// province, then a lookup join with the province → region table in
// MariaDB (province_region.sql) and an upsert per region. The region
// table must equal a recomputation from the topic and the dimension table.

import (
	"database/sql"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCDNRegionJob(t *testing.T) {
	bs, topic, db, env := services(t)
	bin := sluiceBinary(t)
	ddl, err := os.ReadFile("province_region.sql")
	require.NoError(t, err)
	for _, stmt := range strings.Split(string(ddl), ";") {
		var code []string
		for _, line := range strings.Split(stmt, "\n") {
			if !strings.HasPrefix(strings.TrimSpace(line), "--") {
				code = append(code, line)
			}
		}
		if s := strings.TrimSpace(strings.Join(code, "\n")); s != "" {
			_, err := db.Exec(s)
			require.NoError(t, err, s)
		}
	}
	regions := map[string]string{}
	rows, err := db.Query("SELECT province, region FROM province_region")
	require.NoError(t, err)
	for rows.Next() {
		var p, r string
		require.NoError(t, rows.Scan(&p, &r))
		regions[p] = r
	}
	require.NoError(t, rows.Err())
	rows.Close()
	require.Len(t, regions, 31, "every province of ip_ranges.csv has a region")

	const lines = 20000
	gen := startGeneratorArgs(t, bin, env, "--kafka", bs, "--topic", topic, "--count", strconv.Itoa(lines), "--rate", "20000", "--seed", "23")
	require.Contains(t, <-gen, "wrote 20000 log lines")

	p := startJob(t, bin, env, "run", "cdn_region_job.py")
	defer p.cmd.Process.Kill()

	want := recomputeRegions(t, bs, topic, loadRanges(t), regions, lines)
	require.Len(t, want, 7, "the logs reach every region")

	var got []string
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		select {
		case err := <-p.exited:
			t.Fatalf("cdn_region_job.py exited: %v\n%s", err, p.log())
		default:
		}
		if got = regionRows(t, db); equal(got, want) {
			break
		}
	}
	assert.Equal(t, want, got, "MariaDB's access_statistic_region against a recomputation from the topic\n%s", p.log())
}

// recomputeRegions reads the logs back from the topic and aggregates them
// per region as the job does.
func recomputeRegions(t *testing.T, bs, topic string, ranges []ipRange, regions map[string]string, count int) []string {
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
			r, ok := regions[provinceOf(ranges, f[1])]
			require.True(t, ok, "ip %s has no region", f[1])
			if per[r] == nil {
				per[r] = &agg{}
			}
			per[r].n++
			per[r].bytes += size
			per[r].reqTime += rt
			lines++
		case ckafka.PartitionEOF:
			eof++
		}
	}
	require.Equal(t, count, lines)
	var out []string
	for r, a := range per {
		out = append(out, row(r, a.n, a.bytes, float64(a.bytes)*1.0/float64(a.reqTime)))
	}
	sort.Strings(out)
	return out
}

func regionRows(t *testing.T, db *sql.DB) []string {
	rows, err := db.Query("SELECT region, access_count, total_download, download_speed FROM access_statistic_region")
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var r string
		var n, b int64
		var s float64
		require.NoError(t, rows.Scan(&r, &n, &b, &s))
		out = append(out, row(r, n, b, s))
	}
	sort.Strings(out)
	return out
}
