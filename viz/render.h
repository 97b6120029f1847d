/* render: one frame of the timeline, drawn onto any SDL renderer (the window's, or a software
 * renderer on a surface for PNG output: the same code draws both, so a PNG is what the window
 * shows).
 *
 * Level of detail: a frame costs O(width * lanes * log events), not O(events). When more
 * messages are sent in the view than the arrow budget (two per pixel column), arrows give way
 * to a per-column density of each lane's sends and deliveries (drops in red beneath); client
 * operations narrower than a pixel become per-column marks coloured by the worst outcome in the
 * column; role spans narrower than a pixel are skipped to the next column. Every count comes from
 * binary searches over the timeline's sorted arrays (timeline.h).
 *
 * Drawing is opaque except text, in a fixed order: backgrounds and role colours, crashed and
 * paused spans, partition stripes, cuts, lane separators, client operations, timers, arrows,
 * annotations, network changes and violations (with a square on each node a violation names),
 * the linearizability overlay, the cursor and the hovered item, then the plot's labels
 * (render_labels.c: placed greedily so none overdraws another, labels.h), then the title,
 * axis, lane names, details panel, the PNG's colour legend and help (with the legend). Pixels
 * of a kind are therefore exactly the palette's colours (palette.h).
 *
 * Ownership: the scene's pointers are borrowed for the call.
 */
#ifndef FL_VIZ_RENDER_H
#define FL_VIZ_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <SDL.h>

#include "font.h"
#include "layout.h"
#include "lin_overlay.h"
#include "timeline.h"

typedef struct fl_viz_scene {
  const fl_viz_timeline *tl;
  const fl_viz_lin *lin;        /* NULL: no report */
  fl_viz_fonts *fonts;
  bool help;                    /* the help overlay */
  const char *status;           /* right end of the title line, or NULL */
  const char *details[FL_VIZ_PANEL_LINES]; /* the panel's lines (NULL: empty) */
  int64_t cursor_ns;            /* the stepping cursor, -1: none */
  int64_t hover_arrow;          /* index into tl->arrows, -1: none */
  int64_t hover_op;             /* index into tl->ops, -1: none */
} fl_viz_scene;

typedef struct fl_viz_frame_info {
  bool aggregated;       /* messages drawn as densities */
  size_t arrows;         /* arrows drawn */
  size_t ops;            /* operation rectangles drawn */
} fl_viz_frame_info;

/* Draws the frame for layout L. `info` may be NULL. */
void fl_viz_render(SDL_Renderer *r, const fl_viz_scene *s, const fl_viz_layout *L,
                   fl_viz_frame_info *info);

/* Above this many messages sent in the view, arrows are aggregated. */
size_t fl_viz_arrow_budget(const fl_viz_layout *L);
bool fl_viz_arrows_aggregated(const fl_viz_timeline *tl, const fl_viz_layout *L);

/* Calls fn for every arrow that crosses the view (send before t1, end at or after t0), in send
 * order, until it returns false. */
typedef bool (*fl_viz_arrow_fn)(const fl_viz_arrow *a, size_t index, void *data);
void fl_viz_arrows_visit(const fl_viz_timeline *tl, const fl_viz_layout *L, fl_viz_arrow_fn fn,
                         void *data);

/* The colour an arrow is drawn in. */
fl_viz_rgb fl_viz_arrow_colour(const fl_viz_timeline *tl, const fl_viz_arrow *a);
/* Height of the partition stripe at the top of a lane. */
int fl_viz_stripe_h(const fl_viz_layout *L);

/* The title line's text: scenario, protocol, seed, what failed (labels.h:
 * fl_viz_failure_text), the view's span and how messages are drawn. Newly allocated. */
char *fl_viz_title_text(const fl_viz_scene *s, const fl_viz_layout *L, bool aggregated);

/* The key bindings as lines of text (static), for the help overlay and --help. */
const char *const *fl_viz_help_lines(size_t *n);

#endif
