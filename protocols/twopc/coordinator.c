/* coordinator: runs a transaction's two (or three) phases and owns its decision.
 *
 * The decision is persisted before any participant hears it (the bug commit-before-log breaks
 * exactly this). A restarted coordinator resends every logged decision that was not yet
 * acknowledged by all; a query about a transaction of an earlier life it has no decision for
 * is answered abort (presumed abort), and that abort is logged first so that the answer can
 * never change. Once every participant acknowledged the decision it logs END and forgets the
 * transaction (twopc_int.h, Forgetting): ctxns holds only open transactions.
 */
#include "twopc_int.h"

static tp_ctxn *get(tp_node *s, uint64_t txid) { return g_tree_lookup(s->ctxns, &txid); }

static tp_ctxn *add(tp_node *s, uint64_t txid) {
  tp_ctxn *c = g_new0(tp_ctxn, 1);
  c->txid = txid;
  c->kv_kind = -1;
  g_tree_insert(s->ctxns, &c->txid, c);
  return c;
}

/* This life's transaction ids share their top 32 bits (coordinator, incarnation). */
static uint64_t life(const tp_node *s) {
  return ((uint64_t)s->id << 46) | ((uint64_t)s->incarnation << 32);
}

/* The oldest open transaction of this life, or the next id: ctxns is ordered by txid, and this
 * life's ids are above every earlier life's. */
uint64_t tp_coord_watermark(const tp_node *s) {
  uint64_t base = life(s);
  GTreeNode *n = g_tree_lower_bound(s->ctxns, &base);
  if (n) {
    uint64_t t = *(const uint64_t *)g_tree_node_key(n);
    if (t >> 32 == base >> 32) return t;
  }
  return base | ((uint64_t)s->counter + 1);
}

/* Coordinator -> participant messages carry the watermark. */
static void send_txid(tp_node *s, fl_node_ctx *ctx, int dst, uint32_t type, uint32_t arg,
                      uint64_t txid) {
  tp_send_txid(s, ctx, dst, type, arg, txid, tp_coord_watermark(s));
}

static void log_decision(tp_node *s, fl_node_ctx *ctx, tp_ctxn *c) {
  tp_rec r;
  memset(&r, 0, sizeof r);
  r.type = TP_REC_DECISION;
  r.arg = (uint32_t)c->decision;
  r.txid = c->txid;
  r.ts = c->ts;
  r.coord = (uint32_t)s->id;
  r.n_parts = c->n_parts;
  memcpy(r.parts, c->parts, sizeof r.parts);
  tp_persist(s, ctx, &r);
  c->logged = true;
}

/* An abort by timeout is the system's refusal (a participant or its votes were out of reach:
 * unavailability); one a participant voted for is the transaction's own answer. */
static void reply(tp_node *s, fl_node_ctx *ctx, tp_ctxn *c, int cause) {
  (void)s;
  if (!c->has_client) return;
  fl_op_result r;
  memset(&r, 0, sizeof r);
  r.redirect_to = -1;
  fl_reply_status no = cause == TP_CAUSE_TIMEOUT ? FL_REPLY_REFUSED : FL_REPLY_FAIL;
  if (c->kv_kind >= 0) { /* a kv operation: a read answers what it read */
    r.status = c->decision ? FL_REPLY_OK : no;
    if (c->decision && c->kv_kind == FL_OP_READ) {
      r.has_value = c->txn.mops[0].has_value != 0;
      r.value = c->txn.mops[0].value;
    }
    fl_node_reply(ctx, &c->txn.op, &r);
  } else if (c->decision) {
    r.status = FL_REPLY_OK;
    fl_node_reply_txn(ctx, &c->txn, &r);
  } else {
    r.status = no;
    fl_node_reply(ctx, &c->txn.op, &r);
  }
}

