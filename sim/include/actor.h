/* actor: the interface between the simulator and a protocol.
 *
 * A protocol is one const table of function pointers (fl_protocol), static in its .c file,
 * registered by name. Every hook receives the protocol's state for one node and a node context,
 * the protocol's only door to the world: messages, timers, its clock, its random stream, durable
 * storage, client replies and trace annotations. A protocol includes this header, GLib and libc,
 * and nothing else from faultline.
 *
 * Durable versus volatile: the state returned by init/on_restart is volatile; a crash frees it
 * and cancels the node's timers. Only what the protocol wrote with fl_node_persist survives,
 * and on_restart rebuilds volatile state from it with fl_node_load.
 *
 * Ownership: message pointers handed to hooks are borrowed until the hook returns; send copies
 * the bytes it is given, so a protocol may send a stack buffer. Messages must not contain
 * pointers (they cross "machines").
 */
#ifndef FL_ACTOR_H
#define FL_ACTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include "op.h"
#include "rng.h"
#include "status.h"

/* 2: fl_option_spec gained min, max and min_width (a protocol built against 1 has shorter
 * option entries, so registration refuses it).
 * 3: fl_protocol gained the optional `status` hook after `describe_msg` (the table's layout
 * changed: a table built against 2 is refused; rebuilding it is enough, as a NULL `status`
 * keeps its behaviour apart from the lanes' colours: its nodes report role "other").
 * 4: fl_protocol gained the optional `on_membership` hook at its end (the table grew: a table
 * built against 3 is refused; rebuilding it is enough, as a NULL `on_membership` keeps its
 * behaviour, though a scenario that changes membership then refuses the protocol), with
 * fl_node_is_member and fl_view_is_member; op.h's FL_REPLY_REFUSED (a refusal, which
 * availability counts as no service; a table built against 3 never sends it). */
#define FL_ACTOR_API_VERSION 4

/* Time units. Simulated time and every delay is an int64_t count of nanoseconds:
 * fl_node_set_timer(ctx, 150 * FL_MS, tag). */
#define FL_NS INT64_C(1)
#define FL_US INT64_C(1000)
#define FL_MS INT64_C(1000000)
#define FL_S INT64_C(1000000000)
#define FL_MIN (60 * FL_S)
#define FL_HOUR (60 * FL_MIN)

typedef struct fl_node_ctx fl_node_ctx;
typedef struct fl_options fl_options;
typedef struct fl_cluster_view fl_cluster_view;
typedef uint64_t fl_timer_id;

/* ---- Options: a protocol declares them; scenarios set them in a [protocol-name] section. */

typedef enum fl_opt_type {
  FL_OPT_INT,            /* "5" */
  FL_OPT_BOOL,           /* "yes"/"no", "true"/"false", "on"/"off" */
  FL_OPT_DURATION,       /* "150ms" */
  FL_OPT_DURATION_RANGE, /* "150ms..300ms" */
  FL_OPT_PERCENT,        /* "20%" or "0.2" */
  FL_OPT_CHOICE          /* one of `choices`, separated by '|' */
} fl_opt_type;

/* An option and its valid range. The bounds are written in the option's own syntax and are
 * inclusive; NULL leaves that side unbounded. A scenario value outside the range is rejected
 * with its FILE:LINE:COL ("heartbeat: expected a duration of at least 1ns, found '0ms'"); a
 * default outside it, or a bound that does not parse, is a bug in the protocol, reported when
 * its options are first read. Fill the table with designated initialisers: a field added in a
 * later version then stays zero (unbounded) in a table that does not name it.
 *   FL_OPT_INT, FL_OPT_DURATION, FL_OPT_PERCENT: min <= value <= max ("1", "1ns", "10%").
 *   FL_OPT_DURATION_RANGE ("A..B", A <= B always): min <= A, B <= max, and B - A >= min_width.
 *     A random timeout drawn from a range of width 0 is the same on every node, which can
 *     livelock an election: such an option says min_width = "1ns".
 *   FL_OPT_BOOL, FL_OPT_CHOICE: no bounds (min, max and min_width must be NULL). */
