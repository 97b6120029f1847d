/* Tests of `faultline cap` (sim/cap/cap.h) on scenarios/cap/: the outcomes the CAP comparison
 * must show, read from cap.json over seeds 1..2 -- the consensus protocols stay linearizable
 * and lose the minority side; the eventual store with R + W <= N and rbcast answer on both
 * sides and are not linearizable; 2PC stays atomic and blocks when its coordinator is cut off;
 * with no partition (PACELC's else-branch) consistency costs latency. Plus the files written and
 * the input errors. */
#include "fl_test.h"

#include <math.h>
#include <string.h>
#include <json-glib/json-glib.h>

typedef struct report {
  char *dir;
  JsonParser *parser;
  JsonArray *protocols;
} report;

static void cap(report *r, const char *scenario, const char *extra) {
  r->dir = g_dir_make_tmp("fl-cap-XXXXXX", NULL);
  char *args = g_strdup_printf("cap %s --seeds 1..2 --jobs 2 --out '%s' %s", scenario, r->dir,
                               extra ? extra : "");
  char *out = NULL, *err = NULL;
  int rc = fl_test_cli(args, &out, &err);
  if (rc != 0) ck_abort_msg("cap exited %d: %s", rc, err);
  ck_assert_str_eq(err, "");
  char *json = g_build_filename(r->dir, "cap.json", NULL);
  r->parser = json_parser_new();
  ck_assert(json_parser_load_from_file(r->parser, json, NULL));
  r->protocols = json_object_get_array_member(json_node_get_object(json_parser_get_root(r->parser)),
                                              "protocols");
  g_free(json);
  g_free(args);
  g_free(out);
  g_free(err);
}

static void report_free(report *r) {
  g_object_unref(r->parser);
  fl_test_rm_rf(r->dir);
  g_free(r->dir);
}

/* A figure's median, min or max for a protocol; NaN for null. */
static double fig(const report *r, const char *protocol, const char *name, const char *which) {
  for (guint i = 0; i < json_array_get_length(r->protocols); i++) {
    JsonObject *p = json_array_get_object_element(r->protocols, i);
    if (strcmp(json_object_get_string_member(p, "protocol"), protocol) != 0) continue;
    JsonObject *f = json_object_get_object_member(json_object_get_object_member(p, "figures"), name);
    ck_assert_ptr_nonnull(f);
    JsonNode *v = json_object_get_member(f, which);
    return JSON_NODE_HOLDS_NULL(v) ? NAN : json_node_get_double(v);
  }
  ck_abort_msg("no protocol %s in the report", protocol);
  return NAN;
}

/* The first fault window's figure `name` (median, min or max) for a protocol. */
static double window_fig(const report *r, const char *protocol, const char *name, const char *which) {
  for (guint i = 0; i < json_array_get_length(r->protocols); i++) {
    JsonObject *p = json_array_get_object_element(r->protocols, i);
    if (strcmp(json_object_get_string_member(p, "protocol"), protocol) != 0) continue;
    JsonArray *ws = json_object_get_array_member(p, "windows");
    ck_assert_uint_ge(json_array_get_length(ws), 1);
    JsonObject *w = json_array_get_object_element(ws, 0);
    ck_assert_str_eq(json_object_get_string_member(w, "opened_by"), "partition");
    ck_assert_int_eq(json_object_get_int_member(w, "from_ns"), 5000000000);
    ck_assert_int_eq(json_object_get_int_member(w, "to_ns"), 12000000000);
    JsonNode *v = json_object_get_member(json_object_get_object_member(w, name), which);
    return JSON_NODE_HOLDS_NULL(v) ? NAN : json_node_get_double(v);
  }
  ck_abort_msg("no protocol %s in the report", protocol);
  return NAN;
}

START_TEST(minority_partition_consensus_is_cp_eventual_and_rbcast_are_ap) {
  report r;
  cap(&r, "scenarios/cap/minority-partition.fl", NULL);
  const char *cp[] = {"raft", "paxos", "zab"};
  for (int i = 0; i < 3; i++) {
    ck_assert_double_eq(fig(&r, cp[i], "linearizable", "min"), 1.0);
    ck_assert_double_eq(fig(&r, cp[i], "availability_minority", "max"), 0.0);
    ck_assert_double_ge(fig(&r, cp[i], "availability_majority", "min"), 0.999);
    ck_assert_double_eq(fig(&r, cp[i], "stale_reads", "max"), 0.0);
    ck_assert_double_eq(window_fig(&r, cp[i], "availability_minority", "max"), 0.0);
    ck_assert_double_ge(window_fig(&r, cp[i], "availability_majority", "min"), 0.999);
  }
  const char *ap[] = {"eventual", "rbcast"};
  for (int i = 0; i < 2; i++) {
    ck_assert_double_eq(fig(&r, ap[i], "linearizable", "max"), 0.0);
    ck_assert_double_ge(fig(&r, ap[i], "availability_minority", "min"), 0.99);
    ck_assert_double_ge(fig(&r, ap[i], "availability_majority", "min"), 0.99);
    ck_assert_double_gt(fig(&r, ap[i], "stale_reads", "min"), 0.0);
  }
  /* 2PC: atomic (its kv history linearizable), and its coordinator n1 is on the minority side:
   * the majority's clients get nothing, and participants block until the heal (7 s). */
  ck_assert_double_eq(fig(&r, "twopc", "linearizable", "min"), 1.0);
  ck_assert_double_eq(fig(&r, "twopc", "availability_majority", "max"), 0.0);
  ck_assert_double_ge(fig(&r, "twopc", "blocked_max_ms", "min"), 7000.0);
  char *listing = fl_test_listing(r.dir);
  ck_assert_str_eq(listing,
                   "availability.png\navailability.svg\ncap.csv\ncap.json\ncap.md\nlatency-cdf.png\n"
                   "latency-cdf.svg\nlatency-eventual.png\nlatency-eventual.svg\nlatency-paxos.png\n"
                   "latency-paxos.svg\nlatency-raft.png\nlatency-raft.svg\nlatency-rbcast.png\n"
                   "latency-rbcast.svg\nlatency-twopc.png\nlatency-twopc.svg\nlatency-zab.png\n"
                   "latency-zab.svg\nsummary.png\nsummary.svg\n");
  g_free(listing);
  report_free(&r);
}
END_TEST

