// Arrow values → Python objects, following the type mapping of DESIGN.md §3.
#include "sluice_py.h"
#include <datetime.h>
#include <string.h>


static PyObject* sl_make_row = NULL;          // runtime: make_row(names, values)
static PyObject* sl_decimal_type = NULL;      // decimal.Decimal
static PyObject* sl_decimal_unscaled = NULL;  // runtime: decimal_unscaled(v, precision, scale)
static int sl_datetime_ready = 0;

PyObject* sl_runtime_decimal_unscaled(void) { return sl_decimal_unscaled; }

void sl_runtime_set(PyObject* make_row, PyObject* decimal_type, PyObject* decimal_unscaled) {
  Py_XINCREF(make_row);
  Py_XINCREF(decimal_type);
  Py_XINCREF(decimal_unscaled);
  Py_XDECREF(sl_make_row);
  Py_XDECREF(sl_decimal_type);
  Py_XDECREF(sl_decimal_unscaled);
  sl_make_row = make_row;
  sl_decimal_type = decimal_type;
  sl_decimal_unscaled = decimal_unscaled;
  if (!sl_datetime_ready) {
    PyDateTime_IMPORT;
    sl_datetime_ready = PyDateTimeAPI != NULL;
  }
}

int sl_datetime_import(void) {
  if (!sl_datetime_ready) {
    PyDateTime_IMPORT;
    sl_datetime_ready = PyDateTimeAPI != NULL;
  }
  return sl_datetime_ready ? 0 : -1;
}

static inline int sl_valid(const struct ArrowArray* a, int64_t i) {
  if (a->null_count == 0 || a->n_buffers == 0 || a->buffers[0] == NULL) return 1;
  const uint8_t* bits = a->buffers[0];
  return (bits[i >> 3] >> (i & 7)) & 1;
}

// Days since 1970-01-01 → proleptic Gregorian civil date (the classic
// era-based algorithm; exact over the whole int32 range).
void sl_civil_from_days(int64_t z, int* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yy + (*m <= 2));
}

int64_t sl_days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static inline int64_t sl_floordiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}

static const int64_t sl_unit_per_sec[] = {1, 1000, 1000000, 1000000000};

static PyObject* sl_date_from_days(int64_t days) {
  int y, m, d;
  sl_civil_from_days(days, &y, &m, &d);
  if (y < 1 || y > 9999) {
    PyErr_Format(PyExc_ValueError,
                 "DATE value %lld days from 1970-01-01 (year %d) is outside datetime.date's "
                 "range of years 1..9999",
                 (long long)days, y);
    return NULL;
  }
  return PyDate_FromDate(y, m, d);
}

static PyObject* sl_time_from(int64_t v, sl_unit unit) {
  int64_t per = sl_unit_per_sec[unit];
  if (v < 0 || v >= 86400 * per) {
    PyErr_Format(PyExc_ValueError, "TIME value %lld is outside one day", (long long)v);
    return NULL;
  }
  if (unit == SL_NANO && v % 1000 != 0) {
    PyErr_Format(PyExc_ValueError,
                 "TIME(9) value %lld ns has nanoseconds, which datetime.time cannot hold",
                 (long long)v);
    return NULL;
  }
  int64_t secs = v / per;
  int64_t frac = v % per;
  int us = (int)(unit == SL_SEC ? 0 : unit == SL_MILLI ? frac * 1000 : unit == SL_MICRO ? frac : frac / 1000);
  return PyTime_FromTime((int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60), us);
}

static PyObject* sl_timestamp_from(int64_t v, const sl_type* t) {
  int64_t per = sl_unit_per_sec[t->unit];
  if (t->unit == SL_NANO && v % 1000 != 0) {
    PyErr_Format(PyExc_ValueError,
                 "TIMESTAMP(9) value %lld ns has nanoseconds, which datetime.datetime cannot hold",
                 (long long)v);
    return NULL;
  }
  int64_t secs = sl_floordiv(v, per);
  int64_t frac = v - secs * per;
  int us = (int)(t->unit == SL_SEC     ? 0
                 : t->unit == SL_MILLI ? frac * 1000
                 : t->unit == SL_MICRO ? frac
                                       : frac / 1000);
  int64_t days = sl_floordiv(secs, 86400);
  int64_t sod = secs - days * 86400;
  int y, m, d;
  sl_civil_from_days(days, &y, &m, &d);
  if (y < 1 || y > 9999) {
    PyErr_Format(PyExc_ValueError,
                 "TIMESTAMP value %lld (year %d) is outside datetime.datetime's range of years "
                 "1..9999",
                 (long long)v, y);
    return NULL;
  }
  PyObject* tz = t->has_tz ? PyDateTime_TimeZone_UTC : Py_None;
  return PyDateTimeAPI->DateTime_FromDateAndTime(y, m, d, (int)(sod / 3600), (int)(sod / 60 % 60),
                                                 (int)(sod % 60), us, tz, PyDateTimeAPI->DateTimeType);
}

