package planner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
)

// Join is a regular join of Left and Right. Cond is over Left's columns
// then Right's (nil is TRUE). The output is Left's columns then Right's
// (only Left's for semi and anti joins) under unique names (Calcite's join
// row type: a second "id" is "id0"), time attributes materialized (a
// regular join's output is in no time order), nullable on a padded side.
type Join struct {
	Left, Right Node
	Type        engine.JoinType
	Cond        Rex
}

func (n *Join) Schema() Schema {
	var out Schema
	padL := n.Type == engine.RightOuterJoin || n.Type == engine.FullOuterJoin
	padR := n.Type == engine.LeftOuterJoin || n.Type == engine.FullOuterJoin
	for _, f := range n.Left.Schema() {
		t := f.Type.Materialized()
		if padL {
			t = t.Nullable()
		}
		out = append(out, Field{Name: f.Name, Type: t})
	}
	if n.Type.Projects() {
		return out
	}
	for _, f := range n.Right.Schema() {
		t := f.Type.Materialized()
		if padR {
			t = t.Nullable()
		}
		out = append(out, Field{Name: f.Name, Type: t})
	}
	names := uniqueNames(out.Names())
	for i := range out {
		out[i].Name = names[i]
	}
	return out
}

func (n *Join) Inputs() []Node { return []Node{n.Left, n.Right} }

func (n *Join) WithInputs(in ...Node) Node {
	c := *n
	c.Left, c.Right = in[0], in[1]
	return &c
}

// joinRowNames are the names conditions print with: both inputs' columns,
// made unique as the output's.
func (n *Join) joinRowNames() []string {
	return uniqueNames(append(n.Left.Schema().Names(), n.Right.Schema().Names()...))
}

// describe is Calcite's LogicalJoin line (condition over $-indexes).
func (n *Join) describe() string {
	cond := "true"
	if n.Cond != nil {
		cond = rexAST(n.Cond)
	}
	return "LogicalJoin(condition=[" + cond + "], joinType=[" + logicalJoinTypes[n.Type] + "])"
}

var logicalJoinTypes = map[engine.JoinType]string{engine.InnerJoin: "inner", engine.LeftOuterJoin: "left",
	engine.RightOuterJoin: "right", engine.FullOuterJoin: "full", engine.LeftSemiJoin: "semi", engine.LeftAntiJoin: "anti"}

// renameRefs names r's column references after names (for plans).
func renameRefs(r Rex, names []string) Rex {
	return rewriteRex(r, func(x Rex) Rex {
		if ref, ok := x.(*InputRef); ok && ref.Index < len(names) {
			c := *ref
			c.Name = names[ref.Index]
			return &c
		}
		return x
	})
}

// changelogMode is Flink's for a regular join: an inner join of two
// insert-only inputs inserts only, and so does a semi join whose right
// side never retracts; everything else may retract what it emitted (an
// outer join retracts its NULL-padded rows when a match arrives, an anti
// join its rows when they gain a match).
func (n *Join) changelogMode() connector.ChangelogMode {
	l, r := ModeOf(n.Left, true), ModeOf(n.Right, true)
	switch {
	case n.Type == engine.InnerJoin && l.IsInsertOnly() && r.IsInsertOnly():
		return connector.InsertOnly
	case n.Type == engine.LeftSemiJoin && l.IsInsertOnly() && r.IsInsertOnly():
		return connector.InsertOnly
	case l.IsInsertOnly() && r.IsInsertOnly():
		return connector.KindInsert | connector.KindDelete
	}
	return connector.All
}

// keys splits the condition into the engine's equi-keys and remainder.
func (n *Join) keys() (lk, rk []int, filterNulls []bool, rest Rex) {
	return splitJoinCond(n.Cond, len(n.Left.Schema()))
}

func (n *Join) explain(e *explainer) *xnode {
	l, r := e.node(n.Left), e.node(n.Right)
	lk, rk, _, _ := n.keys()
	ls, rs := n.Left.Schema(), n.Right.Schema()
	ldist, rdist, par := "single", "single", 1
	if len(lk) > 0 {
		ln, rn := make([]string, len(lk)), make([]string, len(rk))
		for i := range lk {
			ln[i], rn[i] = ls[lk[i]].Name, rs[rk[i]].Name
		}
		ldist, rdist, par = "hash["+strings.Join(ln, ", ")+"]", "hash["+strings.Join(rn, ", ")+"]", e.p.parallelism()
	}
	text := n.physicalText(e.p.Streaming, len(lk) > 0)
	return &xnode{text: text, mode: e.mode(n), par: par, ins: []*xnode{
		e.exchange(l, ldist, e.mode(n.Left)), e.exchange(r, rdist, e.mode(n.Right))}}
}

