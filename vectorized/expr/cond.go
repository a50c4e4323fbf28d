package expr

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/vectorized"
)

func init() {
	register("CASE", []string{"CASE(BOOLEAN, T, [BOOLEAN, T,]... [T])"}, bindCase)
	register("IF", []string{"IF(BOOLEAN, T, T)"}, bindIf)
	register("COALESCE", []string{"COALESCE(T, T...)"}, bindCoalesce)
	register("IFNULL", []string{"IFNULL(T, T)"}, bindIfNull)
	register("NULLIF", []string{"NULLIF(T, T)"}, bindNullIf)
}

// caseExpr is a searched CASE. Each WHEN condition is evaluated only on the
// rows no earlier condition claimed, and each THEN/ELSE value only on its own
// rows, so CASE WHEN x = 0 THEN 0 ELSE 10 / x END never divides by zero
// (Flink generates nested if/else code with the same effect).
type caseExpr struct {
	name  string // CASE or IF
	conds []vectorized.Expr
	vals  []vectorized.Expr
	els   vectorized.Expr // nil: ELSE NULL
	typ   arrow.DataType
}

func bindCase(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) < 2 {
		return nil, noMatch()
	}
	c := &caseExpr{name: name}
	i := 0
	for ; i+1 < len(args); i += 2 {
		cond, ok := boolArg(args[i])
		if !ok {
			return nil, noMatchf("WHEN condition %d is %s, not BOOLEAN", i/2+1, SQLTypeName(args[i].DataType()))
		}
		c.conds = append(c.conds, cond)
		c.vals = append(c.vals, args[i+1])
	}
	if i < len(args) {
		c.els = args[i]
	}
	return finishCase(c)
}

func finishCase(c *caseExpr) (vectorized.Expr, error) {
	types := argTypes(c.vals)
	if c.els != nil {
		types = append(types, c.els.DataType())
	}
	typ := commonType(types)
	if typ == nil {
		return nil, noMatchf("the result types %s have no common type", typeList(types))
	}
	c.typ = typ
	for i, v := range c.vals {
		c.vals[i] = implicit(v, typ)
	}
	if c.els != nil {
		c.els = implicit(c.els, typ)
	}
	if len(c.conds) > 32000 {
		return nil, noMatchf("too many branches")
	}
	return c, nil
}

func typeList(types []arrow.DataType) string {
	s := make([]string, len(types))
	for i, t := range types {
		s[i] = SQLTypeName(t)
	}
	return strings.Join(s, ", ")
}

func bindIf(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 3 {
		return nil, noMatch()
	}
	cond, ok := boolArg(args[0])
	if !ok {
		return nil, noMatch()
	}
	return finishCase(&caseExpr{name: name, conds: []vectorized.Expr{cond}, vals: []vectorized.Expr{args[1]}, els: args[2]})
}

func (c *caseExpr) DataType() arrow.DataType { return c.typ }
func (c *caseExpr) canFail() bool            { return false }
func (c *caseExpr) children() []vectorized.Expr {
	out := []vectorized.Expr{}
	for i := range c.conds {
		out = append(out, c.conds[i], c.vals[i])
	}
	if c.els != nil {
		out = append(out, c.els)
	}
	return out
}

func (c *caseExpr) String() string {
	if c.name == "IF" {
		return "IF(" + c.conds[0].String() + ", " + c.vals[0].String() + ", " + c.els.String() + ")"
	}
	var b strings.Builder
	b.WriteString("CASE")
	for i := range c.conds {
		b.WriteString(" WHEN " + c.conds[i].String() + " THEN " + c.vals[i].String())
	}
	if c.els != nil {
		b.WriteString(" ELSE " + c.els.String())
	}
	b.WriteString(" END")
	return b.String()
}

// allSafe reports whether no condition or branch can fail, so everything
// may run over the whole batch.
func (c *caseExpr) allSafe() bool {
	for _, e := range c.children() {
		if exprCanFail(e) {
			return false
		}
	}
	return true
}

