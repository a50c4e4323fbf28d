package expr

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

// col builds a column of type dt from Go values (nil is NULL), using the
// same conversions as Literal.
func col(t testing.TB, dt arrow.DataType, vals ...any) arrow.Array {
	t.Helper()
	parts := make([]arrow.Array, len(vals))
	for i, v := range vals {
		a, err := scalarArray(memory.DefaultAllocator, v, dt)
		require.NoError(t, err)
		parts[i] = a
	}
	if len(parts) == 0 {
		return array.MakeArrayOfNull(memory.DefaultAllocator, dt, 0)
	}
	out, err := array.Concatenate(parts, memory.DefaultAllocator)
	require.NoError(t, err)
	for _, p := range parts {
		p.Release()
	}
	return out
}

// batch wraps columns into a record; the columns are named c0, c1, ...
func batch(t testing.TB, cols ...arrow.Array) arrow.RecordBatch {
	t.Helper()
	fields := make([]arrow.Field, len(cols))
	n := int64(0)
	for i, c := range cols {
		fields[i] = arrow.Field{Name: fmt.Sprintf("c%d", i), Type: c.DataType(), Nullable: true}
		n = int64(c.Len())
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, n)
}

// refs returns column references for every column of rec.
func refs(rec arrow.RecordBatch) []vectorized.Expr {
	out := make([]vectorized.Expr, rec.NumCols())
	for i := range out {
		out[i] = vectorized.Col(i, rec.Column(i).DataType(), rec.Schema().Field(i).Name)
	}
	return out
}

func lit(t testing.TB, v any, dt arrow.DataType) vectorized.Expr {
	t.Helper()
	e, err := Literal(v, dt)
	require.NoError(t, err)
	return e
}

func call(t testing.TB, name string, args ...vectorized.Expr) vectorized.Expr {
	t.Helper()
	e, err := Call(name, args...)
	require.NoError(t, err, "%s%v", name, argTypes(args))
	return e
}

func testCtx() *vectorized.EvalContext {
	ec := vectorized.NewEvalContext(context.Background())
	ec.Mem = memory.NewGoAllocator()
	ec.Now = time.Date(2024, 2, 29, 13, 14, 15, 123456789, time.UTC)
	return ec
}

// render turns an array into strings as CAST(... AS STRING) writes them,
// with NULL for nulls.
func render(a arrow.Array) []string {
	out := make([]string, a.Len())
	for i := range out {
		out[i] = formatValue(a, i, time.UTC)
	}
	return out
}

// evalStrings evaluates e over rec and renders the result.
func evalStrings(t testing.TB, ec *vectorized.EvalContext, e vectorized.Expr, rec arrow.RecordBatch) []string {
	t.Helper()
	arr, err := e.Eval(ec, rec)
	require.NoError(t, err, e.String())
	defer arr.Release()
	require.Equal(t, int(rec.NumRows()), arr.Len(), e.String())
	require.True(t, arrow.TypeEqual(e.DataType(), arr.DataType()), "%s: declared %s, got %s", e, e.DataType(), arr.DataType())
	return render(arr)
}

// evalErr evaluates e and returns its error (which must not be nil).
func evalErr(t testing.TB, e vectorized.Expr, rec arrow.RecordBatch) error {
	t.Helper()
	arr, err := e.Eval(testCtx(), rec)
	if arr != nil {
		arr.Release()
	}
	require.Error(t, err, e.String())
	return err
}

// row1 is a record with one row and no columns, for expressions over
// literals only.
func row1() arrow.RecordBatch {
	return array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 1)
}

// evalOne evaluates an expression over literals and renders its single value.
func evalOne(t testing.TB, e vectorized.Expr) string {
	t.Helper()
	return evalStrings(t, testCtx(), e, row1())[0]
}

// callOne resolves name over literal arguments, evaluates it without
// constant folding (the arguments are columns of a one-row batch) and
// renders the value.
func callOne(t testing.TB, name string, args ...vectorized.Expr) string {
	t.Helper()
	cols := make([]arrow.Array, len(args))
	for i, a := range args {
		arr, err := a.Eval(testCtx(), row1())
		require.NoError(t, err)
		cols[i] = arr
	}
	rec := batch(t, cols...)
	defer rec.Release()
	e := call(t, name, refs(rec)...)
	return evalStrings(t, testCtx(), e, rec)[0]
}

func ts(s string) time.Time {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	panic("bad test timestamp " + s)
}

func dec(p, s int) arrow.DataType { return DecimalType(p, s) }

func sliceArr(a arrow.Array, i, j int64) arrow.Array {
	defer a.Release()
	return array.NewSlice(a, i, j)
}
