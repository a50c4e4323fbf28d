package engine

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Row state of Top-N and deduplication: Flink keeps whole rows in keyed
// state (serialized RowData); so do these operators, as bytes, so that a
// kept row does not pin the Arrow batch it came in. A row is the
// concatenation of appendKeyValue of each column (the group key encoding:
// NULL byte, then the value's bits or length-prefixed bytes); rowDecoder
// turns such rows back into Arrow columns of the input types. The column
// types supported are the flat ones (booleans, byte-aligned fixed width
// types, strings and binaries); nested and dictionary columns are refused
// when the operator sees its input schema, not silently mangled.

type rowColKind uint8

const (
	rowColFixed rowColKind = iota
	rowColBool
	rowColBinary
)

// rowColumnKinds checks schema's types and says how each is decoded.
func rowColumnKinds(op string, schema *arrow.Schema) ([]rowColKind, error) {
	kinds := make([]rowColKind, schema.NumFields())
	for i, f := range schema.Fields() {
		switch f.Type.ID() {
		case arrow.BOOL:
			kinds[i] = rowColBool
			continue
		case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY, arrow.STRING_VIEW, arrow.BINARY_VIEW:
			kinds[i] = rowColBinary
			continue
		case arrow.DICTIONARY, arrow.EXTENSION:
			return nil, fmt.Errorf("%s: column %s of type %s cannot be kept in state", op, f.Name, f.Type)
		}
		fw, ok := f.Type.(arrow.FixedWidthDataType)
		if !ok || fw.BitWidth() < 8 || fw.BitWidth()%8 != 0 {
			return nil, fmt.Errorf("%s: column %s of type %s cannot be kept in state", op, f.Name, f.Type)
		}
		kinds[i] = rowColFixed
	}
	return kinds, nil
}

// appendRow appends the encoding of row i of cols.
func appendRow(dst []byte, cols []arrow.Array, i int) []byte {
	for _, c := range cols {
		dst = appendKeyValue(dst, c, i)
	}
	return dst
}

// rowDecoder accumulates encoded rows and builds Arrow columns of them.
type rowDecoder struct {
	mem   memory.Allocator
	types []arrow.DataType
	kinds []rowColKind
	n     int
	// Per column: fixed width values and validity, or a builder.
	fixed [][]byte
	valid [][]bool
	bld   []array.Builder
}

func newRowDecoder(mem memory.Allocator, schema *arrow.Schema, kinds []rowColKind) *rowDecoder {
	d := &rowDecoder{mem: mem, kinds: kinds}
	for _, f := range schema.Fields() {
		d.types = append(d.types, f.Type)
	}
	d.fixed = make([][]byte, len(kinds))
	d.valid = make([][]bool, len(kinds))
	d.bld = make([]array.Builder, len(kinds))
	return d
}

// add appends one encoded row.
func (d *rowDecoder) add(row []byte) error {
	p := row
	for c, k := range d.kinds {
		if len(p) == 0 {
			return fmt.Errorf("%w: row too short", errStateCorrupt)
		}
		null := p[0] == 0
		p = p[1:]
		switch k {
		case rowColFixed:
			w := d.types[c].(arrow.FixedWidthDataType).BitWidth() / 8
			d.valid[c] = append(d.valid[c], !null)
			if null {
				d.fixed[c] = append(d.fixed[c], make([]byte, w)...)
				continue
			}
			if len(p) < w {
				return fmt.Errorf("%w: row value too short", errStateCorrupt)
			}
			d.fixed[c] = append(d.fixed[c], p[:w]...)
			p = p[w:]
		case rowColBool:
			b := d.builder(c).(*array.BooleanBuilder)
			if null {
				b.AppendNull()
				continue
			}
			if len(p) < 1 {
				return fmt.Errorf("%w: row value too short", errStateCorrupt)
			}
			b.Append(p[0] == 1)
			p = p[1:]
		case rowColBinary:
			b := d.builder(c)
			if null {
				b.AppendNull()
				continue
			}
			n, k := binary.Uvarint(p)
			if k <= 0 || uint64(len(p)-k) < n {
				return fmt.Errorf("%w: row value too short", errStateCorrupt)
			}
			v := p[k : k+int(n)]
			p = p[k+int(n):]
			// The string builders take the bytes through their binary
			// builders: no string is allocated per value.
			switch b := b.(type) {
			case *array.StringBuilder:
				b.BinaryBuilder.Append(v)
			case *array.LargeStringBuilder:
				b.BinaryBuilder.Append(v)
			case *array.StringViewBuilder:
				b.BinaryViewBuilder.Append(v)
			case *array.BinaryBuilder:
				b.Append(v)
			case *array.BinaryViewBuilder:
				b.Append(v)
			default:
				return fmt.Errorf("unexpected builder %T", b)
			}
		}
	}
	if len(p) != 0 {
		return fmt.Errorf("%w: %d bytes after a row", errStateCorrupt, len(p))
	}
	d.n++
	return nil
}

func (d *rowDecoder) builder(c int) array.Builder {
	if d.bld[c] == nil {
		d.bld[c] = array.NewBuilder(d.mem, d.types[c])
	}
	return d.bld[c]
}