static void decide(tp_node *s, fl_node_ctx *ctx, tp_ctxn *c, int commit, int cause) {
  s->active--;
  c->phase = TP_C_DECIDED;
  c->decision = commit;
  if (!(commit && s->cfg.bug == TP_BUG_COMMIT_BEFORE_LOG)) log_decision(s, ctx, c);
  for (uint32_t i = 0; i < c->n_parts; i++)
    send_txid(s, ctx, c->parts[i], TP_DECISION, (uint32_t)commit, c->txid);
  if (commit) {
    s->committed++;
    fl_node_metric_add(ctx, "txn_committed", 1);
  } else {
    s->aborted++;
    fl_node_metric_add(ctx, cause == TP_CAUSE_CONFLICT  ? "txn_aborted_conflict"
                            : cause == TP_CAUSE_TIMEOUT ? "txn_aborted_timeout"
                                                        : "txn_aborted_vote_no",
                       1);
  }
  fl_node_annotate(ctx, "%s %s", commit ? "commit" : "abort",
                   cause == TP_CAUSE_CONFLICT ? "(conflict)"
                   : cause == TP_CAUSE_TIMEOUT ? "(timeout)"
                   : cause == TP_CAUSE_VOTE_NO ? "(vote no)" : "");
  reply(s, ctx, c, cause);
  fl_node_set_timer(ctx, s->cfg.retransmit_ns, TP_TAG(TP_T_RETRANSMIT, c->txid));
}

void tp_coord_request(tp_node *s, fl_node_ctx *ctx, const fl_op *op) {
  fl_op_result r;
  memset(&r, 0, sizeof r);
  r.redirect_to = -1;
  if (!s->cfg.home_coordinator && s->id != s->cfg.coordinator) {
    r.status = FL_REPLY_REDIRECT;
    r.redirect_to = s->cfg.coordinator;
    fl_node_reply(ctx, op, &r);
    return;
  }
  if (op->kind != FL_OP_TXN && op->kind != FL_OP_READ && op->kind != FL_OP_WRITE &&
      op->kind != FL_OP_CAS) {
    r.status = FL_REPLY_REFUSED; /* txn and kv workloads only */
    fl_node_reply(ctx, op, &r);
    return;
  }
  /* A client's seq grows by one per new operation: one not above the newest seen is a
   * duplicate (running or answered) or superseded (its client moved on): it starts nothing. */
  uint64_t *newest = g_hash_table_lookup(s->by_client, GUINT_TO_POINTER(op->client));
  if (newest && op->seq <= *newest) return;
  if (!newest) {
    newest = g_new(uint64_t, 1);
    g_hash_table_insert(s->by_client, GUINT_TO_POINTER(op->client), newest);
  }
  *newest = op->seq;
  uint64_t txid = life(s) | ++s->counter;
  tp_ctxn *c = add(s, txid);
  c->has_client = true;
  c->kv_kind = -1;
  int64_t expected = 0;
  if (op->kind == FL_OP_TXN) {
    fl_txn_copy(&c->txn, fl_op_txn(op));
  } else { /* a kv operation: a transaction of one micro-op */
    c->kv_kind = (int)op->kind;
    fl_op_copy(&c->txn.op, op);
    c->txn.n = 1;
    c->txn.mops[0].f = op->kind == FL_OP_READ ? FL_MOP_READ : op->kind == FL_OP_WRITE ? FL_MOP_WRITE : TP_MOP_CAS;
    c->txn.mops[0].key = op->key;
    c->txn.mops[0].value = op->kind == FL_OP_READ ? 0 : op->value;
    expected = op->expected;
  }
  c->ts = fl_node_now(ctx);
  c->phase = TP_C_VOTING;
  s->active++;
  /* Participants in the order their first key appears; each gets its micro-ops in order. */
  tp_msg_prepare m[TP_MAX];
  for (uint32_t i = 0; i < c->txn.n; i++) {
    const fl_micro_op *mo = &c->txn.mops[i];
    int p = tp_shard(&s->cfg, mo->key);
    int k = tp_part_index(c->parts, c->n_parts, p);
    if (k < 0) {
      k = (int)c->n_parts++;
      c->parts[k] = p;
      memset(&m[k], 0, sizeof m[k]);
    }
    tp_mop *x = &m[k].mops[m[k].n_mops++];
    x->f = mo->f;
    x->index = i;
    x->key = mo->key;
    x->value = mo->f != FL_MOP_READ ? mo->value : 0;
    x->expected = mo->f == TP_MOP_CAS ? expected : 0;
  }
  uint64_t done = tp_coord_watermark(s);
  for (uint32_t k = 0; k < c->n_parts; k++) {
    m[k].type = TP_PREPARE;
    m[k].coord = (uint32_t)s->id;
    m[k].txid = txid;
    m[k].ts = c->ts;
    m[k].done = done;
    m[k].n_parts = c->n_parts;
    memcpy(m[k].parts, c->parts, sizeof m[k].parts);
  }
  for (uint32_t k = 0; k < c->n_parts; k++) tp_send(s, ctx, c->parts[k], &m[k], sizeof m[k]);
  fl_node_set_timer(ctx, s->cfg.vote_timeout_ns, TP_TAG(TP_T_VOTE, txid));
}

