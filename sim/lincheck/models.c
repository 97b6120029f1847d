/* models: the registry, and the single-value models (register, cas-register, counter, mutex).
 * The map and collection models live in model_kv.c and model_collections.c. */
#include "lincheck_int.h"
#include "models_int.h"

#include <string.h>

/* ---- Registry ---------------------------------------------------------------------------- */

enum { MAX_USER_MODELS = 32 };
/* Registered user models: written only by fl_model_register() at startup. */
static const fl_model *user_models[MAX_USER_MODELS];
static size_t n_user_models;

static const fl_model *const builtin_models[] = {
    &fl__model_register, &fl__model_cas_register, &fl__model_kv,    &fl__model_counter,
    &fl__model_set,      &fl__model_queue,        &fl__model_mutex,
};

const fl_model *fl_model_find(const char *name) {
  for (size_t k = 0; k < G_N_ELEMENTS(builtin_models); k++)
    if (strcmp(builtin_models[k]->name, name) == 0) return builtin_models[k];
  for (size_t k = 0; k < n_user_models; k++)
    if (strcmp(user_models[k]->name, name) == 0) return user_models[k];
  return NULL;
}

bool fl_model_register(const fl_model *m, GError **error) {
  if (!m || !m->name || !m->supports || !m->init || !m->step || !m->equal || !m->hash ||
      !m->describe || !m->free) {
    g_set_error(error, FL_LINCHECK_ERROR, FL_LINCHECK_ERROR_MODEL,
                "model %s: every hook must be set", m && m->name ? m->name : "(unnamed)");
    return false;
  }
  if (m->version != FL_MODEL_VERSION) {
    g_set_error(error, FL_LINCHECK_ERROR, FL_LINCHECK_ERROR_MODEL,
                "model %s: expected interface version %u, found %u", m->name, FL_MODEL_VERSION,
                m->version);
    return false;
  }
  if (fl_model_find(m->name)) {
    g_set_error(error, FL_LINCHECK_ERROR, FL_LINCHECK_ERROR_MODEL,
                "model %s: a model of that name is already registered", m->name);
    return false;
  }
  if (n_user_models == MAX_USER_MODELS) {
    g_set_error(error, FL_LINCHECK_ERROR, FL_LINCHECK_ERROR_MODEL,
                "model %s: at most %d user models", m->name, MAX_USER_MODELS);
    return false;
  }
  user_models[n_user_models++] = m;
  return true;
}

char *fl_model_names(void) {
  GString *s = g_string_new(NULL);
  for (size_t k = 0; k < G_N_ELEMENTS(builtin_models); k++)
    g_string_append_printf(s, "%s%s", k ? ", " : "", builtin_models[k]->name);
  for (size_t k = 0; k < n_user_models; k++) g_string_append_printf(s, ", %s", user_models[k]->name);
  return g_string_free(s, FALSE);
}

char *fl__model_unsupported(const char *model, const fl_lincheck_op *op, const char *why) {
  return g_strdup_printf("%s is not an operation of %s%s%s", op->f, model, why ? ": " : "",
                         why ? why : "");
}

bool fl__model_is_pair(const fl_lincheck_value *v) {
  return v->kind == FL_LINCHECK_VAL_LIST && v->n == 2;
}

/* ---- register and cas-register ------------------------------------------------------------
 * The state is the register's value, borrowed from the history's operations (nil at first). */

typedef struct reg_state {
  fl_lincheck_value v;
} reg_state;

static void *reg_init(void) {
  reg_state *s = g_new0(reg_state, 1);
  s->v.kind = FL_LINCHECK_VAL_NIL;
  return s;
}

static void *reg_with(const fl_lincheck_value *v) {
  reg_state *s = g_new0(reg_state, 1);
  s->v = *v;
  return s;
}

