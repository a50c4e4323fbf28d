// Arrow format strings → sl_type trees, and SQL names for error messages.
#include <stdlib.h>
#include <string.h>

#include "sluice_py.h"

static sl_type* sl_type_new(sl_kind kind) {
  sl_type* t = calloc(1, sizeof(sl_type));
  if (!t) {
    PyErr_NoMemory();
    return NULL;
  }
  t->kind = kind;
  t->nullable = 1;
  return t;
}

void sl_type_free(sl_type* t) {
  if (!t) return;
  for (int64_t i = 0; i < t->n_children; i++) sl_type_free(t->children[i]);
  free(t->children);
  Py_XDECREF(t->names);
  free(t);
}

static int sl_parse_unit(char c, sl_unit* u) {
  switch (c) {
    case 's': *u = SL_SEC; return 0;
    case 'm': *u = SL_MILLI; return 0;
    case 'u': *u = SL_MICRO; return 0;
    case 'n': *u = SL_NANO; return 0;
  }
  return -1;
}

static int sl_unsupported(const char* fmt) {
  PyErr_Format(PyExc_TypeError,
               "Arrow type with format \"%s\" has no SQL type in Sluice (supported: BOOLEAN, "
               "TINYINT..BIGINT, FLOAT, DOUBLE, DECIMAL, STRING, BYTES, DATE, TIME, TIMESTAMP, "
               "TIMESTAMP_LTZ, ARRAY, MAP, ROW)",
               fmt);
  return -1;
}

static int sl_parse_children(sl_type* t, const struct ArrowSchema* s) {
  t->n_children = s->n_children;
  if (s->n_children == 0) return 0;
  t->children = calloc((size_t)s->n_children, sizeof(sl_type*));
  if (!t->children) {
    PyErr_NoMemory();
    return -1;
  }
  for (int64_t i = 0; i < s->n_children; i++) {
    t->children[i] = sl_type_from_schema(s->children[i]);
    if (!t->children[i]) return -1;
  }
  return 0;
}

sl_type* sl_type_from_schema(const struct ArrowSchema* s) {
  const char* f = s->format;
  if (s->dictionary) {
    sl_unsupported("dictionary");
    return NULL;
  }
  sl_type* t = NULL;
  size_t n = strlen(f);
  if (n == 1) {
    switch (f[0]) {
      case 'n': t = sl_type_new(SL_NULL); break;
      case 'b': t = sl_type_new(SL_BOOL); break;
      case 'c': t = sl_type_new(SL_INT8); break;
      case 's': t = sl_type_new(SL_INT16); break;
      case 'i': t = sl_type_new(SL_INT32); break;
      case 'l': t = sl_type_new(SL_INT64); break;
      case 'f': t = sl_type_new(SL_FLOAT32); break;
      case 'g': t = sl_type_new(SL_FLOAT64); break;
      case 'u': t = sl_type_new(SL_UTF8); break;
      case 'U': t = sl_type_new(SL_LARGE_UTF8); break;
      case 'z': t = sl_type_new(SL_BINARY); break;
      case 'Z': t = sl_type_new(SL_LARGE_BINARY); break;
      default: sl_unsupported(f); return NULL;
    }
  } else if (f[0] == 'd' && f[1] == ':') {
    int p = 0, sc = 0, bits = 128;
    int got = sscanf(f + 2, "%d,%d,%d", &p, &sc, &bits);
    if (got < 2 || bits != 128) {
      sl_unsupported(f);
      return NULL;
    }
    t = sl_type_new(SL_DECIMAL128);
    if (t) {
      t->precision = p;
      t->scale = sc;
    }
  } else if (strcmp(f, "tdD") == 0) {
    t = sl_type_new(SL_DATE32);
  } else if (n == 3 && f[0] == 't' && f[1] == 't') {
    sl_unit u;
    if (sl_parse_unit(f[2], &u) < 0) {
      sl_unsupported(f);
      return NULL;
    }
    t = sl_type_new(u <= SL_MILLI ? SL_TIME32 : SL_TIME64);
    if (t) t->unit = u;
  } else if (n >= 4 && f[0] == 't' && f[1] == 's' && f[3] == ':') {
    sl_unit u;
    if (sl_parse_unit(f[2], &u) < 0) {
      sl_unsupported(f);
      return NULL;
    }
    t = sl_type_new(SL_TIMESTAMP);
    if (t) {
      t->unit = u;
      t->has_tz = f[4] != '\0';
    }
  } else if (strcmp(f, "+l") == 0 || strcmp(f, "+L") == 0 || strcmp(f, "+m") == 0 ||
             strcmp(f, "+s") == 0) {
    sl_kind k = f[1] == 'l' ? SL_LIST : f[1] == 'L' ? SL_LARGE_LIST : f[1] == 'm' ? SL_MAP : SL_STRUCT;
    t = sl_type_new(k);
    if (!t) return NULL;
    if (sl_parse_children(t, s) < 0) {
      sl_type_free(t);
      return NULL;
    }
    if ((k == SL_LIST || k == SL_LARGE_LIST) && t->n_children != 1) {
      sl_type_free(t);
      PyErr_SetString(PyExc_TypeError, "list type must have one child");
      return NULL;
    }
    if (k == SL_MAP && (t->n_children != 1 || t->children[0]->kind != SL_STRUCT ||
                        t->children[0]->n_children != 2)) {
      sl_type_free(t);
      PyErr_SetString(PyExc_TypeError, "map type must have one struct child of two fields");
      return NULL;
    }
    if (k == SL_STRUCT) {
      t->names = PyTuple_New(s->n_children);
      if (!t->names) {
        sl_type_free(t);
        return NULL;
      }
      for (int64_t i = 0; i < s->n_children; i++) {
        const char* nm = s->children[i]->name ? s->children[i]->name : "";
        PyObject* name = PyUnicode_FromString(nm);
        if (!name) {
          sl_type_free(t);
          return NULL;
        }
        PyTuple_SET_ITEM(t->names, i, name);
      }
    }
  } else {
    sl_unsupported(f);
    return NULL;
  }
  if (t) t->nullable = (s->flags & ARROW_FLAG_NULLABLE) != 0;
  return t;
}

