/* raft: Raft as in the paper's Figure 2, with the thesis's PreVote and CheckQuorum as options,
 * log compaction by snapshots, and a key-value state machine with client sessions.
 *
 * The folder divides the protocol by concern:
 *   raft.c         the table, options, lifecycle (boot, restart from durable state), the log
 *                  and its persistence, timers, message dispatch, describe;
 *   election.c     election timeouts, PreVote, RequestVote, stepping down, CheckQuorum;
 *   replication.c  AppendEntries with the consistency check and fast conflict backtracking,
 *                  the commit rule, InstallSnapshot and compaction;
 *   kv.c           client requests, applying entries, redirects, ReadIndex, snapshots;
 *   invariants.c   election safety, leader append-only, log matching, leader completeness and
 *                  state machine safety, checked after every event.
 *
 * What any replicated state machine needs lives in protocols/common/: the key-value state
 * machine, client sessions, waiting clients, quorum arithmetic and the durable log.
 *
 * Durable state is currentTerm and votedFor (one record, in two alternating slots so that a
 * torn write keeps the previous version: common/durable_slots.h), the log (one record per entry) and the
 * latest snapshot (in two alternating slots too). Every change to them is persisted in the handler that makes it, before
 * the handler sends anything, so no message ever depends on state a crash could lose.
 */
#include "raft.h"
#include "raft_int.h"
#include "common/status_line.h"

#include <string.h>

static const fl_option_spec options[] = {
    /* A start of 0 stands at once, again and again; a range of width 0 gives every node the
     * same timeout, so split votes repeat (a livelock). */
    {.name = "election_timeout", .type = FL_OPT_DURATION_RANGE, .default_value = "150ms..300ms",
     .help = "a follower that hears no leader for a time drawn from this range stands",
     .min = "1ns", .min_width = "1ns"},
    /* 0 would re-arm the heartbeat timer at the same instant forever. Log compaction runs
     * every 10 heartbeats: 10 times the maximum is still a duration (FL_LIMIT_DURATION_NS). */
    {.name = "heartbeat", .type = FL_OPT_DURATION, .default_value = "50ms",
     .help = "the leader's AppendEntries period when it has nothing new to send",
     .min = "1ns", .max = "100000h"},
    {.name = "prevote", .type = FL_OPT_BOOL, .default_value = "no",
     .help = "PreVote (thesis 9.6): ask whether an election could be won before raising the term"},
    {.name = "check_quorum", .type = FL_OPT_BOOL, .default_value = "no",
     .help = "CheckQuorum (thesis 6.2): a leader that has not heard from a majority for an "
             "election timeout steps down; followers that hear a leader ignore votes"},
    {.name = "read", .type = FL_OPT_CHOICE, .default_value = "log", .choices = "log|read-index",
     .help = "linearizable reads through the log, or by ReadIndex (thesis 6.4)"},
    /* 0 sends empty AppendEntries forever (nothing commits); the count travels in 32 bits. */
    {.name = "max_batch", .type = FL_OPT_INT, .default_value = "64",
     .help = "entries per AppendEntries", .min = "1", .max = "1000000"},
    {.name = "snapshot_every", .type = FL_OPT_INT, .default_value = "1000",
     .help = "compact the log when this many applied entries sit in it (0: never)", .min = "0"},
    {.name = "checksum", .type = FL_OPT_BOOL, .default_value = "no",
     .help = "frame every message with a CRC-32C and drop a frame that fails it (counted in "
             "the metric checksum_failures): the defence against [network] corrupt"},
    {.name = "bug", .type = FL_OPT_CHOICE, .default_value = "none",
     .choices = "none|commit-previous-term|vote-twice-per-term|stale-read",
     .help = "reinject a known bug, to watch the checkers catch it"},
    {0},
};

const char *fl__raft_role_name(raft_role r) {
  static const char *names[] = {"follower", "precandidate", "candidate", "leader"};
  return names[r];
}

/* ---- The log's terms. */

