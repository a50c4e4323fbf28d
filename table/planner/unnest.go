package planner

import (
	"fmt"
	"strings"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
)

// Unnest is `input CROSS JOIN UNNEST(input.col) [WITH ORDINALITY]` and
// `LEFT JOIN UNNEST(...) ON cond`: Flink's correlate of its UNNEST_ROWS
// table function (UncollectToTableFunctionScanRule). Each input row is
// followed by one row per element of its collection column Col; the
// output is the input's columns (time attributes kept: the rows keep
// their input's time order) then Fields: the element's (a ROW element's
// fields, a MAP entry's key and value, else the element) and, with
// Ordinality, its position. Cond (LEFT only; over the output) decides
// which elements match; an input row with none is padded with NULLs.
type Unnest struct {
	Input      Node
	Col        int
	Ordinality bool
	LeftOuter  bool
	Cond       Rex
	Fields     Schema
	// Call, when set, is the table function call whose rows are unnested
	// (LATERAL TABLE, lateral.go): plans show it instead of UNNEST_ROWS.
	Call string
}

func (n *Unnest) Schema() Schema {
	return append(append(Schema(nil), n.Input.Schema()...), n.Fields...)
}

func (n *Unnest) Inputs() []Node { return []Node{n.Input} }

func (n *Unnest) WithInputs(in ...Node) Node {
	c := *n
	c.Input = in[0]
	return &c
}

func (n *Unnest) function() string {
	if n.Call != "" {
		return n.Call
	}
	f := "$UNNEST_ROWS$1"
	if n.Ordinality {
		f = "$UNNEST_ROWS_WITH_ORDINALITY$1"
	}
	return f + "($cor0." + n.Input.Schema()[n.Col].Name + ")"
}

func (n *Unnest) joinType() string {
	if n.LeftOuter {
		return "LEFT"
	}
	return "INNER"
}

func (n *Unnest) describe() string {
	return fmt.Sprintf("LogicalCorrelate(correlation=[$cor0], joinType=[%s], requiredColumns=[{%d}])", strings.ToLower(n.joinType()), n.Col)
}

// text is Flink's Correlate line (without its rowType).
func (n *Unnest) text() string {
	op := "Correlate"
	if n.Call != "" {
		op = "PythonCorrelate" // Flink's node for a Python table function
	}
	s := fmt.Sprintf("%s(invocation=[%s], correlate=[table(%s)], select=[%s]", op, n.function(), n.function(), strings.Join(n.Schema().Names(), ","))
	if n.Cond != nil {
		s += ", condition=[" + rexPrefix(renameRefs(n.Cond, n.Schema().Names()), true) + "]"
	}
	return s + ", joinType=[" + n.joinType() + "])"
}

func (n *Unnest) changelogMode() connector.ChangelogMode { return ModeOf(n.Input, true) }

func (n *Unnest) explain(e *explainer) *xnode {
	in := e.node(n.Input)
	return &xnode{text: n.text(), mode: e.mode(n), par: in.par, ins: []*xnode{in}}
}

func (n *Unnest) spec() (engine.UnnestSpec, error) {
	spec := engine.UnnestSpec{Col: n.Col, Ordinality: n.Ordinality, LeftOuter: n.LeftOuter,
		Input: arrowSchema(n.Input.Schema()), Names: n.Fields.Names()}
	if n.Cond != nil {
		if hasUDF(n.Cond) {
			return spec, fmt.Errorf("planner: a user-defined function in the condition of a LEFT JOIN UNNEST is not supported yet")
		}
		var err error
		if spec.Cond, err = Compile(n.Cond); err != nil {
			return spec, err
		}
	}
	_, err := engine.NewUnnest(spec)
	return spec, err
}

func (n *Unnest) translate(t *translator) (*engine.Vertex, error) {
	in, err := t.node(n.Input)
	if err != nil {
		return nil, err
	}
	spec, err := n.spec()
	if err != nil {
		return nil, err
	}
	name := n.text()
	// Row-local: chained behind its input, no exchange.
	chain(in, func() engine.Operator {
		op, err := engine.NewUnnest(spec)
		if err != nil {
			panic(err) // checked by spec() with the same spec
		}
		return engine.WithName(name, op)
	})
	return in, nil
}

