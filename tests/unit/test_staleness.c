/* test_staleness: the staleness of reads (sim/lincheck/staleness.h) on hand-built histories,
 * with exact counts, versions behind, lags and t-visibility buckets; and the run's report of it
 * (summary line, JSON, [expect]). */
#include <check.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "fl_test.h"
#include "lincheck/staleness.h"

#define MS 1000000LL

/* One-line events, failing the test if the analyser refuses one. */
static void w_inv(fl_staleness *s, int64_t t, int64_t p, int64_t key, int64_t v) {
  GError *e = NULL;
  ck_assert_msg(fl_staleness_invoke(s, t, p, FL_STALENESS_WRITE, key, v, &e), "%s",
                e ? e->message : "");
}
static void r_inv(fl_staleness *s, int64_t t, int64_t p, int64_t key) {
  GError *e = NULL;
  ck_assert_msg(fl_staleness_invoke(s, t, p, FL_STALENESS_READ, key, 0, &e), "%s",
                e ? e->message : "");
}
static void done(fl_staleness *s, int64_t t, int64_t p, fl_staleness_outcome o, bool has,
                 int64_t v) {
  GError *e = NULL;
  ck_assert_msg(fl_staleness_complete(s, t, p, o, has, v, &e), "%s", e ? e->message : "");
}
static void ok(fl_staleness *s, int64_t t, int64_t p) { done(s, t, p, FL_STALENESS_OK, false, 0); }
static void ok_read(fl_staleness *s, int64_t t, int64_t p, int64_t v) {
  done(s, t, p, FL_STALENESS_OK, true, v);
}
static void ok_nil(fl_staleness *s, int64_t t, int64_t p) {
  done(s, t, p, FL_STALENESS_OK, false, 0);
}

/* Bucket counts as "reads/fresh" for the five buckets, for one exact comparison. */
static char *buckets(const fl_staleness_result *r) {
  GString *g = g_string_new(NULL);
  for (int i = 0; i < FL_STALENESS_BUCKETS; i++)
    g_string_append_printf(g, "%s%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT, i ? " " : "",
                           r->buckets[i].reads, r->buckets[i].fresh);
  return g_string_free(g, FALSE);
}

#define ASSERT_BUCKETS(r, want)        \
  do {                                 \
    char *b_ = buckets(r);             \
    ck_assert_str_eq(b_, want);        \
    g_free(b_);                        \
  } while (0)

START_TEST(read_missing_a_completed_newer_write_is_stale) {
  fl_staleness *s = fl_staleness_new();
  w_inv(s, 0, 0, 1, 10);
  ok(s, 10 * MS, 0);
  w_inv(s, 20 * MS, 0, 1, 20);
  ok(s, 30 * MS, 0);
  r_inv(s, 40 * MS, 1, 1);
  ok_read(s, 50 * MS, 1, 10); /* misses 20, acknowledged 10 ms before the read began */
  r_inv(s, 60 * MS, 1, 1);
  ok_read(s, 61 * MS, 1, 20); /* the latest: fresh */
  fl_staleness_result r;
  fl_staleness_get(s, &r);
  ck_assert_uint_eq(r.reads, 2);
  ck_assert_uint_eq(r.stale, 1);
  ck_assert_uint_eq(r.versions_max, 1);
  ck_assert_uint_eq(r.versions_total, 1);
  ck_assert_int_eq(r.lag_max_ns, 10 * MS);
  ck_assert_uint_eq(r.ambiguous, 0);
  ck_assert_uint_eq(r.unexplained, 0);
  /* dt 10 ms (stale) and 30 ms (fresh): both in [10ms, 100ms). */
  ASSERT_BUCKETS(&r, "0/0 0/0 2/1 0/0 0/0");
  fl_staleness_free(s);
}
END_TEST

/* A write invoked before the source's acknowledgement is concurrent with it: either order is
 * possible, so missing it is not stale, whichever of the two was acknowledged first. */
START_TEST(concurrent_write_does_not_make_a_read_stale) {
  fl_staleness *s = fl_staleness_new();
  w_inv(s, 0, 0, 1, 1);
  w_inv(s, 5 * MS, 1, 1, 2);
  ok(s, 10 * MS, 0);  /* 1 acknowledged first */
  ok(s, 15 * MS, 1);  /* then 2 */
  r_inv(s, 20 * MS, 2, 1);
  ok_read(s, 25 * MS, 2, 1);
  r_inv(s, 30 * MS, 2, 1);
  ok_read(s, 31 * MS, 2, 2);
  /* The other order on another key: 2 acknowledged before 1. */
  w_inv(s, 40 * MS, 0, 2, 1);
  w_inv(s, 41 * MS, 1, 2, 2);
  ok(s, 42 * MS, 1);
  ok(s, 43 * MS, 0);
  r_inv(s, 43 * MS + 500000, 2, 2);
  ok_read(s, 45 * MS, 2, 2);
  r_inv(s, 46 * MS, 2, 2);
  ok_read(s, 47 * MS, 2, 1);
  fl_staleness_result r;
  fl_staleness_get(s, &r);
  ck_assert_uint_eq(r.reads, 4);
  ck_assert_uint_eq(r.stale, 0);
  ck_assert_uint_eq(r.versions_max, 0);
  ck_assert_int_eq(r.lag_max_ns, 0);
  /* dt 5 ms, 15 ms, 0.5 ms, 3 ms: all fresh. */
  ASSERT_BUCKETS(&r, "1/1 2/2 1/1 0/0 0/0");
  fl_staleness_free(s);
}
END_TEST

