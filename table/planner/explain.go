package planner

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/sluice-stream/sluice/engine"
)

// Explain details, as Flink's ExplainDetail (EXPLAIN CHANGELOG_MODE, ...).
const (
	DetailEstimatedCost = "ESTIMATED_COST"
	DetailChangelogMode = "CHANGELOG_MODE"
	DetailJSONPlan      = "JSON_EXECUTION_PLAN"
	DetailPlanAdvice    = "PLAN_ADVICE"
)

// Catalog and database every table lives in, as Flink names them in plans.
const (
	explainCatalog  = "default_catalog"
	explainDatabase = "default_database"
)

// ExplainPlan is EXPLAIN's output in Flink's sections: the bound plan
// ("== Abstract Syntax Tree ==", Flink's Logical* nodes with $i input
// references), the optimized plan with its exchanges ("== Optimized
// Physical Plan =="; changelogMode=[...] on every node with
// CHANGELOG_MODE) and the plan as it runs ("== Optimized Execution Plan
// =="), where a calc that calls user-defined functions is shown as the
// steps the translation makes of it: a Calc of the conditions that call no
// function (they run first), one PythonCalc per evaluator — the calls of
// one runtime evaluated together, one crossing into Python per batch;
// the runtime and evaluator number follow Flink's node text after " -- " —
// and a Calc of what remains. JSON_EXECUTION_PLAN adds "== Physical
// Execution Plan ==" (nodes and their inputs as Flink's JSON plan);
// PLAN_ADVICE titles the physical plan "With Advice" and says there is
// none; ESTIMATED_COST is accepted and adds nothing, as the planner keeps
// no cost model.
func (p *Planner) ExplainPlan(bound Node, details []string) string {
	return p.ExplainPlans([]Node{bound}, details)
}

// ExplainPlans explains several plans together (a statement set's
// INSERTs): each section holds one tree per plan, separated by a blank
// line, as Flink's StatementSet.explain.
func (p *Planner) ExplainPlans(bound []Node, details []string) string {
	has := func(d string) bool { return slices.Contains(details, d) }
	var sb strings.Builder
	trees := func(roots []*xnode, modes bool) {
		for i, r := range roots {
			if i > 0 {
				sb.WriteString("\n")
			}
			writeTree(&sb, r, modes)
		}
	}
	var ast, physical, exec []*xnode
	// One explainer for the execution trees, so evaluators are numbered
	// across the whole set.
	pe, ee := &explainer{p: p, physical: true}, &explainer{p: p}
	for _, n := range bound {
		opt := Optimize(n)
		for a := range p.noUpdateBefore(opt, false) {
			if pe.noUB == nil {
				pe.noUB = map[Node]bool{}
			}
			pe.noUB[a] = true
		}
		ast = append(ast, astNode(n))
		physical = append(physical, pe.node(opt))
		exec = append(exec, ee.node(opt))
	}
	sb.WriteString("== Abstract Syntax Tree ==\n")
	trees(ast, false)
	if has(DetailPlanAdvice) {
		sb.WriteString("\n== Optimized Physical Plan With Advice ==\n")
	} else {
		sb.WriteString("\n== Optimized Physical Plan ==\n")
	}
	trees(physical, has(DetailChangelogMode))
	if has(DetailPlanAdvice) {
		sb.WriteString("\nNo available advice...\n")
	}
	sb.WriteString("\n== Optimized Execution Plan ==\n")
	trees(exec, false)
	if has(DetailJSONPlan) {
		sb.WriteString("\n== Physical Execution Plan ==\n")
		sb.WriteString(p.jsonPlan(exec))
		sb.WriteString("\n")
	}
	return sb.String()
}

// xnode is one line of an explained tree.
type xnode struct {
	text string
	// note follows the node's Flink text on its line, after " -- ": what
	// Sluice adds to Flink's rendering (a PythonCalc's runtime and
	// evaluator), so that Flink's text stays as Flink prints it.
	note string
	mode string // changelog mode, printed with CHANGELOG_MODE
	kind string // "source", "sink", "exchange" or "" (an operator)
	name string // a source's or sink's table
	par  int
	ins  []*xnode
}

