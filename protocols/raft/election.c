/* election: leader election (Figure 2's RequestVote and "Rules for Servers"), with the thesis's
 * PreVote (9.6) and CheckQuorum (6.2) when the options ask for them. */
#include "raft_int.h"

#include <string.h>

static int count_votes(const raft_state *s) {
  int granted = 0;
  for (int i = 0; i < s->n; i++) granted += s->votes[i];
  return granted;
}

/* The candidate's log is at least as up to date as ours (5.4.1): a later last term, or the
 * same last term and at least as long. */
static bool log_ok(const raft_state *s, uint64_t last_index, uint64_t last_term) {
  uint64_t my_term = fl__raft_last_term(&s->log);
  return last_term > my_term || (last_term == my_term && last_index >= raft_last_index(&s->log));
}

/* This node heard from a leader within the minimum election timeout (or is the leader). */
static bool heard_leader_recently(const raft_state *s, fl_node_ctx *ctx) {
  if (s->role == RAFT_LEADER) return true;
  return s->leader != RAFT_NOBODY && s->has_heard_leader &&
         fl_node_now(ctx) - s->heard_leader_at < s->cfg.election_lo_ns;
}

/* With CheckQuorum a node that heard a leader recently ignores votes (thesis 4.2.3): a server
 * cut off from the leader cannot depose it. */
static bool in_leader_lease(const raft_state *s, fl_node_ctx *ctx) {
  return s->cfg.check_quorum && heard_leader_recently(s, ctx);
}

static void send_vote_requests(raft_state *s, fl_node_ctx *ctx, bool prevote) {
  raft_msg_vote m;
  memset(&m, 0, sizeof m);
  m.type = RAFT_MSG_VOTE;
  m.prevote = prevote;
  m.term = prevote ? s->term + 1 : s->term;
  m.last_index = raft_last_index(&s->log);
  m.last_term = fl__raft_last_term(&s->log);
  fl__raft_broadcast(s, ctx, &m, sizeof m);
}

/* Stands for election: a real one (the term goes up and the node votes for itself, durably),
 * or a pre-election (PreVote: nothing changes but the role). A node that already holds a
 * majority alone (a cluster of one) goes straight to the next stage. */
static void stand(raft_state *s, fl_node_ctx *ctx, bool prevote) {
  if (!prevote) {
    s->term++;
    s->voted_for = s->id;
    fl__raft_persist_meta(s, ctx);
  }
  s->role = prevote ? RAFT_PRECANDIDATE : RAFT_CANDIDATE;
  s->leader = RAFT_NOBODY;
  memset(s->votes, 0, (size_t)s->n * sizeof *s->votes);
  s->votes[s->id] = true;
  fl__raft_reset_election_timer(s, ctx);
  if (!fl_quorum_reached(count_votes(s), s->n)) send_vote_requests(s, ctx, prevote);
  else if (prevote) stand(s, ctx, false);
  else fl__raft_become_leader(s, ctx);
}

void fl__raft_on_election_timeout(raft_state *s, fl_node_ctx *ctx) {
  if (s->role != RAFT_LEADER) stand(s, ctx, s->cfg.prevote);
}

void fl__raft_step_down(raft_state *s, fl_node_ctx *ctx, uint64_t term) {
  if (term > s->term) {
    s->term = term;
    s->voted_for = RAFT_NOBODY;
    s->leader = RAFT_NOBODY;
    fl__raft_persist_meta(s, ctx);
  }
  if (s->role == RAFT_LEADER) {
    fl__raft_drop_waiters(s, ctx);
    fl__raft_timer_stop(s, ctx, RAFT_TIMER_HEARTBEAT);
    fl__raft_timer_stop(s, ctx, RAFT_TIMER_QUORUM);
  }
  s->role = RAFT_FOLLOWER;
  if (!s->timer[RAFT_TIMER_ELECTION]) fl__raft_reset_election_timer(s, ctx);
}

/* A granted PreVote carries the term it was asked for (as etcd's does), so the candidate can
 * tell it from a grant of an earlier pre-election; every other answer carries our term. */
static void reply(const raft_state *s, fl_node_ctx *ctx, int to, uint64_t term, bool prevote,
                  bool granted) {
  raft_msg_vote_reply r;
  memset(&r, 0, sizeof r);
  r.type = RAFT_MSG_VOTE_REPLY;
  r.prevote = prevote;
  r.term = term;
  r.granted = granted;
  fl__raft_send(s, ctx, to, &r, sizeof r);
}

void fl__raft_on_vote(raft_state *s, fl_node_ctx *ctx, int from, const raft_msg_vote *m) {
  if (m->prevote) {
    /* A PreVote changes nothing here: it only asks whether a vote would be granted. */
    bool granted = m->term > s->term && log_ok(s, m->last_index, m->last_term) &&
                   !heard_leader_recently(s, ctx);
    reply(s, ctx, from, granted ? m->term : s->term, true, granted);
    return;
  }
  if (m->term < s->term || (m->term > s->term && in_leader_lease(s, ctx))) {
    reply(s, ctx, from, s->term, false, false);
    return;
  }
  if (m->term > s->term) fl__raft_step_down(s, ctx, m->term);
  bool free_to_vote = s->voted_for == RAFT_NOBODY || s->voted_for == from ||
                      (s->cfg.bug == RAFT_BUG_VOTE_TWICE && s->role == RAFT_FOLLOWER);
  bool granted = free_to_vote && log_ok(s, m->last_index, m->last_term);
  if (granted) {
    s->voted_for = from;
    fl__raft_persist_meta(s, ctx);
    fl__raft_reset_election_timer(s, ctx);
  }
  reply(s, ctx, from, s->term, false, granted);
}

void fl__raft_on_vote_reply(raft_state *s, fl_node_ctx *ctx, int from,
                            const raft_msg_vote_reply *m) {
  if (m->prevote && m->granted) {
    /* Only a grant for the term this pre-election asks for: a late grant of an earlier one
     * (or a duplicate) must not start an election that could depose a healthy leader. */
    if (s->role == RAFT_PRECANDIDATE && m->term == s->term + 1) {
      s->votes[from] = true;
      if (fl_quorum_reached(count_votes(s), s->n)) stand(s, ctx, false);
    }
    return;
  }
  if (m->term > s->term) {
    fl__raft_step_down(s, ctx, m->term);
    return;
  }
  if (!m->granted) return;
  if (!m->prevote && s->role == RAFT_CANDIDATE && m->term == s->term) {
    s->votes[from] = true;
    if (fl_quorum_reached(count_votes(s), s->n)) fl__raft_become_leader(s, ctx);
  }
}

void fl__raft_check_quorum(raft_state *s, fl_node_ctx *ctx) {
  int heard = 1;
  for (int i = 0; i < s->n; i++)
    if (i != s->id && s->heard[i]) heard++;
  memset(s->heard, 0, (size_t)s->n * sizeof *s->heard);
  if (fl_quorum_reached(heard, s->n)) {
    fl__raft_timer_set(s, ctx, RAFT_TIMER_QUORUM, s->cfg.election_hi_ns);
    return;
  }
  fl_node_annotate(ctx, "heard from %d of %d: stepping down (CheckQuorum)", heard, s->n);
  s->leader = RAFT_NOBODY;
  fl__raft_step_down(s, ctx, s->term);
}
