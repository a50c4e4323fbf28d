package values

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// The exactly-once sink shows a checkpoint's rows once it completes and
// the rest at the end of input; a new instance that restores no
// checkpoint (a restart from the start) drops what the failed one staged.
func TestExactlyOnceSink(t *testing.T) {
	mem := checkedMem(t)
	ctx := context.Background()
	schema := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int32, Nullable: true}}, nil)
	batch := func(v int32) *vectorized.Batch {
		b := array.NewRecordBuilder(mem, schema)
		defer b.Release()
		b.Field(0).(*array.Int32Builder).Append(v)
		return &vectorized.Batch{Record: b.NewRecordBatch()}
	}
	write := func(s *sink, v int32) {
		b := batch(v)
		require.NoError(t, s.Write(ctx, b))
		b.Record.Release()
	}
	open := func(id string) *sink {
		sk, err := Factory{}.NewSink(tableContext([]connector.Column{col("k", types.INT())}, map[string]string{"sink-id": id, OptionSinkGuarantee: "exactly-once"}, nil))
		require.NoError(t, err)
		s := sk.Instance(0, 1).(*sink)
		require.NoError(t, s.Open(ctx, &engine.RuntimeContext{Parallelism: 1, Mem: mem}))
		return s
	}
	seen := func(id string) []string {
		var out []string
		for _, r := range Collected(id).Rows() {
			out = append(out, r.String())
		}
		return out
	}

	Reset("eos_a")
	s := open("eos_a")
	write(s, 1)
	require.NoError(t, s.SnapshotState(ctx, engine.CheckpointInfo{ID: 1}))
	write(s, 2)
	assert.Empty(t, seen("eos_a"), "nothing is visible before a checkpoint completes")
	require.NoError(t, s.NotifyCheckpointComplete(ctx, 1))
	assert.Equal(t, []string{"+I[1]"}, seen("eos_a"))
	require.NoError(t, s.SnapshotState(ctx, engine.CheckpointInfo{ID: 2}))
	write(s, 3)
	require.NoError(t, s.Finish(ctx))
	assert.Equal(t, []string{"+I[1]", "+I[2]", "+I[3]"}, seen("eos_a"), "the end of input commits the rest")
	require.NoError(t, s.Close())

	Reset("eos_b")
	s = open("eos_b")
	write(s, 1)
	require.NoError(t, s.SnapshotState(ctx, engine.CheckpointInfo{ID: 1}))
	write(s, 2)
	require.NoError(t, s.Close()) // the attempt fails before checkpoint 1 completes
	s = open("eos_b")             // and restarts from the start
	require.NoError(t, s.Finish(ctx))
	require.NoError(t, s.Close())
	assert.Empty(t, seen("eos_b"))

	_, err := Factory{}.NewSink(tableContext([]connector.Column{col("k", types.INT())}, map[string]string{OptionSinkGuarantee: "twice"}, nil))
	assert.ErrorContains(t, err, `sink.delivery-guarantee is "twice"`)
}
