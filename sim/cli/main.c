/* faultline: the command line. main() dispatches to one subcommand per file and is the only
 * place, with the subcommands, that turns errors into exit codes. */
#include "cli.h"
#include "explore.h"
#include "builtin.h"
#include "rng.h"

#include <stdio.h>
#include <string.h>
#include <glib.h>

typedef struct command {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *summary;
} command;

static const command commands[] = {
    {"run", fl_cli_run, "run a scenario and check its expectations"},
    {"sweep", fl_cli_sweep, "run a scenario over a range of seeds in parallel"},
    {"merge", fl_cli_merge, "combine the --json of a sweep's shards (sweep --shard I/N)"},
    {"validate", fl_cli_validate, "check a scenario file without running it"},
    {"list", fl_cli_list, "list the protocols and their options"},
    {"lincheck", fl_cli_lincheck, "check recorded histories for linearizability"},
    {"dump", fl_cli_dump, "print a trace file as text and verify its digest"},
    {"viz", fl_cli_viz, "see a run: its timeline in a window, or drawn into a PNG"},
    {"cap", fl_cli_cap, "the CAP / PACELC report: one scenario across protocols and seeds"},
    {"plot", fl_cli_plot, "plot distributions from CSV files (sweep --csv) as PNG or SVG"},
    {"digest-check", fl_cli_digest_check, "compare runs' digests with a golden file"},
    {"explore", fl_cli_explore, "run random faults seed by seed; write failures as concrete scenarios"},
    {"shrink", fl_cli_shrink, "reduce a failing concrete scenario to a minimal one that still fails"},
    {"blame", fl_cli_blame, "which timeline lines a failing scenario needs to fail"},
};

static void usage(FILE *out) {
  fprintf(out, "Usage: faultline COMMAND [OPTION...]\n\n"
               "A deterministic discrete-event simulator for distributed protocols.\n\n"
               "Commands:\n");
  for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
    fprintf(out, "  %-13s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\n'faultline COMMAND --help' describes a command's options.\n"
               "Exit status: 0 every expectation held, 1 one failed, 2 usage or input error,\n"
               "4 a run budget was exceeded: runaway (run, sweep: time stood still, or\n"
               "--max-events / --max-memory ran out), 5 a replay's digest differs from\n"
               "run --expect-digest.\n");
}

int main(int argc, char **argv) {
  fl_rng_global_init();
  fl_cli_signals_install();
  GError *error = NULL;
  if (!fl_protocols_register_builtin(&error)) {
    fprintf(stderr, "faultline: %s\n", error->message);
    g_error_free(error);
    return 2;
  }
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return 0;
  }
  if (strcmp(argv[1], "--version") == 0) {
    printf("faultline %s\n", FL_VERSION);
    return 0;
  }
  for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
    if (strcmp(argv[1], commands[i].name) != 0) continue;
    /* "faultline run" in the subcommand's own --help and messages. */
    char *name = g_strconcat("faultline ", commands[i].name, NULL);
    g_set_prgname(name);
    argv[1] = name;
    int rc = commands[i].fn(argc - 1, argv + 1);
    g_free(name);
    return rc;
  }
  fprintf(stderr, "faultline: unknown command '%s' (expected one of: ", argv[1]);
  for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
    fprintf(stderr, "%s%s", i ? ", " : "", commands[i].name);
  fprintf(stderr, ")\n");
  return 2;
}
