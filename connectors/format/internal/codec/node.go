package codec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/sluice-stream/sluice/table/types"
)

// Node holds, for one SQL type, the values that one record carries: one
// for a column, any number for the elements of an ARRAY. Values are pushed
// in order while a record is parsed and appended to a builder, in the same
// order, by AppendTo. A Node is reused record after record: Reset empties
// it without freeing its slices, so a steady stream of records allocates
// nothing.
type Node interface {
	// Type is the SQL type of the values.
	Type() types.DataType
	// Len is the number of values pushed since Reset.
	Len() int
	// PushNull adds a NULL; it fails for a NOT NULL type.
	PushNull() error
	// Truncate drops the values after the first n, nested ones included.
	Truncate(n int)
	// Reset drops every value.
	Reset()
	// Rewind makes AppendTo start again from the first value.
	Rewind()
	// AppendTo appends the next n values to b, the builder of
	// Type().Arrow().
	AppendTo(b array.Builder, n int)

	skip(n int)
	readJSON(r *JSONReader) error
}

// Scalar is a Node of a type that has a text form: everything but ARRAY,
// MAP and ROW.
type Scalar interface {
	Node
	// ParseText adds the value whose text (Flink's CSV and JSON string
	// form of the type) is s. s may be aliased until Reset.
	ParseText(s []byte) error
}

var errNotNull = errors.New("NULL in a NOT NULL column")

// NewNode builds the node tree for values of t. loc is the session time
// zone, which TIMESTAMP_LTZ text without an offset is read in; arena holds
// bytes that values point to and that are not in the record itself
// (unescaped text, decoded base64).
func NewNode(t types.DataType, loc *time.Location, arena *Arena) (Node, error) {
	switch t.Kind {
	case types.Null:
		return &Nulls{leaf: leaf{t: t}}, nil
	case types.Boolean:
		return &Bools{leaf: leaf{t: t}}, nil
	case types.TinyInt:
		return newInts(t, intPlain, math.MinInt8, math.MaxInt8), nil
	case types.SmallInt:
		return newInts(t, intPlain, math.MinInt16, math.MaxInt16), nil
	case types.Int, types.IntervalYearMonth:
		return newInts(t, intPlain, math.MinInt32, math.MaxInt32), nil
	case types.BigInt, types.IntervalDayTime:
		return newInts(t, intPlain, math.MinInt64, math.MaxInt64), nil
	case types.Date:
		return newInts(t, intDate, math.MinInt32, math.MaxInt32), nil
	case types.Time, types.Timestamp, types.TimestampLTZ:
		kind := map[types.Kind]intKind{types.Time: intTime, types.Timestamp: intTimestamp, types.TimestampLTZ: intLTZ}[t.Kind]
		n := newInts(t, kind, math.MinInt64, math.MaxInt64)
		p := min(max(t.Precision, 0), 9)
		n.quantum = int64(math.Pow10(9 - p))
		n.per = unitsPerSecond(t.Arrow())
		n.loc = loc
		if n.loc == nil {
			n.loc = time.UTC
		}
		return n, nil
	case types.Float:
		return &Floats{leaf: leaf{t: t}, bits: 32}, nil
	case types.Double:
		return &Floats{leaf: leaf{t: t}, bits: 64}, nil
	case types.Decimal:
		if t.Precision < 1 || t.Precision > 38 || t.Scale < 0 || t.Scale > t.Precision {
			return nil, fmt.Errorf("%s is not a valid DECIMAL", t)
		}
		return &Decimals{leaf: leaf{t: t}}, nil
	case types.Char, types.VarChar:
		return &Bytes{leaf: leaf{t: t}, arena: arena}, nil
	case types.Binary, types.VarBinary:
		return &Bytes{leaf: leaf{t: t}, arena: arena, binary: true}, nil
	case types.Array:
		e, err := NewNode(*t.Elem, loc, arena)
		if err != nil {
			return nil, err
		}
		return &List{t: t, elem: e}, nil
	case types.Map:
		k, err := NewNode(*t.Key, loc, arena)
		if err != nil {
			return nil, err
		}
		if _, ok := k.(Scalar); !ok && !isComplex(*t.Key) {
			return nil, fmt.Errorf("%s cannot be a map key", t.Key)
		}
		v, err := NewNode(*t.Value, loc, arena)
		if err != nil {
			return nil, err
		}
		return &Map{t: t, keys: k, items: v, arena: arena}, nil
	case types.Row:
		r, err := NewRow(t.Fields, loc, arena)
		if err != nil {
			return nil, err
		}
		return &Struct{t: t, Row: *r}, nil
	}
	return nil, fmt.Errorf("the type %s is not supported", t)
}

