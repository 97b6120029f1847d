/* Tests of the world through a small probe protocol: partitions, cuts, crash and restart,
 * pause, clock drift, invariant stops, protocol misuse and determinism. */
#include "fl_test.h"
#include "actor.h"
#include "builtin.h"
#include "scenario.h"
#include "world.h"

#include <string.h>

/* ---- The probe: every node sends (its id, tick) to every other node each 10 ms of its local
 * time; receivers count per sender (volatile) and persist a total (durable, key 7). */

typedef struct probe {
  int id, n;
  int64_t recv_from[8];
  int64_t recv_total;   /* volatile */
  int64_t durable_total; /* mirror of key 7 */
  int64_t ticks;
  int64_t last_tick_local_ns;
  int64_t limit;
  int64_t recv_time_sum; /* local receive times, summed: a fingerprint of the latencies */
} probe;

static const fl_option_spec probe_options[] = {
    {.name = "limit", .type = FL_OPT_INT, .default_value = "0", .help = "invariant bound"},
    {.name = "misuse", .type = FL_OPT_BOOL, .default_value = "no", .help = "send to itself"},
    {.name = "period", .type = FL_OPT_DURATION, .default_value = "10ms", .help = "tick"},
    {0}};

static probe *probe_new(fl_node_ctx *ctx) {
  probe *p = g_new0(probe, 1);
  p->id = fl_node_id(ctx);
  p->n = fl_node_count(ctx);
  p->limit = fl_options_int(fl_node_options(ctx), "limit");
  fl_node_set_timer(ctx, fl_options_duration_ns(fl_node_options(ctx), "period"), 1);
  if (fl_options_bool(fl_node_options(ctx), "misuse")) fl_node_send(ctx, p->id, "x", 1);
  return p;
}

static void *probe_init(fl_node_ctx *ctx) { return probe_new(ctx); }

static void *probe_restart(fl_node_ctx *ctx) {
  probe *p = probe_new(ctx);
  size_t len = 0;
  const void *v = fl_node_load(ctx, 7, &len);
  if (v && len == sizeof p->durable_total) memcpy(&p->durable_total, v, len);
  return p;
}

static void probe_on_message(void *st, fl_node_ctx *ctx, int from, const void *msg, size_t len) {
  probe *p = st;
  (void)msg;
  (void)len;
  p->recv_from[from]++;
  p->recv_total++;
  p->recv_time_sum += fl_node_now(ctx);
  p->durable_total++;
  fl_node_persist(ctx, 7, &p->durable_total, sizeof p->durable_total);
}

static void probe_on_timer(void *st, fl_node_ctx *ctx, uint64_t tag) {
  probe *p = st;
  ck_assert_int_eq(tag, 1);
  p->ticks++;
  p->last_tick_local_ns = fl_node_now(ctx);
  int64_t payload[2] = {p->id, p->ticks};
  fl_node_broadcast(ctx, payload, sizeof payload);
  fl_node_set_timer(ctx, fl_options_duration_ns(fl_node_options(ctx), "period"), 1);
}

static void probe_free(void *st) { g_free(st); }

static void probe_describe(const void *st, GString *out) {
  const probe *p = st;
  g_string_append_printf(out, "probe recv=%" G_GINT64_FORMAT, p->recv_total);
}

static bool probe_check(void *ghost, const fl_cluster_view *v, GString *why) {
  (void)ghost;
  for (int i = 0; i < fl_view_node_count(v); i++) {
    const probe *p = fl_view_state(v, i);
    if (p && p->limit > 0 && p->recv_total > p->limit) {
      g_string_append_printf(why, "n%d received %" G_GINT64_FORMAT " messages, over %" G_GINT64_FORMAT,
                             i + 1, p->recv_total, p->limit);
      return false;
    }
  }
  return true;
}

static const fl_protocol probe_protocol = {
    .api_version = FL_ACTOR_API_VERSION,
    .name = "probe",
    .summary = "test probe",
    .options = probe_options,
    .init = probe_init,
    .on_message = probe_on_message,
    .on_timer = probe_on_timer,
    .on_restart = probe_restart,
    .free = probe_free,
    .describe = probe_describe,
    .check_invariants = probe_check,
};

