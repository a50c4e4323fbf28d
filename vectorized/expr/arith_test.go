package expr

import (
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/require"
)

func TestIntegerArithmetic(t *testing.T) {
	cases := []struct {
		name string
		dt   arrow.DataType
		a, b []any
		want []string
	}{
		{"+", tInt32, []any{1, -5, math.MaxInt32, nil, 7}, []any{2, 3, 1, 4, nil}, []string{"3", "-2", "-2147483648", "NULL", "NULL"}},
		{"-", tInt64, []any{int64(math.MinInt64), 10, nil}, []any{1, 20, 1}, []string{"9223372036854775807", "-10", "NULL"}},
		{"*", tInt64, []any{int64(math.MaxInt64), -3, 0}, []any{2, 7, nil}, []string{"-2", "-21", "NULL"}},
		{"*", tInt8, []any{100, -2}, []any{2, 3}, []string{"-56", "-6"}},
		{"/", tInt32, []any{7, -7, 7, math.MinInt32, nil}, []any{2, 2, -2, -1, 0}, []string{"3", "-3", "-3", "-2147483648", "NULL"}},
		{"%", tInt32, []any{7, -7, 7, -7}, []any{3, 3, -3, -3}, []string{"1", "-1", "1", "-1"}},
		{"MOD", tInt16, []any{10, nil}, []any{4, 4}, []string{"2", "NULL"}},
	}
	for _, tc := range cases {
		t.Run(tc.name+"/"+SQLTypeName(tc.dt), func(t *testing.T) {
			rec := batch(t, col(t, tc.dt, tc.a...), col(t, tc.dt, tc.b...))
			defer rec.Release()
			r := refs(rec)
			e := call(t, tc.name, r[0], r[1])
			require.Equal(t, tc.dt, e.DataType())
			require.Equal(t, tc.want, evalStrings(t, testCtx(), e, rec))
		})
	}
}

func TestIntegerDivisionByZeroFails(t *testing.T) {
	// Flink: integer division by zero fails the job (ArithmeticException).
	rec := batch(t, col(t, tInt32, 1, 2), col(t, tInt32, 1, 0))
	defer rec.Release()
	r := refs(rec)
	for _, op := range []string{"/", "%"} {
		err := evalErr(t, call(t, op, r[0], r[1]), rec)
		var ee *EvalError
		require.ErrorAs(t, err, &ee)
		require.Equal(t, "2 "+op+" 0: division by zero", err.Error())
	}
	// a zero divisor on a NULL row is not an error
	rec2 := batch(t, col(t, tInt32, nil, 4), col(t, tInt32, 0, 2))
	defer rec2.Release()
	r2 := refs(rec2)
	require.Equal(t, []string{"NULL", "2"}, evalStrings(t, testCtx(), call(t, "/", r2[0], r2[1]), rec2))
}

func TestFloatArithmetic(t *testing.T) {
	rec := batch(t, col(t, tFloat64, 1.5, 1.0, -1.0, 0.0, nil), col(t, tFloat64, 2.0, 0.0, 0.0, 0.0, 1.0))
	defer rec.Release()
	r := refs(rec)
	// Flink: DOUBLE division by zero is Infinity or NaN, not an error.
	require.Equal(t, []string{"0.75", "Infinity", "-Infinity", "NaN", "NULL"}, evalStrings(t, testCtx(), call(t, "/", r[0], r[1]), rec))
	require.Equal(t, []string{"3.5", "1.0", "-1.0", "0.0", "NULL"}, evalStrings(t, testCtx(), call(t, "+", r[0], r[1]), rec))
}

