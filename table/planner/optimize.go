package planner

import (
	"context"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
	"github.com/sluice-stream/sluice/vectorized/expr"
)

// Rule is one named optimizer rewrite: a pure function of a node whose
// inputs are already rewritten. It returns the node unchanged when it does
// not apply.
type Rule struct {
	Name  string
	Apply func(Node) Node
}

// Rules are applied in this order, each bottom-up over the whole tree,
// the list repeated until nothing changes (go-mysql-server's analyzer
// shape).
var Rules = []Rule{
	{"decompose_grouping_sets", decomposeGroupingSets},
	{"constant_folding", foldConstants},
	{"filter_through_project", pushFilterThroughProject},
	{"filter_into_aggregate", pushFilterIntoAggregate},
	{"filter_through_union", pushFilterThroughUnion},
	{"filter_into_join", pushFilterIntoJoin},
	{"join_condition_push_down", pushJoinConditionDown},
	{"prune_join_columns", pruneJoinColumns},
	{"prune_through_watermark", pruneThroughWatermark},
	{"merge_projects", mergeProjects},
	{"remove_trivial_project", removeTrivialProject},
	{"prune_columns", pruneScanColumns},
	{"calc_from_project_filter", toCalc},
	{"merge_calcs", mergeCalcs},
}

// Optimize applies Rules to fixpoint (bounded).
func Optimize(n Node) Node {
	for round := 0; round < 10; round++ {
		before := Explain(n, false)
		for _, r := range Rules {
			n = applyBottomUp(n, r.Apply)
		}
		if Explain(n, false) == before {
			break
		}
	}
	return n
}

// ApplyRule runs one rule bottom-up once (for the rules' golden tests).
func ApplyRule(n Node, name string) Node {
	for _, r := range Rules {
		if r.Name == name {
			return applyBottomUp(n, r.Apply)
		}
	}
	return n
}

func applyBottomUp(n Node, f func(Node) Node) Node {
	ins := n.Inputs()
	if len(ins) > 0 {
		out := make([]Node, len(ins))
		for i, in := range ins {
			out[i] = applyBottomUp(in, f)
		}
		n = n.WithInputs(out...)
	}
	return f(n)
}

// foldConstants evaluates deterministic built-in calls whose arguments are
// all literals, once, at planning time.
func foldConstants(n Node) Node {
	fold := func(r Rex) Rex { return rewriteRex(r, foldCall) }
	switch x := n.(type) {
	case *Project:
		return &Project{Input: x.Input, Exprs: mapRex(x.Exprs, fold), Names: x.Names, TableAPI: x.TableAPI}
	case *Filter:
		c := fold(x.Cond)
		if lit, ok := c.(*Literal); ok && lit.Value == true {
			return x.Input
		}
		return &Filter{Input: x.Input, Cond: c}
	case *Calc:
		var cond Rex
		if x.Cond != nil {
			cond = fold(x.Cond)
		}
		return &Calc{Input: x.Input, Cond: cond, Exprs: mapRex(x.Exprs, fold), Names: x.Names}
	}
	return n
}

func mapRex(rs []Rex, f func(Rex) Rex) []Rex {
	out := make([]Rex, len(rs))
	for i, r := range rs {
		out[i] = f(r)
	}
	return out
}

func foldCall(r Rex) Rex {
	var args []Rex
	switch c := r.(type) {
	case *CallRex:
		if !expr.IsDeterministic(c.Name) {
			return r
		}
		args = c.Args
	case *CastRex:
		args = []Rex{c.Arg}
	default:
		return r
	}
	for _, a := range args {
		if _, ok := a.(*Literal); !ok {
			return r
		}
	}
	e, err := Compile(r)
	if err != nil {
		return r
	}
	v, text, err := evalConstant(e, timePrecision(r.Type()))
	if err != nil {
		// Errors (1/0) surface when the query runs, as in Flink.
		return r
	}
	return &Literal{Value: v, T: r.Type(), Text: text}
}

