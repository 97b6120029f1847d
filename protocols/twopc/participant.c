/* participant: locks a transaction's keys, votes (persisting the vote first), and applies the
 * outcome it is told.
 *
 * A participant that has not voted may abort on its own (its lock wait timed out, it was
 * wounded, a peer asked it during termination): it logs a no vote, which the coordinator can
 * then never outvote. One that voted yes is in doubt: it keeps its locks until it learns the
 * outcome from the coordinator or, by termination, from a peer. The in-doubt time per vote is
 * the blocking window the metrics report (blocked_ns, blocked_max_ns).
 *
 * Decided, a transaction leaves ptxns at the end of the hook; its outcome stays in `finished`
 * until the coordinator's watermark passes it (twopc_int.h, Forgetting). A late decision for
 * it is acknowledged again and never applied again; a late prepare gets the old vote (or, past
 * the watermark, nothing) and never locks.
 */
#include "twopc_int.h"

tp_ptxn *tp_part_get(tp_node *s, uint64_t txid) { return g_hash_table_lookup(s->ptxns, &txid); }

/* Below the watermark of the transaction's coordinator (of the same life). */
static bool below_done(const tp_node *s, uint64_t txid) {
  int coord = (int)(txid >> 46);
  if (coord >= s->n) return false;
  uint64_t w = s->done[coord];
  return w && txid >> 32 == w >> 32 && txid < w;
}

int tp_part_past(const tp_node *s, uint64_t txid) {
  gpointer outcome;
  if (g_tree_lookup_extended(s->finished, &txid, NULL, &outcome)) return GPOINTER_TO_INT(outcome);
  return below_done(s, txid) ? -2 : -1;
}

void tp_part_learn_done(tp_node *s, int coord, uint64_t done) {
  if (coord < 0 || coord >= s->n || done >> 46 != (uint64_t)coord) return;
  if (done <= s->done[coord]) return; /* stale (ids grow across lives too) */
  s->done[coord] = done;
  /* Forget the outcomes of this life below it: nobody can ask about them any more. */
  uint64_t from = done & ~(uint64_t)0xffffffffu;
  GTreeNode *n;
  while ((n = g_tree_lower_bound(s->finished, &from)) != NULL) {
    uint64_t t = *(const uint64_t *)g_tree_node_key(n);
    if (t >= done) break;
    g_tree_remove(s->finished, &t);
  }
}

void tp_part_retire(tp_node *s) {
  for (guint i = 0; i < s->retire->len; i++) {
    uint64_t txid = g_array_index(s->retire, uint64_t, i);
    tp_ptxn *p = tp_part_get(s, txid);
    if (!p || (p->state != TP_P_COMMITTED && p->state != TP_P_ABORTED)) continue;
    if (!below_done(s, txid))
      g_tree_insert(s->finished, g_memdup2(&txid, sizeof txid),
                    GINT_TO_POINTER(p->state == TP_P_COMMITTED));
    g_hash_table_remove(s->ptxns, &txid); /* frees p; its locks were released */
  }
  g_array_set_size(s->retire, 0);
}

/* p reached its outcome: retired when the hook ends (callers still use p until then). */
static void retire_later(tp_node *s, const tp_ptxn *p) { g_array_append_val(s->retire, p->txid); }

static tp_ptxn *add(tp_node *s, uint64_t txid) {
  tp_ptxn *p = g_new0(tp_ptxn, 1);
  p->txid = txid;
  g_hash_table_insert(s->ptxns, &p->txid, p);
  return p;
}

static void sort_keys(tp_ptxn *p) {
  p->n_keys = 0;
  for (uint32_t i = 0; i < p->n_mops; i++) {
    int64_t k = p->mops[i].key;
    uint32_t j = 0;
    while (j < p->n_keys && p->keys[j] < k) j++;
    if (j < p->n_keys && p->keys[j] == k) continue;
    memmove(&p->keys[j + 1], &p->keys[j], (p->n_keys - j) * sizeof p->keys[0]);
    p->keys[j] = k;
    p->n_keys++;
  }
}

