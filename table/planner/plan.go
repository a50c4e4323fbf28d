// Package planner turns SQL statements and Table API operations into
// logical plans, rewrites them with named optimizer rules, infers their
// changelog modes and translates them into engine job graphs.
//
// Plan nodes are immutable: rules build new nodes.
package planner

import (
	"fmt"
	"strings"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/catalog"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
)

// Field is a column of a plan node's output.
type Field struct {
	Name string
	Type types.DataType
}

// Schema is the output row type of a node.
type Schema []Field

// Names lists the field names.
func (s Schema) Names() []string {
	out := make([]string, len(s))
	for i, f := range s {
		out[i] = f.Name
	}
	return out
}

// Node is a logical plan node.
type Node interface {
	Schema() Schema
	Inputs() []Node
	// WithInputs returns a copy with new inputs (same count).
	WithInputs(in ...Node) Node
	// describe is the node's one-line EXPLAIN form.
	describe() string
}

// Scan reads a catalog table through its connector.
type Scan struct {
	Table  string
	Source *connector.Source
	Fields Schema
	// Cols are the physical column indexes Fields come from; nil means all,
	// in order (before projection push-down).
	Cols []int
	// Watermark is the WATERMARK expression the source generates
	// watermarks with itself (connector.Source.Watermarks), for EXPLAIN.
	Watermark Rex
}

// col is the physical index of output field i.
func (n *Scan) col(i int) int {
	if n.Cols == nil {
		return i
	}
	return n.Cols[i]
}

// Values is an inline table.
type Values struct {
	Fields Schema
	Rows   [][]Rex
}

// Project computes one column per expression.
type Project struct {
	Input Node
	Exprs []Rex
	Names []string
	// TableAPI is set on a projection of Flink's Table API, whose renames
	// (alias(), col('a').alias('x')) are AS calls in Flink's plan: where
	// such a projection merges into a Python function call's arguments,
	// the argument stays an AS (InputRef.Alias) and Flink's
	// PythonCalcSplitRule computes it before the call (Calc(select=[_1
	// AS f0]) under PythonCalc(select=[f(f0) ...])).
	TableAPI bool
}

// Filter keeps rows whose condition is TRUE.
type Filter struct {
	Input Node
	Cond  Rex
}

// Calc is a filter followed by a projection, the form rules fuse
// projections and filters into and the engine runs in one step.
type Calc struct {
	Input Node
	Cond  Rex // nil: no filter
	Exprs []Rex
	Names []string
}

// AggCall is one aggregate of an Aggregate node.
type AggCall struct {
	Kind     engine.AggKind
	Arg      int // input column; -1 for COUNT(*)
	Distinct bool
	Type     types.DataType
	Name     string
	// Filtered: FILTER (WHERE ...), a BOOLEAN input column (Filter) that
	// is TRUE for the rows the aggregate takes.
	Filtered bool
	Filter   int
	// User is a user-defined aggregate (Kind engine.UserDefined) called
	// UserName, over the input columns Args.
	User     engine.UserAggregate
	UserName string
	Args     []int
	// Sep is LISTAGG's separator (Kind engine.ListAgg); nil when the
	// call gives none (engine.DefaultListAggSeparator).
	Sep *string
}

// Aggregate groups by Keys (input columns) and computes Aggs. Output:
// keys, then aggregates. With no Aggs and AllKeys it is SELECT DISTINCT.
type Aggregate struct {
	Input Node
	Keys  []int
	Aggs  []AggCall
	Names []string
}

// Union concatenates inputs of the same row type (UNION ALL).
type Union struct {
	Ins []Node
}

// SortKey orders by an input column.
type SortKey struct {
	Col        int
	Desc       bool
	NullsFirst bool
}

// Sort orders (bounded input) and applies OFFSET/LIMIT; Limit < 0 is none.
type Sort struct {
	Input  Node
	Keys   []SortKey
	Offset int64
	Limit  int64
}

// Sink writes its input into a table.
type Sink struct {
	Input  Node
	Table  string
	Target *connector.Sink
	Fields Schema
	// KeyCols is the upsert key in the input's columns (the primary key,
	// or for legacy sinks the query's unique key); nil when none.
	KeyCols []int
}

