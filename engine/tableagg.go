package engine

import (
	"context"

	"github.com/sluice-stream/sluice/vectorized"
)

// NewRetractAsDelete is the last step of a table aggregate (Flink's
// TableAggregateFunction, PyFlink's flat_aggregate): the rows a group emits
// come from unnesting its aggregate value, whose change is -U(old list)
// then +U(new list). Flink's GroupTableAggFunction instead retracts each
// previously emitted row with -D and emits each new row with +I, so -U
// rows become -D and +U rows +I; +I and -D pass as they are. The record
// is passed on as it is, only the kinds change.
func NewRetractAsDelete() Operator { return &retractAsDelete{} }

type retractAsDelete struct{}

func (*retractAsDelete) String() string { return "RetractAsDelete" }

func (*retractAsDelete) Open(context.Context, *RuntimeContext) error { return nil }

func (r *retractAsDelete) Process(ctx context.Context, _ int, b *vectorized.Batch, out Collector) error {
	if b.Kinds == nil {
		return out.Collect(ctx, b)
	}
	// A new slice per batch: a collector may keep the batch it is lent
	// (retaining its record), and with it the kinds.
	kinds := make([]vectorized.RowKind, len(b.Kinds))
	for i, k := range b.Kinds {
		switch k {
		case vectorized.UpdateBefore:
			kinds[i] = vectorized.Delete
		case vectorized.UpdateAfter:
			kinds[i] = vectorized.Insert
		default:
			kinds[i] = k
		}
	}
	return out.Collect(ctx, &vectorized.Batch{Record: b.Record, Kinds: kinds})
}

func (*retractAsDelete) EndInput(context.Context, Collector) error { return nil }
func (*retractAsDelete) Close() error                              { return nil }
