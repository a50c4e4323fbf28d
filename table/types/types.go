// Package types is Sluice's SQL type system: Flink's logical types, their
// rendering, and the one mapping between them and Arrow types (DESIGN.md §3).
package types

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Kind is a logical type's root.
type Kind int

const (
	Null Kind = iota
	Boolean
	TinyInt
	SmallInt
	Int
	BigInt
	Float
	Double
	Decimal
	Char
	VarChar
	Binary
	VarBinary
	Date
	Time
	Timestamp
	TimestampLTZ
	IntervalDayTime
	IntervalYearMonth
	Array
	Map
	Multiset
	Row
)

// MaxLength is the length of STRING and BYTES: VARCHAR/VARBINARY at their
// largest, as in Flink.
const MaxLength = 2147483647

// DataType is a Flink logical type with its nullability. The zero value is
// the NULL type.
type DataType struct {
	Kind      Kind
	NotNull   bool
	Length    int // CHAR, VARCHAR, BINARY, VARBINARY
	Precision int // DECIMAL, TIME, TIMESTAMP, TIMESTAMP_LTZ
	Scale     int // DECIMAL
	Elem      *DataType
	Key       *DataType
	Value     *DataType
	Fields    []Field
	// TimeAttr marks a TIMESTAMP(3) / TIMESTAMP_LTZ(3) column as a time
	// attribute (Flink's TimestampKind): the rowtime of a table with a
	// WATERMARK, a PROCTIME() column, a window's window_time. It is type
	// metadata only (the values are plain timestamps); expressions over it
	// and regular aggregates materialize it into a plain timestamp.
	TimeAttr TimeAttr
}

// TimeAttr is the kind of time attribute a timestamp type carries.
type TimeAttr int

const (
	NoTimeAttr TimeAttr = iota
	Rowtime
	Proctime
)

// IsTimeAttr reports whether t is a rowtime or proctime attribute.
func (t DataType) IsTimeAttr() bool { return t.TimeAttr != NoTimeAttr }

// Materialized is t without its time attribute: what a time attribute
// becomes where Flink materializes it (GROUP BY keys, aggregate arguments,
// casts, expressions).
func (t DataType) Materialized() DataType { t.TimeAttr = NoTimeAttr; return t }

// Field is a named field of a ROW.
type Field struct {
	Name        string
	Type        DataType
	Description string
}

// Constructors, named as Flink's DataTypes.
func BOOLEAN() DataType            { return DataType{Kind: Boolean} }
func TINYINT() DataType            { return DataType{Kind: TinyInt} }
func SMALLINT() DataType           { return DataType{Kind: SmallInt} }
func INT() DataType                { return DataType{Kind: Int} }
func BIGINT() DataType             { return DataType{Kind: BigInt} }
func FLOAT() DataType              { return DataType{Kind: Float} }
func DOUBLE() DataType             { return DataType{Kind: Double} }
func DECIMAL(p, s int) DataType    { return DataType{Kind: Decimal, Precision: p, Scale: s} }
func CHAR(n int) DataType          { return DataType{Kind: Char, Length: n} }
func VARCHAR(n int) DataType       { return DataType{Kind: VarChar, Length: n} }
func STRING() DataType             { return VARCHAR(MaxLength) }
func BINARY(n int) DataType        { return DataType{Kind: Binary, Length: n} }
func VARBINARY(n int) DataType     { return DataType{Kind: VarBinary, Length: n} }
func BYTES() DataType              { return VARBINARY(MaxLength) }
func DATE() DataType               { return DataType{Kind: Date} }
func TIME(p int) DataType          { return DataType{Kind: Time, Precision: p} }
func TIMESTAMP(p int) DataType     { return DataType{Kind: Timestamp, Precision: p} }
func TIMESTAMP_LTZ(p int) DataType { return DataType{Kind: TimestampLTZ, Precision: p} }
func ARRAY(e DataType) DataType    { return DataType{Kind: Array, Elem: &e} }
func MULTISET(e DataType) DataType { return DataType{Kind: Multiset, Elem: &e} }
func MAP(k, v DataType) DataType   { return DataType{Kind: Map, Key: &k, Value: &v} }
func ROW(fields ...Field) DataType { return DataType{Kind: Row, Fields: fields} }
func FIELD(name string, t DataType) Field {
	return Field{Name: name, Type: t}
}
func NULL() DataType { return DataType{Kind: Null} }

// INTERVAL_DAY_TIME and INTERVAL_YEAR_MONTH are the two interval families.
func INTERVAL_DAY_TIME() DataType   { return DataType{Kind: IntervalDayTime, Precision: 3} }
func INTERVAL_YEAR_MONTH() DataType { return DataType{Kind: IntervalYearMonth} }

