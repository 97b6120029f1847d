/* Tests of faultline digest-check (sim/cli/digest_check.c): golden files written, checked,
 * updated; a mismatch located to its window with the window's first record; --baseline naming
 * the first differing record; every malformed golden file in tests/data/golden/ giving the
 * exact message stored beside it (NAME.golden -> NAME.expected).
 *
 * Expected values come from other commands (run's digest line, dump's records), so the tests
 * hold whatever the scenarios' behaviour, and fail if digest-check disagrees with them. */
#include "fl_test.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define SCN "scenarios/skeleton/steady.fl"

static int run(const char *args, char **out, char **err) { return fl_test_cli(args, out, err); }

/* A path in $TMPDIR of this process's own. */
static char *tmp_path(const char *name) {
  return g_strdup_printf("%s/%d-%s", g_get_tmp_dir(), (int)getpid(), name);
}

static char *read_text(const char *path) {
  char *s = NULL;
  ck_assert_msg(g_file_get_contents(path, &s, NULL, NULL), "cannot read %s", path);
  return s;
}

/* The golden file's line for `seed` (newly allocated), split into words. */
static char **golden_words(const char *path, unsigned seed) {
  char *text = read_text(path);
  char **lines = g_strsplit(text, "\n", -1);
  char *prefix = g_strdup_printf(SCN " seed %u ", seed);
  char **words = NULL;
  for (int i = 0; lines[i]; i++)
    if (g_str_has_prefix(lines[i], prefix)) words = g_strsplit(lines[i], " ", -1);
  ck_assert_msg(words != NULL, "no line for seed %u in %s", seed, path);
  g_free(prefix);
  g_strfreev(lines);
  g_free(text);
  return words;
}

/* The hashed records of `seed`'s run as `faultline dump` prints them (no header, no status
 * lines, no end line), as "TIME: REST" the way digest-check quotes a record. */
static GPtrArray *dumped_records(unsigned seed) {
  char *trace = tmp_path("dump.trace");
  char *cmd = g_strdup_printf("run --quiet --seed %u --trace '%s' " SCN
                              " >/dev/null && '%s' dump '%s'",
                              seed, trace, fl_test_faultline(), trace);
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run(cmd, &out, &err), 0);
  GPtrArray *recs = g_ptr_array_new_with_free_func(g_free);
  char **lines = g_strsplit(out, "\n", -1);
  for (int i = 0; lines[i]; i++) {
    if (g_str_has_prefix(lines[i], "# ") || g_str_has_prefix(lines[i], "digest ")) continue;
    char *l = g_strstrip(lines[i]);
    if (!*l) continue;
    char *sp = strchr(l, ' ');
    ck_assert_ptr_nonnull(sp);
    *sp = '\0';
    char *rest = g_strchug(sp + 1);
    if (g_str_has_prefix(rest, "status ") || g_str_has_prefix(rest, "end ")) continue;
    g_ptr_array_add(recs, g_strdup_printf("%s: %s", l, rest));
  }
  g_strfreev(lines);
  g_unlink(trace);
  g_free(out);
  g_free(err);
  g_free(cmd);
  g_free(trace);
  return recs;
}

static void write_golden(const char *path, const char *seeds) {
  char *args = g_strdup_printf("digest-check --write '%s' --seeds %s " SCN, path, seeds);
  char *out = NULL, *err = NULL, *want = NULL;
  ck_assert_int_eq(run(args, &out, &err), 0);
  ck_assert_str_eq(err, "");
  int n = strchr(seeds, ',') ? 2 : 1;
  want = g_strdup_printf("digest-check: wrote %d run%s to %s\n", n, n == 1 ? "" : "s", path);
  ck_assert_str_eq(out, want);
  g_free(want);
  g_free(out);
  g_free(err);
  g_free(args);
}