static void setup(void) {
  fl_rng_global_init();
  ck_assert(fl_protocols_register_builtin(NULL));
  if (!fl_actor_lookup("probe", NULL)) ck_assert(fl_actor_register(&probe_protocol, NULL));
}

static fl_scenario *scenario(const char *extra) {
  char *text = g_strdup_printf("[cluster]\nprotocol = probe\nnodes = 3\nseed = 5\nduration = 1s\n"
                               "[network]\nlatency = uniform(1ms, 3ms)\n%s",
                               extra ? extra : "");
  GError *error = NULL;
  fl_scenario *s = fl_scenario_parse("test.fl", text, strlen(text), &error);
  if (!s) ck_abort_msg("scenario: %s", error->message);
  g_free(text);
  return s;
}

static fl_world *world(fl_scenario *s) {
  GError *error = NULL;
  fl_world *w = fl_world_new(s, NULL, &error);
  if (!w) ck_abort_msg("world: %s", error->message);
  return w;
}

static const probe *node(fl_world *w, int i) { return fl_world_node_state(w, i); }

START_TEST(partition_isolates_groups) {
  fl_scenario *s = scenario(NULL);
  fl_world *w = world(s);
  int groups[3] = {0, 1, 1};
  fl_world_partition(w, groups);
  fl_world_run(w);
  ck_assert_int_eq(fl_world_stop_reason(w), FL_STOP_END);
  ck_assert_int_eq(node(w, 0)->recv_total, 0);
  ck_assert_int_eq(node(w, 1)->recv_from[0], 0);
  /* 100 ticks in 1 s; the last one's messages may still be in flight at the end. */
  ck_assert_int_ge(node(w, 1)->recv_from[2], 99);
  ck_assert_int_ge(node(w, 2)->recv_from[1], 99);
  const fl_link_counters *c = fl_net_counters(fl_world_net(w), 0, 1);
  ck_assert_int_eq(c->dropped[FL_DROP_PARTITION], c->sent);
  fl_world_free(w);
  fl_scenario_free(s);
}
END_TEST

START_TEST(partition_drops_messages_in_flight) {
  fl_scenario *s = scenario(NULL);
  fl_world *w = world(s);
  /* Ticks fire at 10 ms; messages take 1..3 ms. Partition at 11 ms catches them in flight. */
  fl_world_run_until(w, 10500000);
  int groups[3] = {0, 1, 2};
  fl_world_partition(w, groups);
  fl_world_run_until(w, 20000000);
  fl_link_counters t;
  fl_net_totals(fl_world_net(w), &t);
  ck_assert_int_gt(t.dropped[FL_DROP_PARTITION], 0);
  fl_world_free(w);
  fl_scenario_free(s);
}
END_TEST

START_TEST(one_way_cut) {
  fl_scenario *s = scenario(NULL);
  fl_world *w = world(s);
  fl_world_cut(w, 0, 1, true);
  fl_world_run(w);
  ck_assert_int_eq(node(w, 1)->recv_from[0], 0);
  ck_assert_int_ge(node(w, 0)->recv_from[1], 99);
  ck_assert_int_ge(node(w, 2)->recv_from[0], 99);
  fl_world_free(w);
  fl_scenario_free(s);
}
END_TEST