uint64_t fl__raft_term_at(const raft_log *l, uint64_t index) {
  if (index == l->base) return l->base_term;
  if (index < l->base || index > raft_last_index(l)) return 0;
  return fl__raft_entry_at(l, index)->term;
}

const raft_entry *fl__raft_entry_at(const raft_log *l, uint64_t index) {
  return fl_durable_log_at(l, index);
}

uint64_t fl__raft_last_term(const raft_log *l) { return fl__raft_term_at(l, raft_last_index(l)); }

void fl__raft_persist_meta(raft_state *s, fl_node_ctx *ctx) {
  unsigned char p[RAFT_META_PAYLOAD];
  int32_t voted_for = s->voted_for;
  memcpy(p, &s->term, 8);
  memcpy(p + 8, &voted_for, 4);
  fl_durable_slots_write(&s->meta, ctx, p, sizeof p);
}

/* Takes the newest whole meta record (common/durable_slots.h). With no whole record, the
 * node's first write was torn, before anything it sent could depend on it (replies wait for
 * their writes' sync): term 0 and no vote are then the truth. Both slots present and neither
 * whole is damage no crash makes: the run stops rather than forget a vote. */
static bool meta_restore(raft_state *s, fl_node_ctx *ctx) {
  unsigned char p[RAFT_META_PAYLOAD];
  switch (fl_durable_slots_read(&s->meta, ctx, p, sizeof p)) {
  case FL_DURABLE_SLOTS_DAMAGED:
    fl_node_fail(ctx, "raft: both durable meta records (term and vote) are damaged");
    return false;
  case FL_DURABLE_SLOTS_EMPTY:
    return true;
  case FL_DURABLE_SLOTS_OK:
    break;
  }
  int32_t voted_for = 0;
  memcpy(&s->term, p, 8);
  memcpy(&voted_for, p + 8, 4);
  s->voted_for = voted_for;
  return true;
}

void fl__raft_persist_snapshot(raft_state *s, fl_node_ctx *ctx, const void *blob, size_t len) {
  fl_durable_slots_put(&s->snap, ctx, blob, len);
}

/* A snapshot slot is whole when the blob parses at its exact length; its version is its index. */
static bool snapshot_parse(const void *blob, size_t len, int slot, uint64_t *version,
                           void *user) {
  (void)slot, (void)user;
  raft_snapshot_header h;
  fl_rsm_snapshot_view view;
  if (!fl_rsm_snapshot_parse(blob, len, sizeof h, &h, &view)) return false;
  *version = h.index;
  return true;
}

/* Restores the whole snapshot of the higher index from the two slots (a torn one fails the
 * blob's exact length check). As with the meta records, no whole one means the first snapshot
 * was torn, and the compaction that followed it was undone with it: the log starts at 1. */
static bool snapshot_restore(raft_state *s, fl_node_ctx *ctx, raft_snapshot_header *h) {
  const void *blob = NULL;
  size_t len = 0, lens[2];
  switch (fl_durable_slots_get(&s->snap, ctx, snapshot_parse, NULL, &blob, &len, lens)) {
  case FL_DURABLE_SLOTS_DAMAGED:
    fl_node_fail(ctx, "raft: both durable snapshots are malformed (%zu and %zu bytes)", lens[0],
                 lens[1]);
    return false;
  case FL_DURABLE_SLOTS_EMPTY:
    return true;
  case FL_DURABLE_SLOTS_OK:
    break;
  }
  if (!fl__raft_snapshot_restore(s, blob, len, h)) {
    fl_node_fail(ctx, "raft: the durable snapshot is malformed (%zu bytes)", len);
    return false;
  }
  return true;
}

/* ---- Lifecycle. */

