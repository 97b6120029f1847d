/* skeleton: a primary-backup register, small enough to copy as the start of a protocol lab.
 *
 * Node n1 (index 0) is the primary; every other node is a backup. Clients may send to any node:
 *   - a backup redirects them to the primary (FL_REPLY_REDIRECT, redirect_to = 0);
 *   - the primary answers reads at once from its own registers;
 *   - the primary handles writes (and cas) one at a time, in arrival order: it persists the
 *     write as "in flight", forwards it to every backup, and once every backup has acknowledged
 *     it (each persisted it first), applies it, persists it and answers the client.
 *
 * Why this is linearizable: only the primary answers, it applies writes in one order, and a
 * read sees exactly the writes applied before it. A write is applied (its linearization point)
 * between its invocation and its reply. Why it is durable: a write the primary answered is on
 * every backup's disk (the invariant below checks it after every event).
 *
 * What it does not do, and a lab can add: failover. If n1 crashes nobody is served until it
 * restarts (backups keep redirecting to it); making a backup take over safely needs views or
 * terms (Viewstamped Replication, Raft). A crashed backup blocks writes until it restarts (the
 * primary waits for every ack): a quorum instead of "all" needs the same machinery. Writes go
 * one at a time: pipelining them is another exercise.
 *
 * Loss and duplication: the primary re-forwards the write in flight every `retransmit` until
 * every backup has acknowledged it; a backup acknowledges every forward it receives (its ack may
 * have been lost) and applies a write only once (by its sequence number). A client request can
 * arrive twice too (the network duplicates, clients resend): each client's last answered
 * request is remembered (its "session"), so a retried write is applied once and answered again.
 *
 * What survives a crash (fl_node_persist; see skeleton.h for the keys): on every node the
 * registers and the sequence number of the last write applied; on the primary also the write in
 * flight and the sessions. A restarted primary finds its write in flight and forwards it again;
 * its queue of waiting requests was volatile and is lost (those clients time out). Backups keep
 * nothing volatile at all.
 */
#include "skeleton.h"

#include <string.h>

#define PRIMARY 0

/* ---- Durable records. They are persisted as bytes, like messages: zero them first. */

/* The primary's write in flight, persisted before it is forwarded ("persist before you
 * send"): a primary that crashes after forwarding must not reuse its sequence number for
 * another write that some backup would then ignore. */
typedef struct pending {
  uint64_t seq;
  fl_op op; /* the client's request, to answer once it is applied */
} pending;

/* A client's last answered write or cas: a request with this seq is answered again, an older
 * one is ignored. */
typedef struct session {
  uint64_t seq;
  int32_t status; /* fl_reply_status */
  int32_t pad;
} session;

/* ---- Volatile state: what init and on_restart build, and a crash loses. */

typedef struct skel {
  int id, n;
  int64_t retransmit_ns;
  /* Primary only. */
  GQueue *waiting; /* fl_op *: writes and cas waiting for the one in flight, oldest first */
  bool busy;       /* a write is in flight: `flight` holds it */
  pending flight;
  bool *acked; /* per node: has acknowledged flight.seq */
  int acks;
} skel;

static const fl_option_spec options[] = {
    {.name = "retransmit", .type = FL_OPT_DURATION, .default_value = "20ms", .min = "1ms",
     .help = "the primary forwards the write in flight again after this long without every ack"},
    {.name = NULL}};

/* ---- Durable storage helpers. fl_node_load's pointer is valid only until the next persist:
 * copy out at once. */

static uint64_t load_seq(fl_node_ctx *ctx) {
  size_t len = 0;
  const void *p = fl_node_load(ctx, SKEL_KEY_SEQ, &len);
  uint64_t seq = 0;
  if (p && len == sizeof seq) memcpy(&seq, p, sizeof seq);
  return seq;
}

static bool load_register(fl_node_ctx *ctx, int64_t key, int64_t *value) {
  size_t len = 0;
  const void *p = fl_node_load(ctx, SKEL_KEY_REGISTER(key), &len);
  if (!p || len != sizeof *value) return false;
  memcpy(value, p, sizeof *value);
  return true;
}

