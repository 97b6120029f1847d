/* Tests of `faultline sweep`: the failing seeds, with the expectation each broke and the
 * command that reproduces it, in seed order whatever the number of workers; the summary; the
 * exit status; and the errors for bad arguments. */
#include "fl_test.h"
#include "report.h"

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

/* The end of every reproduce line: the build that made the run. */
static char *tag(void) {
  return g_strdup_printf("  # faultline %s, commit %s", FL_VERSION, fl_report_commit());
}

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
  char *t = tag();
  char *want = g_strdup_printf(
      "FAIL seed 19\n"
      "  FAIL invariants   = hold: protocol raft, at 174.1ms (event 56): invariant violated: "
      "election safety: n5 and n4 were both leaders of term 1\n"
      "  reproduce: faultline run 'scenarios/raft/bugs/vote-twice-per-term.fl' --seed 19 "
      "--expect-digest 0x329548163b69e6d1%s\n"
      "FAIL seed ", t);
  ck_assert_msg(g_str_has_prefix(a, want), "%s", a);
  g_free(want);
  g_free(t);
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
      {"sweep scenarios/raft/leader-crash.fl --seeds 5..2",
       "faultline sweep: --seeds: expected a range A..B of seeds (0 <= A <= B < 2^63) or one "
       "seed, found '5..2'\n"},
      {"sweep scenarios/raft/leader-crash.fl --seeds 1-3",
       "faultline sweep: --seeds: expected a range A..B of seeds (0 <= A <= B < 2^63) or one "
       "seed, found '1-3'\n"},
      {"sweep scenarios/raft/leader-crash.fl --seeds 9223372036854775808",
       "faultline sweep: --seeds: expected a range A..B of seeds (0 <= A <= B < 2^63) or one "
       "seed, found '9223372036854775808'\n"},
      {"sweep scenarios/raft/leader-crash.fl --seeds 1..2 --shard 3/2",
       "faultline sweep: --shard: expected I/N with 1 <= I <= N <= 100000, found '3/2'\n"},
      {"sweep scenarios/raft/leader-crash.fl --seeds 1..2 --shard 0/2",
       "faultline sweep: --shard: expected I/N with 1 <= I <= N <= 100000, found '0/2'\n"},
      {"sweep scenarios/raft/leader-crash.fl --seeds 1..2 --shard 1/100001",
       "faultline sweep: --shard: expected I/N with 1 <= I <= N <= 100000, found '1/100001'\n"},
      {"sweep scenarios/raft/leader-crash.fl --seeds 1..2 --keep-failures /dev/null/kept",
       "faultline sweep: --keep-failures: cannot create '/dev/null/kept': Not a directory\n"},
      {"sweep scenarios/raft/leader-crash.fl --seeds 1..2 --junit scenarios/raft/leader-crash.fl",
       "faultline sweep: --junit 'scenarios/raft/leader-crash.fl' and the scenario "
       "'scenarios/raft/leader-crash.fl' are the same file\n"},
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
  char *t = tag();
  char *want = g_strdup_printf(
      "FAIL seed 1\n"
      "  protocol lab-register crashed (SIGSEGV) in on_timer at node n1, event 18, 30ms\n"
      "  reproduce: faultline run 'tests/plugin/lab-crash.fl' --seed 1 --plugin '%s'%s\n"
      "FAIL seed 2\n"
      "  protocol lab-register crashed (SIGSEGV) in on_timer at node n1, event 18, 30ms\n"
      "  reproduce: faultline run 'tests/plugin/lab-crash.fl' --seed 2 --plugin '%s'%s\n",
      plugin, t, plugin, t);
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
                         "  reproduce: faultline run '%s' --seed 7 --plugin '%s'%s\n", scn, plugin,
                         t);
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
  g_free(t);
}
END_TEST

/* A seed past --seed-timeout of wall-clock time is killed and counts as a runaway, with its
 * reproduce line (10000 h of simulated time cannot end within 50 ms). */
