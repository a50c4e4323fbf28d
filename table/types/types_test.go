package types

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Each SQL type, its Flink rendering and its Arrow carrier; the mapping
// must hold both ways.
func TestArrowMappingBothWays(t *testing.T) {
	cases := []struct {
		t     DataType
		text  string
		arrow arrow.DataType
	}{
		{BOOLEAN(), "BOOLEAN", arrow.FixedWidthTypes.Boolean},
		{TINYINT(), "TINYINT", arrow.PrimitiveTypes.Int8},
		{SMALLINT(), "SMALLINT", arrow.PrimitiveTypes.Int16},
		{INT(), "INT", arrow.PrimitiveTypes.Int32},
		{BIGINT().NotNullable(), "BIGINT NOT NULL", arrow.PrimitiveTypes.Int64},
		{FLOAT(), "FLOAT", arrow.PrimitiveTypes.Float32},
		{DOUBLE(), "DOUBLE", arrow.PrimitiveTypes.Float64},
		{DECIMAL(10, 2), "DECIMAL(10, 2)", &arrow.Decimal128Type{Precision: 10, Scale: 2}},
		{STRING(), "STRING", arrow.BinaryTypes.String},
		{BYTES(), "BYTES", arrow.BinaryTypes.Binary},
		{DATE(), "DATE", arrow.FixedWidthTypes.Date32},
		{TIME(3), "TIME(3)", arrow.FixedWidthTypes.Time32ms},
		{TIME(6), "TIME(6)", arrow.FixedWidthTypes.Time64us},
		{TIME(9), "TIME(9)", arrow.FixedWidthTypes.Time64ns},
		{TIMESTAMP(3), "TIMESTAMP(3)", &arrow.TimestampType{Unit: arrow.Millisecond}},
		{TIMESTAMP(6), "TIMESTAMP(6)", &arrow.TimestampType{Unit: arrow.Microsecond}},
		{TIMESTAMP(9), "TIMESTAMP(9)", &arrow.TimestampType{Unit: arrow.Nanosecond}},
		{TIMESTAMP_LTZ(3), "TIMESTAMP_LTZ(3)", &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
		{ARRAY(INT()), "ARRAY<INT>", arrow.ListOf(arrow.PrimitiveTypes.Int32)},
		{MAP(STRING(), BIGINT()), "MAP<STRING, BIGINT>", arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64)},
		{ROW(FIELD("id", INT().NotNullable()), FIELD("name", STRING())), "ROW<`id` INT NOT NULL, `name` STRING>",
			arrow.StructOf(arrow.Field{Name: "id", Type: arrow.PrimitiveTypes.Int32}, arrow.Field{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true})},
		{INTERVAL_DAY_TIME(), "INTERVAL SECOND(3)", arrow.FixedWidthTypes.Duration_ms},
		{INTERVAL_YEAR_MONTH(), "INTERVAL MONTH", arrow.FixedWidthTypes.MonthInterval},
		{NULL(), "NULL", arrow.Null},
	}
	for _, tc := range cases {
		t.Run(tc.text, func(t *testing.T) {
			assert.Equal(t, tc.text, tc.t.String())
			assert.True(t, arrow.TypeEqual(tc.arrow, tc.t.Arrow()), "Arrow(%s) = %s, want %s", tc.t, tc.t.Arrow(), tc.arrow)
			back, err := FromArrow(tc.arrow)
			require.NoError(t, err)
			assert.Equal(t, tc.t.Nullable().String(), back.String(), "FromArrow ignores top-level nullability")
		})
	}
}

// Types whose Arrow carrier is shared come back as the widest logical type.
func TestFromArrowWidens(t *testing.T) {
	for _, tc := range []struct {
		in   DataType
		want string
	}{
		{VARCHAR(10), "STRING"},
		{CHAR(3), "STRING"},
		{BINARY(4), "BYTES"},
		{TIMESTAMP(2), "TIMESTAMP(3)"},
		{TIME(5), "TIME(6)"},
		// Flink keeps TIME(0..3) as milliseconds of the day.
		{TIME(0), "TIME(3)"},
		{TIME(1), "TIME(3)"},
	} {
		back, err := FromArrow(tc.in.Arrow())
		require.NoError(t, err)
		assert.Equal(t, tc.want, back.String(), tc.in.String())
	}
	// seconds (a pyarrow time32[s] column) are TIME(0)
	back, err := FromArrow(arrow.FixedWidthTypes.Time32s)
	require.NoError(t, err)
	assert.Equal(t, "TIME(0)", back.String())
	_, err = FromArrow(arrow.PrimitiveTypes.Uint32)
	assert.EqualError(t, err, "the Arrow type uint32 has no SQL type in Sluice")
}