// evalConstant evaluates a constant expression over a one-row batch;
// timePrec is its precision when it is a TIME (-1 otherwise).
func evalConstant(e vectorized.Expr, timePrec int) (any, string, error) {
	schema := arrow.NewSchema(nil, nil)
	rec := array.NewRecordBatch(schema, nil, 1)
	defer rec.Release()
	ec := vectorized.NewEvalContext(context.Background())
	ec.Mem = memory.DefaultAllocator
	arr, err := e.Eval(ec, rec)
	if err != nil {
		return nil, "", err
	}
	defer arr.Release()
	if arr.IsNull(0) {
		return nil, "null", nil
	}
	// The literal keeps the folded value in the form expr.Literal takes.
	v, ok := literalValue(arr)
	if !ok {
		return nil, "", errorString("no literal form")
	}
	text, err := renderConstant(arr, timePrec)
	if err != nil {
		return nil, "", err
	}
	return v, text, nil
}

func renderConstant(arr arrow.Array, timePrec int) (string, error) {
	s, err := expr.CastTime(constExpr{arr}, arrow.BinaryTypes.String, false, timePrec, -1)
	if err != nil {
		return arr.ValueStr(0), nil
	}
	schema := arrow.NewSchema(nil, nil)
	rec := array.NewRecordBatch(schema, nil, 1)
	defer rec.Release()
	out, err := s.Eval(vectorized.NewEvalContext(context.Background()), rec)
	if err != nil {
		return arr.ValueStr(0), nil
	}
	defer out.Release()
	text := out.(*array.String).Value(0)
	if arr.DataType().ID() == arrow.STRING {
		return quote(text), nil
	}
	return text, nil
}

// constExpr serves an already computed one-row array as an expression.
type constExpr struct{ arr arrow.Array }

func (c constExpr) DataType() arrow.DataType { return c.arr.DataType() }
func (c constExpr) Eval(*vectorized.EvalContext, arrow.RecordBatch) (arrow.Array, error) {
	c.arr.Retain()
	return c.arr, nil
}
func (c constExpr) String() string { return c.arr.ValueStr(0) }

// literalValue extracts row 0 in the Go form expr.Literal accepts; false
// when the type has no literal form (the call then stays unfolded).
func literalValue(arr arrow.Array) (any, bool) {
	switch a := arr.(type) {
	case *array.Boolean:
		return a.Value(0), true
	case *array.Int8:
		return int64(a.Value(0)), true
	case *array.Int16:
		return int64(a.Value(0)), true
	case *array.Int32:
		return int64(a.Value(0)), true
	case *array.Int64:
		return a.Value(0), true
	case *array.Float32:
		return float64(a.Value(0)), true
	case *array.Float64:
		return a.Value(0), true
	case *array.String:
		return a.Value(0), true
	case *array.Binary:
		return append([]byte(nil), a.Value(0)...), true
	case *array.Decimal128:
		return a.Value(0), true
	case *array.Date32:
		return a.Value(0).ToTime(), true
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(0).ToTime(unit), true
	case *array.Time32:
		unit := a.DataType().(*arrow.Time32Type).Unit
		return time.Duration(int64(a.Value(0)) * int64(unit.Multiplier())), true
	case *array.Time64:
		unit := a.DataType().(*arrow.Time64Type).Unit
		return time.Duration(int64(a.Value(0)) * int64(unit.Multiplier())), true
	}
	return nil, false
}

// pushFilterThroughProject moves a filter below a projection by
// substituting the projected expressions, so it runs on fewer columns
// earlier — unless that would run a UDF twice or move a
// non-deterministic call.
func pushFilterThroughProject(n Node) Node {
	f, ok := n.(*Filter)
	if !ok {
		return n
	}
	p, ok := f.Input.(*Project)
	if !ok {
		return n
	}
	used := map[int]bool{}
	refs(f.Cond, used)
	for i := range used {
		if hasUDF(p.Exprs[i]) || !deterministic(p.Exprs[i]) {
			return n
		}
	}
	cond := substitute(f.Cond, p.Exprs)
	return &Project{Input: &Filter{Input: p.Input, Cond: cond}, Exprs: p.Exprs, Names: p.Names, TableAPI: p.TableAPI}
}

