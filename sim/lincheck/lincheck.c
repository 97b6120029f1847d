/* lincheck: the check of a whole history: parts, budgets, verdict.
 *
 * P-compositionality: a history is linearizable iff each key's sub-history is, so the history
 * is split by key (for every model that is not keyed, always; for the keyed kv model, unless
 * splitting is turned off). Parts are searched in rounds, each part getting a step budget that
 * doubles every round (4096, 8192, ...): a part that is refuted after k steps decides the
 * history after at most about (parts x 2k) steps, however expensive the others are. The
 * alternative rejected was one thread per part on both cores: faster on a 2-core machine by at
 * most 2x, but the part refuted first would depend on thread timing, while this schedule is
 * deterministic (same steps, same part reported, on any machine).
 *
 * Part order is the key order (integers numerically, then text), so "the first part refuted in
 * the schedule" is well defined and reproducible. */
#include "lincheck_int.h"

#include <stdlib.h>
#include <string.h>

enum { FIRST_ROUND_STEPS = 4096 };

void fl_lincheck_opts_init(fl_lincheck_opts *o) {
  memset(o, 0, sizeof *o);
  o->model = NULL;
  o->split = true;
  o->max_steps = 200 * 1000 * 1000;
  o->timeout_s = 0;
  o->max_bytes = (size_t)1 << 30;
  o->evidence = true;
}

const char *fl_lin_verdict_name(fl_lin_verdict v) {
  switch (v) {
  case FL_LIN_OK: return "linearizable";
  case FL_LIN_VIOLATION: return "not linearizable";
  case FL_LIN_UNKNOWN: return "unknown";
  }
  return "?";
}

void fl_lincheck_result_free(fl_lincheck_result *r) {
  if (!r) return;
  g_free(r->reason);
  fl__lincheck_evidence_free(r->evidence);
  g_free(r);
}

int fl__lincheck_key_cmp(const char *a, const char *b) {
  if (!a || !b) return (a != NULL) - (b != NULL);
  char *ea = NULL, *eb = NULL;
  gint64 ia = g_ascii_strtoll(a, &ea, 10), ib = g_ascii_strtoll(b, &eb, 10);
  bool na = *a && !*ea, nb = *b && !*eb;
  if (na && nb) return (ia > ib) - (ia < ib);
  if (na != nb) return na ? -1 : 1;
  return strcmp(a, b);
}

typedef struct part {
  const char *key;
  GArray *ids; /* uint32 op ids, by call position */
  fl__lincheck_search *search;
} part;

static int part_cmp(const void *a, const void *b) {
  return fl__lincheck_key_cmp(((const part *)a)->key, ((const part *)b)->key);
}

/* Splits by key. Keys are interned by the history, so one pointer per key: the GHashTable is
 * only a lookup; the parts are then sorted by key, never left in table order. */
static GArray *make_parts(const fl_lincheck_history *h, bool split) {
  GArray *parts = g_array_new(FALSE, TRUE, sizeof(part));
  GHashTable *index = g_hash_table_new(g_direct_hash, g_direct_equal);
  for (guint k = 0; k < h->ops->len; k++) {
    const fl_lincheck_op *op = &g_array_index(h->ops, fl_lincheck_op, k);
    const char *key = split ? op->key : NULL;
    gpointer slot = NULL;
    guint at;
    if (g_hash_table_lookup_extended(index, key, NULL, &slot)) {
      at = GPOINTER_TO_UINT(slot);
    } else {
      at = parts->len;
      part p = {key, g_array_new(FALSE, FALSE, sizeof(uint32_t)), NULL};
      g_array_append_val(parts, p);
      g_hash_table_insert(index, (gpointer)key, GUINT_TO_POINTER(at));
    }
    uint32_t id = op->id;
    g_array_append_val(g_array_index(parts, part, at).ids, id);
  }
  g_hash_table_destroy(index);
  /* An empty history has no parts and a NULL array: qsort must not see it (UB even for 0). */
  if (parts->len > 1) qsort(parts->data, parts->len, sizeof(part), part_cmp);
  return parts;
}

static void parts_free(GArray *parts) {
  for (guint k = 0; k < parts->len; k++) {
    part *p = &g_array_index(parts, part, k);
    g_array_free(p->ids, TRUE);
    fl__lincheck_search_free(p->search);
  }
  g_array_free(parts, TRUE);
}

