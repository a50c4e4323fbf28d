package codec

import (
	"encoding/base64"
	"fmt"
	"math/big"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/sluice-stream/sluice/connectors/print"
	"github.com/sluice-stream/sluice/table/types"
)

// ValueWriter appends the encoding of value i of arr, an array of the type
// the writer was built for, to dst.
type ValueWriter func(dst []byte, arr arrow.Array, i int) []byte

// TextOptions are the choices in the text forms of values.
type TextOptions struct {
	// PlainDecimals writes BigDecimal.toPlainString (100000) rather than
	// toString (1E+5).
	PlainDecimals bool
	// TimestampSep is what goes between date and time: ' ' in Flink's SQL
	// form (the default), 'T' in ISO-8601.
	TimestampSep byte
}

// NewTextWriter builds the writer of the text form of non-NULL scalar
// values of t, the form Flink's CSV format writes and its JSON format puts
// in strings:
//
//	BOOLEAN               true, false
//	TINYINT…BIGINT        42
//	FLOAT, DOUBLE         Java's Float/Double.toString: 1.0, 1.0E7, NaN
//	DECIMAL               BigDecimal with trailing zeros stripped (Jackson's
//	                      number nodes): 12.3, 1E+2, 0 (plain: 12.3, 100)
//	CHAR, VARCHAR         the text itself
//	BINARY, VARBINARY     base64
//	DATE                  2024-02-29
//	TIME                  10:15:30, 10:15:30.12 (as many fraction digits as needed)
//	TIMESTAMP             2024-02-29 10:15:30.123
//	TIMESTAMP_LTZ         2024-02-29 10:15:30.123Z (UTC)
//	INTERVAL              months, milliseconds
func NewTextWriter(t types.DataType, o TextOptions) (ValueWriter, error) {
	sep := o.TimestampSep
	if sep == 0 {
		sep = ' '
	}
	switch t.Kind {
	case types.Null:
		return func(dst []byte, _ arrow.Array, _ int) []byte { return dst }, nil
	case types.Boolean:
		return func(dst []byte, arr arrow.Array, i int) []byte {
			return strconv.AppendBool(dst, arr.(*array.Boolean).Value(i))
		}, nil
	case types.TinyInt:
		return func(dst []byte, arr arrow.Array, i int) []byte {
			return strconv.AppendInt(dst, int64(arr.(*array.Int8).Value(i)), 10)
		}, nil
	case types.SmallInt:
		return func(dst []byte, arr arrow.Array, i int) []byte {
			return strconv.AppendInt(dst, int64(arr.(*array.Int16).Value(i)), 10)
		}, nil
	case types.Int:
		return func(dst []byte, arr arrow.Array, i int) []byte {
			return strconv.AppendInt(dst, int64(arr.(*array.Int32).Value(i)), 10)
		}, nil
	case types.BigInt:
		return func(dst []byte, arr arrow.Array, i int) []byte {
			return strconv.AppendInt(dst, arr.(*array.Int64).Value(i), 10)
		}, nil
	case types.IntervalYearMonth:
		return func(dst []byte, arr arrow.Array, i int) []byte {
			return strconv.AppendInt(dst, int64(arr.(*array.MonthInterval).Value(i)), 10)
		}, nil
	case types.IntervalDayTime:
		return func(dst []byte, arr arrow.Array, i int) []byte {
			return strconv.AppendInt(dst, int64(arr.(*array.Duration).Value(i)), 10)
		}, nil
	case types.Float:
		return func(dst []byte, arr arrow.Array, i int) []byte {
			return print.AppendJavaFloat(dst, float64(arr.(*array.Float32).Value(i)), 32)
		}, nil
	case types.Double:
		return func(dst []byte, arr arrow.Array, i int) []byte {
			return print.AppendJavaFloat(dst, arr.(*array.Float64).Value(i), 64)
		}, nil
	case types.Decimal:
		scale, plain := int32(t.Scale), o.PlainDecimals
		return func(dst []byte, arr arrow.Array, i int) []byte {
			return AppendDecimal(dst, arr.(*array.Decimal128).Value(i), scale, plain)
		}, nil
	case types.Char, types.VarChar:
		return func(dst []byte, arr arrow.Array, i int) []byte {
			return append(dst, arr.(*array.String).Value(i)...)
		}, nil
	case types.Binary, types.VarBinary:
		return func(dst []byte, arr arrow.Array, i int) []byte {
			return base64.StdEncoding.AppendEncode(dst, arr.(*array.Binary).Value(i))
		}, nil
	case types.Date:
		return func(dst []byte, arr arrow.Array, i int) []byte {
			return print.AppendLocalDate(dst, int64(arr.(*array.Date32).Value(i)))
		}, nil
	case types.Time:
		per := unitsPerSecond(t.Arrow())
		if per <= 1e3 {
			return func(dst []byte, arr arrow.Array, i int) []byte {
				return appendTimeOfDay(dst, int64(arr.(*array.Time32).Value(i))*(1e9/per))
			}, nil
		}
		return func(dst []byte, arr arrow.Array, i int) []byte {
			return appendTimeOfDay(dst, int64(arr.(*array.Time64).Value(i))*(1e9/per))
		}, nil
	case types.Timestamp, types.TimestampLTZ:
		per := unitsPerSecond(t.Arrow())
		zulu := t.Kind == types.TimestampLTZ
		return func(dst []byte, arr arrow.Array, i int) []byte {
			v := int64(arr.(*array.Timestamp).Value(i))
			dst = appendTimestamp(dst, floorDiv(v, per), floorMod(v, per)*(1e9/per), sep)
			if zulu {
				dst = append(dst, 'Z')
			}
			return dst
		}, nil
	}
	return nil, fmt.Errorf("the type %s has no text form", t)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

func appendTwo(dst []byte, v int64) []byte { return append(dst, byte('0'+v/10), byte('0'+v%10)) }

// appendTimeOfDay is Flink's SQL_TIME_FORMAT (and ISO_LOCAL_TIME): HH:mm:ss
// and a fraction with as many digits as needed, none when zero.
func appendTimeOfDay(dst []byte, nanoOfDay int64) []byte {
	secs, nano := nanoOfDay/1e9, nanoOfDay%1e9
	dst = appendTwo(dst, secs/3600)
	dst = append(dst, ':')
	dst = appendTwo(dst, secs/60%60)
	dst = append(dst, ':')
	dst = appendTwo(dst, secs%60)
	if nano == 0 {
		return dst
	}
	var buf [9]byte
	for k := 8; k >= 0; k-- {
		buf[k] = byte('0' + nano%10)
		nano /= 10
	}
	n := 9
	for buf[n-1] == '0' {
		n--
	}
	dst = append(dst, '.')
	return append(dst, buf[:n]...)
}

func appendTimestamp(dst []byte, secs, nanos int64, sep byte) []byte {
	dst = print.AppendLocalDate(dst, floorDiv(secs, 86400))
	dst = append(dst, sep)
	return appendTimeOfDay(dst, floorMod(secs, 86400)*1e9+nanos)
}

// AppendDecimal appends n×10^-scale as Flink's CSV and JSON formats write a
// DECIMAL: Jackson's number node strips the trailing zeros (12.30 → 12.3,
// 100 → 1E+2, 0.00 → 0), then BigDecimal.toString, or toPlainString when
// plain.
func AppendDecimal(dst []byte, n decimal128.Num, scale int32, plain bool) []byte {
	n, scale = stripZeros(n, scale)
	if !plain {
		return print.AppendBigDecimal(dst, n, scale)
	}
	var digits []byte
	var buf [40]byte
	neg := n.Sign() < 0
	if v, ok := asInt64(n); ok {
		u := uint64(v)
		if neg {
			u = -u
		}
		digits = strconv.AppendUint(buf[:0], u, 10)
	} else {
		b := n.BigInt()
		digits = b.Abs(b).Append(buf[:0], 10)
	}
	if neg {
		dst = append(dst, '-')
	}
	switch {
	case scale <= 0:
		dst = append(dst, digits...)
		for range -scale {
			dst = append(dst, '0')
		}
	case len(digits) > int(scale):
		dst = append(dst, digits[:len(digits)-int(scale)]...)
		dst = append(dst, '.')
		dst = append(dst, digits[len(digits)-int(scale):]...)
	default:
		dst = append(dst, "0."...)
		for range int(scale) - len(digits) {
			dst = append(dst, '0')
		}
		dst = append(dst, digits...)
	}
	return dst
}

func asInt64(n decimal128.Num) (int64, bool) {
	hi, lo := n.HighBits(), n.LowBits()
	if hi == 0 && lo < 1<<63 || hi == -1 && lo >= 1<<63 {
		return int64(lo), true
	}
	return 0, false
}

// stripZeros is BigDecimal.stripTrailingZeros, with zero as 0 at scale 0
// (Jackson's DecimalNode.ZERO).
func stripZeros(n decimal128.Num, scale int32) (decimal128.Num, int32) {
	if n.Sign() == 0 {
		return n, 0
	}
	if v, ok := asInt64(n); ok {
		for v%10 == 0 {
			v /= 10
			scale--
		}
		return decimal128.FromI64(v), scale
	}
	b := n.BigInt()
	ten, q, r := big.NewInt(10), new(big.Int), new(big.Int)
	for {
		q.QuoRem(b, ten, r)
		if r.Sign() != 0 {
			return decimal128.FromBigInt(b), scale
		}
		b, q = q, b
		scale--
	}
}
