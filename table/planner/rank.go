package planner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
)

// Rank is Flink's FlinkLogicalRank: ROW_NUMBER() OVER (PARTITION BY Keys
// ORDER BY OrderBy) filtered to the constant range [Start, End]. Dedup
// marks the rank Flink turns into StreamPhysicalDeduplicate: End 1, no row
// number selected and a single time attribute in the ORDER BY. Its output
// is the input's columns, then the row number when RowNumber.
type Rank struct {
	Input      Node
	Keys       []int
	OrderBy    []SortKey
	Start, End int64
	RowNumber  bool
	RNName     string
	Dedup      bool
	// Deduplication: KeepLast is ORDER BY time DESC; RowTime orders by the
	// rowtime column OrderBy[0].Col instead of arrival order. InsertOnly is
	// Flink 2.3's outputInsertOnly of a keep-first deduplication
	// (mini-batch off): each key's first row is emitted once, on rowtime
	// when the watermark reaches it.
	KeepLast, RowTime, InsertOnly bool
	// Window makes the rank Flink's WindowRank (WindowDeduplicate when
	// Dedup): PARTITION BY includes the window_start and window_end
	// columns WinStart and WinEnd of a window table function or window
	// aggregate, and each window's rows are ranked once when it ends.
	// Keys are then the other partition columns; Partition are all of
	// them as written (for the AST).
	Window           *Window
	WinStart, WinEnd int
	Partition        []int
	// Kind is the rank function, RANK or DENSE_RANK ("" is ROW_NUMBER);
	// Batch makes it Flink's BatchPhysicalRank (a local and a global rank,
	// each over a sort), which Flink plans for RANK only.
	Kind  string
	Batch bool
}

func (n *Rank) Schema() Schema {
	s := append(Schema(nil), n.Input.Schema()...)
	if n.RowNumber {
		s = append(s, Field{Name: n.RNName, Type: types.BIGINT().NotNullable()})
	}
	return s
}

func (n *Rank) Inputs() []Node { return []Node{n.Input} }

func (n *Rank) WithInputs(in ...Node) Node {
	c := *n
	c.Input = in[0]
	return &c
}

func (n *Rank) describe() string { return n.text(false) }

// text is the rank as Flink explains it: a deduplication is a Rank in the
// physical plan (asRank; its rowtime ORDER BY column marked ROWTIME) and a
// Deduplicate in the execution plan.
func (n *Rank) text(asRank bool) string {
	in := n.Input.Schema()
	keys := make([]string, len(n.Keys))
	for i, k := range n.Keys {
		keys[i] = in[k].Name
	}
	if n.Window != nil {
		return n.windowText()
	}
	if n.Dedup && !asRank {
		order := "PROCTIME"
		if n.RowTime {
			order = "ROWTIME"
		}
		return fmt.Sprintf("Deduplicate(keep=[%s], key=[%s], order=[%s], outputInsertOnly=[%t])",
			map[bool]string{true: "LastRow", false: "FirstRow"}[n.KeepLast], strings.Join(keys, ", "), order, n.mode().IsInsertOnly())
	}
	strategy := "AppendFastStrategy"
	if !ModeOf(n.Input, true).IsInsertOnly() {
		strategy = "RetractStrategy"
	}
	order := make([]string, len(n.OrderBy))
	for i, k := range n.OrderBy {
		dir := "ASC"
		if k.Desc {
			dir = "DESC"
		}
		order[i] = in[k.Col].Name + " " + dir
		if n.Dedup && n.RowTime {
			order[i] = "ROWTIME " + order[i]
		}
	}
	sel := in.Names()
	if n.RowNumber {
		sel = append(sel, "w0$o0")
	}
	return fmt.Sprintf("Rank(strategy=[%s], rankType=[ROW_NUMBER], rankRange=[rankStart=%d, rankEnd=%d], partitionBy=[%s], orderBy=[%s], select=[%s])",
		strategy, n.Start, n.End, strings.Join(keys, ", "), strings.Join(order, ", "), strings.Join(sel, ", "))
}

