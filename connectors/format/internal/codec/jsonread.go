package codec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"unicode/utf8"
)

// maxDepth bounds the nesting of arrays and objects, as Jackson's
// StreamReadConstraints do (1000 by default), so that hostile input
// cannot exhaust the stack.
const maxDepth = 1000

// JSONReader reads JSON text into nodes straight from the bytes: no
// intermediate tree, no []any, no map per object. Strings without escapes
// are not copied; the nodes point into the input.
type JSONReader struct {
	data  []byte
	pos   int
	arena *Arena
	depth int
	// FailOnMissingField makes an object that lacks one of the row's
	// fields an error rather than a NULL (Flink's fail-on-missing-field).
	FailOnMissingField bool
}

// Reset starts reading data; copies go to arena.
func (r *JSONReader) Reset(data []byte, arena *Arena) {
	r.data, r.pos, r.arena, r.depth = data, 0, arena, 0
}

// Peek skips white space and returns the next byte, 0 at the end.
func (r *JSONReader) Peek() byte {
	for r.pos < len(r.data) {
		switch c := r.data[r.pos]; c {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return c
		}
	}
	return 0
}

// AtEnd skips white space and reports whether everything was read.
func (r *JSONReader) AtEnd() bool { return r.Peek() == 0 && r.pos >= len(r.data) }

// ReadNull consumes a null literal if one comes next.
func (r *JSONReader) ReadNull() (bool, error) {
	if r.Peek() != 'n' {
		return false, nil
	}
	return true, r.literal("null")
}

// Read reads one value into n.
func (r *JSONReader) Read(n Node) error { return n.readJSON(r) }

// Rest is what follows the current position, for messages.
func (r *JSONReader) Rest() []byte { return r.data[r.pos:] }

// syntaxError is malformed JSON at a byte offset of the text.
type syntaxError struct {
	offset int
	msg    string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.offset, e.msg)
}

func (r *JSONReader) errAt(off int, format string, args ...any) error {
	return &syntaxError{offset: off, msg: fmt.Sprintf(format, args...)}
}

// unexpected is the error for the byte at the current position.
func (r *JSONReader) unexpected(what string) error {
	if r.pos >= len(r.data) {
		return r.errAt(r.pos, "expected %s, found the end of the text", what)
	}
	c := r.data[r.pos]
	if c < 0x20 || c >= 0x7f {
		return r.errAt(r.pos, "expected %s, found byte 0x%02x", what, c)
	}
	return r.errAt(r.pos, "expected %s, found '%c'", what, c)
}

func (r *JSONReader) literal(word string) error {
	if !bytes.HasPrefix(r.data[r.pos:], []byte(word)) {
		return r.unexpected("a value")
	}
	r.pos += len(word)
	return nil
}

func (r *JSONReader) enter() error {
	r.depth++
	if r.depth > maxDepth {
		return r.errAt(r.pos, "nested more than %d levels deep", maxDepth)
	}
	r.pos++
	return nil
}

// str reads a string at the current '"' and returns its content, which
// points into the input unless it had escapes. It tests eight bytes at a
// time for a quote, a backslash, a control character or a non-ASCII byte.
func (r *JSONReader) str() ([]byte, error) {
	d := r.data
	start := r.pos + 1
	ascii := true
	i := start
	for {
		for i+8 <= len(d) {
			w := binary.LittleEndian.Uint64(d[i:])
			m := ZeroBytes(w^quoteWord) | ZeroBytes(w^backslashWord) | BelowSpace(w) | w&HighBytes
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) >> 3
			break
		}
		if i >= len(d) {
			return nil, r.errAt(len(d), "unterminated string")
		}
		switch c := d[i]; {
		case c == '"':
			s := d[start:i:i]
			if !ascii && !utf8.Valid(s) {
				return nil, r.errAt(start, "invalid UTF-8 in a string")
			}
			r.pos = i + 1
			return s, nil
		case c == '\\':
			return r.strEscaped(start, i)
		case c < 0x20:
			return nil, r.errAt(i, "control character 0x%02x in a string (escape it)", c)
		case c >= 0x80:
			ascii = false
		}
		i++
	}
}

