/* render_chrome: the title line, the time axis, lane names, the details panel and the help
 * overlay (see render.h). */
#include "render_int.h"
#include "labels.h"

#include <string.h>

/* The keys, as the help overlay and `faultline viz --help` list them. */
static const char *const help_lines[] = {
    "wheel            zoom around the pointer",
    "drag             pan",
    "f, Home          fit the whole run",
    "space            play / pause",
    "+ / -            play faster / slower",
    "n, right arrow   next event (cursor)",
    "p, left arrow    previous event",
    "j / J            next / previous fault (crash, pause, partition, cut, drops, network)",
    "v / V            next / previous invariant violation",
    "l                the linearizability counterexample (with --report)",
    "F12              save a screenshot (PNG)",
    "h, ?             this help",
    "q, Esc           quit",
    "Pointer over a message, operation or lane: details below.",
};

static void draw_axis(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L) {
  fl__viz_fill(r, 0, L->axis_y, L->width, L->axis_h, FL_VIZ_C_AXIS_BG);
  int64_t step = fl_viz_layout_tick_step(L, 90);
  int64_t first = L->t0_ns >= 0 ? (L->t0_ns + step - 1) / step * step : -((-L->t0_ns) / step * step);
  int base = L->axis_y + L->axis_h - 1;
  for (int64_t t = first; t < L->t1_ns; t += step) {
    int x = fl_viz_layout_x(L, t);
    fl__viz_line(r, x, base - 5, x, base, FL_VIZ_C_AXIS_FG);
    char *label = fl_viz_format_time(t, step);
    fl_viz_draw_text(s->fonts, r, FL_VIZ_FONT_SANS, label, x + 3, L->axis_y + 2, FL_VIZ_C_AXIS_FG);
    g_free(label);
    /* Minor ticks at a fifth (or half for 2x steps) of the step. */
    int64_t minor = step / 5 > 0 ? step / 5 : 0;
    for (int k = 1; minor && k < 5; k++) {
      int mx = fl_viz_layout_x(L, t + k * minor);
      if (mx < L->plot_x + L->plot_w) fl__viz_line(r, mx, base - 2, mx, base, FL_VIZ_C_AXIS_FG);
    }
    if (t > INT64_MAX - step) break;
  }
  fl__viz_line(r, L->plot_x, base, L->plot_x + L->plot_w - 1, base, FL_VIZ_C_AXIS_FG);
  /* Partitions, the linearizability window and the cursor, as marks along the axis. */
  for (guint i = 0; i < s->tl->partitions->len; i++) {
    const fl_viz_partition *p = &g_array_index(s->tl->partitions, fl_viz_partition, i);
    if (p->to_ns < L->t0_ns || p->from_ns >= L->t1_ns) continue;
    fl__viz_fill_plot(r, L, fl_viz_layout_x(L, p->from_ns), fl_viz_layout_x(L, p->to_ns) + 1,
                      base - 1, base + 1, fl_viz_group_colour(1));
  }
  if (s->lin && s->lin->failed && s->lin->to_ns >= L->t0_ns && s->lin->from_ns < L->t1_ns)
    fl__viz_fill_plot(r, L, fl_viz_layout_x(L, s->lin->from_ns) - 1,
                      fl_viz_layout_x(L, s->lin->to_ns) + 2, base - 4, base + 1, FL_VIZ_C_LIN);
}

char *fl_viz_title_text(const fl_viz_scene *s, const fl_viz_layout *L, bool aggregated) {
  const fl_viz_timeline *tl = s->tl;
  /* Precision: a tenth of the axis' tick step, enough to tell the view's ends apart. */
  int64_t prec = MAX(fl_viz_layout_tick_step(L, 90) / 10, 1);
  char *a = fl_viz_format_time(L->t0_ns, prec), *b = fl_viz_format_time(L->t1_ns, prec);
  char *span = fl_viz_format_time(L->t1_ns - L->t0_ns, prec);
  const char *base = strrchr(tl->scenario, '/');
  /* What failed comes right after the run's name, where a narrow picture does not clip it. */
  char *failed = fl_viz_failure_text(tl, s->lin && s->lin->failed);
  char *title = g_strdup_printf("%s  %s  seed %" G_GUINT64_FORMAT "  |  %s%s%s .. %s (%s)  |  %s",
                                base ? base + 1 : tl->scenario, tl->protocol, tl->seed,
                                failed ? failed : "", failed ? "  |  " : "", a, b, span,
                                aggregated ? "message density (zoom in for arrows)" : "messages");
  g_free(failed);
  g_free(a);
  g_free(b);
  g_free(span);
  return title;
}

static void draw_title(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L,
                       const fl_viz_frame_info *info) {
  fl__viz_fill(r, 0, 0, L->width, L->title_h, FL_VIZ_C_TITLE_BG);
  char *title = fl_viz_title_text(s, L, info->aggregated);
  int right = L->width - 6;
  if (s->status) {
    int w = fl_viz_text_width(s->fonts, FL_VIZ_FONT_SANS, s->status);
    fl_viz_draw_text(s->fonts, r, FL_VIZ_FONT_SANS, s->status, L->width - w - 6, 2, FL_VIZ_C_TITLE_FG);
    right = L->width - w - 18;
  }
  /* The title gives way to the status rather than running under it. */
  SDL_Rect clip = {0, 0, MAX(right, 1), L->title_h};
  SDL_RenderSetClipRect(r, &clip);
  fl_viz_draw_text(s->fonts, r, FL_VIZ_FONT_SANS, title, 6, 2, FL_VIZ_C_TITLE_FG);
  SDL_RenderSetClipRect(r, NULL);
  g_free(title);
}

