/* render_msgs: messages (arrows or densities) and client operations (see render.h). */
#include "render_int.h"

#include <math.h>

size_t fl_viz_arrow_budget(const fl_viz_layout *L) { return 2 * (size_t)L->plot_w; }

bool fl_viz_arrows_aggregated(const fl_viz_timeline *tl, const fl_viz_layout *L) {
  size_t sends = fl_viz_arrow_lower(tl, L->t1_ns) - fl_viz_arrow_lower(tl, L->t0_ns);
  return sends > fl_viz_arrow_budget(L);
}

/* Arrows are in send order; those sent before t0 that still cross the view are found chunk by
 * chunk, skipping every chunk whose longest arrow ends before t0. */
void fl_viz_arrows_visit(const fl_viz_timeline *tl, const fl_viz_layout *L, fl_viz_arrow_fn fn,
                         void *data) {
  size_t hi = fl_viz_arrow_lower(tl, L->t1_ns);
  int64_t from = L->t0_ns - tl->max_flight_ns;
  size_t lo = fl_viz_arrow_lower(tl, from < L->t0_ns ? from : L->t0_ns);
  const fl_viz_arrow *arrows = (const fl_viz_arrow *)(void *)tl->arrows->data;
  const int64_t *chunk_max = (const int64_t *)(void *)tl->arrow_chunk_max->data;
  for (size_t i = lo; i < hi;) {
    size_t chunk = i / FL_VIZ_ARROW_CHUNK;
    size_t chunk_end = MIN((chunk + 1) * FL_VIZ_ARROW_CHUNK, hi);
    if (chunk_max[chunk] < L->t0_ns) {
      i = chunk_end;
      continue;
    }
    for (; i < chunk_end; i++)
      if (arrows[i].end_ns >= L->t0_ns && !fn(&arrows[i], i, data)) return;
  }
}

fl_viz_rgb fl_viz_arrow_colour(const fl_viz_timeline *tl, const fl_viz_arrow *a) {
  if (a->end == FL_VIZ_END_DROP) return FL_VIZ_C_DROP;
  if (a->end == FL_VIZ_END_FLIGHT) return FL_VIZ_C_FLIGHT;
  if (a->dup) return FL_VIZ_C_DUP;
  if (tl->lanes[a->src].is_client || tl->lanes[a->dst].is_client) return FL_VIZ_C_CLIENT_ARROW;
  return FL_VIZ_C_ARROW;
}

typedef struct arrow_ctx {
  SDL_Renderer *r;
  const fl_viz_scene *s;
  const fl_viz_layout *L;
  size_t drawn;
} arrow_ctx;

static void arrow_geometry(const fl_viz_layout *L, const fl_viz_arrow *a, int *xs, int *ys,
                           int *xe, int *ye) {
  *xs = fl_viz_layout_x(L, a->send_ns);
  *xe = fl_viz_layout_x(L, a->end_ns);
  *ys = fl_viz_layout_lane_mid(L, a->src);
  *ye = fl_viz_layout_lane_mid(L, a->dst);
  if (a->src == a->dst) *ye -= L->lane_h / 4; /* a message to itself: a short slanted line */
}

static void head(SDL_Renderer *r, int xs, int ys, int xe, int ye, fl_viz_rgb c) {
  double dx = xe - xs, dy = ye - ys, len = sqrt(dx * dx + dy * dy);
  if (len < 10) return;
  dx /= len;
  dy /= len;
  /* Two strokes 6 px long at +-25 degrees from the shaft. */
  double ca = 0.906, sa = 0.423;
  int ax = (int)lround(xe - 6 * (dx * ca - dy * sa)), ay = (int)lround(ye - 6 * (dy * ca + dx * sa));
  int bx = (int)lround(xe - 6 * (dx * ca + dy * sa)), by = (int)lround(ye - 6 * (dy * ca - dx * sa));
  fl__viz_line(r, xe, ye, ax, ay, c);
  fl__viz_line(r, xe, ye, bx, by, c);
}