/* The leader alone: Raft's minority (the old leader's clients) gets nothing; for 2PC `leader`
 * is its coordinator, so every client waits; rbcast has no leader, so no fault at all. */
START_TEST(leader_isolated_blocks_2pc_and_is_no_fault_for_leaderless) {
  report r;
  cap(&r, "scenarios/cap/leader-isolated.fl", "--protocols raft,twopc,rbcast");
  ck_assert_double_eq(fig(&r, "raft", "availability_minority", "max"), 0.0);
  ck_assert_double_eq(fig(&r, "raft", "linearizable", "min"), 1.0);
  ck_assert_double_eq(fig(&r, "twopc", "availability_majority", "max"), 0.0);
  ck_assert_double_ge(fig(&r, "twopc", "blocked_max_ms", "min"), 7000.0);
  ck_assert(isnan(fig(&r, "rbcast", "availability_faults", "median"))); /* no fault window */
  ck_assert_double_eq(fig(&r, "rbcast", "availability", "min"), 1.0);
  report_free(&r);
}
END_TEST

/* PACELC's else-branch: no partition, a slow network. Everyone is available; the consensus
 * protocols pay for consistency in latency (a leader and a quorum) where the eventual store
 * with R = W = 1 answers from one replica. */
START_TEST(slow_network_consistency_costs_latency) {
  report r;
  cap(&r, "scenarios/cap/slow-network.fl", "--protocols raft,eventual");
  ck_assert_double_ge(fig(&r, "raft", "availability", "min"), 0.99);
  ck_assert_double_ge(fig(&r, "eventual", "availability", "min"), 0.99);
  ck_assert(isnan(fig(&r, "raft", "availability_faults", "median")));
  double raft = fig(&r, "raft", "latency_p50_steady_ms", "min");
  double ev = fig(&r, "eventual", "latency_p50_steady_ms", "max");
  ck_assert_double_gt(raft, 1.5 * ev);
  ck_assert_double_eq(fig(&r, "raft", "linearizable", "min"), 1.0);
  report_free(&r);
}
END_TEST

/* run --plots: the single run's three plots, PNG and SVG; a directory that cannot be made is an
 * output error (exit 2) after the verdict. */
START_TEST(run_plots_draws_the_single_run_plots) {
  char *dir = g_dir_make_tmp("fl-plots-XXXXXX", NULL);
  char *args = g_strdup_printf("run --quiet scenarios/cap/minority-partition.fl --plots '%s/p'", dir);
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(fl_test_cli(args, &out, &err), 0);
  char *sub = g_build_filename(dir, "p", NULL);
  char *listing = fl_test_listing(sub);
  ck_assert_str_eq(listing, "availability.png\navailability.svg\nlatency-cdf.png\nlatency-cdf.svg\n"
                            "latency.png\nlatency.svg\n");
  g_free(listing), g_free(out), g_free(err), g_free(args);
  args = g_strdup_printf("run --quiet scenarios/cap/minority-partition.fl --plots '%s/p/latency.png/x'",
                         dir);
  ck_assert_int_eq(fl_test_cli(args, &out, &err), 2);
  ck_assert_ptr_nonnull(strstr(err, "faultline run: --plots: cannot create directory"));
  g_free(out), g_free(err), g_free(args), g_free(sub);
  fl_test_rm_rf(dir);
  g_free(dir);
}
END_TEST

START_TEST(input_errors_name_what_was_expected) {
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(fl_test_cli("cap scenarios/cap/minority-partition.fl --protocols raft,nope", &out, &err), 2);
  ck_assert_ptr_nonnull(strstr(err, "faultline cap: nope: "));
  ck_assert_ptr_nonnull(strstr(err, "nope"));
  g_free(out), g_free(err);
  ck_assert_int_eq(fl_test_cli("cap scenarios/cap/minority-partition.fl --seeds 5..2", &out, &err), 2);
  ck_assert_str_eq(err, "faultline cap: --seeds: expected A..B (A <= B, at most 10000 seeds) or one "
                        "seed, found '5..2'\n");
  g_free(out), g_free(err);
  ck_assert_int_eq(fl_test_cli("cap", &out, &err), 2);
  ck_assert_str_eq(err, "faultline cap: expected one scenario file, found 0 arguments\n");
  g_free(out), g_free(err);
}
END_TEST

int main(void) {
  Suite *s = suite_create("cap");
  TCase *t = tcase_create("cap");
  tcase_set_timeout(t, 240);
  tcase_add_test(t, minority_partition_consensus_is_cp_eventual_and_rbcast_are_ap);
  tcase_add_test(t, leader_isolated_blocks_2pc_and_is_no_fault_for_leaderless);
  tcase_add_test(t, slow_network_consistency_costs_latency);
  tcase_add_test(t, run_plots_draws_the_single_run_plots);
  tcase_add_test(t, input_errors_name_what_was_expected);
  suite_add_tcase(s, t);
  return fl_test_run(s);
}
