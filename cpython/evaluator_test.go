package cpython_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/vectorized"
)

const provincePrelude = `
PREFIXES = {"1.2": "Beijing", "10.0": "Shanghai", "192.168": "Zhejiang"}

def ip_to_province(ip):
    if ip is None:
        return None
    a, b, _, _ = ip.split(".")
    return PREFIXES.get(a + "." + b, "unknown")

def speed(size, secs):
    return size / secs if secs else None

def tag(ip, size):
    return "%s:%d" % (ip, size)

def seq():
    global N
    N += 1
    return N

N = 0
`

// Several UDFs of one projection run in one crossing and share columns.
func TestRowEvaluatorSeveralUDFs(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	ips := fromJSON(t, mem, arrow.BinaryTypes.String, `["1.2.3.4", "10.0.0.1", null, "8.8.8.8"]`)
	sizes := fromJSON(t, mem, arrow.PrimitiveTypes.Int64, `[100, 250, 7, 1]`)
	secs := fromJSON(t, mem, arrow.PrimitiveTypes.Float64, `[2.0, 0.5, 0, null]`)
	rec := record(ips, sizes, secs)
	ips.Release()
	sizes.Release()
	secs.Release()
	defer rec.Release()

	fns := pyFuncs(t, provincePrelude, "ip_to_province", "speed", "tag", "seq")
	ev, err := cpython.NewRowEvaluator([]cpython.RowUDF{
		{Name: "ip_to_province", Func: fns[0], Args: []int{0}, Result: arrow.BinaryTypes.String},
		{Name: "speed", Func: fns[1], Args: []int{1, 2}, Result: arrow.PrimitiveTypes.Float64},
		{Name: "tag", Func: fns[2], Args: []int{0, 1}, Result: arrow.BinaryTypes.String},
		{Name: "seq", Func: fns[3], Result: arrow.PrimitiveTypes.Int32},
	})
	require.NoError(t, err)
	defer ev.Close()

	out, err := ev.Evaluate(context.Background(), vectorized.NewBatch(rec))
	require.NoError(t, err)
	require.Len(t, out, 4)
	defer func() {
		for _, a := range out {
			a.Release()
		}
	}()
	assert.Equal(t, `["Beijing" "Shanghai" (null) "unknown"]`, out[0].String())
	assert.Equal(t, `[50 500 (null) (null)]`, out[1].String())
	assert.Equal(t, `["1.2.3.4:100" "10.0.0.1:250" "None:7" "8.8.8.8:1"]`, out[2].String())
	assert.Equal(t, `[1 2 3 4]`, out[3].String())
}

// Eight goroutines share one evaluator, each with its own data.
func TestRowEvaluatorConcurrent(t *testing.T) {
	fns := pyFuncs(t, provincePrelude+"\ndef plus(x, k):\n    return x + k\n", "plus", "ip_to_province")
	ev, err := cpython.NewRowEvaluator([]cpython.RowUDF{
		{Name: "plus", Func: fns[0], Args: []int{0, 1}, Result: arrow.PrimitiveTypes.Int64},
		{Name: "ip_to_province", Func: fns[1], Args: []int{2}, Result: arrow.BinaryTypes.String},
	})
	require.NoError(t, err)
	defer ev.Close()

	const workers, batches, rows = 8, 40, 2000
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for b := 0; b < batches; b++ {
				xb := array.NewInt64Builder(memory.DefaultAllocator)
				kb := array.NewInt64Builder(memory.DefaultAllocator)
				sb := array.NewStringBuilder(memory.DefaultAllocator)
				for i := 0; i < rows; i++ {
					xb.Append(int64(w*1_000_000 + b*rows + i))
					kb.Append(int64(w))
					sb.Append([]string{"1.2.0.1", "10.0.9.9", "192.168.1.1"}[(i+w)%3])
				}
				rec := record(xb.NewArray(), kb.NewArray(), sb.NewArray())
				xb.Release()
				kb.Release()
				sb.Release()
				out, err := ev.Evaluate(context.Background(), vectorized.NewBatch(rec))
				if err != nil {
					errs <- err
					rec.Release()
					return
				}
				sums := out[0].(*array.Int64)
				provs := out[1].(*array.String)
				for i := 0; i < rows; i++ {
					want := int64(w*1_000_000+b*rows+i) + int64(w)
					wantProv := []string{"Beijing", "Shanghai", "Zhejiang"}[(i+w)%3]
					if sums.Value(i) != want || provs.Value(i) != wantProv {
						errs <- fmt.Errorf("worker %d batch %d row %d: got %d %q, want %d %q", w, b, i, sums.Value(i), provs.Value(i), want, wantProv)
						break
					}
				}
				out[0].Release()
				out[1].Release()
				rec.Release()
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Results grow their buffers well past the initial guesses.
func TestRowUDFLargeResults(t *testing.T) {
	const rows = 50_000
	b := array.NewInt64Builder(memory.DefaultAllocator)
	for i := 0; i < rows; i++ {
		b.Append(int64(i))
	}
	in := b.NewArray()
	b.Release()
	rec := record(in)
	in.Release()
	defer rec.Release()
	fns := pyFuncs(t, "def wide(i):\n    return 'x' * (i % 100)\n\ndef many(i):\n    return list(range(i % 7))\n", "wide", "many")

	got, err := evalOne(t, fns[0], arrow.BinaryTypes.String, rec, 0)
	require.NoError(t, err)
	s := got.(*array.String)
	for _, i := range []int{0, 1, 99, 100, 12345, rows - 1} {
		require.Equal(t, strings.Repeat("x", i%100), s.Value(i))
	}
	got.Release()

	got, err = evalOne(t, fns[1], arrow.ListOf(arrow.PrimitiveTypes.Int16), rec, 0)
	require.NoError(t, err)
	l := got.(*array.List)
	for _, i := range []int{0, 6, 7, 49_999} {
		start, end := l.ValueOffsets(i)
		require.Equal(t, int64(i%7), end-start)
	}
	got.Release()
}

func TestRowUDFEmptyBatch(t *testing.T) {
	in := fromJSON(t, memory.DefaultAllocator, arrow.BinaryTypes.String, `[]`)
	defer in.Release()
	rec := record(in)
	defer rec.Release()
	got, err := evalOne(t, pyFunc(t, "def f(x):\n    raise RuntimeError('never called')\n", "f"), arrow.BinaryTypes.String, rec, 0)
	require.NoError(t, err)
	defer got.Release()
	assert.Equal(t, 0, got.Len())
}
