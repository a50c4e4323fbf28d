package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
)

// IntervalJoin is Flink's interval join (StreamPhysicalIntervalJoin): a
// streaming join whose condition bounds the left time attribute by the
// right one, l.t BETWEEN r.t + LeftLower AND r.t + LeftUpper (ms), both
// rowtime or both proctime. Cond is the whole condition (printed); Rest is
// it without the two time predicates (the equi-keys and the remainder the
// runtime tests). Unlike a regular join the output is insert-only and
// keeps the time attributes of both sides.
type IntervalJoin struct {
	Left, Right          Node
	Type                 engine.JoinType
	Cond, Rest           Rex
	ProcTime             bool
	LeftLower, LeftUpper int64
	LeftTime, RightTime  int
}

func (n *IntervalJoin) join() *Join {
	return &Join{Left: n.Left, Right: n.Right, Type: n.Type, Cond: n.Cond}
}

// Schema is the regular join's with the time attributes kept.
func (n *IntervalJoin) Schema() Schema {
	out := n.join().Schema()
	in := append(append(Schema(nil), n.Left.Schema()...), n.Right.Schema()...)
	for i := range out {
		out[i].Type.TimeAttr = in[i].Type.TimeAttr
	}
	return out
}

func (n *IntervalJoin) Inputs() []Node { return []Node{n.Left, n.Right} }

func (n *IntervalJoin) WithInputs(in ...Node) Node {
	c := *n
	c.Left, c.Right = in[0], in[1]
	return &c
}

func (n *IntervalJoin) describe() string { return n.join().describe() }

func (n *IntervalJoin) changelogMode() connector.ChangelogMode { return connector.InsertOnly }

// text is Flink's IntervalJoin line, in the physical plan's form or the
// execution plan's.
func (n *IntervalJoin) text(physical bool) string {
	j := n.join()
	names := j.joinRowNames()
	cond := condText(renameRefs(n.Cond, names), physical)
	return fmt.Sprintf("IntervalJoin(joinType=[%s], windowBounds=[isRowTime=%t, leftLowerBound=%d, leftUpperBound=%d, leftTimeIndex=%d, rightTimeIndex=%d], where=[%s], select=[%s])",
		n.Type, !n.ProcTime, n.LeftLower, n.LeftUpper, n.LeftTime, n.RightTime, cond, strings.Join(names, ", "))
}

func (n *IntervalJoin) keys() (lk, rk []int, filterNulls []bool, rest Rex) {
	return splitJoinCond(n.Rest, len(n.Left.Schema()))
}

func (n *IntervalJoin) explain(e *explainer) *xnode {
	l, r := e.node(n.Left), e.node(n.Right)
	lk, rk, _, _ := n.keys()
	ldist, rdist, par := keyedDistributions(n.Left.Schema(), n.Right.Schema(), lk, rk, e.p.parallelism())
	return &xnode{text: n.text(e.physical), mode: e.mode(n), par: par, ins: []*xnode{
		e.exchange(l, ldist, e.mode(n.Left)), e.exchange(r, rdist, e.mode(n.Right))}}
}

// condText renders a condition as Flink's plans do: its conjuncts under
// one AND, prefix in the physical plan (AND(a, b, c)), infix in the
// execution plan ((a AND b AND c)).
func condText(cond Rex, physical bool) string {
	one := func(r Rex) string {
		if physical {
			return rexPrefix(r, true)
		}
		return r.String()
	}
	cs := conjuncts(cond)
	if len(cs) < 3 {
		return one(cond)
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = one(c)
	}
	if physical {
		return "AND(" + strings.Join(parts, ", ") + ")"
	}
	return "(" + strings.Join(parts, " AND ") + ")"
}

// keyedDistributions are the exchanges of a keyed two-input operator:
// hash on the keys, or everything to one subtask without keys.
func keyedDistributions(ls, rs Schema, lk, rk []int, par int) (string, string, int) {
	if len(lk) == 0 {
		return "single", "single", 1
	}
	ln, rn := make([]string, len(lk)), make([]string, len(rk))
	for i := range lk {
		ln[i], rn[i] = ls[lk[i]].Name, rs[rk[i]].Name
	}
	return "hash[" + strings.Join(ln, ", ") + "]", "hash[" + strings.Join(rn, ", ") + "]", par
}

