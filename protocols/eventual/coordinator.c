/* The coordinator: any node takes a client's request, sends it to the key's preference list
 * (a fallback with a hint standing in for each replica it suspects), and answers after W
 * acknowledgements (writes) or R answers (reads). Suspicion is local and cheap: a target that
 * has not answered within `retry` is suspected, and the request goes to the next fallback on
 * the ring; any message from a node clears it. A request is kept until every target answered
 * or `request_timeout` passed, so that late answers still drive read repair and the staleness
 * measurements. */
#include "eventual_int.h"

static int popcount(uint32_t x) { return __builtin_popcount(x); }

/* Suspicion lasts 10 retry periods, then the node is tried again: a replica back from a crash
 * hears from every coordinator within that, not only from those that hold hints for it. */
void ev_suspect(ev_node *s, fl_node_ctx *ctx, int node) {
  s->suspected_until[node] = fl_node_now(ctx) + 10 * s->cfg.retry_ns;
}

bool ev_is_suspected(const ev_node *s, fl_node_ctx *ctx, int node) {
  return s->suspected_until[node] > fl_node_now(ctx);
}

static int64_t rec_value(const ev_node *s, const ev_rec *r) {
  if (s->cfg.counter_crdt) return ev_rec_counter(r);
  if (s->cfg.vclock) return ev_vc_pick(r);
  return r->has_value ? r->value : 0;
}

static void reply_ok(fl_node_ctx *ctx, ev_req *q, bool has_value, int64_t value) {
  fl_op_result r;
  memset(&r, 0, sizeof r);
  r.status = FL_REPLY_OK;
  r.redirect_to = -1;
  r.has_value = has_value;
  r.value = has_value ? value : 0;
  q->replied = true;
  fl_node_reply(ctx, &q->op, &r);
}

static void reply_read(ev_node *s, fl_node_ctx *ctx, ev_req *q) {
  if (s->cfg.vclock && q->rec.n_sib > 1) {
    fl_node_metric_add(ctx, "sibling_reads", 1);
    fl_node_metric_max(ctx, "siblings_max", q->rec.n_sib);
  }
  if (s->cfg.is_counter) reply_ok(ctx, q, true, rec_value(s, &q->rec));
  else if (s->cfg.vclock) reply_ok(ctx, q, q->rec.n_sib > 0, rec_value(s, &q->rec));
  else reply_ok(ctx, q, q->rec.has_value != 0, q->rec.value);
}

static void send_rec(fl_node_ctx *ctx, uint32_t type, int dst, int hint_for, uint64_t id,
                     const ev_rec *rec) {
  ev_msg_rec m;
  memset(&m, 0, sizeof m);
  m.type = type;
  m.hint_for = hint_for;
  m.id = id;
  m.has = 1;
  memcpy(&m.rec, rec, sizeof m.rec);
  fl_node_send(ctx, dst, &m, sizeof m);
}

static void send_get(fl_node_ctx *ctx, int dst, uint64_t id, int64_t key) {
  ev_msg_small m;
  memset(&m, 0, sizeof m);
  m.type = EV_GET;
  m.id = id;
  m.key = key;
  fl_node_send(ctx, dst, &m, sizeof m);
}

static void check_put_done(ev_node *s, fl_node_ctx *ctx, ev_req *q) {
  if (!q->replied && popcount(q->acked) >= s->cfg.w) reply_ok(ctx, q, false, 0);
}

