/* Tests of the trace: every record kind round-trips with its fields, the digest is the same
 * computed three ways (writer, END record, reader), outputs appear only on a kept close, and
 * malformed files give exact errors and never a crash. */
#include "fl_test.h"
#include "outfile.h"
#include "trace.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* A path in $TMPDIR of this process's own (two suites running at once never share a file). */
static char *tmp(const char *name) {
  return g_strdup_printf("%s/%d-%s", g_get_tmp_dir(), (int)getpid(), name);
}

static void write_all(fl_trace *t) {
  int groups[4] = {0, 0, 1, 1};
  fl_trace_send(t, 10, 1, 0, 2, 37, 0, "AppendEntries t3");
  fl_trace_deliver(t, 15, 1, 0, 2);
  fl_trace_drop(t, 20, 2, 1, 0, 2);
  fl_trace_duplicate(t, 20, 3, 2, 1);
  fl_trace_timer(t, 25, 1, 77);
  fl_trace_node_event(t, 30, FL_TR_CRASH, 2);
  fl_trace_node_event(t, 31, FL_TR_RESTART, 2);
  fl_trace_node_event(t, 32, FL_TR_PAUSE, 1);
  fl_trace_node_event(t, 33, FL_TR_RESUME, 1);
  fl_trace_partition(t, 40, groups, 4);
  fl_trace_heal(t, 50);
  fl_trace_cut(t, 60, 0, 1, true);
  fl_trace_net_change(t, 61, "loss = 20%");
  fl_trace_invoke(t, 70, 3, 5, 9, 2, -4, 17, -1, 1);
  fl_trace_complete(t, 80, 3, 5, 9, 1, true, -123456789012LL);
  fl_trace_annotate(t, 90, 0, "became leader, term 3");
  fl_trace_state(t, 90, 0, "leader t3");
  fl_trace_violation(t, 1000000000000LL, "election safety");
}

START_TEST(every_kind_round_trips) {
  char *path = tmp("fl-test.trace");
  fl_trace *t = fl_trace_open(path, "{\"nodes\":3}", NULL);
  ck_assert_ptr_nonnull(t);
  write_all(t);
  uint64_t digest = fl_trace_digest(t);
  ck_assert_uint_eq(fl_trace_records(t), 18);
  ck_assert(fl_trace_close(t, true, NULL));

  fl_trace_reader *r = fl_trace_reader_open(path, NULL);
  ck_assert_ptr_nonnull(r);
  ck_assert_str_eq(fl_trace_reader_meta(r), "{\"nodes\":3}");
  fl_trace_rec rec;
  GError *e = NULL;
#define NEXT(k) ck_assert(fl_trace_reader_next(r, &rec, &e)); ck_assert_int_eq(rec.kind, k)
  NEXT(FL_TR_SEND);
  ck_assert_int_eq(rec.time_ns, 10);
  ck_assert_uint_eq(rec.msg_id, 1);
  ck_assert_int_eq(rec.src, 0);
  ck_assert_int_eq(rec.dst, 2);
  ck_assert_uint_eq(rec.len, 37);
  ck_assert_str_eq(rec.text, "AppendEntries t3");
  NEXT(FL_TR_DELIVER);
  ck_assert_int_eq(rec.time_ns, 15);
  NEXT(FL_TR_DROP);
  ck_assert_uint_eq(rec.msg_id, 2);
  ck_assert_uint_eq(rec.tag, 2);
  NEXT(FL_TR_DUPLICATE);
  ck_assert_int_eq(rec.src, 2);
  NEXT(FL_TR_TIMER);
  ck_assert_int_eq(rec.node, 1);
  ck_assert_uint_eq(rec.tag, 77);
  NEXT(FL_TR_CRASH);
  ck_assert_int_eq(rec.node, 2);
  NEXT(FL_TR_RESTART);
  NEXT(FL_TR_PAUSE);
  NEXT(FL_TR_RESUME);
  ck_assert_int_eq(rec.time_ns, 33);
  NEXT(FL_TR_PARTITION);
  ck_assert_int_eq(rec.n_groups, 4);
  ck_assert_int_eq(rec.groups[0], 0);
  ck_assert_int_eq(rec.groups[3], 1);
  NEXT(FL_TR_HEAL);
  NEXT(FL_TR_CUT);
  ck_assert_uint_eq(rec.tag, 1);
  NEXT(FL_TR_NET_CHANGE);
  ck_assert_str_eq(rec.text, "loss = 20%");
  NEXT(FL_TR_INVOKE);
  ck_assert_int_eq(rec.node, 3);
  ck_assert_uint_eq(rec.process, 5);
  ck_assert_uint_eq(rec.seq, 9);
  ck_assert_int_eq(rec.op_kind, 2);
  ck_assert_int_eq(rec.key, -4);
  ck_assert_int_eq(rec.value, 17);
  ck_assert_int_eq(rec.expected, -1);
  ck_assert_int_eq(rec.dst, 1);
  NEXT(FL_TR_COMPLETE);
  ck_assert_int_eq(rec.outcome, 1);
  ck_assert(rec.has_value);
  ck_assert_int_eq(rec.value, -123456789012LL);
  NEXT(FL_TR_ANNOTATE);
  ck_assert_str_eq(rec.text, "became leader, term 3");
  NEXT(FL_TR_STATE);
  ck_assert_str_eq(rec.text, "leader t3");
  NEXT(FL_TR_VIOLATION);
  ck_assert_int_eq(rec.time_ns, 1000000000000LL);
  NEXT(FL_TR_END);
  ck_assert_uint_eq(rec.digest, digest);
  ck_assert_uint_eq(fl_trace_reader_digest(r), digest);
  ck_assert(!fl_trace_reader_next(r, &rec, &e));
  ck_assert_ptr_null(e);
#undef NEXT
  fl_trace_reader_free(r);
  g_unlink(path);
  g_free(path);
}
END_TEST

