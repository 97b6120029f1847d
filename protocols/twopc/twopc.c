/* twopc: two-phase commit, and three-phase commit with `commit = 3pc`, of the txn workload's
 * transactions over keys sharded on participant nodes (twopc_int.h describes the roles, ids
 * and the durable log).
 *
 * Safety rests on two rules kept everywhere: a vote and a decision are persisted before the
 * message that carries them is sent, and a participant that voted yes never decides alone
 * (2PC). Availability is what 2PC gives up: participants that voted yes hold their locks until
 * the coordinator (or, with cooperative termination, a peer) tells them the outcome; the
 * metrics blocked_ns and blocked_max_ns measure it. 3PC's termination protocol lets them
 * decide among themselves, which is safe under crashes and not under partitions.
 *
 * Messages to itself (a coordinator that is also a participant) go through a queue drained
 * when the hook ends, so that no handler runs inside another.
 */
#include "twopc.h"
#include "twopc_int.h"

static const fl_option_spec options[] = {
    {.name = "commit", .type = FL_OPT_CHOICE, .default_value = "2pc", .choices = "2pc|3pc",
     .help = "two-phase commit, or three-phase commit with pre-commit and termination"},
    {.name = "coordinator", .type = FL_OPT_CHOICE, .default_value = "designated",
     .choices = "designated|home",
     .help = "designated: coordinator_node coordinates every transaction; home: the node a "
             "client sent it to"},
    {.name = "coordinator_node", .type = FL_OPT_INT, .default_value = "1", .min = "1",
     .max = "1000", .help = "the designated coordinator (1 is n1)"},
    {.name = "first_participant", .type = FL_OPT_INT, .default_value = "1", .min = "1",
     .max = "1000", .help = "participants are nodes first_participant..N"},
    {.name = "shard_map", .type = FL_OPT_CHOICE, .default_value = "modulo",
     .choices = "modulo|range",
     .help = "modulo: key k on participant k mod P; range: on participant k / shard_size"},
    {.name = "shard_size", .type = FL_OPT_INT, .default_value = "10", .min = "1",
     .help = "keys per participant with shard_map = range (the last takes the rest)"},
    {.name = "locking", .type = FL_OPT_CHOICE, .default_value = "2pl",
     .choices = "2pl|wound-wait|no-wait",
     .help = "on a held lock: wait (2pl), wound a younger unvoted holder or wait "
             "(wound-wait), or vote no at once (no-wait)"},
    {.name = "termination", .type = FL_OPT_CHOICE, .default_value = "none",
     .choices = "none|cooperative",
     .help = "2pc: in-doubt participants also ask each other for the outcome"},
    {.name = "lock_timeout", .type = FL_OPT_DURATION, .default_value = "100ms", .min = "1ms",
     .help = "a participant still waiting for locks after this aborts unilaterally"},
    {.name = "vote_timeout", .type = FL_OPT_DURATION, .default_value = "200ms", .min = "1ms",
     .help = "a coordinator without every vote after this aborts"},
    {.name = "decision_timeout", .type = FL_OPT_DURATION, .default_value = "100ms",
     .min = "1ms",
     .help = "an in-doubt participant asks (2pc) or terminates (3pc) after this, and again"},
    {.name = "retransmit", .type = FL_OPT_DURATION, .default_value = "50ms", .min = "1ms",
     .help = "the coordinator resends a decision not yet acknowledged after this"},
    {.name = "bug", .type = FL_OPT_CHOICE, .default_value = "none",
     .choices = "none|forget-prepare|commit-before-log|forget-decisions",
     .help = "reinject a known bug (scenarios/twopc/bugs/)"},
    {.name = NULL}};

