/* eventual: an eventually consistent key-value store in the style of Amazon's Dynamo
 * (eventual_int.h describes the ring, records, messages and durable layout).
 *
 * It gives up linearizability to stay available: under a partition each side keeps taking
 * reads and writes (sloppy quorum: fallbacks with hints stand in for unreachable replicas),
 * and the replicas converge after the heal by hinted handoff, read repair and Merkle-tree
 * anti-entropy. On a healthy network with R + W > N, no fallbacks and blocking read repair,
 * every read quorum meets every write quorum and a read writes what it returns back to W
 * replicas before answering (ABD's write-back), so with synchronised clocks (LWW stamps in
 * real-time order) the kv history is linearizable; README.md, "Eventually consistent store",
 * says where each assumption fails.
 */
#include "eventual.h"
#include "eventual_int.h"

static const fl_option_spec options[] = {
    {.name = "n", .type = FL_OPT_INT, .default_value = "3", .min = "1", .max = "16",
     .help = "replicas per key (the preference list's length)"},
    {.name = "r", .type = FL_OPT_INT, .default_value = "2", .min = "1", .max = "16",
     .help = "answers a read waits for"},
    {.name = "w", .type = FL_OPT_INT, .default_value = "2", .min = "1", .max = "16",
     .help = "acknowledgements a write waits for"},
    {.name = "tokens", .type = FL_OPT_INT, .default_value = "16", .min = "1", .max = "256",
     .help = "virtual nodes (ring positions) per node"},
    {.name = "value", .type = FL_OPT_CHOICE, .default_value = "register",
     .choices = "register|g-counter|pn-counter|lww-counter",
     .help = "register: kv with last-writer-wins; g-/pn-counter: CRDT counters for the "
             "counter workload; lww-counter: naive read-modify-write that loses increments"},
    {.name = "versions", .type = FL_OPT_CHOICE, .default_value = "lww", .choices = "lww|vclock",
     .help = "registers: last-writer-wins on the coordinator's clock, or vector clocks keeping "
             "concurrent writes as siblings (a write reads its context first)"},
    {.name = "read_repair", .type = FL_OPT_CHOICE, .default_value = "blocking",
     .choices = "blocking|async|off",
     .help = "blocking: a read writes its answer back to W replicas before replying"},
    {.name = "hinted_handoff", .type = FL_OPT_BOOL, .default_value = "yes",
     .help = "sloppy quorum: fallbacks take writes for suspected replicas and hand them back"},
    {.name = "retry", .type = FL_OPT_DURATION, .default_value = "50ms", .min = "1ms",
     .max = "1h", .help = "a target silent this long is suspected; the request goes on to a fallback"},
    {.name = "request_timeout", .type = FL_OPT_DURATION, .default_value = "1s", .min = "1ms",
     .max = "1h", .help = "a coordinator forgets a request after this"},
    {.name = "handoff", .type = FL_OPT_DURATION, .default_value = "100ms", .min = "1ms",
     .max = "1h", .help = "period of offering hints back to their replicas"},
    {.name = "anti_entropy", .type = FL_OPT_DURATION, .default_value = "200ms", .min = "1ms",
     .max = "1h", .help = "period of a Merkle-tree exchange with the next peer"},
    {.name = "bug", .type = FL_OPT_CHOICE, .default_value = "none",
     .choices = "none|repair-overwrites|merkle-skips-range",
     .help = "reinject a known bug (scenarios/eventual/bugs/)"},
    {.name = NULL}};

