package planner

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// Subqueries in conditions become joins, as Calcite's SubQueryRemoveRule
// and decorrelation plan them for Flink:
//
//   - x IN (SELECT y ...) is a semi join on x = y; EXISTS (...) a semi
//     join on the subquery's correlated conditions (none: any row).
//   - NOT EXISTS is the anti join. x NOT IN (SELECT y ...) is the
//     null-aware anti join on `x = y OR (x = y) IS NULL`: one NULL y, or
//     a NULL x against a non-empty subquery, makes NOT IN unknown, which
//     drops the row. When neither side can be NULL it is the plain anti
//     join on x = y (Flink does the same).
//   - An uncorrelated scalar subquery that is a global aggregate (one row,
//     always) is a nested-loop join of its single row.
//
// Correlation: a subquery's WHERE may read the enclosing query's FROM
// columns; each conjunct doing so becomes part of the join condition.

// corrRef is a column of the enclosing query read by a subquery; it lives
// only while a subquery's WHERE is bound and split.
type corrRef struct {
	Index int
	T     types.DataType
	Name  string
}

func (r *corrRef) Type() types.DataType { return r.T }
func (r *corrRef) String() string       { return "$cor." + r.Name }

// corrScope is the enclosing scope a subquery's WHERE may read.
type corrScope struct {
	outer *scope
	used  bool
}

// subqueryConjunct reports whether e is a predicate the WHERE clause
// turns into a join.
func subqueryConjunct(e sql.Expr) bool {
	switch e := e.(type) {
	case *sql.ExistsExpr:
		return true
	case *sql.InExpr:
		return e.Query != nil
	case *sql.UnaryExpr:
		if e.Op == "NOT" {
			_, ok := e.Expr.(*sql.ExistsExpr)
			return ok
		}
	}
	return false
}

// astConjuncts splits e at its top-level ANDs.
func astConjuncts(e sql.Expr) []sql.Expr {
	if b, ok := e.(*sql.BinaryExpr); ok && b.Op == "AND" {
		return append(astConjuncts(b.Left), astConjuncts(b.Right)...)
	}
	return []sql.Expr{e}
}

// bindWhereSubqueries applies the subquery conjuncts of where to n (whose
// scope is sc) as semi and anti joins and returns the rest of the
// condition (nil when none).
func (p *Planner) bindWhereSubqueries(where sql.Expr, n Node, sc *scope) (Node, sql.Expr, error) {
	var rest sql.Expr
	for _, c := range astConjuncts(where) {
		if !subqueryConjunct(c) {
			if rest == nil {
				rest = c
			} else {
				rest = &sql.BinaryExpr{Op: "AND", OpPos: c.Pos(), Left: rest, Right: c}
			}
			continue
		}
		var err error
		if n, err = p.bindSubqueryPredicate(c, n, sc); err != nil {
			return nil, nil, err
		}
	}
	return n, rest, nil
}

func (p *Planner) bindSubqueryPredicate(e sql.Expr, n Node, sc *scope) (Node, error) {
	switch e := e.(type) {
	case *sql.ExistsExpr:
		return p.existsJoin(e.Query, n, sc, engine.LeftSemiJoin)
	case *sql.UnaryExpr:
		return p.existsJoin(e.Expr.(*sql.ExistsExpr).Query, n, sc, engine.LeftAntiJoin)
	case *sql.InExpr:
		return p.inJoin(e, n, sc)
	}
	return nil, p.ErrAt(e.Pos(), "unexpected subquery predicate")
}

// boundSubquery is a subquery's rows and the conditions over the
// enclosing row (its columns first) that correlate them.
type boundSubquery struct {
	node  Node
	scope *scope
	// corr are correlated conjuncts over enclosing ++ subquery columns.
	corr []Rex
}

