package expr

import (
	"context"
	"fmt"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/compute/exec"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// reinterpret views a byte slice as a slice of fixed-width values.
func reinterpret[T any](b []byte) []T {
	var zero T
	size := int(unsafe.Sizeof(zero))
	if len(b) < size {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), len(b)/size)
}

// values is the fixed-width value slice of a (physical type T), already
// adjusted for the array's offset.
func values[T any](a arrow.Array) []T {
	d := a.Data()
	buf := d.Buffers()[1]
	if buf == nil || d.Len() == 0 {
		return nil
	}
	return reinterpret[T](buf.Bytes())[d.Offset() : d.Offset()+d.Len()]
}

// bitsView is a validity or boolean bitmap with its bit offset; a nil buf
// means "all set" for validity.
type bitsView struct {
	buf []byte
	off int
}

func (b bitsView) get(i int) bool { return b.buf == nil || bitutil.BitIsSet(b.buf, b.off+i) }

// validity is the null bitmap of a, or the zero view when a has no nulls.
func validity(a arrow.Array) bitsView {
	if a.NullN() == 0 {
		return bitsView{}
	}
	return bitsView{buf: a.NullBitmapBytes(), off: a.Data().Offset()}
}

// boolBits is the value bitmap of a boolean array.
func boolBits(a arrow.Array) bitsView {
	b := a.Data().Buffers()[1]
	if b == nil {
		return bitsView{buf: []byte{}} // empty array: never read
	}
	return bitsView{buf: b.Bytes(), off: a.Data().Offset()}
}

func allocBytes(mem memory.Allocator, n int) *memory.Buffer {
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(n)
	return buf
}

// allocFixed allocates an output value buffer of n values of T.
func allocFixed[T any](mem memory.Allocator, n int) (*memory.Buffer, []T) {
	var zero T
	buf := allocBytes(mem, n*int(unsafe.Sizeof(zero)))
	if n == 0 {
		return buf, nil
	}
	return buf, reinterpret[T](buf.Bytes())[:n]
}

// allocBits allocates a zeroed bitmap for n bits.
func allocBits(mem memory.Allocator, n int) (*memory.Buffer, []byte) {
	buf := allocBytes(mem, int(bitutil.BytesForBits(int64(n))))
	b := buf.Bytes()
	for i := range b {
		b[i] = 0
	}
	return buf, b
}

// isScalarArg reports whether a kernel argument is a broadcast literal: the
// call hands literals to scalar-aware kernels as length-1 arrays.
func isScalarArg(a arrow.Array, n int) bool { return a.Len() == 1 && n != 1 }

// andValidity is the validity of a result computed from args: the bitwise
// AND of their null bitmaps. Broadcast scalars contribute nothing when valid
// and make every row NULL when NULL. It returns nil when no row is NULL.
func andValidity(mem memory.Allocator, n int, args ...arrow.Array) (*memory.Buffer, int) {
	var withNulls []arrow.Array
	for _, a := range args {
		if isScalarArg(a, n) {
			if a.IsNull(0) {
				buf, _ := allocBits(mem, n)
				return buf, n
			}
			continue
		}
		if a.NullN() > 0 {
			withNulls = append(withNulls, a)
		}
	}
	if len(withNulls) == 0 {
		return nil, 0
	}
	buf, out := allocBits(mem, n)
	first := withNulls[0]
	bitutil.CopyBitmap(first.NullBitmapBytes(), first.Data().Offset(), n, out, 0)
	for _, a := range withNulls[1:] {
		bitutil.BitmapAnd(out, a.NullBitmapBytes(), 0, int64(a.Data().Offset()), out, 0, int64(n))
	}
	nulls := n - bitutil.CountSetBits(out, 0, n)
	if nulls == 0 {
		buf.Release()
		return nil, 0
	}
	return buf, nulls
}

// makeArray assembles an array from freshly allocated buffers and releases
// the caller's references to them. valid may be nil (no NULLs).
func makeArray(dt arrow.DataType, n int, valid *memory.Buffer, nulls int, bufs ...*memory.Buffer) arrow.Array {
	all := append([]*memory.Buffer{valid}, bufs...)
	data := array.NewData(dt, n, all, nil, nulls, 0)
	arr := array.MakeFromData(data)
	data.Release()
	for _, b := range all {
		if b != nil {
			b.Release()
		}
	}
	return arr
}

