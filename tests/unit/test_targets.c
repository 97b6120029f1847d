/* Targets of timeline actions (issue 11, item 1): each kind resolves, when its action happens,
 * to exactly the nodes (or clients) expected; partitions of overlapping groups (a bridge);
 * cuts of client links; report sides that follow reachability. Raft, 5 nodes: a leader is
 * elected well before 3s and stays, so the leader seen just before the action is its leader. */
#include "fl_test.h"

#include <glib.h>
#include <string.h>

#include "builtin.h"
#include "net.h"
#include "scenario.h"
#include "world.h"

#define MS 1000000LL

static const char head[] = "[cluster]\nprotocol = raft\nnodes = 5\nseed = 1\nduration = 5s\n"
                           "[network]\nlatency = constant(2ms)\n";

/* A world on `head` + `rest`, run to 2.999s (just before the 3s action); *leader is the leader
 * then. */
static fl_world *before(const char *rest, fl_scenario **s, int *leader) {
  ck_assert(fl_protocols_register_builtin(NULL));
  char *text = g_strconcat(head, rest, NULL);
  GError *error = NULL;
  *s = fl_scenario_parse("t.fl", text, strlen(text), &error);
  g_free(text);
  if (!*s) ck_abort_msg("scenario: %s", error->message);
  if (!fl_world_validate(*s, &error)) ck_abort_msg("validate: %s", error->message);
  fl_world *w = fl_world_new(*s, NULL, &error);
  if (!w) ck_abort_msg("world: %s", error->message);
  fl_world_run_until(w, 2999 * MS);
  *leader = fl_world_leader(w);
  ck_assert_int_ge(*leader, 0);
  return w;
}

/* Runs past the action and returns the nodes' liveness as "UUDUU". */
static char *after(fl_world *w) {
  fl_world_run_until(w, 3001 * MS);
  char *up = g_strnfill(5, '?');
  for (int i = 0; i < 5; i++) up[i] = fl_world_node_is_up(w, i) ? 'U' : 'D';
  return up;
}

static void done(fl_world *w, fl_scenario *s, char *up) {
  g_free(up);
  fl_world_free(w);
  fl_scenario_free(s);
}

START_TEST(crash_followers_leaves_only_the_leader) {
  fl_scenario *s;
  int l;
  fl_world *w = before("[timeline]\n3s crash followers\n", &s, &l);
  char *up = after(w);
  for (int i = 0; i < 5; i++) ck_assert_int_eq(up[i], i == l ? 'U' : 'D');
  done(w, s, up);
}
END_TEST

/* majority: the leader, then the lowest other ids, nodes/2 + 1 = 3 in all; minority the rest. */
static void expect_split(int l, bool want_major, const char *up) {
  bool major[5] = {false};
  major[l] = true;
  for (int i = 0, need = 2; i < 5 && need > 0; i++)
    if (!major[i]) major[i] = true, need--;
  for (int i = 0; i < 5; i++) ck_assert_int_eq(up[i], major[i] == want_major ? 'D' : 'U');
}

START_TEST(crash_majority_takes_the_leader_and_the_lowest_ids) {
  fl_scenario *s;
  int l;
  fl_world *w = before("[timeline]\n3s crash majority\n", &s, &l);
  char *up = after(w);
  expect_split(l, true, up);
  done(w, s, up);
}
END_TEST

START_TEST(crash_minority_takes_the_rest) {
  fl_scenario *s;
  int l;
  fl_world *w = before("[timeline]\n3s crash minority\n", &s, &l);
  char *up = after(w);
  expect_split(l, false, up);
  ck_assert_int_eq(up[l], 'U');
  done(w, s, up);
}
END_TEST

START_TEST(crash_random_k_crashes_k_distinct_nodes_the_same_in_every_run) {
  char *first = NULL;
  for (int run = 0; run < 2; run++) {
    fl_scenario *s;
    int l;
    fl_world *w = before("[timeline]\n3s crash random 3\n", &s, &l);
    char *up = after(w);
    int down = 0;
    for (int i = 0; i < 5; i++) down += up[i] == 'D';
    ck_assert_int_eq(down, 3);
    if (first) ck_assert_str_eq(up, first);
    else first = g_strdup(up);
    done(w, s, up);
  }
  g_free(first);
}
END_TEST

