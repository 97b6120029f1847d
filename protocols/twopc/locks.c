/* locks: exclusive locks on keys (reads lock too: simpler than shared locks, and still strict
 * two-phase locking, so committed transactions are serializable).
 *
 * A transaction takes its keys in ascending order, which rules out deadlock among the
 * transactions of one participant; a deadlock across participants is broken by the lock
 * timeout (2pl) or cannot form (wound-wait: only older transactions wait for younger ones that
 * have voted, and those finish without waiting). Waiters are queued FIFO per key; a queue
 * entry whose transaction stopped waiting is skipped when the key is handed on.
 */
#include "twopc_int.h"

static tp_lock *lock_of(tp_node *s, int64_t key, bool create) {
  tp_lock *l = g_tree_lookup(s->locks, &key);
  if (l || !create) return l;
  l = g_new0(tp_lock, 1);
  l->waiters = g_array_new(FALSE, TRUE, sizeof(uint64_t));
  int64_t *k = g_new(int64_t, 1);
  *k = key;
  g_tree_insert(s->locks, k, l);
  return l;
}

static bool older(const tp_ptxn *a, const tp_ptxn *b) {
  return a->ts != b->ts ? a->ts < b->ts : a->txid < b->txid;
}

/* Hands a free key to its first waiter still waiting on it; drops the lock when none. */
static void hand_on(tp_node *s, int64_t key, tp_lock *l) {
  while (l->waiters->len) {
    uint64_t t = g_array_index(l->waiters, uint64_t, 0);
    g_array_remove_index(l->waiters, 0);
    tp_ptxn *w = tp_part_get(s, t);
    if (w && w->state == TP_P_WAITING && w->waiting && w->keys[w->n_held] == key) {
      l->holder = t;
      w->n_held++;
      w->waiting = false;
      g_array_append_val(s->ready, t);
      return;
    }
  }
  g_tree_remove(s->locks, &key);
}

bool tp_locks_acquire(tp_node *s, fl_node_ctx *ctx, tp_ptxn *p, bool *conflict) {
  *conflict = false;
  while (p->n_held < p->n_keys) {
    int64_t key = p->keys[p->n_held];
    tp_lock *l = lock_of(s, key, true);
    if (l->holder == 0 || l->holder == p->txid) {
      l->holder = p->txid;
      p->n_held++;
      continue;
    }
    tp_ptxn *h = tp_part_get(s, l->holder);
    if (s->cfg.locking == TP_LOCK_NO_WAIT) {
      *conflict = true;
      return false;
    }
    p->waiting = true;
    if (s->cfg.locking == TP_LOCK_WOUND_WAIT && h && h->state == TP_P_WAITING && older(p, h)) {
      /* Wound the younger holder that has not voted: it aborts, and the key is ours first. */
      g_array_prepend_val(l->waiters, p->txid);
      fl_node_annotate(ctx, "wound");
      tp_part_abort_unvoted(s, ctx, h, TP_CAUSE_CONFLICT);
      return false;
    }
    g_array_append_val(l->waiters, p->txid);
    return false;
  }
  return true;
}

void tp_locks_release(tp_node *s, tp_ptxn *p) {
  for (uint32_t i = 0; i < p->n_held; i++) {
    tp_lock *l = lock_of(s, p->keys[i], false);
    if (l && l->holder == p->txid) {
      l->holder = 0;
      hand_on(s, p->keys[i], l);
    }
  }
  p->n_held = 0;
  p->waiting = false;
}
