package planner

import (
	"fmt"
	"math/bits"
	"sort"
	"strings"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
)

// GROUPING SETS, ROLLUP and CUBE are planned as Flink 2.3 plans them.
// The binder makes a GroupingAggregate (Calcite's Aggregate with
// groupSets, shown so in the AST); the first optimizer rule decomposes it
// as Flink's DecomposeGroupingSetsRule does: an Expand that emits each row
// once per grouping set, the keys outside the set NULL and the set's
// expand id in a BIGINT column $e; one ordinary Aggregate grouped by the
// keys and $e; a projection that drops $e and computes GROUPING(...),
// GROUPING_ID(...) (CASE over $e) and GROUP_ID(). A grouping set listed n
// times is Calcite's union of n aggregates, the i-th over the sets listed
// more than i times, GROUP_ID() = i.

// The grouping functions, aggregate calls in Calcite's plan.
const (
	fnGrouping   = "GROUPING"
	fnGroupingID = "GROUPING_ID"
	fnGroupID    = "GROUP_ID"
)

// maxGroupingSets bounds what CUBE and products of grouping sets expand
// to: every input row is copied once per set.
const maxGroupingSets = 4096

// groupingCall reports whether e calls GROUPING, GROUPING_ID or GROUP_ID.
// GROUPING is a reserved word, always the built-in; a temporary system
// function may shadow the others, as it shadows built-in aggregates.
func (p *Planner) groupingCall(e sql.Expr) (*sql.FuncCall, string, bool) {
	f, ok := e.(*sql.FuncCall)
	if !ok || f.Over != nil || f.OverName != nil || len(f.Name.Parts) != 1 {
		return nil, "", false
	}
	name := strings.ToUpper(f.Name.Unqualified())
	switch name {
	case fnGrouping:
	case fnGroupingID, fnGroupID:
		if p.Catalog.SystemFunction(f.Name.Unqualified()) != nil {
			return nil, "", false
		}
	default:
		return nil, "", false
	}
	return f, name, true
}

// checkGroupingArity checks a grouping function's arguments as Calcite's
// operand checkers do.
func (p *Planner) checkGroupingArity(f *sql.FuncCall, name string) error {
	want := 1
	if name == fnGroupID {
		want = 0
	}
	if name == fnGroupID && len(f.Args) != 0 || name != fnGroupID && len(f.Args) == 0 {
		return p.ErrAt(f.Pos(), "Invalid number of arguments to function '%s'. Was expecting %d arguments", name, want)
	}
	for _, a := range f.Args {
		if _, star := a.(*sql.Star); star {
			return p.ErrAt(a.Pos(), "Argument to %s operator must be a grouped expression", name)
		}
	}
	return nil
}

// bindGroupingFunc binds a grouping function call: in the scope of a
// grouping aggregate, the column it was registered as; anywhere else an
// error. ok is false when e is no grouping function.
func (p *Planner) bindGroupingFunc(e sql.Expr, sc *scope) (Rex, bool, error) {
	f, name, ok := p.groupingCall(e)
	if !ok {
		return nil, false, nil
	}
	if err := p.checkGroupingArity(f, name); err != nil {
		return nil, true, err
	}
	if sc.agg == nil {
		return nil, true, p.ErrAt(f.Pos(), "%s operator may only occur in an aggregate query", name)
	}
	if i, ok := sc.agg.aggs[f.String()]; ok {
		return &InputRef{Index: i, T: sc.agg.types[i], Name: sc.cols[i].name}, true, nil
	}
	return nil, true, p.ErrAt(f.Pos(), "%s is not supported in this aggregate yet", name)
}

// rejectGroupingFuncs rejects grouping functions in a clause other than
// SELECT, HAVING and ORDER BY (Calcite's check).
func (p *Planner) rejectGroupingFuncs(e sql.Expr) error {
	var err error
	sql.Inspect(e, func(x sql.Node) bool {
		if ex, ok := x.(sql.Expr); ok && err == nil {
			if f, name, ok := p.groupingCall(ex); ok {
				err = p.ErrAt(f.Pos(), "%s operator may only occur in SELECT, HAVING or ORDER BY clause", name)
			}
		}
		return err == nil
	})
	return err
}

