package jdbc

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/connectors/internal/sqltext"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
)

// mysqlMaxFraction is the finest fractional-second precision MySQL and
// MariaDB keep (TIME(6), DATETIME(6), TIMESTAMP(6)).
const mysqlMaxFraction = 6

// checkColumns refuses the types a JDBC table cannot hold, naming the
// column: Flink's JDBC dialects support scalar types only, and MySQL keeps
// at most microseconds.
func checkColumns(d dialect, cols []connector.Column) error {
	for _, c := range cols {
		t := c.Type
		switch t.Kind {
		case types.Boolean, types.TinyInt, types.SmallInt, types.Int, types.BigInt, types.Float, types.Double,
			types.Decimal, types.Char, types.VarChar, types.Binary, types.VarBinary, types.Date:
		case types.Time, types.Timestamp, types.TimestampLTZ:
			if d == mysqlDialect && t.Precision > mysqlMaxFraction {
				return fmt.Errorf("column %s is %s, but MySQL keeps at most %d fractional digits of a second (as Flink's MySQL dialect); declare it with a precision of %d or less",
					c.Name, t, mysqlMaxFraction, mysqlMaxFraction)
			}
		default:
			return fmt.Errorf("column %s has type %s, which a JDBC table cannot hold; the jdbc connector supports scalar types only (BOOLEAN, TINYINT…BIGINT, FLOAT, DOUBLE, DECIMAL, CHAR, VARCHAR, STRING, BINARY, BYTES, DATE, TIME, TIMESTAMP, TIMESTAMP_LTZ), as Flink's does",
				c.Name, t)
		}
	}
	return nil
}

// paramFunc reads row i of a column as the value the database driver
// binds: bool, int64, float64, string or []byte. Values that outlive the
// batch (strings, bytes) are copies.
type paramFunc func(i int) (any, error)

// paramReader binds a column of type t held in arr. Text forms: DECIMAL as
// its exact digits, DATE as yyyy-MM-dd, TIME as HH:mm:ss[.f], TIMESTAMP and
// TIMESTAMP_LTZ as yyyy-MM-dd HH:mm:ss[.f] (TIMESTAMP_LTZ in UTC), with as
// many fraction digits as the type's precision.
func paramReader(d dialect, t types.DataType, arr arrow.Array) (paramFunc, error) {
	null := func(i int) bool { return arr.IsNull(i) }
	switch a := arr.(type) {
	case *array.Boolean:
		return func(i int) (any, error) {
			if null(i) {
				return nil, nil
			}
			return a.Value(i), nil
		}, nil
	case *array.Int8:
		return func(i int) (any, error) {
			if null(i) {
				return nil, nil
			}
			return int64(a.Value(i)), nil
		}, nil
	case *array.Int16:
		return func(i int) (any, error) {
			if null(i) {
				return nil, nil
			}
			return int64(a.Value(i)), nil
		}, nil
	case *array.Int32:
		return func(i int) (any, error) {
			if null(i) {
				return nil, nil
			}
			return int64(a.Value(i)), nil
		}, nil
	case *array.Int64:
		return func(i int) (any, error) {
			if null(i) {
				return nil, nil
			}
			return a.Value(i), nil
		}, nil
	case *array.Float32:
		return floatParam(d, arr, func(i int) float64 { return float64(a.Value(i)) }), nil
	case *array.Float64:
		return floatParam(d, arr, a.Value), nil
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		return func(i int) (any, error) {
			if null(i) {
				return nil, nil
			}
			return a.Value(i).ToString(scale), nil
		}, nil
	case *array.String:
		return func(i int) (any, error) {
			if null(i) {
				return nil, nil
			}
			return strings.Clone(a.Value(i)), nil
		}, nil
	case *array.LargeString:
		return func(i int) (any, error) {
			if null(i) {
				return nil, nil
			}
			return strings.Clone(a.Value(i)), nil
		}, nil
	case *array.Binary:
		return func(i int) (any, error) {
			if null(i) {
				return nil, nil
			}
			return append([]byte{}, a.Value(i)...), nil
		}, nil
	case *array.LargeBinary:
		return func(i int) (any, error) {
			if null(i) {
				return nil, nil
			}
			return append([]byte{}, a.Value(i)...), nil
		}, nil
	case *array.Date32:
		return func(i int) (any, error) {
			if null(i) {
				return nil, nil
			}
			return string(appendDate(nil, int64(a.Value(i)))), nil
		}, nil
	case *array.Time32:
		unit := a.DataType().(*arrow.Time32Type).Unit
		return func(i int) (any, error) {
			if null(i) {
				return nil, nil
			}
			return string(appendTime(nil, int64(a.Value(i))*int64(unit.Multiplier()), t.Precision)), nil
		}, nil
	case *array.Time64:
		unit := a.DataType().(*arrow.Time64Type).Unit
		return func(i int) (any, error) {
			if null(i) {
				return nil, nil
			}
			return string(appendTime(nil, int64(a.Value(i))*int64(unit.Multiplier()), t.Precision)), nil
		}, nil
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return func(i int) (any, error) {
			if null(i) {
				return nil, nil
			}
			sec, nanos := splitEpoch(int64(a.Value(i)), unit)
			return string(appendTimestamp(nil, sec, nanos, t.Precision)), nil
		}, nil
	}
	return nil, fmt.Errorf("no JDBC parameter for Arrow type %s (%s)", arr.DataType(), t)
}

