/* kv: delivering committed transactions to the key-value state machine (common/kv_machine.h)
 * through the client sessions (common/client_sessions.h), client requests, snapshots.
 *
 * Writes and cas go to the leader (a follower redirects to the one it follows), which proposes
 * them and answers once they are delivered. Reads are ZooKeeper's: by default any server in the
 * broadcast phase answers from its own state, which may lag the leader's (sequential
 * consistency: a client sees the order, not always the latest); with `sync = yes` reads go to
 * the leader and through the broadcast like writes, and are linearizable.
 */
#include "zab_int.h"

#include <string.h>

static fl_op_result execute(zab_state *s, const zab_txn *t) {
  fl_kv_command c;
  memset(&c, 0, sizeof c);
  c.kind = t->kind;
  c.key = t->key;
  c.value = t->value;
  c.expected = t->expected;
  bool fresh;
  return fl_client_sessions_apply(&s->sessions, t->client, t->seq, fl_kv_machine_apply_fn, &s->kv,
                                  &c, &fresh);
}

void fl__zab_commit_to(zab_state *s, fl_node_ctx *ctx, uint64_t upto) {
  if (upto > zab_last_pos(s)) upto = zab_last_pos(s);
  if (upto > s->commit) s->commit = upto;
  while (s->applied < s->commit) {
    zab_txn t = *zab_txn_at(s, s->applied + 1);
    s->applied++;
    fl_op_result r = execute(s, &t);
    fl_waiters_settle(&s->waiters, ctx, s->applied, t.client, t.seq, &r);
  }
}

void fl__zab_drop_waiters(zab_state *s, fl_node_ctx *ctx) { fl_waiters_redirect_all(&s->waiters, ctx); }

GByteArray *fl__zab_snapshot_take(const zab_state *s) {
  zab_snapshot_header h;
  memset(&h, 0, sizeof h);
  h.index = s->applied;
  h.zxid = fl__zab_zxid_at(s, s->applied);
  return fl_rsm_snapshot_take(&h, sizeof h, &s->kv, &s->sessions);
}

bool fl__zab_snapshot_restore(zab_state *s, const void *blob, size_t len, zab_snapshot_header *out) {
  zab_snapshot_header h;
  fl_rsm_snapshot_view view;
  /* From the leader or from durable storage: checked whole before any of it is used. */
  if (!fl_rsm_snapshot_parse(blob, len, sizeof h, &h, &view) || h.index >= UINT64_MAX / 4)
    return false;
  fl_rsm_snapshot_install(&view, &s->kv, &s->sessions);
  *out = h;
  return true;
}

void fl__zab_describe_zxid(GString *out, uint64_t zxid) {
  g_string_append_printf(out, "<%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ">", ZAB_EPOCH(zxid),
                         ZAB_COUNTER(zxid));
}

void fl__zab_describe_txn(GString *out, const zab_txn *t) {
  fl__zab_describe_zxid(out, t->zxid);
  g_string_append_printf(out, " %s k%" G_GINT64_FORMAT, fl_op_kind_name((fl_op_kind)t->kind), t->key);
  if (t->kind == FL_OP_WRITE) g_string_append_printf(out, " = %" G_GINT64_FORMAT, t->value);
  if (t->kind == FL_OP_CAS)
    g_string_append_printf(out, " %" G_GINT64_FORMAT " -> %" G_GINT64_FORMAT, t->expected, t->value);
  g_string_append_printf(out, " (c%u #%" G_GUINT64_FORMAT ")", t->client + 1, t->seq);
}

static void reply(fl_node_ctx *ctx, const fl_op *op, fl_reply_status st, int to) {
  fl_op_result r = {.status = st, .redirect_to = to};
  fl_node_reply(ctx, op, &r);
}

void fl__zab_on_client_request(zab_state *s, fl_node_ctx *ctx, const fl_op *op) {
  if (op->kind != FL_OP_READ && op->kind != FL_OP_WRITE && op->kind != FL_OP_CAS) {
    reply(ctx, op, FL_REPLY_REFUSED, -1);
    return;
  }
  bool serving = s->phase == ZAB_BROADCAST && s->role != ZAB_LOOKING;
  if (op->kind == FL_OP_READ && !s->cfg.sync_reads) {
    if (!serving) {
      reply(ctx, op, FL_REPLY_REDIRECT, s->leader);
      return;
    }
    fl_op_result r = fl_kv_machine_read(&s->kv, op->key);
    fl_node_reply(ctx, op, &r);
    return;
  }
  if (s->role != ZAB_LEADING || !s->established) {
    reply(ctx, op, FL_REPLY_REDIRECT, s->role == ZAB_LEADING ? -1 : s->leader);
    return;
  }
  if (!fl_client_sessions_admit(&s->sessions, ctx, op)) return;
  zab_txn t;
  memset(&t, 0, sizeof t);
  t.client = op->client;
  t.seq = op->seq;
  t.kind = (int32_t)op->kind;
  t.key = op->key;
  t.value = op->value;
  t.expected = op->expected;
  fl_waiters_push(&s->waiters, op, zab_last_pos(s) + 1, 0);
  fl__zab_propose(s, ctx, &t);
}