void fl__viz_draw_legend(SDL_Renderer *r, fl_viz_fonts *fonts, int x, int y, int cols) {
  size_t n;
  const fl_viz_legend_entry *e = fl_viz_legend(&n);
  for (size_t k = 0; k < n; k++) {
    int cx = x + (int)(k % (size_t)cols) * FL_VIZ_LEGEND_CELL_W;
    int cy = y + (int)(k / (size_t)cols) * FL_VIZ_LINE_H + 3;
    int sw = FL_VIZ_LEGEND_SWATCH_W, sh = FL_VIZ_LEGEND_SWATCH_H;
    switch (e[k].swatch) {
    case FL_VIZ_SWATCH_FILL:
      fl__viz_fill(r, cx, cy, sw, sh, e[k].colour);
      break;
    case FL_VIZ_SWATCH_LINE:
      fl__viz_fill(r, cx, cy + sh / 2 - 1, sw, 2, e[k].colour);
      break;
    case FL_VIZ_SWATCH_CROSS:
      fl__viz_line(r, cx + 2, cy, cx + 2 + sh - 1, cy + sh - 1, e[k].colour);
      fl__viz_line(r, cx + 2, cy + sh - 1, cx + 2 + sh - 1, cy, e[k].colour);
      break;
    }
    fl_viz_draw_text(fonts, r, FL_VIZ_FONT_SANS, e[k].text, cx + sw + 4, cy - 3, FL_VIZ_C_TEXT);
  }
}

static void draw_legend_strip(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L) {
  if (!L->legend_h) return;
  fl__viz_fill(r, 0, L->legend_y, L->width, L->legend_h, FL_VIZ_C_PANEL_BG);
  fl__viz_line(r, 0, L->legend_y, L->width - 1, L->legend_y, FL_VIZ_C_SEPARATOR);
  fl__viz_draw_legend(r, s->fonts, FL_VIZ_LEGEND_X, L->legend_y + 2, fl_viz_legend_cols(L->width));
}

static void draw_lane_names(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L) {
  int th = fl_viz_text_height(s->fonts);
  fl__viz_fill(r, 0, L->plot_y, L->plot_x - 2, L->plot_h, FL_VIZ_C_BACKGROUND);
  int every = L->lane_h >= th ? 1 : (th + L->lane_h - 1) / L->lane_h;
  for (int l = 0; l < s->tl->n_lanes; l += every) {
    int y = fl_viz_layout_lane_mid(L, l) - th / 2;
    fl_viz_draw_text(s->fonts, r, FL_VIZ_FONT_BOLD, s->tl->lanes[l].name, 6, y, FL_VIZ_C_TEXT);
  }
}

static void draw_panel(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L) {
  if (!L->panel_h) return;
  fl__viz_fill(r, 0, L->panel_y, L->width, L->panel_h, FL_VIZ_C_PANEL_BG);
  fl__viz_line(r, 0, L->panel_y, L->width - 1, L->panel_y, FL_VIZ_C_SEPARATOR);
  for (int i = 0; i < FL_VIZ_PANEL_LINES; i++)
    if (s->details[i])
      fl_viz_draw_text(s->fonts, r, FL_VIZ_FONT_MONO, s->details[i], 6,
                  L->panel_y + 4 + i * FL_VIZ_LINE_H, FL_VIZ_C_TEXT);
}

static void draw_help(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L) {
  int n = (int)G_N_ELEMENTS(help_lines), w = 0;
  for (int i = 0; i < n; i++)
    w = MAX(w, fl_viz_text_width(s->fonts, FL_VIZ_FONT_MONO, help_lines[i]));
  /* The colour legend under the keys, as many cells to a row as the box has room for. */
  size_t n_legend;
  fl_viz_legend(&n_legend);
  int cols = MAX(w / FL_VIZ_LEGEND_CELL_W, 1);
  int rows = ((int)n_legend + cols - 1) / cols;
  w = MAX(w, cols * FL_VIZ_LEGEND_CELL_W);
  int bw = w + 24, bh = (n + 3 + rows) * FL_VIZ_LINE_H + 12;
  int x = MAX((L->width - bw) / 2, 0), y = MAX(L->plot_y + 10, 0);
  fl__viz_fill(r, x - 2, y - 2, bw + 4, bh + 4, FL_VIZ_C_TITLE_BG);
  fl__viz_fill(r, x, y, bw, bh, FL_VIZ_C_HELP_BG);
  fl_viz_draw_text(s->fonts, r, FL_VIZ_FONT_BOLD, "Keys (h or ? closes)", x + 12, y + 6, FL_VIZ_C_TEXT);
  for (int i = 0; i < n; i++)
    fl_viz_draw_text(s->fonts, r, FL_VIZ_FONT_MONO, help_lines[i], x + 12,
                y + 6 + (i + 1) * FL_VIZ_LINE_H + 4, FL_VIZ_C_TEXT);
  int ly = y + 6 + (n + 1) * FL_VIZ_LINE_H + 8;
  fl_viz_draw_text(s->fonts, r, FL_VIZ_FONT_BOLD, "Colours", x + 12, ly, FL_VIZ_C_TEXT);
  fl__viz_draw_legend(r, s->fonts, x + 12, ly + FL_VIZ_LINE_H, cols);
}

void fl__viz_draw_chrome(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L,
                         const fl_viz_frame_info *info) {
  draw_title(r, s, L, info);
  draw_axis(r, s, L);
  draw_lane_names(r, s, L);
  draw_panel(r, s, L);
  draw_legend_strip(r, s, L);
  if (s->help) draw_help(r, s, L);
}

const char *const *fl_viz_help_lines(size_t *n) {
  *n = G_N_ELEMENTS(help_lines);
  return help_lines;
}
