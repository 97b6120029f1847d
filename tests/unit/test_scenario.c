/* Tests of the scenario parser: a complete scenario read field by field, timeline order with
 * equal times in both file orders, and every malformed fixture in tests/data/bad/ giving the
 * exact message stored beside it (NAME.fl -> NAME.expected). */
#include "fl_test.h"
#include "builtin.h"
#include "scenario.h"
#include "world.h"

#include <string.h>

static const char *good =
    "# A complete scenario.\n"
    "[cluster]\n"
    "protocol = rbcast   # the first protocol\n"
    "nodes    = 5\n"
    "seed     = 9223372036854775807\n"
    "duration = 30s\n"
    "\n"
    "[rbcast]\n"
    "retransmit = 20ms\n"
    "\n"
    "[network]\n"
    "latency   = lognormal(mean=2ms, sd=1ms)\r\n"
    "loss      = 1%\n"
    "duplicate = 0.005\n"
    "reorder   = yes\n"
    "[link n1 <-> n2]\n"
    "latency = constant(20ms)\n"
    "[link n3 -> n4]\n"
    "loss = 50%\n"
    "[clocks]\n"
    "n2 = skew -5ms, drift 100ppm\n"
    "[workload]\n"
    "clients = 3\n"
    "keys    = 4\n"
    "mix     = read 50%, write 40%, cas 10%\n"
    "key_distribution = zipf(1.1)\n"
    "think   = exponential(mean=10ms)\n"
    "timeout = 1s\n"
    "stop    = 25s\n"
    "[timeline]\n"
    "15s  heal\n"
    "5s   partition {n1 n2} {n3 n4}\n"
    "20s  crash n3\n"
    "20s  restart n3\n"
    "25s  pause n1 for 2s\n"
    "28s  loss n1 -> n3 = 50%\n"
    "29s  latency = uniform(1ms, 5ms)\n"
    "[expect]\n"
    "invariants   = hold\n"
    "linearizable = no\n"
    "availability({n1 n2}, 5s..15s) <= 10%\n";

