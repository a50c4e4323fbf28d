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

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/connectors/print"
	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/datastream"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/planner"
	"github.com/sluice-stream/sluice/table/sql"
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

func init() { ops["datastream.keyed_operator"] = dataStreamKeyedOperator }

// dataStreamKeyedOperator is datastream.keyed_operator(runner, name,
// key_col, value_col, rowtime_col, out_type) -> id: a keyed stateful
// operator (datastream.NewKeyedProcess driving the Python runner of
// sluice.datastream._keyed.make_runner) registered for the planner's
// SLUICE_DS_OPERATOR(TABLE t, id). rowtime_col is "" for a stream without
// timestamps; out_type is the SQL type of the output column f0.
func dataStreamKeyedOperator(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 6, "datastream.keyed_operator(runner, name, key_col, value_col, rowtime_col, out_type)"); err != nil {
		return nil, err
	}
	var s [5]string
	for i := range s {
		v, err := py.AsString(args[i+1])
		if err != nil {
			return nil, err
		}
		s[i] = v
	}
	name, keyCol, valueCol, rowtimeCol, outText := s[0], s[1], s[2], s[3], s[4]
	ast, err := sql.ParseDataType(outText)
	if err != nil {
		return nil, &cpython.Raise{Builtin: "ValueError", Msg: err.Error()}
	}
	outType, err := planner.TypeFromAST(ast)
	if err != nil {
		return nil, &cpython.Raise{Builtin: "ValueError", Msg: err.Error()}
	}
	// The operator instances of every job planned from this id share the
	// runner object (each copies it once): it lives as long as the process.
	runner := py.NewRef(args[0])
	op := &planner.DataStreamOperator{
		Name:     name,
		KeyCol:   keyCol,
		ValueCol: valueCol,
		Rowtime:  rowtimeCol,
		Out:      planner.Field{Name: "f0", Type: outType},
		New: func(in planner.Schema, key, value, rowtime int) (engine.Operator, error) {
			spec := datastream.KeyedProcessSpec{
				Name: name, Runner: runner, KeyCol: key, ValueCol: value, RowtimeCol: rowtime,
				KeyType: in[key].Type.Arrow(), OutType: outType.Arrow(), OutName: "f0",
			}
			if rowtime >= 0 {
				spec.Rowtime = arrow.Field{Name: in[rowtime].Name, Type: in[rowtime].Type.Arrow(), Nullable: true}
			}
			return datastream.NewKeyedProcess(spec), nil
		},
	}
	return py.Int(planner.RegisterDataStreamOperator(op)), nil
}
