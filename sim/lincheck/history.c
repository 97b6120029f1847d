/* history: the checker's view of a history, built event by event by the parsers.
 *
 * The builder pairs each completion with its process's open invocation, so every format's parser
 * only decides what an event means (fl__lincheck_ev) and the pairing rules live in one place. */
#include "lincheck_int.h"

#include <string.h>

G_DEFINE_QUARK(fl-lincheck-error-quark, fl_lincheck_error)

struct fl__lincheck_builder {
  fl_lincheck_history *h;
  GArray *ops;          /* fl_lincheck_op, in invocation order, dropped ones included */
  GArray *dropped;      /* gboolean per op */
  GHashTable *open;     /* process (int64 *) -> op number + 1; lookup only */
  GArray *procs;        /* int64 storage for the keys of `open` */
  uint32_t n_events;
  guint last;           /* op number + 1 of the event last added, 0: none */
  bool last_ret;        /* that event was a completion */
};

/* ---- Values ------------------------------------------------------------------------------ */

uint64_t fl__lincheck_mix64(uint64_t x) {
  /* splitmix64's finalizer: a bijection with good avalanche, so xor-combined hashes spread. */
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

int fl__lincheck_value_cmp(const fl_lincheck_value *a, const fl_lincheck_value *b) {
  if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
  switch (a->kind) {
  case FL_LINCHECK_VAL_INT:
    return a->i < b->i ? -1 : a->i > b->i;
  case FL_LINCHECK_VAL_STR:
    return strcmp(a->s, b->s);
  case FL_LINCHECK_VAL_LIST:
    for (uint32_t k = 0; k < a->n && k < b->n; k++) {
      int c = fl__lincheck_value_cmp(&a->items[k], &b->items[k]);
      if (c) return c;
    }
    return a->n < b->n ? -1 : a->n > b->n;
  default:
    return 0;
  }
}

bool fl__lincheck_value_equal(const fl_lincheck_value *a, const fl_lincheck_value *b) {
  return fl__lincheck_value_cmp(a, b) == 0;
}

uint64_t fl__lincheck_value_hash(const fl_lincheck_value *v) {
  uint64_t h = fl__lincheck_mix64(0x1234u + (uint64_t)v->kind);
  switch (v->kind) {
  case FL_LINCHECK_VAL_INT:
    return fl__lincheck_mix64(h ^ (uint64_t)v->i);
  case FL_LINCHECK_VAL_STR:
    for (const unsigned char *p = (const unsigned char *)v->s; *p; p++) h = (h ^ *p) * 0x100000001b3ULL;
    return fl__lincheck_mix64(h);
  case FL_LINCHECK_VAL_LIST:
    for (uint32_t k = 0; k < v->n; k++) h = fl__lincheck_mix64(h ^ fl__lincheck_value_hash(&v->items[k]));
    return h;
  default:
    return h;
  }
}

static void value_append(GString *out, const fl_lincheck_value *v) {
  switch (v->kind) {
  case FL_LINCHECK_VAL_NONE:
    g_string_append(out, "?");
    break;
  case FL_LINCHECK_VAL_NIL:
    g_string_append(out, "nil");
    break;
  case FL_LINCHECK_VAL_INT:
    g_string_append_printf(out, "%" G_GINT64_FORMAT, v->i);
    break;
  case FL_LINCHECK_VAL_STR:
    g_string_append_printf(out, "\"%s\"", v->s);
    break;
  case FL_LINCHECK_VAL_LIST:
    g_string_append_c(out, '[');
    for (uint32_t k = 0; k < v->n; k++) {
      if (k) g_string_append_c(out, ' ');
      value_append(out, &v->items[k]);
    }
    g_string_append_c(out, ']');
    break;
  }
}

char *fl_lincheck_value_describe(const fl_lincheck_value *v) {
  GString *s = g_string_new(NULL);
  value_append(s, v);
  return g_string_free(s, FALSE);
}

char *fl_lincheck_op_describe(const fl_lincheck_op *op) {
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, "p%" G_GINT64_FORMAT " %s", op->process, op->f);
  if (op->key) g_string_append_printf(s, " k%s", op->key);
  if (op->fn == FL_LINCHECK_FN_CAS && op->in.kind == FL_LINCHECK_VAL_LIST && op->in.n == 2) {
    g_string_append_c(s, ' ');
    value_append(s, &op->in.items[0]);
    g_string_append(s, "->");
    value_append(s, &op->in.items[1]);
  } else if (op->in.kind != FL_LINCHECK_VAL_NONE && op->in.kind != FL_LINCHECK_VAL_NIL) {
    g_string_append_c(s, ' ');
    value_append(s, &op->in);
  }
  switch (op->outcome) {
  case FL_LINCHECK_OK:
    if (op->fn == FL_LINCHECK_FN_READ || op->fn == FL_LINCHECK_FN_DEQUEUE ||
        (op->fn == FL_LINCHECK_FN_OTHER && op->out.kind != FL_LINCHECK_VAL_NONE)) {
      g_string_append(s, " = ");
      value_append(s, &op->out);
    }
    break;
  case FL_LINCHECK_FAILED:
    g_string_append(s, " (failed)");
    break;
  case FL_LINCHECK_UNKNOWN:
    g_string_append(s, " (unknown)");
    break;
  }
  return g_string_free(s, FALSE);
}

