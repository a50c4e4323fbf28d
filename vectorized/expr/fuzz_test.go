package expr

import (
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

var fuzzTargets = []arrow.DataType{
	tBool, tInt8, tInt16, tInt32, tInt64, tFloat32, tFloat64, dec(5, 2), dec(38, 10), dec(18, 0),
	tDate, TimeType(0), TimeType(3), TimeType(9), TimestampType(0), TimestampType(3), TimestampType(9),
	TimestampLTZType(3), tBinary,
}

// castArr casts a whole column.
func castArr(t *testing.T, src vectorized.Expr, rec arrow.RecordBatch, to arrow.DataType, try bool) (arrow.Array, error) {
	e, err := Cast(src, to, try)
	require.NoError(t, err)
	return e.Eval(testCtx(), rec)
}

// FuzzCastString casts arbitrary text to every numeric and temporal type
// (CAST may fail, TRY_CAST may not, neither may panic), checks that what
// converts survives a round trip through STRING, and round-trips numbers
// through STRING.
func FuzzCastString(f *testing.F) {
	for _, s := range []string{"", "0", "-1", "1.5", " 12 ", "1e308", "1e-400", "NaN", "-Infinity", "0x1p-3",
		"9223372036854775808", "-9223372036854775808", "2024-02-29", "2024-02-29 23:59:59.999999999", "23:59:59",
		"1969-12-31T00:00:00", "true", "No", "1.", ".", "+", "99999999999999999999999999999.9999999999", "日本"} {
		f.Add(s, int64(len(s)), float64(len(s))/3)
	}
	f.Add("x", int64(math.MinInt64), math.Inf(-1))
	f.Add("y", int64(math.MaxInt64), math.SmallestNonzeroFloat64)
	f.Add("z", int64(0), math.Copysign(0, -1))
	f.Fuzz(func(t *testing.T, s string, i int64, x float64) {
		rec := batch(t, col(t, tString, s, nil, s))
		defer rec.Release()
		src := refs(rec)[0]
		for _, to := range fuzzTargets {
			strict, err := castArr(t, src, rec, to, false)
			if err == nil {
				strict.Release()
			}
			tried, err := castArr(t, src, rec, to, true)
			require.NoError(t, err, "TRY_CAST(%q AS %s)", s, SQLTypeName(to))
			require.True(t, tried.IsNull(1))
			if tried.IsValid(0) && to.ID() != arrow.BOOL && to.ID() != arrow.BINARY {
				tried := tried
				// value -> STRING -> value is stable
				rec2 := batch(t, tried)
				text, err := castArr(t, refs(rec2)[0], rec2, tString, false)
				require.NoError(t, err)
				rec3 := batch(t, text)
				back, err := castArr(t, refs(rec3)[0], rec3, to, false)
				require.NoError(t, err, "CAST(%q AS %s) -> %q", s, SQLTypeName(to), render(text)[0])
				require.Equal(t, render(tried), render(back), "%q as %s", s, SQLTypeName(to))
				back.Release()
				rec3.Release()
				rec2.Release()
			} else {
				tried.Release()
			}
		}
		// numbers -> STRING -> numbers
		nums := batch(t, col(t, tInt64, i), col(t, tFloat64, x), col(t, tFloat32, float32(x)))
		defer nums.Release()
		for k, c := range refs(nums) {
			text, err := castArr(t, c, nums, tString, false)
			require.NoError(t, err)
			tr := batch(t, text)
			back, err := castArr(t, refs(tr)[0], tr, c.DataType(), false)
			require.NoError(t, err, "%q", render(text)[0])
			switch k {
			case 0:
				require.Equal(t, i, back.(*array.Int64).Value(0))
			case 1:
				got := back.(*array.Float64).Value(0)
				require.True(t, got == x && math.Signbit(got) == math.Signbit(x) || math.IsNaN(x) && math.IsNaN(got), "%v -> %s -> %v", x, render(text)[0], got)
			case 2:
				got, want := back.(*array.Float32).Value(0), float32(x)
				require.True(t, got == want || want != want && got != got, "%v -> %s -> %v", want, render(text)[0], got)
			}
			back.Release()
			tr.Release()
		}
	})
}
