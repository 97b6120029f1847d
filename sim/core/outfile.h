/* outfile: an output file that appears whole or not at all, and leaves nothing behind.
 *
 * A regular file (or a path that does not exist yet) is written under a temporary name and
 * renamed over the destination when it is closed with keep = true and everything was
 * written; closed with keep = false, or after a failed write, the temporary is removed. A
 * failed run therefore never leaves a partial trace, history or report.
 *
 * The temporary: on Linux an unlinked file (O_TMPFILE) in the destination's directory, linked
 * into place at close, so that even a SIGKILL leaves nothing. Where O_TMPFILE is not supported
 * (or /proc is not mounted, which the link needs) it is DEST.tmp.XXXXXX, recorded in a
 * process-wide registry that fl_outfile_remove_temporaries empties: the command line calls it
 * from its SIGINT / SIGTERM / crash handlers. The environment variable FAULTLINE_NO_O_TMPFILE
 * (any value) forces the fallback, for tests.
 *
 * The destination, as the user named it:
 *   - a symlink is followed: the file it names is replaced, the link stays a link;
 *   - a device, FIFO or socket (e.g. /dev/null) is written through: opened directly, nothing
 *     renamed, nothing removed;
 *   - /dev/stdout, /dev/stderr, /dev/fd/N and /proc/self/fd/N write to the process's own
 *     descriptor (a duplicate: it shares the descriptor's offset, so `--report /dev/stdout >
 *     r.json` appends to what the run printed rather than replacing the file).
 *
 * Every error names the path as the user gave it, never a temporary's name:
 *   "cannot write WHAT 'PATH': REASON"   (WHAT: "trace", "history", "report", ...)
 */
#ifndef FL_OUTFILE_H
#define FL_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>
#include <glib.h>

typedef struct fl_outfile fl_outfile;

/* Opens the output (its temporary, for a regular file). Errors go to `error` in `domain` with
 * `code`. `path` and `what` are copied. Newly allocated; fl_outfile_close frees. */
fl_outfile *fl_outfile_open(const char *path, const char *what, GQuark domain, int code,
                            GError **error);

/* The stream to write to (borrowed until close); fully buffered with a 64 KiB buffer. */
FILE *fl_outfile_stream(fl_outfile *o);

/* Flushes and closes; with keep, moves the file into place. Returns false with an error if
 * anything failed to be written (the temporary is then removed). NULL accepted. */
bool fl_outfile_close(fl_outfile *o, bool keep, GError **error);

/* Whether two paths name the same file, as an output would reach it: by device and inode when
 * the file exists (following symlinks), by resolved path when it does not. Two names of one
 * character device (/dev/null twice) do not count: writing it twice clobbers nothing. */
bool fl_outfile_same_file(const char *a, const char *b);

/* ---- Cleanup on signals. */

/* Records a path to remove if the process is stopped by a signal (a file is unlinked, an empty
 * directory removed; the most recently tracked first). `path` is copied. Returns a handle for
 * fl_outfile_untrack, or -1 when the registry (FL_LIMIT_TEMPORARIES entries) is full. */
int fl_outfile_track(const char *path);
/* Forgets a tracked path (it is not removed). -1 accepted. */
void fl_outfile_untrack(int handle);
/* Removes every tracked path: the temporaries of open outputs and whatever was tracked.
 * Async-signal-safe (unlink and rmdir only): for signal handlers. */
void fl_outfile_remove_temporaries(void);

#endif
