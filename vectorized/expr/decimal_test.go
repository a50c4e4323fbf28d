package expr

import (
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

func TestDecimalResultTypes(t *testing.T) {
	// Flink's own LogicalTypeMergingTest cases, plus the rules' plain cases
	cases := []struct {
		op             byte
		p1, s1, p2, s2 int
		p, s           int
	}{
		{'/', 32, 8, 38, 8, 38, 6},
		{'/', 30, 20, 30, 20, 38, 8},
		{'*', 30, 10, 30, 10, 38, 6},
		{'*', 30, 20, 30, 20, 38, 17},
		{'*', 38, 2, 38, 3, 38, 5},
		{'%', 30, 10, 30, 10, 30, 10},
		{'+', 5, 2, 7, 3, 8, 3},
		{'-', 38, 0, 38, 0, 38, 0},
		{'*', 10, 2, 10, 2, 21, 4},
		{'/', 5, 2, 5, 2, 13, 8},
		{'%', 5, 2, 3, 1, 4, 2},
		{'%', 10, 0, 5, 0, 5, 0},
	}
	for _, c := range cases {
		p, s := decimalResultType(c.op, c.p1, c.s1, c.p2, c.s2)
		require.Equal(t, [2]int{c.p, c.s}, [2]int{p, s}, "DECIMAL(%d,%d) %c DECIMAL(%d,%d)", c.p1, c.s1, c.op, c.p2, c.s2)
	}
}

func TestDecimalArithmetic(t *testing.T) {
	cases := []struct {
		op     string
		ta, tb arrow.DataType
		a, b   any
		typ    string
		want   string
	}{
		{"+", dec(5, 2), dec(7, 3), "1.25", "2.125", "DECIMAL(8, 3)", "3.375"},
		{"-", dec(5, 2), dec(7, 3), "1.25", "2.125", "DECIMAL(8, 3)", "-0.875"},
		{"*", dec(10, 2), dec(10, 2), "1.25", "-1.25", "DECIMAL(21, 4)", "-1.5625"},
		{"/", dec(5, 2), dec(5, 2), "1.00", "3.00", "DECIMAL(13, 8)", "0.33333333"},
		{"/", dec(5, 2), dec(5, 2), "2.00", "3.00", "DECIMAL(13, 8)", "0.66666667"},
		{"/", dec(5, 2), dec(5, 2), "-2.00", "3.00", "DECIMAL(13, 8)", "-0.66666667"},
		{"%", dec(5, 2), dec(3, 1), "7.50", "2.0", "DECIMAL(4, 2)", "1.50"},
		{"%", dec(5, 2), dec(3, 1), "-7.50", "2.0", "DECIMAL(4, 2)", "-1.50"},
		// INT as DECIMAL(10, 0), BIGINT as DECIMAL(19, 0)
		{"+", tInt32, dec(5, 2), 1, "1.25", "DECIMAL(13, 2)", "2.25"},
		{"*", tInt64, dec(5, 2), int64(-3), "1.25", "DECIMAL(25, 2)", "-3.75"},
		{"/", tInt32, dec(5, 2), 1, "3.00", "DECIMAL(18, 6)", "0.333333"},
		// an approximate operand makes the result DOUBLE
		{"+", tFloat64, dec(5, 2), 0.5, "1.25", "DOUBLE", "1.75"},
		// HALF_UP when the capped scale drops digits: 5E-18 at scale 17
		{"*", dec(20, 10), dec(20, 10), "0.0000000025", "0.0000000020", "DECIMAL(38, 17)", "0.00000000000000001"},
		// overflow is NULL
		{"+", dec(38, 0), dec(38, 0), "99999999999999999999999999999999999999", "1", "DECIMAL(38, 0)", "NULL"},
		{"*", dec(38, 0), tInt32, "99999999999999999999999999999999999999", 10, "DECIMAL(38, 0)", "NULL"},
		{"-", dec(38, 0), dec(38, 0), "-99999999999999999999999999999999999999", "99999999999999999999999999999999999999", "DECIMAL(38, 0)", "NULL"},
		{"+", dec(38, 0), dec(38, 0), "99999999999999999999999999999999999998", "1", "DECIMAL(38, 0)", "99999999999999999999999999999999999999"},
		{"+", dec(5, 2), dec(5, 2), nil, "1", "DECIMAL(6, 2)", "NULL"},
	}
	for _, c := range cases {
		rec := batch(t, col(t, c.ta, c.a), col(t, c.tb, c.b))
		r := refs(rec)
		e := call(t, c.op, r[0], r[1])
		require.Equal(t, c.typ, SQLTypeName(e.DataType()), "%v %s %v", c.a, c.op, c.b)
		require.Equal(t, []string{c.want}, evalStrings(t, testCtx(), e, rec), "%v %s %v", c.a, c.op, c.b)
		// and with the right operand as a literal
		e = call(t, c.op, r[0], lit(t, c.b, c.tb))
		require.Equal(t, []string{c.want}, evalStrings(t, testCtx(), e, rec), "%v %s literal %v", c.a, c.op, c.b)
		rec.Release()
	}
}

func TestDecimalDivisionByZeroFails(t *testing.T) {
	rec := batch(t, col(t, dec(5, 2), "1.00"), col(t, dec(5, 2), "0.00"))
	defer rec.Release()
	r := refs(rec)
	require.Equal(t, "1.00 / 0.00: division by zero", evalErr(t, call(t, "/", r[0], r[1]), rec).Error())
	require.Equal(t, "1.00 % 0.00: division by zero", evalErr(t, call(t, "%", r[0], r[1]), rec).Error())
}

func TestParseDecimal(t *testing.T) {
	cases := []struct {
		s    string
		p, c int
		want string
		ok   bool
	}{
		{"0", 5, 2, "0.00", true},
		{"-0.005", 5, 2, "-0.01", true},
		{"0.004", 5, 2, "0.00", true},
		{"1e-100", 5, 2, "0.00", true},
		{"1E+2", 5, 2, "100.00", true},
		{"999.995", 5, 2, "", false},
		{"+.5", 3, 1, "0.5", true},
		{".", 3, 1, "", false},
		{"1e", 3, 1, "", false},
		{"12345678901234567890123456789012345678", 38, 0, "12345678901234567890123456789012345678", true},
		{"123456789012345678901234567890123456789", 38, 0, "", false},
	}
	for _, c := range cases {
		n, ok := parseDecimal(c.s, c.p, c.c)
		require.Equal(t, c.ok, ok, c.s)
		if ok {
			require.Equal(t, c.want, decimalString(n, c.c), c.s)
		}
	}
}

// TestDecimalArithmeticIntegerOperands: an INT or BIGINT operand of DECIMAL
// arithmetic is widened inside the kernel (callExpr.rawInt) rather than
// through a DECIMAL column; results, NULLs, overflow and errors are those
// of the same operation on the explicitly cast column.
func TestDecimalArithmeticIntegerOperands(t *testing.T) {
	ints := col(t, tInt64, int64(math.MinInt64), int64(math.MaxInt64), int64(0), int64(-7), nil, int64(123456789012345), int64(1))
	int32s := col(t, tInt32, int32(math.MinInt32), int32(5), int32(0), nil, int32(-3), int32(99), int32(1))
	decs := col(t, dec(38, 10), "1.0000000000", "-0.0000000003", "2.5000000000", "7.0000000000", "3.0000000000", nil, "99999999999999999999999999.9999999999")
	small := col(t, dec(5, 2), "1.25", "-3.00", "0.07", nil, "2.00", "100.00", "-0.01")
	rec := batch(t, ints, int32s, decs, small)
	defer rec.Release()
	c := refs(rec)
	for _, op := range []string{"+", "-", "*", "/", "%"} {
		for _, ic := range []int{0, 1} {
			for _, dc := range []int{2, 3} {
				cast, err := Cast(c[ic], DecimalType(19, 0), false)
				require.NoError(t, err)
				if ic == 1 {
					cast, err = Cast(c[ic], DecimalType(10, 0), false)
					require.NoError(t, err)
				}
				for _, swap := range []bool{false, true} {
					x, ref := []vectorized.Expr{c[ic], c[dc]}, []vectorized.Expr{cast, c[dc]}
					if swap {
						x, ref = []vectorized.Expr{c[dc], c[ic]}, []vectorized.Expr{c[dc], cast}
					}
					got, want := call(t, op, x...), call(t, op, ref...)
					require.NotNil(t, got.(*callExpr).rawInt, "%s reads its integer operand itself", got)
					require.Nil(t, want.(*callExpr).rawInt, "%s: an explicit cast is a DECIMAL column", want)
					require.Equal(t, want.String(), got.String(), "the implicit cast still renders")
					gotArr, gotErr := got.Eval(testCtx(), rec)
					wantArr, wantErr := want.Eval(testCtx(), rec)
					if wantErr != nil {
						require.EqualError(t, gotErr, wantErr.Error())
						continue
					}
					require.NoError(t, gotErr, got.String())
					require.Equal(t, render(wantArr), render(gotArr), got.String())
					gotArr.Release()
					wantArr.Release()
				}
			}
		}
	}
}
