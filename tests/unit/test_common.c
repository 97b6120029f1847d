/* Tests of protocols/common/, the modules every replicated-state-machine protocol shares:
 *   - quorum: majority sizes for 1..7 voters, the index a majority agrees on;
 *   - kv_machine: exact answers of read / write / cas, the snapshot's bytes and round trip;
 *   - client_sessions: a retried (client, seq) applied once and answered from the cache, stale
 *     and refused operations, the snapshot round trip;
 *   - waiters: answers in index order, redirects, through a node's replies;
 *   - durable_log: append / truncate / compact / reset, then reload after a crash;
 *   - durable_slots: the framed record's bytes, and the pick of the newest whole slot (a torn
 *     newest gives the previous one, both torn is an error).
 * The last two need a node context: a small test protocol, driven with fl_world_inject as
 * test_raft.c drives Raft, holds a durable log and a queue of waiters.
 */
#include "fl_test.h"
#include "common/checksum.h"
#include "common/client_sessions.h"
#include "common/durable_log.h"
#include "common/durable_slots.h"
#include "common/kv_machine.h"
#include "common/quorum.h"
#include "common/waiters.h"
#include "scenario.h"
#include "world.h"

#include <string.h>

/* ---- quorum */

START_TEST(quorum_sizes) {
  const int expect[] = {0, 1, 2, 2, 3, 3, 4, 4};
  for (int n = 1; n <= 7; n++) {
    ck_assert_int_eq(fl_quorum_majority(n), expect[n]);
    ck_assert(fl_quorum_reached(expect[n], n));
    ck_assert(!fl_quorum_reached(expect[n] - 1, n));
  }
  /* The majority-th largest value; the input is left as it was. */
  uint64_t one[] = {7};
  ck_assert_uint_eq(fl_quorum_agreed(one, 1), 7);
  uint64_t three[] = {5, 3, 9};
  ck_assert_uint_eq(fl_quorum_agreed(three, 3), 5);
  ck_assert_uint_eq(three[0], 5);
  ck_assert_uint_eq(three[1], 3);
  ck_assert_uint_eq(three[2], 9);
  uint64_t four[] = {1, 4, 2, 3}; /* a majority of 4 is 3: 2 is on three of them */
  ck_assert_uint_eq(fl_quorum_agreed(four, 4), 2);
  uint64_t five[] = {0, 0, 8, 8, 6};
  ck_assert_uint_eq(fl_quorum_agreed(five, 5), 6);
  uint64_t twenty[20];
  for (int i = 0; i < 20; i++) twenty[i] = (uint64_t)i; /* majority 11: the 11th largest */
  ck_assert_uint_eq(fl_quorum_agreed(twenty, 20), 9);
}
END_TEST

/* ---- kv_machine */

static fl_kv_command cmd(fl_op_kind kind, int64_t key, int64_t value, int64_t expected) {
  fl_kv_command c;
  memset(&c, 0, sizeof c);
  c.kind = (int32_t)kind;
  c.key = key;
  c.value = value;
  c.expected = expected;
  return c;
}

static void assert_result(fl_op_result r, fl_reply_status status, bool has_value, int64_t value) {
  ck_assert_int_eq(r.status, status);
  ck_assert_int_eq(r.has_value, has_value);
  if (has_value) ck_assert_int_eq(r.value, value);
  ck_assert_int_eq(r.redirect_to, -1);
}

