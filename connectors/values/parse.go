package values

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-stream/sluice/connectors/internal/sqltext"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// Row is one parsed row of the `data` option: its kind and one value per
// column, in the physical form its Arrow builder takes (see appendValue).
type Row struct {
	Kind   vectorized.RowKind
	Values []any
}

// kv is one MAP entry.
type kv struct{ key, value any }

// ParseRows parses rows written in the print format (see the package
// documentation) against the columns' types. loc is the session time zone,
// used for TIMESTAMP_LTZ values written without an offset. Errors name the
// 1-based row number and, for a bad value, the column.
func ParseRows(data string, cols []connector.Column, loc *time.Location) ([]Row, error) {
	p := &parser{s: data}
	var rows []Row
	for n := 1; ; n++ {
		raw, err := p.row(n)
		if err != nil {
			return nil, err
		}
		if raw == nil {
			return rows, nil
		}
		if len(raw.items) != len(cols) {
			return nil, fmt.Errorf("row %d (%s) has %d values, but the table has %d columns (%s)",
				n, p.where(raw.pos), len(raw.items), len(cols), columnNames(cols))
		}
		row := Row{Kind: raw.kind, Values: make([]any, len(cols))}
		for c, col := range cols {
			v, err := convert(raw.items[c], col.Type, loc)
			if err != nil {
				return nil, fmt.Errorf("row %d, column %s (%s): %w", n, col.Name, typeName(col.Type), err)
			}
			row.Values[c] = v
		}
		rows = append(rows, row)
	}
}

func columnNames(cols []connector.Column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

func typeName(t types.DataType) string { return t.Nullable().String() }

// item is one value as written, before its type is known: a scalar (quoted
// or not), a bracketed list ([…] or (…), a row written +I[…]) or a map
// ({k=v, …}).
type item struct {
	pos    int
	raw    string // the source text, trimmed: a scalar's text, or a whole group
	quoted bool
	text   string // the unescaped content of a quoted scalar
	group  byte   // 0, '[', '(' or '{'
	elems  []*item
	keys   []*item
	vals   []*item
}

type rawRow struct {
	pos   int
	kind  vectorized.RowKind
	items []*item
}

type parser struct {
	s   string
	pos int
}

// where is "line L, column C" of a byte offset, for messages.
func (p *parser) where(off int) string {
	line, col := 1, 1
	for i := 0; i < off && i < len(p.s); i++ {
		if p.s[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Sprintf("line %d, column %d", line, col)
}

func (p *parser) errorf(n int, format string, args ...any) error {
	return fmt.Errorf("row %d (%s): %s", n, p.where(p.pos), fmt.Sprintf(format, args...))
}

func (p *parser) peek() byte {
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

func (p *parser) skipSpace() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\r', '\n':
			p.pos++
		default:
			return
		}
	}
}

var rowKinds = []struct {
	text string
	kind vectorized.RowKind
}{{"+I", vectorized.Insert}, {"-U", vectorized.UpdateBefore}, {"+U", vectorized.UpdateAfter}, {"-D", vectorized.Delete}}

// row parses the next row, or returns nil at the end of the data.
func (p *parser) row(n int) (*rawRow, error) {
	// Rows are separated by newlines or ';'.
	for p.pos < len(p.s) && strings.IndexByte(" \t\r\n;", p.s[p.pos]) >= 0 {
		p.pos++
	}
	if p.pos >= len(p.s) {
		return nil, nil
	}
	r := &rawRow{pos: p.pos, kind: vectorized.Insert}
	for _, k := range rowKinds {
		if strings.HasPrefix(p.s[p.pos:], k.text) {
			r.kind = k.kind
			p.pos += len(k.text)
			break
		}
	}
	if p.peek() != '[' {
		return nil, p.errorf(n, "expected a row like +I[v1, v2], -U[…], +U[…] or -D[…]")
	}
	p.pos++
	items, err := p.seq(n, ']')
	if err != nil {
		return nil, err
	}
	r.items = items
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t' || p.s[p.pos] == '\r') {
		p.pos++
	}
	if c := p.peek(); c != 0 && c != '\n' && c != ';' {
		return nil, p.errorf(n, "expected ';' or a new line after the row, found %q", c)
	}
	return r, nil
}

// seq parses comma-separated items up to close; the opening bracket is
// consumed.
func (p *parser) seq(n int, close byte) ([]*item, error) {
	p.skipSpace()
	if p.peek() == close {
		p.pos++
		return nil, nil
	}
	var items []*item
	for {
		it, err := p.item(n, string([]byte{',', close}))
		if err != nil {
			return nil, err
		}
		items = append(items, it)
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.pos++
		case close:
			p.pos++
			return items, nil
		case 0:
			return nil, p.errorf(n, "missing '%c' at the end of the data", close)
		default:
			return nil, p.errorf(n, "expected ',' or '%c', found %q", close, p.peek())
		}
	}
}

