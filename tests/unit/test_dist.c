/* Tests of the distributions: the mean and variance of 10^5 draws of each are within
 * tolerance of the theoretical values, draws are never negative, rounding is to the nearest
 * nanosecond, and bad parameters give exact messages. */
#include "fl_test.h"
#include "dist.h"

#include <math.h>

/* Sample mean and variance of n draws, compared with the theory within `tol` of the standard
 * error scale (relative tolerances stated per distribution). */
static void moments(const fl_dist *d, double *mean, double *var) {
  fl_rng *r = fl_rng_new(2024, "dist", (uint64_t)d->kind);
  const int n = 100000;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; i++) {
    double x = fl_dist_sample(d, r);
    ck_assert_double_ge(x, 0);
    sum += x;
    sum2 += x * x;
  }
  *mean = sum / n;
  *var = sum2 / n - *mean * *mean;
  fl_rng_free(r);
}

static void check(const fl_dist *d, double mean_tol, double var_tol) {
  double m, v;
  moments(d, &m, &v);
  double em = fl_dist_mean(d), ev = fl_dist_variance(d);
  ck_assert_msg(fabs(m - em) <= mean_tol * em, "mean %g, expected %g", m, em);
  ck_assert_msg(fabs(v - ev) <= var_tol * ev, "variance %g, expected %g", v, ev);
}

START_TEST(constant) {
  fl_dist d;
  fl_dist_init_constant(&d, 5e6);
  double m, v;
  moments(&d, &m, &v);
  ck_assert_double_eq(m, 5e6);
  ck_assert_double_eq(fl_dist_variance(&d), 0);
  fl_dist_clear(&d);
}
END_TEST

START_TEST(uniform) {
  fl_dist d;
  ck_assert(fl_dist_init_uniform(&d, 1e6, 5e6, NULL));
  ck_assert_double_eq(fl_dist_mean(&d), 3e6);
  check(&d, 0.01, 0.02);
  fl_dist_clear(&d);
}
END_TEST

START_TEST(normal_truncated_at_zero) {
  fl_dist d;
  /* sd close to the mean: about 2% of the mass is below zero and is resampled away. */
  ck_assert(fl_dist_init_normal(&d, 2e6, 1e6, NULL));
  ck_assert_double_gt(fl_dist_mean(&d), 2e6);
  check(&d, 0.01, 0.03);
  fl_dist_clear(&d);
}
END_TEST

START_TEST(exponential) {
  fl_dist d;
  ck_assert(fl_dist_init_exponential(&d, 3e6, NULL));
  check(&d, 0.015, 0.05);
  fl_dist_clear(&d);
}
END_TEST

START_TEST(lognormal) {
  fl_dist d;
  ck_assert(fl_dist_init_lognormal(&d, 2e6, 1e6, NULL));
  ck_assert_double_eq_tol(fl_dist_mean(&d), 2e6, 1e-6);
  ck_assert_double_eq_tol(fl_dist_variance(&d), 1e12, 1);
  check(&d, 0.01, 0.06);
  fl_dist_clear(&d);
}
END_TEST

START_TEST(pareto) {
  fl_dist d;
  ck_assert(fl_dist_init_pareto(&d, 1e6, 5.0, NULL));
  ck_assert_double_eq_tol(fl_dist_mean(&d), 1.25e6, 1e-6);
  check(&d, 0.01, 0.15);
  fl_dist_clear(&d);
  ck_assert(fl_dist_init_pareto(&d, 1e6, 1.5, NULL));
  ck_assert(isinf(fl_dist_variance(&d)));
  fl_dist_clear(&d);
}
END_TEST

