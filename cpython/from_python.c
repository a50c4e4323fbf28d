// Python objects → Arrow columns. Builders grow malloc'd buffers (outside
// the Go heap) and hand them over as an ArrowArray whose release callback
// frees them, so Go imports the result without copying.
#include "builder.h"
#include <datetime.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>


extern PyObject* sl_runtime_decimal_unscaled(void);
extern int64_t sl_days_from_civil(int y, int m, int d);

int sl_from_python_init(void) {
  if (!PyDateTimeAPI) PyDateTime_IMPORT;
  return PyDateTimeAPI ? 0 : -1;
}

static int sl_is_var(sl_kind k) {
  return k == SL_UTF8 || k == SL_LARGE_UTF8 || k == SL_BINARY || k == SL_LARGE_BINARY;
}
static int sl_is_large(sl_kind k) {
  return k == SL_LARGE_UTF8 || k == SL_LARGE_BINARY || k == SL_LARGE_LIST;
}
static int sl_has_offsets(sl_kind k) {
  return sl_is_var(k) || k == SL_LIST || k == SL_LARGE_LIST || k == SL_MAP;
}

static int sl_width(const sl_type* t) {
  switch (t->kind) {
    case SL_INT8: return 1;
    case SL_INT16: return 2;
    case SL_INT32:
    case SL_FLOAT32:
    case SL_DATE32:
    case SL_TIME32: return 4;
    case SL_INT64:
    case SL_FLOAT64:
    case SL_TIME64:
    case SL_TIMESTAMP: return 8;
    case SL_DECIMAL128: return 16;
    default: return sl_has_offsets(t->kind) ? (sl_is_large(t->kind) ? 8 : 4) : 0;
  }
}

static int sl_grow(void** p, int64_t old_bytes, int64_t new_bytes) {
  void* q = realloc(*p, (size_t)(new_bytes > 0 ? new_bytes : 8));
  if (!q) {
    PyErr_NoMemory();
    return -1;
  }
  if (new_bytes > old_bytes) memset((char*)q + old_bytes, 0, (size_t)(new_bytes - old_bytes));
  *p = q;
  return 0;
}

int sl_builder_init(sl_builder* b, const sl_type* t, int64_t cap) {
  memset(b, 0, sizeof *b);
  b->t = t;
  if (cap < 16) cap = 16;
  b->cap = cap;
  if (sl_grow((void**)&b->valid, 0, (cap + 7) / 8) < 0) return -1;
  int64_t bytes = t->kind == SL_BOOL ? (cap + 7) / 8 : (int64_t)sl_width(t) * (cap + (sl_has_offsets(t->kind) ? 1 : 0));
  if (sl_grow((void**)&b->data, 0, bytes) < 0) return -1;
  if (sl_is_var(t->kind)) {
    b->vcap = cap * 8;
    if (sl_grow((void**)&b->vdata, 0, b->vcap) < 0) return -1;
  }
  int64_t nc = t->n_children;
  if (nc > 0) {
    b->children = calloc((size_t)nc, sizeof(sl_builder));
    if (!b->children) {
      PyErr_NoMemory();
      return -1;
    }
    b->n_children = nc;
    for (int64_t c = 0; c < nc; c++)
      if (sl_builder_init(&b->children[c], t->children[c], t->kind == SL_STRUCT ? cap : 64) < 0) return -1;
  }
  return 0;
}

void sl_builder_free(sl_builder* b) {
  free(b->valid);
  free(b->data);
  free(b->vdata);
  for (int64_t c = 0; c < b->n_children; c++) sl_builder_free(&b->children[c]);
  free(b->children);
  memset(b, 0, sizeof *b);
}

static int sl_reserve(sl_builder* b) {
  if (b->len < b->cap) return 0;
  int64_t nc = b->cap * 2;
  if (sl_grow((void**)&b->valid, (b->cap + 7) / 8, (nc + 7) / 8) < 0) return -1;
  if (b->t->kind == SL_BOOL) {
    if (sl_grow((void**)&b->data, (b->cap + 7) / 8, (nc + 7) / 8) < 0) return -1;
  } else {
    int w = sl_width(b->t);
    int extra = sl_has_offsets(b->t->kind) ? 1 : 0;
    if (w && sl_grow((void**)&b->data, w * (b->cap + extra), w * (nc + extra)) < 0) return -1;
  }
  b->cap = nc;
  return 0;
}

