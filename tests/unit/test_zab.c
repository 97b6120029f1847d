/* Unit tests of the ZAB handlers (protocols/zab), one message at a time.
 *
 * Each test builds a 3-node zab world in which every node is partitioned alone and every timer
 * but the election's finalize wait (0ns) is an hour or more away, and drives nodes with the
 * shared harness (fl_harness.h), playing the other servers by injected messages decoded and
 * built with zab_int.h's structs. The world's invariant checker runs after every injected
 * event: the tests that break an invariant on purpose (one per invariant, by injected messages,
 * with a reinjected bug where a correct node cannot be made to) assert the exact violation.
 *
 * Covered: Fast Leader Election (a better vote is adopted and announced; a quorum decides;
 * joining an established leader), discovery (the new epoch above a quorum's accepted epochs,
 * NEWEPOCH refused at or below the accepted one), synchronization (DIFF, TRUNC of an old
 * epoch's uncommitted proposal, the bug keep-uncommitted), broadcast (commit after a quorum of
 * acks, the client answered), local and sync reads, durable epochs and history across a
 * restart; the five invariants.
 */
#include "fl_test.h"
#include "fl_harness.h"
#include "builtin.h"
#include "zab.h"
#include "zab_int.h"
#include "scenario.h"
#include "world.h"

#include <string.h>

#define N 3
static fl_harness T;
/* Set before the message that breaks an invariant: injected without asserting the run goes on. */
static bool last_one;

#define QUIET                                                                                  \
  "tick = 1h\nsync_limit = 10h\ninit_limit = 10h\nnotify_interval = 10h\nfinalize_wait = 0ns\n"

static void open_world(const char *opts) {
  char *text = g_strdup_printf("[cluster]\nprotocol = zab\nnodes = %d\nseed = 1\nduration = 100h\n"
                               "[zab]\n" QUIET "%s\n[workload]\nclients = 1\nstart = 100h\n",
                               N, opts);
  fl_harness_open(&T, "zab-unit.fl", text);
  g_free(text);
  fl_harness_isolate(&T);
  last_one = false;
}

static const zab_state *st(int node) { return fl_harness_state(&T, node); }

static zab_txn txn(uint64_t epoch, uint64_t counter, int64_t key, int64_t value) {
  zab_txn t;
  memset(&t, 0, sizeof t);
  t.zxid = ZAB_ZXID(epoch, counter);
  t.seq = counter;
  t.kind = FL_OP_WRITE;
  t.key = key;
  t.value = value;
  return t;
}


static void inject(int line, int src, int dst, const void *m, size_t len) {
  if (last_one)
    ck_assert(fl_world_inject(T.w, src, dst, m, len));
  else
    fl_harness_inject(&T, line, src, dst, m, len);
}

static void notify(int line, int src, int dst, uint32_t state, uint64_t round, int leader,
                   uint64_t epoch, uint64_t zxid) {
  zab_msg_notify m;
  memset(&m, 0, sizeof m);
  m.type = ZAB_MSG_NOTIFY;
  m.state = state;
  m.round = round;
  m.vote.leader = leader;
  m.vote.epoch = epoch;
  m.vote.zxid = zxid;
  inject(line, src, dst, &m, sizeof m);
}
#define NOTIFY(...) notify(__LINE__, __VA_ARGS__)

static void epoch_msg(int line, uint32_t type, int src, int dst, uint64_t epoch) {
  zab_msg_newepoch m;
  memset(&m, 0, sizeof m);
  m.type = type;
  m.epoch = epoch;
  inject(line, src, dst, &m, sizeof m);
}
#define FOLLOWERINFO(src, dst, e) epoch_msg(__LINE__, ZAB_MSG_FOLLOWERINFO, (src), (dst), (e))
#define NEWEPOCH(src, dst, e) epoch_msg(__LINE__, ZAB_MSG_NEWEPOCH, (src), (dst), (e))

static void ackepoch(int line, int src, int dst, uint64_t epoch, uint64_t current, uint64_t zxid,
                     uint64_t pos) {
  zab_msg_ackepoch m;
  memset(&m, 0, sizeof m);
  m.type = ZAB_MSG_ACKEPOCH;
  m.epoch = epoch;
  m.current_epoch = current;
  m.last_zxid = zxid;
  m.last_pos = pos;
  inject(line, src, dst, &m, sizeof m);
}
#define ACKEPOCH(...) ackepoch(__LINE__, __VA_ARGS__)

