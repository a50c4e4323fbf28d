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

static PyObject* sl_native_stop_signal(PyObject* self, PyObject* unused) {
  (void)self;
  (void)unused;
  return PyLong_FromLong(sl_stop_signal_received());
}

static PyObject* sl_native_set_signal_handler(PyObject* self, PyObject* args) {
  (void)self;
  int sig;
  PyObject* handler;
  if (!PyArg_ParseTuple(args, "iO:set_signal_handler", &sig, &handler)) return NULL;
  return sl_set_py_handler(sig, handler);
}

static PyObject* sl_native_current_udf(PyObject* self, PyObject* unused) {
  (void)self;
  (void)unused;
  const char *udf, *job;
  if (!sl_current_udf(&udf, &job)) Py_RETURN_NONE;
  return Py_BuildValue("(ss)", udf ? udf : "", job ? job : "");
}

static PyMethodDef sl_native_methods[] = {
    {"call", sl_native_call, METH_VARARGS, "call(op, *args): run a Sluice operation"},
    {"stop_signal", sl_native_stop_signal, METH_NOARGS,
     "stop_signal(): the signal (SIGINT, SIGTERM) that asked the process to stop, 0 if none"},
    {"set_signal_handler", sl_native_set_signal_handler, METH_VARARGS,
     "set_signal_handler(sig, handler): signal.signal for Python's side only; the process's handler "
     "stays Go's, which forwards the signal"},
    {"current_udf", sl_native_current_udf, METH_NOARGS,
     "current_udf(): (udf names, job) of the batch this thread evaluates, or None"},
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