/* nil is the initial value: it precedes every write, so every write acknowledged before the
 * read began is missed; the lag is from the newest of them. */
START_TEST(initial_value_misses_every_earlier_write) {
  fl_staleness *s = fl_staleness_new();
  r_inv(s, 0, 2, 7);
  w_inv(s, 0, 0, 7, 3);
  ok(s, 1 * MS, 0);
  ok_nil(s, 2 * MS, 2); /* began before any acknowledgement: not stale, no bucket */
  w_inv(s, 2 * MS, 0, 7, 4);
  ok(s, 3 * MS, 0);
  r_inv(s, 503 * MS, 1, 7);
  ok_nil(s, 504 * MS, 1);
  r_inv(s, 600 * MS, 1, 8); /* a key never written */
  ok_nil(s, 601 * MS, 1);
  fl_staleness_result r;
  fl_staleness_get(s, &r);
  ck_assert_uint_eq(r.reads, 3);
  ck_assert_uint_eq(r.stale, 1);
  ck_assert_uint_eq(r.versions_max, 2);
  ck_assert_uint_eq(r.versions_total, 2);
  ck_assert_int_eq(r.lag_max_ns, 500 * MS);
  ASSERT_BUCKETS(&r, "0/0 0/0 0/0 1/0 0/0");
  fl_staleness_free(s);
}
END_TEST

/* A write of unknown outcome may have taken effect: it is a possible source (a read of its
 * value is fresh) and never a missed write. A failed write did not happen: a read of its value
 * is unexplained. Failed and unknown reads are ignored. */
START_TEST(unknown_write_is_a_source_never_a_missed_write) {
  fl_staleness *s = fl_staleness_new();
  w_inv(s, 0, 0, 1, 1);
  ok(s, 10 * MS, 0);
  w_inv(s, 20 * MS, 1, 1, 2);
  done(s, 30 * MS, 1, FL_STALENESS_UNKNOWN, false, 0);
  r_inv(s, 2000 * MS, 2, 1);
  ok_read(s, 2001 * MS, 2, 1); /* misses only the unknown write: fresh */
  r_inv(s, 2100 * MS, 2, 1);
  ok_read(s, 2101 * MS, 2, 2); /* the unknown write's value: fresh */
  w_inv(s, 2200 * MS, 3, 1, 3);
  done(s, 2201 * MS, 3, FL_STALENESS_FAIL, false, 0);
  r_inv(s, 2300 * MS, 2, 1);
  ok_read(s, 2301 * MS, 2, 3); /* no write of 3 happened */
  r_inv(s, 2400 * MS, 2, 1);
  done(s, 2401 * MS, 2, FL_STALENESS_FAIL, false, 0);
  r_inv(s, 2500 * MS, 2, 1);
  done(s, 2501 * MS, 2, FL_STALENESS_UNKNOWN, false, 0);
  fl_staleness_result r;
  fl_staleness_get(s, &r);
  ck_assert_uint_eq(r.reads, 3);
  ck_assert_uint_eq(r.stale, 0);
  ck_assert_uint_eq(r.unexplained, 1);
  ck_assert_uint_eq(r.ambiguous, 0);
  /* dt from the one acknowledged write (10 ms): 1.99 s and 2.09 s. */
  ASSERT_BUCKETS(&r, "0/0 0/0 0/0 0/0 2/2");
  fl_staleness_free(s);
}
END_TEST

/* A write still in flight when the read returns may be its source: fresh. */
START_TEST(write_in_flight_is_a_possible_source) {
  fl_staleness *s = fl_staleness_new();
  w_inv(s, 0, 0, 1, 5);
  w_inv(s, 1 * MS, 1, 1, 6);
  ok(s, 2 * MS, 1);
  r_inv(s, 3 * MS, 2, 1);
  ok_read(s, 4 * MS, 2, 5);
  ok(s, 10 * MS, 0);
  fl_staleness_result r;
  fl_staleness_get(s, &r);
  ck_assert_uint_eq(r.reads, 1);
  ck_assert_uint_eq(r.stale, 0);
  ASSERT_BUCKETS(&r, "0/0 1/1 0/0 0/0 0/0");
  fl_staleness_free(s);
}
END_TEST

