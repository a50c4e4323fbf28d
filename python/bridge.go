package python

// #include <stdlib.h>
import "C"

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/cdata"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table"
	"github.com/sluice-stream/sluice/table/planner"
	"github.com/sluice-stream/sluice/table/pyfunc"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/vectorized"

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

// jobState is a submitted job and what waiting for it gave.
type jobState struct {
	job  *table.Job
	once sync.Once
	res  *engine.JobResult
	err  error
}

func (j *jobState) wait() (*engine.JobResult, error) {
	j.once.Do(func() {
		if table.ShowProgress() {
			defer j.job.Progress(os.Stderr)()
		}
		j.res, j.err = j.job.Wait()
	})
	return j.res, j.err
}

type op func(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error)

var ops map[string]op

func init() {
	ops = map[string]op{
		"env.new":               envNew,
		"env.set_config":        envSetConfig,
		"env.get_config":        envGetConfig,
		"env.execute_sql":       envExecuteSQL,
		"env.submit":            envSubmit,
		"env.sql_query":         envSQLQuery,
		"env.from_path":         envFromPath,
		"env.from_values":       envFromValues,
		"env.from_arrow":        envFromArrow,
		"env.create_view":       envCreateView,
		"env.register_function": envRegisterFunction,
		"env.has_function":      envHasFunction,
		"table.op":              tableOp,
		"table.schema":          tableSchema,
		"table.explain":         tableExplain,
		"table.stream":          tableStream,
		"stream.next":           streamNext,
		"stream.cancel":         streamCancel,
		"table.execute":         tableExecute,
		"table.submit_insert":   tableSubmitInsert,
		"result.text":           resultText,
		"result.columns":        resultColumns,
		"result.arrow":          resultArrow,
		"result.rows":           resultRows,
		"result.metrics":        resultMetrics,
		"job.wait":              jobWait,
		"job.cancel":            jobCancel,
		"job.metrics":           jobMetrics,
		"job.name":              jobName,
		"release":               release,
		"sql.parse_type":        parseType,
		"env.streaming":         envStreaming,
	}
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
	res, err := f(py, args[1:])
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

func envNew(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 2, "env.new(streaming, [k, v, ...])"); err != nil {
		return nil, err
	}
	streaming, err := py.AsBool(args[0])
	if err != nil {
		return nil, err
	}
	kv, err := strs(py, args[1])
	if err != nil {
		return nil, err
	}
	cfg := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		cfg[kv[i]] = kv[i+1]
	}
	env := table.NewEnvironment(table.Settings{Streaming: streaming, Config: cfg})
	return py.Int(keep(env)), nil
}

func envStreaming(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	env, err := lookup[*table.Environment](py, args[0])
	if err != nil {
		return nil, err
	}
	return py.Bool(env.Streaming()), nil
}

func envSetConfig(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 3, "env.set_config(env, key, value)"); err != nil {
		return nil, err
	}
	env, err := lookup[*table.Environment](py, args[0])
	if err != nil {
		return nil, err
	}
	k, err := py.AsString(args[1])
	if err != nil {
		return nil, err
	}
	v, err := py.AsString(args[2])
	if err != nil {
		return nil, err
	}
	if err := env.SetConfig(k, v); err != nil {
		return nil, &cpython.Raise{Builtin: "ValueError", Msg: err.Error()}
	}
	return nil, nil
}

func envGetConfig(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	env, err := lookup[*table.Environment](py, args[0])
	if err != nil {
		return nil, err
	}
	cfg := env.Config()
	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var kv []string
	for _, k := range keys {
		kv = append(kv, k, cfg[k])
	}
	return strList(py, kv), nil
}

// blocking runs f with the GIL released: jobs run Python functions on
// other threads.
func blocking[T any](py *cpython.GIL, f func() (T, error)) (T, error) {
	var v T
	var err error
	py.Unlocked(func() { v, err = f() })
	return v, err
}

