package cpython

/*
#include <stdlib.h>
#include "sluice_py.h"

static PyObject* sl_none(void) { Py_INCREF(Py_None); return Py_None; }
static PyObject* sl_bool(int v) { return PyBool_FromLong(v); }
static void sl_incref(PyObject* o) { Py_INCREF(o); }
static void sl_decref(PyObject* o) { Py_DECREF(o); }
static Py_ssize_t sl_refcnt(PyObject* o) { return Py_REFCNT(o); }
static int sl_is_none(PyObject* o) { return o == Py_None; }
static const char* sl_type_name(PyObject* o) { return Py_TYPE(o)->tp_name; }
static void sl_tuple_set(PyObject* t, Py_ssize_t i, PyObject* v) { Py_INCREF(v); PyTuple_SET_ITEM(t, i, v); }

static PyObject* sl_load_module(const char* name, const char* file, const char* src) {
	PyObject* code = Py_CompileString(src, file, Py_file_input);
	if (!code) return NULL;
	PyObject* mod = PyImport_ExecCodeModuleEx(name, code, file);
	Py_DECREF(code);
	return mod;
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// Object is a strong reference to a Python object. Reference counts are
// exact: every Object a function returns must be given back with DecRef
// (inside a GIL scope) exactly once.
type Object struct{ p *C.PyObject }

// Ptr returns the object's address, for C code in other packages of Sluice.
func (o *Object) Ptr() unsafe.Pointer { return unsafe.Pointer(o.p) }

func wrap(p *C.PyObject) *Object { return &Object{p: p} }

// wrapResult turns a new reference, or NULL with an exception set, into an
// Object or a Go error.
func (py *GIL) wrapResult(p *C.PyObject) (*Object, error) {
	if p == nil {
		return nil, py.fetchError()
	}
	return wrap(p), nil
}

// DecRef gives the reference back. o must not be used afterwards.
func (py *GIL) DecRef(o *Object) {
	if o != nil && o.p != nil {
		C.sl_decref(o.p)
		o.p = nil
	}
}

// NewRef returns a second, independent reference to the same object.
func (py *GIL) NewRef(o *Object) *Object {
	C.sl_incref(o.p)
	return wrap(o.p)
}

// RefCount reports the object's reference count (for leak tests).
func (py *GIL) RefCount(o *Object) int { return int(C.sl_refcnt(o.p)) }

// TypeName is the object's type name, as tp_name spells it.
func (py *GIL) TypeName(o *Object) string { return C.GoString(C.sl_type_name(o.p)) }

// IsNone reports whether o is None.
func (py *GIL) IsNone(o *Object) bool { return C.sl_is_none(o.p) != 0 }

// Import imports a module by its dotted name.
func (py *GIL) Import(name string) (*Object, error) {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	return py.wrapResult(C.PyImport_ImportModule(cs))
}

// LoadModule compiles source and registers it in sys.modules as name.
func (py *GIL) LoadModule(name, filename, source string) (*Object, error) {
	cn, cf, cs := C.CString(name), C.CString(filename), C.CString(source)
	defer C.free(unsafe.Pointer(cn))
	defer C.free(unsafe.Pointer(cf))
	defer C.free(unsafe.Pointer(cs))
	return py.wrapResult(C.sl_load_module(cn, cf, cs))
}

// Exec runs source as a module body in a fresh namespace and returns the
// namespace dict: the way tests and the CLI define functions from text.
func (py *GIL) Exec(filename, source string) (*Object, error) {
	cf, cs := C.CString(filename), C.CString(source)
	defer C.free(unsafe.Pointer(cf))
	defer C.free(unsafe.Pointer(cs))
	code := C.Py_CompileString(cs, cf, C.Py_file_input)
	if code == nil {
		return nil, py.fetchError()
	}
	defer C.sl_decref(code)
	globals := C.PyDict_New()
	if globals == nil {
		return nil, py.fetchError()
	}
	builtins := C.PyEval_GetBuiltins() // borrowed
	bk := C.CString("__builtins__")
	defer C.free(unsafe.Pointer(bk))
	if C.PyDict_SetItemString(globals, bk, builtins) != 0 {
		C.sl_decref(globals)
		return nil, py.fetchError()
	}
	nk, nv := C.CString("__name__"), C.CString("__sluice_exec__")
	defer C.free(unsafe.Pointer(nk))
	defer C.free(unsafe.Pointer(nv))
	name := C.PyUnicode_FromString(nv)
	C.PyDict_SetItemString(globals, nk, name)
	C.sl_decref(name)
	res := C.PyEval_EvalCode(code, globals, globals)
	if res == nil {
		C.sl_decref(globals)
		return nil, py.fetchError()
	}
	C.sl_decref(res)
	return wrap(globals), nil
}

// GetAttr returns o.name.
func (py *GIL) GetAttr(o *Object, name string) (*Object, error) {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	return py.wrapResult(C.PyObject_GetAttrString(o.p, cs))
}

// GetItem returns o[key] for a str key (dicts, namespaces from Exec).
func (py *GIL) GetItem(o *Object, key string) (*Object, error) {
	k := py.Str(key)
	defer py.DecRef(k)
	return py.wrapResult(C.PyObject_GetItem(o.p, k.p))
}

// Call calls fn(*args).
func (py *GIL) Call(fn *Object, args ...*Object) (*Object, error) {
	t := C.PyTuple_New(C.Py_ssize_t(len(args)))
	if t == nil {
		return nil, py.fetchError()
	}
	for i, a := range args {
		C.sl_tuple_set(t, C.Py_ssize_t(i), a.p)
	}
	defer C.sl_decref(t)
	return py.wrapResult(C.PyObject_Call(fn.p, t, nil))
}

// Callable reports whether o can be called.
func (py *GIL) Callable(o *Object) bool { return C.PyCallable_Check(o.p) != 0 }

// None returns a new reference to None.
func (py *GIL) None() *Object { return wrap(C.sl_none()) }

// Bool returns True or False.
func (py *GIL) Bool(v bool) *Object {
	if v {
		return wrap(C.sl_bool(1))
	}
	return wrap(C.sl_bool(0))
}

// Int returns a Python int.
func (py *GIL) Int(v int64) *Object { return wrap(C.PyLong_FromLongLong(C.longlong(v))) }

// Float returns a Python float.
func (py *GIL) Float(v float64) *Object { return wrap(C.PyFloat_FromDouble(C.double(v))) }

// Str returns a Python str.
func (py *GIL) Str(s string) *Object {
	cs := C.CString(s)
	defer C.free(unsafe.Pointer(cs))
	return wrap(C.PyUnicode_FromStringAndSize(cs, C.Py_ssize_t(len(s))))
}

// Bytes returns a Python bytes object.
func (py *GIL) Bytes(b []byte) *Object {
	if len(b) == 0 {
		return wrap(C.PyBytes_FromStringAndSize(nil, 0))
	}
	return wrap(C.PyBytes_FromStringAndSize((*C.char)(unsafe.Pointer(&b[0])), C.Py_ssize_t(len(b))))
}

// List builds a list from the objects (each gains a reference).
func (py *GIL) List(items ...*Object) *Object {
	l := C.PyList_New(0)
	for _, it := range items {
		C.PyList_Append(l, it.p)
	}
	return wrap(l)
}

// Tuple builds a tuple from the objects (each gains a reference).
func (py *GIL) Tuple(items ...*Object) *Object {
	t := C.PyTuple_New(C.Py_ssize_t(len(items)))
	for i, it := range items {
		C.sl_tuple_set(t, C.Py_ssize_t(i), it.p)
	}
	return wrap(t)
}

// AsInt64 converts a Python int.
func (py *GIL) AsInt64(o *Object) (int64, error) {
	v := C.PyLong_AsLongLong(o.p)
	if v == -1 && C.PyErr_Occurred() != nil {
		return 0, py.fetchError()
	}
	return int64(v), nil
}

// AsFloat64 converts a Python float (or anything with __float__).
func (py *GIL) AsFloat64(o *Object) (float64, error) {
	v := C.PyFloat_AsDouble(o.p)
	if v == -1 && C.PyErr_Occurred() != nil {
		return 0, py.fetchError()
	}
	return float64(v), nil
}

// AsString converts a Python str.
func (py *GIL) AsString(o *Object) (string, error) {
	var n C.Py_ssize_t
	s := C.PyUnicode_AsUTF8AndSize(o.p, &n)
	if s == nil {
		return "", py.fetchError()
	}
	return C.GoStringN(s, C.int(n)), nil
}

// Repr returns repr(o), or a placeholder when repr itself raises.
func (py *GIL) Repr(o *Object) string {
	r := C.PyObject_Repr(o.p)
	if r == nil {
		C.PyErr_Clear()
		return fmt.Sprintf("<%s object (repr failed)>", py.TypeName(o))
	}
	defer C.sl_decref(r)
	s, err := py.AsString(wrap(r))
	if err != nil {
		return "<unprintable>"
	}
	return s
}
