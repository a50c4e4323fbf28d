package expr

import (
	"math/big"
	"math/bits"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/sluice-stream/sluice/vectorized"
)

const maxDecimalPrecision = 38

var pow10Big [80]*big.Int

func init() {
	pow10Big[0] = big.NewInt(1)
	ten := big.NewInt(10)
	for i := 1; i < len(pow10Big); i++ {
		pow10Big[i] = new(big.Int).Mul(pow10Big[i-1], ten)
	}
}

// adjustPrecisionScale caps a derived DECIMAL type at precision 38.
// Flink: LogicalTypeMerging.adjustPrecisionScale — when the precision
// overflows, the integral digits are kept and the scale reduced, but never
// below min(scale, 6).
func adjustPrecisionScale(p, s int) (int, int) {
	if p <= maxDecimalPrecision {
		return p, s
	}
	digits := p - s
	minScale := min(s, 6)
	return maxDecimalPrecision, max(maxDecimalPrecision-digits, minScale)
}

// decimalResultType derives the result of a DECIMAL operation.
// Flink: LogicalTypeMerging.findAdditionDecimalType, findMultiplicationDecimalType,
// findDivisionDecimalType, findModuloDecimalType, and FlinkTypeSystem's
// deriveDecimalModType (two scale-0 operands give the divisor's type).
func decimalResultType(op byte, p1, s1, p2, s2 int) (int, int) {
	switch op {
	case '+', '-':
		s := max(s1, s2)
		return adjustPrecisionScale(max(p1-s1, p2-s2)+s+1, s)
	case '*':
		return adjustPrecisionScale(p1+p2+1, s1+s2)
	case '/':
		s := max(6, s1+p2+1)
		return adjustPrecisionScale(p1-s1+s2+s, s)
	default: // '%'
		if s1 == 0 && s2 == 0 {
			return p2, s2
		}
		s := max(s1, s2)
		return adjustPrecisionScale(min(p1-s1, p2-s2)+s, s)
	}
}

func bindDecimalArith(name string, op byte, a, b vectorized.Expr) (vectorized.Expr, error) {
	p1, s1 := asDecimalPS(a.DataType())
	p2, s2 := asDecimalPS(b.DataType())
	intArg := []bool{isSignedInt(a.DataType()), isSignedInt(b.DataType())}
	a, b = implicit(a, DecimalType(p1, s1)), implicit(b, DecimalType(p2, s2))
	p, s := decimalResultType(op, p1, s1, p2, s2)
	c := &callExpr{name: name, args: []vectorized.Expr{a, b}, typ: DecimalType(p, s), infix: true,
		fails: op == '/' || op == '%'}
	for i, arg := range c.args {
		if _, ok := arg.(*castExpr); ok && intArg[i] {
			// an integer as DECIMAL(p, 0) of its own precision: always
			// exact, so the kernel widens the values itself
			if c.rawInt == nil {
				c.rawInt = make([]bool, len(c.args))
			}
			c.rawInt[i] = true
		}
	}
	c.fn = decimalArithKernel(op, s1, s2, p, s)
	c.state = &decArithSpec{op: op, s1: s1, s2: s2, p: p, s: s}
	return foldLiteral(c), nil
}

func isSignedInt(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		return true
	}
	return false
}

// decValues reads a DECIMAL kernel argument: a DECIMAL column, or an
// integer column (callExpr.rawInt) read as DECIMAL(p, 0).
type decValues struct {
	dec  []decimal128.Num
	ints []int64
}

func decValuesOf(a arrow.Array) decValues {
	if a.DataType().ID() == arrow.DECIMAL128 {
		return decValues{dec: values[decimal128.Num](a)}
	}
	return decValues{ints: widenInts(a.DataType(), a)}
}

func (r decValues) at(i int) decimal128.Num {
	if r.ints != nil {
		v := r.ints[i]
		return decimal128.New(v>>63, uint64(v))
	}
	return r.dec[i]
}

// decScratch holds reusable big integers so a kernel allocates per batch,
// not per value.
type decScratch struct {
	x, y big.Int
}

// setNum loads a decimal128 value into z.
func setNum(z *big.Int, n decimal128.Num) *big.Int {
	neg := n.Sign() < 0
	if neg {
		n = n.Negate()
	}
	hi, lo := uint64(n.HighBits()), n.LowBits()
	z.SetUint64(hi)
	z.Lsh(z, 64)
	var t big.Int
	t.SetUint64(lo)
	z.Or(z, &t)
	if neg {
		z.Neg(z)
	}
	return z
}

