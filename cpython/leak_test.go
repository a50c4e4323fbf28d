package cpython_test

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
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

const leakPrelude = `
import sys, tracemalloc
from _sluice_runtime import Row

KEEP = object()

def plus(x):
    _ = KEEP
    return x + 1

def shout(s):
    return None if s is None else s.upper()

def nest(x, s):
    return Row(n=x, tags=[s, s], m=None if s is None else {s: x})

def probe():
    # Small ints are shared objects: a leaked or over-released reference to
    # an argument shows up in their counts.
    return repr([sys.getrefcount(KEEP), sys.getrefcount(7), sys.getrefcount(200), sys.getrefcount(Row)])

def traced():
    return str(tracemalloc.get_traced_memory()[0])
`

// rssBytes is the resident set size after a full Go collection, so Go's
// own garbage does not count.
func rssBytes(t *testing.T) int64 {
	runtime.GC()
	debug.FreeOSMemory()
	b, err := os.ReadFile("/proc/self/statm")
	require.NoError(t, err)
	f := strings.Fields(string(b))
	pages, err := strconv.ParseInt(f[1], 10, 64)
	require.NoError(t, err)
	return pages * int64(os.Getpagesize())
}

// callText calls fn() and returns str() of its result.
func callText(t *testing.T, fn *cpython.Object) string {
	var out string
	require.NoError(t, cpython.Do(func(py *cpython.GIL) error {
		r, err := py.Call(fn)
		if err != nil {
			return err
		}
		defer py.DecRef(r)
		out, err = py.AsString(r)
		return err
	}))
	return out
}

// TestRowUDFNoLeak runs 10,000 batches and checks that RSS, Python's traced
// allocations and the reference counts of shared objects stay flat, and that
// every exported input buffer is given back.
func TestRowUDFNoLeak(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	fns := pyFuncs(t, leakPrelude, "plus", "shout", "nest", "probe", "traced")
	ev, err := cpython.NewRowEvaluator([]cpython.RowUDF{
		{Name: "plus", Func: fns[0], Args: []int{0}, Result: arrow.PrimitiveTypes.Int64},
		{Name: "shout", Func: fns[1], Args: []int{1}, Result: arrow.BinaryTypes.String},
		{Name: "nest", Func: fns[2], Args: []int{0, 1}, Result: arrow.StructOf(
			arrow.Field{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
			arrow.Field{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
			arrow.Field{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64), Nullable: true},
		)},
	})
	require.NoError(t, err)
	defer ev.Close()

	const batches, rows = 10_000, 64
	xb := array.NewInt64Builder(mem)
	sb := array.NewStringBuilder(mem)
	for i := 0; i < rows; i++ {
		xb.Append(int64(i * 3))
		if i%10 == 0 {
			sb.AppendNull()
		} else {
			sb.Append("host-" + strconv.Itoa(i))
		}
	}
	xs, ss := xb.NewArray(), sb.NewArray()
	xb.Release()
	sb.Release()
	rec := record(xs, ss)
	xs.Release()
	ss.Release()

	run := func(n int) {
		for i := 0; i < n; i++ {
			out, err := ev.Evaluate(context.Background(), vectorized.NewBatch(rec))
			require.NoError(t, err)
			for _, a := range out {
				a.Release()
			}
		}
	}
	run(500) // warm up: caches, arenas, Go heap
	require.NoError(t, cpython.Do(func(py *cpython.GIL) error {
		_, err := py.Exec("<leak>", "import tracemalloc\ntracemalloc.start()\n")
		return err
	}))
	defer cpython.Do(func(py *cpython.GIL) error {
		_, err := py.Exec("<leak>", "import tracemalloc\ntracemalloc.stop()\n")
		return err
	})
	traced := func() int64 {
		n, err := strconv.ParseInt(callText(t, fns[4]), 10, 64)
		require.NoError(t, err)
		return n
	}
	refs0, traced0, rss0 := callText(t, fns[3]), traced(), rssBytes(t)
	run(batches)
	refs1, traced1, rss1 := callText(t, fns[3]), traced(), rssBytes(t)
	t.Logf("over %d batches: refs %s → %s, traced %d → %d bytes, RSS %d → %d KiB", batches, refs0, refs1, traced0, traced1, rss0>>10, rss1>>10)

	assert.Equal(t, refs0, refs1, "reference counts of KEEP, 7, 200, Row")
	assert.Less(t, traced1-traced0, int64(64<<10), "Python allocations grew by %d bytes over %d batches", traced1-traced0, batches)
	// A leak of one result column per batch would be > 20 MiB here.
	assert.Less(t, rss1-rss0, int64(8<<20), "RSS grew by %d bytes over %d batches", rss1-rss0, batches)
	rec.Release()
	mem.AssertSize(t, 0)
}
