/* faultline validate: parse and check a scenario without running it. */
#include "cli.h"
#include "scenario.h"
#include "world.h"

#include <stdio.h>

int fl_cli_validate(int argc, char **argv) {
  char **plugins = NULL, **sets = NULL;
  GOptionEntry entries[] = {
      {"plugin", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &plugins,
       "Load protocols from a shared object first (repeatable)", "SO"},
      FL_CLI_SET_ENTRY(sets),
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *oc = g_option_context_new("FILE... - check scenario files without running them");
  g_option_context_add_main_entries(oc, entries, NULL);
  GError *error = NULL;
  int rc = 0;
  if (!g_option_context_parse(oc, &argc, &argv, &error)) {
    fprintf(stderr, "faultline validate: %s\n", error->message);
    g_error_free(error);
    g_option_context_free(oc);
    g_strfreev(plugins);
    g_strfreev(sets);
    return 2;
  }
  bool loaded = fl_cli_load_plugins("validate", plugins);
  g_strfreev(plugins);
  if (!loaded) {
    g_option_context_free(oc);
    g_strfreev(sets);
    return 2;
  }
  if (argc < 2) {
    fprintf(stderr, "faultline validate: expected at least one scenario file\n");
    rc = 2;
  }
  for (int i = 1; i < argc; i++) {
    fl_scenario *scn = fl_scenario_load_with(argv[i], sets, &error);
    if (scn && fl_world_validate(scn, &error)) {
      guint events = scn->timeline->len, expects = scn->expects->len;
      printf("%s: ok (protocol %s, %d node%s, %d client%s, %u timeline event%s, %u expectation%s)\n",
             argv[i], scn->protocol, scn->n_nodes, scn->n_nodes == 1 ? "" : "s",
             scn->workload.clients, scn->workload.clients == 1 ? "" : "s", events,
             events == 1 ? "" : "s", expects, expects == 1 ? "" : "s");
    } else {
      fprintf(stderr, "%s\n", error->message);
      g_clear_error(&error);
      rc = 2;
    }
    fl_scenario_free(scn);
  }
  g_option_context_free(oc);
  g_strfreev(sets);
  return rc;
}
