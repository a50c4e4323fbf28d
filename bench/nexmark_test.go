package bench

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/table"
)

// Every query file holds the source with its WATERMARK, the three views,
// a blackhole sink (q10: filesystem, q13: a side input too), one INSERT,
// and a `-- sluice:` line saying whether it runs; the script parses.
func TestNexmarkScripts(t *testing.T) {
	for _, q := range NexmarkQueryNames {
		t.Run(q, func(t *testing.T) {
			s, err := NexmarkScript(q, 1234, "/tmp/x")
			require.NoError(t, err)
			assert.Contains(t, s, "'connector' = 'nexmark'")
			assert.Contains(t, s, "'events.num' = '1234'")
			assert.Contains(t, s, "WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '4' SECOND")
			for _, v := range []string{"CREATE VIEW person", "CREATE VIEW auction", "CREATE VIEW bid"} {
				assert.Contains(t, s, v)
			}
			sink := "nexmark_" + strings.ReplaceAll(q, "-", "_")
			assert.Contains(t, s, "INSERT INTO "+sink+"\n")
			assert.Contains(t, s, "\n-- sluice: ")
			assert.NotContains(t, s, "/tmp/sluice-nexmark/", "paths are moved under the run's directory")
			if q != "q10" {
				assert.Contains(t, s, "CREATE TABLE "+sink+" (")
			}
		})
	}
	_, err := NexmarkScript("q23", 1, "")
	assert.ErrorContains(t, err, "no query q23")
	assert.Equal(t, 155_020.0, flinkFigureOf("q0"))
	assert.Equal(t, 116_800.0, flinkFigureOf("q17-nofilter"), "a -nofilter variant does its query's work")
	assert.Zero(t, flinkFigureOf("q8-nojoin"), "q8-nojoin skips the join: no comparable figure")
}

// The queries marked as running run over a few events, into their sinks,
// with the numbers filled in.
func TestRunNexmarkRunnableQueries(t *testing.T) {
	var runnable []string
	for _, q := range NexmarkQueryNames {
		s, err := NexmarkScript(q, 1, "")
		require.NoError(t, err)
		if strings.Contains(s, "\n-- sluice: runs") {
			runnable = append(runnable, q)
		}
	}
	require.Subset(t, runnable, []string{"q0", "q1", "q2", "q3", "q4", "q5", "q7", "q8", "q9", "q13", "q20", "q8-nojoin", "q11", "q12", "q14", "q15-nofilter", "q16-nofilter", "q17-nofilter", "q21", "q22"})
	rep, err := RunNexmark(context.Background(), NexmarkConfig{Events: 20000, Queries: runnable, Parallelism: 2}, nil)
	require.NoError(t, err)
	require.Len(t, rep.Measurements, len(runnable))
	for _, m := range rep.Measurements {
		assert.Empty(t, m.Error, m.Query)
		assert.Positive(t, m.EventsPerCore, m.Query)
	}
}

// q14's count_char is Nexmark's CountChar: the occurrences of a character.
func TestCountChar(t *testing.T) {
	env := table.NewEnvironment(table.Settings{})
	release, err := registerCountChar(env)
	require.NoError(t, err)
	defer release()
	res, err := env.ExecuteSQL(context.Background(), "SELECT count_char('abcacc', 'c'), count_char('', 'c'), count_char(CAST(NULL AS STRING), 'c')")
	require.NoError(t, err)
	require.Len(t, res.Rows, 1)
	assert.Equal(t, []any{int64(3), int64(0), int64(0)}, res.Rows[0].Values)
}

// A query that fails is reported with its error, not as a number.
func TestNexmarkReportTable(t *testing.T) {
	rep := &NexmarkReport{Parallelism: 1, Measurements: []NexmarkMeasurement{
		{Query: "q0", Events: 10, Seconds: 1, EventsPerSec: 10, EventsPerCore: 900_000, FlinkPerCore: 155_020, Ratio: 900_000 / 155_020.0},
		{Query: "q3", Events: 10, FlinkPerCore: 152_120, Error: "joins are not supported yet\n  FROM auction"},
	}}
	var sb strings.Builder
	require.NoError(t, rep.WriteTable(&sb))
	out := sb.String()
	assert.Contains(t, out, "5.81×")
	assert.Contains(t, out, "yes")
	assert.Contains(t, out, "q3   joins are not supported yet\n")
	assert.NotContains(t, out, "FROM auction")
}

// The source's dateTime drives event time end to end: in streaming mode
// at parallelism 2, a TUMBLE window count over the bids of 5000 events
// (1000/s of event time) loses no bid to lateness — every generator's
// timeline is in order — and the windows are the 1 s steps the rate
// spans.
func TestNexmarkEventTimeWindows(t *testing.T) {
	s, err := NexmarkScript("q0", 5000, t.TempDir())
	require.NoError(t, err)
	s = strings.Replace(s, "'first-event.rate' = '10000000'", "'first-event.rate' = '1000', 'base-time' = '2026-01-01 00:00:00'", 1)
	ddl := s[:strings.Index(s, "CREATE TABLE nexmark_q0")]
	env := table.NewEnvironment(table.Settings{Streaming: true, Config: map[string]string{"parallelism.default": "2"}})
	_, err = env.ExecuteScript(context.Background(), ddl)
	require.NoError(t, err)
	res, err := env.ExecuteSQL(context.Background(), "SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '1' SECOND)) GROUP BY window_start, window_end")
	require.NoError(t, err)
	total := int64(0)
	starts := map[string]bool{}
	for _, r := range res.Rows {
		require.Equal(t, "+I", r.Kind)
		starts[fmt.Sprint(r.Values[0])] = true
		total += r.Values[1].(int64)
	}
	assert.Equal(t, int64(4600), total, "46 bids in every 50 events, none dropped as late")
	// Event n of each generator at 2n ms: 2 … 5000 ms, the last ones (ids
	// 2501 and 5001) auctions.
	assert.Equal(t, map[string]bool{"2026-01-01 00:00:00.000": true, "2026-01-01 00:00:01.000": true, "2026-01-01 00:00:02.000": true,
		"2026-01-01 00:00:03.000": true, "2026-01-01 00:00:04.000": true}, starts)
}
