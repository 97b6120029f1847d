/* fault: the scenario's timeline of faults, scheduled as events and applied to the world.
 *
 * The fault injector draws no randomness today (every fault is at a stated time); it gets its
 * own stream ("fault", 0) when randomized fault schedules arrive, so they cannot shift any
 * other component's draws.
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

void fl__fault_apply(fl_world *w, size_t index) {
  const fl_action *a = &g_array_index(w->scn->timeline, fl_action, index);
  switch (a->kind) {
  case FL_ACT_PARTITION: fl_world_partition(w, a->group_of); break;
  case FL_ACT_HEAL: fl_world_heal(w); break;
  case FL_ACT_CUT: fl_world_cut(w, a->a, a->b, true); break;
  case FL_ACT_UNCUT: fl_world_cut(w, a->a, a->b, false); break;
  case FL_ACT_CRASH: fl_world_crash(w, a->a); break;
  case FL_ACT_RESTART: fl_world_restart(w, a->a); break;
  case FL_ACT_PAUSE:
    fl_world_pause(w, a->a);
    if (a->for_ns > 0) {
      fl_node *n = &w->nodes[a->a];
      fl_sched_at(w->sched, fl_sched_now(w->sched) + a->for_ns, FL_EV_AUTO_RESUME,
                  (uint64_t)a->a | ((uint64_t)n->pause_no << FL_CLIENT_BITS));
    }
    break;
  case FL_ACT_RESUME: fl_world_resume(w, a->a); break;
  case FL_ACT_SET_LOSS:
  case FL_ACT_SET_LATENCY: link_change(w, a); break;
  }
}
