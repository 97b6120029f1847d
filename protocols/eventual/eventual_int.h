/* eventual_int.h: what the eventual store's files share (Dynamo, DeCandia et al., SOSP 2007).
 *
 * Ring: each node owns `tokens` positions on a 64-bit hash ring; a key's position is its hash,
 * and its walk is the distinct nodes met clockwise from there. The first N of the walk are the
 * key's preference list (its replicas); the rest are the fallbacks that take a write, with a
 * hint naming the replica it belongs to, while a preference-list node is suspected down
 * (sloppy quorum). Any node coordinates a request: a write waits for W acknowledgements, a read
 * for R answers, then (read_repair = blocking, the default) writes the newest version back
 * until W replicas hold it before answering, as ABD's read does.
 *
 * Records: one per key and node, versioned by last-writer-wins on the coordinator's clock
 * (ts, origin) for kv and the naive counter, or a PN-counter (one P and one N slot per node,
 * merged by pointwise maximum) for counter = crdt. A record is persisted before any message
 * that acknowledges it.
 *
 * Durable layout: key 0 the meta record (keys seen, hint window); EV_DK_REC + key a key's
 * record; EV_DK_HINT + id a hint; EV_DK_TALLY + key what this node, as coordinator, added to
 * counter `key` (the ground truth the final check compares the converged counter with).
 */
#ifndef FL_EVENTUAL_INT_H
#define FL_EVENTUAL_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <glib.h>
#include "actor.h"

/* Nodes a ring may hold: a PN-counter record carries two slots per node. */
#define EV_MAX_NODES 16
#define EV_MAX_TOKENS 256
/* Merkle tree over the ring: 2^EV_TREE_DEPTH leaves, each a slice of the hash space. */
#define EV_TREE_DEPTH 4
#define EV_LEAVES (1 << EV_TREE_DEPTH)
#define EV_TREE_NODES (2 * EV_LEAVES) /* heap-indexed 1 .. 2*LEAVES-1; 0 unused */
/* Concurrent versions a register keeps with versions = vclock (more are cut, in sibling order). */
#define EV_MAX_SIBLINGS 4

#define EV_DK_META UINT64_C(0)
#define EV_DK_REC (UINT64_C(1) << 40)
#define EV_DK_HINT (UINT64_C(2) << 40)
#define EV_DK_TALLY (UINT64_C(3) << 40)

typedef enum { EV_VAL_REGISTER, EV_VAL_G_COUNTER, EV_VAL_PN_COUNTER, EV_VAL_LWW_COUNTER } ev_value_mode;
typedef enum { EV_RR_BLOCKING, EV_RR_ASYNC, EV_RR_OFF } ev_rr_mode;
/* How two records of a key merge: last-writer-wins, CRDT counter slots, vector-clock siblings. */
typedef enum { EV_MERGE_LWW, EV_MERGE_CRDT, EV_MERGE_VC } ev_merge_mode;
typedef enum { EV_BUG_NONE, EV_BUG_REPAIR_OVERWRITES, EV_BUG_MERKLE_SKIPS } ev_bug;

typedef struct ev_config {
  int n, r, w;
  int tokens;
  ev_value_mode value;
  bool counter_crdt; /* value is a G- or PN-counter: records merge slot by slot */
  bool is_counter;   /* value is any counter: reads of nothing are 0 */
  bool vclock;       /* versions = vclock: registers keep concurrent writes as siblings */
  ev_merge_mode merge;
  ev_rr_mode read_repair;
  bool hinted_handoff;
  int64_t retry_ns, request_timeout_ns, handoff_ns, anti_entropy_ns;
  ev_bug bug;
} ev_config;

/* ---- The ring (ring.c): pure functions of (nodes, tokens). */
typedef struct ev_ring {
  int nodes, tokens;
  int members; /* nodes on the ring (the others coordinate but replicate nothing) */
  uint32_t n_points;
  uint64_t *pos;  /* sorted token positions */
  int32_t *owner; /* node of each position */
} ev_ring;

uint64_t ev_hash64(uint64_t x);
uint64_t ev_key_pos(int64_t key);
void ev_ring_init(ev_ring *r, int nodes, int tokens);
void ev_ring_clear(ev_ring *r);
/* The ring of the nodes whose member[] is true (NULL: every node). */
void ev_ring_init_members(ev_ring *r, int nodes, int tokens, const bool *member);
/* The key's walk: every node once, clockwise from the key's position; returns nodes written. */
int ev_ring_walk(const ev_ring *r, int64_t key, int *out);
/* Whether node is in the key's first n of its walk. */
bool ev_ring_is_replica(const ev_ring *r, int64_t key, int n, int node);
/* The leaf of the Merkle tree the key falls in. */
static inline int ev_leaf(int64_t key) { return (int)(ev_key_pos(key) >> (64 - EV_TREE_DEPTH)); }

