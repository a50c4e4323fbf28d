package expr

import (
	"math"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/require"
)

func shanghai() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("UTC+8", 8*3600)
}

func TestCastTable(t *testing.T) {
	const fails = "ERROR"
	cases := []struct {
		from arrow.DataType
		v    any
		to   arrow.DataType
		want string // rendered result, or "ERROR" (then TRY_CAST gives NULL)
	}{
		// integer narrowing wraps like a Java cast (NumericPrimitiveCastRule)
		{tInt32, 300, tInt8, "44"},
		{tInt64, int64(1<<32 + 5), tInt32, "5"},
		{tInt32, -1, tInt64, "-1"},
		{tInt16, -129, tInt8, "127"},
		// floating point to integer saturates, NaN is 0 (JLS 5.1.3)
		{tFloat64, 1e10, tInt32, "2147483647"},
		{tFloat64, -1e10, tInt32, "-2147483648"},
		{tFloat64, math.NaN(), tInt32, "0"},
		{tFloat64, 3.99, tInt32, "3"},
		{tFloat64, -3.99, tInt64, "-3"},
		{tFloat64, 1e19, tInt64, "9223372036854775807"},
		{tFloat64, 300.7, tInt8, "44"},
		{tFloat32, float32(0.1), tFloat64, "0.10000000149011612"},
		{tFloat64, 1e40, tFloat32, "Infinity"},
		{tInt32, 7, tFloat64, "7.0"},
		{tInt64, int64(16777217), tFloat32, "1.6777216E7"},
		// BOOLEAN <-> numbers
		{tBool, true, tInt32, "1"},
		{tBool, false, tFloat64, "0.0"},
		{tBool, true, dec(3, 1), "1.0"},
		{tInt32, 0, tBool, "FALSE"},
		{tInt64, int64(-5), tBool, "TRUE"},
		// to DECIMAL: HALF_UP, NULL on overflow
		{tInt32, 123, dec(5, 2), "123.00"},
		{tInt32, 1234, dec(5, 2), "NULL"},
		{tFloat64, 1.005, dec(5, 2), "1.01"},
		{tFloat64, -0.125, dec(5, 2), "-0.13"},
		{tFloat64, math.NaN(), dec(5, 2), fails},
		{tFloat64, math.Inf(1), dec(5, 2), fails},
		{dec(5, 3), "1.250", dec(4, 1), "1.3"},
		{dec(4, 2), "99.99", dec(3, 1), "NULL"},
		{dec(5, 2), "-1.99", tInt32, "-1"},
		{dec(38, 0), "12345678901234567890123", tInt64, "4807115922877859019"},
		{dec(5, 2), "1.25", tFloat64, "1.25"},
		// STRING -> integers: BinaryStringDataUtil.toInt/toLong
		{tString, "123", tInt32, "123"},
		{tString, "-2147483648", tInt32, "-2147483648"},
		{tString, "2147483648", tInt32, fails},
		{tString, "1.9", tInt32, "1"},
		{tString, "-1.9", tInt32, "-1"},
		{tString, ".5", tInt32, "0"},
		{tString, "+5", tInt32, "5"},
		{tString, " 1 ", tInt32, "1"}, // Flink trims spaces
		{tString, "\t1", tInt32, fails},
		{tString, "1e3", tInt32, fails},
		{tString, "1.x", tInt32, fails},
		{tString, "", tInt32, fails},
		{tString, "-", tInt32, fails},
		{tString, "127", tInt8, "127"},
		{tString, "128", tInt8, fails},
		{tString, "-32768", tInt16, "-32768"},
		{tString, "9223372036854775807", tInt64, "9223372036854775807"},
		{tString, "9223372036854775808", tInt64, fails},
		{tString, "-9223372036854775808", tInt64, "-9223372036854775808"},
		// STRING -> DOUBLE/FLOAT: Double.parseDouble
		{tString, "1.5", tFloat64, "1.5"},
		{tString, " 1e3 ", tFloat64, "1000.0"},
		{tString, "NaN", tFloat64, "NaN"},
		{tString, "-Infinity", tFloat64, "-Infinity"},
		{tString, "1.5f", tFloat64, "1.5"},
		{tString, "0x1p3", tFloat64, "8.0"},
		{tString, ".5", tFloat32, "0.5"},
		{tString, "inf", tFloat64, fails},
		{tString, "abc", tFloat64, fails},
		{tString, "1e", tFloat64, fails},
		{tString, "", tFloat64, fails},
		// STRING -> DECIMAL: fails on bad input and on overflow
		{tString, "1.005", dec(5, 2), "1.01"},
		{tString, " 12.3\t", dec(5, 2), "12.30"},
		{tString, "1e2", dec(5, 2), "100.00"},
		{tString, "-0.005", dec(5, 2), "-0.01"},
		{tString, "12345", dec(5, 2), fails},
		{tString, "1.2.3", dec(5, 2), fails},
		{tString, "abc", dec(5, 2), fails},
		// STRING -> BOOLEAN
		{tString, "TRUE", tBool, "TRUE"},
		{tString, "yes", tBool, "TRUE"},
		{tString, "t", tBool, "TRUE"},
		{tString, "1", tBool, "TRUE"},
		{tString, "0", tBool, "FALSE"},
		{tString, "F", tBool, "FALSE"},
		{tString, "No", tBool, "FALSE"},
		{tString, "maybe", tBool, fails},
		{tString, " true", tBool, fails},
		// STRING -> temporal
		{tString, "2024-02-29", tDate, "2024-02-29"},
		{tString, "2024-2-9", tDate, "2024-02-09"},
		{tString, " 2024-02-29 12:00:00", tDate, "2024-02-29"},
		{tString, "2023-02-29", tDate, fails},
		{tString, "2024-13-01", tDate, fails},
		// TimeType(0) is milliseconds: CastTime (the planner) cuts the digits
		{tString, "12:34:56", TimeType(0), "12:34:56.0"},
		{tString, "12:34", TimeType(0), "12:34:00.0"},
		{tString, "12:34:56.789", TimeType(3), "12:34:56.789"},
		{tString, "24:00:00", TimeType(0), fails},
		{tString, "2024-02-29 12:34:56.789123", TimestampType(3), "2024-02-29 12:34:56.789"},
		{tString, "2024-02-29T12:34:56", TimestampType(3), "2024-02-29 12:34:56.000"},
		{tString, "2024-02-29", TimestampType(0), "2024-02-29 00:00:00"},
		{tString, "1969-12-31 23:59:59.999999999", TimestampType(9), "1969-12-31 23:59:59.999999999"},
		{tString, "x", TimestampType(3), fails},
		// a TIMESTAMP_LTZ is read in the session zone (Shanghai) and shown in UTC here
		{tString, "2024-02-29 08:00:00", TimestampLTZType(3), "2024-02-29 00:00:00.000"},
		// BYTES <-> STRING
		{tString, "abc", tBinary, "abc"},
		{tBinary, []byte{0xff, 'a'}, tString, "\uFFFDa"},
		{tBinary, []byte("日本"), tString, "日本"},
		// to STRING
		{tInt32, -5, tString, "-5"},
		{tFloat64, 1e10, tString, "1.0E10"},
		{tFloat64, 1e-4, tString, "1.0E-4"},
		{tFloat64, 0.001, tString, "0.001"},
		{tFloat64, 123.456, tString, "123.456"},
		{tFloat64, 1e7, tString, "1.0E7"},
		{tFloat64, 9999999.0, tString, "9999999.0"},
		{tFloat64, math.Copysign(0, -1), tString, "-0.0"},
		{tFloat64, 1.2345678e-5, tString, "1.2345678E-5"},
		{tFloat64, math.MaxFloat64, tString, "1.7976931348623157E308"},
		{tFloat32, float32(0.1), tString, "0.1"},
		{tFloat32, float32(1e10), tString, "1.0E10"},
		{dec(5, 2), "1.50", tString, "1.50"},
		{dec(5, 0), "0", tString, "0"},
		{dec(10, 4), "-0.0012", tString, "-0.0012"},
		{tBool, true, tString, "TRUE"},
		{tBool, false, tString, "FALSE"},
		{tDate, ts("0999-01-01"), tString, "0999-01-01"},
		{TimeType(3), 12*time.Hour + 34*time.Minute + 56789*time.Millisecond, tString, "12:34:56.789"},
		{TimestampType(0), ts("2024-02-29 12:34:56"), tString, "2024-02-29 12:34:56"},
		{TimestampType(6), ts("2024-02-29 12:34:56.000123"), tString, "2024-02-29 12:34:56.000123"},
		{TimestampLTZType(3), ts("2024-02-29 00:00:00"), tString, "2024-02-29 08:00:00.000"},
		{tIntervDT, int64(90061001), tString, "+1 01:01:01.001"},
		{tIntervYM, int64(14), tString, "+1-02"},
		{tIntervYM, int64(-14), tString, "-1-02"},
		// temporal <-> temporal
		{TimestampType(0), ts("2024-02-29 23:59:59"), tDate, "2024-02-29"},
		{TimestampType(3), ts("1969-12-31 23:00:00"), tDate, "1969-12-31"},
		{TimestampType(3), ts("2024-02-29 12:34:56.789"), TimeType(0), "12:34:56.789"},
		{tDate, ts("2024-02-29"), TimestampType(3), "2024-02-29 00:00:00.000"},
		{TimestampType(6), ts("2024-02-29 12:00:00.123999"), TimestampType(3), "2024-02-29 12:00:00.123"},
		{TimestampType(6), ts("1969-12-31 23:59:59.999999"), TimestampType(3), "1969-12-31 23:59:59.999"},
		{TimestampType(3), ts("2024-02-29 12:00:00"), TimestampType(9), "2024-02-29 12:00:00.000000000"},
		{TimeType(3), 1500 * time.Millisecond, TimeType(0), "00:00:01.5"},
		{TimeType(0), time.Hour, TimestampType(0), "1970-01-01 01:00:00"},
		// TIMESTAMP <-> TIMESTAMP_LTZ through the session zone (Shanghai)
		{TimestampType(3), ts("2024-02-29 08:00:00"), TimestampLTZType(3), "2024-02-29 00:00:00.000"},
		{TimestampLTZType(3), ts("2024-02-29 00:00:00"), TimestampType(3), "2024-02-29 08:00:00.000"},
		{TimestampLTZType(3), ts("2024-02-29 20:00:00"), tDate, "2024-03-01"},
		{tDate, ts("2024-02-29"), TimestampLTZType(0), "2024-02-28 16:00:00"},
		// intervals <-> integers (NumericPrimitiveCastRule's pairs)
		{tIntervYM, int64(14), tInt64, "14"},
		{tInt64, int64(14), tIntervYM, "+1-02"},
		{tInt32, 5, tIntervDT, "+0 00:00:00.005"},
		// NULL
		{tNull, nil, tInt32, "NULL"},
		{tInt32, nil, tString, "NULL"},
		{tString, nil, tInt32, "NULL"},
	}
	for _, tc := range cases {
		name := SQLTypeName(tc.from) + "->" + SQLTypeName(tc.to)
		t.Run(name, func(t *testing.T) {
			require.True(t, CanCast(tc.from, tc.to), name)
			var rec arrow.RecordBatch
			if tc.from.ID() == arrow.NULL {
				rec = batch(t, col(t, tInt32, 1))
			} else {
				rec = batch(t, col(t, tc.from, tc.v))
			}
			defer rec.Release()
			src := refs(rec)[0]
			if tc.from.ID() == arrow.NULL {
				src = lit(t, nil, arrow.Null)
			}
			ec := testCtx()
			ec.Location = shanghai()
			for _, try := range []bool{false, true} {
				e, err := Cast(src, tc.to, try)
				require.NoError(t, err)
				require.True(t, arrow.TypeEqual(tc.to, e.DataType()))
				arr, err := e.Eval(ec, rec)
				if tc.want == fails && !try {
					require.Error(t, err, "%v", tc.v)
					var ee *EvalError
					require.ErrorAs(t, err, &ee)
					require.Equal(t, "CAST", ee.Function)
					continue
				}
				require.NoError(t, err, "%v", tc.v)
				want := tc.want
				if want == fails {
					want = "NULL"
				}
				require.Equal(t, []string{want}, render(arr), "%v (try=%v)", tc.v, try)
				arr.Release()
			}
		})
	}
}

