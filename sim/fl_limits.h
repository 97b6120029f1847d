/* fl_limits: every hard limit of faultline in one place.
 *
 * A limit is here when input can reach it: the scenario parser, the readers of traces,
 * histories and reports, and the run's budgets all check against these names, and their
 * error messages quote them. A reader who wants to know "how big may X be" looks here
 * first, as SQLite keeps its limits in sqliteLimit.h. Changing a value here changes the
 * documented limit: keep README.md and scenarios/README.md in step. (Named fl_limits.h so
 * that it never shadows the system's <limits.h> on an include path that holds sim/.)
 */
#ifndef FL_LIMITS_H
#define FL_LIMITS_H

/* ---- Scenarios. */
#define FL_LIMIT_NODES 1000              /* [cluster] nodes */
#define FL_LIMIT_CLIENTS 100000          /* [workload] clients */
#define FL_LIMIT_KEYS 1000000            /* [workload] keys */
#define FL_LIMIT_REPEAT_PER_LINE 100000  /* "FROM..TO every P": repetitions of one line */

/* ---- Readers of JSON and EDN (histories, trace headers, reports). */
#define FL_LIMIT_JSON_DEPTH 64           /* arrays and objects nested in one another */
#define FL_LIMIT_EDN_DEPTH 64            /* EDN collections nested in one another */
#define FL_LIMIT_VIZ_LANES 4096          /* viz: nodes plus clients of a trace it draws */

#endif
