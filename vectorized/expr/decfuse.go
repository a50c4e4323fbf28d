package expr

import (
	"math/big"
	"math/bits"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/vectorized"
)

// Fused CAST(<DECIMAL arithmetic> AS DOUBLE). Evaluated call by call, an
// expression such as CAST(SUM(a) * 1.0 / SUM(b) AS DOUBLE) allocates a
// 16-byte DECIMAL column per operator (zeroed, then collected), broadcasts
// the literal, and converts the last column: in a streaming aggregate's
// projection, which runs on every emitted row, the allocations and the GC
// they cause cost as much as the arithmetic. The fused form evaluates the
// operand columns once and runs each operator's loop into scratch columns
// the expression keeps between batches, with the same per-value functions
// the kernels use (decArith64, decimalArithFast, the DOUBLE conversion),
// and the same NULL rule: each operator's result is NULL where one of its
// own operands is, or where it overflows its type. A row those functions
// do not handle (an intermediate beyond 128 bits, a zero divisor) sends the
// whole batch through the kernels themselves, over the operand columns
// already evaluated, so the big.Int path and the division by zero error
// stay in one place.

// decArithSpec is what a DECIMAL arithmetic call was bound with.
type decArithSpec struct {
	op           byte
	s1, s2, p, s int
}

// decFuseMaxDepth bounds the operand stack of a fused tree; deeper trees
// are evaluated kernel by kernel.
const decFuseMaxDepth = 8

// decFuseStep is one instruction of a fused tree in postfix order: push an
// operand (leaf >= 0) or apply an operator to the two values on top.
type decFuseStep struct {
	leaf int
	op   *decFuseOp
}

type decFuseOp struct {
	decArithSpec
	f64  decArith64
	call *callExpr
	// pre: a division whose dividend is x * c, given x (premultiplied)
	pre *decPremul
}

// decPremul is the multiplication folded into a division.
type decPremul struct {
	mul  *decFuseOp     // x * c, for rows the 64-bit loop does not take
	c    decimal128.Num // the constant
	cneg bool
	by   uint64 // |c| * 10^k
	fits bool   // every quotient fits the precision
}

// decFuseLeaf is an operand of the tree: an expression evaluated as a
// column (an integer column read as DECIMAL(p, 0) when the call widened it
// itself), or a DECIMAL constant.
type decFuseLeaf struct {
	e       vectorized.Expr
	isConst bool
	c       decimal128.Num
}

// decFused is the fused program of a castExpr.
type decFused struct {
	steps  []decFuseStep
	leaves []decFuseLeaf
	// tree is the operator tree for the kernel-by-kernel fallback.
	tree *decFuseNode
	s    int // scale of the converted value
	// scratch holds *decFuseScratch between batches
	scratch sync.Pool
}

type decFuseNode struct {
	leaf int
	op   *decFuseOp
	l, r *decFuseNode
}

// fuseDecimalToDouble returns the fused program for a cast of arg to
// DOUBLE, or nil when arg is not DECIMAL arithmetic it can fuse: at least
// one + - * / call whose operands are expressions that cannot fail (so
// evaluating them all first, not interleaved with the operators, changes
// no outcome), DECIMAL literals that are not NULL, or further such calls.
func fuseDecimalToDouble(arg vectorized.Expr, to arrow.DataType) *decFused {
	if to.ID() != arrow.FLOAT64 || arg.DataType().ID() != arrow.DECIMAL128 {
		return nil
	}
	if c, ok := arg.(*callExpr); !ok || decSpecOf(c) == nil {
		return nil
	}
	f := &decFused{}
	_, f.s = decPS(arg.DataType())
	var build func(e vectorized.Expr, rawInt bool) *decFuseNode
	build = func(e vectorized.Expr, rawInt bool) *decFuseNode {
		if rawInt {
			e = e.(*castExpr).arg
		} else if c, ok := e.(*callExpr); ok && decSpecOf(c) != nil {
			spec := decSpecOf(c)
			l := build(c.args[0], c.rawInt != nil && c.rawInt[0])
			r := build(c.args[1], c.rawInt != nil && c.rawInt[1])
			if l == nil || r == nil {
				return nil
			}
			op := &decFuseOp{decArithSpec: *spec, call: c,
				f64: newDecArith64(spec.op, spec.s1, spec.s2, spec.p, spec.s)}
			return &decFuseNode{leaf: -1, op: op, l: l, r: r}
		}
		leaf := decFuseLeaf{e: e}
		if lit, ok := e.(*literalExpr); ok {
			if lit.isNull() || lit.typ.ID() != arrow.DECIMAL128 {
				return nil
			}
			leaf.isConst, leaf.c = true, values[decimal128.Num](lit.value)[0]
		} else if exprCanFail(e) {
			return nil
		}
		if !rawInt && !leaf.isConst && e.DataType().ID() != arrow.DECIMAL128 {
			return nil
		}
		f.leaves = append(f.leaves, leaf)
		return &decFuseNode{leaf: len(f.leaves) - 1}
	}
	if f.tree = build(arg, false); f.tree == nil {
		return nil
	}
	depth, maxDepth := 0, 0
	var emit func(t *decFuseNode)
	emit = func(t *decFuseNode) {
		if t.op == nil {
			f.steps = append(f.steps, decFuseStep{leaf: t.leaf})
			depth++
			maxDepth = max(maxDepth, depth)
			return
		}
		if x, op := f.premultiplied(t); op != nil {
			emit(x)
			emit(t.r)
			f.steps = append(f.steps, decFuseStep{leaf: -1, op: op})
			depth--
			return
		}
		emit(t.l)
		emit(t.r)
		f.steps = append(f.steps, decFuseStep{leaf: -1, op: t.op})
		depth--
	}
	emit(f.tree)
	if maxDepth > decFuseMaxDepth {
		return nil
	}
	return f
}

