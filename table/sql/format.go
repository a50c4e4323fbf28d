package sql

import (
	"strconv"
	"strings"
)

// printer writes canonical SQL: keywords upper-case, single spaces, the
// fewest parentheses that keep the tree's shape, names quoted only when they
// must be. CREATE TABLE and statement sets span several lines; everything
// else is printed on one line so plans stay compact.
type printer struct {
	b strings.Builder
}

func (p *printer) w(s ...string) {
	for _, x := range s {
		p.b.WriteString(x)
	}
}

// Operator precedence, lowest first, following Calcite's operator table:
// || binds like *, IS binds looser than comparisons, BETWEEN/IN/LIKE tighter.
const (
	precLowest = iota
	precOr
	precAnd
	precNot
	precIs
	precCmp
	precPred
	precAdd
	precMul
	precUnary
	precPostfix
	precPrimary
)

func binaryPrec(op string) int {
	switch op {
	case "OR":
		return precOr
	case "AND":
		return precAnd
	case "=", "<>", "<", "<=", ">", ">=":
		return precCmp
	case "+", "-":
		return precAdd
	default: // * / % ||
		return precMul
	}
}

func exprPrec(e Expr) int {
	switch e := e.(type) {
	case *AliasExpr, *OrderItem, *NamedArg:
		return precLowest
	case *BinaryExpr:
		return binaryPrec(e.Op)
	case *UnaryExpr:
		if e.Op == "NOT" {
			return precNot
		}
		return precUnary
	case *IsExpr, *IsDistinctFrom:
		return precIs
	case *InExpr, *BetweenExpr, *LikeExpr:
		return precPred
	case *Index, *FieldAccess:
		return precPostfix
	}
	return precPrimary
}

// specialWords are non-reserved words that the parser reads specially at the
// start of an expression (MAP[...], DESCRIPTOR(...), UNBOUNDED PRECEDING), so
// names spelled like them are quoted.
var specialWords = makeSet(`MAP DESCRIPTOR UNBOUNDED`)

// quoteIdent returns name as it must be written in SQL: bare when it lexes
// as a plain word that is not reserved, `quoted` otherwise.
func quoteIdent(name string) string {
	if isPlainWord(name) && !reserved[strings.ToUpper(name)] && !specialWords[strings.ToUpper(name)] {
		return name
	}
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

func isPlainWord(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if i == 0 && !isIdentStart(r) || !isIdentPart(r) {
			return false
		}
	}
	return true
}

func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func (p *printer) ident(id *Ident) { p.w(quoteIdent(id.Name)) }

func (p *printer) idents(ids []*Ident) {
	for i, id := range ids {
		if i > 0 {
			p.w(", ")
		}
		p.ident(id)
	}
}

func (p *printer) parts(ids []*Ident) {
	for i, id := range ids {
		if i > 0 {
			p.w(".")
		}
		p.ident(id)
	}
}

func (p *printer) name(n *QualifiedName) { p.parts(n.Parts) }

func (p *printer) str(s *StringLit) { p.w(quoteString(s.Value)) }

func (p *printer) exprs(es []Expr) {
	for i, e := range es {
		if i > 0 {
			p.w(", ")
		}
		p.expr(e, precLowest)
	}
}

