package planner

import (
	"fmt"
	"strings"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
)

// INTERSECT and EXCEPT are planned as Flink 2.3 rewrites them. NULLs
// compare equal throughout, as the standard wants of set operations.
//
// The distinct forms (semiAntiSetOp) are a semi (INTERSECT) or anti
// (EXCEPT) join of the left with the right on every column, IS NOT
// DISTINCT FROM, under a distinct aggregate: in streaming a row of the
// result is inserted when it enters and deleted when it leaves, as
// Flink's.
//
// The ALL forms are Flink's RewriteIntersectAllRule and
// RewriteMinusAllRule, with their marker and count names: each side's
// rows tagged with marker columns, the two unioned and grouped by every
// column, the aggregate counting how many copies of the row each side
// holds; a filter on the counts, then Replicate (Flink's ReplicateRows
// table function) emits the row as many times as the result keeps:
//
//	INTERSECT ALL  left >= 1 AND right >= 1, min(left, right) copies
//	EXCEPT ALL     left - right > 0, that many copies
//
// In streaming the aggregate's -U/+U of a row reach Replicate, which
// retracts and inserts that many copies.

// setOpMarkers are the marker columns of the two sides: INTERSECT ALL
// counts the non-NULL markers of each side, EXCEPT ALL sums +1 and -1.
func setOpMarkers(op sql.SetOpKind, left bool) ([]Rex, []string) {
	if op == sql.Except {
		v := int64(1)
		if !left {
			v = -1
		}
		return []Rex{&Literal{Value: v, T: types.BIGINT().NotNullable(), Text: fmt.Sprint(v)}}, []string{"vcol_marker"}
	}
	yes := &Literal{Value: true, T: types.BOOLEAN(), Text: "true"}
	null := &Literal{T: types.BOOLEAN(), Text: "null:BOOLEAN"}
	if left {
		return []Rex{yes, null}, []string{"vcol_left_marker", "vcol_right_marker"}
	}
	return []Rex{null, yes}, []string{"vcol_left_marker", "vcol_right_marker"}
}

// bindIntersectExcept plans l INTERSECT/EXCEPT [ALL] r; both sides have
// the common column types already, and the left's names.
func (p *Planner) bindIntersectExcept(q *sql.SetOp, l, r Node) (Node, error) {
	if !q.All {
		return p.semiAntiSetOp(q, l, r)
	}
	schema := l.Schema()
	n := len(schema)
	refs := func(s Schema) []Rex {
		out := make([]Rex, len(s))
		for i, f := range s {
			out[i] = &InputRef{Index: i, T: f.Type, Name: f.Name}
		}
		return out
	}
	tag := func(side Node, left bool) Node {
		markers, names := setOpMarkers(q.Op, left)
		return &Project{Input: side, Exprs: append(refs(schema), markers...), Names: append(schema.Names(), names...)}
	}
	u := &Union{Ins: []Node{tag(l, true), tag(r, false)}}
	keys := make([]int, n)
	for i := range keys {
		keys[i] = i
	}
	agg := &Aggregate{Input: u, Keys: keys}
	if q.Op == sql.Except {
		t := types.BIGINT()
		agg.Aggs = []AggCall{{Kind: engine.Sum, Arg: n, Type: t, Name: "sum_vcol_marker"}}
	} else {
		t := types.BIGINT().NotNullable()
		agg.Aggs = []AggCall{{Kind: engine.Count, Arg: n, Type: t, Name: "vcol_left_cnt"}, {Kind: engine.Count, Arg: n + 1, Type: t, Name: "vcol_right_cnt"}}
	}
	out := agg.Schema()
	counts := refs(out)[n:]
	lit := func(v int64) Rex {
		return &Literal{Value: v, T: types.BIGINT().NotNullable(), Text: fmt.Sprint(v)}
	}
	var err error
	call := func(name string, args ...Rex) Rex {
		if err != nil {
			return nil
		}
		var x Rex
		x, err = p.call(q.Pos(), name, args...)
		return x
	}
	var cond, copies Rex
	if q.Op == sql.Except {
		cond = call(">", counts[0], lit(0))
		copies = counts[0]
	} else {
		cond = call("AND", call(">=", counts[0], lit(1)), call(">=", counts[1], lit(1)))
		copies = call("IF", call(">", counts[0], counts[1]), counts[1], counts[0])
	}
	if err != nil {
		return nil, err
	}
	kept := &Filter{Input: agg, Cond: cond}
	data := refs(out)[:n]
	counted := &Project{Input: kept, Exprs: append([]Rex{copies}, data...), Names: append([]string{"$f0"}, schema.Names()...)}
	return &Replicate{Input: counted, Count: 0}, nil
}

