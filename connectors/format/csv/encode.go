package csv

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/connectors/format"
	"github.com/sluice-stream/sluice/connectors/format/internal/codec"
	"github.com/sluice-stream/sluice/table/connector"
)

type encoder struct {
	cfg     *config
	cols    []connector.Column
	writers []codec.ValueWriter
	shapes  []shape
	json    *codec.JSONWriters
	special [256]bool // bytes that make a value need quotes (or escapes)
	scratch []byte
}

// NewEncoder implements format.Factory.
func (Factory) NewEncoder(ctx *format.Context) (format.Encoder, error) {
	cfg, err := readConfig(ctx)
	if err != nil {
		return nil, err
	}
	text := codec.TextOptions{PlainDecimals: cfg.plainDecimals}
	e := &encoder{cfg: cfg, cols: ctx.Columns, json: &codec.JSONWriters{Options: codec.JSONOptions{TextOptions: text}}}
	e.special[cfg.delim], e.special['\n'], e.special['\r'] = true, true, true
	if cfg.quoting {
		e.special[cfg.quote] = true
	}
	if cfg.escaping {
		e.special[cfg.escape] = true
	}
	for _, c := range ctx.Columns {
		sh := shapeOf(c.Type)
		var w codec.ValueWriter
		switch sh {
		case shapeScalar, shapeText:
			w, err = codec.NewTextWriter(c.Type, text)
		case shapeArray:
			var elem codec.ValueWriter
			if elem, err = codec.NewTextWriter(*c.Type.Elem, text); err == nil {
				w = arrayWriter(cfg, elem)
			}
		case shapeRow:
			fields := make([]codec.ValueWriter, len(c.Type.Fields))
			for i, f := range c.Type.Fields {
				if fields[i], err = codec.NewTextWriter(f.Type, text); err != nil {
					break
				}
			}
			w = rowWriter(cfg, fields)
		case shapeJSON:
			w, err = e.json.New(c.Type)
		}
		if err != nil {
			return nil, columnError(c, err)
		}
		e.writers = append(e.writers, w)
		e.shapes = append(e.shapes, sh)
	}
	return e, nil
}

// arrayWriter joins the elements' text with array-element-delimiter; a
// NULL element is null-literal, or nothing.
func arrayWriter(cfg *config, elem codec.ValueWriter) codec.ValueWriter {
	return func(dst []byte, arr arrow.Array, i int) []byte {
		a := arr.(*array.List)
		start, end := a.ValueOffsets(i)
		values := a.ListValues()
		for j := start; j < end; j++ {
			if j > start {
				dst = append(dst, cfg.arrayDelim)
			}
			if values.IsNull(int(j)) {
				dst = append(dst, cfg.nullLiteral...)
				continue
			}
			dst = elem(dst, values, int(j))
		}
		return dst
	}
}

// rowWriter joins the fields' text with array-element-delimiter, as
// Flink writes a nested ROW.
func rowWriter(cfg *config, fields []codec.ValueWriter) codec.ValueWriter {
	return func(dst []byte, arr arrow.Array, i int) []byte {
		a := arr.(*array.Struct)
		for j, f := range fields {
			if j > 0 {
				dst = append(dst, cfg.arrayDelim)
			}
			child := a.Field(j)
			if child.IsNull(i) {
				dst = append(dst, cfg.nullLiteral...)
				continue
			}
			dst = f(dst, child, i)
		}
		return dst
	}
}

// Encode implements format.Encoder: the fields' text joined by the field
// delimiter, quoted (RFC 4180) where a value holds the delimiter, the
// quote, a line break or the escape character, or would otherwise read
// back differently.
func (e *encoder) Encode(dst []byte, cols []arrow.Array, row int) ([]byte, error) {
	for c, col := range cols {
		if c > 0 {
			dst = append(dst, e.cfg.delim)
		}
		if col.IsNull(row) {
			switch {
			case e.cfg.hasNull:
				dst = append(dst, e.cfg.nullLiteral...)
			case len(cols) == 1 && e.shapes[c] == shapeScalar && e.cfg.quoting:
				// An empty line holds no row; "" reads back as NULL.
				dst = append(dst, e.cfg.quote, e.cfg.quote)
			}
			continue
		}
		start := len(dst)
		dst = e.writers[c](dst, col, row)
		dst = e.protect(dst, start, c)
	}
	return dst, nil
}

// protect quotes (or, without quoting, escapes) the value text
// dst[start:] of column c when it must be.
func (e *encoder) protect(dst []byte, start, c int) []byte {
	text := dst[start:]
	need := false
	for _, b := range text {
		if e.special[b] {
			need = true
			break
		}
	}
	switch {
	case need:
	case e.cfg.isNull(text):
		need = true
	case len(text) == 0:
		// An empty ARRAY (or a ROW of one empty field) is not NULL; an
		// empty single column is not an empty line.
		need = e.shapes[c] >= shapeArray || len(e.shapes) == 1
	case c == 0 && e.cfg.allowComments && text[0] == '#':
		need = true
	}
	if !need {
		return dst
	}
	e.scratch = append(e.scratch[:0], text...)
	dst = dst[:start]
	if !e.cfg.quoting {
		if !e.cfg.escaping {
			// Nothing protects it; Flink writes it as it is too.
			return append(dst, e.scratch...)
		}
		for _, b := range e.scratch {
			switch {
			case b == '\n':
				dst = append(dst, e.cfg.escape, 'n')
			case b == '\r':
				dst = append(dst, e.cfg.escape, 'r')
			case e.special[b]:
				dst = append(dst, e.cfg.escape, b)
			default:
				dst = append(dst, b)
			}
		}
		return dst
	}
	q := e.cfg.quote
	dst = append(dst, q)
	for _, b := range e.scratch {
		switch {
		case b == q:
			dst = append(dst, q, q)
		case e.cfg.escaping && b == e.cfg.escape:
			dst = append(dst, b, b)
		default:
			dst = append(dst, b)
		}
	}
	return append(dst, q)
}
