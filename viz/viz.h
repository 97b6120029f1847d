/* viz: faultline's timeline visualiser, the entry points the CLI calls.
 *
 * A trace (sim/core/trace.h) is drawn as a space-time diagram: one lane per node and per client,
 * simulated time to the right, messages as arrows, faults as spans and bands, client
 * operations as intervals coloured by outcome. With the JSON report of the same run, a failed
 * linearizability check's counterexample is outlined. The same renderer draws into a window
 * (fl_viz_show) or, with no display at all, into a PNG file (fl_viz_png).
 *
 * Module map: timeline (the trace as arrays), lin_overlay (the report's evidence), layout
 * (time to pixels), render* (drawing), font, palette, pick (what is under the pointer),
 * pngout (PNG files), app (the window and its input).
 *
 * Ownership: the options' strings are borrowed for the call.
 */
#ifndef FL_VIZ_H
#define FL_VIZ_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "timeline.h" /* FL_VIZ_ERROR */

typedef struct fl_viz_opts {
  const char *trace_path;
  const char *report_path;       /* NULL: no linearizability overlay */
  const char *report_json;       /* or the report itself (faultline run --viz) */
  int width, height;             /* 0: the defaults below */
  bool has_from, has_to;         /* the initial view; otherwise the whole run */
  int64_t from_ns, to_ns;
  /* window: F12 writes PREFIX-N.png; NULL: "faultline-viz". When set, the window also prints
   * each screenshot's path and every move of the cursor on stdout, for scripts and tests. */
  const char *screenshot_prefix;
} fl_viz_opts;

#define FL_VIZ_PNG_W 1280
#define FL_VIZ_PNG_H 720
#define FL_VIZ_WINDOW_W 1280
#define FL_VIZ_WINDOW_H 800

void fl_viz_opts_init(fl_viz_opts *o);

/* Checks the size and the view; errors name the option: "--width: expected 320 to 16384
 * pixels, found 12". A view starting at or after the end of the run is refused once the trace
 * is loaded (fl_viz_png, fl_viz_show). */
bool fl_viz_opts_check(const fl_viz_opts *o, GError **error);

/* Draws the run into a PNG file at `out` with SDL's software renderer (no display needed).
 * Nothing is written unless the whole image was. */
bool fl_viz_png(const fl_viz_opts *o, const char *out, GError **error);

/* Opens the window and runs until it is closed. Prints "ready WxH" to stdout once the first
 * frame is shown and "screenshot PATH" after each screenshot (what tests wait for). Without a
 * display (no DISPLAY or WAYLAND_DISPLAY, or SDL's offscreen or dummy driver, whose window
 * nobody sees) it fails before opening one, pointing to --png. */
bool fl_viz_show(const fl_viz_opts *o, GError **error);

#endif