START_TEST(kv_machine_results) {
  fl_kv_machine m;
  fl_kv_machine_init(&m);
  fl_kv_command c = cmd(FL_OP_READ, 1, 0, 0);
  assert_result(fl_kv_machine_apply(&m, &c), FL_REPLY_OK, false, 0); /* nil */
  c = cmd(FL_OP_CAS, 1, 5, 0);
  assert_result(fl_kv_machine_apply(&m, &c), FL_REPLY_FAIL, false, 0); /* nothing to compare */
  ck_assert_uint_eq(fl_kv_machine_count(&m), 0);
  c = cmd(FL_OP_WRITE, 1, 10, 0);
  assert_result(fl_kv_machine_apply(&m, &c), FL_REPLY_OK, false, 0);
  c = cmd(FL_OP_READ, 1, 0, 0);
  assert_result(fl_kv_machine_apply(&m, &c), FL_REPLY_OK, true, 10);
  c = cmd(FL_OP_CAS, 1, 11, 9);
  assert_result(fl_kv_machine_apply(&m, &c), FL_REPLY_FAIL, false, 0);
  assert_result(fl_kv_machine_read(&m, 1), FL_REPLY_OK, true, 10);
  c = cmd(FL_OP_CAS, 1, 11, 10);
  assert_result(fl_kv_machine_apply(&m, &c), FL_REPLY_OK, false, 0);
  assert_result(fl_kv_machine_read(&m, 1), FL_REPLY_OK, true, 11);
  /* An unknown kind changes nothing and fails; through the untyped entry too. */
  c = cmd(FL_OP_KIND_COUNT, 1, 99, 0);
  assert_result(fl_kv_machine_apply_fn(&m, &c), FL_REPLY_FAIL, false, 0);
  int64_t v = -1;
  ck_assert(fl_kv_machine_get(&m, 1, &v));
  ck_assert_int_eq(v, 11);
  v = -1;
  ck_assert(!fl_kv_machine_get(&m, 2, &v));
  ck_assert_int_eq(v, -1);
  ck_assert_uint_eq(fl_kv_machine_count(&m), 1);
  fl_kv_machine_clear(&m);
  fl_kv_machine_clear(&m); /* twice: accepted */
}
END_TEST

START_TEST(kv_machine_snapshot_round_trip) {
  fl_kv_machine m;
  fl_kv_machine_init(&m);
  const int64_t writes[][2] = {{5, 50}, {-3, -30}, {INT64_MAX, 1}, {0, INT64_MIN}, {5, 55}};
  for (size_t i = 0; i < G_N_ELEMENTS(writes); i++) {
    fl_kv_command c = cmd(FL_OP_WRITE, writes[i][0], writes[i][1], 0);
    fl_kv_machine_apply(&m, &c);
  }
  GByteArray *b = g_byte_array_new();
  g_byte_array_append(b, (const guint8 *)"H", 1); /* appended after what is there */
  fl_kv_machine_save(&m, b);
  /* Pairs in key order, 16 bytes each, nothing else. */
  const int64_t expect[] = {-3, -30, 0, INT64_MIN, 5, 55, INT64_MAX, 1};
  ck_assert_uint_eq(b->len, 1 + 4 * FL_KV_MACHINE_PAIR_SIZE);
  ck_assert_int_eq(memcmp(b->data + 1, expect, sizeof expect), 0);

  fl_kv_machine r;
  fl_kv_machine_init(&r);
  fl_kv_command c = cmd(FL_OP_WRITE, 77, 7, 0); /* replaced by the load */
  fl_kv_machine_apply(&r, &c);
  fl_kv_machine_load(&r, b->data + 1, 4); /* unaligned on purpose */
  ck_assert_uint_eq(fl_kv_machine_count(&r), 4);
  int64_t v = 0;
  ck_assert(!fl_kv_machine_get(&r, 77, &v));
  for (int i = 0; i < 4; i++) {
    ck_assert(fl_kv_machine_get(&r, expect[2 * i], &v));
    ck_assert_int_eq(v, expect[2 * i + 1]);
  }
  GByteArray *again = g_byte_array_new();
  fl_kv_machine_save(&r, again);
  ck_assert_uint_eq(again->len, b->len - 1);
  ck_assert_int_eq(memcmp(again->data, b->data + 1, again->len), 0);
  fl_kv_machine_load(&r, NULL, 0);
  ck_assert_uint_eq(fl_kv_machine_count(&r), 0);
  g_byte_array_free(again, TRUE);
  g_byte_array_free(b, TRUE);
  fl_kv_machine_clear(&r);
  fl_kv_machine_clear(&m);
}
END_TEST

/* ---- client_sessions */

typedef struct counting {
  fl_kv_machine kv;
  int applied;
} counting;