fl_lincheck_fn fl__lincheck_fn_of(const char *f) {
  static const struct {
    const char *name;
    fl_lincheck_fn fn;
  } names[] = {
      {"read", FL_LINCHECK_FN_READ},        {"get", FL_LINCHECK_FN_READ},
      {"write", FL_LINCHECK_FN_WRITE},      {"put", FL_LINCHECK_FN_WRITE},
      {"cas", FL_LINCHECK_FN_CAS},          {"append", FL_LINCHECK_FN_APPEND},
      {"add", FL_LINCHECK_FN_ADD},          {"enqueue", FL_LINCHECK_FN_ENQUEUE},
      {"dequeue", FL_LINCHECK_FN_DEQUEUE},  {"acquire", FL_LINCHECK_FN_ACQUIRE},
      {"release", FL_LINCHECK_FN_RELEASE},
  };
  for (size_t k = 0; k < G_N_ELEMENTS(names); k++)
    if (strcmp(f, names[k].name) == 0) return names[k].fn;
  return FL_LINCHECK_FN_OTHER;
}

/* ---- Builder ----------------------------------------------------------------------------- */

fl__lincheck_builder *fl__lincheck_builder_new(const char *name, fl_lincheck_format fmt) {
  fl__lincheck_builder *b = g_new0(fl__lincheck_builder, 1);
  b->h = g_new0(fl_lincheck_history, 1);
  b->h->name = g_strdup(name);
  b->h->format = fmt;
  b->h->ops = g_array_new(FALSE, TRUE, sizeof(fl_lincheck_op));
  b->h->strings = g_string_chunk_new(4096);
  b->h->blobs = g_ptr_array_new_with_free_func(g_free);
  b->ops = g_array_new(FALSE, TRUE, sizeof(fl_lincheck_op));
  b->dropped = g_array_new(FALSE, TRUE, sizeof(gboolean));
  b->open = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
  return b;
}

void fl__lincheck_builder_free(fl__lincheck_builder *b) {
  if (!b) return;
  fl_lincheck_history_free(b->h);
  g_array_free(b->ops, TRUE);
  g_array_free(b->dropped, TRUE);
  g_hash_table_destroy(b->open);
  g_free(b);
}

const char *fl__lincheck_builder_intern(fl__lincheck_builder *b, const char *s) {
  return g_string_chunk_insert_const(b->h->strings, s);
}

const fl_lincheck_value *fl__lincheck_builder_items(fl__lincheck_builder *b,
                                                    const fl_lincheck_value *items, uint32_t n) {
  fl_lincheck_value *copy = g_memdup2(items, (gsize)(n ? n : 1) * sizeof *items);
  g_ptr_array_add(b->h->blobs, copy);
  return copy;
}

static const char *ev_name(fl__lincheck_ev ev) {
  switch (ev) {
  case FL__LINCHECK_EV_INVOKE: return "an invocation";
  case FL__LINCHECK_EV_OK: return "a completion";
  case FL__LINCHECK_EV_FAILED: return "a failure";
  case FL__LINCHECK_EV_UNKNOWN: return "an unknown outcome";
  case FL__LINCHECK_EV_DROP: return "a failure";
  }
  return "an event";
}

