/* trace: the record of every event of a run, streamed to a compact file, and its digest.
 *
 * Each event is encoded once into a canonical byte string; the same bytes go to the trace file
 * (when one is open) and into the run's 64-bit digest, so a trace can be re-hashed to verify a
 * digest. The writer never holds the trace in memory: records go through a small buffer to the
 * file as the run goes.
 *
 * File format (documented for the visualiser and other readers; all integers are unsigned
 * LEB128 varints unless noted, "str" is a varint length then UTF-8 bytes):
 *   header:  the 8 bytes "FLTRACE3", then str: a JSON object with the run's metadata
 *            ({"version":1,"seed":..,"protocol":..,"nodes":..,"clients":..,"node_names":[..],
 *              "scenario":..,"duration_ns":..,"build":..})
 *   record:  u8 kind, varint dt (ns since the previous record; time never goes back), then the
 *            kind's fields in the order listed at fl_trace_kind. Node and client fields are
 *            endpoint numbers: nodes 0..n-1, clients n..n+c-1.
 *   end:     a record of kind FL_TR_END closes a complete trace: its field is the digest of
 *            every record before it. A trace without it was cut short.
 *   status:  a STATUS record's dt counts from the previous record of another kind, and does
 *            not move the clock: the next record's dt counts from the same point as if the
 *            STATUS record were not there (see Digest).
 * Versions: FLTRACE3 added STATUS records (kind 20); the reader also reads FLTRACE2 files,
 * which have none.
 *
 * Digest: FNV-1a 64 over the canonical bytes of every record (header excluded), in order.
 * A SEND record's description is presentation, not content: the digest covers the record up
 * to it, the payload through its hash. So the run's digest is the same whether a trace file
 * is written or not, and without one the protocol's describe_msg is never called.
 * STATUS records are outside the digest altogether: a node's status is derived from its
 * protocol state, so the digest keeps identifying the event sequence (and stays what it was
 * before status records existed). Their not moving the clock is what keeps the other
 * records' bytes, and so the digest, unchanged.
 */
#ifndef FL_TRACE_H
#define FL_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include "status.h"

/* Record kinds and their fields after (kind, dt). */
typedef enum fl_trace_kind {
  FL_TR_SEND = 1,   /* msg_id, src, dst, len, payload hash, str description */
  FL_TR_DELIVER,    /* msg_id, src, dst */
  FL_TR_DROP,       /* msg_id, src, dst, reason (fl_drop_reason) */
  FL_TR_DUPLICATE,  /* msg_id, src, dst: a second copy was scheduled */
  FL_TR_TIMER,      /* node, tag: a timer fired */
  FL_TR_CRASH,      /* node */
  FL_TR_RESTART,    /* node */
  FL_TR_PAUSE,      /* node */
  FL_TR_RESUME,     /* node */
  FL_TR_PARTITION,  /* count n, then n group numbers (one per endpoint) */
  FL_TR_HEAL,       /* (no fields) */
  FL_TR_CUT,        /* src, dst, cut (1) or repaired (0) */
  FL_TR_NET_CHANGE, /* str: what changed, e.g. "loss = 20%" */
  FL_TR_INVOKE,     /* client endpoint, process, op seq, op kind, key (zigzag), value (zigzag),
                       expected (zigzag), node it was sent to */
  FL_TR_COMPLETE,   /* client endpoint, process, op seq, outcome (fl_hist_type), has_value,
                       value (zigzag) */
  FL_TR_ANNOTATE,   /* node, str */
  FL_TR_STATE,      /* node, str: the protocol's describe() line, written when it changes */
  FL_TR_VIOLATION,  /* str invariant name and explanation */
  FL_TR_END,        /* u64 digest as 8 little-endian bytes (not a varint) */
  FL_TR_STATUS,     /* node, role (fl_role), str word, term kind (fl_term_kind), term,
                       leader + 1 (0: none), flags (1: has commit, 2: has applied), commit,
                       applied: the node's status, written when it changes; not hashed, and
                       does not move the clock (see the format above). After END in number
                       only: kinds keep their numbers across versions. */
  FL_TR_KIND_MAX
} fl_trace_kind;

/* "send", "deliver", ... */
const char *fl_trace_kind_name(fl_trace_kind k);

typedef struct fl_trace fl_trace;

#define FL_TRACE_ERROR (fl_trace_error_quark())
GQuark fl_trace_error_quark(void);
typedef enum { FL_TRACE_ERROR_IO, FL_TRACE_ERROR_FORMAT } fl_trace_error;

/* A writer. path NULL: digest only, nothing written. The file is written under a temporary
 * name and renamed into place by fl_trace_close(t, true). `meta_json` is copied into the
 * header. Newly allocated; fl_trace_close frees. */
fl_trace *fl_trace_open(const char *path, const char *meta_json, GError **error);

/* Record writers; time_ns must not be earlier than the previous record's. Strings are
 * borrowed for the call. */
/* desc may be NULL when fl_trace_has_file is false: it is written, never hashed. */
void fl_trace_send(fl_trace *t, int64_t time_ns, uint64_t msg_id, int src, int dst, size_t len,
                   uint64_t payload_hash, const char *desc);