START_TEST(digest_is_the_same_without_a_file_and_changes_with_any_field) {
  fl_trace *a = fl_trace_open(NULL, NULL, NULL), *b = fl_trace_open(NULL, NULL, NULL);
  char *path = tmp("fl-test-digest.trace");
  fl_trace *c = fl_trace_open(path, "{}", NULL);
  write_all(a);
  write_all(b);
  write_all(c);
  ck_assert_uint_eq(fl_trace_digest(a), fl_trace_digest(b));
  ck_assert_uint_eq(fl_trace_digest(a), fl_trace_digest(c));
  fl_trace_timer(b, 2000000000000LL, 1, 78);
  fl_trace_timer(a, 2000000000000LL, 1, 77);
  ck_assert_uint_ne(fl_trace_digest(a), fl_trace_digest(b));
  ck_assert(fl_trace_close(a, true, NULL));
  ck_assert(fl_trace_close(b, true, NULL));
  ck_assert(fl_trace_close(c, false, NULL));
  ck_assert(!g_file_test(path, G_FILE_TEST_EXISTS));
  /* No temporary file is left beside it either. */
  char *dir = g_path_get_dirname(path);
  GDir *d = g_dir_open(dir, 0, NULL);
  const char *name;
  while ((name = g_dir_read_name(d))) ck_assert(!g_str_has_prefix(name, "fl-test-digest.trace"));
  g_dir_close(d);
  g_free(dir);
  g_free(path);
}
END_TEST

static char *bad_file(const char *name, const void *bytes, size_t len) {
  char *path = tmp(name);
  ck_assert(g_file_set_contents(path, bytes, (gssize)len, NULL));
  return path;
}

/* Reads to the end; returns the error message (newly allocated) or NULL. */
static char *read_error(const char *path) {
  GError *e = NULL;
  fl_trace_reader *r = fl_trace_reader_open(path, &e);
  if (r) {
    fl_trace_rec rec;
    while (fl_trace_reader_next(r, &rec, &e)) {
    }
    fl_trace_reader_free(r);
  }
  char *msg = e ? g_strdup(e->message) : NULL;
  g_clear_error(&e);
  return msg;
}

static void expect_message(const char *name, const void *bytes, size_t len, const char *suffix) {
  char *path = bad_file(name, bytes, len);
  char *msg = read_error(path);
  char *want = g_strdup_printf("%s: %s", path, suffix);
  ck_assert_ptr_nonnull(msg);
  ck_assert_str_eq(msg, want);
  g_unlink(path);
  g_free(path);
  g_free(msg);
  g_free(want);
}

