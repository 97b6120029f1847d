/* Tests of the faultline command line: exit codes, messages, outputs and determinism across
 * processes. */
#include "fl_test.h"
#include "trace.h"

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

/* dump names endpoints from the header's node count: "nodes": INT64_MIN made `e - nodes + 1`
 * overflow, an empty header or a string count went by with nodes = 0 (and Json-CRITICAL on
 * stderr). Each is an error naming the file and the member; stderr holds only that line. */
START_TEST(dump_checks_the_header_before_using_it) {
  const struct {
    const char *meta, *want;
  } cases[] = {
      {"{\"nodes\":-9223372036854775808,\"clients\":1}",
       "header.nodes: expected an integer from 1 to 1000, found -9223372036854775808"},
      {"", "header: expected a JSON object, found an empty header"},
      {"{\"nodes\":\"3\"}", "header.nodes: expected an integer from 1 to 1000, found a string"},
      {"{\"clients\":3}", "header.nodes: expected an integer from 1 to 1000, found no such member"},
      {"{\"nodes\":1001}", "header.nodes: expected an integer from 1 to 1000, found 1001"},
      {"[1]", "header: expected a JSON object, found '[1]'"},
  };
  char *path = tmp_path("fl-cli-header.trace");
  char *args = g_strdup_printf("dump %s", path);
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    fl_trace *t = fl_trace_open(path, cases[i].meta, NULL);
    ck_assert_ptr_nonnull(t);
    fl_trace_node_event(t, 5, FL_TR_CRASH, 0);
    ck_assert(fl_trace_close(t, true, NULL));
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(run(args, &out, &err), 2);
    char *want = g_strdup_printf("%s: %s\n", path, cases[i].want);
    ck_assert_str_eq(err, want);
    ck_assert_str_eq(out, "");
    g_free(want);
    g_free(out);
    g_free(err);
  }
  /* A good header: the node and its record. */
  fl_trace *t = fl_trace_open(path, "{\"nodes\":2}", NULL);
  fl_trace_node_event(t, 5, FL_TR_CRASH, 1);
  fl_trace_complete(t, 6, 2, 0, 1, 1, false, 0);
  ck_assert(fl_trace_close(t, true, NULL));
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run(args, &out, &err), 0);
  ck_assert_msg(strstr(out, "crash     n2\n") && strstr(out, "complete  c1 p0 #1 ok\n"), "out: %s",
                out);
  ck_assert_str_eq(err, "");
  g_free(out);
  g_free(err);
  g_unlink(path);
  g_free(path);
  g_free(args);
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
  tcase_add_test(tc, dump_checks_the_header_before_using_it);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
