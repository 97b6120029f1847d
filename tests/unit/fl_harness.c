/* fl_harness: a world driven one message at a time (see fl_harness.h). */
#include "fl_harness.h"

#include <check.h>
#include <string.h>
#include "builtin.h"
#include "rng.h"

static void tap(void *user, int src, int dst, const void *msg, size_t len) {
  fl_harness *h = user;
  fl_harness_msg m = {src, dst, g_bytes_new(msg, len)};
  g_array_append_val(h->sent, m);
}

void fl_harness_open(fl_harness *h, const char *name, const char *scenario_text) {
  memset(h, 0, sizeof *h);
  fl_rng_global_init();
  ck_assert(fl_protocols_register_builtin(NULL));
  GError *error = NULL;
  h->scn = fl_scenario_parse(name, scenario_text, strlen(scenario_text), &error);
  if (!h->scn) ck_abort_msg("%s", error->message);
  h->w = fl_world_new(h->scn, NULL, &error);
  if (!h->w) ck_abort_msg("%s", error->message);
  h->sent = g_array_new(FALSE, TRUE, sizeof(fl_harness_msg));
  fl_world_set_send_tap(h->w, tap, h);
}

static void release(fl_harness *h) {
  fl_world_set_send_tap(h->w, NULL, NULL);
  for (guint i = 0; i < h->sent->len; i++)
    g_bytes_unref(g_array_index(h->sent, fl_harness_msg, i).bytes);
  g_array_free(h->sent, TRUE);
  fl_world_free(h->w);
  fl_scenario_free(h->scn);
  memset(h, 0, sizeof *h);
}

void fl_harness_close(fl_harness *h) {
  ck_assert_msg(fl_world_stop_reason(h->w) == FL_STOP_NONE, "%s",
                fl_world_stop_message(h->w) ? fl_world_stop_message(h->w) : "");
  release(h);
}

void fl_harness_close_stopped(fl_harness *h, fl_stop_reason reason, const char *message) {
  const char *got = fl_world_stop_message(h->w);
  ck_assert_int_eq(fl_world_stop_reason(h->w), reason);
  ck_assert_str_eq(got ? got : "", message);
  release(h);
}

void fl_harness_isolate(fl_harness *h) {
  int n = fl_world_node_count(h->w);
  int *alone = g_new(int, n);
  for (int i = 0; i < n; i++) alone[i] = i;
  fl_world_partition(h->w, alone);
  g_free(alone);
}

void fl_harness_assert_running(const fl_harness *h, int line) {
  ck_assert_msg(fl_world_stop_reason(h->w) == FL_STOP_NONE, "line %d: the world stopped: %s",
                line, fl_world_stop_message(h->w) ? fl_world_stop_message(h->w) : "");
}

const void *fl_harness_state(const fl_harness *h, int node) {
  const void *s = fl_world_node_state(h->w, node);
  ck_assert_msg(s != NULL, "n%d has no state: it is crashed", node + 1);
  return s;
}

/* ---- Driving. */

void fl_harness_inject(fl_harness *h, int line, int src, int dst, const void *msg, size_t len) {
  ck_assert_msg(fl_world_inject(h->w, src, dst, msg, len),
                "line %d: cannot inject n%d -> n%d (is n%d down or paused?)", line, src + 1,
                dst + 1, dst + 1);
  fl_harness_assert_running(h, line);
}

void fl_harness_deliver(fl_harness *h, int line, const fl_harness_msg *m) {
  ck_assert_msg(m != NULL, "line %d: no message to deliver", line);
  /* Injecting appends to h->sent, which may move `m`: keep what is needed first. */
  int src = m->src, dst = m->dst;
  GBytes *bytes = g_bytes_ref(m->bytes);
  size_t len = 0;
  const void *data = g_bytes_get_data(bytes, &len);
  fl_harness_inject(h, line, src, dst, data, len);
  g_bytes_unref(bytes);
}

void fl_harness_request(fl_harness *h, int line, int dst, const fl_op *op) {
  ck_assert_msg(fl_world_inject_request(h->w, dst, op),
                "line %d: cannot inject a request into n%d (is it down or paused?)", line,
                dst + 1);
  fl_harness_assert_running(h, line);
}

void fl_harness_step(fl_harness *h, int line) {
  ck_assert_msg(fl_world_step(h->w), "line %d: no event left to run", line);
  fl_harness_assert_running(h, line);
}

void fl_harness_run_for(fl_harness *h, int line, int64_t ns) {
  fl_world_run_until(h->w, fl_world_now(h->w) + ns);
  fl_harness_assert_running(h, line);
}

/* ---- Clients. */

int fl_harness_client_endpoint(const fl_harness *h, uint32_t client) {
  return fl_world_node_count(h->w) + (int)client;
}

fl_op fl_harness_op(const fl_harness *h, uint32_t client, uint64_t seq, fl_op_kind kind,
                    int64_t key, int64_t value, int64_t expected) {
  fl_op op;
  memset(&op, 0, sizeof op); /* the padding after `kind` crosses the network too */
  op.client = client;
  op.endpoint = (uint32_t)fl_harness_client_endpoint(h, client);
  op.process = client;
  op.seq = seq;
  op.kind = kind;
  op.key = key;
  op.value = value;
  op.expected = expected;
  return op;
}

/* ---- Captured messages. */

guint fl_harness_mark(const fl_harness *h) { return h->sent->len; }

const void *fl_harness_msg_data(const fl_harness_msg *m, size_t *len) {
  return g_bytes_get_data(m->bytes, len);
}

uint32_t fl_harness_msg_type(const fl_harness_msg *m) {
  size_t len = 0;
  const void *p = g_bytes_get_data(m->bytes, &len);
  uint32_t t = 0;
  if (len >= sizeof t) memcpy(&t, p, sizeof t);
  return t;
}

const fl_harness_msg *fl_harness_find(const fl_harness *h, guint from, int src, int dst,
                                      uint32_t type, int k) {
  for (guint i = from; i < h->sent->len; i++) {
    const fl_harness_msg *m = &g_array_index(h->sent, fl_harness_msg, i);
    if (m->src != src || m->dst != dst) continue;
    if (type && fl_harness_msg_type(m) != type) continue;
    if (k-- == 0) return m;
  }
  return NULL;
}

int fl_harness_count(const fl_harness *h, guint from, int src, int dst, uint32_t type) {
  int k = 0;
  while (fl_harness_find(h, from, src, dst, type, k)) k++;
  return k;
}

void fl_harness_nth(const fl_harness *h, int line, guint from, int src, int dst, uint32_t type,
                    int k, void *out, size_t size) {
  const fl_harness_msg *m = fl_harness_find(h, from, src, dst, type, k);
  if (!m)
    ck_abort_msg("line %d: no message %d of type %u from n%d to endpoint %d", line, k, type,
                 src + 1, dst);
  size_t len = 0;
  const void *p = g_bytes_get_data(m->bytes, &len);
  ck_assert_msg(len == size, "line %d: message n%d -> %d is %zu bytes, expected %zu", line,
                src + 1, dst, len, size);
  memcpy(out, p, size);
}

fl_harness_reply fl_harness_client_reply(const fl_harness *h, int line, guint from, int node,
                                         uint32_t client, int k) {
  fl_harness_reply r;
  fl_harness_nth(h, line, from, node, fl_harness_client_endpoint(h, client), 0, k, &r, sizeof r);
  ck_assert_msg(r.op.client == client, "line %d: n%d's reply to client %u answers client %u",
                line, node + 1, client, r.op.client);
  return r;
}