static void config_init(raft_config *c, const fl_options *o) {
  fl_options_range_ns(o, "election_timeout", &c->election_lo_ns, &c->election_hi_ns);
  c->heartbeat_ns = fl_options_duration_ns(o, "heartbeat");
  c->prevote = fl_options_bool(o, "prevote");
  c->check_quorum = fl_options_bool(o, "check_quorum");
  c->checksum = fl_options_bool(o, "checksum");
  c->read_index = strcmp(fl_options_choice(o, "read"), "read-index") == 0;
  c->max_batch = fl_options_int(o, "max_batch");
  c->snapshot_every = fl_options_int(o, "snapshot_every");
  const char *bug = fl_options_choice(o, "bug");
  c->bug = strcmp(bug, "commit-previous-term") == 0 ? RAFT_BUG_COMMIT_PREVIOUS_TERM
           : strcmp(bug, "vote-twice-per-term") == 0 ? RAFT_BUG_VOTE_TWICE
           : strcmp(bug, "stale-read") == 0          ? RAFT_BUG_STALE_READ
                                                     : RAFT_BUG_NONE;
}

static raft_state *state_new(fl_node_ctx *ctx) {
  raft_state *s = g_new0(raft_state, 1);
  s->id = fl_node_id(ctx);
  s->n = fl_node_count(ctx);
  config_init(&s->cfg, fl_node_options(ctx));
  /* The metric exists from the start, so `metric checksum_failures == 0` can be expected. */
  if (s->cfg.checksum) fl_node_metric_add(ctx, "checksum_failures", 0);
  s->voted_for = RAFT_NOBODY;
  s->leader = RAFT_NOBODY;
  fl_durable_log_init(&s->log, sizeof(raft_entry), RAFT_KEY_LOG_BASE);
  fl_durable_slots_init(&s->meta, RAFT_KEY_META, RAFT_KEY_META_ALT);
  fl_durable_slots_init(&s->snap, RAFT_KEY_SNAPSHOT, RAFT_KEY_SNAPSHOT_ALT);
  fl_kv_machine_init(&s->kv);
  fl_client_sessions_init(&s->sessions);
  s->votes = g_new0(bool, s->n);
  s->next = g_new0(uint64_t, s->n);
  s->match = g_new0(uint64_t, s->n);
  s->sent_at = g_new0(int64_t, s->n);
  s->acked_round = g_new0(uint64_t, s->n);
  s->heard = g_new0(bool, s->n);
  fl_waiters_init(&s->waiters);
  fl_waiters_init(&s->reads);
  return s;
}

static void raft_free(void *state) {
  raft_state *s = state;
  if (!s) return;
  fl_durable_log_clear(&s->log);
  fl_kv_machine_clear(&s->kv);
  fl_client_sessions_clear(&s->sessions);
  g_free(s->votes);
  g_free(s->next);
  g_free(s->match);
  g_free(s->sent_at);
  g_free(s->acked_round);
  g_free(s->heard);
  fl_waiters_clear(&s->waiters);
  fl_waiters_clear(&s->reads);
  g_free(s);
}

/* Followers reset their election timeout on every AppendEntries. Rather than cancel and set a
 * timer each time, the deadline moves and the one pending timer, when it fires early, sleeps
 * again until the deadline: elections happen at exactly the same moments, for a fraction of
 * the scheduler's work. */
void fl__raft_timer_set(raft_state *s, fl_node_ctx *ctx, int kind, int64_t delay_ns) {
  if (s->timer[kind]) fl_node_cancel_timer(ctx, s->timer[kind]);
  s->timer[kind] = fl_node_set_timer(ctx, delay_ns, (uint64_t)kind);
}

void fl__raft_timer_stop(raft_state *s, fl_node_ctx *ctx, int kind) {
  if (s->timer[kind]) fl_node_cancel_timer(ctx, s->timer[kind]);
  s->timer[kind] = 0;
}

void fl__raft_reset_election_timer(raft_state *s, fl_node_ctx *ctx) {
  uint64_t span = (uint64_t)(s->cfg.election_hi_ns - s->cfg.election_lo_ns);
  int64_t delay = s->cfg.election_lo_ns +
                  (int64_t)(span ? fl_rng_below(fl_node_rng(ctx), span + 1) : 0);
  s->election_deadline = fl_node_now(ctx) + delay;
  if (s->timer[RAFT_TIMER_ELECTION] && s->election_timer_at <= s->election_deadline) return;
  fl__raft_timer_set(s, ctx, RAFT_TIMER_ELECTION, delay); /* the pending one would fire late */
  s->election_timer_at = s->election_deadline;
}