// expr prints e, in parentheses when it binds looser than min.
func (p *printer) expr(e Expr, min int) {
	if f, ok := e.(*FuncCall); ok && f.Builtin != nil {
		p.expr(f.Builtin, min)
		return
	}
	if exprPrec(e) < min {
		p.w("(")
		p.expr(e, precLowest)
		p.w(")")
		return
	}
	switch e := e.(type) {
	case *ColumnRef:
		p.parts(e.Parts)
	case *Star:
		for _, q := range e.Qualifier {
			p.ident(q)
			p.w(".")
		}
		p.w("*")
	case *FieldAccess:
		if _, ok := e.Expr.(*ColumnRef); ok {
			// a.b would read back as the compound identifier a.b.
			p.w("(")
			p.expr(e.Expr, precLowest)
			p.w(")")
		} else {
			p.expr(e.Expr, precPostfix)
		}
		p.w(".")
		p.ident(e.Field)
	case *Index:
		p.expr(e.Expr, precPostfix)
		p.w("[")
		p.expr(e.Index, precLowest)
		p.w("]")
	case *NumberLit:
		p.w(e.Value)
	case *StringLit:
		p.str(e)
	case *BinaryLit:
		p.w("X'", e.Hex, "'")
	case *BoolLit:
		p.w(e.Value)
	case *NullLit:
		p.w("NULL")
	case *TypedLit:
		p.w(e.Type, " ", quoteString(e.Value))
	case *IntervalLit:
		p.w("INTERVAL ")
		if e.Negative {
			p.w("-")
		}
		p.w(quoteString(e.Value), " ")
		p.qualifier(e.Qualifier)
	case *UnaryExpr:
		if e.Op == "NOT" {
			p.w("NOT ")
			p.expr(e.Expr, precNot)
			return
		}
		p.w(e.Op)
		if u, ok := e.Expr.(*UnaryExpr); ok && u.Op != "NOT" {
			// "--x" would start a comment.
			p.w("(")
			p.expr(e.Expr, precLowest)
			p.w(")")
		} else {
			p.expr(e.Expr, precUnary)
		}
	case *BinaryExpr:
		prec := binaryPrec(e.Op)
		p.expr(e.Left, prec)
		p.w(" ", e.Op, " ")
		p.expr(e.Right, prec+1)
	case *IsExpr:
		p.expr(e.Expr, precIs)
		p.w(" IS ")
		if e.Not {
			p.w("NOT ")
		}
		p.w(e.What)
	case *IsDistinctFrom:
		p.expr(e.Left, precIs)
		p.w(" IS ")
		if e.Not {
			p.w("NOT ")
		}
		p.w("DISTINCT FROM ")
		p.expr(e.Right, precCmp)
	case *InExpr:
		p.expr(e.Expr, precAdd)
		p.not(e.Not)
		p.w(" IN (")
		if e.Query != nil {
			p.query(e.Query)
		} else {
			p.exprs(e.List)
		}
		p.w(")")
	case *BetweenExpr:
		p.expr(e.Expr, precAdd)
		p.not(e.Not)
		p.w(" BETWEEN ")
		if e.Symmetric {
			p.w("SYMMETRIC ")
		}
		p.expr(e.Low, precAdd)
		p.w(" AND ")
		p.expr(e.High, precAdd)
	case *LikeExpr:
		p.expr(e.Expr, precAdd)
		p.not(e.Not)
		if e.Similar {
			p.w(" SIMILAR TO ")
		} else {
			p.w(" LIKE ")
		}
		p.expr(e.Pattern, precAdd)
		if e.Escape != nil {
			p.w(" ESCAPE ")
			p.expr(e.Escape, precAdd)
		}
	case *ExistsExpr:
		p.w("EXISTS (")
		p.query(e.Query)
		p.w(")")
	case *SubqueryExpr:
		p.w("(")
		p.query(e.Query)
		p.w(")")
	case *FuncCall:
		p.funcCall(e)
	case *CaseExpr:
		p.w("CASE")
		if e.Operand != nil {
			p.w(" ")
			p.expr(e.Operand, precLowest)
		}
		for _, wh := range e.Whens {
			p.w(" WHEN ")
			p.expr(wh.Cond, precLowest)
			p.w(" THEN ")
			p.expr(wh.Result, precLowest)
		}
		if e.Else != nil {
			p.w(" ELSE ")
			p.expr(e.Else, precLowest)
		}
		p.w(" END")
	case *CastExpr:
		if e.Try {
			p.w("TRY_CAST(")
		} else {
			p.w("CAST(")
		}
		p.expr(e.Expr, precLowest)
		p.w(" AS ")
		p.dataType(e.Type)
		p.w(")")
	case *ExtractExpr:
		p.w("EXTRACT(", e.Unit, " FROM ")
		p.expr(e.Expr, precLowest)
		p.w(")")
	case *PositionExpr:
		p.w("POSITION(")
		p.expr(e.Sub, precAdd)
		p.w(" IN ")
		p.expr(e.Str, precLowest)
		p.w(")")
	case *TrimExpr:
		p.w("TRIM(")
		if e.Mode != "" || e.Chars != nil {
			if e.Mode != "" {
				p.w(e.Mode, " ")
			}
			if e.Chars != nil {
				p.expr(e.Chars, precLowest)
				p.w(" ")
			}
			p.w("FROM ")
		}
		p.expr(e.Expr, precLowest)
		p.w(")")
	case *SubstringExpr:
		p.w("SUBSTRING(")
		p.expr(e.Expr, precLowest)
		p.w(" FROM ")
		p.expr(e.From, precLowest)
		if e.Length != nil {
			p.w(" FOR ")
			p.expr(e.Length, precLowest)
		}
		p.w(")")
	case *OverlayExpr:
		p.w("OVERLAY(")
		p.expr(e.Expr, precLowest)
		p.w(" PLACING ")
		p.expr(e.Placing, precLowest)
		p.w(" FROM ")
		p.expr(e.From, precLowest)
		if e.Length != nil {
			p.w(" FOR ")
			p.expr(e.Length, precLowest)
		}
		p.w(")")
	case *FloorCeilExpr:
		if e.Ceil {
			p.w("CEIL(")
		} else {
			p.w("FLOOR(")
		}
		p.expr(e.Expr, precLowest)
		p.w(" TO ", e.Unit, ")")
	case *RowExpr:
		p.w("ROW(")
		p.exprs(e.Items)
		p.w(")")
	case *ArrayExpr:
		p.w("ARRAY[")
		p.exprs(e.Items)
		p.w("]")
	case *MapExpr:
		p.w("MAP[")
		p.exprs(e.Items)
		p.w("]")
	case *TimeUnitExpr:
		p.w(e.Unit)
	case *TableArg:
		p.w("TABLE ")
		p.name(e.Name)
		switch len(e.PartitionBy) {
		case 0:
		case 1:
			p.w(" PARTITION BY ")
			p.expr(e.PartitionBy[0], precPostfix)
		default:
			p.w(" PARTITION BY (")
			p.exprs(e.PartitionBy)
			p.w(")")
		}
	case *Descriptor:
		p.w("DESCRIPTOR(")
		p.idents(e.Columns)
		p.w(")")
	case *NamedArg:
		p.ident(e.Name)
		p.w(" => ")
		p.expr(e.Value, precLowest)
	case *AliasExpr:
		p.expr(e.Expr, precOr)
		p.w(" AS ")
		if len(e.Names) == 1 {
			p.ident(e.Names[0])
		} else {
			p.w("(")
			p.idents(e.Names)
			p.w(")")
		}
	case *OrderItem:
		p.orderItem(e)
	case *GroupingSets:
		p.w("GROUPING SETS (")
		p.exprs(e.Sets)
		p.w(")")
	case *Rollup:
		p.w("ROLLUP(")
		p.exprs(e.Items)
		p.w(")")
	case *Cube:
		p.w("CUBE(")
		p.exprs(e.Items)
		p.w(")")
	case *GroupList:
		p.w("(")
		p.exprs(e.Items)
		p.w(")")
	default:
		panic("sql: unknown expression type " + nodeKind(e))
	}
}

