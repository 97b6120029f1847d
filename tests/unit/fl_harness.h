/* fl_harness: unit-testing a protocol's handlers one message at a time.
 *
 * A harness is a world built from scenario text whose nodes a test drives by hand: it injects a
 * message from one node into another (fl_harness_inject) or a client's request into a node
 * (fl_harness_request), then looks at what the node sent in answer (every send is captured, in
 * order, by the world's send tap) and at its state (fl_harness_state). The world's invariant
 * checks run after every injected event as after any other, and every call that drives the
 * world asserts that the run has not stopped, so a test also fails the moment the protocol
 * breaks one of its own invariants or misuses the node API.
 *
 * Nothing here knows a protocol. Messages are bytes: the harness filters them by sender,
 * receiver and, by the convention raft and skeleton follow, a uint32_t type tag in their first
 * four bytes (type 0 matches any message); the test decodes them with the protocol's own
 * structs. docs/writing-a-protocol.md shows a whole test (tests/unit/test_skeleton.c is one).
 *
 * Typical scenario text for a harness: the protocol, its node count, options that keep its
 * timers out of the way (1h), and `[workload] clients = 1, start = 10h` so that client 0 exists
 * (a node may reply to it) but never issues an operation of its own. fl_harness_isolate then
 * partitions every node alone, so that whatever a node sends is captured but never delivered:
 * the test plays every other node.
 *
 * Failures are Check failures (ck_abort_msg) naming the test's line: the functions that take a
 * `line` have a macro that passes __LINE__. The harness lives in the caller's storage (a static
 * in the test file, one world per test): fl_harness_open fills it, fl_harness_close frees
 * everything it owns and zeroes it. The send tap keeps the harness's address: it must not move
 * while open.
 */
#ifndef FL_HARNESS_H
#define FL_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include "op.h"
#include "scenario.h"
#include "world.h"

/* One captured send: from node or client endpoint src to endpoint dst (nodes are 0..n-1,
 * client i is n + i), its bytes (owned by the harness). */
typedef struct fl_harness_msg {
  int src, dst;
  GBytes *bytes;
} fl_harness_msg;

typedef struct fl_harness {
  fl_scenario *scn; /* parsed from the text given to fl_harness_open */
  fl_world *w;      /* the world: tests may call fl_world_* on it (crash, restart, run) */
  GArray *sent;     /* fl_harness_msg: every message sent since the world was built */
} fl_harness;

/* A node's answer to a client as it crosses the network (sim/core/node.c's reply, mirrored field for
 * field since the simulator's own struct is private). */
typedef struct fl_harness_reply {
  fl_op op;
  fl_op_result result;
} fl_harness_reply;

/* Registers the built-in protocols, parses `scenario_text` (named `name` in error messages),
 * builds its world and starts capturing sends. A parse or build error fails the test with its
 * message. Sends made while the world is built (by init hooks) are not captured: the tap can
 * only be installed on a world that exists. */
void fl_harness_open(fl_harness *h, const char *name, const char *scenario_text);
/* Asserts that the run never stopped (no invariant broken, no protocol error), then frees the
 * world and the captured messages and zeroes *h. */
void fl_harness_close(fl_harness *h);
/* For a test that expects the run to stop (an invariant it breaks on purpose): asserts the
 * world stopped with exactly this reason and message, then frees like fl_harness_close. */
void fl_harness_close_stopped(fl_harness *h, fl_stop_reason reason, const char *message);
/* Partitions every node alone: nothing a node sends is delivered to another node. */
void fl_harness_isolate(fl_harness *h);

/* Fails the test, naming `line` and the world's stop message, if the run stopped. */
void fl_harness_assert_running(const fl_harness *h, int line);
#define FL_HARNESS_ASSERT_RUNNING(h) fl_harness_assert_running((h), __LINE__)

/* The node's volatile protocol state (borrowed until the node's next event); fails the test
 * if the node is crashed. Cast it to the protocol's state struct. */
