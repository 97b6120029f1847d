/* recorder: a history built event by event, as the JSON-lines parser would build it from the
 * file the same events are written to (parse_jsonl.c), without the parsing. */
#include "lincheck_int.h"

#include <string.h>

struct fl_lincheck_recorder {
  fl__lincheck_builder *b;
  uint32_t line; /* events so far: the JSON-lines file's line of the next one, minus one */
};

fl_lincheck_recorder *fl_lincheck_recorder_new(const char *name) {
  fl_lincheck_recorder *r = g_new0(fl_lincheck_recorder, 1);
  r->b = fl__lincheck_builder_new(name, FL_LINCHECK_FORMAT_JSONL);
  return r;
}

void fl_lincheck_recorder_free(fl_lincheck_recorder *r) {
  if (!r) return;
  fl__lincheck_builder_free(r->b);
  g_free(r);
}

bool fl_lincheck_recorder_add(fl_lincheck_recorder *r, fl_lincheck_rec_type type,
                              int64_t process, const char *f, int64_t key, bool has_value,
                              int64_t value, int64_t expected, GError **error) {
  static const fl__lincheck_ev evs[] = {FL__LINCHECK_EV_INVOKE, FL__LINCHECK_EV_OK,
                                        FL__LINCHECK_EV_DROP, FL__LINCHECK_EV_UNKNOWN};
  uint32_t line = ++r->line;
  /* The value as the JSON line has it: a read's is its result (null on invocation), a
   * write's its value, a cas's [expected, new]. */
  fl_lincheck_value v;
  memset(&v, 0, sizeof v);
  if (strcmp(f, "cas") == 0) {
    fl_lincheck_value items[2];
    memset(items, 0, sizeof items);
    items[0].kind = items[1].kind = FL_LINCHECK_VAL_INT;
    items[0].i = expected;
    items[1].i = value;
    v.kind = FL_LINCHECK_VAL_LIST;
    v.n = 2;
    v.items = fl__lincheck_builder_items(r->b, items, 2);
  } else if (strcmp(f, "read") == 0 && !(type == FL_LINCHECK_REC_OK && has_value)) {
    v.kind = FL_LINCHECK_VAL_NIL;
  } else {
    v.kind = FL_LINCHECK_VAL_INT;
    v.i = value;
  }
  char k[24];
  g_snprintf(k, sizeof k, "%" G_GINT64_FORMAT, key);
  return fl__lincheck_builder_event(r->b, line, (int64_t)line - 1, process, evs[type], f, k, &v,
                                    error);
}

/* Copies `v` and everything it holds into the history being built. */
static fl_lincheck_value own_value(fl__lincheck_builder *b, const fl_lincheck_value *v) {
  fl_lincheck_value o = *v;
  if (v->kind == FL_LINCHECK_VAL_STR) o.s = fl__lincheck_builder_intern(b, v->s);
  if (v->kind == FL_LINCHECK_VAL_LIST) {
    fl_lincheck_value *items = g_new0(fl_lincheck_value, v->n ? v->n : 1);
    for (uint32_t k = 0; k < v->n; k++) items[k] = own_value(b, &v->items[k]);
    o.items = fl__lincheck_builder_items(b, items, v->n);
    g_free(items);
  }
  return o;
}

bool fl_lincheck_recorder_add_value(fl_lincheck_recorder *r, fl_lincheck_rec_type type,
                                    int64_t process, const char *f, const char *key,
                                    const fl_lincheck_value *value, GError **error) {
  static const fl__lincheck_ev evs[] = {FL__LINCHECK_EV_INVOKE, FL__LINCHECK_EV_OK,
                                        FL__LINCHECK_EV_DROP, FL__LINCHECK_EV_UNKNOWN};
  uint32_t line = ++r->line;
  fl_lincheck_value v = own_value(r->b, value);
  return fl__lincheck_builder_event(r->b, line, (int64_t)line - 1, process, evs[type], f, key, &v,
                                    error);
}

void fl_lincheck_recorder_note(fl_lincheck_recorder *r, uint32_t client, int64_t time_ns,
                               int32_t node) {
  fl__lincheck_builder_note(r->b, client, time_ns, node);
}

fl_lincheck_history *fl_lincheck_recorder_finish(fl_lincheck_recorder *r) {
  fl_lincheck_history *h = fl__lincheck_builder_finish(r->b, "kv");
  g_free(r);
  return h;
}
