/* parse_edn: Jepsen histories in EDN, as Knossos, Maelstrom and Porcupine's kv data write them.
 *
 * The file is either one collection ([...] or (...)) of event maps, or a sequence of top-level
 * maps (one per line, usually). A small recursive-descent reader builds a tree of the whole file
 * first, because one question needs the whole history: whether keys travel inside values
 * ([key value], Maelstrom's lin-kv and faultline's own EDN) or not (Knossos' registers). Files
 * are small, so the tree costs little. The reader recurses once per collection, tag and #_, each
 * a level of nesting bounded by FL_LIMIT_EDN_DEPTH, and a run of #_ at one level is a loop, not a
 * recursion: the stack stays small whatever the file.
 *
 * Meaning of events (Jepsen's): :fail did not happen and is dropped with its invocation; :info
 * and invocations that never complete have an unknown outcome; processes that are not integers
 * (:nemesis) inject faults and are not clients. */
#include "lincheck_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fl_limits.h"

#define STR2(x) #x
#define STR(x) STR2(x)

typedef enum edn_kind {
  EDN_NIL, EDN_BOOL, EDN_INT, EDN_STR, EDN_KEYWORD, EDN_SYMBOL, EDN_OTHER,
  EDN_VECTOR, EDN_LIST, EDN_SET, EDN_MAP
} edn_kind;

typedef struct edn edn;
struct edn {
  edn_kind kind;
  uint32_t line, col;
  int64_t i;
  char *s;       /* STR, KEYWORD (without ':'), SYMBOL, OTHER */
  GPtrArray *kids; /* collections; a map alternates key, value */
};

typedef struct reader {
  const char *name;
  const char *p, *end;
  const char *line_start;
  uint32_t line;
} reader;

static void edn_free(gpointer x) {
  edn *e = x;
  if (!e) return;
  g_free(e->s);
  if (e->kids) g_ptr_array_free(e->kids, TRUE);
  g_free(e);
}

static uint32_t col_of(const reader *r) { return (uint32_t)(r->p - r->line_start) + 1; }

static bool fail_at(const reader *r, const char *expected, GError **error) {
  char *found = fl__lincheck_found(r->p, r->end);
  g_set_error(error, FL_LINCHECK_ERROR, FL_LINCHECK_ERROR_PARSE, "%s:%u:%u: expected %s, found %s",
              r->name, r->line, col_of(r), expected, found);
  g_free(found);
  return false;
}

static void skip_ws(reader *r) {
  while (r->p < r->end) {
    char ch = *r->p;
    if (ch == '\n') {
      r->line++;
      r->p++;
      r->line_start = r->p;
    } else if (ch == ' ' || ch == '\t' || ch == '\r' || ch == ',') {
      r->p++;
    } else if (ch == ';') {
      while (r->p < r->end && *r->p != '\n') r->p++;
    } else {
      break;
    }
  }
}

static bool is_delim(char ch) {
  return ch == '\0' || g_ascii_isspace(ch) || strchr(",()[]{}\";", ch) != NULL;
}

static edn *read_form(reader *r, int depth, GError **error);

static edn *read_coll(reader *r, edn_kind kind, char close, int depth, GError **error) {
  edn *e = g_new0(edn, 1);
  e->kind = kind;
  e->line = r->line;
  e->col = col_of(r);
  e->kids = g_ptr_array_new_with_free_func(edn_free);
  r->p++; /* the opening bracket (of "#{" the caller skipped '#') */
  for (;;) {
    skip_ws(r);
    if (r->p >= r->end) {
      char expected[32];
      g_snprintf(expected, sizeof expected, "'%c'", close);
      fail_at(r, expected, error);
      edn_free(e);
      return NULL;
    }
    if (*r->p == close) {
      r->p++;
      break;
    }
    edn *kid = read_form(r, depth + 1, error);
    if (!kid) {
      edn_free(e);
      return NULL;
    }
    g_ptr_array_add(e->kids, kid);
  }
  if (kind == EDN_MAP && e->kids->len % 2 != 0) {
    g_set_error(error, FL_LINCHECK_ERROR, FL_LINCHECK_ERROR_PARSE,
                "%s:%u:%u: expected a value for every key in the map, found an odd number of forms",
                r->name, e->line, e->col);
    edn_free(e);
    return NULL;
  }
  return e;
}