func (n *IntervalJoin) spec() (engine.IntervalJoinSpec, error) {
	lk, rk, fn, rest := n.keys()
	js := engine.JoinSpec{Type: n.Type, LeftKeys: lk, RightKeys: rk, FilterNulls: fn, Mode: engine.Streaming,
		Left: arrowSchema(n.Left.Schema()), Right: arrowSchema(n.Right.Schema()), LeftInsertOnly: true, RightInsertOnly: true}
	if rest != nil {
		if hasUDF(rest) {
			return engine.IntervalJoinSpec{}, fmt.Errorf("planner: a user-defined function in the condition of an interval join is not supported yet")
		}
		var err error
		if js.Cond, err = Compile(rest); err != nil {
			return engine.IntervalJoinSpec{}, err
		}
	}
	return engine.IntervalJoinSpec{Join: js, LeftTimeCol: n.LeftTime, RightTimeCol: n.RightTime, ProcTime: n.ProcTime,
		LeftLowerBound: n.LeftLower, LeftUpperBound: n.LeftUpper}, nil
}

func (n *IntervalJoin) translate(t *translator) (*engine.Vertex, error) {
	return translateTwoInput(t, n.Left, n.Right, n.text(true), func() (engine.Operator, error) {
		spec, err := n.spec()
		if err != nil {
			return nil, err
		}
		return engine.NewIntervalJoin(spec)
	}, n.Rest)
}

// translateTwoInput builds the vertex of a keyed two-input operator over
// left and right, routed by the equi-keys of cond (all to one subtask
// without keys); mk is checked once here, then called per subtask.
func translateTwoInput(t *translator, left, right Node, name string, mk func() (engine.Operator, error), cond Rex) (*engine.Vertex, error) {
	lv, err := t.node(left)
	if err != nil {
		return nil, err
	}
	rv, err := t.node(right)
	if err != nil {
		return nil, err
	}
	if _, err := mk(); err != nil {
		return nil, err
	}
	lk, rk, _, _ := splitJoinCond(cond, len(left.Schema()))
	par := t.p.parallelism()
	lp := engine.Partitioning{Kind: engine.Hash, Keys: lk}
	rp := engine.Partitioning{Kind: engine.Hash, Keys: rk}
	if len(lk) == 0 {
		par, lp, rp = 1, engine.Partitioning{Kind: engine.Global}, engine.Partitioning{Kind: engine.Global}
	}
	v := t.vertex(strings.SplitN(name, "(", 2)[0], par, engine.Edge{From: lv.ID, Partition: lp}, engine.Edge{From: rv.ID, Partition: rp})
	chain(v, func() engine.Operator {
		op, err := mk()
		if err != nil {
			panic(err) // checked above with the same spec
		}
		return engine.WithName(name, op)
	})
	return v, nil
}

// timePred is one comparison of a left and a right time attribute
// (Flink's IntervalJoinUtil.TimePredicate).
type timePred struct {
	op         string // >, >=, <, <=, =
	leftOnLeft bool   // the left input's attribute is in the first operand
	leftIdx    int    // in the left input
	rightIdx   int    // in the right input
	proc       bool
	args       [2]Rex
}