static void send_vote(tp_node *s, fl_node_ctx *ctx, const tp_ptxn *p) {
  tp_msg_vote v;
  memset(&v, 0, sizeof v);
  v.type = TP_VOTE;
  v.txid = p->txid;
  v.yes = p->state != TP_P_ABORTED && p->state != TP_P_WAITING;
  v.cause = v.yes ? TP_CAUSE_NONE : (uint32_t)p->cause;
  if (v.yes) {
    v.n_mops = p->n_mops;
    memcpy(v.mops, p->mops, sizeof v.mops);
  }
  tp_send(s, ctx, p->coord, &v, sizeof v);
}

/* A late prepare of a transaction decided here: its vote again (a commit was a yes). */
static void send_past_vote(tp_node *s, fl_node_ctx *ctx, int coord, uint64_t txid, int outcome) {
  tp_msg_vote v;
  memset(&v, 0, sizeof v);
  v.type = TP_VOTE;
  v.txid = txid;
  v.yes = outcome == 1;
  v.cause = v.yes ? TP_CAUSE_NONE : TP_CAUSE_VOTE_NO;
  tp_send(s, ctx, coord, &v, sizeof v);
}

static void log_vote(tp_node *s, fl_node_ctx *ctx, const tp_ptxn *p, bool yes) {
  tp_rec r;
  memset(&r, 0, sizeof r);
  r.type = TP_REC_VOTE;
  r.arg = yes;
  r.txid = p->txid;
  r.ts = p->ts;
  r.at = p->voted_at;
  r.coord = (uint32_t)p->coord;
  r.n_parts = p->n_parts;
  memcpy(r.parts, p->parts, sizeof r.parts);
  r.n_mops = yes ? p->n_mops : 0;
  memcpy(r.mops, p->mops, sizeof r.mops);
  tp_persist(s, ctx, &r);
}

static void doubt_timer(fl_node_ctx *ctx, const tp_ptxn *p, int64_t delay) {
  fl_node_set_timer(ctx, delay, TP_TAG(TP_T_DOUBT, p->txid));
}

/* Every key is locked: read under the locks (a read sees the transaction's own earlier
 * writes), log the yes vote, then send it. */
static void vote_yes(tp_node *s, fl_node_ctx *ctx, tp_ptxn *p) {
  for (uint32_t i = 0; i < p->n_mops; i++) {
    tp_mop *m = &p->mops[i];
    if (m->f == FL_MOP_WRITE) continue;
    bool has = false;
    int64_t value = 0;
    for (uint32_t j = i; j-- > 0;)
      if (p->mops[j].f != FL_MOP_READ && p->mops[j].key == m->key) {
        has = true;
        value = p->mops[j].value;
        break;
      }
    if (!has) {
      const int64_t *v = g_tree_lookup(s->store, &m->key);
      if (v) has = true, value = *v;
    }
    if (m->f == TP_MOP_CAS) {
      if (!has || value != m->expected) { /* the compare fails: definitely not done */
        tp_part_abort_unvoted(s, ctx, p, TP_CAUSE_VOTE_NO);
        return;
      }
      continue;
    }
    m->has_value = has;
    m->value = value;
  }
  p->state = TP_P_VOTED;
  p->voted_at = fl_node_now(ctx);
  log_vote(s, ctx, p, true);
  s->in_doubt++;
  fl_node_metric_add(ctx, "txn_in_doubt", 1);
  send_vote(s, ctx, p);
  doubt_timer(ctx, p, s->cfg.decision_timeout_ns);
}

void tp_part_abort_unvoted(tp_node *s, fl_node_ctx *ctx, tp_ptxn *p, int cause) {
  if (p->state != TP_P_WAITING) return;
  tp_locks_release(s, p);
  p->state = TP_P_ABORTED;
  p->cause = cause;
  log_vote(s, ctx, p, false);
  if (p->coord >= 0) send_vote(s, ctx, p);
  retire_later(s, p);
}

void tp_part_continue(tp_node *s, fl_node_ctx *ctx, tp_ptxn *p) {
  bool conflict;
  if (tp_locks_acquire(s, ctx, p, &conflict)) vote_yes(s, ctx, p);
  else if (conflict) tp_part_abort_unvoted(s, ctx, p, TP_CAUSE_CONFLICT);
}

