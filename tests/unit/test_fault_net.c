/* Tests of the network faults of the timeline (sim/core/fault.c, net.c, transport.c):
 * corruption and the checksum defence (protocols/common/checksum.h) under Raft, loss, latency
 * and duplication by message type, and duplication and reordering changed mid-run. Each run
 * writes a trace, and the assertions read it back: every claim is about the exact messages. */
#include "fl_test.h"
#include "actor.h"
#include "builtin.h"
#include "metrics.h"
#include "scenario.h"
#include "trace.h"
#include "units.h"
#include "world.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

static fl_scenario *parse(const char *text) {
  GError *error = NULL;
  fl_scenario *s = fl_scenario_parse("t.fl", text, strlen(text), &error);
  if (!s) ck_abort_msg("scenario: %s", error->message);
  return s;
}

/* A five-node Raft cluster with four clients, 3 s long: `raft` options and `network` keys
 * (the latency lognormal(mean=2ms, sd=1ms) unless they set one) and a timeline. */
static fl_scenario *raft_scenario(const char *raft, const char *network, const char *timeline) {
  bool has_latency = g_str_has_prefix(network, "latency");
  char *text = g_strdup_printf("[cluster]\nprotocol = raft\nnodes = 5\nseed = 1\nduration = 3s\n"
                               "[raft]\nprevote = yes\ncheck_quorum = yes\n%s\n"
                               "[network]\n%s%s\n"
                               "[workload]\nclients = 4\nkeys = 3\nthink = exponential(mean=20ms)\n"
                               "timeout = 500ms\n[timeline]\n%s\n",
                               raft, has_latency ? "" : "latency = lognormal(mean=2ms, sd=1ms)\n",
                               network, timeline);
  fl_scenario *s = parse(text);
  g_free(text);
  return s;
}

static char *trace_path(void) {
  return g_strdup_printf("%s/fl-fault-net-%d.trace", g_get_tmp_dir(), (int)getpid());
}

/* Runs to the end with a trace; the world is returned unfreed (finished), *path names the
 * trace (freed by the caller, after unlinking). */
static fl_world *run_traced(fl_scenario *s, char **path) {
  *path = trace_path();
  fl_world_opts o;
  fl_world_opts_init(&o);
  o.trace_path = *path;
  GError *error = NULL;
  fl_world *w = fl_world_new(s, &o, &error);
  if (!w) ck_abort_msg("world: %s", error->message);
  fl_world_run(w);
  ck_assert(fl_world_finish(w, NULL));
  return w;
}

static fl_trace_reader *open_trace(const char *path) {
  GError *error = NULL;
  fl_trace_reader *r = fl_trace_reader_open(path, &error);
  if (!r) ck_abort_msg("trace: %s", error->message);
  return r;
}

static void done(fl_world *w, fl_scenario *s, char *path) {
  fl_world_free(w);
  fl_scenario_free(s);
  g_unlink(path);
  g_free(path);
}

/* ---- Corruption and the checksum. */

/* With the checksum, every corrupted frame that reaches a node is dropped, and only those:
 * the metric checksum_failures equals the number of deliveries of messages the trace says were
 * corrupted; the invariants and the history hold. */
START_TEST(checksum_drops_exactly_the_corrupted_frames) {
  fl_scenario *s = raft_scenario("checksum = yes", "corrupt = 2%", "");
  char *path;
  fl_world *w = run_traced(s, &path);
  ck_assert_int_eq(fl_world_stop_reason(w), FL_STOP_END);
  fl_trace_reader *r = open_trace(path);
  GHashTable *corrupted = g_hash_table_new(g_int64_hash, g_int64_equal);
  GError *error = NULL;
  fl_trace_rec rec;
  int64_t notes = 0, delivered_corrupted = 0;
  static uint64_t ids[4096];
  while (fl_trace_reader_next(r, &rec, &error)) {
    uint64_t id;
    if (rec.kind == FL_TR_NET_CHANGE &&
        sscanf(rec.text, "corrupt message %" G_GUINT64_FORMAT, &id) == 1) {
      ck_assert_int_lt(notes, 4096);
      ids[notes] = id;
      g_hash_table_add(corrupted, &ids[notes]);
      notes++;
    } else if (rec.kind == FL_TR_DELIVER && g_hash_table_contains(corrupted, &rec.msg_id)) {
      delivered_corrupted++;
    }
  }
  ck_assert_ptr_null(error);
  fl_trace_reader_free(r);
  g_hash_table_destroy(corrupted);
  int64_t failures = -1;
  ck_assert(fl_metrics_lookup(fl_world_metrics(w), "checksum_failures", &failures));
  ck_assert_int_gt(notes, 50);
  ck_assert_int_eq(failures, delivered_corrupted);
  fl_link_counters t;
  fl_net_totals(fl_world_net(w), &t);
  ck_assert_uint_eq(t.corrupted, (uint64_t)notes);
  /* Clients' links are never corrupted. */
  for (int c = 5; c < 9; c++) {
    ck_assert_uint_eq(fl_net_counters(fl_world_net(w), c, c - 5)->corrupted, 0);
    ck_assert_uint_eq(fl_net_counters(fl_world_net(w), c - 5, c)->corrupted, 0);
  }
  done(w, s, path);
}
END_TEST