static fl_op_result count_apply(void *machine, const void *command) {
  counting *c = machine;
  c->applied++;
  return fl_kv_machine_apply(&c->kv, command);
}

START_TEST(sessions_apply_a_retry_once) {
  fl_client_sessions t;
  fl_client_sessions_init(&t);
  counting m = {.applied = 0};
  fl_kv_machine_init(&m.kv);
  bool fresh = false;
  fl_kv_command w = cmd(FL_OP_WRITE, 1, 10, 0);
  assert_result(fl_client_sessions_apply(&t, 2, 1, count_apply, &m, &w, &fresh), FL_REPLY_OK,
                false, 0);
  ck_assert(fresh);
  ck_assert_int_eq(m.applied, 1);
  ck_assert_uint_eq(fl_client_sessions_count(&t), 3); /* room for clients 0..2 */
  ck_assert_uint_eq(fl_client_sessions_get(&t, 0)->seq, 0);
  ck_assert_uint_eq(fl_client_sessions_get(&t, 2)->seq, 1);

  /* A cas, then its retry: applied once (a second application would fail the compare), the
   * retry answered with the first answer. */
  fl_kv_command c = cmd(FL_OP_CAS, 1, 20, 10);
  assert_result(fl_client_sessions_apply(&t, 2, 2, count_apply, &m, &c, &fresh), FL_REPLY_OK,
                false, 0);
  ck_assert(fresh);
  assert_result(fl_client_sessions_apply(&t, 2, 2, count_apply, &m, &c, &fresh), FL_REPLY_OK,
                false, 0);
  ck_assert(!fresh);
  ck_assert_int_eq(m.applied, 2);
  assert_result(fl_kv_machine_read(&m.kv, 1), FL_REPLY_OK, true, 20);
  /* A read's value is cached too. */
  fl_kv_command r = cmd(FL_OP_READ, 1, 0, 0);
  fl_client_sessions_apply(&t, 0, 1, count_apply, &m, &r, &fresh);
  fl_kv_command w2 = cmd(FL_OP_WRITE, 1, 30, 0);
  fl_client_sessions_apply(&t, 2, 3, count_apply, &m, &w2, &fresh);
  assert_result(fl_client_sessions_apply(&t, 0, 1, count_apply, &m, &r, &fresh), FL_REPLY_OK,
                true, 20);
  ck_assert(!fresh);
  fl_op_result cached = {.status = FL_REPLY_REDIRECT};
  ck_assert_int_eq(fl_client_sessions_check(&t, 0, 1, &cached), FL_SESSION_DUPLICATE);
  assert_result(cached, FL_REPLY_OK, true, 20);
  ck_assert_int_eq(m.applied, 4);

  /* Older than the session: FAIL, not applied; a client no session may hold: the same. */
  assert_result(fl_client_sessions_apply(&t, 2, 2, count_apply, &m, &w, &fresh), FL_REPLY_FAIL,
                false, 0);
  ck_assert(!fresh);
  ck_assert_int_eq(fl_client_sessions_check(&t, 2, 1, NULL), FL_SESSION_STALE);
  ck_assert_int_eq(fl_client_sessions_check(&t, 2, 4, NULL), FL_SESSION_NEW);
  assert_result(fl_client_sessions_apply(&t, FL_CLIENT_SESSIONS_MAX, 1, count_apply, &m, &w,
                                         &fresh),
                FL_REPLY_FAIL, false, 0);
  ck_assert(!fresh);
  ck_assert_int_eq(fl_client_sessions_check(&t, 0xffffffffu, 1, NULL), FL_SESSION_REFUSED);
  ck_assert_int_eq(m.applied, 4);
  ck_assert_uint_eq(fl_client_sessions_count(&t), 3);

  /* Snapshot round trip: 24 bytes a session, client order. */
  GByteArray *b = g_byte_array_new();
  fl_client_sessions_save(&t, b);
  ck_assert_uint_eq(b->len, 3 * sizeof(fl_client_session));
  fl_client_sessions cp;
  fl_client_sessions_init(&cp);
  ck_assert(!fl_client_sessions_load(&cp, b->data, FL_CLIENT_SESSIONS_MAX + 1));
  ck_assert_uint_eq(fl_client_sessions_count(&cp), 0);
  ck_assert(fl_client_sessions_load(&cp, b->data, 3));
  ck_assert_uint_eq(fl_client_sessions_count(&cp), 3);
  ck_assert_uint_eq(fl_client_sessions_get(&cp, 2)->seq, 3);
  ck_assert_uint_eq(fl_client_sessions_get(&cp, 0)->seq, 1);
  ck_assert_uint_eq(fl_client_sessions_get(&cp, 0)->has_value, 1);
  ck_assert_int_eq(fl_client_sessions_get(&cp, 0)->value, 20);
  ck_assert_int_eq(fl_client_sessions_check(&cp, 0, 1, &cached), FL_SESSION_DUPLICATE);
  assert_result(cached, FL_REPLY_OK, true, 20);
  g_byte_array_free(b, TRUE);
  fl_client_sessions_clear(&cp);
  fl_client_sessions_clear(&t);
  fl_client_sessions_clear(&t);
  fl_kv_machine_clear(&m.kv);
}
END_TEST

