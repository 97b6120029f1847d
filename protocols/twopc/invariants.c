/* invariants: atomicity, votes and decisions that never change, and no commit without every
 * yes vote, checked after every event from the nodes' durable logs (readable while a node is
 * crashed, and what a recovery would act on).
 *
 * Ghost state: how far each node's log has been read, and per open transaction what each node
 * logged (vote, outcome) and the coordinator's decision. Only the node whose state changed is
 * read again (fl_view_changed_node), from where the last check stopped: logs only grow, so a
 * check costs the records appended since. Transactions are looked up by id in a hash table,
 * never iterated.
 *
 * What is kept once a transaction ended. Its coordinator logs END when every participant
 * acknowledged the decision, that is after each logged its outcome, each checked against the
 * decision then: the four invariants can no longer be broken by what was logged, only by a
 * record that comes later. So at END the transaction's facts are dropped and only its id is
 * kept, in `ended`, a set of ranges of ids (a coordinator numbers its transactions 1, 2, ...
 * per life and they end nearly in order, so the set stays as small as the number of
 * transactions in flight). A later vote, pre-commit, outcome or decision for an ended
 * transaction is a violation (a participant that prepared it again, a coordinator that decided
 * it again), except a presumed abort (a decision with no participants): a coordinator restarted
 * since answers a late query that way, which reaches nobody in doubt. Transactions that never
 * end (presumed aborted after their coordinator crashed undecided) keep their facts: as many as
 * the transactions in flight at its crashes.
 */
#include "twopc_int.h"

typedef struct gtx {
  int8_t decision;  /* -1 none, 0 abort, 1 commit */
  int decision_node;
  int8_t *vote;     /* per node: -1 none, 0 no, 1 yes */
  int8_t *outcome;  /* per node: -1 none, 0 abort, 1 commit (a no vote counts as abort) */
} gtx;

typedef struct ghost {
  int n;
  uint64_t *next;   /* per node: the next log key to read */
  GHashTable *txns; /* txid -> gtx, transactions not ended */
  GTree *ended;     /* range (lo: its key, hi: its value, both uint64 owned) of ended txids */
  GString *id;
} ghost;

static int cmp_u64(gconstpointer a, gconstpointer b, gpointer unused) {
  (void)unused;
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* The range holding the largest lo <= t, or NULL. */
static GTreeNode *range_at(ghost *g, uint64_t t) {
  GTreeNode *n = g_tree_upper_bound(g->ended, &t); /* first lo > t */
  return n ? g_tree_node_previous(n) : g_tree_node_last(g->ended);
}

static bool is_ended(ghost *g, uint64_t t) {
  GTreeNode *n = range_at(g, t);
  return n && *(const uint64_t *)g_tree_node_value(n) >= t;
}

/* Adds t, merging it with the ranges that end at t - 1 and begin at t + 1. */
static void add_ended(ghost *g, uint64_t t) {
  GTreeNode *n = range_at(g, t);
  uint64_t *hi = n ? g_tree_node_value(n) : NULL;
  if (hi && *hi >= t) return;
  uint64_t next = t + 1;
  uint64_t *next_hi = g_tree_lookup(g->ended, &next);
  uint64_t top = next_hi ? *next_hi : t;
  if (next_hi) g_tree_remove(g->ended, &next);
  if (hi && *hi == t - 1) {
    *hi = top;
    return;
  }
  g_tree_insert(g->ended, g_memdup2(&t, sizeof t), g_memdup2(&top, sizeof top));
}

static void gtx_free(gpointer p) {
  gtx *t = p;
  g_free(t->vote);
  g_free(t->outcome);
  g_free(t);
}

void *tp_invariant_new(const fl_options *options, int n_nodes) {
  (void)options;
  ghost *g = g_new0(ghost, 1);
  g->n = n_nodes;
  g->next = g_new(uint64_t, n_nodes);
  for (int i = 0; i < n_nodes; i++) g->next[i] = 1;
  g->txns = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, gtx_free);
  g->ended = g_tree_new_full(cmp_u64, NULL, g_free, g_free);
  g->id = g_string_new(NULL);
  return g;
}

void tp_invariant_free(void *p) {
  ghost *g = p;
  if (!g) return;
  g_free(g->next);
  g_hash_table_destroy(g->txns);
  g_tree_destroy(g->ended);
  g_string_free(g->id, TRUE);
  g_free(g);
}

static gtx *txn(ghost *g, uint64_t txid) {
  gtx *t = g_hash_table_lookup(g->txns, &txid);
  if (t) return t;
  t = g_new0(gtx, 1);
  t->decision = -1;
  t->vote = g_new(int8_t, g->n);
  t->outcome = g_new(int8_t, g->n);
  memset(t->vote, -1, (size_t)g->n);
  memset(t->outcome, -1, (size_t)g->n);
  g_hash_table_insert(g->txns, g_memdup2(&txid, sizeof txid), t);
  return t;
}

