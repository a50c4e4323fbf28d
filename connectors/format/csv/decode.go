package csv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/connectors/format"
	"github.com/sluice-stream/sluice/connectors/format/internal/codec"
	"github.com/sluice-stream/sluice/table/connector"
)

// Byte classes of unquoted field text.
const (
	clsPlain = iota
	clsDelim
	clsLineBreak
	clsEscape
)

type decoder struct {
	cfg    *config
	cols   []connector.Column
	fields []fieldDecoder
	// The two commonest kinds of column, set without an interface call.
	texts []*textField
	ints  []*scalarField
	nodes []codec.Node
	arena codec.Arena
	class [256]uint8
	ready bool
	// appended is set once the row of the last Parse went to builders.
	appended bool
	// Words of 8 copies of the delimiter and of the escape character
	// (the delimiter again when escapes are off), for scan.
	delimWord, escWord uint64
}

// fieldDecoder pushes one field's value into its column's node. text is
// the field's content with quotes and escapes resolved; quoted tells an
// empty quoted field ("") from an empty one; ascii that text is known to
// be ASCII, so valid UTF-8.
type fieldDecoder interface {
	set(text []byte, quoted, ascii bool) error
}

// NewDecoder implements format.Factory.
func (Factory) NewDecoder(ctx *format.Context) (format.Decoder, error) {
	cfg, err := readConfig(ctx)
	if err != nil {
		return nil, err
	}
	d := &decoder{cfg: cfg, cols: ctx.Columns}
	d.class[cfg.delim] = clsDelim
	d.class['\n'], d.class['\r'] = clsLineBreak, clsLineBreak
	d.delimWord, d.escWord = codec.LowBytes*uint64(cfg.delim), codec.LowBytes*uint64(cfg.delim)
	if cfg.escaping {
		d.class[cfg.escape] = clsEscape
		d.escWord = codec.LowBytes * uint64(cfg.escape)
	}
	for _, c := range ctx.Columns {
		n, err := codec.NewNode(c.Type, ctx.Location, &d.arena)
		if err != nil {
			return nil, columnError(c, err)
		}
		d.nodes = append(d.nodes, n)
		f := newFieldDecoder(cfg, n, &d.arena)
		d.fields = append(d.fields, f)
		text, _ := f.(*textField)
		d.texts = append(d.texts, text)
		var plain *scalarField
		if sf, ok := f.(*scalarField); ok && c.Type.IsIntegral() {
			plain = sf
		}
		d.ints = append(d.ints, plain)
	}
	return d, nil
}

func newFieldDecoder(cfg *config, n codec.Node, arena *codec.Arena) fieldDecoder {
	switch shapeOf(n.Type()) {
	case shapeText:
		return &textField{cfg: cfg, n: n.(*codec.Bytes)}
	case shapeScalar:
		return &scalarField{cfg: cfg, n: n.(codec.Scalar)}
	case shapeArray:
		l := n.(*codec.List)
		return &arrayField{cfg: cfg, n: l, elem: l.Elem().(codec.Scalar)}
	case shapeRow:
		s := n.(*codec.Struct)
		f := &rowField{cfg: cfg, n: s}
		for _, fn := range s.Fields {
			f.fields = append(f.fields, fn.(codec.Scalar))
		}
		return f
	}
	return &jsonField{cfg: cfg, n: n, arena: arena}
}

// Parse implements format.Decoder. A record is one line of fields; a
// trailing line break is dropped, an empty record or (with
// allow-comments) one starting with '#' holds no row.
func (d *decoder) Parse(data []byte) (bool, error) {
	d.ready, d.appended = false, false
	if data == nil {
		return false, nil
	}
	data = trimLineEnd(data)
	if len(data) == 0 || d.cfg.allowComments && data[0] == '#' {
		return false, nil
	}
	d.arena.Reset()
	for _, n := range d.nodes {
		n.Reset()
	}
	pos, col := 0, 0
	for {
		text, quoted, ascii, next, err := d.field(data, pos)
		if err != nil {
			return false, d.errorAt(col, err)
		}
		if col < len(d.fields) {
			var err error
			switch {
			case d.texts[col] != nil:
				err = d.texts[col].set(text, quoted, ascii)
			case d.ints[col] != nil:
				err = d.ints[col].set(text, quoted, ascii)
			default:
				err = d.fields[col].set(text, quoted, ascii)
			}
			if err != nil {
				return false, d.errorAt(col, err)
			}
		}
		col++
		if next >= len(data) {
			break
		}
		pos = next + 1
	}
	if col != len(d.fields) {
		return false, &format.ParseError{Format: Identifier, Err: fmt.Errorf(
			"the record has %d fields, the table has %d (%s)", col, len(d.fields), columnNames(d.cols))}
	}
	d.ready = true
	return true, nil
}

// Append implements format.Decoder. After a failed Parse it appends
// nothing.
func (d *decoder) Append(builders []array.Builder) {
	if !d.ready {
		return
	}
	for i, n := range d.nodes {
		if d.appended {
			n.Rewind() // a second Append of the same row
		}
		n.AppendTo(builders[i], 1)
	}
	d.appended = true
}

