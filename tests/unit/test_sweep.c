/* Tests of `faultline sweep`: the failing seeds, with the expectation each broke and the
 * command that reproduces it, in seed order whatever the number of workers; the summary; the
 * exit status; and the errors for bad arguments. */
#include "fl_test.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

static int run(const char *args, char **out, char **err) { return fl_test_cli(args, out, err); }

/* The output without its last line (the timing, which differs from run to run). */
static char *without_timing(const char *out) {
  const char *end = out + strlen(out);
  g_assert_true(end > out && end[-1] == '\n');
  const char *last = end - 1;
  while (last > out && last[-1] != '\n') last--;
  return g_strndup(out, (gsize)(last - out));
}

static const char *bug = "scenarios/raft/bugs/vote-twice-per-term.fl";

START_TEST(failing_seeds_in_order_for_any_jobs) {
  char *a = NULL, *b = NULL, *err = NULL;
  char *args = g_strdup_printf("sweep %s --seeds 1..40 --jobs 1", bug);
  ck_assert_int_eq(run(args, &a, &err), 1);
  g_free(args);
  g_free(err);
  args = g_strdup_printf("sweep %s --seeds 1..40 --jobs 3", bug);
  ck_assert_int_eq(run(args, &b, &err), 1);
  g_free(args);
  g_free(err);
  ck_assert(g_str_has_prefix(
      a, "FAIL seed 19\n"
         "  FAIL invariants   = hold: protocol raft, at 174.1ms (event 56): invariant violated: "
         "election safety: n5 and n4 were both leaders of term 1\n"
         "  reproduce: faultline run 'scenarios/raft/bugs/vote-twice-per-term.fl' --seed 19\n"
         "FAIL seed "));
  ck_assert_ptr_nonnull(strstr(a, "\nsweep scenarios/raft/bugs/vote-twice-per-term.fl: 40 seeds "
                                  "(1..40), 3 failed; "));
  ck_assert_ptr_nonnull(strstr(a, " seeds/s with 1 jobs\n"));
  char *ta = without_timing(a), *tb = without_timing(b);
  ck_assert_str_eq(ta, tb);
  g_free(ta);
  g_free(tb);
  g_free(a);
  g_free(b);
}
END_TEST

START_TEST(passing_sweep_exits_zero) {
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run("sweep scenarios/raft/leader-crash.fl --seeds 3..4 --jobs 2",
                       &out, &err),
                   0);
  ck_assert(g_str_has_prefix(out, "sweep scenarios/raft/leader-crash.fl: 2 seeds (3..4), 0 failed; "));
  ck_assert_str_eq(err, "");
  g_free(out);
  g_free(err);
}
END_TEST