func floatParam(d dialect, arr arrow.Array, value func(int) float64) paramFunc {
	return func(i int) (any, error) {
		if arr.IsNull(i) {
			return nil, nil
		}
		v := value(i)
		if d == sqliteDialect && math.IsNaN(v) {
			// SQLite stores a NaN REAL as NULL: refuse rather than lose it.
			return nil, fmt.Errorf("NaN cannot be stored in SQLite (it would become NULL)")
		}
		return v, nil
	}
}

// splitEpoch turns a value of unit u since the epoch into seconds and
// nanoseconds, the nanoseconds in [0, 1e9).
func splitEpoch(v int64, u arrow.TimeUnit) (sec, nanos int64) {
	per := int64(time.Second) / int64(u.Multiplier())
	sec, rem := v/per, v%per
	if rem < 0 {
		sec--
		rem += per
	}
	return sec, rem * int64(u.Multiplier())
}

func appendDate(b []byte, days int64) []byte {
	y, m, d := time.Unix(days*86400, 0).UTC().Date()
	return appendYMD(b, y, int(m), d)
}

func appendYMD(b []byte, y, m, d int) []byte {
	if y < 0 {
		b = append(b, '-')
		y = -y
	}
	b = appendPadded(b, y, 4)
	b = append(b, '-')
	b = appendPadded(b, m, 2)
	b = append(b, '-')
	return appendPadded(b, d, 2)
}

