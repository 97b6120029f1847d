/* nemesis: [nemesis] generators expanded into timeline actions (contract in nemesis.h).
 *
 * Expanding at run start rather than lazily keeps the fault layer unchanged (it schedules an
 * array of actions, as for the timeline) and makes a run's whole fault schedule a value that
 * tests and `explore` can print. Targets are drawn at expansion too, from the generator's own
 * stream, rather than left as `random` for the fault stream: an undo must name the nodes its
 * fault hit (restart n3 after crash n3), and a generator's draws then never depend on the run.
 * O(faults * nodes) time.
 */
#include "nemesis.h"

#include <stdlib.h>
#include <string.h>

#include "fl_limits.h"
#include "scenario_int.h"
#include "units.h"

typedef struct keyed {
  fl_action a;
  guint gen, seq; /* generator file order, order within it: the ties of equal times */
} keyed;

typedef struct expander {
  const fl_scenario *s;
  GArray *out; /* of keyed */
  guint gen, seq;
  int n;       /* nodes */
  /* The crashes generator's windows (node, from, to), for the pauses generator. */
  GArray *down; /* of down_window */
} expander;

typedef struct down_window {
  int node;
  int64_t from_ns, to_ns;
} down_window;

static int64_t add_sat(int64_t a, int64_t b) { return a > INT64_MAX - b ? INT64_MAX : a + b; }

static fl_action *emit(expander *x, fl_action_kind kind, int64_t at_ns, const fl_nemesis_gen *g) {
  keyed k;
  memset(&k, 0, sizeof k);
  k.a.kind = kind;
  k.a.at_ns = at_ns;
  k.a.a = k.a.b = -1;
  k.a.pos = g->pos;
  k.gen = x->gen;
  k.seq = x->seq++;
  g_array_append_val(x->out, k);
  return &g_array_index(x->out, keyed, x->out->len - 1).a;
}

static void emit_node(expander *x, fl_action_kind kind, int64_t at_ns, const fl_nemesis_gen *g,
                      int node, int64_t for_ns) {
  fl_action *a = emit(x, kind, at_ns, g);
  a->target = (fl_target){.kind = FL_TARGET_NODE, .index = node, .pos = g->pos};
  a->a = node;
  a->for_ns = for_ns;
}

/* A uniform random permutation of 0..n-1 (Fisher-Yates from the top, as random halves). */
static void shuffle(fl_rng *r, int *v, int n) {
  for (int i = 0; i < n; i++) v[i] = i;
  for (int i = n - 1; i > 0; i--) {
    int j = (int)fl_rng_below(r, (uint64_t)i + 1);
    int t = v[i];
    v[i] = v[j];
    v[j] = t;
  }
}

/* `k` distinct nodes among cand[0..m) (partial Fisher-Yates), flagged in pick[]. */
static void pick_nodes(fl_rng *r, int *cand, int m, int k, bool *pick) {
  for (int i = 0; i < k && i < m; i++) {
    int j = i + (int)fl_rng_below(r, (uint64_t)(m - i));
    int t = cand[i];
    cand[i] = cand[j];
    cand[j] = t;
    pick[cand[i]] = true;
  }
}

/* A partition whose groups are given as node flags member[g * n + i], g < ng: each group's
 * nodes listed in id order, so the action reads as a person would write it. */
static void emit_groups(expander *x, int64_t at_ns, const fl_nemesis_gen *g, const bool *member,
                        int ng) {
  fl_action *a = emit(x, FL_ACT_PARTITION, at_ns, g);
  GArray *part = g_array_new(FALSE, TRUE, sizeof(fl_target));
  for (int k = 0; k < ng; k++)
    for (int i = 0; i < x->n; i++)
      if (member[k * x->n + i]) {
        fl_target t = {.kind = FL_TARGET_NODE, .index = i, .in_group = k, .pos = g->pos};
        g_array_append_val(part, t);
      }
  a->n_part = (int)part->len;
  a->n_groups = ng;
  a->part = (fl_target *)(void *)g_array_free(part, FALSE);
}

