/* Tests of the faultline command line: exit codes, messages, outputs and determinism across
 * processes. */
#include "fl_test.h"
#include "report.h"
#include "trace.h"

#include <elf.h>
#include <stdbool.h>
#include <errno.h>
#include <signal.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

static int run(const char *args, char **out, char **err) { return fl_test_cli(args, out, err); }

/* The end of every reproduce line: the build that made the run. */
static char *tag(void) {
  return g_strdup_printf("  # faultline %s, commit %s", FL_VERSION, fl_report_commit());
}

/* The digest on run --quiet's first line ("... digest 0x0123456789abcdef"), as text. */
static char *digest_of(const char *out) {
  const char *d = strstr(out, " digest 0x");
  ck_assert_ptr_nonnull(d);
  return g_strndup(d + strlen(" digest "), 18);
}

/* A path in $TMPDIR of this process's own (two suites running at once never share a file). */
static char *tmp_path(const char *name) {
  return g_strdup_printf("%s/%d-%s", g_get_tmp_dir(), (int)getpid(), name);
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
                        "sweep, merge, validate, list, lincheck, dump, viz, cap, plot, digest-check, "
                        "explore, shrink, blame)\n");
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
  char *t = tag(), *d = digest_of(out);
  char *repro = g_strdup_printf("  reproduce: faultline run '%s' --seed 1 --expect-digest %s%s\n",
                                path, d, t);
  g_free(t);
  g_free(d);
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

/* The report's leader comes from the nodes' status: after the leader's crash at 5 s, n2
 * leads term 2 and the crashed n3 has no status. */
START_TEST(the_report_names_the_final_leader_from_status) {
  char *out = NULL, *err = NULL, *report = tmp_path("fl-cli-leader.json");
  char *args = g_strdup_printf("run scenarios/raft/leader-crash.fl --duration 7s --report %s",
                               report);
  ck_assert_int_eq(run(args, &out, &err), 0);
  ck_assert_ptr_nonnull(strstr(out, "\nleader       n2, term 2 (1 leader, 3 follower, 1 down)\n"));
  char *text = NULL;
  ck_assert(g_file_get_contents(report, &text, NULL, NULL));
  ck_assert_ptr_nonnull(strstr(text, "  \"node_status\" : [\n    {\n      \"role\" : \"follower\",\n"
                                     "      \"word\" : \"\",\n      \"term\" : 2,\n"
                                     "      \"leader\" : \"n2\",\n      \"commit\" : 1128,\n"
                                     "      \"applied\" : 1128\n    },\n    {\n"
                                     "      \"role\" : \"leader\",\n"));
  ck_assert_ptr_nonnull(strstr(text, "\n    null,\n"));
  ck_assert_ptr_nonnull(strstr(text, "\n  ],\n  \"leader\" : \"n2\",\n"));
  ck_assert_ptr_nonnull(strstr(text, "\"nodes\" : 5,"));
  g_free(text);
  g_unlink(report);
  g_free(report);
  g_free(args);
  g_free(out);
  g_free(err);
  /* A protocol whose nodes have no term (rbcast's replicas) gets no leader line. */
  ck_assert_int_eq(run("run scenarios/rbcast/steady.fl --duration 1s", &out, &err), 0);
  ck_assert_ptr_null(strstr(out, "\nleader "));
  g_free(out);
  g_free(err);
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
  ck_assert(g_str_has_prefix(out, "eventual     Dynamo-style eventually consistent store"));
  ck_assert_ptr_nonnull(strstr(out, "\npaxos        Multi-Paxos (stable leader, ballots, no-op fill"));
  ck_assert_ptr_nonnull(strstr(out, "\nraft         Raft consensus (Figure 2, PreVote, CheckQuorum"));
  ck_assert_ptr_nonnull(strstr(out, "\nrbcast       reliable broadcast"));
  ck_assert_ptr_nonnull(strstr(out, "    prevote            yes/no, default no: "));
  ck_assert_ptr_nonnull(strstr(out, "    retransmission     yes/no, default yes: "));
  g_free(out);
  g_free(err);
}
END_TEST

/* --set SECTION.KEY=VALUE overrides a scenario value, checked as if the file said it; its
 * errors name the override. */