// bindCorrelated binds the FROM and WHERE of a simple subquery (no
// grouping, DISTINCT, ORDER BY or set operation) letting WHERE read the
// enclosing scope; other subqueries must be uncorrelated and bind whole.
func (p *Planner) bindCorrelated(q sql.Query, outer *scope) (*boundSubquery, *sql.Select, error) {
	sel, ok := q.(*sql.Select)
	if !ok || sel.From == nil || len(sel.GroupBy) > 0 || sel.Having != nil || sel.Distinct || len(sel.Windows) > 0 || p.selectHasAggregates(sel) {
		n, err := p.BindQuery(q)
		if err != nil {
			return nil, nil, err
		}
		return &boundSubquery{node: n, scope: scopeOf(n, "")}, nil, nil
	}
	n, rsc, err := p.bindFrom(sel.From)
	if err != nil {
		return nil, nil, err
	}
	out := &boundSubquery{node: n, scope: rsc}
	if sel.Where == nil {
		return out, sel, nil
	}
	// A subquery in the subquery's own WHERE nests as joins of its rows.
	where := sel.Where
	if n, where, err = p.bindWhereSubqueries(where, n, rsc); err != nil {
		return nil, nil, err
	}
	out.node = n
	if where == nil {
		return out, sel, nil
	}
	saved := p.corr
	p.corr = &corrScope{outer: outer}
	cond, err := p.bindCondition(where, rsc, "WHERE")
	p.corr = saved
	if err != nil {
		return nil, nil, err
	}
	nOuter := len(outer.cols)
	var local []Rex
	for _, c := range conjuncts(cond) {
		correlated := false
		walkRex(c, func(x Rex) {
			if _, ok := x.(*corrRef); ok {
				correlated = true
			}
		})
		if !correlated {
			local = append(local, c)
			continue
		}
		// Over the join row: enclosing columns first, then the subquery's.
		out.corr = append(out.corr, rewriteRex(c, func(x Rex) Rex {
			switch r := x.(type) {
			case *corrRef:
				return &InputRef{Index: r.Index, T: r.T, Name: r.Name}
			case *InputRef:
				c := *r
				c.Index += nOuter
				return &c
			}
			return x
		}))
	}
	if len(local) > 0 {
		out.node = &Filter{Input: out.node, Cond: conjoin(local)}
	}
	return out, sel, nil
}

// selectHasAggregates reports whether q's select list calls an aggregate.
func (p *Planner) selectHasAggregates(q *sql.Select) bool {
	for _, it := range q.Items {
		if p.containsAgg(it) {
			return true
		}
	}
	return false
}

// containsAgg reports whether e calls an aggregate outside its subqueries
// (whose aggregates are their own).
func (p *Planner) containsAgg(e sql.Expr) bool {
	found := false
	sql.Inspect(e, func(x sql.Node) bool {
		switch x := x.(type) {
		case *sql.SubqueryExpr, *sql.ExistsExpr:
			return false
		case *sql.InExpr:
			if x.Query != nil {
				found = found || p.containsAgg(x.Expr)
				return false
			}
		}
		if e, ok := x.(sql.Expr); ok {
			if _, ok := p.isAggCall(e); ok {
				found = true
			}
		}
		return !found
	})
	return found
}

// existsJoin is [NOT] EXISTS (q): a semi (anti) join on q's correlated
// conditions.
func (p *Planner) existsJoin(q sql.Query, n Node, sc *scope, typ engine.JoinType) (Node, error) {
	sub, _, err := p.bindCorrelated(q, sc)
	if err != nil {
		return nil, err
	}
	var cond Rex
	if len(sub.corr) > 0 {
		cond = conjoin(sub.corr)
	}
	return p.subqueryJoin(n, sub.node, typ, cond, q.Pos())
}

