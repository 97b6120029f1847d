/* Tests of the nodes' physical model (node_phys.c): clock jumps, processing time, disk latency
 * with fsync on and off, torn writes, timer jitter; each against exact simulated times, with a
 * small ping protocol: n1 sends `burst` pings to n2 every 10 ms of its local time; n2 persists
 * its count of pings (key 7) and answers each with a pong. */
#include "fl_test.h"
#include "actor.h"
#include "builtin.h"
#include "scenario.h"
#include "wire.h"
#include "world.h"

#include <string.h>

#define MS 1000000LL
#define LOG 64

static int n_ticks, n_pongs, n_restarts;
static int64_t tick_at[LOG], pong_at[LOG]; /* n1's fl_node_now at each */
static bool restart_found[LOG];
static size_t restart_len[LOG];
static int64_t restart_value[LOG];

typedef struct ping_node {
  int64_t pings; /* n2: pings counted, persisted under key 7 */
} ping_node;

static const fl_option_spec ping_options[] = {
    {.name = "burst", .type = FL_OPT_INT, .default_value = "1", .help = "pings per tick"},
    {.name = "persist", .type = FL_OPT_BOOL, .default_value = "yes", .help = "n2 persists"},
    {0}};

static void *ping_init(fl_node_ctx *ctx) {
  if (fl_node_id(ctx) == 0) fl_node_set_timer(ctx, 10 * MS, 1);
  return g_new0(ping_node, 1);
}

static void *ping_restart(fl_node_ctx *ctx) {
  ping_node *p = ping_init(ctx);
  size_t len = 0;
  const void *v = fl_node_load(ctx, 7, &len);
  if (n_restarts < LOG) {
    restart_found[n_restarts] = v != NULL;
    restart_len[n_restarts] = len;
    restart_value[n_restarts] = -1;
    if (v && len == sizeof p->pings) memcpy(&restart_value[n_restarts], v, len);
    n_restarts++;
  }
  return p;
}

static void ping_on_timer(void *st, fl_node_ctx *ctx, uint64_t tag) {
  (void)st, (void)tag;
  if (n_ticks < LOG) tick_at[n_ticks++] = fl_node_now(ctx);
  int64_t burst = fl_options_int(fl_node_options(ctx), "burst");
  for (int64_t i = 0; i < burst; i++) fl_node_send(ctx, 1, "ping", 4);
  fl_node_set_timer(ctx, 10 * MS, 1);
}

static void ping_on_message(void *st, fl_node_ctx *ctx, int from, const void *msg, size_t len) {
  ping_node *p = st;
  (void)from, (void)len;
  if (memcmp(msg, "ping", 4) == 0) {
    p->pings++;
    if (fl_options_bool(fl_node_options(ctx), "persist"))
      fl_node_persist(ctx, 7, &p->pings, sizeof p->pings);
    fl_node_send(ctx, 0, "pong", 4);
  } else if (n_pongs < LOG) {
    pong_at[n_pongs++] = fl_node_now(ctx);
  }
}

static void ping_free(void *st) { g_free(st); }

static void ping_describe(const void *st, GString *out) {
  g_string_append_printf(out, "ping %" G_GINT64_FORMAT, ((const ping_node *)st)->pings);
}

static const fl_protocol ping_protocol = {
    .api_version = FL_ACTOR_API_VERSION,
    .name = "ping",
    .summary = "pings and pongs",
    .options = ping_options,
    .init = ping_init,
    .on_message = ping_on_message,
    .on_timer = ping_on_timer,
    .on_restart = ping_restart,
    .free = ping_free,
    .describe = ping_describe,
};

static void setup(void) {
  fl_rng_global_init();
  ck_assert(fl_protocols_register_builtin(NULL));
  if (!fl_actor_lookup("ping", NULL)) ck_assert(fl_actor_register(&ping_protocol, NULL));
  n_ticks = n_pongs = n_restarts = 0;
}