// calciteTypeName is how Calcite names a type in its operand errors.
func calciteTypeName(t types.DataType) string {
	s := strings.ToUpper(t.Materialized().Nullable().String())
	switch {
	case s == "INT":
		return "INTEGER"
	case s == "STRING":
		return "VARCHAR"
	}
	return s
}

// unnestFields are the columns UNNEST of a collection of type t gives,
// Calcite's names: a ROW element's fields, KEY and VALUE of a MAP, else
// EXPR$0 (the alias of a one-column UNNEST without a column list), then
// ORDINALITY.
func unnestFields(t types.DataType, ordinality, padded bool, alias string) Schema {
	var out Schema
	switch t.Kind {
	case types.Map:
		out = Schema{{Name: "KEY", Type: *t.Key}, {Name: "VALUE", Type: *t.Value}}
	default:
		e := *t.Elem
		if e.Kind == types.Row {
			for _, f := range e.Fields {
				out = append(out, Field{Name: f.Name, Type: f.Type})
			}
		} else {
			name := "EXPR$0"
			if alias != "" {
				name = alias
			}
			out = Schema{{Name: name, Type: e}}
		}
	}
	if ordinality {
		out = append(out, Field{Name: "ORDINALITY", Type: types.INT().NotNullable()})
	}
	if padded {
		for i := range out {
			out[i].Type = out[i].Type.Nullable()
		}
	}
	return out
}

// bindUnnestArg binds UNNEST's one argument in sc: a collection.
func (p *Planner) bindUnnestArg(u *sql.UnnestRef, sc *scope) (Rex, error) {
	if len(u.Args) != 1 {
		return nil, p.ErrAt(u.Start, "UNNEST of %d collections is not supported: Flink 2.3 unnests one ARRAY, MULTISET or MAP at a time (join several UNNESTs instead)", len(u.Args))
	}
	x, err := p.bindExpr(u.Args[0], sc)
	if err != nil {
		return nil, err
	}
	switch x.Type().Kind {
	case types.Array, types.Multiset, types.Map:
		return x, nil
	}
	return nil, p.ErrAt(u.Start, "Cannot apply 'UNNEST' to arguments of type 'UNNEST(<%s>)'. Supported form(s): 'UNNEST(<MULTISET>)' 'UNNEST(<ARRAY>)'", calciteTypeName(x.Type()))
}

// unnestOver builds Unnest of expression x over in (scope sc): x is a
// column of in, or becomes one in a projection below (dropped again
// above). It returns the node (in's columns, then the UNNEST's) and the
// UNNEST's scope columns.
func (p *Planner) unnestOver(in Node, x Rex, u *sql.UnnestRef, left bool) (*Unnest, Node, []scopeCol, error) {
	alias := ""
	if u.Alias != nil {
		alias = u.Alias.Name
	}
	// A lone element column is named after the alias only without a
	// column list (Calcite's naming).
	named := alias
	if len(u.Columns) > 0 {
		named = ""
	}
	fields := unnestFields(x.Type(), u.WithOrdinality, left, named)
	if len(u.Columns) > 0 {
		if len(u.Columns) != len(fields) {
			quoted := make([]string, len(fields))
			for i, f := range fields {
				quoted[i] = "'" + f.Name + "'"
			}
			return nil, nil, nil, p.ErrAt(u.Columns[0].Start, "List of column aliases must have same degree as table; table has %d columns (%s), whereas alias list has %d columns",
				len(fields), strings.Join(quoted, ", "), len(u.Columns))
		}
		for i, c := range u.Columns {
			fields[i].Name = c.Name
		}
	}
	nIn := len(in.Schema())
	col := -1
	if ref, ok := x.(*InputRef); ok {
		col = ref.Index
	}
	input := in
	if col < 0 {
		s := in.Schema()
		exprs := make([]Rex, 0, len(s)+1)
		names := make([]string, 0, len(s)+1)
		for i, f := range s {
			exprs = append(exprs, &InputRef{Index: i, T: f.Type, Name: f.Name})
			names = append(names, f.Name)
		}
		exprs = append(exprs, x)
		names = append(names, fmt.Sprintf("$f%d", len(s)))
		input, col = &Project{Input: in, Exprs: exprs, Names: uniqueNames(names)}, len(s)
	}
	un := &Unnest{Input: input, Col: col, Ordinality: u.WithOrdinality, LeftOuter: left, Fields: fields}
	var out Node = un
	if input != in {
		// Drop the projected collection again.
		s := un.Schema()
		var exprs []Rex
		var names []string
		for i, f := range s {
			if i == nIn {
				continue
			}
			exprs = append(exprs, &InputRef{Index: i, T: f.Type, Name: f.Name})
			names = append(names, f.Name)
		}
		out = &Project{Input: un, Exprs: exprs, Names: uniqueNames(names)}
	}
	cols := make([]scopeCol, len(fields))
	for i, f := range fields {
		cols[i] = scopeCol{qual: alias, name: f.Name, typ: f.Type}
	}
	return un, out, cols, nil
}