bool fl__lincheck_builder_event(fl__lincheck_builder *b, uint32_t line, int64_t index,
                                int64_t process, fl__lincheck_ev ev, const char *f,
                                const char *key, const fl_lincheck_value *value, GError **error) {
  uint32_t pos = b->n_events++;
  if (index < 0) index = pos;
  gpointer found = g_hash_table_lookup(b->open, &process);
  if (ev == FL__LINCHECK_EV_INVOKE) {
    if (found) {
      const fl_lincheck_op *o = &g_array_index(b->ops, fl_lincheck_op, GPOINTER_TO_UINT(found) - 1);
      g_set_error(error, FL_LINCHECK_ERROR, FL_LINCHECK_ERROR_PARSE,
                  "%s:%u: expected a completion of process %" G_GINT64_FORMAT
                  "'s operation invoked on line %u, found another invocation",
                  b->h->name, line, process, o->call_line);
      return false;
    }
    fl_lincheck_op op = {0};
    op.index = index;
    op.ret_index = -1;
    op.process = process;
    op.call_line = line;
    op.call_pos = pos;
    op.ret_pos = UINT32_MAX;
    op.f = fl__lincheck_builder_intern(b, f);
    op.fn = fl__lincheck_fn_of(f);
    op.key = key ? fl__lincheck_builder_intern(b, key) : NULL;
    op.in = *value;
    op.out.kind = FL_LINCHECK_VAL_NONE;
    op.outcome = FL_LINCHECK_UNKNOWN;
    op.ret_ns = -1;
    g_array_append_val(b->ops, op);
    b->last = b->ops->len;
    b->last_ret = false;
    gboolean no = FALSE;
    g_array_append_val(b->dropped, no);
    g_hash_table_insert(b->open, g_memdup2(&process, sizeof process), GUINT_TO_POINTER(b->ops->len));
    return true;
  }
  if (!found) {
    g_set_error(error, FL_LINCHECK_ERROR, FL_LINCHECK_ERROR_PARSE,
                "%s:%u: expected an invocation by process %" G_GINT64_FORMAT
                " before its completion, found %s of %s with none open",
                b->h->name, line, process, ev_name(ev), f);
    return false;
  }
  guint k = GPOINTER_TO_UINT(found) - 1;
  fl_lincheck_op *op = &g_array_index(b->ops, fl_lincheck_op, k);
  if (strcmp(op->f, f) != 0) {
    g_set_error(error, FL_LINCHECK_ERROR, FL_LINCHECK_ERROR_PARSE,
                "%s:%u: expected a completion of %s (invoked on line %u by process %" G_GINT64_FORMAT
                "), found a completion of %s",
                b->h->name, line, op->f, op->call_line, process, f);
    return false;
  }
  g_hash_table_remove(b->open, &process);
  b->last = k + 1;
  b->last_ret = true;
  op->ret_line = line;
  op->ret_index = index;
  switch (ev) {
  case FL__LINCHECK_EV_OK:
    op->outcome = FL_LINCHECK_OK;
    op->out = *value;
    op->ret_pos = pos;
    break;
  case FL__LINCHECK_EV_FAILED:
    op->outcome = FL_LINCHECK_FAILED;
    op->out.kind = FL_LINCHECK_VAL_NIL;
    op->ret_pos = pos;
    break;
  case FL__LINCHECK_EV_UNKNOWN:
    op->outcome = FL_LINCHECK_UNKNOWN; /* completes after the end of the history */
    break;
  case FL__LINCHECK_EV_DROP:
    g_array_index(b->dropped, gboolean, k) = TRUE;
    break;
  case FL__LINCHECK_EV_INVOKE:
    g_assert_not_reached();
  }
  return true;
}

void fl__lincheck_builder_note(fl__lincheck_builder *b, int64_t client, int64_t time_ns,
                               int64_t node) {
  if (!b->last) return;
  fl_lincheck_op *op = &g_array_index(b->ops, fl_lincheck_op, b->last - 1);
  if (!b->last_ret) {
    if (client >= 0 && client <= UINT32_MAX) {
      op->has_client = true;
      op->client = (uint32_t)client;
    }
    if (time_ns >= 0) {
      op->has_time = true;
      op->call_ns = time_ns;
    }
    return;
  }
  /* Only an answer has a time worth showing: an unknown outcome's "info" is the client
   * giving up, not the operation ending. */
  if (op->outcome == FL_LINCHECK_UNKNOWN) return;
  if (time_ns >= 0 && op->has_time) op->ret_ns = time_ns;
  if (node >= 0 && node < UINT32_MAX) op->node = (uint32_t)node + 1;
}

fl_lincheck_history *fl__lincheck_builder_finish(fl__lincheck_builder *b, const char *model) {
  fl_lincheck_history *h = b->h;
  for (guint k = 0; k < b->ops->len; k++) {
    if (g_array_index(b->dropped, gboolean, k)) continue;
    fl_lincheck_op op = g_array_index(b->ops, fl_lincheck_op, k);
    op.id = h->ops->len;
    g_array_append_val(h->ops, op);
  }
  h->n_events = b->n_events;
  h->default_model = model;
  b->h = NULL;
  fl__lincheck_builder_free(b);
  return h;
}

/* ---- Histories --------------------------------------------------------------------------- */

void fl_lincheck_history_free(fl_lincheck_history *h) {
  if (!h) return;
  g_free(h->name);
  g_array_free(h->ops, TRUE);
  g_string_chunk_free(h->strings);
  g_ptr_array_free(h->blobs, TRUE);
  g_free(h);
}

fl_lincheck_format fl_lincheck_history_format(const fl_lincheck_history *h) { return h->format; }
const char *fl_lincheck_history_default_model(const fl_lincheck_history *h) { return h->default_model; }
const char *fl_lincheck_history_name(const fl_lincheck_history *h) { return h->name; }
size_t fl_lincheck_history_n_ops(const fl_lincheck_history *h) { return h->ops->len; }

