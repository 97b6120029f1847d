/* rbcast: reliable broadcast of writes, with anti-entropy retransmission, behind an eventually
 * consistent key-value store. faultline's first protocol: small enough to read in one sitting,
 * real enough to show what loss, partitions and crashes do.
 *
 * A write (or a cas whose compare succeeds locally) becomes a broadcast message (origin, seq).
 * The origin applies it, persists it and answers the client at once, then pushes it to every
 * other node. Messages from one origin are delivered in seq order (FIFO broadcast); later ones
 * wait in a buffer. Values are last-writer-wins on (lamport time, origin), so every node that
 * delivered the same messages holds the same store.
 *
 * Retransmission is anti-entropy: every `retransmit` period a node sends one peer, chosen from
 * its own random stream, the vector of how far it has delivered from each origin; the peer
 * answers with up to `batch` messages the sender lacks. Any message held by any live node thus
 * reaches every node it can talk to, even after its origin crashed. With `retransmission = no`
 * a lost push is lost for good, and the final check below fails: the demonstration that the
 * checks can fail.
 *
 * Durable state: every delivered message (key: origin << 40 | seq). A restarted node rebuilds
 * its store, its delivery vector and its own next seq from them; nothing else survives.
 *
 * Invariants: after every event, every message a node has delivered was broadcast by its
 * origin (it is in the origin's durable log); at the end of the run, every live node has
 * delivered every message any node broadcast. That is an "eventually" property: a scenario
 * must leave quiet time after its last fault and last write (the workload's `stop`) for it.
 *
 * Reads are local, so this store is available under partition and not linearizable: it is
 * the AP contrast to the consensus protocols.
 */
#include "rbcast.h"
#include "common/status_line.h"

#include <string.h>

enum { MSG_DATA = 1, MSG_DIGEST = 2 };
enum { TIMER_GOSSIP = 1 };

#define SEQ_BITS 40
#define MAX_NODES 1024

typedef struct entry {
  int32_t origin;
  int32_t pad; /* zero: entries travel in messages and durable storage */
  uint64_t seq;
  int64_t key, value;
  uint64_t ts;
} entry;

typedef struct msg_data {
  uint32_t type;
  uint32_t pad;
  entry e;
} msg_data;

/* Followed by n uint64 delivered counts. */
typedef struct msg_digest {
  uint32_t type;
  uint32_t n;
  uint64_t delivered[];
} msg_digest;

typedef struct cell {
  int64_t value;
  uint64_t ts;
  int32_t origin;
} cell;

typedef struct rb_state {
  int id, n;
  uint64_t next_seq, lamport;
  uint64_t *delivered;   /* per origin: messages delivered, in seq order */
  GPtrArray **log;       /* per origin: entry *, index seq - 1 */
  GArray *order;         /* of uint64 origin << 40 | seq: delivery order, for the checker */
  GTree *pending;        /* uint64 origin << 40 | seq -> entry *: arrived out of order */
  GTree *kv;             /* int64 key (in a pointer) -> cell * */
  int64_t retransmit_ns;
  bool retransmission;
  int64_t batch;
} rb_state;

static const fl_option_spec options[] = {
    {.name = "retransmission", .type = FL_OPT_BOOL, .default_value = "yes",
     .help = "anti-entropy: resend what a peer lacks; no loses pushed messages for good"},
    /* 0 would re-arm the exchange at the same instant forever. */
    {.name = "retransmit", .type = FL_OPT_DURATION, .default_value = "50ms",
     .help = "period of the anti-entropy exchange", .min = "1ns"},
    /* 0 or less answers nothing: retransmission silently off (say retransmission = no). */
    {.name = "batch", .type = FL_OPT_INT, .default_value = "64",
     .help = "messages resent per anti-entropy answer", .min = "1"},
    {0},
};

static uint64_t mkid(int origin, uint64_t seq) { return ((uint64_t)origin << SEQ_BITS) | seq; }

static int cmp_u64(gconstpointer a, gconstpointer b, gpointer unused) {
  (void)unused;
  uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
  return x < y ? -1 : x > y;
}

static int cmp_i64(gconstpointer a, gconstpointer b, gpointer unused) {
  (void)unused;
  intptr_t x = (intptr_t)a, y = (intptr_t)b;
  return x < y ? -1 : x > y;
}

