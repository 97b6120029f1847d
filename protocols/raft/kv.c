/* kv: the replicated state machine (a key-value store with read, write and cas), client
 * sessions for exactly-once application, and the leader's handling of client requests.
 *
 * Exactly once: each operation carries (client, seq), and the state machine remembers, per
 * client, the last seq it applied and its answer (thesis 6.3). A retry of an applied operation
 * (after a redirect, or a leader change) is answered from the session and not applied again;
 * an operation older than the session's is ignored, since its client has moved on.
 *
 * Reads are linearizable either way the `read` option picks: through the log like writes, or
 * by ReadIndex (thesis 6.4): the leader notes its commit index (at least its term's no-op),
 * confirms it is still leader by a round of AppendEntries that a majority acknowledges, waits
 * for its state machine to reach the noted index, and answers from it. A leader cut off from
 * its majority therefore answers nothing: writes do not commit and reads are not confirmed.
 */
#include "raft_int.h"

#include <string.h>

static int majority(const raft_state *s) { return s->n / 2 + 1; }

static raft_session *session(raft_state *s, uint32_t client) {
  if (client >= s->sessions->len) g_array_set_size(s->sessions, client + 1);
  return &g_array_index(s->sessions, raft_session, client);
}

static fl_op_result read_local(const raft_state *s, int64_t key) {
  fl_op_result r = {.status = FL_REPLY_OK, .redirect_to = -1};
  gpointer k = NULL, v = NULL;
  if (g_tree_lookup_extended(s->kv, (gpointer)(intptr_t)key, &k, &v)) {
    r.has_value = true;
    r.value = (int64_t)(intptr_t)v;
  }
  return r;
}

/* Applies one command, or answers it from its session if it was applied before. */
static fl_op_result execute(raft_state *s, const raft_entry *e, bool *fresh) {
  fl_op_result r = {.status = FL_REPLY_OK, .redirect_to = -1};
  *fresh = false;
  if (e->client >= RAFT_MAX_CLIENTS) { /* no session could hold it: applied by nobody */
    r.status = FL_REPLY_FAIL;
    return r;
  }
  raft_session *ss = session(s, e->client);
  if (e->seq <= ss->seq) {
    if (e->seq < ss->seq) {
      r.status = FL_REPLY_FAIL; /* superseded: nobody waits for this answer */
      return r;
    }
    r.status = (fl_reply_status)ss->status;
    r.has_value = ss->has_value;
    r.value = ss->value;
    return r;
  }
  *fresh = true;
  fl_op_result cur = read_local(s, e->key);
  switch ((fl_op_kind)e->kind) {
  case FL_OP_READ:
    r = cur;
    break;
  case FL_OP_WRITE:
    g_tree_replace(s->kv, (gpointer)(intptr_t)e->key, (gpointer)(intptr_t)e->value);
    break;
  case FL_OP_CAS:
    if (cur.has_value && cur.value == e->expected)
      g_tree_replace(s->kv, (gpointer)(intptr_t)e->key, (gpointer)(intptr_t)e->value);
    else
      r.status = FL_REPLY_FAIL;
    break;
  default:
    r.status = FL_REPLY_FAIL;
    break;
  }
  ss->seq = e->seq;
  ss->status = r.status;
  ss->has_value = r.has_value;
  ss->value = r.value;
  return r;
}

void fl__raft_apply(raft_state *s, fl_node_ctx *ctx) {
  while (s->applied < s->commit) {
    s->applied++;
    const raft_entry *e = fl__raft_entry_at(&s->log, s->applied);
    if (e->type != RAFT_ENTRY_OP) continue;
    bool fresh;
    fl_op_result r = execute(s, e, &fresh);
    /* Waiters are in index order; only a leader has them. */
    while (s->waiters->len) {
      raft_waiter *w = &g_array_index(s->waiters, raft_waiter, 0);
      if (w->index > s->applied) break;
      if (w->index == s->applied && w->op.client == e->client && w->op.seq == e->seq) {
        fl_node_reply(ctx, &w->op, &r);
      } else {
        fl_op_result redirect = {.status = FL_REPLY_REDIRECT, .redirect_to = -1};
        fl_node_reply(ctx, &w->op, &redirect);
      }
      g_array_remove_index(s->waiters, 0);
    }
  }
  if (s->role == RAFT_LEADER) fl__raft_serve_reads(s, ctx);
}

void fl__raft_serve_reads(raft_state *s, fl_node_ctx *ctx) {
  while (s->reads->len) {
    raft_waiter *w = &g_array_index(s->reads, raft_waiter, 0);
    if (s->applied < w->index) return;
    int acks = 1;
    for (int i = 0; i < s->n; i++)
      if (i != s->id && s->acked_round[i] >= w->round) acks++;
    if (acks < majority(s)) return; /* rounds only grow: later reads wait too */
    fl_op_result r = read_local(s, w->op.key);
    fl_node_reply(ctx, &w->op, &r);
    g_array_remove_index(s->reads, 0);
  }
}

