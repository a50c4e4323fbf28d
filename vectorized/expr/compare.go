package expr

import (
	"bytes"
	"cmp"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/sluice-stream/sluice/vectorized"
)

//go:generate go run gen_cmp.go

// comparison operator codes
const (
	opEq = iota
	opNe
	opLt
	opLe
	opGt
	opGe
)

var cmpNames = map[string]int{"=": opEq, "<>": opNe, "<": opLt, "<=": opLe, ">": opGt, ">=": opGe}

func init() {
	sigs := func(op string) []string {
		return []string{"NUMERIC " + op + " NUMERIC", "STRING " + op + " STRING", "BYTES " + op + " BYTES",
			"BOOLEAN " + op + " BOOLEAN", "DATETIME " + op + " DATETIME", "DATETIME " + op + " STRING",
			"INTERVAL " + op + " INTERVAL"}
	}
	for name, op := range cmpNames {
		register(name, sigs(name), bindCompare(op))
	}
	register("IS DISTINCT FROM", []string{"IS DISTINCT FROM(ANY, ANY) with comparable types"}, bindDistinct(true))
	register("IS NOT DISTINCT FROM", []string{"IS NOT DISTINCT FROM(ANY, ANY) with comparable types"}, bindDistinct(false))
}

// comparable2 resolves the common type two operands are compared in and
// casts them to it.
func comparable2(a, b vectorized.Expr) (vectorized.Expr, vectorized.Expr, error) {
	if isNullLiteral(a) && isNullLiteral(b) {
		return implicit(a, tBool), implicit(b, tBool), nil
	}
	if isNullLiteral(a) {
		a = implicit(a, b.DataType())
	} else if isNullLiteral(b) {
		b = implicit(b, a.DataType())
	}
	ta, tb := a.DataType(), b.DataType()
	fa, fb := familyOf(ta), familyOf(tb)
	switch {
	case arrow.TypeEqual(ta, tb) && fa != famOther:
		return a, b, nil
	case isNumeric(ta) && isNumeric(tb):
		c := commonNumeric(ta, tb)
		return implicit(a, c), implicit(b, c), nil
	case fa == famString && fb == famString, fa == famBinary && fb == famBinary:
		return a, b, nil
	case isTimestampFam(ta) && isTimestampFam(tb):
		c := commonTimestamp(ta, tb)
		return implicit(a, c), implicit(b, c), nil
	case fa == famDate && isTimestampFam(tb):
		// DATE compares as its midnight
		return implicit(a, tb), b, nil
	case isTimestampFam(ta) && fb == famDate:
		return a, implicit(b, ta), nil
	case fa == famTime && fb == famTime:
		c := commonType([]arrow.DataType{ta, tb})
		return implicit(a, c), implicit(b, c), nil
	case isTemporal(ta) && fb == famString:
		// Flink: ScalarOperatorGens.generateEquals casts the string to the
		// temporal type (NULL when it does not parse).
		return a, implicitTry(b, ta), nil
	case fa == famString && isTemporal(tb):
		return implicitTry(a, tb), b, nil
	case (isNumeric(ta) && fb == famString) || (fa == famString && isNumeric(tb)):
		// Flink: ScalarOperatorGens.checkImplicitConversionValidity
		return nil, nil, noMatchf("implicit type conversion between %s and %s is not supported", SQLTypeName(ta), SQLTypeName(tb))
	}
	return nil, nil, noMatch()
}

func bindCompare(op int) binder {
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		if len(args) != 2 {
			return nil, noMatch()
		}
		// Flink compares temporal values only within a family (a
		// TIMESTAMP with a TIMESTAMP_LTZ, not with a DATE or a TIME): the
		// other pairs need an explicit CAST.
		if fa, fb := familyOf(args[0].DataType()), familyOf(args[1].DataType()); fa != fb && isDateTimeFam(fa) && isDateTimeFam(fb) &&
			!(isTimestampFamily(fa) && isTimestampFamily(fb)) {
			return nil, noMatchf("a %s compares with a %s only after a CAST", SQLTypeName(args[0].DataType()), SQLTypeName(args[1].DataType()))
		}
		a, b, err := comparable2(args[0], args[1])
		if err != nil {
			return nil, err
		}
		fn := compareKernel(a.DataType(), op)
		if fn == nil {
			return nil, noMatch()
		}
		c := &callExpr{name: name, args: []vectorized.Expr{a, b}, typ: tBool, fn: fn, infix: true, scalarOK: true}
		return foldLiteral(c), nil
	}
}

func isDateTimeFam(f family) bool {
	return f == famDate || f == famTime || f == famTimestamp || f == famTimestampLTZ
}

func isTimestampFamily(f family) bool { return f == famTimestamp || f == famTimestampLTZ }

func compareKernel(dt arrow.DataType, op int) kernelFn {
	switch dt.ID() {
	case arrow.INT8:
		return orderedCmpKernel[int8](op)
	case arrow.INT16:
		return orderedCmpKernel[int16](op)
	case arrow.INT32, arrow.DATE32, arrow.TIME32, arrow.INTERVAL_MONTHS:
		return orderedCmpKernel[int32](op)
	case arrow.INT64, arrow.TIMESTAMP, arrow.TIME64, arrow.DURATION:
		return orderedCmpKernel[int64](op)
	case arrow.FLOAT32:
		return orderedCmpKernel[float32](op)
	case arrow.FLOAT64:
		return orderedCmpKernel[float64](op)
	case arrow.BOOL:
		return boolCmpKernel(op)
	case arrow.DECIMAL128:
		return decimalCmpKernel(op)
	case arrow.STRING, arrow.BINARY:
		return bytesCmpKernel(op)
	}
	return nil
}