/* The same value written twice: the read is attributed to the later write (fresh, ambiguous);
 * a read of the value in between misses the later one. */
START_TEST(duplicate_values_take_the_latest_source) {
  fl_staleness *s = fl_staleness_new();
  w_inv(s, 0, 0, 1, 1);
  ok(s, 1 * MS, 0);
  w_inv(s, 2 * MS, 0, 1, 2);
  ok(s, 3 * MS, 0);
  w_inv(s, 4 * MS, 0, 1, 1);
  ok(s, 5 * MS, 0);
  r_inv(s, 6 * MS, 1, 1);
  ok_read(s, 7 * MS, 1, 1);
  r_inv(s, 8 * MS, 1, 1);
  ok_read(s, 9 * MS, 1, 2);
  fl_staleness_result r;
  fl_staleness_get(s, &r);
  ck_assert_uint_eq(r.reads, 2);
  ck_assert_uint_eq(r.stale, 1);
  ck_assert_uint_eq(r.versions_max, 1);
  ck_assert_int_eq(r.lag_max_ns, 3 * MS);
  ck_assert_uint_eq(r.ambiguous, 1);
  ASSERT_BUCKETS(&r, "0/0 2/1 0/0 0/0 0/0");
  fl_staleness_free(s);
}
END_TEST

/* Events at the same simulated time keep their order: an acknowledgement fed before the read's
 * invocation is before it, one fed after is concurrent. */
START_TEST(equal_times_follow_the_order_fed) {
  fl_staleness *s = fl_staleness_new();
  w_inv(s, 0, 0, 1, 1);
  ok(s, 1 * MS, 0);
  w_inv(s, 2 * MS, 0, 1, 2);
  ok(s, 5 * MS, 0);
  r_inv(s, 5 * MS, 1, 1);
  ok_read(s, 6 * MS, 1, 1); /* stale, lag 0 */
  w_inv(s, 7 * MS, 0, 1, 3);
  r_inv(s, 8 * MS, 1, 1);
  ok(s, 8 * MS, 0);
  ok_read(s, 9 * MS, 1, 2); /* 3 acknowledged after the read began: fresh */
  fl_staleness_result r;
  fl_staleness_get(s, &r);
  ck_assert_uint_eq(r.stale, 1);
  ck_assert_int_eq(r.lag_max_ns, 0);
  ASSERT_BUCKETS(&r, "1/0 1/1 0/0 0/0 0/0");
  ck_assert_uint_eq(r.reads, 2);
  fl_staleness_free(s);
}
END_TEST

START_TEST(events_that_make_no_history_are_refused) {
  fl_staleness *s = fl_staleness_new();
  GError *e = NULL;
  r_inv(s, 0, 4, 1);
  ck_assert(!fl_staleness_invoke(s, 1, 4, FL_STALENESS_WRITE, 1, 2, &e));
  ck_assert_str_eq(e->message,
                   "event 2: expected process 4 to complete its open operation, found another "
                   "invocation");
  g_clear_error(&e);
  ck_assert(!fl_staleness_complete(s, 2, 5, FL_STALENESS_OK, false, 0, &e));
  ck_assert_str_eq(e->message,
                   "event 2: expected an invocation by process 5, found a completion with no "
                   "operation open");
  g_clear_error(&e);
  fl_staleness_result r;
  fl_staleness_get(s, &r);
  ck_assert_uint_eq(r.reads, 0);
  fl_staleness_free(s);
  fl_staleness_free(NULL);
}
END_TEST

START_TEST(buckets_are_decades_from_1ms) {
  ck_assert_int_eq(fl_staleness_bucket_below_ns(0), 1 * MS);
  ck_assert_int_eq(fl_staleness_bucket_below_ns(3), 1000 * MS);
  ck_assert_int_eq(fl_staleness_bucket_below_ns(4), -1);
  ck_assert_str_eq(fl_staleness_bucket_name(0), "<1ms");
  ck_assert_str_eq(fl_staleness_bucket_name(4), ">=1s");
}
END_TEST

/* The run reports it: a kv run's JSON report has consistency.staleness, the summary a
 * staleness line; a counter run's is null and has no line. */
