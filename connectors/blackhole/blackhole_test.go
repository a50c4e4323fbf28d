package blackhole_test

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/connectors/blackhole"
	"github.com/sluice-stream/sluice/connectors/datagen"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
)

func TestOptions(t *testing.T) {
	f, err := connector.Lookup(blackhole.Identifier)
	require.NoError(t, err)
	sf, ok := f.(connector.SinkFactory)
	require.True(t, ok)
	cols := []connector.Column{{Name: "x", Type: types.INT()}}
	s, err := sf.NewSink(&connector.Context{Table: "void", Columns: cols, Options: map[string]string{"connector": "blackhole"}})
	require.NoError(t, err)
	// As Flink's blackhole: every kind but UPDATE_BEFORE, no key needed.
	assert.Equal(t, connector.All&^connector.KindUpdateBefore, s.Accepts)
	assert.True(t, s.Discards)
	assert.Zero(t, s.Parallelism)

	_, err = sf.NewSink(&connector.Context{Table: "void", Columns: cols, Options: map[string]string{"connector": "blackhole", "path": "/dev/null"}})
	require.Error(t, err)
	assert.Equal(t, `connector "blackhole" does not support option 'path'; it takes no option besides 'connector'`, err.Error())
}

// TestDatagenToBlackholeJob: everything reaches the sink and is discarded,
// with no leak.
func TestDatagenToBlackholeJob(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	cols := []connector.Column{{Name: "x", Type: types.INT()}, {Name: "s", Type: types.STRING()}}
	src, err := datagen.Factory{}.NewSource(&connector.Context{Table: "gen", Columns: cols, Options: map[string]string{
		"connector": "datagen", "number-of-rows": "5000", "rows-per-second": "100000000"}})
	require.NoError(t, err)
	sink, err := blackhole.Factory{}.NewSink(&connector.Context{Table: "void", Columns: cols, Options: map[string]string{"connector": "blackhole"}})
	require.NoError(t, err)
	g := &engine.JobGraph{Name: "void", Bounded: true, Mem: mem, Vertices: []*engine.Vertex{
		{ID: 1, Name: "gen", Parallelism: 2, Source: func(s int) engine.Source { return src.Instance(s, 2) }},
		{ID: 2, Name: "void", Parallelism: 3, Inputs: []engine.Edge{{From: 1, Partition: engine.Partitioning{Kind: engine.Hash, Keys: []int{0}}}},
			Sink: func(s int) engine.Sink { return sink.Instance(s, 3) }},
	}}
	res, err := engine.Execute(context.Background(), g, engine.Config{engine.ConfigBatchSize: "512"})
	require.NoError(t, err)
	m, ok := res.Operator("BlackHole")
	require.True(t, ok)
	assert.EqualValues(t, 5000, m.RecordsIn)
}
