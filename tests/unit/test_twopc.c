/* Unit tests of twopc (protocols/twopc) and of the metrics API it reports through
 * (sim/metrics.h, `[expect] metric`).
 *
 * The protocol tests use the shared harness: 3 nodes, each partitioned alone, n1 the
 * designated coordinator, n2 and n3 participants (key 0 on n2, key 1 on n3). The test plays
 * the network. Covered: a commit end to end (prepares, logged votes, decision, reply, metrics);
 * a no vote aborts; the lock-wait timeout aborts an unvoted participant while a voted one only
 * asks; wound-wait; a restarted coordinator resends its logged decision and answers presumed
 * abort for the rest; a restarted in-doubt participant asks; and each invariant stopping the
 * run on injected messages (atomicity, vote changed, decision changed, commit without all yes,
 * a record after the end). Forgetting: the tables hold exactly what is in flight (by hand, and
 * after a whole quiesced run, whose compacted logs restore the same store on a restart); late
 * prepares, decisions and queries of ended transactions neither lock nor apply nor log.
 * The metrics tests: sorted order in both insertion orders, kinds, totals, saturation, invalid
 * names and the cap; `metric` expectations parsed and their errors; a whole run's metrics in
 * the summary, the JSON report and the verdict, with exact values.
 */
#include "fl_test.h"
#include "fl_harness.h"
#include "twopc/twopc_int.h"
#include "metrics.h"
#include "scenario.h"
#include "client.h"

#include <string.h>
#include <glib/gstdio.h>

static fl_harness H;

static void open_world(const char *extra) {
  char *text = g_strdup_printf(
      "[cluster]\nprotocol = twopc\nnodes = 3\nseed = 1\nduration = 10h\n"
      "[workload]\nkind = txn\nclients = 2\nstart = 10h\n"
      "[twopc]\nfirst_participant = 2\n%s", extra);
  fl_harness_open(&H, "twopc-unit.fl", text);
  g_free(text);
  fl_harness_isolate(&H);
}

/* Client c's transaction seq: write `value` to key k0 (n2) and read key k1 (n3), or only the
 * write when k1 < 0. */
static fl_txn txn_of(uint32_t c, uint64_t seq, int64_t k0, int64_t value, int64_t k1) {
  fl_txn t;
  memset(&t, 0, sizeof t);
  fl_op op = fl_harness_op(&H, c, seq, FL_OP_TXN, 0, 0, 0);
  fl_op_copy(&t.op, &op);
  t.n = k1 >= 0 ? 2 : 1;
  t.mops[0].f = FL_MOP_WRITE;
  t.mops[0].key = k0;
  t.mops[0].value = value;
  if (k1 >= 0) {
    t.mops[1].f = FL_MOP_READ;
    t.mops[1].key = k1;
  }
  return t;
}

static int64_t metric(const char *name) {
  int64_t v;
  fl_metrics_lookup(fl_world_metrics(H.w), name, &v);
  return v;
}

/* n1's k-th answer to client 0 since `from` (a transaction's answer carries its micro-ops). */
static fl_client_txn_reply txn_reply_at(int line, guint from, int k) {
  fl_client_txn_reply r;
  fl_harness_nth(&H, line, from, 0, fl_harness_client_endpoint(&H, 0), 0, k, &r, sizeof r);
  return r;
}

static uint64_t txid1(void) { return 1; } /* n1's first transaction of its first life */

/* Delivers the latest message src -> dst of `type` sent since `from`. */
static void pass_at(int line, guint from, int src, int dst, uint32_t type) {
  int k = fl_harness_count(&H, from, src, dst, type);
  ck_assert_msg(k > 0, "line %d: no message of type %u from n%d to n%d", line, type, src + 1, dst + 1);
  fl_harness_deliver(&H, line, fl_harness_find(&H, from, src, dst, type, k - 1));
}
#define PASS(from, src, dst, type) pass_at(__LINE__, (from), (src), (dst), (type))

static void inject_txid_at(int line, int src, int dst, uint32_t type, uint32_t arg, uint64_t txid) {
  tp_msg_txid m;
  memset(&m, 0, sizeof m);
  m.type = type;
  m.arg = arg;
  m.txid = txid;
  fl_harness_inject(&H, line, src, dst, &m, sizeof m);
}
#define INJECT_TXID(src, dst, type, arg, txid) inject_txid_at(__LINE__, (src), (dst), (type), (arg), (txid))

/* Client 0's transaction (k0 := 7, read k1) prepared at n2 and n3, both votes back at n1. */
static guint run_to_votes(void) {
  guint from = fl_harness_mark(&H);
  fl_txn t = txn_of(0, 1, 0, 7, 1);
  FL_HARNESS_REQUEST(&H, 0, &t.op);
  ck_assert_int_eq(fl_harness_count(&H, from, 0, 1, TP_PREPARE), 1);
  ck_assert_int_eq(fl_harness_count(&H, from, 0, 2, TP_PREPARE), 1);
  PASS(from, 0, 1, TP_PREPARE);
  PASS(from, 0, 2, TP_PREPARE);
  return from;
}

