/* world_int: the structures shared by world.c, node.c, actor.c, client.c and fault.c.
 * Nothing outside the core includes this. */
#ifndef FL_WORLD_INT_H
#define FL_WORLD_INT_H

#include "actor.h"
#include "history.h"
#include "latency.h"
#include "net.h"
#include "rng.h"
#include "scheduler.h"
#include "scenario.h"
#include "durable.h"
#include "trace.h"
#include "world.h"

/* Scheduler event kinds. */
enum {
  FL_EV_DELIVER,        /* data: fl_msg * */
  FL_EV_TIMER,          /* data: tag; handle -> world.timers[handle - 1] */
  FL_EV_CLIENT_WAKE,    /* data: client index */
  FL_EV_CLIENT_TIMEOUT, /* data: client | seq << 24 */
  FL_EV_CLIENT_RETRY,   /* data: client | seq << 24 */
  FL_EV_CLIENT_RESEND,  /* data: client | seq << 24 */
  FL_EV_FAULT,          /* data: index into the scenario's timeline */
  FL_EV_AUTO_RESUME,    /* data: node | pause epoch << 24: the end of one timed pause */
  FL_EV_DELIVER_HELD    /* data: fl_msg * that waited at a paused node: no network re-check */
};

#define FL_CLIENT_BITS 24

/* The owner of a pending timer, indexed by its scheduler slot. `id` is the id the protocol
 * holds: the scheduler's own, or for a timer re-armed at a resume, the one it was set with. */
typedef struct fl_timer_rec {
  int32_t node;
  uint32_t incarnation;
  fl_timer_id id;
} fl_timer_rec;

/* Something that reached a paused node and waits for its resume. */
typedef struct fl_deferred {
  bool is_timer;
  uint64_t tag;      /* timer */
  fl_timer_id timer; /* timer: the id the protocol holds, which cancels it */
  fl_msg *msg;       /* message */
} fl_deferred;

/* A timer that came due while its node was paused, re-armed in the scheduler at the resume
 * instant: cancelling `id` (the protocol's) cancels `again` (the scheduler's). */
typedef struct fl_rearmed {
  fl_timer_id id, again;
} fl_rearmed;

/* One node: the context protocols get (fl_node_ctx) is this struct. */
struct fl_node_ctx {
  fl_world *w;
  int id;
  void *state; /* the protocol's volatile state; NULL while crashed */
  bool is_up;
  uint32_t incarnation; /* bumped by every crash: timers of an earlier life never fire */
  /* Pauses covering the node now: it runs again when the last one ends. A timed pause ends
   * by an FL_EV_AUTO_RESUME carrying the pause epoch; an explicit resume or a crash ends
   * every pause at once and bumps the epoch, so the auto-resumes of those pauses are
   * ignored. */
  uint32_t pauses;
  uint32_t pause_epoch;
  fl_rng *rng;
  fl_durable *durable;
  int64_t skew_ns, drift_ppm;
  GArray *deferred; /* of fl_deferred, in arrival order: what waits for the resume */
  GArray *rearmed;  /* of fl_rearmed: held timers handed over at the resume, not yet run */
  GString *last_state;
  /* The status last traced (valid when has_status; a crash clears has_status so the restarted
   * node's first status is traced again). */
  fl_node_status status;
  bool has_status;
  uint64_t leader_since; /* event at which its status last turned to role leader, or 0 */
};
typedef struct fl_node_ctx fl_node;

typedef struct fl_client fl_client;

#define FL__STALL_SLOTS 16
#define FL__RECENT_EVENTS 5

/* One of the last events run, as the runaway message names it. */
typedef struct fl_recent_event {
  int64_t time_ns;
  uint32_t kind;  /* FL_EV_* */
  int32_t a, b;   /* deliver: src, dst; timer, resume: node; client events: client index;
                   * fault: the timeline index */
  bool valid;
} fl_recent_event;

typedef struct fl_avail {
  uint64_t invoked, ok;
} fl_avail;

struct fl_world {
  const fl_scenario *scn;
  const fl_protocol *proto;
  fl_options *options;
  uint64_t seed;
  int64_t duration_ns;
  int n_nodes, n_clients;

  fl_sched *sched;
  fl_net *net;
  /* The node whose protocol state the current event changed: -1 none, -2 several or unknown
   * (outside an event). Invariant checks look only at what changed. */
  int touched;
  fl_send_tap send_tap; /* tests only */
  void *send_tap_user;
  fl_trace *trace;
  fl_history *history;
  fl_lincheck_history *recorded; /* the history recorded in memory, for the check; or NULL */
  GError *recorded_error;
  char *history_path;     /* --history, or NULL: no file */

  fl_node *nodes;     /* n_nodes */
  fl_rng *fault_rng;  /* the fault injector's stream ("fault", 0): random faults */
  fl_client *clients; /* n_clients */
  gsl_ran_discrete_t *zipf; /* zipfian key table, built on first use */
  GArray *timers;     /* fl_timer_rec by scheduler slot */