START_TEST(complete_scenario_fields) {
  GError *e = NULL;
  fl_scenario *s = fl_scenario_parse("good.fl", good, strlen(good), &e);
  if (!s) ck_abort_msg("%s", e->message);
  ck_assert_str_eq(s->path, "good.fl");
  ck_assert_str_eq(s->protocol, "rbcast");
  ck_assert_int_eq(s->protocol_pos.line, 3);
  ck_assert_int_eq(s->protocol_pos.col, 12);
  ck_assert_int_eq(s->n_nodes, 5);
  ck_assert_uint_eq(s->seed, 9223372036854775807ull);
  ck_assert_int_eq(s->duration_ns, 30000000000LL);
  ck_assert_int_eq(s->options->len, 1);
  fl_scn_option *o = &g_array_index(s->options, fl_scn_option, 0);
  ck_assert_str_eq(o->name, "retransmit");
  ck_assert_str_eq(o->value, "20ms");
  ck_assert_int_eq(o->value_pos.line, 9);
  ck_assert_int_eq(o->value_pos.col, 14);
  ck_assert_int_eq(s->net_defaults.latency.kind, FL_DIST_LOGNORMAL);
  ck_assert_double_eq(s->net_defaults.latency.a, 2e6);
  ck_assert_double_eq(s->net_defaults.loss, 0.01);
  ck_assert_double_eq(s->net_defaults.duplicate, 0.005);
  ck_assert(s->net_defaults.reorder);
  ck_assert_int_eq(s->links->len, 3); /* <-> makes two */
  fl_link_override *l0 = &g_array_index(s->links, fl_link_override, 0),
                   *l1 = &g_array_index(s->links, fl_link_override, 1),
                   *l2 = &g_array_index(s->links, fl_link_override, 2);
  ck_assert_int_eq(l0->src, 0);
  ck_assert_int_eq(l0->dst, 1);
  ck_assert_int_eq(l1->src, 1);
  ck_assert_int_eq(l1->dst, 0);
  ck_assert(l0->has_latency && l1->has_latency && !l0->has_loss);
  ck_assert_double_eq(l1->params.latency.a, 20e6);
  ck_assert_int_eq(l2->src, 2);
  ck_assert_int_eq(l2->dst, 3);
  ck_assert(l2->has_loss && !l2->has_latency);
  ck_assert_double_eq(l2->params.loss, 0.5);
  ck_assert_int_eq(s->clocks->len, 1);
  fl_clock_spec *c = &g_array_index(s->clocks, fl_clock_spec, 0);
  ck_assert_int_eq(c->node, 1);
  ck_assert_int_eq(c->skew_ns, -5000000);
  ck_assert_int_eq(c->drift_ppm, 100);
  ck_assert_int_eq(s->workload.clients, 3);
  ck_assert_int_eq(s->workload.keys, 4);
  ck_assert_double_eq(s->workload.mix[FL_OP_READ], 0.5);
  ck_assert_double_eq(s->workload.mix[FL_OP_WRITE], 0.4);
  ck_assert_double_eq(s->workload.mix[FL_OP_CAS], 0.1);
  ck_assert_int_eq(s->workload.key_dist, FL_KEYS_ZIPF);
  ck_assert_double_eq(s->workload.zipf_s, 1.1);
  ck_assert_int_eq(s->workload.think.kind, FL_DIST_EXPONENTIAL);
  ck_assert_int_eq(s->workload.timeout_ns, 1000000000);
  ck_assert_int_eq(s->workload.stop_ns, 25000000000LL);

  ck_assert_int_eq(s->timeline->len, 7);
  fl_action *a = (fl_action *)(void *)s->timeline->data;
  ck_assert_int_eq(a[0].kind, FL_ACT_PARTITION);
  ck_assert_int_eq(a[0].at_ns, 5000000000LL);
  int groups[5] = {0, 0, 1, 1, 2}; /* n5, named in no group, gets one of its own */
  for (int i = 0; i < 5; i++) ck_assert_int_eq(a[0].group_of[i], groups[i]);
  ck_assert_int_eq(a[1].kind, FL_ACT_HEAL);
  ck_assert_int_eq(a[2].kind, FL_ACT_CRASH); /* equal times keep file order */
  ck_assert_int_eq(a[3].kind, FL_ACT_RESTART);
  ck_assert_int_eq(a[3].a, 2);
  ck_assert_int_eq(a[4].kind, FL_ACT_PAUSE);
  ck_assert_int_eq(a[4].for_ns, 2000000000);
  ck_assert_int_eq(a[5].kind, FL_ACT_SET_LOSS);
  ck_assert_int_eq(a[5].a, 0);
  ck_assert_int_eq(a[5].b, 2);
  ck_assert_double_eq(a[5].fraction, 0.5);
  ck_assert_int_eq(a[6].kind, FL_ACT_SET_LATENCY);
  ck_assert_int_eq(a[6].a, -1);
  ck_assert_int_eq(a[6].latency.kind, FL_DIST_UNIFORM);
  ck_assert_int_eq(a[1].pos.line, 31);

  ck_assert_int_eq(s->expects->len, 3);
  fl_expect *x = (fl_expect *)(void *)s->expects->data;
  ck_assert_int_eq(x[0].kind, FL_EXPECT_INVARIANTS);
  ck_assert(x[0].want);
  ck_assert_int_eq(x[1].kind, FL_EXPECT_LINEARIZABLE);
  ck_assert(!x[1].want);
  ck_assert_int_eq(x[2].kind, FL_EXPECT_AVAILABILITY);
  ck_assert_int_eq(x[2].side, FL_SIDE_NODES);
  ck_assert(x[2].nodes[0] && x[2].nodes[1] && !x[2].nodes[2]);
  ck_assert_int_eq(x[2].from_ns, 5000000000LL);
  ck_assert_int_eq(x[2].to_ns, 15000000000LL);
  ck_assert(x[2].at_most);
  ck_assert_double_eq(x[2].fraction, 0.1);
  ck_assert_str_eq(x[2].text, "availability({n1 n2}, 5s..15s) <= 10%");
  ck_assert(fl_world_validate(s, NULL));
  fl_scenario_free(s);
}
END_TEST

START_TEST(equal_times_keep_file_order_both_ways) {
  const char *texts[2] = {
      "[cluster]\nprotocol = rbcast\nnodes = 2\n[timeline]\n1s crash n1\n1s restart n1\n0s heal\n",
      "[cluster]\nprotocol = rbcast\nnodes = 2\n[timeline]\n1s restart n1\n0s heal\n1s crash n1\n"};
  for (int k = 0; k < 2; k++) {
    fl_scenario *s = fl_scenario_parse("t.fl", texts[k], strlen(texts[k]), NULL);
    ck_assert_ptr_nonnull(s);
    fl_action *a = (fl_action *)(void *)s->timeline->data;
    ck_assert_int_eq(a[0].kind, FL_ACT_HEAL);
    ck_assert_int_eq(a[1].kind, k == 0 ? FL_ACT_CRASH : FL_ACT_RESTART);
    ck_assert_int_eq(a[2].kind, k == 0 ? FL_ACT_RESTART : FL_ACT_CRASH);
    fl_scenario_free(s);
  }
}
END_TEST