START_TEST(commit_end_to_end) {
  open_world("");
  guint from = run_to_votes();
  tp_msg_vote v;
  FL_HARNESS_NTH(&H, from, 2, 0, TP_VOTE, 0, &v);
  ck_assert_uint_eq(v.yes, 1);
  ck_assert_uint_eq(v.n_mops, 1);
  ck_assert_uint_eq(v.mops[0].has_value, 0); /* k1 never written: nil */
  PASS(from, 1, 0, TP_VOTE);
  ck_assert_int_eq(fl_harness_count(&H, from, 0, 1, TP_DECISION), 0);
  guint at = fl_harness_mark(&H);
  PASS(from, 2, 0, TP_VOTE);
  tp_msg_txid d;
  FL_HARNESS_NTH(&H, at, 0, 1, TP_DECISION, 0, &d);
  ck_assert_uint_eq(d.arg, 1);
  ck_assert_int_eq(fl_harness_count(&H, at, 0, 2, TP_DECISION), 1);
  fl_client_txn_reply r = txn_reply_at(__LINE__, at, 0);
  ck_assert_int_eq(r.result.status, FL_REPLY_OK);
  ck_assert_uint_eq(r.txn.mops[1].has_value, 0);
  ck_assert_int_eq(r.txn.mops[0].value, 7);
  ck_assert_int_eq(metric("txn_committed"), 1);
  ck_assert_int_eq(metric("txn_in_doubt"), 2); /* both voted yes, neither knows yet */
  PASS(at, 0, 1, TP_DECISION);
  PASS(at, 0, 2, TP_DECISION);
  ck_assert_int_eq(metric("txn_in_doubt"), 0);
  const tp_node *n2 = fl_harness_state(&H, 1);
  ck_assert_int_eq(n2->in_doubt, 0);
  ck_assert_int_eq(g_tree_nnodes(n2->locks), 0);
  int64_t k0 = 0;
  ck_assert_int_eq(*(const int64_t *)g_tree_lookup(n2->store, &k0), 7);
  /* Records: n1 logs its decision then END once both acknowledge; each participant a vote
   * and an outcome. 80-byte headers, 40 bytes per micro-op in a vote; and each node's 4-byte
   * incarnation, written at boot (the kernel counts every fl_node_persist). */
  PASS(fl_harness_mark(&H) - 2, 1, 0, TP_DECISION_ACK);
  PASS(fl_harness_mark(&H) - 1, 2, 0, TP_DECISION_ACK);
  ck_assert_int_eq(metric("persisted_bytes"), 3 * 4 + 80 + 80 + 2 * (120 + 80));
  ck_assert_int_eq(metric("persist_writes"), 3 + 2 + 2 * 2);
  fl_harness_close(&H);
}
END_TEST

START_TEST(no_vote_aborts_and_counts_its_cause) {
  open_world("locking = no-wait\n");
  /* Client 1's transaction holds k0 at n2 (voted yes, in doubt). */
  guint from = fl_harness_mark(&H);
  fl_txn a = txn_of(1, 1, 0, 5, -1);
  FL_HARNESS_REQUEST(&H, 0, &a.op);
  PASS(from, 0, 1, TP_PREPARE);
  /* Client 0's transaction wants k0 too: n2 votes no at once (no-wait). */
  guint at = fl_harness_mark(&H);
  fl_txn b = txn_of(0, 1, 0, 6, 1);
  FL_HARNESS_REQUEST(&H, 0, &b.op);
  PASS(at, 0, 1, TP_PREPARE);
  tp_msg_vote v;
  FL_HARNESS_NTH(&H, at, 1, 0, TP_VOTE, 0, &v);
  ck_assert_uint_eq(v.yes, 0);
  ck_assert_uint_eq(v.cause, TP_CAUSE_CONFLICT);
  guint d = fl_harness_mark(&H);
  PASS(at, 1, 0, TP_VOTE);
  ck_assert_int_eq(txn_reply_at(__LINE__, d, 0).result.status, FL_REPLY_FAIL);
  ck_assert_int_eq(metric("txn_aborted_conflict"), 1);
  ck_assert_int_eq(fl_harness_count(&H, d, 0, 2, TP_DECISION), 1);
  fl_harness_close(&H);
}
END_TEST

START_TEST(unvoted_participant_times_out_voted_one_asks) {
  open_world("lock_timeout = 30ms\ndecision_timeout = 50ms\nvote_timeout = 1h\n");
  guint from = fl_harness_mark(&H);
  fl_txn a = txn_of(1, 1, 0, 5, -1);
  FL_HARNESS_REQUEST(&H, 0, &a.op);
  PASS(from, 0, 1, TP_PREPARE); /* holds k0, voted yes */
  guint at = fl_harness_mark(&H);
  fl_txn b = txn_of(0, 1, 0, 6, -1);
  FL_HARNESS_REQUEST(&H, 0, &b.op);
  PASS(at, 0, 1, TP_PREPARE); /* waits for k0 (2pl) */
  ck_assert_int_eq(fl_harness_count(&H, at, 1, 0, TP_VOTE), 0);
  guint t = fl_harness_mark(&H);
  FL_HARNESS_RUN_FOR(&H, 40 * FL_MS);
  tp_msg_vote v;
  FL_HARNESS_NTH(&H, t, 1, 0, TP_VOTE, 0, &v);
  ck_assert_uint_eq(v.yes, 0);
  ck_assert_uint_eq(v.cause, TP_CAUSE_TIMEOUT);
  /* The first transaction voted yes: it never aborts alone, it asks the coordinator. */
  guint q = fl_harness_mark(&H);
  FL_HARNESS_RUN_FOR(&H, 20 * FL_MS);
  ck_assert_int_eq(fl_harness_count(&H, q, 1, 0, TP_QUERY), 1);
  const tp_node *n2 = fl_harness_state(&H, 1);
  ck_assert_int_eq(n2->in_doubt, 1);
  fl_harness_close(&H);
}
END_TEST

