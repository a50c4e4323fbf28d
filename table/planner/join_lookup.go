package planner

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/catalog"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
)

// LookupJoin is Flink's lookup join, `left [LEFT] JOIN dim FOR
// SYSTEM_TIME AS OF left.proctime ON left.k = dim.id ...` over a table
// whose connector reads by key (StreamPhysicalLookupJoin): each left row
// is joined, when it arrives, with the rows the table has for its key.
// Keys[i] (over the left row: a column, an expression of the left's
// columns or a constant) equals the table's column KeyCols[i]; Cond, the
// rest of ON, filters the joined rows (left columns, then the table's).
// The table is no input: the operator reads it through Source, chained
// after the left side. Output: the left's columns with their time
// attributes (the join keeps arrival order, so the proctime stays one),
// then the table's, materialized, nullable for a LEFT join.
type LookupJoin struct {
	Left    Node
	Table   string
	Right   Schema
	Type    engine.JoinType
	Keys    []Rex
	KeyCols []int
	Cond    Rex
	Source  *connector.LookupSource
}

func (n *LookupJoin) Schema() Schema {
	return leftKeepingSchema(n.Left.Schema(), n.Right, n.Type == engine.LeftOuterJoin)
}

func (n *LookupJoin) Inputs() []Node { return []Node{n.Left} }

func (n *LookupJoin) WithInputs(in ...Node) Node {
	c := *n
	c.Left = in[0]
	return &c
}

func (n *LookupJoin) joinNames() []string {
	return uniqueNames(append(n.Left.Schema().Names(), n.Right.Names()...))
}

// lookupText is Flink's lookup=[id=k, kind=_UTF-16LE'x'].
func (n *LookupJoin) lookupText() string {
	names := n.joinNames()
	nL := len(n.Left.Schema())
	parts := make([]string, len(n.Keys))
	for i, k := range n.Keys {
		parts[i] = names[nL+n.KeyCols[i]] + "=" + rexPrefix(renameRefs(k, names), true)
	}
	return strings.Join(parts, ", ")
}

// text is Flink's LookupJoin line: conditions on the table's columns
// alone as where (Flink's calc on the temporal table), the others as
// joinCondition; rex renders them (the physical plan's infix form).
func (n *LookupJoin) text(rex func(Rex) string) string {
	s := fmt.Sprintf("LookupJoin(table=[%s], joinType=[%s], lookup=[%s]", qualifiedTable(n.Table), n.Type, n.lookupText())
	var where, join []Rex
	names := n.joinNames()
	nL := len(n.Left.Schema())
	for _, c := range conjuncts(n.Cond) {
		if c == nil {
			break
		}
		if sideOf(c, nL) == 2 {
			where = append(where, renameRefs(c, names))
		} else {
			join = append(join, renameRefs(c, names))
		}
	}
	if len(where) > 0 {
		s += ", where=[" + rex(conjoin(where)) + "]"
	}
	if len(join) > 0 {
		s += ", joinCondition=[" + rex(conjoin(join)) + "]"
	}
	return s + ", select=[" + strings.Join(n.Schema().Names(), ", ") + "])"
}

func (n *LookupJoin) describe() string {
	jt := "inner"
	if n.Type == engine.LeftOuterJoin {
		jt = "left"
	}
	return fmt.Sprintf("LogicalLookupJoin(table=[%s], joinType=[%s], lookup=[%s])", scanTable(n.Table), jt, n.lookupText())
}

// changelogMode: each output row has its input row's kind.
func (n *LookupJoin) changelogMode() connector.ChangelogMode { return ModeOf(n.Left, true) }

func (n *LookupJoin) explain(e *explainer) *xnode {
	in := e.node(n.Left)
	return &xnode{text: n.text(e.rex), note: n.Source.Describe, mode: e.mode(n), par: in.par, ins: []*xnode{in}}
}