/* A 2-node ping run of `duration` with 1 ms links and `extra` sections, run to its end. */
static void run(const char *duration, const char *extra) {
  char *text = g_strdup_printf("[cluster]\nprotocol = ping\nnodes = 2\nseed = 3\nduration = %s\n"
                               "[network]\nlatency = constant(1ms)\n%s",
                               duration, extra);
  GError *error = NULL;
  fl_scenario *s = fl_scenario_parse("test.fl", text, strlen(text), &error);
  if (!s) ck_abort_msg("scenario: %s", error->message);
  fl_world *w = fl_world_new(s, NULL, &error);
  if (!w) ck_abort_msg("world: %s", error->message);
  fl_world_run(w);
  ck_assert_int_eq(fl_world_stop_reason(w), FL_STOP_END);
  fl_world_free(w);
  fl_scenario_free(s);
  g_free(text);
}

START_TEST(clock_jump_moves_now_by_exactly_the_step) {
  run("45ms", "[timeline]\n15ms clock n1 jump +5s\n25ms clock n1 jump -2s\n");
  ck_assert_int_eq(n_ticks, 4);
  ck_assert_int_eq(tick_at[0], 10 * MS);
  ck_assert_int_eq(tick_at[1], 20 * MS + 5000 * MS);
  ck_assert_int_eq(tick_at[2], 30 * MS + 3000 * MS);
  ck_assert_int_eq(tick_at[3], 40 * MS + 3000 * MS);
  /* A timer is a duration: a jump moves what the node reads, not when its timers fire. */
  ck_assert_int_eq(pong_at[3], 42 * MS + 3000 * MS);
}
END_TEST

START_TEST(processing_delays_a_reply_by_exactly_the_processing_time) {
  run("15ms", "[ping]\npersist = no\n");
  ck_assert_int_eq(n_pongs, 1);
  ck_assert_int_eq(pong_at[0], 12 * MS);
  setup();
  run("15ms", "[ping]\npersist = no\n[node n2]\nprocessing = 3ms\n");
  ck_assert_int_eq(n_pongs, 1);
  ck_assert_int_eq(pong_at[0], 15 * MS); /* 12 ms + 3 ms */
}
END_TEST

START_TEST(processing_serves_one_item_at_a_time_in_arrival_order) {
  /* n1 takes 1 ms per item, so its timer of 10 ms is handled at 11 ms; three pings reach n2 at
   * 12 ms and are served 12-15, 15-18 and 18-21 ms, each pong reaching n1 1 ms later. */
  run("25ms", "[ping]\npersist = no\nburst = 3\n[nodes]\nprocessing = 1ms\n"
              "[node n2]\nprocessing = constant(3ms)\n");
  ck_assert_int_eq(tick_at[0], 11 * MS);
  ck_assert_int_eq(n_pongs, 3);
  ck_assert_int_eq(pong_at[0], 17 * MS); /* sent at 15 ms, arrived at 16 ms, served 16-17 */
  ck_assert_int_eq(pong_at[1], 20 * MS);
  /* n1's next timer (due 21 ms) is served 21-22 ms, so the pong of 22 ms waits for it. */
  ck_assert_int_eq(tick_at[1], 22 * MS);
  ck_assert_int_eq(pong_at[2], 23 * MS);
}
END_TEST

START_TEST(processing_changed_mid_run_applies_from_the_next_item) {
  run("30ms", "[ping]\npersist = no\n[timeline]\n15ms processing n2 = 4ms\n");
  ck_assert_int_eq(n_pongs, 2);
  ck_assert_int_eq(pong_at[0], 12 * MS);
  ck_assert_int_eq(pong_at[1], 26 * MS); /* 20 + 1 + 4 + 1 */
}
END_TEST

