/* viz: options and the headless PNG path (see viz.h); the window is in app.c. */
#include "viz.h"

#include <SDL.h>

#include "font.h"
#include "layout.h"
#include "lin_overlay.h"
#include "pick.h"
#include "pngout.h"
#include "render.h"
#include "viz_int.h"

void fl_viz_opts_init(fl_viz_opts *o) { *o = (fl_viz_opts){0}; }

bool fl_viz_opts_check(const fl_viz_opts *o, GError **error) {
  if (o->width && (o->width < FL_VIZ_MIN_W || o->width > FL_VIZ_MAX_W)) {
    g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_INPUT,
                "--width: expected %d to %d pixels, found %d", FL_VIZ_MIN_W, FL_VIZ_MAX_W, o->width);
    return false;
  }
  if (o->height && (o->height < FL_VIZ_MIN_H || o->height > FL_VIZ_MAX_H)) {
    g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_INPUT,
                "--height: expected %d to %d pixels, found %d", FL_VIZ_MIN_H, FL_VIZ_MAX_H,
                o->height);
    return false;
  }
  if (o->has_to && !o->has_from && o->to_ns <= 0) {
    char *b = fl_viz_format_time(o->to_ns, 0);
    g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_INPUT,
                "--to: expected a time after the start of the run (0s), found %s", b);
    g_free(b);
    return false;
  }
  if (o->has_from && o->has_to && o->to_ns <= o->from_ns) {
    char *a = fl_viz_format_time(o->from_ns, 0), *b = fl_viz_format_time(o->to_ns, 0);
    g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_INPUT,
                "--to: expected a time after --from (%s), found %s", a, b);
    g_free(a);
    g_free(b);
    return false;
  }
  return true;
}

bool fl__viz_initial_view(const fl_viz_opts *o, const fl_viz_timeline *tl, fl_viz_view *view,
                          GError **error) {
  if (o->has_from && o->from_ns >= tl->end_ns) {
    char *end = fl_viz_format_time(tl->end_ns, 0), *from = fl_viz_format_time(o->from_ns, 0);
    g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_INPUT,
                "--from: expected a time before the end of the run in %s (%s), found %s",
                tl->path, end, from);
    g_free(end);
    g_free(from);
    return false;
  }
  fl_viz_view v = fl_viz_view_fit(tl->end_ns);
  if (o->has_from) v.t0_ns = o->from_ns;
  if (o->has_to) v.t1_ns = o->to_ns;
  if (v.t1_ns <= v.t0_ns) v.t1_ns = v.t0_ns + 1000;
  *view = v;
  return true;
}

bool fl__viz_load_report(const fl_viz_opts *o, const fl_viz_timeline *tl, fl_viz_lin **lin,
                         GError **error) {
  *lin = NULL;
  if (o->report_path) *lin = fl_viz_lin_load(o->report_path, tl, error);
  else if (o->report_json) *lin = fl_viz_lin_load_data(o->report_json, "the run's report", tl, error);
  else return true;
  return *lin != NULL;
}

bool fl_viz_png(const fl_viz_opts *o, const char *out, GError **error) {
  if (!fl_viz_opts_check(o, error)) return false;
  int w = o->width ? o->width : FL_VIZ_PNG_W, h = o->height ? o->height : FL_VIZ_PNG_H;
  fl_viz_timeline *tl = fl_viz_timeline_load(o->trace_path, error);
  if (!tl) return false;
  bool ok = false;
  fl_viz_lin *lin = NULL;
  fl_viz_fonts *fonts = NULL;
  SDL_Surface *surf = NULL;
  SDL_Renderer *r = NULL;
  fl_viz_view view;
  if (!fl__viz_initial_view(o, tl, &view, error)) goto out;
  if (!fl__viz_load_report(o, tl, &lin, error)) goto out;
  if (!(fonts = fl_viz_fonts_open(error))) goto out;
  surf = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_RGB888);
  r = surf ? SDL_CreateSoftwareRenderer(surf) : NULL;
  if (!r) {
    g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_SDL, "cannot create a %dx%d software renderer: %s",
                w, h, SDL_GetError());
    goto out;
  }
  fl_viz_layout L;
  fl_viz_layout_init(&L, w, h, tl->n_lanes, false, view);
  /* The title says what failed, a failed linearizability check included (render.h). */
  fl_viz_scene s = {.tl = tl, .lin = lin, .fonts = fonts, .cursor_ns = -1, .hover_arrow = -1,
                    .hover_op = -1, .status = NULL};
  fl_viz_render(r, &s, &L, NULL);
  SDL_RenderPresent(r);
  ok = fl_viz_png_write(out, surf, error);
out:
  fl_viz_fonts_free(fonts); /* before the renderer its textures belong to */
  if (r) SDL_DestroyRenderer(r);
  if (surf) SDL_FreeSurface(surf);
  fl_viz_lin_free(lin);
  fl_viz_timeline_free(tl);
  return ok;
}
