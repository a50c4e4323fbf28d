package sqltext

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in        string
		p, s      int
		want, err string
	}{
		{"12.3", 5, 2, "12.30", ""},
		{"-0.005", 5, 2, "-0.01", ""}, // HALF_UP away from zero
		{"0.004", 5, 2, "0.00", ""},
		{"+7", 3, 0, "7", ""},
		{"1E-8", 10, 8, "0.00000001", ""},
		{"1.5e2", 5, 1, "150.0", ""},
		{".5", 3, 1, "0.5", ""},
		{"5.", 3, 1, "5.0", ""},
		{"999.995", 5, 2, "", "more than 3 digits before the decimal point"}, // rounds up to 1000.00
		{"99999999999999999999999999999999999999", 38, 0, "99999999999999999999999999999999999999", ""},
		{"abc", 5, 2, "", "not a decimal number"},
		{"1e", 5, 2, "", "bad exponent"},
		{"", 5, 2, "", "not a decimal number"},
		{"1.2.3", 5, 2, "", "not a decimal number"},
		{"Inf", 5, 2, "", "not a decimal number"},
	}
	for _, tc := range tests {
		n, err := ParseDecimal(tc.in, tc.p, tc.s)
		if tc.err != "" {
			require.Error(t, err, tc.in)
			assert.Equal(t, tc.err, err.Error(), tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, n.ToString(int32(tc.s)), tc.in)
	}
}

func TestParseDateAndTime(t *testing.T) {
	d, err := ParseDate("2024-02-29")
	require.NoError(t, err)
	assert.EqualValues(t, 19782, d)
	d, err = ParseDate("1969-12-31")
	require.NoError(t, err)
	assert.EqualValues(t, -1, d)
	for _, bad := range []string{"2023-02-29", "2024-1-01", "2024-01-01x", "24-01-01", "2024/01/01"} {
		_, err := ParseDate(bad)
		assert.Error(t, err, bad)
	}

	n, err := ParseTime("10:15")
	require.NoError(t, err)
	assert.EqualValues(t, (10*3600+15*60)*1e9, n)
	n, err = ParseTime("23:59:59.123456789")
	require.NoError(t, err)
	assert.EqualValues(t, 86399*1e9+123456789, n)
	for _, bad := range []string{"24:00", "10:60", "10:15:61", "10:15:30.", "10:15:30.1234567890", "1015"} {
		_, err := ParseTime(bad)
		assert.Error(t, err, bad)
	}
}

func TestParseTimestamp(t *testing.T) {
	tests := []struct {
		in   string
		want Timestamp
	}{
		{"1970-01-01T00:00", Timestamp{}},
		{"1970-01-02 00:00:01.5", Timestamp{Seconds: 86401, Nanos: 5e8}},
		{"1970-01-01", Timestamp{}},
		{"1970-01-01T00:00:00Z", Timestamp{HasZone: true}},
		{"1970-01-01T01:00+01:00", Timestamp{Seconds: 3600, HasZone: true, Offset: 3600}},
		{"1970-01-01 00:00-0530", Timestamp{HasZone: true, Offset: -19800}},
		{"1969-12-31T23:59:59.999", Timestamp{Seconds: -1, Nanos: 999e6}},
	}
	for _, tc := range tests {
		got, err := ParseTimestamp(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
	for _, bad := range []string{"1970-01-01X00:00", "1970-01-01T00:00 UTC", "1970-01-01T00:00+1", "1970-13-01T00:00"} {
		_, err := ParseTimestamp(bad)
		assert.Error(t, err, bad)
	}
}