static const char *id(ghost *g, uint64_t txid) {
  g_string_truncate(g->id, 0);
  tp_format_txid(g->id, txid);
  return g->id->str;
}

static const char *word(int commit) { return commit ? "committed" : "aborted"; }

/* Atomicity against every other node's outcome and the decision. */
static bool atomic(ghost *g, const tp_rec *r, gtx *t, int node, int commit, GString *why) {
  for (int i = 0; i < g->n; i++)
    if (t->outcome[i] >= 0 && t->outcome[i] != commit) {
      g_string_append_printf(why, "atomicity: txn %s %s at n%d and %s at n%d", id(g, r->txid),
                             word(t->outcome[i]), i + 1, word(commit), node + 1);
      return false;
    }
  if (t->decision >= 0 && t->decision != commit) {
    g_string_append_printf(why, "atomicity: txn %s %s at n%d, but its coordinator n%d logged %s",
                           id(g, r->txid), word(commit), node + 1, t->decision_node + 1,
                           t->decision ? "commit" : "abort");
    return false;
  }
  return true;
}

/* A commit needs a logged yes vote from every participant. */
static bool all_yes(ghost *g, const tp_rec *r, gtx *t, int node, GString *why) {
  for (uint32_t i = 0; i < r->n_parts; i++) {
    int p = r->parts[i];
    if (p < 0 || p >= g->n || t->vote[p] == 1) continue;
    g_string_append_printf(why, "no commit without all yes votes: n%d logged commit of txn %s, "
                           "but n%d logged %s", node + 1, id(g, r->txid), p + 1,
                           t->vote[p] == 0 ? "a no vote" : "no vote");
    return false;
  }
  return true;
}

static bool check_record(ghost *g, int node, const tp_rec *r, GString *why) {
  int a = (int)(r->arg != 0);
  if (r->type < TP_REC_VOTE || r->type > TP_REC_END) return true;
  if (is_ended(g, r->txid)) {
    if (r->type == TP_REC_END || (r->type == TP_REC_DECISION && !a && !r->n_parts)) return true;
    static const char *const what[] = {"", "a vote", "a pre-commit", "an outcome", "a decision"};
    g_string_append_printf(why, "txn %s ended (every participant acknowledged its decision), "
                           "then n%d logged %s", id(g, r->txid), node + 1, what[r->type]);
    return false;
  }
  if (r->type == TP_REC_END) { /* its facts are no longer needed (see the top) */
    g_hash_table_remove(g->txns, &r->txid);
    add_ended(g, r->txid);
    return true;
  }
  gtx *t = txn(g, r->txid);
  switch (r->type) {
  case TP_REC_VOTE:
    if (t->vote[node] >= 0 && t->vote[node] != a) {
      g_string_append_printf(why, "vote changed: n%d logged a %s vote on txn %s, then a %s vote",
                             node + 1, t->vote[node] ? "yes" : "no", id(g, r->txid),
                             a ? "yes" : "no");
      return false;
    }
    t->vote[node] = (int8_t)a;
    if (!a) {
      if (!atomic(g, r, t, node, 0, why)) return false;
      t->outcome[node] = 0;
    }
    return true;
  case TP_REC_OUTCOME:
    if (a && !all_yes(g, r, t, node, why)) return false;
    if (!atomic(g, r, t, node, a, why)) return false;
    t->outcome[node] = (int8_t)a;
    return true;
  case TP_REC_DECISION:
    if (t->decision >= 0 && t->decision != a) {
      g_string_append_printf(why, "decision changed: n%d logged %s for txn %s, then %s",
                             node + 1, t->decision ? "commit" : "abort", id(g, r->txid),
                             a ? "commit" : "abort");
      return false;
    }
    if (a && !all_yes(g, r, t, node, why)) return false;
    for (int i = 0; i < g->n; i++)
      if (t->outcome[i] >= 0 && t->outcome[i] != a) {
        g_string_append_printf(why, "atomicity: txn %s %s at n%d, but its coordinator n%d logged %s",
                               id(g, r->txid), word(t->outcome[i]), i + 1, node + 1,
                               a ? "commit" : "abort");
        return false;
      }
    t->decision = (int8_t)a;
    t->decision_node = node;
    return true;
  default:
    return true;
  }
}

static bool scan(ghost *g, const fl_cluster_view *v, int node, GString *why) {
  size_t len;
  const void *d;
  while ((d = fl_view_load(v, node, g->next[node], &len)) != NULL) {
    g->next[node]++;
    tp_rec r;
    /* A copy carried forward by compaction repeats a record checked already. */
    if (tp_rec_read(d, len, &r) && !r.copied && !check_record(g, node, &r, why)) return false;
  }
  return true;
}

bool tp_check_invariants(void *p, const fl_cluster_view *v, GString *why) {
  ghost *g = p;
  int changed = fl_view_changed_node(v);
  if (changed >= 0) return scan(g, v, changed, why);
  for (int i = 0; i < g->n; i++)
    if (!scan(g, v, i, why)) return false;
  return true;
}