func (d *decoder) errorAt(col int, err error) error {
	pe := &format.ParseError{Format: Identifier, Err: err}
	if col < len(d.cols) {
		pe.Column = d.cols[col].Name
	}
	return pe
}

func columnNames(cols []connector.Column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// trimLineEnd drops one record terminator: \r\n, \n or \r.
func trimLineEnd(data []byte) []byte {
	n := len(data)
	if n > 0 && data[n-1] == '\n' {
		n--
	}
	if n > 0 && data[n-1] == '\r' {
		n--
	}
	return data[:n]
}

var (
	errLineBreak    = errors.New("line break in an unquoted value (quote the value)")
	errUnterminated = errors.New("quoted value without its closing quote")
	errEscapeAtEnd  = errors.New("escape character at the end of the record")
)

// field reads the field that starts at pos and returns its content and
// the position of the delimiter after it (len(data) for the last field).
// Content without quotes to undouble or escapes to resolve points into
// data; the rest is copied to the arena.
func (d *decoder) field(data []byte, pos int) (text []byte, quoted, ascii bool, next int, err error) {
	if d.cfg.quoting && pos < len(data) && data[pos] == d.cfg.quote {
		text, next, err = d.quotedField(data, pos)
		return text, true, false, next, err
	}
	end, ascii := d.scan(data, pos)
	if end == len(data) {
		return data[pos:end:end], false, ascii, end, nil
	}
	switch d.class[data[end]] {
	case clsDelim:
		return data[pos:end:end], false, ascii, end, nil
	case clsLineBreak:
		return nil, false, false, 0, errLineBreak
	}
	text, next, err = d.escapedField(data, pos, end)
	return text, false, false, next, err
}

// scan finds the first delimiter, line break or escape character at or
// after i (len(data) when there is none), and reports whether the bytes
// before it are ASCII: the text of such a field is valid UTF-8 without a
// second look. It tests eight bytes at a time for the delimiter, the
// escape, a control character or a non-ASCII byte, and looks at the bytes
// one by one only from the first such byte of a word.
func (d *decoder) scan(data []byte, i int) (int, bool) {
	ascii := true
	for i+8 <= len(data) {
		w := binary.LittleEndian.Uint64(data[i:])
		m := codec.ZeroBytes(w^d.delimWord) | codec.BelowSpace(w) | w&codec.HighBytes
		if d.cfg.escaping {
			m |= codec.ZeroBytes(w ^ d.escWord)
		}
		if m == 0 {
			i += 8
			continue
		}
		end := i + 8
		for i += bits.TrailingZeros64(m) >> 3; i < end; i++ {
			c := data[i]
			if d.class[c] != clsPlain {
				return i, ascii
			}
			if c >= 0x80 {
				ascii = false
			}
		}
	}
	for ; i < len(data); i++ {
		c := data[i]
		if d.class[c] != clsPlain {
			return i, ascii
		}
		if c >= 0x80 {
			ascii = false
		}
	}
	return len(data), ascii
}

// escapedField continues an unquoted field at its first escape
// character, copying the content into the arena.
func (d *decoder) escapedField(data []byte, pos, i int) ([]byte, int, error) {
	mark := d.arena.Mark()
	d.arena.Append(data[pos:i]...)
	for i < len(data) {
		switch c := data[i]; d.class[c] {
		case clsDelim:
			return d.arena.Since(mark), i, nil
		case clsLineBreak:
			return nil, 0, errLineBreak
		case clsEscape:
			if i+1 == len(data) {
				return nil, 0, errEscapeAtEnd
			}
			d.arena.Append(unescape(data[i+1]))
			i += 2
		default:
			d.arena.Append(c)
			i++
		}
	}
	return d.arena.Since(mark), len(data), nil
}

// unescape is the character an escape sequence stands for: Jackson's CSV
// decoder reads \n, \r, \t and \0 as control characters and any other
// escaped character as itself.
func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case '0':
		return 0
	}
	return c
}

func (d *decoder) quotedField(data []byte, pos int) ([]byte, int, error) {
	q, start := d.cfg.quote, pos+1
	j := bytes.IndexByte(data[start:], q)
	if d.cfg.escaping {
		scope := data[start:]
		if j >= 0 {
			scope = scope[:j]
		}
		if k := bytes.IndexByte(scope, d.cfg.escape); k >= 0 {
			return d.quotedSlow(data, start, start+k)
		}
	}
	if j < 0 {
		return nil, 0, errUnterminated
	}
	j += start
	if j+1 < len(data) && data[j+1] == q {
		return d.quotedSlow(data, start, j)
	}
	return d.closeQuoted(data, data[start:j:j], j+1)
}

// quotedSlow continues a quoted field at its first doubled quote or
// escape, copying the content into the arena.
func (d *decoder) quotedSlow(data []byte, start, i int) ([]byte, int, error) {
	q := d.cfg.quote
	mark := d.arena.Mark()
	d.arena.Append(data[start:i]...)
	for i < len(data) {
		c := data[i]
		switch {
		case d.cfg.escaping && c == d.cfg.escape:
			if i+1 == len(data) {
				return nil, 0, errUnterminated
			}
			d.arena.Append(unescape(data[i+1]))
			i += 2
		case c == q && i+1 < len(data) && data[i+1] == q:
			d.arena.Append(q)
			i += 2
		case c == q:
			return d.closeQuoted(data, d.arena.Since(mark), i+1)
		default:
			d.arena.Append(c)
			i++
		}
	}
	return nil, 0, errUnterminated
}

