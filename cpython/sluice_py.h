// C side of the cpython package: interpreter start, GIL scopes and the
// batch kernels that run a Python callable over Arrow columns. Everything
// here is called from Go once per batch, never once per row.
#ifndef SLUICE_PY_H
#define SLUICE_PY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#include "arrow_abi.h"

// ---- interpreter and GIL -------------------------------------------------

// sl_init starts the interpreter. venv_python, when not empty, is the path of
// a virtual environment's python executable: CPython's path computation reads
// the pyvenv.cfg beside it, so sys.prefix and site-packages are the venv's.
// Returns 0 on success, or -1 with a message in *err (malloc'd).
int sl_init(const char* venv_python, char** err);
int sl_is_initialized(void);

// sl_gil_acquire/sl_gil_release bracket a GIL scope on the current OS thread.
// The first scope on a thread leaves a persistent thread state behind, so
// later scopes only take and drop the GIL.
int sl_gil_acquire(void);
void sl_gil_release(int state);

// ---- signals, cancellation, crash reports (signals.c) --------------------

// What the Python work of one batch is, for a crash report or os._exit:
// the UDF names and the job. Owned by the evaluator; set per batch.
typedef struct {
  const char* udfs;
  const char* job;
} sl_label;

// The batch this thread evaluates (NULL outside one) and, when the kernel
// knows it, the UDF it is calling now. Written once per batch (per UDF in
// sl_eval_rows), read by the crash handler.
extern __thread const sl_label* sl_cur_label;
extern __thread const char* sl_cur_udf;

void sl_signals_init(void);
void sl_install_abort_handler(void);
void sl_set_cancel_type(PyObject* t);
void sl_interrupt(int sig);
int sl_stop_signal_received(void);
PyObject* sl_set_py_handler(int sig, PyObject* handler);
unsigned long sl_batch_begin(const sl_label* label);
void sl_batch_end(int interrupted);
int sl_batch_interrupt(unsigned long thread_id);
int sl_current_udf(const char** udf, const char** job);

// ---- Arrow types as the kernels see them ---------------------------------

typedef enum {
  SL_NULL,
  SL_BOOL,
  SL_INT8,
  SL_INT16,
  SL_INT32,
  SL_INT64,
  SL_FLOAT32,
  SL_FLOAT64,
  SL_DECIMAL128,
  SL_UTF8,
  SL_LARGE_UTF8,
  SL_BINARY,
  SL_LARGE_BINARY,
  SL_DATE32,
  SL_TIME32,
  SL_TIME64,
  SL_TIMESTAMP,
  SL_LIST,
  SL_LARGE_LIST,
  SL_MAP,
  SL_STRUCT,
} sl_kind;

// Time units, as in the format strings: s, m(illi), u(micro), n(ano).
typedef enum { SL_SEC, SL_MILLI, SL_MICRO, SL_NANO } sl_unit;

typedef struct sl_type {
  sl_kind kind;
  sl_unit unit;
  int has_tz;  // TIMESTAMP with a zone: values are UTC instants
  int precision, scale;
  int nullable;
  int64_t n_children;
  struct sl_type** children;
  PyObject* names;  // STRUCT: tuple of field names (new reference)
} sl_type;

// sl_type_from_schema parses an exported schema into a type tree. Returns
// NULL with a Python exception set when the type is not supported.
sl_type* sl_type_from_schema(const struct ArrowSchema* schema);
void sl_type_free(sl_type* t);
// sl_type_sql writes the SQL name of the type ("BIGINT", "ARRAY<INT>").
void sl_type_sql(const sl_type* t, char* buf, size_t cap);

// sl_py_from_arrow returns element idx (logical, before the array's own
// offset) as a new reference, Py_None for NULL. NULL with an exception set
// when the value cannot be represented in Python.
PyObject* sl_py_from_arrow(const struct ArrowArray* a, const sl_type* t, int64_t idx);

// ---- row UDF batch evaluation --------------------------------------------

typedef struct {
  PyObject* fn;          // borrowed: the evaluator holds the reference
  const char* name;      // for crash reports; owned by the evaluator
  int nargs;
  const int* arg_cols;   // indexes into the input columns
  const sl_type* out;    // result type
} sl_udf;

// Error kinds reported by sl_eval_rows.
enum { SL_ERR_NONE = 0, SL_ERR_RAISED = 1, SL_ERR_RESULT = 2, SL_ERR_ARG = 3, SL_ERR_OTHER = 4 };

typedef struct {
  int kind;
  int udf;
  int64_t row;
} sl_eval_error;

// sl_eval_rows evaluates every UDF over every row of the input columns and
// writes one result array per UDF into outs (released by the consumer). On
// failure nothing is written to outs, a Python exception is set and *err
// says which UDF and row.
int sl_eval_rows(int64_t nrows, int ncols, struct ArrowArray** cols, sl_type** col_types,
                 int nudf, const sl_udf* udfs, struct ArrowArray* outs, sl_eval_error* err);

// sl_call_floor is the benchmark baseline: it boxes each value of col the
// same way sl_eval_rows does, calls fn and drops the result. No result
// conversion, no output buffers, no NULL handling beyond boxing.
int sl_call_floor(PyObject* fn, const struct ArrowArray* col, const sl_type* t);

// ---- calls with arguments built in C -------------------------------------

// Argument kinds of sl_call_args.
enum { SL_ARG_NONE = 0, SL_ARG_INT = 1, SL_ARG_OBJECT = 2, SL_ARG_VIEW = 3, SL_ARG_VIEW_RW = 4 };

// One argument of sl_call_args. addr is an integer so that Go can describe
// memory it owns without handing C a Go pointer to keep.
typedef struct {
  int kind;
  PyObject* obj;   // OBJECT: the argument (borrowed); VIEW*: on return, the
                   // view when Python still refers to it (a new reference)
  uintptr_t addr;  // VIEW*: the memory
  int64_t n;       // INT: the value; VIEW*: the length in bytes
  uintptr_t count; // VIEW_RW: where View.fill also stores its NULL count, or 0
} sl_arg;

// sl_call_args calls fn(*args) with one vectorcall. A VIEW argument is a
// fresh sluice.View over [addr, addr+n); after the call, each view nothing
// else refers to is dropped, and each other one is left in args[i].obj for
// the caller, whose memory must then stay valid until sl_view_in_use says
// otherwise. Returns a new reference, or NULL with an exception set.
PyObject* sl_call_args(PyObject* fn, sl_arg* args, int nargs);

// sl_view_new returns a sluice.View over n bytes at p, or NULL with an
// exception set. count, when not NULL, is where fill() also stores the
// number of NULLs it wrote.
PyObject* sl_view_new(void* p, Py_ssize_t n, int writable, int64_t* count);

// sl_view_in_use reports whether anything besides one reference (the
// caller's) refers to the view or to a buffer exported from it.
int sl_view_in_use(PyObject* view);

// sl_view_init readies the View type; called once at start.
int sl_view_init(void);

// sl_runtime_set installs helper callables from the embedded runtime module.
void sl_runtime_set(PyObject* make_row, PyObject* decimal_type, PyObject* decimal_unscaled);

#endif  // SLUICE_PY_H
