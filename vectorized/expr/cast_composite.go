package expr

// CAST between composite types, as Flink's RowToRowCastRule,
// ArrayToArrayCastRule and MapToMapAndMultisetToMultisetCastRule: a ROW to
// a ROW of as many fields (names may change) whose fields cast, an ARRAY or
// MAP to one whose element, key and value types cast; NULL to any of them.

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func isComposite(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.STRUCT, arrow.LIST, arrow.MAP:
		return true
	}
	return false
}

// canCastComposite decides the casts from or to composite types; handled
// is false for the others.
func canCastComposite(from, to arrow.DataType) (ok, handled bool) {
	if !isComposite(from) && !isComposite(to) {
		return false, false
	}
	if from.ID() == arrow.NULL {
		return true, true
	}
	switch f := from.(type) {
	case *arrow.StructType:
		t, isRow := to.(*arrow.StructType)
		if !isRow || f.NumFields() != t.NumFields() {
			return false, true
		}
		for i := 0; i < f.NumFields(); i++ {
			if !CanCast(f.Field(i).Type, t.Field(i).Type) {
				return false, true
			}
		}
		return true, true
	case *arrow.MapType:
		t, isMap := to.(*arrow.MapType)
		return isMap && CanCast(f.KeyType(), t.KeyType()) && CanCast(f.ItemType(), t.ItemType()), true
	case *arrow.ListType:
		t, isList := to.(*arrow.ListType)
		return isList && CanCast(f.Elem(), t.Elem()), true
	}
	// A scalar to a composite type or back.
	return false, true
}

// compositeCastFunc is the kernel of a cast canCastComposite allows;
// handled is false when the generic kernels apply.
func compositeCastFunc(from, to arrow.DataType) (castFn, bool) {
	switch f := from.(type) {
	case *arrow.StructType:
		t, ok := to.(*arrow.StructType)
		if !ok {
			return nil, false
		}
		fns := make([]castFn, f.NumFields())
		for i := range fns {
			if fns[i] = castFunc(f.Field(i).Type, t.Field(i).Type); fns[i] == nil {
				return nil, true
			}
		}
		return func(cc *castCtx, in arrow.Array) (arrow.Array, error) {
			row := in.(*array.Struct)
			n := row.Len()
			kids := make([]arrow.ArrayData, len(fns))
			defer func() {
				for _, k := range kids {
					if k != nil {
						k.Release()
					}
				}
			}()
			for i, fn := range fns {
				child := row.Field(i) // sliced to the row's rows
				out, err := fn(&castCtx{mem: cc.mem, loc: cc.loc, n: child.Len(), from: f.Field(i).Type, to: t.Field(i).Type, try: cc.try}, child)
				if err != nil {
					return nil, err
				}
				kids[i] = out.Data()
				kids[i].Retain()
				out.Release()
			}
			valid, nulls := copyValidity(cc.mem, row)
			bufs := []*memory.Buffer{valid}
			data := array.NewData(to, n, bufs, kids, nulls, 0)
			if valid != nil {
				valid.Release()
			}
			defer data.Release()
			return array.MakeFromData(data), nil
		}, true
	case *arrow.ListType:
		t, ok := to.(*arrow.ListType)
		if !ok {
			return nil, false
		}
		fn := castFunc(f.Elem(), t.Elem())
		if fn == nil {
			return nil, true
		}
		return func(cc *castCtx, in arrow.Array) (arrow.Array, error) {
			values := in.(*array.List).ListValues()
			out, err := fn(&castCtx{mem: cc.mem, loc: cc.loc, n: values.Len(), from: f.Elem(), to: t.Elem(), try: cc.try}, values)
			if err != nil {
				return nil, err
			}
			defer out.Release()
			d := in.Data()
			data := array.NewData(to, d.Len(), d.Buffers(), []arrow.ArrayData{out.Data()}, d.NullN(), d.Offset())
			defer data.Release()
			return array.MakeFromData(data), nil
		}, true
	case *arrow.MapType:
		t, ok := to.(*arrow.MapType)
		if !ok {
			return nil, false
		}
		kf, vf := castFunc(f.KeyType(), t.KeyType()), castFunc(f.ItemType(), t.ItemType())
		if kf == nil || vf == nil {
			return nil, true
		}
		return func(cc *castCtx, in arrow.Array) (arrow.Array, error) {
			d := in.Data()
			entries := array.MakeFromData(d.Children()[0]).(*array.Struct)
			defer entries.Release()
			keys, items := entries.Field(0), entries.Field(1)
			k, err := kf(&castCtx{mem: cc.mem, loc: cc.loc, n: keys.Len(), from: f.KeyType(), to: t.KeyType(), try: cc.try}, keys)
			if err != nil {
				return nil, err
			}
			defer k.Release()
			v, err := vf(&castCtx{mem: cc.mem, loc: cc.loc, n: items.Len(), from: f.ItemType(), to: t.ItemType(), try: cc.try}, items)
			if err != nil {
				return nil, err
			}
			defer v.Release()
			ed := array.NewData(t.Elem(), entries.Len(), []*memory.Buffer{nil}, []arrow.ArrayData{k.Data(), v.Data()}, 0, 0)
			defer ed.Release()
			data := array.NewData(to, d.Len(), d.Buffers(), []arrow.ArrayData{ed}, d.NullN(), d.Offset())
			defer data.Release()
			return array.MakeFromData(data), nil
		}, true
	}
	return nil, false
}

// copyValidity is a's null bitmap from bit 0 (nil without NULLs).
func copyValidity(mem memory.Allocator, a arrow.Array) (*memory.Buffer, int) {
	if a.NullN() == 0 {
		return nil, 0
	}
	buf, out := allocBits(mem, a.Len())
	bitutil.CopyBitmap(a.NullBitmapBytes(), a.Data().Offset(), a.Len(), out, 0)
	return buf, a.NullN()
}

// compositeTypeName is the Flink SQL name of a ROW, ARRAY or MAP type.
func compositeTypeName(dt arrow.DataType) (string, bool) {
	switch t := dt.(type) {
	case *arrow.StructType:
		parts := make([]string, t.NumFields())
		for i, f := range t.Fields() {
			parts[i] = "`" + strings.ReplaceAll(f.Name, "`", "``") + "` " + SQLTypeName(f.Type)
		}
		return "ROW<" + strings.Join(parts, ", ") + ">", true
	case *arrow.MapType:
		return "MAP<" + SQLTypeName(t.KeyType()) + ", " + SQLTypeName(t.ItemType()) + ">", true
	case *arrow.ListType:
		return "ARRAY<" + SQLTypeName(t.Elem()) + ">", true
	}
	return "", false
}
