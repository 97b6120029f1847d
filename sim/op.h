/* op: client operations and their results, as protocols and the history see them.
 *
 * Plain values with no pointers, so protocols may copy them into their own state (a leader
 * keeps the operations it has yet to answer) and into messages.
 */
#ifndef FL_OP_H
#define FL_OP_H

#include <stdbool.h>
#include <stdint.h>

typedef enum fl_op_kind {
  FL_OP_READ,
  FL_OP_WRITE,
  FL_OP_CAS,
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

typedef enum fl_reply_status {
  FL_REPLY_OK,       /* done; a read carries its value */
  FL_REPLY_FAIL,     /* definitely not done (a cas whose compare failed, a refused request) */
  FL_REPLY_REDIRECT, /* not here: try `redirect_to` (or another node if it is -1) */
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

/* "read", "write", "cas". */
const char *fl_op_kind_name(fl_op_kind kind);

#endif
