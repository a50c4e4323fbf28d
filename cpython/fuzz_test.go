package cpython_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
)

// entropy turns fuzz input into decisions; past its end it yields zeros,
// so every input, however short, describes one column.
type entropy struct{ b []byte }

func (e *entropy) u64() uint64 {
	var buf [8]byte
	n := copy(buf[:], e.b)
	e.b = e.b[n:]
	return binary.LittleEndian.Uint64(buf[:])
}
func (e *entropy) intn(n int) int { return int(e.u64() % uint64(n)) }
func (e *entropy) byte1() byte {
	if len(e.b) == 0 {
		return 0
	}
	c := e.b[0]
	e.b = e.b[1:]
	return c
}
func (e *entropy) between(lo, hi int64) int64 { return lo + int64(e.u64()%uint64(hi-lo+1)) }

// The range of datetime: 0001-01-01 .. 9999-12-31, in seconds from the epoch.
const minSec, maxSec = -62135596800, 253402300799

func genType(e *entropy, depth int) arrow.DataType {
	n := 20
	if depth >= 2 {
		n = 17 // no more nesting
	}
	switch e.intn(n) {
	case 0:
		return arrow.FixedWidthTypes.Boolean
	case 1:
		return arrow.PrimitiveTypes.Int8
	case 2:
		return arrow.PrimitiveTypes.Int16
	case 3:
		return arrow.PrimitiveTypes.Int32
	case 4:
		return arrow.PrimitiveTypes.Int64
	case 5:
		return arrow.PrimitiveTypes.Float32
	case 6:
		return arrow.PrimitiveTypes.Float64
	case 7:
		p := int32(e.intn(38) + 1)
		return &arrow.Decimal128Type{Precision: p, Scale: int32(e.intn(int(p) + 1))}
	case 8:
		return arrow.BinaryTypes.String
	case 9:
		return arrow.BinaryTypes.LargeString
	case 10:
		return arrow.BinaryTypes.Binary
	case 11:
		return arrow.FixedWidthTypes.Date32
	case 12:
		return []arrow.DataType{arrow.FixedWidthTypes.Time32s, arrow.FixedWidthTypes.Time32ms,
			arrow.FixedWidthTypes.Time64us, arrow.FixedWidthTypes.Time64ns}[e.intn(4)]
	case 13, 14:
		tz := ""
		if e.intn(2) == 1 {
			tz = "UTC"
		}
		return &arrow.TimestampType{Unit: arrow.TimeUnit(e.intn(4)), TimeZone: tz}
	case 15:
		return arrow.BinaryTypes.LargeBinary
	case 16:
		return arrow.PrimitiveTypes.Int64
	case 17:
		return arrow.ListOf(genType(e, depth+1))
	case 18:
		key := []arrow.DataType{arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int32}[e.intn(2)]
		return arrow.MapOf(key, genType(e, depth+1))
	default:
		fields := make([]arrow.Field, e.intn(3)+1)
		for i := range fields {
			fields[i] = arrow.Field{Name: fmt.Sprintf("f%d", i), Type: genType(e, depth+1), Nullable: true}
		}
		return arrow.StructOf(fields...)
	}
}

func genString(e *entropy) string {
	n := e.intn(12)
	rs := make([]rune, 0, n)
	for i := 0; i < n; i++ {
		r := rune(e.u64() % 0x110000)
		if !utf8.ValidRune(r) {
			r = 'x'
		}
		rs = append(rs, r)
	}
	return string(rs)
}

func genBytes(e *entropy) []byte {
	b := make([]byte, e.intn(10))
	for i := range b {
		b[i] = e.byte1()
	}
	return b
}

