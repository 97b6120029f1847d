/* Tests of the run's measurements (measure.h): the definitions on fed sequences, exact values
 * of a deterministic leader crash, the no-target warning and expectation, the JSON report. */
#include "fl_test.h"
#include "measure.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

static int run(const char *args, char **out, char **err) { return fl_test_cli(args, out, err); }

static fl_node_status st(fl_role role, uint64_t term, const char *word) {
  fl_node_status s;
  fl_node_status_init(&s);
  s.role = role;
  s.term_kind = FL_TERM_TERM;
  s.term = term;
  g_strlcpy(s.word, word, sizeof s.word);
  return s;
}

/* Raft: a candidate counts once per term it stands in; PreVote's pre-candidate (role
 * candidate, term unchanged) does not; a restarted node is compared with its last life. */
START_TEST(elections_count_terms_stood_in) {
  fl_measure m;
  fl_measure_init(&m, 3);
  fl_node_status s = st(FL_ROLE_FOLLOWER, 0, "");
  for (int i = 0; i < 3; i++) fl_measure_status(&m, 0, i, false, &s);
  s = st(FL_ROLE_CANDIDATE, 0, "precandidate");
  fl_measure_status(&m, 10, 0, false, &s);
  ck_assert_uint_eq(m.elections, 0);
  s = st(FL_ROLE_CANDIDATE, 1, "");
  fl_measure_status(&m, 11, 0, false, &s);
  ck_assert_uint_eq(m.elections, 1);
  s = st(FL_ROLE_CANDIDATE, 2, ""); /* timed out, stands again */
  fl_measure_status(&m, 20, 0, false, &s);
  s = st(FL_ROLE_LEADER, 2, "");
  fl_measure_status(&m, 25, 0, false, &s);
  ck_assert_uint_eq(m.elections, 2);
  ck_assert_uint_eq(m.leaders, 1);
  ck_assert_uint_eq(m.leader_changes, 0);
  /* n1 crashes and restarts as a follower of term 2: nothing new; n2 stands in term 3 and
   * wins; n1 wins term 4 later (leader of term 2 again would not be a change). */
  s = st(FL_ROLE_FOLLOWER, 2, "");
  fl_measure_status(&m, 30, 0, false, &s);
  s = st(FL_ROLE_CANDIDATE, 3, "");
  fl_measure_status(&m, 40, 1, false, &s);
  s = st(FL_ROLE_LEADER, 3, "");
  fl_measure_status(&m, 41, 1, false, &s);
  fl_measure_status(&m, 42, 1, true, &s); /* still leader: not elected again */
  ck_assert_uint_eq(m.elections, 3);
  ck_assert_uint_eq(m.leaders, 2);
  ck_assert_uint_eq(m.leader_changes, 1);
  /* A cluster of one: straight to leader in a higher term is an election and a win. */
  s = st(FL_ROLE_LEADER, 4, "");
  fl_measure_status(&m, 50, 0, false, &s);
  ck_assert_uint_eq(m.elections, 4);
  ck_assert_uint_eq(m.leaders, 3);
  ck_assert_uint_eq(m.leader_changes, 2);
  fl_measure_clear(&m);
}
END_TEST

/* Without a term, an election is a turn into role candidate. */
START_TEST(elections_without_a_term_count_turns_to_candidate) {
  fl_measure m;
  fl_measure_init(&m, 1);
  fl_node_status s;
  fl_node_status_init(&s);
  s.role = FL_ROLE_FOLLOWER;
  fl_measure_status(&m, 0, 0, false, &s);
  s.role = FL_ROLE_CANDIDATE;
  fl_measure_status(&m, 1, 0, false, &s);
  g_strlcpy(s.word, "x", sizeof s.word); /* another change, still a candidate */
  fl_measure_status(&m, 2, 0, false, &s);
  s.role = FL_ROLE_LEADER;
  fl_measure_status(&m, 3, 0, false, &s);
  ck_assert_uint_eq(m.elections, 1);
  ck_assert_uint_eq(m.leaders, 1);
  fl_measure_clear(&m);
}
END_TEST

/* Each fault waits for the first leader elected at or after it, then for the first ok answer
 * at or after that; one never recovered from stays -1 and leaves the maximum undefined. */