fl_lincheck_result *fl_lincheck_check(const fl_lincheck_history *h, const fl_lincheck_opts *o,
                                      GError **error) {
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);
  fl_lincheck_opts defaults;
  if (!o) {
    fl_lincheck_opts_init(&defaults);
    o = &defaults;
  }
  if (o->max_steps < 0 || o->timeout_s < 0) {
    g_set_error(error, FL_LINCHECK_ERROR, FL_LINCHECK_ERROR_OPTIONS,
                "expected a step budget and timeout of 0 (none) or more");
    return NULL;
  }
  const char *model_name = o->model ? o->model : h->default_model;
  const fl_model *m = fl_model_find(model_name);
  if (!m) {
    char *names = fl_model_names();
    g_set_error(error, FL_LINCHECK_ERROR, FL_LINCHECK_ERROR_MODEL,
                "unknown model '%s'; the models are: %s", model_name, names);
    g_free(names);
    return NULL;
  }
  for (guint k = 0; k < h->ops->len; k++) {
    const fl_lincheck_op *op = &g_array_index(h->ops, fl_lincheck_op, k);
    char *why = m->supports(op);
    if (why) {
      g_set_error(error, FL_LINCHECK_ERROR, FL_LINCHECK_ERROR_MODEL, "%s:%u: %s", h->name,
                  op->call_line, why);
      g_free(why);
      return NULL;
    }
  }

  int64_t start_us = g_get_monotonic_time();
  int64_t deadline_us = o->timeout_s > 0 ? start_us + (int64_t)(o->timeout_s * 1e6) : 0;
  uint64_t max_steps = o->max_steps > 0 ? (uint64_t)o->max_steps : UINT64_MAX;
  fl_lincheck_result *r = g_new0(fl_lincheck_result, 1);
  r->n_ops = h->ops->len;

  /* Only a keyed model can hold several keys in one state: others are always split. */
  GArray *parts = make_parts(h, o->split || !m->keyed);
  r->n_parts = parts->len;
  fl__lincheck_states *st = fl__lincheck_states_new(m, h);
  uint32_t init = fl__lincheck_states_initial(st);
  size_t bytes = 0;
  for (guint k = 0; k < parts->len; k++) {
    part *p = &g_array_index(parts, part, k);
    p->search = fl__lincheck_search_new(st, (const uint32_t *)(void *)p->ids->data, p->ids->len, init);
    bytes += fl__lincheck_search_bytes(p->search);
  }

  fl_lin_verdict verdict = FL_LIN_UNKNOWN;
  int refuted = -1;
  uint64_t budget = FIRST_ROUND_STEPS;
  bool out_of_time = false, out_of_memory = false;
  for (;;) {
    bool all_done = true;
    for (guint k = 0; k < parts->len && refuted < 0; k++) {
      part *p = &g_array_index(parts, part, k);
      uint64_t left = max_steps - r->steps;
      uint64_t give = parts->len == 1 ? left : MIN(budget, left);
      fl__lincheck_status s = fl__lincheck_search_run(p->search, give, deadline_us, &bytes,
                                                      o->max_bytes, &r->steps);
      if (s == FL__LINCHECK_REFUTED) refuted = (int)k;
      else if (s == FL__LINCHECK_OUT_OF_MEMORY) out_of_memory = true;
      else if (s == FL__LINCHECK_RUNNING) all_done = false;
      if (deadline_us && g_get_monotonic_time() > deadline_us) out_of_time = true;
      if (out_of_memory || out_of_time || r->steps >= max_steps) break;
    }
    if (refuted >= 0) {
      verdict = FL_LIN_VIOLATION;
      break;
    }
    if (out_of_memory || out_of_time || r->steps >= max_steps) {
      /* A part may have finished in its last step: only unfinished ones make it unknown. */
      all_done = true;
      for (guint k = 0; k < parts->len && refuted < 0; k++) {
        fl__lincheck_status s = fl__lincheck_search_run(g_array_index(parts, part, k).search, 0, 0,
                                                        &bytes, o->max_bytes, &r->steps);
        if (s == FL__LINCHECK_REFUTED) refuted = (int)k;
        all_done = all_done && s == FL__LINCHECK_LINEARIZABLE;
      }
      if (refuted >= 0) verdict = FL_LIN_VIOLATION;
      else if (all_done) verdict = FL_LIN_OK;
      break;
    }
    if (all_done) {
      verdict = FL_LIN_OK;
      break;
    }
    budget = budget > UINT64_MAX / 2 ? UINT64_MAX : budget * 2;
  }
  r->verdict = verdict;
  if (verdict == FL_LIN_UNKNOWN) {
    if (out_of_memory)
      r->reason = g_strdup_printf("memory budget of %zu MiB exhausted", o->max_bytes >> 20);
    else if (out_of_time)
      r->reason = g_strdup_printf("time budget of %g s exhausted", o->timeout_s);
    else
      r->reason = g_strdup_printf("step budget of %" G_GUINT64_FORMAT " steps exhausted", max_steps);
  }
  for (guint k = 0; k < parts->len; k++)
    r->cache_entries += fl__lincheck_search_entries(g_array_index(parts, part, k).search);
  r->peak_bytes = bytes + fl__lincheck_states_bytes(st);
  if (verdict == FL_LIN_VIOLATION) {
    part *p = &g_array_index(parts, part, refuted);
    uint64_t evidence_budget = MIN(max_steps, (uint64_t)2000000);
    r->evidence = fl__lincheck_evidence_build(h, st, (const uint32_t *)(void *)p->ids->data,
                                              p->ids->len, p->search, o->evidence, evidence_budget);
  }
  r->states = fl__lincheck_states_count(st);
  r->model_calls = fl__lincheck_states_model_calls(st);
  parts_free(parts);
  fl__lincheck_states_free(st);
  r->seconds = (double)(g_get_monotonic_time() - start_us) / 1e6;
  return r;
}