// toNum converts z to decimal128 when it fits precision p.
func toNum(z *big.Int, p int) (decimal128.Num, bool) {
	if z.CmpAbs(pow10Big[p]) >= 0 {
		return decimal128.Num{}, false
	}
	return decimal128.FromBigInt(z), true
}

// roundDiv sets z to num/den rounded HALF_UP.
func roundDiv(z, num, den *big.Int) *big.Int {
	var r big.Int
	z.QuoRem(num, den, &r)
	if r.Sign() == 0 {
		return z
	}
	r.Abs(&r)
	r.Lsh(&r, 1)
	if r.CmpAbs(den) >= 0 {
		if (num.Sign() < 0) != (den.Sign() < 0) {
			z.Sub(z, big.NewInt(1))
		} else {
			z.Add(z, big.NewInt(1))
		}
	}
	return z
}

// decimalFromBig converts an unscaled value at scale `from` to DECIMAL(p, s),
// rounding HALF_UP; false when it does not fit (Flink yields NULL).
func decimalFromBig(z *big.Int, from, p, s int) (decimal128.Num, bool) {
	var v big.Int
	v.Set(z)
	roundTo(&v, from, s)
	return toNum(&v, p)
}

// roundTo rescales z in place with HALF_UP rounding.
func roundTo(z *big.Int, from, to int) {
	if to >= from {
		z.Mul(z, pow10Big[to-from])
		return
	}
	var num big.Int
	num.Set(z)
	roundDiv(z, &num, pow10Big[from-to])
}

func bigFromInt(i int64) *big.Int { return big.NewInt(i) }

// decimalArithKernel computes exactly and rounds HALF_UP to the result scale;
// a result that does not fit the result precision is NULL.
// Flink: DecimalDataUtils.add/subtract/multiply/divide/mod return
// fromBigDecimal(..., p, s), which is null on overflow; division or modulo
// by zero throws ArithmeticException.
func decimalArithKernel(op byte, s1, s2, p, s int) kernelFn {
	f64 := newDecArith64(op, s1, s2, p, s)
	return func(kc *kctx, args []arrow.Array) (arrow.Array, error) {
		n := kc.n
		a, b := args[0], args[1]
		// The validity bitmap is built only when an input has NULLs or a
		// result overflows.
		valid, _ := andValidity(kc.mem, n, a, b)
		var vb []byte
		if valid != nil {
			vb = valid.Bytes()
		}
		setNull := func(i int) {
			if vb == nil {
				valid, vb = allocBits(kc.mem, n)
				bitutil.SetBitsTo(vb, 0, int64(n), true)
			}
			bitutil.ClearBit(vb, i)
		}
		buf, out := allocFixed[decimal128.Num](kc.mem, n)
		av, bv := decValuesOf(a), decValuesOf(b)
		var sc decScratch
		var res big.Int
		for i := 0; i < n; i++ {
			if f64.any && vb == nil {
				// no NULLs so far: the inline loop runs up to a row it
				// does not handle, which the code below takes
				if i = f64.run(av, bv, out, i); i == n {
					break
				}
			}
			if vb != nil && !bitutil.BitIsSet(vb, i) {
				out[i] = decimal128.Num{}
				continue
			}
			x128, y128 := av.at(i), bv.at(i)
			if f64.any && fitsInt64(x128) && fitsInt64(y128) {
				// operands within 64 bits: the common case, inline
				if num, ok, done := f64.apply(int64(x128.LowBits()), int64(y128.LowBits())); done {
					if ok {
						out[i] = num
					} else {
						out[i] = decimal128.Num{}
						setNull(i)
					}
					continue
				}
			}
			if !(op == '/' || op == '%') || y128 != (decimal128.Num{}) {
				if num, ok, done := decimalArithFast(op, x128, y128, s1, s2, p, s); done {
					if ok {
						out[i] = num
					} else {
						out[i] = decimal128.Num{}
						setNull(i)
					}
					continue
				}
			}
			x, y := &sc.x, &sc.y
			setNum(x, x128)
			setNum(y, y128)
			var from int
			switch op {
			case '+', '-':
				from = max(s1, s2)
				x.Mul(x, pow10Big[from-s1])
				y.Mul(y, pow10Big[from-s2])
				if op == '+' {
					res.Add(x, y)
				} else {
					res.Sub(x, y)
				}
				roundTo(&res, from, s)
			case '*':
				res.Mul(x, y)
				roundTo(&res, s1+s2, s)
			case '/':
				if y.Sign() == 0 {
					buf.Release()
					if valid != nil {
						valid.Release()
					}
					return nil, kc.fail(x128.ToString(int32(s1))+" / "+y128.ToString(int32(s2)), "division by zero")
				}
				// x/10^s1 / (y/10^s2) * 10^s = x * 10^(s-s1+s2) / y
				k := s - s1 + s2
				if k >= 0 {
					x.Mul(x, pow10Big[k])
				} else {
					y.Mul(y, pow10Big[-k])
				}
				roundDiv(&res, x, y)
			case '%':
				if y.Sign() == 0 {
					buf.Release()
					if valid != nil {
						valid.Release()
					}
					return nil, kc.fail(x128.ToString(int32(s1))+" % "+y128.ToString(int32(s2)), "division by zero")
				}
				from = max(s1, s2)
				x.Mul(x, pow10Big[from-s1])
				y.Mul(y, pow10Big[from-s2])
				// big.Int.Rem truncates like Java's BigDecimal.remainder
				res.Rem(x, y)
				roundTo(&res, from, s)
			}
			num, ok := toNum(&res, p)
			if !ok {
				out[i] = decimal128.Num{}
				setNull(i)
				continue
			}
			out[i] = num
		}
		valid, nulls := finishValidity(valid, n)
		return makeArray(kc.call.typ, n, valid, nulls, buf), nil
	}
}