// inJoin is x [NOT] IN (q).
func (p *Planner) inJoin(e *sql.InExpr, n Node, sc *scope) (Node, error) {
	sub, sel, err := p.bindCorrelated(e.Query, sc)
	if err != nil {
		return nil, err
	}
	// The compared values: the subquery's select list, appended to its
	// rows (a whole uncorrelated query's columns are the values).
	right := sub.node
	var vals []Rex
	if sel != nil {
		base := len(right.Schema())
		exprs := make([]Rex, 0, base+len(sel.Items))
		names := make([]string, 0, base+len(sel.Items))
		for i, f := range right.Schema() {
			exprs = append(exprs, &InputRef{Index: i, T: f.Type, Name: f.Name})
			names = append(names, f.Name)
		}
		var items []Rex
		for _, it := range sel.Items {
			if a, ok := it.(*sql.AliasExpr); ok {
				it = a.Expr
			}
			if st, ok := it.(*sql.Star); ok {
				for ci, c := range sub.scope.cols {
					if len(st.Qualifier) > 0 && c.qual != st.Qualifier[len(st.Qualifier)-1].Name || len(st.Qualifier) == 0 && c.hidden {
						continue
					}
					items = append(items, &InputRef{Index: ci, T: c.typ, Name: c.name})
				}
				continue
			}
			x, err := p.bindExpr(it, sub.scope)
			if err != nil {
				return nil, err
			}
			items = append(items, x)
		}
		// A compared column is read where it is; an expression becomes
		// an appended column.
		for _, x := range items {
			if ref, ok := x.(*InputRef); ok {
				vals = append(vals, &InputRef{Index: len(sc.cols) + ref.Index, T: ref.T, Name: ref.Name})
				continue
			}
			vals = append(vals, &InputRef{Index: len(sc.cols) + len(exprs), T: x.Type()})
			names = append(names, "$f"+strconv.Itoa(len(exprs)))
			exprs = append(exprs, x)
		}
		if len(exprs) > base {
			right = &Project{Input: right, Exprs: exprs, Names: uniqueNames(names)}
		}
	} else {
		for i, f := range right.Schema() {
			vals = append(vals, &InputRef{Index: len(sc.cols) + i, T: f.Type, Name: f.Name})
		}
	}
	var lhs []sql.Expr
	if row, ok := e.Expr.(*sql.RowExpr); ok {
		lhs = row.Items
	} else {
		lhs = []sql.Expr{e.Expr}
	}
	if len(lhs) != len(vals) {
		return nil, p.ErrAt(e.Query.Pos(), "Values passed to IN operator must have compatible types: the left side has %d values, the subquery %d columns", len(lhs), len(vals))
	}
	var eqs []Rex
	nullable := false
	for i, l := range lhs {
		x, err := p.bindExpr(l, sc)
		if err != nil {
			return nil, err
		}
		if _, err := commonType(x.Type(), vals[i].Type()); err != nil {
			return nil, p.ErrAt(l.Pos(), "Values passed to IN operator must have compatible types: %v", err)
		}
		eq, err := p.call(l.Pos(), "=", x, vals[i])
		if err != nil {
			return nil, err
		}
		eqs = append(eqs, eq)
		nullable = nullable || !x.Type().NotNull || !vals[i].Type().NotNull
	}
	match := conjoin(eqs)
	typ := engine.LeftSemiJoin
	if e.Not {
		typ = engine.LeftAntiJoin
		if nullable {
			// NOT IN is unknown, so false, where any comparison is unknown.
			isNull, err := p.call(e.Expr.Pos(), "IS NULL", match)
			if err != nil {
				return nil, err
			}
			if match, err = p.call(e.Expr.Pos(), "OR", match, isNull); err != nil {
				return nil, err
			}
		}
	}
	cond := slices.Concat([]Rex{match}, sub.corr)
	return p.subqueryJoin(n, right, typ, conjoin(cond), e.Query.Pos())
}

// subqueryJoin is the semi or anti join of a subquery: a window join when
// both sides are windowed alike and the condition equates their windows
// (Flink plans IN / EXISTS over window TVFs so), a regular join otherwise.
func (p *Planner) subqueryJoin(l, r Node, typ engine.JoinType, cond Rex, pos sql.Pos) (Node, error) {
	if w, ok, err := p.windowJoin(l, r, typ, cond, pos); ok || err != nil {
		return w, err
	}
	return p.newJoin(l, r, typ, cond)
}

