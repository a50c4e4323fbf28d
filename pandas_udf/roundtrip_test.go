package pandas_udf

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
)

var (
	decimal10x2  = &arrow.Decimal128Type{Precision: 10, Scale: 2}
	decimal38x10 = &arrow.Decimal128Type{Precision: 38, Scale: 10}
	timestampUs  = &arrow.TimestampType{Unit: arrow.Microsecond}
	timestampLTZ = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	rowType      = arrow.StructOf(
		arrow.Field{Name: "id", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		arrow.Field{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	)
)

// typeCases is every type of DESIGN.md §3, each as a column of four rows
// with NULLs and one without, in arrow-go's JSON form.
var typeCases = []struct {
	sql     string
	dt      arrow.DataType
	nulls   string
	noNulls string
}{
	{"BOOLEAN", arrow.FixedWidthTypes.Boolean, `[true, null, false, true]`, `[true, false, false, true]`},
	{"TINYINT", arrow.PrimitiveTypes.Int8, `[-128, null, 127, 0]`, `[-128, 1, 127, 0]`},
	{"SMALLINT", arrow.PrimitiveTypes.Int16, `[-32768, null, 32767, 0]`, `[-32768, 1, 32767, 0]`},
	{"INT", arrow.PrimitiveTypes.Int32, `[-2147483648, null, 2147483647, 0]`, `[-2147483648, 1, 2147483647, 0]`},
	{"BIGINT", arrow.PrimitiveTypes.Int64, `[-9223372036854775808, null, 9223372036854775807, 0]`, `[-9223372036854775808, 9007199254740993, 9223372036854775807, 0]`},
	{"FLOAT", arrow.PrimitiveTypes.Float32, `[1.5, null, -3.25, 3.4e38]`, `[1.5, 0, -3.25, 3.4e38]`},
	{"DOUBLE", arrow.PrimitiveTypes.Float64, `[1.5, null, -1e308, 5e-324]`, `[1.5, 0, -1e308, 5e-324]`},
	{"DECIMAL(10, 2)", decimal10x2, `["12345678.91", null, "-0.01", "0"]`, `["12345678.91", "1", "-0.01", "0"]`},
	{"DECIMAL(38, 10)", decimal38x10, `["1234567890123456789012345678.0123456789", null, "-0.0000000001", "0"]`, `["1234567890123456789012345678.0123456789", "1", "-0.0000000001", "0"]`},
	{"STRING", arrow.BinaryTypes.String, `["héllo", null, "", "日本"]`, `["héllo", "x", "", "日本"]`},
	{"STRING (large_utf8)", arrow.BinaryTypes.LargeString, `["héllo", null, "", "日本"]`, `["héllo", "x", "", "日本"]`},
	{"BYTES", arrow.BinaryTypes.Binary, `["AAEC/w==", null, "", "aGk="]`, `["AAEC/w==", "eA==", "", "aGk="]`},
	{"DATE", arrow.FixedWidthTypes.Date32, `["2020-02-29", null, "0001-01-01", "9999-12-31"]`, `["2020-02-29", "1970-01-01", "0001-01-01", "9999-12-31"]`},
	{"TIME(6)", arrow.FixedWidthTypes.Time64us, `["12:34:56.789012", null, "00:00:00", "23:59:59.999999"]`, `["12:34:56.789012", "01:00:00", "00:00:00", "23:59:59.999999"]`},
	{"TIME(3)", arrow.FixedWidthTypes.Time32ms, `["12:34:56.789", null, "00:00:00", "23:59:59.999"]`, `["12:34:56.789", "01:00:00", "00:00:00", "23:59:59.999"]`},
	{"TIMESTAMP(6)", timestampUs, `["2020-02-29 12:34:56.789012", null, "1677-09-22 00:00:00", "2262-04-11 00:00:00"]`, `["2020-02-29 12:34:56.789012", "1970-01-01 00:00:00", "1677-09-22 00:00:00", "2262-04-11 00:00:00"]`},
	{"TIMESTAMP_LTZ(6)", timestampLTZ, `["2020-02-29T12:34:56.789012Z", null, "1677-09-22T00:00:00Z", "2262-04-11T00:00:00Z"]`, `["2020-02-29T12:34:56.789012Z", "1970-01-01T00:00:00Z", "1677-09-22T00:00:00Z", "2262-04-11T00:00:00Z"]`},
	{"ARRAY<INT>", arrow.ListOf(arrow.PrimitiveTypes.Int32), `[[1, null, 3], null, [], [4]]`, `[[1, null, 3], [2], [], [4]]`},
	{"ARRAY<STRING>", arrow.ListOf(arrow.BinaryTypes.String), `[["a", null], null, [], ["b", "c"]]`, `[["a", null], ["x"], [], ["b", "c"]]`},
	{"ARRAY<DECIMAL(10, 2)>", arrow.ListOf(decimal10x2), `[["1.25", null], null, [], ["-3.50"]]`, `[["1.25", null], ["0"], [], ["-3.50"]]`},
	{"MAP<STRING, BIGINT>", arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64),
		`[[{"key": "a", "value": 1}, {"key": "b", "value": null}], null, [], [{"key": "c", "value": 3}]]`,
		`[[{"key": "a", "value": 1}, {"key": "b", "value": null}], [{"key": "z", "value": 0}], [], [{"key": "c", "value": 3}]]`},
	{"ROW<id INT, name STRING, score DOUBLE>", rowType,
		`[{"id": 1, "name": "a", "score": 0.5}, null, {"id": null, "name": "c", "score": null}, {"id": 4, "name": null, "score": -1}]`,
		`[{"id": 1, "name": "a", "score": 0.5}, {"id": 2, "name": "b", "score": 2}, {"id": 3, "name": "c", "score": 3}, {"id": 4, "name": "d", "score": -1}]`},
	{"ARRAY<ROW<id INT, name STRING, score DOUBLE>>", arrow.ListOf(rowType),
		`[[{"id": 1, "name": "a", "score": 0.5}, null], null, [], [{"id": null, "name": null, "score": null}]]`,
		`[[{"id": 1, "name": "a", "score": 0.5}], [{"id": 2, "name": "b", "score": 2}], [], [{"id": 4, "name": "d", "score": 4}]]`},
}

// TestIdentityRoundTrip sends every type through `lambda x: x` and expects
// the very same column back: Arrow → pandas → Arrow loses nothing.
func TestIdentityRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, tc := range typeCases {
		for _, variant := range []struct{ name, js string }{{"nulls", tc.nulls}, {"no nulls", tc.noNulls}} {
			t.Run(tc.sql+"/"+variant.name, func(t *testing.T) {
				e := newEvaluator(t, UDF{Name: "identity", Func: pyLambda(t, "lambda x: x"), Args: []int{0}, Result: tc.dt})
				in := fromJSON(t, mem, tc.dt, variant.js)
				in.Retain()
				defer in.Release()
				out, err := evaluate(t, e, in)
				require.NoError(t, err)
				require.Len(t, out, 1)
				assertSameValues(t, in, out[0])
			})
		}
	}
}

// TestIdentitySlicedInput sends columns that start inside their buffers, as
// a record sliced by a window or a LIMIT does.
func TestIdentitySlicedInput(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, tc := range typeCases {
		t.Run(tc.sql, func(t *testing.T) {
			e := newEvaluator(t, UDF{Name: "identity", Func: pyLambda(t, "lambda x: x"), Args: []int{0}, Result: tc.dt})
			whole := fromJSON(t, mem, tc.dt, tc.nulls)
			defer whole.Release()
			in := array.NewSlice(whole, 1, int64(whole.Len()))
			defer in.Release()
			in.Retain() // evaluate takes over one reference
			out, err := evaluate(t, e, in)
			require.NoError(t, err)
			assertSameValues(t, in, out[0])
		})
	}
}
