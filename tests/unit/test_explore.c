/* explore, shrink and blame (issue 17, items 4 and 5): the fault layer's record of what it
 * applied (fl_world_faults_applied), and the three commands on a known Raft bug
 * (tests/data/explore/vote-twice-nemesis.fl, vote-twice-per-term under random faults). */
#include "fl_test.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "builtin.h"
#include "fault.h"
#include "scenario.h"
#include "world.h"

static const char recorded[] =
    "[cluster]\nprotocol = raft\nnodes = 5\nseed = 1\nduration = 5s\n"
    "[network]\nlatency = constant(2ms)\n"
    "[timeline]\n"
    "1s partition random-halves\n"
    "1500ms heal\n"
    "2s crash random\n"
    "2500ms restart all\n"
    "3s pause leader for 100ms\n"
    "3500ms cut leader -> followers\n"
    "3600ms uncut all -> all\n"
    "4s loss = 5%\n"
    "4100ms crash leader\n"
    "4100ms crash leader\n"
    "4200ms restart n4\n";

/* The records as text: "TIME KIND nodes|pairs|groups", one per line. */
static char *records_text(const GArray *rec, int nn) {
  GString *s = g_string_new(NULL);
  for (guint k = 0; k < rec->len; k++) {
    const fl_fault_applied *r = &g_array_index(rec, fl_fault_applied, k);
    g_string_append_printf(s, "%" G_GINT64_FORMAT " #%u kind %d", r->at_ns, r->index, (int)r->kind);
    if (r->nodes)
      for (int i = 0; i < nn; i++)
        if (r->nodes[i]) g_string_append_printf(s, " n%d", i + 1);
    for (guint p = 0; r->pairs && p < r->pairs->len; p += 2)
      g_string_append_printf(s, " %d>%d", g_array_index(r->pairs, int, p),
                             g_array_index(r->pairs, int, p + 1));
    for (int g = 0; g < r->n_groups; g++) {
      g_string_append(s, " {");
      for (int i = 0; i < nn; i++)
        if (r->groups[(size_t)g * (size_t)nn + (size_t)i]) g_string_append_printf(s, "n%d", i + 1);
      g_string_append(s, "}");
    }
    g_string_append_c(s, '\n');
  }
  return g_string_free(s, FALSE);
}

static uint64_t run_digest(const fl_scenario *scn, bool record, char **records) {
  fl_world_opts o;
  fl_world_opts_init(&o);
  o.record_faults = record;
  GError *error = NULL;
  fl_world *w = fl_world_new(scn, &o, &error);
  if (!w) ck_abort_msg("world: %s", error->message);
  fl_world_run(w);
  uint64_t d = fl_world_digest(w);
  if (record) *records = records_text(fl_world_faults_applied(w), fl_world_node_count(w));
  else ck_assert_ptr_null(fl_world_faults_applied(w));
  fl_world_free(w);
  return d;
}

/* Every action as applied: random halves and `crash random` as the nodes drawn, `restart all`
 * as the one node it restarted, `leader` as the node it was, a link action as its pairs, a
 * change of every link with no target; `crash leader` with no leader left and a restart of a
 * node that is up applied to nothing (no nodes). Recording changes nothing in the run. */
START_TEST(recorder_resolves_every_target) {
  ck_assert(fl_protocols_register_builtin(NULL));
  GError *error = NULL;
  fl_scenario *scn = fl_scenario_parse("t.fl", recorded, strlen(recorded), &error);
  if (!scn) ck_abort_msg("scenario: %s", error->message);
  char *got = NULL;
  uint64_t with = run_digest(scn, true, &got);
  ck_assert_uint_eq(with, run_digest(scn, false, NULL));
  /* n2 leads from the first election on: pause leader, cut leader -> followers (endpoint 1)
   * and the first crash leader all name it */
  ck_assert_str_eq(got, "1000000000 #0 kind 0 {n2n4} {n1n3n5}\n"
                        "1500000000 #1 kind 1\n"
                        "2000000000 #2 kind 4 n1\n"
                        "2500000000 #3 kind 5 n1\n"
                        "3000000000 #4 kind 6 n2\n"
                        "3500000000 #5 kind 2 1>0 1>2 1>3 1>4\n"
                        "3600000000 #6 kind 3 0>1 0>2 0>3 0>4 1>0 1>2 1>3 1>4 2>0 2>1 2>3 "
                        "2>4 3>0 3>1 3>2 3>4 4>0 4>1 4>2 4>3\n"
                        "4000000000 #7 kind 8\n"
                        "4100000000 #8 kind 4 n2\n"
                        "4100000000 #9 kind 4\n"
                        "4200000000 #10 kind 5\n");
  g_free(got);
  fl_scenario_free(scn);
}
END_TEST