func isComplex(t types.DataType) bool {
	return t.Kind == types.Array || t.Kind == types.Map || t.Kind == types.Row || t.Kind == types.Multiset
}

// IsFlat reports whether t is a scalar that Flink's CSV format writes as
// plain text and may nest one level deep in an ARRAY or a ROW
// (CsvRowSchemaConverter's "simple types").
func IsFlat(t types.DataType) bool {
	switch t.Kind {
	case types.Array, types.Map, types.Row, types.Multiset:
		return false
	}
	return true
}

func unitsPerSecond(dt arrow.DataType) int64 {
	var u arrow.TimeUnit
	switch dt := dt.(type) {
	case *arrow.Time32Type:
		u = dt.Unit
	case *arrow.Time64Type:
		u = dt.Unit
	case *arrow.TimestampType:
		u = dt.Unit
	}
	return [...]int64{1, 1e3, 1e6, 1e9}[u]
}

// leaf is the part every scalar node shares: the type, validity and the
// append cursor.
type leaf struct {
	t     types.DataType
	valid []bool
	cur   int
}

func (l *leaf) Type() types.DataType { return l.t }
func (l *leaf) Len() int             { return len(l.valid) }
func (l *leaf) Rewind()              { l.cur = 0 }
func (l *leaf) skip(n int)           { l.cur += n }

// Nulls holds values of the NULL type: every value is NULL.
type Nulls struct{ leaf }

func (n *Nulls) PushNull() error                 { n.valid = append(n.valid, false); return nil }
func (n *Nulls) ParseText([]byte) error          { return n.PushNull() }
func (n *Nulls) Truncate(k int)                  { n.valid = n.valid[:k] }
func (n *Nulls) Reset()                          { n.valid, n.cur = n.valid[:0], 0 }
func (n *Nulls) AppendTo(b array.Builder, k int) { b.AppendNulls(k); n.cur += k }

// Bools holds BOOLEAN values.
type Bools struct {
	leaf
	vals []bool
}

// Push adds a value.
func (n *Bools) Push(v bool) {
	n.vals = append(n.vals, v)
	n.valid = append(n.valid, true)
}

func (n *Bools) PushNull() error {
	if n.t.NotNull {
		return errNotNull
	}
	n.vals = append(n.vals, false)
	n.valid = append(n.valid, false)
	return nil
}

func (n *Bools) Truncate(k int) { n.vals, n.valid = n.vals[:k], n.valid[:k] }
func (n *Bools) Reset()         { n.Truncate(0); n.cur = 0 }

func (n *Bools) AppendTo(b array.Builder, k int) {
	bb := b.(*array.BooleanBuilder)
	for i := n.cur; i < n.cur+k; i++ {
		if n.valid[i] {
			bb.Append(n.vals[i])
		} else {
			bb.AppendNull()
		}
	}
	n.cur += k
}

type intKind uint8

const (
	intPlain     intKind = iota // TINYINT…BIGINT, INTERVAL MONTH, INTERVAL SECOND(3)
	intDate                     // days since the epoch
	intTime                     // time of day in the Arrow unit
	intTimestamp                // wall clock in the Arrow unit
	intLTZ                      // instant in the Arrow unit
)

// Ints holds every type whose Arrow form is an integer: TINYINT…BIGINT,
// DATE, TIME, TIMESTAMP, TIMESTAMP_LTZ and the intervals, each in its
// Arrow unit.
type Ints struct {
	leaf
	vals     []int64
	kind     intKind
	min, max int64
	quantum  int64 // nanoseconds the type's precision keeps (TIME, TIMESTAMP)
	per      int64 // Arrow units per second
	loc      *time.Location
}

func newInts(t types.DataType, kind intKind, lo, hi int64) *Ints {
	return &Ints{leaf: leaf{t: t}, kind: kind, min: lo, max: hi, quantum: 1, per: 1}
}

