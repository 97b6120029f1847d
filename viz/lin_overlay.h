/* lin_overlay: the linearizability counterexample of a JSON report, mapped onto a timeline.
 *
 * `faultline run --report` writes the history check's verdict and, when the history is not
 * linearizable, its evidence: the operations of a smallest non-linearizable window, the ones
 * that could not be placed after the longest linearizable prefix, and a text timeline. The ids
 * there are history indices of invoke events; the trace's INVOKE and COMPLETE records are the
 * history's events in the same order, so each maps to one operation of the timeline.
 *
 * Ownership: fl_viz_lin_load returns a new object (fl_viz_lin_free) owning its arrays and
 * strings; the timeline is borrowed for the call only.
 */
#ifndef FL_VIZ_LIN_OVERLAY_H
#define FL_VIZ_LIN_OVERLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "timeline.h"

enum { FL_VIZ_LIN_WINDOW = 1, FL_VIZ_LIN_UNPLACED = 2, FL_VIZ_LIN_PREFIX = 4 };

typedef struct fl_viz_lin {
  bool failed;         /* the report says: not linearizable */
  char *verdict;       /* the report's verdict text, or "none" */
  char *key;           /* key of the refuted part, or NULL */
  GArray *window;      /* uint32 indices into tl->ops */
  GArray *unplaced;    /* uint32 indices into tl->ops */
  uint8_t *mark;       /* per op of the timeline: FL_VIZ_LIN_* bits */
  size_t n_prefix;     /* length of the longest linearizable prefix */
  int64_t from_ns, to_ns; /* from the first invoke to the last completion of the window */
  char *timeline;      /* the evidence as text */
} fl_viz_lin;

/* Reads the report at `path`. Errors name the file: unreadable, not JSON, not the report of
 * this trace's run (its digest differs), or evidence naming an index that is no operation of
 * the trace. A report whose history check passed (or was not run) gives failed = false. */
fl_viz_lin *fl_viz_lin_load(const char *path, const fl_viz_timeline *tl, GError **error);
/* The same from a report held in memory (`json`, borrowed); errors name it `name`. */
fl_viz_lin *fl_viz_lin_load_data(const char *json, const char *name, const fl_viz_timeline *tl,
                                 GError **error);
void fl_viz_lin_free(fl_viz_lin *l);

#endif