// scalarSubqueries joins the uncorrelated scalar subqueries of q's select
// list and WHERE rest to n (scope sc, which gains one hidden column per
// subquery): a LEFT join of the subquery's single row, so that an empty
// subquery reads as NULL. Only a global aggregate (exactly one row) is
// accepted: Flink checks other subqueries for a second row at run time,
// which Sluice does not do yet.
func (p *Planner) scalarSubqueries(q *sql.Select, where sql.Expr, n Node, sc *scope) (Node, error) {
	var subs []*sql.SubqueryExpr
	var marks []sql.Expr // IN and EXISTS outside WHERE's conjuncts
	visit := func(e sql.Expr) {
		sql.Inspect(e, func(x sql.Node) bool {
			if s, ok := x.(*sql.SubqueryExpr); ok {
				subs = append(subs, s)
				return false
			}
			if ex, ok := x.(*sql.ExistsExpr); ok {
				marks = append(marks, ex)
				return false
			}
			if in, ok := x.(*sql.InExpr); ok && in.Query != nil {
				marks = append(marks, in)
				return false
			}
			return true
		})
	}
	for _, it := range q.Items {
		visit(it)
	}
	if where != nil {
		visit(where)
	}
	for _, s := range subs {
		if len(q.GroupBy) > 0 || q.Having != nil || p.selectHasAggregates(q) {
			return nil, p.ErrAt(s.Pos(), "scalar subqueries in a grouped query are not supported yet")
		}
		if sel, ok := s.Query.(*sql.Select); ok {
			var done bool
			var err error
			if n, done, err = p.correlatedScalar(s, sel, n, sc); err != nil {
				return nil, err
			} else if done {
				continue
			}
		}
		r, err := p.BindQuery(s.Query)
		if err != nil {
			return nil, err
		}
		rs := r.Schema()
		if len(rs) != 1 {
			return nil, p.ErrAt(s.Pos(), "a scalar subquery must return one column, this one returns %d", len(rs))
		}
		if !singleRow(r) {
			// Flink's SINGLE_VALUE: the subquery's row, NULL without one,
			// an error with two.
			if rs[0].Type.Kind >= types.Array {
				return nil, p.ErrAt(s.Pos(), "a scalar subquery of type %s that is not a global aggregate is not supported yet", rs[0].Type)
			}
			vt := rs[0].Type.Nullable().Materialized()
			agg := &Aggregate{Input: r, Aggs: []AggCall{
				{Kind: engine.CountStar, Arg: -1, Type: types.BIGINT().NotNullable(), Name: "c"},
				{Kind: engine.Max, Arg: 0, Type: vt, Name: "v"},
			}, Names: []string{"c", "v"}}
			r = &Project{Input: agg, Exprs: []Rex{&CallRex{Name: singleValueName, Args: []Rex{
				&InputRef{Index: 0, T: types.BIGINT().NotNullable(), Name: "c"}, &InputRef{Index: 1, T: vt, Name: "v"}}, T: vt}},
				Names: []string{rs[0].Name}}
			rs = r.Schema()
		}
		if n, err = p.newJoin(n, r, engine.LeftOuterJoin, nil); err != nil {
			return nil, err
		}
		if p.scalars == nil {
			p.scalars = map[*sql.SubqueryExpr]int{}
		}
		p.scalars[s] = len(sc.cols)
		sc.cols = append(sc.cols, scopeCol{name: "$scalar" + strconv.Itoa(len(sc.cols)), typ: rs[0].Type.Nullable(), hidden: true})
	}
	for _, m := range marks {
		if len(q.GroupBy) > 0 || q.Having != nil || p.selectHasAggregates(q) {
			return nil, p.ErrAt(m.Pos(), "IN and EXISTS subqueries in a grouped query's select list are not supported yet")
		}
		var err error
		if n, err = p.markJoin(m, n, sc); err != nil {
			return nil, err
		}
	}
	// Columns read above the join have its output's types.
	for i, f := range n.Schema() {
		sc.cols[i].typ = f.Type
	}
	return n, nil
}

