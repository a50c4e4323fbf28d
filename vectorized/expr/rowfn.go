package expr

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"

	"github.com/sluice-stream/sluice/vectorized"
)

// Accessors for kernel arguments that may be broadcast literals.

type sAcc struct {
	in     strIn
	scalar bool
}

func sAccOf(a arrow.Array, n int) sAcc { return sAcc{in: newStrIn(a), scalar: isScalarArg(a, n)} }

func (a sAcc) at(i int) string {
	if a.scalar {
		i = 0
	}
	return a.in.str(i)
}

func (a sAcc) bytesAt(i int) []byte {
	if a.scalar {
		i = 0
	}
	return a.in.bytes(i)
}

type iAcc struct {
	v      []int64
	scalar bool
}

// iAccOf reads a BIGINT argument (binders cast integer arguments to BIGINT).
func iAccOf(a arrow.Array, n int) iAcc { return iAcc{v: values[int64](a), scalar: isScalarArg(a, n)} }

func (a iAcc) at(i int) int64 {
	if a.scalar {
		return a.v[0]
	}
	return a.v[i]
}

type fAcc struct {
	v      []float64
	scalar bool
}

func fAccOf(a arrow.Array, n int) fAcc { return fAcc{v: values[float64](a), scalar: isScalarArg(a, n)} }

func (a fAcc) at(i int) float64 {
	if a.scalar {
		return a.v[0]
	}
	return a.v[i]
}

// rowFn computes one row; it appends a STRING/BYTES result to dst or
// reports NULL.
type rowFn func(i int, dst []byte) ([]byte, bool, error)

// strKernel builds a kernel with a STRING or BYTES result: a row with a NULL
// argument is NULL (SQL's default null handling); setup prepares the per-row
// function once per batch.
func strKernel(setup func(kc *kctx, in []arrow.Array) rowFn) kernelFn {
	return func(kc *kctx, in []arrow.Array) (arrow.Array, error) {
		n := kc.n
		valid, _ := andValidity(kc.mem, n, in...)
		vb := bitsView{}
		if valid != nil {
			vb.buf = valid.Bytes()
			defer valid.Release()
		}
		f := setup(kc, in)
		out := newStrOut(kc.mem, kc.call.typ, n, 0)
		var scratch []byte
		for i := 0; i < n; i++ {
			if !vb.get(i) {
				out.AppendNull()
				continue
			}
			var isNull bool
			var err error
			scratch, isNull, err = f(i, scratch[:0])
			if err != nil {
				out.release()
				return nil, err
			}
			if isNull {
				out.AppendNull()
			} else {
				out.Append(scratch)
			}
		}
		return out.finish(), nil
	}
}

// fixedRowFn computes one fixed-width row or reports NULL.
type fixedRowFn[T any] func(i int) (T, bool, error)

// fixedKernel is strKernel for fixed-width results of physical type T.
func fixedKernel[T any](setup func(kc *kctx, in []arrow.Array) fixedRowFn[T]) kernelFn {
	return func(kc *kctx, in []arrow.Array) (arrow.Array, error) {
		n := kc.n
		valid, _ := andValidity(kc.mem, n, in...)
		if valid == nil {
			valid, _ = allocBits(kc.mem, n)
			bitutil.SetBitsTo(valid.Bytes(), 0, int64(n), true)
		}
		vb := valid.Bytes()
		f := setup(kc, in)
		buf, out := allocFixed[T](kc.mem, n)
		for i := 0; i < n; i++ {
			if !bitutil.BitIsSet(vb, i) {
				continue
			}
			v, isNull, err := f(i)
			if err != nil {
				buf.Release()
				valid.Release()
				return nil, err
			}
			if isNull {
				bitutil.ClearBit(vb, i)
				continue
			}
			out[i] = v
		}
		valid, nulls := finishValidity(valid, n)
		return makeArray(kc.call.typ, n, valid, nulls, buf), nil
	}
}

// boolKernel is fixedKernel for BOOLEAN results.
func boolKernel(setup func(kc *kctx, in []arrow.Array) fixedRowFn[bool]) kernelFn {
	return func(kc *kctx, in []arrow.Array) (arrow.Array, error) {
		n := kc.n
		valid, _ := andValidity(kc.mem, n, in...)
		if valid == nil {
			valid, _ = allocBits(kc.mem, n)
			bitutil.SetBitsTo(valid.Bytes(), 0, int64(n), true)
		}
		vb := valid.Bytes()
		f := setup(kc, in)
		buf, out := allocBits(kc.mem, n)
		for i := 0; i < n; i++ {
			if !bitutil.BitIsSet(vb, i) {
				continue
			}
			v, isNull, err := f(i)
			if err != nil {
				buf.Release()
				valid.Release()
				return nil, err
			}
			if isNull {
				bitutil.ClearBit(vb, i)
			} else if v {
				bitutil.SetBit(out, i)
			}
		}
		valid, nulls := finishValidity(valid, n)
		return makeArray(tBool, n, valid, nulls, buf), nil
	}
}

// argKinds checks and casts arguments against a signature written as
// letters: S STRING, B BYTES, X STRING or BYTES, I integer (cast to BIGINT),
// D numeric (cast to DOUBLE), N numeric (kept), T a timestamp-like value,
// A anything. A trailing '?' makes the following letters optional. NULL
// literals take the expected type.
func argKinds(args []vectorized.Expr, kinds string) ([]vectorized.Expr, bool) {
	required := len(kinds)
	for i, k := range kinds {
		if k == '?' {
			required = i
			kinds = kinds[:i] + kinds[i+1:]
			break
		}
	}
	if len(args) < required || len(args) > len(kinds) {
		return nil, false
	}
	out := make([]vectorized.Expr, len(args))
	for i, a := range args {
		dt := a.DataType()
		null := dt.ID() == arrow.NULL
		switch kinds[i] {
		case 'S':
			if null {
				a = implicit(a, tString)
			} else if familyOf(dt) != famString {
				return nil, false
			}
		case 'B':
			if null {
				a = implicit(a, tBinary)
			} else if familyOf(dt) != famBinary {
				return nil, false
			}
		case 'X':
			if null {
				a = implicit(a, tString)
			} else if f := familyOf(dt); f != famString && f != famBinary {
				return nil, false
			}
		case 'I':
			if null || familyOf(dt) == famInt {
				a = implicit(a, tInt64)
			} else {
				return nil, false
			}
		case 'D':
			if null || isNumeric(dt) {
				a = implicit(a, tFloat64)
			} else {
				return nil, false
			}
		case 'N':
			if null {
				a = implicit(a, tInt32)
			} else if !isNumeric(dt) {
				return nil, false
			}
		case 'T':
			if null {
				a = implicit(a, TimestampType(3))
			} else if !isTemporal(dt) && familyOf(dt) != famString {
				return nil, false
			}
		case 'A':
		}
		out[i] = a
	}
	return out, true
}
