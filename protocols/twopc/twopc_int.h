/* twopc_int: what the files of the twopc protocol share (twopc.c: the table, options, state
 * and dispatch; coordinator.c; participant.c; locks.c; termination.c: in-doubt participants,
 * cooperative and 3PC termination; invariants.c). Tests decode messages and records with it.
 *
 * Roles. Participants are nodes first_participant..N; key k lives on one of them by a fixed
 * shard map (modulo: k mod P; range: k / shard_size, the last shard taking the rest). The
 * coordinator of a transaction is either one designated node (other nodes redirect clients
 * to it) or the node that received the client's request (its home node). A node may be both.
 *
 * Transaction ids: coordinator (10 bits) | incarnation (14 bits) | counter (32 bits), unique
 * across coordinator restarts because the incarnation is persisted (durable key 0) and bumped
 * by each restart. A timer's tag is its kind in the top 8 bits and the txid below.
 *
 * Durable log: every node appends records (tp_rec) at keys 1, 2, ...; the invariant checker
 * reads each node's new records once, in order, after every event. Compaction, at the start of
 * a hook once enough records piled up (every record then was written by an earlier event, so
 * the checker has read it): the records of transactions still open here (a ctxn, a ptxn or a
 * kept outcome) are carried forward (appended again, `copied` set, in log order), the store and
 * the watermarks are written to key TP_KEY_META with the new first key `base` and `snap_key`,
 * the next key, and [old base, base) is erased. A restart loads the meta record and replays
 * [base, ...): commits below snap_key are in the stored snapshot already, so they are not
 * applied again. Records:
 *   VOTE(yes|no)   participant: its vote, logged before it is sent (no also means aborted)
 *   PRECOMMIT      participant (3pc): logged before the pre-commit is acknowledged
 *   OUTCOME(c|a)   participant: what it applied
 *   DECISION(c|a)  coordinator: logged before it is sent (and presumed aborts it answers)
 *   END            coordinator: every participant acknowledged the decision
 *
 * Forgetting (so that the tables hold what is in flight, not the history):
 *   coordinator: a ctxn is freed once every participant acknowledged the decision (END); a
 *     query about a transaction of this life it no longer has is answered abort unlogged (it
 *     ended: only a late copy of a query asks), one of an earlier life presumed abort, logged.
 *     Its messages to participants carry `done`, its watermark: every transaction of its
 *     current life numbered below it has ended everywhere.
 *   participant: a ptxn that reached its outcome is freed when the hook ends, leaving its
 *     outcome in `finished` (txid -> outcome: peers may still ask, a late prepare gets the old
 *     vote) until its coordinator's watermark passes it; below the watermark a transaction is
 *     forgotten altogether, and a late prepare or state request for it is dropped (it ended
 *     everywhere: nobody waits for the answer).
 *   by_client: each client's newest request seq; an older or equal one starts nothing.
 * Ownership: tp_node owns its tables and what they point to.
 */
#ifndef FL_TWOPC_INT_H
#define FL_TWOPC_INT_H

#include "actor.h"

#include <string.h>

#define TP_MAX FL_LIMIT_TXN_OPS /* participants and micro-ops of one transaction */

enum tp_msg_type {
  TP_PREPARE = 1,
  TP_VOTE,
  TP_PRECOMMIT,
  TP_PRECOMMIT_ACK,
  TP_DECISION,
  TP_DECISION_ACK,
  TP_QUERY,     /* in-doubt participant -> coordinator */
  TP_STATE_REQ, /* participant -> participant: cooperative / 3PC termination */
  TP_STATE,
};

/* Why a transaction aborted (votes carry it; the coordinator counts aborts by it). */
enum tp_cause { TP_CAUSE_NONE = 0, TP_CAUSE_CONFLICT, TP_CAUSE_VOTE_NO, TP_CAUSE_TIMEOUT };

/* A participant's state as TP_STATE reports it. */
enum tp_pstate { TP_P_WAITING = 0, TP_P_VOTED, TP_P_PRECOMMITTED, TP_P_COMMITTED, TP_P_ABORTED };

/* A kv workload's cas, served as a one-micro-op transaction: its participant votes no when
 * the key does not hold `expected`. Reads and writes are FL_MOP_READ and FL_MOP_WRITE. */
