/* faultline validate: parse and check a scenario without running it. */
#include "cli.h"
#include "scenario.h"
#include "world.h"

#include <stdio.h>

int fl_cli_validate(int argc, char **argv) {
  GOptionContext *oc = g_option_context_new("FILE... - check scenario files without running them");
  GError *error = NULL;
  int rc = 0;
  if (!g_option_context_parse(oc, &argc, &argv, &error)) {
    fprintf(stderr, "faultline validate: %s\n", error->message);
    g_error_free(error);
    g_option_context_free(oc);
    return 2;
  }
  if (argc < 2) {
    fprintf(stderr, "faultline validate: expected at least one scenario file\n");
    rc = 2;
  }
  for (int i = 1; i < argc; i++) {
    fl_scenario *scn = fl_scenario_load(argv[i], &error);
    if (scn && fl_world_validate(scn, &error)) {
      printf("%s: ok (protocol %s, %d nodes, %d clients, %zu timeline events, %u expectations)\n",
             argv[i], scn->protocol, scn->n_nodes, scn->workload.clients,
             (size_t)(scn->timeline ? scn->timeline->len : 0),
             scn->expects ? scn->expects->len : 0);
    } else {
      fprintf(stderr, "%s\n", error->message);
      g_clear_error(&error);
      rc = 2;
    }
    fl_scenario_free(scn);
  }
  g_option_context_free(oc);
  return rc;
}