static void read_config(tp_config *c, fl_node_ctx *ctx) {
  const fl_options *o = fl_node_options(ctx);
  int n = fl_node_count(ctx);
  memset(c, 0, sizeof *c);
  c->three_phase = strcmp(fl_options_choice(o, "commit"), "3pc") == 0;
  c->home_coordinator = strcmp(fl_options_choice(o, "coordinator"), "home") == 0;
  c->coordinator = (int)fl_options_int(o, "coordinator_node") - 1;
  c->first = (int)fl_options_int(o, "first_participant") - 1;
  c->n_parts = n - c->first;
  c->range = strcmp(fl_options_choice(o, "shard_map"), "range") == 0;
  c->shard_size = fl_options_int(o, "shard_size");
  const char *l = fl_options_choice(o, "locking");
  c->locking = strcmp(l, "2pl") == 0 ? TP_LOCK_2PL
               : strcmp(l, "no-wait") == 0 ? TP_LOCK_NO_WAIT : TP_LOCK_WOUND_WAIT;
  c->cooperative = strcmp(fl_options_choice(o, "termination"), "cooperative") == 0;
  c->lock_timeout_ns = fl_options_duration_ns(o, "lock_timeout");
  c->vote_timeout_ns = fl_options_duration_ns(o, "vote_timeout");
  c->decision_timeout_ns = fl_options_duration_ns(o, "decision_timeout");
  c->retransmit_ns = fl_options_duration_ns(o, "retransmit");
  const char *b = fl_options_choice(o, "bug");
  c->bug = strcmp(b, "forget-prepare") == 0      ? TP_BUG_FORGET_PREPARE
           : strcmp(b, "commit-before-log") == 0 ? TP_BUG_COMMIT_BEFORE_LOG
           : strcmp(b, "forget-decisions") == 0  ? TP_BUG_FORGET_DECISIONS
                                                 : TP_BUG_NONE;
}

int tp_shard(const tp_config *c, int64_t key) {
  int64_t p = c->n_parts;
  int64_t i = c->range ? key / c->shard_size : key % p;
  if (i < 0) i = c->range ? 0 : i + p;
  if (i >= p) i = p - 1;
  return c->first + (int)i;
}

int tp_part_index(const int32_t *parts, uint32_t n, int node) {
  for (uint32_t i = 0; i < n && i < TP_MAX; i++)
    if (parts[i] == node) return (int)i;
  return -1;
}

void tp_format_txid(GString *out, uint64_t txid) {
  g_string_append_printf(out, "t%u.%u.%u", (unsigned)(txid >> 46) + 1,
                         (unsigned)((txid >> 32) & 0x3fff), (unsigned)(txid & 0xffffffffu));
}

static void free_lock(gpointer p) {
  tp_lock *l = p;
  g_array_free(l->waiters, TRUE);
  g_free(l);
}