const fl_lincheck_op *fl_lincheck_history_op(const fl_lincheck_history *h, size_t id) {
  g_assert(id < h->ops->len);
  return &g_array_index(h->ops, fl_lincheck_op, id);
}

static const char *const format_names[] = {"auto", "jsonl", "edn", "jepsen-log"};

bool fl_lincheck_format_parse(const char *name, fl_lincheck_format *out) {
  for (size_t k = 0; k < G_N_ELEMENTS(format_names); k++) {
    if (strcmp(name, format_names[k]) == 0) {
      *out = (fl_lincheck_format)k;
      return true;
    }
  }
  return false;
}

const char *fl_lincheck_format_name(fl_lincheck_format fmt) {
  return (size_t)fmt < G_N_ELEMENTS(format_names) ? format_names[fmt] : "?";
}

char *fl__lincheck_found(const char *p, const char *end) {
  /* Every buffer the parsers read ends with a NUL, so *end is readable. */
  if (*p == '\n' || *p == '\r') return g_strdup("end of line");
  if (p >= end || *p == '\0') return g_strdup("end of file");
  size_t n = 0;
  while (p + n < end && n < 24 && p[n] != '\n' && p[n] != '\r') n++;
  char *text = g_strndup(p, n);
  char *quoted = g_strdup_printf("'%s%s'", text, (p + n < end && p[n] != '\n' && n == 24) ? "..." : "");
  g_free(text);
  return quoted;
}

static fl_lincheck_format detect(const char *data, size_t len) {
  const char *p = data, *end = data + len;
  for (;;) {
    while (p < end && g_ascii_isspace(*p)) p++;
    if (p < end && *p == ';') { /* an EDN comment line */
      while (p < end && *p != '\n') p++;
      continue;
    }
    break;
  }
  if (end - p >= 4 && strncmp(p, "INFO", 4) == 0) return FL_LINCHECK_FORMAT_JEPSEN_LOG;
  if (p < end && *p == '{') {
    const char *q = p + 1;
    while (q < end && (*q == ' ' || *q == '\t')) q++;
    if (q < end && (*q == '"' || *q == '}')) return FL_LINCHECK_FORMAT_JSONL;
  }
  return FL_LINCHECK_FORMAT_EDN;
}

fl_lincheck_history *fl_lincheck_load_data(const char *name, const char *data, size_t len,
                                           fl_lincheck_format fmt, GError **error) {
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);
  /* Every parser reads NUL-terminated text: a NUL inside would end a line or the file early
   * (a line of NULs was skipped as blank). The scenario parser refuses it in the same words. */
  const char *nul = len ? memchr(data, '\0', len) : NULL;
  if (nul) {
    uint32_t line = 1;
    const char *line_start = data;
    for (const char *q = data; q < nul; q++)
      if (*q == '\n') {
        line++;
        line_start = q + 1;
      }
    g_set_error(error, FL_LINCHECK_ERROR, FL_LINCHECK_ERROR_PARSE,
                "%s:%u:%u: expected text, found a NUL byte", name, line,
                (uint32_t)(nul - line_start) + 1);
    return NULL;
  }
  /* The parsers rely on a NUL after the data; copy once rather than trust the caller. */
  char *copy = g_malloc(len + 1);
  if (len) memcpy(copy, data, len);
  copy[len] = '\0';
  if (fmt == FL_LINCHECK_FORMAT_AUTO) fmt = detect(copy, len);
  fl_lincheck_history *h = NULL;
  switch (fmt) {
  case FL_LINCHECK_FORMAT_JSONL:
    h = fl__lincheck_parse_jsonl(name, copy, len, error);
    break;
  case FL_LINCHECK_FORMAT_EDN:
    h = fl__lincheck_parse_edn(name, copy, len, error);
    break;
  case FL_LINCHECK_FORMAT_JEPSEN_LOG:
    h = fl__lincheck_parse_jepsen_log(name, copy, len, error);
    break;
  case FL_LINCHECK_FORMAT_AUTO:
    g_assert_not_reached();
  }
  g_free(copy);
  return h;
}

fl_lincheck_history *fl_lincheck_load(const char *path, fl_lincheck_format fmt, GError **error) {
  char *data = NULL;
  gsize len = 0;
  GError *io = NULL;
  if (!g_file_get_contents(path, &data, &len, &io)) {
    g_set_error(error, FL_LINCHECK_ERROR, FL_LINCHECK_ERROR_IO, "%s: cannot read: %s", path,
                io->message);
    g_error_free(io);
    return NULL;
  }
  fl_lincheck_history *h = fl_lincheck_load_data(path, data, len, fmt, error);
  g_free(data);
  return h;
}
