package cpython

/*
#include <stdlib.h>
#include "agg.h"

static int sl_agg_result_equal(sl_agg* s, Py_ssize_t i, Py_ssize_t j) {
	return PyObject_RichCompareBool(PyList_GET_ITEM(s->results, i), PyList_GET_ITEM(s->results, j), Py_EQ);
}

static Py_ssize_t sl_agg_nresults(sl_agg* s) { return PyList_GET_SIZE(s->results); }

static int sl_agg_truncate(sl_agg* s, Py_ssize_t n) {
	return PyList_SetSlice(s->results, n, PyList_GET_SIZE(s->results), NULL);
}

static int sl_agg_keep(sl_agg* s, const int32_t* sel, Py_ssize_t n) {
	PyObject* kept = PyList_New(n);
	if (!kept) return -1;
	for (Py_ssize_t j = 0; j < n; j++) {
		PyObject* o = PyList_GET_ITEM(s->results, sel[j]);
		Py_INCREF(o);
		PyList_SET_ITEM(kept, j, o);
	}
	Py_SETREF(s->results, kept);
	return 0;
}

static int sl_agg_drop_prev(sl_agg* s) {
	return PySequence_DelItem(s->results, PyList_GET_SIZE(s->results) - 2);
}

static void sl_agg_free(sl_agg* s) {
	Py_XDECREF(s->accs);
	Py_XDECREF(s->results);
	Py_XDECREF(s->unset);
	Py_XDECREF(s->create);
	Py_XDECREF(s->accumulate);
	Py_XDECREF(s->retract);
	Py_XDECREF(s->get_value);
	Py_XDECREF(s->dumps);
	Py_XDECREF(s->loads);
	Py_XDECREF(s->counts);
	memset(s, 0, sizeof *s);
}

static PyObject* sl_agg_sentinel(void) { return PyObject_CallNoArgs((PyObject*)&PyBaseObject_Type); }

static char* sl_bytes_data(PyObject* b, Py_ssize_t* n) {
	char* p;
	if (PyBytes_AsStringAndSize(b, &p, n) < 0) return NULL;
	return p;
}
*/
import "C"

import (
	"fmt"
	"strings"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/cdata"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/vectorized"
)

// AggFunction is a Python AggregateFunction (PyFlink's udaf): an object
// with create_accumulator, accumulate, get_value and optionally retract.
type AggFunction struct {
	Name   string
	Func   *Object          // the AggregateFunction; AggState takes its own references
	Args   []arrow.DataType // argument column types
	Result arrow.DataType   // the declared result type
	// Distinct: the function sees each distinct argument tuple of a group
	// once (SQL's f(DISTINCT x, y)); retracting its last copy retracts it.
	Distinct bool
}

// The acts of Stream, the engine's (engine.AccPrev ...): cpython cannot
// import the engine, so pyfunc's tests check that they agree.
const (
	AccPrev  = 1
	AccNew   = 2
	AccCmp   = 4
	AccReset = 8
)

// AggState holds the accumulators of one aggregate call for every group
// of an operator, and a buffer of results. It has the method set of
// engine.UserAccumulators.
//
// The engine's calls are logged and replayed by the C kernel in one GIL
// scope when something needs their effect — a result array (Flush), a
// comparison, saved bytes, new argument columns (Bind) — so an operator
// that accumulates a batch and reads its groups' values crosses into
// Python once, not once per row. Failures are recorded (Err) and returned
// by Flush.
type AggState struct {
	name    string
	cname   *C.char
	s       *C.sl_agg
	argType []*C.sl_type
	resType *C.sl_type
	result  arrow.DataType

	bound  []arrow.Array         // the bound argument columns (for errors)
	cArr   *C.struct_ArrowArray  // their exports, nargs in a C block
	cPtr   **C.struct_ArrowArray // pointers to them
	cTypes **C.sl_type           // argType in C memory
	nexp   int                   // exported columns to release
	ops    []int64               // the log: (op, row|offset, group, len)
	blob   []byte                // bytes of logged loads
	err    error
	closed bool
}