static session load_session(fl_node_ctx *ctx, uint32_t client) {
  session s;
  memset(&s, 0, sizeof s);
  size_t len = 0;
  const void *p = fl_node_load(ctx, SKEL_KEY_SESSION(client), &len);
  if (p && len == sizeof s) memcpy(&s, p, sizeof s);
  return s;
}

/* Applies write `seq` to this node's durable registers. */
static void apply(fl_node_ctx *ctx, uint64_t seq, int64_t key, int64_t value) {
  fl_node_persist(ctx, SKEL_KEY_REGISTER(key), &value, sizeof value);
  fl_node_persist(ctx, SKEL_KEY_SEQ, &seq, sizeof seq);
}

/* ---- Primary. */

static void reply_status(fl_node_ctx *ctx, const fl_op *op, fl_reply_status status) {
  fl_op_result r;
  memset(&r, 0, sizeof r); /* replies cross the network too */
  r.status = status;
  r.redirect_to = -1;
  fl_node_reply(ctx, op, &r);
}

/* Records the answer to a client's write or cas, then sends it. */
static void answer(fl_node_ctx *ctx, const fl_op *op, fl_reply_status status) {
  session s;
  memset(&s, 0, sizeof s); /* the pad field is persisted too */
  s.seq = op->seq;
  s.status = (int32_t)status;
  fl_node_persist(ctx, SKEL_KEY_SESSION(op->client), &s, sizeof s);
  reply_status(ctx, op, status);
}

/* Sends the write in flight to every backup that has not acknowledged it. */
static void forward(skel *s, fl_node_ctx *ctx) {
  skel_msg_forward m;
  memset(&m, 0, sizeof m); /* every byte of a message is hashed into the digest */
  m.type = SKEL_MSG_FORWARD;
  m.seq = s->flight.seq;
  m.key = s->flight.op.key;
  m.value = s->flight.op.value;
  for (int b = 0; b < s->n; b++)
    if (b != PRIMARY && !s->acked[b]) fl_node_send(ctx, b, &m, sizeof m);
  /* Retransmission: the timer's tag is the write's seq. A timer left over from an earlier
   * write finds another seq in flight (or none) and does nothing, so it never needs
   * cancelling. */
  fl_node_set_timer(ctx, s->retransmit_ns, s->flight.seq);
}

static void start_next(skel *s, fl_node_ctx *ctx);

/* Every backup has the write in flight: apply it here, answer, go on with the next. */
static void commit(skel *s, fl_node_ctx *ctx) {
  apply(ctx, s->flight.seq, s->flight.op.key, s->flight.op.value);
  fl_node_erase_range(ctx, SKEL_KEY_PENDING, SKEL_KEY_PENDING + 1);
  s->busy = false;
  answer(ctx, &s->flight.op, FL_REPLY_OK);
  start_next(s, ctx);
}

static void begin(skel *s, fl_node_ctx *ctx, const fl_op *op) {
  memset(&s->flight, 0, sizeof s->flight);
  s->flight.seq = load_seq(ctx) + 1;
  fl_op_copy(&s->flight.op, op);
  fl_node_persist(ctx, SKEL_KEY_PENDING, &s->flight, sizeof s->flight);
  s->busy = true;
  memset(s->acked, 0, (size_t)s->n * sizeof *s->acked);
  s->acks = 0;
  if (s->n == 1) { /* no backups: nothing to wait for */
    commit(s, ctx);
    return;
  }
  forward(s, ctx);
}

/* Starts the oldest waiting request, unless a write is in flight. A cas whose compare fails is
 * answered at once: it writes nothing, so there is nothing to replicate. */
static void start_next(skel *s, fl_node_ctx *ctx) {
  while (!s->busy && !g_queue_is_empty(s->waiting)) {
    fl_op *op = g_queue_pop_head(s->waiting);
    int64_t current = 0;
    bool has = load_register(ctx, op->key, &current);
    if (op->kind == FL_OP_CAS && !(has && current == op->expected))
      answer(ctx, op, FL_REPLY_FAIL);
    else
      begin(s, ctx, op);
    g_free(op);
  }
}

/* True if this request (same client and seq) is already in flight or waiting. */
static bool is_waiting(const skel *s, const fl_op *op) {
  if (s->busy && s->flight.op.client == op->client && s->flight.op.seq == op->seq) return true;
  for (GList *l = s->waiting->head; l; l = l->next) {
    const fl_op *w = l->data;
    if (w->client == op->client && w->seq == op->seq) return true;
  }
  return false;
}

