/* Tests of the first protocol, rbcast: agreement after loss with retransmission, its failure
 * without, recovery from durable state, and availability on both sides of a partition. */
#include "fl_test.h"
#include "builtin.h"
#include "scenario.h"
#include "world.h"

#include <string.h>

static fl_world *run(const char *body, fl_scenario **out) {
  fl_rng_global_init();
  ck_assert(fl_protocols_register_builtin(NULL));
  char *text = g_strconcat("[cluster]\nprotocol = rbcast\nnodes = 5\nseed = 7\nduration = 10s\n",
                           body, NULL);
  GError *error = NULL;
  fl_scenario *s = fl_scenario_parse("rb.fl", text, strlen(text), &error);
  if (!s) ck_abort_msg("%s", error->message);
  fl_world *w = fl_world_new(s, NULL, &error);
  if (!w) ck_abort_msg("%s", error->message);
  fl_world_run(w);
  g_free(text);
  *out = s;
  return w;
}

static const char *lossy =
    "[network]\nlatency = exponential(mean=3ms)\nloss = 20%\nduplicate = 5%\nreorder = yes\n"
    "[workload]\nclients = 3\nkeys = 4\nthink = uniform(5ms, 15ms)\ntimeout = 200ms\nstop = 8s\n";

START_TEST(retransmission_repairs_loss) {
  fl_scenario *s;
  fl_world *w = run(lossy, &s);
  const char *why = NULL;
  ck_assert_int_eq(fl_world_stop_reason(w), FL_STOP_END);
  ck_assert_msg(fl_world_final_ok(w, &why), "%s", why ? why : "");
  fl_run_stats st;
  fl_world_stats(w, &st);
  ck_assert_uint_gt(st.net.dropped[FL_DROP_LOSS], 100);
  ck_assert_uint_gt(st.net.duplicated, 10);
  fl_world_free(w);
  fl_scenario_free(s);
}
END_TEST

START_TEST(without_retransmission_agreement_fails) {
  char *body = g_strconcat("[rbcast]\nretransmission = no\n", lossy, NULL);
  fl_scenario *s;
  fl_world *w = run(body, &s);
  const char *why = NULL;
  ck_assert_int_eq(fl_world_stop_reason(w), FL_STOP_END);
  ck_assert(!fl_world_final_ok(w, &why));
  ck_assert_msg(g_str_has_prefix(why, "agreement: "), "%s", why);
  ck_assert_ptr_nonnull(strstr(why, "messages from n"));
  ck_assert_ptr_nonnull(strstr(why, "were delivered, but live node n"));
  fl_world_free(w);
  fl_scenario_free(s);
  g_free(body);
}
END_TEST

START_TEST(restart_recovers_from_durable_log) {
  fl_scenario *s;
  fl_world *w = run("[workload]\nclients = 2\nkeys = 2\nstop = 8s\n"
                    "[timeline]\n3s crash n2\n6s restart n2\n",
                    &s);
  const char *why = NULL;
  ck_assert_int_eq(fl_world_stop_reason(w), FL_STOP_END);
  ck_assert_msg(fl_world_final_ok(w, &why), "%s", why ? why : "");
  ck_assert(fl_world_node_is_up(w, 1));
  fl_world_free(w);
  fl_scenario_free(s);
}
END_TEST

START_TEST(both_sides_of_a_partition_stay_available) {
  fl_scenario *s;
  fl_world *w = run("[workload]\nclients = 5\nkeys = 2\ntimeout = 300ms\nstop = 9s\n"
                    "[timeline]\n2s partition {n1 n2} {n3 n4 n5}\n7s heal\n",
                    &s);
  fl_run_stats st;
  fl_world_stats(w, &st);
  ck_assert_uint_gt(st.minority.invoked, 100);
  ck_assert_uint_eq(st.minority.ok + st.minority.fail, st.minority.invoked);
  ck_assert_uint_gt(st.majority.invoked, 100);
  const char *why = NULL;
  ck_assert_msg(fl_world_final_ok(w, &why), "%s", why ? why : "");
  fl_world_free(w);
  fl_scenario_free(s);
}
END_TEST

int main(void) {
  Suite *s = suite_create("rbcast");
  TCase *tc = tcase_create("rbcast");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, retransmission_repairs_loss);
  tcase_add_test(tc, without_retransmission_agreement_fails);
  tcase_add_test(tc, restart_recovers_from_durable_log);
  tcase_add_test(tc, both_sides_of_a_partition_stay_available);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
