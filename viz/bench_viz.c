/* bench_viz: how fast the visualiser opens a large trace and draws frames while panning and
 * zooming, with SDL's software renderer on an offscreen surface (what the window uses too).
 *
 *   bench_viz TRACE [WIDTH HEIGHT]
 *
 * Prints a Markdown report: the load time (trace to model), the time to the first frame (load,
 * fonts, first render: what "opening" costs), and per zoom level the mean and worst time of a
 * frame over a series of pans of a twentieth of the view each (what a drag does). A program,
 * not a test: results/viz/README.md gives the command and the figures. */
#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>

#include "font.h"
#include "layout.h"
#include "render.h"
#include "timeline.h"

static double now_s(void) { return (double)g_get_monotonic_time() / 1e6; }

int main(int argc, char **argv) {
  if (argc != 2 && argc != 4) {
    fprintf(stderr, "usage: bench_viz TRACE [WIDTH HEIGHT]\n");
    return 2;
  }
  int w = argc == 4 ? atoi(argv[2]) : 1280, h = argc == 4 ? atoi(argv[3]) : 800;
  GError *e = NULL;
  double best_load = 1e9;
  for (int i = 0; i < 3; i++) { /* the file is in the page cache after the first */
    double t0 = now_s();
    fl_viz_timeline *tl = fl_viz_timeline_load(argv[1], &e);
    if (!tl) {
      fprintf(stderr, "bench_viz: %s\n", e->message);
      return 2;
    }
    double dt = now_s() - t0;
    if (dt < best_load) best_load = dt;
    fl_viz_timeline_free(tl);
  }
  double t0 = now_s();
  fl_viz_timeline *tl = fl_viz_timeline_load(argv[1], &e);
  double load_s = now_s() - t0;
  fl_viz_fonts *fonts = fl_viz_fonts_open(&e);
  if (!fonts) {
    fprintf(stderr, "bench_viz: %s\n", e->message);
    return 2;
  }
  SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_RGB888);
  SDL_Renderer *r = SDL_CreateSoftwareRenderer(surf);
  fl_viz_scene s = {.tl = tl, .fonts = fonts, .cursor_ns = -1, .hover_arrow = -1, .hover_op = -1,
                    .details = {"details panel line"}};
  fl_viz_layout L;
  fl_viz_layout_init(&L, w, h, tl->n_lanes, true, fl_viz_view_fit(tl->end_ns));
  fl_viz_render(r, &s, &L, NULL);
  double open_s = now_s() - t0;

  printf("Trace `%s`: %u events, %u messages (%u arrows), %u client operations, %d lanes, %.0f s "
         "simulated.\n\n", argv[1], tl->events->len, tl->msgs->len, tl->arrows->len,
         tl->ops->len, tl->n_lanes, (double)tl->end_ns / 1e9);
  printf("| measure | value |\n|---|---|\n");
  printf("| load (trace to model), first run | %.3f s |\n", load_s);
  printf("| load, best of 3 earlier runs | %.3f s |\n", best_load);
  printf("| open: load + fonts + first frame (whole run in view) | %.3f s |\n\n", open_s);
  printf("Frames of %dx%d, software renderer, 40 pans of 1/20 of the view each:\n\n", w, h);
  printf("| view span | messages drawn as | mean frame | worst frame | frames/s (mean) |\n");
  printf("|---|---|---|---|---|\n");
  const int64_t spans[] = {tl->end_ns, tl->end_ns / 4, 10000000000LL, 1000000000LL,
                           100000000LL, 10000000LL};
  for (size_t k = 0; k < G_N_ELEMENTS(spans); k++) {
    fl_viz_view v = {tl->end_ns / 2 - spans[k] / 2, tl->end_ns / 2 + spans[k] / 2};
    double total = 0, worst = 0;
    bool agg = false;
    size_t arrows = 0;
    for (int i = 0; i < 40; i++) {
      fl_viz_view_pan(&v, (i < 20 ? 1 : -1) * spans[k] / 20, tl->end_ns);
      fl_viz_layout_init(&L, w, h, tl->n_lanes, true, v);
      fl_viz_frame_info info;
      double f0 = now_s();
      fl_viz_render(r, &s, &L, &info);
      double f = now_s() - f0;
      total += f;
      if (f > worst) worst = f;
      agg = info.aggregated;
      arrows = info.arrows;
    }
    char *span = fl_viz_format_time(spans[k], 0);
    char what[64];
    if (agg) g_snprintf(what, sizeof what, "densities");
    else g_snprintf(what, sizeof what, "arrows (%zu)", arrows);
    printf("| %s | %s | %.1f ms | %.1f ms | %.0f |\n", span, what, total / 40 * 1e3, worst * 1e3,
           40 / total);
    g_free(span);
  }
  fl_viz_fonts_free(fonts);
  SDL_DestroyRenderer(r);
  SDL_FreeSurface(surf);
  fl_viz_timeline_free(tl);
  return 0;
}
