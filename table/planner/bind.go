package planner

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/catalog"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
	"github.com/sluice-stream/sluice/vectorized/expr"
)

// Planner binds statements against a catalog.
type Planner struct {
	Catalog   *catalog.Catalog
	Streaming bool
	Config    engine.Config
	// Source is the text being planned, for error carets.
	Source string
	// Inline are plan nodes the Table API refers to by generated names.
	Inline map[string]Node
	// TableAPI names unaliased select items as Flink's Table API does
	// (ProjectionOperationFactory: _c<position>, a-STRING for a cast of
	// a, a$f for a field of a; EXPR$<n> for the n-th aggregate of a
	// grouped select) instead of SQL's EXPR$<position>.
	TableAPI bool
	// TableAggregates allows calls of table aggregates (the Table API's
	// flat_aggregate, table/table_agg.go); elsewhere they are refused.
	TableAggregates bool
	// ctes are the WITH queries in scope, innermost last (cte.go).
	ctes []*sql.CTE
	// corr is the enclosing query's scope while a subquery's WHERE is
	// bound (subquery.go).
	corr *corrScope
	// scalars are the scope columns of joined scalar subqueries, marks
	// those of IN and EXISTS outside WHERE's conjuncts (subquery.go).
	scalars map[*sql.SubqueryExpr]int
	marks   map[sql.Expr]int
	// lateral is the table function call being bound in LATERAL TABLE
	// (lateral.go), the one place a table function may be called.
	lateral *sql.FuncCall
}

func (p *Planner) ErrAt(pos sql.Pos, format string, args ...any) error {
	return &sql.Error{Pos: pos, Msg: fmt.Sprintf(format, args...), Source: p.Source}
}

// scopeCol is a column visible to expressions.
type scopeCol struct {
	qual string // table alias or name
	name string
	typ  types.DataType
	// hidden is a join side's copy of a USING / NATURAL column: only a
	// qualified name reaches it, and * skips it.
	hidden bool
}

type scope struct {
	cols []scopeCol
	// agg, when set, binds expressions over the output of an aggregate:
	// group keys and aggregate calls become references to its columns.
	agg *aggScope
	// over are the columns of a select list's OVER calls (over.go).
	over map[*sql.FuncCall]Rex
}

type aggScope struct {
	input   *scope
	keys    []string // String() of the bound group key expressions
	keyType []types.DataType
	// keyCol is the output column of each key when they are not the
	// first columns (window aggregates: window_start, ... come last).
	keyCol []int
	// window is the group window of GROUP BY TUMBLE(ts, ...), for its
	// TUMBLE_START, ... properties.
	window *groupWindowScope
	aggs   map[string]int // canonical SQL of an aggregate call → output column
	types  []types.DataType
}

func scopeOf(n Node, qual string) *scope {
	s := &scope{}
	for _, f := range n.Schema() {
		s.cols = append(s.cols, scopeCol{qual: qual, name: f.Name, typ: f.Type})
	}
	return s
}

func (s *scope) names() []string {
	out := make([]string, len(s.cols))
	for i, c := range s.cols {
		out[i] = c.name
	}
	return out
}

// aggregate function names and their engine kinds.
var aggKinds = map[string]engine.AggKind{"COUNT": engine.Count, "SUM": engine.Sum, "AVG": engine.Avg, "MIN": engine.Min, "MAX": engine.Max,
	"VAR_POP": engine.VarPop, "VAR_SAMP": engine.VarSamp, "VARIANCE": engine.VarSamp,
	"STDDEV_POP": engine.StddevPop, "STDDEV_SAMP": engine.StddevSamp, "STDDEV": engine.StddevSamp,
	"FIRST_VALUE": engine.FirstValueAgg, "LAST_VALUE": engine.LastValueAgg, "LISTAGG": engine.ListAgg}

// isAggCall reports whether e calls a built-in aggregate: a temporary
// system function of that name shadows it, as Flink resolves names.
func (p *Planner) isAggCall(e sql.Expr) (*sql.FuncCall, bool) {
	f, ok := e.(*sql.FuncCall)
	if !ok || f.Over != nil || f.OverName != nil {
		return nil, false
	}
	if len(f.Name.Parts) != 1 {
		return f, userAggregate(p.resolveFunction(f)) != nil
	}
	if _, ok = aggKinds[strings.ToUpper(f.Name.Unqualified())]; !ok {
		return f, userAggregate(p.resolveFunction(f)) != nil
	}
	sys := p.Catalog.SystemFunction(f.Name.Unqualified())
	return f, sys == nil || userAggregate(sys) != nil
}

// BindQuery binds a query into a logical plan.
func (p *Planner) BindQuery(q sql.Query) (Node, error) {
	switch q := q.(type) {
	case *sql.Select:
		return p.bindSelect(q)
	case *sql.Values:
		return p.bindValues(q, nil)
	case *sql.SetOp:
		return p.bindSetOp(q)
	case *sql.OrderedQuery:
		return p.bindOrdered(q)
	case *sql.With:
		return p.bindWith(q)
	}
	return nil, p.ErrAt(q.Pos(), "%s queries are not supported yet", sql.Kind(q))
}

func (p *Planner) bindSetOp(q *sql.SetOp) (Node, error) {
	l, err := p.BindQuery(q.Left)
	if err != nil {
		return nil, err
	}
	r, err := p.BindQuery(q.Right)
	if err != nil {
		return nil, err
	}
	ls, rs := l.Schema(), r.Schema()
	if len(ls) != len(rs) {
		return nil, p.ErrAt(q.Pos(), "%s inputs have %d and %d columns; they must have the same number", setOpName(q), len(ls), len(rs))
	}
	// Both sides are cast to the common type of each column.
	var lc, rc []Rex
	castL, castR := false, false
	for i := range ls {
		t, err := commonType(ls[i].Type, rs[i].Type)
		if err != nil {
			return nil, p.ErrAt(q.Pos(), "%s column %d (%s): %v", setOpName(q), i+1, ls[i].Name, err)
		}
		lc = append(lc, castTo(&InputRef{Index: i, T: ls[i].Type, Name: ls[i].Name}, t))
		rc = append(rc, castTo(&InputRef{Index: i, T: rs[i].Type, Name: rs[i].Name}, t))
		castL = castL || !ls[i].Type.Equal(t)
		castR = castR || !rs[i].Type.Equal(t)
	}
	names := ls.Names()
	if castL {
		l = &Project{Input: l, Exprs: lc, Names: names}
	}
	if castR || !equalNames(rs.Names(), names) {
		r = &Project{Input: r, Exprs: rc, Names: names}
	}
	if q.Op != sql.Union {
		return p.bindIntersectExcept(q, l, r)
	}
	var out Node = &Union{Ins: []Node{l, r}}
	if !q.All {
		out = distinctOf(out)
	}
	return out, nil
}