START_TEST(seed_timeout_fails_the_seed) {
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run("sweep scenarios/rbcast/steady.fl --duration 10000h --seeds 1..2 --jobs 2 "
                       "--seed-timeout 50ms", &out, &err), 4);
  char *body = without_timing(out);
  char *t = tag();
  char *want = g_strdup_printf(
      "RUNAWAY seed 1\n"
      "  wall-clock limit exceeded (--seed-timeout 50ms)\n"
      "  reproduce: faultline run 'scenarios/rbcast/steady.fl' --seed 1 --duration 10000h%s\n"
      "RUNAWAY seed 2\n"
      "  wall-clock limit exceeded (--seed-timeout 50ms)\n"
      "  reproduce: faultline run 'scenarios/rbcast/steady.fl' --seed 2 --duration 10000h%s\n",
      t, t);
  ck_assert_str_eq(body, want);
  g_free(want);
  g_free(t);
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

/* Not inlined: gcc 12 -O3 otherwise takes pointers into the returned text for pointers to the
 * local `text` (-Wdangling-pointer, a false positive that fails the Release build). */
G_GNUC_NO_INLINE static char *read_all(const char *path) {
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
  char *t = tag();
  char *fail = g_strdup_printf("FAIL seed 2\n"
                               "  FAIL availability(all, 6s..20s) >= 99%%: 86.6%% (622 of 718 "
                               "operations answered)\n"
                               "  reproduce: faultline run 'scenarios/raft/leader-crash.fl' "
                               "--seed 2 --set 'network.loss=5%%' --expect-digest "
                               "0x3ab21b2732cae7ba%s\n", t);
  ck_assert_str_eq(body, fail);
  g_free(fail);
  g_free(t);
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


/* Wall-clock times (the JSON summary's wall_s, JUnit's time attributes) as "T": everything
 * else in the outputs is exact. */
static char *untimed(const char *text) {
  GRegex *re = g_regex_new("(\"wall_s\" : |time=\")[0-9.]+", 0, 0, NULL);
  char *s = g_regex_replace(re, text, -1, 0, "\\1T", 0, NULL);
  g_regex_unref(re);
  return s;
}

static char *sha256_of(const char *rel) {
  char *path = fl_test_source_path(rel), *text = NULL;
  gsize len = 0;
  ck_assert(g_file_get_contents(path, &text, &len, NULL));
  char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)text, len);
  g_free(text);
  g_free(path);
  return sum;
}

/* --json and --junit on the pinned failing seed of vote-twice-per-term (19, which
 * tests/CMakeLists.txt pins) and a passing one: every field. */
