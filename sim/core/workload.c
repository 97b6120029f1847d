/* workload: the registry of workload kinds, the built-in kinds (workload.h), and the
 * defaults and copies of the workload a scenario describes (also workload.h).
 *
 * Values: kv writes small values (0..4), as Jepsen's cas-register tests do, so that
 * compare-and-set succeeds often enough to matter and reads are ambiguous enough to test a
 * checker. A transaction's writes are unique in the run instead, so that a read names the one
 * transaction it observed: the transaction checks (lincheck/txn.h) rely on it. */
#include "workload.h"

#include <string.h>

G_DEFINE_QUARK(fl-workload-error-quark, fl_workload_error)

#define KV_VALUE_RANGE 5
#define COUNTER_DELTA_MAX 5 /* add 1 .. 5 */

/* ---- Helpers shared by the kinds ----------------------------------------------------------- */

static fl_op_kind pick_kind(const fl_workload *wl, fl_rng *r) {
  double total = 0;
  for (int k = 0; k < FL_OP_KIND_COUNT; k++) total += wl->mix[k];
  double x = fl_rng_uniform(r) * total;
  for (int k = 0; k < FL_OP_KIND_COUNT; k++) {
    if (x < wl->mix[k]) return (fl_op_kind)k;
    x -= wl->mix[k];
  }
  return FL_OP_READ;
}

static void put_opt_int(GString *out, bool has, int64_t v, bool edn) {
  if (has) g_string_append_printf(out, "%" G_GINT64_FORMAT, v);
  else g_string_append(out, edn ? "nil" : "null");
}

/* EDN carries the key inside the value, [key value], as jepsen.independent and Maelstrom do;
 * JSON lines have a "key" member (written by history.c) and the bare value. */
static void keyed(GString *out, bool edn, int64_t key, bool has, int64_t v) {
  if (edn) g_string_append_printf(out, "[%" G_GINT64_FORMAT " ", key);
  put_opt_int(out, has, v, edn);
  if (edn) g_string_append_c(out, ']');
}

/* ---- kv: read / write / cas --------------------------------------------------------------- */

/* The draws are those the clients made before workloads were pluggable, in the same order:
 * the kind, the key, a cas's expected value, the value. */
static void kv_next(const fl_workload_gen *g, fl_txn *req) {
  fl_op *op = &req->op;
  op->kind = pick_kind(g->wl, g->rng);
  op->key = g->pick_key(g->user);
  if (op->kind == FL_OP_CAS) op->expected = (int64_t)fl_rng_below(g->rng, KV_VALUE_RANGE);
  if (op->kind != FL_OP_READ) op->value = (int64_t)fl_rng_below(g->rng, KV_VALUE_RANGE);
}

static void kv_write_value(GString *out, bool edn, const fl_txn *req, bool done,
                           const fl_op_result *r) {
  const fl_op *op = &req->op;
  if (op->kind == FL_OP_READ) {
    keyed(out, edn, op->key, done && r->has_value, done ? r->value : 0);
  } else if (op->kind == FL_OP_WRITE) {
    keyed(out, edn, op->key, true, op->value);
  } else {
    if (edn) g_string_append_printf(out, "[%" G_GINT64_FORMAT " ", op->key);
    g_string_append_printf(out, "[%" G_GINT64_FORMAT "%s%" G_GINT64_FORMAT "]", op->expected,
                           edn ? " " : ",", op->value);
    if (edn) g_string_append_c(out, ']');
  }
}

static const fl_workload_kind kind_kv = {
    .name = "kv",
    .summary = "read / write / cas on integer keys",
    .mix_ops = "read|write|cas",
    .default_mix = {[FL_OP_READ] = 0.5, [FL_OP_WRITE] = 0.4, [FL_OP_CAS] = 0.1},
    .model = "kv",
    .next = kv_next,
    .completed = NULL,
    .write_value = kv_write_value,
};

/* ---- counter: add(delta) / read ----------------------------------------------------------- */

static void counter_next(const fl_workload_gen *g, fl_txn *req) {
  fl_op *op = &req->op;
  op->kind = pick_kind(g->wl, g->rng);
  op->key = g->pick_key(g->user);
  if (op->kind == FL_OP_ADD) op->value = 1 + (int64_t)fl_rng_below(g->rng, COUNTER_DELTA_MAX);
}

