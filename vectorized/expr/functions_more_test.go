package expr

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

// The samples of functions_more.go; every value is Flink 2.3's for the
// same call (table/testdata/sql/functions2.test runs them through SQL).
func init() {
	samples = append(samples, []sample{
		{"GREATEST", []arg{I32(1), I32(3), I32(2)}, "3"},
		{"GREATEST", []arg{I32(1), Dec("2.5", 2, 1)}, "2.5"},
		{"GREATEST", []arg{S("a"), S("bc")}, "bc"},
		{"GREATEST", []arg{D(math.NaN()), D(1)}, "NaN"},
		{"GREATEST", []arg{D(-0.0), D(0)}, "0.0"},
		{"GREATEST", []arg{Date("2024-01-01"), Date("2023-01-01")}, "2024-01-01"},
		{"LEAST", []arg{I32(1), I(2)}, "1"},
		{"LEAST", []arg{S("a"), S("bc"), S("ab")}, "a"},
		{"LEAST", []arg{D(math.NaN()), D(1)}, "1.0"},
		{"LEAST", []arg{TS("2024-01-01 00:00:00", 0), TS("2023-01-01 10:00:00", 0)}, "2023-01-01 10:00:00"},
		{"LEFT", []arg{S("hello"), I32(2)}, "he"},
		{"LEFT", []arg{S("héllo"), I32(2)}, "hé"},
		{"LEFT", []arg{S("hello"), I32(-1)}, ""},
		{"LEFT", []arg{S("hello"), I32(10)}, "hello"},
		{"RIGHT", []arg{S("héllo"), I32(4)}, "éllo"},
		{"RIGHT", []arg{S("hello"), I32(0)}, ""},
		{"RIGHT", []arg{S("hello"), I32(10)}, "hello"},
		{"BIN", []arg{I32(12)}, "1100"},
		{"BIN", []arg{I32(0)}, "0"},
		{"BIN", []arg{I32(-1)}, "1111111111111111111111111111111111111111111111111111111111111111"},
		{"HEX", []arg{I32(255)}, "FF"},
		{"HEX", []arg{I32(-2)}, "FFFFFFFFFFFFFFFE"},
		{"HEX", []arg{S("中")}, "E4B8AD"},
		{"HEX", []arg{S("")}, ""},
	}...)
}

func TestGreatestLeastRejects(t *testing.T) {
	for _, c := range []struct {
		name string
		args []arg
		want string
	}{
		{"GREATEST", []arg{I32(1), S("a")}, "are not"},
		{"LEAST", []arg{I32(1), Null(tNull)}, "untyped NULL"},
	} {
		var args []vectorized.Expr
		for _, a := range c.args {
			args = append(args, lit(t, a.v, a.dt))
		}
		_, err := Call(c.name, args...)
		require.ErrorContains(t, err, c.want)
	}
}

func TestUSWeekOfYear(t *testing.T) {
	// Flink 2.3's DATE_FORMAT(d, 'w')
	for d, w := range map[string]int64{
		"2024-01-01": 1, "2024-12-28": 52, "2024-12-29": 1, "2024-12-31": 1, "2025-01-04": 1, "2025-01-05": 2,
		"2022-12-31": 53, "2023-01-01": 1, "2016-01-02": 1, "2016-01-03": 2, "2024-06-15": 24, "2020-12-31": 1,
	} {
		var y, m, dd int
		_, err := fmt.Sscanf(d, "%d-%d-%d", &y, &m, &dd)
		require.NoError(t, err)
		require.Equal(t, w, usWeekOfYear(civilDays(y, m, dd), y), d)
	}
}

// TestNotSupportedYetIsStale keeps the table of missing Flink built-ins
// honest: a function registered since must leave it.
func TestNotSupportedYetIsStale(t *testing.T) {
	for n := range notSupportedYet {
		_, registered := registry[n]
		require.False(t, registered, "%s is registered; drop it from notSupportedYet", n)
		require.True(t, NotSupportedYet(n))
	}
	require.False(t, NotSupportedYet("GREATEST"))
}

func init() {
	samples = append(samples, []sample{
		{"STARTSWITH", []arg{S("hello"), S("he")}, "TRUE"},
		{"STARTSWITH", []arg{S("hello"), S("")}, "TRUE"},
		{"ENDSWITH", []arg{S("hello"), S("he")}, "FALSE"},
		{"INSTR", []arg{S("héllo"), S("l")}, "3"},
		{"INSTR", []arg{S("hello"), S("z")}, "0"},
		{"BTRIM", []arg{S("  ab  ")}, "ab"},
		{"BTRIM", []arg{S("abcba"), S("ab")}, "c"},
		{"URL_ENCODE", []arg{S("a b&c=d/é")}, "a+b%26c%3Dd%2F%C3%A9"},
		{"URL_ENCODE", []arg{S("*-._~")}, "*-._%7E"},
		{"URL_DECODE", []arg{S("a+b%26c%3Dd%2F%C3%A9")}, "a b&c=d/é"},
		{"URL_DECODE", []arg{S("%zz")}, "NULL"},
		// kept literal: a NULL argument gives FALSE (TestStringTests)
		{"IS_DIGIT", []arg{K("123", tString)}, "TRUE"},
		{"IS_ALPHA", []arg{K("ab1", tString)}, "FALSE"},
		{"IS_DECIMAL", []arg{K("-1.5e3", tString)}, "TRUE"},
	}...)
}