START_TEST(wound_wait_older_wounds_unvoted_younger) {
  open_world("locking = wound-wait\nvote_timeout = 1h\n");
  /* The younger transaction (later ts) holds k0 at n2 but waits for k1 held by a third one;
   * we build it directly with prepares: T_old = client 0 at t=0 wants k0; first the young
   * one gets k0 and waits on k2 (held by a voted transaction). */
  guint from = fl_harness_mark(&H);
  fl_txn holder = txn_of(1, 1, 2, 1, -1); /* k2 on n2: voted yes, holds k2 */
  FL_HARNESS_REQUEST(&H, 0, &holder.op);
  PASS(from, 0, 1, TP_PREPARE);
  /* Forged prepares (the test plays the coordinator): old ts 1, young ts 2. */
  tp_msg_prepare young;
  memset(&young, 0, sizeof young);
  young.type = TP_PREPARE;
  young.txid = 100;
  young.ts = 2;
  young.n_parts = 1;
  young.parts[0] = 1;
  young.n_mops = 2;
  young.mops[0].f = FL_MOP_WRITE, young.mops[0].key = 0, young.mops[0].value = 9;
  young.mops[1].f = FL_MOP_WRITE, young.mops[1].key = 2, young.mops[1].value = 10, young.mops[1].index = 1;
  guint at = fl_harness_mark(&H);
  FL_HARNESS_INJECT(&H, 0, 1, &young, sizeof young);
  ck_assert_int_eq(fl_harness_count(&H, at, 1, 0, TP_VOTE), 0); /* waits for k2 */
  tp_msg_prepare old = young;
  old.txid = 101;
  old.ts = 1;
  old.n_mops = 1;
  memset(&old.mops[1], 0, sizeof old.mops[1]);
  FL_HARNESS_INJECT(&H, 0, 1, &old, sizeof old);
  /* The young one is wounded (votes no, conflict), the old one gets k0 and votes yes. */
  tp_msg_vote v;
  FL_HARNESS_NTH(&H, at, 1, 0, TP_VOTE, 0, &v);
  ck_assert_uint_eq(v.txid, 100);
  ck_assert_uint_eq(v.yes, 0);
  ck_assert_uint_eq(v.cause, TP_CAUSE_CONFLICT);
  FL_HARNESS_NTH(&H, at, 1, 0, TP_VOTE, 1, &v);
  ck_assert_uint_eq(v.txid, 101);
  ck_assert_uint_eq(v.yes, 1);
  fl_harness_close(&H);
}
END_TEST

START_TEST(restarted_coordinator_resends_logged_decision) {
  open_world("");
  guint from = run_to_votes();
  PASS(from, 1, 0, TP_VOTE);
  PASS(from, 2, 0, TP_VOTE); /* decided commit, logged; nobody acknowledged */
  ck_assert(fl_world_crash(H.w, 0));
  guint at = fl_harness_mark(&H);
  ck_assert(fl_world_restart(H.w, 0));
  tp_msg_txid d;
  FL_HARNESS_NTH(&H, at, 0, 1, TP_DECISION, 0, &d);
  ck_assert_uint_eq(d.txid, txid1());
  ck_assert_uint_eq(d.arg, 1);
  ck_assert_int_eq(fl_harness_count(&H, at, 0, 2, TP_DECISION), 1);
  /* A query about a transaction it never decided: presumed abort. */
  guint q = fl_harness_mark(&H);
  INJECT_TXID(1, 0, TP_QUERY, 0, 2);
  FL_HARNESS_NTH(&H, q, 0, 1, TP_DECISION, 0, &d);
  ck_assert_uint_eq(d.txid, 2);
  ck_assert_uint_eq(d.arg, 0);
  fl_harness_close(&H);
}
END_TEST

START_TEST(restarted_in_doubt_participant_keeps_locks_and_asks) {
  open_world("");
  run_to_votes();
  ck_assert(fl_world_crash(H.w, 1));
  guint at = fl_harness_mark(&H);
  ck_assert(fl_world_restart(H.w, 1));
  ck_assert_int_eq(fl_harness_count(&H, at, 1, 0, TP_QUERY), 1);
  const tp_node *n2 = fl_harness_state(&H, 1);
  ck_assert_int_eq(n2->in_doubt, 1);
  ck_assert_int_eq(g_tree_nnodes(n2->locks), 1);
  INJECT_TXID(0, 1, TP_DECISION, 1, txid1());
  n2 = fl_harness_state(&H, 1);
  ck_assert_int_eq(n2->in_doubt, 0);
  int64_t k0 = 0;
  ck_assert_int_eq(*(const int64_t *)g_tree_lookup(n2->store, &k0), 7);
  fl_harness_close(&H);
}
END_TEST