static void arm_compaction(raft_state *s, fl_node_ctx *ctx) {
  /* Compaction runs in an event of its own, never in one that applies entries: the
   * invariant checker sees every applied entry before it leaves the log. */
  if (s->cfg.snapshot_every > 0)
    fl__raft_timer_set(s, ctx, RAFT_TIMER_COMPACT, 10 * s->cfg.heartbeat_ns);
}

static void *raft_init(fl_node_ctx *ctx) {
  raft_state *s = state_new(ctx);
  fl__raft_persist_meta(s, ctx);
  fl__raft_reset_election_timer(s, ctx);
  arm_compaction(s, ctx);
  return s;
}

static void *raft_restart(fl_node_ctx *ctx) {
  raft_state *s = state_new(ctx);
  raft_snapshot_header h;
  memset(&h, 0, sizeof h);
  if (!meta_restore(s, ctx) || !snapshot_restore(s, ctx, &h)) return s;
  fl_durable_log_load(&s->log, ctx, h.index, h.term);
  fl_node_annotate(ctx, "recovered term %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                        " entries after snapshot %" G_GUINT64_FORMAT,
                   s->term, (uint64_t)s->log.entries->len, s->log.base);
  fl__raft_reset_election_timer(s, ctx);
  arm_compaction(s, ctx);
  return s;
}

/* ---- Events. */

static void raft_on_timer(void *state, fl_node_ctx *ctx, uint64_t tag) {
  raft_state *s = state;
  uint64_t kind = tag;
  if (kind == 0 || kind >= RAFT_TIMER_KINDS) return;
  s->timer[kind] = 0;
  switch (kind) {
  case RAFT_TIMER_ELECTION: {
    int64_t left = s->election_deadline - fl_node_now(ctx);
    if (s->role == RAFT_LEADER) break;
    if (left > 0) { /* the deadline moved since this timer was set */
      fl__raft_timer_set(s, ctx, RAFT_TIMER_ELECTION, left);
      s->election_timer_at = s->election_deadline;
      break;
    }
    fl__raft_on_election_timeout(s, ctx);
    break;
  }
  case RAFT_TIMER_HEARTBEAT:
    if (s->role != RAFT_LEADER) break;
    fl__raft_heartbeat(s, ctx);
    fl__raft_timer_set(s, ctx, RAFT_TIMER_HEARTBEAT, s->cfg.heartbeat_ns);
    break;
  case RAFT_TIMER_QUORUM:
    if (s->role == RAFT_LEADER) fl__raft_check_quorum(s, ctx);
    break;
  case RAFT_TIMER_COMPACT:
    fl__raft_maybe_compact(s, ctx);
    arm_compaction(s, ctx);
    break;
  default:
    break;
  }
}

/* Copies a fixed-size message out of the network buffer (which need not be aligned) if its
 * length is right; a malformed message is ignored, as a real node would. */
static bool read_msg(void *out, size_t size, const void *msg, size_t len) {
  if (len != size) return false;
  memcpy(out, msg, size);
  return true;
}

static void raft_on_message(void *state, fl_node_ctx *ctx, int from, const void *msg,
                            size_t len) {
  raft_state *s = state;
  uint32_t type = 0;
  /* A frame whose checksum fails is dropped unread, as a NIC drops a packet failing its CRC. */
  if (s->cfg.checksum && !fl_checksum_open(ctx, msg, len, &len)) return;
  if (len < sizeof type || from < 0 || from >= s->n) return;
  memcpy(&type, msg, sizeof type);
  raft_msg_vote vote;
  raft_msg_vote_reply vote_reply;
  raft_msg_append_reply append_reply;
  switch (type) {
  case RAFT_MSG_VOTE:
    if (read_msg(&vote, sizeof vote, msg, len)) fl__raft_on_vote(s, ctx, from, &vote);
    break;
  case RAFT_MSG_VOTE_REPLY:
    if (read_msg(&vote_reply, sizeof vote_reply, msg, len))
      fl__raft_on_vote_reply(s, ctx, from, &vote_reply);
    break;
  case RAFT_MSG_APPEND:
    fl__raft_on_append(s, ctx, from, msg, len);
    break;
  case RAFT_MSG_APPEND_REPLY:
  case RAFT_MSG_SNAPSHOT_REPLY: /* answered like an AppendEntries matching up to the snapshot */
    if (read_msg(&append_reply, sizeof append_reply, msg, len))
      fl__raft_on_append_reply(s, ctx, from, &append_reply);
    break;
  case RAFT_MSG_SNAPSHOT:
    fl__raft_on_snapshot(s, ctx, from, msg, len);
    break;
  default:
    break;
  }
}