START_TEST(processing_item_is_lost_by_a_crash_and_served_again_after_a_pause) {
  /* n2 serves the ping of 11 ms until 16 ms; it crashes at 13 ms: that ping is lost, and the
   * next (21 ms) is served from 21 to 26 ms, its pong reaching n1 at 27 ms. */
  run("30ms", "[ping]\npersist = no\n[node n2]\nprocessing = 5ms\n"
              "[timeline]\n13ms crash n2\n14ms restart n2\n");
  ck_assert_int_eq(n_pongs, 1);
  ck_assert_int_eq(pong_at[0], 27 * MS);
  setup();
  /* Paused from 12 to 22 ms: the service under way is forgotten; at the resume the ping of
   * 11 ms and the one of 21 ms queue again, served 22-27 and 27-32 ms; the one of 31 ms waits
   * for them, served 32-37 ms. */
  run("40ms", "[ping]\npersist = no\n[node n2]\nprocessing = 5ms\n"
              "[timeline]\n12ms pause n2 for 10ms\n");
  ck_assert_int_eq(n_pongs, 3);
  ck_assert_int_eq(pong_at[0], 28 * MS);
  ck_assert_int_eq(pong_at[1], 33 * MS);
  ck_assert_int_eq(pong_at[2], 38 * MS);
}
END_TEST

START_TEST(disk_latency_holds_the_reply_until_the_write_is_synced) {
  run("15ms", "[ping]\npersist = no\n[node n2]\ndisk = 10ms\n");
  ck_assert_int_eq(pong_at[0], 12 * MS); /* no persist, no wait */
  setup();
  run("25ms", "[node n2]\ndisk = 10ms\n");
  ck_assert_int_eq(n_pongs, 1);
  ck_assert_int_eq(pong_at[0], 22 * MS); /* 12 ms + the 10 ms write */
  setup();
  /* Writes overlap but reach the disk in order: of two writes at 11 ms, the second drawn
   * shorter is synced with the first. */
  run("40ms", "[ping]\nburst = 2\n[node n2]\ndisk = 10ms\n");
  ck_assert_int_eq(pong_at[0], 22 * MS);
  ck_assert_int_eq(pong_at[1], 22 * MS);
  setup();
  run("40ms", "[ping]\nburst = 2\n[node n2]\ndisk = empirical(10ms 50%, 1ms 50%)\n");
  ck_assert_int_ge(n_pongs, 2);
  ck_assert(pong_at[0] == 13 * MS || pong_at[0] == 22 * MS);
  ck_assert(pong_at[1] == pong_at[0] || pong_at[1] == 22 * MS);
  setup();
  /* fsync = no: the write cache answers at once. */
  run("15ms", "[node n2]\ndisk = 10ms\nfsync = no\n");
  ck_assert_int_eq(pong_at[0], 12 * MS);
}
END_TEST

START_TEST(crash_inside_the_sync_window_loses_the_write) {
  /* The ping of 10 ms is written at 11 ms, synced at 21 ms; n2 crashes at 15 ms. */
  const char *tl = "[timeline]\n15ms crash n2\n16ms restart n2\n";
  char *lying = g_strdup_printf("[node n2]\ndisk = 10ms\nfsync = no\n%s", tl);
  run("18ms", lying);
  ck_assert_int_eq(n_pongs, 1);   /* acknowledged at 12 ms ... */
  ck_assert_int_eq(n_restarts, 1);
  ck_assert(!restart_found[0]); /* ... and lost */
  setup();
  char *honest = g_strdup_printf("[node n2]\ndisk = 10ms\n%s", tl);
  run("18ms", honest);
  ck_assert_int_eq(n_pongs, 0); /* never acknowledged, so nothing acknowledged was lost */
  ck_assert(!restart_found[0]);
  setup();
  /* A crash after the sync keeps it. */
  run("30ms", "[node n2]\ndisk = 10ms\nfsync = no\n[timeline]\n21ms crash n2\n22ms restart n2\n");
  ck_assert(restart_found[0]);
  ck_assert_int_eq(restart_value[0], 1);
  g_free(lying);
  g_free(honest);
}
END_TEST

