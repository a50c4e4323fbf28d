package vectorized

import (
	"encoding/binary"
	"math/bits"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Key hashing. The hash of a row is a pure function of its key values: no
// per-process seed, so every process — and the hash exchange and the keyed
// state on either side of it — agrees on which row belongs where. Values are
// hashed by their bits as stored: two values the engine's key equality calls
// equal (equal bits; for floating point, as Flink's binary row comparison,
// -0.0 and 0.0 are different keys) always hash alike.

const (
	hashSeed    uint64 = 0x2d358dccaa6c78a5
	hashK1      uint64 = 0x8bb84b93962eacc9
	hashK2      uint64 = 0x4b33a62ed433d4a3
	hashK3      uint64 = 0x4d5a2da51de1aa47
	hashNull    uint64 = 0xa0761d6478bd642f
	hashEmpty   uint64 = 0xe7037ed1a0b428db
	hashListTag uint64 = 0x1d8e4e27c47d124f
)

// mix folds a 128-bit product: the multiply spreads every input bit over the
// high half, the fold brings them back to the low bits the hash table uses.
// The added a+b keeps the inputs alive when one factor is zero (a value
// equal to a constant would otherwise erase the other input).
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo ^ (a + b)
}

// combine adds one value's hash to a row's running hash. It is not
// symmetric, so (a, b) and (b, a) hash differently.
func combine(h, v uint64) uint64 { return mix(h^hashK1, v^hashK2) }

// hashBytes hashes a byte string (wyhash-style). Up to 16 bytes — the
// common key length — it costs one multiply.
func hashBytes(p []byte) uint64 {
	n := len(p)
	if n > 16 {
		return hashLong(p)
	}
	var a, b uint64
	if n >= 8 {
		a = binary.LittleEndian.Uint64(p)
		b = binary.LittleEndian.Uint64(p[n-8:])
	} else if n >= 4 {
		a = uint64(binary.LittleEndian.Uint32(p))
		b = uint64(binary.LittleEndian.Uint32(p[n-4:]))
	} else if n > 0 {
		a = uint64(p[0])<<16 | uint64(p[n>>1])<<8 | uint64(p[n-1])
	} else {
		return hashEmpty
	}
	return mix(a^hashK1, b^hashSeed^uint64(n))
}

// hashLong hashes more than 16 bytes, 16 bytes per step.
func hashLong(p []byte) uint64 {
	n := len(p)
	seed := hashSeed ^ uint64(n)
	i := 0
	for ; n-i > 16; i += 16 {
		seed = mix(binary.LittleEndian.Uint64(p[i:])^hashK1, binary.LittleEndian.Uint64(p[i+8:])^seed)
	}
	return mix(binary.LittleEndian.Uint64(p[n-16:])^hashK1, binary.LittleEndian.Uint64(p[n-8:])^seed)
}