START_TEST(malformed_traces_give_exact_errors) {
  expect_message("fl-bad1.trace", "NOTATRACE", 9,
                 "byte 0: expected a faultline trace (starting with FLTRACE3 or FLTRACE2), found other bytes");
  /* Header, then a SEND record cut in the middle of its fields. */
  const unsigned char cut[] = {'F', 'L', 'T', 'R', 'A', 'C', 'E', '2', 2, '{', '}', 1, 5, 1, 0};
  expect_message("fl-bad2.trace", cut, sizeof cut,
                 "byte 15: expected a complete record, found the end of the file");
  const unsigned char kind[] = {'F', 'L', 'T', 'R', 'A', 'C', 'E', '2', 0, 77, 0};
  expect_message("fl-bad3.trace", kind, sizeof kind,
                 "byte 9: expected a record kind from 1 to 20, found 77");
  unsigned char longv[30] = {'F', 'L', 'T', 'R', 'A', 'C', 'E', '2', 0, 5};
  for (int i = 10; i < 30; i++) longv[i] = 0xff;
  expect_message("fl-bad4.trace", longv, sizeof longv,
                 "byte 10: expected a varint of at most 64 bits, found a longer one");
  const unsigned char huge[] = {'F', 'L', 'T', 'R', 'A', 'C', 'E', '2', 0, 18, 0, 0x80, 0x80, 0x04, 'x'};
  expect_message("fl-bad5.trace", huge, sizeof huge,
                 "byte 11: expected a string of at most 1 bytes (the rest of the file), found a "
                 "length of 65536");
  /* STATUS records: a role, a word, a term kind and flags outside their vocabularies. */
  const unsigned char role[] = {'F', 'L', 'T', 'R', 'A', 'C', 'E', '3', 0, FL_TR_STATUS, 0, 0, 9};
  expect_message("fl-bad6.trace", role, sizeof role, "byte 12: expected a role below 8, found 9");
  unsigned char word[40] = {'F', 'L', 'T', 'R', 'A', 'C', 'E', '3', 0, FL_TR_STATUS, 0, 0, 1, 16};
  memset(word + 14, 'a', 16);
  expect_message("fl-bad7.trace", word, 30,
                 "byte 13: expected a status word of at most 15 bytes without NUL, found 16 "
                 "bytes");
  const unsigned char tk[] = {'F', 'L', 'T', 'R', 'A', 'C', 'E', '3', 0, FL_TR_STATUS, 0, 0, 1, 0, 5};
  expect_message("fl-bad8.trace", tk, sizeof tk,
                 "byte 14: expected a term kind below 5, found 5");
  const unsigned char fl[] = {'F', 'L', 'T', 'R', 'A', 'C', 'E', '3', 0, FL_TR_STATUS, 0, 0, 1, 0,
                              1, 3, 0, 4};
  expect_message("fl-bad9.trace", fl, sizeof fl,
                 "byte 17: expected status flags from 0 to 3, found 4");
}
END_TEST

/* A header nested 100,000 deep overflowed json-glib's stack in dump and viz: the reader checks
 * the nesting and names the byte of the first bracket past FL_LIMIT_JSON_DEPTH. */
START_TEST(a_header_nested_too_deep_is_refused) {
  GString *meta = g_string_new("{\"nodes\":3,\"x\":");
  for (int i = 0; i < 100000; i++) g_string_append_c(meta, '[');
  char *path = tmp("fl-deep.trace");
  fl_trace *t = fl_trace_open(path, meta->str, NULL);
  ck_assert_ptr_nonnull(t);
  ck_assert(fl_trace_close(t, true, NULL));
  /* 8 bytes of magic, 3 of length; the object is level 1, so the 64th '[' is level 65. */
  char *msg = read_error(path);
  char *want = g_strdup_printf("%s: byte %zu: header: expected arrays and objects nested at most "
                               "64 deep, found one nested deeper", path,
                               (size_t)8 + 3 + strlen("{\"nodes\":3,\"x\":") + 63);
  ck_assert_str_eq(msg, want);
  g_free(msg);
  g_free(want);
  g_unlink(path);
  /* At the limit it opens. */
  g_string_truncate(meta, strlen("{\"nodes\":3,\"x\":") + 63);
  for (int i = 0; i < 63; i++) g_string_append_c(meta, ']');
  g_string_append_c(meta, '}');
  t = fl_trace_open(path, meta->str, NULL);
  ck_assert(fl_trace_close(t, true, NULL));
  GError *e = NULL;
  fl_trace_reader *r = fl_trace_reader_open(path, &e);
  ck_assert_ptr_nonnull(r);
  ck_assert_str_eq(fl_trace_reader_meta(r), meta->str);
  fl_trace_reader_free(r);
  g_unlink(path);
  g_free(path);
  g_string_free(meta, TRUE);
}
END_TEST

