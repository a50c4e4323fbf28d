package table

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/sql"
)

// Expr is a Table API expression built in Go: Col("a").Plus(Lit(1)).
// It compiles to the same tree as SQL and PyFlink's string expressions.
type Expr struct{ n sql.Expr }

func (e Expr) node() sql.Expr { return e.n }

// String prints the expression as SQL.
func (e Expr) String() string { return e.n.String() }

// Col refers to a column by name.
func Col(name string) Expr { return Expr{colRef(name)} }

// Lit is a literal: nil, bool, integers, floats, strings.
func Lit(v any) Expr {
	switch v := v.(type) {
	case nil:
		return Expr{&sql.NullLit{}}
	case bool:
		if v {
			return Expr{&sql.BoolLit{Value: "TRUE"}}
		}
		return Expr{&sql.BoolLit{Value: "FALSE"}}
	case int:
		return intLit(int64(v))
	case int32:
		return intLit(int64(v))
	case int64:
		return intLit(v)
	case float64:
		return Expr{&sql.NumberLit{Value: strconv.FormatFloat(v, 'E', -1, 64), Kind: sql.ApproxNumber}}
	case string:
		return Expr{&sql.StringLit{Value: v}}
	}
	return Expr{&sql.StringLit{Value: fmt.Sprint(v)}}
}

func intLit(v int64) Expr {
	if v < 0 {
		return Expr{&sql.UnaryExpr{Op: "-", Expr: &sql.NumberLit{Value: strconv.FormatInt(-v, 10), Kind: sql.IntegerNumber}}}
	}
	return Expr{&sql.NumberLit{Value: strconv.FormatInt(v, 10), Kind: sql.IntegerNumber}}
}

// Call calls a function (built-in or registered) by name.
func Call(name string, args ...Expr) Expr {
	as := make([]sql.Expr, len(args))
	for i, a := range args {
		as[i] = a.n
	}
	return Expr{&sql.FuncCall{Name: &sql.QualifiedName{Parts: []*sql.Ident{{Name: name}}}, Args: as}}
}

func (e Expr) bin(op string, o Expr) Expr {
	return Expr{&sql.BinaryExpr{Op: op, Left: e.n, Right: o.n}}
}

func (e Expr) Plus(o Expr) Expr   { return e.bin("+", o) }
func (e Expr) Minus(o Expr) Expr  { return e.bin("-", o) }
func (e Expr) Times(o Expr) Expr  { return e.bin("*", o) }
func (e Expr) Div(o Expr) Expr    { return e.bin("/", o) }
func (e Expr) Mod(o Expr) Expr    { return e.bin("%", o) }
func (e Expr) Eq(o Expr) Expr     { return e.bin("=", o) }
func (e Expr) NotEq(o Expr) Expr  { return e.bin("<>", o) }
func (e Expr) Lt(o Expr) Expr     { return e.bin("<", o) }
func (e Expr) LtEq(o Expr) Expr   { return e.bin("<=", o) }
func (e Expr) Gt(o Expr) Expr     { return e.bin(">", o) }
func (e Expr) GtEq(o Expr) Expr   { return e.bin(">=", o) }
func (e Expr) And(o Expr) Expr    { return e.bin("AND", o) }
func (e Expr) Or(o Expr) Expr     { return e.bin("OR", o) }
func (e Expr) Concat(o Expr) Expr { return e.bin("||", o) }
func (e Expr) Not() Expr          { return Expr{&sql.UnaryExpr{Op: "NOT", Expr: e.n}} }
func (e Expr) IsNull() Expr       { return Expr{&sql.IsExpr{Expr: e.n, What: "NULL"}} }
func (e Expr) IsNotNull() Expr    { return Expr{&sql.IsExpr{Expr: e.n, Not: true, What: "NULL"}} }
func (e Expr) Sum() Expr          { return Call("SUM", e) }
func (e Expr) Count() Expr        { return Call("COUNT", e) }
func (e Expr) Avg() Expr          { return Call("AVG", e) }
func (e Expr) Min() Expr          { return Call("MIN", e) }
func (e Expr) Max() Expr          { return Call("MAX", e) }
func (e Expr) Upper() Expr        { return Call("UPPER", e) }
func (e Expr) Lower() Expr        { return Call("LOWER", e) }
func (e Expr) Asc() Expr          { return Expr{&sql.OrderItem{Expr: e.n}} }
func (e Expr) Desc() Expr         { return Expr{&sql.OrderItem{Expr: e.n, Desc: true}} }
func (e Expr) Between(lo, hi Expr) Expr {
	return Expr{&sql.BetweenExpr{Expr: e.n, Low: lo.n, High: hi.n}}
}

// CountDistinct is COUNT(DISTINCT e).
func (e Expr) CountDistinct() Expr {
	c := Call("COUNT", e)
	c.n.(*sql.FuncCall).Distinct = true
	return c
}

// Cast converts to a SQL type written as text ("BIGINT", "DECIMAL(10, 2)").
func (e Expr) Cast(typ string) Expr {
	t, err := sql.ParseDataType(typ)
	if err != nil {
		// An unparsable type surfaces when the expression is planned.
		return Expr{&sql.CastExpr{Expr: e.n, Type: &sql.DataType{Name: strings.ToUpper(typ)}}}
	}
	return Expr{&sql.CastExpr{Expr: e.n, Type: t}}
}

// As names the expression.
func (e Expr) As(name string) Expr {
	return Expr{&sql.AliasExpr{Expr: e.n, Names: []*sql.Ident{{Name: name}}}}
}

// In is e IN (values...).
func (e Expr) In(values ...Expr) Expr {
	vs := make([]sql.Expr, len(values))
	for i, v := range values {
		vs[i] = v.n
	}
	return Expr{&sql.InExpr{Expr: e.n, List: vs}}
}

func loadLocation(tz string) (*time.Location, error) { return engine.LoadZone(tz) }
