/* Unit tests of the Multi-Paxos handlers (protocols/paxos), one message at a time.
 *
 * Each test builds a 5-node paxos world in which every node is partitioned alone, heartbeats
 * and compaction out of the way, and drives nodes with the shared harness (fl_harness.h),
 * decoding what they send with paxos_int.h's structs. The world's invariant checker runs after
 * every injected event: the tests that break an invariant on purpose (one per invariant, by
 * injected messages, with a reinjected bug where a correct node cannot be made to) assert the
 * exact violation it reports.
 *
 * Covered: phase 1 (promise, nack of a lower ballot, the promise's report), a new leader
 * re-proposing the highest-ballot accepted value and filling holes with no-ops (and the bugs
 * skip-reproposal and any-accepted), phase 2 (a majority of Accepted chooses, the client is
 * answered), learning from the piggybacked commit, catch-up by Decided, persistence of the
 * promise and accepted slots across a restart, redirects, status; the five invariants.
 */
#include "fl_test.h"
#include "fl_harness.h"
#include "builtin.h"
#include "paxos_int.h"
#include "scenario.h"
#include "world.h"

#include <string.h>

#define N 5
static fl_harness T;

#define QUIET "heartbeat = 1h\nsnapshot_every = 0\n"
#define ONE_STANDS "election_timeout = 10ms..1h\n" QUIET
#define TIMERS_OFF "election_timeout = 1h..2h\n" QUIET

static void open_world(const char *opts) {
  char *text = g_strdup_printf("[cluster]\nprotocol = paxos\nnodes = %d\nseed = 1\nduration = 10h\n"
                               "[paxos]\n%s\n[workload]\nclients = 1\nstart = 10h\n",
                               N, opts);
  fl_harness_open(&T, "paxos-unit.fl", text);
  g_free(text);
  fl_harness_isolate(&T);
}

static const paxos_state *st(int node) { return fl_harness_state(&T, node); }

static paxos_value op_value(uint64_t seq, int64_t key, int64_t value) {
  paxos_value v;
  memset(&v, 0, sizeof v);
  v.type = PAXOS_VALUE_OP;
  v.seq = seq;
  v.kind = FL_OP_WRITE;
  v.key = key;
  v.value = value;
  return v;
}

static void inject(int line, int src, int dst, const void *m, size_t len) {
  fl_harness_inject(&T, line, src, dst, m, len);
}

static void prepare(int line, int src, int dst, uint64_t ballot, uint64_t from) {
  paxos_msg_prepare m;
  memset(&m, 0, sizeof m);
  m.type = PAXOS_MSG_PREPARE;
  m.ballot = ballot;
  m.from = from;
  inject(line, src, dst, &m, sizeof m);
}
#define PREPARE(...) prepare(__LINE__, __VA_ARGS__)

/* Injects a message of a fixed header (hdr_len bytes) followed by n items of item_len bytes:
 * Accept, Promise and Decided all have that shape. */
static void inject_items(int line, int src, int dst, const void *hdr, size_t hdr_len,
                         const void *items, size_t item_len, uint32_t n) {
  size_t len = hdr_len + n * item_len;
  char *buf = g_malloc0(len);
  memcpy(buf, hdr, hdr_len);
  if (n) memcpy(buf + hdr_len, items, n * item_len);
  inject(line, src, dst, buf, len);
  g_free(buf);
}

static void accept(int line, int src, int dst, uint64_t ballot, uint64_t first, uint64_t commit,
                   const paxos_value *vs, uint32_t n) {
  paxos_msg_accept m;
  memset(&m, 0, sizeof m);
  m.type = PAXOS_MSG_ACCEPT;
  m.n = n;
  m.ballot = ballot;
  m.first = first;
  m.commit = commit;
  inject_items(line, src, dst, &m, sizeof m, vs, sizeof(paxos_value), n);
}
#define ACCEPT(...) accept(__LINE__, __VA_ARGS__)

static void promise(int line, int src, int dst, uint64_t ballot, const paxos_promise_entry *es,
                    uint32_t n) {
  paxos_msg_promise m;
  memset(&m, 0, sizeof m);
  m.type = PAXOS_MSG_PROMISE;
  m.n = n;
  m.ballot = ballot;
  inject_items(line, src, dst, &m, sizeof m, es, sizeof(paxos_promise_entry), n);
}
#define PROMISE(...) promise(__LINE__, __VA_ARGS__)

