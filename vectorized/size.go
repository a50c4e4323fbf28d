package vectorized

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// ArrayBytes is the memory an array's values take: its validity bits, fixed
// widths, offsets and the bytes of its own slice of variable-width data.
// Nested types count their children the same way. It is what a batch-bytes
// cap (engine.ConfigBatchBytes) is measured in.
func ArrayBytes(a arrow.Array) int {
	n := a.Len()
	size := 0
	if a.NullN() > 0 {
		size += (n + 7) / 8
	}
	switch v := a.(type) {
	case *array.String:
		if n > 0 {
			offs := v.ValueOffsets()
			size += 4*(n+1) + int(offs[n]-offs[0])
		}
		return size
	case *array.Binary:
		if n > 0 {
			offs := v.ValueOffsets()
			size += 4*(n+1) + int(offs[n]-offs[0])
		}
		return size
	case *array.LargeString:
		if n > 0 {
			offs := v.ValueOffsets()
			size += 8*(n+1) + int(offs[n]-offs[0])
		}
		return size
	case *array.LargeBinary:
		if n > 0 {
			offs := v.ValueOffsets()
			size += 8*(n+1) + int(offs[n]-offs[0])
		}
		return size
	}
	if fw, ok := a.DataType().(arrow.FixedWidthDataType); ok {
		bw := fw.BitWidth()
		if bw == 1 {
			return size + (n+7)/8
		}
		return size + n*bw/8
	}
	// nested and other types: the buffers they reference, children
	// included (a slice counts its whole buffers: an overestimate)
	return size + dataBytes(a.Data())
}

func dataBytes(d arrow.ArrayData) int {
	size := 0
	for _, b := range d.Buffers() {
		if b != nil {
			size += b.Len()
		}
	}
	for _, c := range d.Children() {
		size += dataBytes(c)
	}
	return size
}

// RecordBytes is the sum of ArrayBytes over a record's columns.
func RecordBytes(rec arrow.RecordBatch) int {
	size := 0
	for _, c := range rec.Columns() {
		size += ArrayBytes(c)
	}
	return size
}

// RowsUnder is how many rows, at most maxRows, fit under maxBytes when a
// row takes about rowBytes: at least one, so that progress is made, and
// maxRows when the row size is not known yet.
func RowsUnder(maxRows, maxBytes, rowBytes int) int {
	switch {
	case rowBytes <= 0:
		return maxRows
	case rowBytes > maxBytes:
		return min(maxRows, 1)
	}
	return min(maxRows, maxBytes/rowBytes)
}
