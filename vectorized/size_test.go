package vectorized

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
)

func TestArrayBytes(t *testing.T) {
	mem := memory.NewGoAllocator()
	sb := array.NewStringBuilder(mem)
	sb.AppendValues([]string{"abc", "", "defgh", "ij"}, nil)
	str := sb.NewArray()
	defer str.Release()
	ib := array.NewInt64Builder(mem)
	ib.AppendValues([]int64{1, 2, 3}, nil)
	ib.AppendNull()
	ints := ib.NewArray()
	defer ints.Release()
	slice := array.NewSlice(str, 2, 4)
	defer slice.Release()
	cases := []struct {
		name string
		a    arrow.Array
		want int
	}{
		{"strings: offsets and data", str, 5*4 + 10},
		{"a slice counts its own bytes", slice, 3*4 + 7},
		{"int64 with a null: values and validity", ints, 4*8 + 1},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, ArrayBytes(c.a), c.name)
	}
}

func TestRowsUnder(t *testing.T) {
	cases := []struct{ maxRows, maxBytes, rowBytes, want int }{
		{10000, 8 << 20, 0, 10000},      // row size unknown
		{10000, 8 << 20, 100, 10000},    // narrow rows: the row cap
		{10000, 8 << 20, 10 << 10, 819}, // 10 KB rows: the byte cap
		{10000, 1 << 10, 10 << 10, 1},   // a row over the cap still moves
	}
	for _, c := range cases {
		assert.Equal(t, c.want, RowsUnder(c.maxRows, c.maxBytes, c.rowBytes), "%+v", c)
	}
}
