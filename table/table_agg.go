package table

import (
	"errors"
	"fmt"
	"reflect"
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
	e, names, err := aggregateCall(call, names)
	if err != nil {
		return fail(err)
	}
	// The aggregate, then one step over its value.
	inner := t.deriveAggregate(flat, func(from func(*Table) sql.TableRef) (sql.Query, error) {
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
	callText := t.env.callText(e)
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

// deriveAggregate is derive, allowing table aggregate calls when
// tableAggs is set (the planner refuses them elsewhere).
func (t *Table) deriveAggregate(tableAggs bool, build func(from func(*Table) sql.TableRef) (sql.Query, error)) *Table {
	p := t.env.planner("")
	p.Inline = map[string]planner.Node{}
	p.TableAPI = true
	p.TableAggregates = tableAggs
	from := func(x *Table) sql.TableRef {
		name := fmt.Sprintf("__t%d", inlineSeq.Add(1))
		p.Inline[name] = x.node
		return &sql.TableName{Name: &sql.QualifiedName{Parts: []*sql.Ident{{Name: name}}}}
	}
	q, err := build(from)
	if err != nil {
		return &Table{env: t.env, err: err}
	}
	n, err := p.BindQuery(q)
	if err != nil {
		return &Table{env: t.env, err: err}
	}
	return &Table{env: t.env, node: n}
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

// callText is a call as plans and errors name it: an inline function
// (the Table API's Python functions, registered under a key of their
// own) by its name, Top2(a).
func (e *Environment) callText(x sql.Expr) string {
	f, ok := x.(*sql.FuncCall)
	if !ok {
		return x.String()
	}
	fn := e.catalog.InlineFunction(f.Name.Unqualified())
	if fn == nil {
		return x.String()
	}
	args := make([]string, len(f.Args))
	for i, a := range f.Args {
		args[i] = a.String()
	}
	return fn.Name + "(" + strings.Join(args, ", ") + ")"
}

func ident(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }

// aliasDegreeError is Flink's message for alias names that do not match
// the columns of an aggregate's result.
func aliasDegreeError(call string, have, got int) error {
	return fmt.Errorf("List of column aliases must have same degree as table; the returned table of function '%s' has %d columns, whereas alias list has %d columns", call, have, got)
}

// WindowAggregatedTable is a row-based aggregate per group window and
// keys (Flink's AggregatedTable of a WindowGroupedTable), waiting for its
// Select.
type WindowAggregatedTable struct {
	g      *WindowGroupedTable
	call   sql.Expr
	fields []string // the ROW value's fields; nil for a value of another type
	names  []string // the columns they are selected as
	err    error
}

// Aggregate computes an aggregate per window and keys whose ROW value
// becomes columns (named as by GroupedTable.Aggregate); Select reads
// them and the keys. Window properties (w.start) are refused there, as
// Flink 2.3 refuses them.
func (g *WindowGroupedTable) Aggregate(call any, names ...string) *WindowAggregatedTable {
	a := &WindowAggregatedTable{g: g}
	e, names, err := aggregateCall(call, names)
	if err != nil {
		a.err = err
		return a
	}
	a.call = e
	// The value's type, from the window aggregate of the call alone.
	probe := g.Select(&sql.AliasExpr{Expr: copyExpr(e), Names: []*sql.Ident{{Name: aggValueColumn}}})
	if probe.err != nil {
		a.err = probe.err
		return a
	}
	sch := probe.node.Schema()
	vt := sch[len(sch)-1].Type
	if vt.Kind != types.Row {
		if len(names) > 1 {
			a.err = aliasDegreeError(g.t.env.callText(e), 1, len(names))
			return a
		}
		a.names = []string{"TMP_0"}
		if len(names) == 1 {
			a.names = names
		}
		return a
	}
	if len(names) > 0 && len(names) != len(vt.Fields) {
		a.err = aliasDegreeError(g.t.env.callText(e), len(vt.Fields), len(names))
		return a
	}
	for i, f := range vt.Fields {
		a.fields = append(a.fields, f.Name)
		if len(names) > 0 {
			a.names = append(a.names, names[i])
		} else {
			a.names = append(a.names, "TMP_0$"+f.Name)
		}
	}
	return a
}

// Select reads keys, the aggregate's columns and window properties: each
// column of the aggregate becomes a field of the call (one call per window
// and keys, as the window's other aggregates), a bare one keeping its name.
func (a *WindowAggregatedTable) Select(fields ...any) *Table {
	t := a.g.t
	if a.err != nil {
		return &Table{env: t.env, err: a.err}
	}
	items, err := exprArgs(fields)
	if err != nil {
		return &Table{env: t.env, err: err}
	}
	column := map[string]sql.Expr{}
	for i, n := range a.names {
		if a.fields == nil {
			column[n] = a.call
		} else {
			column[n] = &sql.FieldAccess{Expr: a.call, Field: &sql.Ident{Name: a.fields[i]}}
		}
	}
	out := make([]any, len(items))
	for i, it := range items {
		if _, star := it.(*sql.Star); star {
			return &Table{env: t.env, err: errors.New("Can not use * for window aggregate!")}
		}
		if err := a.noWindowProperty(it); err != nil {
			return &Table{env: t.env, err: err}
		}
		if c, ok := it.(*sql.ColumnRef); ok && len(c.Parts) == 1 && column[c.Parts[0].Name] != nil {
			it = &sql.AliasExpr{Expr: it, Names: []*sql.Ident{{Name: c.Parts[0].Name}}}
		}
		out[i] = replaceExprs(copyExpr(it), func(x sql.Expr) sql.Expr {
			if c, ok := x.(*sql.ColumnRef); ok && len(c.Parts) == 1 {
				if r := column[c.Parts[0].Name]; r != nil {
					return copyExpr(r)
				}
			}
			return nil
		})
	}
	return a.g.Select(out...)
}

// noWindowProperty rejects a window property (w.start) in the select of
// a window aggregate, as Flink 2.3 does: it resolves the window alias
// there as the input row, which has no window properties.
func (a *WindowAggregatedTable) noWindowProperty(it sql.Expr) error {
	var err error
	sql.Inspect(it, func(n sql.Node) bool {
		if f, ok := n.(*sql.FuncCall); ok && err == nil {
			if _, prop := windowProperty(f, a.g.w.alias); prop {
				var cols []string
				for _, c := range a.g.t.node.Schema() {
					cols = append(cols, ident(c.Name)+" "+c.Type.String())
				}
				err = fmt.Errorf("Invalid function call:\n%s(ROW<%s> NOT NULL)", strings.ToLower(f.Name.Unqualified()), strings.Join(cols, ", "))
			}
		}
		return err == nil
	})
	return err
}

// aggregateCall splits the argument of a row-based aggregate into the
// call and its names (given, else the call's AS names).
func aggregateCall(call any, names []string) (sql.Expr, []string, error) {
	es, err := exprArgs([]any{call})
	if err != nil {
		return nil, nil, err
	}
	if len(es) != 1 {
		return nil, nil, fmt.Errorf("an aggregate operation takes one aggregate call, got %d expressions", len(es))
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
	return e, names, nil
}

var exprType = reflect.TypeOf((*sql.Expr)(nil)).Elem()

// replaceExprs replaces, in place, each sub-expression of e for which f
// returns an expression (not looking into what it returns) and returns
// the new root.
func replaceExprs(e sql.Expr, f func(sql.Expr) sql.Expr) sql.Expr {
	if e == nil {
		return nil
	}
	if r := f(e); r != nil {
		return r
	}
	replaceIn(reflect.ValueOf(e), f)
	return e
}

// replaceIn walks a node's exported fields: Expr fields and slices of them
// are replaced, other pointers to structs (WHEN clauses, window specs) and
// slices of them walked.
func replaceIn(v reflect.Value, f func(sql.Expr) sql.Expr) {
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return
	}
	s := v.Elem()
	for i := 0; i < s.NumField(); i++ {
		fv := s.Field(i)
		if !fv.CanSet() {
			continue
		}
		switch {
		case fv.Type() == exprType:
			if !fv.IsNil() {
				fv.Set(reflect.ValueOf(replaceExprs(fv.Interface().(sql.Expr), f)))
			}
		case fv.Kind() == reflect.Slice && fv.Type().Elem() == exprType:
			for j := 0; j < fv.Len(); j++ {
				if x := fv.Index(j); !x.IsNil() {
					x.Set(reflect.ValueOf(replaceExprs(x.Interface().(sql.Expr), f)))
				}
			}
		case fv.Kind() == reflect.Pointer:
			replaceIn(fv, f)
		case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.Pointer:
			for j := 0; j < fv.Len(); j++ {
				replaceIn(fv.Index(j), f)
			}
		}
	}
}