static void ack(int line, uint32_t type, int src, int dst, uint64_t epoch, uint64_t pos) {
  zab_msg_ack m;
  memset(&m, 0, sizeof m);
  m.type = type;
  m.epoch = epoch;
  m.last_pos = pos;
  inject(line, src, dst, &m, sizeof m);
}
#define ACKNEWLEADER(src, dst, e, pos) ack(__LINE__, ZAB_MSG_ACKNEWLEADER, (src), (dst), (e), (pos))
#define ACK(src, dst, e, pos) ack(__LINE__, ZAB_MSG_ACK, (src), (dst), (e), (pos))

static void sync_msg(int line, int src, int dst, uint32_t mode, uint64_t epoch, uint64_t cut,
                     uint64_t cut_zxid, uint64_t commit, const zab_txn *ts, uint32_t n) {
  zab_msg_sync m;
  memset(&m, 0, sizeof m);
  m.type = ZAB_MSG_SYNC;
  m.mode = mode;
  m.epoch = epoch;
  m.trunc_pos = cut;
  m.trunc_zxid = cut_zxid;
  m.commit = commit;
  m.n = n;
  size_t len = sizeof m + n * sizeof(zab_txn);
  char *buf = g_malloc0(len);
  memcpy(buf, &m, sizeof m);
  if (n) memcpy(buf + sizeof m, ts, n * sizeof(zab_txn));
  inject(line, src, dst, buf, len);
  g_free(buf);
}
#define SYNC(...) sync_msg(__LINE__, __VA_ARGS__)

static void propose(int line, int src, int dst, uint64_t epoch, uint64_t first, uint64_t commit,
                    const zab_txn *ts, uint32_t n) {
  zab_msg_propose m;
  memset(&m, 0, sizeof m);
  m.type = ZAB_MSG_PROPOSE;
  m.n = n;
  m.epoch = epoch;
  m.first = first;
  m.commit = commit;
  size_t len = sizeof m + n * sizeof(zab_txn);
  char *buf = g_malloc0(len);
  memcpy(buf, &m, sizeof m);
  if (n) memcpy(buf + sizeof m, ts, n * sizeof(zab_txn));
  inject(line, src, dst, buf, len);
  g_free(buf);
}
#define PROPOSE(...) propose(__LINE__, __VA_ARGS__)

/* Node f, looking, joins leader l (played by the test) through the leader's own answer and one
 * follower's, then acknowledges l's NEWEPOCH e. */
static void join(int line, int f, int l, int other, uint64_t e) {
  NOTIFY(l, f, ZAB_LEADING, 1, l, 0, 0);
  NOTIFY(other, f, ZAB_FOLLOWING, 1, l, 0, 0);
  ck_assert_msg(st(f)->role == ZAB_FOLLOWING && st(f)->leader == l, "line %d: not following", line);
  NEWEPOCH(l, f, e);
  ck_assert_msg(st(f)->phase == ZAB_SYNC, "line %d: NEWEPOCH %d refused", line, (int)e);
}

/* Node l, looking, gets the votes of the two others in round 1 and, after the finalize wait,
 * leads; follower f (played) then runs discovery and synchronization with it. */
static void lead(int line, int l, int f, int other, uint64_t f_accepted) {
  NOTIFY(f, l, ZAB_LOOKING, st(l)->round, l, st(l)->current_epoch, zab_last_zxid(st(l)));
  NOTIFY(other, l, ZAB_LOOKING, st(l)->round, l, st(l)->current_epoch, zab_last_zxid(st(l)));
  fl_harness_run_for(&T, line, 1000);
  ck_assert_msg(st(l)->role == ZAB_LEADING, "line %d: not leading", line);
  FOLLOWERINFO(f, l, f_accepted);
  uint64_t e = st(l)->epoch;
  ck_assert_msg(e > f_accepted, "line %d: epoch %d", line, (int)e);
  ACKEPOCH(f, l, e, 0, 0, 0);
  ACKNEWLEADER(f, l, e, 0);
  ck_assert_msg(st(l)->established, "line %d: not established", line);
}

