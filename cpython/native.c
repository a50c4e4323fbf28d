// The module `_sluice_native`: one function, call(op, *args), that hands
// its arguments to the Go handler the embedding program installed (the
// Python API's bridge). Python code thus reaches Go with one C call and no
// serialization.
#include "sluice_py.h"
#include "_cgo_export.h"

static PyObject* sl_native_call(PyObject* self, PyObject* args) {
  (void)self;
  return slNativeCall(args);
}

static PyMethodDef sl_native_methods[] = {
    {"call", sl_native_call, METH_VARARGS, "call(op, *args): run a Sluice operation"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef sl_native_def = {
    PyModuleDef_HEAD_INIT, "_sluice_native", "Sluice's bridge from Python to Go.", -1, sl_native_methods,
};

int sl_native_install(void) {
  PyObject* m = PyModule_Create(&sl_native_def);
  if (!m) return -1;
  PyObject* mods = PyImport_GetModuleDict();
  int rc = PyDict_SetItemString(mods, "_sluice_native", m);
  Py_DECREF(m);
  return rc;
}

void sl_raise(PyObject* type, const char* msg) { PyErr_SetString(type, msg); }

PyObject* sl_builtin_exception(const char* name) {
  PyObject* builtins = PyEval_GetBuiltins();  // borrowed
  PyObject* t = builtins ? PyDict_GetItemString(builtins, name) : NULL;  // borrowed
  if (t && PyExceptionClass_Check(t)) return t;
  return PyExc_RuntimeError;
}

void* sl_save_thread(void) { return (void*)PyEval_SaveThread(); }
void sl_restore_thread(void* ts) { PyEval_RestoreThread((PyThreadState*)ts); }
