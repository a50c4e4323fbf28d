package filesystem

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// A converter turns array data of one Arrow type into data of exactly
// another, holding the same values. Parquet files say less than Arrow
// types do (and other writers choose differently: large strings,
// dictionaries, other time units, `element` list fields), while every
// batch of a table must carry exactly the planner's types. Where the
// layouts agree the buffers are shared; otherwise values are copied.
// The result is a new reference.
type converter func(d arrow.ArrayData, mem memory.Allocator) (arrow.ArrayData, error)

// newConverter plans the conversion from one type to another once, so
// that an impossible one fails before any data is read.
func newConverter(from, to arrow.DataType) (converter, error) {
	if from.ID() == arrow.NULL {
		// A column of only NULLs, written without a type.
		return func(d arrow.ArrayData, mem memory.Allocator) (arrow.ArrayData, error) {
			a := array.MakeArrayOfNull(mem, to, d.Len())
			out := a.Data()
			out.Retain()
			a.Release()
			return out, nil
		}, nil
	}
	switch to := to.(type) {
	case *arrow.ListType:
		return listConverter(from, to)
	case *arrow.MapType:
		return mapConverter(from, to)
	case *arrow.StructType:
		return structConverter(from, to)
	}
	if dt, ok := from.(*arrow.DictionaryType); ok {
		return dictionaryConverter(dt, to)
	}
	if sameLayout(from, to) {
		return relabel(to), nil
	}
	switch to.ID() {
	case arrow.INT16, arrow.INT32, arrow.INT64:
		if widens(from, to) {
			return valueConverter(to, func(a arrow.Array, b array.Builder, i int) error {
				appendInt(b, intValue(a, i))
				return nil
			}), nil
		}
	case arrow.FLOAT64:
		if from.ID() == arrow.FLOAT32 {
			return valueConverter(to, func(a arrow.Array, b array.Builder, i int) error {
				b.(*array.Float64Builder).Append(float64(a.(*array.Float32).Value(i)))
				return nil
			}), nil
		}
	case arrow.DECIMAL128:
		return decimalConverter(from, to.(*arrow.Decimal128Type))
	case arrow.DATE32:
		if from.ID() == arrow.DATE64 {
			return valueConverter(to, func(a arrow.Array, b array.Builder, i int) error {
				b.(*array.Date32Builder).Append(arrow.Date32(floorDiv(int64(a.(*array.Date64).Value(i)), 86_400_000)))
				return nil
			}), nil
		}
	case arrow.TIME32, arrow.TIME64, arrow.TIMESTAMP:
		return timeConverter(from, to)
	case arrow.STRING, arrow.BINARY:
		return bytesConverter(from, to)
	}
	return nil, fmt.Errorf("no conversion from %s to %s", from, to)
}

// sameLayout reports leaf types whose buffers mean the same values: the
// type may differ in what Arrow does not store per value (a timestamp's
// zone, a decimal's precision — checked by decimalConverter).
func sameLayout(from, to arrow.DataType) bool {
	if from.ID() != to.ID() {
		return false
	}
	switch f := from.(type) {
	case *arrow.TimestampType:
		return f.Unit == to.(*arrow.TimestampType).Unit
	case *arrow.Time32Type:
		return f.Unit == to.(*arrow.Time32Type).Unit
	case *arrow.Time64Type:
		return f.Unit == to.(*arrow.Time64Type).Unit
	case *arrow.Decimal128Type:
		t := to.(*arrow.Decimal128Type)
		return f.Scale == t.Scale && f.Precision <= t.Precision
	}
	switch from.ID() {
	case arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.FLOAT32, arrow.FLOAT64, arrow.STRING, arrow.BINARY, arrow.DATE32:
		return true
	}
	return false
}

// relabel shares the buffers under the target type.
func relabel(to arrow.DataType) converter {
	return func(d arrow.ArrayData, _ memory.Allocator) (arrow.ArrayData, error) {
		return array.NewData(to, d.Len(), d.Buffers(), nil, d.NullN(), d.Offset()), nil
	}
}

