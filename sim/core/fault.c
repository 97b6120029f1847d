/* fault: the scenario's timeline of faults, scheduled as events and applied to the world.
 *
 * Random faults (random halves, a random crash) draw from the fault injector's own stream
 * ("fault", 0), so adding one never shifts another component's draws.
 */
#include "fault.h"
#include "nemesis.h"
#include "units.h"

#include <stdarg.h>
#include <string.h>

void fl__faults_init(fl_faults *f, fl_transport *rt, fl_nodes *nodes, const fl_scenario *scn,
                     uint64_t seed, int64_t duration_ns) {
  f->rt = rt;
  f->nodes = nodes;
  f->scn = scn;
  f->duration_ns = duration_ns;
  f->rng = fl_rng_new(seed, "fault", 0);
  f->not_applied = 0;
  f->seed = seed;
  f->nemesis = NULL;
  f->applied = NULL;
}

static void applied_clear(gpointer p) {
  fl_fault_applied *r = p;
  g_free(r->nodes);
  if (r->pairs) g_array_free(r->pairs, TRUE);
  g_free(r->groups);
}

void fl__faults_record(fl_faults *f) {
  if (f->applied) return;
  f->applied = g_array_new(FALSE, TRUE, sizeof(fl_fault_applied));
  g_array_set_clear_func(f->applied, applied_clear);
}

void fl__faults_clear(fl_faults *f) {
  fl_rng_free(f->rng);
  f->rng = NULL;
  fl_nemesis_free(f->nemesis);
  f->nemesis = NULL;
  if (f->applied) g_array_free(f->applied, TRUE);
  f->applied = NULL;
}

const fl_action *fl__fault_action(const fl_faults *f, size_t index) {
  guint n = f->scn->timeline ? f->scn->timeline->len : 0;
  if (index < n) return &g_array_index(f->scn->timeline, fl_action, index);
  return &g_array_index(f->nemesis, fl_action, index - n);
}

/* ---- The record of what was applied (fl__faults_record): the action being applied is the
 * array's last element while it applies. */

static fl_fault_applied *recording(fl_faults *f) {
  return f->applied && f->line ? &g_array_index(f->applied, fl_fault_applied, f->applied->len - 1)
                               : NULL;
}

static void observe_node(fl_faults *f, int node) {
  fl_fault_applied *r = recording(f);
  if (!r) return;
  if (!r->nodes) r->nodes = g_new0(bool, f->rt->n_nodes);
  r->nodes[node] = true;
}

static void observe_pair(fl_faults *f, int src, int dst) {
  fl_fault_applied *r = recording(f);
  if (!r) return;
  if (!r->pairs) r->pairs = g_array_new(FALSE, FALSE, sizeof(int));
  g_array_append_val(r->pairs, src);
  g_array_append_val(r->pairs, dst);
}

/* member: n_nodes rows of `stride` flags, row i's flag g set when node i is in group g. */
static void observe_groups(fl_faults *f, const bool *member, int stride, int n_groups) {
  fl_fault_applied *r = recording(f);
  if (!r) return;
  int nn = f->rt->n_nodes;
  r->n_groups = n_groups;
  r->groups = g_new0(bool, (size_t)n_groups * (size_t)nn);
  for (size_t g = 0; g < (size_t)n_groups; g++)
    for (size_t i = 0; i < (size_t)nn; i++)
      r->groups[g * (size_t)nn + i] = member[i * (size_t)stride + g];
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
  if (f->rt->measure) fl_measure_heal(f->rt->measure, fl_sched_now(f->rt->sched));
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
  /* Without generators nothing is expanded and no stream is made. */
  f->nemesis = fl_nemesis_expand(f->scn, f->seed, f->duration_ns);
  for (guint k = 0; k < f->nemesis->len; k++) {
    int64_t t = g_array_index(f->nemesis, fl_action, k).at_ns;
    if (t <= f->duration_ns) fl_sched_at(f->rt->sched, t, FL_EV_FAULT, n + k);
  }
}

static fl_link_prop prop_of(fl_action_kind kind) {
  switch (kind) {
  case FL_ACT_SET_LOSS: return FL_LINK_LOSS;
  case FL_ACT_SET_CORRUPT: return FL_LINK_CORRUPT;
  case FL_ACT_SET_DUPLICATE: return FL_LINK_DUPLICATE;
  case FL_ACT_SET_REORDER: return FL_LINK_REORDER;
  default: return FL_LINK_LATENCY;
  }
}

