package pandas_udf

import (
	"context"
	_ "embed"
	"fmt"
	"sync/atomic"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/cdata"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/vectorized"
)

// Aggregate is a pandas aggregate function (PyFlink's udaf with func_type
// "pandas"): f receives, per group, one pandas Series per argument holding
// all the group's rows, and returns the group's value. Call evaluates many
// groups in one call into Python: their rows concatenated into one Arrow
// array per argument, cut by offsets. Each column becomes pandas once per
// call (as a pandas UDF's argument would), and each group's Series is a
// slice of it.
type Aggregate struct {
	name   string
	args   []arrow.DataType
	result arrow.DataType
	driver *cpython.Object // _sluice_pandas_agg.Aggregate
	eval   *cpython.Object // its evaluate
	labels *cpython.Labels
	closed atomic.Bool
}

//go:embed agg_driver.py
var aggDriverSource string

var aggDriverModule atomic.Pointer[cpython.Object]

func loadAggDriver(py *cpython.GIL) (*cpython.Object, error) {
	if m := aggDriverModule.Load(); m != nil {
		return m, nil
	}
	m, err := py.LoadModule("_sluice_pandas_agg", "<sluice>/pandas_udf/agg_driver.py", aggDriverSource)
	if err != nil {
		return nil, fmt.Errorf("pandas aggregate: loading the driver: %w", err)
	}
	if !aggDriverModule.CompareAndSwap(nil, m) {
		py.DecRef(m)
	}
	return aggDriverModule.Load(), nil
}

// NewAggregate prepares f over arguments of types args with a result of
// type result. It takes its own reference to f. The interpreter must be
// started.
func NewAggregate(name string, f *cpython.Object, args []arrow.DataType, result arrow.DataType) (*Aggregate, error) {
	if f == nil {
		return nil, fmt.Errorf("pandas aggregate function %s: no function", name)
	}
	if result == nil {
		return nil, fmt.Errorf("pandas aggregate function %s: no result type", name)
	}
	a := &Aggregate{name: name, args: append([]arrow.DataType(nil), args...), result: result, labels: cpython.NewLabels(name)}
	err := cpython.Do(func(py *cpython.GIL) error {
		if !py.Callable(f) {
			return fmt.Errorf("pandas aggregate function %s: a %s object is not callable", name, py.TypeName(f))
		}
		pd, err := loadDriver(py)
		if err != nil {
			return err
		}
		mod, err := loadAggDriver(py)
		if err != nil {
			return err
		}
		cls, err := py.GetAttr(mod, "Aggregate")
		if err != nil {
			return err
		}
		defer py.DecRef(cls)
		fields := make([]arrow.Field, 0, len(args)+1)
		for i, t := range args {
			fields = append(fields, arrow.Field{Name: fmt.Sprintf("a%d", i), Type: t, Nullable: true})
		}
		fields = append(fields, arrow.Field{Name: "result", Type: result, Nullable: true})
		schema := (*cdata.CArrowSchema)(cBlock(schemaStructSize))
		defer cFree(unsafe.Pointer(schema))
		cdata.ExportArrowSchema(arrow.NewSchema(fields, nil), schema)
		defer cdata.ReleaseCArrowSchema(schema)
		ptr, size := py.Int(int64(uintptr(unsafe.Pointer(schema)))), py.Int(int64(arrayStructSize))
		defer py.DecRef(ptr)
		defer py.DecRef(size)
		d, err := py.Call(cls, f, pd, ptr, size)
		if err != nil {
			return fmt.Errorf("pandas aggregate function %s: preparing argument types %v and result type %s: %w", name, args, result, err)
		}
		a.driver = d
		a.eval, err = py.GetAttr(d, "evaluate")
		return err
	})
	if err != nil {
		a.free()
		return nil, err
	}
	return a, nil
}