func (n *Scan) Schema() Schema      { return n.Fields }
func (n *Values) Schema() Schema    { return n.Fields }
func (n *Project) Schema() Schema   { return exprSchema(n.Exprs, n.Names) }
func (n *Filter) Schema() Schema    { return n.Input.Schema() }
func (n *Calc) Schema() Schema      { return exprSchema(n.Exprs, n.Names) }
func (n *Union) Schema() Schema     { return n.Ins[0].Schema() }
func (n *Sort) Schema() Schema      { return n.Input.Schema() }
func (n *Sink) Schema() Schema      { return n.Fields }
func (n *Aggregate) Schema() Schema { return n.schema() }

func (n *Aggregate) schema() Schema {
	in := n.Input.Schema()
	out := make(Schema, 0, len(n.Keys)+len(n.Aggs))
	for i, k := range n.Keys {
		name := in[k].Name
		if i < len(n.Names) {
			name = n.Names[i]
		}
		// GROUP BY materializes a time attribute (Flink).
		out = append(out, Field{Name: name, Type: in[k].Type.Materialized()})
	}
	for _, a := range n.Aggs {
		out = append(out, Field{Name: a.Name, Type: a.Type})
	}
	return out
}

func exprSchema(exprs []Rex, names []string) Schema {
	out := make(Schema, len(exprs))
	for i, e := range exprs {
		out[i] = Field{Name: names[i], Type: e.Type()}
	}
	return out
}

func (n *Scan) Inputs() []Node      { return nil }
func (n *Values) Inputs() []Node    { return nil }
func (n *Project) Inputs() []Node   { return []Node{n.Input} }
func (n *Filter) Inputs() []Node    { return []Node{n.Input} }
func (n *Calc) Inputs() []Node      { return []Node{n.Input} }
func (n *Aggregate) Inputs() []Node { return []Node{n.Input} }
func (n *Union) Inputs() []Node     { return n.Ins }
func (n *Sort) Inputs() []Node      { return []Node{n.Input} }
func (n *Sink) Inputs() []Node      { return []Node{n.Input} }

func (n *Scan) WithInputs(...Node) Node   { return n }
func (n *Values) WithInputs(...Node) Node { return n }
func (n *Project) WithInputs(in ...Node) Node {
	c := *n
	c.Input = in[0]
	return &c
}
func (n *Filter) WithInputs(in ...Node) Node {
	c := *n
	c.Input = in[0]
	return &c
}
func (n *Calc) WithInputs(in ...Node) Node {
	c := *n
	c.Input = in[0]
	return &c
}
func (n *Aggregate) WithInputs(in ...Node) Node {
	c := *n
	c.Input = in[0]
	return &c
}
func (n *Union) WithInputs(in ...Node) Node { return &Union{Ins: in} }
func (n *Sort) WithInputs(in ...Node) Node {
	c := *n
	c.Input = in[0]
	return &c
}
func (n *Sink) WithInputs(in ...Node) Node {
	c := *n
	c.Input = in[0]
	return &c
}

func (n *Scan) describe() string {
	s := fmt.Sprintf("TableSourceScan(table=[%s], fields=[%s]", n.Table, strings.Join(n.Fields.Names(), ", "))
	if n.Source != nil && n.Source.Describe != "" {
		s += ", " + n.Source.Describe
	}
	return s + ")"
}

func (n *Values) describe() string {
	return fmt.Sprintf("Values(fields=[%s], rows=%d)", strings.Join(n.Fields.Names(), ", "), len(n.Rows))
}

func selectList(exprs []Rex, names []string) string {
	parts := make([]string, len(exprs))
	for i, e := range exprs {
		s := e.String()
		if ref, ok := e.(*InputRef); !ok || ref.Name != names[i] {
			s += " AS " + names[i]
		}
		parts[i] = s
	}
	return strings.Join(parts, ", ")
}

func (n *Project) describe() string { return "Project(select=[" + selectList(n.Exprs, n.Names) + "])" }
func (n *Filter) describe() string  { return "Filter(condition=[" + n.Cond.String() + "])" }
func (n *Calc) describe() string {
	s := "Calc(select=[" + selectList(n.Exprs, n.Names) + "]"
	if n.Cond != nil {
		s += ", where=[" + n.Cond.String() + "]"
	}
	return s + ")"
}

