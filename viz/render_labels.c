/* render_labels: the plot's words, placed after everything else is drawn so that no label is
 * drawn over another (see render.h and labels.h). Priority, highest first: violations (the
 * invariant and its nodes), network changes, the counterexample's tags, operation labels
 * ("w 2", "r -> 3") and message types on arrows. A label that would overlap one placed before
 * it is skipped (greedy placement); operation and arrow labels appear only once zoomed in far
 * enough for them to fit: an operation wide enough for its label, at most one arrow per
 * ARROW_LABEL_PX pixel columns in view. */
#include "render_int.h"

enum { ARROW_LABEL_PX = 40, OPS_BACK = 8, TRIES = 3 };

/* A vertical line's label: right of the line when it fits in the plot, else left of it; a row
 * lower when that is taken, up to TRIES rows. */
static void line_label(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L,
                       fl_viz_placer *placer, int x, const char *text, fl_viz_rgb c) {
  int th = fl_viz_text_height(s->fonts);
  int w = fl_viz_text_width(s->fonts, FL_VIZ_FONT_BOLD, text);
  int tx = x + 3 + w <= L->plot_x + L->plot_w ? x + 3 : MAX(L->plot_x, x - 3 - w);
  for (int k = 0; k < TRIES; k++) {
    int ty = L->plot_y + 1 + k * th;
    if (ty + th > L->plot_y + L->plot_h) break;
    if (fl_viz_placer_try(placer, tx, ty, w, th)) {
      fl_viz_draw_text(s->fonts, r, FL_VIZ_FONT_BOLD, text, tx, ty, c);
      return;
    }
  }
}

static void note_labels(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L,
                        fl_viz_placer *placer, const GArray *notes, fl_viz_rgb c, bool violation) {
  for (guint i = 0; i < notes->len; i++) {
    const fl_viz_note *n = &g_array_index(notes, fl_viz_note, i);
    if (n->time_ns < L->t0_ns || n->time_ns >= L->t1_ns) continue;
    const char *text = fl_viz_text(s->tl, n->text);
    char *label = violation ? fl_viz_violation_label(text) : g_strdup(text);
    line_label(r, s, L, placer, fl_viz_layout_x(L, n->time_ns), label, c);
    g_free(label);
  }
}

static void lin_labels(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L,
                       fl_viz_placer *placer) {
  const fl_viz_lin *lin = s->lin;
  if (!lin || !lin->failed) return;
  const fl_viz_timeline *tl = s->tl;
  int th = fl_viz_text_height(s->fonts);
  /* The operations that could not be placed first: their tag matters most. */
  GArray *sets[] = {lin->unplaced, lin->window};
  for (int k = 0; k < 2; k++)
    for (guint i = 0; i < sets[k]->len; i++) {
      uint32_t oi = g_array_index(sets[k], uint32_t, i);
      const fl_viz_op *op = &g_array_index(tl->ops, fl_viz_op, oi);
      if (op->complete_ns < L->t0_ns || op->invoke_ns >= L->t1_ns) continue;
      const char *tag = lin->mark[oi] & FL_VIZ_LIN_UNPLACED ? "not linearizable here" : "counterexample";
      int x0, y0, x1, y1;
      fl__viz_op_box(L, op, &x0, &y0, &x1, &y1);
      int tx = MAX(x0, L->plot_x) + 3, w = fl_viz_text_width(s->fonts, FL_VIZ_FONT_BOLD, tag);
      if (fl_viz_placer_try(placer, tx, y0 + 1, w, th))
        fl_viz_draw_text(s->fonts, r, FL_VIZ_FONT_BOLD, tag, tx, y0 + 1, FL_VIZ_C_LIN);
    }
}

