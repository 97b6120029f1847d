/* lincheck: a linearizability checker for recorded histories (issue 3).
 *
 * History in, verdict and evidence out. A history is loaded from a file (faultline's JSON lines,
 * Jepsen EDN, or Jepsen log lines) into an immutable fl_lincheck_history: a list of operations,
 * each with its invocation and completion positions in real-time order. fl_lincheck_check()
 * searches for a linearization against a sequential model (model.h): Wing & Gong / Lowe's
 * just-in-time linearization with memoization of (set of linearized operations, model state),
 * split by key where the model allows it (P-compositionality), under a step, time and memory
 * budget. Past the budget the verdict is FL_LIN_UNKNOWN, never a guess.
 *
 * Semantics of outcomes, whatever the format: an operation that completed normally has a known
 * result; an operation that definitely did not happen is dropped when loading; an operation with
 * an unknown outcome (timed out, crashed, never completed) may have taken effect at any time
 * after its invocation, or never: it is treated as completing after the end of the history and
 * need not be linearized at all.
 *
 * Determinism: verdicts, step counts and evidence depend only on the history and the options,
 * never on hash-table iteration order or thread timing. Only a wall-clock timeout
 * (timeout_s > 0) can turn a verdict into FL_LIN_UNKNOWN depending on the machine's speed.
 *
 * Ownership: a history owns every operation, value and string it hands out; they stay valid until
 * fl_lincheck_history_free(). A result owns its evidence; it refers to operations by their id
 * (index into the history's operation array), so it stays meaningful only with its history.
 * Every _free accepts NULL.
 */
#ifndef FL_LINCHECK_H
#define FL_LINCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include <json-glib/json-glib.h>

#define FL_LINCHECK_ERROR (fl_lincheck_error_quark())
GQuark fl_lincheck_error_quark(void);
typedef enum fl_lincheck_error_code {
  FL_LINCHECK_ERROR_IO,      /* the file could not be read */
  FL_LINCHECK_ERROR_PARSE,   /* malformed input: "FILE:LINE:COL: expected X, found Y" */
  FL_LINCHECK_ERROR_MODEL,   /* unknown model, or an operation the model does not support */
  FL_LINCHECK_ERROR_OPTIONS  /* invalid options */
} fl_lincheck_error_code;

/* ---- Values and operations ------------------------------------------------------------- */

typedef enum fl_lincheck_value_kind {
  FL_LINCHECK_VAL_NONE, /* no value given at all */
  FL_LINCHECK_VAL_NIL,  /* nil / null */
  FL_LINCHECK_VAL_INT,
  FL_LINCHECK_VAL_STR,
  FL_LINCHECK_VAL_LIST  /* a vector, list or set of values (cas [a b], a set read) */
} fl_lincheck_value_kind;

typedef struct fl_lincheck_value fl_lincheck_value;
struct fl_lincheck_value {
  fl_lincheck_value_kind kind;
  uint32_t n;                     /* LIST: number of items */
  int64_t i;                      /* INT */
  const char *s;                  /* STR: NUL-terminated, owned by the history */
  const fl_lincheck_value *items; /* LIST: n items, owned by the history */
};

/* The operation's function, as far as the built-in models know it. FL_LINCHECK_FN_OTHER is
 * anything else; a user model reads fl_lincheck_op.f then. */
typedef enum fl_lincheck_fn {
  FL_LINCHECK_FN_OTHER,
  FL_LINCHECK_FN_READ,    /* read, get */
  FL_LINCHECK_FN_WRITE,   /* write, put */
  FL_LINCHECK_FN_CAS,     /* cas [expected new] */
  FL_LINCHECK_FN_APPEND,  /* append s */
  FL_LINCHECK_FN_ADD,     /* add n (counter), add x (set) */
  FL_LINCHECK_FN_ENQUEUE, /* enqueue v */
  FL_LINCHECK_FN_DEQUEUE, /* dequeue -> v or nil when empty */
  FL_LINCHECK_FN_ACQUIRE,
  FL_LINCHECK_FN_RELEASE
} fl_lincheck_fn;

