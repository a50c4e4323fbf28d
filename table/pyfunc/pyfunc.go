// Package pyfunc makes Python callables catalog functions: row-at-a-time
// UDFs run by cpython's row kernel, vectorized UDFs by pandas_udf. All the
// Python calls of one calc share one evaluator per kind, so each batch
// crosses into the interpreter once.
package pyfunc

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/pandas_udf"
	"github.com/sluice-stream/sluice/table"
	"github.com/sluice-stream/sluice/table/catalog"
	"github.com/sluice-stream/sluice/table/planner"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// Kind is how a Python function is called.
type Kind int

const (
	// Row functions are called once per row with Python values.
	Row Kind = iota
	// Pandas functions are called once per batch with pandas Series.
	Pandas
	// Arrow functions are called once per batch with pyarrow Arrays.
	Arrow
	// Async functions are async def row functions, awaited concurrently
	// per batch (async.go).
	Async
)

// Function is a Python scalar function with a declared signature.
type Function struct {
	Name   string
	Kind   Kind
	Result types.DataType
	// Inputs, when set, are the declared argument types (PyFlink's
	// input_types); arguments are then checked against them.
	Inputs           []types.DataType
	NonDeterministic bool
	// Table is a table function (udtf): Result is ARRAY of the rows (or
	// values) one call yields, which LATERAL TABLE expands.
	Table bool
	// Agg is how the function aggregates (udaf), NotAggregate for scalar
	// and table functions.
	Agg AggKind
	// TableAggregate is a table aggregate (udtaf): a GeneralAggregate
	// whose value is the rows it emits, for the Table API's flat_aggregate
	// only (planner/tableagg.go).
	TableAggregate bool
	aggOnce
	fn *cpython.Object
	// opener, when set, is the udf wrapper's _sluice_open: called when a
	// calc that calls the function opens, with the subtask's runtime
	// information; fn is then the function not yet opened.
	opener *cpython.Object
}