START_TEST(set_overrides_and_their_errors) {
  static const struct {
    const char *args, *err;
  } bad[] = {
      {"validate scenarios/raft/leader-crash.fl --set raft.heartbeat=0ms",
       "--set raft.heartbeat=0ms: expected a duration from 1ns to 100000h, found '0ms'\n"},
      {"validate scenarios/raft/leader-crash.fl --set raft.heartbeat=0ms --set raft.heartbeat=9ms",
       ""}, /* the last override of a key wins */
      {"validate scenarios/raft/leader-crash.fl --set raft.foo=1",
       "--set raft.foo=1: expected an option of protocol raft (election_timeout, heartbeat, "
       "prevote, check_quorum, read, max_batch, snapshot_every, checksum, bug), found 'foo'\n"},
      {"validate scenarios/raft/leader-crash.fl --set foo.bar=1",
       "--set foo.bar=1: expected a section cluster, network, nodes, workload or raft (the "
       "protocol's), found 'foo'\n"},
      {"validate scenarios/raft/leader-crash.fl --set cluster.foo=1",
       "--set cluster.foo=1: expected a key of [cluster] (protocol, nodes, seed, duration, members), found "
       "'foo'\n"},
      {"validate scenarios/raft/leader-crash.fl --set network.loss=200%",
       "--set network.loss=200%: expected a percentage from 0% to 100% or a fraction from 0 to 1, "
       "found '200%'\n"},
      {"run scenarios/raft/leader-crash.fl --set 'workload.timeout=1 s'",
       "--set workload.timeout=1 s: expected a duration with a unit (ns, us, ms, s, min, h), found "
       "'1'\n"},
      {"validate scenarios/raft/leader-crash.fl --set bad",
       "--set bad: expected SECTION.KEY=VALUE such as raft.heartbeat=50ms, found 'bad'\n"},
      {"validate scenarios/raft/leader-crash.fl --set timeline.x=1",
       "--set timeline.x=1: expected a section cluster, network, nodes, workload or raft (the "
       "protocol's), found 'timeline'\n"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(run(bad[i].args, &out, &err), *bad[i].err ? 2 : 0);
    ck_assert_str_eq(err, bad[i].err);
    g_free(out);
    g_free(err);
  }
  /* A key the file does not set is added; one it sets is replaced. */
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run("validate scenarios/rbcast/partition.fl --set workload.clients=2 --set "
                       "rbcast.retransmit=20ms", &out, &err), 0);
  ck_assert_str_eq(out, "scenarios/rbcast/partition.fl: ok (protocol rbcast, 5 nodes, 2 clients, "
                        "2 timeline events, 4 expectations)\n");
  g_free(out);
  g_free(err);
  ck_assert_int_eq(run("run -q scenarios/raft/leader-crash.fl --set network.loss=5% --set "
                       "workload.clients=2", &out, &err), 1);
  char *t = tag();
  char *want = g_strdup_printf(
      "FAIL scenarios/raft/leader-crash.fl seed 1 digest 0x357b18317cfae0a4\n"
      "  FAIL availability(all, 6s..20s) >= 99%%: 87.8%% (267 of 304 operations answered)\n"
      "  reproduce: faultline run 'scenarios/raft/leader-crash.fl' --seed 1 "
      "--set 'network.loss=5%%' --set 'workload.clients=2' --expect-digest 0x357b18317cfae0a4%s\n",
      t);
  ck_assert_str_eq(out, want);
  g_free(want);
  g_free(t);
  g_free(out);
  g_free(err);
}
END_TEST

/* Random timeline times: drawn per seed from the fault stream, the same in every process, and
 * the trace says which time was drawn. */
START_TEST(random_times_are_in_the_trace) {
  static const char *want[] = {
      "PASS tests/data/random_times.fl seed 1 digest 0x463fc3f73cbe43aa\n",
      "     65.44ms net       timeline line 13 at 65.44ms (65440065ns), drawn from "
      "exponential(mean=500ms)\n"
      "      1.019s net       timeline line 12 at 1.019s (1018500519ns), drawn from "
      "uniform(1s, 1.075s)\n",
      "PASS tests/data/random_times.fl seed 2 digest 0x34baac9936ed9c26\n",
      "     210.9ms net       timeline line 13 at 210.9ms (210882899ns), drawn from "
      "exponential(mean=500ms)\n"
      "       1.02s net       timeline line 12 at 1.02s (1020056552ns), drawn from "
      "uniform(1s, 1.075s)\n"};
  char *trace = tmp_path("fl-cli-random-times.trace");
  for (int seed = 1; seed <= 2; seed++) {
    char *out = NULL, *err = NULL;
    char *args = g_strdup_printf("run -q --seed %d tests/data/random_times.fl --trace '%s'", seed,
                                 trace);
    ck_assert_int_eq(run(args, &out, &err), 0);
    ck_assert_str_eq(out, want[2 * (seed - 1)]);
    g_free(args);
    g_free(out);
    g_free(err);
    char *cmd = g_strdup_printf("'%s' dump '%s' | grep drawn", fl_test_faultline(), trace);
    ck_assert_int_eq(fl_test_sh(cmd, &out, &err), 0);
    ck_assert_str_eq(out, want[2 * (seed - 1) + 1]);
    g_free(cmd);
    g_free(out);
    g_free(err);
  }
  g_unlink(trace);
  g_free(trace);
}
END_TEST

/* lincheck --model txn: the txn checks on recorded histories, JSON lines and EDN, with the
 * verdict in their own words (the time and memory vary: compared up to them). */
