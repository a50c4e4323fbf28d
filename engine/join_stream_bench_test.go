package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

var sjBenchSchema = schemaOf(field("k", arrow.PrimitiveTypes.Int64), field("v", arrow.PrimitiveTypes.Int64), field("s", arrow.BinaryTypes.String))

// sjBenchBatch builds one batch of rows (k, v, "payload-v") with kinds.
func sjBenchBatch(mem memory.Allocator, ks, vs []int64, kinds []vectorized.RowKind) *vectorized.Batch {
	kb, vb, sb := array.NewInt64Builder(mem), array.NewInt64Builder(mem), array.NewStringBuilder(mem)
	defer kb.Release()
	defer vb.Release()
	defer sb.Release()
	kb.AppendValues(ks, nil)
	vb.AppendValues(vs, nil)
	for _, v := range vs {
		sb.Append(fmt.Sprintf("payload-%d", v))
	}
	cols := []arrow.Array{kb.NewArray(), vb.NewArray(), sb.NewArray()}
	rec := array.NewRecordBatch(sjBenchSchema, cols, int64(len(ks)))
	releaseAll(cols)
	return &vectorized.Batch{Record: rec, Kinds: kinds}
}

// BenchmarkStreamJoin: a streaming inner join on one core, its state in
// the hashmap (or pebble) backend as in a checkpointed job, batches of
// 10,000 rows. insert-only: 100k right rows (one per key), then 1M left
// rows over those keys (each joins one right row). retracting: the same,
// then every second left row updated (-U old, +U new), its joined rows
// retracted and emitted again. rows/s counts input rows per second of
// wall time, rows/cpu-s per second of the process's CPU time (user +
// system, which a loaded machine does not inflate).
func BenchmarkStreamJoin(b *testing.B) {
	const rightKeys, leftRows, batch = 100_000, 1_000_000, 10_000
	for _, backend := range []string{state.BackendHashMap, state.BackendPebble} {
		for _, retract := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/retract=%v", backend, retract), func(b *testing.B) {
				mem := memory.NewGoAllocator()
				rng := rand.New(rand.NewPCG(1, 2))
				type in struct {
					side int
					b    *vectorized.Batch
				}
				var inputs []in
				for start := 0; start < rightKeys; start += batch {
					var ks, vs []int64
					for k := start; k < start+batch; k++ {
						ks = append(ks, int64(k))
						vs = append(vs, int64(k))
					}
					inputs = append(inputs, in{1, sjBenchBatch(mem, ks, vs, nil)})
				}
				leftK := make([]int64, leftRows)
				for i := range leftK {
					leftK[i] = int64(rng.IntN(rightKeys))
				}
				for start := 0; start < leftRows; start += batch {
					vs := make([]int64, batch)
					for i := range vs {
						vs[i] = int64(start + i)
					}
					inputs = append(inputs, in{0, sjBenchBatch(mem, leftK[start:start+batch], vs, nil)})
				}
				if retract {
					// -U old, +U new for every second left row.
					for start := 0; start < leftRows; start += 2 * batch {
						var ks, vs []int64
						var kinds []vectorized.RowKind
						for i := start; i < start+2*batch && i < leftRows; i += 2 {
							ks = append(ks, leftK[i], leftK[i])
							vs = append(vs, int64(i), int64(i+leftRows))
							kinds = append(kinds, vectorized.UpdateBefore, vectorized.UpdateAfter)
						}
						inputs = append(inputs, in{0, sjBenchBatch(mem, ks, vs, kinds)})
					}
				}
				rows := 0
				for _, x := range inputs {
					rows += int(x.b.NumRows())
				}
				defer func() {
					for _, x := range inputs {
						x.b.Release()
					}
				}()
				spec := JoinSpec{Type: InnerJoin, Mode: Streaming, LeftKeys: []int{0}, RightKeys: []int{0},
					Left: sjBenchSchema, Right: sjBenchSchema, LeftInsertOnly: !retract, RightInsertOnly: true}
				var out int64
				collect := CollectorFunc(func(_ context.Context, ob *vectorized.Batch) error {
					out += ob.NumRows()
					return nil
				})
				cpu0 := cpuTime()
				b.ResetTimer()
				for range b.N {
					b.StopTimer()
					inst := NewInstanceForTest(InstanceOptions{Mem: mem, Checkpointing: true, Backend: backend, LocalDir: b.TempDir()})
					op, err := NewJoin(spec)
					require.NoError(b, err)
					require.NoError(b, op.Open(context.Background(), inst.RT))
					out = 0
					b.StartTimer()
					for _, x := range inputs {
						if err := op.Process(context.Background(), x.side, x.b, collect); err != nil {
							b.Fatal(err)
						}
					}
					b.StopTimer()
					require.NoError(b, op.Close())
					require.NoError(b, inst.Close())
					b.StartTimer()
				}
				b.StopTimer()
				b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
				b.ReportMetric(float64(rows)*float64(b.N)/(cpuTime()-cpu0).Seconds(), "rows/cpu-s")
				b.ReportMetric(float64(out), "out-rows")
			})
		}
	}
}
