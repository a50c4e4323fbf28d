package filesystem

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Arrow leaves the child values below a NULL struct undefined, and
// producers differ: builders append NULLs there, others (datagen, kernels
// that assemble structs from columns) leave whatever the child holds.
// arrow-go v18.8's pqarrow mishandles two such cases: a decimal leaf with
// values but no NULL of its own below NULL structs is written densely and
// shifts every later row (encode_arrow.go tests leafArr.NullN() == 0 where
// the other types test !maybeParentNulls && noNulls), and a list with
// elements below a NULL struct, or a NULL list slot with elements, is
// refused ("lists with non-zero length null components are not
// supported"). The parquet sink therefore rewrites such columns in
// canonical form — NULL below every NULL struct, NULL lists empty —
// before writing them.

// fragileStruct reports a struct type with a list, map or decimal below it.
func fragileStruct(dt arrow.DataType) bool {
	st, ok := dt.(*arrow.StructType)
	if !ok {
		return false
	}
	var below func(dt arrow.DataType) bool
	below = func(dt arrow.DataType) bool {
		switch t := dt.(type) {
		case *arrow.Decimal128Type, *arrow.Decimal256Type, *arrow.ListType, *arrow.LargeListType, *arrow.MapType:
			return true
		case arrow.NestedType:
			for _, f := range t.Fields() {
				if below(f.Type) {
					return true
				}
			}
		}
		return false
	}
	return below(st)
}

// mayNeedCanonical reports a column type that can hold a fragile struct
// or list.
func mayNeedCanonical(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.LIST, arrow.LARGE_LIST, arrow.MAP:
		return true
	}
	if fragileStruct(dt) {
		return true
	}
	if t, ok := dt.(arrow.NestedType); ok {
		for _, f := range t.Fields() {
			if mayNeedCanonical(f.Type) {
				return true
			}
		}
	}
	return false
}

// needsCanonical reports data holding a NULL struct over a list, map or
// decimal, or a NULL list or map slot with elements.
func needsCanonical(d arrow.ArrayData) bool {
	if fragileStruct(d.DataType()) && nullCount(d) > 0 {
		return true
	}
	if id := d.DataType().ID(); (id == arrow.LIST || id == arrow.MAP) && nullCount(d) > 0 {
		valid := d.Buffers()[0].Bytes()
		offsets := arrow.Int32Traits.CastFromBytes(d.Buffers()[1].Bytes())
		for k := d.Offset(); k < d.Offset()+d.Len(); k++ {
			if !bitutil.BitIsSet(valid, k) && offsets[k+1] > offsets[k] {
				return true
			}
		}
	}
	for _, c := range d.Children() {
		if needsCanonical(c) {
			return true
		}
	}
	return false
}

func nullCount(d arrow.ArrayData) int {
	if n := d.NullN(); n >= 0 {
		return n
	}
	b := d.Buffers()[0]
	if b == nil {
		return 0
	}
	return d.Len() - bitutil.CountSetBits(b.Bytes(), d.Offset(), d.Len())
}

// canonical copies arr value by value through a builder, which puts NULLs
// below NULL structs and gives NULL lists no elements.
func canonical(arr arrow.Array, mem memory.Allocator) (arrow.Array, error) {
	b := array.NewBuilder(mem, arr.DataType())
	defer b.Release()
	b.Reserve(arr.Len())
	for i := range arr.Len() {
		if err := copyValue(b, arr, i); err != nil {
			return nil, err
		}
	}
	return b.NewArray(), nil
}

// copyValue appends value i of a to b, a builder of a's type.
func copyValue(b array.Builder, a arrow.Array, i int) error {
	if a.IsNull(i) {
		b.AppendNull()
		return nil
	}
	switch a := a.(type) {
	case *array.Boolean:
		b.(*array.BooleanBuilder).Append(a.Value(i))
	case *array.Int8:
		b.(*array.Int8Builder).Append(a.Value(i))
	case *array.Int16:
		b.(*array.Int16Builder).Append(a.Value(i))
	case *array.Int32:
		b.(*array.Int32Builder).Append(a.Value(i))
	case *array.Int64:
		b.(*array.Int64Builder).Append(a.Value(i))
	case *array.Float32:
		b.(*array.Float32Builder).Append(a.Value(i))
	case *array.Float64:
		b.(*array.Float64Builder).Append(a.Value(i))
	case *array.Decimal128:
		b.(*array.Decimal128Builder).Append(a.Value(i))
	case *array.String:
		b.(*array.StringBuilder).Append(a.Value(i))
	case *array.Binary:
		b.(*array.BinaryBuilder).Append(a.Value(i))
	case *array.Date32:
		b.(*array.Date32Builder).Append(a.Value(i))
	case *array.Time32:
		b.(*array.Time32Builder).Append(a.Value(i))
	case *array.Time64:
		b.(*array.Time64Builder).Append(a.Value(i))
	case *array.Timestamp:
		b.(*array.TimestampBuilder).Append(a.Value(i))
	case *array.Duration:
		b.(*array.DurationBuilder).Append(a.Value(i))
	case *array.MonthInterval:
		b.(*array.MonthIntervalBuilder).Append(a.Value(i))
	case *array.Map:
		mb := b.(*array.MapBuilder)
		mb.Append(true)
		lo, hi := a.ValueOffsets(i)
		for e := int(lo); e < int(hi); e++ {
			if err := copyValue(mb.KeyBuilder(), a.Keys(), e); err != nil {
				return err
			}
			if err := copyValue(mb.ItemBuilder(), a.Items(), e); err != nil {
				return err
			}
		}
	case *array.List:
		lb := b.(*array.ListBuilder)
		lb.Append(true)
		lo, hi := a.ValueOffsets(i)
		for e := int(lo); e < int(hi); e++ {
			if err := copyValue(lb.ValueBuilder(), a.ListValues(), e); err != nil {
				return err
			}
		}
	case *array.Struct:
		sb := b.(*array.StructBuilder)
		sb.Append(true)
		for f := range a.NumField() {
			if err := copyValue(sb.FieldBuilder(f), a.Field(f), i); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("cannot copy a value of %s", a.DataType())
	}
	return nil
}