START_TEST(lincheck_model_txn) {
  static const struct {
    const char *file, *line;
    int rc;
  } cases[] = {
      {"good.jsonl", "tests/data/txn/good.jsonl: serializable (ops 2, parts 1, steps 2, ", 0},
      {"fractured.jsonl",
       "tests/data/txn/fractured.jsonl: not serializable (fractured read: the transaction on "
       "line 3 read the write of 1 by the transaction on line 1, but 2 = nil, from before that "
       "transaction) (ops 2, parts 1, steps 0, ", 1},
      {"fractured.edn",
       "tests/data/txn/fractured.edn: not serializable (fractured read: the transaction on "
       "line 3 read the write of 1 by the transaction on line 1, but 2 = nil, from before that "
       "transaction) (ops 2, parts 1, steps 0, ", 1},
      {"write_skew.edn",
       "tests/data/txn/write_skew.edn: not serializable (no serial order of the 2 committed "
       "transactions gives every read its value) (ops 2, parts 1, steps 0, ", 1},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    char *out = NULL, *err = NULL;
    char *args = g_strdup_printf("lincheck --model txn tests/data/txn/%s", cases[i].file);
    ck_assert_int_eq(run(args, &out, &err), cases[i].rc);
    ck_assert_msg(g_str_has_prefix(out, cases[i].line), "%s", out);
    ck_assert_str_eq(err, "");
    g_free(args);
    g_free(out);
    g_free(err);
  }
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run("lincheck --model txn --json tests/data/txn/fractured.edn", &out, &err), 1);
  ck_assert_ptr_nonnull(strstr(out, "\"model\" : \"txn\",\n      \"check\" : \"atomic visibility "
                                    "and serializability\",\n      \"verdict\" : "
                                    "\"not-serializable\",\n"));
  g_free(out);
  g_free(err);
  ck_assert_int_eq(run("lincheck --model foo tests/data/txn/good.jsonl", &out, &err), 2);
  ck_assert_str_eq(err, "faultline lincheck: --model: unknown model 'foo'; the models are: "
                        "register, cas-register, kv, counter, set, queue, mutex, txn\n");
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
  char *t = tag(), *d = digest_of(out);
  want = g_strdup_printf("\n  reproduce: faultline run '%s' --seed 1 --expect-digest %s%s\n",
                         path, d, t);
  ck_assert(g_str_has_suffix(out, want));
  g_free(want);
  g_free(t);
  g_free(d);
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

/* ---- Output files, signals and plugins (issue 9, items 12-17). */

/* A fresh empty folder (newly allocated; remove_dir deletes it and what it holds). */
static char *make_dir(void) {
  char *d = g_dir_make_tmp("fl-cli-XXXXXX", NULL);
  ck_assert_ptr_nonnull(d);
  return d;
}

static void remove_dir(char *dir) {
  fl_test_rm_rf(dir);
  g_free(dir);
}

static char *plugin_path(const char *name) {
  const char *b = g_getenv("FL_BINARY_DIR");
  return g_build_filename(b ? b : "build", "tests", name, NULL);
}

/* Whoever started the tests may ignore SIGINT (a background job of a shell does), and faultline
 * keeps a signal ignored: the child gets the default back. */
static void default_signals(gpointer unused) {
  (void)unused;
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
}

/* A long run with every output, stopped by `sig` once it has started (its first line is printed
 * after the outputs are open, before the first event): nothing is left in its folder or in
 * $TMPDIR, and it dies of the signal. */
static void stopped_run_leaves_nothing(int sig, bool fallback) {
  char *dir = make_dir(), *tmpdir = make_dir();
  char *scn = fl_test_source_path("scenarios/rbcast/steady.fl");
  char *argv[] = {(char *)fl_test_faultline(), "run", scn, "--duration", "10000h", "--trace",
                  "OUT.trace", "--history", "OUT.jsonl", "--report", "OUT.json", NULL};
  char **env = g_get_environ();
  env = g_environ_setenv(env, "TMPDIR", tmpdir, TRUE);
  env = fallback ? g_environ_setenv(env, "FAULTLINE_NO_O_TMPFILE", "1", TRUE)
                 : g_environ_unsetenv(env, "FAULTLINE_NO_O_TMPFILE");
  GPid pid;
  int out_fd;
  ck_assert(g_spawn_async_with_pipes(dir, argv, env, G_SPAWN_DO_NOT_REAP_CHILD, default_signals,
                                     NULL, &pid, NULL, &out_fd, NULL, NULL));
  char line[64];
  size_t got = 0;
  while (got < sizeof line - 1 && (got == 0 || line[got - 1] != '\n')) {
    ssize_t k = read(out_fd, line + got, 1);
    if (k < 0 && errno == EINTR) continue;
    ck_assert_int_eq(k, 1);
    got++;
  }
  line[got] = '\0';
  ck_assert_str_eq(line, "seed         1\n");
  char *during = fl_test_listing(dir);
  /* The test can fail: the fallback's temporaries are there, by name, until the signal. */
  if (fallback) {
    char **names = g_strsplit(during, "\n", -1);
    ck_assert_int_eq(g_strv_length(names), 4);
    ck_assert(g_str_has_prefix(names[0], "OUT.json.tmp."));
    ck_assert(g_str_has_prefix(names[1], "OUT.jsonl.tmp."));
    ck_assert(g_str_has_prefix(names[2], "OUT.trace.tmp."));
    g_strfreev(names);
  } else {
    ck_assert_str_eq(during, "");
  }
  ck_assert_int_eq(kill(pid, sig), 0);
  int status = 0;
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert(WIFSIGNALED(status));
  ck_assert_int_eq(WTERMSIG(status), sig);
  char *after = fl_test_listing(dir), *in_tmp = fl_test_listing(tmpdir);
  ck_assert_str_eq(after, "");
  ck_assert_str_eq(in_tmp, "");
  close(out_fd);
  g_free(during);
  g_free(after);
  g_free(in_tmp);
  g_strfreev(env);
  g_free(scn);
  remove_dir(dir);
  remove_dir(tmpdir);
}