/* One link's parameters with one property replaced. */
static void set_one_link(fl_faults *f, const fl_action *a, int src, int dst) {
  const fl_link_params *cur = fl_net_link(f->rt->net, src, dst);
  fl_link_params p = *cur;
  fl_dist_copy(&p.latency, a->kind == FL_ACT_SET_LATENCY ? &a->latency : &cur->latency);
  switch (a->kind) {
  case FL_ACT_SET_LOSS: p.loss = a->fraction; break;
  case FL_ACT_SET_CORRUPT: p.corrupt = a->fraction; break;
  case FL_ACT_SET_DUPLICATE: p.duplicate = a->fraction; break;
  case FL_ACT_SET_REORDER: p.reorder = a->fraction != 0; break;
  default: break;
  }
  fl_net_set_link(f->rt->net, src, dst, &p);
  fl_dist_clear(&p.latency);
}

/* "n3" or "c2": an endpoint as the timeline names it. */
static void endpoint_name(const fl_faults *f, int e, GString *out) {
  if (e < f->rt->n_nodes) g_string_append_printf(out, "n%d", e + 1);
  else g_string_append_printf(out, "c%d", e - f->rt->n_nodes + 1);
}

/* One property of every link (src < 0) or of src -> dst, traced as "[n1 -> n2 ]loss[ type T]
 * = 20%" (as the timeline writes it, the link first). */
static void link_change(fl_faults *f, const fl_action *a, int src, int dst) {
  static const char *names[] = {[FL_LINK_LOSS] = "loss", [FL_LINK_DUPLICATE] = "duplicate",
                                [FL_LINK_REORDER] = "reorder", [FL_LINK_CORRUPT] = "corrupt",
                                [FL_LINK_LATENCY] = "latency"};
  fl_link_prop prop = prop_of(a->kind);
  GString *what = g_string_new(NULL);
  if (src >= 0) {
    endpoint_name(f, src, what);
    g_string_append(what, " -> ");
    endpoint_name(f, dst, what);
    g_string_append_c(what, ' ');
  }
  g_string_append(what, names[prop]);
  if (a->msg_type) g_string_append_printf(what, " type %s", a->msg_type);
  if (prop == FL_LINK_LATENCY) {
    g_string_append(what, " = ");
    fl_dist_describe(&a->latency, what);
  } else if (prop == FL_LINK_REORDER) {
    g_string_append(what, a->fraction != 0 ? " = yes" : " = no");
  } else {
    g_string_append_printf(what, " = %g%%", a->fraction * 100);
  }
  if (a->msg_type)
    fl_net_set_typed(f->rt->net, a->msg_type, src, dst, prop, a->fraction, &a->latency);
  else if (src >= 0) set_one_link(f, a, src, dst);
  else if (prop == FL_LINK_LATENCY) fl_net_set_latency_all(f->rt->net, &a->latency);
  else fl_net_set_prop_all(f->rt->net, prop, a->fraction);
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
  if (recording(f)) {
    bool *member = g_new0(bool, (size_t)n * 2);
    for (int i = 0; i < n; i++) member[(size_t)i * 2 + (size_t)group_of[i]] = true;
    observe_groups(f, member, 2, 2);
    g_free(member);
  }
  fl__fault_partition(f, group_of);
  g_free(order);
  g_free(group_of);
}

/* An action that cannot apply when it comes is never silently nothing: it is noted in the
 * trace (as a network-change note, the one free-text record not tied to a node's hook) and
 * counted. Those the timeline alone decides are rejected at validate time instead
 * (fl__fault_check_timeline); these are the ones that depend on the run: targets resolved when
 * they happen (leader, random, followers, ...) and named nodes that such an action may have
 * crashed. `action` is the action as the timeline writes it ("crash leader"), the rest why. */
