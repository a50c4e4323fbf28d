package expr

// Flink's ARRAY_* and MAP_* collection functions and REGEXP_EXTRACT_ALL.
// Each result array is put together from the element values of its
// arguments: a kernel computes, per row, the offsets of the result and
// which argument element (which/pos) every result element is, and gather
// copies the values in one typed pass, so no element is boxed.

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/sluice-stream/sluice/vectorized"
)

func init() {
	register("ARRAY_APPEND", []string{"ARRAY_APPEND(ARRAY<T>, T)"}, bindArrayAdd(false))
	register("ARRAY_PREPEND", []string{"ARRAY_PREPEND(ARRAY<T>, T)"}, bindArrayAdd(true))
	register("ARRAY_CONCAT", []string{"ARRAY_CONCAT(ARRAY<T>, ARRAY<T>...)"}, bindArrayConcat)
	register("ARRAY_REVERSE", []string{"ARRAY_REVERSE(ARRAY<T>)"}, bindArrayReverse)
	register("ARRAY_SLICE", []string{"ARRAY_SLICE(ARRAY<T>, start INT)", "ARRAY_SLICE(ARRAY<T>, start INT, end INT)"}, bindArraySlice)
	register("ARRAY_DISTINCT", []string{"ARRAY_DISTINCT(ARRAY<T>)"}, bindArrayDistinct)
	register("ARRAY_REMOVE", []string{"ARRAY_REMOVE(ARRAY<T>, T)"}, bindArrayRemove)
	register("ARRAY_POSITION", []string{"ARRAY_POSITION(ARRAY<T>, T)"}, bindArrayPosition)
	register("ARRAY_EXCEPT", []string{"ARRAY_EXCEPT(ARRAY<T>, ARRAY<T>)"}, bindArraySetOp(setExcept))
	register("ARRAY_INTERSECT", []string{"ARRAY_INTERSECT(ARRAY<T>, ARRAY<T>)"}, bindArraySetOp(setIntersect))
	register("ARRAY_UNION", []string{"ARRAY_UNION(ARRAY<T>, ARRAY<T>)"}, bindArraySetOp(setUnion))
	register("ARRAY_SORT", []string{"ARRAY_SORT(ARRAY<T>)", "ARRAY_SORT(ARRAY<T>, ascending BOOLEAN)",
		"ARRAY_SORT(ARRAY<T>, ascending BOOLEAN, nullsFirst BOOLEAN)"}, bindArraySort)
	register("ARRAY_MAX", []string{"ARRAY_MAX(ARRAY<T>)"}, bindArrayExtreme(true))
	register("ARRAY_MIN", []string{"ARRAY_MIN(ARRAY<T>)"}, bindArrayExtreme(false))
	register("ARRAY_JOIN", []string{"ARRAY_JOIN(ARRAY<STRING>, delimiter STRING)",
		"ARRAY_JOIN(ARRAY<STRING>, delimiter STRING, nullReplacement STRING)"}, bindArrayJoin)
	register("MAP_KEYS", []string{"MAP_KEYS(MAP<K, V>)"}, bindMapPart(0))
	register("MAP_VALUES", []string{"MAP_VALUES(MAP<K, V>)"}, bindMapPart(1))
	register("MAP_ENTRIES", []string{"MAP_ENTRIES(MAP<K, V>)"}, bindMapPart(2))
	register("REGEXP_EXTRACT_ALL", []string{"REGEXP_EXTRACT_ALL(STRING, STRING)", "REGEXP_EXTRACT_ALL(STRING, STRING, INT)"},
		bindRegexpExtractAll)
}

// listPlan is a result ARRAY column under construction: row i holds the
// elements which/pos[offs[i]:offs[i+1]] (which indexes the sources, -1 is
// a NULL element), or is NULL when its valid bit is clear.
type listPlan struct {
	offs  []int32
	valid []byte
	which []int16
	pos   []int32
	nulls bool
}

func newListPlan(n int) *listPlan {
	p := &listPlan{offs: make([]int32, 1, n+1), valid: make([]byte, bitutil.BytesForBits(int64(n)))}
	return p
}

func (p *listPlan) add(w int16, at int) {
	p.which = append(p.which, w)
	p.pos = append(p.pos, int32(at))
}

// end closes row i; a NULL row must not have added elements.
func (p *listPlan) end(i int, null bool) {
	if null {
		p.nulls = true
	} else {
		bitutil.SetBit(p.valid, i)
	}
	p.offs = append(p.offs, int32(len(p.which)))
}

// finish gathers the element values from srcs into an ARRAY<elem>.
func (p *listPlan) finish(mem memory.Allocator, typ *arrow.ListType, n int, srcs ...arrow.Array) (arrow.Array, error) {
	vals, err := gather(mem, typ.Elem(), len(p.which), srcs, p.which, p.pos)
	if err != nil {
		return nil, err
	}
	defer vals.Release()
	offBuf, offs := allocFixed[int32](mem, n+1)
	copy(offs, p.offs)
	defer offBuf.Release()
	var validBuf *memory.Buffer
	nulls := 0
	if p.nulls {
		validBuf = memory.NewBufferBytes(p.valid)
		nulls = countNulls(p.valid, n)
	}
	data := array.NewData(typ, n, []*memory.Buffer{validBuf, offBuf}, []arrow.ArrayData{vals.Data()}, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data), nil
}

// listArg checks that e is an ARRAY and returns its type.
func listArg(e vectorized.Expr) (*arrow.ListType, error) {
	lt, ok := e.DataType().(*arrow.ListType)
	if !ok {
		return nil, noMatchf("%s is not an ARRAY", SQLTypeName(e.DataType()))
	}
	return lt, nil
}

