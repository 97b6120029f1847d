/* cli: the `faultline` subcommands. Each takes the argument vector after the program name
 * (argv[0] is the subcommand's name) and returns the process exit status:
 * 0 success / every expectation held, 1 an expectation or verdict failed, 2 usage or input
 * error (lincheck adds 3: unknown verdict), 4 a run budget was exceeded: runaway (run and
 * sweep: time stood still, or --max-events / --max-memory ran out), 5 (run) the digest differs
 * from --expect-digest. Only these functions
 * turn errors into exit codes. */
#ifndef FL_CLI_H
#define FL_CLI_H

#include <stdbool.h>
#include <sys/types.h>
#include <glib.h>
#include "world.h"

int fl_cli_run(int argc, char **argv);
int fl_cli_sweep(int argc, char **argv);
int fl_cli_validate(int argc, char **argv);
int fl_cli_list(int argc, char **argv);
int fl_cli_lincheck(int argc, char **argv);
int fl_cli_dump(int argc, char **argv);
int fl_cli_viz(int argc, char **argv);
int fl_cli_plot(int argc, char **argv);
int fl_cli_cap(int argc, char **argv);
int fl_cli_merge(int argc, char **argv);
int fl_cli_digest_check(int argc, char **argv);

/* One trace record as `faultline dump` prints it, into l (replacing its contents); `nodes`
 * names the endpoints (n1.., then c1..). */
struct fl_trace_rec;
void fl_cli_dump_line(GString *l, int64_t nodes, const struct fl_trace_rec *r);

/* Applies --duration (may be NULL) and loads every --plugin, in order (`plugins` is
 * NULL-terminated, or NULL) for subcommand `cmd`; false after printing what was wrong. */
bool fl_cli_world_opts(const char *cmd, const char *duration, char **plugins,
                       fl_world_opts *opts);
/* The --set SECTION.KEY=VALUE option of run, sweep and validate (repeatable), into a
 * NULL-terminated string vector `var` (g_strfreev) that fl_scenario_load_with takes. */
#define FL_CLI_SET_ENTRY(var)                                                                  \
  {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &(var),                                             \
   "Override a scenario value as if the file said it, e.g. raft.heartbeat=50ms (repeatable; "  \
   "SECTION is cluster, network, nodes, workload or the protocol's)",                          \
   "SECTION.KEY=VALUE"}

/* Loads every --plugin in order; false after printing what was wrong. */
bool fl_cli_load_plugins(const char *cmd, char **plugins);

/* ---- signals.c: interruptions and crashes (see signals.c for what each signal does). */

/* Installs the handlers: stop signals remove temporaries (and stop sweep workers) and die of
 * the signal; crash signals report where protocol code was running. main() calls it once. */
void fl_cli_signals_install(void);
/* The reproduce line a crash report prints (copied; NULL: none). Call it before a run, never
 * from a handler. */
void fl_cli_crash_set_reproduce(const char *line);
/* Where a crash report goes (fd 2 by default) and what starts it ("faultline: " by default;
 * borrowed for the process's life). A sweep worker sends it to its parent instead. */
void fl_cli_crash_set_output(int fd, const char *prefix);
/* Sweep workers to pass SIGTERM on to if the sweep is stopped. */
void fl_cli_signals_add_child(pid_t pid);
void fl_cli_signals_remove_child(pid_t pid);

/* The run budgets run and sweep share: --max-events N and --max-memory MIB. */
typedef struct fl_cli_budgets {
  gint64 max_events, max_memory_mib; /* -1: not given */
} fl_cli_budgets;
#define FL_CLI_EXIT_RUNAWAY 4
/* run --expect-digest: the run's digest is another (a replay that diverged). */
#define FL_CLI_EXIT_DIVERGED 5

/* Adds --max-events and --max-memory to the context's main options, parsed into *b (which
 * must outlive the parse). */
void fl_cli_add_budgets(GOptionContext *oc, fl_cli_budgets *b);
/* Applies them to opts (what was not given keeps fl_world_opts_init's defaults); false after
 * printing what was wrong. */
bool fl_cli_budgets_apply(const char *cmd, const fl_cli_budgets *b, fl_world_opts *opts);

#endif
