/* palette: every colour of the picture, in one place. All drawing but text is opaque (no
 * alpha blending; only glyph edges are blended), so a pixel away from text is exactly one of
 * these values or a fl_viz_mix of two, and tests can compute what it must be. Plain values,
 * no ownership. */
#ifndef FL_VIZ_PALETTE_H
#define FL_VIZ_PALETTE_H

#include <stdint.h>

typedef struct fl_viz_rgb {
  uint8_t r, g, b;
} fl_viz_rgb;

#define FL_VIZ_RGB(R, G, B) ((fl_viz_rgb){(R), (G), (B)})

#define FL_VIZ_C_BACKGROUND FL_VIZ_RGB(250, 250, 248)
#define FL_VIZ_C_TITLE_BG FL_VIZ_RGB(40, 44, 52)
#define FL_VIZ_C_TITLE_FG FL_VIZ_RGB(240, 240, 240)
#define FL_VIZ_C_AXIS_BG FL_VIZ_RGB(232, 232, 228)
#define FL_VIZ_C_AXIS_FG FL_VIZ_RGB(60, 60, 60)
#define FL_VIZ_C_SEPARATOR FL_VIZ_RGB(190, 190, 190)
#define FL_VIZ_C_CLIENT_LANE FL_VIZ_RGB(243, 243, 243)
#define FL_VIZ_C_NO_STATE FL_VIZ_RGB(236, 236, 236) /* a node before its first describe */
#define FL_VIZ_C_DOWN FL_VIZ_RGB(105, 105, 105)
#define FL_VIZ_C_PAUSED FL_VIZ_RGB(240, 205, 60)
#define FL_VIZ_C_CUT FL_VIZ_RGB(200, 40, 40)
#define FL_VIZ_C_ARROW FL_VIZ_RGB(40, 70, 160)
#define FL_VIZ_C_CLIENT_ARROW FL_VIZ_RGB(120, 150, 200)
#define FL_VIZ_C_DROP FL_VIZ_RGB(210, 30, 30)
#define FL_VIZ_C_FLIGHT FL_VIZ_RGB(140, 140, 140)
#define FL_VIZ_C_DUP FL_VIZ_RGB(150, 60, 190)
#define FL_VIZ_C_OP_OK FL_VIZ_RGB(70, 165, 90)
#define FL_VIZ_C_OP_FAIL FL_VIZ_RGB(215, 60, 50)
#define FL_VIZ_C_OP_INFO FL_VIZ_RGB(240, 160, 30)
#define FL_VIZ_C_OP_OPEN FL_VIZ_RGB(160, 160, 160)
#define FL_VIZ_C_LIN FL_VIZ_RGB(230, 0, 200)
#define FL_VIZ_C_VIOLATION FL_VIZ_RGB(220, 0, 0)
#define FL_VIZ_C_NET_CHANGE FL_VIZ_RGB(120, 60, 160)
#define FL_VIZ_C_NOTE FL_VIZ_RGB(110, 70, 20)
#define FL_VIZ_C_TIMER FL_VIZ_RGB(150, 150, 150)
#define FL_VIZ_C_CURSOR FL_VIZ_RGB(255, 120, 0)
#define FL_VIZ_C_HOVER FL_VIZ_RGB(0, 0, 0)
#define FL_VIZ_C_TEXT FL_VIZ_RGB(30, 30, 30)
#define FL_VIZ_C_PANEL_BG FL_VIZ_RGB(245, 245, 240)
#define FL_VIZ_C_HELP_BG FL_VIZ_RGB(255, 255, 250)

/* (a * (100 - pct) + b * pct) / 100 per channel, rounded down. */
fl_viz_rgb fl_viz_mix(fl_viz_rgb a, fl_viz_rgb b, int pct);

/* A node lane's background for a status role (fl_role in sim/include/status.h; a value outside the
 * vocabulary is drawn as "other") and term (-1: none): each role has its own colour (leader
 * amber, follower blue, candidate lilac, replica green, ...); odd terms are a shade darker, so
 * a term change shows even when the role stays. */
fl_viz_rgb fl_viz_role_colour(int role, int64_t term);

/* The colour of partition group g (cycling through six). */
fl_viz_rgb fl_viz_group_colour(int32_t g);

#endif