START_TEST(torn_write_leaves_a_prefix_of_the_write_in_progress) {
  /* Pings at 10 and 20 ms: the first is synced at 21 ms; the second, written from 21 ms, is in
   * progress at the crash (25 ms) and left cut; its record held the first one's 8 bytes. */
  run("30ms", "[node n2]\ndisk = 10ms\ntorn_writes = yes\n"
              "[timeline]\n25ms crash n2\n26ms restart n2\n");
  ck_assert_int_eq(n_restarts, 1);
  ck_assert(restart_found[0]);
  ck_assert_uint_lt(restart_len[0], sizeof(int64_t)); /* detected: not a whole record */
  ck_assert_int_eq(restart_value[0], -1);
  size_t first = restart_len[0];
  /* The cut is drawn from n2's disk stream: the same seed cuts the same length. */
  setup();
  run("30ms", "[node n2]\ndisk = 10ms\ntorn_writes = yes\n"
              "[timeline]\n25ms crash n2\n26ms restart n2\n");
  ck_assert_uint_eq(restart_len[0], first);
}
END_TEST

START_TEST(timer_jitter_delays_each_timer_by_a_bounded_draw) {
  run("200ms", "[ping]\npersist = no\n");
  int plain = n_ticks;
  ck_assert_int_eq(plain, 20);
  setup();
  run("200ms", "[ping]\npersist = no\n[node n1]\ntimer_jitter = uniform(0ms, 1ms)\n");
  ck_assert_int_ge(n_ticks, 18);
  bool any = false;
  int64_t prev = 0;
  for (int i = 0; i < n_ticks; i++) {
    int64_t gap = tick_at[i] - prev;
    ck_assert_int_ge(gap, 10 * MS);
    ck_assert_int_le(gap, 11 * MS);
    any = any || gap != 10 * MS;
    prev = tick_at[i];
  }
  ck_assert(any);
  /* The same seed draws the same jitter. */
  int64_t first = tick_at[0];
  setup();
  run("200ms", "[ping]\npersist = no\n[node n1]\ntimer_jitter = uniform(0ms, 1ms)\n");
  ck_assert_int_eq(tick_at[0], first);
}
END_TEST

/* Raft's commit latency: from a client's request leaving to the leader's ok reply leaving,
 * for every operation answered ok after the first second (the leader is settled). */
typedef struct commit_tap {
  fl_world *w;
  int n_nodes;
  int64_t asked_at, min_ns, max_ns;
  int ok;
} commit_tap;

static void on_send(void *user, int src, int dst, const void *msg, size_t len) {
  commit_tap *t = user;
  int64_t now = fl_world_now(t->w);
  if (src >= t->n_nodes) t->asked_at = now;
  if (dst < t->n_nodes || src >= t->n_nodes || len != sizeof(fl_client_reply)) return;
  fl_client_reply r;
  memcpy(&r, msg, sizeof r);
  if (r.result.status != FL_REPLY_OK || now < 1000 * MS) return;
  int64_t lat = now - t->asked_at;
  t->min_ns = t->ok ? MIN(t->min_ns, lat) : lat;
  t->max_ns = t->ok ? MAX(t->max_ns, lat) : lat;
  t->ok++;
}

static commit_tap raft_commit(const char *extra) {
  char *text = g_strdup_printf("[cluster]\nprotocol = raft\nnodes = 3\nseed = 1\nduration = 3s\n"
                               "[network]\nlatency = constant(1ms)\n[workload]\nclients = 1\n"
                               "keys = 1\nthink = constant(50ms)\ntimeout = 1s\n%s", extra);
  GError *error = NULL;
  fl_scenario *s = fl_scenario_parse("test.fl", text, strlen(text), &error);
  if (!s) ck_abort_msg("scenario: %s", error->message);
  commit_tap t = {.n_nodes = 3};
  t.w = fl_world_new(s, NULL, &error);
  if (!t.w) ck_abort_msg("world: %s", error->message);
  fl_world_set_send_tap(t.w, on_send, &t);
  fl_world_run(t.w);
  fl_world_free(t.w);
  t.w = NULL;
  fl_scenario_free(s);
  g_free(text);
  return t;
}