static bool draw_arrow(const fl_viz_arrow *a, size_t index, void *data) {
  (void)index;
  arrow_ctx *c = data;
  int xs, ys, xe, ye;
  arrow_geometry(c->L, a, &xs, &ys, &xe, &ye);
  fl_viz_rgb col = fl_viz_arrow_colour(c->s->tl, a);
  fl__viz_line(c->r, xs, ys, xe, ye, col);
  if (a->end == FL_VIZ_END_DROP) {
    fl__viz_line(c->r, xe - 3, ye - 3, xe + 3, ye + 3, col);
    fl__viz_line(c->r, xe - 3, ye + 3, xe + 3, ye - 3, col);
  } else if (a->end == FL_VIZ_END_DELIVER) {
    head(c->r, xs, ys, xe, ye, col);
  }
  c->drawn++;
  return true;
}

static bool draw_dup_mark(const fl_viz_arrow *a, size_t index, void *data) {
  (void)index;
  arrow_ctx *c = data;
  const fl_viz_msg *m = &g_array_index(c->s->tl->msgs, fl_viz_msg, a->msg);
  if (!a->dup || m->dup_ns < c->L->t0_ns || m->dup_ns >= c->L->t1_ns) return true;
  int x = fl_viz_layout_x(c->L, m->dup_ns), y = fl_viz_layout_lane_mid(c->L, a->src);
  for (int d = 0; d <= 3; d++) fl__viz_line(c->r, x - 3 + d, y - d, x + 3 - d, y - d, FL_VIZ_C_DUP);
  for (int d = 1; d <= 3; d++) fl__viz_line(c->r, x - 3 + d, y + d, x + 3 - d, y + d, FL_VIZ_C_DUP);
  return true;
}

/* Densities: per lane and column, a bar centred on the lane whose height grows with the log of
 * the sends and deliveries in the column; drops as a red bar below it. */
static void draw_density(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L,
                         const int64_t *col) {
  int half = L->lane_h / 2 - 2;
  if (half < 1) half = 1;
  for (int l = 0; l < s->tl->n_lanes; l++) {
    const fl_viz_lane *ln = &s->tl->lanes[l];
    int mid = fl_viz_layout_lane_mid(L, l);
    size_t a = fl_viz_times_lower(&ln->activity, col[0]);
    size_t d = fl_viz_times_lower(&ln->drops, col[0]);
    for (int x = 0; x < L->plot_w; x++) {
      size_t a2 = fl_viz_times_lower(&ln->activity, col[x + 1]);
      size_t d2 = fl_viz_times_lower(&ln->drops, col[x + 1]);
      if (a2 > a) {
        int h = 1 + (int)(log2((double)(a2 - a)) * half / 8);
        if (h > half) h = half;
        fl__viz_line(r, L->plot_x + x, mid - h, L->plot_x + x, mid + h - 1, FL_VIZ_C_ARROW);
      }
      if (d2 > d) {
        int h = 1 + (int)(log2((double)(d2 - d)) * half / 8);
        if (h > half / 2 + 1) h = half / 2 + 1;
        fl__viz_line(r, L->plot_x + x, mid + half - h, L->plot_x + x, mid + half, FL_VIZ_C_DROP);
      }
      a = a2;
      d = d2;
    }
  }
}

void fl__viz_draw_messages(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L,
                           const int64_t *col, fl_viz_frame_info *info) {
  /* Timer firings: small ticks at the bottom of the lane, only when they are sparse. */
  for (int l = 0; l < s->tl->n_lanes; l++) {
    const fl_viz_times *tm = &s->tl->lanes[l].timers;
    if (fl_viz_times_count(tm, L->t0_ns, L->t1_ns) > (size_t)L->plot_w / 4 || L->lane_h < 10)
      continue;
    int bottom = fl_viz_layout_lane_top(L, l) + L->lane_h - 2;
    for (size_t i = fl_viz_times_lower(tm, L->t0_ns); i < tm->n && tm->t[i] < L->t1_ns; i++) {
      int x = fl_viz_layout_x(L, tm->t[i]);
      fl__viz_line(r, x, bottom - 3, x, bottom, FL_VIZ_C_TIMER);
    }
  }
  info->aggregated = fl_viz_arrows_aggregated(s->tl, L);
  if (info->aggregated) {
    draw_density(r, s, L, col);
    return;
  }
  arrow_ctx c = {.r = r, .s = s, .L = L};
  /* Delivered first, then what went wrong on top, so a drop is never hidden by a delivery. */
  fl_viz_arrows_visit(s->tl, L, draw_arrow, &c);
  fl_viz_arrows_visit(s->tl, L, draw_dup_mark, &c);
  info->arrows = c.drawn;
}