// premultiplied recognises (x * c) / y for a constant c where the product
// is exact and can never overflow (DECIMAL(p1 + p2 + 1, s1 + s2), not
// capped at 38 digits): the quotient of the product times 10^k by y is
// the quotient of x times c * 10^k by y, so when c * 10^k fits 64 bits
// the division takes x directly and the product column is never formed.
// It returns x's node and the division operator that multiplies by c.
func (f *decFused) premultiplied(t *decFuseNode) (*decFuseNode, *decFuseOp) {
	div := t.op
	if div.op != '/' || !div.f64.div || t.l.op == nil || t.l.op.op != '*' {
		return nil, nil
	}
	mul := t.l.op
	p1, s1 := decPS(mul.call.args[0].DataType())
	p2, s2 := decPS(mul.call.args[1].DataType())
	if mul.s != s1+s2 || mul.p != p1+p2+1 || mul.p > maxDecimalPrecision {
		return nil, nil
	}
	x, cn := t.l.l, t.l.r
	if cn.op != nil || !f.leaves[cn.leaf].isConst {
		x, cn = t.l.r, t.l.l
		if cn.op != nil || !f.leaves[cn.leaf].isConst {
			return nil, nil
		}
	}
	c := f.leaves[cn.leaf].c
	if !fitsInt64(c) {
		return nil, nil
	}
	ci := int64(c.LowBits())
	ac := uint64(ci)
	if ci < 0 {
		ac = -ac
	}
	hi, by := bits.Mul64(ac, div.f64.divBy)
	if hi != 0 {
		return nil, nil
	}
	digits := 1
	for digits < len(pow10U128) && pow10U128[digits].hi == 0 && pow10U128[digits].lo <= by {
		digits++
	}
	op := *div
	op.pre = &decPremul{mul: mul, c: c, cneg: ci < 0, by: by,
		// |x| < 2^63 < 10^19 and c * 10^k < 10^digits
		fits: 19+digits <= div.p}
	return x, &op
}

func decSpecOf(c *callExpr) *decArithSpec {
	spec, _ := c.state.(*decArithSpec)
	if spec == nil || spec.op == '%' || len(c.args) != 2 {
		return nil
	}
	return spec
}

// decFuseStatus is the outcome of one operator on one row.
type decFuseStatus uint8

const (
	decFuseOK   decFuseStatus = iota
	decFuseNull               // the result does not fit its type: NULL
	decFuseSlow               // the kernels must compute the batch
)

// apply is the operator on one row, as decimalArithKernel computes it.
func (o *decFuseOp) apply(x, y decimal128.Num) (decimal128.Num, decFuseStatus) {
	if o.f64.any && fitsInt64(x) && fitsInt64(y) {
		if r, ok, done := o.f64.apply(int64(x.LowBits()), int64(y.LowBits())); done {
			if !ok {
				return decimal128.Num{}, decFuseNull
			}
			return r, decFuseOK
		}
	}
	if o.op == '/' && y == (decimal128.Num{}) {
		return decimal128.Num{}, decFuseSlow
	}
	r, ok, done := decimalArithFast(o.op, x, y, o.s1, o.s2, o.p, o.s)
	switch {
	case !done:
		return decimal128.Num{}, decFuseSlow
	case !ok:
		return decimal128.Num{}, decFuseNull
	}
	return r, decFuseOK
}

// decFuseVal is an evaluated operand or intermediate column: its values
// and its validity (nil: no NULLs), zero-offset.
type decFuseVal struct {
	v     decValues
	valid []byte
}

