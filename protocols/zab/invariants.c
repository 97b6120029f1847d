/* invariants: ZAB's safety properties (Junqueira, Reed, Serafini 2011, section III), checked over
 * every node after every event.
 *
 *   agreement             every server that delivers a transaction at a position of the global
 *                         order delivers the same one there: the ghost keeps the delivered
 *                         sequence (the first server to deliver each position sets it);
 *   total order           a server delivers transactions in increasing zxid order;
 *   local primary order   within one epoch (one primary), a server delivers <e,c> right after
 *                         <e,c-1>, and an epoch's first delivery is <e,1>: nothing a primary
 *                         broadcast before is skipped;
 *   primary integrity     a leader becomes established (and broadcasts) only with every
 *                         transaction of an earlier epoch that anyone delivered in its
 *                         history, at the same position;
 *   one leader per epoch  at most one server is ever established as the leader of an epoch.
 *
 * Deliveries are read from each node's state (its history up to `applied`); establishments from
 * the note the leader leaves in the event (zab_note).
 */
#include "zab_int.h"

#include <string.h>

typedef struct seen {
  const zab_state *state;
  uint64_t applied;
  uint64_t last_zxid; /* of the last delivered transaction (or the snapshot's) */
} seen;

typedef struct ghost {
  int n;
  GArray *delivered; /* zab_txn at position 1, 2, ... */
  GArray *deliverer; /* int: the node that set it */
  GHashTable *leaders; /* epoch -> leader + 1; looked up, never iterated */
  seen *seen;
} ghost;

void *fl__zab_invariant_new(const fl_options *o, int n) {
  (void)o;
  ghost *g = g_new0(ghost, 1);
  g->n = n;
  g->delivered = g_array_new(FALSE, TRUE, sizeof(zab_txn));
  g->deliverer = g_array_new(FALSE, TRUE, sizeof(int));
  g->leaders = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
  g->seen = g_new0(seen, n);
  return g;
}

void fl__zab_invariant_free(void *p) {
  ghost *g = p;
  if (!g) return;
  g_array_free(g->delivered, TRUE);
  g_array_free(g->deliverer, TRUE);
  g_hash_table_destroy(g->leaders);
  g_free(g->seen);
  g_free(g);
}

static bool same(const zab_txn *a, const zab_txn *b) { return memcmp(a, b, sizeof *a) == 0; }

static bool check_established(ghost *g, int i, const zab_state *s, uint64_t epoch, GString *why) {
  gint64 key = (gint64)epoch;
  gpointer had = g_hash_table_lookup(g->leaders, &key);
  if (had && GPOINTER_TO_INT(had) != i + 1) {
    g_string_append_printf(why, "at most one established leader per epoch: n%d established epoch %"
                           G_GUINT64_FORMAT ", which n%d established before",
                           i + 1, epoch, GPOINTER_TO_INT(had));
    return false;
  }
  if (!had) {
    gint64 *k = g_new(gint64, 1);
    *k = key;
    g_hash_table_insert(g->leaders, k, GINT_TO_POINTER(i + 1));
  }
  uint64_t last = zab_last_pos(s);
  for (uint64_t p = s->hist.base + 1; p <= g->delivered->len; p++) {
    const zab_txn *d = &g_array_index(g->delivered, zab_txn, p - 1);
    /* Later epochs' come after in the order: a leader established late (paused while its
     * followers moved on) need not have them, and cannot broadcast to those followers. */
    if (ZAB_EPOCH(d->zxid) >= epoch) break;
    if (p <= last && same(zab_txn_at(s, p), d)) continue;
    g_string_append_printf(why, "primary integrity: n%d established epoch %" G_GUINT64_FORMAT " ",
                           i + 1, epoch);
    if (p > last) {
      g_string_append(why, "without ");
    } else {
      g_string_append(why, "with ");
      fl__zab_describe_txn(why, zab_txn_at(s, p));
      g_string_append_printf(why, " at position %" G_GUINT64_FORMAT " instead of ", p);
    }
    fl__zab_describe_txn(why, d);
    g_string_append_printf(why, ", which n%d delivered at position %" G_GUINT64_FORMAT,
                           g_array_index(g->deliverer, int, p - 1) + 1, p);
    return false;
  }
  return true;
}

static bool check_delivered(ghost *g, int i, const zab_state *s, seen *sn, GString *why) {
  uint64_t from = sn->applied + 1;
  if (from <= s->hist.base) {
    from = s->hist.base + 1;
    sn->last_zxid = s->hist.base_term;
  }
  for (uint64_t p = from; p <= s->applied; p++) {
    const zab_txn *t = zab_txn_at(s, p);
    uint64_t prev = sn->last_zxid;
    if (t->zxid <= prev) {
      g_string_append_printf(why, "total order: n%d delivered ", i + 1);
      fl__zab_describe_txn(why, t);
      g_string_append_printf(why, " at position %" G_GUINT64_FORMAT " after ", p);
      fl__zab_describe_zxid(why, prev);
      return false;
    }
    bool same_epoch = ZAB_EPOCH(t->zxid) == ZAB_EPOCH(prev);
    if ((same_epoch && ZAB_COUNTER(t->zxid) != ZAB_COUNTER(prev) + 1) ||
        (!same_epoch && ZAB_COUNTER(t->zxid) != 1)) {
      g_string_append_printf(why, "local primary order: n%d delivered ", i + 1);
      fl__zab_describe_txn(why, t);
      g_string_append(why, " right after ");
      fl__zab_describe_zxid(why, prev);
      return false;
    }
    if (p <= g->delivered->len) {
      const zab_txn *d = &g_array_index(g->delivered, zab_txn, p - 1);
      if (!same(d, t)) {
        g_string_append_printf(why, "agreement: n%d delivered ", i + 1);
        fl__zab_describe_txn(why, t);
        g_string_append_printf(why, " at position %" G_GUINT64_FORMAT ", but n%d delivered ", p,
                               g_array_index(g->deliverer, int, p - 1) + 1);
        fl__zab_describe_txn(why, d);
        g_string_append(why, " there");
        return false;
      }
    } else if (p == g->delivered->len + 1) {
      g_array_append_val(g->delivered, *t);
      g_array_append_val(g->deliverer, i);
    }
    sn->last_zxid = t->zxid;
  }
  sn->applied = s->applied;
  return true;
}

static bool check_node(ghost *g, int i, const zab_state *s, GString *why) {
  seen *sn = &g->seen[i];
  if (s != sn->state) { /* booted or restarted: it delivers again from its snapshot */
    sn->state = s;
    sn->applied = s->hist.base;
    sn->last_zxid = s->hist.base_term;
  }
  for (guint k = 0; k < s->notes->len; k++) {
    const zab_note *nt = &g_array_index(s->notes, zab_note, k);
    if (nt->kind == ZAB_NOTE_ESTABLISHED && !check_established(g, i, s, nt->epoch, why)) return false;
  }
  if (s->applied < sn->applied) { /* a SNAP replaced the state machine: from its base on */
    sn->applied = s->hist.base;
    sn->last_zxid = s->hist.base_term;
  }
  return check_delivered(g, i, s, sn, why);
}

bool fl__zab_check_invariants(void *p, const fl_cluster_view *v, GString *why) {
  ghost *g = p;
  int only = fl_view_changed_node(v);
  for (int i = only >= 0 ? only : 0; i < (only >= 0 ? only + 1 : g->n); i++) {
    const zab_state *s = fl_view_state(v, i);
    if (!s) {
      g->seen[i].state = NULL;
      continue;
    }
    if (!check_node(g, i, s, why)) return false;
  }
  return true;
}