// physicalText is the join's line in a physical plan, as Flink prints its
// StreamPhysicalJoin, BatchPhysicalHashJoin or BatchPhysicalNestedLoopJoin.
func (n *Join) physicalText(streaming, keyed bool) string {
	cond := "true"
	if n.Cond != nil {
		cond = rexPrefix(renameRefs(n.Cond, n.joinRowNames()), true)
	}
	sel := strings.Join(n.joinRowNames(), ", ")
	if n.Type.Projects() {
		sel = strings.Join(n.Left.Schema().Names(), ", ")
	}
	if streaming {
		return fmt.Sprintf("Join(joinType=[%s], where=[%s], select=[%s], leftInputSpec=[NoUniqueKey], rightInputSpec=[NoUniqueKey])", n.Type, cond, sel)
	}
	op := "HashJoin"
	if !keyed {
		op = "NestedLoopJoin"
	}
	return fmt.Sprintf("%s(joinType=[%s], where=[%s], select=[%s], build=[right])", op, n.Type, cond, sel)
}

func (n *Join) translate(t *translator) (*engine.Vertex, error) {
	lv, err := t.node(n.Left)
	if err != nil {
		return nil, err
	}
	rv, err := t.node(n.Right)
	if err != nil {
		return nil, err
	}
	lk, rk, fn, rest := n.keys()
	spec := engine.JoinSpec{Type: n.Type, LeftKeys: lk, RightKeys: rk, FilterNulls: fn,
		Left: arrowSchema(n.Left.Schema()), Right: arrowSchema(n.Right.Schema()), Mode: engine.Batch}
	if t.p.Streaming {
		spec.Mode = engine.Streaming
		spec.LeftInsertOnly = ModeOf(n.Left, true).IsInsertOnly()
		spec.RightInsertOnly = ModeOf(n.Right, true).IsInsertOnly()
	}
	if rest != nil {
		if hasUDF(rest) {
			return nil, fmt.Errorf("planner: a user-defined function in the condition of a %s is not supported yet", n.Type)
		}
		if spec.Cond, err = Compile(rest); err != nil {
			return nil, err
		}
	}
	if _, err := engine.NewJoin(spec); err != nil {
		return nil, err
	}
	par := t.p.parallelism()
	lp := engine.Partitioning{Kind: engine.Hash, Keys: lk}
	rp := engine.Partitioning{Kind: engine.Hash, Keys: rk}
	if len(lk) == 0 {
		// Without equi-keys every pair must meet: one subtask sees all.
		par, lp, rp = 1, engine.Partitioning{Kind: engine.Global}, engine.Partitioning{Kind: engine.Global}
	}
	name := n.physicalText(t.p.Streaming, len(lk) > 0)
	v := t.vertex(strings.SplitN(name, "(", 2)[0], par, engine.Edge{From: lv.ID, Partition: lp}, engine.Edge{From: rv.ID, Partition: rp})
	chain(v, func() engine.Operator {
		op, err := engine.NewJoin(spec)
		if err != nil {
			// Checked above with the same spec.
			panic(err)
		}
		return engine.WithName(name, op)
	})
	return v, nil
}

// arrowSchema is the Arrow schema of a plan schema.
func arrowSchema(s Schema) *arrow.Schema {
	fs := make([]arrow.Field, len(s))
	for i, f := range s {
		fs[i] = arrow.Field{Name: f.Name, Type: f.Type.Arrow(), Nullable: !f.Type.NotNull}
	}
	return arrow.NewSchema(fs, nil)
}