START_TEST(signals_leave_no_temporaries) {
  stopped_run_leaves_nothing(SIGINT, false);
  stopped_run_leaves_nothing(SIGTERM, false);
  stopped_run_leaves_nothing(SIGINT, true);
  stopped_run_leaves_nothing(SIGTERM, true);
}
END_TEST

/* No --history: nothing is written to $TMPDIR, so a missing or unwritable one is no matter
 * (the lab scenario expects a linearizable history: it is checked from memory). */
START_TEST(plain_run_needs_no_tmpdir) {
  char *plugin = plugin_path("lab_protocol.so");
  const char *tmpdirs[] = {"/nonexistent-dir", "/proc/self"};
  for (size_t i = 0; i < G_N_ELEMENTS(tmpdirs); i++) {
    char *out = NULL, *err = NULL;
    char *args = g_strdup_printf("run --quiet tests/plugin/lab.fl --plugin '%s'", plugin);
    char *cmd = g_strdup_printf("TMPDIR=%s '%s' %s", tmpdirs[i], fl_test_faultline(), args);
    char *src = fl_test_source_path("");
    char *full = g_strdup_printf("cd '%s' && %s", src, cmd);
    ck_assert_int_eq(fl_test_sh(full, &out, &err), 0);
    ck_assert(g_str_has_prefix(out, "PASS tests/plugin/lab.fl seed 1 digest 0x"));
    ck_assert_str_eq(err, "");
    g_free(full);
    g_free(src);
    g_free(cmd);
    g_free(args);
    g_free(out);
    g_free(err);
  }
  g_free(plugin);
}
END_TEST

static int run_in(const char *dir, const char *args, char **out, char **err) {
  char *cmd = g_strdup_printf("cd '%s' && '%s' %s", dir, fl_test_faultline(), args);
  int rc = fl_test_sh(cmd, out, err);
  g_free(cmd);
  return rc;
}

