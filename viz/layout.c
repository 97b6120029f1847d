/* layout: time to pixels and back (see layout.h). 128-bit intermediates keep the mapping exact
 * for any span a trace can have (2^63 ns times 16384 pixels overflows 64 bits). */
#include "layout.h"
#include "labels.h"

#include <math.h>

#define MIN_SPAN_NS 100

void fl_viz_layout_init(fl_viz_layout *L, int width, int height, int n_lanes, bool panel,
                        fl_viz_view view) {
  *L = (fl_viz_layout){.width = width, .height = height, .n_lanes = n_lanes > 0 ? n_lanes : 1,
                       .t0_ns = view.t0_ns, .t1_ns = view.t1_ns};
  if (L->t1_ns <= L->t0_ns) L->t1_ns = L->t0_ns + 1;
  L->title_h = FL_VIZ_TITLE_H;
  L->axis_y = L->title_h;
  L->axis_h = FL_VIZ_AXIS_H;
  L->panel_h = panel ? FL_VIZ_PANEL_LINES * FL_VIZ_LINE_H + 8 : 0;
  int legend_h = fl_viz_legend_rows(width) * FL_VIZ_LINE_H + 8;
  L->legend_h = !panel && 3 * legend_h <= height - L->axis_y - L->axis_h ? legend_h : 0;
  L->legend_y = height - L->legend_h;
  L->panel_y = height - L->panel_h - L->legend_h;
  L->plot_x = FL_VIZ_LABEL_W;
  L->plot_w = width - L->plot_x - 8;
  if (L->plot_w < 1) L->plot_w = 1;
  L->plot_y = L->axis_y + L->axis_h;
  int avail = L->panel_y - L->plot_y - 4;
  L->lane_h = avail / L->n_lanes;
  if (L->lane_h < 1) L->lane_h = 1;
  L->plot_h = L->lane_h * L->n_lanes;
}

static __int128 floordiv(__int128 a, __int128 b) {
  __int128 q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}

int fl_viz_layout_x(const fl_viz_layout *L, int64_t t_ns) {
  __int128 span = (__int128)L->t1_ns - L->t0_ns;
  __int128 off = floordiv(((__int128)t_ns - L->t0_ns) * L->plot_w, span);
  __int128 lim = (__int128)4 * L->plot_w + 64;
  if (off < -lim) off = -lim;
  if (off > lim) off = lim;
  return L->plot_x + (int)off;
}

int64_t fl_viz_layout_time(const fl_viz_layout *L, int x) {
  __int128 span = (__int128)L->t1_ns - L->t0_ns;
  /* ceil((x - plot_x) * span / plot_w) */
  __int128 n = (__int128)(x - L->plot_x) * span;
  __int128 q = -floordiv(-n, L->plot_w);
  __int128 t = (__int128)L->t0_ns + q;
  if (t > INT64_MAX) t = INT64_MAX;
  if (t < INT64_MIN) t = INT64_MIN;
  return (int64_t)t;
}

int fl_viz_layout_lane_top(const fl_viz_layout *L, int lane) { return L->plot_y + lane * L->lane_h; }

int fl_viz_layout_lane_mid(const fl_viz_layout *L, int lane) {
  return L->plot_y + lane * L->lane_h + L->lane_h / 2;
}

int fl_viz_layout_lane_at(const fl_viz_layout *L, int y) {
  if (y < L->plot_y || y >= L->plot_y + L->plot_h) return -1;
  return (y - L->plot_y) / L->lane_h;
}

int64_t fl_viz_layout_tick_step(const fl_viz_layout *L, int min_px) {
  __int128 span = (__int128)L->t1_ns - L->t0_ns;
  __int128 need = span * min_px / L->plot_w + 1; /* ns per min_px pixels */
  int64_t p = 1;
  for (;;) {
    static const int mult[] = {1, 2, 5};
    for (int i = 0; i < 3; i++)
      if ((__int128)p * mult[i] >= need) return p * mult[i];
    if (p > INT64_MAX / 100) return p * 10;
    p *= 10;
  }
}

fl_viz_view fl_viz_view_fit(int64_t end_ns) {
  return (fl_viz_view){.t0_ns = 0, .t1_ns = end_ns > 0 ? end_ns : 1};
}

static void clamp(fl_viz_view *v, int64_t end_ns) {
  int64_t span = v->t1_ns - v->t0_ns;
  int64_t max_span = end_ns > INT64_MAX / 8 ? INT64_MAX / 2 : 4 * end_ns;
  if (max_span < MIN_SPAN_NS) max_span = MIN_SPAN_NS;
  if (span < MIN_SPAN_NS) span = MIN_SPAN_NS;
  if (span > max_span) span = max_span;
  /* Some of [0, end) stays in view: t0 in [-span/2, end - span/2]. */
  int64_t lo = -span / 2, hi = end_ns - span / 2;
  if (v->t0_ns < lo) v->t0_ns = lo;
  if (v->t0_ns > hi) v->t0_ns = hi;
  v->t1_ns = v->t0_ns + span;
}

void fl_viz_view_zoom(fl_viz_view *v, int64_t anchor_ns, double factor, int64_t end_ns) {
  double span = (double)(v->t1_ns - v->t0_ns);
  double frac = span > 0 ? (double)(anchor_ns - v->t0_ns) / span : 0.5;
  double ns = span * factor;
  if (ns < MIN_SPAN_NS) ns = MIN_SPAN_NS;
  if (ns > 4.0 * (double)end_ns && ns > MIN_SPAN_NS) ns = fmax(4.0 * (double)end_ns, MIN_SPAN_NS);
  int64_t nspan = (int64_t)llround(ns);
  v->t0_ns = anchor_ns - (int64_t)llround(frac * (double)nspan);
  v->t1_ns = v->t0_ns + nspan;
  clamp(v, end_ns);
}

void fl_viz_view_pan(fl_viz_view *v, int64_t dt_ns, int64_t end_ns) {
  v->t0_ns += dt_ns;
  v->t1_ns += dt_ns;
  clamp(v, end_ns);
}

void fl_viz_view_center(fl_viz_view *v, int64_t t_ns, int64_t end_ns) {
  int64_t span = v->t1_ns - v->t0_ns;
  v->t0_ns = t_ns - span / 2;
  v->t1_ns = v->t0_ns + span;
  clamp(v, end_ns);
}
