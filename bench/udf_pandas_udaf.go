package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/python"
	"github.com/sluice-stream/sluice/table/pyfunc"
	"github.com/sluice-stream/sluice/vectorized"
)

// The pandas UDAF case: the mean of v over groups of pandasUDAFGroup
// consecutive rows, as an aggregate operator drives the accumulators —
// each batch bound, its rows applied to their groups, a result asked for
// every group and the results flushed once per batch — against the same
// function called on the groups' Series built before the clock starts.
const pandasUDAFPython = `
from sluice.table.udf import udaf


def mean(v):
    return v.mean()


mean_udaf = udaf(mean, result_type="DOUBLE", func_type="pandas")
`

const pandasUDAFGroup = 1000

func runPandasUDAFCases(ctx context.Context, bs []*vectorized.Batch, data *udfData, cfg UDFConfig, size int, emit func(Measurement)) error {
	if size%pandasUDAFGroup != 0 {
		return nil
	}
	if err := python.Install(false); err != nil {
		return err
	}
	var f *pyfunc.Function
	var mean, preload, timeCalls *cpython.Object
	err := cpython.Do(func(py *cpython.GIL) error {
		mod, err := py.LoadModule("sluice_bench_pandas_udaf", "<sluice>/bench/pandas_udaf.py", pandasUDAFPython)
		if err != nil {
			return err
		}
		defer py.DecRef(mod)
		obj, err := py.GetAttr(mod, "mean_udaf")
		if err != nil {
			return err
		}
		defer py.DecRef(obj)
		if f, err = pyfunc.FromObject(py, "mean_udaf", obj); err != nil {
			return err
		}
		if mean, err = py.GetAttr(mod, "mean"); err != nil {
			return err
		}
		base, err := py.LoadModule("sluice_bench_baseline", "<sluice>/bench/baseline.py", baselinePython)
		if err != nil {
			return err
		}
		defer py.DecRef(base)
		if preload, err = py.GetAttr(base, "preload"); err != nil {
			return err
		}
		timeCalls, err = py.GetAttr(base, "time_calls")
		return err
	})
	if err != nil {
		return err
	}
	defer cpython.Do(func(py *cpython.GIL) error {
		for _, o := range []*cpython.Object{mean, preload, timeCalls} {
			if o != nil {
				py.DecRef(o)
			}
		}
		return nil
	})
	accs, err := f.AggregateFunction().NewAccumulators([]arrow.DataType{arrow.PrimitiveTypes.Float64}, arrow.PrimitiveTypes.Float64, false)
	if err != nil {
		return err
	}
	defer accs.Close()
	// The baseline's Series: one per group, from the same rows.
	groups := data.batches(pandasUDAFGroup)
	defer releaseBatches(groups)
	var series *cpython.Object
	if err := cpython.Do(func(py *cpython.GIL) error {
		series, err = preloadSeries(py, preload, groups, []int{colV})
		return err
	}); err != nil {
		return err
	}
	defer cpython.Do(func(py *cpython.GIL) error { py.DecRef(series); return nil })

	ngroups := size / pandasUDAFGroup
	ids := make([]uint32, size)
	for i := range ids {
		ids[i] = uint32(i / pandasUDAFGroup)
	}
	accs.Grow(ngroups)
	run := func() (time.Duration, error) {
		start := time.Now()
		for _, b := range bs {
			if err := timeUDAFBatch(accs, b.Record.Column(colV), ids); err != nil {
				return 0, err
			}
		}
		return time.Since(start), nil
	}
	baseline := pythonTimed(timeCalls, mean, series)
	name := fmt.Sprintf("pandas udaf mean, groups of %d", pandasUDAFGroup)
	d, base, err := interleaved(cfg.Repeat, run, baseline)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	m := measurement(name, "pandas", size, cfg.Rows, d)
	m.against("Series.mean on preloaded Series", base)
	emit(m)
	return nil
}

// timeUDAFBatch applies one batch of whole groups and flushes their
// results, as an aggregate operator firing them does.
func timeUDAFBatch(accs engine.UserAccumulators, col arrow.Array, ids []uint32) error {
	n := col.Len()
	accs.Bind([]arrow.Array{col})
	accs.Update(ids[:n], nil, 0, n)
	last := ids[n-1]
	for g := uint32(0); g <= last; g++ {
		accs.AppendResult(g)
	}
	res, err := accs.Flush(memory.DefaultAllocator)
	if err != nil {
		return err
	}
	if res.Len() != int(last)+1 {
		res.Release()
		return fmt.Errorf("%d results for %d groups", res.Len(), last+1)
	}
	res.Release()
	for g := uint32(0); g <= last; g++ {
		accs.Reset(g)
	}
	return nil
}
