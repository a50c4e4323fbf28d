package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

func TestBatchBytesConfig(t *testing.T) {
	cases := []struct {
		val  string // "" leaves the key unset
		want int
		err  string
	}{
		{"", DefaultBatchBytes, ""},
		{"65536", 65536, ""},
		{"512 kb", 512 << 10, ""},
		{"8MB", 8 << 20, ""},
		{"1g", 1 << 30, ""},
		{"0", 0, "must be between"},
		{"2tb", 0, "must be between"},
		{"lots", 0, "no number"},
		{"5 parsecs", 0, "unknown unit"},
	}
	for _, c := range cases {
		cfg := Config{}
		if c.val != "" {
			cfg[ConfigBatchBytes] = c.val
		}
		got, err := BatchBytes(cfg)
		if c.err != "" {
			require.Error(t, err, c.val)
			assert.Contains(t, err.Error(), c.err)
			continue
		}
		require.NoError(t, err, c.val)
		assert.Equal(t, c.want, got, c.val)
	}
}

// sizeCollector records each batch's rows and bytes.
type sizeCollector struct{ rows, bytes []int }

func (c *sizeCollector) Collect(_ context.Context, b *vectorized.Batch) error {
	c.rows = append(c.rows, int(b.NumRows()))
	c.bytes = append(c.bytes, vectorized.RecordBytes(b.Record))
	return nil
}

// wideBatches are rows (k STRING of 10 KB, unique per row, v BIGINT).
func wideBatches(t *testing.T, rt *RuntimeContext, rows, perBatch int) []*vectorized.Batch {
	schema := schemaOf(field("k", arrow.BinaryTypes.String), field("v", arrow.PrimitiveTypes.Int64))
	pad := strings.Repeat("x", 10<<10)
	var out []*vectorized.Batch
	for lo := 0; lo < rows; lo += perBatch {
		bld := array.NewRecordBuilder(rt.Mem, schema)
		for i := lo; i < min(lo+perBatch, rows); i++ {
			bld.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("%06d", i) + pad)
			bld.Field(1).(*array.Int64Builder).Append(int64(i))
		}
		out = append(out, vectorized.NewBatch(bld.NewRecordBatch()))
		bld.Release()
	}
	return out
}

// TestBatchBytesCapsOutputBuiltFromState: with 10 KB rows, the batches a
// batch-mode aggregate and a sort build at end of input stay under
// sluice.exec.batch-bytes (a batch is cut once it reaches the cap: at most
// one row over), while rows alone would make 10000-row, 100 MB batches.
func TestBatchBytesCapsOutputBuiltFromState(t *testing.T) {
	const rows, rowBytes = 3000, 10<<10 + 64
	ops := map[string]func() Operator{
		"aggregate": func() Operator {
			return NewGroupAggregate(GroupAggSpec{Keys: []int{0}, Mode: Batch, Aggs: []AggCall{{Func: Sum, Arg: 1}},
				OutputNames: []string{"k", "s"}})
		},
		"sort": func() Operator { return NewSort([]SortKey{{Col: 1, Desc: true}}, 0, -1) },
	}
	for name, op := range ops {
		for _, capBytes := range []int{256 << 10, 1 << 20, DefaultBatchBytes} {
			t.Run(fmt.Sprintf("%s/cap=%d", name, capBytes), func(t *testing.T) {
				mem := checkedMem(t)
				cfg := Config{}
				if capBytes != DefaultBatchBytes {
					cfg[ConfigBatchBytes] = fmt.Sprint(capBytes)
				}
				h := newHarness(t, mem, op(), cfg)
				for _, b := range wideBatches(t, h.rt, rows, 1000) {
					h.process(b)
				}
				var c sizeCollector
				require.NoError(t, h.op.EndInput(context.Background(), &c))
				total := 0
				for i, n := range c.rows {
					total += n
					assert.LessOrEqual(t, c.bytes[i], capBytes+rowBytes, "batch %d of %d rows", i, n)
				}
				assert.Equal(t, rows, total)
				assert.Greater(t, len(c.rows), rows*rowBytes/capBytes-1, "batches are cut by bytes, not by rows")
			})
		}
	}
}