// valueConverter copies value by value through a builder of the target
// type; NULLs stay NULL.
func valueConverter(to arrow.DataType, each func(a arrow.Array, b array.Builder, i int) error) converter {
	return func(d arrow.ArrayData, mem memory.Allocator) (arrow.ArrayData, error) {
		a := array.MakeFromData(d)
		defer a.Release()
		b := array.NewBuilder(mem, to)
		defer b.Release()
		b.Reserve(a.Len())
		for i := range a.Len() {
			if a.IsNull(i) {
				b.AppendNull()
				continue
			}
			if err := each(a, b, i); err != nil {
				return nil, err
			}
		}
		out := b.NewArray()
		data := out.Data()
		data.Retain()
		out.Release()
		return data, nil
	}
}

func listConverter(from arrow.DataType, to *arrow.ListType) (converter, error) {
	var elem arrow.DataType
	large := false
	switch f := from.(type) {
	case *arrow.ListType:
		elem = f.Elem()
	case *arrow.LargeListType:
		elem, large = f.Elem(), true
	default:
		return nil, fmt.Errorf("%s is not a list", from)
	}
	ec, err := newConverter(elem, to.Elem())
	if err != nil {
		return nil, fmt.Errorf("element: %w", err)
	}
	return func(d arrow.ArrayData, mem memory.Allocator) (arrow.ArrayData, error) {
		child, err := ec(d.Children()[0], mem)
		if err != nil {
			return nil, err
		}
		defer child.Release()
		bufs := d.Buffers()
		if large {
			offsets, err := narrowOffsets(d, mem)
			if err != nil {
				return nil, err
			}
			defer offsets.Release()
			return array.NewData(to, d.Len(), []*memory.Buffer{bufs[0], offsets}, []arrow.ArrayData{child}, d.NullN(), d.Offset()), nil
		}
		return array.NewData(to, d.Len(), bufs, []arrow.ArrayData{child}, d.NullN(), d.Offset()), nil
	}, nil
}

// narrowOffsets turns a large list's 64-bit offsets into 32-bit ones,
// covering the same slots (offset and length of d unchanged).
func narrowOffsets(d arrow.ArrayData, mem memory.Allocator) (*memory.Buffer, error) {
	src := arrow.Int64Traits.CastFromBytes(d.Buffers()[1].Bytes())
	n := d.Offset() + d.Len() + 1
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(arrow.Int32Traits.BytesRequired(n))
	dst := arrow.Int32Traits.CastFromBytes(buf.Bytes())
	for i := range n {
		if src[i] > 1<<31-1 {
			buf.Release()
			return nil, fmt.Errorf("a list holds more than 2^31 elements")
		}
		dst[i] = int32(src[i])
	}
	return buf, nil
}

func mapConverter(from arrow.DataType, to *arrow.MapType) (converter, error) {
	f, ok := from.(*arrow.MapType)
	if !ok {
		return nil, fmt.Errorf("%s is not a map", from)
	}
	kc, err := newConverter(f.KeyType(), to.KeyType())
	if err != nil {
		return nil, fmt.Errorf("key: %w", err)
	}
	ic, err := newConverter(f.ItemType(), to.ItemType())
	if err != nil {
		return nil, fmt.Errorf("value: %w", err)
	}
	entries := to.Elem()
	return func(d arrow.ArrayData, mem memory.Allocator) (arrow.ArrayData, error) {
		e := d.Children()[0]
		k, err := kc(e.Children()[0], mem)
		if err != nil {
			return nil, err
		}
		defer k.Release()
		v, err := ic(e.Children()[1], mem)
		if err != nil {
			return nil, err
		}
		defer v.Release()
		ne := array.NewData(entries, e.Len(), e.Buffers(), []arrow.ArrayData{k, v}, e.NullN(), e.Offset())
		defer ne.Release()
		return array.NewData(to, d.Len(), d.Buffers(), []arrow.ArrayData{ne}, d.NullN(), d.Offset()), nil
	}, nil
}

// structConverter matches fields by name, as the top-level columns are:
// the file's struct may order its fields differently or hold more.
func structConverter(from arrow.DataType, to *arrow.StructType) (converter, error) {
	f, ok := from.(*arrow.StructType)
	if !ok {
		return nil, fmt.Errorf("%s is not a struct", from)
	}
	idx := make([]int, to.NumFields())
	convs := make([]converter, to.NumFields())
	for i, tf := range to.Fields() {
		idx[i] = structFieldIndex(f, tf.Name)
		if idx[i] < 0 {
			return nil, fmt.Errorf("no field %s in %s", tf.Name, from)
		}
		c, err := newConverter(f.Field(idx[i]).Type, tf.Type)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", tf.Name, err)
		}
		convs[i] = c
	}
	return func(d arrow.ArrayData, mem memory.Allocator) (arrow.ArrayData, error) {
		children := make([]arrow.ArrayData, len(convs))
		defer func() {
			for _, c := range children {
				if c != nil {
					c.Release()
				}
			}
		}()
		for i, c := range convs {
			var err error
			if children[i], err = c(d.Children()[idx[i]], mem); err != nil {
				return nil, fmt.Errorf("field %s: %w", to.Field(i).Name, err)
			}
		}
		return array.NewData(to, d.Len(), d.Buffers()[:1], children, d.NullN(), d.Offset()), nil
	}, nil
}