START_TEST(invariant_atomicity) {
  open_world("");
  run_to_votes();
  INJECT_TXID(0, 1, TP_DECISION, 1, txid1());
  tp_msg_txid m;
  memset(&m, 0, sizeof m);
  m.type = TP_DECISION;
  m.txid = txid1(); /* abort */
  ck_assert(fl_world_inject(H.w, 0, 2, &m, sizeof m));
  fl_harness_close_stopped(&H, FL_STOP_VIOLATION,
                           "protocol twopc, at 0ns (event 0): invariant violated: atomicity: txn "
                           "t1.0.1 committed at n2 and aborted at n3");
}
END_TEST

START_TEST(invariant_no_commit_without_all_yes) {
  open_world("");
  guint from = fl_harness_mark(&H);
  fl_txn t = txn_of(0, 1, 0, 7, 1);
  FL_HARNESS_REQUEST(&H, 0, &t.op);
  (void)from;
  tp_msg_vote v;
  memset(&v, 0, sizeof v);
  v.type = TP_VOTE;
  v.txid = txid1();
  v.yes = 1;
  FL_HARNESS_INJECT(&H, 1, 0, &v, sizeof v); /* forged: n2 never saw the prepare */
  ck_assert(fl_world_inject(H.w, 2, 0, &v, sizeof v));
  fl_harness_close_stopped(&H, FL_STOP_VIOLATION,
                           "protocol twopc, at 0ns (event 0): invariant violated: no commit "
                           "without all yes votes: n1 logged commit of txn t1.0.1, but n2 logged "
                           "no vote");
}
END_TEST

START_TEST(invariant_vote_changed) {
  open_world("locking = no-wait\nbug = forget-prepare\n");
  run_to_votes(); /* n2 voted yes on t1.0.1 (k0) */
  ck_assert(fl_world_crash(H.w, 1));
  ck_assert(fl_world_restart(H.w, 1)); /* the bug: it forgets that vote and its lock */
  guint from = fl_harness_mark(&H);
  fl_txn b = txn_of(1, 1, 0, 8, -1); /* another transaction takes k0 */
  FL_HARNESS_REQUEST(&H, 0, &b.op);
  PASS(from, 0, 1, TP_PREPARE);
  /* The first prepare again (the network duplicates): k0 is taken now, so it votes no. */
  tp_msg_prepare p;
  memset(&p, 0, sizeof p);
  p.type = TP_PREPARE;
  p.txid = txid1();
  p.n_parts = 2;
  p.parts[0] = 1;
  p.parts[1] = 2;
  p.n_mops = 1;
  p.mops[0].f = FL_MOP_WRITE;
  p.mops[0].value = 7;
  ck_assert(fl_world_inject(H.w, 0, 1, &p, sizeof p));
  fl_harness_close_stopped(&H, FL_STOP_VIOLATION,
                           "protocol twopc, at 0ns (event 0): invariant violated: vote changed: n2 "
                           "logged a yes vote on txn t1.0.1, then a no vote");
}
END_TEST

START_TEST(invariant_decision_changed) {
  open_world("bug = forget-decisions\n");
  guint from = run_to_votes();
  PASS(from, 1, 0, TP_VOTE);
  PASS(from, 2, 0, TP_VOTE); /* commit logged */
  ck_assert(fl_world_crash(H.w, 0));
  ck_assert(fl_world_restart(H.w, 0)); /* the bug: the log's decisions are not read */
  tp_msg_txid q;
  memset(&q, 0, sizeof q);
  q.type = TP_QUERY;
  q.txid = txid1();
  ck_assert(fl_world_inject(H.w, 1, 0, &q, sizeof q));
  fl_harness_close_stopped(&H, FL_STOP_VIOLATION,
                           "protocol twopc, at 0ns (event 0): invariant violated: decision "
                           "changed: n1 logged commit for txn t1.0.1, then abort");
}
END_TEST

/* ---- Forgetting: the tables hold what is in flight, and what was forgotten stays finished. */

static int n_ctxns(int node) { return g_tree_nnodes(((const tp_node *)fl_harness_state(&H, node))->ctxns); }
static int n_ptxns(int node) { return (int)g_hash_table_size(((const tp_node *)fl_harness_state(&H, node))->ptxns); }
static int n_finished(int node) { return g_tree_nnodes(((const tp_node *)fl_harness_state(&H, node))->finished); }
static int64_t stored(int node, int64_t key) {
  const int64_t *v = g_tree_lookup(((const tp_node *)fl_harness_state(&H, node))->store, &key);
  ck_assert(v != NULL);
  return *v;
}

/* Client 0's transaction seq (k0 := value at n2, read k1 at n3) run to its end: prepares,
 * votes, decisions and acknowledgements delivered. Returns the mark before its request. */
static guint commit_all(uint64_t seq, int64_t value) {
  guint from = fl_harness_mark(&H);
  fl_txn t = txn_of(0, seq, 0, value, 1);
  FL_HARNESS_REQUEST(&H, 0, &t.op);
  PASS(from, 0, 1, TP_PREPARE);
  PASS(from, 0, 2, TP_PREPARE);
  PASS(from, 1, 0, TP_VOTE);
  PASS(from, 2, 0, TP_VOTE);
  PASS(from, 0, 1, TP_DECISION);
  PASS(from, 0, 2, TP_DECISION);
  PASS(from, 1, 0, TP_DECISION_ACK);
  PASS(from, 2, 0, TP_DECISION_ACK);
  return from;
}

