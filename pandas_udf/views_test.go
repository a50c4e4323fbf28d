package pandas_udf

import (
	"context"
	"fmt"
	"testing"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/vectorized"
)

// numericTypes are the types whose columns and results may cross as plain
// buffers (viewWidth > 0).
var numericTypes = []arrow.DataType{
	arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Int16, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64,
	arrow.PrimitiveTypes.Uint8, arrow.PrimitiveTypes.Uint16, arrow.PrimitiveTypes.Uint32, arrow.PrimitiveTypes.Uint64,
	arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Float64,
}

// TestViewTypesAgree: Go sends a view only for the types whose buffer the
// driver knows how to read, with the same item width.
func TestViewTypesAgree(t *testing.T) {
	types := append([]arrow.DataType{arrow.FixedWidthTypes.Float16}, numericTypes...)
	for _, tc := range typeCases {
		types = append(types, tc.dt)
	}
	cols := make([]arrow.Array, len(types))
	args := make([]int, len(types))
	for i, dt := range types {
		cols[i] = array.MakeArrayOfNull(memory.DefaultAllocator, dt, 1)
		args[i] = i
	}
	rec := record(cols...)
	defer rec.Release()
	e := newEvaluator(t, UDF{Name: "f", Func: pyLambda(t, "lambda *a: a[0]"), Args: args, Result: arrow.PrimitiveTypes.Int8})
	width := pyFunc(t, "def width(inputs, k):\n    d = inputs.slots[k][3]\n    return 0 if d is None else d.itemsize\n", "width")
	require.NoError(t, cpython.Do(func(py *cpython.GIL) error {
		prep, err := py.GetAttr(e.driver, "prepare")
		if err != nil {
			return err
		}
		defer py.DecRef(prep)
		in, err := e.prepare(py, prep, rec)
		if err != nil {
			return err
		}
		defer py.DecRef(in.obj)
		for k, dt := range types {
			kk := py.Int(int64(k))
			w, err := py.Call(width, in.obj, kk)
			py.DecRef(kk)
			if err != nil {
				return err
			}
			got, err := py.AsInt64(w)
			py.DecRef(w)
			if err != nil {
				return err
			}
			assert.Equal(t, int64(viewWidth(dt)), got, "%s", dt)
		}
		return nil
	}))
	assert.Positive(t, viewWidth(arrow.PrimitiveTypes.Float64))
	assert.Zero(t, viewWidth(arrow.FixedWidthTypes.Float16))
}

// numericColumn is n values of dt, or NULL at every third row.
func numericColumn(mem memory.Allocator, dt arrow.DataType, n int, nulls bool) arrow.Array {
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	for i := range n {
		if nulls && i%3 == 1 {
			b.AppendNull()
			continue
		}
		v := i%50 + 1
		switch b := b.(type) {
		case *array.Int8Builder:
			b.Append(int8(v))
		case *array.Int16Builder:
			b.Append(int16(v))
		case *array.Int32Builder:
			b.Append(int32(v))
		case *array.Int64Builder:
			b.Append(int64(v))
		case *array.Uint8Builder:
			b.Append(uint8(v))
		case *array.Uint16Builder:
			b.Append(uint16(v))
		case *array.Uint32Builder:
			b.Append(uint32(v))
		case *array.Uint64Builder:
			b.Append(uint64(v))
		case *array.Float32Builder:
			b.Append(float32(v) + 0.5)
		case *array.Float64Builder:
			b.Append(float64(v) + 0.25)
		case *array.Float16Builder:
			b.Append(float16.New(float32(v)))
		default:
			panic(fmt.Sprintf("no builder case for %s", dt))
		}
	}
	return b.NewArray()
}

// evaluateHeld runs e over a batch of cols and returns the results and how
// many bytes of result buffers they hold — the bytes Python wrote straight
// into C memory, zero when every result came through the C Data Interface.
func evaluateHeld(t *testing.T, e *Evaluator, cols ...arrow.Array) ([]arrow.Array, int64) {
	t.Helper()
	before := resultMemory.outstanding()
	out, err := evaluate(t, e, cols...)
	require.NoError(t, err)
	return out, resultMemory.outstanding() - before
}

