/* zab_int.h: the state, messages and cross-file functions of the ZAB actor. Private to
 * protocols/zab/; the invariant checker reads the state through it too.
 *
 * Every struct that travels in a message or goes to durable storage is plain fixed-size data
 * with explicit padding, zeroed before it is filled, so its bytes are deterministic.
 */
#ifndef FL_ZAB_INT_H
#define FL_ZAB_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "actor.h"
#include "common/client_sessions.h"
#include "common/durable_log.h"
#include "common/kv_machine.h"
#include "common/quorum.h"
#include "common/rsm_snapshot.h"
#include "common/waiters.h"

/* A zxid is (epoch, counter) in one number: epoch << 32 | counter, so that comparing zxids
 * compares epochs first. A new epoch's counter starts again at 1. */
#define ZAB_ZXID(epoch, counter) (((uint64_t)(epoch) << 32) | (uint64_t)(counter))
#define ZAB_EPOCH(z) ((z) >> 32)
#define ZAB_COUNTER(z) ((z) & 0xffffffffu)
#define ZAB_NOBODY (-1)

enum { ZAB_TIMER_TICK = 1, ZAB_TIMER_FINALIZE, ZAB_TIMER_KINDS };

typedef enum zab_role { ZAB_LOOKING, ZAB_FOLLOWING, ZAB_LEADING } zab_role;
/* Where a follower or a leader is within its epoch: the three phases after the election. */
typedef enum zab_phase { ZAB_DISCOVERY, ZAB_SYNC, ZAB_BROADCAST } zab_phase;

/* The bugs a scenario can reinject (zab.bug), to show that the checkers catch them. */
typedef enum zab_bug {
  ZAB_BUG_NONE,
  ZAB_BUG_KEEP_UNCOMMITTED,     /* a follower keeps old-epoch proposals a TRUNC drops */
  ZAB_BUG_BROADCAST_BEFORE_SYNC, /* a leader is established as soon as it picks its epoch */
  ZAB_BUG_ZXID_NO_EPOCH         /* election compares zxid counters, not epochs */
} zab_bug;

/* One transaction of the history: a client's command under its zxid. 48 bytes, no pointers. */
typedef struct zab_txn {
  uint64_t zxid;
  uint32_t client;
  int32_t kind; /* fl_op_kind */
  uint64_t seq;
  int64_t key, value, expected;
} zab_txn;

/* A vote of Fast Leader Election: the server it proposes and that server's (epoch, last
 * zxid), compared in that order, then by id. */
typedef struct zab_vote {
  int32_t leader;
  uint32_t pad;
  uint64_t zxid;
  uint64_t epoch; /* the proposed server's current epoch */
} zab_vote;

/* What the invariant checker reads of one event (cleared when a hook starts). */
typedef enum zab_note_kind { ZAB_NOTE_ESTABLISHED = 1 } zab_note_kind;
typedef struct zab_note {
  uint32_t kind, pad;
  uint64_t epoch;
} zab_note;

typedef struct zab_config {
  int64_t tick_ns, sync_limit_ns, init_limit_ns, finalize_ns, notify_ns;
  int64_t max_batch, snap_threshold;
  bool sync_reads;
  zab_bug bug;
} zab_config;

/* A leader's view of one peer. */
typedef enum zab_peer_phase {
  ZAB_PEER_NONE,
  ZAB_PEER_INFO,       /* sent FOLLOWERINFO */
  ZAB_PEER_EPOCH_SENT, /* sent NEWEPOCH */
  ZAB_PEER_SYNC_SENT,  /* sent its DIFF / TRUNC / SNAP with NEWLEADER */
  ZAB_PEER_SYNCED      /* acknowledged NEWLEADER: in the broadcast */
} zab_peer_phase;

typedef struct zab_peer {
  uint32_t phase; /* zab_peer_phase */
  uint32_t pad;
  uint64_t accepted_epoch; /* from its FOLLOWERINFO */
  uint64_t acked;          /* the last history position it acknowledged */
  uint64_t sent;           /* the last history position sent to it */
  int64_t heard;           /* local time of its last message */
  int64_t sent_at;         /* local time of the last message it must answer */
} zab_peer;

