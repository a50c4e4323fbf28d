package print

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"

	"github.com/sluice-stream/sluice/connectors/internal/option"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/vectorized"
)

// Identifier is the value of the `connector` option.
const Identifier = "print"

// Options, as Flink's PrintConnectorOptions and FactoryUtil.SINK_PARALLELISM.
const (
	OptionPrintIdentifier = "print-identifier"
	OptionStandardError   = "standard-error"
	OptionSinkParallelism = "sink.parallelism"
)

// Factory is the print connector.
type Factory struct{}

func init() { connector.Register(Factory{}) }

// Identifier implements connector.Factory.
func (Factory) Identifier() string { return Identifier }

// Options implements connector.Factory.
func (Factory) Options() []connector.Option {
	return []connector.Option{
		{Key: OptionPrintIdentifier, Description: "Message that identifies the print sink; prefixed to every line."},
		{Key: OptionStandardError, Default: "false", Description: "Print to standard error instead of standard output."},
		{Key: OptionSinkParallelism, Description: "Parallelism of the print sink; by default the job's."},
	}
}

// NewSink implements connector.SinkFactory.
func (Factory) NewSink(ctx *connector.Context) (*connector.Sink, error) {
	if err := connector.ValidateOptions(Factory{}, ctx.Options); err != nil {
		return nil, err
	}
	r := option.Reader{Connector: Identifier, Options: ctx.Options}
	id, hasID := ctx.Options[OptionPrintIdentifier]
	toStderr, err := r.Bool(OptionStandardError, false)
	if err != nil {
		return nil, err
	}
	par, err := r.Int(OptionSinkParallelism, 0)
	if err != nil {
		return nil, err
	}
	if r.Has(OptionSinkParallelism) && par < 1 {
		return nil, r.Errorf(OptionSinkParallelism, "must be at least 1")
	}
	describe := "Print to System.out"
	if toStderr {
		describe = "Print to System.err"
	}
	return &connector.Sink{
		// Flink's PrintSink.getChangelogMode returns the requested mode:
		// every row kind is printed.
		Accepts:     connector.All,
		Parallelism: par,
		Instance: func(subtask, parallelism int) engine.Sink {
			return &sink{prefix: Prefix(id, hasID, subtask, parallelism), stderr: toStderr}
		},
		Describe: describe,
	}, nil
}

// Prefix is what Flink's PrintSinkOutputWriter puts before each line: the
// identifier, then ":" and the 1-based subtask number when the sink runs
// in parallel, then "> " — or nothing at all for an unnamed sink of
// parallelism 1.
func Prefix(identifier string, hasIdentifier bool, subtask, parallelism int) string {
	p := ""
	if hasIdentifier {
		p = identifier
	}
	if parallelism > 1 {
		if p != "" {
			p += ":"
		}
		p += strconv.Itoa(subtask + 1)
	}
	if p != "" {
		p += "> "
	}
	return p
}

// The writers print sinks write to. outMu guards them and serializes the
// writes, so that lines from parallel sinks never interleave.
var (
	outMu  sync.Mutex
	stdout io.Writer = os.Stdout
	stderr io.Writer = os.Stderr
)

// SetOutput redirects what print sinks write to standard output (out) and
// standard error (errOut); a nil writer leaves that stream as it is. It
// returns a function that restores the previous writers. Tests and the SQL
// client use it to capture the output of print tables.
func SetOutput(out, errOut io.Writer) (restore func()) {
	outMu.Lock()
	defer outMu.Unlock()
	prevOut, prevErr := stdout, stderr
	if out != nil {
		stdout = out
	}
	if errOut != nil {
		stderr = errOut
	}
	return func() {
		outMu.Lock()
		defer outMu.Unlock()
		stdout, stderr = prevOut, prevErr
	}
}

// sink is one subtask of a print table.
type sink struct {
	prefix string
	stderr bool
	buf    []byte
}

func (s *sink) String() string { return "Print" }

func (s *sink) Open(context.Context, *engine.RuntimeContext) error { return nil }

// Write prints every row of b, one line each, in one write.
func (s *sink) Write(_ context.Context, b *vectorized.Batch) error {
	f := NewRowFormatter(b)
	buf := s.buf[:0]
	for i := range int(b.NumRows()) {
		buf = append(buf, s.prefix...)
		buf = f.AppendRow(buf, i)
		buf = append(buf, '\n')
	}
	s.buf = buf
	if len(buf) == 0 {
		return nil
	}
	outMu.Lock()
	defer outMu.Unlock()
	w := stdout
	if s.stderr {
		w = stderr
	}
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("print: %w", err)
	}
	return nil
}

// Finish has nothing to flush: every batch was written whole.
func (s *sink) Finish(context.Context) error { return nil }

func (s *sink) Close() error {
	s.buf = nil
	return nil
}