void ev_read_config(ev_config *c, const fl_options *o, int nodes) {
  memset(c, 0, sizeof *c);
  c->n = (int)fl_options_int(o, "n");
  if (c->n > nodes) c->n = nodes;
  c->r = (int)fl_options_int(o, "r");
  c->w = (int)fl_options_int(o, "w");
  c->tokens = (int)fl_options_int(o, "tokens");
  const char *v = fl_options_choice(o, "value");
  c->value = strcmp(v, "g-counter") == 0    ? EV_VAL_G_COUNTER
             : strcmp(v, "pn-counter") == 0 ? EV_VAL_PN_COUNTER
             : strcmp(v, "lww-counter") == 0 ? EV_VAL_LWW_COUNTER
                                             : EV_VAL_REGISTER;
  c->counter_crdt = c->value == EV_VAL_G_COUNTER || c->value == EV_VAL_PN_COUNTER;
  c->is_counter = c->value != EV_VAL_REGISTER;
  c->vclock = !c->is_counter && strcmp(fl_options_choice(o, "versions"), "vclock") == 0;
  c->merge = c->counter_crdt ? EV_MERGE_CRDT : c->vclock ? EV_MERGE_VC : EV_MERGE_LWW;
  const char *rr = fl_options_choice(o, "read_repair");
  c->read_repair = strcmp(rr, "async") == 0 ? EV_RR_ASYNC
                   : strcmp(rr, "off") == 0 ? EV_RR_OFF
                                            : EV_RR_BLOCKING;
  c->hinted_handoff = fl_options_bool(o, "hinted_handoff");
  c->retry_ns = fl_options_duration_ns(o, "retry");
  c->request_timeout_ns = fl_options_duration_ns(o, "request_timeout");
  c->handoff_ns = fl_options_duration_ns(o, "handoff");
  c->anti_entropy_ns = fl_options_duration_ns(o, "anti_entropy");
  const char *b = fl_options_choice(o, "bug");
  c->bug = strcmp(b, "repair-overwrites") == 0    ? EV_BUG_REPAIR_OVERWRITES
           : strcmp(b, "merkle-skips-range") == 0 ? EV_BUG_MERKLE_SKIPS
                                                  : EV_BUG_NONE;
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

static ev_node *state_new(fl_node_ctx *ctx) {
  ev_node *s = g_new0(ev_node, 1);
  s->id = fl_node_id(ctx);
  s->nodes = fl_node_count(ctx);
  ev_read_config(&s->cfg, fl_node_options(ctx), s->nodes);
  s->store = g_tree_new_full(cmp_i64, NULL, g_free, g_free);
  s->reqs = g_tree_new_full(cmp_u64, NULL, NULL, g_free);
  s->hints = g_tree_new_full(cmp_u64, NULL, NULL, g_free);
  s->last_seq = g_hash_table_new(g_direct_hash, g_direct_equal);
  return s;
}

/* Checks what the option ranges cannot: the cluster's size against the record's slots, and
 * quorums against n. */
static bool config_ok(ev_node *s, fl_node_ctx *ctx) {
  if (s->nodes > EV_MAX_NODES) {
    fl_node_fail(ctx, "eventual holds at most %d nodes (a counter record has a slot per node), "
                 "found %d", EV_MAX_NODES, s->nodes);
    return false;
  }
  if (s->cfg.r > s->cfg.n || s->cfg.w > s->cfg.n) {
    fl_node_fail(ctx, "expected r and w at most n = %d, found r = %d, w = %d", s->cfg.n,
                 s->cfg.r, s->cfg.w);
    return false;
  }
  /* The membership as it is now: a restarted node missed the changes made while it was down. */
  for (int i = 0; i < s->nodes; i++) s->member[i] = fl_node_is_member(ctx, i);
  ev_ring_init_members(&s->ring, s->nodes, s->cfg.tokens, s->member);
  return true;
}

/* A membership change (the timeline's join or leave, told to every node that is up at the
 * same instant, or later to a paused or busy one): rebuild the ring from this node's own copy
 * of the membership, changed one step at a time as the changes arrive (fl_node_is_member may
 * be ahead of them), count the keys whose preference list changed (n1 counts, over the keys up
 * to the largest it stored: keys_moved), and push each record this node holds to the replicas
 * the new ring adds for it (handoff_bytes). Anti-entropy finishes the move for the keys whose
 * other replicas held them. */
static void ev_on_membership(void *state, fl_node_ctx *ctx, int node, bool member) {
  ev_node *s = state;
  if (node < 0 || node >= s->nodes || s->nodes > EV_MAX_NODES || s->member[node] == member)
    return;
  s->member[node] = member;
  ev_ring fresh;
  ev_ring_init_members(&fresh, s->nodes, s->cfg.tokens, s->member);
  int a[EV_MAX_NODES * 64], b[EV_MAX_NODES * 64];
  int64_t moved = 0;
  for (int64_t k = 0; k < s->meta.max_key; k++) {
    int la = ev_ring_walk(&s->ring, k, a), lb = ev_ring_walk(&fresh, k, b);
    bool changed = false;
    for (int i = 0; i < s->cfg.n && i < lb; i++) {
      bool was = false;
      for (int j = 0; j < s->cfg.n && j < la; j++) was |= a[j] == b[i];
      changed |= !was;
      const ev_rec *r = ev_store_get(s, k);
      if (was || !r || b[i] == s->id) continue;
      ev_msg_rec m;
      memset(&m, 0, sizeof m);
      m.type = EV_AE_REC;
      m.hint_for = -1;
      m.has = 1;
      memcpy(&m.rec, r, sizeof m.rec);
      fl_node_send(ctx, b[i], &m, sizeof m);
      fl_node_metric_add(ctx, "handoff_bytes", (int64_t)sizeof m);
    }
    moved += changed;
  }
  if (s->id == 0) fl_node_metric_add(ctx, "keys_moved", moved);
  fl_node_annotate(ctx, "ring: %d members, %" G_GINT64_FORMAT " keys change replicas", fresh.members, moved);
  ev_ring_clear(&s->ring);
  s->ring = fresh;
}

static void arm(ev_node *s, fl_node_ctx *ctx) {
  /* The first round of each periodic task starts at a node-dependent offset so that the
   * nodes' exchanges do not all fall in the same instant. */
  int64_t off = (int64_t)fl_rng_below(fl_node_rng(ctx), 1000) * (s->cfg.anti_entropy_ns / 1000);
  fl_node_set_timer(ctx, s->cfg.anti_entropy_ns + off, EV_TAG(EV_T_AE, 0));
  fl_node_set_timer(ctx, s->cfg.handoff_ns, EV_TAG(EV_T_HANDOFF, 0));
}

static void *ev_init(fl_node_ctx *ctx) {
  ev_node *s = state_new(ctx);
  if (!config_ok(s, ctx)) return s;
  ev_store_load(s, ctx);
  arm(s, ctx);
  return s;
}

/* Request ids of a new incarnation start past any the old one used (answers to them may still
 * be in flight): a jump of 2^32 per restart, persisted. */
static void *ev_restart(fl_node_ctx *ctx) {
  ev_node *s = state_new(ctx);
  if (!config_ok(s, ctx)) return s;
  ev_store_load(s, ctx);
  s->meta.req_next = ((s->meta.req_next >> 32) + 1) << 32;
  ev_meta_save(s, ctx);
  arm(s, ctx);
  return s;
}

static void ev_free(void *state) {
  ev_node *s = state;
  if (!s) return;
  g_tree_destroy(s->store);
  g_tree_destroy(s->reqs);
  g_tree_destroy(s->hints);
  g_hash_table_destroy(s->last_seq);
  ev_ring_clear(&s->ring);
  g_free(s);
}

static void ev_on_message(void *state, fl_node_ctx *ctx, int from, const void *msg, size_t len) {
  ev_node *s = state;
  if (!s->ring.n_points || len < sizeof(uint32_t) || from < 0 || from >= s->nodes) return;
  s->suspected_until[from] = 0;
  ev_replica_message(s, ctx, from, msg, len);
}

static void ev_on_timer(void *state, fl_node_ctx *ctx, uint64_t tag) {
  ev_node *s = state;
  uint64_t kind = tag >> 56, id = tag & ((UINT64_C(1) << 56) - 1);
  if (kind == EV_T_REQ) {
    ev_coord_timer(s, ctx, id);
  } else if (kind == EV_T_HANDOFF) {
    ev_hints_handoff(s, ctx);
    fl_node_set_timer(ctx, s->cfg.handoff_ns, EV_TAG(EV_T_HANDOFF, 0));
  } else if (kind == EV_T_AE) {
    ev_ae_start(s, ctx);
    fl_node_set_timer(ctx, s->cfg.anti_entropy_ns, EV_TAG(EV_T_AE, 0));
  }
}

static void ev_on_client_request(void *state, fl_node_ctx *ctx, const fl_op *op) {
  ev_node *s = state;
  if (!s->ring.n_points) return;
  ev_coord_request(s, ctx, op);
}

static void ev_describe(const void *state, GString *out) {
  const ev_node *s = state;
  g_string_append_printf(out, "keys=%d hints=%d inflight=%d puts=%" G_GUINT64_FORMAT
                         " gets=%" G_GUINT64_FORMAT " repairs=%" G_GUINT64_FORMAT,
                         g_tree_nnodes(s->store), g_tree_nnodes(s->hints), g_tree_nnodes(s->reqs),
                         s->puts, s->gets, s->repairs);
}

static void ev_describe_msg(const void *msg, size_t len, GString *out) {
  static const char *const names[] = {"?",      "Put",  "PutAck",  "Get",  "GetReply", "Repair",
                                      "Hint",   "HintAck", "Tree", "Pull", "AeRec"};
  uint32_t type = 0;
  if (len >= sizeof type) memcpy(&type, msg, sizeof type);
  g_string_append(out, type < G_N_ELEMENTS(names) ? names[type] : "?");
  if (len == sizeof(ev_msg_rec)) {
    ev_msg_rec m;
    memcpy(&m, msg, sizeof m);
    g_string_append_printf(out, " #%" G_GUINT64_FORMAT " k%" G_GINT64_FORMAT, m.id, m.rec.key);
    if (m.has && m.rec.has_value)
      g_string_append_printf(out, "=%" G_GINT64_FORMAT "@%" G_GINT64_FORMAT, m.rec.value, m.rec.ts);
    if (type == EV_PUT && m.hint_for >= 0) g_string_append_printf(out, " hint-for n%d", m.hint_for + 1);
  } else if (len == sizeof(ev_msg_small)) {
    ev_msg_small m;
    memcpy(&m, msg, sizeof m);
    if (type == EV_PULL) g_string_append_printf(out, " leaves=%#" G_GINT64_MODIFIER "x", m.id);
    else g_string_append_printf(out, " #%" G_GUINT64_FORMAT, m.id);
    if (type == EV_GET) g_string_append_printf(out, " k%" G_GINT64_FORMAT, m.key);
  }
}

/* Every node is an equal replica: no leader. */
static void ev_status(const void *state, const fl_node_ctx *ctx, fl_node_status *out) {
  (void)state;
  (void)ctx;
  out->role = FL_ROLE_REPLICA;
}

static const fl_protocol eventual = {
    .api_version = FL_ACTOR_API_VERSION,
    .name = "eventual",
    .summary = "Dynamo-style eventually consistent store: ring, N/R/W, hinted handoff, "
               "read repair, Merkle anti-entropy, CRDT counters",
    .options = options,
    .init = ev_init,
    .on_message = ev_on_message,
    .on_timer = ev_on_timer,
    .on_client_request = ev_on_client_request,
    .on_restart = ev_restart,
    .free = ev_free,
    .describe = ev_describe,
    .describe_msg = ev_describe_msg,
    .status = ev_status,
    .invariant_new = ev_invariant_new,
    .check_invariants = ev_check_invariants,
    .check_final = ev_check_final,
    .invariant_free = ev_invariant_free,
    .on_membership = ev_on_membership,
};

const fl_protocol *fl_protocol_eventual(void) { return &eventual; }
