package pandas_udf

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

// TestResultErrors: results of the wrong length, kind or values fail the
// batch with an error that names the UDF and says what was expected.
func TestResultErrors(t *testing.T) {
	ten := `[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]`
	cases := []struct {
		name, udf, src string
		dt             arrow.DataType
		want           string // the whole message
	}{
		{"too short", "plus_one", "def f(x):\n    return (x + 1).iloc[:3]", arrow.PrimitiveTypes.Int64,
			"pandas UDF plus_one returned 3 rows for a batch of 10 rows"},
		{"too long list", "f", "def f(x):\n    return list(range(11))", arrow.PrimitiveTypes.Int64,
			"pandas UDF f returned 11 rows for a batch of 10 rows"},
		{"str", "f", "def f(x):\n    return 'abc'", arrow.PrimitiveTypes.Int64,
			"pandas UDF f returned a str; expected a pandas.Series, numpy array, list or pyarrow Array"},
		{"int", "f", "def f(x):\n    return 1", arrow.PrimitiveTypes.Int64,
			"pandas UDF f returned an int; expected a pandas.Series, numpy array, list or pyarrow Array"},
		{"None", "f", "def f(x):\n    return None", arrow.PrimitiveTypes.Int64,
			"pandas UDF f returned None; expected a pandas.Series, numpy array, list or pyarrow Array"},
		{"tuple", "f", "def f(x):\n    return tuple(x)", arrow.PrimitiveTypes.Int64,
			"pandas UDF f returned a tuple; expected a pandas.Series, numpy array, list or pyarrow Array"},
		{"DataFrame for a scalar type", "f", "def f(x):\n    return x.to_frame()", arrow.PrimitiveTypes.Int64,
			"pandas UDF f returned a pandas.DataFrame; expected a pandas.Series, numpy array, list or pyarrow Array (a DataFrame only for a ROW result)"},
		{"2-D array", "f", "import numpy as np\ndef f(x):\n    return np.zeros((10, 2))", arrow.PrimitiveTypes.Float64,
			"pandas UDF f returned a 2-dimensional numpy array; expected one dimension"},
		{"1.5 into BIGINT", "f", "def f(x):\n    return x * 1.5", arrow.PrimitiveTypes.Int64,
			"pandas UDF f returned float64 values that do not convert to BIGINT: Float value 1.500000 was truncated converting to int64"},
		{"300 into TINYINT", "f", "def f(x):\n    return x.where(x < 10, 300)", arrow.PrimitiveTypes.Int8,
			"pandas UDF f returned int64 values that do not convert to TINYINT: Integer value 300 not in range: -128 to 127"},
		{"list with 1.5 into BIGINT", "f", "def f(x):\n    return [1.5] * 10", arrow.PrimitiveTypes.Int64,
			"pandas UDF f returned list values that do not convert to BIGINT: Float value 1.500000 was truncated converting to int64"},
		{"pyarrow 1.5 into BIGINT", "f", "import pyarrow as pa\ndef f(x):\n    return pa.array([1.5] * 10)", arrow.PrimitiveTypes.Int64,
			"pandas UDF f returned double values that do not convert to BIGINT: Float value 1.500000 was truncated converting to int64"},
		{"big int into DOUBLE", "f", "def f(x):\n    return x + 2**53", arrow.PrimitiveTypes.Float64,
			"pandas UDF f returned int64 values that do not convert to DOUBLE: Integer value 9007199254740993 not in range: -9007199254740992 to 9007199254740992"},
		{"strings into BIGINT", "f", "def f(x):\n    return x.astype(str)", arrow.PrimitiveTypes.Int64,
			"pandas UDF f returned object values that do not convert to BIGINT: Could not convert '1' with type str: tried to convert to int64"},
		{"time of day into DATE", "f", "import pandas as pd\ndef f(x):\n    return pd.Series(pd.to_datetime(['2020-01-01 10:00'] * 10))", arrow.FixedWidthTypes.Date32,
			"pandas UDF f returned datetime64[ns] values that do not convert to DATE: casting timestamp[ns] to date32[day] would lose the time of day"},
		{"too many digits into DECIMAL", "f", "from decimal import Decimal\ndef f(x):\n    return [Decimal('1.234')] * 10", decimal10x2,
			"pandas UDF f returned list values that do not convert to DECIMAL(10, 2): Rescaling Decimal value would cause data loss"},
		{"out of range for DECIMAL", "f", "def f(x):\n    return x * 10**9", decimal10x2,
			"pandas UDF f returned int64 values that do not convert to DECIMAL(10, 2): Decimal value does not fit in precision 10"},
		{"DataFrame with other columns into ROW", "f", "import pandas as pd\ndef f(x):\n    return pd.DataFrame({'a': x})", rowType,
			"pandas UDF f returned a pandas.DataFrame with columns ['a']; expected the 3 fields id, name, score of ROW<id INT, name STRING, score DOUBLE>"},
		{"DataFrame column of the wrong type into ROW", "f", "import pandas as pd\ndef f(x):\n    return pd.DataFrame({'id': x * 0.5, 'name': x.astype(str), 'score': x})", rowType,
			"pandas UDF f returned a DataFrame whose column 'id' has float64 values that do not convert to INT: Float value 0.500000 was truncated converting to int32"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEvaluator(t, UDF{Name: tc.udf, Func: pyFunc(t, tc.src, "f"), Args: []int{0}, Result: tc.dt})
			out, err := evaluate(t, e, fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Int64, ten))
			require.Error(t, err)
			assert.Nil(t, out)
			assert.Equal(t, tc.want, err.Error())
			var ue *UDFError
			require.True(t, errors.As(err, &ue), "%T", err)
			assert.Equal(t, tc.udf, ue.UDF)
			assert.Equal(t, cpython.PhaseResult, ue.Phase)
		})
	}
}

