package print

import (
	"math"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

func checkedMem(t testing.TB) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// column builds a one-column array of type t; fill appends its values.
func column(t *testing.T, mem memory.Allocator, dt arrow.DataType, fill func(b array.Builder)) arrow.Array {
	t.Helper()
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	fill(b)
	arr := b.NewArray()
	t.Cleanup(arr.Release)
	return arr
}

func texts(arr arrow.Array) []string {
	out := make([]string, arr.Len())
	for i := range out {
		out[i] = FormatValue(arr, i)
	}
	return out
}

func TestJavaFloatText(t *testing.T) {
	tests := []struct {
		v    float64
		bits int
		want string
	}{
		{1, 64, "1.0"},
		{-2.5, 64, "-2.5"},
		{0.1, 64, "0.1"},
		{100, 64, "100.0"},
		{123.456, 64, "123.456"},
		{1234567, 64, "1234567.0"},
		{9999999.5, 64, "9999999.5"},
		{1e7, 64, "1.0E7"},
		{1.25e7, 64, "1.25E7"},
		{0.001, 64, "0.001"},
		{0.00099, 64, "9.9E-4"},
		{1.5e-4, 64, "1.5E-4"},
		{1e21, 64, "1.0E21"},
		{-3e-10, 64, "-3.0E-10"},
		{math.MaxFloat64, 64, "1.7976931348623157E308"},
		{math.SmallestNonzeroFloat64, 64, "4.9E-324"},
		{0, 64, "0.0"},
		{math.Copysign(0, -1), 64, "-0.0"},
		{math.NaN(), 64, "NaN"},
		{math.Inf(1), 64, "Infinity"},
		{math.Inf(-1), 64, "-Infinity"},
		{float64(float32(0.1)), 32, "0.1"},
		{float64(float32(3.14159)), 32, "3.14159"},
		{float64(float32(1e10)), 32, "1.0E10"},
		{math.MaxFloat32, 32, "3.4028235E38"},
		{math.SmallestNonzeroFloat32, 32, "1.4E-45"},
		{float64(float32(16777216)), 32, "1.6777216E7"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, string(AppendJavaFloat(nil, tc.v, tc.bits)), "%v as float%d", tc.v, tc.bits)
	}
}

func TestBigDecimalText(t *testing.T) {
	tests := []struct {
		unscaled int64
		scale    int32
		want     string
	}{
		{1230, 2, "12.30"},
		{-5, 2, "-0.05"},
		{0, 2, "0.00"},
		{123, 0, "123"},
		{12, 7, "0.0000012"}, // adjusted exponent -6: still plain
		{1, 7, "1E-7"},       // below -6: scientific, as BigDecimal.toString
		{1, 8, "1E-8"},
		{0, 8, "0E-8"},
		{-123, 9, "-1.23E-7"},
		{123456789, 8, "1.23456789"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, string(AppendBigDecimal(nil, decimal128.FromI64(tc.unscaled), tc.scale)), "%d scale %d", tc.unscaled, tc.scale)
	}
	big, err := decimal128.FromString("-12345678901234567890123456789.123456789", 38, 9)
	require.NoError(t, err)
	assert.Equal(t, "-12345678901234567890123456789.123456789", string(AppendBigDecimal(nil, big, 9)))
}

func TestValueText(t *testing.T) {
	mem := checkedMem(t)
	ts := func(s string) int64 {
		v, err := time.Parse("2006-01-02 15:04:05.999999999", s)
		require.NoError(t, err)
		return v.UnixNano()
	}
	tests := []struct {
		name string
		typ  types.DataType
		fill func(b array.Builder)
		want []string
	}{
		{"BOOLEAN", types.BOOLEAN(), func(b array.Builder) {
			b.(*array.BooleanBuilder).AppendValues([]bool{true, false}, nil)
			b.AppendNull()
		}, []string{"true", "false", "null"}},
		{"TINYINT", types.TINYINT(), func(b array.Builder) { b.(*array.Int8Builder).AppendValues([]int8{-128, 127}, nil) }, []string{"-128", "127"}},
		{"SMALLINT", types.SMALLINT(), func(b array.Builder) { b.(*array.Int16Builder).Append(-300) }, []string{"-300"}},
		{"INT", types.INT(), func(b array.Builder) { b.(*array.Int32Builder).Append(42) }, []string{"42"}},
		{"BIGINT", types.BIGINT(), func(b array.Builder) {
			b.(*array.Int64Builder).Append(math.MinInt64)
			b.AppendNull()
		}, []string{"-9223372036854775808", "null"}},
		{"FLOAT", types.FLOAT(), func(b array.Builder) { b.(*array.Float32Builder).AppendValues([]float32{1, 0.1, 2e-5}, nil) },
			[]string{"1.0", "0.1", "2.0E-5"}},
		{"DOUBLE", types.DOUBLE(), func(b array.Builder) { b.(*array.Float64Builder).AppendValues([]float64{1.5, 1e7}, nil) },
			[]string{"1.5", "1.0E7"}},
		{"DECIMAL", types.DECIMAL(10, 2), func(b array.Builder) {
			b.(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(1230), decimal128.FromI64(-1)}, nil)
		}, []string{"12.30", "-0.01"}},
		{"STRING", types.STRING(), func(b array.Builder) {
			b.(*array.StringBuilder).AppendValues([]string{"a, b", "", "ü"}, nil)
			b.AppendNull()
		}, []string{"a, b", "", "ü", "null"}},
		{"BYTES", types.BYTES(), func(b array.Builder) {
			b.(*array.BinaryBuilder).AppendValues([][]byte{{1, 0xff, 0x7f, 0x80}, {}}, nil)
		}, []string{"[1, -1, 127, -128]", "[]"}},
		{"DATE", types.DATE(), func(b array.Builder) {
			b.(*array.Date32Builder).AppendValues([]arrow.Date32{19753, 0, -1, -719162, -719528}, nil)
		}, []string{"2024-01-31", "1970-01-01", "1969-12-31", "0001-01-01", "0000-01-01"}},
		{"TIME(0)", types.TIME(0), func(b array.Builder) {
			// milliseconds, as every TIME(p <= 3): the precision does not cut
			b.(*array.Time32Builder).AppendValues([]arrow.Time32{36900000, 36930000, 0, 36930123}, nil)
		}, []string{"10:15", "10:15:30", "00:00", "10:15:30.123"}},
		{"TIME(3)", types.TIME(3), func(b array.Builder) {
			b.(*array.Time32Builder).AppendValues([]arrow.Time32{36930120, 36900000, 1}, nil)
		}, []string{"10:15:30.120", "10:15", "00:00:00.001"}},
		{"TIME(6)", types.TIME(6), func(b array.Builder) {
			b.(*array.Time64Builder).AppendValues([]arrow.Time64{1, 1000, 86399999999}, nil)
		}, []string{"00:00:00.000001", "00:00:00.001", "23:59:59.999999"}},
		{"TIME(9)", types.TIME(9), func(b array.Builder) { b.(*array.Time64Builder).Append(1) }, []string{"00:00:00.000000001"}},
		{"TIMESTAMP(3)", types.TIMESTAMP(3), func(b array.Builder) {
			tb := b.(*array.TimestampBuilder)
			tb.Append(arrow.Timestamp(ts("2024-01-31 10:15:30.123") / 1e6))
			tb.Append(arrow.Timestamp(ts("2024-01-31 10:15:00") / 1e6))
			tb.Append(arrow.Timestamp(ts("2024-01-31 10:15:01") / 1e6))
			tb.Append(-1)
		}, []string{"2024-01-31T10:15:30.123", "2024-01-31T10:15", "2024-01-31T10:15:01", "1969-12-31T23:59:59.999"}},
		{"TIMESTAMP(9)", types.TIMESTAMP(9), func(b array.Builder) {
			b.(*array.TimestampBuilder).Append(arrow.Timestamp(ts("2024-01-31 10:15:30.000120")))
		}, []string{"2024-01-31T10:15:30.000120"}},
		{"TIMESTAMP(0) past year 9999", types.TIMESTAMP(0), func(b array.Builder) {
			b.(*array.TimestampBuilder).Append(arrow.Timestamp(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC).Unix()))
		}, []string{"+10000-01-01T00:00"}},
		{"TIMESTAMP_LTZ(3)", types.TIMESTAMP_LTZ(3), func(b array.Builder) {
			tb := b.(*array.TimestampBuilder)
			tb.Append(arrow.Timestamp(ts("2024-01-31 10:15:00") / 1e6))
			tb.Append(arrow.Timestamp(ts("2024-01-31 10:15:30.1") / 1e6))
		}, []string{"2024-01-31T10:15:00Z", "2024-01-31T10:15:30.100Z"}},
		{"INTERVAL MONTH", types.INTERVAL_YEAR_MONTH(), func(b array.Builder) {
			b.(*array.MonthIntervalBuilder).AppendValues([]arrow.MonthInterval{14, 0, -3}, nil)
		}, []string{"P14M", "P0D", "P-3M"}},
		{"INTERVAL SECOND", types.INTERVAL_DAY_TIME(), func(b array.Builder) {
			b.(*array.DurationBuilder).AppendValues([]arrow.Duration{0, 5400000, 500, -500, -1500, 90061001, 3600000, 60000, 61000}, nil)
		}, []string{"PT0S", "PT1H30M", "PT0.5S", "PT-0.5S", "PT-1.5S", "PT25H1M1.001S", "PT1H", "PT1M", "PT1M1S"}},
		{"ARRAY<INT>", types.ARRAY(types.INT()), func(b array.Builder) {
			lb := b.(*array.ListBuilder)
			vb := lb.ValueBuilder().(*array.Int32Builder)
			lb.Append(true)
			vb.Append(1)
			vb.AppendNull()
			vb.Append(3)
			lb.Append(true)
			lb.AppendNull()
		}, []string{"[1, null, 3]", "[]", "null"}},
		{"ARRAY<BYTES>", types.ARRAY(types.BYTES()), func(b array.Builder) {
			lb := b.(*array.ListBuilder)
			lb.Append(true)
			lb.ValueBuilder().(*array.BinaryBuilder).AppendValues([][]byte{{1, 2}, {}}, nil)
		}, []string{"[[1, 2], []]"}},
		{"MAP<STRING, INT>", types.MAP(types.STRING(), types.INT()), func(b array.Builder) {
			mb := b.(*array.MapBuilder)
			mb.Append(true)
			mb.KeyBuilder().(*array.StringBuilder).AppendValues([]string{"a", "b"}, nil)
			mb.ItemBuilder().(*array.Int32Builder).Append(1)
			mb.ItemBuilder().AppendNull()
			mb.Append(true)
			mb.AppendNull()
		}, []string{"{a=1, b=null}", "{}", "null"}},
		{"ROW", types.ROW(types.FIELD("name", types.STRING()), types.FIELD("tags", types.ARRAY(types.INT()))), func(b array.Builder) {
			sb := b.(*array.StructBuilder)
			sb.Append(true)
			sb.FieldBuilder(0).(*array.StringBuilder).Append("x")
			lb := sb.FieldBuilder(1).(*array.ListBuilder)
			lb.Append(true)
			lb.ValueBuilder().(*array.Int32Builder).Append(7)
			sb.AppendNull()
			sb.Append(true)
			sb.FieldBuilder(0).AppendNull()
			sb.FieldBuilder(1).AppendNull()
		}, []string{"+I[x, [7]]", "null", "+I[null, null]"}},
		{"ARRAY<ROW>", types.ARRAY(types.ROW(types.FIELD("a", types.INT()))), func(b array.Builder) {
			lb := b.(*array.ListBuilder)
			sb := lb.ValueBuilder().(*array.StructBuilder)
			lb.Append(true)
			sb.Append(true)
			sb.FieldBuilder(0).(*array.Int32Builder).Append(1)
			sb.Append(true)
			sb.FieldBuilder(0).(*array.Int32Builder).Append(2)
		}, []string{"[+I[1], +I[2]]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			arr := column(t, mem, tc.typ.Arrow(), tc.fill)
			assert.Equal(t, tc.want, texts(arr))
		})
	}
}

