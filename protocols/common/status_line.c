/* status_line: see status_line.h. */
#include "status_line.h"

#include <string.h>

static void put(fl_status_line *l, const char *p, size_t n) {
  size_t room = FL_STATUS_LINE_CAP - l->len;
  if (n > room) n = room;
  memcpy(l->buf + l->len, p, n);
  l->len += n;
}

void fl_status_line_init(fl_status_line *l) { l->len = 0; }

void fl_status_line_str(fl_status_line *l, const char *s) { put(l, s, strlen(s)); }

void fl_status_line_u64(fl_status_line *l, uint64_t v) {
  char d[20]; /* UINT64_MAX has 20 digits */
  size_t n = sizeof d;
  do d[--n] = (char)('0' + v % 10); while ((v /= 10) != 0);
  put(l, d + n, sizeof d - n);
}

void fl_status_line_flush(const fl_status_line *l, GString *out) {
  g_string_append_len(out, l->buf, (gssize)l->len);
}