func envExecuteSQL(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	env, stmt, err := envAndText(py, args, "env.execute_sql(env, statement)")
	if err != nil {
		return nil, err
	}
	// A query keeps its Arrow batches, so that Python gets typed values.
	if st, perr := sql.Parse(stmt); perr == nil {
		if _, ok := st.(sql.Query); ok {
			t, err := env.SQLQuery(stmt)
			if err != nil {
				return nil, err
			}
			res, err := blocking(py, func() (*table.Result, error) { return t.ExecuteBatches(context.Background()) })
			if err != nil {
				return nil, err
			}
			return py.Int(keep(res)), nil
		}
	}
	res, err := blocking(py, func() (*table.Result, error) { return env.ExecuteSQL(context.Background(), stmt) })
	if err != nil {
		return nil, err
	}
	return py.Int(keep(res)), nil
}

// resultRows gives the rows of a result that has no batches (DDL, SHOW,
// DESCRIBE, EXPLAIN) as text: [kinds, rows].
func resultRows(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	res, err := lookup[*table.Result](py, args[0])
	if err != nil {
		return nil, err
	}
	var rows, kinds []*cpython.Object
	for i, r := range res.Text() {
		rows = append(rows, strList(py, r))
		kinds = append(kinds, py.Str(res.Rows[i].Kind))
	}
	rl, kl := py.List(rows...), py.List(kinds...)
	for _, o := range append(rows, kinds...) {
		py.DecRef(o)
	}
	defer py.DecRef(rl)
	defer py.DecRef(kl)
	return py.Tuple(kl, rl), nil
}

func envSubmit(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	env, stmt, err := envAndText(py, args, "env.submit(env, statement)")
	if err != nil {
		return nil, err
	}
	job, err := env.Submit(context.Background(), stmt)
	if err != nil {
		return nil, err
	}
	return py.Int(keep(&jobState{job: job})), nil
}

// envAndText reads the (environment handle, string) arguments most
// environment operations take.
func envAndText(py *cpython.GIL, args []*cpython.Object, usage string) (*table.Environment, string, error) {
	if err := need(args, 2, usage); err != nil {
		return nil, "", err
	}
	env, err := lookup[*table.Environment](py, args[0])
	if err != nil {
		return nil, "", err
	}
	text, err := py.AsString(args[1])
	return env, text, err
}

func tableResult(py *cpython.GIL, t *table.Table) (*cpython.Object, error) {
	if err := t.Err(); err != nil {
		return nil, err
	}
	return py.Int(keep(t)), nil
}

func envSQLQuery(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	env, q, err := envAndText(py, args, "env.sql_query(env, query)")
	if err != nil {
		return nil, err
	}
	t, err := env.SQLQuery(q)
	if err != nil {
		return nil, err
	}
	return tableResult(py, t)
}

func envFromPath(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	env, name, err := envAndText(py, args, "env.from_path(env, path)")
	if err != nil {
		return nil, err
	}
	t, err := env.From(name)
	if err != nil {
		return nil, err
	}
	return tableResult(py, t)
}

// envFromValues builds a table from rows of SQL literals the Python side
// rendered (from_elements, from_pandas).
func envFromValues(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 3, "env.from_values(env, names, rows)"); err != nil {
		return nil, err
	}
	env, err := lookup[*table.Environment](py, args[0])
	if err != nil {
		return nil, err
	}
	names, err := strs(py, args[1])
	if err != nil {
		return nil, err
	}
	rowObjs, err := py.Items(args[2])
	if err != nil {
		return nil, err
	}
	rows := make([][]any, len(rowObjs))
	for i, r := range rowObjs {
		vals, err := strs(py, r)
		py.DecRef(r)
		if err != nil {
			return nil, err
		}
		rows[i] = make([]any, len(vals))
		for j, v := range vals {
			rows[i][j] = v
		}
	}
	t, err := env.FromValues(names, rows...)
	if err != nil {
		return nil, err
	}
	return tableResult(py, t)
}

