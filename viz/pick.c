/* pick: hit testing and the details text (see pick.h). */
#include "pick.h"

#include <math.h>

#include "render.h"

typedef struct nearest {
  const fl_viz_layout *L;
  int x, y;
  double best;
  int64_t index;
} nearest;

static bool closer(const fl_viz_arrow *a, size_t index, void *data) {
  nearest *n = data;
  double xs = fl_viz_layout_x(n->L, a->send_ns), xe = fl_viz_layout_x(n->L, a->end_ns);
  double ys = fl_viz_layout_lane_mid(n->L, a->src), ye = fl_viz_layout_lane_mid(n->L, a->dst);
  double dx = xe - xs, dy = ye - ys, len2 = dx * dx + dy * dy;
  double u = len2 > 0 ? ((n->x - xs) * dx + (n->y - ys) * dy) / len2 : 0;
  u = u < 0 ? 0 : u > 1 ? 1 : u;
  double px = xs + u * dx - n->x, py = ys + u * dy - n->y, d = sqrt(px * px + py * py);
  if (d < n->best) { /* strictly closer: the earliest of equals wins, deterministically */
    n->best = d;
    n->index = (int64_t)index;
  }
  return true;
}

fl_viz_pick fl_viz_pick_at(const fl_viz_timeline *tl, const fl_viz_layout *L, int x, int y) {
  fl_viz_pick p = {.kind = FL_VIZ_PICK_NONE, .index = -1, .lane = fl_viz_layout_lane_at(L, y)};
  if (x < L->plot_x || x >= L->plot_x + L->plot_w || p.lane < 0) return p;
  p.t_ns = fl_viz_layout_time(L, x);
  if (!fl_viz_arrows_aggregated(tl, L)) {
    nearest n = {.L = L, .x = x, .y = y, .best = FL_VIZ_PICK_PX + 0.5, .index = -1};
    fl_viz_arrows_visit(tl, L, closer, &n);
    if (n.index >= 0) {
      p.kind = FL_VIZ_PICK_ARROW;
      p.index = n.index;
      return p;
    }
  }
  const fl_viz_lane *ln = &tl->lanes[p.lane];
  int64_t t1 = fl_viz_layout_time(L, x + 1);
  size_t k = fl_viz_times_lower(&ln->op_times, t1);
  for (size_t back = 0; back < 8 && k > 0; back++, k--) {
    uint32_t oi = g_array_index(ln->ops, uint32_t, k - 1);
    const fl_viz_op *op = &g_array_index(tl->ops, fl_viz_op, oi);
    if (op->complete_ns >= p.t_ns) {
      p.kind = FL_VIZ_PICK_OP;
      p.index = oi;
      return p;
    }
  }
  p.kind = FL_VIZ_PICK_LANE;
  return p;
}

static const char *reason_name(uint8_t r) {
  static const char *names[] = {"loss", "partition", "cut", "crashed node"};
  return r < G_N_ELEMENTS(names) ? names[r] : "?";
}

static char *side_of(const fl_viz_timeline *tl, int lane, int64_t t) {
  for (guint i = 0; i < tl->partitions->len; i++) {
    const fl_viz_partition *p = &g_array_index(tl->partitions, fl_viz_partition, i);
    if (t < p->from_ns || t >= p->to_ns || p->group[lane] < 0) continue;
    GString *s = g_string_new("partitioned: on the side {");
    bool first = true;
    for (int l = 0; l < tl->n_lanes; l++)
      if (p->group[l] == p->group[lane]) {
        g_string_append_printf(s, "%s%s", first ? "" : " ", tl->lanes[l].name);
        first = false;
      }
    g_string_append(s, "}");
    return g_string_free(s, FALSE);
  }
  return NULL;
}

static const char *span_at(const GArray *spans, int lane, int64_t t) {
  for (guint i = 0; i < spans->len; i++) {
    const fl_viz_span *s = &g_array_index(spans, fl_viz_span, i);
    if (s->lane == lane && t >= s->from_ns && t < s->to_ns) return "yes";
  }
  return NULL;
}

char *fl_viz_lin_summary(const fl_viz_timeline *tl, const fl_viz_lin *lin) {
  (void)tl;
  if (!lin) return NULL;
  if (!lin->failed) return g_strdup_printf("linearizability: %s", lin->verdict);
  return g_strdup_printf("linearizability: NOT linearizable: key %s, a window of %u operations "
                         "(outlined in magenta), %u could not be placed after a linearizable "
                         "prefix of %zu; press l to go there",
                         lin->key ? lin->key : "-", lin->window->len, lin->unplaced->len,
                         lin->n_prefix);
}