static void decided(int line, int src, int dst, uint64_t first, const paxos_value *vs, uint32_t n) {
  paxos_msg_decided m;
  memset(&m, 0, sizeof m);
  m.type = PAXOS_MSG_DECIDED;
  m.n = n;
  m.first = first;
  inject_items(line, src, dst, &m, sizeof m, vs, sizeof(paxos_value), n);
}

static paxos_promise_entry entry(uint64_t slot, uint64_t ballot, paxos_value v) {
  paxos_promise_entry e;
  memset(&e, 0, sizeof e);
  e.slot = slot;
  e.ballot = ballot;
  e.v = v;
  return e;
}

/* Steps until a node other than `not` is a candidate; returns it. */
static int step_until_candidate(int not) {
  for (int k = 0; k < 1000; k++) {
    for (int i = 0; i < N; i++)
      if (i != not && st(i)->role == PAXOS_CANDIDATE) return i;
    ck_assert(fl_world_step(T.w));
    FL_HARNESS_ASSERT_RUNNING(&T);
  }
  ck_abort_msg("no node stood");
  return -1;
}

/* The stop message ends with `why` (time and event numbers depend on the timers). */
static void close_violated(const char *why) {
  ck_assert_int_eq(fl_world_stop_reason(T.w), FL_STOP_VIOLATION);
  const char *msg = fl_world_stop_message(T.w);
  char *want = g_strconcat("invariant violated: ", why, NULL);
  ck_assert_msg(g_str_has_suffix(msg, want), "stop message: %s", msg);
  g_free(want);
  fl_harness_close_stopped(&T, FL_STOP_VIOLATION, msg);
}

/* The candidate's Accept to one peer after it became leader: slots and values. */
static paxos_msg_accept sent_accept(guint from, int src, int dst, paxos_value *vs, uint32_t max) {
  const fl_harness_msg *m = fl_harness_find(&T, from, src, dst, PAXOS_MSG_ACCEPT, 0);
  ck_assert_ptr_nonnull(m);
  size_t len = 0;
  const char *p = fl_harness_msg_data(m, &len);
  paxos_msg_accept h;
  memcpy(&h, p, sizeof h);
  ck_assert_uint_le(h.n, max);
  ck_assert_uint_eq(len, sizeof h + h.n * sizeof(paxos_value));
  memcpy(vs, p + sizeof h, h.n * sizeof(paxos_value));
  return h;
}

/* ---- Phase 1. */

START_TEST(prepare_promises_and_nacks) {
  open_world(TIMERS_OFF);
  ACCEPT(0, 1, PAXOS_BALLOT(1, 0), 1, 0, (paxos_value[]){op_value(1, 1, 5)}, 1);
  ck_assert_uint_eq(st(1)->promise, PAXOS_BALLOT(1, 0));
  ck_assert_int_eq(st(1)->leader, 0);
  guint at = fl_harness_mark(&T);
  PREPARE(2, 1, PAXOS_BALLOT(2, 2), 1);
  ck_assert_uint_eq(st(1)->promise, PAXOS_BALLOT(2, 2));
  const fl_harness_msg *m = fl_harness_find(&T, at, 1, 2, PAXOS_MSG_PROMISE, 0);
  ck_assert_ptr_nonnull(m);
  size_t len = 0;
  const char *p = fl_harness_msg_data(m, &len);
  paxos_msg_promise h;
  paxos_promise_entry e;
  memcpy(&h, p, sizeof h);
  ck_assert_uint_eq(h.n, 1);
  memcpy(&e, p + sizeof h, sizeof e);
  ck_assert_uint_eq(e.slot, 1);
  ck_assert_uint_eq(e.ballot, PAXOS_BALLOT(1, 0));
  ck_assert_int_eq(e.v.value, 5);
  /* A lower ballot now: a Nack naming the promise, for Prepare and Accept alike. */
  at = fl_harness_mark(&T);
  PREPARE(3, 1, PAXOS_BALLOT(1, 3), 1);
  ACCEPT(0, 1, PAXOS_BALLOT(1, 0), 2, 0, (paxos_value[]){op_value(2, 1, 6)}, 1);
  paxos_msg_nack n;
  FL_HARNESS_NTH(&T, at, 1, 3, PAXOS_MSG_NACK, 0, &n);
  ck_assert_uint_eq(n.promise, PAXOS_BALLOT(2, 2));
  FL_HARNESS_NTH(&T, at, 1, 0, PAXOS_MSG_NACK, 0, &n);
  ck_assert_uint_eq(n.ballot, PAXOS_BALLOT(1, 0));
  ck_assert_uint_eq(st(1)->promise, PAXOS_BALLOT(2, 2));
  ck_assert_uint_eq(paxos_last_slot(st(1)), 1); /* slot 2 was not accepted */
  fl_harness_close(&T);
}
END_TEST

