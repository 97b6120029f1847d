/* Tests of protocols/common/rsm_snapshot (the snapshot blob Raft and Multi-Paxos share) and
 * protocols/common/status_line (their describe lines):
 *   - a blob's exact bytes: the protocol's prefix, the two counts, the pairs, the sessions;
 *   - a round trip restores the machine, the sessions and the prefix exactly (and the restored
 *     state takes the same bytes again);
 *   - an untrusted blob that is short, long, inconsistent with its counts, or claims too many
 *     sessions is refused and writes nothing, not even the prefix; a forged n_kv cannot wrap
 *     the length check;
 *   - peek and index read the counts and the index as they stand, and refuse a short blob;
 *   - a status line's exact text, integers at their limits, and the cut at its capacity.
 */
#include "fl_test.h"
#include "common/client_sessions.h"
#include "common/kv_machine.h"
#include "common/rsm_snapshot.h"
#include "common/status_line.h"

#include <string.h>

/* A prefix as a protocol has one: the index first (the convention), then its own field. */
typedef struct prefix {
  uint64_t index, term;
} prefix;

static void write_kv(fl_kv_machine *m, int64_t key, int64_t value) {
  fl_kv_command c;
  memset(&c, 0, sizeof c);
  c.kind = FL_OP_WRITE;
  c.key = key;
  c.value = value;
  fl_kv_machine_apply(m, &c);
}

/* Two keys and sessions for clients 0..2 (client 2 applied seq 4, a write). */
static void fill(fl_kv_machine *m, fl_client_sessions *t) {
  fl_kv_machine_init(m);
  fl_client_sessions_init(t);
  write_kv(m, 9, 90);
  write_kv(m, -1, 10);
  fl_kv_command c;
  memset(&c, 0, sizeof c);
  c.kind = FL_OP_WRITE;
  c.key = 9;
  c.value = 91;
  bool fresh = false;
  fl_op_result r = fl_client_sessions_apply(t, 2, 4, fl_kv_machine_apply_fn, m, &c, &fresh);
  ck_assert(fresh);
  ck_assert_int_eq(r.status, FL_REPLY_OK);
}

static GByteArray *take_sample(void) {
  fl_kv_machine m;
  fl_client_sessions t;
  fill(&m, &t);
  prefix h = {.index = 17, .term = 3};
  GByteArray *b = fl_rsm_snapshot_take(&h, sizeof h, &m, &t);
  fl_client_sessions_clear(&t);
  fl_kv_machine_clear(&m);
  return b;
}

START_TEST(take_writes_prefix_counts_pairs_sessions) {
  GByteArray *b = take_sample();
  size_t want = sizeof(prefix) + FL_RSM_SNAPSHOT_COUNTS_SIZE + 2 * FL_KV_MACHINE_PAIR_SIZE +
                3 * sizeof(fl_client_session);
  ck_assert_uint_eq(b->len, want);
  ck_assert_uint_eq(fl_rsm_snapshot_min_len(sizeof(prefix)), 24);
  uint64_t u64[2];
  memcpy(u64, b->data, sizeof u64);
  ck_assert_uint_eq(u64[0], 17);
  ck_assert_uint_eq(u64[1], 3);
  uint32_t counts[2];
  memcpy(counts, b->data + 16, sizeof counts);
  ck_assert_uint_eq(counts[0], 2);
  ck_assert_uint_eq(counts[1], 3);
  const int64_t pairs[] = {-1, 10, 9, 91};
  ck_assert_int_eq(memcmp(b->data + 24, pairs, sizeof pairs), 0);
  fl_client_session ss[3];
  memcpy(ss, b->data + 24 + sizeof pairs, sizeof ss);
  ck_assert_uint_eq(ss[0].seq, 0);
  ck_assert_uint_eq(ss[1].seq, 0);
  ck_assert_uint_eq(ss[2].seq, 4);
  ck_assert_uint_eq(ss[2].status, FL_REPLY_OK);
  g_byte_array_free(b, TRUE);
}
END_TEST

