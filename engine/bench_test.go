package engine

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/vectorized"
)

// benchBatches makes rows (key, v) in batches of 8192, the key STRING or
// BIGINT with the given number of distinct values.
func benchBatches(b *testing.B, mem memory.Allocator, stringKey bool, groups, rows int) []*vectorized.Batch {
	var keyType arrow.DataType = arrow.PrimitiveTypes.Int64
	if stringKey {
		keyType = arrow.BinaryTypes.String
	}
	schema := schemaOf(field("k", keyType), field("v", arrow.PrimitiveTypes.Int64))
	var out []*vectorized.Batch
	const batchRows = 8192
	for lo := 0; lo < rows; lo += batchRows {
		n := min(batchRows, rows-lo)
		bld := array.NewRecordBuilder(mem, schema)
		for i := lo; i < lo+n; i++ {
			g := (i * 7919) % groups
			if stringKey {
				bld.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("province-%04d", g))
			} else {
				bld.Field(0).(*array.Int64Builder).Append(int64(g) * 1_000_003)
			}
			bld.Field(1).(*array.Int64Builder).Append(int64(i))
		}
		out = append(out, vectorized.NewBatch(bld.NewRecordBatch()))
		bld.Release()
	}
	return out
}

// BenchmarkBatchGroupAggregate is GROUP BY k with COUNT(*) and SUM(v) in
// batch mode, one core, reported in input rows per second.
func BenchmarkBatchGroupAggregate(b *testing.B) {
	for _, key := range []string{"STRING", "BIGINT"} {
		for _, groups := range []int{8, 1000} {
			b.Run(fmt.Sprintf("key=%s/groups=%d", key, groups), func(b *testing.B) {
				mem := memory.NewGoAllocator()
				const rows = 1 << 20
				batches := benchBatches(b, mem, key == "STRING", groups, rows)
				defer func() {
					for _, x := range batches {
						x.Release()
					}
				}()
				spec := GroupAggSpec{Keys: []int{0}, Mode: Batch, Aggs: []AggCall{{Func: CountStar}, {Func: Sum, Arg: 1}}}
				rt := &RuntimeContext{Mem: mem, Parallelism: 1, Metrics: &OperatorMetrics{}, Config: Config{}}
				discard := CollectorFunc(func(context.Context, *vectorized.Batch) error { return nil })
				ctx := context.Background()
				b.ResetTimer()
				cpu0 := cpuTime()
				for i := 0; i < b.N; i++ {
					op := NewGroupAggregate(spec)
					if err := op.Open(ctx, rt); err != nil {
						b.Fatal(err)
					}
					for _, x := range batches {
						if err := op.Process(ctx, 0, x, discard); err != nil {
							b.Fatal(err)
						}
					}
					if err := op.EndInput(ctx, discard); err != nil {
						b.Fatal(err)
					}
					op.Close()
				}
				reportRows(b, rows, cpu0)
			})
		}
	}
}

// BenchmarkStreamingGroupAggregate is the same query emitting a changelog
// row by row (Flink's GroupAggFunction), for comparison.
func BenchmarkStreamingGroupAggregate(b *testing.B) {
	for _, groups := range []int{8, 1000} {
		b.Run(fmt.Sprintf("key=STRING/groups=%d", groups), func(b *testing.B) {
			mem := memory.NewGoAllocator()
			const rows = 1 << 18
			batches := benchBatches(b, mem, true, groups, rows)
			defer func() {
				for _, x := range batches {
					x.Release()
				}
			}()
			spec := GroupAggSpec{Keys: []int{0}, Aggs: []AggCall{{Func: CountStar}, {Func: Sum, Arg: 1}}}
			rt := &RuntimeContext{Mem: mem, Parallelism: 1, Metrics: &OperatorMetrics{}, Config: Config{}}
			discard := CollectorFunc(func(context.Context, *vectorized.Batch) error { return nil })
			ctx := context.Background()
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				op := NewGroupAggregate(spec)
				if err := op.Open(ctx, rt); err != nil {
					b.Fatal(err)
				}
				for _, x := range batches {
					if err := op.Process(ctx, 0, x, discard); err != nil {
						b.Fatal(err)
					}
				}
				op.Close()
			}
			reportRows(b, rows, cpu0)
		})
	}
}

// reportRows reports input rows per wall-clock second and per second of
// process CPU time (GC included): on a shared machine the latter is the
// per-core figure.
func reportRows(b *testing.B, rows int, cpu0 time.Duration) {
	total := float64(rows) * float64(b.N)
	b.ReportMetric(total/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(total/(cpuTime()-cpu0).Seconds(), "rows/cpu-s")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
