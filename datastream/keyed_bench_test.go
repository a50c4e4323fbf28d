package datastream_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkKeyedProcessCount: the ValueState counter over 10k-record
// batches of 1000 keys (one Python crossing per batch), hashmap backend.
func BenchmarkKeyedProcessCount(b *testing.B) {
	r := newRun(b, pyRunner(b, countFn), runOpts{backend: "hashmap"})
	recs := make([]rec, 10000)
	for i := range recs {
		recs[i] = rec{key: fmt.Sprintf("k%d", i%1000), val: int64(i), ts: int64(i)}
	}
	batch := batchOf(r.mem, recs...)
	defer batch.Release()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.out = r.out[:0]
		require.NoError(b, r.op.Process(b.Context(), 0, batch, r))
	}
	b.ReportMetric(float64(b.N*len(recs))/b.Elapsed().Seconds(), "records/s")
}