// intervalBounds finds the window bounds of cond over a join row whose
// first nLeft columns are the left input's, as Flink's
// extractWindowBoundsFromPredicate: exactly two range comparisons of a
// left and a right time attribute of one kind (or one equality), their
// other terms constant. ok is false when cond is no interval condition;
// rest is cond without the time predicates.
func intervalBounds(cond Rex, row Schema, nLeft int) (lower, upper int64, lt, rt int, proc bool, rest Rex, ok bool) {
	if cond == nil {
		return
	}
	var preds []timePred
	var others []Rex
	for _, c := range conjuncts(cond) {
		// Flink sees BETWEEN as the two comparisons Calcite expands it to.
		if call, isCall := c.(*CallRex); isCall && call.Name == "BETWEEN" && len(call.Args) == 3 {
			lo := &CallRex{Name: ">=", Args: []Rex{call.Args[0], call.Args[1]}, T: call.T}
			hi := &CallRex{Name: "<=", Args: []Rex{call.Args[0], call.Args[2]}, T: call.T}
			p1, ok1 := identifyTimePred(lo, row, nLeft)
			p2, ok2 := identifyTimePred(hi, row, nLeft)
			if ok1 && ok2 {
				preds = append(preds, p1, p2)
				continue
			}
		}
		if p, isTime := identifyTimePred(c, row, nLeft); isTime {
			preds = append(preds, p)
			continue
		}
		others = append(others, c)
	}
	switch {
	case len(preds) == 1 && preds[0].op == "=":
	case len(preds) == 2 && preds[0].op != "=" && preds[1].op != "=":
	default:
		return
	}
	type bound struct {
		v     int64
		lower bool
	}
	var bs []bound
	for _, p := range preds {
		var isLower bool
		switch p.op {
		case ">", ">=":
			isLower = p.leftOnLeft
		case "<", "<=":
			isLower = !p.leftOnLeft
		default:
			isLower = true
		}
		a, aok := timeOffset(p.args[0], row)
		b, bok := timeOffset(p.args[1], row)
		if !aok || !bok {
			return
		}
		off := b - a
		if !p.leftOnLeft {
			off = a - b
		}
		switch {
		case p.op == "<" && p.leftOnLeft, p.op == ">" && !p.leftOnLeft:
			off--
		case p.op == ">" && p.leftOnLeft, p.op == "<" && !p.leftOnLeft:
			off++
		}
		bs = append(bs, bound{off, isLower})
	}
	switch {
	case len(bs) == 1:
		lower, upper = bs[0].v, bs[0].v
	case bs[0].lower && !bs[1].lower:
		lower, upper = bs[0].v, bs[1].v
	case !bs[0].lower && bs[1].lower:
		lower, upper = bs[1].v, bs[0].v
	default:
		return
	}
	if len(others) > 0 {
		rest = conjoin(others)
	}
	return lower, upper, preds[0].leftIdx, preds[0].rightIdx, preds[0].proc, rest, true
}

// identifyTimePred is Flink's identifyTimePredicate: a comparison whose
// operands read time attributes only, one of each input, of one kind.
func identifyTimePred(c Rex, row Schema, nLeft int) (timePred, bool) {
	call, ok := c.(*CallRex)
	if !ok || len(call.Args) != 2 {
		return timePred{}, false
	}
	switch call.Name {
	case ">", ">=", "<", "<=", "=":
	default:
		return timePred{}, false
	}
	var acc [2][]int
	for i, a := range call.Args {
		nonTime := false
		walkRex(a, func(x Rex) {
			if ref, ok := x.(*InputRef); ok {
				if ref.Index >= len(row) || !row[ref.Index].Type.IsTimeAttr() {
					nonTime = true
				}
				acc[i] = append(acc[i], ref.Index)
			}
		})
		if nonTime || len(acc[i]) != 1 {
			return timePred{}, false
		}
	}
	a, b := acc[0][0], acc[1][0]
	if (a < nLeft) == (b < nLeft) || row[a].Type.TimeAttr != row[b].Type.TimeAttr {
		return timePred{}, false
	}
	p := timePred{op: call.Name, leftOnLeft: a < nLeft, proc: row[a].Type.TimeAttr == types.Proctime, args: [2]Rex{call.Args[0], call.Args[1]}}
	if p.leftOnLeft {
		p.leftIdx, p.rightIdx = a, b-nLeft
	} else {
		p.leftIdx, p.rightIdx = b, a-nLeft
	}
	return p, true
}

