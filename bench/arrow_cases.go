package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/pandas_udf"
	"github.com/sluice-stream/sluice/vectorized"
)

// The Arrow UDF case and its baseline: the same pyarrow.compute call on
// pyarrow arrays imported before the clock starts, in a plain Python loop.
const arrowPython = `
import time
import pyarrow as pa
import pyarrow.compute as pc

def arrow_plus_one(x):
    return pc.add(x, 1)

def preload(ptrs):
    # ptrs: per batch, a list of (array_ptr, schema_ptr) per argument column
    return [[pa.Array._import_from_c(a, s) for a, s in batch] for batch in ptrs]

def time_calls(f, batches):
    start = time.perf_counter()
    for args in batches:
        f(*args)
    return time.perf_counter() - start
`

// runArrowCases measures an Arrow UDF (func_type "arrow") through the
// pandas_udf evaluator against the same call on preloaded arrays.
func runArrowCases(ctx context.Context, bs []*vectorized.Batch, cfg UDFConfig, size int, emit func(Measurement)) error {
	var fn, preload, timeCalls *cpython.Object
	err := cpython.Do(func(py *cpython.GIL) error {
		mod, err := py.LoadModule("sluice_bench_arrow", "<sluice>/bench/arrow.py", arrowPython)
		if err != nil {
			return err
		}
		defer py.DecRef(mod)
		if fn, err = py.GetAttr(mod, "arrow_plus_one"); err != nil {
			return err
		}
		if preload, err = py.GetAttr(mod, "preload"); err != nil {
			return err
		}
		timeCalls, err = py.GetAttr(mod, "time_calls")
		return err
	})
	if err != nil {
		return err
	}
	defer cpython.Do(func(py *cpython.GIL) error {
		for _, o := range []*cpython.Object{fn, preload, timeCalls} {
			if o != nil {
				py.DecRef(o)
			}
		}
		return nil
	})

	const name = "arrow pc.add(x, 1) (BIGINT)"
	args := []int{colX}
	ev, err := pandas_udf.NewArrowEvaluator([]pandas_udf.UDF{{Name: name, Func: fn, Args: args, Result: arrow.PrimitiveTypes.Int64}})
	if err != nil {
		return err
	}
	defer ev.Close()
	var arrays *cpython.Object
	err = cpython.Do(func(py *cpython.GIL) error {
		arrays, err = preloadSeries(py, preload, bs, args)
		return err
	})
	if err != nil {
		return err
	}
	defer cpython.Do(func(py *cpython.GIL) error { py.DecRef(arrays); return nil })
	baseline := pythonTimed(timeCalls, fn, arrays)
	engine, base, err := interleaved(cfg.Repeat,
		func() (time.Duration, error) { return timeEvaluator(ctx, ev, bs) }, baseline)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	m := measurement(name, "arrow", size, cfg.Rows, engine)
	m.against("same call on preloaded arrays", base)
	emit(m)
	return nil
}
