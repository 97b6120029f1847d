/* staleness: how stale the reads of a register (kv) history were, measured from the history
 * alone, for any protocol (issue 15 item 4: Bailis et al.'s probabilistically bounded
 * staleness, PBS).
 *
 * Fed the history's events in real-time order (the order they were recorded), one key at a
 * time or interleaved. Definitions, for each read of key k that completed ok returning v:
 *   - the writes "before" the read are the writes of k acknowledged (ok) before the read was
 *     invoked;
 *   - the read's source w_v is the write of k that wrote v (the initial value, nil, for a read
 *     of nil: it "completed" before everything);
 *   - the read is STALE when some write before it was invoked after w_v was acknowledged: it
 *     misses a write that completed before it began and is newer than w_v in real-time order.
 *     A write concurrent with w_v (invoked before w_v's acknowledgement) never makes the read
 *     stale, whatever its acknowledgement: either order is possible.
 *   - versions behind: the number of such missed writes; lag (Bailis' t): the read's invocation
 *     time minus the acknowledgement time of the newest missed write, how long an acknowledged
 *     write stayed invisible.
 *   - t-visibility: for every ok read with at least one write before it, dt = the read's
 *     invocation time minus the acknowledgement time of the latest write before it; the read
 *     counts in dt's bucket, as fresh when not stale. The buckets are fixed (decades from 1 ms
 *     to 1 s, the range between a LAN round trip and an anti-entropy period):
 *     [0, 1ms), [1ms, 10ms), [10ms, 100ms), [100ms, 1s), [1s, inf).
 *
 * Duplicated values: faultline's kv workload writes values 0..4 (workload.c), so a value read
 * usually has several possible sources. The read is attributed to the possible source most
 * favourable to it: among the writes of v to k invoked before the read completed and not known
 * to have failed, the one acknowledged last, where a write still in flight when the read
 * returned, or of unknown outcome, counts as acknowledged after it (never making it stale).
 * So a read counted stale is stale under every attribution, and versions behind and lag are
 * the least over the attributions: lower bounds. `ambiguous` counts the reads that had more
 * than one possible source, so a reader sees how much the attribution mattered.
 *
 * Ignored: reads that failed or whose outcome is unknown, writes that failed (definitely did
 * not happen). Writes of unknown outcome are possibly effective: possible sources, never
 * missed writes. A read of a value that no write of that key wrote (not even an unknown one) is
 * an anomaly staleness cannot measure: counted in `unexplained`, not stale.
 *
 * "Before" is the order of the events as fed (ties in simulated time keep that order), times
 * give only the durations. Memory: one record per write of each key, one per open operation.
 * Determinism: hash tables are used for lookups only; results do not depend on their order.
 *
 * Ownership: an analyser owns all it holds; fl_staleness_free (accepts NULL) frees it. The
 * result is a plain struct copied out.
 */
#ifndef FL_STALENESS_H
#define FL_STALENESS_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <json-glib/json-glib.h>

#define FL_STALENESS_ERROR (fl_staleness_error_quark())
GQuark fl_staleness_error_quark(void);
typedef enum fl_staleness_error_code {
  FL_STALENESS_ERROR_HISTORY /* the events do not make a history: a process invoked twice, or
                              * completed an operation it never invoked */
} fl_staleness_error_code;

#define FL_STALENESS_BUCKETS 5

typedef enum fl_staleness_op {
  FL_STALENESS_READ,
  FL_STALENESS_WRITE /* a write, or a cas of its new value (a cas that fails did not happen) */
} fl_staleness_op;

typedef enum fl_staleness_outcome {
  FL_STALENESS_OK,
  FL_STALENESS_FAIL,   /* definitely did not happen */
  FL_STALENESS_UNKNOWN /* may have happened, or not */
} fl_staleness_outcome;

typedef struct fl_staleness_bucket {
  uint64_t reads; /* ok reads with a write before them whose dt falls in the bucket */
  uint64_t fresh; /* of which not stale */
} fl_staleness_bucket;

typedef struct fl_staleness_result {
  uint64_t reads;          /* ok reads analysed */
  uint64_t stale;          /* of which stale */
  uint64_t versions_max;   /* the most versions a stale read was behind (0: none stale) */
  uint64_t versions_total; /* the sum over stale reads */
  int64_t lag_max_ns;      /* the largest lag of a stale read (0: none stale) */
  uint64_t ambiguous;      /* ok reads with more than one possible source */
  uint64_t unexplained;    /* ok reads of a value no write of the key wrote */
  fl_staleness_bucket buckets[FL_STALENESS_BUCKETS]; /* t-visibility, by dt */
} fl_staleness_result;

typedef struct fl_staleness fl_staleness;

/* An empty analyser. Newly allocated; fl_staleness_free. */
fl_staleness *fl_staleness_new(void);
void fl_staleness_free(fl_staleness *s);

/* Process `process` invoked `op` on `key` at `time_ns`; `value` is a write's (ignored for a
 * read). False with FL_STALENESS_ERROR_HISTORY if the process already has an operation open;
 * nothing changes then. */
bool fl_staleness_invoke(fl_staleness *s, int64_t time_ns, int64_t process, fl_staleness_op op,
                         int64_t key, int64_t value, GError **error);
/* The process's open operation completed at `time_ns`. For an ok read, `has_value`/`value` is
 * what it returned (has_value false: nil, the initial value). False with
 * FL_STALENESS_ERROR_HISTORY if the process has no operation open. */
bool fl_staleness_complete(fl_staleness *s, int64_t time_ns, int64_t process,
                           fl_staleness_outcome outcome, bool has_value, int64_t value,
                           GError **error);

/* The figures so far (reads still open are not counted). */
void fl_staleness_get(const fl_staleness *s, fl_staleness_result *out);

/* Bucket i's upper bound in ns (exclusive), or -1 for the last one (no bound). */
int64_t fl_staleness_bucket_below_ns(int i);
/* Bucket i's name: "<1ms", "<10ms", "<100ms", "<1s", ">=1s". Static. */
const char *fl_staleness_bucket_name(int i);

/* Adds the result's members to the object being built by `b` (between begin_object and
 * end_object, which the caller writes): reads, stale, versions_max, versions_total, lag_max_ns,
 * ambiguous, unexplained, and t_visibility, an array of {bucket, below_ns (null for the last),
 * reads, fresh, p_fresh (null when the bucket is empty)}. */
void fl_staleness_to_json(const fl_staleness_result *r, JsonBuilder *b);

#endif
