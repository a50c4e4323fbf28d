// Signals, cancellation and crash reports of the embedded interpreter.
//
// Go owns the process's signal handlers (the interpreter starts with
// install_signal_handlers = 0). What Python would have done itself is done
// here on Go's behalf:
//   - a stop signal (SIGINT, SIGTERM) reaches Python through
//     PyErr_SetInterruptEx, plus a SIGURG at the Python main thread so that
//     a blocking call there (time.sleep, select, a lock) returns EINTR and
//     runs the Python handler at once;
//   - a cancelled batch gets an asynchronous exception in the thread that
//     evaluates it (PyThreadState_SetAsyncExc);
//   - a fatal signal in C code (a UDF's ctypes, an extension) prints the
//     Python traceback of the crashing thread and names the UDF and job.
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "sluice_py.h"

// CPython's own async-signal-safe traceback writer, the one faulthandler
// uses. Declared in an internal header; exported by libpython.
void _Py_DumpTraceback(int fd, PyThreadState* tstate);

// The thread that started Python: the only one that runs Python's signal
// handlers, and the one a stop signal must wake.
static pthread_t sl_main_thread;
static volatile sig_atomic_t sl_main_known = 0;
// The process the thread-local labels belong to: a child forked from a UDF
// thread inherits that thread's labels, which are not its own.
static pid_t sl_labels_pid = 0;
// The first stop signal Interrupt was given, 0 before.
static volatile sig_atomic_t sl_stop_signal = 0;
// Signals whose Python-level handler sl_set_py_handler installed: only
// those may be simulated (CPython reports a simulated signal without a
// Python handler as an ignored "race condition").
static volatile sig_atomic_t sl_py_handler_set[65];
// What the asynchronous exception of a cancelled batch is.
static PyObject* sl_cancel_type = NULL;

__thread const sl_label* sl_cur_label = NULL;
__thread const char* sl_cur_udf = NULL;

// ---- stop signals --------------------------------------------------------

void sl_signals_init(void) {
  sl_main_thread = pthread_self();
  sl_main_known = 1;
  sl_labels_pid = getpid();
}

void sl_set_cancel_type(PyObject* t) {
  Py_XINCREF(t);
  sl_cancel_type = t;
}

void sl_interrupt(int sig) {
  if (sl_stop_signal == 0) sl_stop_signal = sig;
  if (sig > 0 && sig < 65 && sl_py_handler_set[sig]) PyErr_SetInterruptEx(sig);
  // Go's handler has SA_RESTART, and whichever thread took the signal, it
  // was not necessarily this one. SIGURG is Go's own preemption signal,
  // which its runtime tolerates at any time; a sleep, select or lock wait
  // interrupted by it checks Python's signals before waiting again.
  if (sl_main_known) pthread_kill(sl_main_thread, SIGURG);
}

int sl_stop_signal_received(void) { return sl_stop_signal; }

// sl_set_py_handler is signal.signal(sig, handler) without its effect on
// the process: Python records the handler, the OS-level handler stays
// Go's, which forwards the signal through sl_interrupt. Must run on the
// main thread, as signal.signal.
PyObject* sl_set_py_handler(int sig, PyObject* handler) {
  if (sig <= 0 || sig >= 65) {
    PyErr_SetString(PyExc_ValueError, "signal number out of range");
    return NULL;
  }
  struct sigaction old;
  if (sigaction(sig, NULL, &old) != 0) return PyErr_SetFromErrno(PyExc_OSError);
  PyObject* mod = PyImport_ImportModule("signal");
  if (!mod) return NULL;
  PyObject* prev = PyObject_CallMethod(mod, "signal", "iO", sig, handler);
  Py_DECREF(mod);
  sigaction(sig, &old, NULL);
  if (prev) sl_py_handler_set[sig] = 1;
  return prev;
}

// ---- cancelled batches ---------------------------------------------------

unsigned long sl_batch_begin(const sl_label* label) {
  sl_cur_label = label;
  sl_cur_udf = NULL;
  return PyThread_get_thread_ident();
}

void sl_batch_end(int interrupted) {
  sl_cur_label = NULL;
  sl_cur_udf = NULL;
  // An exception set after the batch's last bytecode must not surface in
  // whatever this thread runs next.
  if (interrupted) PyThreadState_SetAsyncExc(PyThread_get_thread_ident(), NULL);
}

int sl_batch_interrupt(unsigned long thread_id) {
  return PyThreadState_SetAsyncExc(thread_id, sl_cancel_type ? sl_cancel_type : PyExc_KeyboardInterrupt);
}

int sl_current_udf(const char** udf, const char** job) {
  const sl_label* l = sl_cur_label;
  if (!l || getpid() != sl_labels_pid) return 0;
  *udf = sl_cur_udf ? sl_cur_udf : l->udfs;
  *job = l->job;
  return 1;
}

// ---- fatal signals -------------------------------------------------------

