package expr

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/vectorized"
)

func init() {
	register("ARRAY_CONTAINS", []string{"ARRAY_CONTAINS(ARRAY<T>, T)"}, bindArrayContains)
}

// bindArrayContains: ARRAY_CONTAINS(a, x) is whether an element of a
// equals x, NULL when a is NULL; a NULL x looks for a NULL element.
// Elements compare as Flink's generated equality: floating point with ==
// (NaN is never found, -0.0 finds 0.0), the rest by value.
func bindArrayContains(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 2 {
		return nil, noMatch()
	}
	lt, ok := args[0].DataType().(*arrow.ListType)
	if !ok {
		return nil, noMatchf("%s is not an ARRAY", SQLTypeName(args[0].DataType()))
	}
	elem := lt.Elem()
	needle := args[1]
	if !isNullLiteral(needle) {
		if ct := commonType([]arrow.DataType{elem, needle.DataType()}); ct == nil || !arrow.TypeEqual(ct, elem) {
			return nil, noMatchf("the element type %s does not take %s", SQLTypeName(elem), SQLTypeName(needle.DataType()))
		}
	}
	less := lessFunc(elem)
	if less == nil {
		return nil, noMatchf("elements of type %s cannot be compared", SQLTypeName(elem))
	}
	needle = implicit(needle, elem)
	return &compositeExpr{name: "ARRAY_CONTAINS", args: []vectorized.Expr{args[0], needle}, typ: tBool,
		eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
			l := cols[0].(*array.List)
			vals, x := l.ListValues(), cols[1]
			cmp := less([]arrow.Array{vals, x})
			eq := func(k, i int) bool { return !cmp(0, k, 1, i) && !cmp(1, i, 0, k) }
			// floating point: Java's primitive ==, so NaN is never found
			switch elem.ID() {
			case arrow.FLOAT32:
				fv, fx := values[float32](vals), values[float32](x)
				eq = func(k, i int) bool { return fv[k] == fx[i] }
			case arrow.FLOAT64:
				fv, fx := values[float64](vals), values[float64](x)
				eq = func(k, i int) bool { return fv[k] == fx[i] }
			}
			vv, xv := validity(vals), validity(x)
			buf, out := allocBits(mem, n)
			for i := 0; i < n; i++ {
				if l.IsNull(i) {
					continue
				}
				s, e := l.ValueOffsets(i)
				for k := int(s); k < int(e); k++ {
					found := false
					switch {
					case !xv.get(i):
						found = !vv.get(k)
					case vv.get(k):
						found = eq(k, i)
					}
					if found {
						bitutil.SetBit(out, i)
						break
					}
				}
			}
			valid, nulls := andValidity(mem, n, l)
			return makeArray(tBool, n, valid, nulls, buf), nil
		}}, nil
}

func init() {
	register("SPLIT", []string{"SPLIT(STRING, delimiter STRING)"}, bindSplit)
}

// bindSplit: SPLIT(s, d) is the ARRAY<STRING> of the pieces of s between
// occurrences of d, empty pieces kept; an empty d splits s into its
// characters and an empty s gives an empty array; NULL if s or d is.
func bindSplit(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	a, ok := argKinds(args, "SS")
	if !ok {
		return nil, noMatch()
	}
	typ := arrow.ListOf(tString)
	return &compositeExpr{name: "SPLIT", args: a, typ: typ,
		eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
			s, d := sAccOf(cols[0], n), sAccOf(cols[1], n)
			sv, dv := validity(cols[0]), validity(cols[1])
			b := array.NewListBuilder(mem, tString)
			defer b.Release()
			vb := b.ValueBuilder().(*array.StringBuilder)
			for i := 0; i < n; i++ {
				if !sv.get(i) || !dv.get(i) {
					b.AppendNull()
					continue
				}
				b.Append(true)
				str := s.at(i)
				if str == "" {
					continue
				}
				for _, piece := range strings.Split(str, d.at(i)) {
					vb.Append(piece)
				}
			}
			return b.NewArray(), nil
		}}, nil
}
