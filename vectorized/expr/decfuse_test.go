package expr

import (
	"math"
	"math/big"
	"math/rand"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

// unfusedCast is the same cast evaluated kernel by kernel.
func unfusedCast(t testing.TB, e vectorized.Expr) vectorized.Expr {
	c, ok := e.(*castExpr)
	require.True(t, ok, "%s is not a cast", e)
	require.NotNil(t, c.fused, "%s is not fused", e)
	u := *c
	u.fused = nil
	return &u
}

// decFuseValue draws an unscaled value that fits precision p, biased to
// the edges: zero, one, powers of two and five (HALF_UP ties), int64's
// limits, and values beyond 64 bits.
func decFuseValue(r *rand.Rand, p int) decimal128.Num {
	var v *big.Int
	switch r.Intn(10) {
	case 0:
		v = big.NewInt(int64(r.Intn(3) - 1))
	case 1:
		v = new(big.Int).Lsh(big.NewInt(1), uint(r.Intn(64)))
	case 2:
		v = new(big.Int).Exp(big.NewInt(5), big.NewInt(int64(r.Intn(27))), nil)
	case 3:
		v = big.NewInt(math.MaxInt64 - int64(r.Intn(3)))
	case 4:
		v = new(big.Int).Lsh(big.NewInt(1), 63)
	case 5:
		v = new(big.Int).Rand(r, pow10Big[p])
	default:
		v = big.NewInt(r.Int63n(1 << uint(1+r.Intn(62))))
	}
	if v.CmpAbs(pow10Big[p]) >= 0 {
		v.Sub(pow10Big[p], big.NewInt(1))
	}
	if r.Intn(2) == 0 {
		v.Neg(v)
	}
	return decimal128.FromBigInt(v)
}

func TestDecimalFusedMatchesKernels(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	decTypes := [][2]int{{10, 2}, {19, 0}, {20, 5}, {38, 10}, {38, 25}, {5, 5}, {38, 0}}
	ints := []arrow.DataType{tInt64, tInt32}
	for round := 0; round < 60; round++ {
		n := 1 + r.Intn(40)
		dt1, dt2 := decTypes[r.Intn(len(decTypes))], decTypes[r.Intn(len(decTypes))]
		it := ints[r.Intn(len(ints))]
		nullRate := []int{0, 0, 5}[r.Intn(3)]
		d1 := array.NewDecimal128Builder(memory.DefaultAllocator, DecimalType(dt1[0], dt1[1]).(*arrow.Decimal128Type))
		d2 := array.NewDecimal128Builder(memory.DefaultAllocator, DecimalType(dt2[0], dt2[1]).(*arrow.Decimal128Type))
		ib := array.NewInt64Builder(memory.DefaultAllocator)
		ib2 := array.NewInt32Builder(memory.DefaultAllocator)
		for i := 0; i < n; i++ {
			if nullRate > 0 && r.Intn(nullRate) == 0 {
				d1.AppendNull()
			} else {
				d1.Append(decFuseValue(r, dt1[0]))
			}
			if nullRate > 0 && r.Intn(nullRate) == 0 {
				d2.AppendNull()
			} else {
				d2.Append(decFuseValue(r, dt2[0]))
			}
			v := decFuseValue(r, 19)
			if !fitsInt64(v) {
				v = decimal128.FromI64(math.MinInt64)
			}
			// divisors are mostly nonzero so that whole batches run fused
			if v == (decimal128.Num{}) && r.Intn(4) != 0 {
				v = decimal128.FromI64(7)
			}
			if nullRate > 0 && r.Intn(nullRate) == 0 {
				ib.AppendNull()
				ib2.AppendNull()
			} else {
				ib.Append(int64(v.LowBits()))
				ib2.Append(int32(int64(v.LowBits()) >> 32))
			}
		}
		cols := []arrow.Array{d1.NewArray(), d2.NewArray(), ib.NewArray(), ib2.NewArray()}
		if it == tInt32 {
			cols[2], cols[3] = cols[3], cols[2]
		}
		rec := batch(t, cols...)
		c := refs(rec)
		lit1 := lit(t, "1.0", DecimalType(2, 1))
		lit2 := lit(t, "-2.5", DecimalType(2, 1))
		lit3 := lit(t, "12345.678", DecimalType(8, 3))
		lit0 := lit(t, "0.00", DecimalType(3, 2))
		shapes := []vectorized.Expr{
			call(t, "/", call(t, "*", c[2], lit1), c[3]),
			call(t, "/", c[0], c[1]),
			call(t, "*", c[0], c[1]),
			call(t, "-", call(t, "+", c[0], c[2]), lit2),
			call(t, "/", call(t, "*", c[0], c[2]), call(t, "+", c[1], lit2)),
			call(t, "/", c[2], call(t, "-", c[3], c[1])),
			call(t, "*", call(t, "/", c[0], c[3]), call(t, "/", c[1], lit2)),
			// products by a constant folded into the division
			call(t, "/", call(t, "*", c[0], lit2), c[1]),
			call(t, "/", call(t, "*", lit3, c[2]), c[0]),
			call(t, "/", call(t, "*", c[2], lit0), c[3]),
			call(t, "+", call(t, "/", call(t, "*", c[3], lit1), c[2]), c[1]),
		}
		for _, s := range shapes {
			e, err := Cast(s, tFloat64, false)
			require.NoError(t, err)
			u := unfusedCast(t, e)
			ec := testCtx()
			got, gerr := e.Eval(ec, rec)
			want, werr := u.Eval(ec, rec)
			if werr != nil {
				require.Error(t, gerr, "%s", s)
				require.Equal(t, werr.Error(), gerr.Error(), "%s", s)
				continue
			}
			require.NoError(t, gerr, "%s", s)
			require.Equal(t, want.Len(), got.Len())
			for i := 0; i < want.Len(); i++ {
				require.Equal(t, want.IsNull(i), got.IsNull(i), "%s row %d", s, i)
				if !want.IsNull(i) {
					w := want.(*array.Float64).Value(i)
					g := got.(*array.Float64).Value(i)
					require.Equal(t, math.Float64bits(w), math.Float64bits(g), "%s row %d: %v vs %v", s, i, w, g)
				}
			}
			got.Release()
			want.Release()
		}
		rec.Release()
	}
}

func TestDecimalFusedEdgeRows(t *testing.T) {
	a := col(t, tInt64, int64(1), int64(-1), int64(5), int64(-5), nil, int64(math.MaxInt64), int64(math.MinInt64), int64(0))
	b := col(t, tInt64, int64(2), int64(2), int64(0), int64(3), int64(0), int64(-1), int64(1), int64(1))
	rec := batch(t, a, b)
	c := refs(rec)
	e, err := Cast(call(t, "/", call(t, "*", c[0], lit(t, "1.0", DecimalType(2, 1))), c[1]), tFloat64, false)
	require.NoError(t, err)
	// a zero divisor on a non-NULL row: the kernels' error
	err = evalErr(t, e, rec)
	require.EqualError(t, err, evalErr(t, unfusedCast(t, e), rec).Error())
	require.Contains(t, err.Error(), "division by zero")
	sub := array.NewSlice(b, 0, 2)
	defer sub.Release()
	noZero := batch(t, array.NewSlice(a, 0, 2), sub)
	require.Equal(t, []string{"0.5", "-0.5"}, evalStrings(t, testCtx(), e, noZero))
	// NULL over a zero divisor is NULL, not an error
	rows := []int{4, 5, 6, 7}
	var ai, bi []any
	for _, i := range rows {
		if a.IsNull(i) {
			ai = append(ai, nil)
		} else {
			ai = append(ai, a.(*array.Int64).Value(i))
		}
		bi = append(bi, b.(*array.Int64).Value(i))
	}
	rec2 := batch(t, col(t, tInt64, ai...), col(t, tInt64, bi...))
	require.Equal(t, evalStrings(t, testCtx(), unfusedCast(t, e), rec2), evalStrings(t, testCtx(), e, rec2))
	require.Equal(t, []string{"NULL", "-9.223372036854776E18", "-9.223372036854776E18", "0.0"},
		evalStrings(t, testCtx(), e, rec2))
}

func BenchmarkDecimalFusedCast(b *testing.B) {
	const n = 4096
	r := rand.New(rand.NewSource(1))
	x := array.NewInt64Builder(memory.DefaultAllocator)
	y := array.NewInt64Builder(memory.DefaultAllocator)
	for i := 0; i < n; i++ {
		x.Append(r.Int63n(1 << 40))
		y.Append(1 + r.Int63n(1<<30))
	}
	rec := batch(b, x.NewArray(), y.NewArray())
	c := refs(rec)
	e, err := Cast(call(b, "/", call(b, "*", c[0], lit(b, "1.0", DecimalType(2, 1))), c[1]), tFloat64, false)
	require.NoError(b, err)
	for _, m := range []struct {
		name string
		e    vectorized.Expr
	}{{"fused", e}, {"kernels", unfusedCast(b, e)}} {
		b.Run(m.name, func(b *testing.B) {
			ec := testCtx()
			for i := 0; i < b.N; i++ {
				arr, err := m.e.Eval(ec, rec)
				if err != nil {
					b.Fatal(err)
				}
				arr.Release()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
		})
	}
}

// A NULL in one operand of an outer operator does not hide a zero divisor
// in the other: the inner division's kernel sees only its own operands.
func TestDecimalFusedNullElsewhere(t *testing.T) {
	a := col(t, DecimalType(10, 0), "4", "6")
	b := col(t, tInt64, int64(2), int64(0))
	c := col(t, DecimalType(10, 2), "1.25", nil)
	rec := batch(t, a, b, c)
	r := refs(rec)
	e, err := Cast(call(t, "+", call(t, "/", r[0], r[1]), r[2]), tFloat64, false)
	require.NoError(t, err)
	want := evalErr(t, unfusedCast(t, e), rec)
	require.Error(t, want)
	require.EqualError(t, evalErr(t, e, rec), want.Error())
	// and an overflow to NULL in one operand is NULL in the result
	big := col(t, DecimalType(38, 0), "99999999999999999999999999999999999999", "2")
	rec2 := batch(t, big, col(t, tInt64, int64(10), int64(3)))
	r2 := refs(rec2)
	e2, err := Cast(call(t, "/", call(t, "*", r2[0], r2[1]), r2[1]), tFloat64, false)
	require.NoError(t, err)
	require.Equal(t, evalStrings(t, testCtx(), unfusedCast(t, e2), rec2), evalStrings(t, testCtx(), e2, rec2))
	require.Equal(t, []string{"NULL", "2.0"}, evalStrings(t, testCtx(), e2, rec2))
}