/* ---- Records. */
typedef struct ev_sib { /* a version of a register under vector clocks */
  int64_t value;
  uint32_t vc[EV_MAX_NODES];
} ev_sib;

typedef struct ev_rec {
  int64_t key;
  int64_t ts;        /* LWW stamp: the coordinator's clock when it took the write */
  int32_t origin;    /* the coordinator, breaking equal stamps */
  uint32_t has_value;
  int64_t value;
  int64_t p[EV_MAX_NODES], m[EV_MAX_NODES]; /* PN-counter slots (counter = crdt) */
  uint32_t n_sib;   /* versions = vclock: siblings in use, in sibling order (vclock.c) */
  uint32_t pad;
  ev_sib sib[EV_MAX_SIBLINGS];
} ev_rec;

void ev_rec_zero(ev_rec *r, int64_t key);
/* LWW order: <0, 0, >0. */
int ev_rec_cmp(const ev_rec *a, const ev_rec *b);
bool ev_rec_same(const ev_rec *a, const ev_rec *b);
/* Merges src into dst (max for LWW, pointwise max for the counter); true if dst changed. */
bool ev_rec_merge(ev_rec *dst, const ev_rec *src, ev_merge_mode mode);
/* Whether a is at least b everywhere (a holds everything b holds). */
bool ev_rec_covers(const ev_rec *a, const ev_rec *b, ev_merge_mode mode);
/* vclock.c: merging and comparing sibling sets; the value a read returns (the largest). */
bool ev_vc_merge(ev_rec *dst, const ev_rec *src);
bool ev_vc_covers(const ev_rec *a, const ev_rec *b);
int64_t ev_vc_pick(const ev_rec *r);
int64_t ev_rec_counter(const ev_rec *r);
uint64_t ev_rec_hash(const ev_rec *r);

/* ---- Messages: a uint32_t type first. */
enum {
  EV_PUT = 1,   /* store (merge) rec; hint_for >= 0: keep it as a hint for that node */
  EV_PUT_ACK,   /* the rec of req is stored */
  EV_GET,       /* read key */
  EV_GET_REPLY, /* rec (has = 0: none) */
  EV_REPAIR,    /* read repair: merge rec, answer EV_PUT_ACK */
  EV_HINT,      /* a hinted write handed back to its replica */
  EV_HINT_ACK,
  EV_TREE,      /* anti-entropy: the sender's Merkle tree over the keys both replicate */
  EV_PULL,      /* anti-entropy: the leaves that differ; send me your records of them */
  EV_AE_REC,    /* anti-entropy: a record of a differing leaf */
  EV_MSG_COUNT
};

typedef struct ev_msg_rec { /* EV_PUT, EV_REPAIR, EV_GET_REPLY, EV_HINT, EV_AE_REC */
  uint32_t type;
  int32_t hint_for; /* EV_PUT: -1 or the replica this is a hint for */
  uint64_t id;      /* request id (PUT/REPAIR/GET_REPLY) or hint id (HINT) */
  uint32_t has;     /* GET_REPLY: the node holds a record */
  uint32_t pad;
  ev_rec rec;
} ev_msg_rec;

typedef struct ev_msg_small { /* EV_PUT_ACK, EV_GET, EV_HINT_ACK, EV_PULL */
  uint32_t type;
  uint32_t pad;
  uint64_t id;  /* request / hint id; EV_PULL: the leaf mask */
  int64_t key;  /* EV_GET */
} ev_msg_small;

typedef struct ev_msg_tree {
  uint32_t type;
  uint32_t pad;
  uint64_t h[EV_TREE_NODES];
} ev_msg_tree;

/* ---- A coordinator's request in flight. */
typedef enum { EV_REQ_PUT, EV_REQ_GET, EV_REQ_NAIVE_READ, EV_REQ_VC_READ } ev_req_kind;

