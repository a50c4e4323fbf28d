package expr

import (
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

const (
	nanosPerSecond = int64(1_000_000_000)
	nanosPerDay    = 86400 * nanosPerSecond
	millisPerDay   = int64(86_400_000)
)

// civilDays is the number of days from 1970-01-01 to y-m-d in the proleptic
// Gregorian calendar (java.time's ISO chronology).
func civilDays(y, m, d int) int64 {
	yy := int64(y)
	if m <= 2 {
		yy--
	}
	era := floorDiv(yy, 400)
	yoe := yy - era*400
	mp := int64((m + 9) % 12)
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of civilDays.
func civilFromDays(z int64) (int, int, int) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return int(y), int(m), int(d)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysInMonth(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// splitTicks splits a timestamp in unit u into days since the epoch and
// nanoseconds of the day.
func splitTicks(v int64, u arrow.TimeUnit) (int64, int64) {
	per := unitsPerSecond(u)
	perDay := per * 86400
	days := floorDiv(v, perDay)
	rem := v - days*perDay
	return days, rem * (nanosPerSecond / per)
}

// joinTicks is the inverse of splitTicks (sub-unit nanoseconds truncate).
func joinTicks(days, nanos int64, u arrow.TimeUnit) int64 {
	per := unitsPerSecond(u)
	return days*per*86400 + floorDiv(nanos, nanosPerSecond/per)
}

// convertTicks changes the unit of a timestamp or time value, truncating
// toward the past when the precision shrinks.
// Flink: TimestampToTimestampCastRule truncates to the target precision.
func convertTicks(v int64, from, to arrow.TimeUnit) int64 {
	pf, pt := unitsPerSecond(from), unitsPerSecond(to)
	if pf == pt {
		return v
	}
	if pt > pf {
		return v * (pt / pf)
	}
	return floorDiv(v, pf/pt)
}

func pad(b []byte, v int64, width int) []byte {
	s := strconv.FormatInt(v, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

func appendDate(b []byte, days int64) []byte {
	y, m, d := civilFromDays(days)
	if y < 0 {
		b = append(b, '-')
		y = -y
	}
	b = pad(b, int64(y), 4)
	b = append(b, '-')
	b = pad(b, int64(m), 2)
	b = append(b, '-')
	return pad(b, int64(d), 2)
}

// appendTimeOfDay renders HH:mm:ss with exactly precision fraction digits.
// Flink: DateTimeUtils.timestampToString/timeToString pad the fraction to the
// type's precision.
func appendTimeOfDay(b []byte, nanos int64, precision int) []byte {
	secs := nanos / nanosPerSecond
	b = pad(b, secs/3600, 2)
	b = append(b, ':')
	b = pad(b, secs/60%60, 2)
	b = append(b, ':')
	b = pad(b, secs%60, 2)
	if precision > 0 {
		frac := nanos % nanosPerSecond
		var digits [9]byte
		for i := 8; i >= 0; i-- {
			digits[i] = byte('0' + frac%10)
			frac /= 10
		}
		b = append(b, '.')
		b = append(b, digits[:precision]...)
	}
	return b
}

// appendFlinkTime renders a time of day as Flink's
// DateTimeUtils.unixTimeToString(time, precision) (TIME to STRING, the
// tableau): HH:mm:ss, then for a positive precision a '.' and the fraction's
// digits up to precision, stopping after a digit when the rest is zero —
// 12:00:00.0, 12:00:00.1, 12:00:00.12 for TIME(2) of 12:00:00.123.
func appendFlinkTime(b []byte, nanos int64, precision int) []byte {
	b = appendTimeOfDay(b, nanos, 0)
	if precision <= 0 {
		return b
	}
	b = append(b, '.')
	frac := nanos % nanosPerSecond
	for d := int64(nanosPerSecond / 10); precision > 0 && d > 0; d /= 10 {
		b = append(b, byte('0'+frac/d))
		frac %= d
		if frac == 0 {
			break
		}
		precision--
	}
	return b
}

func appendTimestamp(b []byte, days, nanos int64, precision int) []byte {
	b = appendDate(b, days)
	b = append(b, ' ')
	return appendTimeOfDay(b, nanos, precision)
}

// ltzToLocal turns a UTC instant (unit u) into days and nanoseconds of the
// day of its wall clock in loc.
func ltzToLocal(v int64, u arrow.TimeUnit, loc *time.Location) (int64, int64) {
	if loc == time.UTC {
		return splitTicks(v, u)
	}
	per := unitsPerSecond(u)
	secs := floorDiv(v, per)
	_, off := time.Unix(secs, 0).In(loc).Zone()
	local := v + int64(off)*per
	return splitTicks(local, u)
}

// localToLTZ interprets a wall clock in loc and returns the UTC instant in u.
// Java's LocalDateTime.atZone moves times in a DST gap forward by the gap.
func localToLTZ(days, nanos int64, u arrow.TimeUnit, loc *time.Location) int64 {
	wall := joinTicks(days, nanos, u)
	if loc == time.UTC {
		return wall
	}
	per := unitsPerSecond(u)
	y, m, d := civilFromDays(days)
	sec := nanos / nanosPerSecond
	t := time.Date(y, time.Month(m), d, int(sec/3600), int(sec/60%60), int(sec%60), 0, loc)
	_, off := t.Zone()
	return wall - int64(off)*per
}

// parseDate reads yyyy-[M]M-[d]d; anything after a space or 'T' (a time) is
// ignored. Flink: DateTimeUtils.parseDate trims the input and drops a time
// part.
func parseDate(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " T"); i > 0 {
		s = s[:i]
	}
	return parseDatePart(s)
}

func parseDatePart(s string) (int64, bool) {
	neg := false
	if strings.HasPrefix(s, "-") {
		neg = true
		s = s[1:]
	}
	parts := strings.Split(s, "-")
	if len(parts) != 3 {
		return 0, false
	}
	y, ok1 := atoiDigits(parts[0], 1, 9)
	m, ok2 := atoiDigits(parts[1], 1, 2)
	d, ok3 := atoiDigits(parts[2], 1, 2)
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 {
		return 0, false
	}
	if neg {
		y = -y
	}
	if d > daysInMonth(y, m) {
		return 0, false
	}
	return civilDays(y, m, d), true
}

func atoiDigits(s string, minLen, maxLen int) (int, bool) {
	if len(s) < minLen || len(s) > maxLen {
		return 0, false
	}
	v := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// parseTimeOfDay reads [H]H:[m]m[:[s]s[.fffffffff]] into nanoseconds of the
// day. Flink: DateTimeUtils.parseTime.
func parseTimeOfDay(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	frac := int64(0)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		f := s[i+1:]
		s = s[:i]
		if len(f) == 0 || len(f) > 9 {
			return 0, false
		}
		v, ok := atoiDigits(f, 1, 9)
		if !ok {
			return 0, false
		}
		frac = int64(v)
		for k := len(f); k < 9; k++ {
			frac *= 10
		}
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	h, ok1 := atoiDigits(parts[0], 1, 2)
	m, ok2 := atoiDigits(parts[1], 1, 2)
	sec, ok3 := 0, true
	if len(parts) == 3 {
		sec, ok3 = atoiDigits(parts[2], 1, 2)
	} else if frac != 0 {
		return 0, false
	}
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || sec > 59 {
		return 0, false
	}
	return (int64(h)*3600+int64(m)*60+int64(sec))*nanosPerSecond + frac, true
}

// parseTimestamp reads "yyyy-MM-dd[( |T)HH:mm[:ss[.fffffffff]]]".
// Flink: DateTimeUtils.parseTimestampData (a date alone is midnight).
func parseTimestamp(s string) (int64, int64, bool) {
	s = strings.TrimSpace(s)
	datePart, timePart := s, ""
	if i := strings.IndexAny(s, " T"); i > 0 {
		datePart, timePart = s[:i], strings.TrimSpace(s[i+1:])
	}
	days, ok := parseDatePart(datePart)
	if !ok {
		return 0, 0, false
	}
	if timePart == "" {
		return days, 0, len(datePart) == len(s)
	}
	nanos, ok := parseTimeOfDay(timePart)
	return days, nanos, ok
}