/* ---- A test protocol holding a durable log of 16-byte entries and a queue of waiters. */

#define KEY_META 1 /* base and base term, below the log's keys */
#define KEY_LOG_BASE 100

typedef struct test_entry {
  uint64_t term, payload;
} test_entry;

enum { CMD_APPEND = 1, CMD_TRUNCATE, CMD_COMPACT, CMD_RESET, CMD_SETTLE, CMD_REDIRECT };

typedef struct test_msg {
  uint32_t cmd, pad;
  uint64_t a, b, c;
} test_msg;

typedef struct test_state {
  fl_durable_log log;
  fl_waiters waiters;
  guint loaded;
} test_state;

static test_state *test_state_new(void) {
  test_state *s = g_new0(test_state, 1);
  fl_durable_log_init(&s->log, sizeof(test_entry), KEY_LOG_BASE);
  fl_waiters_init(&s->waiters);
  return s;
}

static void *test_init(fl_node_ctx *ctx) {
  fl_node_persist(ctx, 50, "x", 1); /* another record below the log's keys */
  return test_state_new();
}

static void *test_restart(fl_node_ctx *ctx) {
  test_state *s = test_state_new();
  uint64_t meta[2] = {0, 0};
  size_t len = 0;
  const void *p = fl_node_load(ctx, KEY_META, &len);
  if (p && len == sizeof meta) memcpy(meta, p, sizeof meta);
  s->loaded = fl_durable_log_load(&s->log, ctx, meta[0], meta[1]);
  return s;
}

static void save_meta(test_state *s, fl_node_ctx *ctx) {
  uint64_t meta[2] = {s->log.base, s->log.base_term};
  fl_node_persist(ctx, KEY_META, meta, sizeof meta);
}

static void test_on_message(void *state, fl_node_ctx *ctx, int from, const void *msg,
                            size_t len) {
  (void)from;
  test_state *s = state;
  test_msg m;
  if (len != sizeof m) return;
  memcpy(&m, msg, sizeof m);
  test_entry e = {m.a, m.b};
  fl_op_result r = {.status = FL_REPLY_OK, .has_value = true, .value = 42, .redirect_to = -1};
  switch (m.cmd) {
  case CMD_APPEND:
    fl_durable_log_append(&s->log, ctx, &e);
    break;
  case CMD_TRUNCATE:
    fl_durable_log_truncate(&s->log, ctx, m.a);
    break;
  case CMD_COMPACT:
    fl_durable_log_compact(&s->log, ctx, m.a, m.b);
    save_meta(s, ctx);
    break;
  case CMD_RESET:
    fl_durable_log_reset(&s->log, ctx, m.a, m.b);
    save_meta(s, ctx);
    break;
  case CMD_SETTLE:
    fl_waiters_settle(&s->waiters, ctx, m.a, (uint32_t)m.b, m.c, &r);
    break;
  case CMD_REDIRECT:
    fl_waiters_redirect_all(&s->waiters, ctx);
    break;
  default:
    break;
  }
}

