/* model_kv: a map from keys to values; per key read/get, write/put, append, cas.
 *
 * The state is an array of (key, value) sorted by key, so equal maps compare and hash equal
 * whatever order they were built in. Keys are interned by the history, values borrowed from it,
 * except the strings `append` builds, which are reference-counted (GRefString) so copying a map
 * to make the next state is cheap. A missing key reads as nil, or as "" (Porcupine's kv, where
 * get of a missing key returns the empty string). Checked split by key, each part's map has one
 * key; unsplit, the map holds them all. */
#include "lincheck_int.h"
#include "models_int.h"

#include <string.h>

typedef struct kv_entry {
  const char *key;
  fl_lincheck_value v;
  char *owned; /* GRefString when v.s was built by append, else NULL */
} kv_entry;

typedef struct kv_state {
  uint32_t n;
  kv_entry e[];
} kv_state;

static const char *const empty_key = "";

static void *kv_init(void) { return g_malloc0(sizeof(kv_state)); }

static void kv_free(void *p) {
  kv_state *s = p;
  if (!s) return;
  for (uint32_t k = 0; k < s->n; k++)
    if (s->e[k].owned) g_ref_string_release(s->e[k].owned);
  g_free(s);
}

static const char *key_of(const fl_lincheck_op *op) { return op->key ? op->key : empty_key; }

/* Index of `key`, or -(insertion point) - 1. */
static int64_t find(const kv_state *s, const char *key) {
  int64_t lo = 0, hi = (int64_t)s->n - 1;
  while (lo <= hi) {
    int64_t mid = (lo + hi) / 2;
    int c = strcmp(s->e[mid].key, key);
    if (c == 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}

/* A copy of `s` with `key` set to `v` (`owned` transferred). */
static kv_state *with(const kv_state *s, const char *key, const fl_lincheck_value *v, char *owned) {
  int64_t at = find(s, key);
  uint32_t n = s->n + (at < 0);
  kv_state *t = g_malloc(sizeof(kv_state) + n * sizeof(kv_entry));
  t->n = n;
  uint32_t pos = at < 0 ? (uint32_t)(-at - 1) : (uint32_t)at;
  for (uint32_t k = 0, j = 0; k < n; k++) {
    if (k == pos) {
      t->e[k] = (kv_entry){key, *v, owned};
      if (at >= 0) j++;
      continue;
    }
    t->e[k] = s->e[j++];
    if (t->e[k].owned) g_ref_string_acquire(t->e[k].owned);
  }
  return t;
}

static bool reads_as(const fl_lincheck_value *cur, const fl_lincheck_value *out) {
  if (cur) return fl__lincheck_value_equal(cur, out);
  return out->kind == FL_LINCHECK_VAL_NIL || (out->kind == FL_LINCHECK_VAL_STR && out->s[0] == '\0');
}

static bool kv_step(const void *state, const fl_lincheck_op *op, void **next) {
  const kv_state *s = state;
  *next = NULL;
  int64_t at = find(s, key_of(op));
  const fl_lincheck_value *cur = at >= 0 ? &s->e[at].v : NULL;
  switch (op->fn) {
  case FL_LINCHECK_FN_READ:
    return op->outcome != FL_LINCHECK_OK || reads_as(cur, &op->out);
  case FL_LINCHECK_FN_WRITE:
    if (op->outcome == FL_LINCHECK_FAILED) return true;
    *next = with(s, key_of(op), &op->in, NULL);
    return true;
  case FL_LINCHECK_FN_APPEND: {
    if (op->outcome == FL_LINCHECK_FAILED) return true;
    if (cur && cur->kind != FL_LINCHECK_VAL_STR && cur->kind != FL_LINCHECK_VAL_NIL) return false;
    const char *base = cur && cur->kind == FL_LINCHECK_VAL_STR ? cur->s : "";
    char *joined = g_strconcat(base, op->in.s, NULL);
    char *ref = g_ref_string_new(joined);
    g_free(joined);
    fl_lincheck_value v = {.kind = FL_LINCHECK_VAL_STR, .s = ref};
    *next = with(s, key_of(op), &v, ref);
    return true;
  }
  case FL_LINCHECK_FN_CAS: {
    const fl_lincheck_value *expected = &op->in.items[0];
    bool match = cur ? fl__lincheck_value_equal(cur, expected) : expected->kind == FL_LINCHECK_VAL_NIL;
    if (op->outcome == FL_LINCHECK_FAILED) return !match;
    if (match) *next = with(s, key_of(op), &op->in.items[1], NULL);
    return match || op->outcome == FL_LINCHECK_UNKNOWN;
  }
  default:
    g_assert_not_reached();
  }
  return false;
}

static bool kv_equal(const void *a, const void *b) {
  const kv_state *x = a, *y = b;
  if (x->n != y->n) return false;
  for (uint32_t k = 0; k < x->n; k++)
    if (strcmp(x->e[k].key, y->e[k].key) != 0 || !fl__lincheck_value_equal(&x->e[k].v, &y->e[k].v))
      return false;
  return true;
}

static uint64_t kv_hash(const void *a) {
  const kv_state *s = a;
  uint64_t h = 0x6b76u + s->n;
  for (uint32_t k = 0; k < s->n; k++) {
    fl_lincheck_value key = {.kind = FL_LINCHECK_VAL_STR, .s = s->e[k].key};
    h = fl__lincheck_mix64(h ^ fl__lincheck_value_hash(&key));
    h = fl__lincheck_mix64(h ^ fl__lincheck_value_hash(&s->e[k].v));
  }
  return h;
}

static char *kv_describe(const void *a) {
  const kv_state *s = a;
  GString *out = g_string_new("{");
  for (uint32_t k = 0; k < s->n; k++) {
    char *v = fl_lincheck_value_describe(&s->e[k].v);
    g_string_append_printf(out, "%s%s %s", k ? ", " : "", s->e[k].key, v);
    g_free(v);
  }
  g_string_append_c(out, '}');
  return g_string_free(out, FALSE);
}

static char *kv_supports(const fl_lincheck_op *op) {
  switch (op->fn) {
  case FL_LINCHECK_FN_READ:
  case FL_LINCHECK_FN_WRITE:
    return NULL;
  case FL_LINCHECK_FN_APPEND:
    return op->in.kind == FL_LINCHECK_VAL_STR ? NULL : fl__model_unsupported("kv", op, "expected a string to append");
  case FL_LINCHECK_FN_CAS:
    return fl__model_is_pair(&op->in) ? NULL : fl__model_unsupported("kv", op, "expected [expected new]");
  default:
    return fl__model_unsupported("kv", op, NULL);
  }
}

const fl_model fl__model_kv = {
    .version = FL_MODEL_VERSION,
    .name = "kv",
    .summary = "a map; per key read/get, write/put, append, cas [expected new]",
    .keyed = true,
    .supports = kv_supports,
    .init = kv_init,
    .step = kv_step,
    .equal = kv_equal,
    .hash = kv_hash,
    .describe = kv_describe,
    .free = kv_free,
};