// mode is Flink's changelog of a rank: keep-first deduplication on
// processing time only inserts, and so does keep-first on rowtime when it
// emits at the watermark (InsertOnly, Flink 2.3's
// RowTimeDeduplicateKeepFirstRowFunction); the other deduplications
// update a key's row; Top-N inserts, updates and deletes; window ranks
// insert.
func (n *Rank) mode() connector.ChangelogMode {
	in := ModeOf(n.Input, true)
	switch {
	case n.Window != nil:
		return connector.InsertOnly
	case n.Dedup && !n.KeepLast && n.InsertOnly:
		return connector.InsertOnly
	case n.Dedup && !n.KeepLast:
		// With mini-batch Flink declares every change (its rowtime
		// keep-first then updates; on processing time it still only
		// inserts).
		return connector.All
	case n.Dedup && in.IsInsertOnly():
		return connector.KindInsert | connector.KindUpdateBefore | connector.KindUpdateAfter
	}
	return connector.All
}

// uniqueKey is Flink's FlinkRelMdUpsertKeys of a rank: the partition key
// and the row number when it is selected, the partition key alone when
// each partition keeps one row.
func (n *Rank) uniqueKey() []int {
	if len(n.Keys) == 0 || n.Window != nil {
		return nil
	}
	switch {
	case n.RowNumber:
		return append(append([]int(nil), n.Keys...), len(n.Input.Schema()))
	case n.End == 1:
		return append([]int(nil), n.Keys...)
	}
	return nil
}