/* The stop message ends with `why`. */
static void close_violated(const char *why) {
  ck_assert_int_eq(fl_world_stop_reason(T.w), FL_STOP_VIOLATION);
  const char *msg = fl_world_stop_message(T.w);
  char *want = g_strconcat("invariant violated: ", why, NULL);
  ck_assert_msg(g_str_has_suffix(msg, want), "stop message: %s", msg);
  g_free(want);
  fl_harness_close_stopped(&T, FL_STOP_VIOLATION, msg);
}

/* ---- Fast Leader Election. */

START_TEST(election_adopts_better_vote_and_decides) {
  open_world("");
  ck_assert_int_eq(st(0)->role, ZAB_LOOKING);
  ck_assert_int_eq(st(0)->vote.leader, 0);
  guint at = fl_harness_mark(&T);
  /* n2's vote for itself with a later epoch beats n1's own, whatever the ids. */
  NOTIFY(1, 0, ZAB_LOOKING, 1, 1, 2, ZAB_ZXID(2, 1));
  ck_assert_int_eq(st(0)->vote.leader, 1);
  zab_msg_notify m;
  FL_HARNESS_NTH(&T, at, 0, 2, ZAB_MSG_NOTIFY, 0, &m);
  ck_assert_int_eq(m.vote.leader, 1);
  ck_assert_uint_eq(m.vote.epoch, 2);
  /* A lower zxid in the same epoch does not. */
  NOTIFY(2, 0, ZAB_LOOKING, 1, 2, 2, ZAB_ZXID(1, 9));
  ck_assert_int_eq(st(0)->vote.leader, 1);
  /* n1 and n2 agree: a quorum; after the finalize wait n1 follows n2. */
  fl_harness_run_for(&T, __LINE__, 1000);
  ck_assert_int_eq(st(0)->role, ZAB_FOLLOWING);
  ck_assert_int_eq(st(0)->leader, 1);
  zab_msg_followerinfo fi;
  FL_HARNESS_NTH(&T, at, 0, 1, ZAB_MSG_FOLLOWERINFO, 0, &fi);
  ck_assert_uint_eq(fi.accepted_epoch, 0);
  fl_harness_close(&T);
}
END_TEST

START_TEST(bug_zxid_no_epoch_prefers_the_longer_old_history) {
  open_world("bug = zxid-no-epoch");
  NOTIFY(1, 0, ZAB_LOOKING, 1, 1, 1, ZAB_ZXID(1, 9));
  NOTIFY(2, 0, ZAB_LOOKING, 1, 2, 2, ZAB_ZXID(2, 1));
  ck_assert_int_eq(st(0)->vote.leader, 1); /* <1,9> beats <2,1> by its counter */
  fl_harness_close(&T);
}
END_TEST

/* ---- Discovery and synchronization. */

START_TEST(leader_picks_epoch_above_quorum_and_diffs) {
  open_world("");
  NOTIFY(1, 2, ZAB_LOOKING, 1, 2, 0, 0);
  NOTIFY(0, 2, ZAB_LOOKING, 1, 2, 0, 0);
  fl_harness_run_for(&T, __LINE__, 1000);
  ck_assert_int_eq(st(2)->role, ZAB_LEADING);
  ck_assert_uint_eq(st(2)->epoch, 0);
  guint at = fl_harness_mark(&T);
  FOLLOWERINFO(0, 2, 6);
  ck_assert_uint_eq(st(2)->epoch, 7);
  ck_assert_uint_eq(st(2)->accepted_epoch, 7);
  zab_msg_newepoch ne;
  FL_HARNESS_NTH(&T, at, 2, 0, ZAB_MSG_NEWEPOCH, 0, &ne);
  ck_assert_uint_eq(ne.epoch, 7);
  ACKEPOCH(0, 2, 7, 0, 0, 0);
  const fl_harness_msg *m = fl_harness_find(&T, at, 2, 0, ZAB_MSG_SYNC, 0);
  ck_assert_ptr_nonnull(m);
  zab_msg_sync s;
  size_t len;
  memcpy(&s, fl_harness_msg_data(m, &len), sizeof s);
  ck_assert_uint_eq(s.mode, ZAB_SYNC_DIFF);
  ck_assert_uint_eq(s.n, 0);
  ck_assert(!st(2)->established);
  ACKNEWLEADER(0, 2, 7, 0);
  ck_assert(st(2)->established);
  ck_assert_uint_eq(st(2)->current_epoch, 7);
  /* A write: proposed as <7,1>, committed once the follower acknowledged it. */
  at = fl_harness_mark(&T);
  fl_op w = fl_harness_op(&T, 0, 1, FL_OP_WRITE, 3, 4, 0);
  FL_HARNESS_REQUEST(&T, 2, &w);
  ck_assert_uint_eq(zab_last_zxid(st(2)), ZAB_ZXID(7, 1));
  ck_assert_uint_eq(st(2)->commit, 0);
  ck_assert_int_eq(fl_harness_count(&T, at, 2, 0, ZAB_MSG_PROPOSE), 1);
  ACK(0, 2, 7, 1);
  ck_assert_uint_eq(st(2)->commit, 1);
  fl_harness_reply r = FL_HARNESS_CLIENT_REPLY(&T, at, 2, 0, 0);
  ck_assert_int_eq(r.result.status, FL_REPLY_OK);
  fl_harness_close(&T);
}
END_TEST