START_TEST(json_and_junit_of_a_failing_seed) {
  char *dir = g_dir_make_tmp("fl-sweep-XXXXXX", NULL);
  char *json = g_build_filename(dir, "r.json", NULL), *xml = g_build_filename(dir, "r.xml", NULL);
  char *args = g_strdup_printf("sweep %s --seeds 18..19 --jobs 2 --json '%s' --junit '%s'", bug,
                               json, xml);
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run(args, &out, &err), 1);
  ck_assert_str_eq(err, "");
  char *t = tag(), *sum = sha256_of(bug);
  char *want = g_strdup_printf(
      "{\n"
      "  \"faultline\" : \"%s\",\n"
      "  \"commit\" : \"%s\",\n"
      "  \"scenario\" : \"scenarios/raft/bugs/vote-twice-per-term.fl\",\n"
      "  \"scenario_sha256\" : \"%s\",\n"
      "  \"protocol\" : \"raft\",\n"
      "  \"duration_ns\" : 10000000000,\n"
      "  \"max_events\" : 0,\n"
      "  \"overrides\" : [],\n"
      "  \"seeds\" : \"18..19\",\n"
      "  \"shard\" : \"1/1\",\n"
      "  \"runs\" : [\n"
      "    {\"seed\":18,\"verdict\":\"pass\",\"exit_status\":0,\"digest\":\"0x4be267474564a676\","
      "\"events\":3929,\"simulated_ns\":10000000000,\"stop\":\"end\",\"failures\":[],"
      "\"message\":null,\"reproduce\":\"faultline run 'scenarios/raft/bugs/vote-twice-per-term.fl'"
      " --seed 18 --expect-digest 0x4be267474564a676%s\"},\n"
      "    {\"seed\":19,\"verdict\":\"fail\",\"exit_status\":1,\"digest\":\"0x329548163b69e6d1\","
      "\"events\":56,\"simulated_ns\":174108433,\"stop\":\"violation\",\"failures\":"
      "[{\"expectation\":\"invariants   = hold\",\"detail\":\"protocol raft, at 174.1ms (event 56):"
      " invariant violated: election safety: n5 and n4 were both leaders of term 1\"}],"
      "\"message\":null,\"reproduce\":\"faultline run 'scenarios/raft/bugs/vote-twice-per-term.fl'"
      " --seed 19 --expect-digest 0x329548163b69e6d1%s\"}\n"
      "  ],\n"
      "  \"summary\" : {\n"
      "    \"seeds\" : 2,\n"
      "    \"passed\" : 1,\n"
      "    \"failed\" : 1,\n"
      "    \"runaway\" : 0,\n"
      "    \"errors\" : 0,\n"
      "    \"exit_status\" : 1,\n"
      "    \"wall_s\" : T\n"
      "  }\n"
      "}\n", FL_VERSION, fl_report_commit(), sum, t, t);
  char *text = read_all(json), *got = untimed(text);
  ck_assert_str_eq(got, want);
  g_free(got);
  g_free(text);
  g_free(want);
  want = g_strdup_printf(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"faultline\" tests=\"2\" failures=\"1\" errors=\"0\" time=\"T\">\n"
      "  <testsuite name=\"scenarios/raft/bugs/vote-twice-per-term.fl\" tests=\"2\" failures=\"1\""
      " errors=\"0\" skipped=\"0\" time=\"T\">\n"
      "    <properties>\n"
      "      <property name=\"faultline\" value=\"%s\"/>\n"
      "      <property name=\"commit\" value=\"%s\"/>\n"
      "      <property name=\"scenario_sha256\" value=\"%s\"/>\n"
      "      <property name=\"protocol\" value=\"raft\"/>\n"
      "      <property name=\"seeds\" value=\"18..19\"/>\n"
      "      <property name=\"shard\" value=\"1/1\"/>\n"
      "    </properties>\n"
      "    <testcase classname=\"scenarios/raft/bugs/vote-twice-per-term.fl\" name=\"seed 18\"/>\n"
      "    <testcase classname=\"scenarios/raft/bugs/vote-twice-per-term.fl\" name=\"seed 19\">\n"
      "      <failure type=\"expectation\" message=\"FAIL invariants   = hold: protocol raft, at "
      "174.1ms (event 56): invariant violated: election safety: n5 and n4 were both leaders of "
      "term 1\">FAIL invariants   = hold: protocol raft, at 174.1ms (event 56): invariant "
      "violated: election safety: n5 and n4 were both leaders of term 1\n"
      "reproduce: faultline run &apos;scenarios/raft/bugs/vote-twice-per-term.fl&apos; --seed 19 "
      "--expect-digest 0x329548163b69e6d1%s\n"
      "</failure>\n"
      "    </testcase>\n"
      "  </testsuite>\n"
      "</testsuites>\n", FL_VERSION, fl_report_commit(), sum, t);
  text = read_all(xml);
  got = untimed(text);
  ck_assert_str_eq(got, want);
  g_free(got);
  g_free(text);
  g_free(want);
  g_free(out);
  g_free(err);
  g_free(args);
  /* One seed (--seeds 7), and the range without --seeds. */
  ck_assert_int_eq(run("sweep scenarios/rbcast/steady.fl --duration 10ms --seeds 7 --jobs 1",
                       &out, &err), 0);
  ck_assert(g_str_has_prefix(out, "sweep scenarios/rbcast/steady.fl: 1 seeds (7), 0 failed; "));
  g_free(out);
  g_free(err);
  /* (10 ms is too short for some seeds to deliver everything: what matters is the range.) */
  int rc = run("sweep scenarios/rbcast/steady.fl --duration 10ms --jobs 2", &out, &err);
  ck_assert(rc == 0 || rc == 1);
  ck_assert_str_eq(err, "");
  ck_assert_ptr_nonnull(strstr(out, "\nsweep scenarios/rbcast/steady.fl: 100 seeds (1..100), "));
  g_free(out);
  g_free(err);
  /* A sweep that stops on an error leaves neither file. */
  g_unlink(json);
  g_unlink(xml);
  args = g_strdup_printf("sweep %s --seeds 18..19 --json '%s' --junit '%s' --csv '%s'", bug, json,
                         xml, json);
  ck_assert_int_eq(run(args, &out, &err), 2);
  char *msg = g_strdup_printf("faultline sweep: --csv '%s' and --json '%s' are the same file\n",
                              json, json);
  ck_assert_str_eq(err, msg);
  char *listing = fl_test_listing(dir);
  ck_assert_str_eq(listing, "");
  g_free(listing);
  g_free(msg);
  g_free(args);
  g_free(out);
  g_free(err);
  g_free(sum);
  g_free(t);
  g_rmdir(dir);
  g_free(json);
  g_free(xml);
  g_free(dir);
}
END_TEST