static rb_state *state_new(fl_node_ctx *ctx) {
  rb_state *s = g_new0(rb_state, 1);
  const fl_options *o = fl_node_options(ctx);
  s->id = fl_node_id(ctx);
  s->n = fl_node_count(ctx);
  s->next_seq = 1;
  s->delivered = g_new0(uint64_t, s->n);
  s->log = g_new0(GPtrArray *, s->n);
  for (int i = 0; i < s->n; i++) s->log[i] = g_ptr_array_new_with_free_func(g_free);
  s->order = g_array_new(FALSE, FALSE, sizeof(uint64_t));
  s->pending = g_tree_new_full(cmp_u64, NULL, NULL, g_free);
  s->kv = g_tree_new_full(cmp_i64, NULL, NULL, g_free);
  s->retransmission = fl_options_bool(o, "retransmission");
  s->retransmit_ns = fl_options_duration_ns(o, "retransmit");
  s->batch = fl_options_int(o, "batch");
  return s;
}

static void rb_free(void *state) {
  rb_state *s = state;
  if (!s) return;
  for (int i = 0; i < s->n; i++) g_ptr_array_free(s->log[i], TRUE);
  g_free(s->log);
  g_free(s->delivered);
  g_array_free(s->order, TRUE);
  g_tree_destroy(s->pending);
  g_tree_destroy(s->kv);
  g_free(s);
}

/* Last writer wins on (lamport time, origin): a total order every node agrees on. */
static void apply(rb_state *s, const entry *e) {
  cell *c = g_tree_lookup(s->kv, (gpointer)(intptr_t)e->key);
  if (!c) {
    c = g_new0(cell, 1);
    g_tree_insert(s->kv, (gpointer)(intptr_t)e->key, c);
  } else if (c->ts > e->ts || (c->ts == e->ts && c->origin > e->origin)) {
    return;
  }
  c->value = e->value;
  c->ts = e->ts;
  c->origin = e->origin;
}

/* Delivers e (the next in its origin's order); persist = false when replaying durable state. */
static void deliver(rb_state *s, fl_node_ctx *ctx, const entry *e, bool persist) {
  if (persist) fl_node_persist(ctx, mkid(e->origin, e->seq), e, sizeof *e);
  g_ptr_array_add(s->log[e->origin], g_memdup2(e, sizeof *e));
  s->delivered[e->origin] = e->seq;
  uint64_t id = mkid(e->origin, e->seq);
  g_array_append_val(s->order, id);
  if (e->ts > s->lamport) s->lamport = e->ts;
  if (e->origin == s->id && e->seq >= s->next_seq) s->next_seq = e->seq + 1;
  apply(s, e);
}

/* Accepts a message from the network: delivers it and any buffered successors. */
static void receive(rb_state *s, fl_node_ctx *ctx, const entry *e) {
  if (e->origin < 0 || e->origin >= s->n || e->seq == 0) return;
  if (e->seq <= s->delivered[e->origin]) return; /* a duplicate */
  if (e->seq > s->delivered[e->origin] + 1) {
    uint64_t id = mkid(e->origin, e->seq);
    if (!g_tree_lookup(s->pending, (gpointer)(uintptr_t)id))
      g_tree_insert(s->pending, (gpointer)(uintptr_t)id, g_memdup2(e, sizeof *e));
    return;
  }
  deliver(s, ctx, e, true);
  for (;;) {
    uint64_t next = mkid(e->origin, s->delivered[e->origin] + 1);
    entry *b = g_tree_lookup(s->pending, (gpointer)(uintptr_t)next);
    if (!b) break;
    deliver(s, ctx, b, true);
    g_tree_remove(s->pending, (gpointer)(uintptr_t)next);
  }
}

static void arm(rb_state *s, fl_node_ctx *ctx) {
  if (s->retransmission && s->n > 1) fl_node_set_timer(ctx, s->retransmit_ns, TIMER_GOSSIP);
}

static void *rb_init(fl_node_ctx *ctx) {
  rb_state *s = state_new(ctx);
  arm(s, ctx);
  return s;
}

typedef struct replay_ctx {
  rb_state *s;
  fl_node_ctx *ctx;
} replay_ctx;

static void *rb_restart(fl_node_ctx *ctx) {
  rb_state *s = state_new(ctx);
  /* Durable keys sort by (origin, seq): replaying them in key order is each origin's order. */
  for (int o = 0; o < s->n; o++) {
    for (uint64_t seq = 1;; seq++) {
      size_t len = 0;
      const entry *e = fl_node_load(ctx, mkid(o, seq), &len);
      if (!e || len != sizeof *e) break;
      entry copy;
      memcpy(&copy, e, sizeof copy);
      deliver(s, ctx, &copy, false);
    }
  }
  fl_node_annotate(ctx, "recovered %u messages", s->order->len);
  arm(s, ctx);
  return s;
}