// splitJoinCond splits cond (over a left input of nLeft columns followed
// by the right input) into equi-key pairs — a left column = a right
// column of the same Arrow type; IS NOT DISTINCT FROM makes a pair that
// matches NULLs — and the remaining conjuncts (nil when none).
func splitJoinCond(cond Rex, nLeft int) (lk, rk []int, filterNulls []bool, rest Rex) {
	if cond == nil {
		return nil, nil, nil, nil
	}
	var others []Rex
	for _, c := range conjuncts(cond) {
		if l, r, filter, ok := equiPair(c, nLeft); ok {
			lk = append(lk, l)
			rk = append(rk, r-nLeft)
			filterNulls = append(filterNulls, filter)
			continue
		}
		others = append(others, c)
	}
	if len(others) > 0 {
		rest = conjoin(others)
	}
	return lk, rk, filterNulls, rest
}

// equiPair recognizes left.col = right.col (either order) of one Arrow
// type.
func equiPair(c Rex, nLeft int) (l, r int, filterNulls, ok bool) {
	call, isCall := c.(*CallRex)
	if !isCall || len(call.Args) != 2 || (call.Name != "=" && call.Name != "IS NOT DISTINCT FROM") {
		return 0, 0, false, false
	}
	a, aok := call.Args[0].(*InputRef)
	b, bok := call.Args[1].(*InputRef)
	if !aok || !bok {
		return 0, 0, false, false
	}
	if a.Index >= nLeft {
		a, b = b, a
	}
	if a.Index >= nLeft || b.Index < nLeft || !arrow.TypeEqual(a.T.Arrow(), b.T.Arrow()) {
		return 0, 0, false, false
	}
	return a.Index, b.Index, call.Name == "=", true
}

// sideOf says which inputs r reads: 1 left only, 2 right only, 3 both, 0
// neither.
func sideOf(r Rex, nLeft int) int {
	side := 0
	walkRex(r, func(x Rex) {
		if ref, ok := x.(*InputRef); ok {
			if ref.Index < nLeft {
				side |= 1
			} else {
				side |= 2
			}
		}
	})
	return side
}

// shiftRefs adds d to the index of every column reference of r at or
// beyond from.
func shiftRefs(r Rex, from, d int) Rex {
	return rewriteRex(r, func(x Rex) Rex {
		if ref, ok := x.(*InputRef); ok && ref.Index >= from {
			c := *ref
			c.Index += d
			return &c
		}
		return x
	})
}

// newJoin builds a join whose equality conditions between an expression
// of one side and an expression of the other become equi-keys: each side
// gets the expression (cast to the pair's common type) as an extra column,
// as Flink's JoinPushExpressionsRule and the key alignment of its join
// planning do, and a projection above drops the extra columns again.
func (p *Planner) newJoin(l, r Node, typ engine.JoinType, cond Rex) (Node, error) {
	return makeJoin(l, r, typ, cond), nil
}