START_TEST(bad_arguments_exit_two) {
  static const struct {
    const char *args, *err;
  } cases[] = {
      {"sweep scenarios/raft/leader-crash.fl",
       "faultline sweep: --seeds: expected a range A..B of seeds (0 <= A <= B < 2^63), found "
       "'(nothing)'\n"},
      {"sweep scenarios/raft/leader-crash.fl --seeds 5..2",
       "faultline sweep: --seeds: expected a range A..B of seeds (0 <= A <= B < 2^63), found "
       "'5..2'\n"},
      {"sweep scenarios/raft/leader-crash.fl --seeds 1-3",
       "faultline sweep: --seeds: expected a range A..B of seeds (0 <= A <= B < 2^63), found "
       "'1-3'\n"},
      {"sweep scenarios/raft/leader-crash.fl --seeds 1..2 --jobs 2000",
       "faultline sweep: --jobs: expected 1 to 1024, found 2000\n"},
      {"sweep --seeds 1..2", "faultline sweep: expected one scenario file, found 0 arguments\n"},
      {"sweep scenarios/raft/leader-crash.fl --seeds 1..2 --seed-timeout 0s",
       "faultline sweep: --seed-timeout: expected a duration above zero\n"},
      {"sweep scenarios/raft/leader-crash.fl --seeds 1..2 --seed-timeout 5",
       "faultline sweep: --seed-timeout: expected a duration with a unit (ns, us, ms, s, min, h), "
       "found '5'\n"},
      {"sweep no-such.fl --seeds 1..2",
       "no-such.fl: cannot read: No such file or directory\n"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(run(cases[i].args, &out, &err), 2);
    ck_assert_str_eq(err, cases[i].err);
    ck_assert_str_eq(out, "");
    g_free(out);
    g_free(err);
  }
}
END_TEST

static char *plugin_path(void) {
  const char *b = g_getenv("FL_BINARY_DIR");
  return g_build_filename(b ? b : "build", "tests", "lab_protocol.so", NULL);
}

/* A protocol that crashes fails its seed with the crash report and the reproduce line (the
 * worker's crash handler sends them up its pipe); so does a run that exits as a runaway
 * (status 4). The sweep's status is 1, a failure, not 2. */
START_TEST(crashed_seed_is_a_failing_seed) {
  char *plugin = plugin_path();
  char *out = NULL, *err = NULL;
  char *args = g_strdup_printf("sweep tests/plugin/lab-crash.fl --plugin '%s' --seeds 1..2 --jobs 2",
                               plugin);
  ck_assert_int_eq(run(args, &out, &err), 1);
  char *body = without_timing(out);
  char *want = g_strdup_printf(
      "FAIL seed 1\n"
      "  protocol lab-register crashed (SIGSEGV) in on_timer at node n1, event 18, 30ms\n"
      "  reproduce: faultline run 'tests/plugin/lab-crash.fl' --seed 1 --plugin '%s'\n"
      "FAIL seed 2\n"
      "  protocol lab-register crashed (SIGSEGV) in on_timer at node n1, event 18, 30ms\n"
      "  reproduce: faultline run 'tests/plugin/lab-crash.fl' --seed 2 --plugin '%s'\n",
      plugin, plugin);
  ck_assert_str_eq(body, want);
  ck_assert(g_str_has_prefix(out + strlen(body),
                             "sweep tests/plugin/lab-crash.fl: 2 seeds (1..2), 2 failed; "));
  ck_assert_str_eq(err, "");
  g_free(want);
  g_free(body);
  g_free(args);
  g_free(out);
  g_free(err);

  char *dir = g_dir_make_tmp("fl-sweep-XXXXXX", NULL);
  char *scn = g_build_filename(dir, "runaway.fl", NULL);
  ck_assert(g_file_set_contents(scn, "[cluster]\nprotocol = lab-register\nnodes = 2\nduration = 5s\n"
                                     "[lab-register]\ncrash_at = 3\ncrash_with = exit4\n", -1, NULL));
  args = g_strdup_printf("sweep '%s' --plugin '%s' --seeds 7..7 --jobs 1", scn, plugin);
  ck_assert_int_eq(run(args, &out, &err), 4);
  body = without_timing(out);
  want = g_strdup_printf("RUNAWAY seed 7\n"
                         "  the run ran away (exit status 4)\n"
                         "  reproduce: faultline run '%s' --seed 7 --plugin '%s'\n", scn, plugin);
  ck_assert_str_eq(body, want);
  g_unlink(scn);
  g_rmdir(dir);
  g_free(scn);
  g_free(dir);
  g_free(want);
  g_free(body);
  g_free(args);
  g_free(out);
  g_free(err);
  g_free(plugin);
}
END_TEST

/* A seed past --seed-timeout of wall-clock time is killed and counts as a runaway, with its
 * reproduce line (10000 h of simulated time cannot end within 50 ms). */
START_TEST(seed_timeout_fails_the_seed) {
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run("sweep scenarios/rbcast/steady.fl --duration 10000h --seeds 1..2 --jobs 2 "
                       "--seed-timeout 50ms", &out, &err), 4);
  char *body = without_timing(out);
  ck_assert_str_eq(body,
                   "RUNAWAY seed 1\n"
                   "  wall-clock limit exceeded (--seed-timeout 50ms)\n"
                   "  reproduce: faultline run 'scenarios/rbcast/steady.fl' --seed 1 --duration 10000h\n"
                   "RUNAWAY seed 2\n"
                   "  wall-clock limit exceeded (--seed-timeout 50ms)\n"
                   "  reproduce: faultline run 'scenarios/rbcast/steady.fl' --seed 2 --duration 10000h\n");
  ck_assert_str_eq(err, "");
  g_free(body);
  g_free(out);
  g_free(err);
}
END_TEST

