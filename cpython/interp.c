#include <stdlib.h>
#include <string.h>

#include "sluice_py.h"

// Set on every OS thread that owns a persistent Python thread state.
static __thread int sl_thread_ready = 0;

static char* sl_strdup_status(const char* what, PyStatus st) {
  const char* msg = st.err_msg ? st.err_msg : "unknown error";
  const char* fn = st.func ? st.func : "";
  size_t n = strlen(what) + strlen(msg) + strlen(fn) + 16;
  char* out = malloc(n);
  if (out) snprintf(out, n, "%s: %s%s%s", what, fn, *fn ? ": " : "", msg);
  return out;
}

int sl_init(const char* venv_python, char** err) {
  *err = NULL;
  if (Py_IsInitialized()) return 0;

  PyConfig config;
  PyConfig_InitPythonConfig(&config);
  // Go owns the process's signals: Python must not install SIGINT & co.
  // This is what Py_InitializeEx(0) does; PyConfig is used to also set the
  // program name, which is how CPython finds a virtual environment.
  config.install_signal_handlers = 0;
  // Nor faulthandler (PYTHONFAULTHANDLER, -X faulthandler): its handlers
  // would replace Go's for SIGSEGV & co., and Go's recoverable faults (a
  // nil dereference that a task turns into an error) would kill the
  // process. Faults in C code reach sl_fatal (signals.c) instead.
  config.faulthandler = 0;
  config.parse_argv = 0;
  PyStatus st;
  if (venv_python && *venv_python) {
    st = PyConfig_SetBytesString(&config, &config.program_name, venv_python);
    if (PyStatus_Exception(st)) {
      *err = sl_strdup_status("set program name", st);
      PyConfig_Clear(&config);
      return -1;
    }
  }
  st = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(st)) {
    *err = sl_strdup_status("start Python", st);
    return -1;
  }
  // This thread now holds the GIL through the main thread state, which stays
  // bound to it: mark it ready and let other threads in.
  sl_thread_ready = 1;
  sl_signals_init();
  sl_install_abort_handler();
  PyEval_SaveThread();
  return 0;
}

int sl_is_initialized(void) { return Py_IsInitialized(); }

int sl_gil_acquire(void) {
  if (!sl_thread_ready) {
    // Create this OS thread's thread state and keep it: the first Ensure is
    // never matched by a Release, so the state outlives the scope and later
    // scopes cost a lock hand-off instead of an allocation. Go keeps its OS
    // threads for the life of the process, so their number stays small.
    PyGILState_Ensure();
    PyEval_SaveThread();
    sl_thread_ready = 1;
  }
  return (int)PyGILState_Ensure();
}

void sl_gil_release(int state) { PyGILState_Release((PyGILState_STATE)state); }
