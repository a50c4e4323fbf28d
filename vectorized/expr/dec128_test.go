package expr

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
)

// decimalSamples are unscaled decimal128 values: edge cases (zero, ±1, the
// largest 38-digit magnitude, powers of two around a double's 53-bit
// mantissa, values half way between two doubles) and random magnitudes of
// every bit length up to 126, both signs.
func decimalSamples(r *rand.Rand) []decimal128.Num {
	var out []decimal128.Num
	add := func(z *big.Int) {
		out = append(out, decimal128.FromBigInt(z), decimal128.FromBigInt(new(big.Int).Neg(z)))
	}
	add(big.NewInt(0))
	add(big.NewInt(1))
	add(new(big.Int).Sub(pow10Big[38], big.NewInt(1)))
	for _, e := range []uint{52, 53, 54, 63, 64, 65, 100, 126} {
		p := new(big.Int).Lsh(big.NewInt(1), e)
		add(p)
		add(new(big.Int).Add(p, big.NewInt(1)))
		add(new(big.Int).Sub(p, big.NewInt(1)))
	}
	// (2^53 + 1) * 2^k and (2^53 + 1) * 10^k sit half way between doubles
	// before the division by 10^s: rounding must see the exact remainder.
	half := new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 53), big.NewInt(1))
	for k := 0; k < 20; k++ {
		add(new(big.Int).Mul(half, pow10Big[k]))
		add(new(big.Int).Lsh(half, uint(k*3)))
	}
	for i := 0; i < 3000; i++ {
		nb := 1 + r.IntN(126)
		z := new(big.Int).Lsh(new(big.Int).SetUint64(r.Uint64()), 64)
		z.Or(z, new(big.Int).SetUint64(r.Uint64()))
		z.Rsh(z, uint(128-nb))
		if z.CmpAbs(pow10Big[38]) >= 0 {
			z.Rsh(z, 1)
		}
		add(z)
	}
	return out
}

func TestDecimalToFloat64Exact(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var zf big.Float
	for _, n := range decimalSamples(r) {
		for s := 0; s <= 38; s++ {
			got := decimalToFloat64(n, s, &zf)
			if s <= 19 {
				// the per-scale form the DOUBLE cast loops with
				require.Equal(t, math.Float64bits(got), math.Float64bits(newDecimalToFloat64(s).convert(n)), "%s at scale %d", n.ToString(int32(s)), s)
			}
			// reference 1: the exact quotient rounded once to 53 bits
			var z big.Int
			setNum(&z, n)
			x := new(big.Float).SetInt(&z)
			d := new(big.Float).SetInt(pow10Big[s])
			want, _ := new(big.Float).SetPrec(53).SetMode(big.ToNearestEven).Quo(x, d).Float64()
			if z.Sign() == 0 {
				want = 0
			}
			require.Equal(t, math.Float64bits(want), math.Float64bits(got), "%s at scale %d: %v, big.Float %v", n.ToString(int32(s)), s, got, want)
			// reference 2: the decimal text through strconv (the old path)
			text, err := strconv.ParseFloat(decimalString(n, s), 64)
			require.NoError(t, err)
			require.Equal(t, text, got, "%s at scale %d", n.ToString(int32(s)), s)
		}
	}
}

// refArith is the exact big.Int computation of decimalArithKernel.
func refArith(op byte, x, y decimal128.Num, s1, s2, p, s int) (decimal128.Num, bool) {
	var a, b, res big.Int
	setNum(&a, x)
	setNum(&b, y)
	switch op {
	case '+', '-':
		from := max(s1, s2)
		a.Mul(&a, pow10Big[from-s1])
		b.Mul(&b, pow10Big[from-s2])
		if op == '+' {
			res.Add(&a, &b)
		} else {
			res.Sub(&a, &b)
		}
		roundTo(&res, from, s)
	case '*':
		res.Mul(&a, &b)
		roundTo(&res, s1+s2, s)
	case '/':
		k := s - s1 + s2
		if k >= 0 {
			a.Mul(&a, pow10Big[k])
		} else {
			b.Mul(&b, pow10Big[-k])
		}
		roundDiv(&res, &a, &b)
	}
	return toNum(&res, p)
}

func TestDecimalArithFastMatchesExact(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	samples := decimalSamples(r)
	types := [][2]int{{19, 0}, {22, 1}, {38, 18}, {10, 2}, {38, 0}, {38, 37}, {5, 5}, {20, 10}}
	handled := 0
	for i := 0; i < 40000; i++ {
		t1, t2 := types[r.IntN(len(types))], types[r.IntN(len(types))]
		x, y := samples[r.IntN(len(samples))], samples[r.IntN(len(samples))]
		// keep the operands within their precision, as a column holds them
		if x.Abs().Greater(decimal128.FromBigInt(pow10Big[t1[0]])) || y.Abs().Greater(decimal128.FromBigInt(pow10Big[t2[0]])) {
			continue
		}
		for _, op := range []byte{'+', '-', '*', '/'} {
			if op == '/' && y == (decimal128.Num{}) {
				continue
			}
			p, s := decimalResultType(op, t1[0], t1[1], t2[0], t2[1])
			got, ok, done := decimalArithFast(op, x, y, t1[1], t2[1], p, s)
			if !done {
				continue
			}
			handled++
			want, wok := refArith(op, x, y, t1[1], t2[1], p, s)
			require.Equal(t, wok, ok, "%s %c %s", x.ToString(int32(t1[1])), op, y.ToString(int32(t2[1])))
			if ok {
				require.Equal(t, want, got, "%s %c %s", x.ToString(int32(t1[1])), op, y.ToString(int32(t2[1])))
			}
		}
	}
	require.Greater(t, handled, 10000, "the fast path handles most values")
}