typedef struct zab_state {
  int id, n;
  zab_config cfg;

  /* Durable: the epochs (meta record) and the history. */
  uint64_t accepted_epoch; /* the last NEWEPOCH acknowledged (ZooKeeper's acceptedEpoch) */
  uint64_t current_epoch;  /* the last NEWLEADER acknowledged (currentEpoch) */
  fl_durable_log hist;     /* zab_txn entries; base_term is the zxid at base */

  uint64_t commit;  /* every position up to it is committed and known here */
  uint64_t applied; /* delivered to the state machine: == commit after every hook */
  fl_kv_machine kv;
  fl_client_sessions sessions;

  zab_role role;
  zab_phase phase;
  int leader;          /* following: the leader; leading: itself; else ZAB_NOBODY */
  fl_timer_id timer[ZAB_TIMER_KINDS];
  int64_t phase_start; /* local time the role or phase began */
  int64_t heard;       /* follower: local time it last heard its leader */

  /* Fast Leader Election. */
  uint64_t round; /* the logical clock (electionEpoch) */
  zab_vote vote;
  zab_vote *recv;      /* per node: its vote in this round (leader -1: none) */
  zab_vote *ooe;       /* per node: its vote as a follower or leader (out of election) */
  uint32_t *ooe_state; /* per node: the zab_role it announced with ooe, or UINT32_MAX */
  int64_t last_notify;

  /* Leader. */
  uint64_t epoch;   /* the epoch it leads (0 while not chosen) */
  bool established; /* a quorum synced: broadcasting */
  uint32_t counter; /* the last zxid counter it used in epoch */
  zab_peer *peers;
  fl_waiters waiters;

  GArray *notes; /* zab_note of the current event */
} zab_state;

/* ---- Messages. Every message starts with its type. */

typedef enum zab_msg_type {
  ZAB_MSG_NOTIFY = 1,
  ZAB_MSG_FOLLOWERINFO,
  ZAB_MSG_NEWEPOCH,
  ZAB_MSG_ACKEPOCH,
  ZAB_MSG_SYNC, /* followed by snap_len bytes of snapshot, then n zab_txn */
  ZAB_MSG_ACKNEWLEADER,
  ZAB_MSG_PROPOSE, /* followed by n zab_txn at positions first .. first + n - 1 */
  ZAB_MSG_ACK
} zab_msg_type;

typedef struct zab_msg_notify {
  uint32_t type;
  uint32_t state; /* the sender's zab_role */
  uint64_t round;
  zab_vote vote;
} zab_msg_notify;

typedef struct zab_msg_followerinfo {
  uint32_t type, pad;
  uint64_t accepted_epoch;
} zab_msg_followerinfo;

typedef struct zab_msg_newepoch {
  uint32_t type, pad;
  uint64_t epoch;
} zab_msg_newepoch;

typedef struct zab_msg_ackepoch {
  uint32_t type, pad;
  uint64_t epoch;
  uint64_t current_epoch, last_zxid, last_pos;
} zab_msg_ackepoch;

typedef enum zab_sync_mode { ZAB_SYNC_DIFF = 1, ZAB_SYNC_TRUNC, ZAB_SYNC_SNAP } zab_sync_mode;

/* DIFF: the follower's history ends at trunc_pos (whose zxid is trunc_zxid), and the entries
 * from trunc_pos + 1 follow. TRUNC: the same after the follower drops what it holds after
 * trunc_pos. SNAP: the follower replaces its state by the snapshot (up to trunc_pos, zxid
 * trunc_zxid) and its history by the entries after it. NEWLEADER rides along: the follower
 * acknowledges it once the history is in place. */
typedef struct zab_msg_sync {
  uint32_t type, mode;
  uint64_t epoch;
  uint64_t trunc_pos, trunc_zxid;
  uint64_t commit;
  uint32_t n, snap_len;
} zab_msg_sync;

typedef struct zab_msg_ack {
  uint32_t type, pad;
  uint64_t epoch;
  uint64_t last_pos;
} zab_msg_ack; /* ACKNEWLEADER and ACK */

typedef struct zab_msg_propose {
  uint32_t type, n;
  uint64_t epoch;
  uint64_t first;
  uint64_t commit; /* every position up to it is committed (the COMMIT, piggybacked) */
  uint32_t ping;   /* 1: the leader's tick, which the follower answers even when n is 0 (an
                      empty message without it is a COMMIT alone, which it does not) */
  uint32_t pad;
} zab_msg_propose;

/* A snapshot: the state machine after delivering position `index` (zxid). ZAB's prefix of the
 * common blob (common/rsm_snapshot.h). */
typedef struct zab_snapshot_header {
  uint64_t index;
  uint64_t zxid;
} zab_snapshot_header;

/* ---- Durable keys: the meta record and the snapshot below the history. */
enum { ZAB_KEY_META = 0, ZAB_KEY_SNAPSHOT = 1 };
#define ZAB_KEY_HISTORY ((uint64_t)1 << 32)