static void assert_listing(const char *dir, const char *want) {
  char *got = fl_test_listing(dir);
  ck_assert_str_eq(got, want);
  g_free(got);
}

static char *tmpdir(void) {
  char *d = g_dir_make_tmp("fl-explore-XXXXXX", NULL);
  ck_assert_ptr_nonnull(d);
  return d;
}

G_GNUC_NO_INLINE static char *read_text(const char *path) {
  char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL)) ck_abort_msg("cannot read %s", path);
  return text;
}

/* The [timeline] section's lines of a file, as one string. */
static char *timeline_of(const char *path) {
  char *text = read_text(path);
  const char *at = strstr(text, "[timeline]\n");
  if (!at) ck_abort_msg("no [timeline] in %s", path);
  at += strlen("[timeline]\n");
  if (*at == '\n') at = ""; /* an empty timeline, then a blank line */
  const char *end = strstr(at, "\n\n");
  gsize n = end ? (gsize)(end - at + 1) : strlen(at);
  char *out = g_strndup(at, n);
  g_free(text);
  return out;
}

static const char fixture[] = "tests/data/explore/vote-twice-nemesis.fl";

/* The concrete timeline of seed 10, the first failing seed of 5..12: every random fault
 * spelled out, the drawn time of `uniform(1s, 3s) pause leader` in ns. */
static const char concrete_seed10[] =
    "500ms partition {n1 n2} {n3 n4 n5}\n"
    "600ms crash n3\n"
    "800ms heal\n"
    "900ms restart n3\n"
    "1100ms crash n4\n"
    "1200ms partition {n2 n4} {n1 n3 n5}\n"
    "1203190085ns pause n2 for 300ms\n"
    "1400ms restart n4\n"
    "1500ms heal\n"
    "1600ms crash n5\n"
    "1900ms partition {n2 n3} {n1 n4 n5}\n"
    "1900ms restart n5\n"
    "2100ms crash n1\n"
    "2200ms heal\n"
    "2400ms restart n1\n"
    "2600ms partition {n1 n3} {n2 n4 n5}\n"
    "2600ms crash n5\n"
    "2900ms heal\n"
    "2900ms restart n5\n";

static const char failure_seed10[] =
    "invariants = hold: protocol raft, at 3.012s (event 1389): invariant violated: election "
    "safety: n3 and n4 were both leaders of term 8\n";

/* explore stops at the first failing seed, writes its concrete scenario (seed = 10, the
 * timeline as applied) and checks that it reproduces the failure; `faultline run` of the file
 * breaks the same expectation at the same event. */