static inline void sl_set_bit(uint8_t* bits, int64_t i) { bits[i >> 3] |= (uint8_t)(1u << (i & 7)); }

// Offsets-carrying builders write offset[len+1] after each append.
static inline int64_t sl_child_len(const sl_builder* b) {
  if (sl_is_var(b->t->kind)) return b->vlen;
  return b->children[0].len;
}

static inline void sl_put_offset(sl_builder* b) {
  int64_t v = sl_child_len(b);
  if (sl_is_large(b->t->kind))
    ((int64_t*)b->data)[b->len + 1] = v;
  else
    ((int32_t*)b->data)[b->len + 1] = (int32_t)v;
}

int sl_builder_append_null(sl_builder* b) {
  if (sl_reserve(b) < 0) return -1;
  b->nulls++;
  if (sl_has_offsets(b->t->kind)) sl_put_offset(b);
  if (b->t->kind == SL_STRUCT)
    for (int64_t c = 0; c < b->n_children; c++)
      if (sl_builder_append_null(&b->children[c]) < 0) return -1;
  b->len++;
  return 0;
}

static int sl_expected(const sl_type* t, const char* py, PyObject* o) {
  char sql[512];
  sl_type_sql(t, sql, sizeof sql);
  PyErr_Format(PyExc_TypeError, "expected %s for %s, got %.200R of type %s", py, sql, o,
               Py_TYPE(o)->tp_name);
  return -1;
}

static int sl_out_of_range(const sl_type* t, PyObject* o) {
  char sql[512];
  sl_type_sql(t, sql, sizeof sql);
  PyErr_Format(PyExc_OverflowError, "value %.200R is out of range for %s", o, sql);
  return -1;
}

static int sl_is_numpy_bool(PyObject* o) {
  const char* n = Py_TYPE(o)->tp_name;
  return strcmp(n, "numpy.bool") == 0 || strcmp(n, "numpy.bool_") == 0;
}

static int sl_int_value(const sl_type* t, PyObject* o, int64_t* out) {
  PyObject* idx = NULL;
  if (!PyLong_Check(o)) {
    if (PyFloat_Check(o) || !PyIndex_Check(o)) return sl_expected(t, "int", o);
    idx = PyNumber_Index(o);
    if (!idx) return -1;
    o = idx;
  }
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
  if (overflow) {
    sl_out_of_range(t, o);
    Py_XDECREF(idx);
    return -1;
  }
  Py_XDECREF(idx);
  if (v == -1 && PyErr_Occurred()) return -1;
  *out = v;
  return 0;
}

static int sl_float_value(const sl_type* t, PyObject* o, double* out) {
  if (PyFloat_Check(o)) {
    *out = PyFloat_AS_DOUBLE(o);
    return 0;
  }
  if (PyUnicode_Check(o) || PyBytes_Check(o) || o == Py_None) return sl_expected(t, "float", o);
  if (!PyLong_Check(o) && !(Py_TYPE(o)->tp_as_number && Py_TYPE(o)->tp_as_number->nb_float))
    return sl_expected(t, "float", o);
  double v = PyFloat_AsDouble(o);
  if (v == -1.0 && PyErr_Occurred()) return -1;
  *out = v;
  return 0;
}

