package main

import (
	"encoding/json"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/bench"
)

// `sluice bench nexmark` over a few events: the stateless queries run and
// report events/s per core beside Flink's figure.
func TestBenchNexmarkSmoke(t *testing.T) {
	bin := sluiceBinary(t)
	out, err := exec.Command(bin, "bench", "nexmark", "--events", "20000", "--queries", "q0,q1,q2", "--json").Output()
	require.NoError(t, err, "%s", out)
	var rep bench.NexmarkReport
	require.NoError(t, json.Unmarshal(out, &rep))
	require.Len(t, rep.Measurements, 3)
	for i, m := range rep.Measurements {
		assert.Equal(t, []string{"q0", "q1", "q2"}[i], m.Query)
		assert.Empty(t, m.Error)
		assert.Equal(t, int64(20000), m.Events)
		assert.Positive(t, m.EventsPerSec)
		assert.Positive(t, m.EventsPerCore)
		assert.Positive(t, m.FlinkPerCore)
		assert.InDelta(t, m.EventsPerCore/m.FlinkPerCore, m.Ratio, 1e-9)
	}

	out, err = exec.Command(bin, "bench", "nexmark", "--queries", "q0,q99").CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), `no query "q99"`)
}
