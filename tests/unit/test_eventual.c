/* Unit tests of the eventual store (protocols/eventual), with the shared harness: a 5-node
 * world with every node partitioned alone, so the test plays the network, the replicas and the
 * client, and reads what each node sent.
 *
 * Covered: the ring (a join moves about K/(N+1) keys, a leave about K/N, where modulo placement
 * moves nearly all; a ring of members drops only a leaver's keys); a write answered after W acknowledgements and not before; a silent replica
 * suspected after `retry` and the next write sent to a fallback with a hint for it; a fallback keeping
 * a hint durably, handing it back and deleting it on the acknowledgement; a read writing its
 * newest answer back to a stale replica and answering only once W replicas hold it (blocking
 * read repair); a replica never overwriting a newer version with an older one, and the
 * monotonic-versions invariant stopping the run when the reinjected bug does; a Merkle exchange
 * sending exactly the records of the differing leaf; the convergence check failing when
 * nothing repairs a partition's divergence; vector clocks keeping concurrent siblings.
 */
#include "fl_test.h"
#include "fl_harness.h"
#include "eventual_int.h"

#include <string.h>

static fl_harness H;

static void open_world(const char *extra) {
  char *text = g_strdup_printf("[cluster]\nprotocol = eventual\nnodes = 5\nseed = 1\nduration = 10h\n"
                               "[eventual]\nretry = 50ms\nhandoff = 100ms\nanti_entropy = 1h\n%s"
                               "[workload]\nclients = 1\nstart = 10h\n",
                               extra ? extra : "");
  fl_harness_open(&H, "eventual-unit.fl", text);
  g_free(text);
  fl_harness_isolate(&H);
}

/* A key whose preference list (first 3 of its walk, written to pref) leaves out node `not`. */
static int64_t key_without(int not, int *walk) {
  ev_ring r;
  ev_ring_init(&r, 5, 16);
  int64_t k = 0;
  for (;; k++) {
    ev_ring_walk(&r, k, walk);
    if (walk[0] != not && walk[1] != not && walk[2] != not) break;
  }
  ev_ring_clear(&r);
  return k;
}

static void ack(int line, int from, int to, uint32_t type, uint64_t id) {
  ev_msg_small m;
  memset(&m, 0, sizeof m);
  m.type = type;
  m.id = id;
  fl_harness_inject(&H, line, from, to, &m, sizeof m);
}

static ev_msg_rec nth_rec(int line, guint from, int src, int dst, uint32_t type, int k) {
  ev_msg_rec m;
  fl_harness_nth(&H, line, from, src, dst, type, k, &m, sizeof m);
  return m;
}

START_TEST(join_moves_about_one_in_n_plus_one_keys) {
  const int K = 10000;
  ev_ring ten, eleven, nine;
  ev_ring_init(&ten, 10, 64);
  ev_ring_init(&eleven, 11, 64);
  ev_ring_init(&nine, 9, 64);
  int a[1024], b[1024];
  int join = 0, leave = 0, modulo_join = 0, pref_join = 0;
  for (int64_t k = 0; k < K; k++) {
    ev_ring_walk(&ten, k, a);
    ev_ring_walk(&eleven, k, b);
    join += a[0] != b[0];
    /* A replica set changes when the newcomer enters the key's first 3. */
    pref_join += b[0] == 10 || b[1] == 10 || b[2] == 10;
    if (a[0] != b[0]) ck_assert_int_eq(b[0], 10); /* keys move only to the newcomer */
    ev_ring_walk(&nine, k, b);
    leave += a[0] != b[0];
    if (a[0] != b[0]) ck_assert_int_eq(a[0], 9); /* only the leaver's keys move */
    modulo_join += k % 10 != k % 11;
  }
  /* K/11 = 909 and K/10 = 1000 expected, give or take the tokens' spread (64 tokens a node;
   * with 16, node 10 leaving moves 1,669 keys: fewer tokens, more imbalance); a replica set
   * changes for about 3K/11 = 2,727 keys. Modulo placement moves 10/11 of them. */
  ck_assert_int_eq(join, 826);
  ck_assert_int_eq(leave, 1041);
  ck_assert_int_eq(pref_join, 2409);
  ck_assert_int_eq(modulo_join, 9090);
  ev_ring_clear(&ten);
  ev_ring_clear(&eleven);
  ev_ring_clear(&nine);
}
END_TEST

