/* zab: ZooKeeper's atomic broadcast (Junqueira, Reed, Serafini 2011), behind the same key-value
 * state machine, client sessions and routing as Raft and Paxos (protocols/common).
 *
 * The folder divides the protocol by phase:
 *   zab.c         the table, options, lifecycle (boot, restart from durable state), timers,
 *                 message dispatch, describe and status;
 *   election.c    Fast Leader Election: notification rounds, votes compared by (current epoch,
 *                 last zxid, server id), a short wait for a better vote before deciding;
 *   leader.c      discovery (a quorum's accepted epochs, a new epoch above them all),
 *                 synchronization (DIFF, TRUNC or SNAP per follower with NEWLEADER; established
 *                 once a quorum acknowledged it, which commits the history), broadcast
 *                 (proposals in zxid order, commit after a quorum of acks);
 *   follower.c    the same three phases from the follower's side: FOLLOWERINFO, acknowledging
 *                 NEWEPOCH with its history position, truncating what the leader lacks,
 *                 acknowledging proposals in order;
 *   kv.c          delivery to the state machine, client requests (reads local by default,
 *                 through the leader with `sync`), snapshots;
 *   invariants.c  primary integrity, total order and agreement of delivered transactions,
 *                 local primary order, at most one established leader per epoch.
 *
 * Durable state: the meta record (accepted and current epoch), the history (common/
 * durable_log.h) and the snapshot a SNAP installed. What a node delivered is volatile: after a
 * restart it delivers again from its snapshot once a leader has synchronized it.
 */
#include "zab.h"
#include "zab_int.h"
#include "common/status_line.h"

#include <string.h>

static const fl_option_spec options[] = {
    {.name = "tick", .type = FL_OPT_DURATION, .default_value = "50ms",
     .help = "the leader's heartbeat and resend period; every node checks its limits this often",
     .min = "1ns", .max = "100000h"},
    {.name = "sync_limit", .type = FL_OPT_DURATION, .default_value = "300ms",
     .help = "a follower that hears nothing from its leader this long, or a leader that hears "
             "no quorum this long, goes back to leader election",
     .min = "1ns", .max = "100000h"},
    {.name = "init_limit", .type = FL_OPT_DURATION, .default_value = "1s",
     .help = "discovery and synchronization must finish within this, or the node looks again",
     .min = "1ns", .max = "100000h"},
    {.name = "finalize_wait", .type = FL_OPT_DURATION, .default_value = "20ms",
     .help = "an election with a quorum for one vote waits this long for a better one",
     .min = "0ns", .max = "1h"},
    {.name = "notify_interval", .type = FL_OPT_DURATION, .default_value = "200ms",
     .help = "a looking node resends its notification when it heard none for this long",
     .min = "1ns", .max = "100000h"},
    {.name = "max_batch", .type = FL_OPT_INT, .default_value = "64",
     .help = "proposals per resend to a follower that is behind", .min = "1", .max = "100000"},
    {.name = "snap_threshold", .type = FL_OPT_INT, .default_value = "1000",
     .help = "a follower missing more committed transactions than this is sent a SNAP "
             "(the state machine) instead of a DIFF", .min = "1", .max = "1000000000"},
    {.name = "sync", .type = FL_OPT_BOOL, .default_value = "no",
     .help = "reads go through the leader's broadcast (linearizable); no: any synced server "
             "answers from its own state (sequential consistency)"},
    {.name = "bug", .type = FL_OPT_CHOICE, .default_value = "none",
     .choices = "none|keep-uncommitted|broadcast-before-sync|zxid-no-epoch",
     .help = "reinject a known bug, to watch the checkers catch it"},
    {0},
};

const char *fl__zab_role_name(zab_role r) {
  static const char *names[] = {"looking", "following", "leading"};
  return names[r];
}

const char *fl__zab_phase_name(zab_phase p) {
  static const char *names[] = {"discovery", "sync", "broadcast"};
  return names[p];
}

