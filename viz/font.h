/* font: DejaVu Sans and Sans Mono through SDL2_ttf, and text drawn onto any SDL renderer.
 *
 * The fonts are looked up in $FL_VIZ_FONT_DIR, then the Debian and other usual directories
 * (fonts-dejavu-core installs /usr/share/fonts/truetype/dejavu). Rendered strings are cached
 * as textures of the renderer last drawn to (keyed by font, colour and text; a lookup table
 * only, cleared whole when it grows past a bound or the renderer changes), so a frame that
 * redraws the same labels does not rasterise them again.
 *
 * Ownership: fl_viz_fonts_open returns a new object (fl_viz_fonts_free); it owns the fonts and
 * the cached textures. The renderer passed to the draw functions is borrowed; free the fonts
 * (or call fl_viz_fonts_forget) before destroying a renderer they drew to.
 */
#ifndef FL_VIZ_FONT_H
#define FL_VIZ_FONT_H

#include <stdbool.h>
#include <SDL.h>
#include <glib.h>

#include "palette.h"

typedef struct fl_viz_fonts fl_viz_fonts;

typedef enum fl_viz_font { FL_VIZ_FONT_SANS, FL_VIZ_FONT_MONO, FL_VIZ_FONT_BOLD } fl_viz_font;

#define FL_VIZ_FONT_PT 12

/* Initialises SDL_ttf and opens the fonts. Error (FL_VIZ_ERROR_IO) when a font file is
 * missing: it names the file, the directories searched and the package to install. */
fl_viz_fonts *fl_viz_fonts_open(GError **error);
void fl_viz_fonts_free(fl_viz_fonts *f);
/* Drops the cached textures (before their renderer is destroyed). */
void fl_viz_fonts_forget(fl_viz_fonts *f);

/* Draws UTF-8 text with its top-left corner at (x, y); returns its width in pixels (0 for an
 * empty string). */
int fl_viz_draw_text(fl_viz_fonts *f, SDL_Renderer *r, fl_viz_font font, const char *s, int x, int y,
                fl_viz_rgb c);
/* Width of the text in pixels, without drawing. */
int fl_viz_text_width(fl_viz_fonts *f, fl_viz_font font, const char *s);
/* Height of a line. */
int fl_viz_text_height(fl_viz_fonts *f);

#endif