func (n *Aggregate) describe() string {
	in := n.Input.Schema()
	keys := make([]string, len(n.Keys))
	for i, k := range n.Keys {
		keys[i] = in[k].Name
	}
	aggs := make([]string, len(n.Aggs))
	for i, a := range n.Aggs {
		fn := a.callText(in)
		if a.Filtered {
			fn += " FILTER " + in[a.Filter].Name
		}
		aggs[i] = fmt.Sprintf("%s AS %s", fn, a.Name)
	}
	if len(n.Aggs) == 0 && len(n.Keys) == len(in) {
		return "Distinct(select=[" + strings.Join(keys, ", ") + "])"
	}
	// Flink's node of an aggregate with a Python function.
	name := "GroupAggregate"
	if hasUserAgg(n.Aggs) {
		name = "PythonGroupAggregate"
	}
	return fmt.Sprintf("%s(groupBy=[%s], select=[%s])", name, strings.Join(keys, ", "), strings.Join(append(keys, aggs...), ", "))
}

func (n *Union) describe() string { return "Union(all=[true])" }

func (n *Sort) describe() string {
	in := n.Input.Schema()
	keys := make([]string, len(n.Keys))
	for i, k := range n.Keys {
		dir := "ASC"
		if k.Desc {
			dir = "DESC"
		}
		keys[i] = in[k.Col].Name + " " + dir
	}
	s := "Sort(orderBy=[" + strings.Join(keys, ", ") + "]"
	if n.Offset > 0 {
		s += fmt.Sprintf(", offset=[%d]", n.Offset)
	}
	if n.Limit >= 0 {
		s += fmt.Sprintf(", fetch=[%d]", n.Limit)
	}
	return s + ")"
}

func (n *Sink) describe() string {
	return fmt.Sprintf("Sink(table=[%s], fields=[%s])", n.Table, strings.Join(n.Fields.Names(), ", "))
}

// Rex is a resolved scalar expression over a node's input row.
type Rex interface {
	Type() types.DataType
	String() string
}

// InputRef is input column Index.
type InputRef struct {
	Index int
	T     types.DataType
	Name  string
	// Alias is set on a Python function call's argument that a Table API
	// projection renamed (see Project.TableAPI): the call reads the
	// column under that name, as Flink's AS call.
	Alias string
}

// Literal is a constant; Value is a Go value expr.Literal accepts, nil for
// NULL.
type Literal struct {
	Value any
	T     types.DataType
	Text  string // how plans print it
}

// CallRex is a built-in function or operator call, by its registry name.
type CallRex struct {
	Name string
	Args []Rex
	T    types.DataType
}

// CastRex is CAST or TRY_CAST.
type CastRex struct {
	Arg Rex
	T   types.DataType
	Try bool
}

// UDFRex calls a user-defined scalar function.
type UDFRex struct {
	Fn   *catalog.Function
	Name string
	Args []Rex
	T    types.DataType
}

func (r *InputRef) Type() types.DataType { return r.T }
func (r *Literal) Type() types.DataType  { return r.T }
func (r *CallRex) Type() types.DataType  { return r.T }
func (r *CastRex) Type() types.DataType  { return r.T }
func (r *UDFRex) Type() types.DataType   { return r.T }

func (r *InputRef) String() string {
	if r.Name != "" {
		return r.Name
	}
	return fmt.Sprintf("$%d", r.Index)
}

func (r *Literal) String() string { return r.Text }

var infix = map[string]bool{"+": true, "-": true, "*": true, "/": true, "%": true, "=": true, "<>": true,
	"<": true, "<=": true, ">": true, ">=": true, "AND": true, "OR": true, "||": true}

func (r *CallRex) String() string {
	if infix[r.Name] && len(r.Args) == 2 {
		return "(" + r.Args[0].String() + " " + r.Name + " " + r.Args[1].String() + ")"
	}
	if strings.HasPrefix(r.Name, "IS ") && len(r.Args) == 1 {
		return "(" + r.Args[0].String() + " " + r.Name + ")"
	}
	return r.Name + "(" + rexList(r.Args) + ")"
}

func (r *CastRex) String() string {
	fn := "CAST"
	if r.Try {
		fn = "TRY_CAST"
	}
	return fmt.Sprintf("%s(%s AS %s)", fn, r.Arg, r.T.Nullable())
}

