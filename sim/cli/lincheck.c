/* `faultline lincheck FILE... [--model M] [--format F] [--timeout T] [--max-steps N]
 *  [--max-memory MIB] [--no-split] [--json] [--no-evidence]`
 *
 * Checks each history file for linearizability and prints one verdict line per file, with the
 * evidence under each refuted one. Exit status: 0 all linearizable, 1 some not linearizable,
 * 3 some unknown (a budget ran out) and none refuted, 2 bad input or usage (which wins). */
#include "cli.h"
#include "units.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <json-glib/json-glib.h>

#include "lincheck/lincheck.h"
#include "lincheck/model.h"
#include "lincheck/txn.h"

enum { EXIT_LINEARIZABLE = 0, EXIT_REFUTED = 1, EXIT_BAD_INPUT = 2, EXIT_UNKNOWN = 3 };

/* A duration in the scenario syntax (units.h), as seconds of wall-clock budget. */
static bool parse_duration(const char *text, double *seconds) {
  int64_t ns;
  if (!fl_parse_duration(text, &ns, NULL)) return false;
  *seconds = (double)ns / 1e9;
  return true;
}

static char *human_bytes(size_t b) {
  if (b >= (size_t)1 << 20) return g_strdup_printf("%.1f MiB", (double)b / (1 << 20));
  return g_strdup_printf("%.1f KiB", (double)b / 1024);
}

static void print_result(const char *path, const fl_lincheck_result *r, bool evidence,
                         bool txn) {
  char *mem = human_bytes(r->peak_bytes);
  printf("%s: %s%s%s%s (ops %" G_GUINT64_FORMAT ", parts %" G_GUINT64_FORMAT ", steps %" G_GUINT64_FORMAT
         ", %.3f ms, %s)\n",
         path, txn ? fl_txn_verdict_name(r->verdict) : fl_lin_verdict_name(r->verdict),
         r->reason ? " (" : "", r->reason ? r->reason : "",
         r->reason ? ")" : "", r->n_ops, r->n_parts, r->steps, r->seconds * 1e3, mem);
  g_free(mem);
  if (evidence && r->evidence) {
    char **lines = g_strsplit(r->evidence->timeline, "\n", -1);
    for (char **l = lines; *l; l++)
      if (**l) printf("    %s\n", *l);
    g_strfreev(lines);
  }
}

/* The txn checks' result as JSON: the members fl_lincheck_result_to_json writes, with the
 * verdict in the words of the check that ran ("serializable", "not-serializable", "unknown")
 * and "check": "txn" naming it. */
static void fl_txn_result_to_json(const fl_lincheck_result *r, const fl_lincheck_history *h,
                                  JsonBuilder *b) {
  JsonBuilder *t = json_builder_new();
  json_builder_begin_object(t);
  fl_lincheck_result_to_json(r, h, t);
  json_builder_end_object(t);
  JsonNode *root = json_builder_get_root(t);
  JsonObject *o = json_node_get_object(root);
  json_builder_set_member_name(b, "check");
  json_builder_add_string_value(b, "atomic visibility and serializability");
  GList *members = json_object_get_members(o);
  for (GList *m = members; m; m = m->next) {
    const char *name = m->data;
    json_builder_set_member_name(b, name);
    if (strcmp(name, "verdict") == 0)
      json_builder_add_string_value(b, r->verdict == FL_LIN_OK          ? "serializable"
                                       : r->verdict == FL_LIN_VIOLATION ? "not-serializable"
                                                                        : "unknown");
    else
      json_builder_add_value(b, json_node_copy(json_object_get_member(o, name)));
  }
  g_list_free(members);
  json_node_unref(root);
  g_object_unref(t);
}