static int sl_append_decimal(sl_builder* b, PyObject* o) {
  const sl_type* t = b->t;
  // Floats are refused rather than rounded: a DECIMAL result must be exact.
  // The runtime helper checks for Decimal or int and rounds HALF_UP to the scale.
  if (PyFloat_Check(o) || PyUnicode_Check(o) || PyBytes_Check(o))
    return sl_expected(t, "decimal.Decimal or int", o);
  PyObject* unscaled = PyObject_CallFunction(sl_runtime_decimal_unscaled(), "Oii", o, t->precision, t->scale);
  if (!unscaled) return -1;
  // Split the Python int into two 64-bit halves: exact and version-neutral.
  PyObject* mask = PyLong_FromUnsignedLongLong(~0ULL);
  PyObject* sixty_four = PyLong_FromLong(64);
  PyObject* lo = mask ? PyNumber_And(unscaled, mask) : NULL;
  PyObject* hi = (lo && sixty_four) ? PyNumber_Rshift(unscaled, sixty_four) : NULL;
  int rc = -1;
  if (hi) {
    unsigned long long l = PyLong_AsUnsignedLongLong(lo);
    long long h = PyLong_AsLongLong(hi);
    if (!PyErr_Occurred()) {
      uint64_t* dst = (uint64_t*)(b->data + 16 * b->len);
      dst[0] = l;
      dst[1] = (uint64_t)h;
      rc = 0;
    }
  }
  Py_XDECREF(mask);
  Py_XDECREF(sixty_four);
  Py_XDECREF(lo);
  Py_XDECREF(hi);
  Py_DECREF(unscaled);
  return rc;
}

static int sl_append_bytes(sl_builder* b, const char* p, Py_ssize_t n) {
  if (!sl_is_large(b->t->kind) && b->vlen + n > INT32_MAX) {
    PyErr_SetString(PyExc_OverflowError, "string data of one batch exceeds 2 GiB; use a smaller batch");
    return -1;
  }
  if (b->vlen + n > b->vcap) {
    int64_t nc = b->vcap * 2;
    while (nc < b->vlen + n) nc *= 2;
    if (sl_grow((void**)&b->vdata, b->vcap, nc) < 0) return -1;
    b->vcap = nc;
  }
  memcpy(b->vdata + b->vlen, p, (size_t)n);
  b->vlen += n;
  return 0;
}

static int64_t sl_time_micros(PyObject* o) {
  return ((int64_t)PyDateTime_TIME_GET_HOUR(o) * 3600 + PyDateTime_TIME_GET_MINUTE(o) * 60 +
          PyDateTime_TIME_GET_SECOND(o)) * 1000000 + PyDateTime_TIME_GET_MICROSECOND(o);
}


static int64_t sl_floordiv64(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}

static int sl_append_timestamp(sl_builder* b, PyObject* o) {
  const sl_type* t = b->t;
  if (!PyDateTime_Check(o)) return sl_expected(t, "datetime.datetime", o);
  int64_t days = sl_days_from_civil(PyDateTime_GET_YEAR(o), PyDateTime_GET_MONTH(o), PyDateTime_GET_DAY(o));
  int64_t secs = days * 86400 + PyDateTime_DATE_GET_HOUR(o) * 3600 + PyDateTime_DATE_GET_MINUTE(o) * 60 +
                 PyDateTime_DATE_GET_SECOND(o);
  int64_t us = PyDateTime_DATE_GET_MICROSECOND(o);
  if (t->has_tz) {
    // An aware datetime is an instant: normalise it to UTC. A naive one is
    // taken as UTC already.
    PyObject* off = PyObject_CallMethod(o, "utcoffset", NULL);
    if (!off) return -1;
    if (off != Py_None) {
      if (!PyDelta_Check(off)) {
        Py_DECREF(off);
        return sl_expected(t, "datetime with a timedelta utcoffset()", o);
      }
      secs -= (int64_t)PyDateTime_DELTA_GET_DAYS(off) * 86400 + PyDateTime_DELTA_GET_SECONDS(off);
      us -= PyDateTime_DELTA_GET_MICROSECONDS(off);
    }
    Py_DECREF(off);
  }
  int64_t micros = secs * 1000000 + us;
  int64_t v;
  switch (t->unit) {
    case SL_SEC: v = sl_floordiv64(micros, 1000000); break;
    case SL_MILLI: v = sl_floordiv64(micros, 1000); break;
    case SL_MICRO: v = micros; break;
    default:
      if (__builtin_mul_overflow(micros, (int64_t)1000, &v)) return sl_out_of_range(t, o);
      break;
  }
  ((int64_t*)b->data)[b->len] = v;
  return 0;
}