func appendPadded(b []byte, v, width int) []byte {
	s := strconv.Itoa(v)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// appendTime writes nanoseconds of the day as HH:mm:ss with precision
// fraction digits (finer digits are dropped, as Flink's TIME(p) does).
func appendTime(b []byte, nanos int64, precision int) []byte {
	sec := nanos / 1e9
	b = appendPadded(b, int(sec/3600), 2)
	b = append(b, ':')
	b = appendPadded(b, int(sec/60%60), 2)
	b = append(b, ':')
	b = appendPadded(b, int(sec%60), 2)
	return appendFraction(b, nanos%1e9, precision)
}

func appendFraction(b []byte, nanos int64, precision int) []byte {
	if precision <= 0 {
		return b
	}
	precision = min(precision, 9)
	b = append(b, '.')
	digits := strconv.FormatInt(nanos+1e9, 10)[1:] // nine digits, zero-padded
	return append(b, digits[:precision]...)
}

func appendTimestamp(b []byte, sec, nanos int64, precision int) []byte {
	days := sec / 86400
	rem := sec % 86400
	if rem < 0 {
		days--
		rem += 86400
	}
	b = appendDate(b, days)
	b = append(b, ' ')
	return appendTime(b, rem*1e9+nanos, precision)
}

// appender adds one value the driver returned to a column builder. The
// value may be any of what go-sql-driver (int64, float32, float64, []byte,
// string) and go-sqlite3 (int64, float64, string, []byte) return; []byte
// is only valid during the call.
type appender func(v any) error

// newAppender reads values of a column of type t into b.
func newAppender(t types.DataType, b array.Builder) appender {
	switch bb := b.(type) {
	case *array.BooleanBuilder:
		return func(v any) error {
			x, err := asBool(v)
			if err == nil {
				bb.Append(x)
			}
			return err
		}
	case *array.Int8Builder:
		return intAppender(func(x int64) { bb.Append(int8(x)) }, 8)
	case *array.Int16Builder:
		return intAppender(func(x int64) { bb.Append(int16(x)) }, 16)
	case *array.Int32Builder:
		return intAppender(func(x int64) { bb.Append(int32(x)) }, 32)
	case *array.Int64Builder:
		return intAppender(bb.Append, 64)
	case *array.Float32Builder:
		return func(v any) error {
			x, err := asFloat(v, 32)
			if err == nil {
				bb.Append(float32(x))
			}
			return err
		}
	case *array.Float64Builder:
		return func(v any) error {
			x, err := asFloat(v, 64)
			if err == nil {
				bb.Append(x)
			}
			return err
		}
	case *array.Decimal128Builder:
		return func(v any) error {
			var s string
			switch x := v.(type) {
			case []byte:
				s = string(x)
			case string:
				s = x
			case int64:
				s = strconv.FormatInt(x, 10)
			case float64:
				// SQLite keeps a decimal text of up to 15 significant digits
				// in a NUMERIC column as a REAL; the shortest form of that
				// double is those digits again.
				s = strconv.FormatFloat(x, 'g', -1, 64)
			default:
				return errNotA(t)
			}
			n, err := sqltext.ParseDecimal(s, t.Precision, t.Scale)
			if err != nil {
				return fmt.Errorf("%s: %w", t, err)
			}
			bb.Append(n)
			return nil
		}
	case *array.StringBuilder:
		return func(v any) error {
			switch x := v.(type) {
			case []byte:
				if !utf8.Valid(x) {
					return fmt.Errorf("not UTF-8 text")
				}
				bb.BinaryBuilder.Append(x)
			case string:
				if !utf8.ValidString(x) {
					return fmt.Errorf("not UTF-8 text")
				}
				bb.Append(x)
			case int64:
				bb.Append(strconv.FormatInt(x, 10))
			case float64:
				bb.Append(strconv.FormatFloat(x, 'g', -1, 64))
			default:
				return errNotA(t)
			}
			return nil
		}
	case *array.BinaryBuilder:
		return func(v any) error {
			switch x := v.(type) {
			case []byte:
				bb.Append(x)
			case string:
				bb.AppendString(x)
			default:
				return errNotA(t)
			}
			return nil
		}
	case *array.Date32Builder:
		return func(v any) error {
			s, ok := asText(v)
			if !ok {
				return errNotA(t)
			}
			d, err := sqltext.ParseDate(s)
			if err != nil {
				return fmt.Errorf("DATE: %w", err)
			}
			bb.Append(arrow.Date32(d))
			return nil
		}
	case *array.Time32Builder:
		unit := bb.Type().(*arrow.Time32Type).Unit
		return timeAppender(t, unit, func(x int64) { bb.Append(arrow.Time32(x)) })
	case *array.Time64Builder:
		unit := bb.Type().(*arrow.Time64Type).Unit
		return timeAppender(t, unit, func(x int64) { bb.Append(arrow.Time64(x)) })
	case *array.TimestampBuilder:
		unit := bb.Type().(*arrow.TimestampType).Unit
		return func(v any) error {
			s, ok := asText(v)
			if !ok {
				return errNotA(t)
			}
			ts, err := sqltext.ParseTimestamp(s)
			if err != nil {
				return fmt.Errorf("TIMESTAMP: %w", err)
			}
			// Text without an offset is UTC for TIMESTAMP_LTZ (sessions
			// run in UTC; SQLite's CURRENT_TIMESTAMP is UTC); text with one
			// is brought to UTC, as SQLite's datetime() does.
			sec := ts.Seconds - int64(ts.Offset)
			nanosPerUnit := int64(unit.Multiplier())
			unitsPerSec := int64(time.Second) / nanosPerUnit
			if sec > math.MaxInt64/unitsPerSec-1 || sec < math.MinInt64/unitsPerSec+1 {
				return fmt.Errorf("out of range for %s", t)
			}
			bb.Append(arrow.Timestamp(sec*unitsPerSec + ts.Nanos/nanosPerUnit))
			return nil
		}
	}
	panic(fmt.Sprintf("jdbc: no appender for %T", b)) // checkColumns refused the type
}

func errNotA(t types.DataType) error {
	return fmt.Errorf("not a %s", t)
}

func intAppender(add func(int64), bits int) appender {
	lo, hi := int64(-1)<<(bits-1), int64(1<<(bits-1)-1)
	if bits == 64 {
		lo, hi = math.MinInt64, math.MaxInt64
	}
	name := map[int]string{8: "TINYINT", 16: "SMALLINT", 32: "INT", 64: "BIGINT"}[bits]
	return func(v any) error {
		var x int64
		switch y := v.(type) {
		case int64:
			x = y
		case []byte, string:
			s, _ := asText(v)
			n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			if err != nil {
				return fmt.Errorf("not a %s", name)
			}
			x = n
		case float64:
			// SQLite turns an integer written into a REAL column into a REAL.
			if y != math.Trunc(y) || y < -(1<<63) || y >= 1<<63 {
				return fmt.Errorf("not a %s", name)
			}
			x = int64(y)
		case bool:
			if y {
				x = 1
			}
		default:
			return fmt.Errorf("not a %s", name)
		}
		if x < lo || x > hi {
			return fmt.Errorf("out of range for %s", name)
		}
		add(x)
		return nil
	}
}

func asBool(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case int64:
		// MySQL's BOOLEAN is TINYINT(1); as Connector/J, anything but 0 is true.
		return x != 0, nil
	case []byte:
		if len(x) == 1 && x[0] <= 1 {
			return x[0] == 1, nil // BIT(1)
		}
		return parseBoolText(string(x))
	case string:
		return parseBoolText(x)
	}
	return false, fmt.Errorf("not a BOOLEAN")
}