void fl_lincheck_result_to_json(const fl_lincheck_result *r, const fl_lincheck_history *h,
                                JsonBuilder *b) {
  json_builder_set_member_name(b, "verdict");
  json_builder_add_string_value(b, r->verdict == FL_LIN_OK ? "linearizable"
                                   : r->verdict == FL_LIN_VIOLATION ? "not-linearizable"
                                                                    : "unknown");
  const struct {
    const char *name;
    uint64_t value;
  } counts[] = {{"ops", r->n_ops},           {"parts", r->n_parts},
                {"steps", r->steps},         {"model_calls", r->model_calls},
                {"states", r->states},       {"cache_entries", r->cache_entries},
                {"peak_bytes", r->peak_bytes}};
  for (size_t k = 0; k < G_N_ELEMENTS(counts); k++) {
    json_builder_set_member_name(b, counts[k].name);
    json_builder_add_int_value(b, (gint64)counts[k].value);
  }
  json_builder_set_member_name(b, "seconds");
  json_builder_add_double_value(b, r->seconds);
  json_builder_set_member_name(b, "reason");
  if (r->reason) json_builder_add_string_value(b, r->reason);
  else json_builder_add_null_value(b);
  json_builder_set_member_name(b, "evidence");
  const fl_lincheck_evidence *e = r->evidence;
  if (!e) {
    json_builder_add_null_value(b);
    return;
  }
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "key");
  if (e->key) json_builder_add_string_value(b, e->key);
  else json_builder_add_null_value(b);
  const struct {
    const char *name;
    const GArray *ids;
  } lists[] = {{"prefix", e->prefix}, {"unplaced", e->unplaced}, {"window", e->window}};
  for (size_t l = 0; l < G_N_ELEMENTS(lists); l++) {
    json_builder_set_member_name(b, lists[l].name);
    json_builder_begin_array(b);
    for (guint k = 0; k < lists[l].ids->len; k++)
      json_builder_add_int_value(b, fl_lincheck_history_op(h, g_array_index(lists[l].ids, uint32_t, k))->index);
    json_builder_end_array(b);
  }
  json_builder_set_member_name(b, "window_from");
  json_builder_add_int_value(b, e->window_from);
  json_builder_set_member_name(b, "window_to");
  json_builder_add_int_value(b, e->window_to);
  json_builder_set_member_name(b, "timeline");
  json_builder_add_string_value(b, e->timeline);
  json_builder_end_object(b);
}
