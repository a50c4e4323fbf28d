package expr

import (
	"context"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/vectorized"
)

// node is implemented by every expression this package builds. It lets
// conditional expressions decide whether a branch may run on rows that do
// not reach it (it cannot fail) and which columns it reads.
type node interface {
	vectorized.Expr
	children() []vectorized.Expr
	// canFail reports whether evaluating this node itself (not its
	// children) can return an error for some input values.
	canFail() bool
}

// exprCanFail reports whether evaluating e may fail on some row. Expressions
// from other packages are assumed to fail (a Python UDF may raise).
func exprCanFail(e vectorized.Expr) bool {
	switch x := e.(type) {
	case *vectorized.ColumnRef:
		return false
	case node:
		if x.canFail() {
			return true
		}
		for _, c := range x.children() {
			if exprCanFail(c) {
				return true
			}
		}
		return false
	}
	return true
}

// referencedColumns adds the columns e reads to set; false when e contains
// an expression this package cannot look into.
func referencedColumns(e vectorized.Expr, set map[int]bool) bool {
	switch x := e.(type) {
	case *vectorized.ColumnRef:
		set[x.Index] = true
		return true
	case node:
		for _, c := range x.children() {
			if !referencedColumns(c, set) {
				return false
			}
		}
		return true
	}
	return false
}

func allocatorOf(ec *vectorized.EvalContext) memory.Allocator {
	if ec == nil || ec.Mem == nil {
		return memory.DefaultAllocator
	}
	return ec.Mem
}

func locationOf(ec *vectorized.EvalContext) *time.Location {
	if ec == nil || ec.Location == nil {
		return time.UTC
	}
	return ec.Location
}

func contextOf(ec *vectorized.EvalContext) context.Context {
	if ec == nil || ec.Ctx == nil {
		return context.Background()
	}
	return ec.Ctx
}

// kctx is what a kernel sees besides its arguments.
type kctx struct {
	ec   *vectorized.EvalContext
	mem  memory.Allocator
	n    int
	call *callExpr
}

func (k *kctx) loc() *time.Location { return locationOf(k.ec) }

// fail builds the error for a value the function cannot handle; callText
// renders the call with the offending values.
func (k *kctx) fail(callText, reason string) error {
	return &EvalError{Function: k.call.name, Call: callText, Reason: reason}
}

type kernelFn func(kc *kctx, args []arrow.Array) (arrow.Array, error)

// callExpr applies a kernel to its evaluated arguments.
type callExpr struct {
	name  string
	args  []vectorized.Expr
	typ   arrow.DataType
	fn    kernelFn
	fails bool
	// scalarOK kernels take literal arguments as length-1 arrays instead of
	// broadcast columns (the arithmetic and comparison fast paths).
	scalarOK bool
	// infix renders binary operators as (a op b).
	infix bool
	// zoned calls depend on the session time zone and are never folded.
	zoned bool
	// state carries bind-time data for the kernel (compiled patterns, ...).
	state any
	// rawInt marks arguments that are an implicit cast of an integer the
	// kernel does itself: the kernel gets the integer column (the DECIMAL
	// kernels, which widen each value in registers instead of writing a
	// DECIMAL column first).
	rawInt []bool
}

func (c *callExpr) DataType() arrow.DataType    { return c.typ }
func (c *callExpr) children() []vectorized.Expr { return c.args }
func (c *callExpr) canFail() bool               { return c.fails }
func (c *callExpr) String() string              { return renderCall(c.name, c.infix, c.args) }
func mapStrings(args []vectorized.Expr) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a.String()
	}
	return out
}

func renderCall(name string, infix bool, args []vectorized.Expr) string {
	s := mapStrings(args)
	if infix && len(s) == 2 {
		return "(" + s[0] + " " + name + " " + s[1] + ")"
	}
	return name + "(" + strings.Join(s, ", ") + ")"
}

func (c *callExpr) Eval(ec *vectorized.EvalContext, rec arrow.RecordBatch) (arrow.Array, error) {
	n := int(rec.NumRows())
	mem := allocatorOf(ec)
	arrs := make([]arrow.Array, len(c.args))
	defer func() {
		for _, a := range arrs {
			if a != nil {
				a.Release()
			}
		}
	}()
	scalar := c.scalarOK && n != 1
	if scalar {
		// at least one argument must be a column so kernels know the length
		allLit := true
		for _, a := range c.args {
			if _, ok := a.(*literalExpr); !ok {
				allLit = false
			}
		}
		scalar = !allLit
	}
	for i, a := range c.args {
		if lit, ok := a.(*literalExpr); ok && scalar {
			arrs[i] = lit.single()
			continue
		}
		if c.rawInt != nil && c.rawInt[i] {
			a = a.(*castExpr).arg
		}
		arr, err := a.Eval(ec, rec)
		if err != nil {
			return nil, err
		}
		arrs[i] = arr
	}
	kc := &kctx{ec: ec, mem: mem, n: n, call: c}
	return c.fn(kc, arrs)
}

// evalOn evaluates e on the rows sel of rec (every row when sel is nil).
// When full is true the result has one value per row of rec and is indexed
// by row; otherwise it has one value per entry of sel. Expressions that can
// fail only ever see the selected rows — that is what makes CASE, IF,
// COALESCE and AND/OR lazy.
func evalOn(ec *vectorized.EvalContext, e vectorized.Expr, rec arrow.RecordBatch, sel []int32) (arrow.Array, bool, error) {
	n := int(rec.NumRows())
	if sel == nil || len(sel) == n {
		arr, err := e.Eval(ec, rec)
		return arr, true, err
	}
	if len(sel) == 0 {
		return array.MakeArrayOfNull(allocatorOf(ec), e.DataType(), 0), false, nil
	}
	if lit, ok := e.(*literalExpr); ok {
		arr := lit.single()
		defer arr.Release()
		out, err := broadcast(allocatorOf(ec), arr, len(sel))
		return out, false, err
	}
	// A branch that cannot fail and covers most rows is cheaper to run over
	// the whole batch than to copy its inputs.
	if !exprCanFail(e) && 2*len(sel) >= n {
		arr, err := e.Eval(ec, rec)
		return arr, true, err
	}
	sub, err := subRecord(allocatorOf(ec), rec, sel, e)
	if err != nil {
		return nil, false, err
	}
	defer sub.Release()
	arr, err := e.Eval(ec, sub)
	return arr, false, err
}

// subRecord is rec restricted to the rows sel. Columns e does not read keep
// their type but are only sliced (their values are never looked at).
func subRecord(mem memory.Allocator, rec arrow.RecordBatch, sel []int32, e vectorized.Expr) (arrow.RecordBatch, error) {
	refs := map[int]bool{}
	known := referencedColumns(e, refs)
	cols := make([]arrow.Array, rec.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	k := len(sel)
	for i := range cols {
		col := rec.Column(i)
		if known && !refs[i] {
			if col.Len() >= k {
				cols[i] = array.NewSlice(col, 0, int64(k))
			} else {
				cols[i] = array.MakeArrayOfNull(mem, col.DataType(), k)
			}
			continue
		}
		t, err := take(mem, col, sel)
		if err != nil {
			return nil, err
		}
		cols[i] = t
	}
	return array.NewRecordBatch(rec.Schema(), cols, int64(k)), nil
}
