/* options: the command-line options that several subcommands share. */
#include "cli.h"
#include "actor.h"
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