static void broadcast_entry(rb_state *s, fl_node_ctx *ctx, const entry *e) {
  msg_data m;
  memset(&m, 0, sizeof m);
  m.type = MSG_DATA;
  m.e = *e;
  (void)s;
  fl_node_broadcast(ctx, &m, sizeof m);
}

static void on_digest(rb_state *s, fl_node_ctx *ctx, int from, const msg_digest *d) {
  int64_t budget = s->batch;
  msg_data m;
  memset(&m, 0, sizeof m);
  m.type = MSG_DATA;
  for (int o = 0; o < s->n && budget > 0; o++) {
    for (uint64_t seq = d->delivered[o] + 1; seq <= s->delivered[o] && budget > 0; seq++) {
      m.e = *(const entry *)g_ptr_array_index(s->log[o], seq - 1);
      fl_node_send(ctx, from, &m, sizeof m);
      budget--;
    }
  }
}

static void rb_on_message(void *state, fl_node_ctx *ctx, int from, const void *msg, size_t len) {
  rb_state *s = state;
  uint32_t type;
  if (len < sizeof type) return;
  memcpy(&type, msg, sizeof type);
  if (type == MSG_DATA && len == sizeof(msg_data)) {
    msg_data m;
    memcpy(&m, msg, sizeof m);
    receive(s, ctx, &m.e);
  } else if (type == MSG_DIGEST && len == sizeof(msg_digest) + (size_t)s->n * sizeof(uint64_t)) {
    on_digest(s, ctx, from, msg);
  }
}

static void rb_on_timer(void *state, fl_node_ctx *ctx, uint64_t tag) {
  rb_state *s = state;
  if (tag != TIMER_GOSSIP) return;
  int peer = (int)fl_rng_below(fl_node_rng(ctx), (uint64_t)(s->n - 1));
  if (peer >= s->id) peer++;
  size_t len = sizeof(msg_digest) + (size_t)s->n * sizeof(uint64_t);
  msg_digest *d = g_malloc0(len);
  d->type = MSG_DIGEST;
  d->n = (uint32_t)s->n;
  memcpy(d->delivered, s->delivered, (size_t)s->n * sizeof(uint64_t));
  fl_node_send(ctx, peer, d, len);
  g_free(d);
  arm(s, ctx);
}

static void rb_on_client_request(void *state, fl_node_ctx *ctx, const fl_op *op) {
  rb_state *s = state;
  fl_op_result r = {.status = FL_REPLY_OK, .redirect_to = -1};
  /* A key-value store: the other workload kinds (counter, lock, txn) are refused. */
  if (op->kind != FL_OP_READ && op->kind != FL_OP_WRITE && op->kind != FL_OP_CAS) {
    r.status = FL_REPLY_REFUSED;
    fl_node_reply(ctx, op, &r);
    return;
  }
  cell *c = g_tree_lookup(s->kv, (gpointer)(intptr_t)op->key);
  if (op->kind == FL_OP_READ) {
    r.has_value = c != NULL;
    r.value = c ? c->value : 0;
    fl_node_reply(ctx, op, &r);
    return;
  }
  if (op->kind == FL_OP_CAS && (!c || c->value != op->expected)) {
    r.status = FL_REPLY_FAIL;
    fl_node_reply(ctx, op, &r);
    return;
  }
  entry e;
  memset(&e, 0, sizeof e);
  e.origin = s->id;
  e.seq = s->next_seq;
  e.key = op->key;
  e.value = op->value;
  e.ts = ++s->lamport;
  deliver(s, ctx, &e, true);
  broadcast_entry(s, ctx, &e);
  fl_node_reply(ctx, op, &r);
}

/* Called after every event on the node (and the count changes with each delivery), so
 * formatted by hand (common/status_line.h): printf here was a quarter of a run's time. */
static void rb_describe(const void *state, GString *out) {
  const rb_state *s = state;
  fl_status_line l;
  fl_status_line_init(&l);
  fl_status_line_str(&l, "peer delivered=");
  fl_status_line_u64(&l, s->order->len);
  fl_status_line_str(&l, " buffered=");
  fl_status_line_u64(&l, (uint64_t)g_tree_nnodes(s->pending));
  fl_status_line_flush(&l, out);
}