static PyObject* sl_decimal_from(const uint8_t* p, const sl_type* t) {
  // Little-endian two's complement 128-bit integer, as Arrow stores it.
  __int128 v;
  memcpy(&v, p, 16);
  int neg = v < 0;
  unsigned __int128 u = neg ? -(unsigned __int128)v : (unsigned __int128)v;
  char digits[64];
  int nd = 0;
  do {
    digits[nd++] = (char)('0' + (int)(u % 10));
    u /= 10;
  } while (u != 0);
  while (nd <= t->scale) digits[nd++] = '0';
  char s[80];
  int k = 0;
  if (neg) s[k++] = '-';
  for (int i = nd - 1; i >= 0; i--) {
    s[k++] = digits[i];
    if (i == t->scale && t->scale > 0) s[k++] = '.';
  }
  s[k] = 0;
  PyObject* str = PyUnicode_FromStringAndSize(s, k);
  if (!str) return NULL;
  PyObject* r = PyObject_CallOneArg(sl_decimal_type, str);
  Py_DECREF(str);
  return r;
}

PyObject* sl_py_from_arrow(const struct ArrowArray* a, const sl_type* t, int64_t idx) {
  if (t->kind == SL_NULL) Py_RETURN_NONE;
  const int64_t i = a->offset + idx;
  if (!sl_valid(a, i)) Py_RETURN_NONE;
  const void* data = a->n_buffers > 1 ? a->buffers[1] : NULL;
  switch (t->kind) {
    case SL_BOOL: {
      const uint8_t* bits = data;
      return PyBool_FromLong((bits[i >> 3] >> (i & 7)) & 1);
    }
    case SL_INT8: return PyLong_FromLong(((const int8_t*)data)[i]);
    case SL_INT16: return PyLong_FromLong(((const int16_t*)data)[i]);
    case SL_INT32: return PyLong_FromLong(((const int32_t*)data)[i]);
    case SL_INT64: return PyLong_FromLongLong(((const int64_t*)data)[i]);
    case SL_FLOAT32: return PyFloat_FromDouble(((const float*)data)[i]);
    case SL_FLOAT64: return PyFloat_FromDouble(((const double*)data)[i]);
    case SL_DECIMAL128: return sl_decimal_from((const uint8_t*)data + 16 * i, t);
    case SL_UTF8: {
      const int32_t* off = data;
      const char* v = a->buffers[2];
      return PyUnicode_DecodeUTF8(v + off[i], off[i + 1] - off[i], "strict");
    }
    case SL_LARGE_UTF8: {
      const int64_t* off = data;
      const char* v = a->buffers[2];
      return PyUnicode_DecodeUTF8(v + off[i], off[i + 1] - off[i], "strict");
    }
    case SL_BINARY: {
      const int32_t* off = data;
      const char* v = a->buffers[2];
      return PyBytes_FromStringAndSize(v + off[i], off[i + 1] - off[i]);
    }
    case SL_LARGE_BINARY: {
      const int64_t* off = data;
      const char* v = a->buffers[2];
      return PyBytes_FromStringAndSize(v + off[i], off[i + 1] - off[i]);
    }
    case SL_DATE32: return sl_date_from_days(((const int32_t*)data)[i]);
    case SL_TIME32: return sl_time_from(((const int32_t*)data)[i], t->unit);
    case SL_TIME64: return sl_time_from(((const int64_t*)data)[i], t->unit);
    case SL_TIMESTAMP: return sl_timestamp_from(((const int64_t*)data)[i], t);
    case SL_LIST:
    case SL_LARGE_LIST: {
      int64_t start, end;
      if (t->kind == SL_LIST) {
        start = ((const int32_t*)data)[i];
        end = ((const int32_t*)data)[i + 1];
      } else {
        start = ((const int64_t*)data)[i];
        end = ((const int64_t*)data)[i + 1];
      }
      PyObject* list = PyList_New(end - start);
      if (!list) return NULL;
      for (int64_t j = start; j < end; j++) {
        PyObject* e = sl_py_from_arrow(a->children[0], t->children[0], j);
        if (!e) {
          Py_DECREF(list);
          return NULL;
        }
        PyList_SET_ITEM(list, j - start, e);
      }
      return list;
    }
    case SL_MAP: {
      const int32_t* off = data;
      const struct ArrowArray* entries = a->children[0];
      const sl_type* et = t->children[0];
      PyObject* dict = PyDict_New();
      if (!dict) return NULL;
      for (int64_t j = off[i]; j < off[i + 1]; j++) {
        int64_t e = entries->offset + j;
        PyObject* k = sl_py_from_arrow(entries->children[0], et->children[0], e);
        PyObject* v = k ? sl_py_from_arrow(entries->children[1], et->children[1], e) : NULL;
        if (!v || PyDict_SetItem(dict, k, v) < 0) {
          Py_XDECREF(k);
          Py_XDECREF(v);
          Py_DECREF(dict);
          return NULL;
        }
        Py_DECREF(k);
        Py_DECREF(v);
      }
      return dict;
    }
    case SL_STRUCT: {
      PyObject* values = PyTuple_New(t->n_children);
      if (!values) return NULL;
      for (int64_t c = 0; c < t->n_children; c++) {
        PyObject* v = sl_py_from_arrow(a->children[c], t->children[c], i);
        if (!v) {
          Py_DECREF(values);
          return NULL;
        }
        PyTuple_SET_ITEM(values, c, v);
      }
      PyObject* row = PyObject_CallFunctionObjArgs(sl_make_row, t->names, values, NULL);
      Py_DECREF(values);
      return row;
    }
    default: break;
  }
  PyErr_SetString(PyExc_SystemError, "sluice: unhandled Arrow type");
  return NULL;
}
