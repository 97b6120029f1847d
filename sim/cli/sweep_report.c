/* sweep_report: seed records, the --json document and the --junit XML (see sweep_report.h).
 *
 * The JSON document is written by hand around json-glib's compact rendering of each value:
 * one header member per line and one record per line keep it diffable and greppable (a CI
 * script can `grep '"verdict" : "fail"'`-style filter without a JSON tool) while each value
 * stays json-glib's, escaping included. json-glib's pretty printer would spread a record over
 * twenty lines, and building the whole document as one tree would hold every seed in memory.
 */
#include "sweep_report.h"
#include "report.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *fl_cli_digest_text(char *buf, uint64_t digest) {
  g_snprintf(buf, 19, "0x%016" G_GINT64_MODIFIER "x", digest);
  return buf;
}

bool fl_cli_parse_digest(const char *s, uint64_t *digest) {
  if (!s || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
  size_t n = strlen(s + 2);
  if (n < 1 || n > 16 || strspn(s + 2, "0123456789abcdefABCDEF") != n) return false;
  *digest = g_ascii_strtoull(s + 2, NULL, 16);
  return true;
}

static const char *stop_word(fl_stop_reason r) {
  switch (r) {
  case FL_STOP_END: return "end";
  case FL_STOP_VIOLATION: return "violation";
  case FL_STOP_PROTOCOL_ERROR: return "protocol-error";
  case FL_STOP_RUNAWAY: return "runaway";
  default: return "running";
  }
}

static void set_digest(JsonObject *o, uint64_t digest) {
  char buf[24];
  json_object_set_string_member(o, "digest", fl_cli_digest_text(buf, digest));
}

JsonObject *fl_cli_record_new(fl_world *w, const fl_scenario *scn, const fl_verdict *v,
                              int exit_status) {
  JsonObject *o = json_object_new();
  json_object_set_int_member(o, "seed", (gint64)fl_world_seed(w));
  json_object_set_string_member(o, "verdict", v->passed ? "pass" : v->runaway ? "runaway" : "fail");
  json_object_set_int_member(o, "exit_status", exit_status);
  set_digest(o, fl_world_digest(w));
  json_object_set_int_member(o, "events", (gint64)fl_world_events(w));
  json_object_set_int_member(o, "simulated_ns", fl_world_now(w));
  json_object_set_string_member(o, "stop", stop_word(fl_world_stop_reason(w)));
  JsonArray *f = json_array_new();
  for (guint i = 0; i < v->results->len && !v->runaway; i++) {
    const fl_expect_result *r = &g_array_index(v->results, fl_expect_result, i);
    if (r->passed) continue;
    JsonObject *e = json_object_new();
    json_object_set_string_member(e, "expectation", r->expect->text);
    json_object_set_string_member(e, "detail", r->detail);
    json_array_add_object_element(f, e);
  }
  json_object_set_array_member(o, "failures", f);
  /* As fl_report_failures: the stop message says what a protocol error or runaway was. */
  if (v->protocol_error || v->runaway)
    json_object_set_string_member(o, "message", fl_world_stop_message(w));
  else
    json_object_set_null_member(o, "message");
  char *cmd = fl_report_reproduce(w, scn);
  json_object_set_string_member(o, "reproduce", cmd);
  g_free(cmd);
  return o;
}

/* A crash report or a parent's note arrives as sweep prints it: lines indented by two spaces,
 * ending in a newline. The record holds the text itself. */
static char *unindent(const char *text) {
  GString *s = g_string_new(NULL);
  char **lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++) {
    if (!**l && !l[1]) break; /* after the final newline */
    if (s->len) g_string_append_c(s, '\n');
    g_string_append(s, g_str_has_prefix(*l, "  ") ? *l + 2 : *l);
  }
  g_strfreev(lines);
  return g_string_free(s, FALSE);
}