// envFromArrow makes a table of pyarrow RecordBatches (from_pandas):
// each is exported through the C Data Interface and imported without
// copying its buffers.
func envFromArrow(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 2, "env.from_arrow(env, batches)"); err != nil {
		return nil, err
	}
	env, err := lookup[*table.Environment](py, args[0])
	if err != nil {
		return nil, err
	}
	items, err := py.Items(args[1])
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, it := range items {
			py.DecRef(it)
		}
	}()
	var recs []arrow.RecordBatch
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	for _, it := range items {
		r, err := importBatch(py, it)
		if err != nil {
			return nil, err
		}
		recs = append(recs, r)
	}
	if len(recs) == 0 {
		return nil, &cpython.Raise{Builtin: "ValueError", Msg: "from_arrow: no batches"}
	}
	t, err := env.FromRecords(recs[0].Schema(), recs)
	if err != nil {
		return nil, &cpython.Raise{Builtin: "ValueError", Msg: err.Error()}
	}
	return tableResult(py, t)
}

func importBatch(py *cpython.GIL, batch *cpython.Object) (arrow.RecordBatch, error) {
	arr := (*cdata.CArrowArray)(C.calloc(1, C.size_t(unsafe.Sizeof(cdata.CArrowArray{}))))
	sch := (*cdata.CArrowSchema)(C.calloc(1, C.size_t(unsafe.Sizeof(cdata.CArrowSchema{}))))
	defer C.free(unsafe.Pointer(arr))
	defer C.free(unsafe.Pointer(sch))
	export, err := py.GetAttr(batch, "_export_to_c")
	if err != nil {
		return nil, err
	}
	defer py.DecRef(export)
	a := py.Int(int64(uintptr(unsafe.Pointer(arr))))
	s := py.Int(int64(uintptr(unsafe.Pointer(sch))))
	defer py.DecRef(a)
	defer py.DecRef(s)
	r, err := py.Call(export, a, s)
	if err != nil {
		return nil, err
	}
	py.DecRef(r)
	return cdata.ImportCRecordBatch(arr, sch)
}

func envCreateView(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	env, err := lookup[*table.Environment](py, args[0])
	if err != nil {
		return nil, err
	}
	name, err := py.AsString(args[1])
	if err != nil {
		return nil, err
	}
	t, err := lookup[*table.Table](py, args[2])
	if err != nil {
		return nil, err
	}
	return nil, env.CreateTemporaryView(name, t)
}

// envRegisterFunction registers a udf wrapper (or any object with the
// _sluice_* attributes) as a temporary system function.
func envRegisterFunction(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 3, "env.register_function(env, name, function)"); err != nil {
		return nil, err
	}
	env, err := lookup[*table.Environment](py, args[0])
	if err != nil {
		return nil, err
	}
	name, err := py.AsString(args[1])
	if err != nil {
		return nil, err
	}
	f, err := pyfunc.FromObject(py, name, args[2])
	if err != nil {
		return nil, &cpython.Raise{Builtin: "TypeError", Msg: err.Error()}
	}
	return nil, env.CreateTemporarySystemFunction(name, f)
}

func envHasFunction(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	env, name, err := envAndText(py, args, "env.has_function(env, name)")
	if err != nil {
		return nil, err
	}
	return py.Bool(env.Catalog().Function(name) != nil), nil
}