// Nullable returns t allowing NULL; NotNullable forbids it.
func (t DataType) Nullable() DataType    { t.NotNull = false; return t }
func (t DataType) NotNullable() DataType { t.NotNull = true; return t }

// IsNumeric reports the exact and approximate numeric kinds.
func (t DataType) IsNumeric() bool { return t.Kind >= TinyInt && t.Kind <= Decimal }

// IsIntegral reports TINYINT..BIGINT.
func (t DataType) IsIntegral() bool { return t.Kind >= TinyInt && t.Kind <= BigInt }

// IsString reports CHAR and VARCHAR.
func (t DataType) IsString() bool { return t.Kind == Char || t.Kind == VarChar }

// String renders the type the way Flink's summaries do: STRING for
// VARCHAR(2147483647), BYTES for VARBINARY(2147483647), NOT NULL suffix,
// and a time attribute's kind after it (TIMESTAMP(3) NOT NULL *ROWTIME*,
// as Flink's TimestampType.asSummaryString).
func (t DataType) String() string {
	s := t.base()
	if t.NotNull {
		s += " NOT NULL"
	}
	switch t.TimeAttr {
	case Rowtime:
		s += " *ROWTIME*"
	case Proctime:
		s += " *PROCTIME*"
	}
	return s
}

func (t DataType) base() string {
	switch t.Kind {
	case Null:
		return "NULL"
	case Boolean:
		return "BOOLEAN"
	case TinyInt:
		return "TINYINT"
	case SmallInt:
		return "SMALLINT"
	case Int:
		return "INT"
	case BigInt:
		return "BIGINT"
	case Float:
		return "FLOAT"
	case Double:
		return "DOUBLE"
	case Decimal:
		return fmt.Sprintf("DECIMAL(%d, %d)", t.Precision, t.Scale)
	case Char:
		return fmt.Sprintf("CHAR(%d)", t.Length)
	case VarChar:
		if t.Length == MaxLength {
			return "STRING"
		}
		return fmt.Sprintf("VARCHAR(%d)", t.Length)
	case Binary:
		return fmt.Sprintf("BINARY(%d)", t.Length)
	case VarBinary:
		if t.Length == MaxLength {
			return "BYTES"
		}
		return fmt.Sprintf("VARBINARY(%d)", t.Length)
	case Date:
		return "DATE"
	case Time:
		return fmt.Sprintf("TIME(%d)", t.Precision)
	case Timestamp:
		return fmt.Sprintf("TIMESTAMP(%d)", t.Precision)
	case TimestampLTZ:
		return fmt.Sprintf("TIMESTAMP_LTZ(%d)", t.Precision)
	case IntervalDayTime:
		return "INTERVAL SECOND(3)"
	case IntervalYearMonth:
		return "INTERVAL MONTH"
	case Array:
		return "ARRAY<" + t.Elem.String() + ">"
	case Multiset:
		return "MULTISET<" + t.Elem.String() + ">"
	case Map:
		return "MAP<" + t.Key.String() + ", " + t.Value.String() + ">"
	case Row:
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			parts[i] = "`" + strings.ReplaceAll(f.Name, "`", "``") + "` " + f.Type.String()
			if f.Description != "" {
				parts[i] += " '" + strings.ReplaceAll(f.Description, "'", "''") + "'"
			}
		}
		return "ROW<" + strings.Join(parts, ", ") + ">"
	}
	return fmt.Sprintf("?%d", int(t.Kind))
}

// Equal compares two types including nullability.
func (t DataType) Equal(o DataType) bool { return t.String() == o.String() }

// timeUnit is the Arrow unit that holds a fractional-second precision:
// the coarsest unit that loses nothing.
func timeUnit(precision int) arrow.TimeUnit {
	switch {
	case precision <= 0:
		return arrow.Second
	case precision <= 3:
		return arrow.Millisecond
	case precision <= 6:
		return arrow.Microsecond
	}
	return arrow.Nanosecond
}

func unitPrecision(u arrow.TimeUnit) int {
	return [...]int{0, 3, 6, 9}[u]
}