/* Without it, Raft takes a flipped bit for data: an entry differs between two logs. */
START_TEST(corruption_without_checksum_breaks_log_matching) {
  fl_scenario *s = raft_scenario("", "corrupt = 2%", "");
  char *path;
  fl_world *w = run_traced(s, &path);
  ck_assert_int_eq(fl_world_stop_reason(w), FL_STOP_VIOLATION);
  ck_assert_ptr_nonnull(strstr(fl_world_stop_message(w), "invariant violated: log matching"));
  done(w, s, path);
}
END_TEST

/* `corrupt = 0%` draws nothing, and `checksum = no` sends the bytes it always sent: both runs
 * are bit for bit the run without them. */
START_TEST(no_corruption_and_no_checksum_keep_the_digest) {
  fl_scenario *a = raft_scenario("", "", "");
  fl_scenario *b = raft_scenario("checksum = no", "corrupt = 0%", "");
  char *pa, *pb;
  fl_world *wa = run_traced(a, &pa);
  fl_world *wb = run_traced(b, &pb);
  ck_assert_uint_eq(fl_world_digest(wa), fl_world_digest(wb));
  done(wa, a, pa);
  done(wb, b, pb);
  /* With the checksum and no corruption, the metric exists and is 0. */
  fl_scenario *c = raft_scenario("checksum = yes", "", "");
  char *pc;
  fl_world *wc = run_traced(c, &pc);
  int64_t failures = -1;
  ck_assert(fl_metrics_lookup(fl_world_metrics(wc), "checksum_failures", &failures));
  ck_assert_int_eq(failures, 0);
  ck_assert_int_eq(fl_world_stop_reason(wc), FL_STOP_END);
  done(wc, c, pc);
}
END_TEST

/* A corruption set mid-run on one link (from n3, the leader at this seed) hits that link
 * only, and only while it is set. */
START_TEST(corrupt_action_on_one_link_from_its_time) {
  fl_scenario *s = raft_scenario("checksum = yes", "", "1s corrupt n3 -> n2 = 50%\n2s corrupt n3 -> n2 = 0%");
  char *path;
  fl_world *w = run_traced(s, &path);
  fl_trace_reader *r = open_trace(path);
  GError *error = NULL;
  fl_trace_rec rec;
  int64_t notes = 0;
  GString *changes = g_string_new(NULL);
  while (fl_trace_reader_next(r, &rec, &error)) {
    if (rec.kind != FL_TR_NET_CHANGE) continue;
    if (g_str_has_prefix(rec.text, "corrupt message ")) {
      ck_assert_ptr_nonnull(strstr(rec.text, " n3 -> n2: bit "));
      ck_assert_int_ge(rec.time_ns, 1 * FL_S);
      ck_assert_int_lt(rec.time_ns, 2 * FL_S);
      notes++;
    } else {
      fl_format_duration(changes, rec.time_ns);
      g_string_append_printf(changes, " %s\n", rec.text);
    }
  }
  ck_assert_ptr_null(error);
  fl_trace_reader_free(r);
  ck_assert_str_eq(changes->str, "1s n3 -> n2 corrupt = 50%\n2s n3 -> n2 corrupt = 0%\n");
  g_string_free(changes, TRUE);
  ck_assert_int_gt(notes, 0);
  ck_assert_uint_eq(fl_net_counters(fl_world_net(w), 2, 1)->corrupted, (uint64_t)notes);
  done(w, s, path);
}
END_TEST

/* ---- By message type. */

/* Every AppendEntries to n5 lost: n5's log stays empty while the others commit; nothing else
 * is lost. */
