package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

// checkedMem is an allocator that fails the test if anything allocated
// through it is still live when the test ends.
func checkedMem(t testing.TB) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

func schemaOf(fields ...arrow.Field) *arrow.Schema { return arrow.NewSchema(fields, nil) }

func field(name string, dt arrow.DataType) arrow.Field {
	return arrow.Field{Name: name, Type: dt, Nullable: true}
}

// kinds parses "+I -U +U -D" into row kinds.
func kinds(s string) []vectorized.RowKind {
	var out []vectorized.RowKind
	for i := 0; i+1 < len(s); i += 3 {
		switch s[i : i+2] {
		case "+I":
			out = append(out, vectorized.Insert)
		case "-U":
			out = append(out, vectorized.UpdateBefore)
		case "+U":
			out = append(out, vectorized.UpdateAfter)
		case "-D":
			out = append(out, vectorized.Delete)
		default:
			panic("bad kind " + s[i:i+2])
		}
	}
	return out
}

// makeBatch builds a batch from rows of Go values (nil = NULL); ks may be
// nil for an append-only batch.
func makeBatch(t testing.TB, mem memory.Allocator, schema *arrow.Schema, ks []vectorized.RowKind, rows ...[]any) *vectorized.Batch {
	t.Helper()
	bld := array.NewRecordBuilder(mem, schema)
	defer bld.Release()
	for _, row := range rows {
		require.Len(t, row, schema.NumFields())
		for c, v := range row {
			appendValue(t, bld.Field(c), v)
		}
	}
	rec := bld.NewRecordBatch()
	if ks != nil {
		require.Len(t, ks, len(rows))
	}
	return &vectorized.Batch{Record: rec, Kinds: ks}
}

func appendValue(t testing.TB, b array.Builder, v any) {
	t.Helper()
	if v == nil {
		b.AppendNull()
		return
	}
	switch b := b.(type) {
	case *array.BooleanBuilder:
		b.Append(v.(bool))
	case *array.Int8Builder:
		b.Append(int8(toInt(v)))
	case *array.Int16Builder:
		b.Append(int16(toInt(v)))
	case *array.Int32Builder:
		b.Append(int32(toInt(v)))
	case *array.Int64Builder:
		b.Append(toInt(v))
	case *array.Uint8Builder:
		b.Append(uint8(toInt(v)))
	case *array.Float32Builder:
		b.Append(float32(v.(float64)))
	case *array.Float64Builder:
		b.Append(v.(float64))
	case *array.StringBuilder:
		b.Append(v.(string))
	case *array.BinaryBuilder:
		b.Append(v.([]byte))
	case *array.Date32Builder:
		b.Append(arrow.Date32(toInt(v)))
	case *array.TimestampBuilder:
		b.Append(arrow.Timestamp(toInt(v)))
	case *array.Decimal128Builder:
		s := b.Type().(*arrow.Decimal128Type)
		n, err := decimal128.FromString(v.(string), s.Precision, s.Scale)
		require.NoError(t, err)
		b.Append(n)
	default:
		t.Fatalf("appendValue: no case for %T", b)
	}
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int64:
		return x
	case int32:
		return int64(x)
	}
	panic(fmt.Sprintf("not an int: %T", v))
}

// harness drives one operator instance directly, as Flink's
// OneInputStreamOperatorTestHarness does, and records what it emits.
type harness struct {
	t   testing.TB
	op  Operator
	mem memory.Allocator
	out []Row
	rt  *RuntimeContext
}

func newHarness(t testing.TB, mem memory.Allocator, op Operator, cfg Config) *harness {
	t.Helper()
	rt := &RuntimeContext{
		JobName: "test", OperatorName: nameOf(op, ""), Parallelism: 1, Mem: mem,
		Metrics: &OperatorMetrics{}, Config: cfg,
		EvalContext: func() *vectorized.EvalContext {
			ec := vectorized.NewEvalContext(context.Background())
			ec.Mem = mem
			return ec
		},
	}
	require.NoError(t, op.Open(context.Background(), rt))
	h := &harness{t: t, op: op, mem: mem, rt: rt}
	t.Cleanup(func() { require.NoError(t, op.Close()) })
	return h
}

func (h *harness) Collect(_ context.Context, b *vectorized.Batch) error {
	h.out = append(h.out, BatchRows(b)...)
	return nil
}

// process feeds a batch (and releases it) and returns what was emitted.
func (h *harness) process(b *vectorized.Batch) []Row {
	h.t.Helper()
	defer b.Release()
	h.out = nil
	require.NoError(h.t, h.op.Process(context.Background(), 0, b, h))
	return h.out
}

func (h *harness) processErr(b *vectorized.Batch) error {
	defer b.Release()
	return h.op.Process(context.Background(), 0, b, h)
}

func (h *harness) endInput() []Row {
	h.t.Helper()
	h.out = nil
	require.NoError(h.t, h.op.EndInput(context.Background(), h))
	return h.out
}

// strs renders rows as Flink prints them, for compact expectations.
func strs(rows []Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.String()
	}
	return out
}

// exprFunc is a test-local computed expression: an int64 function of one
// int64 column, NULL in → NULL out.
type exprFunc struct {
	col  int
	name string
	f    func(int64) int64
}

func (e exprFunc) DataType() arrow.DataType { return arrow.PrimitiveTypes.Int64 }
func (e exprFunc) String() string           { return e.name }
func (e exprFunc) Eval(ec *vectorized.EvalContext, rec arrow.RecordBatch) (arrow.Array, error) {
	in := rec.Column(e.col).(*array.Int64)
	b := array.NewInt64Builder(ec.Mem)
	defer b.Release()
	for i := 0; i < in.Len(); i++ {
		if in.IsNull(i) {
			b.AppendNull()
		} else {
			b.Append(e.f(in.Value(i)))
		}
	}
	return b.NewArray(), nil
}

// predicate is a test-local BOOLEAN expression over one int64 column,
// NULL when the column is NULL (SQL comparison semantics).
type predicate struct {
	col  int
	name string
	f    func(int64) bool
}

func (p predicate) DataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }
func (p predicate) String() string           { return p.name }
func (p predicate) Eval(ec *vectorized.EvalContext, rec arrow.RecordBatch) (arrow.Array, error) {
	in := rec.Column(p.col).(*array.Int64)
	b := array.NewBooleanBuilder(ec.Mem)
	defer b.Release()
	for i := 0; i < in.Len(); i++ {
		if in.IsNull(i) {
			b.AppendNull()
		} else {
			b.Append(p.f(in.Value(i)))
		}
	}
	return b.NewArray(), nil
}