typedef struct fl_option_spec {
  const char *name;
  fl_opt_type type;
  const char *default_value; /* parsed like a scenario value; must be valid */
  const char *choices;       /* FL_OPT_CHOICE only, e.g. "none|commit-previous-term" */
  const char *help;
  const char *min;           /* since API version 2 */
  const char *max;
  const char *min_width;     /* FL_OPT_DURATION_RANGE only */
} fl_option_spec;

/* Values are looked up by name; asking for an undeclared name or the wrong type is a bug in
 * the protocol and is asserted. */
int64_t fl_options_int(const fl_options *o, const char *name);
bool fl_options_bool(const fl_options *o, const char *name);
int64_t fl_options_duration_ns(const fl_options *o, const char *name);
void fl_options_range_ns(const fl_options *o, const char *name, int64_t *lo_ns, int64_t *hi_ns);
double fl_options_fraction(const fl_options *o, const char *name);
const char *fl_options_choice(const fl_options *o, const char *name);

/* ---- The protocol table. Optional hooks may be NULL. */

typedef struct fl_protocol {
  int api_version; /* FL_ACTOR_API_VERSION */
  const char *name;
  const char *summary; /* one line, for `faultline list` */
  const fl_option_spec *options; /* terminated by an entry with name NULL; may be NULL */

  /* First boot. Returns the node's volatile state (owned by the protocol, freed by `free`). */
  void *(*init)(fl_node_ctx *ctx);
  void (*on_message)(void *state, fl_node_ctx *ctx, int from, const void *msg, size_t len);
  void (*on_timer)(void *state, fl_node_ctx *ctx, uint64_t tag);
  /* A client operation arrived; answer now or later with fl_node_reply. NULL: every request is
   * refused with FL_REPLY_FAIL. */
  void (*on_client_request)(void *state, fl_node_ctx *ctx, const fl_op *op);
  /* Restart after a crash: rebuild state from durable storage. NULL: init runs again. */
  void *(*on_restart)(fl_node_ctx *ctx);
  void (*free)(void *state);
  /* One line of state for humans, e.g. "leader t3 commit=12", written to the trace when it
   * changes and shown by the visualiser. Nothing parses it: what tools read is `status`. */
  void (*describe)(const void *state, GString *out);
  /* One line for a message, e.g. "AppendEntries t3 prev=4/2 n=1". */
  void (*describe_msg)(const void *msg, size_t len, GString *out);
  /* The node's status as data (status.h): role, term, the leader it believes in, commit and
   * applied indexes. `out` arrives initialised by fl_node_status_init (role other, no term,
   * leader -1); fill what the protocol has. It runs after every hook that may change the state;
   * a change is written to the trace (the visualiser colours lanes from it) and the timeline's
   * `leader` target picks a node whose status says leader. Must not change the state or call
   * the node API but fl_node_id and fl_node_count. NULL: every node reports role "other".
   * Since API version 3. */
  void (*status)(const void *state, const fl_node_ctx *ctx, fl_node_status *out);

  /* Global invariants, over all nodes, after every event. The checker may keep ghost state of
   * its own across checks (created by invariant_new, freed by invariant_free). Return false and
   * write why into `why` to stop the run. */
  void *(*invariant_new)(const fl_options *options, int n_nodes);
  bool (*check_invariants)(void *ghost, const fl_cluster_view *view, GString *why);
  /* At the end of the run: properties that must hold eventually (after a heal, say). */
  bool (*check_final)(void *ghost, const fl_cluster_view *view, GString *why);
  void (*invariant_free)(void *ghost);

  /* Membership (scenarios/README.md: [cluster] members, timeline `join` / `leave`): the
   * timeline made `node` a member (member true) or took it out. Called on every node that is
   * up, the changed node included, in node order, through the path messages take: a running
   * node gets it at once, a paused node at its resume and a node with a processing time in
   * its turn, each after what reached it before. A crashed node is not told: it reads the
   * membership with fl_node_is_member when it restarts. Membership is the kernel's: a
   * protocol keeps its own copy, and what it does about a change (move data, step down) is
   * its business. NULL: the protocol does not support membership changes, and a scenario
   * that sets `members` or joins or leaves is refused. Since API version 4. */
  void (*on_membership)(void *state, fl_node_ctx *ctx, int node, bool member);
} fl_protocol;