func (p *printer) not(not bool) {
	if not {
		p.w(" NOT")
	}
}

// funcName prints a function name. Reserved words the grammar accepts as
// function names (COUNT, UPPER, CURRENT_TIMESTAMP) print bare; any other
// reserved or special word is quoted so that it reads back as a plain call.
func (p *printer) funcName(f *FuncCall) {
	if len(f.Name.Parts) == 1 {
		n := f.Name.Parts[0].Name
		if reservedFunctions[n] || niladicFunctions[n] && (f.Niladic || niladicWithPrecision[n]) {
			p.w(n)
			return
		}
	}
	p.name(f.Name)
}

func (p *printer) funcCall(f *FuncCall) {
	p.funcName(f)
	if f.Niladic {
		return
	}
	p.w("(")
	if f.Distinct {
		p.w("DISTINCT ")
	}
	p.exprs(f.Args)
	p.w(")")
	if f.Filter != nil {
		p.w(" FILTER (WHERE ")
		p.expr(f.Filter, precLowest)
		p.w(")")
	}
	if f.OverName != nil {
		p.w(" OVER ")
		p.ident(f.OverName)
	}
	if f.Over != nil {
		p.w(" OVER ")
		p.windowSpec(f.Over)
	}
}

func (p *printer) windowSpec(s *WindowSpec) {
	p.w("(")
	sep := ""
	if len(s.PartitionBy) > 0 {
		p.w("PARTITION BY ")
		p.exprs(s.PartitionBy)
		sep = " "
	}
	if len(s.OrderBy) > 0 {
		p.w(sep, "ORDER BY ")
		p.orderItems(s.OrderBy)
		sep = " "
	}
	if s.Frame != nil {
		p.w(sep)
		p.frame(s.Frame)
	}
	p.w(")")
}

func (p *printer) frame(f *WindowFrame) {
	p.w(f.Unit, " ")
	if f.To == nil {
		p.frameBound(f.From)
		return
	}
	p.w("BETWEEN ")
	p.frameBound(f.From)
	p.w(" AND ")
	p.frameBound(f.To)
}

func (p *printer) frameBound(b *FrameBound) {
	switch b.Kind {
	case UnboundedPreceding:
		p.w("UNBOUNDED PRECEDING")
	case UnboundedFollowing:
		p.w("UNBOUNDED FOLLOWING")
	case CurrentRow:
		p.w("CURRENT ROW")
	case Preceding:
		p.expr(b.Offset, precAdd)
		p.w(" PRECEDING")
	case Following:
		p.expr(b.Offset, precAdd)
		p.w(" FOLLOWING")
	}
}