/* Sends the request to target i (or does it here when the target is this node). */
static void send_to(ev_node *s, fl_node_ctx *ctx, ev_req *q, int i) {
  int t = q->targets[i];
  if (q->kind == EV_REQ_PUT) {
    if (t == s->id) {
      ev_store_apply(s, ctx, &q->rec, false);
      if (q->hint_for[i] >= 0) ev_hint_add(s, ctx, q->hint_for[i], &q->rec);
      q->acked |= 1u << t;
      check_put_done(s, ctx, q);
    } else {
      send_rec(ctx, EV_PUT, t, q->hint_for[i], q->id, &q->rec);
    }
  } else if (t == s->id) {
    ev_msg_rec m;
    memset(&m, 0, sizeof m);
    m.type = EV_GET_REPLY;
    m.id = q->id;
    const ev_rec *r = ev_store_get(s, q->op.key);
    m.has = r != NULL;
    if (r) memcpy(&m.rec, r, sizeof m.rec);
    else ev_rec_zero(&m.rec, q->op.key);
    ev_coord_answer(s, ctx, s->id, EV_GET_REPLY, &m, q->id);
  } else {
    send_get(ctx, t, q->id, q->op.key);
  }
}

/* The next node of the walk, past the preference list, that is neither suspected nor already
 * a target: the fallback for a suspected replica. -1 if none. */
static int fallback(const ev_node *s, fl_node_ctx *ctx, const ev_req *q, const int *walk, int len) {
  for (int j = s->cfg.n; j < len; j++) {
    int c = walk[j];
    bool used = false;
    for (int i = 0; i < q->n_targets; i++) used |= q->targets[i] == c;
    if (!used && (!ev_is_suspected(s, ctx, c) || c == s->id)) return c;
  }
  return -1;
}

static void start(ev_node *s, fl_node_ctx *ctx, ev_req *q) {
  int walk[EV_MAX_NODES * 64];
  int len = ev_ring_walk(&s->ring, q->op.key, walk);
  q->n_targets = 0;
  for (int i = 0; i < s->cfg.n && i < len; i++) {
    int t = walk[i], hint = -1;
    if (s->cfg.hinted_handoff && ev_is_suspected(s, ctx, t) && t != s->id) {
      int f = fallback(s, ctx, q, walk, len);
      if (f >= 0) hint = t, t = f;
    }
    q->targets[q->n_targets] = t;
    q->hint_for[q->n_targets] = hint;
    q->n_targets++;
  }
  for (int i = 0; i < q->n_targets; i++) send_to(s, ctx, q, i);
}

static ev_req *req_new(ev_node *s, fl_node_ctx *ctx, const fl_op *op, ev_req_kind kind) {
  ev_req *q = g_new0(ev_req, 1);
  q->id = s->meta.req_next++;
  fl_op_copy(&q->op, op);
  q->kind = kind;
  q->start_ns = fl_node_now(ctx);
  ev_rec_zero(&q->rec, op->key);
  g_tree_insert(s->reqs, &q->id, q);
  fl_node_set_timer(ctx, s->cfg.retry_ns, EV_TAG(EV_T_REQ, q->id));
  return q;
}

static void fail(fl_node_ctx *ctx, const fl_op *op) {
  fl_op_result r;
  memset(&r, 0, sizeof r);
  r.status = FL_REPLY_FAIL;
  r.redirect_to = -1;
  fl_node_reply(ctx, op, &r);
}

static void refuse(fl_node_ctx *ctx, const fl_op *op) {
  fl_op_result r;
  memset(&r, 0, sizeof r);
  r.status = FL_REPLY_REFUSED;
  r.redirect_to = -1;
  fl_node_reply(ctx, op, &r);
}

