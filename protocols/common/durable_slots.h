/* durable_slots: one durable record kept in two alternating slots, so that a write torn by a
 * crash ([nodes] torn_writes = yes) never takes the previous version with it.
 *
 * A crash tears at most the write in progress, the oldest unsynced one (everything before it is
 * synced), so if each new version goes to the slot the previous one did not use, the other
 * slot holds the version before it, whole. A restart reads both slots and takes the newest
 * whole one. Overwriting one record in place loses both versions to one torn write. Rejected:
 * write-new-then-point (two writes per change) and a log of versions (unbounded growth).
 *
 * Two kinds of record:
 *   - framed (fl_durable_slots_write / _read): the module adds a version and a checksum. The
 *     bytes stored are [seq: 8 bytes][payload][CRC-32C of the bytes before it: 4 bytes], native
 *     byte order as any persisted struct here. seq is 1 for the first write, one more for each
 *     (64 bits: it never wraps); odd seqs go to the first key, even ones to the second, and a
 *     record is whole when its length is exact, its CRC holds and its seq's parity matches its
 *     slot. Raft's term-and-vote record is this layout (raft_meta), byte for byte.
 *   - unframed blobs (fl_durable_slots_put / _get): stored as given, for records that already
 *     carry a version and an exact-length parse (the replicated state machine's snapshots,
 *     sent as they are to other nodes). The caller's parse says whether a slot is whole and
 *     gives its version; each put goes to the slot the latest did not use.
 *
 * "No whole record" with at most one slot written means the first write was torn (or nothing
 * was ever written): the caller's initial state is then the truth, since nothing it sent
 * depended on a write that never synced. Both slots written and neither whole is damage no
 * crash makes (FL_DURABLE_SLOTS_DAMAGED): the caller stops the run rather than forget.
 *
 * The pure functions (frame, unframe, pick) hold the logic and are what the unit tests drive;
 * the others add the node API calls. Nothing is owned across calls: a blob returned by _get is
 * the node's durable storage, borrowed until the node's next write.
 */
#ifndef FL_DURABLE_SLOTS_H
#define FL_DURABLE_SLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "actor.h"

/* Bytes a framed record adds to its payload: the seq before it, the CRC-32C after it. */
#define FL_DURABLE_SLOTS_FRAME_BYTES 12

typedef struct fl_durable_slots {
  uint64_t key[2]; /* the two slots' durable keys */
  uint64_t seq;    /* framed: the seq of the latest record written or read (0: none) */
  int latest;      /* the slot (0 or 1) of the latest record, -1 before the first */
} fl_durable_slots;

typedef enum fl_durable_slots_status {
  FL_DURABLE_SLOTS_OK,      /* the newest whole record was read */
  FL_DURABLE_SLOTS_EMPTY,   /* no whole record, at most one slot written: start afresh */
  FL_DURABLE_SLOTS_DAMAGED  /* both slots written, neither whole */
} fl_durable_slots_status;

/* Says whether rec (len bytes, untrusted), read from slot 0 or 1, is a whole record, and if so
 * its version. */
typedef bool (*fl_durable_slots_parse)(const void *rec, size_t len, int slot, uint64_t *version,
                                       void *user);

void fl_durable_slots_init(fl_durable_slots *d, uint64_t key_a, uint64_t key_b);

/* ---- Pure. */

/* Writes the framed record of (seq, payload) into out, which holds len + FRAME_BYTES. */
void fl_durable_slots_frame(void *out, uint64_t seq, const void *payload, size_t len);
/* If rec is a whole framed record of a payload_len payload, copies the payload out (if out is
 * not NULL), sets *seq and returns true. */
bool fl_durable_slots_unframe(const void *rec, size_t len, size_t payload_len, uint64_t *seq,
                              void *out);
/* The slot (0 or 1) of the newest whole record among rec[i] (len[i] bytes; NULL: never
 * written), the second on equal versions; -1 for none whole with at most one written, -2 for
 * both written and neither whole. *version is the pick's. */
int fl_durable_slots_pick(const void *const rec[2], const size_t len[2],
                          fl_durable_slots_parse parse, void *user, uint64_t *version);

/* ---- On a node. */

/* Persists the next version of a framed record (payload, len bytes). */
void fl_durable_slots_write(fl_durable_slots *d, fl_node_ctx *ctx, const void *payload,
                            size_t len);
/* Restores the newest whole framed record of a len-byte payload into payload (left as it was
 * unless OK); the next write then goes to the other slot. */
fl_durable_slots_status fl_durable_slots_read(fl_durable_slots *d, fl_node_ctx *ctx,
                                              void *payload, size_t len);

/* Persists a blob, as it is, to the slot the latest did not use. */
void fl_durable_slots_put(fl_durable_slots *d, fl_node_ctx *ctx, const void *blob, size_t len);
/* Finds the newest whole blob by parse: *blob and *len are set to it when OK. lens (may be
 * NULL) receives both slots' lengths (0: never written), for the caller's error messages. */
fl_durable_slots_status fl_durable_slots_get(fl_durable_slots *d, fl_node_ctx *ctx,
                                             fl_durable_slots_parse parse, void *user,
                                             const void **blob, size_t *len, size_t lens[2]);
/* The key of the latest record written or read; false before the first. */
bool fl_durable_slots_latest(const fl_durable_slots *d, uint64_t *key);

#endif