func (p *printer) orderItem(o *OrderItem) {
	p.expr(o.Expr, precOr)
	if o.Desc {
		p.w(" DESC")
	}
	switch o.Nulls {
	case NullsFirst:
		p.w(" NULLS FIRST")
	case NullsLast:
		p.w(" NULLS LAST")
	}
}

func (p *printer) orderItems(items []*OrderItem) {
	for i, o := range items {
		if i > 0 {
			p.w(", ")
		}
		p.orderItem(o)
	}
}

func (p *printer) qualifier(q *IntervalQualifier) {
	p.w(q.From)
	if q.FromPrecision >= 0 {
		p.w("(", strconv.Itoa(q.FromPrecision), ")")
	}
	if q.To != "" {
		p.w(" TO ", q.To)
		if q.ToPrecision >= 0 {
			p.w("(", strconv.Itoa(q.ToPrecision), ")")
		}
	}
}

func (p *printer) dataType(t *DataType) {
	switch t.Name {
	case TypeArray, TypeMultiset:
		p.w(t.Name, "<")
		p.dataType(t.Elem)
		p.w(">")
	case TypeMap:
		p.w("MAP<")
		p.dataType(t.Key)
		p.w(", ")
		p.dataType(t.Value)
		p.w(">")
	case TypeRow:
		p.w("ROW<")
		for i, f := range t.Fields {
			if i > 0 {
				p.w(", ")
			}
			p.ident(f.Name)
			p.w(" ")
			p.dataType(f.Type)
			if f.Description != nil {
				p.w(" ")
				p.str(f.Description)
			}
		}
		p.w(">")
	case TypeInterval:
		p.w("INTERVAL ")
		p.qualifier(t.Interval)
	default:
		p.w(t.Name)
		if len(t.Params) > 0 {
			p.w("(")
			for i, n := range t.Params {
				if i > 0 {
					p.w(", ")
				}
				p.w(strconv.Itoa(n))
			}
			p.w(")")
		}
	}
	if t.NotNull {
		p.w(" NOT NULL")
	}
}

// Query precedence: set operations bind looser than a SELECT; INTERSECT
// binds tighter than UNION and EXCEPT.
func queryPrec(q Query) int {
	switch q := q.(type) {
	case *SetOp:
		if q.Op == Intersect {
			return 2
		}
		return 1
	case *With, *OrderedQuery:
		return 0
	}
	return 3
}

func (p *printer) queryOperand(q Query, min int) {
	if queryPrec(q) < min {
		p.w("(")
		p.query(q)
		p.w(")")
		return
	}
	p.query(q)
}

func (p *printer) query(q Query) {
	switch q := q.(type) {
	case *Select:
		p.w("SELECT ")
		if q.Distinct {
			p.w("DISTINCT ")
		}
		p.exprs(q.Items)
		if q.From != nil {
			p.w(" FROM ")
			p.tableRef(q.From)
		}
		if q.Where != nil {
			p.w(" WHERE ")
			p.expr(q.Where, precLowest)
		}
		if len(q.GroupBy) > 0 {
			p.w(" GROUP BY ")
			p.exprs(q.GroupBy)
		}
		if q.Having != nil {
			p.w(" HAVING ")
			p.expr(q.Having, precLowest)
		}
		for i, w := range q.Windows {
			if i == 0 {
				p.w(" WINDOW ")
			} else {
				p.w(", ")
			}
			p.ident(w.Name)
			p.w(" AS ")
			p.windowSpec(w.Spec)
		}
	case *Values:
		p.w("VALUES ")
		for i, r := range q.Rows {
			if i > 0 {
				p.w(", ")
			}
			p.w("(")
			p.exprs(r.Items)
			p.w(")")
		}
	case *SetOp:
		prec := queryPrec(q)
		p.queryOperand(q.Left, prec)
		p.w(" ", string(q.Op), " ")
		if q.All {
			p.w("ALL ")
		}
		p.queryOperand(q.Right, prec+1)
	case *With:
		p.w("WITH ")
		for i, c := range q.CTEs {
			if i > 0 {
				p.w(", ")
			}
			p.ident(c.Name)
			if len(c.Columns) > 0 {
				p.w(" (")
				p.idents(c.Columns)
				p.w(")")
			}
			p.w(" AS (")
			p.query(c.Query)
			p.w(")")
		}
		p.w(" ")
		p.query(q.Body)
	case *OrderedQuery:
		p.queryOperand(q.Body, 1)
		if len(q.OrderBy) > 0 {
			p.w(" ORDER BY ")
			p.orderItems(q.OrderBy)
		}
		if q.Limit != nil {
			p.w(" LIMIT ")
			p.expr(q.Limit, precLowest)
		}
		if q.Offset != nil {
			p.w(" OFFSET ")
			p.expr(q.Offset, precLowest)
			if q.Limit == nil {
				p.w(" ROWS")
			}
		}
	default:
		panic("sql: unknown query type " + nodeKind(q))
	}
}

