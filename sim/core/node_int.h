/* node_int: the nodes of a run as a layer of the kernel, shared by node.c (lifecycle, clocks,
 * timers, the node API protocols call) and actor.c (the one wrapper per protocol hook, the
 * invariant checks and the cluster view).
 *
 * The engine owns one fl_nodes (inside its fl_world), dispatches node events to it and calls
 * fl__node_crash and its siblings for its public fault API; the fault layer calls them too.
 * Nodes send and halt through the transport below them, never through the engine.
 */
#ifndef FL_NODE_INT_H
#define FL_NODE_INT_H

#include "actor.h"
#include "dist.h"
#include "fl_limits.h"
#include "durable.h"
#include "scenario.h"
#include "metrics.h"
#include "transport.h"

/* The owner of a pending timer, indexed by its scheduler slot. `id` is the id the protocol
 * holds: the scheduler's own, or for a timer re-armed at a resume, the one it was set with. */
typedef struct fl_timer_rec {
  int32_t node;
  uint32_t incarnation;
  fl_timer_id id;
} fl_timer_rec;

/* Something that reached a paused node and waits for its resume: a message, a timer, or a
 * membership change (neither msg nor is_timer). */
typedef struct fl_deferred {
  bool is_timer;
  uint64_t tag;      /* timer */
  fl_timer_id timer; /* timer: the id the protocol holds, which cancels it */
  fl_msg *msg;       /* message */
  int32_t member_node; /* membership change: the node that joined or left */
  bool member;         /* membership change: it joined (true) or left */
} fl_deferred;

/* FL_EV_MEMBER_HELD's data: a membership change that waited at node `dst`, handed over at its
 * resume (or by its processing queue), for the incarnation it reached. */
#define FL__MEMBER_NODE_BITS 20
G_STATIC_ASSERT(FL_LIMIT_NODES < (1 << FL__MEMBER_NODE_BITS));
static inline uint64_t fl__member_event(int dst, int node, bool member, uint32_t incarnation) {
  return (uint64_t)dst | ((uint64_t)node << FL__MEMBER_NODE_BITS) |
         ((uint64_t)member << (2 * FL__MEMBER_NODE_BITS)) |
         ((uint64_t)(incarnation & 0x7fffffu) << (2 * FL__MEMBER_NODE_BITS + 1));
}

/* A timer that came due while its node was paused, re-armed in the scheduler at the resume
 * instant: cancelling `id` (the protocol's) cancels `again` (the scheduler's). */
typedef struct fl_rearmed {
  fl_timer_id id, again;
} fl_rearmed;

/* A message sent after a persist, waiting in its node for the write's sync (fsync = yes). */
typedef struct fl_held_send {
  int64_t at_ns; /* when it leaves: the sync time of the last write before it */
  int dst;
  size_t len;
  unsigned char *data; /* owned */
} fl_held_send;

/* A durable change not yet synced, to undo if the node crashes first. */
typedef struct fl_unsynced {
  int64_t synced_ns; /* when the disk has it */
  uint64_t key;
  bool had_old;        /* the key held a record before the change */
  size_t old_len, new_len;
  unsigned char *old;  /* owned: the record before, when had_old */
  unsigned char *data; /* owned: the bytes written (a put, with torn_writes), or NULL (erase) */
} fl_unsynced;

/* A node's physical model at run time (scenario.h's fl_node_model, resolved): NULL
 * distributions are off, and so is everything they drive. Each stream is derived from the
 * master seed and the node ("processing", "disk", "jitter"), never the protocol's, and made
 * only when its feature is first turned on. */
typedef struct fl_node_phys {
  fl_dist *processing, *disk, *jitter; /* owned, or NULL */
  bool fsync, torn_writes;
  fl_rng *proc_rng, *disk_rng, *jitter_rng;
  /* Processing: the node serves what reached it one item at a time, in arrival order, from
   * its `deferred` queue; `busy` while an item is in service, which ends by an
   * FL_EV_NODE_READY of epoch `epoch` (a crash or a resume bumps it: what waited is handed
   * over again, and that event ends nothing). */
  bool busy;
  uint32_t epoch;
  /* Disk: the sync time of the latest write (writes reach the disk in order). */
  int64_t disk_free_ns;
  int64_t hold_ns;  /* sends of the running hook leave at this time: every write so far synced (fsync = yes), or 0 */
  GArray *outbox;   /* of fl_held_send, by at_ns */
  GArray *unsynced; /* of fl_unsynced, by synced_ns */
} fl_node_phys;