typedef struct zab_meta {
  uint64_t accepted_epoch;
  uint64_t current_epoch;
} zab_meta;

/* ---- zab.c: lifecycle, timers, role changes. */
void fl__zab_persist_meta(zab_state *s, fl_node_ctx *ctx);
void fl__zab_timer_set(zab_state *s, fl_node_ctx *ctx, int kind, int64_t delay_ns);
void fl__zab_timer_stop(zab_state *s, fl_node_ctx *ctx, int kind);
static inline uint64_t zab_last_pos(const zab_state *s) { return fl_durable_log_last(&s->hist); }
/* The zxid at position pos (base <= pos <= last; 0 at position 0). */
uint64_t fl__zab_zxid_at(const zab_state *s, uint64_t pos);
static inline uint64_t zab_last_zxid(const zab_state *s) { return fl__zab_zxid_at(s, zab_last_pos(s)); }
static inline const zab_txn *zab_txn_at(const zab_state *s, uint64_t pos) {
  return fl_durable_log_at(&s->hist, pos);
}
void fl__zab_note(zab_state *s, uint32_t kind, uint64_t epoch);
const char *fl__zab_role_name(zab_role r);
const char *fl__zab_phase_name(zab_phase p);

/* ---- election.c: Fast Leader Election. */
/* Leaves any role for LOOKING: a new round, a vote for itself, notifications to all. */
void fl__zab_start_looking(zab_state *s, fl_node_ctx *ctx, const char *why);
void fl__zab_on_notify(zab_state *s, fl_node_ctx *ctx, int from, const zab_msg_notify *m);
void fl__zab_on_finalize(zab_state *s, fl_node_ctx *ctx);
/* Looking: resend notifications when the last went unanswered long enough. */
void fl__zab_election_tick(zab_state *s, fl_node_ctx *ctx);
/* Whether history (epoch a, zxid za) beats (epoch b, zxid zb), as the election compares. */
bool fl__zab_history_newer(const zab_state *s, uint64_t a_epoch, uint64_t a_zxid,
                           uint64_t b_epoch, uint64_t b_zxid);

/* ---- leader.c: discovery, synchronization and broadcast, the leader's side. */
void fl__zab_lead(zab_state *s, fl_node_ctx *ctx);
void fl__zab_on_followerinfo(zab_state *s, fl_node_ctx *ctx, int from, const zab_msg_followerinfo *m);
void fl__zab_on_ackepoch(zab_state *s, fl_node_ctx *ctx, int from, const zab_msg_ackepoch *m);
void fl__zab_on_acknewleader(zab_state *s, fl_node_ctx *ctx, int from, const zab_msg_ack *m);
void fl__zab_on_ack(zab_state *s, fl_node_ctx *ctx, int from, const zab_msg_ack *m);
void fl__zab_leader_tick(zab_state *s, fl_node_ctx *ctx);
/* The established leader proposes txn (zxid assigned here) to every synced follower. Returns
 * its position. */
uint64_t fl__zab_propose(zab_state *s, fl_node_ctx *ctx, zab_txn *txn);

/* ---- follower.c */
void fl__zab_follow(zab_state *s, fl_node_ctx *ctx, int leader);
void fl__zab_on_newepoch(zab_state *s, fl_node_ctx *ctx, int from, const zab_msg_newepoch *m);
void fl__zab_on_sync(zab_state *s, fl_node_ctx *ctx, int from, const void *msg, size_t len);
void fl__zab_on_propose(zab_state *s, fl_node_ctx *ctx, int from, const void *msg, size_t len);
void fl__zab_follower_tick(zab_state *s, fl_node_ctx *ctx);

/* ---- kv.c: delivery, client requests, snapshots. */
void fl__zab_on_client_request(zab_state *s, fl_node_ctx *ctx, const fl_op *op);
/* Raises commit to upto (capped at the history's end) and delivers in order. */
void fl__zab_commit_to(zab_state *s, fl_node_ctx *ctx, uint64_t upto);
void fl__zab_drop_waiters(zab_state *s, fl_node_ctx *ctx);
GByteArray *fl__zab_snapshot_take(const zab_state *s);
bool fl__zab_snapshot_restore(zab_state *s, const void *blob, size_t len, zab_snapshot_header *h);
void fl__zab_describe_txn(GString *out, const zab_txn *t);
void fl__zab_describe_zxid(GString *out, uint64_t zxid);

/* ---- invariants.c */
void *fl__zab_invariant_new(const fl_options *o, int n);
bool fl__zab_check_invariants(void *ghost, const fl_cluster_view *v, GString *why);
void fl__zab_invariant_free(void *ghost);

#endif
