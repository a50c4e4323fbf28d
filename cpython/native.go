package cpython

/*
#include <stdlib.h>
#include "sluice_py.h"

int sl_native_install(void);
void sl_raise(PyObject* type, const char* msg);
PyObject* sl_builtin_exception(const char* name);
void* sl_save_thread(void);
void sl_restore_thread(void* ts);
static PyObject* sl_tuple_item(PyObject* t, Py_ssize_t i) { return PyTuple_GET_ITEM(t, i); }
static Py_ssize_t sl_tuple_size(PyObject* t) { return PyTuple_GET_SIZE(t); }
static Py_ssize_t sl_seq_size(PyObject* s) { return PySequence_Fast_GET_SIZE(s); }
static PyObject* sl_seq_item(PyObject* s, Py_ssize_t i) { return PySequence_Fast_GET_ITEM(s, i); }
static void sl_incref_native(PyObject* o) { Py_INCREF(o); }
static void sl_decref_native(PyObject* o) { Py_DECREF(o); }
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"unsafe"
)

// NativeHandler serves `_sluice_native.call(*args)` from Python. The args
// are borrowed: the handler must not DecRef them (it may NewRef what it
// keeps). It returns a new reference (nil means None) or an error, which
// becomes a Python exception: a *Raise picks the class, a *Error (an
// exception that came from Python further down) is raised again with its
// traceback text, anything else is a RuntimeError.
type NativeHandler func(py *GIL, args []*Object) (*Object, error)

// Raise is an error that a NativeHandler returns to raise a chosen Python
// exception class: Class when set, else the builtin named Builtin
// ("ValueError", "NotImplementedError"), else RuntimeError.
type Raise struct {
	Class   *Object
	Builtin string
	Msg     string
}

func (r *Raise) Error() string { return r.Msg }

var (
	nativeMu      sync.RWMutex
	nativeHandler NativeHandler
)

// SetNativeHandler installs the module `_sluice_native` (once) and the
// handler its call function runs.
func SetNativeHandler(h NativeHandler) error {
	nativeMu.Lock()
	first := nativeHandler == nil
	nativeHandler = h
	nativeMu.Unlock()
	if !first {
		return nil
	}
	return Do(func(py *GIL) error {
		if C.sl_native_install() != 0 {
			return py.fetchError()
		}
		return nil
	})
}

//export slNativeCall
func slNativeCall(args *C.PyObject) *C.PyObject {
	nativeMu.RLock()
	h := nativeHandler
	nativeMu.RUnlock()
	py := &GIL{}
	if h == nil {
		raise(py, &Raise{Msg: "sluice: no native handler is installed"})
		return nil
	}
	n := int(C.sl_tuple_size(args))
	objs := make([]*Object, n)
	for i := range objs {
		objs[i] = wrap(C.sl_tuple_item(args, C.Py_ssize_t(i)))
	}
	res, err := callHandler(h, py, objs)
	if err != nil {
		raise(py, err)
		return nil
	}
	if res == nil {
		return py.None().p
	}
	return res.p
}

// callHandler runs the handler, turning a Go panic into a RuntimeError:
// a panic must not unwind through the C frames of the interpreter (the
// process would die); the Python caller gets an exception it can see.
func callHandler(h NativeHandler, py *GIL, objs []*Object) (res *Object, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, &Raise{Msg: fmt.Sprintf("sluice: internal error (Go panic): %v\n\n%s", r, debug.Stack())}
		}
	}()
	return h(py, objs)
}

func raise(py *GIL, err error) {
	var r *Raise
	var pe *Error
	var class *C.PyObject
	msg := err.Error()
	switch {
	case errors.As(err, &r) && r.Class != nil:
		class = r.Class.p
	case errors.As(err, &r):
		class = builtinException(r.Builtin)
	case errors.As(err, &pe):
		// The Python exception's own type (when it is a builtin); the
		// message carries its traceback, so the user sees where in their
		// function it happened.
		class = builtinException(pe.Type)
	default:
		class = builtinException("RuntimeError")
	}
	cmsg := C.CString(msg)
	C.sl_raise(class, cmsg)
	C.free(unsafe.Pointer(cmsg))
}

func builtinException(name string) *C.PyObject {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	return C.sl_builtin_exception(cname)
}

// Unlocked runs f with the GIL released, for a native handler that waits
// on work (a running job) whose Python functions need the GIL on other
// threads. f must not touch Python objects except inside its own Do.
func (py *GIL) Unlocked(f func()) {
	ts := C.sl_save_thread()
	defer C.sl_restore_thread(ts)
	f()
}

// AsBool is Python's truth value of o.
func (py *GIL) AsBool(o *Object) (bool, error) {
	r := C.PyObject_IsTrue(o.p)
	if r < 0 {
		return false, py.fetchError()
	}
	return r == 1, nil
}

// Items returns the elements of a sequence (list, tuple, any iterable) as
// new references; the caller DecRefs each.
func (py *GIL) Items(o *Object) ([]*Object, error) {
	cmsg := C.CString("expected a sequence")
	defer C.free(unsafe.Pointer(cmsg))
	seq := C.PySequence_Fast(o.p, cmsg)
	if seq == nil {
		return nil, py.fetchError()
	}
	defer C.sl_decref_native(seq)
	n := int(C.sl_seq_size(seq))
	out := make([]*Object, n)
	for i := range out {
		p := C.sl_seq_item(seq, C.Py_ssize_t(i))
		C.sl_incref_native(p)
		out[i] = wrap(p)
	}
	return out, nil
}

// TypeQualName is the module-qualified name of o's type
// ("sluice.table.expression.Expression"); it lets Go recognise API objects
// without importing their module.
func (py *GIL) TypeQualName(o *Object) string {
	t, err := py.GetAttr(o, "__class__")
	if err != nil {
		return ""
	}
	defer py.DecRef(t)
	mod, err := py.GetAttr(t, "__module__")
	if err != nil {
		return ""
	}
	defer py.DecRef(mod)
	name, err := py.GetAttr(t, "__qualname__")
	if err != nil {
		return ""
	}
	defer py.DecRef(name)
	m, _ := py.AsString(mod)
	n, _ := py.AsString(name)
	return m + "." + n
}
