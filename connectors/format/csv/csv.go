package csv

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sluice-stream/sluice/connectors/format"
	"github.com/sluice-stream/sluice/connectors/format/internal/codec"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
)

// Identifier is the value of the `format` option.
const Identifier = "csv"

// Options, without their `csv.` prefix.
const (
	OptionFieldDelimiter        = "field-delimiter"
	OptionDisableQuoteCharacter = "disable-quote-character"
	OptionQuoteCharacter        = "quote-character"
	OptionAllowComments         = "allow-comments"
	OptionIgnoreParseErrors     = format.OptionIgnoreParseErrors
	OptionArrayElementDelimiter = "array-element-delimiter"
	OptionEscapeCharacter       = "escape-character"
	OptionNullLiteral           = "null-literal"
	OptionScientificDecimals    = "write-bigdecimal-in-scientific-notation"
	// OptionLineDelimiter is Flink 1.10's `format.line-delimiter`: what
	// ends each written record. Reading accepts \n, \r\n and \r whatever
	// it says, as Flink's reader did.
	OptionLineDelimiter = "line-delimiter"
)

// Factory is the csv format.
type Factory struct{}

func init() { format.Register(Factory{}) }

// Identifier implements format.Factory.
func (Factory) Identifier() string { return Identifier }

// Options implements format.Factory.
func (Factory) Options() []connector.Option {
	return []connector.Option{
		{Key: OptionFieldDelimiter, Default: ",", Description: "Field delimiter character; a backslash escape such as '\\t' stands for its character."},
		{Key: OptionDisableQuoteCharacter, Default: "false", Description: "Disables quoting of field values; quote-character must then not be set."},
		{Key: OptionQuoteCharacter, Default: `"`, Description: "Quote character enclosing field values."},
		{Key: OptionAllowComments, Default: "false", Description: "Ignores records that start with '#'."},
		{Key: OptionIgnoreParseErrors, Default: "false", Description: "Skips malformed records instead of failing."},
		{Key: OptionArrayElementDelimiter, Default: ";", Description: "Delimiter of ARRAY elements and ROW fields within a field."},
		{Key: OptionEscapeCharacter, Description: "Escape character for delimiters, quotes and line breaks in values (disabled by default)."},
		{Key: OptionNullLiteral, Description: "Text that stands for NULL (disabled by default: an empty field is NULL for non-string types)."},
		{Key: OptionScientificDecimals, Default: "true", Description: "Writes DECIMAL values in scientific notation when Java's BigDecimal would (1E+5); false writes 100000."},
		{Key: OptionLineDelimiter, Default: `\n`, Description: "Flink 1.10: what ends each written record: \\n, \\r, \\r\\n or empty."},
	}
}

// config is the options, read and checked.
type config struct {
	delim         byte
	quote         byte
	quoting       bool
	escape        byte
	escaping      bool
	allowComments bool
	arrayDelim    byte
	nullLiteral   []byte
	hasNull       bool
	plainDecimals bool
}

func (c *config) isNull(text []byte) bool {
	return c.hasNull && string(text) == string(c.nullLiteral)
}

func readConfig(ctx *format.Context) (*config, error) {
	o := ctx.Options
	c := &config{quote: '"', quoting: true, arrayDelim: ';'}
	var err error
	if c.delim, err = char(ctx, OptionFieldDelimiter, ",", true); err != nil {
		return nil, err
	}
	disable, err := o.Bool(OptionDisableQuoteCharacter, false)
	if err != nil {
		return nil, err
	}
	if disable && o.Has(OptionQuoteCharacter) {
		return nil, o.Errorf(OptionQuoteCharacter, "cannot be set together with %s = 'true'", OptionDisableQuoteCharacter)
	}
	c.quoting = !disable
	if c.quote, err = char(ctx, OptionQuoteCharacter, `"`, false); err != nil {
		return nil, err
	}
	if c.arrayDelim, err = char(ctx, OptionArrayElementDelimiter, ";", false); err != nil {
		return nil, err
	}
	if c.escaping = o.Has(OptionEscapeCharacter); c.escaping {
		if c.escape, err = char(ctx, OptionEscapeCharacter, "", false); err != nil {
			return nil, err
		}
	}
	if c.allowComments, err = o.Bool(OptionAllowComments, false); err != nil {
		return nil, err
	}
	if _, err = format.IgnoreParseErrors(ctx); err != nil {
		return nil, err
	}
	if c.hasNull = o.Has(OptionNullLiteral); c.hasNull {
		c.nullLiteral = []byte(o.String(OptionNullLiteral, ""))
	}
	scientific, err := o.Bool(OptionScientificDecimals, true)
	if err != nil {
		return nil, err
	}
	c.plainDecimals = !scientific
	if _, err := LineDelimiter(ctx); err != nil {
		return nil, err
	}
	switch {
	case c.quoting && c.quote == c.delim:
		return nil, o.Errorf(OptionQuoteCharacter, "is also the field delimiter")
	case c.escaping && c.escape == c.delim:
		return nil, o.Errorf(OptionEscapeCharacter, "is also the field delimiter")
	case c.escaping && c.quoting && c.escape == c.quote:
		return nil, o.Errorf(OptionEscapeCharacter, "is also the quote character; quotes in quoted values are doubled anyway")
	case c.delim == '\n' || c.delim == '\r':
		return nil, o.Errorf(OptionFieldDelimiter, "is a line break")
	}
	return c, nil
}

