package datagen

import (
	"context"
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/connectors/internal/option"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/vectorized"
)

// source is one subtask of a datagen table.
type source struct {
	t                    *table
	subtask, parallelism int

	rate      float64 // rows per second of this subtask
	remaining int64   // rows left to emit; -1: unbounded
	batch     int     // rows per batch
	gens      []gen
	rb        *array.RecordBuilder
}

func newSource(t *table, subtask, parallelism int) *source {
	return &source{t: t, subtask: subtask, parallelism: parallelism}
}

func (s *source) String() string { return "DataGen" }

// Open creates the generators and the batch builder.
func (s *source) Open(_ context.Context, rt *engine.RuntimeContext) error {
	if s.parallelism < 1 {
		s.subtask, s.parallelism = rt.Subtask, rt.Parallelism
	}
	batch := s.t.batchSize
	if rt.Config != nil {
		var err error
		if batch, err = option.BatchSize(rt.Config); err != nil {
			return err
		}
	}
	// The rate is the source's; each subtask gets an even share of it, as
	// Flink's DataGeneratorSource divides rows-per-second by the
	// parallelism (kept fractional here so that a rate below the
	// parallelism still makes progress). A batch holds at most one
	// second's worth of rows, so the rate shapes the flow, not only its
	// average.
	s.rate = float64(s.t.rowsPerSecond) / float64(s.parallelism)
	s.batch = max(1, min(batch, int(math.Floor(s.rate))))

	// Flink's DataGeneratorSource.open: subtask i of n emits
	// numberOfRows/n rows, plus one when i < numberOfRows%n.
	s.remaining = -1
	if n := s.t.numberOfRows; n >= 0 {
		p := int64(s.parallelism)
		s.remaining = n / p
		if n%p > int64(s.subtask) {
			s.remaining++
		}
	}
	c := genContext{seed: s.t.seed, subtask: s.subtask, parallelism: s.parallelism, now: time.Now}
	s.gens = make([]gen, len(s.t.columns))
	for i, f := range s.t.columns {
		g := c.newGen(f)
		if sg, ok := g.(*seqGen); ok && (s.remaining < 0 || sg.seq.count < s.remaining) {
			s.remaining = sg.seq.count
		}
		s.gens[i] = g
	}
	s.rb = array.NewRecordBuilder(rt.Mem, s.t.schema)
	return nil
}

// Run emits batches until the rows are exhausted or ctx is cancelled,
// holding the subtask to its rate: the k-th row is not emitted before
// start + k/rate.
func (s *source) Run(ctx context.Context, out engine.Collector) error {
	start := time.Now()
	var emitted int64
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for s.remaining != 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := int64(s.batch)
		if s.remaining > 0 && s.remaining < n {
			n = s.remaining
		}
		rec := s.next(int(n))
		b := vectorized.NewBatch(rec)
		err := out.Collect(ctx, b)
		b.Release()
		if err != nil {
			return err
		}
		emitted += n
		if s.remaining > 0 {
			s.remaining -= n
			if s.remaining == 0 {
				break
			}
		}
		due := start.Add(time.Duration(float64(emitted) / s.rate * float64(time.Second)))
		if wait := time.Until(due); wait > 0 {
			if timer == nil {
				timer = time.NewTimer(wait)
			} else {
				timer.Reset(wait)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-timer.C:
			}
		}
	}
	return nil
}

// next builds a batch of n rows, column by column.
func (s *source) next(n int) arrow.RecordBatch {
	for i, g := range s.gens {
		g.fill(s.rb.Field(i), n)
	}
	return s.rb.NewRecordBatch()
}

// Close releases the builder.
func (s *source) Close() error {
	if s.rb != nil {
		s.rb.Release()
		s.rb = nil
	}
	return nil
}

var _ engine.Source = (*source)(nil)