void tp_coord_vote(tp_node *s, fl_node_ctx *ctx, int from, const tp_msg_vote *v) {
  tp_ctxn *c = get(s, v->txid);
  if (!c) return;
  int k = tp_part_index(c->parts, c->n_parts, from);
  if (k < 0) return;
  if (c->phase == TP_C_DECIDED) { /* a late or repeated vote: it still needs the outcome */
    if (!c->acked[k]) send_txid(s, ctx, from, TP_DECISION, (uint32_t)c->decision, c->txid);
    return;
  }
  if (c->phase != TP_C_VOTING || c->vote[k]) return;
  if (!v->yes) {
    c->vote[k] = 2;
    decide(s, ctx, c, 0, v->cause ? (int)v->cause : TP_CAUSE_VOTE_NO);
    return;
  }
  c->vote[k] = 1;
  for (uint32_t i = 0; i < v->n_mops; i++) {
    const tp_mop *x = &v->mops[i];
    if (x->index < c->txn.n && x->f == FL_MOP_READ) {
      c->txn.mops[x->index].has_value = x->has_value;
      c->txn.mops[x->index].value = x->value;
    }
  }
  for (uint32_t i = 0; i < c->n_parts; i++)
    if (c->vote[i] != 1) return;
  if (!s->cfg.three_phase) {
    decide(s, ctx, c, 1, TP_CAUSE_NONE);
    return;
  }
  c->phase = TP_C_PRECOMMIT;
  for (uint32_t i = 0; i < c->n_parts; i++) send_txid(s, ctx, c->parts[i], TP_PRECOMMIT, 0, c->txid);
  fl_node_set_timer(ctx, s->cfg.vote_timeout_ns, TP_TAG(TP_T_PRECOMMIT, c->txid));
}

static void query(tp_node *s, fl_node_ctx *ctx, int from, uint64_t txid) {
  tp_ctxn *c = get(s, txid);
  if (c && c->phase != TP_C_DECIDED) return; /* still deciding: the answer comes then */
  if (c) {
    send_txid(s, ctx, from, TP_DECISION, (uint32_t)c->decision, txid);
    return;
  }
  if ((int)(txid >> 46) != s->id) return; /* not ours */
  if (txid >> 32 == life(s) >> 32) {
    /* Of this life and gone: it ended, every participant acknowledged its decision, so this is
     * a late copy of a query, or one from a participant whose prepare came after the abort
     * (reordered). Only an abort can reach a participant still in doubt: say abort, but log
     * nothing, as a logged abort could contradict the commit the transaction ended with. */
    if ((txid & 0xffffffffu) > s->counter) return; /* never started: a forged id */
    send_txid(s, ctx, from, TP_DECISION, 0, txid);
    return;
  }
  /* Presumed abort: no open decision in the log of an earlier life. Logged, so that the
   * answer never changes (the log is replayed: it opens nothing, having no participants). */
  tp_ctxn a;
  memset(&a, 0, sizeof a);
  a.txid = txid;
  a.decision = 0;
  log_decision(s, ctx, &a);
  fl_node_annotate(ctx, "presumed abort");
  send_txid(s, ctx, from, TP_DECISION, 0, txid);
}

