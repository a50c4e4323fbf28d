package sql

// ColumnRef is a possibly qualified identifier in an expression: a, t.a,
// db.t.a or a.field. Like Calcite's compound identifier it is resolved by
// the planner, which decides which parts name a table and which a field.
type ColumnRef struct {
	Parts []*Ident
}

// Star is * or qualifier.* in a select list, and the * of COUNT(*).
type Star struct {
	Start     Pos
	Qualifier []*Ident
}

// FieldAccess is expr.field where expr is not a plain identifier:
// f(x).field, arr[1].field, (row_expr).field.
type FieldAccess struct {
	Expr  Expr
	Field *Ident
}

// Index is expr[index]: array element (1-based in Flink) or map value.
type Index struct {
	Expr  Expr
	Index Expr
}

// NumberKind is the kind of a numeric literal, which decides its SQL type
// (Calcite: INTEGER or BIGINT for integers, DECIMAL for 1.5, DOUBLE for 1e5).
type NumberKind int

const (
	IntegerNumber NumberKind = iota
	DecimalNumber
	ApproxNumber // has an exponent: DOUBLE
)

// NumberLit is an unsigned numeric literal; a sign is a UnaryExpr. Value is
// the literal as written, with the exponent letter upper-cased.
type NumberLit struct {
	Start Pos
	Value string
	Kind  NumberKind
}

// StringLit is a character string literal; Value is unescaped.
type StringLit struct {
	Start Pos
	Value string
}

// BinaryLit is X'hex'; Hex holds upper-case hex digits.
type BinaryLit struct {
	Start Pos
	Hex   string
}

// BoolLit is TRUE, FALSE or UNKNOWN (the boolean NULL).
type BoolLit struct {
	Start Pos
	// Value is "TRUE", "FALSE" or "UNKNOWN".
	Value string
}

// NullLit is NULL.
type NullLit struct {
	Start Pos
}

// TypedLit is DATE 'yyyy-mm-dd', TIME 'hh:mm:ss[.f]' or TIMESTAMP '...'.
// The string is kept as written; the planner checks its format.
type TypedLit struct {
	Start Pos
	// Type is DATE, TIME or TIMESTAMP.
	Type  string
	Value string
}

// IntervalLit is INTERVAL [-]'value' qualifier: INTERVAL '5' MINUTE,
// INTERVAL '1 10:00:00' DAY TO SECOND, INTERVAL '2-3' YEAR TO MONTH.
type IntervalLit struct {
	Start     Pos
	Negative  bool
	Value     string
	Qualifier *IntervalQualifier
}

// IntervalQualifier is unit [(precision)] [TO unit [(precision)]]. Units are
// stored singular and upper-case (MINUTES becomes MINUTE). A precision of -1
// means none was written.
type IntervalQualifier struct {
	Start         Pos
	From          string
	FromPrecision int
	To            string
	ToPrecision   int
}

// UnaryExpr is -x, +x or NOT x.
type UnaryExpr struct {
	Start Pos
	// Op is "-", "+" or "NOT".
	Op   string
	Expr Expr
}

// BinaryExpr is an infix operation. Op is one of OR AND = <> < <= > >= + - *
// / % || (!= is read as <>, its synonym).
type BinaryExpr struct {
	Op    string
	OpPos Pos
	Left  Expr
	Right Expr
}

// IsExpr is expr IS [NOT] NULL|TRUE|FALSE|UNKNOWN.
type IsExpr struct {
	Expr Expr
	Not  bool
	// What is NULL, TRUE, FALSE or UNKNOWN.
	What string
}

// IsDistinctFrom is left IS [NOT] DISTINCT FROM right.
type IsDistinctFrom struct {
	Left  Expr
	Not   bool
	Right Expr
}

// InExpr is expr [NOT] IN (list) or expr [NOT] IN (query).
type InExpr struct {
	Expr  Expr
	Not   bool
	List  []Expr
	Query Query
}

