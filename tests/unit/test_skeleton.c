/* Unit tests of the skeleton protocol (protocols/skeleton), one message at a time, written with
 * the shared harness (fl_harness.h) as docs/writing-a-protocol.md shows: a 3-node world with
 * every node partitioned alone, so the test plays the backups (injecting their acks) and the
 * client (injecting its requests) and reads what each node sent.
 *
 * Covered: a write is forwarded to every backup and answered only after every ack; a read at
 * the primary sees only applied writes; backups redirect clients to n1; a backup applies a
 * forward once and acknowledges every copy; retransmission to the backups that did not ack;
 * writes one at a time; a retried write applied once and answered again; a failing cas answered
 * without replication; a restarted primary forwarding its write in flight again; the
 * durability invariant stopping the run when the primary commits a write no backup holds.
 */
#include "fl_test.h"
#include "fl_harness.h"
#include "skeleton/skeleton.h"

#include <string.h>

#define N 3
#define P 0 /* the primary, n1 */

static fl_harness H;

/* Three skeleton nodes, each partitioned alone; client 0 exists but never runs by itself. */
static void open_world(void) {
  fl_harness_open(&H, "skeleton-unit.fl",
                  "[cluster]\nprotocol = skeleton\nnodes = 3\nseed = 1\nduration = 10h\n"
                  "[skeleton]\nretransmit = 20ms\n"
                  "[workload]\nclients = 1\nstart = 10h\n");
  fl_harness_isolate(&H);
}

static fl_op op_of(uint64_t seq, fl_op_kind kind, int64_t key, int64_t value, int64_t expected) {
  return fl_harness_op(&H, 0, seq, kind, key, value, expected);
}

static int client(void) { return fl_harness_client_endpoint(&H, 0); }

/* Backup b receives the primary's latest forward to it, as the network would deliver it, and
 * its ack goes back to the primary. */
static void replicate_at(int line, int b) {
  int k = fl_harness_count(&H, 0, P, b, SKEL_MSG_FORWARD);
  ck_assert_msg(k > 0, "line %d: n1 forwarded nothing to n%d", line, b + 1);
  guint from = fl_harness_mark(&H);
  fl_harness_deliver(&H, line, fl_harness_find(&H, 0, P, b, SKEL_MSG_FORWARD, k - 1));
  ck_assert_int_eq(fl_harness_count(&H, from, b, P, 0), 1);
  fl_harness_deliver(&H, line, fl_harness_find(&H, from, b, P, SKEL_MSG_ACK, 0));
}
#define REPLICATE(b) replicate_at(__LINE__, (b))

/* An ack of write `seq` from backup b, made up by the test (b may not hold the write). */
static void ack_at(int line, int b, uint64_t seq) {
  skel_msg_ack a;
  memset(&a, 0, sizeof a);
  a.type = SKEL_MSG_ACK;
  a.seq = seq;
  fl_harness_inject(&H, line, b, P, &a, sizeof a);
}
#define ACK(b, seq) ack_at(__LINE__, (b), (seq))

/* The primary forwards write `seq` to backup b. */
static void forward_at(int line, int b, uint64_t seq, int64_t key, int64_t value) {
  skel_msg_forward m;
  memset(&m, 0, sizeof m);
  m.type = SKEL_MSG_FORWARD;
  m.seq = seq;
  m.key = key;
  m.value = value;
  fl_harness_inject(&H, line, P, b, &m, sizeof m);
}
#define FORWARD(b, seq, key, value) forward_at(__LINE__, (b), (seq), (key), (value))

