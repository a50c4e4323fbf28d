package sql

// Select is SELECT [ALL|DISTINCT] items [FROM ...] [WHERE ...] [GROUP BY ...]
// [HAVING ...]. Items are expressions; a named item is an *AliasExpr and
// `*` / `t.*` are *Star.
type Select struct {
	StmtBase
	Distinct bool
	Items    []Expr
	// From is nil for SELECT without FROM (Flink allows SELECT 1).
	From    TableRef
	Where   Expr
	GroupBy []Expr
	Having  Expr
	// Windows are the WINDOW clause's named windows, which OVER name
	// refers to.
	Windows []*NamedWindow
}

// NamedWindow is one "name AS (window)" of a WINDOW clause.
type NamedWindow struct {
	Name *Ident
	Spec *WindowSpec
}

// Values is VALUES (row), (row), ... Each row is a *RowExpr.
type Values struct {
	StmtBase
	Rows []*RowExpr
}

// SetOpKind is UNION, INTERSECT or EXCEPT.
type SetOpKind string

const (
	Union     SetOpKind = "UNION"
	Intersect SetOpKind = "INTERSECT"
	Except    SetOpKind = "EXCEPT"
)

// SetOp is left UNION|INTERSECT|EXCEPT [ALL|DISTINCT] right. INTERSECT binds
// tighter than UNION and EXCEPT; all are left-associative.
type SetOp struct {
	StmtBase
	Op    SetOpKind
	All   bool
	Left  Query
	Right Query
}

// With is WITH name [(cols)] AS (query), ... body.
type With struct {
	StmtBase
	CTEs []*CTE
	Body Query
}

// CTE is one named query of a WITH clause.
type CTE struct {
	Name    *Ident
	Columns []*Ident
	Query   Query
}

// OrderedQuery is query ORDER BY ... [LIMIT n] [OFFSET m]. FETCH FIRST n ROWS
// ONLY is stored as Limit: Calcite treats the two spellings as one.
type OrderedQuery struct {
	StmtBase
	Body    Query
	OrderBy []*OrderItem
	Limit   Expr
	Offset  Expr
}

// NullOrder is the NULLS FIRST / NULLS LAST of an order item.
type NullOrder int

const (
	NullsDefault NullOrder = iota
	NullsFirst
	NullsLast
)

// OrderItem is expr [DESC] [NULLS FIRST|LAST] in ORDER BY or an OVER window.
// PyFlink's "a.desc" produces one too, which is why it is an Expr.
type OrderItem struct {
	Expr  Expr
	Desc  bool
	Nulls NullOrder
}

func (*Select) stmtNode()       {}
func (*Values) stmtNode()       {}
func (*SetOp) stmtNode()        {}
func (*With) stmtNode()         {}
func (*OrderedQuery) stmtNode() {}

func (*Select) queryNode()       {}
func (*Values) queryNode()       {}
func (*SetOp) queryNode()        {}
func (*With) queryNode()         {}
func (*OrderedQuery) queryNode() {}

func (n *CTE) Pos() Pos       { return n.Name.Start }
func (n *OrderItem) Pos() Pos { return n.Expr.Pos() }
func (*OrderItem) exprNode()  {}

// TableName is a table or view reference:
// name [FOR SYSTEM_TIME AS OF expr] [[AS] alias [(cols)]].
type TableName struct {
	Name *QualifiedName
	// SystemTime is the expression of FOR SYSTEM_TIME AS OF (temporal joins).
	SystemTime Expr
	Alias      *Ident
	Columns    []*Ident
}

// SubqueryRef is [LATERAL] (query) [AS] alias [(cols)]; a bare VALUES in FROM
// is one too.
type SubqueryRef struct {
	Start   Pos
	Lateral bool
	Query   Query
	Alias   *Ident
	Columns []*Ident
}

// TableFunctionRef is [LATERAL] TABLE(f(args)) [[AS] alias [(cols)]]: a user
// table function or a windowing table-valued function such as
// TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '5' MINUTE)).
type TableFunctionRef struct {
	Start   Pos
	Lateral bool
	Call    *FuncCall
	Alias   *Ident
	Columns []*Ident
}

// UnnestRef is UNNEST(exprs) [WITH ORDINALITY] [[AS] alias [(cols)]].
type UnnestRef struct {
	Start          Pos
	Args           []Expr
	WithOrdinality bool
	Alias          *Ident
	Columns        []*Ident
}

// JoinKind is the type of a join. CommaJoin is the implicit cross join of
// "FROM a, b", which Calcite keeps apart from CROSS JOIN.
type JoinKind string

const (
	InnerJoin JoinKind = "INNER"
	LeftJoin  JoinKind = "LEFT"
	RightJoin JoinKind = "RIGHT"
	FullJoin  JoinKind = "FULL"
	CrossJoin JoinKind = "CROSS"
	CommaJoin JoinKind = ","
)

// Join is left [NATURAL] kind JOIN right [ON expr | USING (cols)]. Joins,
// comma joins included, nest to the left as Calcite's FROM clause does.
type Join struct {
	Kind    JoinKind
	Natural bool
	Left    TableRef
	Right   TableRef
	On      Expr
	Using   []*Ident
}

func (n *TableName) Pos() Pos        { return n.Name.Pos() }
func (n *SubqueryRef) Pos() Pos      { return n.Start }
func (n *TableFunctionRef) Pos() Pos { return n.Start }
func (n *UnnestRef) Pos() Pos        { return n.Start }
func (n *Join) Pos() Pos             { return n.Left.Pos() }

func (*TableName) tableRefNode()        {}
func (*SubqueryRef) tableRefNode()      {}
func (*TableFunctionRef) tableRefNode() {}
func (*UnnestRef) tableRefNode()        {}
func (*Join) tableRefNode()             {}
