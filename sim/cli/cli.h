/* cli: the `faultline` subcommands. Each takes the argument vector after the program name
 * (argv[0] is the subcommand's name) and returns the process exit status:
 * 0 success / every expectation held, 1 an expectation or verdict failed, 2 usage or input
 * error (lincheck adds 3: unknown verdict), 4 a run budget was exceeded: runaway (run and
 * sweep: time stood still, or --max-events / --max-memory ran out). Only these functions
 * turn errors into exit codes. */
#ifndef FL_CLI_H
#define FL_CLI_H

#include <stdbool.h>
#include <glib.h>
#include "world.h"

int fl_cli_run(int argc, char **argv);
int fl_cli_sweep(int argc, char **argv);
int fl_cli_validate(int argc, char **argv);
int fl_cli_list(int argc, char **argv);
int fl_cli_lincheck(int argc, char **argv);
int fl_cli_dump(int argc, char **argv);
int fl_cli_viz(int argc, char **argv);

/* Applies --duration and --plugin (either may be NULL) for subcommand `cmd`; false after
 * printing what was wrong. */
bool fl_cli_world_opts(const char *cmd, const char *duration, const char *plugin,
                       fl_world_opts *opts);

/* The run budgets run and sweep share: --max-events N and --max-memory MIB. */
typedef struct fl_cli_budgets {
  gint64 max_events, max_memory_mib; /* -1: not given */
} fl_cli_budgets;
#define FL_CLI_EXIT_RUNAWAY 4

/* Adds --max-events and --max-memory to the context's main options, parsed into *b (which
 * must outlive the parse). */
void fl_cli_add_budgets(GOptionContext *oc, fl_cli_budgets *b);
/* Applies them to opts (what was not given keeps fl_world_opts_init's defaults); false after
 * printing what was wrong. */
bool fl_cli_budgets_apply(const char *cmd, const fl_cli_budgets *b, fl_world_opts *opts);

#endif
