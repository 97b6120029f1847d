/* raft_int.h: the state, messages and cross-file functions of the Raft actor. Private to
 * protocols/raft/; the invariant checker reads the state through it too.
 *
 * Every struct that travels in a message or goes to durable storage is plain fixed-size data
 * with explicit padding, zeroed before it is filled, so its bytes are deterministic.
 */
#ifndef FL_RAFT_INT_H
#define FL_RAFT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "actor.h"

#define RAFT_NOBODY (-1)
/* Sessions are an array indexed by client: a client id at or above this (scenarios allow
 * 100,000 clients) is refused rather than allowed to size it. */
#define RAFT_MAX_CLIENTS (1u << 20)

/* Timer kinds. At most one timer of each kind is pending; its tag is its kind. (A cancelled
 * timer never fires, even one that came due while the node was paused: the core sees to it.) */
enum { RAFT_TIMER_ELECTION = 1, RAFT_TIMER_HEARTBEAT, RAFT_TIMER_QUORUM, RAFT_TIMER_COMPACT,
       RAFT_TIMER_KINDS };

typedef enum raft_role {
  RAFT_FOLLOWER,
  RAFT_PRECANDIDATE, /* PreVote: asking whether an election could win, term unchanged */
  RAFT_CANDIDATE,
  RAFT_LEADER
} raft_role;

/* The bugs a scenario can reinject (raft.bug), to show that the checkers catch them. */
typedef enum raft_bug {
  RAFT_BUG_NONE,
  RAFT_BUG_COMMIT_PREVIOUS_TERM, /* Figure 8: commit by counting replicas of an old entry */
  RAFT_BUG_VOTE_TWICE,           /* grant every up-to-date candidate, ignoring votedFor */
  RAFT_BUG_STALE_READ            /* a leader answers reads from its own state, unconfirmed */
} raft_bug;

typedef enum raft_entry_type { RAFT_ENTRY_NOOP = 1, RAFT_ENTRY_OP = 2 } raft_entry_type;

/* One log entry: 56 bytes, no pointers. */
typedef struct raft_entry {
  uint64_t term;
  uint32_t type; /* raft_entry_type */
  uint32_t client;
  uint64_t seq;
  int32_t kind; /* fl_op_kind */
  int32_t pad;
  int64_t key, value, expected;
} raft_entry;

/* The log. Entries at or below `base` were compacted into the snapshot; entries->data[i] is
 * index base + 1 + i. */
typedef struct raft_log {
  GArray *entries; /* of raft_entry */
  uint64_t base, base_term;
  /* For the invariant checker: bumped on every truncation or replacement, with the first
   * index that changed, so it re-examines only what changed in an event. */
  uint64_t gen, changed_from;
} raft_log;

/* A client's session: the last operation applied for it, and its answer, so that a retry of
 * the same (client, seq) is answered, not applied again. */
typedef struct raft_session {
  uint64_t seq;
  uint32_t status; /* fl_reply_status */
  uint32_t has_value;
  int64_t value;
} raft_session;

/* An operation waiting at the leader: for its log entry to apply, or (ReadIndex) for a
 * quorum to acknowledge a round and for the apply index to reach the read index. */
typedef struct raft_waiter {
  fl_op op;
  uint64_t index;      /* log index (through the log) or read index (ReadIndex) */
  uint64_t round;      /* ReadIndex: the heartbeat round that must be acknowledged */
} raft_waiter;

typedef struct raft_config {
  int64_t election_lo_ns, election_hi_ns, heartbeat_ns;
  bool prevote, check_quorum, read_index;
  int64_t max_batch, snapshot_every;
  raft_bug bug;
} raft_config;

