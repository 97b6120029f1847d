/* single: the smallest correct server, for testing workloads and their checkers.
 *
 * Node n1 serves every operation of every workload kind (op.h) itself, one at a time, in the
 * order requests arrive, applying each to its store before it answers: every history it
 * produces is linearizable (kv, counter, lock) and its transactions are serializable in
 * arrival order. The other nodes answer every request with a redirect to n1. There are no
 * messages between nodes.
 *
 * Durable state: every change to the store is a record appended at keys 1, 2, ... before the
 * client is answered; a restarted n1 replays them, so an acknowledged operation survives a
 * crash. Store: registers (kv and txn share them), counters (from 0), locks (held or free,
 * with the token of their last acquire) and the last fencing token handed out, all in one
 * GTree keyed by (space, key); lookups only, never iterated.
 */
#include "single.h"

#include <string.h>

enum { SPACE_REGISTER = 0, SPACE_COUNTER = 1, SPACE_LOCK = 2, SPACE_TOKEN = 3 };

/* One change to the store, as persisted. Plain bytes, fully initialised. */
typedef struct record {
  uint32_t space;
  uint32_t held; /* locks */
  int64_t key;
  int64_t value; /* register and counter: the value; lock: its token; token: the last one */
} record;

typedef struct cell {
  uint32_t held;
  int64_t value;
} cell;

typedef struct single_state {
  int id;
  GTree *store;  /* record key -> cell */
  uint64_t next; /* the durable key of the next record */
  uint64_t ops;  /* operations applied in this life, for describe */
} single_state;

/* (space, key) as one ordered key: keys of a space are small, non-negative integers. */
static int cmp_key(gconstpointer a, gconstpointer b, gpointer unused) {
  (void)unused;
  const record *x = a, *y = b;
  if (x->space != y->space) return x->space < y->space ? -1 : 1;
  return x->key < y->key ? -1 : x->key > y->key;
}

static single_state *state_new(fl_node_ctx *ctx) {
  single_state *s = g_new0(single_state, 1);
  s->id = fl_node_id(ctx);
  s->store = g_tree_new_full(cmp_key, NULL, g_free, g_free);
  s->next = 1;
  return s;
}

static const cell *lookup(const single_state *s, uint32_t space, int64_t key) {
  record k;
  memset(&k, 0, sizeof k);
  k.space = space;
  k.key = key;
  return g_tree_lookup(s->store, &k);
}

static void apply(single_state *s, const record *r) {
  record *k = g_new0(record, 1);
  k->space = r->space;
  k->key = r->key;
  cell *c = g_new0(cell, 1);
  c->held = r->held;
  c->value = r->value;
  g_tree_replace(s->store, k, c);
}

/* Applies and persists one change. */
static void set(single_state *s, fl_node_ctx *ctx, uint32_t space, int64_t key, int64_t value,
                bool held) {
  record r;
  memset(&r, 0, sizeof r);
  r.space = space;
  r.held = held;
  r.key = key;
  r.value = value;
  apply(s, &r);
  fl_node_persist(ctx, s->next++, &r, sizeof r);
}

static void *single_init(fl_node_ctx *ctx) { return state_new(ctx); }

static void *single_restart(fl_node_ctx *ctx) {
  single_state *s = state_new(ctx);
  size_t len;
  const void *p;
  while ((p = fl_node_load(ctx, s->next, &len)) != NULL && len == sizeof(record)) {
    record r;
    memcpy(&r, p, sizeof r);
    apply(s, &r);
    s->next++;
  }
  return s;
}

static void single_free(void *state) {
  single_state *s = state;
  if (!s) return;
  g_tree_destroy(s->store);
  g_free(s);
}

static void single_on_message(void *state, fl_node_ctx *ctx, int from, const void *msg,
                              size_t len) {
  (void)state, (void)from, (void)msg, (void)len;
  fl_node_fail(ctx, "single sends no messages between nodes, yet one arrived");
}