/* --keep-failures: the failing seed's trace, history and report, written by its worker; its
 * trace verifies with the digest the sweep reported, and `run --expect-digest` with the
 * reproduce line's digest replays it. Passing seeds leave nothing. */
START_TEST(keep_failures_keeps_the_workers_files) {
  char *dir = g_dir_make_tmp("fl-sweep-XXXXXX", NULL);
  char *keep = g_build_filename(dir, "kept", NULL), *json = g_build_filename(dir, "r.json", NULL);
  char *args = g_strdup_printf("sweep %s --seeds 17..19 --jobs 2 --keep-failures '%s' --json '%s'",
                               bug, keep, json);
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run(args, &out, &err), 1);
  ck_assert_str_eq(err, "");
  char *listing = fl_test_listing(keep);
  ck_assert_str_eq(listing, "seed-19\n");
  g_free(listing);
  char *seed_dir = g_build_filename(keep, "seed-19", NULL);
  listing = fl_test_listing(seed_dir);
  ck_assert_str_eq(listing, "history.jsonl\nreport.json\nrun.trace\n");
  g_free(listing);
  char *text = read_all(json);
  ck_assert_ptr_nonnull(strstr(text, "{\"seed\":19,\"verdict\":\"fail\",\"exit_status\":1,"
                                     "\"digest\":\"0x329548163b69e6d1\","));
  g_free(text);
  g_free(out);
  g_free(err);
  g_free(args);
  args = g_strdup_printf("dump '%s/run.trace'", seed_dir);
  ck_assert_int_eq(run(args, &out, &err), 0);
  ck_assert(g_str_has_suffix(out, "\ndigest 0x329548163b69e6d1 verified\n"));
  g_free(out);
  g_free(err);
  g_free(args);
  char *report = g_build_filename(seed_dir, "report.json", NULL);
  text = read_all(report);
  ck_assert_ptr_nonnull(strstr(text, "\n  \"digest\" : \"0x329548163b69e6d1\",\n"));
  ck_assert_ptr_nonnull(strstr(text, "\n  \"seed\" : 19,\n"));
  g_free(text);
  g_free(report);
  char *history = g_build_filename(seed_dir, "history.jsonl", NULL);
  text = read_all(history);
  g_free(text);
  g_free(history);
  fl_test_rm_rf(dir);
  g_free(seed_dir);
  g_free(keep);
  g_free(json);
  g_free(dir);
}
END_TEST

