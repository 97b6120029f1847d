/* app: the window, its event loop and what each key and mouse gesture does (see viz.h).
 *
 * The loop sleeps in SDL_WaitEventTimeout while nothing changes and redraws only when the view,
 * the pointer's pick, the cursor or the overlays changed; while playing it redraws every frame.
 * The window uses SDL's software renderer by default, the same one that draws PNGs, so a
 * screenshot and `--png` agree (SDL_RENDER_DRIVER overrides it).
 *
 * Ownership: the app owns the timeline, the overlay, the fonts, the window and its renderer,
 * all freed by app_clear.
 */
#include "viz.h"

#include <SDL.h>
#include <gmodule.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "font.h"
#include "trace.h"
#include "layout.h"
#include "lin_overlay.h"
#include "pick.h"
#include "pngout.h"
#include "render.h"
#include "viz_int.h"

#define ZOOM_STEP 0.8         /* per wheel notch */
#define PLAY_SPAN_SECONDS 10  /* at speed 1, playing crosses the view in this many seconds */

typedef struct app {
  const fl_viz_opts *o;
  fl_viz_timeline *tl;
  fl_viz_lin *lin;
  fl_viz_fonts *fonts;
  SDL_Window *win;
  SDL_Renderer *r;
  fl_viz_view view;
  fl_viz_layout L;
  bool dirty, quit, help, playing;
  bool dragging;
  int drag_x;
  fl_viz_view drag_view;
  int mouse_x, mouse_y;
  double speed;             /* multiples of the base play rate */
  int64_t cursor_ns;
  int64_t cursor_event;     /* index into tl->events, -1 none */
  fl_viz_pick pick;
  char *hover[3];           /* pick lines */
  char *cursor_line;
  char *lin_line;
  char *status;
  int shots;
} app;

static void relayout(app *a) {
  int w, h;
  SDL_GetRendererOutputSize(a->r, &w, &h);
  fl_viz_layout_init(&a->L, w, h, a->tl->n_lanes, true, a->view);
  a->dirty = true;
}

static void set_view(app *a, fl_viz_view v) {
  a->view = v;
  relayout(a);
}

static void update_hover(app *a) {
  for (int i = 0; i < 3; i++) g_clear_pointer(&a->hover[i], g_free);
  a->pick = fl_viz_pick_at(a->tl, &a->L, a->mouse_x, a->mouse_y);
  fl_viz_pick_describe(a->tl, a->lin, &a->L, &a->pick, a->hover, 3);
  a->dirty = true;
}

/* Moves the cursor to event i (clamped), bringing it into view. */
static void goto_event(app *a, int64_t i) {
  guint n = a->tl->events->len;
  if (!n) return;
  if (i < 0) i = 0;
  if (i >= (int64_t)n) i = n - 1;
  a->cursor_event = i;
  const fl_viz_event *ev = &g_array_index(a->tl->events, fl_viz_event, i);
  a->cursor_ns = ev->time_ns;
  g_free(a->cursor_line);
  char *d = fl_viz_event_describe(a->tl, (size_t)i);
  a->cursor_line = g_strdup_printf("event %" G_GINT64_FORMAT "/%u: %s", i + 1, n, d);
  g_free(d);
  if (a->o->screenshot_prefix) { /* a script drives the window: say where the cursor went */
    printf("cursor %s\n", a->cursor_line);
    fflush(stdout);
  }
  if (a->cursor_ns < a->view.t0_ns || a->cursor_ns >= a->view.t1_ns)
    fl_viz_view_center(&a->view, a->cursor_ns, a->tl->end_ns);
  relayout(a);
  update_hover(a);
}

static int64_t cursor_base(const app *a) {
  if (a->cursor_event >= 0) return a->cursor_event;
  return (int64_t)fl_viz_event_lower(a->tl, a->view.t0_ns) - 1;
}

static void step(app *a, int dir) {
  int64_t i = cursor_base(a);
  goto_event(a, dir > 0 ? i + 1 : (a->cursor_event >= 0 ? i - 1 : i));
}

