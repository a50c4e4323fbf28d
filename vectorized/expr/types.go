package expr

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// Arrow types of the SQL types this package produces (see the type mapping
// in the design: TIMESTAMP_LTZ is a UTC timestamp, INTERVAL DAY TO SECOND a
// duration in milliseconds, INTERVAL YEAR TO MONTH a month interval).
var (
	tBool     = arrow.FixedWidthTypes.Boolean
	tInt8     = arrow.PrimitiveTypes.Int8
	tInt16    = arrow.PrimitiveTypes.Int16
	tInt32    = arrow.PrimitiveTypes.Int32
	tInt64    = arrow.PrimitiveTypes.Int64
	tFloat32  = arrow.PrimitiveTypes.Float32
	tFloat64  = arrow.PrimitiveTypes.Float64
	tString   = arrow.BinaryTypes.String
	tBinary   = arrow.BinaryTypes.Binary
	tDate     = arrow.FixedWidthTypes.Date32
	tIntervDT = arrow.FixedWidthTypes.Duration_ms
	tIntervYM = arrow.FixedWidthTypes.MonthInterval
	tNull     = arrow.Null
)

// family groups Arrow types the way Flink's LogicalTypeFamily does.
type family int

const (
	famOther family = iota
	famNull
	famBool
	famInt
	famFloat
	famDecimal
	famString
	famBinary
	famDate
	famTime
	famTimestamp    // TIMESTAMP without time zone
	famTimestampLTZ // TIMESTAMP_LTZ
	famIntervalDT
	famIntervalYM
)

func familyOf(dt arrow.DataType) family {
	switch dt.ID() {
	case arrow.NULL:
		return famNull
	case arrow.BOOL:
		return famBool
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		return famInt
	case arrow.FLOAT32, arrow.FLOAT64:
		return famFloat
	case arrow.DECIMAL128:
		return famDecimal
	case arrow.STRING:
		return famString
	case arrow.BINARY:
		return famBinary
	case arrow.DATE32:
		return famDate
	case arrow.TIME32, arrow.TIME64:
		return famTime
	case arrow.TIMESTAMP:
		if dt.(*arrow.TimestampType).TimeZone != "" {
			return famTimestampLTZ
		}
		return famTimestamp
	case arrow.DURATION:
		return famIntervalDT
	case arrow.INTERVAL_MONTHS:
		return famIntervalYM
	}
	return famOther
}

func isNumeric(dt arrow.DataType) bool {
	f := familyOf(dt)
	return f == famInt || f == famFloat || f == famDecimal
}

func isExactNumeric(dt arrow.DataType) bool {
	f := familyOf(dt)
	return f == famInt || f == famDecimal
}

func isTimestampFam(dt arrow.DataType) bool {
	f := familyOf(dt)
	return f == famTimestamp || f == famTimestampLTZ
}

func isTemporal(dt arrow.DataType) bool {
	switch familyOf(dt) {
	case famDate, famTime, famTimestamp, famTimestampLTZ:
		return true
	}
	return false
}

func isInterval(dt arrow.DataType) bool {
	f := familyOf(dt)
	return f == famIntervalDT || f == famIntervalYM
}

// unitPrecision is the SQL precision of a time unit: TIME(p)/TIMESTAMP(p).
func unitPrecision(u arrow.TimeUnit) int {
	switch u {
	case arrow.Second:
		return 0
	case arrow.Millisecond:
		return 3
	case arrow.Microsecond:
		return 6
	}
	return 9
}

// unitForPrecision maps SQL precision bands to Arrow units: 0 s, 1-3 ms,
// 4-6 us, 7-9 ns.
func unitForPrecision(p int) arrow.TimeUnit {
	switch {
	case p <= 0:
		return arrow.Second
	case p <= 3:
		return arrow.Millisecond
	case p <= 6:
		return arrow.Microsecond
	}
	return arrow.Nanosecond
}

// unitsPerSecond is how many ticks of u make one second.
func unitsPerSecond(u arrow.TimeUnit) int64 {
	switch u {
	case arrow.Second:
		return 1
	case arrow.Millisecond:
		return 1_000
	case arrow.Microsecond:
		return 1_000_000
	}
	return 1_000_000_000
}

func timeUnitOf(dt arrow.DataType) arrow.TimeUnit {
	switch t := dt.(type) {
	case *arrow.TimestampType:
		return t.Unit
	case *arrow.Time32Type:
		return t.Unit
	case *arrow.Time64Type:
		return t.Unit
	case *arrow.DurationType:
		return t.Unit
	}
	return arrow.Millisecond
}

// TimestampType is TIMESTAMP(p): a zone-less Arrow timestamp.
func TimestampType(precision int) arrow.DataType {
	return &arrow.TimestampType{Unit: unitForPrecision(precision)}
}

// TimestampLTZType is TIMESTAMP_LTZ(p): an Arrow timestamp in UTC.
func TimestampLTZType(precision int) arrow.DataType {
	return &arrow.TimestampType{Unit: unitForPrecision(precision), TimeZone: "UTC"}
}

// TimeType is TIME(p): time32 for p <= 3, time64 above.
func TimeType(precision int) arrow.DataType {
	u := unitForPrecision(precision)
	if u == arrow.Second || u == arrow.Millisecond {
		// TIME(0) to TIME(3) are milliseconds of the day, as Flink's (and
		// table/types'): the precision is the planner's to keep.
		return arrow.FixedWidthTypes.Time32ms
	}
	return &arrow.Time64Type{Unit: u}
}

// DecimalType is DECIMAL(p, s).
func DecimalType(precision, scale int) arrow.DataType {
	return &arrow.Decimal128Type{Precision: int32(precision), Scale: int32(scale)}
}