// Replicate emits each input row as many times as its BIGINT column Count
// says, without that column (engine.Replicate). Row kinds pass through: a
// retraction retracts as many copies.
type Replicate struct {
	Input Node
	Count int
}

func (n *Replicate) Schema() Schema {
	in := n.Input.Schema()
	out := make(Schema, 0, len(in)-1)
	out = append(out, in[:n.Count]...)
	return append(out, in[n.Count+1:]...)
}

func (n *Replicate) Inputs() []Node { return []Node{n.Input} }

func (n *Replicate) WithInputs(in ...Node) Node {
	c := *n
	c.Input = in[0]
	return &c
}

func (n *Replicate) describe() string {
	return fmt.Sprintf("ReplicateRows(copies=[%s], select=[%s])", n.Input.Schema()[n.Count].Name, strings.Join(n.Schema().Names(), ", "))
}

func (n *Replicate) changelogMode() connector.ChangelogMode { return ModeOf(n.Input, true) }

func (n *Replicate) explain(e *explainer) *xnode {
	// Chained onto its input: the same subtasks.
	in := e.node(n.Input)
	return &xnode{text: n.describe(), mode: e.mode(n), par: in.par, ins: []*xnode{in}}
}

func (n *Replicate) translate(t *translator) (*engine.Vertex, error) {
	v, err := t.node(n.Input)
	if err != nil {
		return nil, err
	}
	count := n.Count
	chain(v, func() engine.Operator { return engine.NewReplicate(count) })
	return v, nil
}

// setOpName names q's operator in errors: UNION, EXCEPT ALL, ...
func setOpName(q *sql.SetOp) string {
	if q.All && q.Op != sql.Union {
		return string(q.Op) + " ALL"
	}
	return string(q.Op)
}

// SetOpCommonType is the type a column of type a on one side of a set
// operation and b on the other widen to (the Table API's check).
func SetOpCommonType(a, b types.DataType) (types.DataType, error) { return commonType(a, b) }

// semiAntiSetOp plans INTERSECT and EXCEPT (distinct) as Flink does: the
// left's rows that have (semi) or have not (anti) a right row equal in
// every column, NULLs equal (IS NOT DISTINCT FROM), then distinct. In
// streaming the result then changes only when a row enters or leaves it
// (+I, -D), as Flink's.
func (p *Planner) semiAntiSetOp(q *sql.SetOp, l, r Node) (Node, error) {
	ls, rs := l.Schema(), r.Schema()
	var cond Rex
	for i := range ls {
		eq, err := p.call(q.Pos(), "IS NOT DISTINCT FROM", &InputRef{Index: i, T: ls[i].Type, Name: ls[i].Name},
			&InputRef{Index: len(ls) + i, T: rs[i].Type, Name: rs[i].Name})
		if err != nil {
			return nil, err
		}
		if cond == nil {
			cond = eq
		} else if cond, err = p.call(q.Pos(), "AND", cond, eq); err != nil {
			return nil, err
		}
	}
	typ := engine.LeftSemiJoin
	if q.Op == sql.Except {
		typ = engine.LeftAntiJoin
	}
	return distinctOf(&Join{Left: l, Right: r, Type: typ, Cond: cond}), nil
}
