/* waiters: clients waiting at a replica for an index to apply, answered in index order.
 *
 * A leader (Raft's leader, Multi-Paxos's distinguished proposer, ZAB's leader) that accepts a
 * client operation notes the index the operation will be decided at and keeps the client
 * waiting. When the entry at that index applies, the waiter whose (client, seq) it carries gets
 * the state machine's answer; a waiter whose index applied with another operation (its entry
 * was overwritten by a new leader's) is redirected, since its operation may still be decided
 * elsewhere and a retry is applied at most once (client_sessions.h). When leadership is lost
 * every waiter is redirected.
 *
 * The queue is FIFO. Waiters pushed with non-decreasing indexes (log order) are answered by
 * fl_waiters_settle; a queue used otherwise (Raft's ReadIndex reads, ordered by arrival) walks
 * the front with fl_waiters_front / fl_waiters_pop itself. `round` is free for the protocol
 * (ReadIndex: the heartbeat round a quorum must acknowledge).
 *
 * Ownership: the caller owns the fl_waiters storage (init/clear); the queue copies each
 * operation it is given.
 */
#ifndef FL_WAITERS_H
#define FL_WAITERS_H

#include <stdint.h>
#include <glib.h>
#include "actor.h"

typedef struct fl_waiter {
  fl_op op;       /* the waiting operation, as it arrived (replies go to its endpoint) */
  uint64_t index; /* the log index it waits for (or the read index) */
  uint64_t round; /* the protocol's; 0 if unused */
} fl_waiter;

typedef struct fl_waiters {
  GArray *items; /* fl_waiter, oldest first; private */
} fl_waiters;

void fl_waiters_init(fl_waiters *q);
/* Frees the queue without answering anyone; accepts a cleared or zeroed queue. */
void fl_waiters_clear(fl_waiters *q);

/* Queues op (copied) to wait for index. */
void fl_waiters_push(fl_waiters *q, const fl_op *op, uint64_t index, uint64_t round);
guint fl_waiters_len(const fl_waiters *q);
/* The oldest waiter, borrowed until the queue changes; NULL if empty. */
const fl_waiter *fl_waiters_front(const fl_waiters *q);
/* Removes the oldest waiter (the queue must not be empty), answering nobody. */
void fl_waiters_pop(fl_waiters *q);

/* The entry at `index` applied with the operation (client, seq) and answer r: answers every
 * waiter at or below index from the front: the one waiting for index with that (client, seq)
 * gets r, the others FL_REPLY_REDIRECT (redirect_to -1). Stops at the first waiter of a later
 * index. */
void fl_waiters_settle(fl_waiters *q, fl_node_ctx *ctx, uint64_t index, uint32_t client,
                       uint64_t seq, const fl_op_result *r);
/* Answers every waiter FL_REPLY_REDIRECT (redirect_to -1), oldest first, and empties the
 * queue: leadership was lost, and an operation may still be decided, so it is not failed. */
void fl_waiters_redirect_all(fl_waiters *q, fl_node_ctx *ctx);

#endif
