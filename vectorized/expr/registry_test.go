package expr

import (
	"sort"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

func TestTypeInference(t *testing.T) {
	str := tString
	cases := []struct {
		fn   string
		args []arrow.DataType
		want string // SQL type name, or "error: <message part>"
	}{
		{"+", []arrow.DataType{tInt8, tInt8}, "TINYINT"},
		{"+", []arrow.DataType{tInt16, tInt64}, "BIGINT"},
		{"/", []arrow.DataType{tInt32, tInt32}, "INT"},
		{"/", []arrow.DataType{tInt32, tFloat32}, "FLOAT"},
		{"*", []arrow.DataType{tFloat32, tFloat64}, "DOUBLE"},
		{"-", []arrow.DataType{dec(10, 2), tInt64}, "DECIMAL(22, 2)"},
		{"/", []arrow.DataType{dec(10, 2), dec(10, 2)}, "DECIMAL(23, 13)"},
		{"+", []arrow.DataType{dec(10, 2), tFloat32}, "DOUBLE"},
		{"%", []arrow.DataType{tInt64, tInt8}, "TINYINT"},
		{"%", []arrow.DataType{tFloat64, tInt32}, "error: % cannot take DOUBLE, INT; expected EXACT_NUMERIC % EXACT_NUMERIC"},
		{"+", []arrow.DataType{tInt32, str}, "error: implicit type conversion between INT and STRING is not supported"},
		{"+", []arrow.DataType{tNull, tInt16}, "SMALLINT"},
		{"+", []arrow.DataType{tDate, tIntervDT}, "DATE"},
		{"+", []arrow.DataType{tIntervYM, TimestampType(3)}, "TIMESTAMP(3)"},
		{"-", []arrow.DataType{TimestampType(3), TimestampLTZType(6)}, "INTERVAL DAY TO SECOND(3)"},
		{"NEGATE", []arrow.DataType{dec(5, 1)}, "DECIMAL(5, 1)"},
		{"NEGATE", []arrow.DataType{str}, "error: NEGATE cannot take STRING; expected NEGATE(NUMERIC) or NEGATE(INTERVAL)"},
		{"=", []arrow.DataType{tInt32, tFloat64}, "BOOLEAN"},
		{"<", []arrow.DataType{TimestampType(3), tDate}, "error: < cannot take TIMESTAMP(3), DATE"},
		{"=", []arrow.DataType{tBool, tInt32}, "error: = cannot take BOOLEAN, INT"},
		{"AND", []arrow.DataType{tBool, tNull}, "BOOLEAN"},
		{"AND", []arrow.DataType{tBool, tInt32}, "error: AND cannot take BOOLEAN, INT; expected BOOLEAN AND BOOLEAN"},
		{"IS NULL", []arrow.DataType{arrow.ListOf(tInt32)}, "BOOLEAN"},
		{"CASE", []arrow.DataType{tBool, tInt16, tBool, tInt64}, "BIGINT"},
		{"CASE", []arrow.DataType{tBool, TimestampType(0), TimestampLTZType(3)}, "TIMESTAMP_LTZ(3)"},
		{"COALESCE", []arrow.DataType{tNull, dec(5, 2), tInt32}, "DECIMAL(12, 2)"},
		{"COALESCE", []arrow.DataType{str, tInt32}, "error: have no common type"},
		{"IF", []arrow.DataType{tBool, str, tNull}, "STRING"},
		{"NULLIF", []arrow.DataType{tInt32, tInt64}, "INT"},
		{"IN", []arrow.DataType{tInt32, tInt64, dec(5, 1)}, "BOOLEAN"},
		{"UPPER", []arrow.DataType{tInt32}, "error: UPPER cannot take INT; expected UPPER(STRING)"},
		{"UPPER", []arrow.DataType{}, "error: UPPER cannot take no arguments; expected UPPER(STRING)"},
		{"CONCAT", []arrow.DataType{str, str, tNull}, "STRING"},
		{"CONCAT", []arrow.DataType{tBinary, tBinary}, "BYTES"},
		{"SUBSTRING", []arrow.DataType{str, tInt8}, "STRING"},
		{"CHAR_LENGTH", []arrow.DataType{str}, "INT"},
		{"POSITION", []arrow.DataType{str, str}, "INT"},
		{"MD5", []arrow.DataType{tBinary}, "STRING"},
		{"EXTRACT", []arrow.DataType{str, tDate}, "error: the unit must be a literal"},
		{"YEAR", []arrow.DataType{TimestampLTZType(3)}, "BIGINT"},
		{"DATE_FORMAT", []arrow.DataType{TimestampType(3), str}, "STRING"},
		{"TO_TIMESTAMP", []arrow.DataType{str}, "TIMESTAMP(3)"},
		{"TO_DATE", []arrow.DataType{str, str}, "DATE"},
		{"FROM_UNIXTIME", []arrow.DataType{tInt64}, "STRING"},
		{"ABS", []arrow.DataType{tInt16}, "SMALLINT"},
		{"ROUND", []arrow.DataType{dec(10, 4)}, "DECIMAL(7, 0)"},
		{"ROUND", []arrow.DataType{tFloat32, tInt32}, "FLOAT"},
		{"FLOOR", []arrow.DataType{dec(10, 4)}, "DECIMAL(10, 0)"},
		{"FLOOR", []arrow.DataType{tInt64}, "BIGINT"},
		{"POWER", []arrow.DataType{tInt32, dec(5, 2)}, "DOUBLE"},
		{"SQRT", []arrow.DataType{str}, "error: SQRT cannot take STRING; expected SQRT(NUMERIC)"},
		{"SIGN", []arrow.DataType{tFloat32}, "FLOAT"},
		{"RAND_INTEGER", []arrow.DataType{tInt32}, "INT"},
		{"TYPEOF", []arrow.DataType{tIntervYM}, "STRING"},
	}
	for _, c := range cases {
		args := make([]vectorized.Expr, len(c.args))
		for i, dt := range c.args {
			args[i] = vectorized.Col(i, dt, "")
		}
		e, err := Call(c.fn, args...)
		if len(c.want) > 7 && c.want[:7] == "error: " {
			require.Error(t, err, "%s%v", c.fn, c.args)
			var se *SignatureError
			require.ErrorAs(t, err, &se)
			require.Equal(t, c.fn, se.Name)
			require.Len(t, se.Args, len(c.args))
			require.NotEmpty(t, se.Signatures)
			require.Contains(t, err.Error(), c.want[7:])
			continue
		}
		require.NoError(t, err, "%s%v", c.fn, c.args)
		require.Equal(t, c.want, SQLTypeName(e.DataType()), "%s%v", c.fn, c.args)
	}
}

func TestUnknownFunction(t *testing.T) {
	_, err := Call("no_such_fn", lit(t, 1, tInt32))
	var ue *UnknownFunctionError
	require.ErrorAs(t, err, &ue)
	require.Equal(t, "no_such_fn", ue.Name)
	require.Equal(t, "no function named no_such_fn", err.Error())
}

func TestFunctionsListing(t *testing.T) {
	names := Functions()
	require.True(t, sort.StringsAreSorted(names))
	for _, must := range []string{"+", "CASE", "IS NOT DISTINCT FROM", "SUBSTR", "SUBSTRING", "CEILING", "REGEXP_EXTRACT", "TO_TIMESTAMP_LTZ", "UUID"} {
		require.Contains(t, names, must)
	}
	// names resolve case-insensitively and with any spacing
	_, err := Call("is   not  null", lit(t, 1, tInt32))
	require.NoError(t, err)
	_, err = Call("upper", lit(t, "x", tString))
	require.NoError(t, err)
}

func TestRendering(t *testing.T) {
	rec := batch(t, col(t, tInt64, 1), col(t, tString, "x"), col(t, TimestampType(3), ts("2024-01-01 00:00:00")))
	defer rec.Release()
	r := []vectorized.Expr{vectorized.Col(0, tInt64, "a"), vectorized.Col(1, tString, "s"), vectorized.Col(2, TimestampType(3), "t")}
	cases := []struct {
		e    vectorized.Expr
		want string
	}{
		{call(t, "+", r[0], lit(t, 1, tInt32)), "(a + 1)"},
		{call(t, "UPPER", r[1]), "UPPER(s)"},
		{call(t, "TRIM", lit(t, "LEADING", tString), lit(t, "x", tString), r[1]), "TRIM(LEADING 'x' FROM s)"},
		{call(t, "EXTRACT", lit(t, "year", tString), r[2]), "EXTRACT(YEAR FROM t)"},
		{call(t, "FLOOR", r[2], lit(t, "hour", tString)), "FLOOR(t TO HOUR)"},
		{call(t, "TIMESTAMPADD", lit(t, "day", tString), r[0], r[2]), "TIMESTAMPADD(DAY, a, t)"},
		{call(t, "IS NULL", r[0]), "IS NULL(a)"},
		{call(t, "=", r[1], lit(t, "it's", tString)), "(s = 'it''s')"},
		{call(t, "=", r[2], lit(t, "2024-01-01", tString)), "(t = TIMESTAMP '2024-01-01 00:00:00.000')"},
		{lit(t, ts("2024-02-29"), tDate), "DATE '2024-02-29'"},
		{lit(t, []byte{1, 255}, tBinary), "X'01ff'"},
		{lit(t, nil, tInt32), "CAST(NULL AS INT)"},
		{call(t, "RAND", lit(t, 7, tInt32)), "RAND(7)"},
	}
	for _, c := range cases {
		require.Equal(t, c.want, c.e.String())
	}
}

func TestLiteralConversions(t *testing.T) {
	_, err := Literal(300, tInt8)
	require.ErrorContains(t, err, "out of range")
	_, err = Literal("x", tInt32)
	require.Error(t, err)
	_, err = Literal("12.3", dec(3, 2))
	require.Error(t, err)
	_, err = Literal(1, nil)
	require.Error(t, err)
	// a literal's broadcast column is reused for batches of the same length
	l := lit(t, int64(7), tInt64)
	rec := batch(t, col(t, tInt32, 1, 2, 3))
	defer rec.Release()
	a1, err := l.Eval(testCtx(), rec)
	require.NoError(t, err)
	a2, err := l.Eval(testCtx(), rec)
	require.NoError(t, err)
	require.Equal(t, []string{"7", "7", "7"}, render(a1))
	require.Same(t, a1, a2)
	a1.Release()
	a2.Release()
	// folded expressions are literals
	e := call(t, "+", lit(t, 1, tInt32), lit(t, 2, tInt32))
	_, ok := e.(*literalExpr)
	require.True(t, ok)
	require.Equal(t, "3", evalOne(t, e))
	// nondeterministic and zone-dependent calls are not folded
	_, ok = call(t, "RAND").(*literalExpr)
	require.False(t, ok)
	_, ok = call(t, "YEAR", lit(t, ts("2024-01-01 00:00:00"), TimestampLTZType(3))).(*literalExpr)
	require.False(t, ok)
}

func TestConcurrentEvaluation(t *testing.T) {
	// compiled expressions are shared by parallel tasks
	rec := batch(t, col(t, tInt64, 1, 0, nil, 5), col(t, tString, "a1", "b", "c3", nil))
	defer rec.Release()
	r := refs(rec)
	zero := lit(t, int64(0), tInt64)
	e := call(t, "CONCAT_WS", lit(t, "|", tString),
		must(Cast(call(t, "CASE", call(t, "=", r[0], zero), zero, call(t, "/", lit(t, int64(10), tInt64), r[0])), tString, false)),
		call(t, "REGEXP_EXTRACT", r[1], lit(t, "[0-9]", tString)),
		call(t, "UPPER", call(t, "COALESCE", r[1], lit(t, "none", tString))))
	want := []string{"10|1|A1", "0|B", "3|C3", "2|NONE"}
	done := make(chan []string, 8)
	for g := 0; g < 8; g++ {
		go func() {
			var got []string
			for k := 0; k < 50; k++ {
				arr, err := e.Eval(testCtx(), rec)
				if err != nil {
					done <- []string{err.Error()}
					return
				}
				got = render(arr)
				arr.Release()
			}
			done <- got
		}()
	}
	results := make([][]string, 8)
	for g := range results {
		results[g] = <-done
	}
	for _, got := range results {
		require.Equal(t, want, got)
	}
}