func TestRescaleDecimalMatchesExact(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	var z big.Int
	for _, n := range decimalSamples(r)[:800] {
		for _, c := range [][3]int{{0, 38, 0}, {0, 19, 0}, {0, 22, 1}, {18, 38, 2}, {2, 38, 18}, {30, 38, 0}, {0, 38, 37}, {5, 10, 3}} {
			from, p, s := c[0], c[1], c[2]
			var w big.Int
			setNum(&w, n)
			want, wok := decimalFromBig(&w, from, p, s)
			got, ok := rescaleDecimal(n, from, p, s, &z)
			require.Equal(t, wok, ok, "%s from %d to (%d,%d)", n.ToString(int32(from)), from, p, s)
			require.Equal(t, want, got, "%s from %d to (%d,%d)", n.ToString(int32(from)), from, p, s)
		}
	}
}

// TestDecimalCastToDoubleAndBigint runs the casts as kernels over a
// column (not folded): DOUBLE is the nearest double, BIGINT truncates and
// keeps the low 64 bits as BigDecimal.longValue.
func TestDecimalCastToDoubleAndBigint(t *testing.T) {
	cases := []struct {
		p, s int
		to   arrow.DataType
		in   string
		want string
	}{
		{38, 18, tFloat64, "500.123456789012345678", "500.1234567890123"},
		{38, 18, tFloat64, "-0.000000000000000001", "-1.0E-18"},
		{38, 0, tFloat64, "99999999999999999999999999999999999999", "1.0E38"},
		{38, 37, tFloat64, "1.2345678901234567890123456789012345678", "1.2345678901234567"},
		{20, 1, tFloat64, "9007199254740993.0", "9.007199254740992E15"},
		{38, 18, arrow.PrimitiveTypes.Int64, "-123456.999999999999999999", "-123456"},
		{38, 0, arrow.PrimitiveTypes.Int64, "18446744073709551617", "1"},
		{38, 0, arrow.PrimitiveTypes.Int64, "-18446744073709551617", "-1"},
		{38, 25, arrow.PrimitiveTypes.Int64, "-42.5", "-42"},
	}
	for _, c := range cases {
		d, err := Cast(lit(t, c.in, tString), dec(c.p, c.s), false)
		require.NoError(t, err)
		arr, err := d.Eval(testCtx(), row1())
		require.NoError(t, err)
		rec := batch(t, arr)
		e, err := Cast(refs(rec)[0], c.to, false)
		require.NoError(t, err)
		require.Equal(t, c.want, evalStrings(t, testCtx(), e, rec)[0], "CAST(%s AS DECIMAL(%d, %d)) AS %s", c.in, c.p, c.s, c.to)
		rec.Release()
	}
}

// TestBigintToDecimalCast: the per-batch integer path (a plain multiply
// when every BIGINT fits the target) and the checked one agree with the
// exact conversion, NULL when a value does not fit.
func TestBigintToDecimalCast(t *testing.T) {
	vals := []any{int64(0), int64(1), int64(-1), int64(math.MaxInt64), int64(math.MinInt64), int64(123456789), int64(-987654321012), nil}
	in := col(t, arrow.PrimitiveTypes.Int64, vals...)
	rec := batch(t, in)
	defer rec.Release()
	for _, ps := range [][2]int{{19, 0}, {20, 1}, {38, 18}, {37, 18}, {10, 0}, {38, 19}, {22, 3}} {
		e, err := Cast(refs(rec)[0], dec(ps[0], ps[1]), false)
		require.NoError(t, err)
		got := evalStrings(t, testCtx(), e, rec)
		for i, v := range vals {
			want := "NULL"
			if v != nil {
				var z big.Int
				z.SetInt64(v.(int64))
				if n, ok := decimalFromBig(&z, 0, ps[0], ps[1]); ok {
					want = n.ToString(int32(ps[1]))
				}
			}
			require.Equal(t, want, got[i], "CAST(%v AS DECIMAL(%d, %d))", v, ps[0], ps[1])
		}
	}
}