START_TEST(faults_time_to_leader_and_first_ok) {
  fl_measure m;
  fl_measure_init(&m, 2);
  fl_node_status f = st(FL_ROLE_FOLLOWER, 1, ""), l = st(FL_ROLE_LEADER, 1, "");
  fl_measure_status(&m, 0, 0, false, &l);
  fl_measure_fault(&m, 100, 0, 10);
  fl_measure_fault(&m, 150, 1, 11);
  fl_measure_invoke(&m, 160, true);
  fl_measure_complete(&m, 170, true, true); /* before any new leader: no recovery */
  l.term = 2;
  fl_measure_status(&m, 300, 1, false, &l);
  fl_measure_fault(&m, 310, 2, 12);
  fl_measure_invoke(&m, 320, true);
  fl_measure_complete(&m, 400, true, true);
  fl_measure_fault(&m, 500, 3, 13);
  fl_measure_status(&m, 510, 1, true, &f);
  fl_measure_summary sum;
  fl_measure_summarize(&m, &sum);
  ck_assert_uint_eq(sum.faults, 4);
  const fl_fault_record *r = (const fl_fault_record *)m.faults->data;
  ck_assert_int_eq(r[0].leader_ns, 200);
  ck_assert_int_eq(r[0].ok_ns, 300);
  ck_assert_int_eq(r[1].leader_ns, 150);
  ck_assert_int_eq(r[1].ok_ns, 250);
  ck_assert_int_eq(r[2].leader_ns, -1); /* no leader elected after 310 */
  ck_assert_int_eq(r[2].ok_ns, -1);
  ck_assert_int_eq(r[3].line, 13);
  ck_assert_uint_eq(sum.faults_no_leader, 2);
  ck_assert_int_eq(sum.recovery_leader_first_ns, 200);
  ck_assert_int_eq(sum.recovery_leader_max_ns, -1);
  ck_assert_int_eq(sum.recovery_ok_first_ns, 300);
  fl_measure_clear(&m);
}
END_TEST

/* Outage windows: opened by a wait with none open, or by an ok answer the side still waits
 * after; closed by the next ok; a timeout keeps it open; at the end, an open window runs to
 * the end if the side still waits, else to its last wait. */
START_TEST(outage_windows_per_side) {
  fl_measure m;
  fl_measure_init(&m, 1);
  fl_measure_invoke(&m, 0, true);
  fl_measure_invoke(&m, 10, true);
  fl_measure_complete(&m, 20, true, true);   /* window 0..20; still waiting: reopens at 20 */
  fl_measure_complete(&m, 100, true, false); /* a timeout: open, nobody waits */
  fl_measure_invoke(&m, 110, true);
  fl_measure_complete(&m, 150, true, true);  /* window 20..150 */
  fl_measure_invoke(&m, 200, false);         /* the minority waits from 200... */
  fl_measure_complete(&m, 700, false, false); /* ...until its timeout at 700 */
  ck_assert_int_eq(fl_measure_outage(&m, FL_MEASURE_MAJORITY), 130);
  fl_measure_finish(&m, 1000);
  ck_assert_int_eq(fl_measure_outage(&m, FL_MEASURE_MAJORITY), 130);
  ck_assert_int_eq(fl_measure_outage(&m, FL_MEASURE_MINORITY), 500);
  ck_assert_int_eq(fl_measure_outage(&m, FL_MEASURE_ALL), 500); /* 200..700 */
  fl_measure_clear(&m);
}
END_TEST

/* A deterministic leader crash (scenarios/faults/crash-leader-recovery.fl, seed 1): exact
 * figures in the summary and the JSON report. */
