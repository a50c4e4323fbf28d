package table

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/planner"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
	"github.com/sluice-stream/sluice/vectorized/expr"
)

// Table is a Table API table: an immutable plan plus the environment it
// runs in. Operations return new tables; the first error sticks and is
// reported by Err, Explain, Execute and ExecuteInsert, so calls chain as
// in PyFlink.
type Table struct {
	env  *Environment
	node planner.Node
	err  error
}

// Err is the first error of the chain of operations that made t.
func (t *Table) Err() error { return t.err }

// Schema is the table's row type.
func (t *Table) Schema() planner.Schema {
	if t.err != nil {
		return nil
	}
	return t.node.Schema()
}

// SQLQuery plans a query as a Table.
func (e *Environment) SQLQuery(query string) (*Table, error) {
	q, err := sql.ParseQuery(query)
	if err != nil {
		return nil, err
	}
	return e.tableFromQuery(e.planner(query), q)
}

// QueryTable plans a parsed query; src is the text it was parsed from (a
// whole script), so errors point into it.
func (e *Environment) QueryTable(q sql.Query, src string) (*Table, error) {
	return e.tableFromQuery(e.planner(src), q)
}

func (e *Environment) tableFromQuery(p *planner.Planner, q sql.Query) (*Table, error) {
	n, err := p.BindQuery(q)
	if err != nil {
		return nil, err
	}
	return &Table{env: e, node: n}, nil
}

// From reads a catalog table or view.
func (e *Environment) From(name string) (*Table, error) {
	return e.SQLQuery("SELECT * FROM `" + strings.ReplaceAll(name, "`", "``") + "`")
}

// FromValues makes a table of literal rows named by names. A value is a
// SQL expression as a string ("'a'", "CAST(1 AS BIGINT)"), an Expr, or a
// Go value taken as a literal.
func (e *Environment) FromValues(names []string, rows ...[]any) (*Table, error) {
	var vals []*sql.RowExpr
	for _, r := range rows {
		var items []sql.Expr
		for _, v := range r {
			switch v := v.(type) {
			case string:
				// Values are SQL expressions ('a', CAST(1 AS BIGINT)).
				e, err := sql.ParseExpression(v)
				if err != nil {
					return nil, err
				}
				items = append(items, e)
			case Expr:
				items = append(items, v.node())
			default:
				items = append(items, Lit(v).node())
			}
		}
		vals = append(vals, &sql.RowExpr{Items: items})
	}
	ids := make([]*sql.Ident, len(names))
	for i, n := range names {
		ids[i] = &sql.Ident{Name: n}
	}
	q := &sql.Select{Items: []sql.Expr{&sql.Star{}}, From: &sql.SubqueryRef{Query: &sql.Values{Rows: vals}, Alias: &sql.Ident{Name: "v"}, Columns: ids}}
	return e.tableFromQuery(e.planner(""), q)
}

var inlineSeq atomic.Int64

