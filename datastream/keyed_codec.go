package datastream

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// A key's state is stored under a byte encoding of the key column's value,
// and timers remember keys in it; it must decode back to an Arrow value,
// because a timer hands its key to Python again (after a restore too). So
// the encoding is reversible: per value a NULL byte (0) or 1, then
// fixed-width values big-endian, variable-width ones length-prefixed
// (uvarint), struct fields one after another.

// checkKeyType rejects key types the encoding does not cover.
func checkKeyType(dt arrow.DataType) error {
	switch t := dt.(type) {
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.StringType, *arrow.LargeStringType,
		*arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Int64Type,
		*arrow.Uint8Type, *arrow.Uint16Type, *arrow.Uint32Type, *arrow.Uint64Type,
		*arrow.Float32Type, *arrow.Float64Type, *arrow.BooleanType, *arrow.Date32Type, *arrow.TimestampType,
		*arrow.Time32Type, *arrow.Time64Type, *arrow.Decimal128Type:
		return nil
	case *arrow.StructType:
		for _, f := range t.Fields() {
			if err := checkKeyType(f.Type); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("a key of type %s is not supported (supported: pickled keys, strings, numbers, booleans, dates, times, timestamps and rows of them)", dt)
}

// appendKey appends the encoding of arr's value at i.
func appendKey(dst []byte, arr arrow.Array, i int) []byte {
	if arr.IsNull(i) {
		return append(dst, 0)
	}
	dst = append(dst, 1)
	switch a := arr.(type) {
	case *array.Binary:
		v := a.Value(i)
		dst = binary.AppendUvarint(dst, uint64(len(v)))
		return append(dst, v...)
	case *array.LargeBinary:
		v := a.Value(i)
		dst = binary.AppendUvarint(dst, uint64(len(v)))
		return append(dst, v...)
	case *array.String:
		v := a.Value(i)
		dst = binary.AppendUvarint(dst, uint64(len(v)))
		return append(dst, v...)
	case *array.LargeString:
		v := a.Value(i)
		dst = binary.AppendUvarint(dst, uint64(len(v)))
		return append(dst, v...)
	case *array.Int8:
		return append(dst, byte(a.Value(i)))
	case *array.Int16:
		return binary.BigEndian.AppendUint16(dst, uint16(a.Value(i)))
	case *array.Int32:
		return binary.BigEndian.AppendUint32(dst, uint32(a.Value(i)))
	case *array.Int64:
		return binary.BigEndian.AppendUint64(dst, uint64(a.Value(i)))
	case *array.Uint8:
		return append(dst, a.Value(i))
	case *array.Uint16:
		return binary.BigEndian.AppendUint16(dst, a.Value(i))
	case *array.Uint32:
		return binary.BigEndian.AppendUint32(dst, a.Value(i))
	case *array.Uint64:
		return binary.BigEndian.AppendUint64(dst, a.Value(i))
	case *array.Float32:
		return binary.BigEndian.AppendUint32(dst, math.Float32bits(a.Value(i)))
	case *array.Float64:
		return binary.BigEndian.AppendUint64(dst, math.Float64bits(a.Value(i)))
	case *array.Boolean:
		if a.Value(i) {
			return append(dst, 1)
		}
		return append(dst, 0)
	case *array.Date32:
		return binary.BigEndian.AppendUint32(dst, uint32(a.Value(i)))
	case *array.Timestamp:
		return binary.BigEndian.AppendUint64(dst, uint64(a.Value(i)))
	case *array.Time32:
		return binary.BigEndian.AppendUint32(dst, uint32(a.Value(i)))
	case *array.Time64:
		return binary.BigEndian.AppendUint64(dst, uint64(a.Value(i)))
	case *array.Decimal128:
		v := a.Value(i)
		dst = binary.BigEndian.AppendUint64(dst, uint64(v.HighBits()))
		return binary.BigEndian.AppendUint64(dst, v.LowBits())
	case *array.Struct:
		for f := 0; f < a.NumField(); f++ {
			dst = appendKey(dst, a.Field(f), i)
		}
		return dst
	}
	panic(fmt.Sprintf("datastream: key type %s passed checkKeyType but has no encoding", arr.DataType()))
}

// decodeKeys builds an array of type dt from encoded keys.
func decodeKeys(mem memory.Allocator, dt arrow.DataType, keys []string) (arrow.Array, error) {
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	for _, k := range keys {
		rest, err := decodeKey(b, []byte(k))
		if err != nil {
			return nil, err
		}
		if len(rest) != 0 {
			return nil, fmt.Errorf("datastream: a key of type %s has %d bytes left over", dt, len(rest))
		}
	}
	return b.NewArray(), nil
}

var errShortKey = fmt.Errorf("datastream: truncated key encoding")

func decodeKey(b array.Builder, k []byte) ([]byte, error) {
	if len(k) == 0 {
		return nil, errShortKey
	}
	if k[0] == 0 {
		b.AppendNull()
		return k[1:], nil
	}
	k = k[1:]
	fixed := func(n int) ([]byte, error) {
		if len(k) < n {
			return nil, errShortKey
		}
		return k[:n], nil
	}
	varlen := func() ([]byte, []byte, error) {
		n, w := binary.Uvarint(k)
		if w <= 0 || uint64(len(k)-w) < n {
			return nil, nil, errShortKey
		}
		return k[w : w+int(n)], k[w+int(n):], nil
	}
	switch bb := b.(type) {
	case *array.BinaryBuilder: // also large binary, string and large string
		v, rest, err := varlen()
		if err != nil {
			return nil, err
		}
		switch bb.Type().ID() {
		case arrow.STRING, arrow.LARGE_STRING:
			bb.AppendString(string(v))
		default:
			bb.Append(v)
		}
		return rest, nil
	case *array.StringBuilder:
		v, rest, err := varlen()
		if err != nil {
			return nil, err
		}
		bb.Append(string(v))
		return rest, nil
	case *array.LargeStringBuilder:
		v, rest, err := varlen()
		if err != nil {
			return nil, err
		}
		bb.Append(string(v))
		return rest, nil
	case *array.StructBuilder:
		bb.Append(true)
		var err error
		for f := 0; f < bb.NumField(); f++ {
			if k, err = decodeKey(bb.FieldBuilder(f), k); err != nil {
				return nil, err
			}
		}
		return k, nil
	}
	var n int
	switch b.Type().ID() {
	case arrow.INT8, arrow.UINT8, arrow.BOOL:
		n = 1
	case arrow.INT16, arrow.UINT16:
		n = 2
	case arrow.INT32, arrow.UINT32, arrow.FLOAT32, arrow.DATE32, arrow.TIME32:
		n = 4
	case arrow.DECIMAL128:
		n = 16
	default:
		n = 8
	}
	v, err := fixed(n)
	if err != nil {
		return nil, err
	}
	switch bb := b.(type) {
	case *array.Int8Builder:
		bb.Append(int8(v[0]))
	case *array.Uint8Builder:
		bb.Append(v[0])
	case *array.BooleanBuilder:
		bb.Append(v[0] == 1)
	case *array.Int16Builder:
		bb.Append(int16(binary.BigEndian.Uint16(v)))
	case *array.Uint16Builder:
		bb.Append(binary.BigEndian.Uint16(v))
	case *array.Int32Builder:
		bb.Append(int32(binary.BigEndian.Uint32(v)))
	case *array.Uint32Builder:
		bb.Append(binary.BigEndian.Uint32(v))
	case *array.Float32Builder:
		bb.Append(math.Float32frombits(binary.BigEndian.Uint32(v)))
	case *array.Date32Builder:
		bb.Append(arrow.Date32(int32(binary.BigEndian.Uint32(v))))
	case *array.Int64Builder:
		bb.Append(int64(binary.BigEndian.Uint64(v)))
	case *array.Uint64Builder:
		bb.Append(binary.BigEndian.Uint64(v))
	case *array.Float64Builder:
		bb.Append(math.Float64frombits(binary.BigEndian.Uint64(v)))
	case *array.TimestampBuilder:
		bb.Append(arrow.Timestamp(int64(binary.BigEndian.Uint64(v))))
	case *array.Time32Builder:
		bb.Append(arrow.Time32(int32(binary.BigEndian.Uint32(v))))
	case *array.Time64Builder:
		bb.Append(arrow.Time64(int64(binary.BigEndian.Uint64(v))))
	case *array.Decimal128Builder:
		bb.Append(decimal128.New(int64(binary.BigEndian.Uint64(v[:8])), binary.BigEndian.Uint64(v[8:])))
	default:
		return nil, fmt.Errorf("datastream: no key decoding for %s", b.Type())
	}
	return k[n:], nil
}
