/* Tests of the world through a small probe protocol: partitions, cuts, crash and restart,
 * pause, clock drift, invariant stops, protocol misuse and determinism. */
#include "fl_test.h"
#include "actor.h"
#include "builtin.h"
#include "fl_limits.h"
#include "scenario.h"
#include "trace.h"
#include "units.h"
#include "world.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

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
                   "t.fl:2:12: expected a protocol name (known: eventual, paxos, probe, raft, rbcast, single, skeleton, twopc, zab), found 'raftt'");
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

/* ---- Overlapping pauses (issue 9, item 1): a node is paused while at least one pause covers
 * it. The pause and resume times are read back from the trace, which records the moments a
 * node stops and starts running, and the notes of actions that could not apply. */

static char *trace_path(void) {
  return g_strdup_printf("%s/fl-world-%d.trace", g_get_tmp_dir(), (int)getpid());
}

/* The run's node faults and notes, one per line ("100ms pause n2"), and the number of
 * actions not applied. */
static char *fault_log(fl_scenario *s, uint64_t *not_applied) {
  char *path = trace_path();
  fl_world_opts o;
  fl_world_opts_init(&o);
  o.trace_path = path;
  GError *error = NULL;
  fl_world *w = fl_world_new(s, &o, &error);
  if (!w) ck_abort_msg("world: %s", error->message);
  fl_world_run(w);
  ck_assert_int_eq(fl_world_stop_reason(w), FL_STOP_END);
  fl_run_stats st;
  fl_world_stats(w, &st);
  if (not_applied) *not_applied = st.faults_not_applied;
  ck_assert(fl_world_finish(w, NULL));
  fl_world_free(w);
  fl_trace_reader *r = fl_trace_reader_open(path, &error);
  if (!r) ck_abort_msg("trace: %s", error->message);
  GString *log = g_string_new(NULL);
  fl_trace_rec rec;
  static const char *names[] = {[FL_TR_CRASH] = "crash", [FL_TR_RESTART] = "restart",
                                [FL_TR_PAUSE] = "pause", [FL_TR_RESUME] = "resume"};
  while (fl_trace_reader_next(r, &rec, &error)) {
    if (rec.kind >= FL_TR_CRASH && rec.kind <= FL_TR_RESUME) {
      fl_format_duration(log, rec.time_ns);
      g_string_append_printf(log, " %s n%d\n", names[rec.kind], rec.node + 1);
    } else if (rec.kind == FL_TR_NET_CHANGE) {
      fl_format_duration(log, rec.time_ns);
      g_string_append_printf(log, " note %s\n", rec.text);
    }
  }
  ck_assert_ptr_null(error);
  fl_trace_reader_free(r);
  g_unlink(path);
  g_free(path);
  return g_string_free(log, FALSE);
}

static void assert_faults(const char *timeline, const char *want, uint64_t want_not_applied) {
  char *extra = g_strconcat("[timeline]\n", timeline, NULL);
  fl_scenario *s = scenario(extra);
  uint64_t not_applied = 99;
  char *log = fault_log(s, &not_applied);
  ck_assert_str_eq(log, want);
  ck_assert_uint_eq(not_applied, want_not_applied);
  g_free(log);
  g_free(extra);
  fl_scenario_free(s);
}

START_TEST(nested_pause_ends_with_the_outer_one) {
  assert_faults("100ms pause n2 for 500ms\n200ms pause n2 for 100ms\n",
                "100ms pause n2\n600ms resume n2\n", 0);
}
END_TEST

/* The second pause starts at the instant the first ends: the timeline's action comes before
 * the first pause's end, so n1 stays paused until the second ends. */
START_TEST(back_to_back_pauses_keep_the_node_paused) {
  assert_faults("400ms pause n1 for 100ms\n500ms pause n1 for 100ms\n",
                "400ms pause n1\n600ms resume n1\n", 0);
}
END_TEST

START_TEST(overlapping_pauses_end_with_the_last_in_either_order) {
  const char *want = "100ms pause n2\n500ms resume n2\n";
  assert_faults("100ms pause n2 for 300ms\n200ms pause n2 for 300ms\n", want, 0);
  assert_faults("200ms pause n2 for 300ms\n100ms pause n2 for 300ms\n", want, 0);
  /* Starting together, the longer one decides, whichever line comes first. */
  want = "100ms pause n2\n400ms resume n2\n";
  assert_faults("100ms pause n2 for 300ms\n100ms pause n2 for 100ms\n", want, 0);
  assert_faults("100ms pause n2 for 100ms\n100ms pause n2 for 300ms\n", want, 0);
  /* An untimed pause outlasts any timed one. */
  assert_faults("100ms pause n2 for 100ms\n150ms pause n2\n700ms resume n2\n",
                "100ms pause n2\n700ms resume n2\n", 0);
}
END_TEST

/* An explicit resume ends every pause; the automatic end of a pause it ended is ignored,
 * even inside a later pause. */
START_TEST(resume_ends_every_pause) {
  assert_faults("100ms pause n3 for 300ms\n150ms pause n3 for 600ms\n200ms resume n3\n"
                "300ms pause n3 for 200ms\n",
                "100ms pause n3\n200ms resume n3\n300ms pause n3\n500ms resume n3\n", 0);
}
END_TEST