// BetweenExpr is expr [NOT] BETWEEN [SYMMETRIC] low AND high.
type BetweenExpr struct {
	Expr      Expr
	Not       bool
	Symmetric bool
	Low       Expr
	High      Expr
}

// LikeExpr is expr [NOT] LIKE pattern [ESCAPE esc], or SIMILAR TO.
type LikeExpr struct {
	Expr    Expr
	Not     bool
	Similar bool
	Pattern Expr
	Escape  Expr
}

// ExistsExpr is EXISTS (query).
type ExistsExpr struct {
	Start Pos
	Query Query
}

// SubqueryExpr is a scalar subquery, (query), in an expression.
type SubqueryExpr struct {
	Start Pos
	Query Query
}

// FuncCall is a function call: f(args), f(DISTINCT x), COUNT(*), with
// optional FILTER (WHERE ...) and OVER clauses, and the niladic
// CURRENT_TIMESTAMP / LOCALTIMESTAMP forms. Names that are reserved words
// (COUNT, SUM, UPPER, ...) are stored upper-case, as Calcite resolves them;
// other names keep their spelling (Flink looks functions up
// case-insensitively).
type FuncCall struct {
	Name     *QualifiedName
	Distinct bool
	Args     []Expr
	// Niladic is set for CURRENT_TIMESTAMP and friends written without
	// parentheses.
	Niladic bool
	Filter  Expr
	// Over is the inline window of OVER (...); OverName the window name of
	// OVER w. At most one is set.
	Over     *WindowSpec
	OverName *Ident
	// Builtin is set on a call of PyFlink's string expressions whose name
	// is one of Flink's built-in functions that the parser rewrites
	// (plus(a, b) is a + b, a.isNull is a IS NULL): what the call means
	// unless a temporary system function of that name shadows the
	// built-in, as Flink's FunctionCatalog resolves it. Args are the same
	// nodes Builtin holds; the call prints as Builtin.
	Builtin Expr
}

// WindowSpec is the window of an OVER clause.
type WindowSpec struct {
	Start       Pos
	PartitionBy []Expr
	OrderBy     []*OrderItem
	Frame       *WindowFrame
}

// WindowFrame is ROWS|RANGE start, or ROWS|RANGE BETWEEN start AND end.
type WindowFrame struct {
	Start Pos
	// Unit is ROWS or RANGE.
	Unit string
	From *FrameBound
	// To is nil when the frame was written without BETWEEN.
	To *FrameBound
}

// BoundKind is the kind of a window frame bound.
type BoundKind int

const (
	UnboundedPreceding BoundKind = iota
	Preceding
	CurrentRow
	Following
	UnboundedFollowing
)

// FrameBound is UNBOUNDED PRECEDING, n PRECEDING, CURRENT ROW, n FOLLOWING or
// UNBOUNDED FOLLOWING; Offset is the n.
type FrameBound struct {
	Start  Pos
	Kind   BoundKind
	Offset Expr
}

// CaseExpr is CASE [operand] WHEN ... THEN ... [ELSE ...] END.
type CaseExpr struct {
	Start   Pos
	Operand Expr
	Whens   []*When
	Else    Expr
}

// When is one WHEN cond THEN result branch.
type When struct {
	Cond   Expr
	Result Expr
}

// CastExpr is CAST(expr AS type), or TRY_CAST when Try is set.
type CastExpr struct {
	Start Pos
	Try   bool
	Expr  Expr
	Type  *DataType
}

// ExtractExpr is EXTRACT(unit FROM expr).
type ExtractExpr struct {
	Start Pos
	Unit  string
	Expr  Expr
}

// PositionExpr is POSITION(sub IN str).
type PositionExpr struct {
	Start Pos
	Sub   Expr
	Str   Expr
}

// TrimExpr is TRIM([BOTH|LEADING|TRAILING] [chars] FROM str) or TRIM(str).
type TrimExpr struct {
	Start Pos
	// Mode is BOTH, LEADING or TRAILING ("" when not written: BOTH).
	Mode  string
	Chars Expr
	Expr  Expr
}