START_TEST(write_is_answered_after_w_acks) {
  open_world(NULL);
  int walk[64];
  int64_t k = key_without(0, walk);
  guint from = fl_harness_mark(&H);
  fl_op w = fl_harness_op(&H, 0, 1, FL_OP_WRITE, k, 7, 0);
  FL_HARNESS_REQUEST(&H, 0, &w);
  for (int i = 0; i < 3; i++) {
    ev_msg_rec m = nth_rec(__LINE__, from, 0, walk[i], EV_PUT, 0);
    ck_assert_int_eq(m.hint_for, -1);
    ck_assert_int_eq(m.rec.value, 7);
    ck_assert_int_eq(m.rec.origin, 0);
  }
  ev_msg_rec m = nth_rec(__LINE__, from, 0, walk[0], EV_PUT, 0);
  int c = fl_harness_client_endpoint(&H, 0);
  ack(__LINE__, walk[0], 0, EV_PUT_ACK, m.id);
  ck_assert_int_eq(fl_harness_count(&H, from, 0, c, 0), 0);
  ack(__LINE__, walk[0], 0, EV_PUT_ACK, m.id); /* a duplicate ack counts once */
  ck_assert_int_eq(fl_harness_count(&H, from, 0, c, 0), 0);
  ack(__LINE__, walk[2], 0, EV_PUT_ACK, m.id);
  fl_harness_reply r = FL_HARNESS_CLIENT_REPLY(&H, from, 0, 0, 0);
  ck_assert_int_eq(r.result.status, FL_REPLY_OK);
  fl_harness_close(&H);
}
END_TEST

START_TEST(silent_replica_gets_a_fallback_with_a_hint) {
  open_world(NULL);
  int walk[64];
  int64_t k = key_without(0, walk);
  fl_op w = fl_harness_op(&H, 0, 1, FL_OP_WRITE, k, 9, 0);
  guint from = fl_harness_mark(&H);
  FL_HARNESS_REQUEST(&H, 0, &w);
  ev_msg_rec m = nth_rec(__LINE__, from, 0, walk[0], EV_PUT, 0);
  ack(__LINE__, walk[0], 0, EV_PUT_ACK, m.id);
  ack(__LINE__, walk[1], 0, EV_PUT_ACK, m.id);
  /* walk[2] stays silent: the write is answered (W = 2), and after retry walk[2] is suspected
   * (not asked again: a replica that missed a write is left to hints, repair, anti-entropy).
   * The next write goes to walk[3] (or n1 itself, if it comes first) with a hint for it. */
  FL_HARNESS_RUN_FOR(&H, 51 * FL_MS);
  const ev_node *s0 = fl_harness_state(&H, 0);
  ck_assert_int_gt(s0->suspected_until[walk[2]], 0);
  guint at = fl_harness_mark(&H);
  fl_op w2 = fl_harness_op(&H, 0, 2, FL_OP_WRITE, k, 10, 0);
  FL_HARNESS_REQUEST(&H, 0, &w2);
  ck_assert_int_eq(fl_harness_count(&H, at, 0, walk[2], EV_PUT), 0);
  int f = walk[3];
  if (f == 0) {
    s0 = fl_harness_state(&H, 0);
    ck_assert_int_eq(g_tree_nnodes(s0->hints), 1);
  } else {
    ev_msg_rec h = nth_rec(__LINE__, at, 0, f, EV_PUT, 0);
    ck_assert_int_eq(h.hint_for, walk[2]);
    ck_assert_int_eq(h.rec.value, 10);
  }
  fl_harness_close(&H);
}
END_TEST