static void op_labels(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L,
                      fl_viz_placer *placer) {
  const fl_viz_timeline *tl = s->tl;
  int th = fl_viz_text_height(s->fonts);
  for (int l = 0; l < tl->n_lanes; l++) {
    const fl_viz_lane *ln = &tl->lanes[l];
    if (!ln->ops->len) continue;
    /* The operation's rectangle, as fl__viz_draw_ops draws it. */
    int top = fl_viz_layout_lane_top(L, l);
    int y0 = top + MAX(fl_viz_stripe_h(L), 2) + 1, y1 = top + L->lane_h - 3;
    if (y1 - y0 < th) continue;
    size_t k0 = fl_viz_times_lower(&ln->op_times, L->t0_ns);
    size_t k1 = fl_viz_times_lower(&ln->op_times, L->t1_ns);
    if (k1 - k0 > (size_t)L->plot_w / 3) continue; /* drawn per column: no room for words */
    for (size_t k = k0 > OPS_BACK ? k0 - OPS_BACK : 0; k < k1; k++) {
      const fl_viz_op *op = &g_array_index(tl->ops, fl_viz_op, g_array_index(ln->ops, uint32_t, k));
      if (op->complete_ns < L->t0_ns) continue;
      int x0 = MAX(fl_viz_layout_x(L, op->invoke_ns), L->plot_x);
      int x1 = MIN(fl_viz_layout_x(L, op->complete_ns), L->plot_x + L->plot_w);
      char *label = fl_viz_op_label(op);
      int w = fl_viz_text_width(s->fonts, FL_VIZ_FONT_SANS, label);
      int ty = y0 + (y1 - y0 - th) / 2;
      if (x1 - x0 >= w + 6 && fl_viz_placer_try(placer, x0 + 3, ty, w, th))
        fl_viz_draw_text(s->fonts, r, FL_VIZ_FONT_SANS, label, x0 + 3, ty, FL_VIZ_C_TEXT);
      g_free(label);
    }
  }
}

typedef struct arrow_labels {
  SDL_Renderer *r;
  const fl_viz_scene *s;
  const fl_viz_layout *L;
  fl_viz_placer *placer;
  int th;
} arrow_labels;

/* The message's type at the arrow's midpoint, in the arrow's colour. */
static bool arrow_label(const fl_viz_arrow *a, size_t index, void *data) {
  (void)index;
  arrow_labels *c = data;
  const fl_viz_layout *L = c->L;
  const fl_viz_msg *m = &g_array_index(c->s->tl->msgs, fl_viz_msg, a->msg);
  int xs = fl_viz_layout_x(L, a->send_ns), xe = fl_viz_layout_x(L, a->end_ns);
  int ys = fl_viz_layout_lane_mid(L, a->src), ye = fl_viz_layout_lane_mid(L, a->dst);
  char *type = fl_viz_msg_type(fl_viz_text(c->s->tl, m->desc));
  int w = fl_viz_text_width(c->s->fonts, FL_VIZ_FONT_SANS, type);
  int x = (xs + xe) / 2 - w / 2, y = (ys + ye) / 2 - c->th / 2;
  if (x >= L->plot_x && x + w <= L->plot_x + L->plot_w && y >= L->plot_y &&
      y + c->th <= L->plot_y + L->plot_h && fl_viz_placer_try(c->placer, x, y, w, c->th))
    fl_viz_draw_text(c->s->fonts, c->r, FL_VIZ_FONT_SANS, type, x, y, fl_viz_arrow_colour(c->s->tl, a));
  g_free(type);
  return true;
}

void fl__viz_draw_labels(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L,
                         const fl_viz_frame_info *info, fl_viz_placer *placer) {
  note_labels(r, s, L, placer, s->tl->violations, FL_VIZ_C_VIOLATION, true);
  note_labels(r, s, L, placer, s->tl->net_changes, FL_VIZ_C_NET_CHANGE, false);
  lin_labels(r, s, L, placer);
  op_labels(r, s, L, placer);
  if (!info->aggregated && info->arrows <= (size_t)(L->plot_w / ARROW_LABEL_PX)) {
    arrow_labels c = {r, s, L, placer, fl_viz_text_height(s->fonts)};
    fl_viz_arrows_visit(s->tl, L, arrow_label, &c);
  }
}