// elementArg casts x to the element type elem, which must take it: a
// type it widens to, or (Flink's implicit numeric casts, which look at the
// type family only) a number of a family no wider than elem's, so an INT
// goes into an ARRAY<DECIMAL(2, 1)> but a BIGINT not into an ARRAY<INT>.
// A NULL literal always fits.
func elementArg(elem arrow.DataType, x vectorized.Expr) (vectorized.Expr, error) {
	if !isNullLiteral(x) {
		ct := commonType([]arrow.DataType{elem, x.DataType()})
		widens := ct != nil && arrow.TypeEqual(ct, elem)
		if r := numericRank(x.DataType()); !widens && (r == 0 || r > numericRank(elem)) {
			return nil, noMatchf("the element type %s does not take %s", SQLTypeName(elem), SQLTypeName(x.DataType()))
		}
	}
	return implicit(x, elem), nil
}

// numericRank orders the numeric type families as Flink's implicit casts
// do; 0 for the rest.
func numericRank(dt arrow.DataType) int {
	switch dt.ID() {
	case arrow.INT8:
		return 1
	case arrow.INT16:
		return 2
	case arrow.INT32:
		return 3
	case arrow.INT64:
		return 4
	case arrow.DECIMAL128:
		return 5
	case arrow.FLOAT32:
		return 6
	case arrow.FLOAT64:
		return 7
	}
	return 0
}

// eqFunc is element equality as Flink's generated code has it: floating
// point with == (NaN never equals, -0.0 equals 0.0), the rest by value.
// NULLs are the caller's concern. nil when the type has no equality here.
func eqFunc(dt arrow.DataType) func(cols []arrow.Array) func(a, i, b, j int) bool {
	switch dt.ID() {
	case arrow.FLOAT32:
		return func(cols []arrow.Array) func(a, i, b, j int) bool {
			vs := make([][]float32, len(cols))
			for k, c := range cols {
				vs[k] = values[float32](c)
			}
			return func(a, i, b, j int) bool { return vs[a][i] == vs[b][j] }
		}
	case arrow.FLOAT64:
		return func(cols []arrow.Array) func(a, i, b, j int) bool {
			vs := make([][]float64, len(cols))
			for k, c := range cols {
				vs[k] = values[float64](c)
			}
			return func(a, i, b, j int) bool { return vs[a][i] == vs[b][j] }
		}
	}
	switch dt.(type) {
	case *arrow.ListType, *arrow.StructType, *arrow.MapType:
		// ARRAY, ROW and MAP elements compare by value, as Flink's
		// equality of nested data; rare enough to go value by value.
		return func(cols []arrow.Array) func(a, i, b, j int) bool {
			return func(a, i, b, j int) bool {
				x, err1 := scalar.GetScalar(cols[a], i)
				y, err2 := scalar.GetScalar(cols[b], j)
				eq := err1 == nil && err2 == nil && scalar.Equals(x, y)
				for _, v := range []scalar.Scalar{x, y} {
					if r, ok := v.(scalar.Releasable); ok {
						r.Release()
					}
				}
				return eq
			}
		}
	}
	less := lessFunc(dt)
	if less == nil {
		return nil
	}
	return func(cols []arrow.Array) func(a, i, b, j int) bool {
		l := less(cols)
		return func(a, i, b, j int) bool { return !l(a, i, b, j) && !l(b, j, a, i) }
	}
}

// comparableElems is the error for elements without the needed
// comparison.
func comparableElems(elem arrow.DataType) error {
	return noMatchf("elements of type %s cannot be compared", SQLTypeName(elem))
}

// bindArrayAdd: ARRAY_APPEND / ARRAY_PREPEND(a, x) is a with x added at
// the end / front (a NULL x adds a NULL element); NULL when a is NULL.
func bindArrayAdd(front bool) binder {
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		if len(args) != 2 {
			return nil, noMatch()
		}
		lt, err := listArg(args[0])
		if err != nil {
			return nil, err
		}
		x, err := elementArg(lt.Elem(), args[1])
		if err != nil {
			return nil, err
		}
		typ := arrow.ListOf(lt.Elem())
		return &compositeExpr{name: name, args: []vectorized.Expr{args[0], x}, typ: typ,
			eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
				l := cols[0].(*array.List)
				p := newListPlan(n)
				for i := 0; i < n; i++ {
					if l.IsNull(i) {
						p.end(i, true)
						continue
					}
					if front {
						p.add(1, i)
					}
					s, e := l.ValueOffsets(i)
					for k := s; k < e; k++ {
						p.add(0, int(k))
					}
					if !front {
						p.add(1, i)
					}
					p.end(i, false)
				}
				return p.finish(mem, typ, n, l.ListValues(), cols[1])
			}}, nil
	}
}

// commonListArgs casts ARRAY arguments to the ARRAY of their elements'
// common type.
func commonListArgs(args []vectorized.Expr) ([]vectorized.Expr, *arrow.ListType, error) {
	elems := make([]arrow.DataType, len(args))
	for i, a := range args {
		lt, err := listArg(a)
		if err != nil {
			return nil, nil, err
		}
		elems[i] = lt.Elem()
	}
	elem := commonType(elems)
	if elem == nil {
		return nil, nil, noMatchf("the element types %s have no common type", typeList(elems))
	}
	typ := arrow.ListOf(elem)
	out := make([]vectorized.Expr, len(args))
	for i, a := range args {
		out[i] = implicit(a, typ)
	}
	return out, typ, nil
}

// bindArrayConcat: the arrays one after the other; NULL when any is NULL.
func bindArrayConcat(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) == 0 {
		return nil, noMatch()
	}
	a, typ, err := commonListArgs(args)
	if err != nil {
		return nil, err
	}
	return &compositeExpr{name: name, args: a, typ: typ,
		eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
			ls := make([]*array.List, len(cols))
			srcs := make([]arrow.Array, len(cols))
			for j, c := range cols {
				ls[j] = c.(*array.List)
				srcs[j] = ls[j].ListValues()
			}
			p := newListPlan(n)
			for i := 0; i < n; i++ {
				null := false
				for _, l := range ls {
					null = null || l.IsNull(i)
				}
				if !null {
					for j, l := range ls {
						s, e := l.ValueOffsets(i)
						for k := s; k < e; k++ {
							p.add(int16(j), int(k))
						}
					}
				}
				p.end(i, null)
			}
			return p.finish(mem, typ, n, srcs...)
		}}, nil
}

