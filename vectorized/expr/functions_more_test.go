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