START_TEST(crash_drops_and_restart_keeps_durable_state) {
  fl_scenario *s = scenario(NULL);
  fl_world *w = world(s);
  fl_world_run_until(w, 500000000);
  int64_t before = node(w, 2)->durable_total;
  ck_assert_int_gt(before, 90);
  ck_assert_int_eq(node(w, 2)->recv_total, before);
  fl_world_crash(w, 2);
  ck_assert(!fl_world_node_is_up(w, 2));
  ck_assert_ptr_null(fl_world_node_state(w, 2));
  fl_world_run_until(w, 700000000);
  const fl_link_counters *c = fl_net_counters(fl_world_net(w), 0, 2);
  ck_assert_int_gt(c->dropped[FL_DROP_CRASHED], 15);
  fl_world_restart(w, 2);
  ck_assert(fl_world_node_is_up(w, 2));
  /* Volatile state starts over; durable state is what was persisted before the crash. */
  ck_assert_int_eq(node(w, 2)->recv_total, 0);
  ck_assert_int_eq(node(w, 2)->durable_total, before);
  ck_assert_int_eq(node(w, 2)->ticks, 0);
  fl_world_run(w);
  ck_assert_int_gt(node(w, 2)->recv_total, 0);
  ck_assert_int_eq(node(w, 2)->durable_total, before + node(w, 2)->recv_total);
  fl_world_free(w);
  fl_scenario_free(s);
}
END_TEST

START_TEST(crashed_node_timers_never_fire) {
  fl_scenario *s = scenario(NULL);
  fl_world *w = world(s);
  fl_world_run_until(w, 95000000);
  fl_world_crash(w, 0);
  fl_world_run_until(w, 300000000);
  /* Nobody heard n1 after its crash. */
  int64_t from0 = node(w, 1)->recv_from[0];
  ck_assert_int_le(from0, 9);
  fl_world_run(w);
  ck_assert_int_eq(node(w, 1)->recv_from[0], from0);
  fl_world_free(w);
  fl_scenario_free(s);
}
END_TEST

START_TEST(pause_holds_messages_and_timers_until_resume) {
  fl_scenario *s = scenario(NULL);
  fl_world *w = world(s);
  fl_world_run_until(w, 100000000);
  fl_world_pause(w, 1);
  ck_assert(fl_world_node_is_paused(w, 1));
  int64_t recv = node(w, 1)->recv_total, ticks = node(w, 1)->ticks;
  fl_world_run_until(w, 300000000);
  ck_assert_int_eq(node(w, 1)->recv_total, recv);
  ck_assert_int_eq(node(w, 1)->ticks, ticks);
  fl_world_resume(w, 1);
  fl_world_run_until(w, 300000000);
  /* What arrived during the pause (two senders, ~20 ticks each) is handled at the resume; its
   * one overdue timer fires then too. */
  ck_assert_int_ge(node(w, 1)->recv_total - recv, 38);
  ck_assert_int_eq(node(w, 1)->ticks, ticks + 1);
  fl_world_free(w);
  fl_scenario_free(s);
}
END_TEST

START_TEST(clock_drift_and_skew_apply_to_timers) {
  fl_scenario *s = scenario("[clocks]\nn2 = skew 5ms, drift 100000ppm\n");
  fl_world *w = world(s);
  fl_world_run(w);
  /* A clock 10% fast reaches each 10 ms local deadline after 9.0909091 ms, rounded up to the
   * next nanosecond so a timer never fires early: the 110th tick falls 110 ns after the end
   * of the run, so 109 ticks in 1 s. */
  ck_assert_int_eq(node(w, 0)->ticks, 100);
  ck_assert_int_eq(node(w, 1)->ticks, 109);
  /* Its local time at the 109th tick: at least 109 * 10 ms plus the skew, at most a few ns
   * more (each delay rounded up). */
  ck_assert_int_ge(node(w, 1)->last_tick_local_ns, 1090000000 + 5000000);
  ck_assert_int_le(node(w, 1)->last_tick_local_ns, 1090000000 + 5000000 + 200);
  fl_world_free(w);
  fl_scenario_free(s);
}
END_TEST

START_TEST(invariant_violation_stops_the_run) {
  fl_scenario *s = scenario("[probe]\nlimit = 50\n");
  fl_world *w = world(s);
  fl_world_run(w);
  ck_assert_int_eq(fl_world_stop_reason(w), FL_STOP_VIOLATION);
  const char *m = fl_world_stop_message(w);
  ck_assert_ptr_nonnull(strstr(m, "protocol probe, at "));
  ck_assert_ptr_nonnull(strstr(m, "invariant violated: n"));
  ck_assert_ptr_nonnull(strstr(m, "received 51 messages, over 50"));
  ck_assert_int_lt(fl_world_now(w), 500000000);
  uint64_t events = fl_world_events(w);
  fl_world_run(w); /* stopping is final */
  ck_assert_int_eq(fl_world_events(w), events);
  fl_world_free(w);
  fl_scenario_free(s);
}
END_TEST