START_TEST(fallback_hands_its_hint_back) {
  open_world(NULL);
  ev_msg_rec p;
  memset(&p, 0, sizeof p);
  p.type = EV_PUT;
  p.hint_for = 3;
  p.id = 77;
  p.has = 1;
  ev_rec_zero(&p.rec, 5);
  p.rec.ts = 1000;
  p.rec.origin = 0;
  p.rec.has_value = 1;
  p.rec.value = 42;
  guint from = fl_harness_mark(&H);
  FL_HARNESS_INJECT(&H, 0, 1, &p, sizeof p);
  ck_assert_int_eq(fl_harness_count(&H, from, 1, 0, EV_PUT_ACK), 1);
  const ev_node *s = fl_harness_state(&H, 1);
  ck_assert_int_eq(g_tree_nnodes(s->hints), 1);
  /* The hint survives a crash. */
  fl_world_crash(H.w, 1);
  fl_world_restart(H.w, 1);
  s = fl_harness_state(&H, 1);
  ck_assert_int_eq(g_tree_nnodes(s->hints), 1);
  guint at = fl_harness_mark(&H);
  FL_HARNESS_RUN_FOR(&H, 101 * FL_MS);
  ev_msg_rec h = nth_rec(__LINE__, at, 1, 3, EV_HINT, 0);
  ck_assert_int_eq(h.rec.value, 42);
  ack(__LINE__, 3, 1, EV_HINT_ACK, h.id);
  s = fl_harness_state(&H, 1);
  ck_assert_int_eq(g_tree_nnodes(s->hints), 0);
  fl_harness_close(&H);
}
END_TEST

static ev_msg_rec answer(uint64_t id, int64_t key, int64_t ts, int origin, int64_t value) {
  ev_msg_rec m;
  memset(&m, 0, sizeof m);
  m.type = EV_GET_REPLY;
  m.id = id;
  m.has = 1;
  ev_rec_zero(&m.rec, key);
  m.rec.ts = ts;
  m.rec.origin = origin;
  m.rec.has_value = 1;
  m.rec.value = value;
  return m;
}

START_TEST(read_repairs_before_answering) {
  open_world(NULL);
  int walk[64];
  int64_t k = key_without(0, walk);
  guint from = fl_harness_mark(&H);
  fl_op r = fl_harness_op(&H, 0, 1, FL_OP_READ, k, 0, 0);
  FL_HARNESS_REQUEST(&H, 0, &r);
  ev_msg_small g;
  fl_harness_nth(&H, __LINE__, from, 0, walk[0], EV_GET, 0, &g, sizeof g);
  ev_msg_rec a = answer(g.id, k, 2000, 3, 8), b = answer(g.id, k, 1000, 2, 5);
  FL_HARNESS_INJECT(&H, walk[0], 0, &a, sizeof a);
  guint at = fl_harness_mark(&H);
  FL_HARNESS_INJECT(&H, walk[1], 0, &b, sizeof b);
  /* R = 2 answers, one stale: the newest goes back to it, and the read waits for its ack. */
  ev_msg_rec rep = nth_rec(__LINE__, at, 0, walk[1], EV_REPAIR, 0);
  ck_assert_int_eq(rep.rec.value, 8);
  ck_assert_int_eq(fl_harness_count(&H, at, 0, walk[2], EV_REPAIR), 0);
  int c = fl_harness_client_endpoint(&H, 0);
  ck_assert_int_eq(fl_harness_count(&H, from, 0, c, 0), 0);
  ack(__LINE__, walk[1], 0, EV_PUT_ACK, g.id);
  fl_harness_reply rr = FL_HARNESS_CLIENT_REPLY(&H, from, 0, 0, 0);
  ck_assert_int_eq(rr.result.status, FL_REPLY_OK);
  ck_assert(rr.result.has_value);
  ck_assert_int_eq(rr.result.value, 8);
  fl_harness_close(&H);
}
END_TEST

static ev_msg_rec put(int64_t key, int64_t ts, int64_t value, uint32_t type) {
  ev_msg_rec m = answer(1, key, ts, 0, value);
  m.type = type;
  m.hint_for = -1;
  return m;
}