/* Applies a transaction's micro-ops in order; reads see the transaction's own writes. */
static void serve_txn(single_state *s, fl_node_ctx *ctx, const fl_op *op, fl_op_result *r) {
  fl_txn t;
  fl_txn_copy(&t, fl_op_txn(op));
  for (uint32_t i = 0; i < t.n; i++) {
    fl_micro_op *m = &t.mops[i];
    if (m->f == FL_MOP_WRITE) {
      set(s, ctx, SPACE_REGISTER, m->key, m->value, false);
    } else {
      const cell *c = lookup(s, SPACE_REGISTER, m->key);
      m->has_value = c != NULL;
      m->value = c ? c->value : 0;
    }
  }
  fl_node_reply_txn(ctx, &t, r);
}

static void single_on_client_request(void *state, fl_node_ctx *ctx, const fl_op *op) {
  single_state *s = state;
  fl_op_result r;
  memset(&r, 0, sizeof r);
  r.status = FL_REPLY_OK;
  r.redirect_to = -1;
  if (s->id != 0) {
    r.status = FL_REPLY_REDIRECT;
    r.redirect_to = 0;
    fl_node_reply(ctx, op, &r);
    return;
  }
  s->ops++;
  const cell *c;
  switch (op->kind) {
  case FL_OP_READ: /* a register's value (nil if never written), or a counter's (0) */
    c = lookup(s, SPACE_REGISTER, op->key);
    r.has_value = c != NULL;
    r.value = c ? c->value : 0;
    break;
  case FL_OP_WRITE:
    set(s, ctx, SPACE_REGISTER, op->key, op->value, false);
    break;
  case FL_OP_CAS:
    c = lookup(s, SPACE_REGISTER, op->key);
    if (c && c->value == op->expected) set(s, ctx, SPACE_REGISTER, op->key, op->value, false);
    else r.status = FL_REPLY_FAIL;
    break;
  case FL_OP_ADD:
    c = lookup(s, SPACE_COUNTER, op->key);
    set(s, ctx, SPACE_COUNTER, op->key, (int64_t)((uint64_t)(c ? c->value : 0) + (uint64_t)op->value),
        false);
    break;
  case FL_OP_ACQUIRE: {
    c = lookup(s, SPACE_LOCK, op->key);
    if (c && c->held) {
      r.status = FL_REPLY_FAIL;
      break;
    }
    const cell *t = lookup(s, SPACE_TOKEN, 0);
    int64_t token = (t ? t->value : 0) + 1;
    set(s, ctx, SPACE_TOKEN, 0, token, false);
    set(s, ctx, SPACE_LOCK, op->key, token, true);
    r.has_value = true;
    r.value = token;
    break;
  }
  case FL_OP_RELEASE:
    c = lookup(s, SPACE_LOCK, op->key);
    if (c && c->held && c->value == op->value) set(s, ctx, SPACE_LOCK, op->key, c->value, false);
    else r.status = FL_REPLY_FAIL;
    break;
  case FL_OP_TXN:
    serve_txn(s, ctx, op, &r);
    return;
  default:
    r.status = FL_REPLY_FAIL;
    break;
  }
  /* Counters read through their own space: a read on a counter workload names a counter. */
  if (op->kind == FL_OP_READ && !r.has_value) {
    c = lookup(s, SPACE_COUNTER, op->key);
    if (c) r.has_value = true, r.value = c->value;
  }
  fl_node_reply(ctx, op, &r);
}

static void single_describe(const void *state, GString *out) {
  const single_state *s = state;
  g_string_append_printf(out, "%s ops=%" G_GUINT64_FORMAT " records=%" G_GUINT64_FORMAT,
                         s->id == 0 ? "server" : "redirector", s->ops, s->next - 1);
}

static void single_describe_msg(const void *msg, size_t len, GString *out) {
  (void)msg;
  g_string_append_printf(out, "unexpected %zu bytes", len);
}

static const fl_protocol single = {
    .api_version = FL_ACTOR_API_VERSION,
    .name = "single",
    .summary = "one node serves every workload kind sequentially (a test server)",
    .options = NULL,
    .init = single_init,
    .on_message = single_on_message,
    .on_timer = NULL,
    .on_client_request = single_on_client_request,
    .on_restart = single_restart,
    .free = single_free,
    .describe = single_describe,
    .describe_msg = single_describe_msg,
};

const fl_protocol *fl_protocol_single(void) { return &single; }