// markJoin plans an uncorrelated `x IN (q)` or `EXISTS (q)` that is not a
// conjunct of WHERE (inside OR, in the select list) as Calcite does for
// Flink: q's row count (and count of non-NULL values) joined as one row,
// q's distinct values LEFT joined on x = v, and the three-valued answer
// computed from them —
//
//	CASE WHEN c = 0 THEN FALSE WHEN v found THEN TRUE WHEN x IS NULL THEN
//	NULL WHEN ck < c THEN NULL ELSE FALSE END
//
// (EXISTS is c > 0). The answer is a hidden scope column the expression
// reads (p.marks).
func (p *Planner) markJoin(m sql.Expr, n Node, sc *scope) (Node, error) {
	var q sql.Query
	var lhs sql.Expr
	switch m := m.(type) {
	case *sql.ExistsExpr:
		q = m.Query
	case *sql.InExpr:
		q, lhs = m.Query, m.Expr
		if _, ok := lhs.(*sql.RowExpr); ok {
			return nil, p.ErrAt(m.Pos(), "a multi-column IN outside a WHERE conjunct is not supported yet")
		}
	}
	sub, err := p.BindQuery(q)
	if err != nil {
		return nil, p.ErrAt(m.Pos(), "%v (IN and EXISTS outside a WHERE conjunct must be uncorrelated)", err)
	}
	ss := sub.Schema()
	if lhs != nil && len(ss) != 1 {
		return nil, p.ErrAt(m.Pos(), "the IN subquery returns %d columns; it must return one", len(ss))
	}
	// One row: c = COUNT(*), ck = COUNT(v).
	aggs := []AggCall{{Kind: engine.CountStar, Arg: -1, Type: types.BIGINT().NotNullable(), Name: "c"}}
	if lhs != nil {
		aggs = append(aggs, AggCall{Kind: engine.Count, Arg: 0, Type: types.BIGINT().NotNullable(), Name: "ck"})
	}
	ct := &Aggregate{Input: sub, Aggs: aggs, Names: []string{"c", "ck"}[:len(aggs)]}
	base := len(sc.cols)
	j, err := p.newJoin(n, ct, engine.LeftOuterJoin, nil)
	if err != nil {
		return nil, err
	}
	cRef := &InputRef{Index: base, T: types.BIGINT().Nullable(), Name: "c"}
	zero := &Literal{Value: int64(0), T: types.BIGINT().NotNullable(), Text: "0"}
	var mark Rex
	if lhs == nil {
		if mark, err = p.call(m.Pos(), ">", cRef, zero); err != nil {
			return nil, err
		}
		return p.appendMark(m, j, sc, mark)
	}
	// The distinct values, each with a TRUE marker.
	vals := &Aggregate{Input: sub, Keys: []int{0}, Names: []string{"v"}}
	x, err := p.bindExpr(lhs, sc)
	if err != nil {
		return nil, err
	}
	vt := ss[0].Type
	if _, err := commonType(x.Type(), vt); err != nil {
		return nil, p.ErrAt(lhs.Pos(), "Values passed to IN operator must have compatible types: %v", err)
	}
	withTrue := &Project{Input: vals, Exprs: []Rex{&InputRef{Index: 0, T: vt, Name: "v"},
		&Literal{Value: true, T: types.BOOLEAN().NotNullable(), Text: "true"}}, Names: []string{"v", "i"}}
	eq, err := p.call(lhs.Pos(), "=", x, &InputRef{Index: base + 2, T: vt, Name: "v"})
	if err != nil {
		return nil, err
	}
	j2, err := p.newJoin(j, withTrue, engine.LeftOuterJoin, eq)
	if err != nil {
		return nil, err
	}
	ckRef := &InputRef{Index: base + 1, T: types.BIGINT().Nullable(), Name: "ck"}
	iRef := &InputRef{Index: base + 3, T: types.BOOLEAN().Nullable(), Name: "i"}
	null := &Literal{Value: nil, T: types.BOOLEAN().Nullable(), Text: "null"}
	f := &Literal{Value: false, T: types.BOOLEAN().NotNullable(), Text: "false"}
	t := &Literal{Value: true, T: types.BOOLEAN().NotNullable(), Text: "true"}
	cZero, err := p.call(m.Pos(), "=", cRef, zero)
	if err != nil {
		return nil, err
	}
	found, err := p.call(m.Pos(), "IS NOT NULL", iRef)
	if err != nil {
		return nil, err
	}
	xNull, err := p.call(m.Pos(), "IS NULL", x)
	if err != nil {
		return nil, err
	}
	someNull, err := p.call(m.Pos(), "<", ckRef, cRef)
	if err != nil {
		return nil, err
	}
	if mark, err = p.call(m.Pos(), "CASE", cZero, f, found, t, xNull, null, someNull, null, f); err != nil {
		return nil, err
	}
	if m.(*sql.InExpr).Not {
		if mark, err = p.call(m.Pos(), "NOT", mark); err != nil {
			return nil, err
		}
	}
	return p.appendMark(m, j2, sc, mark)
}