// tableOp applies one Table API operation; string arguments are PyFlink
// string expressions (the Python side renders DSL expressions to them).
func tableOp(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 2, "table.op(table, op, ...)"); err != nil {
		return nil, err
	}
	name, err := py.AsString(args[1])
	if err != nil {
		return nil, err
	}
	if name == "grouped.select" {
		g, err := lookup[*table.GroupedTable](py, args[0])
		if err != nil {
			return nil, err
		}
		fields, err := anyStrs(py, args[2:])
		if err != nil {
			return nil, err
		}
		return tableResult(py, g.Select(fields...))
	}
	t, err := lookup[*table.Table](py, args[0])
	if err != nil {
		return nil, err
	}
	rest := args[2:]
	var fields []any
	switch name {
	case "union", "union_all", "limit", "drop_columns", "alias":
	default:
		if fields, err = anyStrs(py, rest); err != nil {
			return nil, err
		}
	}
	var out *table.Table
	switch name {
	case "select":
		out = t.Select(fields...)
	case "filter":
		if len(fields) != 1 {
			return nil, &cpython.Raise{Builtin: "TypeError", Msg: "filter takes one predicate"}
		}
		out = t.Filter(fields[0])
	case "group_by":
		return py.Int(keep(t.GroupBy(fields...))), nil
	case "distinct":
		out = t.Distinct()
	case "union", "union_all":
		o, err := lookup[*table.Table](py, rest[0])
		if err != nil {
			return nil, err
		}
		if name == "union" {
			out = t.Union(o)
		} else {
			out = t.UnionAll(o)
		}
	case "add_columns":
		out = t.AddColumns(fields...)
	case "add_or_replace_columns":
		out = t.AddOrReplaceColumns(fields...)
	case "drop_columns":
		names, err := plainStrs(py, rest)
		if err != nil {
			return nil, err
		}
		out = t.DropColumns(names...)
	case "rename_columns":
		out = t.RenameColumns(fields...)
	case "alias":
		names, err := plainStrs(py, rest)
		if err != nil {
			return nil, err
		}
		out = t.Alias(names...)
	case "order_by":
		out = t.OrderBy(fields...)
	case "limit":
		fetch, err := py.AsInt64(rest[0])
		if err != nil {
			return nil, err
		}
		var offset []int64
		if len(rest) > 1 {
			o, err := py.AsInt64(rest[1])
			if err != nil {
				return nil, err
			}
			offset = append(offset, o)
		}
		out = t.Limit(fetch, offset...)
	default:
		return nil, &cpython.Raise{Builtin: "NotImplementedError", Msg: "Table." + name + " is not supported by Sluice yet"}
	}
	return tableResult(py, out)
}