// bindArrayReverse: the elements in reverse order.
func bindArrayReverse(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 1 {
		return nil, noMatch()
	}
	lt, err := listArg(args[0])
	if err != nil {
		return nil, err
	}
	typ := arrow.ListOf(lt.Elem())
	return &compositeExpr{name: name, args: args, typ: typ,
		eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
			l := cols[0].(*array.List)
			p := newListPlan(n)
			for i := 0; i < n; i++ {
				if !l.IsNull(i) {
					s, e := l.ValueOffsets(i)
					for k := e - 1; k >= s; k-- {
						p.add(0, int(k))
					}
				}
				p.end(i, l.IsNull(i))
			}
			return p.finish(mem, typ, n, l.ListValues())
		}}, nil
}

// smallIntArg casts an integer argument of at most INT to BIGINT for the
// kernel; Flink's INT parameters take no BIGINT.
func smallIntArg(e vectorized.Expr) (vectorized.Expr, bool) {
	dt := e.DataType()
	if dt.ID() != arrow.NULL && (familyOf(dt) != famInt || dt.ID() == arrow.INT64) {
		return nil, false
	}
	return implicit(e, tInt64), true
}

// bindArraySlice: ARRAY_SLICE(a, start[, end]) is the elements from start
// to end inclusive, 1-based, as Flink's ArraySliceFunction: negative
// bounds count from the end (-1 is the last), a start below 1 is 1, an end
// of 0 is 1 and an end past the array its length; empty when end < start.
// NULL when any argument is.
func bindArraySlice(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 2 && len(args) != 3 {
		return nil, noMatch()
	}
	lt, err := listArg(args[0])
	if err != nil {
		return nil, err
	}
	a := []vectorized.Expr{args[0]}
	for _, b := range args[1:] {
		c, ok := smallIntArg(b)
		if !ok {
			return nil, noMatchf("the bounds are INT, not %s", SQLTypeName(b.DataType()))
		}
		a = append(a, c)
	}
	typ := arrow.ListOf(lt.Elem())
	return &compositeExpr{name: name, args: a, typ: typ,
		eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
			l := cols[0].(*array.List)
			starts := values[int64](cols[1])
			var ends []int64
			if len(cols) == 3 {
				ends = values[int64](cols[2])
			}
			p := newListPlan(n)
			for i := 0; i < n; i++ {
				null := false
				for _, c := range cols {
					null = null || c.IsNull(i)
				}
				if null {
					p.end(i, true)
					continue
				}
				s, e := l.ValueOffsets(i)
				size := e - s
				if size > 0 {
					lo, hi := starts[i], size
					if ends != nil {
						hi = ends[i]
					}
					if lo < 0 {
						lo += size + 1
					}
					if hi < 0 {
						hi += size + 1
					}
					lo = max(lo, 1)
					if hi == 0 {
						hi = 1
					}
					hi = min(hi, size)
					for k := lo; k <= hi; k++ {
						p.add(0, int(s+k-1))
					}
				}
				p.end(i, false)
			}
			return p.finish(mem, typ, n, l.ListValues())
		}}, nil
}

// elemCmp answers equality between elements of the source columns (NULL
// equals NULL), for the functions that compare elements with each other. Arrays are short: the quadratic
// scans below beat hashing arbitrary element types.
type elemCmp struct {
	eq    func(a, i, b, j int) bool
	valid []bitsView
}

func newElemCmp(eq func(cols []arrow.Array) func(a, i, b, j int) bool, cols ...arrow.Array) elemCmp {
	c := elemCmp{eq: eq(cols), valid: make([]bitsView, len(cols))}
	for k, a := range cols {
		c.valid[k] = validity(a)
	}
	return c
}

func (c elemCmp) same(a, i, b, j int) bool {
	va, vb := c.valid[a].get(i), c.valid[b].get(j)
	if !va || !vb {
		return va == vb
	}
	return c.eq(a, i, b, j)
}

// bindArrayDistinct: the elements without repeats, in first-seen order;
// NULLs count as one value, NaN is never a repeat (Java's ==).
func bindArrayDistinct(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 1 {
		return nil, noMatch()
	}
	lt, err := listArg(args[0])
	if err != nil {
		return nil, err
	}
	eq := eqFunc(lt.Elem())
	if eq == nil {
		return nil, comparableElems(lt.Elem())
	}
	typ := arrow.ListOf(lt.Elem())
	return &compositeExpr{name: name, args: args, typ: typ,
		eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
			l := cols[0].(*array.List)
			vals := l.ListValues()
			c := newElemCmp(eq, vals)
			p := newListPlan(n)
			for i := 0; i < n; i++ {
				if !l.IsNull(i) {
					s, e := l.ValueOffsets(i)
					p.addDistinct(c, 0, int(s), int(e))
				}
				p.end(i, l.IsNull(i))
			}
			return p.finish(mem, typ, n, vals)
		}}, nil
}

// addDistinct adds the elements s..e of source w that the row does not
// hold yet (the row's elements start at the last offset).
func (p *listPlan) addDistinct(c elemCmp, w int16, s, e int) {
	from := int(p.offs[len(p.offs)-1])
	for k := s; k < e; k++ {
		if !p.holds(c, from, w, k) {
			p.add(w, k)
		}
	}
}

func (p *listPlan) holds(c elemCmp, from int, w int16, k int) bool {
	for r := from; r < len(p.which); r++ {
		if c.same(int(p.which[r]), int(p.pos[r]), int(w), k) {
			return true
		}
	}
	return false
}

