/* fault: the faults of a run as a layer of the kernel (fault.c): the scenario's timeline,
 * scheduled as events and applied by calling down into the nodes (node_int.h) and the network
 * (through the transport, which also traces them), never through the engine's public API.
 *
 * The engine owns one fl_faults (inside its fl_world), dispatches FL_EV_FAULT events to it,
 * and forwards its public partition / heal / cut calls here.
 */
#ifndef FL_FAULT_H
#define FL_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "node_int.h"
#include "scenario.h"
#include "transport.h"

/* One timeline action as the fault layer applied it, every target resolved (recorded only when
 * asked: fl__faults_record), for `faultline explore` to write the run's faults out
 * concretely. Node and link sets hold what the action changed, not what it named: a node an
 * action could not apply to (crash of a crashed node) is not in them. */
typedef struct fl_fault_applied {
  guint index;         /* the action's index in the scenario's timeline */
  int64_t at_ns;       /* when it applied */
  fl_action_kind kind; /* the action's kind (its parameters are the timeline action's) */
  /* Node actions and node changes with a target: n_nodes flags, the nodes it applied to;
   * NULL otherwise. Owned. */
  bool *nodes;
  /* Link actions with a target: the endpoint pairs (src, dst) it changed, in the order it
   * changed them, two ints per pair; NULL otherwise. Owned. */
  GArray *pairs;
  /* PARTITION: n_groups groups of n_nodes flags (group g's at g * n_nodes), the groups as
   * they were resolved (random halves: the smaller half first); NULL otherwise. Owned. */
  bool *groups;
  int n_groups;
} fl_fault_applied;

typedef struct fl_faults {
  fl_transport *rt;       /* borrowed */
  fl_nodes *nodes;        /* borrowed */
  const fl_scenario *scn; /* borrowed: the timeline */
  int64_t duration_ns;
  fl_rng *rng;            /* owned: the fault injector's stream ("fault", 0): random faults */
  uint64_t not_applied;   /* timeline actions that could not apply */
  int line;               /* the scenario line of the action being applied, 0 outside one */
  /* Link properties (bit FL_LINK_* and FL_FAULT_LATENCY_BIT) the timeline last set away from
   * [network]'s value: part of what makes a fault window (measure.h). */
  uint32_t degraded;
  uint64_t seed;          /* the run's master seed: the [nemesis] generators' streams */
  /* The [nemesis] generators' actions (nemesis.h), expanded by fl__fault_schedule; FL_EV_FAULT
   * index timeline->len + k is action k. Owned; NULL before. */
  GArray *nemesis;
  /* Of fl_fault_applied, every action as applied, in order; NULL: not recording (the default,
   * recording changes nothing in the run). Owned. */
  GArray *applied;
} fl_faults;
#define FL_FAULT_LATENCY_BIT 31

void fl__faults_init(fl_faults *f, fl_transport *rt, fl_nodes *nodes, const fl_scenario *scn,
                     uint64_t seed, int64_t duration_ns);
void fl__faults_clear(fl_faults *f);
/* Starts recording every action as it is applied (fl_faults.applied). */
void fl__faults_record(fl_faults *f);
/* Schedules every timeline action within the duration as an FL_EV_FAULT event, then every
 * action the [nemesis] generators expand to (after the timeline's at equal times). */
void fl__fault_schedule(fl_faults *f);
/* The action of FL_EV_FAULT index `index`: the timeline's, or a generator's. Borrowed. */
const fl_action *fl__fault_action(const fl_faults *f, size_t index);
void fl__fault_apply(fl_faults *f, size_t index);
/* Tells the measurements whether the system is disturbed now (after an action, or a pause that
 * ended by itself): opens or closes a fault window. */
void fl__faults_note(fl_faults *f, int line, const char *what);

/* Network faults, traced. group_of_node: one group per node; each client joins its home
 * node's (borrowed for the call). */
void fl__fault_partition(fl_faults *f, const int *group_of_node);
void fl__fault_heal(fl_faults *f);
void fl__fault_cut(fl_faults *f, int src, int dst, bool cut);

/* Rejects node actions of the timeline that it alone shows cannot apply (restart of a live
 * node, pause or resume or crash of a crashed one, resume of a running one) with
 * FILE:LINE:COL. Those that depend on the run (a node `crash leader` may have hit) are noted
 * in the trace when they happen instead. */
bool fl__fault_check_timeline(const fl_scenario *scn, GError **error);

/* Rejects a scenario that sets [cluster] members or has a `join` or `leave` action when the
 * protocol has no on_membership hook, with FILE:LINE:COL of the first such place (members
 * first): "expected a protocol that supports membership changes for 'join', found protocol
 * raft, which has no on_membership hook". */
bool fl__fault_check_membership(const fl_scenario *scn, const fl_protocol *p, GError **error);

#endif
