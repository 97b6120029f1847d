/* paxos: Multi-Paxos with a distinguished proposer (the leader), behind the same key-value
 * state machine, client sessions and routing as Raft (protocols/common).
 *
 * The folder divides the protocol by role:
 *   paxos.c       the table, options, lifecycle (boot, restart from durable state), the log of
 *                 slots, timers, message dispatch, describe and status;
 *   acceptor.c    Prepare and Accept: the promise and the accepted (ballot, value) of each slot,
 *                 persisted before any answer;
 *   proposer.c    election by ballot with randomized backoff, phase 1 once per leadership over
 *                 every slot not known chosen, re-proposing the highest-ballot accepted value
 *                 and filling holes with no-ops, phase 2 per slot, heartbeats, leases;
 *   learner.c     learning chosen slots (piggybacked commit, catch-up, snapshots), applying
 *                 them to the state machine, client requests, log compaction;
 *   invariants.c  one value chosen per slot (a ghost record of accept quorums), the chosen
 *                 value was proposed, no accept below the promise, state machine safety, and a
 *                 promise that never decreases across crashes.
 *
 * Ballots are (round, node id) in one number (paxos_int.h). Durable state: the meta record
 * (promise, and how many slots may hold a record), one record per accepted slot, and the
 * latest snapshot. What a node learned is volatile: after a restart it learns again.
 */
#include "paxos.h"
#include "paxos_int.h"
#include "common/status_line.h"

#include <string.h>

static const fl_option_spec options[] = {
    {.name = "election_timeout", .type = FL_OPT_DURATION_RANGE, .default_value = "150ms..300ms",
     .help = "a follower that hears no leader for a time drawn from this range stands",
     .min = "1ns", .min_width = "1ns"},
    {.name = "heartbeat", .type = FL_OPT_DURATION, .default_value = "50ms",
     .help = "the leader's Accept period when it has nothing new to send (it resends what "
             "is not chosen yet)",
     .min = "1ns", .max = "100000h"},
    {.name = "backoff", .type = FL_OPT_BOOL, .default_value = "yes",
     .help = "a preempted proposer waits a random time from backoff_range before standing "
             "again (no: at once, and dueling proposers can livelock)"},
    {.name = "backoff_range", .type = FL_OPT_DURATION_RANGE, .default_value = "20ms..200ms",
     .help = "the random wait of a preempted proposer", .min = "1ns", .min_width = "1ns"},
    {.name = "max_batch", .type = FL_OPT_INT, .default_value = "64",
     .help = "slots per Accept or catch-up message", .min = "1", .max = "100000"},
    {.name = "snapshot_every", .type = FL_OPT_INT, .default_value = "1000",
     .help = "compact the log when this many applied slots sit in it (0: never)", .min = "0"},
    {.name = "lease", .type = FL_OPT_DURATION, .default_value = "0ms",
     .help = "leader leases for local reads (0: off): acceptors refuse other proposers for "
             "this long after hearing the leader, which reads locally meanwhile",
     .min = "0ns", .max = "1h"},
    {.name = "drift_bound", .type = FL_OPT_PERCENT, .default_value = "1%",
     .help = "the clock drift a lease allows for: the leader gives its lease up this much early",
     .min = "0%", .max = "50%"},
    {.name = "bug", .type = FL_OPT_CHOICE, .default_value = "none",
     .choices = "none|skip-reproposal|unpersisted-promise|any-accepted|ignore-promise",
     .help = "reinject a known bug, to watch the checkers catch it"},
    {0},
};

const char *fl__paxos_role_name(paxos_role r) {
  static const char *names[] = {"follower", "candidate", "leader"};
  return names[r];
}

/* ---- The log of slots. */

paxos_slot *fl__paxos_slot(paxos_state *s, uint64_t slot) {
  g_assert(slot > s->base);
  if (slot > paxos_last_slot(s)) g_array_set_size(s->slots, (guint)(slot - s->base));
  return &g_array_index(s->slots, paxos_slot, slot - s->base - 1);
}