static void counter_write_value(GString *out, bool edn, const fl_txn *req, bool done,
                                const fl_op_result *r) {
  const fl_op *op = &req->op;
  /* A counter never added to reads 0, whether or not the server calls that "no value". */
  if (op->kind == FL_OP_READ) keyed(out, edn, op->key, done, done && r->has_value ? r->value : 0);
  else keyed(out, edn, op->key, true, op->value);
}

static const fl_workload_kind kind_counter = {
    .name = "counter",
    .summary = "add(delta) / read on integer counters, each from 0",
    .mix_ops = "add|read",
    .default_mix = {[FL_OP_ADD] = 0.5, [FL_OP_READ] = 0.5},
    .model = "counter",
    .next = counter_next,
    .completed = NULL,
    .write_value = counter_write_value,
};

/* ---- lock: acquire / release with fencing tokens ------------------------------------------ */

/* A client that holds a lock releases it; one that holds none tries to acquire one. */
static void lock_next(const fl_workload_gen *g, fl_txn *req) {
  fl_op *op = &req->op;
  if (g->state->holds) {
    op->kind = FL_OP_RELEASE;
    op->key = g->state->lock;
    op->value = g->state->token;
  } else {
    op->kind = FL_OP_ACQUIRE;
    op->key = g->pick_key(g->user);
  }
}

/* An acquire whose outcome is unknown may hold the lock forever: the client cannot release
 * what it does not know it holds, as a real client without leases could not. */
static void lock_completed(fl_workload_client *st, const fl_op *op, fl_workload_outcome how,
                           const fl_op_result *r) {
  if (op->kind == FL_OP_ACQUIRE && how == FL_WL_OK) {
    st->holds = true;
    st->lock = op->key;
    st->token = r->has_value ? r->value : 0;
  } else if (op->kind == FL_OP_RELEASE) {
    st->holds = false;
  }
}

static void lock_write_value(GString *out, bool edn, const fl_txn *req, bool done,
                             const fl_op_result *r) {
  const fl_op *op = &req->op;
  if (op->kind == FL_OP_ACQUIRE) keyed(out, edn, op->key, done && r->has_value, done ? r->value : 0);
  else keyed(out, edn, op->key, true, op->value);
}

static const fl_workload_kind kind_lock = {
    .name = "lock",
    .summary = "acquire / release of named locks; an acquire returns a fencing token",
    .mix_ops = NULL,
    .default_mix = {[FL_OP_ACQUIRE] = 1.0},
    .model = "mutex",
    .next = lock_next,
    .completed = lock_completed,
    .write_value = lock_write_value,
};

/* ---- txn: transactions of read / write micro-operations ----------------------------------- */

static void txn_next(const fl_workload_gen *g, fl_txn *req) {
  req->op.kind = FL_OP_TXN;
  int max = g->wl->txn_ops > 0 ? g->wl->txn_ops : 1;
  req->n = 1 + (uint32_t)fl_rng_below(g->rng, (uint64_t)max);
  for (uint32_t i = 0; i < req->n; i++) {
    fl_micro_op *m = &req->mops[i];
    m->f = pick_kind(g->wl, g->rng) == FL_OP_WRITE ? FL_MOP_WRITE : FL_MOP_READ;
    m->key = g->pick_key(g->user);
    /* Unique in the run: (seq, micro-op, client) numbered from 1. */
    if (m->f == FL_MOP_WRITE)
      m->value = (int64_t)((req->op.seq * FL_LIMIT_TXN_OPS + i) * g->n_clients + g->client) + 1;
  }
}

/* [["r",1,null],["w",2,7]] in JSON, [[:r 1 nil] [:w 2 7]] in EDN, as Jepsen and Elle write
 * transactions. A read's value is known only in an ok completion. */
static void txn_write_value(GString *out, bool edn, const fl_txn *req, bool done,
                            const fl_op_result *r) {
  (void)r;
  g_string_append_c(out, '[');
  for (uint32_t i = 0; i < req->n && i < FL_LIMIT_TXN_OPS; i++) {
    const fl_micro_op *m = &req->mops[i];
    bool w = m->f == FL_MOP_WRITE;
    if (i) g_string_append(out, edn ? " " : ",");
    if (edn) g_string_append_printf(out, "[%s %" G_GINT64_FORMAT " ", w ? ":w" : ":r", m->key);
    else g_string_append_printf(out, "[\"%s\",%" G_GINT64_FORMAT ",", w ? "w" : "r", m->key);
    put_opt_int(out, w || (done && m->has_value), m->value, edn);
    g_string_append_c(out, ']');
  }
  g_string_append_c(out, ']');
}