func writeTree(sb *strings.Builder, root *xnode, modes bool) {
	var walk func(n *xnode, prefix, childPrefix string)
	walk = func(n *xnode, prefix, childPrefix string) {
		sb.WriteString(prefix)
		text := n.text
		if modes && n.mode != "" {
			text = strings.TrimSuffix(text, ")") + ", changelogMode=" + n.mode + ")"
		}
		if n.note != "" {
			text += " -- " + n.note
		}
		sb.WriteString(text)
		sb.WriteString("\n")
		for i, in := range n.ins {
			if i == len(n.ins)-1 {
				walk(in, childPrefix+"+- ", childPrefix+"   ")
			} else {
				walk(in, childPrefix+":- ", childPrefix+":  ")
			}
		}
	}
	walk(root, "", "")
}

func qualifiedTable(name string) string {
	if strings.Count(name, ".") == 2 {
		return name
	}
	return explainCatalog + "." + explainDatabase + "." + name
}

func scanTable(name string) string {
	return "[" + strings.ReplaceAll(qualifiedTable(name), ".", ", ") + "]"
}

// -- the abstract syntax tree ----------------------------------------------

// rexAST writes an expression as Calcite does in the AST: operators and
// functions in prefix form, input columns as $i.
func rexAST(r Rex) string { return rexPrefix(r, false) }

// rexPrefix writes r in prefix form; names selects column names rather
// than $i (Flink's physical plan).
func rexPrefix(r Rex, names bool) string {
	switch x := r.(type) {
	case *InputRef:
		if names && x.Name != "" {
			return x.Name
		}
		return fmt.Sprintf("$%d", x.Index)
	case *Literal:
		return x.Text
	case *CallRex:
		args := make([]string, len(x.Args))
		for i, a := range x.Args {
			args[i] = rexPrefix(a, names)
		}
		return x.Name + "(" + strings.Join(args, ", ") + ")"
	case *CastRex:
		fn := "CAST"
		if x.Try {
			fn = "TRY_CAST"
		}
		return fmt.Sprintf("%s(%s AS %s)", fn, rexPrefix(x.Arg, names), x.T.Nullable())
	case *UDFRex:
		args := make([]string, len(x.Args))
		for i, a := range x.Args {
			args[i] = rexPrefix(a, names)
		}
		return x.Name + "(" + strings.Join(args, ", ") + ")"
	}
	return r.String()
}

func astNode(n Node) *xnode {
	if r, ok := n.(*Rank); ok {
		return r.ast()
	}
	if o, ok := n.(*OverAggregate); ok {
		return o.ast()
	}
	if p, ok := n.(*Project); ok {
		if x, ok := overAST(p); ok {
			return x
		}
	}
	x := &xnode{}
	switch n := n.(type) {
	case *Scan:
		x.text = "LogicalTableScan(table=[" + scanTable(n.Table) + "])"
	case *Values:
		rows := make([]string, len(n.Rows))
		for i, r := range n.Rows {
			vals := make([]string, len(r))
			for j, v := range r {
				vals[j] = rexAST(v)
			}
			rows[i] = "{ " + strings.Join(vals, ", ") + " }"
		}
		x.text = "LogicalValues(tuples=[[" + strings.Join(rows, ", ") + "]])"
	case *Project:
		parts := make([]string, len(n.Exprs))
		for i, e := range n.Exprs {
			parts[i] = n.Names[i] + "=[" + rexAST(e) + "]"
		}
		x.text = "LogicalProject(" + strings.Join(parts, ", ") + ")"
	case *Filter:
		x.text = "LogicalFilter(condition=[" + rexAST(n.Cond) + "])"
	case *Calc:
		parts := make([]string, len(n.Exprs))
		for i, e := range n.Exprs {
			parts[i] = n.Names[i] + "=[" + rexAST(e) + "]"
		}
		x.text = "LogicalCalc(" + strings.Join(parts, ", ")
		if n.Cond != nil {
			x.text += ", condition=[" + rexAST(n.Cond) + "]"
		}
		x.text += ")"
	case *Aggregate:
		keys := make([]string, len(n.Keys))
		for i, k := range n.Keys {
			keys[i] = fmt.Sprint(k)
		}
		parts := []string{"group=[{" + strings.Join(keys, ", ") + "}]"}
		for _, a := range n.Aggs {
			parts = append(parts, a.Name+"=["+a.astText()+"]")
		}
		x.text = "LogicalAggregate(" + strings.Join(parts, ", ") + ")"
	case *Union:
		x.text = "LogicalUnion(all=[true])"
	case *Sort:
		var parts []string
		for i, k := range n.Keys {
			dir := "ASC-nulls-first"
			switch {
			case k.Desc && k.NullsFirst:
				dir = "DESC-nulls-first"
			case k.Desc:
				dir = "DESC-nulls-last"
			case !k.NullsFirst:
				dir = "ASC-nulls-last"
			}
			parts = append(parts, fmt.Sprintf("sort%d=[$%d]", i, k.Col), fmt.Sprintf("dir%d=[%s]", i, dir))
		}
		if n.Offset > 0 {
			parts = append(parts, fmt.Sprintf("offset=[%d]", n.Offset))
		}
		if n.Limit >= 0 {
			parts = append(parts, fmt.Sprintf("fetch=[%d]", n.Limit))
		}
		x.text = "LogicalSort(" + strings.Join(parts, ", ") + ")"
	case *Sink:
		x.text = fmt.Sprintf("LogicalSink(table=[%s], fields=[%s])", qualifiedTable(n.Table), strings.Join(n.Fields.Names(), ", "))
	case *WatermarkAssigner:
		x.text = fmt.Sprintf("LogicalWatermarkAssigner(rowtime=[%s], watermark=[%s])", n.Input.Schema()[n.Rowtime].Name, rexAST(n.Expr))
	case *WindowTVF:
		x.text = "LogicalTableFunctionScan(invocation=[" + n.Window.describe() + "])"
	default:
		x.text = n.describe()
	}
	for _, in := range n.Inputs() {
		x.ins = append(x.ins, astNode(in))
	}
	return x
}

