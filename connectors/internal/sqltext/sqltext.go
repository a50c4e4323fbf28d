package sqltext

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// ParseDecimal parses s ("-12.345", "1E-8", "+3") as a DECIMAL(precision,
// scale) unscaled value. Extra fraction digits are rounded HALF_UP, as
// Flink's DecimalData.fromBigDecimal does; a value with more integer digits
// than precision-scale is an error.
func ParseDecimal(s string, precision, scale int) (decimal128.Num, error) {
	s = strings.TrimSpace(s)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
		e, ok := parseSmallInt(s[i+1:])
		if !ok {
			return decimal128.Num{}, errors.New("bad exponent")
		}
		exp = e
	}
	intPart, frac, hasDot := strings.Cut(mant, ".")
	_ = hasDot
	digits := intPart + frac
	if digits == "" || !allDigits(digits) {
		return decimal128.Num{}, errors.New("not a decimal number")
	}
	u, _ := new(big.Int).SetString(digits, 10)
	// value = u × 10^(exp-len(frac)); unscaled = value × 10^scale.
	k := exp - len(frac) + scale
	ten := big.NewInt(10)
	switch {
	case k > 0:
		u.Mul(u, new(big.Int).Exp(ten, big.NewInt(int64(k)), nil))
	case k < 0:
		d := new(big.Int).Exp(ten, big.NewInt(int64(-k)), nil)
		q, r := new(big.Int).QuoRem(u, d, new(big.Int))
		// HALF_UP on the magnitude: round away from zero at .5.
		if r.Mul(r, big.NewInt(2)).Cmp(d) >= 0 {
			q.Add(q, big.NewInt(1))
		}
		u = q
	}
	limit := new(big.Int).Exp(ten, big.NewInt(int64(precision)), nil)
	if u.Cmp(limit) >= 0 {
		return decimal128.Num{}, fmt.Errorf("more than %d digits before the decimal point", precision-scale)
	}
	if neg {
		u.Neg(u)
	}
	return decimal128.FromBigInt(u), nil
}

func parseSmallInt(s string) (int, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || len(s) > 4 || !allDigits(s) {
		return 0, false
	}
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseDate parses "yyyy-MM-dd" into days since 1970-01-01.
func ParseDate(s string) (int32, error) {
	y, m, d, rest, err := parseDatePart(strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	if rest != "" {
		return 0, errors.New("trailing text after the date")
	}
	return epochDay(y, m, d), nil
}

// Built once: the format decoders parse dates and times per record and
// must not allocate.
var (
	errBadDate = errors.New("expected a date yyyy-MM-dd")
	errBadTime = errors.New("expected a time HH:mm[:ss[.fffffffff]]")
)

func parseDatePart(s string) (y, m, d int, rest string, err error) {
	bad := errBadDate
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i < 4 || i > 9 || len(s) < i+6 || s[i] != '-' || s[i+3] != '-' {
		return 0, 0, 0, "", bad
	}
	y = atoi(s[:i])
	if neg {
		y = -y
	}
	if !allDigits(s[i+1:i+3]) || !allDigits(s[i+4:i+6]) {
		return 0, 0, 0, "", bad
	}
	m, d = atoi(s[i+1:i+3]), atoi(s[i+4:i+6])
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, 0, 0, "", fmt.Errorf("no such date")
	}
	return y, m, d, s[i+6:], nil
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func epochDay(y, m, d int) int32 {
	return int32(time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// ParseTime parses "HH:mm", "HH:mm:ss" or "HH:mm:ss.fffffffff" into
// nanoseconds of the day.
func ParseTime(s string) (int64, error) {
	n, rest, err := parseTimePart(strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	if rest != "" {
		return 0, errors.New("trailing text after the time")
	}
	return n, nil
}

func parseTimePart(s string) (int64, string, error) {
	bad := errBadTime
	if len(s) < 5 || s[2] != ':' || !allDigits(s[:2]) || !allDigits(s[3:5]) {
		return 0, "", bad
	}
	h, mi := atoi(s[:2]), atoi(s[3:5])
	sec, nanos := 0, 0
	s = s[5:]
	if len(s) > 0 && s[0] == ':' {
		if len(s) < 3 || !allDigits(s[1:3]) {
			return 0, "", bad
		}
		sec = atoi(s[1:3])
		s = s[3:]
		if len(s) > 0 && s[0] == '.' {
			j := 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j == 1 || j > 10 {
				return 0, "", errors.New("expected 1 to 9 fraction digits")
			}
			frac := s[1:j]
			nanos = atoi(frac + strings.Repeat("0", 9-len(frac)))
			s = s[j:]
		}
	}
	if h > 23 || mi > 59 || sec > 59 {
		return 0, "", errors.New("hour, minute or second out of range")
	}
	return (int64(h)*3600+int64(mi)*60+int64(sec))*1e9 + int64(nanos), s, nil
}

// Timestamp is a parsed date-time: the wall clock as seconds and nanos
// since the epoch read as UTC, and the zone offset when one was written.
type Timestamp struct {
	Seconds int64
	Nanos   int64
	HasZone bool
	Offset  int // seconds east of UTC
}

// ParseTimestamp parses "yyyy-MM-dd[T| ]HH:mm[:ss[.f…]]" with an optional
// zone: "Z", "+08:00", "-0530" (Flink prints TIMESTAMP as LocalDateTime
// with a 'T' and TIMESTAMP_LTZ as an Instant ending in 'Z'; SQL literals
// use a space). A bare date means midnight.
func ParseTimestamp(s string) (Timestamp, error) {
	s = strings.TrimSpace(s)
	y, m, d, rest, err := parseDatePart(s)
	if err != nil {
		return Timestamp{}, err
	}
	var ts Timestamp
	ts.Seconds = int64(epochDay(y, m, d)) * 86400
	if rest == "" {
		return ts, nil
	}
	if rest[0] != 'T' && rest[0] != ' ' && rest[0] != 't' {
		return Timestamp{}, errors.New("expected 'T' or a space between date and time")
	}
	nanos, rest, err := parseTimePart(rest[1:])
	if err != nil {
		return Timestamp{}, err
	}
	ts.Seconds += nanos / 1e9
	ts.Nanos = nanos % 1e9
	rest = strings.TrimSpace(rest)
	switch {
	case rest == "":
	case rest == "Z" || rest == "z":
		ts.HasZone = true
	case rest[0] == '+' || rest[0] == '-':
		z := strings.ReplaceAll(rest[1:], ":", "")
		if len(z) != 4 || !allDigits(z) {
			return Timestamp{}, errors.New("expected a zone offset like +08:00")
		}
		off := atoi(z[:2])*3600 + atoi(z[2:])*60
		if rest[0] == '-' {
			off = -off
		}
		ts.HasZone, ts.Offset = true, off
	default:
		return Timestamp{}, errors.New("trailing text after the timestamp")
	}
	return ts, nil
}
