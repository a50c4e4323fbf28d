package python

import (
	"errors"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/table"
	"github.com/sluice-stream/sluice/table/planner"
	"github.com/sluice-stream/sluice/table/sql"

	_ "github.com/sluice-stream/sluice/connectors/builtin"
)

// Go objects the Python side holds are handles: integers into this table.
var (
	handlesMu sync.Mutex
	handles   = map[int64]any{}
	nextID    int64
)

func keep(v any) int64 {
	handlesMu.Lock()
	defer handlesMu.Unlock()
	nextID++
	handles[nextID] = v
	return nextID
}

func lookup[T any](py *cpython.GIL, o *cpython.Object) (T, error) {
	var zero T
	id, err := py.AsInt64(o)
	if err != nil {
		return zero, err
	}
	handlesMu.Lock()
	v, ok := handles[id]
	handlesMu.Unlock()
	if !ok {
		return zero, &cpython.Raise{Builtin: "ValueError", Msg: fmt.Sprintf("sluice: handle %d is released", id)}
	}
	t, ok := v.(T)
	if !ok {
		return zero, &cpython.Raise{Builtin: "TypeError", Msg: fmt.Sprintf("sluice: handle %d is a %T", id, v)}
	}
	return t, nil
}

type op func(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error)

// ops are the native operations by name. Files of this package that add
// operations of their own register them in an init function.
var ops = map[string]op{
	"env.new":             envNew,
	"env.set_config":      envSetConfig,
	"env.get_config":      envGetConfig,
	"env.parse":           envParse,
	"env.run":             envRun,
	"env.submit":          envSubmit,
	"env.sql_query":       envSQLQuery,
	"env.from_path":       envFromPath,
	"env.from_values":     envFromValues,
	"env.from_arrow":      envFromArrow,
	"env.create_view":     envCreateView,
	"table.op":            tableOp,
	"table.schema":        tableSchema,
	"table.explain":       tableExplain,
	"table.stream":        tableStream,
	"stream.next":         streamNext,
	"stream.cancel":       streamCancel,
	"table.execute":       tableExecute,
	"table.submit_insert": tableSubmitInsert,
	"result.text":         resultText,
	"result.columns":      resultColumns,
	"result.arrow":        resultArrow,
	"result.rows":         resultRows,
	"result.metrics":      resultMetrics,
	"job.wait":            jobWait,
	"job.cancel":          jobCancel,
	"job.metrics":         jobMetrics,
	"job.name":            jobName,
	"release":             release,
	"sql.parse_type":      parseType,
	"env.streaming":       envStreaming,
}

func handle(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if len(args) == 0 {
		return nil, &cpython.Raise{Builtin: "TypeError", Msg: "call(op, *args): no op"}
	}
	name, err := py.AsString(args[0])
	if err != nil {
		return nil, err
	}
	f, ok := ops[name]
	if !ok {
		return nil, &cpython.Raise{Builtin: "NotImplementedError", Msg: "sluice: no native operation " + name}
	}
	return runOp(py, name, f, args[1:])
}

// runOp runs one native operation; a Go panic in it becomes a
// RuntimeError naming the operation (the job's own tasks recover theirs
// into TaskErrors), so a bug in the bridge shows up as a Python exception
// instead of killing the process.
func runOp(py *cpython.GIL, name string, f op, args []*cpython.Object) (res *cpython.Object, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, &cpython.Raise{Builtin: "RuntimeError", Msg: fmt.Sprintf("sluice: internal error in %s (Go panic): %v\n\n%s", name, r, debug.Stack())}
		}
	}()
	res, err = f(py, args)
	if err != nil {
		return nil, userError(err)
	}
	return res, nil
}

// userError picks the exception a PyFlink user expects: SQL and
// validation errors as ValueError (PyFlink raises ValidationException,
// a subclass the Python side maps), the rest as they come.
func userError(err error) error {
	var r *cpython.Raise
	var pe *cpython.Error
	if errors.As(err, &r) || errors.As(err, &pe) {
		return err
	}
	var se *sql.Error
	if errors.As(err, &se) {
		return &cpython.Raise{Builtin: "ValueError", Msg: err.Error()}
	}
	return err
}

func need(args []*cpython.Object, n int, usage string) error {
	if len(args) < n {
		return &cpython.Raise{Builtin: "TypeError", Msg: "sluice: " + usage}
	}
	return nil
}

func strs(py *cpython.GIL, o *cpython.Object) ([]string, error) {
	items, err := py.Items(o)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(items))
	for i, it := range items {
		s, err := py.AsString(it)
		py.DecRef(it)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

func strList(py *cpython.GIL, ss []string) *cpython.Object {
	objs := make([]*cpython.Object, len(ss))
	for i, s := range ss {
		objs[i] = py.Str(s)
	}
	l := py.List(objs...)
	for _, o := range objs {
		py.DecRef(o)
	}
	return l
}

func release(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	id, err := py.AsInt64(args[0])
	if err != nil {
		return nil, err
	}
	handlesMu.Lock()
	v := handles[id]
	delete(handles, id)
	handlesMu.Unlock()
	switch r := v.(type) {
	case *table.Result:
		r.Release()
	case *jobState:
		forgetJob(r)
	case *streamState:
		if !r.done {
			// An abandoned iterator: stop its job and drop what arrives.
			r.s.Job.Cancel()
			go func() {
				for b := range r.s.C {
					b.Release()
				}
			}()
		}
		if r.imp != nil {
			py.DecRef(r.imp)
		}
	}
	return nil, nil
}

// parseType checks a SQL type text and returns it normalized.
func parseType(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	s, err := py.AsString(args[0])
	if err != nil {
		return nil, err
	}
	ast, err := sql.ParseDataType(s)
	if err != nil {
		return nil, &cpython.Raise{Builtin: "ValueError", Msg: err.Error()}
	}
	t, err := planner.TypeFromAST(ast)
	if err != nil {
		return nil, &cpython.Raise{Builtin: "ValueError", Msg: err.Error()}
	}
	return py.Str(t.String()), nil
}