typedef struct fl_nodes fl_nodes;

/* One node: the context protocols get (fl_node_ctx) is this struct. */
struct fl_node_ctx {
  fl_transport *rt; /* borrowed: the run's transport */
  fl_nodes *all;    /* the layer it belongs to */
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
  /* fl_node_persist calls and bytes, and how much of them the metrics have: counted here and
   * folded into the persist_writes / persisted_bytes metrics when they are read, because a
   * metric update per write costs Raft's benchmark 8%. */
  uint64_t persist_writes, persisted_bytes, flushed_writes, flushed_bytes;
  int64_t skew_ns, drift_ppm;
  GArray *deferred; /* of fl_deferred, in arrival order: what waits for the resume */
  GArray *rearmed;  /* of fl_rearmed: held timers handed over at the resume, not yet run */
  GString *last_state;
  /* The status last traced (valid when has_status; a crash clears has_status so the restarted
   * node's first status is traced again). */
  fl_node_status status;
  bool has_status;
  uint64_t leader_since; /* event at which its status last turned to role leader, or 0 */
  fl_node_phys phys;
};
typedef struct fl_node_ctx fl_node;

struct fl_nodes {
  fl_transport *rt;          /* borrowed: the run's transport */
  const fl_options *options; /* borrowed: the protocol's options (the engine's) */
  fl_node *v;                /* rt->n_nodes */
  GArray *timers;            /* fl_timer_rec by scheduler slot */
  fl_node *current;          /* the node whose hook is running, or NULL */
  /* The node whose protocol state the current event changed: -1 none, -2 several or unknown
   * (outside an event; the engine sets -1 before each event and -2 after). Invariant checks
   * look only at what changed. */
  int touched;
  void *ghost; /* the protocol's invariant-checker state */
  fl_cluster_view *view;
  GString *scratch; /* for describe lines */
  GString *why;     /* for invariant explanations: checks run after every event */
  bool final_checked, final_ok;
  char *final_message; /* owned */
  fl_metrics *metrics; /* owned: what the protocol measured (fl_node_metric_*) */
  uint64_t seed;       /* the master seed, for the streams of the nodes' physical models */
  /* Membership (fl_node_is_member): rt->n_nodes flags, owned; every node until the engine
   * sets the scenario's members before any node boots; the timeline's join and leave change
   * it (fl__nodes_change_member). */
  bool *member;
};

/* The nodes layer: fl__nodes_init builds rt->n_nodes nodes (not booted) with their streams
 * ("node", id) under `seed`, their views and timer table; fl__nodes_clear frees everything. */
void fl__nodes_init(fl_nodes *ns, fl_transport *rt, const fl_options *options, uint64_t seed);
void fl__nodes_clear(fl_nodes *ns);

/* Folds the nodes' persist counts into ns->metrics (persist_writes, persisted_bytes). Logically
 * const: reading the metrics brings them up to date. */
void fl__nodes_flush_metrics(const fl_nodes *ns);

/* A scheduler timer event came due (`handle`: its scheduler slot): the node owning it runs
 * its timer hook, holds it if paused, or ignores it if of an earlier incarnation. */
void fl__nodes_timer(fl_nodes *ns, uint32_t handle, uint64_t tag);
/* The node owning timer slot `handle` (for the engine's runaway message). */
static inline int fl__nodes_timer_owner(const fl_nodes *ns, uint32_t handle) {
  return g_array_index(ns->timers, fl_timer_rec, handle - 1).node;
}

/* Membership: the timeline makes `node` a member (member true) or not. Returns false, changing
 * nothing, when it already is (or is not). Otherwise updates the flags, notes the change in
 * the trace (an annotation on the node's lane: "joins the membership" / "leaves the
 * membership") and tells every node that is up, in id order, as a message reaches it: at once
 * when it runs and is idle, at its resume when paused, in its turn when it is processing. */
bool fl__nodes_change_member(fl_nodes *ns, int node, bool member);
/* FL_EV_MEMBER_HELD: a membership change that waited is handed over (data as
 * fl__member_event built it); ignored for a node that crashed since. */
void fl__nodes_member_held(fl_nodes *ns, uint64_t data);

/* node.c: lifecycle. */
void fl__node_boot(fl_node *n);
void fl__node_deliver(fl_node *n, fl_msg *m);
/* Each returns false, changing nothing, when it cannot apply: crash of a crashed node,
 * restart of a live one, pause of a crashed one, resume of one that is not paused. */