START_TEST(round_trip_restores_exactly) {
  GByteArray *b = take_sample();
  fl_kv_machine m;
  fl_client_sessions t;
  fl_kv_machine_init(&m);
  fl_client_sessions_init(&t);
  write_kv(&m, 5, 5); /* replaced by the install */
  ck_assert_int_eq(fl_client_sessions_check(&t, 7, 1, NULL), FL_SESSION_NEW);

  prefix h = {0, 0};
  fl_rsm_snapshot_view view;
  ck_assert(fl_rsm_snapshot_parse(b->data, b->len, sizeof h, &h, &view));
  ck_assert_uint_eq(h.index, 17);
  ck_assert_uint_eq(h.term, 3);
  ck_assert_uint_eq(view.n_kv, 2);
  ck_assert_uint_eq(view.n_sessions, 3);
  fl_rsm_snapshot_install(&view, &m, &t);

  int64_t v = 0;
  ck_assert(!fl_kv_machine_get(&m, 5, &v));
  ck_assert(fl_kv_machine_get(&m, 9, &v));
  ck_assert_int_eq(v, 91);
  ck_assert(fl_kv_machine_get(&m, -1, &v));
  ck_assert_int_eq(v, 10);
  ck_assert_uint_eq(fl_client_sessions_count(&t), 3);
  fl_op_result cached;
  memset(&cached, 0, sizeof cached);
  ck_assert_int_eq(fl_client_sessions_check(&t, 2, 4, &cached), FL_SESSION_DUPLICATE);
  ck_assert_int_eq(cached.status, FL_REPLY_OK);
  ck_assert_int_eq(fl_client_sessions_check(&t, 2, 3, NULL), FL_SESSION_STALE);

  GByteArray *again = fl_rsm_snapshot_take(&h, sizeof h, &m, &t);
  ck_assert_uint_eq(again->len, b->len);
  ck_assert_int_eq(memcmp(again->data, b->data, b->len), 0);

  uint64_t index = 0;
  ck_assert(fl_rsm_snapshot_index(b->data, b->len, &index));
  ck_assert_uint_eq(index, 17);
  uint32_t n_kv = 0, n_sessions = 0;
  ck_assert(fl_rsm_snapshot_peek(b->data, b->len, sizeof h, &n_kv, &n_sessions));
  ck_assert_uint_eq(n_kv, 2);
  ck_assert_uint_eq(n_sessions, 3);

  g_byte_array_free(again, TRUE);
  g_byte_array_free(b, TRUE);
  fl_client_sessions_clear(&t);
  fl_kv_machine_clear(&m);
}
END_TEST

/* parse refuses the blob and leaves the prefix and view as they were. */
static void assert_refused(int line, const void *blob, size_t len) {
  prefix h = {111, 222};
  fl_rsm_snapshot_view view;
  memset(&view, 0x5a, sizeof view);
  fl_rsm_snapshot_view untouched = view;
  ck_assert_msg(!fl_rsm_snapshot_parse(blob, len, sizeof h, &h, &view), "line %d: accepted",
                line);
  ck_assert_msg(h.index == 111 && h.term == 222, "line %d: prefix written", line);
  ck_assert_msg(memcmp(&view, &untouched, sizeof view) == 0, "line %d: view written", line);
}

static void set_counts(GByteArray *b, uint32_t n_kv, uint32_t n_sessions) {
  memcpy(b->data + sizeof(prefix), &n_kv, sizeof n_kv);
  memcpy(b->data + sizeof(prefix) + sizeof n_kv, &n_sessions, sizeof n_sessions);
}