// hashString hashes s exactly as hashBytes hashes its bytes.
func hashString(s string) uint64 {
	return hashBytes(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// HashColumns sets out[i] to the hash of row i over all of cols, in order.
// Every column must have len(out) rows. NULL hashes as a constant of its
// own; nested values (lists, maps, structs) hash by their elements, and
// types without a dedicated loop hash by their canonical text form, so any
// Arrow type can be a key.
func HashColumns(cols []arrow.Array, out []uint64) {
	for i := range out {
		out[i] = hashSeed
	}
	for _, c := range cols {
		hashInto(c, out)
	}
}

// hashInto combines the hash of each value of col into out.
func hashInto(col arrow.Array, out []uint64) {
	n := len(out)
	if col.Len() != n {
		panic("vectorized.HashColumns: column length differs from the output length")
	}
	if n == 0 {
		return
	}
	switch a := col.(type) {
	case *array.Null:
		for i := range out {
			out[i] = combine(out[i], hashNull)
		}
	case *array.Boolean:
		for i := range out {
			v := hashNull
			if a.IsValid(i) {
				v = 0
				if a.Value(i) {
					v = 1
				}
			}
			out[i] = combine(out[i], v)
		}
	case *array.Dictionary:
		dh := make([]uint64, a.Dictionary().Len())
		hashInto(a.Dictionary(), dh)
		for i := range out {
			v := hashNull
			if a.IsValid(i) {
				v = dh[a.GetValueIndex(i)]
			}
			out[i] = combine(out[i], v)
		}
	case *array.String:
		hashVarBytes(a, arrow.GetOffsets[int32](a.Data(), 1), a.Data().Buffers()[2], out)
	case *array.Binary:
		hashVarBytes(a, arrow.GetOffsets[int32](a.Data(), 1), a.Data().Buffers()[2], out)
	case *array.LargeString:
		hashVarBytes(a, arrow.GetOffsets[int64](a.Data(), 1), a.Data().Buffers()[2], out)
	case *array.LargeBinary:
		hashVarBytes(a, arrow.GetOffsets[int64](a.Data(), 1), a.Data().Buffers()[2], out)
	case *array.StringView:
		for i := range out {
			v := hashNull
			if a.IsValid(i) {
				v = hashString(a.Value(i))
			}
			out[i] = combine(out[i], v)
		}
	case *array.BinaryView:
		for i := range out {
			v := hashNull
			if a.IsValid(i) {
				v = hashBytes(a.Value(i))
			}
			out[i] = combine(out[i], v)
		}
	case *array.FixedSizeBinary:
		for i := range out {
			v := hashNull
			if a.IsValid(i) {
				v = hashBytes(a.Value(i))
			}
			out[i] = combine(out[i], v)
		}
	case *array.Struct:
		hashStruct(a, out)
	case array.ListLike:
		hashList(a, out)
	default:
		if !hashFixedWidth(col, out) {
			for i := range out {
				v := hashNull
				if col.IsValid(i) {
					v = hashString(col.ValueStr(i))
				}
				out[i] = combine(out[i], v)
			}
		}
	}
}

// hashFixedWidth hashes the fixed-width types by their bits; it reports
// false for a type it does not cover.
func hashFixedWidth(col arrow.Array, out []uint64) bool {
	d := col.Data()
	switch col.DataType().ID() {
	case arrow.INT8, arrow.UINT8:
		hashInts(col, arrow.GetValues[int8](d, 1), out)
	case arrow.INT16, arrow.UINT16, arrow.FLOAT16:
		hashInts(col, arrow.GetValues[int16](d, 1), out)
	case arrow.INT32, arrow.UINT32, arrow.DATE32, arrow.TIME32, arrow.INTERVAL_MONTHS, arrow.DECIMAL32:
		hashInts(col, arrow.GetValues[int32](d, 1), out)
	case arrow.FLOAT32:
		// As bits: Flink compares keys as binary rows.
		hashInts(col, arrow.GetValues[int32](d, 1), out)
	case arrow.INT64, arrow.UINT64, arrow.DATE64, arrow.TIME64, arrow.TIMESTAMP, arrow.DURATION,
		arrow.FLOAT64, arrow.DECIMAL64, arrow.INTERVAL_DAY_TIME:
		hashInts(col, arrow.GetValues[int64](d, 1), out)
	case arrow.DECIMAL128:
		vals := arrow.GetValues[decimal.Decimal128](d, 1)
		for i := range out {
			v := hashNull
			if col.IsValid(i) {
				v = mix(vals[i].LowBits()^hashK1, uint64(vals[i].HighBits())^hashK3)
			}
			out[i] = combine(out[i], v)
		}
	case arrow.DECIMAL256:
		vals := arrow.GetValues[decimal.Decimal256](d, 1)
		for i := range out {
			v := hashNull
			if col.IsValid(i) {
				a := vals[i].Array()
				v = mix(mix(a[0]^hashK1, a[1]^hashK3), mix(a[2]^hashK1, a[3]^hashK3))
			}
			out[i] = combine(out[i], v)
		}
	case arrow.INTERVAL_MONTH_DAY_NANO:
		vals := arrow.GetValues[arrow.MonthDayNanoInterval](d, 1)
		for i := range out {
			v := hashNull
			if col.IsValid(i) {
				x := vals[i]
				v = mix(uint64(uint32(x.Months))<<32|uint64(uint32(x.Days))^hashK1, uint64(x.Nanoseconds)^hashK3)
			}
			out[i] = combine(out[i], v)
		}
	default:
		return false
	}
	return true
}

// integer is the set of storage types hashInts reads.
type integer interface {
	~int8 | ~int16 | ~int32 | ~int64
}

func hashInts[T integer](col arrow.Array, vals []T, out []uint64) {
	if col.NullN() == 0 {
		for i, v := range vals[:len(out)] {
			out[i] = combine(out[i], uint64(v))
		}
		return
	}
	for i, v := range vals[:len(out)] {
		x := hashNull
		if col.IsValid(i) {
			x = uint64(v)
		}
		out[i] = combine(out[i], x)
	}
}

func hashVarBytes[O int32 | int64](col arrow.Array, offs []O, values *memory.Buffer, out []uint64) {
	var data []byte
	if values != nil {
		data = values.Bytes()
	}
	if col.NullN() == 0 {
		for i := range out {
			out[i] = combine(out[i], hashBytes(data[offs[i]:offs[i+1]]))
		}
		return
	}
	for i := range out {
		v := hashNull
		if col.IsValid(i) {
			v = hashBytes(data[offs[i]:offs[i+1]])
		}
		out[i] = combine(out[i], v)
	}
}

func hashStruct(a *array.Struct, out []uint64) {
	row := make([]uint64, len(out))
	for i := range row {
		row[i] = hashSeed
	}
	for f := 0; f < a.NumField(); f++ {
		hashInto(a.Field(f), row)
	}
	for i := range out {
		v := hashNull
		if a.IsValid(i) {
			v = row[i]
		}
		out[i] = combine(out[i], v)
	}
}

func hashList(a array.ListLike, out []uint64) {
	values := a.ListValues()
	elems := make([]uint64, values.Len())
	for i := range elems {
		elems[i] = hashSeed
	}
	hashInto(values, elems)
	for i := range out {
		v := hashNull
		if a.IsValid(i) {
			start, end := a.ValueOffsets(i)
			v = hashListTag ^ uint64(end-start)
			for _, e := range elems[start:end] {
				v = combine(v, e)
			}
		}
		out[i] = combine(out[i], v)
	}
}
