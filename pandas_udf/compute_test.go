package pandas_udf

import (
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAddDoubles(t *testing.T) {
	e := newEvaluator(t, UDF{Name: "add", Func: pyLambda(t, "lambda a, b: a + b"), Args: []int{0, 1}, Result: arrow.PrimitiveTypes.Float64})
	out, err := evaluate(t, e,
		fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Float64, `[1.5, 2, null, -4, 1e308]`),
		fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Float64, `[0.25, null, 3, 4, 1e308]`))
	require.NoError(t, err)
	got := out[0].(*array.Float64)
	require.Equal(t, 5, got.Len())
	// NULL + x is NaN in pandas, and NaN comes back as NULL; an overflow
	// to +Inf is a value.
	assert.Equal(t, 1.75, got.Value(0))
	assert.True(t, got.IsNull(1))
	assert.True(t, got.IsNull(2))
	assert.Equal(t, 0.0, got.Value(3))
	assert.True(t, math.IsInf(got.Value(4), 1))
	assert.Equal(t, 2, got.NullN())
}

// TestNormalCDF runs scipy over a column and checks it against Go's own
// normal CDF, Φ(x) = erfc(-x/√2)/2.
func TestNormalCDF(t *testing.T) {
	src := "from scipy.stats import norm\ndef cdf(v):\n    return norm.cdf(v)\n"
	e := newEvaluator(t, UDF{Name: "cdf", Func: pyFunc(t, src, "cdf"), Args: []int{0}, Result: arrow.PrimitiveTypes.Float64})
	const n = 10_000
	b := array.NewFloat64Builder(memory.DefaultAllocator)
	for i := range n {
		b.Append(-6 + 12*float64(i)/n)
	}
	in := b.NewArray()
	b.Release()
	in.Retain()
	defer in.Release()
	out, err := evaluate(t, e, in)
	require.NoError(t, err)
	got, x := out[0].(*array.Float64), in.(*array.Float64)
	require.Equal(t, n, got.Len())
	require.Zero(t, got.NullN())
	for i := range n {
		want := 0.5 * math.Erfc(-x.Value(i)/math.Sqrt2)
		require.InDeltaf(t, want, got.Value(i), 1e-15+1e-12*want, "Φ(%g)", x.Value(i))
	}
}

func TestStringUDF(t *testing.T) {
	src := "def shout(s, n):\n    return s.str.upper() + n.map(lambda k: '!' * k)\n"
	e := newEvaluator(t, UDF{Name: "shout", Func: pyFunc(t, src, "shout"), Args: []int{0, 1}, Result: arrow.BinaryTypes.String})
	out, err := evaluate(t, e,
		fromJSON(t, memory.DefaultAllocator, arrow.BinaryTypes.String, `["héllo", null, "", "ß"]`),
		fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Int64, `[1, 2, 3, 0]`))
	require.NoError(t, err)
	assertSameValues(t, fromJSON(t, memory.DefaultAllocator, arrow.BinaryTypes.String, `["HÉLLO!", null, "!!!", "SS"]`), out[0])
}

// TestSharedArguments evaluates three UDFs over overlapping columns in one
// evaluator: a column is converted once and every UDF that reads it gets
// the same Series object.
func TestSharedArguments(t *testing.T) {
	src := `
seen = {}
def first(a):
    seen["a"] = a
    return a * 2
def second(b, a):
    assert a is seen["a"], "column a was converted twice"
    seen["b"] = b
    return a + b
def third(b):
    assert b is seen["b"], "column b was converted twice"
    return b.astype(str)
`
	fns := pyFuncs(t, src, "first", "second", "third")
	e := newEvaluator(t,
		UDF{Name: "first", Func: fns[0], Args: []int{1}, Result: arrow.PrimitiveTypes.Int64},
		UDF{Name: "second", Func: fns[1], Args: []int{2, 1}, Result: arrow.PrimitiveTypes.Float64},
		UDF{Name: "third", Func: fns[2], Args: []int{2}, Result: arrow.BinaryTypes.String},
	)
	out, err := evaluate(t, e,
		fromJSON(t, memory.DefaultAllocator, arrow.BinaryTypes.String, `["unused", "x", "y"]`),
		fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Int64, `[1, 2, 3]`),
		fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Float64, `[0.5, 1.5, 2.5]`))
	require.NoError(t, err)
	require.Len(t, out, 3)
	assertSameValues(t, fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Int64, `[2, 4, 6]`), out[0])
	assertSameValues(t, fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Float64, `[1.5, 3.5, 5.5]`), out[1])
	assertSameValues(t, fromJSON(t, memory.DefaultAllocator, arrow.BinaryTypes.String, `["0.5", "1.5", "2.5"]`), out[2])
}

