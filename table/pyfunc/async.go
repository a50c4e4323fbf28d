package pyfunc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/pandas_udf"
	"github.com/sluice-stream/sluice/table/catalog"
	"github.com/sluice-stream/sluice/vectorized"
)

// Async functions (udf over an `async def`, _sluice_func_type "async") run
// on the Arrow UDF path: the Python wrapper (sluice.table._async_udf) gets
// the batch's columns as pyarrow Arrays in one crossing, converts them to
// the values a row function sees, awaits the calls on its event loop with
// at most `concurrency` in flight, and returns the result column. What this
// file adds is the error: a failing row comes back from the wrapper as an
// AsyncUDFRowError whose message is a JSON object, and becomes the row
// functions' cpython.UDFError (UDF, row, arguments, cause with traceback).

type asyncRuntime struct{}

func (asyncRuntime) Name() string { return "async" }

func (asyncRuntime) NewEvaluator(calls []catalog.Call) (vectorized.FunctionEvaluator, error) {
	udfs := make([]pandas_udf.UDF, len(calls))
	var nullary []*cpython.Object
	defer func() {
		if len(nullary) > 0 {
			_ = cpython.Do(func(py *cpython.GIL) error {
				for _, o := range nullary {
					py.DecRef(o)
				}
				return nil
			})
		}
	}()
	for i, c := range calls {
		f := c.Function.(*Function)
		udfs[i] = pandas_udf.UDF{Name: c.Name, Func: f.fn, Args: c.Args, Result: c.Result.Arrow()}
		if len(c.Args) > 0 {
			continue
		}
		// A call without arguments: the wrapper's nullary form takes the
		// batch's first column, for its length only.
		err := cpython.Do(func(py *cpython.GIL) error {
			o, err := py.GetAttr(f.fn, "_sluice_nullary")
			if err != nil {
				return fmt.Errorf("async UDF %s: %w", c.Name, err)
			}
			nullary = append(nullary, o)
			udfs[i].Func, udfs[i].Args = o, []int{0}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	ev, err := pandas_udf.NewArrowEvaluator(udfs)
	if err != nil {
		return nil, err
	}
	return withOpen(&asyncEvaluator{Evaluator: ev}, calls), nil
}

// asyncEvaluator is the Arrow evaluator with the async wrapper's errors
// made row errors.
type asyncEvaluator struct {
	*pandas_udf.Evaluator
}

func (e *asyncEvaluator) Evaluate(ctx context.Context, b *vectorized.Batch) ([]arrow.Array, error) {
	out, err := e.Evaluator.Evaluate(ctx, b)
	if err != nil {
		return nil, AsyncError(err)
	}
	return out, nil
}

// asyncRowErrorType is the Python type of the wrapper's row failures, as
// cpython.Error spells exception types.
const asyncRowErrorType = "sluice.table._async_udf.AsyncUDFRowError"

// asyncFailure is the JSON message of an AsyncUDFRowError.
type asyncFailure struct {
	Row       int64     `json:"row"`
	Args      *[]string `json:"args"` // null for an argument error
	Phase     string    `json:"phase"`
	Type      string    `json:"type"`
	Message   string    `json:"message"`
	Traceback string    `json:"traceback"`
}

// AsyncError turns the Arrow evaluator's error for an async function into
// what a row function's failure looks like: a *cpython.UDFError naming the
// function, the row within the batch, the row's arguments and the Python
// exception with its traceback. Other failures of the wrapper keep the
// batch-wide pandas_udf.UDFError, named as an async UDF's.
func AsyncError(err error) error {
	var ue *pandas_udf.UDFError
	if !errors.As(err, &ue) {
		return err
	}
	var pe *cpython.Error
	if ue.Phase == cpython.PhaseCall && errors.As(ue.Cause, &pe) && pe.Type == asyncRowErrorType {
		var f asyncFailure
		if jerr := json.Unmarshal([]byte(pe.Message), &f); jerr == nil {
			re := &cpython.UDFError{UDF: ue.UDF, Row: f.Row, Cause: &cpython.Error{Type: f.Type, Message: f.Message, Traceback: f.Traceback}}
			if f.Args != nil {
				re.Args = *f.Args
			}
			switch f.Phase {
			case "result":
				re.Phase = cpython.PhaseResult
			case "argument":
				re.Phase = cpython.PhaseArgument
			default:
				re.Phase = cpython.PhaseCall
			}
			return re
		}
	}
	ue.Kind = "async"
	return err
}