START_TEST(replica_keeps_the_newer_version) {
  open_world(NULL);
  ev_msg_rec newer = put(3, 2000, 8, EV_PUT), older = put(3, 1000, 5, EV_REPAIR);
  FL_HARNESS_INJECT(&H, 0, 1, &newer, sizeof newer);
  FL_HARNESS_INJECT(&H, 0, 1, &older, sizeof older);
  const ev_node *s = fl_harness_state(&H, 1);
  int64_t k = 3;
  const ev_rec *r = g_tree_lookup(s->store, &k);
  ck_assert_int_eq(r->value, 8);
  fl_harness_close(&H);
}
END_TEST

START_TEST(repair_bug_breaks_monotonic_versions) {
  open_world("bug = repair-overwrites\n");
  ev_msg_rec newer = put(3, 2000, 8, EV_PUT), older = put(3, 1000, 5, EV_REPAIR);
  FL_HARNESS_INJECT(&H, 0, 1, &newer, sizeof newer);
  ck_assert(fl_world_inject(H.w, 0, 1, &older, sizeof older));
  fl_harness_close_stopped(&H, FL_STOP_VIOLATION,
                           "protocol eventual, at 0ns (event 0): invariant violated: monotonic "
                           "versions: n2's k3 went back from 8 (stamp 2000 by n1) to 5 (stamp "
                           "1000 by n1)");
}
END_TEST

START_TEST(merkle_exchange_sends_the_differing_leaf) {
  open_world(NULL);
  /* Two replicas of a key: one holds it, the other not. */
  int walk[64];
  int64_t k = key_without(4, walk);
  int a = walk[0], b = walk[1];
  ev_msg_rec p = put(k, 1000, 6, EV_PUT);
  int other = walk[2];
  FL_HARNESS_INJECT(&H, other, a, &p, sizeof p);
  ev_msg_tree t;
  memset(&t, 0, sizeof t);
  t.type = EV_TREE;
  ev_ae_tree((ev_node *)fl_harness_state(&H, b), a, t.h);
  guint from = fl_harness_mark(&H);
  FL_HARNESS_INJECT(&H, b, a, &t, sizeof t);
  ck_assert_int_eq(fl_harness_count(&H, from, a, b, EV_AE_REC), 1);
  ev_msg_rec got = nth_rec(__LINE__, from, a, b, EV_AE_REC, 0);
  ck_assert_int_eq(got.rec.key, k);
  ev_msg_small pull;
  fl_harness_nth(&H, __LINE__, from, a, b, EV_PULL, 0, &pull, sizeof pull);
  ck_assert_uint_eq(pull.id, 1u << ev_leaf(k));
  /* Equal trees: nothing is sent. */
  ev_ae_tree((ev_node *)fl_harness_state(&H, a), b, t.h);
  guint at = fl_harness_mark(&H);
  FL_HARNESS_INJECT(&H, b, a, &t, sizeof t);
  ck_assert_int_eq(fl_harness_count(&H, at, a, b, 0), 0);
  fl_harness_close(&H);
}
END_TEST

/* Without hints, read repair or anti-entropy, a partition's divergence stays: the final check
 * names the first key whose replicas disagree. */
START_TEST(convergence_check_fails_without_repair) {
  char *out = NULL, *err = NULL;
  int rc = fl_test_cli("run tests/data/eventual/no-repair.fl --quiet", &out, &err);
  ck_assert_int_ne(rc, 0);
  ck_assert_msg(strstr(out, "FAIL invariants = hold: at the end of the run: convergence: k1's replicas "
                            "disagree: n2 holds 1 (stamp 491000000 by n5), n3 holds 4 (stamp "
                            "519000000 by n3)\n") != NULL, "%s", out);
  g_free(out);
  g_free(err);
}
END_TEST


static ev_rec vrec(int64_t value, uint32_t a, uint32_t b) {
  ev_rec r;
  ev_rec_zero(&r, 1);
  r.n_sib = 1;
  r.has_value = 1;
  r.sib[0].value = value;
  r.sib[0].vc[0] = a;
  r.sib[0].vc[1] = b;
  return r;
}

/* Vector clocks: concurrent versions stay side by side, a descendant replaces its ancestors,
 * and the result does not depend on the order of the merges. */
