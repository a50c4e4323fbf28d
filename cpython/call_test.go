package cpython_test

import (
	"math"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/cpython"
)

const callPrelude = `
import numpy as np

marker = object()
kept = []

def check(i, o, none, ro, rw):
    assert i == -7, i
    assert o is marker, o
    assert none is None, none
    a = np.frombuffer(ro, np.int64)
    assert a.tolist() == [1, 2, 3], a
    assert not a.flags.writeable, "a read-only view gave a writable array"
    try:
        memoryview(ro)[0] = 1
    except TypeError:
        pass
    else:
        raise AssertionError("wrote into a read-only view")
    b = np.frombuffer(rw, np.int64)
    assert b.flags.writeable
    b[:] = a * 10
    return "ok"

def total(*args):
    return sum(args)

def keep(how, v):
    if how == 0:
        kept.append(v)
    elif how == 1:
        kept.append(np.frombuffer(v, np.uint8)[1:])
    elif how == 2:
        kept.append(memoryview(v)[2:])
    elif how == 3:
        kept.append(memoryview(v).cast("B"))
    elif how == 4:
        np.frombuffer(v, np.uint8).sum()  # used, not kept
    return len(kept)

def forget():
    kept.clear()

def slow(v):
    import time
    time.sleep(0.1)
    return bytes(v)[0]

def fails(v):
    a = np.frombuffer(v, np.uint8)
    raise ValueError(f"failed with {len(a)} bytes")

def fill(case, dst, valid):
    nan = np.nan
    src = {
        0: lambda: np.arange(13.0),
        1: lambda: np.array([nan, 1, 2, 3, 4, 5, 6, nan, nan, 9, 10, 11, nan]),
        2: lambda: np.array([nan, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8, 0, 9, 0, 10, 0, 11, 0, nan, 0])[::2],
        3: lambda: np.array([1, nan, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, nan], dtype=np.float32),
        4: lambda: np.arange(13, dtype=np.int64) * -3,
        5: lambda: (np.arange(26, dtype=np.int32) * 7)[::2],
        6: lambda: np.arange(12.0),
        7: lambda: np.zeros((13, 1)),
        8: lambda: np.arange(13.0).astype(">f8"),
        9: lambda: "not a buffer",
    }[case]()
    return dst.fill(src, valid)
`

func TestCallArgsKinds(t *testing.T) {
	fns := pyFuncs(t, callPrelude, "check", "marker", "total")
	check, marker, total := fns[0], fns[1], fns[2]
	ro := []int64{1, 2, 3}
	rw := make([]int64, 3)
	var before, fnBefore int
	require.NoError(t, cpython.Do(func(py *cpython.GIL) error {
		before, fnBefore = py.RefCount(marker), py.RefCount(check)
		args := []cpython.Arg{
			cpython.IntArg(-7), cpython.ObjectArg(marker), cpython.NoneArg(),
			cpython.ViewArg(unsafe.Pointer(&ro[0]), 24, false), cpython.ViewArg(unsafe.Pointer(&rw[0]), 24, true),
		}
		res, err := py.CallArgs(check, args)
		if err != nil {
			return err
		}
		defer py.DecRef(res)
		s, err := py.AsString(res)
		assert.Equal(t, "ok", s)
		for i := range args {
			assert.Nil(t, args[i].Kept(), "argument %d", i)
		}
		assert.Equal(t, before, py.RefCount(marker), "references to an object argument")
		assert.Equal(t, fnBefore, py.RefCount(check), "references to the function")
		return err
	}))
	assert.Equal(t, []int64{10, 20, 30}, rw)

	// More arguments than the C stack array holds.
	require.NoError(t, cpython.Do(func(py *cpython.GIL) error {
		args := make([]cpython.Arg, 40)
		for i := range args {
			args[i] = cpython.IntArg(int64(i))
		}
		res, err := py.CallArgs(total, args)
		if err != nil {
			return err
		}
		defer py.DecRef(res)
		v, err := py.AsInt64(res)
		assert.Equal(t, int64(40*39/2), v)
		return err
	}))
}

