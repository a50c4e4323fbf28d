package cpython_test

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// typeCase pins one SQL type both ways: the Arrow values (as JSON), the
// Python values a row UDF receives for them (as repr), and the same values
// written as Python literals, which a UDF returns to produce that column.
type typeCase struct {
	name    string
	dt      arrow.DataType
	json    string
	reprs   []string
	literal string // a Python list expression, one element per row
}

var (
	ts6   = &arrow.TimestampType{Unit: arrow.Microsecond}
	ts3   = &arrow.TimestampType{Unit: arrow.Millisecond}
	ts9   = &arrow.TimestampType{Unit: arrow.Nanosecond}
	ts0   = &arrow.TimestampType{Unit: arrow.Second}
	tsLTZ = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
)

var typeCases = []typeCase{
	{"BOOLEAN", arrow.FixedWidthTypes.Boolean, `[true, null, false]`,
		[]string{"True", "None", "False"}, `[True, None, False]`},
	{"TINYINT", arrow.PrimitiveTypes.Int8, `[-128, null, 127]`,
		[]string{"-128", "None", "127"}, `[-128, None, 127]`},
	{"SMALLINT", arrow.PrimitiveTypes.Int16, `[-32768, 0, 32767]`,
		[]string{"-32768", "0", "32767"}, `[-32768, 0, 32767]`},
	{"INT", arrow.PrimitiveTypes.Int32, `[-2147483648, null, 2147483647]`,
		[]string{"-2147483648", "None", "2147483647"}, `[-2147483648, None, 2147483647]`},
	{"BIGINT", arrow.PrimitiveTypes.Int64, `[-9223372036854775808, null, 9223372036854775807]`,
		[]string{"-9223372036854775808", "None", "9223372036854775807"}, `[-2**63, None, 2**63-1]`},
	{"FLOAT", arrow.PrimitiveTypes.Float32, `[1.5, null, -0.25]`,
		[]string{"1.5", "None", "-0.25"}, `[1.5, None, -0.25]`},
	{"DOUBLE", arrow.PrimitiveTypes.Float64, `[3.141592653589793, null, -1e300]`,
		[]string{"3.141592653589793", "None", "-1e+300"}, `[3.141592653589793, None, -1e300]`},
	{"DECIMAL(10, 2)", &arrow.Decimal128Type{Precision: 10, Scale: 2}, `["12345678.90", null, "-0.05"]`,
		[]string{"Decimal('12345678.90')", "None", "Decimal('-0.05')"},
		`[Decimal('12345678.90'), None, Decimal('-0.05')]`},
	{"DECIMAL(38, 10)", &arrow.Decimal128Type{Precision: 38, Scale: 10},
		`["9999999999999999999999999999.9999999999", "-1.0000000001", "0"]`,
		[]string{"Decimal('9999999999999999999999999999.9999999999')", "Decimal('-1.0000000001')", "Decimal('0E-10')"},
		`[Decimal('9999999999999999999999999999.9999999999'), Decimal('-1.0000000001'), 0]`},
	{"STRING", arrow.BinaryTypes.String, `["héllo", null, "日本語", ""]`,
		[]string{"'héllo'", "None", "'日本語'", "''"}, `['héllo', None, '日本語', '']`},
	{"STRING (large)", arrow.BinaryTypes.LargeString, `["a", null]`,
		[]string{"'a'", "None"}, `['a', None]`},
	{"BYTES", arrow.BinaryTypes.Binary, `["AAH/", null, ""]`,
		[]string{`b'\x00\x01\xff'`, "None", "b''"}, `[b'\x00\x01\xff', None, bytearray()]`},
	{"DATE", arrow.FixedWidthTypes.Date32, `["1970-01-01", null, "1969-12-31", "2024-02-29", "0001-01-01", "9999-12-31"]`,
		[]string{"datetime.date(1970, 1, 1)", "None", "datetime.date(1969, 12, 31)", "datetime.date(2024, 2, 29)",
			"datetime.date(1, 1, 1)", "datetime.date(9999, 12, 31)"},
		`[date(1970, 1, 1), None, date(1969, 12, 31), date(2024, 2, 29), date(1, 1, 1), date(9999, 12, 31)]`},
	{"TIME(0)", arrow.FixedWidthTypes.Time32s, `[0, null, 86399]`,
		[]string{"datetime.time(0, 0)", "None", "datetime.time(23, 59, 59)"},
		`[time(0, 0), None, time(23, 59, 59)]`},
	{"TIME(3)", arrow.FixedWidthTypes.Time32ms, `[45296789, null]`,
		[]string{"datetime.time(12, 34, 56, 789000)", "None"}, `[time(12, 34, 56, 789000), None]`},
	{"TIME(6)", arrow.FixedWidthTypes.Time64us, `[45296789012, null]`,
		[]string{"datetime.time(12, 34, 56, 789012)", "None"}, `[time(12, 34, 56, 789012), None]`},
	{"TIME(9)", arrow.FixedWidthTypes.Time64ns, `[45296789012000]`,
		[]string{"datetime.time(12, 34, 56, 789012)"}, `[time(12, 34, 56, 789012)]`},
	{"TIMESTAMP(0)", ts0, `[0, -1, null]`,
		[]string{"datetime.datetime(1970, 1, 1, 0, 0)", "datetime.datetime(1969, 12, 31, 23, 59, 59)", "None"},
		`[datetime(1970, 1, 1), datetime(1969, 12, 31, 23, 59, 59), None]`},
	{"TIMESTAMP(3)", ts3, `[1700000000123, -1]`,
		[]string{"datetime.datetime(2023, 11, 14, 22, 13, 20, 123000)", "datetime.datetime(1969, 12, 31, 23, 59, 59, 999000)"},
		`[datetime(2023, 11, 14, 22, 13, 20, 123000), datetime(1969, 12, 31, 23, 59, 59, 999000)]`},
	{"TIMESTAMP(6)", ts6, `[1700000000123456, null, -62135596800000000, 253402300799999999]`,
		[]string{"datetime.datetime(2023, 11, 14, 22, 13, 20, 123456)", "None",
			"datetime.datetime(1, 1, 1, 0, 0)", "datetime.datetime(9999, 12, 31, 23, 59, 59, 999999)"},
		`[datetime(2023, 11, 14, 22, 13, 20, 123456), None, datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999999)]`},
	{"TIMESTAMP(9)", ts9, `[1700000000123456000]`,
		[]string{"datetime.datetime(2023, 11, 14, 22, 13, 20, 123456)"},
		`[datetime(2023, 11, 14, 22, 13, 20, 123456)]`},
	{"TIMESTAMP_LTZ(6)", tsLTZ, `[1700000000123456, null]`,
		[]string{"datetime.datetime(2023, 11, 14, 22, 13, 20, 123456, tzinfo=datetime.timezone.utc)", "None"},
		// An aware datetime in another zone is the same instant.
		`[datetime(2023, 11, 15, 0, 13, 20, 123456, tzinfo=timezone(timedelta(hours=2))), None]`},
	{"ARRAY<INT>", arrow.ListOf(arrow.PrimitiveTypes.Int32), `[[1, null, 3], [], null]`,
		[]string{"[1, None, 3]", "[]", "None"}, `[(1, None, 3), [], None]`},
	{"ARRAY<ARRAY<STRING>>", arrow.ListOf(arrow.ListOf(arrow.BinaryTypes.String)), `[[["a"], [], null], null]`,
		[]string{"[['a'], [], None]", "None"}, `[[['a'], [], None], None]`},
	{"MAP<STRING, BIGINT>", arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64),
		`[[{"key": "a", "value": 1}, {"key": "b", "value": null}], [], null]`,
		[]string{"{'a': 1, 'b': None}", "{}", "None"}, `[{'a': 1, 'b': None}, {}, None]`},
	{"ROW<id INT, name STRING>", arrow.StructOf(
		arrow.Field{Name: "id", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		arrow.Field{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true}),
		`[{"id": 1, "name": "a"}, null, {"id": null, "name": "b"}]`,
		[]string{"Row(id=1, name='a')", "None", "Row(id=None, name='b')"},
		`[Row(id=1, name='a'), None, {'id': None, 'name': 'b'}]`},
	{"ROW<tags ARRAY<STRING>, m MAP<STRING, DOUBLE>>", arrow.StructOf(
		arrow.Field{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
		arrow.Field{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Float64), Nullable: true}),
		`[{"tags": ["x", "y"], "m": [{"key": "k", "value": 0.5}]}]`,
		[]string{"Row(tags=['x', 'y'], m={'k': 0.5})"}, `[(['x', 'y'], {'k': 0.5})]`},
}

