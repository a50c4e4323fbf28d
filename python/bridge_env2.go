package python

// Catalog listings and drops for TableEnvironment's list_* and
// drop_temporary_* methods, which tell temporary objects from permanent
// ones (SQL's SHOW statements do not).

import (
	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/table"
)

func init() {
	ops["env.catalog_objects"] = envCatalogObjects
	ops["env.drop_temporary"] = envDropTemporary
	ops["env.explain_set"] = envExplainSet
	ops["env.statement_text"] = envStatementText
}

// envStatementText gives the text a parsed statement came from (Flink
// 1.10's t_env.explain() explains the INSERTs sql_update buffered).
func envStatementText(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 1, "env.statement_text(statement)"); err != nil {
		return nil, err
	}
	p, err := lookup[*parsedStatement](py, args[0])
	if err != nil {
		return nil, err
	}
	return py.Str(p.src), nil
}

// envExplainSet is env.explain_set(env, [sql], [table], [target],
// *details): a statement set's plan (StatementSet.explain).
func envExplainSet(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 4, "env.explain_set(env, statements, tables, targets, *details)"); err != nil {
		return nil, err
	}
	env, err := lookup[*table.Environment](py, args[0])
	if err != nil {
		return nil, err
	}
	stmts, err := strs(py, args[1])
	if err != nil {
		return nil, err
	}
	items, err := py.Items(args[2])
	if err != nil {
		return nil, err
	}
	var tables []*table.Table
	for _, it := range items {
		t, err := lookup[*table.Table](py, it)
		py.DecRef(it)
		if err != nil {
			return nil, err
		}
		tables = append(tables, t)
	}
	targets, err := strs(py, args[3])
	if err != nil {
		return nil, err
	}
	details, err := plainStrs(py, args[4:])
	if err != nil {
		return nil, err
	}
	text, err := env.ExplainStatementSet(stmts, tables, targets, details...)
	if err != nil {
		return nil, err
	}
	return py.Str(text), nil
}

// envCatalogObjects lists the catalog's tables, views and functions as
// [kind, name, temporary, system] items; kind is "table", "view" or
// "function" (system is only ever true for functions).
func envCatalogObjects(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 1, "env.catalog_objects(env)"); err != nil {
		return nil, err
	}
	env, err := lookup[*table.Environment](py, args[0])
	if err != nil {
		return nil, err
	}
	cat := env.Catalog()
	var items []*cpython.Object
	add := func(kind, name string, temporary, system bool) {
		k, n, t, s := py.Str(kind), py.Str(name), py.Bool(temporary), py.Bool(system)
		items = append(items, py.List(k, n, t, s))
		for _, o := range []*cpython.Object{k, n, t, s} {
			py.DecRef(o)
		}
	}
	for _, name := range cat.Names() {
		t, v, err := cat.Lookup(name)
		switch {
		case err != nil:
		case t != nil:
			add("table", name, t.Temporary, false)
		case v != nil:
			add("view", name, v.Temporary, false)
		}
	}
	for _, name := range cat.FunctionNames() {
		if f := cat.Function(name); f != nil {
			add("function", f.Name, f.Temporary, f.System)
		}
	}
	l := py.List(items...)
	for _, o := range items {
		py.DecRef(o)
	}
	return l, nil
}

// envDropTemporary drops a temporary table or view (kind "table" or
// "view") and reports whether there was one, as Flink's dropTemporary*
// methods: a permanent object of that name, or an object of the other
// kind, is left alone and gives false. (Functions: env.drop_function.)
func envDropTemporary(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 3, "env.drop_temporary(env, kind, name)"); err != nil {
		return nil, err
	}
	env, kind, err := envAndText(py, args, "env.drop_temporary(env, kind, name)")
	if err != nil {
		return nil, err
	}
	name, err := py.AsString(args[2])
	if err != nil {
		return nil, err
	}
	cat := env.Catalog()
	switch kind {
	case "table", "view":
		t, v, err := cat.Lookup(name)
		if err != nil || (kind == "table" && (t == nil || !t.Temporary)) || (kind == "view" && (v == nil || !v.Temporary)) {
			return py.Bool(false), nil
		}
		if kind == "table" {
			err = cat.Drop("TABLE", name, true)
		} else {
			err = cat.Drop("VIEW", name, true)
		}
		return py.Bool(err == nil), err
	}
	return nil, &cpython.Raise{Builtin: "ValueError", Msg: "env.drop_temporary: unknown kind " + kind}
}
