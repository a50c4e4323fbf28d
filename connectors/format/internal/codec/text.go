package codec

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/sluice-stream/sluice/connectors/internal/sqltext"
	"github.com/sluice-stream/sluice/table/types"
)

// maxShown is how much of an offending value an error message quotes.
const maxShown = 64

// Shorten is s for a message: at most maxShown bytes, cut at a rune
// boundary and marked with an ellipsis.
func Shorten(s []byte) string {
	if len(s) <= maxShown {
		return string(s)
	}
	cut := maxShown
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return string(s[:cut]) + "…"
}

// badValue is the error for a value that is not of the type: it quotes
// the value and names the type, with why when there is more to say.
func badValue(s []byte, t types.DataType, why string) error {
	name := t.Nullable().String()
	article := "a"
	if strings.ContainsRune("AEIOU", rune(name[0])) {
		article = "an"
	}
	if why == "" {
		return fmt.Errorf("'%s' is not %s %s", Shorten(s), article, name)
	}
	return fmt.Errorf("'%s' is not %s %s (%s)", Shorten(s), article, name, why)
}

// unsafeString views b as a string for functions that only read it during
// the call (strconv, sqltext): no copy on the hot path. The functions'
// errors are replaced by ours, so nothing keeps the string.
func unsafeString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// trimSpace drops ASCII white space at both ends, as Java's String.trim
// does for the numbers Flink parses.
func trimSpace(s []byte) []byte {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// IsBlank reports a value of only white space.
func IsBlank(s []byte) bool { return len(trimSpace(s)) == 0 }

func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

var (
	errSyntax = errors.New("syntax")
	errRange  = errors.New("out of range")
)

// parseInt reads an optionally signed decimal integer, as Java's
// Long.parseLong does.
func parseInt(s []byte) (int64, error) {
	if len(s) == 0 {
		return 0, errSyntax
	}
	neg := false
	switch s[0] {
	case '-':
		neg = true
		s = s[1:]
	case '+':
		s = s[1:]
	}
	if len(s) == 0 {
		return 0, errSyntax
	}
	var u uint64
	if len(s) <= 18 {
		// 18 digits cannot overflow: no check per digit.
		for _, c := range s {
			c -= '0'
			if c > 9 {
				return 0, errSyntax
			}
			u = u*10 + uint64(c)
		}
		if neg {
			return -int64(u), nil
		}
		return int64(u), nil
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, errSyntax
		}
		if u > (math.MaxUint64-9)/10 {
			return 0, errRange
		}
		u = u*10 + uint64(c-'0')
	}
	if neg {
		if u > 1<<63 {
			return 0, errRange
		}
		return -int64(u), nil
	}
	if u > math.MaxInt64 {
		return 0, errRange
	}
	return int64(u), nil
}

// parseFloat reads a number as Java's Double.parseDouble and
// Float.parseFloat do: NaN, Infinity, a trailing type suffix (1.5f), and
// values beyond the range become ±Infinity or ±0 rather than errors.
func parseFloat(s []byte, bits int) (float64, error) {
	if n := len(s); n > 1 {
		switch s[n-1] {
		case 'f', 'F', 'd', 'D':
			if c := s[n-2]; c >= '0' && c <= '9' || c == '.' {
				s = s[:n-1]
			}
		}
	}
	v, err := strconv.ParseFloat(unsafeString(s), bits)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return v, nil
		}
		return 0, errSyntax
	}
	return v, nil
}

var pow10 = func() (p [19]int64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return
}()

// parseDecimal reads s as a DECIMAL(precision, scale) unscaled value,
// rounding extra fraction digits HALF_UP as Flink's
// DecimalData.fromBigDecimal does. Values of up to 18 significant digits
// take an allocation-free path; longer ones go through
// sqltext.ParseDecimal.
func parseDecimal(s []byte, precision, scale int) (decimal128.Num, error) {
	if v, ok := parseSmallDecimal(s, precision, scale); ok {
		return decimal128.FromI64(v), nil
	}
	return sqltext.ParseDecimal(unsafeString(s), precision, scale)
}

func parseSmallDecimal(s []byte, precision, scale int) (int64, bool) {
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var u int64
	digits, frac, seenDot, any := 0, 0, false, false
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			if seenDot {
				return 0, false
			}
			seenDot = true
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		any = true
		if seenDot {
			frac++
		}
		if u == 0 && c == '0' {
			continue
		}
		if digits == 18 {
			return 0, false
		}
		u = u*10 + int64(c-'0')
		digits++
	}
	if !any {
		return 0, false
	}
	exp := 0
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return 0, false
		}
		e, err := parseInt(s[i+1:])
		if err != nil || e > 40 || e < -40 {
			return 0, false
		}
		exp = int(e)
	}
	// value = u × 10^(exp−frac); unscaled = value × 10^scale.
	k := exp - frac + scale
	switch {
	case k > 0:
		if digits+k > 18 {
			return 0, false
		}
		u *= pow10[k]
	case k < 0:
		if -k > 18 {
			u = 0 // below half a unit: rounds to zero
			break
		}
		d := pow10[-k]
		q, r := u/d, u%d
		if 2*r >= d {
			q++
		}
		u = q
	}
	if precision < 19 && u >= pow10[precision] {
		return 0, false // sqltext words the error
	}
	if neg {
		u = -u
	}
	return u, true
}

