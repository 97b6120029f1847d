/* model: the sequential specifications a history is checked against.
 *
 * A model is one const table of functions, registered by name, like an actor (STYLE.md 2). Its
 * states are opaque immutable values owned by the checker once returned: the checker interns
 * them (hash + equal) so each distinct state is kept once, and memoizes transitions
 * (state, operation) -> state, so `step` runs once per distinct pair. A model therefore need
 * not be fast, only exact; it must be pure (no globals, no randomness).
 *
 * Built-ins: register, cas-register, kv (per key: read/get, write/put, append, cas), counter
 * (add/read), set (add/read), queue (enqueue/dequeue), mutex (acquire/release). A user adds a
 * model by filling an fl_model and calling fl_model_register() before checking.
 *
 * Outcomes: `step` sees op->outcome. OK: the result in op->out must be what the operation
 * returns in `state`, else step returns false. UNKNOWN: any result is acceptable; apply the
 * operation's effect (the checker handles "maybe never"). FAILED: an operation that happened and
 * reported failure (a cas whose compare did not match): legal only if failure was the right
 * answer in `state`.
 */
#ifndef FL_MODEL_H
#define FL_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "lincheck.h"

#define FL_MODEL_VERSION 1u

typedef struct fl_model {
  unsigned version;      /* FL_MODEL_VERSION */
  const char *name;      /* "cas-register" */
  const char *summary;   /* one line */
  /* True if one state holds every key (a map), so a keyed history can be checked unsplit. A
   * model that is not keyed is checked per key: operations on distinct keys always go to
   * distinct parts. Either way splitting by key is sound for every built-in model. */
  bool keyed;
  /* NULL if the model understands `op`, else a newly allocated reason ("cas is not an operation
   * of register"). Called once per operation before checking. */
  char *(*supports)(const fl_lincheck_op *op);
  /* The initial state, newly allocated. */
  void *(*init)(void);
  /* Applies `op` (borrowed) to `state` (borrowed). Returns false if the operation cannot take
   * place with its recorded result. On true, *next is a newly allocated state, or NULL if the
   * state is unchanged. */
  bool (*step)(const void *state, const fl_lincheck_op *op, void **next);
  bool (*equal)(const void *a, const void *b);
  uint64_t (*hash)(const void *state);
  /* The state as text, newly allocated (g_free). */
  char *(*describe)(const void *state);
  void (*free)(void *state);
} fl_model;

/* The model registered under `name`, or NULL. Borrowed, static. */
const fl_model *fl_model_find(const char *name);

/* Registers a user model (borrowed for the rest of the process). Fails on a NULL hook, a version
 * mismatch or a duplicate name (FL_LINCHECK_ERROR_MODEL). Not thread-safe: register at startup. */
bool fl_model_register(const fl_model *m, GError **error);

/* The registered names, comma-separated, for messages. Newly allocated (g_free). */
char *fl_model_names(void);

#endif