// item parses one value; an unquoted scalar ends before any byte of terms.
func (p *parser) item(n int, terms string) (*item, error) {
	p.skipSpace()
	start := p.pos
	it := &item{pos: start}
	var err error
	switch c := p.peek(); {
	case c == '\'':
		it.quoted = true
		if it.text, err = p.quoted(n); err != nil {
			return nil, err
		}
	case c == '[' || c == '(':
		p.pos++
		it.group = '['
		close := byte(']')
		if c == '(' {
			close = ')'
		}
		if it.elems, err = p.seq(n, close); err != nil {
			return nil, err
		}
	case strings.HasPrefix(p.s[p.pos:], "+I["):
		// A nested ROW as Flink prints it: +I[…].
		p.pos += 3
		it.group = '['
		if it.elems, err = p.seq(n, ']'); err != nil {
			return nil, err
		}
	case c == '{':
		p.pos++
		it.group = '{'
		if err = p.mapItems(n, it); err != nil {
			return nil, err
		}
	default:
		for p.pos < len(p.s) && strings.IndexByte(terms, p.s[p.pos]) < 0 {
			p.pos++
		}
	}
	it.raw = strings.TrimSpace(p.s[start:p.pos])
	return it, nil
}

// quoted reads '…' with ” standing for one quote, as in SQL.
func (p *parser) quoted(n int) (string, error) {
	start := p.pos
	p.pos++
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		p.pos++
		if c != '\'' {
			b.WriteByte(c)
			continue
		}
		if p.peek() == '\'' {
			b.WriteByte('\'')
			p.pos++
			continue
		}
		return b.String(), nil
	}
	p.pos = start
	return "", p.errorf(n, "unterminated quoted string")
}

func (p *parser) mapItems(n int, it *item) error {
	p.skipSpace()
	if p.peek() == '}' {
		p.pos++
		return nil
	}
	for {
		k, err := p.item(n, "=,}")
		if err != nil {
			return err
		}
		p.skipSpace()
		if p.peek() != '=' {
			return p.errorf(n, "expected '=' after a map key, found %q", p.peek())
		}
		p.pos++
		v, err := p.item(n, ",}")
		if err != nil {
			return err
		}
		it.keys, it.vals = append(it.keys, k), append(it.vals, v)
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return nil
		default:
			return p.errorf(n, "expected ',' or '}' in a map, found %q", p.peek())
		}
	}
}

// isNull: an unquoted null (any case) is NULL; 'null' quoted is text.
func (it *item) isNull() bool {
	return !it.quoted && it.group == 0 && strings.EqualFold(it.raw, "null")
}

// scalar is the text of a scalar item.
func (it *item) scalar() (string, error) {
	switch {
	case it.quoted:
		return it.text, nil
	case it.group != 0:
		return "", fmt.Errorf("'%s' is a bracketed value, not a single value", it.raw)
	}
	return it.raw, nil
}