func (r *UDFRex) String() string { return r.Name + "(" + rexList(r.Args) + ")" }

func rexList(rs []Rex) string {
	parts := make([]string, len(rs))
	for i, a := range rs {
		parts[i] = a.String()
	}
	return strings.Join(parts, ", ")
}

// walkRex calls f on r and every sub-expression, parents first.
func walkRex(r Rex, f func(Rex)) {
	f(r)
	switch r := r.(type) {
	case *CallRex:
		for _, a := range r.Args {
			walkRex(a, f)
		}
	case *CastRex:
		walkRex(r.Arg, f)
	case *UDFRex:
		for _, a := range r.Args {
			walkRex(a, f)
		}
	}
}

// rewriteRex rebuilds r bottom-up, replacing each node by f's result.
func rewriteRex(r Rex, f func(Rex) Rex) Rex {
	switch x := r.(type) {
	case *CallRex:
		args := make([]Rex, len(x.Args))
		for i, a := range x.Args {
			args[i] = rewriteRex(a, f)
		}
		r = &CallRex{Name: x.Name, Args: args, T: x.T}
	case *CastRex:
		r = &CastRex{Arg: rewriteRex(x.Arg, f), T: x.T, Try: x.Try}
	case *UDFRex:
		args := make([]Rex, len(x.Args))
		for i, a := range x.Args {
			args[i] = rewriteRex(a, f)
		}
		r = &UDFRex{Fn: x.Fn, Name: x.Name, Args: args, T: x.T}
	}
	return f(r)
}

// hasUDF reports whether r calls a user-defined function.
func hasUDF(r Rex) bool {
	found := false
	walkRex(r, func(x Rex) {
		if _, ok := x.(*UDFRex); ok {
			found = true
		}
	})
	return found
}

// refs lists the input columns r reads.
func refs(r Rex, into map[int]bool) {
	walkRex(r, func(x Rex) {
		if ref, ok := x.(*InputRef); ok {
			into[ref.Index] = true
		}
	})
}

// Explain renders a plan tree with changelog modes.
func Explain(n Node, streaming bool) string {
	var sb strings.Builder
	var walk func(n Node, prefix, childPrefix string)
	walk = func(n Node, prefix, childPrefix string) {
		sb.WriteString(prefix)
		d := n.describe()
		d = strings.TrimSuffix(d, ")") + ", changelogMode=" + ModeOf(n, streaming).String() + ")"
		sb.WriteString(d)
		sb.WriteString("\n")
		ins := n.Inputs()
		for i, in := range ins {
			if i == len(ins)-1 {
				walk(in, childPrefix+"+- ", childPrefix+"   ")
			} else {
				walk(in, childPrefix+":- ", childPrefix+":  ")
			}
		}
	}
	walk(n, "", "")
	return sb.String()
}

// ModeOf infers the changelog a node produces (Flink's
// FlinkChangelogModeInferenceProgram, simplified to the operators here).
func ModeOf(n Node, streaming bool) connector.ChangelogMode {
	if !streaming {
		return connector.InsertOnly
	}
	if m, ok := modeOfTime(n); ok {
		return m
	}
	if x, ok := n.(extNode); ok {
		return x.changelogMode()
	}
	switch n := n.(type) {
	case *Scan:
		return n.Source.Mode
	case *Values:
		return connector.InsertOnly
	case *Aggregate:
		in := ModeOf(n.Input, true)
		if len(n.Aggs) == 0 && len(n.Keys) == len(n.Input.Schema()) {
			// DISTINCT over an append-only input only ever inserts.
			if in.IsInsertOnly() {
				return connector.InsertOnly
			}
			return connector.KindInsert | connector.KindDelete
		}
		if in.IsInsertOnly() {
			return connector.KindInsert | connector.KindUpdateBefore | connector.KindUpdateAfter
		}
		return connector.All
	case *Union:
		var m connector.ChangelogMode
		for _, in := range n.Ins {
			m |= ModeOf(in, true)
		}
		return m
	case *Sink:
		return ModeOf(n.Input, true)
	case *Rank:
		return n.mode()
	case *OverAggregate:
		if n.Retract {
			return connector.All
		}
	}
	ins := n.Inputs()
	return ModeOf(ins[0], true)
}
