package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

// Per-row cost of Top-N, deduplication and OVER, driven by hand on the
// hashmap backend: 10 k-row batches over 1000 keys (a watermark after each
// batch for event-time OVER).
func BenchmarkKeyedRowOperators(b *testing.B) {
	rng := rand.New(rand.NewPCG(71, 72))
	rows := randomRows(rng, 10_000, false)
	for i := range rows {
		rows[i].vals[0] = fmt.Sprintf("k%d", rng.IntN(1000))
	}
	ops := []struct {
		name string
		op   func() Operator
		wm   bool
	}{
		{"top3/append", func() Operator {
			return NewRank(RankSpec{Keys: []int{0}, OrderBy: rnOrder, RankStart: 1, RankEnd: 3, OutputRankNumber: true, GenerateUpdateBefore: true})
		}, false},
		{"top3/retract", func() Operator {
			return NewRank(RankSpec{Keys: []int{0}, OrderBy: rnOrder, RankStart: 1, RankEnd: 3, UpdatingInput: true, GenerateUpdateBefore: true})
		}, false},
		{"dedup/rowtime-last", func() Operator {
			return NewDeduplicate(DedupSpec{Keys: []int{0}, KeepLast: true, RowTime: true, TimeCol: 1, GenerateUpdateBefore: true, GenerateInsert: true})
		}, false},
		{"over/rows3", func() Operator { return NewOverAggregate(overSpec(overFrame{true, 3})) }, true},
		{"over/range-unbounded", func() Operator { return NewOverAggregate(overSpec(overFrame{false, Unbounded})) }, true},
	}
	for _, c := range ops {
		b.Run(c.name, func(b *testing.B) {
			mem := memory.NewGoAllocator()
			batch := rnBatches(b, mem, rows, len(rows))[0]
			defer batch.Release()
			inst := NewInstanceForTest(InstanceOptions{Mem: mem, Checkpointing: true})
			defer inst.Close()
			op := c.op()
			require.NoError(b, op.Open(context.Background(), inst.RT))
			defer op.Close()
			sink := CollectorFunc(func(context.Context, *vectorized.Batch) error { return nil })
			// Event time: later times each round, so that no row is late;
			// the batches are built before the clock starts.
			var shiftedBatches []*vectorized.Batch
			if c.wm {
				for i := 0; i < b.N; i++ {
					shifted := slices.Clone(rows)
					for j := range shifted {
						shifted[j].vals = slices.Clone(shifted[j].vals)
						shifted[j].vals[1] = shifted[j].vals[1].(int64) + int64(i)*10_000_000
					}
					shiftedBatches = append(shiftedBatches, rnBatches(b, mem, shifted, len(rows))[0])
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				in := batch
				if c.wm {
					in = shiftedBatches[i]
				}
				require.NoError(b, op.Process(context.Background(), 0, in, sink))
				if c.wm {
					_, err := op.(WatermarkHandler).ProcessWatermark(context.Background(), int64(5_000_000+i*10_000_000), sink)
					require.NoError(b, err)
				}
			}
			b.StopTimer()
			for _, sb := range shiftedBatches {
				sb.Release()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rows)), "ns/row")
		})
	}
}
