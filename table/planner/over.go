package planner

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// OverAggregate is Flink's OverAggregate: aggregates over one window
//
//	agg(...) OVER (PARTITION BY Keys ORDER BY OrderBy
//	  ROWS|RANGE BETWEEN Preceding PRECEDING AND Following FOLLOWING)
//
// computed for every input row. Its output is the input's columns, then
// one per call, named w<Window>$o<i> as Flink's. Preceding and Following
// are row counts (ROWS) or distances in the order key (RANGE;
// milliseconds when it is a timestamp), engine.Unbounded for UNBOUNDED;
// 0 is CURRENT ROW. A SELECT with calls over several windows (batch only,
// as in Flink) stacks one node per window.
type OverAggregate struct {
	Input                Node
	Keys                 []int
	OrderBy              []SortKey
	Rows                 bool
	Preceding, Following int64
	// Interval is the unit of the day-time interval the RANGE offsets
	// (milliseconds) were written in, "" when they are not intervals.
	Interval string
	Calls    []OverCall
	Window   int
	// Batch: Flink's batch form, over input sorted by the partition and
	// order keys, in EXPLAIN.
	Batch bool
	// Retract: a streaming ROWS frame over an updating input or ordered
	// by columns that are not a time attribute (engine.NewOverRetract;
	// Flink refuses both, FLINK-19059): it emits updates.
	Retract bool
}

// OverCall is one function over the window: an aggregate (Kind, Arg,
// Distinct) or a ranking function (Rank set; in streaming Flink's count
// of the frame's rows).
type OverCall struct {
	AggCall
	Rank engine.OverFuncKind
	// Sum0 is SUM shown as Flink's $SUM0 (0 for no rows; the CASE over
	// the count around it gives NULL then, as the engine's SUM does).
	Sum0 bool
	// LEAD and LAG: the offset and the default (a one-row array, nil for
	// NULL) and its SQL text.
	Offset      int64
	Default     arrow.Array
	DefaultText string
}

func (c OverCall) text(in Schema) string {
	switch c.Rank {
	case engine.RowNumber:
		return "ROW_NUMBER(*)"
	case engine.RankFunc:
		return "RANK(*)"
	case engine.DenseRank:
		return "DENSE_RANK(*)"
	case engine.Lag, engine.Lead:
		args := fmt.Sprintf("%s, %d", in[c.Arg].Name, c.Offset)
		if c.Default != nil {
			args += ", " + c.DefaultText
		}
		return map[engine.OverFuncKind]string{engine.Lag: "LAG", engine.Lead: "LEAD"}[c.Rank] + "(" + args + ")"
	case engine.FirstValue:
		return "FIRST_VALUE(" + in[c.Arg].Name + ")"
	case engine.LastValue:
		return "LAST_VALUE(" + in[c.Arg].Name + ")"
	}
	if c.Kind == engine.CountStar {
		return "COUNT(*)"
	}
	if c.Kind == engine.UserDefined {
		return c.callText(in)
	}
	arg := in[c.Arg].Name
	if c.Sum0 {
		return "$SUM0(" + arg + ")"
	}
	if c.Distinct {
		arg = "DISTINCT " + arg
	}
	return c.Kind.String() + "(" + arg + ")"
}

func (n *OverAggregate) Schema() Schema {
	s := append(Schema(nil), n.Input.Schema()...)
	for _, c := range n.Calls {
		s = append(s, Field{Name: c.Name, Type: c.Type})
	}
	return s
}

func (n *OverAggregate) Inputs() []Node { return []Node{n.Input} }

func (n *OverAggregate) WithInputs(in ...Node) Node {
	c := *n
	c.Input = in[0]
	return &c
}

// frame is the window frame as Flink prints it: "ROWS BETWEEN 1 PRECEDING
// AND CURRENT ROW", RANGE offsets of an interval in milliseconds.
func (n *OverAggregate) frame() string {
	unit := "RANGE"
	if n.Rows {
		unit = "ROWS"
	}
	bound := func(v int64, dir string) string {
		switch {
		case v == engine.Unbounded:
			return "UNBOUNDED " + dir
		case v == 0:
			return "CURRENT ROW"
		}
		return fmt.Sprintf("%d %s", v, dir)
	}
	return unit + " BETWEEN " + bound(n.Preceding, "PRECEDING") + " AND " + bound(n.Following, "FOLLOWING")
}

func (n *OverAggregate) describe() string {
	if n.Batch {
		return batchOverText([]*OverAggregate{n})
	}
	in := n.Input.Schema()
	var parts []string
	if len(n.Keys) > 0 {
		keys := make([]string, len(n.Keys))
		for i, k := range n.Keys {
			keys[i] = in[k].Name
		}
		parts = append(parts, "partitionBy=["+strings.Join(keys, ", ")+"]")
	}
	order := make([]string, len(n.OrderBy))
	for i, k := range n.OrderBy {
		order[i] = in[k.Col].Name + map[bool]string{false: " ASC", true: " DESC"}[k.Desc]
	}
	if len(order) > 0 {
		parts = append(parts, "orderBy=["+strings.Join(order, ", ")+"]")
	}
	// Flink's window text starts with a space (its empty window name).
	parts = append(parts, "window=[ "+n.frame()+"]")
	sel := in.Names()
	for _, c := range n.Calls {
		sel = append(sel, c.text(in)+" AS "+c.Name)
	}
	parts = append(parts, "select=["+strings.Join(sel, ", ")+"]")
	if n.Retract {
		parts = append(parts, "retract=[true]")
	}
	return overName(n) + "(" + strings.Join(parts, ", ") + ")"
}

