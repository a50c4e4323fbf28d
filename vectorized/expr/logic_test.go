package expr

import (
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/require"
)

func TestComparisons(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		dt   arrow.DataType
		a, b []any
		// results of = <> < <= > >=
		eq, ne, lt, le, gt, ge []string
	}{
		{tInt32, []any{1, 2, 3, nil}, []any{2, 2, 2, 1},
			[]string{"FALSE", "TRUE", "FALSE", "NULL"}, []string{"TRUE", "FALSE", "TRUE", "NULL"},
			[]string{"TRUE", "FALSE", "FALSE", "NULL"}, []string{"TRUE", "TRUE", "FALSE", "NULL"},
			[]string{"FALSE", "FALSE", "TRUE", "NULL"}, []string{"FALSE", "TRUE", "TRUE", "NULL"}},
		// Flink compares doubles as Java primitives: NaN is unequal to itself, -0.0 == 0.0
		{tFloat64, []any{nan, -0.0, 1.5}, []any{nan, 0.0, math.Inf(1)},
			[]string{"FALSE", "TRUE", "FALSE"}, []string{"TRUE", "FALSE", "TRUE"},
			[]string{"FALSE", "FALSE", "TRUE"}, []string{"FALSE", "TRUE", "TRUE"},
			[]string{"FALSE", "FALSE", "FALSE"}, []string{"FALSE", "TRUE", "FALSE"}},
		// strings compare by code point; '' sorts first
		{tString, []any{"a", "", "é", "abc"}, []any{"b", "a", "z", "abc"},
			[]string{"FALSE", "FALSE", "FALSE", "TRUE"}, []string{"TRUE", "TRUE", "TRUE", "FALSE"},
			[]string{"TRUE", "TRUE", "FALSE", "FALSE"}, []string{"TRUE", "TRUE", "FALSE", "TRUE"},
			[]string{"FALSE", "FALSE", "TRUE", "FALSE"}, []string{"FALSE", "FALSE", "TRUE", "TRUE"}},
		{tBool, []any{false, true, true}, []any{true, true, false},
			[]string{"FALSE", "TRUE", "FALSE"}, []string{"TRUE", "FALSE", "TRUE"},
			[]string{"TRUE", "FALSE", "FALSE"}, []string{"TRUE", "TRUE", "FALSE"},
			[]string{"FALSE", "FALSE", "TRUE"}, []string{"FALSE", "TRUE", "TRUE"}},
		{dec(10, 2), []any{"1.50", "-3.00"}, []any{"1.5", "2"},
			[]string{"TRUE", "FALSE"}, []string{"FALSE", "TRUE"}, []string{"FALSE", "TRUE"},
			[]string{"TRUE", "TRUE"}, []string{"FALSE", "FALSE"}, []string{"TRUE", "FALSE"}},
		{tDate, []any{ts("2024-02-29"), ts("1969-12-31")}, []any{ts("2024-03-01"), ts("1969-12-31")},
			[]string{"FALSE", "TRUE"}, []string{"TRUE", "FALSE"}, []string{"TRUE", "FALSE"},
			[]string{"TRUE", "TRUE"}, []string{"FALSE", "FALSE"}, []string{"FALSE", "TRUE"}},
		{tBinary, []any{[]byte{1, 2}, []byte{}}, []any{[]byte{1, 3}, []byte{0}},
			[]string{"FALSE", "FALSE"}, []string{"TRUE", "TRUE"}, []string{"TRUE", "TRUE"},
			[]string{"TRUE", "TRUE"}, []string{"FALSE", "FALSE"}, []string{"FALSE", "FALSE"}},
	}
	for _, tc := range cases {
		t.Run(SQLTypeName(tc.dt), func(t *testing.T) {
			rec := batch(t, col(t, tc.dt, tc.a...), col(t, tc.dt, tc.b...))
			defer rec.Release()
			r := refs(rec)
			for op, want := range map[string][]string{"=": tc.eq, "<>": tc.ne, "<": tc.lt, "<=": tc.le, ">": tc.gt, ">=": tc.ge} {
				require.Equal(t, want, evalStrings(t, testCtx(), call(t, op, r[0], r[1]), rec), op)
				// literal on the right takes the scalar path
				l := lit(t, tc.b[0], tc.dt)
				got := evalStrings(t, testCtx(), call(t, op, r[0], l), rec)
				require.Equal(t, want[0], got[0], "%s with literal", op)
			}
		})
	}
}