// Push adds a value in the Arrow unit.
func (n *Ints) Push(v int64) {
	n.vals = append(n.vals, v)
	n.valid = append(n.valid, true)
}

func (n *Ints) PushNull() error {
	if n.t.NotNull {
		return errNotNull
	}
	n.vals = append(n.vals, 0)
	n.valid = append(n.valid, false)
	return nil
}

func (n *Ints) Truncate(k int) { n.vals, n.valid = n.vals[:k], n.valid[:k] }
func (n *Ints) Reset()         { n.Truncate(0); n.cur = 0 }

type intAppender[T ~int8 | ~int16 | ~int32 | ~int64] interface {
	Append(T)
	AppendNull()
}

func appendInts[T ~int8 | ~int16 | ~int32 | ~int64](b intAppender[T], vals []int64, valid []bool) {
	for i, v := range vals {
		if valid[i] {
			b.Append(T(v))
		} else {
			b.AppendNull()
		}
	}
}

func (n *Ints) AppendTo(b array.Builder, k int) {
	vals, valid := n.vals[n.cur:n.cur+k], n.valid[n.cur:n.cur+k]
	n.cur += k
	switch bb := b.(type) {
	case *array.Int64Builder:
		appendInts[int64](bb, vals, valid)
	case *array.Int32Builder:
		appendInts[int32](bb, vals, valid)
	case *array.Int16Builder:
		appendInts[int16](bb, vals, valid)
	case *array.Int8Builder:
		appendInts[int8](bb, vals, valid)
	case *array.Date32Builder:
		appendInts[arrow.Date32](bb, vals, valid)
	case *array.Time32Builder:
		appendInts[arrow.Time32](bb, vals, valid)
	case *array.Time64Builder:
		appendInts[arrow.Time64](bb, vals, valid)
	case *array.TimestampBuilder:
		appendInts[arrow.Timestamp](bb, vals, valid)
	case *array.DurationBuilder:
		appendInts[arrow.Duration](bb, vals, valid)
	case *array.MonthIntervalBuilder:
		appendInts[arrow.MonthInterval](bb, vals, valid)
	default:
		panic(fmt.Sprintf("codec: %s values cannot go to a %T", n.t, b))
	}
}

// Floats holds FLOAT and DOUBLE values.
type Floats struct {
	leaf
	vals []float64
	bits int
}

// Push adds a value.
func (n *Floats) Push(v float64) {
	n.vals = append(n.vals, v)
	n.valid = append(n.valid, true)
}

func (n *Floats) PushNull() error {
	if n.t.NotNull {
		return errNotNull
	}
	n.vals = append(n.vals, 0)
	n.valid = append(n.valid, false)
	return nil
}

func (n *Floats) Truncate(k int) { n.vals, n.valid = n.vals[:k], n.valid[:k] }
func (n *Floats) Reset()         { n.Truncate(0); n.cur = 0 }

func (n *Floats) AppendTo(b array.Builder, k int) {
	end := n.cur + k
	switch bb := b.(type) {
	case *array.Float64Builder:
		for i := n.cur; i < end; i++ {
			if n.valid[i] {
				bb.Append(n.vals[i])
			} else {
				bb.AppendNull()
			}
		}
	case *array.Float32Builder:
		for i := n.cur; i < end; i++ {
			if n.valid[i] {
				bb.Append(float32(n.vals[i]))
			} else {
				bb.AppendNull()
			}
		}
	default:
		panic(fmt.Sprintf("codec: %s values cannot go to a %T", n.t, b))
	}
	n.cur = end
}

// Decimals holds DECIMAL values, unscaled at the type's scale.
type Decimals struct {
	leaf
	vals []decimal128.Num
}

// Push adds an unscaled value.
func (n *Decimals) Push(v decimal128.Num) {
	n.vals = append(n.vals, v)
	n.valid = append(n.valid, true)
}

func (n *Decimals) PushNull() error {
	if n.t.NotNull {
		return errNotNull
	}
	n.vals = append(n.vals, decimal128.Num{})
	n.valid = append(n.valid, false)
	return nil
}

func (n *Decimals) Truncate(k int) { n.vals, n.valid = n.vals[:k], n.valid[:k] }
func (n *Decimals) Reset()         { n.Truncate(0); n.cur = 0 }