static edn *read_string(reader *r, GError **error) {
  edn *e = g_new0(edn, 1);
  e->kind = EDN_STR;
  e->line = r->line;
  e->col = col_of(r);
  GString *s = g_string_new(NULL);
  r->p++;
  for (;;) {
    if (r->p >= r->end) {
      fail_at(r, "'\"' closing the string", error);
      g_string_free(s, TRUE);
      edn_free(e);
      return NULL;
    }
    char ch = *r->p++;
    if (ch == '"') break;
    if (ch == '\n') {
      r->line++;
      r->line_start = r->p;
    }
    if (ch == '\\' && r->p < r->end) {
      char esc = *r->p++;
      ch = esc == 'n' ? '\n' : esc == 't' ? '\t' : esc == 'r' ? '\r' : esc;
    }
    g_string_append_c(s, ch);
  }
  e->s = g_string_free(s, FALSE);
  return e;
}

static edn *read_atom(reader *r, GError **error) {
  const char *start = r->p;
  uint32_t col = col_of(r);
  while (r->p < r->end && !is_delim(*r->p)) r->p++;
  if (r->p == start) {
    fail_at(r, "an EDN value", error);
    return NULL;
  }
  edn *e = g_new0(edn, 1);
  e->line = r->line;
  e->col = col;
  char *text = g_strndup(start, (gsize)(r->p - start));
  if (strcmp(text, "nil") == 0) {
    e->kind = EDN_NIL;
    g_free(text);
  } else if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
    e->kind = EDN_BOOL;
    e->i = text[0] == 't';
    g_free(text);
  } else if (text[0] == ':') {
    e->kind = EDN_KEYWORD;
    e->s = g_strdup(text + 1);
    g_free(text);
  } else if (g_ascii_isdigit(text[0]) || ((text[0] == '-' || text[0] == '+') && g_ascii_isdigit(text[1]))) {
    char *stop = NULL;
    errno = 0;
    long long v = strtoll(text, &stop, 10);
    if (errno == 0 && (*stop == '\0' || (stop[0] == 'N' && stop[1] == '\0'))) {
      e->kind = EDN_INT;
      e->i = v;
      g_free(text);
    } else {
      e->kind = EDN_OTHER; /* a float, ratio or big number: kept as text */
      e->s = text;
    }
  } else {
    e->kind = EDN_SYMBOL;
    e->s = text;
  }
  return e;
}

/* Refuses one more level of nesting at depth `depth` (0 at the top). */
static bool too_deep(const reader *r, int depth, GError **error) {
  if (depth < FL_LIMIT_EDN_DEPTH) return false;
  fail_at(r, "collections, tags and #_ nested at most " STR(FL_LIMIT_EDN_DEPTH) " deep", error);
  return true;
}

static edn *read_form(reader *r, int depth, GError **error) {
  for (;;) {
    skip_ws(r);
    if (!(r->p + 1 < r->end && r->p[0] == '#' && r->p[1] == '_')) break;
    /* #_ discards the next form (itself a level deeper, as it may hold a #_ of its own). */
    if (too_deep(r, depth, error)) return NULL;
    r->p += 2;
    edn *gone = read_form(r, depth + 1, error);
    if (!gone) return NULL;
    edn_free(gone);
  }
  if (r->p >= r->end) {
    fail_at(r, "an EDN value", error);
    return NULL;
  }
  switch (*r->p) {
  case '[': return too_deep(r, depth, error) ? NULL : read_coll(r, EDN_VECTOR, ']', depth, error);
  case '(': return too_deep(r, depth, error) ? NULL : read_coll(r, EDN_LIST, ')', depth, error);
  case '{': return too_deep(r, depth, error) ? NULL : read_coll(r, EDN_MAP, '}', depth, error);
  case '"': return read_string(r, error);
  case ')': case ']': case '}':
    fail_at(r, "an EDN value", error);
    return NULL;
  case '\\': { /* a character literal: kept as a one-character string */
    edn *e = g_new0(edn, 1);
    e->kind = EDN_STR;
    e->line = r->line;
    e->col = col_of(r);
    r->p++;
    const char *start = r->p;
    while (r->p < r->end && (r->p == start || !is_delim(*r->p))) r->p++;
    e->s = g_strndup(start, (gsize)(r->p - start));
    return e;
  }
  case '#':
    if (r->p + 1 < r->end && r->p[1] == '{') {
      if (too_deep(r, depth, error)) return NULL;
      r->p++;
      return read_coll(r, EDN_SET, '}', depth, error);
    }
    if (r->p + 1 < r->end && g_ascii_isalpha(r->p[1])) { /* a tagged literal: keep the value */
      if (too_deep(r, depth, error)) return NULL;
      r->p++;
      edn *tag = read_atom(r, error);
      if (!tag) return NULL;
      edn_free(tag);
      return read_form(r, depth + 1, error);
    }
    fail_at(r, "'#{', '#_' or a tag after '#'", error);
    return NULL;
  default:
    return read_atom(r, error);
  }
}

