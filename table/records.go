package table

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/planner"
	"github.com/sluice-stream/sluice/table/sql"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

var recordsSeq atomic.Int64

// FromRecords makes a bounded, insert-only table of Arrow record batches
// that share one schema, without copying them (the Python API's
// from_pandas hands pandas' columns over this way). The table keeps its
// own references to the records; release yours when you are done.
func (e *Environment) FromRecords(schema *arrow.Schema, recs []arrow.RecordBatch) (*Table, error) {
	fields := make(planner.Schema, schema.NumFields())
	for i, f := range schema.Fields() {
		t, err := types.FromArrow(f.Type)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", f.Name, err)
		}
		if d, ok := declaredType(f); ok {
			t = d
		}
		if !f.Nullable {
			t = t.NotNullable()
		}
		fields[i] = planner.Field{Name: f.Name, Type: t}
	}
	for i, r := range recs {
		if !r.Schema().Equal(schema) {
			return nil, fmt.Errorf("record %d has schema %s, not %s", i, r.Schema(), schema)
		}
	}
	held := make([]arrow.RecordBatch, len(recs))
	var rows int64
	for i, r := range recs {
		r.Retain()
		held[i] = r
		rows += r.NumRows()
	}
	src := &connector.Source{
		Bounded: true, Mode: connector.InsertOnly, Parallelism: 1,
		Describe: fmt.Sprintf("records=%d, rows=%d", len(held), rows),
		Instance: func(int, int) engine.Source { return &recordsSource{recs: held} },
	}
	name := fmt.Sprintf("records_%d", recordsSeq.Add(1))
	return &Table{env: e, node: &planner.Scan{Table: name, Source: src, Fields: fields}}, nil
}

// SQLTypeMetadataKey is the Arrow field metadata key by which a record
// batch's producer (from_elements) declares a column's SQL type where the
// Arrow type does not tell it: TIME(0) and TIME(3) are both milliseconds
// of the day, and a TIME(0) column keeps 12:00:00.123 as Flink's does —
// which a CAST to TIME(0) would cut.
const SQLTypeMetadataKey = "sluice.sql_type"

// declaredType is the SQL type f's metadata declares, when it parses and
// is carried by f's Arrow type.
func declaredType(f arrow.Field) (types.DataType, bool) {
	i := f.Metadata.FindKey(SQLTypeMetadataKey)
	if i < 0 {
		return types.DataType{}, false
	}
	ast, err := sql.ParseDataType(f.Metadata.Values()[i])
	if err != nil {
		return types.DataType{}, false
	}
	t, err := planner.TypeFromAST(ast)
	if err != nil || !arrow.TypeEqual(t.Arrow(), f.Type) {
		return types.DataType{}, false
	}
	return t.Nullable(), true
}

// recordsSource emits the records it was given, lending each as a batch.
type recordsSource struct{ recs []arrow.RecordBatch }

func (s *recordsSource) String() string                                     { return "Records" }
func (s *recordsSource) Open(context.Context, *engine.RuntimeContext) error { return nil }
func (s *recordsSource) Close() error                                       { return nil }

func (s *recordsSource) Run(ctx context.Context, out engine.Collector) error {
	for _, r := range s.recs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := out.Collect(ctx, &vectorized.Batch{Record: r}); err != nil {
			return err
		}
	}
	return nil
}
