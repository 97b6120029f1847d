/* paxos_int.h: the state, messages and cross-file functions of the Multi-Paxos actor. Private
 * to protocols/paxos/; the invariant checker reads the state through it too.
 *
 * Every struct that travels in a message or goes to durable storage is plain fixed-size data
 * with explicit padding, zeroed before it is filled, so its bytes are deterministic.
 */
#ifndef FL_PAXOS_INT_H
#define FL_PAXOS_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "actor.h"
#include "common/client_sessions.h"
#include "common/kv_machine.h"
#include "common/quorum.h"
#include "common/rsm_snapshot.h"
#include "common/durable_slots.h"
#include "common/waiters.h"

/* Ballots are (round, node): round << PAXOS_NODE_BITS | node, so that comparing the numbers
 * compares rounds first and breaks ties by node id. Ballot 0 is "none". */
#define PAXOS_NODE_BITS 10 /* FL_LIMIT_NODES (1000) < 1024 */
#define PAXOS_BALLOT(round, node) (((uint64_t)(round) << PAXOS_NODE_BITS) | (uint64_t)(node))
#define PAXOS_ROUND(b) ((b) >> PAXOS_NODE_BITS)
#define PAXOS_NODE(b) ((int)((b) & ((1u << PAXOS_NODE_BITS) - 1)))
/* The leader counts accepts per slot in a 64-bit mask. */
#define PAXOS_MAX_NODES 64
#define PAXOS_NOBODY (-1)

enum { PAXOS_TIMER_ELECTION = 1, PAXOS_TIMER_HEARTBEAT, PAXOS_TIMER_COMPACT, PAXOS_TIMER_KINDS };

typedef enum paxos_role { PAXOS_FOLLOWER, PAXOS_CANDIDATE, PAXOS_LEADER } paxos_role;

/* The bugs a scenario can reinject (paxos.bug), to show that the checkers catch them. */
typedef enum paxos_bug {
  PAXOS_BUG_NONE,
  PAXOS_BUG_SKIP_REPROPOSAL,     /* a new leader fills every open slot with a no-op */
  PAXOS_BUG_UNPERSISTED_PROMISE, /* an acceptor answers a Prepare without persisting it */
  PAXOS_BUG_ANY_ACCEPTED,        /* a new leader takes the lowest-ballot accepted value */
  PAXOS_BUG_IGNORE_PROMISE       /* an acceptor accepts whatever ballot comes */
} paxos_bug;

typedef enum paxos_value_type { PAXOS_VALUE_NONE = 0, PAXOS_VALUE_NOOP, PAXOS_VALUE_OP } paxos_value_type;

/* A proposed value: a no-op or a client's command. 48 bytes, no pointers. */
typedef struct paxos_value {
  uint32_t type; /* paxos_value_type */
  uint32_t client;
  uint64_t seq;
  int32_t kind; /* fl_op_kind */
  int32_t pad;
  int64_t key, value, expected;
} paxos_value;

/* One slot of the log, in memory. The acceptor's part is durable (paxos_slot_rec); the rest is
 * volatile: what this node learned, and, at a leader, its proposal and who accepted it. */
typedef struct paxos_slot {
  uint64_t acc_ballot; /* 0: nothing accepted */
  paxos_value acc;
  uint32_t chosen;   /* val is the chosen value */
  uint32_t proposed; /* leader: val is this leadership's proposal */
  paxos_value val;
  uint64_t acks; /* leader: acceptors (bit per node) that accepted the proposal */
  uint64_t best_ballot; /* candidate: the highest ballot accepted here that phase 1 reported */
  int64_t sent_at;      /* leader: local time the proposal was last sent */
} paxos_slot;

/* What the invariant checker reads of one event (cleared when a hook starts). */
typedef enum paxos_note_kind { PAXOS_NOTE_PROPOSE = 1, PAXOS_NOTE_ACCEPT } paxos_note_kind;
typedef struct paxos_note {
  uint32_t kind, pad;
  uint64_t slot, ballot, promise_before;
  paxos_value v;
} paxos_note;

