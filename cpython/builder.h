// Growable Arrow column builders over malloc'd buffers.
#ifndef SLUICE_BUILDER_H
#define SLUICE_BUILDER_H

#include "sluice_py.h"

typedef struct sl_builder {
  const sl_type* t;
  int64_t len, nulls, cap;  // cap in elements
  uint8_t* valid;           // validity bitmap
  uint8_t* data;            // values, bits (BOOLEAN) or offsets
  char* vdata;              // bytes of variable-width values
  int64_t vlen, vcap;
  int64_t n_children;
  struct sl_builder* children;
} sl_builder;

int sl_builder_init(sl_builder* b, const sl_type* t, int64_t cap);
int sl_builder_append(sl_builder* b, PyObject* o);
int sl_builder_append_null(sl_builder* b);
// sl_builder_finish moves the buffers into out; sl_builder_free must still
// be called on the builder afterwards.
int sl_builder_finish(sl_builder* b, struct ArrowArray* out);
void sl_builder_free(sl_builder* b);
int sl_from_python_init(void);

#endif  // SLUICE_BUILDER_H
