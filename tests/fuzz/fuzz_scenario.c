/* Fuzz target "scenario": the scenario parser and validation, as `faultline validate` calls
 * them (fl_scenario_load, then fl_world_validate). */
#include "fuzz_common.h"
#include "builtin.h"
#include "rng.h"
#include "scenario.h"
#include "world.h"

#include <stdio.h>
#include <stdlib.h>

void fl_fuzz_setup(void) {
  fl_rng_global_init();
  GError *error = NULL;
  if (!fl_protocols_register_builtin(&error)) {
    fprintf(stderr, "fuzz_scenario: %s\n", error->message);
    exit(2);
  }
}

fl_fuzz_outcome fl_fuzz_one(const char *path, char **why) {
  GError *error = NULL;
  fl_scenario *scn = fl_scenario_load(path, &error);
  bool ok = scn && fl_world_validate(scn, &error);
  fl_scenario_free(scn);
  return ok ? FL_FUZZ_ACCEPTED : fl_fuzz_rejected(path, error, why);
}