static bool reg_step(const void *state, const fl_lincheck_op *op, void **next) {
  const reg_state *s = state;
  *next = NULL;
  switch (op->fn) {
  case FL_LINCHECK_FN_READ:
    return op->outcome != FL_LINCHECK_OK || fl__lincheck_value_equal(&s->v, &op->out);
  case FL_LINCHECK_FN_WRITE:
    if (op->outcome == FL_LINCHECK_FAILED) return true;
    *next = reg_with(&op->in);
    return true;
  case FL_LINCHECK_FN_CAS: {
    bool match = fl__lincheck_value_equal(&s->v, &op->in.items[0]);
    if (op->outcome == FL_LINCHECK_FAILED) return !match;
    if (match) *next = reg_with(&op->in.items[1]);
    return match || op->outcome == FL_LINCHECK_UNKNOWN;
  }
  default:
    g_assert_not_reached();
  }
  return false;
}

static bool reg_equal(const void *a, const void *b) {
  return fl__lincheck_value_equal(&((const reg_state *)a)->v, &((const reg_state *)b)->v);
}

static uint64_t reg_hash(const void *a) { return fl__lincheck_value_hash(&((const reg_state *)a)->v); }

static char *reg_describe(const void *a) { return fl_lincheck_value_describe(&((const reg_state *)a)->v); }

static char *register_supports(const fl_lincheck_op *op) {
  if (op->fn == FL_LINCHECK_FN_READ || op->fn == FL_LINCHECK_FN_WRITE) return NULL;
  return fl__model_unsupported("register", op, op->fn == FL_LINCHECK_FN_CAS ? "use cas-register" : NULL);
}

static char *cas_register_supports(const fl_lincheck_op *op) {
  if (op->fn == FL_LINCHECK_FN_READ || op->fn == FL_LINCHECK_FN_WRITE) return NULL;
  if (op->fn == FL_LINCHECK_FN_CAS)
    return fl__model_is_pair(&op->in) ? NULL : fl__model_unsupported("cas-register", op, "expected [expected new]");
  return fl__model_unsupported("cas-register", op, NULL);
}

const fl_model fl__model_register = {
    .version = FL_MODEL_VERSION,
    .name = "register",
    .summary = "one value: read, write",
    .keyed = false,
    .supports = register_supports,
    .init = reg_init,
    .step = reg_step,
    .equal = reg_equal,
    .hash = reg_hash,
    .describe = reg_describe,
    .free = g_free,
};

const fl_model fl__model_cas_register = {
    .version = FL_MODEL_VERSION,
    .name = "cas-register",
    .summary = "one value: read, write, cas [expected new]",
    .keyed = false,
    .supports = cas_register_supports,
    .init = reg_init,
    .step = reg_step,
    .equal = reg_equal,
    .hash = reg_hash,
    .describe = reg_describe,
    .free = g_free,
};

/* ---- counter ------------------------------------------------------------------------------ */

static void *counter_init(void) { return g_new0(int64_t, 1); }

static bool counter_step(const void *state, const fl_lincheck_op *op, void **next) {
  int64_t v = *(const int64_t *)state;
  *next = NULL;
  if (op->fn == FL_LINCHECK_FN_READ)
    return op->outcome != FL_LINCHECK_OK || (op->out.kind == FL_LINCHECK_VAL_INT && op->out.i == v);
  if (op->outcome == FL_LINCHECK_FAILED) return true;
  int64_t *n = g_new(int64_t, 1);
  *n = (int64_t)((uint64_t)v + (uint64_t)(op->in.kind == FL_LINCHECK_VAL_INT ? op->in.i : 1));
  *next = n;
  return true;
}

static bool counter_equal(const void *a, const void *b) { return *(const int64_t *)a == *(const int64_t *)b; }
static uint64_t counter_hash(const void *a) { return fl__lincheck_mix64((uint64_t)*(const int64_t *)a); }
static char *counter_describe(const void *a) { return g_strdup_printf("%" G_GINT64_FORMAT, *(const int64_t *)a); }

