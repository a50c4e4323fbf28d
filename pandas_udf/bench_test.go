package pandas_udf

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/vectorized"
)

var benchSizes = []int{1_000, 10_000, 100_000}

func doubles(n int) arrow.Array {
	b := array.NewFloat64Builder(memory.DefaultAllocator)
	defer b.Release()
	for i := range n {
		b.Append(math.Sin(float64(i)) * 3)
	}
	return b.NewArray()
}

// benchCases are the functions of `sluice bench udf`'s pandas cases, over
// DOUBLE columns: the identity measures what the path costs beyond the
// function; a + b and norm.cdf return new arrays, as most functions do.
var benchCases = []struct {
	name, src string
	args      int
}{
	{"identity", "def f(v):\n    return v\n", 1},
	{"add", "def f(a, b):\n    return a + b\n", 2},
	{"cdf", "from scipy.stats import norm\ndef f(v):\n    return norm.cdf(v)\n", 1},
}

// BenchmarkEvaluate is the per-batch cost of a pandas UDF through the
// evaluator, results released as an operator would. Compare with
// BenchmarkBaseline: the difference is what the path adds to the function.
func BenchmarkEvaluate(b *testing.B) {
	for _, bc := range benchCases {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/rows=%d", bc.name, n), func(b *testing.B) {
				args := make([]int, bc.args)
				cols := make([]arrow.Array, bc.args)
				for i := range args {
					args[i] = i
					cols[i] = doubles(n)
				}
				e := newEvaluator(b, UDF{Name: bc.name, Func: pyFunc(b, bc.src, "f"), Args: args, Result: arrow.PrimitiveTypes.Float64})
				rec := record(cols...)
				defer rec.Release()
				batch := vectorized.NewBatch(rec)
				ctx := context.Background()
				b.ResetTimer()
				for b.Loop() {
					out, err := e.Evaluate(ctx, batch)
					if err != nil {
						b.Fatal(err)
					}
					out[0].Release()
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/batch")
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}

// BenchmarkBaseline calls the same functions on pandas Series already in
// Python, one GIL scope per call, as `sluice bench udf` does.
func BenchmarkBaseline(b *testing.B) {
	for _, bc := range benchCases {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/rows=%d", bc.name, n), func(b *testing.B) {
				fn := pyFunc(b, bc.src, "f")
				mk := pyFunc(b, "import numpy as np, pandas as pd\ndef mk(n):\n    return pd.Series(np.sin(np.arange(n)) * 3)\n", "mk")
				var series []*cpython.Object
				require.NoError(b, cpython.Do(func(py *cpython.GIL) error {
					nn := py.Int(int64(n))
					defer py.DecRef(nn)
					for range bc.args {
						s, err := py.Call(mk, nn)
						if err != nil {
							return err
						}
						series = append(series, s)
					}
					return nil
				}))
				defer cpython.Do(func(py *cpython.GIL) error {
					for _, s := range series {
						py.DecRef(s)
					}
					return nil
				})
				b.ResetTimer()
				for b.Loop() {
					err := cpython.Do(func(py *cpython.GIL) error {
						r, err := py.Call(fn, series...)
						py.DecRef(r)
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/batch")
			})
		}
	}
}
