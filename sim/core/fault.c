/* fault: the scenario's timeline of faults, scheduled as events and applied to the world.
 *
 * Random faults (random halves, a random crash) draw from the fault injector's own stream
 * ("fault", 0), so adding one never shifts another component's draws.
 */
#include "fault.h"
#include "units.h"

#include <stdarg.h>

void fl__faults_init(fl_faults *f, fl_transport *rt, fl_nodes *nodes, const fl_scenario *scn,
                     uint64_t seed, int64_t duration_ns) {
  f->rt = rt;
  f->nodes = nodes;
  f->scn = scn;
  f->duration_ns = duration_ns;
  f->rng = fl_rng_new(seed, "fault", 0);
  f->not_applied = 0;
}

void fl__faults_clear(fl_faults *f) {
  fl_rng_free(f->rng);
  f->rng = NULL;
}

void fl__fault_partition(fl_faults *f, const int *group_of_node) {
  int nn = f->rt->n_nodes, n = nn + f->rt->n_clients;
  int *groups = g_new(int, n);
  for (int i = 0; i < n; i++) groups[i] = group_of_node[i < nn ? i : (i - nn) % nn];
  fl_net_partition(f->rt->net, groups);
  fl_trace_partition(f->rt->trace, fl_sched_now(f->rt->sched), groups, n);
  g_free(groups);
}

void fl__fault_heal(fl_faults *f) {
  fl_net_heal(f->rt->net);
  fl_trace_heal(f->rt->trace, fl_sched_now(f->rt->sched));
}

void fl__fault_cut(fl_faults *f, int src, int dst, bool cut) {
  fl_net_cut(f->rt->net, src, dst, cut);
  fl_trace_cut(f->rt->trace, fl_sched_now(f->rt->sched), src, dst, cut);
}

void fl__fault_schedule(fl_faults *f) {
  const GArray *tl = f->scn->timeline;
  guint n = tl ? tl->len : 0;
  /* Random times are drawn first, from the fault stream, and scheduled in time order (one
   * past the duration never happens); without random times nothing is drawn. */
  int64_t *at = g_new(int64_t, n ? n : 1);
  guint *order = g_new(guint, n ? n : 1);
  if (n) fl_scenario_draw_times(f->scn, f->rng, at, order);
  for (guint k = 0; k < n; k++)
    if (at[order[k]] <= f->duration_ns) fl_sched_at(f->rt->sched, at[order[k]], FL_EV_FAULT, order[k]);
  g_free(at);
  g_free(order);
}

/* One link's parameters with its loss or its latency replaced. */
static void set_one_link(fl_faults *f, const fl_action *a) {
  const fl_link_params *cur = fl_net_link(f->rt->net, a->a, a->b);
  fl_link_params p = *cur;
  fl_dist_copy(&p.latency, a->kind == FL_ACT_SET_LATENCY ? &a->latency : &cur->latency);
  if (a->kind == FL_ACT_SET_LOSS) p.loss = a->fraction;
  fl_net_set_link(f->rt->net, a->a, a->b, &p);
  fl_dist_clear(&p.latency);
}

static void link_change(fl_faults *f, const fl_action *a) {
  GString *what = g_string_new(NULL);
  if (a->a >= 0) g_string_append_printf(what, "n%d -> n%d ", a->a + 1, a->b + 1);
  if (a->kind == FL_ACT_SET_LOSS) {
    g_string_append_printf(what, "loss = %g%%", a->fraction * 100);
  } else {
    g_string_append(what, "latency = ");
    fl_dist_describe(&a->latency, what);
  }
  if (a->a >= 0) set_one_link(f, a);
  else if (a->kind == FL_ACT_SET_LOSS) fl_net_set_loss_all(f->rt->net, a->fraction);
  else fl_net_set_latency_all(f->rt->net, &a->latency);
  fl_trace_net_change(f->rt->trace, fl_sched_now(f->rt->sched), what->str);
  g_string_free(what, TRUE);
}

