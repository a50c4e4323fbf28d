package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/python"
	"github.com/sluice-stream/sluice/table/catalog"
	"github.com/sluice-stream/sluice/table/pyfunc"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// The async UDF case: a call that waits 10 ms (an I/O-bound lookup),
// at most 100 in flight. Its ceiling is 100 calls per 10 ms, 10,000 rows/s,
// which is the baseline the ratio is taken against.
const asyncPython = `
import asyncio
from sluice.table.udf import udf

@udf(result_type="BIGINT", concurrency=100)
async def async_sleep(x):
    await asyncio.sleep(0.01)
    return x + 1
`

const (
	asyncSleep       = 10 * time.Millisecond
	asyncConcurrency = 100
	// asyncRows is how many rows the case measures at each batch size
	// (about 2 s each): at 10,000 rows/s the usual 10M rows would take
	// hours.
	asyncRows = 20_000
)

// runAsyncCases measures an async UDF through the evaluator SQL and the
// Table API build for it (pyfunc's async runtime).
func runAsyncCases(ctx context.Context, bs []*vectorized.Batch, cfg UDFConfig, size int, emit func(Measurement)) error {
	// The async wrapper lives in the embedded sluice package.
	if err := python.Install(false); err != nil {
		return err
	}
	var f *pyfunc.Function
	err := cpython.Do(func(py *cpython.GIL) error {
		mod, err := py.LoadModule("sluice_bench_async", "<sluice>/bench/async.py", asyncPython)
		if err != nil {
			return err
		}
		defer py.DecRef(mod)
		obj, err := py.GetAttr(mod, "async_sleep")
		if err != nil {
			return err
		}
		defer py.DecRef(obj)
		f, err = pyfunc.FromObject(py, "async_sleep", obj)
		return err
	})
	if err != nil {
		return err
	}
	name := fmt.Sprintf("async sleep(0.01) concurrency %d", asyncConcurrency)
	ev, err := f.Runtime().NewEvaluator([]catalog.Call{{Function: f, Name: name, Args: []int{colX}, Result: types.DataType{Kind: types.BigInt}}})
	if err != nil {
		return err
	}
	defer ev.Close()
	// The first asyncRows rows, in batches of size.
	var part []*vectorized.Batch
	rows := 0
	for _, b := range bs {
		if rows >= min(asyncRows, cfg.Rows) {
			break
		}
		n := min(int(b.Record.NumRows()), asyncRows-rows)
		part = append(part, vectorized.NewBatch(b.Record.NewSlice(0, int64(n))))
		rows += n
	}
	defer releaseBatches(part)
	d, err := timeEvaluator(ctx, ev, part)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	m := measurement(name, "async", size, rows, d)
	m.against(fmt.Sprintf("%d calls per %v", asyncConcurrency, asyncSleep), time.Duration(rows)*asyncSleep/asyncConcurrency)
	emit(m)
	return nil
}
