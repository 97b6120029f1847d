/* outfile: an output file that appears whole or not at all.
 *
 * Writes go to a temporary file beside the destination (PATH.tmp.XXXXXX), renamed over it
 * when the file is closed with keep = true and everything was written; otherwise the
 * temporary file is removed. A failed run therefore never leaves a partial trace, history or
 * report behind.
 */
#ifndef FL_OUTFILE_H
#define FL_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>
#include <glib.h>

typedef struct fl_outfile fl_outfile;

/* Opens the temporary file. Errors ("PATH: cannot write: REASON") go to `error` in `domain`
 * with `code`. Newly allocated; fl_outfile_close frees. */
fl_outfile *fl_outfile_open(const char *path, GQuark domain, int code, GError **error);

/* The stream to write to (borrowed until close); fully buffered with a 64 KiB buffer. */
FILE *fl_outfile_stream(fl_outfile *o);

/* Flushes and closes; with keep, renames into place. Returns false with an error if anything
 * failed to be written (the temporary file is then removed). NULL accepted. */
bool fl_outfile_close(fl_outfile *o, bool keep, GError **error);

#endif