// convert turns an item into the physical value of type t.
func convert(it *item, t types.DataType, loc *time.Location) (any, error) {
	if it.isNull() {
		if t.NotNull {
			return nil, errors.New("NULL in a NOT NULL column")
		}
		return nil, nil
	}
	switch t.Kind {
	case types.Array, types.Multiset:
		if it.group != '[' {
			return nil, fmt.Errorf("'%s' is not an array; write [e1, e2, …]", it.raw)
		}
		out := make([]any, len(it.elems))
		for i, e := range it.elems {
			v, err := convert(e, *t.Elem, loc)
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i+1, err)
			}
			out[i] = v
		}
		return out, nil
	case types.Map:
		if it.group != '{' {
			return nil, fmt.Errorf("'%s' is not a map; write {k1=v1, k2=v2}", it.raw)
		}
		out := make([]kv, len(it.keys))
		for i := range it.keys {
			k, err := convert(it.keys[i], *t.Key, loc)
			if err != nil {
				return nil, fmt.Errorf("key %d: %w", i+1, err)
			}
			if k == nil {
				return nil, fmt.Errorf("key %d: NULL map keys cannot be stored in Arrow maps", i+1)
			}
			v, err := convert(it.vals[i], *t.Value, loc)
			if err != nil {
				return nil, fmt.Errorf("value of key %d: %w", i+1, err)
			}
			out[i] = kv{k, v}
		}
		return out, nil
	case types.Row:
		if it.group != '[' {
			return nil, fmt.Errorf("'%s' is not a row; write +I[f1, f2], [f1, f2] or (f1, f2)", it.raw)
		}
		if len(it.elems) != len(t.Fields) {
			return nil, fmt.Errorf("'%s' has %d fields, the row type has %d", it.raw, len(it.elems), len(t.Fields))
		}
		out := make([]any, len(t.Fields))
		for i, f := range t.Fields {
			v, err := convert(it.elems[i], f.Type, loc)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
			out[i] = v
		}
		return out, nil
	case types.Char, types.VarChar:
		// An unquoted string is its trimmed text, brackets and all.
		s := it.raw
		if it.quoted {
			s = it.text
		}
		if n := utf8.RuneCountInString(s); n > t.Length {
			return nil, fmt.Errorf("'%s' has %d characters, more than %s holds", s, n, typeName(t))
		}
		return s, nil
	case types.Binary, types.VarBinary:
		b, err := parseBytes(it)
		if err != nil {
			return nil, err
		}
		if len(b) > t.Length {
			return nil, fmt.Errorf("'%s' has %d bytes, more than %s holds", it.raw, len(b), typeName(t))
		}
		return b, nil
	}
	s, err := it.scalar()
	if err != nil {
		return nil, err
	}
	v, err := scalarValue(strings.TrimSpace(s), t, loc)
	if err != nil {
		msg := fmt.Sprintf("'%s' is not a%s %s", s, article(typeName(t)), typeName(t))
		if err != errNotType {
			msg += " (" + err.Error() + ")"
		}
		return nil, errors.New(msg)
	}
	return v, nil
}

var errNotType = errors.New("not of the type")

func article(name string) string {
	if name != "" && strings.ContainsRune("AEIOU", rune(name[0])) {
		return "n"
	}
	return ""
}

func scalarValue(s string, t types.DataType, loc *time.Location) (any, error) {
	switch t.Kind {
	case types.Boolean:
		switch strings.ToLower(s) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, errNotType
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		bits := map[types.Kind]int{types.TinyInt: 8, types.SmallInt: 16, types.Int: 32, types.BigInt: 64}[t.Kind]
		n, err := strconv.ParseInt(s, 10, bits)
		if err != nil {
			return nil, errNotType
		}
		return n, nil
	case types.Float, types.Double:
		bits := 64
		if t.Kind == types.Float {
			bits = 32
		}
		f, err := strconv.ParseFloat(s, bits)
		if err != nil {
			var ne *strconv.NumError
			if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
				return nil, errors.New("out of range")
			}
			return nil, errNotType
		}
		return f, nil
	case types.Decimal:
		n, err := sqltext.ParseDecimal(s, t.Precision, t.Scale)
		if err != nil {
			return nil, err
		}
		return n, nil
	case types.Date:
		d, err := sqltext.ParseDate(s)
		if err != nil {
			return nil, err
		}
		return d, nil
	case types.Time:
		nanos, err := sqltext.ParseTime(s)
		if err != nil {
			return nil, err
		}
		return toUnit(0, nanos, t)
	case types.Timestamp, types.TimestampLTZ:
		ts, err := sqltext.ParseTimestamp(s)
		if err != nil {
			return nil, err
		}
		secs := ts.Seconds
		switch {
		case t.Kind == types.Timestamp && ts.HasZone:
			return nil, errors.New("a TIMESTAMP has no time zone; drop the zone or use TIMESTAMP_LTZ")
		case t.Kind == types.TimestampLTZ && ts.HasZone:
			secs -= int64(ts.Offset)
		case t.Kind == types.TimestampLTZ:
			// No offset: a wall-clock time in the session time zone.
			wall := time.Unix(secs, 0).UTC()
			secs = time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, loc).Unix()
		}
		return toUnit(secs, ts.Nanos, t)
	case types.IntervalYearMonth:
		return parsePeriod(s)
	case types.IntervalDayTime:
		return parseDuration(s)
	}
	return nil, fmt.Errorf("values cannot hold %s", typeName(t))
}

// toUnit converts seconds and nanoseconds to the Arrow unit of t, refusing
// digits finer than t's precision.
func toUnit(secs, nanos int64, t types.DataType) (int64, error) {
	if q := int64(math.Pow10(9 - min(t.Precision, 9))); nanos%q != 0 {
		return 0, fmt.Errorf("more fractional digits than %s holds", typeName(t))
	}
	var u arrow.TimeUnit
	switch dt := t.Arrow().(type) {
	case *arrow.TimestampType:
		u = dt.Unit
	case *arrow.Time32Type:
		u = dt.Unit
	case *arrow.Time64Type:
		u = dt.Unit
	}
	per := int64([]int64{1, 1e3, 1e6, 1e9}[u])
	if secs > math.MaxInt64/per || secs < math.MinInt64/per {
		return 0, errors.New("out of range")
	}
	return secs*per + nanos/(1e9/per), nil
}

