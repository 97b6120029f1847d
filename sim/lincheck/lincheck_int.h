/* lincheck_int: what the files of sim/lincheck/ share and nobody else sees. */
#ifndef FL_LINCHECK_INT_H
#define FL_LINCHECK_INT_H

#include "lincheck.h"
#include "model.h"

/* ---- History and its builder (history.c) ----------------------------------------------- */

struct fl_lincheck_history {
  char *name;
  fl_lincheck_format format;
  const char *default_model;
  GArray *ops;            /* fl_lincheck_op, by call_pos */
  GStringChunk *strings;  /* every string of every value and name */
  GPtrArray *blobs;       /* item arrays of LIST values */
  uint32_t n_events;
};

/* What a format's event means, decided by its parser. */
typedef enum fl__lincheck_ev {
  FL__LINCHECK_EV_INVOKE,
  FL__LINCHECK_EV_OK,
  FL__LINCHECK_EV_FAILED,  /* happened and failed (etcd :fail :cas) */
  FL__LINCHECK_EV_UNKNOWN, /* outcome unknown (:info, timed out) */
  FL__LINCHECK_EV_DROP     /* definitely did not happen: drop with its invocation */
} fl__lincheck_ev;

typedef struct fl__lincheck_builder fl__lincheck_builder;

fl__lincheck_builder *fl__lincheck_builder_new(const char *name, fl_lincheck_format fmt);
/* Interns a string into the history being built; valid as long as the history. */
const char *fl__lincheck_builder_intern(fl__lincheck_builder *b, const char *s);
/* Copies `n` items into storage owned by the history being built. */
const fl_lincheck_value *fl__lincheck_builder_items(fl__lincheck_builder *b,
                                                    const fl_lincheck_value *items, uint32_t n);
/* Adds one event; `value` is copied shallowly (strings and items must already belong to the
 * builder). `index` < 0 means "the event number". Errors name `line`. */
bool fl__lincheck_builder_event(fl__lincheck_builder *b, uint32_t line, int64_t index,
                                int64_t process, fl__lincheck_ev ev, const char *f,
                                const char *key, const fl_lincheck_value *value, GError **error);
/* Annotates the operation of the event last added (invocation: client and call time;
 * completion: the time, and `node` 0-based or -1). client < 0 or time_ns < 0: not known. */
void fl__lincheck_builder_note(fl__lincheck_builder *b, int64_t client, int64_t time_ns,
                               int64_t node);
/* Finishes: open operations become UNKNOWN. Consumes the builder. */
fl_lincheck_history *fl__lincheck_builder_finish(fl__lincheck_builder *b, const char *model);
void fl__lincheck_builder_free(fl__lincheck_builder *b);

/* The parsers: each reads the whole buffer (NUL-terminated at data[len]). */
fl_lincheck_history *fl__lincheck_parse_jsonl(const char *name, const char *data, size_t len,
                                              GError **error);
fl_lincheck_history *fl__lincheck_parse_edn(const char *name, const char *data, size_t len,
                                            GError **error);
fl_lincheck_history *fl__lincheck_parse_jepsen_log(const char *name, const char *data,
                                                   size_t len, GError **error);

/* A short description of the text at `p` for "found ..." (newly allocated). */
char *fl__lincheck_found(const char *p, const char *end);

fl_lincheck_fn fl__lincheck_fn_of(const char *f);

/* Key order (lincheck.c): NULL first, then integers numerically, then other keys as text. */
int fl__lincheck_key_cmp(const char *a, const char *b);

/* ---- Values (history.c) ---------------------------------------------------------------- */

bool fl__lincheck_value_equal(const fl_lincheck_value *a, const fl_lincheck_value *b);
int fl__lincheck_value_cmp(const fl_lincheck_value *a, const fl_lincheck_value *b);
uint64_t fl__lincheck_value_hash(const fl_lincheck_value *v);
uint64_t fl__lincheck_mix64(uint64_t x);

/* ---- Search of one part (search.c) ----------------------------------------------------- */

typedef enum fl__lincheck_status {
  FL__LINCHECK_RUNNING,
  FL__LINCHECK_LINEARIZABLE,
  FL__LINCHECK_REFUTED,
  FL__LINCHECK_OUT_OF_MEMORY
} fl__lincheck_status;

typedef struct fl__lincheck_search fl__lincheck_search;

/* Shared interning of model states and memoized transitions, one per check (so parts and the
 * evidence searches reuse them). */
typedef struct fl__lincheck_states fl__lincheck_states;
fl__lincheck_states *fl__lincheck_states_new(const fl_model *m, const fl_lincheck_history *h);
void fl__lincheck_states_free(fl__lincheck_states *st);
uint32_t fl__lincheck_states_count(const fl__lincheck_states *st);
uint64_t fl__lincheck_states_model_calls(const fl__lincheck_states *st);
size_t fl__lincheck_states_bytes(const fl__lincheck_states *st);
/* The id of the model's initial state. */
uint32_t fl__lincheck_states_initial(fl__lincheck_states *st);
/* Adds a variant operation (copied) that searches may use; returns its op id, which is past
 * the history's. Evidence uses it for operations cut off by a time window. */
uint32_t fl__lincheck_states_add_op(fl__lincheck_states *st, const fl_lincheck_op *op);
/* Operation `op_id`: the history's, or a variant. Borrowed. */
const fl_lincheck_op *fl__lincheck_states_op(const fl__lincheck_states *st, uint32_t op_id);

/* A search over the operations `ids` (history op ids, borrowed for the call) starting from
 * interned state `init_state`. Resumable: run it with budgets until it is not RUNNING. */
fl__lincheck_search *fl__lincheck_search_new(fl__lincheck_states *st, const uint32_t *ids,
                                             uint32_t n, uint32_t init_state);
/* Runs at most `budget` steps; `deadline_us` (monotonic) 0 = none; `*bytes` is the running
 * total memory of all searches, checked against `max_bytes` (0 = none). Adds steps taken to
 * *steps. Returns the status; RUNNING means the budget or the deadline ran out. */
fl__lincheck_status fl__lincheck_search_run(fl__lincheck_search *s, uint64_t budget,
                                            int64_t deadline_us, size_t *bytes,
                                            size_t max_bytes, uint64_t *steps);
size_t fl__lincheck_search_bytes(const fl__lincheck_search *s);
uint64_t fl__lincheck_search_entries(const fl__lincheck_search *s);
/* The longest linearized prefix found (history op ids, in order). Borrowed. */
const GArray *fl__lincheck_search_best(const fl__lincheck_search *s);
void fl__lincheck_search_free(fl__lincheck_search *s);

/* ---- Evidence (evidence.c) ------------------------------------------------------------- */

/* Builds the evidence for refuted part `ids` given the finished search. */
fl_lincheck_evidence *fl__lincheck_evidence_build(const fl_lincheck_history *h,
                                                  fl__lincheck_states *st, const uint32_t *ids,
                                                  uint32_t n, const fl__lincheck_search *s,
                                                  bool minimize, uint64_t step_budget);
void fl__lincheck_evidence_free(fl_lincheck_evidence *e);

#endif