typedef struct paxos_config {
  int64_t election_lo_ns, election_hi_ns, heartbeat_ns, backoff_lo_ns, backoff_hi_ns;
  bool backoff;
  int64_t max_batch, snapshot_every;
  int64_t lease_ns;
  double drift_bound;
  paxos_bug bug;
} paxos_config;

typedef struct paxos_state {
  int id, n;
  paxos_config cfg;

  /* Acceptor, durable: the promise, and the accepted (ballot, value) of every slot. */
  uint64_t promise;
  uint64_t reserved; /* slots up to here may have a durable record (restart scans them) */
  /* The meta record (promise, reserved) and the latest snapshot, each in two alternating slots
   * (common/durable_slots.h), so that a write torn by a crash keeps the version before it. */
  fl_durable_slots meta;
  fl_durable_slots snap;

  /* The log from base + 1: slots->data[i] is slot base + 1 + i. Slots up to base are in the
   * snapshot. */
  GArray *slots;
  uint64_t base;
  uint64_t commit;  /* every slot up to commit is chosen and known here */
  uint64_t applied; /* == commit after every hook */
  fl_kv_machine kv;
  fl_client_sessions sessions;

  paxos_role role;
  int leader;             /* the leader this node believes in, or PAXOS_NOBODY */
  uint64_t ballot;        /* candidate or leader: its ballot */
  uint64_t max_round;     /* the highest round seen in any ballot */
  fl_timer_id timer[PAXOS_TIMER_KINDS];
  int64_t election_deadline, election_timer_at;
  int64_t last_catchup; /* local time of the last catch-up request */
  bool has_catchup;
  int64_t lease_until; /* acceptor: refuse other proposers' Prepares until then (local) */
  bool has_lease;

  /* Candidate: promises collected in phase 1. */
  uint64_t promised_by; /* bit per node */
  uint64_t p1_base;     /* the highest snapshot index among them */
  int p1_base_node;
  /* A new leader below whose phase-1 quorum some acceptor compacted: slots up to gap_until are
   * chosen, and it learns them from gap_node. */
  uint64_t gap_until;
  int gap_node;

  /* Leader. */
  uint64_t next_slot;  /* the next free slot */
  uint64_t lead_start; /* slots up to here were settled by phase 1 (for lease reads) */
  int64_t last_accept_sent; /* local time of the last Accept broadcast */
  int64_t *echo;            /* per peer: the latest Accept send time it answered */
  fl_waiters waiters;

  GArray *notes; /* paxos_note of the current event */
} paxos_state;

/* ---- Messages. Every message starts with its type. */

typedef enum paxos_msg_type {
  PAXOS_MSG_PREPARE = 1,
  PAXOS_MSG_PROMISE,  /* followed by n paxos_promise_entry */
  PAXOS_MSG_NACK,
  PAXOS_MSG_ACCEPT,   /* followed by n paxos_value, slots first .. first + n - 1 */
  PAXOS_MSG_ACCEPTED,
  PAXOS_MSG_CATCHUP,
  PAXOS_MSG_DECIDED,  /* followed by n paxos_value, chosen, slots first .. */
  PAXOS_MSG_SNAPSHOT  /* followed by a snapshot blob */
} paxos_msg_type;

typedef struct paxos_msg_prepare {
  uint32_t type, pad;
  uint64_t ballot;
  uint64_t from; /* the first slot the proposer does not know chosen */
} paxos_msg_prepare;

typedef struct paxos_promise_entry {
  uint64_t slot, ballot;
  uint32_t chosen, pad;
  paxos_value v;
} paxos_promise_entry;

typedef struct paxos_msg_promise {
  uint32_t type, n;
  uint64_t ballot;
  uint64_t base; /* the acceptor's snapshot index: slots up to it are chosen */
} paxos_msg_promise;

