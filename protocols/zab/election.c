/* election: Fast Leader Election (ZooKeeper's FastLeaderElection), as a looking server runs it.
 *
 * A looking server starts a round (its logical clock) with a vote for itself: its id, its last
 * zxid and its current epoch. It sends the vote to everyone and adopts any better vote it hears
 * in its round, telling everyone again; a notification of a later round moves it to that round,
 * an earlier one gets its own vote back. Votes are compared by (epoch, zxid, id): the server
 * with the most recent history wins, which is what lets the new leader use its own history as
 * the epoch's starting point. Once a quorum's votes in the round equal its own, it waits
 * finalize_wait for a better one, then decides: lead, or follow.
 *
 * A server that is following or leading answers a looking one with its current vote (the
 * leader), marked with its state: a looking server that hears a quorum of such votes for one
 * leader, the leader's own among them, joins it at once (a restarted server rejoins this way).
 */
#include "zab_int.h"

#include <string.h>

bool fl__zab_history_newer(const zab_state *s, uint64_t a_epoch, uint64_t a_zxid,
                           uint64_t b_epoch, uint64_t b_zxid) {
  if (s->cfg.bug == ZAB_BUG_ZXID_NO_EPOCH) return ZAB_COUNTER(a_zxid) > ZAB_COUNTER(b_zxid);
  if (a_epoch != b_epoch) return a_epoch > b_epoch;
  return a_zxid > b_zxid;
}

/* ZooKeeper's totalOrderPredicate: a beats b. */
static bool vote_better(const zab_state *s, const zab_vote *a, const zab_vote *b) {
  if (fl__zab_history_newer(s, a->epoch, a->zxid, b->epoch, b->zxid)) return true;
  if (fl__zab_history_newer(s, b->epoch, b->zxid, a->epoch, a->zxid)) return false;
  return a->leader > b->leader;
}

static bool vote_same(const zab_vote *a, const zab_vote *b) {
  return a->leader == b->leader && a->zxid == b->zxid && a->epoch == b->epoch;
}

static zab_vote self_vote(const zab_state *s) {
  zab_vote v;
  memset(&v, 0, sizeof v);
  v.leader = s->id;
  v.zxid = zab_last_zxid(s);
  v.epoch = s->current_epoch;
  return v;
}

static void send_notify(zab_state *s, fl_node_ctx *ctx, int to) {
  zab_msg_notify m;
  memset(&m, 0, sizeof m);
  m.type = ZAB_MSG_NOTIFY;
  m.state = (uint32_t)s->role;
  m.round = s->round;
  m.vote = s->vote;
  if (to < 0)
    fl_node_broadcast(ctx, &m, sizeof m);
  else
    fl_node_send(ctx, to, &m, sizeof m);
}

static void clear_votes(zab_vote *v, int n) {
  memset(v, 0, sizeof *v * (size_t)n);
  for (int i = 0; i < n; i++) v[i].leader = ZAB_NOBODY;
}

void fl__zab_start_looking(zab_state *s, fl_node_ctx *ctx, const char *why) {
  if (why) fl_node_annotate(ctx, "looking: %s", why);
  s->role = ZAB_LOOKING;
  s->phase = ZAB_DISCOVERY;
  s->leader = ZAB_NOBODY;
  s->epoch = 0;
  s->established = false;
  memset(s->peers, 0, sizeof *s->peers * (size_t)s->n);
  fl__zab_drop_waiters(s, ctx);
  fl__zab_timer_stop(s, ctx, ZAB_TIMER_FINALIZE);
  s->round++;
  s->vote = self_vote(s);
  clear_votes(s->recv, s->n);
  clear_votes(s->ooe, s->n);
  s->recv[s->id] = s->vote;
  s->phase_start = fl_node_now(ctx);
  s->last_notify = s->phase_start;
  send_notify(s, ctx, -1);
  /* A cluster of one is its own quorum. */
  if (fl_quorum_reached(1, s->n)) fl__zab_timer_set(s, ctx, ZAB_TIMER_FINALIZE, s->cfg.finalize_ns);
}

static int count_for(const zab_vote *votes, int n, const zab_vote *v) {
  int c = 0;
  for (int i = 0; i < n; i++)
    if (vote_same(&votes[i], v)) c++;
  return c;
}

static void decide(zab_state *s, fl_node_ctx *ctx, int leader) {
  fl__zab_timer_stop(s, ctx, ZAB_TIMER_FINALIZE);
  if (leader == s->id)
    fl__zab_lead(s, ctx);
  else
    fl__zab_follow(s, ctx, leader);
}

void fl__zab_on_finalize(zab_state *s, fl_node_ctx *ctx) {
  if (s->role != ZAB_LOOKING) return;
  if (fl_quorum_reached(count_for(s->recv, s->n, &s->vote), s->n)) decide(s, ctx, s->vote.leader);
}

void fl__zab_election_tick(zab_state *s, fl_node_ctx *ctx) {
  int64_t now = fl_node_now(ctx);
  if (now - s->last_notify < s->cfg.notify_ns) return;
  s->last_notify = now;
  send_notify(s, ctx, -1);
}

void fl__zab_on_notify(zab_state *s, fl_node_ctx *ctx, int from, const zab_msg_notify *m) {
  if (m->state > ZAB_LEADING || m->vote.leader < 0 || m->vote.leader >= s->n) return;
  if (s->role != ZAB_LOOKING) {
    /* Tell a looking server who leads. */
    if (m->state == ZAB_LOOKING) send_notify(s, ctx, from);
    return;
  }
  s->last_notify = fl_node_now(ctx);
  if (m->state == ZAB_LOOKING) {
    if (m->round > s->round) {
      s->round = m->round;
      clear_votes(s->recv, s->n);
      zab_vote mine = self_vote(s);
      s->vote = vote_better(s, &m->vote, &mine) ? m->vote : mine;
      s->recv[s->id] = s->vote;
      send_notify(s, ctx, -1);
    } else if (m->round < s->round) {
      send_notify(s, ctx, from);
      return;
    } else if (vote_better(s, &m->vote, &s->vote)) {
      s->vote = m->vote;
      s->recv[s->id] = s->vote;
      send_notify(s, ctx, -1);
    }
    s->recv[from] = m->vote;
    if (fl_quorum_reached(count_for(s->recv, s->n, &s->vote), s->n) && !s->timer[ZAB_TIMER_FINALIZE])
      fl__zab_timer_set(s, ctx, ZAB_TIMER_FINALIZE, s->cfg.finalize_ns);
    return;
  }
  /* From a follower or a leader: an election already decided. */
  s->ooe[from] = m->vote;
  s->ooe_state[from] = m->state;
  if (m->round == s->round) s->recv[from] = m->vote;
  int l = m->vote.leader;
  if (l == s->id) return; /* votes for us as a leader we are not: stale */
  int c = 0;
  for (int i = 0; i < s->n; i++)
    if (s->ooe[i].leader == l) c++;
  bool leader_says = s->ooe[l].leader == l && s->ooe_state[l] == ZAB_LEADING;
  /* Count ourselves: we are about to follow it. */
  if (leader_says && fl_quorum_reached(c + 1, s->n)) {
    s->round = m->round;
    s->vote = m->vote;
    decide(s, ctx, l);
  }
}
