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
#define FL_LIMIT_TIMELINE_ACTIONS 1000000 /* [timeline] actions in all, repetitions expanded */
#define FL_LIMIT_SCENARIO_MIB 16         /* a scenario file's size, in MiB... */
#define FL_LIMIT_SCENARIO_BYTES (FL_LIMIT_SCENARIO_MIB * 1024 * 1024) /* ...and in bytes */
/* Any duration written in a scenario, option or command line (1000000h, 3.6e18 ns): two of
 * them add without overflowing a signed 64-bit nanosecond count. */
#define FL_LIMIT_DURATION_NS 3600000000000000000LL
#define FL_LIMIT_DURATION_TEXT "1000000h"     /* FL_LIMIT_DURATION_NS as messages write it */
/* Text echoed from the input in an error message ("found '...'"): longer text is cut to
 * this many bytes and "..." (a 3 MB option name is not repeated back whole). */
#define FL_LIMIT_ECHO_BYTES 40

#endif