int fl_cli_lincheck(int argc, char **argv) {
  char *model = NULL, *format = NULL, *timeout = NULL;
  gint64 max_steps = -1, max_memory_mib = -1;
  gboolean no_split = FALSE, json = FALSE, no_evidence = FALSE;
  GOptionEntry entries[] = {
      {"model", 'm', 0, G_OPTION_ARG_STRING, &model,
       "register|cas-register|kv|counter|set|queue|mutex, or txn: atomic visibility and "
       "serializability of transactions (default: from the format)", "M"},
      {"format", 'f', 0, G_OPTION_ARG_STRING, &format, "auto|jsonl|edn|jepsen-log (default auto)", "F"},
      {"timeout", 't', 0, G_OPTION_ARG_STRING, &timeout,
       "wall-clock budget per file, e.g. 10s or 500ms (default none)", "T"},
      {"max-steps", 0, 0, G_OPTION_ARG_INT64, &max_steps,
       "deterministic search budget per file, 0 = none (default 200000000)", "N"},
      {"max-memory", 0, 0, G_OPTION_ARG_INT64, &max_memory_mib,
       "memory budget of the search per file in MiB, 0 = none (default 1024)", "MIB"},
      {"no-split", 0, 0, G_OPTION_ARG_NONE, &no_split, "do not split keyed histories by key", NULL},
      {"json", 0, 0, G_OPTION_ARG_NONE, &json, "print one JSON document instead of text", NULL},
      {"no-evidence", 0, 0, G_OPTION_ARG_NONE, &no_evidence,
       "skip the minimal window and the timeline of refuted files", NULL},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *ctx = g_option_context_new("FILE... - check histories for linearizability");
  g_option_context_set_summary(ctx,
      "An empty history (no events, as a run without clients writes) is linearizable with 0\n"
      "operations. An operation invoked and never completed has an unknown outcome; a history\n"
      "cut short inside an event, or holding a NUL byte, is bad input.\n\n"
      "Exit status: 0 all linearizable, 1 some not linearizable, 3 some unknown (budget\n"
      "exhausted) and none refuted, 2 bad input or usage.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  GError *error = NULL;
  int status = EXIT_LINEARIZABLE;
  fl_lincheck_opts opts;
  fl_lincheck_opts_init(&opts);
  fl_lincheck_format fmt = FL_LINCHECK_FORMAT_AUTO;
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    fprintf(stderr, "faultline lincheck: %s\n", error->message);
    g_clear_error(&error);
    status = EXIT_BAD_INPUT;
  } else if (argc < 2) {
    fprintf(stderr, "faultline lincheck: expected at least one history FILE\n");
    status = EXIT_BAD_INPUT;
  } else if (format && !fl_lincheck_format_parse(format, &fmt)) {
    fprintf(stderr, "faultline lincheck: --format: expected auto, jsonl, edn or jepsen-log, found '%s'\n", format);
    status = EXIT_BAD_INPUT;
  } else if (timeout && !parse_duration(timeout, &opts.timeout_s)) {
    fprintf(stderr, "faultline lincheck: --timeout: expected a duration such as 10s or 500ms, found '%s'\n", timeout);
    status = EXIT_BAD_INPUT;
  } else if (model && strcmp(model, "txn") != 0 && !fl_model_find(model)) {
    char *names = fl_model_names();
    fprintf(stderr, "faultline lincheck: --model: unknown model '%s'; the models are: %s, txn\n",
            model, names);
    g_free(names);
    status = EXIT_BAD_INPUT;
  } else if (max_steps < -1 || max_memory_mib < -1) {
    fprintf(stderr, "faultline lincheck: --max-steps and --max-memory: expected 0 or more\n");
    status = EXIT_BAD_INPUT;
  }
  if (status != EXIT_LINEARIZABLE) {
    g_option_context_free(ctx);
    g_free(model);
    g_free(format);
    g_free(timeout);
    return status;
  }
  g_option_context_free(ctx);
  opts.model = model;
  opts.split = !no_split;
  opts.evidence = !no_evidence;
  if (max_steps >= 0) opts.max_steps = max_steps;
  if (max_memory_mib >= 0) opts.max_bytes = (size_t)max_memory_mib << 20;

  bool any_bad = false, any_refuted = false, any_unknown = false;
  bool is_txn = model && strcmp(model, "txn") == 0;
  JsonBuilder *b = json ? json_builder_new() : NULL;
  if (b) {
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "files");
    json_builder_begin_array(b);
  }
  for (int k = 1; k < argc; k++) {
    const char *path = argv[k];
    fl_lincheck_history *h = fl_lincheck_load(path, fmt, &error);
    fl_lincheck_result *r = NULL;
    if (h && is_txn) { /* the txn checks (lincheck/txn.h), as a run of the txn workload does */
      fl_txn_check_opts t;
      fl_txn_check_opts_init(&t);
      if (max_steps >= 0) t.max_steps = max_steps;
      r = fl_txn_check(h, &t, &error);
    } else if (h) {
      r = fl_lincheck_check(h, &opts, &error);
    }
    if (b) {
      json_builder_begin_object(b);
      json_builder_set_member_name(b, "file");
      json_builder_add_string_value(b, path);
      if (h) {
        json_builder_set_member_name(b, "format");
        json_builder_add_string_value(b, fl_lincheck_format_name(fl_lincheck_history_format(h)));
        json_builder_set_member_name(b, "model");
        json_builder_add_string_value(b, model ? model : fl_lincheck_history_default_model(h));
      }
      if (r && is_txn) {
        fl_txn_result_to_json(r, h, b);
      } else if (r) {
        fl_lincheck_result_to_json(r, h, b);
      } else {
        json_builder_set_member_name(b, "verdict");
        json_builder_add_string_value(b, "error");
        json_builder_set_member_name(b, "error");
        json_builder_add_string_value(b, error->message);
      }
      json_builder_end_object(b);
    }
    if (!r) {
      if (!b) fprintf(stderr, "%s\n", error->message);
      g_clear_error(&error);
      any_bad = true;
    } else {
      if (!b) print_result(path, r, true, is_txn);
      any_refuted |= r->verdict == FL_LIN_VIOLATION;
      any_unknown |= r->verdict == FL_LIN_UNKNOWN;
    }
    fl_lincheck_result_free(r);
    fl_lincheck_history_free(h);
  }
  status = any_bad ? EXIT_BAD_INPUT : any_refuted ? EXIT_REFUTED : any_unknown ? EXIT_UNKNOWN : EXIT_LINEARIZABLE;
  if (b) {
    json_builder_end_array(b);
    json_builder_set_member_name(b, "exit_status");
    json_builder_add_int_value(b, status);
    json_builder_end_object(b);
    JsonGenerator *gen = json_generator_new();
    json_generator_set_pretty(gen, TRUE);
    JsonNode *root = json_builder_get_root(b);
    json_generator_set_root(gen, root);
    char *text = json_generator_to_data(gen, NULL);
    printf("%s\n", text);
    g_free(text);
    json_node_unref(root);
    g_object_unref(gen);
    g_object_unref(b);
  }
  g_free(model);
  g_free(format);
  g_free(timeout);
  return status;
}
