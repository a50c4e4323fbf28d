package pyfunc_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/pandas_udf"
	"github.com/sluice-stream/sluice/table/pyfunc"
)

func TestAsyncErrorIsTheRowFunctionsError(t *testing.T) {
	const rowErr = "sluice.table._async_udf.AsyncUDFRowError"
	batchErr := func(typ, msg string) error {
		return &pandas_udf.UDFError{Kind: "arrow", UDF: "lookup", Phase: cpython.PhaseCall, FirstRow: 0, EndRow: 10, Column: -1,
			Cause: &cpython.Error{Type: typ, Message: msg, Traceback: "Traceback (most recent call last):\n  File \"<sluice>/pandas_udf/driver.py\"\n" + typ + ": " + msg}}
	}
	tb := "Traceback (most recent call last):\n  File \"job.py\", line 3, in lookup\n    raise KeyError(ip)\nKeyError: '1.2.3.4'\n"
	for _, tc := range []struct {
		name string
		in   error
		want string
		row  *cpython.UDFError
	}{{
		name: "a failing call",
		in:   batchErr(rowErr, `{"row": 7, "args": ["'1.2.3.4'", "None"], "phase": "call", "type": "KeyError", "message": "'1.2.3.4'", "traceback": `+fmt.Sprintf("%q", tb)+`}`),
		want: "python UDF lookup raised an exception at row 7 with arguments ('1.2.3.4', None): " + tb[:len(tb)-1],
		row:  &cpython.UDFError{UDF: "lookup", Row: 7, Args: []string{"'1.2.3.4'", "None"}, Phase: cpython.PhaseCall},
	}, {
		name: "a wrong result",
		in:   batchErr(rowErr, `{"row": 2, "args": ["2"], "phase": "result", "type": "TypeError", "message": "expected int for INT, got 1.5 of type float", "traceback": "TypeError: expected int for INT, got 1.5 of type float\n"}`),
		want: "python UDF lookup returned a wrong result at row 2 with arguments (2): TypeError: expected int for INT, got 1.5 of type float",
		row:  &cpython.UDFError{UDF: "lookup", Row: 2, Args: []string{"2"}, Phase: cpython.PhaseResult},
	}, {
		name: "an argument Python cannot hold",
		in:   batchErr(rowErr, `{"row": 4, "args": null, "phase": "argument", "type": "ValueError", "message": "TIMESTAMP(9) value has nanoseconds", "traceback": ""}`),
		want: "python UDF lookup could not receive its argument at row 4: ValueError: TIMESTAMP(9) value has nanoseconds",
		row:  &cpython.UDFError{UDF: "lookup", Row: 4, Phase: cpython.PhaseArgument},
	}, {
		name: "the wrapper's own failure stays batch-wide, named async",
		in:   batchErr("TypeError", "async UDF lookup: an async function takes at least one argument column"),
		want: "async UDF lookup raised an exception on rows 0 to 9 of its batch: Traceback (most recent call last):",
	}, {
		name: "a message that is no payload is left as it is",
		in:   batchErr(rowErr, "not json"),
		want: "async UDF lookup raised an exception on rows 0 to 9 of its batch:",
	}, {
		name: "other errors pass through",
		in:   errors.New("pandas UDF: evaluator used after Close"),
		want: "pandas UDF: evaluator used after Close",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got := pyfunc.AsyncError(tc.in)
			require.Error(t, got)
			assert.Contains(t, got.Error(), tc.want)
			var ue *cpython.UDFError
			if tc.row == nil {
				assert.False(t, errors.As(got, &ue))
				return
			}
			require.True(t, errors.As(got, &ue))
			assert.Equal(t, tc.row.UDF, ue.UDF)
			assert.Equal(t, tc.row.Row, ue.Row)
			assert.Equal(t, tc.row.Args, ue.Args)
			assert.Equal(t, tc.row.Phase, ue.Phase)
			var pe *cpython.Error
			require.True(t, errors.As(got, &pe))
			assert.NotEqual(t, rowErr, pe.Type)
		})
	}
}