  void *ghost; /* the protocol's invariant-checker state */
  fl_cluster_view *view;

  uint64_t faults_not_applied; /* timeline actions that could not apply (fault.c) */
  /* Run budgets (world.c). stall_at[c % FL__STALL_SLOTS]: the simulated time at stall
   * checkpoint c (every FL_LIMIT_STALL_EVENTS / FL__STALL_SLOTS events). recent: the last
   * events, for the runaway message. */
  uint64_t max_events, max_memory_bytes;
  int64_t stall_at[FL__STALL_SLOTS];
  fl_recent_event recent[FL__RECENT_EVENTS];
  fl_node *current; /* the node whose hook is running, or NULL */
  fl_stop_reason stop;
  char *stop_message;
  bool final_checked, final_ok;
  char *final_message;
  bool finished;
  uint64_t digest, history_events; /* saved when the trace and history close */

  GString *scratch; /* for describe lines */
  GString *why;     /* for invariant explanations: checks run after every event */
  fl_latency lat_all, lat_major, lat_minor;
  fl_side_stats side_all, side_major, side_minor;
  fl_avail *avail; /* one per expectation */
  fl_metrics *metrics; /* what protocols measured (fl_node_metric_*) */
};

/* node.c: lifecycle. */
void fl__node_init(fl_world *w, fl_node *n, int id);
void fl__node_clear(fl_node *n);
void fl__node_boot(fl_node *n);
void fl__node_deliver(fl_node *n, fl_msg *m);
/* A timer of node n came due (`rec`: its owner and id, copied before the hook can reuse the
 * slot): it fires, waits if the node is paused, or is ignored if of an earlier incarnation. */
void fl__node_timer(fl_node *n, const fl_timer_rec *rec, uint64_t tag);
/* Each returns false, changing nothing, when it cannot apply: crash of a crashed node,
 * restart of a live one, pause of a crashed one, resume of one that is not paused. */
bool fl__node_crash(fl_node *n);
bool fl__node_restart(fl_node *n);
/* One more pause covering the node (nested or overlapping pauses count). */
bool fl__node_pause(fl_node *n);
/* Ends every pause of the node. */
bool fl__node_resume(fl_node *n);
/* Ends one timed pause of epoch `epoch` (stale epochs are ignored): the node runs again when
 * it was the last. */
void fl__node_pause_end(fl_node *n, uint32_t epoch);
const void *fl__node_load(const fl_node *n, uint64_t key, size_t *len);
/* Local clock of node n at simulated time t. */
int64_t fl__node_local_time(const fl_node *n, int64_t t);

/* actor.c: the one wrapper per hook; each traces state changes and checks invariants. */
void *fl__actor_init(fl_node *n);
void *fl__actor_restart(fl_node *n);
void fl__actor_on_message(fl_node *n, int from, const void *msg, size_t len);
void fl__actor_on_timer(fl_node *n, uint64_t tag);
void fl__actor_on_client_request(fl_node *n, const fl_op *op);
void fl__actor_free(fl_node *n);
void fl__actor_describe_msg(fl_world *w, const void *msg, size_t len, GString *out);
/* After every event: the invariant check over all nodes. */
void fl__actor_check(fl_world *w);
void fl__actor_check_final(fl_world *w);
fl_cluster_view *fl__view_new(fl_world *w);
void fl__view_free(fl_cluster_view *v);

/* options.c */
fl_options *fl__options_new(const fl_protocol *p, const fl_scenario *scn, GError **error);
void fl__options_free(fl_options *o);

/* client.c */
fl_client *fl__clients_new(fl_world *w);
void fl__clients_free(fl_world *w);
void fl__clients_start(fl_world *w);
void fl__client_wake(fl_world *w, uint32_t client);
void fl__client_timeout(fl_world *w, uint32_t client, uint64_t seq);
void fl__client_retry(fl_world *w, uint32_t client, uint64_t seq);
void fl__client_resend(fl_world *w, uint32_t client, uint64_t seq);
void fl__client_deliver(fl_world *w, fl_msg *m);
void fl__clients_finish(fl_world *w);
/* Client message payloads. */
typedef struct fl_client_reply {
  fl_op op;
  fl_op_result result;
} fl_client_reply;

/* fault.c */
void fl__fault_schedule(fl_world *w);
void fl__fault_apply(fl_world *w, size_t index);
/* Rejects node actions of the timeline that it alone shows cannot apply (restart of a live
 * node, pause or resume or crash of a crashed one, resume of a running one) with
 * FILE:LINE:COL. Those that depend on the run (a node `crash leader` may have hit) are noted
 * in the trace when they happen instead. */
bool fl__fault_check_timeline(const fl_scenario *scn, GError **error);

/* world.c: sending and stopping, used by node.c and client.c. */
void fl__world_send(fl_world *w, int src, int dst, const void *data, size_t len);
void fl__world_halt(fl_world *w, fl_stop_reason reason, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* Which side of the network an endpoint is on now: 1 majority, 0 minority. */
int fl__world_side(const fl_world *w, int endpoint);

#endif