/* ---- From maps to events --------------------------------------------------------------- */

static const edn *map_get(const edn *m, const char *keyword) {
  for (guint k = 0; k + 1 < m->kids->len; k += 2) {
    const edn *key = g_ptr_array_index(m->kids, k);
    if (key->kind == EDN_KEYWORD && strcmp(key->s, keyword) == 0) return g_ptr_array_index(m->kids, k + 1);
  }
  return NULL;
}

static bool fail_form(const char *name, const edn *e, const char *expected, const char *found,
                      GError **error) {
  g_set_error(error, FL_LINCHECK_ERROR, FL_LINCHECK_ERROR_PARSE, "%s:%u:%u: expected %s, found %s",
              name, e->line, e->col, expected, found);
  return false;
}

static const char *kind_name(edn_kind k) {
  static const char *const names[] = {"nil", "a boolean", "an integer", "a string", "a keyword",
                                      "a symbol", "a number", "a vector", "a list", "a set",
                                      "a map"};
  return names[k];
}

static int cmp_values(const void *a, const void *b) { return fl__lincheck_value_cmp(a, b); }

static bool to_value(fl__lincheck_builder *b, const edn *e, fl_lincheck_value *v) {
  memset(v, 0, sizeof *v);
  switch (e->kind) {
  case EDN_NIL:
    v->kind = FL_LINCHECK_VAL_NIL;
    return true;
  case EDN_BOOL:
  case EDN_INT:
    v->kind = FL_LINCHECK_VAL_INT;
    v->i = e->i;
    return true;
  case EDN_STR:
  case EDN_KEYWORD:
  case EDN_SYMBOL:
  case EDN_OTHER:
    v->kind = FL_LINCHECK_VAL_STR;
    v->s = fl__lincheck_builder_intern(b, e->s);
    return true;
  case EDN_VECTOR:
  case EDN_LIST:
  case EDN_SET: {
    uint32_t n = e->kids->len;
    fl_lincheck_value *items = g_new0(fl_lincheck_value, n ? n : 1);
    for (uint32_t k = 0; k < n; k++) to_value(b, g_ptr_array_index(e->kids, k), &items[k]);
    if (e->kind == EDN_SET) qsort(items, n, sizeof *items, cmp_values);
    v->kind = FL_LINCHECK_VAL_LIST;
    v->n = n;
    v->items = fl__lincheck_builder_items(b, items, n);
    g_free(items);
    return true;
  }
  case EDN_MAP:
    return false;
  }
  return false;
}

static char *key_text(const edn *e) {
  switch (e->kind) {
  case EDN_INT: return g_strdup_printf("%" G_GINT64_FORMAT, e->i);
  case EDN_NIL: return g_strdup("nil");
  case EDN_BOOL: return g_strdup(e->i ? "true" : "false");
  case EDN_STR: case EDN_KEYWORD: case EDN_SYMBOL: case EDN_OTHER: return g_strdup(e->s);
  default: return NULL;
  }
}

/* Maelstrom / faultline EDN put the key into the value: [k v]. The history says so if a read is
 * invoked with a vector, a write's value is a vector, or an acquire's or release's value is a
 * pair. */
static bool keys_in_values(const GPtrArray *events) {
  for (guint k = 0; k < events->len; k++) {
    const edn *m = g_ptr_array_index(events, k);
    if (m->kind != EDN_MAP) continue;
    const edn *f = map_get(m, "f"), *v = map_get(m, "value"), *type = map_get(m, "type");
    if (!f || !v || !type || f->kind != EDN_KEYWORD || type->kind != EDN_KEYWORD) continue;
    if (strcmp(type->s, "invoke") != 0 || map_get(m, "key")) continue;
    bool vec = v->kind == EDN_VECTOR || v->kind == EDN_LIST;
    if (vec && (strcmp(f->s, "read") == 0 || strcmp(f->s, "write") == 0)) return true;
    /* A keyed mutex (faultline's lock workload): Jepsen's own mutex acquires with nil. */
    if (vec && v->kids->len == 2 &&
        (strcmp(f->s, "acquire") == 0 || strcmp(f->s, "release") == 0))
      return true;
    if (vec && strcmp(f->s, "cas") == 0 && v->kids->len == 2) {
      const edn *second = g_ptr_array_index(v->kids, 1);
      if (second->kind == EDN_VECTOR || second->kind == EDN_LIST) return true;
    }
  }
  return false;
}