START_TEST(write_is_answered_after_every_ack) {
  open_world();
  guint from = fl_harness_mark(&H);
  fl_op w = op_of(1, FL_OP_WRITE, 2, 4, 0);
  FL_HARNESS_REQUEST(&H, P, &w);

  /* One forward to each backup, none to the client yet. */
  for (int b = 1; b < N; b++) {
    ck_assert_int_eq(fl_harness_count(&H, from, P, b, 0), 1);
    skel_msg_forward m;
    FL_HARNESS_NTH(&H, from, P, b, SKEL_MSG_FORWARD, 0, &m);
    ck_assert_uint_eq(m.seq, 1);
    ck_assert_int_eq(m.key, 2);
    ck_assert_int_eq(m.value, 4);
    ck_assert_uint_eq(m.pad, 0);
  }
  ck_assert_int_eq(fl_harness_count(&H, from, P, client(), 0), 0);

  /* One backup's ack is not enough; the second (from the last backup) is. */
  REPLICATE(1);
  ck_assert_int_eq(fl_harness_count(&H, from, P, client(), 0), 0);
  REPLICATE(2);
  ck_assert_int_eq(fl_harness_count(&H, from, P, client(), 0), 1);
  fl_harness_reply r = FL_HARNESS_CLIENT_REPLY(&H, from, P, 0, 0);
  ck_assert_int_eq(r.result.status, FL_REPLY_OK);
  ck_assert_uint_eq(r.op.seq, 1);

  /* A late duplicate ack changes nothing. */
  from = fl_harness_mark(&H);
  ACK(2, 1);
  ck_assert_uint_eq(fl_harness_mark(&H), from);

  /* A read now sees the write. */
  fl_op rd = op_of(2, FL_OP_READ, 2, 0, 0);
  FL_HARNESS_REQUEST(&H, P, &rd);
  r = FL_HARNESS_CLIENT_REPLY(&H, from, P, 0, 0);
  ck_assert_int_eq(r.result.status, FL_REPLY_OK);
  ck_assert(r.result.has_value);
  ck_assert_int_eq(r.result.value, 4);
  fl_harness_close(&H);
}
END_TEST

START_TEST(read_sees_only_applied_writes) {
  open_world();
  fl_op w = op_of(1, FL_OP_WRITE, 0, 3, 0);
  FL_HARNESS_REQUEST(&H, P, &w);
  REPLICATE(1); /* n3 has not acknowledged: the write is not applied */
  guint from = fl_harness_mark(&H);
  fl_op rd = op_of(2, FL_OP_READ, 0, 0, 0);
  FL_HARNESS_REQUEST(&H, P, &rd);
  fl_harness_reply r = FL_HARNESS_CLIENT_REPLY(&H, from, P, 0, 0);
  ck_assert_int_eq(r.result.status, FL_REPLY_OK);
  ck_assert(!r.result.has_value); /* never written, as far as any client may know */
  fl_harness_close(&H);
}
END_TEST

START_TEST(backups_redirect_clients_to_the_primary) {
  open_world();
  for (int b = 1; b < N; b++) {
    guint from = fl_harness_mark(&H);
    fl_op w = op_of((uint64_t)b, b == 1 ? FL_OP_WRITE : FL_OP_READ, 1, 2, 0);
    FL_HARNESS_REQUEST(&H, b, &w);
    ck_assert_int_eq((int)(fl_harness_mark(&H) - from), 1); /* the redirect, nothing else */
    fl_harness_reply r = FL_HARNESS_CLIENT_REPLY(&H, from, b, 0, 0);
    ck_assert_int_eq(r.result.status, FL_REPLY_REDIRECT);
    ck_assert_int_eq(r.result.redirect_to, P);
    ck_assert_uint_eq(r.op.seq, (uint64_t)b);
  }
  /* The status tools read: n1 leads as primary, the backups follow it. */
  for (int node = 0; node < N; node++) {
    fl_node_status st;
    ck_assert(fl_world_node_status(H.w, node, &st));
    ck_assert_int_eq(st.role, node == P ? FL_ROLE_LEADER : FL_ROLE_FOLLOWER);
    ck_assert_str_eq(st.word, node == P ? "primary" : "backup");
    ck_assert_int_eq(st.leader, P);
    ck_assert_int_eq(st.term_kind, FL_TERM_NONE);
  }
  fl_harness_close(&H);
}
END_TEST

