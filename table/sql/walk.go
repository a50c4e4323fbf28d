package sql

import (
	"reflect"
)

// Visitor is called by Walk for each node. If Visit returns a non-nil
// visitor w, Walk visits the node's children with w, then calls
// w.Visit(nil).
type Visitor interface {
	Visit(n Node) (w Visitor)
}

// Walk traverses the tree rooted at n depth-first, children in source order
// (as go/ast.Walk does).
func Walk(v Visitor, n Node) {
	if v = v.Visit(n); v == nil {
		return
	}
	for _, c := range Children(n) {
		Walk(v, c)
	}
	v.Visit(nil)
}

type inspector func(Node) bool

func (f inspector) Visit(n Node) Visitor {
	if f(n) {
		return f
	}
	return nil
}

// Inspect traverses the tree calling f for each node; f returning false
// skips the node's children. After the children f is called with nil.
func Inspect(n Node, f func(Node) bool) {
	Walk(inspector(f), n)
}

// Children returns the direct child nodes of n in source order.
func Children(n Node) []Node {
	var c children
	switch n := n.(type) {
	case *Ident, *NumberLit, *StringLit, *BinaryLit, *BoolLit, *NullLit,
		*TypedLit, *IntervalQualifier, *TimeUnitExpr, *LikeOption:
	case *QualifiedName:
		c.idents(n.Parts)
	case *CreateTable:
		c.add(n.Name)
		for _, col := range n.Columns {
			c.add(col)
		}
		c.add(n.PrimaryKey, n.Watermark, n.Comment)
		c.idents(n.PartitionBy)
		for _, o := range n.Options {
			c.add(o)
		}
		c.add(n.Like, n.AsQuery)
	case *ColumnDef:
		c.add(n.Name, n.Type, n.Expr, n.MetadataKey, n.Comment)
	case *PrimaryKey:
		c.add(n.Name)
		c.idents(n.Columns)
	case *Watermark:
		c.add(n.Column, n.Expr)
	case *Option:
		c.add(n.Key, n.Value)
	case *TableLike:
		c.add(n.Name)
		for _, o := range n.Options {
			c.add(o)
		}
	case *CreateView:
		c.add(n.Name)
		c.idents(n.Columns)
		c.add(n.Comment, n.Query)
	case *CreateFunction:
		c.add(n.Name, n.Identifier)
	case *Drop:
		c.add(n.Name)
	case *AlterTable:
		c.add(n.Name)
		for _, o := range n.Set {
			c.add(o)
		}
		for _, k := range n.Reset {
			c.add(k)
		}
		c.add(n.RenameTo)
		for _, col := range append(append([]*AlterColumn(nil), n.Add...), n.Modify...) {
			c.add(col.Column, col.After)
		}
		c.idents(n.Drop)
		c.add(n.RenameColumn, n.RenameColumnTo)
	case *AlterView:
		c.add(n.Name, n.RenameTo, n.Query)
	case *AlterFunction:
		c.add(n.Name, n.Identifier)
	case *Insert:
		c.add(n.Table)
		for _, pv := range n.Partition {
			c.add(pv)
		}
		c.idents(n.Columns)
		c.add(n.Query)
	case *PartitionValue:
		c.add(n.Column, n.Value)
	case *StatementSet:
		for _, ins := range n.Inserts {
			c.add(ins)
		}
	case *Explain:
		c.add(n.Statement)
	case *Show:
		c.add(n.Name, n.Like)
	case *Describe:
		c.add(n.Name)
	case *Set:
		c.add(n.Key, n.Value)
	case *Reset:
		c.add(n.Key)
	case *Use:
		c.add(n.Name)
		c.idents(n.Modules)
	case *Select:
		c.exprs(n.Items)
		c.add(n.From, n.Where)
		c.exprs(n.GroupBy)
		c.add(n.Having)
		for _, w := range n.Windows {
			c.add(w.Name, w.Spec)
		}
	case *Values:
		for _, r := range n.Rows {
			c.add(r)
		}
	case *SetOp:
		c.add(n.Left, n.Right)
	case *With:
		for _, cte := range n.CTEs {
			c.add(cte)
		}
		c.add(n.Body)
	case *CTE:
		c.add(n.Name)
		c.idents(n.Columns)
		c.add(n.Query)
	case *OrderedQuery:
		c.add(n.Body)
		for _, o := range n.OrderBy {
			c.add(o)
		}
		c.add(n.Limit, n.Offset)
	case *OrderItem:
		c.add(n.Expr)
	case *TableName:
		c.add(n.Name, n.SystemTime, n.Alias)
		c.idents(n.Columns)
	case *SubqueryRef:
		c.add(n.Query, n.Alias)
		c.idents(n.Columns)
	case *TableFunctionRef:
		c.add(n.Call, n.Alias)
		c.idents(n.Columns)
	case *UnnestRef:
		c.exprs(n.Args)
		c.add(n.Alias)
		c.idents(n.Columns)
	case *Join:
		c.add(n.Left, n.Right, n.On)
		c.idents(n.Using)
	case *ColumnRef:
		c.idents(n.Parts)
	case *Star:
		c.idents(n.Qualifier)
	case *FieldAccess:
		c.add(n.Expr, n.Field)
	case *Index:
		c.add(n.Expr, n.Index)
	case *IntervalLit:
		c.add(n.Qualifier)
	case *UnaryExpr:
		c.add(n.Expr)
	case *BinaryExpr:
		c.add(n.Left, n.Right)
	case *IsExpr:
		c.add(n.Expr)
	case *IsDistinctFrom:
		c.add(n.Left, n.Right)
	case *InExpr:
		c.add(n.Expr)
		c.exprs(n.List)
		c.add(n.Query)
	case *BetweenExpr:
		c.add(n.Expr, n.Low, n.High)
	case *LikeExpr:
		c.add(n.Expr, n.Pattern, n.Escape)
	case *ExistsExpr:
		c.add(n.Query)
	case *SubqueryExpr:
		c.add(n.Query)
	case *FuncCall:
		c.add(n.Name)
		if n.Builtin != nil {
			// Args are Builtin's children: visit them once, through it.
			c.add(n.Builtin)
		} else {
			c.exprs(n.Args)
		}
		c.add(n.Filter, n.Over, n.OverName)
	case *WindowSpec:
		c.exprs(n.PartitionBy)
		for _, o := range n.OrderBy {
			c.add(o)
		}
		c.add(n.Frame)
	case *WindowFrame:
		c.add(n.From, n.To)
	case *FrameBound:
		c.add(n.Offset)
	case *CaseExpr:
		c.add(n.Operand)
		for _, w := range n.Whens {
			c.add(w)
		}
		c.add(n.Else)
	case *When:
		c.add(n.Cond, n.Result)
	case *CastExpr:
		c.add(n.Expr, n.Type)
	case *ExtractExpr:
		c.add(n.Expr)
	case *PositionExpr:
		c.add(n.Sub, n.Str)
	case *TrimExpr:
		c.add(n.Chars, n.Expr)
	case *SubstringExpr:
		c.add(n.Expr, n.From, n.Length)
	case *OverlayExpr:
		c.add(n.Expr, n.Placing, n.From, n.Length)
	case *FloorCeilExpr:
		c.add(n.Expr)
	case *RowExpr:
		c.exprs(n.Items)
	case *ArrayExpr:
		c.exprs(n.Items)
	case *MapExpr:
		c.exprs(n.Items)
	case *TableArg:
		c.add(n.Name)
		c.exprs(n.PartitionBy)
	case *Descriptor:
		c.idents(n.Columns)
	case *NamedArg:
		c.add(n.Name, n.Value)
	case *AliasExpr:
		c.add(n.Expr)
		c.idents(n.Names)
	case *GroupingSets:
		c.exprs(n.Sets)
	case *Rollup:
		c.exprs(n.Items)
	case *Cube:
		c.exprs(n.Items)
	case *GroupList:
		c.exprs(n.Items)
	case *DataType:
		c.add(n.Elem, n.Key, n.Value)
		for _, f := range n.Fields {
			c.add(f)
		}
		c.add(n.Interval)
	case *RowField:
		c.add(n.Name, n.Type, n.Description)
	default:
		panic("sql: Children: unknown node type " + nodeKind(n))
	}
	return c
}

type children []Node

// add appends the non-nil nodes. A typed nil pointer in an interface is
// still nil here, which is why reflection is used.
func (c *children) add(ns ...Node) {
	for _, n := range ns {
		if n == nil {
			continue
		}
		if v := reflect.ValueOf(n); v.Kind() == reflect.Pointer && v.IsNil() {
			continue
		}
		*c = append(*c, n)
	}
}

func (c *children) idents(ids []*Ident) {
	for _, id := range ids {
		*c = append(*c, id)
	}
}

func (c *children) exprs(es []Expr) {
	for _, e := range es {
		*c = append(*c, e)
	}
}

// nodeKind names a node's type without the package: "CreateTable".
func nodeKind(n any) string {
	t := reflect.TypeOf(n)
	if t == nil {
		return "<nil>"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// Kind names a node's type without the package, e.g. "CreateTable"; the
// golden tests print it next to each statement.
func Kind(n Node) string {
	if f, ok := n.(*FuncCall); ok && f.Builtin != nil {
		// A PyFlink call rewritten to a built-in reads as the rewrite.
		return nodeKind(f.Builtin)
	}
	return nodeKind(n)
}
