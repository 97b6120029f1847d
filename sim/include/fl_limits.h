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
#define FL_LIMIT_TXN_OPS 8               /* [workload] txn_ops: micro-operations of a transaction */
#define FL_LIMIT_TXN_CHECK 100000        /* txn check: transactions of one history it searches */
#define FL_LIMIT_REPEAT_PER_LINE 100000  /* "FROM..TO every P": repetitions of one line */
#define FL_LIMIT_TIMELINE_ACTIONS 1000000 /* [timeline] actions in all, repetitions expanded */
#define FL_LIMIT_NEMESIS_ACTIONS 1000000 /* actions one run's [nemesis] generators expand to */
#define FL_LIMIT_SCENARIO_MIB 16         /* a scenario file's size, in MiB... */
#define FL_LIMIT_SCENARIO_BYTES (FL_LIMIT_SCENARIO_MIB * 1024 * 1024) /* ...and in bytes */
/* Any duration written in a scenario, option or command line (1000000h, 3.6e18 ns): two of
 * them add without overflowing a signed 64-bit nanosecond count. */
#define FL_LIMIT_DURATION_NS 3600000000000000000LL
#define FL_LIMIT_DURATION_TEXT "1000000h"     /* FL_LIMIT_DURATION_NS as messages write it */
/* Text echoed from the input in an error message ("found '...'"): longer text is cut to
 * this many bytes and "..." (a 3 MB option name is not repeated back whole). */
#define FL_LIMIT_ECHO_BYTES 40
#define FL_LIMIT_METRICS 64              /* metrics (fl_node_metric_add/max) one run may have */
#define FL_LIMIT_METRIC_NAME 48          /* bytes of a metric's name ([a-z0-9_]) */
#define FL_LIMIT_EXPECT_DETAIL_FAULTS 8  /* faults an [expect] detail or summary line lists by name */
#define FL_LIMIT_MSG_TYPE_NAME 64        /* bytes of a message type in `loss type NAME` */
#define FL_LIMIT_SHRINK_TRIALS 20000    /* runs one `faultline shrink` or `blame` may make */
#define FL_LIMIT_SHRINK_ROUNDS 4         /* rounds of every shrink step, until one changes nothing */

/* ---- Run budgets: what stops a runaway run (FL_STOP_RUNAWAY, exit status 4). */
/* The stall guard: a run whose simulated time advances less than FL_LIMIT_STALL_NS over any
 * FL_LIMIT_STALL_EVENTS consecutive events (checked every 1/16 of that window) is stopped:
 * on average more than one event per simulated nanosecond. Real scenarios stay far below (a
 * 1,000-node Raft cluster's heartbeat round is 2,000 events; only an all-to-all wave of
 * 500,000 messages at one instant, rbcast with over 700 nodes, would trip it); delays of 0
 * or a few ns that close a loop reach it within about a second of wall time. */
#define FL_LIMIT_STALL_EVENTS 500000
#define FL_LIMIT_STALL_NS 500000         /* 500 us */
#define FL_LIMIT_RUN_EVENTS 0            /* default --max-events: 0, no event budget */
#define FL_LIMIT_RUN_MEMORY_MIB 4096     /* default --max-memory of run and sweep, MiB */
#define FL_LIMIT_MEMORY_SAMPLE_EVENTS 65536 /* resident memory is sampled every this many events */

/* ---- Outputs, signals and sweep. */
#define FL_LIMIT_TEMPORARIES 64          /* paths a signal handler removes (sim/core/outfile.c) */
#define FL_LIMIT_SWEEP_JOBS 1024         /* sweep --jobs */
#define FL_LIMIT_CAP_SEEDS 10000         /* cap --seeds: seeds per protocol */
#define FL_LIMIT_SWEEP_SHARDS 100000     /* sweep --shard I/N: N, and the files faultline merge reads */
#define FL_LIMIT_SEED_TIMEOUT_S 600      /* sweep --seed-timeout default: wall seconds a seed */
#define FL_LIMIT_KILL_GRACE_MS 2000      /* after SIGTERM, a timed-out worker gets SIGKILL */
#define FL_LIMIT_GOLDEN_MIB 64           /* digest-check: a golden file's size, in MiB */
#define FL_LIMIT_GOLDEN_SEEDS 100000     /* digest-check --write --seeds: seeds in the list */


/* ---- Readers of JSON and EDN (histories, trace headers, reports). */
#define FL_LIMIT_JSON_DEPTH 64           /* arrays and objects nested in one another */
#define FL_LIMIT_EDN_DEPTH 64            /* EDN collections nested in one another */
#define FL_LIMIT_VIZ_LANES 4096          /* viz: nodes plus clients of a trace it draws */

#endif