func parseBoolText(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true":
		return true, nil
	case "0", "false":
		return false, nil
	}
	if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
		return n != 0, nil
	}
	return false, fmt.Errorf("not a BOOLEAN")
}

func asFloat(v any, bits int) (float64, error) {
	name := "DOUBLE"
	if bits == 32 {
		name = "FLOAT"
	}
	var x float64
	switch y := v.(type) {
	case float64:
		x = y
	case float32:
		x = float64(y)
	case int64:
		x = float64(y)
	case []byte, string:
		s, _ := asText(v)
		f, err := strconv.ParseFloat(strings.TrimSpace(s), bits)
		if err != nil {
			return 0, fmt.Errorf("not a %s", name)
		}
		x = f
	default:
		return 0, fmt.Errorf("not a %s", name)
	}
	if bits == 32 && !math.IsInf(x, 0) && !math.IsNaN(x) && math.Abs(x) > math.MaxFloat32 {
		return 0, fmt.Errorf("out of range for FLOAT")
	}
	return x, nil
}

func asText(v any) (string, bool) {
	switch x := v.(type) {
	case []byte:
		return string(x), true
	case string:
		return x, true
	}
	return "", false
}

func timeAppender(t types.DataType, unit arrow.TimeUnit, add func(int64)) appender {
	return func(v any) error {
		s, ok := asText(v)
		if !ok {
			return errNotA(t)
		}
		n, err := sqltext.ParseTime(s)
		if err != nil {
			// MySQL's TIME is an interval up to 838:59:59; Flink's is a
			// time of day.
			return fmt.Errorf("not a time of day: %w", err)
		}
		add(n / int64(unit.Multiplier()))
		return nil
	}
}

// describeValue renders a driver value for an error message.
func describeValue(v any) string {
	var s string
	switch x := v.(type) {
	case []byte:
		s = "'" + string(x) + "'"
	case string:
		s = "'" + x + "'"
	default:
		s = fmt.Sprint(x)
	}
	if len(s) > 60 {
		s = s[:57] + "…"
	}
	return s
}
