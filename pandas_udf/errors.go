package pandas_udf

import (
	"errors"
	"fmt"

	"github.com/sluice-stream/sluice/cpython"
)

// UDFError is the failure of a pandas UDF on a batch. It says which rows of
// the batch the failed call covered rather than a row: the function sees
// them all at once.
type UDFError struct {
	// Kind is "pandas" or "arrow" (func_type), as the message names it;
	// empty means pandas.
	Kind     string
	UDF      string
	Phase    cpython.Phase
	FirstRow int64 // first row of the batch the call received
	EndRow   int64 // one past the last
	// Column is the batch column that could not be converted
	// (PhaseArgument), or -1.
	Column int
	// Detail says what went wrong in words ("returned 3 rows for a batch of
	// 10 rows"); for PhaseArgument it is the column's SQL type.
	Detail string
	// Cause is a *cpython.Error: the function's exception with its
	// traceback, or pyarrow's conversion error. Nil when Detail says it all.
	Cause error
}

func (e *UDFError) Error() string {
	rows := fmt.Sprintf("rows %d to %d of its batch", e.FirstRow, e.EndRow-1)
	kind := e.Kind
	if kind == "" {
		kind = "pandas"
	}
	switch e.Phase {
	case cpython.PhaseCall:
		return fmt.Sprintf("%s UDF %s raised an exception on %s: %v", kind, e.UDF, rows, e.Cause)
	case cpython.PhaseArgument:
		return fmt.Sprintf("%s UDF %s could not receive column %d (%s) on %s: %s", kind,
			e.UDF, e.Column, e.Detail, rows, causeText(e.Cause))
	}
	if e.Cause == nil {
		return fmt.Sprintf("%s UDF %s %s", kind, e.UDF, e.Detail)
	}
	return fmt.Sprintf("%s UDF %s %s: %s", kind, e.UDF, e.Detail, causeText(e.Cause))
}

func (e *UDFError) Unwrap() error { return e.Cause }

// causeText is a conversion error as pyarrow words it: its message alone,
// since the sentence before it already says what failed.
func causeText(err error) string {
	var pe *cpython.Error
	if errors.As(err, &pe) && pe.Traceback == "" && pe.Message != "" {
		return pe.Message
	}
	if err == nil {
		return "unknown cause"
	}
	return err.Error()
}