// TestNumericArgumentViews: a numeric column without NULLs reaches the
// function as a read-only view of its Arrow buffer from its first row —
// also when the batch is a slice — and a result of the declared type comes
// back through the result buffers, strided or not. With NULLs the column
// takes the C Data Interface; float results still come back as buffers,
// NaN as NULL.
func TestNumericArgumentViews(t *testing.T) {
	const n = 21
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	check := `
import numpy as np
def f(x):
    v = x.to_numpy()
    if ADDR:
        assert v.__array_interface__["data"][0] == ADDR, "the Series does not read the Arrow buffer"
        assert not v.flags.writeable, "the batch's buffer is writable"
        assert x.dtype == np.dtype(DTYPE), x.dtype
    return x[::-1].reset_index(drop=True) if REVERSE else x
`
	for _, dt := range numericTypes {
		w := viewWidth(dt)
		for _, variant := range []struct {
			name           string
			nulls, reverse bool
			offset         int
		}{
			{"no NULLs", false, false, 0},
			{"no NULLs, strided result", false, true, 0},
			{"sliced, no NULLs", false, false, 5},
			{"NULLs", true, false, 0},
		} {
			t.Run(dt.String()+"/"+variant.name, func(t *testing.T) {
				whole := numericColumn(mem, dt, n+variant.offset, variant.nulls)
				defer whole.Release()
				in := array.NewSlice(whole, int64(variant.offset), int64(whole.Len()))
				defer in.Release()
				addr := 0
				if !variant.nulls {
					addr = int(uintptr(unsafe.Pointer(&whole.Data().Buffers()[1].Bytes()[variant.offset*w])))
				}
				src := fmt.Sprintf("ADDR = %d\nDTYPE = %q\nREVERSE = %v\n", addr, pyDtype(dt), pyBool(variant.reverse)) + check
				e := newEvaluator(t, UDF{Name: "f", Func: pyFunc(t, src, "f"), Args: []int{0}, Result: dt})
				in.Retain() // evaluate takes one reference
				out, held := evaluateHeld(t, e, in)
				want := in
				if variant.reverse {
					want = reversed(t, mem, in)
					defer want.Release()
				}
				assertSameValues(t, want, out[0])
				integer := dt.ID() != arrow.FLOAT32 && dt.ID() != arrow.FLOAT64
				if variant.nulls && integer {
					// Int64 and friends: pandas' masked arrays take the
					// general way back.
					assert.Zero(t, held, "result buffers")
				} else {
					assert.Equal(t, int64(n*w), held, "result buffers")
				}
			})
		}
	}
}

func pyDtype(dt arrow.DataType) string {
	if dt.ID() == arrow.FLOAT32 {
		return "float32"
	}
	if dt.ID() == arrow.FLOAT64 {
		return "float64"
	}
	return dt.String()
}

func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

func reversed(t *testing.T, mem memory.Allocator, a arrow.Array) arrow.Array {
	t.Helper()
	b := array.NewBuilder(mem, a.DataType())
	defer b.Release()
	for i := a.Len() - 1; i >= 0; i-- {
		require.NoError(t, b.AppendValueFromString(a.ValueStr(i)))
	}
	return b.NewArray()
}

// TestNaNResults: NaN in a float result is NULL wherever it sits, in
// batches of every length around a byte of the validity bitmap.
func TestNaNResults(t *testing.T) {
	src := "import numpy as np\ndef f(x):\n    return np.where(x % 3 == 0, np.nan, x * 0.5).astype(DTYPE)\n"
	for _, dt := range []arrow.DataType{arrow.PrimitiveTypes.Float64, arrow.PrimitiveTypes.Float32} {
		e := newEvaluator(t, UDF{Name: "f", Func: pyFunc(t, fmt.Sprintf("DTYPE = %q\n", pyDtype(dt))+src, "f"), Args: []int{0}, Result: dt})
		for _, n := range []int{1, 2, 7, 8, 9, 16, 17, 64, 1000} {
			for _, shift := range []int{0, 1} { // NaN first, or not
				b := array.NewInt64Builder(memory.DefaultAllocator)
				want := array.NewBuilder(memory.DefaultAllocator, dt)
				for i := range n {
					x := int64(i + shift)
					b.Append(x)
					switch {
					case x%3 == 0:
						want.AppendNull()
					case dt.ID() == arrow.FLOAT32:
						want.(*array.Float32Builder).Append(float32(x) * 0.5)
					default:
						want.(*array.Float64Builder).Append(float64(x) * 0.5)
					}
				}
				in, w := b.NewArray(), want.NewArray()
				b.Release()
				want.Release()
				out, held := evaluateHeld(t, e, in)
				assert.Equal(t, int64(n*viewWidth(dt)), held, "result buffers")
				assertSameValues(t, w, out[0])
				w.Release()
			}
		}
	}
}