static int sl_append_list(sl_builder* b, PyObject* o) {
  if (PyUnicode_Check(o) || PyBytes_Check(o) || PyDict_Check(o)) return sl_expected(b->t, "list", o);
  PyObject* seq = PySequence_Fast(o, "");
  if (!seq) {
    PyErr_Clear();
    return sl_expected(b->t, "list", o);
  }
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  PyObject** items = PySequence_Fast_ITEMS(seq);
  for (Py_ssize_t k = 0; k < n; k++)
    if (sl_builder_append(&b->children[0], items[k]) < 0) {
      Py_DECREF(seq);
      return -1;
    }
  Py_DECREF(seq);
  if (!sl_is_large(b->t->kind) && b->children[0].len > INT32_MAX) {
    PyErr_SetString(PyExc_OverflowError, "list elements of one batch exceed 2^31");
    return -1;
  }
  return 0;
}

static int sl_append_entry(sl_builder* entries, PyObject* k, PyObject* v) {
  if (k == Py_None) {
    PyErr_SetString(PyExc_TypeError, "MAP keys must not be None");
    return -1;
  }
  if (sl_reserve(entries) < 0) return -1;
  if (sl_builder_append(&entries->children[0], k) < 0) return -1;
  if (sl_builder_append(&entries->children[1], v) < 0) return -1;
  sl_set_bit(entries->valid, entries->len);
  entries->len++;
  return 0;
}

static int sl_append_map(sl_builder* b, PyObject* o) {
  sl_builder* entries = &b->children[0];
  if (PyDict_Check(o)) {
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (PyDict_Next(o, &pos, &k, &v))
      if (sl_append_entry(entries, k, v) < 0) return -1;
    return 0;
  }
  if (PyUnicode_Check(o) || PyList_Check(o) || PyTuple_Check(o) || !PyMapping_Check(o))
    return sl_expected(b->t, "dict", o);
  PyObject* items = PyMapping_Items(o);
  if (!items) return -1;
  for (Py_ssize_t k = 0; k < PyList_GET_SIZE(items); k++) {
    PyObject* kv = PyList_GET_ITEM(items, k);
    if (!PyTuple_Check(kv) || PyTuple_GET_SIZE(kv) != 2 ||
        sl_append_entry(entries, PyTuple_GET_ITEM(kv, 0), PyTuple_GET_ITEM(kv, 1)) < 0) {
      if (!PyErr_Occurred()) sl_expected(b->t, "dict", o);
      Py_DECREF(items);
      return -1;
    }
  }
  Py_DECREF(items);
  return 0;
}

static int sl_append_struct(sl_builder* b, PyObject* o) {
  const sl_type* t = b->t;
  if (PyDict_Check(o)) {
    for (int64_t c = 0; c < t->n_children; c++) {
      PyObject* name = PyTuple_GET_ITEM(t->names, c);
      PyObject* v = PyDict_GetItemWithError(o, name);
      if (!v) {
        if (!PyErr_Occurred()) {
          char sql[512];
          sl_type_sql(t, sql, sizeof sql);
          PyErr_Format(PyExc_KeyError, "dict result for %s lacks field %R", sql, name);
        }
        return -1;
      }
      if (sl_builder_append(&b->children[c], v) < 0) return -1;
    }
    return 0;
  }
  PyObject* fields = NULL;  // a Row's values, in the type's field order
  if (!PyTuple_Check(o) && !PyList_Check(o)) {
    // A pyflink Row: its values by field name when it has names, as
    // PyFlink's row coder reads them (Row.get_fields_by_names).
    if (!PyObject_HasAttrString(o, "get_fields_by_names")) return sl_expected(t, "Row, tuple, list or dict", o);
    fields = PyObject_CallMethod(o, "get_fields_by_names", "(O)", t->names);
    if (!fields) return -1;
    if (!PyList_Check(fields) && !PyTuple_Check(fields)) {
      Py_DECREF(fields);
      return sl_expected(t, "Row, tuple, list or dict", o);
    }
    o = fields;
  }
  Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
  if (n != t->n_children) {
    char sql[512];
    sl_type_sql(t, sql, sizeof sql);
    PyErr_Format(PyExc_ValueError, "%s has %lld fields, got %.200R with %zd", sql,
                 (long long)t->n_children, o, n);
    Py_XDECREF(fields);
    return -1;
  }
  PyObject** items = PySequence_Fast_ITEMS(o);
  for (int64_t c = 0; c < t->n_children; c++)
    if (sl_builder_append(&b->children[c], items[c]) < 0) {
      Py_XDECREF(fields);
      return -1;
    }
  Py_XDECREF(fields);
  return 0;
}

