/* Membership as timeline actions ([cluster] members, `join`, `leave`): which nodes the kernel
 * tells (on_membership), when, and what a node reads (fl_node_is_member) at boot and restart,
 * through a probe protocol that writes every call into one log. A test file may keep that log
 * in a static; a protocol may not. */
#include "fl_test.h"
#include "actor.h"
#include "builtin.h"
#include "scenario.h"
#include "units.h"
#include "world.h"

#include <string.h>

static GString *calls; /* "TIME nK: what" lines, in the order the hooks ran */

static void log_members(fl_node_ctx *ctx, const char *what) {
  g_string_append_printf(calls, "%" G_GINT64_FORMAT "ms n%d: %s", fl_node_now(ctx) / FL_MS,
                          fl_node_id(ctx) + 1, what);
  for (int i = 0; i < fl_node_count(ctx); i++)
    if (fl_node_is_member(ctx, i)) g_string_append_printf(calls, " n%d", i + 1);
  g_string_append_c(calls, '\n');
}

/* In a 3-node run, n1 sends n2 one message at 1s. */
static void *mp_init(fl_node_ctx *ctx) {
  log_members(ctx, "boot, members");
  if (fl_node_id(ctx) == 0 && fl_node_count(ctx) == 3) fl_node_set_timer(ctx, 1 * FL_S, 1);
  return g_new0(int, 1);
}

static void *mp_restart(fl_node_ctx *ctx) {
  log_members(ctx, "restart, members");
  return g_new0(int, 1);
}

static void mp_on_message(void *st, fl_node_ctx *ctx, int from, const void *msg, size_t len) {
  (void)st, (void)msg, (void)len;
  g_string_append_printf(calls, "%" G_GINT64_FORMAT "ms n%d: message from n%d\n",
                         fl_node_now(ctx) / FL_MS, fl_node_id(ctx) + 1, from + 1);
}

static void mp_on_timer(void *st, fl_node_ctx *ctx, uint64_t tag) {
  (void)st;
  int x = 1;
  if (tag == 1) fl_node_send(ctx, 1, &x, sizeof x);
}

static void mp_on_membership(void *st, fl_node_ctx *ctx, int node, bool member) {
  (void)st;
  char *what = g_strdup_printf("n%d %s, members", node + 1, member ? "joined" : "left");
  log_members(ctx, what);
  g_free(what);
}

static void mp_free(void *st) { g_free(st); }
static void mp_describe(const void *st, GString *out) {
  (void)st;
  g_string_append(out, "probe");
}

static void *mp_invariant_new(const fl_options *o, int n) {
  (void)o, (void)n;
  return g_new0(int, 1);
}
static bool mp_check(void *g, const fl_cluster_view *v, GString *why) {
  (void)g, (void)v, (void)why;
  return true;
}
static bool mp_final(void *g, const fl_cluster_view *v, GString *why) {
  (void)g, (void)why;
  g_string_append(calls, "final members");
  for (int i = -1; i <= fl_view_node_count(v); i++)
    if (fl_view_is_member(v, i)) g_string_append_printf(calls, " n%d", i + 1);
  g_string_append_c(calls, '\n');
  return true;
}
static void mp_invariant_free(void *g) { g_free(g); }

static const fl_protocol member_probe = {
    .api_version = FL_ACTOR_API_VERSION,
    .name = "member-probe",
    .summary = "test probe for membership",
    .init = mp_init,
    .on_message = mp_on_message,
    .on_timer = mp_on_timer,
    .on_restart = mp_restart,
    .free = mp_free,
    .describe = mp_describe,
    .invariant_new = mp_invariant_new,
    .check_invariants = mp_check,
    .check_final = mp_final,
    .invariant_free = mp_invariant_free,
    .on_membership = mp_on_membership,
};

static void setup(void) {
  fl_rng_global_init();
  ck_assert(fl_protocols_register_builtin(NULL));
  if (!fl_actor_lookup("member-probe", NULL)) ck_assert(fl_actor_register(&member_probe, NULL));
  calls = g_string_new(NULL);
}

static void teardown(void) { g_string_free(calls, TRUE); }

/* Runs a 4-node member-probe scenario with `extra` sections; returns the timeline actions
 * that did not apply. */
static uint64_t run(const char *cluster_extra, const char *extra) {
  char *text = g_strdup_printf("[cluster]\nprotocol = member-probe\nnodes = 4\nseed = 1\n"
                               "duration = 3s\n%s\n%s", cluster_extra, extra);
  GError *error = NULL;
  fl_scenario *s = fl_scenario_parse("m.fl", text, strlen(text), &error);
  if (!s) ck_abort_msg("scenario: %s", error->message);
  fl_world *w = fl_world_new(s, NULL, &error);
  if (!w) ck_abort_msg("world: %s", error->message);
  fl_world_run(w);
  ck_assert_int_eq(fl_world_stop_reason(w), FL_STOP_END);
  fl_run_stats st;
  fl_world_stats(w, &st);
  fl_world_free(w);
  fl_scenario_free(s);
  g_free(text);
  return st.faults_not_applied;
}