// orderedCmpKernel compares primitive columns. Flink generates Java
// primitive comparisons, so NaN is unequal to everything and -0.0 == 0.0.
func orderedCmpKernel[T cmp.Ordered](op int) kernelFn {
	return func(kc *kctx, args []arrow.Array) (arrow.Array, error) {
		n := kc.n
		a, b := args[0], args[1]
		valid, nulls := andValidity(kc.mem, n, a, b)
		buf, out := allocBits(kc.mem, n)
		cmpLoop(op, out, values[T](a), values[T](b), isScalarArg(a, n), isScalarArg(b, n), n)
		return makeArray(tBool, n, valid, nulls, buf), nil
	}
}

func cmpResult(c int, op int) bool {
	switch op {
	case opEq:
		return c == 0
	case opNe:
		return c != 0
	case opLt:
		return c < 0
	case opLe:
		return c <= 0
	case opGt:
		return c > 0
	}
	return c >= 0
}

// boolCmpKernel: Flink orders FALSE before TRUE (Boolean.compare).
func boolCmpKernel(op int) kernelFn {
	return func(kc *kctx, args []arrow.Array) (arrow.Array, error) {
		n := kc.n
		a, b := args[0], args[1]
		valid, nulls := andValidity(kc.mem, n, a, b)
		buf, out := allocBits(kc.mem, n)
		av, bv := boolBits(a), boolBits(b)
		as, bs := isScalarArg(a, n), isScalarArg(b, n)
		for i := 0; i < n; i++ {
			ia, ib := i, i
			if as {
				ia = 0
			}
			if bs {
				ib = 0
			}
			l, r := 0, 0
			if av.get(ia) {
				l = 1
			}
			if bv.get(ib) {
				r = 1
			}
			if cmpResult(l-r, op) {
				bitutil.SetBit(out, i)
			}
		}
		return makeArray(tBool, n, valid, nulls, buf), nil
	}
}

// decimalCmpKernel compares DECIMALs of the same scale (the binder casts
// both sides to their common type).
func decimalCmpKernel(op int) kernelFn {
	return func(kc *kctx, args []arrow.Array) (arrow.Array, error) {
		n := kc.n
		a, b := args[0], args[1]
		valid, nulls := andValidity(kc.mem, n, a, b)
		buf, out := allocBits(kc.mem, n)
		av, bv := values[decimal128.Num](a), values[decimal128.Num](b)
		as, bs := isScalarArg(a, n), isScalarArg(b, n)
		for i := 0; i < n; i++ {
			ia, ib := i, i
			if as {
				ia = 0
			}
			if bs {
				ib = 0
			}
			if cmpResult(av[ia].Cmp(bv[ib]), op) {
				bitutil.SetBit(out, i)
			}
		}
		return makeArray(tBool, n, valid, nulls, buf), nil
	}
}

// bytesCmpKernel compares STRING and BYTES values byte-wise, which for UTF-8
// is code point order (Flink: BinaryStringData.compareTo).
func bytesCmpKernel(op int) kernelFn {
	return func(kc *kctx, args []arrow.Array) (arrow.Array, error) {
		n := kc.n
		a, b := args[0], args[1]
		valid, nulls := andValidity(kc.mem, n, a, b)
		buf, out := allocBits(kc.mem, n)
		av, bv := newStrIn(a), newStrIn(b)
		as, bs := isScalarArg(a, n), isScalarArg(b, n)
		for i := 0; i < n; i++ {
			ia, ib := i, i
			if as {
				ia = 0
			}
			if bs {
				ib = 0
			}
			if cmpResult(bytes.Compare(av.bytes(ia), bv.bytes(ib)), op) {
				bitutil.SetBit(out, i)
			}
		}
		return makeArray(tBool, n, valid, nulls, buf), nil
	}
}

// bindDistinct: IS [NOT] DISTINCT FROM treats two NULLs as equal and never
// returns NULL (Flink: generateIsDistinctFrom / generateIsNotDistinctFrom).
func bindDistinct(distinct bool) binder {
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		if len(args) != 2 {
			return nil, noMatch()
		}
		// Flink compares temporal values only within a family (a
		// TIMESTAMP with a TIMESTAMP_LTZ, not with a DATE or a TIME): the
		// other pairs need an explicit CAST.
		if fa, fb := familyOf(args[0].DataType()), familyOf(args[1].DataType()); fa != fb && isDateTimeFam(fa) && isDateTimeFam(fb) &&
			!(isTimestampFamily(fa) && isTimestampFamily(fb)) {
			return nil, noMatchf("a %s compares with a %s only after a CAST", SQLTypeName(args[0].DataType()), SQLTypeName(args[1].DataType()))
		}
		a, b, err := comparable2(args[0], args[1])
		if err != nil {
			return nil, err
		}
		eq := compareKernel(a.DataType(), opEq)
		if eq == nil {
			return nil, noMatch()
		}
		fn := func(kc *kctx, args []arrow.Array) (arrow.Array, error) {
			e, err := eq(kc, args)
			if err != nil {
				return nil, err
			}
			defer e.Release()
			n := kc.n
			va, vb := validity(args[0]), validity(args[1])
			ev := boolBits(e)
			buf, out := allocBits(kc.mem, n)
			for i := 0; i < n; i++ {
				la, lb := va.get(i), vb.get(i)
				same := (!la && !lb) || (la && lb && ev.get(i))
				if same != distinct {
					bitutil.SetBit(out, i)
				}
			}
			return makeArray(tBool, n, nil, 0, buf), nil
		}
		c := &callExpr{name: name, args: []vectorized.Expr{a, b}, typ: tBool, fn: fn, infix: true}
		return foldLiteral(c), nil
	}
}
