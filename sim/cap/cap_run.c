/* cap_run: one run's data for the CAP report, read off a finished world and moved through a
 * JSON file between processes (cap.h). */
#include "cap.h"
#include "expect.h"
#include "metrics.h"
#include "outfile.h"

#include <math.h>
#include <string.h>
#include <json-glib/json-glib.h>

G_DEFINE_QUARK(fl-cap-error-quark, fl_cap_error)

void fl_cap_run_clear(fl_cap_run *r) {
  g_free(r->protocol);
  g_free(r->stop);
  if (r->ops) g_array_free(r->ops, TRUE);
  if (r->windows) g_array_free(r->windows, TRUE);
  if (r->faults) g_array_free(r->faults, TRUE);
  memset(r, 0, sizeof *r);
}

static void run_init(fl_cap_run *r) {
  memset(r, 0, sizeof *r);
  r->ops = g_array_new(FALSE, TRUE, sizeof(fl_cap_op));
  r->windows = g_array_new(FALSE, TRUE, sizeof(fl_cap_window));
  r->faults = g_array_new(FALSE, TRUE, sizeof(fl_cap_fault));
  r->violation_ops = r->recovery_ok_max_ns = r->blocked_max_ns = -1;
  r->reads = r->stale_reads = r->stale_lag_max_ns = -1;
  r->lin = FL_CAP_LIN_NONE;
}

static fl_cap_outcome outcome_of(const fl_op_record *o) {
  switch (o->outcome) {
  case FL_HIST_OK: return FL_CAP_OK;
  case FL_HIST_FAIL: return o->refused ? FL_CAP_REFUSED : FL_CAP_FAIL;
  default: return FL_CAP_UNKNOWN;
  }
}

/* The run's history against its workload's model; txn histories have no single-register
 * verdict here (their serializability check is the run's own [expect]). */
static bool check(fl_world *w, const fl_scenario *scn, fl_cap_run *r, GError **error) {
  const char *model = scn->workload.kind->model;
  if (strcmp(model, "txn") == 0) return true;
  fl_lincheck_history *h = fl_world_take_history(w, error);
  if (!h) {
    if (error && !*error)
      g_set_error(error, FL_CAP_ERROR, FL_CAP_ERROR_IO, "the run recorded no history");
    return false;
  }
  fl_lincheck_opts o;
  fl_lincheck_opts_init(&o);
  o.model = model;
  fl_lincheck_result *res = fl_lincheck_check(h, &o, error);
  if (!res) {
    fl_lincheck_history_free(h);
    return false;
  }
  r->lin = res->verdict == FL_LIN_OK          ? FL_CAP_LIN_OK
           : res->verdict == FL_LIN_VIOLATION ? FL_CAP_LIN_VIOLATION
                                              : FL_CAP_LIN_UNKNOWN;
  if (res->evidence && res->evidence->window) r->violation_ops = res->evidence->window->len;
  fl_lincheck_result_free(res);
  fl_lincheck_history_free(h);
  return true;
}

bool fl_cap_run_collect(fl_world *w, const fl_scenario *scn, bool check_history, fl_cap_run *out,
                        GError **error) {
  run_init(out);
  out->protocol = g_strdup(scn->protocol);
  out->seed = fl_world_seed(w);
  out->digest = fl_world_digest(w);
  out->duration_ns = fl_world_now(w);
  size_t n = 0;
  const fl_op_record *ops = fl_world_ops(w, &n);
  for (size_t i = 0; i < n; i++) {
    fl_cap_op o = {.invoke_ns = ops[i].invoke_ns, .end_ns = ops[i].end_ns,
                   .outcome = (uint8_t)outcome_of(&ops[i]), .majority = ops[i].majority,
                   .open_at_end = ops[i].open_at_end};
    g_array_append_val(out->ops, o);
  }
  size_t nw = 0;
  const fl_fault_window *fw = fl_measure_windows(fl_world_measure(w), &nw);
  for (size_t i = 0; i < nw; i++) {
    fl_cap_window x = {.from_ns = fw[i].from_ns, .to_ns = fw[i].to_ns < 0 ? out->duration_ns : fw[i].to_ns};
    g_strlcpy(x.what, fw[i].what, sizeof x.what);
    g_array_append_val(out->windows, x);
  }
  const fl_measure *m = fl_world_measure(w);
  for (guint i = 0; i < m->faults->len; i++) {
    const fl_fault_record *f = &g_array_index(m->faults, fl_fault_record, i);
    fl_cap_fault x = {.at_ns = f->at_ns, .leader_ns = f->leader_ns, .ok_ns = f->ok_ns, .line = f->line};
    g_array_append_val(out->faults, x);
  }
  const char *why = NULL;
  fl_stop_reason stop = fl_world_stop_reason(w);
  out->invariants_held = stop != FL_STOP_VIOLATION && stop != FL_STOP_PROTOCOL_ERROR &&
                         fl_world_final_ok(w, &why);
  out->stop = g_strdup(stop == FL_STOP_END ? "end" : fl_world_stop_message(w));
  fl_run_stats st;
  fl_world_stats(w, &st);
  out->recovery_ok_max_ns = st.measure.recovery_ok_max_ns;
  int64_t v;
  if (fl_metrics_lookup(fl_world_metrics(w), "blocked_max_ns", &v)) out->blocked_max_ns = v;
  fl_staleness_result sr;
  if (fl_world_staleness(w, &sr)) {
    out->reads = (int64_t)sr.reads;
    out->stale_reads = (int64_t)sr.stale;
    out->stale_lag_max_ns = sr.lag_max_ns;
  }
  return !check_history || check(w, scn, out, error);
}