static void sl_put(const char* s) {
  size_t n = strlen(s);
  while (n > 0) {
    ssize_t w = write(2, s, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    s += w;
    n -= (size_t)w;
  }
}

static const char* sl_signal_name(int sig, const char** what) {
  switch (sig) {
    case SIGSEGV: *what = "Segmentation fault"; return "SIGSEGV";
    case SIGBUS: *what = "Bus error"; return "SIGBUS";
    case SIGFPE: *what = "Floating-point exception"; return "SIGFPE";
    case SIGILL: *what = "Illegal instruction"; return "SIGILL";
    case SIGABRT: *what = "Aborted"; return "SIGABRT";
  }
  *what = "Fatal signal";
  return "a fatal signal";
}

// Go's handler of SIGABRT, kept to produce Go's crash report when a fatal
// signal does not come from Python.
static struct sigaction sl_go_sigabrt;
static volatile sig_atomic_t sl_go_sigabrt_saved = 0;

static void sl_die(int sig) {
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigaction(sig, &dfl, NULL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  pthread_sigmask(SIG_UNBLOCK, &set, NULL);
  raise(sig);
  _exit(128 + sig);
}

// sl_in_python tells whether the thread is running Python code: it has a
// thread state and a Python frame on it. A thread that once ran Python
// keeps its thread state between GIL scopes; a fault there in other C code
// (a Go dependency's) is not Python's. Reads two pointers: async-signal-safe.
static int sl_in_python(PyThreadState* ts) {
  if (!ts) return 0;
#if PY_VERSION_HEX >= 0x030D0000
  return ts->current_frame != NULL;
#elif PY_VERSION_HEX >= 0x030B0000
  return ts->cframe != NULL && ts->cframe->current_frame != NULL;
#else
  return 1;
#endif
}

static void sl_fatal(int sig, siginfo_t* info, void* uctx) {
  static volatile sig_atomic_t reporting = 0;
  if (reporting) sl_die(sig);  // a fault while reporting one
  reporting = 1;
  const char* what;
  const char* name = sl_signal_name(sig, &what);
  PyThreadState* ts = Py_IsInitialized() ? PyGILState_GetThisThreadState() : NULL;
  if (!sl_in_python(ts)) {
    // Not in Python: say so, then let Go report it with the stacks of its
    // goroutines (through its SIGABRT crash report), which is what finds
    // a crash in a Go dependency's C code.
    sl_put("sluice: ");
    sl_put(name);
    sl_put(" (");
    sl_put(what);
    sl_put(") in native code outside Python\n");
    if (sl_go_sigabrt_saved) {
      sigaction(SIGABRT, &sl_go_sigabrt, NULL);
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, SIGABRT);
      pthread_sigmask(SIG_UNBLOCK, &set, NULL);
      raise(SIGABRT);
    }
    sl_die(sig);
  }
  sl_put("Fatal Python error: ");
  sl_put(what);
  sl_put("\n\n");
  _Py_DumpTraceback(2, ts);
  const char *udf, *job;
  sl_put("sluice: ");
  sl_put(name);
  sl_put(" (");
  sl_put(what);
  if (sl_current_udf(&udf, &job)) {
    sl_put(") in python UDF ");
    sl_put(udf);
    if (job && *job) {
      sl_put(" of job ");
      sl_put(job);
    }
    sl_put("\n");
  } else if (sl_main_known && pthread_equal(pthread_self(), sl_main_thread)) {
    sl_put(") in Python code of the main thread (the job script)\n");
  } else {
    sl_put(") in a Python thread outside any UDF batch\n");
  }
  (void)info;
  (void)uctx;
  sl_die(sig);
}

// Installed before the Go runtime starts (a constructor runs before Go's
// initsig): Go then keeps this handler as the one to forward to, and
// forwards a synchronous fault only when it happens outside Go code — in
// cgo calls and on threads Go did not start. A nil dereference in Go code
// stays a Go panic, which a task recovers from. (faulthandler.enable()
// would replace Go's handler instead, and report Go's recoverable faults
// as fatal Python errors.)
__attribute__((constructor)) static void sl_install_fault_handlers(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = sl_fatal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigfillset(&sa.sa_mask);
  int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
    struct sigaction old;
    // Leave alone a handler someone installed before us (a sanitizer).
    if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL) sigaction(sigs[i], &sa, NULL);
  }
}

// Go never forwards SIGABRT (it is not a synchronous fault for Go): abort()
// in a UDF (os.abort, a failed assert in an extension) would print Go's
// report of every goroutine. This handler replaces Go's for SIGABRT once
// Python runs, and hands a SIGABRT that does not come from a Python thread
// back to Go's.
void sl_install_abort_handler(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = sl_fatal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigfillset(&sa.sa_mask);
  if (sigaction(SIGABRT, &sa, &sl_go_sigabrt) == 0) sl_go_sigabrt_saved = 1;
}