START_TEST(explore_writes_a_concrete_scenario_that_reproduces) {
  char *dir = tmpdir(), *out = NULL, *err = NULL;
  char *args = g_strdup_printf("explore %s --seeds 5..12 --out %s", fixture, dir);
  ck_assert_int_eq(fl_test_cli(args, &out, &err), 1);
  char *file = g_build_filename(dir, "vote-twice-nemesis-seed10.fl", NULL);
  char *want = g_strdup_printf("seed 10: FAIL %s  wrote %s (19 timeline lines): reproduces the "
                               "failure\nexplored 6 seeds (5..10) in ",
                               failure_seed10, file);
  ck_assert_msg(g_str_has_prefix(out, want), "got: %s", out);
  ck_assert_msg(g_str_has_suffix(out, "s: 1 failed\n"), "got: %s", out);
  ck_assert_str_eq(err, "");
  assert_listing(dir, "vote-twice-nemesis-seed10.fl\n");
  char *tl = timeline_of(file);
  ck_assert_str_eq(tl, concrete_seed10);
  char *text = read_text(file);
  ck_assert_ptr_nonnull(strstr(text, "\nseed = 10\n"));
  g_free(out);
  g_free(err);
  char *run = g_strdup_printf("run %s --quiet", file);
  ck_assert_int_eq(fl_test_cli(run, &out, &err), 1);
  char *line = g_strdup_printf("  FAIL %s", failure_seed10);
  ck_assert_msg(strstr(out, line), "got: %s", out);
  fl_test_rm_rf(dir);
  g_free(line);
  g_free(run);
  g_free(text);
  g_free(tl);
  g_free(want);
  g_free(file);
  g_free(args);
  g_free(out);
  g_free(err);
  g_free(dir);
}
END_TEST

/* A scenario whose faults come from [nemesis] generators: the concrete file spells them out in
 * [timeline] and drops the [nemesis] section (run again, its generators would add faults), and
 * reproduces the failure. */
START_TEST(explore_spells_out_nemesis_generators) {
  char *dir = tmpdir(), *out = NULL, *err = NULL;
  char *fx = fl_test_source_path("tests/data/explore/vote-twice-generators.fl");
  char *args = g_strdup_printf("explore %s --seeds 1..5 --out %s", fx, dir);
  ck_assert_int_eq(fl_test_cli(args, &out, &err), 1);
  char *file = g_build_filename(dir, "vote-twice-generators-seed3.fl", NULL);
  char *want = g_strdup_printf("seed 3: FAIL invariants   = hold: protocol raft, at 11.04s (event "
                               "16404): invariant violated: election safety: n2 and n1 were both "
                               "leaders of term 16\n  wrote %s (15 timeline lines): reproduces the "
                               "failure\n", file);
  ck_assert_msg(g_str_has_prefix(out, want), "got: %s", out);
  char *text = read_text(file);
  ck_assert_ptr_null(strstr(text, "\n[nemesis]"));
  ck_assert_ptr_nonnull(strstr(text, "\n# [nemesis]: its generators' faults are spelled out in "
                                     "[timeline]\n"));
  ck_assert_ptr_nonnull(strstr(text, "\n3011406003ns crash n3\n4011406003ns restart n3\n"));
  fl_test_rm_rf(dir);
  g_free(text), g_free(want), g_free(file), g_free(args), g_free(fx), g_free(out), g_free(err);
  g_free(dir);
}
END_TEST

/* --all goes on past the first failure; a seed that fails before any fault gets an empty
 * timeline. */
START_TEST(explore_all_collects_every_failing_seed) {
  char *dir = tmpdir(), *out = NULL, *err = NULL;
  char *args = g_strdup_printf("explore %s --seeds 1..12 --all --out %s", fixture, dir);
  ck_assert_int_eq(fl_test_cli(args, &out, &err), 1);
  assert_listing(dir, "vote-twice-nemesis-seed10.fl\nvote-twice-nemesis-seed4.fl\n");
  char *four = g_build_filename(dir, "vote-twice-nemesis-seed4.fl", NULL);
  char *tl = timeline_of(four);
  ck_assert_str_eq(tl, "");
  ck_assert_msg(strstr(out, "explored 12 seeds (1..12) in "), "got: %s", out);
  ck_assert_msg(g_str_has_suffix(out, "s: 2 failed\n"), "got: %s", out);
  fl_test_rm_rf(dir);
  g_free(tl);
  g_free(four);
  g_free(args);
  g_free(out);
  g_free(err);
  g_free(dir);
}
END_TEST

/* shrink of seed 10's concrete scenario: 19 lines to 12 and 4s to 2348ms in its first round,
 * to 8 lines and 1736ms in the rounds after (each opening the way for the next), the same
 * invariant broken by the minimal file; blame of the minimal file finds every line necessary (ddmin's
 * result is 1-minimal) and of the concrete one which two were not. */