START_TEST(empirical) {
  double v[] = {1e6, 2e6, 10e6}, w[] = {50, 30, 20};
  fl_dist d;
  ck_assert(fl_dist_init_empirical(&d, v, w, 3, NULL));
  ck_assert_double_eq_tol(fl_dist_mean(&d), 0.5e6 + 0.6e6 + 2e6, 1e-6);
  check(&d, 0.01, 0.02);
  fl_dist copy;
  fl_dist_copy(&copy, &d);
  fl_dist_clear(&d);
  ck_assert_double_eq_tol(fl_dist_mean(&copy), 3.1e6, 1e-6);
  fl_rng *r = fl_rng_new(1, "t", 0);
  int64_t x = fl_dist_sample_ns(&copy, r);
  ck_assert(x == 1000000 || x == 2000000 || x == 10000000);
  fl_rng_free(r);
  fl_dist_clear(&copy);
}
END_TEST

START_TEST(sampling_rounds_to_nearest_nanosecond) {
  fl_dist d;
  fl_rng *r = fl_rng_new(1, "t", 0);
  fl_dist_init_constant(&d, 2.5);
  ck_assert_int_eq(fl_dist_sample_ns(&d, r), 3);
  fl_dist_init_constant(&d, 2.4999);
  ck_assert_int_eq(fl_dist_sample_ns(&d, r), 2);
  fl_dist_init_constant(&d, -7);
  ck_assert_int_eq(fl_dist_sample_ns(&d, r), 0);
  fl_rng_free(r);
}
END_TEST

static void expect_error(bool ok, GError *e, const char *msg) {
  ck_assert(!ok);
  ck_assert_ptr_nonnull(e);
  ck_assert_str_eq(e->message, msg);
  g_error_free(e);
}

START_TEST(bad_parameters_have_exact_messages) {
  fl_dist d;
  GError *e = NULL;
  bool ok = fl_dist_init_normal(&d, 2e6, -1e6, &e);
  expect_error(ok, e, "expected sd >= 0 in normal(mean, sd), found -1ms");
  e = NULL;
  ok = fl_dist_init_uniform(&d, 5e6, 1e6, &e);
  expect_error(ok, e, "expected 0 <= low <= high in uniform(low, high), found uniform(5ms, 1ms)");
  e = NULL;
  ok = fl_dist_init_exponential(&d, 0, &e);
  expect_error(ok, e, "expected mean > 0 in exponential(mean), found 0ns");
  e = NULL;
  ok = fl_dist_init_pareto(&d, 1e6, 0, &e);
  expect_error(ok, e, "expected scale > 0 and shape > 0 in pareto(scale, shape), found "
                      "pareto(scale=1ms, shape=0)");
  e = NULL;
  double v[] = {1e6}, w[] = {0};
  ok = fl_dist_init_empirical(&d, v, w, 1, &e);
  expect_error(ok, e, "expected weights > 0 in empirical(...), found 0");
}
END_TEST

START_TEST(describe) {
  fl_dist d;
  GString *s = g_string_new(NULL);
  ck_assert(fl_dist_init_lognormal(&d, 2e6, 1e6, NULL));
  fl_dist_describe(&d, s);
  ck_assert_str_eq(s->str, "lognormal(mean=2ms, sd=1ms)");
  g_string_truncate(s, 0);
  ck_assert(fl_dist_init_uniform(&d, 1e6, 1.5e9, NULL));
  fl_dist_describe(&d, s);
  ck_assert_str_eq(s->str, "uniform(1ms, 1.5s)");
  g_string_free(s, TRUE);
}
END_TEST

int main(void) {
  fl_rng_global_init();
  Suite *s = suite_create("dist");
  TCase *tc = tcase_create("dist");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, constant);
  tcase_add_test(tc, uniform);
  tcase_add_test(tc, normal_truncated_at_zero);
  tcase_add_test(tc, exponential);
  tcase_add_test(tc, lognormal);
  tcase_add_test(tc, pareto);
  tcase_add_test(tc, empirical);
  tcase_add_test(tc, sampling_rounds_to_nearest_nanosecond);
  tcase_add_test(tc, bad_parameters_have_exact_messages);
  tcase_add_test(tc, describe);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