// evalFull evaluates a CASE whose parts cannot fail: every condition and
// every used branch runs over the whole batch, and rows pick their branch.
func (c *caseExpr) evalFull(ec *vectorized.EvalContext, rec arrow.RecordBatch) (arrow.Array, error) {
	n := int(rec.NumRows())
	const open = -2
	which := make([]int16, n)
	for i := range which {
		which[i] = open
	}
	used := make([]bool, len(c.vals)+1)
	for j, cond := range c.conds {
		arr, err := cond.Eval(ec, rec)
		if err != nil {
			return nil, err
		}
		w := toWords(arr, n)
		arr.Release()
		for i := 0; i < n; i++ {
			if which[i] != open {
				continue
			}
			k, bit := i>>6, uint64(1)<<(i&63)
			if w.val[k]&w.valid[k]&bit != 0 {
				which[i] = int16(j)
				used[j] = true
			}
		}
	}
	elseIdx := int16(-1)
	if c.els != nil {
		elseIdx = int16(len(c.vals))
	}
	for i := range which {
		if which[i] == open {
			which[i] = elseIdx
			if elseIdx >= 0 {
				used[elseIdx] = true
			}
		}
	}
	branches := append(append([]vectorized.Expr{}, c.vals...), c.els)
	mem := allocatorOf(ec)
	srcs := make([]arrow.Array, len(branches))
	defer func() {
		for _, s := range srcs {
			if s != nil {
				s.Release()
			}
		}
	}()
	for j, b := range branches {
		if b == nil || !used[j] {
			srcs[j] = emptyOf(mem, c.typ) // never read
			continue
		}
		arr, err := b.Eval(ec, rec)
		if err != nil {
			return nil, err
		}
		srcs[j] = arr
	}
	return gather(mem, c.typ, n, srcs, which, nil)
}

func (c *caseExpr) Eval(ec *vectorized.EvalContext, rec arrow.RecordBatch) (arrow.Array, error) {
	if c.allSafe() {
		return c.evalFull(ec, rec)
	}
	n := int(rec.NumRows())
	which := make([]int16, n)
	for i := range which {
		which[i] = -1
	}
	branchRows := make([][]int32, len(c.vals)+1)
	var rem []int32 // nil: every row is still open
	remAll := true
	for j, cond := range c.conds {
		var sel []int32
		if !remAll {
			sel = rem
			if len(sel) == 0 {
				break
			}
		}
		arr, full, err := evalOn(ec, cond, rec, sel)
		if err != nil {
			return nil, err
		}
		valid, vals := validity(arr), boolBits(arr)
		k := n
		if !remAll {
			k = len(rem)
		}
		next := make([]int32, 0, k)
		for p := 0; p < k; p++ {
			row := p
			if !remAll {
				row = int(rem[p])
			}
			idx := p
			if full {
				idx = row
			}
			if valid.get(idx) && vals.get(idx) {
				which[row] = int16(j)
				branchRows[j] = append(branchRows[j], int32(row))
			} else {
				next = append(next, int32(row))
			}
		}
		arr.Release()
		rem, remAll = next, false
	}
	if c.els != nil {
		if remAll {
			rem = make([]int32, n)
			for i := range rem {
				rem[i] = int32(i)
			}
		}
		e := len(c.vals)
		for _, row := range rem {
			which[row] = int16(e)
		}
		branchRows[e] = rem
	}
	branches := append(append([]vectorized.Expr{}, c.vals...), c.els)
	srcs := make([]arrow.Array, len(branches))
	defer func() {
		for _, s := range srcs {
			if s != nil {
				s.Release()
			}
		}
	}()
	pos := make([]int32, n)
	mem := allocatorOf(ec)
	for j, b := range branches {
		rows := branchRows[j]
		if b == nil || len(rows) == 0 {
			srcs[j] = emptyOf(mem, c.typ)
			continue
		}
		arr, full, err := evalOn(ec, b, rec, rows)
		if err != nil {
			return nil, err
		}
		srcs[j] = arr
		for p, row := range rows {
			if full {
				pos[row] = row
			} else {
				pos[row] = int32(p)
			}
		}
	}
	return gather(mem, c.typ, n, srcs, which, pos)
}

