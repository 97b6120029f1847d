/* options: the command-line options that several subcommands share. */
#include "cli.h"
#include "actor.h"
#include "units.h"

#include <stdio.h>

bool fl_cli_world_opts(const char *cmd, const char *duration, const char *plugin,
                       fl_world_opts *opts) {
  GError *error = NULL;
  bool ok = true;
  if (duration && (!fl_parse_duration(duration, &opts->duration_ns, &error) ||
                   opts->duration_ns <= 0)) {
    fprintf(stderr, "faultline %s: --duration: %s\n", cmd,
            error ? error->message : "expected a duration above zero");
    ok = false;
  } else if (plugin && !fl_actor_load_plugin(plugin, &error)) {
    fprintf(stderr, "faultline %s: %s\n", cmd, error->message);
    ok = false;
  }
  g_clear_error(&error);
  return ok;
}