void tp_coord_txid_msg(tp_node *s, fl_node_ctx *ctx, int from, const tp_msg_txid *m) {
  if (m->type == TP_QUERY) {
    query(s, ctx, from, m->txid);
    return;
  }
  tp_ctxn *c = get(s, m->txid);
  if (!c) return;
  int k = tp_part_index(c->parts, c->n_parts, from);
  if (k < 0) return;
  if (m->type == TP_PRECOMMIT_ACK) {
    if (c->phase != TP_C_PRECOMMIT) return;
    c->pc_ack[k] = 1;
    for (uint32_t i = 0; i < c->n_parts; i++)
      if (!c->pc_ack[i]) return;
    decide(s, ctx, c, 1, TP_CAUSE_NONE);
    return;
  }
  /* TP_DECISION_ACK */
  if (c->phase != TP_C_DECIDED) return;
  if (!c->logged) log_decision(s, ctx, c); /* commit-before-log: logged only now */
  c->acked[k] = 1;
  if (c->ended) return;
  for (uint32_t i = 0; i < c->n_parts; i++)
    if (!c->acked[i]) return;
  c->ended = true;
  tp_rec r;
  memset(&r, 0, sizeof r);
  r.type = TP_REC_END;
  r.txid = c->txid;
  r.coord = (uint32_t)s->id;
  tp_persist(s, ctx, &r);
  g_tree_remove(s->ctxns, &r.txid); /* nobody will ask again: forget it (frees c) */
}

void tp_coord_timer(tp_node *s, fl_node_ctx *ctx, int kind, uint64_t txid) {
  tp_ctxn *c = get(s, txid);
  if (!c) return;
  if (kind == TP_T_VOTE && c->phase == TP_C_VOTING) {
    decide(s, ctx, c, 0, TP_CAUSE_TIMEOUT);
  } else if (kind == TP_T_PRECOMMIT && c->phase == TP_C_PRECOMMIT) {
    /* 3PC: a participant that did not acknowledge is presumed crashed; it will learn the
     * outcome by termination. Under a partition this is where atomicity is lost. */
    decide(s, ctx, c, 1, TP_CAUSE_NONE);
  } else if (kind == TP_T_RETRANSMIT && c->phase == TP_C_DECIDED && !c->ended) {
    for (uint32_t i = 0; i < c->n_parts; i++)
      if (!c->acked[i]) send_txid(s, ctx, c->parts[i], TP_DECISION, (uint32_t)c->decision, txid);
    fl_node_set_timer(ctx, s->cfg.retransmit_ns, TP_TAG(TP_T_RETRANSMIT, txid));
  }
}

void tp_coord_recover(tp_node *s, fl_node_ctx *ctx, const tp_rec *r) {
  (void)ctx;
  if (r->coord != (uint32_t)s->id) return;
  if (r->type == TP_REC_DECISION) {
    if (s->cfg.bug == TP_BUG_FORGET_DECISIONS) return;
    if (!r->n_parts) return; /* a presumed abort: nobody to tell, nothing open */
    tp_ctxn *c = get(s, r->txid);
    if (!c) c = add(s, r->txid);
    c->phase = TP_C_DECIDED;
    c->decision = (int)r->arg;
    c->logged = true;
    c->ts = r->ts;
    c->n_parts = r->n_parts;
    memcpy(c->parts, r->parts, sizeof c->parts);
  } else if (r->type == TP_REC_END) {
    g_tree_remove(s->ctxns, &r->txid); /* ended: forgotten again */
  }
}

/* Resends, in log order, every decision not yet acknowledged by all. */
void tp_coord_resume(tp_node *s, fl_node_ctx *ctx) {
  size_t len;
  const void *p;
  for (uint64_t key = s->base; (p = fl_node_load(ctx, key, &len)) != NULL; key++) {
    tp_rec r;
    if (!tp_rec_read(p, len, &r) || r.type != TP_REC_DECISION || r.coord != (uint32_t)s->id)
      continue;
    tp_ctxn *c = get(s, r.txid);
    if (!c || c->ended || c->phase != TP_C_DECIDED) continue;
    for (uint32_t i = 0; i < c->n_parts; i++)
      send_txid(s, ctx, c->parts[i], TP_DECISION, (uint32_t)c->decision, c->txid);
    fl_node_set_timer(ctx, s->cfg.retransmit_ns, TP_TAG(TP_T_RETRANSMIT, c->txid));
  }
}