START_TEST(crash_ends_every_pause) {
  assert_faults("100ms pause n1 for 300ms\n200ms crash n1\n250ms restart n1\n"
                "300ms pause n1 for 200ms\n",
                "100ms pause n1\n200ms crash n1\n250ms restart n1\n300ms pause n1\n"
                "500ms resume n1\n", 0);
}
END_TEST

/* Through `pause leader`: back to back on the same (paused) leader, and nested. */
START_TEST(pause_leader_pauses_nest) {
  const char *text = "[cluster]\nprotocol = raft\nnodes = 3\nseed = 5\nduration = 2s\n"
                     "[workload]\nclients = 0\n[timeline]\n"
                     "500ms pause leader for 100ms\n600ms pause leader for 100ms\n"
                     "1s pause leader for 500ms\n1.1s pause leader for 100ms\n";
  GError *error = NULL;
  fl_scenario *s = fl_scenario_parse("t.fl", text, strlen(text), &error);
  if (!s) ck_abort_msg("%s", error->message);
  uint64_t not_applied = 99;
  char *log = fault_log(s, &not_applied);
  int a = 0, b = 0;
  ck_assert_int_eq(sscanf(log, "500ms pause n%d", &a), 1);
  const char *second = strstr(log, "\n1s pause n");
  ck_assert_ptr_nonnull(second);
  ck_assert_int_eq(sscanf(second, "\n1s pause n%d", &b), 1);
  char *want = g_strdup_printf("500ms pause n%d\n700ms resume n%d\n1s pause n%d\n1.5s resume n%d\n",
                               a, a, b, b);
  ck_assert_str_eq(log, want);
  ck_assert_uint_eq(not_applied, 0);
  g_free(want);
  g_free(log);
  fl_scenario_free(s);
}
END_TEST

/* ---- Status (issue 10): the `leader` target reads the nodes' status, never describe().
 * "crown": node `king` leads from the start; node `usurper` (if >= 0) claims leadership too
 * at 300 ms. Its describe lines lie on purpose: node 1 says "leader", the others "follower".
 * "crown-bare" is the same without a status hook. */

typedef struct crown {
  int id;
  bool leads;
} crown;

static const fl_option_spec crown_options[] = {
    {.name = "king", .type = FL_OPT_INT, .default_value = "2", .help = "leads from the start"},
    {.name = "usurper", .type = FL_OPT_INT, .default_value = "-1", .help = "leads from 300ms"},
    {0}};

static void *crown_init(fl_node_ctx *ctx) {
  crown *c = g_new0(crown, 1);
  c->id = fl_node_id(ctx);
  c->leads = c->id == fl_options_int(fl_node_options(ctx), "king");
  if (c->id == fl_options_int(fl_node_options(ctx), "usurper"))
    fl_node_set_timer(ctx, 300000000LL, 1);
  return c;
}

static void crown_on_message(void *st, fl_node_ctx *ctx, int from, const void *msg, size_t len) {
  (void)st, (void)ctx, (void)from, (void)msg, (void)len;
}

static void crown_on_timer(void *st, fl_node_ctx *ctx, uint64_t tag) {
  (void)ctx, (void)tag;
  ((crown *)st)->leads = true;
}

static void crown_describe(const void *st, GString *out) {
  g_string_append(out, ((const crown *)st)->id == 0 ? "leader t1" : "follower t1");
}

static void crown_status(const void *st, const fl_node_ctx *ctx, fl_node_status *out) {
  (void)ctx;
  const crown *c = st;
  out->role = c->leads ? FL_ROLE_LEADER : FL_ROLE_FOLLOWER;
  g_strlcpy(out->word, c->leads ? "king" : "", sizeof out->word);
  out->term_kind = FL_TERM_EPOCH;
  out->term = 1;
  out->leader = c->leads ? c->id : -1;
}

static const fl_protocol crown_protocol = {
    .api_version = FL_ACTOR_API_VERSION,
    .name = "crown",
    .summary = "test: status says who leads",
    .options = crown_options,
    .init = crown_init,
    .on_message = crown_on_message,
    .on_timer = crown_on_timer,
    .free = probe_free,
    .describe = crown_describe,
    .status = crown_status,
};

static const fl_protocol crown_bare_protocol = {
    .api_version = FL_ACTOR_API_VERSION,
    .name = "crown-bare",
    .summary = "test: no status hook",
    .options = crown_options,
    .init = crown_init,
    .on_message = crown_on_message,
    .on_timer = crown_on_timer,
    .free = probe_free,
    .describe = crown_describe,
};

static fl_scenario *crown_scenario(const char *protocol, const char *options) {
  if (!fl_actor_lookup("crown", NULL)) {
    ck_assert(fl_actor_register(&crown_protocol, NULL));
    ck_assert(fl_actor_register(&crown_bare_protocol, NULL));
  }
  char *text = g_strdup_printf("[cluster]\nprotocol = %s\nnodes = 4\nseed = 5\nduration = 1s\n"
                               "[%s]\n%s\n[workload]\nclients = 0\n[timeline]\n"
                               "500ms crash leader\n600ms crash leader\n700ms crash leader\n",
                               protocol, protocol, options);
  GError *error = NULL;
  fl_scenario *s = fl_scenario_parse("crown.fl", text, strlen(text), &error);
  if (!s) ck_abort_msg("%s", error->message);
  g_free(text);
  return s;
}

