/* labels: the words the picture explains itself with, computed without a window so tests can
 * check them: the colour legend, short labels of operations ("w 2", "r -> 3") and message
 * types on arrows, what an invariant violation names (the invariant and its nodes), the
 * title's statement of what failed, and a greedy placement that keeps labels from overlapping.
 *
 * Ownership: strings returned are newly allocated (g_free) unless stated; the legend table is
 * static. A placer owns its boxes (fl_viz_placer_clear).
 */
#ifndef FL_VIZ_LABELS_H
#define FL_VIZ_LABELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "palette.h"
#include "timeline.h"

/* ---- Legend -------------------------------------------------------------------------------- */

typedef enum fl_viz_swatch {
  FL_VIZ_SWATCH_FILL,  /* a filled box: lane colours, operations */
  FL_VIZ_SWATCH_LINE,  /* a line: messages, marks */
  FL_VIZ_SWATCH_CROSS  /* a cross: a dropped message's end */
} fl_viz_swatch;

typedef struct fl_viz_legend_entry {
  const char *text;
  fl_viz_rgb colour;
  fl_viz_swatch swatch;
} fl_viz_legend_entry;

/* Every colour of the picture with what it means, in reading order (lanes, messages,
 * operations, marks). Static; *n receives the count. */
const fl_viz_legend_entry *fl_viz_legend(size_t *n);

/* The legend is drawn as a grid of cells this wide (swatch and text). */
#define FL_VIZ_LEGEND_CELL_W 128
/* Entry k of a grid with `cols` columns whose top-left is (x, y): its swatch's top-left is
 * (x + (k % cols) * CELL_W, y + (k / cols) * FL_VIZ_LINE_H + 3), SWATCH_W x SWATCH_H pixels
 * (a line swatch is 2 pixels high, through the middle), its text 18 pixels right of that. */
#define FL_VIZ_LEGEND_X 6 /* the PNG's legend strip starts here, 2 pixels below legend_y */
#define FL_VIZ_LEGEND_SWATCH_W 14
#define FL_VIZ_LEGEND_SWATCH_H 10
/* Columns and rows of the legend grid in `width` pixels (at least one column). */
int fl_viz_legend_cols(int width);
int fl_viz_legend_rows(int width);

/* ---- Operations and messages --------------------------------------------------------------- */

/* An operation as a short label: "w 2", "r -> 3", "r -> nil", "cas 1->2", "add 3",
 * "acq -> 7", "rel 7", "txn"; an unknown outcome adds " ?", a failed one " fail". */
char *fl_viz_op_label(const fl_viz_op *op);

/* A message's type: the first word of its description ("AppendEntries", "vote"), or "msg"
 * for an empty one. */
char *fl_viz_msg_type(const char *desc);

/* ---- Violations ---------------------------------------------------------------------------- */

/* What a violation's text names: the invariant and its nodes. The text is the run's stop
 * message ("protocol raft, at 12.59s (event 1705): invariant violated: leader completeness:
 * n2 leads term 150 ...") or a final check's ("convergence: k24's replicas disagree: n5
 * ..."): the label is the invariant's name (what comes before the first ": ", at most 40
 * characters) and the nodes the rest names, each once in order of first mention ("leader
 * completeness: n2, n3"); a text with no such name is returned past its "protocol X, at T
 * (event E): " prefix. */
char *fl_viz_violation_label(const char *text);
/* Marks marked[i] (i < n_nodes, 0-based) for every node "nK" the text names after its
 * prefix; returns how many distinct nodes it named. */
int fl_viz_violation_nodes(const char *text, int n_nodes, bool *marked);

/* The title's statement of what failed, or NULL when nothing did: "FAILED: leader
 * completeness: n2, n3 at 12.59s" for the first violation (and "+K more"), then "not
 * linearizable" when `lin_failed`. */
char *fl_viz_failure_text(const fl_viz_timeline *tl, bool lin_failed);

/* ---- Placement ----------------------------------------------------------------------------- */

/* Greedy label placement: a label is drawn only if its box overlaps no box placed before it
 * in the same frame; the caller offers labels in priority order. O(placed) per offer, and the
 * renderer only labels when few items are in view, so a frame stays cheap. */
typedef struct fl_viz_placer {
  GArray *boxes; /* SDL-free rectangles: int x, y, w, h */
} fl_viz_placer;

void fl_viz_placer_init(fl_viz_placer *p);
void fl_viz_placer_clear(fl_viz_placer *p);
/* Reserves [x, x+w) x [y, y+h) without a label (something already drawn there). */
void fl_viz_placer_block(fl_viz_placer *p, int x, int y, int w, int h);
/* True, and the box is reserved, if it overlaps nothing placed or blocked so far. */
bool fl_viz_placer_try(fl_viz_placer *p, int x, int y, int w, int h);

#endif
