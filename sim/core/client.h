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
 *
 * The clients are a layer of the kernel (client.c): the engine owns one fl_clients (inside
 * its fl_world), dispatches the clients' events to it and reads its counters for the run's
 * statistics; the clients send through the transport below them. The workload they run is
 * described in workload.h.
 */
#ifndef FL_CLIENT_H
#define FL_CLIENT_H

#include <gsl/gsl_randist.h>

#include "history.h"
#include "latency.h"
#include "scenario.h"
#include "transport.h"
#include "wire.h"
#include "workload.h"

typedef struct fl_client fl_client;

/* Operations by outcome, for one side of the network (the engine adds the latencies). */
typedef struct fl_side_counts {
  uint64_t invoked, ok, fail, info;
  uint64_t refused;     /* of fail: FL_REPLY_REFUSED, the system's refusal */
  uint64_t open_at_end; /* of info: still open when the run ended (not counted as ended) */
} fl_side_counts;

typedef struct fl_avail {
  uint64_t ended, answered; /* operations invoked in the window that ended within the run; the
                             * answered ones (ok, or a fail that is not a refusal) */
} fl_avail;


typedef struct fl_clients {
  fl_transport *rt;          /* borrowed: the run's transport */
  const fl_scenario *scn;    /* borrowed: the workload and the availability expectations */
  fl_history *history;       /* borrowed: where operations are recorded (the engine's) */
  uint64_t seed;
  int64_t duration_ns;
  fl_client *v;              /* rt->n_clients */
  gsl_ran_discrete_t *zipf;  /* zipfian key table, built on first use */
  fl_latency lat_all, lat_major, lat_minor;
  fl_side_counts side_all, side_major, side_minor;
  fl_avail *avail;           /* one per expectation */
  GArray *ops;               /* of fl_op_record in completion order, or NULL: not kept */
} fl_clients;

/* Fills cl (its transport, scenario, history and seed set by the caller first). */
void fl__clients_init(fl_clients *cl);
void fl__clients_clear(fl_clients *cl);
void fl__clients_start(fl_clients *cl);
void fl__client_wake(fl_clients *cl, uint32_t client);
void fl__client_timeout(fl_clients *cl, uint32_t client, uint64_t seq);
void fl__client_retry(fl_clients *cl, uint32_t client, uint64_t seq);
void fl__client_resend(fl_clients *cl, uint32_t client, uint64_t seq);
/* A message m reached a client (borrowed: the engine releases it). */
void fl__client_deliver(fl_clients *cl, fl_msg *m);
/* The run ends: every open operation is recorded as info. */
void fl__clients_finish(fl_clients *cl);

#endif