START_TEST(crash_leader_picks_the_node_whose_status_says_leader) {
  fl_scenario *s = crown_scenario("crown", "usurper = 1");
  uint64_t not_applied = 99;
  char *log = fault_log(s, &not_applied);
  /* The latest to become leader first (n2 at 300 ms), then n3; never n1, whose describe line
   * says "leader". */
  ck_assert_str_eq(log, "500ms crash n2\n600ms crash n3\n700ms note crash leader: no node is "
                        "leader\n");
  ck_assert_uint_eq(not_applied, 1);
  g_free(log);
  fl_scenario_free(s);

  /* The status, as the world reports it. */
  s = crown_scenario("crown", "usurper = 1");
  fl_world *w = world(s);
  fl_node_status st;
  ck_assert(fl_world_node_status(w, 2, &st));
  ck_assert_int_eq(st.role, FL_ROLE_LEADER);
  ck_assert_str_eq(st.word, "king");
  ck_assert_int_eq(st.term_kind, FL_TERM_EPOCH);
  ck_assert_uint_eq(st.term, 1);
  ck_assert_int_eq(st.leader, 2);
  ck_assert(!st.has_commit && !st.has_applied);
  ck_assert_int_eq(fl_world_leader(w), 2);
  fl_world_run_until(w, 400000000LL);
  ck_assert_int_eq(fl_world_leader(w), 1);
  ck_assert(!fl_world_node_status(w, 4, &st)); /* out of range */
  fl_world_free(w);
  fl_scenario_free(s);
}
END_TEST

/* A protocol without the status hook runs; its nodes are "other", and nobody is `leader`. */
START_TEST(a_protocol_without_the_status_hook_is_other) {
  fl_scenario *s = crown_scenario("crown-bare", "usurper = 1");
  uint64_t not_applied = 0;
  char *log = fault_log(s, &not_applied);
  ck_assert_str_eq(log, "500ms note crash leader: no node is leader\n"
                        "600ms note crash leader: no node is leader\n"
                        "700ms note crash leader: no node is leader\n");
  ck_assert_uint_eq(not_applied, 3);
  g_free(log);
  fl_world *w = world(s);
  for (int i = 0; i < 4; i++) {
    fl_node_status st;
    ck_assert(fl_world_node_status(w, i, &st));
    ck_assert_int_eq(st.role, FL_ROLE_OTHER);
    ck_assert_str_eq(st.word, "");
    ck_assert_int_eq(st.term_kind, FL_TERM_NONE);
    ck_assert_int_eq(st.leader, -1);
  }
  fl_world_free(w);
  fl_scenario_free(s);
}
END_TEST

static void assert_invalid(const char *timeline, const char *want) {
  char *extra = g_strconcat("[timeline]\n", timeline, NULL);
  fl_scenario *s = scenario(extra);
  GError *error = NULL;
  ck_assert(!fl_world_validate(s, &error));
  ck_assert_str_eq(error->message, want);
  g_clear_error(&error);
  ck_assert_ptr_null(fl_world_new(s, NULL, &error)); /* run refuses it too */
  ck_assert_str_eq(error->message, want);
  g_error_free(error);
  g_free(extra);
  fl_scenario_free(s);
}

/* Actions the timeline alone shows cannot apply are errors at validate time. */
START_TEST(restart_of_a_live_node_is_an_error) {
  assert_invalid("200ms restart n2\n",
                 "test.fl:9:1: expected a crashed node to restart, found n2 up at 200ms");
  assert_invalid("100ms crash n2\n200ms restart n2\n300ms restart n2\n",
                 "test.fl:11:1: expected a crashed node to restart, found n2 up at 300ms");
  assert_invalid("100ms crash n2\n200ms restart all\n300ms restart n2\n",
                 "test.fl:11:1: expected a crashed node to restart, found n2 up at 300ms");
}
END_TEST

START_TEST(pause_of_a_crashed_node_is_an_error) {
  assert_invalid("100ms crash n2\n200ms pause n2 for 100ms\n",
                 "test.fl:10:1: expected a live node to pause, found n2 down at 200ms "
                 "(crashed by line 9)");
  assert_invalid("0ms..900ms every 300ms crash n3\n",
                 "test.fl:9:1: expected a live node to crash, found n3 down at 300ms "
                 "(crashed by line 9)");
  assert_invalid("100ms crash n1\n200ms resume n1\n",
                 "test.fl:10:1: expected a paused node to resume, found n1 down at 200ms "
                 "(crashed by line 9)");
  assert_invalid("100ms pause n1 for 100ms\n250ms resume n1\n",
                 "test.fl:10:1: expected a paused node to resume, found n1 running at 250ms");
  /* Legal: a resume at the instant a pause ends, a crash of a paused node, a pause of a
   * node `crash leader` or `crash random` may have hit (decided when it happens). */
  const char *ok[] = {"100ms pause n1 for 100ms\n200ms resume n1\n",
                      "100ms pause n1\n200ms crash n1\n300ms restart n1\n",
                      "100ms crash random\n200ms pause n2\n300ms resume n2\n400ms restart n2\n"};
  for (size_t i = 0; i < G_N_ELEMENTS(ok); i++) {
    char *extra = g_strconcat("[timeline]\n", ok[i], NULL);
    fl_scenario *s = scenario(extra);
    GError *error = NULL;
    ck_assert_msg(fl_world_validate(s, &error), "%s", error ? error->message : "");
    g_free(extra);
    fl_scenario_free(s);
  }
}
END_TEST

