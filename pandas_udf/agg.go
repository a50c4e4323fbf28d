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
	return loadOnce(py, &aggDriverModule, "_sluice_pandas_agg", "<sluice>/pandas_udf/agg_driver.py", aggDriverSource, "pandas aggregate: loading the driver")
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
//
// As for pandas UDFs, the offsets and every numeric argument column
// without NULLs cross as views of their buffers, the others through the C
// Data Interface; a numeric result of exactly the declared type is written
// by Python into a buffer allocated here.
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
	// The structs of the arguments that are no views, then the result's.
	block := cBlock(uintptr(nargs+1) * arrayStructSize)
	defer cFree(block)
	// pyarrow moves each imported struct; these release what a failure
	// left behind (releasing a moved struct does nothing).
	defer func() {
		for i := 0; i < nargs; i++ {
			cdata.ReleaseCArrowArray(cArray(block, i))
		}
	}()
	cargs := make([]cpython.Arg, aggArgViews+nargs)
	defer cpython.ReleaseArgs(cargs)
	cargs[aggArgGroups] = cpython.IntArg(int64(ngroups))
	cargs[aggArgBlock] = cpython.IntArg(int64(uintptr(block)))
	cargs[aggArgOffsets] = cpython.ViewArg(unsafe.Pointer(&offsets[0]), len(offsets)*8, false)
	cargs[aggArgOut], cargs[aggArgOutValid] = cpython.NoneArg(), cpython.NoneArg()
	status := new(int64)
	*status = -1
	var data, bitmap []byte
	defer func() {
		if data != nil {
			resultMemory.Free(data)
		}
		if bitmap != nil {
			resultMemory.Free(bitmap)
		}
	}()
	if w := viewWidth(a.result); w > 0 {
		data = resultMemory.Allocate(ngroups * w)
		cargs[aggArgOut] = cpython.FillViewArg(unsafe.Pointer(&data[0]), len(data), status)
		if id := a.result.ID(); id == arrow.FLOAT32 || id == arrow.FLOAT64 {
			bitmap = resultMemory.Allocate((ngroups + 7) / 8)
			cargs[aggArgOutValid] = cpython.ViewArg(unsafe.Pointer(&bitmap[0]), len(bitmap), true)
		}
	}
	for i, col := range args {
		if !arrow.TypeEqual(col.DataType(), a.args[i]) {
			return nil, fmt.Errorf("pandas aggregate function %s: argument %d is %s, prepared for %s", a.name, i+1, col.DataType(), a.args[i])
		}
		if p, size, ok := dataView(col); ok {
			cargs[aggArgViews+i] = cpython.ViewArg(p, size, false)
			continue
		}
		cargs[aggArgViews+i] = cpython.NoneArg()
		exp, err := vectorized.ForExport(col, memory.DefaultAllocator)
		if err != nil {
			return nil, fmt.Errorf("pandas aggregate function %s: argument %d: %w", a.name, i+1, err)
		}
		cdata.ExportArrowArray(exp, cArray(block, i), nil)
		exp.Release()
	}
	out := cArray(block, nargs)
	err := cpython.DoBatch(ctx, a.labels.For(vectorized.JobName(ctx)), func(py *cpython.GIL) error {
		dropUnusedViews(py)
		releaseDeferred(py)
		res, err := py.CallArgs(a.eval, cargs)
		a.keepViews(cargs, args, offsets, &data, &bitmap)
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
	if nulls := *status; nulls >= 0 && data != nil {
		// Written into data: the array owns it from here on.
		var valid []byte
		if nulls > 0 {
			valid = bitmap
		}
		arr := fromBuffers(a.result, int64(ngroups), data, valid, nulls)
		data = nil
		return arr, nil
	}
	arr, err := cdata.ImportCArrayWithType(out, a.result)
	if err != nil {
		cdata.ReleaseCArrowArray(out)
		return nil, fmt.Errorf("pandas aggregate function %s: importing the results: %w", a.name, err)
	}
	return arr, nil
}

// The arguments of the driver's evaluate; the argument views follow.
const (
	aggArgGroups = iota
	aggArgBlock
	aggArgOffsets
	aggArgOut
	aggArgOutValid
	aggArgViews
)

// keepViews hands the views Python still refers to after the call to
// keepView with what keeps their memory valid: a function that keeps an
// argument keeps its column. The driver keeps neither the offsets nor the
// result buffers; should it, their memory is left to the kept view.
func (a *Aggregate) keepViews(cargs []cpython.Arg, args []arrow.Array, offsets []int64, data, bitmap *[]byte) {
	for i, col := range args {
		if v := cargs[aggArgViews+i].Kept(); v != nil {
			col.Retain()
			arg := &cargs[aggArgViews+i]
			keepView(v, func() { arg.Unpin(); col.Release() })
		}
	}
	if v := cargs[aggArgOffsets].Kept(); v != nil {
		arg := &cargs[aggArgOffsets]
		keepView(v, func() { arg.Unpin(); _ = offsets })
	}
	for _, k := range []struct {
		i   int
		buf *[]byte
	}{{aggArgOut, data}, {aggArgOutValid, bitmap}} {
		if v := cargs[k.i].Kept(); v != nil {
			b := *k.buf
			*k.buf = nil
			arg := &cargs[k.i]
			keepView(v, func() { arg.Unpin(); resultMemory.Free(b) })
		}
	}
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
