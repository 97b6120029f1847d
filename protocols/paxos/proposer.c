/* proposer: the distinguished proposer (the leader) and the election that makes one.
 *
 * A follower that hears no leader for an election timeout stands: it picks a ballot of a
 * round above every round it has seen, promises it itself and runs phase 1 once, for every
 * slot from the first it does not know chosen. A majority of promises makes it leader: for
 * every slot above what it knows chosen, it re-proposes the value some promise reported
 * accepted with the highest ballot, fills a slot nobody reported with a no-op, and from then on
 * runs only phase 2, one slot per client command. Heartbeats (an empty Accept) carry the
 * commit point and keep followers from standing.
 *
 * A proposer that meets a higher ballot (a Nack, or another's Prepare) gives way. With backoff
 * it waits a random time before standing again, so that one of two dueling proposers gets its
 * phase 2 through; without it, it stands again at once, and two proposers can preempt each
 * other forever (FLP's livelock, seen in scenarios/paxos/dueling-no-backoff.fl).
 */
#include "paxos_int.h"

#include <string.h>

static int popcount(uint64_t x) { return __builtin_popcountll(x); }

static void stop_leading(paxos_state *s, fl_node_ctx *ctx) {
  if (s->role == PAXOS_LEADER) {
    fl__paxos_drop_waiters(s, ctx);
    fl__paxos_timer_stop(s, ctx, PAXOS_TIMER_HEARTBEAT);
  }
}

static void become_leader(paxos_state *s, fl_node_ctx *ctx);

static void stand(paxos_state *s, fl_node_ctx *ctx) {
  stop_leading(s, ctx);
  s->max_round++;
  s->ballot = PAXOS_BALLOT(s->max_round, s->id);
  s->role = PAXOS_CANDIDATE;
  s->leader = PAXOS_NOBODY;
  s->has_lease = false;
  fl__paxos_raise_promise(s, ctx, s->ballot, false);
  /* This node's own acceptor is the first promise. */
  s->promised_by = (uint64_t)1 << s->id;
  s->p1_base = s->base;
  s->p1_base_node = s->id;
  for (uint64_t slot = s->commit + 1; slot <= paxos_last_slot(s); slot++) {
    paxos_slot *sl = fl__paxos_slot(s, slot);
    sl->proposed = 0;
    sl->acks = 0;
    sl->best_ballot = 0;
    if (!sl->chosen && sl->acc_ballot) {
      sl->best_ballot = sl->acc_ballot;
      sl->val = sl->acc;
    }
  }
  fl__paxos_reset_election_timer(s, ctx, s->cfg.election_lo_ns, s->cfg.election_hi_ns);
  if (fl_quorum_reached(1, s->n)) {
    become_leader(s, ctx);
    return;
  }
  paxos_msg_prepare m;
  memset(&m, 0, sizeof m);
  m.type = PAXOS_MSG_PREPARE;
  m.ballot = s->ballot;
  m.from = s->commit + 1;
  fl_node_broadcast(ctx, &m, sizeof m);
}

void fl__paxos_on_election_timeout(paxos_state *s, fl_node_ctx *ctx) {
  if (s->role == PAXOS_LEADER) return;
  /* A lease this node granted binds its own proposer too: its self-promise would otherwise
   * count towards a quorum the lease forbids. */
  if (s->cfg.lease_ns > 0 && s->has_lease && s->leader != PAXOS_NOBODY) {
    int64_t left = s->lease_until - fl_node_now(ctx);
    if (left > 0) {
      fl__paxos_timer_set(s, ctx, PAXOS_TIMER_ELECTION, left);
      s->election_timer_at = s->election_deadline = s->lease_until;
      return;
    }
  }
  stand(s, ctx);
}