/* ---- The node API: valid only inside a hook, for the node the hook runs on. */

int fl_node_id(const fl_node_ctx *ctx);    /* 0-based; scenarios and traces say n1, n2, ... */
int fl_node_count(const fl_node_ctx *ctx); /* nodes in the cluster */
/* The node's local clock: simulated time with the node's skew and drift applied. */
int64_t fl_node_now(const fl_node_ctx *ctx);
/* The node's own random stream (borrowed). */
fl_rng *fl_node_rng(fl_node_ctx *ctx);
const fl_options *fl_node_options(const fl_node_ctx *ctx);

/* Copies len bytes and sends them to node `dst` (not to itself). */
void fl_node_send(fl_node_ctx *ctx, int dst, const void *msg, size_t len);
/* Sends to every other node, in node order. */
void fl_node_broadcast(fl_node_ctx *ctx, const void *msg, size_t len);

/* Fires on_timer(tag) once, after delay_ns of the node's local time (drift applies).
 *
 * A cancelled timer never fires, and a timer never fires in another incarnation than the one
 * that set it (a crash forgets them all), so a tag needs no generation of its own. A timer
 * that comes due while the node is paused waits, with the messages that reached the node, and
 * they are handed over in arrival order at the resume instant: until the timer's turn comes
 * (a message that arrived before it came due may cancel it), its id still cancels it. */
fl_timer_id fl_node_set_timer(fl_node_ctx *ctx, int64_t delay_ns, uint64_t tag);
/* Returns true if the timer was pending (set, not yet fired) and is now cancelled; false if
 * it already fired, was cancelled, or is not this node incarnation's. */
bool fl_node_cancel_timer(fl_node_ctx *ctx, fl_timer_id id);

/* Durable storage: a map from 64-bit keys to byte strings that survives crashes. persist copies
 * the bytes; load returns a pointer valid until the next persist/erase on this node, or NULL. */
void fl_node_persist(fl_node_ctx *ctx, uint64_t key, const void *data, size_t len);
const void *fl_node_load(fl_node_ctx *ctx, uint64_t key, size_t *len);
/* Erases every key >= `key` (truncating a log). */
void fl_node_erase_from(fl_node_ctx *ctx, uint64_t key);
/* Erases every key in [from, to) (discarding a log prefix that a snapshot replaced). */
void fl_node_erase_range(fl_node_ctx *ctx, uint64_t from, uint64_t to);

/* Answers a client operation (op as received; copied). A reply to a client that has given up
 * on the operation is dropped by the client, as a real one would. */
void fl_node_reply(fl_node_ctx *ctx, const fl_op *op, const fl_op_result *result);
/* Answers a transaction (op.h) with its micro-ops, reads carrying what they read (copied). An
 * ok transaction must be answered this way; fl_node_reply sends none of its micro-ops. */
void fl_node_reply_txn(fl_node_ctx *ctx, const fl_txn *txn, const fl_op_result *result);

/* A line in the trace, shown by the visualiser on the node's lane ("became leader, term 3"). */
void fl_node_annotate(fl_node_ctx *ctx, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Measurements for the report and `[expect] metric NAME >= V` (sim/metrics.h): a name of 1 to
 * FL_LIMIT_METRIC_NAME characters of [a-z0-9_], at most FL_LIMIT_METRICS per run; a name
 * ending in "_ns" holds a duration. `add` adds delta to this node's sum (negative deltas make
 * a gauge); `max` raises this node's maximum to value. The report shows each metric's total
 * (the sum, or the maximum, over nodes) and its value per node, in name order. A metric's kind
 * is fixed by its first use; an invalid name, a kind mismatch or one metric too many stops
 * the run with a protocol error. Metrics are not traced: they never change the digest.
 * Since API version 3 (new functions; the table is unchanged). */
void fl_node_metric_add(fl_node_ctx *ctx, const char *name, int64_t delta);
void fl_node_metric_max(fl_node_ctx *ctx, const char *name, int64_t value);