// bindTopN recognizes Flink's Top-N (and deduplication) form
//
//	SELECT ... FROM (SELECT ..., ROW_NUMBER() OVER (PARTITION BY k ORDER BY
//	c) AS rn FROM t) WHERE rn <= N [AND ...]
//
// as Flink's FlinkLogicalRankRule does: the WHERE conjuncts bounding rn by
// constants make the rank range, the others stay a filter (returned as
// where). ok is false when q is not of this form.
func (p *Planner) bindTopN(q *sql.Select) (n Node, sc *scope, where sql.Expr, ok bool, err error) {
	ref, isSub := q.From.(*sql.SubqueryRef)
	if !isSub || ref.Lateral || q.Where == nil || len(ref.Columns) > 0 {
		return nil, nil, nil, false, nil
	}
	inner, isSel := ref.Query.(*sql.Select)
	if !isSel {
		return nil, nil, nil, false, nil
	}
	rnAt := -1
	var call *sql.FuncCall
	var rnName string
	for i, it := range inner.Items {
		a, isAlias := it.(*sql.AliasExpr)
		if !isAlias {
			continue
		}
		f, isCall := a.Expr.(*sql.FuncCall)
		if !isCall || f.Over == nil || !rankFunctions[strings.ToUpper(f.Name.Unqualified())] {
			continue
		}
		rnAt, call, rnName = i, f, a.Names[0].Name
	}
	if rnAt < 0 {
		return nil, nil, nil, false, nil
	}
	fn := strings.ToUpper(call.Name.Unqualified())
	if !p.Streaming && fn != "RANK" && !windowRanking(call) {
		// Flink's batch planner has no ROW_NUMBER or DENSE_RANK rank: the
		// OVER aggregate computes them and a filter keeps the range. (Over
		// window_start and window_end the OVER aggregate leaves them to
		// this rank, with the same result.)
		return nil, nil, nil, false, nil
	}
	start, end := int64(1), int64(-1)
	bounded := false
	var rest []sql.Expr
	for _, c := range sqlConjuncts(q.Where) {
		lo, hi, isBound, err := p.rankBound(c, rnName)
		if err != nil {
			return nil, nil, nil, false, err
		}
		if !isBound {
			rest = append(rest, c)
			continue
		}
		bounded = true
		start = max(start, lo)
		if hi >= 0 && (end < 0 || hi < end) {
			end = hi
		}
	}
	if !bounded {
		return nil, nil, nil, false, nil
	}
	if end < 0 && !p.Streaming && !windowRanking(call) {
		return nil, nil, nil, false, nil // an OVER aggregate and a filter
	}
	if end < 0 {
		// Flink's message, with how to bound the row number.
		return nil, nil, nil, false, p.ErrAt(q.Where.Pos(), "Rank end is not specified. Currently rank only support TopN, which means the rank end must be specified. (Bound %s with %s <= N, %s < N, %s = N or %s BETWEEN a AND b.)", rnName, rnName, rnName, rnName, rnName)
	}
	if end < start {
		return nil, nil, nil, false, p.ErrAt(q.Where.Pos(), "Top-N: the rank range [%d, %d] of %s is empty", start, end, rnName)
	}
	if call.Over.Frame != nil {
		return nil, nil, nil, false, p.ErrAt(call.Pos(), "%s() takes no window frame", fn)
	}
	if len(call.Args) > 0 {
		return nil, nil, nil, false, p.ErrAt(call.Pos(), "%s() takes no arguments", fn)
	}
	if len(call.Over.OrderBy) == 0 {
		return nil, nil, nil, false, p.ErrAt(call.Pos(), "%s() OVER (...) needs an ORDER BY for Top-N", fn)
	}
	sub := *inner
	sub.Items = append(append([]sql.Expr(nil), inner.Items[:rnAt]...), inner.Items[rnAt+1:]...)
	in, err := p.bindSelect(&sub)
	if err != nil {
		return nil, nil, nil, false, err
	}
	schema := in.Schema()
	column := func(e sql.Expr, clause string) (int, error) {
		if c, isCol := e.(*sql.ColumnRef); isCol {
			name := c.Parts[len(c.Parts)-1].Name
			for i, f := range schema {
				if f.Name == name {
					return i, nil
				}
			}
			for i, f := range schema {
				if strings.EqualFold(f.Name, name) {
					return i, nil
				}
			}
		}
		return 0, p.ErrAt(e.Pos(), "Top-N: %s %s must be a column the subquery selects", clause, e)
	}
	r := &Rank{Input: in, Start: start, End: end, RNName: rnName}
	for _, e := range call.Over.PartitionBy {
		col, err := column(e, "PARTITION BY")
		if err != nil {
			return nil, nil, nil, false, err
		}
		r.Keys = append(r.Keys, col)
	}
	// PARTITION BY window_start, window_end of a window TVF or window
	// aggregate is Flink's window Top-N (WindowRank) or deduplication.
	if roles, w := windowRoles(in); w != nil && p.Streaming {
		ws, we := -1, -1
		var rest []int
		for _, k := range r.Keys {
			switch roles[k] {
			case 1:
				ws = k
			case 2:
				we = k
			default:
				rest = append(rest, k)
			}
		}
		if ws >= 0 && we >= 0 {
			r.Window, r.WinStart, r.WinEnd, r.Partition, r.Keys = w, ws, we, r.Keys, rest
		}
	}
	if !p.Streaming {
		r.Kind, r.Batch = fn, true
	} else if fn != "ROW_NUMBER" {
		if r.Window != nil {
			return nil, nil, nil, false, p.ErrAt(call.Pos(), "%s() function is not supported on Window TopN currently, only ROW_NUMBER() is supported.", fn)
		}
		return nil, nil, nil, false, p.ErrAt(call.Pos(), "%s() on streaming table is not supported currently", fn)
	}
	for _, it := range call.Over.OrderBy {
		col, err := column(it.Expr, "ORDER BY")
		if err != nil {
			return nil, nil, nil, false, err
		}
		nf := engine.DefaultNullsFirst(it.Desc)
		switch it.Nulls {
		case sql.NullsFirst:
			nf = true
		case sql.NullsLast:
			nf = false
		}
		r.OrderBy = append(r.OrderBy, SortKey{Col: col, Desc: it.Desc, NullsFirst: nf})
	}
	// The row number is output when the outer query reads it past the
	// range conditions (Flink's outputRankNumber).
	var uses []sql.Node
	for _, it := range q.Items {
		uses = append(uses, it)
	}
	for _, c := range rest {
		uses = append(uses, c)
	}
	for _, g := range q.GroupBy {
		uses = append(uses, g)
	}
	if q.Having != nil {
		uses = append(uses, q.Having)
	}
	for _, u := range uses {
		sql.Inspect(u, func(x sql.Node) bool {
			switch x := x.(type) {
			case *sql.Star:
				r.RowNumber = true
			case *sql.ColumnRef:
				if strings.EqualFold(x.Parts[len(x.Parts)-1].Name, rnName) {
					r.RowNumber = true
				}
			}
			return true
		})
	}
	// A window rank's row number in a one-rank range is that constant,
	// selected by a projection (Flink's Calc of 1:BIGINT over WindowRank
	// or WindowDeduplicate).
	constRN := (r.Window != nil || r.Batch) && start == end && r.RowNumber
	if constRN {
		r.RowNumber = false
	}
	if start == 1 && end == 1 && !r.RowNumber && len(r.OrderBy) == 1 && !r.Batch {
		if ta := schema[r.OrderBy[0].Col].Type.TimeAttr; ta == types.Rowtime || ta == types.Proctime && r.Window == nil {
			r.Dedup, r.KeepLast, r.RowTime = true, r.OrderBy[0].Desc, ta == types.Rowtime
		}
	}
	if r.Window != nil && r.Window.ProcTime {
		what := map[bool]string{true: "Deduplication", false: "TopN"}[r.Dedup || start == 1 && end == 1 && len(r.OrderBy) == 1 && schema[r.OrderBy[0].Col].Type.TimeAttr == types.Proctime]
		return nil, nil, nil, false, p.ErrAt(call.Pos(), "Processing time Window %s is not supported yet.", what)
	}
	if mode := ModeOf(in, true); !mode.IsInsertOnly() && r.Dedup && (r.RowTime || !r.KeepLast) {
		return nil, nil, nil, false, p.ErrAt(call.Pos(), "deduplication keeping the first row, or ordered by a rowtime, needs an insert-only input; this input is updating (%s)", mode)
	}
	if r.Dedup && !r.KeepLast && r.Window == nil {
		// Flink's RankUtil.outputInsertOnlyInDeduplicate: with mini-batch
		// the rowtime keep-first deduplication updates row by row instead.
		miniBatch, err := p.Config.Bool("table.exec.mini-batch.enabled", false)
		if err != nil {
			return nil, nil, nil, false, p.ErrAt(call.Pos(), "%v", err)
		}
		r.InsertOnly = !miniBatch
	}
	// The subquery's columns keep their order: a row number selected
	// before other columns moves back in place from the rank's last column.
	var out Node = r
	if r.RowNumber || constRN {
		w := len(schema)
		pos := w
		if !hasStar(inner.Items[rnAt+1:]) {
			pos = w - (len(inner.Items) - rnAt - 1)
		} else if !hasStar(inner.Items[:rnAt]) {
			pos = rnAt
		}
		if pos < w || constRN {
			rs := r.Schema()
			var exprs []Rex
			var names []string
			for _, i := range append(append(seq(0, pos), w), seq(pos, w)...) {
				if i == w && constRN {
					exprs = append(exprs, &Literal{Value: start, T: types.BIGINT().NotNullable(), Text: strconv.FormatInt(start, 10)})
					names = append(names, rnName)
					continue
				}
				exprs = append(exprs, &InputRef{Index: i, T: rs[i].Type, Name: rs[i].Name})
				names = append(names, rs[i].Name)
			}
			out = &Project{Input: r, Exprs: exprs, Names: names}
		}
	}
	qual := ""
	if ref.Alias != nil {
		qual = ref.Alias.Name
	}
	for _, c := range rest {
		if where == nil {
			where = c
		} else {
			where = &sql.BinaryExpr{Op: "AND", Left: where, Right: c}
		}
	}
	return out, scopeOf(out, qual), where, true, nil
}