// batchOverText is Flink's batch OverAggregate of windows over one
// partitioning and order (stacked nodes, innermost first): each window's
// calls and frame, their names in the select.
func batchOverText(ws []*OverAggregate) string {
	n := ws[0]
	in := n.Input.Schema()
	var parts []string
	if len(n.Keys) > 0 {
		keys := make([]string, len(n.Keys))
		for i, k := range n.Keys {
			keys[i] = in[k].Name
		}
		parts = append(parts, "partitionBy=["+strings.Join(keys, ", ")+"]")
	}
	if len(n.OrderBy) > 0 {
		order := make([]string, len(n.OrderBy))
		for i, k := range n.OrderBy {
			order[i] = in[k.Col].Name + map[bool]string{false: " ASC", true: " DESC"}[k.Desc]
		}
		parts = append(parts, "orderBy=["+strings.Join(order, ", ")+"]")
	}
	sel := in.Names()
	for i, w := range ws {
		win := w.Input.Schema()
		calls := make([]string, len(w.Calls))
		for j, c := range w.Calls {
			calls[j] = c.text(win) + " AS " + c.Name
			sel = append(sel, c.Name)
		}
		parts = append(parts, fmt.Sprintf("window#%d=[%s %s]", i, strings.Join(calls, ", "), w.frame()))
	}
	parts = append(parts, "select=["+strings.Join(sel, ", ")+"]")
	return overName(ws...) + "(" + strings.Join(parts, ", ") + ")"
}

// overName is Flink's node name: PythonOverAggregate with a Python
// aggregate function.
func overName(ws ...*OverAggregate) string {
	for _, w := range ws {
		for _, c := range w.Calls {
			if c.Kind == engine.UserDefined {
				return "PythonOverAggregate"
			}
		}
	}
	return "OverAggregate"
}

// samePartitioning: o's windows and n's are over the same partition keys
// and order (n stacked on o), one node in Flink's batch plan.
func (n *OverAggregate) samePartitioning(o *OverAggregate) bool {
	return slices.Equal(n.Keys, o.Keys) && slices.Equal(n.OrderBy, o.OrderBy)
}

// sortText is the Sort Flink's batch plan puts under the node: by the
// partition keys, then the order keys.
func (n *OverAggregate) sortText() string {
	in := n.Input.Schema()
	var keys []string
	for _, k := range n.Keys {
		keys = append(keys, in[k].Name+" ASC")
	}
	for _, k := range n.OrderBy {
		dir := " ASC"
		if k.Desc {
			dir = " DESC"
		}
		keys = append(keys, in[k.Col].Name+dir)
	}
	if len(keys) == 0 {
		return ""
	}
	return "Sort(orderBy=[" + strings.Join(keys, ", ") + "])"
}

// ast is a bare node (no projection above it) as Calcite's AST shows
// the calls: a LogicalProject of the input's columns and each call
// inline.
func (n *OverAggregate) ast() *xnode {
	in := n.Input.Schema()
	cols := make([]string, len(in))
	parts := make([]string, 0, len(in)+len(n.Calls))
	for i, f := range in {
		cols[i] = fmt.Sprintf("$%d", i)
		parts = append(parts, fmt.Sprintf("%s=[$%d]", f.Name, i))
	}
	win := n.astWindow(cols)
	for _, c := range n.Calls {
		parts = append(parts, c.Name+"=["+c.astCall(cols)+" OVER ("+win+")]")
	}
	return &xnode{text: "LogicalProject(" + strings.Join(parts, ", ") + ")", ins: []*xnode{astNode(n.Input)}}
}

// astCall is the call as the AST writes it, cols the columns'
// expressions: COUNT() for COUNT(*), ROW_NUMBER(), LAG($2, 1).
func (c OverCall) astCall(cols []string) string {
	fn, arg := c.Kind.String(), ""
	switch {
	case c.Rank == engine.Lag || c.Rank == engine.Lead || c.Rank == engine.FirstValue || c.Rank == engine.LastValue:
		fn = strings.SplitN(c.text(overASTSchema(cols)), "(", 2)[0]
		arg = cols[c.Arg]
		if c.Rank == engine.Lag || c.Rank == engine.Lead {
			arg += fmt.Sprintf(", %d", c.Offset)
			if c.Default != nil {
				arg += ", " + c.DefaultText
			}
		}
	case c.Rank != engine.NoRank:
		fn = strings.TrimSuffix(c.text(nil), "(*)")
	case c.Kind == engine.CountStar:
		fn = "COUNT"
	case c.Kind == engine.UserDefined:
		fn = c.UserName
		args := make([]string, len(c.Args))
		for i, a := range c.Args {
			args[i] = cols[a]
		}
		arg = strings.Join(args, ", ")
	case c.Sum0:
		fn, arg = "$SUM0", cols[c.Arg]
	default:
		arg = cols[c.Arg]
		if c.Distinct {
			arg = "DISTINCT " + arg
		}
	}
	return fn + "(" + arg + ")"
}

// overAST is a projection over OVER aggregates as Calcite's AST shows the
// select list before its ProjectToWindowRule: one LogicalProject over the
// windows' input, each call inline (COUNT($2) OVER (PARTITION BY $1
// ORDER BY $0 NULLS FIRST ROWS 1 PRECEDING)). ok is false for any other
// projection.
func overAST(p *Project) (*xnode, bool) {
	var overs []*OverAggregate
	n := p.Input
	for {
		o, ok := n.(*OverAggregate)
		if !ok {
			break
		}
		overs = append([]*OverAggregate{o}, overs...)
		n = o.Input
	}
	pre, ok := n.(*Project)
	if len(overs) == 0 || !ok {
		return nil, false
	}
	cols := make([]string, 0, len(p.Input.Schema()))
	for _, e := range pre.Exprs {
		cols = append(cols, rexAST(e))
	}
	for _, o := range overs {
		win := o.astWindow(cols)
		for _, c := range o.Calls {
			cols = append(cols, c.astCall(cols)+" OVER ("+win+")")
		}
	}
	parts := make([]string, len(p.Exprs))
	for i, e := range p.Exprs {
		parts[i] = p.Names[i] + "=[" + rexWith(e, cols) + "]"
	}
	return &xnode{text: "LogicalProject(" + strings.Join(parts, ", ") + ")", ins: []*xnode{astNode(pre.Input)}}, true
}

