/* pngout: an SDL surface written as a PNG file (libpng), whole or not at all.
 *
 * The image is written through sim/core/outfile.h: it appears whole or not at all, a failure or a
 * signal leaves no temporary behind, and a device or FIFO (/dev/null) is written through. The encoding is fixed (8-bit RGB, no time or text chunks, fixed compression), so
 * the same pixels always give the same bytes.
 *
 * Ownership: the surface is borrowed for the call.
 */
#ifndef FL_VIZ_PNGOUT_H
#define FL_VIZ_PNGOUT_H

#include <stdbool.h>
#include <stdio.h>
#include <SDL.h>
#include <glib.h>

/* Writes a surface of format SDL_PIXELFORMAT_RGB888 or ARGB8888. Errors (FL_VIZ_ERROR_IO):
 * "PATH: cannot write: REASON" while encoding, "cannot write PNG 'PATH': REASON" when opening
 * or closing, REASON being the system's word for the first failure ("No space left on
 * device" on a full disk). */
bool fl_viz_png_write(const char *path, SDL_Surface *surface, GError **error);

/* The same into an open stream, flushed but not closed (`f` is borrowed); errors name `name`.
 * fl_viz_png_write encodes through it; tests give it /dev/full. */
bool fl_viz_png_write_stream(FILE *f, const char *name, SDL_Surface *surface, GError **error);

/* Reads a PNG back as 8-bit RGB (for tests and the benchmark). Returns a newly allocated
 * buffer of w * h * 3 bytes (g_free), or NULL with an error. */
uint8_t *fl_viz_png_read(const char *path, int *w, int *h, GError **error);

#endif