// finish returns the columns of the rows added since the last finish
// (the caller releases them).
func (d *rowDecoder) finish() []arrow.Array {
	out := make([]arrow.Array, len(d.kinds))
	for c, k := range d.kinds {
		if k != rowColFixed {
			out[c] = d.builder(c).NewArray()
			continue
		}
		data := memory.NewResizableBuffer(d.mem)
		data.Resize(len(d.fixed[c]))
		copy(data.Bytes(), d.fixed[c])
		var validity *memory.Buffer
		nulls := 0
		for _, v := range d.valid[c] {
			if !v {
				nulls++
			}
		}
		if nulls > 0 {
			validity = memory.NewResizableBuffer(d.mem)
			validity.Resize(int(bitutil.BytesForBits(int64(d.n))))
			bits := validity.Bytes()
			clear(bits)
			for i, v := range d.valid[c] {
				if v {
					bitutil.SetBit(bits, i)
				}
			}
		}
		ad := array.NewData(d.types[c], d.n, []*memory.Buffer{validity, data}, nil, nulls, 0)
		out[c] = array.MakeFromData(ad)
		ad.Release()
		data.Release()
		if validity != nil {
			validity.Release()
		}
		d.fixed[c], d.valid[c] = d.fixed[c][:0], d.valid[c][:0]
	}
	d.n = 0
	return out
}

// release frees the builders.
func (d *rowDecoder) release() {
	for _, b := range d.bld {
		if b != nil {
			b.Release()
		}
	}
}

// appendSortKey appends an order-preserving encoding of value i of arr for
// an ORDER BY column: comparing the bytes of two rows' keys (bytes.Compare)
// orders them as the SQL ORDER BY does. NULL is one marker byte placed
// before or after every value's marker as the key says; a value's bytes
// are inverted for DESC.
func appendSortKey(dst []byte, arr arrow.Array, i int, k SortKey) ([]byte, error) {
	if arr.IsNull(i) {
		if k.NullsFirst {
			return append(dst, 0), nil
		}
		return append(dst, 2), nil
	}
	dst = append(dst, 1)
	at := len(dst)
	switch a := arr.(type) {
	case *array.Boolean:
		if a.Value(i) {
			dst = append(dst, 1)
		} else {
			dst = append(dst, 0)
		}
	case *array.Int8:
		dst = append(dst, uint8(a.Value(i))^0x80)
	case *array.Int16:
		dst = binary.BigEndian.AppendUint16(dst, uint16(a.Value(i))^(1<<15))
	case *array.Int32:
		dst = binary.BigEndian.AppendUint32(dst, uint32(a.Value(i))^(1<<31))
	case *array.Int64:
		dst = appendOrderedInt64(dst, a.Value(i))
	case *array.Uint8:
		dst = append(dst, a.Value(i))
	case *array.Uint16:
		dst = binary.BigEndian.AppendUint16(dst, a.Value(i))
	case *array.Uint32:
		dst = binary.BigEndian.AppendUint32(dst, a.Value(i))
	case *array.Uint64:
		dst = binary.BigEndian.AppendUint64(dst, a.Value(i))
	case *array.Date32:
		dst = binary.BigEndian.AppendUint32(dst, uint32(a.Value(i))^(1<<31))
	case *array.Date64:
		dst = appendOrderedInt64(dst, int64(a.Value(i)))
	case *array.Time32:
		dst = binary.BigEndian.AppendUint32(dst, uint32(a.Value(i))^(1<<31))
	case *array.Time64:
		dst = appendOrderedInt64(dst, int64(a.Value(i)))
	case *array.Timestamp:
		dst = appendOrderedInt64(dst, int64(a.Value(i)))
	case *array.Duration:
		dst = appendOrderedInt64(dst, int64(a.Value(i)))
	case *array.Float32:
		dst = appendOrderedFloat(dst, float64(a.Value(i)))
	case *array.Float64:
		dst = appendOrderedFloat(dst, a.Value(i))
	case *array.Decimal128:
		v := a.Value(i)
		dst = appendOrderedInt64(dst, v.HighBits())
		dst = binary.BigEndian.AppendUint64(dst, v.LowBits())
	default:
		switch arr.DataType().ID() {
		case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY, arrow.STRING_VIEW, arrow.BINARY_VIEW:
			// Byte strings: every 0 byte becomes 0 0xFF and the value ends
			// with 0 0, so a prefix sorts before its extensions and no
			// value's encoding is a prefix of another's.
			bc := newBinaryColumn(arr)
			for _, c := range bc.value(i) {
				if c == 0 {
					dst = append(dst, 0, 0xFF)
				} else {
					dst = append(dst, c)
				}
			}
			dst = append(dst, 0, 0)
		default:
			return nil, fmt.Errorf("ORDER BY a column of type %s is not supported here", arr.DataType())
		}
	}
	if k.Desc {
		for j := at; j < len(dst); j++ {
			dst[j] = ^dst[j]
		}
	}
	return dst, nil
}

func appendOrderedInt64(dst []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(v)^(1<<63))
}

// appendOrderedFloat orders floats as Java's Double.compare does (Flink's
// sort order): -0.0 before 0.0, NaN after +Inf.
func appendOrderedFloat(dst []byte, v float64) []byte {
	if math.IsNaN(v) {
		v = math.NaN() // one NaN bit pattern
	}
	b := math.Float64bits(v)
	if b>>63 == 1 {
		b = ^b
	} else {
		b |= 1 << 63
	}
	return binary.BigEndian.AppendUint64(dst, b)
}

// pickColumns is the columns at idx (an operator's key columns), in order.
func pickColumns(cols []arrow.Array, idx []int) []arrow.Array {
	out := make([]arrow.Array, len(idx))
	for i, k := range idx {
		out[i] = cols[k]
	}
	return out
}
