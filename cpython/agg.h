// The aggregate function kernel (agg_kernel.c).
#ifndef SLUICE_AGG_H
#define SLUICE_AGG_H

#include "builder.h"

#define SL_AGG_MAX_ARGS 16

// Ops of sl_agg_run, four int64 each: (op, row or blob offset, group, blob length).
enum { SL_AGG_ACC = 1, SL_AGG_RET = 2, SL_AGG_RESULT = 3, SL_AGG_RESET = 4, SL_AGG_LOAD = 5 };

// The engine's stream acts (engine.AccPrev...).
enum { SL_ACC_PREV = 1, SL_ACC_NEW = 2, SL_ACC_CMP = 4, SL_ACC_RESET = 8 };

// SL_ERR_LOAD: a saved accumulator did not unpickle.
#define SL_ERR_LOAD 100

typedef struct {
  PyObject* accs;        // list: the accumulator of each group, or unset
  PyObject* results;     // list: buffered get_value results
  PyObject* unset;       // the "not created yet" sentinel
  PyObject* create;      // bound create_accumulator
  PyObject* accumulate;  // bound accumulate
  PyObject* retract;     // bound retract, or NULL
  PyObject* get_value;   // bound get_value
  PyObject* dumps;       // pickle.dumps
  PyObject* loads;       // pickle.loads
  int distinct;          // DISTINCT: counts holds each group's argument tuples
  PyObject* counts;      // list: per group a dict {args: count}, or None
  const char* name;
} sl_agg;

typedef struct {
  int nargs;
  struct ArrowArray** cols;
  sl_type** types;
} sl_agg_args;

typedef struct {
  int kind;
  int64_t op;     // the failing op of sl_agg_run, -1 elsewhere
  int64_t row;    // the row being applied, -1 if none
  int64_t group;  // the group, -1 if unknown
} sl_agg_error;

int sl_agg_run(sl_agg* s, const int64_t* ops, int64_t nops, const sl_agg_args* a, const char* blob,
               sl_agg_error* err);
int sl_agg_stream(sl_agg* s, int64_t from, int64_t to, const uint32_t* groups, const int8_t* signs,
                  const uint8_t* acts, uint8_t* changed, const sl_agg_args* a, sl_agg_error* err);
int sl_agg_flush(sl_agg* s, const sl_type* t, struct ArrowArray* out, int64_t* bad);
PyObject* sl_agg_save(sl_agg* s, int64_t g);

#endif  // SLUICE_AGG_H