START_TEST(tables_hold_only_transactions_in_flight) {
  open_world("");
  guint first = commit_all(1, 7);
  /* Ended: n1 forgot it; each participant keeps only its outcome, its coordinator's watermark
   * (t1.0.1, sent with the decision) not being past it yet. */
  ck_assert_int_eq(n_ctxns(0), 0);
  ck_assert_int_eq(n_ptxns(1), 0);
  ck_assert_int_eq(n_ptxns(2), 0);
  ck_assert_int_eq(n_finished(1), 1);
  ck_assert_int_eq(n_finished(2), 1);
  tp_msg_prepare late;
  fl_harness_nth(&H, __LINE__, first, 0, 1, TP_PREPARE, 0, &late, sizeof late);
  ck_assert_uint_eq(late.done, txid1());
  /* The same request again (a client's retry): nothing starts. */
  guint at = fl_harness_mark(&H);
  fl_txn again = txn_of(0, 1, 0, 7, 1);
  FL_HARNESS_REQUEST(&H, 0, &again.op);
  ck_assert_int_eq(fl_harness_count(&H, at, 0, 1, 0), 0);
  ck_assert_int_eq((int)g_hash_table_size(((const tp_node *)fl_harness_state(&H, 0))->by_client), 1);
  /* A late copy of its prepare: the vote again (yes: it committed), no lock taken. */
  at = fl_harness_mark(&H);
  FL_HARNESS_INJECT(&H, 0, 1, &late, sizeof late);
  tp_msg_vote v;
  FL_HARNESS_NTH(&H, at, 1, 0, TP_VOTE, 0, &v);
  ck_assert_uint_eq(v.yes, 1);
  ck_assert_int_eq(g_tree_nnodes(((const tp_node *)fl_harness_state(&H, 1))->locks), 0);
  ck_assert_int_eq(n_ptxns(1), 0);
  /* A late query about it: abort (it ended), unlogged (it committed). */
  int64_t writes = metric("persist_writes");
  at = fl_harness_mark(&H);
  INJECT_TXID(1, 0, TP_QUERY, 0, txid1());
  tp_msg_txid d;
  FL_HARNESS_NTH(&H, at, 0, 1, TP_DECISION, 0, &d);
  ck_assert_uint_eq(d.arg, 0);
  ck_assert_int_eq(metric("persist_writes"), writes);
  /* The next transaction's prepare carries the watermark t1.0.2: the first is forgotten. */
  guint second = fl_harness_mark(&H);
  fl_txn t2 = txn_of(0, 2, 0, 8, 1);
  FL_HARNESS_REQUEST(&H, 0, &t2.op);
  PASS(second, 0, 1, TP_PREPARE);
  ck_assert_int_eq(n_ctxns(0), 1);
  ck_assert_int_eq(n_ptxns(1), 1);
  ck_assert_int_eq(n_finished(1), 0);
  ck_assert_int_eq(n_finished(2), 1); /* n3 has not heard it yet */
  PASS(second, 0, 2, TP_PREPARE);
  ck_assert_int_eq(n_finished(2), 0);
  PASS(second, 1, 0, TP_VOTE);
  PASS(second, 2, 0, TP_VOTE);
  PASS(second, 0, 1, TP_DECISION);
  PASS(second, 0, 2, TP_DECISION);
  ck_assert_int_eq(stored(1, 0), 8);
  /* The first one's decision, late, and the abort answered to the late query: acknowledged,
   * never applied again (k0 stays 8). */
  at = fl_harness_mark(&H);
  INJECT_TXID(0, 1, TP_DECISION, 1, txid1());
  INJECT_TXID(0, 1, TP_DECISION, 0, txid1());
  ck_assert_int_eq(fl_harness_count(&H, at, 1, 0, TP_DECISION_ACK), 2);
  ck_assert_int_eq(stored(1, 0), 8);
  /* Its prepare once more, now below the watermark: dropped, no vote, no lock. */
  at = fl_harness_mark(&H);
  FL_HARNESS_INJECT(&H, 0, 1, &late, sizeof late);
  ck_assert_int_eq(fl_harness_count(&H, at, 1, 0, 0), 0);
  ck_assert_int_eq(g_tree_nnodes(((const tp_node *)fl_harness_state(&H, 1))->locks), 0);
  /* The second ends only when both acknowledge (n2's first acknowledgement since is its). */
  ck_assert_int_eq(n_ctxns(0), 1);
  fl_harness_deliver(&H, __LINE__, fl_harness_find(&H, second, 1, 0, TP_DECISION_ACK, 0));
  ck_assert_int_eq(n_ctxns(0), 1);
  PASS(second, 2, 0, TP_DECISION_ACK);
  ck_assert_int_eq(n_ctxns(0), 0);
  ck_assert_int_eq(n_ptxns(1) + n_ptxns(2), 0);
  ck_assert_int_eq(n_finished(1) + n_finished(2), 2);
  fl_harness_close(&H);
}
END_TEST

/* An abort that overtakes the prepare (which a reordering network allows) is logged as a no
 * vote: the prepare that comes later, even after a restart, is answered no, without a lock. */