#define TP_MOP_CAS 2

typedef struct tp_mop {
  uint32_t f;        /* fl_mop_kind, or TP_MOP_CAS */
  uint32_t index;    /* position in the client's transaction */
  int64_t key;
  int64_t value;     /* write: the value; read (in votes and records): what was read */
  uint32_t has_value;
  uint32_t pad;
  int64_t expected;  /* TP_MOP_CAS */
} tp_mop;

typedef struct tp_msg_prepare {
  uint32_t type;
  uint32_t coord;
  uint64_t txid;
  int64_t ts;        /* the transaction's age, for wound-wait: smaller is older */
  uint64_t done;     /* the coordinator's watermark (see Forgetting) */
  uint32_t n_parts, n_mops;
  int32_t parts[TP_MAX];
  tp_mop mops[TP_MAX]; /* this participant's micro-ops, in transaction order */
} tp_msg_prepare;

typedef struct tp_msg_vote {
  uint32_t type;
  uint32_t yes;
  uint64_t txid;
  uint32_t cause;    /* a no vote's enum tp_cause */
  uint32_t n_mops;
  tp_mop mops[TP_MAX]; /* a yes vote: the participant's micro-ops, reads answered */
} tp_msg_vote;

/* PRECOMMIT, PRECOMMIT_ACK, DECISION (arg 1 commit, 0 abort), DECISION_ACK, QUERY,
 * STATE_REQ, STATE (arg: enum tp_pstate). done: the coordinator's watermark on PRECOMMIT and
 * DECISION from a coordinator, else 0. */
typedef struct tp_msg_txid {
  uint32_t type;
  uint32_t arg;
  uint64_t txid;
  uint64_t done;
} tp_msg_txid;

enum tp_rec_type { TP_REC_VOTE = 1, TP_REC_PRECOMMIT, TP_REC_OUTCOME, TP_REC_DECISION, TP_REC_END };

/* A log record; persisted up to mops[n_mops] (a record is read into zeroed storage). */
typedef struct tp_rec {
  uint32_t type;
  uint32_t arg;      /* VOTE: 1 yes, 0 no; OUTCOME, DECISION: 1 commit, 0 abort */
  uint64_t txid;
  int64_t ts;
  int64_t at;        /* VOTE: the local time of the vote (blocking is measured from it) */
  uint32_t coord;
  uint32_t n_parts;
  int32_t parts[TP_MAX];
  uint32_t n_mops;
  uint32_t copied;   /* 1: carried forward by compaction, a copy of a record checked already */
  tp_mop mops[TP_MAX];
} tp_rec;

/* Compaction's record (durable key TP_KEY_META), followed by uint64_t done[n_done] (the
 * watermarks) and n_store (key, value) int64_t pairs, the store in key order. */
#define TP_KEY_META UINT64_MAX
typedef struct tp_meta {
  uint64_t base;     /* the log's first key */
  uint64_t snap_key; /* commits logged below it are in the store below */
  uint32_t n_done, n_store;
} tp_meta;
/* Compaction runs once the log holds this many records, and more while many are still open:
 * each run costs the records it carries forward and the store it writes. */
#define TP_COMPACT_MIN 256

enum tp_timer {
  TP_T_VOTE = 1,      /* coordinator: votes not all in: abort */
  TP_T_PRECOMMIT,     /* coordinator (3pc): acknowledgements not all in: commit anyway */
  TP_T_RETRANSMIT,    /* coordinator: resend the decision to who has not acknowledged it */
  TP_T_LOCK,          /* participant: still waiting for locks: abort unilaterally */
  TP_T_DOUBT,         /* participant: voted yes, no decision yet: ask (2pc) or terminate (3pc) */
  TP_T_TERMINATE,     /* participant (3pc): termination states collected: decide */
};
#define TP_TAG(kind, txid) (((uint64_t)(kind) << 56) | (txid))
#define TP_TAG_KIND(tag) ((int)((tag) >> 56))
#define TP_TAG_TXID(tag) ((tag) & ((UINT64_C(1) << 56) - 1))

enum tp_locking { TP_LOCK_2PL, TP_LOCK_WOUND_WAIT, TP_LOCK_NO_WAIT };
enum tp_bug { TP_BUG_NONE, TP_BUG_FORGET_PREPARE, TP_BUG_COMMIT_BEFORE_LOG, TP_BUG_FORGET_DECISIONS };

