package engine

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/vectorized"
)

// Replicate emits each input row as many times as its count column says,
// without that column: Flink's ReplicateRows table function, which the
// ALL forms of INTERSECT and EXCEPT end in (the aggregate below counts
// the copies each side holds, the count is how many the result keeps).
// A count that is NULL or not positive emits nothing. Row kinds pass
// through with their rows, so a retraction of a row whose count is N
// retracts N copies, as the N inserted before. It keeps no state.
type Replicate struct {
	count int // the BIGINT column holding N
	rt    *RuntimeContext
	size  int // rows per output batch at most
}

// NewReplicate makes a Replicate reading the copy count from column count.
func NewReplicate(count int) *Replicate { return &Replicate{count: count} }

func (r *Replicate) String() string { return fmt.Sprintf("Replicate(count=[$%d])", r.count) }

func (r *Replicate) Open(_ context.Context, rt *RuntimeContext) error {
	r.rt = rt
	n, err := rt.Config.Int(ConfigBatchSize, DefaultBatchSize)
	if err != nil {
		return err
	}
	if n < 1 {
		return fmt.Errorf("replicate: %s must be positive, not %d", ConfigBatchSize, n)
	}
	r.size = n
	return nil
}

func (r *Replicate) Process(ctx context.Context, _ int, b *vectorized.Batch, out Collector) error {
	rec := b.Record
	if r.count < 0 || r.count >= int(rec.NumCols()) {
		return fmt.Errorf("replicate: count column %d of a %d-column batch", r.count, rec.NumCols())
	}
	counts, ok := rec.Column(r.count).(*array.Int64)
	if !ok {
		return fmt.Errorf("replicate: count column %d is %s, not BIGINT", r.count, rec.Column(r.count).DataType())
	}
	// The rows without the count column, shared with the input.
	fields := make([]arrow.Field, 0, rec.NumCols()-1)
	cols := make([]arrow.Array, 0, rec.NumCols()-1)
	for i := 0; i < int(rec.NumCols()); i++ {
		if i != r.count {
			fields = append(fields, rec.Schema().Field(i))
			cols = append(cols, rec.Column(i))
		}
	}
	md := rec.Schema().Metadata()
	rows := &vectorized.Batch{Record: array.NewRecordBatch(arrow.NewSchema(fields, &md), cols, rec.NumRows()), Kinds: b.Kinds}
	defer rows.Record.Release()

	// A batch whose every count is 1 goes on as it is (the common case of
	// INTERSECT ALL over distinct rows).
	ones := counts.NullN() == 0
	for i := 0; ones && i < counts.Len(); i++ {
		ones = counts.Value(i) == 1
	}
	if ones {
		if rec.NumRows() == 0 {
			return nil
		}
		return out.Collect(ctx, rows)
	}
	// Otherwise gather the copies, at most r.size rows per batch: a count
	// may be far larger than a batch.
	idx := make([]int32, 0, min(r.size, int(rec.NumRows())))
	flush := func() error {
		if len(idx) == 0 {
			return nil
		}
		ob, err := takeBatch(ctx, r.rt.Mem, rows, idx)
		if err != nil {
			return err
		}
		defer ob.Release()
		idx = idx[:0]
		return out.Collect(ctx, ob)
	}
	for i := 0; i < counts.Len(); i++ {
		if counts.IsNull(i) {
			continue
		}
		for n := counts.Value(i); n > 0; n-- {
			idx = append(idx, int32(i))
			if len(idx) == r.size {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

func (r *Replicate) EndInput(context.Context, Collector) error { return nil }
func (r *Replicate) Close() error                              { return nil }