START_TEST(random_garbage_never_crashes) {
  uint64_t x = 7;
  for (int i = 0; i < 400; i++) {
    unsigned char buf[200];
    memcpy(buf, "FLTRACE2", 8);
    buf[8] = 0;
    size_t len = 9 + (size_t)(i % 190);
    for (size_t k = 9; k < len; k++) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      buf[k] = (unsigned char)(i % 3 == 0 ? (x % 20) : x);
    }
    char *path = bad_file("fl-garbage.trace", buf, len);
    g_free(read_error(path));
    g_unlink(path);
    g_free(path);
  }
}
END_TEST

/* ---- STATUS records: round trip, outside the digest, and printed by `faultline dump`. */

static void write_with_status(fl_trace *t, bool with_status) {
  fl_node_status lead, cand;
  fl_node_status_init(&lead);
  lead.role = FL_ROLE_LEADER;
  lead.term_kind = FL_TERM_TERM;
  lead.term = 300; /* two varint bytes */
  lead.leader = 0;
  lead.has_commit = lead.has_applied = true;
  lead.commit = 12;
  lead.applied = 11;
  fl_node_status_init(&cand);
  cand.role = FL_ROLE_CANDIDATE;
  g_strlcpy(cand.word, "precandidate-and-more", sizeof cand.word); /* cut to 15 bytes */
  cand.term_kind = FL_TERM_BALLOT;
  cand.term = 7;
  fl_trace_timer(t, 10, 0, 1);
  if (with_status) fl_trace_status(t, 10, 0, &lead);
  fl_trace_timer(t, 15, 1, 2);
  if (with_status) fl_trace_status(t, 17, 1, &cand); /* later than the previous record */
  fl_trace_timer(t, 20, 2, 3);
}

START_TEST(status_records_round_trip_outside_the_digest) {
  char *path = tmp("fl-status.trace");
  fl_trace *plain = fl_trace_open(NULL, NULL, NULL);
  write_with_status(plain, false);
  uint64_t want = fl_trace_digest(plain);
  ck_assert(fl_trace_close(plain, true, NULL));
  fl_trace *t = fl_trace_open(path, "{\"nodes\":3}", NULL);
  write_with_status(t, true);
  ck_assert_uint_eq(fl_trace_digest(t), want); /* the same digest with status records */
  ck_assert_uint_eq(fl_trace_records(t), 3);
  ck_assert(fl_trace_close(t, true, NULL));

  fl_trace_reader *r = fl_trace_reader_open(path, NULL);
  ck_assert_ptr_nonnull(r);
  fl_trace_rec rec;
  GError *e = NULL;
#define NEXT(k) ck_assert(fl_trace_reader_next(r, &rec, &e)); ck_assert_int_eq(rec.kind, k)
  NEXT(FL_TR_TIMER);
  NEXT(FL_TR_STATUS);
  ck_assert_int_eq(rec.time_ns, 10);
  ck_assert_int_eq(rec.node, 0);
  ck_assert_int_eq(rec.status.role, FL_ROLE_LEADER);
  ck_assert_str_eq(rec.status.word, "");
  ck_assert_int_eq(rec.status.term_kind, FL_TERM_TERM);
  ck_assert_uint_eq(rec.status.term, 300);
  ck_assert_int_eq(rec.status.leader, 0);
  ck_assert(rec.status.has_commit && rec.status.has_applied);
  ck_assert_uint_eq(rec.status.commit, 12);
  ck_assert_uint_eq(rec.status.applied, 11);
  NEXT(FL_TR_TIMER);
  ck_assert_int_eq(rec.time_ns, 15);
  NEXT(FL_TR_STATUS);
  ck_assert_int_eq(rec.time_ns, 17);
  ck_assert_int_eq(rec.status.role, FL_ROLE_CANDIDATE);
  ck_assert_str_eq(rec.status.word, "precandidate-an");
  ck_assert_str_eq(rec.text, "precandidate-an");
  ck_assert_int_eq(rec.status.term_kind, FL_TERM_BALLOT);
  ck_assert_uint_eq(rec.status.term, 7);
  ck_assert_int_eq(rec.status.leader, -1);
  ck_assert(!rec.status.has_commit && !rec.status.has_applied);
  NEXT(FL_TR_TIMER); /* its time counts from the timer at 15, not the status at 17 */
  ck_assert_int_eq(rec.time_ns, 20);
  NEXT(FL_TR_END);
  ck_assert_uint_eq(rec.digest, want);
  ck_assert_uint_eq(fl_trace_reader_digest(r), want);
#undef NEXT
  fl_trace_reader_free(r);

  char *out = NULL, *err = NULL;
  char *args = g_strdup_printf("dump %s", path);
  ck_assert_int_eq(fl_test_cli(args, &out, &err), 0);
  char *want_out = g_strdup_printf(
      "# {\"nodes\":3}\n"
      "        10ns timer     n1 tag 1\n"
      "        10ns status    n1 leader term=300 leader=n1 commit=12 applied=11\n"
      "        15ns timer     n2 tag 2\n"
      "        17ns status    n2 candidate (precandidate-an) ballot=7 leader=none\n"
      "        20ns timer     n3 tag 3\n"
      "        20ns end       digest 0x%016" G_GINT64_MODIFIER "x\n"
      "digest 0x%016" G_GINT64_MODIFIER "x verified\n", want, want);
  ck_assert_str_eq(out, want_out);
  ck_assert_str_eq(err, "");
  g_free(want_out);
  g_free(args);
  g_free(out);
  g_free(err);
  g_unlink(path);
  g_free(path);
}
END_TEST

