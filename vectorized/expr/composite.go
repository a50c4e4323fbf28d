package expr

// Constructors and accessors of the composite types: ROW(...), ARRAY[...],
// MAP[...], field access (row.field), ITEM (array[i], map[key]),
// CARDINALITY and ELEMENT, with Flink's semantics.

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/sluice-stream/sluice/vectorized"
)

// FieldAccess is the internal name of row.field; the space keeps it out of
// reach of SQL function calls.
const FieldAccess = "FIELD ACCESS"

func init() {
	register("ROW", []string{"ROW(T...)"}, bindRowCtor)
	register("ARRAY", []string{"ARRAY(T, T...)"}, bindArrayCtor)
	register("MAP", []string{"MAP(K, V, [K, V]...)"}, bindMapCtor)
	register(FieldAccess, []string{"ROW.field"}, bindFieldAccess)
	register("ITEM", []string{"ITEM(ARRAY<T>, INT)", "ITEM(MAP<K, V>, K)"}, bindItem)
	register("CARDINALITY", []string{"CARDINALITY(ARRAY<T>)", "CARDINALITY(MAP<K, V>)"}, bindCardinality)
	register("ELEMENT", []string{"ELEMENT(ARRAY<T>)"}, bindElement)
}

// compositeExpr is one of the functions above: eval gets the arguments
// evaluated and broadcast to n rows.
type compositeExpr struct {
	name string
	args []vectorized.Expr
	typ  arrow.DataType
	fail bool
	str  func(args []string) string
	eval func(mem memory.Allocator, n int, args []arrow.Array) (arrow.Array, error)
}

func (c *compositeExpr) DataType() arrow.DataType    { return c.typ }
func (c *compositeExpr) canFail() bool               { return c.fail }
func (c *compositeExpr) children() []vectorized.Expr { return c.args }

func (c *compositeExpr) String() string {
	if c.str != nil {
		return c.str(mapStrings(c.args))
	}
	return renderCall(c.name, false, c.args)
}

func (c *compositeExpr) Eval(ec *vectorized.EvalContext, rec arrow.RecordBatch) (arrow.Array, error) {
	n := int(rec.NumRows())
	mem := allocatorOf(ec)
	arrs := make([]arrow.Array, 0, len(c.args))
	defer func() {
		for _, a := range arrs {
			a.Release()
		}
	}()
	for _, a := range c.args {
		v, err := a.Eval(ec, rec)
		if err != nil {
			return nil, err
		}
		b, err := broadcast(mem, v, n)
		v.Release()
		if err != nil {
			return nil, err
		}
		arrs = append(arrs, b)
	}
	return c.eval(mem, n, arrs)
}

// interleave is the rows of cols taken row by row: cols[0][0], cols[1][0],
// ..., cols[0][1], ... (the values of n constructed arrays of len(cols)).
func interleave(mem memory.Allocator, dt arrow.DataType, n int, cols []arrow.Array) (arrow.Array, error) {
	k := len(cols)
	which := make([]int16, n*k)
	pos := make([]int32, n*k)
	for i := 0; i < n; i++ {
		for c := 0; c < k; c++ {
			which[i*k+c] = int16(c)
			pos[i*k+c] = int32(i)
		}
	}
	return gather(mem, dt, n*k, cols, which, pos)
}

// fixedOffsets are the offsets of n lists of k values each.
func fixedOffsets(mem memory.Allocator, n, k int) *memory.Buffer {
	buf, offs := allocFixed[int32](mem, n+1)
	for i := range offs {
		offs[i] = int32(i * k)
	}
	return buf
}

func bindRowCtor(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) == 0 {
		return nil, noMatch()
	}
	fields := make([]arrow.Field, len(args))
	for i, a := range args {
		// Calcite's names for the fields of a ROW constructor.
		fields[i] = arrow.Field{Name: fmt.Sprintf("EXPR$%d", i), Type: a.DataType(), Nullable: true}
	}
	typ := arrow.StructOf(fields...)
	return &compositeExpr{name: "ROW", args: args, typ: typ,
		eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
			kids := make([]arrow.ArrayData, len(cols))
			for i, c := range cols {
				kids[i] = c.Data()
			}
			data := array.NewData(typ, n, []*memory.Buffer{nil}, kids, 0, 0)
			defer data.Release()
			return array.MakeFromData(data), nil
		}}, nil
}