func decPS(dt arrow.DataType) (int, int) {
	d := dt.(*arrow.Decimal128Type)
	return int(d.Precision), int(d.Scale)
}

// SQLTypeName renders an Arrow type as the Flink SQL type it represents, for
// error messages and TYPEOF.
func SQLTypeName(dt arrow.DataType) string {
	switch familyOf(dt) {
	case famNull:
		return "NULL"
	case famBool:
		return "BOOLEAN"
	case famInt:
		switch dt.ID() {
		case arrow.INT8:
			return "TINYINT"
		case arrow.INT16:
			return "SMALLINT"
		case arrow.INT32:
			return "INT"
		}
		return "BIGINT"
	case famFloat:
		if dt.ID() == arrow.FLOAT32 {
			return "FLOAT"
		}
		return "DOUBLE"
	case famDecimal:
		p, s := decPS(dt)
		return fmt.Sprintf("DECIMAL(%d, %d)", p, s)
	case famString:
		return "STRING"
	case famBinary:
		return "BYTES"
	case famDate:
		return "DATE"
	case famTime:
		return fmt.Sprintf("TIME(%d)", unitPrecision(timeUnitOf(dt)))
	case famTimestamp:
		return fmt.Sprintf("TIMESTAMP(%d)", unitPrecision(timeUnitOf(dt)))
	case famTimestampLTZ:
		return fmt.Sprintf("TIMESTAMP_LTZ(%d)", unitPrecision(timeUnitOf(dt)))
	case famIntervalDT:
		return "INTERVAL DAY TO SECOND(3)"
	case famIntervalYM:
		return "INTERVAL YEAR TO MONTH"
	}
	if s, ok := compositeTypeName(dt); ok {
		return s
	}
	return dt.String()
}

// intRank orders the integer types for widening: TINYINT < SMALLINT < INT < BIGINT.
func intRank(dt arrow.DataType) int {
	switch dt.ID() {
	case arrow.INT8:
		return 1
	case arrow.INT16:
		return 2
	case arrow.INT32:
		return 3
	case arrow.INT64:
		return 4
	}
	return 0
}

// intAsDecimal is the DECIMAL an integer type widens to.
// Flink: LogicalTypeMerging treats TINYINT as DECIMAL(3,0), SMALLINT (5,0),
// INT (10,0) and BIGINT (19,0) when merged with a DECIMAL.
func intAsDecimal(dt arrow.DataType) (int, int) {
	switch dt.ID() {
	case arrow.INT8:
		return 3, 0
	case arrow.INT16:
		return 5, 0
	case arrow.INT32:
		return 10, 0
	}
	return 19, 0
}

func asDecimalPS(dt arrow.DataType) (int, int) {
	if dt.ID() == arrow.DECIMAL128 {
		return decPS(dt)
	}
	return intAsDecimal(dt)
}

// commonNumeric is the type two numeric operands are widened to, following
// Flink's LogicalTypeMerging.findCommonType: integers widen to the larger
// integer; an integer with a DECIMAL becomes a DECIMAL wide enough for both;
// any approximate type makes the result approximate, and an approximate with
// a DECIMAL is DOUBLE.
func commonNumeric(a, b arrow.DataType) arrow.DataType {
	fa, fb := familyOf(a), familyOf(b)
	switch {
	case fa == famInt && fb == famInt:
		if intRank(a) >= intRank(b) {
			return a
		}
		return b
	case fa == famFloat || fb == famFloat:
		if fa == famDecimal || fb == famDecimal {
			return tFloat64
		}
		if a.ID() == arrow.FLOAT64 || b.ID() == arrow.FLOAT64 {
			return tFloat64
		}
		return tFloat32
	default: // at least one decimal, both exact
		p1, s1 := asDecimalPS(a)
		p2, s2 := asDecimalPS(b)
		s := max(s1, s2)
		p := max(p1-s1, p2-s2) + s
		if p > 38 {
			p = 38
		}
		return DecimalType(p, s)
	}
}

// commonTimestamp merges two timestamp types. Flink:
// LogicalTypeMerging.createCommonTimestampType keeps the larger precision and
// generalizes TIMESTAMP with TIMESTAMP_LTZ to TIMESTAMP_LTZ.
func commonTimestamp(a, b arrow.DataType) arrow.DataType {
	p := max(unitPrecision(timeUnitOf(a)), unitPrecision(timeUnitOf(b)))
	if familyOf(a) == famTimestampLTZ || familyOf(b) == famTimestampLTZ {
		return TimestampLTZType(p)
	}
	return TimestampType(p)
}

// commonType is the least restrictive type of a list (CASE branches,
// COALESCE, IN lists), or nil when there is none. NULL does not affect it.
func commonType(types []arrow.DataType) arrow.DataType {
	var res arrow.DataType
	for _, t := range types {
		if t.ID() == arrow.NULL {
			continue
		}
		if res == nil {
			res = t
			continue
		}
		if arrow.TypeEqual(res, t) {
			continue
		}
		fr, ft := familyOf(res), familyOf(t)
		switch {
		case isNumeric(res) && isNumeric(t):
			res = commonNumeric(res, t)
		case fr == famString && ft == famString:
			res = tString
		case fr == famBinary && ft == famBinary:
			res = tBinary
		case isTimestampFam(res) && isTimestampFam(t):
			res = commonTimestamp(res, t)
		case fr == famTime && ft == famTime:
			res = TimeType(max(unitPrecision(timeUnitOf(res)), unitPrecision(timeUnitOf(t))))
		case fr == ft && fr != famOther:
			// same family, e.g. two intervals
		default:
			return nil
		}
	}
	if res == nil {
		return tNull
	}
	return res
}
