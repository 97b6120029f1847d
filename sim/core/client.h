/* client: closed-loop clients that issue operations and record the history.
 *
 * Each client has one operation outstanding at a time, as in Jepsen: it thinks, invokes an
 * operation on a node, waits for the reply, records it, and thinks again. A redirect sends the
 * same operation (same client and sequence number) to the node named, or to the next node; a
 * definite failure is recorded as fail. When an operation's timeout passes, it is recorded as
 * info (unknown outcome) and the client continues as a fresh process. With `resend`, an
 * unanswered request goes out again, unchanged, to the next node, as a client of a protocol
 * with sessions would; the operation's outcome is then unknown only if no attempt is answered
 * within the timeout.
 *
 * A client is a network endpoint (n_nodes + index) living beside its home node (index mod
 * n_nodes): partitions put it in its home node's group, and it first sends to that node.
 * Each client draws from its own stream ("client", index).
 */
#ifndef FL_CLIENT_H
#define FL_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include "dist.h"
#include "op.h"
#include "workload.h"

typedef enum fl_key_dist { FL_KEYS_UNIFORM, FL_KEYS_ZIPF } fl_key_dist;

/* The workload a scenario describes. Defaults are filled by fl_workload_init_defaults. */
struct fl_workload {
  const fl_workload_kind *kind; /* what the clients ask for (workload.h); kv by default */
  int clients;         /* 0: no clients */
  int keys;            /* operations pick keys 0 .. keys-1 (counters, locks for those kinds) */
  /* Relative weights of the kind's operations (kv: read, write, cas; counter: add, read;
   * txn: of its micro-operations, read and write). */
  double mix[FL_OP_KIND_COUNT];
  int mix_line;        /* the scenario line of `mix`, 0 if the kind's default applies */
  int txn_ops;         /* txn: at most this many micro-operations in a transaction */
  fl_key_dist key_dist;
  double zipf_s;       /* exponent for FL_KEYS_ZIPF */
  fl_dist think;       /* pause between a completion and the next invocation */
  int64_t timeout_ns;  /* per operation; then the outcome is unknown */
  int64_t retry_ns;    /* pause before following a redirect */
  int64_t resend_ns;   /* unanswered for this long: send the same request (same client and
                          seq) to the next node; 0: never. Safe only for protocols that
                          apply a (client, seq) once. */
  int64_t start_ns;    /* first invocations at start_ns */
  int64_t stop_ns;     /* no invocations at or after this (0: until the run ends) */
};

/* Kind kv, one client, 1 key, reads/writes/cas 50/40/10, uniform keys, think 10ms, timeout
 * 1s, retry 5ms, start 0, stop 0 (until the end), txn_ops 4. */
void fl_workload_init_defaults(fl_workload *w);
void fl_workload_copy(fl_workload *dst, const fl_workload *src);
void fl_workload_clear(fl_workload *w);

#endif
