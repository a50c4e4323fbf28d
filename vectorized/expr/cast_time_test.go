package expr

import (
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/require"
)

// TIME(0) to TIME(3) share time32[ms] (Flink keeps milliseconds of the
// day): CastTime applies the SQL precision Arrow does not carry. Expected
// texts are Flink 2.3's.
func TestCastTimePrecision(t *testing.T) {
	ms := arrow.FixedWidthTypes.Time32ms
	at := func(s string) time.Duration {
		d, err := time.Parse("15:04:05.000", s)
		require.NoError(t, err)
		return d.Sub(time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC))
	}
	rec := batch(t, col(t, ms, at("12:00:00.123"), at("12:00:00.000"), at("23:59:59.999"), at("12:00:00.100"), nil))
	c := refs(rec)[0]

	for _, tc := range []struct {
		from int
		want []string
	}{
		{0, []string{"12:00:00", "12:00:00", "23:59:59", "12:00:00", "NULL"}},
		{1, []string{"12:00:00.1", "12:00:00.0", "23:59:59.9", "12:00:00.1", "NULL"}},
		{2, []string{"12:00:00.12", "12:00:00.0", "23:59:59.99", "12:00:00.1", "NULL"}},
		{3, []string{"12:00:00.123", "12:00:00.0", "23:59:59.999", "12:00:00.1", "NULL"}},
		{-1, []string{"12:00:00.123", "12:00:00.0", "23:59:59.999", "12:00:00.1", "NULL"}},
	} {
		e, err := CastTime(c, arrow.BinaryTypes.String, false, tc.from, -1)
		require.NoError(t, err)
		require.Equal(t, tc.want, evalStrings(t, testCtx(), e, rec), "TIME(%d) to STRING", tc.from)
	}

	// to TIME(p): the digits beyond p are cut (the values stay milliseconds)
	for _, tc := range []struct {
		to   int
		want []string
	}{
		{0, []string{"12:00:00.0", "12:00:00.0", "23:59:59.0", "12:00:00.0", "NULL"}},
		{1, []string{"12:00:00.1", "12:00:00.0", "23:59:59.9", "12:00:00.1", "NULL"}},
		{2, []string{"12:00:00.12", "12:00:00.0", "23:59:59.99", "12:00:00.1", "NULL"}},
	} {
		e, err := CastTime(c, ms, false, 3, tc.to)
		require.NoError(t, err)
		require.Contains(t, e.String(), "AS TIME(")
		require.Equal(t, tc.want, evalStrings(t, testCtx(), e, rec), "TIME(3) to TIME(%d)", tc.to)
	}

	// from STRING and TIMESTAMP too
	s := batch(t, col(t, arrow.BinaryTypes.String, "12:00:00.987"))
	e, err := CastTime(refs(s)[0], ms, false, -1, 0)
	require.NoError(t, err)
	require.Equal(t, []string{"12:00:00.0"}, evalStrings(t, testCtx(), e, s))
	e, err = CastTime(refs(s)[0], ms, false, -1, 2)
	require.NoError(t, err)
	require.Equal(t, []string{"12:00:00.98"}, evalStrings(t, testCtx(), e, s))
}