int sl_builder_append(sl_builder* b, PyObject* o) {
  if (o == Py_None) return sl_builder_append_null(b);
  if (sl_reserve(b) < 0) return -1;
  const sl_type* t = b->t;
  int64_t iv;
  double dv;
  switch (t->kind) {
    case SL_NULL: return sl_expected(t, "None", o);
    case SL_BOOL:
      if (PyBool_Check(o)) {
        if (o == Py_True) sl_set_bit(b->data, b->len);
      } else if (sl_is_numpy_bool(o)) {
        int r = PyObject_IsTrue(o);
        if (r < 0) return -1;
        if (r) sl_set_bit(b->data, b->len);
      } else {
        return sl_expected(t, "bool", o);
      }
      break;
    case SL_INT8:
      if (sl_int_value(t, o, &iv) < 0) return -1;
      if (iv < INT8_MIN || iv > INT8_MAX) return sl_out_of_range(t, o);
      ((int8_t*)b->data)[b->len] = (int8_t)iv;
      break;
    case SL_INT16:
      if (sl_int_value(t, o, &iv) < 0) return -1;
      if (iv < INT16_MIN || iv > INT16_MAX) return sl_out_of_range(t, o);
      ((int16_t*)b->data)[b->len] = (int16_t)iv;
      break;
    case SL_INT32:
      if (sl_int_value(t, o, &iv) < 0) return -1;
      if (iv < INT32_MIN || iv > INT32_MAX) return sl_out_of_range(t, o);
      ((int32_t*)b->data)[b->len] = (int32_t)iv;
      break;
    case SL_INT64:
      if (sl_int_value(t, o, &iv) < 0) return -1;
      ((int64_t*)b->data)[b->len] = iv;
      break;
    case SL_FLOAT32:
      if (sl_float_value(t, o, &dv) < 0) return -1;
      if (isfinite(dv) && fabs(dv) > FLT_MAX) return sl_out_of_range(t, o);
      ((float*)b->data)[b->len] = (float)dv;
      break;
    case SL_FLOAT64:
      if (sl_float_value(t, o, &dv) < 0) return -1;
      ((double*)b->data)[b->len] = dv;
      break;
    case SL_DECIMAL128:
      if (sl_append_decimal(b, o) < 0) return -1;
      break;
    case SL_UTF8:
    case SL_LARGE_UTF8: {
      if (!PyUnicode_Check(o)) return sl_expected(t, "str", o);
      Py_ssize_t n;
      const char* s = PyUnicode_AsUTF8AndSize(o, &n);
      if (!s || sl_append_bytes(b, s, n) < 0) return -1;
      break;
    }
    case SL_BINARY:
    case SL_LARGE_BINARY:
      if (PyBytes_Check(o)) {
        if (sl_append_bytes(b, PyBytes_AS_STRING(o), PyBytes_GET_SIZE(o)) < 0) return -1;
      } else if (PyByteArray_Check(o)) {
        if (sl_append_bytes(b, PyByteArray_AS_STRING(o), PyByteArray_GET_SIZE(o)) < 0) return -1;
      } else {
        return sl_expected(t, "bytes", o);
      }
      break;
    case SL_DATE32: {
      if (!PyDate_Check(o) || PyDateTime_Check(o)) return sl_expected(t, "datetime.date", o);
      int64_t d = sl_days_from_civil(PyDateTime_GET_YEAR(o), PyDateTime_GET_MONTH(o), PyDateTime_GET_DAY(o));
      ((int32_t*)b->data)[b->len] = (int32_t)d;
      break;
    }
    case SL_TIME32:
    case SL_TIME64: {
      if (!PyTime_Check(o)) return sl_expected(t, "datetime.time", o);
      int64_t us = sl_time_micros(o);
      // Flink: a TIME keeps the precision its type declares; finer digits are dropped.
      if (t->unit == SL_SEC)
        ((int32_t*)b->data)[b->len] = (int32_t)(us / 1000000);
      else if (t->unit == SL_MILLI)
        ((int32_t*)b->data)[b->len] = (int32_t)(us / 1000);
      else if (t->unit == SL_MICRO)
        ((int64_t*)b->data)[b->len] = us;
      else
        ((int64_t*)b->data)[b->len] = us * 1000;
      break;
    }
    case SL_TIMESTAMP:
      if (sl_append_timestamp(b, o) < 0) return -1;
      break;
    case SL_LIST:
    case SL_LARGE_LIST:
      if (sl_append_list(b, o) < 0) return -1;
      break;
    case SL_MAP:
      if (sl_append_map(b, o) < 0) return -1;
      break;
    case SL_STRUCT:
      if (sl_append_struct(b, o) < 0) return -1;
      break;
  }
  sl_set_bit(b->valid, b->len);
  if (sl_has_offsets(t->kind)) sl_put_offset(b);
  b->len++;
  return 0;
}