// -- the physical and execution plans ----------------------------------------

// explainer renders an optimized plan with the exchanges the translation
// puts in (hash by the grouping keys before an aggregate, one partition
// before a sort and a global aggregate). physical selects Flink's
// physical-plan expression style (prefix operators); otherwise
// expressions print as the engine evaluates them.
type explainer struct {
	p        *Planner
	physical bool
	evals    int // evaluators numbered in translation order
	// noUB are the aggregates the changelog inference spares their -U.
	noUB map[Node]bool
}

func (e *explainer) rex(r Rex) string {
	if e.physical {
		return rexPrefix(r, true)
	}
	return r.String()
}

func (e *explainer) selectList(exprs []Rex, names []string) string {
	parts := make([]string, len(exprs))
	for i, r := range exprs {
		s := e.rex(r)
		if ref, ok := r.(*InputRef); !ok || ref.Name != names[i] {
			s += " AS " + names[i]
		}
		parts[i] = s
	}
	return strings.Join(parts, ", ")
}

func (e *explainer) mode(n Node) string {
	return inferredMode(n, e.p.Streaming, e.noUB).String()
}

func (e *explainer) exchange(in *xnode, distribution string, mode string) *xnode {
	return &xnode{text: "Exchange(distribution=[" + distribution + "])", mode: mode, kind: "exchange", ins: []*xnode{in}}
}