const paxos_slot *fl__paxos_slot_get(const paxos_state *s, uint64_t slot) {
  if (slot <= s->base || slot > paxos_last_slot(s)) return NULL;
  return &g_array_index(s->slots, paxos_slot, slot - s->base - 1);
}

void fl__paxos_note(paxos_state *s, uint32_t kind, uint64_t slot, uint64_t ballot,
                    const paxos_value *v) {
  paxos_note n;
  memset(&n, 0, sizeof n);
  n.kind = kind;
  n.slot = slot;
  n.ballot = ballot;
  n.promise_before = s->promise;
  n.v = *v;
  g_array_append_val(s->notes, n);
}

void fl__paxos_persist_meta(paxos_state *s, fl_node_ctx *ctx) {
  paxos_meta m;
  memset(&m, 0, sizeof m);
  m.promise = s->promise;
  m.reserved = s->reserved;
  fl_durable_slots_write(&s->meta, ctx, &m, sizeof m);
}

void fl__paxos_persist_snapshot(paxos_state *s, fl_node_ctx *ctx, const void *blob, size_t len) {
  fl_durable_slots_put(&s->snap, ctx, blob, len);
}

/* A snapshot slot is whole when the blob parses at its exact length; its version is its index. */
static bool snapshot_parse(const void *blob, size_t len, int slot, uint64_t *version,
                           void *user) {
  (void)slot, (void)user;
  paxos_snapshot_header h;
  fl_rsm_snapshot_view view;
  if (!fl_rsm_snapshot_parse(blob, len, sizeof h, &h, &view)) return false;
  *version = h.index;
  return true;
}

/* ---- Timers. */

void fl__paxos_timer_set(paxos_state *s, fl_node_ctx *ctx, int kind, int64_t delay_ns) {
  if (s->timer[kind]) fl_node_cancel_timer(ctx, s->timer[kind]);
  s->timer[kind] = fl_node_set_timer(ctx, delay_ns, (uint64_t)kind);
}

void fl__paxos_timer_stop(paxos_state *s, fl_node_ctx *ctx, int kind) {
  if (s->timer[kind]) fl_node_cancel_timer(ctx, s->timer[kind]);
  s->timer[kind] = 0;
}

/* As Raft's: the deadline moves and the one pending timer, if it fires early, sleeps again. */
void fl__paxos_reset_election_timer(paxos_state *s, fl_node_ctx *ctx, int64_t lo, int64_t hi) {
  uint64_t span = (uint64_t)(hi - lo);
  int64_t delay = lo + (int64_t)(span ? fl_rng_below(fl_node_rng(ctx), span + 1) : 0);
  s->election_deadline = fl_node_now(ctx) + delay;
  if (s->timer[PAXOS_TIMER_ELECTION] && s->election_timer_at <= s->election_deadline) return;
  fl__paxos_timer_set(s, ctx, PAXOS_TIMER_ELECTION, delay);
  s->election_timer_at = s->election_deadline;
}

static void arm_compaction(paxos_state *s, fl_node_ctx *ctx) {
  /* In an event of its own, never in one that learns: the checker sees every learned slot
   * before it leaves the log. */
  if (s->cfg.snapshot_every > 0)
    fl__paxos_timer_set(s, ctx, PAXOS_TIMER_COMPACT, 10 * s->cfg.heartbeat_ns);
}

/* ---- Lifecycle. */

static void config_init(paxos_config *c, const fl_options *o) {
  fl_options_range_ns(o, "election_timeout", &c->election_lo_ns, &c->election_hi_ns);
  c->heartbeat_ns = fl_options_duration_ns(o, "heartbeat");
  c->backoff = fl_options_bool(o, "backoff");
  fl_options_range_ns(o, "backoff_range", &c->backoff_lo_ns, &c->backoff_hi_ns);
  c->max_batch = fl_options_int(o, "max_batch");
  c->snapshot_every = fl_options_int(o, "snapshot_every");
  c->lease_ns = fl_options_duration_ns(o, "lease");
  c->drift_bound = fl_options_fraction(o, "drift_bound");
  const char *bug = fl_options_choice(o, "bug");
  c->bug = strcmp(bug, "skip-reproposal") == 0       ? PAXOS_BUG_SKIP_REPROPOSAL
           : strcmp(bug, "unpersisted-promise") == 0 ? PAXOS_BUG_UNPERSISTED_PROMISE
           : strcmp(bug, "any-accepted") == 0        ? PAXOS_BUG_ANY_ACCEPTED
           : strcmp(bug, "ignore-promise") == 0      ? PAXOS_BUG_IGNORE_PROMISE
                                                     : PAXOS_BUG_NONE;
}

