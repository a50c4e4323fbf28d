package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

func TestReplicate(t *testing.T) {
	withCountFirst := schemaOf(field("n", arrow.PrimitiveTypes.Int64), field("id", arrow.PrimitiveTypes.Int32), field("v", arrow.BinaryTypes.String))
	withCountLast := schemaOf(field("id", arrow.PrimitiveTypes.Int32), field("v", arrow.BinaryTypes.String), field("n", arrow.PrimitiveTypes.Int64))
	tests := []struct {
		name   string
		schema *arrow.Schema
		count  int
		kinds  string
		rows   [][]any
		want   []string
	}{
		{
			name: "counts, zero, NULL and negative", schema: withCountFirst, count: 0,
			rows: [][]any{{2, 1, "a"}, {0, 2, "b"}, {nil, 3, "c"}, {1, nil, nil}, {-4, 5, "e"}, {3, 6, "f"}},
			want: []string{"+I[1, a]", "+I[1, a]", "+I[null, null]", "+I[6, f]", "+I[6, f]", "+I[6, f]"},
		},
		{
			// A retraction of a row counted N retracts N copies.
			name: "row kinds travel with their copies", schema: withCountLast, count: 2, kinds: "+I -U +U -D",
			rows: [][]any{{1, "a", 1}, {1, "a", 1}, {1, "a", 2}, {1, "a", 2}},
			want: []string{"+I[1, a]", "-U[1, a]", "+U[1, a]", "+U[1, a]", "-D[1, a]", "-D[1, a]"},
		},
		{
			name: "all ones pass through", schema: withCountLast, count: 2, kinds: "+I -D",
			rows: [][]any{{1, "a", 1}, {2, nil, 1}},
			want: []string{"+I[1, a]", "-D[2, null]"},
		},
		{
			name: "all zero", schema: withCountFirst, count: 0,
			rows: [][]any{{0, 1, "a"}, {0, 2, "b"}},
		},
		{
			name: "empty batch", schema: withCountFirst, count: 0,
		},
	}
	for _, tt := range tests {
		for _, size := range []int{1, 2, 1000} {
			t.Run(fmt.Sprintf("%s/batch=%d", tt.name, size), func(t *testing.T) {
				mem := checkedMem(t)
				var got []string
				var sizes []int
				h := newHarness(t, mem, NewReplicate(tt.count), Config{ConfigBatchSize: fmt.Sprint(size)})
				var ks []vectorized.RowKind
				if tt.kinds != "" {
					ks = kinds(tt.kinds)
				}
				b := makeBatch(t, mem, tt.schema, ks, tt.rows...)
				defer b.Release()
				err := h.op.Process(context.Background(), 0, b, CollectorFunc(func(_ context.Context, ob *vectorized.Batch) error {
					require.EqualValues(t, tt.schema.NumFields()-1, ob.Record.NumCols(), "the count column is dropped")
					sizes = append(sizes, int(ob.NumRows()))
					got = append(got, strs(BatchRows(ob))...)
					return nil
				}))
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				for _, n := range sizes {
					assert.Positive(t, n, "no empty batches")
					if tt.name != "all ones pass through" {
						assert.LessOrEqual(t, n, size, "batches hold at most the batch size")
					}
				}
			})
		}
	}
}

func TestReplicateLargeCount(t *testing.T) {
	mem := checkedMem(t)
	schema := schemaOf(field("n", arrow.PrimitiveTypes.Int64), field("id", arrow.PrimitiveTypes.Int32))
	h := newHarness(t, mem, NewReplicate(0), Config{ConfigBatchSize: "1000"})
	batches, rows := 0, 0
	b := makeBatch(t, mem, schema, nil, []any{25000, 7}, []any{1, 8})
	defer b.Release()
	require.NoError(t, h.op.Process(context.Background(), 0, b, CollectorFunc(func(_ context.Context, ob *vectorized.Batch) error {
		batches++
		rows += int(ob.NumRows())
		return nil
	})))
	assert.Equal(t, 25001, rows)
	assert.Equal(t, 26, batches)
}

func TestReplicateErrors(t *testing.T) {
	mem := checkedMem(t)
	schema := schemaOf(field("n", arrow.PrimitiveTypes.Int32), field("id", arrow.PrimitiveTypes.Int32))
	h := newHarness(t, mem, NewReplicate(0), nil)
	assert.EqualError(t, h.processErr(makeBatch(t, mem, schema, nil, []any{1, 1})), "replicate: count column 0 is int32, not BIGINT")
	h = newHarness(t, mem, NewReplicate(2), nil)
	assert.EqualError(t, h.processErr(makeBatch(t, mem, schema, nil, []any{1, 1})), "replicate: count column 2 of a 2-column batch")
	rt := &RuntimeContext{Config: Config{ConfigBatchSize: "0"}}
	assert.EqualError(t, NewReplicate(0).Open(context.Background(), rt), "replicate: sluice.exec.batch-size must be positive, not 0")
}