func (n *Decimals) AppendTo(b array.Builder, k int) {
	bb := b.(*array.Decimal128Builder)
	for i := n.cur; i < n.cur+k; i++ {
		if n.valid[i] {
			bb.Append(n.vals[i])
		} else {
			bb.AppendNull()
		}
	}
	n.cur += k
}

// Bytes holds CHAR/VARCHAR (UTF-8) and BINARY/VARBINARY values. Values
// point into the record or into the arena.
type Bytes struct {
	leaf
	vals   [][]byte
	binary bool
	arena  *Arena
}

// Binary reports BINARY/VARBINARY rather than text.
func (n *Bytes) Binary() bool { return n.binary }

// Push adds a value as it is: the caller has checked that text is UTF-8.
func (n *Bytes) Push(v []byte) {
	n.vals = append(n.vals, v)
	n.valid = append(n.valid, true)
}

func (n *Bytes) PushNull() error {
	if n.t.NotNull {
		return errNotNull
	}
	n.vals = append(n.vals, nil)
	n.valid = append(n.valid, false)
	return nil
}

func (n *Bytes) Truncate(k int) { n.vals, n.valid = n.vals[:k], n.valid[:k] }
func (n *Bytes) Reset()         { n.Truncate(0); n.cur = 0 }

func (n *Bytes) AppendTo(b array.Builder, k int) {
	end := n.cur + k
	var bb *array.BinaryBuilder
	switch b := b.(type) {
	case *array.StringBuilder:
		// The embedded BinaryBuilder takes []byte: no string conversion,
		// no allocation.
		bb = b.BinaryBuilder
	case *array.BinaryBuilder:
		bb = b
	default:
		panic(fmt.Sprintf("codec: %s values cannot go to a %T", n.t, b))
	}
	for i := n.cur; i < end; i++ {
		if n.valid[i] {
			bb.Append(n.vals[i])
		} else {
			bb.AppendNull()
		}
	}
	n.cur = end
}

// List holds ARRAY values: per value its validity and element count, the
// elements themselves in the element node.
type List struct {
	t      types.DataType
	valid  []bool
	counts []int32
	elem   Node
	cur    int
}

func (n *List) Type() types.DataType { return n.t }
func (n *List) Len() int             { return len(n.valid) }

// Elem is the node of the elements.
func (n *List) Elem() Node { return n.elem }

// Push closes a value whose count elements were pushed to Elem.
func (n *List) Push(count int) {
	n.valid = append(n.valid, true)
	n.counts = append(n.counts, int32(count))
}

func (n *List) PushNull() error {
	if n.t.NotNull {
		return errNotNull
	}
	n.valid = append(n.valid, false)
	n.counts = append(n.counts, 0)
	return nil
}

func (n *List) Truncate(k int) {
	n.elem.Truncate(sum(n.counts[:k]))
	n.valid, n.counts = n.valid[:k], n.counts[:k]
}

func (n *List) Reset() {
	n.valid, n.counts, n.cur = n.valid[:0], n.counts[:0], 0
	n.elem.Reset()
}

func (n *List) Rewind() { n.cur = 0; n.elem.Rewind() }

func (n *List) skip(k int) {
	n.elem.skip(sum(n.counts[n.cur : n.cur+k]))
	n.cur += k
}

func (n *List) AppendTo(b array.Builder, k int) {
	bb := b.(*array.ListBuilder)
	vb := bb.ValueBuilder()
	for i := n.cur; i < n.cur+k; i++ {
		if n.valid[i] {
			bb.Append(true)
			n.elem.AppendTo(vb, int(n.counts[i]))
		} else {
			bb.AppendNull()
		}
	}
	n.cur += k
}

func sum(counts []int32) int {
	s := 0
	for _, c := range counts {
		s += int(c)
	}
	return s
}

// Map holds MAP values: per value its validity and entry count, the keys
// and values in their nodes. An entry can be dropped after it was pushed
// (a JSON object that repeats a key keeps the last value, as Jackson's
// ObjectNode and Flink's HashMap do).
type Map struct {
	t       types.DataType
	valid   []bool
	counts  []int32
	keys    Node
	items   Node
	dropped []bool // per entry
	drops   int
	cur     int
	entry   int // AppendTo's entry cursor
	arena   *Arena

	// Per map value while reading JSON: the keys seen so far (see keyID).
	keyText  [][]byte
	keyIndex map[string]int
	// sub reads the JSON text of ARRAY, MAP and ROW keys.
	sub *JSONReader
}