typedef struct paxos_msg_nack {
  uint32_t type, pad;
  uint64_t ballot;  /* the refused ballot */
  uint64_t promise; /* the acceptor's promise */
} paxos_msg_nack;

typedef struct paxos_msg_accept {
  uint32_t type, n;
  uint64_t ballot;
  uint64_t first;
  uint64_t commit; /* every slot up to it is chosen */
  int64_t sent;    /* the leader's local send time, echoed (leases) */
} paxos_msg_accept;

typedef struct paxos_msg_accepted {
  uint32_t type, n;
  uint64_t ballot;
  uint64_t first;
  int64_t sent;
} paxos_msg_accepted;

typedef struct paxos_msg_catchup {
  uint32_t type, pad;
  uint64_t from;
} paxos_msg_catchup;

typedef struct paxos_msg_decided {
  uint32_t type, n;
  uint64_t first;
} paxos_msg_decided;

typedef struct paxos_msg_snapshot {
  uint32_t type, pad;
  /* followed by a snapshot blob (paxos_snapshot_header ...) */
} paxos_msg_snapshot;

/* A snapshot: the state machine after applying slot `index`. Paxos's prefix of the common
 * blob (common/rsm_snapshot.h), which follows it with the counts, the (key, value) pairs and
 * the sessions. */
typedef struct paxos_snapshot_header {
  uint64_t index;
} paxos_snapshot_header;

/* ---- Durable keys: the meta record and the snapshot below the slots, each in two alternating
 * slots (common/durable_slots.h). Overwritten in place, a meta record torn by a crash ([nodes]
 * torn_writes) sent the acceptor back to promise 0, to accept ballots below one it had promised;
 * a torn snapshot took the previous one with it while the slots it covered were erased. */
enum { PAXOS_KEY_META = 0, PAXOS_KEY_SNAPSHOT = 1, PAXOS_KEY_META_ALT = 2, PAXOS_KEY_SNAPSHOT_ALT = 3 };
#define PAXOS_KEY_SLOT(slot) (((uint64_t)1 << 32) + (slot))
/* The meta record reserves this many slots ahead, so that it is rewritten once per that many
 * accepts rather than on every one. */
#define PAXOS_RESERVE 1024

/* The meta record's payload: a framed record (durable_slots) adds a seq before it and a CRC-32C
 * after it, 28 bytes in all. */
typedef struct paxos_meta {
  uint64_t promise;
  uint64_t reserved;
} paxos_meta;

typedef struct paxos_slot_rec {
  uint64_t ballot;
  paxos_value v;
} paxos_slot_rec;

/* ---- paxos.c: lifecycle, timers. */
void fl__paxos_persist_meta(paxos_state *s, fl_node_ctx *ctx);
void fl__paxos_timer_set(paxos_state *s, fl_node_ctx *ctx, int kind, int64_t delay_ns);
void fl__paxos_timer_stop(paxos_state *s, fl_node_ctx *ctx, int kind);
/* Restarts the election timer with a fresh random delay from [lo, hi]. */
void fl__paxos_reset_election_timer(paxos_state *s, fl_node_ctx *ctx, int64_t lo, int64_t hi);
static inline uint64_t paxos_last_slot(const paxos_state *s) { return s->base + s->slots->len; }
/* The slot's record (base < slot), growing the log to it. */
paxos_slot *fl__paxos_slot(paxos_state *s, uint64_t slot);
/* The slot's record if it is in the log (base < slot <= last), else NULL. */
const paxos_slot *fl__paxos_slot_get(const paxos_state *s, uint64_t slot);
void fl__paxos_note(paxos_state *s, uint32_t kind, uint64_t slot, uint64_t ballot,
                    const paxos_value *v);
const char *fl__paxos_role_name(paxos_role r);

