/* learner: what a replica knows chosen, applying it in slot order to the key-value state
 * machine (common/kv_machine.h) through the client sessions (common/client_sessions.h), the
 * leader's client requests and waiting clients (common/waiters.h), catch-up and snapshots.
 *
 * A replica learns a slot chosen three ways: from the commit point piggybacked on the leader's
 * next Accept or heartbeat (a slot up to it that holds the leader's ballot holds the chosen
 * value), from a phase-1 promise that reports it chosen, or by catching up: a replica that
 * sees the leader's commit point ahead of its own asks for the chosen values it misses
 * (Decided), or for the leader's snapshot when the leader has compacted them away.
 *
 * Reads go through the log like writes, unless leases are on and the leader holds one: then
 * it answers from its own state machine (safe only while clocks drift less than the bound).
 */
#include "paxos_int.h"

#include <string.h>

void fl__paxos_learn(paxos_state *s, fl_node_ctx *ctx, uint64_t slot, const paxos_value *v) {
  (void)ctx;
  if (slot <= s->base) return;
  paxos_value copy = *v;
  paxos_slot *sl = fl__paxos_slot(s, slot);
  if (sl->chosen) return;
  sl->chosen = 1;
  sl->val = copy;
}

static fl_op_result execute(paxos_state *s, const paxos_value *v) {
  fl_kv_command c;
  memset(&c, 0, sizeof c);
  c.kind = v->kind;
  c.key = v->key;
  c.value = v->value;
  c.expected = v->expected;
  bool fresh;
  return fl_client_sessions_apply(&s->sessions, v->client, v->seq, fl_kv_machine_apply_fn, &s->kv,
                                  &c, &fresh);
}

void fl__paxos_advance(paxos_state *s, fl_node_ctx *ctx) {
  while (s->applied < paxos_last_slot(s)) {
    const paxos_slot *sl = fl__paxos_slot_get(s, s->applied + 1);
    if (!sl->chosen) break;
    s->applied++;
    s->commit = s->applied;
    if (sl->val.type != PAXOS_VALUE_OP) continue;
    paxos_value v = sl->val;
    fl_op_result r = execute(s, &v);
    fl_waiters_settle(&s->waiters, ctx, s->applied, v.client, v.seq, &r);
  }
}

void fl__paxos_drop_waiters(paxos_state *s, fl_node_ctx *ctx) {
  fl_waiters_redirect_all(&s->waiters, ctx);
}

void fl__paxos_maybe_catch_up(paxos_state *s, fl_node_ctx *ctx, int leader, uint64_t leader_commit) {
  if (leader_commit <= s->commit) return;
  int64_t now = fl_node_now(ctx);
  if (s->has_catchup && now - s->last_catchup < s->cfg.heartbeat_ns) return;
  s->has_catchup = true;
  s->last_catchup = now;
  paxos_msg_catchup c;
  memset(&c, 0, sizeof c);
  c.type = PAXOS_MSG_CATCHUP;
  c.from = s->commit + 1;
  fl_node_send(ctx, leader, &c, sizeof c);
}

static void send_snapshot(paxos_state *s, fl_node_ctx *ctx, int to) {
  size_t len = 0;
  uint64_t key = 0;
  const void *blob = fl_durable_slots_latest(&s->snap, &key) ? fl_node_load(ctx, key, &len) : NULL;
  if (!blob) return;
  paxos_msg_snapshot m;
  memset(&m, 0, sizeof m);
  m.type = PAXOS_MSG_SNAPSHOT;
  GByteArray *buf = g_byte_array_sized_new((guint)(sizeof m + len));
  g_byte_array_append(buf, (const guint8 *)&m, sizeof m);
  g_byte_array_append(buf, blob, (guint)len);
  fl_node_send(ctx, to, buf->data, buf->len);
  g_byte_array_free(buf, TRUE);
}

/* Any replica answers a catch-up from what it knows chosen. */
void fl__paxos_on_catchup(paxos_state *s, fl_node_ctx *ctx, int from, const paxos_msg_catchup *m) {
  if (m->from == 0 || m->from > s->commit) return;
  if (m->from <= s->base) {
    send_snapshot(s, ctx, from);
    return;
  }
  uint64_t n = s->commit - m->from + 1;
  if (n > (uint64_t)s->cfg.max_batch) n = (uint64_t)s->cfg.max_batch;
  size_t len = sizeof(paxos_msg_decided) + (size_t)n * sizeof(paxos_value);
  char *buf = g_malloc0(len);
  paxos_msg_decided d;
  memset(&d, 0, sizeof d);
  d.type = PAXOS_MSG_DECIDED;
  d.n = (uint32_t)n;
  d.first = m->from;
  memcpy(buf, &d, sizeof d);
  for (uint64_t k = 0; k < n; k++)
    memcpy(buf + sizeof d + k * sizeof(paxos_value), &fl__paxos_slot_get(s, m->from + k)->val,
           sizeof(paxos_value));
  fl_node_send(ctx, from, buf, len);
  g_free(buf);
}