// anyStrs reads Table API arguments: a string is a PyFlink string
// expression; a (sql, alias, order) tuple is a DSL expression, rendered as
// SQL by the Python side.
func anyStrs(py *cpython.GIL, objs []*cpython.Object) ([]any, error) {
	out := make([]any, len(objs))
	for i, o := range objs {
		if py.TypeName(o) == "tuple" {
			parts, err := strs(py, o)
			if err != nil {
				return nil, err
			}
			if len(parts) != 3 {
				return nil, &cpython.Raise{Builtin: "TypeError", Msg: "sluice: a DSL expression item is (sql, alias, order)"}
			}
			e, err := sql.ParseExpression(parts[0])
			if err != nil {
				return nil, err
			}
			if parts[2] != "" {
				e = &sql.OrderItem{Expr: e, Desc: parts[2] == "desc"}
			}
			if parts[1] != "" {
				e = &sql.AliasExpr{Expr: e, Names: []*sql.Ident{{Name: parts[1]}}}
			}
			out[i] = e
			continue
		}
		s, err := py.AsString(o)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

func plainStrs(py *cpython.GIL, objs []*cpython.Object) ([]string, error) {
	out := make([]string, len(objs))
	for i, o := range objs {
		v, err := py.AsString(o)
		if err != nil {
			return nil, err
		}
		out[i] = strings.TrimSpace(v)
	}
	return out, nil
}

func tableSchema(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	t, err := lookup[*table.Table](py, args[0])
	if err != nil {
		return nil, err
	}
	var kv []string
	for _, f := range t.Schema() {
		kv = append(kv, f.Name, f.Type.String())
	}
	return strList(py, kv), nil
}

func tableExplain(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	t, err := lookup[*table.Table](py, args[0])
	if err != nil {
		return nil, err
	}
	s, err := t.Explain()
	if err != nil {
		return nil, err
	}
	return py.Str(s), nil
}

func tableExecute(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	t, err := lookup[*table.Table](py, args[0])
	if err != nil {
		return nil, err
	}
	res, err := blocking(py, func() (*table.Result, error) { return t.ExecuteBatches(context.Background()) })
	if err != nil {
		return nil, err
	}
	return py.Int(keep(res)), nil
}

// streamState is a running query read batch by batch from Python.
type streamState struct {
	s    *table.Stream
	imp  *cpython.Object // pyarrow.RecordBatch._import_from_c
	done bool
}

func tableStream(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	t, err := lookup[*table.Table](py, args[0])
	if err != nil {
		return nil, err
	}
	s, err := t.Stream(context.Background())
	if err != nil {
		return nil, err
	}
	return py.Int(keep(&streamState{s: s})), nil
}

// streamNext waits (without the GIL) for the next batch and returns
// (pyarrow batch, kinds or None), or None when the query has ended.
func streamNext(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	st, err := lookup[*streamState](py, args[0])
	if err != nil {
		return nil, err
	}
	if st.done {
		return nil, nil
	}
	b, _ := blocking(py, func() (*vectorized.Batch, error) { return <-st.s.C, nil })
	if b == nil {
		st.done = true
		if _, err := blocking(py, st.s.Job.Wait); err != nil && !errors.Is(err, context.Canceled) {
			return nil, err
		}
		return nil, nil
	}
	defer b.Release()
	if st.imp == nil {
		if st.imp, err = importFromC(py); err != nil {
			return nil, err
		}
	}
	o, err := exportBatch(py, st.imp, b)
	if err != nil {
		return nil, err
	}
	defer py.DecRef(o)
	kinds := py.None()
	if b.Kinds != nil {
		py.DecRef(kinds)
		var sb strings.Builder
		for _, k := range b.Kinds {
			sb.WriteString(k.String())
		}
		kinds = py.Str(sb.String())
	}
	defer py.DecRef(kinds)
	return py.Tuple(o, kinds), nil
}

func streamCancel(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	st, err := lookup[*streamState](py, args[0])
	if err != nil {
		return nil, err
	}
	st.s.Job.Cancel()
	_, _ = blocking(py, func() (struct{}, error) {
		for b := range st.s.C {
			b.Release()
		}
		return struct{}{}, nil
	})
	st.done = true
	return nil, nil
}

func importFromC(py *cpython.GIL) (*cpython.Object, error) {
	pa, err := py.Import("pyarrow")
	if err != nil {
		return nil, err
	}
	defer py.DecRef(pa)
	rb, err := py.GetAttr(pa, "RecordBatch")
	if err != nil {
		return nil, err
	}
	defer py.DecRef(rb)
	return py.GetAttr(rb, "_import_from_c")
}

func tableSubmitInsert(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	t, err := lookup[*table.Table](py, args[0])
	if err != nil {
		return nil, err
	}
	sink, err := py.AsString(args[1])
	if err != nil {
		return nil, err
	}
	job, err := t.SubmitInsert(context.Background(), sink)
	if err != nil {
		return nil, err
	}
	return py.Int(keep(&jobState{job: job})), nil
}

func resultText(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	res, err := lookup[*table.Result](py, args[0])
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	res.Print(&b)
	return py.Str(b.String()), nil
}

func resultColumns(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	res, err := lookup[*table.Result](py, args[0])
	if err != nil {
		return nil, err
	}
	return strList(py, res.Columns), nil
}

// resultArrow hands the result's batches to pyarrow through the C Data
// Interface (no copy) and returns [batches, kinds] where kinds holds one
// string of +I/-U/+U/-D per batch, or None for insert-only batches.
func resultArrow(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	res, err := lookup[*table.Result](py, args[0])
	if err != nil {
		return nil, err
	}
	pa, err := py.Import("pyarrow")
	if err != nil {
		return nil, err
	}
	defer py.DecRef(pa)
	rbCls, err := py.GetAttr(pa, "RecordBatch")
	if err != nil {
		return nil, err
	}
	defer py.DecRef(rbCls)
	imp, err := py.GetAttr(rbCls, "_import_from_c")
	if err != nil {
		return nil, err
	}
	defer py.DecRef(imp)
	var batches, kinds []*cpython.Object
	defer func() {
		for _, o := range append(batches, kinds...) {
			py.DecRef(o)
		}
	}()
	for _, b := range res.Batches {
		o, err := exportBatch(py, imp, b)
		if err != nil {
			return nil, err
		}
		batches = append(batches, o)
		if b.Kinds == nil {
			kinds = append(kinds, py.None())
			continue
		}
		var sb strings.Builder
		for _, k := range b.Kinds {
			sb.WriteString(k.String())
		}
		kinds = append(kinds, py.Str(sb.String()))
	}
	bl, kl := py.List(batches...), py.List(kinds...)
	defer py.DecRef(bl)
	defer py.DecRef(kl)
	return py.Tuple(bl, kl), nil
}

func exportBatch(py *cpython.GIL, imp *cpython.Object, b *vectorized.Batch) (*cpython.Object, error) {
	// C memory: pyarrow reads the structs by address.
	arr := (*cdata.CArrowArray)(C.calloc(1, C.size_t(unsafe.Sizeof(cdata.CArrowArray{}))))
	sch := (*cdata.CArrowSchema)(C.calloc(1, C.size_t(unsafe.Sizeof(cdata.CArrowSchema{}))))
	defer C.free(unsafe.Pointer(arr))
	defer C.free(unsafe.Pointer(sch))
	cols := make([]arrow.Array, b.Record.NumCols())
	for i, c := range b.Record.Columns() {
		fixed, err := vectorized.ForExport(c, memory.DefaultAllocator)
		if err != nil {
			for _, f := range cols[:i] {
				f.Release()
			}
			return nil, err
		}
		cols[i] = fixed
	}
	rec := array.NewRecordBatch(b.Record.Schema(), cols, b.Record.NumRows())
	for _, c := range cols {
		c.Release()
	}
	defer rec.Release()
	cdata.ExportArrowRecordBatch(rec, arr, sch)
	a := py.Int(int64(uintptr(unsafe.Pointer(arr))))
	s := py.Int(int64(uintptr(unsafe.Pointer(sch))))
	defer py.DecRef(a)
	defer py.DecRef(s)
	o, err := py.Call(imp, a, s)
	if err != nil {
		cdata.ReleaseCArrowArray(arr)
		cdata.ReleaseCArrowSchema(sch)
		return nil, err
	}
	return o, nil
}

func metricsList(py *cpython.GIL, ms []engine.MetricsSnapshot) *cpython.Object {
	var items []*cpython.Object
	for _, m := range ms {
		d, err := newDict(py)
		if err != nil {
			continue
		}
		_ = dictSet(py, d, "vertex", py.Str(m.Vertex))
		_ = dictSet(py, d, "operator", py.Str(m.Operator))
		_ = dictSet(py, d, "kind", py.Str(m.Kind))
		_ = dictSet(py, d, "subtask", py.Int(int64(m.Subtask)))
		_ = dictSet(py, d, "records_in", py.Int(m.RecordsIn))
		_ = dictSet(py, d, "records_out", py.Int(m.RecordsOut))
		_ = dictSet(py, d, "busy_ms", py.Float(float64(m.Busy.Microseconds())/1000))
		keys := make([]string, 0, len(m.Counters))
		for k := range m.Counters {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			_ = dictSet(py, d, k, py.Int(m.Counters[k]))
		}
		items = append(items, d)
	}
	l := py.List(items...)
	for _, o := range items {
		py.DecRef(o)
	}
	return l
}

func resultMetrics(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	res, err := lookup[*table.Result](py, args[0])
	if err != nil {
		return nil, err
	}
	if res.Job == nil {
		return py.List(), nil
	}
	return metricsList(py, res.Job.Metrics), nil
}

func jobWait(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	j, err := lookup[*jobState](py, args[0])
	if err != nil {
		return nil, err
	}
	res, err := blocking(py, j.wait)
	if err != nil {
		return nil, err
	}
	return metricsList(py, res.Metrics), nil
}

func jobCancel(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	j, err := lookup[*jobState](py, args[0])
	if err != nil {
		return nil, err
	}
	j.job.Cancel()
	return nil, nil
}

func jobMetrics(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	j, err := lookup[*jobState](py, args[0])
	if err != nil {
		return nil, err
	}
	return metricsList(py, j.job.Metrics()), nil
}

func jobName(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	j, err := lookup[*jobState](py, args[0])
	if err != nil {
		return nil, err
	}
	return py.Str(j.job.Name()), nil
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