func TestArithmeticWithLiteral(t *testing.T) {
	rec := batch(t, col(t, tInt64, 1, nil, math.MaxInt64))
	defer rec.Release()
	r := refs(rec)
	one := lit(t, 1, tInt32)
	e := call(t, "+", r[0], one)
	require.Equal(t, tInt64, e.DataType())
	require.Equal(t, []string{"2", "NULL", "-9223372036854775808"}, evalStrings(t, testCtx(), e, rec))
	e = call(t, "-", one, r[0])
	require.Equal(t, []string{"0", "NULL", "-9223372036854775806"}, evalStrings(t, testCtx(), e, rec))
	// a NULL literal makes every row NULL
	e = call(t, "*", r[0], lit(t, nil, tInt64))
	require.Equal(t, []string{"NULL", "NULL", "NULL"}, evalStrings(t, testCtx(), e, rec))
	e = call(t, "+", r[0], lit(t, nil, arrow.Null))
	require.Equal(t, []string{"NULL", "NULL", "NULL"}, evalStrings(t, testCtx(), e, rec))
}

func TestMixedNumericWidening(t *testing.T) {
	cases := []struct {
		a, b arrow.DataType
		op   string
		want string
	}{
		{tInt8, tInt16, "+", "SMALLINT"},
		{tInt32, tInt64, "+", "BIGINT"},
		{tInt32, tFloat32, "*", "FLOAT"},
		{tFloat32, tFloat64, "-", "DOUBLE"},
		{tInt64, tFloat64, "/", "DOUBLE"},
		{dec(10, 2), tFloat64, "+", "DOUBLE"},
		{tInt32, dec(5, 2), "+", "DECIMAL(13, 2)"},
		{tInt64, dec(5, 2), "*", "DECIMAL(25, 2)"},
		{tInt32, tInt64, "%", "BIGINT"},
		{tInt64, tInt32, "%", "INT"},
	}
	for _, tc := range cases {
		e, err := Call(tc.op, lit(t, nil, tc.a), lit(t, nil, tc.b))
		require.NoError(t, err)
		require.Equal(t, tc.want, SQLTypeName(e.DataType()), "%s %s %s", SQLTypeName(tc.a), tc.op, SQLTypeName(tc.b))
	}
}

func TestNegate(t *testing.T) {
	rec := batch(t, col(t, tInt32, 5, math.MinInt32, nil), col(t, tFloat64, 1.5, 0.0, nil), col(t, dec(5, 2), "1.25", "-3.00", nil))
	defer rec.Release()
	r := refs(rec)
	require.Equal(t, []string{"-5", "-2147483648", "NULL"}, evalStrings(t, testCtx(), call(t, "NEGATE", r[0]), rec))
	require.Equal(t, []string{"-1.5", "-0.0", "NULL"}, evalStrings(t, testCtx(), call(t, "negate", r[1]), rec))
	require.Equal(t, []string{"-1.25", "3.00", "NULL"}, evalStrings(t, testCtx(), call(t, "NEGATE", r[2]), rec))
}

func TestSlicedInputs(t *testing.T) {
	// arrays with a non-zero offset (a sliced batch) must be read from their offset
	a := col(t, tInt64, 100, 1, 2, nil, 4, 5, 6, 7, 8, 9, 10)
	b := col(t, tInt64, 100, 10, nil, 30, 40, 50, 60, 70, 80, 90, 100)
	sa, sb := array.NewSlice(a, 1, 11), array.NewSlice(b, 1, 11)
	rec := batch(t, sa, sb)
	defer rec.Release()
	r := refs(rec)
	require.Equal(t, []string{"11", "NULL", "NULL", "44", "55", "66", "77", "88", "99", "110"},
		evalStrings(t, testCtx(), call(t, "+", r[0], r[1]), rec))
	require.Equal(t, []string{"true", "NULL", "NULL", "true", "true", "true", "true", "true", "true", "true"},
		boolStrings(evalStrings(t, testCtx(), call(t, "<", r[0], r[1]), rec)))
}

func boolStrings(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		switch v {
		case "TRUE":
			out[i] = "true"
		case "FALSE":
			out[i] = "false"
		default:
			out[i] = v
		}
	}
	return out
}