func deterministic(r Rex) bool {
	ok := true
	walkRex(r, func(x Rex) {
		switch c := x.(type) {
		case *CallRex:
			ok = ok && expr.IsDeterministic(c.Name)
		case *UDFRex:
			ok = ok && c.Fn.Scalar.Deterministic()
		}
	})
	return ok
}

// substitute replaces input references by the expressions they name.
func substitute(r Rex, exprs []Rex) Rex {
	return rewriteRex(r, func(x Rex) Rex {
		if ref, ok := x.(*InputRef); ok {
			return exprs[ref.Index]
		}
		return x
	})
}

// pushFilterIntoAggregate moves a HAVING-style filter that reads only
// grouping keys below the aggregate: fewer rows reach its state.
func pushFilterIntoAggregate(n Node) Node {
	f, ok := n.(*Filter)
	if !ok {
		return n
	}
	a, ok := f.Input.(*Aggregate)
	if !ok {
		return n
	}
	used := map[int]bool{}
	refs(f.Cond, used)
	for i := range used {
		if i >= len(a.Keys) {
			return n
		}
	}
	in := a.Input.Schema()
	keyRefs := make([]Rex, len(a.Keys))
	for i, k := range a.Keys {
		keyRefs[i] = &InputRef{Index: k, T: in[k].Type, Name: in[k].Name}
	}
	c := *a
	c.Input = &Filter{Input: a.Input, Cond: substitute(f.Cond, keyRefs)}
	return &c
}

// pushFilterThroughUnion filters each input instead of the union.
func pushFilterThroughUnion(n Node) Node {
	f, ok := n.(*Filter)
	if !ok {
		return n
	}
	u, ok := f.Input.(*Union)
	if !ok {
		return n
	}
	ins := make([]Node, len(u.Ins))
	for i, in := range u.Ins {
		ins[i] = &Filter{Input: in, Cond: f.Cond}
	}
	return &Union{Ins: ins}
}

// mergeProjects fuses two projections when the inner expressions are
// cheap to repeat or used once, and never duplicates a UDF call.
func mergeProjects(n Node) Node {
	outer, ok := n.(*Project)
	if !ok {
		return n
	}
	inner, ok := outer.Input.(*Project)
	if !ok {
		return n
	}
	uses := map[int]int{}
	for _, e := range outer.Exprs {
		walkRex(e, func(x Rex) {
			if r, ok := x.(*InputRef); ok {
				uses[r.Index]++
			}
		})
	}
	for i, c := range uses {
		e := inner.Exprs[i]
		if _, simple := e.(*InputRef); simple {
			continue
		}
		if _, lit := e.(*Literal); lit {
			continue
		}
		if c > 1 || !deterministic(e) {
			return n
		}
	}
	exprs := make([]Rex, len(outer.Exprs))
	for i, e := range outer.Exprs {
		if inner.TableAPI {
			exprs[i] = substituteAliased(e, inner)
		} else {
			exprs[i] = substitute(e, inner.Exprs)
		}
	}
	return &Project{Input: inner.Input, Exprs: exprs, Names: outer.Names, TableAPI: outer.TableAPI}
}

// substituteAliased is substitute through a Table API projection: a Python
// function call's argument that reads a column the projection renamed
// keeps the rename (InputRef.Alias), as Flink's merged projection keeps
// the AS call there.
func substituteAliased(r Rex, inner *Project) Rex {
	switch x := r.(type) {
	case *InputRef:
		return inner.Exprs[x.Index]
	case *CastRex:
		return &CastRex{Arg: substituteAliased(x.Arg, inner), T: x.T, Try: x.Try}
	case *CallRex:
		args := make([]Rex, len(x.Args))
		for i, a := range x.Args {
			args[i] = substituteAliased(a, inner)
		}
		return &CallRex{Name: x.Name, Args: args, T: x.T}
	case *UDFRex:
		args := make([]Rex, len(x.Args))
		for i, a := range x.Args {
			if ref, ok := a.(*InputRef); ok {
				if in, ok := inner.Exprs[ref.Index].(*InputRef); ok && in.Alias == "" && inner.Names[ref.Index] != in.Name {
					args[i] = &InputRef{Index: in.Index, T: in.T, Name: in.Name, Alias: inner.Names[ref.Index]}
					continue
				}
			}
			args[i] = substituteAliased(a, inner)
		}
		return &UDFRex{Fn: x.Fn, Name: x.Name, Args: args, T: x.T}
	}
	return r
}