void fl__paxos_preempted(paxos_state *s, fl_node_ctx *ctx, uint64_t ballot) {
  if (PAXOS_ROUND(ballot) > s->max_round) s->max_round = PAXOS_ROUND(ballot);
  if (s->role == PAXOS_FOLLOWER) return;
  stop_leading(s, ctx);
  s->role = PAXOS_FOLLOWER;
  s->leader = PAXOS_NOBODY;
  if (!s->cfg.backoff) {
    stand(s, ctx);
    return;
  }
  /* Wait a random backoff, unless a leader is heard meanwhile (which resets the timer). */
  s->election_deadline = INT64_MIN; /* make the reset below take the new, earlier time */
  fl__paxos_timer_stop(s, ctx, PAXOS_TIMER_ELECTION);
  fl__paxos_reset_election_timer(s, ctx, s->cfg.backoff_lo_ns, s->cfg.backoff_hi_ns);
}

void fl__paxos_follow(paxos_state *s, fl_node_ctx *ctx, uint64_t ballot) {
  int leader = PAXOS_NODE(ballot);
  if (s->role != PAXOS_FOLLOWER && !(s->role == PAXOS_LEADER && ballot == s->ballot)) {
    stop_leading(s, ctx);
    s->role = PAXOS_FOLLOWER;
  }
  if (s->role == PAXOS_LEADER) return;
  s->leader = leader;
  if (s->cfg.lease_ns > 0) {
    s->has_lease = true;
    s->lease_until = fl_node_now(ctx) + s->cfg.lease_ns;
  }
  fl__paxos_reset_election_timer(s, ctx, s->cfg.election_lo_ns, s->cfg.election_hi_ns);
}

/* Sends the leader's proposals for slots first .. first + n - 1 (n may be 0: a heartbeat) to
 * one peer, or to every peer (to < 0). */
static void send_accept(paxos_state *s, fl_node_ctx *ctx, int to, uint64_t first, uint32_t n) {
  size_t len = sizeof(paxos_msg_accept) + (size_t)n * sizeof(paxos_value);
  char *buf = g_malloc0(len);
  paxos_msg_accept m;
  memset(&m, 0, sizeof m);
  m.type = PAXOS_MSG_ACCEPT;
  m.n = n;
  m.ballot = s->ballot;
  m.first = first;
  m.commit = s->commit;
  m.sent = fl_node_now(ctx);
  memcpy(buf, &m, sizeof m);
  for (uint32_t k = 0; k < n; k++) {
    paxos_slot *sl = fl__paxos_slot(s, first + k);
    sl->sent_at = m.sent;
    memcpy(buf + sizeof m + (size_t)k * sizeof(paxos_value), &sl->val, sizeof(paxos_value));
  }
  if (to < 0) fl_node_broadcast(ctx, buf, len);
  else fl_node_send(ctx, to, buf, len);
  g_free(buf);
  s->last_accept_sent = m.sent;
}

static void send_range(paxos_state *s, fl_node_ctx *ctx, uint64_t from, uint64_t to) {
  while (from <= to) {
    uint64_t n = to - from + 1;
    if (n > (uint64_t)s->cfg.max_batch) n = (uint64_t)s->cfg.max_batch;
    send_accept(s, ctx, -1, from, (uint32_t)n);
    from += n;
  }
}

/* Proposes v at slot with the leader's ballot, accepting it in its own acceptor first. */
static void propose_at(paxos_state *s, fl_node_ctx *ctx, uint64_t slot, const paxos_value *v) {
  paxos_value copy = *v;
  fl__paxos_note(s, PAXOS_NOTE_PROPOSE, slot, s->ballot, &copy);
  fl__paxos_accept_slot(s, ctx, slot, s->ballot, &copy);
  paxos_slot *sl = fl__paxos_slot(s, slot);
  sl->val = copy;
  sl->proposed = 1;
  sl->acks = (uint64_t)1 << s->id;
  if (fl_quorum_reached(1, s->n)) fl__paxos_learn(s, ctx, slot, &copy);
}

