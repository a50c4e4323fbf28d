package expr

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/vectorized"
)

func init() {
	register("IN", []string{"IN(T, T...)"}, bindIn(false))
	register("NOT IN", []string{"NOT IN(T, T...)"}, bindIn(true))
	register("BETWEEN", []string{"BETWEEN(T, T, T)"}, bindBetween(false))
	register("NOT BETWEEN", []string{"NOT BETWEEN(T, T, T)"}, bindBetween(true))
}

// inExpr is x [NOT] IN (list) with SQL's NULL semantics: NULL when x is
// NULL, or when x matches nothing and the list holds a NULL.
type inExpr struct {
	not  bool
	x    vectorized.Expr
	list []vectorized.Expr
	// set holds the list when it is made of literals of a hashable type; keys
	// are the values' canonical bytes.
	set     map[string]struct{}
	setNull bool // the literal list contains NULL
	eqs     []vectorized.Expr
}

func bindIn(not bool) binder {
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		if len(args) < 2 {
			return nil, noMatch()
		}
		x := args[0]
		list := args[1:]
		e := &inExpr{not: not, x: x, list: list}
		// compare like =, which also applies the implicit casts
		allLit := true
		for _, item := range list {
			eq, err := Call("=", x, item)
			if err != nil {
				return nil, err
			}
			e.eqs = append(e.eqs, eq)
			if _, ok := item.(*literalExpr); !ok {
				allLit = false
			}
		}
		types := argTypes(args)
		common := commonType(types)
		if allLit && common != nil && hashable(common) && !exprHasStringTemporalMix(types) {
			set := map[string]struct{}{}
			setNull := false
			for _, item := range list {
				l, ok := implicit(item, common).(*literalExpr)
				if !ok {
					set = nil // a literal that did not fold: compare row by row
					break
				}
				if l.isNull() {
					setNull = true
					continue
				}
				set[string(appendKey(nil, l.value, 0))] = struct{}{}
			}
			if set != nil {
				e.set, e.setNull, e.x = set, setNull, implicit(x, common)
			}
		}
		return e, nil
	}
}

func exprHasStringTemporalMix(types []arrow.DataType) bool {
	s, t := false, false
	for _, dt := range types {
		s = s || familyOf(dt) == famString
		t = t || isTemporal(dt)
	}
	return s && t
}

func hashable(dt arrow.DataType) bool {
	switch familyOf(dt) {
	case famInt, famString, famBinary, famDate, famTimestamp, famTimestampLTZ, famTime, famBool, famDecimal:
		return true
	}
	return false
}

// appendKey appends the canonical bytes of value i (same type, same bytes).
func appendKey(b []byte, a arrow.Array, i int) []byte {
	switch a.DataType().ID() {
	case arrow.STRING:
		return append(b, a.(*array.String).Value(i)...)
	case arrow.BINARY:
		return append(b, a.(*array.Binary).Value(i)...)
	case arrow.BOOL:
		if a.(*array.Boolean).Value(i) {
			return append(b, 1)
		}
		return append(b, 0)
	}
	w := a.DataType().(arrow.FixedWidthDataType).BitWidth() / 8
	d := a.Data()
	raw := d.Buffers()[1].Bytes()
	start := (d.Offset() + i) * w
	return append(b, raw[start:start+w]...)
}

func (e *inExpr) DataType() arrow.DataType { return tBool }
func (e *inExpr) canFail() bool            { return false }
func (e *inExpr) children() []vectorized.Expr {
	if e.set != nil {
		return []vectorized.Expr{e.x}
	}
	return e.eqs
}

func (e *inExpr) String() string {
	op := " IN ("
	if e.not {
		op = " NOT IN ("
	}
	return e.x.String() + op + strings.Join(mapStrings(e.list), ", ") + ")"
}

func (e *inExpr) Eval(ec *vectorized.EvalContext, rec arrow.RecordBatch) (arrow.Array, error) {
	n := int(rec.NumRows())
	var acc words
	if e.set != nil {
		x, err := e.x.Eval(ec, rec)
		if err != nil {
			return nil, err
		}
		defer x.Release()
		acc = words{val: make([]uint64, nwords(n)), valid: make([]uint64, nwords(n))}
		xv := validity(x)
		var key []byte
		for i := 0; i < n; i++ {
			if !xv.get(i) {
				continue
			}
			key = appendKey(key[:0], x, i)
			w, bit := i>>6, uint64(1)<<(i&63)
			if _, ok := e.set[string(key)]; ok {
				acc.val[w] |= bit
				acc.valid[w] |= bit
			} else if !e.setNull {
				acc.valid[w] |= bit
			}
		}
	} else {
		for k, eq := range e.eqs {
			arr, err := eq.Eval(ec, rec)
			if err != nil {
				return nil, err
			}
			w := toWords(arr, n)
			arr.Release()
			if k == 0 {
				acc = w
			} else {
				combineWords(false, acc, w)
			}
		}
	}
	if e.not {
		for i := range acc.val {
			acc.val[i] = ^acc.val[i] & acc.valid[i]
		}
	}
	return fromWords(allocatorOf(ec), acc, n), nil
}

// betweenExpr is x [NOT] BETWEEN lo AND hi (ASYMMETRIC, Flink's default):
// x >= lo AND x <= hi, or x < lo OR x > hi, with three-valued logic.
type betweenExpr struct {
	name  string
	args  []vectorized.Expr
	inner vectorized.Expr
}

func bindBetween(not bool) binder {
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		if len(args) != 3 {
			return nil, noMatch()
		}
		lowOp, highOp, join := ">=", "<=", "AND"
		if not {
			lowOp, highOp, join = "<", ">", "OR"
		}
		lo, err := Call(lowOp, args[0], args[1])
		if err != nil {
			return nil, err
		}
		hi, err := Call(highOp, args[0], args[2])
		if err != nil {
			return nil, err
		}
		inner, err := Call(join, lo, hi)
		if err != nil {
			return nil, err
		}
		return &betweenExpr{name: name, args: args, inner: inner}, nil
	}
}

func (b *betweenExpr) DataType() arrow.DataType    { return tBool }
func (b *betweenExpr) canFail() bool               { return false }
func (b *betweenExpr) children() []vectorized.Expr { return []vectorized.Expr{b.inner} }
func (b *betweenExpr) String() string {
	return b.args[0].String() + " " + b.name + " " + b.args[1].String() + " AND " + b.args[2].String()
}
func (b *betweenExpr) Eval(ec *vectorized.EvalContext, rec arrow.RecordBatch) (arrow.Array, error) {
	return b.inner.Eval(ec, rec)
}
