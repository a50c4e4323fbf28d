package expr

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/vectorized"
)

// literalExpr is a constant. It keeps its value as a length-1 array (handed
// to scalar-aware kernels as is) and caches the last broadcast column.
type literalExpr struct {
	typ   arrow.DataType
	value arrow.Array // length 1
	text  string

	mu    sync.Mutex
	cache arrow.Array // broadcast of value, reused for batches of its length
}

// Literal is a constant of type dt; v == nil is a typed NULL. Accepted Go
// values: bool; int, int8…int64 for integer types, DECIMAL (whole numbers)
// and INTERVAL YEAR TO MONTH (months); float32/float64 for FLOAT/DOUBLE;
// string for STRING, BYTES and DECIMAL (parsed); []byte for BYTES;
// decimal128.Num (unscaled) for DECIMAL; time.Time for DATE, TIME,
// TIMESTAMP (its wall clock) and TIMESTAMP_LTZ (its instant);
// time.Duration for TIME (since midnight) and INTERVAL DAY TO SECOND.
func Literal(v any, dt arrow.DataType) (vectorized.Expr, error) {
	if dt == nil {
		return nil, fmt.Errorf("literal %v has no type", v)
	}
	arr, err := scalarArray(memory.DefaultAllocator, v, dt)
	if err != nil {
		return nil, err
	}
	l := &literalExpr{typ: dt, value: arr}
	l.text = literalText(arr)
	return l, nil
}

func (l *literalExpr) DataType() arrow.DataType    { return l.typ }
func (l *literalExpr) String() string              { return l.text }
func (l *literalExpr) children() []vectorized.Expr { return nil }
func (l *literalExpr) canFail() bool               { return false }
func (l *literalExpr) isNull() bool                { return l.value.IsNull(0) }

// single is the one-value array, with a new reference.
func (l *literalExpr) single() arrow.Array {
	l.value.Retain()
	return l.value
}

func (l *literalExpr) Eval(ec *vectorized.EvalContext, rec arrow.RecordBatch) (arrow.Array, error) {
	n := int(rec.NumRows())
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cache != nil && l.cache.Len() == n {
		l.cache.Retain()
		return l.cache, nil
	}
	// The cache outlives batches, so it lives on the Go heap rather than in
	// the batch's allocator.
	arr, err := broadcast(memory.DefaultAllocator, l.value, n)
	if err != nil {
		return nil, err
	}
	if l.cache != nil {
		l.cache.Release()
	}
	l.cache = arr
	arr.Retain()
	return arr, nil
}

func literalText(arr arrow.Array) string {
	if arr.IsNull(0) {
		if arr.DataType().ID() == arrow.NULL {
			return "NULL"
		}
		return "CAST(NULL AS " + SQLTypeName(arr.DataType()) + ")"
	}
	s := formatValue(arr, 0, time.UTC)
	switch familyOf(arr.DataType()) {
	case famString:
		return quoteSQL(s)
	case famBinary:
		return fmt.Sprintf("X'%x'", arr.(*array.Binary).Value(0))
	case famDate:
		return "DATE '" + s + "'"
	case famTime:
		return "TIME '" + s + "'"
	case famTimestamp:
		return "TIMESTAMP '" + s + "'"
	case famTimestampLTZ:
		return "TO_TIMESTAMP_LTZ('" + s + "')"
	case famIntervalDT, famIntervalYM:
		return "INTERVAL '" + s + "'"
	}
	return s
}

func toInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	}
	return 0, false
}

