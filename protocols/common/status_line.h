/* status_line: a protocol's describe line (its role, term or ballot, leader, counts), built by
 * hand into a fixed buffer and appended to the output in one call.
 *
 * Why not printf: the core asks for a node's description after every event on it, and
 * g_string_append_printf there was a quarter of a run's time (measured on rbcast). The
 * appenders below only copy bytes and convert integers in decimal.
 *
 * The buffer holds FL_STATUS_LINE_CAP bytes; an append that would overflow it is cut at the
 * capacity (a description longer than that is a protocol's bug, and cutting it keeps the run
 * going rather than writing past the buffer).
 *
 * Ownership: the caller owns the fl_status_line (on its stack: init, append, flush); nothing is
 * allocated.
 */
#ifndef FL_STATUS_LINE_H
#define FL_STATUS_LINE_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>

/* Bytes a describe line may hold: the longest today ("candidate b<20 digits>.<20 digits>
 * leader=n<20 digits>") is well under it. */
#define FL_STATUS_LINE_CAP 128

typedef struct fl_status_line {
  size_t len;
  char buf[FL_STATUS_LINE_CAP]; /* bytes [0, len) are the line; the rest is never read */
} fl_status_line;

/* An empty line. */
void fl_status_line_init(fl_status_line *l);
/* Appends the NUL-terminated s (borrowed). */
void fl_status_line_str(fl_status_line *l, const char *s);
/* Appends v in decimal, without sign or padding. */
void fl_status_line_u64(fl_status_line *l, uint64_t v);
/* Appends the line to out (borrowed) in one call; l may be flushed again or dropped. */
void fl_status_line_flush(const fl_status_line *l, GString *out);

#endif