// listAndElement binds the (array, element) arguments of ARRAY_REMOVE and
// ARRAY_POSITION: the array's type, the element cast to its element type,
// and the element equality.
func listAndElement(args []vectorized.Expr) (*arrow.ListType, vectorized.Expr, func(cols []arrow.Array) func(a, i, b, j int) bool, error) {
	if len(args) != 2 {
		return nil, nil, nil, noMatch()
	}
	lt, err := listArg(args[0])
	if err != nil {
		return nil, nil, nil, err
	}
	x, err := elementArg(lt.Elem(), args[1])
	if err != nil {
		return nil, nil, nil, err
	}
	eq := eqFunc(lt.Elem())
	if eq == nil {
		return nil, nil, nil, comparableElems(lt.Elem())
	}
	return lt, x, eq, nil
}

// bindArrayRemove: the elements not equal to x (a NULL x removes the NULL
// elements); NULL when a is NULL.
func bindArrayRemove(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	lt, x, eq, err := listAndElement(args)
	if err != nil {
		return nil, err
	}
	typ := arrow.ListOf(lt.Elem())
	return &compositeExpr{name: name, args: []vectorized.Expr{args[0], x}, typ: typ,
		eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
			l := cols[0].(*array.List)
			vals := l.ListValues()
			c := newElemCmp(eq, vals, cols[1])
			p := newListPlan(n)
			for i := 0; i < n; i++ {
				if !l.IsNull(i) {
					s, e := l.ValueOffsets(i)
					for k := int(s); k < int(e); k++ {
						if !c.same(0, k, 1, i) {
							p.add(0, k)
						}
					}
				}
				p.end(i, l.IsNull(i))
			}
			return p.finish(mem, typ, n, vals)
		}}, nil
}

// bindArrayPosition: the 1-based position of the first element equal to
// x, 0 when there is none; NULL when a or x is NULL.
func bindArrayPosition(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	_, x, eq, err := listAndElement(args)
	if err != nil {
		return nil, err
	}
	return &compositeExpr{name: name, args: []vectorized.Expr{args[0], x}, typ: tInt32,
		eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
			l := cols[0].(*array.List)
			vals := l.ListValues()
			c := newElemCmp(eq, vals, cols[1])
			buf, out := allocFixed[int32](mem, n)
			for i := 0; i < n; i++ {
				out[i] = 0
				if l.IsNull(i) || cols[1].IsNull(i) {
					continue
				}
				s, e := l.ValueOffsets(i)
				for k := int(s); k < int(e); k++ {
					if c.same(0, k, 1, i) {
						out[i] = int32(k-int(s)) + 1
						break
					}
				}
			}
			valid, nulls := andValidity(mem, n, l, cols[1])
			return makeArray(tInt32, n, valid, nulls, buf), nil
		}}, nil
}

type setOp int

const (
	setExcept setOp = iota
	setIntersect
	setUnion
)

// bindArraySetOp: ARRAY_EXCEPT, ARRAY_INTERSECT and ARRAY_UNION over the
// arrays' common element type, as sets: the result has no repeats and
// keeps the first array's order (then the second's, for UNION); NULL
// elements take part as one value. NULL when either array is.
func bindArraySetOp(op setOp) binder {
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		if len(args) != 2 {
			return nil, noMatch()
		}
		a, typ, err := commonListArgs(args)
		if err != nil {
			return nil, err
		}
		eq := eqFunc(typ.Elem())
		if eq == nil {
			return nil, comparableElems(typ.Elem())
		}
		return &compositeExpr{name: name, args: a, typ: typ,
			eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
				l, r := cols[0].(*array.List), cols[1].(*array.List)
				lv, rv := l.ListValues(), r.ListValues()
				c := newElemCmp(eq, lv, rv)
				p := newListPlan(n)
				for i := 0; i < n; i++ {
					null := l.IsNull(i) || r.IsNull(i)
					if !null {
						ls, le := l.ValueOffsets(i)
						rs, re := r.ValueOffsets(i)
						inRight := func(k int) bool {
							for j := int(rs); j < int(re); j++ {
								if c.same(0, k, 1, j) {
									return true
								}
							}
							return false
						}
						from := int(p.offs[len(p.offs)-1])
						for k := int(ls); k < int(le); k++ {
							switch op {
							case setExcept:
								if inRight(k) {
									continue
								}
							case setIntersect:
								if !inRight(k) {
									continue
								}
							}
							if !p.holds(c, from, 0, k) {
								p.add(0, k)
							}
						}
						if op == setUnion {
							p.addDistinct(c, 1, int(rs), int(re))
						}
					}
					p.end(i, null)
				}
				return p.finish(mem, typ, n, lv, rv)
			}}, nil
	}
}

// bindArraySort: the elements in ascending (default) or descending
// order, NULLs first by default when ascending and last when descending;
// NULL when any argument is. Floating point orders as Double.compare.
func bindArraySort(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) < 1 || len(args) > 3 {
		return nil, noMatch()
	}
	lt, err := listArg(args[0])
	if err != nil {
		return nil, err
	}
	less := lessFunc(lt.Elem())
	if less == nil || lt.Elem().ID() == arrow.BOOL {
		// Flink's ARRAY_SORT takes no BOOLEAN elements
		return nil, comparableElems(lt.Elem())
	}
	a := []vectorized.Expr{args[0]}
	for _, b := range args[1:] {
		if dt := b.DataType(); dt.ID() != arrow.NULL && dt.ID() != arrow.BOOL {
			return nil, noMatchf("the sort order is BOOLEAN, not %s", SQLTypeName(dt))
		}
		a = append(a, implicit(b, tBool))
	}
	typ := arrow.ListOf(lt.Elem())
	return &compositeExpr{name: name, args: a, typ: typ,
		eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
			l := cols[0].(*array.List)
			vals := l.ListValues()
			lf := less([]arrow.Array{vals})
			vv := validity(vals)
			flags := make([]bitsView, len(cols)-1)
			for j := range flags {
				flags[j] = boolBits(cols[j+1])
			}
			p := newListPlan(n)
			var idx []int
			for i := 0; i < n; i++ {
				null := false
				for _, c := range cols {
					null = null || c.IsNull(i)
				}
				if null {
					p.end(i, true)
					continue
				}
				asc := len(flags) == 0 || flags[0].get(i)
				nullsFirst := asc
				if len(flags) == 2 {
					nullsFirst = flags[1].get(i)
				}
				s, e := l.ValueOffsets(i)
				idx = idx[:0]
				for k := int(s); k < int(e); k++ {
					idx = append(idx, k)
				}
				sort.SliceStable(idx, func(x, y int) bool {
					a, b := idx[x], idx[y]
					an, bn := !vv.get(a), !vv.get(b)
					switch {
					case an || bn:
						return an && !bn && nullsFirst || bn && !an && !nullsFirst
					case asc:
						return lf(0, a, 0, b)
					default:
						return lf(0, b, 0, a)
					}
				})
				for _, k := range idx {
					p.add(0, k)
				}
				p.end(i, false)
			}
			return p.finish(mem, typ, n, vals)
		}}, nil
}