static paxos_state *state_new(fl_node_ctx *ctx) {
  paxos_state *s = g_new0(paxos_state, 1);
  s->id = fl_node_id(ctx);
  s->n = fl_node_count(ctx);
  config_init(&s->cfg, fl_node_options(ctx));
  s->leader = PAXOS_NOBODY;
  s->slots = g_array_new(FALSE, TRUE, sizeof(paxos_slot));
  fl_durable_slots_init(&s->meta, PAXOS_KEY_META, PAXOS_KEY_META_ALT);
  fl_durable_slots_init(&s->snap, PAXOS_KEY_SNAPSHOT, PAXOS_KEY_SNAPSHOT_ALT);
  fl_kv_machine_init(&s->kv);
  fl_client_sessions_init(&s->sessions);
  s->echo = g_new0(int64_t, s->n);
  fl_waiters_init(&s->waiters);
  s->notes = g_array_new(FALSE, TRUE, sizeof(paxos_note));
  return s;
}

static void paxos_free(void *state) {
  paxos_state *s = state;
  if (!s) return;
  g_array_free(s->slots, TRUE);
  fl_kv_machine_clear(&s->kv);
  fl_client_sessions_clear(&s->sessions);
  g_free(s->echo);
  fl_waiters_clear(&s->waiters);
  g_array_free(s->notes, TRUE);
  g_free(s);
}

static bool size_ok(fl_node_ctx *ctx, int n) {
  if (n <= PAXOS_MAX_NODES) return true;
  fl_node_fail(ctx, "paxos: at most %d nodes (a leader counts accepts in a 64-bit mask), "
                    "found %d", PAXOS_MAX_NODES, n);
  return false;
}

static void *paxos_init(fl_node_ctx *ctx) {
  paxos_state *s = state_new(ctx);
  if (!size_ok(ctx, s->n)) return s;
  fl__paxos_persist_meta(s, ctx);
  fl__paxos_reset_election_timer(s, ctx, s->cfg.election_lo_ns, s->cfg.election_hi_ns);
  arm_compaction(s, ctx);
  return s;
}

