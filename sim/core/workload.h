/* workload: what the clients ask for, as a pluggable table per kind ([workload] kind = ...).
 *
 * A workload kind is one const table of functions, registered by name, like an actor or a
 * checker model (STYLE.md 2): it generates a client's next operation, learns from its
 * completion, writes operations into the history (JSON lines and Jepsen EDN) and names the
 * check `[expect] linearizable` runs. Built-ins:
 *   kv       read / write / cas on integer keys (the default; Jepsen's cas-register, keyed);
 *            checked against the lincheck model "kv".
 *   counter  add(delta) / read on `keys` counters; model "counter" per key.
 *   lock     acquire / release of `keys` named locks, an acquire answered with a fencing token;
 *            model "mutex" per lock (one holder at a time; tokens strictly increase).
 *   txn      transactions of 1..txn_ops micro-operations, read or write, on several keys;
 *            checked by the transaction checks (lincheck/txn.h): atomic visibility, then
 *            serializability of the committed transactions within a step budget.
 *
 * Determinism: a kind draws only from the client's own stream, in a fixed order; kv draws
 * exactly as the clients did before kinds existed, so every kv run is unchanged.
 *
 * Ownership: tables are static and borrowed for the life of the process.
 */
#ifndef FL_WORKLOAD_H
#define FL_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "dist.h"
#include "op.h"
#include "rng.h"

typedef struct fl_workload fl_workload;

/* What a kind remembers about one client between its operations (the lock it holds). */
typedef struct fl_workload_client {
  bool holds;    /* lock: the client holds `lock` with `token` */
  int64_t lock;
  int64_t token;
} fl_workload_client;

/* What a kind's generator may use: the client's stream and key picker. */
typedef struct fl_workload_gen {
  const fl_workload *wl; /* borrowed */
  fl_rng *rng;           /* the client's stream */
  fl_workload_client *state;
  uint32_t client, n_clients;
  int64_t (*pick_key)(void *user); /* a key by the workload's key_distribution */
  void *user;
} fl_workload_gen;

/* How an operation ended, as the client saw it. */
typedef enum fl_workload_outcome { FL_WL_OK, FL_WL_FAIL, FL_WL_INFO } fl_workload_outcome;

typedef struct fl_workload_kind {
  const char *name;    /* "kv" */
  const char *summary; /* one line */
  /* The operations `mix` may weigh, '|'-separated ("read|write|cas"); NULL: no mix. */
  const char *mix_ops;
  /* The weights when the scenario gives no mix (indexed by fl_op_kind). */
  double default_mix[FL_OP_KIND_COUNT];
  /* The check `[expect] linearizable` runs: a lincheck model name (model.h), or "txn" for the
   * transaction checks (lincheck/txn.h). */
  const char *model;
  /* Fills req (zeroed by the caller; op.client, endpoint, process and seq already set) with
   * the next operation. */
  void (*next)(const fl_workload_gen *g, fl_txn *req);
  /* The operation `op` ended with `result` (NULL unless FL_WL_OK): update the client's state.
   * NULL: nothing to remember. */
  void (*completed)(fl_workload_client *state, const fl_op *op, fl_workload_outcome how,
                    const fl_op_result *result);
  /* The history's "value" of an event, appended to `out`: JSON (edn false) or EDN. `req` is
   * the operation (for a transaction's completion, with what its reads returned); `done` is
   * true on an ok completion, which carries `result` (NULL otherwise). */
  void (*write_value)(GString *out, bool edn, const fl_txn *req, bool done,
                      const fl_op_result *result);
} fl_workload_kind;

/* The kind registered under `name`, or NULL. */
const fl_workload_kind *fl_workload_kind_find(const char *name);
/* Registers a user kind (borrowed for the rest of the process). Fails on a NULL name or
 * hook, or a duplicate name. Not thread-safe: register at startup. */
bool fl_workload_kind_register(const fl_workload_kind *k, GError **error);
/* The registered names, '|'-separated ("kv|txn|lock|counter"). Newly allocated (g_free). */
char *fl_workload_kind_names(void);
/* The op kind `name` means in `k`'s mix, or -1. */
int fl_workload_mix_op(const fl_workload_kind *k, const char *name);

#define FL_WORKLOAD_ERROR (fl_workload_error_quark())
GQuark fl_workload_error_quark(void);
typedef enum { FL_WORKLOAD_ERROR_REGISTER } fl_workload_error;

/* ---- The workload a scenario describes ([workload]; its clients' semantics: client.h). */

typedef enum fl_key_dist { FL_KEYS_UNIFORM, FL_KEYS_ZIPF } fl_key_dist;

/* The workload a scenario describes. Defaults are filled by fl_workload_init_defaults. */
struct fl_workload {
  const fl_workload_kind *kind; /* what the clients ask for (above); kv by default */
  int clients;         /* 0: no clients */
  int keys;            /* operations pick keys 0 .. keys-1 (counters, locks for those kinds) */
  /* Relative weights of the kind's operations (kv: read, write, cas; counter: add, read;
   * txn: of its micro-operations, read and write). */
  double mix[FL_OP_KIND_COUNT];
  int mix_line;        /* the scenario line of `mix`, 0 if the kind's default applies */
  int txn_ops;         /* txn: at most this many micro-operations in a transaction */
  fl_key_dist key_dist;
  double zipf_s;       /* exponent for FL_KEYS_ZIPF */
  fl_dist think;       /* pause between a completion and the next invocation */
  int64_t timeout_ns;  /* per operation; then the outcome is unknown */
  int64_t retry_ns;    /* pause before following a redirect */
  int64_t resend_ns;   /* unanswered for this long: send the same request (same client and
                          seq) to the next node; 0: never. Safe only for protocols that
                          apply a (client, seq) once. */
  int64_t start_ns;    /* first invocations at start_ns */
  int64_t stop_ns;     /* no invocations at or after this (0: until the run ends) */
};

/* Kind kv, one client, 1 key, reads/writes/cas 50/40/10, uniform keys, think 10ms, timeout
 * 1s, retry 5ms, start 0, stop 0 (until the end), txn_ops 4. */
void fl_workload_init_defaults(fl_workload *w);
void fl_workload_copy(fl_workload *dst, const fl_workload *src);
void fl_workload_clear(fl_workload *w);

#endif
