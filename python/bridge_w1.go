package python

// Catalog table details for pyflink.table.catalog (Catalog.get_table):
// a table's declared columns, options and comment.

import (
	"sort"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/table/catalog"
)

func init() {
	ops["catalog.table_options"] = catalogTableOptions
	ops["catalog.table_columns"] = catalogTableColumns
}

// catalogTableColumns is catalog.table_columns(env, name): None when name
// is no table, else [[column, type], ...] as declared — read from the
// catalog, not by planning a scan, so that a table whose connector is
// unknown can be described (Flink resolves the connector only when the
// table is read or written). A computed column's type is None: it is
// known only by binding its expression.
func catalogTableColumns(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	env, name, err := envAndText(py, args, "catalog.table_columns(env, name)")
	if err != nil {
		return nil, err
	}
	t, _, err := env.Catalog().Lookup(name)
	if err != nil || t == nil {
		return py.None(), nil
	}
	cols := make([]*cpython.Object, len(t.Columns))
	for i, c := range t.Columns {
		n := py.Str(c.Name)
		ty := py.None()
		if c.Kind != catalog.Computed {
			ty = py.Str(c.Type.String())
		}
		cols[i] = py.List(n, ty)
		py.DecRef(n)
		py.DecRef(ty)
	}
	l := py.List(cols...)
	for _, o := range cols {
		py.DecRef(o)
	}
	return l, nil
}

// catalogTableOptions is catalog.table_options(env, name): None when name
// is no table, else [comment, key1, value1, key2, value2, ...] (keys
// sorted).
func catalogTableOptions(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	env, name, err := envAndText(py, args, "catalog.table_options(env, name)")
	if err != nil {
		return nil, err
	}
	t, _, err := env.Catalog().Lookup(name)
	if err != nil || t == nil {
		return py.None(), nil
	}
	keys := make([]string, 0, len(t.Options))
	for k := range t.Options {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	items := []*cpython.Object{py.Str(t.Comment)}
	for _, k := range keys {
		items = append(items, py.Str(k), py.Str(t.Options[k]))
	}
	l := py.List(items...)
	for _, o := range items {
		py.DecRef(o)
	}
	return l, nil
}