func equalNames(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func distinctOf(n Node) Node {
	keys := make([]int, len(n.Schema()))
	for i := range keys {
		keys[i] = i
	}
	return &Aggregate{Input: n, Keys: keys}
}

func castTo(r Rex, t types.DataType) Rex {
	if r.Type().Nullable().Materialized().Equal(t.Nullable().Materialized()) {
		if ref, ok := r.(*InputRef); ok && ref.T.TimeAttr != t.TimeAttr {
			// The same values, without (or with) the time attribute: a
			// rowtime unioned with a plain timestamp is materialized.
			c := *ref
			c.T.TimeAttr = t.TimeAttr
			return &c
		}
		return r
	}
	return &CastRex{Arg: r, T: t}
}

// commonType is the type both a and b widen to (UNION, CASE, IN).
func commonType(a, b types.DataType) (types.DataType, error) {
	if a.TimeAttr != b.TimeAttr {
		// A time attribute meeting anything else is materialized (Flink).
		a, b = a.Materialized(), b.Materialized()
	}
	if a.Nullable().Equal(b.Nullable()) {
		if a.NotNull && b.NotNull {
			return a, nil
		}
		return a.Nullable(), nil
	}
	nullable := !a.NotNull || !b.NotNull
	var t types.DataType
	switch {
	case a.Kind == types.Null:
		t = b
	case b.Kind == types.Null:
		t = a
	case a.IsString() && b.IsString():
		t = types.VARCHAR(max(a.Length, b.Length))
		if a.Kind == types.Char && b.Kind == types.Char && a.Length == b.Length {
			t = a
		}
	case a.IsNumeric() && b.IsNumeric():
		e, err := expr.Call("+", vectorized.Col(0, a.Arrow(), "a"), vectorized.Col(1, b.Arrow(), "b"))
		if err != nil {
			return t, err
		}
		t, err = types.FromArrow(e.DataType())
		if err != nil {
			return t, err
		}
		if a.IsIntegral() && b.IsIntegral() {
			t = a
			if b.Kind > a.Kind {
				t = b
			}
		}
	case a.Kind == b.Kind && (a.Kind == types.Timestamp || a.Kind == types.TimestampLTZ || a.Kind == types.Time):
		t = a
		t.Precision = max(a.Precision, b.Precision)
	default:
		return t, fmt.Errorf("%s and %s have no common type", a, b)
	}
	if nullable {
		t = t.Nullable()
	} else {
		t = t.NotNullable()
	}
	return t, nil
}

func (p *Planner) bindOrdered(q *sql.OrderedQuery) (Node, error) {
	n, err := p.BindQuery(q.Body)
	if err != nil {
		return nil, err
	}
	sort := &Sort{Input: n, Offset: 0, Limit: -1}
	out := n.Schema()
	for _, it := range q.OrderBy {
		col := -1
		switch e := it.Expr.(type) {
		case *sql.ColumnRef:
			name := e.Parts[len(e.Parts)-1].Name
			for i, f := range out {
				if f.Name == name {
					col = i
					break
				}
			}
		case *sql.NumberLit:
			if k, err := strconv.Atoi(e.Value); err == nil && k >= 1 && k <= len(out) {
				col = k - 1
			}
		}
		if col < 0 {
			return nil, p.ErrAt(it.Expr.Pos(), "ORDER BY %s: order by a column of the select list (by name or position)", it.Expr)
		}
		nf := engine.DefaultNullsFirst(it.Desc)
		switch it.Nulls {
		case sql.NullsFirst:
			nf = true
		case sql.NullsLast:
			nf = false
		}
		sort.Keys = append(sort.Keys, SortKey{Col: col, Desc: it.Desc, NullsFirst: nf})
	}
	var err2 error
	if q.Limit != nil {
		if sort.Limit, err2 = p.constInt(q.Limit, "LIMIT"); err2 != nil {
			return nil, err2
		}
	}
	if q.Offset != nil {
		if sort.Offset, err2 = p.constInt(q.Offset, "OFFSET"); err2 != nil {
			return nil, err2
		}
	}
	if p.Streaming && len(sort.Keys) > 0 {
		return nil, p.ErrAt(q.OrderBy[0].Expr.Pos(), "ORDER BY on an unbounded stream is not supported: sort in batch mode (SET 'execution.runtime-mode' = 'batch') or order by event time in a window")
	}
	if p.Streaming && ModeOf(n, true) != connector.InsertOnly {
		return nil, p.ErrAt(q.Pos(), "LIMIT on an updating stream is not supported yet")
	}
	return sort, nil
}

func (p *Planner) constInt(e sql.Expr, what string) (int64, error) {
	n, ok := e.(*sql.NumberLit)
	if !ok || n.Kind != sql.IntegerNumber {
		return 0, p.ErrAt(e.Pos(), "%s takes a non-negative integer literal", what)
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil || v < 0 {
		return 0, p.ErrAt(e.Pos(), "%s takes a non-negative integer literal", what)
	}
	return v, nil
}

func (p *Planner) bindValues(q *sql.Values, names []*sql.Ident) (Node, error) {
	if len(q.Rows) == 0 {
		return nil, p.ErrAt(q.Pos(), "VALUES needs at least one row")
	}
	empty := &scope{}
	var rows [][]Rex
	width := len(q.Rows[0].Items)
	var colTypes []types.DataType
	for _, r := range q.Rows {
		if len(r.Items) != width {
			return nil, p.ErrAt(r.Pos(), "VALUES rows have %d and %d columns; all rows must have the same number", width, len(r.Items))
		}
		row := make([]Rex, width)
		for i, it := range r.Items {
			x, err := p.bindExpr(it, empty)
			if err != nil {
				return nil, err
			}
			row[i] = x
			if colTypes == nil || len(colTypes) <= i {
				colTypes = append(colTypes, x.Type())
				continue
			}
			t, err := commonType(colTypes[i], x.Type())
			if err != nil {
				return nil, p.ErrAt(it.Pos(), "VALUES column %d: %v", i+1, err)
			}
			colTypes[i] = t
		}
		rows = append(rows, row)
	}
	fields := make(Schema, width)
	for i := range fields {
		name := fmt.Sprintf("EXPR$%d", i)
		if i < len(names) {
			name = names[i].Name
		}
		t := colTypes[i]
		if t.Kind == types.Null {
			t = types.STRING()
		}
		fields[i] = Field{Name: name, Type: t}
	}
	for _, row := range rows {
		for i := range row {
			row[i] = castTo(row[i], fields[i].Type)
		}
	}
	return &Values{Fields: fields, Rows: rows}, nil
}

func (p *Planner) bindFrom(ref sql.TableRef) (Node, *scope, error) {
	switch r := ref.(type) {
	case *sql.TableName:
		if r.SystemTime != nil {
			return nil, nil, p.ErrAt(r.SystemTime.Pos(), "FOR SYSTEM_TIME AS OF (temporal joins) is not supported yet")
		}
		name := r.Name.Unqualified()
		n, err := p.bindTable(r.Name)
		if err != nil {
			return nil, nil, err
		}
		qual := name
		if r.Alias != nil {
			qual = r.Alias.Name
		}
		n, err = p.renameColumns(n, r.Columns, r.Pos())
		if err != nil {
			return nil, nil, err
		}
		return n, scopeOf(n, qual), nil
	case *sql.SubqueryRef:
		if r.Lateral {
			return nil, nil, p.ErrAt(r.Start, "LATERAL subqueries are not supported yet")
		}
		var n Node
		var err error
		if v, ok := r.Query.(*sql.Values); ok {
			n, err = p.bindValues(v, r.Columns)
		} else {
			n, err = p.BindQuery(r.Query)
			if err == nil {
				n, err = p.renameColumns(n, r.Columns, r.Start)
			}
		}
		if err != nil {
			return nil, nil, err
		}
		qual := ""
		if r.Alias != nil {
			qual = r.Alias.Name
		}
		return n, scopeOf(n, qual), nil
	case *sql.TableFunctionRef:
		if p.lateralTableFunction(r) != nil {
			return p.bindTableFunction(r)
		}
		if isDataStreamTVF(r.Call) && !r.Lateral {
			n, err := p.bindDataStreamTVF(r.Call)
			if err != nil {
				return nil, nil, err
			}
			return n, scopeOf(n, ""), nil
		}
		if !isWindowTVF(r.Call) || r.Lateral {
			return nil, nil, p.ErrAt(r.Pos(), "table functions are not supported yet; the windowing functions TUMBLE, HOP, CUMULATE and SESSION are")
		}
		tvf, err := p.bindWindowTVF(r.Call)
		if err != nil {
			return nil, nil, err
		}
		var n Node = tvf
		if n, err = p.renameColumns(n, r.Columns, r.Pos()); err != nil {
			return nil, nil, err
		}
		qual := ""
		if r.Alias != nil {
			qual = r.Alias.Name
		}
		return n, scopeOf(n, qual), nil
	case *sql.Join:
		return p.bindJoin(r)
	case *sql.UnnestRef:
		return p.bindUnnest(r)
	}
	return nil, nil, p.ErrAt(ref.Pos(), "%s in FROM is not supported yet", sql.Kind(ref))
}

func (p *Planner) renameColumns(n Node, cols []*sql.Ident, pos sql.Pos) (Node, error) {
	if len(cols) == 0 {
		return n, nil
	}
	s := n.Schema()
	if len(cols) != len(s) {
		return nil, p.ErrAt(pos, "%d column aliases for %d columns", len(cols), len(s))
	}
	exprs := make([]Rex, len(s))
	names := make([]string, len(s))
	for i, f := range s {
		exprs[i] = &InputRef{Index: i, T: f.Type, Name: f.Name}
		names[i] = cols[i].Name
	}
	return &Project{Input: n, Exprs: exprs, Names: names}, nil
}

// bindTable reads a catalog table (through its connector) or expands a view.
func (p *Planner) bindTable(name *sql.QualifiedName) (Node, error) {
	if n, ok, err := p.bindCTE(name); ok {
		return n, err
	}
	if n, ok := p.Inline[name.Unqualified()]; ok {
		return n, nil
	}
	t, v, err := p.Catalog.Lookup(name.Unqualified())
	if err != nil {
		return nil, &sql.Error{Pos: name.Pos(), Msg: err.Error(), Source: p.Source}
	}
	if v != nil {
		if n, ok := v.Plan.(Node); ok {
			return n, nil
		}
		sub := &Planner{Catalog: p.Catalog, Streaming: p.Streaming, Config: p.Config, Source: v.Query.SourceText(), Inline: p.Inline}
		n, err := sub.BindQuery(v.Query)
		if err != nil {
			return nil, fmt.Errorf("view %s: %w", v.Name, err)
		}
		return p.renameColumnsByName(n, v.Columns)
	}
	return p.scanTable(t, name.Pos())
}

func (p *Planner) renameColumnsByName(n Node, cols []string) (Node, error) {
	ids := make([]*sql.Ident, len(cols))
	for i, c := range cols {
		ids[i] = &sql.Ident{Name: c}
	}
	return p.renameColumns(n, ids, sql.Pos{})
}

// ConnectorContext builds the factory context of a catalog table whose
// options, normalized by Factory, are opts.
func ConnectorContext(t *catalog.Table, opts map[string]string, cfg engine.Config) *connector.Context {
	ctx := &connector.Context{Table: t.Name, Options: opts, Config: cfg}
	for _, c := range t.Physical() {
		ctx.Columns = append(ctx.Columns, connector.Column{Name: c.Name, Type: c.Type})
	}
	for _, k := range t.PrimaryKey {
		for i, c := range ctx.Columns {
			if c.Name == k {
				ctx.PrimaryKey = append(ctx.PrimaryKey, i)
			}
		}
	}
	return ctx
}

// Factory finds a table's connector, translates Flink 1.10 legacy keys
// into current ones and validates the options.
func Factory(t *catalog.Table) (connector.Factory, map[string]string, error) {
	id, err := connector.Identifier(t.Options)
	if err != nil {
		return nil, nil, fmt.Errorf("table %s: %v; available connectors: %s", t.Name, err, strings.Join(connector.Identifiers(), ", "))
	}
	f, err := connector.Lookup(id)
	if err != nil {
		return nil, nil, fmt.Errorf("table %s: %w", t.Name, err)
	}
	opts, err := connector.Normalize(f, t.Options)
	if err != nil {
		return nil, nil, fmt.Errorf("table %s: %w", t.Name, err)
	}
	for _, k := range plannerOptions {
		if _, ok := opts[k]; ok {
			// The watermark assigner's option, not the connector's.
			opts = maps.Clone(opts)
			delete(opts, k)
		}
	}
	if err := connector.ValidateOptions(f, opts); err != nil {
		return nil, nil, fmt.Errorf("table %s: %w", t.Name, err)
	}
	return f, opts, nil
}

func (p *Planner) scanTable(t *catalog.Table, pos sql.Pos) (Node, error) {
	f, opts, err := Factory(t)
	if err != nil {
		return nil, p.ErrAt(pos, "%v", err)
	}
	sf, ok := f.(connector.SourceFactory)
	if !ok {
		return nil, p.ErrAt(pos, "table %s: connector %q cannot be read from", t.Name, f.Identifier())
	}
	cctx := ConnectorContext(t, opts, p.Config)
	var pushed Rex
	if p.Streaming && t.Watermark != nil {
		if cctx.Watermark, pushed, err = p.pushableWatermark(t, pos); err != nil {
			return nil, err
		}
	}
	src, err := sf.NewSource(cctx)
	if err != nil {
		return nil, p.ErrAt(pos, "table %s: %v", t.Name, err)
	}
	if !p.Streaming && !src.Bounded {
		// Flink: "Querying an unbounded table in batch mode is not allowed."
		return nil, p.ErrAt(pos, "table %s is unbounded and cannot be read in batch mode; run in streaming mode (SET 'execution.runtime-mode' = 'streaming') or bound the source", t.Name)
	}
	if !p.Streaming && !src.Mode.IsInsertOnly() {
		return nil, p.ErrAt(pos, "table %s produces a changelog %s; batch mode reads insert-only tables, run in streaming mode (SET 'execution.runtime-mode' = 'streaming')", t.Name, src.Mode)
	}
	phys := t.Physical()
	fields := make(Schema, len(phys))
	for i, c := range phys {
		fields[i] = Field{Name: c.Name, Type: c.Type}
	}
	scan := &Scan{Table: t.Name, Source: src, Fields: fields}
	var n Node = scan
	computed := false
	for _, c := range t.Columns {
		computed = computed || c.Kind == catalog.Computed
	}
	if computed {
		// Computed columns: a projection over the physical ones, in the
		// declared column order.
		sc := scopeOf(n, t.Name)
		var exprs []Rex
		var names []string
		pi := 0
		for _, c := range t.Columns {
			switch c.Kind {
			case catalog.Physical:
				exprs = append(exprs, &InputRef{Index: pi, T: c.Type, Name: c.Name})
				pi++
			case catalog.Computed:
				x, err := p.bindExpr(c.Expr, sc)
				if err != nil {
					return nil, fmt.Errorf("computed column %s of %s: %w", c.Name, t.Name, err)
				}
				exprs = append(exprs, x)
			default:
				return nil, p.ErrAt(pos, "table %s: metadata column %s is not supported yet", t.Name, c.Name)
			}
			names = append(names, c.Name)
		}
		n = &Project{Input: n, Exprs: exprs, Names: names}
	}
	if t.Watermark == nil {
		return n, nil
	}
	rowtime, wm, err := p.bindWatermark(t, n.Schema())
	if err != nil {
		return nil, err
	}
	idle, onEvent, err := p.watermarkOptions(t, pos)
	if err != nil {
		return nil, err
	}
	if !p.Streaming {
		// Batch has no watermarks, no late rows and no rowtime attribute
		// (Flink plans no assigner; CURRENT_WATERMARK refuses the column).
		return n, nil
	}
	if src.Watermarks {
		// A source that generates watermarks per split needs no assigner:
		// the column is only marked as the rowtime.
		scan.Watermark = pushed
		row := n.Schema()
		exprs := make([]Rex, len(row))
		for i, f := range row {
			exprs[i] = &InputRef{Index: i, T: f.Type, Name: f.Name}
		}
		exprs[rowtime].(*InputRef).T.TimeAttr = types.Rowtime
		return &Project{Input: n, Exprs: exprs, Names: row.Names()}, nil
	}
	return &WatermarkAssigner{Input: n, Rowtime: rowtime, Expr: wm, IdleTimeout: idle, OnEvent: onEvent}, nil
}

// bindWatermark checks a table's WATERMARK clause over its full row
// (computed columns included) as Flink's DefaultSchemaResolver does, and
// returns the rowtime column and the bound watermark expression.
func (p *Planner) bindWatermark(t *catalog.Table, row Schema) (int, Rex, error) {
	w := t.Watermark
	col := -1
	for i, f := range row {
		if f.Name == w.Column {
			col = i
		}
	}
	if col < 0 {
		avail := make([]string, len(row))
		for i, f := range row {
			avail[i] = "'" + f.Name + "'"
		}
		return 0, nil, p.ErrAt(w.ColumnPos, "The rowtime attribute field '%s' is not defined in the table schema. Available fields: [%s]", w.Column, strings.Join(avail, ", "))
	}
	if !watermarkType(row[col].Type) {
		return 0, nil, p.ErrAt(w.ColumnPos, "Invalid data type of time field for watermark definition. The field must be of type TIMESTAMP(p) or TIMESTAMP_LTZ(p), the supported precision 'p' is from 0 to 3, but the time field type is %s", row[col].Type)
	}
	sc := &scope{}
	for _, f := range row {
		sc.cols = append(sc.cols, scopeCol{qual: t.Name, name: f.Name, typ: f.Type})
	}
	x, err := p.bindExpr(w.Expr, sc)
	if err != nil {
		return 0, nil, err
	}
	if !watermarkType(x.Type()) {
		return 0, nil, p.ErrAt(w.Expr.Pos(), "Invalid data type of expression for watermark definition. The field must be of type TIMESTAMP(p) or TIMESTAMP_LTZ(p), the supported precision 'p' is from 0 to 3, but the watermark expression type is %s", x.Type())
	}
	return col, x, nil
}

// watermarkType: a rowtime and its watermark are TIMESTAMP(p) or
// TIMESTAMP_LTZ(p) with p <= 3.
func watermarkType(t types.DataType) bool {
	return (t.Kind == types.Timestamp || t.Kind == types.TimestampLTZ) && t.Precision <= 3
}

// SchemaOfTable is the full row type of a table, computed columns included.
func (p *Planner) SchemaOfTable(t *catalog.Table) (Schema, error) {
	phys := t.Physical()
	fields := make(Schema, len(phys))
	for i, c := range phys {
		fields[i] = Field{Name: c.Name, Type: c.Type}
	}
	sc := &scope{}
	for _, f := range fields {
		sc.cols = append(sc.cols, scopeCol{qual: t.Name, name: f.Name, typ: f.Type})
	}
	var out Schema
	for _, c := range t.Columns {
		if c.Kind == catalog.Computed {
			x, err := p.bindExpr(c.Expr, sc)
			if err != nil {
				return nil, err
			}
			out = append(out, Field{Name: c.Name, Type: x.Type()})
			continue
		}
		out = append(out, Field{Name: c.Name, Type: c.Type})
	}
	if t.Watermark != nil {
		col, _, err := p.bindWatermark(t, out)
		if err != nil {
			return nil, err
		}
		out[col].Type.TimeAttr = types.Rowtime
	}
	return out, nil
}

func (p *Planner) bindSelect(q *sql.Select) (Node, error) {
	var n Node
	var sc *scope
	// where is q.Where less the row number range of a Top-N.
	where := q.Where
	if q.From == nil {
		n = &Values{Fields: Schema{}, Rows: [][]Rex{{}}}
		sc = &scope{}
	} else {
		var err error
		var topN bool
		if n, sc, where, topN, err = p.bindTopN(q); err != nil {
			return nil, err
		}
		if !topN {
			where = q.Where
			from := q.From
			if p.Streaming {
				from, where = whereIntoJoin(from, where)
			}
			if n, sc, err = p.bindFrom(from); err != nil {
				return nil, err
			}
		}
	}
	if where != nil {
		// [NOT] IN / [NOT] EXISTS conjuncts become semi and anti joins.
		var err error
		if n, where, err = p.bindWhereSubqueries(where, n, sc); err != nil {
			return nil, err
		}
	}
	if q.From != nil {
		var err error
		if n, err = p.scalarSubqueries(q, where, n, sc); err != nil {
			return nil, err
		}
	}
	if where != nil {
		cond, err := p.bindCondition(where, sc, "WHERE")
		if err != nil {
			return nil, err
		}
		n = &Filter{Input: n, Cond: cond}
	}

	hasAgg := len(q.GroupBy) > 0 || p.selectHasAggregates(q)
	if q.Having != nil {
		hasAgg = true
	}
	var err error
	outScope := sc
	if hasAgg {
		if n, outScope, err = p.bindAggregate(q, n, sc); err != nil {
			return nil, err
		}
	}
	if q.Having != nil {
		cond, err := p.bindCondition(q.Having, outScope, "HAVING")
		if err != nil {
			return nil, err
		}
		n = &Filter{Input: n, Cond: cond}
	}
	// OVER windows come after GROUP BY and HAVING, over their rows.
	if over := p.overCalls(q); len(over) > 0 {
		if n, outScope, err = p.bindOver(q, over, n, outScope); err != nil {
			return nil, err
		}
	}
	var exprs []Rex
	var names []string
	for i, it := range q.Items {
		alias := ""
		e := it
		if a, ok := it.(*sql.AliasExpr); ok {
			e = a.Expr
			alias = a.Names[0].Name
		}
		if st, ok := e.(*sql.Star); ok {
			if outScope.agg != nil {
				return nil, p.ErrAt(st.Start, "* cannot be used with GROUP BY")
			}
			found := false
			for ci, c := range outScope.cols {
				if len(st.Qualifier) > 0 && c.qual != st.Qualifier[len(st.Qualifier)-1].Name || len(st.Qualifier) == 0 && c.hidden {
					continue
				}
				found = true
				exprs = append(exprs, &InputRef{Index: ci, T: c.typ, Name: c.name})
				names = append(names, c.name)
			}
			if !found {
				return nil, p.ErrAt(st.Start, "%s matches no table", st)
			}
			continue
		}
		x, err := p.bindExpr(e, outScope)
		if err != nil {
			return nil, err
		}
		if alias == "" {
			if p.TableAPI {
				alias = tableAPIName(e, x, len(exprs), outScope)
			} else {
				alias = deriveName(e, i)
			}
		}
		exprs = append(exprs, x)
		names = append(names, alias)
	}
	names = uniqueNames(names)
	n = &Project{Input: n, Exprs: exprs, Names: names, TableAPI: p.TableAPI}
	if q.Distinct {
		n = distinctOf(n)
	}
	return n, nil
}

// deriveName is Flink's column name for an unaliased select item: the
// column's name, else EXPR$i.
func deriveName(e sql.Expr, i int) string {
	switch e := e.(type) {
	case *sql.ColumnRef:
		return e.Parts[len(e.Parts)-1].Name
	case *sql.FieldAccess:
		return e.Field.Name
	}
	return fmt.Sprintf("EXPR$%d", i)
}

// tableAPIName is Flink's Table API name of an unaliased projection item
// at position pos: a column keeps its name, a field of a named value is
// name$field (name$_i by index), a cast of a named value name-TYPE, a bare
// aggregate of a grouped select EXPR$<its index among the aggregates>,
// anything else _c<pos>.
func tableAPIName(e sql.Expr, x Rex, pos int, sc *scope) string {
	if sc.agg != nil {
		if ref, ok := x.(*InputRef); ok && ref.Index >= len(sc.agg.keys) {
			if _, isCol := e.(*sql.ColumnRef); !isCol {
				return fmt.Sprintf("EXPR$%d", ref.Index-len(sc.agg.keys))
			}
		}
	}
	if c, ok := e.(*sql.CastExpr); ok {
		if n, ok := transitiveName(c.Expr); ok {
			return n + "-" + x.Type().Nullable().String()
		}
	}
	if n, ok := transitiveName(e); ok {
		return n
	}
	return fmt.Sprintf("_c%d", pos)
}

// transitiveName is the name of a column or of a field (by name or
// index) of a named value, as Flink's TransitiveExtractNameVisitor.
func transitiveName(e sql.Expr) (string, bool) {
	switch e := e.(type) {
	case *sql.ColumnRef:
		return e.Parts[len(e.Parts)-1].Name, true
	case *sql.FieldAccess:
		if n, ok := transitiveName(e.Expr); ok {
			return n + "$" + e.Field.Name, true
		}
	case *sql.Index:
		if n, ok := transitiveName(e.Expr); ok {
			if lit, ok := e.Index.(*sql.NumberLit); ok && lit.Kind == sql.IntegerNumber {
				return n + "$_" + lit.Value, true
			}
			if lit, ok := e.Index.(*sql.StringLit); ok {
				return n + "$" + lit.Value, true
			}
		}
	}
	return "", false
}

// uniqueNames suffixes duplicates as Calcite does (a, a0, a1).
func uniqueNames(names []string) []string {
	seen := map[string]bool{}
	out := make([]string, len(names))
	for i, n := range names {
		name := n
		for k := 0; seen[name]; k++ {
			name = n + strconv.Itoa(k)
		}
		seen[name] = true
		out[i] = name
	}
	return out
}

func (p *Planner) bindCondition(e sql.Expr, sc *scope, clause string) (Rex, error) {
	if err := p.noOverIn(e, clause); err != nil {
		return nil, err
	}
	if clause != "HAVING" {
		if err := p.rejectGroupingFuncs(e); err != nil {
			return nil, err
		}
	}
	x, err := p.bindExpr(e, sc)
	if err != nil {
		return nil, err
	}
	if x.Type().Kind != types.Boolean && x.Type().Kind != types.Null {
		return nil, p.ErrAt(e.Pos(), "%s needs a BOOLEAN condition, got %s", clause, x.Type())
	}
	return x, nil
}

// bindAggregate plans GROUP BY: a projection of keys and aggregate
// arguments, the aggregate, and a scope in which the select list and
// HAVING see the aggregate's output.
func (p *Planner) bindAggregate(q *sql.Select, in Node, sc *scope) (Node, *scope, error) {
	if n, out, ok, err := p.bindWindowAggregate(q, in, sc); ok || err != nil {
		return n, out, err
	}
	if n, out, ok, err := p.bindGroupingSets(q, in, sc); ok || err != nil {
		return n, out, err
	}
	var pre []Rex
	var preNames []string
	agg := &aggScope{input: sc, aggs: map[string]int{}}
	for _, g := range q.GroupBy {
		x, err := p.bindExpr(g, sc)
		if err != nil {
			return nil, nil, err
		}
		if x.Type().Kind == types.Null {
			return nil, nil, p.ErrAt(g.Pos(), "cannot group by NULL")
		}
		// Keys are matched by structure and function identity, not by
		// text: two lambdas both print as <lambda>(x).
		agg.keys = append(agg.keys, identityKey(x))
		agg.keyType = append(agg.keyType, x.Type())
		pre = append(pre, x)
		preNames = append(preNames, deriveName(g, len(pre)-1))
	}
	keys := make([]int, len(pre))
	for i := range keys {
		keys[i] = i
	}
	calls, err := p.collectAggCalls(q, sc, agg, &pre, &preNames, len(keys), len(keys))
	if err != nil {
		return nil, nil, err
	}
	project := &Project{Input: in, Exprs: pre, Names: uniqueNames(preNames)}
	node := &Aggregate{Input: project, Keys: keys, Aggs: calls}
	out := &scope{agg: agg}
	for _, f := range node.Schema() {
		out.cols = append(out.cols, scopeCol{name: f.Name, typ: f.Type})
		agg.types = append(agg.types, f.Type)
	}
	return node, out, nil
}

// collectAggCalls binds the aggregate calls of the select list and HAVING:
// each argument is appended to pre (the projection under the aggregate),
// each call registered in agg at output column first + its index; names
// are EXPR$(nameBase + index).
func (p *Planner) collectAggCalls(q *sql.Select, sc *scope, agg *aggScope, pre *[]Rex, preNames *[]string, first, nameBase int) ([]AggCall, error) {
	var calls []AggCall
	var visitErr error
	visit := func(root sql.Expr) {
		if root == nil {
			return
		}
		sql.Inspect(root, func(x sql.Node) bool {
			e, ok := x.(sql.Expr)
			if !ok || visitErr != nil {
				return visitErr == nil
			}
			f, ok := p.isAggCall(e)
			if !ok {
				return true
			}
			key := f.String()
			if _, seen := agg.aggs[key]; seen {
				return false
			}
			call, args, err := p.bindAggCall(f, sc)
			if err != nil {
				visitErr = err
				return false
			}
			for _, arg := range args {
				if call.Kind == engine.UserDefined {
					call.Args = append(call.Args, len(*pre))
				} else {
					call.Arg = len(*pre)
				}
				*pre = append(*pre, arg)
				*preNames = append(*preNames, fmt.Sprintf("$f%d", len(*pre)-1))
			}
			if f.Filter != nil {
				// Flink projects the predicate under the aggregate as a
				// BOOLEAN column, IS TRUE unless it cannot be NULL.
				cond, err := p.bindAggFilter(f.Filter, sc)
				if err != nil {
					visitErr = err
					return false
				}
				call.Filtered, call.Filter = true, len(*pre)
				*pre = append(*pre, cond)
				*preNames = append(*preNames, fmt.Sprintf("$f%d", len(*pre)-1))
			}
			call.Name = fmt.Sprintf("EXPR$%d", nameBase+len(calls))
			agg.aggs[key] = first + len(calls)
			calls = append(calls, call)
			return false
		})
	}
	for _, it := range q.Items {
		visit(it)
	}
	visit(q.Having)
	return calls, visitErr
}

// bindAggFilter binds the predicate of an aggregate's FILTER (WHERE ...).
func (p *Planner) bindAggFilter(e sql.Expr, sc *scope) (Rex, error) {
	var nested error
	sql.Inspect(e, func(x sql.Node) bool {
		if ex, ok := x.(sql.Expr); ok {
			if g, ok := p.isAggCall(ex); ok && nested == nil {
				nested = p.ErrAt(g.Name.Pos(), "FILTER must not contain aggregate expression")
			}
		}
		return nested == nil
	})
	if nested != nil {
		return nil, nested
	}
	cond, err := p.bindExpr(e, sc)
	if err != nil {
		return nil, err
	}
	if t := cond.Type(); t.Kind != types.Boolean {
		return nil, p.ErrAt(e.Pos(), "FILTER clause must be a condition, got %s", t)
	}
	if !cond.Type().NotNull {
		cond = &CallRex{Name: "IS TRUE", Args: []Rex{cond}, T: types.BOOLEAN().NotNullable()}
	}
	return cond, nil
}

// rejectAggFilter rejects FILTER (WHERE ...) in the aggregates of q where
// the operator does not implement it (window aggregates).
func (p *Planner) rejectAggFilter(q *sql.Select, what string) error {
	var err error
	for _, root := range append(append([]sql.Expr(nil), q.Items...), q.Having) {
		if root == nil || err != nil {
			continue
		}
		sql.Inspect(root, func(x sql.Node) bool {
			if f, ok := x.(*sql.FuncCall); ok && f.Filter != nil && err == nil {
				err = p.ErrAt(f.Filter.Pos(), "FILTER (WHERE ...) on %s is not supported yet", what)
			}
			return err == nil
		})
	}
	return err
}

func (p *Planner) bindAggCall(f *sql.FuncCall, sc *scope) (AggCall, []Rex, error) {
	if fn := p.resolveFunction(f); userAggregate(fn) != nil {
		return p.bindUserAggCall(f, fn, sc)
	}
	c, arg, err := p.bindBuiltinAggCall(f, sc)
	if arg == nil {
		return c, nil, err
	}
	return c, []Rex{arg}, err
}

func (p *Planner) bindBuiltinAggCall(f *sql.FuncCall, sc *scope) (AggCall, Rex, error) {
	name := strings.ToUpper(f.Name.Unqualified())
	kind := aggKinds[name]
	if isValueAgg(kind) {
		return p.bindValueAggCall(f, name, kind, sc)
	}
	if name == "COUNT" && len(f.Args) == 1 {
		if _, star := f.Args[0].(*sql.Star); star {
			return AggCall{Kind: engine.CountStar, Arg: -1, Type: types.BIGINT().NotNullable()}, nil, nil
		}
	}
	if len(f.Args) != 1 {
		return AggCall{}, nil, p.ErrAt(f.Name.Pos(), "%s takes one argument, got %d", name, len(f.Args))
	}
	// Aggregates do not nest.
	var nested error
	sql.Inspect(f.Args[0], func(x sql.Node) bool {
		if e, ok := x.(sql.Expr); ok {
			if g, ok := p.isAggCall(e); ok && nested == nil {
				nested = p.ErrAt(g.Name.Pos(), "aggregate function calls cannot be nested")
			}
		}
		return nested == nil
	})
	if nested != nil {
		return AggCall{}, nil, nested
	}
	arg, err := p.bindExpr(f.Args[0], sc)
	if err != nil {
		return AggCall{}, nil, err
	}
	at := arg.Type()
	switch kind {
	case engine.Sum, engine.Avg, engine.VarPop, engine.VarSamp, engine.StddevPop, engine.StddevSamp:
		if !at.IsNumeric() {
			return AggCall{}, nil, p.ErrAt(f.Args[0].Pos(), "%s takes a numeric argument, got %s", name, at)
		}
	case engine.Min, engine.Max:
		if at.Kind >= types.Array {
			return AggCall{}, nil, p.ErrAt(f.Args[0].Pos(), "%s cannot compare values of type %s", name, at)
		}
	}
	var rt types.DataType
	if kind == engine.Count {
		rt = types.BIGINT().NotNullable()
	} else {
		t, err := types.FromArrow(engine.DefaultAggResultType(kind, at.Arrow()))
		if err != nil {
			return AggCall{}, nil, p.ErrAt(f.Pos(), "%s: %v", name, err)
		}
		rt = t
		if kind == engine.Min || kind == engine.Max {
			// A regular aggregate materializes a time attribute.
			rt = at.Nullable().Materialized()
		}
	}
	return AggCall{Kind: kind, Distinct: f.Distinct, Type: rt}, arg, nil
}

// bindExpr resolves an expression in a scope.
func (p *Planner) bindExpr(e sql.Expr, sc *scope) (Rex, error) {
	if x, ok, err := p.bindGroupingFunc(e, sc); ok {
		return x, err
	}
	if sc.agg != nil {
		if f, ok := p.isAggCall(e); ok {
			i, found := sc.agg.aggs[f.String()]
			if !found {
				return nil, p.ErrAt(f.Pos(), "aggregate %s is not allowed here", f)
			}
			return &InputRef{Index: i, T: sc.agg.types[i], Name: sc.cols[i].name}, nil
		}
		if x, ok, err := p.bindGroupWindowProperty(e, sc.agg); ok || err != nil {
			return x, err
		}
		if x, err := p.bindExpr(e, sc.agg.input); err == nil {
			for i, k := range sc.agg.keys {
				if k == identityKey(x) {
					col := i
					if sc.agg.keyCol != nil {
						col = sc.agg.keyCol[i]
					}
					return &InputRef{Index: col, T: sc.agg.types[col], Name: sc.cols[col].name}, nil
				}
			}
		}
		if c, ok := e.(*sql.ColumnRef); ok {
			// A column of the input that is neither grouped nor aggregated.
			if _, err := p.bindExpr(c, sc.agg.input); err == nil {
				return nil, p.ErrAt(c.Pos(), "column %s is neither grouped nor aggregated; add it to GROUP BY or wrap it in an aggregate function", c)
			}
			return p.bindColumn(c, sc.agg.input)
		}
	}
	switch e := e.(type) {
	case *sql.ColumnRef:
		return p.bindColumn(e, sc)
	case *sql.NumberLit:
		return p.bindNumber(e)
	case *sql.StringLit:
		n := len([]rune(e.Value))
		return &Literal{Value: e.Value, T: types.CHAR(n).NotNullable(), Text: quote(e.Value)}, nil
	case *sql.BoolLit:
		switch e.Value {
		case "TRUE":
			return &Literal{Value: true, T: types.BOOLEAN().NotNullable(), Text: "true"}, nil
		case "FALSE":
			return &Literal{Value: false, T: types.BOOLEAN().NotNullable(), Text: "false"}, nil
		}
		return &Literal{T: types.BOOLEAN(), Text: "null:BOOLEAN"}, nil
	case *sql.NullLit:
		return &Literal{T: types.NULL(), Text: "null"}, nil
	case *sql.TypedLit:
		return p.bindTypedLit(e)
	case *sql.IntervalLit:
		return p.bindInterval(e)
	case *sql.UnaryExpr:
		if err := p.checkTypedOperand(e.Expr); err != nil {
			return nil, err
		}
		x, err := p.bindExpr(e.Expr, sc)
		if err != nil {
			return nil, err
		}
		switch e.Op {
		case "+":
			return x, nil
		case "-":
			if lit, ok := x.(*Literal); ok {
				if neg, ok := negateLiteral(lit); ok {
					return neg, nil
				}
			}
			return p.call(e.Start, "NEGATE", x)
		}
		return p.call(e.Start, "NOT", x)
	case *sql.BinaryExpr:
		switch e.Op {
		case "AND", "OR", "+", "-", "*", "/", "%", "||":
			// comparisons take the type of their other side; these
			// operators cannot type a bare NULL (Flink rejects it too)
			for _, x := range []sql.Expr{e.Left, e.Right} {
				if err := p.checkTypedOperand(x); err != nil {
					return nil, err
				}
			}
		}
		l, err := p.bindExpr(e.Left, sc)
		if err != nil {
			return nil, err
		}
		r, err := p.bindExpr(e.Right, sc)
		if err != nil {
			return nil, err
		}
		if e.Op == "||" {
			return p.call(e.OpPos, "CONCAT", l, r)
		}
		if e.Op == "/" && isZeroLiteral(r) {
			if _, constant := l.(*Literal); constant {
				// Flink evaluates constant expressions while planning and
				// fails on this one (a DOUBLE too, not Infinity).
				return nil, p.ErrAt(e.OpPos, "Division by zero")
			}
		}
		return p.call(e.OpPos, e.Op, l, r)
	case *sql.IsExpr:
		x, err := p.bindExpr(e.Expr, sc)
		if err != nil {
			return nil, err
		}
		what := e.What
		if what == "UNKNOWN" {
			what = "NULL"
		}
		name := "IS " + what
		if e.Not {
			name = "IS NOT " + what
		}
		return p.call(e.Expr.Pos(), name, x)
	case *sql.IsDistinctFrom:
		return p.callExprs(e.Left.Pos(), map[bool]string{false: "IS DISTINCT FROM", true: "IS NOT DISTINCT FROM"}[e.Not], sc, e.Left, e.Right)
	case *sql.InExpr:
		if e.Query != nil {
			if i, ok := p.marks[e]; ok && i < len(sc.cols) {
				return &InputRef{Index: i, T: sc.cols[i].typ, Name: sc.cols[i].name}, nil
			}
			return nil, p.ErrAt(e.Query.Pos(), "IN (subquery) is supported in the select list and WHERE clause of a query with FROM, not here")
		}
		name := "IN"
		if e.Not {
			name = "NOT IN"
		}
		return p.callExprs(e.Expr.Pos(), name, sc, append([]sql.Expr{e.Expr}, e.List...)...)
	case *sql.BetweenExpr:
		if e.Symmetric {
			// x BETWEEN SYMMETRIC a AND b holds when x lies between the
			// two bounds in either order; NOT negates the whole (Flink
			// expands it the same way, so NULLs follow from OR and NOT).
			fwd := &sql.BetweenExpr{Expr: e.Expr, Low: e.Low, High: e.High}
			rev := &sql.BetweenExpr{Expr: e.Expr, Low: e.High, High: e.Low}
			var either sql.Expr = &sql.BinaryExpr{Op: "OR", OpPos: e.Expr.Pos(), Left: fwd, Right: rev}
			if e.Not {
				either = &sql.UnaryExpr{Start: e.Expr.Pos(), Op: "NOT", Expr: either}
			}
			return p.bindExpr(either, sc)
		}
		name := "BETWEEN"
		if e.Not {
			name = "NOT BETWEEN"
		}
		return p.callExprs(e.Expr.Pos(), name, sc, e.Expr, e.Low, e.High)
	case *sql.LikeExpr:
		name := "LIKE"
		if e.Similar {
			name = "SIMILAR TO"
		}
		if e.Not {
			name = "NOT " + name
		}
		args := []sql.Expr{e.Expr, e.Pattern}
		if e.Escape != nil {
			args = append(args, e.Escape)
		}
		return p.callExprs(e.Expr.Pos(), name, sc, args...)
	case *sql.CaseExpr:
		var args []sql.Expr
		for _, w := range e.Whens {
			cond := w.Cond
			if e.Operand != nil {
				cond = &sql.BinaryExpr{Op: "=", OpPos: w.Cond.Pos(), Left: e.Operand, Right: w.Cond}
			}
			args = append(args, cond, w.Result)
		}
		if e.Else != nil {
			args = append(args, e.Else)
		}
		return p.callExprs(e.Start, "CASE", sc, args...)
	case *sql.CastExpr:
		x, err := p.bindExpr(e.Expr, sc)
		if err != nil {
			return nil, err
		}
		t, err := TypeFromAST(e.Type)
		if err != nil {
			return nil, err
		}
		if x.Type().Kind != types.Null && !expr.CanCast(x.Type().Arrow(), t.Arrow()) {
			return nil, p.ErrAt(e.Start, "cannot cast %s to %s", x.Type(), t)
		}
		if !t.NotNull {
			t = t.Nullable()
		}
		return &CastRex{Arg: x, T: t, Try: e.Try}, nil
	case *sql.ExtractExpr:
		x, err := p.bindExpr(e.Expr, sc)
		if err != nil {
			return nil, err
		}
		return p.call(e.Start, "EXTRACT", stringLit(e.Unit), x)
	case *sql.PositionExpr:
		return p.callExprs(e.Start, "POSITION", sc, e.Sub, e.Str)
	case *sql.TrimExpr:
		x, err := p.bindExpr(e.Expr, sc)
		if err != nil {
			return nil, err
		}
		mode := e.Mode
		if mode == "" {
			mode = "BOTH"
		}
		var chars Rex = stringLit(" ")
		if e.Chars != nil {
			if chars, err = p.bindExpr(e.Chars, sc); err != nil {
				return nil, err
			}
		}
		return p.call(e.Start, "TRIM", stringLit(mode), chars, x)
	case *sql.SubstringExpr:
		args := []sql.Expr{e.Expr, e.From}
		if e.Length != nil {
			args = append(args, e.Length)
		}
		return p.callExprs(e.Start, "SUBSTRING", sc, args...)
	case *sql.FloorCeilExpr:
		x, err := p.bindExpr(e.Expr, sc)
		if err != nil {
			return nil, err
		}
		name := "FLOOR"
		if e.Ceil {
			name = "CEIL"
		}
		return p.call(e.Start, name, x, stringLit(e.Unit))
	case *sql.FuncCall:
		if e.Builtin != nil && p.Catalog.SystemFunction(e.Name.Unqualified()) == nil {
			return p.bindExpr(e.Builtin, sc)
		}
		return p.bindFuncCall(e, sc)
	case *sql.FieldAccess:
		x, err := p.bindExpr(e.Expr, sc)
		if err != nil {
			return nil, err
		}
		return p.call(e.Pos(), expr.FieldAccess, x, stringLit(e.Field.Name))
	case *sql.Index:
		return p.callExprs(e.Pos(), "ITEM", sc, e.Expr, e.Index)
	case *sql.RowExpr:
		return p.callExprs(e.Start, "ROW", sc, e.Items...)
	case *sql.ArrayExpr:
		return p.callExprs(e.Start, "ARRAY", sc, e.Items...)
	case *sql.MapExpr:
		return p.callExprs(e.Start, "MAP", sc, e.Items...)
	case *sql.OverlayExpr:
		args := []sql.Expr{e.Expr, e.Placing, e.From}
		if e.Length != nil {
			args = append(args, e.Length)
		}
		return p.callExprs(e.Start, "OVERLAY", sc, args...)
	case *sql.TimeUnitExpr:
		return stringLit(e.Unit), nil
	case *sql.AliasExpr:
		return nil, p.ErrAt(e.Pos(), "an alias is not allowed here")
	case *sql.SubqueryExpr:
		if i, ok := p.scalars[e]; ok && i < len(sc.cols) {
			return &InputRef{Index: i, T: sc.cols[i].typ, Name: sc.cols[i].name}, nil
		}
		return nil, p.ErrAt(e.Pos(), "scalar subqueries are supported in the select list and WHERE clause of a query with FROM, not here")
	case *sql.ExistsExpr:
		if i, ok := p.marks[e]; ok && i < len(sc.cols) {
			return &InputRef{Index: i, T: sc.cols[i].typ, Name: sc.cols[i].name}, nil
		}
		return nil, p.ErrAt(e.Pos(), "EXISTS is supported in the select list and WHERE clause of a query with FROM, not here")
	}
	return nil, p.ErrAt(e.Pos(), "%s expressions are not supported yet", sql.Kind(e))
}

func stringLit(s string) *Literal {
	return &Literal{Value: s, T: types.CHAR(len([]rune(s))).NotNullable(), Text: quote(s)}
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func (p *Planner) callExprs(pos sql.Pos, name string, sc *scope, es ...sql.Expr) (Rex, error) {
	args := make([]Rex, len(es))
	for i, e := range es {
		x, err := p.bindExpr(e, sc)
		if err != nil {
			return nil, err
		}
		args[i] = x
	}
	return p.call(pos, name, args...)
}

// call types a built-in call through the function registry: the same
// resolution the engine will run.
func (p *Planner) call(pos sql.Pos, name string, args ...Rex) (Rex, error) {
	ins := make([]vectorized.Expr, len(args))
	for i, a := range args {
		if lit, ok := a.(*Literal); ok {
			if x, err := expr.Literal(lit.Value, lit.T.Arrow()); err == nil {
				ins[i] = x
				continue
			}
		}
		ins[i] = vectorized.Col(i, a.Type().Arrow(), a.String())
	}
	x, err := expr.Call(name, ins...)
	if err != nil {
		var unknown *expr.UnknownFunctionError
		if errors.As(err, &unknown) {
			return nil, p.ErrAt(pos, "%s", p.unknownFunction(name))
		}
		return nil, p.ErrAt(pos, "%v", err)
	}
	t, err := types.FromArrow(x.DataType())
	if err != nil {
		return nil, p.ErrAt(pos, "%s: %v", name, err)
	}
	t = callTimePrecision(name, args, t)
	t = resultNullability(name, t, args)
	return &CallRex{Name: strings.ToUpper(name), Args: args, T: t}, nil
}

// resultNullability: NULL-propagating functions of NOT NULL arguments are
// NOT NULL (Flink's type inference); the rest stay nullable.
func resultNullability(name string, t types.DataType, args []Rex) types.DataType {
	switch strings.ToUpper(name) {
	case "IS NULL", "IS NOT NULL", "IS TRUE", "IS FALSE", "IS NOT TRUE", "IS NOT FALSE", "IS DISTINCT FROM", "IS NOT DISTINCT FROM":
		return t.NotNullable()
	case "+", "-", "*", "=", "<>", "<", "<=", ">", ">=", "AND", "OR", "NOT", "NEGATE", "CONCAT", "UPPER", "LOWER", "CHAR_LENGTH",
		"GREATEST", "LEAST", "BIN", "HEX":
		for _, a := range args {
			if !a.Type().NotNull {
				return t.Nullable()
			}
		}
		return t.NotNullable()
	}
	return t.Nullable()
}

func (p *Planner) unknownFunction(name string) string {
	cands := append(expr.Functions(), p.Catalog.FunctionNames()...)
	for k := range aggKinds {
		cands = append(cands, k)
	}
	msg := fmt.Sprintf("no function named %s", name)
	if s := catalog.Suggest(name, cands); s != "" {
		msg += fmt.Sprintf("; did you mean %s?", s)
	}
	return msg
}

// resolveFunction finds the user-defined function a call names, in Flink's
// order (FunctionCatalog.resolveAmbiguousFunctionReference): an inline
// function object of the Table API (its key is exact), a temporary system
// function, and — only when no built-in function has the name — a
// temporary catalog function, then a catalog function. A qualified name
// (db.f) reaches the catalog namespaces only. Nil means a built-in.
func (p *Planner) resolveFunction(f *sql.FuncCall) *catalog.Function {
	name := f.Name.Unqualified()
	if len(f.Name.Parts) > 1 {
		return p.Catalog.CatalogFunction(name)
	}
	if fn := p.Catalog.InlineFunction(name); fn != nil {
		return fn
	}
	if fn := p.Catalog.SystemFunction(name); fn != nil {
		return fn
	}
	if isBuiltinFunction(name) {
		return nil
	}
	return p.Catalog.CatalogFunction(name)
}

// builtinNames are the built-in function names, upper-cased: the
// expression registry's and the aggregates'.
var builtinNames = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, n := range expr.Functions() {
		m[n] = true
	}
	for n := range aggKinds {
		m[n] = true
	}
	return m
})

func isBuiltinFunction(name string) bool {
	return builtinNames()[strings.Join(strings.Fields(strings.ToUpper(name)), " ")]
}

func (p *Planner) bindFuncCall(f *sql.FuncCall, sc *scope) (Rex, error) {
	name := f.Name.Unqualified()
	if f.Over != nil || f.OverName != nil {
		if x, ok := sc.over[f]; ok {
			return x, nil
		}
		return nil, p.ErrAt(f.Pos(), "OVER windows are only allowed in a SELECT list")
	}
	fn := p.resolveFunction(f)
	if fn == nil {
		if x, ok, err := p.bindTimeFunction(f, sc); ok {
			return x, err
		}
	}
	if _, ok := aggKinds[strings.ToUpper(name)]; ok && fn == nil {
		return nil, p.ErrAt(f.Name.Pos(), "aggregate function %s is not allowed here", strings.ToUpper(name))
	}
	// A Flink built-in Sluice lacks: say so before its arguments are
	// bound (inside GROUP BY they would fail as ungrouped columns).
	if up := strings.ToUpper(name); fn == nil && expr.NotSupportedYet(up) {
		return nil, p.ErrAt(f.Name.Pos(), "%s is not supported yet", up)
	}
	args := make([]Rex, 0, len(f.Args))
	for _, a := range f.Args {
		if _, star := a.(*sql.Star); star {
			return nil, p.ErrAt(a.Pos(), "* is only allowed in COUNT(*)")
		}
		x, err := p.bindExpr(a, sc)
		if err != nil {
			return nil, err
		}
		args = append(args, x)
	}
	if fn != nil {
		if isTableFunction(fn) && f != p.lateral {
			// Calcite's message.
			return nil, p.ErrAt(f.Name.Pos(), "Cannot call table function here: '%s'", name)
		}
		if fn.Kind != catalog.ScalarKind || fn.Scalar == nil {
			return nil, p.ErrAt(f.Name.Pos(), "function %s is not a scalar function; only scalar user-defined functions are supported yet", name)
		}
		if userAggregate(fn) != nil {
			return nil, p.ErrAt(f.Name.Pos(), "aggregate function %s is not allowed here", name)
		}
		rt, err := p.typeUDFCall(f, fn, args)
		if err != nil {
			return nil, err
		}
		// The declared result type, NOT NULL included: Flink types the call
		// so, and the sink's not-null enforcer catches a None that breaks it.
		return &UDFRex{Fn: fn, Name: fn.Name, Args: args, T: rt}, nil
	}
	return p.call(f.Name.Pos(), name, args...)
}

// typeUDFCall casts the arguments of a call of user-defined function fn
// to its declared input types where Flink casts implicitly and returns the
// call's result type.
func (p *Planner) typeUDFCall(f *sql.FuncCall, fn *catalog.Function, args []Rex) (types.DataType, error) {
	if it, ok := fn.Scalar.(interface{ InputTypes() []types.DataType }); ok {
		// Declared input types (PyFlink's input_types) take their
		// arguments by Flink's implicit casts: an INT into BIGINT.
		if want := it.InputTypes(); len(want) == len(args) {
			for i, a := range args {
				at := a.Type()
				if at.Arrow().ID() != want[i].Arrow().ID() && implicitCast(at, want[i]) {
					t := want[i].Nullable()
					if at.NotNull {
						t = t.NotNullable()
					}
					args[i] = &CastRex{Arg: a, T: t}
				}
			}
		}
	}
	ats := make([]types.DataType, len(args))
	for i, a := range args {
		args[i] = constantUDFArg(a)
		ats[i] = args[i].Type()
	}
	rt, err := fn.Scalar.ResultType(ats)
	if err != nil {
		return types.DataType{}, p.ErrAt(f.Name.Pos(), "%s: %v", f.Name.Unqualified(), err)
	}
	return rt, nil
}

func (p *Planner) bindColumn(c *sql.ColumnRef, sc *scope) (Rex, error) {
	name := c.Parts[len(c.Parts)-1].Name
	qual := ""
	if len(c.Parts) > 1 {
		qual = c.Parts[len(c.Parts)-2].Name
	}
	found := -1
	for i, col := range sc.cols {
		if col.name == name && (qual == "" && !col.hidden || qual != "" && col.qual == qual) {
			if found >= 0 {
				return nil, p.ErrAt(c.Pos(), "column %s is ambiguous", c)
			}
			found = i
		}
	}
	if found < 0 && p.corr != nil {
		// A correlated subquery reads the enclosing query's column.
		for i, col := range p.corr.outer.cols {
			if col.name == name && (qual == "" && !col.hidden || qual != "" && col.qual == qual) {
				p.corr.used = true
				return &corrRef{Index: i, T: col.typ, Name: col.name}, nil
			}
		}
	}
	if found < 0 {
		msg := fmt.Sprintf("column %s not found", c)
		if s := catalog.Suggest(name, sc.names()); s != "" {
			msg += fmt.Sprintf("; did you mean %s?", s)
		} else if len(sc.cols) > 0 {
			msg += fmt.Sprintf("; columns are %s", strings.Join(sc.names(), ", "))
		}
		return nil, p.ErrAt(c.Pos(), "%s", msg)
	}
	col := sc.cols[found]
	return &InputRef{Index: found, T: col.typ, Name: col.name}, nil
}

func (p *Planner) bindNumber(n *sql.NumberLit) (Rex, error) {
	switch n.Kind {
	case sql.IntegerNumber:
		v, err := strconv.ParseInt(n.Value, 10, 64)
		if err == nil {
			if v >= math.MinInt32 && v <= math.MaxInt32 {
				return &Literal{Value: v, T: types.INT().NotNullable(), Text: n.Value}, nil
			}
			return &Literal{Value: v, T: types.BIGINT().NotNullable(), Text: n.Value}, nil
		}
		return p.decimalLit(n)
	case sql.DecimalNumber:
		return p.decimalLit(n)
	}
	v, err := strconv.ParseFloat(n.Value, 64)
	if err != nil {
		return nil, p.ErrAt(n.Start, "%s is not a valid DOUBLE", n.Value)
	}
	return &Literal{Value: v, T: types.DOUBLE().NotNullable(), Text: n.Value}, nil
}

// decimalLit types 12.50 as DECIMAL(4, 2), as Flink does.
func (p *Planner) decimalLit(n *sql.NumberLit) (Rex, error) {
	s := n.Value
	intPart, frac, _ := strings.Cut(s, ".")
	digits := strings.TrimLeft(intPart+frac, "0")
	prec := max(len(digits), len(frac), 1)
	if prec > 38 {
		return nil, p.ErrAt(n.Start, "numeric literal %s has more than 38 digits", s)
	}
	u, ok := new(big.Int).SetString(intPart+frac, 10)
	if !ok {
		return nil, p.ErrAt(n.Start, "%s is not a valid number", s)
	}
	return &Literal{Value: decimal128.FromBigInt(u), T: types.DECIMAL(prec, len(frac)).NotNullable(), Text: s}, nil
}

// checkTypedOperand rejects an untyped NULL literal as the operand of a
// logical or arithmetic operator, as Flink's validator does: NULL AND FALSE
// must be written CAST(NULL AS BOOLEAN) AND FALSE.
func (p *Planner) checkTypedOperand(x sql.Expr) error {
	if n, ok := x.(*sql.NullLit); ok {
		return p.ErrAt(n.Pos(), "Illegal use of 'NULL': give it a type, e.g. CAST(NULL AS BOOLEAN)")
	}
	return nil
}

// isZeroLiteral reports whether r is a numeric literal equal to zero.
func isZeroLiteral(r Rex) bool {
	l, ok := r.(*Literal)
	if !ok {
		return false
	}
	switch v := l.Value.(type) {
	case int64:
		return v == 0
	case float64:
		return v == 0
	case decimal128.Num:
		return v == (decimal128.Num{})
	}
	return false
}

func negateLiteral(l *Literal) (*Literal, bool) {
	switch v := l.Value.(type) {
	case int64:
		t := l.T
		// Flink's parser reads the sign into the literal: -2147483648 is an
		// INT (so -2147483648 - 1 wraps like any INT), not a BIGINT.
		if t.Kind == types.BigInt && v == -math.MinInt32 && l.Text == "2147483648" {
			t = types.INT().NotNullable()
		}
		return &Literal{Value: -v, T: t, Text: "-" + l.Text}, true
	case float64:
		return &Literal{Value: -v, T: l.T, Text: "-" + l.Text}, true
	case decimal128.Num:
		// likewise -9223372036854775808 is a BIGINT (its digits alone
		// are too large for one)
		if l.Text == "9223372036854775808" {
			return &Literal{Value: int64(math.MinInt64), T: types.BIGINT().NotNullable(), Text: "-" + l.Text}, true
		}
		return &Literal{Value: v.Negate(), T: l.T, Text: "-" + l.Text}, true
	}
	return nil, false
}

func (p *Planner) bindTypedLit(e *sql.TypedLit) (Rex, error) {
	var layouts []string
	var t types.DataType
	switch e.Type {
	case "DATE":
		layouts, t = []string{"2006-01-02"}, types.DATE()
	case "TIME":
		layouts, t = []string{"15:04:05.999999999", "15:04"}, types.TIME(0)
	default:
		layouts, t = []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04", "2006-01-02"}, types.TIMESTAMP(0)
	}
	var v time.Time
	var err error
	for _, l := range layouts {
		if v, err = time.Parse(l, e.Value); err == nil {
			break
		}
	}
	if err != nil {
		return nil, p.ErrAt(e.Start, "%q is not a valid %s literal", e.Value, e.Type)
	}
	if e.Type != "DATE" {
		// Precision follows the digits written, as in Flink.
		if _, frac, ok := strings.Cut(e.Value, "."); ok {
			t.Precision = min(len(frac), 9)
		}
	}
	if e.Type == "TIME" {
		d := time.Duration(v.Hour())*time.Hour + time.Duration(v.Minute())*time.Minute +
			time.Duration(v.Second())*time.Second + time.Duration(v.Nanosecond())
		return &Literal{Value: d, T: t.NotNullable(), Text: "TIME '" + e.Value + "'"}, nil
	}
	return &Literal{Value: v, T: t.NotNullable(), Text: e.Type + " '" + e.Value + "'"}, nil
}

func (p *Planner) bindInterval(e *sql.IntervalLit) (Rex, error) {
	q := e.Qualifier
	sign := int64(1)
	if e.Negative {
		sign = -1
	}
	val := strings.TrimSpace(e.Value)
	if strings.HasPrefix(val, "-") {
		sign, val = -sign, val[1:]
	}
	switch q.From {
	case "YEAR", "MONTH":
		var months int64
		if q.To == "MONTH" && q.From == "YEAR" {
			y, m, ok := strings.Cut(val, "-")
			yi, err1 := strconv.ParseInt(y, 10, 64)
			mi, err2 := strconv.ParseInt(m, 10, 64)
			if !ok || err1 != nil || err2 != nil {
				return nil, p.ErrAt(e.Start, "interval %q is not of the form 'years-months'", e.Value)
			}
			months = yi*12 + mi
		} else {
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil {
				return nil, p.ErrAt(e.Start, "interval %q is not a whole number of %ss", e.Value, strings.ToLower(q.From))
			}
			months = n
			if q.From == "YEAR" {
				months *= 12
			}
		}
		return &Literal{Value: months * sign, T: types.INTERVAL_YEAR_MONTH().NotNullable(), Text: e.String()}, nil
	}
	d, err := parseDayTime(val, q.From, q.To)
	if err != nil {
		return nil, p.ErrAt(e.Start, "interval %q: %v", e.Value, err)
	}
	return &Literal{Value: time.Duration(sign) * d, T: types.INTERVAL_DAY_TIME().NotNullable(), Text: e.String()}, nil
}

// parseDayTime reads 'd hh:mm:ss.fff' shapes by the qualifier's units.
func parseDayTime(val, from, to string) (time.Duration, error) {
	unit := map[string]time.Duration{"DAY": 24 * time.Hour, "HOUR": time.Hour, "MINUTE": time.Minute, "SECOND": time.Second}
	if to == "" {
		f, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return 0, fmt.Errorf("not a number of %ss", strings.ToLower(from))
		}
		return time.Duration(f * float64(unit[from])), nil
	}
	fields := strings.FieldsFunc(val, func(r rune) bool { return r == ' ' || r == ':' })
	order := []string{"DAY", "HOUR", "MINUTE", "SECOND"}
	start, end := -1, -1
	for i, u := range order {
		if u == from {
			start = i
		}
		if u == to {
			end = i
		}
	}
	if start < 0 || end < start || len(fields) != end-start+1 {
		return 0, fmt.Errorf("does not match %s TO %s", from, to)
	}
	var d time.Duration
	for i, f := range fields {
		x, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a number", f)
		}
		d += time.Duration(x * float64(unit[order[start+i]]))
	}
	return d, nil
}
