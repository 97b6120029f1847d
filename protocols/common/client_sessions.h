/* client_sessions: exactly-once application of client operations (Raft thesis 6.3; VR's and
 * TigerBeetle's client table), apart from the state machine they protect.
 *
 * Each operation carries (client, seq), seq growing by one per new operation of a client.
 * The table remembers, per client, the last seq applied and its answer. A retry of that seq
 * (after a redirect, a timeout, a leader change) is answered from the table and not applied
 * again; an older seq is superseded (its client has moved on, nobody waits for it); a newer
 * one is applied and recorded. Every replica applies the same decided operations through its
 * table, so the tables agree too and belong in the snapshot.
 *
 * A lookup of a client makes room for it (clients 0..client, empty sessions of seq 0): the
 * snapshot therefore records every client a replica has looked up, as Raft always has. A
 * client id at or above FL_CLIENT_SESSIONS_MAX is refused rather than allowed to size it.
 *
 * Snapshot: the sessions of clients 0..count-1 as fl_client_session records (24 bytes each,
 * no pointers), no count; the protocol records the count in its own header.
 *
 * Ownership: the caller owns the fl_client_sessions storage (init/clear); the array is its.
 */
#ifndef FL_CLIENT_SESSIONS_H
#define FL_CLIENT_SESSIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "actor.h"

/* Scenarios allow FL_LIMIT_CLIENTS (100,000) clients: this bounds the array a forged client id
 * or a snapshot could make a replica allocate. */
#define FL_CLIENT_SESSIONS_MAX (1u << 20)

/* One client's session: its last applied seq (0: none yet) and that operation's answer. */
typedef struct fl_client_session {
  uint64_t seq;
  uint32_t status; /* fl_reply_status */
  uint32_t has_value;
  int64_t value;
} fl_client_session;

typedef struct fl_client_sessions {
  GArray *items; /* fl_client_session, indexed by client; private */
} fl_client_sessions;

/* What the table says of an operation before it is applied. */
typedef enum fl_session_verdict {
  FL_SESSION_NEW,       /* a seq after the last applied one: apply it */
  FL_SESSION_DUPLICATE, /* the last applied seq: answer with the cached result */
  FL_SESSION_STALE,     /* older than the last applied seq: nobody waits for an answer */
  FL_SESSION_REFUSED    /* a client id no session may hold (>= FL_CLIENT_SESSIONS_MAX) */
} fl_session_verdict;

/* Applies a decided command to a state machine and returns its answer (see
 * fl_kv_machine_apply_fn). */
typedef fl_op_result (*fl_session_apply_fn)(void *machine, const void *command);

void fl_client_sessions_init(fl_client_sessions *t);
/* Frees the array; accepts a cleared or zeroed table. */
void fl_client_sessions_clear(fl_client_sessions *t);

/* Classifies (client, seq), making room for the client unless refused. For a duplicate,
 * *cached (may be NULL) gets the recorded answer (redirect_to -1). */
fl_session_verdict fl_client_sessions_check(fl_client_sessions *t, uint32_t client,
                                            uint64_t seq, fl_op_result *cached);

/* The leader's gate for a client operation, in one place for every protocol: true when the
 * operation is new and should be proposed; otherwise it has been dealt with (a duplicate gets
 * its recorded answer, a refused client FAIL; a stale retry, which nobody waits for, nothing). */
bool fl_client_sessions_admit(fl_client_sessions *t, fl_node_ctx *ctx, const fl_op *op);
/* Applies a decided operation at most once: a new one through apply(machine, command), whose
 * answer is recorded and returned with *fresh set; a duplicate gets its cached answer; a
 * stale or refused one FL_REPLY_FAIL (applied by nobody). machine and command are borrowed
 * for the call. */
fl_op_result fl_client_sessions_apply(fl_client_sessions *t, uint32_t client, uint64_t seq,
                                      fl_session_apply_fn apply, void *machine,
                                      const void *command, bool *fresh);

/* The number of sessions (one more than the largest client looked up, or 0). */
uint32_t fl_client_sessions_count(const fl_client_sessions *t);
/* Client's session (client < count), borrowed until the table next changes. */
const fl_client_session *fl_client_sessions_get(const fl_client_sessions *t, uint32_t client);

/* Appends the snapshot of every session (count of them) to out (borrowed). */
void fl_client_sessions_save(const fl_client_sessions *t, GByteArray *out);
/* Replaces the table by `count` sessions read from `records` (count * sizeof
 * (fl_client_session) bytes, borrowed, need not be aligned); false, changing nothing, if
 * count exceeds FL_CLIENT_SESSIONS_MAX. */
bool fl_client_sessions_load(fl_client_sessions *t, const void *records, uint32_t count);

#endif