/* How an operation ended. Operations that definitely did not happen are not in the history. */
typedef enum fl_lincheck_outcome {
  FL_LINCHECK_OK,      /* completed; `out` is its result */
  FL_LINCHECK_FAILED,  /* completed and reported failure that still took place as an operation
                        * (a cas whose compare did not match, in etcd logs): `out` is nil and
                        * the model decides what failure means */
  FL_LINCHECK_UNKNOWN  /* may have taken effect at any time after invocation, or never */
} fl_lincheck_outcome;

typedef struct fl_lincheck_op {
  uint32_t id;         /* index in the history's operation array */
  int64_t index;       /* history index of the invocation event (the file's index if it has
                        * one, else the 0-based event number): what a visualiser highlights */
  int64_t ret_index;   /* the same for the completion event, -1 if none */
  int64_t process;
  uint32_t call_line;  /* 1-based line numbers in the file */
  uint32_t ret_line;   /* 0 if the operation never completed */
  uint32_t call_pos;   /* position of the invocation in real-time order */
  uint32_t ret_pos;    /* position of the completion; UINT32_MAX if unknown outcome */
  fl_lincheck_fn fn;
  const char *f;       /* the function's name as written ("read", "get", ...) */
  const char *key;     /* the key as text, or NULL: operations on distinct keys are independent */
  fl_lincheck_value in;  /* the invocation's argument */
  fl_lincheck_value out; /* the result (OK), else NONE */
  fl_lincheck_outcome outcome;
  /* What a faultline run knows beyond Jepsen's fields (its JSON lines' "client", "time" and
   * "node"); a history from elsewhere leaves them unset (has_client, has_time false, node 0),
   * and its operations keep their own process names. */
  bool has_client;     /* client is the run's client index (0-based: c1 is 0) */
  bool has_time;       /* call_ns (and ret_ns when the operation completed) are simulated times */
  uint32_t client;
  int64_t call_ns;     /* simulated time of the invocation */
  int64_t ret_ns;      /* simulated time of the completion (ok or fail), else -1 */
  uint32_t node;       /* the node that answered, 1-based as the run names it (n3 is 3); 0 if
                        * unknown or unanswered */
} fl_lincheck_op;

/* ---- Histories ------------------------------------------------------------------------- */

typedef enum fl_lincheck_format {
  FL_LINCHECK_FORMAT_AUTO,
  FL_LINCHECK_FORMAT_JSONL,      /* faultline's JSON lines (sim/history.h) */
  FL_LINCHECK_FORMAT_EDN,        /* Jepsen EDN: one collection of maps, or one map per line */
  FL_LINCHECK_FORMAT_JEPSEN_LOG  /* "INFO  jepsen.util - P\t:type\t:f\tvalue" lines */
} fl_lincheck_format;

typedef struct fl_lincheck_history fl_lincheck_history;

/* Parses "auto", "jsonl", "edn", "jepsen-log"; false if unknown. */
bool fl_lincheck_format_parse(const char *name, fl_lincheck_format *out);
const char *fl_lincheck_format_name(fl_lincheck_format fmt);

/* Loads a history file. FORMAT_AUTO looks at the first non-blank character: '{' followed by a
 * JSON string key is JSON lines, "INFO" a Jepsen log, anything else EDN. Errors (IO, PARSE) name
 * the file and line: "FILE:LINE:COL: expected ..., found ...". Newly allocated; free with
 * fl_lincheck_history_free(). */
fl_lincheck_history *fl_lincheck_load(const char *path, fl_lincheck_format fmt, GError **error);

/* ---- Recording a history as it happens. The simulator records its run's history this way,
 * to check it without reading its file back; the result is the same history that loading the
 * file would give (the same operations, ids, lines and verdict). */