// usesGroupingSets reports whether q's GROUP BY needs grouping sets: a
// GROUPING SETS, ROLLUP, CUBE or parenthesised list, or a grouping
// function in the select list or HAVING.
func (p *Planner) usesGroupingSets(q *sql.Select) bool {
	for _, g := range q.GroupBy {
		switch g.(type) {
		case *sql.GroupingSets, *sql.Rollup, *sql.Cube, *sql.GroupList:
			return true
		}
	}
	found := false
	for _, root := range append(append([]sql.Expr(nil), q.Items...), q.Having) {
		if root == nil {
			continue
		}
		sql.Inspect(root, func(x sql.Node) bool {
			if e, ok := x.(sql.Expr); ok && !found {
				_, _, found = p.groupingCall(e)
			}
			return !found
		})
	}
	return found
}

// groupSet is a grouping set: bit i is grouping key i.
type groupSet uint64

func (s groupSet) has(i int) bool { return s&(1<<i) != 0 }

func (s groupSet) String() string {
	var parts []string
	for i := 0; i < 64; i++ {
		if s.has(i) {
			parts = append(parts, fmt.Sprint(i))
		}
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// lessGroupSet is Calcite's ImmutableBitSet.COMPARATOR, the order of an
// Aggregate's groupSets (and so of Flink's Expand projections): a set
// before its subsets, otherwise lexicographic by the ascending keys, the
// shorter first.
func lessGroupSet(a, b groupSet) bool {
	switch {
	case a == b:
		return false
	case a&b == b:
		return true
	case a&b == a:
		return false
	}
	for {
		if a == 0 || b == 0 {
			return a == 0
		}
		x, y := bits.TrailingZeros64(uint64(a)), bits.TrailingZeros64(uint64(b))
		if x != y {
			return x < y
		}
		a &^= 1 << x
		b &^= 1 << y
	}
}

// groupingKeys collects the grouping expressions of a GROUP BY, each
// once, in order of first appearance.
type groupingKeys struct {
	p     *Planner
	sc    *scope
	exprs []Rex
	ids   []string
	names []string
}

func (k *groupingKeys) key(e sql.Expr) (groupSet, error) {
	x, err := k.p.bindExpr(e, k.sc)
	if err != nil {
		return 0, err
	}
	if x.Type().Kind == types.Null {
		return 0, k.p.ErrAt(e.Pos(), "cannot group by NULL")
	}
	id := identityKey(x)
	for i, have := range k.ids {
		if have == id {
			return 1 << i, nil
		}
	}
	if len(k.ids) == 63 {
		// Flink keeps GROUPING values in a BIGINT.
		return 0, k.p.ErrAt(e.Pos(), "group count must be less than 64.")
	}
	k.exprs = append(k.exprs, x)
	k.ids = append(k.ids, id)
	k.names = append(k.names, deriveName(e, len(k.exprs)-1))
	return 1 << (len(k.ids) - 1), nil
}

// unit is one element of ROLLUP or CUBE: an expression or a
// parenthesised list of them, which come and go together.
func (k *groupingKeys) unit(e sql.Expr, in string) (groupSet, error) {
	switch e := e.(type) {
	case *sql.GroupList:
		var s groupSet
		for _, it := range e.Items {
			switch it.(type) {
			case *sql.GroupList, *sql.GroupingSets, *sql.Rollup, *sql.Cube:
				return 0, k.p.ErrAt(it.Pos(), "%s cannot be nested in %s", groupItemName(it), in)
			}
			b, err := k.key(it)
			if err != nil {
				return 0, err
			}
			s |= b
		}
		return s, nil
	case *sql.GroupingSets, *sql.Rollup, *sql.Cube:
		return 0, k.p.ErrAt(e.Pos(), "%s cannot be nested in %s", groupItemName(e), in)
	}
	return k.key(e)
}

func groupItemName(e sql.Expr) string {
	switch e.(type) {
	case *sql.GroupingSets:
		return "GROUPING SETS"
	case *sql.Rollup:
		return "ROLLUP"
	case *sql.Cube:
		return "CUBE"
	}
	return "a parenthesised list"
}

// sets is the list of grouping sets one GROUP BY item stands for.
func (k *groupingKeys) sets(e sql.Expr) ([]groupSet, error) {
	switch e := e.(type) {
	case *sql.GroupingSets:
		var out []groupSet
		for _, s := range e.Sets {
			ss, err := k.sets(s)
			if err != nil {
				return nil, err
			}
			out = append(out, ss...)
		}
		return out, nil
	case *sql.Rollup:
		units := make([]groupSet, len(e.Items))
		for i, it := range e.Items {
			u, err := k.unit(it, "ROLLUP")
			if err != nil {
				return nil, err
			}
			units[i] = u
		}
		// (a, b, c), (a, b), (a), (): each set once, as Calcite's
		// ImmutableBitSet.rollup keeps them (ROLLUP(a, b, a) has (a, b)
		// once).
		out := make([]groupSet, 0, len(units)+1)
		for n := len(units); n >= 0; n-- {
			var s groupSet
			for _, u := range units[:n] {
				s |= u
			}
			out = appendNew(out, s)
		}
		return out, nil
	case *sql.Cube:
		units := make([]groupSet, len(e.Items))
		for i, it := range e.Items {
			u, err := k.unit(it, "CUBE")
			if err != nil {
				return nil, err
			}
			units[i] = u
		}
		if len(units) > 12 {
			return nil, k.p.ErrAt(e.Pos(), "CUBE of %d elements has too many grouping sets", len(units))
		}
		// The union of every subset of the elements, each set once
		// (Calcite's ImmutableBitSet.cube).
		out := make([]groupSet, 0, 1<<len(units))
		for m := 0; m < 1<<len(units); m++ {
			var s groupSet
			for i, u := range units {
				if m&(1<<i) != 0 {
					s |= u
				}
			}
			out = appendNew(out, s)
		}
		return out, nil
	}
	s, err := k.unit(e, "")
	return []groupSet{s}, err
}

// appendNew appends s unless sets holds it.
func appendNew(sets []groupSet, s groupSet) []groupSet {
	for _, have := range sets {
		if have == s {
			return sets
		}
	}
	return append(sets, s)
}

// GroupingCall is an aggregate call of a GroupingAggregate: an aggregate
// function (Func empty) or a grouping function over grouping keys.
type GroupingCall struct {
	Agg  AggCall
	Func string // GROUPING, GROUPING_ID, GROUP_ID or ""
	Args []int  // the grouping keys a grouping function reads
	Name string
}

// GroupingAggregate is GROUP BY with grouping sets: the first Keys input
// columns are the grouping keys, Sets the grouping sets over them (in
// Calcite's order; a set listed twice is there twice). Output: the keys
// (NULL-able when outside some set), then Calls.
type GroupingAggregate struct {
	Input Node
	Keys  int
	Sets  []groupSet
	Calls []GroupingCall
}

func (n *GroupingAggregate) Schema() Schema {
	in := n.Input.Schema()
	out := make(Schema, 0, n.Keys+len(n.Calls))
	for i := 0; i < n.Keys; i++ {
		t := in[i].Type.Materialized()
		for _, s := range n.Sets {
			if !s.has(i) {
				t = t.Nullable()
			}
		}
		out = append(out, Field{Name: in[i].Name, Type: t})
	}
	for _, c := range n.Calls {
		t := c.Agg.Type
		if c.Func != "" {
			t = types.BIGINT().NotNullable()
		}
		out = append(out, Field{Name: c.Name, Type: t})
	}
	return out
}

func (n *GroupingAggregate) Inputs() []Node { return []Node{n.Input} }

func (n *GroupingAggregate) WithInputs(in ...Node) Node {
	c := *n
	c.Input = in[0]
	return &c
}

// describe is Calcite's LogicalAggregate with its groupSets, the node's
// AST line (the physical plans show its decomposition).
func (n *GroupingAggregate) describe() string {
	keys := make([]string, n.Keys)
	for i := range keys {
		keys[i] = fmt.Sprint(i)
	}
	parts := []string{"group=[{" + strings.Join(keys, ", ") + "}]"}
	if len(n.Sets) > 1 {
		sets := make([]string, len(n.Sets))
		for i, s := range n.Sets {
			sets[i] = s.String()
		}
		parts = append(parts, "groups=[["+strings.Join(sets, ", ")+"]]")
	}
	for _, c := range n.Calls {
		if c.Func != "" {
			args := make([]string, len(c.Args))
			for i, a := range c.Args {
				args[i] = fmt.Sprintf("$%d", a)
			}
			parts = append(parts, c.Name+"=["+c.Func+"("+strings.Join(args, ", ")+")]")
			continue
		}
		parts = append(parts, c.Name+"=["+c.Agg.astText()+"]")
	}
	return "LogicalAggregate(" + strings.Join(parts, ", ") + ")"
}

func (n *GroupingAggregate) changelogMode() connector.ChangelogMode {
	return ModeOf(n.decompose(), true)
}

func (n *GroupingAggregate) explain(e *explainer) *xnode { return e.node(n.decompose()) }

func (n *GroupingAggregate) translate(t *translator) (*engine.Vertex, error) {
	return t.node(n.decompose())
}

// decomposeGroupingSets is the optimizer rule that replaces a
// GroupingAggregate by its decomposition.
func decomposeGroupingSets(n Node) Node {
	if g, ok := n.(*GroupingAggregate); ok {
		return g.decompose()
	}
	return n
}

// decompose is Flink's DecomposeGroupingSetsRule, after Calcite's
// rewrite of duplicate grouping sets into a union.
func (n *GroupingAggregate) decompose() Node {
	var distinct []groupSet
	count := map[groupSet]int{}
	for _, s := range n.Sets {
		if count[s] == 0 {
			distinct = append(distinct, s)
		}
		count[s]++
	}
	var branches []Node
	for id := 0; ; id++ {
		var sets []groupSet
		for _, s := range distinct {
			if count[s] > id {
				sets = append(sets, s)
			}
		}
		if len(sets) == 0 {
			break
		}
		branches = append(branches, n.branch(sets, id))
	}
	if len(branches) == 1 {
		return branches[0]
	}
	return &Union{Ins: branches}
}

// expandID is Flink's expand id of a grouping set: one bit per grouping
// key, the first key the highest, set for the keys outside the set.
func (n *GroupingAggregate) expandID(s groupSet) int64 {
	var v int64
	for i := 0; i < n.Keys; i++ {
		if !s.has(i) {
			v |= 1 << (n.Keys - 1 - i)
		}
	}
	return v
}

// groupingValue is a grouping function's value for the rows of grouping
// set s in the branch of GROUP_ID id.
func groupingValue(c GroupingCall, s groupSet, id int) int64 {
	if c.Func == fnGroupID {
		return int64(id)
	}
	// GROUPING and GROUPING_ID: a bit per argument, the first the
	// highest, set when the argument is outside the set.
	var v int64
	for _, a := range c.Args {
		v <<= 1
		if !s.has(a) {
			v |= 1
		}
	}
	return v
}

func bigintLit(v int64) *Literal {
	return &Literal{Value: v, T: types.BIGINT().NotNullable(), Text: fmt.Sprint(v)}
}

// branch aggregates the grouping sets sets (distinct) and projects the
// GroupingAggregate's row type; id is the branch's GROUP_ID.
func (n *GroupingAggregate) branch(sets []groupSet, id int) Node {
	out := n.Schema()
	var aggs []AggCall
	for _, c := range n.Calls {
		if c.Func == "" {
			aggs = append(aggs, c.Agg)
		}
	}
	exprs := make([]Rex, 0, len(out))
	if len(sets) == 1 {
		// One set: a plain aggregate by its keys; the keys outside it (a
		// duplicate of a smaller set) are NULL.
		s := sets[0]
		var keys []int
		for i := 0; i < n.Keys; i++ {
			if s.has(i) {
				keys = append(keys, i)
			}
		}
		agg := &Aggregate{Input: n.Input, Keys: keys, Aggs: aggs}
		trivial := len(keys) == n.Keys
		j := 0
		for i := 0; i < n.Keys; i++ {
			if s.has(i) {
				exprs = append(exprs, &InputRef{Index: j, T: out[i].Type, Name: out[i].Name})
				j++
			} else {
				exprs = append(exprs, &Literal{T: out[i].Type, Text: "null:" + out[i].Type.Nullable().String()})
			}
		}
		for _, c := range n.Calls {
			if c.Func != "" {
				trivial = false
				exprs = append(exprs, bigintLit(groupingValue(c, s, id)))
				continue
			}
			exprs = append(exprs, &InputRef{Index: j, T: c.Agg.Type, Name: c.Name})
			j++
		}
		if trivial {
			return agg
		}
		return &Project{Input: agg, Exprs: exprs, Names: out.Names()}
	}
	ids := make([]int64, len(sets))
	for i, s := range sets {
		ids[i] = n.expandID(s)
	}
	ex := &Expand{Input: n.Input, Keys: n.Keys, Sets: sets, IDs: ids}
	eCol := len(n.Input.Schema())
	keys := make([]int, 0, n.Keys+1)
	for i := 0; i < n.Keys; i++ {
		keys = append(keys, i)
	}
	agg := &Aggregate{Input: ex, Keys: append(keys, eCol), Aggs: aggs}
	for i := 0; i < n.Keys; i++ {
		exprs = append(exprs, &InputRef{Index: i, T: out[i].Type, Name: out[i].Name})
	}
	e := &InputRef{Index: n.Keys, T: types.BIGINT().NotNullable(), Name: ex.idName()}
	j := n.Keys + 1
	for _, c := range n.Calls {
		if c.Func == "" {
			exprs = append(exprs, &InputRef{Index: j, T: c.Agg.Type, Name: c.Name})
			j++
			continue
		}
		// CASE WHEN $e = id1 THEN v1 WHEN ... ELSE v_last END, as Flink
		// writes it; a constant when every set gives the same value.
		vals := make([]int64, len(sets))
		same := true
		for i, s := range sets {
			vals[i] = groupingValue(c, s, id)
			same = same && vals[i] == vals[0]
		}
		if same {
			exprs = append(exprs, bigintLit(vals[0]))
			continue
		}
		var args []Rex
		for i := range sets[:len(sets)-1] {
			eq := &CallRex{Name: "=", Args: []Rex{e, bigintLit(ids[i])}, T: types.BOOLEAN().NotNullable()}
			args = append(args, eq, bigintLit(vals[i]))
		}
		args = append(args, bigintLit(vals[len(vals)-1]))
		exprs = append(exprs, &CallRex{Name: "CASE", Args: args, T: types.BIGINT().NotNullable()})
	}
	return &Project{Input: agg, Exprs: exprs, Names: out.Names()}
}

// Expand is Flink's Expand: each input row once per grouping set, the
// grouping keys (the first Keys columns) outside the set NULL, the set's
// expand id (IDs) appended as a BIGINT column $e.
type Expand struct {
	Input Node
	Keys  int
	Sets  []groupSet
	IDs   []int64
}

// idName is the expand id column's name: $e, or $e_0, $e_1, ... when the
// input has a column of that name (Flink's buildUniqueFieldName).
func (n *Expand) idName() string {
	taken := map[string]bool{}
	for _, f := range n.Input.Schema() {
		taken[f.Name] = true
	}
	name := "$e"
	for i := 0; taken[name]; i++ {
		name = fmt.Sprintf("$e_%d", i)
	}
	return name
}

func (n *Expand) Schema() Schema {
	in := n.Input.Schema()
	out := make(Schema, 0, len(in)+1)
	for i, f := range in {
		if i < n.Keys {
			for _, s := range n.Sets {
				if !s.has(i) {
					f.Type = f.Type.Nullable()
				}
			}
		}
		out = append(out, f)
	}
	return append(out, Field{Name: n.idName(), Type: types.BIGINT().NotNullable()})
}

func (n *Expand) Inputs() []Node { return []Node{n.Input} }

func (n *Expand) WithInputs(in ...Node) Node {
	c := *n
	c.Input = in[0]
	return &c
}

// describe is Flink's Expand(projects=[{a, null AS b, 1 AS $e}, ...]).
func (n *Expand) describe() string {
	in := n.Input.Schema()
	id := n.idName()
	projects := make([]string, len(n.Sets))
	for j, s := range n.Sets {
		cols := make([]string, 0, len(in)+1)
		for i, f := range in {
			if i < n.Keys && !s.has(i) {
				cols = append(cols, "null AS "+f.Name)
			} else {
				cols = append(cols, f.Name)
			}
		}
		cols = append(cols, fmt.Sprintf("%d AS %s", n.IDs[j], id))
		projects[j] = "{" + strings.Join(cols, ", ") + "}"
	}
	return "Expand(projects=[" + strings.Join(projects, ", ") + "])"
}

func (n *Expand) changelogMode() connector.ChangelogMode { return ModeOf(n.Input, true) }

func (n *Expand) explain(e *explainer) *xnode {
	return &xnode{text: n.describe(), mode: e.mode(n), par: e.p.parallelism(), ins: []*xnode{e.node(n.Input)}}
}

func (n *Expand) translate(t *translator) (*engine.Vertex, error) {
	v, err := t.node(n.Input)
	if err != nil {
		return nil, err
	}
	spec := engine.ExpandSpec{IDs: n.IDs, IDName: n.idName()}
	for _, s := range n.Sets {
		var nulled []int
		for i := 0; i < n.Keys; i++ {
			if !s.has(i) {
				nulled = append(nulled, i)
			}
		}
		spec.Nulled = append(spec.Nulled, nulled)
	}
	desc := n.describe()
	chain(v, func() engine.Operator { return engine.WithName(desc, engine.NewExpand(spec)) })
	return v, nil
}

// bindGroupingSets plans GROUP BY with grouping sets, or with grouping
// functions (ok false otherwise): the projection of keys and aggregate
// arguments under a GroupingAggregate, whose output the select list and
// HAVING see. A single grouping set without grouping functions is a plain
// Aggregate (Calcite's simple group).
func (p *Planner) bindGroupingSets(q *sql.Select, in Node, sc *scope) (Node, *scope, bool, error) {
	if !p.usesGroupingSets(q) {
		return nil, nil, false, nil
	}
	k := &groupingKeys{p: p, sc: sc}
	// The product of the items' sets, each combination's union.
	sets := []groupSet{0}
	for _, g := range q.GroupBy {
		ss, err := k.sets(g)
		if err != nil {
			return nil, nil, true, err
		}
		if len(sets)*len(ss) > maxGroupingSets {
			return nil, nil, true, p.ErrAt(g.Pos(), "GROUP BY has more than %d grouping sets", maxGroupingSets)
		}
		next := make([]groupSet, 0, len(sets)*len(ss))
		for _, a := range sets {
			for _, b := range ss {
				next = append(next, a|b)
			}
		}
		sets = next
	}
	sort.SliceStable(sets, func(i, j int) bool { return lessGroupSet(sets[i], sets[j]) })

	// A grouping function inside an aggregate's arguments or FILTER is
	// outside SELECT, HAVING and ORDER BY for Calcite.
	for _, root := range append(append([]sql.Expr(nil), q.Items...), q.Having) {
		var err error
		if root != nil {
			sql.Inspect(root, func(x sql.Node) bool {
				if e, ok := x.(sql.Expr); ok && err == nil {
					if f, ok := p.isAggCall(e); ok {
						for _, a := range append(append([]sql.Expr(nil), f.Args...), f.Filter) {
							if a != nil && err == nil {
								err = p.rejectGroupingFuncs(a)
							}
						}
						return false
					}
				}
				return err == nil
			})
		}
		if err != nil {
			return nil, nil, true, err
		}
	}
	nk := len(k.exprs)
	agg := &aggScope{input: sc, aggs: map[string]int{}}
	for _, x := range k.exprs {
		agg.keys = append(agg.keys, identityKey(x))
		agg.keyType = append(agg.keyType, x.Type())
	}
	pre := append([]Rex(nil), k.exprs...)
	preNames := append([]string(nil), k.names...)
	aggCalls, err := p.collectAggCalls(q, sc, agg, &pre, &preNames, nk, nk)
	if err != nil {
		return nil, nil, true, err
	}
	// The grouping functions, and the order Calcite lists aggregate calls
	// in: their first appearance in the select list, then HAVING.
	var order []string
	grouping := map[string]GroupingCall{}
	seen := map[string]bool{}
	var visitErr error
	for _, root := range append(append([]sql.Expr(nil), q.Items...), q.Having) {
		if root == nil || visitErr != nil {
			continue
		}
		sql.Inspect(root, func(x sql.Node) bool {
			e, ok := x.(sql.Expr)
			if !ok || visitErr != nil {
				return visitErr == nil
			}
			if f, ok := p.isAggCall(e); ok {
				if key := f.String(); !seen[key] {
					seen[key] = true
					order = append(order, key)
				}
				return false
			}
			f, name, ok := p.groupingCall(e)
			if !ok {
				return true
			}
			key := f.String()
			if seen[key] {
				return false
			}
			if visitErr = p.checkGroupingArity(f, name); visitErr != nil {
				return false
			}
			c := GroupingCall{Func: name}
			for _, a := range f.Args {
				x, err := p.bindExpr(a, sc)
				if err != nil {
					visitErr = err
					return false
				}
				pos := -1
				for i, id := range agg.keys {
					if id == identityKey(x) {
						pos = i
					}
				}
				if pos < 0 {
					visitErr = p.ErrAt(a.Pos(), "Argument to %s operator must be a grouped expression", name)
					return false
				}
				c.Args = append(c.Args, pos)
			}
			seen[key] = true
			order = append(order, key)
			grouping[key] = c
			return false
		})
	}
	if visitErr != nil {
		return nil, nil, true, visitErr
	}
	project := &Project{Input: in, Exprs: pre, Names: uniqueNames(preNames)}
	var node Node
	if len(sets) == 1 && len(grouping) == 0 {
		keys := make([]int, nk)
		for i := range keys {
			keys[i] = i
		}
		node = &Aggregate{Input: project, Keys: keys, Aggs: aggCalls}
	} else {
		g := &GroupingAggregate{Input: project, Keys: nk, Sets: sets}
		for pos, key := range order {
			name := fmt.Sprintf("EXPR$%d", nk+pos)
			if c, ok := grouping[key]; ok {
				c.Name = name
				g.Calls = append(g.Calls, c)
			} else {
				call := aggCalls[agg.aggs[key]-nk]
				call.Name = name
				g.Calls = append(g.Calls, GroupingCall{Agg: call, Name: name})
			}
		}
		for pos, key := range order {
			agg.aggs[key] = nk + pos
		}
		node = g
	}
	out := &scope{agg: agg}
	for _, f := range node.Schema() {
		out.cols = append(out.cols, scopeCol{name: f.Name, typ: f.Type})
		agg.types = append(agg.types, f.Type)
	}
	return node, out, true, nil
}
