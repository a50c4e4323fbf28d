package pandas_udf

// The C Data Interface structs handed to pyarrow live outside the Go heap:
// pyarrow writes into them and keeps their addresses while the batch is in
// Python, which the cgo rules do not allow for Go memory. So do the result
// buffers Python writes numeric results into: they become the Arrow arrays
// Evaluate returns, and are freed by their last Release on any goroutine,
// without the GIL and without the Go collector scanning them.

/*
#include <stdlib.h>

// 64-byte alignment, as Arrow recommends for buffers (and numpy's SIMD
// loops like).
static void* sl_aligned_alloc(size_t n) {
	void* p = NULL;
	if (posix_memalign(&p, 64, n ? n : 1) != 0) return NULL;
	return p;
}
*/
import "C"

import (
	"sync/atomic"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/cdata"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var (
	arrayStructSize  = unsafe.Sizeof(cdata.CArrowArray{})
	schemaStructSize = unsafe.Sizeof(cdata.CArrowSchema{})
)

// cBlock is zeroed C memory of n bytes; free it with cFree.
func cBlock(n uintptr) unsafe.Pointer { return C.calloc(1, C.size_t(max(n, 1))) }

func cFree(p unsafe.Pointer) { C.free(p) }

// cArray is the i-th ArrowArray of a block of them.
func cArray(block unsafe.Pointer, i int) *cdata.CArrowArray {
	return (*cdata.CArrowArray)(unsafe.Add(block, uintptr(i)*arrayStructSize))
}

// cAllocator is a memory.Allocator over C malloc for the result buffers.
// Unlike arrow-go's mallocator it does not zero what it allocates (Python
// overwrites every byte) nor keep a map of allocations (memory comes from
// posix_memalign, which free takes back as is). It counts the bytes it has
// out, which the tests check.
type cAllocator struct{ bytes atomic.Int64 }

var resultMemory = &cAllocator{}

var _ memory.Allocator = (*cAllocator)(nil)

func (a *cAllocator) Allocate(n int) []byte {
	p := C.sl_aligned_alloc(C.size_t(n))
	if p == nil {
		panic("pandas UDF: out of memory for a result buffer")
	}
	a.bytes.Add(int64(n))
	return unsafe.Slice((*byte)(p), n)
}

func (a *cAllocator) Reallocate(n int, b []byte) []byte {
	if n <= cap(b) {
		a.bytes.Add(int64(n - len(b)))
		return b[:n]
	}
	nb := a.Allocate(n)
	copy(nb, b)
	a.Free(b)
	return nb
}

func (a *cAllocator) Free(b []byte) {
	a.bytes.Add(-int64(len(b)))
	C.free(unsafe.Pointer(unsafe.SliceData(b)))
}

// outstanding is the number of bytes allocated and not yet freed.
func (a *cAllocator) outstanding() int64 { return a.bytes.Load() }