// appendMark projects the join's columns and the mark, hiding all but the
// enclosing query's columns from names and *.
func (p *Planner) appendMark(m sql.Expr, j Node, sc *scope, mark Rex) (Node, error) {
	js := j.Schema()
	exprs := make([]Rex, 0, len(js)+1)
	names := make([]string, 0, len(js)+1)
	for i, f := range js {
		exprs = append(exprs, &InputRef{Index: i, T: f.Type, Name: f.Name})
		names = append(names, f.Name)
	}
	exprs = append(exprs, mark)
	names = append(names, "$mark")
	for i := len(sc.cols); i < len(js); i++ {
		sc.cols = append(sc.cols, scopeCol{name: "$m" + strconv.Itoa(i), typ: js[i].Type, hidden: true})
	}
	if p.marks == nil {
		p.marks = map[sql.Expr]int{}
	}
	p.marks[m] = len(sc.cols)
	sc.cols = append(sc.cols, scopeCol{name: "$mark" + strconv.Itoa(len(sc.cols)), typ: mark.Type(), hidden: true})
	return &Project{Input: j, Exprs: exprs, Names: uniqueNames(names)}, nil
}

// singleRow reports whether n always produces exactly one row: a global
// aggregate, under projections.
func singleRow(n Node) bool {
	switch n := n.(type) {
	case *Aggregate:
		return len(n.Keys) == 0
	case *Project:
		return singleRow(n.Input)
	case *Calc:
		return n.Cond == nil && singleRow(n.Input)
	}
	return false
}

// correlatedScalar plans a scalar subquery whose WHERE equates columns of
// its own FROM with expressions of the enclosing query, computing one
// aggregate: `(SELECT AVG(x) FROM t2 WHERE t2.k = t.k)`. As Calcite
// decorrelates it for Flink, the subquery becomes an aggregate grouped by
// its correlated columns, LEFT joined on them; a group that does not exist
// reads as NULL, except COUNT, whose empty count is 0. done is false when
// s is not correlated (the caller plans it whole).
func (p *Planner) correlatedScalar(s *sql.SubqueryExpr, sel *sql.Select, n Node, sc *scope) (Node, bool, error) {
	if sel.From == nil || sel.Where == nil || len(sel.GroupBy) > 0 || sel.Having != nil || sel.Distinct || len(sel.Items) != 1 || !p.selectHasAggregates(sel) {
		return n, false, nil
	}
	in, rsc, err := p.bindFrom(sel.From)
	if err != nil {
		return nil, false, err
	}
	saved := p.corr
	p.corr = &corrScope{outer: sc}
	cond, err := p.bindCondition(sel.Where, rsc, "WHERE")
	used := p.corr.used
	p.corr = saved
	if err != nil {
		return nil, false, err
	}
	if !used {
		return n, false, nil
	}
	var local []Rex
	var keys []*InputRef // the subquery's correlated columns
	var outer []Rex      // what each equals, over the enclosing row
	for _, c := range conjuncts(cond) {
		hasCorr := false
		walkRex(c, func(x Rex) {
			if _, ok := x.(*corrRef); ok {
				hasCorr = true
			}
		})
		if !hasCorr {
			local = append(local, c)
			continue
		}
		call, ok := c.(*CallRex)
		if ok && call.Name == "=" && len(call.Args) == 2 {
			a, b := call.Args[0], call.Args[1]
			if _, isRef := b.(*InputRef); isRef {
				a, b = b, a
			}
			if ref, isRef := a.(*InputRef); isRef && onlyCorr(b) {
				keys = append(keys, ref)
				outer = append(outer, rewriteRex(b, func(x Rex) Rex {
					if r, ok := x.(*corrRef); ok {
						return &InputRef{Index: r.Index, T: r.T, Name: r.Name}
					}
					return x
				}))
				continue
			}
		}
		return nil, false, p.ErrAt(s.Pos(), "a correlated scalar subquery is supported when its WHERE equates its columns with the enclosing query's (col = outer expression); this condition is not supported yet: %s", c)
	}
	if len(local) > 0 {
		in = &Filter{Input: in, Cond: conjoin(local)}
	}
	// The aggregate grouped by the correlated columns: keys, then the item.
	q := &sql.Select{Items: sel.Items}
	for _, k := range keys {
		col := rsc.cols[k.Index]
		parts := []*sql.Ident{{Name: col.name}}
		if col.qual != "" {
			parts = []*sql.Ident{{Name: col.qual}, {Name: col.name}}
		}
		q.GroupBy = append(q.GroupBy, &sql.ColumnRef{Parts: parts})
	}
	agg, asc, err := p.bindAggregate(q, in, rsc)
	if err != nil {
		return nil, false, err
	}
	item := sel.Items[0]
	if a, ok := item.(*sql.AliasExpr); ok {
		item = a.Expr
	}
	val, err := p.bindExpr(item, asc)
	if err != nil {
		return nil, false, err
	}
	exprs := make([]Rex, 0, len(keys)+1)
	names := make([]string, 0, len(keys)+1)
	for i := range keys {
		kr, err := p.bindExpr(q.GroupBy[i], asc)
		if err != nil {
			return nil, false, err
		}
		exprs = append(exprs, kr)
		names = append(names, "$k"+strconv.Itoa(i))
	}
	exprs = append(exprs, val)
	names = append(names, "$v")
	right := &Project{Input: agg, Exprs: exprs, Names: names}
	nOuter := len(sc.cols)
	var eqs []Rex
	for i, o := range outer {
		eq, err := p.call(s.Pos(), "=", o, &InputRef{Index: nOuter + i, T: exprs[i].Type()})
		if err != nil {
			return nil, false, err
		}
		eqs = append(eqs, eq)
	}
	j, err := p.newJoin(n, right, engine.LeftOuterJoin, conjoin(eqs))
	if err != nil {
		return nil, false, err
	}
	js := j.Schema()
	vi := nOuter + len(keys)
	var v Rex = &InputRef{Index: vi, T: js[vi].Type, Name: "$v"}
	if f, ok := item.(*sql.FuncCall); ok && strings.EqualFold(f.Name.Unqualified(), "COUNT") {
		// An absent group counted nothing.
		zero := &Literal{Value: int64(0), T: types.BIGINT().NotNullable(), Text: "0"}
		if v, err = p.call(s.Pos(), "COALESCE", v, castTo(zero, v.Type().Nullable())); err != nil {
			return nil, false, err
		}
	}
	outExprs := make([]Rex, 0, len(js)+1)
	outNames := make([]string, 0, len(js)+1)
	for i, f := range js {
		outExprs = append(outExprs, &InputRef{Index: i, T: f.Type, Name: f.Name})
		outNames = append(outNames, f.Name)
	}
	outExprs = append(outExprs, v)
	outNames = append(outNames, "$scalar")
	n = &Project{Input: j, Exprs: outExprs, Names: uniqueNames(outNames)}
	for i := nOuter; i < len(js); i++ {
		sc.cols = append(sc.cols, scopeCol{name: "$corr" + strconv.Itoa(i), typ: js[i].Type, hidden: true})
	}
	if p.scalars == nil {
		p.scalars = map[*sql.SubqueryExpr]int{}
	}
	p.scalars[s] = len(sc.cols)
	sc.cols = append(sc.cols, scopeCol{name: "$scalar" + strconv.Itoa(len(sc.cols)), typ: v.Type(), hidden: true})
	return n, true, nil
}