uint64_t fl__zab_zxid_at(const zab_state *s, uint64_t pos) {
  if (pos == 0) return 0;
  if (pos == s->hist.base) return s->hist.base_term;
  return zab_txn_at(s, pos)->zxid;
}

void fl__zab_note(zab_state *s, uint32_t kind, uint64_t epoch) {
  zab_note n;
  memset(&n, 0, sizeof n);
  n.kind = kind;
  n.epoch = epoch;
  g_array_append_val(s->notes, n);
}

void fl__zab_persist_meta(zab_state *s, fl_node_ctx *ctx) {
  zab_meta m;
  memset(&m, 0, sizeof m);
  m.accepted_epoch = s->accepted_epoch;
  m.current_epoch = s->current_epoch;
  fl_node_persist(ctx, ZAB_KEY_META, &m, sizeof m);
}

void fl__zab_timer_set(zab_state *s, fl_node_ctx *ctx, int kind, int64_t delay_ns) {
  if (s->timer[kind]) fl_node_cancel_timer(ctx, s->timer[kind]);
  s->timer[kind] = fl_node_set_timer(ctx, delay_ns, (uint64_t)kind);
}

void fl__zab_timer_stop(zab_state *s, fl_node_ctx *ctx, int kind) {
  if (s->timer[kind]) fl_node_cancel_timer(ctx, s->timer[kind]);
  s->timer[kind] = 0;
}

/* ---- Lifecycle. */

static void config_init(zab_config *c, const fl_options *o) {
  c->tick_ns = fl_options_duration_ns(o, "tick");
  c->sync_limit_ns = fl_options_duration_ns(o, "sync_limit");
  c->init_limit_ns = fl_options_duration_ns(o, "init_limit");
  c->finalize_ns = fl_options_duration_ns(o, "finalize_wait");
  c->notify_ns = fl_options_duration_ns(o, "notify_interval");
  c->max_batch = fl_options_int(o, "max_batch");
  c->snap_threshold = fl_options_int(o, "snap_threshold");
  c->sync_reads = fl_options_bool(o, "sync");
  const char *bug = fl_options_choice(o, "bug");
  c->bug = strcmp(bug, "keep-uncommitted") == 0        ? ZAB_BUG_KEEP_UNCOMMITTED
           : strcmp(bug, "broadcast-before-sync") == 0 ? ZAB_BUG_BROADCAST_BEFORE_SYNC
           : strcmp(bug, "zxid-no-epoch") == 0         ? ZAB_BUG_ZXID_NO_EPOCH
                                                       : ZAB_BUG_NONE;
}

static zab_state *state_new(fl_node_ctx *ctx) {
  zab_state *s = g_new0(zab_state, 1);
  s->id = fl_node_id(ctx);
  s->n = fl_node_count(ctx);
  config_init(&s->cfg, fl_node_options(ctx));
  s->leader = ZAB_NOBODY;
  fl_durable_log_init(&s->hist, sizeof(zab_txn), ZAB_KEY_HISTORY);
  fl_kv_machine_init(&s->kv);
  fl_client_sessions_init(&s->sessions);
  s->recv = g_new0(zab_vote, s->n);
  s->ooe = g_new0(zab_vote, s->n);
  s->ooe_state = g_new0(uint32_t, s->n);
  s->peers = g_new0(zab_peer, s->n);
  fl_waiters_init(&s->waiters);
  s->notes = g_array_new(FALSE, TRUE, sizeof(zab_note));
  return s;
}

static void zab_free(void *state) {
  zab_state *s = state;
  if (!s) return;
  fl_durable_log_clear(&s->hist);
  fl_kv_machine_clear(&s->kv);
  fl_client_sessions_clear(&s->sessions);
  g_free(s->recv);
  g_free(s->ooe);
  g_free(s->ooe_state);
  g_free(s->peers);
  fl_waiters_clear(&s->waiters);
  g_array_free(s->notes, TRUE);
  g_free(s);
}

