/* quorum: majority arithmetic for a cluster of n voters, shared by every replicated-state-
 * machine protocol (Raft's elections, commit rule, CheckQuorum and ReadIndex; Paxos's phases;
 * ZAB's acknowledgements).
 *
 * A quorum is a strict majority: any two quorums of the same n intersect, which is what makes
 * a value chosen by one of them visible to the next. Functions are pure; nothing is owned.
 */
#ifndef FL_QUORUM_H
#define FL_QUORUM_H

#include <stdbool.h>
#include <stdint.h>

/* The size of the smallest majority of n voters (n >= 1): 1, 2, 2, 3, 3, 4, 4 for 1..7. */
static inline int fl_quorum_majority(int n) { return n / 2 + 1; }

/* Whether `count` voters (yes votes, acknowledgements) out of n form a majority. */
static inline bool fl_quorum_reached(int count, int n) { return count >= fl_quorum_majority(n); }

/* The highest value that at least a majority of the n values reach (the majority-th largest):
 * given each voter's match index, the index a majority stores. `values` (n >= 1 of them) is
 * borrowed and left unchanged. */
uint64_t fl_quorum_agreed(const uint64_t *values, int n);

#endif