// countNulls counts the cleared bits of a validity bitmap; nil means none.
func countNulls(valid []byte, n int) int {
	if valid == nil {
		return 0
	}
	return n - bitutil.CountSetBits(valid, 0, n)
}

// finishValidity drops a validity buffer without NULLs.
func finishValidity(buf *memory.Buffer, n int) (*memory.Buffer, int) {
	if buf == nil {
		return nil, 0
	}
	nulls := countNulls(buf.Bytes(), n)
	if nulls == 0 {
		buf.Release()
		return nil, 0
	}
	return buf, nulls
}

// gather builds an array of n rows where row i is srcs[which[i]][pos[i]],
// or NULL when which[i] < 0; a nil pos means pos[i] = i (every source is a
// full column). It is how CASE, COALESCE and selections put rows together
// without per-value interface calls.
func gather(mem memory.Allocator, dt arrow.DataType, n int, srcs []arrow.Array, which []int16, pos []int32) (arrow.Array, error) {
	if dt.ID() == arrow.NULL {
		return array.MakeArrayOfNull(mem, dt, n), nil
	}
	validBuf, valid := allocBits(mem, n)
	srcValid := make([]bitsView, len(srcs))
	for j, s := range srcs {
		srcValid[j] = validity(s)
	}
	for i := 0; i < n; i++ {
		w := which[i]
		if w < 0 {
			continue
		}
		p := i
		if pos != nil {
			p = int(pos[i])
		}
		if srcValid[w].get(p) {
			bitutil.SetBit(valid, i)
		}
	}
	validBuf, nulls := finishValidity(validBuf, n)
	switch dt.ID() {
	case arrow.BOOL:
		bufOut, out := allocBits(mem, n)
		vals := make([]bitsView, len(srcs))
		for j, s := range srcs {
			vals[j] = boolBits(s)
		}
		for i := 0; i < n; i++ {
			w := which[i]
			if w < 0 {
				continue
			}
			p := i
			if pos != nil {
				p = int(pos[i])
			}
			if vals[w].get(p) {
				bitutil.SetBit(out, i)
			}
		}
		return makeArray(dt, n, validBuf, nulls, bufOut), nil
	case arrow.STRING, arrow.BINARY:
		return gatherBinary(mem, dt, n, srcs, which, pos, validBuf, nulls), nil
	}
	if fw, ok := dt.(arrow.FixedWidthDataType); ok && dt.ID() != arrow.FIXED_SIZE_BINARY {
		switch fw.BitWidth() {
		case 8:
			return gatherFixed[uint8](mem, dt, n, srcs, which, pos, validBuf, nulls), nil
		case 16:
			return gatherFixed[uint16](mem, dt, n, srcs, which, pos, validBuf, nulls), nil
		case 32:
			return gatherFixed[uint32](mem, dt, n, srcs, which, pos, validBuf, nulls), nil
		case 64:
			return gatherFixed[uint64](mem, dt, n, srcs, which, pos, validBuf, nulls), nil
		case 128:
			return gatherFixed[[2]uint64](mem, dt, n, srcs, which, pos, validBuf, nulls), nil
		}
	}
	if validBuf != nil {
		validBuf.Release()
	}
	return gatherGeneric(mem, dt, n, srcs, which, pos)
}

func gatherFixed[T any](mem memory.Allocator, dt arrow.DataType, n int, srcs []arrow.Array, which []int16, pos []int32, validBuf *memory.Buffer, nulls int) arrow.Array {
	buf, out := allocFixed[T](mem, n)
	vals := make([][]T, len(srcs))
	for j, s := range srcs {
		vals[j] = values[T](s)
	}
	switch {
	case pos == nil:
		for i := 0; i < n; i++ {
			if w := which[i]; w >= 0 {
				out[i] = vals[w][i]
			}
		}
	case len(srcs) == 1:
		v := vals[0]
		for i := 0; i < n; i++ {
			if which[i] >= 0 {
				out[i] = v[pos[i]]
			}
		}
	default:
		for i := 0; i < n; i++ {
			if w := which[i]; w >= 0 {
				out[i] = vals[w][pos[i]]
			}
		}
	}
	return makeArray(dt, n, validBuf, nulls, buf)
}

