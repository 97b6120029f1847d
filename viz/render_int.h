/* render_int: drawing helpers shared by the render_*.c files; private to render. */
#ifndef FL_VIZ_RENDER_INT_H
#define FL_VIZ_RENDER_INT_H

#include "labels.h"
#include "render.h"

static inline void fl__viz_colour(SDL_Renderer *r, fl_viz_rgb c) {
  SDL_SetRenderDrawColor(r, c.r, c.g, c.b, 255);
}

/* Fills [x0, x1) x [y0, y1) clipped to the plot's columns. */
void fl__viz_fill_plot(SDL_Renderer *r, const fl_viz_layout *L, int x0, int x1, int y0, int y1,
                       fl_viz_rgb c);
void fl__viz_fill(SDL_Renderer *r, int x, int y, int w, int h, fl_viz_rgb c);
void fl__viz_line(SDL_Renderer *r, int x0, int y0, int x1, int y1, fl_viz_rgb c);

/* Per-frame column boundaries: col[i] = first time of plot column i, i = 0..plot_w. */
int64_t *fl__viz_columns(const fl_viz_layout *L);

void fl__viz_draw_messages(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L,
                           const int64_t *col, fl_viz_frame_info *info);
void fl__viz_draw_ops(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L,
                      const int64_t *col, fl_viz_frame_info *info);
/* Annotation texts drawn here are blocked in `placer`, so later labels avoid them. */
void fl__viz_draw_marks(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L,
                        const int64_t *col, fl_viz_placer *placer);
/* The box a counterexample's outline is drawn around (its lane's height, the operation's span). */
void fl__viz_op_box(const fl_viz_layout *L, const fl_viz_op *op, int *x0, int *y0, int *x1, int *y1);
/* The colour legend (labels.h) as a grid of `cols` columns from (x, y). */
void fl__viz_draw_legend(SDL_Renderer *r, fl_viz_fonts *fonts, int x, int y, int cols);
/* Labels of violations, network changes, the counterexample, operations and arrows, placed
 * greedily in that order of priority (labels.h) after everything else in the plot is drawn. */
void fl__viz_draw_labels(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L,
                         const fl_viz_frame_info *info, fl_viz_placer *placer);
void fl__viz_draw_chrome(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L,
                         const fl_viz_frame_info *info);

#endif
