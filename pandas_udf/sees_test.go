package pandas_udf

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
)

// seesPrelude defines check(x, ...) helpers the assertions below use. A
// failed assert raises in the UDF, which fails Evaluate and the test.
const seesPrelude = `
import datetime, decimal
import numpy as np
import pandas as pd

def values(s):
    return [None if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v) else v
            for v in s.tolist()]
`

// TestWhatTheFunctionSees asserts, inside the UDF, the pandas type of each
// argument (DESIGN.md §3, "pandas UDF sees"). The UDF returns its argument
// so that the round trip is exercised too.
func TestWhatTheFunctionSees(t *testing.T) {
	cases := []struct {
		name   string
		dt     arrow.DataType
		js     string
		assert string // Python statements about x
	}{
		{"BOOLEAN", arrow.FixedWidthTypes.Boolean, `[true, false]`,
			`assert x.dtype == np.bool_, x.dtype`},
		{"BOOLEAN with NULL", arrow.FixedWidthTypes.Boolean, `[true, null]`,
			`assert x.dtype == pd.BooleanDtype(), x.dtype; assert x.isna().tolist() == [False, True]`},
		{"TINYINT", arrow.PrimitiveTypes.Int8, `[1, 2]`, `assert x.dtype == np.int8, x.dtype`},
		{"TINYINT with NULL", arrow.PrimitiveTypes.Int8, `[1, null]`, `assert x.dtype == pd.Int8Dtype(), x.dtype`},
		{"SMALLINT with NULL", arrow.PrimitiveTypes.Int16, `[1, null]`, `assert x.dtype == pd.Int16Dtype(), x.dtype`},
		{"INT with NULL", arrow.PrimitiveTypes.Int32, `[1, null]`, `assert x.dtype == pd.Int32Dtype(), x.dtype`},
		{"BIGINT", arrow.PrimitiveTypes.Int64, `[1, 9007199254740993]`,
			`assert x.dtype == np.int64, x.dtype; assert x.tolist() == [1, 9007199254740993]`},
		{"BIGINT with NULL", arrow.PrimitiveTypes.Int64, `[1, null, 3]`,
			`assert x.dtype == pd.Int64Dtype(), x.dtype; assert x.isna().tolist() == [False, True, False]; assert x.sum() == 4`},
		{"FLOAT with NULL", arrow.PrimitiveTypes.Float32, `[1.5, null]`,
			`assert x.dtype == np.float32, x.dtype; assert x[0] == 1.5 and np.isnan(x[1])`},
		{"DOUBLE with NULL", arrow.PrimitiveTypes.Float64, `[1.5, null]`,
			`assert x.dtype == np.float64, x.dtype; assert x.isna().tolist() == [False, True]`},
		{"DECIMAL", decimal10x2, `["1.25", null]`,
			`assert x.dtype == object; assert values(x) == [decimal.Decimal("1.25"), None]; assert type(x[0]) is decimal.Decimal`},
		{"STRING", arrow.BinaryTypes.String, `["a", null]`,
			`assert x.dtype == object; assert values(x) == ["a", None]; assert type(x[0]) is str`},
		{"BYTES", arrow.BinaryTypes.Binary, `["aGk=", null]`,
			`assert x.dtype == object; assert values(x) == [b"hi", None]`},
		{"DATE", arrow.FixedWidthTypes.Date32, `["2020-02-29", null, "9999-12-31"]`,
			`assert x.dtype == object, x.dtype; assert values(x) == [datetime.date(2020, 2, 29), None, datetime.date(9999, 12, 31)]; assert type(x[0]) is datetime.date`},
		{"TIME", arrow.FixedWidthTypes.Time64us, `["12:34:56.000001", null]`,
			`assert x.dtype == object; assert values(x) == [datetime.time(12, 34, 56, 1), None]`},
		{"TIMESTAMP", timestampUs, `["2020-02-29 12:34:56.000001", null]`,
			`assert str(x.dtype) == "datetime64[us]", x.dtype; assert x[0] == pd.Timestamp("2020-02-29 12:34:56.000001"); assert x[1] is pd.NaT`},
		{"TIMESTAMP(3)", &arrow.TimestampType{Unit: arrow.Millisecond}, `["2020-02-29 12:34:56.789", "3000-01-01 00:00:00"]`,
			`assert str(x.dtype) == "datetime64[ms]", x.dtype; assert isinstance(x[0], datetime.datetime); assert x[1].year == 3000`},
		{"TIMESTAMP_LTZ", timestampLTZ, `["2020-02-29T12:34:56Z", null]`,
			`assert str(x.dtype) == "datetime64[us, UTC]", x.dtype; assert x[0] == pd.Timestamp("2020-02-29 12:34:56", tz="UTC")`},
		{"ARRAY", arrow.ListOf(arrow.PrimitiveTypes.Int32), `[[1, null], null, []]`,
			`assert x.dtype == object; assert type(x[0]) is np.ndarray and x[0].dtype == np.float64, x[0]; assert np.isnan(x[0][1]) and x[1] is None and len(x[2]) == 0`},
		{"ARRAY<ARRAY<STRING>>", arrow.ListOf(arrow.ListOf(arrow.BinaryTypes.String)), `[[["a", null]], null]`,
			`assert type(x[0]) is np.ndarray and type(x[0][0]) is np.ndarray; assert x[0][0].tolist() == ["a", None]`},
		{"ARRAY<DATE>", arrow.ListOf(arrow.FixedWidthTypes.Date32), `[["2014-09-13"]]`,
			`assert type(x[0]) is np.ndarray; assert x[0].tolist() == [datetime.date(2014, 9, 13)]`},
		{"MAP", arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64), `[[{"key": "a", "value": 1}], null]`,
			`assert x.dtype == object; assert values(x) == [[("a", 1)], None]; assert type(x[0]) is list`},
		{"ROW", rowType, `[{"id": 1, "name": "a", "score": 0.5}, null, {"id": null, "name": "c", "score": 2}]`,
			`assert isinstance(x, pd.DataFrame), type(x)
assert list(x.columns) == ["id", "name", "score"], list(x.columns)
assert x["id"].dtype == pd.Int32Dtype(), x["id"].dtype
assert x["name"].dtype == object and x["score"].dtype == np.float64
assert x.iloc[1].isna().all(), "a NULL row arrives as missing values"
assert values(x["name"]) == ["a", None, "c"]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := seesPrelude + "def f(x):\n" + indent(tc.assert) + "\n    return x\n"
			e := newEvaluator(t, UDF{Name: "sees", Func: pyFunc(t, src, "f"), Args: []int{0}, Result: tc.dt})
			in := fromJSON(t, memory.DefaultAllocator, tc.dt, tc.js)
			in.Retain()
			defer in.Release()
			out, err := evaluate(t, e, in)
			require.NoError(t, err)
			assertSameValues(t, in, out[0])
		})
	}
}

// TestArgumentAssertionFails makes sure the assertions above can fail: an
// assert that does not hold in the UDF is an error of Evaluate.
func TestArgumentAssertionFails(t *testing.T) {
	src := seesPrelude + "def f(x):\n    assert x.dtype == object, x.dtype\n    return x\n"
	e := newEvaluator(t, UDF{Name: "sees", Func: pyFunc(t, src, "f"), Args: []int{0}, Result: arrow.PrimitiveTypes.Float64})
	_, err := evaluate(t, e, fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Float64, `[1]`))
	require.ErrorContains(t, err, "AssertionError: float64")
}

// TestNumericArgumentsAreZeroCopy checks that a numeric column without NULLs
// reaches pandas as a view of the Arrow buffer Go wrote, read-only so that
// the function cannot change the batch under the engine.
func TestNumericArgumentsAreZeroCopy(t *testing.T) {
	for _, dt := range []arrow.DataType{arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64,
		arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Float64} {
		t.Run(dt.String(), func(t *testing.T) {
			in := fromJSON(t, memory.DefaultAllocator, dt, `[1, 2, 3, 4, 5]`)
			in.Retain()
			defer in.Release()
			addr := uintptr(unsafe.Pointer(&in.Data().Buffers()[1].Bytes()[0]))
			src := fmt.Sprintf(`
import numpy as np
def f(x):
    v = x.to_numpy()
    assert v.__array_interface__["data"][0] == %d, "the Series does not share the Arrow buffer"
    assert not v.flags.writeable
    try:
        x.iloc[0] = 7
    except ValueError:
        pass
    else:
        raise AssertionError("writing into the batch's buffer did not fail")
    return x
`, addr)
			e := newEvaluator(t, UDF{Name: "zero_copy", Func: pyFunc(t, src, "f"), Args: []int{0}, Result: dt})
			out, err := evaluate(t, e, in)
			require.NoError(t, err)
			assertSameValues(t, in, out[0])
		})
	}
}

// TestArgumentsShareOneIndex: every argument of a batch carries the same
// RangeIndex object, so that arithmetic between them needs no alignment.
func TestArgumentsShareOneIndex(t *testing.T) {
	src := "def f(a, b, c):\n    assert a.index is b.index is c.index\n    assert list(a.index) == [0, 1, 2]\n    return a\n"
	e := newEvaluator(t, UDF{Name: "index", Func: pyFunc(t, src, "f"), Args: []int{0, 1, 2}, Result: arrow.PrimitiveTypes.Float64})
	_, err := evaluate(t, e,
		fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Float64, `[1, 2, 3]`),
		fromJSON(t, memory.DefaultAllocator, arrow.BinaryTypes.String, `["a", null, "c"]`),
		fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Int64, `[1, null, 3]`))
	require.NoError(t, err)
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// TestIndexNameDoesNotLeak: a function that names its argument's index in
// place does not pass the name to the next batch.
func TestIndexNameDoesNotLeak(t *testing.T) {
	src := "def f(x):\n    assert x.index.name is None, x.index.name\n    x.index.name = 'mine'\n    return x\n"
	e := newEvaluator(t, UDF{Name: "namer", Func: pyFunc(t, src, "f"), Args: []int{0}, Result: arrow.PrimitiveTypes.Float64})
	for range 3 {
		_, err := evaluate(t, e, fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Float64, `[1, 2]`))
		require.NoError(t, err)
	}
}