// SubstringExpr is SUBSTRING(str FROM start [FOR length]); the call form
// SUBSTRING(str, start [, length]) produces the same node.
type SubstringExpr struct {
	Start  Pos
	Expr   Expr
	From   Expr
	Length Expr
}

// OverlayExpr is OVERLAY(str PLACING repl FROM start [FOR length]).
type OverlayExpr struct {
	Start   Pos
	Expr    Expr
	Placing Expr
	From    Expr
	Length  Expr
}

// FloorCeilExpr is FLOOR(expr TO unit) or CEIL(expr TO unit); FLOOR(x)
// without a unit is a plain FuncCall.
type FloorCeilExpr struct {
	Start Pos
	Ceil  bool
	Expr  Expr
	Unit  string
}

// RowExpr is ROW(a, b) or (a, b).
type RowExpr struct {
	Start Pos
	Items []Expr
}

// ArrayExpr is ARRAY[a, b].
type ArrayExpr struct {
	Start Pos
	Items []Expr
}

// MapExpr is MAP[k1, v1, k2, v2]; Items alternate keys and values.
type MapExpr struct {
	Start Pos
	Items []Expr
}

// TimeUnitExpr is the unit argument of TIMESTAMPADD / TIMESTAMPDIFF, e.g. the
// DAY of TIMESTAMPDIFF(DAY, a, b).
type TimeUnitExpr struct {
	Start Pos
	Unit  string
}

// TableArg is TABLE name [PARTITION BY cols] as an argument of a
// table-valued function (SESSION windows partition their input this way).
type TableArg struct {
	Start       Pos
	Name        *QualifiedName
	PartitionBy []Expr
}

// Descriptor is DESCRIPTOR(col, ...), naming the time column of a windowing
// table-valued function.
type Descriptor struct {
	Start   Pos
	Columns []*Ident
}

// NamedArg is name => value, Flink's named-argument call syntax.
type NamedArg struct {
	Name  *Ident
	Value Expr
}

// AliasExpr names a select item: expr AS name. PyFlink's "f(x) as (a, b)"
// gives several names (for table functions); SQL select items have one.
type AliasExpr struct {
	Expr  Expr
	Names []*Ident
}

// GroupingSets, Rollup and Cube are the grouping-set forms of GROUP BY. An
// item of GroupingSets that is a parenthesised list is a *GroupList.
type GroupingSets struct {
	Start Pos
	Sets  []Expr
}

type Rollup struct {
	Start Pos
	Items []Expr
}

type Cube struct {
	Start Pos
	Items []Expr
}

// GroupList is a parenthesised list of grouping expressions, (a, b) or the
// empty grouping set ().
type GroupList struct {
	Start Pos
	Items []Expr
}