/* Next (dir > 0) or previous fault after the cursor: a binary search in the fault list, which
 * holds event indices in increasing order. */
static void jump_fault(app *a, int dir) {
  const GArray *f = a->tl->faults;
  int64_t base = cursor_base(a);
  size_t lo = 0, hi = f->len;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if ((int64_t)g_array_index(f, uint32_t, mid) <= base) lo = mid + 1;
    else hi = mid;
  }
  /* lo: first fault after base. */
  if (dir > 0 && lo < f->len) goto_event(a, g_array_index(f, uint32_t, lo));
  else if (dir < 0) {
    size_t k = lo;
    while (k > 0 && (int64_t)g_array_index(f, uint32_t, k - 1) >= base) k--;
    if (k > 0) goto_event(a, g_array_index(f, uint32_t, k - 1));
  }
}

static void jump_violation(app *a, int dir) {
  int64_t base = cursor_base(a), found = -1;
  const GArray *ev = a->tl->events;
  for (guint v = 0; v < a->tl->violations->len; v++) {
    int64_t t = g_array_index(a->tl->violations, fl_viz_note, dir > 0 ? v : a->tl->violations->len - 1 - v).time_ns;
    for (size_t i = fl_viz_event_lower(a->tl, t); i < ev->len; i++) {
      const fl_viz_event *e = &g_array_index(ev, fl_viz_event, i);
      if (e->time_ns != t) break;
      if (e->kind == FL_TR_VIOLATION && (dir > 0 ? (int64_t)i > base : (int64_t)i < base)) {
        found = (int64_t)i;
        break;
      }
    }
    if (found >= 0) break;
  }
  if (found >= 0) goto_event(a, found);
}

static void show_lin(app *a) {
  if (!a->lin || !a->lin->failed) return;
  int64_t span = a->lin->to_ns - a->lin->from_ns, pad = MAX(span / 2, 1000000);
  fl_viz_view v = {a->lin->from_ns - pad, a->lin->to_ns + pad};
  set_view(a, v);
  /* The panel explains the counterexample's operations (until the pointer moves): those that
   * could not be placed first, then the rest of the window. */
  for (int i = 0; i < 3; i++) g_clear_pointer(&a->hover[i], g_free);
  a->pick = (fl_viz_pick){.kind = FL_VIZ_PICK_NONE, .index = -1};
  int n = 0;
  GArray *sets[] = {a->lin->unplaced, a->lin->window};
  for (int k = 0; k < 2; k++)
    for (guint i = 0; i < sets[k]->len && n < 3; i++) {
      uint32_t oi = g_array_index(sets[k], uint32_t, i);
      if (k == 1 && (a->lin->mark[oi] & FL_VIZ_LIN_UNPLACED)) continue;
      char *d = fl_viz_op_describe(a->tl, &g_array_index(a->tl->ops, fl_viz_op, oi));
      a->hover[n++] = g_strdup_printf("%s %s", k == 0 ? "cannot be placed:" : "in the window:  ", d);
      g_free(d);
    }
  a->dirty = true;
}

static void zoom_at(app *a, int x, double factor) {
  int64_t anchor = x >= a->L.plot_x && x < a->L.plot_x + a->L.plot_w
                       ? fl_viz_layout_time(&a->L, x) : (a->view.t0_ns + a->view.t1_ns) / 2;
  fl_viz_view_zoom(&a->view, anchor, factor, a->tl->end_ns);
  relayout(a);
  update_hover(a);
}

static void screenshot(app *a) {
  int w = a->L.width, h = a->L.height;
  SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_RGB888);
  const char *prefix = a->o->screenshot_prefix ? a->o->screenshot_prefix : "faultline-viz";
  char *path = g_strdup_printf("%s-%d.png", prefix, ++a->shots);
  GError *e = NULL;
  if (!s || SDL_RenderReadPixels(a->r, NULL, SDL_PIXELFORMAT_RGB888, s->pixels, s->pitch) != 0) {
    fprintf(stderr, "faultline viz: screenshot: %s\n", SDL_GetError());
  } else if (!fl_viz_png_write(path, s, &e)) {
    fprintf(stderr, "faultline viz: %s\n", e->message);
    g_error_free(e);
  } else {
    printf("screenshot %s\n", path);
    fflush(stdout);
  }
  if (s) SDL_FreeSurface(s);
  g_free(path);
}

