/* The store's checks.
 *
 * After every event: versions never go backwards on a replica (a register's LWW version, a
 * counter's slots), the property read repair and anti-entropy must keep by merging rather than
 * overwriting. The ghost keeps each node's last seen record per key, compared only for the node
 * that changed.
 *
 * At the end (check_final), after the heal and a quiet spell: convergence, every live replica of
 * every key (its preference list) holds the same record; and for counters, the converged value
 * equals what the coordinators added (each persisted its adds before sending them, under
 * EV_DK_TALLY), so a lost increment is caught.
 */
#include "eventual_int.h"

typedef struct ghost {
  ev_config cfg;
  ev_ring ring;
  int n;
  GTree **seen; /* per node: int64 key -> ev_rec */
} ghost;

static int cmp_i64(gconstpointer a, gconstpointer b, gpointer unused) {
  (void)unused;
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

void *ev_invariant_new(const fl_options *options, int n_nodes) {
  ghost *g = g_new0(ghost, 1);
  g->n = n_nodes;
  ev_read_config(&g->cfg, options, n_nodes);
  if (n_nodes <= EV_MAX_NODES) ev_ring_init(&g->ring, n_nodes, g->cfg.tokens);
  g->seen = g_new0(GTree *, n_nodes);
  for (int i = 0; i < n_nodes; i++) g->seen[i] = g_tree_new_full(cmp_i64, NULL, g_free, g_free);
  return g;
}

void ev_invariant_free(void *p) {
  ghost *g = p;
  if (!g) return;
  for (int i = 0; i < g->n; i++) g_tree_destroy(g->seen[i]);
  g_free(g->seen);
  ev_ring_clear(&g->ring);
  g_free(g);
}

static void fmt_rec(GString *out, const ev_rec *r, ev_merge_mode mode) {
  if (mode == EV_MERGE_VC) {
    g_string_append_printf(out, "%u sibling%s", r->n_sib, r->n_sib == 1 ? "" : "s");
    for (uint32_t j = 0; j < r->n_sib && j < EV_MAX_SIBLINGS; j++)
      g_string_append_printf(out, "%s%" G_GINT64_FORMAT, j ? "," : " ", r->sib[j].value);
  } else if (mode == EV_MERGE_CRDT) g_string_append_printf(out, "count %" G_GINT64_FORMAT, ev_rec_counter(r));
  else if (!r->has_value) g_string_append(out, "nothing");
  else
    g_string_append_printf(out, "%" G_GINT64_FORMAT " (stamp %" G_GINT64_FORMAT " by n%d)", r->value,
                           r->ts, r->origin + 1);
}

typedef struct walk_ctx {
  ghost *g;
  int node;
  GString *why;
  bool ok;
} walk_ctx;

static gboolean check_rec(gpointer key, gpointer value, gpointer data) {
  walk_ctx *c = data;
  const ev_rec *r = value;
  ev_rec *old = g_tree_lookup(c->g->seen[c->node], key);
  if (old && !ev_rec_covers(r, old, c->g->cfg.merge)) {
    g_string_append_printf(c->why, "monotonic versions: n%d's k%" G_GINT64_FORMAT " went back from ",
                           c->node + 1, r->key);
    fmt_rec(c->why, old, c->g->cfg.merge);
    g_string_append(c->why, " to ");
    fmt_rec(c->why, r, c->g->cfg.merge);
    c->ok = false;
    return TRUE;
  }
  if (!old) {
    old = g_new(ev_rec, 1);
    int64_t *k = g_new(int64_t, 1);
    *k = r->key;
    g_tree_insert(c->g->seen[c->node], k, old);
  }
  memcpy(old, r, sizeof *old);
  return FALSE;
}

bool ev_check_invariants(void *p, const fl_cluster_view *v, GString *why) {
  ghost *g = p;
  if (!g->ring.n_points) return true;
  int changed = fl_view_changed_node(v);
  for (int i = changed < 0 ? 0 : changed; i < (changed < 0 ? g->n : changed + 1); i++) {
    const ev_node *s = fl_view_state(v, i);
    if (!s || !s->store) continue;
    walk_ctx c = {g, i, why, true};
    g_tree_foreach(s->store, check_rec, &c);
    if (!c.ok) return false;
  }
  return true;
}

bool ev_check_final(void *p, const fl_cluster_view *v, GString *why) {
  ghost *g = p;
  if (!g->ring.n_points) return true;
  /* The ring of the members at the end of the run. */
  bool member[EV_MAX_NODES];
  for (int i = 0; i < g->n; i++) member[i] = fl_view_is_member(v, i);
  ev_ring_clear(&g->ring);
  ev_ring_init_members(&g->ring, g->n, g->cfg.tokens, member);
  int64_t max_key = 0;
  for (int i = 0; i < g->n; i++) {
    const ev_node *s = fl_view_state(v, i);
    if (s && s->meta.max_key > max_key) max_key = s->meta.max_key;
  }
  int walk[EV_MAX_NODES * 64];
  for (int64_t k = 0; k < max_key; k++) {
    int len = ev_ring_walk(&g->ring, k, walk);
    const ev_rec *first = NULL;
    int first_node = -1;
    ev_rec none;
    ev_rec_zero(&none, k);
    for (int i = 0; i < g->cfg.n && i < len; i++) {
      const ev_node *s = fl_view_state(v, walk[i]);
      if (!s) continue; /* down at the end: it converges when it returns */
      const ev_rec *r = g_tree_lookup(s->store, &k);
      if (!r) r = &none;
      if (!first) {
        first = r, first_node = walk[i];
        continue;
      }
      bool same = g->cfg.merge != EV_MERGE_LWW ? ev_rec_covers(r, first, g->cfg.merge) && ev_rec_covers(first, r, g->cfg.merge)
                                       : ev_rec_cmp(r, first) == 0;
      if (!same) {
        g_string_append_printf(why, "convergence: k%" G_GINT64_FORMAT "'s replicas disagree: n%d holds ",
                               k, first_node + 1);
        fmt_rec(why, first, g->cfg.merge);
        g_string_append_printf(why, ", n%d holds ", walk[i] + 1);
        fmt_rec(why, r, g->cfg.merge);
        return false;
      }
    }
    if (!g->cfg.is_counter || !first) continue;
    int64_t added = 0;
    bool any = false;
    for (int i = 0; i < g->n; i++) {
      size_t tl;
      const void *t = fl_view_load(v, i, EV_DK_TALLY + (uint64_t)k, &tl);
      int64_t x;
      if (!t || tl != sizeof x) continue;
      memcpy(&x, t, sizeof x);
      added += x, any = true;
    }
    int64_t got = g->cfg.counter_crdt ? ev_rec_counter(first) : (first->has_value ? first->value : 0);
    if (any && got != added) {
      g_string_append_printf(why, "lost increments: counter k%" G_GINT64_FORMAT " converged to %" G_GINT64_FORMAT
                             ", but the coordinators added %" G_GINT64_FORMAT " (%" G_GINT64_FORMAT " lost)",
                             k, got, added, added - got);
      return false;
    }
  }
  return true;
}