// ParseText reads Flink's text form of a BOOLEAN: true or false in any
// case, surrounding white space ignored.
func (n *Bools) ParseText(s []byte) error {
	switch t := trimSpace(s); {
	case equalFold(t, "true"):
		n.Push(true)
	case equalFold(t, "false"):
		n.Push(false)
	default:
		return badValue(s, n.t, "")
	}
	return nil
}

// ParseText reads a number, date, time or timestamp in Flink's text form.
func (n *Ints) ParseText(s []byte) error {
	t := trimSpace(s)
	switch n.kind {
	case intPlain:
		v, err := parseInt(t)
		if err == errRange || err == nil && (v < n.min || v > n.max) {
			return badValue(s, n.t, "out of range")
		}
		if err != nil {
			return badValue(s, n.t, "")
		}
		n.Push(v)
	case intDate:
		d, err := sqltext.ParseDate(unsafeString(t))
		if err != nil {
			return badValue(s, n.t, err.Error())
		}
		n.Push(int64(d))
	case intTime:
		nanos, err := sqltext.ParseTime(unsafeString(t))
		if err != nil {
			return badValue(s, n.t, err.Error())
		}
		n.Push(nanos / n.quantum * n.quantum / (1e9 / n.per))
	case intTimestamp, intLTZ:
		ts, err := sqltext.ParseTimestamp(unsafeString(t))
		if err != nil {
			return badValue(s, n.t, err.Error())
		}
		secs := ts.Seconds
		switch {
		case n.kind == intTimestamp && ts.HasZone:
			return badValue(s, n.t, "a TIMESTAMP has no time zone; use TIMESTAMP_LTZ")
		case ts.HasZone:
			secs -= int64(ts.Offset)
		case n.kind == intLTZ:
			// No zone: a wall-clock time in the session time zone.
			w := time.Unix(secs, 0).UTC()
			secs = time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, n.loc).Unix()
		}
		v, ok := toUnit(secs, ts.Nanos/n.quantum*n.quantum, n.per)
		if !ok {
			return badValue(s, n.t, "out of range")
		}
		n.Push(v)
	}
	return nil
}

func toUnit(secs, nanos, per int64) (int64, bool) {
	if secs > math.MaxInt64/per-1 || secs < math.MinInt64/per+1 {
		return 0, false
	}
	return secs*per + nanos/(1e9/per), true
}

// parseNumber reads a JSON number token (isFloat when it has a fraction
// or an exponent) the way Flink's JSON converters do: INT and BIGINT (and
// the intervals) truncate a fractional number, as Jackson's getIntValue
// and getLongValue do; TINYINT and SMALLINT parse the number's text and so
// reject fractions; dates and times are not numbers.
func (n *Ints) parseNumber(text []byte, isFloat bool) error {
	if n.kind != intPlain {
		return badValue(text, n.t, "expected a string")
	}
	if !isFloat {
		return n.ParseText(text)
	}
	switch n.t.Kind {
	case types.TinyInt, types.SmallInt:
		return badValue(text, n.t, "")
	}
	f, err := parseFloat(text, 64)
	if err != nil {
		return badValue(text, n.t, "")
	}
	// Jackson's range check is on the double, before truncation.
	if math.IsNaN(f) || f < float64(n.min) || f > float64(n.max) || f >= 0x1p63 {
		return badValue(text, n.t, "out of range")
	}
	n.Push(int64(f))
	return nil
}

// ParseText reads a FLOAT or DOUBLE as Java's parseFloat/parseDouble do.
func (n *Floats) ParseText(s []byte) error {
	v, err := parseFloat(trimSpace(s), n.bits)
	if err != nil {
		return badValue(s, n.t, "")
	}
	n.Push(v)
	return nil
}

// ParseText reads a DECIMAL as Java's BigDecimal(String) does, rounding
// to the scale HALF_UP.
func (n *Decimals) ParseText(s []byte) error {
	v, err := parseDecimal(trimSpace(s), n.t.Precision, n.t.Scale)
	if err != nil {
		return badValue(s, n.t, err.Error())
	}
	n.Push(v)
	return nil
}

var errUTF8 = errors.New("invalid UTF-8")

// ParseText reads text (which must be UTF-8) as it is, or base64 for
// BINARY/VARBINARY, as Flink's formats (Jackson's binaryValue) do.
func (n *Bytes) ParseText(s []byte) error {
	if n.binary {
		return n.pushBase64(s)
	}
	if !utf8.Valid(s) {
		return badValue(s, n.t, errUTF8.Error())
	}
	n.Push(s)
	return nil
}

func (n *Bytes) pushBase64(s []byte) error {
	dst := n.arena.grow(base64.StdEncoding.DecodedLen(len(s)))
	k, err := base64.StdEncoding.Decode(dst, s)
	if err != nil {
		return badValue(s, n.t, "not base64")
	}
	m := n.arena.Mark()
	n.arena.buf = n.arena.buf[:m+k]
	n.Push(n.arena.Since(m))
	return nil
}
