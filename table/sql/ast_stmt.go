package sql

// CreateTable is CREATE [TEMPORARY] TABLE [IF NOT EXISTS] name (...)
// [COMMENT '...'] [PARTITIONED BY (...)] [WITH (...)] [LIKE ...] [AS query].
// Flink lets columns, constraints and the watermark appear in any order
// inside the parentheses; the tree keeps them in three lists, in the order
// Flink's own SqlCreateTable prints them.
type CreateTable struct {
	StmtBase
	Temporary   bool
	IfNotExists bool
	Name        *QualifiedName
	Columns     []*ColumnDef
	// PrimaryKey is the table's key, declared either on a column or as a
	// table constraint; nil when there is none.
	PrimaryKey  *PrimaryKey
	Watermark   *Watermark
	Comment     *StringLit
	PartitionBy []*Ident
	Options     []*Option
	Like        *TableLike
	// AsQuery is the query of CREATE TABLE ... AS SELECT (Flink 1.16+).
	AsQuery Query
}

// ColumnKind distinguishes the three kinds of columns Flink's DDL knows.
type ColumnKind int

const (
	// PhysicalColumn: name TYPE [PRIMARY KEY NOT ENFORCED] [COMMENT '...'].
	PhysicalColumn ColumnKind = iota
	// ComputedColumn: name AS expr [COMMENT '...'].
	ComputedColumn
	// MetadataColumn: name TYPE METADATA [FROM 'key'] [VIRTUAL] [COMMENT '...'].
	MetadataColumn
)

// ColumnDef is one column of CREATE TABLE.
type ColumnDef struct {
	Name *Ident
	Kind ColumnKind
	// Type is nil for computed columns.
	Type *DataType
	// Expr is the expression of a computed column.
	Expr Expr
	// MetadataKey is the key after METADATA FROM; nil when the column name is
	// the key.
	MetadataKey *StringLit
	Virtual     bool
	Comment     *StringLit
}

// PrimaryKey is PRIMARY KEY (cols) NOT ENFORCED. Flink only accepts NOT
// ENFORCED, so the parser rejects the other forms and the tree has no flag.
type PrimaryKey struct {
	Start Pos
	// Name is the optional CONSTRAINT name.
	Name    *Ident
	Columns []*Ident
	// OnColumn is true when the key was written on a column
	// (id INT PRIMARY KEY NOT ENFORCED) rather than as a table constraint.
	OnColumn bool
}

// Watermark is WATERMARK FOR rowtime AS expr.
type Watermark struct {
	Start  Pos
	Column *QualifiedName
	Expr   Expr
}

// Option is one 'key' = 'value' entry of a WITH clause.
type Option struct {
	Key   *StringLit
	Value *StringLit
}

// TableLike is the LIKE clause of CREATE TABLE.
type TableLike struct {
	Start   Pos
	Name    *QualifiedName
	Options []*LikeOption
}

// LikeOption is one {INCLUDING|EXCLUDING|OVERWRITING} {ALL|CONSTRAINTS|...}.
type LikeOption struct {
	Start    Pos
	Strategy string // INCLUDING, EXCLUDING or OVERWRITING
	Feature  string // ALL, CONSTRAINTS, GENERATED, METADATA, OPTIONS, PARTITIONS or WATERMARKS
}

// CreateView is CREATE [TEMPORARY] VIEW [IF NOT EXISTS] name [(cols)]
// [COMMENT '...'] AS query.
type CreateView struct {
	StmtBase
	Temporary   bool
	IfNotExists bool
	Name        *QualifiedName
	Columns     []*Ident
	Comment     *StringLit
	Query       Query
}

// CreateFunction is CREATE [TEMPORARY [SYSTEM]] FUNCTION [IF NOT EXISTS]
// name AS 'identifier' [LANGUAGE JAVA|SCALA|PYTHON|SQL].
type CreateFunction struct {
	StmtBase
	Temporary   bool
	System      bool
	IfNotExists bool
	Name        *QualifiedName
	// Identifier is the class name or, for Python, the module.function path.
	Identifier *StringLit
	// Language is JAVA, SCALA, PYTHON or SQL; "" when not given (Flink's
	// default is JAVA).
	Language string
}

// ObjectKind is the kind of object a DROP statement removes.
type ObjectKind string

const (
	ObjectTable    ObjectKind = "TABLE"
	ObjectView     ObjectKind = "VIEW"
	ObjectFunction ObjectKind = "FUNCTION"
)

// Drop is DROP [TEMPORARY [SYSTEM]] TABLE|VIEW|FUNCTION [IF EXISTS] name.
type Drop struct {
	StmtBase
	Kind      ObjectKind
	Temporary bool
	// System is only set for DROP TEMPORARY SYSTEM FUNCTION.
	System   bool
	IfExists bool
	Name     *QualifiedName
}

// Insert is INSERT {INTO|OVERWRITE} table [PARTITION (k = v, ...)] [(cols)]
// query.
type Insert struct {
	StmtBase
	Overwrite bool
	Table     *QualifiedName
	Partition []*PartitionValue
	Columns   []*Ident
	Query     Query
}

// PartitionValue is one k = literal of an INSERT's static PARTITION clause.
type PartitionValue struct {
	Column *Ident
	Value  Expr
}

// StatementSet groups INSERTs executed as one job: BEGIN STATEMENT SET; ...;
// END; in a script, or EXECUTE STATEMENT SET BEGIN ...; END.
type StatementSet struct {
	StmtBase
	Inserts []*Insert
}

