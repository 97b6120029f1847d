/* Tests of the network model: partitions, cuts, FIFO, loss, duplication, counters and the
 * independence of per-link random streams. */
#include "fl_test.h"
#include "net.h"

#include <glib.h>
#include <string.h>

static void params(fl_link_params *p, double loss, double dup, bool reorder) {
  fl_dist_init_constant(&p->latency, 1e6);
  p->loss = loss;
  p->duplicate = dup;
  p->reorder = reorder;
  p->corrupt = 0;
}

static int send1(fl_net *net, int src, int dst, int64_t now, int64_t at[2], fl_drop_reason *why) {
  fl_msg *m = fl_net_msg_new(net, src, dst, now, "x", 1);
  int n = fl_net_route(net, m, now, at, why);
  if (n == 0) fl_net_msg_release(net, m);
  for (int i = 0; i < n; i++) fl_net_msg_release(net, m);
  return n;
}

START_TEST(partition_drops_across_and_delivers_within) {
  fl_link_params p;
  params(&p, 0, 0, false);
  fl_net *net = fl_net_new(5, &p, 1);
  int groups[5] = {0, 0, 1, 1, 1};
  fl_net_partition(net, groups);
  ck_assert(fl_net_is_partitioned(net));
  int64_t at[2];
  fl_drop_reason why = FL_DROP_LOSS;
  ck_assert_int_eq(send1(net, 0, 1, 0, at, &why), 1);
  ck_assert_int_eq(at[0], 1000000);
  ck_assert_int_eq(send1(net, 2, 4, 0, at, &why), 1);
  ck_assert_int_eq(send1(net, 0, 2, 0, at, &why), 0);
  ck_assert_int_eq(why, FL_DROP_PARTITION);
  ck_assert_int_eq(send1(net, 4, 1, 0, at, &why), 0);
  ck_assert_int_eq(fl_net_counters(net, 0, 2)->dropped[FL_DROP_PARTITION], 1);
  ck_assert_int_eq(fl_net_counters(net, 0, 2)->sent, 1);
  ck_assert_int_eq(fl_net_counters(net, 0, 1)->sent, 1);
  fl_net_heal(net);
  ck_assert(!fl_net_is_partitioned(net));
  ck_assert_int_eq(send1(net, 0, 2, 0, at, &why), 1);
  fl_link_counters tot;
  fl_net_totals(net, &tot);
  ck_assert_int_eq(tot.sent, 5);
  ck_assert_int_eq(tot.dropped[FL_DROP_PARTITION], 2);
  fl_net_free(net);
  fl_dist_clear(&p.latency);
}
END_TEST

START_TEST(one_way_cut_blocks_one_direction_only) {
  fl_link_params p;
  params(&p, 0, 0, false);
  fl_net *net = fl_net_new(3, &p, 1);
  fl_net_cut(net, 0, 1, true);
  int64_t at[2];
  fl_drop_reason why = FL_DROP_LOSS;
  ck_assert_int_eq(send1(net, 0, 1, 0, at, &why), 0);
  ck_assert_int_eq(why, FL_DROP_CUT);
  ck_assert_int_eq(send1(net, 1, 0, 0, at, &why), 1);
  ck_assert(!fl_net_can_reach(net, 0, 1, &why));
  ck_assert(fl_net_can_reach(net, 1, 0, NULL));
  fl_net_cut(net, 0, 1, false);
  ck_assert_int_eq(send1(net, 0, 1, 0, at, &why), 1);
  fl_net_cut(net, 2, 0, true);
  fl_net_heal(net);
  ck_assert(fl_net_can_reach(net, 2, 0, NULL));
  fl_net_free(net);
  fl_dist_clear(&p.latency);
}
END_TEST