func (p *printer) alias(alias *Ident, cols []*Ident) {
	if alias == nil {
		return
	}
	p.w(" AS ")
	p.ident(alias)
	if len(cols) > 0 {
		p.w("(")
		p.idents(cols)
		p.w(")")
	}
}

func (p *printer) tableRef(t TableRef) {
	switch t := t.(type) {
	case *TableName:
		p.name(t.Name)
		if t.SystemTime != nil {
			p.w(" FOR SYSTEM_TIME AS OF ")
			p.expr(t.SystemTime, precAdd)
		}
		p.alias(t.Alias, t.Columns)
	case *SubqueryRef:
		if t.Lateral {
			p.w("LATERAL ")
		}
		p.w("(")
		p.query(t.Query)
		p.w(")")
		p.alias(t.Alias, t.Columns)
	case *TableFunctionRef:
		if t.Lateral {
			p.w("LATERAL ")
		}
		p.w("TABLE(")
		p.funcCall(t.Call)
		p.w(")")
		p.alias(t.Alias, t.Columns)
	case *UnnestRef:
		p.w("UNNEST(")
		p.exprs(t.Args)
		p.w(")")
		if t.WithOrdinality {
			p.w(" WITH ORDINALITY")
		}
		p.alias(t.Alias, t.Columns)
	case *Join:
		p.tableRef(t.Left)
		if t.Kind == CommaJoin {
			p.w(", ")
		} else {
			p.w(" ")
			if t.Natural {
				p.w("NATURAL ")
			}
			switch t.Kind {
			case InnerJoin:
			case CrossJoin:
				p.w("CROSS ")
			default:
				p.w(string(t.Kind), " ")
			}
			p.w("JOIN ")
		}
		if _, ok := t.Right.(*Join); ok {
			p.w("(")
			p.tableRef(t.Right)
			p.w(")")
		} else {
			p.tableRef(t.Right)
		}
		if t.On != nil {
			p.w(" ON ")
			p.expr(t.On, precLowest)
		}
		if len(t.Using) > 0 {
			p.w(" USING (")
			p.idents(t.Using)
			p.w(")")
		}
	default:
		panic("sql: unknown table reference type " + nodeKind(t))
	}
}