// astWindow is the window as Calcite's RexOver prints it, cols the
// columns' expressions: the frame only when it is not the default
// (RANGE UNBOUNDED PRECEDING to CURRENT ROW under an ORDER BY, the whole
// partition without one, a ranking function's), "ROWS 1 PRECEDING" for
// one that ends at the current row.
func (n *OverAggregate) astWindow(cols []string) string {
	var w []string
	if len(n.Keys) > 0 {
		keys := make([]string, len(n.Keys))
		for i, k := range n.Keys {
			keys[i] = cols[k]
		}
		w = append(w, "PARTITION BY "+strings.Join(keys, ", "))
	}
	if len(n.OrderBy) > 0 {
		order := make([]string, len(n.OrderBy))
		for i, k := range n.OrderBy {
			o := cols[k.Col]
			if k.Desc {
				o += " DESC"
			}
			order[i] = o + map[bool]string{true: " NULLS FIRST", false: " NULLS LAST"}[k.NullsFirst]
		}
		w = append(w, "ORDER BY "+strings.Join(order, ", "))
	}
	ranking := len(n.Calls) > 0 && n.Calls[0].Rank != engine.NoRank
	def := n.Preceding == engine.Unbounded && (n.Following == 0 && len(n.OrderBy) > 0 && (!n.Rows || ranking) ||
		n.Following == engine.Unbounded && len(n.OrderBy) == 0)
	if !def {
		unit := "RANGE"
		if n.Rows {
			unit = "ROWS"
		}
		bound := func(v int64, dir string) string {
			switch {
			case v == engine.Unbounded:
				return "UNBOUNDED " + dir
			case v == 0:
				return "CURRENT ROW"
			case n.Interval != "":
				return fmt.Sprintf("%d:INTERVAL %s %s", v, n.Interval, dir)
			}
			return fmt.Sprintf("%d %s", v, dir)
		}
		if n.Following == 0 {
			w = append(w, unit+" "+bound(n.Preceding, "PRECEDING"))
		} else {
			w = append(w, unit+" BETWEEN "+bound(n.Preceding, "PRECEDING")+" AND "+bound(n.Following, "FOLLOWING"))
		}
	}
	return strings.Join(w, " ")
}

// overASTSchema names columns by their AST text, for OverCall.text.
func overASTSchema(cols []string) Schema {
	s := make(Schema, len(cols))
	for i, c := range cols {
		s[i] = Field{Name: c}
	}
	return s
}

// rexWith is rexAST with input column i written as cols[i].
func rexWith(r Rex, cols []string) string {
	switch x := r.(type) {
	case *InputRef:
		return cols[x.Index]
	case *CallRex:
		args := make([]string, len(x.Args))
		for i, a := range x.Args {
			args[i] = rexWith(a, cols)
		}
		return x.Name + "(" + strings.Join(args, ", ") + ")"
	case *CastRex:
		fn := "CAST"
		if x.Try {
			fn = "TRY_CAST"
		}
		return fmt.Sprintf("%s(%s AS %s)", fn, rexWith(x.Arg, cols), x.T.Nullable())
	case *UDFRex:
		args := make([]string, len(x.Args))
		for i, a := range x.Args {
			args[i] = rexWith(a, cols)
		}
		return x.Name + "(" + strings.Join(args, ", ") + ")"
	}
	return rexAST(r)
}

// explain is the node in the physical and execution plans: the exchange
// on the partition keys (one partition without keys) under it.
func (e *explainer) over(n *OverAggregate) *xnode {
	chain := []*OverAggregate{n}
	for n.Batch {
		inner, ok := n.Input.(*OverAggregate)
		if !ok || !chain[0].samePartitioning(inner) {
			break
		}
		chain = append([]*OverAggregate{inner}, chain...)
		n = inner
	}
	in := e.node(n.Input)
	keys := make([]string, len(n.Keys))
	for i, k := range n.Keys {
		keys[i] = n.Input.Schema()[k].Name
	}
	dist, par := "hash["+strings.Join(keys, ", ")+"]", e.p.parallelism()
	if len(n.Keys) == 0 {
		dist, par = "single", 1
	}
	below := e.exchange(in, dist, e.mode(n.Input))
	if s := n.sortText(); n.Batch && s != "" {
		// The engine sorts each partition inside the operator; Flink
		// sorts before it (and forwards in its execution plan).
		below = &xnode{text: s, mode: e.mode(n.Input), par: par, ins: []*xnode{below}}
		if !e.physical {
			below = e.exchange(below, "forward", e.mode(n.Input))
		}
	}
	return &xnode{text: batchOverTextOr(chain), mode: e.mode(chain[len(chain)-1]), par: par, ins: []*xnode{below}}
}

func batchOverTextOr(chain []*OverAggregate) string {
	if chain[0].Batch {
		return batchOverText(chain)
	}
	return chain[0].describe()
}