void tp_part_prepare(tp_node *s, fl_node_ctx *ctx, int from, const tp_msg_prepare *m) {
  (void)from;
  tp_ptxn *p = tp_part_get(s, m->txid);
  if (p) {
    /* A repeated prepare: the vote, once cast, is only repeated. */
    if (p->state != TP_P_WAITING) send_vote(s, ctx, p);
    return;
  }
  int past = tp_part_past(s, m->txid);
  if (past >= 0) { /* decided here already: never locked again */
    send_past_vote(s, ctx, (int)m->coord, m->txid, past);
    return;
  }
  if (past == -2) return; /* ended everywhere: a late copy nobody waits for */
  p = add(s, m->txid);
  p->ts = m->ts;
  p->coord = (int)m->coord;
  p->n_parts = m->n_parts;
  memcpy(p->parts, m->parts, sizeof p->parts);
  p->n_mops = m->n_mops;
  memcpy(p->mops, m->mops, sizeof p->mops);
  sort_keys(p);
  p->state = TP_P_WAITING;
  fl_node_set_timer(ctx, s->cfg.lock_timeout_ns, TP_TAG(TP_T_LOCK, p->txid));
  tp_part_continue(s, ctx, p);
}

static void apply(tp_node *s, const tp_ptxn *p) {
  for (uint32_t i = 0; i < p->n_mops; i++) {
    if (p->mops[i].f == FL_MOP_READ) continue;
    int64_t *k = g_new(int64_t, 1), *v = g_new(int64_t, 1);
    *k = p->mops[i].key;
    *v = p->mops[i].value;
    g_tree_replace(s->store, k, v);
  }
}

static void log_outcome(tp_node *s, fl_node_ctx *ctx, const tp_ptxn *p, int commit) {
  tp_rec r;
  memset(&r, 0, sizeof r);
  r.type = TP_REC_OUTCOME;
  r.arg = (uint32_t)commit;
  r.txid = p->txid;
  r.coord = (uint32_t)p->coord;
  r.n_parts = p->n_parts;
  memcpy(r.parts, p->parts, sizeof r.parts);
  tp_persist(s, ctx, &r);
}

void tp_part_decide(tp_node *s, fl_node_ctx *ctx, tp_ptxn *p, int commit) {
  if (p->state == TP_P_WAITING) {
    if (!commit) tp_part_abort_unvoted(s, ctx, p, TP_CAUSE_VOTE_NO);
    return; /* a commit for a transaction it never voted on cannot be honoured */
  }
  if (p->state != TP_P_VOTED && p->state != TP_P_PRECOMMITTED) return;
  log_outcome(s, ctx, p, commit);
  if (commit) apply(s, p);
  tp_locks_release(s, p);
  p->state = commit ? TP_P_COMMITTED : TP_P_ABORTED;
  p->terminating = false;
  retire_later(s, p);
  int64_t blocked = fl_node_now(ctx) - p->voted_at;
  if (blocked < 0) blocked = 0;
  fl_node_metric_add(ctx, "blocked_ns", blocked);
  fl_node_metric_max(ctx, "blocked_max_ns", blocked);
  s->in_doubt--;
  fl_node_metric_add(ctx, "txn_in_doubt", -1);
}

void tp_part_txid_msg(tp_node *s, fl_node_ctx *ctx, int from, const tp_msg_txid *m) {
  tp_ptxn *p = tp_part_get(s, m->txid);
  switch (m->type) {
  case TP_DECISION:
    if (p) {
      tp_part_decide(s, ctx, p, (int)m->arg);
    } else if (tp_part_past(s, m->txid) != -1) {
      /* Decided here already (or ended everywhere): acknowledged again, never re-applied. */
    } else if (m->arg && s->cfg.bug == TP_BUG_FORGET_PREPARE) {
      /* The bug: it forgot it voted yes, so it takes the transaction for one it never
       * prepared, and aborts it on its own. */
      p = add(s, m->txid);
      p->coord = -1;
      p->state = TP_P_ABORTED;
      log_outcome(s, ctx, p, 0);
      fl_node_annotate(ctx, "aborts a transaction it forgot it prepared");
      retire_later(s, p);
    } else if (!m->arg) {
      /* An abort before the prepare (lost, or overtaken): logged as a no vote, so that a
       * prepare that still comes, even after a restart, is answered no instead of locking.
       * Nobody to send that vote to (coord -1): the coordinator decided. */
      p = add(s, m->txid);
      p->coord = -1;
      p->state = TP_P_WAITING;
      tp_part_abort_unvoted(s, ctx, p, TP_CAUSE_VOTE_NO);
    }
    tp_send_txid(s, ctx, from, TP_DECISION_ACK, 0, m->txid, 0);
    break;
  case TP_PRECOMMIT:
    if (!p || (p->state != TP_P_VOTED && p->state != TP_P_PRECOMMITTED)) break;
    if (p->state == TP_P_VOTED) {
      tp_rec r;
      memset(&r, 0, sizeof r);
      r.type = TP_REC_PRECOMMIT;
      r.txid = p->txid;
      r.coord = (uint32_t)p->coord;
      tp_persist(s, ctx, &r);
      p->state = TP_P_PRECOMMITTED;
    }
    tp_send_txid(s, ctx, from, TP_PRECOMMIT_ACK, 0, m->txid, 0);
    break;
  case TP_STATE_REQ: tp_term_state_req(s, ctx, from, m->txid); break;
  case TP_STATE: tp_term_state(s, ctx, from, m->txid, (int)m->arg); break;
  default: break;
  }
}

