package table

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/planner"
	"github.com/sluice-stream/sluice/vectorized"
)

// Stream is a running query whose batches arrive as the job produces them
// — the changelog of a streaming query, or the rows of a bounded one —
// for callers that iterate over results of unbounded inputs (PyFlink's
// TableResult.collect()).
type Stream struct {
	Job       *Job
	Columns   []string
	Changelog bool
	// C delivers the batches; each is the receiver's to Release. It is
	// closed when the job has ended: Job.Wait then tells how.
	C <-chan *vectorized.Batch
}

// Stream starts the table's query and returns at once. Cancel the job (or
// ctx) to stop an unbounded query; the channel is then closed after the
// batches in flight.
func (t *Table) Stream(ctx context.Context) (*Stream, error) {
	if t.err != nil {
		return nil, t.err
	}
	p := t.env.planner("")
	opt := planner.Optimize(t.node)
	ch := make(chan *vectorized.Batch, 4)
	sink := &streamSink{ch: ch}
	job, err := t.env.submitTerminal(ctx, p, opt, "collect", &planner.Terminal{Name: "Collect", Parallelism: 1,
		Instance: func(int) engine.Sink { return sink }})
	if err != nil {
		return nil, err
	}
	go func() {
		<-job.Done()
		close(ch)
	}()
	return &Stream{Job: job, C: ch, Columns: opt.Schema().Names(),
		Changelog: t.env.Streaming() && !planner.ModeOf(opt, true).IsInsertOnly()}, nil
}

// streamSink hands each batch to the channel; a full channel holds the
// job back (backpressure from the reader).
type streamSink struct{ ch chan<- *vectorized.Batch }

func (s *streamSink) Open(context.Context, *engine.RuntimeContext) error { return nil }
func (s *streamSink) Finish(context.Context) error                       { return nil }
func (s *streamSink) Close() error                                       { return nil }

func (s *streamSink) Write(ctx context.Context, b *vectorized.Batch) error {
	kept := engine.RetainBatch(b)
	select {
	case s.ch <- kept:
		return nil
	case <-ctx.Done():
		kept.Release()
		return ctx.Err()
	}
}

// PrintStream writes a stream as Flink's SQL client does in its changelog
// tableau: the header first, then each row as it arrives (with its op for
// a changelog), values cut to the column width. It returns the number of
// rows once the stream ends.
func PrintStream(w io.Writer, s *Stream) int {
	cols := s.Columns
	if s.Changelog {
		cols = append([]string{"op"}, cols...)
	}
	width := make([]int, len(cols))
	for i, c := range cols {
		width[i] = max(displayWidth(c), 12)
		if s.Changelog && i == 0 {
			width[i] = 2
		}
	}
	line := "+"
	for _, wd := range width {
		line += strings.Repeat("-", wd+2) + "+"
	}
	cell := func(vals []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, v := range vals {
			if displayWidth(v) > width[i] {
				v = cut(v, width[i]-3) + "..."
			}
			b.WriteString(" " + strings.Repeat(" ", width[i]-displayWidth(v)) + v + " |")
		}
		fmt.Fprintln(w, b.String())
	}
	fmt.Fprintln(w, line)
	cell(cols)
	fmt.Fprintln(w, line)
	n := 0
	for b := range s.C {
		for _, r := range engine.BatchRows(b) {
			vals := make([]string, 0, len(cols))
			if s.Changelog {
				vals = append(vals, r.Kind.String())
			}
			for _, v := range r.Values {
				vals = append(vals, formatValue(v))
			}
			cell(vals)
			n++
		}
		b.Release()
	}
	fmt.Fprintln(w, line)
	fmt.Fprintf(w, "Received a total of %d rows\n", n)
	return n
}

// cut keeps the leading characters of s that fit in width columns.
func cut(s string, width int) string {
	var b strings.Builder
	for _, r := range s {
		if displayWidth(b.String()+string(r)) > width {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}