START_TEST(every_up_node_is_told_in_node_order_the_joiner_and_leaver_included) {
  ck_assert_int_eq(run("members = n1, n2, n3", "[timeline]\n1s join n4\n2s leave n2\n"), 0);
  ck_assert_str_eq(calls->str, "0ms n1: boot, members n1 n2 n3\n"
                               "0ms n2: boot, members n1 n2 n3\n"
                               "0ms n3: boot, members n1 n2 n3\n"
                               "0ms n4: boot, members n1 n2 n3\n"
                               "1000ms n1: n4 joined, members n1 n2 n3 n4\n"
                               "1000ms n2: n4 joined, members n1 n2 n3 n4\n"
                               "1000ms n3: n4 joined, members n1 n2 n3 n4\n"
                               "1000ms n4: n4 joined, members n1 n2 n3 n4\n"
                               "2000ms n1: n2 left, members n1 n3 n4\n"
                               "2000ms n2: n2 left, members n1 n3 n4\n"
                               "2000ms n3: n2 left, members n1 n3 n4\n"
                               "2000ms n4: n2 left, members n1 n3 n4\n"
                               "final members n1 n3 n4\n");
}
END_TEST

START_TEST(members_default_to_every_node) {
  ck_assert_int_eq(run("", "[timeline]\n1s leave n1\n"), 0);
  ck_assert_str_eq(calls->str, "0ms n1: boot, members n1 n2 n3 n4\n"
                               "0ms n2: boot, members n1 n2 n3 n4\n"
                               "0ms n3: boot, members n1 n2 n3 n4\n"
                               "0ms n4: boot, members n1 n2 n3 n4\n"
                               "1000ms n1: n1 left, members n2 n3 n4\n"
                               "1000ms n2: n1 left, members n2 n3 n4\n"
                               "1000ms n3: n1 left, members n2 n3 n4\n"
                               "1000ms n4: n1 left, members n2 n3 n4\n"
                               "final members n2 n3 n4\n");
}
END_TEST

/* A paused node is told at its resume, after the message that reached it first (n1's, sent
 * at 1s, arrives at 1.001s; the join is at 1.5s); the kernel's membership is already ahead. */
START_TEST(a_paused_node_is_told_at_its_resume_after_what_reached_it_before) {
  char *text = g_strdup("[cluster]\nprotocol = member-probe\nnodes = 3\nseed = 1\nduration = 3s\n"
                        "members = n1 n2\n[timeline]\n0.5s pause n2\n1.5s join n3\n"
                        "1.8s leave n1\n2s resume n2\n");
  GError *error = NULL;
  fl_scenario *s = fl_scenario_parse("m.fl", text, strlen(text), &error);
  if (!s) ck_abort_msg("scenario: %s", error->message);
  fl_world *w = fl_world_new(s, NULL, &error);
  if (!w) ck_abort_msg("world: %s", error->message);
  fl_world_run(w);
  ck_assert_int_eq(fl_world_stop_reason(w), FL_STOP_END);
  fl_world_free(w);
  fl_scenario_free(s);
  g_free(text);
  ck_assert_str_eq(calls->str, "0ms n1: boot, members n1 n2\n"
                               "0ms n2: boot, members n1 n2\n"
                               "0ms n3: boot, members n1 n2\n"
                               "1500ms n1: n3 joined, members n1 n2 n3\n"
                               "1500ms n3: n3 joined, members n1 n2 n3\n"
                               "1800ms n1: n1 left, members n2 n3\n"
                               "1800ms n3: n1 left, members n2 n3\n"
                               "2000ms n2: message from n1\n"
                               "2000ms n2: n3 joined, members n2 n3\n"
                               "2000ms n2: n1 left, members n2 n3\n"
                               "final members n2 n3\n");
}
END_TEST