START_TEST(backup_applies_once_and_acks_every_copy) {
  open_world();
  /* Write #1, delivered to n2 twice (the network duplicated it): acknowledged twice. */
  fl_op w1 = op_of(1, FL_OP_WRITE, 0, 7, 0);
  FL_HARNESS_REQUEST(&H, P, &w1);
  for (int copy = 0; copy < 2; copy++) {
    guint from = fl_harness_mark(&H);
    FORWARD(1, 1, 0, 7);
    ck_assert_int_eq(fl_harness_count(&H, from, 1, P, 0), 1);
    skel_msg_ack a;
    FL_HARNESS_NTH(&H, from, 1, P, SKEL_MSG_ACK, 0, &a);
    ck_assert_uint_eq(a.seq, 1);
    ck_assert_uint_eq(a.pad, 0);
  }
  FORWARD(2, 1, 0, 7);
  ACK(1, 1);
  ACK(2, 1); /* n3's ack of the forward just injected */
  /* Write #2 reaches both backups, then a stale copy of #1 reaches n2: acknowledged, not
   * applied. Had n2 gone back to #1, committing #2 would break the durability invariant (n2
   * behind the primary) and stop the run. */
  fl_op w2 = op_of(2, FL_OP_WRITE, 0, 8, 0);
  FL_HARNESS_REQUEST(&H, P, &w2);
  FORWARD(1, 2, 0, 8);
  FORWARD(2, 2, 0, 8);
  guint from = fl_harness_mark(&H);
  FORWARD(1, 1, 0, 7);
  skel_msg_ack a;
  FL_HARNESS_NTH(&H, from, 1, P, SKEL_MSG_ACK, 0, &a);
  ck_assert_uint_eq(a.seq, 1);
  ACK(1, 2);
  ACK(2, 2);
  fl_op rd = op_of(3, FL_OP_READ, 0, 0, 0);
  from = fl_harness_mark(&H);
  FL_HARNESS_REQUEST(&H, P, &rd);
  ck_assert_int_eq(FL_HARNESS_CLIENT_REPLY(&H, from, P, 0, 0).result.value, 8);
  fl_harness_close(&H);
}
END_TEST

START_TEST(retransmits_to_backups_that_did_not_ack) {
  open_world();
  fl_op w = op_of(1, FL_OP_WRITE, 0, 1, 0);
  FL_HARNESS_REQUEST(&H, P, &w);
  REPLICATE(2);
  guint from = fl_harness_mark(&H);
  FL_HARNESS_RUN_FOR(&H, 19 * FL_MS);
  ck_assert_int_eq((int)(fl_harness_mark(&H) - from), 0);
  FL_HARNESS_RUN_FOR(&H, 2 * FL_MS); /* the 20ms retransmission */
  ck_assert_int_eq(fl_harness_count(&H, from, P, 1, SKEL_MSG_FORWARD), 1);
  ck_assert_int_eq(fl_harness_count(&H, from, P, 2, 0), 0);
  FL_HARNESS_RUN_FOR(&H, 20 * FL_MS); /* and again, until n2 acks */
  ck_assert_int_eq(fl_harness_count(&H, from, P, 1, SKEL_MSG_FORWARD), 2);
  REPLICATE(1);
  from = fl_harness_mark(&H);
  FL_HARNESS_RUN_FOR(&H, 100 * FL_MS); /* done: the next timer finds nothing in flight */
  ck_assert_int_eq(fl_harness_count(&H, from, P, 1, 0), 0);
  fl_harness_close(&H);
}
END_TEST

START_TEST(writes_go_one_at_a_time) {
  open_world();
  fl_op a = op_of(1, FL_OP_WRITE, 0, 1, 0);
  fl_op b = fl_harness_op(&H, 0, 2, FL_OP_WRITE, 1, 2, 0);
  guint from = fl_harness_mark(&H);
  FL_HARNESS_REQUEST(&H, P, &a);
  FL_HARNESS_REQUEST(&H, P, &b);
  ck_assert_int_eq(fl_harness_count(&H, from, P, 1, SKEL_MSG_FORWARD), 1);
  REPLICATE(1);
  REPLICATE(2);
  /* Write 1 answered, write 2 forwarded as #2. */
  ck_assert_int_eq(fl_harness_count(&H, from, P, client(), 0), 1);
  ck_assert_int_eq(fl_harness_count(&H, from, P, 1, SKEL_MSG_FORWARD), 2);
  skel_msg_forward m;
  FL_HARNESS_NTH(&H, from, P, 2, SKEL_MSG_FORWARD, 1, &m);
  ck_assert_uint_eq(m.seq, 2);
  ck_assert_int_eq(m.key, 1);
  ck_assert_int_eq(m.value, 2);
  fl_harness_close(&H);
}
END_TEST