void ev_coord_request(ev_node *s, fl_node_ctx *ctx, const fl_op *op) {
  /* A request the network duplicated, or a client's resend, is taken once: an add applied
   * twice would be an increment nobody asked for. */
  gpointer last = g_hash_table_lookup(s->last_seq, GUINT_TO_POINTER(op->client + 1));
  if (last && (uint64_t)GPOINTER_TO_SIZE(last) >= op->seq) return;
  g_hash_table_insert(s->last_seq, GUINT_TO_POINTER(op->client + 1), GSIZE_TO_POINTER(op->seq));
  bool counter = s->cfg.is_counter;
  if (op->kind == FL_OP_READ) {
    ev_req *q = req_new(s, ctx, op, EV_REQ_GET);
    s->gets++;
    start(s, ctx, q);
  } else if (op->kind == FL_OP_WRITE && !counter && s->cfg.vclock) {
    /* Dynamo's get-then-put: the read's siblings are the write's context, so the new version
     * supersedes every version the coordinator saw, and stays beside those it did not. */
    ev_req *q = req_new(s, ctx, op, EV_REQ_VC_READ);
    start(s, ctx, q);
  } else if (op->kind == FL_OP_WRITE && !counter) {
    ev_req *q = req_new(s, ctx, op, EV_REQ_PUT);
    q->rec.ts = fl_node_now(ctx);
    q->rec.origin = s->id;
    q->rec.has_value = 1;
    q->rec.value = op->value;
    s->puts++;
    start(s, ctx, q);
  } else if (op->kind == FL_OP_ADD && counter) {
    if (s->cfg.value == EV_VAL_G_COUNTER && op->value < 0) {
      fail(ctx, op);
      return;
    }
    ev_tally_add(s, ctx, op->key, op->value);
    if (s->cfg.value == EV_VAL_LWW_COUNTER) {
      ev_req *q = req_new(s, ctx, op, EV_REQ_NAIVE_READ);
      start(s, ctx, q);
      return;
    }
    /* The CRDT: this node's own slot grows; the record with every slot it knows goes to the
     * replicas, which keep the pointwise maximum. */
    ev_rec mine;
    const ev_rec *cur = ev_store_get(s, op->key);
    if (cur) memcpy(&mine, cur, sizeof mine);
    else ev_rec_zero(&mine, op->key);
    if (op->value >= 0) mine.p[s->id] += op->value;
    else mine.m[s->id] -= op->value;
    mine.has_value = 1;
    ev_store_apply(s, ctx, &mine, false);
    ev_req *q = req_new(s, ctx, op, EV_REQ_PUT);
    memcpy(&q->rec, &mine, sizeof mine);
    s->puts++;
    start(s, ctx, q);
  } else {
    refuse(ctx, op); /* cas, and kinds of another workload: not offered by an AP store */
  }
}

/* Writes the read's answer back to target t (here, when t is this node: a coordinator may be a
 * fallback of its own read). */
static void repair(ev_node *s, fl_node_ctx *ctx, ev_req *q, int t) {
  q->repair_sent |= 1u << t;
  s->repairs++;
  fl_node_metric_add(ctx, "read_repairs", 1);
  if (t == s->id) {
    if (ev_store_apply(s, ctx, &q->returned, s->cfg.bug == EV_BUG_REPAIR_OVERWRITES)) ev_repaired(ctx);
    q->holders |= 1u << t;
  } else {
    send_rec(ctx, EV_REPAIR, t, -1, q->id, &q->returned);
  }
}

/* After R answers: a naive counter writes what it read plus its delta; a read answers with the
 * newest version and writes it back to those that lack it. */
