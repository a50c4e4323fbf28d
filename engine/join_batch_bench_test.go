package engine

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

// The hash join benchmark of bench/join: a 10M-row probe side
// (k BIGINT, v BIGINT) joined on k with a 1M-row build side (k BIGINT,
// w BIGINT) whose keys are a permutation of 0..1M-1; probe keys are
// uniform over the same range, so every probe row matches exactly once.
// -hashjoin.keys sparse multiplies every key by 1000003, beyond what a
// direct table indexes: the hash table's path.
// -hashjoin.data DIR also writes both inputs there as Arrow IPC files
// (probe.arrow, build.arrow) for bench/join/duckdb.py to load.
var (
	hashJoinData  = flag.String("hashjoin.data", "", "write the hash join benchmark's inputs to this directory as Arrow IPC files")
	hashJoinProbe = flag.Int("hashjoin.probe", 10_000_000, "probe rows of the hash join benchmark")
	hashJoinBuild = flag.Int("hashjoin.build", 1_000_000, "build rows of the hash join benchmark")
	hashJoinKeys  = flag.String("hashjoin.keys", "dense", "keys of the hash join benchmark: dense (0..build-1, a direct table) or sparse (spread out: the hash table)")
)

var (
	hjBenchProbeSchema = arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}, {Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
	hjBenchBuildSchema = arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}, {Name: "w", Type: arrow.PrimitiveTypes.Int64}}, nil)
)

// hjBenchInputs generates the benchmark's inputs deterministically, in
// batches of 10000 rows (the engine's default batch size).
func hjBenchInputs(probeRows, buildRows int, sparse bool) (probe, build []arrow.RecordBatch) {
	rng := rand.New(rand.NewPCG(2026, 12))
	scale := int64(1)
	if sparse {
		scale = 1_000_003
	}
	keys := make([]int64, buildRows)
	for i := range keys {
		keys[i] = int64(i) * scale
	}
	rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	mk := func(schema *arrow.Schema, n int, fill func(i int) (int64, int64)) []arrow.RecordBatch {
		var out []arrow.RecordBatch
		for lo := 0; lo < n; lo += DefaultBatchSize {
			m := min(DefaultBatchSize, n-lo)
			k, v := make([]int64, m), make([]int64, m)
			for i := range k {
				k[i], v[i] = fill(lo + i)
			}
			kb, vb := array.NewInt64Builder(memory.DefaultAllocator), array.NewInt64Builder(memory.DefaultAllocator)
			kb.AppendValues(k, nil)
			vb.AppendValues(v, nil)
			ka, va := kb.NewArray(), vb.NewArray()
			out = append(out, array.NewRecordBatch(schema, []arrow.Array{ka, va}, int64(m)))
			ka.Release()
			va.Release()
			kb.Release()
			vb.Release()
		}
		return out
	}
	build = mk(hjBenchBuildSchema, buildRows, func(i int) (int64, int64) { return keys[i], int64(i) })
	probe = mk(hjBenchProbeSchema, probeRows, func(i int) (int64, int64) { return rng.Int64N(int64(buildRows)) * scale, int64(i) })
	return probe, build
}

func hjWriteIPC(path string, schema *arrow.Schema, recs []arrow.RecordBatch) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w, err := ipc.NewFileWriter(f, ipc.WithSchema(schema))
	if err != nil {
		f.Close()
		return err
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// hjSums adds up every output column, as the DuckDB query does: a check
// that both computed the same join, and work that reads every output
// value.
type hjSums struct {
	rows int64
	sums [4]int64
}

func (s *hjSums) Collect(_ context.Context, b *vectorized.Batch) error {
	s.rows += b.NumRows()
	for c, col := range b.Record.Columns() {
		for _, v := range col.(*array.Int64).Int64Values() {
			s.sums[c] += v
		}
	}
	return nil
}

// BenchmarkBatchHashJoin is the 10M × 1M inner join; the time is the join
// only (both inputs already in memory as Arrow batches): buffering them
// into the operator and its EndInput. "spill" runs it with Flink's
// default 128 MiB budget, which the 176 MB of input exceeds.
func BenchmarkBatchHashJoin(b *testing.B) {
	if *hashJoinKeys != "dense" && *hashJoinKeys != "sparse" {
		b.Fatalf("-hashjoin.keys %q: dense or sparse", *hashJoinKeys)
	}
	probe, build := hjBenchInputs(*hashJoinProbe, *hashJoinBuild, *hashJoinKeys == "sparse")
	defer hjReleaseRecs(probe)
	defer hjReleaseRecs(build)
	if dir := *hashJoinData; dir != "" {
		require.NoError(b, os.MkdirAll(dir, 0o755))
		require.NoError(b, hjWriteIPC(filepath.Join(dir, "probe.arrow"), hjBenchProbeSchema, probe))
		require.NoError(b, hjWriteIPC(filepath.Join(dir, "build.arrow"), hjBenchBuildSchema, build))
	}
	for _, c := range []struct {
		name   string
		budget int64
	}{{"memory", 4 << 30}, {"spill", 0}} {
		b.Run(c.name, func(b *testing.B) {
			spec := JoinSpec{Type: InnerJoin, Mode: Batch, LeftKeys: []int{0}, RightKeys: []int{0},
				Left: hjBenchProbeSchema, Right: hjBenchBuildSchema, MemoryBudget: c.budget, SpillDir: b.TempDir()}
			ctx := context.Background()
			join := func() *hjSums {
				op, err := NewJoin(spec)
				require.NoError(b, err)
				rt := &RuntimeContext{Mem: memory.DefaultAllocator, Metrics: &OperatorMetrics{}, Config: Config{}}
				require.NoError(b, op.Open(ctx, rt))
				sums := &hjSums{}
				for j := 0; j < max(len(probe), len(build)); j++ {
					if j < len(build) {
						require.NoError(b, op.Process(ctx, 1, vectorized.NewBatch(build[j]), nil))
					}
					if j < len(probe) {
						require.NoError(b, op.Process(ctx, 0, vectorized.NewBatch(probe[j]), nil))
					}
				}
				require.NoError(b, op.EndInput(ctx, sums))
				require.NoError(b, op.Close())
				require.Equal(b, int64(*hashJoinProbe), sums.rows)
				return sums
			}
			// A warm-up join, untimed, as DuckDB's side gets one: the
			// first run pays for growing the heap.
			s := join()
			b.Logf("rows=%d sum(p.k)=%d sum(p.v)=%d sum(b.k)=%d sum(b.w)=%d", s.rows, s.sums[0], s.sums[1], s.sums[2], s.sums[3])
			b.ResetTimer()
			var total time.Duration
			cpu0 := hjCPUTime()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				join()
				total += time.Since(start)
			}
			cpu := (hjCPUTime() - cpu0).Seconds() / float64(b.N)
			secs := total.Seconds() / float64(b.N)
			b.ReportMetric(float64(*hashJoinProbe+*hashJoinBuild)/secs/1e6, "Minputrows/s")
			fmt.Fprintf(os.Stderr, "SLUICE_JOIN %s seconds=%.4f cpu=%.4f\n", c.name, secs, cpu)
		})
	}
}

// hjCPUTime is the CPU time (user and system) the process used so far.
func hjCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
