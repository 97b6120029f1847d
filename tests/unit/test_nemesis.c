/* [nemesis] generators (issue 17, item 3): the exact schedule each kind expands to for a
 * seed (times and targets), the shapes of drawn partitions, the window, the independence of
 * generators' streams, pauses that avoid the crash storm, and runs that apply the expansion. */
#include "fl_test.h"

#include <glib.h>
#include <string.h>

#include "builtin.h"
#include "nemesis.h"
#include "scenario.h"
#include "world.h"

#define MS 1000000LL

static const char head[] = "[cluster]\nprotocol = raft\nnodes = 5\nseed = 1\nduration = 10s\n"
                           "[nemesis]\n";

static fl_scenario *parse(const char *rest) {
  char *text = g_strconcat(head, rest, NULL);
  GError *error = NULL;
  fl_scenario *s = fl_scenario_parse("t.fl", text, strlen(text), &error);
  g_free(text);
  if (!s) ck_abort_msg("scenario: %s", error->message);
  return s;
}

/* The expansion for `seed` as "TIME_NS ACTION" lines. */
static char *schedule_of(const fl_scenario *s, uint64_t seed) {
  GArray *a = fl_nemesis_expand(s, seed, s->duration_ns);
  GString *out = g_string_new(NULL);
  for (guint i = 0; i < a->len; i++) {
    const fl_action *x = &g_array_index(a, fl_action, i);
    g_string_append_printf(out, "%" G_GINT64_FORMAT " ", x->at_ns);
    fl_nemesis_describe(x, out);
    g_string_append_c(out, '\n');
  }
  fl_nemesis_free(a);
  return g_string_free(out, FALSE);
}

static char *schedule(const char *rest, uint64_t seed) {
  fl_scenario *s = parse(rest);
  char *out = schedule_of(s, seed);
  fl_scenario_free(s);
  return out;
}

START_TEST(pauses_every_2s_for_300ms_from_1s) {
  /* Constant intervals: each quiet time runs from the previous pause's end; the last pause is
   * cut at the window's end (the duration, 10s). The nodes are seed 1's draws. */
  char *got = schedule("pauses = random 1, every 2s, for 300ms\nfrom = 1s\n", 1);
  ck_assert_str_eq(got, "3000000000 pause n1 for 300ms\n"
                        "5300000000 pause n2 for 300ms\n"
                        "7600000000 pause n4 for 300ms\n"
                        "9900000000 pause n3 for 100ms\n");
  g_free(got);
}
END_TEST

START_TEST(crash_storm_restarts_what_it_crashed) {
  char *got = schedule("crashes = random 2, every exponential(mean=2s), for uniform(100ms, 1s)\n", 2);
  ck_assert_str_eq(got, "1617794397 crash n1\n1617794397 crash n5\n"
                        "2615192257 restart n1\n2615192257 restart n5\n"
                        "3107570060 crash n1\n3107570060 crash n4\n"
                        "3235033390 restart n1\n3235033390 restart n4\n"
                        "4673852480 crash n3\n4673852480 crash n4\n"
                        "5611432726 restart n3\n5611432726 restart n4\n"
                        "6946637047 crash n3\n6946637047 crash n4\n"
                        "7207465827 restart n3\n7207465827 restart n4\n"
                        "9905837438 crash n1\n9905837438 crash n3\n"
                        "10000000000 restart n1\n10000000000 restart n3\n");
  g_free(got);
}
END_TEST

START_TEST(partitions_of_every_shape) {
  char *got = schedule("partitions = halves|minority|majority-ring|isolate-leader|bridge, every "
                       "1s, for 500ms\nto = 9s\n", 1);
  ck_assert_str_eq(got, "1000000000 partition {n4} {n1 n2 n3 n5}\n1500000000 heal\n"
                        "2500000000 partition {n1 n2 n3} {n1 n4 n5}\n3000000000 heal\n"
                        "4000000000 partition {n2 n3 n5} {n1 n4 n5}\n4500000000 heal\n"
                        "5500000000 partition {n3 n4} {n1 n3} {n1 n5} {n2 n5} {n2 n4}\n"
                        "6000000000 heal\n"
                        "7000000000 partition {leader}\n7500000000 heal\n"
                        "8500000000 partition {n1 n5} {n1 n3} {n3 n4} {n2 n4} {n2 n5}\n"
                        "9000000000 heal\n");
  g_free(got);
}
END_TEST

START_TEST(clock_jumps_signed_steps) {
  char *got = schedule("clock = random 1, every 3s, jump uniform(-200ms, 200ms)\n", 1);
  ck_assert_str_eq(got, "3000000000 clock n3 jump +118.9ms\n6000000000 clock n4 jump +165ms\n"
                        "9000000000 clock n5 jump -174.7ms\n");
  g_free(got);
  got = schedule("clock = random 2, every 4s, jump -5ms\n", 1);
  ck_assert_str_eq(got, "4000000000 clock n3 jump -5ms\n4000000000 clock n4 jump -5ms\n"
                        "8000000000 clock n4 jump -5ms\n8000000000 clock n5 jump -5ms\n");
  g_free(got);
}
END_TEST