START_TEST(drop_append_entries_to_one_node_keeps_its_log_empty) {
  fl_scenario *s = raft_scenario("", "",
                                 "0s loss type AppendEntries n1 -> n5 = 100%\n"
                                 "0s loss type AppendEntries n2 -> n5 = 100%\n"
                                 "0s loss type AppendEntries n3 -> n5 = 100%\n"
                                 "0s loss type AppendEntries n4 -> n5 = 100%\n");
  char *path;
  fl_world *w = run_traced(s, &path);
  ck_assert_int_eq(fl_world_stop_reason(w), FL_STOP_END);
  fl_node_status st;
  ck_assert(fl_world_node_status(w, 4, &st));
  ck_assert_uint_eq(st.commit, 0);
  ck_assert_uint_eq(st.applied, 0);
  for (int i = 0; i < 4; i++) {
    ck_assert(fl_world_node_status(w, i, &st));
    ck_assert_uint_gt(st.commit, 100);
  }
  /* Exactly the AppendEntries to n5 were lost (the SEND's description names the type). */
  fl_trace_reader *r = open_trace(path);
  GError *error = NULL;
  fl_trace_rec rec;
  GHashTable *append_to_n5 = g_hash_table_new(g_int64_hash, g_int64_equal);
  static uint64_t ids[8192];
  int64_t n_ids = 0, lost = 0;
  while (fl_trace_reader_next(r, &rec, &error)) {
    if (rec.kind == FL_TR_SEND && rec.dst == 4 && rec.src < 5 &&
        g_str_has_prefix(rec.text, "AppendEntries ")) {
      ck_assert_int_lt(n_ids, 8192);
      ids[n_ids] = rec.msg_id;
      g_hash_table_add(append_to_n5, &ids[n_ids++]);
    } else if (rec.kind == FL_TR_DROP) {
      ck_assert_uint_eq(rec.tag, FL_DROP_LOSS);
      ck_assert(g_hash_table_contains(append_to_n5, &rec.msg_id));
      lost++;
    }
  }
  ck_assert_ptr_null(error);
  fl_trace_reader_free(r);
  g_hash_table_destroy(append_to_n5);
  ck_assert_int_gt(n_ids, 10);
  ck_assert_int_eq(lost, n_ids);
  done(w, s, path);
}
END_TEST

/* Every RequestVote takes exactly 40 ms (reorder, so no FIFO clamp raises it); other messages
 * keep the network's latency (under 40 ms). */
START_TEST(latency_by_type_applies_to_that_type_only) {
  fl_scenario *s = raft_scenario("", "reorder = yes", "0s latency type RequestVote = constant(40ms)");
  char *path;
  fl_world *w = run_traced(s, &path);
  fl_trace_reader *r = open_trace(path);
  GError *error = NULL;
  fl_trace_rec rec;
  GHashTable *sent = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
  int64_t votes = 0, others = 0;
  while (fl_trace_reader_next(r, &rec, &error)) {
    if (rec.kind == FL_TR_SEND) {
      uint64_t *k = g_new(uint64_t, 1);
      int64_t *v = g_new(int64_t, 1);
      *k = rec.msg_id;
      /* The sign says whether it is a RequestVote. */
      *v = g_str_has_prefix(rec.text, "RequestVote ") ? -(rec.time_ns + 1) : rec.time_ns + 1;
      g_hash_table_insert(sent, k, v);
    } else if (rec.kind == FL_TR_DELIVER) {
      int64_t *v = g_hash_table_lookup(sent, &rec.msg_id);
      ck_assert_ptr_nonnull(v);
      if (*v < 0) {
        ck_assert_int_eq(rec.time_ns - (-*v - 1), 40 * FL_MS);
        votes++;
      } else {
        ck_assert_int_lt(rec.time_ns - (*v - 1), 40 * FL_MS);
        others++;
      }
    }
  }
  ck_assert_ptr_null(error);
  fl_trace_reader_free(r);
  g_hash_table_destroy(sent);
  ck_assert_int_ge(votes, 4);
  ck_assert_int_gt(others, 1000);
  done(w, s, path);
}
END_TEST

