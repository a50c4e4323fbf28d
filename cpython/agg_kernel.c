// The aggregate function loop: the engine's calls on a Python
// AggregateFunction's accumulators (accumulate and retract rows, read a
// group's value, reset and restore groups) are logged in Go and replayed
// here in one crossing, in order: one GIL scope per batch, not per row.
#include <stdlib.h>
#include <string.h>

#include "agg.h"

// sl_agg_acc returns group g's accumulator (borrowed), creating it on first
// use: groups start as the "not created" sentinel so that growing costs no
// Python call and create_accumulator may return any object, None included.
static PyObject* sl_agg_acc(sl_agg* s, int64_t g) {
  Py_ssize_t n = PyList_GET_SIZE(s->accs);
  while (n <= g) {
    if (PyList_Append(s->accs, s->unset) < 0) return NULL;
    n++;
  }
  PyObject* acc = PyList_GET_ITEM(s->accs, g);
  if (acc != s->unset) return acc;
  acc = PyObject_CallNoArgs(s->create);
  if (!acc) return NULL;
  PyList_SET_ITEM(s->accs, g, acc);  // steals acc; the sentinel's reference
  Py_DECREF(s->unset);               // held by the list slot goes
  return acc;
}

static int sl_agg_set(sl_agg* s, int64_t g, PyObject* acc) {
  // acc: a new reference, stolen.
  Py_ssize_t n = PyList_GET_SIZE(s->accs);
  while (n <= g) {
    if (PyList_Append(s->accs, s->unset) < 0) {
      Py_DECREF(acc);
      return -1;
    }
    n++;
  }
  return PyList_SetItem(s->accs, g, acc);  // drops the old item
}

// sl_agg_row applies one row: accumulate (sign > 0) or retract.
// sl_agg_counts returns group g's distinct counts (borrowed), a dict
// created on first use.
static PyObject* sl_agg_counts(sl_agg* s, int64_t g) {
  Py_ssize_t n = PyList_GET_SIZE(s->counts);
  while (n <= g) {
    if (PyList_Append(s->counts, Py_None) < 0) return NULL;
    n++;
  }
  PyObject* c = PyList_GET_ITEM(s->counts, g);
  if (c != Py_None) return c;
  c = PyDict_New();
  if (!c) return NULL;
  PyList_SET_ITEM(s->counts, g, c);
  Py_DECREF(Py_None);
  return c;
}

// sl_agg_distinct counts the argument tuple vals of group g up (sign > 0)
// or down and says whether the function is called: 1 when the tuple
// appears (accumulate) or disappears (retract), 0 otherwise, -1 on error.
static int sl_agg_distinct(sl_agg* s, int64_t g, PyObject** vals, int n, int sign) {
  PyObject* counts = sl_agg_counts(s, g);
  if (!counts) return -1;
  PyObject* key;
  if (n == 1) {
    key = vals[0];
    Py_INCREF(key);
  } else {
    key = PyTuple_New(n);
    if (!key) return -1;
    for (int j = 0; j < n; j++) {
      Py_INCREF(vals[j]);
      PyTuple_SET_ITEM(key, j, vals[j]);
    }
  }
  PyObject* cur = PyDict_GetItemWithError(counts, key);  // borrowed
  if (!cur && PyErr_Occurred()) {
    Py_DECREF(key);
    return -1;
  }
  long long c = cur ? PyLong_AsLongLong(cur) : 0;
  int call = 0, rc = 0;
  if (sign > 0) {
    call = c == 0;
    PyObject* v = PyLong_FromLongLong(c + 1);
    rc = v ? PyDict_SetItem(counts, key, v) : -1;
    Py_XDECREF(v);
  } else if (c == 1) {
    call = 1;
    rc = PyDict_DelItem(counts, key);
  } else if (c > 1) {
    PyObject* v = PyLong_FromLongLong(c - 1);
    rc = v ? PyDict_SetItem(counts, key, v) : -1;
    Py_XDECREF(v);
  }  // a retraction of a tuple never counted changes nothing
  Py_DECREF(key);
  return rc < 0 ? -1 : call;
}