static void *paxos_restart(fl_node_ctx *ctx) {
  paxos_state *s = state_new(ctx);
  if (!size_ok(ctx, s->n)) return s;
  /* The newest whole meta record and snapshot. None whole means the first write was torn,
   * before anything sent could depend on it (replies wait for their writes' sync): the initial
   * state is then the truth. Both slots written and neither whole is damage no crash makes. */
  paxos_meta m;
  switch (fl_durable_slots_read(&s->meta, ctx, &m, sizeof m)) {
  case FL_DURABLE_SLOTS_DAMAGED:
    fl_node_fail(ctx, "paxos: both durable meta records (promise) are damaged");
    return s;
  case FL_DURABLE_SLOTS_OK:
    s->promise = m.promise;
    s->reserved = m.reserved;
    break;
  case FL_DURABLE_SLOTS_EMPTY:
    break;
  }
  s->max_round = PAXOS_ROUND(s->promise);
  paxos_snapshot_header h;
  memset(&h, 0, sizeof h);
  const void *p = NULL;
  size_t len = 0, lens[2];
  switch (fl_durable_slots_get(&s->snap, ctx, snapshot_parse, NULL, &p, &len, lens)) {
  case FL_DURABLE_SLOTS_DAMAGED:
    fl_node_fail(ctx, "paxos: both durable snapshots are malformed (%zu and %zu bytes)", lens[0],
                 lens[1]);
    return s;
  case FL_DURABLE_SLOTS_OK:
    if (!fl__paxos_snapshot_restore(s, p, len, &h)) {
      fl_node_fail(ctx, "paxos: the durable snapshot is malformed (%zu bytes)", len);
      return s;
    }
    break;
  case FL_DURABLE_SLOTS_EMPTY:
    break;
  }
  s->base = s->commit = s->applied = h.index;
  /* The accepted slots: every record between the snapshot and the reservation (holes are
   * slots this acceptor never accepted). */
  guint loaded = 0;
  for (uint64_t slot = s->base + 1; slot <= s->reserved; slot++) {
    p = fl_node_load(ctx, PAXOS_KEY_SLOT(slot), &len);
    if (!p || len != sizeof(paxos_slot_rec)) continue;
    paxos_slot_rec r;
    memcpy(&r, p, sizeof r);
    paxos_slot *sl = fl__paxos_slot(s, slot);
    sl->acc_ballot = r.ballot;
    sl->acc = r.v;
    loaded++;
  }
  fl_node_annotate(ctx, "recovered promise %" G_GUINT64_FORMAT ".%d, %u accepted slots after "
                        "snapshot %" G_GUINT64_FORMAT,
                   PAXOS_ROUND(s->promise), PAXOS_NODE(s->promise) + 1, loaded, s->base);
  fl__paxos_reset_election_timer(s, ctx, s->cfg.election_lo_ns, s->cfg.election_hi_ns);
  arm_compaction(s, ctx);
  return s;
}

/* ---- Events. Each hook starts a new event for the checker's notes. */

static void paxos_on_timer(void *state, fl_node_ctx *ctx, uint64_t tag) {
  paxos_state *s = state;
  g_array_set_size(s->notes, 0);
  if (tag == 0 || tag >= PAXOS_TIMER_KINDS) return;
  s->timer[tag] = 0;
  switch (tag) {
  case PAXOS_TIMER_ELECTION: {
    if (s->role == PAXOS_LEADER) break;
    int64_t left = s->election_deadline - fl_node_now(ctx);
    if (left > 0) {
      fl__paxos_timer_set(s, ctx, PAXOS_TIMER_ELECTION, left);
      s->election_timer_at = s->election_deadline;
      break;
    }
    fl__paxos_on_election_timeout(s, ctx);
    break;
  }
  case PAXOS_TIMER_HEARTBEAT:
    if (s->role != PAXOS_LEADER) break;
    fl__paxos_heartbeat(s, ctx);
    fl__paxos_timer_set(s, ctx, PAXOS_TIMER_HEARTBEAT, s->cfg.heartbeat_ns);
    break;
  case PAXOS_TIMER_COMPACT:
    fl__paxos_maybe_compact(s, ctx);
    arm_compaction(s, ctx);
    break;
  default:
    break;
  }
}

static bool read_msg(void *out, size_t size, const void *msg, size_t len) {
  if (len != size) return false;
  memcpy(out, msg, size);
  return true;
}

static void paxos_on_message(void *state, fl_node_ctx *ctx, int from, const void *msg,
                             size_t len) {
  paxos_state *s = state;
  g_array_set_size(s->notes, 0);
  uint32_t type = 0;
  if (len < sizeof type || from < 0 || from >= s->n || from == s->id) return;
  memcpy(&type, msg, sizeof type);
  paxos_msg_prepare prepare;
  paxos_msg_nack nack;
  paxos_msg_accepted accepted;
  paxos_msg_catchup catchup;
  switch (type) {
  case PAXOS_MSG_PREPARE:
    if (read_msg(&prepare, sizeof prepare, msg, len)) fl__paxos_on_prepare(s, ctx, from, &prepare);
    break;
  case PAXOS_MSG_PROMISE: fl__paxos_on_promise(s, ctx, from, msg, len); break;
  case PAXOS_MSG_NACK:
    if (read_msg(&nack, sizeof nack, msg, len)) fl__paxos_on_nack(s, ctx, from, &nack);
    break;
  case PAXOS_MSG_ACCEPT: fl__paxos_on_accept(s, ctx, from, msg, len); break;
  case PAXOS_MSG_ACCEPTED:
    if (read_msg(&accepted, sizeof accepted, msg, len))
      fl__paxos_on_accepted(s, ctx, from, &accepted);
    break;
  case PAXOS_MSG_CATCHUP:
    if (read_msg(&catchup, sizeof catchup, msg, len)) fl__paxos_on_catchup(s, ctx, from, &catchup);
    break;
  case PAXOS_MSG_DECIDED: fl__paxos_on_decided(s, ctx, from, msg, len); break;
  case PAXOS_MSG_SNAPSHOT: fl__paxos_on_snapshot(s, ctx, from, msg, len); break;
  default: break;
  }
}