// bindArrayExtreme: ARRAY_MAX / ARRAY_MIN, the greatest / least non-NULL
// element, NULL when there is none. Like Flink, it keeps the first
// element and replaces it by each that compares greater / less, so with
// floating point a NaN met first stays (Java's primitive comparison).
func bindArrayExtreme(greatest bool) binder {
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		if len(args) != 1 {
			return nil, noMatch()
		}
		lt, err := listArg(args[0])
		if err != nil {
			return nil, err
		}
		elem := lt.Elem()
		less := lessFunc(elem)
		if less == nil || elem.ID() == arrow.BOOL {
			// Flink's ARRAY_MAX and ARRAY_MIN take no BOOLEAN elements
			return nil, comparableElems(elem)
		}
		return &compositeExpr{name: name, args: args, typ: elem,
			eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
				l := cols[0].(*array.List)
				vals := l.ListValues()
				lf := less([]arrow.Array{vals})
				switch elem.ID() {
				case arrow.FLOAT32:
					fv := values[float32](vals)
					lf = func(_, i, _, j int) bool { return fv[i] < fv[j] }
				case arrow.FLOAT64:
					fv := values[float64](vals)
					lf = func(_, i, _, j int) bool { return fv[i] < fv[j] }
				}
				vv := validity(vals)
				which := make([]int16, n)
				pos := make([]int32, n)
				for i := 0; i < n; i++ {
					best := -1
					if !l.IsNull(i) {
						s, e := l.ValueOffsets(i)
						for k := int(s); k < int(e); k++ {
							if !vv.get(k) {
								continue
							}
							if best < 0 || (greatest && lf(0, best, 0, k)) || (!greatest && lf(0, k, 0, best)) {
								best = k
							}
						}
					}
					if best < 0 {
						which[i] = -1
					} else {
						pos[i] = int32(best)
					}
				}
				return gather(mem, elem, n, []arrow.Array{vals}, which, pos)
			}}, nil
	}
}

// bindArrayJoin: the string elements joined by the delimiter; NULL
// elements are left out, or replaced by the third argument when given.
// NULL when any argument is.
func bindArrayJoin(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 2 && len(args) != 3 {
		return nil, noMatch()
	}
	lt, err := listArg(args[0])
	if err != nil {
		return nil, err
	}
	if familyOf(lt.Elem()) != famString {
		return nil, noMatchf("the elements are %s, not STRING", SQLTypeName(lt.Elem()))
	}
	rest, ok := argKinds(args[1:], "S?S")
	if !ok {
		return nil, noMatch()
	}
	return &compositeExpr{name: name, args: append([]vectorized.Expr{args[0]}, rest...), typ: tString,
		eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
			l := cols[0].(*array.List)
			vals := newStrIn(l.ListValues())
			vv := validity(l.ListValues())
			delim := newStrIn(cols[1])
			var repl strIn
			if len(cols) == 3 {
				repl = newStrIn(cols[2])
			}
			out := newStrOut(mem, tString, n, 0)
			for i := 0; i < n; i++ {
				null := false
				for _, c := range cols {
					null = null || c.IsNull(i)
				}
				if null {
					out.AppendNull()
					continue
				}
				var b []byte
				d := delim.bytes(i)
				s, e := l.ValueOffsets(i)
				first := true
				for k := int(s); k < int(e); k++ {
					var v []byte
					switch {
					case vv.get(k):
						v = vals.bytes(k)
					case len(cols) == 3:
						v = repl.bytes(i)
					default:
						continue
					}
					if !first {
						b = append(b, d...)
					}
					first = false
					b = append(b, v...)
				}
				out.Append(b)
			}
			return out.finish(), nil
		}}, nil
}

// bindMapPart: MAP_KEYS, MAP_VALUES (part 0, 1) and MAP_ENTRIES (2, an
// ARRAY<ROW<key, value>>), in the map's order. The result shares the
// map's offsets, validity and entry columns: nothing is copied.
func bindMapPart(part int) binder {
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		if len(args) != 1 {
			return nil, noMatch()
		}
		mt, ok := args[0].DataType().(*arrow.MapType)
		if !ok {
			return nil, noMatchf("%s is not a MAP", SQLTypeName(args[0].DataType()))
		}
		var elem arrow.DataType
		switch part {
		case 0:
			elem = mt.KeyType()
		case 1:
			elem = mt.ItemType()
		default:
			elem = arrow.StructOf(arrow.Field{Name: "key", Type: mt.KeyType(), Nullable: true},
				arrow.Field{Name: "value", Type: mt.ItemType(), Nullable: true})
		}
		typ := arrow.ListOf(elem)
		return &compositeExpr{name: name, args: args, typ: typ,
			eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
				m := cols[0].(*array.Map)
				var child arrow.ArrayData
				switch part {
				case 0:
					child = m.Keys().Data()
				case 1:
					child = m.Items().Data()
				default:
					keys, items := m.Keys(), m.Items()
					st := array.NewData(elem, keys.Len(), []*memory.Buffer{nil}, []arrow.ArrayData{keys.Data(), items.Data()}, 0, 0)
					defer st.Release()
					child = st
				}
				d := m.Data()
				data := array.NewData(typ, d.Len(), d.Buffers()[:2], []arrow.ArrayData{child}, d.NullN(), d.Offset())
				defer data.Release()
				return array.MakeFromData(data), nil
			}}, nil
	}
}

