/* outfile: write to a temporary file, rename on success (see outfile.h). */
#include "outfile.h"

#include <errno.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

struct fl_outfile {
  char *path, *tmp_path;
  FILE *f;
  GQuark domain;
  int code;
};

fl_outfile *fl_outfile_open(const char *path, GQuark domain, int code, GError **error) {
  fl_outfile *o = g_new0(fl_outfile, 1);
  o->path = g_strdup(path);
  o->tmp_path = g_strdup_printf("%s.tmp.XXXXXX", path);
  o->domain = domain;
  o->code = code;
  int fd = g_mkstemp(o->tmp_path);
  if (fd < 0 || !(o->f = fdopen(fd, "wb"))) {
    int e = errno;
    g_set_error(error, domain, code, "%s: cannot write: %s", path, g_strerror(e));
    if (fd >= 0) {
      close(fd);
      g_unlink(o->tmp_path);
    }
    g_free(o->path);
    g_free(o->tmp_path);
    g_free(o);
    return NULL;
  }
  /* mkstemp creates the file private (0600); an output is an ordinary file (0666 - umask). */
  mode_t mask = umask(0);
  umask(mask);
  fchmod(fd, 0666 & ~mask);
  setvbuf(o->f, NULL, _IOFBF, 1 << 16);
  return o;
}

FILE *fl_outfile_stream(fl_outfile *o) { return o->f; }

bool fl_outfile_close(fl_outfile *o, bool keep, GError **error) {
  if (!o) return true;
  int e = 0;
  if (ferror(o->f) || fflush(o->f) != 0) e = errno ? errno : EIO;
  if (fclose(o->f) != 0 && !e) e = errno;
  if (keep && !e && g_rename(o->tmp_path, o->path) != 0) e = errno;
  if (!keep || e) g_unlink(o->tmp_path);
  bool ok = !(keep && e);
  if (!ok) g_set_error(error, o->domain, o->code, "%s: cannot write: %s", o->path, g_strerror(e));
  g_free(o->path);
  g_free(o->tmp_path);
  g_free(o);
  return ok;
}
