package expr

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

func TestCompositeCasts(t *testing.T) {
	a := col(t, tInt64, int64(1), nil, int64(3))
	s := col(t, tString, "1", "x", nil)
	rec := batch(t, a, s)
	defer rec.Release()
	ca := vectorized.Col(0, tInt64, "a")
	cs := vectorized.Col(1, tString, "s")
	named := arrow.StructOf(arrow.Field{Name: "id", Type: tString, Nullable: true}, arrow.Field{Name: "v", Type: tInt32, Nullable: true})
	row := call(t, "ROW", ca, cs)
	cast := func(e vectorized.Expr, to arrow.DataType, try bool) vectorized.Expr {
		c, err := Cast(e, to, try)
		require.NoError(t, err)
		return c
	}
	toRow := cast(row, named, true)
	require.Equal(t, "ROW<`id` STRING, `v` INT>", SQLTypeName(toRow.DataType()))
	require.Equal(t, []string{`{"id":"1","v":1}`, `{"id":null,"v":null}`, `{"id":"3","v":null}`}, compositeValues(t, toRow, rec))
	require.Equal(t, []string{"[1]", "[null]", "[null]"},
		compositeValues(t, cast(call(t, "ARRAY", cs), arrow.ListOf(tInt32), true), rec))
	require.Equal(t, []string{`[{"key":"k","value":1}]`, `[{"key":"k","value":null}]`, `[{"key":"k","value":3}]`},
		compositeValues(t, cast(call(t, "MAP", lit(t, "k", tString), ca), arrow.MapOf(tString, tFloat64), false), rec))
	require.Equal(t, []string{"NULL"}, compositeValues(t, cast(lit(t, nil, tNull), arrow.ListOf(tInt32), false), row1()))

	// CAST (not TRY_CAST) fails on an element that does not convert.
	_, err := cast(call(t, "ARRAY", cs), arrow.ListOf(tInt32), false).Eval(testCtx(), rec)
	require.ErrorContains(t, err, "'x' is not a valid INT")
	for _, c := range []struct{ from, to arrow.DataType }{
		{row.DataType(), arrow.StructOf(arrow.Field{Name: "a", Type: tInt64})}, // arity
		{arrow.ListOf(tDate), arrow.ListOf(tBool)},                             // element
		{arrow.ListOf(tInt64), tString},                                        // not to a scalar
		{tInt64, arrow.ListOf(tInt64)},                                         // nor from one
		{arrow.MapOf(tString, tInt64), arrow.ListOf(tInt64)},                   // MAP to ARRAY
	} {
		require.False(t, CanCast(c.from, c.to), "%s -> %s", SQLTypeName(c.from), SQLTypeName(c.to))
	}
}