func TestComparisonWidening(t *testing.T) {
	rec := batch(t, col(t, tInt32, 1, 2), col(t, tFloat64, 1.0, 2.5), col(t, dec(5, 2), "1.00", "2.01"),
		col(t, TimestampType(3), ts("2024-02-29 00:00:00"), ts("2024-02-29 10:00:00")), col(t, tDate, ts("2024-02-29"), ts("2024-02-29")),
		col(t, tString, "2024-02-29", "not a date"))
	defer rec.Release()
	r := refs(rec)
	require.Equal(t, []string{"TRUE", "FALSE"}, evalStrings(t, testCtx(), call(t, "=", r[0], r[1]), rec))
	require.Equal(t, []string{"TRUE", "FALSE"}, evalStrings(t, testCtx(), call(t, "=", r[0], r[2]), rec))
	require.Equal(t, []string{"TRUE", "FALSE"}, evalStrings(t, testCtx(), call(t, "<=", r[1], r[2]), rec))
	// Flink compares a TIMESTAMP with a DATE only after a CAST
	_, err := Call("=", r[3], r[4])
	require.ErrorContains(t, err, "only after a CAST")
	asTS, err := Cast(r[4], TimestampType(3), false)
	require.NoError(t, err)
	require.Equal(t, []string{"TRUE", "FALSE"}, evalStrings(t, testCtx(), call(t, "=", r[3], asTS), rec))
	// Flink casts a string compared with a date to a DATE; unparsable is NULL
	require.Equal(t, []string{"TRUE", "NULL"}, evalStrings(t, testCtx(), call(t, "=", r[4], r[5]), rec))
	require.Equal(t, []string{"TRUE", "NULL"}, evalStrings(t, testCtx(), call(t, "=", r[5], r[4]), rec))
	// a literal NULL compares as NULL
	require.Equal(t, []string{"NULL", "NULL"}, evalStrings(t, testCtx(), call(t, "=", r[0], lit(t, nil, arrow.Null)), rec))
	// Flink refuses to compare numbers with strings
	_, err = Call("=", r[0], r[5])
	var se *SignatureError
	require.ErrorAs(t, err, &se)
	require.Contains(t, err.Error(), "implicit type conversion between INT and STRING is not supported")
	_, err = Call("<", r[0], lit(t, true, tBool))
	require.ErrorAs(t, err, &se)
}

func TestThreeValuedLogic(t *testing.T) {
	// every combination of TRUE, FALSE and NULL
	vals := []any{true, false, nil}
	var as, bs []any
	for _, a := range vals {
		for _, b := range vals {
			as, bs = append(as, a), append(bs, b)
		}
	}
	rec := batch(t, col(t, tBool, as...), col(t, tBool, bs...))
	defer rec.Release()
	r := refs(rec)
	//               T,T     T,F      T,N     F,T      F,F      F,N      N,T     N,F      N,N
	and := []string{"TRUE", "FALSE", "NULL", "FALSE", "FALSE", "FALSE", "NULL", "FALSE", "NULL"}
	or := []string{"TRUE", "TRUE", "TRUE", "TRUE", "FALSE", "NULL", "TRUE", "NULL", "NULL"}
	require.Equal(t, and, evalStrings(t, testCtx(), call(t, "AND", r[0], r[1]), rec))
	require.Equal(t, or, evalStrings(t, testCtx(), call(t, "or", r[0], r[1]), rec))
	require.Equal(t, []string{"FALSE", "FALSE", "FALSE", "TRUE", "TRUE", "TRUE", "NULL", "NULL", "NULL"},
		evalStrings(t, testCtx(), call(t, "NOT", r[0]), rec))
	is := func(name string) []string { return evalStrings(t, testCtx(), call(t, name, r[1]), rec) }
	// r[1] is T,F,N repeated
	require.Equal(t, []string{"FALSE", "FALSE", "TRUE"}, is("IS NULL")[:3])
	require.Equal(t, []string{"TRUE", "TRUE", "FALSE"}, is("IS NOT NULL")[:3])
	require.Equal(t, []string{"TRUE", "FALSE", "FALSE"}, is("IS TRUE")[:3])
	require.Equal(t, []string{"FALSE", "TRUE", "FALSE"}, is("IS FALSE")[:3])
	require.Equal(t, []string{"FALSE", "TRUE", "TRUE"}, is("IS NOT TRUE")[:3])
	require.Equal(t, []string{"TRUE", "FALSE", "TRUE"}, is("IS NOT FALSE")[:3])
	// n-ary AND with a literal NULL
	three := call(t, "AND", r[0], r[1], lit(t, nil, arrow.Null))
	require.Equal(t, []string{"NULL", "FALSE", "NULL", "FALSE", "FALSE", "FALSE", "NULL", "FALSE", "NULL"},
		evalStrings(t, testCtx(), three, rec))
	require.Equal(t, "(c0 AND c1 AND CAST(NULL AS BOOLEAN))", three.String())
}