typedef struct fl_lincheck_recorder fl_lincheck_recorder;

typedef enum fl_lincheck_rec_type {
  FL_LINCHECK_REC_INVOKE,
  FL_LINCHECK_REC_OK,
  FL_LINCHECK_REC_FAIL, /* definitely did not happen */
  FL_LINCHECK_REC_INFO  /* unknown outcome */
} fl_lincheck_rec_type;

/* `name` names the history in messages, like a file's path. Newly allocated; consumed by
 * fl_lincheck_recorder_finish, or freed by fl_lincheck_recorder_free (NULL accepted). */
fl_lincheck_recorder *fl_lincheck_recorder_new(const char *name);
void fl_lincheck_recorder_free(fl_lincheck_recorder *r);
/* The next event of a read/write/cas history on integer keys, as faultline's JSON lines state
 * it: f is "read", "write" or "cas"; the value is a write's, a cas's [expected, new] (with
 * `expected`), or a completed read's (has_value false: nil). False, with an error naming the
 * event's line, if it does not fit the history so far. */
bool fl_lincheck_recorder_add(fl_lincheck_recorder *r, fl_lincheck_rec_type type,
                              int64_t process, const char *f, int64_t key, bool has_value,
                              int64_t value, int64_t expected, GError **error);
/* The next event of any other history, as its JSON line states it: `key` as text or NULL (no
 * key), `value` (borrowed; copied with everything it holds) the line's "value". */
bool fl_lincheck_recorder_add_value(fl_lincheck_recorder *r, fl_lincheck_rec_type type,
                                    int64_t process, const char *f, const char *key,
                                    const fl_lincheck_value *value, GError **error);
/* What the run knows about the event just added (the last successful _add or _add_value):
 * the client's index, the simulated time, and for a completion the node that answered
 * (0-based index, -1: none). Lets the evidence name clients, times and nodes as the run does. */
void fl_lincheck_recorder_note(fl_lincheck_recorder *r, uint32_t client, int64_t time_ns,
                               int32_t node);
/* The history, for the kv model. Consumes the recorder. */
fl_lincheck_history *fl_lincheck_recorder_finish(fl_lincheck_recorder *r);

/* The same from a buffer already in memory; `name` is used in error messages (borrowed). */
fl_lincheck_history *fl_lincheck_load_data(const char *name, const char *data, size_t len,
                                           fl_lincheck_format fmt, GError **error);

void fl_lincheck_history_free(fl_lincheck_history *h);

/* The format the history was read in (never AUTO). */
fl_lincheck_format fl_lincheck_history_format(const fl_lincheck_history *h);
/* The model this history's format implies ("kv", "cas-register"). Borrowed, static. */
const char *fl_lincheck_history_default_model(const fl_lincheck_history *h);
/* The file name given to the loader (borrowed, valid with the history). */
const char *fl_lincheck_history_name(const fl_lincheck_history *h);

size_t fl_lincheck_history_n_ops(const fl_lincheck_history *h);
/* Operation `id` (< n_ops), borrowed until the history is freed. */
const fl_lincheck_op *fl_lincheck_history_op(const fl_lincheck_history *h, size_t id);

/* ---- Checking -------------------------------------------------------------------------- */

typedef enum fl_lin_verdict {
  FL_LIN_OK,        /* linearizable */
  FL_LIN_VIOLATION, /* not linearizable: the result carries evidence */
  FL_LIN_UNKNOWN    /* the budget ran out before a verdict */
} fl_lin_verdict;

/* "linearizable", "not linearizable", "unknown". */
const char *fl_lin_verdict_name(fl_lin_verdict v);