// IS_DIGIT, IS_ALPHA and IS_DECIMAL are FALSE, not NULL, for NULL.
func TestStringTests(t *testing.T) {
	for _, c := range []struct {
		fn   string
		in   any
		want string
	}{
		{"IS_DIGIT", "123", "TRUE"}, {"IS_DIGIT", "12a", "FALSE"}, {"IS_DIGIT", "", "FALSE"},
		{"IS_DIGIT", "١٢", "TRUE"}, {"IS_DIGIT", nil, "FALSE"},
		{"IS_ALPHA", "abc", "TRUE"}, {"IS_ALPHA", "ab1", "FALSE"}, {"IS_ALPHA", "é", "TRUE"}, {"IS_ALPHA", nil, "FALSE"},
		{"IS_DECIMAL", "1.5", "TRUE"}, {"IS_DECIMAL", "1e5", "TRUE"}, {"IS_DECIMAL", " 1", "TRUE"},
		{"IS_DECIMAL", ".5", "TRUE"}, {"IS_DECIMAL", "NaN", "TRUE"}, {"IS_DECIMAL", "abc", "FALSE"},
		{"IS_DECIMAL", "", "FALSE"}, {"IS_DECIMAL", nil, "FALSE"},
	} {
		e, err := Call(c.fn, lit(t, c.in, tString))
		require.NoError(t, err)
		require.Equal(t, c.want, evalOne(t, e), "%s(%v)", c.fn, c.in)
	}
}

// ARRAY_CONTAINS over a three-row batch (a: BIGINT with a NULL).
func TestArrayContains(t *testing.T) {
	a := col(t, tInt64, int64(1), nil, int64(3))
	rec := batch(t, a)
	defer rec.Release()
	ca := vectorized.Col(0, tInt64, "a")
	arr := call(t, "ARRAY", ca, lit(t, int64(10), tInt64)) // [a, 10]
	for _, c := range []struct {
		e    vectorized.Expr
		want []string
	}{
		{call(t, "ARRAY_CONTAINS", arr, lit(t, int64(10), tInt64)), []string{"TRUE", "TRUE", "TRUE"}},
		{call(t, "ARRAY_CONTAINS", arr, lit(t, int64(3), tInt64)), []string{"FALSE", "FALSE", "TRUE"}},
		// a NULL needle finds a NULL element
		{call(t, "ARRAY_CONTAINS", arr, lit(t, nil, tInt64)), []string{"FALSE", "TRUE", "FALSE"}},
		{call(t, "ARRAY_CONTAINS", call(t, "ARRAY", lit(t, int64(1), tInt64)), ca), []string{"TRUE", "FALSE", "FALSE"}},
		{call(t, "ARRAY_CONTAINS", call(t, "ARRAY", lit(t, math.NaN(), tFloat64)), lit(t, math.NaN(), tFloat64)), []string{"FALSE", "FALSE", "FALSE"}},
	} {
		require.Equal(t, c.want, evalStrings(t, testCtx(), c.e, rec), "%s", c.e)
	}
	_, err := Call("ARRAY_CONTAINS", arr, lit(t, "x", tString))
	require.ErrorContains(t, err, "does not take STRING")
}

func init() {
	samples = append(samples, []sample{
		// kept literals: only the chosen argument's NULL makes ELT NULL
		{"ELT", []arg{I32(2), K("a", tString), S("b")}, "b"},
		{"ELT", []arg{I32(3), K("a", tString), K("b", tString)}, "NULL"},
		// kept literals: a NULL from or to does not make TRANSLATE NULL
		{"TRANSLATE", []arg{S("hello"), K("el", tString), K("ip", tString)}, "hippo"},
		{"TRANSLATE", []arg{S("hello"), K("elo", tString), K("i", tString)}, "hi"},
		{"TRANSLATE", []arg{S("aab"), K("aa", tString), K("xy", tString)}, "xxb"},
		{"INET_ATON", []arg{S("127.0.0.1")}, "2130706433"},
		{"INET_ATON", []arg{S("1.2.3")}, "16908291"},
		{"INET_ATON", []arg{S("256.0.0.1")}, "NULL"},
		{"INET_NTOA", []arg{I(2130706433)}, "127.0.0.1"},
		{"INET_NTOA", []arg{I(4294967296)}, "NULL"},
	}...)
}

func TestTranslateNulls(t *testing.T) {
	for _, c := range []struct {
		s, from, to any
		want        string
	}{
		{nil, "a", "b", "NULL"}, {"abc", nil, "x", "abc"}, {"abc", "a", nil, "bc"}, {"héllo", "é", "e", "hello"},
	} {
		e, err := Call("TRANSLATE", lit(t, c.s, tString), lit(t, c.from, tString), lit(t, c.to, tString))
		require.NoError(t, err)
		require.Equal(t, c.want, evalOne(t, e))
	}
	_, err := Call("ELT", lit(t, int64(-1), tInt64), lit(t, "a", tString))
	require.ErrorContains(t, err, "starting from 0")
}

func TestSplit(t *testing.T) {
	s := col(t, tString, "a,b,,c", "", "a,,", nil)
	rec := batch(t, s)
	defer rec.Release()
	cs := vectorized.Col(0, tString, "s")
	require.Equal(t, []string{`["a","b","","c"]`, `[]`, `["a","",""]`, "NULL"},
		compositeValues(t, call(t, "SPLIT", cs, lit(t, ",", tString)), rec))
	require.Equal(t, []string{`["a",",","b",",",",","c"]`, `[]`, `["a",",",","]`, "NULL"},
		compositeValues(t, call(t, "SPLIT", cs, lit(t, "", tString)), rec))
	require.Equal(t, []string{"NULL", "NULL", "NULL", "NULL"},
		compositeValues(t, call(t, "SPLIT", cs, lit(t, nil, tString)), rec))
}