/* Jepsen's "random halves": a shuffled node order, split into a smaller and a larger half. */
static void random_halves(fl_faults *f) {
  int n = f->rt->n_nodes;
  int *order = g_new(int, n), *group_of = g_new(int, n);
  for (int i = 0; i < n; i++) order[i] = i;
  for (int i = n - 1; i > 0; i--) {
    int j = (int)fl_rng_below(f->rng, (uint64_t)i + 1);
    int t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  for (int i = 0; i < n; i++) group_of[order[i]] = i < n / 2 ? 0 : 1;
  fl__fault_partition(f, group_of);
  g_free(order);
  g_free(group_of);
}

/* An action that cannot apply when it comes is never silently nothing: it is noted in the
 * trace (as a network-change note, the one free-text record not tied to a node's hook) and
 * counted. Those the timeline alone decides are rejected at validate time instead
 * (fl__fault_check_timeline); these are the ones that depend on the run: targets resolved when
 * they happen (leader, random) and named nodes that such an action may have crashed. */
static void not_applied(fl_faults *f, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void not_applied(fl_faults *f, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *what = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  fl_trace_net_change(f->rt->trace, fl_sched_now(f->rt->sched), what);
  f->not_applied++;
  g_free(what);
}

/* A live node chosen uniformly; none when every node is down. */
static void crash_random(fl_faults *f) {
  int up = 0;
  for (int i = 0; i < f->rt->n_nodes; i++) up += f->nodes->v[i].is_up;
  if (up == 0) {
    not_applied(f, "crash random: no node is up");
    return;
  }
  int k = (int)fl_rng_below(f->rng, (uint64_t)up);
  for (int i = 0; i < f->rt->n_nodes; i++)
    if (f->nodes->v[i].is_up && k-- == 0) {
      fl__node_crash(&f->nodes->v[i]);
      return;
    }
}

/* Resolves FL_NODE_LEADER; -1 (noted and counted) when there is none. */
static int resolve(fl_faults *f, int node, const char *action) {
  if (node != FL_NODE_LEADER) return node;
  int l = fl__nodes_leader(f->nodes); /* from the nodes' status, not their describe lines */
  if (l < 0) not_applied(f, "%s leader: no node is leader", action);
  return l;
}

static void partition(fl_faults *f, const fl_action *a) {
  if (a->leader_group < 0) {
    fl__fault_partition(f, a->group_of);
    return;
  }
  int *g = g_memdup2(a->group_of, (gsize)f->rt->n_nodes * sizeof(int));
  int l = resolve(f, FL_NODE_LEADER, "partition");
  if (l >= 0) g[l] = a->leader_group;
  fl__fault_partition(f, g);
  g_free(g);
}

static void restart_all(fl_faults *f) {
  int restarted = 0;
  for (int i = 0; i < f->rt->n_nodes; i++) restarted += fl__node_restart(&f->nodes->v[i]);
  if (!restarted) not_applied(f, "restart all: no node is down");
}

/* Why a node action could not apply, from the node's state. */
static const char *why_not(const fl_faults *f, fl_action_kind kind, int node) {
  switch (kind) {
  case FL_ACT_CRASH: return "is already down";
  case FL_ACT_RESTART: return "is already up";
  case FL_ACT_PAUSE: return "is down";
  default: return f->nodes->v[node].is_up ? "is not paused" : "is down";
  }
}

/* A change of a node's clock or model, noted in the trace. A crashed node keeps the change
 * (its machine's clock and disk outlive the process). */
static void node_change(fl_faults *f, const fl_action *a) {
  const char *verb = a->kind == FL_ACT_CLOCK_JUMP ? "clock" : a->kind == FL_ACT_SET_DISK
                                                                  ? "disk" : "processing";
  int node = a->a;
  if (node == FL_NODE_LEADER && (node = resolve(f, node, verb)) < 0) return;
  GString *what = g_string_new(verb);
  if (node >= 0) g_string_append_printf(what, " n%d", node + 1);
  if (a->kind == FL_ACT_CLOCK_JUMP) {
    g_string_append(what, a->for_ns < 0 ? " jump -" : " jump +");
    fl_format_duration(what, a->for_ns < 0 ? -a->for_ns : a->for_ns);
  } else {
    g_string_append(what, " = ");
    fl_dist_describe(&a->latency, what);
  }
  for (int i = 0; i < f->rt->n_nodes; i++) {
    if (node >= 0 && i != node) continue;
    fl_node *n = &f->nodes->v[i];
    if (a->kind == FL_ACT_CLOCK_JUMP) fl__node_clock_jump(n, a->for_ns);
    else if (a->kind == FL_ACT_SET_DISK) fl__node_set_disk(n, &a->latency);
    else fl__node_set_processing(n, &a->latency);
  }
  fl_trace_net_change(f->rt->trace, fl_sched_now(f->rt->sched), what->str);
  g_string_free(what, TRUE);
}

void fl__fault_apply(fl_faults *f, size_t index) {
  const fl_action *a = &g_array_index(f->scn->timeline, fl_action, index);
  int node = a->a;
  bool applied = true;
  const char *verb = NULL;
  if (a->at_dist) { /* the trace says which time was drawn */
    GString *m = g_string_new(NULL);
    g_string_append_printf(m, "timeline line %d at ", a->pos.line);
    fl_format_duration(m, fl_sched_now(f->rt->sched));
    g_string_append_printf(m, " (%" G_GINT64_FORMAT "ns), drawn from ", fl_sched_now(f->rt->sched));
    fl_dist_describe(a->at_dist, m);
    fl_trace_net_change(f->rt->trace, fl_sched_now(f->rt->sched), m->str);
    g_string_free(m, TRUE);
  }
  switch (a->kind) {
  case FL_ACT_PARTITION:
    if (a->group_of) partition(f, a);
    else random_halves(f);
    break;
  case FL_ACT_HEAL: fl__fault_heal(f); break;
  case FL_ACT_CUT: fl__fault_cut(f, a->a, a->b, true); break;
  case FL_ACT_UNCUT: fl__fault_cut(f, a->a, a->b, false); break;
  case FL_ACT_CRASH:
    verb = "crash";
    if (node == -1) crash_random(f);
    else if ((node = resolve(f, node, verb)) >= 0) applied = fl__node_crash(&f->nodes->v[node]);
    break;
  case FL_ACT_RESTART:
    verb = "restart";
    if (a->a >= 0) applied = fl__node_restart(&f->nodes->v[a->a]);
    else restart_all(f);
    break;
  case FL_ACT_PAUSE:
    verb = "pause";
    if ((node = resolve(f, node, verb)) >= 0) applied = fl__node_pause_for(&f->nodes->v[node], a->for_ns);
    break;
  case FL_ACT_RESUME:
    verb = "resume";
    applied = fl__node_resume(&f->nodes->v[a->a]);
    break;
  case FL_ACT_SET_LOSS:
  case FL_ACT_SET_LATENCY: link_change(f, a); break;
  case FL_ACT_CLOCK_JUMP:
  case FL_ACT_SET_PROCESSING:
  case FL_ACT_SET_DISK: node_change(f, a); break;
  }
  if (!applied && a->a == FL_NODE_LEADER)
    not_applied(f, "%s leader: n%d %s", verb, node + 1, why_not(f, a->kind, node));
  else if (!applied)
    not_applied(f, "%s n%d: n%d %s", verb, node + 1, node + 1, why_not(f, a->kind, node));
}

/* ---- Validation: node actions the timeline alone shows cannot apply.
 *
 * A walk of the expanded timeline in time order (file order among equal times, as it runs),
 * keeping for each node what is certain: up, down, or either (after `crash leader` or `crash
 * random`, which may have hit it), and until when it is surely paused and until when it may
 * be (a `pause leader`, or a pause of a node that may be down). A timed pause started at S
 * for D ends after every timeline action at S + D (its end is scheduled during the run, the
 * timeline before it), so at time T a pause ending at T still covers the node. O(actions +
 * nodes) time and O(nodes) memory.
 *
 * An action at a random time is not checked itself (if it cannot apply when it comes, the run
 * notes and counts it, as for `crash leader`); it sits at the earliest time it can take, and
 * from there on the nodes it may act on are in either state (up or down; perhaps paused, with
 * no known end), so an action at a fixed time is refused only for what is certain whatever is
 * drawn. */

typedef enum { UP, DOWN, EITHER } liveness;

typedef struct node_walk {
  liveness live;
  int64_t paused_until;       /* surely paused through this time (INT64_MAX: until resumed) */
  int64_t maybe_paused_until; /* perhaps paused through this time */
  fl_srcpos down_by;          /* DOWN: the crash that did it */
} node_walk;

static int64_t pause_end(const fl_action *a) {
  return a->for_ns > 0 && a->for_ns <= INT64_MAX - a->at_ns ? a->at_ns + a->for_ns : INT64_MAX;
}

static bool walk_fail(const fl_scenario *scn, const fl_action *a, GError **error,
                      const char *expected, const node_walk *n, const char *state) {
  GString *m = g_string_new(NULL);
  g_string_append_printf(m, "%s:%d:%d: expected %s, found n%d %s at ", scn->path, a->pos.line,
                         a->pos.col, expected, a->a + 1, state);
  fl_format_duration(m, a->at_ns);
  if (n->live == DOWN)
    g_string_append_printf(m, " (crashed by line %d)", n->down_by.line);
  g_set_error_literal(error, FL_SCENARIO_ERROR, FL_SCENARIO_ERROR_INVALID, m->str);
  g_string_free(m, TRUE);
  return false;
}

bool fl__fault_check_timeline(const fl_scenario *scn, GError **error) {
  const GArray *tl = scn->timeline;
  if (!tl || tl->len == 0 || scn->n_nodes <= 0) return true;
  node_walk *nodes = g_new(node_walk, scn->n_nodes);
  for (int i = 0; i < scn->n_nodes; i++)
    nodes[i] = (node_walk){.live = UP, .paused_until = -1, .maybe_paused_until = -1};
  bool ok = true;
  for (guint i = 0; ok && i < tl->len; i++) {
    const fl_action *a = &g_array_index(tl, fl_action, i);
    int64_t t = a->at_ns;
    if (a->at_dist) { /* a random time: its nodes' state is uncertain from here on */
      for (int k = 0; k < scn->n_nodes; k++) {
        node_walk *n = &nodes[k];
        if (a->a >= 0 && a->a != k) continue;
        n->maybe_paused_until = MAX(n->maybe_paused_until, n->paused_until);
        if (a->kind == FL_ACT_PAUSE) n->maybe_paused_until = INT64_MAX;
        if (a->kind == FL_ACT_CRASH || a->kind == FL_ACT_RESTART || a->kind == FL_ACT_RESUME)
          n->paused_until = -1;
        if (a->kind == FL_ACT_CRASH || a->kind == FL_ACT_RESTART) n->live = EITHER;
      }
      continue;
    }
    if (a->kind == FL_ACT_CRASH && a->a < 0) { /* leader or random: any live node */
      for (int k = 0; k < scn->n_nodes; k++) {
        node_walk *n = &nodes[k];
        if (n->live == DOWN) continue;
        n->live = EITHER;
        n->maybe_paused_until = MAX(n->maybe_paused_until, n->paused_until);
        n->paused_until = -1;
      }
      continue;
    }
    if (a->kind == FL_ACT_RESTART && a->a < 0) { /* all: every node is up after it */
      for (int k = 0; k < scn->n_nodes; k++) {
        node_walk *n = &nodes[k];
        if (n->live == EITHER) n->maybe_paused_until = MAX(n->maybe_paused_until, n->paused_until);
        if (n->live != UP) n->paused_until = -1;
        n->live = UP;
      }
      continue;
    }
    if (a->kind == FL_ACT_PAUSE && a->a == FL_NODE_LEADER) { /* any live node */
      for (int k = 0; k < scn->n_nodes; k++)
        nodes[k].maybe_paused_until = MAX(nodes[k].maybe_paused_until, pause_end(a));
      continue;
    }
    if (a->a < 0 || a->a >= scn->n_nodes) continue;
    node_walk *n = &nodes[a->a];
    switch (a->kind) {
    case FL_ACT_CRASH:
      if (n->live == DOWN) ok = walk_fail(scn, a, error, "a live node to crash", n, "down");
      n->live = DOWN;
      n->down_by = a->pos;
      n->paused_until = n->maybe_paused_until = -1;
      break;
    case FL_ACT_RESTART:
      if (n->live == UP) ok = walk_fail(scn, a, error, "a crashed node to restart", n, "up");
      if (n->live == EITHER) n->maybe_paused_until = MAX(n->maybe_paused_until, n->paused_until);
      n->paused_until = -1;
      n->live = UP;
      break;
    case FL_ACT_PAUSE:
      if (n->live == DOWN) ok = walk_fail(scn, a, error, "a live node to pause", n, "down");
      else if (n->live == UP) n->paused_until = MAX(n->paused_until, pause_end(a));
      else n->maybe_paused_until = MAX(n->maybe_paused_until, pause_end(a));
      break;
    case FL_ACT_RESUME:
      if (n->live == DOWN)
        ok = walk_fail(scn, a, error, "a paused node to resume", n, "down");
      else if (n->live == UP && n->paused_until < t && n->maybe_paused_until < t)
        ok = walk_fail(scn, a, error, "a paused node to resume", n, "running");
      n->paused_until = n->maybe_paused_until = -1; /* a resume ends every pause */
      break;
    default: break;
    }
  }
  g_free(nodes);
  return ok;
}