// ---- hand-over as an ArrowArray ------------------------------------------

typedef struct {
  const void* bufs[3];
  struct ArrowArray* kids;
  struct ArrowArray** kid_ptrs;
  int64_t n_kids;
} sl_owned;

static void sl_release(struct ArrowArray* a) {
  if (!a->release) return;
  sl_owned* o = a->private_data;
  for (int64_t c = 0; c < o->n_kids; c++)
    if (o->kids[c].release) o->kids[c].release(&o->kids[c]);
  for (int k = 0; k < 3; k++) free((void*)o->bufs[k]);
  free(o->kids);
  free(o->kid_ptrs);
  free(o);
  a->release = NULL;
}

// sl_builder_finish moves the builder's buffers into out. The builder is
// left empty (safe to free).
int sl_builder_finish(sl_builder* b, struct ArrowArray* out) {
  sl_owned* o = calloc(1, sizeof(sl_owned));
  if (!o) {
    PyErr_NoMemory();
    return -1;
  }
  memset(out, 0, sizeof *out);
  out->length = b->len;
  out->null_count = b->nulls;
  out->offset = 0;
  sl_kind k = b->t->kind;
  if (k == SL_NULL) {
    out->null_count = b->len;
    out->n_buffers = 0;
  } else {
    o->bufs[0] = b->nulls ? b->valid : NULL;
    if (!b->nulls) free(b->valid);
    b->valid = NULL;
    if (k == SL_STRUCT) {
      out->n_buffers = 1;
      free(b->data);
    } else {
      if (sl_has_offsets(k) && b->len == 0) {
        // an empty offsets buffer still holds the leading zero
      }
      o->bufs[1] = b->data;
      out->n_buffers = 2;
      if (sl_is_var(k)) {
        o->bufs[2] = b->vdata;
        b->vdata = NULL;
        out->n_buffers = 3;
      }
    }
    b->data = NULL;
  }
  out->buffers = o->bufs;
  if (b->n_children > 0) {
    o->n_kids = b->n_children;
    o->kids = calloc((size_t)b->n_children, sizeof(struct ArrowArray));
    o->kid_ptrs = calloc((size_t)b->n_children, sizeof(struct ArrowArray*));
    if (!o->kids || !o->kid_ptrs) {
      free(o->kids);
      free(o->kid_ptrs);
      free(o);
      PyErr_NoMemory();
      return -1;
    }
    for (int64_t c = 0; c < b->n_children; c++) {
      o->kid_ptrs[c] = &o->kids[c];
      if (sl_builder_finish(&b->children[c], &o->kids[c]) < 0) {
        out->private_data = o;
        out->release = sl_release;
        out->n_children = c;
        sl_release(out);
        return -1;
      }
    }
  }
  out->n_children = b->n_children;
  out->children = o->kid_ptrs;
  out->private_data = o;
  out->release = sl_release;
  return 0;
}
