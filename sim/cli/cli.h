/* cli: the `faultline` subcommands. Each takes the argument vector after the program name
 * (argv[0] is the subcommand's name) and returns the process exit status:
 * 0 success / every expectation held, 1 an expectation or verdict failed, 2 usage or input
 * error (lincheck adds 3: unknown verdict). Only these functions turn errors into exit codes. */
#ifndef FL_CLI_H
#define FL_CLI_H

#include <stdbool.h>
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

#endif