/* Replaces the golden file's line for `seed` by `words` joined. */
static void replace_line(const char *path, unsigned seed, char **words) {
  char *text = read_text(path);
  char **lines = g_strsplit(text, "\n", -1);
  char *prefix = g_strdup_printf(SCN " seed %u ", seed);
  for (int i = 0; lines[i]; i++)
    if (g_str_has_prefix(lines[i], prefix)) {
      g_free(lines[i]);
      lines[i] = g_strjoinv(" ", words);
    }
  char *joined = g_strjoinv("\n", lines);
  ck_assert(g_file_set_contents(path, joined, -1, NULL));
  g_free(joined);
  g_free(prefix);
  g_strfreev(lines);
  g_free(text);
}

/* The index of a word in a golden line. */
static int word(char **w, const char *name) {
  for (int i = 0; w[i]; i++)
    if (strcmp(w[i], name) == 0) return i + 1;
  ck_abort_msg("no '%s' in the golden line", name);
  return -1;
}

START_TEST(written_file_agrees_with_run_and_dump_and_checks_clean) {
  char *golden = tmp_path("w.golden");
  write_golden(golden, "1,7");
  char **w = golden_words(golden, 7);
  /* The digest is run's. */
  char *out = NULL, *err = NULL;
  run("run --quiet --seed 7 " SCN, &out, &err);
  char *want = g_strdup_printf("digest %s\n", w[word(w, "digest")]);
  ck_assert_msg(g_str_has_suffix(out, want), "run says %s, the golden file %s", out, want);
  g_free(want);
  g_free(out);
  g_free(err);
  /* records counts dump's hashed records; one checkpoint per power of two up to it. */
  GPtrArray *recs = dumped_records(7);
  guint64 records = g_ascii_strtoull(w[word(w, "records")], NULL, 10);
  ck_assert_uint_eq(records, recs->len);
  int cps = (int)g_strv_length(w) - word(w, "checkpoints");
  ck_assert_int_eq(cps, 64 - __builtin_clzll(records));
  g_ptr_array_unref(recs);
  g_strfreev(w);
  /* Checking it again: everything matches, nothing else printed. */
  char *args = g_strdup_printf("digest-check '%s'", golden);
  ck_assert_int_eq(run(args, &out, &err), 0);
  want = g_strdup_printf("digest-check %s: 2 runs, all match\n", golden);
  ck_assert_str_eq(out, want);
  ck_assert_str_eq(err, "");
  g_free(want);
  g_free(out);
  g_free(err);
  g_free(args);
  args = g_strdup_printf("digest-check --every 2 '%s'", golden);
  ck_assert_int_eq(run(args, &out, &err), 0);
  want = g_strdup_printf("digest-check %s: 1 run of 2 (every 2), all match\n", golden);
  ck_assert_str_eq(out, want);
  g_free(want);
  g_free(out);
  g_free(err);
  g_free(args);
  g_unlink(golden);
  g_free(golden);
}
END_TEST

/* The deliberately edited line: a wrong digest, and checkpoints wrong from the one after record
 * 32 on. The message names the scenario, seed, both digests, the window 17..32 and record 17
 * of the new run exactly as dump shows it; the summary says how to regenerate. --update then
 * puts the file back as --write wrote it. */