// NewAggState prepares the accumulators of f.
func NewAggState(f AggFunction) (*AggState, error) {
	if f.Func == nil {
		return nil, fmt.Errorf("python aggregate function %s: no function", f.Name)
	}
	if len(f.Args) > C.SL_AGG_MAX_ARGS {
		return nil, fmt.Errorf("python aggregate function %s: %d arguments; at most %d are supported", f.Name, len(f.Args), C.SL_AGG_MAX_ARGS)
	}
	st := &AggState{name: f.Name, result: f.Result, bound: make([]arrow.Array, len(f.Args))}
	st.cname = C.CString(f.Name)
	st.s = (*C.sl_agg)(C.calloc(1, C.size_t(unsafe.Sizeof(C.sl_agg{}))))
	n := max(len(f.Args), 1)
	st.cArr = (*C.struct_ArrowArray)(C.calloc(C.size_t(n), C.size_t(unsafe.Sizeof(C.struct_ArrowArray{}))))
	st.cPtr = (**C.struct_ArrowArray)(C.calloc(C.size_t(n), C.size_t(unsafe.Sizeof(uintptr(0)))))
	st.cTypes = (**C.sl_type)(C.calloc(C.size_t(n), C.size_t(unsafe.Sizeof(uintptr(0)))))
	err := Do(func(py *GIL) error {
		get := func(name string, required bool) (*C.PyObject, error) {
			o, err := py.GetAttr(f.Func, name)
			if err != nil {
				if !required {
					C.PyErr_Clear()
					return nil, nil
				}
				return nil, fmt.Errorf("python aggregate function %s has no method %s: %w", f.Name, name, err)
			}
			return o.p, nil
		}
		var err error
		s := st.s
		s.name = st.cname
		if s.create, err = get("create_accumulator", true); err != nil {
			return err
		}
		if s.accumulate, err = get("accumulate", true); err != nil {
			return err
		}
		if s.get_value, err = get("get_value", true); err != nil {
			return err
		}
		if s.retract, err = get("retract", false); err != nil {
			return err
		}
		pickle, err := py.Import("pickle")
		if err != nil {
			return err
		}
		defer py.DecRef(pickle)
		dumps, err := py.GetAttr(pickle, "dumps")
		if err != nil {
			return err
		}
		s.dumps = dumps.p
		loads, err := py.GetAttr(pickle, "loads")
		if err != nil {
			return err
		}
		s.loads = loads.p
		s.accs = C.PyList_New(0)
		s.results = C.PyList_New(0)
		s.counts = C.PyList_New(0)
		if f.Distinct {
			s.distinct = 1
		}
		s.unset = C.sl_agg_sentinel()
		if s.accs == nil || s.results == nil || s.unset == nil || s.counts == nil {
			return py.fetchError()
		}
		types := unsafe.Slice(st.cTypes, n)
		for i, t := range f.Args {
			ct, err := parseType(py, t)
			if err != nil {
				return fmt.Errorf("python aggregate function %s: argument %d of type %s: %w", f.Name, i+1, t, err)
			}
			st.argType = append(st.argType, ct)
			types[i] = ct
		}
		if st.resType, err = parseType(py, f.Result); err != nil {
			return fmt.Errorf("python aggregate function %s: result type %s: %w", f.Name, f.Result, err)
		}
		return nil
	})
	if err != nil {
		st.free()
		return nil, err
	}
	return st, nil
}

// Grow implements engine.UserAccumulators: groups are created on first use.
func (st *AggState) Grow(int) {}

// Reset implements engine.UserAccumulators.
func (st *AggState) Reset(g uint32) { st.ops = append(st.ops, C.SL_AGG_RESET, 0, int64(g), 0) }

// Bind implements engine.UserAccumulators. Logged rows of the previous
// columns are applied first.
func (st *AggState) Bind(args []arrow.Array) {
	if len(st.ops) > 0 {
		st.drain()
	}
	st.releaseExports()
	if len(args) != len(st.bound) {
		st.fail(fmt.Errorf("python aggregate function %s: bound %d columns for %d arguments", st.name, len(args), len(st.bound)))
		return
	}
	arrs := unsafe.Slice(st.cArr, max(len(args), 1))
	ptrs := unsafe.Slice(st.cPtr, max(len(args), 1))
	for i, a := range args {
		col, err := vectorized.ForExport(a, memory.DefaultAllocator)
		if err != nil {
			st.fail(fmt.Errorf("python aggregate function %s: preparing argument %d: %w", st.name, i+1, err))
			return
		}
		cdata.ExportArrowArray(col, (*cdata.CArrowArray)(unsafe.Pointer(&arrs[i])), nil)
		col.Release()
		ptrs[i] = &arrs[i]
		st.bound[i] = a
		st.nexp = i + 1
	}
}