START_TEST(shrink_and_blame_the_concrete_scenario) {
  char *dir = tmpdir(), *out = NULL, *err = NULL;
  char *args = g_strdup_printf("explore %s --seeds 10 --out %s", fixture, dir);
  ck_assert_int_eq(fl_test_cli(args, &out, &err), 1);
  g_free(out);
  g_free(err);
  char *file = g_build_filename(dir, "vote-twice-nemesis-seed10.fl", NULL);
  char *min = g_build_filename(dir, "min.fl", NULL);
  char *shrink = g_strdup_printf("shrink %s --out %s", file, min);
  ck_assert_int_eq(fl_test_cli(shrink, &out, &err), 0);
  static const char *steps =
      "shrink: keeps failing 'invariants = hold' (election safety)\n"
      "  lines      19 timeline lines, duration 4s, 2 clients, 5 nodes -> 12 timeline lines, "
      "duration 4s, 2 clients, 5 nodes (249 trials)\n"
      "  windows    12 timeline lines, duration 4s, 2 clients, 5 nodes -> 12 timeline lines, "
      "duration 4s, 2 clients, 5 nodes (38 trials)\n"
      "  duration   12 timeline lines, duration 4s, 2 clients, 5 nodes -> 12 timeline lines, "
      "duration 2348ms, 2 clients, 5 nodes (11 trials)\n"
      "  clients    12 timeline lines, duration 2348ms, 2 clients, 5 nodes -> 12 timeline lines, "
      "duration 2348ms, 2 clients, 5 nodes (1 trials)\n"
      "  operations 12 timeline lines, duration 2348ms, 2 clients, 5 nodes -> 12 timeline lines, "
      "duration 2348ms, 2 clients, 5 nodes (11 trials)\n"
      "  nodes      12 timeline lines, duration 2348ms, 2 clients, 5 nodes -> 12 timeline lines, "
      "duration 2348ms, 2 clients, 5 nodes (31 trials)\n";
  ck_assert_msg(g_str_has_prefix(out, steps), "got: %s", out);
  ck_assert_msg(strstr(out, "\nround 2\n  lines      12 timeline lines, duration 2348ms, "
                            "2 clients, 5 nodes -> 12 timeline lines, duration 2348ms, 2 clients, "
                            "5 nodes (65 trials)\n"), "got: %s", out);
  ck_assert_msg(strstr(out, "\nround 3\n  lines      12 timeline lines, duration 2102ms, "
                            "2 clients, 5 nodes -> 8 timeline lines, duration 2102ms, 2 clients, "
                            "5 nodes (77 trials)\n"), "got: %s", out);
  char *wrote = g_strdup_printf("shrink: wrote %s (746 trials in ", min);
  ck_assert_msg(strstr(out, wrote), "got: %s", out);
  ck_assert_str_eq(err, "");
  char *tl = timeline_of(min);
  ck_assert_str_eq(tl, "500ms partition {n1 n2} {n3 n4 n5}\n"
                       "606ms heal\n"
                       "1100ms crash n4\n"
                       "1200ms partition {n2 n4} {n1 n3 n5}\n"
                       "1203190085ns pause n2 for 277ms\n"
                       "1273ms restart n4\n"
                       "1392ms heal\n"
                       "1600ms crash n5\n");
  char *text = read_text(min);
  ck_assert_ptr_nonnull(strstr(text, "\nduration = 1736ms\n"));
  ck_assert_ptr_nonnull(strstr(text, "\nstop = 1480ms\n"));
  g_free(out);
  g_free(err);
  /* the minimal file breaks the same invariant */
  char *run = g_strdup_printf("run %s --quiet", min);
  ck_assert_int_eq(fl_test_cli(run, &out, &err), 1);
  ck_assert_msg(strstr(out, "  FAIL invariants = hold: protocol raft, at 1.736s (event 1129): "
                            "invariant violated: election safety: n4 and n3 were both leaders "
                            "of term 4\n"), "got: %s", out);
  g_free(out);
  g_free(err);
  char *blame = g_strdup_printf("blame %s", min);
  ck_assert_int_eq(fl_test_cli(blame, &out, &err), 0);
  ck_assert_msg(g_str_has_suffix(out, "blame: 8 of 8 timeline lines necessary\n"), "got: %s", out);
  g_free(out);
  g_free(err);
  g_free(blame);
  blame = g_strdup_printf("blame %s", file);
  ck_assert_int_eq(fl_test_cli(blame, &out, &err), 0);
  ck_assert_msg(strstr(out, "blame: fails 'invariants = hold' (election safety)\n"
                            "  necessary     line 23: 500ms partition {n1 n2} {n3 n4 n5}\n"
                            "  not necessary line 24: 600ms crash n3  (and 1 later line that "
                            "could no longer apply)\n"), "got: %s", out);
  ck_assert_msg(strstr(out, "  not necessary line 41: 2900ms restart n5\n"
                            "blame: 17 of 19 timeline lines necessary\n"), "got: %s", out);
  g_free(out);
  g_free(err);
  /* lines are numbered as in the file, comments inside the timeline counted */
  char *orig = read_text(file), *commented = g_build_filename(dir, "commented.fl", NULL);
  GString *c = g_string_new(orig);
  g_string_replace(c, "[timeline]\n", "[timeline]\n# the faults as applied\n\n", 1);
  ck_assert(g_file_set_contents(commented, c->str, -1, NULL));
  g_free(blame);
  blame = g_strdup_printf("blame %s", commented);
  ck_assert_int_eq(fl_test_cli(blame, &out, &err), 0);
  ck_assert_msg(strstr(out, "  necessary     line 25: 500ms partition {n1 n2} {n3 n4 n5}\n"),
                "got: %s", out);
  ck_assert_msg(strstr(out, "  not necessary line 43: 2900ms restart n5\n"), "got: %s", out);
  g_string_free(c, TRUE);
  g_free(commented);
  g_free(orig);
  fl_test_rm_rf(dir);
  g_free(blame);
  g_free(run);
  g_free(text);
  g_free(tl);
  g_free(wrote);
  g_free(shrink);
  g_free(min);
  g_free(file);
  g_free(args);
  g_free(out);
  g_free(err);
  g_free(dir);
}
END_TEST