typedef struct tp_config {
  bool three_phase;
  bool home_coordinator;   /* else designated */
  int coordinator;         /* designated coordinator, 0-based */
  int first;               /* first participant, 0-based */
  int n_parts;             /* participants: first..N-1 */
  bool range;              /* shard map: range, else modulo */
  int64_t shard_size;
  int locking;             /* enum tp_locking */
  bool cooperative;        /* 2pc: in-doubt participants ask each other */
  int64_t lock_timeout_ns, vote_timeout_ns, decision_timeout_ns, retransmit_ns;
  int bug;                 /* enum tp_bug */
} tp_config;

/* Coordinator's transaction. */
enum tp_phase { TP_C_VOTING, TP_C_PRECOMMIT, TP_C_DECIDED };
typedef struct tp_ctxn {
  uint64_t txid;
  int64_t ts;
  bool has_client;      /* false when rebuilt from the log: nobody to answer */
  int kv_kind;          /* -1: a txn; else the kv operation (read, write, cas) it carries */
  fl_txn txn;
  uint32_t n_parts;
  int32_t parts[TP_MAX];
  uint8_t vote[TP_MAX];    /* 0 none, 1 yes, 2 no */
  uint8_t pc_ack[TP_MAX];
  uint8_t acked[TP_MAX];   /* the decision */
  int phase;
  int decision;            /* 1 commit, 0 abort */
  bool logged, ended;
} tp_ctxn;

/* Participant's transaction. */
typedef struct tp_ptxn {
  uint64_t txid;
  int64_t ts;
  int coord;
  int state;               /* enum tp_pstate */
  int cause;               /* ABORTED: why */
  uint32_t n_parts;
  int32_t parts[TP_MAX];
  uint32_t n_mops;
  tp_mop mops[TP_MAX];
  uint32_t n_keys, n_held; /* keys (sorted, distinct); the first n_held are locked */
  int64_t keys[TP_MAX];
  int64_t voted_at;
  bool waiting;            /* queued on keys[n_held] */
  bool terminating;        /* 3pc: collecting states */
  uint8_t peer_state[TP_MAX]; /* 3pc termination: reported state + 1 (0: none yet) */
} tp_ptxn;

typedef struct tp_node {
  int id, n;
  tp_config cfg;
  uint64_t next_key;       /* the durable key of the next record */
  uint64_t base;           /* the durable key of the log's first record */
  uint64_t snap_key;       /* replay: commits logged below it are in the loaded store */
  uint32_t incarnation;
  uint32_t counter;
  GTree *ctxns;            /* txid -> tp_ctxn (owned), open transactions, by txid */
  GHashTable *by_client;   /* client -> newest request seq (uint64, owned); lookups only */
  GHashTable *ptxns;       /* txid -> tp_ptxn (owned), not yet decided here; lookups only */
  GTree *finished;         /* txid -> outcome (GINT_TO_POINTER(1 commit, 0 abort)), decided
                            * here, not yet below the coordinator's watermark */
  uint64_t *done;          /* per coordinator node: its latest watermark (0: none) */
  GArray *retire;          /* txids decided during this hook (uint64), freed when it ends */
  GTree *store;            /* key -> value (int64 boxed), this participant's committed data */
  GTree *locks;            /* key -> tp_lock */
  GArray *selfq;           /* messages to itself, delivered after the hook (GBytes *) */
  GArray *ready;           /* txids granted a lock, to continue acquiring after the hook */
  uint64_t active;         /* transactions this coordinator has yet to decide */
  uint64_t committed, aborted, in_doubt;
} tp_node;

typedef struct tp_lock {
  uint64_t holder;         /* 0: free */
  GArray *waiters;         /* of uint64_t txid, FIFO; entries no longer waiting are skipped */
} tp_lock;

/* twopc.c */
/* Compacts the log when due (see Durable log); only at the start of a hook. */
void tp_compact(tp_node *s, fl_node_ctx *ctx);
void tp_send(tp_node *s, fl_node_ctx *ctx, int dst, const void *msg, size_t len);
/* A tp_msg_txid of `type` about `txid`; `done` is the coordinator's watermark (every
 * transaction of its incarnation below it has ended everywhere), 0 from a participant. */