/* A new leader re-proposes, per slot, the value accepted with the highest ballot among the
 * promises, and fills a slot nobody reported with a no-op. The bugs change exactly that. */
static void check_reproposal(const char *bug, int64_t want_slot1, bool want_slot3) {
  char *opts = g_strdup_printf(ONE_STANDS "bug = %s\n", bug);
  open_world(opts);
  g_free(opts);
  int c = step_until_candidate(-1), a = (c + 1) % N, b = (c + 2) % N;
  uint64_t ballot = st(c)->ballot;
  PROMISE(a, c, ballot, (paxos_promise_entry[]){entry(1, PAXOS_BALLOT(1, 0), op_value(1, 1, 10)),
                                                 entry(3, PAXOS_BALLOT(1, 0), op_value(2, 3, 30))},
          2);
  ck_assert_int_eq(st(c)->role, PAXOS_CANDIDATE); /* two of five */
  guint at = fl_harness_mark(&T);
  PROMISE(b, c, ballot, (paxos_promise_entry[]){entry(1, PAXOS_BALLOT(1, 4), op_value(3, 1, 11))}, 1);
  ck_assert_int_eq(st(c)->role, PAXOS_LEADER);
  paxos_value vs[8];
  paxos_msg_accept h = sent_accept(at, c, a, vs, 8);
  ck_assert_uint_eq(h.first, 1);
  ck_assert_uint_eq(h.n, 3);
  ck_assert_uint_eq(h.ballot, ballot);
  if (want_slot1 < 0) ck_assert_uint_eq(vs[0].type, PAXOS_VALUE_NOOP);
  else ck_assert_int_eq(vs[0].value, want_slot1);
  ck_assert_uint_eq(vs[1].type, PAXOS_VALUE_NOOP);
  if (want_slot3) ck_assert_int_eq(vs[2].value, 30);
  else ck_assert_uint_eq(vs[2].type, PAXOS_VALUE_NOOP);
  ck_assert_uint_eq(st(c)->next_slot, 4);
  fl_harness_close(&T);
}

START_TEST(new_leader_reproposes_highest_and_fills_holes) { check_reproposal("none", 11, true); }
END_TEST
START_TEST(bug_any_accepted_takes_the_lowest) { check_reproposal("any-accepted", 10, true); }
END_TEST
START_TEST(bug_skip_reproposal_fills_no_ops) { check_reproposal("skip-reproposal", -1, false); }
END_TEST

/* ---- Phase 2, learning, clients. */

static int elect(int not) {
  int c = step_until_candidate(not);
  for (int k = 1; k <= 2; k++) PROMISE((c + k) % N, c, st(c)->ballot, NULL, 0);
  ck_assert_int_eq(st(c)->role, PAXOS_LEADER);
  return c;
}

