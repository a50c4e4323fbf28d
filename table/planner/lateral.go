package planner

import (
	"fmt"
	"strings"

	"github.com/sluice-stream/sluice/table/catalog"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
)

// Table functions (Python udtf) in LATERAL TABLE(f(args)). A table
// function is a row function whose result is the list of rows one call
// yields (ARRAY<ROW<f0, f1, ...>>, ARRAY<T> for one column): Flink's
// correlate of it is a Calc computing that list per input row (one
// crossing into Python per batch) followed by an Unnest of it, which
// gathers the input row's columns by the index of the row each output
// row came from. The list column is dropped again above.

// tableFunction is a catalog function that is a table function.
type tableFunction interface{ TableFunction() bool }

// isTableFunction says whether fn is a table function.
func isTableFunction(fn *catalog.Function) bool {
	if fn == nil || fn.Scalar == nil {
		return false
	}
	tf, ok := fn.Scalar.(tableFunction)
	return ok && tf.TableFunction()
}

// lateralTableFunction resolves the function of r, nil when r is not a
// call of a table function (a window TVF, an unknown name).
func (p *Planner) lateralTableFunction(r *sql.TableFunctionRef) *catalog.Function {
	if r == nil || r.Call == nil || isWindowTVF(r.Call) {
		return nil
	}
	if fn := p.resolveFunction(r.Call); isTableFunction(fn) {
		return fn
	}
	return nil
}

// bindTableFunctionCall binds r's call in sc: a UDFRex whose type is the
// ARRAY of the function's rows.
func (p *Planner) bindTableFunctionCall(r *sql.TableFunctionRef, sc *scope) (Rex, error) {
	p.lateral = r.Call
	defer func() { p.lateral = nil }()
	return p.bindFuncCall(r.Call, sc)
}

// tableFunctionOver is unnestOver for a table function's call x over in:
// its columns are the row type's fields (f0, f1, ...; f0 for one column),
// or the alias's column list.
func (p *Planner) tableFunctionOver(in Node, x Rex, r *sql.TableFunctionRef, left bool) (*Unnest, Node, []scopeCol, error) {
	un, out, cols, err := p.unnestOver(in, x, &sql.UnnestRef{Start: r.Start, Columns: r.Columns}, left)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(r.Columns) == 0 && len(un.Fields) == 1 {
		// Flink names a table function's one column f0 (UNNEST: EXPR$0).
		un.Fields[0].Name = "f0"
		cols[0].name = "f0"
		if pr, ok := out.(*Project); ok {
			pr.Names[len(pr.Names)-1] = "f0"
		}
	}
	qual := ""
	if r.Alias != nil {
		qual = r.Alias.Name
	}
	for i := range cols {
		cols[i].qual = qual
	}
	un.Call = tableCallText(x, un.Input)
	return un, out, cols, nil
}

// tableCallText is the function call as Flink's correlate shows it:
// split($0, $1).
func tableCallText(x Rex, in Node) string {
	u, ok := x.(*UDFRex)
	if !ok {
		return x.String()
	}
	args := make([]string, len(u.Args))
	for i, a := range u.Args {
		args[i] = a.String()
	}
	return fmt.Sprintf("%s(%s)", u.Name, strings.Join(args, ", "))
}

// bindLateralJoin binds `left, LATERAL TABLE(f(...))`, `left CROSS JOIN
// LATERAL TABLE(...)`, `left JOIN LATERAL TABLE(...) ON cond` and `left
// LEFT JOIN LATERAL TABLE(...) ON TRUE`: the call reads the left side's
// columns.
func (p *Planner) bindLateralJoin(j *sql.Join, r *sql.TableFunctionRef) (Node, *scope, error) {
	if err := p.checkCorrelatedJoin(j, "LATERAL TABLE", "a table function"); err != nil {
		return nil, nil, err
	}
	l, lsc, err := p.bindFrom(j.Left)
	if err != nil {
		return nil, nil, err
	}
	x, err := p.bindTableFunctionCall(r, lsc)
	if err != nil {
		return nil, nil, err
	}
	left := j.Kind == sql.LeftJoin
	_, n, cols, err := p.tableFunctionOver(l, x, r, left)
	if err != nil {
		return nil, nil, err
	}
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
	if left {
		// Flink 2.3's PythonCorrelate message.
		return nil, nil, p.ErrAt(j.On.Pos(), "Currently Python correlate does not support conditions in left join.")
	}
	return &Filter{Input: n, Cond: cond}, sc, nil
}

// bindTableFunction binds LATERAL TABLE(f(literals)) alone in FROM: the
// function over a one-row input.
func (p *Planner) bindTableFunction(r *sql.TableFunctionRef) (Node, *scope, error) {
	x, err := p.bindTableFunctionCall(r, &scope{})
	if err != nil {
		return nil, nil, err
	}
	zero := types.INT().NotNullable()
	one := &Values{Fields: Schema{{Name: "ZERO", Type: zero}}, Rows: [][]Rex{{&Literal{Value: int64(0), T: zero, Text: "0"}}}}
	un, _, cols, err := p.tableFunctionOver(one, x, r, false)
	if err != nil {
		return nil, nil, err
	}
	s := un.Schema()
	var exprs []Rex
	var names []string
	for i := len(s) - len(un.Fields); i < len(s); i++ {
		exprs = append(exprs, &InputRef{Index: i, T: s[i].Type, Name: s[i].Name})
		names = append(names, s[i].Name)
	}
	return &Project{Input: un, Exprs: exprs, Names: names}, &scope{cols: cols}, nil
}