START_TEST(repeated_actions_and_the_leader) {
  const char *t = "[cluster]\nprotocol = rbcast\nnodes = 3\n[timeline]\n"
                  "1s..2s every 500ms  crash leader\n"
                  "1.2s..1.5s every 200ms  partition {leader} {n1}\n"
                  "3s pause leader for 1s\n";
  fl_scenario *s = fl_scenario_parse("t.fl", t, strlen(t), NULL);
  ck_assert_ptr_nonnull(s);
  ck_assert_uint_eq(s->timeline->len, 6);
  const fl_action *a = (const fl_action *)(const void *)s->timeline->data;
  const int64_t at[] = {1000, 1200, 1400, 1500, 2000, 3000};
  const fl_action_kind kind[] = {FL_ACT_CRASH, FL_ACT_PARTITION, FL_ACT_PARTITION, FL_ACT_CRASH,
                                 FL_ACT_CRASH, FL_ACT_PAUSE};
  for (int i = 0; i < 6; i++) {
    ck_assert_int_eq(a[i].at_ns, at[i] * 1000000LL);
    ck_assert_int_eq(a[i].kind, kind[i]);
  }
  ck_assert_int_eq(a[0].a, FL_NODE_LEADER);
  ck_assert_int_eq(a[5].a, FL_NODE_LEADER);
  ck_assert_int_eq(a[5].for_ns, 1000000000LL);
  /* Each copy owns its group table: the leader's group 0, n1 in 1, the rest (n2 n3) in 2. */
  ck_assert_ptr_ne(a[1].group_of, a[2].group_of);
  for (int i = 1; i <= 2; i++) {
    ck_assert_int_eq(a[i].leader_group, 0);
    ck_assert_int_eq(a[i].group_of[0], 1);
    ck_assert_int_eq(a[i].group_of[1], 2);
    ck_assert_int_eq(a[i].group_of[2], 2);
  }
  fl_scenario_free(s);
}
END_TEST

START_TEST(defaults_and_empty_lines) {
  const char *t = "\n\n[cluster]\r\nprotocol=rbcast\nnodes=1";
  fl_scenario *s = fl_scenario_parse("t.fl", t, strlen(t), NULL);
  ck_assert_ptr_nonnull(s);
  ck_assert_uint_eq(s->seed, 1);
  ck_assert_int_eq(s->duration_ns, 10000000000LL);
  ck_assert_int_eq(s->net_defaults.latency.kind, FL_DIST_CONSTANT);
  ck_assert_double_eq(s->net_defaults.latency.a, 1e6);
  ck_assert(!s->net_defaults.reorder);
  ck_assert_int_eq(s->workload.clients, 1);
  fl_scenario_free(s);
}
END_TEST

START_TEST(every_malformed_fixture_gives_its_message) {
  char *dir = fl_test_source_path("tests/data/bad");
  GDir *d = g_dir_open(dir, 0, NULL);
  ck_assert_ptr_nonnull(d);
  const char *name;
  int checked = 0;
  while ((name = g_dir_read_name(d))) {
    if (!g_str_has_suffix(name, ".fl")) continue;
    char *path = g_build_filename(dir, name, NULL);
    char *base = g_strndup(name, strlen(name) - 3);
    char *exp_name = g_strconcat(base, ".expected", NULL);
    char *exp_path = g_build_filename(dir, exp_name, NULL);
    char *text = NULL, *want = NULL;
    gsize len = 0;
    ck_assert(g_file_get_contents(path, &text, &len, NULL));
    ck_assert_msg(g_file_get_contents(exp_path, &want, NULL, NULL), "missing %s", exp_name);
    g_strchomp(want);
    char *shown = g_strconcat("bad/", name, NULL);
    GError *e = NULL;
    fl_scenario *s = fl_scenario_parse(shown, text, len, &e);
    if (s) {
      ck_assert_msg(!fl_world_validate(s, &e), "%s was accepted", name);
      fl_scenario_free(s);
    }
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->message, want);
    g_error_free(e);
    checked++;
    g_free(shown);
    g_free(text);
    g_free(want);
    g_free(exp_path);
    g_free(exp_name);
    g_free(base);
    g_free(path);
  }
  g_dir_close(d);
  g_free(dir);
  ck_assert_int_ge(checked, 20);
}
END_TEST

START_TEST(unreadable_file) {
  GError *e = NULL;
  ck_assert_ptr_null(fl_scenario_load("/no/such/scenario.fl", &e));
  ck_assert_str_eq(e->message, "/no/such/scenario.fl: cannot read: No such file or directory");
  g_error_free(e);
}
END_TEST

static void setup(void) {
  fl_rng_global_init();
  ck_assert(fl_protocols_register_builtin(NULL));
}

int main(void) {
  Suite *s = suite_create("scenario");
  TCase *tc = tcase_create("scenario");
  tcase_add_checked_fixture(tc, setup, NULL);
  tcase_add_test(tc, complete_scenario_fields);
  tcase_add_test(tc, equal_times_keep_file_order_both_ways);
  tcase_add_test(tc, defaults_and_empty_lines);
  tcase_add_test(tc, repeated_actions_and_the_leader);
  tcase_add_test(tc, every_malformed_fixture_gives_its_message);
  tcase_add_test(tc, unreadable_file);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