START_TEST(loss_bursts_set_back_the_network_loss) {
  char *got = schedule("loss = 20%, every 4s, for 1s\nfrom = 1s\nto = 9.5s\n", 1);
  ck_assert_str_eq(got, "5000000000 loss = 20%\n6000000000 loss = 0%\n");
  g_free(got);
  /* Back to [network]'s loss, not to zero. */
  char *text = g_strconcat(head, "loss = 50%, every 4s, for 1s\n[network]\nloss = 1%\n", NULL);
  GError *error = NULL;
  fl_scenario *s = fl_scenario_parse("t.fl", text, strlen(text), &error);
  ck_assert_ptr_nonnull(s);
  got = schedule_of(s, 1);
  ck_assert_str_eq(got, "4000000000 loss = 50%\n5000000000 loss = 1%\n"
                        "9000000000 loss = 50%\n10000000000 loss = 1%\n");
  g_free(got);
  fl_scenario_free(s);
  g_free(text);
}
END_TEST

/* Nodes n1..n5 of a partition as group flags. */
static void groups_of(const fl_action *a, bool member[][5], int *ng) {
  *ng = a->n_groups;
  memset(member, 0, sizeof(bool) * 5 * (size_t)a->n_groups);
  for (int k = 0; k < a->n_part; k++) member[a->part[k].in_group][a->part[k].index] = true;
}

START_TEST(drawn_shapes_hold_their_promise_over_seeds) {
  static const char *shapes[] = {"halves", "minority", "majority-ring", "bridge"};
  for (size_t sh = 0; sh < G_N_ELEMENTS(shapes); sh++) {
    char *rest = g_strdup_printf("partitions = %s, every 1s, for 100ms\n", shapes[sh]);
    fl_scenario *s = parse(rest);
    for (uint64_t seed = 1; seed <= 20; seed++) {
      GArray *a = fl_nemesis_expand(s, seed, s->duration_ns);
      ck_assert_int_eq(a->len, 18); /* 9 partitions (1.1s apart, the first at 1s), 9 heals */
      for (guint i = 0; i < a->len; i += 2) {
        const fl_action *p = &g_array_index(a, fl_action, i);
        ck_assert_int_eq(p->kind, FL_ACT_PARTITION);
        ck_assert_int_eq(g_array_index(a, fl_action, i + 1).kind, FL_ACT_HEAL);
        bool m[5][5];
        int ng, size[5] = {0}, in[5] = {0};
        groups_of(p, m, &ng);
        for (int g = 0; g < ng; g++)
          for (int n = 0; n < 5; n++) size[g] += m[g][n], in[n] += m[g][n];
        if (sh == 0 || sh == 1) { /* two disjoint groups covering the cluster */
          ck_assert_int_eq(ng, 2);
          for (int n = 0; n < 5; n++) ck_assert_int_eq(in[n], 1);
          if (sh == 0) ck_assert_int_eq(size[0], 2);
          ck_assert(size[0] >= 1 && size[0] <= 2);
        } else if (sh == 3) { /* 3 + 3, one node in both */
          ck_assert_int_eq(ng, 2);
          ck_assert_int_eq(size[0], 3);
          ck_assert_int_eq(size[1], 3);
          int both = 0;
          for (int n = 0; n < 5; n++) both += in[n] == 2;
          ck_assert_int_eq(both, 1);
        } else { /* each node talks to exactly two others, and no two views are the same */
          ck_assert_int_eq(ng, 5);
          unsigned view[5] = {0};
          for (int g = 0; g < 5; g++)
            for (int x = 0; x < 5; x++)
              for (int y = 0; y < 5; y++)
                if (m[g][x] && m[g][y]) view[x] |= 1u << y;
          for (int x = 0; x < 5; x++) {
            ck_assert_int_eq(__builtin_popcount(view[x]), 3); /* itself and two: a majority */
            for (int y = 0; y < x; y++) ck_assert_uint_ne(view[x], view[y]);
          }
        }
      }
      fl_nemesis_free(a);
    }
    fl_scenario_free(s);
    g_free(rest);
  }
}
END_TEST

START_TEST(a_generator_never_shifts_another_ones_draws) {
  const char *crashes = "crashes = random 1, every exponential(mean=1s), for 200ms\n";
  char *alone = schedule(crashes, 3);
  char *both_text = g_strconcat("loss = 10%, every 500ms, for 100ms\n", crashes,
                                "clock = random 2, every 1s, jump 1ms\n", NULL);
  char *both = schedule(both_text, 3);
  /* The crash and restart lines of the two expansions are the same. */
  GString *only = g_string_new(NULL);
  char **lines = g_strsplit(both, "\n", -1);
  for (char **l = lines; *l; l++)
    if (strstr(*l, "crash") || strstr(*l, "restart")) g_string_append_printf(only, "%s\n", *l);
  ck_assert_str_eq(only->str, alone);
  ck_assert_int_gt((int)strlen(alone), 0);
  /* Same seed, same schedule; another seed, another. */
  char *again = schedule(crashes, 3), *other = schedule(crashes, 4);
  ck_assert_str_eq(again, alone);
  ck_assert_str_ne(other, alone);
  g_free(again);
  g_free(other);
  g_strfreev(lines);
  g_string_free(only, TRUE);
  g_free(both);
  g_free(both_text);
  g_free(alone);
}
END_TEST

