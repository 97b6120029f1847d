/* render_marks: annotations, network changes, violations, the linearizability overlay, the
 * cursor and the hovered item (see render.h). */
#include "render_int.h"

#include <string.h>

/* Annotations of a lane: a tick at the lane's top and, when there is room before the next
 * one, the text. Dense annotations collapse to one tick per column (binary search to the next
 * column). */
static void draw_notes(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L,
                       const int64_t *col, fl_viz_placer *placer) {
  const fl_viz_timeline *tl = s->tl;
  int th = fl_viz_text_height(s->fonts);
  for (int l = 0; l < tl->n_lanes; l++) {
    const fl_viz_lane *ln = &tl->lanes[l];
    const fl_viz_times *nt = &ln->note_times;
    int top = fl_viz_layout_lane_top(L, l) + fl_viz_stripe_h(L);
    int free_x = L->plot_x;
    size_t i = fl_viz_times_lower(nt, L->t0_ns), end = fl_viz_times_lower(nt, L->t1_ns);
    while (i < end) {
      int x = fl_viz_layout_x(L, nt->t[i]);
      fl__viz_line(r, x, top, x, top + MIN(L->lane_h / 3, 8), FL_VIZ_C_NOTE);
      size_t next = x + 1 - L->plot_x <= L->plot_w
                        ? fl_viz_times_lower(nt, col[x + 1 - L->plot_x]) : end;
      if (next <= i) next = i + 1;
      const fl_viz_note *n = &g_array_index(tl->notes, fl_viz_note, g_array_index(ln->note_idx, uint32_t, i));
      const char *text = fl_viz_text(tl, n->text);
      int w = fl_viz_text_width(s->fonts, FL_VIZ_FONT_SANS, text);
      int room = next < end ? fl_viz_layout_x(L, nt->t[next]) - x : L->plot_x + L->plot_w - x;
      if (x + 2 >= free_x && w + 6 <= room && L->lane_h >= th + 4) {
        fl_viz_draw_text(s->fonts, r, FL_VIZ_FONT_SANS, text, x + 2, top, FL_VIZ_C_NOTE);
        fl_viz_placer_block(placer, x + 2, top, w, th);
        free_x = x + w + 6;
      }
      i = next;
    }
  }
}

/* Network changes and violations: a line across every lane (dashed for network changes).
 * Their labels are placed with the others (render_labels.c). A violation also marks, on each
 * node lane its text names, a square at its time: the nodes the invariant is about. */
static void vertical_notes(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L,
                           const GArray *notes, fl_viz_rgb c, bool dashed) {
  const fl_viz_timeline *tl = s->tl;
  bool *named = dashed ? NULL : g_new0(bool, tl->n_nodes > 0 ? tl->n_nodes : 1);
  for (guint i = 0; i < notes->len; i++) {
    const fl_viz_note *n = &g_array_index(notes, fl_viz_note, i);
    if (n->time_ns < L->t0_ns || n->time_ns >= L->t1_ns) continue;
    int x = fl_viz_layout_x(L, n->time_ns);
    if (dashed) {
      for (int y = L->plot_y; y < L->plot_y + L->plot_h; y += 6)
        fl__viz_line(r, x, y, x, MIN(y + 2, L->plot_y + L->plot_h - 1), c);
      continue;
    }
    fl__viz_line(r, x, L->plot_y, x, L->plot_y + L->plot_h - 1, c);
    memset(named, 0, sizeof(bool) * (size_t)(tl->n_nodes > 0 ? tl->n_nodes : 1));
    fl_viz_violation_nodes(fl_viz_text(tl, n->text), tl->n_nodes, named);
    int half = MAX(MIN(L->lane_h / 4, 5), 1);
    for (int l = 0; l < tl->n_nodes; l++)
      if (named[l])
        fl__viz_fill(r, x - half, fl_viz_layout_lane_mid(L, l) - half, 2 * half + 1, 2 * half + 1, c);
  }
  g_free(named);
}

static void outline(SDL_Renderer *r, int x0, int y0, int x1, int y1, fl_viz_rgb c) {
  for (int k = 0; k < 2; k++) {
    fl__viz_line(r, x0 - k, y0 - k, x1 + k, y0 - k, c);
    fl__viz_line(r, x0 - k, y1 + k, x1 + k, y1 + k, c);
    fl__viz_line(r, x0 - k, y0 - k, x0 - k, y1 + k, c);
    fl__viz_line(r, x1 + k, y0 - k, x1 + k, y1 + k, c);
  }
}

void fl__viz_op_box(const fl_viz_layout *L, const fl_viz_op *op, int *x0, int *y0, int *x1,
                    int *y1) {
  int top = fl_viz_layout_lane_top(L, op->lane);
  *x0 = fl_viz_layout_x(L, op->invoke_ns) - 1;
  *x1 = MAX(fl_viz_layout_x(L, op->complete_ns), *x0 + 2);
  *y0 = top + 1;
  *y1 = top + L->lane_h - 2;
}

static void draw_lin(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L) {
  const fl_viz_lin *lin = s->lin;
  if (!lin || !lin->failed) return;
  const fl_viz_timeline *tl = s->tl;
  GArray *sets[] = {lin->window, lin->unplaced};
  for (int k = 0; k < 2; k++)
    for (guint i = 0; i < sets[k]->len; i++) {
      const fl_viz_op *op = &g_array_index(tl->ops, fl_viz_op, g_array_index(sets[k], uint32_t, i));
      if (op->complete_ns < L->t0_ns || op->invoke_ns >= L->t1_ns) continue;
      int x0, y0, x1, y1;
      fl__viz_op_box(L, op, &x0, &y0, &x1, &y1);
      outline(r, x0, y0, x1, y1, FL_VIZ_C_LIN);
    }
}

void fl__viz_draw_marks(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L,
                        const int64_t *col, fl_viz_placer *placer) {
  draw_notes(r, s, L, col, placer);
  vertical_notes(r, s, L, s->tl->net_changes, FL_VIZ_C_NET_CHANGE, true);
  vertical_notes(r, s, L, s->tl->violations, FL_VIZ_C_VIOLATION, false);
  draw_lin(r, s, L);
  if (s->hover_op >= 0 && (guint)s->hover_op < s->tl->ops->len) {
    int x0, y0, x1, y1;
    fl__viz_op_box(L, &g_array_index(s->tl->ops, fl_viz_op, s->hover_op), &x0, &y0, &x1, &y1);
    outline(r, x0, y0, x1, y1, FL_VIZ_C_HOVER);
  }
  if (s->hover_arrow >= 0 && (guint)s->hover_arrow < s->tl->arrows->len) {
    const fl_viz_arrow *a = &g_array_index(s->tl->arrows, fl_viz_arrow, s->hover_arrow);
    int xs = fl_viz_layout_x(L, a->send_ns), xe = fl_viz_layout_x(L, a->end_ns);
    int ys = fl_viz_layout_lane_mid(L, a->src), ye = fl_viz_layout_lane_mid(L, a->dst);
    for (int d = -1; d <= 1; d++) fl__viz_line(r, xs + d, ys, xe + d, ye, FL_VIZ_C_HOVER);
  }
  if (s->cursor_ns >= L->t0_ns && s->cursor_ns < L->t1_ns) {
    int x = fl_viz_layout_x(L, s->cursor_ns);
    fl__viz_line(r, x, L->plot_y, x, L->plot_y + L->plot_h - 1, FL_VIZ_C_CURSOR);
  }
}