/* A client operation waits for the index in its value. */
static void test_on_client_request(void *state, fl_node_ctx *ctx, const fl_op *op) {
  (void)ctx;
  test_state *s = state;
  fl_waiters_push(&s->waiters, op, (uint64_t)op->value, 0);
}

static void test_on_timer(void *state, fl_node_ctx *ctx, uint64_t tag) {
  (void)state, (void)ctx, (void)tag;
}

static void test_free(void *state) {
  test_state *s = state;
  if (!s) return;
  fl_durable_log_clear(&s->log);
  fl_waiters_clear(&s->waiters);
  g_free(s);
}

static void test_describe(const void *state, GString *out) {
  (void)state;
  g_string_append(out, "replica");
}

static const fl_protocol test_protocol = {
    .api_version = FL_ACTOR_API_VERSION,
    .name = "common-test",
    .summary = "protocols/common under test",
    .init = test_init,
    .on_message = test_on_message,
    .on_timer = test_on_timer,
    .on_client_request = test_on_client_request,
    .on_restart = test_restart,
    .free = test_free,
    .describe = test_describe,
};

/* A node's reply to a client as sim/core/node.c sends it (mirrored, as test_raft.c does). */
typedef struct client_reply {
  fl_op op;
  fl_op_result result;
} client_reply;

static struct {
  fl_scenario *scn;
  fl_world *w;
  GArray *replies; /* client_reply sent to client 0 (endpoint 2) */
} T;

static void tap(void *user, int src, int dst, const void *msg, size_t len) {
  (void)user, (void)src;
  if (dst != 2 || len != sizeof(client_reply)) return;
  client_reply r;
  memcpy(&r, msg, sizeof r);
  g_array_append_val(T.replies, r);
}

static void open_world(void) {
  fl_rng_global_init();
  GError *error = NULL;
  if (!fl_actor_lookup("common-test", NULL)) ck_assert(fl_actor_register(&test_protocol, &error));
  const char *text = "[cluster]\nprotocol = common-test\nnodes = 2\nseed = 1\nduration = 10h\n"
                     "[workload]\nclients = 1\nstart = 10h\n";
  T.scn = fl_scenario_parse("common-unit.fl", text, strlen(text), &error);
  if (!T.scn) ck_abort_msg("%s", error->message);
  T.w = fl_world_new(T.scn, NULL, &error);
  if (!T.w) ck_abort_msg("%s", error->message);
  T.replies = g_array_new(FALSE, TRUE, sizeof(client_reply));
  fl_world_set_send_tap(T.w, tap, NULL);
}

static void close_world(void) {
  ck_assert_msg(fl_world_stop_reason(T.w) == FL_STOP_NONE, "%s",
                fl_world_stop_message(T.w) ? fl_world_stop_message(T.w) : "");
  fl_world_set_send_tap(T.w, NULL, NULL);
  g_array_free(T.replies, TRUE);
  fl_world_free(T.w);
  fl_scenario_free(T.scn);
  memset(&T, 0, sizeof T);
}

static void send_cmd(uint32_t c, uint64_t a, uint64_t b, uint64_t cc) {
  test_msg m;
  memset(&m, 0, sizeof m);
  m.cmd = c;
  m.a = a;
  m.b = b;
  m.c = cc;
  ck_assert(fl_world_inject(T.w, 1, 0, &m, sizeof m));
  ck_assert_int_eq(fl_world_stop_reason(T.w), FL_STOP_NONE);
}

static const test_state *node0(void) {
  const test_state *s = fl_world_node_state(T.w, 0);
  ck_assert_ptr_nonnull(s);
  return s;
}

/* The log holds exactly base + 1 .. base + n with these payloads; so does node 0's storage,
 * and nothing past it. */
static void assert_log(int line, uint64_t base, int n, const uint64_t *payloads) {
  const test_state *s = node0();
  ck_assert_msg(s->log.base == base && fl_durable_log_last(&s->log) == base + (uint64_t)n,
                "line %d: base %" G_GUINT64_FORMAT " last %" G_GUINT64_FORMAT, line,
                s->log.base, fl_durable_log_last(&s->log));
  for (int i = 0; i < n; i++) {
    const test_entry *e = fl_durable_log_at(&s->log, base + 1 + (uint64_t)i);
    ck_assert_msg(e->payload == payloads[i], "line %d: index %d", line, (int)base + 1 + i);
  }
}