JsonObject *fl_cli_record_bare(uint64_t seed, const char *verdict, int exit_status,
                               const char *stop, const char *message, const char *reproduce) {
  JsonObject *o = json_object_new();
  json_object_set_int_member(o, "seed", (gint64)seed);
  json_object_set_string_member(o, "verdict", verdict);
  json_object_set_int_member(o, "exit_status", exit_status);
  json_object_set_null_member(o, "digest");
  json_object_set_null_member(o, "events");
  json_object_set_null_member(o, "simulated_ns");
  json_object_set_string_member(o, "stop", stop);
  json_object_set_array_member(o, "failures", json_array_new());
  if (message && *message) {
    char *m = unindent(message);
    json_object_set_string_member(o, "message", m);
    g_free(m);
  } else {
    json_object_set_null_member(o, "message");
  }
  json_object_set_string_member(o, "reproduce", reproduce);
  return o;
}

static char *node_text(JsonNode *n) { return json_to_string(n, FALSE); }

char *fl_cli_record_line(JsonObject *rec) {
  JsonNode *n = json_node_init_object(json_node_alloc(), rec);
  char *s = node_text(n);
  json_node_unref(n);
  return s;
}

JsonObject *fl_cli_record_parse(const char *line) {
  JsonNode *n = json_from_string(line, NULL);
  JsonObject *o = NULL;
  if (n && JSON_NODE_HOLDS_OBJECT(n) && json_object_has_member(json_node_get_object(n), "seed"))
    o = json_object_ref(json_node_get_object(n));
  if (n) json_node_unref(n);
  return o;
}

static const char *str_member(JsonObject *o, const char *name) {
  JsonNode *n = json_object_get_member(o, name);
  return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING
             ? json_node_get_string(n)
             : NULL;
}

const char *fl_cli_record_banner(JsonObject *rec) {
  const char *v = str_member(rec, "verdict");
  if (!v || !strcmp(v, "pass")) return NULL;
  return !strcmp(v, "runaway") ? "RUNAWAY" : !strcmp(v, "error") ? "ERROR" : "FAIL";
}

/* The broken expectations and the message, one per line, each after `indent`. */
static void failure_lines(GString *s, JsonObject *rec, const char *indent) {
  JsonNode *fn = json_object_get_member(rec, "failures");
  JsonArray *f = fn && JSON_NODE_HOLDS_ARRAY(fn) ? json_node_get_array(fn) : NULL;
  for (guint i = 0; f && i < json_array_get_length(f); i++) {
    JsonNode *en = json_array_get_element(f, i);
    if (!JSON_NODE_HOLDS_OBJECT(en)) continue;
    JsonObject *e = json_node_get_object(en);
    const char *x = str_member(e, "expectation"), *d = str_member(e, "detail");
    g_string_append_printf(s, "%sFAIL %s: %s\n", indent, x ? x : "?", d ? d : "?");
  }
  const char *m = str_member(rec, "message");
  if (m) {
    char **lines = g_strsplit(m, "\n", -1);
    for (char **l = lines; *l; l++) g_string_append_printf(s, "%s%s\n", indent, *l);
    g_strfreev(lines);
  }
}

char *fl_cli_record_text(JsonObject *rec) {
  GString *s = g_string_new(NULL);
  failure_lines(s, rec, "  ");
  const char *r = str_member(rec, "reproduce");
  if (r) g_string_append_printf(s, "  reproduce: %s\n", r);
  return g_string_free(s, FALSE);
}

JsonObject *fl_cli_sweep_header(const fl_scenario *scn, const char *scenario_sha256,
                                const fl_world_opts *opts, uint64_t first, uint64_t last,
                                unsigned shard, unsigned shards) {
  JsonObject *h = json_object_new();
  json_object_set_string_member(h, "faultline", FL_VERSION);
  json_object_set_string_member(h, "commit", fl_report_commit());
  json_object_set_string_member(h, "scenario", scn->path);
  json_object_set_string_member(h, "scenario_sha256", scenario_sha256);
  json_object_set_string_member(h, "protocol", scn->protocol);
  json_object_set_int_member(h, "duration_ns",
                             opts->duration_ns > 0 ? opts->duration_ns : scn->duration_ns);
  json_object_set_int_member(h, "max_events", (gint64)opts->max_events);
  JsonArray *sets = json_array_new();
  for (char **x = scn->sets; x && *x; x++) json_array_add_string_element(sets, *x);
  json_object_set_array_member(h, "overrides", sets);
  char *range = g_strdup_printf("%" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT, first, last);
  json_object_set_string_member(h, "seeds", range);
  g_free(range);
  char *sh = g_strdup_printf("%u/%u", shard, shards);
  json_object_set_string_member(h, "shard", sh);
  g_free(sh);
  return h;
}