static void reads_in(ev_node *s, fl_node_ctx *ctx, ev_req *q) {
  if (q->kind == EV_REQ_VC_READ) {
    ev_sib sib;
    memset(&sib, 0, sizeof sib);
    sib.value = q->op.value;
    for (uint32_t j = 0; j < q->rec.n_sib && j < EV_MAX_SIBLINGS; j++)
      for (int i = 0; i < EV_MAX_NODES; i++)
        if (q->rec.sib[j].vc[i] > sib.vc[i]) sib.vc[i] = q->rec.sib[j].vc[i];
    uint64_t mine = sib.vc[s->id] > s->meta.vc_counter ? sib.vc[s->id] : s->meta.vc_counter;
    s->meta.vc_counter = mine + 1;
    ev_meta_save(s, ctx); /* an entry is never reused after a crash */
    sib.vc[s->id] = (uint32_t)(mine + 1);
    ev_rec_zero(&q->rec, q->op.key);
    q->rec.ts = fl_node_now(ctx);
    q->rec.origin = s->id;
    q->rec.has_value = 1;
    q->rec.value = q->op.value;
    q->rec.n_sib = 1;
    memcpy(&q->rec.sib[0], &sib, sizeof sib);
    q->kind = EV_REQ_PUT;
    q->acked = 0;
    s->puts++;
    for (int i = 0; i < q->n_targets; i++) send_to(s, ctx, q, i);
    return;
  }
  if (q->kind == EV_REQ_NAIVE_READ) {
    int64_t v = rec_value(s, &q->rec) + q->op.value;
    ev_rec_zero(&q->rec, q->op.key);
    q->rec.ts = fl_node_now(ctx);
    q->rec.origin = s->id;
    q->rec.has_value = 1;
    q->rec.value = v;
    q->kind = EV_REQ_PUT;
    q->acked = 0;
    s->puts++;
    for (int i = 0; i < q->n_targets; i++) send_to(s, ctx, q, i);
    return;
  }
  q->repairing = true;
  q->returned_ts = q->rec.ts;
  memcpy(&q->returned, &q->rec, sizeof q->returned);
  if (s->cfg.read_repair != EV_RR_BLOCKING || popcount(q->holders) >= s->cfg.w) reply_read(s, ctx, q);
  if (s->cfg.read_repair == EV_RR_OFF) return;
  for (int i = 0; i < q->n_targets; i++) {
    int t = q->targets[i];
    if (q->holders & (1u << t)) continue;
    if (s->cfg.bug != EV_BUG_REPAIR_OVERWRITES && !(q->answered & (1u << t))) continue;
    repair(s, ctx, q, t);
  }
  if (!q->replied && popcount(q->holders) >= s->cfg.w) reply_read(s, ctx, q);
}

void ev_coord_answer(ev_node *s, fl_node_ctx *ctx, int from, uint32_t type, const ev_msg_rec *m,
                     uint64_t ack_id) {
  ev_req *q = g_tree_lookup(s->reqs, &ack_id);
  if (!q || from < 0 || from >= EV_MAX_NODES) return;
  uint32_t bit = 1u << from;
  if (type == EV_PUT_ACK) {
    if (q->kind == EV_REQ_PUT) {
      q->acked |= bit;
      check_put_done(s, ctx, q);
    } else if (q->kind == EV_REQ_GET && q->repairing && (q->repair_sent & bit)) {
      q->holders |= bit;
      if (!q->replied && popcount(q->holders) >= s->cfg.w) reply_read(s, ctx, q);
    }
    return;
  }
  if (type != EV_GET_REPLY || q->kind == EV_REQ_PUT || (q->answered & bit)) return;
  q->answered |= bit;
  q->answers++;
  ev_rec got;
  if (m->has) memcpy(&got, &m->rec, sizeof got);
  else ev_rec_zero(&got, q->op.key);
  if (m->has && got.ts > q->newest_ts_seen) q->newest_ts_seen = got.ts;
  if (!q->repairing) {
    if (ev_rec_merge(&q->rec, &got, s->cfg.merge)) {
      q->holders = 0;
      for (int i = 0; i < EV_MAX_NODES; i++)
        if ((q->answered & (1u << i)) && ev_rec_covers(&q->ans[i], &q->rec, s->cfg.merge))
          q->holders |= 1u << i;
    }
    memcpy(&q->ans[from], &got, sizeof got);
    if (ev_rec_covers(&got, &q->rec, s->cfg.merge)) q->holders |= bit;
    if (q->answers >= s->cfg.r) reads_in(s, ctx, q);
    return;
  }
  /* A late answer: measure how far behind what we returned was, and repair the replica. */
  memcpy(&q->ans[from], &got, sizeof got);
  if (ev_rec_covers(&got, &q->returned, s->cfg.merge)) {
    q->holders |= bit;
  } else if (s->cfg.read_repair != EV_RR_OFF && !(q->repair_sent & bit)) {
    repair(s, ctx, q, from);
  }
}