static const char csv_header[] =
    "seed,digest,verdict,exit_status,stop,simulated_ns,events,ops_invoked,ops_ok,ops_fail,"
    "ops_unknown,availability,latency_mean_ns,latency_p50_ns,latency_p99_ns,latency_max_ns,"
    "msgs_sent,msgs_delivered,msgs_dropped,faults_not_applied,elections,leaders_elected,"
    "leader_changes,faults,faults_no_leader,faults_no_ok,recovery_leader_first_ns,"
    "recovery_leader_max_ns,recovery_ok_first_ns,recovery_ok_max_ns,outage_all_ns,"
    "outage_majority_ns,outage_minority_ns\n";

static char *read_all(const char *path) {
  char *text = NULL;
  ck_assert_msg(g_file_get_contents(path, &text, NULL, NULL), "cannot read %s", path);
  return text;
}

/* --csv: one row per seed in seed order under the header, the same for any --jobs; --set
 * overrides reach every worker and the reproduce lines, and the digests are those of `run`
 * with the same overrides. */
START_TEST(csv_has_one_row_per_seed) {
  char *dir = g_dir_make_tmp("fl-sweep-XXXXXX", NULL);
  char *csv = g_build_filename(dir, "out.csv", NULL);
  static const char rows[] =
      "1,0xc5546407d75da27b,pass,0,end,7000000000,5985,432,387,43,2,0.995370,8268522,7602175,"
      "14680063,206454934,4865,4738,127,0,2,2,1,1,0,0,181826226,181826226,563986925,563986925,"
      "547754108,547754108,0\n"
      "2,0x3e25444549718cbb,pass,0,end,7000000000,6050,440,407,29,4,0.995434,8603127,7602175,"
      "14680063,197535820,4937,4800,131,0,2,2,1,1,0,0,193102260,193102260,536894524,536894524,"
      "528123967,528123967,0\n";
  for (int jobs = 1; jobs <= 2; jobs++) {
    char *out = NULL, *err = NULL;
    char *args = g_strdup_printf("sweep scenarios/raft/leader-crash.fl --seeds 1..2 --duration 7s "
                                 "--set workload.clients=2 --set raft.heartbeat=20ms --jobs %d "
                                 "--csv '%s'", jobs, csv);
    ck_assert_int_eq(run(args, &out, &err), 0);
    ck_assert_str_eq(err, "");
    char *text = read_all(csv);
    char *want = g_strconcat(csv_header, rows, NULL);
    ck_assert_str_eq(text, want);
    g_free(want);
    g_free(text);
    g_free(args);
    g_free(out);
    g_free(err);
  }
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run("run -q --seed 2 --duration 7s scenarios/raft/leader-crash.fl --set "
                       "workload.clients=2 --set raft.heartbeat=20ms", &out, &err), 0);
  ck_assert_str_eq(out, "PASS scenarios/raft/leader-crash.fl seed 2 digest 0x3e25444549718cbb\n");
  g_free(out);
  g_free(err);

  /* A failing seed's reproduce line carries the overrides. */
  ck_assert_int_eq(run("sweep scenarios/raft/leader-crash.fl --seeds 2..2 --jobs 1 --set "
                       "network.loss=5%", &out, &err), 1);
  char *body = without_timing(out);
  ck_assert_str_eq(body, "FAIL seed 2\n"
                         "  FAIL availability(all, 6s..20s) >= 99%: 86.6% (622 of 718 operations "
                         "answered)\n"
                         "  reproduce: faultline run 'scenarios/raft/leader-crash.fl' --seed 2 "
                         "--set 'network.loss=5%'\n");
  g_free(body);
  g_free(out);
  g_free(err);

  /* Seeds with no row from their worker: killed past --seed-timeout. */
  char *args = g_strdup_printf("sweep scenarios/rbcast/steady.fl --duration 10000h --seeds 1..2 "
                               "--jobs 2 --seed-timeout 50ms --csv '%s'", csv);
  ck_assert_int_eq(run(args, &out, &err), 4);
  char *text = read_all(csv);
  char *want = g_strconcat(csv_header, "1,,runaway,4,seed-timeout,,,,,,,,,,,,,,,"
                                       ",,,,,,,,,,,,,\n"
                                       "2,,runaway,4,seed-timeout,,,,,,,,,,,,,,,"
                                       ",,,,,,,,,,,,,\n", NULL);
  ck_assert_str_eq(text, want);
  g_free(want);
  g_free(text);
  g_free(args);
  g_free(out);
  g_free(err);

  /* A sweep that stops on an input error leaves no CSV (and nothing else) behind. */
  g_unlink(csv);
  args = g_strdup_printf("sweep scenarios/raft/leader-crash.fl --seeds 1..2 --set raft.heartbeat=0ms "
                         "--csv '%s'", csv);
  ck_assert_int_eq(run(args, &out, &err), 2);
  ck_assert_str_eq(err, "--set raft.heartbeat=0ms: expected a duration from 1ns to 100000h, found "
                        "'0ms'\n");
  char *listing = fl_test_listing(dir);
  ck_assert_str_eq(listing, "");
  g_free(listing);
  g_free(args);
  g_free(out);
  g_free(err);
  g_rmdir(dir);
  g_free(csv);
  g_free(dir);
}
END_TEST

