package bench

import (
	"context"
	"fmt"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/cdata"
	"github.com/apache/arrow-go/v18/arrow/memory/mallocator"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/pandas_udf"
	"github.com/sluice-stream/sluice/vectorized"
)

// The pandas baselines: the same function called on pandas Series that
// were built before the clock starts, in a plain Python loop.
const baselinePython = `
import time
import pyarrow as pa

def preload(ptrs):
    # ptrs: per batch, a list of (array_ptr, schema_ptr) per argument column
    return [[pa.Array._import_from_c(a, s).to_pandas() for a, s in batch] for batch in ptrs]

def time_calls(f, batches):
    start = time.perf_counter()
    for args in batches:
        f(*args)
    return time.perf_counter() - start
`

// cStructs allocates zeroed C memory for exported ArrowArray/ArrowSchema
// structs: the Python side takes them over by address.
type cStructs struct {
	alloc *mallocator.Mallocator
	bufs  [][]byte
}

func (c *cStructs) array() *cdata.CArrowArray {
	b := c.alloc.Allocate(int(unsafe.Sizeof(cdata.CArrowArray{})))
	clear(b)
	c.bufs = append(c.bufs, b)
	return (*cdata.CArrowArray)(unsafe.Pointer(&b[0]))
}

func (c *cStructs) schema() *cdata.CArrowSchema {
	b := c.alloc.Allocate(int(unsafe.Sizeof(cdata.CArrowSchema{})))
	clear(b)
	c.bufs = append(c.bufs, b)
	return (*cdata.CArrowSchema)(unsafe.Pointer(&b[0]))
}

func (c *cStructs) free() {
	for _, b := range c.bufs {
		c.alloc.Free(b)
	}
	c.bufs = nil
}

// preloadSeries turns the argument columns of every batch into pandas
// Series on the Python side and returns the list of argument lists.
func preloadSeries(py *cpython.GIL, preload *cpython.Object, bs []*vectorized.Batch, cols []int) (*cpython.Object, error) {
	mem := &cStructs{alloc: mallocator.NewMallocator()}
	// Python moves the structs' contents out during import; the structs
	// themselves are ours to free afterwards.
	defer mem.free()
	batches := make([]*cpython.Object, 0, len(bs))
	defer func() {
		for _, o := range batches {
			py.DecRef(o)
		}
	}()
	for _, b := range bs {
		pairs := make([]*cpython.Object, 0, len(cols))
		for _, c := range cols {
			ca, cs := mem.array(), mem.schema()
			cdata.ExportArrowArray(b.Record.Column(c), ca, cs)
			a, s := py.Int(int64(uintptr(unsafe.Pointer(ca)))), py.Int(int64(uintptr(unsafe.Pointer(cs))))
			pairs = append(pairs, py.Tuple(a, s))
			py.DecRef(a)
			py.DecRef(s)
		}
		batches = append(batches, py.List(pairs...))
		for _, p := range pairs {
			py.DecRef(p)
		}
	}
	all := py.List(batches...)
	defer py.DecRef(all)
	return py.Call(preload, all)
}

func runPandasCases(ctx context.Context, fns []*cpython.Object, bs []*vectorized.Batch, cfg UDFConfig, size int, emit func(Measurement)) error {
	var preload, timeCalls *cpython.Object
	err := cpython.Do(func(py *cpython.GIL) error {
		mod, err := py.LoadModule("sluice_bench_baseline", "<sluice>/bench/baseline.py", baselinePython)
		if err != nil {
			return err
		}
		defer py.DecRef(mod)
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
		py.DecRef(preload)
		py.DecRef(timeCalls)
		return nil
	})

	cases := []struct {
		name     string
		fn       *cpython.Object
		args     []int
		identity bool
	}{
		{"pandas a + b (DOUBLE)", fns[0], []int{colA, colB}, false},
		{"pandas norm.cdf(v) (DOUBLE)", fns[1], []int{colV}, false},
		{"pandas identity (DOUBLE)", fns[2], []int{colV}, true},
	}
	for _, pc := range cases {
		ev, err := pandas_udf.NewEvaluator([]pandas_udf.UDF{{Name: pc.name, Func: pc.fn, Args: pc.args, Result: arrow.PrimitiveTypes.Float64}})
		if err != nil {
			return err
		}
		var series *cpython.Object
		err = cpython.Do(func(py *cpython.GIL) error {
			series, err = preloadSeries(py, preload, bs, pc.args)
			return err
		})
		if err != nil {
			ev.Close()
			return err
		}
		baseline := pythonTimed(timeCalls, pc.fn, series)
		engine, base, err := interleaved(cfg.Repeat,
			func() (time.Duration, error) { return timeEvaluator(ctx, ev, bs) }, baseline)
		ev.Close()
		cpython.Do(func(py *cpython.GIL) error { py.DecRef(series); return nil })
		if err != nil {
			return fmt.Errorf("%s: %w", pc.name, err)
		}
		m := measurement(pc.name, "pandas", size, cfg.Rows, engine)
		m.against("same call on preloaded Series", base)
		if pc.identity {
			m.OverheadMicros = (engine - base).Seconds() * 1e6 / float64(len(bs))
		}
		emit(m)
	}
	return nil
}

// pythonTimed is a baseline timed inside Python: time_calls(f, args) runs f
// over the preloaded arguments of every batch and returns the seconds it
// took, so no crossing from Go is counted.
func pythonTimed(timeCalls, f, args *cpython.Object) func() (time.Duration, error) {
	return func() (time.Duration, error) {
		var d time.Duration
		err := cpython.Do(func(py *cpython.GIL) error {
			secs, err := py.Call(timeCalls, f, args)
			if err != nil {
				return err
			}
			defer py.DecRef(secs)
			s, err := py.AsFloat64(secs)
			d = time.Duration(s * float64(time.Second))
			return err
		})
		return d, err
	}
}