func (p *printer) stmt(s Statement) {
	switch s := s.(type) {
	case Query:
		p.query(s)
	case *CreateTable:
		p.createTable(s)
	case *CreateView:
		p.w("CREATE ")
		if s.Temporary {
			p.w("TEMPORARY ")
		}
		p.w("VIEW ")
		if s.IfNotExists {
			p.w("IF NOT EXISTS ")
		}
		p.name(s.Name)
		if len(s.Columns) > 0 {
			p.w(" (")
			p.idents(s.Columns)
			p.w(")")
		}
		if s.Comment != nil {
			p.w(" COMMENT ")
			p.str(s.Comment)
		}
		p.w(" AS ")
		p.query(s.Query)
	case *CreateFunction:
		p.w("CREATE ")
		if s.Temporary {
			p.w("TEMPORARY ")
		}
		if s.System {
			p.w("SYSTEM ")
		}
		p.w("FUNCTION ")
		if s.IfNotExists {
			p.w("IF NOT EXISTS ")
		}
		p.name(s.Name)
		p.w(" AS ")
		p.str(s.Identifier)
		if s.Language != "" {
			p.w(" LANGUAGE ", s.Language)
		}
	case *AlterTable:
		p.w("ALTER TABLE ")
		if s.IfExists {
			p.w("IF EXISTS ")
		}
		p.name(s.Name)
		switch {
		case s.RenameTo != nil:
			p.w(" RENAME TO ")
			p.name(s.RenameTo)
		case s.RenameColumn != nil:
			p.w(" RENAME ")
			p.ident(s.RenameColumn)
			p.w(" TO ")
			p.ident(s.RenameColumnTo)
		case s.Add != nil || s.Modify != nil:
			cols := s.Add
			if s.Add != nil {
				p.w(" ADD (")
			} else {
				p.w(" MODIFY (")
				cols = s.Modify
			}
			for i, c := range cols {
				if i > 0 {
					p.w(", ")
				}
				p.column(c.Column, nil)
				if c.First {
					p.w(" FIRST")
				} else if c.After != nil {
					p.w(" AFTER ")
					p.ident(c.After)
				}
			}
			p.w(")")
		case s.DropPrimaryKey:
			p.w(" DROP PRIMARY KEY")
		case s.DropWatermark:
			p.w(" DROP WATERMARK")
		case s.Drop != nil:
			p.w(" DROP (")
			for i, c := range s.Drop {
				if i > 0 {
					p.w(", ")
				}
				p.ident(c)
			}
			p.w(")")
		case s.Reset != nil:
			p.w(" RESET (")
			for i, k := range s.Reset {
				if i > 0 {
					p.w(", ")
				}
				p.str(k)
			}
			p.w(")")
		default:
			p.w(" SET (")
			for i, o := range s.Set {
				if i > 0 {
					p.w(", ")
				}
				p.str(o.Key)
				p.w(" = ")
				p.str(o.Value)
			}
			p.w(")")
		}
	case *AlterView:
		p.w("ALTER VIEW ")
		p.name(s.Name)
		if s.RenameTo != nil {
			p.w(" RENAME TO ")
			p.name(s.RenameTo)
		} else {
			p.w(" AS ")
			p.query(s.Query)
		}
	case *AlterFunction:
		p.w("ALTER ")
		if s.Temporary {
			p.w("TEMPORARY ")
		}
		if s.System {
			p.w("SYSTEM ")
		}
		p.w("FUNCTION ")
		if s.IfExists {
			p.w("IF EXISTS ")
		}
		p.name(s.Name)
		p.w(" AS ")
		p.str(s.Identifier)
		if s.Language != "" {
			p.w(" LANGUAGE ", s.Language)
		}
	case *Drop:
		p.w("DROP ")
		if s.Temporary {
			p.w("TEMPORARY ")
		}
		if s.System {
			p.w("SYSTEM ")
		}
		p.w(string(s.Kind), " ")
		if s.IfExists {
			p.w("IF EXISTS ")
		}
		p.name(s.Name)
	case *Insert:
		p.insert(s)
	case *StatementSet:
		p.w("EXECUTE STATEMENT SET\nBEGIN\n")
		for _, ins := range s.Inserts {
			p.insert(ins)
			p.w(";\n")
		}
		p.w("END")
	case *Explain:
		p.w("EXPLAIN ")
		if len(s.Details) > 0 {
			p.w(strings.Join(s.Details, ", "), " ")
		}
		p.stmt(s.Statement)
	case *Show:
		p.w("SHOW ", string(s.Kind))
		if s.Name != nil {
			if s.Kind == ShowTables || s.Kind == ShowColumns {
				p.w(" FROM")
			}
			p.w(" ")
			p.name(s.Name)
		}
		if s.Like != nil {
			if s.NotLike {
				p.w(" NOT")
			}
			p.w(" LIKE ")
			p.str(s.Like)
		}
	case *Describe:
		p.w("DESCRIBE ")
		if s.Extended {
			p.w("EXTENDED ")
		}
		p.name(s.Name)
	case *Set:
		p.w("SET")
		if s.Key != nil {
			p.w(" ")
			p.str(s.Key)
			p.w(" = ")
			p.str(s.Value)
		}
	case *Reset:
		p.w("RESET")
		if s.Key != nil {
			p.w(" ")
			p.str(s.Key)
		}
	case *Use:
		p.w("USE ")
		switch {
		case s.Modules != nil:
			p.w("MODULES ")
			p.idents(s.Modules)
		case s.Catalog:
			p.w("CATALOG ")
			p.name(s.Name)
		default:
			p.name(s.Name)
		}
	default:
		panic("sql: unknown statement type " + nodeKind(s))
	}
}

func (p *printer) insert(s *Insert) {
	if s.Overwrite {
		p.w("INSERT OVERWRITE ")
	} else {
		p.w("INSERT INTO ")
	}
	p.name(s.Table)
	if len(s.Partition) > 0 {
		p.w(" PARTITION (")
		for i, pv := range s.Partition {
			if i > 0 {
				p.w(", ")
			}
			p.ident(pv.Column)
			p.w(" = ")
			p.expr(pv.Value, precLowest)
		}
		p.w(")")
	}
	if len(s.Columns) > 0 {
		p.w(" (")
		p.idents(s.Columns)
		p.w(")")
	}
	p.w(" ")
	p.query(s.Query)
}

