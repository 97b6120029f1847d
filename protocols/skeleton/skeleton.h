/* skeleton: a primary-backup register, the starting point for a protocol lab (see skeleton.c
 * and docs/writing-a-protocol.md). */
#ifndef FL_PROTOCOL_SKELETON_H
#define FL_PROTOCOL_SKELETON_H

#include "actor.h"

/* The protocol's table (static storage). */
const fl_protocol *fl_protocol_skeleton(void);

/* Its messages, for tests that decode what a node sent. Every message starts with its type. */
enum { SKEL_MSG_FORWARD = 1, SKEL_MSG_ACK = 2 };

/* Primary -> backup: apply write number `seq` (key := value). */
typedef struct skel_msg_forward {
  uint32_t type; /* SKEL_MSG_FORWARD */
  uint32_t pad;  /* zero: see "fully initialised messages" in skeleton.c */
  uint64_t seq;
  int64_t key, value;
} skel_msg_forward;

/* Backup -> primary: write `seq` is durable here. */
typedef struct skel_msg_ack {
  uint32_t type; /* SKEL_MSG_ACK */
  uint32_t pad;
  uint64_t seq;
} skel_msg_ack;

/* Durable keys (fl_node_persist): the last write applied, the primary's write in flight, one
 * key per register, one per client's session. */
#define SKEL_KEY_SEQ UINT64_C(0)
#define SKEL_KEY_PENDING UINT64_C(1)
#define SKEL_KEY_REGISTER(k) ((UINT64_C(1) << 32) + (uint64_t)(k))
#define SKEL_KEY_SESSION(c) ((UINT64_C(2) << 32) + (uint64_t)(c))

#endif
