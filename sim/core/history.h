/* history: the record of every client operation, streamed to disk while a run goes.
 *
 * Events are written as they happen (invoke, then ok / fail / info), never held whole in memory.
 * Two formats, chosen by the output file's extension:
 *
 * JSON lines (any name but *.edn), faultline's own format, one object per event:
 *   {"index":0,"type":"invoke","process":0,"client":0,"f":"write","key":3,"value":17,"time":1500000}
 *   {"index":1,"type":"ok","process":0,"client":0,"f":"write","key":3,"value":17,"time":2400000}
 *   - "type": "invoke" | "ok" | "fail" (definitely did not happen) | "info" (unknown outcome:
 *     the client timed out; the operation may take effect at any later time, or never).
 *   - "f": "read" | "write" | "cas"; "key": an integer; "time": simulated nanoseconds.
 *   - "value": read invoke null, read ok the value read or null (key never written);
 *     write the value written; cas [expected, new].
 *   - "node" (ok and fail only): the index of the node that answered (0-based: n1 is 0).
 *   - A process has at most one operation open. After an "info" its client continues as a new
 *     process (process + n_clients), as Jepsen's clients do.
 *
 * EDN (*.edn), one map per line, as Jepsen, Knossos, Elle and Maelstrom's lin-kv read it: the key
 * travels inside the value as [key value]:
 *   {:index 0, :type :invoke, :process 0, :f :write, :value [3 17], :time 1500000}
 *   {:index 2, :type :invoke, :process 1, :f :read, :value [3 nil], :time 1600000}
 *   {:index 5, :type :invoke, :process 2, :f :cas, :value [3 [17 18]], :time 1700000}
 *
 * Other workload kinds (workload.h) write their own "f" and "value"; the rest is the same:
 *   counter  "f" "add" (value: the delta) or "read" (ok: the count); EDN :value [key n].
 *   lock     "f" "acquire" (invoke null, ok the fencing token) or "release" (the token held);
 *            "key" the lock; EDN :value [lock token], as jepsen.independent keys a mutex.
 *   txn      "f" "txn", no "key"; "value" the micro-ops, reads' values null until the ok:
 *              {"index":0,"type":"invoke",...,"f":"txn","value":[["r",1,null],["w",2,7]],...}
 *              {:index 0, :type :invoke, ..., :f :txn, :value [[:r 1 nil] [:w 2 7]], ...}
 *            (Jepsen's and Elle's transaction format).
 */
#ifndef FL_HISTORY_H
#define FL_HISTORY_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "lincheck.h"
#include "lincheck/staleness.h"
#include "op.h"
#include "workload.h"

typedef enum fl_hist_type {
  FL_HIST_INVOKE,
  FL_HIST_OK,
  FL_HIST_FAIL,
  FL_HIST_INFO
} fl_hist_type;

typedef enum fl_hist_format { FL_HIST_JSONL, FL_HIST_EDN } fl_hist_format;

typedef struct fl_history fl_history;

/* One operation as the CAP report reads it as the clients saw it: what the CAP report and
 * --plots read (kept only when asked: fl_world_opts.keep_ops). */
typedef struct fl_op_record {
  int64_t invoke_ns, end_ns; /* end_ns: the completion, or the run's end if it was cut short */
  uint32_t client;
  uint8_t kind;    /* fl_op_kind */
  uint8_t outcome; /* fl_hist_type: OK, FAIL or INFO */
  uint8_t majority; /* the client's side at invocation: 1 majority (or no partition), 0 minority */
  uint8_t open_at_end; /* cut short by the run's end: not an ended operation */
  int32_t node;    /* the node the operation was last sent to */
  uint8_t refused; /* a fail that was FL_REPLY_REFUSED */
  uint8_t pad[3];
} fl_op_record;

#define FL_HISTORY_ERROR (fl_history_error_quark())
GQuark fl_history_error_quark(void);
typedef enum { FL_HISTORY_ERROR_IO } fl_history_error;

/* Opens a history writer. `path` NULL: no file, only counts. Output goes to a temporary file
 * beside `path`, renamed over it by fl_history_close(h, true); closing with false removes it,
 * so a failed run leaves no partial file. Newly allocated; fl_history_close frees it. */
fl_history *fl_history_open(const char *path, fl_hist_format format, GError **error);

/* The format a path's extension selects: *.edn is EDN, anything else JSON lines. */
fl_hist_format fl_history_format_for(const char *path);

/* Appends one event. For FL_HIST_OK on a read, `has_value`/`value` is what was read; for other
 * completions they are ignored and the invocation's values are repeated. */
void fl_history_invoke(fl_history *h, int64_t time_ns, const fl_op *op);
void fl_history_complete(fl_history *h, int64_t time_ns, const fl_op *op, fl_hist_type type,
                         bool has_value, int64_t value);

/* Appends one event of an operation of workload kind `kind` (workload.h; borrowed): its
 * write_value writes the value. `req` is the operation, for a transaction's ok completion with
 * what its reads returned; `result` the reply of an ok completion (NULL otherwise). For kv,
 * the same as fl_history_invoke / fl_history_complete. */
void fl_history_add(fl_history *h, const fl_workload_kind *kind, int64_t time_ns,
                    const fl_txn *req, fl_hist_type type, const fl_op_result *result);

/* The same, for a completion answered by node `node` (0-based index; -1: none), which the
 * JSON line states as "node" and the recorded history keeps (invocations and unknown outcomes
 * have no node). Nothing of it reaches the trace or the digest. */
void fl_history_add_from(fl_history *h, const fl_workload_kind *kind, int64_t time_ns,
                         const fl_txn *req, fl_hist_type type, const fl_op_result *result,
                         int node);

/* Events and operations by outcome so far. */
uint64_t fl_history_events(const fl_history *h);
uint64_t fl_history_count(const fl_history *h, fl_hist_type type);

/* Also records the history in memory, as the linearizability checker will check it: the
 * same history that loading the file back would give, without the parsing (the checker's
 * time on a long run was nearly all spent reading JSON). `name` names it in messages. */
void fl_history_record(fl_history *h, const char *name);
/* The recorded history (newly allocated, fl_lincheck_history_free), or NULL: with an error
 * if the events did not make a history, without one if nothing was recorded. Once only. */
fl_lincheck_history *fl_history_take_recorded(fl_history *h, GError **error);

/* Also analyses the staleness of reads (lincheck/staleness.h) as the events come, for a kv
 * history written through fl_history_invoke / fl_history_complete / fl_history_add (kind kv).
 * Call before the first event; later calls do nothing. */
void fl_history_analyse_staleness(fl_history *h);
/* The staleness figures so far; false (and *out zeroed) when not analysed. */
bool fl_history_staleness(const fl_history *h, fl_staleness_result *out);

/* Flushes, closes and frees; keep false discards the file. Returns false with an error if the
 * file could not be written (and then removes it). NULL accepted. */
bool fl_history_close(fl_history *h, bool keep, GError **error);

#endif