START_TEST(vclock_keeps_concurrent_siblings) {
  ev_rec base = vrec(1, 1, 0), left = vrec(2, 2, 0), right = vrec(3, 1, 1), after = vrec(4, 2, 1);
  ev_rec x, y;
  memcpy(&x, &base, sizeof x);
  ck_assert(ev_rec_merge(&x, &left, EV_MERGE_VC));
  ck_assert(ev_rec_merge(&x, &right, EV_MERGE_VC));
  ck_assert_uint_eq(x.n_sib, 2); /* base is older than both; left and right are concurrent */
  ck_assert_int_eq(ev_vc_pick(&x), 3);
  memcpy(&y, &right, sizeof y);
  ck_assert(ev_rec_merge(&y, &left, EV_MERGE_VC));
  ck_assert(!ev_rec_merge(&y, &base, EV_MERGE_VC)); /* an ancestor changes nothing */
  ck_assert_uint_eq(y.n_sib, 2);
  ck_assert(ev_rec_covers(&x, &y, EV_MERGE_VC) && ev_rec_covers(&y, &x, EV_MERGE_VC));
  ck_assert_int_eq(memcmp(x.sib, y.sib, sizeof x.sib), 0);
  ck_assert(ev_rec_merge(&x, &after, EV_MERGE_VC)); /* a write that read both supersedes them */
  ck_assert_uint_eq(x.n_sib, 1);
  ck_assert_int_eq(x.sib[0].value, 4);
  ck_assert(!ev_rec_covers(&left, &x, EV_MERGE_VC));
}
END_TEST


/* A ring of members (a node left, or not yet joined) is the full ring without that node's
 * tokens: only the keys whose walk met it first move, and the last node off the ring gives
 * exactly the ring of one node fewer. */
START_TEST(ring_of_members_drops_only_the_leavers_keys) {
  bool member[10];
  for (int i = 0; i < 10; i++) member[i] = i != 2;
  ev_ring all, without, nine, last_off;
  ev_ring_init(&all, 10, 16);
  ev_ring_init_members(&without, 10, 16, member);
  ev_ring_init(&nine, 9, 16);
  member[2] = true;
  member[9] = false;
  ev_ring_init_members(&last_off, 10, 16, member);
  ck_assert_int_eq(without.members, 9);
  int a[1024], b[1024];
  int moved = 0;
  for (int64_t k = 0; k < 1000; k++) {
    ev_ring_walk(&all, k, a);
    ck_assert_int_eq(ev_ring_walk(&without, k, b), 9);
    if (a[0] != b[0]) {
      ck_assert_int_eq(a[0], 2);
      moved++;
    }
    ev_ring_walk(&nine, k, a);
    ev_ring_walk(&last_off, k, b);
    ck_assert_int_eq(memcmp(a, b, 9 * sizeof a[0]), 0);
  }
  ck_assert_int_eq(moved, 84); /* about K/10 = 100 */
  ev_ring_clear(&all);
  ev_ring_clear(&without);
  ev_ring_clear(&nine);
  ev_ring_clear(&last_off);
}
END_TEST

int main(void) {
  Suite *s = suite_create("eventual");
  TCase *tc = tcase_create("store");
  tcase_add_test(tc, join_moves_about_one_in_n_plus_one_keys);
  tcase_add_test(tc, ring_of_members_drops_only_the_leavers_keys);
  tcase_add_test(tc, write_is_answered_after_w_acks);
  tcase_add_test(tc, silent_replica_gets_a_fallback_with_a_hint);
  tcase_add_test(tc, fallback_hands_its_hint_back);
  tcase_add_test(tc, read_repairs_before_answering);
  tcase_add_test(tc, replica_keeps_the_newer_version);
  tcase_add_test(tc, repair_bug_breaks_monotonic_versions);
  tcase_add_test(tc, merkle_exchange_sends_the_differing_leaf);
  tcase_add_test(tc, convergence_check_fails_without_repair);
  tcase_add_test(tc, vclock_keeps_concurrent_siblings);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