/* At the end of a read: versions newer than the one returned that some target held, and how
 * long before the read answered the newest of them was stamped (its t-visibility lag). Both are
 * lower bounds of the true staleness: only the targets' answers are seen. */
static void measure(ev_node *s, fl_node_ctx *ctx, const ev_req *q) {
  if (q->kind != EV_REQ_GET || !q->repairing || s->cfg.counter_crdt) return;
  fl_node_metric_add(ctx, "reads", 1);
  int64_t newer[EV_MAX_NODES];
  int n_newer = 0;
  for (int i = 0; i < EV_MAX_NODES; i++) {
    if (!(q->answered & (1u << i)) || ev_rec_covers(&q->returned, &q->ans[i], s->cfg.merge)) continue;
    bool dup = false;
    for (int j = 0; j < n_newer; j++) dup |= newer[j] == q->ans[i].ts;
    if (!dup) newer[n_newer++] = q->ans[i].ts;
  }
  if (n_newer == 0) return;
  s->stale_reads++;
  fl_node_metric_add(ctx, "stale_reads", 1);
  fl_node_metric_max(ctx, "stale_versions_max", n_newer);
  fl_node_metric_max(ctx, "stale_lag_max_ns", q->newest_ts_seen - q->returned_ts);
}

void ev_coord_timer(ev_node *s, fl_node_ctx *ctx, uint64_t id) {
  ev_req *q = g_tree_lookup(s->reqs, &id);
  if (!q) return;
  uint32_t all = 0;
  for (int i = 0; i < q->n_targets; i++) all |= 1u << q->targets[i];
  uint32_t done = q->kind == EV_REQ_PUT ? q->acked : q->answered;
  bool expired = fl_node_now(ctx) - q->start_ns >= s->cfg.request_timeout_ns;
  /* A write answered is done: replicas that missed it are left to hints, read repair and
   * anti-entropy, as in Dynamo (retrying them until every one acknowledged would hide the
   * store's repair mechanisms behind the coordinator's). An answered read waits, without
   * asking again, for the late answers that drive its repairs and measurements. */
  if (q->replied && q->kind == EV_REQ_PUT)
    for (int i = 0; i < q->n_targets; i++)
      if (!(done & (1u << q->targets[i]))) ev_suspect(s, ctx, q->targets[i]);
  if ((q->replied && (q->kind == EV_REQ_PUT || (done & all) == all)) || expired) {
    measure(s, ctx, q);
    g_tree_remove(s->reqs, &id);
    return;
  }
  if (q->replied) {
    fl_node_set_timer(ctx, s->cfg.retry_ns, EV_TAG(EV_T_REQ, id));
    return;
  }
  /* Suspect the silent targets; each gets the request again, and a fallback stands in for it
   * (a hint for a replica, or another fallback for a fallback's replica). */
  int walk[EV_MAX_NODES * 64];
  int len = ev_ring_walk(&s->ring, q->op.key, walk);
  int n0 = q->n_targets;
  for (int i = 0; i < n0; i++) {
    int t = q->targets[i];
    if (done & (1u << t)) continue;
    ev_suspect(s, ctx, t);
    send_to(s, ctx, q, i);
    if (!s->cfg.hinted_handoff || q->n_targets >= EV_MAX_NODES) continue;
    int f = fallback(s, ctx, q, walk, len);
    if (f < 0) continue;
    q->targets[q->n_targets] = f;
    q->hint_for[q->n_targets] = q->hint_for[i] >= 0 ? q->hint_for[i] : t;
    q->n_targets++;
    send_to(s, ctx, q, q->n_targets - 1);
  }
  fl_node_set_timer(ctx, s->cfg.retry_ns, EV_TAG(EV_T_REQ, id));
}
