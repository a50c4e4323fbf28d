package planner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/catalog"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
)

// TemporalJoin is the event-time temporal join `left [LEFT] JOIN
// versioned FOR SYSTEM_TIME AS OF left.rowtime ON ...` (Flink's
// StreamPhysicalTemporalJoin): each left row joins the right row of its
// key valid at the left row's rowtime. Cond is over Left's columns then
// Right's; its equi-keys (LeftKeys = RightKeys) include the versioned
// table's primary key (PK, right columns). The output is Left's columns,
// its time attributes kept (the join emits a left row when the watermark
// passes its rowtime, so the left's rowtime stays in watermark order),
// then Right's, materialized and nullable for a LEFT join.
type TemporalJoin struct {
	Left, Right         Node
	LeftOuter           bool
	Cond                Rex
	LeftTime, RightTime int
	PK                  []int
}

func (n *TemporalJoin) Schema() Schema {
	return leftKeepingSchema(n.Left.Schema(), n.Right.Schema(), n.LeftOuter)
}

func (n *TemporalJoin) Inputs() []Node { return []Node{n.Left, n.Right} }

func (n *TemporalJoin) WithInputs(in ...Node) Node {
	c := *n
	c.Left, c.Right = in[0], in[1]
	return &c
}

func (n *TemporalJoin) joinType() string {
	if n.LeftOuter {
		return "LeftOuterJoin"
	}
	return "InnerJoin"
}

func (n *TemporalJoin) keys() (lk, rk []int, rest Rex) {
	lk, rk, _, rest = splitJoinCond(n.Cond, len(n.Left.Schema()))
	return lk, rk, rest
}

// where is Flink's condition of the join: the ON conjuncts, then its
// __TEMPORAL_JOIN_CONDITION marker (times, primary key, keys); one AND,
// prefix in the physical plan, infix in the execution plan (rex).
func (n *TemporalJoin) where(rex func(Rex) string, physical bool) string {
	names := uniqueNames(append(n.Left.Schema().Names(), n.Right.Schema().Names()...))
	nL := len(n.Left.Schema())
	var parts []string
	for _, c := range conjuncts(n.Cond) {
		parts = append(parts, rex(renameRefs(c, names)))
	}
	lk, rk, _ := n.keys()
	list := func(cols []int, off int) string {
		s := make([]string, len(cols))
		for i, c := range cols {
			s[i] = names[off+c]
		}
		return strings.Join(s, ", ")
	}
	parts = append(parts, fmt.Sprintf("__TEMPORAL_JOIN_CONDITION(%s, %s, __TEMPORAL_JOIN_CONDITION_PRIMARY_KEY(%s), __TEMPORAL_JOIN_LEFT_KEY(%s), __TEMPORAL_JOIN_RIGHT_KEY(%s))",
		names[n.LeftTime], names[nL+n.RightTime], list(n.PK, nL), list(lk, 0), list(rk, nL)))
	switch {
	case len(parts) == 1:
		return parts[0]
	case physical:
		return "AND(" + strings.Join(parts, ", ") + ")"
	}
	return "(" + strings.Join(parts, " AND ") + ")"
}

func (n *TemporalJoin) text(rex func(Rex) string, physical bool) string {
	return fmt.Sprintf("TemporalJoin(joinType=[%s], where=[%s], select=[%s])", n.joinType(), n.where(rex, physical), strings.Join(n.Schema().Names(), ", "))
}

func (n *TemporalJoin) describe() string {
	cond := "true"
	if n.Cond != nil {
		cond = rexAST(n.Cond)
	}
	jt := "inner"
	if n.LeftOuter {
		jt = "left"
	}
	return fmt.Sprintf("LogicalTemporalJoin(condition=[%s], joinType=[%s], period=[$%d])", cond, jt, n.LeftTime)
}

// changelogMode: each output row has its left row's kind; the versions'
// changes emit nothing themselves.
func (n *TemporalJoin) changelogMode() connector.ChangelogMode {
	return ModeOf(n.Left, true)
}

func (n *TemporalJoin) explain(e *explainer) *xnode {
	l, r := e.node(n.Left), e.node(n.Right)
	lk, rk, _ := n.keys()
	ls, rs := n.Left.Schema(), n.Right.Schema()
	ln, rn := make([]string, len(lk)), make([]string, len(rk))
	for i := range lk {
		ln[i], rn[i] = ls[lk[i]].Name, rs[rk[i]].Name
	}
	return &xnode{text: n.text(e.rex, e.physical), mode: e.mode(n), par: e.p.parallelism(), ins: []*xnode{
		e.exchange(l, "hash["+strings.Join(ln, ", ")+"]", e.mode(n.Left)),
		e.exchange(r, "hash["+strings.Join(rn, ", ")+"]", e.mode(n.Right))}}
}

func (n *TemporalJoin) spec() (engine.TemporalJoinSpec, error) {
	lk, rk, rest := n.keys()
	spec := engine.TemporalJoinSpec{LeftOuter: n.LeftOuter, LeftKeys: lk, RightKeys: rk, LeftTime: n.LeftTime, RightTime: n.RightTime,
		Left: arrowSchema(n.Left.Schema()), Right: arrowSchema(n.Right.Schema())}
	if rest != nil {
		if hasUDF(rest) {
			return spec, fmt.Errorf("planner: a user-defined function in the condition of a temporal join is not supported yet")
		}
		var err error
		if spec.Cond, err = Compile(rest); err != nil {
			return spec, err
		}
	}
	_, err := engine.NewTemporalJoin(spec)
	return spec, err
}