struct fl_cli_results {
  JsonObject *header;
  fl_outfile *json, *junit;
  GString *cases; /* the JUnit testcases, written at the end */
  uint64_t seeds, passed, failed, runaway, errors;
  bool any_run; /* a "runs" line written: the next needs a comma before it */
};

static void json_member(FILE *f, const char *indent, const char *name, JsonNode *value,
                        bool last) {
  JsonNode *k = json_node_init_string(json_node_alloc(), name);
  char *ks = node_text(k), *vs = node_text(value);
  fprintf(f, "%s%s : %s%s\n", indent, ks, vs, last ? "" : ",");
  g_free(ks);
  g_free(vs);
  json_node_unref(k);
}

fl_cli_results *fl_cli_results_new(JsonObject *header, fl_outfile *json, fl_outfile *junit) {
  fl_cli_results *r = g_new0(fl_cli_results, 1);
  r->header = json_object_ref(header);
  r->json = json;
  r->junit = junit;
  r->cases = g_string_new(NULL);
  if (json) {
    FILE *f = fl_outfile_stream(json);
    fputs("{\n", f);
    GList *names = json_object_get_members(header);
    for (GList *l = names; l; l = l->next)
      json_member(f, "  ", l->data, json_object_get_member(header, l->data), false);
    g_list_free(names);
    fputs("  \"runs\" : [\n", f);
  }
  return r;
}

static void xml_attr(GString *s, const char *name, const char *value) {
  char *e = g_markup_escape_text(value, -1);
  g_string_append_printf(s, " %s=\"%s\"", name, e);
  g_free(e);
}

static void junit_case(GString *s, const char *suite, JsonObject *rec) {
  gint64 seed = json_object_get_int_member(rec, "seed");
  char *name = g_strdup_printf("seed %" G_GINT64_FORMAT, seed);
  g_string_append(s, "    <testcase");
  xml_attr(s, "classname", suite);
  xml_attr(s, "name", name);
  g_free(name);
  const char *verdict = str_member(rec, "verdict");
  if (verdict && !strcmp(verdict, "pass")) {
    g_string_append(s, "/>\n");
    return;
  }
  bool error = verdict && !strcmp(verdict, "error");
  /* The failure's message is its first line (what a CI page shows in a list); its body is the
   * whole text sweep prints, reproduce line included. The type names what kind of failure. */
  GString *body = g_string_new(NULL);
  failure_lines(body, rec, "");
  const char *stop = str_member(rec, "stop");
  JsonNode *fn = json_object_get_member(rec, "failures");
  bool broken = fn && JSON_NODE_HOLDS_ARRAY(fn) && json_array_get_length(json_node_get_array(fn));
  const char *type = broken ? "expectation" : stop && *stop ? stop : (error ? "error" : "fail");
  char *first = g_strndup(body->str, strcspn(body->str, "\n"));
  const char *r = str_member(rec, "reproduce");
  if (r) g_string_append_printf(body, "reproduce: %s\n", r);
  g_string_append(s, ">\n      <");
  g_string_append(s, error ? "error" : "failure");
  xml_attr(s, "type", type);
  xml_attr(s, "message", first);
  char *e = g_markup_escape_text(body->str, -1);
  g_string_append_printf(s, ">%s</%s>\n    </testcase>\n", e, error ? "error" : "failure");
  g_free(e);
  g_free(first);
  g_string_free(body, TRUE);
}

void fl_cli_results_add(fl_cli_results *r, JsonObject *rec) {
  r->seeds++;
  const char *v = str_member(rec, "verdict");
  if (v && !strcmp(v, "pass")) r->passed++;
  else if (v && !strcmp(v, "error")) r->errors++;
  else r->failed++;
  if (v && !strcmp(v, "runaway")) r->runaway++;
  if (r->json) {
    char *line = fl_cli_record_line(rec);
    fprintf(fl_outfile_stream(r->json), "%s    %s", r->any_run ? ",\n" : "", line);
    g_free(line);
    r->any_run = true;
  }
  if (r->junit) junit_case(r->cases, str_member(r->header, "scenario"), rec);
}