// timeOffset reduces an operand of a time predicate to milliseconds with
// its time attribute read as 0 (Flink's reduceTimeExpression): the
// attribute, interval literals, + and -, and casts of them.
func timeOffset(r Rex, row Schema) (int64, bool) {
	switch x := r.(type) {
	case *InputRef:
		return 0, x.Index < len(row) && row[x.Index].Type.IsTimeAttr()
	case *Literal:
		d, ok := x.Value.(time.Duration)
		return d.Milliseconds(), ok
	case *CallRex:
		switch {
		case (x.Name == "+" || x.Name == "-") && len(x.Args) == 2:
			a, aok := timeOffset(x.Args[0], row)
			b, bok := timeOffset(x.Args[1], row)
			if x.Name == "-" {
				b = -b
			}
			return a + b, aok && bok
		case x.Name == "-" && len(x.Args) == 1:
			a, ok := timeOffset(x.Args[0], row)
			return -a, ok
		case x.Name == "CAST" && len(x.Args) == 1:
			return timeOffset(x.Args[0], row)
		}
	}
	return 0, false
}

// intervalJoin is bindJoin's hook: a streaming INNER/LEFT/RIGHT/FULL join
// whose ON condition bounds the two time attributes becomes an
// IntervalJoin (keys pushed below as the regular join's).
func (p *Planner) intervalJoin(l, r Node, typ engine.JoinType, cond Rex, pos sql.Pos) (Node, bool, error) {
	if !p.Streaming || typ.Projects() || cond == nil {
		return nil, false, nil
	}
	row := append(append(Schema(nil), l.Schema()...), r.Schema()...)
	if _, _, _, _, _, _, ok := intervalBounds(cond, row, len(l.Schema())); !ok {
		return nil, false, nil
	}
	for _, in := range []Node{l, r} {
		if !ModeOf(in, true).IsInsertOnly() {
			return nil, false, p.ErrAt(pos, "StreamPhysicalIntervalJoin doesn't support consuming update and delete changes which is produced by node %s", strings.SplitN(in.describe(), "(", 2)[0])
		}
	}
	n := makeJoin(l, r, typ, expandBetween(cond))
	var proj *Project
	if pr, ok := n.(*Project); ok {
		proj, n = pr, pr.Input
	}
	ij, ok := IntervalJoinOf(n.(*Join))
	if !ok {
		return nil, false, nil
	}
	if proj == nil {
		return ij, true, nil
	}
	// The projection dropping pushed key columns reads the time
	// attributes the interval join keeps.
	s := ij.Schema()
	exprs := make([]Rex, len(proj.Exprs))
	for i, e := range proj.Exprs {
		ref := *e.(*InputRef)
		ref.T = s[ref.Index].Type
		exprs[i] = &ref
	}
	return &Project{Input: ij, Exprs: exprs, Names: proj.Names}, true, nil
}

// IntervalJoinOf is j as an interval join when its condition bounds the
// two inputs' time attributes (keys already plain column pairs, as
// makeJoin leaves them). bindJoin's hook covers JOIN ... ON; a streaming
// rule may offer it the joins a WHERE condition was pushed into
// (FROM a, b WHERE ...), which Flink plans as interval joins too.
func IntervalJoinOf(j *Join) (*IntervalJoin, bool) {
	if j.Type.Projects() || j.Cond == nil {
		return nil, false
	}
	cond := expandBetween(j.Cond)
	row := append(append(Schema(nil), j.Left.Schema()...), j.Right.Schema()...)
	lower, upper, lt, rt, proc, rest, ok := intervalBounds(cond, row, len(j.Left.Schema()))
	if !ok {
		return nil, false
	}
	return &IntervalJoin{Left: j.Left, Right: j.Right, Type: j.Type, Cond: cond, Rest: rest, ProcTime: proc,
		LeftLower: lower, LeftUpper: upper, LeftTime: lt, RightTime: rt}, true
}

// expandBetween rewrites the BETWEEN conjuncts of cond into the two
// comparisons Calcite expands them to (Flink prints the condition so).
func expandBetween(cond Rex) Rex {
	var out []Rex
	for _, c := range conjuncts(cond) {
		if call, ok := c.(*CallRex); ok && call.Name == "BETWEEN" && len(call.Args) == 3 {
			out = append(out, &CallRex{Name: ">=", Args: []Rex{call.Args[0], call.Args[1]}, T: call.T},
				&CallRex{Name: "<=", Args: []Rex{call.Args[0], call.Args[2]}, T: call.T})
			continue
		}
		out = append(out, c)
	}
	return conjoin(out)
}