// decFuseScratch holds a fused cast's intermediate columns between
// batches. They never leave eval (the result is a new DOUBLE column), so
// reusing them is safe; the pool belongs to one expression.
type decFuseScratch struct {
	dec  [][]decimal128.Num
	bits [][]byte
	nd   int
	nb   int
}

func (sc *decFuseScratch) decs(n int) []decimal128.Num {
	if sc.nd == len(sc.dec) {
		sc.dec = append(sc.dec, nil)
	}
	b := sc.dec[sc.nd]
	if cap(b) < n {
		b = make([]decimal128.Num, n)
		sc.dec[sc.nd] = b
	}
	sc.nd++
	return b[:n]
}

func (sc *decFuseScratch) bitmap(n int) []byte {
	if sc.nb == len(sc.bits) {
		sc.bits = append(sc.bits, nil)
	}
	nbytes := int(bitutil.BytesForBits(int64(n)))
	b := sc.bits[sc.nb]
	if cap(b) < nbytes {
		b = make([]byte, nbytes)
		sc.bits[sc.nb] = b
	}
	sc.nb++
	return b[:nbytes]
}

func (f *decFused) eval(c *castExpr, ec *vectorized.EvalContext, rec arrow.RecordBatch) (arrow.Array, error) {
	n := int(rec.NumRows())
	mem := allocatorOf(ec)
	arrs := make([]arrow.Array, len(f.leaves))
	defer func() {
		for _, a := range arrs {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, l := range f.leaves {
		if l.isConst {
			continue
		}
		a, err := l.e.Eval(ec, rec)
		if err != nil {
			return nil, err
		}
		arrs[i] = a
	}
	sc, _ := f.scratch.Get().(*decFuseScratch)
	if sc == nil {
		sc = &decFuseScratch{}
	}
	sc.nd, sc.nb = 0, 0
	defer f.scratch.Put(sc)
	var stack [decFuseMaxDepth]decFuseVal
	sp := 0
	for _, step := range f.steps {
		if step.op == nil {
			l := f.leaves[step.leaf]
			var v decFuseVal
			switch a := arrs[step.leaf]; {
			case l.isConst:
				d := sc.decs(n)
				for i := range d {
					d[i] = l.c
				}
				v.v = decValues{dec: d}
			case a.DataType().ID() == arrow.DECIMAL128:
				v.v = decValues{dec: values[decimal128.Num](a)}
			default:
				v.v = decValues{ints: widenInts(a.DataType(), a)}
			}
			if a := arrs[step.leaf]; a != nil && a.NullN() > 0 {
				v.valid = sc.bitmap(n)
				bitutil.CopyBitmap(a.NullBitmapBytes(), a.Data().Offset(), n, v.valid, 0)
			}
			stack[sp] = v
			sp++
			continue
		}
		sp--
		x, y := stack[sp-1], stack[sp]
		out := decFuseVal{v: decValues{dec: sc.decs(n)}}
		switch {
		case x.valid != nil && y.valid != nil:
			out.valid = sc.bitmap(n)
			bitutil.BitmapAnd(x.valid, y.valid, 0, 0, out.valid, 0, int64(n))
		case x.valid != nil:
			out.valid = x.valid // x's column is dead after this: share it
		case y.valid != nil:
			out.valid = y.valid
		}
		if !step.op.run(x.v, y.v, out.v.dec, &out.valid, sc, n) {
			return f.slow(c, ec, rec, arrs)
		}
		stack[sp-1] = out
	}
	res := stack[0]
	buf, out := allocFixed[float64](mem, n)
	if f.s <= 19 {
		toF := newDecimalToFloat64(f.s)
		for i, x := range res.v.dec[:n] {
			out[i] = toF.convert(x) // NULL rows hold 0
		}
	} else {
		var zf big.Float
		for i, x := range res.v.dec[:n] {
			out[i] = decimalToFloat64(x, f.s, &zf)
		}
	}
	var valid *memory.Buffer
	nulls := 0
	if res.valid != nil {
		if nulls = n - bitutil.CountSetBits(res.valid, 0, n); nulls > 0 {
			var vb []byte
			valid, vb = allocBits(mem, n)
			copy(vb, res.valid)
		}
	}
	return makeArray(tFloat64, n, valid, nulls, buf), nil
}

// run is the operator over a batch, as decimalArithKernel computes it,
// into out; *valid (nil: no NULLs yet) gains the rows whose result does
// not fit. false: a row needs the kernel's exact path or fails (a zero
// divisor), and the batch is left to the kernels.
func (o *decFuseOp) run(av, bv decValues, out []decimal128.Num, valid *[]byte, sc *decFuseScratch, n int) bool {
	vb := *valid // an operand's bitmap, whose column is dead after this
	for i := 0; i < n; i++ {
		if o.pre != nil {
			if i = o.pre.run(o, av, bv, out, vb, i); i == n {
				break
			}
		} else if o.f64.any && vb == nil {
			if i = o.f64.run(av, bv, out, i); i == n {
				break
			}
		}
		if vb != nil && !bitutil.BitIsSet(vb, i) {
			out[i] = decimal128.Num{}
			continue
		}
		x := av.at(i)
		if o.pre != nil {
			// the product (exact, never NULL), then the division
			var st decFuseStatus
			if x, st = o.pre.mul.apply(x, o.pre.c); st != decFuseOK {
				return false
			}
		}
		r, st := o.apply(x, bv.at(i))
		switch st {
		case decFuseSlow:
			return false
		case decFuseNull:
			if vb == nil {
				vb = sc.bitmap(n)
				bitutil.SetBitsTo(vb, 0, int64(n), true)
				*valid = vb
			}
			bitutil.ClearBit(vb, i)
		}
		out[i] = r
	}
	return true
}

// run is decArith64.run for a division of x * c by y: from row `from` on
// while both x and y fit int64, y is not zero and the quotient fits (rows
// NULL in vb are zero), and returns the first row it did not compute.
func (pm *decPremul) run(o *decFuseOp, av, bv decValues, out []decimal128.Num, vb []byte, from int) int {
	n := len(out)
	if av.ints != nil && bv.ints != nil && vb == nil {
		// two integer columns: the same loop without the checks
		return pm.runInts(o, av.ints, bv.ints, out, from)
	}
	for i := from; i < n; i++ {
		if vb != nil && !bitutil.BitIsSet(vb, i) {
			out[i] = decimal128.Num{}
			continue
		}
		x, y := av.at(i), bv.at(i)
		if !fitsInt64(x) || !fitsInt64(y) {
			return i
		}
		xi, yi := int64(x.LowBits()), int64(y.LowBits())
		if yi == 0 {
			return i
		}
		ax, ay := uint64(xi), uint64(yi)
		if xi < 0 {
			ax = -ax
		}
		if yi < 0 {
			ay = -ay
		}
		// |x| * |c| * 10^k < 2^63 * 2^64: no overflow
		hi, lo := bits.Mul64(ax, pm.by)
		u, r := divmod64(u128{hi, lo}, ay)
		if r >= ay-r { // HALF_UP
			u, _ = add128(u, u128{lo: 1})
		}
		if !pm.fits && !u.fitsPrecision(o.p) {
			return i
		}
		out[i] = signed(u, (xi < 0) != (yi < 0) != pm.cneg && !u.isZero())
	}
	return n
}

func (pm *decPremul) runInts(o *decFuseOp, xs, ys []int64, out []decimal128.Num, from int) int {
	n := len(out)
	xs, ys = xs[:n], ys[:n]
	for i := from; i < n; i++ {
		xi, yi := xs[i], ys[i]
		if yi == 0 {
			return i
		}
		ax, ay := uint64(xi), uint64(yi)
		if xi < 0 {
			ax = -ax
		}
		if yi < 0 {
			ay = -ay
		}
		hi, lo := bits.Mul64(ax, pm.by)
		u, r := divmod64(u128{hi, lo}, ay)
		if r >= ay-r {
			u, _ = add128(u, u128{lo: 1})
		}
		if !pm.fits && !u.fitsPrecision(o.p) {
			return i
		}
		out[i] = signed(u, (xi < 0) != (yi < 0) != pm.cneg && !u.isZero())
	}
	return n
}

// slow is the batch computed kernel by kernel over the operand columns
// already evaluated, as callExpr.Eval and castExpr.Eval would.
func (f *decFused) slow(c *castExpr, ec *vectorized.EvalContext, rec arrow.RecordBatch, arrs []arrow.Array) (arrow.Array, error) {
	n := int(rec.NumRows())
	mem := allocatorOf(ec)
	var run func(t *decFuseNode) (arrow.Array, error)
	run = func(t *decFuseNode) (arrow.Array, error) {
		if t.op == nil {
			l := f.leaves[t.leaf]
			if l.isConst {
				return l.e.Eval(ec, rec)
			}
			arrs[t.leaf].Retain()
			return arrs[t.leaf], nil
		}
		a, err := run(t.l)
		if err != nil {
			return nil, err
		}
		defer a.Release()
		b, err := run(t.r)
		if err != nil {
			return nil, err
		}
		defer b.Release()
		return t.op.call.fn(&kctx{ec: ec, mem: mem, n: n, call: t.op.call}, []arrow.Array{a, b})
	}
	in, err := run(f.tree)
	if err != nil {
		return nil, err
	}
	defer in.Release()
	cc := &castCtx{mem: mem, loc: locationOf(ec), n: in.Len(), from: c.arg.DataType(), to: c.to, try: c.try}
	return c.fn(cc, in)
}
