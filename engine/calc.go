package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"

	"github.com/sluice-stream/sluice/vectorized"
)

// CalcStep is one step of a Calc: AppendColumns, AppendEvaluated, Filter or
// Project. Column indices in a step's expressions refer to the batch as the
// previous steps left it.
type CalcStep interface{ calcStep() string }

// AppendColumns adds one computed column per expression after the existing
// ones. Names are optional (default: the expression's String).
type AppendColumns struct {
	Exprs []vectorized.Expr
	Names []string
}

// AppendEvaluated adds the evaluator's result columns — one per function
// call — after the existing ones: how user-defined functions (Python row or
// pandas UDFs) run. The Calc does not close the evaluator: its owner does,
// after the job, as subtasks may share it. Names are optional (default
// EXPR$n).
type AppendEvaluated struct {
	Evaluator vectorized.FunctionEvaluator
	Names     []string
}

// Filter keeps the rows where Cond is TRUE; NULL counts as false. Row kinds
// are compacted with their rows.
type Filter struct{ Cond vectorized.Expr }

// Project replaces the columns with the expressions' results, named Names
// (default: the expression's String).
type Project struct {
	Exprs []vectorized.Expr
	Names []string
}

func (s AppendColumns) calcStep() string   { return "append=[" + exprList(s.Exprs) + "]" }
func (s AppendEvaluated) calcStep() string { return fmt.Sprintf("evaluate=[%T]", s.Evaluator) }
func (s Filter) calcStep() string          { return "where=[" + s.Cond.String() + "]" }
func (s Project) calcStep() string         { return "select=[" + exprList(s.Exprs) + "]" }

func exprList(es []vectorized.Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, ", ")
}

// Calc is projection, filtering and function evaluation over whole batches.
// Row kinds pass through unchanged; empty batches are not emitted.
type Calc struct {
	steps []CalcStep
	rt    *RuntimeContext
}

// NewCalc makes a Calc applying steps in order to each batch.
func NewCalc(steps ...CalcStep) *Calc { return &Calc{steps: steps} }

func (c *Calc) String() string {
	parts := make([]string, len(c.steps))
	for i, s := range c.steps {
		parts[i] = s.calcStep()
	}
	return "Calc(" + strings.Join(parts, ", ") + ")"
}

// OpenableEvaluator is a FunctionEvaluator that learns where it runs: a
// Calc calls Open for each of its subtasks as it opens, before its first
// batch (one evaluator serves every subtask of a calc, so Open is called
// once per subtask, possibly concurrently). An error fails the job, as a
// failing open of a Flink operator does.
type OpenableEvaluator interface {
	vectorized.FunctionEvaluator
	Open(ctx context.Context, rt *RuntimeContext) error
}

func (c *Calc) Open(ctx context.Context, rt *RuntimeContext) error {
	c.rt = rt
	for i, s := range c.steps {
		switch s := s.(type) {
		case AppendColumns:
			if len(s.Names) > 0 && len(s.Names) != len(s.Exprs) {
				return fmt.Errorf("calc step %d: %d names for %d expressions", i, len(s.Names), len(s.Exprs))
			}
		case Project:
			if len(s.Names) > 0 && len(s.Names) != len(s.Exprs) {
				return fmt.Errorf("calc step %d: %d names for %d expressions", i, len(s.Names), len(s.Exprs))
			}
		case AppendEvaluated:
			if s.Evaluator == nil {
				return fmt.Errorf("calc step %d: no evaluator", i)
			}
			if o, ok := s.Evaluator.(OpenableEvaluator); ok {
				if err := o.Open(ctx, rt); err != nil {
					return err
				}
			}
		case Filter:
			if s.Cond == nil {
				return fmt.Errorf("calc step %d: no condition", i)
			}
			if s.Cond.DataType().ID() != arrow.BOOL {
				return fmt.Errorf("calc step %d: filter condition %s is %s, not BOOLEAN", i, s.Cond, s.Cond.DataType())
			}
		case nil:
			return fmt.Errorf("calc step %d is nil", i)
		}
	}
	return nil
}

