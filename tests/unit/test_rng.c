/* Tests of the random streams: reproducible, independent per component, never seeded 0,
 * unbiased bounds, and no draw for certain outcomes. */
#include "fl_test.h"
#include "rng.h"

#include <glib.h>
#include <stdbool.h>

static void draws(uint64_t master, const char *kind, uint64_t index, uint64_t *out, int n) {
  fl_rng *r = fl_rng_new(master, kind, index);
  for (int i = 0; i < n; i++) out[i] = fl_rng_below(r, 1000000007);
  fl_rng_free(r);
}

START_TEST(same_identity_same_sequence) {
  uint64_t a[100], b[100];
  draws(42, "node", 3, a, 100);
  draws(42, "node", 3, b, 100);
  for (int i = 0; i < 100; i++) ck_assert_uint_eq(a[i], b[i]);
}
END_TEST

/* Pinned values: the same seed gives the same draws in any process and on any run of this
 * build. A change here changes every digest, and must be deliberate. */
START_TEST(sequence_is_pinned_across_processes) {
  fl_rng *r = fl_rng_new(1, "net", 0);
  ck_assert_uint_eq(fl_rng_below(r, 1000000), 83163);
  ck_assert_uint_eq(fl_rng_below(r, 1000000), 152374);
  fl_rng_free(r);
  ck_assert_uint_eq(fl_rng_derive_seed(1, "net", 0), 13955648709031093268ull);
  ck_assert_uint_eq(fl_rng_derive_seed(1, "net", 0), fl_rng_derive_seed(1, "net", 0));
  ck_assert_uint_ne(fl_rng_derive_seed(1, "net", 0), fl_rng_derive_seed(1, "net", 1));
  ck_assert_uint_ne(fl_rng_derive_seed(1, "net", 0), fl_rng_derive_seed(1, "node", 0));
  ck_assert_uint_ne(fl_rng_derive_seed(1, "net", 0), fl_rng_derive_seed(2, "net", 0));
}
END_TEST

START_TEST(different_identities_differ) {
  uint64_t a[50], b[50], c[50], d[50];
  draws(42, "node", 3, a, 50);
  draws(42, "node", 4, b, 50);
  draws(42, "client", 3, c, 50);
  draws(43, "node", 3, d, 50);
  int same_b = 0, same_c = 0, same_d = 0;
  for (int i = 0; i < 50; i++) {
    same_b += a[i] == b[i];
    same_c += a[i] == c[i];
    same_d += a[i] == d[i];
  }
  ck_assert_int_le(same_b, 1);
  ck_assert_int_le(same_c, 1);
  ck_assert_int_le(same_d, 1);
}
END_TEST

START_TEST(creating_other_streams_does_not_shift_one) {
  uint64_t alone[20], crowded[20];
  draws(9, "link", 7, alone, 20);
  fl_rng *others[10];
  for (int i = 0; i < 10; i++) {
    others[i] = fl_rng_new(9, "client", (uint64_t)i);
    fl_rng_uniform(others[i]);
  }
  draws(9, "link", 7, crowded, 20);
  for (int i = 0; i < 10; i++) fl_rng_free(others[i]);
  for (int i = 0; i < 20; i++) ck_assert_uint_eq(alone[i], crowded[i]);
}
END_TEST

START_TEST(derived_seeds_are_never_zero_and_distinct) {
  GHashTable *seen = g_hash_table_new(g_int64_hash, g_int64_equal);
  static uint64_t keys[20000];
  for (uint64_t i = 0; i < 20000; i++) {
    keys[i] = fl_rng_derive_seed(0, "link", i);
    ck_assert_uint_ne(keys[i], 0);
    ck_assert(!g_hash_table_contains(seen, &keys[i]));
    g_hash_table_add(seen, &keys[i]);
  }
  g_hash_table_destroy(seen);
}
END_TEST

START_TEST(below_stays_in_bounds_and_is_uniform) {
  fl_rng *r = fl_rng_new(5, "test", 0);
  int counts[10] = {0};
  for (int i = 0; i < 100000; i++) {
    uint64_t v = fl_rng_below(r, 10);
    ck_assert_uint_lt(v, 10);
    counts[v]++;
  }
  /* Chi-square with 9 degrees of freedom; 27.9 is the 0.999 quantile. */
  double chi = 0;
  for (int k = 0; k < 10; k++) chi += (counts[k] - 10000.0) * (counts[k] - 10000.0) / 10000.0;
  ck_assert_double_lt(chi, 27.9);
  uint64_t big = (uint64_t)1 << 40;
  bool high = false;
  for (int i = 0; i < 1000; i++) {
    uint64_t v = fl_rng_below(r, big);
    ck_assert_uint_lt(v, big);
    high |= v > ((uint64_t)1 << 39);
  }
  ck_assert(high);
  ck_assert_uint_eq(fl_rng_below(r, 1), 0);
  fl_rng_free(r);
}
END_TEST

START_TEST(certain_chances_make_no_draw) {
  fl_rng *a = fl_rng_new(5, "test", 1), *b = fl_rng_new(5, "test", 1);
  ck_assert(!fl_rng_chance(a, 0.0));
  ck_assert(fl_rng_chance(a, 1.0));
  ck_assert(!fl_rng_chance(a, -1.0));
  /* a made no draw: it is still in step with b. */
  ck_assert_double_eq(fl_rng_uniform(a), fl_rng_uniform(b));
  int hits = 0;
  for (int i = 0; i < 100000; i++) hits += fl_rng_chance(a, 0.25);
  ck_assert_int_gt(hits, 24400);
  ck_assert_int_lt(hits, 25600);
  fl_rng_free(a);
  fl_rng_free(b);
}
END_TEST

int main(void) {
  fl_rng_global_init();
  Suite *s = suite_create("rng");
  TCase *tc = tcase_create("rng");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, same_identity_same_sequence);
  tcase_add_test(tc, sequence_is_pinned_across_processes);
  tcase_add_test(tc, different_identities_differ);
  tcase_add_test(tc, creating_other_streams_does_not_shift_one);
  tcase_add_test(tc, derived_seeds_are_never_zero_and_distinct);
  tcase_add_test(tc, below_stays_in_bounds_and_is_uniform);
  tcase_add_test(tc, certain_chances_make_no_draw);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
