package pandas_udf

import (
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

// A pandas UDF that runs long (a loop of short sleeps, as a function
// polling a service) stops within a sleep of its job's cancellation, with
// an error the engine takes for the cancellation.
func TestCancelStopsARunningPandasUDF(t *testing.T) {
	fn := pyFunc(t, "import time\ndef slow(s):\n    for _ in range(10_000):\n        time.sleep(0.002)\n    return s\n", "slow")
	e := newEvaluator(t, UDF{Name: "slow", Func: fn, Args: []int{0}, Result: arrow.PrimitiveTypes.Int64})
	rec := record(fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Int64, "[1, 2, 3]"))
	defer rec.Release()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		out []arrow.Array
		err error
		at  time.Time
	}
	done := make(chan result, 1)
	go func() {
		out, err := e.Evaluate(ctx, vectorized.NewBatch(rec))
		done <- result{out, err, time.Now()}
	}()
	time.Sleep(300 * time.Millisecond)
	cancelled := time.Now()
	cancel()
	select {
	case r := <-done:
		for _, a := range r.out {
			a.Release()
		}
		require.ErrorIs(t, r.err, context.Canceled)
		require.ErrorContains(t, r.err, "python UDF slow interrupted")
		t.Logf("returned %v after the cancellation", r.at.Sub(cancelled))
	case <-time.After(15 * time.Second): // the function alone runs 20 s
		t.Fatal("the pandas UDF did not stop after its context was cancelled")
	}
}