static const fl_workload_kind kind_txn = {
    .name = "txn",
    .summary = "transactions of read / write micro-operations on several keys",
    .mix_ops = "read|write",
    .default_mix = {[FL_OP_READ] = 0.5, [FL_OP_WRITE] = 0.5},
    .model = "txn",
    .next = txn_next,
    .completed = NULL,
    .write_value = txn_write_value,
};

/* ---- Registry ------------------------------------------------------------------------------ */

enum { MAX_USER_KINDS = 16 };
/* Registered user kinds: written only by fl_workload_kind_register() at startup. */
static const fl_workload_kind *user_kinds[MAX_USER_KINDS];
static size_t n_user_kinds;

static const fl_workload_kind *const builtin_kinds[] = {&kind_kv, &kind_txn, &kind_lock,
                                                         &kind_counter};

const fl_workload_kind *fl_workload_kind_find(const char *name) {
  for (size_t k = 0; k < G_N_ELEMENTS(builtin_kinds); k++)
    if (strcmp(builtin_kinds[k]->name, name) == 0) return builtin_kinds[k];
  for (size_t k = 0; k < n_user_kinds; k++)
    if (strcmp(user_kinds[k]->name, name) == 0) return user_kinds[k];
  return NULL;
}

bool fl_workload_kind_register(const fl_workload_kind *k, GError **error) {
  if (!k || !k->name || !k->model || !k->next || !k->write_value) {
    g_set_error(error, FL_WORKLOAD_ERROR, FL_WORKLOAD_ERROR_REGISTER,
                "workload %s: name, model, next and write_value must be set",
                k && k->name ? k->name : "(unnamed)");
    return false;
  }
  if (fl_workload_kind_find(k->name)) {
    g_set_error(error, FL_WORKLOAD_ERROR, FL_WORKLOAD_ERROR_REGISTER,
                "workload %s: a workload of that name is already registered", k->name);
    return false;
  }
  if (n_user_kinds == MAX_USER_KINDS) {
    g_set_error(error, FL_WORKLOAD_ERROR, FL_WORKLOAD_ERROR_REGISTER,
                "workload %s: at most %d user workloads", k->name, MAX_USER_KINDS);
    return false;
  }
  user_kinds[n_user_kinds++] = k;
  return true;
}

char *fl_workload_kind_names(void) {
  GString *s = g_string_new(NULL);
  for (size_t k = 0; k < G_N_ELEMENTS(builtin_kinds); k++)
    g_string_append_printf(s, "%s%s", k ? "|" : "", builtin_kinds[k]->name);
  for (size_t k = 0; k < n_user_kinds; k++) g_string_append_printf(s, "|%s", user_kinds[k]->name);
  return g_string_free(s, FALSE);
}

int fl_workload_mix_op(const fl_workload_kind *k, const char *name) {
  if (!k->mix_ops) return -1;
  char **ops = g_strsplit(k->mix_ops, "|", -1);
  int found = -1;
  for (int i = 0; ops[i] && found < 0; i++) {
    if (strcmp(ops[i], name) != 0) continue;
    for (int o = 0; o < FL_OP_KIND_COUNT; o++)
      if (strcmp(fl_op_kind_name((fl_op_kind)o), name) == 0) found = o;
  }
  g_strfreev(ops);
  return found;
}

/* ---- The scenario's workload ------------------------------------------------------------- */

void fl_workload_init_defaults(fl_workload *w) {
  memset(w, 0, sizeof *w);
  w->kind = &kind_kv;
  w->clients = 1;
  w->keys = 1;
  memcpy(w->mix, kind_kv.default_mix, sizeof w->mix);
  w->txn_ops = 4;
  w->key_dist = FL_KEYS_UNIFORM;
  w->zipf_s = 1.0;
  fl_dist_init_constant(&w->think, 10e6);
  w->timeout_ns = 1000000000;
  w->retry_ns = 5000000;
}

void fl_workload_copy(fl_workload *dst, const fl_workload *src) {
  *dst = *src;
  fl_dist_copy(&dst->think, &src->think);
}

void fl_workload_clear(fl_workload *w) { fl_dist_clear(&w->think); }
