/* outfile: an unlinked temporary linked into place on success, or a registered one renamed
 * into place (see outfile.h).
 *
 * Why O_TMPFILE first: the earlier scheme (mkstemp beside the destination, rename at close)
 * kept final paths whole, but a Ctrl-C left a PATH.tmp.XXXXXX of whatever had been written
 * (49 MB after 2 s of a long run). A signal handler can unlink registered names, but nothing
 * runs on SIGKILL; an unlinked file simply disappears with the process. The link at close
 * goes through /proc/self/fd/N (linkat with AT_EMPTY_PATH would need CAP_DAC_READ_SEARCH), and
 * since linkat never replaces an existing name, an existing destination is replaced by linking
 * to a fresh name and renaming that over it: that name exists for two system calls only, and
 * is registered for them.
 */
#include "outfile.h"
#include "fl_limits.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

struct fl_outfile {
  char *path;   /* as the user gave it, for messages */
  char *what;   /* "trace", "history", "report" */
  char *target; /* the file to replace: path with its symlinks followed */
  char *tmp_path; /* the registered temporary (fallback), or NULL */
  int tmp_handle; /* its registry handle, or -1 */
  bool is_tmpfile; /* an unlinked O_TMPFILE, linked into place at close */
  bool direct;     /* written through: a device, FIFO, socket or inherited descriptor */
  FILE *f;
  GQuark domain;
  int code;
};

/* ---- The registry of temporaries, read by signal handlers. Slots hold pointers to strings
 * that stay allocated while tracked: a slot is cleared before its string is freed, and the
 * process is single-threaded, so a handler sees either a whole string or NULL. */
static char *volatile tracked[FL_LIMIT_TEMPORARIES];

int fl_outfile_track(const char *path) {
  for (int i = 0; i < FL_LIMIT_TEMPORARIES; i++) {
    if (tracked[i]) continue;
    tracked[i] = g_strdup(path);
    return i;
  }
  return -1;
}

void fl_outfile_untrack(int handle) {
  if (handle < 0 || handle >= FL_LIMIT_TEMPORARIES) return;
  char *p = tracked[handle];
  tracked[handle] = NULL;
  g_free(p);
}

void fl_outfile_remove_temporaries(void) {
  int saved = errno;
  for (int i = FL_LIMIT_TEMPORARIES - 1; i >= 0; i--) {
    char *p = tracked[i];
    if (p && unlink(p) != 0) rmdir(p);
  }
  errno = saved;
}

/* Blocks the signals whose handlers read the registry while a temporary's name and its slot
 * disagree (created but not yet tracked, renamed but still tracked). */
static void block_signals(sigset_t *old) {
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, old);
}

static void restore_signals(const sigset_t *old) { sigprocmask(SIG_SETMASK, old, NULL); }

/* ---- Resolving the destination. */

/* The descriptor a path names directly (/dev/stdout, /dev/fd/3, /proc/self/fd/3), or -1. */
static int fd_path(const char *p) {
  if (strcmp(p, "/dev/stdin") == 0) return 0;
  if (strcmp(p, "/dev/stdout") == 0) return 1;
  if (strcmp(p, "/dev/stderr") == 0) return 2;
  const char *rest = g_str_has_prefix(p, "/dev/fd/")        ? p + strlen("/dev/fd/")
                     : g_str_has_prefix(p, "/proc/self/fd/") ? p + strlen("/proc/self/fd/")
                                                             : NULL;
  if (!rest || !*rest || strlen(rest) > 9) return -1;
  for (const char *c = rest; *c; c++)
    if (*c < '0' || *c > '9') return -1;
  return atoi(rest);
}

/* Follows the symlinks of the final component (40 hops, as the kernel does; past that the
 * open reports ELOOP). Stops early at a path naming a descriptor (*fd set, else -1). Newly
 * allocated. */
static char *follow(const char *path, int *fd) {
  char *cur = g_strdup(path);
  for (int hops = 0; hops < 40; hops++) {
    if ((*fd = fd_path(cur)) >= 0) return cur;
    char *target = g_file_read_link(cur, NULL);
    if (!target) return cur;
    if (!g_path_is_absolute(target)) {
      char *dir = g_path_get_dirname(cur);
      char *joined = g_build_filename(dir, target, NULL);
      g_free(dir);
      g_free(target);
      target = joined;
    }
    g_free(cur);
    cur = target;
  }
  return cur;
}

static void fail(fl_outfile *o, int e, GError **error) {
  g_set_error(error, o->domain, o->code, "cannot write %s '%s': %s", o->what, o->path,
              g_strerror(e));
}

static void free_outfile(fl_outfile *o) {
  g_free(o->path);
  g_free(o->what);
  g_free(o->target);
  g_free(o->tmp_path);
  g_free(o);
}

/* An unlinked file in the target's directory, or -1 with errno. Falls back (returning -1 with
 * errno EOPNOTSUPP) where the file system or kernel lacks O_TMPFILE or /proc is absent. */
static int open_tmpfile(const char *target) {
#ifdef O_TMPFILE
  if (g_getenv("FAULTLINE_NO_O_TMPFILE")) {
    errno = EOPNOTSUPP;
    return -1;
  }
  char *dir = g_path_get_dirname(target);
  int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
  g_free(dir);
  if (fd < 0) {
    /* A kernel without O_TMPFILE sees O_DIRECTORY | O_WRONLY: EISDIR. */
    if (errno == EISDIR || errno == EOPNOTSUPP || errno == EINVAL) errno = EOPNOTSUPP;
    return -1;
  }
  char proc[32];
  g_snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  if (access(proc, F_OK) != 0) {
    close(fd);
    errno = EOPNOTSUPP;
    return -1;
  }
  return fd;
#else
  (void)target;
  errno = EOPNOTSUPP;
  return -1;
#endif
}

