package python

// Native operations of the Python Table API surface that have no place in
// the generic table.op dispatch.

import (
	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/table"
)

func init() {
	ops["table.sort"] = tableSort
}

// tableSort is table.sort(table, fetch, offset, *fields): ORDER BY fields
// with FETCH (fetch < 0: none) and OFFSET in one query, what PyFlink's
// order_by(...).offset(n).fetch(m) chain means.
func tableSort(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 3, "table.sort(table, fetch, offset, *fields)"); err != nil {
		return nil, err
	}
	t, err := lookup[*table.Table](py, args[0])
	if err != nil {
		return nil, err
	}
	fetch, err := py.AsInt64(args[1])
	if err != nil {
		return nil, err
	}
	offset, err := py.AsInt64(args[2])
	if err != nil {
		return nil, err
	}
	fields, err := anyStrs(py, args[3:])
	if err != nil {
		return nil, err
	}
	return tableResult(py, t.Sort(fields, fetch, offset))
}