// over translates the node into the engine's OVER aggregate behind a hash
// exchange on the partition keys.
func (t *translator) over(n *OverAggregate) (*engine.Vertex, error) {
	in, err := t.node(n.Input)
	if err != nil {
		return nil, err
	}
	par := t.p.parallelism()
	part := engine.Partitioning{Kind: engine.Hash, Keys: n.Keys}
	if len(n.Keys) == 0 {
		par, part = 1, engine.Partitioning{Kind: engine.Global}
	}
	desc := n.describe()
	var v *engine.Vertex
	if inner, ok := n.Input.(*OverAggregate); ok && slices.Equal(inner.Keys, n.Keys) {
		// Partitioned alike: the window runs after the one below, with no
		// exchange between.
		v = in
	} else {
		v = t.vertex("OverAggregate", par, engine.Edge{From: in.ID, Partition: part})
	}
	spec := engine.OverAggSpec{PartitionKeys: n.Keys, Rows: n.Rows, Preceding: n.Preceding, Following: n.Following,
		Batch: !t.p.Streaming, TimeCol: -1, OutputNames: n.Schema().Names()}
	inSchema := n.Input.Schema()
	switch {
	case n.Retract:
		for _, k := range n.OrderBy {
			spec.OrderBy = append(spec.OrderBy, engine.SortKey{Col: k.Col, Desc: k.Desc, NullsFirst: k.NullsFirst})
		}
	case t.p.Streaming:
		col := n.OrderBy[0].Col
		if inSchema[col].Type.TimeAttr == types.Proctime {
			spec.ProcTime = true
		} else {
			spec.TimeCol = col
		}
	case !n.Rows && (n.Preceding != engine.Unbounded || n.Following > 0):
		// A RANGE frame with an offset: the engine measures it on its
		// time column, the only (ascending) order key.
		spec.TimeCol = n.OrderBy[0].Col
	default:
		for _, k := range n.OrderBy {
			spec.OrderBy = append(spec.OrderBy, engine.SortKey{Col: k.Col, Desc: k.Desc, NullsFirst: k.NullsFirst})
		}
	}
	for _, c := range n.Calls {
		if c.Rank != engine.NoRank && t.p.Streaming {
			// Flink's streaming ranking functions see no order key: each
			// counts the rows of its frame (ROWS for ROW_NUMBER, RANGE with
			// peers for RANK and DENSE_RANK), as COUNT(*).
			spec.Aggs = append(spec.Aggs, engine.AggCall{Func: engine.CountStar, Arg: -1, Result: c.Type.Arrow()})
			continue
		}
		if c.Rank != engine.NoRank {
			spec.Funcs = append(spec.Funcs, engine.OverFunc{Kind: c.Rank, Pos: len(spec.Aggs) + len(spec.Funcs), Arg: c.Arg, Offset: c.Offset, Default: c.Default})
			continue
		}
		spec.Aggs = append(spec.Aggs, c.engineCall())
	}
	if n.Retract {
		chain(v, func() engine.Operator { return engine.WithName(desc, engine.NewOverRetract(spec)) })
		return v, nil
	}
	chain(v, func() engine.Operator { return engine.WithName(desc, engine.NewOverAggregate(spec)) })
	return v, nil
}

// overWindow is one distinct window of a SELECT's OVER calls, bound over
// the input.
type overWindow struct {
	key                  string
	pos                  sql.Pos
	keys                 []Rex
	order                []Rex
	orderBy              []SortKey // Col indexes order
	rows                 bool
	preceding, following int64
	interval             string
	retract              bool // see OverAggregate.Retract
	calls                []*sql.FuncCall
	bound                []boundOverCall
}

// boundOverCall is one OVER call of the query as the functions the window
// computes (parts, with their arguments over the input, nil for none) and
// combine, the call's value over their columns: SUM is Flink's
// CASE(COUNT(x) > 0, $SUM0(x), NULL), AVG that divided by the count.
type boundOverCall struct {
	parts []OverCall
	args  []Rex
	// userArgs are the arguments of a user-defined aggregate part.
	userArgs [][]Rex
	combine  func(cols []Rex) (Rex, error)
}

// overCalls lists the OVER calls of a select list, in order (a Top-N's
// row number was taken out by bindTopN before; ranking functions
// partitioned by a window's window_start and window_end are window Top-N
// and deduplication, rank.go's).
func (p *Planner) overCalls(q *sql.Select) []*sql.FuncCall {
	var out []*sql.FuncCall
	for _, it := range q.Items {
		sql.Inspect(it, func(x sql.Node) bool {
			if f, ok := x.(*sql.FuncCall); ok && (f.Over != nil || f.OverName != nil) {
				out = append(out, f)
				return false
			}
			if _, ok := x.(sql.Query); ok {
				return false // a subquery's own OVER calls
			}
			return true
		})
	}
	return out
}

// overRankKinds are the ranking functions over windows.
var overRankKinds = map[string]engine.OverFuncKind{"ROW_NUMBER": engine.RowNumber, "RANK": engine.RankFunc, "DENSE_RANK": engine.DenseRank}

