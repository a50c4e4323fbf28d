package cpython

/*
#include "sluice_py.h"

static void sl_fetch(PyObject** t, PyObject** v, PyObject** tb) {
	PyErr_Fetch(t, v, tb);
	PyErr_NormalizeException(t, v, tb);
	if (*tb && *v) PyException_SetTraceback(*v, *tb);
}
static void sl_xdecref(PyObject* o) { Py_XDECREF(o); }
*/
import "C"

import (
	"fmt"
	"strings"
)

// Error is a Python exception brought into Go: its type, message and the
// formatted traceback, as Python would print it.
type Error struct {
	Type      string // qualified exception type, e.g. "ZeroDivisionError"
	Message   string // str(exception)
	Traceback string // traceback.format_exception output; may be empty
}

func (e *Error) Error() string {
	if e.Traceback != "" {
		return strings.TrimRight(e.Traceback, "\n")
	}
	if e.Message == "" {
		return e.Type
	}
	return e.Type + ": " + e.Message
}

// fetchError takes the pending Python exception (clearing it) and converts
// it. Without a pending exception it reports that, rather than inventing one.
func (py *GIL) fetchError() error {
	var t, v, tb *C.PyObject
	C.sl_fetch(&t, &v, &tb)
	if t == nil {
		return &Error{Type: "SystemError", Message: "a Python call failed without setting an exception"}
	}
	defer C.sl_xdecref(t)
	defer C.sl_xdecref(v)
	defer C.sl_xdecref(tb)
	e := &Error{Type: typeName(py, t)}
	if v != nil {
		e.Message = strOf(py, v)
	}
	// Formatted even without a traceback object: a SyntaxError shows its
	// file, line and caret that way.
	if v != nil && runtimeModule != nil {
		if f, err := py.GetAttr(runtimeModule, "format_exception"); err == nil {
			tbv := py.None()
			if tb != nil {
				py.DecRef(tbv)
				tbv = wrap(tb)
				C.Py_IncRef(tb)
			}
			s, err := py.Call(f, wrap(t), wrap(v), tbv)
			py.DecRef(tbv)
			if err == nil {
				e.Traceback, _ = py.AsString(s)
				py.DecRef(s)
			}
			py.DecRef(f)
		}
		C.PyErr_Clear()
	}
	return e
}

func typeName(py *GIL, t *C.PyObject) string {
	mod, _ := attrString(py, t, "__module__")
	name, _ := attrString(py, t, "__qualname__")
	if mod == "" || mod == "builtins" {
		return name
	}
	return mod + "." + name
}

func attrString(py *GIL, o *C.PyObject, attr string) (string, bool) {
	a, err := py.GetAttr(wrap(o), attr)
	if err != nil {
		C.PyErr_Clear()
		return "", false
	}
	defer py.DecRef(a)
	s, err := py.AsString(a)
	if err != nil {
		C.PyErr_Clear()
		return "", false
	}
	return s, true
}

func strOf(py *GIL, o *C.PyObject) string {
	s := C.PyObject_Str(o)
	if s == nil {
		C.PyErr_Clear()
		return fmt.Sprintf("<unprintable %s>", py.TypeName(wrap(o)))
	}
	defer C.sl_xdecref(s)
	str, err := py.AsString(wrap(s))
	if err != nil {
		C.PyErr_Clear()
		return "<unprintable>"
	}
	return str
}
