/* report: a run's figures for people (a summary on the terminal) and for programs (JSON).
 *
 * Both carry the same figures: events, messages sent / delivered / dropped by reason,
 * operations by outcome and latency on each side of a partition (the CAP view), invariant and
 * linearizability verdicts, every expectation with what was measured, the digest, and
 * simulated and wall time with their ratio.
 */
#ifndef FL_REPORT_H
#define FL_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <glib.h>
#include "expect.h"
#include "outfile.h"
#include "world.h"

/* Timing measured by the caller (the simulation itself never reads a clock). */
typedef struct fl_report_timing {
  double wall_s;
  long peak_rss_kib;
} fl_report_timing;

/* The summary's staleness line ("12 of 3402 reads stale, at most 2 versions and 41.3ms behind;
 * fresh by time since the last write: <1ms 80.0%, ..."), or NULL when the workload is not kv.
 * Newly allocated (g_free). */
char *fl_report_staleness(const fl_world *w);

/* Writes the human summary. */
void fl_report_print(FILE *out, fl_world *w, const fl_scenario *scn, const fl_verdict *v,
                     const fl_report_timing *t);

/* The JSON report as text. Newly allocated (g_free). */
char *fl_report_json(fl_world *w, const fl_scenario *scn, const fl_verdict *v,
                     const fl_report_timing *t);

/* The command line that reproduces this run exactly: the same file, seed and duration, the
 * event budget and --set overrides, the --plugin that provides the scenario's protocol if a
 * plugin does, --expect-digest with the run's digest, and a trailing shell comment naming the
 * build ("  # faultline VERSION, commit COMMIT"). Newly allocated (g_free). */
char *fl_report_reproduce(const fl_world *w, const fl_scenario *scn);
/* The same for the run fl_world_new(scn, opts) would make, before it exists (a crash report is
 * formatted before the run that may crash), without --expect-digest. Newly allocated
 * (g_free). */
char *fl_report_reproduce_opts(const fl_scenario *scn, const fl_world_opts *opts);

/* The git commit this faultline was built from (12 hex digits, "-dirty" when the tree had
 * changes), or "unknown" outside a git checkout. Static. */
const char *fl_report_commit(void);

/* What broke: one line per failed expectation ("FAIL TEXT: DETAIL") and the protocol error
 * if there was one, each line starting with `indent`. Empty if the run passed. Newly
 * allocated (g_free). */
char *fl_report_failures(const fl_world *w, const fl_verdict *v, const char *indent);

/* Writes text and a newline to an output opened (before the run) with fl_outfile_open, and
 * closes it, keeping it: never a partial file. False with the outfile's error. */
bool fl_report_write(fl_outfile *out, const char *text, GError **error);

#endif
