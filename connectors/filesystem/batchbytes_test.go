package filesystem

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/sluice-stream/sluice/connectors/format/all"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// TestBatchBytesCap: a file of 10 KB rows is read in batches under
// sluice.exec.batch-bytes (at most one row over), in a row format and in
// parquet, where the row count alone would make 100 MB batches.
func TestBatchBytesCap(t *testing.T) {
	const rows, capBytes = 1500, 256 << 10
	pad := strings.Repeat("x", 10<<10)
	dir := t.TempDir()
	var csv strings.Builder
	for i := range rows {
		fmt.Fprintf(&csv, "%d,%06d%s\n", i, i, pad)
	}
	writeFile(t, filepath.Join(dir, "csv", "part-0.csv"), csv.String())
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	writeParquet(t, filepath.Join(dir, "parquet", "part-0.parquet"), schema, false, func(b *array.RecordBuilder) {
		for i := range rows {
			b.Field(0).(*array.Int64Builder).Append(int64(i))
			b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("%06d%s", i, pad))
		}
	})
	for _, format := range []string{"csv", "parquet"} {
		t.Run(format, func(t *testing.T) {
			mem := checkedMem(t)
			src, err := Factory{}.NewSource(tableContext([]connector.Column{col("id", types.BIGINT()), col("s", types.STRING())},
				map[string]string{"path": filepath.Join(dir, format), "format": format}))
			require.NoError(t, err)
			s := src.Instance(0, 1)
			ctx := context.Background()
			cfg := engine.Config{engine.ConfigBatchBytes: fmt.Sprint(capBytes)}
			require.NoError(t, s.Open(ctx, &engine.RuntimeContext{Parallelism: 1, Mem: mem, Metrics: &engine.OperatorMetrics{}, Config: cfg}))
			var sizes []int
			total := 0
			require.NoError(t, s.Run(ctx, engine.CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
				sizes = append(sizes, vectorized.RecordBytes(b.Record))
				total += int(b.NumRows())
				return nil
			})))
			require.NoError(t, s.Close())
			assert.Equal(t, rows, total)
			for i, n := range sizes {
				assert.LessOrEqual(t, n, capBytes+11<<10, "batch %d", i)
			}
			assert.GreaterOrEqual(t, len(sizes), rows*(10<<10)/capBytes, "batches are cut by bytes")
		})
	}
}