// decArith64 is decimalArithFast for operands whose unscaled values fit
// int64, with what depends only on the types worked out once per kernel:
// a multiplication whose scale needs no rounding, and a division whose
// dividend is scaled by a power of ten within 64 bits (a 128-bit
// dividend over a 64-bit divisor).
type decArith64 struct {
	any      bool
	mulExact bool   // '*' with s1+s2 == s
	div      bool   // '/' with 0 <= s-s1+s2 <= 19
	divBy    uint64 // 10^(s-s1+s2)
	// divFits: every quotient fits precision p, |x| * 10^k / |y| <=
	// 2^63 * 10^k < 10^(19+k) <= 10^p, so the check is skipped
	divFits bool
	p       int
}

func newDecArith64(op byte, s1, s2, p, s int) decArith64 {
	f := decArith64{p: p}
	switch k := s - s1 + s2; {
	case op == '*' && s1+s2 == s:
		f.mulExact = true
	case op == '/' && k >= 0 && k <= 19:
		f.div, f.divBy = true, pow10U128[k].lo
		f.divFits = 19+k <= p
	}
	f.any = f.mulExact || f.div
	return f
}

// apply is x op y for unscaled int64 values; done is false when the
// general path must take it (a zero divisor).
func (f decArith64) apply(x, y int64) (res decimal128.Num, ok, done bool) {
	if f.mulExact {
		// |x|, |y| <= 2^63: the product fits 127 bits, exact in
		// decimal128's wrapping multiplication
		r := decimal128.FromI64(x).Mul(decimal128.FromI64(y))
		if f.p < maxDecimalPrecision { // below 2^126 < 10^38 always fits
			if u, _ := magnitude(r); !u.fitsPrecision(f.p) {
				return res, false, true
			}
		}
		return r, true, true
	}
	if y == 0 {
		return res, false, false
	}
	ax, ay := uint64(x), uint64(y)
	if x < 0 {
		ax = -ax // 2^63 for the smallest int64, still right as unsigned
	}
	if y < 0 {
		ay = -ay
	}
	hi, lo := bits.Mul64(ax, f.divBy)
	u, r := divmod64(u128{hi, lo}, ay)
	if r >= ay-r { // HALF_UP: 2r >= |y|
		u, _ = add128(u, u128{lo: 1}) // |x| * 10^k < 2^127: no carry out
	}
	if !f.divFits && !u.fitsPrecision(f.p) {
		return res, false, true
	}
	return signed(u, (x < 0) != (y < 0) && !u.isZero()), true, true
}