static char *counter_supports(const fl_lincheck_op *op) {
  if (op->fn == FL_LINCHECK_FN_READ) return NULL;
  if (op->fn == FL_LINCHECK_FN_ADD)
    return op->in.kind == FL_LINCHECK_VAL_INT || op->in.kind == FL_LINCHECK_VAL_NIL || op->in.kind == FL_LINCHECK_VAL_NONE
               ? NULL : fl__model_unsupported("counter", op, "expected an integer to add");
  return fl__model_unsupported("counter", op, NULL);
}

const fl_model fl__model_counter = {
    .version = FL_MODEL_VERSION,
    .name = "counter",
    .summary = "an integer from 0: add n, read",
    .keyed = false,
    .supports = counter_supports,
    .init = counter_init,
    .step = counter_step,
    .equal = counter_equal,
    .hash = counter_hash,
    .describe = counter_describe,
    .free = g_free,
};

/* ---- mutex ----------------------------------------------------------------------------------
 * The state is whether the lock is held and the last fencing token an acquire returned. An
 * acquire whose result is an integer (faultline's lock workload) must return a token above
 * every earlier one; Jepsen's mutex histories acquire with nil and are checked as before. An
 * acquire with an unknown outcome may have taken a token nobody saw: the bound stays. */

typedef struct mutex_state {
  bool held;
  bool has_token;
  int64_t token;
} mutex_state;

static void *mutex_init(void) { return g_new0(mutex_state, 1); }

static void *mutex_with(const mutex_state *from, bool held) {
  mutex_state *s = g_new0(mutex_state, 1);
  *s = *from;
  s->held = held;
  return s;
}

static bool mutex_step(const void *state, const fl_lincheck_op *op, void **next) {
  const mutex_state *s = state;
  *next = NULL;
  bool acquire = op->fn == FL_LINCHECK_FN_ACQUIRE;
  /* A failed acquire (try-lock) found it held; a failed release found it free. */
  if (op->outcome == FL_LINCHECK_FAILED) return acquire ? s->held : !s->held;
  if (acquire == s->held) return false;
  mutex_state *n = mutex_with(s, acquire);
  if (acquire && op->outcome == FL_LINCHECK_OK && op->out.kind == FL_LINCHECK_VAL_INT) {
    if (s->has_token && op->out.i <= s->token) {
      g_free(n);
      return false;
    }
    n->has_token = true;
    n->token = op->out.i;
  }
  *next = n;
  return true;
}

static bool mutex_equal(const void *a, const void *b) {
  const mutex_state *x = a, *y = b;
  return x->held == y->held && x->has_token == y->has_token && x->token == y->token;
}

static uint64_t mutex_hash(const void *a) {
  const mutex_state *s = a;
  return fl__lincheck_mix64((uint64_t)s->token * 4 + (uint64_t)s->has_token * 2 + (uint64_t)s->held);
}

static char *mutex_describe(const void *a) {
  const mutex_state *s = a;
  if (!s->has_token) return g_strdup(s->held ? "held" : "free");
  return g_strdup_printf("%s, last token %" G_GINT64_FORMAT, s->held ? "held" : "free", s->token);
}

static char *mutex_supports(const fl_lincheck_op *op) {
  if (op->fn == FL_LINCHECK_FN_ACQUIRE || op->fn == FL_LINCHECK_FN_RELEASE) return NULL;
  return fl__model_unsupported("mutex", op, NULL);
}

const fl_model fl__model_mutex = {
    .version = FL_MODEL_VERSION,
    .name = "mutex",
    .summary = "a lock: acquire (its fencing token, if any, above every earlier one), release",
    .keyed = false,
    .supports = mutex_supports,
    .init = mutex_init,
    .step = mutex_step,
    .equal = mutex_equal,
    .hash = mutex_hash,
    .describe = mutex_describe,
    .free = g_free,
};
