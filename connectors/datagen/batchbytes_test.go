package datagen

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// TestBatchBytesCap: 10 KB rows are cut into batches under
// sluice.exec.batch-bytes (at most one row over), where the row count
// alone would make 100 MB batches; narrow rows keep the row count.
func TestBatchBytesCap(t *testing.T) {
	cases := []struct {
		name     string
		length   string // of the STRING column
		capBytes int
		rows     int
	}{
		{"10 KB rows, 256 KiB cap", "10240", 256 << 10, 2000},
		{"10 KB rows, default cap", "10240", engine.DefaultBatchBytes, 3000},
		{"narrow rows keep the row count", "10", 256 << 10, 30000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := checkedMem(t)
			cfg := engine.Config{}
			if c.capBytes != engine.DefaultBatchBytes {
				cfg[engine.ConfigBatchBytes] = fmt.Sprint(c.capBytes)
			}
			src := mustSource(t, []connector.Column{col("id", types.BIGINT()), col("s", types.STRING())},
				map[string]string{"number-of-rows": fmt.Sprint(c.rows), "fields.s.length": c.length}, cfg)
			out := runSubtask(t, src, 0, 1, cfg, mem, 0)
			assert.Equal(t, c.rows, out.rows())
			for i, r := range out.recs {
				assert.LessOrEqual(t, vectorized.RecordBytes(r), c.capBytes+11<<10, "batch %d of %d rows", i, r.NumRows())
			}
			if c.length == "10" {
				assert.Equal(t, engine.DefaultBatchSize, out.sizes()[1], "the row cap")
			}
		})
	}
}