/* A crashed node is not told; it reads the membership when it restarts. */
START_TEST(a_crashed_node_is_not_told_and_reads_the_membership_at_restart) {
  ck_assert_int_eq(run("members = n1 n2 n3", "[timeline]\n0.5s crash n3\n1s join n4\n"
                                             "1.2s leave n3\n1.5s restart n3\n"), 0);
  ck_assert_str_eq(calls->str, "0ms n1: boot, members n1 n2 n3\n"
                               "0ms n2: boot, members n1 n2 n3\n"
                               "0ms n3: boot, members n1 n2 n3\n"
                               "0ms n4: boot, members n1 n2 n3\n"
                               "1000ms n1: n4 joined, members n1 n2 n3 n4\n"
                               "1000ms n2: n4 joined, members n1 n2 n3 n4\n"
                               "1000ms n4: n4 joined, members n1 n2 n3 n4\n"
                               "1200ms n1: n3 left, members n1 n2 n4\n"
                               "1200ms n2: n3 left, members n1 n2 n4\n"
                               "1200ms n4: n3 left, members n1 n2 n4\n"
                               "1500ms n3: restart, members n1 n2 n4\n"
                               "final members n1 n2 n4\n");
}
END_TEST

/* A node with a processing time takes the change in its turn, as a message. */
START_TEST(a_node_with_a_processing_time_takes_it_in_its_turn) {
  ck_assert_int_eq(run("members = n1 n2 n3", "[node n2]\nprocessing = constant(10ms)\n"
                                             "[timeline]\n1s join n4\n"), 0);
  ck_assert_str_eq(calls->str, "0ms n1: boot, members n1 n2 n3\n"
                               "0ms n2: boot, members n1 n2 n3\n"
                               "0ms n3: boot, members n1 n2 n3\n"
                               "0ms n4: boot, members n1 n2 n3\n"
                               "1000ms n1: n4 joined, members n1 n2 n3 n4\n"
                               "1000ms n3: n4 joined, members n1 n2 n3 n4\n"
                               "1000ms n4: n4 joined, members n1 n2 n3 n4\n"
                               "1010ms n2: n4 joined, members n1 n2 n3 n4\n"
                               "final members n1 n2 n3 n4\n");
}
END_TEST

/* A join of a member and a leave of a non-member change nothing, tell no one, and count as
 * actions that did not apply; `join random` draws among the non-members only. */
START_TEST(join_of_a_member_and_leave_of_a_non_member_do_not_apply) {
  ck_assert_int_eq(run("members = n1 n2 n3", "[timeline]\n1s join n1\n1s leave n4\n"
                                             "2s join random\n2.5s join random\n"), 3);
  ck_assert_str_eq(calls->str, "0ms n1: boot, members n1 n2 n3\n"
                               "0ms n2: boot, members n1 n2 n3\n"
                               "0ms n3: boot, members n1 n2 n3\n"
                               "0ms n4: boot, members n1 n2 n3\n"
                               "2000ms n1: n4 joined, members n1 n2 n3 n4\n"
                               "2000ms n2: n4 joined, members n1 n2 n3 n4\n"
                               "2000ms n3: n4 joined, members n1 n2 n3 n4\n"
                               "2000ms n4: n4 joined, members n1 n2 n3 n4\n"
                               "final members n1 n2 n3 n4\n");
}
END_TEST

START_TEST(a_protocol_without_the_hook_is_refused_a_membership_scenario) {
  const char *text = "[cluster]\nprotocol = raft\nnodes = 3\nseed = 1\nduration = 1s\n"
                     "[timeline]\n1s leave n2\n";
  GError *error = NULL;
  fl_scenario *s = fl_scenario_parse("m.fl", text, strlen(text), &error);
  ck_assert_ptr_nonnull(s);
  ck_assert_ptr_null(fl_world_new(s, NULL, &error));
  ck_assert_str_eq(error->message, "m.fl:7:1: expected a protocol that supports membership "
                                   "changes for 'leave', found protocol raft, which has no "
                                   "on_membership hook");
  g_clear_error(&error);
  fl_scenario_free(s);
}
END_TEST

START_TEST(members_lists_each_node_once) {
  const char *text = "[cluster]\nprotocol = member-probe\nnodes = 3\nmembers = n1 n2, n1\n";
  GError *error = NULL;
  ck_assert_ptr_null(fl_scenario_parse("m.fl", text, strlen(text), &error));
  ck_assert_str_eq(error->message, "m.fl:4:18: expected each node once in members, found n1 again");
  g_clear_error(&error);
}
END_TEST

int main(void) {
  Suite *s = suite_create("membership");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, every_up_node_is_told_in_node_order_the_joiner_and_leaver_included);
  tcase_add_test(tc, members_default_to_every_node);
  tcase_add_test(tc, a_paused_node_is_told_at_its_resume_after_what_reached_it_before);
  tcase_add_test(tc, a_crashed_node_is_not_told_and_reads_the_membership_at_restart);
  tcase_add_test(tc, a_node_with_a_processing_time_takes_it_in_its_turn);
  tcase_add_test(tc, join_of_a_member_and_leave_of_a_non_member_do_not_apply);
  tcase_add_test(tc, a_protocol_without_the_hook_is_refused_a_membership_scenario);
  tcase_add_test(tc, members_lists_each_node_once);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