static void paxos_on_client_request(void *state, fl_node_ctx *ctx, const fl_op *op) {
  paxos_state *s = state;
  g_array_set_size(s->notes, 0);
  fl__paxos_on_client_request(s, ctx, op);
}

/* "leader b3.1" (round 3 of n1); a follower adds the leader it follows. Runs after every
 * event, so formatted by hand (common/status_line.h). */
static void paxos_describe(const void *state, GString *out) {
  const paxos_state *s = state;
  uint64_t b = s->role == PAXOS_FOLLOWER ? s->promise : s->ballot;
  fl_status_line l;
  fl_status_line_init(&l);
  fl_status_line_str(&l, fl__paxos_role_name(s->role));
  fl_status_line_str(&l, " b");
  fl_status_line_u64(&l, PAXOS_ROUND(b));
  fl_status_line_str(&l, ".");
  fl_status_line_u64(&l, (uint64_t)PAXOS_NODE(b) + 1);
  if (s->role == PAXOS_FOLLOWER && s->leader != PAXOS_NOBODY) {
    fl_status_line_str(&l, " leader=n");
    fl_status_line_u64(&l, (uint64_t)s->leader + 1);
  }
  fl_status_line_flush(&l, out);
}

static void describe_values(GString *out, const char *p, uint32_t n) {
  if (n == 0) return;
  paxos_value v;
  memcpy(&v, p, sizeof v);
  g_string_append(out, " [");
  fl__paxos_describe_value(out, &v);
  if (n > 1) g_string_append_printf(out, " +%u", n - 1);
  g_string_append(out, "]");
}

static void describe_ballot(GString *out, uint64_t b) {
  g_string_append_printf(out, "b%" G_GUINT64_FORMAT ".%d", PAXOS_ROUND(b), PAXOS_NODE(b) + 1);
}