func (n *Map) Type() types.DataType { return n.t }
func (n *Map) Len() int             { return len(n.valid) }

// Keys and Items are the nodes of the entries.
func (n *Map) Keys() Node  { return n.keys }
func (n *Map) Items() Node { return n.items }

// Push closes a value whose count entries were pushed to Keys and Items.
func (n *Map) Push(count int) {
	n.valid = append(n.valid, true)
	n.counts = append(n.counts, int32(count))
	for range count {
		n.dropped = append(n.dropped, false)
	}
}

func (n *Map) PushNull() error {
	if n.t.NotNull {
		return errNotNull
	}
	n.valid = append(n.valid, false)
	n.counts = append(n.counts, 0)
	return nil
}

func (n *Map) Truncate(k int) {
	e := sum(n.counts[:k])
	n.keys.Truncate(e)
	n.items.Truncate(e)
	n.valid, n.counts = n.valid[:k], n.counts[:k]
	for _, d := range n.dropped[e:] {
		if d {
			n.drops--
		}
	}
	n.dropped = n.dropped[:e]
}

func (n *Map) Reset() {
	n.valid, n.counts, n.dropped = n.valid[:0], n.counts[:0], n.dropped[:0]
	n.drops, n.cur, n.entry = 0, 0, 0
	n.keys.Reset()
	n.items.Reset()
}

func (n *Map) Rewind() {
	n.cur, n.entry = 0, 0
	n.keys.Rewind()
	n.items.Rewind()
}

func (n *Map) skip(k int) {
	c := sum(n.counts[n.cur : n.cur+k])
	n.keys.skip(c)
	n.items.skip(c)
	n.entry += c
	n.cur += k
}

func (n *Map) AppendTo(b array.Builder, k int) {
	bb := b.(*array.MapBuilder)
	kb, ib := bb.KeyBuilder(), bb.ItemBuilder()
	for i := n.cur; i < n.cur+k; i++ {
		if !n.valid[i] {
			bb.AppendNull()
			continue
		}
		bb.Append(true)
		c := int(n.counts[i])
		if n.drops == 0 {
			n.keys.AppendTo(kb, c)
			n.items.AppendTo(ib, c)
			n.entry += c
			continue
		}
		for e := n.entry; e < n.entry+c; e++ {
			if n.dropped[e] {
				n.keys.skip(1)
				n.items.skip(1)
			} else {
				n.keys.AppendTo(kb, 1)
				n.items.AppendTo(ib, 1)
			}
		}
		n.entry += c
	}
	n.cur += k
}

// Row is a record's or a ROW's fields, each with its node, and the lookup
// of fields by name that JSON objects need.
type Row struct {
	Names  []string
	Fields []Node
	names  [][]byte
	plain  []bool // the name needs no escape in JSON
	index  map[string]int
	seen   []bool
}

// NewRow builds the nodes of fields.
func NewRow(fields []types.Field, loc *time.Location, arena *Arena) (*Row, error) {
	r := &Row{index: make(map[string]int, len(fields)), seen: make([]bool, len(fields))}
	for i, f := range fields {
		n, err := NewNode(f.Type, loc, arena)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", f.Name, err)
		}
		r.Names = append(r.Names, f.Name)
		r.names = append(r.names, []byte(f.Name))
		r.plain = append(r.plain, !strings.ContainsAny(f.Name, "\"\\") && utf8.ValidString(f.Name) && !hasControl(f.Name))
		r.Fields = append(r.Fields, n)
		if _, dup := r.index[f.Name]; !dup {
			r.index[f.Name] = i
		}
	}
	return r, nil
}

func hasControl(s string) bool {
	for i := range len(s) {
		if s[i] < 0x20 {
			return true
		}
	}
	return false
}

// Reset empties every field.
func (r *Row) Reset() {
	for _, f := range r.Fields {
		f.Reset()
	}
}

// AppendTo appends the record held (one value per field) to builders,
// one per field. again is true when the record was appended before.
func (r *Row) AppendTo(builders []array.Builder, again bool) {
	for i, f := range r.Fields {
		if again {
			f.Rewind()
		}
		f.AppendTo(builders[i], 1)
	}
}