func (st *AggState) releaseExports() {
	arrs := unsafe.Slice(st.cArr, max(len(st.bound), 1))
	for i := 0; i < st.nexp; i++ {
		cdata.ReleaseCArrowArray((*cdata.CArrowArray)(unsafe.Pointer(&arrs[i])))
		st.bound[i] = nil
	}
	st.nexp = 0
}

// Update implements engine.UserAccumulators: the rows are logged.
func (st *AggState) Update(groups []uint32, signs []int8, from, to int) {
	for i := from; i < to; i++ {
		op := int64(C.SL_AGG_ACC)
		if signs != nil {
			switch {
			case signs[i] == 0:
				continue
			case signs[i] < 0:
				op = C.SL_AGG_RET
			}
		}
		st.ops = append(st.ops, op, int64(i), int64(groups[i]), 0)
	}
}

// AppendResult implements engine.UserAccumulators.
func (st *AggState) AppendResult(g uint32) {
	st.ops = append(st.ops, C.SL_AGG_RESULT, 0, int64(g), 0)
}

// Load implements engine.UserAccumulators: b is what Save wrote (a
// pickle of the accumulator).
func (st *AggState) Load(b []byte, g uint32) {
	st.ops = append(st.ops, C.SL_AGG_LOAD, int64(len(st.blob)), int64(g), int64(len(b)))
	st.blob = append(st.blob, b...)
}

func (st *AggState) args() *C.sl_agg_args {
	a := (*C.sl_agg_args)(C.calloc(1, C.size_t(unsafe.Sizeof(C.sl_agg_args{}))))
	a.nargs = C.int(st.nexp)
	a.cols = st.cPtr
	a.types = st.cTypes
	return a
}

// drain replays the log; with the GIL held by the caller's Do when py is
// given.
func (st *AggState) drain() {
	if len(st.ops) == 0 {
		return
	}
	err := Do(func(py *GIL) error { return st.drainLocked(py) })
	if err != nil {
		st.fail(err)
	}
}

func (st *AggState) drainLocked(py *GIL) error {
	ops := st.ops
	st.ops = st.ops[:0]
	defer func() { st.blob = st.blob[:0] }()
	if len(ops) == 0 || st.err != nil {
		return nil
	}
	a := st.args()
	defer C.free(unsafe.Pointer(a))
	var blob *C.char
	if len(st.blob) > 0 {
		blob = (*C.char)(unsafe.Pointer(&st.blob[0]))
	}
	var cerr C.sl_agg_error
	if C.sl_agg_run(st.s, (*C.int64_t)(unsafe.Pointer(&ops[0])), C.int64_t(len(ops)/4), a, blob, &cerr) == 0 {
		return nil
	}
	return st.kernelError(py, &cerr, ops)
}

// Stream implements engine.UserAccumulators.
func (st *AggState) Stream(groups []uint32, signs []int8, acts []uint8, changed []bool, from, to int) {
	if st.err != nil || from >= to {
		return
	}
	err := Do(func(py *GIL) error {
		if err := st.drainLocked(py); err != nil {
			return err
		}
		a := st.args()
		defer C.free(unsafe.Pointer(a))
		var cerr C.sl_agg_error
		rc := C.sl_agg_stream(st.s, C.int64_t(from), C.int64_t(to), (*C.uint32_t)(unsafe.Pointer(&groups[0])),
			(*C.int8_t)(unsafe.Pointer(&signs[0])), (*C.uint8_t)(unsafe.Pointer(&acts[0])),
			(*C.uint8_t)(unsafe.Pointer(&changed[0])), a, &cerr)
		if rc == 0 {
			return nil
		}
		return st.kernelError(py, &cerr, nil)
	})
	if err != nil {
		st.fail(err)
	}
}