func (e *explainer) node(n Node) *xnode {
	if x, ok := n.(extNode); ok {
		return x.explain(e)
	}
	par := e.p.parallelism()
	switch n := n.(type) {
	case *Scan:
		table := scanTable(n.Table)
		if n.Watermark != nil {
			// Flink lists a pushed-down watermark in the table's brackets.
			table = strings.TrimSuffix(table, "]") + ", watermark=[" + e.rex(n.Watermark) + "]]"
		}
		s := fmt.Sprintf("TableSourceScan(table=[%s], fields=[%s]", table, strings.Join(n.Fields.Names(), ", "))
		if n.Source != nil && n.Source.Describe != "" {
			s += ", " + n.Source.Describe
		}
		sp := par
		if n.Source != nil && n.Source.Parallelism > 0 {
			sp = n.Source.Parallelism
		}
		return &xnode{text: s + ")", mode: e.mode(n), kind: "source", name: n.Table, par: sp}
	case *Values:
		return &xnode{text: n.describe(), mode: e.mode(n), kind: "source", name: "Values", par: 1}
	case *Calc:
		return e.calc(n)
	case *Aggregate:
		in := e.node(n.Input)
		keys := make([]string, len(n.Keys))
		for i, k := range n.Keys {
			keys[i] = n.Input.Schema()[k].Name
		}
		dist, ap := "hash["+strings.Join(keys, ", ")+"]", par
		if len(n.Keys) == 0 {
			dist, ap = "single", 1
		}
		text := n.describe()
		if len(n.Keys) == 0 {
			text = strings.Replace(text, "groupBy=[], ", "", 1)
		}
		return &xnode{text: text, mode: e.mode(n), par: ap, ins: []*xnode{e.exchange(in, dist, e.mode(n.Input))}}
	case *Rank:
		in := e.node(n.Input)
		if n.Batch {
			return e.batchRankNode(n, in)
		}
		keys := make([]string, len(n.Keys))
		for i, k := range n.Keys {
			keys[i] = n.Input.Schema()[k].Name
		}
		dist, ap := "hash["+strings.Join(keys, ", ")+"]", par
		if len(n.Keys) == 0 {
			dist, ap = "single", 1
		}
		return &xnode{text: n.text(e.physical), mode: e.mode(n), par: ap, ins: []*xnode{e.exchange(in, dist, e.mode(n.Input))}}
	case *OverAggregate:
		return e.over(n)
	case *Sort:
		in := e.node(n.Input)
		return &xnode{text: n.describe(), mode: e.mode(n), par: 1, ins: []*xnode{e.exchange(in, "single", e.mode(n.Input))}}
	case *WindowTVF:
		if n.Window.Kind != engine.Session {
			break
		}
		// A SESSION table function keeps a partition's rows in one subtask.
		in := e.node(n.Input)
		keys := n.Window.PartitionNames
		dist, ap := "hash["+strings.Join(keys, ", ")+"]", par
		if len(keys) == 0 {
			dist, ap = "single", 1
		}
		return &xnode{text: n.describe(), mode: e.mode(n), par: ap, ins: []*xnode{e.exchange(in, dist, e.mode(n.Input))}}
	case *WindowAggregate:
		in := e.node(n.Input)
		keys := make([]string, len(n.Keys))
		for i, k := range n.Keys {
			keys[i] = n.Input.Schema()[k].Name
		}
		dist, ap := "hash["+strings.Join(keys, ", ")+"]", par
		if len(n.Keys) == 0 {
			dist, ap = "single", 1
		}
		return &xnode{text: n.describe(), mode: e.mode(n), par: ap, ins: []*xnode{e.exchange(in, dist, e.mode(n.Input))}}
	case *Union:
		x := &xnode{text: "Union(all=[true], union=[" + strings.Join(n.Schema().Names(), ", ") + "])", mode: e.mode(n), par: par}
		for _, in := range n.Ins {
			x.ins = append(x.ins, e.node(in))
		}
		return x
	case *Sink:
		in := e.node(n.Input)
		sp := par
		if n.Target != nil && n.Target.Parallelism > 0 {
			sp = n.Target.Parallelism
		}
		text := fmt.Sprintf("Sink(table=[%s], fields=[%s])", qualifiedTable(n.Table), strings.Join(n.Fields.Names(), ", "))
		// A sink emits nothing: Flink prints its mode as NONE.
		return &xnode{text: text, mode: "[NONE]", kind: "sink", name: n.Table, par: sp, ins: []*xnode{in}}
	}
	x := &xnode{text: n.describe(), mode: e.mode(n), par: par}
	for _, in := range n.Inputs() {
		x.ins = append(x.ins, e.node(in))
	}
	return x
}