// parseBytes reads BINARY text: Flink's print form [1, -2, 127] (signed
// bytes, 0..255 also accepted) or a SQL hex literal x'01fe'.
func parseBytes(it *item) ([]byte, error) {
	if it.group == '[' {
		out := make([]byte, len(it.elems))
		for i, e := range it.elems {
			s, err := e.scalar()
			if err != nil {
				return nil, err
			}
			n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 16)
			if err != nil || n < -128 || n > 255 {
				return nil, fmt.Errorf("byte %d: '%s' is not a byte (-128..255)", i+1, s)
			}
			out[i] = byte(n)
		}
		return out, nil
	}
	s, err := it.scalar()
	if err != nil {
		return nil, err
	}
	s = strings.TrimSpace(s)
	if len(s) >= 3 && (s[0] == 'x' || s[0] == 'X') && s[1] == '\'' && s[len(s)-1] == '\'' {
		return parseHex(s[2 : len(s)-1])
	}
	if it.quoted {
		// 'x''01''' arrives unescaped as x'01'; a plain quoted text is its
		// UTF-8 bytes.
		return []byte(s), nil
	}
	return nil, fmt.Errorf("'%s' is not binary; write [1, -2, 3] or x'01fe03'", s)
}

func parseHex(h string) ([]byte, error) {
	if len(h)%2 != 0 {
		return nil, fmt.Errorf("x'%s' has an odd number of hex digits", h)
	}
	out := make([]byte, len(h)/2)
	for i := range out {
		n, err := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		if err != nil {
			return nil, fmt.Errorf("x'%s' is not hexadecimal", h)
		}
		out[i] = byte(n)
	}
	return out, nil
}

// parsePeriod reads INTERVAL MONTH: a number of months, or Java's
// Period.toString form (P1Y2M, P-3M, P0D) as Flink prints it.
func parsePeriod(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 32); err == nil {
		return n, nil
	}
	u := strings.ToUpper(s)
	if !strings.HasPrefix(u, "P") || len(u) < 3 {
		return 0, errNotType
	}
	var months int64
	rest := u[1:]
	for rest != "" {
		i := 0
		if rest[0] == '-' || rest[0] == '+' {
			i++
		}
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == len(rest) {
			return 0, errNotType
		}
		n, err := strconv.ParseInt(rest[:i], 10, 32)
		if err != nil {
			return 0, errNotType
		}
		switch rest[i] {
		case 'Y':
			months += n * 12
		case 'M':
			months += n
		case 'D':
			if n != 0 {
				return 0, errors.New("INTERVAL MONTH holds no days")
			}
		default:
			return 0, errNotType
		}
		rest = rest[i+1:]
	}
	if months > math.MaxInt32 || months < math.MinInt32 {
		return 0, errors.New("out of range")
	}
	return months, nil
}

// parseDuration reads INTERVAL SECOND(3): milliseconds, or Java's
// Duration.toString form (PT1H30M, PT-0.5S, P2DT3H) as Flink prints it.
func parseDuration(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	u := strings.ToUpper(s)
	if !strings.HasPrefix(u, "P") {
		return 0, errNotType
	}
	rest := u[1:]
	var ms int64
	inTime := false
	for rest != "" {
		if rest[0] == 'T' {
			inTime = true
			rest = rest[1:]
			continue
		}
		i := 0
		if rest[0] == '-' || rest[0] == '+' {
			i++
		}
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == len(rest) || i == 0 {
			return 0, errNotType
		}
		num := rest[:i]
		unit := rest[i]
		rest = rest[i+1:]
		var perMs int64
		switch {
		case unit == 'D' && !inTime:
			perMs = 86400000
		case unit == 'H' && inTime:
			perMs = 3600000
		case unit == 'M' && inTime:
			perMs = 60000
		case unit == 'S' && inTime:
			d, err := sqltext.ParseDecimal(num, 38, 3)
			if err != nil {
				return 0, errNotType
			}
			b := d.BigInt()
			if !b.IsInt64() {
				return 0, errors.New("out of range")
			}
			ms += b.Int64()
			continue
		default:
			return 0, errNotType
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			return 0, errNotType
		}
		ms += n * perMs
	}
	return ms, nil
}