// Call evaluates len(offsets)-1 groups: group g is rows
// [offsets[g], offsets[g+1]) of the argument columns args. The result has
// one value per group; the caller releases it. A group may be empty: the
// function then receives empty Series.
func (a *Aggregate) Call(ctx context.Context, args []arrow.Array, offsets []int64) (arrow.Array, error) {
	if a.closed.Load() {
		return nil, fmt.Errorf("pandas aggregate function %s: used after Close", a.name)
	}
	if len(args) != len(a.args) {
		return nil, fmt.Errorf("pandas aggregate function %s: %d argument columns for %d arguments", a.name, len(args), len(a.args))
	}
	ngroups := len(offsets) - 1
	if ngroups <= 0 {
		return array.MakeArrayOfNull(memory.DefaultAllocator, a.result, 0), nil
	}
	nargs := len(args)
	block := cBlock(uintptr(nargs+2) * arrayStructSize)
	defer cFree(block)
	// pyarrow moves each imported struct; these release what a failure
	// left behind (releasing a moved struct does nothing).
	defer func() {
		for i := 0; i <= nargs; i++ {
			cdata.ReleaseCArrowArray(cArray(block, i))
		}
	}()
	offs := array.NewData(arrow.PrimitiveTypes.Int64, len(offsets),
		[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int64Traits.CastToBytes(offsets))}, nil, 0, 0)
	offArr := array.MakeFromData(offs)
	offs.Release()
	// The offsets stay Go memory the export points at: offsets outlives
	// the call, and pyarrow converts them to a list before returning.
	cdata.ExportArrowArray(offArr, cArray(block, 0), nil)
	offArr.Release()
	for i, col := range args {
		if !arrow.TypeEqual(col.DataType(), a.args[i]) {
			return nil, fmt.Errorf("pandas aggregate function %s: argument %d is %s, prepared for %s", a.name, i+1, col.DataType(), a.args[i])
		}
		exp, err := vectorized.ForExport(col, memory.DefaultAllocator)
		if err != nil {
			return nil, fmt.Errorf("pandas aggregate function %s: argument %d: %w", a.name, i+1, err)
		}
		cdata.ExportArrowArray(exp, cArray(block, i+1), nil)
		exp.Release()
	}
	out := cArray(block, nargs+1)
	err := cpython.DoBatch(ctx, a.labels.For(vectorized.JobName(ctx)), func(py *cpython.GIL) error {
		dropUnusedViews(py)
		releaseDeferred(py)
		res, err := py.CallArgs(a.eval, []cpython.Arg{cpython.IntArg(int64(ngroups)), cpython.IntArg(int64(uintptr(block)))})
		if err != nil {
			return fmt.Errorf("pandas aggregate function %s: %w", a.name, err)
		}
		defer py.DecRef(res)
		if !py.IsNone(res) {
			return a.failure(py, res, offsets)
		}
		return nil
	})
	if err != nil {
		cdata.ReleaseCArrowArray(out)
		return nil, err
	}
	arr, err := cdata.ImportCArrayWithType(out, a.result)
	if err != nil {
		cdata.ReleaseCArrowArray(out)
		return nil, fmt.Errorf("pandas aggregate function %s: importing the results: %w", a.name, err)
	}
	return arr, nil
}

// failure turns the driver's Failure into an AggError.
func (a *Aggregate) failure(py *cpython.GIL, f *cpython.Object, offsets []int64) error {
	str := map[string]string{}
	for _, name := range []string{"phase", "detail", "type", "message", "traceback"} {
		o, err := py.GetAttr(f, name)
		if err != nil {
			return err
		}
		s, err := py.AsString(o)
		py.DecRef(o)
		if err != nil {
			return err
		}
		str[name] = s
	}
	o, err := py.GetAttr(f, "slot")
	if err != nil {
		return err
	}
	slot, err := py.AsInt64(o)
	py.DecRef(o)
	if err != nil {
		return err
	}
	e := &AggError{Function: a.name, Detail: str["detail"], Group: -1, Argument: -1}
	if str["type"] != "" {
		e.Cause = &cpython.Error{Type: str["type"], Message: str["message"], Traceback: str["traceback"]}
	}
	switch str["phase"] {
	case "call":
		e.Phase = cpython.PhaseCall
		e.Group = int(slot)
		if g := int(slot); g >= 0 && g+1 < len(offsets) {
			e.Rows = offsets[g+1] - offsets[g]
		}
	case "result":
		e.Phase = cpython.PhaseResult
	case "argument":
		e.Phase = cpython.PhaseArgument
		e.Argument = int(slot)
	default:
		return fmt.Errorf("pandas aggregate function %s: the driver reported an unknown phase %q", a.name, str["phase"])
	}
	return e
}

// Close drops the function. Calls in flight finish.
func (a *Aggregate) Close() error {
	if a.closed.Swap(true) {
		return nil
	}
	a.labels.Free()
	return a.free()
}

func (a *Aggregate) free() error {
	if a.driver == nil && a.eval == nil {
		return nil
	}
	return cpython.Do(func(py *cpython.GIL) error {
		if a.eval != nil {
			py.DecRef(a.eval)
		}
		if a.driver != nil {
			py.DecRef(a.driver)
		}
		a.eval, a.driver = nil, nil
		return nil
	})
}

// AggError is the failure of a pandas aggregate function.
type AggError struct {
	Function string
	Phase    cpython.Phase
	// Group is the group (in the order of the call) whose call raised, -1
	// when no call did; Rows is how many rows that group had.
	Group int
	Rows  int64
	// Argument is the argument (from 0) that could not become pandas, or -1.
	Argument int
	// Detail: the argument's SQL type (PhaseArgument), or what was wrong
	// with the results (PhaseResult).
	Detail string
	// Cause is the function's exception with its traceback, or pyarrow's
	// conversion error.
	Cause error
}

func (e *AggError) Error() string {
	switch e.Phase {
	case cpython.PhaseCall:
		return fmt.Sprintf("pandas aggregate function %s raised an exception on a group of %d rows: %v", e.Function, e.Rows, e.Cause)
	case cpython.PhaseArgument:
		return fmt.Sprintf("pandas aggregate function %s could not receive argument %d (%s): %s", e.Function, e.Argument+1, e.Detail, causeText(e.Cause))
	}
	if e.Cause == nil {
		return fmt.Sprintf("pandas aggregate function %s %s", e.Function, e.Detail)
	}
	return fmt.Sprintf("pandas aggregate function %s %s: %s", e.Function, e.Detail, causeText(e.Cause))
}

func (e *AggError) Unwrap() error { return e.Cause }
