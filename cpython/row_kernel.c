// The row UDF loop: one call from Go per batch; per row, box the arguments,
// vectorcall the function and append the result to an Arrow builder.
#include <stdlib.h>
#include <string.h>

#include "builder.h"

#define SL_MAX_STACK_ARGS 16

int sl_eval_rows(int64_t nrows, int ncols, struct ArrowArray** cols, sl_type** col_types, int nudf,
                 const sl_udf* udfs, struct ArrowArray* outs, sl_eval_error* err) {
  (void)ncols;
  memset(err, 0, sizeof *err);
  int done = 0;
  for (int u = 0; u < nudf; u++) {
    const sl_udf* f = &udfs[u];
    sl_cur_udf = f->name;  // per UDF and batch: what a crash report names
    sl_builder b;
    if (sl_builder_init(&b, f->out, nrows) < 0) {
      sl_builder_free(&b);
      err->kind = SL_ERR_OTHER;
      err->udf = u;
      goto fail;
    }
    // One slot in front of the arguments lets CPython prepend `self` for
    // bound methods without copying (PY_VECTORCALL_ARGUMENTS_OFFSET).
    PyObject* stack[SL_MAX_STACK_ARGS + 1];
    PyObject** slots = stack;
    if (f->nargs > SL_MAX_STACK_ARGS) {
      slots = malloc(sizeof(PyObject*) * (size_t)(f->nargs + 1));
      if (!slots) {
        PyErr_NoMemory();
        sl_builder_free(&b);
        err->kind = SL_ERR_OTHER;
        err->udf = u;
        goto fail;
      }
    }
    PyObject** args = slots + 1;
    const size_t nargsf = (size_t)f->nargs | PY_VECTORCALL_ARGUMENTS_OFFSET;
    int kind = SL_ERR_NONE;
    int64_t row = 0;
    for (; row < nrows; row++) {
      int k = 0;
      for (; k < f->nargs; k++) {
        int c = f->arg_cols[k];
        args[k] = sl_py_from_arrow(cols[c], col_types[c], row);
        if (!args[k]) break;
      }
      if (k < f->nargs) {
        for (int j = 0; j < k; j++) Py_DECREF(args[j]);
        kind = SL_ERR_ARG;
        break;
      }
      PyObject* res = PyObject_Vectorcall(f->fn, args, nargsf, NULL);
      for (int j = 0; j < f->nargs; j++) Py_DECREF(args[j]);
      if (!res) {
        kind = SL_ERR_RAISED;
        break;
      }
      int rc = sl_builder_append(&b, res);
      Py_DECREF(res);
      if (rc < 0) {
        kind = SL_ERR_RESULT;
        break;
      }
    }
    if (slots != stack) free(slots);
    if (kind == SL_ERR_NONE && sl_builder_finish(&b, &outs[u]) < 0) kind = SL_ERR_OTHER;
    sl_builder_free(&b);
    if (kind != SL_ERR_NONE) {
      err->kind = kind;
      err->udf = u;
      err->row = row;
      goto fail;
    }
    done++;
  }
  return 0;
fail:
  for (int u = 0; u < done; u++)
    if (outs[u].release) outs[u].release(&outs[u]);
  return -1;
}

int sl_call_floor(PyObject* fn, const struct ArrowArray* col, const sl_type* t) {
  PyObject* stack[2];
  PyObject** args = stack + 1;
  for (int64_t row = 0; row < col->length; row++) {
    args[0] = sl_py_from_arrow(col, t, row);
    if (!args[0]) return -1;
    PyObject* res = PyObject_Vectorcall(fn, args, 1 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
    Py_DECREF(args[0]);
    if (!res) return -1;
    Py_DECREF(res);
  }
  return 0;
}
