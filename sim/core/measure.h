/* measure: what a run observed about elections, recovery from faults and outages, for the
 * report, the summary, `sweep --csv` and [expect] (scenarios/README.md defines each figure).
 *
 * Fed from below, never reading the world itself: the nodes layer reports every status change
 * it traces (actor.c), the fault layer every timeline action it applied or that found no
 * target (fault.c), the clients every invocation and completion (client.c). They reach it
 * through the transport (fl_transport.measure), which the engine points at the one fl_measure
 * it owns.
 *
 * Measurements are observations: nothing here draws a random number, schedules an event or
 * writes the trace, so they never change a run or its digest.
 */
#ifndef FL_MEASURE_H
#define FL_MEASURE_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "status.h"

/* The sides of operations, as the clients record them (side at invocation). */
typedef enum fl_measure_side {
  FL_MEASURE_ALL,
  FL_MEASURE_MAJORITY,
  FL_MEASURE_MINORITY,
  FL_MEASURE_SIDES
} fl_measure_side;

/* One applied disruptive timeline action (crash, pause, partition, cut). Times are from the
 * fault, -1 when it never happened within the run. */
typedef struct fl_fault_record {
  uint32_t action; /* index in the scenario's timeline */
  int line;        /* its line in the scenario file */
  int64_t at_ns;
  int64_t leader_ns; /* to the first leader elected at or after the fault */
  int64_t ok_ns;     /* to the first ok answer at or after that leader's election */
} fl_fault_record;

/* A timeline action that found no target (or could not apply) when it came. */
typedef struct fl_no_target {
  int line;
  int64_t at_ns;
  char *action; /* "crash leader"; owned */
  char *reason; /* "no node is leader"; owned */
} fl_no_target;

/* A fault window: an interval during which the timeline had the system disturbed (a node down
 * or paused, the network partitioned or a link cut, a link property away from [network]'s).
 * Overlapping faults make one window; it opens at the first and closes at the action (or the
 * pause's end) after which nothing is disturbed. */
typedef struct fl_fault_window {
  int64_t from_ns;
  int64_t to_ns; /* -1: still open when the run ended */
  int line;      /* the scenario line of the action that opened it */
  char what[16]; /* that action's verb: "partition", "crash", "loss", ... */
} fl_fault_window;

typedef struct fl_outage_window {
  int64_t open_since; /* -1: no window open */
  int64_t longest;
  int64_t last_wait;  /* the last instant the side was waiting (for a window the run ends) */
  uint64_t pending;   /* the side's outstanding operations */
} fl_outage_window;

typedef struct fl_measure {
  int n_nodes;
  uint64_t elections, leaders, leader_changes;
  int cluster_leader; /* the node that most recently became leader, or -1 */
  /* Per node, across its lives: its last status's role and term (has_last: one was seen). */
  bool *has_last;
  int *last_role;
  uint64_t *last_term;
  GArray *faults;    /* of fl_fault_record, in the order applied */
  guint wait_leader; /* faults from here on wait for a leader */
  guint wait_ok;     /* faults from here up to wait_leader wait for an ok answer */
  GArray *no_target; /* of fl_no_target, in the order they happened */
  fl_outage_window side[FL_MEASURE_SIDES];
  GArray *windows;   /* of fl_fault_window, in time order */
  int64_t heal_ns; /* the last heal's time (timeline `heal`, fl_world_heal), -1 before any */
  bool finished;
} fl_measure;

/* Scalar figures of a run (what `sweep --csv` writes). -1: no value (no fault measured, or
 * one of them never saw a leader / an answer: the maximum is then unbounded). */
typedef struct fl_measure_summary {
  uint64_t elections, leaders_elected, leader_changes;
  uint64_t faults, faults_no_leader, faults_no_ok, no_target;
  int64_t recovery_leader_first_ns, recovery_leader_max_ns;
  int64_t recovery_ok_first_ns, recovery_ok_max_ns;
  int64_t outage_ns[FL_MEASURE_SIDES];
} fl_measure_summary;

void fl_measure_init(fl_measure *m, int n_nodes);
void fl_measure_clear(fl_measure *m);

/* Node `node`'s traced status changed to *st at `now`; was_leader: its previous status in
 * this life said leader. */
void fl_measure_status(fl_measure *m, int64_t now, int node, bool was_leader,
                       const fl_node_status *st);
/* A disruptive timeline action (timeline index `action`, file line `line`) applied at now. */
void fl_measure_fault(fl_measure *m, int64_t now, uint32_t action, int line);
/* The network healed at now (every partition and cut gone). */
void fl_measure_heal(fl_measure *m, int64_t now);
/* A timeline action found no target: "crash leader", "no node is leader" (copied). */
void fl_measure_no_target(fl_measure *m, int64_t now, int line, const char *action,
                          const char *reason);
/* After a timeline action (or a pause's end) at now: whether the system is now disturbed. A
 * change opens or closes a fault window; `line` and `what` name the action opening one. */
void fl_measure_disturbed(fl_measure *m, int64_t now, bool disturbed, int line, const char *what);
/* The fault windows so far (borrowed until the next call on m). */
const fl_fault_window *fl_measure_windows(const fl_measure *m, size_t *n);

/* A client on `majority` (true) or the minority invoked an operation at now. */
void fl_measure_invoke(fl_measure *m, int64_t now, bool majority);
/* One of its operations completed: ok, or not (failed, timed out, cut short by the end). */
void fl_measure_complete(fl_measure *m, int64_t now, bool majority, bool ok);
/* The run ended at `now`: windows still open close. Once; later calls do nothing. */
void fl_measure_finish(fl_measure *m, int64_t now);

/* The longest window of `side` so far (a window still open counts up to its last wait). */
int64_t fl_measure_outage(const fl_measure *m, fl_measure_side side);
void fl_measure_summarize(const fl_measure *m, fl_measure_summary *out);

/* "all", "majority", "minority". */
const char *fl_measure_side_name(fl_measure_side side);

#endif