typedef struct ev_req {
  uint64_t id;
  fl_op op;
  ev_req_kind kind;
  ev_rec rec;        /* PUT: what is written; GET: the newest (merged) answer so far */
  int n_targets;
  int targets[EV_MAX_NODES];  /* who the request went to (replica or fallback) */
  int hint_for[EV_MAX_NODES]; /* -1, or the replica a fallback stands in for */
  uint32_t answered, acked, holders; /* node bit masks */
  int answers;
  bool replied, repairing;
  int64_t start_ns;
  int64_t newest_ts_seen; /* staleness: newest stamp any target answered with */
  int64_t returned_ts;
  uint32_t repair_sent;
  uint32_t pad;
  ev_rec returned;          /* GET: what the read answered with */
  ev_rec ans[EV_MAX_NODES]; /* GET: each target's answer */
} ev_req;

typedef struct ev_hint {
  uint64_t id;
  int32_t target;
  uint32_t pad;
  ev_rec rec;
} ev_hint;

typedef struct ev_meta {
  int64_t max_key;  /* keys 0 .. max_key-1 may have records */
  uint64_t hint_lo, hint_hi;
  uint64_t req_next;
  uint64_t vc_counter; /* versions = vclock: this node's last vector-clock entry */
} ev_meta;

typedef struct ev_node {
  int id, nodes;
  ev_config cfg;
  ev_ring ring;
  /* The nodes on the ring as this node knows them: the kernel's membership at init and
   * restart (fl_node_is_member), then each on_membership change in the order it arrives. */
  bool member[EV_MAX_NODES];
  GTree *store;    /* int64 key -> ev_rec (owned) */
  GTree *reqs;     /* uint64 id -> ev_req (owned) */
  GTree *hints;    /* uint64 id -> ev_hint (owned) */
  ev_meta meta;
  int64_t suspected_until[EV_MAX_NODES]; /* local clock; 0: not suspected */
  GHashTable *last_seq; /* client+1 -> last seq taken (lookups only) */
  int ae_round;
  uint64_t puts, gets, repairs, stale_reads;
} ev_node;

/* store.c */
ev_rec *ev_store_get(ev_node *s, int64_t key);
/* Merges rec into the node's record of its key and persists it if it changed. `overwrite`
 * (the reinjected repair bug) installs rec whatever it replaces. True if it changed. */
bool ev_store_apply(ev_node *s, fl_node_ctx *ctx, const ev_rec *rec, bool overwrite);
void ev_store_load(ev_node *s, fl_node_ctx *ctx);
void ev_meta_save(ev_node *s, fl_node_ctx *ctx);
void ev_hint_add(ev_node *s, fl_node_ctx *ctx, int target, const ev_rec *rec);
void ev_hint_done(ev_node *s, fl_node_ctx *ctx, uint64_t id);
void ev_hints_handoff(ev_node *s, fl_node_ctx *ctx);
void ev_tally_add(ev_node *s, fl_node_ctx *ctx, int64_t key, int64_t delta);
bool ev_rec_read(const void *p, size_t len, ev_rec *out);

/* coordinator.c */
void ev_suspect(ev_node *s, fl_node_ctx *ctx, int node);
bool ev_is_suspected(const ev_node *s, fl_node_ctx *ctx, int node);
void ev_coord_request(ev_node *s, fl_node_ctx *ctx, const fl_op *op);
void ev_coord_answer(ev_node *s, fl_node_ctx *ctx, int from, uint32_t type, const ev_msg_rec *m,
                     uint64_t ack_id);
void ev_coord_timer(ev_node *s, fl_node_ctx *ctx, uint64_t id);

/* replica.c */
void ev_repaired(fl_node_ctx *ctx);
void ev_repaired_by_store(fl_node_ctx *ctx);
void ev_replica_message(ev_node *s, fl_node_ctx *ctx, int from, const void *msg, size_t len);

/* antientropy.c */
void ev_ae_tree(ev_node *s, int peer, uint64_t *h);
void ev_ae_start(ev_node *s, fl_node_ctx *ctx);
void ev_ae_message(ev_node *s, fl_node_ctx *ctx, int from, const void *msg, size_t len);

/* invariants.c */
void *ev_invariant_new(const fl_options *options, int n_nodes);
bool ev_check_invariants(void *ghost, const fl_cluster_view *view, GString *why);
bool ev_check_final(void *ghost, const fl_cluster_view *view, GString *why);
void ev_invariant_free(void *ghost);

/* Timer tags: the kind in the top byte, a request id below. */
#define EV_T_REQ UINT64_C(1)
#define EV_T_HANDOFF UINT64_C(2)
#define EV_T_AE UINT64_C(3)
#define EV_TAG(kind, id) (((kind) << 56) | ((id) & ((UINT64_C(1) << 56) - 1)))

void ev_read_config(ev_config *c, const fl_options *o, int nodes);

#endif