// appendValue appends one random valid value of the builder's type, or a
// NULL about one time in six.
func appendValue(e *entropy, b array.Builder, nullable bool) {
	if nullable && e.intn(6) == 0 {
		b.AppendNull()
		return
	}
	switch b := b.(type) {
	case *array.BooleanBuilder:
		b.Append(e.intn(2) == 1)
	case *array.Int8Builder:
		b.Append(int8(e.u64()))
	case *array.Int16Builder:
		b.Append(int16(e.u64()))
	case *array.Int32Builder:
		b.Append(int32(e.u64()))
	case *array.Int64Builder:
		b.Append(int64(e.u64()))
	case *array.Float32Builder:
		b.Append(math.Float32frombits(uint32(e.u64())))
	case *array.Float64Builder:
		b.Append(math.Float64frombits(e.u64()))
	case *array.Decimal128Builder:
		dt := b.Type().(*arrow.Decimal128Type)
		lim := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(dt.Precision)), nil)
		v := new(big.Int).SetUint64(e.u64())
		v.Lsh(v, 64).Add(v, new(big.Int).SetUint64(e.u64()))
		v.Mod(v, lim)
		if e.intn(2) == 1 {
			v.Neg(v)
		}
		b.Append(decimal128.FromBigInt(v))
	case *array.StringBuilder:
		b.Append(genString(e))
	case *array.LargeStringBuilder:
		b.Append(genString(e))
	case *array.BinaryBuilder:
		b.Append(genBytes(e))
	case *array.Date32Builder:
		b.Append(arrow.Date32(e.between(minSec/86400, maxSec/86400)))
	case *array.Time32Builder:
		per := int64(1)
		if b.Type().(*arrow.Time32Type).Unit == arrow.Millisecond {
			per = 1000
		}
		b.Append(arrow.Time32(e.between(0, 86400*per-1)))
	case *array.Time64Builder:
		us := e.between(0, 86400_000_000-1)
		if b.Type().(*arrow.Time64Type).Unit == arrow.Nanosecond {
			us *= 1000
		}
		b.Append(arrow.Time64(us))
	case *array.TimestampBuilder:
		var v int64
		switch b.Type().(*arrow.TimestampType).Unit {
		case arrow.Second:
			v = e.between(minSec, maxSec)
		case arrow.Millisecond:
			v = e.between(minSec*1000, maxSec*1000+999)
		case arrow.Microsecond:
			v = e.between(minSec*1_000_000, maxSec*1_000_000+999_999)
		default: // whole microseconds: datetime holds no nanoseconds
			v = e.between(math.MinInt64/1000+1, math.MaxInt64/1000) * 1000
		}
		b.Append(arrow.Timestamp(v))
	case *array.ListBuilder:
		b.Append(true)
		for i, n := 0, e.intn(4); i < n; i++ {
			appendValue(e, b.ValueBuilder(), true)
		}
	case *array.MapBuilder:
		b.Append(true)
		for i, n := 0, e.intn(4); i < n; i++ {
			// Keys are unique and not null, as a dict's are.
			switch kb := b.KeyBuilder().(type) {
			case *array.StringBuilder:
				kb.Append(fmt.Sprintf("k%d", i))
			case *array.Int32Builder:
				kb.Append(int32(i * 7))
			}
			appendValue(e, b.ItemBuilder(), true)
		}
	case *array.StructBuilder:
		b.Append(true)
		for i := 0; i < b.NumField(); i++ {
			appendValue(e, b.FieldBuilder(i), true)
		}
	default:
		panic(fmt.Sprintf("fuzz: no generator for %T", b))
	}
}

// sameFloatBits checks floating-point columns bit for bit (NaN payloads,
// signed zeros), which array.Equal cannot.
func sameFloatBits(t *testing.T, want, got arrow.Array) {
	switch w := want.(type) {
	case *array.Float64:
		g := got.(*array.Float64)
		for i := 0; i < w.Len(); i++ {
			if w.IsValid(i) {
				require.Equal(t, math.Float64bits(w.Value(i)), math.Float64bits(g.Value(i)), "row %d", i)
			}
		}
	case *array.Float32:
		g := got.(*array.Float32)
		for i := 0; i < w.Len(); i++ {
			if w.IsValid(i) {
				bits := math.Float32bits(w.Value(i))
				if w.Value(i) != w.Value(i) {
					// A FLOAT reaches Python as a double; widening a signaling
					// NaN quiets it (IEEE 754), so only the quiet bit may differ.
					bits |= 0x00400000
				}
				require.Equal(t, bits, math.Float32bits(g.Value(i)), "row %d", i)
			}
		}
	}
}

// FuzzRowIdentity sends a random column — random type, values, NULLs and
// slice offset — through a Python identity UDF and requires it back
// unchanged.
func FuzzRowIdentity(f *testing.F) {
	for _, seed := range []string{"", "\x01", "\x07\x05", "\x11\x03\x08", "\x12\x00\x09", "\x13\x02\x0b\x0c",
		"\x0d\x01\x03", "\x0e\x00\x02", "\x0c\x03", "\x05\xff\xff\xff\xff", "\x13\x13\x13\x11\x12"} {
		f.Add([]byte(seed), uint8(20), uint8(3))
	}
	fn := pyFunc(f, "def identity(x):\n    return x\n", "identity")
	f.Fuzz(func(t *testing.T, data []byte, rows, offset uint8) {
		e := &entropy{b: data}
		dt := genType(e, 0)
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		defer mem.AssertSize(t, 0)
		b := array.NewBuilder(mem, dt)
		n := int(rows)%64 + 1
		for i := 0; i < n; i++ {
			appendValue(e, b, true)
		}
		col := b.NewArray()
		b.Release()
		rec := record(col)
		col.Release()
		defer rec.Release()
		off := int64(offset) % int64(n)
		sl := rec.NewSlice(off, int64(n))
		defer sl.Release()

		got, err := evalOne(t, fn, dt, sl, 0)
		require.NoError(t, err, "type %s", dt)
		defer got.Release()
		want := sl.Column(0)
		require.Equal(t, want.Len(), got.Len())
		require.True(t, array.ApproxEqual(want, got, array.WithNaNsEqual(true), array.WithAbsTolerance(0)),
			"type %s\nwant %v\n got %v", dt, want, got)
		sameFloatBits(t, want, got)
	})
}
