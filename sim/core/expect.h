/* expect: decides a run's verdict from the scenario's [expect] section.
 *
 * Expectations are evaluated after the run: invariants from the world's stop reason and final
 * checks, linearizability by checking the recorded history with the model the workload kind
 * names (kv, counter, mutex; for txn, atomic visibility and serializability), and
 * availability bounds from the clients' counters. A run with no expectations passes unless the
 * protocol misused the node API.
 */
#ifndef FL_EXPECT_H
#define FL_EXPECT_H

#include <stdbool.h>
#include <glib.h>
#include "lincheck/lincheck.h"
#include "lincheck/txn.h"
#include "world.h"

typedef struct fl_expect_result {
  const fl_expect *expect; /* borrowed from the scenario */
  bool passed;
  char *detail; /* what was measured, e.g. "87.5% (140 of 160)"; owned */
} fl_expect_result;

typedef struct fl_verdict {
  GArray *results; /* of fl_expect_result, in scenario order */
  bool passed;
  bool protocol_error; /* the run stopped on a protocol error: always a failure */
  /* The run stopped on a budget (FL_STOP_RUNAWAY): a failure, and no expectation is
   * evaluated (a runaway's history can be huge and its figures mean little). */
  bool runaway;
  /* The history check, when an expectation asked for one (else NULL). Owned. */
  fl_lincheck_history *history;
  fl_lincheck_result *lin;
  char *lin_error; /* the history could not be checked (unreadable): owned */
  bool is_txn;     /* `lin` is the transaction checks' result (lincheck/txn.h) */
} fl_verdict;

/* Evaluates every expectation of the world's scenario. The world must be finished
 * (fl_world_finish) so its history file is complete. Newly allocated; fl_verdict_free. */
fl_verdict *fl_verdict_evaluate(fl_world *w, const fl_scenario *scn);
void fl_verdict_free(fl_verdict *v);

#endif