// Struct holds ROW values: per value its validity; a valid value has one
// value in each field's node, a NULL none (Arrow's struct builder writes
// the children's NULLs itself).
type Struct struct {
	t     types.DataType
	valid []bool
	cur   int
	Row
}

func (n *Struct) Type() types.DataType { return n.t }
func (n *Struct) Len() int             { return len(n.valid) }

// Push closes a value whose fields were each pushed one value.
func (n *Struct) Push() { n.valid = append(n.valid, true) }

func (n *Struct) PushNull() error {
	if n.t.NotNull {
		return errNotNull
	}
	n.valid = append(n.valid, false)
	return nil
}

func (n *Struct) Truncate(k int) {
	m := 0
	for _, v := range n.valid[:k] {
		if v {
			m++
		}
	}
	for _, f := range n.Fields {
		f.Truncate(m)
	}
	n.valid = n.valid[:k]
}

func (n *Struct) Reset() {
	n.valid, n.cur = n.valid[:0], 0
	n.Row.Reset()
}

func (n *Struct) Rewind() {
	n.cur = 0
	for _, f := range n.Fields {
		f.Rewind()
	}
}

func (n *Struct) skip(k int) {
	for _, v := range n.valid[n.cur : n.cur+k] {
		if v {
			for _, f := range n.Fields {
				f.skip(1)
			}
		}
	}
	n.cur += k
}

func (n *Struct) AppendTo(b array.Builder, k int) {
	bb := b.(*array.StructBuilder)
	for i := n.cur; i < n.cur+k; i++ {
		if !n.valid[i] {
			bb.AppendNull()
			continue
		}
		bb.Append(true)
		for j, f := range n.Fields {
			f.AppendTo(bb.FieldBuilder(j), 1)
		}
	}
	n.cur += k
}

// id is value i as bytes that are equal exactly when the values are
// (Java's equals: -0.0 is not 0.0, NaN is NaN), to find repeated map keys.
func (n *Bools) id(i int, a *Arena) []byte {
	if n.vals[i] {
		return a.Copy([]byte{1})
	}
	return a.Copy([]byte{0})
}

func (n *Ints) id(i int, a *Arena) []byte {
	m := a.Mark()
	a.buf = binary.LittleEndian.AppendUint64(a.buf, uint64(n.vals[i]))
	return a.Since(m)
}

func (n *Floats) id(i int, a *Arena) []byte {
	m := a.Mark()
	a.buf = binary.LittleEndian.AppendUint64(a.buf, math.Float64bits(n.vals[i]))
	return a.Since(m)
}

func (n *Decimals) id(i int, a *Arena) []byte {
	m := a.Mark()
	a.buf = binary.LittleEndian.AppendUint64(a.buf, n.vals[i].LowBits())
	a.buf = binary.LittleEndian.AppendUint64(a.buf, uint64(n.vals[i].HighBits()))
	return a.Since(m)
}

func (n *Bytes) id(i int, _ *Arena) []byte { return n.vals[i] }

func (n *Nulls) id(int, *Arena) []byte { return []byte{} }

// Arena holds bytes that scratch values point to and that are not in the
// record: unescaped text, decoded base64. It is emptied with the record's
// nodes. A slice handed out stays valid when the arena grows (growth
// leaves the old array to the slices that point into it).
type Arena struct{ buf []byte }

// Reset forgets every slice handed out.
func (a *Arena) Reset() { a.buf = a.buf[:0] }

// Mark is where the next bytes will go; Since(mark) returns them.
func (a *Arena) Mark() int { return len(a.buf) }

// Since returns the bytes appended after mark.
func (a *Arena) Since(mark int) []byte { return a.buf[mark:len(a.buf):len(a.buf)] }

// Append adds bytes.
func (a *Arena) Append(b ...byte) { a.buf = append(a.buf, b...) }

// Copy returns a copy of b that lives until Reset.
func (a *Arena) Copy(b []byte) []byte {
	m := a.Mark()
	a.buf = append(a.buf, b...)
	return a.Since(m)
}

// grow makes room for n more bytes and returns them (length n).
func (a *Arena) grow(n int) []byte {
	if cap(a.buf)-len(a.buf) < n {
		nb := make([]byte, len(a.buf), 2*cap(a.buf)+n)
		copy(nb, a.buf)
		a.buf = nb
	}
	return a.buf[len(a.buf) : len(a.buf)+n]
}