START_TEST(durable_log_survives_a_crash) {
  open_world();
  /* Entries 1..5 of terms 1,1,2,2,3, payloads 10..50. */
  const uint64_t terms[] = {1, 1, 2, 2, 3};
  for (int i = 0; i < 5; i++) send_cmd(CMD_APPEND, terms[i], (uint64_t)(i + 1) * 10, 0);
  const uint64_t all[] = {10, 20, 30, 40, 50};
  assert_log(__LINE__, 0, 5, all);
  ck_assert_uint_eq(node0()->log.gen, 0);
  /* Truncate from 4, append a different 4. */
  send_cmd(CMD_TRUNCATE, 4, 0, 0);
  ck_assert_uint_eq(node0()->log.gen, 1);
  ck_assert_uint_eq(node0()->log.changed_from, 4);
  send_cmd(CMD_APPEND, 4, 41, 0);
  const uint64_t after_trunc[] = {10, 20, 30, 41};
  assert_log(__LINE__, 0, 4, after_trunc);
  /* Compact up to 2 (term 1): 3 and 4 stay; no entry changed, so gen stays. */
  send_cmd(CMD_COMPACT, 2, 1, 0);
  const uint64_t after_compact[] = {30, 41};
  assert_log(__LINE__, 2, 2, after_compact);
  ck_assert_uint_eq(node0()->log.base_term, 1);
  ck_assert_uint_eq(node0()->log.gen, 1);

  /* A crash loses nothing the log persisted; the record below the log survived truncation. */
  ck_assert(fl_world_crash(T.w, 0));
  ck_assert_ptr_null(fl_world_node_state(T.w, 0));
  ck_assert(fl_world_restart(T.w, 0));
  ck_assert_uint_eq(node0()->loaded, 2);
  assert_log(__LINE__, 2, 2, after_compact);
  ck_assert_uint_eq(node0()->log.base_term, 1);
  const test_entry *e = fl_durable_log_at(&node0()->log, 4);
  ck_assert_uint_eq(e->term, 4);
  ck_assert_uint_eq(fl_durable_log_key(&node0()->log, 4), KEY_LOG_BASE + 4);

  /* A reset drops every entry, in storage too: a restart loads none. */
  send_cmd(CMD_APPEND, 5, 51, 0);
  send_cmd(CMD_RESET, 9, 5, 0);
  ck_assert_uint_eq(node0()->log.gen, 1); /* the restart began a new log: 0, then the reset */
  ck_assert_uint_eq(node0()->log.changed_from, 10);
  assert_log(__LINE__, 9, 0, NULL);
  send_cmd(CMD_APPEND, 6, 100, 0);
  ck_assert(fl_world_crash(T.w, 0));
  ck_assert(fl_world_restart(T.w, 0));
  ck_assert_uint_eq(node0()->loaded, 1);
  const uint64_t last[] = {100};
  assert_log(__LINE__, 9, 1, last);
  ck_assert_uint_eq(node0()->log.base_term, 5);
  close_world();
}
END_TEST