static int cmp_i64(gconstpointer a, gconstpointer b, gpointer unused) {
  (void)unused;
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static int cmp_u64(gconstpointer a, gconstpointer b, gpointer unused) {
  (void)unused;
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void free_bytes(gpointer p) { g_bytes_unref(*(GBytes **)p); }

static tp_node *state_new(fl_node_ctx *ctx) {
  tp_node *s = g_new0(tp_node, 1);
  s->id = fl_node_id(ctx);
  s->n = fl_node_count(ctx);
  read_config(&s->cfg, ctx);
  s->next_key = 1;
  s->base = 1;
  s->ctxns = g_tree_new_full(cmp_u64, NULL, NULL, g_free);
  s->by_client = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
  s->ptxns = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
  s->finished = g_tree_new_full(cmp_u64, NULL, g_free, NULL);
  s->done = g_new0(uint64_t, s->n);
  s->retire = g_array_new(FALSE, TRUE, sizeof(uint64_t));
  s->store = g_tree_new_full(cmp_i64, NULL, g_free, g_free);
  s->locks = g_tree_new_full(cmp_i64, NULL, g_free, free_lock);
  s->selfq = g_array_new(FALSE, TRUE, sizeof(GBytes *));
  g_array_set_clear_func(s->selfq, free_bytes);
  s->ready = g_array_new(FALSE, TRUE, sizeof(uint64_t));
  return s;
}

static bool config_ok(tp_node *s, fl_node_ctx *ctx) {
  if (s->cfg.first >= s->n) {
    fl_node_fail(ctx, "first_participant = %d, but the cluster has %d nodes", s->cfg.first + 1, s->n);
    return false;
  }
  if (!s->cfg.home_coordinator && s->cfg.coordinator >= s->n) {
    fl_node_fail(ctx, "coordinator_node = %d, but the cluster has %d nodes", s->cfg.coordinator + 1,
                 s->n);
    return false;
  }
  return true;
}

/* The incarnation (durable key 0) numbers this life's transaction ids. */
static void bump_incarnation(tp_node *s, fl_node_ctx *ctx) {
  size_t len;
  const void *p = fl_node_load(ctx, 0, &len);
  uint32_t inc = 0;
  if (p && len == sizeof inc) memcpy(&inc, p, sizeof inc), inc++;
  s->incarnation = inc & 0x3fff;
  fl_node_persist(ctx, 0, &inc, sizeof inc);
}

/* What the last compaction left: the log's first key, the watermarks, the store. */
static void load_meta(tp_node *s, fl_node_ctx *ctx) {
  size_t len;
  const uint8_t *p = fl_node_load(ctx, TP_KEY_META, &len);
  tp_meta m;
  if (!p || len < sizeof m) return;
  memcpy(&m, p, sizeof m);
  if (m.n_done != (uint32_t)s->n || m.base == 0 ||
      len != sizeof m + (size_t)m.n_done * sizeof(uint64_t) + (size_t)m.n_store * 2 * sizeof(int64_t))
    return;
  s->base = m.base;
  s->snap_key = m.snap_key;
  memcpy(s->done, p + sizeof m, (size_t)m.n_done * sizeof(uint64_t));
  const uint8_t *kv = p + sizeof m + (size_t)m.n_done * sizeof(uint64_t);
  for (uint32_t i = 0; i < m.n_store; i++) {
    int64_t *k = g_new(int64_t, 1), *v = g_new(int64_t, 1);
    memcpy(k, kv + (size_t)i * 16, sizeof *k);
    memcpy(v, kv + (size_t)i * 16 + 8, sizeof *v);
    g_tree_replace(s->store, k, v);
  }
}

/* Still needed by a replay: a record of a transaction open here. */
static bool open_here(tp_node *s, const tp_rec *r) {
  if (r->type == TP_REC_DECISION || r->type == TP_REC_END)
    return g_tree_lookup(s->ctxns, &r->txid) != NULL;
  return g_hash_table_contains(s->ptxns, &r->txid) ||
         g_tree_lookup_extended(s->finished, &r->txid, NULL, NULL);
}

static gboolean append_pair(gpointer key, gpointer value, gpointer data) {
  g_byte_array_append(data, key, sizeof(int64_t));
  g_byte_array_append(data, value, sizeof(int64_t));
  return FALSE;
}

void tp_compact(tp_node *s, fl_node_ctx *ctx) {
  uint64_t window = s->next_key - s->base;
  uint64_t open = 3 * ((uint64_t)g_hash_table_size(s->ptxns) + (uint64_t)g_tree_nnodes(s->finished)) +
                  (uint64_t)g_tree_nnodes(s->ctxns);
  if (window < TP_COMPACT_MIN + 2 * open + (uint64_t)g_tree_nnodes(s->store) / 4) return;
  uint64_t from = s->base, to = s->next_key;
  for (uint64_t key = from; key < to; key++) {
    size_t len;
    const void *p = fl_node_load(ctx, key, &len);
    tp_rec r;
    if (!p || !tp_rec_read(p, len, &r) || !open_here(s, &r)) continue;
    r.copied = 1;
    tp_persist(s, ctx, &r);
  }
  tp_meta m;
  memset(&m, 0, sizeof m);
  m.base = to;
  m.snap_key = s->next_key;
  m.n_done = (uint32_t)s->n;
  m.n_store = (uint32_t)g_tree_nnodes(s->store);
  GByteArray *b = g_byte_array_new();
  g_byte_array_append(b, (const guint8 *)&m, sizeof m);
  g_byte_array_append(b, (const guint8 *)s->done, (guint)((size_t)s->n * sizeof(uint64_t)));
  g_tree_foreach(s->store, append_pair, b);
  fl_node_persist(ctx, TP_KEY_META, b->data, b->len);
  g_byte_array_free(b, TRUE);
  fl_node_erase_range(ctx, from, to);
  s->base = to;
  s->snap_key = s->next_key;
}

static void *tp_init(fl_node_ctx *ctx) {
  tp_node *s = state_new(ctx);
  if (config_ok(s, ctx)) bump_incarnation(s, ctx);
  return s;
}

static void drain(tp_node *s, fl_node_ctx *ctx);

static void *tp_restart(fl_node_ctx *ctx) {
  tp_node *s = state_new(ctx);
  if (!config_ok(s, ctx)) return s;
  bump_incarnation(s, ctx);
  load_meta(s, ctx);
  s->next_key = s->base;
  size_t len;
  const void *p;
  while ((p = fl_node_load(ctx, s->next_key, &len)) != NULL) {
    tp_rec r;
    if (tp_rec_read(p, len, &r)) {
      tp_coord_recover(s, ctx, &r);
      tp_part_recover(s, ctx, &r);
    }
    s->next_key++;
  }
  tp_part_resume(s, ctx);
  tp_coord_resume(s, ctx);
  drain(s, ctx);
  return s;
}

static void tp_free(void *state) {
  tp_node *s = state;
  if (!s) return;
  g_tree_destroy(s->ctxns);
  g_hash_table_destroy(s->by_client);
  g_hash_table_destroy(s->ptxns);
  g_tree_destroy(s->finished);
  g_free(s->done);
  g_array_free(s->retire, TRUE);
  g_tree_destroy(s->store);
  g_tree_destroy(s->locks);
  g_array_free(s->selfq, TRUE);
  g_array_free(s->ready, TRUE);
  g_free(s);
}

void tp_persist(tp_node *s, fl_node_ctx *ctx, const tp_rec *r) {
  size_t len = offsetof(tp_rec, mops) + (size_t)r->n_mops * sizeof(tp_mop);
  fl_node_persist(ctx, s->next_key++, r, len); /* the kernel counts persisted_bytes */
}

bool tp_rec_read(const void *data, size_t len, tp_rec *r) {
  memset(r, 0, sizeof *r);
  if (len < offsetof(tp_rec, mops) || len > sizeof *r) return false;
  memcpy(r, data, len);
  return r->n_mops <= TP_MAX && r->n_parts <= TP_MAX;
}

void tp_send(tp_node *s, fl_node_ctx *ctx, int dst, const void *msg, size_t len) {
  if (dst != s->id) {
    fl_node_send(ctx, dst, msg, len);
    return;
  }
  GBytes *b = g_bytes_new(msg, len);
  g_array_append_val(s->selfq, b);
}

void tp_send_txid(tp_node *s, fl_node_ctx *ctx, int dst, uint32_t type, uint32_t arg,
                  uint64_t txid, uint64_t done) {
  tp_msg_txid m;
  memset(&m, 0, sizeof m);
  m.type = type;
  m.arg = arg;
  m.txid = txid;
  m.done = done;
  tp_send(s, ctx, dst, &m, sizeof m);
}

static void dispatch(tp_node *s, fl_node_ctx *ctx, int from, const void *msg, size_t len) {
  uint32_t type;
  if (len < sizeof type) return;
  memcpy(&type, msg, sizeof type);
  if (type == TP_PREPARE && len == sizeof(tp_msg_prepare)) {
    tp_msg_prepare m;
    memcpy(&m, msg, sizeof m);
    if (m.n_mops > TP_MAX || m.n_parts > TP_MAX) return;
    tp_part_learn_done(s, from, m.done);
    tp_part_prepare(s, ctx, from, &m);
  } else if (type == TP_VOTE && len == sizeof(tp_msg_vote)) {
    tp_msg_vote m;
    memcpy(&m, msg, sizeof m);
    if (m.n_mops <= TP_MAX) tp_coord_vote(s, ctx, from, &m);
  } else if (len == sizeof(tp_msg_txid)) {
    tp_msg_txid m;
    memcpy(&m, msg, sizeof m);
    switch (m.type) {
    case TP_PRECOMMIT_ACK:
    case TP_DECISION_ACK:
    case TP_QUERY: tp_coord_txid_msg(s, ctx, from, &m); break;
    case TP_PRECOMMIT:
    case TP_DECISION:
      tp_part_learn_done(s, from, m.done);
      tp_part_txid_msg(s, ctx, from, &m);
      break;
    case TP_STATE_REQ:
    case TP_STATE: tp_part_txid_msg(s, ctx, from, &m); break;
    default: break;
    }
  }
}

/* Runs what the hook left queued: messages to itself, and transactions granted a lock. */
static void drain(tp_node *s, fl_node_ctx *ctx) {
  for (;;) {
    if (s->ready->len) {
      uint64_t txid = g_array_index(s->ready, uint64_t, 0);
      g_array_remove_index(s->ready, 0);
      tp_ptxn *p = tp_part_get(s, txid);
      if (p && p->state == TP_P_WAITING) tp_part_continue(s, ctx, p);
    } else if (s->selfq->len) {
      GBytes *b = g_bytes_ref(g_array_index(s->selfq, GBytes *, 0));
      g_array_remove_index(s->selfq, 0);
      size_t len;
      const void *d = g_bytes_get_data(b, &len);
      dispatch(s, ctx, s->id, d, len);
      g_bytes_unref(b);
    } else {
      break;
    }
  }
  tp_part_retire(s);
}

static void tp_on_message(void *state, fl_node_ctx *ctx, int from, const void *msg, size_t len) {
  tp_node *s = state;
  tp_compact(s, ctx);
  dispatch(s, ctx, from, msg, len);
  drain(s, ctx);
}

static void tp_on_timer(void *state, fl_node_ctx *ctx, uint64_t tag) {
  tp_node *s = state;
  int kind = TP_TAG_KIND(tag);
  uint64_t txid = TP_TAG_TXID(tag);
  tp_compact(s, ctx);
  if (kind == TP_T_VOTE || kind == TP_T_PRECOMMIT || kind == TP_T_RETRANSMIT)
    tp_coord_timer(s, ctx, kind, txid);
  else
    tp_part_timer(s, ctx, kind, txid);
  drain(s, ctx);
}

static void tp_on_client_request(void *state, fl_node_ctx *ctx, const fl_op *op) {
  tp_node *s = state;
  tp_compact(s, ctx);
  tp_coord_request(s, ctx, op);
  drain(s, ctx);
}

static void tp_describe(const void *state, GString *out) {
  const tp_node *s = state;
  g_string_append_printf(out, "active=%" G_GUINT64_FORMAT " committed=%" G_GUINT64_FORMAT
                         " aborted=%" G_GUINT64_FORMAT " in-doubt=%" G_GUINT64_FORMAT " locks=%d",
                         s->active, s->committed, s->aborted, s->in_doubt, g_tree_nnodes(s->locks));
}

static void tp_describe_msg(const void *msg, size_t len, GString *out) {
  static const char *const names[] = {"?",        "Prepare", "Vote",      "PreCommit",
                                      "PreCommitAck", "Decision", "DecisionAck", "Query",
                                      "StateReq", "State"};
  uint32_t type = 0;
  if (len >= sizeof type) memcpy(&type, msg, sizeof type);
  g_string_append(out, type < G_N_ELEMENTS(names) ? names[type] : "?");
  uint64_t txid = 0;
  if (len >= 16) memcpy(&txid, (const char *)msg + 8, sizeof txid);
  g_string_append_c(out, ' ');
  tp_format_txid(out, txid);
  if (type == TP_VOTE && len == sizeof(tp_msg_vote)) {
    tp_msg_vote v;
    memcpy(&v, msg, sizeof v);
    g_string_append(out, v.yes ? " yes" : " no");
  } else if (type == TP_DECISION && len == sizeof(tp_msg_txid)) {
    tp_msg_txid m;
    memcpy(&m, msg, sizeof m);
    g_string_append(out, m.arg ? " commit" : " abort");
  } else if (type == TP_PREPARE && len == sizeof(tp_msg_prepare)) {
    tp_msg_prepare m;
    memcpy(&m, msg, sizeof m);
    for (uint32_t i = 0; i < m.n_mops && i < TP_MAX; i++)
      g_string_append_printf(out, "%sk%" G_GINT64_FORMAT, i ? "," : " ", m.mops[i].key);
  }
}

static void tp_status(const void *state, const fl_node_ctx *ctx, fl_node_status *out) {
  const tp_node *s = state;
  (void)ctx;
  bool coord = s->cfg.home_coordinator || s->id == s->cfg.coordinator;
  bool part = s->id >= s->cfg.first;
  /* The designated coordinator is the coordinator even where it is a participant too: the
   * timeline's `leader` stands for it (world.h). With home coordinators, every node is both. */
  out->role = coord && (!part || !s->cfg.home_coordinator) ? FL_ROLE_COORDINATOR : FL_ROLE_PARTICIPANT;
  g_strlcpy(out->word, coord && part ? "coordinator+participant" : coord ? "coordinator" : "participant",
            sizeof out->word);
}

static const fl_protocol twopc = {
    .api_version = FL_ACTOR_API_VERSION,
    .name = "twopc",
    .summary = "two-phase / three-phase commit of transactions over sharded participants",
    .options = options,
    .init = tp_init,
    .on_message = tp_on_message,
    .on_timer = tp_on_timer,
    .on_client_request = tp_on_client_request,
    .on_restart = tp_restart,
    .free = tp_free,
    .describe = tp_describe,
    .describe_msg = tp_describe_msg,
    .status = tp_status,
    .invariant_new = tp_invariant_new,
    .check_invariants = tp_check_invariants,
    .invariant_free = tp_invariant_free,
};

const fl_protocol *fl_protocol_twopc(void) { return &twopc; }