START_TEST(phase2_chooses_and_answers) {
  open_world(ONE_STANDS);
  int l = elect(-1), a = (l + 1) % N, b = (l + 2) % N, f = (l + 3) % N;
  guint from = fl_harness_mark(&T);
  fl_op w = fl_harness_op(&T, 0, 1, FL_OP_WRITE, 2, 4, 0);
  FL_HARNESS_REQUEST(&T, l, &w);
  ck_assert_int_eq(fl_harness_count(&T, from, l, fl_harness_client_endpoint(&T, 0), 0), 0);
  /* Deliver the Accept to two acceptors, and their answers: three of five chose it. */
  for (int k = 0; k < 2; k++) {
    int x = k ? b : a;
    guint at = fl_harness_mark(&T);
    FL_HARNESS_DELIVER(&T, fl_harness_find(&T, from, l, x, PAXOS_MSG_ACCEPT, 0));
    ck_assert_int_eq(st(x)->leader, l);
    FL_HARNESS_DELIVER(&T, fl_harness_find(&T, at, x, l, PAXOS_MSG_ACCEPTED, 0));
  }
  ck_assert_uint_eq(st(l)->commit, 1);
  int64_t v = 0;
  ck_assert(fl_kv_machine_get(&st(l)->kv, 2, &v));
  ck_assert_int_eq(v, 4);
  fl_harness_reply r = FL_HARNESS_CLIENT_REPLY(&T, from, l, 0, 0);
  ck_assert_int_eq(r.result.status, FL_REPLY_OK);
  /* A follower learns from the next Accept's commit point. */
  ck_assert_uint_eq(st(a)->commit, 0);
  guint at = fl_harness_mark(&T);
  fl_op w2 = fl_harness_op(&T, 0, 2, FL_OP_WRITE, 2, 5, 0);
  FL_HARNESS_REQUEST(&T, l, &w2);
  FL_HARNESS_DELIVER(&T, fl_harness_find(&T, at, l, a, PAXOS_MSG_ACCEPT, 0));
  ck_assert_uint_eq(st(a)->commit, 1);
  /* One that missed slot 1 asks to catch up, and learns from Decided. */
  at = fl_harness_mark(&T);
  FL_HARNESS_DELIVER(&T, fl_harness_find(&T, from, l, f, PAXOS_MSG_ACCEPT, 1));
  ck_assert_uint_eq(st(f)->commit, 0);
  const fl_harness_msg *cu = fl_harness_find(&T, at, f, l, PAXOS_MSG_CATCHUP, 0);
  ck_assert_ptr_nonnull(cu);
  guint at2 = fl_harness_mark(&T);
  FL_HARNESS_DELIVER(&T, cu);
  FL_HARNESS_DELIVER(&T, fl_harness_find(&T, at2, l, f, PAXOS_MSG_DECIDED, 0));
  ck_assert_uint_eq(st(f)->commit, 1);
  ck_assert(fl_kv_machine_get(&st(f)->kv, 2, &v));
  ck_assert_int_eq(v, 4);
  /* Redirects from a follower, to the leader it knows. */
  at = fl_harness_mark(&T);
  FL_HARNESS_REQUEST(&T, a, &w2);
  r = FL_HARNESS_CLIENT_REPLY(&T, at, a, 0, 0);
  ck_assert_int_eq(r.result.status, FL_REPLY_REDIRECT);
  ck_assert_int_eq(r.result.redirect_to, l);
  /* Status: role, ballot, leader. */
  fl_node_status s;
  ck_assert(fl_world_node_status(T.w, l, &s));
  ck_assert_int_eq(s.role, FL_ROLE_LEADER);
  ck_assert_int_eq(s.term_kind, FL_TERM_BALLOT);
  ck_assert_uint_eq(s.term, st(l)->ballot);
  ck_assert_int_eq(fl_world_leader(T.w), l);
  fl_harness_close(&T);
}
END_TEST

START_TEST(restart_keeps_promise_and_accepted) {
  open_world(TIMERS_OFF);
  ACCEPT(0, 1, PAXOS_BALLOT(1, 0), 3, 0, (paxos_value[]){op_value(1, 1, 5)}, 1);
  PREPARE(2, 1, PAXOS_BALLOT(4, 2), 1);
  ck_assert(fl_world_crash(T.w, 1));
  ck_assert(fl_world_restart(T.w, 1));
  FL_HARNESS_ASSERT_RUNNING(&T);
  ck_assert_uint_eq(st(1)->promise, PAXOS_BALLOT(4, 2));
  ck_assert_uint_eq(paxos_last_slot(st(1)), 3);
  const paxos_slot *sl = fl__paxos_slot_get(st(1), 3);
  ck_assert_uint_eq(sl->acc_ballot, PAXOS_BALLOT(1, 0));
  ck_assert_int_eq(sl->acc.value, 5);
  ck_assert_uint_eq(fl__paxos_slot_get(st(1), 1)->acc_ballot, 0); /* a hole */
  fl_harness_close(&T);
}
END_TEST

/* A disk that takes 5ms per write and tears the write in progress at a crash: the acceptor's
 * promise record is in two alternating slots (common/durable_slots.h), so a torn raise leaves
 * the promise before it. In place, the torn record alone said promise 0. */