/* A crashed seed's row: no measurements, verdict fail, stop crash. */
START_TEST(csv_row_of_a_crashed_seed) {
  char *plugin = plugin_path();
  char *dir = g_dir_make_tmp("fl-sweep-XXXXXX", NULL);
  char *csv = g_build_filename(dir, "out.csv", NULL);
  char *out = NULL, *err = NULL;
  char *args = g_strdup_printf("sweep tests/plugin/lab-crash.fl --plugin '%s' --seeds 1..1 "
                               "--jobs 1 --csv '%s'", plugin, csv);
  ck_assert_int_eq(run(args, &out, &err), 1);
  char *text = read_all(csv);
  char *want = g_strconcat(csv_header, "1,,fail,1,crash,,,,,,,,,,,,,,,"
                                                        ",,,,,,,,,,,,,\n", NULL);
  ck_assert_str_eq(text, want);
  g_unlink(csv);
  g_rmdir(dir);
  g_free(want);
  g_free(text);
  g_free(args);
  g_free(out);
  g_free(err);
  g_free(csv);
  g_free(dir);
  g_free(plugin);
}
END_TEST

int main(void) {
  Suite *s = suite_create("sweep");
  TCase *tc = tcase_create("sweep");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, failing_seeds_in_order_for_any_jobs);
  tcase_add_test(tc, passing_sweep_exits_zero);
  tcase_add_test(tc, bad_arguments_exit_two);
  tcase_add_test(tc, crashed_seed_is_a_failing_seed);
  tcase_add_test(tc, seed_timeout_fails_the_seed);
  tcase_add_test(tc, csv_has_one_row_per_seed);
  tcase_add_test(tc, csv_row_of_a_crashed_seed);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