START_TEST(waiters_answer_in_index_order) {
  open_world();
  fl_op op;
  memset(&op, 0, sizeof op);
  op.endpoint = 2;
  op.kind = FL_OP_WRITE;
  /* seq 1 waits for index 3, seq 2 for 5, seq 3 for 5, seq 4 for 8. */
  const int64_t index[] = {3, 5, 5, 8};
  for (int i = 0; i < 4; i++) {
    op.seq = (uint64_t)i + 1;
    op.value = index[i];
    ck_assert(fl_world_inject_request(T.w, 0, &op));
  }
  ck_assert_uint_eq(fl_waiters_len(&node0()->waiters), 4);
  ck_assert_uint_eq(fl_waiters_front(&node0()->waiters)->index, 3);
  /* Index 5 applied with seq 3: seq 1 (index 3, passed) and seq 2 (index 5, another
   * operation there) are redirected, seq 3 gets the answer; seq 4 waits on. */
  send_cmd(CMD_SETTLE, 5, 0, 3);
  ck_assert_uint_eq(T.replies->len, 3);
  const uint64_t seqs[] = {1, 2, 3};
  const fl_reply_status status[] = {FL_REPLY_REDIRECT, FL_REPLY_REDIRECT, FL_REPLY_OK};
  for (guint i = 0; i < 3; i++) {
    client_reply r = g_array_index(T.replies, client_reply, i);
    ck_assert_uint_eq(r.op.seq, seqs[i]);
    ck_assert_int_eq(r.result.status, status[i]);
    ck_assert_int_eq(r.result.redirect_to, -1);
  }
  ck_assert_int_eq(g_array_index(T.replies, client_reply, 2).result.value, 42);
  ck_assert_uint_eq(fl_waiters_len(&node0()->waiters), 1);
  /* An index below every waiter answers nobody. */
  send_cmd(CMD_SETTLE, 7, 0, 4);
  ck_assert_uint_eq(T.replies->len, 3);
  /* Leadership lost: the rest are redirected. */
  op.seq = 5;
  op.value = 9;
  ck_assert(fl_world_inject_request(T.w, 0, &op));
  send_cmd(CMD_REDIRECT, 0, 0, 0);
  ck_assert_uint_eq(T.replies->len, 5);
  ck_assert_uint_eq(g_array_index(T.replies, client_reply, 3).op.seq, 4);
  ck_assert_uint_eq(g_array_index(T.replies, client_reply, 4).op.seq, 5);
  ck_assert_int_eq(g_array_index(T.replies, client_reply, 4).result.status, FL_REPLY_REDIRECT);
  ck_assert_uint_eq(fl_waiters_len(&node0()->waiters), 0);
  ck_assert_ptr_null(fl_waiters_front(&node0()->waiters));
  close_world();
}
END_TEST

/* CRC-32C's standard check value, and a frame: the payload, then its CRC little-endian. */
START_TEST(checksum_crc32c_and_frame_layout) {
  ck_assert_uint_eq(fl_checksum_crc32c("123456789", 9), 0xe3069283u);
  ck_assert_uint_eq(fl_checksum_crc32c("", 0), 0);
  unsigned char frame[9 + FL_CHECKSUM_BYTES];
  fl_checksum_frame(frame, "123456789", 9);
  ck_assert_int_eq(memcmp(frame, "123456789", 9), 0);
  static const unsigned char crc[] = {0x83, 0x92, 0x06, 0xe3};
  ck_assert_int_eq(memcmp(frame + 9, crc, 4), 0);
  /* Every single-bit flip of the frame changes the CRC of its payload or its trailer. */
  for (int bit = 0; bit < (int)sizeof frame * 8; bit++) {
    frame[bit / 8] ^= (unsigned char)(1u << (bit % 8));
    uint32_t want = (uint32_t)frame[9] | (uint32_t)frame[10] << 8 | (uint32_t)frame[11] << 16 |
                    (uint32_t)frame[12] << 24;
    ck_assert_uint_ne(fl_checksum_crc32c(frame, 9), want);
    frame[bit / 8] ^= (unsigned char)(1u << (bit % 8));
  }
}
END_TEST

/* ---- durable_slots */

/* A framed 4-byte payload; its version is its seq. */
static bool parse_u32(const void *rec, size_t len, int slot, uint64_t *version, void *user) {
  (void)slot, (void)user;
  uint32_t x = 0;
  return fl_durable_slots_unframe(rec, len, sizeof x, version, &x);
}

