package vectorized

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fromJSON(t *testing.T, mem memory.Allocator, dt arrow.DataType, js string) arrow.Array {
	t.Helper()
	arr, _, err := array.FromJSON(mem, dt, strings.NewReader(js))
	require.NoError(t, err, "%s %s", dt, js)
	return arr
}

func hashOf(cols ...arrow.Array) []uint64 {
	out := make([]uint64, cols[0].Len())
	HashColumns(cols, out)
	return out
}

// TestHashColumnsEveryType: for every type of the SQL mapping, equal values
// hash alike (also from a sliced array), NULLs hash alike, and a value, a
// different value and NULL hash apart. Each JSON array is [x, y, x, null,
// null, y].
func TestHashColumnsEveryType(t *testing.T) {
	tests := []struct {
		dt   arrow.DataType
		x, y string
	}{
		{arrow.FixedWidthTypes.Boolean, `true`, `false`},
		{arrow.PrimitiveTypes.Int8, `-3`, `3`},
		{arrow.PrimitiveTypes.Int16, `-300`, `300`},
		{arrow.PrimitiveTypes.Int32, `0`, `1`},
		{arrow.PrimitiveTypes.Int64, `-1`, `4294967296`},
		{arrow.PrimitiveTypes.Float32, `1.5`, `-1.5`},
		{arrow.PrimitiveTypes.Float64, `0.1`, `0.2`},
		{&arrow.Decimal128Type{Precision: 20, Scale: 2}, `"123456789012345678.90"`, `"-0.01"`},
		{arrow.BinaryTypes.String, `""`, `"a"`},
		{arrow.BinaryTypes.String, `"exactly sixteen!"`, `"exactly sixteen?"`},
		{arrow.BinaryTypes.String, `"a string that is longer than thirty-two bytes, 1"`, `"a string that is longer than thirty-two bytes, 2"`},
		{arrow.BinaryTypes.LargeString, `"abc"`, `"abd"`},
		{arrow.BinaryTypes.Binary, `"AAEC"`, `"AAED"`},
		{arrow.FixedWidthTypes.Date32, `"2024-02-29"`, `"1970-01-01"`},
		{arrow.FixedWidthTypes.Time32ms, `"10:00:00.001"`, `"10:00:00.002"`},
		{arrow.FixedWidthTypes.Time64us, `"10:00:00.000001"`, `"23:59:59"`},
		{&arrow.TimestampType{Unit: arrow.Microsecond}, `"2024-01-01T00:00:00.000001"`, `"2024-01-01T00:00:00"`},
		{&arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, `"2024-01-01T00:00:00.001Z"`, `"2024-01-01T00:00:00Z"`},
		{arrow.ListOf(arrow.PrimitiveTypes.Int32), `[1, 2]`, `[2, 1]`},
		{arrow.ListOf(arrow.PrimitiveTypes.Int32), `[]`, `[null]`},
		{arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64), `[{"key": "a", "value": 1}]`, `[{"key": "a", "value": 2}]`},
		{arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, arrow.Field{Name: "b", Type: arrow.BinaryTypes.String, Nullable: true}),
			`{"a": 1, "b": "x"}`, `{"a": 1, "b": null}`},
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%s", tc.dt, tc.x), func(t *testing.T) {
			arr := fromJSON(t, mem, tc.dt, fmt.Sprintf("[%s, %s, %s, null, null, %s]", tc.x, tc.y, tc.x, tc.y))
			defer arr.Release()
			h := hashOf(arr)
			assert.Equal(t, h[0], h[2], "equal values")
			assert.Equal(t, h[1], h[5], "equal values")
			assert.Equal(t, h[3], h[4], "NULLs")
			assert.NotEqual(t, h[0], h[1], "different values")
			assert.NotEqual(t, h[0], h[3], "value and NULL")
			assert.NotEqual(t, h[1], h[3], "value and NULL")

			// A slice hashes its rows as the whole array does.
			sl := array.NewSlice(arr, 2, 6)
			defer sl.Release()
			assert.Equal(t, h[2:6], hashOf(sl))

			// The same values in a separately built array.
			again := fromJSON(t, mem, tc.dt, fmt.Sprintf("[%s]", tc.y))
			defer again.Release()
			assert.Equal(t, h[1], hashOf(again)[0])
		})
	}
}

func TestHashColumnsCombinesColumnsInOrder(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	a := fromJSON(t, mem, arrow.PrimitiveTypes.Int64, `[1, 2, 1, 1]`)
	defer a.Release()
	b := fromJSON(t, mem, arrow.PrimitiveTypes.Int64, `[2, 1, 2, 3]`)
	defer b.Release()
	h := hashOf(a, b)
	assert.Equal(t, h[0], h[2], "(1,2) twice")
	assert.NotEqual(t, h[0], h[1], "(1,2) and (2,1) differ")
	assert.NotEqual(t, h[0], h[3])
	assert.NotEqual(t, hashOf(a)[0], h[0], "a second column changes the hash")
	require.Panics(t, func() { HashColumns([]arrow.Array{a}, make([]uint64, 3)) })
}

// TestHashColumnsIsStable pins the hash values: a hash exchange and keyed
// state written by another process must agree, so any change to the
// function must be deliberate (and would invalidate saved state).
func TestHashColumnsIsStable(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ints := fromJSON(t, mem, arrow.PrimitiveTypes.Int64, `[0, 42, null]`)
	defer ints.Release()
	strs := fromJSON(t, mem, arrow.BinaryTypes.String, `["", "Beijing", "a key longer than sixteen bytes"]`)
	defer strs.Release()
	got := hashOf(ints, strs)
	assert.Equal(t, []uint64{0xf8cf8bd14d912781, 0xe35b35854ce00037, 0x7581ace70c910287}, got, "update the pinned values only with a deliberate hash change: %#v", got)
}

func TestHashColumnsSpreadsKeys(t *testing.T) {
	mem := memory.NewGoAllocator()
	const n = 200_000
	ib := array.NewInt64Builder(mem)
	sb := array.NewStringBuilder(mem)
	for i := 0; i < n; i++ {
		ib.Append(int64(i))
		sb.Append(fmt.Sprintf("user-%07d", i))
	}
	ints, strs := ib.NewArray(), sb.NewArray()
	defer ints.Release()
	defer strs.Release()
	for name, col := range map[string]arrow.Array{"int64": ints, "string": strs} {
		h := hashOf(col)
		seen := make(map[uint64]bool, n)
		low := make([]int, 1024) // the low bits pick hash table slots
		for _, x := range h {
			seen[x] = true
			low[x&1023]++
		}
		assert.Len(t, seen, n, "%s: no 64-bit collisions among distinct keys", name)
		for b, c := range low {
			require.InDelta(t, n/1024, c, 80, "%s: slot bucket %d is badly loaded", name, b)
		}
	}
}

func BenchmarkHashColumns(b *testing.B) {
	mem := memory.NewGoAllocator()
	const n = 8192
	ib := array.NewInt64Builder(mem)
	sb := array.NewStringBuilder(mem)
	for i := 0; i < n; i++ {
		ib.Append(int64(i * 31))
		sb.Append(fmt.Sprintf("province-%04d", i%1000))
	}
	ints, strs := ib.NewArray(), sb.NewArray()
	defer ints.Release()
	defer strs.Release()
	out := make([]uint64, n)
	for name, col := range map[string]arrow.Array{"int64": ints, "string": strs} {
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				HashColumns([]arrow.Array{col}, out)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
