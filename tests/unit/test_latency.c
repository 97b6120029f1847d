/* Tests of the latency histogram: exact below 32 ns, percentiles within the stated 3%, exact
 * mean and maximum, constant memory. */
#include "fl_test.h"
#include "latency.h"

#include <math.h>

START_TEST(small_values_are_exact) {
  fl_latency h;
  fl_latency_init(&h);
  for (int v = 1; v <= 10; v++) fl_latency_add(&h, v);
  ck_assert_int_eq(fl_latency_quantile(&h, 0.5), 5);
  ck_assert_int_eq(fl_latency_quantile(&h, 1.0), 10);
  ck_assert_int_eq(fl_latency_quantile(&h, 0.1), 1);
  ck_assert_double_eq(fl_latency_mean(&h), 5.5);
}
END_TEST

START_TEST(percentiles_within_three_percent) {
  fl_latency h;
  fl_latency_init(&h);
  /* 1 ms .. 100 ms in 1 us steps: the true p50 is 50.5 ms, p99 99.01 ms. */
  for (int64_t v = 1000000; v <= 100000000; v += 1000) fl_latency_add(&h, v);
  double p50 = (double)fl_latency_quantile(&h, 0.5), p99 = (double)fl_latency_quantile(&h, 0.99);
  ck_assert_double_le(fabs(p50 - 50.5e6) / 50.5e6, 0.03);
  ck_assert_double_le(fabs(p99 - 99.01e6) / 99.01e6, 0.03);
  ck_assert_int_eq(fl_latency_quantile(&h, 1.0), 100000000);
  ck_assert_int_eq(h.max_ns, 100000000);
  ck_assert_double_eq_tol(fl_latency_mean(&h), 50.5e6, 1.0);
}
END_TEST

START_TEST(empty_and_extreme) {
  fl_latency h;
  fl_latency_init(&h);
  ck_assert_int_eq(fl_latency_quantile(&h, 0.5), 0);
  ck_assert_double_eq(fl_latency_mean(&h), 0);
  fl_latency_add(&h, -5); /* clamped */
  fl_latency_add(&h, INT64_MAX);
  ck_assert_int_eq(fl_latency_quantile(&h, 0.5), 0);
  ck_assert_int_eq(fl_latency_quantile(&h, 1.0), INT64_MAX);
  ck_assert_uint_le(sizeof h, 9 * 1024);
}
END_TEST

int main(void) {
  Suite *s = suite_create("latency");
  TCase *tc = tcase_create("latency");
  tcase_add_test(tc, small_values_are_exact);
  tcase_add_test(tc, percentiles_within_three_percent);
  tcase_add_test(tc, empty_and_extreme);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
