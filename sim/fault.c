/* fault: the scenario's timeline of faults, scheduled as events and applied to the world.
 *
 * Random faults (random halves, a random crash) draw from the fault injector's own stream
 * ("fault", 0), so adding one never shifts another component's draws.
 */
#include "world_int.h"
#include "units.h"

void fl__fault_schedule(fl_world *w) {
  const GArray *tl = w->scn->timeline;
  for (guint i = 0; tl && i < tl->len; i++) {
    const fl_action *a = &g_array_index(tl, fl_action, i);
    if (a->at_ns <= w->duration_ns) fl_sched_at(w->sched, a->at_ns, FL_EV_FAULT, i);
  }
}

/* One link's parameters with its loss or its latency replaced. */
static void set_one_link(fl_world *w, const fl_action *a) {
  const fl_link_params *cur = fl_net_link(w->net, a->a, a->b);
  fl_link_params p = *cur;
  fl_dist_copy(&p.latency, a->kind == FL_ACT_SET_LATENCY ? &a->latency : &cur->latency);
  if (a->kind == FL_ACT_SET_LOSS) p.loss = a->fraction;
  fl_net_set_link(w->net, a->a, a->b, &p);
  fl_dist_clear(&p.latency);
}

static void link_change(fl_world *w, const fl_action *a) {
  GString *what = g_string_new(NULL);
  if (a->a >= 0) g_string_append_printf(what, "n%d -> n%d ", a->a + 1, a->b + 1);
  if (a->kind == FL_ACT_SET_LOSS) {
    g_string_append_printf(what, "loss = %g%%", a->fraction * 100);
  } else {
    g_string_append(what, "latency = ");
    fl_dist_describe(&a->latency, what);
  }
  if (a->a >= 0) set_one_link(w, a);
  else if (a->kind == FL_ACT_SET_LOSS) fl_net_set_loss_all(w->net, a->fraction);
  else fl_net_set_latency_all(w->net, &a->latency);
  fl_trace_net_change(w->trace, fl_sched_now(w->sched), what->str);
  g_string_free(what, TRUE);
}

/* Jepsen's "random halves": a shuffled node order, split into a smaller and a larger half. */
static void random_halves(fl_world *w) {
  int n = w->n_nodes;
  int *order = g_new(int, n), *group_of = g_new(int, n);
  for (int i = 0; i < n; i++) order[i] = i;
  for (int i = n - 1; i > 0; i--) {
    int j = (int)fl_rng_below(w->fault_rng, (uint64_t)i + 1);
    int t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  for (int i = 0; i < n; i++) group_of[order[i]] = i < n / 2 ? 0 : 1;
  fl_world_partition(w, group_of);
  g_free(order);
  g_free(group_of);
}

/* A live node chosen uniformly; none when every node is down. */
static void crash_random(fl_world *w) {
  int up = 0;
  for (int i = 0; i < w->n_nodes; i++) up += w->nodes[i].is_up;
  if (up == 0) return;
  int k = (int)fl_rng_below(w->fault_rng, (uint64_t)up);
  for (int i = 0; i < w->n_nodes; i++)
    if (w->nodes[i].is_up && k-- == 0) {
      fl_world_crash(w, i);
      return;
    }
}

/* The node that most recently became leader among the live ones whose state line says
 * "leader" (a deposed leader that has not heard so may still say it), or -1. */
static int current_leader(fl_world *w) {
  int best = -1;
  for (int i = 0; i < w->n_nodes; i++) {
    const fl_node *n = &w->nodes[i];
    if (!n->is_up || !n->leader_since || !fl__actor_is_leader_line(n->last_state->str)) continue;
    if (best < 0 || n->leader_since > w->nodes[best].leader_since) best = i;
  }
  return best;
}

/* Resolves FL_NODE_LEADER; -1 (and a note in the trace) when there is none. */
static int resolve(fl_world *w, int node, const char *action) {
  if (node != FL_NODE_LEADER) return node;
  int l = current_leader(w);
  if (l < 0) {
    char *what = g_strdup_printf("%s leader: no node is leader", action);
    fl_trace_net_change(w->trace, fl_sched_now(w->sched), what);
    g_free(what);
  }
  return l;
}

static void partition(fl_world *w, const fl_action *a) {
  if (a->leader_group < 0) {
    fl_world_partition(w, a->group_of);
    return;
  }
  int *g = g_memdup2(a->group_of, (gsize)w->n_nodes * sizeof(int));
  int l = resolve(w, FL_NODE_LEADER, "partition");
  if (l >= 0) g[l] = a->leader_group;
  fl_world_partition(w, g);
  g_free(g);
}

void fl__fault_apply(fl_world *w, size_t index) {
  const fl_action *a = &g_array_index(w->scn->timeline, fl_action, index);
  int node = a->a;
  switch (a->kind) {
  case FL_ACT_PARTITION:
    if (a->group_of) partition(w, a);
    else random_halves(w);
    break;
  case FL_ACT_HEAL: fl_world_heal(w); break;
  case FL_ACT_CUT: fl_world_cut(w, a->a, a->b, true); break;
  case FL_ACT_UNCUT: fl_world_cut(w, a->a, a->b, false); break;
  case FL_ACT_CRASH:
    if (node == -1) crash_random(w);
    else if ((node = resolve(w, node, "crash")) >= 0) fl_world_crash(w, node);
    break;
  case FL_ACT_RESTART:
    if (a->a >= 0) fl_world_restart(w, a->a);
    else
      for (int i = 0; i < w->n_nodes; i++) fl_world_restart(w, i);
    break;
  case FL_ACT_PAUSE:
    if ((node = resolve(w, node, "pause")) < 0) break;
    fl_world_pause(w, node);
    if (a->for_ns > 0) {
      fl_node *n = &w->nodes[node];
      fl_sched_at(w->sched, fl_sched_now(w->sched) + a->for_ns, FL_EV_AUTO_RESUME,
                  (uint64_t)node | ((uint64_t)n->pause_no << FL_CLIENT_BITS));
    }
    break;
  case FL_ACT_RESUME: fl_world_resume(w, a->a); break;
  case FL_ACT_SET_LOSS:
  case FL_ACT_SET_LATENCY: link_change(w, a); break;
  }
}
