/* render: the frame and the lanes' backgrounds (see render.h). Messages and operations are in
 * render_msgs.c, marks and overlays in render_marks.c, title, axis, panel and help in
 * render_chrome.c. */
#include "render_int.h"

void fl__viz_fill(SDL_Renderer *r, int x, int y, int w, int h, fl_viz_rgb c) {
  if (w <= 0 || h <= 0) return;
  fl__viz_colour(r, c);
  SDL_Rect rc = {x, y, w, h};
  SDL_RenderFillRect(r, &rc);
}

void fl__viz_fill_plot(SDL_Renderer *r, const fl_viz_layout *L, int x0, int x1, int y0, int y1,
                       fl_viz_rgb c) {
  if (x0 < L->plot_x) x0 = L->plot_x;
  if (x1 > L->plot_x + L->plot_w) x1 = L->plot_x + L->plot_w;
  fl__viz_fill(r, x0, y0, x1 - x0, y1 - y0, c);
}

void fl__viz_line(SDL_Renderer *r, int x0, int y0, int x1, int y1, fl_viz_rgb c) {
  fl__viz_colour(r, c);
  SDL_RenderDrawLine(r, x0, y0, x1, y1);
}

int64_t *fl__viz_columns(const fl_viz_layout *L) {
  int64_t *col = g_new(int64_t, (gsize)L->plot_w + 1);
  for (int i = 0; i <= L->plot_w; i++) col[i] = fl_viz_layout_time(L, L->plot_x + i);
  return col;
}

int fl_viz_stripe_h(const fl_viz_layout *L) { return L->lane_h >= 12 ? L->lane_h / 6 : 1; }

/* Role spans of a node lane: one rectangle per span, and a sub-pixel span fills its column and
 * skips to the first span of the next column (binary search), so flapping roles cost at most
 * one rectangle per column. */
static void draw_roles(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L, int lane,
                       const int64_t *col, fl_viz_placer *placer) {
  const fl_viz_lane *ln = &s->tl->lanes[lane];
  int top = fl_viz_layout_lane_top(L, lane);
  GArray *roles = ln->roles;
  size_t n = roles->len, lo = 0, hi = n;
  while (lo < hi) { /* first span ending after t0 */
    size_t mid = lo + (hi - lo) / 2;
    if (g_array_index(roles, fl_viz_role_span, mid).to_ns <= L->t0_ns) lo = mid + 1;
    else hi = mid;
  }
  int th = fl_viz_text_height(s->fonts);
  for (size_t i = lo; i < n;) {
    const fl_viz_role_span *sp = &g_array_index(roles, fl_viz_role_span, i);
    if (sp->from_ns >= L->t1_ns) break;
    int x0 = fl_viz_layout_x(L, sp->from_ns), x1 = fl_viz_layout_x(L, sp->to_ns);
    fl_viz_rgb c = fl_viz_role_colour(sp->role, sp->term);
    if (x1 <= x0) {
      fl__viz_fill_plot(r, L, x0, x0 + 1, top, top + L->lane_h, c);
      int64_t next = x0 + 1 - L->plot_x <= L->plot_w && x0 + 1 >= L->plot_x
                         ? col[x0 + 1 - L->plot_x] : fl_viz_layout_time(L, x0 + 1);
      size_t a = i + 1, b = n;
      while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (g_array_index(roles, fl_viz_role_span, mid).to_ns <= next) a = mid + 1;
        else b = mid;
      }
      i = a;
      continue;
    }
    fl__viz_fill_plot(r, L, x0, x1, top, top + L->lane_h, c);
    char *label = fl_viz_role_label(s->tl, sp);
    int tx = MAX(x0, L->plot_x) + 3;
    int tw = fl_viz_text_width(s->fonts, FL_VIZ_FONT_SANS, label);
    if (L->lane_h >= th + 2 && x1 - tx > tw) {
      fl_viz_draw_text(s->fonts, r, FL_VIZ_FONT_SANS, label, tx, top + L->lane_h - th - 1,
                  fl_viz_mix(c, FL_VIZ_RGB(0, 0, 0), 55));
      fl_viz_placer_block(placer, tx, top + L->lane_h - th - 1, tw, th); /* labels avoid it */
    }
    g_free(label);
    i++;
  }
}

static void draw_spans(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L,
                       const GArray *spans, fl_viz_rgb c, const char *what, int inset,
                       fl_viz_placer *placer) {
  int th = fl_viz_text_height(s->fonts);
  for (guint i = 0; i < spans->len; i++) {
    const fl_viz_span *sp = &g_array_index(spans, fl_viz_span, i);
    if (sp->to_ns < L->t0_ns || sp->from_ns >= L->t1_ns) continue;
    int top = fl_viz_layout_lane_top(L, sp->lane);
    int x0 = fl_viz_layout_x(L, sp->from_ns), x1 = MAX(fl_viz_layout_x(L, sp->to_ns), x0 + 1);
    fl__viz_fill_plot(r, L, x0, x1, top + inset, top + L->lane_h - inset, c);
    int tx = MAX(x0, L->plot_x) + 3;
    int tw = fl_viz_text_width(s->fonts, FL_VIZ_FONT_SANS, what);
    if (L->lane_h - 2 * inset >= th && x1 - tx > tw) {
      fl_viz_draw_text(s->fonts, r, FL_VIZ_FONT_SANS, what, tx, top + (L->lane_h - th) / 2,
                  c.r + c.g + c.b > 3 * 128 ? FL_VIZ_C_TEXT : FL_VIZ_C_TITLE_FG);
      fl_viz_placer_block(placer, tx, top + (L->lane_h - th) / 2, tw, th);
    }
  }
}

