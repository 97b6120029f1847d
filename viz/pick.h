/* pick: what is under the pointer, and the details panel's text for it.
 *
 * A pick is the nearest arrow within a few pixels (when arrows are drawn), else the client
 * operation under the pointer, else the lane itself at that time (its describe line, whether it
 * is down or paused, its partition side, and the column's counts when messages are aggregated).
 *
 * Ownership: plain values; the text functions return newly allocated strings (g_free).
 */
#ifndef FL_VIZ_PICK_H
#define FL_VIZ_PICK_H

#include <stdint.h>

#include "layout.h"
#include "lin_overlay.h"
#include "timeline.h"

typedef enum fl_viz_pick_kind {
  FL_VIZ_PICK_NONE,
  FL_VIZ_PICK_ARROW,
  FL_VIZ_PICK_OP,
  FL_VIZ_PICK_LANE
} fl_viz_pick_kind;

typedef struct fl_viz_pick {
  fl_viz_pick_kind kind;
  int64_t index;   /* arrow or op index */
  int lane;
  int64_t t_ns;    /* the time under the pointer */
} fl_viz_pick;

/* Arrows within this many pixels of the pointer are picked. */
#define FL_VIZ_PICK_PX 4

fl_viz_pick fl_viz_pick_at(const fl_viz_timeline *tl, const fl_viz_layout *L, int x, int y);

/* Up to `max` lines describing the pick (each newly allocated; unused entries set to NULL).
 * An operation in the linearizability counterexample is explained with it. */
void fl_viz_pick_describe(const fl_viz_timeline *tl, const fl_viz_lin *lin,
                          const fl_viz_layout *L, const fl_viz_pick *p, char **lines, int max);

/* One line summing up the report's linearizability verdict, or NULL without a report. */
char *fl_viz_lin_summary(const fl_viz_timeline *tl, const fl_viz_lin *lin);

#endif