func structFieldIndex(st *arrow.StructType, name string) int {
	if i, ok := st.FieldIdx(name); ok {
		return i
	}
	found := -1
	for i, f := range st.Fields() {
		if strings.EqualFold(f.Name, name) {
			if found >= 0 {
				return -1
			}
			found = i
		}
	}
	return found
}

// widens reports an integer type whose every value the target holds.
func widens(from, to arrow.DataType) bool {
	bits := func(id arrow.Type) (int, bool) {
		switch id {
		case arrow.INT8:
			return 8, true
		case arrow.INT16:
			return 16, true
		case arrow.INT32:
			return 32, true
		case arrow.INT64:
			return 64, true
		case arrow.UINT8:
			return 9, true // needs one bit more than its width when signed
		case arrow.UINT16:
			return 17, true
		case arrow.UINT32:
			return 33, true
		}
		return 0, false
	}
	fb, ok := bits(from.ID())
	tb, _ := bits(to.ID())
	return ok && fb <= tb
}

func intValue(a arrow.Array, i int) int64 {
	switch a := a.(type) {
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Uint8:
		return int64(a.Value(i))
	case *array.Uint16:
		return int64(a.Value(i))
	case *array.Uint32:
		return int64(a.Value(i))
	}
	panic(fmt.Sprintf("filesystem: %T is not an integer array", a))
}

func appendInt(b array.Builder, v int64) {
	switch b := b.(type) {
	case *array.Int16Builder:
		b.Append(int16(v))
	case *array.Int32Builder:
		b.Append(int32(v))
	case *array.Int64Builder:
		b.Append(v)
	}
}

func decimalConverter(from arrow.DataType, to *arrow.Decimal128Type) (converter, error) {
	f, ok := from.(*arrow.Decimal128Type)
	if !ok {
		return nil, fmt.Errorf("%s is not a decimal", from)
	}
	if f.Scale > to.Scale {
		return nil, fmt.Errorf("%s has more fraction digits than %s", from, to)
	}
	if f.Scale == to.Scale && f.Precision <= to.Precision {
		return relabel(to), nil
	}
	// Rescaled or narrowed: check every value, since precision is a
	// promise the planner relies on.
	by := to.Scale - f.Scale
	return valueConverter(to, func(a arrow.Array, b array.Builder, i int) error {
		v := a.(*array.Decimal128).Value(i).IncreaseScaleBy(by)
		if !v.FitsInPrecision(to.Precision) {
			return fmt.Errorf("value %s does not fit %s", a.(*array.Decimal128).Value(i).ToString(f.Scale), to)
		}
		b.(*array.Decimal128Builder).Append(v)
		return nil
	}), nil
}

// timeUnitOf returns the unit of a time or timestamp type.
func timeUnitOf(dt arrow.DataType) (arrow.TimeUnit, bool) {
	switch t := dt.(type) {
	case *arrow.Time32Type:
		return t.Unit, true
	case *arrow.Time64Type:
		return t.Unit, true
	case *arrow.TimestampType:
		return t.Unit, true
	}
	return 0, false
}

