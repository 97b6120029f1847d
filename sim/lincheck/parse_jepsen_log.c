/* parse_jepsen_log: Jepsen's log lines, as in Porcupine's etcd data.
 *
 *   INFO  jepsen.util - 3\t:invoke\t:cas\t[1 4]
 *
 * Fields are separated by tabs or runs of spaces. Meaning, as the reference checker reads it:
 * `:fail :cas` is a cas that happened and found another value; `:fail` with `:timed-out` and
 * every `:info` leave the outcome unknown; any other `:fail` did not happen. */
#include "lincheck_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct cursor {
  const char *name;
  const char *line_start;
  const char *p;
  const char *end; /* end of the line */
  uint32_t line;
} cursor;

static bool fail_at(const cursor *c, const char *expected, GError **error) {
  char *found = fl__lincheck_found(c->p, c->end);
  g_set_error(error, FL_LINCHECK_ERROR, FL_LINCHECK_ERROR_PARSE, "%s:%u:%d: expected %s, found %s",
              c->name, c->line, (int)(c->p - c->line_start) + 1, expected, found);
  g_free(found);
  return false;
}

static bool skip_space(cursor *c) {
  const char *start = c->p;
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t')) c->p++;
  return c->p > start;
}

static bool read_int(cursor *c, int64_t *out) {
  char *stop = NULL;
  errno = 0;
  long long v = strtoll(c->p, &stop, 10);
  if (stop == c->p || stop > c->end || errno != 0 || (*stop && !strchr(" \t]\r\n", *stop))) return false;
  *out = v;
  c->p = stop;
  return true;
}

static bool read_word(cursor *c, char *buf, size_t size) {
  size_t n = 0;
  while (c->p + n < c->end && !strchr(" \t\r", c->p[n])) n++;
  if (n == 0 || n >= size) return false;
  memcpy(buf, c->p, n);
  buf[n] = '\0';
  c->p += n;
  return true;
}

/* A value: nil, an integer, :keyword, or [a b ...] of integers and nils. */
static bool read_value(cursor *c, fl__lincheck_builder *b, fl_lincheck_value *v, GError **error) {
  memset(v, 0, sizeof *v);
  if (c->p >= c->end || *c->p == '\r') {
    v->kind = FL_LINCHECK_VAL_NONE;
    return true;
  }
  if (*c->p == '[') {
    c->p++;
    GArray *items = g_array_new(FALSE, TRUE, sizeof(fl_lincheck_value));
    for (;;) {
      skip_space(c);
      if (c->p < c->end && *c->p == ']') {
        c->p++;
        break;
      }
      fl_lincheck_value item;
      if (c->p >= c->end || *c->p == '[' || !read_value(c, b, &item, NULL) ||
          item.kind == FL_LINCHECK_VAL_NONE) {
        g_array_free(items, TRUE);
        return fail_at(c, "a value or ']'", error);
      }
      g_array_append_val(items, item);
    }
    v->kind = FL_LINCHECK_VAL_LIST;
    v->n = items->len;
    v->items = fl__lincheck_builder_items(b, (const fl_lincheck_value *)(void *)items->data, items->len);
    g_array_free(items, TRUE);
    return true;
  }
  if (c->end - c->p >= 3 && strncmp(c->p, "nil", 3) == 0 &&
      (c->p + 3 == c->end || strchr(" \t]\r", c->p[3]))) {
    c->p += 3;
    v->kind = FL_LINCHECK_VAL_NIL;
    return true;
  }
  if (*c->p == ':') {
    char word[64];
    if (!read_word(c, word, sizeof word)) return fail_at(c, "a keyword", error);
    v->kind = FL_LINCHECK_VAL_STR;
    v->s = fl__lincheck_builder_intern(b, word);
    return true;
  }
  if (read_int(c, &v->i)) {
    v->kind = FL_LINCHECK_VAL_INT;
    return true;
  }
  return fail_at(c, "nil, an integer, a keyword or [a b]", error);
}

static bool parse_line(cursor *c, fl__lincheck_builder *b, GError **error) {
  static const char prefix[] = "INFO";
  static const char source[] = "jepsen.util -";
  if ((size_t)(c->end - c->p) < strlen(prefix) || strncmp(c->p, prefix, strlen(prefix)) != 0)
    return fail_at(c, "'INFO  jepsen.util - '", error);
  c->p += strlen(prefix);
  skip_space(c);
  if ((size_t)(c->end - c->p) < strlen(source) || strncmp(c->p, source, strlen(source)) != 0)
    return fail_at(c, "'jepsen.util - '", error);
  c->p += strlen(source);
  skip_space(c);
  int64_t process;
  if (!read_int(c, &process)) return fail_at(c, "a process number", error);
  if (!skip_space(c)) return fail_at(c, "a tab or spaces", error);
  char type[16], f[64];
  const char *type_at = c->p;
  if (!read_word(c, type, sizeof type)) return fail_at(c, "an event type", error);
  fl__lincheck_ev ev;
  if (strcmp(type, ":invoke") == 0) ev = FL__LINCHECK_EV_INVOKE;
  else if (strcmp(type, ":ok") == 0) ev = FL__LINCHECK_EV_OK;
  else if (strcmp(type, ":fail") == 0) ev = FL__LINCHECK_EV_FAILED;
  else if (strcmp(type, ":info") == 0) ev = FL__LINCHECK_EV_UNKNOWN;
  else {
    c->p = type_at;
    return fail_at(c, ":invoke, :ok, :fail or :info", error);
  }
  skip_space(c);
  if (c->p >= c->end || *c->p != ':' || !read_word(c, f, sizeof f))
    return fail_at(c, "a function keyword such as :read", error);
  skip_space(c);
  fl_lincheck_value v;
  if (!read_value(c, b, &v, error)) return false;
  skip_space(c);
  if (c->p < c->end && *c->p != '\r') return fail_at(c, "end of line", error);
  bool timed_out = v.kind == FL_LINCHECK_VAL_STR && strcmp(v.s, ":timed-out") == 0;
  if (ev == FL__LINCHECK_EV_FAILED) {
    if (timed_out) ev = FL__LINCHECK_EV_UNKNOWN;
    else if (strcmp(f, ":cas") != 0) ev = FL__LINCHECK_EV_DROP;
  }
  if (ev == FL__LINCHECK_EV_OK && strcmp(f, ":read") == 0 && v.kind == FL_LINCHECK_VAL_NONE)
    return fail_at(c, "the value read", error);
  if (timed_out || ev == FL__LINCHECK_EV_FAILED) v.kind = FL_LINCHECK_VAL_NIL;
  return fl__lincheck_builder_event(b, c->line, -1, process, ev, f + 1, NULL, &v, error);
}

fl_lincheck_history *fl__lincheck_parse_jepsen_log(const char *name, const char *data,
                                                   size_t len, GError **error) {
  fl__lincheck_builder *b = fl__lincheck_builder_new(name, FL_LINCHECK_FORMAT_JEPSEN_LOG);
  const char *p = data, *end = data + len;
  uint32_t line = 0;
  while (p < end) {
    line++;
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol) eol = end;
    cursor c = {name, p, p, eol, line};
    skip_space(&c);
    if (c.p < c.end && *c.p != '\r' && !parse_line(&c, b, error)) {
      fl__lincheck_builder_free(b);
      return NULL;
    }
    p = eol + 1;
  }
  return fl__lincheck_builder_finish(b, "cas-register");
}