/* Whether `node` is a member now: the scenario's [cluster] members (every node by default)
 * with every timeline join and leave applied so far. It may be ahead of the on_membership
 * calls this node has had (a paused node is told at its resume), so a protocol that follows
 * the changes one by one keeps its own copy, read from here at init and restart. False for
 * an index out of range. Since API version 4. */
bool fl_node_is_member(const fl_node_ctx *ctx, int node);

/* The protocol found itself in a state it cannot continue from: stops the run with an error
 * naming the protocol, node, time and event. */
void fl_node_fail(fl_node_ctx *ctx, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* ---- What invariant checks see. */

int fl_view_node_count(const fl_cluster_view *v);
int64_t fl_view_now(const fl_cluster_view *v); /* simulated time */
uint64_t fl_view_event(const fl_cluster_view *v); /* events run so far */
bool fl_view_is_up(const fl_cluster_view *v, int node); /* not crashed (paused counts as up) */
/* The only node whose state changed since the last check, or -1 when it may be several (check
 * them all). A check is skipped altogether after an event that changed no node's state (a
 * client's timer, a partition), since state predicates cannot have changed. */
int fl_view_changed_node(const fl_cluster_view *v);
/* The node's volatile state, or NULL while it is crashed. */
const void *fl_view_state(const fl_cluster_view *v, int node);
/* Whether `node` is a member now (as fl_node_is_member): the final ring's members, for
 * check_final. Since API version 4. */
bool fl_view_is_member(const fl_cluster_view *v, int node);
/* A node's durable storage, readable even while it is crashed. */
const void *fl_view_load(const fl_cluster_view *v, int node, uint64_t key, size_t *len);

/* ---- Registry. */

#define FL_ACTOR_ERROR (fl_actor_error_quark())
GQuark fl_actor_error_quark(void);
typedef enum {
  FL_ACTOR_ERROR_UNKNOWN,
  FL_ACTOR_ERROR_DUPLICATE,
  FL_ACTOR_ERROR_VERSION,
  FL_ACTOR_ERROR_INVALID,
  FL_ACTOR_ERROR_PLUGIN
} fl_actor_error;

/* Registers a table (borrowed for the program's life). Rejects a duplicate name, a version
 * mismatch and a table without init/on_message/free/describe. */
bool fl_actor_register(const fl_protocol *p, GError **error);
/* NULL with an error listing the known names when `name` is not registered. */
const fl_protocol *fl_actor_lookup(const char *name, GError **error);
/* Registered protocols in name order; the array is newly allocated (g_free), the tables are
 * borrowed. */
const fl_protocol **fl_actor_list(size_t *n);
/* Loads a shared object with GModule and calls its `fl_plugin_register(GError **)` entry, which
 * registers its protocols with fl_actor_register. A path without a slash names a file in the
 * working directory (as ./PATH does), never one on the library search path. The file is
 * checked before the loader sees it: it must exist, be a regular file, and be a whole ELF
 * object (the loader maps a truncated one and dies of SIGBUS). Errors name the path as given:
 * "PATH: cannot load plugin: REASON". Several plugins may be loaded, one after the other. */
bool fl_actor_load_plugin(const char *path, GError **error);
/* The plugin path (as given to fl_actor_load_plugin) whose object registered the protocol
 * named `protocol`; NULL for a built-in or unknown one. Borrowed for the program's life. */
const char *fl_actor_plugin_path(const char *protocol);

/* ---- Crash reports: where protocol code is running. */

typedef struct fl_actor_site {
  const char *protocol; /* the protocol whose hook runs, or NULL */
  const char *plugin;   /* while a plugin is being loaded: its path, else NULL */
  const char *hook;     /* "on_message", "check_invariants", "fl_plugin_register", ... */
  int node;             /* 0-based node the hook runs for, or -1 (checks over all nodes) */
  bool has_world;       /* event and now_ns are set */
  uint64_t event;       /* the world's event number (as in protocol error messages) */
  int64_t now_ns;       /* simulated time */
} fl_actor_site;

/* Fills *out and returns true while a protocol hook (or a plugin's loading) runs; false
 * otherwise. Every wrapper records its hook with plain stores, so this is async-signal-safe:
 * a crash handler calls it. The strings are borrowed for the program's life. */
bool fl_actor_current_site(fl_actor_site *out);

#endif