/* What depends on the run is noted in the trace and counted when it cannot apply. */
START_TEST(actions_on_a_node_crash_random_hit_are_noted) {
  char *extra = g_strdup("[timeline]\n100ms crash random\n200ms restart n1\n200ms restart n2\n"
                         "200ms restart n3\n300ms crash random\n400ms pause n1\n400ms pause n2\n"
                         "400ms pause n3\n500ms restart all\n600ms restart all\n");
  fl_scenario *s = scenario(extra);
  uint64_t not_applied = 0;
  char *log = fault_log(s, &not_applied);
  int a = 0, b = 0;
  ck_assert_int_eq(sscanf(log, "100ms crash n%d", &a), 1);
  const char *l = strstr(log, "300ms crash n");
  ck_assert_ptr_nonnull(l);
  ck_assert_int_eq(sscanf(l, "300ms crash n%d", &b), 1);
  GString *want = g_string_new(NULL);
  g_string_append_printf(want, "100ms crash n%d\n", a);
  for (int i = 1; i <= 3; i++)
    if (i == a) g_string_append_printf(want, "200ms restart n%d\n", i);
    else g_string_append_printf(want, "200ms note restart n%d: n%d is already up\n", i, i);
  g_string_append_printf(want, "300ms crash n%d\n", b);
  for (int i = 1; i <= 3; i++)
    if (i == b) g_string_append_printf(want, "400ms note pause n%d: n%d is down\n", i, i);
    else g_string_append_printf(want, "400ms pause n%d\n", i);
  g_string_append_printf(want, "500ms restart n%d\n", b);
  g_string_append(want, "600ms note restart all: no node is down\n");
  ck_assert_str_eq(log, want->str);
  ck_assert_uint_eq(not_applied, 4);
  g_string_free(want, TRUE);
  g_free(log);
  g_free(extra);
  fl_scenario_free(s);
}
END_TEST

/* ---- Runaway runs (issue 9, item 2): the stall guard and the event and memory budgets stop
 * a run with FL_STOP_RUNAWAY and a message naming the last events. */

/* The probe ticking every nanosecond over 1 ns links: time crawls, 500,000 events pass in
 * a few simulated microseconds. A protocol's own timer, so no scenario check can refuse it. */
START_TEST(stall_guard_stops_a_run_whose_time_stands_still) {
  fl_scenario *s = scenario("[network]\nlatency = constant(1ns)\n[probe]\nperiod = 1ns\n");
  fl_world *w = world(s);
  fl_world_run(w);
  ck_assert_int_eq(fl_world_stop_reason(w), FL_STOP_RUNAWAY);
  ck_assert_uint_eq(fl_world_events(w), FL_LIMIT_STALL_EVENTS);
  const char *m = fl_world_stop_message(w);
  GString *now = g_string_new(NULL);
  fl_format_duration(now, fl_world_now(w));
  char *want = g_strdup_printf("protocol probe, at %s (event 500000): runaway: simulated time stands "
                         "still: %s passed over the last 500000 events (the stall guard stops "
                         "a run below 500us); the last events: ",
                         now->str, now->str);
  ck_assert_msg(g_str_has_prefix(m, want), "%s", m);
  ck_assert_ptr_nonnull(strstr(m, " deliver n"));
  ck_assert(g_str_has_suffix(m, "; delays of 0 or a few ns close a loop that lets no time "
                                "pass: raise [network] latency, [workload] think or retry "
                                "(retry = 0s ping-pongs redirects while no node is leader), "
                                "timeouts and timers"));
  ck_assert_int_lt(fl_world_now(w), FL_LIMIT_STALL_NS);
  g_string_free(now, TRUE);
  g_free(want);
  fl_world_free(w);
  fl_scenario_free(s);
}
END_TEST

/* A run that advances, however busy, is left alone: the probe every 50 ns over 1 us links
 * (180 events per simulated microsecond, a fifth of the guard's bound) runs its whole 3 ms,
 * past the guard's first checks. */
START_TEST(stall_guard_leaves_a_dense_run_alone) {
  fl_scenario *s = scenario("[network]\nlatency = constant(1us)\n[probe]\nperiod = 50ns\n");
  fl_world_opts o;
  fl_world_opts_init(&o);
  o.duration_ns = 3000000;
  fl_world *w = fl_world_new(s, &o, NULL);
  fl_world_run(w);
  ck_assert_int_eq(fl_world_stop_reason(w), FL_STOP_END);
  ck_assert_uint_gt(fl_world_events(w), FL_LIMIT_STALL_EVENTS + FL_LIMIT_STALL_EVENTS / 16);
  fl_world_free(w);
  fl_scenario_free(s);
}
END_TEST