func TestLogicOverLongSlicedBatch(t *testing.T) {
	// 200 rows sliced at an odd offset exercise the word-at-a-time paths
	n := 203
	a, b := make([]any, n), make([]any, n)
	for i := range a {
		switch i % 3 {
		case 0:
			a[i] = true
		case 1:
			a[i] = false
		}
		switch i % 5 {
		case 0, 1:
			b[i] = true
		case 2:
			b[i] = nil
		default:
			b[i] = false
		}
	}
	rec := batch(t, sliceArr(col(t, tBool, a...), 3, 203), sliceArr(col(t, tBool, b...), 3, 203))
	defer rec.Release()
	r := refs(rec)
	got := evalStrings(t, testCtx(), call(t, "AND", r[0], r[1]), rec)
	for i, g := range got {
		x, y := a[i+3], b[i+3]
		want := "NULL"
		switch {
		case x == false || y == false:
			want = "FALSE"
		case x == true && y == true:
			want = "TRUE"
		}
		require.Equal(t, want, g, "row %d", i)
	}
}

func TestIsDistinctFrom(t *testing.T) {
	rec := batch(t, col(t, tInt32, 1, 1, nil, nil), col(t, tInt64, 1, 2, 1, nil))
	defer rec.Release()
	r := refs(rec)
	require.Equal(t, []string{"FALSE", "TRUE", "TRUE", "FALSE"}, evalStrings(t, testCtx(), call(t, "IS DISTINCT FROM", r[0], r[1]), rec))
	require.Equal(t, []string{"TRUE", "FALSE", "FALSE", "TRUE"}, evalStrings(t, testCtx(), call(t, "is not distinct from", r[0], r[1]), rec))
}

func TestAndSkipsRowsAlreadyFalse(t *testing.T) {
	// Flink short-circuits AND/OR: x <> 0 AND 10 / x > 1 never divides by zero
	rec := batch(t, col(t, tInt32, 0, 5, 20, nil))
	defer rec.Release()
	x := refs(rec)[0]
	ten := lit(t, 10, tInt32)
	zero := lit(t, 0, tInt32)
	div := call(t, ">", call(t, "/", ten, x), lit(t, 1, tInt32))
	and := call(t, "AND", call(t, "<>", x, zero), div)
	require.Equal(t, []string{"FALSE", "TRUE", "FALSE", "NULL"}, evalStrings(t, testCtx(), and, rec))
	or := call(t, "OR", call(t, "=", x, zero), div)
	require.Equal(t, []string{"TRUE", "TRUE", "FALSE", "NULL"}, evalStrings(t, testCtx(), or, rec))
	// without the guard the division fails, naming the values
	err := evalErr(t, div, rec)
	require.Equal(t, "10 / 0: division by zero", err.Error())
}
