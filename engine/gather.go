package engine

import (
	"context"
	"fmt"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/vectorized"
)

// indexArray wraps Go-owned row indices as an Arrow array without copying;
// it allocates nothing that needs releasing beyond the array itself.
func indexArray(idx []int32) arrow.Array {
	buf := memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(idx))
	data := array.NewData(arrow.PrimitiveTypes.Int32, len(idx), []*memory.Buffer{nil, buf}, nil, 0, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

// takeArray gathers the rows idx of arr into a new array: typed loops for
// fixed-width and byte-string columns (the hot cases: hash exchange,
// filters, aggregate output), Arrow's take kernel for the rest.
func takeArray(ctx context.Context, mem memory.Allocator, arr arrow.Array, idx []int32) (arrow.Array, error) {
	switch arr.DataType().ID() {
	case arrow.INT8, arrow.UINT8:
		return gatherFixed[uint8](mem, arr, idx), nil
	case arrow.INT16, arrow.UINT16, arrow.FLOAT16:
		return gatherFixed[uint16](mem, arr, idx), nil
	case arrow.INT32, arrow.UINT32, arrow.FLOAT32, arrow.DATE32, arrow.TIME32, arrow.INTERVAL_MONTHS, arrow.DECIMAL32:
		return gatherFixed[uint32](mem, arr, idx), nil
	case arrow.INT64, arrow.UINT64, arrow.FLOAT64, arrow.DATE64, arrow.TIME64, arrow.TIMESTAMP, arrow.DURATION,
		arrow.DECIMAL64, arrow.INTERVAL_DAY_TIME:
		return gatherFixed[uint64](mem, arr, idx), nil
	case arrow.DECIMAL128, arrow.INTERVAL_MONTH_DAY_NANO:
		return gatherFixed[decimal128.Num](mem, arr, idx), nil
	case arrow.DECIMAL256:
		return gatherFixed[decimal256.Num](mem, arr, idx), nil
	case arrow.STRING, arrow.BINARY:
		return gatherBytes(mem, arr, arrow.GetOffsets[int32](arr.Data(), 1), idx), nil
	case arrow.LARGE_STRING, arrow.LARGE_BINARY:
		return gatherBytes(mem, arr, arrow.GetOffsets[int64](arr.Data(), 1), idx), nil
	}
	ia := indexArray(idx)
	defer ia.Release()
	out, err := compute.TakeArray(compute.WithAllocator(ctx, mem), arr, ia)
	if err != nil {
		return nil, fmt.Errorf("gather %s: %w", arr.DataType(), err)
	}
	return out, nil
}

// takeBatch gathers the rows idx of b, row kinds included, into a new
// batch the caller releases.
func takeBatch(ctx context.Context, mem memory.Allocator, b *vectorized.Batch, idx []int32) (*vectorized.Batch, error) {
	rec := b.Record
	cols := make([]arrow.Array, rec.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i := range cols {
		c, err := takeArray(ctx, mem, rec.Column(i), idx)
		if err != nil {
			return nil, err
		}
		cols[i] = c
	}
	out := &vectorized.Batch{Record: array.NewRecordBatch(rec.Schema(), cols, int64(len(idx)))}
	if b.Kinds != nil {
		out.Kinds = make([]vectorized.RowKind, len(idx))
		for j, i := range idx {
			out.Kinds[j] = b.Kinds[i]
		}
	}
	return out, nil
}

// gatherValidity builds the validity bitmap of the gathered rows, or nil.
func gatherValidity(mem memory.Allocator, arr arrow.Array, idx []int32) (*memory.Buffer, int) {
	if arr.NullN() == 0 {
		return nil, 0
	}
	bm, off := arr.NullBitmapBytes(), arr.Data().Offset()
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(len(idx)))))
	out := buf.Bytes()
	clear(out)
	nulls := 0
	for j, i := range idx {
		if bitutil.BitIsSet(bm, off+int(i)) {
			bitutil.SetBit(out, j)
		} else {
			nulls++
		}
	}
	if nulls == 0 {
		buf.Release()
		return nil, 0
	}
	return buf, nulls
}

func gatherFixed[T fixedWidth](mem memory.Allocator, arr arrow.Array, idx []int32) arrow.Array {
	var z T
	vals := arrow.GetValues[T](arr.Data(), 1)
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(len(idx) * int(unsafe.Sizeof(z)))
	if len(idx) > 0 {
		out := unsafe.Slice((*T)(unsafe.Pointer(&buf.Bytes()[0])), len(idx))
		for j, i := range idx {
			out[j] = vals[i]
		}
	}
	valid, nulls := gatherValidity(mem, arr, idx)
	data := array.NewData(arr.DataType(), len(idx), []*memory.Buffer{valid, buf}, nil, nulls, 0)
	res := array.MakeFromData(data)
	data.Release()
	buf.Release()
	if valid != nil {
		valid.Release()
	}
	return res
}

func gatherBytes[O int32 | int64](mem memory.Allocator, arr arrow.Array, offs []O, idx []int32) arrow.Array {
	var src []byte
	if b := arr.Data().Buffers()[2]; b != nil {
		src = b.Bytes()
	}
	total := 0
	for _, i := range idx {
		total += int(offs[i+1] - offs[i])
	}
	var z O
	offBuf := memory.NewResizableBuffer(mem)
	offBuf.Resize((len(idx) + 1) * int(unsafe.Sizeof(z)))
	outOffs := unsafe.Slice((*O)(unsafe.Pointer(&offBuf.Bytes()[0])), len(idx)+1)
	valBuf := memory.NewResizableBuffer(mem)
	valBuf.Resize(total)
	out := valBuf.Bytes()
	pos := O(0)
	for j, i := range idx {
		outOffs[j] = pos
		pos += O(copy(out[pos:], src[offs[i]:offs[i+1]]))
	}
	outOffs[len(idx)] = pos
	valid, nulls := gatherValidity(mem, arr, idx)
	data := array.NewData(arr.DataType(), len(idx), []*memory.Buffer{valid, offBuf, valBuf}, nil, nulls, 0)
	res := array.MakeFromData(data)
	data.Release()
	offBuf.Release()
	valBuf.Release()
	if valid != nil {
		valid.Release()
	}
	return res
}
