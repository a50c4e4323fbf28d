package engine

import (
	"encoding/binary"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// appendKeyValue appends the key-state encoding of value i of arr, for the
// key types the group table keeps as Arrow values (lists, maps, structs,
// dictionaries, and anything else without a typed store): NULL is the byte
// 0; a value is the byte 1 and then, for a struct, its fields in order;
// for a list or map, its length and its elements; for a dictionary, the
// encoding of the value its index points at; for a byte string, its length and bytes; for
// a fixed-width type, its bits. Types of none of these shapes (unions,
// run-end encoded arrays) are written as their canonical text, length
// first, the same form vectorized.HashColumns hashes them by.
func appendKeyValue(dst []byte, arr arrow.Array, i int) []byte {
	if arr.IsNull(i) {
		return append(dst, 0)
	}
	switch a := arr.(type) {
	case *array.Dictionary:
		// A NULL index and an index to a NULL value are different keys to
		// the group table (and the hash): both keep their own encoding.
		return appendKeyValue(append(dst, 1), a.Dictionary(), a.GetValueIndex(i))
	case *array.Boolean:
		if a.Value(i) {
			return append(dst, 1, 1)
		}
		return append(dst, 1, 0)
	case *array.Struct:
		dst = append(dst, 1)
		for f := 0; f < a.NumField(); f++ {
			dst = appendKeyValue(dst, a.Field(f), i)
		}
		return dst
	case array.ListLike:
		start, end := a.ValueOffsets(i)
		dst = binary.AppendUvarint(append(dst, 1), uint64(end-start))
		vals := a.ListValues()
		for j := start; j < end; j++ {
			dst = appendKeyValue(dst, vals, int(j))
		}
		return dst
	}
	dt := arr.DataType()
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY, arrow.FIXED_SIZE_BINARY,
		arrow.STRING_VIEW, arrow.BINARY_VIEW:
		c := newBinaryColumn(arr)
		p := c.value(i)
		dst = binary.AppendUvarint(append(dst, 1), uint64(len(p)))
		return append(dst, p...)
	}
	if fw, ok := dt.(arrow.FixedWidthDataType); ok && fw.BitWidth() >= 8 && fw.BitWidth()%8 == 0 {
		if bufs := arr.Data().Buffers(); len(bufs) > 1 && bufs[1] != nil {
			w := fw.BitWidth() / 8
			at := (arr.Data().Offset() + i) * w
			return append(append(dst, 1), bufs[1].Bytes()[at:at+w]...)
		}
	}
	s := arr.ValueStr(i)
	dst = binary.AppendUvarint(append(dst, 1), uint64(len(s)))
	return append(dst, s...)
}