START_TEST(run_reports_staleness_for_kv_only) {
  char *json = g_strdup_printf("%s/%d-staleness.json", g_get_tmp_dir(), (int)getpid());
  char *args = g_strdup_printf("run scenarios/eventual/healthy.fl --report '%s'", json);
  char *out = NULL, *err = NULL, *text = NULL;
  ck_assert_int_eq(fl_test_cli(args, &out, &err), 0);
  ck_assert_ptr_nonnull(strstr(out, "\nstaleness    0 of "));
  ck_assert(g_file_get_contents(json, &text, NULL, NULL));
  ck_assert_ptr_nonnull(strstr(text, "\"verdict\" : \"linearizable\",\n"
                                     "    \"staleness\" : {\n"
                                     "      \"reads\" : "));
  ck_assert_ptr_nonnull(strstr(text, "\"stale\" : 0,\n"));
  ck_assert_ptr_nonnull(strstr(text, "\"bucket\" : \">=1s\",\n"
                                     "          \"below_ns\" : null,\n"));
  g_free(text);
  g_free(out);
  g_free(err);
  g_free(args);
  args = g_strdup_printf("run scenarios/eventual/counter-crdt.fl --report '%s'", json);
  ck_assert_int_eq(fl_test_cli(args, &out, &err), 0);
  ck_assert_ptr_null(strstr(out, "staleness"));
  ck_assert(g_file_get_contents(json, &text, NULL, NULL));
  ck_assert_ptr_nonnull(strstr(text, "\"staleness\" : null\n"));
  g_unlink(json);
  g_free(text);
  g_free(out);
  g_free(err);
  g_free(args);
  g_free(json);
}
END_TEST

/* [expect] stale_reads on a workload that is not kv fails and says why. */
START_TEST(expect_staleness_needs_kv) {
  char *dir = g_dir_make_tmp("fl-stale-XXXXXX", NULL);
  char *scn = g_build_filename(dir, "c.fl", NULL);
  ck_assert(g_file_set_contents(scn,
                                "[cluster]\nprotocol = eventual\nnodes = 3\nduration = 1s\n"
                                "[workload]\nkind = counter\nclients = 2\n"
                                "[expect]\nstale_reads == 0\n",
                                -1, NULL));
  char *args = g_strdup_printf("run '%s' --quiet", scn);
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(fl_test_cli(args, &out, &err), 1);
  ck_assert_ptr_nonnull(strstr(out, "stale_reads == 0: no staleness: the workload is not kv"));
  g_free(out);
  g_free(err);
  g_free(args);
  g_unlink(scn);
  g_rmdir(dir);
  g_free(scn);
  g_free(dir);
}
END_TEST

/* The eventual store's converged_at_ns (anti-entropy and hints only) is an instant: the summary
 * says how long after the run's last heal it came, the JSON report has the heal's time. */
START_TEST(convergence_is_reported_after_the_heal) {
  char *json = g_strdup_printf("%s/%d-converge.json", g_get_tmp_dir(), (int)getpid());
  char *args = g_strdup_printf("run scenarios/eventual/converge.fl --report '%s'", json);
  char *out = NULL, *err = NULL, *text = NULL;
  ck_assert_int_eq(fl_test_cli(args, &out, &err), 0);
  const char *line = strstr(out, "             converged_at_ns max 3.");
  ck_assert_ptr_nonnull(line);
  const char *after = strstr(line, " after the heal at 3s (n");
  ck_assert_ptr_nonnull(after);
  ck_assert_ptr_null(memchr(line + 1, '\n', (size_t)(after - line - 1)));
  ck_assert(g_file_get_contents(json, &text, NULL, NULL));
  ck_assert_ptr_nonnull(strstr(text, "\"heal_ns\" : 3000000000,"));
  g_free(text);
  g_free(out);
  g_free(err);
  g_free(args);
  /* No heal in the timeline: null, and no "after the heal". */
  args = g_strdup_printf("run scenarios/eventual/anti-entropy.fl --report '%s'", json);
  ck_assert_int_eq(fl_test_cli(args, &out, &err), 0);
  ck_assert_ptr_null(strstr(out, "after the heal"));
  ck_assert(g_file_get_contents(json, &text, NULL, NULL));
  ck_assert_ptr_nonnull(strstr(text, "\"heal_ns\" : null,"));
  g_unlink(json);
  g_free(text);
  g_free(out);
  g_free(err);
  g_free(args);
  g_free(json);
}
END_TEST

int main(void) {
  Suite *s = suite_create("staleness");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, read_missing_a_completed_newer_write_is_stale);
  tcase_add_test(tc, concurrent_write_does_not_make_a_read_stale);
  tcase_add_test(tc, initial_value_misses_every_earlier_write);
  tcase_add_test(tc, unknown_write_is_a_source_never_a_missed_write);
  tcase_add_test(tc, write_in_flight_is_a_possible_source);
  tcase_add_test(tc, duplicate_values_take_the_latest_source);
  tcase_add_test(tc, equal_times_follow_the_order_fed);
  tcase_add_test(tc, events_that_make_no_history_are_refused);
  tcase_add_test(tc, buckets_are_decades_from_1ms);
  tcase_add_test(tc, run_reports_staleness_for_kv_only);
  tcase_add_test(tc, expect_staleness_needs_kv);
  tcase_add_test(tc, convergence_is_reported_after_the_heal);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
