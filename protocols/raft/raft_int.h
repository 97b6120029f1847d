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
#include "common/checksum.h"
#include "common/client_sessions.h"
#include "common/durable_log.h"
#include "common/kv_machine.h"
#include "common/quorum.h"
#include "common/rsm_snapshot.h"
#include "common/durable_slots.h"
#include "common/waiters.h"

#define RAFT_NOBODY (-1)

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

/* The log (common/durable_log.h) of raft_entry. Entries at or below `base` were compacted
 * into the snapshot; entries->data[i] is index base + 1 + i. Its gen and changed_from let the
 * invariant checker re-examine only what changed in an event. */
typedef fl_durable_log raft_log;

/* A client's session (common/client_sessions.h): the last operation applied for it, and its
 * answer, so that a retry of the same (client, seq) is answered, not applied again. */
typedef fl_client_session raft_session;

typedef struct raft_config {
  int64_t election_lo_ns, election_hi_ns, heartbeat_ns;
  bool prevote, check_quorum, read_index;
  bool checksum; /* every message framed with a CRC-32C (common/checksum.h) */
  int64_t max_batch, snapshot_every;
  raft_bug bug;
} raft_config;

typedef struct raft_state {
  int id, n;
  raft_config cfg;

  /* Persistent (written to durable storage before any message that depends on them). */
  uint64_t term;
  int voted_for;
  /* currentTerm and votedFor (RAFT_META_PAYLOAD bytes) and the latest snapshot, each in two
   * alternating slots (common/durable_slots.h), so that a torn write keeps the version before
   * it: meta.seq is the seq of the last meta record; snap's latest key holds the latest
   * snapshot (none before the first), and a torn one leaves the one before it (and the log
   * after it, whose compaction a crash then undoes). */
  fl_durable_slots meta;
  raft_log log;
  fl_durable_slots snap;

  /* Volatile. */
  raft_role role;
  int leader; /* the leader of `term` as far as this node knows, or RAFT_NOBODY */
  uint64_t commit, applied;
  fl_kv_machine kv;
  fl_client_sessions sessions;
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
  /* Operations waiting at the leader: for their log entry to apply (in index order), or for
   * ReadIndex (in arrival order; round: the heartbeat round a quorum must acknowledge). */
  fl_waiters waiters;
  fl_waiters reads;
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

/* A snapshot: the state machine after applying `index`, whose entry has `term`. Raft's prefix
 * of the common blob (common/rsm_snapshot.h), which follows it with the counts, the (key,
 * value) pairs and the sessions. */
typedef struct raft_snapshot_header {
  uint64_t index, term;
} raft_snapshot_header;

/* ---- Durable keys. The meta records and the snapshot sit below the log so that truncating
 * the log (erase from an index up) leaves them alone. */
enum { RAFT_KEY_META = 0, RAFT_KEY_SNAPSHOT = 1, RAFT_KEY_META_ALT = 2, RAFT_KEY_SNAPSHOT_ALT = 3 };
#define RAFT_KEY_LOG_BASE ((uint64_t)1 << 32)
#define RAFT_KEY_LOG(index) (RAFT_KEY_LOG_BASE + (index))

/* currentTerm and votedFor, in two slots written in turn (common/durable_slots.h's framed
 * records: odd seq at RAFT_KEY_META, even at RAFT_KEY_META_ALT), so that a write torn by a crash
 * ([nodes] torn_writes) never takes the previous version with it: a restart takes the whole
 * slot of the higher seq. Overwriting one record in place would lose both versions to one torn
 * write, and a node back at term 0 with no vote could vote twice in a term. The stored bytes
 * are {seq: 8, term: 8, voted_for: 4, crc: 4} (24 bytes); the payload here is the middle 12. */
#define RAFT_META_PAYLOAD 12

/* ---- raft.c: lifecycle, persistence, the log's terms (the log itself: common/durable_log.h). */
static inline uint64_t raft_last_index(const raft_log *l) { return fl_durable_log_last(l); }
/* Term of the entry at index, or 0 when index is past the end or compacted below base. */
uint64_t fl__raft_term_at(const raft_log *l, uint64_t index);
/* The entry at index (base < index <= last), borrowed. */
const raft_entry *fl__raft_entry_at(const raft_log *l, uint64_t index);
uint64_t fl__raft_last_term(const raft_log *l);
void fl__raft_persist_meta(raft_state *s, fl_node_ctx *ctx);
/* Persists a snapshot blob in the slot that does not hold the latest one. */
void fl__raft_persist_snapshot(raft_state *s, fl_node_ctx *ctx, const void *blob, size_t len);
/* Sets the timer of `kind`, replacing the pending one; stops it. */
void fl__raft_timer_set(raft_state *s, fl_node_ctx *ctx, int kind, int64_t delay_ns);
void fl__raft_timer_stop(raft_state *s, fl_node_ctx *ctx, int kind);
/* Restarts the election timer with a fresh random timeout. */
void fl__raft_reset_election_timer(raft_state *s, fl_node_ctx *ctx);
/* A new leader's heartbeat (and CheckQuorum) timers. */
void fl__raft_arm_leader_timers(raft_state *s, fl_node_ctx *ctx);
/* fl_node_send / fl_node_broadcast, framed with a checksum when the option asks for one. */
void fl__raft_send(const raft_state *s, fl_node_ctx *ctx, int to, const void *msg, size_t len);
void fl__raft_broadcast(const raft_state *s, fl_node_ctx *ctx, const void *msg, size_t len);
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

/* ---- kv.c: client requests, applying entries through the sessions to the state machine
 * (common/), ReadIndex, snapshots. */
void fl__raft_on_client_request(raft_state *s, fl_node_ctx *ctx, const fl_op *op);
/* Applies committed entries up to commit and answers the waiters they satisfy. */
void fl__raft_apply(raft_state *s, fl_node_ctx *ctx);
/* ReadIndex: answers reads whose round a quorum has acknowledged and whose index is applied. */
void fl__raft_serve_reads(raft_state *s, fl_node_ctx *ctx);
/* Leadership lost: every waiting client is redirected (its retry is applied at most once). */
void fl__raft_drop_waiters(raft_state *s, fl_node_ctx *ctx);
/* Serialises the state machine after `applied` into a newly allocated blob. */
GByteArray *fl__raft_snapshot_take(const raft_state *s);
/* Replaces the state machine and sessions with a snapshot blob, moves commit and applied to
 * its index and copies its header to *h (the log, its base included, is the caller's); false,
 * changing nothing, if it is malformed. */
bool fl__raft_snapshot_restore(raft_state *s, const void *blob, size_t len,
                               raft_snapshot_header *h);

/* ---- invariants.c */
void *fl__raft_invariant_new(const fl_options *o, int n);
bool fl__raft_check_invariants(void *ghost, const fl_cluster_view *v, GString *why);
void fl__raft_invariant_free(void *ghost);

#endif
