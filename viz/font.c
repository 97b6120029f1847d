/* font: SDL2_ttf fonts and a texture cache (see font.h). */
#include "font.h"

#include <SDL_ttf.h>

#include "timeline.h" /* FL_VIZ_ERROR */

#define CACHE_MAX 4096

struct fl_viz_fonts {
  TTF_Font *font[3];
  SDL_Renderer *owner;   /* the renderer the cached textures belong to */
  GHashTable *cache;     /* "font:rgb:text" -> cached */
};

typedef struct cached {
  SDL_Texture *tex;
  int w, h;
} cached;

static void cached_free(gpointer p) {
  cached *c = p;
  if (c->tex) SDL_DestroyTexture(c->tex);
  g_free(c);
}

static const char *const font_files[] = {"DejaVuSans.ttf", "DejaVuSansMono.ttf",
                                         "DejaVuSans-Bold.ttf"};

static char *find_font(const char *file, GString *looked) {
  const char *dirs[] = {g_getenv("FL_VIZ_FONT_DIR"), "/usr/share/fonts/truetype/dejavu",
                        "/usr/share/fonts/TTF", "/usr/share/fonts/dejavu",
                        "/usr/local/share/fonts"};
  for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++) {
    if (!dirs[i] || !*dirs[i]) continue;
    char *p = g_build_filename(dirs[i], file, NULL);
    if (g_file_test(p, G_FILE_TEST_IS_REGULAR)) return p;
    g_free(p);
    g_string_append_printf(looked, "%s%s", looked->len ? ", " : "", dirs[i]);
  }
  return NULL;
}

fl_viz_fonts *fl_viz_fonts_open(GError **error) {
  if (TTF_Init() != 0) {
    g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_SDL, "cannot initialise SDL_ttf: %s",
                TTF_GetError());
    return NULL;
  }
  fl_viz_fonts *f = g_new0(fl_viz_fonts, 1);
  f->cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, cached_free);
  for (int i = 0; i < 3; i++) {
    GString *looked = g_string_new(NULL);
    char *path = find_font(font_files[i], looked);
    if (!path) {
      g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_IO,
                  "cannot find the font %s (looked in %s): install the Debian package "
                  "fonts-dejavu-core or set FL_VIZ_FONT_DIR", font_files[i], looked->str);
      g_string_free(looked, TRUE);
      fl_viz_fonts_free(f);
      return NULL;
    }
    g_string_free(looked, TRUE);
    f->font[i] = TTF_OpenFont(path, FL_VIZ_FONT_PT);
    if (!f->font[i]) {
      g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_IO, "%s: cannot open the font: %s", path,
                  TTF_GetError());
      g_free(path);
      fl_viz_fonts_free(f);
      return NULL;
    }
    /* Hinting is part of the picture: fix it so that PNGs are the same everywhere this
     * FreeType is. */
    TTF_SetFontHinting(f->font[i], TTF_HINTING_NORMAL);
    g_free(path);
  }
  return f;
}

void fl_viz_fonts_forget(fl_viz_fonts *f) {
  if (!f) return;
  g_hash_table_remove_all(f->cache);
  f->owner = NULL;
}

void fl_viz_fonts_free(fl_viz_fonts *f) {
  if (!f) return;
  g_hash_table_destroy(f->cache);
  for (int i = 0; i < 3; i++)
    if (f->font[i]) TTF_CloseFont(f->font[i]);
  g_free(f);
  TTF_Quit();
}

int fl_viz_text_height(fl_viz_fonts *f) { return TTF_FontLineSkip(f->font[0]); }

int fl_viz_text_width(fl_viz_fonts *f, fl_viz_font font, const char *s) {
  int w = 0, h = 0;
  if (!s || !*s || TTF_SizeUTF8(f->font[font], s, &w, &h) != 0) return 0;
  return w;
}

int fl_viz_draw_text(fl_viz_fonts *f, SDL_Renderer *r, fl_viz_font font, const char *s, int x, int y,
                fl_viz_rgb c) {
  if (!s || !*s) return 0;
  if (f->owner != r) {
    g_hash_table_remove_all(f->cache);
    f->owner = r;
  }
  char *key = g_strdup_printf("%d:%u,%u,%u:%s", (int)font, c.r, c.g, c.b, s);
  cached *e = g_hash_table_lookup(f->cache, key);
  if (!e) {
    if (g_hash_table_size(f->cache) >= CACHE_MAX) g_hash_table_remove_all(f->cache);
    e = g_new0(cached, 1);
    SDL_Color col = {c.r, c.g, c.b, 255};
    SDL_Surface *surf = TTF_RenderUTF8_Blended(f->font[font], s, col);
    if (surf) {
      e->w = surf->w;
      e->h = surf->h;
      e->tex = SDL_CreateTextureFromSurface(r, surf);
      if (e->tex) SDL_SetTextureBlendMode(e->tex, SDL_BLENDMODE_BLEND);
      SDL_FreeSurface(surf);
    }
    g_hash_table_insert(f->cache, key, e);
  } else {
    g_free(key);
  }
  if (e->tex) {
    SDL_Rect dst = {x, y, e->w, e->h};
    SDL_RenderCopy(r, e->tex, NULL, &dst);
  }
  return e->w;
}