// rankFunctions are the OVER functions a Top-N ranks by.
var rankFunctions = map[string]bool{"ROW_NUMBER": true, "RANK": true, "DENSE_RANK": true}

// windowText is Flink's WindowRank or WindowDeduplicate (the same in the
// physical and the execution plan).
func (n *Rank) windowText() string {
	in := n.Input.Schema()
	names := func(cols []int) string {
		out := make([]string, len(cols))
		for i, c := range cols {
			out[i] = in[c].Name
		}
		return strings.Join(out, ", ")
	}
	win := n.Window.attachedDescribe(in[n.WinStart].Name, in[n.WinEnd].Name)
	if n.Dedup {
		return fmt.Sprintf("WindowDeduplicate(window=[%s], keep=[%s], partitionKeys=[%s], orderKey=[%s], order=[ROWTIME])",
			win, map[bool]string{true: "LastRow", false: "FirstRow"}[n.KeepLast], names(n.Keys), in[n.OrderBy[0].Col].Name)
	}
	order := make([]string, len(n.OrderBy))
	for i, k := range n.OrderBy {
		order[i] = in[k.Col].Name + map[bool]string{true: " DESC", false: " ASC"}[k.Desc]
	}
	sel := in.Names()
	if n.RowNumber {
		sel = append(sel, "w0$o0")
	}
	return fmt.Sprintf("WindowRank(window=[%s], rankType=[ROW_NUMBER], rankRange=[rankStart=%d, rankEnd=%d], partitionBy=[%s], orderBy=[%s], select=[%s])",
		win, n.Start, n.End, names(n.Keys), strings.Join(order, ", "), strings.Join(sel, ", "))
}