START_TEST(disk_latency_adds_two_writes_to_raft_commit_latency) {
  /* The request reaches the leader after 1 ms, its AppendEntries a follower after 2 ms, the
   * acknowledgement the leader after 3 ms, when it replies. */
  commit_tap plain = raft_commit("");
  ck_assert_int_gt(plain.ok, 30);
  ck_assert_int_eq(plain.min_ns, 3 * MS);
  ck_assert_int_eq(plain.max_ns, 3 * MS);
  /* With 10 ms writes, the leader's AppendEntries leave once its entry is synced, and the
   * follower's acknowledgement once its copy is: two writes more. */
  commit_tap disk = raft_commit("[nodes]\ndisk = 10ms\n");
  ck_assert_int_gt(disk.ok, 20);
  ck_assert_int_eq(disk.min_ns, 23 * MS);
  ck_assert_int_eq(disk.max_ns, 23 * MS);
  /* A lying cache acknowledges at once: the latency of no disk at all. */
  commit_tap lying = raft_commit("[nodes]\ndisk = 10ms\nfsync = no\n");
  ck_assert_int_eq(lying.min_ns, 3 * MS);
  ck_assert_int_eq(lying.max_ns, 3 * MS);
}
END_TEST

START_TEST(node_sections_override_the_defaults_key_by_key) {
  const char *text = "[cluster]\nprotocol = ping\nnodes = 3\n"
                     "[nodes]\nprocessing = 1ms\ndisk = uniform(2ms, 8ms)\nfsync = no\n"
                     "[node n2]\ndisk = 20ms\ntorn_writes = yes\n[node n2]\nfsync = yes\n";
  char *sets[] = {"nodes.timer_jitter=uniform(0ms, 1ms)", NULL};
  GError *error = NULL;
  fl_scenario *s = fl_scenario_parse_with("t.fl", text, strlen(text), sets, &error);
  if (!s) ck_abort_msg("scenario: %s", error->message);
  fl_node_model m;
  fl_scenario_node_model(s, 0, &m);
  ck_assert(m.has_processing && m.processing.kind == FL_DIST_CONSTANT && m.processing.a == 1e6);
  ck_assert(m.has_disk && m.disk.kind == FL_DIST_UNIFORM);
  ck_assert(m.has_timer_jitter && m.timer_jitter.kind == FL_DIST_UNIFORM && m.timer_jitter.b == 1e6);
  ck_assert(!m.fsync && !m.torn_writes);
  fl_node_model_clear(&m);
  fl_scenario_node_model(s, 1, &m);
  ck_assert(m.has_processing && m.processing.a == 1e6);
  ck_assert(m.has_disk && m.disk.kind == FL_DIST_CONSTANT && m.disk.a == 20e6);
  ck_assert(m.fsync && m.torn_writes);
  fl_node_model_clear(&m);
  fl_scenario_free(s);
  /* Without [nodes], nothing is on, and fsync is honest. */
  const char *bare = "[cluster]\nprotocol = ping\nnodes = 2\n";
  s = fl_scenario_parse("t.fl", bare, strlen(bare), &error);
  fl_scenario_node_model(s, 1, &m);
  ck_assert(!m.has_processing && !m.has_disk && !m.has_timer_jitter && m.fsync && !m.torn_writes);
  fl_node_model_clear(&m);
  fl_scenario_free(s);
}
END_TEST

int main(void) {
  Suite *s = suite_create("node_phys");
  TCase *tc = tcase_create("node_phys");
  tcase_add_checked_fixture(tc, setup, NULL);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, node_sections_override_the_defaults_key_by_key);
  tcase_add_test(tc, clock_jump_moves_now_by_exactly_the_step);
  tcase_add_test(tc, processing_delays_a_reply_by_exactly_the_processing_time);
  tcase_add_test(tc, processing_serves_one_item_at_a_time_in_arrival_order);
  tcase_add_test(tc, processing_changed_mid_run_applies_from_the_next_item);
  tcase_add_test(tc, processing_item_is_lost_by_a_crash_and_served_again_after_a_pause);
  tcase_add_test(tc, disk_latency_holds_the_reply_until_the_write_is_synced);
  tcase_add_test(tc, crash_inside_the_sync_window_loses_the_write);
  tcase_add_test(tc, torn_write_leaves_a_prefix_of_the_write_in_progress);
  tcase_add_test(tc, timer_jitter_delays_each_timer_by_a_bounded_draw);
  tcase_add_test(tc, disk_latency_adds_two_writes_to_raft_commit_latency);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