static void become_leader(paxos_state *s, fl_node_ctx *ctx) {
  s->role = PAXOS_LEADER;
  s->leader = s->id;
  fl__paxos_timer_stop(s, ctx, PAXOS_TIMER_ELECTION);
  uint64_t start = s->commit > s->p1_base ? s->commit : s->p1_base;
  uint64_t top = paxos_last_slot(s) > start ? paxos_last_slot(s) : start;
  s->gap_until = s->p1_base > s->commit ? s->p1_base : 0;
  s->gap_node = s->p1_base_node;
  paxos_value noop;
  memset(&noop, 0, sizeof noop);
  noop.type = PAXOS_VALUE_NOOP;
  for (uint64_t slot = start + 1; slot <= top; slot++) {
    paxos_slot *sl = fl__paxos_slot(s, slot);
    paxos_value v = noop;
    if (sl->chosen) v = sl->val; /* re-proposing a chosen value is safe, and keeps it simple */
    else if (sl->best_ballot && s->cfg.bug != PAXOS_BUG_SKIP_REPROPOSAL) v = sl->val;
    propose_at(s, ctx, slot, &v);
  }
  s->next_slot = top + 1;
  s->lead_start = top;
  for (int i = 0; i < s->n; i++) s->echo[i] = INT64_MIN;
  fl_node_annotate(ctx, "became leader, ballot %" G_GUINT64_FORMAT ".%d, re-proposing slots %"
                        G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT,
                   PAXOS_ROUND(s->ballot), s->id + 1, start + 1, top);
  fl__paxos_timer_set(s, ctx, PAXOS_TIMER_HEARTBEAT, s->cfg.heartbeat_ns);
  if (top > start) send_range(s, ctx, start + 1, top);
  else send_accept(s, ctx, -1, s->next_slot, 0);
  if (s->gap_until) {
    paxos_msg_catchup c;
    memset(&c, 0, sizeof c);
    c.type = PAXOS_MSG_CATCHUP;
    c.from = s->commit + 1;
    fl_node_send(ctx, s->gap_node, &c, sizeof c);
  }
  fl__paxos_advance(s, ctx);
}

void fl__paxos_on_promise(paxos_state *s, fl_node_ctx *ctx, int from, const void *msg, size_t len) {
  paxos_msg_promise m;
  if (len < sizeof m) return;
  memcpy(&m, msg, sizeof m);
  if (len != sizeof m + (size_t)m.n * sizeof(paxos_promise_entry)) return;
  if (s->role != PAXOS_CANDIDATE || m.ballot != s->ballot) return;
  if (s->promised_by & ((uint64_t)1 << from)) return; /* a duplicate */
  if (m.base >= UINT64_MAX / 4) return;
  s->promised_by |= (uint64_t)1 << from;
  if (m.base > s->p1_base) {
    s->p1_base = m.base;
    s->p1_base_node = from;
  }
  const char *p = (const char *)msg + sizeof m;
  for (uint32_t k = 0; k < m.n; k++) {
    paxos_promise_entry e;
    memcpy(&e, p + (size_t)k * sizeof e, sizeof e);
    if (e.slot <= s->commit || e.slot <= s->base || e.slot >= UINT64_MAX / 4) continue;
    if (e.v.type != PAXOS_VALUE_NOOP && e.v.type != PAXOS_VALUE_OP) continue;
    if (e.chosen) {
      fl__paxos_learn(s, ctx, e.slot, &e.v);
      continue;
    }
    paxos_slot *sl = fl__paxos_slot(s, e.slot);
    if (sl->chosen || !e.ballot) continue;
    /* The highest ballot wins (the bug: the lowest). */
    bool better = s->cfg.bug == PAXOS_BUG_ANY_ACCEPTED
                      ? sl->best_ballot == 0 || e.ballot < sl->best_ballot
                      : e.ballot > sl->best_ballot;
    if (better) {
      sl->best_ballot = e.ballot;
      sl->val = e.v;
    }
  }
  fl__paxos_advance(s, ctx);
  if (s->role == PAXOS_CANDIDATE && fl_quorum_reached(popcount(s->promised_by), s->n))
    become_leader(s, ctx);
}