START_TEST(follower_refuses_old_epoch) {
  open_world("");
  NOTIFY(1, 0, ZAB_LEADING, 1, 1, 0, 0);
  NOTIFY(2, 0, ZAB_FOLLOWING, 1, 1, 0, 0);
  ck_assert_int_eq(st(0)->role, ZAB_FOLLOWING);
  NEWEPOCH(1, 0, 3);
  ck_assert_uint_eq(st(0)->accepted_epoch, 3);
  ck_assert(fl_world_crash(T.w, 0));
  ck_assert(fl_world_restart(T.w, 0));
  FL_HARNESS_ASSERT_RUNNING(&T);
  ck_assert_uint_eq(st(0)->accepted_epoch, 3); /* durable */
  NOTIFY(2, 0, ZAB_LEADING, 1, 2, 0, 0);
  NOTIFY(1, 0, ZAB_FOLLOWING, 1, 2, 0, 0);
  ck_assert_int_eq(st(0)->role, ZAB_FOLLOWING);
  NEWEPOCH(2, 0, 3); /* the same epoch from another leader */
  ck_assert_int_eq(st(0)->role, ZAB_LOOKING);
  fl_harness_close(&T);
}
END_TEST

/* A follower with an uncommitted proposal of epoch 1 meets a leader of epoch 2 that never had
 * it: the TRUNC drops it, the leader's entries follow, the history survives a restart. */
static void check_trunc(const char *opts, bool truncated) {
  open_world(opts);
  join(__LINE__, 0, 1, 2, 1);
  zab_txn a = txn(1, 1, 0, 10), b = txn(1, 2, 0, 11);
  SYNC(1, 0, ZAB_SYNC_DIFF, 1, 0, 0, 0, &a, 1);
  PROPOSE(1, 0, 1, 2, 1, &b, 1); /* <1,2> proposed, commit 1 */
  ck_assert_uint_eq(st(0)->applied, 1);
  ck_assert_uint_eq(zab_last_pos(st(0)), 2);
  ck_assert(fl_world_crash(T.w, 0));
  ck_assert(fl_world_restart(T.w, 0));
  FL_HARNESS_ASSERT_RUNNING(&T);
  ck_assert_uint_eq(zab_last_pos(st(0)), 2);
  ck_assert_uint_eq(st(0)->current_epoch, 1);
  ck_assert_uint_eq(st(0)->applied, 0);
  join(__LINE__, 0, 2, 1, 2);
  zab_txn c = txn(2, 1, 0, 20);
  SYNC(2, 0, ZAB_SYNC_TRUNC, 2, 1, a.zxid, 1, &c, 1);
  ck_assert_uint_eq(st(0)->current_epoch, 2);
  ck_assert_uint_eq(st(0)->applied, 1);
  if (truncated) {
    ck_assert_uint_eq(zab_last_pos(st(0)), 2);
    ck_assert_uint_eq(zab_txn_at(st(0), 2)->zxid, c.zxid);
  } else {
    ck_assert_uint_eq(zab_last_pos(st(0)), 3);
    ck_assert_uint_eq(zab_txn_at(st(0), 2)->zxid, b.zxid);
  }
}