// Arrow is the Arrow type that carries values of t (DESIGN.md §3). Length
// limits and exact fractional precision are logical only: Arrow holds the
// values, the planner enforces the rest.
func (t DataType) Arrow() arrow.DataType {
	switch t.Kind {
	case Null:
		return arrow.Null
	case Boolean:
		return arrow.FixedWidthTypes.Boolean
	case TinyInt:
		return arrow.PrimitiveTypes.Int8
	case SmallInt:
		return arrow.PrimitiveTypes.Int16
	case Int:
		return arrow.PrimitiveTypes.Int32
	case BigInt:
		return arrow.PrimitiveTypes.Int64
	case Float:
		return arrow.PrimitiveTypes.Float32
	case Double:
		return arrow.PrimitiveTypes.Float64
	case Decimal:
		return &arrow.Decimal128Type{Precision: int32(t.Precision), Scale: int32(t.Scale)}
	case Char, VarChar:
		return arrow.BinaryTypes.String
	case Binary, VarBinary:
		return arrow.BinaryTypes.Binary
	case Date:
		return arrow.FixedWidthTypes.Date32
	case Time:
		// Flink keeps a TIME as milliseconds of the day whatever its
		// precision up to 3: a TIME(0) value can hold 12:00:00.123 (from a
		// Python time, a UDF's result), which only a CAST truncates.
		u := timeUnit(t.Precision)
		if u <= arrow.Millisecond {
			return arrow.FixedWidthTypes.Time32ms
		}
		return &arrow.Time64Type{Unit: u}
	case Timestamp:
		return &arrow.TimestampType{Unit: timeUnit(t.Precision)}
	case TimestampLTZ:
		return &arrow.TimestampType{Unit: timeUnit(t.Precision), TimeZone: "UTC"}
	case IntervalDayTime:
		return arrow.FixedWidthTypes.Duration_ms
	case IntervalYearMonth:
		return arrow.FixedWidthTypes.MonthInterval
	case Array, Multiset:
		e := *t.Elem
		return arrow.ListOfField(arrow.Field{Name: "item", Type: e.Arrow(), Nullable: !e.NotNull})
	case Map:
		return arrow.MapOf(t.Key.Arrow(), t.Value.Arrow())
	case Row:
		fs := make([]arrow.Field, len(t.Fields))
		for i, f := range t.Fields {
			fs[i] = arrow.Field{Name: f.Name, Type: f.Type.Arrow(), Nullable: !f.Type.NotNull}
		}
		return arrow.StructOf(fs...)
	}
	panic(fmt.Sprintf("types: no Arrow type for %s", t))
}

// FromArrow is the logical type of an Arrow type: the inverse of Arrow for
// every type Arrow produces (STRING for utf8, BYTES for binary, the
// precision of a time unit).
func FromArrow(dt arrow.DataType) (DataType, error) {
	switch dt := dt.(type) {
	case *arrow.NullType:
		return NULL(), nil
	case *arrow.BooleanType:
		return BOOLEAN(), nil
	case *arrow.Int8Type:
		return TINYINT(), nil
	case *arrow.Int16Type:
		return SMALLINT(), nil
	case *arrow.Int32Type:
		return INT(), nil
	case *arrow.Int64Type:
		return BIGINT(), nil
	case *arrow.Float32Type:
		return FLOAT(), nil
	case *arrow.Float64Type:
		return DOUBLE(), nil
	case *arrow.Decimal128Type:
		return DECIMAL(int(dt.Precision), int(dt.Scale)), nil
	case *arrow.StringType, *arrow.LargeStringType:
		return STRING(), nil
	case *arrow.BinaryType, *arrow.LargeBinaryType:
		return BYTES(), nil
	case *arrow.Date32Type:
		return DATE(), nil
	case *arrow.Time32Type:
		return TIME(unitPrecision(dt.Unit)), nil
	case *arrow.Time64Type:
		return TIME(unitPrecision(dt.Unit)), nil
	case *arrow.TimestampType:
		if dt.TimeZone != "" {
			return TIMESTAMP_LTZ(unitPrecision(dt.Unit)), nil
		}
		return TIMESTAMP(unitPrecision(dt.Unit)), nil
	case *arrow.DurationType:
		return INTERVAL_DAY_TIME(), nil
	case *arrow.MonthIntervalType:
		return INTERVAL_YEAR_MONTH(), nil
	case *arrow.MapType:
		k, err := FromArrow(dt.KeyType())
		if err != nil {
			return DataType{}, err
		}
		v, err := FromArrow(dt.ItemType())
		if err != nil {
			return DataType{}, err
		}
		return MAP(k, v), nil
	case *arrow.ListType:
		e, err := FromArrow(dt.Elem())
		if err != nil {
			return DataType{}, err
		}
		e.NotNull = !dt.ElemField().Nullable
		return ARRAY(e), nil
	case *arrow.StructType:
		fs := make([]Field, dt.NumFields())
		for i, f := range dt.Fields() {
			ft, err := FromArrow(f.Type)
			if err != nil {
				return DataType{}, err
			}
			ft.NotNull = !f.Nullable
			fs[i] = Field{Name: f.Name, Type: ft}
		}
		return ROW(fs...), nil
	}
	return DataType{}, fmt.Errorf("the Arrow type %s has no SQL type in Sluice", dt)
}
