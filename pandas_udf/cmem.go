package pandas_udf

// The C Data Interface structs handed to pyarrow live outside the Go heap:
// pyarrow writes into them and keeps their addresses while the batch is in
// Python, which the cgo rules do not allow for Go memory.

// #include <stdlib.h>
import "C"

import (
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/cdata"
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