static void draw_partitions(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L) {
  const fl_viz_timeline *tl = s->tl;
  int sh = fl_viz_stripe_h(L);
  for (guint i = 0; i < tl->partitions->len; i++) {
    const fl_viz_partition *p = &g_array_index(tl->partitions, fl_viz_partition, i);
    if (p->to_ns < L->t0_ns || p->from_ns >= L->t1_ns) continue;
    int x0 = fl_viz_layout_x(L, p->from_ns), x1 = MAX(fl_viz_layout_x(L, p->to_ns), x0 + 1);
    for (int l = 0; l < tl->n_lanes; l++) {
      if (p->group[l] < 0) continue;
      int top = fl_viz_layout_lane_top(L, l);
      fl__viz_fill_plot(r, L, x0, x1, top, top + sh, fl_viz_group_colour(p->group[l]));
    }
  }
}

static void draw_cuts(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L,
                      fl_viz_placer *placer) {
  const fl_viz_timeline *tl = s->tl;
  int sh = fl_viz_stripe_h(L), th = fl_viz_text_height(s->fonts);
  for (guint i = 0; i < tl->cuts->len; i++) {
    const fl_viz_span *c = &g_array_index(tl->cuts, fl_viz_span, i);
    if (c->to_ns < L->t0_ns || c->from_ns >= L->t1_ns) continue;
    int top = fl_viz_layout_lane_top(L, c->lane);
    int x0 = fl_viz_layout_x(L, c->from_ns), x1 = MAX(fl_viz_layout_x(L, c->to_ns), x0 + 1);
    int y = top + L->lane_h - 1 - sh;
    fl__viz_fill_plot(r, L, x0, x1, y, y + sh, FL_VIZ_C_CUT);
    char *label = g_strdup_printf("cut ->%s", tl->lanes[c->aux].name);
    int tx = MAX(x0, L->plot_x) + 3;
    int tw = fl_viz_text_width(s->fonts, FL_VIZ_FONT_SANS, label);
    if (L->lane_h >= 2 * th && x1 - tx > tw) {
      fl_viz_draw_text(s->fonts, r, FL_VIZ_FONT_SANS, label, tx, y - th, FL_VIZ_C_CUT);
      fl_viz_placer_block(placer, tx, y - th, tw, th);
    }
    g_free(label);
  }
}

static void draw_lanes(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L,
                       const int64_t *col, fl_viz_placer *placer) {
  const fl_viz_timeline *tl = s->tl;
  for (int l = 0; l < tl->n_lanes; l++) {
    int top = fl_viz_layout_lane_top(L, l);
    fl__viz_fill(r, L->plot_x, top, L->plot_w, L->lane_h,
                 tl->lanes[l].is_client ? FL_VIZ_C_CLIENT_LANE : FL_VIZ_C_NO_STATE);
    if (!tl->lanes[l].is_client) draw_roles(r, s, L, l, col, placer);
  }
  draw_spans(r, s, L, tl->down, FL_VIZ_C_DOWN, "crashed", 0, placer);
  draw_spans(r, s, L, tl->paused, FL_VIZ_C_PAUSED, "paused", L->lane_h >= 12 ? L->lane_h / 4 : 0, placer);
  draw_partitions(r, s, L);
  draw_cuts(r, s, L, placer);
  if (L->lane_h >= 4)
    for (int l = 0; l < tl->n_lanes; l++) {
      int y = fl_viz_layout_lane_top(L, l) + L->lane_h - 1;
      fl__viz_line(r, L->plot_x, y, L->plot_x + L->plot_w - 1, y, FL_VIZ_C_SEPARATOR);
    }
}

void fl_viz_render(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L,
                   fl_viz_frame_info *info) {
  fl_viz_frame_info local = {0};
  if (!info) info = &local;
  *info = (fl_viz_frame_info){0};
  SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
  fl__viz_colour(r, FL_VIZ_C_BACKGROUND);
  SDL_RenderClear(r);
  int64_t *col = fl__viz_columns(L);
  SDL_Rect clip = {L->plot_x, L->plot_y, L->plot_w, L->plot_h};
  SDL_RenderSetClipRect(r, &clip);
  fl_viz_placer placer; /* every label of the frame, so none is drawn over another */
  fl_viz_placer_init(&placer);
  draw_lanes(r, s, L, col, &placer);
  fl__viz_draw_ops(r, s, L, col, info);
  fl__viz_draw_messages(r, s, L, col, info);
  fl__viz_draw_marks(r, s, L, col, &placer);
  fl__viz_draw_labels(r, s, L, info, &placer);
  fl_viz_placer_clear(&placer);
  SDL_RenderSetClipRect(r, NULL);
  fl__viz_draw_chrome(r, s, L, info);
  g_free(col);
}