func bindArrayCtor(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) == 0 {
		return nil, noMatch()
	}
	elem := commonType(argTypes(args))
	if elem == nil {
		return nil, noMatchf("the elements %s have no common type", typeList(argTypes(args)))
	}
	items := make([]vectorized.Expr, len(args))
	for i, a := range args {
		items[i] = implicit(a, elem)
	}
	typ := arrow.ListOfField(arrow.Field{Name: "item", Type: elem, Nullable: true})
	return &compositeExpr{name: "ARRAY", args: items, typ: typ,
		str: func(s []string) string { return "ARRAY[" + joinStrings(s) + "]" },
		eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
			values, err := interleave(mem, elem, n, cols)
			if err != nil {
				return nil, err
			}
			defer values.Release()
			offs := fixedOffsets(mem, n, len(cols))
			defer offs.Release()
			data := array.NewData(typ, n, []*memory.Buffer{nil, offs}, []arrow.ArrayData{values.Data()}, 0, 0)
			defer data.Release()
			return array.MakeFromData(data), nil
		}}, nil
}

func bindMapCtor(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) == 0 || len(args)%2 != 0 {
		return nil, noMatchf("MAP takes keys and values in pairs")
	}
	var keys, vals []vectorized.Expr
	for i := 0; i < len(args); i += 2 {
		keys = append(keys, args[i])
		vals = append(vals, args[i+1])
	}
	kt, vt := commonType(argTypes(keys)), commonType(argTypes(vals))
	if kt == nil || vt == nil {
		return nil, noMatchf("the keys %s or values %s have no common type", typeList(argTypes(keys)), typeList(argTypes(vals)))
	}
	items := make([]vectorized.Expr, len(args))
	for i := range keys {
		items[2*i] = implicit(keys[i], kt)
		items[2*i+1] = implicit(vals[i], vt)
	}
	typ := arrow.MapOf(kt, vt)
	return &compositeExpr{name: "MAP", args: items, typ: typ,
		str: func(s []string) string { return "MAP[" + joinStrings(s) + "]" },
		eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
			var kc, vc []arrow.Array
			for i := 0; i < len(cols); i += 2 {
				kc = append(kc, cols[i])
				vc = append(vc, cols[i+1])
			}
			ks, err := interleave(mem, kt, n, kc)
			if err != nil {
				return nil, err
			}
			defer ks.Release()
			if ks.NullN() > 0 {
				return nil, fmt.Errorf("MAP: a key is NULL")
			}
			vs, err := interleave(mem, vt, n, vc)
			if err != nil {
				return nil, err
			}
			defer vs.Release()
			entries := array.NewData(typ.Elem(), n*len(kc), []*memory.Buffer{nil}, []arrow.ArrayData{ks.Data(), vs.Data()}, 0, 0)
			defer entries.Release()
			offs := fixedOffsets(mem, n, len(kc))
			defer offs.Release()
			data := array.NewData(typ, n, []*memory.Buffer{nil, offs}, []arrow.ArrayData{entries}, 0, 0)
			defer data.Release()
			return array.MakeFromData(data), nil
		}, fail: true}, nil
}

func bindFieldAccess(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 2 {
		return nil, noMatch()
	}
	st, ok := args[0].DataType().(*arrow.StructType)
	if !ok {
		return nil, noMatchf("%s is not a ROW", SQLTypeName(args[0].DataType()))
	}
	field, ok := literalString(args[1])
	if !ok {
		return nil, noMatchf("the field name is not a constant")
	}
	idx, found := st.FieldIdx(field)
	if !found {
		return nil, noMatchf("%s has no field %s", SQLTypeName(st), field)
	}
	return &compositeExpr{name: FieldAccess, args: args[:1], typ: st.Field(idx).Type,
		str: func(s []string) string { return s[0] + ".`" + field + "`" },
		eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
			row := cols[0].(*array.Struct)
			child := row.Field(idx)
			if row.NullN() == 0 {
				child.Retain()
				return child, nil
			}
			// A NULL row has NULL fields: rows of the child under a NULL
			// row are gathered as NULL.
			which := make([]int16, n)
			for i := 0; i < n; i++ {
				if row.IsNull(i) {
					which[i] = -1
				}
			}
			return gather(mem, child.DataType(), n, []arrow.Array{child}, which, nil)
		}}, nil
}