START_TEST(fifo_link_never_overtakes) {
  fl_link_params p;
  params(&p, 0, 0, false);
  fl_dist_clear(&p.latency);
  ck_assert(fl_dist_init_uniform(&p.latency, 1e6, 50e6, NULL));
  fl_net *net = fl_net_new(2, &p, 42);
  int64_t last = 0, at[2];
  fl_drop_reason why;
  for (int i = 0; i < 1000; i++) {
    ck_assert_int_eq(send1(net, 0, 1, i * 100000, at, &why), 1);
    ck_assert_int_ge(at[0], last);
    last = at[0];
  }
  fl_net_free(net);
  fl_dist_clear(&p.latency);
}
END_TEST

START_TEST(reordering_link_does_overtake) {
  fl_link_params p;
  params(&p, 0, 0, true);
  fl_dist_clear(&p.latency);
  ck_assert(fl_dist_init_uniform(&p.latency, 1e6, 50e6, NULL));
  fl_net *net = fl_net_new(2, &p, 42);
  int64_t last = 0, at[2];
  fl_drop_reason why;
  int overtaken = 0;
  for (int i = 0; i < 1000; i++) {
    send1(net, 0, 1, i * 100000, at, &why);
    if (at[0] < last) overtaken++;
    last = at[0];
  }
  ck_assert_int_gt(overtaken, 100);
  fl_net_free(net);
  fl_dist_clear(&p.latency);
}
END_TEST

START_TEST(loss_and_duplication_rates) {
  fl_link_params p;
  params(&p, 0.2, 0.1, true);
  fl_net *net = fl_net_new(2, &p, 9);
  int64_t at[2];
  fl_drop_reason why;
  int copies = 0;
  for (int i = 0; i < 100000; i++) copies += send1(net, 0, 1, 0, at, &why);
  const fl_link_counters *c = fl_net_counters(net, 0, 1);
  ck_assert_int_eq(c->sent, 100000);
  /* 20% loss: 20,000 expected, sd about 126; 10% of the rest duplicated: 8,000, sd about 85. */
  ck_assert_int_ge(c->dropped[FL_DROP_LOSS], 19500);
  ck_assert_int_le(c->dropped[FL_DROP_LOSS], 20500);
  ck_assert_int_ge(c->duplicated, 7600);
  ck_assert_int_le(c->duplicated, 8400);
  ck_assert_int_eq(copies, (int)(100000 - c->dropped[FL_DROP_LOSS] + c->duplicated));
  fl_net_free(net);
  fl_dist_clear(&p.latency);
}
END_TEST

/* The draws of link 0 -> 1 depend only on the seed and that link's own traffic: more
 * endpoints (clients) and traffic on other links leave them unchanged. */
START_TEST(adding_endpoints_leaves_link_draws_unchanged) {
  fl_link_params p;
  params(&p, 0.1, 0.05, true);
  fl_dist_clear(&p.latency);
  ck_assert(fl_dist_init_exponential(&p.latency, 3e6, NULL));
  fl_net *small = fl_net_new(3, &p, 77), *big = fl_net_new(8, &p, 77);
  int64_t a[2], b[2];
  fl_drop_reason wa, wb;
  for (int i = 0; i < 500; i++) {
    send1(big, 5, 1, 0, b, &wb); /* a client's traffic on another link */
    for (int src = 0; src < 3; src++) {
      int dst = (src + 1) % 3;
      int na = send1(small, src, dst, i, a, &wa), nb = send1(big, src, dst, i, b, &wb);
      ck_assert_int_eq(na, nb);
      for (int k = 0; k < na; k++) ck_assert_int_eq(a[k], b[k]);
    }
  }
  fl_net_free(small);
  fl_net_free(big);
  fl_dist_clear(&p.latency);
}
END_TEST

