package datastream_test

import (
	"strings"

	"fmt"
	"github.com/apache/arrow-go/v18/arrow"
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

// BenchmarkKeyedTumblingReduce: a tumbling event-time window (100 ms)
// summing per key, 10k-record batches over 1000 keys, a watermark per
// batch firing the windows it completes.
func BenchmarkKeyedTumblingReduce(b *testing.B) {
	src := strings.Replace(windowsFn, "Time.milliseconds(10))", "Time.milliseconds(100))", 1)
	r := newRun(b, pyRunner(b, src+"runner = tumbling_reduce\n"), runOpts{backend: "hashmap", outType: arrow.PrimitiveTypes.Int64})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		recs := make([]rec, 10000)
		for j := range recs {
			recs[j] = rec{key: fmt.Sprintf("k%d", j%1000), val: int64(j), ts: int64(i*100 + j/100)}
		}
		batch := batchOf(r.mem, recs...)
		r.out = r.out[:0]
		require.NoError(b, r.op.Process(b.Context(), 0, batch, r))
		batch.Release()
		r.watermark(int64(i*100 + 99))
	}
	b.ReportMetric(float64(b.N*10000)/b.Elapsed().Seconds(), "records/s")
}