// New wraps a callable; it takes its own reference to fn.
func New(name string, fn *cpython.Object, kind Kind, result types.DataType, inputs ...types.DataType) (*Function, error) {
	f := &Function{Name: name, Kind: kind, Result: result, Inputs: inputs}
	err := cpython.Do(func(py *cpython.GIL) error {
		if !py.Callable(fn) {
			return fmt.Errorf("python function %s: a %s object is not callable", name, py.TypeName(fn))
		}
		f.fn = py.NewRef(fn)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// InputTypes are the declared argument types (nil when undeclared); the
// planner casts arguments to them where Flink casts implicitly.
func (f *Function) InputTypes() []types.DataType { return f.Inputs }

// Object is the wrapped callable (a borrowed reference).
func (f *Function) Object() *cpython.Object { return f.fn }

// ResultType implements catalog.ScalarFunction.
func (f *Function) ResultType(args []types.DataType) (types.DataType, error) {
	if f.Inputs != nil {
		if len(args) != len(f.Inputs) {
			return types.DataType{}, fmt.Errorf("takes %d arguments (%s), got %d", len(f.Inputs), typeList(f.Inputs), len(args))
		}
		for i, a := range args {
			want := f.Inputs[i]
			if a.Kind != types.Null && a.Arrow().ID() != want.Arrow().ID() {
				return types.DataType{}, fmt.Errorf("argument %d is %s; the function declares %s", i+1, a, want)
			}
		}
	}
	return f.Result, nil
}

func typeList(ts []types.DataType) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.String()
	}
	return strings.Join(parts, ", ")
}

// TableFunction says whether f is a table function (udtf): the planner
// calls it only in LATERAL TABLE and expands its ARRAY result.
func (f *Function) TableFunction() bool { return f.Table }

// IsTableAggregate implements planner's table aggregate check.
func (f *Function) IsTableAggregate() bool { return f.TableAggregate }

// Deterministic implements catalog.ScalarFunction.
func (f *Function) Deterministic() bool { return !f.NonDeterministic }

// Runtime implements catalog.ScalarFunction.
func (f *Function) Runtime() catalog.Runtime {
	switch f.Kind {
	case Pandas:
		return pandasRuntime{}
	case Arrow:
		return arrowRuntime{}
	case Async:
		return asyncRuntime{}
	}
	return rowRuntime{}
}

type rowRuntime struct{}

func (rowRuntime) Name() string { return "python" }

func (rowRuntime) NewEvaluator(calls []catalog.Call) (vectorized.FunctionEvaluator, error) {
	udfs := make([]cpython.RowUDF, len(calls))
	for i, c := range calls {
		f := c.Function.(*Function)
		udfs[i] = cpython.RowUDF{Name: c.Name, Func: f.fn, Args: c.Args, Result: c.Result.Arrow()}
	}
	ev, err := cpython.NewRowEvaluator(udfs)
	if err != nil {
		return nil, err
	}
	return withOpen(ev, calls), nil
}

type pandasRuntime struct{}

func (pandasRuntime) Name() string { return "pandas" }

func (pandasRuntime) NewEvaluator(calls []catalog.Call) (vectorized.FunctionEvaluator, error) {
	udfs := make([]pandas_udf.UDF, len(calls))
	for i, c := range calls {
		f := c.Function.(*Function)
		udfs[i] = pandas_udf.UDF{Name: c.Name, Func: f.fn, Args: c.Args, Result: c.Result.Arrow()}
	}
	ev, err := pandas_udf.NewEvaluator(udfs)
	if err != nil {
		return nil, err
	}
	return withOpen(ev, calls), nil
}

type arrowRuntime struct{}

func (arrowRuntime) Name() string { return "arrow" }

func (arrowRuntime) NewEvaluator(calls []catalog.Call) (vectorized.FunctionEvaluator, error) {
	udfs := make([]pandas_udf.UDF, len(calls))
	for i, c := range calls {
		f := c.Function.(*Function)
		udfs[i] = pandas_udf.UDF{Name: c.Name, Func: f.fn, Args: c.Args, Result: c.Result.Arrow()}
	}
	ev, err := pandas_udf.NewArrowEvaluator(udfs)
	if err != nil {
		return nil, err
	}
	return withOpen(ev, calls), nil
}

// Load resolves 'package.module.function' for CREATE FUNCTION ... LANGUAGE
// PYTHON. The object must declare its result type, as PyFlink's udf()
// wrappers do: Sluice reads `_sluice_result_type` (a SQL type string) and
// `_sluice_func_type` ("general", "pandas" or "arrow"), which the Python API's
// udf() sets.
func Load(identifier string) (catalog.ScalarFunction, error) {
	mod, attr, ok := cutLast(identifier, ".")
	if !ok {
		return nil, fmt.Errorf("a Python function is named as module.function")
	}
	if err := cpython.Initialize(); err != nil {
		return nil, err
	}
	var f *Function
	err := cpython.Do(func(py *cpython.GIL) error {
		m, err := py.Import(mod)
		if err != nil {
			return err
		}
		defer py.DecRef(m)
		obj, err := py.GetAttr(m, attr)
		if err != nil {
			return err
		}
		defer py.DecRef(obj)
		f, err = FromObject(py, attr, obj)
		if err != nil {
			return fmt.Errorf("%s: %w", identifier, err)
		}
		return nil
	})
	return f, err
}

// FromObject makes a function of a Python object that declares its types
// as the Python API's udf() wrappers do: `_sluice_result_type` (SQL type
// text, required), `_sluice_func_type` ("general", "pandas" or "arrow"),
// `_sluice_input_types` (a list of SQL type texts, or None),
// `_sluice_deterministic`, and `_sluice_callable`, the function the engine
// calls (the object itself when absent).
func FromObject(py *cpython.GIL, name string, obj *cpython.Object) (*Function, error) {
	rt, err := py.GetAttr(obj, "_sluice_result_type")
	if err != nil {
		if !py.Callable(obj) {
			return nil, fmt.Errorf("a %s object is not a function", py.TypeName(obj))
		}
		return nil, fmt.Errorf("it declares no result type: wrap it with udf(result_type=...)")
	}
	defer py.DecRef(rt)
	text, err := py.AsString(rt)
	if err != nil {
		return nil, err
	}
	result, err := parseType(text)
	if err != nil {
		return nil, fmt.Errorf("result type %q: %w", text, err)
	}
	f := &Function{Name: name, Kind: Row, Result: result}
	if ft, err := py.GetAttr(obj, "_sluice_func_type"); err == nil {
		s, _ := py.AsString(ft)
		py.DecRef(ft)
		switch s {
		case "pandas":
			f.Kind = Pandas
		case "arrow":
			f.Kind = Arrow
		case "async":
			f.Kind = Async
		case "table":
			// udtf: a row function returning the list of its rows.
			f.Table = true
			if f.Result.Kind != types.Array {
				return nil, fmt.Errorf("a table function returns ARRAY<row type>, not %s", f.Result)
			}
		case "aggregate":
			f.Agg = GeneralAggregate
		case "table_aggregate":
			f.Agg, f.TableAggregate = GeneralAggregate, true
		case "pandas_aggregate":
			f.Agg = PandasAggregate
		case "general", "":
		default:
			return nil, fmt.Errorf("function type %q is not general, pandas, arrow, table or aggregate", s)
		}
	}
	if it, err := py.GetAttr(obj, "_sluice_input_types"); err == nil {
		if !py.IsNone(it) {
			items, err := py.Items(it)
			if err != nil {
				py.DecRef(it)
				return nil, err
			}
			for _, o := range items {
				s, err := py.AsString(o)
				py.DecRef(o)
				if err != nil {
					py.DecRef(it)
					return nil, err
				}
				t, err := parseType(s)
				if err != nil {
					py.DecRef(it)
					return nil, fmt.Errorf("input type %q: %w", s, err)
				}
				f.Inputs = append(f.Inputs, t)
			}
		}
		py.DecRef(it)
	}
	if d, err := py.GetAttr(obj, "_sluice_deterministic"); err == nil {
		det, _ := py.AsBool(d)
		py.DecRef(d)
		f.NonDeterministic = !det
	}
	fn := obj
	if op, err := py.GetAttr(obj, "_sluice_open"); err == nil {
		// A udf wrapper: the job opens the function (openingEvaluator).
		ev, err := py.GetAttr(obj, "_sluice_eval")
		if err != nil {
			py.DecRef(op)
			return nil, err
		}
		if !py.Callable(ev) && f.Agg == NotAggregate {
			py.DecRef(op)
			py.DecRef(ev)
			return nil, fmt.Errorf("a %s object is not callable", py.TypeName(ev))
		}
		f.fn, f.opener = ev, op
		return f, nil
	}
	if c, err := py.GetAttr(obj, "_sluice_callable"); err == nil {
		defer py.DecRef(c)
		fn = c
	} else if e := new(cpython.Error); errors.As(err, &e) && e.Type != "AttributeError" {
		// open() of a ScalarFunction failed: the user's traceback.
		return nil, err
	}
	if !py.Callable(fn) && f.Agg == NotAggregate {
		return nil, fmt.Errorf("a %s object is not callable", py.TypeName(fn))
	}
	f.fn = py.NewRef(fn)
	return f, nil
}

func parseType(text string) (types.DataType, error) {
	ast, err := sql.ParseDataType(text)
	if err != nil {
		return types.DataType{}, err
	}
	return planner.TypeFromAST(ast)
}

func cutLast(s, sep string) (string, string, bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return "", "", false
	}
	return s[:i], s[i+len(sep):], true
}

func init() { table.RegisterPythonFunctionLoader(Load) }