// TestDecimalToFloat32Exact: DECIMAL → FLOAT rounds once, to the float
// nearest the exact value, as big.Float does at 24 bits (and as
// strconv.ParseFloat(text, 32) does), including values that are float
// ties only before the double rounding and float subnormals.
func TestDecimalToFloat32Exact(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	samples := decimalSamples(r)
	// 1 + 2^-24 + 2^-60: its double is the float tie 1 + 2^-24, but the
	// value is above it, so the float is 1 + 2^-23
	v := new(big.Float).SetPrec(200).SetInt64(1)
	v.Add(v, big.NewFloat(0x1p-24))
	v.Add(v, big.NewFloat(0x1p-60))
	v.Mul(v, new(big.Float).SetPrec(200).SetInt(pow10Big[30]))
	var z big.Int
	v.Int(&z)
	tie := decimal128.FromBigInt(&z)
	d, _ := new(big.Float).SetPrec(53).Quo(new(big.Float).SetInt(&z), new(big.Float).SetInt(pow10Big[30])).Float64()
	require.Equal(t, 1+0x1p-24, d, "the double of the sample is a float tie")
	require.Equal(t, float32(1+0x1p-23), decimalToFloat32(tie, 30, new(big.Float)), "one rounding goes up")
	samples = append(samples, tie, tie.Negate())
	var zf big.Float
	for _, n := range samples {
		for s := 0; s <= 38; s++ {
			got := decimalToFloat32(n, s, &zf)
			text, err := strconv.ParseFloat(decimalString(n, s), 32)
			require.NoError(t, err)
			require.Equal(t, math.Float32bits(float32(text)), math.Float32bits(got), "%s at scale %d", n.ToString(int32(s)), s)
		}
	}
}

// TestDecArith64MatchesExact checks the kernel's int64 operand path
// against the exact computation, on int64-range samples and their
// extremes, for every pair of the scales it handles.
func TestDecArith64MatchesExact(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	ints := []int64{0, 1, -1, 5, -5, 15, math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, 999999999999999999, -1000000000000000000}
	for b := 1; b < 63; b++ {
		v := r.Int64N(1 << b)
		ints = append(ints, v, -v)
	}
	types := [][2]int{{19, 0}, {22, 1}, {38, 18}, {10, 2}, {38, 0}, {20, 10}, {19, 19}, {30, 5}}
	handled := 0
	for _, t1 := range types {
		for _, t2 := range types {
			for _, op := range []byte{'*', '/'} {
				p, s := decimalResultType(op, t1[0], t1[1], t2[0], t2[1])
				f := newDecArith64(op, t1[1], t2[1], p, s)
				if !f.any {
					continue
				}
				for _, x := range ints {
					for _, y := range ints {
						got, ok, done := f.apply(x, y)
						if !done {
							continue
						}
						handled++
						xd, yd := decimal128.FromI64(x), decimal128.FromI64(y)
						want, wok := refArith(op, xd, yd, t1[1], t2[1], p, s)
						msg := fmt.Sprintf("%s %c %s as DECIMAL(%d, %d)", xd.ToString(int32(t1[1])), op, yd.ToString(int32(t2[1])), p, s)
						require.Equal(t, wok, ok, msg)
						if ok {
							require.Equal(t, want, got, msg)
						}
					}
				}
			}
		}
	}
	require.Greater(t, handled, 10000)
}

// TestDecimalKernelInt64LoopMatchesExact runs the kernel itself (its inline
// int64 loop, which hands rows it does not take to the general code) over
// columns of int64-range values and compares every row with the exact
// computation; NULL where that overflows.
func TestDecimalKernelInt64LoopMatchesExact(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	var xs, ys []int64
	for b := 1; b < 64; b++ {
		for range 3 {
			x, y := r.Int64N(1<<(b-1)+1)<<1, r.Int64N(1<<(b-1)+1)+1
			if r.IntN(2) == 0 {
				x = -x
			}
			xs, ys = append(xs, x, math.MaxInt64, 0), append(ys, y, -y, math.MinInt64)
		}
	}
	for _, tc := range [][4]int{{22, 1, 19, 0}, {19, 0, 2, 1}, {38, 18, 20, 10}, {10, 2, 10, 2}, {19, 0, 19, 0}} {
		for _, op := range []byte{'*', '/'} {
			t1, t2 := dec(tc[0], tc[1]), dec(tc[2], tc[3])
			xb, yb := array.NewDecimal128Builder(memory.DefaultAllocator, t1.(*arrow.Decimal128Type)), array.NewDecimal128Builder(memory.DefaultAllocator, t2.(*arrow.Decimal128Type))
			for i := range xs {
				xb.Append(decimal128.FromI64(xs[i]))
				yb.Append(decimal128.FromI64(ys[i]))
			}
			rec := batch(t, xb.NewArray(), yb.NewArray())
			xb.Release()
			yb.Release()
			c := refs(rec)
			e := call(t, string(op), c[0], c[1])
			arr, err := e.Eval(testCtx(), rec)
			require.NoError(t, err, e.String())
			p, s := decimalResultType(op, tc[0], tc[1], tc[2], tc[3])
			got := arr.(*array.Decimal128)
			for i := range xs {
				want, ok := refArith(op, decimal128.FromI64(xs[i]), decimal128.FromI64(ys[i]), tc[1], tc[3], p, s)
				msg := fmt.Sprintf("%d %c %d as %s", xs[i], op, ys[i], e)
				require.Equal(t, !ok, got.IsNull(i), msg)
				if ok {
					require.Equal(t, want, got.Value(i), msg)
				}
			}
			arr.Release()
			rec.Release()
		}
	}
}