static void primary_request(skel *s, fl_node_ctx *ctx, const fl_op *op) {
  if (op->key < 0 || op->key >= (INT64_C(1) << 32)) {
    fl_node_fail(ctx, "key %" G_GINT64_FORMAT " is outside 0..2^32-1", op->key);
    return;
  }
  if (op->kind == FL_OP_READ) {
    fl_op_result r;
    memset(&r, 0, sizeof r);
    r.status = FL_REPLY_OK;
    r.redirect_to = -1;
    r.has_value = load_register(ctx, op->key, &r.value);
    fl_node_reply(ctx, op, &r);
    return;
  }
  session last = load_session(ctx, op->client);
  if (op->seq <= last.seq) { /* a retry or a duplicate of a request already answered */
    if (op->seq == last.seq) reply_status(ctx, op, (fl_reply_status)last.status);
    return;
  }
  if (is_waiting(s, op)) return; /* its answer will come */
  fl_op *copy = g_new0(fl_op, 1);
  fl_op_copy(copy, op);
  g_queue_push_tail(s->waiting, copy);
  start_next(s, ctx);
}

/* ---- Hooks. */

static skel *skel_new(fl_node_ctx *ctx) {
  skel *s = g_new0(skel, 1);
  s->id = fl_node_id(ctx);
  s->n = fl_node_count(ctx);
  s->retransmit_ns = fl_options_duration_ns(fl_node_options(ctx), "retransmit");
  s->waiting = g_queue_new();
  s->acked = g_new0(bool, s->n);
  return s;
}

static void *skel_init(fl_node_ctx *ctx) { return skel_new(ctx); }

/* After a crash: the volatile state is gone; durable storage is all there is. */
static void *skel_restart(fl_node_ctx *ctx) {
  skel *s = skel_new(ctx);
  size_t len = 0;
  const void *p = fl_node_load(ctx, SKEL_KEY_PENDING, &len);
  if (s->id == PRIMARY && p && len == sizeof s->flight) {
    /* A write was in flight: some backups may have it, others not. Forward it again, under
     * the same seq, to all of them (a backup that has it just acknowledges). */
    memcpy(&s->flight, p, sizeof s->flight);
    s->busy = true;
    forward(s, ctx);
  }
  return s;
}

static void skel_on_message(void *state, fl_node_ctx *ctx, int from, const void *msg,
                            size_t len) {
  skel *s = state;
  uint32_t type = 0;
  if (len >= sizeof type) memcpy(&type, msg, sizeof type);
  if (type == SKEL_MSG_FORWARD && len == sizeof(skel_msg_forward) && s->id != PRIMARY) {
    skel_msg_forward m;
    memcpy(&m, msg, sizeof m); /* msg may be unaligned: copy, never cast */
    /* Persist before acknowledging: the ack promises the write survives this node's crash. */
    if (m.seq > load_seq(ctx)) apply(ctx, m.seq, m.key, m.value);
    skel_msg_ack a;
    memset(&a, 0, sizeof a);
    a.type = SKEL_MSG_ACK;
    a.seq = m.seq;
    fl_node_send(ctx, from, &a, sizeof a);
  } else if (type == SKEL_MSG_ACK && len == sizeof(skel_msg_ack) && s->id == PRIMARY) {
    skel_msg_ack a;
    memcpy(&a, msg, sizeof a);
    /* An ack of an earlier write (a late duplicate) or a second ack changes nothing. */
    if (!s->busy || a.seq != s->flight.seq || s->acked[from]) return;
    s->acked[from] = true;
    if (++s->acks == s->n - 1) commit(s, ctx);
  }
}

static void skel_on_timer(void *state, fl_node_ctx *ctx, uint64_t tag) {
  skel *s = state;
  if (s->busy && tag == s->flight.seq) forward(s, ctx);
}

static void skel_on_client_request(void *state, fl_node_ctx *ctx, const fl_op *op) {
  skel *s = state;
  if (s->id != PRIMARY) {
    fl_op_result r;
    memset(&r, 0, sizeof r);
    r.status = FL_REPLY_REDIRECT;
    r.redirect_to = PRIMARY;
    fl_node_reply(ctx, op, &r);
    return;
  }
  primary_request(s, ctx, op);
}