func bindItem(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 2 {
		return nil, noMatch()
	}
	switch t := args[0].DataType().(type) {
	case *arrow.ListType:
		if familyOf(args[1].DataType()) != famInt {
			return nil, noMatchf("an ARRAY index is an integer, not %s", SQLTypeName(args[1].DataType()))
		}
		idx := implicit(args[1], arrow.PrimitiveTypes.Int64)
		return &compositeExpr{name: "ITEM", args: []vectorized.Expr{args[0], idx}, typ: t.Elem(),
			str: func(s []string) string { return s[0] + "[" + s[1] + "]" },
			eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
				// Flink: 1-based; out of range or NULL gives NULL.
				l := cols[0].(*array.List)
				ix := cols[1].(*array.Int64)
				which := make([]int16, n)
				pos := make([]int32, n)
				for i := 0; i < n; i++ {
					if l.IsNull(i) || ix.IsNull(i) {
						which[i] = -1
						continue
					}
					start, end := l.ValueOffsets(i)
					k := ix.Value(i)
					if k < 1 || k > end-start {
						which[i] = -1
						continue
					}
					pos[i] = int32(start + k - 1)
				}
				return gather(mem, t.Elem(), n, []arrow.Array{l.ListValues()}, which, pos)
			}}, nil
	case *arrow.MapType:
		kt := t.KeyType()
		key := args[1]
		if !arrow.TypeEqual(key.DataType(), kt) {
			ct := commonType([]arrow.DataType{kt, key.DataType()})
			if ct == nil || !arrow.TypeEqual(ct, kt) {
				return nil, noMatchf("the key %s does not fit %s", SQLTypeName(key.DataType()), SQLTypeName(t))
			}
			key = implicit(key, kt)
		}
		return &compositeExpr{name: "ITEM", args: []vectorized.Expr{args[0], key}, typ: t.ItemType(),
			str: func(s []string) string { return s[0] + "[" + s[1] + "]" },
			eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
				m := cols[0].(*array.Map)
				keys, items := m.Keys(), m.Items()
				which := make([]int16, n)
				pos := make([]int32, n)
				for i := 0; i < n; i++ {
					which[i] = -1
					if m.IsNull(i) || cols[1].IsNull(i) {
						continue
					}
					want, err := scalar.GetScalar(cols[1], i)
					if err != nil {
						return nil, err
					}
					start, end := m.ValueOffsets(i)
					for j := start; j < end; j++ {
						got, err := scalar.GetScalar(keys, int(j))
						if err != nil {
							return nil, err
						}
						if scalar.Equals(got, want) {
							which[i], pos[i] = 0, int32(j)
						}
					}
				}
				return gather(mem, t.ItemType(), n, []arrow.Array{items}, which, pos)
			}}, nil
	}
	return nil, noMatchf("%s is not an ARRAY or a MAP", SQLTypeName(args[0].DataType()))
}

// listLike is the offsets view shared by ARRAY and MAP values.
type listLike interface {
	arrow.Array
	ValueOffsets(i int) (int64, int64)
}

func bindCardinality(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 1 {
		return nil, noMatch()
	}
	switch args[0].DataType().(type) {
	case *arrow.ListType, *arrow.MapType:
	default:
		return nil, noMatchf("%s is not an ARRAY or a MAP", SQLTypeName(args[0].DataType()))
	}
	return &compositeExpr{name: "CARDINALITY", args: args, typ: arrow.PrimitiveTypes.Int32,
		eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
			l := cols[0].(listLike)
			buf, out := allocFixed[int32](mem, n)
			for i := 0; i < n; i++ {
				if !l.IsNull(i) {
					s, e := l.ValueOffsets(i)
					out[i] = int32(e - s)
				}
			}
			valid, nulls := andValidity(mem, n, l)
			return makeArray(arrow.PrimitiveTypes.Int32, n, valid, nulls, buf), nil
		}}, nil
}

func bindElement(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 1 {
		return nil, noMatch()
	}
	t, ok := args[0].DataType().(*arrow.ListType)
	if !ok {
		return nil, noMatchf("%s is not an ARRAY", SQLTypeName(args[0].DataType()))
	}
	return &compositeExpr{name: "ELEMENT", args: args, typ: t.Elem(), fail: true,
		eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
			// Flink: NULL for an empty array, the element of a
			// one-element array, an error for more.
			l := cols[0].(*array.List)
			which := make([]int16, n)
			pos := make([]int32, n)
			for i := 0; i < n; i++ {
				s, e := l.ValueOffsets(i)
				switch {
				case l.IsNull(i) || e == s:
					which[i] = -1
				case e-s == 1:
					pos[i] = int32(s)
				default:
					return nil, fmt.Errorf("ELEMENT: the array has %d elements; it must have at most one", e-s)
				}
			}
			return gather(mem, t.Elem(), n, []arrow.Array{l.ListValues()}, which, pos)
		}}, nil
}

func joinStrings(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}