/* Every vote reply (and nothing else) is delivered twice. */
START_TEST(duplicate_by_type_doubles_that_type_only) {
  fl_scenario *s = raft_scenario("", "", "0s duplicate type VoteReply = 100%");
  char *path;
  fl_world *w = run_traced(s, &path);
  fl_trace_reader *r = open_trace(path);
  GError *error = NULL;
  fl_trace_rec rec;
  uint64_t last_send = 0;
  bool last_is_reply = false;
  int64_t replies = 0, dups = 0;
  while (fl_trace_reader_next(r, &rec, &error)) {
    if (rec.kind == FL_TR_SEND) {
      /* A send's DUPLICATE record comes right after it (no other record between). */
      last_send = rec.msg_id;
      last_is_reply = g_str_has_prefix(rec.text, "VoteReply ");
      replies += last_is_reply;
    } else if (rec.kind == FL_TR_DUPLICATE) {
      ck_assert_uint_eq(rec.msg_id, last_send);
      ck_assert(last_is_reply);
      dups++;
    }
  }
  ck_assert_ptr_null(error);
  fl_trace_reader_free(r);
  ck_assert_int_ge(replies, 4);
  ck_assert_int_eq(dups, replies);
  done(w, s, path);
}
END_TEST

/* ---- Duplication and reordering changed mid-run. */

/* duplicate = 100% from 1s to 2s: every message sent then is duplicated, none before or after. */
START_TEST(duplicate_changed_mid_run) {
  fl_scenario *s = raft_scenario("", "", "1s duplicate = 100%\n2s duplicate = 0%");
  char *path;
  fl_world *w = run_traced(s, &path);
  fl_trace_reader *r = open_trace(path);
  GError *error = NULL;
  fl_trace_rec rec;
  int64_t sends_in = 0, dups = 0;
  while (fl_trace_reader_next(r, &rec, &error)) {
    if (rec.kind == FL_TR_SEND && rec.time_ns >= FL_S && rec.time_ns < 2 * FL_S) sends_in++;
    if (rec.kind == FL_TR_DUPLICATE) {
      ck_assert_int_ge(rec.time_ns, FL_S);
      ck_assert_int_lt(rec.time_ns, 2 * FL_S);
      dups++;
    }
  }
  ck_assert_ptr_null(error);
  fl_trace_reader_free(r);
  ck_assert_int_gt(sends_in, 100);
  ck_assert_int_eq(dups, sends_in);
  fl_link_counters t;
  fl_net_totals(fl_world_net(w), &t);
  ck_assert_uint_eq(t.duplicated, (uint64_t)dups);
  done(w, s, path);
}
END_TEST

/* reorder = yes from 1s to 2s on a link with widely spread latencies: messages overtake one
 * another on a link, and every one that overtakes was sent in that window. */
START_TEST(reorder_changed_mid_run) {
  fl_scenario *s = raft_scenario("", "latency = uniform(1ms, 30ms)",
                                 "1s reorder = yes\n2s reorder = no");
  char *path;
  fl_world *w = run_traced(s, &path);
  fl_trace_reader *r = open_trace(path);
  GError *error = NULL;
  fl_trace_rec rec;
  GHashTable *sent_at = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
  uint64_t max_id[9][9] = {{0}};
  int64_t inversions = 0;
  while (fl_trace_reader_next(r, &rec, &error)) {
    if (rec.kind == FL_TR_SEND) {
      uint64_t *k = g_new(uint64_t, 1);
      int64_t *v = g_new(int64_t, 1);
      *k = rec.msg_id;
      *v = rec.time_ns;
      g_hash_table_insert(sent_at, k, v);
    } else if (rec.kind == FL_TR_DELIVER) {
      uint64_t *m = &max_id[rec.src][rec.dst];
      if (rec.msg_id < *m) { /* overtaken by message *m */
        const int64_t *t = g_hash_table_lookup(sent_at, m);
        ck_assert_int_ge(*t, FL_S);
        ck_assert_int_lt(*t, 2 * FL_S);
        inversions++;
      } else {
        *m = rec.msg_id;
      }
    }
  }
  ck_assert_ptr_null(error);
  fl_trace_reader_free(r);
  g_hash_table_destroy(sent_at);
  ck_assert_int_gt(inversions, 20);
  done(w, s, path);
}
END_TEST

/* ---- The per-message cost: a protocol's describe_msg is called for routing only when a
 * per-type rule exists. */

static int describe_calls; /* a test's own counter (the protocol has no state to keep it) */