func (p *printer) createTable(s *CreateTable) {
	p.w("CREATE ")
	if s.Temporary {
		p.w("TEMPORARY ")
	}
	p.w("TABLE ")
	if s.IfNotExists {
		p.w("IF NOT EXISTS ")
	}
	p.name(s.Name)
	var elems []string
	for _, c := range s.Columns {
		var cp printer
		cp.column(c, s.PrimaryKey)
		elems = append(elems, cp.b.String())
	}
	if pk := s.PrimaryKey; pk != nil && !pk.OnColumn {
		elems = append(elems, pk.String())
	}
	if s.Watermark != nil {
		elems = append(elems, s.Watermark.String())
	}
	if len(elems) > 0 {
		p.w(" (\n  ", strings.Join(elems, ",\n  "), "\n)")
	}
	if s.Comment != nil {
		p.w(" COMMENT ")
		p.str(s.Comment)
	}
	if len(s.PartitionBy) > 0 {
		p.w(" PARTITIONED BY (")
		p.idents(s.PartitionBy)
		p.w(")")
	}
	if s.Options != nil {
		p.w(" WITH (")
		for i, o := range s.Options {
			if i > 0 {
				p.w(",")
			}
			p.w("\n  ")
			p.str(o.Key)
			p.w(" = ")
			p.str(o.Value)
		}
		if len(s.Options) > 0 {
			p.w("\n")
		}
		p.w(")")
	}
	if s.Like != nil {
		p.w(" ")
		p.tableLike(s.Like)
	}
	if s.AsQuery != nil {
		p.w(" AS ")
		p.query(s.AsQuery)
	}
}

func (p *printer) tableLike(l *TableLike) {
	p.w("LIKE ")
	p.name(l.Name)
	if len(l.Options) > 0 {
		p.w(" (")
		for i, o := range l.Options {
			if i > 0 {
				p.w(" ")
			}
			p.w(o.Strategy, " ", o.Feature)
		}
		p.w(")")
	}
}

func (p *printer) column(c *ColumnDef, pk *PrimaryKey) {
	p.ident(c.Name)
	switch c.Kind {
	case ComputedColumn:
		p.w(" AS ")
		p.expr(c.Expr, precLowest)
	case MetadataColumn:
		p.w(" ")
		p.dataType(c.Type)
		p.w(" METADATA")
		if c.MetadataKey != nil {
			p.w(" FROM ")
			p.str(c.MetadataKey)
		}
		if c.Virtual {
			p.w(" VIRTUAL")
		}
	default:
		p.w(" ")
		p.dataType(c.Type)
		if pk != nil && pk.OnColumn && pk.Columns[0].Name == c.Name.Name {
			if pk.Name != nil {
				p.w(" CONSTRAINT ")
				p.ident(pk.Name)
			}
			p.w(" PRIMARY KEY NOT ENFORCED")
		}
	}
	if c.Comment != nil {
		p.w(" COMMENT ")
		p.str(c.Comment)
	}
}

func toString(f func(p *printer)) string {
	var p printer
	f(&p)
	return p.b.String()
}

func (n *Ident) String() string         { return quoteIdent(n.Name) }
func (n *QualifiedName) String() string { return toString(func(p *printer) { p.name(n) }) }
func (n *DataType) String() string      { return toString(func(p *printer) { p.dataType(n) }) }
func (n *RowField) String() string {
	return toString(func(p *printer) {
		p.ident(n.Name)
		p.w(" ")
		p.dataType(n.Type)
		if n.Description != nil {
			p.w(" ")
			p.str(n.Description)
		}
	})
}
func (n *IntervalQualifier) String() string {
	return toString(func(p *printer) { p.qualifier(n) })
}
func (n *ColumnDef) String() string {
	return toString(func(p *printer) { p.column(n, nil) })
}
func (n *PrimaryKey) String() string {
	return toString(func(p *printer) {
		if n.Name != nil {
			p.w("CONSTRAINT ")
			p.ident(n.Name)
			p.w(" ")
		}
		p.w("PRIMARY KEY (")
		p.idents(n.Columns)
		p.w(") NOT ENFORCED")
	})
}
func (n *Watermark) String() string {
	return toString(func(p *printer) {
		p.w("WATERMARK FOR ")
		p.name(n.Column)
		p.w(" AS ")
		p.expr(n.Expr, precLowest)
	})
}
func (n *Option) String() string {
	return quoteString(n.Key.Value) + " = " + quoteString(n.Value.Value)
}
func (n *TableLike) String() string      { return toString(func(p *printer) { p.tableLike(n) }) }
func (n *LikeOption) String() string     { return n.Strategy + " " + n.Feature }
func (n *PartitionValue) String() string { return quoteIdent(n.Column.Name) + " = " + n.Value.String() }
func (n *CTE) String() string {
	return toString(func(p *printer) {
		p.ident(n.Name)
		if len(n.Columns) > 0 {
			p.w(" (")
			p.idents(n.Columns)
			p.w(")")
		}
		p.w(" AS (")
		p.query(n.Query)
		p.w(")")
	})
}
func (n *When) String() string {
	return toString(func(p *printer) {
		p.w("WHEN ")
		p.expr(n.Cond, precLowest)
		p.w(" THEN ")
		p.expr(n.Result, precLowest)
	})
}
func (n *WindowSpec) String() string  { return toString(func(p *printer) { p.windowSpec(n) }) }
func (n *WindowFrame) String() string { return toString(func(p *printer) { p.frame(n) }) }
func (n *FrameBound) String() string  { return toString(func(p *printer) { p.frameBound(n) }) }