START_TEST(crash_a_named_group) {
  fl_scenario *s;
  int l;
  fl_world *w = before("[groups]\neast = n2 n4\n[timeline]\n3s crash east\n", &s, &l);
  char *up = after(w);
  ck_assert_str_eq(up, "UDUDU");
  done(w, s, up);
}
END_TEST

/* n5 paused at 1s while clients write until 2s: at 3s its applied index trails the leader's,
 * and the others have caught up (the workload stopped a second before). */
START_TEST(crash_behind_takes_the_node_whose_log_trails) {
  fl_scenario *s;
  int l;
  fl_world *w = before("[workload]\nclients = 2\nstop = 2s\n"
                       "[timeline]\n1s pause n5\n3s crash behind\n",
                       &s, &l);
  ck_assert_int_ne(l, 4);
  fl_node_status lead, late;
  ck_assert(fl_world_node_status(w, l, &lead) && fl_world_node_status(w, 4, &late));
  ck_assert(lead.has_applied && late.has_applied);
  ck_assert_uint_lt(late.applied, lead.applied);
  char *up = after(w);
  ck_assert_str_eq(up, "UUUUD");
  done(w, s, up);
}
END_TEST

START_TEST(pause_all_then_resume_a_group) {
  fl_scenario *s;
  int l;
  fl_world *w = before("[groups]\neast = n4 n5\n[timeline]\n3s pause all\n3s resume east\n", &s, &l);
  char *up = after(w);
  ck_assert_str_eq(up, "UUUUU");
  for (int i = 0; i < 5; i++) ck_assert_int_eq(fl_world_node_is_paused(w, i), i < 3);
  done(w, s, up);
}
END_TEST

/* Two nodes communicate iff they share a group: n3 bridges {n1 n2 n3} and {n3 n4 n5}. */
START_TEST(bridge_partition_lets_the_bridge_reach_both_sides) {
  fl_scenario *s;
  int l;
  fl_world *w = before("[timeline]\n3s partition {n1 n2 n3} {n3 n4 n5}\n", &s, &l);
  g_free(after(w));
  const fl_net *net = fl_world_net(w);
  bool reach[5][5] = {
      {1, 1, 1, 0, 0}, {1, 1, 1, 0, 0}, {1, 1, 1, 1, 1}, {0, 0, 1, 1, 1}, {0, 0, 1, 1, 1},
  };
  for (int a = 0; a < 5; a++)
    for (int b = 0; b < 5; b++) {
      fl_drop_reason why = FL_DROP_LOSS;
      bool ok = fl_net_can_reach(net, a, b, &why);
      ck_assert_msg(ok == reach[a][b], "n%d -> n%d", a + 1, b + 1);
      if (!ok) ck_assert_int_eq(why, FL_DROP_PARTITION);
    }
  done(w, s, NULL);
}
END_TEST

/* `{leader}` and a group name inside partition groups; the rest form one more group. */
START_TEST(partition_groups_take_targets) {
  fl_scenario *s;
  int l;
  fl_world *w = before("[groups]\nwest = n1 n2\n[timeline]\n3s partition {leader} {west}\n", &s, &l);
  g_free(after(w));
  const fl_net *net = fl_world_net(w);
  for (int a = 0; a < 5; a++)
    for (int b = 0; b < 5; b++) {
      int ga = a == l ? 0 : a < 2 ? 1 : 2, gb = b == l ? 0 : b < 2 ? 1 : 2;
      ck_assert_msg(fl_net_can_reach(net, a, b, NULL) == (ga == gb), "n%d -> n%d", a + 1, b + 1);
    }
  done(w, s, NULL);
}
END_TEST

START_TEST(cut_leader_to_followers_cuts_one_direction_of_each) {
  fl_scenario *s;
  int l;
  fl_world *w = before("[timeline]\n3s cut leader -> followers\n", &s, &l);
  g_free(after(w));
  const fl_net *net = fl_world_net(w);
  for (int i = 0; i < 5; i++) {
    if (i == l) continue;
    ck_assert(!fl_net_can_reach(net, l, i, NULL));
    ck_assert(fl_net_can_reach(net, i, l, NULL));
  }
  done(w, s, NULL);
}
END_TEST