// removeTrivialProject drops a projection that returns its input as is.
func removeTrivialProject(n Node) Node {
	p, ok := n.(*Project)
	if !ok {
		return n
	}
	in := p.Input.Schema()
	if len(p.Exprs) != len(in) {
		return n
	}
	for i, e := range p.Exprs {
		r, ok := e.(*InputRef)
		if !ok || r.Index != i || p.Names[i] != in[i].Name {
			return n
		}
	}
	return p.Input
}

// pruneScanColumns is projection push-down: a scan under a projection or
// calc keeps only the columns that are read (Scan.Cols). Connectors that
// cannot skip columns still produce them; translation then drops the
// unread ones in a projection chained to the source, before any exchange.
func pruneScanColumns(n Node) Node {
	var exprs []Rex
	var cond Rex
	var scan *Scan
	switch x := n.(type) {
	case *Project:
		scan, _ = x.Input.(*Scan)
		exprs = x.Exprs
	case *Calc:
		scan, _ = x.Input.(*Scan)
		exprs, cond = x.Exprs, x.Cond
	}
	if scan == nil {
		return n
	}
	used := map[int]bool{}
	for _, e := range exprs {
		refs(e, used)
	}
	if cond != nil {
		refs(cond, used)
	}
	if len(used) == len(scan.Fields) || len(used) == 0 {
		return n
	}
	pruned := &Scan{Table: scan.Table, Source: scan.Source, Watermark: scan.Watermark}
	remap := map[int]int{}
	for i, f := range scan.Fields {
		if used[i] {
			remap[i] = len(pruned.Fields)
			pruned.Fields = append(pruned.Fields, f)
			pruned.Cols = append(pruned.Cols, scan.col(i))
		}
	}
	re := func(r Rex) Rex {
		return rewriteRex(r, func(x Rex) Rex {
			if ref, ok := x.(*InputRef); ok {
				return &InputRef{Index: remap[ref.Index], T: ref.T, Name: ref.Name, Alias: ref.Alias}
			}
			return x
		})
	}
	switch x := n.(type) {
	case *Project:
		return &Project{Input: pruned, Exprs: mapRex(x.Exprs, re), Names: x.Names, TableAPI: x.TableAPI}
	case *Calc:
		var c Rex
		if x.Cond != nil {
			c = re(x.Cond)
		}
		return &Calc{Input: pruned, Cond: c, Exprs: mapRex(x.Exprs, re), Names: x.Names}
	}
	return n
}

// toCalc fuses Project(Filter(x)) and lone filters/projections into Calc,
// the one operator the engine runs them in.
func toCalc(n Node) Node {
	switch x := n.(type) {
	case *Project:
		if f, ok := x.Input.(*Filter); ok {
			return &Calc{Input: f.Input, Cond: f.Cond, Exprs: x.Exprs, Names: x.Names}
		}
		if c, ok := x.Input.(*Calc); ok && c.Cond == nil && !anyUDF(c.Exprs) {
			exprs := make([]Rex, len(x.Exprs))
			for i, e := range x.Exprs {
				exprs[i] = substitute(e, c.Exprs)
			}
			return &Calc{Input: c.Input, Exprs: exprs, Names: x.Names}
		}
		return &Calc{Input: x.Input, Exprs: x.Exprs, Names: x.Names}
	case *Filter:
		in := x.Input.Schema()
		exprs := make([]Rex, len(in))
		for i, f := range in {
			exprs[i] = &InputRef{Index: i, T: f.Type, Name: f.Name}
		}
		return &Calc{Input: x.Input, Cond: x.Cond, Exprs: exprs, Names: in.Names()}
	}
	return n
}