START_TEST(edited_line_gives_the_exact_mismatch_message_and_update_restores_it) {
  char *golden = tmp_path("e.golden");
  write_golden(golden, "1,7");
  char *original = read_text(golden);
  char **w = golden_words(golden, 1);
  char *digest = g_strdup(w[word(w, "digest")]);
  const char *events = w[word(w, "events")], *records = w[word(w, "records")];
  int cp0 = word(w, "checkpoints");
  ck_assert_int_ge((int)g_strv_length(w) - cp0, 7); /* the run has over 64 records */
  g_free(w[word(w, "digest")]);
  w[word(w, "digest")] = g_strdup("0x0000000000000000");
  for (int k = cp0 + 5; w[k]; k++) {
    g_free(w[k]);
    w[k] = g_strdup("0x00000000000000ff");
  }
  replace_line(golden, 1, w);
  GPtrArray *recs = dumped_records(1);
  char *want = g_strdup_printf(
      "MISMATCH " SCN " seed 1 (%s:7): expected digest 0x0000000000000000, found %s; events %s, "
      "found %s; records %s, found %s\n"
      "  first difference within records 17..32 (the running digests agree up to record 16)\n"
      "  record 17 of the new run, at %s\n"
      "digest-check %s: 2 runs, 1 differs, 0 could not run\n"
      "If the new behaviour is intended, regenerate the file and commit it with the change:\n"
      "  faultline digest-check --update %s\n",
      golden, digest, events, events, records, records,
      (const char *)g_ptr_array_index(recs, 16), golden, golden);
  char *args = g_strdup_printf("digest-check '%s'", golden);
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run(args, &out, &err), 1);
  ck_assert_str_eq(out, want);
  ck_assert_str_eq(err, "");
  g_free(out);
  g_free(err);
  g_free(args);
  args = g_strdup_printf("digest-check --update '%s'", golden);
  ck_assert_int_eq(run(args, &out, &err), 0);
  g_free(want);
  want = g_strdup_printf("digest-check: rewrote 2 runs in %s\n", golden);
  ck_assert_str_eq(out, want);
  char *updated = read_text(golden);
  ck_assert_str_eq(updated, original);
  g_free(updated);
  g_free(out);
  g_free(err);
  g_free(args);
  g_free(want);
  g_ptr_array_unref(recs);
  g_strfreev(w);
  g_free(digest);
  g_free(original);
  g_unlink(golden);
  g_free(golden);
}
END_TEST

/* A run that ends earlier than the golden file's: the window reaches past the new run's end. */
START_TEST(shorter_run_is_located_after_its_last_checkpoint) {
  char *golden = tmp_path("s.golden");
  write_golden(golden, "1");
  char **w = golden_words(golden, 1);
  guint64 records = g_ascii_strtoull(w[word(w, "records")], NULL, 10);
  /* Claim one more checkpoint's worth of records, with the real ones kept. */
  int cp0 = word(w, "checkpoints"), n = (int)g_strv_length(w) - cp0;
  guint64 more = (guint64)1 << n;
  GPtrArray *grown = g_ptr_array_new_with_free_func(g_free);
  for (int i = 0; w[i]; i++) g_ptr_array_add(grown, g_strdup(w[i]));
  g_free(grown->pdata[word(w, "records")]);
  grown->pdata[word(w, "records")] = g_strdup_printf("%" G_GUINT64_FORMAT, more);
  g_ptr_array_add(grown, g_strdup("0x00000000000000ff"));
  g_ptr_array_add(grown, NULL);
  replace_line(golden, 1, (char **)grown->pdata);
  char *args = g_strdup_printf("digest-check '%s'", golden);
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run(args, &out, &err), 1);
  guint64 lo = ((guint64)1 << (n - 1)) + 1;
  char *want = g_strdup_printf(
      "  first difference within records %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT
      " (the running digests agree up to record %" G_GUINT64_FORMAT ")\n",
      lo, more, lo - 1);
  ck_assert_msg(strstr(out, want), "%s", out);
  g_free(want);
  /* The golden digest is the run's: only the count and the checkpoints were edited. */
  want = g_strdup_printf("; records %" G_GUINT64_FORMAT ", found %" G_GUINT64_FORMAT "\n", more,
                         records);
  ck_assert_msg(strstr(out, want), "%s", out);
  g_free(want);
  g_free(out);
  g_free(err);
  g_free(args);
  g_ptr_array_unref(grown);
  g_strfreev(w);
  g_unlink(golden);
  g_free(golden);
}
END_TEST