START_TEST(event_budget_stops_the_run) {
  fl_scenario *s = scenario(NULL);
  fl_world_opts o;
  fl_world_opts_init(&o);
  ck_assert_uint_eq(o.max_events, 0); /* no event budget by default */
  fl_world *full = fl_world_new(s, &o, NULL);
  fl_world_run(full);
  ck_assert_int_eq(fl_world_stop_reason(full), FL_STOP_END);
  uint64_t total = fl_world_events(full);
  fl_world_free(full);
  /* A budget of exactly the run's events stops nothing. */
  o.max_events = total;
  fl_world *w = fl_world_new(s, &o, NULL);
  fl_world_run(w);
  ck_assert_int_eq(fl_world_stop_reason(w), FL_STOP_END);
  fl_world_free(w);
  o.max_events = 100;
  w = fl_world_new(s, &o, NULL);
  fl_world_run(w);
  ck_assert_int_eq(fl_world_stop_reason(w), FL_STOP_RUNAWAY);
  ck_assert_uint_eq(fl_world_events(w), 100);
  GString *now = g_string_new(NULL);
  fl_format_duration(now, fl_world_now(w));
  char *want = g_strdup_printf("protocol probe, at %s (event 100): runaway: the event budget ran "
                               "out (--max-events 100; raise it, or 0 for none) at %s of 1s; "
                               "the last events: ",
                               now->str, now->str);
  ck_assert_msg(g_str_has_prefix(fl_world_stop_message(w), want), "%s", fl_world_stop_message(w));
  uint64_t events = fl_world_events(w);
  fl_world_run(w); /* stopping is final */
  ck_assert_uint_eq(fl_world_events(w), events);
  g_free(want);
  g_string_free(now, TRUE);
  fl_world_free(w);
  fl_scenario_free(s);
}
END_TEST

/* Resident memory is sampled every FL_LIMIT_MEMORY_SAMPLE_EVENTS events: a budget of 1 MiB
 * (any process holds more) stops the run at the first sample. */
START_TEST(memory_budget_stops_the_run) {
  fl_scenario *s = scenario("[probe]\nperiod = 100us\n");
  fl_world_opts o;
  fl_world_opts_init(&o);
  ck_assert_uint_eq(o.max_memory_mib, FL_LIMIT_RUN_MEMORY_MIB);
  o.max_memory_mib = 1;
  fl_world *w = fl_world_new(s, &o, NULL);
  fl_world_run(w);
  ck_assert_int_eq(fl_world_stop_reason(w), FL_STOP_RUNAWAY);
  ck_assert_uint_eq(fl_world_events(w), FL_LIMIT_MEMORY_SAMPLE_EVENTS);
  GString *now = g_string_new(NULL);
  fl_format_duration(now, fl_world_now(w));
  char *want = g_strdup_printf("protocol probe, at %s (event 65536): runaway: the memory budget "
                               "ran out: ", now->str);
  const char *m = fl_world_stop_message(w);
  ck_assert_msg(g_str_has_prefix(m, want), "%s", m);
  ck_assert_msg(strstr(m, " MiB resident, over --max-memory 1 (raise it, or 0 for none); the "
                          "last events: "), "%s", m);
  g_free(want);
  g_string_free(now, TRUE);
  fl_world_free(w);
  /* 0: no memory budget, the run ends. */
  o.max_memory_mib = 0;
  w = fl_world_new(s, &o, NULL);
  fl_world_run(w);
  ck_assert_int_eq(fl_world_stop_reason(w), FL_STOP_END);
  ck_assert_uint_gt(fl_world_events(w), FL_LIMIT_MEMORY_SAMPLE_EVENTS);
  fl_world_free(w);
  fl_scenario_free(s);
}
END_TEST

/* ---- Timers around pauses, crashes and restarts. The alarm protocol sets and cancels one
 * timer on command: a command injected into n1 (from n2) runs at once; one injected into n2
 * with `relay` set is sent on to n1 through the network (1 ms), so that it can reach n1 while
 * n1 is paused and wait there with its timers. Firings are logged here, across incarnations
 * (each test runs in its own process, and alarm_reset clears the log anyway). */

#define MS INT64_C(1000000)

enum { ALARM_SET = 1, ALARM_CANCEL };

typedef struct alarm_cmd {
  int32_t op, relay;
  int64_t delay_ns;
  uint64_t tag;
} alarm_cmd;

typedef struct alarm_node {
  fl_timer_id id;     /* the last timer set */
  int cancel_true, cancel_false; /* what fl_node_cancel_timer answered */
} alarm_node;

#define ALARM_LOG 16
static int alarm_fired;
static int64_t alarm_fired_at[ALARM_LOG];
static uint64_t alarm_fired_tag[ALARM_LOG];

static void alarm_reset(void) { alarm_fired = 0; }

static void *alarm_init(fl_node_ctx *ctx) {
  (void)ctx;
  return g_new0(alarm_node, 1);
}

static void alarm_on_message(void *st, fl_node_ctx *ctx, int from, const void *msg, size_t len) {
  alarm_node *a = st;
  (void)from;
  alarm_cmd c;
  ck_assert_uint_eq(len, sizeof c);
  memcpy(&c, msg, sizeof c);
  if (c.relay) {
    c.relay = 0;
    fl_node_send(ctx, 0, &c, sizeof c);
    return;
  }
  ck_assert_int_eq(fl_node_id(ctx), 0);
  if (c.op == ALARM_SET) a->id = fl_node_set_timer(ctx, c.delay_ns, c.tag);
  if (c.op == ALARM_CANCEL) fl_node_cancel_timer(ctx, a->id) ? a->cancel_true++ : a->cancel_false++;
}

static void alarm_on_timer(void *st, fl_node_ctx *ctx, uint64_t tag) {
  (void)st;
  ck_assert_int_lt(alarm_fired, ALARM_LOG);
  alarm_fired_at[alarm_fired] = fl_node_now(ctx); /* no skew: simulated time */
  alarm_fired_tag[alarm_fired++] = tag;
}

static void alarm_free(void *st) { g_free(st); }