static bool add_event(fl__lincheck_builder *b, const char *name, const edn *m, bool keyed_values,
                      bool *has_keys, GError **error) {
  if (m->kind != EDN_MAP) return fail_form(name, m, "an event map", kind_name(m->kind), error);
  const edn *process = map_get(m, "process"), *type = map_get(m, "type"), *f = map_get(m, "f");
  const edn *value = map_get(m, "value"), *key = map_get(m, "key"), *index = map_get(m, "index");
  if (!type || type->kind != EDN_KEYWORD)
    return fail_form(name, type ? type : m, ":type :invoke, :ok, :fail or :info",
                     type ? kind_name(type->kind) : "a map without :type", error);
  if (!process) return fail_form(name, m, "a :process", "a map without :process", error);
  if (process->kind != EDN_INT) {
    if (process->kind == EDN_KEYWORD) return true; /* :nemesis and its kin: not a client */
    return fail_form(name, process, "an integer :process", kind_name(process->kind), error);
  }
  fl__lincheck_ev ev;
  if (strcmp(type->s, "invoke") == 0) ev = FL__LINCHECK_EV_INVOKE;
  else if (strcmp(type->s, "ok") == 0) ev = FL__LINCHECK_EV_OK;
  else if (strcmp(type->s, "fail") == 0) ev = FL__LINCHECK_EV_DROP;
  else if (strcmp(type->s, "info") == 0) ev = FL__LINCHECK_EV_UNKNOWN;
  else return fail_form(name, type, ":invoke, :ok, :fail or :info", type->s, error);
  if (!f || (f->kind != EDN_KEYWORD && f->kind != EDN_STR && f->kind != EDN_SYMBOL))
    return fail_form(name, f ? f : m, "an :f keyword", f ? kind_name(f->kind) : "a map without :f", error);
  fl_lincheck_value v = {.kind = FL_LINCHECK_VAL_NONE};
  char *key_str = NULL;
  if (value) {
    const edn *inner = value;
    if (keyed_values && !key) {
      if ((value->kind != EDN_VECTOR && value->kind != EDN_LIST) || value->kids->len != 2)
        return fail_form(name, value, "a [key value] pair", kind_name(value->kind), error);
      key_str = key_text(g_ptr_array_index(value->kids, 0));
      inner = g_ptr_array_index(value->kids, 1);
    }
    if (!to_value(b, inner, &v)) {
      g_free(key_str);
      return fail_form(name, inner, "a value that is not a map", "a map", error);
    }
  }
  if (key) {
    key_str = key_text(key);
    if (!key_str) return fail_form(name, key, "a scalar :key", kind_name(key->kind), error);
  }
  if (key_str) *has_keys = true;
  if (ev == FL__LINCHECK_EV_UNKNOWN && v.kind == FL_LINCHECK_VAL_NONE) v.kind = FL_LINCHECK_VAL_NIL;
  int64_t idx = index && index->kind == EDN_INT ? index->i : -1;
  bool ok = fl__lincheck_builder_event(b, m->line, idx, process->i, ev, f->s, key_str, &v, error);
  g_free(key_str);
  return ok;
}

fl_lincheck_history *fl__lincheck_parse_edn(const char *name, const char *data, size_t len,
                                            GError **error) {
  reader r = {name, data, data + len, data, 1};
  GPtrArray *top = g_ptr_array_new_with_free_func(edn_free);
  for (;;) {
    skip_ws(&r);
    if (r.p >= r.end) break;
    edn *e = read_form(&r, 0, error);
    if (!e) {
      g_ptr_array_free(top, TRUE);
      return NULL;
    }
    g_ptr_array_add(top, e);
  }
  const GPtrArray *events = top;
  if (top->len == 1) {
    const edn *only = g_ptr_array_index(top, 0);
    if (only->kind == EDN_VECTOR || only->kind == EDN_LIST) events = only->kids;
  }
  fl__lincheck_builder *b = fl__lincheck_builder_new(name, FL_LINCHECK_FORMAT_EDN);
  bool keyed_values = keys_in_values(events), has_keys = false;
  for (guint k = 0; k < events->len; k++) {
    if (!add_event(b, name, g_ptr_array_index(events, k), keyed_values, &has_keys, error)) {
      fl__lincheck_builder_free(b);
      g_ptr_array_free(top, TRUE);
      return NULL;
    }
  }
  g_ptr_array_free(top, TRUE);
  return fl__lincheck_builder_finish(b, has_keys ? "kv" : "cas-register");
}