typedef struct fl_lincheck_opts {
  const char *model;   /* model name (model.h), or NULL for the history's default; borrowed */
  bool split;          /* split by key when the model allows it (P-compositionality) */
  int64_t max_steps;   /* search steps in total over all parts; 0 = no limit */
  double timeout_s;    /* wall-clock budget of the search; 0 = none (not deterministic!) */
  size_t max_bytes;    /* memory budget of the memo tables; 0 = none */
  bool evidence;       /* compute the minimal window (costs a few extra bounded searches) */
} fl_lincheck_opts;

/* Defaults: model NULL, split true, max_steps 200 million, no timeout, max_bytes 1 GiB,
 * evidence true. */
void fl_lincheck_opts_init(fl_lincheck_opts *o);

/* Evidence for a violation. All ids are operation ids of the history. */
typedef struct fl_lincheck_evidence {
  char *key;            /* key of the refuted part (NULL when the history has no keys) */
  GArray *prefix;       /* uint32: the longest linearizable prefix found, in linearized order */
  GArray *unplaced;     /* uint32: operations none of which could be placed next after that
                         * prefix; the first is the one whose completion forced backtracking */
  GArray *window;       /* uint32: a smallest sub-history (this key, a time window) that is
                         * non-linearizable from every model state the search reached */
  uint32_t window_from; /* the window, as real-time positions [from, to] */
  uint32_t window_to;
  char *timeline;       /* the window as text, one row per process, then prefix and unplaced,
                         * then "why: " and one plain sentence. Processes are named as the run
                         * names its clients when the history says (c5, c5/p29 after timeouts),
                         * with simulated times and the node that answered; else pN */
} fl_lincheck_evidence;

typedef struct fl_lincheck_result {
  fl_lin_verdict verdict;
  uint64_t n_ops;          /* operations checked (after dropping failed ones) */
  uint64_t n_parts;        /* independent parts (keys) */
  uint64_t steps;          /* search steps over all parts (excluding evidence searches) */
  uint64_t model_calls;    /* distinct (state, operation) transitions computed by the model */
  uint64_t states;         /* distinct model states met */
  uint64_t cache_entries;  /* memoized (linearized set, state) configurations */
  size_t peak_bytes;       /* peak memory of the search tables, in bytes */
  double seconds;          /* wall-clock time of the check */
  char *reason;            /* UNKNOWN: which budget ran out; else NULL */
  fl_lincheck_evidence *evidence; /* VIOLATION only, else NULL */
} fl_lincheck_result;

/* Checks `h` (borrowed) against a model. Returns NULL with FL_LINCHECK_ERROR_MODEL if the model
 * is unknown or does not support one of the history's operations (the message names the
 * operation's line), or FL_LINCHECK_ERROR_OPTIONS. Parts are interleaved with growing step
 * budgets, so one part that is refuted quickly decides the history even if another is
 * expensive; the refuted part reported is the first one refuted in that deterministic
 * schedule. `o` NULL means defaults. Newly allocated; free with fl_lincheck_result_free(). */
fl_lincheck_result *fl_lincheck_check(const fl_lincheck_history *h, const fl_lincheck_opts *o,
                                      GError **error);

void fl_lincheck_result_free(fl_lincheck_result *r);

/* Adds the result's members to the object being built by `b` (between begin_object and
 * end_object, which the caller writes): verdict, ops, parts, steps, states, cache_entries,
 * peak_bytes, seconds, reason and evidence {key, prefix, unplaced, window, from, to, timeline}
 * where the id lists are the operations' history indices (fl_lincheck_op.index). */
void fl_lincheck_result_to_json(const fl_lincheck_result *r, const fl_lincheck_history *h,
                                JsonBuilder *b);

/* One operation as text, e.g. "p3 cas 1->2 (unknown)". Newly allocated (g_free). */
char *fl_lincheck_op_describe(const fl_lincheck_op *op);

/* A value as EDN-like text ("nil", "3", "\"x\"", "[1 2]"). Newly allocated (g_free). */
char *fl_lincheck_value_describe(const fl_lincheck_value *v);

#endif