// TestExceptionCarriesTraceback: a Python exception in the function is a
// UDFError naming the UDF and the batch's rows, whose cause is the
// cpython.Error with the traceback of the user's code only.
func TestExceptionCarriesTraceback(t *testing.T) {
	src := `
def check(v):
    if (v > 2).any():
        raise ValueError(f"bad value {v.max()}")
    return v

def parse_amount(x):
    return check(x) * 2
`
	e := newEvaluator(t, UDF{Name: "parse_amount", Func: pyFunc(t, src, "parse_amount"), Args: []int{0}, Result: arrow.PrimitiveTypes.Int64})
	_, err := evaluate(t, e, fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Int64, `[1, 2, 3, 4]`))
	require.Error(t, err)
	msg := err.Error()
	for _, want := range []string{
		"pandas UDF parse_amount raised an exception on rows 0 to 3 of its batch: Traceback (most recent call last):",
		`File "<test TestExceptionCarriesTraceback>", line 8, in parse_amount`,
		`File "<test TestExceptionCarriesTraceback>", line 4, in check`,
		"ValueError: bad value 4",
	} {
		assert.Contains(t, msg, want)
	}
	assert.NotContains(t, msg, "driver.py", "the driver's own frames are not the user's business")

	var ue *UDFError
	require.True(t, errors.As(err, &ue))
	assert.Equal(t, cpython.PhaseCall, ue.Phase)
	assert.Equal(t, int64(0), ue.FirstRow)
	assert.Equal(t, int64(4), ue.EndRow)
	var pe *cpython.Error
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, "ValueError", pe.Type)
	assert.Equal(t, "bad value 4", pe.Message)

	// The evaluator keeps working after a failed batch.
	out, err := evaluate(t, e, fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Int64, `[1, 2]`))
	require.NoError(t, err)
	assertSameValues(t, fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Int64, `[2, 4]`), out[0])
}

// TestSecondUDFFailure: when one UDF of several fails, the error names that
// one and no result of the others leaks.
func TestSecondUDFFailure(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	e := newEvaluator(t,
		UDF{Name: "good", Func: pyLambda(t, "lambda x: x + 1"), Args: []int{0}, Result: arrow.PrimitiveTypes.Int64},
		UDF{Name: "bad", Func: pyLambda(t, "lambda x: 1 / 0"), Args: []int{0}, Result: arrow.PrimitiveTypes.Int64},
	)
	_, err := evaluate(t, e, fromJSON(t, mem, arrow.PrimitiveTypes.Int64, `[1, 2]`))
	require.ErrorContains(t, err, "pandas UDF bad raised an exception on rows 0 to 1 of its batch")
	require.ErrorContains(t, err, "ZeroDivisionError: division by zero")
}

func TestSystemExitIsAnError(t *testing.T) {
	e := newEvaluator(t, UDF{Name: "quit", Func: pyFunc(t, "import sys\ndef f(x):\n    sys.exit(3)\n", "f"), Args: []int{0}, Result: arrow.PrimitiveTypes.Int64})
	_, err := evaluate(t, e, fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Int64, `[1]`))
	require.ErrorContains(t, err, "pandas UDF quit raised an exception")
	require.ErrorContains(t, err, "SystemExit: 3")
}

// TestArgumentError: a value pandas cannot hold fails the batch with the
// column and its type.
func TestArgumentError(t *testing.T) {
	// datetime.time holds microseconds: a TIME(9) with nanoseconds has no
	// pandas value.
	e := newEvaluator(t, UDF{Name: "ts", Func: pyLambda(t, "lambda a, x: x"), Args: []int{1, 0}, Result: arrow.FixedWidthTypes.Time64ns})
	_, err := evaluate(t, e,
		fromJSON(t, memory.DefaultAllocator, arrow.FixedWidthTypes.Time64ns, `["12:00:00", "12:00:00.000000001"]`),
		fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Int64, `[1, 2]`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "pandas UDF ts could not receive column 0 (TIME(9)) on rows 0 to 1 of its batch: ")
	assert.Contains(t, err.Error(), "has non-zero nanoseconds")
	var ue *UDFError
	require.True(t, errors.As(err, &ue))
	assert.Equal(t, cpython.PhaseArgument, ue.Phase)
	assert.Equal(t, 0, ue.Column)
}

