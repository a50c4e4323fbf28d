package datagen

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/connectors/internal/option"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

// stateName is the operator list state holding the subtask's shares.
const stateName = "datagen-shares"

// yieldEvery is the longest the source waits for its rate without
// yielding (engine.Yielder asks for 100 ms at most).
const yieldEvery = 50 * time.Millisecond

// source is one subtask of a datagen table.
type source struct {
	t                    *table
	subtask, parallelism int

	rate       float64 // rows per second of this subtask
	batch      int     // rows per batch
	batchBytes int     // engine.ConfigBatchBytes
	rowBytes   int     // widest row seen (bytes per row of a batch), 0 before the first
	shares     []*share
	rb         *array.RecordBuilder

	// list is the checkpointed position, nil when the job takes no
	// checkpoints.
	list *state.OperatorListState
}

// share is the rows one subtask of some run generates: Flink's split of
// the sequences and of number-of-rows for that subtask and parallelism,
// its random streams, and how many rows it emitted. A source runs one
// share of its own; after a restore at a lower parallelism it takes over
// several, one after the other, so every row of the original split is
// emitted once whatever the parallelism.
type share struct {
	subtask, parallelism int

	gens      []gen
	pcgs      []*rand.PCG
	remaining int64 // rows left to emit; -1: unbounded
	emitted   int64
}

func newSource(t *table, subtask, parallelism int) *source {
	return &source{t: t, subtask: subtask, parallelism: parallelism}
}

func (s *source) String() string { return "DataGen" }

// newShare creates the generators of subtask of parallelism.
func (s *source) newShare(subtask, parallelism int) *share {
	sh := &share{subtask: subtask, parallelism: parallelism}
	// Flink's DataGeneratorSource.open: subtask i of n emits
	// numberOfRows/n rows, plus one when i < numberOfRows%n.
	sh.remaining = -1
	if n := s.t.numberOfRows; n >= 0 {
		p := int64(parallelism)
		sh.remaining = n / p
		if n%p > int64(subtask) {
			sh.remaining++
		}
	}
	c := genContext{seed: s.t.seed, subtask: subtask, parallelism: parallelism, now: time.Now, pcgs: &sh.pcgs}
	sh.gens = make([]gen, len(s.t.columns))
	for i, f := range s.t.columns {
		g := c.newGen(f)
		if sg, ok := g.(*seqGen); ok && (sh.remaining < 0 || sg.seq.count < sh.remaining) {
			sh.remaining = sg.seq.count
		}
		sh.gens[i] = g
	}
	return sh
}