func gatherBinary(mem memory.Allocator, dt arrow.DataType, n int, srcs []arrow.Array, which []int16, pos []int32, validBuf *memory.Buffer, nulls int) arrow.Array {
	offs := make([][]int32, len(srcs))
	datas := make([][]byte, len(srcs))
	for j, s := range srcs {
		d := s.Data()
		if d.Len() == 0 || d.Buffers()[1] == nil {
			continue
		}
		offs[j] = reinterpret[int32](d.Buffers()[1].Bytes())[d.Offset() : d.Offset()+d.Len()+1]
		if d.Buffers()[2] != nil {
			datas[j] = d.Buffers()[2].Bytes()
		}
	}
	at := func(i int) int32 {
		if pos == nil {
			return int32(i)
		}
		return pos[i]
	}
	total := 0
	for i := 0; i < n; i++ {
		if w := which[i]; w >= 0 {
			p := at(i)
			total += int(offs[w][p+1] - offs[w][p])
		}
	}
	offBuf, outOffs := allocFixed[int32](mem, n+1)
	dataBuf := allocBytes(mem, total)
	data := dataBuf.Bytes()
	cur := int32(0)
	for i := 0; i < n; i++ {
		outOffs[i] = cur
		if w := which[i]; w >= 0 {
			p := at(i)
			s, e := offs[w][p], offs[w][p+1]
			cur += int32(copy(data[cur:], datas[w][s:e]))
		}
	}
	outOffs[n] = cur
	return makeArray(dt, n, validBuf, nulls, offBuf, dataBuf)
}

// gatherGeneric handles types without a typed path (nested types) through
// arrow's concatenate and take kernels.
func gatherGeneric(mem memory.Allocator, dt arrow.DataType, n int, srcs []arrow.Array, which []int16, pos []int32) (arrow.Array, error) {
	parts := append([]arrow.Array{}, srcs...)
	nullArr := array.MakeArrayOfNull(mem, dt, 1)
	defer nullArr.Release()
	parts = append(parts, nullArr)
	all, err := array.Concatenate(parts, mem)
	if err != nil {
		return nil, err
	}
	defer all.Release()
	base := make([]int32, len(srcs)+1)
	for j := range srcs {
		base[j+1] = base[j] + int32(srcs[j].Len())
	}
	ib := array.NewInt32Builder(mem)
	defer ib.Release()
	ib.Reserve(n)
	for i := 0; i < n; i++ {
		if w := which[i]; w >= 0 {
			p := int32(i)
			if pos != nil {
				p = pos[i]
			}
			ib.UnsafeAppend(base[w] + p)
		} else {
			ib.UnsafeAppend(base[len(srcs)])
		}
	}
	idx := ib.NewArray()
	defer idx.Release()
	ctx := exec.WithAllocator(context.Background(), mem)
	return compute.TakeArray(ctx, all, idx)
}

// take selects the rows sel of a (all rows when sel is nil).
func take(mem memory.Allocator, a arrow.Array, sel []int32) (arrow.Array, error) {
	if sel == nil {
		a.Retain()
		return a, nil
	}
	which := make([]int16, len(sel))
	return gather(mem, a.DataType(), len(sel), []arrow.Array{a}, which, sel)
}

// broadcast repeats the single value of a (length 1) n times.
func broadcast(mem memory.Allocator, a arrow.Array, n int) (arrow.Array, error) {
	if a.Len() == n {
		a.Retain()
		return a, nil
	}
	if a.Len() != 1 {
		return nil, fmt.Errorf("cannot broadcast an array of %d values to %d rows", a.Len(), n)
	}
	which := make([]int16, n)
	pos := make([]int32, n)
	return gather(mem, a.DataType(), n, []arrow.Array{a}, which, pos)
}

// unsafeString views b as a string; b must not change while it is in use
// (Arrow buffers are immutable).
func unsafeString(b []byte) string { return unsafe.String(&b[0], len(b)) }

func unsafeBytesOfU64(w []uint64) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(&w[0])), len(w)*8)
}
