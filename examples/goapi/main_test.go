package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The example's statistics equal a recomputation in Go from the same log
// file: both Python UDFs ran through the engine's SQL.
func TestGoAPIExample(t *testing.T) {
	dir := t.TempDir()
	res, err := run(context.Background(), dir, 5000)
	require.NoError(t, err)
	assert.Equal(t, []string{"province", "access_count", "total_download", "download_speed", "mean_request_speed"}, res.Columns)

	f, err := os.Open(filepath.Join(dir, "access_log.csv"))
	require.NoError(t, err)
	defer f.Close()
	lines, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	type stat struct {
		n, bytes, secs int64
		speedSum       float64
		speedN         int64
	}
	want := map[string]*stat{}
	for _, l := range lines {
		p := provinceOf(l[1])
		secs, _ := strconv.ParseInt(l[2], 10, 64)
		size, _ := strconv.ParseInt(l[3], 10, 64)
		s := want[p]
		if s == nil {
			s = &stat{}
			want[p] = s
		}
		s.n++
		s.bytes += size
		s.secs += secs
		if secs > 0 {
			s.speedSum += float64(size) / float64(secs)
			s.speedN++
		}
	}
	var names []string
	for p := range want {
		names = append(names, p)
	}
	sort.Strings(names)
	require.Len(t, res.Rows, len(names))
	for i, p := range names {
		row := res.Rows[i].Values
		s := want[p]
		assert.Equal(t, p, row[0])
		assert.EqualValues(t, s.n, row[1], p)
		assert.EqualValues(t, s.bytes, row[2], p)
		// SUM(...) * 1.0 is a DECIMAL in Flink SQL (the literal is exact).
		speed, err := strconv.ParseFloat(res.Text()[i][3], 64)
		require.NoError(t, err)
		assert.InDelta(t, float64(s.bytes)/float64(s.secs), speed, 1e-6, p)
		assert.InDelta(t, s.speedSum/float64(s.speedN), row[4], 1e-3, p)
	}
}
