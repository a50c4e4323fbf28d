package pandas_udf

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/vectorized"
)

// leakProbe is the Python side of the leak tests: the UDFs, an object they
// all refer to, and what tracemalloc and sys.getrefcount say.
const leakProbe = `
import gc, sys, tracemalloc
import numpy as np

scale = np.float64(1.0)  # every call refers to it

def identity(x):
    return x

last = {"index_refs": 0}

def identity_with_state(x):
    if scale != 1.0:
        raise AssertionError("scale changed")
    # Every argument of a batch shares the evaluator's RangeIndex: a Series
    # of an earlier batch kept alive would show here.
    last["index_refs"] = sys.getrefcount(x.index)
    return x

def fails(x):
    if (x > 1e300).any():
        raise ValueError("too big")
    return x * scale

def wrong_length(x):
    return x.iloc[:1]

def start():
    tracemalloc.start()

def traced():
    # Not leaks, but memory that comes and goes: cyclic garbage (pandas'
    # accessors make some) until the collector runs, and CPython's type
    # attribute cache, which keeps the name strings of up to 4096 recent
    # lookups — C code (pyarrow's) looks names up with fresh strings.
    gc.collect()
    sys._clear_type_cache()
    return tracemalloc.get_traced_memory()[0]

def refs():
    return sys.getrefcount(scale)

def index_refs():
    return last["index_refs"]

def stop():
    tracemalloc.stop()
`

type probe struct {
	fns map[string]*cpython.Object
}

func newProbe(t *testing.T) probe {
	names := []string{"identity", "identity_with_state", "fails", "wrong_length", "start", "traced", "refs", "index_refs", "stop"}
	objs := pyFuncs(t, leakProbe, names...)
	p := probe{fns: map[string]*cpython.Object{}}
	for i, n := range names {
		p.fns[n] = objs[i]
	}
	return p
}

func (p probe) int(t *testing.T, name string) int64 {
	var v int64
	require.NoError(t, cpython.Do(func(py *cpython.GIL) error {
		r, err := py.Call(p.fns[name])
		if err != nil {
			return err
		}
		defer py.DecRef(r)
		if py.IsNone(r) {
			return nil
		}
		v, err = py.AsInt64(r)
		return err
	}))
	return v
}

func rss(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/statm")
	require.NoError(t, err)
	f := strings.Fields(string(b))
	pages, err := strconv.ParseInt(f[1], 10, 64)
	require.NoError(t, err)
	return pages * int64(os.Getpagesize())
}

type sample struct{ rss, traced, refs, indexRefs, fnRefs int64 }

// TestNoLeaks runs 10,000 batches through an identity UDF that reads a
// module-level object on every call, once with a NULL every 97 rows (the
// column crosses through the C Data Interface; the result, NaN at the
// NULLs, comes back through the result buffers) and once without NULLs
// (the column crosses as a view of its buffer). After a warm-up, resident
// memory, Python's traced memory and the reference counts of the function
// and of the object must stay where they were: the highest level of the
// second half may not exceed that of the first half by more than noise. The
// input records come from a checked allocator that must end empty, no
// result buffer may be left allocated and no view kept.
func TestNoLeaks(t *testing.T) {
	for _, variant := range []struct {
		name      string
		nullEvery int
	}{{"NULLs", 97}, {"no NULLs", 0}} {
		t.Run(variant.name, func(t *testing.T) { noLeaks(t, variant.nullEvery) })
	}
}