/* A crashed seed's folder: what sweep printed (its worker never finished the trace). */
START_TEST(keep_failures_of_a_crashed_seed) {
  char *plugin = plugin_path();
  char *dir = g_dir_make_tmp("fl-sweep-XXXXXX", NULL);
  char *args = g_strdup_printf("sweep tests/plugin/lab-crash.fl --plugin '%s' --seeds 1 --jobs 1 "
                               "--keep-failures '%s'", plugin, dir);
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run(args, &out, &err), 1);
  char *listing = fl_test_listing(dir);
  ck_assert_str_eq(listing, "seed-1\n");
  char *note = g_build_filename(dir, "seed-1", "failure.txt", NULL);
  char *text = read_all(note), *t = tag();
  char *want = g_strdup_printf(
      "FAIL seed 1\n"
      "  protocol lab-register crashed (SIGSEGV) in on_timer at node n1, event 18, 30ms\n"
      "  reproduce: faultline run 'tests/plugin/lab-crash.fl' --seed 1 --plugin '%s'%s\n",
      plugin, t);
  ck_assert_str_eq(text, want);
  fl_test_rm_rf(dir);
  g_free(want);
  g_free(t);
  g_free(text);
  g_free(note);
  g_free(listing);
  g_free(args);
  g_free(out);
  g_free(err);
  g_free(dir);
  g_free(plugin);
}
END_TEST

/* --shard I/N: seeds s with (s - A) mod N = I - 1; merged, the shards' JSON and JUnit are the
 * unsharded sweep's (but for the wall-clock times), whatever the order of the files. */