func TestSlicedArrays(t *testing.T) {
	mem := checkedMem(t)
	rowType := types.ROW(types.FIELD("a", types.INT()), types.FIELD("b", types.STRING()))
	arr := column(t, mem, rowType.Arrow(), func(b array.Builder) {
		sb := b.(*array.StructBuilder)
		for i, s := range []string{"p", "q", "r"} {
			sb.Append(true)
			sb.FieldBuilder(0).(*array.Int32Builder).Append(int32(i))
			sb.FieldBuilder(1).(*array.StringBuilder).Append(s)
		}
	})
	sliced := array.NewSlice(arr, 1, 3)
	defer sliced.Release()
	assert.Equal(t, []string{"+I[1, q]", "+I[2, r]"}, texts(sliced))

	list := column(t, mem, types.ARRAY(types.INT()).Arrow(), func(b array.Builder) {
		lb := b.(*array.ListBuilder)
		for i := range 3 {
			lb.Append(true)
			lb.ValueBuilder().(*array.Int32Builder).Append(int32(i))
		}
	})
	ls := array.NewSlice(list, 2, 3)
	defer ls.Release()
	assert.Equal(t, []string{"[2]"}, texts(ls))
}

func TestRowText(t *testing.T) {
	mem := checkedMem(t)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	rb := array.NewRecordBuilder(mem, schema)
	defer rb.Release()
	rb.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 1, 1, 2}, nil)
	rb.Field(1).(*array.StringBuilder).AppendValues([]string{"a", "a", "b", ""}, []bool{true, true, true, false})
	b := &vectorized.Batch{Record: rb.NewRecordBatch(), Kinds: []vectorized.RowKind{vectorized.Insert, vectorized.UpdateBefore, vectorized.UpdateAfter, vectorized.Delete}}
	defer b.Release()
	f := NewRowFormatter(b)
	var got []string
	for i := range 4 {
		got = append(got, string(f.AppendRow(nil, i)))
	}
	assert.Equal(t, []string{"+I[1, a]", "-U[1, a]", "+U[1, b]", "-D[2, null]"}, got)
	assert.Equal(t, "+U[1, b]", FormatRow(b, 2))
}