void fl__paxos_on_nack(paxos_state *s, fl_node_ctx *ctx, int from, const paxos_msg_nack *m) {
  (void)from;
  if (PAXOS_ROUND(m->promise) > s->max_round) s->max_round = PAXOS_ROUND(m->promise);
  if (s->role == PAXOS_FOLLOWER || m->ballot != s->ballot || m->promise <= s->ballot) return;
  fl__paxos_preempted(s, ctx, m->promise);
}

void fl__paxos_on_accepted(paxos_state *s, fl_node_ctx *ctx, int from, const paxos_msg_accepted *m) {
  if (s->role != PAXOS_LEADER || m->ballot != s->ballot) return;
  if (m->sent > s->echo[from]) s->echo[from] = m->sent;
  uint64_t bit = (uint64_t)1 << from;
  for (uint32_t k = 0; k < m->n; k++) {
    uint64_t slot = m->first + k;
    paxos_slot *sl = (paxos_slot *)fl__paxos_slot_get(s, slot);
    if (!sl || !sl->proposed || sl->chosen) continue;
    sl->acks |= bit;
    if (fl_quorum_reached(popcount(sl->acks), s->n)) fl__paxos_learn(s, ctx, slot, &sl->val);
  }
  fl__paxos_advance(s, ctx);
}

uint64_t fl__paxos_propose(paxos_state *s, fl_node_ctx *ctx, const paxos_value *v) {
  uint64_t slot = s->next_slot++;
  propose_at(s, ctx, slot, v);
  send_accept(s, ctx, -1, slot, 1);
  fl__paxos_advance(s, ctx);
  return slot;
}

void fl__paxos_heartbeat(paxos_state *s, fl_node_ctx *ctx) {
  int64_t now = fl_node_now(ctx);
  if (s->gap_until > s->commit) {
    paxos_msg_catchup c;
    memset(&c, 0, sizeof c);
    c.type = PAXOS_MSG_CATCHUP;
    c.from = s->commit + 1;
    fl_node_send(ctx, s->gap_node, &c, sizeof c);
  }
  /* Resend the oldest proposals not chosen yet, if they have waited a heartbeat. */
  uint64_t first = s->commit > s->gap_until ? s->commit + 1 : s->gap_until + 1;
  while (first < s->next_slot) {
    const paxos_slot *sl = fl__paxos_slot_get(s, first);
    if (sl && sl->proposed && !sl->chosen) break;
    first++;
  }
  if (first < s->next_slot && now - fl__paxos_slot_get(s, first)->sent_at >= s->cfg.heartbeat_ns) {
    uint64_t last = s->next_slot - 1;
    if (last - first + 1 > (uint64_t)s->cfg.max_batch) last = first + (uint64_t)s->cfg.max_batch - 1;
    send_accept(s, ctx, -1, first, (uint32_t)(last - first + 1));
    return;
  }
  /* Leases are renewed by answers: with leases on, a heartbeat every period. */
  if (now - s->last_accept_sent >= s->cfg.heartbeat_ns || s->cfg.lease_ns > 0)
    send_accept(s, ctx, -1, s->next_slot, 0);
}

static uint64_t time_key(int64_t t) { return (uint64_t)t ^ ((uint64_t)1 << 63); }

bool fl__paxos_lease_held(const paxos_state *s, fl_node_ctx *ctx) {
  if (s->cfg.lease_ns <= 0 || s->role != PAXOS_LEADER || s->applied < s->lead_start) return false;
  int64_t now = fl_node_now(ctx);
  uint64_t keys[PAXOS_MAX_NODES];
  for (int i = 0; i < s->n; i++) keys[i] = time_key(i == s->id ? now : s->echo[i]);
  uint64_t agreed = fl_quorum_agreed(keys, s->n);
  if (agreed == time_key(INT64_MIN)) return false;
  int64_t since = (int64_t)(agreed ^ ((uint64_t)1 << 63));
  int64_t lease = s->cfg.lease_ns - (int64_t)((double)s->cfg.lease_ns * s->cfg.drift_bound);
  return now < since + lease;
}