static void key(app *a, const SDL_KeyboardEvent *k) {
  bool shift = (k->keysym.mod & KMOD_SHIFT) != 0;
  switch (k->keysym.sym) {
  case SDLK_q:
  case SDLK_ESCAPE: a->quit = true; break;
  case SDLK_f:
  case SDLK_HOME: set_view(a, fl_viz_view_fit(a->tl->end_ns)); update_hover(a); break;
  case SDLK_SPACE:
    a->playing = !a->playing;
    if (a->playing && (a->cursor_ns < a->view.t0_ns || a->cursor_ns >= a->view.t1_ns))
      a->cursor_ns = a->view.t0_ns;
    a->cursor_event = -1;
    break;
  case SDLK_EQUALS:
  case SDLK_PLUS:
  case SDLK_KP_PLUS: a->speed = MIN(a->speed * 2, 1024); break;
  case SDLK_MINUS:
  case SDLK_KP_MINUS: a->speed = MAX(a->speed / 2, 1.0 / 1024); break;
  case SDLK_n:
  case SDLK_RIGHT: step(a, 1); break;
  case SDLK_p:
  case SDLK_LEFT: step(a, -1); break;
  case SDLK_j: jump_fault(a, shift ? -1 : 1); break;
  case SDLK_v: jump_violation(a, shift ? -1 : 1); break;
  case SDLK_l: show_lin(a); break;
  case SDLK_h:
  case SDLK_QUESTION: a->help = !a->help; break;
  case SDLK_SLASH: if (shift) a->help = !a->help; break;
  default: return;
  }
  a->dirty = true;
}

static void draw(app *a);

static void handle(app *a, const SDL_Event *e) {
  switch (e->type) {
  case SDL_QUIT: a->quit = true; break;
  case SDL_WINDOWEVENT:
    if (e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED || e->window.event == SDL_WINDOWEVENT_EXPOSED)
      relayout(a);
    break;
  case SDL_KEYDOWN:
    if (e->key.keysym.sym == SDLK_F12) {
      /* Of the frame as the keys before it left it: events that arrive together (a script's
       * "key h F12" on a busy machine) are handled in one batch before the loop redraws. */
      if (a->dirty) draw(a);
      screenshot(a);
      break;
    }
    key(a, &e->key);
    break;
  case SDL_MOUSEWHEEL: {
    int y = e->wheel.y;
    if (e->wheel.direction == SDL_MOUSEWHEEL_FLIPPED) y = -y;
    if (y) zoom_at(a, a->mouse_x, pow(ZOOM_STEP, y));
    break;
  }
  case SDL_MOUSEBUTTONDOWN:
    if (e->button.button == SDL_BUTTON_LEFT) {
      a->dragging = true;
      a->drag_x = e->button.x;
      a->drag_view = a->view;
    }
    break;
  case SDL_MOUSEBUTTONUP:
    if (e->button.button == SDL_BUTTON_LEFT) a->dragging = false;
    break;
  case SDL_MOUSEMOTION:
    a->mouse_x = e->motion.x;
    a->mouse_y = e->motion.y;
    if (a->dragging) {
      int64_t span = a->drag_view.t1_ns - a->drag_view.t0_ns;
      int64_t dt = (int64_t)((double)(a->drag_x - e->motion.x) * (double)span / a->L.plot_w);
      a->view = a->drag_view;
      fl_viz_view_pan(&a->view, dt, a->tl->end_ns);
      relayout(a);
    }
    update_hover(a);
    break;
  default:
    break;
  }
}