func TestConstructionErrors(t *testing.T) {
	var three *cpython.Object
	require.NoError(t, cpython.Do(func(py *cpython.GIL) error { three = py.Int(3); return nil }))
	defer func() { _ = cpython.Do(func(py *cpython.GIL) error { py.DecRef(three); return nil }) }()
	fn := pyLambda(t, "lambda x: x")
	cases := []struct {
		name string
		udfs []UDF
		want string
	}{
		{"no UDF", nil, "pandas UDF: an evaluator needs at least one UDF"},
		{"not callable", []UDF{{Name: "f", Func: three, Args: []int{0}, Result: arrow.PrimitiveTypes.Int64}}, "pandas UDF f: int object is not callable"},
		{"no function", []UDF{{Name: "f", Args: []int{0}, Result: arrow.PrimitiveTypes.Int64}}, "pandas UDF f: no function"},
		{"no result type", []UDF{{Name: "f", Func: fn, Args: []int{0}}}, "pandas UDF f: no result type"},
		{"negative column", []UDF{{Name: "f", Func: fn, Args: []int{-1}, Result: arrow.PrimitiveTypes.Int64}}, "pandas UDF f: negative argument column -1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var before int
			require.NoError(t, cpython.Do(func(py *cpython.GIL) error { before = py.RefCount(three); return nil }))
			e, err := NewEvaluator(tc.udfs)
			require.EqualError(t, err, tc.want)
			require.Nil(t, e)
			require.NoError(t, cpython.Do(func(py *cpython.GIL) error {
				assert.Equal(t, before, py.RefCount(three), "a failed construction keeps no reference")
				return nil
			}))
		})
	}
}

func TestBatchErrors(t *testing.T) {
	e := newEvaluator(t, UDF{Name: "f", Func: pyLambda(t, "lambda x, y: x"), Args: []int{0, 2}, Result: arrow.PrimitiveTypes.Int64})
	_, err := evaluate(t, e, fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Int64, `[1]`))
	require.EqualError(t, err, "pandas UDF: argument column 2 does not exist in a batch of 1 columns")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := record(fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Int64, `[1]`))
	defer rec.Release()
	_, err = e.Evaluate(ctx, vectorized.NewBatch(rec))
	require.ErrorIs(t, err, context.Canceled)
}

func TestEmptyBatchDoesNotCall(t *testing.T) {
	e := newEvaluator(t,
		UDF{Name: "f", Func: pyLambda(t, "lambda x: 1 / 0"), Args: []int{0}, Result: arrow.BinaryTypes.String},
		UDF{Name: "g", Func: pyLambda(t, "lambda x: 1 / 0"), Args: []int{0}, Result: rowType})
	out, err := evaluate(t, e, fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Int64, `[]`))
	require.NoError(t, err)
	require.Len(t, out, 2)
	assert.Equal(t, 0, out[0].Len())
	assert.True(t, arrow.TypeEqual(arrow.BinaryTypes.String, out[0].DataType()))
	assert.True(t, arrow.TypeEqual(rowType, out[1].DataType()))
}

// TestCloseDropsReferences: the evaluator holds one reference per function
// until Close, Close is idempotent, and Evaluate after Close fails.
func TestCloseDropsReferences(t *testing.T) {
	fn := pyLambda(t, "lambda x: x")
	refs := func() int {
		var n int
		require.NoError(t, cpython.Do(func(py *cpython.GIL) error { n = py.RefCount(fn); return nil }))
		return n
	}
	before := refs()
	e, err := NewEvaluator([]UDF{{Name: "f", Func: fn, Args: []int{0}, Result: arrow.PrimitiveTypes.Int64}})
	require.NoError(t, err)
	held := refs()
	assert.Greater(t, held, before)
	_, err = evaluate(t, e, fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Int64, `[1]`))
	require.NoError(t, err)
	assert.Equal(t, held, refs(), "a batch leaves the function's references as they were")
	require.NoError(t, e.Close())
	assert.Equal(t, before, refs())
	require.NoError(t, e.Close())
	assert.Equal(t, before, refs())
	_, err = evaluate(t, e, fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Int64, `[1]`))
	require.EqualError(t, err, "pandas UDF: evaluator used after Close")
	_, err = evaluate(t, e, fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Int64, `[]`))
	require.EqualError(t, err, "pandas UDF: evaluator used after Close")
}

// TestExceptionFromC: a function that raises from C code has no frame of
// its own; the error still says what was raised.
func TestExceptionFromC(t *testing.T) {
	e := newEvaluator(t, UDF{Name: "from_hex", Func: pyFunc(t, "f = bytes.fromhex\n", "f"), Args: []int{0}, Result: arrow.BinaryTypes.Binary})
	_, err := evaluate(t, e, fromJSON(t, memory.DefaultAllocator, arrow.BinaryTypes.String, `["a", "b"]`))
	require.Error(t, err)
	assert.Equal(t, "pandas UDF from_hex raised an exception on rows 0 to 1 of its batch: TypeError: fromhex() argument must be str, not Series", err.Error())
	var pe *cpython.Error
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, "TypeError", pe.Type)
}
