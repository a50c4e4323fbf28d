package pandas_udf

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/vectorized"
)

// TestConcurrentEvaluate runs one evaluator from 8 goroutines, each with
// its own data; half of them send b as BIGINT and half as DOUBLE, so the
// argument types the evaluator caches change under it.
func TestConcurrentEvaluate(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	e := newEvaluator(t,
		UDF{Name: "muladd", Func: pyLambda(t, "lambda a, b: a * b + 1"), Args: []int{0, 1}, Result: arrow.PrimitiveTypes.Float64},
		UDF{Name: "label", Func: pyLambda(t, "lambda b: b.astype('int64').astype(str)"), Args: []int{1}, Result: arrow.BinaryTypes.String},
	)
	const goroutines, batches, rows = 8, 40, 500
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- runBatches(e, mem, g, batches, rows)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

func runBatches(e *Evaluator, mem memory.Allocator, g, batches, rows int) error {
	for k := range batches {
		ab := array.NewFloat64Builder(mem)
		var bcol arrow.Array
		want := make([]float64, rows)
		labels := make([]string, rows)
		if g%2 == 0 {
			bb := array.NewInt64Builder(mem)
			for i := range rows {
				a, b := float64(g*1000+k)+0.5, int64(i-rows/2)
				ab.Append(a)
				bb.Append(b)
				want[i], labels[i] = a*float64(b)+1, fmt.Sprint(b)
			}
			bcol = bb.NewArray()
			bb.Release()
		} else {
			bb := array.NewFloat64Builder(mem)
			for i := range rows {
				a, b := float64(g*1000+k)+0.25, float64(i*g)
				ab.Append(a)
				bb.Append(b)
				want[i], labels[i] = a*b+1, fmt.Sprint(int64(b))
			}
			bcol = bb.NewArray()
			bb.Release()
		}
		acol := ab.NewArray()
		ab.Release()
		rec := record(acol, bcol)
		out, err := e.Evaluate(context.Background(), vectorized.NewBatch(rec))
		rec.Release()
		if err != nil {
			return fmt.Errorf("goroutine %d batch %d: %w", g, k, err)
		}
		got, lab := out[0].(*array.Float64), out[1].(*array.String)
		for i := range rows {
			if got.Value(i) != want[i] || lab.Value(i) != labels[i] {
				err = fmt.Errorf("goroutine %d batch %d row %d: got %v %q, want %v %q", g, k, i, got.Value(i), lab.Value(i), want[i], labels[i])
				break
			}
		}
		for _, a := range out {
			a.Release()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// TestCloseWhileEvaluating: Close may race with Evaluate calls; each one
// then either completes or reports that the evaluator is closed.
func TestCloseWhileEvaluating(t *testing.T) {
	e, err := NewEvaluator([]UDF{{Name: "slow", Func: pyFunc(t, "import time\ndef f(x):\n    time.sleep(0.001)\n    return x\n", "f"), Args: []int{0}, Result: arrow.PrimitiveTypes.Int64}})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				rec := record(fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Int64, `[1, 2, 3]`))
				out, err := e.Evaluate(context.Background(), vectorized.NewBatch(rec))
				rec.Release()
				if err != nil {
					assert.EqualError(t, err, "pandas UDF: evaluator used after Close")
					return
				}
				assert.Equal(t, 3, out[0].Len())
				out[0].Release()
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	require.NoError(t, e.Close())
	wg.Wait()
}

// TestResultReleaseNeedsNoGIL releases a result while another goroutine
// holds the GIL: results hold no Python memory, so an operator that drops
// them never waits for Python (nor deadlocks against it).
func TestResultReleaseNeedsNoGIL(t *testing.T) {
	for _, tc := range []struct {
		name, fn string
		dt       arrow.DataType
	}{
		{"identity", "lambda x: x", arrow.PrimitiveTypes.Float64},
		{"new numpy array", "lambda x: x * 2", arrow.PrimitiveTypes.Float64},
		{"numpy array returned as is", "lambda x: x.to_numpy().copy()", arrow.PrimitiveTypes.Float64},
		{"pyarrow array from numpy", "lambda x: __import__('pyarrow').array(x.to_numpy() + 1)", arrow.PrimitiveTypes.Float64},
		{"float64 with NaN", "lambda x: x.where(x > 1)", arrow.PrimitiveTypes.Float64},
		{"strings", "lambda x: x.astype(str)", arrow.BinaryTypes.String},
		{"ROW", "lambda x: __import__('pandas').DataFrame({'id': x.astype('int32'), 'name': x.astype(str), 'score': x})", rowType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEvaluator(t, UDF{Name: "f", Func: pyLambda(t, tc.fn), Args: []int{0}, Result: tc.dt})
			rec := record(fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Float64, `[1, 2, 3]`))
			out, err := e.Evaluate(context.Background(), vectorized.NewBatch(rec))
			rec.Release()
			require.NoError(t, err)

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
			go func() {
				out[0].Release()
				close(released)
			}()
			select {
			case <-released:
			case <-time.After(2 * time.Second):
				t.Error("releasing a result waited for the GIL")
			}
			close(done)
			<-released
		})
	}
}