// timeConverter changes the unit of TIME and TIMESTAMP values. Finer
// digits than the target holds are truncated toward the past, as a cast
// to a lower precision does in Flink.
func timeConverter(from, to arrow.DataType) (converter, error) {
	isTime := func(id arrow.Type) bool { return id == arrow.TIME32 || id == arrow.TIME64 }
	if !(isTime(from.ID()) && isTime(to.ID())) && !(from.ID() == arrow.TIMESTAMP && to.ID() == arrow.TIMESTAMP) {
		return nil, fmt.Errorf("no conversion from %s to %s", from, to)
	}
	fu, _ := timeUnitOf(from)
	tu, _ := timeUnitOf(to)
	get := func(a arrow.Array, i int) int64 {
		switch a := a.(type) {
		case *array.Time32:
			return int64(a.Value(i))
		case *array.Time64:
			return int64(a.Value(i))
		case *array.Timestamp:
			return int64(a.Value(i))
		}
		panic("unreachable")
	}
	return valueConverter(to, func(a arrow.Array, b array.Builder, i int) error {
		v, ok := rescaleTime(get(a, i), fu, tu)
		if !ok {
			return fmt.Errorf("value %d %s out of range for %s", get(a, i), fu, to)
		}
		switch b := b.(type) {
		case *array.Time32Builder:
			b.Append(arrow.Time32(v))
		case *array.Time64Builder:
			b.Append(arrow.Time64(v))
		case *array.TimestampBuilder:
			b.Append(arrow.Timestamp(v))
		}
		return nil
	}), nil
}

func rescaleTime(v int64, from, to arrow.TimeUnit) (int64, bool) {
	for ; from < to; from++ {
		if v > (1<<63-1)/1000 || v < -(1<<63)/1000 {
			return 0, false
		}
		v *= 1000
	}
	for ; from > to; from-- {
		v = floorDiv(v, 1000)
	}
	return v, true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// bytesConverter reads the string and binary variants Arrow has into the
// plain ones. Bytes become text only when they are valid UTF-8.
func bytesConverter(from, to arrow.DataType) (converter, error) {
	get, text, ok := bytesGetter(from)
	if !ok {
		return nil, fmt.Errorf("no conversion from %s to %s", from, to)
	}
	check := to.ID() == arrow.STRING && !text
	return valueConverter(to, func(a arrow.Array, b array.Builder, i int) error {
		v := get(a, i)
		if check && !utf8.Valid(v) {
			return fmt.Errorf("bytes %x are not UTF-8 text", v)
		}
		switch b := b.(type) {
		case *array.StringBuilder:
			b.BinaryBuilder.Append(v)
		case *array.BinaryBuilder:
			b.Append(v)
		}
		return nil
	}), nil
}

// bytesGetter returns the bytes of value i of an array of dt, and whether
// dt is text.
func bytesGetter(dt arrow.DataType) (get func(a arrow.Array, i int) []byte, text, ok bool) {
	switch dt.ID() {
	case arrow.STRING:
		return func(a arrow.Array, i int) []byte { return []byte(a.(*array.String).Value(i)) }, true, true
	case arrow.LARGE_STRING:
		return func(a arrow.Array, i int) []byte { return []byte(a.(*array.LargeString).Value(i)) }, true, true
	case arrow.STRING_VIEW:
		return func(a arrow.Array, i int) []byte { return []byte(a.(*array.StringView).Value(i)) }, true, true
	case arrow.BINARY:
		return func(a arrow.Array, i int) []byte { return a.(*array.Binary).Value(i) }, false, true
	case arrow.LARGE_BINARY:
		return func(a arrow.Array, i int) []byte { return a.(*array.LargeBinary).Value(i) }, false, true
	case arrow.BINARY_VIEW:
		return func(a arrow.Array, i int) []byte { return a.(*array.BinaryView).Value(i) }, false, true
	case arrow.FIXED_SIZE_BINARY:
		return func(a arrow.Array, i int) []byte { return a.(*array.FixedSizeBinary).Value(i) }, false, true
	}
	return nil, false, false
}

// dictionaryConverter materializes dictionary-encoded strings and bytes
// (what pqarrow returns for columns stored as Arrow dictionaries).
func dictionaryConverter(from *arrow.DictionaryType, to arrow.DataType) (converter, error) {
	get, text, ok := bytesGetter(from.ValueType)
	if !ok || (to.ID() != arrow.STRING && to.ID() != arrow.BINARY) {
		return nil, fmt.Errorf("no conversion from %s to %s", from, to)
	}
	check := to.ID() == arrow.STRING && !text
	return valueConverter(to, func(a arrow.Array, b array.Builder, i int) error {
		d := a.(*array.Dictionary)
		v := get(d.Dictionary(), d.GetValueIndex(i))
		if check && !utf8.Valid(v) {
			return fmt.Errorf("bytes %x are not UTF-8 text", v)
		}
		switch b := b.(type) {
		case *array.StringBuilder:
			b.BinaryBuilder.Append(v)
		case *array.BinaryBuilder:
			b.Append(v)
		}
		return nil
	}), nil
}