static void not_applied(fl_faults *f, const char *action, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
static void not_applied(fl_faults *f, const char *action, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *why = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  char *what = g_strdup_printf("%s: %s", action, why); /* the trace's text, as always */
  fl_trace_net_change(f->rt->trace, fl_sched_now(f->rt->sched), what);
  f->not_applied++;
  if (f->rt->measure)
    fl_measure_no_target(f->rt->measure, fl_sched_now(f->rt->sched), f->line, action, why);
  g_free(what);
  g_free(why);
}

/* ---- Targets, resolved when the action happens (the grammar is scenario_timeline.c's). */

/* The target as the timeline writes it, for notes. */
static void target_text(const fl_faults *f, const fl_target *t, GString *out) {
  switch (t->kind) {
  case FL_TARGET_NONE: break;
  case FL_TARGET_NODE: g_string_append_printf(out, "n%d", t->index + 1); break;
  case FL_TARGET_CLIENT: g_string_append_printf(out, "c%d", t->index + 1); break;
  case FL_TARGET_ALL: g_string_append(out, "all"); break;
  case FL_TARGET_LEADER: g_string_append(out, "leader"); break;
  case FL_TARGET_FOLLOWERS: g_string_append(out, "followers"); break;
  case FL_TARGET_RANDOM:
    g_string_append(out, "random");
    if (t->index != 1) g_string_append_printf(out, " %d", t->index);
    break;
  case FL_TARGET_MINORITY: g_string_append(out, "minority"); break;
  case FL_TARGET_MAJORITY: g_string_append(out, "majority"); break;
  case FL_TARGET_BEHIND: g_string_append(out, "behind"); break;
  case FL_TARGET_GROUP:
    g_string_append(out, g_array_index(f->scn->groups, fl_node_group, t->index).name);
    break;
  case FL_TARGET_CLIENTS: g_string_append(out, "clients"); break;
  }
}

/* Can `kind` apply to node i now? The candidates `random K` draws from. */
static bool can_apply(const fl_faults *f, fl_action_kind kind, int i) {
  const fl_node *n = &f->nodes->v[i];
  switch (kind) {
  case FL_ACT_RESTART: return !n->is_up;
  case FL_ACT_RESUME: return n->is_up && n->pauses > 0;
  case FL_ACT_JOIN: return !f->nodes->member[i];
  case FL_ACT_LEAVE: return f->nodes->member[i];
  default: return n->is_up;
  }
}

/* The log position `behind` compares: the applied index, else the commit index; false when
 * the node's status carries neither (or it is down). */
static bool log_position(const fl_faults *f, int i, uint64_t *out) {
  fl_node_status st;
  if (!fl__nodes_status(f->nodes, i, &st)) return false;
  if (st.has_applied) *out = st.applied;
  else if (st.has_commit) *out = st.commit;
  else return false;
  return true;
}

/* Marks in `out` (n_nodes + n_clients endpoint flags, cleared first) the endpoints `t` names
 * now, for an action of `kind`; returns how many. `random K` draws K distinct nodes among those
 * the action can apply to, from the fault stream: candidates in id order, then a partial
 * Fisher-Yates shuffle (draw i picks among the candidates not yet drawn), so `random` alone
 * makes the one draw the old `crash random` made. *no_leader is set when the target needed
 * a leader and there was none. */
static int resolve_target(fl_faults *f, const fl_target *t, fl_action_kind kind, bool *out,
                          bool *no_leader) {
  int nn = f->rt->n_nodes, ne = nn + f->rt->n_clients, count = 0;
  memset(out, 0, (size_t)ne * sizeof *out);
  *no_leader = false;
  int l = -1;
  if (t->kind == FL_TARGET_LEADER || t->kind == FL_TARGET_FOLLOWERS ||
      t->kind == FL_TARGET_MAJORITY || t->kind == FL_TARGET_MINORITY ||
      t->kind == FL_TARGET_BEHIND) {
    l = fl__nodes_leader(f->nodes); /* from the nodes' status, not their describe lines */
    *no_leader = l < 0;
  }
  switch (t->kind) {
  case FL_TARGET_NONE: break;
  case FL_TARGET_NODE: out[t->index] = true; break;
  case FL_TARGET_CLIENT:
    if (t->index < f->rt->n_clients) out[nn + t->index] = true;
    break;
  case FL_TARGET_CLIENTS:
    for (int e = nn; e < ne; e++) out[e] = true;
    break;
  case FL_TARGET_ALL:
    for (int i = 0; i < nn; i++) out[i] = true;
    break;
  case FL_TARGET_GROUP: {
    const fl_node_group *g = &g_array_index(f->scn->groups, fl_node_group, t->index);
    for (int i = 0; i < nn; i++) out[i] = g->nodes[i];
    break;
  }
  case FL_TARGET_LEADER:
    if (l >= 0) out[l] = true;
    break;
  case FL_TARGET_FOLLOWERS:
    *no_leader = false; /* with no leader, every live node is "other than the leader" */
    for (int i = 0; i < nn; i++) out[i] = i != l && f->nodes->v[i].is_up;
    break;
  case FL_TARGET_MAJORITY:
  case FL_TARGET_MINORITY: {
    /* A fixed split of the whole cluster, no draw: the majority is nodes/2 + 1 nodes, the
     * leader (when there is one) and then the lowest ids; the minority is the rest. */
    *no_leader = false;
    bool *major = g_new0(bool, nn);
    int need = nn / 2 + 1;
    if (l >= 0) major[l] = true, need--;
    for (int i = 0; i < nn && need > 0; i++)
      if (!major[i]) major[i] = true, need--;
    for (int i = 0; i < nn; i++) out[i] = major[i] == (t->kind == FL_TARGET_MAJORITY);
    g_free(major);
    break;
  }
  case FL_TARGET_BEHIND: {
    uint64_t lead, pos;
    if (l < 0 || !log_position(f, l, &lead)) break;
    for (int i = 0; i < nn; i++)
      out[i] = i != l && f->nodes->v[i].is_up && log_position(f, i, &pos) && pos < lead;
    break;
  }
  case FL_TARGET_RANDOM: {
    int *cand = g_new(int, nn), m = 0;
    for (int i = 0; i < nn; i++)
      if (can_apply(f, kind, i)) cand[m++] = i;
    int k = MIN(t->index, m);
    for (int i = 0; i < k; i++) {
      int j = i + (int)fl_rng_below(f->rng, (uint64_t)(m - i));
      int x = cand[i];
      cand[i] = cand[j];
      cand[j] = x;
      out[cand[i]] = true;
    }
    g_free(cand);
    break;
  }
  }
  for (int e = 0; e < ne; e++) count += out[e];
  return count;
}

/* What a node must be for `kind` to apply: "up" to crash or pause, "down" to restart. */
static const char *state_needed(fl_action_kind kind) {
  switch (kind) {
  case FL_ACT_RESTART: return "down";
  case FL_ACT_RESUME: return "paused";
  case FL_ACT_JOIN: return "outside the membership";
  case FL_ACT_LEAVE: return "a member";
  default: return "up";
  }
}

/* Why a node action could not apply, from the node's state. */
static const char *why_not(const fl_faults *f, fl_action_kind kind, int node) {
  switch (kind) {
  case FL_ACT_CRASH: return "is already down";
  case FL_ACT_RESTART: return "is already up";
  case FL_ACT_PAUSE: return "is down";
  case FL_ACT_JOIN: return "is already a member";
  case FL_ACT_LEAVE: return "is not a member";
  default: return f->nodes->v[node].is_up ? "is not paused" : "is down";
  }
}

static bool node_do(fl_faults *f, const fl_action *a, int node) {
  fl_node *n = &f->nodes->v[node];
  switch (a->kind) {
  case FL_ACT_CRASH: return fl__node_crash(n);
  case FL_ACT_RESTART: return fl__node_restart(n);
  case FL_ACT_PAUSE: return fl__node_pause_for(n, a->for_ns);
  case FL_ACT_RESUME: return fl__node_resume(n);
  case FL_ACT_JOIN: return fl__nodes_change_member(f->nodes, node, true);
  case FL_ACT_LEAVE: return fl__nodes_change_member(f->nodes, node, false);
  default: return false;
  }
}

/* crash, restart, pause, resume, join, leave on every node the target names, in id order. The notes of a
 * one-node target and of `leader` are the ones they always were ("crash leader: no node is
 * leader", "restart n2: n2 is already up"); a target naming several nodes is noted only when
 * it applied to none ("restart all: no node is down"). */
static void node_action(fl_faults *f, const fl_action *a, const char *verb) {
  int nn = f->rt->n_nodes;
  const fl_target *t = &a->target;
  bool *set = g_new(bool, nn + f->rt->n_clients), no_leader;
  int count = resolve_target(f, t, a->kind, set, &no_leader);
  GString *what = g_string_new(verb);
  g_string_append_c(what, ' ');
  target_text(f, t, what);
  if (count == 0) {
    if (no_leader) not_applied(f, what->str, "no node is leader");
    else if (t->kind == FL_TARGET_RANDOM)
      not_applied(f, what->str, "no node is %s", state_needed(a->kind));
    else not_applied(f, what->str, "it names no node now");
  } else {
    int applied = 0, last = -1;
    for (int i = 0; i < nn; i++) {
      if (!set[i]) continue;
      last = i;
      if (node_do(f, a, i)) applied++, observe_node(f, i);
    }
    if (applied == 0 && (t->kind == FL_TARGET_NODE || t->kind == FL_TARGET_LEADER))
      not_applied(f, what->str, "n%d %s", last + 1, why_not(f, a->kind, last));
    else if (applied == 0)
      not_applied(f, what->str, "no node is %s", state_needed(a->kind));
  }
  g_string_free(what, TRUE);
  g_free(set);
}

/* cut, uncut, loss, latency on the links from every endpoint SRC names to every one DST names,
 * self-links skipped; the source's draws come before the destination's. */
static void link_action(fl_faults *f, const fl_action *a, const char *verb) {
  if (a->target.kind == FL_TARGET_NONE) { /* every link */
    link_change(f, a, -1, -1);
    return;
  }
  int ne = f->rt->n_nodes + f->rt->n_clients, pairs = 0;
  bool *src = g_new(bool, ne), *dst = g_new(bool, ne), no_leader_src, no_leader_dst;
  resolve_target(f, &a->target, a->kind, src, &no_leader_src);
  resolve_target(f, &a->to, a->kind, dst, &no_leader_dst);
  for (int s = 0; s < ne; s++)
    for (int d = 0; s < ne && src[s] && d < ne; d++) {
      if (!dst[d] || s == d) continue;
      pairs++;
      observe_pair(f, s, d);
      if (a->kind == FL_ACT_CUT || a->kind == FL_ACT_UNCUT) fl__fault_cut(f, s, d, a->kind == FL_ACT_CUT);
      else link_change(f, a, s, d);
    }
  if (pairs == 0) {
    GString *what = g_string_new(verb);
    g_string_append_c(what, ' ');
    target_text(f, &a->target, what);
    g_string_append(what, " -> ");
    target_text(f, &a->to, what);
    not_applied(f, what->str, "%s",
                no_leader_src || no_leader_dst ? "no node is leader" : "it names no link now");
    g_string_free(what, TRUE);
  }
  g_free(src);
  g_free(dst);
}

/* Groups of targets, resolved now; the unnamed rest share one more group. When no node is in
 * two groups this is the partition it always was (one group per endpoint, traced as a
 * partition record); otherwise two endpoints communicate iff they share a group, and the
 * trace notes the groups (its partition record holds one group per endpoint). */
static void partition(fl_faults *f, const fl_action *a) {
  int nn = f->rt->n_nodes, ne = nn + f->rt->n_clients, ng = a->n_groups + 1;
  bool *member = g_new0(bool, (size_t)ne * (size_t)ng), *set = g_new(bool, ne), no_leader;
  for (int k = 0; k < a->n_part; k++) {
    const fl_target *t = &a->part[k];
    if (resolve_target(f, t, FL_ACT_PARTITION, set, &no_leader) == 0) {
      GString *what = g_string_new("partition ");
      target_text(f, t, what);
      not_applied(f, what->str, "%s", no_leader ? "no node is leader" : "it names no node now");
      g_string_free(what, TRUE);
    }
    for (int i = 0; i < nn; i++)
      if (set[i]) member[(size_t)i * (size_t)ng + (size_t)t->in_group] = true;
  }
  bool overlap = false;
  int *group_of = g_new(int, nn);
  for (int i = 0; i < nn; i++) {
    int in = 0;
    group_of[i] = a->n_groups;
    for (int g = ng - 2; g >= 0; g--)
      if (member[(size_t)i * (size_t)ng + (size_t)g]) group_of[i] = g, in++;
    if (in == 0) member[(size_t)i * (size_t)ng + (size_t)a->n_groups] = true;
    overlap |= in > 1;
  }
  observe_groups(f, member, ng, ng);
  if (!overlap) {
    fl__fault_partition(f, group_of);
  } else {
    for (int e = nn; e < ne; e++) /* a client is where its home node is */
      memcpy(&member[(size_t)e * (size_t)ng], &member[(size_t)((e - nn) % nn) * (size_t)ng],
             (size_t)ng * sizeof *member);
    fl_net_partition_sets(f->rt->net, ng, member);
    GString *what = g_string_new("partition");
    for (int g = 0, shown = 0; g < ng; g++) {
      gsize before = what->len;
      if (shown) g_string_append(what, " |");
      int in = 0;
      for (int i = 0; i < nn; i++)
        if (member[(size_t)i * (size_t)ng + (size_t)g]) g_string_append_printf(what, " n%d", i + 1), in++;
      if (in) shown++;
      else g_string_truncate(what, before);
    }
    g_string_append(what, " (overlapping groups)");
    fl_trace_net_change(f->rt->trace, fl_sched_now(f->rt->sched), what->str);
    g_string_free(what, TRUE);
  }
  g_free(group_of);
  g_free(set);
  g_free(member);
}

/* A change of the clock or model of every node the target names (every node without one),
 * noted in the trace. A crashed node keeps the change (its machine's clock and disk outlive
 * the process). */
static void node_change(fl_faults *f, const fl_action *a) {
  const char *verb = a->kind == FL_ACT_CLOCK_JUMP ? "clock"
                     : a->kind == FL_ACT_SET_DISK ? "disk"
                                                  : "processing";
  int nn = f->rt->n_nodes, count = nn;
  bool *set = g_new(bool, nn + f->rt->n_clients), no_leader = false;
  if (a->target.kind == FL_TARGET_NONE)
    for (int i = 0; i < nn; i++) set[i] = true;
  else
    count = resolve_target(f, &a->target, a->kind, set, &no_leader);
  GString *what = g_string_new(verb);
  if (a->target.kind != FL_TARGET_NONE) {
    g_string_append_c(what, ' ');
    int one = -1;
    for (int i = 0; i < nn; i++)
      if (set[i]) one = one == -1 ? i : -2;
    if (one >= 0) g_string_append_printf(what, "n%d", one + 1); /* as it was: the node hit */
    else target_text(f, &a->target, what);
  }
  if (count == 0) {
    not_applied(f, what->str, "%s", no_leader ? "no node is leader" : "it names no node now");
  } else {
    if (a->kind == FL_ACT_CLOCK_JUMP) {
      g_string_append(what, a->for_ns < 0 ? " jump -" : " jump +");
      fl_format_duration(what, a->for_ns < 0 ? -a->for_ns : a->for_ns);
    } else {
      g_string_append(what, " = ");
      fl_dist_describe(&a->latency, what);
    }
    for (int i = 0; i < nn; i++) {
      if (!set[i]) continue;
      fl_node *n = &f->nodes->v[i];
      if (a->target.kind != FL_TARGET_NONE) observe_node(f, i);
      if (a->kind == FL_ACT_CLOCK_JUMP) fl__node_clock_jump(n, a->for_ns);
      else if (a->kind == FL_ACT_SET_DISK) fl__node_set_disk(n, &a->latency);
      else fl__node_set_processing(n, &a->latency);
    }
    fl_trace_net_change(f->rt->trace, fl_sched_now(f->rt->sched), what->str);
  }
  g_string_free(what, TRUE);
  g_free(set);
}


/* A link property set away from the [network] value degrades the network until an action sets
 * it back (per property, whatever links the actions named: the window is the system's). */
static void track_degraded(fl_faults *f, const fl_action *a) {
  const fl_link_params *d = &f->scn->net_defaults;
  int bit;
  bool away;
  switch (a->kind) {
  case FL_ACT_SET_LOSS: bit = FL_LINK_LOSS, away = a->fraction != d->loss; break;
  case FL_ACT_SET_DUPLICATE: bit = FL_LINK_DUPLICATE, away = a->fraction != d->duplicate; break;
  case FL_ACT_SET_REORDER: bit = FL_LINK_REORDER, away = (a->fraction != 0) != d->reorder; break;
  case FL_ACT_SET_CORRUPT: bit = FL_LINK_CORRUPT, away = a->fraction != d->corrupt; break;
  case FL_ACT_SET_LATENCY: {
    GString *x = g_string_new(NULL), *y = g_string_new(NULL);
    fl_dist_describe(&a->latency, x);
    fl_dist_describe(&d->latency, y);
    bit = FL_FAULT_LATENCY_BIT, away = !g_string_equal(x, y);
    g_string_free(x, TRUE);
    g_string_free(y, TRUE);
    break;
  }
  default: return;
  }
  if (away) f->degraded |= UINT32_C(1) << bit;
  else f->degraded &= ~(UINT32_C(1) << bit);
}

void fl__faults_note(fl_faults *f, int line, const char *what) {
  if (!f->rt->measure) return;
  bool disturbed = f->degraded != 0 || !fl_net_is_whole(f->rt->net);
  for (int i = 0; i < f->rt->n_nodes && !disturbed; i++)
    disturbed = !f->nodes->v[i].is_up || f->nodes->v[i].pauses > 0;
  fl_measure_disturbed(f->rt->measure, fl_sched_now(f->rt->sched), disturbed, line, what);
}

void fl__fault_apply(fl_faults *f, size_t index) {
  const fl_action *a = fl__fault_action(f, index);
  uint64_t not_applied_before = f->not_applied;
  f->line = a->pos.line;
  if (f->applied) {
    fl_fault_applied r = {.index = (guint)index, .at_ns = fl_sched_now(f->rt->sched),
                          .kind = a->kind};
    g_array_append_val(f->applied, r);
  }
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
    if (a->part) partition(f, a);
    else random_halves(f);
    break;
  case FL_ACT_HEAL: fl__fault_heal(f); break;
  case FL_ACT_CUT: link_action(f, a, "cut"); break;
  case FL_ACT_UNCUT: link_action(f, a, "uncut"); break;
  case FL_ACT_CRASH: node_action(f, a, "crash"); break;
  case FL_ACT_RESTART: node_action(f, a, "restart"); break;
  case FL_ACT_PAUSE: node_action(f, a, "pause"); break;
  case FL_ACT_RESUME: node_action(f, a, "resume"); break;
  case FL_ACT_SET_LOSS: link_action(f, a, "loss"); break;
  case FL_ACT_SET_LATENCY: link_action(f, a, "latency"); break;
  case FL_ACT_SET_CORRUPT: link_action(f, a, "corrupt"); break;
  case FL_ACT_SET_DUPLICATE: link_action(f, a, "duplicate"); break;
  case FL_ACT_SET_REORDER: link_action(f, a, "reorder"); break;
  case FL_ACT_CLOCK_JUMP:
  case FL_ACT_SET_PROCESSING:
  case FL_ACT_SET_DISK: node_change(f, a); break;
  case FL_ACT_JOIN: node_action(f, a, "join"); break;
  case FL_ACT_LEAVE: node_action(f, a, "leave"); break;
  }
  track_degraded(f, a);
  fl__faults_note(f, a->pos.line, fl_action_verb(a->kind));
  /* A fault that took something away (a node, a link) starts a recovery the report measures:
   * a partition applies even when its `leader` found no node. */
  bool disruptive = a->kind == FL_ACT_CRASH || a->kind == FL_ACT_PAUSE ||
                    a->kind == FL_ACT_PARTITION || a->kind == FL_ACT_CUT;
  if (f->rt->measure && disruptive &&
      (a->kind == FL_ACT_PARTITION || f->not_applied == not_applied_before))
    fl_measure_fault(f->rt->measure, fl_sched_now(f->rt->sched), (uint32_t)index, a->pos.line);
  f->line = 0;
}

