/* viz_int: what viz.c and app.c share; private to viz/. */
#ifndef FL_VIZ_INT_H
#define FL_VIZ_INT_H

#include "layout.h"
#include "lin_overlay.h"
#include "viz.h"

/* The first view into *view: --from/--to, defaulting to the start and the end of the run.
 * A --from at or after the run's end (nothing to draw) is an error naming the option. */
bool fl__viz_initial_view(const fl_viz_opts *o, const fl_viz_timeline *tl, fl_viz_view *view,
                          GError **error);

/* The overlay of o->report_path or o->report_json into *lin (NULL when neither is set). */
bool fl__viz_load_report(const fl_viz_opts *o, const fl_viz_timeline *tl, fl_viz_lin **lin,
                         GError **error);

#endif