START_TEST(torn_meta_keeps_the_previous_promise) {
  open_world(TIMERS_OFF "[nodes]\ndisk = constant(5ms)\ntorn_writes = yes\n");
  /* Init wrote seq 1; the Prepare raises the promise (seq 2), which syncs. */
  PREPARE(0, 1, PAXOS_BALLOT(3, 0), 1);
  fl_world_run_until(T.w, fl_world_now(T.w) + 10 * 1000000LL);
  FL_HARNESS_ASSERT_RUNNING(&T);
  ck_assert_uint_eq(st(1)->meta.seq, 2);
  /* A higher Prepare (seq 3), and a crash before its write syncs: that write is torn. */
  PREPARE(2, 1, PAXOS_BALLOT(5, 2), 1);
  ck_assert_uint_eq(st(1)->promise, PAXOS_BALLOT(5, 2));
  ck_assert(fl_world_crash(T.w, 1));
  ck_assert(fl_world_restart(T.w, 1));
  FL_HARNESS_ASSERT_RUNNING(&T);
  ck_assert_uint_eq(st(1)->promise, PAXOS_BALLOT(3, 0));
  ck_assert_uint_eq(st(1)->meta.seq, 2);
  /* The next raise goes over the torn slot (seq 3), never over the good one. */
  PREPARE(2, 1, PAXOS_BALLOT(7, 2), 1);
  fl_world_run_until(T.w, fl_world_now(T.w) + 10 * 1000000LL);
  ck_assert_uint_eq(st(1)->meta.seq, 3);
  ck_assert(fl_world_crash(T.w, 1));
  ck_assert(fl_world_restart(T.w, 1));
  FL_HARNESS_ASSERT_RUNNING(&T);
  ck_assert_uint_eq(st(1)->promise, PAXOS_BALLOT(7, 2));
  ck_assert_uint_eq(st(1)->meta.seq, 3);
  fl_harness_close(&T);
}
END_TEST

/* ---- The invariants, each broken by injected messages. */

/* Two leaders; the second is told (by lying promises) that nothing was accepted, so it
 * proposes another value for the slot the first one chose. */
START_TEST(violation_one_value_per_slot) {
  open_world(ONE_STANDS);
  int c1 = step_until_candidate(-1), c2 = step_until_candidate(c1);
  int lo = c1 < c2 ? c1 : c2, hi = c1 < c2 ? c2 : c1;
  int others[N], k = 0;
  for (int i = 0; i < N; i++)
    if (i != lo && i != hi) others[k++] = i;
  int a = others[0], b = others[1];
  PROMISE(a, lo, st(lo)->ballot, NULL, 0);
  PROMISE(b, lo, st(lo)->ballot, NULL, 0);
  ck_assert_int_eq(st(lo)->role, PAXOS_LEADER);
  guint from = fl_harness_mark(&T);
  fl_op w = fl_harness_op(&T, 0, 1, FL_OP_WRITE, 1, 7, 0);
  FL_HARNESS_REQUEST(&T, lo, &w);
  FL_HARNESS_DELIVER(&T, fl_harness_find(&T, from, lo, a, PAXOS_MSG_ACCEPT, 0));
  FL_HARNESS_DELIVER(&T, fl_harness_find(&T, from, lo, b, PAXOS_MSG_ACCEPT, 0));
  /* Chosen (lo, a, b). Now hi, whose ballot is higher, hears two empty promises. */
  PROMISE(a, hi, st(hi)->ballot, NULL, 0);
  PROMISE(b, hi, st(hi)->ballot, NULL, 0);
  ck_assert_int_eq(st(hi)->role, PAXOS_LEADER);
  from = fl_harness_mark(&T);
  fl_op w2 = fl_harness_op(&T, 0, 2, FL_OP_WRITE, 1, 8, 0);
  FL_HARNESS_REQUEST(&T, hi, &w2);
  FL_HARNESS_DELIVER(&T, fl_harness_find(&T, from, hi, a, PAXOS_MSG_ACCEPT, 0));
  ck_assert(fl_world_inject(T.w, hi, b, g_bytes_get_data(fl_harness_find(&T, from, hi, b,
                                                                         PAXOS_MSG_ACCEPT, 0)->bytes,
                                                         NULL),
                            g_bytes_get_size(fl_harness_find(&T, from, hi, b, PAXOS_MSG_ACCEPT, 0)->bytes)));
  char *why = g_strdup_printf("one value per slot: slot 1 chose write k1 = 7 (c1 #1) at b1.%d, then "
                              "write k1 = 8 (c1 #2) at b1.%d (accepted by n%d n%d n%d)",
                              lo + 1, hi + 1, MIN(MIN(a, b), hi) + 1,
                              a + b + hi - MIN(MIN(a, b), hi) - MAX(MAX(a, b), hi) + 1,
                              MAX(MAX(a, b), hi) + 1);
  close_violated(why);
  g_free(why);
}
END_TEST

