/* Tests of the faultline command line: exit codes, messages, outputs and determinism across
 * processes. */
#include "fl_test.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

static int run(const char *args, char **out, char **err) { return fl_test_cli(args, out, err); }

static char *tmp_path(const char *name) {
  return g_build_filename(g_get_tmp_dir(), name, NULL);
}

START_TEST(version_and_help_exit_zero) {
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run("--version", &out, &err), 0);
  ck_assert_str_eq(out, "faultline " FL_VERSION "\n");
  g_free(out);
  g_free(err);
  ck_assert_int_eq(run("--help", &out, &err), 0);
  ck_assert_ptr_nonnull(strstr(out, "Usage: faultline COMMAND"));
  g_free(out);
  g_free(err);
}
END_TEST

START_TEST(unknown_command_exits_two) {
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run("frobnicate", &out, &err), 2);
  ck_assert_str_eq(err, "faultline: unknown command 'frobnicate' (expected one of: run, "
                        "sweep, validate, list, lincheck, dump, viz)\n");
  g_free(out);
  g_free(err);
}
END_TEST

START_TEST(passing_scenario_exits_zero) {
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run("run scenarios/rbcast/steady.fl", &out, &err), 0);
  ck_assert(g_str_has_prefix(out, "seed         1\n"));
  ck_assert_ptr_nonnull(strstr(out, "verdict      PASS\n"));
  ck_assert_ptr_nonnull(strstr(out, "invariants   held\n"));
  g_free(out);
  g_free(err);
}
END_TEST

START_TEST(failing_expectation_exits_one) {
  char *out = NULL, *err = NULL;
  /* The scenario expects a violation; the same scenario with retransmission on... is the
   * lossy one, whose agreement holds: its "violated" expectation fails. */
  char *path = tmp_path("fl-cli-fail.fl");
  const char *text = "[cluster]\nprotocol = rbcast\nnodes = 3\nduration = 2s\n"
                     "[expect]\ninvariants = violated\n";
  ck_assert(g_file_set_contents(path, text, -1, NULL));
  char *args = g_strdup_printf("run --quiet %s", path);
  ck_assert_int_eq(run(args, &out, &err), 1);
  ck_assert(g_str_has_prefix(out, "FAIL "));
  ck_assert_ptr_nonnull(strstr(out, "  FAIL invariants = violated: held on every event and at the end\n"));
  char *repro = g_strdup_printf("  reproduce: faultline run '%s' --seed 1\n", path);
  ck_assert_ptr_nonnull(strstr(out, repro));
  g_free(repro);
  g_unlink(path);
  g_free(path);
  g_free(args);
  g_free(out);
  g_free(err);
}
END_TEST

START_TEST(malformed_scenario_exits_two_without_outputs) {
  char *out = NULL, *err = NULL;
  char *path = tmp_path("fl-cli-bad.fl"), *report = tmp_path("fl-cli-bad.json");
  const char *text = "[cluster]\nprotocol = rbcast\nnodes = 3\nduration = 10\n";
  ck_assert(g_file_set_contents(path, text, -1, NULL));
  g_unlink(report);
  char *args = g_strdup_printf("run %s --report %s", path, report);
  ck_assert_int_eq(run(args, &out, &err), 2);
  char *want = g_strdup_printf("%s:4:12: expected a duration with a unit (ns, us, ms, s, min, h), "
                               "found '10'\n", path);
  ck_assert_str_eq(err, want);
  ck_assert(!g_file_test(report, G_FILE_TEST_EXISTS));
  g_unlink(path);
  g_free(want);
  g_free(path);
  g_free(report);
  g_free(args);
  g_free(out);
  g_free(err);
}
END_TEST

START_TEST(usage_errors_exit_two) {
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run("run", &out, &err), 2);
  ck_assert_str_eq(err, "faultline run: expected one scenario file, found 0 arguments\n");
  g_free(out);
  g_free(err);
  ck_assert_int_eq(run("run scenarios/rbcast/steady.fl --duration 5", &out, &err), 2);
  ck_assert_str_eq(err, "faultline run: --duration: expected a duration with a unit (ns, us, "
                        "ms, s, min, h), found '5'\n");
  g_free(out);
  g_free(err);
  ck_assert_int_eq(run("run no/such/file.fl", &out, &err), 2);
  ck_assert(g_str_has_prefix(err, "no/such/file.fl: "));
  g_free(out);
  g_free(err);
}
END_TEST

static char *digest_line(const char *args) {
  char *out = NULL, *err = NULL;
  run(args, &out, &err);
  char *line = strstr(out, "digest 0x");
  char *d = line ? g_strndup(line, strlen("digest 0x") + 16) : g_strdup("none");
  g_free(out);
  g_free(err);
  return d;
}