// Open creates the generators and the batch builder; a restored subtask
// continues the shares its operator state hands it.
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
	var err error
	if s.batchBytes, err = engine.BatchBytes(rt.Config); err != nil {
		return err
	}
	// Variable-width rows are measured on a small first batch; fixed-width
	// ones are known from the schema.
	s.rowBytes = fixedRowBytes(s.t.schema)

	_, restored := rt.Restored()
	if rt.CheckpointingEnabled() || restored {
		ops, err := rt.OperatorState()
		if err != nil {
			return fmt.Errorf("%s: %w", Identifier, err)
		}
		// Split redistribution: at the same parallelism each subtask gets
		// its shares back; at another, the shares are dealt out in
		// contiguous runs, each to exactly one subtask.
		if s.list, err = ops.ListState(stateName, state.SplitDistribute); err != nil {
			return fmt.Errorf("%s: %w", Identifier, err)
		}
	}
	if restored {
		for _, e := range s.list.Get() {
			sh, err := s.restoreShare(e)
			if err != nil {
				return err
			}
			s.shares = append(s.shares, sh)
		}
		if len(s.shares) == 0 && !s.t.bounded() {
			// A subtask added by a rescale of an unbounded source has no
			// rows owed to it: it generates a stream of its own.
			s.shares = append(s.shares, s.newShare(s.subtask, s.parallelism))
		}
	} else {
		s.shares = []*share{s.newShare(s.subtask, s.parallelism)}
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
	for _, sh := range s.shares {
		for sh.remaining != 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			n := int64(max(1, min(s.batch, s.batchBytes/probeRowBytes)))
			if s.rowBytes > 0 {
				n = int64(vectorized.RowsUnder(s.batch, s.batchBytes, s.rowBytes))
			}
			if sh.remaining > 0 && sh.remaining < n {
				n = sh.remaining
			}
			rec := sh.next(s.rb, int(n))
			s.rowBytes = max(s.rowBytes, (vectorized.RecordBytes(rec)+int(n)-1)/int(n))
			// The position moves before Collect: a checkpoint taken in
			// Collect must count the batch it follows.
			sh.emitted += n
			if sh.remaining > 0 {
				sh.remaining -= n
			}
			b := vectorized.NewBatch(rec)
			err := out.Collect(ctx, b)
			b.Release()
			if err != nil {
				return err
			}
			emitted += n
			if sh.remaining == 0 {
				break
			}
			// Waiting for the rate, the source yields at least every
			// yieldEvery: checkpoint barriers and completions reach it
			// only in Collect and Yield, and a batch may be a second
			// apart from the next.
			due := start.Add(time.Duration(float64(emitted) / s.rate * float64(time.Second)))
			for wait := time.Until(due); wait > 0; wait = time.Until(due) {
				if timer == nil {
					timer = time.NewTimer(min(wait, yieldEvery))
				} else {
					timer.Reset(min(wait, yieldEvery))
				}
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-timer.C:
				}
				if err := engine.Yield(ctx, out); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// next builds a batch of n rows, column by column.
func (sh *share) next(rb *array.RecordBuilder, n int) arrow.RecordBatch {
	for i, g := range sh.gens {
		g.fill(rb.Field(i), n)
	}
	return rb.NewRecordBatch()
}

// SnapshotState records each share's position: the rows it emitted (which
// is where its sequences stand) and the states of its random streams, so
// that a restored source continues the same values instead of starting
// them again. It runs inside Collect, after the batch went downstream.
func (s *source) SnapshotState(context.Context, engine.CheckpointInfo) error {
	if s.list == nil {
		return nil
	}
	elems := make([][]byte, len(s.shares))
	for i, sh := range s.shares {
		e, err := sh.encode()
		if err != nil {
			return fmt.Errorf("%s: %w", Identifier, err)
		}
		elems[i] = e
	}
	s.list.Update(elems)
	return nil
}

// shareVersion starts an encoded share, for a later change of the layout.
const shareVersion = 1

// encode is version, subtask, parallelism, emitted, then the random
// streams' states, each length-prefixed (uvarints throughout).
func (sh *share) encode() ([]byte, error) {
	b := []byte{shareVersion}
	b = binary.AppendUvarint(b, uint64(sh.subtask))
	b = binary.AppendUvarint(b, uint64(sh.parallelism))
	b = binary.AppendUvarint(b, uint64(sh.emitted))
	b = binary.AppendUvarint(b, uint64(len(sh.pcgs)))
	for _, p := range sh.pcgs {
		st, err := p.MarshalBinary()
		if err != nil {
			return nil, err
		}
		b = binary.AppendUvarint(b, uint64(len(st)))
		b = append(b, st...)
	}
	return b, nil
}

// restoreShare rebuilds a share from its encoding: the generators of its
// subtask and parallelism, advanced to where the checkpoint left them.
func (s *source) restoreShare(e []byte) (*share, error) {
	corrupt := fmt.Errorf("%s: table %s: the checkpointed position is corrupt", Identifier, s.t.name)
	if len(e) == 0 || e[0] != shareVersion {
		return nil, corrupt
	}
	e = e[1:]
	var nums [4]uint64
	for i := range nums {
		v, w := binary.Uvarint(e)
		if w <= 0 {
			return nil, corrupt
		}
		nums[i], e = v, e[w:]
	}
	subtask, parallelism, emitted, streams := int(nums[0]), int(nums[1]), int64(nums[2]), int(nums[3])
	if parallelism < 1 || subtask >= parallelism {
		return nil, corrupt
	}
	sh := s.newShare(subtask, parallelism)
	if streams != len(sh.pcgs) {
		return nil, fmt.Errorf("%s: table %s: the checkpoint has %d random streams per subtask but the table's fields make %d; restore with the table's definition unchanged",
			Identifier, s.t.name, streams, len(sh.pcgs))
	}
	for _, p := range sh.pcgs {
		n, w := binary.Uvarint(e)
		if w <= 0 || uint64(len(e)-w) < n {
			return nil, corrupt
		}
		if err := p.UnmarshalBinary(e[w : w+int(n)]); err != nil {
			return nil, errors.Join(corrupt, err)
		}
		e = e[w+int(n):]
	}
	if len(e) != 0 {
		return nil, corrupt
	}
	if sh.remaining >= 0 && emitted > sh.remaining {
		return nil, fmt.Errorf("%s: table %s: the checkpoint says subtask %d of %d emitted %d rows, more than its %d; restore with the table's definition unchanged",
			Identifier, s.t.name, subtask, parallelism, emitted, sh.remaining)
	}
	sh.emitted = emitted
	if sh.remaining > 0 {
		sh.remaining -= emitted
	}
	for _, g := range sh.gens {
		if sg, ok := g.(*seqGen); ok {
			sg.seq.emitted = emitted
		}
	}
	return sh, nil
}

// Close releases the builder.
func (s *source) Close() error {
	if s.rb != nil {
		s.rb.Release()
		s.rb = nil
	}
	return nil
}

var (
	_ engine.Source       = (*source)(nil)
	_ engine.Checkpointed = (*source)(nil)
)

// probeRowBytes sizes the first batch of a source whose rows' width is
// not known from the schema: as many rows as fit the byte cap at 16 KiB a
// row (512 at the default cap), so that rows up to that wide stay under it
// before a batch was measured.
const probeRowBytes = 16 << 10

// fixedRowBytes is a row's bytes when every column is fixed-width, else 0.
func fixedRowBytes(schema *arrow.Schema) int {
	size := 0
	for _, f := range schema.Fields() {
		fw, ok := f.Type.(arrow.FixedWidthDataType)
		if !ok {
			return 0
		}
		size += (fw.BitWidth() + 7) / 8
	}
	return size
}
