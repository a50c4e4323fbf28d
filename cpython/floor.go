package cpython

/*
#include <stdlib.h>
#include "sluice_py.h"
*/
import "C"

import (
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/cdata"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/vectorized"
)

// CallFloor is the benchmark baseline for row UDFs: one C loop that boxes
// each value of col exactly as the row kernel does, calls fn with it and
// drops the result — the least work any engine must do to call a Python
// function once per row. It is not an evaluator: results are discarded.
func CallFloor(fn *Object, col arrow.Array) error {
	t, err := floorType(col.DataType())
	if err != nil {
		return err
	}
	defer Do(func(*GIL) error { C.sl_type_free(t); return nil })
	exp, err := vectorized.ForExport(col, memory.DefaultAllocator)
	if err != nil {
		return err
	}
	defer exp.Release()
	ca := (*C.struct_ArrowArray)(C.calloc(1, C.size_t(unsafe.Sizeof(C.struct_ArrowArray{}))))
	defer C.free(unsafe.Pointer(ca))
	cdata.ExportArrowArray(exp, (*cdata.CArrowArray)(unsafe.Pointer(ca)), nil)
	defer cdata.ReleaseCArrowArray((*cdata.CArrowArray)(unsafe.Pointer(ca)))
	return Do(func(py *GIL) error {
		if C.sl_call_floor(fn.p, ca, t) != 0 {
			return py.fetchError()
		}
		return nil
	})
}

func floorType(dt arrow.DataType) (*C.sl_type, error) {
	var t *C.sl_type
	err := Do(func(py *GIL) error {
		var err error
		t, err = parseType(py, dt)
		return err
	})
	return t, err
}
