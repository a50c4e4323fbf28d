package codec

import (
	"encoding/json"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/connectors/internal/sqltext"
)

// TestParseDecimalMatchesSQLText checks the allocation-free path against
// sqltext.ParseDecimal, the reference, on edge cases and random text.
func TestParseDecimalMatchesSQLText(t *testing.T) {
	inputs := []string{
		"0", "-0", "+0", "0.0", ".5", "5.", "-.5", "12.345", "-12.345", "12.344999", "0.005", "-0.005", "0.0049",
		"999999999999999999", "9999999999999999999", "1e2", "1E+2", "1e-2", "-1.5e-1", "123456789012345678.9",
		"000000000000000000000001", "1.00000000000000000000000000001", "1e40", "1e-40", "1e", "e5", "", "-", ".",
		"1.2.3", "1e5x", "12a", "99999.995", "99999.994", "0.000000000000000000005",
	}
	r := rand.New(rand.NewPCG(9, 9))
	for range 2000 {
		var b strings.Builder
		if r.IntN(3) == 0 {
			b.WriteByte("+-"[r.IntN(2)])
		}
		for range r.IntN(22) {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
		if r.IntN(2) == 0 {
			b.WriteByte('.')
			for range r.IntN(22) {
				b.WriteByte(byte('0' + r.IntN(10)))
			}
		}
		if r.IntN(4) == 0 {
			b.WriteString("e" + strconv.Itoa(r.IntN(30)-15))
		}
		inputs = append(inputs, b.String())
	}
	for _, in := range inputs {
		for _, ps := range [][2]int{{10, 2}, {5, 0}, {18, 9}, {38, 10}, {20, 19}, {3, 3}} {
			want, wantErr := sqltext.ParseDecimal(in, ps[0], ps[1])
			got, err := parseDecimal([]byte(in), ps[0], ps[1])
			if wantErr != nil {
				assert.Error(t, err, "%q as DECIMAL(%d, %d)", in, ps[0], ps[1])
				continue
			}
			if assert.NoError(t, err, "%q as DECIMAL(%d, %d)", in, ps[0], ps[1]) {
				assert.Equal(t, want, got, "%q as DECIMAL(%d, %d)", in, ps[0], ps[1])
			}
		}
	}
}

func TestAppendDecimal(t *testing.T) {
	big38, _ := new(big.Int).SetString("-12345678901234567890123456789012345000", 10)
	tests := []struct {
		unscaled   decimal128.Num
		scale      int32
		scientific string // Jackson's number node + BigDecimal.toString
		plain      string // + toPlainString
	}{
		{decimal128.FromI64(1230), 2, "12.3", "12.3"},
		{decimal128.FromI64(10000), 2, "1E+2", "100"},
		{decimal128.FromI64(0), 5, "0", "0"},
		{decimal128.FromI64(-50), 2, "-0.5", "-0.5"},
		{decimal128.FromI64(27), 9, "2.7E-8", "0.000000027"},
		{decimal128.FromI64(100), 9, "1E-7", "0.0000001"},
		{decimal128.FromI64(1), 6, "0.000001", "0.000001"},
		{decimal128.FromI64(123456), 0, "123456", "123456"},
		{decimal128.FromI64(-9223372036854775808), 0, "-9223372036854775808", "-9223372036854775808"},
		{decimal128.FromI64(-9223372036854775807 - 1 + 8), 0, "-9.2233720368547758E+18", "-9223372036854775800"},
		{decimal128.FromBigInt(big38), 3, "-12345678901234567890123456789012345", "-12345678901234567890123456789012345"},
		{decimal128.FromBigInt(big38), 0, "-1.2345678901234567890123456789012345E+37", "-12345678901234567890123456789012345000"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.scientific, string(AppendDecimal(nil, tt.unscaled, tt.scale, false)), "%v scale %d", tt.unscaled.BigInt(), tt.scale)
		assert.Equal(t, tt.plain, string(AppendDecimal(nil, tt.unscaled, tt.scale, true)), "%v scale %d", tt.unscaled.BigInt(), tt.scale)
	}
}

func TestAppendTimeOfDay(t *testing.T) {
	for nanos, want := range map[int64]string{
		0:                                    "00:00:00",
		(10*3600 + 15*60) * 1e9:              "10:15:00",
		(10*3600+15*60+30)*1e9 + 500_000_000: "10:15:30.5",
		(23*3600+59*60+59)*1e9 + 999_999_999: "23:59:59.999999999",
		1_000:                                "00:00:00.000001",
		120_000_000:                          "00:00:00.12",
	} {
		assert.Equal(t, want, string(appendTimeOfDay(nil, nanos)))
	}
}

func TestAppendJSONString(t *testing.T) {
	for in, want := range map[string]string{
		"plain":              `"plain"`,
		"q\"b\\s/":           `"q\"b\\s/"`,
		"\b\f\n\r\t\x01\x7f": `"\b\f\n\r\t\u0001` + "\x7f" + `"`,
		"é中😀":                `"é中😀"`,
		"a\xffb\xe4\xb8":     "\"a\ufffdb\ufffd\ufffd\"",
		"\u2028":             "\"\u2028\"",
	} {
		assert.Equal(t, want, string(AppendJSONString(nil, in)))
		assert.Equal(t, want, string(AppendJSONString(nil, []byte(in))))
	}
	// Whatever the bytes, the output is JSON that reads back as the text
	// (invalid UTF-8 aside).
	r := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		b := make([]byte, r.IntN(20))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		out := AppendJSONString(nil, b)
		var s string
		require.NoError(t, json.Unmarshal(out, &s), "%q", out)
		var want strings.Builder
		for i := 0; i < len(b); {
			r, n := utf8.DecodeRune(b[i:])
			want.WriteRune(r) // RuneError for each invalid byte
			i += n
		}
		assert.Equal(t, want.String(), s)
	}
}

func TestArenaSlicesSurviveGrowth(t *testing.T) {
	var a Arena
	first := a.Copy([]byte("first"))
	for range 100 {
		a.Copy([]byte(strings.Repeat("x", 100)))
	}
	assert.Equal(t, "first", string(first))
	a.Reset()
	assert.Equal(t, 0, a.Mark())
}

func TestParseFloatJava(t *testing.T) {
	for in, want := range map[string]float64{"1.5f": 1.5, "2D": 2, "1e400": inf, "-1e400": -inf, "NaN": nan, "Infinity": inf, "4.9E-324": 4.9e-324} {
		got, err := parseFloat([]byte(in), 64)
		require.NoError(t, err, in)
		if want != want {
			assert.True(t, got != got, in)
		} else {
			assert.Equal(t, want, got, in)
		}
	}
	for _, in := range []string{"", "f", "1.5x", "--1", "1,5"} {
		_, err := parseFloat([]byte(in), 64)
		assert.Error(t, err, in)
	}
}

var (
	inf = 1 / zero
	nan = zero / zero
)

var zero = 0.0

func TestParseInt(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "-0": 0, "+7": 7, "9223372036854775807": 1<<63 - 1, "-9223372036854775808": -1 << 63} {
		got, err := parseInt([]byte(in))
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for in, want := range map[string]error{"": errSyntax, "-": errSyntax, "1x": errSyntax, " 1": errSyntax,
		"9223372036854775808": errRange, "-9223372036854775809": errRange, "99999999999999999999999": errRange} {
		_, err := parseInt([]byte(in))
		assert.Equal(t, want, err, in)
	}
}