static void alarm_describe(const void *st, GString *out) {
  (void)st;
  g_string_append(out, "alarm");
}

static const fl_protocol alarm_protocol = {
    .api_version = FL_ACTOR_API_VERSION,
    .name = "alarm",
    .summary = "one timer, set and cancelled on command",
    .init = alarm_init,
    .on_message = alarm_on_message,
    .on_timer = alarm_on_timer,
    .on_restart = alarm_init,
    .free = alarm_free,
    .describe = alarm_describe,
};

static void setup_alarm(void) {
  setup();
  if (!fl_actor_lookup("alarm", NULL)) ck_assert(fl_actor_register(&alarm_protocol, NULL));
  alarm_reset();
}

static fl_world *alarm_world(fl_scenario **s) {
  static const char text[] = "[cluster]\nprotocol = alarm\nnodes = 2\nseed = 1\nduration = 1s\n"
                             "[network]\nlatency = constant(1ms)\n";
  GError *error = NULL;
  *s = fl_scenario_parse("alarm.fl", text, strlen(text), &error);
  if (!*s) ck_abort_msg("scenario: %s", error->message);
  return world(*s);
}

/* Runs the world to `at`, then has n1 run the command (relay: n2 sends it to n1). At the
 * current time it runs the command at once, before the events pending at that instant. */
static void alarm_do(fl_world *w, int64_t at, int op, int64_t delay_ns, uint64_t tag, bool relay) {
  if (at > fl_world_now(w)) fl_world_run_until(w, at);
  alarm_cmd c = {.op = op, .relay = relay, .delay_ns = delay_ns, .tag = tag};
  ck_assert(relay ? fl_world_inject(w, 0, 1, &c, sizeof c) : fl_world_inject(w, 1, 0, &c, sizeof c));
}

static const alarm_node *alarm_state(fl_world *w) { return fl_world_node_state(w, 0); }

static void alarm_done(fl_world *w, fl_scenario *s) {
  fl_world_run(w);
  ck_assert_int_eq(fl_world_stop_reason(w), FL_STOP_END);
  fl_world_free(w);
  fl_scenario_free(s);
}

#define ASSERT_FIRED(i, at, tag)                                                              \
  do {                                                                                        \
    ck_assert_int_eq(alarm_fired_at[i], at);                                                  \
    ck_assert_uint_eq(alarm_fired_tag[i], tag);                                               \
  } while (0)

START_TEST(timer_fires_once_at_its_due_time) {
  fl_scenario *s;
  fl_world *w = alarm_world(&s);
  alarm_do(w, 0, ALARM_SET, 100 * MS, 7, false);
  fl_world_run_until(w, 1000 * MS);
  ck_assert_int_eq(alarm_fired, 1);
  ASSERT_FIRED(0, 100 * MS, 7);
  alarm_do(w, 1000 * MS, ALARM_CANCEL, 0, 0, false); /* it fired: too late */
  ck_assert_int_eq(alarm_state(w)->cancel_false, 1);
  fl_world_free(w);
  fl_scenario_free(s);
}
END_TEST

START_TEST(timer_cancelled_before_due_never_fires) {
  fl_scenario *s;
  fl_world *w = alarm_world(&s);
  alarm_do(w, 0, ALARM_SET, 100 * MS, 7, false);
  alarm_do(w, 50 * MS, ALARM_CANCEL, 0, 0, false);
  alarm_do(w, 60 * MS, ALARM_CANCEL, 0, 0, false); /* a second cancel finds nothing */
  ck_assert_int_eq(alarm_state(w)->cancel_true, 1);
  ck_assert_int_eq(alarm_state(w)->cancel_false, 1);
  alarm_done(w, s);
  ck_assert_int_eq(alarm_fired, 0);
}
END_TEST

START_TEST(timer_cancelled_then_node_paused_never_fires) {
  fl_scenario *s;
  fl_world *w = alarm_world(&s);
  alarm_do(w, 0, ALARM_SET, 100 * MS, 7, false);
  alarm_do(w, 50 * MS, ALARM_CANCEL, 0, 0, false);
  fl_world_run_until(w, 60 * MS);
  ck_assert(fl_world_pause(w, 0));
  fl_world_run_until(w, 300 * MS);
  ck_assert(fl_world_resume(w, 0));
  alarm_done(w, s);
  ck_assert_int_eq(alarm_fired, 0);
}
END_TEST

START_TEST(timer_due_while_paused_fires_once_at_resume) {
  fl_scenario *s;
  fl_world *w = alarm_world(&s);
  alarm_do(w, 0, ALARM_SET, 100 * MS, 7, false);
  fl_world_run_until(w, 50 * MS);
  ck_assert(fl_world_pause(w, 0));
  fl_world_run_until(w, 300 * MS);
  ck_assert_int_eq(alarm_fired, 0);
  ck_assert(fl_world_resume(w, 0));
  alarm_done(w, s);
  ck_assert_int_eq(alarm_fired, 1);
  ASSERT_FIRED(0, 300 * MS, 7);
}
END_TEST

START_TEST(timer_due_during_a_timed_pause_fires_once_when_it_ends) {
  fl_scenario *s;
  fl_world *w = alarm_world(&s);
  alarm_do(w, 0, ALARM_SET, 100 * MS, 7, false);
  fl_world_run_until(w, 50 * MS);
  ck_assert(fl_world_pause_for(w, 0, 200 * MS));
  alarm_done(w, s);
  ck_assert_int_eq(alarm_fired, 1);
  ASSERT_FIRED(0, 250 * MS, 7);
}
END_TEST