START_TEST(abort_before_prepare_is_remembered_across_a_restart) {
  open_world("");
  guint from = fl_harness_mark(&H);
  fl_txn t = txn_of(0, 1, 0, 7, 1);
  FL_HARNESS_REQUEST(&H, 0, &t.op);
  tp_msg_prepare late;
  FL_HARNESS_NTH(&H, from, 0, 1, TP_PREPARE, 0, &late);
  guint at = fl_harness_mark(&H);
  INJECT_TXID(0, 1, TP_DECISION, 0, txid1());
  ck_assert_int_eq(fl_harness_count(&H, at, 1, 0, TP_DECISION_ACK), 1);
  ck_assert_int_eq(fl_harness_count(&H, at, 1, 0, TP_VOTE), 0);
  ck_assert_int_eq(n_ptxns(1), 0);
  ck_assert_int_eq(n_finished(1), 1);
  ck_assert(fl_world_crash(H.w, 1));
  ck_assert(fl_world_restart(H.w, 1));
  ck_assert_int_eq(n_ptxns(1), 0);
  ck_assert_int_eq(n_finished(1), 1);
  at = fl_harness_mark(&H);
  FL_HARNESS_INJECT(&H, 0, 1, &late, sizeof late);
  tp_msg_vote v;
  FL_HARNESS_NTH(&H, at, 1, 0, TP_VOTE, 0, &v);
  ck_assert_uint_eq(v.yes, 0);
  ck_assert_int_eq(g_tree_nnodes(((const tp_node *)fl_harness_state(&H, 1))->locks), 0);
  fl_harness_close(&H);
}
END_TEST

/* The checker keeps only the ids of ended transactions, and a record logged for one later is
 * a violation: here a forged abort makes n3, which never took part, log a no vote for t1.0.1
 * after it ended (n2 alone held its key). */
START_TEST(invariant_record_after_end) {
  open_world("");
  guint from = fl_harness_mark(&H);
  fl_txn t = txn_of(0, 1, 0, 7, -1);
  FL_HARNESS_REQUEST(&H, 0, &t.op);
  PASS(from, 0, 1, TP_PREPARE);
  PASS(from, 1, 0, TP_VOTE);
  PASS(from, 0, 1, TP_DECISION);
  PASS(from, 1, 0, TP_DECISION_ACK);
  ck_assert_int_eq(n_ctxns(0), 0);
  tp_msg_txid m;
  memset(&m, 0, sizeof m);
  m.type = TP_DECISION;
  m.txid = txid1(); /* abort */
  ck_assert(fl_world_inject(H.w, 0, 2, &m, sizeof m));
  fl_harness_close_stopped(&H, FL_STOP_VIOLATION,
                           "protocol twopc, at 0ns (event 0): invariant violated: txn t1.0.1 "
                           "ended (every participant acknowledged its decision), then n3 logged "
                           "a vote");
}
END_TEST

/* A whole contended run (steady.fl's workload), its clients stopped a second before the end:
 * nothing is in flight, so the coordinator holds no transaction and the participants no ptxn;
 * each participant keeps only the outcomes its coordinator's last watermark did not pass
 * (exact, at this seed). */
START_TEST(quiesced_run_leaves_only_what_is_in_flight) {
  fl_harness_open(&H, "twopc-quiet.fl",
                  "[cluster]\nprotocol = twopc\nnodes = 4\nseed = 1\nduration = 3s\n"
                  "[network]\nlatency = lognormal(mean=2ms, sd=1ms)\n"
                  "[workload]\nkind = txn\nclients = 8\nkeys = 12\ntxn_ops = 4\n"
                  "think = exponential(mean=10ms)\ntimeout = 1s\nstop = 2s\n"
                  "[twopc]\nfirst_participant = 2\nlock_timeout = 50ms\n");
  fl_world_run(H.w);
  ck_assert_int_eq(fl_world_stop_reason(H.w), FL_STOP_END);
  ck_assert_int_eq(n_ctxns(0), 0);
  ck_assert_int_eq((int)g_hash_table_size(((const tp_node *)fl_harness_state(&H, 0))->by_client), 8);
  int finished[4];
  for (int i = 1; i < 4; i++) {
    ck_assert_int_eq(n_ptxns(i), 0);
    ck_assert_int_eq(g_tree_nnodes(((const tp_node *)fl_harness_state(&H, i))->locks), 0);
    finished[i] = n_finished(i);
  }
  /* Of the 665 committed (and the aborted), the participants keep 2, 3 and 3 outcomes: those
   * decided after the last message n1 sent them, which carried its watermark. */
  ck_assert_int_eq(metric("txn_committed"), 665);
  ck_assert_int_eq(finished[1], 2);
  ck_assert_int_eq(finished[2], 3);
  ck_assert_int_eq(finished[3], 3);
  /* The logs were compacted: each node replays from a first key past 1, and a participant
   * restarted now has the same store back (the snapshot plus the records after it), and
   * rebuilds only what it kept: its few outcomes. */
  for (int i = 0; i < 4; i++) {
    const tp_node *n = fl_harness_state(&H, i);
    ck_assert_uint_gt(n->base, 1);
    ck_assert_uint_lt(n->next_key - n->base, TP_COMPACT_MIN + 64);
  }
  int after[4];
  for (int i = 1; i < 4; i++) {
    const tp_node *n = fl_harness_state(&H, i);
    int keys = g_tree_nnodes(n->store);
    ck_assert_int_gt(keys, 0);
    int64_t before[12];
    for (int64_t k = 0; k < 12; k++) {
      const int64_t *v = g_tree_lookup(n->store, &k);
      before[k] = v ? *v : -1;
    }
    ck_assert(fl_world_crash(H.w, i));
    ck_assert(fl_world_restart(H.w, i));
    n = fl_harness_state(&H, i);
    ck_assert_int_eq(g_tree_nnodes(n->store), keys);
    for (int64_t k = 0; k < 12; k++) {
      const int64_t *v = g_tree_lookup(n->store, &k);
      ck_assert_int_eq(v ? *v : -1, before[k]);
    }
    ck_assert_int_eq(n_ptxns(i), 0);
    after[i] = n_finished(i);
  }
  /* After a restart, the outcomes in the log's tail since the last compaction (n2: keys 552 to
   * 792) are kept, the watermark stored with it being older: the coordinator's next message
   * drops them (tables_hold_only_transactions_in_flight shows a watermark doing so). */
  ck_assert_int_eq(after[1], 121);
  ck_assert_int_eq(after[2], 12);
  ck_assert_int_eq(after[3], 137);
  fl_harness_close_stopped(&H, FL_STOP_END, "");
}
END_TEST