START_TEST(leader_crash_exact_figures) {
  char *out = NULL, *err = NULL;
  char *json = g_strdup_printf("%s/%d-measure.json", g_get_tmp_dir(), (int)getpid());
  char *args = g_strdup_printf("run scenarios/faults/crash-leader-recovery.fl --report '%s'", json);
  ck_assert_int_eq(run(args, &out, &err), 0);
  ck_assert_ptr_nonnull(strstr(out, "\nelections    2 started, 2 leaders elected, 1 leader change\n"
                                    "recovery     line 22 at 5s: new leader after 180.3ms, first ok "
                                    "after 516.9ms\n"
                                    "outage       longest without an ok answer: all 517.1ms, "
                                    "majority 517.1ms\n"));
  char *text = NULL;
  ck_assert(g_file_get_contents(json, &text, NULL, NULL));
  ck_assert_ptr_nonnull(strstr(text, "\"measurements\" : {\n"
                                     "    \"elections\" : 2,\n"
                                     "    \"leaders_elected\" : 2,\n"
                                     "    \"leader_changes\" : 1,\n"
                                     "    \"faults\" : [\n"
                                     "      {\n"
                                     "        \"line\" : 22,\n"
                                     "        \"at_ns\" : 5000000000,\n"
                                     "        \"leader_ns\" : 180343481,\n"
                                     "        \"ok_ns\" : 516862267\n"
                                     "      }\n"
                                     "    ],\n"
                                     "    \"outage_ns\" : {\n"
                                     "      \"all\" : 517077711,\n"
                                     "      \"majority\" : 517077711,\n"
                                     "      \"minority\" : 0\n"
                                     "    },\n"
                                     "    \"heal_ns\" : null,\n"
                                     "    \"no_target\" : [],\n"
                                     "    \"fault_windows\" : [\n"
                                     "      {\n"
                                     "        \"from_ns\" : 5000000000,\n"
                                     "        \"to_ns\" : null,\n"
                                     "        \"line\" : 22,\n"
                                     "        \"opened_by\" : \"crash\"\n"
                                     "      }\n"
                                     "    ]\n"
                                     "  }"));
  g_unlink(json);
  g_free(text);
  g_free(json);
  g_free(args);
  g_free(out);
  g_free(err);
}
END_TEST

/* `crash leader` before any leader: a warning in the summary, a record in the JSON report, and
 * `faults = applied` fails naming it. */
START_TEST(no_target_warns_and_fails_faults_applied) {
  char *dir = g_dir_make_tmp("fl-measure-XXXXXX", NULL);
  char *scn = g_build_filename(dir, "t.fl", NULL);
  ck_assert(g_file_set_contents(scn,
                                "[cluster]\nprotocol = raft\nnodes = 3\nseed = 1\nduration = 1s\n"
                                "[workload]\nclients = 1\n"
                                "[timeline]\n10ms crash leader\n"
                                "[expect]\nfaults = applied\nleaders == 1\n", -1, NULL));
  char *args = g_strdup_printf("run '%s'", scn);
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run(args, &out, &err), 1);
  ck_assert_ptr_nonnull(strstr(out, "\nwarning      timeline line 9 (crash leader at 10ms): no node "
                                    "is leader\n"));
  ck_assert_ptr_nonnull(strstr(out, "FAIL  faults = applied: 1 timeline action found no target "
                                    "(line 9 crash leader at 10ms: no node is leader)\n"));
  ck_assert_ptr_nonnull(strstr(out, "PASS  leaders == 1: 1\n"));
  g_free(out);
  g_free(err);
  g_unlink(scn);
  g_rmdir(dir);
  g_free(args);
  g_free(scn);
  g_free(dir);
}
END_TEST

/* The txn workload's report names its check serializability (staleness null: not a register);
 * kv's linearizability, with the staleness of its reads. */
START_TEST(report_names_the_consistency_model) {
  char *json = g_strdup_printf("%s/%d-consistency.json", g_get_tmp_dir(), (int)getpid());
  char *args = g_strdup_printf("run scenarios/workloads/txn.fl --report '%s'", json);
  char *out = NULL, *err = NULL, *text = NULL;
  ck_assert_int_eq(run(args, &out, &err), 0);
  ck_assert(g_file_get_contents(json, &text, NULL, NULL));
  ck_assert_ptr_nonnull(strstr(text, "\"consistency\" : {\n"
                                     "    \"model\" : \"serializability\",\n"
                                     "    \"check\" : \"txn\",\n"
                                     "    \"verdict\" : \"serializable\",\n"
                                     "    \"staleness\" : null\n"
                                     "  }"));
  g_free(text);
  g_free(out);
  g_free(err);
  g_free(args);
  args = g_strdup_printf("run scenarios/raft/leader-crash.fl --report '%s'", json);
  ck_assert_int_eq(run(args, &out, &err), 0);
  ck_assert(g_file_get_contents(json, &text, NULL, NULL));
  ck_assert_ptr_nonnull(strstr(text, "\"consistency\" : {\n"
                                     "    \"model\" : \"linearizability\",\n"
                                     "    \"check\" : \"kv\",\n"
                                     "    \"verdict\" : \"linearizable\",\n"
                                     "    \"staleness\" : {\n"));
  g_unlink(json);
  g_free(text);
  g_free(out);
  g_free(err);
  g_free(args);
  g_free(json);
}
END_TEST

