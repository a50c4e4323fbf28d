package cpython_test

import (
	"context"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/vectorized"
)

const errorPrelude = `
from datetime import date, datetime
from decimal import Decimal

def divide(x):
    return helper(x)

def helper(x):
    return 10 // (x - 2)

def as_text(x):
    return "row %d" % x

def half(x):
    return x / 2

def big(x):
    return x * 100

def naive(x):
    return datetime(2020, 1, 1)

def a_date(x):
    return datetime(2020, 1, 1, 10, 30)

def pi(x):
    return Decimal("314.159")

def pair(x):
    return (x, x)

def none_key(x):
    return {None: 1}

def listy(x):
    return "abc"
`

func TestRowUDFErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	in := fromJSON(t, mem, arrow.PrimitiveTypes.Int64, `[0, 1, 2, 3]`)
	defer in.Release()
	rec := record(in)
	defer rec.Release()

	cases := []struct {
		fn     string
		result arrow.DataType
		phase  cpython.Phase
		row    int64
		want   []string
	}{
		{"divide", arrow.PrimitiveTypes.Int64, cpython.PhaseCall, 2, []string{
			"python UDF f raised an exception at row 2 with arguments (2)",
			"Traceback (most recent call last):",
			`File "<udf>", line 6, in divide`,
			`File "<udf>", line 9, in helper`,
			"ZeroDivisionError: integer division or modulo by zero"}},
		{"as_text", arrow.PrimitiveTypes.Int64, cpython.PhaseResult, 0, []string{
			"python UDF f returned a wrong result at row 0 with arguments (0)",
			"TypeError: expected int for BIGINT, got 'row 0' of type str"}},
		{"half", arrow.PrimitiveTypes.Int64, cpython.PhaseResult, 0, []string{
			"expected int for BIGINT, got 0.0 of type float"}},
		{"big", arrow.PrimitiveTypes.Int8, cpython.PhaseResult, 2, []string{
			"at row 2 with arguments (2)", "OverflowError: value 200 is out of range for TINYINT"}},
		{"big", &arrow.Decimal128Type{Precision: 2, Scale: 0}, cpython.PhaseResult, 1, []string{
			"OverflowError: value 100 is out of range for DECIMAL(2, 0)"}},
		{"half", &arrow.Decimal128Type{Precision: 5, Scale: 1}, cpython.PhaseResult, 0, []string{
			"expected decimal.Decimal or int for DECIMAL(5, 1), got 0.0 of type float"}},
		{"pi", &arrow.Decimal128Type{Precision: 4, Scale: 2}, cpython.PhaseResult, 0, []string{
			"OverflowError: value Decimal('314.159') is out of range for DECIMAL(4, 2)"}},
		{"a_date", arrow.FixedWidthTypes.Date32, cpython.PhaseResult, 0, []string{
			"expected datetime.date for DATE, got datetime.datetime(2020, 1, 1, 10, 30) of type datetime.datetime"}},
		{"as_text", arrow.BinaryTypes.Binary, cpython.PhaseResult, 0, []string{
			"expected bytes for BYTES, got 'row 0' of type str"}},
		{"pair", arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true}), cpython.PhaseResult, 0, []string{
			"ValueError: ROW<a BIGINT> has 1 fields, got (0, 0) with 2"}},
		{"none_key", arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64), cpython.PhaseResult, 0, []string{
			"TypeError: MAP keys must not be None"}},
		{"listy", arrow.ListOf(arrow.PrimitiveTypes.Int64), cpython.PhaseResult, 0, []string{
			"expected list for ARRAY<BIGINT>, got 'abc' of type str"}},
	}
	for _, tc := range cases {
		t.Run(tc.fn+"→"+tc.result.String(), func(t *testing.T) {
			fn := pyFunc(t, errorPrelude, tc.fn)
			_, err := evalOne(t, fn, tc.result, rec, 0)
			require.Error(t, err)
			var ue *cpython.UDFError
			require.True(t, errors.As(err, &ue), "%T: %v", err, err)
			assert.Equal(t, tc.phase, ue.Phase)
			assert.Equal(t, tc.row, ue.Row)
			var pe *cpython.Error
			require.True(t, errors.As(err, &pe))
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestRowUDFArgumentOutOfPythonRange(t *testing.T) {
	// Year 10000 exists in Arrow but not in datetime.date.
	in := fromJSON(t, memory.DefaultAllocator, arrow.FixedWidthTypes.Date32, `[0, 2932897]`)
	defer in.Release()
	rec := record(in)
	defer rec.Release()
	_, err := evalOne(t, pyFunc(t, "def f(d):\n    return d\n", "f"), arrow.FixedWidthTypes.Date32, rec, 0)
	var ue *cpython.UDFError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, cpython.PhaseArgument, ue.Phase)
	assert.Equal(t, int64(1), ue.Row)
	assert.Contains(t, err.Error(), "outside datetime.date's range of years 1..9999")

	nanos := fromJSON(t, memory.DefaultAllocator, ts9, `[1000, 1001]`)
	defer nanos.Release()
	rec2 := record(nanos)
	defer rec2.Release()
	_, err = evalOne(t, pyFunc(t, "def f(d):\n    return d\n", "f"), ts9, rec2, 0)
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, int64(1), ue.Row)
	assert.Contains(t, err.Error(), "has nanoseconds, which datetime.datetime cannot hold")
}

func TestRowEvaluatorRejects(t *testing.T) {
	var notCallable *cpython.Object
	require.NoError(t, cpython.Do(func(py *cpython.GIL) error {
		notCallable = py.Int(42)
		return nil
	}))
	defer cpython.Do(func(py *cpython.GIL) error { py.DecRef(notCallable); return nil })
	_, err := cpython.NewRowEvaluator([]cpython.RowUDF{{Name: "answer", Func: notCallable, Args: []int{0}, Result: arrow.PrimitiveTypes.Int64}})
	require.EqualError(t, err, "python UDF answer: int object is not callable")

	fn := pyFunc(t, "def f(x):\n    return x\n", "f")
	_, err = cpython.NewRowEvaluator([]cpython.RowUDF{{Name: "f", Func: fn, Args: []int{0}, Result: arrow.PrimitiveTypes.Uint64}})
	require.ErrorContains(t, err, `python UDF f: result type uint64: TypeError: Arrow type with format "L" has no SQL type in Sluice`)

	ev, err := cpython.NewRowEvaluator([]cpython.RowUDF{{Name: "f", Func: fn, Args: []int{3}, Result: arrow.PrimitiveTypes.Int64}})
	require.NoError(t, err)
	defer ev.Close()
	in := fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Int64, `[1]`)
	defer in.Release()
	rec := record(in)
	defer rec.Release()
	_, err = ev.Evaluate(context.Background(), vectorized.NewBatch(rec))
	require.EqualError(t, err, "python UDF: argument column 3 does not exist in a batch of 1 columns")
}

func TestPythonErrorsCarryTracebacks(t *testing.T) {
	err := cpython.Do(func(py *cpython.GIL) error {
		_, err := py.Exec("job.py", "x = 1\nraise ValueError('bad input at line 2')\n")
		return err
	})
	var pe *cpython.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "ValueError", pe.Type)
	assert.Equal(t, "bad input at line 2", pe.Message)
	assert.Contains(t, pe.Traceback, `File "job.py", line 2, in <module>`)

	err = cpython.Do(func(py *cpython.GIL) error {
		_, err := py.Exec("broken.py", "def f(:\n")
		return err
	})
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "SyntaxError", pe.Type)
	assert.Contains(t, err.Error(), `File "broken.py", line 1`)

	err = cpython.Do(func(py *cpython.GIL) error {
		_, err := py.Import("no_such_module_anywhere")
		return err
	})
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "ModuleNotFoundError", pe.Type)
}