// makeJoin is newJoin for the optimizer's rules.
func makeJoin(l, r Node, typ engine.JoinType, cond Rex) Node {
	nL, nR := len(l.Schema()), len(r.Schema())
	if cond == nil {
		return &Join{Left: l, Right: r, Type: typ}
	}
	type pushed struct {
		l, r Rex // r over the right input alone
		op   string
		t    types.DataType
	}
	var keys []pushed
	var others []Rex
	for _, c := range conjuncts(cond) {
		call, ok := c.(*CallRex)
		if !ok || len(call.Args) != 2 || (call.Name != "=" && call.Name != "IS NOT DISTINCT FROM") {
			others = append(others, c)
			continue
		}
		if _, _, _, plain := equiPair(c, nL); plain {
			others = append(others, c)
			continue
		}
		a, b := call.Args[0], call.Args[1]
		sa, sb := sideOf(a, nL), sideOf(b, nL)
		if sa == 2 && sb == 1 {
			a, b, sa, sb = b, a, sb, sa
		}
		if sa != 1 || sb != 2 || hasUDF(a) || hasUDF(b) {
			others = append(others, c)
			continue
		}
		t, err := commonType(a.Type(), b.Type())
		if err != nil {
			others = append(others, c)
			continue
		}
		t = t.Materialized()
		keys = append(keys, pushed{l: castTo(a, t), r: shiftRefs(castTo(b, t), 0, -nL), op: call.Name, t: t})
	}
	if len(keys) == 0 {
		return &Join{Left: l, Right: r, Type: typ, Cond: cond}
	}
	nk := len(keys)
	withExtra := func(in Node, side int) Node {
		s := in.Schema()
		exprs := make([]Rex, 0, len(s)+nk)
		names := make([]string, 0, len(s)+nk)
		for i, f := range s {
			exprs = append(exprs, &InputRef{Index: i, T: f.Type, Name: f.Name})
			names = append(names, f.Name)
		}
		for i, k := range keys {
			e := k.l
			if side == 1 {
				e = k.r
			}
			exprs = append(exprs, e)
			names = append(names, fmt.Sprintf("$f%d", len(s)+i))
		}
		return &Project{Input: in, Exprs: exprs, Names: uniqueNames(names)}
	}
	// Left: its columns, then the keys; right likewise. References to the
	// right's columns move past the left's keys.
	// The pushed keys come first, as Flink prints them.
	conds := make([]Rex, 0, len(others)+nk)
	for i, k := range keys {
		conds = append(conds, &CallRex{Name: k.op, Args: []Rex{
			&InputRef{Index: nL + i, T: k.t}, &InputRef{Index: nL + nk + nR + i, T: k.t}}, T: types.BOOLEAN().NotNullable()})
	}
	for _, c := range others {
		conds = append(conds, shiftRefs(c, nL, nk))
	}
	j := &Join{Left: withExtra(l, 0), Right: withExtra(r, 1), Type: typ, Cond: conjoin(conds)}
	// A projection drops the key columns again.
	js := j.Schema()
	names := (&Join{Left: l, Right: r, Type: typ}).Schema().Names()
	exprs := make([]Rex, 0, len(names))
	for i := 0; i < nL; i++ {
		exprs = append(exprs, &InputRef{Index: i, T: js[i].Type, Name: js[i].Name})
	}
	if !typ.Projects() {
		for i := 0; i < nR; i++ {
			k := nL + nk + i
			exprs = append(exprs, &InputRef{Index: k, T: js[k].Type, Name: js[k].Name})
		}
	}
	return &Project{Input: j, Exprs: exprs, Names: names}
}

// joinTypes maps SQL join kinds to the engine's.
var joinTypes = map[sql.JoinKind]engine.JoinType{
	sql.InnerJoin: engine.InnerJoin, sql.LeftJoin: engine.LeftOuterJoin, sql.RightJoin: engine.RightOuterJoin,
	sql.FullJoin: engine.FullOuterJoin, sql.CrossJoin: engine.InnerJoin, sql.CommaJoin: engine.InnerJoin,
}