/* One partition of the shape drawn: ring[] is a shuffled node order. */
static void partition(expander *x, fl_rng *r, const fl_nemesis_gen *g, int64_t at_ns) {
  int n = x->n;
  fl_nemesis_shape shape = g->shapes[g->n_shapes > 1 ? fl_rng_below(r, (uint64_t)g->n_shapes) : 0];
  if (shape == FL_NEM_ISOLATE_LEADER) { /* resolved when it happens: {leader} against the rest */
    fl_action *a = emit(x, FL_ACT_PARTITION, at_ns, g);
    a->part = g_new0(fl_target, 1);
    a->part[0] = (fl_target){.kind = FL_TARGET_LEADER, .index = -1, .in_group = 0, .pos = g->pos};
    a->n_part = 1;
    a->n_groups = 1;
    return;
  }
  int *ring = g_new(int, n);
  shuffle(r, ring, n);
  int ng = shape == FL_NEM_MAJORITY_RING ? n : 2;
  bool *member = g_new0(bool, (size_t)ng * (size_t)n);
  switch (shape) {
  case FL_NEM_HALVES:
  case FL_NEM_MINORITY: {
    /* minority: 1..(n-1)/2 nodes, the size drawn; halves: n/2 of them. */
    int m = (n - 1) / 2, k = n / 2;
    if (shape == FL_NEM_MINORITY) k = m > 1 ? 1 + (int)fl_rng_below(r, (uint64_t)m) : 1;
    for (int i = 0; i < n; i++) member[(i < k ? 0 : 1) * n + ring[i]] = true;
    break;
  }
  case FL_NEM_BRIDGE: { /* ring[h] is in both halves */
    int h = (n - 1) / 2;
    for (int i = 0; i < n; i++) {
      if (i <= h) member[0 * n + ring[i]] = true;
      if (i >= h) member[1 * n + ring[i]] = true;
    }
    break;
  }
  case FL_NEM_MAJORITY_RING: {
    /* Group i holds ring[i..i+d] (cyclically); two nodes talk iff they share a group, so each
     * sees the d nearest on either side of it in the ring: 1 + 2d >= n/2 + 1 nodes, a
     * majority, and each node's view is centred on itself, so no two are the same (for n >= 4;
     * three nodes can only all see each other). */
    int d = (n / 2 + 1) / 2;
    for (int i = 0; i < n; i++)
      for (int j = 0; j <= d; j++) member[i * n + ring[(i + j) % n]] = true;
    break;
  }
  default: break;
  }
  emit_groups(x, at_ns, g, member, ng);
  g_free(member);
  g_free(ring);
}

/* May node i pause over [from, to]? Not while the crashes generator holds it down. */
static bool free_of_crashes(const expander *x, int i, int64_t from_ns, int64_t to_ns) {
  for (guint k = 0; x->down && k < x->down->len; k++) {
    const down_window *w = &g_array_index(x->down, down_window, k);
    if (w->node == i && w->from_ns <= to_ns && from_ns <= w->to_ns) return false;
  }
  return true;
}

static void expand_one(expander *x, const fl_nemesis_gen *g, uint64_t seed, int64_t from_ns,
                       int64_t to_ns) {
  fl_rng *r = fl_rng_new(seed, "nemesis", (uint64_t)g->kind);
  int n = x->n;
  bool *pick = g_new(bool, n);
  int *cand = g_new(int, n);
  int64_t t = from_ns;
  for (;;) {
    t = add_sat(t, fl_dist_sample_ns(&g->every, r));
    if (t >= to_ns || x->out->len >= FL_LIMIT_NEMESIS_ACTIONS) break;
    int64_t len = g->has_for ? fl_dist_sample_ns(&g->for_, r) : 0;
    int64_t end = MIN(add_sat(t, len), to_ns);
    memset(pick, 0, (size_t)n * sizeof *pick);
    int m = 0;
    switch (g->kind) {
    case FL_NEM_PARTITIONS:
      partition(x, r, g, t);
      emit(x, FL_ACT_HEAL, end, g);
      break;
    case FL_NEM_CRASHES:
      for (int i = 0; i < n; i++) cand[m++] = i;
      pick_nodes(r, cand, m, g->count, pick);
      for (int i = 0; i < n; i++)
        if (pick[i]) {
          emit_node(x, FL_ACT_CRASH, t, g, i, 0);
          down_window w = {i, t, end};
          g_array_append_val(x->down, w);
        }
      for (int i = 0; i < n; i++)
        if (pick[i]) emit_node(x, FL_ACT_RESTART, end, g, i, 0);
      break;
    case FL_NEM_PAUSES:
      for (int i = 0; i < n; i++)
        if (free_of_crashes(x, i, t, end)) cand[m++] = i;
      pick_nodes(r, cand, m, g->count, pick);
      /* A pause of length 0 would be one without end: the shortest is 1ns. */
      for (int i = 0; i < n; i++)
        if (pick[i]) emit_node(x, FL_ACT_PAUSE, t, g, i, MAX(end - t, 1));
      break;
    case FL_NEM_CLOCK:
      for (int i = 0; i < n; i++) cand[m++] = i;
      pick_nodes(r, cand, m, g->count, pick);
      for (int i = 0; i < n; i++) {
        if (!pick[i]) continue;
        uint64_t span = (uint64_t)g->jump_hi_ns - (uint64_t)g->jump_lo_ns;
        int64_t step = g->jump_lo_ns;
        if (span > 0 && span < UINT64_MAX) step = (int64_t)((uint64_t)step + fl_rng_below(r, span + 1));
        emit_node(x, FL_ACT_CLOCK_JUMP, t, g, i, step);
      }
      break;
    case FL_NEM_LOSS:
      emit(x, FL_ACT_SET_LOSS, t, g)->fraction = g->fraction;
      emit(x, FL_ACT_SET_LOSS, end, g)->fraction = x->s->net_defaults.loss;
      break;
    case FL_NEM_KINDS: break;
    }
    if (g->has_for) t = end;
  }
  g_free(cand);
  g_free(pick);
  fl_rng_free(r);
}