static void boot(zab_state *s, fl_node_ctx *ctx) {
  fl__zab_timer_set(s, ctx, ZAB_TIMER_TICK, s->cfg.tick_ns);
  fl__zab_start_looking(s, ctx, NULL);
}

static void *zab_init(fl_node_ctx *ctx) {
  zab_state *s = state_new(ctx);
  fl__zab_persist_meta(s, ctx);
  boot(s, ctx);
  return s;
}

static void *zab_restart(fl_node_ctx *ctx) {
  zab_state *s = state_new(ctx);
  size_t len = 0;
  const void *p = fl_node_load(ctx, ZAB_KEY_META, &len);
  if (p && len == sizeof(zab_meta)) {
    zab_meta m;
    memcpy(&m, p, sizeof m);
    s->accepted_epoch = m.accepted_epoch;
    s->current_epoch = m.current_epoch;
  }
  zab_snapshot_header h;
  memset(&h, 0, sizeof h);
  p = fl_node_load(ctx, ZAB_KEY_SNAPSHOT, &len);
  if (p && !fl__zab_snapshot_restore(s, p, len, &h)) {
    fl_node_fail(ctx, "zab: the durable snapshot is malformed (%zu bytes)", len);
    return s;
  }
  guint loaded = fl_durable_log_load(&s->hist, ctx, h.index, h.zxid);
  s->commit = s->applied = h.index;
  fl_node_annotate(ctx, "recovered epochs accepted %" G_GUINT64_FORMAT " current %" G_GUINT64_FORMAT
                        ", %u transactions after snapshot %" G_GUINT64_FORMAT,
                   s->accepted_epoch, s->current_epoch, loaded, h.index);
  boot(s, ctx);
  return s;
}

/* ---- Events. Each hook starts a new event for the checker's notes. */

static void zab_on_timer(void *state, fl_node_ctx *ctx, uint64_t tag) {
  zab_state *s = state;
  g_array_set_size(s->notes, 0);
  if (tag == 0 || tag >= ZAB_TIMER_KINDS) return;
  s->timer[tag] = 0;
  if (tag == ZAB_TIMER_FINALIZE) {
    fl__zab_on_finalize(s, ctx);
    return;
  }
  fl__zab_timer_set(s, ctx, ZAB_TIMER_TICK, s->cfg.tick_ns);
  switch (s->role) {
  case ZAB_LOOKING: fl__zab_election_tick(s, ctx); break;
  case ZAB_FOLLOWING: fl__zab_follower_tick(s, ctx); break;
  case ZAB_LEADING: fl__zab_leader_tick(s, ctx); break;
  }
}

static bool read_msg(void *out, size_t size, const void *msg, size_t len) {
  if (len != size) return false;
  memcpy(out, msg, size);
  return true;
}

static void zab_on_message(void *state, fl_node_ctx *ctx, int from, const void *msg, size_t len) {
  zab_state *s = state;
  g_array_set_size(s->notes, 0);
  uint32_t type = 0;
  if (len < sizeof type || from < 0 || from >= s->n || from == s->id) return;
  memcpy(&type, msg, sizeof type);
  zab_msg_notify notify;
  zab_msg_followerinfo info;
  zab_msg_newepoch newepoch;
  zab_msg_ackepoch ackepoch;
  zab_msg_ack ack;
  switch (type) {
  case ZAB_MSG_NOTIFY:
    if (read_msg(&notify, sizeof notify, msg, len)) fl__zab_on_notify(s, ctx, from, &notify);
    break;
  case ZAB_MSG_FOLLOWERINFO:
    if (read_msg(&info, sizeof info, msg, len)) fl__zab_on_followerinfo(s, ctx, from, &info);
    break;
  case ZAB_MSG_NEWEPOCH:
    if (read_msg(&newepoch, sizeof newepoch, msg, len)) fl__zab_on_newepoch(s, ctx, from, &newepoch);
    break;
  case ZAB_MSG_ACKEPOCH:
    if (read_msg(&ackepoch, sizeof ackepoch, msg, len)) fl__zab_on_ackepoch(s, ctx, from, &ackepoch);
    break;
  case ZAB_MSG_SYNC: fl__zab_on_sync(s, ctx, from, msg, len); break;
  case ZAB_MSG_ACKNEWLEADER:
    if (read_msg(&ack, sizeof ack, msg, len)) fl__zab_on_acknewleader(s, ctx, from, &ack);
    break;
  case ZAB_MSG_PROPOSE: fl__zab_on_propose(s, ctx, from, msg, len); break;
  case ZAB_MSG_ACK:
    if (read_msg(&ack, sizeof ack, msg, len)) fl__zab_on_ack(s, ctx, from, &ack);
    break;
  default: break;
  }
}

