package expr

import (
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

func TestCaseIsLazy(t *testing.T) {
	// CASE WHEN x = 0 THEN 0 ELSE 10 / x END must not fail on x = 0
	rec := batch(t, col(t, tInt32, 0, 5, nil, 2, 0), col(t, tString, "a", "b", "c", "d", "e"))
	defer rec.Release()
	x := refs(rec)[0]
	zero, ten := lit(t, 0, tInt32), lit(t, 10, tInt32)
	e := call(t, "CASE", call(t, "=", x, zero), zero, call(t, "/", ten, x))
	require.Equal(t, tInt32, e.DataType())
	require.Equal(t, []string{"0", "2", "NULL", "5", "0"}, evalStrings(t, testCtx(), e, rec))
	require.Equal(t, "CASE WHEN (x = 0) THEN 0 ELSE (10 / x) END", renamed(e.String(), "c0", "x"))
	// IF behaves the same
	e = call(t, "IF", call(t, "<>", x, zero), call(t, "/", ten, x), lit(t, -1, tInt32))
	require.Equal(t, []string{"-1", "2", "-1", "5", "-1"}, evalStrings(t, testCtx(), e, rec))
	// the failing branch still fails where it is reached
	e = call(t, "CASE", call(t, ">", x, lit(t, 1, tInt32)), call(t, "/", ten, call(t, "-", x, lit(t, 2, tInt32))))
	err := evalErr(t, e, rec)
	require.Equal(t, "10 / 0: division by zero", err.Error())
}

func TestCaseConditionsAreLazyToo(t *testing.T) {
	// a later WHEN only sees rows no earlier WHEN claimed
	rec := batch(t, col(t, tInt32, 0, 4, 1))
	defer rec.Release()
	x := refs(rec)[0]
	zero := lit(t, 0, tInt32)
	e := call(t, "CASE",
		call(t, "=", x, zero), lit(t, "zero", tString),
		call(t, "=", call(t, "/", lit(t, 4, tInt32), x), lit(t, 1, tInt32)), lit(t, "four", tString),
		lit(t, "other", tString))
	require.Equal(t, []string{"zero", "four", "other"}, evalStrings(t, testCtx(), e, rec))
}

func TestCaseTypesAndShapes(t *testing.T) {
	rec := batch(t, col(t, tInt32, 1, 2, 3, 4), col(t, tFloat64, 0.5, 1.5, 2.5, 3.5), col(t, tString, "a", "b", nil, "d"))
	defer rec.Release()
	r := refs(rec)
	one, two := lit(t, 1, tInt32), lit(t, 2, tInt32)
	// branches widen to DOUBLE
	e := call(t, "CASE", call(t, "=", r[0], one), r[0], call(t, "=", r[0], two), r[1])
	require.Equal(t, tFloat64, e.DataType())
	require.Equal(t, []string{"1.0", "1.5", "NULL", "NULL"}, evalStrings(t, testCtx(), e, rec))
	// string branches with NULLs and an ELSE
	e = call(t, "CASE", call(t, ">", r[0], two), r[2], lit(t, "small", tString))
	require.Equal(t, []string{"small", "small", "NULL", "d"}, evalStrings(t, testCtx(), e, rec))
	// a NULL condition goes to ELSE
	e = call(t, "CASE", lit(t, nil, arrow.Null), one, two)
	require.Equal(t, []string{"2", "2", "2", "2"}, evalStrings(t, testCtx(), e, rec))
	// no common type
	_, err := Call("CASE", call(t, "=", r[0], one), r[0], r[2])
	var se *SignatureError
	require.ErrorAs(t, err, &se)
	require.Contains(t, err.Error(), "no common type")
	// a condition that is not BOOLEAN
	_, err = Call("CASE", r[0], r[0])
	require.ErrorAs(t, err, &se)
}

func TestCaseManyRowsBothPaths(t *testing.T) {
	// large enough for the full-batch path of branches that cannot fail and
	// the filtered path of those that can
	n := 1000
	vals := make([]any, n)
	for i := range vals {
		if i%7 == 0 {
			vals[i] = nil
		} else {
			vals[i] = int64(i % 10)
		}
	}
	rec := batch(t, col(t, tInt64, vals...))
	defer rec.Release()
	x := refs(rec)[0]
	e := call(t, "CASE", call(t, ">", x, lit(t, 0, tInt64)), call(t, "/", lit(t, 100, tInt64), x), call(t, "+", x, lit(t, 1000, tInt64)))
	got := evalStrings(t, testCtx(), e, rec)
	for i, v := range vals {
		want := "NULL"
		if v != nil {
			k := v.(int64)
			if k > 0 {
				want = itoa(100 / k)
			} else {
				want = itoa(k + 1000)
			}
		}
		require.Equal(t, want, got[i], "row %d", i)
	}
}

func TestCoalesceIsLazy(t *testing.T) {
	rec := batch(t, col(t, tInt32, 5, nil, nil), col(t, tInt32, 0, 2, nil))
	defer rec.Release()
	r := refs(rec)
	// 10 / c1 is only evaluated where c0 is NULL: row 0 (c1 = 0) is not reached
	e := call(t, "COALESCE", r[0], call(t, "/", lit(t, 10, tInt32), r[1]), lit(t, -1, tInt64))
	require.Equal(t, tInt64, e.DataType())
	require.Equal(t, []string{"5", "5", "-1"}, evalStrings(t, testCtx(), e, rec))
	require.Equal(t, []string{"5", "2", "NULL"}, evalStrings(t, testCtx(), call(t, "IFNULL", r[0], r[1]), rec))
	require.Equal(t, []string{"NULL", "NULL", "NULL"}, evalStrings(t, testCtx(), call(t, "COALESCE", lit(t, nil, arrow.Null), lit(t, nil, tInt32)), rec))
	require.Equal(t, []string{"NULL", "NULL", "NULL"}, evalStrings(t, testCtx(), call(t, "NULLIF", r[0], r[0]), rec))
	require.Equal(t, []string{"5", "NULL", "NULL"}, evalStrings(t, testCtx(), call(t, "NULLIF", r[0], r[1]), rec))
	require.Equal(t, "NULLIF(c0, c1)", call(t, "NULLIF", r[0], r[1]).String())
}

func TestInList(t *testing.T) {
	rec := batch(t, col(t, tInt32, 1, 2, 3, nil), col(t, tString, "a", "b", "é", nil), col(t, tInt64, 3, 3, 3, 3))
	defer rec.Release()
	r := refs(rec)
	in := func(name string, x vectorized.Expr, items ...vectorized.Expr) []string {
		return evalStrings(t, testCtx(), call(t, name, append([]vectorized.Expr{x}, items...)...), rec)
	}
	one, two := lit(t, 1, tInt32), lit(t, int64(2), tInt64)
	null := lit(t, nil, arrow.Null)
	// literal lists (hash set path)
	require.Equal(t, []string{"TRUE", "TRUE", "FALSE", "NULL"}, in("IN", r[0], one, two))
	require.Equal(t, []string{"FALSE", "FALSE", "TRUE", "NULL"}, in("NOT IN", r[0], one, two))
	// SQL: no match and a NULL in the list is NULL
	require.Equal(t, []string{"TRUE", "NULL", "NULL", "NULL"}, in("IN", r[0], one, null))
	require.Equal(t, []string{"FALSE", "NULL", "NULL", "NULL"}, in("NOT IN", r[0], one, null))
	require.Equal(t, []string{"FALSE", "TRUE", "TRUE", "NULL"}, in("IN", r[1], lit(t, "é", tString), lit(t, "b", tString)))
	// a column in the list (comparison path)
	require.Equal(t, []string{"TRUE", "FALSE", "TRUE", "NULL"}, in("IN", r[0], one, r[2]))
	require.Equal(t, []string{"FALSE", "TRUE", "FALSE", "NULL"}, in("NOT IN", r[0], one, r[2]))
	require.Equal(t, "c0 IN (1, c2)", call(t, "IN", r[0], one, r[2]).String())
	_, err := Call("IN", r[0], lit(t, "x", tString))
	require.Error(t, err)
}

func TestBetween(t *testing.T) {
	rec := batch(t, col(t, tInt32, 1, 5, 10, nil, 7), col(t, tInt32, 2, 2, 2, 2, nil))
	defer rec.Release()
	r := refs(rec)
	ten := lit(t, 10, tInt32)
	// x BETWEEN lo AND hi is x >= lo AND x <= hi (ASYMMETRIC)
	require.Equal(t, []string{"FALSE", "TRUE", "TRUE", "NULL", "NULL"}, evalStrings(t, testCtx(), call(t, "BETWEEN", r[0], r[1], ten), rec))
	require.Equal(t, []string{"TRUE", "FALSE", "FALSE", "NULL", "NULL"}, evalStrings(t, testCtx(), call(t, "NOT BETWEEN", r[0], r[1], ten), rec))
	// 3VL: 10 NOT BETWEEN NULL AND 5 is TRUE (10 > 5)
	e := call(t, "NOT BETWEEN", ten, r[1], lit(t, 5, tInt32))
	require.Equal(t, []string{"TRUE", "TRUE", "TRUE", "TRUE", "TRUE"}, evalStrings(t, testCtx(), e, rec))
	// reversed bounds never match
	require.Equal(t, []string{"FALSE", "FALSE", "FALSE", "NULL", "FALSE"}, evalStrings(t, testCtx(), call(t, "BETWEEN", r[0], ten, lit(t, 1, tInt32)), rec))
	require.Equal(t, "c0 BETWEEN c1 AND 10", call(t, "BETWEEN", r[0], r[1], ten).String())
}

func TestLike(t *testing.T) {
	vals := []any{"abc", "abcd", "xabc", "a_c", "a%c", "", nil, "ABC", "a\nc", "日本語"}
	rec := batch(t, col(t, tString, vals...))
	defer rec.Release()
	s := refs(rec)[0]
	cases := []struct {
		fn, pattern, escape string
		want                []string
	}{
		{"LIKE", "abc", "", []string{"TRUE", "FALSE", "FALSE", "FALSE", "FALSE", "FALSE", "NULL", "FALSE", "FALSE", "FALSE"}},
		{"LIKE", "abc%", "", []string{"TRUE", "TRUE", "FALSE", "FALSE", "FALSE", "FALSE", "NULL", "FALSE", "FALSE", "FALSE"}},
		{"LIKE", "%abc", "", []string{"TRUE", "FALSE", "TRUE", "FALSE", "FALSE", "FALSE", "NULL", "FALSE", "FALSE", "FALSE"}},
		{"LIKE", "%bc%", "", []string{"TRUE", "TRUE", "TRUE", "FALSE", "FALSE", "FALSE", "NULL", "FALSE", "FALSE", "FALSE"}},
		{"LIKE", "a_c", "", []string{"TRUE", "FALSE", "FALSE", "TRUE", "TRUE", "FALSE", "NULL", "FALSE", "FALSE", "FALSE"}}, // _ is no line terminator
		{"LIKE", "%", "", []string{"TRUE", "TRUE", "TRUE", "TRUE", "TRUE", "TRUE", "NULL", "TRUE", "TRUE", "TRUE"}},
		{"LIKE", "", "", []string{"FALSE", "FALSE", "FALSE", "FALSE", "FALSE", "TRUE", "NULL", "FALSE", "FALSE", "FALSE"}},
		{"LIKE", "a%c%", "", []string{"TRUE", "TRUE", "FALSE", "TRUE", "TRUE", "FALSE", "NULL", "FALSE", "TRUE", "FALSE"}},
		{"LIKE", "_本_", "", []string{"FALSE", "FALSE", "FALSE", "FALSE", "FALSE", "FALSE", "NULL", "FALSE", "FALSE", "TRUE"}},
		{"LIKE", "a!_c", "!", []string{"FALSE", "FALSE", "FALSE", "TRUE", "FALSE", "FALSE", "NULL", "FALSE", "FALSE", "FALSE"}},
		{"LIKE", "a!%c", "!", []string{"FALSE", "FALSE", "FALSE", "FALSE", "TRUE", "FALSE", "NULL", "FALSE", "FALSE", "FALSE"}},
		{"NOT LIKE", "abc%", "", []string{"FALSE", "FALSE", "TRUE", "TRUE", "TRUE", "TRUE", "NULL", "TRUE", "TRUE", "TRUE"}},
		{"SIMILAR TO", "(abc|xabc)d?", "", []string{"TRUE", "TRUE", "TRUE", "FALSE", "FALSE", "FALSE", "NULL", "FALSE", "FALSE", "FALSE"}},
		{"SIMILAR TO", "[a-c]%", "", []string{"TRUE", "TRUE", "FALSE", "TRUE", "TRUE", "FALSE", "NULL", "FALSE", "TRUE", "FALSE"}},
		{"SIMILAR TO", "a.c", "", []string{"FALSE", "FALSE", "FALSE", "FALSE", "FALSE", "FALSE", "NULL", "FALSE", "FALSE", "FALSE"}},
		{"NOT SIMILAR TO", "a_c", "", []string{"FALSE", "TRUE", "TRUE", "FALSE", "FALSE", "TRUE", "NULL", "TRUE", "TRUE", "TRUE"}},
	}
	for _, tc := range cases {
		args := []vectorized.Expr{s, lit(t, tc.pattern, tString)}
		if tc.escape != "" {
			args = append(args, lit(t, tc.escape, tString))
		}
		require.Equal(t, tc.want, evalStrings(t, testCtx(), call(t, tc.fn, args...), rec), "%s %q", tc.fn, tc.pattern)
		// the same pattern as a column (compiled per row)
		patCol := make([]any, len(vals))
		for i := range patCol {
			patCol[i] = tc.pattern
		}
		rec2 := batch(t, col(t, tString, vals...), col(t, tString, patCol...))
		r2 := refs(rec2)
		args2 := []vectorized.Expr{r2[0], r2[1]}
		if tc.escape != "" {
			args2 = append(args2, lit(t, tc.escape, tString))
		}
		require.Equal(t, tc.want, evalStrings(t, testCtx(), call(t, tc.fn, args2...), rec2), "%s %q per row", tc.fn, tc.pattern)
		rec2.Release()
	}
	// Flink: the escape must be one character and escape only %, _ or itself
	_, err := Call("LIKE", s, lit(t, "a!", tString), lit(t, "!", tString))
	require.ErrorContains(t, err, "invalid escape sequence")
	_, err = Call("LIKE", s, lit(t, "a", tString), lit(t, "!!", tString))
	require.ErrorContains(t, err, "invalid escape character")
	_, err = Call("LIKE", s, lit(t, 1, tInt32))
	var se *SignatureError
	require.ErrorAs(t, err, &se)
}

func TestTemporalArithmetic(t *testing.T) {
	day := int64(86_400_000)
	rec := batch(t,
		col(t, tDate, ts("2024-02-28"), ts("2024-02-29"), nil),
		col(t, tIntervDT, day, 36*3_600_000, day),
		col(t, tIntervYM, 12, 1, 1),
		col(t, TimestampType(3), ts("2024-02-29 23:00:00"), ts("2024-01-31 10:00:00.5"), ts("1970-01-01 00:00:00")),
		col(t, TimeType(0), 23*time.Hour, time.Duration(0), time.Hour),
	)
	defer rec.Release()
	r := refs(rec)
	ev := func(name string, a, b vectorized.Expr) []string {
		return evalStrings(t, testCtx(), call(t, name, a, b), rec)
	}
	require.Equal(t, []string{"2024-02-29", "2024-03-01", "NULL"}, ev("+", r[0], r[1]))
	require.Equal(t, []string{"2024-02-29", "2024-03-01", "NULL"}, ev("+", r[1], r[0]))
	require.Equal(t, []string{"2025-02-28", "2024-03-29", "NULL"}, ev("+", r[0], r[2]))
	require.Equal(t, []string{"2023-02-28", "2024-01-29", "NULL"}, ev("-", r[0], r[2]))
	require.Equal(t, []string{"2024-03-01 23:00:00.000", "2024-02-01 22:00:00.500", "1970-01-02 00:00:00.000"}, ev("+", r[3], r[1]))
	require.Equal(t, []string{"2025-02-28 23:00:00.000", "2024-02-29 10:00:00.500", "1970-02-01 00:00:00.000"}, ev("+", r[3], r[2]))
	require.Equal(t, []string{"23:00:00.0", "12:00:00.0", "01:00:00.0"}, ev("+", r[4], r[1])[:3])
	require.Equal(t, []string{"+2 00:00:00.000", "+3 00:00:00.000", "+2 00:00:00.000"}, ev("+", r[1], r[1]))
	require.Equal(t, []string{"+0 00:00:00.000", "+0 00:00:00.000", "+0 00:00:00.000"}, ev("-", r[1], r[1]))
	require.Equal(t, []string{"+2-00", "+0-02", "+0-02"}, ev("+", r[2], r[2]))
	diff := call(t, "-", r[3], call(t, "+", r[3], r[1]))
	require.Equal(t, tIntervDT, diff.DataType())
	require.Equal(t, []string{"-1 00:00:00.000", "-1 12:00:00.000", "-1 00:00:00.000"}, evalStrings(t, testCtx(), diff, rec))
	require.Equal(t, []string{"+2 00:00:00.000", "+3 00:00:00.000", "+2 00:00:00.000"}, ev("*", r[1], lit(t, 2, tInt32)))
	require.Equal(t, []string{"-0 12:00:00.000", "-0 18:00:00.000", "-0 12:00:00.000"}, ev("/", call(t, "NEGATE", r[1]), lit(t, 2, tInt32)))
	require.Equal(t, []string{"+1 00:00:00.000", "+1 00:00:00.000", "NULL"}, evalStrings(t, testCtx(), call(t, "-", call(t, "+", r[0], r[1]), r[0]), rec))
}

func renamed(s, from, to string) string {
	out := ""
	for i := 0; i < len(s); {
		if i+len(from) <= len(s) && s[i:i+len(from)] == from {
			out += to
			i += len(from)
			continue
		}
		out += string(s[i])
		i++
	}
	return out
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
