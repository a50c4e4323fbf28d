package json

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/connectors/format"
	"github.com/sluice-stream/sluice/connectors/format/internal/codec"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
)

// Identifier is the value of the `format` option.
const Identifier = "json"

// Options, without their `json.` prefix.
const (
	OptionFailOnMissingField = "fail-on-missing-field"
	OptionIgnoreParseErrors  = format.OptionIgnoreParseErrors
	OptionTimestampStandard  = "timestamp-format.standard"
	OptionMapNullKeyMode     = "map-null-key.mode"
	OptionMapNullKeyLiteral  = "map-null-key.literal"
	OptionDecimalPlain       = "encode.decimal-as-plain-number"
	OptionIgnoreNullFields   = "encode.ignore-null-fields"
)

// Values of timestamp-format.standard.
const (
	StandardSQL = "SQL"
	StandardISO = "ISO-8601"
)

// Factory is the json format.
type Factory struct{}

func init() { format.Register(Factory{}) }

// Identifier implements format.Factory.
func (Factory) Identifier() string { return Identifier }

// Options implements format.Factory.
func (Factory) Options() []connector.Option {
	return []connector.Option{
		{Key: OptionFailOnMissingField, Default: "false", Description: "Fails on an object that lacks a column's field instead of reading NULL."},
		{Key: OptionIgnoreParseErrors, Default: "false", Description: "Skips malformed records instead of failing."},
		{Key: OptionTimestampStandard, Default: StandardSQL, Description: "Timestamp text: 'SQL' (2024-01-31 10:15:30.5) or 'ISO-8601' (2024-01-31T10:15:30.5)."},
		{Key: OptionMapNullKeyMode, Default: "FAIL", Description: "Flink's handling of NULL map keys (FAIL, DROP, LITERAL); checked, but Arrow maps hold no NULL keys."},
		{Key: OptionMapNullKeyLiteral, Default: "null", Description: "Flink's key for NULL map keys in LITERAL mode; accepted, never needed."},
		{Key: OptionDecimalPlain, Default: "false", Description: "Writes DECIMAL values as plain numbers (100000), never in scientific notation (1E+5)."},
		{Key: OptionIgnoreNullFields, Default: "false", Description: "Leaves NULL fields out of the objects written."},
	}
}

// timestampSep reads timestamp-format.standard, as strictly as Flink.
func timestampSep(ctx *format.Context) (byte, error) {
	switch v := ctx.Options.String(OptionTimestampStandard, StandardSQL); v {
	case StandardSQL:
		return ' ', nil
	case StandardISO:
		return 'T', nil
	}
	return 0, ctx.Options.Errorf(OptionTimestampStandard, "is not supported; use %s or %s", StandardSQL, StandardISO)
}

type decoder struct {
	cols  []connector.Column
	row   *codec.Row
	arena codec.Arena
	r     codec.JSONReader
	ready bool
	// appended is set once the row of the last Parse went to builders.
	appended bool
}

// NewDecoder implements format.Factory.
func (Factory) NewDecoder(ctx *format.Context) (format.Decoder, error) {
	o := ctx.Options
	failOnMissing, err := o.Bool(OptionFailOnMissingField, false)
	if err != nil {
		return nil, err
	}
	ignore, err := format.IgnoreParseErrors(ctx)
	if err != nil {
		return nil, err
	}
	if failOnMissing && ignore {
		return nil, fmt.Errorf("%s: %s and %s shouldn't both be true", o.Connector, OptionFailOnMissingField, OptionIgnoreParseErrors)
	}
	if _, err := timestampSep(ctx); err != nil {
		return nil, err
	}
	d := &decoder{cols: ctx.Columns}
	fields := make([]types.Field, len(ctx.Columns))
	for i, c := range ctx.Columns {
		fields[i] = types.Field{Name: c.Name, Type: c.Type}
	}
	if d.row, err = codec.NewRow(fields, ctx.Location, &d.arena); err != nil {
		return nil, fmt.Errorf("%s: %w", Identifier, err)
	}
	d.r.FailOnMissingField = failOnMissing
	return d, nil
}

