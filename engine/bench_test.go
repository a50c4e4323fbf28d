package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/engine/state"
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

// streamingBenchCases are the key cardinalities of the streaming
// benchmarks: few and some hot keys, and a high-cardinality case where
// each of 1M keys comes twice, 1M rows apart (every row misses a cache of
// the default size).
var streamingBenchCases = []struct{ groups, rows int }{
	{8, 1 << 18},
	{1000, 1 << 18},
	{1 << 20, 2 << 20},
}

// BenchmarkStreamingGroupAggregate is the same query emitting a changelog
// row by row (Flink's GroupAggFunction), for comparison. The operator runs
// alone, its groups in memory only (no keyed state backend).
func BenchmarkStreamingGroupAggregate(b *testing.B) {
	for _, c := range streamingBenchCases {
		groups, rows := c.groups, c.rows
		b.Run(fmt.Sprintf("key=STRING/groups=%d", groups), func(b *testing.B) {
			mem := memory.NewGoAllocator()
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

// BenchmarkStreamingGroupAggregateKeyed is BenchmarkStreamingGroupAggregate
// with the state in a keyed state backend, as in a job: cache=0 keeps no
// group between batches (each batch reads and writes all its keys), the
// default cache keeps the hot groups decoded.
func BenchmarkStreamingGroupAggregateKeyed(b *testing.B) {
	for _, backend := range []string{state.BackendHashMap, state.BackendPebble} {
		for _, cache := range benchCacheSizes() {
			for _, c := range streamingBenchCases {
				groups, rows := c.groups, c.rows
				name := fmt.Sprint(cache)
				cfg := Config{ConfigStateCacheSize: name}
				if cache < 0 {
					name, cfg = "default", Config{}
				}
				b.Run(fmt.Sprintf("backend=%s/cache=%s/key=STRING/groups=%d", backend, name, groups), func(b *testing.B) {
					mem := memory.NewGoAllocator()
					batches := benchBatches(b, mem, true, groups, rows)
					defer func() {
						for _, x := range batches {
							x.Release()
						}
					}()
					spec := GroupAggSpec{Keys: []int{0}, Aggs: []AggCall{{Func: CountStar}, {Func: Sum, Arg: 1}}}
					discard := CollectorFunc(func(context.Context, *vectorized.Batch) error { return nil })
					ctx := context.Background()
					dir := b.TempDir()
					b.ResetTimer()
					cpu0 := cpuTime()
					for i := 0; i < b.N; i++ {
						in := NewInstanceForTest(InstanceOptions{Name: "agg", Mem: mem, Backend: backend, LocalDir: dir, Config: cfg})
						op := NewGroupAggregate(spec)
						if err := op.Open(ctx, in.RT); err != nil {
							b.Fatal(err)
						}
						for _, x := range batches {
							if err := op.Process(ctx, 0, x, discard); err != nil {
								b.Fatal(err)
							}
						}
						// What a checkpoint adds: the cache written out.
						if err := op.SnapshotState(ctx, CheckpointInfo{ID: 1}); err != nil {
							b.Fatal(err)
						}
						op.Close()
						if err := in.Close(); err != nil {
							b.Fatal(err)
						}
					}
					reportRows(b, rows, cpu0)
				})
			}
		}
	}
}

// benchCacheSizes are the cache sizes of the keyed benchmarks:
// SLUICE_BENCH_CACHE (comma-separated) or none and the backend's default
// (-1).
func benchCacheSizes() []int {
	s := os.Getenv("SLUICE_BENCH_CACHE")
	if s == "" {
		return []int{0, -1}
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			panic(fmt.Sprintf("SLUICE_BENCH_CACHE: %v", err))
		}
		out = append(out, n)
	}
	return out
}

// BenchmarkStreamingGroupAggregatePebble10M pushes 10M distinct BIGINT keys
// (SLUICE_BENCH_KEYS overrides the count) through a streaming COUNT(*),
// SUM(v) GROUP BY on the pebble backend with the default cache, a
// checkpoint every 1M rows, and reports rows/s and the process's peak RSS
// (getrusage maxrss, the whole test process). Run it alone:
//
//	go test ./engine -run '^$' -bench StreamingGroupAggregatePebble10M -benchtime 1x
func BenchmarkStreamingGroupAggregatePebble10M(b *testing.B) {
	keys := 10_000_000
	if s := os.Getenv("SLUICE_BENCH_KEYS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		keys = n
	}
	const batchRows = 8192
	mem := memory.NewGoAllocator()
	schema := schemaOf(field("k", arrow.PrimitiveTypes.Int64), field("v", arrow.PrimitiveTypes.Int64))
	spec := GroupAggSpec{Keys: []int{0}, Aggs: []AggCall{{Func: CountStar}, {Func: Sum, Arg: 1}}}
	discard := CollectorFunc(func(context.Context, *vectorized.Batch) error { return nil })
	ctx := context.Background()
	dir := b.TempDir()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		in := NewInstanceForTest(InstanceOptions{Name: "agg", Mem: mem, Backend: state.BackendPebble, LocalDir: dir, Checkpointing: true})
		op := NewGroupAggregate(spec)
		if err := op.Open(ctx, in.RT); err != nil {
			b.Fatal(err)
		}
		bld := array.NewRecordBuilder(mem, schema)
		kb, vb := bld.Field(0).(*array.Int64Builder), bld.Field(1).(*array.Int64Builder)
		for lo := 0; lo < keys; lo += batchRows {
			n := min(batchRows, keys-lo)
			for r := lo; r < lo+n; r++ {
				kb.Append(int64(r) * 1_000_003)
				vb.Append(int64(r))
			}
			x := vectorized.NewBatch(bld.NewRecordBatch())
			err := op.Process(ctx, 0, x, discard)
			x.Release()
			if err != nil {
				b.Fatal(err)
			}
			if (lo+n)/1_000_000 != lo/1_000_000 {
				if err := op.SnapshotState(ctx, CheckpointInfo{ID: int64(lo)}); err != nil {
					b.Fatal(err)
				}
				cp := filepath.Join(dir, "checkpoint")
				os.RemoveAll(cp)
				if err := in.Snapshot(cp); err != nil {
					b.Fatal(err)
				}
			}
		}
		bld.Release()
		op.Close()
		if err := in.Close(); err != nil {
			b.Fatal(err)
		}
	}
	reportRows(b, keys, cpu0)
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MiB")
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