typedef struct raft_state {
  int id, n;
  raft_config cfg;

  /* Persistent (written to durable storage before any message that depends on them). */
  uint64_t term;
  int voted_for;
  raft_log log;

  /* Volatile. */
  raft_role role;
  int leader; /* the leader of `term` as far as this node knows, or RAFT_NOBODY */
  uint64_t commit, applied;
  GTree *kv;       /* int64 key -> int64 value (both in pointers) */
  GArray *sessions; /* raft_session, indexed by client */
  fl_timer_id timer[RAFT_TIMER_KINDS];    /* the pending timer of each kind, or 0 */
  int64_t election_deadline; /* local time at which the election timeout expires */
  int64_t election_timer_at; /* local time the pending election timer fires */
  /* Local time the leader was last heard from, valid only when has_heard_leader: a local
   * clock may be negative (a negative skew), so no time value can stand for "never". */
  int64_t heard_leader_at;
  bool has_heard_leader;
  bool *votes;             /* this election's grants, per node */

  /* Leader only. */
  uint64_t *next, *match;
  int64_t *sent_at;       /* per peer: local time of the last AppendEntries sent to it */
  uint64_t term_start;    /* the index of this term's no-op */
  uint64_t round;         /* AppendEntries broadcasts sent this term (for ReadIndex) */
  uint64_t *acked_round;  /* per peer: the latest round it answered */
  bool *heard;            /* CheckQuorum: peers heard from since the last check */
  GArray *waiters;        /* raft_waiter for entries in the log, in index order */
  GArray *reads;          /* raft_waiter for ReadIndex reads, in arrival order */
} raft_state;

/* ---- Messages. Every message starts with its type and the sender's term. */

typedef enum raft_msg_type {
  RAFT_MSG_VOTE = 1,      /* RequestVote, or PreVote when prevote is set */
  RAFT_MSG_VOTE_REPLY,
  RAFT_MSG_APPEND,        /* AppendEntries, followed by n raft_entry */
  RAFT_MSG_APPEND_REPLY,
  RAFT_MSG_SNAPSHOT,      /* InstallSnapshot, followed by the snapshot blob */
  RAFT_MSG_SNAPSHOT_REPLY
} raft_msg_type;

typedef struct raft_msg_vote {
  uint32_t type, prevote;
  uint64_t term; /* the candidate's term (PreVote: the term it would stand in) */
  uint64_t last_index, last_term;
} raft_msg_vote;

typedef struct raft_msg_vote_reply {
  uint32_t type, prevote;
  uint64_t term;
  uint32_t granted, pad;
} raft_msg_vote_reply;

typedef struct raft_msg_append {
  uint32_t type, n;
  uint64_t term;
  uint64_t prev_index, prev_term, commit, round;
  raft_entry entries[];
} raft_msg_append;

typedef struct raft_msg_append_reply {
  uint32_t type, success;
  uint64_t term;
  uint64_t match;          /* success: the last index known to match the leader's */
  uint64_t conflict_index; /* failure: where the leader should retry */
  uint64_t conflict_term;  /* failure: the follower's term at prev_index, or 0 */
  uint64_t round;
} raft_msg_append_reply;

typedef struct raft_msg_snapshot {
  uint32_t type, pad;
  uint64_t term, round;
  /* followed by a snapshot blob (raft_snapshot_header ...) */
} raft_msg_snapshot;

/* A snapshot: the state machine after applying `index`. Followed by n_kv pairs of int64 (key,
 * value) in key order and n_sessions raft_session. */
typedef struct raft_snapshot_header {
  uint64_t index, term;
  uint32_t n_kv, n_sessions;
} raft_snapshot_header;

/* ---- Durable keys. The meta record and the snapshot sit below the log so that truncating
 * the log (erase from an index up) leaves them alone. */
enum { RAFT_KEY_META = 0, RAFT_KEY_SNAPSHOT = 1 };
#define RAFT_KEY_LOG(index) (((uint64_t)1 << 32) + (index))

typedef struct raft_meta {
  uint64_t term;
  int32_t voted_for, pad;
} raft_meta;