// calc mirrors translator.lower: the steps it makes of a calc with
// user-defined function calls, bottom-up. A PythonCalc lists the columns
// later steps read, then its calls; a final Calc that only passes its
// input's columns on is left out, as in Flink's plans.
func (e *explainer) calc(c *Calc) *xnode {
	in := e.node(c.Input)
	mode := e.mode(c)
	par := e.p.parallelism()
	if !hasUDFs(c) {
		text := "Calc(select=[" + e.selectList(c.Exprs, c.Names) + "]"
		if c.Cond != nil {
			text += ", where=[" + e.rex(c.Cond) + "]"
		}
		return &xnode{text: text + ")", mode: mode, par: par, ins: []*xnode{in}}
	}
	inNames := c.Input.Schema().Names()
	// cols are the columns after each step: the input's, then the calls'.
	cols := make([]*InputRef, len(inNames))
	for i, name := range inNames {
		cols[i] = &InputRef{Index: i, T: c.Input.Schema()[i].Type, Name: name}
	}
	cur := in
	exprs := append([]Rex(nil), c.Exprs...)
	cond := c.Cond
	if cond != nil {
		var plain, rest []Rex
		for _, cj := range conjuncts(cond) {
			if hasUDF(cj) {
				rest = append(rest, cj)
			} else {
				plain = append(plain, cj)
			}
		}
		if len(plain) > 0 {
			refsIn := make([]Rex, len(cols))
			for i, col := range cols {
				refsIn[i] = col
			}
			cur = &xnode{text: "Calc(select=[" + e.selectList(refsIn, inNames) + "], where=[" + e.rex(conjoin(plain)) + "])",
				mode: mode, par: par, ins: []*xnode{cur}}
		}
		cond = conjoin(rest)
	}
	// A call that is a whole output column takes the column's name; the
	// others get Flink's f0, f1, ...
	outName := map[string]string{}
	for i, r := range exprs {
		if u, ok := r.(*UDFRex); ok {
			if _, dup := outName[udfKey(u)]; !dup {
				outName[udfKey(u)] = c.Names[i]
			}
		}
	}
	taken := map[string]bool{}
	for _, n := range inNames {
		taken[n] = true
	}
	generated := 0
	fresh := func(key string) string {
		if n, ok := outName[key]; ok && !taken[n] {
			taken[n] = true
			return n
		}
		for {
			n := fmt.Sprintf("f%d", generated)
			generated++
			if !taken[n] {
				taken[n] = true
				return n
			}
		}
	}
	type evaluator struct {
		runtime string
		width   int      // columns before it
		items   []string // "call AS name"
		reads   map[int]bool
	}
	var evals []evaluator
	for {
		order, byRuntime := nextUDFRound(exprs, cond)
		if len(order) == 0 {
			break
		}
		replaced := map[string]Rex{}
		for _, rt := range order {
			// Arguments that are not columns are computed first, by a Calc
			// under the PythonCalc (Flink's PythonCalcSplitRule), as
			// translator.lower appends them as columns.
			shown := map[*UDFRex]*UDFRex{}
			ext := evaluator{width: len(cols), reads: map[int]bool{}}
			extracted := map[string]*InputRef{}
			for _, u := range byRuntime[rt] {
				args := make([]Rex, len(u.Args))
				for j, a := range u.Args {
					if ref, ok := a.(*InputRef); ok && ref.Alias == "" {
						args[j] = a
						continue
					}
					key := e.rex(a)
					ref, ok := extracted[key]
					if !ok {
						name := fresh("")
						ext.items = append(ext.items, key+" AS "+name)
						refs(a, ext.reads)
						ref = &InputRef{Index: len(cols), T: a.Type(), Name: name}
						cols = append(cols, ref)
						extracted[key] = ref
					}
					args[j] = ref
				}
				shown[u] = &UDFRex{Fn: u.Fn, Name: u.Name, Args: args, T: u.T}
			}
			if len(ext.items) > 0 {
				evals = append(evals, ext)
			}
			ev := evaluator{runtime: rt, width: len(cols), reads: map[int]bool{}}
			for _, u := range byRuntime[rt] {
				name := fresh(udfKey(u))
				ev.items = append(ev.items, e.rex(shown[u])+" AS "+name)
				for _, a := range shown[u].Args {
					refs(a, ev.reads)
				}
				ref := &InputRef{Index: len(cols), T: u.T, Name: name}
				cols = append(cols, ref)
				replaced[udfKey(u)] = ref
			}
			evals = append(evals, ev)
		}
		cond = substituteUDFs(exprs, cond, replaced)
	}
	// What each evaluator must pass on: the columns read after it.
	needed := map[int]bool{}
	for _, r := range exprs {
		refs(r, needed)
	}
	if cond != nil {
		refs(cond, needed)
	}
	forwarded := make([][]int, len(evals))
	for k := len(evals) - 1; k >= 0; k-- {
		for i := 0; i < evals[k].width; i++ {
			if needed[i] {
				forwarded[k] = append(forwarded[k], i)
			}
		}
		for i := range evals[k].reads {
			needed[i] = true
		}
	}
	var last []string // the last evaluator's output columns
	for k, ev := range evals {
		if ev.runtime != "" {
			e.evals++
		}
		var items []string
		last = last[:0]
		for _, i := range forwarded[k] {
			items = append(items, e.rex(cols[i]))
			last = append(last, cols[i].Name)
		}
		for i, it := range ev.items {
			items = append(items, it)
			last = append(last, cols[ev.width+i].Name)
		}
		node, runtime := "PythonCalc", ev.runtime
		switch ev.runtime {
		case "python":
			runtime = "row"
		case "pandas", "arrow":
		default:
			node = "Calc"
		}
		text := fmt.Sprintf("%s(select=[%s])", node, strings.Join(items, ", "))
		note := fmt.Sprintf("runtime=%s, evaluator=#%d", runtime, e.evals)
		if ev.runtime == "" { // arguments computed before the calls
			note = ""
		}
		cur = &xnode{text: text, note: note, mode: mode, par: par, ins: []*xnode{cur}}
	}
	if cond == nil && len(exprs) == len(last) {
		passes := true
		for i, r := range exprs {
			ref, ok := r.(*InputRef)
			if !ok || ref.Name != last[i] || c.Names[i] != last[i] {
				passes = false
			}
		}
		if passes {
			return cur
		}
	}
	text := "Calc(select=[" + e.selectList(exprs, c.Names) + "]"
	if cond != nil {
		text += ", where=[" + e.rex(cond) + "]"
	}
	return &xnode{text: text + ")", mode: mode, par: par, ins: []*xnode{cur}}
}