/* A paused node runs no hook, so nothing can cancel its timer while it is paused: the
 * earliest cancel comes at the resume instant, before the held timer's turn. */
START_TEST(timer_due_while_paused_cancelled_at_resume_never_fires) {
  fl_scenario *s;
  fl_world *w = alarm_world(&s);
  alarm_do(w, 0, ALARM_SET, 100 * MS, 7, false);
  fl_world_run_until(w, 50 * MS);
  ck_assert(fl_world_pause(w, 0));
  fl_world_run_until(w, 300 * MS);
  ck_assert(fl_world_resume(w, 0));
  alarm_do(w, 300 * MS, ALARM_CANCEL, 0, 0, false);
  ck_assert_int_eq(alarm_state(w)->cancel_true, 1);
  alarm_do(w, 300 * MS, ALARM_CANCEL, 0, 0, false);
  ck_assert_int_eq(alarm_state(w)->cancel_false, 1);
  alarm_done(w, s);
  ck_assert_int_eq(alarm_fired, 0);
}
END_TEST

/* What reached the paused node is handed over in arrival order: a cancel that arrived before
 * the timer came due runs first and removes it (Raft's case: an AppendEntries held with an
 * election timeout); one that arrived after it comes too late, as in a frozen process. */
START_TEST(timer_due_while_paused_is_cancelled_by_a_message_that_arrived_first) {
  fl_scenario *s;
  fl_world *w = alarm_world(&s);
  alarm_do(w, 0, ALARM_SET, 100 * MS, 7, false);
  fl_world_run_until(w, 30 * MS);
  ck_assert(fl_world_pause(w, 0));
  alarm_do(w, 40 * MS, ALARM_CANCEL, 0, 0, true); /* reaches n1 at 41ms, waits */
  fl_world_run_until(w, 300 * MS);
  ck_assert_int_eq(alarm_state(w)->cancel_true + alarm_state(w)->cancel_false, 0);
  ck_assert(fl_world_resume(w, 0));
  fl_world_run_until(w, 300 * MS);
  ck_assert_int_eq(alarm_state(w)->cancel_true, 1);
  alarm_done(w, s);
  ck_assert_int_eq(alarm_fired, 0);
}
END_TEST

START_TEST(timer_due_while_paused_fires_before_a_cancel_that_arrived_after) {
  fl_scenario *s;
  fl_world *w = alarm_world(&s);
  alarm_do(w, 0, ALARM_SET, 100 * MS, 7, false);
  fl_world_run_until(w, 30 * MS);
  ck_assert(fl_world_pause(w, 0));
  alarm_do(w, 150 * MS, ALARM_CANCEL, 0, 0, true); /* reaches n1 at 151ms, after the due time */
  fl_world_run_until(w, 300 * MS);
  ck_assert(fl_world_resume(w, 0));
  fl_world_run_until(w, 300 * MS);
  ck_assert_int_eq(alarm_state(w)->cancel_false, 1);
  ck_assert_int_eq(alarm_state(w)->cancel_true, 0);
  alarm_done(w, s);
  ck_assert_int_eq(alarm_fired, 1);
  ASSERT_FIRED(0, 300 * MS, 7);
}
END_TEST

START_TEST(timer_held_again_by_a_second_pause_keeps_its_id) {
  fl_scenario *s;
  fl_world *w = alarm_world(&s);
  alarm_do(w, 0, ALARM_SET, 100 * MS, 7, false);
  fl_world_run_until(w, 50 * MS);
  ck_assert(fl_world_pause(w, 0));
  fl_world_run_until(w, 200 * MS);
  /* Resumed and paused again at the same instant: the re-armed timer is held once more. */
  ck_assert(fl_world_resume(w, 0));
  ck_assert(fl_world_pause(w, 0));
  fl_world_run_until(w, 250 * MS);
  ck_assert_int_eq(alarm_fired, 0);
  ck_assert(fl_world_resume(w, 0));
  alarm_do(w, 250 * MS, ALARM_CANCEL, 0, 0, false);
  ck_assert_int_eq(alarm_state(w)->cancel_true, 1);
  fl_world_run_until(w, 400 * MS);
  ck_assert_int_eq(alarm_fired, 0);
  /* Without the cancel it fires once, at the second resume. */
  alarm_do(w, 400 * MS, ALARM_SET, 100 * MS, 8, false);
  fl_world_run_until(w, 450 * MS);
  ck_assert(fl_world_pause(w, 0));
  fl_world_run_until(w, 600 * MS);
  ck_assert(fl_world_resume(w, 0));
  ck_assert(fl_world_pause(w, 0));
  fl_world_run_until(w, 700 * MS);
  ck_assert(fl_world_resume(w, 0));
  alarm_done(w, s);
  ck_assert_int_eq(alarm_fired, 1);
  ASSERT_FIRED(0, 700 * MS, 8);
}
END_TEST

