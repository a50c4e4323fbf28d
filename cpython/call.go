package cpython

/*
#include "sluice_py.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// Arg is one argument of CallArgs. Arguments are described in Go and built
// in C by the crossing that makes the call, so that a call with a dozen
// arguments costs one cgo crossing rather than one per object.
type Arg struct {
	c C.sl_arg
	// pin holds the Go memory of a view (and where a FillViewArg
	// reports), which C sees as integers: cgo's pointer rules let C keep a
	// Go pointer past the call only while it is pinned, and Python may
	// keep a view (see Kept). Nil for arguments that are no views.
	pin *runtime.Pinner
	// kept is set when Kept handed the view over: its pin is the
	// caller's to end (Unpin), not ReleaseArgs'.
	kept bool
}

// IntArg is a Python int.
func IntArg(v int64) Arg { return Arg{c: C.sl_arg{kind: C.SL_ARG_INT, n: C.int64_t(v)}} }

// ObjectArg passes o itself; the caller keeps its reference.
func ObjectArg(o *Object) Arg { return Arg{c: C.sl_arg{kind: C.SL_ARG_OBJECT, obj: o.p}} }

// NoneArg is None.
func NoneArg() Arg { return Arg{c: C.sl_arg{kind: C.SL_ARG_NONE}} }

// ViewArg is a sluice.View over the n bytes at p: memory that Python reads
// (np.frombuffer, memoryview) without a copy, and writes only when writable.
//
// p may point into Go memory (an Arrow buffer) or C memory. Go memory is
// pinned (runtime.Pinner; a no-op for C memory) from here until CallArgs
// returns — or, for a view Python kept (Kept), until the caller's Unpin
// once Python has let go of it.
func ViewArg(p unsafe.Pointer, n int, writable bool) Arg {
	kind := C.int(C.SL_ARG_VIEW)
	if writable {
		kind = C.SL_ARG_VIEW_RW
	}
	pin := new(runtime.Pinner)
	pin.Pin(p)
	return Arg{c: C.sl_arg{kind: kind, addr: C.uintptr_t(uintptr(p)), n: C.int64_t(n)}, pin: pin}
}

// FillViewArg is a writable ViewArg whose fill() method also stores the
// number of NULLs it wrote at *nulls: the caller learns how a result was
// written without one more Python object. *nulls must stay valid while the
// view may be used (it is, for a view that Kept does not report).
func FillViewArg(p unsafe.Pointer, n int, nulls *int64) Arg {
	a := ViewArg(p, n, true)
	a.pin.Pin(nulls)
	a.c.count = C.uintptr_t(uintptr(unsafe.Pointer(nulls)))
	return a
}

// Unpin ends the pinning of a view's memory that Python kept (Kept): call
// it once ViewInUse reports the view unused, before that memory is
// released. Views Python did not keep are unpinned by CallArgs.
func (a *Arg) Unpin() {
	if a.pin != nil {
		a.pin.Unpin()
	}
}

// Kept reports, after CallArgs, the view of a ViewArg that Python still
// refers to — a function kept its argument, or a traceback holds a frame
// that does — and hands over that reference: a second call returns nil. Nil
// when Python dropped the view. The view's memory must stay valid until
// ViewInUse reports it unused, and then Unpin.
func (a *Arg) Kept() *Object {
	if (a.c.kind != C.SL_ARG_VIEW && a.c.kind != C.SL_ARG_VIEW_RW) || a.c.obj == nil {
		return nil
	}
	o := wrap(a.c.obj)
	a.c.obj = nil
	a.kept = true
	return o
}

// ReleaseArgs unpins the views of args that Kept did not hand over. Defer
// it where the arguments are built: a path that never reaches CallArgs
// (an error while preparing the call) must not leave Go memory pinned.
func ReleaseArgs(args []Arg) {
	for i := range args {
		if !args[i].kept {
			args[i].Unpin()
		}
	}
}

// CallArgs calls fn(*args) in one crossing. Views nothing refers to after
// the call are dropped before it returns; see Kept for the others.
func (py *GIL) CallArgs(fn *Object, args []Arg) (*Object, error) {
	// C gets the descriptions alone: args also holds Go pointers, which
	// the cgo rules forbid in memory passed to C.
	cargs := make([]C.sl_arg, max(len(args), 1))
	for i := range args {
		cargs[i] = args[i].c
	}
	res := C.sl_call_args(fn.p, &cargs[0], C.int(len(args)))
	for i := range args {
		args[i].c.obj = cargs[i].obj // the views Python kept
		if args[i].c.obj == nil {
			args[i].Unpin()
		}
	}
	return py.wrapResult(res)
}

// ViewInUse reports whether anything besides the caller's own reference
// still refers to a view that Kept returned: a Python object, or a buffer
// exported from it.
func (py *GIL) ViewInUse(view *Object) bool { return C.sl_view_in_use(view.p) != 0 }