START_TEST(retried_write_is_applied_once_and_answered_again) {
  open_world();
  fl_op w = op_of(1, FL_OP_WRITE, 0, 1, 0);
  guint from = fl_harness_mark(&H);
  FL_HARNESS_REQUEST(&H, P, &w);
  FL_HARNESS_REQUEST(&H, P, &w); /* while in flight: ignored */
  ck_assert_int_eq(fl_harness_count(&H, from, P, 1, SKEL_MSG_FORWARD), 1);
  REPLICATE(1);
  REPLICATE(2);
  ck_assert_int_eq(fl_harness_count(&H, from, P, client(), 0), 1);
  from = fl_harness_mark(&H);
  FL_HARNESS_REQUEST(&H, P, &w); /* after its answer: answered again, not forwarded */
  ck_assert_int_eq(fl_harness_count(&H, from, P, 1, 0), 0);
  fl_harness_reply r = FL_HARNESS_CLIENT_REPLY(&H, from, P, 0, 0);
  ck_assert_int_eq(r.result.status, FL_REPLY_OK);
  ck_assert_uint_eq(r.op.seq, 1);
  fl_harness_close(&H);
}
END_TEST

START_TEST(failing_cas_is_answered_without_replication) {
  open_world();
  guint from = fl_harness_mark(&H);
  fl_op c = op_of(1, FL_OP_CAS, 0, 2, 1); /* key 0 was never written */
  FL_HARNESS_REQUEST(&H, P, &c);
  ck_assert_int_eq(fl_harness_count(&H, from, P, 1, 0), 0);
  fl_harness_reply r = FL_HARNESS_CLIENT_REPLY(&H, from, P, 0, 0);
  ck_assert_int_eq(r.result.status, FL_REPLY_FAIL);
  fl_harness_close(&H);
}
END_TEST

START_TEST(restarted_primary_forwards_its_write_in_flight_again) {
  open_world();
  fl_op w = op_of(1, FL_OP_WRITE, 0, 5, 0);
  FL_HARNESS_REQUEST(&H, P, &w);
  REPLICATE(1);
  ck_assert(fl_world_crash(H.w, P));
  guint from = fl_harness_mark(&H);
  ck_assert(fl_world_restart(H.w, P));
  FL_HARNESS_ASSERT_RUNNING(&H);
  /* Both backups get it again (the acks were volatile), under the same seq. */
  for (int b = 1; b < N; b++) {
    skel_msg_forward m;
    FL_HARNESS_NTH(&H, from, P, b, SKEL_MSG_FORWARD, 0, &m);
    ck_assert_uint_eq(m.seq, 1);
    ck_assert_int_eq(m.value, 5);
  }
  REPLICATE(1);
  REPLICATE(2);
  fl_harness_reply r = FL_HARNESS_CLIENT_REPLY(&H, from, P, 0, 0);
  ck_assert_int_eq(r.result.status, FL_REPLY_OK);
  fl_harness_close(&H);
}
END_TEST

/* The invariant hook at work: an ack made up for a write n3 never received makes the primary
 * commit it; the durability check stops the run at once. */
START_TEST(durability_invariant_stops_the_run) {
  open_world();
  fl_op w = op_of(1, FL_OP_WRITE, 0, 5, 0);
  FL_HARNESS_REQUEST(&H, P, &w);
  REPLICATE(1);
  skel_msg_ack a;
  memset(&a, 0, sizeof a);
  a.type = SKEL_MSG_ACK;
  a.seq = 1;
  ck_assert(fl_world_inject(H.w, 2, P, &a, sizeof a)); /* n3 never got the write */
  fl_harness_close_stopped(&H, FL_STOP_VIOLATION,
                           "protocol skeleton, at 0ns (event 0): invariant violated: durability: "
                           "n3 has applied writes up to #0, the primary n1 up to #1");
}
END_TEST

int main(void) {
  Suite *s = suite_create("skeleton");
  TCase *tc = tcase_create("handlers");
  tcase_add_test(tc, write_is_answered_after_every_ack);
  tcase_add_test(tc, read_sees_only_applied_writes);
  tcase_add_test(tc, backups_redirect_clients_to_the_primary);
  tcase_add_test(tc, backup_applies_once_and_acks_every_copy);
  tcase_add_test(tc, retransmits_to_backups_that_did_not_ack);
  tcase_add_test(tc, writes_go_one_at_a_time);
  tcase_add_test(tc, retried_write_is_applied_once_and_answered_again);
  tcase_add_test(tc, failing_cas_is_answered_without_replication);
  tcase_add_test(tc, restarted_primary_forwards_its_write_in_flight_again);
  tcase_add_test(tc, durability_invariant_stops_the_run);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
