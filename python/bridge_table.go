package python

// Table API operations on a planned table: string and DSL expressions,
// schema, explain, execution.

import (
	"context"
	"strings"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/table"
	"github.com/sluice-stream/sluice/table/sql"
)

func tableResult(py *cpython.GIL, t *table.Table) (*cpython.Object, error) {
	if err := t.Err(); err != nil {
		return nil, err
	}
	return py.Int(keep(t)), nil
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
	if f, ok := windowOps[name]; ok {
		return f(py, args[0], args[2:])
	}
	switch name {
	case "grouped.aggregate", "grouped.flat_aggregate", "aggregate", "flat_aggregate":
		return rowAggregateOp(py, name, args[0], args[2:])
	case "window_grouped.aggregate":
		return windowAggregateOp(py, args[0], args[2:])
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
	case "union", "union_all", "minus", "minus_all", "intersect", "intersect_all", "limit", "drop_columns", "alias":
	case "join", "left_outer_join", "right_outer_join", "full_outer_join":
		// The right table's handle, then the condition's fields.
		if len(rest) < 1 {
			return nil, &cpython.Raise{Builtin: "TypeError", Msg: name + " needs the right table"}
		}
		if fields, err = anyStrs(py, rest[1:]); err != nil {
			return nil, err
		}
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
	case "union", "union_all", "minus", "minus_all", "intersect", "intersect_all":
		o, err := lookup[*table.Table](py, rest[0])
		if err != nil {
			return nil, err
		}
		out = map[string]func(*table.Table) *table.Table{
			"union": t.Union, "union_all": t.UnionAll, "minus": t.Minus, "minus_all": t.MinusAll,
			"intersect": t.Intersect, "intersect_all": t.IntersectAll,
		}[name](o)
		if err := out.Err(); err != nil && name != "union" && name != "union_all" {
			// Flink's ValidationException (SetOperationFactory).
			return nil, &cpython.Raise{Builtin: "ValueError", Msg: err.Error()}
		}
	case "join", "left_outer_join", "right_outer_join", "full_outer_join":
		o, err := lookup[*table.Table](py, rest[0])
		if err != nil {
			return nil, err
		}
		if len(fields) > 1 {
			return nil, &cpython.Raise{Builtin: "TypeError", Msg: name + " takes one join predicate"}
		}
		switch name {
		case "join":
			out = t.Join(o, fields...)
		case "left_outer_join":
			out = t.LeftOuterJoin(o, fields...)
		default:
			if len(fields) != 1 {
				return nil, &cpython.Raise{Builtin: "TypeError", Msg: name + " needs a join predicate"}
			}
			if name == "right_outer_join" {
				out = t.RightOuterJoin(o, fields[0])
			} else {
				out = t.FullOuterJoin(o, fields[0])
			}
		}
		if err := out.Err(); err != nil {
			// Flink's ValidationException (JoinOperationFactory).
			return nil, &cpython.Raise{Builtin: "ValueError", Msg: err.Error()}
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
	details, err := plainStrs(py, args[1:]) // ExplainDetail names
	if err != nil {
		return nil, err
	}
	s, err := t.Explain(details...)
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

// rowAggregateOp runs a row-based aggregate: (handle, call item, alias
// names...), on a GroupedTable for the grouped.* ops, else on a Table.
func rowAggregateOp(py *cpython.GIL, name string, h *cpython.Object, rest []*cpython.Object) (*cpython.Object, error) {
	if len(rest) < 1 {
		return nil, &cpython.Raise{Builtin: "TypeError", Msg: "sluice: " + name + " takes (call, names...)"}
	}
	call, err := anyStrs(py, rest[:1])
	if err != nil {
		return nil, err
	}
	names, err := plainStrs(py, rest[1:])
	if err != nil {
		return nil, err
	}
	if g, err := lookup[*table.GroupedTable](py, h); err == nil {
		if name == "grouped.flat_aggregate" {
			return tableResult(py, g.FlatAggregate(call[0], names...))
		}
		return tableResult(py, g.Aggregate(call[0], names...))
	}
	t, err := lookup[*table.Table](py, h)
	if err != nil {
		return nil, err
	}
	if name == "flat_aggregate" {
		return tableResult(py, t.FlatAggregate(call[0], names...))
	}
	return tableResult(py, t.Aggregate(call[0], names...))
}

// windowAggregateOp is a window aggregate's select: (window grouped
// handle, call item, number of names, names..., select fields...).
func windowAggregateOp(py *cpython.GIL, h *cpython.Object, rest []*cpython.Object) (*cpython.Object, error) {
	if len(rest) < 2 {
		return nil, &cpython.Raise{Builtin: "TypeError", Msg: "sluice: window_grouped.aggregate takes (call, n, names..., fields...)"}
	}
	g, err := lookup[*table.WindowGroupedTable](py, h)
	if err != nil {
		return nil, err
	}
	call, err := anyStrs(py, rest[:1])
	if err != nil {
		return nil, err
	}
	n, err := py.AsInt64(rest[1])
	if err != nil {
		return nil, err
	}
	if n < 0 || int(n) > len(rest)-2 {
		return nil, &cpython.Raise{Builtin: "TypeError", Msg: "sluice: window_grouped.aggregate: bad number of names"}
	}
	names, err := plainStrs(py, rest[2:2+n])
	if err != nil {
		return nil, err
	}
	fields, err := anyStrs(py, rest[2+n:])
	if err != nil {
		return nil, err
	}
	return tableResult(py, g.Aggregate(call[0], names...).Select(fields...))
}
