package table

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sluice-stream/sluice/table/planner"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
)

// Row-based aggregates of Flink's Table API: Aggregate flattens the ROW
// value of an aggregate call into columns; FlatAggregate runs a table
// aggregate, whose value is the list of rows it emits (PyFlink's udtaf:
// ROW<version BIGINT, rows ARRAY<ROW<...>>>, or a plain ARRAY<ROW<...>>),
// one output row per emitted row. Both come after the group's keys.

// aggValueColumn names the aggregate's value in the plan below.
const aggValueColumn = "$v"

// Aggregate computes an aggregate per group whose ROW value becomes
// columns: the keys, then the fields, named by names (or the call's AS
// names) or TMP_0$field; a value of another type is one column TMP_0.
func (g *GroupedTable) Aggregate(call any, names ...string) *Table {
	return g.t.rowAggregate(g.keys, call, names, false)
}

// FlatAggregate runs a table aggregate per group: the keys next to each
// row it emits, its columns named by names (or the call's AS names) or
// after the emitted ROW's fields. In streaming mode a group's earlier rows
// are retracted (-D) and its new rows emitted (+I) whenever it changes.
func (g *GroupedTable) FlatAggregate(call any, names ...string) *Table {
	return g.t.rowAggregate(g.keys, call, names, true)
}

// Aggregate is GroupedTable.Aggregate over the whole table (no keys).
func (t *Table) Aggregate(call any, names ...string) *Table {
	return t.rowAggregate(nil, call, names, false)
}

// FlatAggregate is GroupedTable.FlatAggregate over the whole table.
func (t *Table) FlatAggregate(call any, names ...string) *Table {
	return t.rowAggregate(nil, call, names, true)
}

func (t *Table) rowAggregate(keys []any, call any, names []string, flat bool) *Table {
	if t.err != nil {
		return t
	}
	fail := func(err error) *Table { return &Table{env: t.env, err: err} }
	es, err := exprArgs([]any{call})
	if err != nil {
		return fail(err)
	}
	if len(es) != 1 {
		return fail(fmt.Errorf("an aggregate operation takes one aggregate call, got %d expressions", len(es)))
	}
	e := es[0]
	if a, ok := e.(*sql.AliasExpr); ok {
		e = a.Expr
		if len(names) == 0 {
			for _, n := range a.Names {
				names = append(names, n.Name)
			}
		}
	}
	// The aggregate, then one step over its value.
	inner := t.derive(func(from func(*Table) sql.TableRef) (sql.Query, error) {
		ks, err := exprArgs(keys)
		if err != nil {
			return nil, err
		}
		items := append(append([]sql.Expr(nil), ks...), &sql.AliasExpr{Expr: e, Names: []*sql.Ident{{Name: aggValueColumn}}})
		return &sql.Select{Items: items, From: from(t), GroupBy: ks}, nil
	})
	if inner.err != nil {
		return inner
	}
	sch := inner.node.Schema()
	nk := len(sch) - 1
	vt := sch[nk].Type
	var sel []string
	for _, f := range sch[:nk] {
		sel = append(sel, "A."+ident(f.Name))
	}
	value := "A." + ident(aggValueColumn)
	callText := e.String()
	if !flat {
		if vt.Kind != types.Row {
			if len(names) > 1 {
				return fail(aliasDegreeError(callText, 1, len(names)))
			}
			name := "TMP_0"
			if len(names) == 1 {
				name = names[0]
			}
			sel = append(sel, value+" AS "+ident(name))
		} else {
			if len(names) > 0 && len(names) != len(vt.Fields) {
				return fail(aliasDegreeError(callText, len(vt.Fields), len(names)))
			}
			for i, f := range vt.Fields {
				name := "TMP_0$" + f.Name
				if len(names) > 0 {
					name = names[i]
				}
				sel = append(sel, "("+value+")."+ident(f.Name)+" AS "+ident(name))
			}
		}
		return inner.deriveText(func(a string) string {
			return "SELECT " + strings.Join(sel, ", ") + " FROM " + a + " AS A"
		})
	}
	rows := vt
	if vt.Kind == types.Row && len(vt.Fields) > 0 {
		last := vt.Fields[len(vt.Fields)-1]
		rows = last.Type
		value = "(" + value + ")." + ident(last.Name)
	}
	if rows.Kind != types.Array || rows.Elem == nil || rows.Elem.Kind != types.Row {
		return fail(errors.New("A flatAggregate only accepts an expression which defines a table aggregate function that might be followed by some alias."))
	}
	fields := rows.Elem.Fields
	if len(names) > 0 && len(names) != len(fields) {
		return fail(aliasDegreeError(callText, len(fields), len(names)))
	}
	if len(names) == 0 {
		for _, f := range fields {
			names = append(names, f.Name)
		}
	}
	cols := make([]string, len(names))
	for i, n := range names {
		cols[i] = ident(n)
	}
	out := inner.deriveText(func(a string) string {
		return "SELECT " + strings.Join(append(sel, "T.*"), ", ") + " FROM " + a + " AS A CROSS JOIN UNNEST(" +
			value + ") AS T(" + strings.Join(cols, ", ") + ")"
	})
	if out.err != nil {
		return out
	}
	return &Table{env: t.env, node: planner.NewTableAggregate(out.node, callText)}
}

// deriveText plans the query text query(name), name being t inline.
func (t *Table) deriveText(query func(name string) string) *Table {
	return t.derive(func(from func(*Table) sql.TableRef) (sql.Query, error) {
		ref, ok := from(t).(*sql.TableName)
		if !ok || len(ref.Name.Parts) != 1 {
			return nil, fmt.Errorf("table: an inline table is not a plain name")
		}
		return sql.ParseQuery(query(ident(ref.Name.Parts[0].Name)))
	})
}

func ident(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }

// aliasDegreeError is Flink's message for alias names that do not match
// the columns of an aggregate's result.
func aliasDegreeError(call string, have, got int) error {
	return fmt.Errorf("List of column aliases must have same degree as table; the returned table of function '%s' has %d columns, whereas alias list has %d columns", call, have, got)
}
