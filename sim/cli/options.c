/* options: the command-line options that several subcommands share. */
#include "cli.h"
#include "actor.h"
#include "fl_limits.h"
#include "units.h"

#include <stdio.h>

bool fl_cli_load_plugins(const char *cmd, char **plugins) {
  GError *error = NULL;
  for (char **p = plugins; p && *p; p++) {
    if (!fl_actor_load_plugin(*p, &error)) {
      fprintf(stderr, "faultline %s: %s\n", cmd, error->message);
      g_error_free(error);
      return false;
    }
  }
  return true;
}

bool fl_cli_world_opts(const char *cmd, const char *duration, char **plugins,
                       fl_world_opts *opts) {
  GError *error = NULL;
  bool ok = true;
  if (duration && (!fl_parse_duration(duration, &opts->duration_ns, &error) ||
                   opts->duration_ns <= 0)) {
    fprintf(stderr, "faultline %s: --duration: %s\n", cmd,
            error ? error->message : "expected a duration above zero");
    ok = false;
  } else if (!fl_cli_load_plugins(cmd, plugins)) {
    ok = false;
  }
  g_clear_error(&error);
  return ok;
}

void fl_cli_add_budgets(GOptionContext *oc, fl_cli_budgets *b) {
  b->max_events = b->max_memory_mib = -1;
  /* The context copies the entries but not their strings: these are literals, with the
   * defaults of fl_limits.h. */
  GOptionEntry entries[] = {
      {"max-events", 0, 0, G_OPTION_ARG_INT64, &b->max_events,
       "Stop the run (exit status 4) after N events, 0 = no limit (default "
       G_STRINGIFY(FL_LIMIT_RUN_EVENTS) ")", "N"},
      {"max-memory", 0, 0, G_OPTION_ARG_INT64, &b->max_memory_mib,
       "Stop the run (exit status 4) when the process's resident memory passes MIB MiB, "
       "0 = no limit (default " G_STRINGIFY(FL_LIMIT_RUN_MEMORY_MIB) ")", "MIB"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  g_option_context_add_main_entries(oc, entries, NULL);
}

bool fl_cli_budgets_apply(const char *cmd, const fl_cli_budgets *b, fl_world_opts *opts) {
  if (b->max_events < -1 || b->max_memory_mib < -1) {
    fprintf(stderr, "faultline %s: --max-events and --max-memory: expected 0 (no limit) or "
                    "more, found %" G_GINT64_FORMAT "\n",
            cmd, b->max_events < -1 ? b->max_events : b->max_memory_mib);
    return false;
  }
  if (b->max_events >= 0) opts->max_events = (uint64_t)b->max_events;
  if (b->max_memory_mib >= 0) opts->max_memory_mib = (uint64_t)b->max_memory_mib;
  return true;
}