// ResultEqual implements engine.UserAccumulators (Python's ==).
func (st *AggState) ResultEqual(i, j int) bool {
	eq := false
	err := Do(func(py *GIL) error {
		if err := st.drainLocked(py); err != nil {
			return err
		}
		if n := int(C.sl_agg_nresults(st.s)); i >= n || j >= n {
			return fmt.Errorf("python aggregate function %s: comparing results %d and %d of %d", st.name, i, j, n)
		}
		rc := C.sl_agg_result_equal(st.s, C.Py_ssize_t(i), C.Py_ssize_t(j))
		if rc < 0 {
			return fmt.Errorf("python aggregate function %s: comparing two results: %w", st.name, py.fetchError())
		}
		eq = rc == 1
		return nil
	})
	if err != nil {
		st.fail(err)
	}
	return eq
}

func (st *AggState) onResults(what string, f func() C.int) {
	err := Do(func(py *GIL) error {
		if err := st.drainLocked(py); err != nil {
			return err
		}
		if f() < 0 {
			return fmt.Errorf("python aggregate function %s: %s: %w", st.name, what, py.fetchError())
		}
		return nil
	})
	if err != nil {
		st.fail(err)
	}
}

// Truncate implements engine.UserAccumulators.
func (st *AggState) Truncate(n int) {
	st.onResults("truncating results", func() C.int { return C.sl_agg_truncate(st.s, C.Py_ssize_t(n)) })
}

// Keep implements engine.UserAccumulators.
func (st *AggState) Keep(sel []int32) {
	st.onResults("keeping results", func() C.int {
		var p *C.int32_t
		if len(sel) > 0 {
			p = (*C.int32_t)(unsafe.Pointer(&sel[0]))
		}
		return C.sl_agg_keep(st.s, p, C.Py_ssize_t(len(sel)))
	})
}

// DropPrev implements engine.UserAccumulators.
func (st *AggState) DropPrev() {
	st.onResults("dropping a result", func() C.int { return C.sl_agg_drop_prev(st.s) })
}

// Flush implements engine.UserAccumulators: the buffered results become
// an array of the result type.
func (st *AggState) Flush(memory.Allocator) (arrow.Array, error) {
	var out *C.struct_ArrowArray
	err := Do(func(py *GIL) error {
		if err := st.drainLocked(py); err != nil {
			return err
		}
		if st.err != nil {
			return nil
		}
		out = (*C.struct_ArrowArray)(C.calloc(1, C.size_t(unsafe.Sizeof(C.struct_ArrowArray{}))))
		var bad C.int64_t
		if C.sl_agg_flush(st.s, st.resType, out, &bad) == 0 {
			return nil
		}
		cause := py.fetchError()
		C.free(unsafe.Pointer(out))
		out = nil
		if bad >= 0 {
			return &AggError{Function: st.name, Method: "get_value", Row: -1, Result: true, Cause: cause}
		}
		return fmt.Errorf("python aggregate function %s: building the results: %w", st.name, cause)
	})
	if err != nil {
		st.fail(err)
	}
	if st.err != nil {
		if out != nil {
			cdata.ReleaseCArrowArray((*cdata.CArrowArray)(unsafe.Pointer(out)))
			C.free(unsafe.Pointer(out))
		}
		return nil, st.err
	}
	defer C.free(unsafe.Pointer(out))
	arr, err := cdata.ImportCArrayWithType((*cdata.CArrowArray)(unsafe.Pointer(out)), st.result)
	if err != nil {
		cdata.ReleaseCArrowArray((*cdata.CArrowArray)(unsafe.Pointer(out)))
		return nil, fmt.Errorf("python aggregate function %s: importing the results: %w", st.name, err)
	}
	return arr, nil
}