// Parse implements format.Decoder: the record is one JSON object whose
// fields are the columns; a null (or an empty record) holds no row.
func (d *decoder) Parse(data []byte) (bool, error) {
	d.ready, d.appended = false, false
	if data == nil {
		return false, nil
	}
	d.arena.Reset()
	d.row.Reset()
	d.r.Reset(data, &d.arena)
	switch d.r.Peek() {
	case 0:
		return false, nil
	case 'n':
		if _, err := d.r.ReadNull(); err != nil {
			return false, d.error(-1, err)
		}
		if !d.r.AtEnd() {
			return false, d.error(-1, fmt.Errorf("text after the JSON value: '%s'", codec.Shorten(d.r.Rest())))
		}
		return false, nil
	case '{':
	default:
		return false, d.error(-1, fmt.Errorf("expected a JSON object, found '%s'", codec.Shorten(d.r.Rest())))
	}
	if field, err := d.row.ReadJSONObject(&d.r); err != nil {
		return false, d.error(field, err)
	}
	if !d.r.AtEnd() {
		return false, d.error(-1, fmt.Errorf("text after the JSON object: '%s'", codec.Shorten(d.r.Rest())))
	}
	d.ready = true
	return true, nil
}

func (d *decoder) error(field int, err error) error {
	pe := &format.ParseError{Format: Identifier, Err: err}
	if field >= 0 {
		pe.Column = d.cols[field].Name
	}
	return pe
}

// Append implements format.Decoder. After a failed Parse it appends
// nothing.
func (d *decoder) Append(builders []array.Builder) {
	if d.ready {
		d.row.AppendTo(builders, d.appended)
		d.appended = true
	}
}

type encoder struct {
	cols       []connector.Column
	names      [][]byte // "name":
	writers    []codec.ValueWriter
	json       *codec.JSONWriters
	ignoreNull bool
}

// NewEncoder implements format.Factory.
func (Factory) NewEncoder(ctx *format.Context) (format.Encoder, error) {
	o := ctx.Options
	sep, err := timestampSep(ctx)
	if err != nil {
		return nil, err
	}
	var opts codec.JSONOptions
	opts.TimestampSep = sep
	if opts.PlainDecimals, err = o.Bool(OptionDecimalPlain, false); err != nil {
		return nil, err
	}
	if opts.IgnoreNullFields, err = o.Bool(OptionIgnoreNullFields, false); err != nil {
		return nil, err
	}
	// Checked as Flink does, though it never applies: Arrow maps hold no
	// NULL keys.
	switch strings.ToUpper(o.String(OptionMapNullKeyMode, "FAIL")) {
	case "FAIL", "DROP", "LITERAL":
	default:
		return nil, o.Errorf(OptionMapNullKeyMode, "is not supported; use FAIL, DROP or LITERAL")
	}
	if _, err := format.IgnoreParseErrors(ctx); err != nil {
		return nil, err
	}
	if _, err := o.Bool(OptionFailOnMissingField, false); err != nil {
		return nil, err
	}
	e := &encoder{cols: ctx.Columns, json: &codec.JSONWriters{Options: opts}, ignoreNull: opts.IgnoreNullFields}
	for _, c := range ctx.Columns {
		w, err := e.json.New(c.Type)
		if err != nil {
			return nil, fmt.Errorf("%s: column %s (%s): %w", Identifier, c.Name, c.Type, err)
		}
		e.writers = append(e.writers, w)
		e.names = append(e.names, append(codec.AppendJSONString(nil, c.Name), ':'))
	}
	return e, nil
}

// Encode implements format.Encoder: one JSON object, fields in column
// order.
func (e *encoder) Encode(dst []byte, cols []arrow.Array, row int) ([]byte, error) {
	dst = append(dst, '{')
	first := true
	for c, col := range cols {
		if e.ignoreNull && col.IsNull(row) {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, e.names[c]...)
		dst = e.writers[c](dst, col, row)
	}
	return append(dst, '}'), nil
}
