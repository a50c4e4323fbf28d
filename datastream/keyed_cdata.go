package datastream

// The record batches that cross to Python and back travel through the
// Arrow C Data Interface. Their structs live in C memory: pyarrow reads and
// writes them by address, which the cgo rules do not allow for Go memory.

/*
#include <stdlib.h>
#include <stdint.h>

// The release callbacks sit at these offsets of the C Data Interface's
// ArrowArray and ArrowSchema (the ABI is fixed by the Arrow spec).
static int sl_ds_has_release(void* p, size_t off) {
	return *(void**)((char*)p + off) != NULL;
}
*/
import "C"

import (
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/cdata"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Offsets of the release callbacks: ArrowArray has five int64 then the
// buffers, children and dictionary pointers; ArrowSchema three pointers,
// two int64, then the children and dictionary pointers.
const (
	arrayReleaseOffset  = 64
	schemaReleaseOffset = 56
)

var (
	arraySize = unsafe.Sizeof(cdata.CArrowArray{})
	pairSize  = arraySize + unsafe.Sizeof(cdata.CArrowSchema{})
)

// pairs is a C block of n (ArrowArray, ArrowSchema) pairs, laid out as
// _keyed.py expects: the schema right after its array.
type pairs struct {
	p unsafe.Pointer
	n int
}

func newPairs(n int) pairs { return pairs{p: C.calloc(C.size_t(n), C.size_t(pairSize)), n: n} }

func (ps pairs) array(i int) *cdata.CArrowArray {
	return (*cdata.CArrowArray)(unsafe.Add(ps.p, uintptr(i)*pairSize))
}

func (ps pairs) schema(i int) *cdata.CArrowSchema {
	return (*cdata.CArrowSchema)(unsafe.Add(ps.p, uintptr(i)*pairSize+arraySize))
}

// addr is the address of pair i, which Python receives as an int.
func (ps pairs) addr(i int) int64 { return int64(uintptr(ps.p) + uintptr(i)*pairSize) }

// free releases what is still owned by the structs (what Python did not
// import, or what Go did not import back) and the block.
func (ps pairs) free() {
	for i := 0; i < ps.n; i++ {
		if a := ps.array(i); C.sl_ds_has_release(unsafe.Pointer(a), arrayReleaseOffset) != 0 {
			cdata.ReleaseCArrowArray(a)
		}
		if s := ps.schema(i); C.sl_ds_has_release(unsafe.Pointer(s), schemaReleaseOffset) != 0 {
			cdata.ReleaseCArrowSchema(s)
		}
	}
	C.free(ps.p)
}

// export hands rec to pair i.
func (ps pairs) export(i int, rec arrow.RecordBatch) {
	cdata.ExportArrowRecordBatch(rec, ps.array(i), ps.schema(i))
}

// exportSchema hands a schema to pair i's schema.
func (ps pairs) exportSchema(i int, s *arrow.Schema) {
	cdata.ExportArrowSchema(s, ps.schema(i))
}

// importBatch takes the record batch Python exported into pair i.
func (ps pairs) importBatch(i int) (arrow.RecordBatch, error) {
	return cdata.ImportCRecordBatch(ps.array(i), ps.schema(i))
}

// copyArray copies an array into Go memory from mem, so that nothing of
// Python's stays referenced once the import is released.
func copyArray(mem memory.Allocator, a arrow.Array) (arrow.Array, error) {
	return array.Concatenate([]arrow.Array{a}, mem)
}