// run computes rows from `from` on into out while both operands fit
// int64 and the result is not NULL, and returns the first row it did not
// compute (len(out) when done). The loops are apply's, inline.
func (f decArith64) run(av, bv decValues, out []decimal128.Num, from int) int {
	n := len(out)
	if f.mulExact {
		for i := from; i < n; i++ {
			x, y := av.at(i), bv.at(i)
			if !fitsInt64(x) || !fitsInt64(y) {
				return i
			}
			r := x.Mul(y)
			if f.p < maxDecimalPrecision {
				if u, _ := magnitude(r); !u.fitsPrecision(f.p) {
					return i
				}
			}
			out[i] = r
		}
		return n
	}
	for i := from; i < n; i++ {
		x, y := av.at(i), bv.at(i)
		if !fitsInt64(x) || !fitsInt64(y) {
			return i
		}
		xi, yi := int64(x.LowBits()), int64(y.LowBits())
		if yi == 0 {
			return i
		}
		ax, ay := uint64(xi), uint64(yi)
		if xi < 0 {
			ax = -ax
		}
		if yi < 0 {
			ay = -ay
		}
		hi, lo := bits.Mul64(ax, f.divBy)
		u, r := divmod64(u128{hi, lo}, ay)
		if r >= ay-r {
			u, _ = add128(u, u128{lo: 1})
		}
		if !f.divFits && !u.fitsPrecision(f.p) {
			return i
		}
		out[i] = signed(u, (xi < 0) != (yi < 0) && !u.isZero())
	}
	return n
}

func decimalNegateKernel(kc *kctx, args []arrow.Array) (arrow.Array, error) {
	a := args[0]
	valid, nulls := andValidity(kc.mem, kc.n, a)
	buf, out := allocFixed[decimal128.Num](kc.mem, kc.n)
	in := values[decimal128.Num](a)
	for i := range out {
		out[i] = in[i].Negate()
	}
	return makeArray(kc.call.typ, kc.n, valid, nulls, buf), nil
}

// parseDecimal parses a decimal string into DECIMAL(p, s) with HALF_UP
// rounding. Flink: BinaryStringDataUtil.toDecimal — surrounding spaces, tabs
// and newlines are ignored, an optional sign, digits with one optional
// point, an optional exponent; an unparsable or overflowing value fails.
func parseDecimal(str string, p, s int) (decimal128.Num, bool) {
	str = strings.Trim(str, " \t\n")
	if str == "" {
		return decimal128.Num{}, false
	}
	i := 0
	neg := false
	if str[0] == '+' || str[0] == '-' {
		neg = str[0] == '-'
		i++
	}
	var digits strings.Builder
	point := -1
	nd := 0
	for ; i < len(str); i++ {
		c := str[i]
		if c >= '0' && c <= '9' {
			digits.WriteByte(c)
			nd++
		} else if c == '.' && point < 0 {
			point = nd
		} else {
			break
		}
	}
	if nd == 0 {
		return decimal128.Num{}, false
	}
	exp := 0
	if i < len(str) && (str[i] == 'e' || str[i] == 'E') {
		i++
		eneg := false
		if i < len(str) && (str[i] == '+' || str[i] == '-') {
			eneg = str[i] == '-'
			i++
		}
		if i == len(str) {
			return decimal128.Num{}, false
		}
		for ; i < len(str); i++ {
			c := str[i]
			if c < '0' || c > '9' {
				return decimal128.Num{}, false
			}
			if exp < 1000 {
				exp = exp*10 + int(c-'0')
			}
		}
		if eneg {
			exp = -exp
		}
	}
	if i != len(str) {
		return decimal128.Num{}, false
	}
	if point < 0 {
		point = nd
	}
	var z big.Int
	z.SetString(digits.String(), 10)
	if neg {
		z.Neg(&z)
	}
	// value = z * 10^(exp - (nd - point)); its scale is nd - point - exp
	scale := nd - point - exp
	if scale < 0 {
		if -scale > 60 {
			if z.Sign() == 0 {
				return decimal128.Num{}, true
			}
			return decimal128.Num{}, false
		}
		z.Mul(&z, pow10Big[-scale])
		scale = 0
	}
	if scale-s >= len(pow10Big)-1 {
		// far below the result's last digit: rounds to zero
		return decimal128.Num{}, true
	}
	roundTo(&z, scale, s)
	return toNum(&z, p)
}

// decimalString renders an unscaled value with its scale, like Java's
// BigDecimal.toPlainString (Flink's DecimalData.toString).
func decimalString(n decimal128.Num, scale int) string {
	return n.ToString(int32(scale))
}