/* ---- acceptor.c */
void fl__paxos_on_prepare(paxos_state *s, fl_node_ctx *ctx, int from, const paxos_msg_prepare *m);
void fl__paxos_on_accept(paxos_state *s, fl_node_ctx *ctx, int from, const void *msg, size_t len);
/* Accepts (ballot, v) at slot: persisted before anything is sent. */
void fl__paxos_accept_slot(paxos_state *s, fl_node_ctx *ctx, uint64_t slot, uint64_t ballot,
                           const paxos_value *v);
/* Raises the promise to ballot (persisted unless the bug says not). */
void fl__paxos_raise_promise(paxos_state *s, fl_node_ctx *ctx, uint64_t ballot, bool from_prepare);

/* ---- proposer.c */
void fl__paxos_on_election_timeout(paxos_state *s, fl_node_ctx *ctx);
void fl__paxos_on_promise(paxos_state *s, fl_node_ctx *ctx, int from, const void *msg, size_t len);
void fl__paxos_on_nack(paxos_state *s, fl_node_ctx *ctx, int from, const paxos_msg_nack *m);
void fl__paxos_on_accepted(paxos_state *s, fl_node_ctx *ctx, int from, const paxos_msg_accepted *m);
void fl__paxos_heartbeat(paxos_state *s, fl_node_ctx *ctx);
/* The leader proposes v at its next free slot (accepting it itself) and sends it. Returns the
 * slot. */
uint64_t fl__paxos_propose(paxos_state *s, fl_node_ctx *ctx, const paxos_value *v);
/* A ballot above ours was seen while proposing: give way (and, without backoff, stand again
 * at once). */
void fl__paxos_preempted(paxos_state *s, fl_node_ctx *ctx, uint64_t ballot);
/* Follow the leader of ballot (heard from it). */
void fl__paxos_follow(paxos_state *s, fl_node_ctx *ctx, uint64_t ballot);
bool fl__paxos_lease_held(const paxos_state *s, fl_node_ctx *ctx);

/* ---- learner.c */
void fl__paxos_on_client_request(paxos_state *s, fl_node_ctx *ctx, const fl_op *op);
/* Slot is chosen with v: record it and apply what became contiguous. */
void fl__paxos_learn(paxos_state *s, fl_node_ctx *ctx, uint64_t slot, const paxos_value *v);
/* Applies chosen slots from applied + 1 while contiguous, answering waiters. */
void fl__paxos_advance(paxos_state *s, fl_node_ctx *ctx);
/* The leader knows more is chosen than we do: ask it (at most once a heartbeat). */
void fl__paxos_maybe_catch_up(paxos_state *s, fl_node_ctx *ctx, int leader, uint64_t leader_commit);
void fl__paxos_on_catchup(paxos_state *s, fl_node_ctx *ctx, int from, const paxos_msg_catchup *m);
void fl__paxos_on_decided(paxos_state *s, fl_node_ctx *ctx, int from, const void *msg, size_t len);
void fl__paxos_on_snapshot(paxos_state *s, fl_node_ctx *ctx, int from, const void *msg, size_t len);
void fl__paxos_maybe_compact(paxos_state *s, fl_node_ctx *ctx);
void fl__paxos_drop_waiters(paxos_state *s, fl_node_ctx *ctx);
GByteArray *fl__paxos_snapshot_take(const paxos_state *s);
/* Replaces the state machine with a snapshot blob; false, changing nothing, if malformed. */
bool fl__paxos_snapshot_restore(paxos_state *s, const void *blob, size_t len,
                                paxos_snapshot_header *h);
/* Persists a snapshot blob in the slot that does not hold the latest one. */
void fl__paxos_persist_snapshot(paxos_state *s, fl_node_ctx *ctx, const void *blob, size_t len);

/* ---- invariants.c */
void *fl__paxos_invariant_new(const fl_options *o, int n);
bool fl__paxos_check_invariants(void *ghost, const fl_cluster_view *v, GString *why);
void fl__paxos_invariant_free(void *ghost);
void fl__paxos_describe_value(GString *out, const paxos_value *v);

#endif