START_TEST(trunc_drops_old_epoch_proposal) {
  check_trunc("", true);
  PROPOSE(2, 0, 2, 3, 2, NULL, 0); /* commit 2 */
  ck_assert_uint_eq(st(0)->applied, 2);
  fl_harness_close(&T);
}
END_TEST

/* With the bug the kept <1,2> sits at position 2, where the leader committed <2,1>: once
 * another server delivered <2,1> there, delivering it breaks agreement. */
START_TEST(bug_keep_uncommitted_breaks_agreement) {
  check_trunc("bug = keep-uncommitted", false);
  join(__LINE__, 1, 2, 0, 2);
  zab_txn a = txn(1, 1, 0, 10), c = txn(2, 1, 0, 20);
  SYNC(2, 1, ZAB_SYNC_DIFF, 2, 0, 0, 2, (zab_txn[]){a, c}, 2);
  last_one = true;
  PROPOSE(2, 0, 2, 3, 2, NULL, 0);
  close_violated("agreement: n1 delivered <1,2> write k0 = 11 (c1 #2) at position 2, but n2 "
                 "delivered <2,1> write k0 = 20 (c1 #1) there");
}
END_TEST

/* ---- Reads. */

START_TEST(local_reads_and_sync_reads) {
  open_world("");
  join(__LINE__, 0, 1, 2, 1);
  zab_txn a = txn(1, 1, 5, 42);
  SYNC(1, 0, ZAB_SYNC_DIFF, 1, 0, 0, 1, &a, 1);
  guint at = fl_harness_mark(&T);
  fl_op r = fl_harness_op(&T, 0, 9, FL_OP_READ, 5, 0, 0);
  FL_HARNESS_REQUEST(&T, 0, &r);
  fl_harness_reply rep = FL_HARNESS_CLIENT_REPLY(&T, at, 0, 0, 0);
  ck_assert_int_eq(rep.result.status, FL_REPLY_OK);
  ck_assert_int_eq(rep.result.value, 42);
  fl_harness_close(&T);

  open_world("sync = yes");
  join(__LINE__, 0, 1, 2, 1);
  SYNC(1, 0, ZAB_SYNC_DIFF, 1, 0, 0, 1, &a, 1);
  at = fl_harness_mark(&T);
  FL_HARNESS_REQUEST(&T, 0, &r);
  rep = FL_HARNESS_CLIENT_REPLY(&T, at, 0, 0, 0);
  ck_assert_int_eq(rep.result.status, FL_REPLY_REDIRECT);
  ck_assert_int_eq(rep.result.redirect_to, 1);
  fl_harness_close(&T);
}
END_TEST

/* ---- The invariants, each broken by injected messages. */

START_TEST(violation_agreement) {
  open_world("");
  join(__LINE__, 1, 0, 2, 1);
  join(__LINE__, 2, 0, 1, 1);
  zab_txn a = txn(1, 1, 0, 1), b = txn(1, 1, 0, 2);
  SYNC(0, 1, ZAB_SYNC_DIFF, 1, 0, 0, 1, &a, 1);
  last_one = true;
  SYNC(0, 2, ZAB_SYNC_DIFF, 1, 0, 0, 1, &b, 1);
  close_violated("agreement: n3 delivered <1,1> write k0 = 2 (c1 #1) at position 1, but n2 "
                 "delivered <1,1> write k0 = 1 (c1 #1) there");
}
END_TEST

START_TEST(violation_total_order) {
  /* A correct follower refuses a zxid below its last: the bug's kept proposal gets one in. */
  open_world("bug = keep-uncommitted");
  join(__LINE__, 0, 1, 2, 2);
  zab_txn a = txn(2, 1, 0, 1);
  SYNC(1, 0, ZAB_SYNC_DIFF, 2, 0, 0, 0, &a, 1);
  ck_assert(fl_world_crash(T.w, 0));
  ck_assert(fl_world_restart(T.w, 0));
  join(__LINE__, 0, 2, 1, 3);
  zab_txn b = txn(1, 1, 0, 2);
  last_one = true;
  SYNC(2, 0, ZAB_SYNC_TRUNC, 3, 0, 0, 2, &b, 1);
  close_violated("total order: n1 delivered <1,1> write k0 = 2 (c1 #1) at position 2 after <2,1>");
}
END_TEST