// bindRegexpExtractAll: REGEXP_EXTRACT_ALL(s, pattern[, group]) is the
// ARRAY<STRING> of the group (default 1) of every match, found as Java's
// Matcher.find does (an empty match right after a non-empty one counts);
// a group that did not take part is a NULL element. NULL when an argument
// is NULL, the pattern is invalid or the group does not exist.
func bindRegexpExtractAll(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	a, ok := argKinds(args, "SS?I")
	if !ok {
		return nil, noMatch()
	}
	var fixed *regexp.Regexp
	if p, ok := literalString(a[1]); ok {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("%s: pattern %s is not supported (Go RE2 syntax, a subset of Java's): %w", name, quoteSQL(p), err)
		}
		fixed = re
	}
	typ := arrow.ListOf(tString)
	return &compositeExpr{name: name, args: a, typ: typ,
		eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
			s, pat := sAccOf(cols[0], n), sAccOf(cols[1], n)
			var groups []int64
			if len(cols) == 3 {
				groups = values[int64](cols[2])
			}
			cache := newRegexCache(fixed)
			probes := map[*regexp.Regexp]bool{}
			b := array.NewListBuilder(mem, tString)
			defer b.Release()
			vb := b.ValueBuilder().(*array.StringBuilder)
			for i := 0; i < n; i++ {
				null := false
				for _, c := range cols {
					null = null || c.IsNull(i)
				}
				var re *regexp.Regexp
				if !null {
					re = cache.get(pat, i)
				}
				g := int64(1)
				if groups != nil && !null {
					g = groups[i]
				}
				if re == nil || g < 0 || g > int64(re.NumSubexp()) {
					b.AppendNull()
					continue
				}
				b.Append(true)
				str := s.bytesAt(i)
				ms := re.FindAllSubmatchIndex(str, -1)
				emit := func(m []int) {
					if m[2*g] < 0 {
						vb.AppendNull()
					} else {
						vb.Append(string(str[m[2*g]:m[2*g+1]]))
					}
				}
				for k, m := range ms {
					emit(m)
					if e := m[1]; e > m[0] && (k+1 == len(ms) || ms[k+1][0] != e) && emptyMatchAt(re, probes, str, e) {
						em := re.FindSubmatchIndex(str[e:])
						for j := range em {
							if em[j] >= 0 {
								em[j] += e
							}
						}
						emit(em)
					}
				}
			}
			return b.NewArray(), nil
		}}, nil
}

func init() {
	register("MAP_FROM_ARRAYS", []string{"MAP_FROM_ARRAYS(ARRAY<K>, ARRAY<V>)"}, bindMapFromArrays)
	register("MAP_UNION", []string{"MAP_UNION(MAP<K, V>, MAP<K, V>...)"}, bindMapUnion)
}

// mapPlan is a result MAP column under construction, as listPlan: entry
// r of the result is the key and value at which[r]/pos[r] of the sources.
type mapPlan struct{ listPlan }

// finish gathers the keys from keySrcs and the values from valSrcs.
func (p *mapPlan) finish(mem memory.Allocator, typ *arrow.MapType, n int, keySrcs, valSrcs []arrow.Array) (arrow.Array, error) {
	keys, err := gather(mem, typ.KeyType(), len(p.which), keySrcs, p.which, p.pos)
	if err != nil {
		return nil, err
	}
	defer keys.Release()
	vals, err := gather(mem, typ.ItemType(), len(p.which), valSrcs, p.which, p.pos)
	if err != nil {
		return nil, err
	}
	defer vals.Release()
	entries := array.NewData(typ.Elem(), len(p.which), []*memory.Buffer{nil}, []arrow.ArrayData{keys.Data(), vals.Data()}, 0, 0)
	defer entries.Release()
	offBuf, offs := allocFixed[int32](mem, n+1)
	copy(offs, p.offs)
	defer offBuf.Release()
	var validBuf *memory.Buffer
	nulls := 0
	if p.nulls {
		validBuf = memory.NewBufferBytes(p.valid)
		nulls = countNulls(p.valid, n)
	}
	data := array.NewData(typ, n, []*memory.Buffer{validBuf, offBuf}, []arrow.ArrayData{entries}, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data), nil
}