/* A trace file is being written (so SEND descriptions are worth computing). */
bool fl_trace_has_file(const fl_trace *t);
/* The hash of a message's bytes that SEND records carry. */
uint64_t fl_trace_payload_hash(const void *data, size_t len);
void fl_trace_deliver(fl_trace *t, int64_t time_ns, uint64_t msg_id, int src, int dst);
void fl_trace_drop(fl_trace *t, int64_t time_ns, uint64_t msg_id, int src, int dst, int reason);
void fl_trace_duplicate(fl_trace *t, int64_t time_ns, uint64_t msg_id, int src, int dst);
void fl_trace_timer(fl_trace *t, int64_t time_ns, int node, uint64_t tag);
/* FL_TR_CRASH, FL_TR_RESTART, FL_TR_PAUSE, FL_TR_RESUME. */
void fl_trace_node_event(fl_trace *t, int64_t time_ns, fl_trace_kind kind, int node);
void fl_trace_partition(fl_trace *t, int64_t time_ns, const int *group_of, int n);
void fl_trace_heal(fl_trace *t, int64_t time_ns);
void fl_trace_cut(fl_trace *t, int64_t time_ns, int src, int dst, bool cut);
void fl_trace_net_change(fl_trace *t, int64_t time_ns, const char *what);
void fl_trace_invoke(fl_trace *t, int64_t time_ns, int client, uint64_t process, uint64_t seq,
                     int op_kind, int64_t key, int64_t value, int64_t expected, int node);
void fl_trace_complete(fl_trace *t, int64_t time_ns, int client, uint64_t process, uint64_t seq,
                       int outcome, bool has_value, int64_t value);
void fl_trace_annotate(fl_trace *t, int64_t time_ns, int node, const char *text);
void fl_trace_state(fl_trace *t, int64_t time_ns, int node, const char *text);
/* A node's status (borrowed for the call; its word is written up to its NUL). Not part of
 * the digest, nor of fl_trace_records. */
void fl_trace_status(fl_trace *t, int64_t time_ns, int node, const fl_node_status *status);
void fl_trace_violation(fl_trace *t, int64_t time_ns, const char *text);

/* Checkpoints of the running digest, for `faultline digest-check`: with them set, after
 * record number 2^k (hashed records counted from 1; STATUS records do not count) the digest
 * so far goes to digest[k], and `records` follows the count. A divergence between two runs
 * is then located to the window between two checkpoints without either run's trace.
 * Recording only copies the digest: it never changes it. */
#define FL_TRACE_CHECKPOINTS 64 /* enough for 2^63 records, more than any run */
typedef struct fl_trace_checkpoints {
  uint64_t records;                      /* hashed records so far */
  uint64_t digest[FL_TRACE_CHECKPOINTS]; /* digest[k]: after record 2^k, for 2^k <= records */
} fl_trace_checkpoints;
/* From now on (call it before the first record); `cp` is borrowed until fl_trace_close,
 * NULL stops recording. Entries for counts not reached are left as they were. */
void fl_trace_set_checkpoints(fl_trace *t, fl_trace_checkpoints *cp);

/* The digest of every record so far. */
uint64_t fl_trace_digest(const fl_trace *t);
uint64_t fl_trace_records(const fl_trace *t);
uint64_t fl_trace_bytes(const fl_trace *t);

/* Writes the END record (when keep), flushes, renames into place, frees. keep false removes the
 * temporary file. Returns false with an error on a write failure (and removes the file).
 * NULL accepted. */
bool fl_trace_close(fl_trace *t, bool keep, GError **error);

/* ---- Reading. */

/* One decoded record. Strings point into the reader's buffer: valid until the next call. */
typedef struct fl_trace_rec {
  fl_trace_kind kind;
  int64_t time_ns;
  uint64_t msg_id;
  int32_t node, src, dst; /* node: the node or client endpoint the record is about */
  uint64_t tag;           /* TIMER tag; DROP reason; CUT flag */
  uint64_t process, seq;
  int32_t op_kind, outcome;
  bool has_value;
  int64_t key, value, expected;
  uint64_t len;      /* SEND payload length */
  uint64_t payload;  /* SEND payload hash */
  const char *text;  /* SEND description, ANNOTATE, STATE, NET_CHANGE, VIOLATION, STATUS
                        word; or NULL */
  const int32_t *groups; /* PARTITION: n_groups entries */
  int32_t n_groups;
  uint64_t digest;   /* END */
  fl_node_status status; /* STATUS (its word also in text) */
} fl_trace_rec;

typedef struct fl_trace_reader fl_trace_reader;

/* Opens a trace and reads its header, refusing one nested deeper than FL_LIMIT_JSON_DEPTH (so
 * that json-glib can parse it). Newly allocated; fl_trace_reader_free. */
fl_trace_reader *fl_trace_reader_open(const char *path, GError **error);
void fl_trace_reader_free(fl_trace_reader *r);
/* The header's JSON metadata (borrowed). */
const char *fl_trace_reader_meta(const fl_trace_reader *r);
/* Reads the next record into *rec. Returns false at the end (error unset) or on a malformed or
 * truncated file (error set, naming the file and byte offset). The END record is returned like
 * any other; after it, false. */
bool fl_trace_reader_next(fl_trace_reader *r, fl_trace_rec *rec, GError **error);
/* The digest of the records read so far (END excluded), to verify against END. */
uint64_t fl_trace_reader_digest(const fl_trace_reader *r);

#endif
