/* world: one simulation, built from a scenario and run by the scheduler.
 *
 * The world wires the modules together: the scheduler's events are message deliveries, node
 * timers, client wake-ups and timeouts, and the scenario's timeline of faults. After every
 * event it runs the protocol's invariant check and traces what changed. It owns everything it
 * builds; the scenario is borrowed for the world's life.
 *
 * Running: fl_world_step runs one event, fl_world_run_until runs to a simulated time and
 * fl_world_run runs the scenario's whole duration. A violated invariant, a protocol error or
 * a runaway (time that stands still, a budget passed) stops the run for good
 * (fl_world_stop_reason says which, fl_world_stop_message says why).
 */
#ifndef FL_WORLD_H
#define FL_WORLD_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "history.h"
#include "lincheck.h"
#include "lincheck/staleness.h"
#include "measure.h"
#include "metrics.h"
#include "net.h"
#include "scenario.h"
#include "status.h"
#include "stop.h"

typedef struct fl_world fl_world;

#define FL_WORLD_ERROR (fl_world_error_quark())
GQuark fl_world_error_quark(void);
typedef enum { FL_WORLD_ERROR_INVALID, FL_WORLD_ERROR_IO } fl_world_error;

typedef struct fl_world_opts {
  bool has_seed;          /* override the scenario's seed */
  uint64_t seed;
  int64_t duration_ns;    /* > 0: override the scenario's duration */
  const char *trace_path; /* NULL: no trace file (the digest is still computed) */
  const char *history_path; /* NULL: no history file (the check uses the one in memory) */
  /* NULL, or where the trace keeps its record count and the running digest after record 2^k
   * (trace.h, fl_trace_set_checkpoints), for digest-check; borrowed for the world's life. */
  struct fl_trace_checkpoints *checkpoints;
  /* Budgets: a run that passes one stops with FL_STOP_RUNAWAY. They only ever stop a run,
   * never change what it does before. */
  uint64_t max_events;     /* > 0: at most this many events (FL_LIMIT_RUN_EVENTS) */
  uint64_t max_memory_mib; /* > 0: the process's resident memory, sampled every
                            * FL_LIMIT_MEMORY_SAMPLE_EVENTS events (FL_LIMIT_RUN_MEMORY_MIB) */
  /* Observation only (no digest changes): keep every operation's record (fl_world_ops), and
   * record the history in memory for fl_world_take_history even when no expectation asks
   * for a linearizability verdict (the CAP report and --plots read both). */
  bool keep_ops;
  bool record_history;
  /* Observation only: record every timeline action as applied (fl_world_faults_applied). */
  bool record_faults;
} fl_world_opts;

/* Zero, with the default budgets of fl_limits.h. */
void fl_world_opts_init(fl_world_opts *o);


/* Builds a world: validates the protocol and its options against the scenario (errors carry
 * the scenario's FILE:LINE:COL), opens the trace and history files. Newly allocated,
 * fl_world_free; NULL with an error. */
fl_world *fl_world_new(const fl_scenario *scn, const fl_world_opts *opts, GError **error);

/* Closes outputs without keeping them (use fl_world_finish to keep them) and frees. NULL ok. */
void fl_world_free(fl_world *w);

/* Checks a scenario against the protocol registry and the protocol's option schema, without
 * running anything ("faultline validate"). */
bool fl_world_validate(const fl_scenario *scn, GError **error);

bool fl_world_step(fl_world *w);
void fl_world_run_until(fl_world *w, int64_t until_ns);
/* Runs to the end of the duration (or until stopped), then runs the final checks. */
void fl_world_run(fl_world *w);

fl_stop_reason fl_world_stop_reason(const fl_world *w);
/* Why the run stopped early, with event number and simulated time; NULL for FL_STOP_END.
 * Borrowed until fl_world_free. */
const char *fl_world_stop_message(const fl_world *w);

int64_t fl_world_now(const fl_world *w);
/* What the protocol measured (metrics.h); borrowed until fl_world_free. */
const fl_metrics *fl_world_metrics(const fl_world *w);
uint64_t fl_world_seed(const fl_world *w);
int64_t fl_world_duration(const fl_world *w);
uint64_t fl_world_events(const fl_world *w);
/* The event budget the world was built with (0: none). */
uint64_t fl_world_max_events(const fl_world *w);
uint64_t fl_world_digest(const fl_world *w);
/* The world's network (borrowed until fl_world_free), for counters and direct faults. */
fl_net *fl_world_net(fl_world *w);
int fl_world_node_count(const fl_world *w);
int fl_world_client_count(const fl_world *w);

/* Every timeline action as it was applied, targets resolved (an array of fl_fault_applied,
 * fault.h), when fl_world_opts.record_faults was set; else NULL. Borrowed until fl_world_free. */
const GArray *fl_world_faults_applied(const fl_world *w);
/* The action a record's `index` names: the timeline's, or one the [nemesis] generators expanded
 * to (after the timeline's). Borrowed until fl_world_free. */
const fl_action *fl_world_fault_action(const fl_world *w, size_t index);

/* ---- Faults, as the timeline applies them (tests may call them directly). */
void fl_world_partition(fl_world *w, const int *group_of_node);
void fl_world_heal(fl_world *w);
void fl_world_cut(fl_world *w, int src, int dst, bool cut);
/* Node faults. Each returns false, changing nothing, when it cannot apply: crash of a
 * crashed node, restart of a live one, pause of a crashed one, resume of a node that is not
 * paused. (The timeline notes such an action in the trace and counts it, see
 * fl_run_stats.faults_not_applied; these calls do neither.)
 *
 * Pauses nest: a node is paused while at least one pause covers it. fl_world_pause_for
 * adds a pause that ends by itself for_ns later (for_ns <= 0: only a resume ends it); the node
 * runs again when the last pause covering it ends. fl_world_resume ends every pause of the
 * node at once; a crash does too. */