START_TEST(link_override_outranks_defaults) {
  fl_link_params p, slow;
  params(&p, 0, 0, false);
  params(&slow, 0, 0, false);
  fl_dist_clear(&slow.latency);
  fl_dist_init_constant(&slow.latency, 40e6);
  fl_net *net = fl_net_new(3, &p, 1);
  fl_net_set_link(net, 0, 2, &slow);
  int64_t at[2];
  fl_drop_reason why;
  send1(net, 0, 2, 0, at, &why);
  ck_assert_int_eq(at[0], 40000000);
  send1(net, 2, 0, 0, at, &why);
  ck_assert_int_eq(at[0], 1000000);
  fl_net_set_loss_all(net, 1.0);
  ck_assert_int_eq(send1(net, 0, 2, 0, at, &why), 0);
  ck_assert_int_eq(send1(net, 1, 2, 0, at, &why), 0);
  ck_assert_int_eq(why, FL_DROP_LOSS);
  fl_net_free(net);
  fl_dist_clear(&p.latency);
  fl_dist_clear(&slow.latency);
}
END_TEST

static int send_typed(fl_net *net, int type, int src, int dst, int64_t at[2]) {
  fl_msg *m = fl_net_msg_new(net, src, dst, 0, "x", 1);
  fl_drop_reason why;
  int n = fl_net_route_typed(net, m, type, 0, at, &why);
  if (n == 0) fl_net_msg_release(net, m);
  for (int i = 0; i < n; i++) fl_net_msg_release(net, m);
  return n;
}

/* Per-type rules: on top of the link's parameters, for that type only; a later rule for one
 * link outranks an earlier one for every link, and a later one for every link replaces the
 * earlier ones of its type and property. */
START_TEST(typed_rules_apply_in_order_to_their_type_only) {
  fl_link_params p;
  params(&p, 0, 0, false);
  fl_net *net = fl_net_new(3, &p, 1);
  ck_assert(!fl_net_has_typed(net));
  ck_assert_int_eq(fl_net_type_of(net, "Append", 6), -1);
  fl_net_set_typed(net, "Append", -1, -1, FL_LINK_LOSS, 1.0, NULL);
  ck_assert(fl_net_has_typed(net));
  int t = fl_net_type_of(net, "Append Entries", 6); /* the word is the first 6 bytes */
  ck_assert_int_eq(t, 0);
  ck_assert_int_eq(fl_net_type_of(net, "Appen", 5), -1);
  int64_t at[2];
  ck_assert_int_eq(send_typed(net, t, 0, 1, at), 0);
  ck_assert_int_eq(send_typed(net, -1, 0, 1, at), 1); /* untyped */
  fl_net_set_typed(net, "Vote", -1, -1, FL_LINK_DUPLICATE, 1.0, NULL);
  ck_assert_int_eq(send_typed(net, fl_net_type_of(net, "Vote", 4), 0, 1, at), 2);
  /* One link lets Append through again; the others still lose it. */
  fl_net_set_typed(net, "Append", 0, 1, FL_LINK_LOSS, 0.0, NULL);
  ck_assert_int_eq(send_typed(net, t, 0, 1, at), 1);
  ck_assert_int_eq(send_typed(net, t, 0, 2, at), 0);
  /* Latency per type replaces the link's. */
  fl_dist slow;
  fl_dist_init_constant(&slow, 7e6);
  fl_net_set_typed(net, "Append", 0, 1, FL_LINK_LATENCY, 0, &slow);
  ck_assert_int_eq(send_typed(net, t, 0, 1, at), 1);
  ck_assert_int_eq(at[0], 7000000);
  ck_assert_int_eq(send_typed(net, -1, 1, 0, at), 1);
  ck_assert_int_eq(at[0], 1000000);
  /* A rule for every link replaces the earlier loss rules of Append, not its latency. */
  fl_net_set_typed(net, "Append", -1, -1, FL_LINK_LOSS, 1.0, NULL);
  ck_assert_int_eq(send_typed(net, t, 0, 1, at), 0);
  fl_net_set_typed(net, "Append", -1, -1, FL_LINK_LOSS, 0.0, NULL);
  ck_assert_int_eq(send_typed(net, t, 0, 1, at), 1);
  ck_assert_int_eq(at[0], 7000000);
  fl_dist_clear(&slow);
  fl_net_free(net);
  fl_dist_clear(&p.latency);
}
END_TEST