/* ---- raft.c: lifecycle, persistence, the log. */
static inline uint64_t raft_last_index(const raft_log *l) { return l->base + l->entries->len; }
/* Term of the entry at index, or 0 when index is past the end or compacted below base. */
uint64_t fl__raft_term_at(const raft_log *l, uint64_t index);
/* The entry at index (base < index <= last), borrowed. */
const raft_entry *fl__raft_entry_at(const raft_log *l, uint64_t index);
uint64_t fl__raft_last_term(const raft_log *l);
void fl__raft_persist_meta(raft_state *s, fl_node_ctx *ctx);
void fl__raft_append(raft_state *s, fl_node_ctx *ctx, const raft_entry *e);
void fl__raft_truncate(raft_state *s, fl_node_ctx *ctx, uint64_t from);
/* Sets the timer of `kind`, replacing the pending one; stops it. */
void fl__raft_timer_set(raft_state *s, fl_node_ctx *ctx, int kind, int64_t delay_ns);
void fl__raft_timer_stop(raft_state *s, fl_node_ctx *ctx, int kind);
/* Restarts the election timer with a fresh random timeout. */
void fl__raft_reset_election_timer(raft_state *s, fl_node_ctx *ctx);
/* A new leader's heartbeat (and CheckQuorum) timers. */
void fl__raft_arm_leader_timers(raft_state *s, fl_node_ctx *ctx);
const char *fl__raft_role_name(raft_role r);

/* ---- election.c */
void fl__raft_on_election_timeout(raft_state *s, fl_node_ctx *ctx);
void fl__raft_on_vote(raft_state *s, fl_node_ctx *ctx, int from, const raft_msg_vote *m);
void fl__raft_on_vote_reply(raft_state *s, fl_node_ctx *ctx, int from,
                            const raft_msg_vote_reply *m);
/* Adopts a newer term: persists it with no vote and becomes a follower. */
void fl__raft_step_down(raft_state *s, fl_node_ctx *ctx, uint64_t term);
void fl__raft_check_quorum(raft_state *s, fl_node_ctx *ctx);

/* ---- replication.c */
void fl__raft_become_leader(raft_state *s, fl_node_ctx *ctx);
/* Sends AppendEntries (or InstallSnapshot) to every peer, starting a new round. */
void fl__raft_broadcast_append(raft_state *s, fl_node_ctx *ctx);
/* The heartbeat: AppendEntries to the peers sent nothing for a heartbeat period (the others
 * heard from the leader recently enough). */
void fl__raft_heartbeat(raft_state *s, fl_node_ctx *ctx);
void fl__raft_on_append(raft_state *s, fl_node_ctx *ctx, int from, const raft_msg_append *m,
                        size_t len);
void fl__raft_on_append_reply(raft_state *s, fl_node_ctx *ctx, int from,
                              const raft_msg_append_reply *m);
void fl__raft_on_snapshot(raft_state *s, fl_node_ctx *ctx, int from, const raft_msg_snapshot *m,
                          size_t len);
/* Compacts the applied prefix of the log into a snapshot when it has grown past
 * snapshot_every entries. */
void fl__raft_maybe_compact(raft_state *s, fl_node_ctx *ctx);

/* ---- kv.c: the state machine, client sessions, client requests. */
void fl__raft_on_client_request(raft_state *s, fl_node_ctx *ctx, const fl_op *op);
/* Applies committed entries up to commit and answers the waiters they satisfy. */
void fl__raft_apply(raft_state *s, fl_node_ctx *ctx);
/* ReadIndex: answers reads whose round a quorum has acknowledged and whose index is applied. */
void fl__raft_serve_reads(raft_state *s, fl_node_ctx *ctx);
/* Leadership lost: every waiting client is redirected (its retry is applied at most once). */
void fl__raft_drop_waiters(raft_state *s, fl_node_ctx *ctx);
/* Serialises the state machine after `applied` into a newly allocated blob. */
GByteArray *fl__raft_snapshot_take(const raft_state *s);
/* Replaces the state machine with a snapshot blob and moves base, commit and applied to its
 * index (the log itself is the caller's); false, changing nothing, if it is malformed. */
bool fl__raft_snapshot_restore(raft_state *s, const void *blob, size_t len);

/* ---- invariants.c */
void *fl__raft_invariant_new(const fl_options *o, int n);
bool fl__raft_check_invariants(void *ghost, const fl_cluster_view *v, GString *why);
void fl__raft_invariant_free(void *ghost);

#endif
