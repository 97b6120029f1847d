/* acceptor: the acceptor's half of Paxos. It keeps one promise for every slot at once
 * (Multi-Paxos's phase 1 covers the whole log) and, per slot, the (ballot, value) it accepted
 * last. Both are persisted before the answer that depends on them is sent: a promise that a
 * crash forgot would let the acceptor accept a lower ballot afterwards, and a forgotten accept
 * could unchoose a value.
 */
#include "paxos_int.h"

#include <string.h>

void fl__paxos_raise_promise(paxos_state *s, fl_node_ctx *ctx, uint64_t ballot, bool from_prepare) {
  if (ballot <= s->promise) return;
  s->promise = ballot;
  if (PAXOS_ROUND(ballot) > s->max_round) s->max_round = PAXOS_ROUND(ballot);
  /* The bug: the answer to a Prepare goes out on a promise only memory holds. */
  if (!(from_prepare && s->cfg.bug == PAXOS_BUG_UNPERSISTED_PROMISE)) fl__paxos_persist_meta(s, ctx);
}

void fl__paxos_accept_slot(paxos_state *s, fl_node_ctx *ctx, uint64_t slot, uint64_t ballot,
                           const paxos_value *v) {
  fl__paxos_note(s, PAXOS_NOTE_ACCEPT, slot, ballot, v);
  paxos_slot *sl = fl__paxos_slot(s, slot);
  sl->acc_ballot = ballot;
  sl->acc = *v;
  paxos_slot_rec r;
  memset(&r, 0, sizeof r);
  r.ballot = ballot;
  r.v = *v;
  fl_node_persist(ctx, PAXOS_KEY_SLOT(slot), &r, sizeof r);
  if (slot > s->reserved) {
    s->reserved = slot + PAXOS_RESERVE;
    fl__paxos_persist_meta(s, ctx);
  }
}

static void send_nack(paxos_state *s, fl_node_ctx *ctx, int to, uint64_t ballot) {
  paxos_msg_nack m;
  memset(&m, 0, sizeof m);
  m.type = PAXOS_MSG_NACK;
  m.ballot = ballot;
  m.promise = s->promise;
  fl_node_send(ctx, to, &m, sizeof m);
}

/* A lease granted to the leader is in force: another proposer must wait it out. */
static bool lease_blocks(const paxos_state *s, fl_node_ctx *ctx, int proposer) {
  return s->cfg.lease_ns > 0 && s->has_lease && s->leader != PAXOS_NOBODY &&
         proposer != s->leader && fl_node_now(ctx) < s->lease_until;
}

