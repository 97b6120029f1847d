/* Tests of durable storage: ordered keys, replacement, empty records, range erasure. */
#include "fl_test.h"
#include "durable.h"

#include <string.h>

START_TEST(put_get_replace_erase) {
  fl_durable *d = fl_durable_new();
  size_t len = 99;
  ck_assert_ptr_null(fl_durable_get(d, 5, &len));
  ck_assert_uint_eq(len, 0);
  /* Out of order, then in order: the array stays sorted. */
  for (uint64_t k = 10; k <= 20; k++) fl_durable_put(d, k, &k, sizeof k);
  fl_durable_put(d, 3, "three", 5);
  fl_durable_put(d, 0, "", 0);
  ck_assert_uint_eq(fl_durable_count(d), 13);
  const char *p = fl_durable_get(d, 3, &len);
  ck_assert_uint_eq(len, 5);
  ck_assert_int_eq(memcmp(p, "three", 5), 0);
  ck_assert_ptr_nonnull(fl_durable_get(d, 0, &len)); /* present though empty */
  ck_assert_uint_eq(len, 0);
  fl_durable_put(d, 3, "3", 1);
  p = fl_durable_get(d, 3, &len);
  ck_assert_uint_eq(len, 1);
  ck_assert_int_eq(p[0], '3');
  ck_assert_uint_eq(fl_durable_count(d), 13);
  /* [12, 15) goes; 11 and 15 stay. */
  fl_durable_erase(d, 12, 15, false);
  ck_assert_uint_eq(fl_durable_count(d), 10);
  ck_assert_ptr_null(fl_durable_get(d, 12, NULL));
  ck_assert_ptr_null(fl_durable_get(d, 14, NULL));
  uint64_t v = 0;
  memcpy(&v, fl_durable_get(d, 15, NULL), sizeof v);
  ck_assert_uint_eq(v, 15);
  ck_assert_ptr_nonnull(fl_durable_get(d, 11, NULL));
  fl_durable_erase(d, 9, 9, false); /* empty range */
  ck_assert_uint_eq(fl_durable_count(d), 10);
  fl_durable_erase(d, 17, 0, true); /* 17 and up */
  ck_assert_uint_eq(fl_durable_count(d), 6);
  ck_assert_ptr_null(fl_durable_get(d, 20, NULL));
  ck_assert_ptr_nonnull(fl_durable_get(d, 16, NULL));
  fl_durable_free(d);
  fl_durable_free(NULL);
}
END_TEST

int main(void) {
  Suite *s = suite_create("durable");
  TCase *tc = tcase_create("durable");
  tcase_add_test(tc, put_get_replace_erase);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