static void play(app *a, double dt_s) {
  int64_t span = a->view.t1_ns - a->view.t0_ns;
  int64_t adv = (int64_t)((double)span / PLAY_SPAN_SECONDS * a->speed * dt_s);
  if (adv < 1) adv = 1;
  a->cursor_ns += adv;
  if (a->cursor_ns >= a->tl->end_ns) {
    a->cursor_ns = a->tl->end_ns;
    a->playing = false;
  }
  if (a->cursor_ns > a->view.t0_ns + span * 85 / 100)
    fl_viz_view_pan(&a->view, a->cursor_ns - (a->view.t0_ns + span * 15 / 100), a->tl->end_ns);
  relayout(a);
}

static void draw(app *a) {
  g_free(a->status);
  a->status = g_strdup_printf("%s %gx  |  h: help", a->playing ? "playing" : "paused", a->speed);
  fl_viz_scene s = {.tl = a->tl, .lin = a->lin, .fonts = a->fonts, .help = a->help,
                    .status = a->status, .cursor_ns = a->cursor_ns, .hover_arrow = -1,
                    .hover_op = -1};
  int n = 0;
  for (int i = 0; i < 3; i++)
    if (a->hover[i]) s.details[n++] = a->hover[i];
  if (a->cursor_line && n < FL_VIZ_PANEL_LINES) s.details[n++] = a->cursor_line;
  if (a->lin_line && n < FL_VIZ_PANEL_LINES) s.details[n++] = a->lin_line;
  if (n == 0) s.details[0] = "Point at a message, an operation or a lane for details; h for the keys.";
  if (a->pick.kind == FL_VIZ_PICK_ARROW) s.hover_arrow = a->pick.index;
  if (a->pick.kind == FL_VIZ_PICK_OP) s.hover_op = a->pick.index;
  fl_viz_render(a->r, &s, &a->L, NULL);
  SDL_RenderPresent(a->r);
  a->dirty = false;
}

static void app_clear(app *a) {
  fl_viz_fonts_free(a->fonts);
  if (a->r) SDL_DestroyRenderer(a->r);
  if (a->win) SDL_DestroyWindow(a->win);
  for (int i = 0; i < 3; i++) g_free(a->hover[i]);
  g_free(a->cursor_line);
  g_free(a->lin_line);
  g_free(a->status);
  fl_viz_lin_free(a->lin);
  fl_viz_timeline_free(a->tl);
}

/* SDL's drivers that draw into memory only: a window there is never seen. */
static bool invisible(const char *driver) {
  return driver && (g_ascii_strcasecmp(driver, "offscreen") == 0 ||
                    g_ascii_strcasecmp(driver, "dummy") == 0);
}

/* SDL 2.26's X11 backend can send a request to a window it has just destroyed (seen when the
 * viewer quits: X_SendEvent, BadWindow), and Xlib's default error handler then ends the
 * process with status 1 after the user asked to quit. A BadWindow on a window that is gone is
 * harmless to a viewer, so it is ignored; every other X error still goes to the handler that
 * was there before (Xlib's, which reports it and exits). The handler is installed through
 * libX11's own symbol, looked up at run time, so faultline neither links libX11 nor needs it
 * on a Wayland-only machine. It is installed before SDL_Init: SDL's safety-net handler chains
 * to the handler it finds, this one. */
typedef struct x_error {
  int type;
  void *display;
  unsigned long resourceid, serial;
  unsigned char error_code, request_code, minor_code;
} x_error; /* Xlib's XErrorEvent, as <X11/Xlib.h> lays it out */
typedef int (*x_error_handler)(void *display, x_error *e);
static x_error_handler previous_x_handler;

static int x_error_ignoring_bad_window(void *display, x_error *e) {
  enum { X_BAD_WINDOW = 3 };
  if (e->error_code == X_BAD_WINDOW) return 0;
  return previous_x_handler ? previous_x_handler(display, e) : 0;
}

static void tolerate_bad_window(void) {
  static GModule *x11; /* kept open for the process's life: the handler lives in it */
  if (x11 || !g_getenv("DISPLAY")) return;
  if (!(x11 = g_module_open("libX11.so.6", G_MODULE_BIND_LAZY))) return;
  gpointer sym = NULL;
  if (!g_module_symbol(x11, "XSetErrorHandler", &sym) || !sym) return;
  x_error_handler (*set)(x_error_handler) = (x_error_handler(*)(x_error_handler))sym;
  previous_x_handler = set(x_error_ignoring_bad_window);
}