/* A trace written before STATUS records existed (FLTRACE2) still reads. */
START_TEST(a_version_2_trace_still_reads) {
  const unsigned char v2[] = {'F', 'L', 'T', 'R', 'A', 'C', 'E', '2', 2, '{', '}',
                              FL_TR_TIMER, 5, 0, 1, FL_TR_END, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  char *path = tmp("fl-v2.trace");
  ck_assert(g_file_set_contents(path, (const char *)v2, sizeof v2, NULL));
  fl_trace_reader *r = fl_trace_reader_open(path, NULL);
  ck_assert_ptr_nonnull(r);
  fl_trace_rec rec;
  ck_assert(fl_trace_reader_next(r, &rec, NULL));
  ck_assert_int_eq(rec.kind, FL_TR_TIMER);
  ck_assert_int_eq(rec.time_ns, 5);
  ck_assert(fl_trace_reader_next(r, &rec, NULL));
  ck_assert_int_eq(rec.kind, FL_TR_END);
  fl_trace_reader_free(r);
  g_unlink(path);
  g_free(path);
}
END_TEST

START_TEST(kind_names) {
  ck_assert_str_eq(fl_trace_kind_name(FL_TR_SEND), "send");
  ck_assert_str_eq(fl_trace_kind_name(FL_TR_END), "end");
  ck_assert_str_eq(fl_trace_kind_name(FL_TR_STATUS), "status");
  ck_assert_str_eq(fl_trace_kind_name(FL_TR_KIND_MAX), "?");
}
END_TEST

/* ---- Output files (sim/core/outfile.c, through the trace writer). */

#define ASSERT_LISTING(dir, want)                                                             \
  do {                                                                                        \
    char *got_ = fl_test_listing(dir);                                                        \
    ck_assert_str_eq(got_, want);                                                             \
    g_free(got_);                                                                             \
  } while (0)

/* On Linux the temporary is unlinked: nothing to see while writing, nothing left after a
 * discard, a replaced file and no stray name after a keep. */
START_TEST(temporary_is_an_unlinked_file) {
  g_unsetenv("FAULTLINE_NO_O_TMPFILE");
  char *dir = g_dir_make_tmp("fl-trace-XXXXXX", NULL);
  char *path = g_build_filename(dir, "t.trace", NULL);
  fl_trace *t = fl_trace_open(path, "{}", NULL);
  write_all(t);
  ASSERT_LISTING(dir, "");
  ck_assert(fl_trace_close(t, false, NULL));
  ASSERT_LISTING(dir, "");
  for (int round = 0; round < 2; round++) { /* created, then replaced */
    t = fl_trace_open(path, "{}", NULL);
    write_all(t);
    ck_assert(fl_trace_close(t, true, NULL));
    ASSERT_LISTING(dir, "t.trace\n");
    fl_trace_reader *r = fl_trace_reader_open(path, NULL);
    ck_assert_ptr_nonnull(r);
    fl_trace_reader_free(r);
  }
  g_unlink(path);
  g_rmdir(dir);
  g_free(path);
  g_free(dir);
}
END_TEST

/* The fallback's PATH.tmp.XXXXXX is registered, and the signal handlers' cleanup removes it. */
START_TEST(fallback_temporary_is_registered) {
  g_setenv("FAULTLINE_NO_O_TMPFILE", "1", TRUE);
  char *dir = g_dir_make_tmp("fl-trace-XXXXXX", NULL);
  char *path = g_build_filename(dir, "u.trace", NULL);
  fl_trace *t = fl_trace_open(path, "{}", NULL);
  write_all(t);
  char *names = fl_test_listing(dir);
  ck_assert(g_str_has_prefix(names, "u.trace.tmp."));
  ck_assert_int_eq(strlen(names), strlen("u.trace.tmp.XXXXXX\n"));
  g_free(names);
  fl_outfile_remove_temporaries();
  ASSERT_LISTING(dir, "");
  GError *e = NULL;
  ck_assert(!fl_trace_close(t, true, &e));
  char *want = g_strdup_printf("cannot write trace '%s': No such file or directory", path);
  ck_assert_str_eq(e->message, want);
  g_error_free(e);
  /* Kept normally, it is renamed into place. */
  t = fl_trace_open(path, "{}", NULL);
  ck_assert(fl_trace_close(t, true, NULL));
  ASSERT_LISTING(dir, "u.trace\n");
  g_unsetenv("FAULTLINE_NO_O_TMPFILE");
  g_unlink(path);
  g_rmdir(dir);
  g_free(want);
  g_free(path);
  g_free(dir);
}
END_TEST

START_TEST(same_file_by_inode_or_resolved_path) {
  char *dir = g_dir_make_tmp("fl-trace-XXXXXX", NULL);
  char *a = g_build_filename(dir, "a", NULL), *b = g_build_filename(dir, "b", NULL),
       *dot = g_build_filename(dir, ".", "a", NULL), *c = g_build_filename(dir, "c", NULL);
  ck_assert(fl_outfile_same_file(a, dot)); /* neither exists: by path */
  ck_assert(!fl_outfile_same_file(a, b));
  ck_assert(g_file_set_contents(a, "x", -1, NULL));
  ck_assert_int_eq(link(a, b), 0); /* a hard link: by inode */
  ck_assert(fl_outfile_same_file(a, b));
  ck_assert_int_eq(symlink("a", c), 0);
  ck_assert(fl_outfile_same_file(c, b));
  ck_assert(!fl_outfile_same_file(a, "/dev/null"));
  ck_assert(!fl_outfile_same_file("/dev/null", "/dev/null")); /* a device clobbers nothing */
  g_unlink(a);
  g_unlink(b);
  g_unlink(c);
  g_rmdir(dir);
  g_free(a);
  g_free(b);
  g_free(c);
  g_free(dot);
  g_free(dir);
}
END_TEST

int main(void) {
  Suite *s = suite_create("trace");
  TCase *tc = tcase_create("trace");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, every_kind_round_trips);
  tcase_add_test(tc, digest_is_the_same_without_a_file_and_changes_with_any_field);
  tcase_add_test(tc, malformed_traces_give_exact_errors);
  tcase_add_test(tc, a_header_nested_too_deep_is_refused);
  tcase_add_test(tc, random_garbage_never_crashes);
  tcase_add_test(tc, status_records_round_trip_outside_the_digest);
  tcase_add_test(tc, a_version_2_trace_still_reads);
  tcase_add_test(tc, kind_names);
  tcase_add_test(tc, temporary_is_an_unlinked_file);
  tcase_add_test(tc, fallback_temporary_is_registered);
  tcase_add_test(tc, same_file_by_inode_or_resolved_path);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