// Word-at-a-time byte tests (SWAR) for the scanners of JSON strings and
// CSV fields: a uint64 read from eight input bytes holds one byte per lane.
const (
	LowBytes      = 0x0101010101010101 // 0x01 in every lane
	HighBytes     = 0x8080808080808080 // 0x80 in every lane: non-ASCII bytes
	quoteWord     = '"' * LowBytes
	backslashWord = '\\' * LowBytes
)

// ZeroBytes marks (with its high bit) the first zero byte of w; lanes
// after it may be marked wrongly, which does not matter for finding it.
// ZeroBytes(w ^ c*LowBytes) finds the byte c.
func ZeroBytes(w uint64) uint64 { return (w - LowBytes) &^ w & HighBytes }

// BelowSpace marks the first byte of w below 0x20, like ZeroBytes.
func BelowSpace(w uint64) uint64 { return (w - 0x20*LowBytes) &^ w & HighBytes }

func (r *JSONReader) strEscaped(start, i int) ([]byte, error) {
	a := r.arena
	mark := a.Mark()
	a.Append(r.data[start:i]...)
	for i < len(r.data) {
		c := r.data[i]
		switch {
		case c == '"':
			s := a.Since(mark)
			if !utf8.Valid(s) {
				return nil, r.errAt(start, "invalid UTF-8 in a string")
			}
			r.pos = i + 1
			return s, nil
		case c < 0x20:
			return nil, r.errAt(i, "control character 0x%02x in a string (escape it)", c)
		case c != '\\':
			a.Append(c)
			i++
			continue
		}
		if i+1 >= len(r.data) {
			break
		}
		e := r.data[i+1]
		i += 2
		switch e {
		case '"', '\\', '/':
			a.Append(e)
		case 'b':
			a.Append('\b')
		case 'f':
			a.Append('\f')
		case 'n':
			a.Append('\n')
		case 'r':
			a.Append('\r')
		case 't':
			a.Append('\t')
		case 'u':
			ch, ok := hex4(r.data[i:])
			if !ok {
				return nil, r.errAt(i-2, "bad \\u escape")
			}
			i += 4
			if ch >= 0xd800 && ch < 0xdc00 {
				// A surrogate pair is one code point; a lone surrogate
				// has none in UTF-8 and becomes U+FFFD.
				if lo, ok := hex4(r.data[min(i+2, len(r.data)):]); ok && r.data[i] == '\\' && r.data[i+1] == 'u' && lo >= 0xdc00 && lo < 0xe000 {
					ch = 0x10000 + (ch-0xd800)<<10 + (lo - 0xdc00)
					i += 6
				} else {
					ch = utf8.RuneError
				}
			} else if ch >= 0xdc00 && ch < 0xe000 {
				ch = utf8.RuneError
			}
			a.buf = utf8.AppendRune(a.buf, ch)
		default:
			return nil, r.errAt(i-2, "bad escape '\\%c'", e)
		}
	}
	return nil, r.errAt(len(r.data), "unterminated string")
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var v rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// number reads a number token; isFloat when it has a fraction or an
// exponent.
func (r *JSONReader) number() (text []byte, isFloat bool, err error) {
	d, start := r.data, r.pos
	i := start
	digits := func() bool {
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case !digits():
		r.pos = i
		return nil, false, r.unexpected("a digit")
	}
	if i < len(d) && d[i] == '.' {
		i++
		isFloat = true
		if !digits() {
			r.pos = i
			return nil, false, r.unexpected("a digit after the decimal point")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		isFloat = true
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if !digits() {
			r.pos = i
			return nil, false, r.unexpected("a digit in the exponent")
		}
	}
	r.pos = i
	return d[start:i:i], isFloat, nil
}

// Skip reads over one value of any shape, checking its syntax.
func (r *JSONReader) Skip() error {
	switch c := r.Peek(); {
	case c == '"':
		_, err := r.str()
		return err
	case c == 't':
		return r.literal("true")
	case c == 'f':
		return r.literal("false")
	case c == 'n':
		return r.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		_, _, err := r.number()
		return err
	case c == '[':
		if err := r.enter(); err != nil {
			return err
		}
		if r.Peek() == ']' {
			r.pos++
			r.depth--
			return nil
		}
		for {
			if err := r.Skip(); err != nil {
				return err
			}
			switch r.Peek() {
			case ',':
				r.pos++
			case ']':
				r.pos++
				r.depth--
				return nil
			default:
				return r.unexpected("',' or ']'")
			}
		}
	case c == '{':
		if err := r.enter(); err != nil {
			return err
		}
		if r.Peek() == '}' {
			r.pos++
			r.depth--
			return nil
		}
		for {
			if r.Peek() != '"' {
				return r.unexpected("a field name")
			}
			if _, err := r.str(); err != nil {
				return err
			}
			if r.Peek() != ':' {
				return r.unexpected("':'")
			}
			r.pos++
			if err := r.Skip(); err != nil {
				return err
			}
			switch r.Peek() {
			case ',':
				r.pos++
			case '}':
				r.pos++
				r.depth--
				return nil
			default:
				return r.unexpected("',' or '}'")
			}
		}
	}
	return r.unexpected("a value")
}

type token uint8

const (
	tNull token = iota
	tTrue
	tFalse
	tInt
	tFloat
	tString
	tObject
	tArray
)

var (
	trueText  = []byte("true")
	falseText = []byte("false")
)

// scalar reads the next value as one token. An object or an array is
// skipped and returned as its raw text.
func (r *JSONReader) scalar() (token, []byte, error) {
	switch c := r.Peek(); {
	case c == '"':
		s, err := r.str()
		return tString, s, err
	case c == 'n':
		return tNull, nil, r.literal("null")
	case c == 't':
		return tTrue, trueText, r.literal("true")
	case c == 'f':
		return tFalse, falseText, r.literal("false")
	case c == '-' || c >= '0' && c <= '9':
		text, isFloat, err := r.number()
		if isFloat {
			return tFloat, text, err
		}
		return tInt, text, err
	case c == '{' || c == '[':
		start := r.pos
		err := r.Skip()
		if c == '{' {
			return tObject, r.data[start:r.pos], err
		}
		return tArray, r.data[start:r.pos], err
	}
	return tNull, nil, r.unexpected("a value")
}

// wrongToken is the error for a token that cannot be a value of n's type.
func wrongToken(tok token, text []byte, n Node) error {
	switch tok {
	case tObject:
		return fmt.Errorf("expected %s, found an object", describe(n))
	case tArray:
		return fmt.Errorf("expected %s, found an array", describe(n))
	}
	return badValue(text, n.Type(), "")
}

func describe(n Node) string {
	name := n.Type().Nullable().String()
	if name[0] == 'A' || name[0] == 'I' {
		return "an " + name
	}
	return "a " + name
}

func (n *Nulls) readJSON(r *JSONReader) error {
	if err := r.Skip(); err != nil {
		return err
	}
	return n.PushNull()
}

func (n *Bools) readJSON(r *JSONReader) error {
	tok, text, err := r.scalar()
	switch {
	case err != nil:
		return err
	case tok == tNull:
		return n.PushNull()
	case tok == tTrue || tok == tFalse:
		n.Push(tok == tTrue)
		return nil
	case tok == tString:
		return n.ParseText(text)
	}
	return wrongToken(tok, text, n)
}

func (n *Ints) readJSON(r *JSONReader) error {
	tok, text, err := r.scalar()
	switch {
	case err != nil:
		return err
	case tok == tNull:
		return n.PushNull()
	case tok == tInt || tok == tFloat:
		return n.parseNumber(text, tok == tFloat)
	case tok == tString:
		return n.ParseText(text)
	}
	return wrongToken(tok, text, n)
}

func (n *Floats) readJSON(r *JSONReader) error {
	tok, text, err := r.scalar()
	switch {
	case err != nil:
		return err
	case tok == tNull:
		return n.PushNull()
	case tok == tInt || tok == tFloat || tok == tString:
		return n.ParseText(text)
	}
	return wrongToken(tok, text, n)
}

func (n *Decimals) readJSON(r *JSONReader) error {
	tok, text, err := r.scalar()
	switch {
	case err != nil:
		return err
	case tok == tNull:
		return n.PushNull()
	case tok == tInt || tok == tFloat || tok == tString:
		return n.ParseText(text)
	}
	return wrongToken(tok, text, n)
}

// readJSON takes any scalar's text for a string column, and an object or
// an array as its compact JSON text, as Flink's convertToString does.
func (n *Bytes) readJSON(r *JSONReader) error {
	tok, text, err := r.scalar()
	switch {
	case err != nil:
		return err
	case tok == tNull:
		return n.PushNull()
	case n.binary && tok == tString:
		return n.pushBase64(text)
	case n.binary:
		return wrongToken(tok, text, n)
	case tok == tObject || tok == tArray:
		n.Push(compact(r.arena, text))
	default:
		n.Push(text)
	}
	return nil
}

// compact copies JSON text without the white space between tokens.
func compact(a *Arena, text []byte) []byte {
	mark := a.Mark()
	inStr, esc := false, false
	for _, c := range text {
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case !inStr && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			continue
		}
		a.Append(c)
	}
	return a.Since(mark)
}

func (n *List) readJSON(r *JSONReader) error {
	switch r.Peek() {
	case 'n':
		if err := r.literal("null"); err != nil {
			return err
		}
		return n.PushNull()
	case '[':
	default:
		_, text, err := r.scalar()
		if err != nil {
			return err
		}
		return fmt.Errorf("expected %s, found '%s'", describe(n), Shorten(text))
	}
	if err := r.enter(); err != nil {
		return err
	}
	count := 0
	if r.Peek() == ']' {
		r.pos++
	} else {
		for {
			if err := n.elem.readJSON(r); err != nil {
				return fmt.Errorf("element %d: %w", count+1, err)
			}
			count++
			switch r.Peek() {
			case ',':
				r.pos++
				continue
			case ']':
				r.pos++
			default:
				return r.unexpected("',' or ']'")
			}
			break
		}
	}
	r.depth--
	n.Push(count)
	return nil
}

func (n *Map) readJSON(r *JSONReader) error {
	switch r.Peek() {
	case 'n':
		if err := r.literal("null"); err != nil {
			return err
		}
		return n.PushNull()
	case '{':
	default:
		_, text, err := r.scalar()
		if err != nil {
			return err
		}
		return fmt.Errorf("expected %s, found '%s'", describe(n), Shorten(text))
	}
	if err := r.enter(); err != nil {
		return err
	}
	base := n.keys.Len()
	n.keyText = n.keyText[:0]
	clear(n.keyIndex)
	var drops [8]int
	dropped := drops[:0]
	count := 0
	if r.Peek() == '}' {
		r.pos++
	} else {
		for {
			if r.Peek() != '"' {
				return r.unexpected("a key")
			}
			key, err := r.str()
			if err != nil {
				return err
			}
			if r.Peek() != ':' {
				return r.unexpected("':'")
			}
			r.pos++
			if err := n.pushKey(r, key); err != nil {
				return fmt.Errorf("key '%s': %w", Shorten(key), err)
			}
			id := n.keyID(key)
			if j := n.findKey(id); j >= 0 {
				dropped = append(dropped, j)
				n.keyText[j] = nil
			}
			n.addKey(id, count)
			if err := n.items.readJSON(r); err != nil {
				return fmt.Errorf("value of key '%s': %w", Shorten(key), err)
			}
			count++
			switch r.Peek() {
			case ',':
				r.pos++
				continue
			case '}':
				r.pos++
			default:
				return r.unexpected("',' or '}'")
			}
			break
		}
	}
	r.depth--
	n.Push(count)
	for _, j := range dropped {
		n.dropped[base+j] = true
		n.drops++
	}
	return nil
}

// keyID identifies the key just pushed by its value, so that "1" and "01"
// are one INT key: a scalar's value bytes, a complex key's compact JSON
// text.
func (n *Map) keyID(text []byte) []byte {
	if k, ok := n.keys.(interface{ id(i int, a *Arena) []byte }); ok {
		return k.id(n.keys.Len()-1, n.arena)
	}
	return compact(n.arena, text)
}

// findKey finds an earlier live entry of the map value being read with
// the same key.
func (n *Map) findKey(key []byte) int {
	if n.keyIndex != nil && len(n.keyText) > 16 {
		if j, ok := n.keyIndex[string(key)]; ok && n.keyText[j] != nil {
			return j
		}
		return -1
	}
	for j, k := range n.keyText {
		if k != nil && bytes.Equal(k, key) {
			return j
		}
	}
	return -1
}

func (n *Map) addKey(key []byte, j int) {
	n.keyText = append(n.keyText, key)
	if len(n.keyText) <= 16 {
		return
	}
	// Long maps: index the keys rather than compare with each.
	if n.keyIndex == nil {
		n.keyIndex = map[string]int{}
	}
	if len(n.keyIndex) == 0 {
		for i, k := range n.keyText {
			if k != nil {
				n.keyIndex[string(k)] = i
			}
		}
		return
	}
	n.keyIndex[string(key)] = j
}

// pushKey reads a key: the text itself for CHAR/VARCHAR keys (Flink's
// only kind), Sluice's extension for the others — the key's text form,
// or for a complex key its JSON text.
func (n *Map) pushKey(r *JSONReader, key []byte) error {
	switch k := n.keys.(type) {
	case *Bytes:
		if !k.binary {
			k.Push(key)
			return nil
		}
		return k.ParseText(key)
	case Scalar:
		return k.ParseText(key)
	}
	if n.sub == nil {
		n.sub = &JSONReader{}
	}
	sub := n.sub
	sub.Reset(key, r.arena)
	sub.FailOnMissingField = r.FailOnMissingField
	if err := n.keys.readJSON(sub); err != nil {
		return err
	}
	if !sub.AtEnd() {
		return sub.unexpected("the end of the key")
	}
	return nil
}

func (n *Struct) readJSON(r *JSONReader) error {
	switch r.Peek() {
	case 'n':
		if err := r.literal("null"); err != nil {
			return err
		}
		return n.PushNull()
	case '{':
	default:
		_, text, err := r.scalar()
		if err != nil {
			return err
		}
		return fmt.Errorf("expected %s, found '%s'", describe(n), Shorten(text))
	}
	field, err := n.Row.ReadJSONObject(r)
	if err != nil {
		if field >= 0 {
			return fmt.Errorf("field %s: %w", n.Names[field], err)
		}
		return err
	}
	n.Push()
	return nil
}

var errMissing = errors.New("missing")

// keyAt reports whether the JSON string content at data[i:] is field f's
// name followed by the closing quote.
func (row *Row) keyAt(data []byte, i, f int) bool {
	name := row.names[f]
	end := i + len(name)
	return end < len(data) && data[end] == '"' && bytes.Equal(data[i:end], name)
}

// ReadJSONObject reads an object into the row's fields, one value each:
// fields are matched by exact name, unknown ones skipped, a repeated one
// keeps its last value (as Jackson does), a missing one is NULL or, with
// FailOnMissingField, an error. field is the index of the field an error
// is about, or -1.
func (row *Row) ReadJSONObject(r *JSONReader) (field int, err error) {
	if r.Peek() != '{' {
		return -1, r.unexpected("an object")
	}
	if err := r.enter(); err != nil {
		return -1, err
	}
	clear(row.seen)
	next := 0 // fields usually come in order: try the next one first
	if r.Peek() == '}' {
		r.pos++
	} else {
		for {
			if r.Peek() != '"' {
				return -1, r.unexpected("a field name")
			}
			idx := -1
			if next < len(row.names) && row.plain[next] && row.keyAt(r.data, r.pos+1, next) {
				// The expected field, written without escapes: no need to
				// read the name as a string.
				idx = next
				r.pos += len(row.names[next]) + 2
			} else {
				key, err := r.str()
				if err != nil {
					return -1, err
				}
				if i, ok := row.index[string(key)]; ok {
					idx = i
				}
			}
			if r.Peek() != ':' {
				return -1, r.unexpected("':'")
			}
			r.pos++
			if idx < 0 {
				if err := r.Skip(); err != nil {
					return -1, err
				}
			} else {
				f := row.Fields[idx]
				if row.seen[idx] {
					f.Truncate(f.Len() - 1)
				}
				if err := f.readJSON(r); err != nil {
					return idx, err
				}
				row.seen[idx] = true
				next = idx + 1
			}
			switch r.Peek() {
			case ',':
				r.pos++
				continue
			case '}':
				r.pos++
			default:
				return -1, r.unexpected("',' or '}'")
			}
			break
		}
	}
	r.depth--
	for i, seen := range row.seen {
		if seen {
			continue
		}
		if r.FailOnMissingField {
			return i, fmt.Errorf("could not find field with name '%s'", row.Names[i])
		}
		if err := row.Fields[i].PushNull(); err != nil {
			return i, fmt.Errorf("%w, and the column is NOT NULL", errMissing)
		}
	}
	return -1, nil
}