static void raft_on_client_request(void *state, fl_node_ctx *ctx, const fl_op *op) {
  fl__raft_on_client_request(state, ctx, op);
}

/* Role and term only: the trace records a state line whenever it changes, and these two
 * change only at elections. Called after every event on the node, so formatted by hand
 * (common/status_line.h). */
static void raft_describe(const void *state, GString *out) {
  const raft_state *s = state;
  fl_status_line l;
  fl_status_line_init(&l);
  fl_status_line_str(&l, fl__raft_role_name(s->role));
  fl_status_line_str(&l, " t");
  fl_status_line_u64(&l, s->term);
  if (s->role == RAFT_FOLLOWER && s->leader != RAFT_NOBODY) {
    fl_status_line_str(&l, " leader=n");
    fl_status_line_u64(&l, (uint64_t)s->leader + 1);
  }
  fl_status_line_flush(&l, out);
}

static void raft_describe_msg(const void *msg, size_t len, GString *out) {
  uint32_t n_kv = 0, n_sessions = 0; /* of a snapshot */
  uint32_t type = 0;
  if (len >= sizeof type) memcpy(&type, msg, sizeof type);
  /* Lengths are lower bounds: a message framed with a checksum (option checksum) carries 4
   * more bytes, and a description is presentation only (the digest never sees it). */
  if ((type == RAFT_MSG_VOTE) && len >= sizeof(raft_msg_vote)) {
    raft_msg_vote m;
    memcpy(&m, msg, sizeof m);
    g_string_append_printf(out, "%s t%" G_GUINT64_FORMAT " last=%" G_GUINT64_FORMAT
                           "/t%" G_GUINT64_FORMAT,
                           m.prevote ? "PreVote" : "RequestVote", m.term, m.last_index,
                           m.last_term);
  } else if (type == RAFT_MSG_VOTE_REPLY && len >= sizeof(raft_msg_vote_reply)) {
    raft_msg_vote_reply m;
    memcpy(&m, msg, sizeof m);
    g_string_append_printf(out, "%s t%" G_GUINT64_FORMAT " %s",
                           m.prevote ? "PreVoteReply" : "VoteReply", m.term,
                           m.granted ? "granted" : "refused");
  } else if (type == RAFT_MSG_APPEND && len >= sizeof(raft_msg_append)) {
    raft_msg_append m;
    memcpy(&m, msg, sizeof m);
    g_string_append_printf(out, "AppendEntries t%" G_GUINT64_FORMAT " prev=%" G_GUINT64_FORMAT
                           "/t%" G_GUINT64_FORMAT " n=%u commit=%" G_GUINT64_FORMAT,
                           m.term, m.prev_index, m.prev_term, m.n, m.commit);
  } else if ((type == RAFT_MSG_APPEND_REPLY || type == RAFT_MSG_SNAPSHOT_REPLY) &&
             len >= sizeof(raft_msg_append_reply)) {
    raft_msg_append_reply m;
    memcpy(&m, msg, sizeof m);
    const char *name = type == RAFT_MSG_APPEND_REPLY ? "AppendReply" : "SnapshotReply";
    if (m.success)
      g_string_append_printf(out, "%s t%" G_GUINT64_FORMAT " ok match=%" G_GUINT64_FORMAT,
                             name, m.term, m.match);
    else
      g_string_append_printf(out, "%s t%" G_GUINT64_FORMAT " conflict=%" G_GUINT64_FORMAT
                             "/t%" G_GUINT64_FORMAT,
                             name, m.term, m.conflict_index, m.conflict_term);
  } else if (type == RAFT_MSG_SNAPSHOT && len >= sizeof(raft_msg_snapshot) &&
             fl_rsm_snapshot_peek((const char *)msg + sizeof(raft_msg_snapshot),
                                  len - sizeof(raft_msg_snapshot), sizeof(raft_snapshot_header),
                                  &n_kv, &n_sessions)) {
    raft_msg_snapshot m;
    raft_snapshot_header h;
    memcpy(&m, msg, sizeof m);
    memcpy(&h, (const char *)msg + sizeof m, sizeof h);
    g_string_append_printf(out, "InstallSnapshot t%" G_GUINT64_FORMAT " last=%" G_GUINT64_FORMAT
                           "/t%" G_GUINT64_FORMAT " keys=%u",
                           m.term, h.index, h.term, n_kv);
  } else {
    g_string_append_printf(out, "unknown (%zu bytes)", len);
  }
}