// char reads an option that must be one ASCII character. Flink reads the
// field delimiter with Java's unescaping ('\t' is a tab), the others as
// written.
func char(ctx *format.Context, key, def string, unescape bool) (byte, error) {
	o := ctx.Options
	v := o.String(key, def)
	if unescape {
		u, err := unescapeJava(v)
		if err != nil {
			return 0, o.Errorf(key, "is not a valid escape: %v", err)
		}
		v = u
	}
	if len(v) != 1 {
		if utf8.RuneCountInString(v) == 1 {
			return 0, o.Errorf(key, "must be a single ASCII character (Sluice reads CSV byte-wise)")
		}
		return 0, o.Errorf(key, "must be a single character")
	}
	return v[0], nil
}

// unescapeJava resolves the backslash escapes of a Java string literal
// (\t, \n, \\, \u0001, octal \001), as Flink's StringEscapeUtils.unescapeJava
// does for the field delimiter.
func unescapeJava(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := s[i]; e {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case '\\', '\'', '"':
			b.WriteByte(e)
		case 'u':
			j := i + 1
			for j < len(s) && s[j] == 'u' {
				j++
			}
			if j+4 > len(s) {
				return "", fmt.Errorf("\\u needs four hex digits")
			}
			r, err := strconv.ParseUint(s[j:j+4], 16, 32)
			if err != nil {
				return "", fmt.Errorf("\\u needs four hex digits")
			}
			b.WriteRune(rune(r))
			i = j + 3
		default:
			if e >= '0' && e <= '7' {
				j := i
				for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
					j++
				}
				v, _ := strconv.ParseUint(s[i:j], 8, 16)
				if v > 0377 {
					j--
					v, _ = strconv.ParseUint(s[i:j], 8, 16)
				}
				b.WriteRune(rune(v))
				i = j - 1
				continue
			}
			// Java drops the backslash of an unknown escape.
			b.WriteByte(e)
		}
	}
	return b.String(), nil
}

// LineDelimiter is what a connector appends after each encoded record:
// the legacy line-delimiter option, "\n" by default. Records never carry
// it themselves (format.Encoder).
func LineDelimiter(ctx *format.Context) (string, error) {
	o := ctx.Options
	v, err := unescapeJava(o.String(OptionLineDelimiter, "\n"))
	if err != nil {
		return "", o.Errorf(OptionLineDelimiter, "is not a valid escape: %v", err)
	}
	switch v {
	case "\n", "\r", "\r\n", "":
		return v, nil
	}
	return "", o.Errorf(OptionLineDelimiter, `must be \n, \r, \r\n or empty`)
}

// shape is how a column's values are written in a field.
type shape uint8

const (
	shapeScalar shape = iota // a non-string scalar: empty is NULL
	shapeText                // CHAR/VARCHAR/BINARY/VARBINARY: empty is ''
	shapeArray               // ARRAY of flat elements joined by array-element-delimiter
	shapeRow                 // ROW of flat fields joined by array-element-delimiter
	shapeJSON                // Sluice's extension: the value's JSON text
)

func shapeOf(t types.DataType) shape {
	switch t.Kind {
	case types.Char, types.VarChar, types.Binary, types.VarBinary:
		return shapeText
	case types.Array:
		if codec.IsFlat(*t.Elem) {
			return shapeArray
		}
		return shapeJSON
	case types.Row:
		for _, f := range t.Fields {
			if !codec.IsFlat(f.Type) {
				return shapeJSON
			}
		}
		return shapeRow
	case types.Map, types.Multiset:
		return shapeJSON
	}
	return shapeScalar
}

func isText(t types.DataType) bool { return shapeOf(t) == shapeText }

func columnError(c connector.Column, err error) error {
	return fmt.Errorf("%s: column %s (%s): %w", Identifier, c.Name, c.Type, err)
}
