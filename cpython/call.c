// Calls whose arguments are built in C, in the same crossing as the call,
// and sluice.View: memory that Python did not allocate, exposed through the
// buffer protocol (np.frombuffer and memoryview read it without a copy).
#include <stdlib.h>
#include <string.h>

#include "sluice_py.h"

// A View counts the buffers exported from it. A memoryview or a numpy array
// made from it keeps a reference to it, and a C extension that keeps a
// buffer keeps an export: together they say whether anything can still
// reach the memory. A memoryview from PyMemoryView_FromMemory would not do:
// its slices and casts share its managed buffer without referring to it.
typedef struct {
  PyObject_HEAD
  char* p;
  Py_ssize_t n;
  int readonly;
  Py_ssize_t exports;
  int64_t* count;  // where fill() reports its NULL count, or NULL
} sl_view;

static PyTypeObject sl_view_type;

static int sl_view_getbuffer(PyObject* self, Py_buffer* b, int flags) {
  sl_view* v = (sl_view*)self;
  // Raises BufferError for a writable request on a read-only view; numpy
  // then asks again for a read-only buffer and makes a read-only array.
  if (PyBuffer_FillInfo(b, self, v->p, v->n, v->readonly, flags) < 0) return -1;
  v->exports++;
  return 0;
}

static void sl_view_releasebuffer(PyObject* self, Py_buffer* b) {
  (void)b;
  ((sl_view*)self)->exports--;
}

static void sl_view_dealloc(PyObject* self) { PyObject_Free(self); }

static PyObject* sl_view_repr(PyObject* self) {
  sl_view* v = (sl_view*)self;
  return PyUnicode_FromFormat("<sluice.View of %zd bytes, %s>", v->n, v->readonly ? "read-only" : "writable");
}

// The item kind of a buffer format, or 0 when it is not a single native
// item ("d", "=f", "<q" on a little-endian machine, ...).
static char sl_format_kind(const char* f) {
  if (!f) return 'B';
  if (*f == '@' || *f == '=') f++;
#if PY_LITTLE_ENDIAN
  else if (*f == '<') f++;
#else
  else if (*f == '>' || *f == '!') f++;
#endif
  return (f[0] && !f[1]) ? f[0] : 0;
}

// The float copies check for NaN on the way, so that the check costs no
// pass of its own: x != x only for NaN. Contiguous data goes 16 bytes at a
// time in GCC/Clang vector types, which compile to SSE2 (or NEON) compares
// and ORs on any 64-bit target; auto-vectorizing the scalar loop needs
// flags the package cannot assume.
#define SL_COPY_FLOATS(name, T, VT, MT, LANES)                                                  \
  static int name(T* d, const char* s, Py_ssize_t n, Py_ssize_t stride) {                      \
    int nan = 0;                                                                                \
    Py_ssize_t i = 0;                                                                           \
    if (stride == (Py_ssize_t)sizeof(T)) {                                                      \
      MT acc = {0};                                                                             \
      for (; i + 2 * LANES <= n; i += 2 * LANES) {                                              \
        VT a, b;                                                                                \
        memcpy(&a, s + i * sizeof(T), sizeof a);                                                \
        memcpy(&b, s + (i + LANES) * sizeof(T), sizeof b);                                      \
        memcpy(d + i, &a, sizeof a);                                                            \
        memcpy(d + i + LANES, &b, sizeof b);                                                    \
        acc |= (a != a) | (b != b);                                                             \
      }                                                                                         \
      for (int k = 0; k < LANES; k++) nan |= acc[k] != 0;                                       \
    }                                                                                           \
    for (; i < n; i++) {                                                                        \
      T x;                                                                                      \
      memcpy(&x, s + i * stride, sizeof x);                                                     \
      d[i] = x;                                                                                 \
      nan |= x != x;                                                                            \
    }                                                                                           \
    return nan;                                                                                 \
  }

