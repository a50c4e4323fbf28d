package bench

import (
	"context"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/vectorized"
)

// The Python aggregate case: PyFlink's canonical SUM AggregateFunction
// over x, grouped by x % udafGroups, through the accumulators the engine
// drives (cpython.AggState: each batch's accumulate calls replayed in one
// crossing, then one get_value per group), against the row UDF x + 1 over
// the same batches. The target: the udaf costs at most twice the
// row UDF per row (ratio ≥ 0.5).
const udafPython = `
class PySum:
    def create_accumulator(self):
        return [0]

    def accumulate(self, acc, x):
        if x is not None:
            acc[0] += x

    def retract(self, acc, x):
        if x is not None:
            acc[0] -= x

    def get_value(self, acc):
        return acc[0]

py_sum = PySum()
`

// udafGroups is about the CDN job's cardinality (its 34 provinces) rounded up.
const udafGroups = 100

func runUDAFCases(ctx context.Context, plusOne *cpython.Object, bs []*vectorized.Batch, cfg UDFConfig, size int, emit func(Measurement)) error {
	var sum *cpython.Object
	err := cpython.Do(func(py *cpython.GIL) error {
		mod, err := py.LoadModule("sluice_bench_udaf", "<sluice>/bench/udaf.py", udafPython)
		if err != nil {
			return err
		}
		defer py.DecRef(mod)
		sum, err = py.GetAttr(mod, "py_sum")
		return err
	})
	if err != nil {
		return err
	}
	defer func() { _ = cpython.Do(func(py *cpython.GIL) error { py.DecRef(sum); return nil }) }()

	groups := make([][]uint32, len(bs))
	for i, b := range bs {
		xs := b.Record.Column(colX).(interface{ Int64Values() []int64 }).Int64Values()
		g := make([]uint32, len(xs))
		for j, x := range xs {
			g[j] = uint32(uint64(x) % udafGroups)
		}
		groups[i] = g
	}
	ev, err := cpython.NewRowEvaluator([]cpython.RowUDF{{Name: "plus_one", Func: plusOne, Args: []int{colX}, Result: arrow.PrimitiveTypes.Int64}})
	if err != nil {
		return err
	}
	defer ev.Close()
	d, base, err := interleaved(cfg.Repeat,
		func() (time.Duration, error) { return timeUDAF(sum, bs, groups) },
		func() (time.Duration, error) { return timeEvaluator(ctx, ev, bs) })
	if err != nil {
		return err
	}
	m := measurement("udaf SUM (BIGINT), 100 groups", "udaf", size, cfg.Rows, d)
	m.against("row UDF x + 1", base)
	emit(m)
	return nil
}

// timeUDAF accumulates every batch and reads every group's value after
// each, as a streaming aggregate emits its changed groups per batch.
func timeUDAF(fn *cpython.Object, bs []*vectorized.Batch, groups [][]uint32) (time.Duration, error) {
	st, err := cpython.NewAggState(cpython.AggFunction{Name: "py_sum", Func: fn,
		Args: []arrow.DataType{arrow.PrimitiveTypes.Int64}, Result: arrow.PrimitiveTypes.Int64})
	if err != nil {
		return 0, err
	}
	defer st.Close()
	start := time.Now()
	for i, b := range bs {
		n := int(b.NumRows())
		st.Bind([]arrow.Array{b.Record.Column(colX)})
		st.Update(groups[i], nil, 0, n)
		for g := uint32(0); g < min(udafGroups, uint32(n)); g++ {
			st.AppendResult(g)
		}
		res, err := st.Flush(memory.DefaultAllocator)
		if err != nil {
			return 0, err
		}
		res.Release()
	}
	return time.Since(start), nil
}
