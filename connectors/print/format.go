package print

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/sluice-stream/sluice/vectorized"
)

// This file renders rows exactly as Flink's print connector does. Flink's
// PrintTableSinkFactory converts each RowData to its external Row with the
// table's DataStructureConverter and prints Row.toString()
// (RowUtils.deepToStringRow): the row kind, then the fields in brackets,
// each field the toString() of its default Java conversion class —
//
//	NULL                      null
//	BOOLEAN, integers         true, 42
//	FLOAT, DOUBLE             Float/Double.toString: 1.0, 1.5E-4, 1.0E7, NaN, Infinity
//	DECIMAL                   BigDecimal.toString: 12.30, 0E-8 and 1E-7 at scale ≥ 7
//	CHAR, VARCHAR             the text itself, unquoted
//	BINARY, BYTES             Arrays.toString(byte[]): [1, -2, 127]
//	DATE                      LocalDate: 2024-01-31
//	TIME                      LocalTime: 10:15, 10:15:30, 10:15:30.120
//	TIMESTAMP                 LocalDateTime: 2024-01-31T10:15:30.123
//	TIMESTAMP_LTZ             Instant: 2024-01-31T10:15:30.123Z
//	INTERVAL MONTH            Period: P14M, P0D
//	INTERVAL SECOND           Duration: PT1H30M, PT0.5S
//	ARRAY, MULTISET           [1, null, 3]
//	MAP                       {a=1, b=2}
//	ROW                       +I[a, 1] — a nested Row prints its kind too
//
// This is not what the SQL client's tableau shows (Flink 1.15+ renders
// those through RowDataToStringConverter, i.e. CAST … AS STRING: a space
// in timestamps, x'..' for bytes, (a, 1) for rows); the print connector
// never used that converter.
//
// Sluice prints MAP entries in their Arrow order; Flink's external Map is
// a HashMap whose order follows Java hash codes. A MULTISET is an Arrow
// list in Sluice and prints as one.

// valueFormatter appends the text of value i of one column.
type valueFormatter func(dst []byte, i int) []byte

// AppendValue appends Flink's print text of value i of arr to dst.
func AppendValue(dst []byte, arr arrow.Array, i int) []byte {
	return formatterFor(arr)(dst, i)
}

// FormatValue is Flink's print text of value i of arr.
func FormatValue(arr arrow.Array, i int) string { return string(AppendValue(nil, arr, i)) }

// FormatRow is Flink's print text of row i of b: "+I[a, 1, null]".
func FormatRow(b *vectorized.Batch, i int) string {
	return string(NewRowFormatter(b).AppendRow(nil, i))
}

// RowFormatter renders the rows of one batch; it resolves each column's
// type once, so rendering a row does no type dispatch.
type RowFormatter struct {
	b    *vectorized.Batch
	cols []valueFormatter
}

// NewRowFormatter prepares the formatting of b's rows.
func NewRowFormatter(b *vectorized.Batch) *RowFormatter {
	f := &RowFormatter{b: b, cols: make([]valueFormatter, b.Record.NumCols())}
	for c, col := range b.Record.Columns() {
		f.cols[c] = formatterFor(col)
	}
	return f
}

// AppendRow appends row i as Flink's Row.toString: kind, then the fields.
func (f *RowFormatter) AppendRow(dst []byte, i int) []byte {
	dst = append(dst, f.b.Kind(i).String()...)
	dst = append(dst, '[')
	for c, col := range f.cols {
		if c > 0 {
			dst = append(dst, ", "...)
		}
		dst = col(dst, i)
	}
	return append(dst, ']')
}

func formatterFor(arr arrow.Array) valueFormatter {
	f := nonNullFormatter(arr)
	if arr.NullN() == 0 {
		return f
	}
	return func(dst []byte, i int) []byte {
		if arr.IsNull(i) {
			return append(dst, "null"...)
		}
		return f(dst, i)
	}
}

