package vectorized

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
)

// RowKind is a changelog row kind, with Flink's semantics.
type RowKind int8

const (
	Insert       RowKind = iota // +I
	UpdateBefore                // -U
	UpdateAfter                 // +U
	Delete                      // -D
)

// String returns Flink's short form: +I, -U, +U, -D.
func (k RowKind) String() string {
	switch k {
	case Insert:
		return "+I"
	case UpdateBefore:
		return "-U"
	case UpdateAfter:
		return "+U"
	case Delete:
		return "-D"
	}
	return "?"
}

// Batch is a record batch flowing between operators. Kinds is nil for an
// append-only batch (every row +I); otherwise it has one entry per row.
type Batch struct {
	Record arrow.RecordBatch
	Kinds  []RowKind
}

// NewBatch wraps an append-only record. The batch takes over the caller's
// reference.
func NewBatch(rec arrow.RecordBatch) *Batch { return &Batch{Record: rec} }

// NumRows is the number of rows in the batch.
func (b *Batch) NumRows() int64 { return b.Record.NumRows() }

// Kind is the row kind of row i.
func (b *Batch) Kind(i int) RowKind {
	if b.Kinds == nil {
		return Insert
	}
	return b.Kinds[i]
}

// Release drops the batch's reference to its record.
func (b *Batch) Release() {
	if b.Record != nil {
		b.Record.Release()
		b.Record = nil
	}
}

// FunctionEvaluator computes the results of one or more function calls over
// a whole batch: one result column per call, each as long as the batch. It
// is how a calc operator runs user-defined functions without knowing what
// language they are written in.
type FunctionEvaluator interface {
	// Evaluate returns one array per call; the caller releases them.
	Evaluate(ctx context.Context, b *Batch) ([]arrow.Array, error)
	// Close releases what the evaluator holds (Python references, buffers).
	Close() error
}