/* Three acceptors accept a value n1 never proposed. */
START_TEST(violation_chosen_was_proposed) {
  open_world(TIMERS_OFF);
  paxos_value v = op_value(1, 1, 7);
  ACCEPT(0, 1, PAXOS_BALLOT(1, 0), 1, 0, &v, 1);
  ACCEPT(0, 2, PAXOS_BALLOT(1, 0), 1, 0, &v, 1);
  paxos_msg_accept m;
  memset(&m, 0, sizeof m);
  m.type = PAXOS_MSG_ACCEPT;
  m.n = 1;
  m.ballot = PAXOS_BALLOT(1, 0);
  m.first = 1;
  char buf[sizeof m + sizeof v];
  memcpy(buf, &m, sizeof m);
  memcpy(buf + sizeof m, &v, sizeof v);
  ck_assert(fl_world_inject(T.w, 0, 3, buf, sizeof buf));
  close_violated("chosen value was proposed: slot 1 chose write k1 = 7 (c1 #1) at b1.1 "
                 "(accepted by n2 n3 n4), which n1 never proposed there");
}
END_TEST

START_TEST(violation_accept_below_promise) {
  open_world(TIMERS_OFF "bug = ignore-promise\n");
  PREPARE(0, 1, PAXOS_BALLOT(5, 0), 1);
  paxos_value v = op_value(1, 1, 7);
  paxos_msg_accept m;
  memset(&m, 0, sizeof m);
  m.type = PAXOS_MSG_ACCEPT;
  m.n = 1;
  m.ballot = PAXOS_BALLOT(1, 2);
  m.first = 1;
  char buf[sizeof m + sizeof v];
  memcpy(buf, &m, sizeof m);
  memcpy(buf + sizeof m, &v, sizeof v);
  ck_assert(fl_world_inject(T.w, 2, 1, buf, sizeof buf));
  close_violated("no accept below promise: n2 accepted b1.3 at slot 1 having promised b5.1");
}
END_TEST

START_TEST(violation_state_machine_safety) {
  open_world(TIMERS_OFF);
  paxos_value x = op_value(1, 1, 7), y = op_value(1, 1, 8);
  decided(__LINE__, 0, 1, 1, &x, 1);
  ck_assert_uint_eq(st(1)->commit, 1);
  paxos_msg_decided m;
  memset(&m, 0, sizeof m);
  m.type = PAXOS_MSG_DECIDED;
  m.n = 1;
  m.first = 1;
  char buf[sizeof m + sizeof y];
  memcpy(buf, &m, sizeof m);
  memcpy(buf + sizeof m, &y, sizeof y);
  ck_assert(fl_world_inject(T.w, 0, 2, buf, sizeof buf));
  close_violated("state machine safety: n3 applied write k1 = 8 (c1 #1) at slot 1, but n2 "
                 "applied write k1 = 7 (c1 #1)");
}
END_TEST

START_TEST(violation_promise_decreases) {
  open_world(TIMERS_OFF "bug = unpersisted-promise\n");
  PREPARE(0, 1, PAXOS_BALLOT(3, 0), 1);
  ck_assert(fl_world_crash(T.w, 1));
  ck_assert(fl_world_restart(T.w, 1));
  /* The check runs after the node's next event: any message will do. */
  paxos_msg_catchup c;
  memset(&c, 0, sizeof c);
  c.type = PAXOS_MSG_CATCHUP;
  c.from = 1;
  ck_assert(fl_world_inject(T.w, 0, 1, &c, sizeof c));
  close_violated("promise never decreases: n2 had promised b3.1 and now promises b0.1 "
                 "(after a restart)");
}
END_TEST

int main(void) {
  Suite *s = suite_create("paxos");
  TCase *tc = tcase_create("paxos");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, prepare_promises_and_nacks);
  tcase_add_test(tc, new_leader_reproposes_highest_and_fills_holes);
  tcase_add_test(tc, bug_any_accepted_takes_the_lowest);
  tcase_add_test(tc, bug_skip_reproposal_fills_no_ops);
  tcase_add_test(tc, phase2_chooses_and_answers);
  tcase_add_test(tc, restart_keeps_promise_and_accepted);
  tcase_add_test(tc, torn_meta_keeps_the_previous_promise);
  tcase_add_test(tc, violation_one_value_per_slot);
  tcase_add_test(tc, violation_chosen_was_proposed);
  tcase_add_test(tc, violation_accept_below_promise);
  tcase_add_test(tc, violation_state_machine_safety);
  tcase_add_test(tc, violation_promise_decreases);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