/* ---- JSON. Operations are arrays [invoke_ns, end_ns, outcome, majority, open_at_end]: a run
 * has thousands of them. */

static const char *const lin_names[] = {"linearizable", "not linearizable", "unknown", "not checked"};

bool fl_cap_run_save(const fl_cap_run *r, const char *path, GError **error) {
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
#define STR(k, v) json_builder_set_member_name(b, k), json_builder_add_string_value(b, v)
#define INT(k, v) json_builder_set_member_name(b, k), json_builder_add_int_value(b, (gint64)(v))
  STR("protocol", r->protocol);
  INT("seed", r->seed);
  char digest[24];
  g_snprintf(digest, sizeof digest, "0x%016" G_GINT64_MODIFIER "x", r->digest);
  STR("digest", digest);
  INT("duration_ns", r->duration_ns);
  STR("linearizability", lin_names[r->lin]);
  INT("violation_ops", r->violation_ops);
  json_builder_set_member_name(b, "invariants_held");
  json_builder_add_boolean_value(b, r->invariants_held);
  STR("stop", r->stop ? r->stop : "end");
  INT("recovery_ok_max_ns", r->recovery_ok_max_ns);
  INT("blocked_max_ns", r->blocked_max_ns);
  INT("reads", r->reads);
  INT("stale_reads", r->stale_reads);
  INT("stale_lag_max_ns", r->stale_lag_max_ns);
  json_builder_set_member_name(b, "windows");
  json_builder_begin_array(b);
  for (guint i = 0; i < r->windows->len; i++) {
    const fl_cap_window *w = &g_array_index(r->windows, fl_cap_window, i);
    json_builder_begin_object(b);
    INT("from_ns", w->from_ns);
    INT("to_ns", w->to_ns);
    STR("what", w->what);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_set_member_name(b, "faults");
  json_builder_begin_array(b);
  for (guint i = 0; i < r->faults->len; i++) {
    const fl_cap_fault *f = &g_array_index(r->faults, fl_cap_fault, i);
    json_builder_begin_object(b);
    INT("at_ns", f->at_ns);
    INT("leader_ns", f->leader_ns);
    INT("ok_ns", f->ok_ns);
    INT("line", f->line);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_set_member_name(b, "ops");
  json_builder_begin_array(b);
  for (guint i = 0; i < r->ops->len; i++) {
    const fl_cap_op *o = &g_array_index(r->ops, fl_cap_op, i);
    json_builder_begin_array(b);
    json_builder_add_int_value(b, o->invoke_ns);
    json_builder_add_int_value(b, o->end_ns);
    json_builder_add_int_value(b, o->outcome);
    json_builder_add_int_value(b, o->majority);
    json_builder_add_int_value(b, o->open_at_end);
    json_builder_end_array(b);
  }
  json_builder_end_array(b);
  json_builder_end_object(b);
#undef STR
#undef INT
  JsonGenerator *g = json_generator_new();
  JsonNode *root = json_builder_get_root(b);
  json_generator_set_root(g, root);
  gsize len = 0;
  char *text = json_generator_to_data(g, &len);
  fl_outfile *f = fl_outfile_open(path, "run", FL_CAP_ERROR, FL_CAP_ERROR_IO, error);
  bool ok = f != NULL;
  if (f) {
    fwrite(text, 1, len, fl_outfile_stream(f));
    ok = fl_outfile_close(f, true, error);
  }
  g_free(text);
  json_node_unref(root);
  g_object_unref(g);
  g_object_unref(b);
  return ok;
}

static bool bad(GError **error, const char *path, const char *what) {
  g_set_error(error, FL_CAP_ERROR, FL_CAP_ERROR_PARSE, "%s: expected %s", path, what);
  return false;
}

bool fl_cap_run_load(const char *path, fl_cap_run *out, GError **error) {
  run_init(out);
  JsonParser *p = json_parser_new();
  if (!json_parser_load_from_file(p, path, error)) {
    g_object_unref(p);
    return false;
  }
  bool ok = false;
  JsonNode *root = json_parser_get_root(p);
  JsonObject *o = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
  JsonArray *ops = o && json_object_has_member(o, "ops") ? json_object_get_array_member(o, "ops") : NULL;
  JsonArray *ws = o && json_object_has_member(o, "windows") ? json_object_get_array_member(o, "windows") : NULL;
  if (!o || !ops || !ws || !json_object_has_member(o, "protocol") ||
      !json_object_has_member(o, "linearizability")) {
    bad(error, path, "a run object with protocol, linearizability, windows and ops");
    goto out;
  }
  out->protocol = g_strdup(json_object_get_string_member(o, "protocol"));
  out->seed = (uint64_t)json_object_get_int_member(o, "seed");
  out->digest = g_ascii_strtoull(json_object_get_string_member(o, "digest"), NULL, 16);
  out->duration_ns = json_object_get_int_member(o, "duration_ns");
  const char *lin = json_object_get_string_member(o, "linearizability");
  for (int i = 0; i < (int)G_N_ELEMENTS(lin_names); i++)
    if (lin && strcmp(lin, lin_names[i]) == 0) out->lin = (fl_cap_lin)i;
  out->violation_ops = json_object_get_int_member(o, "violation_ops");
  out->invariants_held = json_object_get_boolean_member(o, "invariants_held");
  out->stop = g_strdup(json_object_get_string_member(o, "stop"));
  out->recovery_ok_max_ns = json_object_get_int_member(o, "recovery_ok_max_ns");
  out->blocked_max_ns = json_object_get_int_member(o, "blocked_max_ns");
  out->reads = json_object_get_int_member(o, "reads");
  out->stale_reads = json_object_get_int_member(o, "stale_reads");
  out->stale_lag_max_ns = json_object_get_int_member(o, "stale_lag_max_ns");
  for (guint i = 0; i < json_array_get_length(ws); i++) {
    JsonObject *w = json_array_get_object_element(ws, i);
    if (!w) {
      bad(error, path, "windows of objects");
      goto out;
    }
    fl_cap_window x = {.from_ns = json_object_get_int_member(w, "from_ns"),
                       .to_ns = json_object_get_int_member(w, "to_ns")};
    g_strlcpy(x.what, json_object_get_string_member(w, "what"), sizeof x.what);
    g_array_append_val(out->windows, x);
  }
  JsonArray *fs = json_object_has_member(o, "faults") ? json_object_get_array_member(o, "faults") : NULL;
  for (guint i = 0; fs && i < json_array_get_length(fs); i++) {
    JsonObject *f = json_array_get_object_element(fs, i);
    if (!f) {
      bad(error, path, "faults of objects");
      goto out;
    }
    fl_cap_fault x = {.at_ns = json_object_get_int_member(f, "at_ns"),
                      .leader_ns = json_object_get_int_member(f, "leader_ns"),
                      .ok_ns = json_object_get_int_member(f, "ok_ns"),
                      .line = (int)json_object_get_int_member(f, "line")};
    g_array_append_val(out->faults, x);
  }
  for (guint i = 0; i < json_array_get_length(ops); i++) {
    JsonArray *a = json_array_get_array_element(ops, i);
    if (!a || json_array_get_length(a) != 5) {
      bad(error, path, "operations as [invoke_ns, end_ns, outcome, majority, open_at_end]");
      goto out;
    }
    fl_cap_op x = {.invoke_ns = json_array_get_int_element(a, 0),
                   .end_ns = json_array_get_int_element(a, 1),
                   .outcome = (uint8_t)json_array_get_int_element(a, 2),
                   .majority = (uint8_t)json_array_get_int_element(a, 3),
                   .open_at_end = (uint8_t)json_array_get_int_element(a, 4)};
    g_array_append_val(out->ops, x);
  }
  ok = true;
out:
  g_object_unref(p);
  return ok;
}