/* Input errors: exit 2 with the exact message. */
START_TEST(input_errors) {
  static const struct {
    const char *args, *err;
  } cases[] = {
      {"explore tests/data/explore/vote-twice-nemesis.fl --seeds 9..3",
       "faultline explore: --seeds: expected A..B or A (non-negative, A <= B), found '9..3'\n"},
      {"explore tests/data/explore/vote-twice-nemesis.fl",
       "faultline explore: --seeds: expected A..B or A (non-negative, A <= B), found nothing\n"},
      {"explore", "faultline explore: expected one scenario file, found 0 arguments\n"},
      {"shrink scenarios/raft/leader-crash.fl --out /dev/null",
       "faultline shrink: scenarios/raft/leader-crash.fl: expected a scenario that fails, found "
       "one that passes\n"},
      {"blame scenarios/raft/leader-crash.fl",
       "faultline blame: scenarios/raft/leader-crash.fl: expected a scenario that fails, found "
       "one that passes\n"},
      {"blame a.fl b.fl", "faultline blame: expected one scenario file, found 2 arguments\n"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(fl_test_cli(cases[i].args, &out, &err), 2);
    ck_assert_str_eq(err, cases[i].err);
    g_free(out);
    g_free(err);
  }
}
END_TEST

int main(void) {
  Suite *s = suite_create("explore");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, recorder_resolves_every_target);
  tcase_add_test(tc, explore_writes_a_concrete_scenario_that_reproduces);
  tcase_add_test(tc, explore_all_collects_every_failing_seed);
  tcase_add_test(tc, explore_spells_out_nemesis_generators);
  tcase_add_test(tc, shrink_and_blame_the_concrete_scenario);
  tcase_add_test(tc, input_errors);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
