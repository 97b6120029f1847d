/* model_collections: set (add/read) and FIFO queue (enqueue/dequeue).
 *
 * Both keep their elements as values borrowed from the history's operations, in an array:
 * sorted and without duplicates for the set (so equal sets compare and hash equal), in arrival
 * order for the queue. Each step copies the array; the checker memoizes transitions, so a
 * step runs once per distinct (state, operation). */
#include "lincheck_int.h"
#include "models_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct coll_state {
  uint32_t n;
  fl_lincheck_value v[];
} coll_state;

static void *coll_init(void) { return g_malloc0(sizeof(coll_state)); }

static coll_state *coll_new(uint32_t n) {
  coll_state *s = g_malloc0(sizeof(coll_state) + n * sizeof(fl_lincheck_value));
  s->n = n;
  return s;
}

static bool coll_equal(const void *a, const void *b) {
  const coll_state *x = a, *y = b;
  if (x->n != y->n) return false;
  for (uint32_t k = 0; k < x->n; k++)
    if (!fl__lincheck_value_equal(&x->v[k], &y->v[k])) return false;
  return true;
}

static uint64_t coll_hash(const void *a) {
  const coll_state *s = a;
  uint64_t h = 0xc011u + s->n;
  for (uint32_t k = 0; k < s->n; k++) h = fl__lincheck_mix64(h ^ fl__lincheck_value_hash(&s->v[k]));
  return h;
}

static char *coll_describe(const void *a) {
  const coll_state *s = a;
  fl_lincheck_value list = {.kind = FL_LINCHECK_VAL_LIST, .n = s->n, .items = s->v};
  return fl_lincheck_value_describe(&list);
}

/* ---- set ---------------------------------------------------------------------------------- */

static int cmp_values(const void *a, const void *b) { return fl__lincheck_value_cmp(a, b); }

/* Does the read result `out` (a list, any order, duplicates allowed) hold exactly `s`? */
static bool same_set(const coll_state *s, const fl_lincheck_value *out) {
  if (out->kind == FL_LINCHECK_VAL_NIL) return s->n == 0;
  if (out->kind != FL_LINCHECK_VAL_LIST) return false;
  fl_lincheck_value *items = g_memdup2(out->items, (gsize)(out->n ? out->n : 1) * sizeof *items);
  qsort(items, out->n, sizeof *items, cmp_values);
  uint32_t m = 0;
  for (uint32_t k = 0; k < out->n; k++)
    if (m == 0 || !fl__lincheck_value_equal(&items[m - 1], &items[k])) items[m++] = items[k];
  bool same = m == s->n;
  for (uint32_t k = 0; same && k < m; k++) same = fl__lincheck_value_equal(&items[k], &s->v[k]);
  g_free(items);
  return same;
}

static bool set_step(const void *state, const fl_lincheck_op *op, void **next) {
  const coll_state *s = state;
  *next = NULL;
  if (op->fn == FL_LINCHECK_FN_READ) return op->outcome != FL_LINCHECK_OK || same_set(s, &op->out);
  if (op->outcome == FL_LINCHECK_FAILED) return true;
  uint32_t at = 0;
  while (at < s->n && fl__lincheck_value_cmp(&s->v[at], &op->in) < 0) at++;
  if (at < s->n && fl__lincheck_value_equal(&s->v[at], &op->in)) return true; /* already there */
  coll_state *t = coll_new(s->n + 1);
  memcpy(t->v, s->v, at * sizeof *t->v);
  t->v[at] = op->in;
  memcpy(t->v + at + 1, s->v + at, (s->n - at) * sizeof *t->v);
  *next = t;
  return true;
}

static char *set_supports(const fl_lincheck_op *op) {
  if (op->fn == FL_LINCHECK_FN_READ || op->fn == FL_LINCHECK_FN_ADD) return NULL;
  return fl__model_unsupported("set", op, NULL);
}

const fl_model fl__model_set = {
    .version = FL_MODEL_VERSION,
    .name = "set",
    .summary = "a set, empty at first: add x, read (the whole set)",
    .keyed = false,
    .supports = set_supports,
    .init = coll_init,
    .step = set_step,
    .equal = coll_equal,
    .hash = coll_hash,
    .describe = coll_describe,
    .free = g_free,
};

/* ---- queue -------------------------------------------------------------------------------- */

static bool queue_step(const void *state, const fl_lincheck_op *op, void **next) {
  const coll_state *s = state;
  *next = NULL;
  if (op->outcome == FL_LINCHECK_FAILED) return true;
  if (op->fn == FL_LINCHECK_FN_ENQUEUE) {
    coll_state *t = coll_new(s->n + 1);
    memcpy(t->v, s->v, s->n * sizeof *t->v);
    t->v[s->n] = op->in;
    *next = t;
    return true;
  }
  if (op->outcome == FL_LINCHECK_OK) {
    if (op->out.kind == FL_LINCHECK_VAL_NIL || op->out.kind == FL_LINCHECK_VAL_NONE) return s->n == 0;
    if (s->n == 0 || !fl__lincheck_value_equal(&s->v[0], &op->out)) return false;
  } else if (s->n == 0) {
    return true; /* an unknown dequeue of an empty queue changes nothing */
  }
  coll_state *t = coll_new(s->n - 1);
  memcpy(t->v, s->v + 1, (s->n - 1) * sizeof *t->v);
  *next = t;
  return true;
}

static char *queue_supports(const fl_lincheck_op *op) {
  if (op->fn == FL_LINCHECK_FN_ENQUEUE || op->fn == FL_LINCHECK_FN_DEQUEUE) return NULL;
  return fl__model_unsupported("queue", op, NULL);
}

const fl_model fl__model_queue = {
    .version = FL_MODEL_VERSION,
    .name = "queue",
    .summary = "a FIFO queue: enqueue v, dequeue (nil when empty)",
    .keyed = false,
    .supports = queue_supports,
    .init = coll_init,
    .step = queue_step,
    .equal = coll_equal,
    .hash = coll_hash,
    .describe = coll_describe,
    .free = g_free,
};
