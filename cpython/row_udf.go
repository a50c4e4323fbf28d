package cpython

/*
#include <stdlib.h>
#include "sluice_py.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/cdata"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/vectorized"
)

// RowUDF is one call of a row-at-a-time (scalar) Python function: the
// function is called once per row with the values of the argument columns.
type RowUDF struct {
	Name   string         // the name errors and metrics use
	Func   *Object        // the callable; the evaluator takes its own reference
	Args   []int          // indexes of the argument columns in the input batch
	Result arrow.DataType // the declared result type
}

// RowEvaluator evaluates several row UDFs over a batch in one cgo crossing
// and one GIL scope. It is safe for concurrent use.
type RowEvaluator struct {
	udfs    []RowUDF
	cudfs   *C.sl_udf    // C array, one per UDF
	argMem  *C.int       // all argument index arrays, back to back
	outType []*C.sl_type // parsed result types
	maxCol  int
	labels  *Labels // what a crash report or os._exit names, per job

	mu      sync.Mutex
	schema  *arrow.Schema
	inType  []*C.sl_type // parsed input column types for schema
	retired []*C.sl_type // types of earlier schemas, freed by Close
	closed  bool
}

var _ vectorized.FunctionEvaluator = (*RowEvaluator)(nil)

// NewRowEvaluator prepares the calls. It takes a reference to each function.
func NewRowEvaluator(udfs []RowUDF) (*RowEvaluator, error) {
	if len(udfs) == 0 {
		return nil, errors.New("cpython: a row evaluator needs at least one UDF")
	}
	e := &RowEvaluator{udfs: append([]RowUDF(nil), udfs...), maxCol: -1}
	nargs := 0
	names := make([]string, len(udfs))
	for i, u := range udfs {
		names[i] = u.Name
		if u.Func == nil {
			return nil, fmt.Errorf("python UDF %s: no function", u.Name)
		}
		for _, a := range u.Args {
			if a < 0 {
				return nil, fmt.Errorf("python UDF %s: negative argument column %d", u.Name, a)
			}
			e.maxCol = max(e.maxCol, a)
		}
		nargs += len(u.Args)
	}
	err := Do(func(py *GIL) error {
		for _, u := range udfs {
			if !py.Callable(u.Func) {
				return fmt.Errorf("python UDF %s: %s object is not callable", u.Name, py.TypeName(u.Func))
			}
			t, err := parseType(py, u.Result)
			if err != nil {
				return fmt.Errorf("python UDF %s: result type %s: %w", u.Name, u.Result, err)
			}
			e.outType = append(e.outType, t)
		}
		e.cudfs = (*C.sl_udf)(C.calloc(C.size_t(len(udfs)), C.size_t(unsafe.Sizeof(C.sl_udf{}))))
		e.argMem = (*C.int)(C.calloc(C.size_t(max(nargs, 1)), C.size_t(unsafe.Sizeof(C.int(0)))))
		cu := unsafe.Slice(e.cudfs, len(udfs))
		args := unsafe.Slice(e.argMem, max(nargs, 1))
		next := 0
		for i, u := range udfs {
			C.Py_IncRef(u.Func.p)
			cu[i].fn = u.Func.p
			cu[i].name = C.CString(u.Name)
			cu[i].nargs = C.int(len(u.Args))
			if len(u.Args) > 0 {
				cu[i].arg_cols = &args[next]
			}
			for _, a := range u.Args {
				args[next] = C.int(a)
				next++
			}
			cu[i].out = e.outType[i]
		}
		return nil
	})
	if err != nil {
		e.free()
		return nil, err
	}
	e.labels = NewLabels(strings.Join(names, ", "))
	return e, nil
}

// parseType turns an Arrow type into the C kernels' type tree.
func parseType(py *GIL, dt arrow.DataType) (*C.sl_type, error) {
	cs := (*cdata.CArrowSchema)(C.calloc(1, C.size_t(unsafe.Sizeof(C.struct_ArrowSchema{}))))
	defer C.free(unsafe.Pointer(cs))
	cdata.ExportArrowSchema(arrow.NewSchema([]arrow.Field{{Name: "v", Type: dt, Nullable: true}}, nil), cs)
	defer cdata.ReleaseCArrowSchema(cs)
	s := (*C.struct_ArrowSchema)(unsafe.Pointer(cs))
	child := *s.children
	t := C.sl_type_from_schema(child)
	if t == nil {
		return nil, py.fetchError()
	}
	return t, nil
}

// inputTypes returns the parsed types of the batch's columns, reusing the
// previous parse while the schema stays the same.
func (e *RowEvaluator) inputTypes(schema *arrow.Schema) ([]*C.sl_type, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, errors.New("cpython: row evaluator used after Close")
	}
	if e.schema != nil && (e.schema == schema || e.schema.Equal(schema)) {
		return e.inType, nil
	}
	var types []*C.sl_type
	err := Do(func(py *GIL) error {
		for _, f := range schema.Fields() {
			t, err := parseType(py, f.Type)
			if err != nil {
				for _, p := range types {
					C.sl_type_free(p)
				}
				return fmt.Errorf("column %s: %w", f.Name, err)
			}
			types = append(types, t)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Types of the previous schema may still be in use by a concurrent
	// Evaluate; they are kept until Close.
	e.retired = append(e.retired, e.inType...)
	e.schema, e.inType = schema, types
	return types, nil
}

// Evaluate implements vectorized.FunctionEvaluator.
func (e *RowEvaluator) Evaluate(ctx context.Context, b *vectorized.Batch) ([]arrow.Array, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rec := b.Record
	ncols := int(rec.NumCols())
	if e.maxCol >= ncols {
		return nil, fmt.Errorf("python UDF: argument column %d does not exist in a batch of %d columns", e.maxCol, ncols)
	}
	types, err := e.inputTypes(rec.Schema())
	if err != nil {
		return nil, err
	}
	nudf := len(e.udfs)
	// One C block: exported input arrays, their pointers, result arrays.
	sz := C.size_t(unsafe.Sizeof(C.struct_ArrowArray{}))
	psz := C.size_t(unsafe.Sizeof(uintptr(0)))
	block := C.calloc(1, C.size_t(ncols)*sz+C.size_t(ncols)*psz+C.size_t(nudf)*sz)
	defer C.free(block)
	inArr := unsafe.Slice((*C.struct_ArrowArray)(block), ncols)
	inPtr := unsafe.Slice((**C.struct_ArrowArray)(unsafe.Add(block, C.size_t(ncols)*sz)), ncols)
	outArr := unsafe.Slice((*C.struct_ArrowArray)(unsafe.Add(block, C.size_t(ncols)*(sz+psz))), nudf)

	used := make([]bool, ncols)
	for _, u := range e.udfs {
		for _, a := range u.Args {
			used[a] = true
		}
	}
	for c := 0; c < ncols; c++ {
		if !used[c] {
			continue
		}
		col, err := vectorized.ForExport(rec.Column(c), memory.DefaultAllocator)
		if err != nil {
			for j := 0; j < c; j++ {
				if used[j] {
					cdata.ReleaseCArrowArray((*cdata.CArrowArray)(unsafe.Pointer(&inArr[j])))
				}
			}
			return nil, fmt.Errorf("python UDF: preparing column %d: %w", c, err)
		}
		cdata.ExportArrowArray(col, (*cdata.CArrowArray)(unsafe.Pointer(&inArr[c])), nil)
		col.Release() // the export holds its own reference
		inPtr[c] = &inArr[c]
	}
	defer func() {
		for c := 0; c < ncols; c++ {
			if used[c] {
				cdata.ReleaseCArrowArray((*cdata.CArrowArray)(unsafe.Pointer(&inArr[c])))
			}
		}
	}()

	var cerr C.sl_eval_error
	var colsPtr **C.struct_ArrowArray
	var typesPtr **C.sl_type
	if ncols > 0 {
		colsPtr, typesPtr = &inPtr[0], &types[0]
	}
	err = DoBatch(ctx, e.labels.For(vectorized.JobName(ctx)), func(py *GIL) error {
		rc := C.sl_eval_rows(C.int64_t(rec.NumRows()), C.int(ncols), colsPtr, typesPtr,
			C.int(nudf), e.cudfs, &outArr[0], &cerr)
		if rc == 0 {
			return nil
		}
		return e.udfError(py, &cerr, inPtr, types)
	})
	if err != nil {
		return nil, err
	}
	out := make([]arrow.Array, nudf)
	for i := range outArr {
		arr, ierr := cdata.ImportCArrayWithType((*cdata.CArrowArray)(unsafe.Pointer(&outArr[i])), e.udfs[i].Result)
		if ierr != nil {
			for j := i; j < nudf; j++ {
				cdata.ReleaseCArrowArray((*cdata.CArrowArray)(unsafe.Pointer(&outArr[j])))
			}
			for _, a := range out[:i] {
				a.Release()
			}
			return nil, fmt.Errorf("python UDF %s: importing the result: %w", e.udfs[i].Name, ierr)
		}
		out[i] = arr
	}
	return out, nil
}

// udfError converts the kernel's failure into a UDFError that names the
// UDF, the row and the row's arguments.
func (e *RowEvaluator) udfError(py *GIL, cerr *C.sl_eval_error, cols []*C.struct_ArrowArray, types []*C.sl_type) error {
	cause := py.fetchError()
	if cerr.kind == C.SL_ERR_OTHER {
		return fmt.Errorf("python UDF %s: %w", e.udfs[cerr.udf].Name, cause)
	}
	u := e.udfs[cerr.udf]
	ue := &UDFError{UDF: u.Name, Row: int64(cerr.row), Cause: cause}
	switch cerr.kind {
	case C.SL_ERR_RESULT:
		ue.Phase = PhaseResult
	case C.SL_ERR_ARG:
		ue.Phase = PhaseArgument
	default:
		ue.Phase = PhaseCall
	}
	if ue.Phase != PhaseArgument {
		for _, a := range u.Args {
			o := C.sl_py_from_arrow(cols[a], types[a], C.int64_t(cerr.row))
			if o == nil {
				C.PyErr_Clear()
				ue.Args = append(ue.Args, "<unconvertible>")
				continue
			}
			obj := wrap(o)
			ue.Args = append(ue.Args, py.Repr(obj))
			py.DecRef(obj)
		}
	}
	return ue
}

// Close drops the references the evaluator holds.
func (e *RowEvaluator) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.mu.Unlock()
	return e.free()
}

func (e *RowEvaluator) free() error {
	err := Do(func(py *GIL) error {
		if e.cudfs != nil {
			for _, cu := range unsafe.Slice(e.cudfs, len(e.udfs)) {
				if cu.fn != nil {
					C.Py_DecRef(cu.fn)
				}
				C.free(unsafe.Pointer(cu.name))
			}
		}
		for _, t := range e.outType {
			C.sl_type_free(t)
		}
		for _, t := range append(e.inType, e.retired...) {
			C.sl_type_free(t)
		}
		return nil
	})
	C.free(unsafe.Pointer(e.cudfs))
	C.free(unsafe.Pointer(e.argMem))
	if e.labels != nil {
		e.labels.Free()
	}
	e.cudfs, e.argMem, e.outType, e.inType = nil, nil, nil, nil
	return err
}

// Phase says where a UDF failed.
type Phase int

const (
	PhaseCall     Phase = iota // the function raised
	PhaseResult                // it returned a value the result type cannot hold
	PhaseArgument              // an argument value has no Python representation
)

// UDFError is the failure of a Python UDF on one row.
type UDFError struct {
	UDF   string
	Row   int64    // index of the row within its batch
	Args  []string // repr of that row's arguments
	Phase Phase
	Cause error // a *Error for Python exceptions
}

func (e *UDFError) Error() string {
	var what string
	switch e.Phase {
	case PhaseResult:
		what = "returned a wrong result"
	case PhaseArgument:
		what = "could not receive its argument"
	default:
		what = "raised an exception"
	}
	args := ""
	if e.Args != nil {
		args = " with arguments (" + strings.Join(e.Args, ", ") + ")"
	}
	return fmt.Sprintf("python UDF %s %s at row %d%s: %v", e.UDF, what, e.Row, args, e.Cause)
}

func (e *UDFError) Unwrap() error { return e.Cause }