// TestResultForms: every form a function may return, converted to the
// declared type.
func TestResultForms(t *testing.T) {
	cases := []struct {
		name string
		src  string // defines f(x); x is the BIGINT column [1, 2, 3]
		dt   arrow.DataType
		want string
	}{
		{"numpy array", "def f(x):\n    return x.to_numpy() * 2", arrow.PrimitiveTypes.Int64, `[2, 4, 6]`},
		{"list", "def f(x):\n    return [1, None, 3]", arrow.PrimitiveTypes.Int64, `[1, null, 3]`},
		{"list of big ints", "def f(x):\n    return [2**62 + 1, None, -2**63]", arrow.PrimitiveTypes.Int64, `[4611686018427387905, null, -9223372036854775808]`},
		{"list of floats into BIGINT", "def f(x):\n    return [1.0, None, 3.0]", arrow.PrimitiveTypes.Int64, `[1, null, 3]`},
		{"pyarrow Array", "import pyarrow as pa\ndef f(x):\n    return pa.array([1, None, 3], pa.int32())", arrow.PrimitiveTypes.Int64, `[1, null, 3]`},
		{"pyarrow ChunkedArray", "import pyarrow as pa\ndef f(x):\n    return pa.chunked_array([[1], [None, 3]])", arrow.PrimitiveTypes.Int64, `[1, null, 3]`},
		{"nullable Int64 Series", "import pandas as pd\ndef f(x):\n    return pd.Series([1, None, 3], dtype='Int64')", arrow.PrimitiveTypes.Int64, `[1, null, 3]`},
		{"NaN into BIGINT is NULL", "import numpy as np\ndef f(x):\n    return x.where(x != 2, np.nan)", arrow.PrimitiveTypes.Int64, `[1, null, 3]`},
		{"NaN into DOUBLE is NULL", "import numpy as np\ndef f(x):\n    return x.astype(float).where(x != 2, np.nan)", arrow.PrimitiveTypes.Float64, `[1, null, 3]`},
		{"int into DOUBLE", "def f(x):\n    return x * 10", arrow.PrimitiveTypes.Float64, `[10, 20, 30]`},
		{"int into TINYINT", "def f(x):\n    return x - 1", arrow.PrimitiveTypes.Int8, `[0, 1, 2]`},
		{"float32 array into DOUBLE", "import numpy as np\ndef f(x):\n    return np.array([0.5, 1.5, 2.5], dtype=np.float32)", arrow.PrimitiveTypes.Float64, `[0.5, 1.5, 2.5]`},
		{"strided numpy array", "import numpy as np\ndef f(x):\n    return np.arange(6.0)[::2]", arrow.PrimitiveTypes.Float64, `[0, 2, 4]`},
		{"None into STRING is NULL", "def f(x):\n    return ['a', None, 'c']", arrow.BinaryTypes.String, `["a", null, "c"]`},
		{"pandas string dtype", "import pandas as pd\ndef f(x):\n    return pd.Series(['a', None, 'c'], dtype='string')", arrow.BinaryTypes.String, `["a", null, "c"]`},
		{"Decimal objects", "from decimal import Decimal\ndef f(x):\n    return [Decimal('1.5'), None, Decimal('-2.25')]", decimal10x2, `["1.50", null, "-2.25"]`},
		{"ints into DECIMAL", "def f(x):\n    return x * 100", decimal10x2, `["100.00", "200.00", "300.00"]`},
		{"list of ints into DECIMAL", "def f(x):\n    return [1, None, -99999999]", decimal10x2, `["1.00", null, "-99999999.00"]`},
		{"floats into DECIMAL", "def f(x):\n    return x / 4", decimal10x2, `["0.25", "0.50", "0.75"]`},
		{"timestamps at midnight into DATE", "import pandas as pd\ndef f(x):\n    return pd.Series(pd.to_datetime(['2020-01-01', None, '2021-12-31']))", arrow.FixedWidthTypes.Date32, `["2020-01-01", null, "2021-12-31"]`},
		{"DatetimeIndex into DATE", "import pandas as pd\ndef f(x):\n    return pd.to_datetime(['2020-01-01', None, '2021-12-31'])", arrow.FixedWidthTypes.Date32, `["2020-01-01", null, "2021-12-31"]`},
		{"dates into DATE", "import datetime\ndef f(x):\n    return [datetime.date(2020, 1, 1), None, datetime.date(1, 1, 1)]", arrow.FixedWidthTypes.Date32, `["2020-01-01", null, "0001-01-01"]`},
		{"datetime64[ns] into TIMESTAMP(6)", "import pandas as pd\ndef f(x):\n    return pd.Series(pd.to_datetime(['2020-01-01 00:00:00.000001', None, '1970-01-01'], format='ISO8601'))", timestampUs, `["2020-01-01 00:00:00.000001", null, "1970-01-01 00:00:00"]`},
		{"aware datetimes into TIMESTAMP_LTZ", "import pandas as pd\ndef f(x):\n    return pd.Series(pd.to_datetime(['2020-01-01 01:00', None, '1970-01-01 01:00']).tz_localize('Europe/Paris'))", timestampLTZ, `["2020-01-01T00:00:00Z", null, "1970-01-01T00:00:00Z"]`},
		{"lists into ARRAY", "import numpy as np\ndef f(x):\n    return [[1, None], None, np.array([3, 4])]", arrow.ListOf(arrow.PrimitiveTypes.Int32), `[[1, null], null, [3, 4]]`},
		{"dicts into MAP", "def f(x):\n    return [{'a': 1}, None, {}]", arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64), `[[{"key": "a", "value": 1}], null, []]`},
		{"DataFrame by name into ROW", "import pandas as pd\ndef f(x):\n    return pd.DataFrame({'score': [0.5, None, 2], 'name': ['a', 'b', None], 'id': x.astype('int32')})", rowType,
			`[{"id": 1, "name": "a", "score": 0.5}, {"id": 2, "name": "b", "score": null}, {"id": 3, "name": null, "score": 2}]`},
		{"DataFrame by position into ROW", "import pandas as pd\ndef f(x):\n    return pd.DataFrame({0: x, 1: x.astype(str), 2: x / 2})", rowType,
			`[{"id": 1, "name": "1", "score": 0.5}, {"id": 2, "name": "2", "score": 1}, {"id": 3, "name": "3", "score": 1.5}]`},
		{"DataFrame row of missing values is a NULL ROW", "import pandas as pd\ndef f(x):\n    return pd.DataFrame({'id': [1, None, 3], 'name': ['a', None, None], 'score': [None, None, 1.0]})", rowType,
			`[{"id": 1, "name": "a", "score": null}, null, {"id": 3, "name": null, "score": 1}]`},
		{"Row objects into ROW", "import _sluice_runtime as rt\ndef f(x):\n    return [rt.make_row(['id', 'name', 'score'], [1, 'a', 0.5]), None, rt.make_row(['id', 'name', 'score'], [3, None, 2.0])]", rowType,
			`[{"id": 1, "name": "a", "score": 0.5}, null, {"id": 3, "name": null, "score": 2}]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEvaluator(t, UDF{Name: "f", Func: pyFunc(t, tc.src, "f"), Args: []int{0}, Result: tc.dt})
			out, err := evaluate(t, e, fromJSON(t, memory.DefaultAllocator, arrow.PrimitiveTypes.Int64, `[1, 2, 3]`))
			require.NoError(t, err)
			assertSameValues(t, fromJSON(t, memory.DefaultAllocator, tc.dt, tc.want), out[0])
		})
	}
}