/* The fallback: TARGET.tmp.XXXXXX, registered before anyone can see it. */
static int open_registered(fl_outfile *o) {
  o->tmp_path = g_strdup_printf("%s.tmp.XXXXXX", o->target);
  sigset_t old;
  block_signals(&old);
  int fd = g_mkstemp_full(o->tmp_path, O_WRONLY | O_CLOEXEC, 0666);
  int e = errno;
  if (fd >= 0 && (o->tmp_handle = fl_outfile_track(o->tmp_path)) < 0) {
    close(fd);
    g_unlink(o->tmp_path);
    fd = -1;
    e = EMFILE;
  }
  restore_signals(&old);
  errno = e;
  return fd;
}

fl_outfile *fl_outfile_open(const char *path, const char *what, GQuark domain, int code,
                            GError **error) {
  fl_outfile *o = g_new0(fl_outfile, 1);
  o->path = g_strdup(path);
  o->what = g_strdup(what);
  o->domain = domain;
  o->code = code;
  o->tmp_handle = -1;
  int own_fd = -1, fd = -1;
  o->target = follow(path, &own_fd);
  struct stat st;
  if (own_fd >= 0) {
    o->direct = true;
    fd = fcntl(own_fd, F_DUPFD_CLOEXEC, 3);
  } else if (stat(o->target, &st) == 0 && !S_ISREG(st.st_mode)) {
    o->direct = true;
    if (S_ISDIR(st.st_mode)) errno = EISDIR;
    else fd = open(o->target, O_WRONLY | O_CLOEXEC | O_NOCTTY);
  } else {
    fd = open_tmpfile(o->target);
    if (fd >= 0) o->is_tmpfile = true;
    else if (errno == EOPNOTSUPP) fd = open_registered(o);
  }
  if (fd < 0 || !(o->f = fdopen(fd, "wb"))) {
    int e = errno;
    fail(o, e, error);
    if (fd >= 0) close(fd);
    if (o->tmp_path && o->tmp_handle >= 0) {
      g_unlink(o->tmp_path);
      fl_outfile_untrack(o->tmp_handle);
    }
    free_outfile(o);
    return NULL;
  }
  setvbuf(o->f, NULL, _IOFBF, 1 << 16);
  return o;
}

FILE *fl_outfile_stream(fl_outfile *o) { return o->f; }

/* Links the unlinked file into place; 0 or an errno. */
static int link_into_place(fl_outfile *o) {
  char proc[32];
  g_snprintf(proc, sizeof proc, "/proc/self/fd/%d", fileno(o->f));
  if (linkat(AT_FDCWD, proc, AT_FDCWD, o->target, AT_SYMLINK_FOLLOW) == 0) return 0;
  if (errno != EEXIST) return errno;
  /* The destination exists: link under a fresh name, then rename over it. */
  static unsigned counter;
  int e = EEXIST;
  for (int tries = 0; tries < 100 && e == EEXIST; tries++) {
    char *tmp = g_strdup_printf("%s.tmp.%d.%u", o->target, (int)getpid(), counter++);
    sigset_t old;
    block_signals(&old);
    int h = fl_outfile_track(tmp);
    e = linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0 ? 0 : errno;
    if (!e && rename(tmp, o->target) != 0) {
      e = errno;
      unlink(tmp);
      if (e == EEXIST) e = EIO; /* never retry a rename */
    }
    fl_outfile_untrack(h);
    restore_signals(&old);
    g_free(tmp);
  }
  return e;
}

bool fl_outfile_close(fl_outfile *o, bool keep, GError **error) {
  if (!o) return true;
  int e = 0;
  if (ferror(o->f) || fflush(o->f) != 0) e = errno ? errno : EIO;
  if (keep && !e && o->is_tmpfile) e = link_into_place(o);
  if (fclose(o->f) != 0 && !e) e = errno;
  if (o->tmp_path) {
    sigset_t old;
    block_signals(&old);
    if (keep && !e && g_rename(o->tmp_path, o->target) != 0) e = errno;
    if (!keep || e) g_unlink(o->tmp_path);
    fl_outfile_untrack(o->tmp_handle);
    restore_signals(&old);
  }
  bool ok = !(keep && e);
  if (!ok) fail(o, e, error);
  free_outfile(o);
  return ok;
}

/* ---- Identity. */

typedef struct identity {
  bool exists;
  struct stat st;
  char *resolved; /* when it does not exist: the absolute path it would be created at */
} identity;

static void identify(const char *path, identity *id) {
  int fd = -1;
  char *target = follow(path, &fd);
  id->exists = fd >= 0 ? fstat(fd, &id->st) == 0 : stat(target, &id->st) == 0;
  id->resolved = NULL;
  if (!id->exists) {
    char *dir = g_path_get_dirname(target), *base = g_path_get_basename(target);
    char *real = realpath(dir, NULL);
    id->resolved = real ? g_build_filename(real, base, NULL) : g_strdup(target);
    free(real);
    g_free(dir);
    g_free(base);
  }
  g_free(target);
}

bool fl_outfile_same_file(const char *a, const char *b) {
  identity x, y;
  identify(a, &x);
  identify(b, &y);
  bool same = false;
  if (x.exists && y.exists)
    same = x.st.st_dev == y.st.st_dev && x.st.st_ino == y.st.st_ino && !S_ISCHR(x.st.st_mode);
  else if (!x.exists && !y.exists)
    same = strcmp(x.resolved, y.resolved) == 0;
  g_free(x.resolved);
  g_free(y.resolved);
  return same;
}
