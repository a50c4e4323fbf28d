package datastream

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
)

// Keys are stored under their encoding and timers hand them back decoded:
// every supported type must round-trip, NULLs included, and distinct
// values must encode differently.
func TestKeyEncodingRoundTrips(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rowType := arrow.StructOf(arrow.Field{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true})
	for _, tc := range []struct {
		dt   arrow.DataType
		json string
	}{
		{arrow.BinaryTypes.Binary, `["AQI=", "", null, "AQ=="]`},
		{arrow.BinaryTypes.String, `["a", "", null, "ab", "b"]`},
		{arrow.BinaryTypes.LargeString, `["a", null, "ab"]`},
		{arrow.PrimitiveTypes.Int8, `[1, -1, null, 127]`},
		{arrow.PrimitiveTypes.Int16, `[1, -1, null]`},
		{arrow.PrimitiveTypes.Int32, `[1, -1, null, 2147483647]`},
		{arrow.PrimitiveTypes.Int64, `[1, -1, null, 0]`},
		{arrow.PrimitiveTypes.Uint32, `[1, 4294967295, null]`},
		{arrow.PrimitiveTypes.Float32, `[1.5, -0.25, null]`},
		{arrow.PrimitiveTypes.Float64, `[1.5, -0.25, null, 1e300]`},
		{arrow.FixedWidthTypes.Boolean, `[true, false, null]`},
		{arrow.FixedWidthTypes.Date32, `[0, 19000, null]`},
		{arrow.FixedWidthTypes.Timestamp_ms, `[0, 1700000000000, null]`},
		{arrow.FixedWidthTypes.Time32ms, `[0, 86399999, null]`},
		{arrow.FixedWidthTypes.Time64us, `[0, 86399999999, null]`},
		{&arrow.Decimal128Type{Precision: 38, Scale: 18}, `["1.5", "-1.5", null, "0", "12345678901234567890.123456789012345678"]`},
		{rowType, `[{"s": "a", "n": 1}, {"s": "a", "n": null}, {"s": null, "n": 1}, null, {"s": "", "n": 0}]`},
	} {
		t.Run(tc.dt.String(), func(t *testing.T) {
			require.NoError(t, checkKeyType(tc.dt))
			in, _, err := array.FromJSON(mem, tc.dt, strings.NewReader(tc.json))
			require.NoError(t, err)
			defer in.Release()
			keys := make([]string, in.Len())
			seen := map[string]int{}
			for i := range keys {
				keys[i] = string(appendKey(nil, in, i))
				j, dup := seen[keys[i]]
				require.False(t, dup, "values %d and %d encode alike", j, i)
				seen[keys[i]] = i
			}
			out, err := decodeKeys(mem, tc.dt, keys)
			require.NoError(t, err)
			defer out.Release()
			require.True(t, array.Equal(in, out), "%s != %s", in, out)
		})
	}
	require.ErrorContains(t, checkKeyType(arrow.ListOf(arrow.PrimitiveTypes.Int64)), "a key of type list<item: int64, nullable> is not supported")
	_, err := decodeKeys(mem, arrow.PrimitiveTypes.Int64, []string{"\x01\x00"})
	require.ErrorIs(t, err, errShortKey)
}