bool fl_world_crash(fl_world *w, int node);
bool fl_world_restart(fl_world *w, int node);
bool fl_world_pause(fl_world *w, int node);
bool fl_world_pause_for(fl_world *w, int node, int64_t for_ns);
bool fl_world_resume(fl_world *w, int node);
bool fl_world_node_is_up(const fl_world *w, int node);
bool fl_world_node_is_paused(const fl_world *w, int node);
/* The node's volatile protocol state (NULL while crashed), for tests; borrowed until the
 * node's next event. */
const void *fl_world_node_state(const fl_world *w, int node);
/* The node's status as last traced (status.h; the protocol's status hook after its latest
 * event). False, with *out reset (role other, leader -1), while the node is crashed or when
 * `node` is out of range. */
bool fl_world_node_status(const fl_world *w, int node, fl_node_status *out);
/* The timeline's `leader` target: among the live nodes whose status says leader, the one that
 * most recently became leader (a deposed leader that has not heard so still says it); with no
 * leader, the one live node whose status says coordinator (2PC's designated coordinator), if
 * exactly one does; or -1.
 */
int fl_world_leader(const fl_world *w);

/* ---- Test support: drive one node's handlers directly, as unit tests of a protocol do. */

/* Runs node dst's on_message hook now with a message from node src, bypassing the network
 * (no latency, loss or partition, and no deliver record in the trace), then the invariant
 * checks, as after any event. False if dst is down or paused or src is not another node. */
bool fl_world_inject(fl_world *w, int src, int dst, const void *msg, size_t len);
/* The same for a client operation arriving at node dst (op->endpoint must be a client's). */
bool fl_world_inject_request(fl_world *w, int dst, const fl_op *op);

/* Called for every message a node or client sends, before the network sees it; the bytes are
 * borrowed for the call. NULL stops it. */
typedef void (*fl_send_tap)(void *user, int src, int dst, const void *msg, size_t len);
void fl_world_set_send_tap(fl_world *w, fl_send_tap fn, void *user);

/* ---- Results. */

/* Availability, the one definition the summary, the JSON report, `sweep --csv`, `cap` and
 * [expect] share: of the operations that ended within the run (answered, refused, or timed
 * out with an unknown outcome; not those still open when the run's end cut them short), the
 * fraction answered: ok, or a definite fail that is the operation's own answer (a cas whose
 * compare failed). A refusal (FL_REPLY_REFUSED: no quorum, a transaction aborted by a
 * timeout) and a timeout are what unavailability looks like to a client. NAN when no
 * operation ended: the report writes null, the CSV an empty cell, and [expect] fails with
 * "no operations ...". */
double fl_availability(uint64_t answered, uint64_t ended);

typedef struct fl_side_stats {
  uint64_t invoked, ok, fail, info;
  uint64_t refused;     /* of fail: refusals (FL_REPLY_REFUSED) */
  uint64_t open_at_end; /* of info: still open when the run ended */
  uint64_t latency_count;       /* ok operations */
  int64_t latency_ns_p50, latency_ns_p99, latency_ns_max;
  double latency_ns_mean;
} fl_side_stats;

/* Operations by outcome and latency, for clients on the majority side of the network, the
 * minority side (only while partitioned) and all clients. */
typedef struct fl_run_stats {
  uint64_t events;
  int64_t sim_ns;
  fl_link_counters net;
  fl_side_stats all, majority, minority;
  uint64_t history_events;
  /* Timeline actions that could not apply when they came (crash leader with no leader,
   * restart of a live node...); each is noted in the trace. */
  uint64_t faults_not_applied;
  /* Elections, recovery from faults and outages (measure.h; before fl_world_finish, a window
   * still open counts up to the side's last wait). */
  fl_measure_summary measure;
} fl_run_stats;

void fl_world_stats(const fl_world *w, fl_run_stats *out);
/* Everything measured, with every fault's record and every action that found no target
 * (measure.h). Borrowed until fl_world_free. */
const fl_measure *fl_world_measure(const fl_world *w);

/* The side's availability (fl_availability above; NAN when no operation ended). */
double fl_side_availability(const fl_side_stats *s);

/* Availability over a window for one expectation: operations invoked in [from, to) by clients
 * on `side` (as the network stood at invocation) that ended within the run, and how many of
 * them were answered. */
void fl_world_availability(const fl_world *w, size_t expect_index, uint64_t *ended,
                           uint64_t *answered);

/* Every operation, in completion order, when fl_world_opts.keep_ops was set (else NULL, 0).
 * Borrowed until fl_world_free. */
const fl_op_record *fl_world_ops(const fl_world *w, size_t *n);

/* Whether the final checks (check_final) passed; their message if not. */
bool fl_world_final_ok(const fl_world *w, const char **why);

/* Ends the run: closes the trace (writing its end record) and the history, keeping the files.
 * fl_world_history_path is the history file's path (borrowed until fl_world_free), or NULL
 * when no file was asked for. Returns false on a write error. */
bool fl_world_finish(fl_world *w, GError **error);
const char *fl_world_history_path(const fl_world *w);
/* After fl_world_finish: the history recorded in memory for a scenario that expects a
 * linearizability verdict (newly allocated; the caller frees it), or NULL (with an error if
 * the recording failed). Once only. */
fl_lincheck_history *fl_world_take_history(fl_world *w, GError **error);
/* The staleness of the run's reads (lincheck/staleness.h), measured from its history as it was
 * recorded: false (and *out zeroed) when the workload is not kv. Before fl_world_finish, the
 * figures so far. */
bool fl_world_staleness(const fl_world *w, fl_staleness_result *out);

#endif