// bindJoin binds `left JOIN right ON/USING ...` (and comma and CROSS
// joins). The scope is the left's columns then the right's; with USING or
// NATURAL the common columns come first, once (Calcite's row type: the
// left's column, the right's for a RIGHT join, COALESCE of both for a FULL
// one), and the sides' own copies stay reachable only by qualified name.
func (p *Planner) bindJoin(j *sql.Join) (Node, *scope, error) {
	if tn, ok := j.Right.(*sql.TableName); ok && tn.SystemTime != nil {
		return p.bindSystemTimeJoin(j, tn)
	}
	// CROSS JOIN UNNEST (unnest.go).
	if u, ok := j.Right.(*sql.UnnestRef); ok {
		return p.bindUnnestJoin(j, u)
	}
	// LATERAL TABLE(table function) (lateral.go).
	if r, ok := j.Right.(*sql.TableFunctionRef); ok && p.lateralTableFunction(r) != nil {
		return p.bindLateralJoin(j, r)
	}
	l, lsc, err := p.bindFrom(j.Left)
	if err != nil {
		return nil, nil, err
	}
	r, rsc, err := p.bindFrom(j.Right)
	if err != nil {
		return nil, nil, err
	}
	typ := joinTypes[j.Kind]
	sc := &scope{cols: append(slices.Clone(lsc.cols), rsc.cols...)}
	nL := len(lsc.cols)
	var cond Rex
	var common [][2]int // USING / NATURAL column pairs
	switch {
	case j.On != nil:
		if cond, err = p.bindCondition(j.On, sc, "ON"); err != nil {
			return nil, nil, err
		}
	case j.Natural || len(j.Using) > 0:
		names := make([]string, 0)
		if j.Natural {
			for _, c := range rsc.cols {
				if !c.hidden && visibleIndex(lsc, c.name) >= 0 {
					names = append(names, c.name)
				}
			}
		} else {
			for _, u := range j.Using {
				names = append(names, u.Name)
			}
		}
		var conds []Rex
		for i, name := range names {
			li, ri := visibleIndex(lsc, name), visibleIndex(rsc, name)
			pos := j.Pos()
			if !j.Natural {
				pos = j.Using[i].Start
			}
			if li < 0 || ri < 0 {
				side := "left"
				if li >= 0 {
					side = "right"
				}
				return nil, nil, p.ErrAt(pos, "Column '%s' not found in any table (the %s side of the join)", name, side)
			}
			if li == -2 || ri == -2 {
				return nil, nil, p.ErrAt(pos, "Column name '%s' in USING clause is not unique on one side of join", name)
			}
			lt, rt := lsc.cols[li].typ, rsc.cols[ri].typ
			if _, err := commonType(lt, rt); err != nil {
				return nil, nil, p.ErrAt(pos, "column '%s' matched using NATURAL keyword or USING clause has incompatible types: cannot compare '%s' to '%s'", name, lt, rt)
			}
			c, err := p.call(pos, "=", &InputRef{Index: li, T: lt, Name: name}, &InputRef{Index: nL + ri, T: rt, Name: name})
			if err != nil {
				return nil, nil, err
			}
			conds = append(conds, c)
			common = append(common, [2]int{li, nL + ri})
		}
		if len(conds) > 0 {
			cond = conjoin(conds)
		}
	}
	// Interval joins (join_interval.go), then window joins (join_window.go).
	n, special, err := p.intervalJoin(l, r, typ, cond, j.Pos())
	if err == nil && !special {
		n, special, err = p.windowJoin(l, r, typ, cond, j.Pos())
	}
	if err == nil && !special {
		// Conjuncts calling Python functions are not evaluated inside an
		// inner join: they filter its output (Flink's PythonCalc after
		// the join); an outer join cannot move them out.
		var udfConds []Rex
		if typ == engine.InnerJoin && cond != nil {
			var rest []Rex
			for _, c := range conjuncts(cond) {
				if hasUDF(c) {
					udfConds = append(udfConds, c)
				} else {
					rest = append(rest, c)
				}
			}
			cond = nil
			if len(rest) > 0 {
				cond = conjoin(rest)
			}
		}
		n, err = p.newJoin(l, r, typ, cond)
		if err == nil && len(udfConds) > 0 {
			n = &Filter{Input: n, Cond: conjoin(udfConds)}
		}
	}
	if err != nil {
		return nil, nil, err
	}
	// Columns read above the join have its output's types: nullable on
	// a padded side, time attributes materialized.
	for i, f := range n.Schema() {
		sc.cols[i].typ = f.Type
	}
	if len(common) == 0 {
		return n, sc, nil
	}
	// USING / NATURAL: the common columns first, then both sides' columns
	// with their copies of the common ones hidden.
	s := n.Schema()
	var exprs []Rex
	var names []string
	out := &scope{}
	for _, c := range common {
		lref := &InputRef{Index: c[0], T: s[c[0]].Type, Name: s[c[0]].Name}
		rref := &InputRef{Index: c[1], T: s[c[1]].Type, Name: s[c[1]].Name}
		var x Rex = lref
		switch typ {
		case engine.RightOuterJoin:
			x = rref
		case engine.FullOuterJoin:
			t, _ := commonType(lref.T, rref.T)
			x = &CallRex{Name: "COALESCE", Args: []Rex{castTo(lref, t.Nullable()), castTo(rref, t.Nullable())}, T: t.Nullable()}
		}
		name := sc.cols[c[0]].name
		exprs = append(exprs, x)
		names = append(names, name)
		out.cols = append(out.cols, scopeCol{name: name, typ: x.Type()})
	}
	for i, f := range s {
		exprs = append(exprs, &InputRef{Index: i, T: f.Type, Name: f.Name})
		names = append(names, f.Name)
		col := sc.cols[i]
		col.typ = f.Type
		for _, c := range common {
			if c[0] == i || c[1] == i {
				col.hidden = true
			}
		}
		out.cols = append(out.cols, col)
	}
	return &Project{Input: n, Exprs: exprs, Names: uniqueNames(names)}, out, nil
}

// visibleIndex finds the visible column name of sc: its index, -1 when
// there is none, -2 when there are several.
func visibleIndex(sc *scope, name string) int {
	found := -1
	for i, c := range sc.cols {
		if c.hidden || c.name != name {
			continue
		}
		if found >= 0 {
			return -2
		}
		found = i
	}
	return found
}