void fl__paxos_on_decided(paxos_state *s, fl_node_ctx *ctx, int from, const void *msg, size_t len) {
  paxos_msg_decided d;
  if (len < sizeof d) return;
  memcpy(&d, msg, sizeof d);
  if (len != sizeof d + (size_t)d.n * sizeof(paxos_value) || d.first == 0 ||
      d.first >= UINT64_MAX / 4)
    return;
  const char *p = (const char *)msg + sizeof d;
  for (uint32_t k = 0; k < d.n; k++) {
    paxos_value v;
    memcpy(&v, p + (size_t)k * sizeof v, sizeof v);
    if (v.type != PAXOS_VALUE_NOOP && v.type != PAXOS_VALUE_OP) continue;
    if (d.first + k > s->commit) fl__paxos_learn(s, ctx, d.first + k, &v);
  }
  fl__paxos_advance(s, ctx);
  /* More to fetch: ask again at once rather than a heartbeat later. */
  if (d.n && s->commit == d.first + d.n - 1) {
    s->has_catchup = false;
    if (s->role == PAXOS_LEADER && s->gap_until > s->commit) {
      paxos_msg_catchup c;
      memset(&c, 0, sizeof c);
      c.type = PAXOS_MSG_CATCHUP;
      c.from = s->commit + 1;
      fl_node_send(ctx, from, &c, sizeof c);
    }
  }
}

/* Drops slots up to `upto` from the log, in memory and in durable storage. */
static void drop_prefix(paxos_state *s, fl_node_ctx *ctx, uint64_t upto) {
  if (upto <= s->base) return;
  uint64_t last = paxos_last_slot(s);
  guint drop = (guint)((upto < last ? upto : last) - s->base);
  g_array_remove_range(s->slots, 0, drop);
  if (upto > last) g_array_set_size(s->slots, 0);
  fl_node_erase_range(ctx, PAXOS_KEY_SLOT(s->base + 1), PAXOS_KEY_SLOT(upto + 1));
  s->base = upto;
}

void fl__paxos_on_snapshot(paxos_state *s, fl_node_ctx *ctx, int from, const void *msg, size_t len) {
  (void)from;
  paxos_snapshot_header h;
  if (len < sizeof(paxos_msg_snapshot) + fl_rsm_snapshot_min_len(sizeof h)) return;
  const char *blob = (const char *)msg + sizeof(paxos_msg_snapshot);
  size_t blob_len = len - sizeof(paxos_msg_snapshot);
  memcpy(&h, blob, sizeof h);
  if (h.index <= s->commit || h.index >= UINT64_MAX / 4) return;
  if (!fl__paxos_snapshot_restore(s, blob, blob_len, &h)) return;
  fl__paxos_persist_snapshot(s, ctx, blob, blob_len);
  drop_prefix(s, ctx, h.index);
  s->commit = s->applied = h.index;
  fl_node_annotate(ctx, "installed snapshot up to slot %" G_GUINT64_FORMAT, h.index);
  fl__paxos_advance(s, ctx);
  s->has_catchup = false;
}

void fl__paxos_maybe_compact(paxos_state *s, fl_node_ctx *ctx) {
  if (s->cfg.snapshot_every <= 0 || s->applied - s->base < (uint64_t)s->cfg.snapshot_every) return;
  GByteArray *blob = fl__paxos_snapshot_take(s);
  fl__paxos_persist_snapshot(s, ctx, blob->data, blob->len);
  g_byte_array_free(blob, TRUE);
  drop_prefix(s, ctx, s->applied);
}

GByteArray *fl__paxos_snapshot_take(const paxos_state *s) {
  paxos_snapshot_header h;
  memset(&h, 0, sizeof h);
  h.index = s->applied;
  return fl_rsm_snapshot_take(&h, sizeof h, &s->kv, &s->sessions);
}

bool fl__paxos_snapshot_restore(paxos_state *s, const void *blob, size_t len,
                                paxos_snapshot_header *out) {
  paxos_snapshot_header h;
  fl_rsm_snapshot_view view;
  /* From another replica or from durable storage: checked whole before any of it is used. */
  if (!fl_rsm_snapshot_parse(blob, len, sizeof h, &h, &view) || h.index >= UINT64_MAX / 4)
    return false;
  fl_rsm_snapshot_install(&view, &s->kv, &s->sessions);
  *out = h;
  return true;
}

void fl__paxos_on_client_request(paxos_state *s, fl_node_ctx *ctx, const fl_op *op) {
  if (op->kind != FL_OP_READ && op->kind != FL_OP_WRITE && op->kind != FL_OP_CAS) {
    fl_op_result r = {.status = FL_REPLY_REFUSED, .redirect_to = -1};
    fl_node_reply(ctx, op, &r);
    return;
  }
  if (s->role != PAXOS_LEADER) {
    fl_op_result r = {.status = FL_REPLY_REDIRECT, .redirect_to = s->leader};
    fl_node_reply(ctx, op, &r);
    return;
  }
  if (op->kind == FL_OP_READ && fl__paxos_lease_held(s, ctx)) {
    fl_op_result r = fl_kv_machine_read(&s->kv, op->key);
    fl_node_reply(ctx, op, &r);
    return;
  }
  if (!fl_client_sessions_admit(&s->sessions, ctx, op)) return;
  paxos_value v;
  memset(&v, 0, sizeof v);
  v.type = PAXOS_VALUE_OP;
  v.client = op->client;
  v.seq = op->seq;
  v.kind = (int32_t)op->kind;
  v.key = op->key;
  v.value = op->value;
  v.expected = op->expected;
  fl_waiters_push(&s->waiters, op, s->next_slot, 0);
  fl__paxos_propose(s, ctx, &v);
}