func hasUDFs(c *Calc) bool {
	if c.Cond != nil && hasUDF(c.Cond) {
		return true
	}
	for _, r := range c.Exprs {
		if hasUDF(r) {
			return true
		}
	}
	return false
}

// jsonPlan is Flink's JSON execution plan of an explained tree, in the
// layout Flink's Jackson printer gives it: one node per operator,
// numbered bottom-up, exchanges as the ship strategy of the edge they
// stand on.
func (p *Planner) jsonPlan(roots []*xnode) string {
	var nodes []jsonObject
	var visit func(x *xnode) (int, string)
	visit = func(x *xnode) (int, string) {
		if x.kind == "exchange" {
			id, _ := visit(x.ins[0])
			if strings.Contains(x.text, "single") {
				return id, "GLOBAL"
			}
			if strings.Contains(x.text, "forward") {
				return id, "FORWARD"
			}
			return id, "HASH"
		}
		var preds []any
		for _, in := range x.ins {
			id, ship := visit(in)
			preds = append(preds, jsonObject{{"id", id}, {"ship_strategy", ship}, {"side", "second"}})
		}
		id := len(nodes) + 1
		op := strings.SplitN(x.text, "(", 2)[0]
		typ, pact := fmt.Sprintf("%s[%d]", op, id), "Operator"
		switch x.kind {
		case "source":
			typ, pact = fmt.Sprintf("Source: %s[%d]", x.name, id), "Data Source"
		case "sink":
			typ, pact = fmt.Sprintf("Sink: %s[%d]", x.name, id), "Data Sink"
		}
		n := jsonObject{{"id", id}, {"type", typ}, {"pact", pact}, {"contents", fmt.Sprintf("[%d]:%s", id, x.text)}, {"parallelism", x.par}}
		if len(preds) > 0 {
			n = append(n, jsonField{"predecessors", preds})
		}
		nodes = append(nodes, n)
		return id, "FORWARD"
	}
	for _, root := range roots {
		visit(root)
	}
	arr := make([]any, len(nodes))
	for i, n := range nodes {
		arr[i] = n
	}
	var sb strings.Builder
	writeJSON(&sb, jsonObject{{"nodes", arr}}, 0)
	return sb.String()
}

type jsonField struct {
	key   string
	value any
}

// jsonObject keeps its fields in order, as Flink writes them.
type jsonObject []jsonField

// writeJSON writes v as Jackson's DefaultPrettyPrinter does: two-space
// indents, "key" : value, arrays inline as [ {...}, {...} ].
func writeJSON(sb *strings.Builder, v any, indent int) {
	pad := strings.Repeat("  ", indent)
	switch x := v.(type) {
	case jsonObject:
		sb.WriteString("{\n")
		for i, f := range x {
			sb.WriteString(pad + "  ")
			sb.WriteString(jsonValue(f.key))
			sb.WriteString(" : ")
			writeJSON(sb, f.value, indent+1)
			if i < len(x)-1 {
				sb.WriteString(",")
			}
			sb.WriteString("\n")
		}
		sb.WriteString(pad + "}")
	case []any:
		sb.WriteString("[ ")
		for i, e := range x {
			if i > 0 {
				sb.WriteString(", ")
			}
			writeJSON(sb, e, indent)
		}
		sb.WriteString(" ]")
	default:
		sb.WriteString(jsonValue(x))
	}
}

// jsonValue encodes a scalar without HTML escaping (plans hold < and >).
func jsonValue(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}