// bindSystemTimeJoin binds `left JOIN table FOR SYSTEM_TIME AS OF
// left.time_attr ON ...`: a lookup join when the period is a processing
// time attribute, an event-time temporal join when it is a rowtime one.
func (p *Planner) bindSystemTimeJoin(j *sql.Join, tn *sql.TableName) (Node, *scope, error) {
	if j.Kind != sql.InnerJoin && j.Kind != sql.LeftJoin {
		return nil, nil, p.ErrAt(j.Pos(), "Temporal table join currently only supports INNER JOIN and LEFT JOIN, but was %s JOIN", j.Kind)
	}
	l, lsc, err := p.bindFrom(j.Left)
	if err != nil {
		return nil, nil, err
	}
	period, err := p.bindExpr(tn.SystemTime, lsc)
	if err != nil {
		return nil, nil, err
	}
	plain := *tn
	plain.SystemTime = nil
	r, rsc, err := p.bindFrom(&plain)
	if err != nil {
		return nil, nil, err
	}
	table, _, err := p.Catalog.Lookup(tn.Name.Unqualified())
	if err != nil || table == nil && period.Type().TimeAttr != types.Rowtime { // a versioned view serves event time (join_temporal.go)
		return nil, nil, p.ErrAt(tn.Pos(), "FOR SYSTEM_TIME AS OF needs a table, not a view or a query: %s", tn.Name)
	}
	sc := &scope{cols: append(slices.Clone(lsc.cols), rsc.cols...)}
	var cond Rex
	if j.On != nil {
		if cond, err = p.bindCondition(j.On, sc, "ON"); err != nil {
			return nil, nil, err
		}
	} else {
		return nil, nil, p.ErrAt(j.Pos(), "Temporal table join requires an equality condition on fields of table [%s]", tn.Name)
	}
	typ := joinTypes[j.Kind]
	var n Node
	switch period.Type().TimeAttr {
	case types.Proctime:
		// A lookup join (join_lookup.go).
		n, err = p.lookupJoin(&Join{Left: l, Right: r, Type: typ, Cond: cond}, period, table, tn.SystemTime.Pos())
	case types.Rowtime:
		// An event-time temporal join (join_temporal.go).
		n, err = p.temporalJoin(&Join{Left: l, Right: r, Type: typ, Cond: cond}, period, table, tn.SystemTime.Pos())
	default:
		err = p.ErrAt(tn.SystemTime.Pos(), "Temporal table join currently only supports 'FOR SYSTEM_TIME AS OF' left table's time attribute field")
	}
	if err != nil {
		return nil, nil, err
	}
	return n, sc, nil
}

// pushFilterIntoJoin is Calcite's FilterJoinRule for a filter over a
// join: over an inner join, conjuncts reading both sides join the
// condition (a comma join with a WHERE equality becomes an equi-join) and
// one-side conjuncts filter that input; over an outer join only the
// preserved side's conjuncts move down (the padded side's would turn
// NULL-padded rows into dropped ones). Non-deterministic conjuncts and
// those calling user functions stay.
func pushFilterIntoJoin(n Node) Node {
	f, ok := n.(*Filter)
	if !ok {
		return n
	}
	j, ok := f.Input.(*Join)
	if !ok {
		return n
	}
	nL := len(j.Left.Schema())
	var keep, toCond, toLeft, toRight []Rex
	for _, c := range conjuncts(f.Cond) {
		if hasUDF(c) || !deterministic(c) {
			keep = append(keep, c)
			continue
		}
		switch side := sideOf(c, nL); {
		case side == 1 && j.Type != engine.RightOuterJoin && j.Type != engine.FullOuterJoin:
			toLeft = append(toLeft, c)
		case side == 2 && (j.Type == engine.InnerJoin || j.Type == engine.RightOuterJoin):
			toRight = append(toRight, c)
		case side == 3 && j.Type == engine.InnerJoin:
			toCond = append(toCond, c)
		default:
			keep = append(keep, c)
		}
	}
	if len(toLeft)+len(toRight)+len(toCond) == 0 {
		return n
	}
	out := rebuildJoin(j, toLeft, toRight, toCond, nil)
	if len(keep) > 0 {
		out = &Filter{Input: out, Cond: conjoin(keep)}
	}
	return out
}