func (n *LookupJoin) spec() (engine.LookupJoinSpec, error) {
	spec := engine.LookupJoinSpec{Type: n.Type, Left: arrowSchema(n.Left.Schema()), Right: arrowSchema(n.Right),
		Function: n.Source.Function, Cache: n.Source.Cache, Table: qualifiedTable(n.Table)}
	for i, k := range n.Keys {
		if hasUDF(k) {
			return spec, fmt.Errorf("a user-defined function in a lookup key is not supported yet")
		}
		x, err := Compile(k)
		if err != nil {
			return spec, err
		}
		if want := spec.Right.Field(n.KeyCols[i]).Type; !arrow.TypeEqual(x.DataType(), want) {
			return spec, fmt.Errorf("lookup key %s is %s, the table's column is %s", k, x.DataType(), want)
		}
		spec.Keys = append(spec.Keys, x)
	}
	if n.Cond != nil {
		if hasUDF(n.Cond) {
			return spec, fmt.Errorf("a user-defined function in the condition of a lookup join is not supported yet")
		}
		var err error
		if spec.Cond, err = Compile(n.Cond); err != nil {
			return spec, err
		}
	}
	_, err := engine.NewLookupJoin(spec)
	return spec, err
}

func (n *LookupJoin) translate(t *translator) (*engine.Vertex, error) {
	in, err := t.node(n.Left)
	if err != nil {
		return nil, err
	}
	spec, err := n.spec()
	if err != nil {
		return nil, err
	}
	name := n.text(func(r Rex) string { return rexPrefix(r, true) })
	chain(in, func() engine.Operator {
		op, err := engine.NewLookupJoin(spec)
		if err != nil {
			panic(err) // checked by spec() with the same spec
		}
		return engine.WithName(name, op)
	})
	return in, nil
}

// lookupJoin plans j (its Right the table bound without its period) as a
// lookup join at period, a processing-time attribute of the left side,
// with Flink's checks and messages (LogicalCorrelateToJoinFromTemporal-
// TableRule, CommonPhysicalLookupJoin).
func (p *Planner) lookupJoin(j *Join, period Rex, table *catalog.Table, pos sql.Pos) (Node, error) {
	if _, ok := period.(*InputRef); !ok || period.Type().TimeAttr != types.Proctime {
		return nil, p.ErrAt(pos, "Temporal table join currently only supports 'FOR SYSTEM_TIME AS OF' left table's time attribute field")
	}
	phys, err := physicalColumns(j.Right)
	if err != nil {
		return nil, p.ErrAt(pos, "lookup join of table %s: %v", table.Name, err)
	}
	f, opts, err := Factory(table)
	if err != nil {
		return nil, p.ErrAt(pos, "%v", err)
	}
	lf, ok := f.(connector.LookupFactory)
	if !ok {
		// What Flink says for a table whose source cannot look up: it
		// takes the table for a versioned one.
		if len(table.PrimaryKey) == 0 {
			return nil, p.ErrAt(pos, "Temporal Table Join requires primary key in versioned table, but no primary key can be found.")
		}
		return nil, p.ErrAt(pos, "Processing-time temporal join is not supported yet.")
	}
	nL := len(j.Left.Schema())
	rs := j.Right.Schema()
	var keys []Rex
	var keyCols []int
	var rest []Rex
	for _, c := range conjuncts(j.Cond) {
		k, col, ok := lookupKey(c, nL, keyCols)
		if !ok {
			rest = append(rest, c)
			continue
		}
		kt, ct := k.Type(), rs[col].Type
		if !arrow.TypeEqual(kt.Arrow(), ct.Arrow()) {
			lit, isLit := k.(*Literal)
			// A key that widens to the column's type is cast to it, as
			// Flink's JoinConditionTypeCoerceRule casts the sides of an
			// equi-condition to their least restrictive type (Nexmark q13:
			// MOD(auction, 10000), an INT, against a BIGINT key).
			if wide, err := commonType(kt, ct); !isLit && err == nil && arrow.TypeEqual(wide.Arrow(), ct.Arrow()) {
				keys = append(keys, castTo(k, ct.Materialized()))
				keyCols = append(keyCols, col)
				continue
			}
			if !isLit {
				// Otherwise Flink casts the column to the key's type, and a
				// cast column is no lookup key: the equality stays a
				// condition (BIGINT key = INT column).
				rest = append(rest, c)
				continue
			}
			// A constant takes the column's type (Calcite's literal
			// coercion).
			k = castTo(lit, ct.Materialized())
		}
		keys = append(keys, k)
		keyCols = append(keyCols, col)
	}
	if len(keys) == 0 {
		return nil, p.ErrAt(pos, "Temporal table join requires an equality condition on fields of table [%s].", qualifiedTable(table.Name))
	}
	physKeys := make([]int, len(keyCols))
	for i, c := range keyCols {
		physKeys[i] = phys[c]
	}
	cctx := ConnectorContext(table, opts, p.Config)
	src, err := lf.NewLookup(cctx, physKeys)
	if err != nil {
		return nil, p.ErrAt(pos, "table %s: %v", table.Name, err)
	}
	// The function returns the table's physical columns; the join's right
	// side is them in the bound order (aliases renamed).
	right := make(Schema, len(cctx.Columns))
	for i, c := range cctx.Columns {
		right[i] = Field{Name: c.Name, Type: c.Type}
	}
	for i, f := range rs {
		right[phys[i]].Name = f.Name
	}
	n := &LookupJoin{Left: j.Left, Table: table.Name, Right: right, Type: j.Type, Keys: keys, Cond: conjoin(rest), Source: src}
	for _, c := range keyCols {
		n.KeyCols = append(n.KeyCols, phys[c])
	}
	if n.Cond != nil {
		n.Cond = remapRight(n.Cond, nL, phys)
	}
	if _, err := n.spec(); err != nil {
		return nil, p.ErrAt(pos, "%v", err)
	}
	var out Node = n
	if !identity(phys, len(right)) {
		// Back to the bound order of the table's columns.
		s := n.Schema()
		var exprs []Rex
		var names []string
		for i := 0; i < nL; i++ {
			exprs = append(exprs, &InputRef{Index: i, T: s[i].Type, Name: s[i].Name})
			names = append(names, s[i].Name)
		}
		for _, c := range phys {
			exprs = append(exprs, &InputRef{Index: nL + c, T: s[nL+c].Type, Name: s[nL+c].Name})
			names = append(names, s[nL+c].Name)
		}
		out = &Project{Input: n, Exprs: exprs, Names: names}
	}
	return out, nil
}