/* ---- The metrics API. */

static void fill(fl_metrics *m, bool reversed) {
  GString *why = g_string_new(NULL);
  const char *names[] = {"b_count", "a_max_ns", "c_gauge"};
  for (int k = 0; k < 3; k++) {
    int i = reversed ? 2 - k : k;
    fl_metric_kind kind = i == 1 ? FL_METRIC_MAX : FL_METRIC_SUM;
    ck_assert(fl_metrics_update(m, 0, names[i], kind, 5, why));
    ck_assert(fl_metrics_update(m, 2, names[i], kind, i == 2 ? -9 : 3, why));
  }
  ck_assert_str_eq(why->str, "");
  g_string_free(why, TRUE);
}

START_TEST(metrics_sorted_whatever_the_insertion_order) {
  for (int rev = 0; rev < 2; rev++) {
    fl_metrics *m = fl_metrics_new(3);
    fill(m, rev);
    ck_assert_uint_eq(fl_metrics_count(m), 3);
    ck_assert_str_eq(fl_metrics_name(m, 0), "a_max_ns");
    ck_assert_str_eq(fl_metrics_name(m, 1), "b_count");
    ck_assert_str_eq(fl_metrics_name(m, 2), "c_gauge");
    ck_assert_int_eq(fl_metrics_kind(m, 0), FL_METRIC_MAX);
    ck_assert_int_eq(fl_metrics_total(m, 0), 5); /* max over nodes */
    ck_assert_int_eq(fl_metrics_total(m, 1), 8);
    ck_assert_int_eq(fl_metrics_total(m, 2), -4);
    ck_assert_int_eq(fl_metrics_node_value(m, 1, 1), 0);
    ck_assert_int_eq(fl_metrics_node_value(m, 1, 2), 3);
    int64_t v;
    ck_assert(fl_metrics_lookup(m, "b_count", &v));
    ck_assert_int_eq(v, 8);
    ck_assert(!fl_metrics_lookup(m, "zz", &v));
    ck_assert_int_eq(v, 0);
    fl_metrics_free(m);
  }
}
END_TEST

START_TEST(metrics_refuse_bad_names_kinds_and_one_too_many) {
  fl_metrics *m = fl_metrics_new(1);
  GString *why = g_string_new(NULL);
  ck_assert(!fl_metrics_update(m, 0, "Bad-Name", FL_METRIC_SUM, 1, why));
  ck_assert_str_eq(why->str, "metric name 'Bad-Name' is not 1 to 48 characters of a-z, 0-9 and _");
  g_string_truncate(why, 0);
  ck_assert(!fl_metrics_update(m, 0, "", FL_METRIC_SUM, 1, why));
  ck_assert(fl_metrics_update(m, 0, "x", FL_METRIC_SUM, INT64_MAX, why));
  ck_assert(fl_metrics_update(m, 0, "x", FL_METRIC_SUM, 1, why));
  ck_assert_int_eq(fl_metrics_total(m, 0), INT64_MAX); /* saturates */
  g_string_truncate(why, 0);
  ck_assert(!fl_metrics_update(m, 0, "x", FL_METRIC_MAX, 1, why));
  ck_assert_str_eq(why->str, "metric 'x' is a sum, updated as a max");
  for (int i = 1; i < 64; i++) {
    char name[16];
    g_snprintf(name, sizeof name, "m%02d", i);
    ck_assert(fl_metrics_update(m, 0, name, FL_METRIC_SUM, 1, why));
  }
  g_string_truncate(why, 0);
  ck_assert(!fl_metrics_update(m, 0, "one_more", FL_METRIC_SUM, 1, why));
  ck_assert_str_eq(why->str, "metric 'one_more' is one more than the 64 metrics a run may have");
  g_string_free(why, TRUE);
  fl_metrics_free(m);
}
END_TEST

static void bad_expect(const char *line, const char *message) {
  char *text = g_strdup_printf("[cluster]\nprotocol = twopc\nnodes = 3\n[expect]\n%s\n", line);
  GError *error = NULL;
  fl_scenario *s = fl_scenario_parse("m.fl", text, strlen(text), &error);
  ck_assert_ptr_null(s);
  ck_assert_str_eq(error->message, message);
  g_error_free(error);
  g_free(text);
}

