/* test_fig16: the Figure 16 trial (sim/bench/fig16_trial.h) on a few seeds, with exact values.
 * The full experiment (11 ranges x 1000 trials) is build/sim/bench/fig16, outside ctest; this
 * pins what one trial does, so that a change to the simulator or to Raft that moves the
 * figure shows up here first, and checks the setup the paper describes on every trial:
 *   - the downtime is at least half the minimum election timeout (the paper: "the smallest
 *     possible downtime was about half of the minimum election timeout"): the crash falls
 *     within one heartbeat (half the minimum timeout) after the last heartbeat;
 *   - the first leader after the crash is never n4 or n5, the two survivors with shorter logs;
 *   - the same seed gives the same trial, bit for bit.
 */
#include "fl_test.h"
#include "builtin.h"
#include "fig16_trial.h"
#include "rng.h"
#include "scenario.h"

#include <inttypes.h>
#include <stdio.h>

#define SCENARIO "scenarios/fidelity/fig16.fl"
#define MS 1000000LL

/* The range in ms (hi_ns may add a nanosecond), as the driver loads it. */
static fl_scenario *load(int64_t lo_ns, int64_t hi_ns) {
  fl_rng_global_init();
  ck_assert(fl_protocols_register_builtin(NULL));
  char *path = fl_test_source_path(SCENARIO);
  GError *error = NULL;
  fl_scenario *s = fl_fig16_load(path, lo_ns, hi_ns, NULL, 200000 * MS, &error);
  if (!s) ck_abort_msg("%s: %s", SCENARIO, error->message);
  g_free(path);
  ck_assert_uint_eq(s->timeline->len, 0);
  return s;
}

static fl_fig16_result trial(const fl_scenario *s, uint64_t seed, int64_t cap_ns) {
  fl_fig16_result r;
  GError *error = NULL;
  if (!fl_fig16_trial(s, seed, cap_ns, &r, &error)) ck_abort_msg("%s", error->message);
  return r;
}

/* 150-155 ms: five ms of randomness, narrower than the vote's window (a disk write and a
 * message), so the first election mostly splits. Each seed's crash time, downtime, new leader
 * and term, as this simulator computes them. */
static const struct {
  uint64_t seed;
  int64_t crash_ns, downtime_ns;
  int new_leader; /* 1-based */
  uint64_t new_term;
} pinned[] = {
    {1, 924475180, 1238936222, 3, 10},
    {2, 972646452, 724302512, 3, 6},
    {3, 934366559, 2133150156, 3, 15},
    {4, 926157499, 622192019, 2, 5},
};

START_TEST(trials_of_150_155_ms_are_pinned) {
  fl_scenario *s = load(150 * MS, 155 * MS);
  fl_fig16_result r[G_N_ELEMENTS(pinned)];
  /* All first, then the checks: a failure prints every row, ready to paste above. */
  for (size_t i = 0; i < G_N_ELEMENTS(pinned); i++) {
    r[i] = trial(s, pinned[i].seed, 100000 * MS);
    printf("    {%" PRIu64 ", %" PRId64 ", %" PRId64 ", %d, %" PRIu64 "},\n", pinned[i].seed,
           r[i].crash_ns, r[i].downtime_ns, r[i].new_leader + 1, r[i].new_term);
  }
  fflush(stdout);
  for (size_t i = 0; i < G_N_ELEMENTS(pinned); i++) {
    ck_assert(r[i].elected);
    ck_assert_int_eq(r[i].crash_ns, pinned[i].crash_ns);
    ck_assert_int_eq(r[i].downtime_ns, pinned[i].downtime_ns);
    ck_assert_int_eq(r[i].new_leader + 1, pinned[i].new_leader);
    ck_assert_uint_eq(r[i].new_term, pinned[i].new_term);
  }
  fl_scenario_free(s);
}
END_TEST

/* Over 40 seeds of 12-24 ms (heartbeat 6 ms): never under half the minimum timeout, never an
 * ineligible first winner, the same result twice for the same seed. */
START_TEST(the_setup_holds_on_every_trial) {
  fl_scenario *s = load(12 * MS, 24 * MS);
  for (uint64_t seed = 1; seed <= 40; seed++) {
    fl_fig16_result r = trial(s, seed, 10000 * MS);
    ck_assert_msg(r.elected, "seed %" PRIu64 " elected no leader in 10s", seed);
    ck_assert_int_ge(r.downtime_ns, 6 * MS);
    ck_assert_msg(r.first_leader != 3 && r.first_leader != 4,
                  "seed %" PRIu64 ": n%d, with a shorter log, won", seed, r.first_leader + 1);
    fl_fig16_result again = trial(s, seed, 10000 * MS);
    ck_assert_int_eq(again.crash_ns, r.crash_ns);
    ck_assert_int_eq(again.downtime_ns, r.downtime_ns);
    ck_assert_uint_eq(again.new_term, r.new_term);
  }
  fl_scenario_free(s);
}
END_TEST

/* The cap: a trial that elects no one within it says so (150-150 ms never elects within one
 * second: every survivor times out within a millisecond of the others, the vote's window is
 * several). */
START_TEST(a_trial_past_its_cap_is_not_elected) {
  fl_scenario *s = load(150 * MS, 150 * MS + 1);
  fl_fig16_result r = trial(s, 1, 1000 * MS);
  ck_assert(!r.elected);
  ck_assert_int_eq(r.new_leader, -1);
  ck_assert_uint_eq(r.new_term, 0);
  fl_scenario_free(s);
}
END_TEST

int main(void) {
  Suite *s = suite_create("fig16");
  TCase *tc = tcase_create("fig16");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, trials_of_150_155_ms_are_pinned);
  tcase_add_test(tc, the_setup_holds_on_every_trial);
  tcase_add_test(tc, a_trial_past_its_cap_is_not_elected);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