static void zab_on_client_request(void *state, fl_node_ctx *ctx, const fl_op *op) {
  zab_state *s = state;
  g_array_set_size(s->notes, 0);
  fl__zab_on_client_request(s, ctx, op);
}

/* "leading e3 broadcast"; a follower adds the leader it follows. Runs after every event, so
 * formatted by hand (common/status_line.h). */
static void zab_describe(const void *state, GString *out) {
  const zab_state *s = state;
  fl_status_line l;
  fl_status_line_init(&l);
  fl_status_line_str(&l, fl__zab_role_name(s->role));
  fl_status_line_str(&l, " e");
  fl_status_line_u64(&l, s->role == ZAB_LEADING && s->epoch ? s->epoch : s->current_epoch);
  if (s->role == ZAB_LOOKING) {
    fl_status_line_str(&l, " round=");
    fl_status_line_u64(&l, s->round);
  } else {
    fl_status_line_str(&l, " ");
    fl_status_line_str(&l, fl__zab_phase_name(s->phase));
  }
  if (s->role == ZAB_FOLLOWING) {
    fl_status_line_str(&l, " leader=n");
    fl_status_line_u64(&l, (uint64_t)s->leader + 1);
  }
  fl_status_line_flush(&l, out);
}

static const char *msg_name(uint32_t t) {
  static const char *names[] = {"?", "Notification", "FollowerInfo", "NewEpoch", "AckEpoch",
                                "Sync", "AckNewLeader", "Proposal", "Ack"};
  return t < G_N_ELEMENTS(names) ? names[t] : "?";
}