START_TEST(same_seed_same_digest_in_two_processes) {
  char *a = digest_line("run --quiet scenarios/rbcast/loss.fl --seed 3");
  char *b = digest_line("run --quiet scenarios/rbcast/loss.fl --seed 3");
  char *c = digest_line("run --quiet scenarios/rbcast/loss.fl --seed 4");
  ck_assert_str_ne(a, "none");
  ck_assert_str_eq(a, b);
  ck_assert_str_ne(a, c);
  g_free(a);
  g_free(b);
  g_free(c);
}
END_TEST

START_TEST(outputs_are_written_and_trace_verifies) {
  char *out = NULL, *err = NULL;
  char *trace = tmp_path("fl-cli.trace"), *hist = tmp_path("fl-cli.edn"),
       *report = tmp_path("fl-cli.json");
  char *args = g_strdup_printf("run --quiet scenarios/rbcast/steady.fl --duration 2s --trace %s "
                               "--history %s --report %s", trace, hist, report);
  ck_assert_int_eq(run(args, &out, &err), 0);
  char *text = NULL;
  ck_assert(g_file_get_contents(report, &text, NULL, NULL));
  ck_assert_ptr_nonnull(strstr(text, "\"passed\" : true"));
  ck_assert_ptr_nonnull(strstr(text, "\"simulated_ns\" : 2000000000"));
  ck_assert_ptr_nonnull(strstr(text, "\"from\" : \"c1\",\n        \"to\" : \"n1\","));
  g_free(text);
  ck_assert(g_file_get_contents(hist, &text, NULL, NULL));
  ck_assert(g_str_has_prefix(text, "{:index 0, :type :invoke, :process 0, :f "));
  g_free(text);
  g_free(out);
  g_free(err);
  char *dump = g_strdup_printf("dump %s", trace);
  ck_assert_int_eq(run(dump, &out, &err), 0);
  ck_assert_ptr_nonnull(strstr(out, "verified"));
  g_unlink(trace);
  g_unlink(hist);
  g_unlink(report);
  g_free(dump);
  g_free(trace);
  g_free(hist);
  g_free(report);
  g_free(args);
  g_free(out);
  g_free(err);
}
END_TEST

/* The linearizability expectation reads the history back in whichever format was written. */
START_TEST(edn_history_is_checked_like_json_lines) {
  char *out = NULL, *err = NULL;
  char *edn = tmp_path("fl-cli-lin.edn"), *jsonl = tmp_path("fl-cli-lin.jsonl");
  char *a = g_strdup_printf("run scenarios/rbcast/partition.fl --history %s", edn);
  char *b = g_strdup_printf("run scenarios/rbcast/partition.fl --history %s", jsonl);
  ck_assert_int_eq(run(a, &out, &err), 0);
  char *line_a = g_strdup(strstr(out, "history      "));
  *strchr(line_a, '\n') = '\0';
  g_free(out);
  g_free(err);
  ck_assert_int_eq(run(b, &out, &err), 0);
  char *line_b = g_strdup(strstr(out, "history      "));
  *strchr(line_b, '\n') = '\0';
  ck_assert(g_str_has_prefix(line_a, "history      not linearizable ("));
  /* Same verdict and operation count; only the check's time may differ. */
  ck_assert_int_eq(strchr(line_a, ',') - line_a, strchr(line_b, ',') - line_b);
  ck_assert_int_eq(strncmp(line_a, line_b, (size_t)(strchr(line_a, ',') - line_a)), 0);
  g_unlink(edn);
  g_unlink(jsonl);
  g_free(line_a);
  g_free(line_b);
  g_free(edn);
  g_free(jsonl);
  g_free(a);
  g_free(b);
  g_free(out);
  g_free(err);
}
END_TEST

START_TEST(validate_and_list) {
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run("validate scenarios/rbcast/partition.fl", &out, &err), 0);
  ck_assert_str_eq(out, "scenarios/rbcast/partition.fl: ok (protocol rbcast, 5 nodes, 5 clients, "
                        "2 timeline events, 4 expectations)\n");
  g_free(out);
  g_free(err);
  ck_assert_int_eq(run("list", &out, &err), 0);
  ck_assert(g_str_has_prefix(out, "raft         Raft consensus (Figure 2, PreVote, CheckQuorum"));
  ck_assert_ptr_nonnull(strstr(out, "\nrbcast       reliable broadcast"));
  ck_assert_ptr_nonnull(strstr(out, "    prevote            yes/no, default no: "));
  ck_assert_ptr_nonnull(strstr(out, "    retransmission     yes/no, default yes: "));
  g_free(out);
  g_free(err);
}
END_TEST

/* A runaway (issue 9, item 2): Raft whose clients retry at once over 1 ns links while no
 * node is leader: redirects ping-pong and simulated time crawls. The stall guard stops it in
 * well under a second of wall time, with exit status 4. */