static void skel_free(void *state) {
  skel *s = state;
  g_queue_free_full(s->waiting, g_free);
  g_free(s->acked);
  g_free(s);
}

/* One line for the trace: the role first, then what a reader of the timeline wants. */
static void skel_describe(const void *state, GString *out) {
  const skel *s = state;
  g_string_append(out, s->id == PRIMARY ? "primary" : "backup");
  if (s->busy)
    g_string_append_printf(out, " in-flight=#%" G_GUINT64_FORMAT " acks=%d/%d", s->flight.seq,
                           s->acks, s->n - 1);
  if (s->waiting->length) g_string_append_printf(out, " waiting=%u", s->waiting->length);
}

/* What tools read (the visualiser's lane colours, `crash leader`, the report): the primary
 * leads, every backup follows it. A fixed primary has no term, so none is given. */
static void skel_status(const void *state, const fl_node_ctx *ctx, fl_node_status *out) {
  (void)ctx;
  const skel *s = state;
  out->role = s->id == PRIMARY ? FL_ROLE_LEADER : FL_ROLE_FOLLOWER;
  g_strlcpy(out->word, s->id == PRIMARY ? "primary" : "backup", sizeof out->word);
  out->leader = PRIMARY;
}

static void skel_describe_msg(const void *msg, size_t len, GString *out) {
  uint32_t type = 0;
  if (len >= sizeof type) memcpy(&type, msg, sizeof type);
  if (type == SKEL_MSG_FORWARD && len == sizeof(skel_msg_forward)) {
    skel_msg_forward m;
    memcpy(&m, msg, sizeof m);
    g_string_append_printf(out, "Forward #%" G_GUINT64_FORMAT " k%" G_GINT64_FORMAT
                                "=%" G_GINT64_FORMAT, m.seq, m.key, m.value);
  } else if (type == SKEL_MSG_ACK && len == sizeof(skel_msg_ack)) {
    skel_msg_ack a;
    memcpy(&a, msg, sizeof a);
    g_string_append_printf(out, "Ack #%" G_GUINT64_FORMAT, a.seq);
  } else {
    g_string_append_printf(out, "%zu bytes", len);
  }
}

/* ---- Invariant, after every event: every write the primary applied (and so may have
 * answered) is on every backup's disk, and no backup is more than the one write in flight
 * ahead. Read from durable storage, so it holds for crashed nodes too. */

static uint64_t view_seq(const fl_cluster_view *v, int node) {
  size_t len = 0;
  const void *p = fl_view_load(v, node, SKEL_KEY_SEQ, &len);
  uint64_t seq = 0;
  if (p && len == sizeof seq) memcpy(&seq, p, sizeof seq);
  return seq;
}

static bool skel_check(void *ghost, const fl_cluster_view *v, GString *why) {
  (void)ghost;
  uint64_t primary = view_seq(v, PRIMARY);
  for (int b = 0; b < fl_view_node_count(v); b++) {
    if (b == PRIMARY) continue;
    uint64_t seq = view_seq(v, b);
    if (seq < primary || seq > primary + 1) {
      g_string_printf(why,
                      "durability: n%d has applied writes up to #%" G_GUINT64_FORMAT
                      ", the primary n%d up to #%" G_GUINT64_FORMAT,
                      b + 1, seq, PRIMARY + 1, primary);
      return false;
    }
  }
  return true;
}

static const fl_protocol skeleton = {
    .api_version = FL_ACTOR_API_VERSION,
    .name = "skeleton",
    .summary = "primary-backup register: n1 forwards writes to every backup, a lab's start",
    .options = options,
    .init = skel_init,
    .on_message = skel_on_message,
    .on_timer = skel_on_timer,
    .on_client_request = skel_on_client_request,
    .on_restart = skel_restart,
    .free = skel_free,
    .describe = skel_describe,
    .describe_msg = skel_describe_msg,
    .status = skel_status,
    .check_invariants = skel_check,
};

const fl_protocol *fl_protocol_skeleton(void) { return &skeleton; }