// Save implements engine.UserAccumulators: group g's accumulator,
// pickled.
func (st *AggState) Save(dst []byte, g uint32) []byte {
	err := Do(func(py *GIL) error {
		if err := st.drainLocked(py); err != nil {
			return err
		}
		b := C.sl_agg_save(st.s, C.int64_t(g))
		if b == nil {
			return &AggError{Function: st.name, Method: "pickling the accumulator", Row: -1, Cause: py.fetchError()}
		}
		defer C.Py_DecRef(b)
		var n C.Py_ssize_t
		p := C.sl_bytes_data(b, &n)
		if p == nil {
			return py.fetchError()
		}
		dst = append(dst, unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n))...)
		return nil
	})
	if err != nil {
		st.fail(err)
	}
	return dst
}

// Err implements engine.UserAccumulators.
func (st *AggState) Err() error { return st.err }

func (st *AggState) fail(err error) {
	if st.err == nil {
		st.err = err
	}
}

// Close implements engine.UserAccumulators.
func (st *AggState) Close() error {
	if st.closed {
		return nil
	}
	st.closed = true
	return st.free()
}

func (st *AggState) free() error {
	err := Do(func(py *GIL) error {
		if st.s != nil {
			C.sl_agg_free(st.s)
		}
		for _, t := range st.argType {
			C.sl_type_free(t)
		}
		if st.resType != nil {
			C.sl_type_free(st.resType)
		}
		return nil
	})
	if st.cArr != nil {
		st.releaseExports()
	}
	C.free(unsafe.Pointer(st.s))
	C.free(unsafe.Pointer(st.cname))
	C.free(unsafe.Pointer(st.cArr))
	C.free(unsafe.Pointer(st.cPtr))
	C.free(unsafe.Pointer(st.cTypes))
	st.s, st.cArr, st.cPtr, st.cTypes, st.argType, st.resType = nil, nil, nil, nil, nil, nil
	return err
}

// kernelError converts a kernel failure; ops is the replayed log (nil
// for Stream).
func (st *AggState) kernelError(py *GIL, cerr *C.sl_agg_error, ops []int64) error {
	cause := py.fetchError()
	e := &AggError{Function: st.name, Row: int64(cerr.row), Cause: cause}
	method := "accumulate"
	if ops != nil && cerr.op >= 0 && int(cerr.op)*4 < len(ops) && ops[cerr.op*4] == C.SL_AGG_RET {
		method = "retract"
	}
	switch cerr.kind {
	case C.SL_ERR_RESULT:
		e.Method, e.Row, e.Result = "get_value", -1, true
	case C.SL_ERR_LOAD:
		e.Method, e.Row = "restoring a saved accumulator", -1
	case C.SL_ERR_ARG:
		e.Method, e.Phase = method, PhaseArgument
	case C.SL_ERR_RAISED:
		e.Method = method
	default:
		if cerr.row >= 0 {
			e.Method = method + " (creating the accumulator)"
		} else {
			return fmt.Errorf("python aggregate function %s: %w", st.name, cause)
		}
	}
	if e.Row >= 0 && e.Phase != PhaseArgument && st.nexp > 0 {
		ptrs := unsafe.Slice(st.cPtr, st.nexp)
		types := unsafe.Slice(st.cTypes, st.nexp)
		for k := 0; k < st.nexp; k++ {
			o := C.sl_py_from_arrow(ptrs[k], types[k], C.int64_t(e.Row))
			if o == nil {
				C.PyErr_Clear()
				e.Args = append(e.Args, "<unconvertible>")
				continue
			}
			obj := wrap(o)
			e.Args = append(e.Args, py.Repr(obj))
			py.DecRef(obj)
		}
	}
	return e
}

// AggError is the failure of a Python aggregate function.
type AggError struct {
	Function string
	Method   string   // accumulate, retract, get_value ...
	Row      int64    // the row within its batch, -1 when no row is involved
	Args     []string // repr of that row's arguments
	Phase    Phase
	Result   bool // get_value returned what the result type cannot hold, or failed
	Cause    error
}

func (e *AggError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "python aggregate function %s failed in %s", e.Function, e.Method)
	if e.Row >= 0 {
		fmt.Fprintf(&b, " at row %d", e.Row)
		if e.Args != nil {
			fmt.Fprintf(&b, " with arguments (%s)", strings.Join(e.Args, ", "))
		}
	}
	fmt.Fprintf(&b, ": %v", e.Cause)
	return b.String()
}

func (e *AggError) Unwrap() error { return e.Cause }