// Explain is EXPLAIN [PLAN FOR | detail, ...] statement. The statement is a
// query, an INSERT or a statement set.
type Explain struct {
	StmtBase
	// Details are ESTIMATED_COST, CHANGELOG_MODE, JSON_EXECUTION_PLAN or
	// PLAN_ADVICE, in the order written.
	Details   []string
	Statement Statement
}

// ShowKind is what a SHOW statement lists.
type ShowKind string

const (
	ShowCatalogs        ShowKind = "CATALOGS"
	ShowCurrentCatalog  ShowKind = "CURRENT CATALOG"
	ShowDatabases       ShowKind = "DATABASES"
	ShowCurrentDatabase ShowKind = "CURRENT DATABASE"
	ShowTables          ShowKind = "TABLES"
	ShowViews           ShowKind = "VIEWS"
	ShowFunctions       ShowKind = "FUNCTIONS"
	ShowUserFunctions   ShowKind = "USER FUNCTIONS"
	ShowColumns         ShowKind = "COLUMNS"
	ShowModules         ShowKind = "MODULES"
	ShowFullModules     ShowKind = "FULL MODULES"
	ShowJars            ShowKind = "JARS"
	ShowCreateTable     ShowKind = "CREATE TABLE"
	ShowCreateView      ShowKind = "CREATE VIEW"
)

// Show is one of Flink's SHOW statements.
type Show struct {
	StmtBase
	Kind ShowKind
	// Name is the database for SHOW TABLES FROM db, the table for SHOW
	// COLUMNS FROM t and SHOW CREATE TABLE t; nil otherwise.
	Name *QualifiedName
	// Like is the pattern of [NOT] LIKE 'pattern' (SHOW TABLES, SHOW COLUMNS).
	Like    *StringLit
	NotLike bool
}

// Describe is DESCRIBE|DESC [EXTENDED] name.
type Describe struct {
	StmtBase
	Extended bool
	Name     *QualifiedName
}

// Set is SET ['key' = 'value']; without a key it lists the configuration.
type Set struct {
	StmtBase
	Key   *StringLit
	Value *StringLit
}

// Reset is RESET ['key']; without a key it resets every key.
type Reset struct {
	StmtBase
	Key *StringLit
}

// Use is USE [catalog.]database, USE CATALOG name or USE MODULES a, b.
type Use struct {
	StmtBase
	// Catalog is set for USE CATALOG name.
	Catalog bool
	Name    *QualifiedName
	// Modules is set for USE MODULES; Name is then nil.
	Modules []*Ident
}

func (*CreateTable) stmtNode()    {}
func (*CreateView) stmtNode()     {}
func (*CreateFunction) stmtNode() {}
func (*Drop) stmtNode()           {}
func (*Insert) stmtNode()         {}
func (*StatementSet) stmtNode()   {}
func (*Explain) stmtNode()        {}
func (*Show) stmtNode()           {}
func (*Describe) stmtNode()       {}
func (*Set) stmtNode()            {}
func (*Reset) stmtNode()          {}
func (*Use) stmtNode()            {}

func (n *ColumnDef) Pos() Pos      { return n.Name.Start }
func (n *PrimaryKey) Pos() Pos     { return n.Start }
func (n *Watermark) Pos() Pos      { return n.Start }
func (n *Option) Pos() Pos         { return n.Key.Start }
func (n *TableLike) Pos() Pos      { return n.Start }
func (n *LikeOption) Pos() Pos     { return n.Start }
func (n *PartitionValue) Pos() Pos { return n.Column.Start }

// AlterTable is Flink's ALTER TABLE [IF EXISTS] name followed by one of
// SET ('k' = 'v', ...), RESET ('k', ...), RENAME TO new_name, ADD / MODIFY
// column(s) [FIRST | AFTER c], DROP column(s), DROP PRIMARY KEY, DROP
// WATERMARK or RENAME column TO new_column.
type AlterTable struct {
	StmtBase
	IfExists bool
	Name     *QualifiedName
	// Set holds the options of SET (...); Reset the keys of RESET (...);
	// RenameTo the new name of RENAME TO. Exactly one change is set.
	Set      []*Option
	Reset    []*StringLit
	RenameTo *QualifiedName
	// Add and Modify are the columns of ADD / MODIFY; Drop the columns of
	// DROP; DropPrimaryKey and DropWatermark the other DROPs;
	// RenameColumn/RenameColumnTo RENAME c TO d.
	Add, Modify    []*AlterColumn
	Drop           []*Ident
	DropPrimaryKey bool
	DropWatermark  bool
	RenameColumn   *Ident
	RenameColumnTo *Ident
}

// AlterColumn is a column of ALTER TABLE ADD / MODIFY with its position.
type AlterColumn struct {
	Column *ColumnDef
	First  bool
	After  *Ident
}

// AlterView is ALTER VIEW name RENAME TO new_name, or ALTER VIEW name AS
// query.
type AlterView struct {
	StmtBase
	Name     *QualifiedName
	RenameTo *QualifiedName
	Query    Query
}

// AlterFunction is ALTER [TEMPORARY [SYSTEM]] FUNCTION [IF EXISTS] name AS
// 'identifier' [LANGUAGE ...].
type AlterFunction struct {
	StmtBase
	Temporary  bool
	System     bool
	IfExists   bool
	Name       *QualifiedName
	Identifier *StringLit
	Language   string
}

func (*AlterTable) stmtNode()    {}
func (*AlterView) stmtNode()     {}
func (*AlterFunction) stmtNode() {}
