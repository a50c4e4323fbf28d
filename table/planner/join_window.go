package planner

import (
	"fmt"
	"strings"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/sql"
)

// WindowJoin is Flink's window join (StreamPhysicalWindowJoin): a
// streaming join of two inputs windowed alike (window table functions, or
// window aggregates over them) whose condition equates their window_start
// and window_end columns. Each window is joined once, when the watermark
// passes its end; the output is insert-only. Cond is the whole condition
// (printed as Flink's where without the window equalities: Rest); the
// window columns are LeftStart/LeftEnd of the left input and
// RightStart/RightEnd of the right.
type WindowJoin struct {
	Left, Right          Node
	Type                 engine.JoinType
	Cond, Rest           Rex
	Window               Window
	LeftStart, LeftEnd   int
	RightStart, RightEnd int
}

func (n *WindowJoin) join() *Join {
	return &Join{Left: n.Left, Right: n.Right, Type: n.Type, Cond: n.Cond}
}

func (n *WindowJoin) Schema() Schema { return n.join().Schema() }

func (n *WindowJoin) Inputs() []Node { return []Node{n.Left, n.Right} }

func (n *WindowJoin) WithInputs(in ...Node) Node {
	c := *n
	c.Left, c.Right = in[0], in[1]
	return &c
}

func (n *WindowJoin) describe() string { return n.join().describe() }

func (n *WindowJoin) changelogMode() connector.ChangelogMode { return connector.InsertOnly }

// text is Flink's WindowJoin line (physical as IntervalJoin.text's).
func (n *WindowJoin) text(physical bool) string {
	j := n.join()
	names := j.joinRowNames()
	ls, rs := n.Left.Schema(), n.Right.Schema()
	where := "true"
	if n.Rest != nil {
		where = condText(renameRefs(n.Rest, names), physical)
	}
	sel := names
	if n.Type.Projects() {
		sel = ls.Names()
	}
	return fmt.Sprintf("WindowJoin(leftWindow=[%s], rightWindow=[%s], joinType=[%s], where=[%s], select=[%s])",
		n.Window.attachedDescribe(ls[n.LeftStart].Name, ls[n.LeftEnd].Name),
		n.Window.attachedDescribe(rs[n.RightStart].Name, rs[n.RightEnd].Name),
		n.Type, where, strings.Join(sel, ", "))
}

func (n *WindowJoin) keys() (lk, rk []int, filterNulls []bool, rest Rex) {
	return splitJoinCond(n.Rest, len(n.Left.Schema()))
}

func (n *WindowJoin) explain(e *explainer) *xnode {
	l, r := e.node(n.Left), e.node(n.Right)
	lk, rk, _, _ := n.keys()
	ldist, rdist, par := keyedDistributions(n.Left.Schema(), n.Right.Schema(), lk, rk, e.p.parallelism())
	return &xnode{text: n.text(e.physical), mode: e.mode(n), par: par, ins: []*xnode{
		e.exchange(l, ldist, e.mode(n.Left)), e.exchange(r, rdist, e.mode(n.Right))}}
}

func (n *WindowJoin) spec() (engine.WindowJoinSpec, error) {
	lk, rk, fn, rest := n.keys()
	js := engine.JoinSpec{Type: n.Type, LeftKeys: lk, RightKeys: rk, FilterNulls: fn, Mode: engine.Streaming,
		Left: arrowSchema(n.Left.Schema()), Right: arrowSchema(n.Right.Schema()), LeftInsertOnly: true, RightInsertOnly: true}
	if rest != nil {
		if hasUDF(rest) {
			return engine.WindowJoinSpec{}, fmt.Errorf("planner: a user-defined function in the condition of a window join is not supported yet")
		}
		var err error
		if js.Cond, err = Compile(rest); err != nil {
			return engine.WindowJoinSpec{}, err
		}
	}
	return engine.WindowJoinSpec{Join: js, LeftEnd: n.LeftEnd, RightEnd: n.RightEnd, Window: n.Window.spec()}, nil
}

func (n *WindowJoin) translate(t *translator) (*engine.Vertex, error) {
	return translateTwoInput(t, n.Left, n.Right, n.text(true), func() (engine.Operator, error) {
		spec, err := n.spec()
		if err != nil {
			return nil, err
		}
		return engine.NewWindowJoin(spec)
	}, n.Rest)
}

// sameWindowing reports whether two windows window alike (Flink compares
// the windowing strategies without the time column).
func sameWindowing(a, b *Window) bool {
	return a.Kind == b.Kind && a.Size == b.Size && a.Slide == b.Slide && a.Step == b.Step && a.Offset == b.Offset &&
		a.ProcTime == b.ProcTime && a.LTZ == b.LTZ
}

// windowJoin is the hook of bindJoin (and of semi and anti joins from
// IN / EXISTS): a streaming join of two windowed inputs whose condition
// equates both window_start and window_end becomes a WindowJoin, as
// Flink's WindowJoinUtil.satisfyWindowJoin.
func (p *Planner) windowJoin(l, r Node, typ engine.JoinType, cond Rex, pos sql.Pos) (Node, bool, error) {
	if !p.Streaming || cond == nil {
		return nil, false, nil
	}
	lroles, lw := windowRoles(l)
	rroles, rw := windowRoles(r)
	if lw == nil || rw == nil {
		return nil, false, nil
	}
	nL := len(l.Schema())
	var ls, le, rs, re = -1, -1, -1, -1
	var rest []Rex
	for _, c := range conjuncts(cond) {
		if a, b, _, ok := equiPair(c, nL); ok && lroles[a] > 0 && lroles[a] == rroles[b-nL] && lroles[a] < 3 {
			if lroles[a] == 1 && ls < 0 {
				ls, rs = a, b-nL
				continue
			}
			if lroles[a] == 2 && le < 0 {
				le, re = a, b-nL
				continue
			}
		}
		rest = append(rest, c)
	}
	// Without both equalities, or over different windowings, Flink plans
	// a regular join (whose result is the same, later).
	if ls < 0 || le < 0 || !sameWindowing(lw, rw) {
		return nil, false, nil
	}
	if lw.ProcTime {
		return nil, false, p.ErrAt(pos, "Processing time Window Join is not supported yet.")
	}
	for _, in := range []Node{l, r} {
		if !ModeOf(in, true).IsInsertOnly() {
			return nil, false, nil
		}
	}
	var restCond Rex
	if len(rest) > 0 {
		restCond = conjoin(rest)
	}
	return &WindowJoin{Left: l, Right: r, Type: typ, Cond: cond, Rest: restCond, Window: *lw,
		LeftStart: ls, LeftEnd: le, RightStart: rs, RightEnd: re}, true, nil
}