/* ---- Validation: membership needs the protocol's hook. */

bool fl__fault_check_membership(const fl_scenario *scn, const fl_protocol *p, GError **error) {
  if (p->on_membership) return true;
  const char *what = NULL;
  fl_srcpos at = {0, 0};
  if (scn->members) what = "members", at = scn->members_pos;
  for (guint i = 0; !what && scn->timeline && i < scn->timeline->len; i++) {
    const fl_action *a = &g_array_index(scn->timeline, fl_action, i);
    if (a->kind == FL_ACT_JOIN || a->kind == FL_ACT_LEAVE)
      what = a->kind == FL_ACT_JOIN ? "join" : "leave", at = a->pos;
  }
  if (!what) return true;
  g_set_error(error, FL_SCENARIO_ERROR, FL_SCENARIO_ERROR_INVALID,
              "%s:%d:%d: expected a protocol that supports membership changes for '%s', found "
              "protocol %s, which has no on_membership hook", scn->path, at.line, at.col, what,
              p->name);
  return false;
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

/* Targets whose nodes the timeline alone knows (a node, all, a group). */
static bool is_static(const fl_target *t) {
  return t->kind == FL_TARGET_NODE || t->kind == FL_TARGET_ALL || t->kind == FL_TARGET_GROUP;
}

/* May the action's target name node k? Static targets know; the others may name any node. */
static bool may_name(const fl_scenario *scn, const fl_action *a, int k) {
  switch (a->target.kind) {
  case FL_TARGET_NODE: return a->target.index == k;
  case FL_TARGET_GROUP: return g_array_index(scn->groups, fl_node_group, a->target.index).nodes[k];
  default: return true;
  }
}

static bool is_node_action(fl_action_kind kind) {
  return kind == FL_ACT_CRASH || kind == FL_ACT_RESTART || kind == FL_ACT_PAUSE ||
         kind == FL_ACT_RESUME;
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
        if (!is_node_action(a->kind) || !may_name(scn, a, k)) continue;
        n->maybe_paused_until = MAX(n->maybe_paused_until, n->paused_until);
        if (a->kind == FL_ACT_PAUSE) n->maybe_paused_until = INT64_MAX;
        if (a->kind == FL_ACT_CRASH || a->kind == FL_ACT_RESTART || a->kind == FL_ACT_RESUME)
          n->paused_until = -1;
        if (a->kind == FL_ACT_CRASH || a->kind == FL_ACT_RESTART) n->live = EITHER;
      }
      continue;
    }
    bool multi = is_node_action(a->kind) && a->target.kind != FL_TARGET_NODE;
    if (multi && is_static(&a->target) && a->kind != FL_ACT_RESTART) {
      /* all or a group: applies to each of its nodes that it can, never refused */
      for (int k = 0; k < scn->n_nodes; k++) {
        node_walk *n = &nodes[k];
        if (!may_name(scn, a, k)) continue;
        if (a->kind == FL_ACT_CRASH && n->live != DOWN) {
          n->live = DOWN;
          n->down_by = a->pos;
          n->paused_until = n->maybe_paused_until = -1;
        } else if (a->kind == FL_ACT_PAUSE && n->live == UP) {
          n->paused_until = MAX(n->paused_until, pause_end(a));
        } else if (a->kind == FL_ACT_PAUSE && n->live == EITHER) {
          n->maybe_paused_until = MAX(n->maybe_paused_until, pause_end(a));
        } else if (a->kind == FL_ACT_RESUME) {
          n->paused_until = n->maybe_paused_until = -1;
        }
      }
      continue;
    }
    if (multi && a->kind == FL_ACT_RESUME) continue; /* a role: which pauses end is unknown */
    if (multi && a->kind == FL_ACT_RESTART && !is_static(&a->target)) {
      /* random K, minority, majority: any crashed node may come back */
      for (int k = 0; k < scn->n_nodes; k++) {
        node_walk *n = &nodes[k];
        if (n->live == UP) continue;
        n->maybe_paused_until = MAX(n->maybe_paused_until, n->paused_until);
        n->paused_until = -1;
        n->live = EITHER;
      }
      continue;
    }
    if (multi && a->kind == FL_ACT_CRASH) { /* a role or a draw: any live node */
      for (int k = 0; k < scn->n_nodes; k++) {
        node_walk *n = &nodes[k];
        if (n->live == DOWN) continue;
        n->live = EITHER;
        n->maybe_paused_until = MAX(n->maybe_paused_until, n->paused_until);
        n->paused_until = -1;
      }
      continue;
    }
    if (multi && a->kind == FL_ACT_RESTART) { /* all or a group: each of its nodes is up after */
      for (int k = 0; k < scn->n_nodes; k++) {
        node_walk *n = &nodes[k];
        if (!may_name(scn, a, k)) continue;
        if (n->live == EITHER) n->maybe_paused_until = MAX(n->maybe_paused_until, n->paused_until);
        if (n->live != UP) n->paused_until = -1;
        n->live = UP;
      }
      continue;
    }
    if (multi && a->kind == FL_ACT_PAUSE) { /* a role or a draw: any live node */
      for (int k = 0; k < scn->n_nodes; k++)
        nodes[k].maybe_paused_until = MAX(nodes[k].maybe_paused_until, pause_end(a));
      continue;
    }
    if (!is_node_action(a->kind) || a->a < 0 || a->a >= scn->n_nodes) continue;
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