// derive plans a query over t (and others) by naming them inline.
func (t *Table) derive(build func(from func(*Table) sql.TableRef) (sql.Query, error)) *Table {
	if t.err != nil {
		return t
	}
	p := t.env.planner("")
	p.Inline = map[string]planner.Node{}
	p.TableAPI = true
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

// exprArgs turns API arguments into expressions: strings are parsed as
// PyFlink expression lists ("a, f(b) as c"), Exprs are used as they are.
func exprArgs(args []any) ([]sql.Expr, error) {
	var out []sql.Expr
	for _, a := range args {
		switch a := a.(type) {
		case string:
			es, err := sql.ParseExpressionList(a)
			if err != nil {
				return nil, err
			}
			out = append(out, es...)
		case Expr:
			out = append(out, a.node())
		case sql.Expr:
			out = append(out, a)
		default:
			return nil, fmt.Errorf("a table expression is a string or an Expr, not %T", a)
		}
	}
	return out, nil
}

func star() []sql.Expr { return []sql.Expr{&sql.Star{}} }

// Select projects: t.Select("a, f(b) as c") or t.Select(Col("a"), ...).
func (t *Table) Select(fields ...any) *Table {
	return t.derive(func(from func(*Table) sql.TableRef) (sql.Query, error) {
		items, err := exprArgs(fields)
		if err != nil {
			return nil, err
		}
		return &sql.Select{Items: items, From: from(t)}, nil
	})
}

// Filter keeps the rows where the predicate holds.
func (t *Table) Filter(predicate any) *Table {
	return t.derive(func(from func(*Table) sql.TableRef) (sql.Query, error) {
		cond, err := exprArgs([]any{predicate})
		if err != nil {
			return nil, err
		}
		if len(cond) != 1 {
			return nil, fmt.Errorf("filter takes one predicate, got %d", len(cond))
		}
		return &sql.Select{Items: star(), From: from(t), Where: cond[0]}, nil
	})
}

// Where is Filter.
func (t *Table) Where(predicate any) *Table { return t.Filter(predicate) }

// GroupedTable is the result of GroupBy, waiting for its Select.
type GroupedTable struct {
	t    *Table
	keys []any
}

// GroupBy groups by keys; Select then names keys and aggregates.
func (t *Table) GroupBy(keys ...any) *GroupedTable { return &GroupedTable{t: t, keys: keys} }

// Select computes the aggregates of each group.
func (g *GroupedTable) Select(fields ...any) *Table {
	return g.t.derive(func(from func(*Table) sql.TableRef) (sql.Query, error) {
		keys, err := exprArgs(g.keys)
		if err != nil {
			return nil, err
		}
		items, err := exprArgs(fields)
		if err != nil {
			return nil, err
		}
		return &sql.Select{Items: items, From: from(g.t), GroupBy: keys}, nil
	})
}

// Distinct removes duplicate rows.
func (t *Table) Distinct() *Table {
	return t.derive(func(from func(*Table) sql.TableRef) (sql.Query, error) {
		return &sql.Select{Distinct: true, Items: star(), From: from(t)}, nil
	})
}

func (t *Table) setOp(o *Table, op sql.SetOpKind, all bool) *Table {
	if o.err != nil {
		return o
	}
	if t.err == nil && op != sql.Union {
		if err := t.checkMinusIntersect(o, op); err != nil {
			return &Table{env: t.env, err: err}
		}
	}
	return t.derive(func(from func(*Table) sql.TableRef) (sql.Query, error) {
		return &sql.SetOp{Op: op, All: all,
			Left:  &sql.Select{Items: star(), From: from(t)},
			Right: &sql.Select{Items: star(), From: from(o)}}, nil
	})
}

// Union is UNION (duplicates removed); UnionAll keeps them.
func (t *Table) Union(o *Table) *Table    { return t.setOp(o, sql.Union, false) }
func (t *Table) UnionAll(o *Table) *Table { return t.setOp(o, sql.Union, true) }

// Minus is EXCEPT: the left's rows not in o, each once. MinusAll is
// EXCEPT ALL: a row m times in t and n times in o is kept m - n times.
func (t *Table) Minus(o *Table) *Table    { return t.setOp(o, sql.Except, false) }
func (t *Table) MinusAll(o *Table) *Table { return t.setOp(o, sql.Except, true) }

// Intersect is INTERSECT: the rows in both, each once. IntersectAll is
// INTERSECT ALL: a row m times in t and n times in o is kept min(m, n)
// times.
func (t *Table) Intersect(o *Table) *Table    { return t.setOp(o, sql.Intersect, false) }
func (t *Table) IntersectAll(o *Table) *Table { return t.setOp(o, sql.Intersect, true) }

// AddColumns appends computed columns; a name already in use is an error.
func (t *Table) AddColumns(fields ...any) *Table { return t.addColumns(false, fields) }

// AddOrReplaceColumns appends computed columns, replacing columns of the
// same name in place.
func (t *Table) AddOrReplaceColumns(fields ...any) *Table { return t.addColumns(true, fields) }

func (t *Table) addColumns(replace bool, fields []any) *Table {
	if t.err != nil {
		return t
	}
	return t.derive(func(from func(*Table) sql.TableRef) (sql.Query, error) {
		adds, err := exprArgs(fields)
		if err != nil {
			return nil, err
		}
		names := t.node.Schema().Names()
		items := make([]sql.Expr, len(names))
		for i, n := range names {
			items[i] = colRef(n)
		}
		for _, a := range adds {
			al, ok := a.(*sql.AliasExpr)
			if !ok {
				if _, col := a.(*sql.ColumnRef); col {
					return nil, fmt.Errorf("added column %s needs a new name: write it as `expr as name`", a)
				}
				// Named _c<position> by the binder, as Flink names it.
				items = append(items, a)
				continue
			}
			name := al.Names[0].Name
			at := -1
			for i, n := range names {
				if n == name {
					at = i
				}
			}
			switch {
			case at >= 0 && replace:
				items[at] = a
			case at >= 0:
				return nil, fmt.Errorf("column %s already exists; use AddOrReplaceColumns to replace it", name)
			default:
				items = append(items, a)
			}
		}
		return &sql.Select{Items: items, From: from(t)}, nil
	})
}

func colRef(name string) *sql.ColumnRef {
	return &sql.ColumnRef{Parts: []*sql.Ident{{Name: name}}}
}

// DropColumns removes columns by name.
func (t *Table) DropColumns(names ...string) *Table {
	if t.err != nil {
		return t
	}
	return t.derive(func(from func(*Table) sql.TableRef) (sql.Query, error) {
		drop := map[string]bool{}
		for _, n := range splitNames(names) {
			drop[n] = true
		}
		var items []sql.Expr
		for _, n := range t.node.Schema().Names() {
			if drop[n] {
				delete(drop, n)
				continue
			}
			items = append(items, colRef(n))
		}
		for n := range drop {
			return nil, fmt.Errorf("cannot drop column %s: no such column", n)
		}
		if len(items) == 0 {
			return nil, fmt.Errorf("cannot drop every column")
		}
		return &sql.Select{Items: items, From: from(t)}, nil
	})
}

func splitNames(names []string) []string {
	var out []string
	for _, n := range names {
		for _, p := range strings.Split(n, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// RenameColumns renames with "old as new" expressions.
func (t *Table) RenameColumns(fields ...any) *Table {
	if t.err != nil {
		return t
	}
	return t.derive(func(from func(*Table) sql.TableRef) (sql.Query, error) {
		rs, err := exprArgs(fields)
		if err != nil {
			return nil, err
		}
		rename := map[string]string{}
		for _, r := range rs {
			al, ok := r.(*sql.AliasExpr)
			c, isCol := al.Expr.(*sql.ColumnRef)
			if !ok || !isCol {
				return nil, fmt.Errorf("rename_columns takes `old as new`, got %s", r)
			}
			rename[c.Parts[len(c.Parts)-1].Name] = al.Names[0].Name
		}
		var items []sql.Expr
		for _, n := range t.node.Schema().Names() {
			if to, ok := rename[n]; ok {
				items = append(items, &sql.AliasExpr{Expr: colRef(n), Names: []*sql.Ident{{Name: to}}})
				delete(rename, n)
				continue
			}
			items = append(items, colRef(n))
		}
		for n := range rename {
			return nil, fmt.Errorf("cannot rename column %s: no such column", n)
		}
		return &sql.Select{Items: items, From: from(t)}, nil
	})
}

// Alias renames every column in order ("a, b, c").
func (t *Table) Alias(names ...string) *Table {
	if t.err != nil {
		return t
	}
	ns := splitNames(names)
	cur := t.node.Schema().Names()
	if len(ns) != len(cur) {
		return &Table{env: t.env, err: fmt.Errorf("alias takes %d names, got %d", len(cur), len(ns))}
	}
	var fields []any
	for i, n := range cur {
		if n != ns[i] {
			fields = append(fields, Col(n).As(ns[i]))
		}
	}
	if len(fields) == 0 {
		return t
	}
	return t.RenameColumns(fields...)
}

// OrderBy sorts by expressions ("a.desc", Col("b").Asc()) over bounded input.
func (t *Table) OrderBy(fields ...any) *Table { return t.ordered(fields, nil, nil) }

// Limit keeps fetch rows after skipping offset (offset optional).
func (t *Table) Limit(fetch int64, offset ...int64) *Table {
	f := &sql.NumberLit{Value: fmt.Sprint(fetch), Kind: sql.IntegerNumber}
	var o sql.Expr
	if len(offset) > 0 {
		o = &sql.NumberLit{Value: fmt.Sprint(offset[0]), Kind: sql.IntegerNumber}
	}
	return t.ordered(nil, f, o)
}

func (t *Table) ordered(fields []any, limit, offset sql.Expr) *Table {
	if t.err != nil {
		return t
	}
	return t.derive(func(from func(*Table) sql.TableRef) (sql.Query, error) {
		es, err := exprArgs(fields)
		if err != nil {
			return nil, err
		}
		var items []*sql.OrderItem
		for _, e := range es {
			item := &sql.OrderItem{Expr: e}
			if oi, ok := e.(*sql.OrderItem); ok {
				item = oi
			}
			items = append(items, item)
		}
		return &sql.OrderedQuery{Body: &sql.Select{Items: star(), From: from(t)}, OrderBy: items, Limit: limit, Offset: offset}, nil
	})
}

// Explain returns the plan as EXPLAIN prints it; details are Flink's
// ExplainDetail names (CHANGELOG_MODE, ESTIMATED_COST,
// JSON_EXECUTION_PLAN, PLAN_ADVICE).
func (t *Table) Explain(details ...string) (string, error) {
	if t.err != nil {
		return "", t.err
	}
	if err := checkExplainDetails(details); err != nil {
		return "", err
	}
	return t.env.planner("").ExplainPlan(t.node, details), nil
}

// ExecuteInsert writes the table into a catalog table and runs the job.
func (t *Table) ExecuteInsert(ctx context.Context, table string) (*Result, error) {
	job, err := t.SubmitInsert(ctx, table)
	if err != nil {
		return nil, err
	}
	return job.result()
}

// SubmitInsert starts the job that writes the table into a catalog table
// and returns without waiting, as Environment.Submit.
func (t *Table) SubmitInsert(ctx context.Context, table string) (*Job, error) {
	if t.err != nil {
		return nil, t.err
	}
	p := t.env.planner("")
	sink, err := p.BindSink(table, t.node, sql.Pos{})
	if err != nil {
		return nil, err
	}
	return t.env.submit(ctx, p, sink, "insert-into_"+table)
}

// Execute runs the table's query and collects its rows: in batch mode the
// final rows, in streaming mode the changelog.
func (t *Table) Execute(ctx context.Context) (*Result, error) { return t.execute(ctx, false) }

// ExecuteBatches is Execute that also keeps the result's Arrow batches in
// Result.Batches, for callers that hand them on (the Python API gives
// them to pyarrow); the caller releases them with Result.Release.
func (t *Table) ExecuteBatches(ctx context.Context) (*Result, error) { return t.execute(ctx, true) }

func (t *Table) execute(ctx context.Context, keep bool) (*Result, error) {
	if t.err != nil {
		return nil, t.err
	}
	p := t.env.planner("")
	opt := planner.Optimize(t.node)
	rs := &resultSink{loc: t.env.location(), keep: keep}
	for _, f := range opt.Schema() {
		rs.types = append(rs.types, f.Type)
	}
	job, err := p.Translate(opt, "collect", &planner.Terminal{Name: "Collect", Parallelism: 1,
		Instance: func(int) engine.Sink { return rs }})
	if err != nil {
		return nil, err
	}
	defer job.Close()
	job.Graph.Mem = t.env.mem
	jr, err := engine.Execute(ctx, job.Graph, p.Config)
	if err != nil {
		for _, b := range rs.batches {
			b.Release()
		}
		return nil, err
	}
	res := &Result{Columns: opt.Schema().Names(), Job: jr, Changelog: t.env.Streaming() && !planner.ModeOf(opt, true).IsInsertOnly(), Batches: rs.batches}
	for _, f := range opt.Schema() {
		res.Types = append(res.Types, f.Type.Arrow())
	}
	res.Rows, res.text = rs.rows, rs.text
	return res, nil
}

// Collect runs the table and returns its rows (Execute's rows).
func (t *Table) Collect(ctx context.Context) ([]Row, error) {
	r, err := t.Execute(ctx)
	if err != nil {
		return nil, err
	}
	return r.Rows, nil
}

// resultSink gathers a query's rows with their text as Flink prints them.
type resultSink struct {
	mu      sync.Mutex
	loc     func() *vectorized.EvalContext
	types   []types.DataType // the columns' SQL types (TIME's precision)
	rows    []Row
	text    [][]string
	keep    bool
	batches []*vectorized.Batch
}

func (s *resultSink) Open(context.Context, *engine.RuntimeContext) error { return nil }
func (s *resultSink) Finish(context.Context) error                       { return nil }
func (s *resultSink) Close() error                                       { return nil }

func (s *resultSink) Write(_ context.Context, b *vectorized.Batch) error {
	rows := engine.BatchRows(b)
	texts := make([][]string, len(rows))
	for i := range texts {
		texts[i] = make([]string, b.Record.NumCols())
	}
	for c, col := range b.Record.Columns() {
		strs, err := columnText(s.loc(), col, columnType(s.types, c))
		if err != nil {
			return err
		}
		for i := range rows {
			texts[i][c] = strs[i]
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keep {
		s.batches = append(s.batches, engine.RetainBatch(b))
	}
	for i, r := range rows {
		s.rows = append(s.rows, Row{Kind: r.Kind.String(), Values: r.Values})
		s.text = append(s.text, texts[i])
	}
	return nil
}

// columnType is the SQL type of column c when known, the NULL type
// otherwise (then the Arrow type decides).
func columnType(ts []types.DataType, c int) types.DataType {
	if c < len(ts) {
		return ts[c]
	}
	return types.NULL()
}

// columnText renders a column of SQL type t as CAST(x AS STRING) does,
// NULL as "NULL". t matters where the Arrow type does not tell the SQL
// type (TIME(0) and TIME(3) are both milliseconds); the NULL type: the
// Arrow type's.
func columnText(ec *vectorized.EvalContext, col arrow.Array, t types.DataType) ([]string, error) {
	if out, ok, err := compositeText(ec, col, t); ok || err != nil {
		return out, err
	}
	out := make([]string, col.Len())
	if s, ok := col.(*array.String); ok {
		for i := range out {
			if s.IsNull(i) {
				out[i] = "NULL"
			} else {
				// Copied: the batch's buffers may be freed after Write.
				out[i] = strings.Clone(s.Value(i))
			}
		}
		return out, nil
	}
	if col.DataType().ID() == arrow.NULL {
		for i := range out {
			out[i] = "NULL"
		}
		return out, nil
	}
	schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: col.DataType(), Nullable: true}}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{col}, int64(col.Len()))
	defer rec.Release()
	prec := -1
	if t.Kind == types.Time {
		prec = t.Precision
	}
	cast, err := expr.CastTime(vectorized.Col(0, col.DataType(), "v"), arrow.BinaryTypes.String, false, prec, -1)
	if err != nil {
		for i := range out {
			if col.IsNull(i) {
				out[i] = "NULL"
			} else {
				out[i] = col.ValueStr(i)
			}
		}
		return out, nil
	}
	arr, err := cast.Eval(ec, rec)
	if err != nil {
		return nil, err
	}
	defer arr.Release()
	s := arr.(*array.String)
	for i := range out {
		if s.IsNull(i) {
			out[i] = "NULL"
		} else {
			out[i] = strings.Clone(s.Value(i))
		}
	}
	return out, nil
}

// location gives evaluation contexts in the session time zone.
func (e *Environment) location() func() *vectorized.EvalContext {
	cfg := e.Config()
	return func() *vectorized.EvalContext {
		ec := vectorized.NewEvalContext(context.Background())
		if tz := cfg[engine.ConfigLocalTimeZone]; tz != "" {
			if l, err := loadLocation(tz); err == nil {
				ec.Location = l
			}
		}
		return ec
	}
}

// compositeText renders BINARY, ARRAY, MAP and ROW columns as Flink prints
// them (its cast rules in printing mode): x'4142', [1.50, NULL],
// {k=[1, 2]}, (1, 2020-01-01 00:00:00.000) — elements as CAST(... AS
// STRING) gives them, NULL as NULL. ok is false for other columns.
func compositeText(ec *vectorized.EvalContext, col arrow.Array, t types.DataType) ([]string, bool, error) {
	sub := func(k *types.DataType) types.DataType {
		if k == nil {
			return types.NULL()
		}
		return *k
	}
	n := col.Len()
	out := make([]string, n)
	switch c := col.(type) {
	case *array.Binary:
		for i := range out {
			if c.IsNull(i) {
				out[i] = "NULL"
			} else {
				out[i] = "x'" + hex.EncodeToString(c.Value(i)) + "'"
			}
		}
		return out, true, nil
	case *array.Map:
		var kt, vt types.DataType
		if t.Kind == types.Map {
			kt, vt = sub(t.Key), sub(t.Value)
		}
		keys, err := columnText(ec, c.Keys(), kt)
		if err != nil {
			return nil, true, err
		}
		items, err := columnText(ec, c.Items(), vt)
		if err != nil {
			return nil, true, err
		}
		for i := range out {
			if c.IsNull(i) {
				out[i] = "NULL"
				continue
			}
			lo, hi := c.ValueOffsets(i)
			parts := make([]string, 0, hi-lo)
			for j := lo; j < hi; j++ {
				parts = append(parts, keys[j]+"="+items[j])
			}
			out[i] = "{" + strings.Join(parts, ", ") + "}"
		}
		return out, true, nil
	case *array.List:
		var et types.DataType
		if t.Kind == types.Array || t.Kind == types.Multiset {
			et = sub(t.Elem)
		}
		elems, err := columnText(ec, c.ListValues(), et)
		if err != nil {
			return nil, true, err
		}
		for i := range out {
			if c.IsNull(i) {
				out[i] = "NULL"
				continue
			}
			lo, hi := c.ValueOffsets(i)
			out[i] = "[" + strings.Join(elems[lo:hi], ", ") + "]"
		}
		return out, true, nil
	case *array.Struct:
		fields := make([][]string, c.NumField())
		for f := range fields {
			ft := types.NULL()
			if t.Kind == types.Row && f < len(t.Fields) {
				ft = t.Fields[f].Type
			}
			texts, err := columnText(ec, c.Field(f), ft) // sliced to the struct's rows
			if err != nil {
				return nil, true, err
			}
			fields[f] = texts
		}
		for i := range out {
			if c.IsNull(i) {
				out[i] = "NULL"
				continue
			}
			parts := make([]string, len(fields))
			for f := range fields {
				parts[f] = fields[f][i]
			}
			out[i] = "(" + strings.Join(parts, ", ") + ")"
		}
		return out, true, nil
	}
	return nil, false, nil
}