START_TEST(shards_merge_into_the_unsharded_sweep) {
  char *dir = g_dir_make_tmp("fl-sweep-XXXXXX", NULL);
  char *p[8];
  const char *names[] = {"all.json", "all.xml", "s1.json", "s2.json", "m.json", "m.xml",
                         "s3.json", "dup.json"};
  for (int i = 0; i < 8; i++) p[i] = g_build_filename(dir, names[i], NULL);
  char *out = NULL, *err = NULL;
  char *args = g_strdup_printf("sweep %s --seeds 15..22 --jobs 2 --json '%s' --junit '%s'", bug,
                               p[0], p[1]);
  ck_assert_int_eq(run(args, &out, &err), 1);
  g_free(args);
  g_free(out);
  g_free(err);
  for (int i = 1; i <= 2; i++) {
    args = g_strdup_printf("sweep %s --seeds 15..22 --jobs 2 --shard %d/2 --json '%s'", bug, i,
                           p[1 + i]);
    ck_assert_int_eq(run(args, &out, &err), i == 1 ? 1 : 0); /* seed 19 is in shard 1 */
    char *line = g_strdup_printf("sweep %s: 4 seeds (15..22, shard %d/2), %d failed; ", bug, i,
                                 i == 1);
    ck_assert_msg(strstr(out, line), "%s", out);
    g_free(line);
    g_free(args);
    g_free(out);
    g_free(err);
  }
  char *s1 = read_all(p[2]);
  ck_assert_ptr_nonnull(strstr(s1, "\n    {\"seed\":15,"));
  ck_assert_ptr_nonnull(strstr(s1, "\n    {\"seed\":17,"));
  ck_assert_ptr_null(strstr(s1, "{\"seed\":16,"));
  args = g_strdup_printf("merge '%s' '%s' --json '%s' --junit '%s'", p[3], p[2], p[4], p[5]);
  ck_assert_int_eq(run(args, &out, &err), 1);
  ck_assert_str_eq(err, "");
  char *t = tag();
  char *want = g_strdup_printf(
      "FAIL seed 19\n"
      "  FAIL invariants   = hold: protocol raft, at 174.1ms (event 56): invariant violated: "
      "election safety: n5 and n4 were both leaders of term 1\n"
      "  reproduce: faultline run 'scenarios/raft/bugs/vote-twice-per-term.fl' --seed 19 "
      "--expect-digest 0x329548163b69e6d1%s\n"
      "merge scenarios/raft/bugs/vote-twice-per-term.fl: 8 seeds (15..22) from 2 shards, "
      "1 failed; slowest shard ", t);
  ck_assert_msg(g_str_has_prefix(out, want), "%s", out);
  g_free(want);
  g_free(t);
  for (int i = 0; i < 2; i++) {
    char *a = read_all(p[i]), *b = read_all(p[4 + i]);
    char *ua = untimed(a), *ub = untimed(b);
    ck_assert_str_eq(ub, ua);
    g_free(a);
    g_free(b);
    g_free(ua);
    g_free(ub);
  }
  g_free(args);
  g_free(out);
  g_free(err);

  /* Refusals: each names the files. */
  args = g_strdup_printf("sweep %s --seeds 15..21 --jobs 2 --shard 2/2 --json '%s'", bug, p[6]);
  ck_assert_int_eq(run(args, &out, &err), 0);
  g_free(args);
  g_free(out);
  g_free(err);
  char *dup = NULL;
  {
    /* The first run line twice: a seed held twice. */
    const char *l = strstr(s1, "\n    {\"seed\":15,");
    const char *e = strchr(l + 1, '\n');
    GString *g = g_string_new_len(s1, e - s1);
    g_string_append_len(g, l, e - l);
    g_string_append(g, e);
    dup = g_string_free(g, FALSE);
    ck_assert(g_file_set_contents(p[7], dup, -1, NULL));
  }
  struct {
    char *args, *err;
  } cases[] = {
      {g_strdup_printf("merge '%s' '%s'", p[2], p[2]),
       g_strdup_printf("faultline merge: %s and %s are both shard 1/2\n", p[2], p[2])},
      {g_strdup_printf("merge '%s'", p[2]),
       g_strdup("faultline merge: 1 of 2 shards given: missing 2/2\n")},
      {g_strdup_printf("merge '%s' '%s'", p[2], p[6]),
       g_strdup_printf("faultline merge: %s and %s are not shards of one sweep: \"seeds\" is "
                       "\"15..22\" in %s and \"15..21\" in %s\n", p[2], p[6], p[2], p[6])},
      {g_strdup_printf("merge '%s' '%s'", p[2], p[0]),
       g_strdup_printf("faultline merge: %s and %s are not shards of one split: %s is shard "
                       "1/2, %s shard 1/1\n", p[2], p[0], p[2], p[0])},
      {g_strdup_printf("merge '%s' '%s'", p[7], p[3]),
       g_strdup_printf("faultline merge: %s holds seed 15 twice\n", p[7])},
      {g_strdup_printf("merge '%s' '%s/none.json'", p[2], dir),
       g_strdup_printf("faultline merge: %s/none.json: cannot read: No such file or directory\n",
                       dir)},
      {g_strdup_printf("merge '%s' '%s' --json '%s'", p[2], p[3], p[2]),
       g_strdup_printf("faultline merge: --json '%s' and the shard '%s' are the same file\n",
                       p[2], p[2])},
      {g_strdup("merge"),
       g_strdup("faultline merge: expected 1 to 100000 files (sweep --json of each shard), "
                "found 0\n")},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    ck_assert_int_eq(run(cases[i].args, &out, &err), 2);
    ck_assert_str_eq(err, cases[i].err);
    ck_assert_str_eq(out, "");
    g_free(out);
    g_free(err);
    g_free(cases[i].args);
    g_free(cases[i].err);
  }
  g_free(dup);
  g_free(s1);
  fl_test_rm_rf(dir);
  for (int i = 0; i < 8; i++) g_free(p[i]);
  g_free(dir);
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
  tcase_add_test(tc, json_and_junit_of_a_failing_seed);
  tcase_add_test(tc, keep_failures_keeps_the_workers_files);
  tcase_add_test(tc, keep_failures_of_a_crashed_seed);
  tcase_add_test(tc, shards_merge_into_the_unsharded_sweep);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
