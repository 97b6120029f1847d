/* op: client operations and their results, as protocols and the history see them.
 *
 * Plain values with no pointers, so protocols may copy them into their own state (a leader
 * keeps the operations it has yet to answer) and into messages.
 */
#ifndef FL_OP_H
#define FL_OP_H

#include <stdbool.h>
#include <stdint.h>
#include "fl_limits.h"

/* What an operation does. Which kinds a client issues depends on its workload ([workload]
 * kind, sim/core/workload.h): kv issues read / write / cas, counter add / read, lock acquire /
 * release, txn transactions. New kinds are appended: the numbers are in traces. */
typedef enum fl_op_kind {
  FL_OP_READ,    /* kv: the key's value; counter: the counter's value (0 if never added to) */
  FL_OP_WRITE,   /* kv: value */
  FL_OP_CAS,     /* kv: if the key holds `expected`, set it to `value`; else FL_REPLY_FAIL */
  FL_OP_ADD,     /* counter: add `value` (the delta) to the counter `key` */
  FL_OP_ACQUIRE, /* lock: acquire lock `key`; OK carries the fencing token (see below), FAIL
                    means it is held by someone else (a try-lock that did nothing) */
  FL_OP_RELEASE, /* lock: release lock `key`, held with fencing token `value` */
  FL_OP_TXN,     /* txn: the operation is the head of an fl_txn (below) */
  FL_OP_KIND_COUNT
} fl_op_kind;

/* One operation as a client issues it. (client, seq) identifies it across retries, which is
 * what lets a protocol apply a retried request exactly once. */
typedef struct fl_op {
  uint32_t client;   /* client index, 0-based */
  uint32_t endpoint; /* the client's network endpoint; replies go there */
  uint64_t process;  /* Jepsen process: client + k * n_clients after k timeouts */
  uint64_t seq;      /* per-client sequence number, from 1 */
  fl_op_kind kind;
  int64_t key;
  int64_t value;    /* write: the value; cas: the new value */
  int64_t expected; /* cas: the value compared against */
} fl_op;

/* ---- Transactions ([workload] kind = txn).
 *
 * A transaction travels as an fl_txn: an fl_op of kind FL_OP_TXN followed by its micro-ops in
 * a fixed-size array, so the request stays plain bytes (no pointers) that a protocol copies
 * whole into its log or messages. A protocol receives `const fl_op *op` from
 * on_client_request as for every operation; when op->kind is FL_OP_TXN, fl_op_txn(op) is the
 * whole transaction (the core delivered an fl_txn; a protocol that keeps it copies the whole
 * fl_txn). It answers with fl_node_reply_txn (actor.h), the read micro-ops carrying what they
 * read (has_value, value); fl_node_reply is enough for a redirect or a failure. Other kinds
 * stay a bare fl_op on the wire, byte for byte as before transactions existed. */
typedef enum fl_mop_kind { FL_MOP_READ, FL_MOP_WRITE } fl_mop_kind;

typedef struct fl_micro_op {
  uint32_t f;         /* fl_mop_kind */
  uint32_t has_value; /* a read's answer: 0 is nil (never written), 1 is `value` */
  int64_t key;
  int64_t value;      /* write: the value written (unique in the run); read: what was read */
} fl_micro_op;

typedef struct fl_txn {
  fl_op op;   /* op.kind == FL_OP_TXN; key, value and expected are 0 */
  uint32_t n; /* micro-ops used, 1 .. FL_LIMIT_TXN_OPS */
  uint32_t reserved; /* 0: keeps the struct free of padding */
  fl_micro_op mops[FL_LIMIT_TXN_OPS];
} fl_txn;

/* The transaction `op` heads (op->kind must be FL_OP_TXN and op must point into an fl_txn, as
 * every operation the core hands a protocol does). */
static inline const fl_txn *fl_op_txn(const fl_op *op) { return (const fl_txn *)(const void *)op; }

typedef enum fl_reply_status {
  FL_REPLY_OK,       /* done; a read carries its value */
  FL_REPLY_FAIL,     /* definitely not done: the operation's own answer (a cas whose compare
                      * failed, a transaction a participant voted against) */
  FL_REPLY_REDIRECT, /* not here: try `redirect_to` (or another node if it is -1) */
  /* Definitely not done because the system could not serve it now (no quorum reachable, a
   * transaction aborted by a timeout, a kind the protocol does not offer). The history records
   * a fail either way; availability counts a refusal as no service (world.h). Since API
   * version 4. */
  FL_REPLY_REFUSED,
} fl_reply_status;

typedef struct fl_op_result {
  fl_reply_status status;
  bool has_value; /* a read of a key never written has no value (Jepsen's nil) */
  int64_t value;
  int32_t redirect_to; /* node index or -1 */
} fl_op_result;

/* Field-by-field copies into zeroed storage. Struct assignment need not copy padding, and a
 * protocol's designated initialiser need not zero it; these structs cross the simulated
 * network, where their bytes are hashed into the run's digest, so every byte must be set. */
void fl_op_copy(fl_op *dst, const fl_op *src);
void fl_op_result_copy(fl_op_result *dst, const fl_op_result *src);
/* The same for a transaction: micro-ops past n are zeroed. */
void fl_txn_copy(fl_txn *dst, const fl_txn *src);

/* "read", "write", "cas", "add", "acquire", "release", "txn". */
const char *fl_op_kind_name(fl_op_kind kind);

#endif