const typePrelude = `
from datetime import date, time, datetime, timezone, timedelta
from decimal import Decimal
from _sluice_runtime import Row

def identity(x):
    return x

def show(x):
    return repr(x)

def literal(i):
    return VALUES[i]
`

// TestRowUDFTypes runs every type through row UDFs: Arrow → Python (what
// the function sees), Python → Arrow (what a returned literal becomes) and
// the identity round trip, on whole and sliced batches.
func TestRowUDFTypes(t *testing.T) {
	for _, tc := range typeCases {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			in := fromJSON(t, mem, tc.dt, tc.json)
			defer in.Release()
			require.Len(t, tc.reprs, in.Len(), "reprs")
			fns := pyFuncs(t, typePrelude+"VALUES = "+tc.literal+"\n", "identity", "show", "literal")
			rec := record(in)
			defer rec.Release()

			t.Run("arrow to python", func(t *testing.T) {
				got, err := evalOne(t, fns[1], arrow.BinaryTypes.String, rec, 0)
				require.NoError(t, err)
				defer got.Release()
				s := got.(*array.String)
				for i, want := range tc.reprs {
					assert.Equal(t, want, s.Value(i), "row %d", i)
				}
			})
			t.Run("python to arrow", func(t *testing.T) {
				idx := array.NewInt64Builder(mem)
				for i := 0; i < in.Len(); i++ {
					idx.Append(int64(i))
				}
				ids := idx.NewArray()
				idx.Release()
				r := record(ids)
				defer r.Release()
				ids.Release()
				got, err := evalOne(t, fns[2], tc.dt, r, 0)
				require.NoError(t, err)
				defer got.Release()
				assert.True(t, array.Equal(in, got), "want %v\n got %v", in, got)
			})
			t.Run("identity", func(t *testing.T) {
				got, err := evalOne(t, fns[0], tc.dt, rec, 0)
				require.NoError(t, err)
				defer got.Release()
				assert.True(t, array.Equal(in, got), "want %v\n got %v", in, got)
			})
			t.Run("identity on a slice", func(t *testing.T) {
				if in.Len() < 2 {
					t.Logf("single-row case: the slice is the row itself")
				}
				sl := rec.NewSlice(1, int64(in.Len()))
				defer sl.Release()
				got, err := evalOne(t, fns[0], tc.dt, sl, 0)
				require.NoError(t, err)
				defer got.Release()
				assert.True(t, array.Equal(sl.Column(0), got), "want %v\n got %v", sl.Column(0), got)
			})
		})
	}
}