/* Only the event count differs (the records, so the digest, are the same): said so, exit 1. */
START_TEST(events_only_difference_is_named) {
  char *golden = tmp_path("v.golden");
  write_golden(golden, "1");
  char **w = golden_words(golden, 1);
  char *events = g_strdup(w[word(w, "events")]), *digest = g_strdup(w[word(w, "digest")]);
  const char *records = w[word(w, "records")];
  g_free(w[word(w, "events")]);
  w[word(w, "events")] = g_strdup("1");
  replace_line(golden, 1, w);
  char *args = g_strdup_printf("digest-check '%s'", golden);
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run(args, &out, &err), 1);
  char *want = g_strdup_printf(
      "MISMATCH " SCN " seed 1 (%s:7): expected digest %s, found %s; events 1, found %s; "
      "records %s, found %s\n"
      "  the records are the same: only the count of events that write none changed\n",
      golden, digest, digest, events, records, records);
  ck_assert_msg(g_str_has_prefix(out, want), "%s", out);
  g_free(want);
  g_free(out);
  g_free(err);
  g_free(args);
  g_free(events);
  g_free(digest);
  g_strfreev(w);
  g_unlink(golden);
  g_free(golden);
}
END_TEST

/* --baseline runs an "old" binary (here a script running faultline with seed 8 in place of 1)
 * and names the first record where the traces part, as a comparison of the dumps finds it. */
START_TEST(baseline_names_the_first_differing_record) {
  char *golden = tmp_path("b.golden"), *script = tmp_path("old.sh");
  write_golden(golden, "1");
  char *body = g_strdup_printf("#!/bin/sh\n# run --quiet --seed S --trace P SCENARIO\n"
                               "exec '%s' run --quiet --seed 8 --trace \"$6\" \"$7\"\n",
                               fl_test_faultline());
  ck_assert(g_file_set_contents(script, body, -1, NULL));
  ck_assert_int_eq(g_chmod(script, 0755), 0);
  char **w = golden_words(golden, 1);
  g_free(w[word(w, "digest")]);
  w[word(w, "digest")] = g_strdup("0x0000000000000000");
  replace_line(golden, 1, w);
  GPtrArray *old = dumped_records(8), *cur = dumped_records(1);
  guint n = 0;
  while (n < old->len && n < cur->len &&
         strcmp(g_ptr_array_index(old, n), g_ptr_array_index(cur, n)) == 0)
    n++;
  ck_assert_uint_lt(n, MIN(old->len, cur->len));
  char *want = g_strdup_printf("  baseline: the first differing record is %u\n"
                               "    record %u of the baseline, at %s\n"
                               "    record %u of the new run, at %s\n"
                               "digest-check %s: 1 run, 1 differs",
                               n + 1, n + 1, (const char *)g_ptr_array_index(old, n), n + 1,
                               (const char *)g_ptr_array_index(cur, n), golden);
  char *args = g_strdup_printf("digest-check '%s' --baseline '%s'", golden, script);
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run(args, &out, &err), 1);
  ck_assert_msg(strstr(out, want), "expected\n%s\nin\n%s", want, out);
  g_free(out);
  g_free(err);
  g_free(args);
  g_free(want);
  g_ptr_array_unref(old);
  g_ptr_array_unref(cur);
  g_strfreev(w);
  g_free(body);
  g_unlink(script);
  g_unlink(golden);
  g_free(script);
  g_free(golden);
}
END_TEST

START_TEST(every_malformed_golden_file_gives_its_message) {
  char *dir = fl_test_source_path("tests/data/golden");
  GDir *d = g_dir_open(dir, 0, NULL);
  ck_assert_ptr_nonnull(d);
  const char *name;
  int checked = 0;
  while ((name = g_dir_read_name(d))) {
    if (!g_str_has_suffix(name, ".golden")) continue;
    char *base = g_strndup(name, strlen(name) - 7);
    char *exp_path = g_strdup_printf("%s/%s.expected", dir, base);
    char *want = read_text(exp_path);
    char *args = g_strdup_printf("digest-check tests/data/golden/%s", name);
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(run(args, &out, &err), 2);
    ck_assert_str_eq(out, "");
    ck_assert_str_eq(err, want);
    checked++;
    g_free(out);
    g_free(err);
    g_free(args);
    g_free(want);
    g_free(exp_path);
    g_free(base);
  }
  g_dir_close(d);
  g_free(dir);
  ck_assert_int_ge(checked, 14);
}
END_TEST