#if defined(__GNUC__)
typedef double sl_v2d __attribute__((vector_size(16)));
typedef int64_t sl_v2l __attribute__((vector_size(16)));
typedef float sl_v4f __attribute__((vector_size(16)));
typedef int32_t sl_v4i __attribute__((vector_size(16)));
SL_COPY_FLOATS(sl_copy_f64, double, sl_v2d, sl_v2l, 2)
SL_COPY_FLOATS(sl_copy_f32, float, sl_v4f, sl_v4i, 4)
#else
#define SL_COPY_SCALAR(name, T)                                              \
  static int name(T* d, const char* s, Py_ssize_t n, Py_ssize_t stride) {   \
    int nan = 0;                                                             \
    for (Py_ssize_t i = 0; i < n; i++) {                                     \
      T x;                                                                   \
      memcpy(&x, s + i * stride, sizeof x);                                  \
      d[i] = x;                                                              \
      nan |= x != x;                                                         \
    }                                                                        \
    return nan;                                                              \
  }
SL_COPY_SCALAR(sl_copy_f64, double)
SL_COPY_SCALAR(sl_copy_f32, float)
#endif

// sl_nan_bitmap writes the Arrow validity bitmap of d (NaN is NULL, the
// bits past n are 0) and returns the number of NULLs.
#define SL_NAN_BITMAP(name, T)                                        \
  static Py_ssize_t name(const T* d, Py_ssize_t n, uint8_t* bits) {   \
    Py_ssize_t nulls = 0;                                             \
    memset(bits, 0, (size_t)((n + 7) / 8));                           \
    for (Py_ssize_t i = 0; i < n; i++) {                              \
      int valid = d[i] == d[i];                                       \
      bits[i >> 3] |= (uint8_t)(valid << (i & 7));                    \
      nulls += !valid;                                                \
    }                                                                 \
    return nulls;                                                     \
  }
SL_NAN_BITMAP(sl_nan_bitmap_f64, double)
SL_NAN_BITMAP(sl_nan_bitmap_f32, float)

PyDoc_STRVAR(sl_view_fill_doc,
             "fill(src, validity) -> int\n\n"
             "Copies the one-dimensional buffer src, of exactly the view's size, into the\n"
             "view. For float items ('d', 'f') a NaN is a NULL: when there is one, the\n"
             "Arrow validity bitmap goes into validity (a writable View of at least\n"
             "ceil(len/8) bytes). Returns the number of NULLs, which a View made to\n"
             "report it also stores where its maker reads it.");

static PyObject* sl_view_fill(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  sl_view* v = (sl_view*)self;
  if (nargs != 2) {
    PyErr_SetString(PyExc_TypeError, "fill() takes 2 arguments: src, validity");
    return NULL;
  }
  if (v->readonly) {
    PyErr_SetString(PyExc_TypeError, "fill() into a read-only View");
    return NULL;
  }
  Py_buffer b;
  if (PyObject_GetBuffer(args[0], &b, PyBUF_STRIDES | PyBUF_FORMAT) < 0) return NULL;
  PyObject* res = NULL;
  char kind = sl_format_kind(b.format);
  Py_ssize_t n = b.ndim == 1 ? b.shape[0] : -1;
  if (b.ndim != 1 || kind == 0) {
    PyErr_Format(PyExc_ValueError, "fill() needs a one-dimensional buffer of native items, not %d-dimensional '%s'",
                 b.ndim, b.format ? b.format : "B");
    goto done;
  }
  if (n * b.itemsize != v->n) {
    PyErr_Format(PyExc_ValueError, "fill() of a %zd-byte View from %zd items of %zd bytes", v->n, n, b.itemsize);
    goto done;
  }
  int is_float = (kind == 'd' && b.itemsize == 8) || (kind == 'f' && b.itemsize == 4);
  Py_ssize_t nulls = 0;
  if (!is_float) {
    if (b.strides[0] == b.itemsize) {
      memcpy(v->p, b.buf, (size_t)v->n);
    } else {
      for (Py_ssize_t i = 0; i < n; i++)
        memcpy(v->p + i * b.itemsize, (const char*)b.buf + i * b.strides[0], (size_t)b.itemsize);
    }
    goto filled;
  }
  int nan = b.itemsize == 8 ? sl_copy_f64((double*)v->p, b.buf, n, b.strides[0])
                            : sl_copy_f32((float*)v->p, b.buf, n, b.strides[0]);
  if (!nan) goto filled;
  PyObject* valid = args[1];
  if (!Py_IS_TYPE(valid, &sl_view_type) || ((sl_view*)valid)->readonly || ((sl_view*)valid)->n < (n + 7) / 8) {
    PyErr_SetString(PyExc_ValueError, "fill() of floats with NaN needs a writable validity View of ceil(len/8) bytes");
    goto done;
  }
  uint8_t* bits = (uint8_t*)((sl_view*)valid)->p;
  nulls = b.itemsize == 8 ? sl_nan_bitmap_f64((const double*)v->p, n, bits)
                          : sl_nan_bitmap_f32((const float*)v->p, n, bits);
filled:
  if (v->count) *v->count = nulls;
  res = PyLong_FromSsize_t(nulls);
done:
  PyBuffer_Release(&b);
  return res;
}