// batchText is Flink's BatchPhysicalRank: the global rank (the query's
// range, the rank number when selected) or the local one before the
// exchange (ranks 1..End, no rank number).
func (n *Rank) batchText(global bool) string {
	in := n.Input.Schema()
	names := func(cols []int) string {
		out := make([]string, len(cols))
		for i, c := range cols {
			out[i] = in[c].Name
		}
		return strings.Join(out, ", ")
	}
	order := make([]string, len(n.OrderBy))
	for i, k := range n.OrderBy {
		order[i] = in[k.Col].Name + map[bool]string{true: " DESC", false: " ASC"}[k.Desc]
	}
	sel, start := in.Names(), int64(1)
	if global {
		start = n.Start
		if n.RowNumber {
			sel = append(sel, "w0$o0")
		}
	}
	return fmt.Sprintf("Rank(rankType=[%s], rankRange=[rankStart=%d, rankEnd=%d], partitionBy=[%s], orderBy=[%s], global=[%t], select=[%s])",
		n.Kind, start, n.End, names(n.Keys), strings.Join(order, ", "), global, strings.Join(sel, ", "))
}

// sortText is Flink's Sort below a batch rank: by the partition keys
// ascending, then the ORDER BY.
func (n *Rank) sortText() string {
	in := n.Input.Schema()
	var order []string
	for _, k := range n.Keys {
		order = append(order, in[k].Name+" ASC")
	}
	for _, k := range n.OrderBy {
		order = append(order, in[k.Col].Name+map[bool]string{true: " DESC", false: " ASC"}[k.Desc])
	}
	return "Sort(orderBy=[" + strings.Join(order, ", ") + "])"
}

// batchRankNode explains a batch rank as Flink does: a global rank over a
// sort over the exchange over a local rank over a sort; the execution
// plan adds Flink's forward exchanges between a rank and its sort (none
// above the global sort without partition keys).
func (e *explainer) batchRankNode(n *Rank, in *xnode) *xnode {
	mode := e.mode(n)
	par := e.p.parallelism()
	dist, gp := "hash["+strings.Join(func() []string {
		var out []string
		for _, k := range n.Keys {
			out = append(out, n.Input.Schema()[k].Name)
		}
		return out
	}(), ", ")+"]", par
	if len(n.Keys) == 0 {
		dist, gp = "single", 1
	}
	forward := func(x *xnode) *xnode {
		if e.physical {
			return x
		}
		return &xnode{text: "Exchange(distribution=[forward])", mode: mode, kind: "exchange", ins: []*xnode{x}}
	}
	localSort := &xnode{text: n.sortText(), mode: mode, par: par, ins: []*xnode{in}}
	local := &xnode{text: n.batchText(false), mode: mode, par: par, ins: []*xnode{forward(localSort)}}
	globalSort := &xnode{text: n.sortText(), mode: mode, par: gp, ins: []*xnode{e.exchange(local, dist, mode)}}
	above := globalSort
	if len(n.Keys) > 0 {
		above = forward(globalSort)
	}
	return &xnode{text: n.batchText(true), mode: mode, par: gp, ins: []*xnode{above}}
}