void fl__paxos_on_prepare(paxos_state *s, fl_node_ctx *ctx, int from, const paxos_msg_prepare *m) {
  if (PAXOS_NODE(m->ballot) != from || m->from == 0 || m->from >= UINT64_MAX / 2) return;
  if (PAXOS_ROUND(m->ballot) > s->max_round) s->max_round = PAXOS_ROUND(m->ballot);
  if (m->ballot < s->promise || (m->ballot > s->promise && lease_blocks(s, ctx, from))) {
    send_nack(s, ctx, from, m->ballot);
    return;
  }
  fl__paxos_raise_promise(s, ctx, m->ballot, true);
  /* Every slot from the proposer's first unknown one that this node accepted or knows
   * chosen; slots up to base are chosen, and the proposer learns that from base. */
  uint64_t first = m->from > s->base ? m->from : s->base + 1;
  uint64_t last = paxos_last_slot(s);
  GArray *entries = g_array_new(FALSE, TRUE, sizeof(paxos_promise_entry));
  for (uint64_t slot = first; slot <= last; slot++) {
    const paxos_slot *sl = fl__paxos_slot_get(s, slot);
    if (!sl->acc_ballot && !sl->chosen) continue;
    paxos_promise_entry e;
    memset(&e, 0, sizeof e);
    e.slot = slot;
    e.ballot = sl->acc_ballot;
    e.chosen = sl->chosen;
    e.v = sl->chosen ? sl->val : sl->acc;
    g_array_append_val(entries, e);
  }
  size_t len = sizeof(paxos_msg_promise) + entries->len * sizeof(paxos_promise_entry);
  char *buf = g_malloc0(len);
  paxos_msg_promise h;
  memset(&h, 0, sizeof h);
  h.type = PAXOS_MSG_PROMISE;
  h.n = entries->len;
  h.ballot = m->ballot;
  h.base = s->base;
  memcpy(buf, &h, sizeof h);
  if (entries->len) memcpy(buf + sizeof h, entries->data, entries->len * sizeof(paxos_promise_entry));
  fl_node_send(ctx, from, buf, len);
  g_free(buf);
  g_array_free(entries, TRUE);
  if (s->role != PAXOS_FOLLOWER && m->ballot != s->ballot) {
    fl__paxos_preempted(s, ctx, m->ballot);
  } else if (s->role == PAXOS_FOLLOWER) {
    s->leader = PAXOS_NOBODY;
    s->has_lease = false;
    /* Give the candidate an election timeout to finish. */
    fl__paxos_reset_election_timer(s, ctx, s->cfg.election_lo_ns, s->cfg.election_hi_ns);
  }
}

void fl__paxos_on_accept(paxos_state *s, fl_node_ctx *ctx, int from, const void *msg, size_t len) {
  paxos_msg_accept m;
  if (len < sizeof m) return;
  memcpy(&m, msg, sizeof m);
  if (len != sizeof m + (size_t)m.n * sizeof(paxos_value) || PAXOS_NODE(m.ballot) != from ||
      m.first == 0 || m.first >= UINT64_MAX / 4 || m.commit >= UINT64_MAX / 4)
    return;
  if (PAXOS_ROUND(m.ballot) > s->max_round) s->max_round = PAXOS_ROUND(m.ballot);
  bool below = m.ballot < s->promise;
  if (below && s->cfg.bug != PAXOS_BUG_IGNORE_PROMISE) {
    send_nack(s, ctx, from, m.ballot);
    return;
  }
  if (!below) {
    fl__paxos_raise_promise(s, ctx, m.ballot, false);
    fl__paxos_follow(s, ctx, m.ballot);
  }
  const char *p = (const char *)msg + sizeof m;
  for (uint32_t k = 0; k < m.n; k++) {
    uint64_t slot = m.first + k;
    if (slot <= s->base) continue; /* chosen, and compacted into the snapshot */
    paxos_value v;
    memcpy(&v, p + (size_t)k * sizeof v, sizeof v);
    if (v.type != PAXOS_VALUE_NOOP && v.type != PAXOS_VALUE_OP) continue;
    fl__paxos_accept_slot(s, ctx, slot, m.ballot, &v);
  }
  paxos_msg_accepted r;
  memset(&r, 0, sizeof r);
  r.type = PAXOS_MSG_ACCEPTED;
  r.n = m.n;
  r.ballot = m.ballot;
  r.first = m.first;
  r.sent = m.sent;
  fl_node_send(ctx, from, &r, sizeof r);
  if (below) return;
  /* Learning from the piggybacked commit: a slot up to it that holds this leader's ballot
   * holds its proposal, which is the chosen value. */
  uint64_t upto = m.commit < paxos_last_slot(s) ? m.commit : paxos_last_slot(s);
  for (uint64_t slot = s->commit + 1; slot <= upto; slot++) {
    const paxos_slot *sl = fl__paxos_slot_get(s, slot);
    if (sl && !sl->chosen && sl->acc_ballot == m.ballot) fl__paxos_learn(s, ctx, slot, &sl->acc);
  }
  fl__paxos_advance(s, ctx);
  fl__paxos_maybe_catch_up(s, ctx, from, m.commit);
}