static void rb_describe_msg(const void *msg, size_t len, GString *out) {
  uint32_t type = 0;
  if (len >= sizeof type) memcpy(&type, msg, sizeof type);
  if (type == MSG_DATA && len == sizeof(msg_data)) {
    msg_data m;
    memcpy(&m, msg, sizeof m);
    g_string_append_printf(out, "data n%d#%" G_GUINT64_FORMAT " k%" G_GINT64_FORMAT
                           " = %" G_GINT64_FORMAT " @%" G_GUINT64_FORMAT,
                           m.e.origin + 1, m.e.seq, m.e.key, m.e.value, m.e.ts);
  } else if (type == MSG_DIGEST && len >= sizeof(msg_digest)) {
    /* Summed rather than listed: a digest has one count per node, and the trace keeps one
     * line per message. */
    const msg_digest *d = msg;
    uint64_t total = 0;
    for (uint32_t i = 0; i < d->n && len == sizeof *d + d->n * sizeof(uint64_t); i++)
      total += d->delivered[i];
    g_string_append_printf(out, "digest of %u origins, %" G_GUINT64_FORMAT " delivered", d->n,
                           total);
  } else {
    g_string_append_printf(out, "unknown (%zu bytes)", len);
  }
}

/* ---- Invariants. The ghost remembers, per node, how much of its delivery order it has
 * already checked, so the per-event check costs only what changed. */

typedef struct ghost {
  int n;
  const void **last_state; /* a restart makes a new state: check it from the start */
  guint *checked;
} ghost;

static void *rb_invariant_new(const fl_options *o, int n) {
  (void)o;
  ghost *g = g_new0(ghost, 1);
  g->n = n;
  g->last_state = g_new0(const void *, n);
  g->checked = g_new0(guint, n);
  return g;
}

static void rb_invariant_free(void *p) {
  ghost *g = p;
  g_free(g->last_state);
  g_free(g->checked);
  g_free(g);
}

static bool rb_check(void *p, const fl_cluster_view *v, GString *why) {
  ghost *g = p;
  for (int i = 0; i < g->n; i++) {
    const rb_state *s = fl_view_state(v, i);
    if (!s) continue;
    if (s != g->last_state[i]) {
      g->last_state[i] = s;
      g->checked[i] = 0;
    }
    for (; g->checked[i] < s->order->len; g->checked[i]++) {
      uint64_t id = g_array_index(s->order, uint64_t, g->checked[i]);
      int origin = (int)(id >> SEQ_BITS);
      size_t len = 0;
      if (!fl_view_load(v, origin, id, &len)) {
        g_string_append_printf(why,
                               "validity: n%d delivered message n%d#%" G_GUINT64_FORMAT
                               ", which n%d never broadcast",
                               i + 1, origin + 1, id & (((uint64_t)1 << SEQ_BITS) - 1),
                               origin + 1);
        return false;
      }
    }
  }
  return true;
}

static bool rb_check_final(void *p, const fl_cluster_view *v, GString *why) {
  ghost *g = p;
  /* Agreement among the nodes live at the end: what a live origin broadcast (its durable log
   * is contiguous from seq 1), and whatever any live node delivered from an origin that is
   * down, every live node must have delivered. */
  for (int o = 0; o < g->n; o++) {
    uint64_t need = 0;
    if (fl_view_is_up(v, o)) {
      while (fl_view_load(v, o, mkid(o, need + 1), NULL)) need++;
    } else {
      for (int i = 0; i < g->n; i++) {
        const rb_state *s = fl_view_state(v, i);
        if (s && s->delivered[o] > need) need = s->delivered[o];
      }
    }
    for (int i = 0; i < g->n; i++) {
      const rb_state *s = fl_view_state(v, i);
      if (!s || s->delivered[o] >= need) continue;
      g_string_append_printf(why,
                             "agreement: %" G_GUINT64_FORMAT " messages from n%d were "
                             "delivered, but live node n%d delivered only %" G_GUINT64_FORMAT,
                             need, o + 1, i + 1, s->delivered[o]);
      return false;
    }
  }
  return true;
}

/* Every node is an equal replica: no leader, no term. */
static void rb_status(const void *state, const fl_node_ctx *ctx, fl_node_status *out) {
  (void)state;
  (void)ctx;
  out->role = FL_ROLE_REPLICA;
}

static const fl_protocol rbcast = {
    .api_version = FL_ACTOR_API_VERSION,
    .name = "rbcast",
    .summary = "reliable broadcast with anti-entropy behind an eventually consistent store",
    .options = options,
    .init = rb_init,
    .on_message = rb_on_message,
    .on_timer = rb_on_timer,
    .on_client_request = rb_on_client_request,
    .on_restart = rb_restart,
    .free = rb_free,
    .describe = rb_describe,
    .describe_msg = rb_describe_msg,
    .status = rb_status,
    .invariant_new = rb_invariant_new,
    .check_invariants = rb_check,
    .check_final = rb_check_final,
    .invariant_free = rb_invariant_free,
};

const fl_protocol *fl_protocol_rbcast(void) { return &rbcast; }
