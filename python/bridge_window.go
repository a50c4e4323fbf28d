package python

import (
	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/table"
)

// windowOps are the table.op operations of group and over windows:
//
//	window.group_by(table, kind, size, slide, on, alias, keys...) -> grouped
//	window_grouped.select(grouped, fields...) -> table
//	over_window.select(table, n, [alias, order, preceding, following, npartition, partition...]*n, fields...) -> table
//
// A window argument is a PyFlink string expression ("10.minutes",
// "2.rows", "unbounded_range"), a DSL (sql, alias, order) tuple or None.
var windowOps = map[string]func(py *cpython.GIL, h *cpython.Object, args []*cpython.Object) (*cpython.Object, error){
	"window.group_by":       windowGroupBy,
	"window_grouped.select": windowGroupedSelect,
	"over_window.select":    overWindowSelect,
}

// windowArg reads an optional window argument.
func windowArg(py *cpython.GIL, o *cpython.Object) (any, error) {
	if py.IsNone(o) {
		return nil, nil
	}
	v, err := anyStrs(py, []*cpython.Object{o})
	if err != nil {
		return nil, err
	}
	return v[0], nil
}

func windowArgs(py *cpython.GIL, objs []*cpython.Object) ([]any, error) {
	out := make([]any, len(objs))
	for i, o := range objs {
		v, err := windowArg(py, o)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func windowGroupBy(py *cpython.GIL, h *cpython.Object, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 5, "window.group_by(table, kind, size, slide, on, alias, keys...)"); err != nil {
		return nil, err
	}
	t, err := lookup[*table.Table](py, h)
	if err != nil {
		return nil, err
	}
	kind, err := py.AsString(args[0])
	if err != nil {
		return nil, err
	}
	parts, err := windowArgs(py, args[1:4])
	if err != nil {
		return nil, err
	}
	alias := ""
	if !py.IsNone(args[4]) {
		if alias, err = py.AsString(args[4]); err != nil {
			return nil, err
		}
	}
	var w *table.GroupWindow
	switch kind {
	case "Tumble":
		w = table.TumbleOver(parts[0])
	case "Slide":
		w = table.SlideOver(parts[0]).Every(parts[1])
	case "Session":
		w = table.SessionWithGap(parts[0])
	default:
		return nil, &cpython.Raise{Builtin: "TypeError", Msg: "sluice: unknown group window " + kind}
	}
	keys, err := anyStrs(py, args[5:])
	if err != nil {
		return nil, err
	}
	g := t.Window(w.On(parts[2]).As(alias)).GroupBy(keys...)
	if err := g.Err(); err != nil {
		return nil, validation(err)
	}
	return py.Int(keep(g)), nil
}

func windowGroupedSelect(py *cpython.GIL, h *cpython.Object, args []*cpython.Object) (*cpython.Object, error) {
	g, err := lookup[*table.WindowGroupedTable](py, h)
	if err != nil {
		return nil, err
	}
	fields, err := anyStrs(py, args)
	if err != nil {
		return nil, err
	}
	return windowTable(py, g.Select(fields...))
}

func overWindowSelect(py *cpython.GIL, h *cpython.Object, args []*cpython.Object) (*cpython.Object, error) {
	usage := "over_window.select(table, n, [alias, order, preceding, following, npartition, partition...]*n, fields...)"
	if err := need(args, 1, usage); err != nil {
		return nil, err
	}
	t, err := lookup[*table.Table](py, h)
	if err != nil {
		return nil, err
	}
	n, err := py.AsInt64(args[0])
	if err != nil {
		return nil, err
	}
	rest := args[1:]
	var windows []*table.OverWindow
	for ; n > 0; n-- {
		if err := need(rest, 5, usage); err != nil {
			return nil, err
		}
		alias, err := py.AsString(rest[0])
		if err != nil {
			return nil, err
		}
		parts, err := windowArgs(py, rest[1:4])
		if err != nil {
			return nil, err
		}
		np, err := py.AsInt64(rest[4])
		if err != nil {
			return nil, err
		}
		if err := need(rest, 5+int(np), usage); err != nil {
			return nil, err
		}
		keys, err := anyStrs(py, rest[5:5+np])
		if err != nil {
			return nil, err
		}
		o := table.OverPartitionBy(keys...).OrderBy(parts[0]).As(alias)
		if parts[1] != nil {
			o = o.Preceding(parts[1])
		}
		if parts[2] != nil {
			o = o.Following(parts[2])
		}
		windows = append(windows, o)
		rest = rest[5+np:]
	}
	fields, err := anyStrs(py, rest)
	if err != nil {
		return nil, err
	}
	return windowTable(py, t.OverWindow(windows...).Select(fields...))
}

// validation raises a window's validation error as ValueError, as the
// bridge raises SQL errors (PyFlink's ValidationException).
func validation(err error) error {
	if _, ok := err.(*cpython.Raise); ok {
		return err
	}
	return &cpython.Raise{Builtin: "ValueError", Msg: err.Error()}
}

func windowTable(py *cpython.GIL, t *table.Table) (*cpython.Object, error) {
	if err := t.Err(); err != nil {
		return nil, validation(err)
	}
	return py.Int(keep(t)), nil
}
