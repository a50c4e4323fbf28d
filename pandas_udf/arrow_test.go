package pandas_udf

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/vectorized"
)

func newArrowEvaluator(t testing.TB, udfs ...UDF) *Evaluator {
	t.Helper()
	e, err := NewArrowEvaluator(udfs)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, e.Close()) })
	return e
}

const arrowSrc = "import pyarrow as pa\nimport pyarrow.compute as pc\n"

// Arrow UDFs get pyarrow arrays — numeric columns without NULLs too, which
// the pandas path sends as buffer views — and their results are converted
// to the declared type.
func TestArrowEvaluator(t *testing.T) {
	mem := memory.DefaultAllocator
	for _, tc := range []struct {
		name, src string
		args      []arrow.Array
		result    arrow.DataType
		want      string
	}{
		{"add without NULLs", "def f(x):\n    assert type(x) is pa.Int64Array, type(x)\n    return pc.add(x, 1)\n",
			[]arrow.Array{fromJSON(t, mem, arrow.PrimitiveTypes.Int64, "[1, 2, 3]")}, arrow.PrimitiveTypes.Int64, "[2, 3, 4]"},
		{"NULLs stay NULL", "def f(x, y):\n    return pc.multiply(x, y)\n",
			[]arrow.Array{fromJSON(t, mem, arrow.PrimitiveTypes.Float64, "[1.5, null, 2]"), fromJSON(t, mem, arrow.PrimitiveTypes.Float64, "[2, 3, null]")},
			arrow.PrimitiveTypes.Float64, "[3, null, null]"},
		{"narrower type cast safely", "def f(x):\n    return pc.cast(x, pa.int8())\n",
			[]arrow.Array{fromJSON(t, mem, arrow.PrimitiveTypes.Int32, "[1, null, -3]")}, arrow.PrimitiveTypes.Int64, "[1, null, -3]"},
		{"strings", "def f(s):\n    return pc.utf8_length(s)\n",
			[]arrow.Array{fromJSON(t, mem, arrow.BinaryTypes.String, `["ab", null, "ÿ"]`)}, arrow.PrimitiveTypes.Int32, "[2, null, 1]"},
		{"a list", "def f(x):\n    return [v * 2 if v is not None else None for v in x.to_pylist()]\n",
			[]arrow.Array{fromJSON(t, mem, arrow.PrimitiveTypes.Int64, "[1, null]")}, arrow.PrimitiveTypes.Int64, "[2, null]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := make([]int, len(tc.args))
			for i := range args {
				args[i] = i
			}
			e := newArrowEvaluator(t, UDF{Name: "f", Func: pyFunc(t, arrowSrc+tc.src, "f"), Args: args, Result: tc.result})
			out, err := evaluate(t, e, tc.args...)
			require.NoError(t, err)
			assertSameValues(t, fromJSON(t, mem, tc.result, tc.want), out[0])
		})
	}
}

func TestArrowEvaluatorErrors(t *testing.T) {
	mem := memory.DefaultAllocator
	for _, tc := range []struct {
		name, src string
		result    arrow.DataType
		want      string
	}{
		{"wrong length", "def f(x):\n    return x[:1]\n", arrow.PrimitiveTypes.Int64,
			"arrow UDF f returned 1 rows for a batch of 2 rows"},
		{"wrong type", "def f(x):\n    return x\n", arrow.BinaryTypes.String,
			"arrow UDF f returned a pyarrow Array of type int64; the declared result type is STRING"},
		{"no array", "def f(x):\n    return None\n", arrow.PrimitiveTypes.Int64,
			"arrow UDF f returned None; expected a pyarrow Array or a sequence pyarrow.array() accepts"},
		{"raises", "def f(x):\n    raise ValueError('nope')\n", arrow.PrimitiveTypes.Int64,
			"arrow UDF f raised an exception on rows 0 to 1 of its batch: Traceback (most recent call last):\n" +
				"  File \"<test TestArrowEvaluatorErrors/raises>\", line 4, in f\nValueError: nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newArrowEvaluator(t, UDF{Name: "f", Func: pyFunc(t, arrowSrc+tc.src, "f"), Args: []int{0}, Result: tc.result})
			_, err := evaluate(t, e, fromJSON(t, mem, arrow.PrimitiveTypes.Int64, "[1, 2]"))
			require.ErrorContains(t, err, tc.want)
			var ue *UDFError
			require.ErrorAs(t, err, &ue)
			require.Equal(t, "arrow", ue.Kind)
		})
	}
}

// BenchmarkArrowEvaluate is the per-batch cost of pc.add(x, 1) as an Arrow
// UDF, results released as an operator would (compare `sluice bench udf`'s
// baseline, the same call on preloaded arrays).
func BenchmarkArrowEvaluate(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			bld := make([]int64, n)
			for i := range bld {
				bld[i] = int64(i)
			}
			col := fromJSON(b, memory.DefaultAllocator, arrow.PrimitiveTypes.Int64, strings.ReplaceAll(fmt.Sprint(bld), " ", ", "))
			_ = cpython.Initialize()
			e := newArrowEvaluator(b, UDF{Name: "f", Func: pyFunc(b, arrowSrc+"def f(x):\n    return pc.add(x, 1)\n", "f"), Args: []int{0}, Result: arrow.PrimitiveTypes.Int64})
			rec := record(col)
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
		})
	}
}

// A result over a numpy array is imported without a copy; its release,
// which drops the numpy array and so needs the GIL, waits in the queue
// until a goroutine holding the GIL runs it, rather than taking the GIL on
// the goroutine that released the result.
func TestArrowResultReleaseIsDeferred(t *testing.T) {
	mem := memory.DefaultAllocator
	src := arrowSrc + "import numpy as np\ndef f(x):\n    return pa.array(np.arange(len(x), dtype=np.int64) * 2)\n"
	e := newArrowEvaluator(t, UDF{Name: "f", Func: pyFunc(t, src, "f"), Args: []int{0}, Result: arrow.PrimitiveTypes.Int64})
	rec := record(fromJSON(t, mem, arrow.PrimitiveTypes.Int64, "[5, 6, 7]"))
	defer rec.Release()
	out, err := e.Evaluate(context.Background(), vectorized.NewBatch(rec))
	require.NoError(t, err)
	assertSameValues(t, fromJSON(t, mem, arrow.PrimitiveTypes.Int64, "[0, 2, 4]"), out[0])
	// Released while another goroutine holds the GIL: a release that took
	// the GIL would wait here until the timeout.
	held, done := make(chan struct{}), make(chan struct{})
	go func() {
		_ = cpython.Do(func(*cpython.GIL) error {
			close(held)
			<-done
			return nil
		})
	}()
	<-held
	released := make(chan struct{})
	go func() { out[0].Release(); close(released) }()
	select {
	case <-released:
	case <-time.After(2 * time.Second):
		t.Fatal("releasing the result waited for the GIL")
	}
	require.Positive(t, deferredPending())
	close(done)
	require.Eventually(t, func() bool { return deferredPending() == 0 }, 2*time.Second, drainInterval)
}