void tp_part_timer(tp_node *s, fl_node_ctx *ctx, int kind, uint64_t txid) {
  tp_ptxn *p = tp_part_get(s, txid);
  if (!p) return;
  if (kind == TP_T_LOCK && p->state == TP_P_WAITING) {
    fl_node_annotate(ctx, "lock wait timed out: abort");
    tp_part_abort_unvoted(s, ctx, p, TP_CAUSE_TIMEOUT);
  } else if (kind == TP_T_DOUBT && (p->state == TP_P_VOTED || p->state == TP_P_PRECOMMITTED)) {
    tp_term_doubt_timer(s, ctx, p);
  } else if (kind == TP_T_TERMINATE) {
    tp_term_collect_timer(s, ctx, p);
  }
}

/* Rebuilds from the log, in order: votes and pre-commits make in-doubt transactions, outcomes
 * settle them and replay committed writes into the store. */
void tp_part_recover(tp_node *s, fl_node_ctx *ctx, const tp_rec *r) {
  (void)ctx;
  tp_ptxn *p = tp_part_get(s, r->txid);
  switch (r->type) {
  case TP_REC_VOTE:
    if (p) break;
    p = add(s, r->txid);
    p->ts = r->ts;
    p->coord = (int)r->coord;
    p->n_parts = r->n_parts;
    memcpy(p->parts, r->parts, sizeof p->parts);
    p->n_mops = r->n_mops;
    memcpy(p->mops, r->mops, sizeof p->mops);
    sort_keys(p);
    p->voted_at = r->at;
    p->state = r->arg ? TP_P_VOTED : TP_P_ABORTED;
    if (!r->arg) retire_later(s, p);
    break;
  case TP_REC_PRECOMMIT:
    if (p && p->state == TP_P_VOTED) p->state = TP_P_PRECOMMITTED;
    break;
  case TP_REC_OUTCOME:
    if (!p) {
      p = add(s, r->txid);
      p->coord = (int)r->coord;
    } else if (r->arg && p->state != TP_P_COMMITTED && s->next_key >= s->snap_key) {
      apply(s, p); /* (below snap_key, the loaded store has its writes and later ones) */
    }
    p->state = r->arg ? TP_P_COMMITTED : TP_P_ABORTED;
    retire_later(s, p);
    break;
  default: break;
  }
}

/* After the log is read: in-doubt transactions take their locks again and ask at once. With
 * the bug forget-prepare they are dropped instead, as if never prepared. */
void tp_part_resume(tp_node *s, fl_node_ctx *ctx) {
  size_t len;
  const void *d;
  for (uint64_t key = s->base; (d = fl_node_load(ctx, key, &len)) != NULL; key++) {
    tp_rec r;
    if (!tp_rec_read(d, len, &r) || r.type != TP_REC_VOTE || !r.arg) continue;
    tp_ptxn *p = tp_part_get(s, r.txid);
    if (!p || (p->state != TP_P_VOTED && p->state != TP_P_PRECOMMITTED) || p->n_held) continue;
    if (s->cfg.bug == TP_BUG_FORGET_PREPARE) {
      g_hash_table_remove(s->ptxns, &r.txid);
      continue;
    }
    /* In-doubt transactions held their locks together before the crash: they get them all. */
    int st = p->state;
    bool conflict;
    p->state = TP_P_WAITING;
    tp_locks_acquire(s, ctx, p, &conflict);
    p->state = st;
    s->in_doubt++;
    tp_term_doubt_timer(s, ctx, p);
  }
}