// bindMapFromArrays: MAP_FROM_ARRAYS(keys, values) pairs the arrays
// element by element, as Flink's ArrayBasedMapData: repeated keys stay,
// in order. NULL when either array is; arrays of different lengths fail,
// and so does a NULL key, which Flink keeps but an Arrow map cannot hold.
func bindMapFromArrays(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 2 {
		return nil, noMatch()
	}
	kt, err := listArg(args[0])
	if err != nil {
		return nil, err
	}
	vt, err := listArg(args[1])
	if err != nil {
		return nil, err
	}
	typ := arrow.MapOf(kt.Elem(), vt.Elem())
	return &compositeExpr{name: name, args: args, typ: typ, fail: true,
		eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
			k, v := cols[0].(*array.List), cols[1].(*array.List)
			p := &mapPlan{*newListPlan(n)}
			// keys and values come from two sources at the same entry:
			// the values' positions are kept apart.
			var vpos []int32
			for i := 0; i < n; i++ {
				if k.IsNull(i) || v.IsNull(i) {
					p.end(i, true)
					continue
				}
				ks, ke := k.ValueOffsets(i)
				vs, ve := v.ValueOffsets(i)
				if ke-ks != ve-vs {
					return nil, fmt.Errorf("MAP_FROM_ARRAYS: the keys array has %d elements and the values array %d; they must have the same number", ke-ks, ve-vs)
				}
				for j := int64(0); j < ke-ks; j++ {
					p.add(0, int(ks+j))
					vpos = append(vpos, int32(vs+j))
				}
				p.end(i, false)
			}
			keys, err := gather(mem, typ.KeyType(), len(p.which), []arrow.Array{k.ListValues()}, p.which, p.pos)
			if err != nil {
				return nil, err
			}
			defer keys.Release()
			if keys.NullN() > 0 {
				// Arrow's maps have no NULL keys (Flink's do): as the MAP
				// constructor, this fails.
				return nil, fmt.Errorf("MAP_FROM_ARRAYS: a key is NULL")
			}
			vals, err := gather(mem, typ.ItemType(), len(p.which), []arrow.Array{v.ListValues()}, p.which, vpos)
			if err != nil {
				return nil, err
			}
			defer vals.Release()
			// The two gathers give the keys and values; reassemble through
			// the plan with them as the only sources, in order.
			for r := range p.pos {
				p.pos[r] = int32(r)
			}
			return p.finish(mem, typ, n, []arrow.Array{keys}, []arrow.Array{vals})
		}}, nil
}

// bindMapUnion: MAP_UNION(m1, m2, ...) folds the maps left to right as
// Flink's MapUnionFunction: the union of a result r with the next map m
// is m's entries in m's order, then r's entries whose key m does not hold.
// An empty m leaves r as it is; NULL when any map is NULL.
func bindMapUnion(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) == 0 {
		return nil, noMatch()
	}
	var kts, vts []arrow.DataType
	for _, a := range args {
		mt, ok := a.DataType().(*arrow.MapType)
		if !ok {
			return nil, noMatchf("%s is not a MAP", SQLTypeName(a.DataType()))
		}
		kts = append(kts, mt.KeyType())
		vts = append(vts, mt.ItemType())
	}
	kt, vt := commonType(kts), commonType(vts)
	if kt == nil || vt == nil {
		return nil, noMatchf("the keys %s or values %s have no common type", typeList(kts), typeList(vts))
	}
	eq := eqFunc(kt)
	if eq == nil {
		return nil, comparableElems(kt)
	}
	typ := arrow.MapOf(kt, vt)
	a := make([]vectorized.Expr, len(args))
	for i, x := range args {
		a[i] = implicit(x, typ)
	}
	return &compositeExpr{name: name, args: a, typ: typ,
		eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
			ms := make([]*array.Map, len(cols))
			keys := make([]arrow.Array, len(cols))
			items := make([]arrow.Array, len(cols))
			for j, c := range cols {
				ms[j] = c.(*array.Map)
				// Keys() and Items() are the whole entry columns: the
				// offsets index them directly.
				keys[j], items[j] = ms[j].Keys(), ms[j].Items()
			}
			c := newElemCmp(eq, keys...)
			p := &mapPlan{*newListPlan(n)}
			var cur, next []int64 // (source << 32 | position) of the entries
			for i := 0; i < n; i++ {
				null := false
				for _, m := range ms {
					null = null || m.IsNull(i)
				}
				if null {
					p.end(i, true)
					continue
				}
				cur = cur[:0]
				s, e := ms[0].ValueOffsets(i)
				for k := s; k < e; k++ {
					cur = append(cur, k)
				}
				for j := 1; j < len(ms); j++ {
					s, e := ms[j].ValueOffsets(i)
					if s == e {
						continue
					}
					next = next[:0]
					nullKey := false
					for k := s; k < e; k++ {
						next = append(next, int64(j)<<32|k)
						nullKey = nullKey || !c.valid[j].get(int(k))
					}
					for _, x := range cur {
						src, at := int(x>>32), int(x&(1<<32-1))
						held := false
						if c.valid[src].get(at) {
							for k := s; k < e && !held; k++ {
								held = c.valid[j].get(int(k)) && c.eq(src, at, j, int(k))
							}
						} else {
							held = nullKey
						}
						if !held {
							next = append(next, x)
						}
					}
					cur, next = next, cur
				}
				for _, x := range cur {
					p.add(int16(x>>32), int(x&(1<<32-1)))
				}
				p.end(i, false)
			}
			return p.finish(mem, typ, n, keys, items)
		}}, nil
}

func init() {
	register("STR_TO_MAP", []string{"STR_TO_MAP(STRING)", "STR_TO_MAP(STRING, listDelimiter STRING, keyValueDelimiter STRING)"}, bindStrToMap)
}