START_TEST(protocol_misuse_is_an_error_naming_node_and_time) {
  fl_scenario *s = scenario("[probe]\nmisuse = yes\n");
  fl_world *w = world(s);
  ck_assert_int_eq(fl_world_stop_reason(w), FL_STOP_PROTOCOL_ERROR);
  ck_assert_str_eq(fl_world_stop_message(w),
                   "protocol probe, at 0ns (event 0): node n1 sent a message to node index 0 "
                   "(expected 0..2, not itself)");
  fl_world_free(w);
  fl_scenario_free(s);
}
END_TEST

START_TEST(unknown_option_names_file_line_and_known_options) {
  fl_scenario *s = scenario("[probe]\nlimt = 5\n");
  GError *error = NULL;
  ck_assert_ptr_null(fl_world_new(s, NULL, &error));
  ck_assert_str_eq(error->message, "test.fl:9:1: expected an option of protocol probe (limit, "
                                   "misuse, period), found 'limt'");
  g_error_free(error);
  fl_scenario_free(s);
}
END_TEST

START_TEST(unknown_protocol_lists_known_ones) {
  const char *text = "[cluster]\nprotocol = raftt\nnodes = 3\n";
  GError *error = NULL;
  fl_scenario *s = fl_scenario_parse("t.fl", text, strlen(text), &error);
  ck_assert_ptr_nonnull(s);
  ck_assert(!fl_world_validate(s, &error));
  ck_assert_str_eq(error->message,
                   "t.fl:2:12: expected a protocol name (known: probe, raft, rbcast), found 'raftt'");
  g_error_free(error);
  fl_scenario_free(s);
}
END_TEST

static uint64_t digest_of(const char *extra, uint64_t seed) {
  fl_scenario *s = scenario(extra);
  fl_world_opts o;
  fl_world_opts_init(&o);
  o.has_seed = true;
  o.seed = seed;
  fl_world *w = fl_world_new(s, &o, NULL);
  fl_world_run(w);
  ck_assert(fl_world_finish(w, NULL));
  uint64_t d = fl_world_digest(w);
  fl_world_free(w);
  fl_scenario_free(s);
  return d;
}

START_TEST(same_seed_same_digest_other_seed_other_digest) {
  const char *lossy = "[network]\nlatency = exponential(mean=2ms)\nloss = 10%\nreorder = yes\n";
  uint64_t a = digest_of(lossy, 1), b = digest_of(lossy, 1), c = digest_of(lossy, 2);
  ck_assert_uint_eq(a, b);
  ck_assert_uint_ne(a, c);
}
END_TEST

/* Each link draws from its own stream: clients, their traffic and their own draws leave the
 * latencies and losses between nodes exactly as they were. */
START_TEST(adding_clients_leaves_node_traffic_unchanged) {
  const char *net = "[network]\nlatency = exponential(mean=2ms)\nloss = 10%\nreorder = yes\n";
  char *none = g_strconcat(net, "[workload]\nclients = 0\n", NULL);
  char *three = g_strconcat(net, "[workload]\nclients = 3\nthink = exponential(mean=5ms)\ntimeout = 20ms\n", NULL);
  fl_scenario *a = scenario(none), *b = scenario(three);
  fl_world *wa = world(a), *wb = world(b);
  fl_world_run(wa);
  fl_world_run(wb);
  fl_run_stats sb;
  fl_world_stats(wb, &sb);
  ck_assert_uint_gt(sb.all.invoked, 100);
  for (int i = 0; i < 3; i++) {
    ck_assert_int_eq(node(wa, i)->recv_total, node(wb, i)->recv_total);
    ck_assert_int_eq(node(wa, i)->recv_time_sum, node(wb, i)->recv_time_sum);
  }
  ck_assert_uint_ne(fl_world_digest(wa), fl_world_digest(wb));
  fl_world_free(wa);
  fl_world_free(wb);
  fl_scenario_free(a);
  fl_scenario_free(b);
  g_free(none);
  g_free(three);
}
END_TEST

