// Package format holds the row formats that byte-moving connectors (Kafka,
// filesystem) share: a registry of format factories keyed by the `format`
// option, and the decoder and encoder contract. The formats themselves
// live in sub-packages (csv, json, raw) and register in init.
//
// Decoding is two-phase so that a connector can combine several decoders
// (a Kafka key format and a value format) and still skip a bad record
// whole: Parse checks and converts one record into the decoder's scratch
// row, and only when every Parse succeeded does the connector call Append,
// which writes the scratch row into the Arrow builders and cannot fail.
// No record goes through a per-record map or []any.
package format

import (
	"bufio"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/connectors/internal/option"
	"github.com/sluice-stream/sluice/table/connector"
)

// Factory is a format.
type Factory interface {
	// Identifier is the value of the `format` option: "csv".
	Identifier() string
	// Options are the format's options without their prefix
	// ("field-delimiter", valid as `csv.field-delimiter`).
	Options() []connector.Option
	NewDecoder(ctx *Context) (Decoder, error)
	NewEncoder(ctx *Context) (Encoder, error)
}

// Splitter is implemented by formats whose records in a file are not
// simply lines (CSV, whose quoted fields may hold line breaks). Connectors
// that read files frame records with bufio.ScanLines otherwise.
type Splitter interface {
	SplitFunc(ctx *Context) bufio.SplitFunc
}

// Context is what a format gets to build a decoder or an encoder.
type Context struct {
	// Columns are the columns the format reads or writes, in order.
	Columns []connector.Column
	// Options are the format's options with the prefix removed; their
	// Connector field is the prefix as the user wrote it ("csv",
	// "value.json") so that messages name the option the user wrote.
	Options option.Reader
	// Location is the session time zone, for TIMESTAMP_LTZ values written
	// without an offset.
	Location *time.Location
}

// Decoder turns one record (a Kafka message, a line of a file) into one
// row. A Decoder is used by one goroutine.
type Decoder interface {
	// Parse reads data into the decoder's scratch row. It returns false
	// when the record holds no row (a nil Kafka message, a JSON null),
	// and a *ParseError when the record is malformed. The scratch row may
	// alias data until the next Append.
	Parse(data []byte) (ok bool, err error)
	// Append writes the scratch row of the last successful Parse into
	// builders, one per column of the context.
	Append(builders []array.Builder)
}

// Encoder turns one row into one record. An Encoder is used by one
// goroutine.
type Encoder interface {
	// Encode appends the encoding of row `row` of cols (one array per
	// column of the context) to dst, without a record delimiter.
	Encode(dst []byte, cols []arrow.Array, row int) ([]byte, error)
}

// ParseError is a malformed record: which column (when one is to blame)
// and why. Connectors wrap it with the record's place (topic, partition
// and offset; file and line) and the record itself.
type ParseError struct {
	Format string
	Column string // "" when the record as a whole is malformed
	Err    error
}

func (e *ParseError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("%s: %v", e.Format, e.Err)
	}
	return fmt.Sprintf("%s: column %s: %v", e.Format, e.Column, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// IsParseError reports whether err is (or wraps) a malformed record, as
// opposed to a failure of the connector itself.
func IsParseError(err error) bool {
	var pe *ParseError
	return errors.As(err, &pe)
}

// OptionIgnoreParseErrors is the option of the csv and json formats that
// makes a source skip malformed records instead of failing.
const OptionIgnoreParseErrors = "ignore-parse-errors"

// IgnoreParseErrors reads the format's ignore-parse-errors option (false
// when not set). The connector acts on it, not the format: it skips and
// counts a record whose Parse returned a *ParseError. Flink sets the bad
// field to NULL and keeps the row when only a field is malformed; Sluice
// skips the whole record, so that a NULL always means a NULL.
func IgnoreParseErrors(ctx *Context) (bool, error) {
	return ctx.Options.Bool(OptionIgnoreParseErrors, false)
}

var (
	mu      sync.RWMutex
	formats = map[string]Factory{}
)

// Register adds a format to this registry and to the planner's, which
// validates options. Format packages call it from init.
func Register(f Factory) {
	mu.Lock()
	if _, dup := formats[f.Identifier()]; dup {
		mu.Unlock()
		panic(fmt.Sprintf("format: %q registered twice", f.Identifier()))
	}
	formats[f.Identifier()] = f
	mu.Unlock()
	connector.RegisterFormat(f)
}

// Lookup finds a registered format.
func Lookup(id string) (Factory, error) {
	mu.RLock()
	f, ok := formats[id]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("no format %q; available: %s", id, strings.Join(connector.FormatIdentifiers(), ", "))
	}
	return f, nil
}

// FromOptions finds the format a connector's option key names (`format`,
// `value.format`) and builds its context for cols: the format's options
// are those under connector.FormatPrefix. ok is false when the option is
// not set.
func FromOptions(opts map[string]string, key string, cols []connector.Column, loc *time.Location) (f Factory, ctx *Context, ok bool, err error) {
	id, set := opts[key]
	if !set {
		return nil, nil, false, nil
	}
	f, err = Lookup(id)
	if err != nil {
		return nil, nil, true, fmt.Errorf("%s = '%s': %w", key, id, err)
	}
	prefix := connector.FormatPrefix(key, id)
	sub := map[string]string{}
	for k, v := range opts {
		if strings.HasPrefix(k, prefix) {
			sub[strings.TrimPrefix(k, prefix)] = v
		}
	}
	return f, &Context{
		Columns:  cols,
		Options:  option.Reader{Connector: strings.TrimSuffix(prefix, "."), Options: sub},
		Location: loc,
	}, true, nil
}