// coalesceExpr returns its first non-NULL argument; argument k is evaluated
// only on the rows where all earlier ones were NULL (Flink generates the
// same short-circuit code).
type coalesceExpr struct {
	name string
	args []vectorized.Expr
	typ  arrow.DataType
}

func bindCoalesce(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) < 1 {
		return nil, noMatch()
	}
	typ := commonType(argTypes(args))
	if typ == nil {
		return nil, noMatchf("the argument types %s have no common type", typeList(argTypes(args)))
	}
	out := make([]vectorized.Expr, len(args))
	for i, a := range args {
		out[i] = implicit(a, typ)
	}
	return &coalesceExpr{name: name, args: out, typ: typ}, nil
}

func bindIfNull(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 2 {
		return nil, noMatch()
	}
	return bindCoalesce(name, args)
}

func (c *coalesceExpr) DataType() arrow.DataType    { return c.typ }
func (c *coalesceExpr) canFail() bool               { return false }
func (c *coalesceExpr) children() []vectorized.Expr { return c.args }
func (c *coalesceExpr) String() string              { return renderCall(c.name, false, c.args) }

func (c *coalesceExpr) Eval(ec *vectorized.EvalContext, rec arrow.RecordBatch) (arrow.Array, error) {
	n := int(rec.NumRows())
	mem := allocatorOf(ec)
	which := make([]int16, n)
	pos := make([]int32, n)
	for i := range which {
		which[i] = -1
	}
	srcs := make([]arrow.Array, 0, len(c.args))
	defer func() {
		for _, s := range srcs {
			s.Release()
		}
	}()
	var rem []int32
	remAll := true
	for j, a := range c.args {
		if !remAll && len(rem) == 0 {
			break
		}
		var sel []int32
		if !remAll {
			sel = rem
		}
		arr, full, err := evalOn(ec, a, rec, sel)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, arr)
		valid := validity(arr)
		k := n
		if !remAll {
			k = len(rem)
		}
		var next []int32
		for p := 0; p < k; p++ {
			row := p
			if !remAll {
				row = int(rem[p])
			}
			idx := p
			if full {
				idx = row
			}
			if valid.get(idx) {
				which[row] = int16(j)
				pos[row] = int32(idx)
			} else {
				next = append(next, int32(row))
			}
		}
		rem, remAll = next, false
	}
	return gather(mem, c.typ, n, srcs, which, pos)
}

// bindNullIf: NULLIF(a, b) is NULL where a = b, else a; the result has a's
// type.
func bindNullIf(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 2 {
		return nil, noMatch()
	}
	a := args[0]
	if isNullLiteral(a) {
		return nil, noMatch()
	}
	ca, cb, err := comparable2(a, args[1])
	if err != nil {
		return nil, err
	}
	eq := compareKernel(ca.DataType(), opEq)
	if eq == nil {
		return nil, noMatch()
	}
	fn := func(kc *kctx, in []arrow.Array) (arrow.Array, error) {
		// in: a, ca, cb
		e, err := eq(kc, in[1:])
		if err != nil {
			return nil, err
		}
		defer e.Release()
		n := kc.n
		ev, evalid := boolBits(e), validity(e)
		which := make([]int16, n)
		pos := make([]int32, n)
		for i := 0; i < n; i++ {
			pos[i] = int32(i)
			if evalid.get(i) && ev.get(i) {
				which[i] = -1
			}
		}
		return gather(kc.mem, a.DataType(), n, in[:1], which, pos)
	}
	return &nullIfExpr{callExpr{name: name, args: []vectorized.Expr{a, ca, cb}, typ: a.DataType(), fn: fn}}, nil
}

// nullIfExpr renders as NULLIF(a, b) although its kernel also reads the
// operands cast for comparison.
type nullIfExpr struct{ callExpr }

func (e *nullIfExpr) String() string {
	return "NULLIF(" + e.args[0].String() + ", " + e.args[2].String() + ")"
}

func emptyOf(mem memory.Allocator, dt arrow.DataType) arrow.Array {
	return array.MakeArrayOfNull(mem, dt, 0)
}