func (n *ColumnRef) Pos() Pos         { return n.Parts[0].Start }
func (n *Star) Pos() Pos              { return n.Start }
func (n *FieldAccess) Pos() Pos       { return n.Expr.Pos() }
func (n *Index) Pos() Pos             { return n.Expr.Pos() }
func (n *NumberLit) Pos() Pos         { return n.Start }
func (n *StringLit) Pos() Pos         { return n.Start }
func (n *BinaryLit) Pos() Pos         { return n.Start }
func (n *BoolLit) Pos() Pos           { return n.Start }
func (n *NullLit) Pos() Pos           { return n.Start }
func (n *TypedLit) Pos() Pos          { return n.Start }
func (n *IntervalLit) Pos() Pos       { return n.Start }
func (n *IntervalQualifier) Pos() Pos { return n.Start }
func (n *UnaryExpr) Pos() Pos         { return n.Start }
func (n *BinaryExpr) Pos() Pos        { return n.Left.Pos() }
func (n *IsExpr) Pos() Pos            { return n.Expr.Pos() }
func (n *IsDistinctFrom) Pos() Pos    { return n.Left.Pos() }
func (n *InExpr) Pos() Pos            { return n.Expr.Pos() }
func (n *BetweenExpr) Pos() Pos       { return n.Expr.Pos() }
func (n *LikeExpr) Pos() Pos          { return n.Expr.Pos() }
func (n *ExistsExpr) Pos() Pos        { return n.Start }
func (n *SubqueryExpr) Pos() Pos      { return n.Start }
func (n *FuncCall) Pos() Pos          { return n.Name.Pos() }
func (n *WindowSpec) Pos() Pos        { return n.Start }
func (n *WindowFrame) Pos() Pos       { return n.Start }
func (n *FrameBound) Pos() Pos        { return n.Start }
func (n *CaseExpr) Pos() Pos          { return n.Start }
func (n *When) Pos() Pos              { return n.Cond.Pos() }
func (n *CastExpr) Pos() Pos          { return n.Start }
func (n *ExtractExpr) Pos() Pos       { return n.Start }
func (n *PositionExpr) Pos() Pos      { return n.Start }
func (n *TrimExpr) Pos() Pos          { return n.Start }
func (n *SubstringExpr) Pos() Pos     { return n.Start }
func (n *OverlayExpr) Pos() Pos       { return n.Start }
func (n *FloorCeilExpr) Pos() Pos     { return n.Start }
func (n *RowExpr) Pos() Pos           { return n.Start }
func (n *ArrayExpr) Pos() Pos         { return n.Start }
func (n *MapExpr) Pos() Pos           { return n.Start }
func (n *TimeUnitExpr) Pos() Pos      { return n.Start }
func (n *TableArg) Pos() Pos          { return n.Start }
func (n *Descriptor) Pos() Pos        { return n.Start }
func (n *NamedArg) Pos() Pos          { return n.Name.Start }
func (n *AliasExpr) Pos() Pos         { return n.Expr.Pos() }
func (n *GroupingSets) Pos() Pos      { return n.Start }
func (n *Rollup) Pos() Pos            { return n.Start }
func (n *Cube) Pos() Pos              { return n.Start }
func (n *GroupList) Pos() Pos         { return n.Start }

func (*ColumnRef) exprNode()      {}
func (*Star) exprNode()           {}
func (*FieldAccess) exprNode()    {}
func (*Index) exprNode()          {}
func (*NumberLit) exprNode()      {}
func (*StringLit) exprNode()      {}
func (*BinaryLit) exprNode()      {}
func (*BoolLit) exprNode()        {}
func (*NullLit) exprNode()        {}
func (*TypedLit) exprNode()       {}
func (*IntervalLit) exprNode()    {}
func (*UnaryExpr) exprNode()      {}
func (*BinaryExpr) exprNode()     {}
func (*IsExpr) exprNode()         {}
func (*IsDistinctFrom) exprNode() {}
func (*InExpr) exprNode()         {}
func (*BetweenExpr) exprNode()    {}
func (*LikeExpr) exprNode()       {}
func (*ExistsExpr) exprNode()     {}
func (*SubqueryExpr) exprNode()   {}
func (*FuncCall) exprNode()       {}
func (*CaseExpr) exprNode()       {}
func (*CastExpr) exprNode()       {}
func (*ExtractExpr) exprNode()    {}
func (*PositionExpr) exprNode()   {}
func (*TrimExpr) exprNode()       {}
func (*SubstringExpr) exprNode()  {}
func (*OverlayExpr) exprNode()    {}
func (*FloorCeilExpr) exprNode()  {}
func (*RowExpr) exprNode()        {}
func (*ArrayExpr) exprNode()      {}
func (*MapExpr) exprNode()        {}
func (*TimeUnitExpr) exprNode()   {}
func (*TableArg) exprNode()       {}
func (*Descriptor) exprNode()     {}
func (*NamedArg) exprNode()       {}
func (*AliasExpr) exprNode()      {}
func (*GroupingSets) exprNode()   {}
func (*Rollup) exprNode()         {}
func (*Cube) exprNode()           {}
func (*GroupList) exprNode()      {}
