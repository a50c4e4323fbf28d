package expr

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/vectorized"
)

func init() {
	register("AND", []string{"BOOLEAN AND BOOLEAN"}, bindLogic(true))
	register("OR", []string{"BOOLEAN OR BOOLEAN"}, bindLogic(false))
	register("NOT", []string{"NOT(BOOLEAN)"}, bindNot)
	register("IS NULL", []string{"IS NULL(ANY)"}, bindIsNull(false))
	register("IS NOT NULL", []string{"IS NOT NULL(ANY)"}, bindIsNull(true))
	for name, fn := range map[string]func(valid, val uint64) uint64{
		"IS TRUE":      func(valid, val uint64) uint64 { return valid & val },
		"IS FALSE":     func(valid, val uint64) uint64 { return valid &^ val },
		"IS NOT TRUE":  func(valid, val uint64) uint64 { return ^(valid & val) },
		"IS NOT FALSE": func(valid, val uint64) uint64 { return ^(valid &^ val) },
	} {
		register(name, []string{name + "(BOOLEAN)"}, bindIsBool(fn))
	}
}

// boolArg accepts a BOOLEAN argument or an untyped NULL.
func boolArg(e vectorized.Expr) (vectorized.Expr, bool) {
	if isNullLiteral(e) {
		return implicit(e, tBool), true
	}
	return e, e.DataType().ID() == arrow.BOOL
}

// words is a boolean column as aligned 64-bit words: values and validity.
type words struct {
	val, valid []uint64
}

func nwords(n int) int { return (n + 63) / 64 }

func toWords(a arrow.Array, n int) words {
	w := words{val: make([]uint64, nwords(n)), valid: make([]uint64, nwords(n))}
	vb := reinterpretU64Bytes(w.val)
	bitutil.CopyBitmap(a.Data().Buffers()[1].Bytes(), a.Data().Offset(), n, vb, 0)
	if a.NullN() == 0 {
		for i := range w.valid {
			w.valid[i] = ^uint64(0)
		}
	} else {
		bitutil.CopyBitmap(a.NullBitmapBytes(), a.Data().Offset(), n, reinterpretU64Bytes(w.valid), 0)
	}
	return w
}

func reinterpretU64Bytes(w []uint64) []byte {
	if len(w) == 0 {
		return nil
	}
	return reinterpret[byte](unsafeBytesOfU64(w))
}

// fromWords materializes words as a BOOLEAN array of n rows.
func fromWords(mem memory.Allocator, w words, n int) arrow.Array {
	nb := int(bitutil.BytesForBits(int64(n)))
	valBuf := allocBytes(mem, nb)
	copy(valBuf.Bytes(), reinterpretU64Bytes(w.val))
	validBuf := allocBytes(mem, nb)
	copy(validBuf.Bytes(), reinterpretU64Bytes(w.valid))
	vb, nulls := finishValidity(validBuf, n)
	return makeArray(tBool, n, vb, nulls, valBuf)
}

// logicExpr is SQL AND / OR over two or more operands with three-valued
// logic: FALSE AND NULL is FALSE, TRUE OR NULL is TRUE. Like Flink's
// generated code (ScalarOperatorGens.generateAnd: "left expr is false, skip
// right expr"), an operand that could fail is only evaluated on the rows
// whose result is still open.
type logicExpr struct {
	and  bool
	args []vectorized.Expr
}

func bindLogic(and bool) binder {
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		if len(args) < 2 {
			return nil, noMatch()
		}
		out := make([]vectorized.Expr, len(args))
		for i, a := range args {
			b, ok := boolArg(a)
			if !ok {
				return nil, noMatch()
			}
			out[i] = b
		}
		return foldLiteral(&logicExpr{and: and, args: out}), nil
	}
}

func (l *logicExpr) DataType() arrow.DataType    { return tBool }
func (l *logicExpr) children() []vectorized.Expr { return l.args }
func (l *logicExpr) canFail() bool               { return false }
func (l *logicExpr) String() string {
	op := " OR "
	if l.and {
		op = " AND "
	}
	return "(" + strings.Join(mapStrings(l.args), op) + ")"
}

