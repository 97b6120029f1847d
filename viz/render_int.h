/* render_int: drawing helpers shared by the render_*.c files; private to render. */
#ifndef FL_VIZ_RENDER_INT_H
#define FL_VIZ_RENDER_INT_H

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
void fl__viz_draw_marks(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L,
                        const int64_t *col);
void fl__viz_draw_chrome(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L,
                         const fl_viz_frame_info *info);

#endif