START_TEST(timer_of_an_earlier_incarnation_never_fires) {
  fl_scenario *s;
  fl_world *w = alarm_world(&s);
  /* Pending in the scheduler at the crash. */
  alarm_do(w, 0, ALARM_SET, 100 * MS, 7, false);
  fl_world_run_until(w, 50 * MS);
  ck_assert(fl_world_crash(w, 0));
  fl_world_run_until(w, 60 * MS);
  ck_assert(fl_world_restart(w, 0));
  fl_world_run_until(w, 200 * MS);
  ck_assert_int_eq(alarm_fired, 0);
  /* Held by a pause at the crash. */
  alarm_do(w, 200 * MS, ALARM_SET, 100 * MS, 8, false);
  fl_world_run_until(w, 250 * MS);
  ck_assert(fl_world_pause(w, 0));
  fl_world_run_until(w, 350 * MS);
  ck_assert(fl_world_crash(w, 0));
  fl_world_run_until(w, 360 * MS);
  ck_assert(fl_world_restart(w, 0));
  fl_world_run_until(w, 500 * MS);
  ck_assert_int_eq(alarm_fired, 0);
  /* Re-armed at a resume, crashed and restarted before its turn. */
  alarm_do(w, 500 * MS, ALARM_SET, 100 * MS, 9, false);
  fl_world_run_until(w, 550 * MS);
  ck_assert(fl_world_pause(w, 0));
  fl_world_run_until(w, 650 * MS);
  ck_assert(fl_world_resume(w, 0));
  ck_assert(fl_world_crash(w, 0));
  ck_assert(fl_world_restart(w, 0));
  fl_world_run_until(w, 700 * MS);
  ck_assert_int_eq(alarm_fired, 0);
  /* The new incarnation's own timer fires, once, at its time. */
  alarm_do(w, 700 * MS, ALARM_SET, 50 * MS, 10, false);
  alarm_done(w, s);
  ck_assert_int_eq(alarm_fired, 1);
  ASSERT_FIRED(0, 750 * MS, 10);
}
END_TEST

START_TEST(timer_set_again_after_a_cancel_fires_at_the_new_time_only) {
  fl_scenario *s;
  fl_world *w = alarm_world(&s);
  alarm_do(w, 0, ALARM_SET, 100 * MS, 7, false);
  alarm_do(w, 50 * MS, ALARM_CANCEL, 0, 0, false);
  alarm_do(w, 50 * MS, ALARM_SET, 100 * MS, 8, false);
  fl_world_run_until(w, 300 * MS);
  ck_assert_int_eq(alarm_fired, 1);
  ASSERT_FIRED(0, 150 * MS, 8);
  /* The same after a pause: cancelled at the resume and set again for 30 ms. */
  alarm_do(w, 300 * MS, ALARM_SET, 100 * MS, 9, false);
  fl_world_run_until(w, 350 * MS);
  ck_assert(fl_world_pause(w, 0));
  fl_world_run_until(w, 500 * MS);
  ck_assert(fl_world_resume(w, 0));
  alarm_do(w, 500 * MS, ALARM_CANCEL, 0, 0, false);
  alarm_do(w, 500 * MS, ALARM_SET, 30 * MS, 10, false);
  alarm_done(w, s);
  ck_assert_int_eq(alarm_fired, 2);
  ASSERT_FIRED(1, 530 * MS, 10);
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
  tcase_add_test(tc, nested_pause_ends_with_the_outer_one);
  tcase_add_test(tc, back_to_back_pauses_keep_the_node_paused);
  tcase_add_test(tc, overlapping_pauses_end_with_the_last_in_either_order);
  tcase_add_test(tc, resume_ends_every_pause);
  tcase_add_test(tc, crash_ends_every_pause);
  tcase_add_test(tc, pause_leader_pauses_nest);
  tcase_add_test(tc, crash_leader_picks_the_node_whose_status_says_leader);
  tcase_add_test(tc, a_protocol_without_the_status_hook_is_other);
  tcase_add_test(tc, restart_of_a_live_node_is_an_error);
  tcase_add_test(tc, pause_of_a_crashed_node_is_an_error);
  tcase_add_test(tc, actions_on_a_node_crash_random_hit_are_noted);
  tcase_add_test(tc, stall_guard_stops_a_run_whose_time_stands_still);
  tcase_add_test(tc, stall_guard_leaves_a_dense_run_alone);
  tcase_add_test(tc, event_budget_stops_the_run);
  tcase_add_test(tc, memory_budget_stops_the_run);
  suite_add_tcase(s, tc);
  TCase *timers = tcase_create("timers");
  tcase_add_checked_fixture(timers, setup_alarm, NULL);
  tcase_add_test(timers, timer_fires_once_at_its_due_time);
  tcase_add_test(timers, timer_cancelled_before_due_never_fires);
  tcase_add_test(timers, timer_cancelled_then_node_paused_never_fires);
  tcase_add_test(timers, timer_due_while_paused_fires_once_at_resume);
  tcase_add_test(timers, timer_due_during_a_timed_pause_fires_once_when_it_ends);
  tcase_add_test(timers, timer_due_while_paused_cancelled_at_resume_never_fires);
  tcase_add_test(timers, timer_due_while_paused_is_cancelled_by_a_message_that_arrived_first);
  tcase_add_test(timers, timer_due_while_paused_fires_before_a_cancel_that_arrived_after);
  tcase_add_test(timers, timer_held_again_by_a_second_pause_keeps_its_id);
  tcase_add_test(timers, timer_of_an_earlier_incarnation_never_fires);
  tcase_add_test(timers, timer_set_again_after_a_cancel_fires_at_the_new_time_only);
  suite_add_tcase(s, timers);
  return fl_test_run(s);
}
