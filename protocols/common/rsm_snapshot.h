/* rsm_snapshot: the snapshot blob of a replicated state machine (kv_machine.h) and its client
 * sessions (client_sessions.h), as Raft and Multi-Paxos take it when they compact their logs,
 * persist it, send it to a replica that lags behind, and restore it after a crash.
 *
 * Layout, no padding anywhere:
 *   [prefix: prefix_len bytes, the protocol's own header]
 *   [uint32 n_kv][uint32 n_sessions]                      (host order, 8 bytes)
 *   [n_kv pairs, FL_KV_MACHINE_PAIR_SIZE bytes each]      (fl_kv_machine_save)
 *   [n_sessions sessions, sizeof(fl_client_session) each] (fl_client_sessions_save)
 * The prefix is the protocol's: this module copies it in and out and reads nothing in it,
 * except that by convention it starts with the uint64 index of the last operation the snapshot
 * covers (fl_rsm_snapshot_index reads it; Raft adds the term of that entry, Paxos nothing).
 * So each protocol keeps its header fields and its own checks of them, and the kv and session
 * bytes are written and checked in one place.
 *
 * A blob is untrusted: it arrives from another node or from durable storage. Parsing checks
 * every length and count before anything is read or changed; a short, long or inconsistent
 * blob is refused and changes nothing.
 *
 * Ownership: take returns a new GByteArray (the caller frees it with g_byte_array_free); the
 * machine and sessions it reads are borrowed for the call. A view points into the blob it was
 * parsed from and is valid while that blob is; install copies out of it.
 */
#ifndef FL_RSM_SNAPSHOT_H
#define FL_RSM_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include "actor.h"
#include "common/client_sessions.h"
#include "common/kv_machine.h"

/* The bytes of the two counts after the prefix. */
#define FL_RSM_SNAPSHOT_COUNTS_SIZE 8

/* A parsed blob: its counts and where its pairs and sessions start (inside the blob). */
typedef struct fl_rsm_snapshot_view {
  uint32_t n_kv, n_sessions;
  const char *pairs;    /* n_kv * FL_KV_MACHINE_PAIR_SIZE bytes, borrowed from the blob */
  const char *sessions; /* n_sessions * sizeof(fl_client_session) bytes, likewise */
} fl_rsm_snapshot_view;

/* A new blob: prefix (prefix_len bytes, borrowed; the protocol's header, which it writes
 * without padding), the counts, the pairs of kv in key order and every session. */
GByteArray *fl_rsm_snapshot_take(const void *prefix, size_t prefix_len, const fl_kv_machine *kv,
                                 const fl_client_sessions *sessions);

/* The smallest blob with a prefix of prefix_len bytes (an empty machine, no sessions). */
size_t fl_rsm_snapshot_min_len(size_t prefix_len);

/* Checks an untrusted blob of len bytes whose prefix is prefix_len bytes: long enough for the
 * prefix and counts, n_sessions at most FL_CLIENT_SESSIONS_MAX, and len exactly what the counts
 * make. On success copies the prefix to prefix_out (prefix_len bytes, the caller's), fills
 * *view and returns true; otherwise returns false and writes neither. */
bool fl_rsm_snapshot_parse(const void *blob, size_t len, size_t prefix_len, void *prefix_out,
                           fl_rsm_snapshot_view *view);

/* Replaces the contents of kv and sessions by the view's (from fl_rsm_snapshot_parse, whose
 * checks make this unable to fail). */
void fl_rsm_snapshot_install(const fl_rsm_snapshot_view *view, fl_kv_machine *kv,
                             fl_client_sessions *sessions);

/* For describing a message or a record: the counts of a blob as they stand, unchecked, in
 * *n_kv and *n_sessions; false (both untouched) if the blob is shorter than its prefix and
 * counts. */
bool fl_rsm_snapshot_peek(const void *blob, size_t len, size_t prefix_len, uint32_t *n_kv,
                          uint32_t *n_sessions);

/* The index a blob covers: its first 8 bytes, by the prefix convention above. False (and
 * *index untouched) if the blob is shorter than an index and the counts. */
bool fl_rsm_snapshot_index(const void *blob, size_t len, uint64_t *index);
/* For invariant checks of a crashed node: the index its restart can count on from the snapshot
 * kept in two slots (durable_slots keys key_a and key_b). It restarts from the newer whole one;
 * a torn one may claim any index, so the lower index of those present is the safe floor (0 with
 * none). */
uint64_t fl_rsm_snapshot_durable_floor(const fl_cluster_view *v, int node, uint64_t key_a,
                                       uint64_t key_b);

#endif