// lookupKey recognizes `table.col = <expression of the left row>` (either
// order; a constant is one): the table's column and the key's value. A
// column that already has a key stays in the condition.
func lookupKey(c Rex, nLeft int, taken []int) (Rex, int, bool) {
	call, ok := c.(*CallRex)
	if !ok || call.Name != "=" || len(call.Args) != 2 {
		return nil, 0, false
	}
	for _, side := range [][2]Rex{{call.Args[0], call.Args[1]}, {call.Args[1], call.Args[0]}} {
		ref, ok := side[0].(*InputRef)
		if !ok || ref.Index < nLeft {
			continue
		}
		if s := sideOf(side[1], nLeft); s > 1 || !deterministic(side[1]) || hasUDF(side[1]) {
			continue
		}
		col := ref.Index - nLeft
		if containsInt(taken, col) {
			return nil, 0, false
		}
		return side[1], col, true
	}
	return nil, 0, false
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// physicalColumns maps each column of the bound table (a scan, or a
// renaming projection over one) to its physical column.
func physicalColumns(n Node) ([]int, error) {
	switch x := n.(type) {
	case *Scan:
		out := make([]int, len(x.Fields))
		for i := range out {
			out[i] = x.col(i)
		}
		return out, nil
	case *Project:
		in, err := physicalColumns(x.Input)
		if err != nil {
			return nil, err
		}
		out := make([]int, len(x.Exprs))
		for i, e := range x.Exprs {
			ref, ok := e.(*InputRef)
			if !ok {
				return nil, fmt.Errorf("computed column %s of a lookup table is not supported yet", x.Names[i])
			}
			out[i] = in[ref.Index]
		}
		return out, nil
	}
	return nil, fmt.Errorf("a lookup table with a watermark or computed columns is not supported yet")
}

// remapRight points references to the table's bound columns at its
// physical ones.
func remapRight(r Rex, nLeft int, phys []int) Rex {
	return rewriteRex(r, func(x Rex) Rex {
		if ref, ok := x.(*InputRef); ok && ref.Index >= nLeft {
			c := *ref
			c.Index = nLeft + phys[ref.Index-nLeft]
			return &c
		}
		return x
	})
}

func identity(phys []int, n int) bool {
	if len(phys) != n {
		return false
	}
	for i, c := range phys {
		if c != i {
			return false
		}
	}
	return true
}