static void *ping_init(fl_node_ctx *ctx) {
  fl_node_set_timer(ctx, 10 * FL_MS, 1);
  return g_new0(int, 1);
}
static void ping_on_message(void *st, fl_node_ctx *ctx, int from, const void *msg, size_t len) {
  (void)st, (void)ctx, (void)from, (void)msg, (void)len;
}
static void ping_on_timer(void *st, fl_node_ctx *ctx, uint64_t tag) {
  (void)st;
  fl_node_broadcast(ctx, "p", 1);
  fl_node_set_timer(ctx, 10 * FL_MS, tag);
}
static void ping_free(void *st) { g_free(st); }
static void ping_describe(const void *st, GString *out) {
  (void)st;
  g_string_append(out, "up");
}
static void ping_describe_msg(const void *msg, size_t len, GString *out) {
  (void)msg, (void)len;
  describe_calls++;
  g_string_append(out, "Ping 1");
}
static const fl_protocol ping_protocol = {
    .api_version = FL_ACTOR_API_VERSION,
    .name = "netfault-ping",
    .summary = "pings every node every 10 ms",
    .init = ping_init,
    .on_message = ping_on_message,
    .on_timer = ping_on_timer,
    .free = ping_free,
    .describe = ping_describe,
    .describe_msg = ping_describe_msg,
};

static fl_link_counters run_ping(const char *timeline) {
  if (!fl_actor_lookup("netfault-ping", NULL)) ck_assert(fl_actor_register(&ping_protocol, NULL));
  char *text = g_strdup_printf("[cluster]\nprotocol = netfault-ping\nnodes = 3\nseed = 1\n"
                               "duration = 1s\n[workload]\nclients = 0\n[timeline]\n%s\n",
                               timeline);
  fl_scenario *s = parse(text);
  g_free(text);
  GError *error = NULL;
  fl_world *w = fl_world_new(s, NULL, &error); /* no trace file: no descriptions for it */
  if (!w) ck_abort_msg("world: %s", error->message);
  fl_world_run(w);
  fl_link_counters t;
  fl_net_totals(fl_world_net(w), &t);
  fl_world_free(w);
  fl_scenario_free(s);
  return t;
}

START_TEST(describe_is_called_only_with_a_typed_rule) {
  describe_calls = 0;
  fl_link_counters t = run_ping("500ms loss = 50%");
  ck_assert_int_eq(describe_calls, 0);
  ck_assert_uint_gt(t.dropped[FL_DROP_LOSS], 0);
  /* From 500ms on, a typed rule: every send is described, and the type matches. */
  t = run_ping("500ms loss type Ping = 100%");
  /* 100 ticks (10ms..1s) x 3 nodes x 2 peers; the rule covers the ticks from 500ms to 1s,
   * 51 of them (the timeline's action at 500ms comes before the tick at 500ms). */
  ck_assert_uint_eq(t.sent, 600);
  ck_assert_int_eq(describe_calls, 306);
  ck_assert_uint_eq(t.dropped[FL_DROP_LOSS], 306);
  /* A type no message has matches nothing. */
  describe_calls = 0;
  t = run_ping("500ms loss type Pong = 100%");
  ck_assert_int_eq(describe_calls, 306);
  ck_assert_uint_eq(t.dropped[FL_DROP_LOSS], 0);
}
END_TEST

int main(void) {
  fl_rng_global_init();
  if (!fl_protocols_register_builtin(NULL)) return 1;
  Suite *s = suite_create("fault_net");
  TCase *corrupt = tcase_create("corrupt");
  tcase_set_timeout(corrupt, 60);
  tcase_add_test(corrupt, checksum_drops_exactly_the_corrupted_frames);
  tcase_add_test(corrupt, corruption_without_checksum_breaks_log_matching);
  tcase_add_test(corrupt, no_corruption_and_no_checksum_keep_the_digest);
  tcase_add_test(corrupt, corrupt_action_on_one_link_from_its_time);
  suite_add_tcase(s, corrupt);
  TCase *typed = tcase_create("typed");
  tcase_set_timeout(typed, 60);
  tcase_add_test(typed, drop_append_entries_to_one_node_keeps_its_log_empty);
  tcase_add_test(typed, latency_by_type_applies_to_that_type_only);
  tcase_add_test(typed, duplicate_by_type_doubles_that_type_only);
  tcase_add_test(typed, describe_is_called_only_with_a_typed_rule);
  suite_add_tcase(s, typed);
  TCase *midrun = tcase_create("mid-run");
  tcase_set_timeout(midrun, 60);
  tcase_add_test(midrun, duplicate_changed_mid_run);
  tcase_add_test(midrun, reorder_changed_mid_run);
  suite_add_tcase(s, midrun);
  return fl_test_run(s);
}