func (l *logicExpr) Eval(ec *vectorized.EvalContext, rec arrow.RecordBatch) (arrow.Array, error) {
	n := int(rec.NumRows())
	first, err := l.args[0].Eval(ec, rec)
	if err != nil {
		return nil, err
	}
	acc := toWords(first, n)
	first.Release()
	for _, arg := range l.args[1:] {
		var rhs words
		if exprCanFail(arg) {
			// rows already decided: FALSE for AND, TRUE for OR
			var sel []int32
			for i := 0; i < n; i++ {
				w, bit := i>>6, uint64(1)<<(i&63)
				decided := acc.valid[w]&bit != 0 && (acc.val[w]&bit != 0) != l.and
				if !decided {
					sel = append(sel, int32(i))
				}
			}
			if len(sel) == 0 {
				continue
			}
			arr, full, err := evalOn(ec, arg, rec, sel)
			if err != nil {
				return nil, err
			}
			if full {
				rhs = toWords(arr, n)
			} else {
				rhs = words{val: make([]uint64, nwords(n)), valid: make([]uint64, nwords(n))}
				part := toWords(arr, len(sel))
				for k, row := range sel {
					if part.valid[k>>6]&(1<<(k&63)) != 0 {
						rhs.valid[row>>6] |= 1 << (row & 63)
					}
					if part.val[k>>6]&(1<<(k&63)) != 0 {
						rhs.val[row>>6] |= 1 << (row & 63)
					}
				}
			}
			arr.Release()
		} else {
			arr, err := arg.Eval(ec, rec)
			if err != nil {
				return nil, err
			}
			rhs = toWords(arr, n)
			arr.Release()
		}
		combineWords(l.and, acc, rhs)
	}
	return fromWords(allocatorOf(ec), acc, n), nil
}

// combineWords folds rhs into acc, 64 rows at a time.
func combineWords(and bool, acc, rhs words) {
	for i := range acc.val {
		lv, lk, rv, rk := acc.val[i], acc.valid[i], rhs.val[i], rhs.valid[i]
		var t, f uint64
		if and {
			f = (lk &^ lv) | (rk &^ rv) // a known FALSE decides
			t = lk & lv & rk & rv
		} else {
			t = (lk & lv) | (rk & rv) // a known TRUE decides
			f = (lk &^ lv) & (rk &^ rv)
		}
		acc.val[i] = t
		acc.valid[i] = t | f
	}
}

func bindNot(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 1 {
		return nil, noMatch()
	}
	a, ok := boolArg(args[0])
	if !ok {
		return nil, noMatch()
	}
	fn := func(kc *kctx, args []arrow.Array) (arrow.Array, error) {
		a := args[0]
		valid, nulls := andValidity(kc.mem, kc.n, a)
		buf, out := allocBits(kc.mem, kc.n)
		bitutil.InvertBitmap(a.Data().Buffers()[1].Bytes(), a.Data().Offset(), kc.n, out, 0)
		return makeArray(tBool, kc.n, valid, nulls, buf), nil
	}
	return foldLiteral(&callExpr{name: name, args: []vectorized.Expr{a}, typ: tBool, fn: fn}), nil
}

func bindIsNull(not bool) binder {
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		if len(args) != 1 {
			return nil, noMatch()
		}
		fn := func(kc *kctx, args []arrow.Array) (arrow.Array, error) {
			a := args[0]
			n := kc.n
			buf, out := allocBits(kc.mem, n)
			switch {
			case a.DataType().ID() == arrow.NULL:
				if !not {
					bitutil.SetBitsTo(out, 0, int64(n), true)
				}
			case a.NullN() == 0:
				if not {
					bitutil.SetBitsTo(out, 0, int64(n), true)
				}
			case not:
				bitutil.CopyBitmap(a.NullBitmapBytes(), a.Data().Offset(), n, out, 0)
			default:
				bitutil.InvertBitmap(a.NullBitmapBytes(), a.Data().Offset(), n, out, 0)
			}
			return makeArray(tBool, n, nil, 0, buf), nil
		}
		return foldLiteral(&callExpr{name: name, args: args, typ: tBool, fn: fn}), nil
	}
}

// bindIsBool builds IS [NOT] TRUE / FALSE, which never return NULL.
func bindIsBool(f func(valid, val uint64) uint64) binder {
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		if len(args) != 1 {
			return nil, noMatch()
		}
		a, ok := boolArg(args[0])
		if !ok {
			return nil, noMatch()
		}
		fn := func(kc *kctx, args []arrow.Array) (arrow.Array, error) {
			w := toWords(args[0], kc.n)
			for i := range w.val {
				w.val[i] = f(w.valid[i], w.val[i])
				w.valid[i] = ^uint64(0)
			}
			return fromWords(kc.mem, w, kc.n), nil
		}
		return foldLiteral(&callExpr{name: name, args: []vectorized.Expr{a}, typ: tBool, fn: fn}), nil
	}
}