START_TEST(corrupt_blobs_are_refused) {
  GByteArray *b = take_sample();
  size_t len = b->len;
  assert_refused(__LINE__, NULL, 0);
  assert_refused(__LINE__, b->data, 0);
  assert_refused(__LINE__, b->data, sizeof(prefix));          /* no counts */
  assert_refused(__LINE__, b->data, sizeof(prefix) + 7);      /* half the counts */
  assert_refused(__LINE__, b->data, len - 1);                 /* a session cut short */
  assert_refused(__LINE__, b->data, len - sizeof(fl_client_session)); /* one session missing */
  g_byte_array_append(b, (const guint8 *)"x", 1);
  assert_refused(__LINE__, b->data, len + 1); /* a trailing byte */
  set_counts(b, 3, 3);                        /* one pair more than the bytes */
  assert_refused(__LINE__, b->data, len);
  set_counts(b, 2, 4);
  assert_refused(__LINE__, b->data, len);
  set_counts(b, 1, 3);
  assert_refused(__LINE__, b->data, len);
  /* More sessions than any table may hold, even with bytes to match. */
  set_counts(b, 0, FL_CLIENT_SESSIONS_MAX + 1);
  assert_refused(__LINE__, b->data, len);
  /* An n_kv whose byte count wraps 32 bits to what the blob holds: refused, not wrapped. */
  set_counts(b, 2 + (uint32_t)(((uint64_t)1 << 32) / FL_KV_MACHINE_PAIR_SIZE), 3);
  assert_refused(__LINE__, b->data, len);
  /* Restored counts: accepted again (the checks above refused the blob, not the buffer). */
  set_counts(b, 2, 3);
  prefix h;
  fl_rsm_snapshot_view view;
  ck_assert(fl_rsm_snapshot_parse(b->data, len, sizeof h, &h, &view));

  uint64_t index = 99;
  uint32_t n_kv = 7, n_sessions = 8;
  ck_assert(!fl_rsm_snapshot_index(b->data, 15, &index));
  ck_assert(!fl_rsm_snapshot_index(NULL, 0, &index));
  ck_assert_uint_eq(index, 99);
  ck_assert(!fl_rsm_snapshot_peek(b->data, sizeof(prefix) + 7, sizeof(prefix), &n_kv,
                                  &n_sessions));
  ck_assert_uint_eq(n_kv, 7);
  ck_assert_uint_eq(n_sessions, 8);
  g_byte_array_free(b, TRUE);
}
END_TEST

START_TEST(empty_machine_round_trip) {
  fl_kv_machine m;
  fl_client_sessions t;
  fl_kv_machine_init(&m);
  fl_client_sessions_init(&t);
  uint64_t index = 0;
  GByteArray *b = fl_rsm_snapshot_take(&index, sizeof index, &m, &t);
  ck_assert_uint_eq(b->len, fl_rsm_snapshot_min_len(sizeof index));
  ck_assert_uint_eq(b->len, 16);
  write_kv(&m, 1, 1);
  uint64_t got = 5;
  fl_rsm_snapshot_view view;
  ck_assert(fl_rsm_snapshot_parse(b->data, b->len, sizeof got, &got, &view));
  ck_assert_uint_eq(got, 0);
  fl_rsm_snapshot_install(&view, &m, &t);
  ck_assert_uint_eq(fl_kv_machine_count(&m), 0);
  ck_assert_uint_eq(fl_client_sessions_count(&t), 0);
  g_byte_array_free(b, TRUE);
  fl_client_sessions_clear(&t);
  fl_kv_machine_clear(&m);
}
END_TEST

static char *line_text(const fl_status_line *l) {
  GString *out = g_string_new("<");
  fl_status_line_flush(l, out);
  return g_string_free(out, FALSE);
}

START_TEST(status_line_formats_and_cuts) {
  fl_status_line l;
  fl_status_line_init(&l);
  fl_status_line_str(&l, "leader b");
  fl_status_line_u64(&l, 0);
  fl_status_line_str(&l, ".");
  fl_status_line_u64(&l, 10);
  fl_status_line_str(&l, " max=");
  fl_status_line_u64(&l, UINT64_MAX);
  char *s = line_text(&l);
  ck_assert_str_eq(s, "<leader b0.10 max=18446744073709551615");
  g_free(s);

  /* Past the capacity the line is cut, never overrun. */
  fl_status_line_init(&l);
  for (int i = 0; i < 7; i++) fl_status_line_u64(&l, UINT64_MAX); /* 140 digits */
  ck_assert_uint_eq(l.len, FL_STATUS_LINE_CAP);
  fl_status_line_str(&l, "more");
  ck_assert_uint_eq(l.len, FL_STATUS_LINE_CAP);
  s = line_text(&l);
  ck_assert_uint_eq(strlen(s), 1 + FL_STATUS_LINE_CAP);
  ck_assert_int_eq(strncmp(s, "<1844674407370955161518446744073709551615", 41), 0);
  ck_assert_str_eq(s + 1 + 6 * 20, "18446744"); /* 128 = 6 * 20 + 8 */
  g_free(s);
}
END_TEST

int main(void) {
  Suite *s = suite_create("rsm_snapshot");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, take_writes_prefix_counts_pairs_sessions);
  tcase_add_test(tc, round_trip_restores_exactly);
  tcase_add_test(tc, corrupt_blobs_are_refused);
  tcase_add_test(tc, empty_machine_round_trip);
  tcase_add_test(tc, status_line_formats_and_cuts);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
