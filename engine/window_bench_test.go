package engine

import (
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/vectorized"
)

// BenchmarkWindowAggregate measures a window aggregate alone: batches of
// 10k rows (BIGINT key of 1000 values, rows 1 ms apart) and a watermark
// after each batch, COUNT(*), SUM, MAX per key and window; ns/row is the
// figure to read.
func BenchmarkWindowAggregate(b *testing.B) {
	schema := schemaOf(field("k", arrow.PrimitiveTypes.Int64), field("ts", tsType), field("v", arrow.PrimitiveTypes.Int64))
	const rows, keys = 10_000, 1_000
	mem := memory.NewGoAllocator()
	mk := func(t0 int64) *vectorized.Batch {
		kb, tb, vb := array.NewInt64Builder(mem), array.NewTimestampBuilder(mem, tsType), array.NewInt64Builder(mem)
		for i := int64(0); i < rows; i++ {
			kb.Append((i * 7919) % keys)
			tb.Append(arrow.Timestamp(t0 + i))
			vb.Append(i % 100)
		}
		cols := []arrow.Array{kb.NewArray(), tb.NewArray(), vb.NewArray()}
		return &vectorized.Batch{Record: array.NewRecordBatch(schema, cols, rows)}
	}
	for _, wk := range []struct {
		name string
		spec WindowSpec
	}{
		{"tumble10s", WindowSpec{Kind: Tumble, TimeCol: 1, Size: 10 * time.Second}},
		{"hop10s-2s", WindowSpec{Kind: Hop, TimeCol: 1, Size: 10 * time.Second, Slide: 2 * time.Second}},
		{"session1s", WindowSpec{Kind: Session, TimeCol: 1, Gap: time.Second}},
	} {
		b.Run(wk.name, func(b *testing.B) {
			op := NewWindowAggregate(WindowAggSpec{Keys: []int{0}, Aggs: []AggCall{{Func: CountStar}, {Func: Sum, Arg: 2}, {Func: Max, Arg: 2}}, Window: wk.spec})
			inst := NewInstanceForTest(InstanceOptions{Mem: mem, Checkpointing: true})
			if err := op.Open(context.Background(), inst.RT); err != nil {
				b.Fatal(err)
			}
			defer inst.Close()
			defer op.Close()
			var out CollectorFunc = func(context.Context, *vectorized.Batch) error { return nil }
			ctx := context.Background()
			b.ResetTimer()
			t0 := int64(0)
			for i := 0; i < b.N; i++ {
				bt := mk(t0)
				b.StartTimer()
				if err := op.Process(ctx, 0, bt, out); err != nil {
					b.Fatal(err)
				}
				if _, err := op.(WatermarkHandler).ProcessWatermark(ctx, t0+rows-1, out); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				bt.Release()
				t0 += rows
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
		})
	}
}
