package vectorized

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ForExport returns arr in a form that exports correctly through the Arrow
// C Data Interface, with a new reference the caller releases.
//
// arrow-go (v18.8) exports a sliced struct array with its own offset *and*
// with children already sliced by that offset, so a consumer that follows
// the specification applies the offset twice. A struct with a non-zero
// offset anywhere in the array is therefore compacted into a fresh copy;
// every other array is returned as is, without copying.
func ForExport(arr arrow.Array, mem memory.Allocator) (arrow.Array, error) {
	if !hasOffsetStruct(arr.Data()) {
		arr.Retain()
		return arr, nil
	}
	return array.Concatenate([]arrow.Array{arr}, mem)
}

func hasOffsetStruct(d arrow.ArrayData) bool {
	if d.DataType().ID() == arrow.STRUCT && d.Offset() != 0 {
		return true
	}
	for _, c := range d.Children() {
		if hasOffsetStruct(c) {
			return true
		}
	}
	return false
}
