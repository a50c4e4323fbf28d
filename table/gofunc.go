package table

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/catalog"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// GoFunction is a user-defined scalar function written in Go, evaluated
// over whole columns: Eval receives one array per argument (all as long as
// the batch) and returns the result column of type Result.
type GoFunction struct {
	Result types.DataType
	// Inputs, when set, are the declared argument types.
	Inputs []types.DataType
	Eval   func(ctx context.Context, mem memory.Allocator, args []arrow.Array) (arrow.Array, error)
	// NonDeterministic functions are never folded into constants.
	NonDeterministic bool
}

// RowFunction adapts a per-row Go function to a GoFunction: args are the
// row's values as engine.Value gives them (nil for NULL), the result is
// appended with the Arrow builder of Result (nil for NULL).
func RowFunction(result types.DataType, f func(args []any) (any, error), inputs ...types.DataType) *GoFunction {
	return &GoFunction{Result: result, Inputs: inputs, Eval: func(_ context.Context, mem memory.Allocator, args []arrow.Array) (arrow.Array, error) {
		n := 0
		if len(args) > 0 {
			n = args[0].Len()
		}
		b := array.NewBuilder(mem, result.Arrow())
		defer b.Release()
		row := make([]any, len(args))
		for i := 0; i < n; i++ {
			for j, a := range args {
				row[j] = engine.Value(a, i)
			}
			v, err := f(row)
			if err != nil {
				return nil, fmt.Errorf("row %d: %w", i, err)
			}
			if err := appendGo(b, v); err != nil {
				return nil, fmt.Errorf("row %d: %w", i, err)
			}
		}
		return b.NewArray(), nil
	}}
}

func appendGo(b array.Builder, v any) error {
	if v == nil {
		b.AppendNull()
		return nil
	}
	switch b := b.(type) {
	case *array.BooleanBuilder:
		if x, ok := v.(bool); ok {
			b.Append(x)
			return nil
		}
	case *array.Int8Builder:
		if x, ok := toInt(v); ok {
			b.Append(int8(x))
			return nil
		}
	case *array.Int16Builder:
		if x, ok := toInt(v); ok {
			b.Append(int16(x))
			return nil
		}
	case *array.Int32Builder:
		if x, ok := toInt(v); ok {
			b.Append(int32(x))
			return nil
		}
	case *array.Int64Builder:
		if x, ok := toInt(v); ok {
			b.Append(x)
			return nil
		}
	case *array.Float32Builder:
		if x, ok := v.(float64); ok {
			b.Append(float32(x))
			return nil
		}
	case *array.Float64Builder:
		if x, ok := v.(float64); ok {
			b.Append(x)
			return nil
		}
	case *array.StringBuilder:
		if x, ok := v.(string); ok {
			b.Append(x)
			return nil
		}
	case *array.BinaryBuilder:
		if x, ok := v.([]byte); ok {
			b.Append(x)
			return nil
		}
	}
	return fmt.Errorf("a %T cannot be a %s result; use GoFunction.Eval for this type", v, b.Type())
}

func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	}
	return 0, false
}

// ResultType implements catalog.ScalarFunction.
func (f *GoFunction) ResultType(args []types.DataType) (types.DataType, error) {
	if f.Inputs != nil {
		if len(args) != len(f.Inputs) {
			return types.DataType{}, fmt.Errorf("takes %d arguments, got %d", len(f.Inputs), len(args))
		}
		for i, a := range args {
			if a.Kind != types.Null && a.Arrow().ID() != f.Inputs[i].Arrow().ID() {
				return types.DataType{}, fmt.Errorf("argument %d is %s; the function declares %s", i+1, a, f.Inputs[i])
			}
		}
	}
	return f.Result, nil
}

// Deterministic implements catalog.ScalarFunction.
func (f *GoFunction) Deterministic() bool { return !f.NonDeterministic }

// Runtime implements catalog.ScalarFunction.
func (f *GoFunction) Runtime() catalog.Runtime { return goRuntime{} }

type goRuntime struct{}

func (goRuntime) Name() string { return "go" }

func (goRuntime) NewEvaluator(calls []catalog.Call) (vectorized.FunctionEvaluator, error) {
	return &goEvaluator{calls: calls}, nil
}

type goEvaluator struct{ calls []catalog.Call }

func (e *goEvaluator) Evaluate(ctx context.Context, b *vectorized.Batch) ([]arrow.Array, error) {
	out := make([]arrow.Array, 0, len(e.calls))
	for _, c := range e.calls {
		args := make([]arrow.Array, len(c.Args))
		for i, a := range c.Args {
			args[i] = b.Record.Column(a)
		}
		r, err := c.Function.(*GoFunction).Eval(ctx, memory.DefaultAllocator, args)
		if err == nil && (r.Len() != int(b.NumRows()) || !arrow.TypeEqual(r.DataType(), c.Result.Arrow())) {
			err = fmt.Errorf("returned %d %s values for a batch of %d rows; expected %s", r.Len(), r.DataType(), b.NumRows(), c.Result)
			r.Release()
		}
		if err != nil {
			for _, o := range out {
				o.Release()
			}
			return nil, fmt.Errorf("function %s: %w", c.Name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func (e *goEvaluator) Close() error { return nil }
