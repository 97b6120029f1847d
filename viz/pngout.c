/* pngout: PNG files with libpng (see pngout.h). libpng reports errors by longjmp; every
 * resource is released on both paths, and `volatile` keeps the locals that setjmp may
 * clobber. Bytes go through our own write and flush callbacks, which keep errno. */
#include "pngout.h"
#include "outfile.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "timeline.h" /* FL_VIZ_ERROR */

/* Where the bytes go, and the errno of the first write or flush that failed: libpng's own
 * stdio writer reports only "Write Error", which does not say that the disk is full. */
typedef struct sink {
  FILE *f;
  int err;
} sink;

static void png_fail(png_structp p, png_const_charp msg) {
  char **slot = png_get_error_ptr(p);
  if (slot && !*slot) *slot = g_strdup(msg);
  png_longjmp(p, 1);
}

static void png_warn(png_structp p, png_const_charp msg) {
  (void)p;
  (void)msg;
}

static void sink_write(png_structp p, png_bytep data, size_t len) {
  sink *s = png_get_io_ptr(p);
  if (fwrite(data, 1, len, s->f) != len) {
    s->err = errno ? errno : EIO;
    png_error(p, "write failed");
  }
}

static void sink_flush(png_structp p) {
  sink *s = png_get_io_ptr(p);
  if (fflush(s->f) != 0) {
    s->err = errno ? errno : EIO;
    png_error(p, "flush failed");
  }
}

static bool encode(sink *out, SDL_Surface *s, char **why) {
  png_structp p = png_create_write_struct(PNG_LIBPNG_VER_STRING, why, png_fail, png_warn);
  if (!p) {
    *why = g_strdup("out of memory");
    return false;
  }
  png_infop info = png_create_info_struct(p);
  uint8_t *volatile row = g_malloc((gsize)s->w * 3);
  if (!info || setjmp(png_jmpbuf(p))) {
    png_destroy_write_struct(&p, info ? &info : NULL);
    g_free(row);
    if (!*why) *why = g_strdup("libpng failed");
    return false;
  }
  png_set_write_fn(p, out, sink_write, sink_flush);
  png_set_compression_level(p, 6);
  png_set_IHDR(p, info, (png_uint_32)s->w, (png_uint_32)s->h, 8, PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(p, info);
  for (int y = 0; y < s->h; y++) {
    const uint32_t *px = (const uint32_t *)(const void *)((const uint8_t *)s->pixels + (size_t)y * (size_t)s->pitch);
    for (int x = 0; x < s->w; x++) {
      row[3 * x] = (uint8_t)(px[x] >> 16);
      row[3 * x + 1] = (uint8_t)(px[x] >> 8);
      row[3 * x + 2] = (uint8_t)px[x];
    }
    png_write_row(p, row);
  }
  png_write_end(p, NULL);
  png_destroy_write_struct(&p, &info);
  g_free(row);
  return true;
}

bool fl_viz_png_write_stream(FILE *f, const char *name, SDL_Surface *surface, GError **error) {
  g_return_val_if_fail(surface->format->BytesPerPixel == 4, false);
  sink out = {.f = f};
  char *why = NULL;
  bool locked = SDL_MUSTLOCK(surface) && SDL_LockSurface(surface) == 0;
  errno = 0;
  bool ok = encode(&out, surface, &why);
  if (locked) SDL_UnlockSurface(surface);
  if (ok && fflush(f) != 0) {
    out.err = errno ? errno : EIO;
    ok = false;
  }
  if (!ok)
    g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_IO, "%s: cannot write: %s", name,
                out.err ? g_strerror(out.err) : why);
  g_free(why);
  return ok;
}

bool fl_viz_png_write(const char *path, SDL_Surface *surface, GError **error) {
  g_return_val_if_fail(surface->format->BytesPerPixel == 4, false);
  /* fl_outfile gives the PNG what every other output has: whole or not at all, nothing left
   * behind on a signal, a device such as /dev/null written through rather than replaced. */
  fl_outfile *o = fl_outfile_open(path, "PNG", FL_VIZ_ERROR, FL_VIZ_ERROR_IO, error);
  if (!o) return false;
  if (!fl_viz_png_write_stream(fl_outfile_stream(o), path, surface, error)) {
    fl_outfile_close(o, false, NULL);
    return false;
  }
  return fl_outfile_close(o, true, error);
}

uint8_t *fl_viz_png_read(const char *path, int *w, int *h, GError **error) {
  png_image img;
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&img, path)) {
    g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_IO, "%s: cannot read a PNG: %s", path,
                img.message);
    return NULL;
  }
  img.format = PNG_FORMAT_RGB;
  uint8_t *buf = g_malloc(PNG_IMAGE_SIZE(img));
  if (!png_image_finish_read(&img, NULL, buf, 0, NULL)) {
    g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_IO, "%s: cannot read a PNG: %s", path,
                img.message);
    png_image_free(&img);
    g_free(buf);
    return NULL;
  }
  *w = (int)img.width;
  *h = (int)img.height;
  return buf;
}