START_TEST(durable_slots_frame_layout) {
  /* Raft's meta record, byte for byte: seq, term, voted_for, then the CRC of the 20 before. */
  unsigned char payload[12], rec[12 + FL_DURABLE_SLOTS_FRAME_BYTES], out[12];
  uint64_t seq = 0, term = 7;
  int32_t voted = 2;
  memcpy(payload, &term, 8);
  memcpy(payload + 8, &voted, 4);
  fl_durable_slots_frame(rec, 5, payload, sizeof payload);
  memcpy(&seq, rec, 8);
  ck_assert_uint_eq(seq, 5);
  ck_assert_int_eq(memcmp(rec + 8, payload, 12), 0);
  uint32_t crc = 0;
  memcpy(&crc, rec + 20, 4);
  ck_assert_uint_eq(crc, fl_checksum_crc32c(rec, 20));
  ck_assert(fl_durable_slots_unframe(rec, sizeof rec, 12, &seq, out));
  ck_assert_uint_eq(seq, 5);
  ck_assert_int_eq(memcmp(out, payload, 12), 0);
  /* Torn (every shorter length), too long, a flipped bit, a NULL record: refused. */
  for (size_t n = 0; n < sizeof rec; n++)
    ck_assert(!fl_durable_slots_unframe(rec, n, 12, &seq, out));
  ck_assert(!fl_durable_slots_unframe(rec, sizeof rec, 11, &seq, out));
  ck_assert(!fl_durable_slots_unframe(NULL, 0, 12, &seq, out));
  rec[9] ^= 4;
  ck_assert(!fl_durable_slots_unframe(rec, sizeof rec, 12, &seq, out));
}
END_TEST

START_TEST(durable_slots_pick_the_newest_whole) {
  uint32_t x = 42;
  unsigned char a[4 + FL_DURABLE_SLOTS_FRAME_BYTES], b[4 + FL_DURABLE_SLOTS_FRAME_BYTES];
  const void *rec[2] = {a, b};
  size_t len[2] = {sizeof a, sizeof b};
  uint64_t v = 0;
  fl_durable_slots_frame(a, 3, &x, sizeof x);
  fl_durable_slots_frame(b, 4, &x, sizeof x);
  /* Both whole: the higher version, wherever it is. */
  ck_assert_int_eq(fl_durable_slots_pick(rec, len, parse_u32, NULL, &v), 1);
  ck_assert_uint_eq(v, 4);
  /* The newest torn (cut short at any length): the previous one. */
  for (size_t n = 0; n < sizeof b; n++) {
    len[1] = n;
    v = 0;
    ck_assert_int_eq(fl_durable_slots_pick(rec, len, parse_u32, NULL, &v), 0);
    ck_assert_uint_eq(v, 3);
  }
  /* Both torn: damage no single crash makes. */
  len[0] = sizeof a - 1;
  len[1] = 5;
  ck_assert_int_eq(fl_durable_slots_pick(rec, len, parse_u32, NULL, &v), -2);
  /* One slot written, torn (the first write): nothing to restore, not an error. */
  rec[1] = NULL;
  ck_assert_int_eq(fl_durable_slots_pick(rec, len, parse_u32, NULL, &v), -1);
  rec[0] = NULL;
  ck_assert_int_eq(fl_durable_slots_pick(rec, len, parse_u32, NULL, &v), -1);
  /* 64-bit versions: no wrap in sight; the order holds at the top of the range. */
  rec[0] = a, rec[1] = b, len[0] = sizeof a, len[1] = sizeof b;
  fl_durable_slots_frame(a, UINT64_MAX, &x, sizeof x);
  fl_durable_slots_frame(b, UINT64_MAX - 1, &x, sizeof x);
  ck_assert_int_eq(fl_durable_slots_pick(rec, len, parse_u32, NULL, &v), 0);
  ck_assert_uint_eq(v, UINT64_MAX);
}
END_TEST

int main(void) {
  Suite *s = suite_create("common");
  TCase *tc = tcase_create("common");
  tcase_add_test(tc, quorum_sizes);
  tcase_add_test(tc, kv_machine_results);
  tcase_add_test(tc, kv_machine_snapshot_round_trip);
  tcase_add_test(tc, sessions_apply_a_retry_once);
  tcase_add_test(tc, durable_log_survives_a_crash);
  tcase_add_test(tc, waiters_answer_in_index_order);
  tcase_add_test(tc, checksum_crc32c_and_frame_layout);
  tcase_add_test(tc, durable_slots_frame_layout);
  tcase_add_test(tc, durable_slots_pick_the_newest_whole);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