func noLeaks(t *testing.T, nullEvery int) {
	p := newProbe(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	fn := p.fns["identity_with_state"]
	e := newEvaluator(t, UDF{Name: "identity", Func: fn, Args: []int{0}, Result: arrow.PrimitiveTypes.Float64})
	fnRefs := func() int64 {
		var n int
		require.NoError(t, cpython.Do(func(py *cpython.GIL) error { n = py.RefCount(fn); return nil }))
		return int64(n)
	}
	const batches, rows, warmup = 10_000, 1_000, 1_000
	wantNulls := 0
	if nullEvery > 0 {
		wantNulls = (rows + nullEvery - 1) / nullEvery
	}
	buffers, views := resultMemory.outstanding(), keptViewCount()
	ctx := context.Background()
	p.int(t, "start")
	defer p.int(t, "stop")
	var first, second []sample
	for i := range batches {
		b := array.NewFloat64Builder(mem)
		for r := range rows {
			if nullEvery > 0 && r%nullEvery == 0 {
				b.AppendNull()
			} else {
				b.Append(float64(i*rows + r))
			}
		}
		col := b.NewArray()
		b.Release()
		rec := record(col)
		out, err := e.Evaluate(ctx, vectorized.NewBatch(rec))
		rec.Release()
		require.NoError(t, err)
		require.Equal(t, wantNulls, out[0].NullN())
		for _, a := range out {
			a.Release()
		}
		if i >= warmup && i%500 == 0 {
			s := sample{rss: rss(t), traced: p.int(t, "traced"), refs: p.int(t, "refs"), indexRefs: p.int(t, "index_refs"), fnRefs: fnRefs()}
			if i < (batches+warmup)/2 {
				first = append(first, s)
			} else {
				second = append(second, s)
			}
		}
	}
	mem.AssertSize(t, 0)
	assert.Equal(t, buffers, resultMemory.outstanding(), "result buffers left allocated")
	assert.Equal(t, views, keptViewCount(), "views kept")

	peak := func(ss []sample, f func(sample) int64) int64 {
		m := f(ss[0])
		for _, s := range ss {
			m = max(m, f(s))
		}
		return m
	}
	t.Logf("RSS %d → %d KiB, traced %d → %d B, refs %d → %d, index refs %d → %d",
		peak(first, func(s sample) int64 { return s.rss })/1024, peak(second, func(s sample) int64 { return s.rss })/1024,
		peak(first, func(s sample) int64 { return s.traced }), peak(second, func(s sample) int64 { return s.traced }),
		first[0].refs, second[len(second)-1].refs, first[0].indexRefs, second[len(second)-1].indexRefs)
	// A leak of one 1,000-row column per batch would add 40 MB here.
	assert.LessOrEqual(t, peak(second, func(s sample) int64 { return s.rss }), peak(first, func(s sample) int64 { return s.rss })+8<<20, "RSS grows")
	// 64 KiB over 4,500 batches is less than 15 bytes per batch.
	assert.LessOrEqual(t, peak(second, func(s sample) int64 { return s.traced }), peak(first, func(s sample) int64 { return s.traced })+64<<10, "Python memory grows")
	for _, s := range append(first, second...) {
		require.Equal(t, first[0].refs, s.refs, "references to an object the UDF uses")
		require.Equal(t, first[0].indexRefs, s.indexRefs, "references to the batch index")
		require.Equal(t, first[0].fnRefs, s.fnRefs, "references to the function")
	}
}

// TestNoLeaksOnFailures: failed batches — exceptions, wrong results — and
// batches of every type give back every Go buffer and leave Python memory
// flat.
func TestNoLeaksOnFailures(t *testing.T) {
	p := newProbe(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	fails := newEvaluator(t, UDF{Name: "fails", Func: p.fns["fails"], Args: []int{0}, Result: arrow.PrimitiveTypes.Float64})
	short := newEvaluator(t, UDF{Name: "wrong_length", Func: p.fns["wrong_length"], Args: []int{0}, Result: arrow.PrimitiveTypes.Float64})
	all := make([]UDF, len(typeCases))
	for i, tc := range typeCases {
		all[i] = UDF{Name: tc.sql, Func: p.fns["identity"], Args: []int{i}, Result: tc.dt}
	}
	every := newEvaluator(t, all...)
	ctx := context.Background()

	round := func(i int) {
		big := "1"
		if i%2 == 0 {
			big = "1e308"
		}
		for _, e := range []*Evaluator{fails, short} {
			rec := record(fromJSON(t, mem, arrow.PrimitiveTypes.Float64, `[`+big+`, 2, null]`))
			out, err := e.Evaluate(ctx, vectorized.NewBatch(rec))
			rec.Release()
			for _, a := range out {
				a.Release()
			}
			if e == short || i%2 == 0 {
				require.Error(t, err)
			} else {
				require.NoError(t, err)
			}
		}
		cols := make([]arrow.Array, len(typeCases))
		for c, tc := range typeCases {
			cols[c] = fromJSON(t, mem, tc.dt, tc.nulls)
		}
		rec := record(cols...)
		out, err := every.Evaluate(ctx, vectorized.NewBatch(rec))
		rec.Release()
		require.NoError(t, err)
		for _, a := range out {
			a.Release()
		}
	}
	buffers := resultMemory.outstanding()
	p.int(t, "start")
	defer p.int(t, "stop")
	for i := range 30 {
		round(i)
	}
	before := p.int(t, "traced")
	refs := p.int(t, "refs")
	for i := range measuredRounds() {
		round(i)
	}
	after := p.int(t, "traced")
	t.Logf("traced %d → %d B", before, after)
	// One leaked Series, array or traceback per round would be hundreds of
	// bytes per round.
	assert.LessOrEqual(t, after, before+8<<10, "Python memory grows")
	assert.Equal(t, refs, p.int(t, "refs"))
	mem.AssertSize(t, 0)
	assert.Equal(t, buffers, resultMemory.outstanding(), "result buffers left allocated")
}

func measuredRounds() int {
	if n, err := strconv.Atoi(os.Getenv("ROUNDS")); err == nil {
		return n
	}
	return 100
}
