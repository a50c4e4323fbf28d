package python

// The DataStream API's print() sink. A DataStream runs as a table of one
// column f0 (python/sluice/datastream); print() formats each element in
// Python (PyFlink's text: Java's toString of the element, "+I[a,b]" for a
// Row) and hands the text to this sink, which writes it as it is, after
// Flink's "N> " / "id:N> " prefix. The table print connector cannot do that:
// it writes every row as "+I[...]".

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/connectors/print"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/vectorized"
)

// dataStreamPrintIdentifier is the connector the Python DataStream API
// declares its print() sinks with; not meant for DDL.
const dataStreamPrintIdentifier = "datastream-print"

func init() { connector.Register(dataStreamPrintFactory{}) }

type dataStreamPrintFactory struct{}

func (dataStreamPrintFactory) Identifier() string { return dataStreamPrintIdentifier }

func (dataStreamPrintFactory) Options() []connector.Option {
	return []connector.Option{
		{Key: print.OptionPrintIdentifier, Description: "DataStream.print(sink_identifier): prefixed to every line."},
		{Key: print.OptionStandardError, Default: "false", Description: "Print to standard error (DataStream.print_to_err)."},
	}
}

func (dataStreamPrintFactory) NewSink(ctx *connector.Context) (*connector.Sink, error) {
	if err := connector.ValidateOptions(dataStreamPrintFactory{}, ctx.Options); err != nil {
		return nil, err
	}
	id, hasID := ctx.Options[print.OptionPrintIdentifier]
	toStderr := false
	if v, ok := ctx.Options[print.OptionStandardError]; ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %s = '%s' is not a boolean", dataStreamPrintIdentifier, print.OptionStandardError, v)
		}
		toStderr = b
	}
	// The job's parallelism, as Flink's print sink has: after a source of
	// parallelism 1 (from_collection) the elements are rebalanced over the
	// sink's subtasks, and the lines carry their "N> " prefix.
	par := 0
	if v, ok := ctx.Config["parallelism.default"]; ok {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			par = n
		}
	}
	return &connector.Sink{
		Accepts:     connector.All,
		Parallelism: par,
		Instance: func(subtask, parallelism int) engine.Sink {
			return &dataStreamPrintSink{prefix: print.Prefix(id, hasID, subtask, parallelism), stderr: toStderr}
		},
		Describe: "Print to System.out",
	}, nil
}

// dataStreamPrintMu keeps lines of parallel sinks from interleaving.
var dataStreamPrintMu sync.Mutex

type dataStreamPrintSink struct {
	prefix string
	stderr bool
	buf    []byte
}

func (s *dataStreamPrintSink) String() string { return "Print" }

func (s *dataStreamPrintSink) Open(context.Context, *engine.RuntimeContext) error { return nil }

// Write prints the first column of every row (a STRING: the element's
// text; NULL prints as "null", as Java's PrintStream does).
func (s *dataStreamPrintSink) Write(_ context.Context, b *vectorized.Batch) error {
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	col, ok := b.Record.Column(0).(*array.String)
	if !ok {
		return fmt.Errorf("%s: the first column is %s, not a STRING", dataStreamPrintIdentifier, b.Record.Column(0).DataType())
	}
	buf := s.buf[:0]
	for i := range n {
		buf = append(buf, s.prefix...)
		if col.IsNull(i) {
			buf = append(buf, "null"...)
		} else {
			buf = append(buf, col.Value(i)...)
		}
		buf = append(buf, '\n')
	}
	s.buf = buf
	dataStreamPrintMu.Lock()
	defer dataStreamPrintMu.Unlock()
	w := os.Stdout
	if s.stderr {
		w = os.Stderr
	}
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("print: %w", err)
	}
	return nil
}

func (s *dataStreamPrintSink) Finish(context.Context) error { return nil }

func (s *dataStreamPrintSink) Close() error {
	s.buf = nil
	return nil
}
