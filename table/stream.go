package table

import (
	"context"

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