/* Fault windows (measure.h): overlapping faults make one window, closed by the action after
 * which nothing is disturbed; a timed pause closes its window when it ends by itself; a link
 * property set back to [network]'s value closes its window; a window the run ends in stays
 * open (to_ns null). Fed through a scenario, read from the JSON report. */
START_TEST(fault_windows_from_the_timeline) {
  char *dir = g_dir_make_tmp("fl-windows-XXXXXX", NULL);
  char *fl = g_build_filename(dir, "w.fl", NULL);
  char *json = g_build_filename(dir, "w.json", NULL);
  const char *text = "[cluster]\nprotocol = raft\nnodes = 3\nseed = 1\nduration = 10s\n"
                     "[network]\nloss = 1%\n"
                     "[timeline]\n1s crash n1\n1500ms partition {n2} {n3}\n2s restart n1\n"
                     "3s heal\n4s pause n2 for 500ms\n5s loss = 20%\n6s loss = 1%\n"
                     "7s latency = constant(5ms)\n8s latency = constant(1ms)\n9s cut n1 -> n2\n";
  ck_assert(g_file_set_contents(fl, text, -1, NULL));
  char *args = g_strdup_printf("run '%s' --report '%s'", fl, json);
  char *out = NULL, *err = NULL, *got = NULL;
  run(args, &out, &err);
  ck_assert(g_file_get_contents(json, &got, NULL, NULL));
  const char *want =
      "\"fault_windows\" : [\n"
      "      {\n        \"from_ns\" : 1000000000,\n        \"to_ns\" : 3000000000,\n"
      "        \"line\" : 9,\n        \"opened_by\" : \"crash\"\n      },\n"
      "      {\n        \"from_ns\" : 4000000000,\n        \"to_ns\" : 4500000000,\n"
      "        \"line\" : 13,\n        \"opened_by\" : \"pause\"\n      },\n"
      "      {\n        \"from_ns\" : 5000000000,\n        \"to_ns\" : 6000000000,\n"
      "        \"line\" : 14,\n        \"opened_by\" : \"loss\"\n      },\n"
      "      {\n        \"from_ns\" : 7000000000,\n        \"to_ns\" : 8000000000,\n"
      "        \"line\" : 16,\n        \"opened_by\" : \"latency\"\n      },\n"
      "      {\n        \"from_ns\" : 9000000000,\n        \"to_ns\" : null,\n"
      "        \"line\" : 18,\n        \"opened_by\" : \"cut\"\n      }\n    ]";
  if (!strstr(got, want)) ck_abort_msg("windows not as expected in:\n%s", strstr(got, "\"fault_windows\""));
  g_unlink(json);
  g_unlink(fl);
  g_rmdir(dir);
  g_free(got), g_free(out), g_free(err), g_free(args), g_free(json), g_free(fl), g_free(dir);
}
END_TEST

int main(void) {
  Suite *s = suite_create("measure");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, elections_count_terms_stood_in);
  tcase_add_test(tc, elections_without_a_term_count_turns_to_candidate);
  tcase_add_test(tc, faults_time_to_leader_and_first_ok);
  tcase_add_test(tc, outage_windows_per_side);
  tcase_add_test(tc, leader_crash_exact_figures);
  tcase_add_test(tc, no_target_warns_and_fails_faults_applied);
  tcase_add_test(tc, report_names_the_consistency_model);
  tcase_add_test(tc, fault_windows_from_the_timeline);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