bool fl__node_crash(fl_node *n);
bool fl__node_restart(fl_node *n);
/* One more pause covering the node (nested or overlapping pauses count); for_ns > 0: it ends
 * by itself for_ns later. */
bool fl__node_pause_for(fl_node *n, int64_t for_ns);
/* Ends every pause of the node. */
bool fl__node_resume(fl_node *n);
/* Ends one timed pause of epoch `epoch` (stale epochs are ignored): the node runs again when
 * it was the last. */
void fl__node_pause_end(fl_node *n, uint32_t epoch);
const void *fl__node_load(const fl_node *n, uint64_t key, size_t *len);

/* The physical model (node_phys.c). fl__node_set_model applies a resolved scenario model;
 * fl__node_set_processing and fl__node_set_disk replace one distribution (copied; a constant
 * 0 turns it off) from the next item or write on; fl__node_clock_jump steps the node's local
 * clock by step_ns. */
void fl__node_set_model(fl_node *n, const fl_node_model *m);
void fl__node_set_processing(fl_node *n, const fl_dist *d);
void fl__node_set_disk(fl_node *n, const fl_dist *d);
void fl__node_clock_jump(fl_node *n, int64_t step_ns);
void fl__node_phys_clear(fl_node *n);
/* Processing: whether an item reaching the running node `n` must wait in its queue (starting
 * its service if the node was idle); FL_EV_NODE_READY of `epoch` ends a service. */
bool fl__node_must_queue(fl_node *n);
void fl__node_ready(fl_node *n, uint32_t epoch);
/* Forgets the service in progress (a crash or a resume hands over what waited). */
static inline void fl__node_idle(fl_node *n) {
  n->phys.busy = false;
  n->phys.epoch++;
}
/* Disk: a durable change about to be made (key's record replaced by data, or erased when data
 * is NULL), recorded for undo until synced. */
void fl__node_disk_put(fl_node *n, uint64_t key, const void *data, size_t len);
void fl__node_disk_erase(fl_node *n, uint64_t from, uint64_t to, bool to_end);
/* A crash: the unsynced changes are undone (with torn_writes, the one in progress is left cut
 * at a drawn length) and held sends are dropped. */
void fl__node_disk_crash(fl_node *n);
/* Sends: from a hook of n, through its outbox while a persist of that hook is unsynced. */
void fl__node_send_raw(fl_node *n, int dst, const void *data, size_t len);
/* FL_EV_NODE_SEND: the held sends due by now leave. */
void fl__node_send_held(fl_node *n);
/* What waited in the node's queue becomes events at this instant, in arrival order. */
void fl__node_rearm_deferred(fl_node *n);
/* Handing an item over to the protocol: a message (released), a timer or a membership
 * change. */
void fl__node_handle_msg(fl_node *n, fl_msg *m);
void fl__node_handle_timer(fl_node *n, uint64_t tag);
void fl__node_handle_member(fl_node *n, int node, bool member);
/* Hands a deferred item over (fl__node_ready's queue head). */
void fl__node_handle_deferred(fl_node *n, const fl_deferred *d);
/* Local clock of node n at simulated time t. */
int64_t fl__node_local_time(const fl_node *n, int64_t t);

/* actor.c: the one wrapper per hook; each traces state changes and checks invariants. */
void *fl__actor_init(fl_node *n);
void *fl__actor_restart(fl_node *n);
void fl__actor_on_message(fl_node *n, int from, const void *msg, size_t len);
void fl__actor_on_timer(fl_node *n, uint64_t tag);
void fl__actor_on_client_request(fl_node *n, const fl_op *op);
void fl__actor_on_membership(fl_node *n, int node, bool member);
void fl__actor_free(fl_node *n);
/* The protocol's describe_msg, as the transport's describe hook (user: the fl_nodes). */
void fl__actor_describe_msg(void *nodes, const void *msg, size_t len, GString *out);
/* After every event: the invariant check over all nodes. */
void fl__actor_check(fl_nodes *ns);
void fl__actor_check_final(fl_nodes *ns);
fl_cluster_view *fl__view_new(fl_nodes *ns);
void fl__view_free(fl_cluster_view *v);
/* The node's status as last traced; false (and *out reset) while it is down or out of range. */
bool fl__nodes_status(const fl_nodes *ns, int node, fl_node_status *out);
/* The live node that most recently became leader by its status, or -1. */
int fl__nodes_leader(const fl_nodes *ns);

#endif