static void paxos_describe_msg(const void *msg, size_t len, GString *out) {
  uint32_t n_kv = 0, n_sessions = 0; /* of a snapshot */
  uint32_t type = 0;
  if (len >= sizeof type) memcpy(&type, msg, sizeof type);
  const char *p = msg;
  if (type == PAXOS_MSG_PREPARE && len == sizeof(paxos_msg_prepare)) {
    paxos_msg_prepare m;
    memcpy(&m, msg, sizeof m);
    g_string_append(out, "Prepare ");
    describe_ballot(out, m.ballot);
    g_string_append_printf(out, " from=%" G_GUINT64_FORMAT, m.from);
  } else if (type == PAXOS_MSG_PROMISE && len >= sizeof(paxos_msg_promise)) {
    paxos_msg_promise m;
    memcpy(&m, msg, sizeof m);
    g_string_append(out, "Promise ");
    describe_ballot(out, m.ballot);
    g_string_append_printf(out, " base=%" G_GUINT64_FORMAT " accepted=%u", m.base, m.n);
  } else if (type == PAXOS_MSG_NACK && len == sizeof(paxos_msg_nack)) {
    paxos_msg_nack m;
    memcpy(&m, msg, sizeof m);
    g_string_append(out, "Nack ");
    describe_ballot(out, m.ballot);
    g_string_append(out, " promised ");
    describe_ballot(out, m.promise);
  } else if (type == PAXOS_MSG_ACCEPT && len >= sizeof(paxos_msg_accept)) {
    paxos_msg_accept m;
    memcpy(&m, msg, sizeof m);
    g_string_append(out, "Accept ");
    describe_ballot(out, m.ballot);
    g_string_append_printf(out, " slot=%" G_GUINT64_FORMAT " n=%u commit=%" G_GUINT64_FORMAT,
                           m.first, m.n, m.commit);
    if (len == sizeof m + (size_t)m.n * sizeof(paxos_value)) describe_values(out, p + sizeof m, m.n);
  } else if (type == PAXOS_MSG_ACCEPTED && len == sizeof(paxos_msg_accepted)) {
    paxos_msg_accepted m;
    memcpy(&m, msg, sizeof m);
    g_string_append(out, "Accepted ");
    describe_ballot(out, m.ballot);
    g_string_append_printf(out, " slot=%" G_GUINT64_FORMAT " n=%u", m.first, m.n);
  } else if (type == PAXOS_MSG_CATCHUP && len == sizeof(paxos_msg_catchup)) {
    paxos_msg_catchup m;
    memcpy(&m, msg, sizeof m);
    g_string_append_printf(out, "CatchUp from=%" G_GUINT64_FORMAT, m.from);
  } else if (type == PAXOS_MSG_DECIDED && len >= sizeof(paxos_msg_decided)) {
    paxos_msg_decided m;
    memcpy(&m, msg, sizeof m);
    g_string_append_printf(out, "Decided slot=%" G_GUINT64_FORMAT " n=%u", m.first, m.n);
  } else if (type == PAXOS_MSG_SNAPSHOT && len >= sizeof(paxos_msg_snapshot) &&
             fl_rsm_snapshot_peek(p + sizeof(paxos_msg_snapshot),
                                  len - sizeof(paxos_msg_snapshot), sizeof(paxos_snapshot_header),
                                  &n_kv, &n_sessions)) {
    paxos_snapshot_header h;
    memcpy(&h, p + sizeof(paxos_msg_snapshot), sizeof h);
    g_string_append_printf(out, "Snapshot upto=%" G_GUINT64_FORMAT " keys=%u", h.index, n_kv);
  } else {
    g_string_append_printf(out, "unknown (%zu bytes)", len);
  }
}

static void paxos_status(const void *state, const fl_node_ctx *ctx, fl_node_status *out) {
  (void)ctx;
  const paxos_state *s = state;
  switch (s->role) {
  case PAXOS_LEADER: out->role = FL_ROLE_LEADER; break;
  case PAXOS_CANDIDATE: out->role = FL_ROLE_CANDIDATE; break;
  default: out->role = FL_ROLE_FOLLOWER; break;
  }
  out->term_kind = FL_TERM_BALLOT;
  out->term = s->role == PAXOS_FOLLOWER ? s->promise : s->ballot;
  out->leader = s->role == PAXOS_LEADER ? s->id : s->leader;
  out->has_commit = out->has_applied = true;
  out->commit = s->commit;
  out->applied = s->applied;
}

static const fl_protocol paxos_protocol = {
    .api_version = FL_ACTOR_API_VERSION,
    .name = "paxos",
    .summary = "Multi-Paxos (stable leader, ballots, no-op fill, catch-up, leases, snapshots) "
               "behind a linearizable key-value store",
    .options = options,
    .init = paxos_init,
    .on_message = paxos_on_message,
    .on_timer = paxos_on_timer,
    .on_client_request = paxos_on_client_request,
    .on_restart = paxos_restart,
    .free = paxos_free,
    .describe = paxos_describe,
    .describe_msg = paxos_describe_msg,
    .status = paxos_status,
    .invariant_new = fl__paxos_invariant_new,
    .check_invariants = fl__paxos_check_invariants,
    .invariant_free = fl__paxos_invariant_free,
};

const fl_protocol *fl_protocol_paxos(void) { return &paxos_protocol; }