static void usage_error(const char *args, const char *want) {
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run(args, &out, &err), 2);
  ck_assert_str_eq(out, "");
  ck_assert_str_eq(err, want);
  g_free(out);
  g_free(err);
}

START_TEST(usage_and_input_errors_exit_two) {
  usage_error("digest-check", "faultline digest-check: expected one golden file, found 0 "
                              "arguments\n");
  usage_error("digest-check --write a.golden", "faultline digest-check: --write: expected one "
                                               "or more scenario files, found none\n");
  usage_error("digest-check --write a.golden --update b.golden",
              "faultline digest-check: expected one of --write and --update, found both\n");
  usage_error("digest-check --seeds 1 x.golden",
              "faultline digest-check: --seeds: only with --write (an existing file's entries "
              "name their seeds)\n");
  usage_error("digest-check --write /nonexistent/a.golden --seeds 1..x " SCN,
              "faultline digest-check: --seeds: expected seeds or ranges A..B separated by "
              "commas (at most 100000 seeds), found '1..x'\n");
  usage_error("digest-check --write /nonexistent/a.golden --seeds 1 " SCN " " SCN,
              "faultline digest-check: --write: scenario '" SCN "' given twice\n");
  usage_error("digest-check --write /nonexistent/a.golden --seeds 1 '" SCN " '",
              "faultline digest-check: --write: expected a scenario path without whitespace "
              "and not starting with '#', found '" SCN " '\n");
  usage_error("digest-check --every 0 x.golden",
              "faultline digest-check: --every: expected a positive integer, and only when "
              "checking, found 0\n");
  usage_error("digest-check --every 2 --update x.golden",
              "faultline digest-check: --every: expected a positive integer, and only when "
              "checking, found 2 with --update\n");
  /* The file is opened after the runs; a bad path leaves nothing. */
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run("digest-check --write /nonexistent/a.golden --seeds 1 " SCN, &out, &err),
                   2);
  ck_assert(g_str_has_prefix(err, "faultline digest-check: cannot write golden file "
                                  "'/nonexistent/a.golden': "));
  g_free(out);
  g_free(err);
  /* A scenario that no longer loads: named with its golden line, exit 2. */
  char *golden = tmp_path("gone.golden");
  ck_assert(g_file_set_contents(golden,
                                "faultline-golden 1\nscenarios/gone.fl seed 1 digest "
                                "0x0000000000000000 events 0 records 0 checkpoints\n"
                                "scenarios/gone.fl seed 7 digest 0x0000000000000000 events 0 "
                                "records 0 checkpoints\n", -1, NULL));
  char *args = g_strdup_printf("digest-check '%s'", golden);
  ck_assert_int_eq(run(args, &out, &err), 2);
  char *want = g_strdup_printf("%s:2: ", golden);
  ck_assert_msg(g_str_has_prefix(err, want), "%s", err);
  g_free(want);
  want = g_strdup_printf("digest-check %s: 2 runs, 0 differ, 2 could not run\n", golden);
  ck_assert_str_eq(out, want);
  g_free(want);
  g_free(out);
  g_free(err);
  g_free(args);
  g_unlink(golden);
  g_free(golden);
}
END_TEST

int main(void) {
  Suite *s = suite_create("digest_check");
  TCase *tc = tcase_create("digest_check");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, written_file_agrees_with_run_and_dump_and_checks_clean);
  tcase_add_test(tc, edited_line_gives_the_exact_mismatch_message_and_update_restores_it);
  tcase_add_test(tc, shorter_run_is_located_after_its_last_checkpoint);
  tcase_add_test(tc, events_only_difference_is_named);
  tcase_add_test(tc, baseline_names_the_first_differing_record);
  tcase_add_test(tc, every_malformed_golden_file_gives_its_message);
  tcase_add_test(tc, usage_and_input_errors_exit_two);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