// TestResultFallback: results that are not a numpy array of exactly the
// declared type take the general way — a safe cast through pyarrow — and
// give the same values as before there were result buffers.
func TestResultFallback(t *testing.T) {
	cases := []struct {
		name, fn string
		dt       arrow.DataType
		want     string
	}{
		{"int64 into DOUBLE", "lambda x: x * 10", arrow.PrimitiveTypes.Float64, `[10, 20, 30]`},
		{"float64 into FLOAT", "lambda x: x / 2", arrow.PrimitiveTypes.Float32, `[0.5, 1, 1.5]`},
		{"int64 into INT", "lambda x: x + 1", arrow.PrimitiveTypes.Int32, `[2, 3, 4]`},
		{"whole float64 into BIGINT", "lambda x: x * 2.0", arrow.PrimitiveTypes.Int64, `[2, 4, 6]`},
		{"nullable Int64 into BIGINT", "lambda x: x.astype('Int64').where(x != 2)", arrow.PrimitiveTypes.Int64, `[1, null, 3]`},
		{"list into DOUBLE", "lambda x: [1.5, None, float('nan')]", arrow.PrimitiveTypes.Float64, `[1.5, null, null]`},
		{"pyarrow array into DOUBLE", "lambda x: __import__('pyarrow').array([1.5, None, 3.0])", arrow.PrimitiveTypes.Float64, `[1.5, null, 3]`},
		{"2-D array of one column into DOUBLE", "lambda x: __import__('numpy').ones((3, 1))[:, 0]", arrow.PrimitiveTypes.Float64, `[1, 1, 1]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEvaluator(t, UDF{Name: "f", Func: pyLambda(t, tc.fn), Args: []int{0}, Result: tc.dt})
			out, held := evaluateHeld(t, e, fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Int64, `[1, 2, 3]`))
			assertSameValues(t, fromJSON(t, memory.DefaultAllocator, tc.dt, tc.want), out[0])
			if tc.name == "2-D array of one column into DOUBLE" {
				assert.Equal(t, int64(3*8), held, "a strided column of the declared type is copied into the buffers")
			} else {
				assert.Zero(t, held, "result buffers")
			}
		})
	}
}

// TestByteSwappedResult: a float64 result in the other byte order is not
// read as if it were native: it takes the general way, which refuses it as
// it always did.
func TestByteSwappedResult(t *testing.T) {
	e := newEvaluator(t, UDF{Name: "f", Func: pyLambda(t, "lambda x: (x * 1.5).astype('>f8')"), Args: []int{0}, Result: arrow.PrimitiveTypes.Float64})
	_, err := evaluate(t, e, fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Int64, `[1, 2, 3]`))
	require.EqualError(t, err, "pandas UDF f returned >f8 values that do not convert to DOUBLE: Byte-swapped arrays not supported")
}

// TestKeptArguments: a function that keeps its argument beyond the batch
// keeps the column's memory with it: the column stays allocated, and its
// values intact, until Python lets go — then a later batch releases it.
func TestKeptArguments(t *testing.T) {
	src := `
import numpy as np
kept = []
def keep(x):
    kept.append((x, x.to_numpy()[2:], memoryview(x.to_numpy()).cast("B")[8:]))
    return x + 1
def total():
    return sum(float(s.sum()) + float(a.sum()) + float(np.frombuffer(m, np.float64).sum()) for s, a, m in kept)
def forget():
    kept.clear()
`
	fns := pyFuncs(t, src, "keep", "total", "forget")
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	e := newEvaluator(t, UDF{Name: "keep", Func: fns[0], Args: []int{0}, Result: arrow.PrimitiveTypes.Float64})
	drop := newEvaluator(t, UDF{Name: "plain", Func: pyLambda(t, "lambda x: x * 2"), Args: []int{0}, Result: arrow.PrimitiveTypes.Float64})
	call := func(fn *cpython.Object) float64 {
		var v float64
		require.NoError(t, cpython.Do(func(py *cpython.GIL) error {
			r, err := py.Call(fn)
			if err != nil {
				return err
			}
			defer py.DecRef(r)
			if py.IsNone(r) {
				return nil
			}
			v, err = py.AsFloat64(r)
			return err
		}))
		return v
	}
	ctx := context.Background()
	run := func(e *Evaluator, vals ...float64) {
		b := array.NewFloat64Builder(mem)
		b.AppendValues(vals, nil)
		col := b.NewArray()
		b.Release()
		rec := record(col)
		out, err := e.Evaluate(ctx, vectorized.NewBatch(rec))
		rec.Release()
		require.NoError(t, err)
		out[0].Release()
	}
	base := keptViewCount()
	run(e, 1, 2, 3, 4)
	run(e, 10, 20, 30, 40)
	assert.Positive(t, mem.CurrentAlloc(), "the kept columns are still allocated")
	assert.Equal(t, base+2, keptViewCount())
	// Overwrite freed memory, should the columns have been let go.
	for range 20 {
		run(drop, 7, 7, 7, 7)
	}
	assert.Equal(t, float64((1+2+3+4)+(3+4)+(2+3+4)+(10+20+30+40)+(30+40)+(20+30+40)), call(fns[1]), "the kept values")
	call(fns[2])
	run(drop, 1)
	assert.Equal(t, base, keptViewCount(), "views let go once unused")
	mem.AssertSize(t, 0)
}

// TestResultBuffersFreed: every result buffer goes back when its array is
// released, and a failed batch frees the buffers it had.
func TestResultBuffersFreed(t *testing.T) {
	before := resultMemory.outstanding()
	e := newEvaluator(t,
		UDF{Name: "double", Func: pyLambda(t, "lambda x: x * 2"), Args: []int{0}, Result: arrow.PrimitiveTypes.Float64},
		UDF{Name: "fails", Func: pyLambda(t, "lambda x: 1 / 0 if (x > 2).any() else x"), Args: []int{0}, Result: arrow.PrimitiveTypes.Float64},
	)
	rec := record(fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Float64, `[1, 2, 3]`))
	defer rec.Release()
	_, err := e.Evaluate(context.Background(), vectorized.NewBatch(rec))
	require.ErrorContains(t, err, "pandas UDF fails raised an exception")
	assert.Equal(t, before, resultMemory.outstanding(), "after a failed batch")
	ok := record(fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Float64, `[1, 2]`))
	defer ok.Release()
	out, err := e.Evaluate(context.Background(), vectorized.NewBatch(ok))
	require.NoError(t, err)
	assert.Equal(t, before+2*2*8, resultMemory.outstanding())
	assert.Equal(t, 4.0, out[0].(*array.Float64).Value(1))
	for _, a := range out {
		a.Release()
	}
	assert.Equal(t, before, resultMemory.outstanding())
}

// TestResultAllocator: the result buffers' allocator counts what it has
// out, aligns for SIMD and keeps the contents when a buffer grows.
func TestResultAllocator(t *testing.T) {
	a := &cAllocator{}
	b := a.Allocate(100)
	require.Len(t, b, 100)
	assert.Zero(t, uintptr(unsafe.Pointer(&b[0]))%64, "64-byte aligned")
	for i := range b {
		b[i] = byte(i)
	}
	assert.Equal(t, int64(100), a.outstanding())
	b = a.Reallocate(60, b)
	assert.Equal(t, int64(60), a.outstanding())
	b = a.Reallocate(1000, b)
	require.Len(t, b, 1000)
	assert.Equal(t, int64(1000), a.outstanding())
	for i := range 60 {
		require.Equal(t, byte(i), b[i], "byte %d after growing", i)
	}
	a.Free(b)
	assert.Zero(t, a.outstanding())
}