void fl_viz_pick_describe(const fl_viz_timeline *tl, const fl_viz_lin *lin,
                          const fl_viz_layout *L, const fl_viz_pick *p, char **lines, int max) {
  for (int i = 0; i < max; i++) lines[i] = NULL;
  int n = 0;
  if (p->kind == FL_VIZ_PICK_ARROW && max >= 2) {
    const fl_viz_arrow *a = &g_array_index(tl->arrows, fl_viz_arrow, p->index);
    const fl_viz_msg *m = &g_array_index(tl->msgs, fl_viz_msg, a->msg);
    char *ts = fl_viz_format_time(a->send_ns, 1000), *te = fl_viz_format_time(a->end_ns, 1000);
    char *d = fl_viz_format_time(a->end_ns - a->send_ns, 1000);
    const char *fate = a->end == FL_VIZ_END_DELIVER ? "delivered"
                       : a->end == FL_VIZ_END_DROP ? "dropped" : "still in flight at";
    lines[n++] = g_strdup_printf("message #%" G_GUINT64_FORMAT " %s -> %s, %" G_GUINT64_FORMAT
                                 " B: sent %s, %s %s (%s)%s%s%s", m->id, tl->lanes[a->src].name,
                                 tl->lanes[a->dst].name, m->len, ts, fate, te, d,
                                 a->end == FL_VIZ_END_DROP ? " by " : "",
                                 a->end == FL_VIZ_END_DROP ? reason_name(a->reason) : "",
                                 a->dup ? "; duplicated by the network" : "");
    lines[n++] = g_strdup_printf("payload: %s", fl_viz_text(tl, m->desc));
    g_free(ts);
    g_free(te);
    g_free(d);
    return;
  }
  if (p->kind == FL_VIZ_PICK_OP && max >= 2) {
    const fl_viz_op *op = &g_array_index(tl->ops, fl_viz_op, p->index);
    lines[n++] = fl_viz_op_describe(tl, op);
    uint8_t mark = lin && lin->failed ? lin->mark[p->index] : 0;
    if (mark & FL_VIZ_LIN_UNPLACED)
      lines[n++] = g_strdup_printf(
          "linearizability: after the longest linearizable prefix (%zu operations), no order "
          "of the pending operations can place this one next: its result contradicts every "
          "order real time allows", lin->n_prefix);
    else if (mark & FL_VIZ_LIN_WINDOW)
      lines[n++] = g_strdup_printf(
          "linearizability: part of a smallest non-linearizable window of key %s (%u "
          "operations): no sequential order of them respects real time and the values read",
          lin->key ? lin->key : "-", lin->window->len);
    else if (mark & FL_VIZ_LIN_PREFIX)
      lines[n++] = g_strdup("linearizability: in the longest linearizable prefix found");
    return;
  }
  if (p->kind != FL_VIZ_PICK_LANE) return;
  const fl_viz_lane *ln = &tl->lanes[p->lane];
  char *t = fl_viz_format_time(p->t_ns, 1000);
  int64_t si = fl_viz_state_at(ln, p->t_ns);
  const char *state = si >= 0 ? fl_viz_text(tl, g_array_index(ln->states, fl_viz_state, si).text)
                              : ln->is_client ? "client" : "(no state yet)";
  lines[n++] = g_strdup_printf("%s at %s: %s%s%s", ln->name, t, state,
                               span_at(tl->down, p->lane, p->t_ns) ? "  [crashed]" : "",
                               span_at(tl->paused, p->lane, p->t_ns) ? "  [paused]" : "");
  g_free(t);
  char *side = side_of(tl, p->lane, p->t_ns);
  if (side && n < max) lines[n++] = side;
  else g_free(side);
  if (n < max) {
    int x = fl_viz_layout_x(L, p->t_ns);
    int64_t a = fl_viz_layout_time(L, x), b = fl_viz_layout_time(L, x + 1);
    char *ta = fl_viz_format_time(a, 1000), *tb = fl_viz_format_time(b, 1000);
    lines[n++] = g_strdup_printf("this pixel column, %s .. %s: %zu sends and deliveries, %zu "
                                 "drops, %zu timers, %zu operations invoked", ta, tb,
                                 fl_viz_times_count(&ln->activity, a, b),
                                 fl_viz_times_count(&ln->drops, a, b),
                                 fl_viz_times_count(&ln->timers, a, b),
                                 fl_viz_times_count(&ln->op_times, a, b));
    g_free(ta);
    g_free(tb);
  }
}