// checkCorrelatedJoin refuses the join forms a correlated right side
// (UNNEST, LATERAL TABLE: what its text names, subject in the message)
// cannot take.
func (p *Planner) checkCorrelatedJoin(j *sql.Join, what, subject string) error {
	if j.Kind == sql.RightJoin || j.Kind == sql.FullJoin {
		return p.ErrAt(j.Pos(), "%s JOIN %s is not supported: Flink 2.3 correlates %s with CROSS, INNER or LEFT joins only", j.Kind, what, subject)
	}
	if j.Natural || len(j.Using) > 0 {
		return p.ErrAt(j.Pos(), "a join with %s takes ON, not USING or NATURAL", what)
	}
	return nil
}

// bindUnnestJoin binds `left CROSS JOIN UNNEST(...)`, `left, UNNEST(...)`,
// `left [INNER] JOIN UNNEST(...) ON cond` and `left LEFT JOIN UNNEST(...)
// ON cond`: the UNNEST's argument reads the left side's columns.
func (p *Planner) bindUnnestJoin(j *sql.Join, u *sql.UnnestRef) (Node, *scope, error) {
	if err := p.checkCorrelatedJoin(j, "UNNEST", "UNNEST"); err != nil {
		return nil, nil, err
	}
	l, lsc, err := p.bindFrom(j.Left)
	if err != nil {
		return nil, nil, err
	}
	x, err := p.bindUnnestArg(u, lsc)
	if err != nil {
		return nil, nil, err
	}
	left := j.Kind == sql.LeftJoin
	un, n, cols, err := p.unnestOver(l, x, u, left)
	if err != nil {
		return nil, nil, err
	}
	nL := len(lsc.cols)
	sc := &scope{cols: append(append([]scopeCol(nil), lsc.cols...), cols...)}
	if j.On == nil {
		return n, sc, nil
	}
	cond, err := p.bindCondition(j.On, sc, "ON")
	if err != nil {
		return nil, nil, err
	}
	if lit, ok := cond.(*Literal); ok && lit.Value == true {
		return n, sc, nil
	}
	if !left {
		return &Filter{Input: n, Cond: cond}, sc, nil
	}
	if sideOf(cond, nL)&1 != 0 {
		// Flink 2.3 fails on it ("unexpected correlate variable").
		return nil, nil, p.ErrAt(j.On.Pos(), "the ON condition of a LEFT JOIN UNNEST may only read the UNNEST's columns")
	}
	if un.Input != l {
		cond = shiftRefs(cond, nL, 1)
	}
	un.Cond = cond
	return n, sc, nil
}

// bindUnnest binds an UNNEST in FROM without a correlation: UNNEST over a
// one-row input holding its argument.
func (p *Planner) bindUnnest(u *sql.UnnestRef) (Node, *scope, error) {
	x, err := p.bindUnnestArg(u, &scope{})
	if err != nil {
		return nil, nil, err
	}
	one := &Values{Fields: Schema{{Name: "EXPR$0", Type: x.Type()}}, Rows: [][]Rex{{x}}}
	un, _, cols, err := p.unnestOver(one, &InputRef{Index: 0, T: x.Type(), Name: "EXPR$0"}, u, false)
	if err != nil {
		return nil, nil, err
	}
	s := un.Schema()
	exprs := make([]Rex, 0, len(s)-1)
	names := make([]string, 0, len(s)-1)
	for i := 1; i < len(s); i++ {
		exprs = append(exprs, &InputRef{Index: i, T: s[i].Type, Name: s[i].Name})
		names = append(names, s[i].Name)
	}
	return &Project{Input: un, Exprs: exprs, Names: names}, &scope{cols: cols}, nil
}
