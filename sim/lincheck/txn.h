/* txn: checks of a history of transactions (the txn workload, sim/workload.h).
 *
 * A transaction is an operation with f "txn" whose value is a list of micro-ops [f key value]:
 * f "r" (read; the value is what was read, nil if the key was never written) or "w" (write),
 * key and value integers or strings, as Jepsen and Elle write them ([[:r 1 nil] [:w 2 7]]).
 * Transactions that failed (:fail) did not happen and are not in the history; those whose
 * outcome is unknown (:info, never completed) may have committed: their reads are unknown.
 *
 * Requirement: every value written to a key is written once in the whole history (faultline's
 * txn workload writes unique values), so that a read names the one write it observed.
 * A history that breaks it is refused (FL_LINCHECK_ERROR_MODEL).
 *
 * Definitions. A read of key k at position i of transaction T is internal if T wrote k at a
 * position before i, else external. T observes W (W != T) if an external read of T returns a
 * value W wrote.
 *   1. Internal consistency: an internal read returns T's last write of k before it.
 *   2. No garbage read: an external read returns nil or a value some transaction of the history
 *      wrote (a value of a failed, hence absent, transaction is garbage: Adya's G1a).
 *   3. No intermediate read (G1b): it returns W's last write of k, not one W overwrote.
 *   4. No future read: it does not return a value T itself writes later.
 *   5. Atomic visibility (no fractured read): if T observes W, then every external read by T of
 *      a key y that W wrote returns neither nil (the value before every transaction) nor a value
 *      written by a transaction W observes, directly or transitively (one that precedes W). T
 *      sees W entirely or not at all: never the state from before W on one key and W's on
 *      another.
 * Checks 1-5 are decided exactly, in time linear in the history (plus a graph search per
 * suspicious read). Violations give FL_LIN_VIOLATION with `reason` naming the anomaly and the
 * transactions' lines.
 *
 * Then serializability: is there a total order of the committed transactions (plus the
 * unknown ones whose writes were observed) in which each transaction's external reads return
 * the value of the last earlier write of that key (nil if none)? The search first tries orders
 * that respect real time (strict serializability, which implies it: quick for correct
 * systems), then any order, depth first, memoizing (set placed, store) by a 128-bit
 * fingerprint (a collision, at odds of about 2^-100, could hide an order). Past `max_steps`
 * the verdict is FL_LIN_UNKNOWN with `reason` saying so; the problem is NP-complete in general.
 */
#ifndef FL_LINCHECK_TXN_H
#define FL_LINCHECK_TXN_H

#include "lincheck.h"

typedef struct fl_txn_check_opts {
  int64_t max_steps; /* search steps of the serializability search; 0 = no limit */
} fl_txn_check_opts;

/* max_steps 1 million. */
void fl_txn_check_opts_init(fl_txn_check_opts *o);

/* Checks `h` (borrowed). n_ops is the number of transactions checked, steps the search's.
 * Errors (FL_LINCHECK_ERROR_MODEL, naming the line): an operation that is not a transaction
 * or a malformed micro-op, a value written twice, more than FL_LIMIT_TXN_CHECK transactions.
 * Newly allocated; fl_lincheck_result_free. */
fl_lincheck_result *fl_txn_check(const fl_lincheck_history *h, const fl_txn_check_opts *o,
                                 GError **error);

/* "serializable", "not serializable", "unknown". */
const char *fl_txn_verdict_name(fl_lin_verdict v);

#endif