static fl_viz_rgb outcome_colour(int32_t o) {
  switch (o) {
  case FL_VIZ_OP_OK: return FL_VIZ_C_OP_OK;
  case FL_VIZ_OP_FAIL: return FL_VIZ_C_OP_FAIL;
  case FL_VIZ_OP_INFO: return FL_VIZ_C_OP_INFO;
  default: return FL_VIZ_C_OP_OPEN;
  }
}

/* Clients run closed loops: at most a handful of a lane's operations overlap (a timed-out one
 * continues as a new process). Starting this many operations before the first one invoked in
 * the view finds every operation still open at t0. */
#define OPS_BACK 8

void fl__viz_draw_ops(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L,
                      const int64_t *col, fl_viz_frame_info *info) {
  const fl_viz_timeline *tl = s->tl;
  for (int l = 0; l < tl->n_lanes; l++) {
    const fl_viz_lane *ln = &tl->lanes[l];
    if (!ln->ops->len) continue;
    int top = fl_viz_layout_lane_top(L, l);
    int y0 = top + MAX(fl_viz_stripe_h(L), 2) + 1, y1 = top + L->lane_h - 3;
    if (y1 <= y0) y1 = y0 + 1;
    size_t k0 = fl_viz_times_lower(&ln->op_times, L->t0_ns);
    size_t k1 = fl_viz_times_lower(&ln->op_times, L->t1_ns);
    if (k1 - k0 > (size_t)L->plot_w / 3) {
      /* Per column: the worst outcome among the operations invoked in it (prefix counts), or
       * the one still running from an earlier column. */
      size_t k = fl_viz_times_lower(&ln->op_times, col[0]);
      for (int x = 0; x < L->plot_w; x++) {
        size_t k2 = fl_viz_times_lower(&ln->op_times, col[x + 1]);
        fl_viz_rgb c;
        bool any = true;
        if (k2 > k) {
          c = ln->op_fail[k2] > ln->op_fail[k] ? FL_VIZ_C_OP_FAIL
              : ln->op_info[k2] > ln->op_info[k] ? FL_VIZ_C_OP_INFO : FL_VIZ_C_OP_OK;
        } else if (k > 0) {
          const fl_viz_op *op = &g_array_index(tl->ops, fl_viz_op, g_array_index(ln->ops, uint32_t, k - 1));
          any = op->complete_ns > col[x];
          c = outcome_colour(op->outcome);
        } else {
          any = false;
          c = FL_VIZ_C_OP_OK;
        }
        if (any) fl__viz_line(r, L->plot_x + x, y0, L->plot_x + x, y1 - 1, c);
        k = k2;
      }
      continue;
    }
    for (size_t k = k0 > OPS_BACK ? k0 - OPS_BACK : 0; k < k1; k++) {
      uint32_t oi = g_array_index(ln->ops, uint32_t, k);
      const fl_viz_op *op = &g_array_index(tl->ops, fl_viz_op, oi);
      if (op->complete_ns < L->t0_ns) continue;
      int x0 = fl_viz_layout_x(L, op->invoke_ns), x1 = fl_viz_layout_x(L, op->complete_ns);
      if (x1 <= x0) x1 = x0 + 1;
      fl_viz_rgb c = outcome_colour(op->outcome);
      fl__viz_fill_plot(r, L, x0, x1, y0, y1, c);
      if (x1 - x0 >= 4) {
        fl_viz_rgb edge = fl_viz_mix(c, FL_VIZ_RGB(0, 0, 0), 35);
        fl__viz_line(r, x0, y0, x0, y1 - 1, edge);
        fl__viz_line(r, x1 - 1, y0, x1 - 1, y1 - 1, edge);
      }
      info->ops++;
    }
  }
}
