/* cap: the CAP / PACELC report. One fault timeline and one workload, run under several
 * protocols and seeds; availability, latency and consistency read off each run's operations,
 * then summarised per protocol (median and min..max over seeds) in JSON, CSV, a Markdown table
 * and plots (`faultline cap`); the single-run plots of `faultline run --plots` come from here
 * too.
 *
 * Three steps, so that runs may happen in other processes:
 *   1. fl_cap_run_collect reads a finished world into an fl_cap_run (its operations, fault
 *      windows, verdicts and measurements); fl_cap_run_save / fl_cap_run_load move one through
 *      a JSON file (a worker process writes it, the reporting process reads it).
 *   2. fl_cap_figures computes a run's figures: pure arithmetic on the fl_cap_run.
 *   3. fl_cap_report_write aggregates the runs of each protocol and writes DIR/cap.json,
 *      DIR/cap.csv, DIR/cap.md and the plots; fl_cap_plot_run writes one run's plots.
 *
 * Definitions (README.md, "The CAP report"): availability is world.h's (answered / ended);
 * "in faults" means invoked inside a fault window (measure.h), "steady" outside every one;
 * the sides are the clients' sides at invocation (majority / minority), counted only for
 * operations invoked while the network was partitioned (inside a window). Latency is that of
 * ok operations. A figure with no operation to measure is NaN (null in JSON, "-" in tables).
 */
#ifndef FL_CAP_H
#define FL_CAP_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "world.h"

#define FL_CAP_ERROR (fl_cap_error_quark())
GQuark fl_cap_error_quark(void);
typedef enum { FL_CAP_ERROR_IO, FL_CAP_ERROR_PARSE } fl_cap_error;

/* An operation as the report needs it. */
typedef enum { FL_CAP_OK, FL_CAP_FAIL, FL_CAP_REFUSED, FL_CAP_UNKNOWN } fl_cap_outcome;
typedef struct fl_cap_op {
  int64_t invoke_ns, end_ns;
  uint8_t outcome;  /* fl_cap_outcome */
  uint8_t majority; /* side at invocation */
  uint8_t open_at_end; /* cut short by the run's end: not ended, left out of availability */
  uint8_t pad[5];
} fl_cap_op;

typedef struct fl_cap_window {
  int64_t from_ns, to_ns; /* to_ns: the run's end when the window never closed */
  char what[16];
} fl_cap_window;

/* A disruptive timeline action and the recovery the run measured after it (measure.h). */
typedef struct fl_cap_fault {
  int64_t at_ns;
  int64_t leader_ns; /* to the first leader elected at or after it, -1 never */
  int64_t ok_ns;     /* to the first ok after that leader, -1 never */
  int line;
} fl_cap_fault;

typedef enum { FL_CAP_LIN_OK, FL_CAP_LIN_VIOLATION, FL_CAP_LIN_UNKNOWN, FL_CAP_LIN_NONE } fl_cap_lin;

/* One run of one protocol with one seed. Owns its arrays (fl_cap_run_clear). */
typedef struct fl_cap_run {
  char *protocol;
  uint64_t seed, digest;
  int64_t duration_ns;
  GArray *ops;     /* of fl_cap_op, in completion order */
  GArray *windows; /* of fl_cap_window, in time order */
  GArray *faults;  /* of fl_cap_fault, in the order applied */
  fl_cap_lin lin;  /* FL_CAP_LIN_NONE: the workload has no linearizability check (txn...) */
  int64_t violation_ops; /* operations in the checker's smallest failing window, or -1 */
  bool invariants_held;
  char *stop;      /* why the run stopped: "end", or the stop message; owned */
  int64_t recovery_ok_max_ns; /* measure.h's longest time to the first ok after a fault; -1 */
  int64_t blocked_max_ns;     /* the protocol's blocked_max_ns metric (2PC), or -1 */
  /* Staleness of reads (lincheck/staleness.h; kv workloads): -1 when not analysed. */
  int64_t reads, stale_reads, stale_lag_max_ns;
} fl_cap_run;

void fl_cap_run_clear(fl_cap_run *r);

/* Reads a world that has run to its end (and been finished: fl_world_finish) with
 * fl_world_opts.keep_ops set: its operations and windows, the invariants, and with `check`
 * (which needs fl_world_opts.record_history) the linearizability verdict of its history
 * against the workload's model (txn histories get FL_CAP_LIN_NONE). False with an error if
 * the check could not run. */
bool fl_cap_run_collect(fl_world *w, const fl_scenario *scn, bool check, fl_cap_run *out,
                        GError **error);

/* A run as JSON (written atomically) and back. Load errors name the file. */
bool fl_cap_run_save(const fl_cap_run *r, const char *path, GError **error);
bool fl_cap_run_load(const char *path, fl_cap_run *out, GError **error);

/* ---- Figures of one run (NaN: nothing to measure). */
typedef struct fl_cap_figures {
  double avail_all, avail_faults, avail_steady, avail_majority, avail_minority;
  double p50_steady_ms, p99_steady_ms, max_steady_ms;
  double p50_faults_ms, p99_faults_ms, max_faults_ms;
  double recovery_ms, blocked_max_ms, violation_ops;
  double stale_reads;     /* the share of ok reads that missed a write completed before them */
  double stale_lag_max_ms;
  double linearizable; /* 1 yes, 0 no, NaN unknown or not checked */
} fl_cap_figures;

void fl_cap_figures_of(const fl_cap_run *r, fl_cap_figures *out);
/* Availability of the operations invoked in [from, to), NaN if none ended there: of every
 * client (side < 0), or of the clients on the majority (side 1) or minority (side 0) side. */
double fl_cap_availability_between(const fl_cap_run *r, int64_t from_ns, int64_t to_ns, int side);

/* ---- The report over runs (borrowed; any order: runs are grouped by protocol in the order
 * `protocols` gives, and by seed). Writes DIR/cap.json, cap.csv, cap.md and the plots
 * (availability.{png,svg}, latency-PROTOCOL.{png,svg}, latency-cdf.{png,svg},
 * summary.{png,svg}). `title` names the scenario in titles and tables. */
bool fl_cap_report_write(const char *dir, const char *title, char **protocols,
                         const fl_cap_run *const *runs, size_t n_runs, GError **error);

/* The single-run plots of `run --plots DIR`: availability.{png,svg}, latency.{png,svg},
 * latency-cdf.{png,svg}. */
bool fl_cap_plot_run(const char *dir, const char *title, const fl_cap_run *r, GError **error);

#endif