static const int sl_unit_digits[] = {0, 3, 6, 9};

void sl_type_sql(const sl_type* t, char* buf, size_t cap) {
  char a[256], b[256];
  switch (t->kind) {
    case SL_NULL: snprintf(buf, cap, "NULL"); return;
    case SL_BOOL: snprintf(buf, cap, "BOOLEAN"); return;
    case SL_INT8: snprintf(buf, cap, "TINYINT"); return;
    case SL_INT16: snprintf(buf, cap, "SMALLINT"); return;
    case SL_INT32: snprintf(buf, cap, "INT"); return;
    case SL_INT64: snprintf(buf, cap, "BIGINT"); return;
    case SL_FLOAT32: snprintf(buf, cap, "FLOAT"); return;
    case SL_FLOAT64: snprintf(buf, cap, "DOUBLE"); return;
    case SL_DECIMAL128: snprintf(buf, cap, "DECIMAL(%d, %d)", t->precision, t->scale); return;
    case SL_UTF8:
    case SL_LARGE_UTF8: snprintf(buf, cap, "STRING"); return;
    case SL_BINARY:
    case SL_LARGE_BINARY: snprintf(buf, cap, "BYTES"); return;
    case SL_DATE32: snprintf(buf, cap, "DATE"); return;
    case SL_TIME32:
    case SL_TIME64: snprintf(buf, cap, "TIME(%d)", sl_unit_digits[t->unit]); return;
    case SL_TIMESTAMP:
      snprintf(buf, cap, t->has_tz ? "TIMESTAMP_LTZ(%d)" : "TIMESTAMP(%d)", sl_unit_digits[t->unit]);
      return;
    case SL_LIST:
    case SL_LARGE_LIST:
      sl_type_sql(t->children[0], a, sizeof a);
      snprintf(buf, cap, "ARRAY<%s>", a);
      return;
    case SL_MAP:
      sl_type_sql(t->children[0]->children[0], a, sizeof a);
      sl_type_sql(t->children[0]->children[1], b, sizeof b);
      snprintf(buf, cap, "MAP<%s, %s>", a, b);
      return;
    case SL_STRUCT: {
      size_t used = (size_t)snprintf(buf, cap, "ROW<");
      for (int64_t i = 0; i < t->n_children && used < cap; i++) {
        sl_type_sql(t->children[i], a, sizeof a);
        const char* nm = PyUnicode_AsUTF8(PyTuple_GET_ITEM(t->names, i));
        used += (size_t)snprintf(buf + used, cap - used, "%s%s %s", i ? ", " : "", nm ? nm : "?", a);
      }
      if (used < cap) snprintf(buf + used, cap - used, ">");
      return;
    }
  }
  snprintf(buf, cap, "?");
}