// bindOver plans the OVER calls of a select list (Flink's
// ProjectToWindowRule): a projection of the columns read and of computed
// partition keys, order keys and arguments, an OverAggregate per window,
// and a scope in which the select list reads the calls' columns.
func (p *Planner) bindOver(q *sql.Select, calls []*sql.FuncCall, in Node, sc *scope) (Node, *scope, error) {
	var windows []*overWindow
	updating := p.Streaming && !ModeOf(in, true).IsInsertOnly()
	for _, f := range calls {
		w, err := p.bindOverWindow(q, f, sc, updating)
		if err != nil {
			return nil, nil, err
		}
		var same *overWindow
		for _, o := range windows {
			if o.key == w.key {
				same = o
			}
		}
		if same == nil {
			if p.Streaming && len(windows) > 0 {
				return nil, nil, p.ErrAt(f.Pos(), "Over Agg: Unsupported use of OVER windows. All aggregates must be computed on the same window. please re-check the over window statement.")
			}
			windows = append(windows, w)
			same = w
		}
		same.calls = append(same.calls, f)
	}
	inSchema := in.Schema()
	if updating && !windows[0].retract {
		node, m := updatingProducer(in)
		var kinds []string
		if m.Contains(connector.KindUpdateAfter) || m.Contains(connector.KindUpdateBefore) {
			kinds = append(kinds, "update")
		}
		if m.Contains(connector.KindDelete) {
			kinds = append(kinds, "delete")
		}
		return nil, nil, p.ErrAt(calls[0].Pos(), "StreamPhysicalOverAggregate doesn't support consuming %s changes which is produced by node %s", strings.Join(kinds, " and "), node.describe())
	}
	// The columns the query reads, in input order, then computed keys and
	// arguments: the projection under the windows.
	used := map[int]bool{}
	if sc.agg != nil {
		// Over a GROUP BY: every column stays where the aggregate scope
		// finds it.
		for i := range sc.cols {
			used[i] = true
		}
	}
	for _, it := range q.Items {
		if st, ok := it.(*sql.Star); ok { // not COUNT(*)'s
			for i, c := range sc.cols {
				if len(st.Qualifier) == 0 || c.qual == st.Qualifier[len(st.Qualifier)-1].Name {
					used[i] = true
				}
			}
			continue
		}
		sql.Inspect(it, func(x sql.Node) bool {
			if c, ok := x.(*sql.ColumnRef); ok {
				if r, err := p.bindColumn(c, sc); err == nil {
					refs(r, used)
				}
			}
			return true
		})
	}
	for _, w := range windows {
		for _, f := range w.calls {
			b, err := p.bindOverCall(f, w, sc)
			if err != nil {
				return nil, nil, err
			}
			w.bound = append(w.bound, b)
			for _, a := range b.args {
				if a != nil {
					refs(a, used)
				}
			}
		}
		for _, rs := range [][]Rex{w.keys, w.order} {
			for _, r := range rs {
				refs(r, used)
			}
		}
	}
	var pre []Rex
	var preNames []string
	pos := map[int]int{}
	out := &scope{agg: sc.agg, over: map[*sql.FuncCall]Rex{}}
	for i, f := range inSchema {
		if used[i] {
			pos[i] = len(pre)
			pre = append(pre, &InputRef{Index: i, T: f.Type, Name: f.Name})
			preNames = append(preNames, f.Name)
			out.cols = append(out.cols, sc.cols[i])
		}
	}
	extra := map[string]int{}
	column := func(r Rex) int {
		if ref, ok := r.(*InputRef); ok {
			return pos[ref.Index]
		}
		k := identityKey(r)
		if i, ok := extra[k]; ok {
			return i
		}
		extra[k] = len(pre)
		pre = append(pre, r)
		preNames = append(preNames, fmt.Sprintf("$%d", len(pre)-1))
		return len(pre) - 1
	}
	type planned struct {
		keys  []int
		order []SortKey
		calls [][]OverCall // per query call, its parts
	}
	plans := make([]planned, len(windows))
	for wi, w := range windows {
		pl := &plans[wi]
		// Computed arguments first, then keys, as Calcite's
		// ProjectToWindowRule numbers them.
		for _, b := range w.bound {
			parts := make([]OverCall, len(b.parts))
			for i, c := range b.parts {
				if b.args[i] != nil {
					c.Arg = column(b.args[i])
				}
				if c.Kind == engine.UserDefined {
					c.Args = nil
					for _, a := range b.userArgs[i] {
						c.Args = append(c.Args, column(a))
					}
				}
				parts[i] = c
			}
			pl.calls = append(pl.calls, parts)
		}
		for _, k := range w.keys {
			pl.keys = append(pl.keys, column(k))
		}
		for i, o := range w.order {
			k := w.orderBy[i]
			k.Col = column(o)
			pl.order = append(pl.order, k)
		}
	}
	var n Node = &Project{Input: in, Exprs: pre, Names: uniqueNames(preNames)}
	for wi, w := range windows {
		pl := plans[wi]
		node := &OverAggregate{Input: n, Keys: pl.keys, OrderBy: pl.order, Rows: w.rows, Preceding: w.preceding,
			Following: w.following, Interval: w.interval, Window: wi, Batch: !p.Streaming, Retract: w.retract}
		width := len(n.Schema())
		// Equal functions over one window share a column.
		seen := map[string]int{}
		for i, parts := range pl.calls {
			cols := make([]Rex, len(parts))
			for pi, c := range parts {
				key := fmt.Sprintf("%d|%d|%t|%t|%d|%d|%s|%p|%v", c.Kind, c.Rank, c.Sum0, c.Distinct, c.Arg, c.Offset, c.DefaultText, c.User, c.Args)
				j, ok := seen[key]
				if !ok {
					j = len(node.Calls)
					seen[key] = j
					c.Name = fmt.Sprintf("w%d$o%d", wi, j)
					node.Calls = append(node.Calls, c)
				}
				cols[pi] = &InputRef{Index: width + j, T: node.Calls[j].Type, Name: node.Calls[j].Name}
			}
			x, err := w.bound[i].combine(cols)
			if err != nil {
				return nil, nil, err
			}
			out.over[w.calls[i]] = x
		}
		n = node
	}
	return n, out, nil
}