// batchRank translates a batch rank: the local rank chained to the input,
// a hash exchange on the partition key (one subtask without one), the
// global rank.
func (t *translator) batchRank(r *Rank, in *engine.Vertex) (*engine.Vertex, error) {
	kind := map[string]engine.OverRankKind{"ROW_NUMBER": engine.RowNumber, "RANK": engine.RankFunc, "DENSE_RANK": engine.DenseRank}[r.Kind]
	spec := engine.BatchRankSpec{Keys: r.Keys, Kind: kind, RankStart: 1, RankEnd: r.End}
	for _, k := range r.OrderBy {
		spec.OrderBy = append(spec.OrderBy, engine.SortKey{Col: k.Col, Desc: k.Desc, NullsFirst: k.NullsFirst})
	}
	local := spec
	localDesc := r.batchText(false)
	chain(in, func() engine.Operator { return engine.WithName(localDesc, engine.NewBatchRank(local)) })
	par := t.p.parallelism()
	part := engine.Partitioning{Kind: engine.Hash, Keys: r.Keys}
	if len(r.Keys) == 0 {
		par, part = 1, engine.Partitioning{Kind: engine.Global}
	}
	global := spec
	global.RankStart, global.OutputRankNumber, global.Global, global.OutputNames = r.Start, r.RowNumber, true, r.Schema().Names()
	desc := r.batchText(true)
	v := t.vertex("Rank", par, engine.Edge{From: in.ID, Partition: part})
	chain(v, func() engine.Operator { return engine.WithName(desc, engine.NewBatchRank(global)) })
	return v, nil
}

// rankBound reads a conjunct bounding the row number rn by integer
// literals: rn <= N, rn < N, rn = N, rn >= N, rn > N, rn BETWEEN a AND b.
// hi is -1 when there is no upper bound.
func (p *Planner) rankBound(c sql.Expr, rn string) (lo, hi int64, ok bool, err error) {
	isRN := func(e sql.Expr) bool {
		col, isCol := e.(*sql.ColumnRef)
		return isCol && strings.EqualFold(col.Parts[len(col.Parts)-1].Name, rn)
	}
	lit := func(e sql.Expr) (int64, bool) {
		n, isNum := e.(*sql.NumberLit)
		if !isNum || n.Kind != sql.IntegerNumber {
			return 0, false
		}
		v, err := strconv.ParseInt(n.Value, 10, 64)
		return v, err == nil
	}
	switch c := c.(type) {
	case *sql.BinaryExpr:
		if !isRN(c.Left) {
			return 0, 0, false, nil
		}
		v, isLit := lit(c.Right)
		if !isLit {
			return 0, 0, false, nil
		}
		switch c.Op {
		case "<=":
			return 1, v, true, nil
		case "<":
			return 1, v - 1, true, nil
		case "=":
			return v, v, true, nil
		case ">=":
			return v, -1, true, nil
		case ">":
			return v + 1, -1, true, nil
		}
	case *sql.BetweenExpr:
		if c.Not || c.Symmetric || !isRN(c.Expr) {
			return 0, 0, false, nil
		}
		a, okA := lit(c.Low)
		b, okB := lit(c.High)
		if okA && okB {
			return max(a, 1), b, true, nil
		}
	}
	return 0, 0, false, nil
}

// sqlConjuncts splits e at its top-level ANDs.
func sqlConjuncts(e sql.Expr) []sql.Expr {
	if b, ok := e.(*sql.BinaryExpr); ok && strings.EqualFold(b.Op, "AND") {
		return append(sqlConjuncts(b.Left), sqlConjuncts(b.Right)...)
	}
	return []sql.Expr{e}
}