/* Random faults draw from the fault injector's own stream: the same seed, the same faults. */
static void random_faults(uint64_t seed, int *groups, int *crashed) {
  fl_scenario *s = scenario("[timeline]\n100ms partition random-halves\n200ms crash random\n");
  fl_world_opts o;
  fl_world_opts_init(&o);
  o.has_seed = true;
  o.seed = seed;
  fl_world *w = fl_world_new(s, &o, NULL);
  fl_world_run_until(w, 150000000);
  for (int i = 0; i < 3; i++) groups[i] = fl_net_group(fl_world_net(w), i);
  fl_world_run(w);
  *crashed = -1;
  for (int i = 0; i < 3; i++)
    if (!fl_world_node_is_up(w, i)) {
      ck_assert_int_eq(*crashed, -1); /* exactly one */
      *crashed = i;
    }
  fl_world_free(w);
  fl_scenario_free(s);
}

START_TEST(random_faults_follow_the_seed) {
  int g1[3], g2[3], c1, c2;
  random_faults(11, g1, &c1);
  random_faults(11, g2, &c2);
  ck_assert_int_eq(c1, c2);
  ck_assert_int_ge(c1, 0);
  int ones = 0;
  for (int i = 0; i < 3; i++) {
    ck_assert_int_eq(g1[i], g2[i]);
    ones += g1[i];
  }
  ck_assert_int_eq(ones, 2); /* a smaller half of one node, a larger half of two */
  /* Over seeds, every node is sometimes the one cut off and sometimes the one crashed. */
  bool alone[3] = {false}, hit[3] = {false};
  for (uint64_t seed = 1; seed <= 40; seed++) {
    random_faults(seed, g1, &c1);
    for (int i = 0; i < 3; i++)
      if (g1[i] == 0) alone[i] = true;
    hit[c1] = true;
  }
  for (int i = 0; i < 3; i++) ck_assert(alone[i] && hit[i]);
}
END_TEST

START_TEST(stepping_equals_running) {
  fl_scenario *s = scenario(NULL);
  fl_world *a = world(s), *b = world(s);
  fl_world_run(a);
  /* Single steps, then a run to the end, reach the same digest as one run. */
  for (int i = 0; i < 1000; i++) ck_assert(fl_world_step(b));
  fl_world_run(b);
  ck_assert_uint_eq(fl_world_digest(a), fl_world_digest(b));
  ck_assert_uint_eq(fl_world_events(a), fl_world_events(b));
  fl_world_free(a);
  fl_world_free(b);
  fl_scenario_free(s);
}
END_TEST

int main(void) {
  Suite *s = suite_create("world");
  TCase *tc = tcase_create("world");
  tcase_add_checked_fixture(tc, setup, NULL);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, partition_isolates_groups);
  tcase_add_test(tc, partition_drops_messages_in_flight);
  tcase_add_test(tc, one_way_cut);
  tcase_add_test(tc, crash_drops_and_restart_keeps_durable_state);
  tcase_add_test(tc, crashed_node_timers_never_fire);
  tcase_add_test(tc, pause_holds_messages_and_timers_until_resume);
  tcase_add_test(tc, clock_drift_and_skew_apply_to_timers);
  tcase_add_test(tc, invariant_violation_stops_the_run);
  tcase_add_test(tc, protocol_misuse_is_an_error_naming_node_and_time);
  tcase_add_test(tc, unknown_option_names_file_line_and_known_options);
  tcase_add_test(tc, unknown_protocol_lists_known_ones);
  tcase_add_test(tc, same_seed_same_digest_other_seed_other_digest);
  tcase_add_test(tc, adding_clients_leaves_node_traffic_unchanged);
  tcase_add_test(tc, random_faults_follow_the_seed);
  tcase_add_test(tc, stepping_equals_running);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