func nonNullFormatter(arr arrow.Array) valueFormatter {
	switch a := arr.(type) {
	case *array.Null:
		return func(dst []byte, _ int) []byte { return append(dst, "null"...) }
	case *array.Boolean:
		return func(dst []byte, i int) []byte { return strconv.AppendBool(dst, a.Value(i)) }
	case *array.Int8:
		return func(dst []byte, i int) []byte { return strconv.AppendInt(dst, int64(a.Value(i)), 10) }
	case *array.Int16:
		return func(dst []byte, i int) []byte { return strconv.AppendInt(dst, int64(a.Value(i)), 10) }
	case *array.Int32:
		return func(dst []byte, i int) []byte { return strconv.AppendInt(dst, int64(a.Value(i)), 10) }
	case *array.Int64:
		return func(dst []byte, i int) []byte { return strconv.AppendInt(dst, a.Value(i), 10) }
	case *array.Uint8:
		return func(dst []byte, i int) []byte { return strconv.AppendUint(dst, uint64(a.Value(i)), 10) }
	case *array.Uint16:
		return func(dst []byte, i int) []byte { return strconv.AppendUint(dst, uint64(a.Value(i)), 10) }
	case *array.Uint32:
		return func(dst []byte, i int) []byte { return strconv.AppendUint(dst, uint64(a.Value(i)), 10) }
	case *array.Uint64:
		return func(dst []byte, i int) []byte { return strconv.AppendUint(dst, a.Value(i), 10) }
	case *array.Float32:
		return func(dst []byte, i int) []byte { return AppendJavaFloat(dst, float64(a.Value(i)), 32) }
	case *array.Float64:
		return func(dst []byte, i int) []byte { return AppendJavaFloat(dst, a.Value(i), 64) }
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		return func(dst []byte, i int) []byte { return AppendBigDecimal(dst, a.Value(i), scale) }
	case *array.String:
		return func(dst []byte, i int) []byte { return append(dst, a.Value(i)...) }
	case *array.LargeString:
		return func(dst []byte, i int) []byte { return append(dst, a.Value(i)...) }
	case *array.StringView:
		return func(dst []byte, i int) []byte { return append(dst, a.Value(i)...) }
	case *array.Binary:
		return func(dst []byte, i int) []byte { return appendJavaBytes(dst, a.Value(i)) }
	case *array.LargeBinary:
		return func(dst []byte, i int) []byte { return appendJavaBytes(dst, a.Value(i)) }
	case *array.FixedSizeBinary:
		return func(dst []byte, i int) []byte { return appendJavaBytes(dst, a.Value(i)) }
	case *array.Date32:
		return func(dst []byte, i int) []byte { return AppendLocalDate(dst, int64(a.Value(i))) }
	case *array.Date64:
		return func(dst []byte, i int) []byte { return AppendLocalDate(dst, floorDiv(int64(a.Value(i)), 86400000)) }
	case *array.Time32:
		per := unitsPerSecond(a.DataType().(*arrow.Time32Type).Unit)
		return func(dst []byte, i int) []byte { return appendLocalTime(dst, int64(a.Value(i))*(1e9/per)) }
	case *array.Time64:
		per := unitsPerSecond(a.DataType().(*arrow.Time64Type).Unit)
		return func(dst []byte, i int) []byte { return appendLocalTime(dst, int64(a.Value(i))*(1e9/per)) }
	case *array.Timestamp:
		tt := a.DataType().(*arrow.TimestampType)
		per := unitsPerSecond(tt.Unit)
		if tt.TimeZone == "" {
			return func(dst []byte, i int) []byte {
				v := int64(a.Value(i))
				return appendLocalDateTime(dst, floorDiv(v, per), floorMod(v, per)*(1e9/per))
			}
		}
		return func(dst []byte, i int) []byte {
			v := int64(a.Value(i))
			return appendInstant(dst, floorDiv(v, per), floorMod(v, per)*(1e9/per))
		}
	case *array.Duration:
		per := unitsPerSecond(a.DataType().(*arrow.DurationType).Unit)
		return func(dst []byte, i int) []byte {
			v := int64(a.Value(i))
			return appendJavaDuration(dst, floorDiv(v, per), floorMod(v, per)*(1e9/per))
		}
	case *array.MonthInterval:
		return func(dst []byte, i int) []byte { return appendJavaPeriod(dst, int64(a.Value(i))) }
	case *array.Map:
		keys, items := formatterFor(a.Keys()), formatterFor(a.Items())
		return func(dst []byte, i int) []byte {
			start, end := a.ValueOffsets(i)
			dst = append(dst, '{')
			for j := start; j < end; j++ {
				if j > start {
					dst = append(dst, ", "...)
				}
				dst = keys(dst, int(j))
				dst = append(dst, '=')
				dst = items(dst, int(j))
			}
			return append(dst, '}')
		}
	case *array.List:
		return listFormatter(a, formatterFor(a.ListValues()))
	case *array.LargeList:
		return listFormatter(a, formatterFor(a.ListValues()))
	case *array.FixedSizeList:
		return listFormatter(a, formatterFor(a.ListValues()))
	case *array.Struct:
		// Struct children come sliced like the struct, so row i of the
		// struct is row i of each field.
		fields := make([]valueFormatter, a.NumField())
		for j := range fields {
			fields[j] = formatterFor(a.Field(j))
		}
		return func(dst []byte, i int) []byte {
			dst = append(dst, "+I["...)
			for j, f := range fields {
				if j > 0 {
					dst = append(dst, ", "...)
				}
				dst = f(dst, i)
			}
			return append(dst, ']')
		}
	}
	return func(dst []byte, i int) []byte { return append(dst, arr.ValueStr(i)...) }
}

