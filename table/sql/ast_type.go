package sql

// DataType is a data type as written in DDL, CAST or a PyFlink expression.
// It is syntax only: the planner maps it to engine types. Synonyms are
// normalised to Flink's canonical names (INTEGER → INT, DEC/NUMERIC →
// DECIMAL, DOUBLE PRECISION → DOUBLE, CHARACTER → CHAR, TIMESTAMP WITH LOCAL
// TIME ZONE → TIMESTAMP_LTZ, T ARRAY → ARRAY<T>, ROW(...) → ROW<...>), so
// two spellings of one type give equal trees.
type DataType struct {
	Start Pos
	// Name is one of the Type* constants.
	Name string
	// Params are the numbers in parentheses as written: the length of
	// CHAR(n), the precision and scale of DECIMAL(p, s), the precision of
	// TIMESTAMP(p). Empty when none were written (the planner applies
	// Flink's defaults).
	Params []int
	// Elem is the element type of ARRAY and MULTISET, Key/Value those of MAP.
	Elem  *DataType
	Key   *DataType
	Value *DataType
	// Fields are the fields of ROW.
	Fields []*RowField
	// Interval is the qualifier of an INTERVAL type.
	Interval *IntervalQualifier
	NotNull  bool
}

// RowField is name TYPE ['description'] inside ROW<...>.
type RowField struct {
	Name        *Ident
	Type        *DataType
	Description *StringLit
}

// Canonical type names.
const (
	TypeBoolean      = "BOOLEAN"
	TypeTinyInt      = "TINYINT"
	TypeSmallInt     = "SMALLINT"
	TypeInt          = "INT"
	TypeBigInt       = "BIGINT"
	TypeFloat        = "FLOAT"
	TypeDouble       = "DOUBLE"
	TypeDecimal      = "DECIMAL"
	TypeChar         = "CHAR"
	TypeVarchar      = "VARCHAR"
	TypeString       = "STRING"
	TypeBinary       = "BINARY"
	TypeVarbinary    = "VARBINARY"
	TypeBytes        = "BYTES"
	TypeDate         = "DATE"
	TypeTime         = "TIME"
	TypeTimestamp    = "TIMESTAMP"
	TypeTimestampLTZ = "TIMESTAMP_LTZ"
	TypeInterval     = "INTERVAL"
	TypeArray        = "ARRAY"
	TypeMultiset     = "MULTISET"
	TypeMap          = "MAP"
	TypeRow          = "ROW"
)

func (n *DataType) Pos() Pos { return n.Start }
func (n *RowField) Pos() Pos { return n.Name.Start }
