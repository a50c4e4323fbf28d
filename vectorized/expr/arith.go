package expr

import (
	"fmt"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-stream/sluice/vectorized"
)

type integer interface {
	~int8 | ~int16 | ~int32 | ~int64
}

type float interface {
	~float32 | ~float64
}

type number interface {
	integer | float
}

func init() {
	numSigs := func(op string) []string {
		return []string{
			"NUMERIC " + op + " NUMERIC",
			"DATE " + op + " INTERVAL", "TIMESTAMP " + op + " INTERVAL", "TIME " + op + " INTERVAL",
			"INTERVAL " + op + " INTERVAL",
		}
	}
	register("+", append(numSigs("+"), "INTERVAL + DATETIME"), bindArith('+'))
	register("-", append(numSigs("-"), "TIMESTAMP - TIMESTAMP", "DATE - DATE"), bindArith('-'))
	register("*", []string{"NUMERIC * NUMERIC", "INTERVAL * INTEGER", "INTEGER * INTERVAL"}, bindArith('*'))
	register("/", []string{"NUMERIC / NUMERIC", "INTERVAL / INTEGER"}, bindArith('/'))
	register("%", []string{"EXACT_NUMERIC % EXACT_NUMERIC"}, bindArith('%'), "MOD")
	register("NEGATE", []string{"NEGATE(NUMERIC)", "NEGATE(INTERVAL)"}, bindNegate)
}

func opName(op byte) string { return string(op) }

// bindArith resolves the binary arithmetic operators.
func bindArith(op byte) binder {
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		if len(args) != 2 {
			return nil, noMatch()
		}
		a, b := args[0], args[1]
		// NULL takes the type of the other operand.
		if isNullLiteral(a) && !isNullLiteral(b) {
			a = implicit(a, b.DataType())
		} else if isNullLiteral(b) && !isNullLiteral(a) {
			b = implicit(b, a.DataType())
		} else if isNullLiteral(a) && isNullLiteral(b) {
			a, b = implicit(a, tInt32), implicit(b, tInt32)
		}
		ta, tb := a.DataType(), b.DataType()
		if isNumeric(ta) && isNumeric(tb) {
			return bindNumericArith(name, op, a, b)
		}
		if e, err := bindTemporalArith(name, op, a, b); e != nil || err != nil {
			return e, err
		}
		if (familyOf(ta) == famString && isNumeric(tb)) || (isNumeric(ta) && familyOf(tb) == famString) {
			// Flink: ScalarOperatorGens.checkImplicitConversionValidity
			return nil, noMatchf("implicit type conversion between %s and %s is not supported", SQLTypeName(ta), SQLTypeName(tb))
		}
		return nil, noMatch()
	}
}

func bindNumericArith(name string, op byte, a, b vectorized.Expr) (vectorized.Expr, error) {
	ta, tb := a.DataType(), b.DataType()
	fa, fb := familyOf(ta), familyOf(tb)
	if op == '%' && (fa == famFloat || fb == famFloat) {
		// Flink (Calcite MOD): operands must be exact numerics.
		return nil, noMatch()
	}
	if fa == famDecimal || fb == famDecimal {
		if fa != famFloat && fb != famFloat {
			return bindDecimalArith(name, op, a, b)
		}
	}
	common := commonNumeric(ta, tb)
	a, b = implicit(a, common), implicit(b, common)
	c := &callExpr{name: name, args: []vectorized.Expr{a, b}, typ: common, infix: true, scalarOK: true}
	switch common.ID() {
	case arrow.INT8:
		c.fn, c.fails = intArithKernel[int8](op)
	case arrow.INT16:
		c.fn, c.fails = intArithKernel[int16](op)
	case arrow.INT32:
		c.fn, c.fails = intArithKernel[int32](op)
	case arrow.INT64:
		c.fn, c.fails = intArithKernel[int64](op)
	case arrow.FLOAT32:
		c.fn = floatArithKernel[float32](op)
	case arrow.FLOAT64:
		c.fn = floatArithKernel[float64](op)
	default:
		return nil, noMatch()
	}
	var res vectorized.Expr = c
	if op == '%' && !arrow.TypeEqual(tb, common) {
		// Calcite's MOD returns the type of the divisor; the remainder is
		// smaller than the divisor, so narrowing cannot lose anything.
		res = implicit(c, tb)
	}
	return foldLiteral(res), nil
}

// intArithKernel: Flink generates Java primitive arithmetic, so + - * wrap
// around on overflow, / truncates toward zero, % takes the dividend's sign,
// and dividing by zero fails the job (java.lang.ArithmeticException).
func intArithKernel[T integer](op byte) (kernelFn, bool) {
	fails := op == '/' || op == '%'
	return func(kc *kctx, args []arrow.Array) (arrow.Array, error) {
		n := kc.n
		a, b := args[0], args[1]
		valid, nulls := andValidity(kc.mem, n, a, b)
		buf, out := allocFixed[T](kc.mem, n)
		av, bv := values[T](a), values[T](b)
		as, bs := isScalarArg(a, n), isScalarArg(b, n)
		var err error
		switch op {
		case '+', '-', '*':
			arithLoop(op, out, av, bv, as, bs)
		case '/', '%':
			var vv bitsView
			if valid != nil {
				vv = bitsView{buf: valid.Bytes()}
			}
			err = intDivLoop(kc, op, out, av, bv, as, bs, vv)
		}
		if err != nil {
			buf.Release()
			if valid != nil {
				valid.Release()
			}
			return nil, err
		}
		return makeArray(kc.call.typ, n, valid, nulls, buf), nil
	}, fails
}