// rank translates a Rank: a hash exchange on the partition key (one
// subtask without one) into the engine's Top-N or deduplication.
func (t *translator) rank(r *Rank) (*engine.Vertex, error) {
	in, err := t.node(r.Input)
	if err != nil {
		return nil, err
	}
	if r.Batch {
		return t.batchRank(r, in)
	}
	par := t.p.parallelism()
	part := engine.Partitioning{Kind: engine.Hash, Keys: r.Keys}
	if len(r.Keys) == 0 {
		par, part = 1, engine.Partitioning{Kind: engine.Global}
	}
	desc := r.describe()
	v := t.vertex(strings.SplitN(desc, "(", 2)[0], par, engine.Edge{From: in.ID, Partition: part})
	updating := !ModeOf(r.Input, true).IsInsertOnly()
	if r.Window != nil {
		spec := engine.WindowRankSpec{Keys: r.Keys, RankStart: r.Start, RankEnd: r.End, OutputRankNumber: r.RowNumber,
			StartCol: r.WinStart, EndCol: r.WinEnd, TiesLast: r.Dedup && r.KeepLast, Window: r.Window.spec(),
			Name: v.Name, OutputNames: r.Schema().Names()}
		for _, k := range r.OrderBy {
			spec.OrderBy = append(spec.OrderBy, engine.SortKey{Col: k.Col, Desc: k.Desc, NullsFirst: k.NullsFirst})
		}
		chain(v, func() engine.Operator { return engine.WithName(desc, engine.NewWindowRank(spec)) })
		return v, nil
	}
	if r.Dedup {
		spec := engine.DedupSpec{Keys: r.Keys, KeepLast: r.KeepLast, RowTime: r.RowTime, TimeCol: r.OrderBy[0].Col,
			GenerateUpdateBefore: !t.noUB[r], GenerateInsert: true, UpdatingInput: updating, InsertOnly: r.InsertOnly}
		chain(v, func() engine.Operator { return engine.WithName(desc, engine.NewDeduplicate(spec)) })
		return v, nil
	}
	spec := engine.RankSpec{Keys: r.Keys, RankStart: r.Start, RankEnd: r.End, OutputRankNumber: r.RowNumber,
		UpdatingInput: updating, GenerateUpdateBefore: !t.noUB[r], OutputNames: r.Schema().Names()}
	for _, k := range r.OrderBy {
		spec.OrderBy = append(spec.OrderBy, engine.SortKey{Col: k.Col, Desc: k.Desc, NullsFirst: k.NullsFirst})
	}
	chain(v, func() engine.Operator { return engine.WithName(desc, engine.NewRank(spec)) })
	return v, nil
}

// ast is the rank as Flink's AST shows the query before its rank rule: a
// filter on the row number over a projection computing it.
func (n *Rank) ast() *xnode {
	in := n.Input.Schema()
	parts := make([]string, 0, len(in)+1)
	for i, f := range in {
		parts = append(parts, fmt.Sprintf("%s=[$%d]", f.Name, i))
	}
	var over []string
	partition := n.Keys
	if n.Window != nil {
		partition = n.Partition
	}
	if len(partition) > 0 {
		keys := make([]string, len(partition))
		for i, k := range partition {
			keys[i] = fmt.Sprintf("$%d", k)
		}
		over = append(over, "PARTITION BY "+strings.Join(keys, ", "))
	}
	order := make([]string, len(n.OrderBy))
	for i, k := range n.OrderBy {
		o := fmt.Sprintf("$%d", k.Col)
		if k.Desc {
			o += " DESC"
		}
		// Calcite always prints the NULL placement here.
		o += map[bool]string{true: " NULLS FIRST", false: " NULLS LAST"}[k.NullsFirst]
		order[i] = o
	}
	over = append(over, "ORDER BY "+strings.Join(order, ", "))
	fn := "ROW_NUMBER"
	if n.Kind != "" {
		fn = n.Kind
	}
	parts = append(parts, n.RNName+"=["+fn+"() OVER ("+strings.Join(over, " ")+")]")
	rn := len(in)
	cond := fmt.Sprintf("<=($%d, %d)", rn, n.End)
	switch {
	case n.Start == n.End:
		cond = fmt.Sprintf("=($%d, %d)", rn, n.End)
	case n.Start > 1:
		cond = fmt.Sprintf("AND(>=($%d, %d), <=($%d, %d))", rn, n.Start, rn, n.End)
	}
	project := &xnode{text: "LogicalProject(" + strings.Join(parts, ", ") + ")", ins: []*xnode{astNode(n.Input)}}
	return &xnode{text: "LogicalFilter(condition=[" + cond + "])", ins: []*xnode{project}}
}

func hasStar(items []sql.Expr) bool {
	for _, it := range items {
		if _, ok := it.(*sql.Star); ok {
			return true
		}
	}
	return false
}

// seq is lo, ..., hi-1.
func seq(lo, hi int) []int {
	var out []int
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}
