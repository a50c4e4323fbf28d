package python

// Catalog table details for pyflink.table.catalog (Catalog.get_table):
// a table's options and comment.

import (
	"sort"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/table"
)

func init() {
	ops["catalog.table_options"] = catalogTableOptions
}

// catalogTableOptions is catalog.table_options(env, name): None when name
// is no table, else [comment, key1, value1, key2, value2, ...] (keys
// sorted).
func catalogTableOptions(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 2, "catalog.table_options(env, name)"); err != nil {
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
