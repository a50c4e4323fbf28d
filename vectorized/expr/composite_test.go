package expr

import (
	"time"

	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

// Constructors and accessors over a three-row batch (a: BIGINT with a NULL,
// s: STRING), evaluated and rendered.
func TestCompositeFunctions(t *testing.T) {
	a := col(t, tInt64, int64(1), nil, int64(3))
	s := col(t, tString, "x", "y", nil)
	rec := batch(t, a, s)
	defer rec.Release()
	ca := vectorized.Col(0, tInt64, "a")
	cs := vectorized.Col(1, tString, "s")
	arr := call(t, "ARRAY", ca, lit(t, int64(10), tInt64))
	row := call(t, "ROW", ca, cs)
	m := call(t, "MAP", cs, ca)
	cases := []struct {
		e    vectorized.Expr
		want []string
	}{
		{arr, []string{"[1,10]", "[null,10]", "[3,10]"}},
		{call(t, "ARRAY", lit(t, int32(1), tInt32), ca), []string{"[1,1]", "[1,null]", "[1,3]"}}, // common type BIGINT
		{row, []string{`{"EXPR$0":1,"EXPR$1":"x"}`, `{"EXPR$0":null,"EXPR$1":"y"}`, `{"EXPR$0":3,"EXPR$1":null}`}},
		{call(t, "MAP", lit(t, "k", tString), ca), []string{`[{"key":"k","value":1}]`, `[{"key":"k","value":null}]`, `[{"key":"k","value":3}]`}},
		{call(t, FieldAccess, row, lit(t, "EXPR$1", tString)), []string{"x", "y", "NULL"}},
		{call(t, "ITEM", arr, lit(t, int64(2), tInt64)), []string{"10", "10", "10"}},
		{call(t, "ITEM", arr, ca), []string{"1", "NULL", "NULL"}}, // 1-based; out of range is NULL
		{call(t, "CARDINALITY", arr), []string{"2", "2", "2"}},
		{call(t, "ELEMENT", call(t, "ARRAY", ca)), []string{"1", "NULL", "3"}},
		{call(t, "CARDINALITY", call(t, "MAP", lit(t, "k", tString), ca)), []string{"1", "1", "1"}},
		{call(t, "ITEM", call(t, "MAP", lit(t, "k", tString), ca), lit(t, "k", tString)), []string{"1", "NULL", "3"}},
		{call(t, "ITEM", call(t, "MAP", lit(t, "k", tString), ca), cs), []string{"NULL", "NULL", "NULL"}},
	}
	for _, c := range cases {
		require.Equal(t, c.want, compositeValues(t, c.e, rec), "%s", c.e)
	}
	require.Equal(t, "ARRAY[a, 10]", arr.String())
	require.Equal(t, "ROW(a, s)", row.String())
	require.True(t, arrow.TypeEqual(arrow.MapOf(tString, tInt64), m.DataType()))
	require.Equal(t, "ROW(a, s).`EXPR$0`", call(t, FieldAccess, row, lit(t, "EXPR$0", tString)).String())

	// A NULL key of a MAP constructor and ELEMENT of a longer array fail.
	_, err := m.Eval(testCtx(), rec)
	require.ErrorContains(t, err, "MAP: a key is NULL")
	_, err = call(t, "ELEMENT", arr).Eval(testCtx(), rec)
	require.ErrorContains(t, err, "ELEMENT: the array has 2 elements")
}

func TestCompositeSignatureErrors(t *testing.T) {
	ca := vectorized.Col(0, tInt64, "a")
	cs := vectorized.Col(1, tString, "s")
	for _, c := range []struct {
		name string
		args []vectorized.Expr
		msg  string
	}{
		{"ARRAY", []vectorized.Expr{ca, cs}, "no common type"},
		{"MAP", []vectorized.Expr{ca}, "pairs"},
		{FieldAccess, []vectorized.Expr{ca, lit(t, "x", tString)}, "not a ROW"},
		{FieldAccess, []vectorized.Expr{call(t, "ROW", ca), lit(t, "x", tString)}, "has no field x"},
		{"ITEM", []vectorized.Expr{ca, ca}, "not an ARRAY or a MAP"},
		{"ITEM", []vectorized.Expr{call(t, "ARRAY", ca), cs}, "index is an integer"},
		{"CARDINALITY", []vectorized.Expr{cs}, "not an ARRAY or a MAP"},
		{"ELEMENT", []vectorized.Expr{cs}, "not an ARRAY"},
	} {
		_, err := Call(c.name, c.args...)
		require.ErrorContains(t, err, c.msg, c.name)
	}
}

// compositeValues renders a result: composite values as Arrow's JSON, the rest as
// the engine prints them.
func compositeValues(t *testing.T, e vectorized.Expr, rec arrow.RecordBatch) []string {
	t.Helper()
	a, err := e.Eval(testCtx(), rec)
	require.NoError(t, err, "%s", e)
	defer a.Release()
	out := make([]string, a.Len())
	for i := range out {
		switch {
		case a.IsNull(i):
			out[i] = "NULL"
		case a.DataType().ID() == arrow.LIST || a.DataType().ID() == arrow.STRUCT || a.DataType().ID() == arrow.MAP:
			out[i] = a.ValueStr(i)
		default:
			out[i] = formatValue(a, i, time.UTC)
		}
	}
	return out
}