static int sl_agg_row(sl_agg* s, int64_t row, int64_t g, int sign, const sl_agg_args* a, sl_agg_error* err) {
  PyObject* fn = sign > 0 ? s->accumulate : s->retract;
  if (!fn) {
    PyErr_Format(PyExc_RuntimeError,
                 "aggregate function %s received a retraction but does not implement retract()", s->name);
    err->kind = SL_ERR_RAISED;
    err->row = row;
    return -1;
  }
  PyObject* acc = sl_agg_acc(s, g);
  if (!acc) {
    err->kind = SL_ERR_OTHER;
    err->row = row;
    return -1;
  }
  PyObject* stack[SL_AGG_MAX_ARGS + 2];
  PyObject** args = stack + 1;
  args[0] = acc;
  int k = 0;
  for (; k < a->nargs; k++) {
    args[k + 1] = sl_py_from_arrow(a->cols[k], a->types[k], row);
    if (!args[k + 1]) break;
  }
  if (k < a->nargs) {
    for (int j = 0; j < k; j++) Py_DECREF(args[j + 1]);
    err->kind = SL_ERR_ARG;
    err->row = row;
    return -1;
  }
  if (s->distinct) {
    // DISTINCT: the function sees each distinct argument tuple of the
    // group once; a count per tuple decides when it comes and goes.
    int call = sl_agg_distinct(s, g, args + 1, a->nargs, sign);
    if (call <= 0) {
      for (int j = 0; j < a->nargs; j++) Py_DECREF(args[j + 1]);
      if (call < 0) {
        err->kind = SL_ERR_OTHER;
        err->row = row;
        return -1;
      }
      return 0;
    }
  }
  PyObject* res = PyObject_Vectorcall(fn, args, (size_t)(a->nargs + 1) | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
  for (int j = 0; j < a->nargs; j++) Py_DECREF(args[j + 1]);
  if (!res) {
    err->kind = SL_ERR_RAISED;
    err->row = row;
    return -1;
  }
  Py_DECREF(res);
  return 0;
}

// sl_agg_value appends group g's value to the results.
static int sl_agg_value(sl_agg* s, int64_t g, sl_agg_error* err) {
  PyObject* acc = sl_agg_acc(s, g);
  if (!acc) {
    err->kind = SL_ERR_OTHER;
    return -1;
  }
  PyObject* v = PyObject_CallOneArg(s->get_value, acc);
  if (!v) {
    err->kind = SL_ERR_RESULT;
    err->group = g;
    return -1;
  }
  int rc = PyList_Append(s->results, v);
  Py_DECREF(v);
  if (rc < 0) err->kind = SL_ERR_OTHER;
  return rc;
}

static int sl_agg_reset(sl_agg* s, int64_t g) {
  Py_INCREF(s->unset);
  if (sl_agg_set(s, g, s->unset) < 0) return -1;
  if (s->distinct && g < PyList_GET_SIZE(s->counts)) {
    Py_INCREF(Py_None);
    return PyList_SetItem(s->counts, g, Py_None);
  }
  return 0;
}

int sl_agg_run(sl_agg* s, const int64_t* ops, int64_t nops, const sl_agg_args* a, const char* blob,
               sl_agg_error* err) {
  memset(err, 0, sizeof *err);
  err->row = -1;
  err->group = -1;
  if (a->nargs > SL_AGG_MAX_ARGS) {
    PyErr_Format(PyExc_ValueError, "aggregate function %s takes %d arguments; at most %d are supported", s->name,
                 a->nargs, SL_AGG_MAX_ARGS);
    err->kind = SL_ERR_OTHER;
    return -1;
  }
  for (int64_t i = 0; i < nops; i++) {
    const int64_t* op = ops + 4 * i;
    err->op = i;
    switch (op[0]) {
      case SL_AGG_ACC:
      case SL_AGG_RET:
        if (sl_agg_row(s, op[1], op[2], op[0] == SL_AGG_ACC ? 1 : -1, a, err) < 0) {
          err->group = op[2];
          return -1;
        }
        break;
      case SL_AGG_RESULT:
        if (sl_agg_value(s, op[2], err) < 0) return -1;
        break;
      case SL_AGG_RESET:
        if (sl_agg_reset(s, op[2]) < 0) {
          err->kind = SL_ERR_OTHER;
          return -1;
        }
        break;
      case SL_AGG_LOAD: {
        PyObject* b = PyBytes_FromStringAndSize(blob + op[1], (Py_ssize_t)op[3]);
        if (!b) {
          err->kind = SL_ERR_OTHER;
          return -1;
        }
        PyObject* acc = PyObject_CallOneArg(s->loads, b);
        Py_DECREF(b);
        if (acc && s->distinct) {
          // (accumulator, distinct counts)
          PyObject* pair = acc;
          acc = NULL;
          if (PyTuple_Check(pair) && PyTuple_GET_SIZE(pair) == 2) {
            PyObject* counts = PyTuple_GET_ITEM(pair, 1);
            if (sl_agg_counts(s, op[2])) {
              Py_INCREF(counts);
              if (PyList_SetItem(s->counts, op[2], counts) == 0) {
                acc = PyTuple_GET_ITEM(pair, 0);
                Py_INCREF(acc);
              }
            }
          } else {
            PyErr_SetString(PyExc_ValueError, "a saved DISTINCT accumulator is not an (accumulator, counts) pair");
          }
          Py_DECREF(pair);
        }
        if (!acc || sl_agg_set(s, op[2], acc) < 0) {
          err->kind = SL_ERR_LOAD;
          err->group = op[2];
          return -1;
        }
        break;
      }
      default:
        PyErr_Format(PyExc_SystemError, "aggregate kernel: unknown op %lld", (long long)op[0]);
        err->kind = SL_ERR_OTHER;
        return -1;
    }
  }
  err->op = -1;
  return 0;
}

int sl_agg_stream(sl_agg* s, int64_t from, int64_t to, const uint32_t* groups, const int8_t* signs,
                  const uint8_t* acts, uint8_t* changed, const sl_agg_args* a, sl_agg_error* err) {
  memset(err, 0, sizeof *err);
  err->op = -1;
  err->group = -1;
  for (int64_t i = from; i < to; i++) {
    uint8_t act = acts[i];
    if (act == 0) continue;
    int64_t g = groups[i];
    int cmp = (act & SL_ACC_CMP) != 0;
    err->row = i;
    if ((act & SL_ACC_PREV) || cmp) {
      if (sl_agg_value(s, g, err) < 0) return -1;
    }
    if (signs[i] != 0 && sl_agg_row(s, i, g, signs[i], a, err) < 0) {
      err->group = g;
      return -1;
    }
    if (act & SL_ACC_NEW) {
      if (sl_agg_value(s, g, err) < 0) return -1;
    }
    if (cmp) {
      // the last two results: before and after the row
      Py_ssize_t n = PyList_GET_SIZE(s->results);
      int eq = PyObject_RichCompareBool(PyList_GET_ITEM(s->results, n - 2), PyList_GET_ITEM(s->results, n - 1), Py_EQ);
      if (eq < 0) {
        err->kind = SL_ERR_RESULT;
        err->group = g;
        return -1;
      }
      if (!eq) changed[i] = 1;
      if (!(act & SL_ACC_PREV)) {
        // keep only the new result
        if (PySequence_DelItem(s->results, n - 2) < 0) {
          err->kind = SL_ERR_OTHER;
          return -1;
        }
      }
    }
    if (act & SL_ACC_RESET) {
      if (sl_agg_reset(s, g) < 0) {
        err->kind = SL_ERR_OTHER;
        return -1;
      }
    }
  }
  err->row = -1;
  return 0;
}

int sl_agg_flush(sl_agg* s, const sl_type* t, struct ArrowArray* out, int64_t* bad) {
  Py_ssize_t n = PyList_GET_SIZE(s->results);
  *bad = -1;
  sl_builder b;
  if (sl_builder_init(&b, t, n) < 0) {
    sl_builder_free(&b);
    return -1;
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    if (sl_builder_append(&b, PyList_GET_ITEM(s->results, i)) < 0) {
      *bad = i;
      sl_builder_free(&b);
      return -1;
    }
  }
  int rc = sl_builder_finish(&b, out);
  sl_builder_free(&b);
  if (rc < 0) return -1;
  return PyList_SetSlice(s->results, 0, n, NULL);
}

PyObject* sl_agg_save(sl_agg* s, int64_t g) {
  PyObject* acc = sl_agg_acc(s, g);
  if (!acc) return NULL;
  if (!s->distinct) return PyObject_CallOneArg(s->dumps, acc);
  PyObject* counts = sl_agg_counts(s, g);
  if (!counts) return NULL;
  PyObject* pair = PyTuple_Pack(2, acc, counts);
  if (!pair) return NULL;
  PyObject* b = PyObject_CallOneArg(s->dumps, pair);
  Py_DECREF(pair);
  return b;
}