const void *fl_harness_state(const fl_harness *h, int node);

/* ---- Driving. Each runs the node's hook now, then the invariant checks, and asserts that the
 * event happened (the node is up and not paused) and that the run is still going. */

/* Node dst's on_message with `msg` from node src, bypassing the network. */
void fl_harness_inject(fl_harness *h, int line, int src, int dst, const void *msg, size_t len);
#define FL_HARNESS_INJECT(h, src, dst, msg, len)                                                 \
  fl_harness_inject((h), __LINE__, (src), (dst), (msg), (len))
/* Delivers a captured message to its destination node as the network would have (at once):
 * the test plays the network for a world whose nodes are isolated. */
void fl_harness_deliver(fl_harness *h, int line, const fl_harness_msg *m);
#define FL_HARNESS_DELIVER(h, m) fl_harness_deliver((h), __LINE__, (m))
/* Node dst's on_client_request with `op` (op->endpoint must be a client's: see fl_harness_op). */
void fl_harness_request(fl_harness *h, int line, int dst, const fl_op *op);
#define FL_HARNESS_REQUEST(h, dst, op) fl_harness_request((h), __LINE__, (dst), (op))
/* Runs the next event (a timer, a delivery), asserting there was one. */
void fl_harness_step(fl_harness *h, int line);
#define FL_HARNESS_STEP(h) fl_harness_step((h), __LINE__)
/* Runs every event of the next `ns` nanoseconds of simulated time. */
void fl_harness_run_for(fl_harness *h, int line, int64_t ns);
#define FL_HARNESS_RUN_FOR(h, ns) fl_harness_run_for((h), __LINE__, (ns))

/* ---- Clients. */

/* Client `client`'s network endpoint: the node count plus its index. */
int fl_harness_client_endpoint(const fl_harness *h, uint32_t client);
/* An operation of client `client` (Jepsen process = client), fully zeroed first so that its
 * padding bytes are zero as on the wire. */
fl_op fl_harness_op(const fl_harness *h, uint32_t client, uint64_t seq, fl_op_kind kind,
                    int64_t key, int64_t value, int64_t expected);

/* ---- Captured messages. `from` is a mark: only messages sent since it count. */

/* The mark of "now": the number of messages captured so far. */
guint fl_harness_mark(const fl_harness *h);
/* The message's type tag: its first four bytes as a uint32_t, 0 if it is shorter. */
uint32_t fl_harness_msg_type(const fl_harness_msg *m);
/* The message's bytes (borrowed until fl_harness_close) and their length. */
const void *fl_harness_msg_data(const fl_harness_msg *m, size_t *len);
/* Messages src -> dst since `from` with this type tag (0: any type). */
int fl_harness_count(const fl_harness *h, guint from, int src, int dst, uint32_t type);
/* The k-th (0-based) of those, or NULL; borrowed until fl_harness_close. */
const fl_harness_msg *fl_harness_find(const fl_harness *h, guint from, int src, int dst,
                                      uint32_t type, int k);
/* The same, copied into `out`, which must be the message's exact size: fails the test when
 * there is no such message or its size differs. */
void fl_harness_nth(const fl_harness *h, int line, guint from, int src, int dst, uint32_t type,
                    int k, void *out, size_t size);
#define FL_HARNESS_NTH(h, from, src, dst, type, k, out)                                          \
  fl_harness_nth((h), __LINE__, (from), (src), (dst), (type), (k), (out), sizeof *(out))
/* The k-th reply of node `node` to client `client` since `from`; fails the test when there is
 * none or it answers another client. */
fl_harness_reply fl_harness_client_reply(const fl_harness *h, int line, guint from, int node,
                                         uint32_t client, int k);
#define FL_HARNESS_CLIENT_REPLY(h, from, node, client, k)                                        \
  fl_harness_client_reply((h), __LINE__, (from), (node), (client), (k))

#endif