/* Corruption flips exactly one bit, counted; at 0% nothing is drawn, so the link's later draws
 * are those of a link that never had corruption. */
START_TEST(corruption_flips_one_bit_and_draws_nothing_at_zero) {
  fl_link_params p;
  params(&p, 0, 0, true);
  fl_dist_clear(&p.latency);
  ck_assert(fl_dist_init_uniform(&p.latency, 1e6, 9e6, NULL));
  fl_net *plain = fl_net_new(2, &p, 3);
  fl_net *zero = fl_net_new(2, &p, 3);
  int64_t a[2], b[2];
  for (int i = 0; i < 100; i++) {
    fl_msg *m = fl_net_msg_new(zero, 0, 1, 0, "abcd", 4);
    fl_drop_reason why;
    ck_assert_int_eq(fl_net_route(zero, m, 0, a, &why), 1);
    uint64_t bit;
    ck_assert(!fl_net_corrupt(zero, m, &bit));
    ck_assert_int_eq(memcmp(m->data, "abcd", 4), 0);
    fl_net_msg_release(zero, m);
    ck_assert_int_eq(send1(plain, 0, 1, 0, b, &why), 1);
    ck_assert_int_eq(a[0], b[0]);
  }
  fl_net_set_prop_all(zero, FL_LINK_CORRUPT, 1.0);
  ck_assert(fl_net_link(zero, 0, 1)->corrupt == 1.0);
  for (int i = 0; i < 50; i++) {
    fl_msg *m = fl_net_msg_new(zero, 0, 1, 0, "abcd", 4);
    fl_drop_reason why;
    ck_assert_int_eq(fl_net_route(zero, m, 0, a, &why), 1);
    uint64_t bit = 99;
    ck_assert(fl_net_corrupt(zero, m, &bit));
    ck_assert_uint_lt(bit, 32);
    int flipped = 0;
    for (int k = 0; k < 4; k++)
      for (unsigned x = (unsigned)(m->data[k] ^ (unsigned char)"abcd"[k]); x; x &= x - 1) flipped++;
    ck_assert_int_eq(flipped, 1);
    ck_assert_int_eq(m->data[bit / 8] ^ "abcd"[bit / 8], 1 << (bit % 8));
    fl_net_msg_release(zero, m);
  }
  ck_assert_uint_eq(fl_net_counters(zero, 0, 1)->corrupted, 50);
  fl_net_free(plain);
  fl_net_free(zero);
  fl_dist_clear(&p.latency);
}
END_TEST

START_TEST(drop_reason_names) {
  ck_assert_str_eq(fl_drop_reason_name(FL_DROP_LOSS), "loss");
  ck_assert_str_eq(fl_drop_reason_name(FL_DROP_PARTITION), "partition");
  ck_assert_str_eq(fl_drop_reason_name(FL_DROP_CUT), "cut");
  ck_assert_str_eq(fl_drop_reason_name(FL_DROP_CRASHED), "crashed");
}
END_TEST

int main(void) {
  fl_rng_global_init();
  Suite *s = suite_create("net");
  TCase *tc = tcase_create("net");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, partition_drops_across_and_delivers_within);
  tcase_add_test(tc, one_way_cut_blocks_one_direction_only);
  tcase_add_test(tc, fifo_link_never_overtakes);
  tcase_add_test(tc, reordering_link_does_overtake);
  tcase_add_test(tc, loss_and_duplication_rates);
  tcase_add_test(tc, adding_endpoints_leaves_link_draws_unchanged);
  tcase_add_test(tc, link_override_outranks_defaults);
  tcase_add_test(tc, drop_reason_names);
  tcase_add_test(tc, typed_rules_apply_in_order_to_their_type_only);
  tcase_add_test(tc, corruption_flips_one_bit_and_draws_nothing_at_zero);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
