package expr

import (
	"fmt"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

// arrayFunctionsTested are exercised here (their arguments are ARRAY and
// MAP values, which the samples cannot build).
var arrayFunctionsTested = []string{"ARRAY_APPEND", "ARRAY_PREPEND", "ARRAY_CONCAT", "ARRAY_REVERSE", "ARRAY_SLICE",
	"ARRAY_DISTINCT", "ARRAY_REMOVE", "ARRAY_POSITION", "ARRAY_EXCEPT", "ARRAY_INTERSECT", "ARRAY_UNION", "ARRAY_SORT",
	"ARRAY_MAX", "ARRAY_MIN", "ARRAY_JOIN", "MAP_KEYS", "MAP_VALUES", "MAP_ENTRIES", "REGEXP_EXTRACT_ALL",
	"MAP_FROM_ARRAYS", "MAP_UNION", "STR_TO_MAP"}

// Expected values are Flink 2.3's for the same calls (rendered here as
// Arrow's JSON).
func TestArrayFunctions(t *testing.T) {
	i32 := func(v any) vectorized.Expr { return lit(t, v, tInt32) }
	str := func(v any) vectorized.Expr { return lit(t, v, tString) }
	dbl := func(v any) vectorized.Expr { return lit(t, v, tFloat64) }
	arr := func(xs ...vectorized.Expr) vectorized.Expr { return call(t, "ARRAY", xs...) }
	ints := func(vs ...any) vectorized.Expr {
		xs := make([]vectorized.Expr, len(vs))
		for k, v := range vs {
			xs[k] = i32(v)
		}
		return arr(xs...)
	}
	nullInts := lit(t, nil, arrow.ListOf(tInt32))
	b := func(v any) vectorized.Expr { return lit(t, v, tBool) }
	m := call(t, "MAP", str("a"), i32(1), str("b"), i32(nil))
	smap := func(kv ...any) vectorized.Expr {
		xs := make([]vectorized.Expr, len(kv))
		for k := 0; k < len(kv); k += 2 {
			xs[k], xs[k+1] = str(kv[k]), i32(kv[k+1])
		}
		return call(t, "MAP", xs...)
	}
	nan := dbl(0.0)
	nan = call(t, "/", nan, dbl(0.0))
	cases := []struct {
		fn   string
		args []vectorized.Expr
		want string
	}{
		{"ARRAY_APPEND", []vectorized.Expr{ints(1, 2), i32(3)}, "[1,2,3]"},
		{"ARRAY_APPEND", []vectorized.Expr{ints(1, 2), i32(nil)}, "[1,2,null]"},
		{"ARRAY_APPEND", []vectorized.Expr{nullInts, i32(1)}, "NULL"},
		{"ARRAY_PREPEND", []vectorized.Expr{ints(1, 2), i32(0)}, "[0,1,2]"},
		{"ARRAY_PREPEND", []vectorized.Expr{ints(1, 2), i32(nil)}, "[null,1,2]"},
		{"ARRAY_CONCAT", []vectorized.Expr{ints(1, 2), ints(3)}, "[1,2,3]"},
		{"ARRAY_CONCAT", []vectorized.Expr{ints(1)}, "[1]"},
		{"ARRAY_CONCAT", []vectorized.Expr{ints(1), ints(nil), ints(2, 3)}, "[1,null,2,3]"},
		{"ARRAY_CONCAT", []vectorized.Expr{ints(1), nullInts}, "NULL"},
		{"ARRAY_CONCAT", []vectorized.Expr{ints(1), arr(lit(t, int64(2), tInt64))}, "[1,2]"},
		{"ARRAY_REVERSE", []vectorized.Expr{ints(1, 2, nil)}, "[null,2,1]"},
		{"ARRAY_REVERSE", []vectorized.Expr{nullInts}, "NULL"},
		{"ARRAY_SLICE", []vectorized.Expr{ints(1, 2, 3, 4, 5), i32(2), i32(4)}, "[2,3,4]"},
		{"ARRAY_SLICE", []vectorized.Expr{ints(1, 2, 3, 4, 5), i32(2)}, "[2,3,4,5]"},
		{"ARRAY_SLICE", []vectorized.Expr{ints(1, 2, 3, 4, 5), i32(-2)}, "[4,5]"},
		{"ARRAY_SLICE", []vectorized.Expr{ints(1, 2, 3, 4, 5), i32(-3), i32(-2)}, "[3,4]"},
		{"ARRAY_SLICE", []vectorized.Expr{ints(1, 2, 3, 4, 5), i32(0), i32(2)}, "[1,2]"},
		{"ARRAY_SLICE", []vectorized.Expr{ints(1, 2, 3, 4, 5), i32(4), i32(2)}, "[]"},
		{"ARRAY_SLICE", []vectorized.Expr{ints(1, 2, 3, 4, 5), i32(3), i32(10)}, "[3,4,5]"},
		{"ARRAY_SLICE", []vectorized.Expr{ints(1, 2, 3, 4, 5), i32(-10), i32(2)}, "[1,2]"},
		{"ARRAY_SLICE", []vectorized.Expr{ints(1, 2, 3, 4, 5), i32(6)}, "[]"},
		{"ARRAY_SLICE", []vectorized.Expr{ints(1, 2, 3, 4, 5), i32(0), i32(0)}, "[1]"},
		{"ARRAY_SLICE", []vectorized.Expr{ints(1, 2, 3, 4, 5), i32(-1), i32(0)}, "[]"},
		{"ARRAY_SLICE", []vectorized.Expr{ints(1, 2), i32(nil)}, "NULL"},
		{"ARRAY_DISTINCT", []vectorized.Expr{ints(1, 2, 1, nil, 3, nil, 2)}, "[1,2,null,3]"},
		{"ARRAY_DISTINCT", []vectorized.Expr{arr(nan, nan, dbl(math.Copysign(0, -1)), dbl(0.0))}, `["NaN","NaN",-0]`},
		{"ARRAY_DISTINCT", []vectorized.Expr{nullInts}, "NULL"},
		// ARRAY and ROW elements compare by value
		{"ARRAY_DISTINCT", []vectorized.Expr{arr(ints(1), ints(1), ints(2))}, "[[1],[2]]"},
		{"ARRAY_POSITION", []vectorized.Expr{arr(ints(1), ints(2)), ints(2)}, "2"},
		{"ARRAY_EXCEPT", []vectorized.Expr{arr(ints(1), ints(2)), arr(ints(2))}, "[[1]]"},
		{"ARRAY_REMOVE", []vectorized.Expr{arr(call(t, "ROW", i32(1), str("a")), call(t, "ROW", i32(2), str("b"))), call(t, "ROW", i32(1), str("a"))}, `[{"EXPR$0":2,"EXPR$1":"b"}]`},
		{"ARRAY_REMOVE", []vectorized.Expr{ints(1, 2, 1, nil), i32(1)}, "[2,null]"},
		{"ARRAY_REMOVE", []vectorized.Expr{ints(1, nil, 2, nil), i32(nil)}, "[1,2]"},
		{"ARRAY_REMOVE", []vectorized.Expr{ints(1), i32(1)}, "[]"},
		{"ARRAY_REMOVE", []vectorized.Expr{nullInts, i32(1)}, "NULL"},
		{"ARRAY_POSITION", []vectorized.Expr{ints(1, 2, 3, 2), i32(2)}, "2"},
		{"ARRAY_POSITION", []vectorized.Expr{ints(1, 2), i32(5)}, "0"},
		{"ARRAY_POSITION", []vectorized.Expr{ints(1, nil), i32(nil)}, "NULL"},
		{"ARRAY_POSITION", []vectorized.Expr{nullInts, i32(1)}, "NULL"},
		{"ARRAY_EXCEPT", []vectorized.Expr{ints(1, 2, 2, 3, nil, nil), ints(2, 4)}, "[1,3,null]"},
		{"ARRAY_EXCEPT", []vectorized.Expr{ints(1, 2, nil), ints(nil)}, "[1,2]"},
		{"ARRAY_EXCEPT", []vectorized.Expr{ints(1, 1, 2), ints(1)}, "[2]"},
		{"ARRAY_EXCEPT", []vectorized.Expr{ints(1), nullInts}, "NULL"},
		{"ARRAY_INTERSECT", []vectorized.Expr{ints(1, 2, 2, 3, nil, nil), ints(2, 2, 3, 4, nil)}, "[2,3,null]"},
		{"ARRAY_INTERSECT", []vectorized.Expr{ints(3, 1, 2), ints(2, 3)}, "[3,2]"},
		{"ARRAY_INTERSECT", []vectorized.Expr{nullInts, ints(1)}, "NULL"},
		{"ARRAY_UNION", []vectorized.Expr{ints(1, 2, 2, nil), ints(3, 1, nil, 4)}, "[1,2,null,3,4]"},
		{"ARRAY_UNION", []vectorized.Expr{ints(1), nullInts}, "NULL"},
		{"ARRAY_SORT", []vectorized.Expr{ints(3, 1, nil, 2)}, "[null,1,2,3]"},
		{"ARRAY_SORT", []vectorized.Expr{ints(3, 1, nil, 2), b(false)}, "[3,2,1,null]"},
		{"ARRAY_SORT", []vectorized.Expr{ints(3, 1, nil, 2), b(true), b(false)}, "[1,2,3,null]"},
		{"ARRAY_SORT", []vectorized.Expr{ints(3, 1, nil, 2), b(false), b(true)}, "[null,3,2,1]"},
		{"ARRAY_SORT", []vectorized.Expr{ints(3, 1), b(nil)}, "NULL"},
		{"ARRAY_SORT", []vectorized.Expr{arr(str("b"), str("a"), str("B"))}, `["B","a","b"]`},
		{"ARRAY_SORT", []vectorized.Expr{arr(nan, dbl(1.0), dbl(0.0), dbl(-1.0))}, `[-1,0,1,"NaN"]`},
		{"ARRAY_MAX", []vectorized.Expr{ints(1, 5, nil, 3)}, "5"},
		{"ARRAY_MIN", []vectorized.Expr{ints(1, 5, nil, 3)}, "1"},
		{"ARRAY_MAX", []vectorized.Expr{ints(nil)}, "NULL"},
		{"ARRAY_MAX", []vectorized.Expr{nullInts}, "NULL"},
		{"ARRAY_MAX", []vectorized.Expr{arr(str("b"), str("a"))}, "b"},
		{"ARRAY_MIN", []vectorized.Expr{arr(nan, dbl(1.0))}, "NaN"},
		{"ARRAY_MAX", []vectorized.Expr{arr(nan, dbl(1.0))}, "NaN"},
		{"ARRAY_JOIN", []vectorized.Expr{arr(str("a"), str("b"), str(nil)), str(",")}, "a,b"},
		{"ARRAY_JOIN", []vectorized.Expr{arr(str("a"), str("b"), str(nil)), str(","), str("N")}, "a,b,N"},
		{"ARRAY_JOIN", []vectorized.Expr{arr(str("a"), str(nil)), str(","), str(nil)}, "NULL"},
		{"ARRAY_JOIN", []vectorized.Expr{arr(str(nil)), str(",")}, ""},
		{"ARRAY_JOIN", []vectorized.Expr{arr(str("a")), str(nil)}, "NULL"},
		{"MAP_KEYS", []vectorized.Expr{m}, `["a","b"]`},
		{"MAP_VALUES", []vectorized.Expr{m}, "[1,null]"},
		{"MAP_ENTRIES", []vectorized.Expr{m}, `[{"key":"a","value":1},{"key":"b","value":null}]`},
		{"MAP_KEYS", []vectorized.Expr{lit(t, nil, arrow.MapOf(tString, tInt32))}, "NULL"},
		{"REGEXP_EXTRACT_ALL", []vectorized.Expr{str("a1b22c333"), str("[0-9]+")}, "NULL"},
		{"REGEXP_EXTRACT_ALL", []vectorized.Expr{str("a1b22c333"), str("([a-z])([0-9]+)"), i32(2)}, `["1","22","333"]`},
		{"REGEXP_EXTRACT_ALL", []vectorized.Expr{str("a1b22c333"), str("([a-z])([0-9]+)")}, `["a","b","c"]`},
		{"REGEXP_EXTRACT_ALL", []vectorized.Expr{str("a1b22"), str("([a-z])([0-9]+)"), i32(3)}, "NULL"},
		{"REGEXP_EXTRACT_ALL", []vectorized.Expr{str("abc"), str("a"), i32(-1)}, "NULL"},
		{"REGEXP_EXTRACT_ALL", []vectorized.Expr{str("ab"), str("(x)?b"), i32(1)}, "[null]"},
		{"REGEXP_EXTRACT_ALL", []vectorized.Expr{str("abc"), str(""), i32(0)}, `["","","",""]`},
		{"REGEXP_EXTRACT_ALL", []vectorized.Expr{str("aaa"), str("a*"), i32(0)}, `["aaa",""]`},
		{"REGEXP_EXTRACT_ALL", []vectorized.Expr{str(nil), str("a")}, "NULL"},
		{"STR_TO_MAP", []vectorized.Expr{str("z=1,y=2,x=3,b=4,a=5")}, `[{"key":"x","value":"3"},{"key":"y","value":"2"},{"key":"a","value":"5"},{"key":"z","value":"1"},{"key":"b","value":"4"}]`},
		{"STR_TO_MAP", []vectorized.Expr{str("a=1,,b=2,a")}, `[{"key":"","value":null},{"key":"a","value":null},{"key":"b","value":"2"}]`},
		{"STR_TO_MAP", []vectorized.Expr{str("a.1|b.2"), str("|"), str(".")}, `[{"key":"","value":""}]`},
		{"STR_TO_MAP", []vectorized.Expr{str(",,")}, "[]"},
		{"STR_TO_MAP", []vectorized.Expr{str("")}, "[]"},
		{"STR_TO_MAP", []vectorized.Expr{str("k€=v")}, `[{"key":"k€","value":"v"}]`},
		{"STR_TO_MAP", []vectorized.Expr{str("a=1"), str(nil), str("=")}, "NULL"},
		{"MAP_FROM_ARRAYS", []vectorized.Expr{arr(str("a"), str("b")), ints(1, 2)}, `[{"key":"a","value":1},{"key":"b","value":2}]`},
		{"MAP_FROM_ARRAYS", []vectorized.Expr{arr(str("a"), str("a")), ints(1, nil)}, `[{"key":"a","value":1},{"key":"a","value":null}]`},
		{"MAP_FROM_ARRAYS", []vectorized.Expr{nullInts, ints(1)}, "NULL"},
		{"MAP_UNION", []vectorized.Expr{smap("a", 1, "b", 2), smap("b", 3, "c", 4)}, `[{"key":"b","value":3},{"key":"c","value":4},{"key":"a","value":1}]`},
		{"MAP_UNION", []vectorized.Expr{smap("a", 1), smap("b", 2), smap("a", 5)}, `[{"key":"a","value":5},{"key":"b","value":2}]`},
		{"MAP_UNION", []vectorized.Expr{smap("z", 1, "y", 2), smap("x", 3, "a", 4)}, `[{"key":"x","value":3},{"key":"a","value":4},{"key":"z","value":1},{"key":"y","value":2}]`},
		{"MAP_UNION", []vectorized.Expr{smap("a", 1)}, `[{"key":"a","value":1}]`},
		{"MAP_UNION", []vectorized.Expr{smap("a", 1), lit(t, nil, arrow.MapOf(tString, tInt32))}, "NULL"},
	}
	rec := row1()
	defer rec.Release()
	for _, c := range cases {
		e := call(t, c.fn, c.args...)
		require.Equal(t, []string{c.want}, compositeValues(t, e, rec), "%s", e)
		// every buffer a result is built from goes with it
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		ec := testCtx()
		ec.Mem = mem
		a, err := e.Eval(ec, rec)
		require.NoError(t, err)
		a.Release()
		require.Zero(t, mem.CurrentAlloc(), "%s", e)
	}
}

// Over a sliced multi-row batch: every row takes its own elements, and
// a NULL row leaves no elements behind for the next.
func TestArrayFunctionsOverColumns(t *testing.T) {
	a := sliceArr(col(t, tInt64, int64(9), int64(1), nil, int64(3), int64(1)), 1, 5)
	s := sliceArr(col(t, tString, "z", "x,y", nil, "", "p"), 1, 5)
	rec := batch(t, a, s)
	defer rec.Release()
	ca := vectorized.Col(0, tInt64, "a")
	cs := vectorized.Col(1, tString, "s")
	ten := lit(t, int64(10), tInt64)
	arr := call(t, "ARRAY", ca, ten, ca)
	split := call(t, "SPLIT", cs, lit(t, ",", tString))
	cases := []struct {
		e    vectorized.Expr
		want []string
	}{
		{call(t, "ARRAY_DISTINCT", arr), []string{"[1,10]", "[null,10]", "[3,10]", "[1,10]"}},
		{call(t, "ARRAY_APPEND", split, cs), []string{`["x","y","x,y"]`, "NULL", `[""]`, `["p","p"]`}},
		{call(t, "ARRAY_REVERSE", split), []string{`["y","x"]`, "NULL", "[]", `["p"]`}},
		{call(t, "ARRAY_POSITION", arr, ten), []string{"2", "2", "2", "2"}},
		{call(t, "ARRAY_SORT", arr, lit(t, false, tBool)), []string{"[10,1,1]", "[10,null,null]", "[10,3,3]", "[10,1,1]"}},
		{call(t, "ARRAY_MAX", call(t, "ARRAY", ca)), []string{"1", "NULL", "3", "1"}},
		{call(t, "ARRAY_SLICE", arr, lit(t, int32(2), tInt32)), []string{"[10,1]", "[10,null]", "[10,3]", "[10,1]"}},
		{call(t, "ARRAY_EXCEPT", arr, call(t, "ARRAY", ca)), []string{"[10]", "[10]", "[10]", "[10]"}},
		{call(t, "ARRAY_JOIN", split, lit(t, "+", tString)), []string{"x+y", "NULL", "", "p"}},
		{call(t, "MAP_VALUES", call(t, "MAP", ten, ca)), []string{"[1]", "[null]", "[3]", "[1]"}},
		{call(t, "REGEXP_EXTRACT_ALL", cs, lit(t, "([a-z])", tString)), []string{`["x","y"]`, "NULL", "[]", `["p"]`}},
		{call(t, "STR_TO_MAP", cs, lit(t, ",", tString), cs), []string{`[{"key":"x","value":null},{"key":"y","value":null}]`, "NULL", "[]", `[{"key":"","value":""}]`}},
		{call(t, "STR_TO_MAP", cs, call(t, "CONCAT", cs, lit(t, "(", tString)), lit(t, "=", tString)), []string{"STR_TO_MAP: delimiter 'x,y(' is not a valid pattern"}},
		{call(t, "MAP_FROM_ARRAYS", split, call(t, "ARRAY", ca)), []string{"MAP_FROM_ARRAYS: the keys array has 2 elements and the values array 1; they must have the same number"}},
		{call(t, "MAP_UNION", call(t, "MAP", ten, ca, lit(t, int64(1), tInt64), ten), call(t, "MAP", lit(t, int64(1), tInt64), ca)), []string{`[{"key":1,"value":1},{"key":10,"value":1}]`, `[{"key":1,"value":null},{"key":10,"value":null}]`, `[{"key":1,"value":3},{"key":10,"value":3}]`, `[{"key":1,"value":1},{"key":10,"value":1}]`}},
	}
	for _, c := range cases {
		if len(c.want) == 1 { // an error
			_, err := c.e.Eval(testCtx(), rec)
			require.EqualError(t, err, c.want[0])
			continue
		}
		require.Equal(t, c.want, compositeValues(t, c.e, rec), "%s", c.e)
	}
}

func TestArrayFunctionSignatureErrors(t *testing.T) {
	ints := call(t, "ARRAY", lit(t, int32(1), tInt32))
	nested := call(t, "ARRAY", ints)
	s := lit(t, "a", tString)
	for _, c := range []struct {
		name string
		args []vectorized.Expr
		msg  string
	}{
		{"ARRAY_APPEND", []vectorized.Expr{ints, s}, "the element type INT does not take STRING"},
		{"ARRAY_APPEND", []vectorized.Expr{s, s}, "STRING is not an ARRAY"},
		{"ARRAY_CONCAT", []vectorized.Expr{ints, call(t, "ARRAY", s)}, "no common type"},
		{"ARRAY_SLICE", []vectorized.Expr{ints, lit(t, int64(1), tInt64)}, "the bounds are INT, not BIGINT"},
		{"ARRAY_MAX", []vectorized.Expr{nested}, "cannot be compared"},
		{"ARRAY_SORT", []vectorized.Expr{nested}, "cannot be compared"},
		{"ARRAY_MIN", []vectorized.Expr{call(t, "ARRAY", lit(t, true, tBool))}, "elements of type BOOLEAN cannot be compared"},
		{"ARRAY_SORT", []vectorized.Expr{call(t, "ARRAY", lit(t, true, tBool))}, "elements of type BOOLEAN cannot be compared"},
		{"ARRAY_SORT", []vectorized.Expr{ints, s}, "the sort order is BOOLEAN"},
		{"ARRAY_JOIN", []vectorized.Expr{ints, s}, "the elements are INT, not STRING"},
		{"MAP_KEYS", []vectorized.Expr{ints}, "not a MAP"},
		{"REGEXP_EXTRACT_ALL", []vectorized.Expr{s, lit(t, "a++", tString)}, "is not supported"},
		{"MAP_UNION", []vectorized.Expr{call(t, "MAP", s, ints), call(t, "MAP", ints, ints)}, "no common type"},
		{"MAP_FROM_ARRAYS", []vectorized.Expr{ints, s}, "STRING is not an ARRAY"},
	} {
		_, err := Call(c.name, c.args...)
		require.ErrorContains(t, err, c.msg, c.name)
	}
}

// MAP_KEYS, MAP_VALUES and MAP_ENTRIES share the map's buffers; a sliced
// map column must keep its offset.
func TestMapPartsOfSlicedMap(t *testing.T) {
	k := col(t, tString, "a", "b", "c")
	v := col(t, tInt32, int32(1), nil, int32(3))
	rec := batch(t, k, v)
	defer rec.Release()
	m := call(t, "MAP", vectorized.Col(0, tString, "k"), vectorized.Col(1, tInt32, "v"))
	full, err := m.Eval(testCtx(), rec)
	require.NoError(t, err)
	defer full.Release()
	sl := array.NewSlice(full, 1, 3)
	defer sl.Release()
	rec2 := batch(t, sl)
	defer rec2.Release()
	cm := vectorized.Col(0, sl.DataType(), "m")
	require.Equal(t, []string{`["b"]`, `["c"]`}, compositeValues(t, call(t, "MAP_KEYS", cm), rec2))
	require.Equal(t, []string{"[null]", "[3]"}, compositeValues(t, call(t, "MAP_VALUES", cm), rec2))
	require.Equal(t, []string{`[{"key":"b","value":null}]`, `[{"key":"c","value":3}]`}, compositeValues(t, call(t, "MAP_ENTRIES", cm), rec2))
}

// BenchmarkArrayFunctions: 4096 rows of 8-element arrays built from
// columns (so nothing folds).
func BenchmarkArrayFunctions(b *testing.B) {
	const n = 4096
	vals := make([]any, n)
	strs := make([]any, n)
	for i := range vals {
		vals[i] = int64(i*7919) % 97
		strs[i] = fmt.Sprintf("k%d=%d,x=%d,k%d=", i%13, i, i%5, i%3)
	}
	a := col(b, tInt64, vals...)
	s := col(b, tString, strs...)
	rec := batch(b, a, s)
	defer rec.Release()
	ca := vectorized.Col(0, tInt64, "a")
	cs := vectorized.Col(1, tString, "s")
	items := []vectorized.Expr{ca}
	for k := int64(1); k < 8; k++ {
		items = append(items, call(b, "%", call(b, "+", ca, lit(b, k*31, tInt64)), lit(b, int64(13), tInt64)))
	}
	arr := call(b, "ARRAY", items...)
	for _, c := range []struct {
		name string
		e    vectorized.Expr
	}{
		{"ARRAY", arr},
		{"ARRAY_DISTINCT", call(b, "ARRAY_DISTINCT", arr)},
		{"ARRAY_SORT", call(b, "ARRAY_SORT", arr)},
		{"ARRAY_SLICE", call(b, "ARRAY_SLICE", arr, lit(b, int32(2), tInt32), lit(b, int32(-2), tInt32))},
		{"ARRAY_MAX", call(b, "ARRAY_MAX", arr)},
		{"ARRAY_UNION", call(b, "ARRAY_UNION", arr, arr)},
		{"STR_TO_MAP", call(b, "STR_TO_MAP", cs)},
		{"MAP_KEYS", call(b, "MAP_KEYS", call(b, "STR_TO_MAP", cs))},
	} {
		b.Run(c.name, func(b *testing.B) {
			ec := testCtx()
			for i := 0; i < b.N; i++ {
				out, err := c.e.Eval(ec, rec)
				if err != nil {
					b.Fatal(err)
				}
				out.Release()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
		})
	}
}