type listLike interface {
	ValueOffsets(i int) (start, end int64)
}

func listFormatter(a listLike, elem valueFormatter) valueFormatter {
	return func(dst []byte, i int) []byte {
		start, end := a.ValueOffsets(i)
		dst = append(dst, '[')
		for j := start; j < end; j++ {
			if j > start {
				dst = append(dst, ", "...)
			}
			dst = elem(dst, int(j))
		}
		return append(dst, ']')
	}
}

func unitsPerSecond(u arrow.TimeUnit) int64 {
	switch u {
	case arrow.Second:
		return 1
	case arrow.Millisecond:
		return 1e3
	case arrow.Microsecond:
		return 1e6
	}
	return 1e9
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// AppendJavaFloat appends v as Java's Float.toString (bitSize 32) or
// Double.toString (64) renders it: the shortest digits that identify the
// value, plain for 10^-3 ≤ |v| < 10^7 ("0.001", "1234567.0") and
// computerized scientific notation otherwise ("1.0E7", "1.5E-4").
func AppendJavaFloat(dst []byte, v float64, bitSize int) []byte {
	switch {
	case math.IsNaN(v):
		return append(dst, "NaN"...)
	case math.IsInf(v, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(v, -1):
		return append(dst, "-Infinity"...)
	case v == 0:
		if math.Signbit(v) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	// 'e' with precision -1 gives the shortest round-tripping digits:
	// "-d.ddde±XX".
	var buf [32]byte
	s := strconv.AppendFloat(buf[:0], v, 'e', -1, bitSize)
	if s[0] == '-' {
		dst = append(dst, '-')
		s = s[1:]
	}
	e := 0
	mant := s
	if k := indexByte(s, 'e'); k >= 0 {
		mant = s[:k]
		x, _ := strconv.Atoi(string(s[k+1:]))
		e = x
	}
	digits := make([]byte, 0, len(mant))
	for _, c := range mant {
		if c != '.' {
			digits = append(digits, c)
		}
	}
	if len(digits) == 1 {
		// Java prints at least two significant digits' worth: when one
		// digit suffices it picks, among the one- and two-digit decimals
		// that round to v, the closest to v (Double.toString(4.9E-324),
		// not 5E-324). The correctly rounded two-digit decimal is that one
		// whenever it still reads back as v.
		two := strconv.AppendFloat(buf[:0], math.Abs(v), 'e', 1, bitSize)
		if back, err := strconv.ParseFloat(string(two), bitSize); err == nil && back == math.Abs(v) && two[2] != '0' {
			digits = append(digits[:0], two[0], two[2])
			x, _ := strconv.Atoi(string(two[4:]))
			e = x
		}
	}
	abs := math.Abs(v)
	if abs >= 1e-3 && abs < 1e7 {
		if e >= 0 {
			if len(digits) <= e+1 {
				dst = append(dst, digits...)
				for range e + 1 - len(digits) {
					dst = append(dst, '0')
				}
				return append(dst, ".0"...)
			}
			dst = append(dst, digits[:e+1]...)
			dst = append(dst, '.')
			return append(dst, digits[e+1:]...)
		}
		dst = append(dst, "0."...)
		for range -e - 1 {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	dst = append(dst, digits[0], '.')
	if len(digits) > 1 {
		dst = append(dst, digits[1:]...)
	} else {
		dst = append(dst, '0')
	}
	dst = append(dst, 'E')
	return strconv.AppendInt(dst, int64(e), 10)
}

func indexByte(s []byte, c byte) int {
	for i, x := range s {
		if x == c {
			return i
		}
	}
	return -1
}

// AppendBigDecimal appends the decimal n×10^-scale as Java's
// BigDecimal.toString does: plain unless the scale is negative or the
// adjusted exponent is below -6, then scientific ("1E-7", "0E-8",
// "1.23E-7").
func AppendBigDecimal(dst []byte, n decimal128.Num, scale int32) []byte {
	u := n.BigInt()
	neg := u.Sign() < 0
	digits := u.Abs(u).String()
	adjusted := -int(scale) + len(digits) - 1
	if neg {
		dst = append(dst, '-')
	}
	if scale >= 0 && adjusted >= -6 {
		s := int(scale)
		switch {
		case s == 0:
			return append(dst, digits...)
		case len(digits) > s:
			dst = append(dst, digits[:len(digits)-s]...)
			dst = append(dst, '.')
			return append(dst, digits[len(digits)-s:]...)
		default:
			dst = append(dst, "0."...)
			dst = append(dst, strings.Repeat("0", s-len(digits))...)
			return append(dst, digits...)
		}
	}
	dst = append(dst, digits[0])
	if len(digits) > 1 {
		dst = append(dst, '.')
		dst = append(dst, digits[1:]...)
	}
	dst = append(dst, 'E')
	if adjusted >= 0 {
		dst = append(dst, '+')
	}
	return strconv.AppendInt(dst, int64(adjusted), 10)
}

// appendJavaBytes is Arrays.toString(byte[]): signed bytes.
func appendJavaBytes(dst, b []byte) []byte {
	dst = append(dst, '[')
	for i, x := range b {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = strconv.AppendInt(dst, int64(int8(x)), 10)
	}
	return append(dst, ']')
}

// appendYear is java.time's year field: four digits at least, a sign for
// negative years, '+' above 9999.
func appendYear(dst []byte, y int) []byte {
	switch {
	case y < 0 && y > -1000:
		dst = append(dst, '-')
		return appendPadded(dst, int64(-y), 4)
	case y >= 0 && y < 1000:
		return appendPadded(dst, int64(y), 4)
	case y > 9999:
		dst = append(dst, '+')
	}
	return strconv.AppendInt(dst, int64(y), 10)
}

func appendPadded(dst []byte, v int64, width int) []byte {
	var buf [20]byte
	s := strconv.AppendInt(buf[:0], v, 10)
	for range width - len(s) {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// AppendLocalDate appends the date epochDay days after 1970-01-01 as
// LocalDate.toString (ISO_LOCAL_DATE) does: 2024-01-31, -0044-03-15,
// +10000-01-01.
func AppendLocalDate(dst []byte, epochDay int64) []byte {
	y, m, d := time.Unix(epochDay*86400, 0).UTC().Date()
	dst = appendYear(dst, y)
	dst = append(dst, '-')
	dst = appendPadded(dst, int64(m), 2)
	dst = append(dst, '-')
	return appendPadded(dst, int64(d), 2)
}

// appendLocalTime is LocalTime.toString: HH:mm, then :ss only when seconds
// or nanos are set, then the fraction in 3, 6 or 9 digits as needed.
func appendLocalTime(dst []byte, nanoOfDay int64) []byte {
	secs, nano := nanoOfDay/1e9, nanoOfDay%1e9
	dst = appendPadded(dst, secs/3600, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, secs/60%60, 2)
	if secs%60 > 0 || nano > 0 {
		dst = append(dst, ':')
		dst = appendPadded(dst, secs%60, 2)
		dst = appendFraction(dst, nano)
	}
	return dst
}

// appendFraction appends .SSS, .SSSSSS or .SSSSSSSSS — the fewest groups
// of three digits that hold nano (java.time's toString and ISO_INSTANT).
func appendFraction(dst []byte, nano int64) []byte {
	switch {
	case nano == 0:
		return dst
	case nano%1e6 == 0:
		dst = append(dst, '.')
		return appendPadded(dst, nano/1e6, 3)
	case nano%1e3 == 0:
		dst = append(dst, '.')
		return appendPadded(dst, nano/1e3, 6)
	}
	dst = append(dst, '.')
	return appendPadded(dst, nano, 9)
}

// appendLocalDateTime is LocalDateTime.toString: date 'T' time.
func appendLocalDateTime(dst []byte, secs, nano int64) []byte {
	dst = AppendLocalDate(dst, floorDiv(secs, 86400))
	dst = append(dst, 'T')
	return appendLocalTime(dst, floorMod(secs, 86400)*1e9+nano)
}

// appendInstant is Instant.toString (ISO_INSTANT): always seconds, the
// fraction in groups of three digits, 'Z'.
func appendInstant(dst []byte, secs, nano int64) []byte {
	dst = AppendLocalDate(dst, floorDiv(secs, 86400))
	dst = append(dst, 'T')
	sod := floorMod(secs, 86400)
	dst = appendPadded(dst, sod/3600, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, sod/60%60, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, sod%60, 2)
	dst = appendFraction(dst, nano)
	return append(dst, 'Z')
}

// appendJavaPeriod is Period.ofMonths(n).toString(): P14M, or P0D for zero
// (Flink converts INTERVAL MONTH to java.time.Period).
func appendJavaPeriod(dst []byte, months int64) []byte {
	if months == 0 {
		return append(dst, "P0D"...)
	}
	dst = append(dst, 'P')
	dst = strconv.AppendInt(dst, months, 10)
	return append(dst, 'M')
}

// appendJavaDuration is java.time.Duration.toString: PT8H6M12.345S, PT0S;
// hours are not folded into days, and a negative fraction prints as Java
// does (PT-0.5S).
func appendJavaDuration(dst []byte, seconds, nanos int64) []byte {
	if seconds == 0 && nanos == 0 {
		return append(dst, "PT0S"...)
	}
	eff := seconds
	if seconds < 0 && nanos > 0 {
		eff++
	}
	hours, minutes, secs := eff/3600, (eff%3600)/60, eff%60
	dst = append(dst, "PT"...)
	if hours != 0 {
		dst = strconv.AppendInt(dst, hours, 10)
		dst = append(dst, 'H')
	}
	if minutes != 0 {
		dst = strconv.AppendInt(dst, minutes, 10)
		dst = append(dst, 'M')
	}
	if secs == 0 && nanos == 0 && (hours != 0 || minutes != 0) {
		return dst
	}
	if seconds < 0 && nanos > 0 && secs == 0 {
		dst = append(dst, "-0"...)
	} else {
		dst = strconv.AppendInt(dst, secs, 10)
	}
	if nanos > 0 {
		f := nanos
		if seconds < 0 {
			f = 1e9 - nanos
		}
		frac := []byte(strconv.FormatInt(f+1e9, 10))[1:]
		for len(frac) > 0 && frac[len(frac)-1] == '0' {
			frac = frac[:len(frac)-1]
		}
		dst = append(dst, '.')
		dst = append(dst, frac...)
	}
	return append(dst, 'S')
}