static PyMethodDef sl_view_methods[] = {
    {"fill", (PyCFunction)(void (*)(void))sl_view_fill, METH_FASTCALL, sl_view_fill_doc},
    {NULL, NULL, 0, NULL},
};

static PyBufferProcs sl_view_buffer = {
    .bf_getbuffer = sl_view_getbuffer,
    .bf_releasebuffer = sl_view_releasebuffer,
};

static PyTypeObject sl_view_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "sluice.View",
    .tp_basicsize = sizeof(sl_view),
    .tp_dealloc = sl_view_dealloc,
    .tp_repr = sl_view_repr,
    .tp_as_buffer = &sl_view_buffer,
    .tp_methods = sl_view_methods,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Memory owned by Sluice, exposed through the buffer protocol.",
};

int sl_view_init(void) { return PyType_Ready(&sl_view_type); }

PyObject* sl_view_new(void* p, Py_ssize_t n, int writable, int64_t* count) {
  sl_view* v = PyObject_New(sl_view, &sl_view_type);
  if (!v) return NULL;
  v->p = p;
  v->n = n;
  v->readonly = !writable;
  v->exports = 0;
  v->count = writable ? count : NULL;
  return (PyObject*)v;
}

int sl_view_in_use(PyObject* view) {
  if (Py_REFCNT(view) > 1) return 1;
  return Py_IS_TYPE(view, &sl_view_type) && ((sl_view*)view)->exports > 0;
}

#define SL_STACK_ARGS 16

PyObject* sl_call_args(PyObject* fn, sl_arg* args, int nargs) {
  // One slot in front of the arguments lets CPython prepend `self` for a
  // bound method without copying (PY_VECTORCALL_ARGUMENTS_OFFSET).
  PyObject* small[SL_STACK_ARGS + 1];
  PyObject** stack = small;
  if (nargs > SL_STACK_ARGS) {
    stack = malloc(sizeof(PyObject*) * (size_t)(nargs + 1));
    if (!stack) return PyErr_NoMemory();
  }
  PyObject** argv = stack + 1;
  PyObject* res = NULL;
  int built = 0;
  // The caller's objects are borrowed: hold them for the call, which may
  // let other threads run and drop theirs.
  Py_INCREF(fn);
  for (; built < nargs; built++) {
    sl_arg* a = &args[built];
    PyObject* o = NULL;
    switch (a->kind) {
      case SL_ARG_INT:
        o = PyLong_FromLongLong(a->n);
        break;
      case SL_ARG_OBJECT:
        o = a->obj;
        Py_INCREF(o);
        break;
      case SL_ARG_VIEW:
      case SL_ARG_VIEW_RW:
        a->obj = NULL;
        o = sl_view_new((void*)a->addr, (Py_ssize_t)a->n, a->kind == SL_ARG_VIEW_RW, (int64_t*)a->count);
        break;
      default:
        o = Py_None;
        Py_INCREF(o);
    }
    if (!o) break;
    argv[built] = o;
  }
  if (built == nargs) res = PyObject_Vectorcall(fn, argv, (size_t)nargs | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
  for (int i = 0; i < built; i++) {
    sl_arg* a = &args[i];
    if ((a->kind == SL_ARG_VIEW || a->kind == SL_ARG_VIEW_RW) && sl_view_in_use(argv[i])) {
      a->obj = argv[i];  // the caller's reference now
      continue;
    }
    Py_DECREF(argv[i]);
  }
  Py_DECREF(fn);
  if (stack != small) free(stack);
  return res;
}
