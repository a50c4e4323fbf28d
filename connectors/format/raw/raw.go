package raw

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/connectors/format"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
)

// Identifier is the value of the `format` option.
const Identifier = "raw"

// Options, without their `raw.` prefix.
const (
	OptionCharset    = "charset"
	OptionEndianness = "endianness"
)

// Values of endianness.
const (
	BigEndian    = "big-endian"
	LittleEndian = "little-endian"
)

// Factory is the raw format.
type Factory struct{}

func init() { format.Register(Factory{}) }

// Identifier implements format.Factory.
func (Factory) Identifier() string { return Identifier }

// Options implements format.Factory.
func (Factory) Options() []connector.Option {
	return []connector.Option{
		{Key: OptionCharset, Default: "UTF-8", Description: "Charset of text columns; Sluice supports UTF-8 only."},
		{Key: OptionEndianness, Default: BigEndian, Description: "Byte order of numbers: 'big-endian' or 'little-endian'."},
	}
}

// width is the size of a fixed-width type, 0 for text and bytes.
func width(t types.DataType) (int, bool) {
	switch t.Kind {
	case types.Char, types.VarChar, types.Binary, types.VarBinary:
		return 0, true
	case types.Boolean, types.TinyInt:
		return 1, true
	case types.SmallInt:
		return 2, true
	case types.Int, types.Float:
		return 4, true
	case types.BigInt, types.Double:
		return 8, true
	}
	return 0, false
}

type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

type codecSpec struct {
	col   connector.Column
	width int
	order byteOrder
}

func readSpec(ctx *format.Context) (*codecSpec, error) {
	o := ctx.Options
	switch cs := strings.ToUpper(strings.TrimSpace(o.String(OptionCharset, "UTF-8"))); cs {
	case "UTF-8", "UTF8":
	default:
		return nil, o.Errorf(OptionCharset, "is not supported: Sluice's raw format reads and writes UTF-8 only")
	}
	s := &codecSpec{}
	switch e := o.String(OptionEndianness, BigEndian); {
	case strings.EqualFold(e, BigEndian):
		s.order = binary.BigEndian
	case strings.EqualFold(e, LittleEndian):
		s.order = binary.LittleEndian
	default:
		return nil, o.Errorf(OptionEndianness, "is not supported; use '%s' or '%s'", BigEndian, LittleEndian)
	}
	if len(ctx.Columns) != 1 {
		names := make([]string, len(ctx.Columns))
		for i, c := range ctx.Columns {
			names[i] = c.Name + " " + c.Type.String()
		}
		return nil, fmt.Errorf("%s: the raw format takes exactly one physical column, the table has %d: [%s]",
			Identifier, len(ctx.Columns), strings.Join(names, ", "))
	}
	s.col = ctx.Columns[0]
	w, ok := width(s.col.Type)
	if !ok {
		return nil, fmt.Errorf("%s: column %s: the raw format does not support %s; use a string, binary, boolean or numeric type other than DECIMAL",
			Identifier, s.col.Name, s.col.Type)
	}
	s.width = w
	return s, nil
}

type decoder struct {
	*codecSpec
	null    bool
	bytes   []byte
	bits    uint64
	scratch []byte
	ready   bool
}

// NewDecoder implements format.Factory.
func (Factory) NewDecoder(ctx *format.Context) (format.Decoder, error) {
	s, err := readSpec(ctx)
	if err != nil {
		return nil, err
	}
	return &decoder{codecSpec: s}, nil
}

func (d *decoder) fail(err error) error {
	return &format.ParseError{Format: Identifier, Column: d.col.Name, Err: err}
}

