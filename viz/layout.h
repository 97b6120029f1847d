/* layout: where things go on the picture. Time to pixels and back, lane geometry, the time
 * axis' ticks, and the view (the time window shown) with zoom, pan and fit.
 *
 * The picture, top to bottom: a title line, the time axis, the lanes (one per node, then one
 * per client, equal integer heights, names in a column on the left), and in the window a
 * details panel. Column x of the plot shows the times [time(x), time(x + 1)): the mapping is
 * integer arithmetic, exact both ways (x(time(x)) == x), so tests can compute which pixel an
 * event lands on and the renderer's per-column aggregation never counts an event twice.
 *
 * Plain values, no allocation, no ownership.
 */
#ifndef FL_VIZ_LAYOUT_H
#define FL_VIZ_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

/* The time window shown: [t0, t1), t1 > t0. */
typedef struct fl_viz_view {
  int64_t t0_ns, t1_ns;
} fl_viz_view;

typedef struct fl_viz_layout {
  int width, height;
  int title_h, axis_y, axis_h;
  int plot_x, plot_y, plot_w, plot_h; /* the lanes' area; lane labels left of plot_x */
  int n_lanes, lane_h;
  int panel_y, panel_h;               /* details panel (panel_h 0: none) */
  int legend_y, legend_h;             /* colour legend below the lanes (legend_h 0: none) */
  int64_t t0_ns, t1_ns;
} fl_viz_layout;

#define FL_VIZ_TITLE_H 20
#define FL_VIZ_AXIS_H 22
#define FL_VIZ_LABEL_W 64
#define FL_VIZ_PANEL_LINES 5
#define FL_VIZ_LINE_H 16

/* Smallest picture accepted (and largest), for --width and --height. */
#define FL_VIZ_MIN_W 320
#define FL_VIZ_MIN_H 200
#define FL_VIZ_MAX_W 16384
#define FL_VIZ_MAX_H 16384

/* With a panel (the window) there is no legend strip: the window's help overlay shows the
 * legend. Without one (PNG output) the bottom holds the colour legend (labels.h), unless it
 * would take more than a third of the height left for lanes. */
void fl_viz_layout_init(fl_viz_layout *L, int width, int height, int n_lanes, bool panel,
                        fl_viz_view view);

/* Pixel column of time t (clamped to a few plot widths either side, so it fits an int). */
int fl_viz_layout_x(const fl_viz_layout *L, int64_t t_ns);
/* First time shown in pixel column x. */
int64_t fl_viz_layout_time(const fl_viz_layout *L, int x);
int fl_viz_layout_lane_top(const fl_viz_layout *L, int lane);
int fl_viz_layout_lane_mid(const fl_viz_layout *L, int lane);
/* The lane at pixel row y, or -1. */
int fl_viz_layout_lane_at(const fl_viz_layout *L, int y);
/* A tick step of 1, 2 or 5 times a power of ten ns, at least min_px pixels apart. */
int64_t fl_viz_layout_tick_step(const fl_viz_layout *L, int min_px);

/* [0, end). */
fl_viz_view fl_viz_view_fit(int64_t end_ns);
/* Zooms by `factor` (< 1 zooms in) keeping time `anchor` at the same pixel; spans are kept
 * between 100 ns and 4 * end_ns. */
void fl_viz_view_zoom(fl_viz_view *v, int64_t anchor_ns, double factor, int64_t end_ns);
/* Moves by dt, keeping some of [0, end) in view. */
void fl_viz_view_pan(fl_viz_view *v, int64_t dt_ns, int64_t end_ns);
/* Centres the view on t, keeping its span. */
void fl_viz_view_center(fl_viz_view *v, int64_t t_ns, int64_t end_ns);

#endif