// bindStrToMap: STR_TO_MAP(text[, listDelimiter, keyValueDelimiter]) as
// Flink's SqlFunctionUtils.strToMap: text is split by the first
// delimiter, each pair at the first match of the second (defaults ','
// and '='), both Java regular expressions with String.split's rules
// (trailing empty pairs dropped); a pair without the second delimiter is
// a key with a NULL value, a later pair overwrites the value of an earlier
// key. Empty text is an empty map; NULL when an argument is. The entries
// come in the order Java's HashMap, sized for the pairs, iterates them,
// which is the order Flink shows.
func bindStrToMap(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 1 && len(args) != 3 {
		return nil, noMatch()
	}
	a, ok := argKinds(args, "S?SS")
	if !ok {
		return nil, noMatch()
	}
	fixed := make([]*regexp.Regexp, 2)
	for j := range fixed {
		if len(a) == 1 {
			fixed[j] = regexp.MustCompile([]string{",", "="}[j])
			continue
		}
		if p, ok := literalString(a[j+1]); ok {
			re, err := regexp.Compile(p)
			if err != nil {
				return nil, fmt.Errorf("%s: delimiter %s is not supported (Go RE2 syntax, a subset of Java's): %w", name, quoteSQL(p), err)
			}
			fixed[j] = re
		}
	}
	typ := arrow.MapOf(tString, tString)
	return &compositeExpr{name: name, args: a, typ: typ, fail: len(a) == 3 && (fixed[0] == nil || fixed[1] == nil),
		eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
			text := newStrIn(cols[0])
			caches := make([]*regexCache, 2)
			var delims []sAcc
			for j := range caches {
				caches[j] = newRegexCache(fixed[j])
				if len(cols) == 3 {
					delims = append(delims, sAccOf(cols[j+1], n))
				}
			}
			probes := map[*regexp.Regexp]bool{}
			b := array.NewMapBuilder(mem, tString, tString, false)
			defer b.Release()
			kb, vb := b.KeyBuilder().(*array.StringBuilder), b.ItemBuilder().(*array.StringBuilder)
			var m javaStringMap
			for i := 0; i < n; i++ {
				null := false
				for _, c := range cols {
					null = null || c.IsNull(i)
				}
				if null {
					b.AppendNull()
					continue
				}
				res := make([]*regexp.Regexp, 2)
				for j := range res {
					if fixed[j] != nil {
						res[j] = fixed[j]
						continue
					}
					if res[j] = caches[j].get(delims[j], i); res[j] == nil {
						return nil, fmt.Errorf("%s: delimiter %s is not a valid pattern", name, quoteSQL(delims[j].at(i)))
					}
				}
				b.Append(true)
				s := text.str(i)
				if s == "" {
					continue
				}
				pairs := javaSplit(res[0], probes, s, 0)
				m.reset(len(pairs))
				for _, pair := range pairs {
					kv := javaSplit(res[1], probes, pair, 2)
					if len(kv) < 2 {
						m.put(pair, "", false)
					} else {
						m.put(kv[0], kv[1], true)
					}
				}
				for _, e := range m.ordered() {
					kb.Append(e.key)
					if e.valid {
						vb.Append(e.value)
					} else {
						vb.AppendNull()
					}
				}
			}
			return b.NewArray(), nil
		}}, nil
}

// javaSplit is Java's String.split(regex, limit) for limit 0 (all pieces,
// trailing empty ones dropped) and limit 2 (at the first match only): a
// zero-width match at the start makes no leading empty piece. Matches are
// found as Matcher.find does (see emptyMatchAt).
func javaSplit(re *regexp.Regexp, probes map[*regexp.Regexp]bool, s string, limit int) []string {
	var out []string
	if lit, complete := re.LiteralPrefix(); complete && lit != "" {
		// a plain delimiter (',' '='): no regex run, no empty matches
		for limit == 0 || len(out) < limit-1 {
			k := strings.Index(s, lit)
			if k < 0 {
				break
			}
			out = append(out, s[:k])
			s = s[k+len(lit):]
		}
		out = append(out, s)
		if limit == 0 {
			for len(out) > 0 && out[len(out)-1] == "" {
				out = out[:len(out)-1]
			}
		}
		return out
	}
	ms := re.FindAllStringIndex(s, -1)
	index := 0
	take := func(m []int) bool {
		if limit > 0 && len(out) >= limit-1 {
			return false
		}
		if index == 0 && m[0] == 0 && m[1] == 0 {
			return true
		}
		out = append(out, s[index:m[0]])
		index = m[1]
		return true
	}
	for k, m := range ms {
		if !take(m) {
			break
		}
		if e := m[1]; e > m[0] && (k+1 == len(ms) || ms[k+1][0] != e) && emptyMatchAt(re, probes, []byte(s), e) {
			if !take([]int{e, e}) {
				break
			}
		}
	}
	if len(out) == 0 {
		return []string{s}
	}
	out = append(out, s[index:])
	if limit == 0 {
		for len(out) > 0 && out[len(out)-1] == "" {
			out = out[:len(out)-1]
		}
	}
	return out
}

// javaStringMap orders entries as a java.util.HashMap<String, String>
// created with an initial capacity iterates them: by bucket (the spread
// String.hashCode masked by the table size, which doubles past 3/4 full),
// then in insertion order within a bucket.
type javaStringMap struct {
	entries []javaEntry
	index   map[string]int
	cap     int
}

type javaEntry struct {
	key, value string
	valid      bool
	hash       uint32
}

func (m *javaStringMap) reset(initial int) {
	m.entries = m.entries[:0]
	if m.index == nil {
		m.index = map[string]int{}
	}
	clear(m.index)
	// HashMap's tableSizeFor: the next power of two, at least 1
	m.cap = 1
	for m.cap < initial {
		m.cap <<= 1
	}
}

func (m *javaStringMap) put(k, v string, valid bool) {
	if at, ok := m.index[k]; ok {
		m.entries[at].value, m.entries[at].valid = v, valid
		return
	}
	m.index[k] = len(m.entries)
	m.entries = append(m.entries, javaEntry{key: k, value: v, valid: valid, hash: javaSpreadHash(k)})
	if len(m.entries) > m.cap*3/4 {
		m.cap <<= 1
	}
}

func (m *javaStringMap) ordered() []javaEntry {
	mask := uint32(m.cap - 1)
	sort.SliceStable(m.entries, func(a, b int) bool { return m.entries[a].hash&mask < m.entries[b].hash&mask })
	return m.entries
}

// javaSpreadHash is HashMap.hash of a String: its hashCode over UTF-16
// code units, high half folded into the low.
func javaSpreadHash(s string) uint32 {
	var h uint32
	for _, r := range s {
		if r > 0xFFFF {
			r -= 0x10000
			h = 31*h + uint32(0xD800+(r>>10))
			h = 31*h + uint32(0xDC00+(r&0x3FF))
			continue
		}
		h = 31*h + uint32(r)
	}
	return h ^ h>>16
}