func TestCastErrorNamesTheValue(t *testing.T) {
	rec := batch(t, col(t, tString, "12", "abc", "7"))
	defer rec.Release()
	e, err := Cast(refs(rec)[0], tInt32, false)
	require.NoError(t, err)
	require.Equal(t, "CAST(c0 AS INT)", e.String())
	err = evalErr(t, e, rec)
	require.Equal(t, "CAST('abc' AS INT): 'abc' is not a valid INT", err.Error())
	// TRY_CAST keeps the good rows
	e, err = Cast(refs(rec)[0], tInt32, true)
	require.NoError(t, err)
	require.Equal(t, "TRY_CAST(c0 AS INT)", e.String())
	require.Equal(t, []string{"12", "NULL", "7"}, evalStrings(t, testCtx(), e, rec))
	// a literal cast is folded when it succeeds and fails at run time otherwise
	ok, err := Cast(lit(t, "42", tString), tInt64, false)
	require.NoError(t, err)
	_, folded := ok.(*literalExpr)
	require.True(t, folded)
	require.Equal(t, "42", evalOne(t, ok))
	bad, err := Cast(lit(t, "4x", tString), tInt64, false)
	require.NoError(t, err)
	err = evalErr(t, bad, row1())
	require.Equal(t, "CAST('4x' AS BIGINT): '4x' is not a valid BIGINT", err.Error())
	rec2 := batch(t, col(t, tString, "99999999999"))
	defer rec2.Release()
	e, _ = Cast(refs(rec2)[0], tInt32, false)
	require.Equal(t, "CAST('99999999999' AS INT): '99999999999' is out of range for INT", evalErr(t, e, rec2).Error())
}