static int by_time(const void *pa, const void *pb) {
  const keyed *a = pa, *b = pb;
  if (a->a.at_ns != b->a.at_ns) return a->a.at_ns < b->a.at_ns ? -1 : 1;
  if (a->gen != b->gen) return a->gen < b->gen ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

GArray *fl_nemesis_expand(const fl_scenario *s, uint64_t seed, int64_t duration_ns) {
  expander x = {.s = s, .out = g_array_new(FALSE, TRUE, sizeof(keyed)), .n = s->n_nodes,
                .down = g_array_new(FALSE, FALSE, sizeof(down_window))};
  int64_t to_ns = s->has_nemesis_to ? MIN(s->nemesis_to_ns, duration_ns) : duration_ns;
  guint n_gen = s->nemesis ? s->nemesis->len : 0;
  /* The crashes generator first (its windows steer the pauses); each from its own stream, so
   * the order of expansion changes no draw. */
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < n_gen; i++) {
      const fl_nemesis_gen *g = &g_array_index(s->nemesis, fl_nemesis_gen, i);
      if ((g->kind == FL_NEM_CRASHES) != (pass == 0)) continue;
      x.gen = i;
      x.seq = 0;
      expand_one(&x, g, seed, s->nemesis_from_ns, to_ns);
    }
  if (x.out->len) qsort(x.out->data, x.out->len, sizeof(keyed), by_time);
  GArray *out = g_array_sized_new(FALSE, TRUE, sizeof(fl_action), x.out->len);
  for (guint i = 0; i < x.out->len; i++) g_array_append_val(out, g_array_index(x.out, keyed, i).a);
  g_array_free(x.out, TRUE);
  g_array_free(x.down, TRUE);
  return out;
}

void fl_nemesis_free(GArray *actions) {
  if (!actions) return;
  for (guint i = 0; i < actions->len; i++) fl__action_clear(&g_array_index(actions, fl_action, i));
  g_array_free(actions, TRUE);
}

static void signed_duration(GString *out, int64_t ns) {
  g_string_append_c(out, ns < 0 ? '-' : '+');
  fl_format_duration(out, ns < 0 ? -ns : ns);
}

void fl_nemesis_describe(const fl_action *a, GString *out) {
  switch (a->kind) {
  case FL_ACT_PARTITION:
    g_string_append(out, "partition");
    for (int k = 0; k < a->n_part; k++) {
      const fl_target *t = &a->part[k];
      bool first = k == 0 || a->part[k - 1].in_group != t->in_group;
      bool last = k == a->n_part - 1 || a->part[k + 1].in_group != t->in_group;
      g_string_append(out, first ? " {" : " ");
      if (t->kind == FL_TARGET_LEADER) g_string_append(out, "leader");
      else g_string_append_printf(out, "n%d", t->index + 1);
      if (last) g_string_append_c(out, '}');
    }
    break;
  case FL_ACT_HEAL: g_string_append(out, "heal"); break;
  case FL_ACT_CRASH: g_string_append_printf(out, "crash n%d", a->a + 1); break;
  case FL_ACT_RESTART: g_string_append_printf(out, "restart n%d", a->a + 1); break;
  case FL_ACT_PAUSE:
    g_string_append_printf(out, "pause n%d for ", a->a + 1);
    fl_format_duration(out, a->for_ns);
    break;
  case FL_ACT_CLOCK_JUMP:
    g_string_append_printf(out, "clock n%d jump ", a->a + 1);
    signed_duration(out, a->for_ns);
    break;
  case FL_ACT_SET_LOSS: g_string_append_printf(out, "loss = %g%%", a->fraction * 100); break;
  default: g_string_append(out, "?"); break;
  }
}