func exprString(e Expr) string      { return toString(func(p *printer) { p.expr(e, precLowest) }) }
func stmtString(s Statement) string { return toString(func(p *printer) { p.stmt(s) }) }
func tableString(t TableRef) string { return toString(func(p *printer) { p.tableRef(t) }) }
func (n *ColumnRef) String() string { return exprString(n) }
func (n *Star) String() string      { return exprString(n) }
func (n *FieldAccess) String() string {
	return exprString(n)
}
func (n *Index) String() string          { return exprString(n) }
func (n *NumberLit) String() string      { return exprString(n) }
func (n *StringLit) String() string      { return exprString(n) }
func (n *BinaryLit) String() string      { return exprString(n) }
func (n *BoolLit) String() string        { return exprString(n) }
func (n *NullLit) String() string        { return exprString(n) }
func (n *TypedLit) String() string       { return exprString(n) }
func (n *IntervalLit) String() string    { return exprString(n) }
func (n *UnaryExpr) String() string      { return exprString(n) }
func (n *BinaryExpr) String() string     { return exprString(n) }
func (n *IsExpr) String() string         { return exprString(n) }
func (n *IsDistinctFrom) String() string { return exprString(n) }
func (n *InExpr) String() string         { return exprString(n) }
func (n *BetweenExpr) String() string    { return exprString(n) }
func (n *LikeExpr) String() string       { return exprString(n) }
func (n *ExistsExpr) String() string     { return exprString(n) }
func (n *SubqueryExpr) String() string   { return exprString(n) }
func (n *FuncCall) String() string       { return exprString(n) }
func (n *CaseExpr) String() string       { return exprString(n) }
func (n *CastExpr) String() string       { return exprString(n) }
func (n *ExtractExpr) String() string    { return exprString(n) }
func (n *PositionExpr) String() string   { return exprString(n) }
func (n *TrimExpr) String() string       { return exprString(n) }
func (n *SubstringExpr) String() string  { return exprString(n) }
func (n *OverlayExpr) String() string    { return exprString(n) }
func (n *FloorCeilExpr) String() string  { return exprString(n) }
func (n *RowExpr) String() string        { return exprString(n) }
func (n *ArrayExpr) String() string      { return exprString(n) }
func (n *MapExpr) String() string        { return exprString(n) }
func (n *TimeUnitExpr) String() string   { return exprString(n) }
func (n *TableArg) String() string       { return exprString(n) }
func (n *Descriptor) String() string     { return exprString(n) }
func (n *NamedArg) String() string       { return exprString(n) }
func (n *AliasExpr) String() string      { return exprString(n) }
func (n *OrderItem) String() string      { return exprString(n) }
func (n *GroupingSets) String() string   { return exprString(n) }
func (n *Rollup) String() string         { return exprString(n) }
func (n *Cube) String() string           { return exprString(n) }
func (n *GroupList) String() string      { return exprString(n) }

func (n *Select) String() string         { return stmtString(n) }
func (n *Values) String() string         { return stmtString(n) }
func (n *SetOp) String() string          { return stmtString(n) }
func (n *With) String() string           { return stmtString(n) }
func (n *OrderedQuery) String() string   { return stmtString(n) }
func (n *CreateTable) String() string    { return stmtString(n) }
func (n *CreateView) String() string     { return stmtString(n) }
func (n *CreateFunction) String() string { return stmtString(n) }
func (n *Drop) String() string           { return stmtString(n) }
func (n *Insert) String() string         { return stmtString(n) }
func (n *StatementSet) String() string   { return stmtString(n) }
func (n *Explain) String() string        { return stmtString(n) }
func (n *Show) String() string           { return stmtString(n) }
func (n *Describe) String() string       { return stmtString(n) }
func (n *Set) String() string            { return stmtString(n) }
func (n *Reset) String() string          { return stmtString(n) }
func (n *Use) String() string            { return stmtString(n) }

func (n *TableName) String() string        { return tableString(n) }
func (n *SubqueryRef) String() string      { return tableString(n) }
func (n *TableFunctionRef) String() string { return tableString(n) }
func (n *UnnestRef) String() string        { return tableString(n) }
func (n *Join) String() string             { return tableString(n) }

func (n *AlterTable) String() string    { return stmtString(n) }
func (n *AlterView) String() string     { return stmtString(n) }
func (n *AlterFunction) String() string { return stmtString(n) }