// pushJoinConditionDown moves conjuncts of a join condition that read one
// side only into a filter of that side, where that keeps the join's
// meaning: both sides of an inner join, the right of a left outer, semi or
// anti join, the left of a right outer join.
func pushJoinConditionDown(n Node) Node {
	j, ok := n.(*Join)
	if !ok || j.Cond == nil {
		return n
	}
	nL := len(j.Left.Schema())
	var keep, toLeft, toRight []Rex
	for _, c := range conjuncts(j.Cond) {
		if hasUDF(c) || !deterministic(c) {
			keep = append(keep, c)
			continue
		}
		switch side := sideOf(c, nL); {
		case side == 1 && (j.Type == engine.InnerJoin || j.Type == engine.RightOuterJoin || j.Type == engine.LeftSemiJoin):
			toLeft = append(toLeft, c)
		case side == 2 && j.Type != engine.RightOuterJoin && j.Type != engine.FullOuterJoin:
			toRight = append(toRight, c)
		default:
			keep = append(keep, c)
		}
	}
	if len(toLeft)+len(toRight) == 0 {
		return n
	}
	return rebuildJoin(&Join{Left: j.Left, Right: j.Right, Type: j.Type}, toLeft, toRight, keep, nil)
}

// rebuildJoin is j with filters over its inputs and more conjuncts in its
// condition (all over the join row), re-normalized by makeJoin.
func rebuildJoin(j *Join, toLeft, toRight, toCond []Rex, _ []Rex) Node {
	nL := len(j.Left.Schema())
	l, r := j.Left, j.Right
	if len(toLeft) > 0 {
		l = &Filter{Input: l, Cond: retypeRefs(conjoin(toLeft), l.Schema(), 0)}
	}
	if len(toRight) > 0 {
		r = &Filter{Input: r, Cond: retypeRefs(shiftRefs(conjoin(toRight), nL, -nL), r.Schema(), 0)}
	}
	var conds []Rex
	if j.Cond != nil {
		conds = conjuncts(j.Cond)
	}
	conds = append(conds, toCond...)
	var cond Rex
	if len(conds) > 0 {
		cond = conjoin(conds)
	}
	out := makeJoin(l, r, j.Type, cond)
	// The join's output is typed as before (the filters do not change
	// what is padded).
	return out
}

// retypeRefs gives r's column references (offset by base) the types of
// schema s: a condition moved below a join reads the input's own types
// (time attributes not yet materialized, NOT NULL where the input is).
func retypeRefs(r Rex, s Schema, base int) Rex {
	return rewriteRex(r, func(x Rex) Rex {
		if ref, ok := x.(*InputRef); ok && ref.Index-base >= 0 && ref.Index-base < len(s) {
			c := *ref
			c.T = s[ref.Index-base].Type
			return &c
		}
		return x
	})
}

// pruneJoinColumns is Calcite's ProjectJoinTransposeRule as Flink uses it:
// a projection over a join keeps, of each input, only the columns it or
// the join condition reads, so that the join's state and exchanges carry
// no dead columns (a Nexmark auction has ten columns; q3 reads two).
func pruneJoinColumns(n Node) Node {
	p, ok := n.(*Project)
	if !ok {
		return n
	}
	j, ok := p.Input.(*Join)
	if !ok {
		return n
	}
	ls, rs := j.Left.Schema(), j.Right.Schema()
	nL := len(ls)
	used := map[int]bool{}
	for _, e := range p.Exprs {
		refs(e, used)
	}
	if j.Cond != nil {
		refs(j.Cond, used)
	}
	var lcols, rcols []int
	for i := range ls {
		if used[i] {
			lcols = append(lcols, i)
		}
	}
	for i := range rs {
		if used[nL+i] {
			rcols = append(rcols, i)
		}
	}
	// A side must keep a column: rows without columns are not batches.
	if len(lcols) == 0 {
		lcols = []int{0}
	}
	if len(rcols) == 0 {
		rcols = []int{0}
	}
	if len(lcols) == nL && len(rcols) == len(rs) {
		return n
	}
	pick := func(in Node, s Schema, cols []int) Node {
		if len(cols) == len(s) {
			return in
		}
		exprs := make([]Rex, len(cols))
		names := make([]string, len(cols))
		for i, c := range cols {
			exprs[i] = &InputRef{Index: c, T: s[c].Type, Name: s[c].Name}
			names[i] = s[c].Name
		}
		return &Project{Input: in, Exprs: exprs, Names: names}
	}
	remap := map[int]int{}
	for i, c := range lcols {
		remap[c] = i
	}
	for i, c := range rcols {
		remap[nL+c] = len(lcols) + i
	}
	move := func(r Rex) Rex {
		return rewriteRex(r, func(x Rex) Rex {
			if ref, ok := x.(*InputRef); ok {
				c := *ref
				c.Index = remap[ref.Index]
				return &c
			}
			return x
		})
	}
	nj := &Join{Left: pick(j.Left, ls, lcols), Right: pick(j.Right, rs, rcols), Type: j.Type}
	if j.Cond != nil {
		nj.Cond = move(j.Cond)
	}
	exprs := make([]Rex, len(p.Exprs))
	for i, e := range p.Exprs {
		exprs[i] = move(e)
	}
	return &Project{Input: nj, Exprs: exprs, Names: p.Names, TableAPI: p.TableAPI}
}