START_TEST(metric_expectations_parse_and_errors_have_positions) {
  const char *text = "[cluster]\nprotocol = twopc\nnodes = 3\n[expect]\nmetric txn_committed >= 10\n"
                     "metric blocked_max_ns <= 2s\nmetric x == -3\n";
  GError *error = NULL;
  fl_scenario *s = fl_scenario_parse("m.fl", text, strlen(text), &error);
  ck_assert_ptr_nonnull(s);
  ck_assert_uint_eq(s->expects->len, 3);
  const fl_expect *e = &g_array_index(s->expects, fl_expect, 1);
  ck_assert_int_eq(e->kind, FL_EXPECT_METRIC);
  ck_assert_str_eq(e->metric, "blocked_max_ns");
  ck_assert_int_eq(e->metric_cmp, -1);
  ck_assert_int_eq(e->metric_value, 2 * FL_S);
  e = &g_array_index(s->expects, fl_expect, 2);
  ck_assert_int_eq(e->metric_cmp, 0);
  ck_assert_int_eq(e->metric_value, -3);
  fl_scenario_free(s);
  bad_expect("metric Txn >= 1", "m.fl:5:8: expected a metric name (1 to 48 characters of a-z, "
                                "0-9 and _), found 'Txn'");
  bad_expect("metric txn > 1", "m.fl:5:12: expected '>=', '<=' or '==' after the metric name, "
                               "found '> 1'");
  bad_expect("metric blocked_ns <= 2", "m.fl:5:22: expected a duration with a unit (ns, us, ms, s, "
                                       "min, h), found '2'");
}
END_TEST

/* A whole run with exact figures: one client, one single-key write every second, no
 * contention: 3 transactions in 2.5s, each persisting 360 bytes (n1: decision and end, 80
 * bytes each; the key's participant: a 120-byte vote and an 80-byte outcome). */
START_TEST(run_reports_metrics_and_checks_them) {
  char *dir = g_dir_make_tmp("twopc-XXXXXX", NULL);
  char *scn = g_build_filename(dir, "m.fl", NULL);
  char *rep = g_build_filename(dir, "r.json", NULL);
  const char *text =
      "[cluster]\nprotocol = twopc\nnodes = 3\nseed = 1\nduration = 2500ms\n"
      "[workload]\nkind = txn\nclients = 1\nkeys = 4\ntxn_ops = 1\nmix = write 100%\n"
      "think = 1s\n[twopc]\nfirst_participant = 2\n"
      "[expect]\nmetric txn_committed == 3\nmetric persisted_bytes >= 2000\n";
  ck_assert(g_file_set_contents(scn, text, -1, NULL));
  char *args = g_strdup_printf("run %s --report %s", scn, rep), *out = NULL, *err = NULL;
  ck_assert_int_eq(fl_test_cli(args, &out, &err), 1);
  ck_assert_ptr_nonnull(strstr(out, "expect       PASS  metric txn_committed == 3: 3\n"));
  ck_assert_ptr_nonnull(strstr(out, "             FAIL  metric persisted_bytes >= 2000: 1092\n"));
  ck_assert_ptr_nonnull(strstr(out, "metrics      blocked_max_ns max "));
  ck_assert_ptr_nonnull(strstr(out, "             txn_committed = 3 (n1 3)\n"));
  char *json = NULL;
  ck_assert(g_file_get_contents(rep, &json, NULL, NULL));
  ck_assert_ptr_nonnull(strstr(json, "\"txn_committed\" : {\n      \"kind\" : \"sum\",\n"
                                     "      \"value\" : 3,\n      \"nodes\" : [\n        3,\n"
                                     "        0,\n        0\n      ]\n    }"));
  ck_assert_ptr_nonnull(strstr(json, "\"persisted_bytes\" : {\n      \"kind\" : \"sum\",\n"
                                     "      \"value\" : 1092,"));
  g_free(json);
  g_free(out);
  g_free(err);
  g_free(args);
  fl_test_rm_rf(dir);
  g_free(rep);
  g_free(scn);
  g_free(dir);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("twopc");
  TCase *tc = tcase_create("protocol");
  tcase_add_test(tc, commit_end_to_end);
  tcase_add_test(tc, no_vote_aborts_and_counts_its_cause);
  tcase_add_test(tc, unvoted_participant_times_out_voted_one_asks);
  tcase_add_test(tc, wound_wait_older_wounds_unvoted_younger);
  tcase_add_test(tc, restarted_coordinator_resends_logged_decision);
  tcase_add_test(tc, restarted_in_doubt_participant_keeps_locks_and_asks);
  tcase_add_test(tc, invariant_atomicity);
  tcase_add_test(tc, invariant_no_commit_without_all_yes);
  tcase_add_test(tc, invariant_vote_changed);
  tcase_add_test(tc, invariant_decision_changed);
  tcase_add_test(tc, tables_hold_only_transactions_in_flight);
  tcase_add_test(tc, abort_before_prepare_is_remembered_across_a_restart);
  tcase_add_test(tc, quiesced_run_leaves_only_what_is_in_flight);
  tcase_add_test(tc, invariant_record_after_end);
  suite_add_tcase(s, tc);
  TCase *m = tcase_create("metrics");
  tcase_add_test(m, metrics_sorted_whatever_the_insertion_order);
  tcase_add_test(m, metrics_refuse_bad_names_kinds_and_one_too_many);
  tcase_add_test(m, metric_expectations_parse_and_errors_have_positions);
  tcase_add_test(m, run_reports_metrics_and_checks_them);
  suite_add_tcase(s, m);
  return s;
}

int main(void) { return fl_test_run(suite()); }