static void zab_describe_msg(const void *msg, size_t len, GString *out) {
  uint32_t type = 0;
  if (len >= sizeof type) memcpy(&type, msg, sizeof type);
  const char *p = msg;
  if (type == ZAB_MSG_NOTIFY && len == sizeof(zab_msg_notify)) {
    zab_msg_notify m;
    memcpy(&m, msg, sizeof m);
    g_string_append_printf(out, "Notification round=%" G_GUINT64_FORMAT " %s vote=n%d e%" G_GUINT64_FORMAT " ",
                           m.round, m.state <= ZAB_LEADING ? fl__zab_role_name(m.state) : "?",
                           m.vote.leader + 1, m.vote.epoch);
    fl__zab_describe_zxid(out, m.vote.zxid);
  } else if ((type == ZAB_MSG_FOLLOWERINFO || type == ZAB_MSG_NEWEPOCH) &&
             len == sizeof(zab_msg_newepoch)) {
    zab_msg_newepoch m;
    memcpy(&m, msg, sizeof m);
    g_string_append_printf(out, "%s e%" G_GUINT64_FORMAT, msg_name(type), m.epoch);
  } else if (type == ZAB_MSG_ACKEPOCH && len == sizeof(zab_msg_ackepoch)) {
    zab_msg_ackepoch m;
    memcpy(&m, msg, sizeof m);
    g_string_append_printf(out, "AckEpoch e%" G_GUINT64_FORMAT " current=e%" G_GUINT64_FORMAT
                           " last=%" G_GUINT64_FORMAT " ", m.epoch, m.current_epoch, m.last_pos);
    fl__zab_describe_zxid(out, m.last_zxid);
  } else if (type == ZAB_MSG_SYNC && len >= sizeof(zab_msg_sync)) {
    zab_msg_sync m;
    memcpy(&m, msg, sizeof m);
    static const char *modes[] = {"?", "DIFF", "TRUNC", "SNAP"};
    g_string_append_printf(out, "Sync+NewLeader e%" G_GUINT64_FORMAT " %s to=%" G_GUINT64_FORMAT
                           " n=%u commit=%" G_GUINT64_FORMAT,
                           m.epoch, m.mode <= ZAB_SYNC_SNAP ? modes[m.mode] : "?", m.trunc_pos,
                           m.n, m.commit);
  } else if ((type == ZAB_MSG_ACKNEWLEADER || type == ZAB_MSG_ACK) && len == sizeof(zab_msg_ack)) {
    zab_msg_ack m;
    memcpy(&m, msg, sizeof m);
    g_string_append_printf(out, "%s e%" G_GUINT64_FORMAT " last=%" G_GUINT64_FORMAT, msg_name(type),
                           m.epoch, m.last_pos);
  } else if (type == ZAB_MSG_PROPOSE && len >= sizeof(zab_msg_propose)) {
    zab_msg_propose m;
    memcpy(&m, msg, sizeof m);
    g_string_append_printf(out, "Proposal e%" G_GUINT64_FORMAT " pos=%" G_GUINT64_FORMAT
                           " n=%u commit=%" G_GUINT64_FORMAT, m.epoch, m.first, m.n, m.commit);
    if (m.n && len == sizeof m + (size_t)m.n * sizeof(zab_txn)) {
      zab_txn t;
      memcpy(&t, p + sizeof m, sizeof t);
      g_string_append(out, " [");
      fl__zab_describe_txn(out, &t);
      if (m.n > 1) g_string_append_printf(out, " +%u", m.n - 1);
      g_string_append(out, "]");
    }
  } else {
    g_string_append_printf(out, "unknown (%zu bytes)", len);
  }
}

static void zab_status(const void *state, const fl_node_ctx *ctx, fl_node_status *out) {
  (void)ctx;
  const zab_state *s = state;
  switch (s->role) {
  case ZAB_LEADING: out->role = FL_ROLE_LEADER; break;
  case ZAB_FOLLOWING: out->role = FL_ROLE_FOLLOWER; break;
  default: out->role = FL_ROLE_CANDIDATE; break;
  }
  g_strlcpy(out->word, s->role == ZAB_LOOKING ? "looking" : fl__zab_phase_name(s->phase),
            sizeof out->word);
  out->term_kind = FL_TERM_EPOCH;
  out->term = s->role == ZAB_LEADING && s->epoch ? s->epoch : s->current_epoch;
  out->leader = s->leader;
  out->has_commit = out->has_applied = true;
  out->commit = s->commit;
  out->applied = s->applied;
}

static const fl_protocol zab_protocol = {
    .api_version = FL_ACTOR_API_VERSION,
    .name = "zab",
    .summary = "ZooKeeper's atomic broadcast (fast leader election, discovery, DIFF/TRUNC/SNAP "
               "synchronization, broadcast) behind a key-value store",
    .options = options,
    .init = zab_init,
    .on_message = zab_on_message,
    .on_timer = zab_on_timer,
    .on_client_request = zab_on_client_request,
    .on_restart = zab_restart,
    .free = zab_free,
    .describe = zab_describe,
    .describe_msg = zab_describe_msg,
    .status = zab_status,
    .invariant_new = fl__zab_invariant_new,
    .check_invariants = fl__zab_check_invariants,
    .invariant_free = fl__zab_invariant_free,
};

const fl_protocol *fl_protocol_zab(void) { return &zab_protocol; }