/* Whether a window can be seen, asked before one is opened: with no display SDL falls back to
 * its offscreen driver, whose window nobody sees, and the viewer would wait forever on it. */
static bool display_ready(GError **error) {
  const char *asked = g_getenv("SDL_VIDEODRIVER");
  if (!asked && !g_getenv("DISPLAY") && !g_getenv("WAYLAND_DISPLAY")) {
    g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_SDL,
                "cannot open a window: no display (neither DISPLAY nor WAYLAND_DISPLAY is set); "
                "--png OUT.png draws without one");
    return false;
  }
  /* Asked for by name, an invisible driver is refused without starting SDL at all. */
  const char *driver = asked;
  if (!invisible(driver)) {
    /* The window's pixels are drawn by the software renderer; a GL "framebuffer acceleration"
     * behind it would load Mesa for nothing (and its threads and allocations with it). */
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    tolerate_bad_window();
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
      g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_SDL,
                  "cannot open a window: %s; --png OUT.png draws without one", SDL_GetError());
      return false;
    }
    driver = SDL_GetCurrentVideoDriver();
  }
  if (invisible(driver)) {
    g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_SDL,
                "cannot open a window: no display (SDL's video driver is '%s'); --png OUT.png "
                "draws without one", driver);
    return false;
  }
  return true;
}

bool fl_viz_show(const fl_viz_opts *o, GError **error) {
  if (!fl_viz_opts_check(o, error)) return false;
  app a = {.o = o, .speed = 1, .cursor_ns = -1, .cursor_event = -1, .mouse_x = -1, .mouse_y = -1};
  if (!(a.tl = fl_viz_timeline_load(o->trace_path, error))) return false;
  bool ok = false;
  if (!fl__viz_initial_view(o, a.tl, &a.view, error)) goto out;
  if (!fl__viz_load_report(o, a.tl, &a.lin, error)) goto out;
  a.lin_line = fl_viz_lin_summary(a.tl, a.lin);
  if (!display_ready(error)) goto out;
  if (!(a.fonts = fl_viz_fonts_open(error))) goto out;
  SDL_SetHintWithPriority(SDL_HINT_RENDER_DRIVER, "software", SDL_HINT_DEFAULT);
  char *title = g_strdup_printf("faultline viz - %s", o->trace_path);
  a.win = SDL_CreateWindow(title, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
                           o->width ? o->width : FL_VIZ_WINDOW_W,
                           o->height ? o->height : FL_VIZ_WINDOW_H, SDL_WINDOW_RESIZABLE);
  g_free(title);
  if (a.win) a.r = SDL_CreateRenderer(a.win, -1, 0);
  if (!a.r) {
    g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_SDL, "cannot open a window: %s", SDL_GetError());
    goto out;
  }
  SDL_SetWindowMinimumSize(a.win, FL_VIZ_MIN_W, FL_VIZ_MIN_H);
  relayout(&a);
  draw(&a);
  printf("ready %dx%d\n", a.L.width, a.L.height);
  fflush(stdout);
  uint64_t last = SDL_GetPerformanceCounter();
  while (!a.quit) {
    SDL_Event e;
    if (a.playing) {
      while (SDL_PollEvent(&e)) handle(&a, &e);
      uint64_t now = SDL_GetPerformanceCounter();
      double dt = (double)(now - last) / (double)SDL_GetPerformanceFrequency();
      last = now;
      play(&a, MIN(dt, 0.1));
      SDL_Delay(1);
    } else if (SDL_WaitEventTimeout(&e, 200)) {
      handle(&a, &e);
      while (!a.quit && SDL_PollEvent(&e)) handle(&a, &e);
      last = SDL_GetPerformanceCounter();
    }
    if (!a.quit && (a.dirty || a.playing)) draw(&a);
  }
  ok = true;
out:
  app_clear(&a);
  if (SDL_WasInit(SDL_INIT_VIDEO)) SDL_Quit();
  return ok;
}