func TestCanCastMatrix(t *testing.T) {
	allowed := []struct{ from, to arrow.DataType }{
		{tInt32, tString}, {tString, tInt32}, {tDate, tString}, {tString, tDate}, {tBinary, tString},
		{tString, tBinary}, {tInt8, tBool}, {tString, tBool}, {tFloat64, tBool}, {dec(5, 2), tBool}, {tBool, dec(5, 2)}, {tDate, TimestampType(3)},
		{TimestampLTZType(3), TimeType(0)}, {tNull, tDate}, {tIntervYM, tInt64}, {tInt32, tIntervDT}, {tFloat32, dec(5, 2)},
	}
	for _, c := range allowed {
		require.True(t, CanCast(c.from, c.to), "%s -> %s", SQLTypeName(c.from), SQLTypeName(c.to))
	}
	denied := []struct{ from, to arrow.DataType }{
		{tBool, tDate}, {tBinary, tInt32}, {tDate, TimeType(0)},
		{TimeType(0), tDate}, {tInt32, tBinary}, {tIntervYM, tInt32}, {tIntervDT, tInt64}, {tString, tIntervDT},
		{tInt32, tNull}, {arrow.ListOf(tInt32), tString},
	}
	for _, c := range denied {
		require.False(t, CanCast(c.from, c.to), "%s -> %s", SQLTypeName(c.from), SQLTypeName(c.to))
		_, err := Cast(lit(t, nil, c.from), c.to, false)
		require.Error(t, err)
	}
	// Flink rejects numeric <-> TIMESTAMP casts and says what to use instead
	_, err := Cast(lit(t, 1, tInt64), TimestampType(3), false)
	require.ErrorContains(t, err, "TO_TIMESTAMP(FROM_UNIXTIME(numeric_col))")
	_, err = Cast(lit(t, 1, tInt64), TimestampLTZType(3), true)
	require.ErrorContains(t, err, "TO_TIMESTAMP_LTZ(numeric_col, precision)")
	_, err = Cast(lit(t, ts("2024-01-01"), TimestampType(3)), tInt64, false)
	require.ErrorContains(t, err, "UNIX_TIMESTAMP(CAST(timestamp_col AS STRING))")
	_, err = Cast(lit(t, ts("2024-01-01"), TimestampLTZType(3)), tInt64, false)
	require.ErrorContains(t, err, "TIMESTAMP_LTZ type to NUMERIC type is not allowed")
}

func TestJavaDoubleString(t *testing.T) {
	cases := map[float64]string{
		1: "1.0", 0.1: "0.1", 100: "100.0", 1234567: "1234567.0", 12345678: "1.2345678E7",
		0.001: "0.001", 0.0001: "1.0E-4", 1e-300: "1.0E-300", 123e300: "1.23E302", -2.5e-7: "-2.5E-7",
		math.SmallestNonzeroFloat64: "4.9E-324",
	}
	for v, want := range cases {
		require.Equal(t, want, javaDoubleString(v, 64), "%v", v)
	}
	require.Equal(t, "3.4028235E38", javaDoubleString(float64(float32(math.MaxFloat32)), 32))
	require.Equal(t, "1.4E-45", javaDoubleString(float64(math.SmallestNonzeroFloat32), 32))
}
