package pandas_udf

import (
	"context"
	"fmt"
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
		b.Append(float64(i) * 0.5)
	}
	return b.NewArray()
}

// BenchmarkIdentityDouble is the per-batch cost of the pandas UDF path for
// `lambda x: x` on DOUBLE: everything but the function's own work, results
// released as an operator would.
func BenchmarkIdentityDouble(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			e := newEvaluator(b, UDF{Name: "identity", Func: pyLambda(b, "lambda x: x"), Args: []int{0}, Result: arrow.PrimitiveTypes.Float64})
			rec := record(doubles(n))
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

// BenchmarkIdentityBaseline calls the same function on a pandas Series
// already in Python, one GIL scope per call: the cost the pandas path adds
// is BenchmarkIdentityDouble minus this.
func BenchmarkIdentityBaseline(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			fn := pyLambda(b, "lambda x: x")
			mk := pyFunc(b, "import numpy as np, pandas as pd\ndef mk(n):\n    return pd.Series(np.arange(n) * 0.5)\n", "mk")
			var series *cpython.Object
			require.NoError(b, cpython.Do(func(py *cpython.GIL) error {
				nn := py.Int(int64(n))
				defer py.DecRef(nn)
				var err error
				series, err = py.Call(mk, nn)
				return err
			}))
			b.ResetTimer()
			for b.Loop() {
				err := cpython.Do(func(py *cpython.GIL) error {
					r, err := py.Call(fn, series)
					py.DecRef(r)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/batch")
			_ = cpython.Do(func(py *cpython.GIL) error { py.DecRef(series); return nil })
		})
	}
}