START_TEST(violation_local_primary_order) {
  open_world("");
  join(__LINE__, 0, 1, 2, 1);
  zab_txn a = txn(1, 1, 0, 1), c = txn(1, 3, 0, 3);
  last_one = true;
  SYNC(1, 0, ZAB_SYNC_DIFF, 1, 0, 0, 2, (zab_txn[]){a, c}, 2);
  close_violated("local primary order: n1 delivered <1,3> write k0 = 3 (c1 #3) right after <1,1>");
}
END_TEST

START_TEST(violation_primary_integrity) {
  open_world("");
  join(__LINE__, 2, 0, 1, 1);
  zab_txn a = txn(1, 1, 0, 1);
  SYNC(0, 2, ZAB_SYNC_DIFF, 1, 0, 0, 1, &a, 1);
  ck_assert_uint_eq(st(2)->applied, 1);
  /* n2, whose history is empty, is elected (votes can be forged) and synced by n1. */
  NOTIFY(0, 1, ZAB_LOOKING, 1, 1, 0, 0);
  NOTIFY(2, 1, ZAB_LOOKING, 1, 1, 0, 0);
  fl_harness_run_for(&T, __LINE__, 1000);
  ck_assert_int_eq(st(1)->role, ZAB_LEADING);
  FOLLOWERINFO(0, 1, 1);
  ACKEPOCH(0, 1, 2, 0, 0, 0);
  last_one = true;
  ACKNEWLEADER(0, 1, 2, 0);
  close_violated("primary integrity: n2 established epoch 2 without <1,1> write k0 = 1 (c1 #1), "
                 "which n3 delivered at position 1");
}
END_TEST

START_TEST(violation_one_leader_per_epoch) {
  open_world("");
  lead(__LINE__, 1, 0, 2, 0);
  ck_assert_uint_eq(st(1)->epoch, 1);
  /* n3 is elected too, and n1 (played) forgets it accepted epoch 1. */
  NOTIFY(0, 2, ZAB_LOOKING, st(2)->round, 2, 0, 0);
  NOTIFY(1, 2, ZAB_LOOKING, st(2)->round, 2, 0, 0);
  fl_harness_run_for(&T, __LINE__, 1000);
  FOLLOWERINFO(0, 2, 0);
  ACKEPOCH(0, 2, 1, 0, 0, 0);
  last_one = true;
  ACKNEWLEADER(0, 2, 1, 0);
  close_violated("at most one established leader per epoch: n3 established epoch 1, which n2 "
                 "established before");
}
END_TEST

START_TEST(status_reports_epoch_and_leader) {
  open_world("");
  lead(__LINE__, 2, 0, 1, 4);
  fl_node_status ns;
  fl_node_status_init(&ns);
  fl_protocol_zab()->status(st(2), NULL, &ns);
  ck_assert_int_eq(ns.role, FL_ROLE_LEADER);
  ck_assert_int_eq(ns.term_kind, FL_TERM_EPOCH);
  ck_assert_uint_eq(ns.term, 5);
  ck_assert_int_eq(ns.leader, 2);
  ck_assert_str_eq(ns.word, "broadcast");
  fl_node_status_init(&ns);
  fl_protocol_zab()->status(st(0), NULL, &ns);
  ck_assert_int_eq(ns.role, FL_ROLE_CANDIDATE);
  ck_assert_str_eq(ns.word, "looking");
  fl_harness_close(&T);
}
END_TEST

int main(void) {
  Suite *s = suite_create("zab");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, election_adopts_better_vote_and_decides);
  tcase_add_test(tc, bug_zxid_no_epoch_prefers_the_longer_old_history);
  tcase_add_test(tc, leader_picks_epoch_above_quorum_and_diffs);
  tcase_add_test(tc, follower_refuses_old_epoch);
  tcase_add_test(tc, trunc_drops_old_epoch_proposal);
  tcase_add_test(tc, bug_keep_uncommitted_breaks_agreement);
  tcase_add_test(tc, local_reads_and_sync_reads);
  tcase_add_test(tc, violation_agreement);
  tcase_add_test(tc, violation_total_order);
  tcase_add_test(tc, violation_local_primary_order);
  tcase_add_test(tc, violation_primary_integrity);
  tcase_add_test(tc, violation_one_leader_per_epoch);
  tcase_add_test(tc, status_reports_epoch_and_leader);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