START_TEST(outputs_that_are_one_file_are_refused) {
  char *dir = make_dir();
  char *scn = fl_test_source_path("scenarios/rbcast/steady.fl");
  char *text = NULL;
  ck_assert(g_file_get_contents(scn, &text, NULL, NULL));
  char *copy = g_build_filename(dir, "s.fl", NULL);
  ck_assert(g_file_set_contents(copy, text, -1, NULL));
  char *link = g_build_filename(dir, "link.json", NULL);
  ck_assert_int_eq(symlink("s.fl", link), 0);
  static const struct {
    const char *args, *err;
  } cases[] = {
      {"run s.fl --report s.fl",
       "faultline run: --report 's.fl' and the scenario 's.fl' are the same file\n"},
      {"run s.fl --trace ./s.fl",
       "faultline run: --trace './s.fl' and the scenario 's.fl' are the same file\n"},
      {"run s.fl --report link.json",
       "faultline run: --report 'link.json' and the scenario 's.fl' are the same file\n"},
      {"run s.fl --trace X --history X",
       "faultline run: --trace 'X' and --history 'X' are the same file\n"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(run_in(dir, cases[i].args, &out, &err), 2);
    ck_assert_str_eq(err, cases[i].err);
    ck_assert_str_eq(out, "");
    g_free(out);
    g_free(err);
  }
  /* Not yet existing, named two ways: compared by resolved path; the message names them as
   * given. */
  char *out = NULL, *err = NULL;
  char *args = g_strdup_printf("run s.fl --trace X --report %s/X", dir);
  ck_assert_int_eq(run_in(dir, args, &out, &err), 2);
  char *want = g_strdup_printf("faultline run: --trace 'X' and --report '%s/X' are the same "
                               "file\n", dir);
  ck_assert_str_eq(err, want);
  g_free(want);
  g_free(args);
  g_free(out);
  g_free(err);
  /* The scenario is untouched and nothing was created. */
  char *now = NULL;
  ck_assert(g_file_get_contents(copy, &now, NULL, NULL));
  ck_assert_str_eq(now, text);
  char *names = fl_test_listing(dir);
  ck_assert_str_eq(names, "link.json\ns.fl\n");
  g_free(names);
  g_free(now);
  g_free(text);
  g_free(copy);
  g_free(link);
  g_free(scn);
  remove_dir(dir);
}
END_TEST

START_TEST(devices_are_written_through_and_symlinks_followed) {
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run("run --quiet scenarios/rbcast/steady.fl --duration 2s --trace /dev/null "
                       "--history /dev/null --report /dev/null", &out, &err), 0);
  ck_assert(g_str_has_prefix(out, "PASS scenarios/rbcast/steady.fl seed 1 digest 0x"));
  ck_assert_str_eq(err, "");
  struct stat st;
  ck_assert_int_eq(stat("/dev/null", &st), 0);
  ck_assert(S_ISCHR(st.st_mode));
  g_free(out);
  g_free(err);
  /* The report after the summary, on the same descriptor. */
  ck_assert_int_eq(run("run --quiet scenarios/rbcast/steady.fl --duration 2s --report /dev/stdout",
                       &out, &err), 0);
  ck_assert(g_str_has_prefix(out, "PASS scenarios/rbcast/steady.fl seed 1 digest 0x"));
  ck_assert_ptr_nonnull(strstr(out, "\n{\n  \"faultline\" : \""));
  char *t = tag(), *d = digest_of(out);
  char *member = g_strdup_printf("\"reproduce\" : \"faultline run 'scenarios/rbcast/steady.fl' "
                                 "--seed 1 --duration 2s --expect-digest %s%s\"\n}\n", d, t);
  ck_assert(g_str_has_suffix(out, member));
  g_free(member);
  g_free(t);
  g_free(d);
  g_free(out);
  g_free(err);
  /* A symlink stays a link; the file it names is written, then replaced. */
  char *dir = make_dir();
  char *link = g_build_filename(dir, "link.json", NULL), *real = g_build_filename(dir, "real.json", NULL);
  ck_assert_int_eq(symlink("real.json", link), 0);
  char *args = g_strdup_printf("run --quiet scenarios/rbcast/steady.fl --duration 2s --report %s", link);
  for (int round = 0; round < 2; round++) {
    ck_assert_int_eq(run(args, &out, &err), 0);
    ck_assert_int_eq(lstat(link, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    ck_assert_int_eq(lstat(real, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    char *text = NULL;
    ck_assert(g_file_get_contents(real, &text, NULL, NULL));
    ck_assert_ptr_nonnull(strstr(text, "\"passed\" : true"));
    g_free(text);
    char *names = fl_test_listing(dir);
    ck_assert_str_eq(names, "link.json\nreal.json\n");
    g_free(names);
    g_free(out);
    g_free(err);
  }
  g_free(args);
  g_free(link);
  g_free(real);
  remove_dir(dir);
}
END_TEST

/* Every output is opened before the run: the error comes before the seed line, and an hour of
 * simulated time is not spent first. */
START_TEST(bad_output_paths_fail_before_the_run) {
  static const char *kinds[] = {"trace", "history", "report"};
  for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
    char *out = NULL, *err = NULL;
    char *args = g_strdup_printf("run scenarios/rbcast/steady.fl --duration 10000h --%s "
                                 "/nonexistent-dir/out.json", kinds[i]);
    ck_assert_int_eq(run(args, &out, &err), 2);
    char *want = g_strdup_printf("faultline run: cannot write %s '/nonexistent-dir/out.json': "
                                 "No such file or directory\n", kinds[i]);
    ck_assert_str_eq(err, want);
    ck_assert_str_eq(out, "");
    g_free(want);
    g_free(args);
    g_free(out);
    g_free(err);
  }
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run("run scenarios/rbcast/steady.fl --report /tmp", &out, &err), 2);
  ck_assert_str_eq(err, "faultline run: cannot write report '/tmp': Is a directory\n");
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
  char *t = tag(), *d = digest_of(out);
  char *line = g_strdup_printf("\n  reproduce: faultline run 'scenarios/raft/leader-crash.fl' "
                               "--seed 1 --max-events 1000 --expect-digest %s%s\n", d, t);
  ck_assert(g_str_has_suffix(out, line));
  g_free(line);
  g_free(t);
  g_free(d);
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

/* The bytes the test plugin's ELF headers say it has (as the loader's check computes them). */
static guint64 elf_size(const char *text, gsize len) {
  ck_assert_uint_ge(len, sizeof(Elf64_Ehdr));
  const Elf64_Ehdr *e = (const Elf64_Ehdr *)text;
  guint64 need = MAX(e->e_phoff + (guint64)e->e_phnum * e->e_phentsize,
                     e->e_shoff + (guint64)e->e_shnum * e->e_shentsize);
  for (int i = 0; i < e->e_phnum; i++) {
    const Elf64_Phdr *p = (const Elf64_Phdr *)(text + e->e_phoff + (gsize)i * e->e_phentsize);
    if (p->p_type == PT_LOAD) need = MAX(need, p->p_offset + p->p_filesz);
  }
  return need;
}

START_TEST(plugins_are_resolved_and_checked) {
  char *plugin = plugin_path("lab_protocol.so");
  char *dir = g_path_get_dirname(plugin);
  char *out = NULL, *err = NULL;
  /* A bare name is the file in the working directory. */
  ck_assert_int_eq(run_in(dir, "list --plugin lab_protocol.so", &out, &err), 0);
  ck_assert_ptr_nonnull(strstr(out, "\nlab-register a lab's single-node register, loaded as a plugin\n"
                                    "    ping_every         duration, default 10ms, from 1ms to 1s: "));
  g_free(out);
  g_free(err);
  char *text = NULL;
  gsize len = 0;
  ck_assert(g_file_get_contents(plugin, &text, &len, NULL));
  char *work = make_dir();
  char *cut = g_build_filename(work, "cut.so", NULL), *tiny = g_build_filename(work, "tiny.so", NULL),
       *txt = g_build_filename(work, "text.so", NULL);
  ck_assert(g_file_set_contents(cut, text, (gssize)(len / 2), NULL));
  ck_assert(g_file_set_contents(tiny, text, 20, NULL));
  ck_assert(g_file_set_contents(txt, "not a plugin\n", -1, NULL));
  char *cut_msg = g_strdup_printf("cut.so: cannot load plugin: the file is truncated (%"
                                  G_GSIZE_FORMAT " bytes; its ELF headers describe %"
                                  G_GUINT64_FORMAT ")\n", len / 2, elf_size(text, len));
  char *cut_list = g_strconcat("faultline list: ", cut_msg, NULL),
       *cut_run = g_strconcat("faultline run: ", cut_msg, NULL);
  const struct {
    const char *args, *err;
  } cases[] = {
      {"list --plugin .", "faultline list: .: cannot load plugin: it is a directory, not a shared "
                          "object\n"},
      {"list --plugin nope.so",
       "faultline list: nope.so: cannot load plugin: No such file or directory\n"},
      {"list --plugin cut.so", cut_list},
      {"run --plugin cut.so no-such.fl", cut_run},
      {"list --plugin tiny.so", "faultline list: tiny.so: cannot load plugin: the file is "
                                "truncated (20 bytes; its ELF headers describe 64)\n"},
      {"list --plugin text.so",
       "faultline list: text.so: cannot load plugin: not a shared object (no ELF header)\n"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    ck_assert_int_eq(run_in(work, cases[i].args, &out, &err), 2);
    ck_assert_str_eq(err, cases[i].err);
    ck_assert_str_eq(out, "");
    g_free(out);
    g_free(err);
  }
  g_free(cut_msg);
  g_free(cut_list);
  g_free(cut_run);
  g_free(cut);
  g_free(tiny);
  g_free(txt);
  g_free(text);
  remove_dir(work);
  g_free(dir);
  g_free(plugin);
}
END_TEST

START_TEST(list_and_validate_load_plugins_in_order) {
  char *a = plugin_path("lab_protocol.so"), *b = plugin_path("lab_protocol2.so");
  char *out = NULL, *err = NULL;
  char *args = g_strdup_printf("list --plugin '%s' --plugin '%s'", a, b);
  ck_assert_int_eq(run(args, &out, &err), 0);
  ck_assert_ptr_nonnull(strstr(out, "\nlab-register a lab's single-node register"));
  ck_assert_ptr_nonnull(strstr(out, "\nlab-register-2 a lab's single-node register"));
  g_free(args);
  g_free(out);
  g_free(err);
  args = g_strdup_printf("validate --plugin '%s' tests/plugin/lab.fl tests/plugin/lab-crash.fl", a);
  ck_assert_int_eq(run(args, &out, &err), 0);
  ck_assert_str_eq(out, "tests/plugin/lab.fl: ok (protocol lab-register, 1 node, 3 clients, 0 "
                        "timeline events, 3 expectations)\n"
                        "tests/plugin/lab-crash.fl: ok (protocol lab-register, 2 nodes, 1 "
                        "client, 0 timeline events, 0 expectations)\n");
  g_free(args);
  g_free(out);
  g_free(err);
  /* The same plugin twice registers its protocol twice: refused, clearly. */
  args = g_strdup_printf("list --plugin '%s' --plugin '%s'", a, a);
  ck_assert_int_eq(run(args, &out, &err), 2);
  char *want = g_strdup_printf("faultline list: %s: a protocol named 'lab-register' is already "
                               "registered\n", a);
  ck_assert_str_eq(err, want);
  g_free(want);
  g_free(args);
  g_free(out);
  g_free(err);
  g_free(a);
  g_free(b);
}
END_TEST

/* Pasting a reproduce line must run the same thing: it names the plugin (and the duration). */
START_TEST(reproduce_lines_name_the_plugin) {
  char *plugin = plugin_path("lab_protocol.so");
  char *dir = make_dir();
  char *scn = g_build_filename(dir, "lab-fail.fl", NULL), *report = g_build_filename(dir, "r.json", NULL);
  ck_assert(g_file_set_contents(scn, "[cluster]\nprotocol = lab-register\nnodes = 1\nduration = 1s\n"
                                     "[expect]\ninvariants = violated\n", -1, NULL));
  char *out = NULL, *err = NULL;
  char *args = g_strdup_printf("run --quiet '%s' --duration 2s --plugin '%s' --report '%s'", scn,
                               plugin, report);
  ck_assert_int_eq(run(args, &out, &err), 1);
  char *t = tag(), *d = digest_of(out);
  char *cmd = g_strdup_printf("faultline run '%s' --seed 1 --duration 2s --plugin '%s' "
                              "--expect-digest %s%s", scn, plugin, d, t);
  g_free(t);
  g_free(d);
  char *line = g_strdup_printf("\n  reproduce: %s\n", cmd);
  ck_assert(g_str_has_suffix(out, line));
  char *json = NULL;
  ck_assert(g_file_get_contents(report, &json, NULL, NULL));
  char *member = g_strdup_printf("\"reproduce\" : \"%s\"", cmd);
  ck_assert_ptr_nonnull(strstr(json, member));
  g_free(out);
  g_free(err);
  /* And the line runs, pasted as it is (the build comment included): the same verdict and
   * digest again. */
  char *again = g_strdup_printf("run --quiet %s", cmd + strlen("faultline run "));
  ck_assert_int_eq(run(again, &out, &err), 1);
  ck_assert(g_str_has_suffix(out, line));
  g_free(again);
  g_free(member);
  g_free(json);
  g_free(line);
  g_free(cmd);
  g_free(args);
  g_free(out);
  g_free(err);
  g_free(scn);
  g_free(report);
  remove_dir(dir);
  g_free(plugin);
}
END_TEST

/* A protocol that crashes: where, when, and the command that reproduces it; status 1 (a failed
 * run, not a usage error); no output left behind. */
START_TEST(protocol_crash_is_reported) {
  char *plugin = plugin_path("lab_protocol.so");
  char *dir = make_dir();
  static const struct {
    const char *with, *sig;
  } cases[] = {{"segv", "SIGSEGV"}, {"abort", "SIGABRT"}};
  char *t = tag();
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    char *scn = g_build_filename(dir, "crash.fl", NULL);
    char *text = g_strdup_printf("[cluster]\nprotocol = lab-register\nnodes = 2\nduration = 5s\n"
                                 "[lab-register]\ncrash_at = 3\ncrash_with = %s\n", cases[i].with);
    ck_assert(g_file_set_contents(scn, text, -1, NULL));
    char *out = NULL, *err = NULL;
    char *args = g_strdup_printf("run '%s' --plugin '%s' --trace '%s/t.trace'", scn, plugin, dir);
    ck_assert_int_eq(run(args, &out, &err), 1);
    ck_assert_str_eq(out, "seed         1\n");
    char *want = g_strdup_printf(
        "faultline: protocol lab-register crashed (%s) in on_timer at node n1, event 18, 30ms\n"
        "  reproduce: faultline run '%s' --seed 1 --plugin '%s'%s\n", cases[i].sig, scn, plugin,
        t);
    /* abort() may print nothing before; g_assert would. The report is the last thing. */
    ck_assert(g_str_has_suffix(err, want));
    char *names = fl_test_listing(dir);
    ck_assert_str_eq(names, "crash.fl\n");
    g_free(names);
    g_free(want);
    g_free(args);
    g_free(out);
    g_free(err);
    g_free(text);
    g_free(scn);
  }
  g_free(t);
  remove_dir(dir);
  g_free(plugin);
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


/* --expect-digest: the reproduce line's digest replays quietly; another digest fails loudly
 * (status 5, both digests named) whatever the verdict; a malformed one is a usage error. */
START_TEST(expect_digest_fails_loudly_on_divergence) {
  static const char *bug = "scenarios/raft/bugs/vote-twice-per-term.fl";
  char *out = NULL, *err = NULL;
  char *args = g_strdup_printf("run --quiet %s --seed 19 --expect-digest 0x329548163b69e6d1", bug);
  ck_assert_int_eq(run(args, &out, &err), 1);
  ck_assert_str_eq(err, "");
  ck_assert(g_str_has_prefix(out, "FAIL scenarios/raft/bugs/vote-twice-per-term.fl seed 19 "
                                  "digest 0x329548163b69e6d1\n"));
  g_free(args);
  g_free(out);
  g_free(err);
  args = g_strdup_printf("run --quiet %s --seed 19 --expect-digest 0x29548163b69e6d1", bug);
  ck_assert_int_eq(run(args, &out, &err), 5);
  ck_assert_str_eq(err, "faultline run: digest 0x329548163b69e6d1 differs from --expect-digest "
                        "0x029548163b69e6d1: this run diverged from the one it was to reproduce "
                        "(another faultline build, scenario file or plugin?)\n");
  g_free(args);
  g_free(out);
  g_free(err);
  /* A passing run that diverged fails too. */
  ck_assert_int_eq(run("run --quiet scenarios/rbcast/steady.fl --duration 100ms --expect-digest "
                       "0x1", &out, &err), 5);
  ck_assert(g_str_has_prefix(out, "PASS "));
  ck_assert(g_str_has_suffix(err, " differs from --expect-digest 0x0000000000000001: this run "
                                  "diverged from the one it was to reproduce (another faultline "
                                  "build, scenario file or plugin?)\n"));
  g_free(out);
  g_free(err);
  static const char *bad[] = {"zz", "0x", "0x12345678901234567", "12", "0xg1"};
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    args = g_strdup_printf("run --quiet %s --expect-digest %s", bug, bad[i]);
    ck_assert_int_eq(run(args, &out, &err), 2);
    char *want = g_strdup_printf("faultline run: --expect-digest: expected 0x and 1 to 16 hex "
                                 "digits, found '%s'\n", bad[i]);
    ck_assert_str_eq(err, want);
    g_free(want);
    g_free(args);
    g_free(out);
    g_free(err);
  }
}
END_TEST

/* run --junit: a testsuite named after the scenario, one testcase, the failure with the broken
 * expectation and the reproduce line; a passing run's testcase is empty. */
START_TEST(run_junit_has_one_testcase) {
  char *dir = make_dir();
  char *xml = g_build_filename(dir, "r.xml", NULL);
  char *out = NULL, *err = NULL;
  char *args = g_strdup_printf("run --quiet scenarios/raft/bugs/vote-twice-per-term.fl --seed 19 "
                               "--junit '%s'", xml);
  ck_assert_int_eq(run(args, &out, &err), 1);
  char *text = NULL;
  ck_assert(g_file_get_contents(xml, &text, NULL, NULL));
  GRegex *re = g_regex_new("time=\"[0-9.]+\"", 0, 0, NULL);
  char *got = g_regex_replace(re, text, -1, 0, "time=\"T\"", 0, NULL);
  char *t = tag();
  char *want = g_strdup_printf(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"faultline\" tests=\"1\" failures=\"1\" errors=\"0\" time=\"T\">\n"
      "  <testsuite name=\"scenarios/raft/bugs/vote-twice-per-term.fl\" tests=\"1\" failures=\"1\""
      " errors=\"0\" skipped=\"0\" time=\"T\">\n"
      "    <properties>\n"
      "      <property name=\"faultline\" value=\"%s\"/>\n"
      "      <property name=\"commit\" value=\"%s\"/>\n"
      "      <property name=\"protocol\" value=\"raft\"/>\n"
      "      <property name=\"seeds\" value=\"19..19\"/>\n"
      "      <property name=\"shard\" value=\"1/1\"/>\n"
      "    </properties>\n"
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
      "</testsuites>\n", FL_VERSION, fl_report_commit(), t);
  ck_assert_str_eq(got, want);
  g_free(want);
  g_free(got);
  g_free(text);
  g_free(args);
  g_free(out);
  g_free(err);
  args = g_strdup_printf("run --quiet scenarios/rbcast/steady.fl --duration 2s --junit '%s'", xml);
  ck_assert_int_eq(run(args, &out, &err), 0);
  ck_assert(g_file_get_contents(xml, &text, NULL, NULL));
  ck_assert_ptr_nonnull(strstr(text, " tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\" "));
  ck_assert_ptr_nonnull(strstr(text, "\n    <testcase classname=\"scenarios/rbcast/steady.fl\" "
                                     "name=\"seed 1\"/>\n  </testsuite>\n"));
  g_free(text);
  g_free(args);
  g_free(out);
  g_free(err);
  g_regex_unref(re);
  g_free(t);
  g_free(xml);
  remove_dir(dir);
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
  tcase_add_test(tc, the_report_names_the_final_leader_from_status);
  tcase_add_test(tc, outputs_are_written_and_trace_verifies);
  tcase_add_test(tc, edn_history_is_checked_like_json_lines);
  tcase_add_test(tc, validate_and_list);
  tcase_add_test(tc, set_overrides_and_their_errors);
  tcase_add_test(tc, random_times_are_in_the_trace);
  tcase_add_test(tc, lincheck_model_txn);
  tcase_add_test(tc, runaway_run_exits_four);
  tcase_add_test(tc, event_budget_exits_four_in_run_and_sweep);
  tcase_add_test(tc, signals_leave_no_temporaries);
  tcase_add_test(tc, plain_run_needs_no_tmpdir);
  tcase_add_test(tc, outputs_that_are_one_file_are_refused);
  tcase_add_test(tc, devices_are_written_through_and_symlinks_followed);
  tcase_add_test(tc, bad_output_paths_fail_before_the_run);
  tcase_add_test(tc, plugins_are_resolved_and_checked);
  tcase_add_test(tc, list_and_validate_load_plugins_in_order);
  tcase_add_test(tc, reproduce_lines_name_the_plugin);
  tcase_add_test(tc, protocol_crash_is_reported);
  tcase_add_test(tc, expect_digest_fails_loudly_on_divergence);
  tcase_add_test(tc, run_junit_has_one_testcase);
  tcase_add_test(tc, dump_checks_the_header_before_using_it);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