// arithLoop runs + - * over whole columns; one tight loop per operator and
// operand shape so the compiler keeps values in registers.
func arithLoop[T number](op byte, out, a, b []T, as, bs bool) {
	switch {
	case as:
		x := a[0]
		switch op {
		case '+':
			for i := range out {
				out[i] = x + b[i]
			}
		case '-':
			for i := range out {
				out[i] = x - b[i]
			}
		case '*':
			for i := range out {
				out[i] = x * b[i]
			}
		case '/':
			for i := range out {
				out[i] = x / b[i]
			}
		}
	case bs:
		y := b[0]
		switch op {
		case '+':
			for i := range out {
				out[i] = a[i] + y
			}
		case '-':
			for i := range out {
				out[i] = a[i] - y
			}
		case '*':
			for i := range out {
				out[i] = a[i] * y
			}
		case '/':
			for i := range out {
				out[i] = a[i] / y
			}
		}
	default:
		a, b = a[:len(out)], b[:len(out)]
		switch op {
		case '+':
			for i := range out {
				out[i] = a[i] + b[i]
			}
		case '-':
			for i := range out {
				out[i] = a[i] - b[i]
			}
		case '*':
			for i := range out {
				out[i] = a[i] * b[i]
			}
		case '/':
			for i := range out {
				out[i] = a[i] / b[i]
			}
		}
	}
}

// intDivLoop divides checking for zero divisors; a zero under a NULL row is
// not an error (the row's value is never looked at).
func intDivLoop[T integer](kc *kctx, op byte, out, a, b []T, as, bs bool, valid bitsView) error {
	for i := range out {
		var x, y T
		if as {
			x = a[0]
		} else {
			x = a[i]
		}
		if bs {
			y = b[0]
		} else {
			y = b[i]
		}
		if y == 0 {
			if valid.get(i) {
				return kc.fail(fmt.Sprintf("%d %s %d", int64(x), opName(op), int64(y)), "division by zero")
			}
			out[i] = 0
			continue
		}
		if op == '/' {
			out[i] = x / y
		} else {
			out[i] = x % y
		}
	}
	return nil
}

// floatArithKernel: IEEE 754 as in Java; x / 0.0 is ±Infinity or NaN.
func floatArithKernel[T float](op byte) kernelFn {
	return func(kc *kctx, args []arrow.Array) (arrow.Array, error) {
		n := kc.n
		a, b := args[0], args[1]
		valid, nulls := andValidity(kc.mem, n, a, b)
		buf, out := allocFixed[T](kc.mem, n)
		arithLoop(op, out, values[T](a), values[T](b), isScalarArg(a, n), isScalarArg(b, n))
		return makeArray(kc.call.typ, n, valid, nulls, buf), nil
	}
}

func bindNegate(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 1 {
		return nil, noMatch()
	}
	a := args[0]
	t := a.DataType()
	c := &callExpr{name: name, args: args, typ: t}
	switch t.ID() {
	case arrow.INT8:
		c.fn = negateKernel[int8]
	case arrow.INT16:
		c.fn = negateKernel[int16]
	case arrow.INT32, arrow.INTERVAL_MONTHS:
		c.fn = negateKernel[int32]
	case arrow.INT64, arrow.DURATION:
		c.fn = negateKernel[int64]
	case arrow.FLOAT32:
		c.fn = negateKernel[float32]
	case arrow.FLOAT64:
		c.fn = negateKernel[float64]
	case arrow.DECIMAL128:
		c.fn = decimalNegateKernel
	default:
		return nil, noMatch()
	}
	return foldLiteral(c), nil
}

// negateKernel: Java unary minus, so -MIN_VALUE wraps to MIN_VALUE.
func negateKernel[T number](kc *kctx, args []arrow.Array) (arrow.Array, error) {
	a := args[0]
	valid, nulls := andValidity(kc.mem, kc.n, a)
	buf, out := allocFixed[T](kc.mem, kc.n)
	in := values[T](a)
	for i := range out {
		out[i] = -in[i]
	}
	return makeArray(kc.call.typ, kc.n, valid, nulls, buf), nil
}

// javaDoubleString renders a DOUBLE the way Java's Double.toString does,
// which is what Flink's CAST(DOUBLE AS STRING) produces: plain notation with
// at least one fraction digit for 1e-3 <= |x| < 1e7, computerized
// scientific notation ("1.0E10") otherwise.
func javaDoubleString(x float64, bits int) string {
	switch {
	case math.IsNaN(x):
		return "NaN"
	case math.IsInf(x, 1):
		return "Infinity"
	case math.IsInf(x, -1):
		return "-Infinity"
	case x == 0:
		if math.Signbit(x) {
			return "-0.0"
		}
		return "0.0"
	}
	abs := math.Abs(x)
	if abs >= 1e-3 && abs < 1e7 {
		s := strconv.FormatFloat(x, 'f', -1, bits)
		if !containsByte(s, '.') {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(x, 'e', -1, bits) // d.ddde+XX
	mant, exp := s, ""
	for i := 0; i < len(s); i++ {
		if s[i] == 'e' {
			mant, exp = s[:i], s[i+1:]
			break
		}
	}
	if !containsByte(mant, '.') {
		// Java prints at least two significant digits, choosing the two-digit
		// value closest to the exact one (Double.MIN_VALUE is 4.9E-324).
		s2 := strconv.FormatFloat(x, 'e', 1, bits)
		for i := 0; i < len(s2); i++ {
			if s2[i] == 'e' {
				mant, exp = s2[:i], s2[i+1:]
				break
			}
		}
	}
	if exp[0] == '+' {
		exp = exp[1:]
	}
	// strip leading zeros of the exponent
	neg := exp[0] == '-'
	if neg {
		exp = exp[1:]
	}
	for len(exp) > 1 && exp[0] == '0' {
		exp = exp[1:]
	}
	if neg {
		exp = "-" + exp
	}
	return mant + "E" + exp
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}