void tp_send_txid(tp_node *s, fl_node_ctx *ctx, int dst, uint32_t type, uint32_t arg,
                  uint64_t txid, uint64_t done);
void tp_persist(tp_node *s, fl_node_ctx *ctx, const tp_rec *r);
int tp_shard(const tp_config *c, int64_t key);
int tp_part_index(const int32_t *parts, uint32_t n, int node);
void tp_format_txid(GString *out, uint64_t txid);

/* coordinator.c */
void tp_coord_request(tp_node *s, fl_node_ctx *ctx, const fl_op *op);
void tp_coord_vote(tp_node *s, fl_node_ctx *ctx, int from, const tp_msg_vote *v);
void tp_coord_txid_msg(tp_node *s, fl_node_ctx *ctx, int from, const tp_msg_txid *m);
void tp_coord_timer(tp_node *s, fl_node_ctx *ctx, int kind, uint64_t txid);
void tp_coord_recover(tp_node *s, fl_node_ctx *ctx, const tp_rec *r);
void tp_coord_resume(tp_node *s, fl_node_ctx *ctx);

/* coordinator.c: every transaction of this coordinator's life numbered below it has ended. */
uint64_t tp_coord_watermark(const tp_node *s);

/* participant.c */
tp_ptxn *tp_part_get(tp_node *s, uint64_t txid);
/* What the participant knows of a transaction it holds no ptxn for: 1 committed, 0 aborted
 * (in `finished`), -2 ended everywhere (below its coordinator's watermark), -1 nothing. */
int tp_part_past(const tp_node *s, uint64_t txid);
/* A coordinator's message carried watermark `done`: forgets what fell below it. */
void tp_part_learn_done(tp_node *s, int coord, uint64_t done);
/* At the end of a hook: frees the ptxns decided during it, keeping their outcomes. */
void tp_part_retire(tp_node *s);
void tp_part_prepare(tp_node *s, fl_node_ctx *ctx, int from, const tp_msg_prepare *m);
void tp_part_continue(tp_node *s, fl_node_ctx *ctx, tp_ptxn *p);
void tp_part_abort_unvoted(tp_node *s, fl_node_ctx *ctx, tp_ptxn *p, int cause);
void tp_part_decide(tp_node *s, fl_node_ctx *ctx, tp_ptxn *p, int commit);
void tp_part_txid_msg(tp_node *s, fl_node_ctx *ctx, int from, const tp_msg_txid *m);
void tp_part_timer(tp_node *s, fl_node_ctx *ctx, int kind, uint64_t txid);
void tp_part_recover(tp_node *s, fl_node_ctx *ctx, const tp_rec *r);
void tp_part_resume(tp_node *s, fl_node_ctx *ctx);

/* locks.c: exclusive locks on keys, granted in sorted key order per transaction. */
void tp_locks_init(tp_node *s);
/* Takes p's remaining locks; true when it holds them all. Otherwise p waits (2pl,
 * wound-wait), or false with *conflict set (no-wait: the caller aborts p). */
bool tp_locks_acquire(tp_node *s, fl_node_ctx *ctx, tp_ptxn *p, bool *conflict);
/* Releases p's locks; each freed key goes to its first waiter, queued on s->ready. */
void tp_locks_release(tp_node *s, tp_ptxn *p);

/* termination.c */
void tp_term_doubt_timer(tp_node *s, fl_node_ctx *ctx, tp_ptxn *p);
void tp_term_state_req(tp_node *s, fl_node_ctx *ctx, int from, uint64_t txid);
void tp_term_state(tp_node *s, fl_node_ctx *ctx, int from, uint64_t txid, int state);
void tp_term_collect_timer(tp_node *s, fl_node_ctx *ctx, tp_ptxn *p);

/* invariants.c */
void *tp_invariant_new(const fl_options *options, int n_nodes);
bool tp_check_invariants(void *ghost, const fl_cluster_view *view, GString *why);
void tp_invariant_free(void *ghost);
/* Reads log record `key` of `node` into *r (zeroed first); false if absent or malformed. */
bool tp_rec_read(const void *data, size_t len, tp_rec *r);

#endif