/* The node's status as data (actor.h): what the timeline's `leader` target and the visualiser
 * read, where they once parsed the describe line. PreVote's pre-candidate is a candidate whose
 * word says so: its term has not moved yet. */
static void raft_status(const void *state, const fl_node_ctx *ctx, fl_node_status *out) {
  (void)ctx;
  const raft_state *s = state;
  switch (s->role) {
  case RAFT_LEADER: out->role = FL_ROLE_LEADER; break;
  case RAFT_CANDIDATE: out->role = FL_ROLE_CANDIDATE; break;
  case RAFT_PRECANDIDATE:
    out->role = FL_ROLE_CANDIDATE;
    g_strlcpy(out->word, "precandidate", sizeof out->word);
    break;
  default: out->role = FL_ROLE_FOLLOWER; break;
  }
  out->term_kind = FL_TERM_TERM;
  out->term = s->term;
  out->leader = s->role == RAFT_LEADER ? s->id : s->leader; /* RAFT_NOBODY is -1 */
  out->has_commit = out->has_applied = true;
  out->commit = s->commit;
  out->applied = s->applied;
}

static const fl_protocol raft_protocol = {
    .api_version = FL_ACTOR_API_VERSION,
    .name = "raft",
    .summary = "Raft consensus (Figure 2, PreVote, CheckQuorum, snapshots) behind a "
               "linearizable key-value store",
    .options = options,
    .init = raft_init,
    .on_message = raft_on_message,
    .on_timer = raft_on_timer,
    .on_client_request = raft_on_client_request,
    .on_restart = raft_restart,
    .free = raft_free,
    .describe = raft_describe,
    .describe_msg = raft_describe_msg,
    .status = raft_status,
    .invariant_new = fl__raft_invariant_new,
    .check_invariants = fl__raft_check_invariants,
    .invariant_free = fl__raft_invariant_free,
};

const fl_protocol *fl_protocol_raft(void) { return &raft_protocol; }

void fl__raft_send(const raft_state *s, fl_node_ctx *ctx, int to, const void *msg, size_t len) {
  if (s->cfg.checksum) fl_checksum_send(ctx, to, msg, len);
  else fl_node_send(ctx, to, msg, len);
}

void fl__raft_broadcast(const raft_state *s, fl_node_ctx *ctx, const void *msg, size_t len) {
  if (s->cfg.checksum) fl_checksum_broadcast(ctx, msg, len);
  else fl_node_broadcast(ctx, msg, len);
}

void fl__raft_arm_leader_timers(raft_state *s, fl_node_ctx *ctx) {
  fl__raft_timer_set(s, ctx, RAFT_TIMER_HEARTBEAT, s->cfg.heartbeat_ns);
  if (s->cfg.check_quorum) fl__raft_timer_set(s, ctx, RAFT_TIMER_QUORUM, s->cfg.election_hi_ns);
  else fl__raft_timer_stop(s, ctx, RAFT_TIMER_QUORUM);
}