START_TEST(pauses_avoid_the_nodes_the_crash_storm_holds_down) {
  fl_scenario *s = parse("pauses = random 4, every 300ms, for 400ms\n"
                         "crashes = random 1, every 200ms, for 500ms\n");
  for (uint64_t seed = 1; seed <= 10; seed++) {
    GArray *a = fl_nemesis_expand(s, seed, s->duration_ns);
    int pauses = 0;
    /* A crash's window is [crash, restart]; each pause must miss every window of its node. */
    for (guint i = 0; i < a->len; i++) {
      const fl_action *x = &g_array_index(a, fl_action, i);
      if (x->kind != FL_ACT_PAUSE) continue;
      pauses++;
      for (guint j = 0; j < a->len; j++) {
        const fl_action *c = &g_array_index(a, fl_action, j);
        if (c->kind != FL_ACT_CRASH || c->a != x->a) continue;
        const fl_action *r = NULL;
        for (guint k = j + 1; k < a->len && !r; k++)
          if (g_array_index(a, fl_action, k).kind == FL_ACT_RESTART &&
              g_array_index(a, fl_action, k).a == c->a)
            r = &g_array_index(a, fl_action, k);
        ck_assert_ptr_nonnull(r);
        ck_assert_msg(x->at_ns + x->for_ns < c->at_ns || r->at_ns < x->at_ns,
                      "seed %" G_GUINT64_FORMAT ": pause of n%d at %" G_GINT64_FORMAT
                      " meets its crash at %" G_GINT64_FORMAT, seed, x->a + 1, x->at_ns, c->at_ns);
      }
    }
    ck_assert_int_gt(pauses, 0);
    fl_nemesis_free(a);
  }
  fl_scenario_free(s);
}
END_TEST

/* A run applies the expansion: the storm's node is down between its crash and restart. */
START_TEST(a_run_applies_the_expanded_actions) {
  ck_assert(fl_protocols_register_builtin(NULL));
  fl_scenario *s = parse("crashes = random 1, every 1s, for 500ms\nto = 3s\n");
  char *want = schedule_of(s, 1);
  ck_assert_str_eq(want, "1000000000 crash n4\n1500000000 restart n4\n"
                         "2500000000 crash n5\n3000000000 restart n5\n");
  GError *error = NULL;
  if (!fl_world_validate(s, &error)) ck_abort_msg("validate: %s", error->message);
  fl_world *w = fl_world_new(s, NULL, &error);
  if (!w) ck_abort_msg("world: %s", error->message);
  static const struct { int64_t at_ns; const char *up; } steps[] = {
      {999 * MS, "UUUUU"}, {1001 * MS, "UUUDU"}, {1499 * MS, "UUUDU"}, {1501 * MS, "UUUUU"},
      {2501 * MS, "UUUUD"}, {3001 * MS, "UUUUU"}};
  for (size_t k = 0; k < G_N_ELEMENTS(steps); k++) {
    fl_world_run_until(w, steps[k].at_ns);
    char up[6] = {0};
    for (int i = 0; i < 5; i++) up[i] = fl_world_node_is_up(w, i) ? 'U' : 'D';
    ck_assert_str_eq(up, steps[k].up);
  }
  fl_world_free(w);
  g_free(want);
  fl_scenario_free(s);
}
END_TEST

START_TEST(the_scenario_passes_with_its_faults_applied) {
  char *out = NULL, *err = NULL;
  char *path = fl_test_source_path("scenarios/faults/nemesis-generators.fl");
  char *args = g_strdup_printf("run --seed 7 '%s'", path);
  int rc = fl_test_cli(args, &out, &err);
  ck_assert_msg(rc == 0, "%s%s", out, err);
  ck_assert_ptr_nonnull(strstr(out, "verdict      PASS"));
  ck_assert_ptr_nonnull(strstr(out, "history      linearizable"));
  /* The generators' faults were applied: recoveries are measured from their lines. */
  ck_assert_ptr_nonnull(strstr(out, "recovery     line 2"));
  g_free(args);
  g_free(path);
  g_free(out);
  g_free(err);
}
END_TEST

int main(void) {
  Suite *s = suite_create("nemesis");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, pauses_every_2s_for_300ms_from_1s);
  tcase_add_test(tc, crash_storm_restarts_what_it_crashed);
  tcase_add_test(tc, partitions_of_every_shape);
  tcase_add_test(tc, clock_jumps_signed_steps);
  tcase_add_test(tc, loss_bursts_set_back_the_network_loss);
  tcase_add_test(tc, drawn_shapes_hold_their_promise_over_seeds);
  tcase_add_test(tc, a_generator_never_shifts_another_ones_draws);
  tcase_add_test(tc, pauses_avoid_the_nodes_the_crash_storm_holds_down);
  tcase_add_test(tc, a_run_applies_the_expanded_actions);
  tcase_add_test(tc, the_scenario_passes_with_its_faults_applied);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
