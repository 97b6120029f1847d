/* kv: the leader's handling of client requests, applying committed entries to the key-value
 * state machine (common/kv_machine.h) through the client sessions (common/client_sessions.h),
 * answering the clients that wait (common/waiters.h), and Raft's snapshot blob.
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

/* Applies one command, or answers it from its session if it was applied before. */
static fl_op_result execute(raft_state *s, const raft_entry *e, bool *fresh) {
  fl_kv_command c;
  memset(&c, 0, sizeof c);
  c.kind = e->kind;
  c.key = e->key;
  c.value = e->value;
  c.expected = e->expected;
  return fl_client_sessions_apply(&s->sessions, e->client, e->seq, fl_kv_machine_apply_fn,
                                  &s->kv, &c, fresh);
}

void fl__raft_apply(raft_state *s, fl_node_ctx *ctx) {
  while (s->applied < s->commit) {
    s->applied++;
    const raft_entry *e = fl__raft_entry_at(&s->log, s->applied);
    if (e->type != RAFT_ENTRY_OP) continue;
    bool fresh;
    fl_op_result r = execute(s, e, &fresh);
    /* Waiters are in index order; only a leader has them. */
    fl_waiters_settle(&s->waiters, ctx, s->applied, e->client, e->seq, &r);
  }
  if (s->role == RAFT_LEADER) fl__raft_serve_reads(s, ctx);
}

void fl__raft_serve_reads(raft_state *s, fl_node_ctx *ctx) {
  const fl_waiter *w;
  while ((w = fl_waiters_front(&s->reads)) != NULL) {
    if (s->applied < w->index) return;
    int acks = 1;
    for (int i = 0; i < s->n; i++)
      if (i != s->id && s->acked_round[i] >= w->round) acks++;
    if (!fl_quorum_reached(acks, s->n)) return; /* rounds only grow: later reads wait too */
    fl_op_result r = fl_kv_machine_read(&s->kv, w->op.key);
    fl_node_reply(ctx, &w->op, &r);
    fl_waiters_pop(&s->reads);
  }
}

void fl__raft_drop_waiters(raft_state *s, fl_node_ctx *ctx) {
  /* Redirected, not failed: a write may still commit, and its retry elsewhere is answered
   * from the session rather than applied twice. */
  fl_waiters_redirect_all(&s->waiters, ctx);
  fl_waiters_redirect_all(&s->reads, ctx);
}

void fl__raft_on_client_request(raft_state *s, fl_node_ctx *ctx, const fl_op *op) {
  /* A key-value store: the other workload kinds (counter, lock, txn) are refused, a definite
   * fail, rather than applied as something they are not. */
  if (op->kind != FL_OP_READ && op->kind != FL_OP_WRITE && op->kind != FL_OP_CAS) {
    fl_op_result r = {.status = FL_REPLY_REFUSED, .redirect_to = -1};
    fl_node_reply(ctx, op, &r);
    return;
  }
  if (s->role != RAFT_LEADER) {
    fl_op_result r = {.status = FL_REPLY_REDIRECT, .redirect_to = s->leader};
    fl_node_reply(ctx, op, &r);
    return;
  }
  if (op->kind == FL_OP_READ && s->cfg.bug == RAFT_BUG_STALE_READ) {
    fl_op_result r = fl_kv_machine_read(&s->kv, op->key); /* the bug: no quorum confirms it */
    fl_node_reply(ctx, op, &r);
    return;
  }
  if (!fl_client_sessions_admit(&s->sessions, ctx, op)) return;
  if (op->kind == FL_OP_READ && s->cfg.read_index) {
    uint64_t index = s->commit > s->term_start ? s->commit : s->term_start;
    fl_waiters_push(&s->reads, op, index, s->round + 1); /* the broadcast below */
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
  fl_durable_log_append(&s->log, ctx, &e);
  fl_waiters_push(&s->waiters, op, raft_last_index(&s->log), 0);
  fl__raft_broadcast_append(s, ctx);
  if (s->n == 1) {
    s->commit = raft_last_index(&s->log);
    fl__raft_apply(s, ctx);
  }
}

/* ---- Snapshots: Raft's header (index, term), then the common blob (common/rsm_snapshot.h). */

GByteArray *fl__raft_snapshot_take(const raft_state *s) {
  raft_snapshot_header h;
  memset(&h, 0, sizeof h);
  h.index = s->applied;
  h.term = fl__raft_term_at(&s->log, s->applied);
  return fl_rsm_snapshot_take(&h, sizeof h, &s->kv, &s->sessions);
}

bool fl__raft_snapshot_restore(raft_state *s, const void *blob, size_t len,
                               raft_snapshot_header *out) {
  raft_snapshot_header h;
  fl_rsm_snapshot_view view;
  /* A snapshot comes from another node or from durable storage: check it all before using
   * any of it. */
  if (!fl_rsm_snapshot_parse(blob, len, sizeof h, &h, &view) || h.index >= UINT64_MAX / 2)
    return false;
  fl_rsm_snapshot_install(&view, &s->kv, &s->sessions);
  s->commit = s->applied = h.index;
  *out = h;
  return true;
}