// scalarArray builds a one-row array of type dt holding v.
func scalarArray(mem memory.Allocator, v any, dt arrow.DataType) (arrow.Array, error) {
	if v == nil {
		return array.MakeArrayOfNull(mem, dt, 1), nil
	}
	bad := func() (arrow.Array, error) {
		return nil, fmt.Errorf("a %T literal cannot be of type %s", v, SQLTypeName(dt))
	}
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	switch bb := b.(type) {
	case *array.BooleanBuilder:
		x, ok := v.(bool)
		if !ok {
			return bad()
		}
		bb.Append(x)
	case *array.Int8Builder, *array.Int16Builder, *array.Int32Builder, *array.Int64Builder:
		x, ok := toInt64(v)
		if !ok {
			return bad()
		}
		lo, hi := intRange(dt)
		if x < lo || x > hi {
			return nil, fmt.Errorf("literal %d is out of range for %s", x, SQLTypeName(dt))
		}
		switch bb := b.(type) {
		case *array.Int8Builder:
			bb.Append(int8(x))
		case *array.Int16Builder:
			bb.Append(int16(x))
		case *array.Int32Builder:
			bb.Append(int32(x))
		case *array.Int64Builder:
			bb.Append(x)
		}
	case *array.Float32Builder:
		switch x := v.(type) {
		case float32:
			bb.Append(x)
		case float64:
			bb.Append(float32(x))
		default:
			return bad()
		}
	case *array.Float64Builder:
		switch x := v.(type) {
		case float64:
			bb.Append(x)
		case float32:
			bb.Append(float64(x))
		default:
			return bad()
		}
	case *array.Decimal128Builder:
		p, s := decPS(dt)
		var num decimal128.Num
		switch x := v.(type) {
		case decimal128.Num:
			num = x
		case string:
			n, ok := parseDecimal(x, p, s)
			if !ok {
				return nil, fmt.Errorf("literal %q is not a valid %s", x, SQLTypeName(dt))
			}
			num = n
		default:
			i, ok := toInt64(v)
			if !ok {
				return bad()
			}
			n, ok := decimalFromBig(bigFromInt(i), 0, p, s)
			if !ok {
				return nil, fmt.Errorf("literal %d does not fit %s", i, SQLTypeName(dt))
			}
			num = n
		}
		if !num.FitsInPrecision(int32(p)) {
			return nil, fmt.Errorf("literal does not fit %s", SQLTypeName(dt))
		}
		bb.Append(num)
	case *array.StringBuilder:
		switch x := v.(type) {
		case string:
			bb.Append(x)
		case []byte:
			bb.Append(string(x))
		default:
			return bad()
		}
	case *array.BinaryBuilder:
		switch x := v.(type) {
		case string:
			bb.AppendString(x)
		case []byte:
			bb.Append(x)
		default:
			return bad()
		}
	case *array.Date32Builder:
		t, ok := v.(time.Time)
		if !ok {
			return bad()
		}
		bb.Append(arrow.Date32(civilDays(t.Year(), int(t.Month()), t.Day())))
	case *array.Time32Builder, *array.Time64Builder:
		var nanos int64
		switch x := v.(type) {
		case time.Duration:
			nanos = int64(x)
		case time.Time:
			nanos = int64(x.Hour())*3600e9 + int64(x.Minute())*60e9 + int64(x.Second())*1e9 + int64(x.Nanosecond())
		default:
			return bad()
		}
		if nanos < 0 || nanos >= 86400e9 {
			return nil, fmt.Errorf("literal %v is not a time of day", v)
		}
		ticks := nanos / (1_000_000_000 / unitsPerSecond(timeUnitOf(dt)))
		switch bb := b.(type) {
		case *array.Time32Builder:
			bb.Append(arrow.Time32(ticks))
		case *array.Time64Builder:
			bb.Append(arrow.Time64(ticks))
		}
	case *array.TimestampBuilder:
		t, ok := v.(time.Time)
		if !ok {
			return bad()
		}
		if familyOf(dt) == famTimestamp {
			// the wall clock of t, whatever its zone
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
		}
		bb.Append(arrow.Timestamp(timeToTicks(t, timeUnitOf(dt))))
	case *array.DurationBuilder:
		switch x := v.(type) {
		case time.Duration:
			bb.Append(arrow.Duration(int64(x) / int64(time.Millisecond)))
		default:
			i, ok := toInt64(v)
			if !ok {
				return bad()
			}
			bb.Append(arrow.Duration(i))
		}
	case *array.MonthIntervalBuilder:
		i, ok := toInt64(v)
		if !ok || i < math.MinInt32 || i > math.MaxInt32 {
			return bad()
		}
		bb.Append(arrow.MonthInterval(i))
	case *array.NullBuilder:
		return bad()
	default:
		return nil, fmt.Errorf("literals of type %s are not supported", SQLTypeName(dt))
	}
	return b.NewArray(), nil
}

func intRange(dt arrow.DataType) (int64, int64) {
	switch dt.ID() {
	case arrow.INT8:
		return math.MinInt8, math.MaxInt8
	case arrow.INT16:
		return math.MinInt16, math.MaxInt16
	case arrow.INT32:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

// timeToTicks is the instant t in units u since the epoch.
func timeToTicks(t time.Time, u arrow.TimeUnit) int64 {
	secs := t.Unix()
	ns := int64(t.Nanosecond())
	per := unitsPerSecond(u)
	return secs*per + ns/(1_000_000_000/per)
}