// mergeCalcs fuses a calc into the calc below it: one engine operator,
// one pass over each batch. The conditions are joined with AND (the lower
// one's conjuncts still run first, see lower); an inner expression is only
// substituted where that does not evaluate it twice.
func mergeCalcs(n Node) Node {
	outer, ok := n.(*Calc)
	if !ok {
		return n
	}
	inner, ok := outer.Input.(*Calc)
	if !ok {
		return n
	}
	uses := map[int]int{}
	count := func(r Rex) {
		walkRex(r, func(x Rex) {
			if ref, ok := x.(*InputRef); ok {
				uses[ref.Index]++
			}
		})
	}
	for _, e := range outer.Exprs {
		count(e)
	}
	if outer.Cond != nil {
		count(outer.Cond)
	}
	for i, c := range uses {
		e := inner.Exprs[i]
		switch e.(type) {
		case *InputRef, *Literal:
			continue
		}
		if c > 1 && (hasUDF(e) || !deterministic(e)) {
			return n
		}
		if !deterministic(e) {
			return n
		}
	}
	cond := inner.Cond
	if outer.Cond != nil {
		oc := substitute(outer.Cond, inner.Exprs)
		if cond == nil {
			cond = oc
		} else {
			cond = &CallRex{Name: "AND", Args: []Rex{cond, oc}, T: andType(cond, oc)}
		}
	}
	exprs := make([]Rex, len(outer.Exprs))
	for i, e := range outer.Exprs {
		exprs[i] = substitute(e, inner.Exprs)
	}
	return &Calc{Input: inner.Input, Cond: cond, Exprs: exprs, Names: outer.Names}
}

func andType(a, b Rex) types.DataType {
	t := types.BOOLEAN()
	if a.Type().NotNull && b.Type().NotNull {
		t = t.NotNullable()
	}
	return t
}

// conjuncts splits a condition at its top-level ANDs.
func conjuncts(r Rex) []Rex {
	if c, ok := r.(*CallRex); ok && c.Name == "AND" && len(c.Args) == 2 {
		return append(conjuncts(c.Args[0]), conjuncts(c.Args[1])...)
	}
	return []Rex{r}
}

// conjoin joins conditions with AND; nil for none.
func conjoin(rs []Rex) Rex {
	var out Rex
	for _, r := range rs {
		if out == nil {
			out = r
			continue
		}
		out = &CallRex{Name: "AND", Args: []Rex{out, r}, T: andType(out, r)}
	}
	return out
}

func anyUDF(rs []Rex) bool {
	for _, r := range rs {
		if hasUDF(r) {
			return true
		}
	}
	return false
}

// Compile turns a resolved expression without UDF calls into a vectorized
// expression; UDF results must already be input columns.
func Compile(r Rex) (vectorized.Expr, error) {
	switch x := r.(type) {
	case *InputRef:
		return vectorized.Col(x.Index, x.T.Arrow(), x.Name), nil
	case *Literal:
		t := x.T
		if t.Kind == types.Null {
			return expr.Literal(nil, arrow.Null)
		}
		return expr.Literal(x.Value, t.Arrow())
	case *CallRex:
		args := make([]vectorized.Expr, len(x.Args))
		for i, a := range x.Args {
			e, err := Compile(a)
			if err != nil {
				return nil, err
			}
			args[i] = e
		}
		if e, ok, err := compileTimeCall(x, args); ok {
			return e, err
		}
		if x.Name == singleValueName && len(args) == 2 {
			return &singleValueExpr{count: args[0], value: args[1]}, nil
		}
		return expr.Call(x.Name, args...)
	case *CastRex:
		e, err := Compile(x.Arg)
		if err != nil {
			return nil, err
		}
		from, to := timePrecision(x.Arg.Type()), timePrecision(x.T)
		if arrow.TypeEqual(e.DataType(), x.T.Arrow()) && (to < 0 || to >= from) {
			return e, nil
		}
		return expr.CastTime(e, x.T.Arrow(), x.Try, from, to)
	}
	return nil, errUDFNotLowered
}

// timePrecision is t's precision when t is a TIME (whose Arrow type does
// not tell TIME(0) from TIME(3)), -1 otherwise.
func timePrecision(t types.DataType) int {
	if t.Kind == types.Time {
		return t.Precision
	}
	return -1
}

var errUDFNotLowered = errorString("planner: a user-defined function call reached expression compilation; calcs lower them first")

type errorString string

func (e errorString) Error() string { return string(e) }
