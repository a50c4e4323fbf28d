package codec

import (
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/connectors/print"
	"github.com/sluice-stream/sluice/table/types"
)

// JSONOptions are the choices of Flink's JSON encoder.
type JSONOptions struct {
	TextOptions
	// IgnoreNullFields leaves NULL fields out of objects, nested rows
	// included (encode.ignore-null-fields).
	IgnoreNullFields bool
}

// JSONWriters builds JSON writers with one set of options.
type JSONWriters struct {
	Options JSONOptions
}

// New builds the writer of values of t, NULLs included, in Flink's JSON
// form: numbers as numbers (NaN and Infinity as strings, as Jackson
// writes them), DECIMAL as a number (see AppendDecimal), BYTES as base64,
// DATE/TIME/TIMESTAMP as strings in their text form, ARRAY as an array,
// MAP and ROW as objects. Sluice's extension: MAP keys of other types
// than CHAR/VARCHAR are written as strings holding their text form, or
// their JSON text for ARRAY, MAP and ROW keys.
func (w *JSONWriters) New(t types.DataType) (ValueWriter, error) {
	f, err := w.nonNull(t)
	if err != nil {
		return nil, err
	}
	return func(dst []byte, arr arrow.Array, i int) []byte {
		if arr.IsNull(i) {
			return append(dst, "null"...)
		}
		return f(dst, arr, i)
	}, nil
}

func (w *JSONWriters) nonNull(t types.DataType) (ValueWriter, error) {
	switch t.Kind {
	case types.Null:
		return func(dst []byte, _ arrow.Array, _ int) []byte { return append(dst, "null"...) }, nil
	case types.Float:
		return func(dst []byte, arr arrow.Array, i int) []byte {
			return appendJSONFloat(dst, float64(arr.(*array.Float32).Value(i)), 32)
		}, nil
	case types.Double:
		return func(dst []byte, arr arrow.Array, i int) []byte {
			return appendJSONFloat(dst, arr.(*array.Float64).Value(i), 64)
		}, nil
	case types.Char, types.VarChar:
		return func(dst []byte, arr arrow.Array, i int) []byte {
			return AppendJSONString(dst, arr.(*array.String).Value(i))
		}, nil
	case types.Binary, types.VarBinary, types.Date, types.Time, types.Timestamp, types.TimestampLTZ:
		text, err := NewTextWriter(t, w.Options.TextOptions)
		if err != nil {
			return nil, err
		}
		// Their text is ASCII without quotes or backslashes.
		return func(dst []byte, arr arrow.Array, i int) []byte {
			dst = append(dst, '"')
			dst = text(dst, arr, i)
			return append(dst, '"')
		}, nil
	case types.Array:
		elem, err := w.New(*t.Elem)
		if err != nil {
			return nil, err
		}
		return func(dst []byte, arr arrow.Array, i int) []byte {
			a := arr.(*array.List)
			start, end := a.ValueOffsets(i)
			values := a.ListValues()
			dst = append(dst, '[')
			for j := start; j < end; j++ {
				if j > start {
					dst = append(dst, ',')
				}
				dst = elem(dst, values, int(j))
			}
			return append(dst, ']')
		}, nil
	case types.Map:
		return w.mapWriter(t)
	case types.Row:
		names := make([][]byte, len(t.Fields))
		fields := make([]ValueWriter, len(t.Fields))
		for j, f := range t.Fields {
			names[j] = append(AppendJSONString(nil, f.Name), ':')
			var err error
			if fields[j], err = w.New(f.Type); err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
		}
		ignoreNull := w.Options.IgnoreNullFields
		return func(dst []byte, arr arrow.Array, i int) []byte {
			a := arr.(*array.Struct)
			dst = append(dst, '{')
			first := true
			for j, f := range fields {
				child := a.Field(j)
				if ignoreNull && child.IsNull(i) {
					continue
				}
				if !first {
					dst = append(dst, ',')
				}
				first = false
				dst = append(dst, names[j]...)
				dst = f(dst, child, i)
			}
			return append(dst, '}')
		}, nil
	}
	// The rest is a number or a boolean whose text is its JSON.
	return NewTextWriter(t, w.Options.TextOptions)
}

func (w *JSONWriters) mapWriter(t types.DataType) (ValueWriter, error) {
	var key ValueWriter
	switch {
	case t.Key.IsString():
		key = func(dst []byte, arr arrow.Array, i int) []byte {
			return AppendJSONString(dst, arr.(*array.String).Value(i))
		}
	default:
		// Sluice's extension: the key's text (its JSON for ARRAY, MAP and
		// ROW keys), as a JSON string.
		var text ValueWriter
		var err error
		if IsFlat(*t.Key) {
			text, err = NewTextWriter(*t.Key, w.Options.TextOptions)
		} else {
			text, err = w.New(*t.Key)
		}
		if err != nil {
			return nil, fmt.Errorf("map key: %w", err)
		}
		var scratch []byte
		key = func(dst []byte, arr arrow.Array, i int) []byte {
			scratch = text(scratch[:0], arr, i)
			return AppendJSONString(dst, scratch)
		}
	}
	item, err := w.New(*t.Value)
	if err != nil {
		return nil, fmt.Errorf("map value: %w", err)
	}
	// Arrow maps hold no NULL keys (arrow-go refuses to build one), so
	// Flink's map-null-key.mode never applies.
	return func(dst []byte, arr arrow.Array, i int) []byte {
		a := arr.(*array.Map)
		start, end := a.ValueOffsets(i)
		keys, items := a.Keys(), a.Items()
		dst = append(dst, '{')
		for j := start; j < end; j++ {
			if j > start {
				dst = append(dst, ',')
			}
			dst = key(dst, keys, int(j))
			dst = append(dst, ':')
			dst = item(dst, items, int(j))
		}
		return append(dst, '}')
	}, nil
}

// appendJSONFloat writes Java's Float/Double.toString; NaN and the
// infinities, which JSON numbers cannot be, as strings, as Jackson does
// (WRITE_NAN_AS_STRINGS).
func appendJSONFloat(dst []byte, v float64, bits int) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		dst = append(dst, '"')
		dst = print.AppendJavaFloat(dst, v, bits)
		return append(dst, '"')
	}
	return print.AppendJavaFloat(dst, v, bits)
}

// jsonSafe marks the ASCII bytes a JSON string holds as they are.
var jsonSafe = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return
}()

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string the way Jackson escapes:
// quote and backslash, the short escapes \b \t \n \f \r, \u00XX for other
// control characters, everything else as UTF-8. Invalid UTF-8 becomes
// U+FFFD so the output is always valid JSON.
func AppendJSONString[S string | []byte](dst []byte, s S) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if jsonSafe[c] {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\ufffd"...)
			i++
			start = i
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\r':
			dst = append(dst, '\\', 'r')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