func (n *TemporalJoin) translate(t *translator) (*engine.Vertex, error) {
	lv, err := t.node(n.Left)
	if err != nil {
		return nil, err
	}
	rv, err := t.node(n.Right)
	if err != nil {
		return nil, err
	}
	spec, err := n.spec()
	if err != nil {
		return nil, err
	}
	name := n.text(func(r Rex) string { return rexPrefix(r, true) }, true)
	v := t.vertex("TemporalJoin", t.p.parallelism(),
		engine.Edge{From: lv.ID, Partition: engine.Partitioning{Kind: engine.Hash, Keys: spec.LeftKeys}},
		engine.Edge{From: rv.ID, Partition: engine.Partitioning{Kind: engine.Hash, Keys: spec.RightKeys}})
	chain(v, func() engine.Operator {
		op, err := engine.NewTemporalJoin(spec)
		if err != nil {
			panic(err) // checked by spec() with the same spec
		}
		return engine.WithName(name, op)
	})
	return v, nil
}

// temporalJoin plans j (its Right the versioned table, bound without its
// period) as an event-time temporal join at period, a rowtime attribute
// of the left side; Flink's checks and messages
// (LogicalCorrelateToJoinFromTemporalTableRule,
// TemporalJoinRewriteWithUniqueKeyRule). table is the versioned table.
func (p *Planner) temporalJoin(j *Join, period Rex, table *catalog.Table, pos sql.Pos) (Node, error) {
	if !p.Streaming {
		return nil, p.ErrAt(pos, "Event-time temporal joins run in streaming mode only: in batch mode Flink 2.3 has no plan for them")
	}
	ref, ok := period.(*InputRef)
	if !ok || period.Type().TimeAttr != types.Rowtime {
		return nil, p.ErrAt(pos, "Temporal table join currently only supports 'FOR SYSTEM_TIME AS OF' left table's time attribute field")
	}
	// Expression keys (UPPER(o.currency) = r.currency) become columns of
	// each side, as for a regular join; a projection above drops them.
	var above *Project
	if mj, ok := makeJoin(j.Left, j.Right, j.Type, j.Cond).(*Project); ok {
		if inner, ok := mj.Input.(*Join); ok {
			above, j = mj, inner
		}
	}
	rs := j.Right.Schema()
	rightTime := -1
	for i, f := range rs {
		if f.Type.TimeAttr == types.Rowtime {
			rightTime = i
			break
		}
	}
	if rightTime < 0 {
		return nil, p.ErrAt(pos, "Event-Time Temporal Table Join requires both primary key and row time attribute in versioned table, but no row time attribute can be found.")
	}
	nL := len(j.Left.Schema())
	lk, rk, _, _ := splitJoinCond(j.Cond, nL)
	if len(lk) == 0 {
		return nil, p.ErrAt(pos, "Currently the join key in Temporal Table Join can not be empty.")
	}
	var pk []int
	if table != nil {
		for _, name := range table.PrimaryKey {
			i := slices.IndexFunc(rs, func(f Field) bool { return f.Name == name })
			if i < 0 {
				pk = nil
				break
			}
			pk = append(pk, i)
		}
	} else {
		pk = UniqueKey(j.Right)
	}
	if len(pk) == 0 {
		return nil, p.ErrAt(pos, "Temporal Table Join requires primary key in versioned table, but no primary key can be found.")
	}
	// A key column the projection below copies is that column.
	keyCols := slices.Clone(rk)
	if pr, ok := j.Right.(*Project); ok && above != nil {
		for i, k := range keyCols {
			if ref, ok := pr.Exprs[k].(*InputRef); ok {
				keyCols[i] = ref.Index
			}
		}
	}
	for _, c := range pk {
		if !slices.Contains(keyCols, c) {
			names := uniqueNames(append(j.Left.Schema().Names(), rs.Names()...))
			pkNames := make([]string, len(pk))
			for i, c := range pk {
				pkNames[i] = names[nL+c]
			}
			pairs := make([]string, len(lk))
			for i := range lk {
				pairs[i] = j.Left.Schema()[lk[i]].Name + "=" + rs[rk[i]].Name
			}
			return nil, p.ErrAt(pos, "Temporal table's primary key [%s] must be included in the equivalence condition of temporal join, but current temporal join condition is [%s].",
				strings.Join(pkNames, ","), strings.Join(pairs, ","))
		}
	}
	n := &TemporalJoin{Left: j.Left, Right: j.Right, LeftOuter: j.Type == engine.LeftOuterJoin, Cond: j.Cond,
		LeftTime: ref.Index, RightTime: rightTime, PK: pk}
	if _, err := n.spec(); err != nil {
		return nil, p.ErrAt(pos, "%v", err)
	}
	if above == nil {
		return n, nil
	}
	// The projection reads the temporal join's types (the left's time
	// attributes kept).
	ts := n.Schema()
	exprs := make([]Rex, len(above.Exprs))
	for i, e := range above.Exprs {
		ref := e.(*InputRef)
		exprs[i] = &InputRef{Index: ref.Index, T: ts[ref.Index].Type, Name: ref.Name}
	}
	return &Project{Input: n, Exprs: exprs, Names: above.Names}, nil
}