// TestCallArgsKeptViews: a view Python keeps, directly or through a numpy
// array, a memoryview slice or cast made from it, is reported by Kept and
// stays in use until Python lets go of it.
func TestCallArgsKeptViews(t *testing.T) {
	fns := pyFuncs(t, callPrelude, "keep", "forget")
	keep, forget := fns[0], fns[1]
	mem := make([]byte, 64)
	for how := range 5 {
		require.NoError(t, cpython.Do(func(py *cpython.GIL) error {
			args := []cpython.Arg{cpython.IntArg(int64(how)), cpython.ViewArg(unsafe.Pointer(&mem[0]), len(mem), false)}
			res, err := py.CallArgs(keep, args)
			if err != nil {
				return err
			}
			py.DecRef(res)
			view := args[1].Kept()
			if how == 4 {
				assert.Nil(t, view, "a view used and dropped is not kept")
				return nil
			}
			require.NotNil(t, view, "way %d", how)
			assert.Nil(t, args[1].Kept(), "Kept hands its reference over once")
			assert.True(t, py.ViewInUse(view))
			res, err = py.Call(forget)
			if err != nil {
				return err
			}
			py.DecRef(res)
			assert.False(t, py.ViewInUse(view), "way %d: in use after Python let go", how)
			py.DecRef(view)
			args[1].Unpin()
			return nil
		}))
	}
}

// TestCallArgsKeepsViewMemory: Go memory a view shows stays allocated for
// the whole call, though the caller dropped it and the collector runs.
func TestCallArgsKeepsViewMemory(t *testing.T) {
	slow := pyFunc(t, callPrelude, "slow")
	var finalized atomic.Bool
	args := func() []cpython.Arg {
		buf := new([64]byte)
		buf[0] = 42
		runtime.SetFinalizer(buf, func(*[64]byte) { finalized.Store(true) })
		return []cpython.Arg{cpython.ViewArg(unsafe.Pointer(buf), len(buf), false)}
	}()
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			default:
				runtime.GC()
				time.Sleep(5 * time.Millisecond)
			}
		}
	}()
	require.NoError(t, cpython.Do(func(py *cpython.GIL) error {
		res, err := py.CallArgs(slow, args)
		if err != nil {
			return err
		}
		defer py.DecRef(res)
		v, err := py.AsInt64(res)
		assert.Equal(t, int64(42), v)
		return err
	}))
	close(done)
	assert.False(t, finalized.Load(), "the view's memory was collected during the call")
}

// TestCallArgsException: an exception comes back as an error; a view that
// only the exception's frames referred to is free once the error is taken.
func TestCallArgsException(t *testing.T) {
	fails := pyFunc(t, callPrelude, "fails")
	mem := make([]byte, 8)
	require.NoError(t, cpython.Do(func(py *cpython.GIL) error {
		args := []cpython.Arg{cpython.ViewArg(unsafe.Pointer(&mem[0]), len(mem), false)}
		res, err := py.CallArgs(fails, args)
		assert.Nil(t, res)
		var pe *cpython.Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "ValueError", pe.Type)
		assert.Equal(t, "failed with 8 bytes", pe.Message)
		if v := args[0].Kept(); v != nil {
			assert.False(t, py.ViewInUse(v))
			py.DecRef(v)
			args[0].Unpin()
		}
		return nil
	}))
}

