package python

// Environment operations: creating environments, configuration, SQL
// statements, tables from paths, values and Arrow, views and functions.

// #include <stdlib.h>
import "C"

import (
	"context"
	"sort"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/cdata"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/table"
	"github.com/sluice-stream/sluice/table/sql"
)

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
	env, k, err := envAndText(py, args, "env.set_config(env, key, value)")
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

// parsedStatement is one statement parsed once by env.parse and run later
// by env.run (now for execute_sql, at execute() for Flink 1.10's
// sql_update).
type parsedStatement struct {
	env *table.Environment
	st  sql.Statement
	src string
}

// envParse parses one statement and returns (kind, handle): kind is
// "insert", "query" or "other", so Python picks its result type without
// reading the SQL text itself.
func envParse(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	env, stmt, err := envAndText(py, args, "env.parse(env, statement)")
	if err != nil {
		return nil, err
	}
	st, err := sql.Parse(stmt)
	if err != nil {
		return nil, err
	}
	kind := "other"
	switch st.(type) {
	case *sql.Insert:
		kind = "insert"
	case sql.Query:
		kind = "query"
	}
	k, h := py.Str(kind), py.Int(keep(&parsedStatement{env: env, st: st, src: stmt}))
	defer py.DecRef(k)
	defer py.DecRef(h)
	return py.Tuple(k, h), nil
}

// envRun runs a parsed statement: an INSERT is submitted and its job
// handle returned at once (Flink's executeSql); a query is planned and its
// table handle returned (run when its rows are read); any other statement
// runs now and its result handle is returned.
func envRun(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 1, "env.run(statement)"); err != nil {
		return nil, err
	}
	p, err := lookup[*parsedStatement](py, args[0])
	if err != nil {
		return nil, err
	}
	switch s := p.st.(type) {
	case *sql.Insert:
		job, err := p.env.SubmitStatement(context.Background(), s, p.src)
		if err != nil {
			return nil, err
		}
		return py.Int(keep(&jobState{job: job})), nil
	case sql.Query:
		t, err := p.env.QueryTable(s, p.src)
		if err != nil {
			return nil, err
		}
		return tableResult(py, t)
	}
	res, err := blocking(py, func() (*table.Result, error) { return p.env.ExecuteStatement(context.Background(), p.st, p.src) })
	if err != nil {
		return nil, err
	}
	return py.Int(keep(res)), nil
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