int fl_cli_results_exit_status(const fl_cli_results *r) {
  return r->errors ? 2 : r->runaway ? 4 : r->failed ? 1 : 0;
}

static bool close_both(fl_cli_results *r, bool keep, GError **error) {
  fl_outfile *j = r->json, *x = r->junit;
  r->json = r->junit = NULL;
  GError *e = NULL;
  /* The second is removed when the first could not be written: both or neither. */
  bool ok = fl_outfile_close(j, keep, &e);
  ok = fl_outfile_close(x, keep && ok, ok ? &e : NULL) && ok;
  if (e) g_propagate_error(error, e);
  return ok;
}

bool fl_cli_results_finish(fl_cli_results *r, double wall_s, GError **error) {
  if (r->json) {
    FILE *f = fl_outfile_stream(r->json);
    fprintf(f, "%s  ],\n  \"summary\" : {\n", r->any_run ? "\n" : "");
    fprintf(f, "    \"seeds\" : %" G_GUINT64_FORMAT ",\n", r->seeds);
    fprintf(f, "    \"passed\" : %" G_GUINT64_FORMAT ",\n", r->passed);
    fprintf(f, "    \"failed\" : %" G_GUINT64_FORMAT ",\n", r->failed);
    fprintf(f, "    \"runaway\" : %" G_GUINT64_FORMAT ",\n", r->runaway);
    fprintf(f, "    \"errors\" : %" G_GUINT64_FORMAT ",\n", r->errors);
    fprintf(f, "    \"exit_status\" : %d,\n", fl_cli_results_exit_status(r));
    fprintf(f, "    \"wall_s\" : %.3f\n  }\n}\n", wall_s);
  }
  if (r->junit) {
    FILE *f = fl_outfile_stream(r->junit);
    GString *h = g_string_new("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
    char counts[4][24];
    g_snprintf(counts[0], 24, "%" G_GUINT64_FORMAT, r->seeds);
    g_snprintf(counts[1], 24, "%" G_GUINT64_FORMAT, r->failed);
    g_snprintf(counts[2], 24, "%" G_GUINT64_FORMAT, r->errors);
    g_snprintf(counts[3], 24, "%.3f", wall_s);
    xml_attr(h, "name", "faultline");
    xml_attr(h, "tests", counts[0]);
    xml_attr(h, "failures", counts[1]);
    xml_attr(h, "errors", counts[2]);
    xml_attr(h, "time", counts[3]);
    g_string_append(h, ">\n  <testsuite");
    xml_attr(h, "name", str_member(r->header, "scenario"));
    xml_attr(h, "tests", counts[0]);
    xml_attr(h, "failures", counts[1]);
    xml_attr(h, "errors", counts[2]);
    xml_attr(h, "skipped", "0");
    xml_attr(h, "time", counts[3]);
    g_string_append(h, ">\n    <properties>\n");
    static const char *const props[] = {"faultline", "commit", "scenario_sha256", "protocol",
                                        "seeds", "shard"};
    for (size_t i = 0; i < G_N_ELEMENTS(props); i++) {
      const char *v = str_member(r->header, props[i]);
      if (!v) continue;
      g_string_append(h, "      <property");
      xml_attr(h, "name", props[i]);
      xml_attr(h, "value", v);
      g_string_append(h, "/>\n");
    }
    g_string_append(h, "    </properties>\n");
    fputs(h->str, f);
    fputs(r->cases->str, f);
    fputs("  </testsuite>\n</testsuites>\n", f);
    g_string_free(h, TRUE);
  }
  return close_both(r, true, error);
}

void fl_cli_results_free(fl_cli_results *r) {
  if (!r) return;
  close_both(r, false, NULL);
  json_object_unref(r->header);
  g_string_free(r->cases, TRUE);
  g_free(r);
}