func (c *Calc) Process(ctx context.Context, _ int, b *vectorized.Batch, out Collector) error {
	if b.NumRows() == 0 {
		return nil
	}
	ec := c.rt.EvalContext()
	ec.Ctx = ctx
	cur, owned := b, false
	defer func() {
		if owned {
			cur.Release()
		}
	}()
	replace := func(nb *vectorized.Batch) {
		if owned {
			cur.Release()
		}
		cur, owned = nb, true
	}
	for _, step := range c.steps {
		switch s := step.(type) {
		case AppendColumns:
			cols, err := evalAll(ec, s.Exprs, cur.Record)
			if err != nil {
				return err
			}
			replace(appendColumns(cur, cols, names(s.Names, s.Exprs, nil, int(cur.Record.NumCols()))))
		case AppendEvaluated:
			cols, err := s.Evaluator.Evaluate(ctx, cur)
			if err != nil {
				return err
			}
			for i, col := range cols {
				if n := col.Len(); int64(n) != cur.NumRows() {
					releaseAll(cols)
					return fmt.Errorf("function result %d has %d rows for a batch of %d", i, n, cur.NumRows())
				}
			}
			replace(appendColumns(cur, cols, names(s.Names, nil, cols, int(cur.Record.NumCols()))))
		case Filter:
			nb, err := c.filter(ctx, ec, s.Cond, cur)
			if err != nil {
				return err
			}
			if nb == nil {
				continue // every row passes
			}
			replace(nb)
			if cur.NumRows() == 0 {
				return nil
			}
		case Project:
			cols, err := evalAll(ec, s.Exprs, cur.Record)
			if err != nil {
				return err
			}
			ns := names(s.Names, s.Exprs, nil, 0)
			fields := make([]arrow.Field, len(cols))
			for i, col := range cols {
				fields[i] = arrow.Field{Name: ns[i], Type: col.DataType(), Nullable: true}
			}
			rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, cur.NumRows())
			releaseAll(cols)
			replace(&vectorized.Batch{Record: rec, Kinds: cur.Kinds})
		}
	}
	if cur.NumRows() == 0 {
		return nil
	}
	return out.Collect(ctx, cur)
}

// filter returns the rows of b where cond is TRUE, or nil when all are.
func (c *Calc) filter(ctx context.Context, ec *vectorized.EvalContext, cond vectorized.Expr, b *vectorized.Batch) (*vectorized.Batch, error) {
	res, err := cond.Eval(ec, b.Record)
	if err != nil {
		return nil, fmt.Errorf("filter %s: %w", cond, err)
	}
	defer res.Release()
	mask, ok := res.(*array.Boolean)
	if !ok {
		return nil, fmt.Errorf("filter %s returned %s, not BOOLEAN", cond, res.DataType())
	}
	n := mask.Len()
	if int64(n) != b.NumRows() {
		return nil, fmt.Errorf("filter %s returned %d rows for a batch of %d", cond, n, b.NumRows())
	}
	values := mask.Data().Buffers()[1].Bytes()
	off := mask.Data().Offset()
	valid, voff := validBits(mask)
	idx := make([]int32, 0, n)
	for i := 0; i < n; i++ {
		if bitutil.BitIsSet(values, off+i) && (valid == nil || bitutil.BitIsSet(valid, voff+i)) {
			idx = append(idx, int32(i))
		}
	}
	if len(idx) == n {
		return nil, nil
	}
	if len(idx) == 0 {
		return &vectorized.Batch{Record: b.Record.NewSlice(0, 0)}, nil
	}
	return takeBatch(ctx, c.rt.Mem, b, idx)
}

func (c *Calc) EndInput(context.Context, Collector) error { return nil }
func (c *Calc) Close() error                              { return nil }

func evalAll(ec *vectorized.EvalContext, exprs []vectorized.Expr, rec arrow.RecordBatch) ([]arrow.Array, error) {
	cols := make([]arrow.Array, 0, len(exprs))
	for _, e := range exprs {
		col, err := e.Eval(ec, rec)
		if err != nil {
			releaseAll(cols)
			return nil, fmt.Errorf("%s: %w", e, err)
		}
		if n := col.Len(); int64(n) != rec.NumRows() {
			col.Release()
			releaseAll(cols)
			return nil, fmt.Errorf("%s returned %d rows for a batch of %d", e, n, rec.NumRows())
		}
		cols = append(cols, col)
	}
	return cols, nil
}

func releaseAll(cols []arrow.Array) {
	for _, c := range cols {
		c.Release()
	}
}

func names(given []string, exprs []vectorized.Expr, cols []arrow.Array, first int) []string {
	n := max(len(exprs), len(cols))
	if len(given) == n {
		return given
	}
	out := make([]string, n)
	for i := range out {
		if exprs != nil {
			out[i] = exprs[i].String()
		} else {
			out[i] = fmt.Sprintf("EXPR$%d", first+i)
		}
	}
	return out
}

// appendColumns is b's columns followed by cols (whose references it takes
// over).
func appendColumns(b *vectorized.Batch, cols []arrow.Array, colNames []string) *vectorized.Batch {
	rec := b.Record
	fields := append([]arrow.Field(nil), rec.Schema().Fields()...)
	all := append([]arrow.Array(nil), rec.Columns()...)
	for i, col := range cols {
		fields = append(fields, arrow.Field{Name: colNames[i], Type: col.DataType(), Nullable: true})
		all = append(all, col)
	}
	out := array.NewRecordBatch(arrow.NewSchema(fields, nil), all, rec.NumRows())
	releaseAll(cols)
	return &vectorized.Batch{Record: out, Kinds: b.Kinds}
}
