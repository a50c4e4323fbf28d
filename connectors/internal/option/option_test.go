package option

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine"
)

func TestReader(t *testing.T) {
	r := Reader{Connector: "demo", Options: map[string]string{
		"n": " 42 ", "big": "3000000000", "f": "0.5", "b": "True", "d": "2 min", "bad": "x",
	}}
	n, err := r.Int("n", 0)
	require.NoError(t, err)
	assert.Equal(t, 42, n)
	n, err = r.Int("missing", 7)
	require.NoError(t, err)
	assert.Equal(t, 7, n)
	_, err = r.Int("big", 0)
	assert.EqualError(t, err, "demo: big = '3000000000' is out of range for an integer option")
	big, err := r.Int64("big", 0)
	require.NoError(t, err)
	assert.EqualValues(t, 3000000000, big)
	_, err = r.Int64("bad", 0)
	assert.EqualError(t, err, "demo: bad = 'x' is not an integer")
	f, err := r.Float("f", 0)
	require.NoError(t, err)
	assert.Equal(t, 0.5, f)
	_, err = r.Float("bad", 0)
	assert.EqualError(t, err, "demo: bad = 'x' is not a number")
	b, err := r.Bool("b", false)
	require.NoError(t, err)
	assert.True(t, b)
	_, err = r.Bool("bad", false)
	assert.EqualError(t, err, "demo: bad = 'x' is not a boolean (true or false)")
	d, err := r.Duration("d", 0)
	require.NoError(t, err)
	assert.Equal(t, 2*time.Minute, d)
	_, err = r.Duration("bad", 0)
	assert.ErrorContains(t, err, "demo: bad = 'x' is not a duration")
	assert.Equal(t, "x", r.String("bad", "y"))
	assert.Equal(t, "y", r.String("missing", "y"))
	assert.True(t, r.Has("n"))
	assert.False(t, r.Has("missing"))
}

func TestBatchSize(t *testing.T) {
	n, err := BatchSize(nil)
	require.NoError(t, err)
	assert.Equal(t, engine.DefaultBatchSize, n)
	n, err = BatchSize(engine.Config{engine.ConfigBatchSize: "64"})
	require.NoError(t, err)
	assert.Equal(t, 64, n)
	_, err = BatchSize(engine.Config{engine.ConfigBatchSize: "-1"})
	assert.EqualError(t, err, "config sluice.exec.batch-size = -1: must be at least 1")
}
