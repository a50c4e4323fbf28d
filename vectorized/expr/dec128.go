package expr

import (
	"math"
	"math/big"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// Fixed-width fast paths for DECIMAL arithmetic and casts. A DECIMAL(p, s)
// value is held as the sign and the magnitude of its unscaled value in 128
// bits; every operation checks for overflow and, when an intermediate would
// not fit 128 bits or needs a 128-bit divisor, reports that it did not
// handle the value so the caller takes the exact big.Int path. The results
// are those of the big.Int path (HALF_UP rounding, NULL on overflow): the
// fast path only avoids its allocations and its arbitrary-precision loops,
// which were most of the CPU of a streaming aggregate's projection.

// u128 is an unsigned 128-bit integer.
type u128 struct{ hi, lo uint64 }

// pow10U128[k] is 10^k; 10^38 < 2^127.
var pow10U128 [maxDecimalPrecision + 1]u128

func init() {
	pow10U128[0] = u128{lo: 1}
	for k := 1; k < len(pow10U128); k++ {
		p, _ := mul128(pow10U128[k-1], u128{lo: 10})
		pow10U128[k] = p
	}
}

// magnitude splits n into its sign and absolute value. The absolute value
// of the smallest decimal128 (-2^127) is 2^127, which still fits.
func magnitude(n decimal128.Num) (u128, bool) {
	hi, lo := uint64(n.HighBits()), n.LowBits()
	if int64(hi) >= 0 {
		return u128{hi, lo}, false
	}
	lo = ^lo + 1
	hi = ^hi
	if lo == 0 {
		hi++
	}
	return u128{hi, lo}, true
}

// signed makes a decimal128 of a sign and a magnitude below 2^127.
func signed(u u128, neg bool) decimal128.Num {
	n := decimal128.New(int64(u.hi), u.lo)
	if neg {
		return n.Negate()
	}
	return n
}

// fitsInt64 reports whether n is within int64's range.
func fitsInt64(n decimal128.Num) bool { return n.HighBits() == int64(n.LowBits())>>63 }

func (u u128) cmp(v u128) int {
	switch {
	case u.hi != v.hi:
		if u.hi < v.hi {
			return -1
		}
		return 1
	case u.lo != v.lo:
		if u.lo < v.lo {
			return -1
		}
		return 1
	}
	return 0
}

func (u u128) isZero() bool { return u.hi == 0 && u.lo == 0 }

func (u u128) bitLen() int {
	if u.hi != 0 {
		return 64 + bits.Len64(u.hi)
	}
	return bits.Len64(u.lo)
}

// fitsPrecision reports whether a magnitude has at most p digits.
func (u u128) fitsPrecision(p int) bool { return u.cmp(pow10U128[p]) < 0 }

func add128(a, b u128) (u128, bool) {
	lo, c := bits.Add64(a.lo, b.lo, 0)
	hi, c := bits.Add64(a.hi, b.hi, c)
	return u128{hi, lo}, c != 0
}

// sub128 is a - b for a >= b.
func sub128(a, b u128) u128 {
	lo, borrow := bits.Sub64(a.lo, b.lo, 0)
	hi, _ := bits.Sub64(a.hi, b.hi, borrow)
	return u128{hi, lo}
}

// mul128 is a*b; true when the product overflows 128 bits.
func mul128(a, b u128) (u128, bool) {
	if a.hi != 0 && b.hi != 0 {
		return u128{}, true
	}
	hi, lo := bits.Mul64(a.lo, b.lo)
	c1h, c1l := bits.Mul64(a.hi, b.lo)
	c2h, c2l := bits.Mul64(a.lo, b.hi)
	if c1h != 0 || c2h != 0 {
		return u128{}, true
	}
	hi, c := bits.Add64(hi, c1l, 0)
	if c != 0 {
		return u128{}, true
	}
	hi, c = bits.Add64(hi, c2l, 0)
	return u128{hi, lo}, c != 0
}

// divmod64 is u / d and u % d for a 64-bit divisor d > 0.
func divmod64(u u128, d uint64) (u128, uint64) {
	if u.hi < d {
		// the quotient fits 64 bits: one division instead of two
		q, r := bits.Div64(u.hi, u.lo, d)
		return u128{lo: q}, r
	}
	qhi, r := u.hi/d, u.hi%d
	qlo, r := bits.Div64(r, u.lo, d)
	return u128{qhi, qlo}, r
}

// roundHalfUp is u / d rounded half away from zero (the sign is applied
// by the caller, so this is Java's HALF_UP on the magnitude).
func roundHalfUp(u u128, d uint64) u128 {
	q, r := divmod64(u, d)
	if r >= d-r { // 2r >= d without overflowing
		q, _ = add128(q, u128{lo: 1})
	}
	return q
}

// rescale128 changes a magnitude's scale from `from` to `to`, rounding
// HALF_UP; false when it overflows or needs a divisor above 64 bits.
func rescale128(u u128, from, to int) (u128, bool) {
	switch {
	case to == from:
		return u, true
	case to > from:
		if to-from > maxDecimalPrecision {
			return u128{}, u.isZero()
		}
		v, over := mul128(u, pow10U128[to-from])
		return v, !over
	case from-to <= 19:
		return roundHalfUp(u, pow10U128[from-to].lo), true
	}
	return u128{}, false
}

// decimalArithFast is one value of decimalArithKernel without big.Int:
// done is false when the operation needs the exact path (an intermediate
// beyond 128 bits, a divisor beyond 64 bits, or %); ok is false when the
// result does not fit DECIMAL(p, s) (NULL). A zero divisor never reaches
// here.
func decimalArithFast(op byte, x, y decimal128.Num, s1, s2, p, s int) (res decimal128.Num, ok, done bool) {
	if op == '*' && s1+s2 == s && fitsInt64(x) && fitsInt64(y) {
		// |x|, |y| <= 2^63: the product fits 127 bits, so decimal128's
		// wrapping multiplication is exact
		r := x.Mul(y)
		if u, _ := magnitude(r); !u.fitsPrecision(p) {
			return res, false, true
		}
		return r, true, true
	}
	a, an := magnitude(x)
	b, bn := magnitude(y)
	var r u128
	var neg bool
	switch op {
	case '+', '-':
		from := max(s1, s2)
		var over1, over2 bool
		a, over1 = mul128(a, pow10U128[from-s1])
		b, over2 = mul128(b, pow10U128[from-s2])
		if over1 || over2 {
			return res, false, false
		}
		if op == '-' {
			bn = !bn
		}
		if an == bn {
			var over bool
			if r, over = add128(a, b); over {
				return res, false, false
			}
			neg = an
		} else if a.cmp(b) >= 0 {
			r, neg = sub128(a, b), an
		} else {
			r, neg = sub128(b, a), bn
		}
		var fits bool
		if r, fits = rescale128(r, from, s); !fits {
			return res, false, false
		}
	case '*':
		var over bool
		if r, over = mul128(a, b); over {
			return res, false, false
		}
		var fits bool
		if r, fits = rescale128(r, s1+s2, s); !fits {
			return res, false, false
		}
		neg = an != bn
	case '/':
		// x/10^s1 / (y/10^s2) * 10^s = x * 10^(s-s1+s2) / y
		k := s - s1 + s2
		var over bool
		if k >= 0 {
			a, over = mul128(a, pow10U128[min(k, maxDecimalPrecision)])
			over = over || k > maxDecimalPrecision
		} else {
			b, over = mul128(b, pow10U128[min(-k, maxDecimalPrecision)])
			over = over || -k > maxDecimalPrecision
		}
		if over || b.hi != 0 {
			return res, false, false
		}
		r, neg = roundHalfUp(a, b.lo), an != bn
	default:
		return res, false, false
	}
	if !r.fitsPrecision(p) {
		return res, false, true
	}
	if r.isZero() {
		neg = false
	}
	return signed(r, neg), true, true
}

// decimalToFloat64 is the double nearest to n / 10^s, ties to even: Java's
// BigDecimal.doubleValue (Flink's DecimalData.doubleValue), computed
// without text. For scales up to 19 the quotient is formed in integers:
// the magnitude is shifted left so the quotient by 10^s has at least 56
// significant bits, then rounded to 53 with the remainder as sticky bit;
// above that big.Float divides exactly and rounds once.
func decimalToFloat64(n decimal128.Num, s int, z *big.Float) float64 {
	u, neg := magnitude(n)
	var f float64
	switch {
	case u.isZero():
		return 0
	case s == 0 || (u.hi == 0 && u.lo < 1<<53 && s <= 22):
		// both operands exact in a double: one correctly rounded division
		f = u128ToFloat64(u, false)
		if s > 0 {
			f /= float64pow10[s]
		}
	case s <= 19:
		d := pow10U128[s].lo
		k := max(0, 56+bits.Len64(d)-u.bitLen())
		num := u
		if k > 0 {
			num = shl128(u, uint(k))
		}
		q, r := divmod64(num, d)
		f = stickyToFloat64(q, r != 0) * pow2(-k)
	default:
		var bi, lo big.Int
		bi.SetUint64(u.hi).Lsh(&bi, 64).Or(&bi, lo.SetUint64(u.lo))
		var x, d big.Float
		x.SetInt(&bi) // precision 0 takes the integer's bits: exact
		d.SetInt(pow10Big[s])
		z.SetPrec(53).SetMode(big.ToNearestEven).Quo(&x, &d)
		f, _ = z.Float64()
	}
	if neg {
		return -f
	}
	return f
}

// decimalToFloat64Scaled is decimalToFloat64 for one scale s <= 19 over
// many values, with the divisor and its bit length computed once.
type decimalToFloat64Scaled struct {
	s    int
	d    uint64
	dlen int
}

func newDecimalToFloat64(s int) decimalToFloat64Scaled {
	d := pow10U128[s].lo
	return decimalToFloat64Scaled{s: s, d: d, dlen: bits.Len64(d)}
}

func (c decimalToFloat64Scaled) convert(n decimal128.Num) float64 {
	u, neg := magnitude(n)
	var f float64
	switch {
	case u.isZero():
		return 0
	case c.s == 0 || (u.hi == 0 && u.lo < 1<<53):
		f = u128ToFloat64(u, false)
		if c.s > 0 {
			f /= float64pow10[c.s]
		}
	default:
		k := max(0, 56+c.dlen-u.bitLen())
		num := u
		if k > 0 {
			num = shl128(u, uint(k))
		}
		q, r := divmod64(num, c.d)
		f = stickyToFloat64(q, r != 0) * pow2(-k)
	}
	if neg {
		return -f
	}
	return f
}

// stickyToFloat64 is u128ToFloat64 for a quotient of at least 56 bits,
// as the conversions form it. Below 2^63 the sticky bit can be ORed into
// bit 0, which lies under the rounding bit (bit nb-54 >= 2): a tie stays a
// tie only when nothing was dropped, and the hardware conversion then
// rounds to nearest even in one instruction ("round to odd").
func stickyToFloat64(q u128, sticky bool) float64 {
	if q.hi != 0 || q.lo>>63 != 0 {
		return u128ToFloat64(q, sticky)
	}
	m := q.lo
	if sticky {
		m |= 1
	}
	return float64(int64(m))
}

// decimalToFloat32 is the float nearest to n / 10^s, ties to even (Java's
// BigDecimal.floatValue). Rounding the correctly rounded double to float
// is the same single rounding unless the double lies exactly half way
// between two floats (the low 29 of its 52 fraction bits are 100…0: the
// first rounding may have made that tie) or in float's subnormal range
// (the tie sits elsewhere): those divide again in big.Float, rounding once.
func decimalToFloat32(n decimal128.Num, s int, z *big.Float) float32 {
	f := decimalToFloat64(n, s, z)
	tie := math.Float64bits(f)&(1<<29-1) == 1<<28
	subnormal := math.Abs(f) < 0x1p-126
	if f == 0 || (!tie && !subnormal) {
		return float32(f)
	}
	u, neg := magnitude(n)
	var bi, lo big.Int
	bi.SetUint64(u.hi).Lsh(&bi, 64).Or(&bi, lo.SetUint64(u.lo))
	var x, d big.Float
	x.SetInt(&bi)
	d.SetInt(pow10Big[s])
	prec := uint(24)
	if subnormal {
		// Float32 rounds to the subnormal's bits itself: keep the
		// quotient far more precise than that
		prec = 256
	}
	z.SetPrec(prec).SetMode(big.ToNearestEven).Quo(&x, &d)
	r, _ := z.Float32()
	if neg {
		return -r
	}
	return r
}

var float64pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

func shl128(u u128, k uint) u128 {
	if k >= 64 {
		return u128{hi: u.lo << (k - 64)}
	}
	return u128{hi: u.hi<<k | u.lo>>(64-k), lo: u.lo << k}
}

// u128ToFloat64 rounds u to the nearest double, ties to even; sticky says
// that nonzero bits below u were dropped (u is then never exactly half
// way, and callers keep at least 56 significant bits so that the sticky
// bit lies below the rounding bit).
func u128ToFloat64(u u128, sticky bool) float64 {
	nb := u.bitLen()
	if nb <= 53 {
		return float64(u.lo) // exact; sticky needs nb > 54, see above
	}
	shift := uint(nb - 54) // keep 53 bits and the rounding bit
	var m uint64
	if shift >= 64 {
		m = u.hi >> (shift - 64)
		sticky = sticky || u.lo != 0 || u.hi&(1<<(shift-64)-1) != 0
	} else {
		m = u.lo>>shift | u.hi<<(64-shift)
		if shift == 0 {
			m = u.lo
		}
		sticky = sticky || u.lo&(1<<shift-1) != 0
	}
	round := m&1 != 0
	m >>= 1
	if round && (sticky || m&1 != 0) {
		m++ // may become 2^53: still exact
	}
	return float64(m) * pow2(int(shift)+1)
}

// pow2 is 2^e for a normal double's exponent range, built from its bits:
// scaling by it is exact and cheaper than math.Ldexp.
func pow2(e int) float64 { return math.Float64frombits(uint64(1023+e) << 52) }

// rescaleDecimal converts an unscaled value at scale `from` to DECIMAL(p, s),
// rounding HALF_UP; false when it does not fit (Flink yields NULL). z is
// scratch for values the 128-bit path does not handle.
func rescaleDecimal(n decimal128.Num, from, p, s int, z *big.Int) (decimal128.Num, bool) {
	u, neg := magnitude(n)
	if r, ok := rescale128(u, from, s); ok {
		if !r.fitsPrecision(p) {
			return decimal128.Num{}, false
		}
		if r.isZero() {
			neg = false
		}
		return signed(r, neg), true
	}
	setNum(z, n)
	return decimalFromBig(z, from, p, s)
}

// widenInts is an integer column's values as int64; an INT64 column's own
// values are returned without a copy.
func widenInts(from arrow.DataType, in arrow.Array) []int64 {
	switch from.ID() {
	case arrow.INT8:
		return widen(values[int8](in))
	case arrow.INT16:
		return widen(values[int16](in))
	case arrow.INT32:
		return widen(values[int32](in))
	}
	return values[int64](in)
}

func widen[T int8 | int16 | int32](v []T) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}