void fl__raft_drop_waiters(raft_state *s, fl_node_ctx *ctx) {
  /* Redirected, not failed: a write may still commit, and its retry elsewhere is answered
   * from the session rather than applied twice. */
  fl_op_result r = {.status = FL_REPLY_REDIRECT, .redirect_to = -1};
  for (guint i = 0; i < s->waiters->len; i++)
    fl_node_reply(ctx, &g_array_index(s->waiters, raft_waiter, i).op, &r);
  for (guint i = 0; i < s->reads->len; i++)
    fl_node_reply(ctx, &g_array_index(s->reads, raft_waiter, i).op, &r);
  g_array_set_size(s->waiters, 0);
  g_array_set_size(s->reads, 0);
}

void fl__raft_on_client_request(raft_state *s, fl_node_ctx *ctx, const fl_op *op) {
  if (s->role != RAFT_LEADER) {
    fl_op_result r = {.status = FL_REPLY_REDIRECT, .redirect_to = s->leader};
    fl_node_reply(ctx, op, &r);
    return;
  }
  if (op->kind == FL_OP_READ && s->cfg.bug == RAFT_BUG_STALE_READ) {
    fl_op_result r = read_local(s, op->key); /* the bug: no quorum confirms this leader */
    fl_node_reply(ctx, op, &r);
    return;
  }
  if (op->client >= RAFT_MAX_CLIENTS) {
    fl_op_result r = {.status = FL_REPLY_FAIL, .redirect_to = -1};
    fl_node_reply(ctx, op, &r);
    return;
  }
  raft_session *ss = session(s, op->client);
  if (op->seq < ss->seq) return; /* the client has moved on */
  if (op->seq == ss->seq) {
    fl_op_result r = {.status = (fl_reply_status)ss->status, .has_value = ss->has_value,
                      .value = ss->value, .redirect_to = -1};
    fl_node_reply(ctx, op, &r);
    return;
  }
  raft_waiter w;
  memset(&w, 0, sizeof w);
  w.op = *op;
  if (op->kind == FL_OP_READ && s->cfg.read_index) {
    w.index = s->commit > s->term_start ? s->commit : s->term_start;
    w.round = s->round + 1; /* the broadcast below */
    g_array_append_val(s->reads, w);
    fl__raft_broadcast_append(s, ctx);
    fl__raft_serve_reads(s, ctx); /* a cluster of one */
    return;
  }
  raft_entry e;
  memset(&e, 0, sizeof e);
  e.term = s->term;
  e.type = RAFT_ENTRY_OP;
  e.client = op->client;
  e.seq = op->seq;
  e.kind = (int32_t)op->kind;
  e.key = op->key;
  e.value = op->value;
  e.expected = op->expected;
  fl__raft_append(s, ctx, &e);
  w.index = raft_last_index(&s->log);
  g_array_append_val(s->waiters, w);
  fl__raft_broadcast_append(s, ctx);
  if (s->n == 1) {
    s->commit = raft_last_index(&s->log);
    fl__raft_apply(s, ctx);
  }
}

/* ---- Snapshots: header, then (key, value) pairs in key order, then sessions. */

typedef struct kv_pair {
  int64_t key, value;
} kv_pair;

static gboolean add_pair(gpointer k, gpointer v, gpointer data) {
  kv_pair p = {(int64_t)(intptr_t)k, (int64_t)(intptr_t)v};
  g_byte_array_append(data, (const guint8 *)&p, sizeof p);
  return FALSE;
}

GByteArray *fl__raft_snapshot_take(const raft_state *s) {
  raft_snapshot_header h;
  memset(&h, 0, sizeof h);
  h.index = s->applied;
  h.term = fl__raft_term_at(&s->log, s->applied);
  h.n_kv = (uint32_t)g_tree_nnodes(s->kv);
  h.n_sessions = s->sessions->len;
  GByteArray *b = g_byte_array_new();
  g_byte_array_append(b, (const guint8 *)&h, sizeof h);
  g_tree_foreach(s->kv, add_pair, b);
  g_byte_array_append(b, (const guint8 *)s->sessions->data,
                      s->sessions->len * (guint)sizeof(raft_session));
  return b;
}

bool fl__raft_snapshot_restore(raft_state *s, const void *blob, size_t len) {
  raft_snapshot_header h;
  if (len < sizeof h) return false;
  memcpy(&h, blob, sizeof h);
  /* A snapshot comes from another node or from durable storage: check it all before using
   * any of it. */
  if (h.n_sessions > RAFT_MAX_CLIENTS || h.index >= UINT64_MAX / 2 ||
      len != sizeof h + (size_t)h.n_kv * sizeof(kv_pair) + (size_t)h.n_sessions *
                                                             sizeof(raft_session))
    return false;
  const char *p = (const char *)blob + sizeof h;
  g_tree_remove_all(s->kv);
  for (uint32_t i = 0; i < h.n_kv; i++, p += sizeof(kv_pair)) {
    kv_pair kp;
    memcpy(&kp, p, sizeof kp);
    g_tree_insert(s->kv, (gpointer)(intptr_t)kp.key, (gpointer)(intptr_t)kp.value);
  }
  g_array_set_size(s->sessions, h.n_sessions);
  if (h.n_sessions) memcpy(s->sessions->data, p, (size_t)h.n_sessions * sizeof(raft_session));
  s->log.base = h.index;
  s->log.base_term = h.term;
  s->commit = s->applied = h.index;
  return true;
}