// bindOverWindow binds the window of call f (inline or named in the
// WINDOW clause) over the input scope, checking it as Flink does.
func (p *Planner) bindOverWindow(q *sql.Select, f *sql.FuncCall, sc *scope, updating bool) (*overWindow, error) {
	spec := f.Over
	if spec == nil {
		for _, w := range q.Windows {
			if w.Name.Name == f.OverName.Name {
				spec = w.Spec
			}
		}
		if spec == nil {
			return nil, p.ErrAt(f.OverName.Pos(), "Window '%s' not found", f.OverName.Name)
		}
	}
	w := &overWindow{pos: spec.Start}
	var key strings.Builder
	for _, e := range spec.PartitionBy {
		x, err := p.bindExpr(e, sc)
		if err != nil {
			return nil, err
		}
		w.keys = append(w.keys, x)
		key.WriteString("P" + identityKey(x) + ";")
	}
	for _, it := range spec.OrderBy {
		x, err := p.bindExpr(it.Expr, sc)
		if err != nil {
			return nil, err
		}
		nf := engine.DefaultNullsFirst(it.Desc)
		switch it.Nulls {
		case sql.NullsFirst:
			nf = true
		case sql.NullsLast:
			nf = false
		}
		w.order = append(w.order, x)
		w.orderBy = append(w.orderBy, SortKey{Desc: it.Desc, NullsFirst: nf})
		fmt.Fprintf(&key, "O%s %t %t;", identityKey(x), it.Desc, nf)
	}
	_, ranking := overRankKinds[strings.ToUpper(f.Name.Unqualified())]
	if ranking && len(spec.OrderBy) == 0 {
		return nil, p.ErrAt(f.Pos(), "Over Agg: The window rank function requires order by clause with non-constant fields. please re-check the over window statement.")
	}
	// Frames: Calcite's defaults: RANGE UNBOUNDED PRECEDING AND CURRENT
	// ROW under an ORDER BY, the whole partition without one; ranking
	// functions take none and count rows.
	w.preceding, w.following = engine.Unbounded, 0
	if len(spec.OrderBy) == 0 {
		w.following = engine.Unbounded
	}
	if fr := spec.Frame; fr != nil {
		if ranking {
			return nil, p.ErrAt(fr.Pos(), "ROW/RANGE not allowed with RANK, DENSE_RANK or ROW_NUMBER functions")
		}
		w.rows = fr.Unit == "ROWS"
		to := fr.To
		if to == nil {
			to = &sql.FrameBound{Start: fr.Start, Kind: sql.CurrentRow}
		}
		var err error
		if w.preceding, err = p.frameBound(fr.From, w, true); err != nil {
			return nil, err
		}
		if w.following, err = p.frameBound(to, w, false); err != nil {
			return nil, err
		}
	}
	if ranking {
		// Calcite's frames: ROW_NUMBER counts rows, RANK and DENSE_RANK
		// treat peers alike.
		w.rows = strings.EqualFold(f.Name.Unqualified(), "ROW_NUMBER")
		w.preceding, w.following = engine.Unbounded, 0
	}
	fmt.Fprintf(&key, "F%t %d %d", w.rows, w.preceding, w.following)
	w.key = key.String()
	if p.Streaming && !ranking && w.rows && w.following == 0 && len(w.order) > 0 && (updating || !orderedByRowtime(w)) && !orderedByProctime(w) {
		// A ROWS frame Flink's OVER cannot compute: the retracting one
		// can (any order keys, ties in arrival order).
		w.retract = true
		w.key += " retract"
	} else if p.Streaming {
		if err := p.checkStreamingWindow(f, spec, w); err != nil {
			return nil, err
		}
	} else if !w.rows && (w.preceding != engine.Unbounded || w.following > 0) {
		if err := p.checkRangeOffset(spec, w); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// frameBound reads a frame bound as a count (ROWS) or order key distance
// (RANGE): preceding bounds as PRECEDING, the frame end as FOLLOWING.
func (p *Planner) frameBound(b *sql.FrameBound, w *overWindow, start bool) (int64, error) {
	switch b.Kind {
	case sql.UnboundedPreceding:
		if !start {
			return 0, p.ErrAt(b.Pos(), "UNBOUNDED PRECEDING cannot end a window frame")
		}
		return engine.Unbounded, nil
	case sql.UnboundedFollowing:
		if start {
			return 0, p.ErrAt(b.Pos(), "UNBOUNDED FOLLOWING cannot start a window frame")
		}
		return engine.Unbounded, nil
	case sql.CurrentRow:
		return 0, nil
	}
	if (b.Kind == sql.Preceding) != start {
		return 0, p.ErrAt(b.Pos(), "a window frame from n PRECEDING to CURRENT ROW or n FOLLOWING is supported; this frame is not supported yet")
	}
	if w.rows {
		return p.constInt(b.Offset, "ROWS "+map[bool]string{true: "PRECEDING", false: "FOLLOWING"}[start])
	}
	// RANGE: an interval on a timestamp order key, a number on a numeric.
	if len(w.order) != 1 {
		return 0, p.ErrAt(b.Pos(), "RANGE clause cannot be used with compound ORDER BY clause")
	}
	ot := w.order[0].Type()
	if _, isInterval := b.Offset.(*sql.IntervalLit); isInterval {
		if ot.Kind != types.Timestamp && ot.Kind != types.TimestampLTZ {
			return 0, p.ErrAt(b.Offset.Pos(), "Data Type mismatch between ORDER BY and RANGE clause")
		}
		d, err := p.windowInterval(b.Offset, "OVER", "RANGE offset")
		if err != nil {
			return 0, err
		}
		lit := b.Offset.(*sql.IntervalLit)
		w.interval = lit.Qualifier.From
		if lit.Qualifier.To != "" {
			w.interval += " TO " + lit.Qualifier.To
		}
		return d.Milliseconds(), nil
	}
	if !ot.IsIntegral() {
		if ot.IsNumeric() {
			return 0, p.ErrAt(b.Offset.Pos(), "RANGE offsets on a %s order key are not supported yet", ot)
		}
		return 0, p.ErrAt(b.Offset.Pos(), "Data Type mismatch between ORDER BY and RANGE clause")
	}
	return p.constInt(b.Offset, "RANGE "+map[bool]string{true: "PRECEDING", false: "FOLLOWING"}[start])
}

// orderedByRowtime: the window is ordered by one ascending time
// attribute, as Flink's streaming OVER.
func orderedByRowtime(w *overWindow) bool {
	if len(w.order) != 1 || w.orderBy[0].Desc || !w.order[0].Type().IsTimeAttr() {
		return false
	}
	_, ok := w.order[0].(*InputRef)
	return ok
}

// orderedByProctime: an order key is a processing time attribute, whose
// value is no order for rows kept and retracted.
func orderedByProctime(w *overWindow) bool {
	for _, o := range w.order {
		if o.Type().TimeAttr == types.Proctime {
			return true
		}
	}
	return false
}

// checkStreamingWindow applies Flink's StreamExecOverAggregate rules: one
// ascending time attribute orders the window, which ends at the current
// row.
func (p *Planner) checkStreamingWindow(f *sql.FuncCall, spec *sql.WindowSpec, w *overWindow) error {
	if len(w.order) != 1 {
		return p.ErrAt(spec.Start, "The window can only be ordered by a single time column.")
	}
	if w.orderBy[0].Desc {
		return p.ErrAt(spec.OrderBy[0].Pos(), "The window can only be ordered in ASCENDING mode.")
	}
	if w.following != 0 {
		return p.ErrAt(spec.Frame.Pos(), "OVER RANGE FOLLOWING windows are not supported yet.")
	}
	if !w.order[0].Type().IsTimeAttr() {
		if w.preceding != engine.Unbounded {
			return p.ErrAt(spec.OrderBy[0].Pos(), "Non-time attribute sort is not supported for bounded OVER window.")
		}
		return p.ErrAt(spec.OrderBy[0].Pos(), "OVER windows ordered by a column that is not a time attribute are not supported yet in streaming mode")
	}
	if _, ok := w.order[0].(*InputRef); !ok {
		return p.ErrAt(spec.OrderBy[0].Pos(), "OVER windows' ordering in stream mode must be defined on a time attribute.")
	}
	return nil
}

// checkRangeOffset: the engine measures a batch RANGE offset on one
// ascending BIGINT or millisecond timestamp order key (narrower integers
// are widened by the projection under the window).
func (p *Planner) checkRangeOffset(spec *sql.WindowSpec, w *overWindow) error {
	if w.orderBy[0].Desc {
		return p.ErrAt(spec.OrderBy[0].Pos(), "RANGE frames with an offset over a descending order are not supported yet")
	}
	t := w.order[0].Type()
	switch {
	case t.Kind == types.BigInt:
	case t.IsIntegral():
		bt := types.BIGINT()
		bt.NotNull = t.NotNull
		w.order[0] = &CastRex{Arg: w.order[0], T: bt}
	case t.Kind == types.Timestamp || t.Kind == types.TimestampLTZ:
		if ts, ok := t.Arrow().(*arrow.TimestampType); !ok || ts.Unit != arrow.Millisecond {
			return p.ErrAt(spec.OrderBy[0].Pos(), "RANGE frames with an offset over %s are not supported yet (TIMESTAMP(3) is)", t)
		}
	default:
		return p.ErrAt(spec.OrderBy[0].Pos(), "RANGE frames with an offset over %s are not supported yet", t)
	}
	return nil
}

// bindOverCall binds one call over its window: an aggregate as GROUP BY's
// (SUM and AVG of numbers as Flink's AggregateReduceFunctionsRule makes
// them: COUNT and $SUM0), or a ranking function.
func (p *Planner) bindOverCall(f *sql.FuncCall, w *overWindow, sc *scope) (boundOverCall, error) {
	one := func(c OverCall, arg Rex) boundOverCall {
		return boundOverCall{parts: []OverCall{c}, args: []Rex{arg}, combine: func(cols []Rex) (Rex, error) { return cols[0], nil }}
	}
	name := strings.ToUpper(f.Name.Unqualified())
	if rk, ok := overRankKinds[name]; ok && p.Catalog.SystemFunction(f.Name.Unqualified()) == nil {
		if len(f.Args) > 0 {
			return boundOverCall{}, p.ErrAt(f.Pos(), "%s() takes no arguments", name)
		}
		return one(OverCall{AggCall: AggCall{Kind: engine.CountStar, Arg: -1, Type: types.BIGINT().NotNullable()}, Rank: rk}, nil), nil
	}
	if vk, ok := overValueKinds[name]; ok && p.Catalog.SystemFunction(f.Name.Unqualified()) == nil {
		// Streaming, Flink computes FIRST_VALUE/LAST_VALUE over a window
		// as the aggregates (FirstValueAggFunction, ...), which Sluice has.
		if !p.Streaming || (vk != engine.FirstValue && vk != engine.LastValue) {
			return p.bindOverValue(f, vk, sc)
		}
	}
	if f.Filter != nil {
		return boundOverCall{}, p.ErrAt(f.Pos(), "OVER must be applied to aggregate function")
	}
	if fn := p.resolveFunction(f); userAggregate(fn) != nil {
		c, args, err := p.bindUserAggCall(f, fn, sc)
		if err != nil {
			return boundOverCall{}, err
		}
		return boundOverCall{parts: []OverCall{{AggCall: c}}, args: []Rex{nil}, userArgs: [][]Rex{args},
			combine: func(cols []Rex) (Rex, error) { return cols[0], nil }}, nil
	}
	g, ok := p.isAggCall(&sql.FuncCall{Name: f.Name, Args: f.Args, Distinct: f.Distinct})
	if !ok || g == nil {
		return boundOverCall{}, p.ErrAt(f.Pos(), "%s is not supported over a window (COUNT, SUM, AVG, MIN, MAX, ROW_NUMBER, RANK and DENSE_RANK are)", f.Name.Unqualified())
	}
	if f.Distinct && !p.Streaming {
		return boundOverCall{}, p.ErrAt(f.Pos(), "Distinct not supported in Windowing function!")
	}
	var c AggCall
	var arg Rex
	var err error
	if _, star := g.Args[0].(*sql.Star); sc.agg != nil && len(g.Args) == 1 && !star {
		// Over a GROUP BY the argument may be an aggregate (SUM(COUNT(*))
		// OVER ()): it is bound in the aggregate's scope, the call typed
		// over a column of its type.
		if arg, err = p.bindExpr(g.Args[0], sc); err != nil {
			return boundOverCall{}, err
		}
		const col = "$over_arg"
		typed := *g
		typed.Args = []sql.Expr{&sql.ColumnRef{Parts: []*sql.Ident{{Start: g.Args[0].Pos(), Name: col}}}}
		c, _, err = p.bindBuiltinAggCall(&typed, &scope{cols: []scopeCol{{name: col, typ: arg.Type()}}})
	} else {
		c, arg, err = p.bindBuiltinAggCall(g, sc)
	}
	if err != nil {
		return boundOverCall{}, err
	}
	at := Rex(nil)
	if arg != nil {
		at = arg
	}
	// Calcite reduces SUM (and AVG) of a nullable argument only.
	reduce := !c.Distinct && at != nil && !at.Type().NotNull &&
		(c.Kind == engine.Sum || c.Kind == engine.Avg && (at.Type().IsIntegral() || at.Type().Kind == types.Float || at.Type().Kind == types.Double))
	if !reduce {
		return one(OverCall{AggCall: c}, arg), nil
	}
	sumType := c.Type
	if c.Kind == engine.Avg {
		st, err := types.FromArrow(engine.DefaultAggResultType(engine.Sum, at.Type().Arrow()))
		if err != nil {
			return boundOverCall{}, p.ErrAt(f.Pos(), "%s: %v", name, err)
		}
		sumType = st
	}
	count := OverCall{AggCall: AggCall{Kind: engine.Count, Arg: -1, Type: types.BIGINT().NotNullable()}}
	sum0 := OverCall{AggCall: AggCall{Kind: engine.Sum, Arg: -1, Type: sumType}, Sum0: true}
	avg, avgType := c.Kind == engine.Avg, c.Type
	pos := f.Pos()
	return boundOverCall{parts: []OverCall{count, sum0}, args: []Rex{arg, arg}, combine: func(cols []Rex) (Rex, error) {
		positive, err := p.call(pos, ">", cols[0], &Literal{Value: int64(0), T: types.BIGINT().NotNullable(), Text: "0"})
		if err != nil {
			return nil, err
		}
		null := &Literal{T: sumType.Nullable(), Text: "null:" + calciteType(sumType)}
		sum, err := p.call(pos, "CASE", positive, cols[1], null)
		if err != nil || !avg {
			return sum, err
		}
		q, err := p.call(pos, "/", sum, cols[0])
		if err != nil {
			return nil, err
		}
		return &CastRex{Arg: q, T: avgType.Nullable()}, nil
	}}, nil
}

// overValueKinds are the value functions over windows (batch).
var overValueKinds = map[string]engine.OverFuncKind{"LAG": engine.Lag, "LEAD": engine.Lead, "FIRST_VALUE": engine.FirstValue, "LAST_VALUE": engine.LastValue}

// bindOverValue binds LAG/LEAD(x [, offset [, default]]) and
// FIRST_VALUE/LAST_VALUE(x) over a batch window.
func (p *Planner) bindOverValue(f *sql.FuncCall, kind engine.OverFuncKind, sc *scope) (boundOverCall, error) {
	name := strings.ToUpper(f.Name.Unqualified())
	if p.Streaming {
		return boundOverCall{}, p.ErrAt(f.Pos(), "%s over a window is not supported yet in streaming mode", name)
	}
	maxArgs := 1
	if kind == engine.Lag || kind == engine.Lead {
		maxArgs = 3
	}
	if len(f.Args) < 1 || len(f.Args) > maxArgs || f.Distinct || f.Filter != nil {
		return boundOverCall{}, p.ErrAt(f.Pos(), "%s takes %s", name, map[bool]string{true: "a value, an optional offset and an optional default", false: "one value"}[maxArgs == 3])
	}
	arg, err := p.bindExpr(f.Args[0], sc)
	if err != nil {
		return boundOverCall{}, err
	}
	t := arg.Type().Nullable().Materialized()
	c := OverCall{AggCall: AggCall{Kind: engine.CountStar, Arg: -1, Type: t}, Rank: kind, Offset: 1}
	if len(f.Args) > 1 {
		if c.Offset, err = p.constInt(f.Args[1], name+" offset"); err != nil {
			return boundOverCall{}, err
		}
	}
	if len(f.Args) > 2 {
		d, err := p.bindExpr(f.Args[2], sc)
		if err != nil {
			return boundOverCall{}, err
		}
		if d.Type().Kind != types.Null {
			d = foldCall(castTo(d, t))
			lit, ok := d.(*Literal)
			if !ok {
				return boundOverCall{}, p.ErrAt(f.Args[2].Pos(), "%s: the default must be a constant", name)
			}
			if c.Default, err = constArray(lit, t); err != nil {
				return boundOverCall{}, p.ErrAt(f.Args[2].Pos(), "%s: %v", name, err)
			}
			c.DefaultText = f.Args[2].String()
		}
	}
	return boundOverCall{parts: []OverCall{c}, args: []Rex{arg}, combine: func(cols []Rex) (Rex, error) { return cols[0], nil }}, nil
}

// constArray evaluates a constant into a one-row array of type t.
func constArray(lit *Literal, t types.DataType) (arrow.Array, error) {
	e, err := Compile(&CastRex{Arg: lit, T: t})
	if err != nil {
		return nil, err
	}
	empty := array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 1)
	defer empty.Release()
	return e.Eval(vectorized.NewEvalContext(context.Background()), empty)
}

// calciteType is a type as Calcite prints it in a typed literal
// (null:INTEGER).
func calciteType(t types.DataType) string {
	if t.Kind == types.Int {
		return "INTEGER"
	}
	return t.Nullable().String()
}

// noOverIn rejects an OVER call in a WHERE, GROUP BY or HAVING clause, as
// Calcite's validator.
func (p *Planner) noOverIn(e sql.Expr, clause string) error {
	var err error
	sql.Inspect(e, func(x sql.Node) bool {
		if f, ok := x.(*sql.FuncCall); ok && (f.Over != nil || f.OverName != nil) && err == nil {
			err = p.ErrAt(f.Pos(), "Windowed aggregate expression is illegal in %s clause", clause)
		}
		_, sub := x.(sql.Query)
		return err == nil && !sub
	})
	return err
}

// updatingProducer is the node whose updates reach an OVER aggregate, in
// Flink's words: the lowest node of in producing updates or deletes.
func updatingProducer(in Node) (Node, connector.ChangelogMode) {
	m := ModeOf(in, true)
	for _, c := range in.Inputs() {
		if cm := ModeOf(c, true); !cm.IsInsertOnly() {
			return updatingProducer(c)
		}
	}
	return in, m
}