// Parse implements format.Decoder. Every record holds a row.
func (d *decoder) Parse(data []byte) (bool, error) {
	d.ready = false
	d.null = data == nil || d.width > 0 && len(data) == 0
	switch {
	case d.null:
		if d.col.Type.NotNull {
			return false, d.fail(fmt.Errorf("NULL in a NOT NULL column"))
		}
	case d.width == 0:
		d.bytes = data
		if d.col.Type.IsString() && !utf8.Valid(data) {
			d.scratch = replaceInvalid(d.scratch[:0], data)
			d.bytes = d.scratch
		}
	case len(data) != d.width:
		return false, d.fail(fmt.Errorf("%d bytes, but a %s takes %d", len(data), d.col.Type.Nullable(), d.width))
	default:
		switch d.width {
		case 1:
			d.bits = uint64(data[0])
		case 2:
			d.bits = uint64(d.order.Uint16(data))
		case 4:
			d.bits = uint64(d.order.Uint32(data))
		default:
			d.bits = d.order.Uint64(data)
		}
	}
	d.ready = true
	return true, nil
}

// replaceInvalid copies text with each byte that is not part of valid
// UTF-8 replaced by U+FFFD.
func replaceInvalid(dst, text []byte) []byte {
	for len(text) > 0 {
		r, n := utf8.DecodeRune(text)
		if r == utf8.RuneError && n == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		} else {
			dst = append(dst, text[:n]...)
		}
		text = text[n:]
	}
	return dst
}

// Append implements format.Decoder. After a failed Parse it appends
// nothing.
func (d *decoder) Append(builders []array.Builder) {
	if !d.ready {
		return
	}
	b := builders[0]
	if d.null {
		b.AppendNull()
		return
	}
	switch bb := b.(type) {
	case *array.StringBuilder:
		bb.BinaryBuilder.Append(d.bytes)
	case *array.BinaryBuilder:
		bb.Append(d.bytes)
	case *array.BooleanBuilder:
		bb.Append(d.bits != 0)
	case *array.Int8Builder:
		bb.Append(int8(d.bits))
	case *array.Int16Builder:
		bb.Append(int16(d.bits))
	case *array.Int32Builder:
		bb.Append(int32(d.bits))
	case *array.Int64Builder:
		bb.Append(int64(d.bits))
	case *array.Float32Builder:
		bb.Append(math.Float32frombits(uint32(d.bits)))
	case *array.Float64Builder:
		bb.Append(math.Float64frombits(d.bits))
	default:
		panic(fmt.Sprintf("raw: %s values cannot go to a %T", d.col.Type, b))
	}
}

type encoder struct{ *codecSpec }

// NewEncoder implements format.Factory.
func (Factory) NewEncoder(ctx *format.Context) (format.Encoder, error) {
	s, err := readSpec(ctx)
	if err != nil {
		return nil, err
	}
	return encoder{s}, nil
}

// Encode implements format.Encoder.
func (e encoder) Encode(dst []byte, cols []arrow.Array, row int) ([]byte, error) {
	col := cols[0]
	if col.IsNull(row) {
		return dst, nil
	}
	switch a := col.(type) {
	case *array.String:
		return append(dst, a.Value(row)...), nil
	case *array.Binary:
		return append(dst, a.Value(row)...), nil
	case *array.Boolean:
		if a.Value(row) {
			return append(dst, 1), nil
		}
		return append(dst, 0), nil
	case *array.Int8:
		return append(dst, byte(a.Value(row))), nil
	case *array.Int16:
		return e.order.AppendUint16(dst, uint16(a.Value(row))), nil
	case *array.Int32:
		return e.order.AppendUint32(dst, uint32(a.Value(row))), nil
	case *array.Int64:
		return e.order.AppendUint64(dst, uint64(a.Value(row))), nil
	case *array.Float32:
		return e.order.AppendUint32(dst, math.Float32bits(a.Value(row))), nil
	case *array.Float64:
		return e.order.AppendUint64(dst, math.Float64bits(a.Value(row))), nil
	}
	return dst, fmt.Errorf("%s: column %s: a %s array is not a %s column", Identifier, e.col.Name, col.DataType(), e.col.Type)
}