/* Endpoints 0..4 are the nodes, 5.. the clients. */
START_TEST(cut_of_a_client_link) {
  fl_scenario *s;
  int l;
  fl_world *w = before("[workload]\nclients = 2\n[timeline]\n3s cut c1 -> n1\n"
                       "3s loss n2 -> clients = 50%\n",
                       &s, &l);
  g_free(after(w));
  fl_net *net = fl_world_net(w);
  fl_drop_reason why = FL_DROP_LOSS;
  ck_assert(!fl_net_can_reach(net, 5, 0, &why));
  ck_assert_int_eq(why, FL_DROP_CUT);
  ck_assert(fl_net_can_reach(net, 0, 5, NULL));
  ck_assert(fl_net_can_reach(net, 6, 0, NULL));
  ck_assert_double_eq(fl_net_link(net, 1, 5)->loss, 0.5);
  ck_assert_double_eq(fl_net_link(net, 1, 6)->loss, 0.5);
  ck_assert_double_eq(fl_net_link(net, 5, 1)->loss, 0.0);
  ck_assert_double_eq(fl_net_link(net, 0, 5)->loss, 0.0);
  done(w, s, NULL);
}
END_TEST

/* Sides follow reachability: n1 and c1 cut off from the other nodes in both directions by
 * cuts alone (no partition), so c1 invokes on the minority side; before, cuts never made a
 * minority. */
START_TEST(cuts_make_a_minority_side) {
  fl_scenario *s;
  int l;
  fl_world *w = before("[workload]\nclients = 5\n[groups]\nrest = n2 n3 n4 n5\n[timeline]\n"
                       "3s cut n1 -> rest\n3s cut rest -> n1\n3s cut c1 -> rest\n"
                       "3s cut rest -> c1\n",
                       &s, &l);
  fl_run_stats st;
  fl_world_stats(w, &st);
  ck_assert_uint_eq(st.minority.invoked, 0);
  fl_world_run(w);
  fl_world_stats(w, &st);
  ck_assert_uint_gt(st.minority.invoked, 0);
  ck_assert_uint_eq(st.minority.ok, 0); /* n1 alone serves nothing */
  ck_assert_uint_gt(st.majority.ok, 0);
  done(w, s, NULL);
}
END_TEST

/* A target that names no node now keeps the old behaviour: noted and counted. `random K`
 * to restart draws among the crashed nodes. */
START_TEST(a_target_with_no_node_is_counted_not_applied) {
  fl_scenario *s;
  int l;
  fl_world *w = before("[timeline]\n3s crash all\n3.5s crash behind\n3.5s pause followers\n"
                       "3.5s restart random 2\n",
                       &s, &l);
  char *up = after(w);
  ck_assert_str_eq(up, "DDDDD");
  fl_world_run_until(w, 3600 * MS);
  fl_run_stats st;
  fl_world_stats(w, &st);
  ck_assert_uint_eq(st.faults_not_applied, 2); /* behind: no leader; followers: no live node */
  int n_up = 0;
  for (int i = 0; i < 5; i++) n_up += fl_world_node_is_up(w, i);
  ck_assert_int_eq(n_up, 2);
  done(w, s, up);
}
END_TEST

int main(void) {
  Suite *s = suite_create("targets");
  TCase *tc = tcase_create("resolve");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, crash_followers_leaves_only_the_leader);
  tcase_add_test(tc, crash_majority_takes_the_leader_and_the_lowest_ids);
  tcase_add_test(tc, crash_minority_takes_the_rest);
  tcase_add_test(tc, crash_random_k_crashes_k_distinct_nodes_the_same_in_every_run);
  tcase_add_test(tc, crash_a_named_group);
  tcase_add_test(tc, crash_behind_takes_the_node_whose_log_trails);
  tcase_add_test(tc, pause_all_then_resume_a_group);
  tcase_add_test(tc, bridge_partition_lets_the_bridge_reach_both_sides);
  tcase_add_test(tc, partition_groups_take_targets);
  tcase_add_test(tc, cut_leader_to_followers_cuts_one_direction_of_each);
  tcase_add_test(tc, cut_of_a_client_link);
  tcase_add_test(tc, cuts_make_a_minority_side);
  tcase_add_test(tc, a_target_with_no_node_is_counted_not_applied);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