START_TEST(runaway_run_exits_four) {
  char *out = NULL, *err = NULL;
  char *path = tmp_path("fl-cli-runaway.fl");
  const char *text = "[cluster]\nprotocol = raft\nnodes = 3\nseed = 1\nduration = 10s\n"
                     "[network]\nlatency = constant(1ns)\n"
                     "[workload]\nclients = 3\nretry = 0s\n";
  ck_assert(g_file_set_contents(path, text, -1, NULL));
  char *args = g_strdup_printf("run --quiet %s", path);
  gint64 t0 = g_get_monotonic_time();
  ck_assert_int_eq(run(args, &out, &err), 4);
  ck_assert_int_lt(g_get_monotonic_time() - t0, 60 * G_USEC_PER_SEC); /* it finishes */
  char *want = g_strdup_printf("RUNAWAY %s seed 1 digest 0x", path);
  ck_assert_msg(g_str_has_prefix(out, want), "%s", out);
  ck_assert_msg(strstr(out, "\n  protocol raft, at ") &&
                    strstr(out, " (event 500000): runaway: simulated time stands still: "),
                "%s", out);
  g_free(want);
  want = g_strdup_printf("\n  reproduce: faultline run '%s' --seed 1\n", path);
  ck_assert(g_str_has_suffix(out, want));
  g_free(want);
  g_free(out);
  g_free(err);
  /* The summary says why. */
  g_free(args);
  args = g_strdup_printf("run %s", path);
  ck_assert_int_eq(run(args, &out, &err), 4);
  ck_assert_ptr_nonnull(strstr(out, "\nstopped      a run budget was exceeded: protocol raft, at "));
  ck_assert_ptr_nonnull(strstr(out, "\nverdict      FAIL (runaway: stopped by a run budget)\n"));
  g_unlink(path);
  g_free(path);
  g_free(args);
  g_free(out);
  g_free(err);
}
END_TEST

START_TEST(event_budget_exits_four_in_run_and_sweep) {
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run("run --quiet scenarios/raft/leader-crash.fl --max-events 1000", &out, &err),
                   4);
  ck_assert_msg(g_str_has_prefix(out, "RUNAWAY scenarios/raft/leader-crash.fl seed 1 digest 0x"),
                "%s", out);
  ck_assert_ptr_nonnull(strstr(out, "\n  protocol raft, at 459.2ms (event 1000): runaway: the "
                                    "event budget ran out (--max-events 1000; raise it, or 0 "
                                    "for none) at 459.2ms of 20s; the last events: "));
  ck_assert(g_str_has_suffix(out, "\n  reproduce: faultline run 'scenarios/raft/leader-crash.fl' "
                                  "--seed 1 --max-events 1000\n"));
  g_free(out);
  g_free(err);
  ck_assert_int_eq(run("sweep scenarios/raft/leader-crash.fl --seeds 1..2 --jobs 2 "
                       "--max-events 1000", &out, &err), 4);
  ck_assert_msg(g_str_has_prefix(out, "RUNAWAY seed 1\n  protocol raft, at 459.2ms (event 1000)"),
                "%s", out);
  ck_assert_ptr_nonnull(strstr(out, "\nRUNAWAY seed 2\n"));
  ck_assert_ptr_nonnull(strstr(out, "\nsweep scenarios/raft/leader-crash.fl: 2 seeds (1..2), 2 "
                                    "failed (2 runaway); "));
  g_free(out);
  g_free(err);
  ck_assert_int_eq(run("run scenarios/raft/leader-crash.fl --max-memory -2", &out, &err), 2);
  ck_assert_str_eq(err, "faultline run: --max-events and --max-memory: expected 0 (no limit) "
                        "or more, found -2\n");
  g_free(out);
  g_free(err);
}
END_TEST

int main(void) {
  Suite *s = suite_create("cli");
  TCase *tc = tcase_create("cli");
  tcase_set_timeout(tc, 180);
  tcase_add_test(tc, version_and_help_exit_zero);
  tcase_add_test(tc, unknown_command_exits_two);
  tcase_add_test(tc, passing_scenario_exits_zero);
  tcase_add_test(tc, failing_expectation_exits_one);
  tcase_add_test(tc, malformed_scenario_exits_two_without_outputs);
  tcase_add_test(tc, usage_errors_exit_two);
  tcase_add_test(tc, same_seed_same_digest_in_two_processes);
  tcase_add_test(tc, outputs_are_written_and_trace_verifies);
  tcase_add_test(tc, edn_history_is_checked_like_json_lines);
  tcase_add_test(tc, validate_and_list);
  tcase_add_test(tc, runaway_run_exits_four);
  tcase_add_test(tc, event_budget_exits_four_in_run_and_sweep);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
