/* test_lincheck_long: Porcupine's kv histories checked as one unsplit history each (the slow
 * case: about 1.4 M search steps for c10), against their known verdicts. */
#include <glib.h>

#include "fl_test.h"
#include "lincheck/lincheck.h"

static void check_unsplit(const char *dir, const char *file, fl_lin_verdict want) {
  char *path = g_build_filename(dir, file, NULL);
  GError *error = NULL;
  fl_lincheck_history *h = fl_lincheck_load(path, FL_LINCHECK_FORMAT_AUTO, &error);
  ck_assert_msg(h != NULL, "%s", error ? error->message : "?");
  fl_lincheck_opts o;
  fl_lincheck_opts_init(&o);
  o.split = false;
  fl_lincheck_result *r = fl_lincheck_check(h, &o, &error);
  ck_assert_msg(r && r->verdict == want, "%s: expected %s, got %s", path, fl_lin_verdict_name(want),
                r ? fl_lin_verdict_name(r->verdict) : error->message);
  ck_assert_uint_eq(r->n_parts, 1);
  ck_assert_uint_le(r->peak_bytes, (size_t)1 << 30);
  if (want == FL_LIN_VIOLATION) {
    /* The evidence narrows the unsplit history down to one key. */
    ck_assert_ptr_nonnull(r->evidence->key);
  }
  fl_lincheck_result_free(r);
  fl_lincheck_history_free(h);
  g_free(path);
}

START_TEST(test_porcupine_kv_unsplit_verdicts) {
  char *dir = fl_test_shared_path("histories/porcupine-kv");
  if (!dir) return;
  check_unsplit(dir, "c01-ok.txt", FL_LIN_OK);
  check_unsplit(dir, "c01-bad.txt", FL_LIN_VIOLATION);
  check_unsplit(dir, "c10-ok.txt", FL_LIN_OK);
  check_unsplit(dir, "c10-bad.txt", FL_LIN_VIOLATION);
  g_free(dir);
}
END_TEST

static Suite *lincheck_long_suite(void) {
  Suite *s = suite_create("lincheck_long");
  TCase *tc = tcase_create("unsplit");
  tcase_set_timeout(tc, 180);
  tcase_add_test(tc, test_porcupine_kv_unsplit_verdicts);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return fl_test_run(lincheck_long_suite()); }