// TestViewFill: sluice.View.fill copies a numpy array into Go memory and
// turns NaN into NULL in an Arrow validity bitmap.
func TestViewFill(t *testing.T) {
	fill := pyFunc(t, callPrelude, "fill")
	nan := math.NaN()
	run := func(c int, dst unsafe.Pointer, size int, valid []byte) (int64, error) {
		var nulls int64
		err := cpython.Do(func(py *cpython.GIL) error {
			args := []cpython.Arg{cpython.IntArg(int64(c)), cpython.ViewArg(dst, size, true), cpython.NoneArg()}
			if valid != nil {
				args[2] = cpython.ViewArg(unsafe.Pointer(&valid[0]), len(valid), true)
			}
			// A failed fill leaves its view in the traceback's frames: the
			// test owns the memory, so it ends the pins whatever happened.
			defer cpython.ReleaseArgs(args)
			res, err := py.CallArgs(fill, args)
			if err != nil {
				return err
			}
			defer py.DecRef(res)
			nulls, err = py.AsInt64(res)
			return err
		})
		return nulls, err
	}
	same := func(want, got []float64) {
		t.Helper()
		require.Len(t, got, len(want))
		for i := range want {
			if math.IsNaN(want[i]) {
				assert.True(t, math.IsNaN(got[i]), "row %d: %v", i, got[i])
			} else {
				assert.Equal(t, want[i], got[i], "row %d", i)
			}
		}
	}

	t.Run("doubles", func(t *testing.T) {
		dst, valid := make([]float64, 13), []byte{0xAA, 0xAA}
		nulls, err := run(0, unsafe.Pointer(&dst[0]), 13*8, valid)
		require.NoError(t, err)
		assert.Zero(t, nulls)
		same([]float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, dst)
		assert.Equal(t, []byte{0xAA, 0xAA}, valid, "no NaN: the bitmap is not written")
	})
	t.Run("doubles with NaN", func(t *testing.T) {
		dst, valid := make([]float64, 13), []byte{0xFF, 0xFF}
		nulls, err := run(1, unsafe.Pointer(&dst[0]), 13*8, valid)
		require.NoError(t, err)
		assert.Equal(t, int64(4), nulls)
		same([]float64{nan, 1, 2, 3, 4, 5, 6, nan, nan, 9, 10, 11, nan}, dst)
		// Rows 0, 7, 8 and 12 are NULL; the bits past row 12 are 0.
		assert.Equal(t, []byte{0b0111_1110, 0b0000_1110}, valid)
	})
	t.Run("strided doubles", func(t *testing.T) {
		dst, valid := make([]float64, 13), make([]byte, 2)
		nulls, err := run(2, unsafe.Pointer(&dst[0]), 13*8, valid)
		require.NoError(t, err)
		assert.Equal(t, int64(2), nulls)
		same([]float64{nan, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, nan}, dst)
		assert.Equal(t, []byte{0b1111_1110, 0b0000_1111}, valid)
	})
	t.Run("floats with NaN", func(t *testing.T) {
		dst, valid := make([]float32, 26), make([]byte, 4)
		nulls, err := run(3, unsafe.Pointer(&dst[0]), 26*4, valid)
		require.NoError(t, err)
		assert.Equal(t, int64(2), nulls)
		for i, v := range dst {
			if i == 1 || i == 25 {
				assert.True(t, math.IsNaN(float64(v)), "row %d", i)
			} else {
				assert.Equal(t, float32(i+1), v, "row %d", i)
			}
		}
		assert.Equal(t, []byte{0b1111_1101, 0xFF, 0xFF, 0b0000_0001}, valid)
	})
	t.Run("integers", func(t *testing.T) {
		dst := make([]int64, 13)
		nulls, err := run(4, unsafe.Pointer(&dst[0]), 13*8, nil)
		require.NoError(t, err)
		assert.Zero(t, nulls)
		for i, v := range dst {
			assert.Equal(t, int64(-3*i), v)
		}
		small := make([]int32, 13)
		nulls, err = run(5, unsafe.Pointer(&small[0]), 13*4, nil)
		require.NoError(t, err)
		assert.Zero(t, nulls)
		for i, v := range small {
			assert.Equal(t, int32(14*i), v, "strided row %d", i)
		}
	})
	t.Run("errors", func(t *testing.T) {
		dst := make([]float64, 13)
		for _, tc := range []struct {
			c         int
			valid     []byte
			typ, want string
		}{
			{1, nil, "ValueError", "fill() of floats with NaN needs a writable validity View of ceil(len/8) bytes"},
			{6, nil, "ValueError", "fill() of a 104-byte View from 12 items of 8 bytes"},
			{7, nil, "ValueError", "fill() needs a one-dimensional buffer of native items, not 2-dimensional 'd'"},
			{8, nil, "ValueError", "fill() needs a one-dimensional buffer of native items, not 1-dimensional '>d'"},
			{9, nil, "TypeError", "a bytes-like object is required, not 'str'"},
		} {
			_, err := run(tc.c, unsafe.Pointer(&dst[0]), 13*8, tc.valid)
			var pe *cpython.Error
			require.ErrorAs(t, err, &pe, "case %d", tc.c)
			assert.Equal(t, tc.typ, pe.Type, "case %d", tc.c)
			assert.Equal(t, tc.want, pe.Message, "case %d", tc.c)
		}
	})
}

func TestViewFillReadOnly(t *testing.T) {
	fill := pyFunc(t, callPrelude, "fill")
	dst := make([]float64, 13)
	err := cpython.Do(func(py *cpython.GIL) error {
		args := []cpython.Arg{cpython.IntArg(0), cpython.ViewArg(unsafe.Pointer(&dst[0]), 13*8, false), cpython.NoneArg()}
		defer cpython.ReleaseArgs(args)
		res, err := py.CallArgs(fill, args)
		py.DecRef(res)
		return err
	})
	var pe *cpython.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "TypeError: fill() into a read-only View", pe.Type+": "+pe.Message)
	assert.Equal(t, make([]float64, 13), dst)
}