// whereIntoJoin moves the WHERE conjuncts of a query over an inner (or
// comma, or CROSS) join into its ON condition, where they mean the same:
// in streaming mode the join's condition decides what kind of join it is
// (an interval join bounds the two time attributes, and Flink recognizes
// `FROM a, b WHERE a.ts BETWEEN b.ts - ... AND ...` as one after pushing
// the filter into the join). Subquery predicates stay in WHERE (they
// become joins of their own).
func whereIntoJoin(from sql.TableRef, where sql.Expr) (sql.TableRef, sql.Expr) {
	j, ok := from.(*sql.Join)
	if !ok || where == nil || j.Natural || len(j.Using) > 0 {
		return from, where
	}
	if j.Kind != sql.InnerJoin && j.Kind != sql.CommaJoin && j.Kind != sql.CrossJoin {
		return from, where
	}
	if _, ok := j.Right.(*sql.UnnestRef); ok {
		return from, where
	}
	if r, ok := j.Right.(*sql.TableFunctionRef); ok && !isWindowTVF(r.Call) {
		return from, where
	}
	if tn, ok := j.Right.(*sql.TableName); ok && tn.SystemTime != nil {
		return from, where
	}
	var moved, kept []sql.Expr
	for _, c := range astConjuncts(where) {
		if subqueryConjunct(c) || hasSubquery(c) {
			kept = append(kept, c)
		} else {
			moved = append(moved, c)
		}
	}
	if len(moved) == 0 {
		return from, where
	}
	nj := *j
	nj.Kind = sql.InnerJoin
	on := j.On
	for _, c := range moved {
		if on == nil {
			on = c
		} else {
			on = &sql.BinaryExpr{Op: "AND", OpPos: c.Pos(), Left: on, Right: c}
		}
	}
	nj.On = on
	var rest sql.Expr
	for _, c := range kept {
		if rest == nil {
			rest = c
		} else {
			rest = &sql.BinaryExpr{Op: "AND", OpPos: c.Pos(), Left: rest, Right: c}
		}
	}
	return &nj, rest
}

// hasSubquery reports whether e contains a subquery anywhere.
func hasSubquery(e sql.Expr) bool {
	found := false
	sql.Inspect(e, func(x sql.Node) bool {
		switch x := x.(type) {
		case *sql.SubqueryExpr, *sql.ExistsExpr:
			found = true
		case *sql.InExpr:
			if x.Query != nil {
				found = true
			}
		}
		return !found
	})
	return found
}

// leftKeepingSchema is the output of a join that keeps its left side's
// time attributes (lookup and temporal joins): the left's columns as they
// are, then the right's materialized (nullable when padded), under unique
// names.
func leftKeepingSchema(left, right Schema, padRight bool) Schema {
	out := append(Schema(nil), left...)
	for _, f := range right {
		t := f.Type.Materialized()
		if padRight {
			t = t.Nullable()
		}
		out = append(out, Field{Name: f.Name, Type: t})
	}
	names := uniqueNames(out.Names())
	for i := range out {
		out[i].Name = names[i]
	}
	return out
}
