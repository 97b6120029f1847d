/* Tests of `faultline sweep`: the failing seeds, with the expectation each broke and the
 * command that reproduces it, in seed order whatever the number of workers; the summary; the
 * exit status; and the errors for bad arguments. */
#include "fl_test.h"

#include <glib.h>
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

int main(void) {
  Suite *s = suite_create("sweep");
  TCase *tc = tcase_create("sweep");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, failing_seeds_in_order_for_any_jobs);
  tcase_add_test(tc, passing_sweep_exits_zero);
  tcase_add_test(tc, bad_arguments_exit_two);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