// onlyCorr reports whether r reads only the enclosing query's columns.
func onlyCorr(r Rex) bool {
	ok := true
	walkRex(r, func(x Rex) {
		if _, isRef := x.(*InputRef); isRef {
			ok = false
		}
	})
	return ok
}

// singleValueName is the call the planner puts over a scalar subquery's
// row count and value (Flink's SINGLE_VALUE aggregate): Compile makes it a
// singleValueExpr. The $ keeps it out of SQL's reach.
const singleValueName = "$SINGLE_VALUE"

// singleValueExpr returns its value argument, failing where the count
// says the subquery returned more than one row.
type singleValueExpr struct{ count, value vectorized.Expr }

func (e *singleValueExpr) DataType() arrow.DataType { return e.value.DataType() }
func (e *singleValueExpr) String() string {
	return "SINGLE_VALUE(" + e.count.String() + ", " + e.value.String() + ")"
}

func (e *singleValueExpr) Eval(ec *vectorized.EvalContext, rec arrow.RecordBatch) (arrow.Array, error) {
	c, err := e.count.Eval(ec, rec)
	if err != nil {
		return nil, err
	}
	defer c.Release()
	if counts, ok := c.(*array.Int64); ok {
		for i := 0; i < counts.Len(); i++ {
			if counts.IsValid(i) && counts.Value(i) > 1 {
				return nil, fmt.Errorf("a scalar subquery returned more than one row (%d)", counts.Value(i))
			}
		}
	}
	return e.value.Eval(ec, rec)
}