// closeQuoted checks that a delimiter or the end follows the closing
// quote at end-1.
func (d *decoder) closeQuoted(data, text []byte, end int) ([]byte, int, error) {
	if end < len(data) && data[end] != d.cfg.delim {
		return nil, 0, fmt.Errorf("'%c' after the closing quote of a value (a delimiter must follow it)", data[end])
	}
	return text, end, nil
}

// textField is a CHAR/VARCHAR (UTF-8 text) or BINARY/VARBINARY (base64)
// column: an empty field is the empty value, only null-literal is NULL.
type textField struct {
	cfg *config
	n   *codec.Bytes
}

func (f *textField) set(text []byte, quoted, ascii bool) error {
	if !quoted && f.cfg.hasNull && f.cfg.isNull(text) {
		return f.n.PushNull()
	}
	if ascii && !f.n.Binary() {
		f.n.Push(text)
		return nil
	}
	return f.n.ParseText(text)
}

// scalarField is any other scalar column: an empty (or blank) field is
// NULL, as Jackson reads empty NUMBER and BOOLEAN columns.
type scalarField struct {
	cfg *config
	n   codec.Scalar
}

func (f *scalarField) set(text []byte, quoted, _ bool) error {
	if len(text) == 0 || text[0] <= ' ' && codec.IsBlank(text) || !quoted && f.cfg.hasNull && f.cfg.isNull(text) {
		return f.n.PushNull()
	}
	return f.n.ParseText(text)
}

// setElement reads one ARRAY element or ROW field: null-literal is NULL,
// and so is an empty one of a non-string type.
func setElement(cfg *config, n codec.Scalar, text []byte) error {
	if cfg.isNull(text) || !isText(n.Type()) && codec.IsBlank(text) {
		return n.PushNull()
	}
	return n.ParseText(text)
}

// arrayField is an ARRAY of flat elements joined by
// array-element-delimiter. An empty field is NULL, an empty quoted field
// the empty array.
type arrayField struct {
	cfg  *config
	n    *codec.List
	elem codec.Scalar
}

func (f *arrayField) set(text []byte, quoted, _ bool) error {
	if !quoted && (len(text) == 0 || f.cfg.isNull(text)) {
		return f.n.PushNull()
	}
	count := 0
	for len(text) > 0 {
		part := text
		k := bytes.IndexByte(text, f.cfg.arrayDelim)
		if k >= 0 {
			part = text[:k:k]
		}
		if err := setElement(f.cfg, f.elem, part); err != nil {
			return fmt.Errorf("element %d: %w", count+1, err)
		}
		count++
		if k < 0 {
			break
		}
		if text = text[k+1:]; len(text) == 0 {
			// A trailing delimiter ends in an empty element.
			if err := setElement(f.cfg, f.elem, text); err != nil {
				return fmt.Errorf("element %d: %w", count+1, err)
			}
			count++
		}
	}
	f.n.Push(count)
	return nil
}

// rowField is a ROW of flat fields joined by array-element-delimiter, in
// order. An empty field is NULL.
type rowField struct {
	cfg    *config
	n      *codec.Struct
	fields []codec.Scalar
}

func (f *rowField) set(text []byte, quoted, _ bool) error {
	if !quoted && (len(text) == 0 || f.cfg.isNull(text)) {
		return f.n.PushNull()
	}
	parts := bytes.Count(text, []byte{f.cfg.arrayDelim}) + 1
	if parts != len(f.fields) {
		return fmt.Errorf("'%s' has %d fields, the ROW has %d", codec.Shorten(text), parts, len(f.fields))
	}
	for i, n := range f.fields {
		part := text
		if k := bytes.IndexByte(text, f.cfg.arrayDelim); k >= 0 {
			part, text = text[:k:k], text[k+1:]
		}
		if err := setElement(f.cfg, n, part); err != nil {
			return fmt.Errorf("field %s: %w", f.n.Names[i], err)
		}
	}
	f.n.Push()
	return nil
}

// jsonField is Sluice's extension for what Flink's CSV cannot hold (MAP,
// nested ARRAY and ROW): the value's JSON text. An empty field is NULL.
type jsonField struct {
	cfg   *config
	n     codec.Node
	arena *codec.Arena
	r     codec.JSONReader
}

func (f *jsonField) set(text []byte, quoted, _ bool) error {
	if !quoted && (len(text) == 0 || f.cfg.isNull(text)) {
		return f.n.PushNull()
	}
	f.r.Reset(text, f.arena)
	if err := f.r.Read(f.n); err != nil {
		return err
	}
	if !f.r.AtEnd() {
		return fmt.Errorf("text after the JSON value: '%s'", codec.Shorten(f.r.Rest()))
	}
	return nil
}
