package vectorized

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// EvalContext is what expressions may read besides their input batch.
type EvalContext struct {
	Ctx context.Context
	Mem memory.Allocator
	// Now is the instant CURRENT_TIMESTAMP, NOW() and friends return. Flink
	// evaluates them per record in streaming mode and once per query in
	// batch mode; the caller sets it accordingly (per batch in streaming).
	Now time.Time
	// Location is the session time zone (table.local-time-zone), used by
	// TIMESTAMP_LTZ conversions, CURRENT_TIMESTAMP and DATE_FORMAT.
	Location *time.Location
	// Rand serves RAND() and RAND_INTEGER(); nil means a fresh source.
	Rand *rand.Rand
	// Watermark is the evaluating task's current input watermark (ms since
	// the epoch) when HasWatermark is set: CURRENT_WATERMARK(ts) is NULL
	// while no watermark arrived (Flink).
	Watermark    int64
	HasWatermark bool
}

// NewEvalContext is a context with the default allocator, now, and UTC.
func NewEvalContext(ctx context.Context) *EvalContext {
	return &EvalContext{Ctx: ctx, Mem: memory.DefaultAllocator, Now: time.Now(), Location: time.UTC}
}

// Expr is a compiled scalar expression, evaluated over a whole batch at a
// time. Implementations are immutable and safe for concurrent use.
type Expr interface {
	// DataType is the Arrow type of the result.
	DataType() arrow.DataType
	// Eval returns one value per row of rec; the caller releases it.
	Eval(ec *EvalContext, rec arrow.RecordBatch) (arrow.Array, error)
	// String renders the expression for plans and errors.
	String() string
}

// ColumnRef is the column at Index of the input batch.
type ColumnRef struct {
	Index int
	Type  arrow.DataType
	Name  string // for String only
}

// Col makes a column reference.
func Col(index int, dt arrow.DataType, name string) *ColumnRef {
	return &ColumnRef{Index: index, Type: dt, Name: name}
}

func (c *ColumnRef) DataType() arrow.DataType { return c.Type }

func (c *ColumnRef) Eval(_ *EvalContext, rec arrow.RecordBatch) (arrow.Array, error) {
	if c.Index < 0 || c.Index >= int(rec.NumCols()) {
		return nil, fmt.Errorf("column $%d does not exist in a batch of %d columns", c.Index, rec.NumCols())
	}
	col := rec.Column(c.Index)
	if !arrow.TypeEqual(col.DataType(), c.Type) {
		return nil, fmt.Errorf("column $%d (%s) is %s, the plan expects %s", c.Index, c.Name, col.DataType(), c.Type)
	}
	col.Retain()
	return col, nil
}

func (c *ColumnRef) String() string {
	if c.Name != "" {
		return c.Name
	}
	return fmt.Sprintf("$%d", c.Index)
}
