/* Tests of the scenario parser: a complete scenario read field by field, timeline order with
 * equal times in both file orders, and every malformed fixture in tests/data/bad/ giving the
 * exact message stored beside it (NAME.fl -> NAME.expected). */
#include "fl_test.h"
#include "actor.h"
#include "builtin.h"
#include "fl_limits.h"
#include "rng.h"
#include "scenario.h"
#include "world.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

static const char *good =
    "# A complete scenario.\n"
    "[cluster]\n"
    "protocol = rbcast   # the first protocol\n"
    "nodes    = 5\n"
    "seed     = 9223372036854775807\n"
    "duration = 30s\n"
    "\n"
    "[rbcast]\n"
    "retransmit = 20ms\n"
    "\n"
    "[network]\n"
    "latency   = lognormal(mean=2ms, sd=1ms)\r\n"
    "loss      = 1%\n"
    "duplicate = 0.005\n"
    "reorder   = yes\n"
    "[link n1 <-> n2]\n"
    "latency = constant(20ms)\n"
    "[link n3 -> n4]\n"
    "loss = 50%\n"
    "[clocks]\n"
    "n2 = skew -5ms, drift 100ppm\n"
    "[workload]\n"
    "clients = 3\n"
    "keys    = 4\n"
    "mix     = read 50%, write 40%, cas 10%\n"
    "key_distribution = zipf(1.1)\n"
    "think   = exponential(mean=10ms)\n"
    "timeout = 1s\n"
    "stop    = 25s\n"
    "[timeline]\n"
    "15s  heal\n"
    "5s   partition {n1 n2} {n3 n4}\n"
    "20s  crash n3\n"
    "20s  restart n3\n"
    "25s  pause n1 for 2s\n"
    "28s  loss n1 -> n3 = 50%\n"
    "29s  latency = uniform(1ms, 5ms)\n"
    "[expect]\n"
    "invariants   = hold\n"
    "linearizable = no\n"
    "availability({n1 n2}, 5s..15s) <= 10%\n";

START_TEST(complete_scenario_fields) {
  GError *e = NULL;
  fl_scenario *s = fl_scenario_parse("good.fl", good, strlen(good), &e);
  if (!s) ck_abort_msg("%s", e->message);
  ck_assert_str_eq(s->path, "good.fl");
  ck_assert_str_eq(s->protocol, "rbcast");
  ck_assert_int_eq(s->protocol_pos.line, 3);
  ck_assert_int_eq(s->protocol_pos.col, 12);
  ck_assert_int_eq(s->n_nodes, 5);
  ck_assert_uint_eq(s->seed, 9223372036854775807ull);
  ck_assert_int_eq(s->duration_ns, 30000000000LL);
  ck_assert_int_eq(s->options->len, 1);
  fl_scn_option *o = &g_array_index(s->options, fl_scn_option, 0);
  ck_assert_str_eq(o->name, "retransmit");
  ck_assert_str_eq(o->value, "20ms");
  ck_assert_int_eq(o->value_pos.line, 9);
  ck_assert_int_eq(o->value_pos.col, 14);
  ck_assert_int_eq(s->net_defaults.latency.kind, FL_DIST_LOGNORMAL);
  ck_assert_double_eq(s->net_defaults.latency.a, 2e6);
  ck_assert_double_eq(s->net_defaults.loss, 0.01);
  ck_assert_double_eq(s->net_defaults.duplicate, 0.005);
  ck_assert(s->net_defaults.reorder);
  ck_assert_int_eq(s->links->len, 3); /* <-> makes two */
  fl_link_override *l0 = &g_array_index(s->links, fl_link_override, 0),
                   *l1 = &g_array_index(s->links, fl_link_override, 1),
                   *l2 = &g_array_index(s->links, fl_link_override, 2);
  ck_assert_int_eq(l0->src, 0);
  ck_assert_int_eq(l0->dst, 1);
  ck_assert_int_eq(l1->src, 1);
  ck_assert_int_eq(l1->dst, 0);
  ck_assert(l0->has_latency && l1->has_latency && !l0->has_loss);
  ck_assert_double_eq(l1->params.latency.a, 20e6);
  ck_assert_int_eq(l2->src, 2);
  ck_assert_int_eq(l2->dst, 3);
  ck_assert(l2->has_loss && !l2->has_latency);
  ck_assert_double_eq(l2->params.loss, 0.5);
  ck_assert_int_eq(s->clocks->len, 1);
  fl_clock_spec *c = &g_array_index(s->clocks, fl_clock_spec, 0);
  ck_assert_int_eq(c->node, 1);
  ck_assert_int_eq(c->skew_ns, -5000000);
  ck_assert_int_eq(c->drift_ppm, 100);
  ck_assert_int_eq(s->workload.clients, 3);
  ck_assert_int_eq(s->workload.keys, 4);
  ck_assert_double_eq(s->workload.mix[FL_OP_READ], 0.5);
  ck_assert_double_eq(s->workload.mix[FL_OP_WRITE], 0.4);
  ck_assert_double_eq(s->workload.mix[FL_OP_CAS], 0.1);
  ck_assert_int_eq(s->workload.key_dist, FL_KEYS_ZIPF);
  ck_assert_double_eq(s->workload.zipf_s, 1.1);
  ck_assert_int_eq(s->workload.think.kind, FL_DIST_EXPONENTIAL);
  ck_assert_int_eq(s->workload.timeout_ns, 1000000000);
  ck_assert_int_eq(s->workload.stop_ns, 25000000000LL);

  ck_assert_int_eq(s->timeline->len, 7);
  fl_action *a = (fl_action *)(void *)s->timeline->data;
  ck_assert_int_eq(a[0].kind, FL_ACT_PARTITION);
  ck_assert_int_eq(a[0].at_ns, 5000000000LL);
  /* {n1 n2} {n3 n4}: four node targets in groups 0 and 1 (n5, named in none, joins the rest). */
  ck_assert_int_eq(a[0].n_groups, 2);
  ck_assert_int_eq(a[0].n_part, 4);
  const int in[4] = {0, 0, 1, 1};
  for (int i = 0; i < 4; i++) {
    ck_assert_int_eq(a[0].part[i].kind, FL_TARGET_NODE);
    ck_assert_int_eq(a[0].part[i].index, i);
    ck_assert_int_eq(a[0].part[i].in_group, in[i]);
  }
  ck_assert_int_eq(a[1].kind, FL_ACT_HEAL);
  ck_assert_int_eq(a[2].kind, FL_ACT_CRASH); /* equal times keep file order */
  ck_assert_int_eq(a[3].kind, FL_ACT_RESTART);
  ck_assert_int_eq(a[3].a, 2);
  ck_assert_int_eq(a[4].kind, FL_ACT_PAUSE);
  ck_assert_int_eq(a[4].for_ns, 2000000000);
  ck_assert_int_eq(a[5].kind, FL_ACT_SET_LOSS);
  ck_assert_int_eq(a[5].a, 0);
  ck_assert_int_eq(a[5].b, 2);
  ck_assert_double_eq(a[5].fraction, 0.5);
  ck_assert_int_eq(a[6].kind, FL_ACT_SET_LATENCY);
  ck_assert_int_eq(a[6].a, -1);
  ck_assert_int_eq(a[6].latency.kind, FL_DIST_UNIFORM);
  ck_assert_int_eq(a[1].pos.line, 31);

  ck_assert_int_eq(s->expects->len, 3);
  fl_expect *x = (fl_expect *)(void *)s->expects->data;
  ck_assert_int_eq(x[0].kind, FL_EXPECT_INVARIANTS);
  ck_assert(x[0].want);
  ck_assert_int_eq(x[1].kind, FL_EXPECT_LINEARIZABLE);
  ck_assert(!x[1].want);
  ck_assert_int_eq(x[2].kind, FL_EXPECT_AVAILABILITY);
  ck_assert_int_eq(x[2].side, FL_SIDE_NODES);
  ck_assert(x[2].nodes[0] && x[2].nodes[1] && !x[2].nodes[2]);
  ck_assert_int_eq(x[2].from_ns, 5000000000LL);
  ck_assert_int_eq(x[2].to_ns, 15000000000LL);
  ck_assert(x[2].at_most);
  ck_assert_double_eq(x[2].fraction, 0.1);
  ck_assert_str_eq(x[2].text, "availability({n1 n2}, 5s..15s) <= 10%");
  ck_assert(fl_world_validate(s, NULL));
  fl_scenario_free(s);
}
END_TEST

START_TEST(equal_times_keep_file_order_both_ways) {
  const char *texts[2] = {
      "[cluster]\nprotocol = rbcast\nnodes = 2\n[timeline]\n1s crash n1\n1s restart n1\n0s heal\n",
      "[cluster]\nprotocol = rbcast\nnodes = 2\n[timeline]\n1s restart n1\n0s heal\n1s crash n1\n"};
  for (int k = 0; k < 2; k++) {
    fl_scenario *s = fl_scenario_parse("t.fl", texts[k], strlen(texts[k]), NULL);
    ck_assert_ptr_nonnull(s);
    fl_action *a = (fl_action *)(void *)s->timeline->data;
    ck_assert_int_eq(a[0].kind, FL_ACT_HEAL);
    ck_assert_int_eq(a[1].kind, k == 0 ? FL_ACT_CRASH : FL_ACT_RESTART);
    ck_assert_int_eq(a[2].kind, k == 0 ? FL_ACT_RESTART : FL_ACT_CRASH);
    fl_scenario_free(s);
  }
}
END_TEST

START_TEST(repeated_actions_and_the_leader) {
  const char *t = "[cluster]\nprotocol = rbcast\nnodes = 3\n[timeline]\n"
                  "1s..2s every 500ms  crash leader\n"
                  "1.2s..1.5s every 200ms  partition {leader} {n1}\n"
                  "3s pause leader for 1s\n";
  fl_scenario *s = fl_scenario_parse("t.fl", t, strlen(t), NULL);
  ck_assert_ptr_nonnull(s);
  ck_assert_uint_eq(s->timeline->len, 6);
  const fl_action *a = (const fl_action *)(const void *)s->timeline->data;
  const int64_t at[] = {1000, 1200, 1400, 1500, 2000, 3000};
  const fl_action_kind kind[] = {FL_ACT_CRASH, FL_ACT_PARTITION, FL_ACT_PARTITION, FL_ACT_CRASH,
                                 FL_ACT_CRASH, FL_ACT_PAUSE};
  for (int i = 0; i < 6; i++) {
    ck_assert_int_eq(a[i].at_ns, at[i] * 1000000LL);
    ck_assert_int_eq(a[i].kind, kind[i]);
  }
  ck_assert_int_eq(a[0].a, FL_NODE_LEADER);
  ck_assert_int_eq(a[5].a, FL_NODE_LEADER);
  ck_assert_int_eq(a[5].for_ns, 1000000000LL);
  /* Each copy owns its group list: the leader in group 0, n1 in 1 (the rest form group 2). */
  ck_assert_ptr_ne(a[1].part, a[2].part);
  for (int i = 1; i <= 2; i++) {
    ck_assert_int_eq(a[i].n_part, 2);
    ck_assert_int_eq(a[i].n_groups, 2);
    ck_assert_int_eq(a[i].part[0].kind, FL_TARGET_LEADER);
    ck_assert_int_eq(a[i].part[0].in_group, 0);
    ck_assert_int_eq(a[i].part[1].kind, FL_TARGET_NODE);
    ck_assert_int_eq(a[i].part[1].index, 0);
    ck_assert_int_eq(a[i].part[1].in_group, 1);
  }
  fl_scenario_free(s);
}
END_TEST

START_TEST(defaults_and_empty_lines) {
  const char *t = "\n\n[cluster]\r\nprotocol=rbcast\nnodes=1";
  fl_scenario *s = fl_scenario_parse("t.fl", t, strlen(t), NULL);
  ck_assert_ptr_nonnull(s);
  ck_assert_uint_eq(s->seed, 1);
  ck_assert_int_eq(s->duration_ns, 10000000000LL);
  ck_assert_int_eq(s->net_defaults.latency.kind, FL_DIST_CONSTANT);
  ck_assert_double_eq(s->net_defaults.latency.a, 1e6);
  ck_assert(!s->net_defaults.reorder);
  ck_assert_int_eq(s->workload.clients, 1);
  fl_scenario_free(s);
}
END_TEST

START_TEST(every_malformed_fixture_gives_its_message) {
  char *dir = fl_test_source_path("tests/data/bad");
  GDir *d = g_dir_open(dir, 0, NULL);
  ck_assert_ptr_nonnull(d);
  const char *name;
  int checked = 0;
  while ((name = g_dir_read_name(d))) {
    if (!g_str_has_suffix(name, ".fl")) continue;
    char *path = g_build_filename(dir, name, NULL);
    char *base = g_strndup(name, strlen(name) - 3);
    char *exp_name = g_strconcat(base, ".expected", NULL);
    char *exp_path = g_build_filename(dir, exp_name, NULL);
    char *text = NULL, *want = NULL;
    gsize len = 0;
    ck_assert(g_file_get_contents(path, &text, &len, NULL));
    ck_assert_msg(g_file_get_contents(exp_path, &want, NULL, NULL), "missing %s", exp_name);
    g_strchomp(want);
    char *shown = g_strconcat("bad/", name, NULL);
    GError *e = NULL;
    fl_scenario *s = fl_scenario_parse(shown, text, len, &e);
    if (s) {
      ck_assert_msg(!fl_world_validate(s, &e), "%s was accepted", name);
      fl_scenario_free(s);
    }
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->message, want);
    g_error_free(e);
    checked++;
    g_free(shown);
    g_free(text);
    g_free(want);
    g_free(exp_path);
    g_free(exp_name);
    g_free(base);
    g_free(path);
  }
  g_dir_close(d);
  g_free(dir);
  ck_assert_int_ge(checked, 20);
}
END_TEST

START_TEST(unreadable_file) {
  GError *e = NULL;
  ck_assert_ptr_null(fl_scenario_load("/no/such/scenario.fl", &e));
  ck_assert_str_eq(e->message, "/no/such/scenario.fl: cannot read: No such file or directory");
  g_clear_error(&e);
  /* Write-only for everyone, root included (a chmod 000 file is readable by root). */
  ck_assert_ptr_null(fl_scenario_load("/proc/sys/vm/drop_caches", &e));
  ck_assert_str_eq(e->message, "/proc/sys/vm/drop_caches: cannot read: Permission denied");
  g_clear_error(&e);
  if (geteuid() != 0) {
    char *dir = g_dir_make_tmp("fl-scn-XXXXXX", NULL);
    char *path = g_build_filename(dir, "locked.fl", NULL);
    ck_assert(g_file_set_contents(path, "[cluster]\n", -1, NULL));
    ck_assert_int_eq(g_chmod(path, 0), 0);
    ck_assert_ptr_null(fl_scenario_load(path, &e));
    char *want = g_strdup_printf("%s: cannot read: Permission denied", path);
    ck_assert_str_eq(e->message, want);
    g_clear_error(&e);
    g_unlink(path);
    g_rmdir(dir);
    g_free(want);
    g_free(path);
    g_free(dir);
  }
}
END_TEST

/* A directory, a device, a FIFO and an oversized file are refused before anything is read:
 * none of them hangs or fills the memory. */
START_TEST(only_regular_files_up_to_the_size_cap) {
  GError *e = NULL;
  ck_assert_ptr_null(fl_scenario_load("/", &e));
  ck_assert_str_eq(e->message, "/: is a directory, expected a scenario file");
  g_clear_error(&e);
  ck_assert_ptr_null(fl_scenario_load("/dev/zero", &e));
  ck_assert_str_eq(e->message, "/dev/zero: is a character device, expected a scenario file");
  g_clear_error(&e);
  char *dir = g_dir_make_tmp("fl-scn-XXXXXX", NULL);
  char *fifo = g_build_filename(dir, "fifo.fl", NULL);
  ck_assert_int_eq(mkfifo(fifo, 0600), 0);
  ck_assert_ptr_null(fl_scenario_load(fifo, &e));
  char *want = g_strdup_printf("%s: is a FIFO, expected a scenario file", fifo);
  ck_assert_str_eq(e->message, want);
  g_clear_error(&e);
  g_free(want);
  /* Sparse files: one byte over the cap is refused unread; exactly the cap is read (and then
   * refused by the parser for its first NUL byte, which proves it was read). */
  char *big = g_build_filename(dir, "big.fl", NULL);
  ck_assert_int_eq(truncate(big, 0), -1);
  ck_assert(g_file_set_contents(big, "", 0, NULL));
  ck_assert_int_eq(truncate(big, FL_LIMIT_SCENARIO_BYTES + 1), 0);
  ck_assert_ptr_null(fl_scenario_load(big, &e));
  want = g_strdup_printf("%s: is larger than 16 MiB, expected a scenario file of at most "
                         "16777216 bytes", big);
  ck_assert_str_eq(e->message, want);
  g_clear_error(&e);
  g_free(want);
  ck_assert_int_eq(truncate(big, FL_LIMIT_SCENARIO_BYTES), 0);
  ck_assert_ptr_null(fl_scenario_load(big, &e));
  want = g_strdup_printf("%s:1:1: expected text, found a NUL byte", big);
  ck_assert_str_eq(e->message, want);
  g_clear_error(&e);
  g_free(want);
  g_unlink(big);
  g_unlink(fifo);
  g_rmdir(dir);
  g_free(big);
  g_free(fifo);
  g_free(dir);
  /* The command says so and exits 2. */
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(fl_test_cli("validate /dev/zero", &out, &err), 2);
  ck_assert_str_eq(err, "/dev/zero: is a character device, expected a scenario file\n");
  g_free(out);
  g_free(err);
}
END_TEST

/* ---- The timeline at scale. Each of these took from 10 s to forever with the insertion sort
 * and the uncapped expansion; the test case's timeout (CK_DEFAULT_TIMEOUT) is their bound. */

/* The old algorithm, as the reference for the order: insertion sort by (time, expansion
 * index), expanding each line's repetitions in file order. */
typedef struct ref_action {
  int64_t at_ns;
  int line;
} ref_action;

START_TEST(timeline_order_is_time_then_line_then_repetition) {
  GString *t = g_string_new("[cluster]\nprotocol = rbcast\nnodes = 3\nduration = 100s\n[timeline]\n");
  GArray *ref = g_array_new(FALSE, FALSE, sizeof(ref_action));
  uint64_t x = 88172645463325252ULL; /* xorshift: a fixed mix of times, periods and ties */
  for (int i = 0; i < 400; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    int64_t from = (int64_t)(x % 20), every = (int64_t)(x >> 8) % 4, reps = 1 + (int64_t)(x >> 16) % 5;
    int line = 6 + i;
    if (every == 0) {
      g_string_append_printf(t, "%" G_GINT64_FORMAT "s heal\n", from);
      ref_action r = {from * 1000000000LL, line};
      g_array_append_val(ref, r);
    } else {
      int64_t to = from + every * (reps - 1);
      g_string_append_printf(t, "%" G_GINT64_FORMAT "s..%" G_GINT64_FORMAT "s every %" G_GINT64_FORMAT "s heal\n",
                             from, to, every);
      for (int64_t k = 0; k < reps; k++) {
        ref_action r = {(from + k * every) * 1000000000LL, line};
        g_array_append_val(ref, r);
      }
    }
  }
  ref_action *r = (ref_action *)(void *)ref->data;
  for (guint i = 1; i < ref->len; i++) {
    ref_action key = r[i];
    guint j = i;
    while (j > 0 && r[j - 1].at_ns > key.at_ns) {
      r[j] = r[j - 1];
      j--;
    }
    r[j] = key;
  }
  GError *e = NULL;
  fl_scenario *s = fl_scenario_parse("t.fl", t->str, t->len, &e);
  if (!s) ck_abort_msg("%s", e->message);
  ck_assert_uint_eq(s->timeline->len, ref->len);
  const fl_action *a = (const fl_action *)(const void *)s->timeline->data;
  guint wrong = 0;
  for (guint i = 0; i < ref->len; i++) wrong += a[i].at_ns != r[i].at_ns || a[i].pos.line != r[i].line;
  ck_assert_uint_eq(wrong, 0);
  fl_scenario_free(s);
  g_array_free(ref, TRUE);
  g_string_free(t, TRUE);
}
END_TEST

/* The 109-byte file that took 40 s to validate: 194,596 actions. */
START_TEST(two_heal_lines_every_37ms_validate_fast) {
  const char *t = "[cluster]\nprotocol = rbcast\nnodes = 3\nduration = 1h\n[timeline]\n"
                  "0s..1h every 37ms heal\n0s..1h every 37ms heal\n";
  ck_assert_uint_eq(strlen(t), 109);
  GError *e = NULL;
  fl_scenario *s = fl_scenario_parse("t.fl", t, strlen(t), &e);
  if (!s) ck_abort_msg("%s", e->message);
  ck_assert(fl_world_validate(s, NULL));
  ck_assert_uint_eq(s->timeline->len, 2 * 97298);
  /* One assertion at the end: in fork mode each passing ck_assert is a write to a pipe. */
  const fl_action *a = (const fl_action *)(const void *)s->timeline->data;
  guint wrong = 0;
  for (guint i = 0; i < s->timeline->len; i++)
    wrong += a[i].at_ns != (int64_t)(i / 2) * 37000000LL ||
             a[i].pos.line != 6 + (int)(i % 2); /* equal times: file order */
  ck_assert_uint_eq(wrong, 0);
  fl_scenario_free(s);
}
END_TEST

START_TEST(forty_thousand_descending_lines_validate_fast) {
  GString *t = g_string_new("[cluster]\nprotocol = rbcast\nnodes = 3\nduration = 12h\n[timeline]\n");
  for (int i = 40000; i >= 1; i--) g_string_append_printf(t, "%ds heal\n", i);
  GError *e = NULL;
  fl_scenario *s = fl_scenario_parse("t.fl", t->str, t->len, &e);
  if (!s) ck_abort_msg("%s", e->message);
  ck_assert_uint_eq(s->timeline->len, 40000);
  const fl_action *a = (const fl_action *)(const void *)s->timeline->data;
  guint wrong = 0;
  for (guint i = 0; i < 40000; i++) wrong += a[i].at_ns != (int64_t)(i + 1) * 1000000000LL;
  ck_assert_uint_eq(wrong, 0);
  fl_scenario_free(s);
  g_string_free(t, TRUE);
}
END_TEST

/* 1,000 lines of 97,298 repetitions asked for 97 M actions (13 GB): the 11th line crosses the
 * cap, and nothing is expanded before the file is accepted. */
START_TEST(total_actions_are_capped_at_the_line_that_crosses) {
  GString *t = g_string_new("[cluster]\nprotocol = rbcast\nnodes = 3\nduration = 1h\n[timeline]\n");
  for (int i = 0; i < 1000; i++) g_string_append(t, "0s..1h every 37ms heal\n");
  GError *e = NULL;
  ck_assert_ptr_null(fl_scenario_parse("many.fl", t->str, t->len, &e));
  ck_assert_str_eq(e->message, "many.fl:16:1: expected at most 1000000 timeline actions in all "
                               "(repetitions included), found 1070278 with this line");
  g_clear_error(&e);
  g_string_free(t, TRUE);
  /* The cap itself is allowed: 1,000,000 actions pass it, and here the next check (a time
   * past the end, made before anything is expanded) is what fails. One more fails the cap. */
  t = g_string_new("[cluster]\nprotocol = rbcast\nnodes = 3\nduration = 99999s\n[timeline]\n");
  for (int i = 0; i < 9; i++) g_string_append(t, "0s..99999s every 1s heal\n");
  g_string_append(t, "1s..100000s every 1s heal\n");
  ck_assert_ptr_null(fl_scenario_parse("cap.fl", t->str, t->len, &e));
  ck_assert_str_eq(e->message, "cap.fl:15:1: expected a time within the duration (99999s), "
                               "found 100000s");
  g_clear_error(&e);
  g_string_append(t, "0s heal\n");
  ck_assert_ptr_null(fl_scenario_parse("cap.fl", t->str, t->len, &e));
  ck_assert_str_eq(e->message, "cap.fl:16:1: expected at most 1000000 timeline actions in all "
                               "(repetitions included), found 1000001 with this line");
  g_clear_error(&e);
  g_string_free(t, TRUE);
}
END_TEST

/* ---- Echoed input is cut: a 3 MB token comes back as its first 40 bytes and "...". */

START_TEST(long_tokens_are_echoed_cut) {
  char *name = g_strnfill(3 * 1024 * 1024, 'x');
  const char *forty = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
  struct {
    const char *fmt, *want;
  } cases[] = {
      {"[cluster]\nprotocol = rbcast\nnodes = 3\n[rbcast]\n%s = 1\n",
       "t.fl:5:1: expected an option of protocol rbcast (retransmission, retransmit, batch), "
       "found '%s...'"},
      {"[cluster]\nprotocol = rbcast\nnodes = 3\n[%s]\n",
       "t.fl:4:1: expected a section [cluster], [network], [link ...], [clocks], [nodes], "
       "[node nX], [workload], [groups], [timeline], [nemesis], [expect] or [rbcast], found [%s...]"},
      {"[cluster]\nprotocol = rbcast\nnodes = 3\n%s = 1\n",
       "t.fl:4:1: expected a key of [cluster] (protocol, nodes, seed, duration, members), found '%s...'"},
      {"[cluster]\nprotocol = rbcast\nnodes = 3\nduration = 1%s\n",
       "t.fl:4:12: expected a duration with a unit (ns, us, ms, s, min, h), found '1%.39s...'"},
      {"[cluster]\nprotocol = rbcast\nnodes = 3\n[timeline]\n1s crash %s\n",
       "t.fl:5:10: expected a target (n1..n3, all, leader, followers, random K, minority, "
       "majority, behind or a [groups] name), found '%s...'"},
      {"[cluster]\nprotocol = rbcast\nnodes = 3\n[timeline]\n1s %s\n",
       "t.fl:5:4: expected a timeline action (partition, heal, cut, uncut, crash, restart, pause, "
       "resume, loss, latency, corrupt, duplicate, reorder, clock, processing, disk, join, leave), found '%s...'"},
      {"[cluster]\nprotocol = rbcast\nnodes = 3\n[network]\nlatency = %s\n",
       "t.fl:5:11: expected a distribution such as uniform(1ms, 5ms) or a duration, found '%s...'"},
      {"[cluster]\nprotocol = rbcast\nnodes = 3\n[timeline]\n1s heal %s\n",
       "t.fl:5:9: expected the end of the line, found '%s...'"},
  };
  for (size_t k = 0; k < G_N_ELEMENTS(cases); k++) {
    char *text = g_strdup_printf(cases[k].fmt, name);
    char *want = g_strdup_printf(cases[k].want, forty);
    GError *e = NULL;
    fl_scenario *s = fl_scenario_parse("t.fl", text, strlen(text), &e);
    if (s) {
      ck_assert(!fl_world_validate(s, &e));
      fl_scenario_free(s);
    }
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->message, want);
    g_error_free(e);
    g_free(want);
    g_free(text);
  }
  g_free(name);
}
END_TEST

/* ---- Option ranges: the schema's bounds, for a plugin too. */

/* Random times (issue 11, item 3): parsed with the latency distributions' syntax, the timeline
 * sorted by the earliest time each can take, drawn per run from the given stream in timeline
 * order, and the run's order by drawn time (then timeline index). */
static const char *random_times =
    "[cluster]\nprotocol = raft\nnodes = 5\nduration = 20s\n"
    "[timeline]\n"
    "uniform(10s, 10.075s) crash leader\n"    /* index 2: sorted by its 10s */
    "5s crash n2\n"                            /* index 0 */
    "exponential(mean=1s) pause n3 for 1s\n" /* index 1: from 0s */
    "constant(12s) restart all\n"             /* a fixed time: index 3 */
    "15s heal\n";

START_TEST(random_times_are_drawn_per_seed) {
  GError *e = NULL;
  fl_scenario *s = fl_scenario_parse("rt.fl", random_times, strlen(random_times), &e);
  ck_assert_msg(s != NULL, "%s", e ? e->message : "");
  ck_assert(fl_world_validate(s, &e));
  ck_assert_uint_eq(s->timeline->len, 5);
  const fl_action *a = &g_array_index(s->timeline, fl_action, 0);
  ck_assert_int_eq(a->at_ns, 0); /* exponential: from 0 */
  ck_assert_int_eq(a->pos.line, 8);
  ck_assert_ptr_nonnull(a->at_dist);
  a = &g_array_index(s->timeline, fl_action, 1);
  ck_assert_int_eq(a->at_ns, 5000000000);
  ck_assert_ptr_null(a->at_dist);
  a = &g_array_index(s->timeline, fl_action, 2);
  ck_assert_int_eq(a->at_ns, 10000000000);
  ck_assert_int_eq(a->pos.line, 6);
  ck_assert_ptr_nonnull(a->at_dist);
  a = &g_array_index(s->timeline, fl_action, 3);
  ck_assert_int_eq(a->at_ns, 12000000000); /* constant(12s) is a fixed time */
  ck_assert_ptr_null(a->at_dist);

  int64_t at[5];
  guint order[5];
  fl_rng *r = fl_rng_new(1, "fault", 0);
  fl_scenario_draw_times(s, r, at, order);
  fl_rng_free(r);
  ck_assert_int_eq(at[0], 130880129);
  ck_assert_int_eq(at[1], 5000000000);
  ck_assert_int_eq(at[2], 10018500519);
  ck_assert_int_eq(at[3], 12000000000);
  ck_assert_int_eq(at[4], 15000000000);
  guint want[] = {0, 1, 2, 3, 4};
  for (int i = 0; i < 5; i++) ck_assert_uint_eq(order[i], want[i]);

  /* Across seeds: uniform stays in [10s, 10.075s]; an exponential draw past 5s moves the
   * pause after the crash of n2 in the run's order. */
  bool reordered = false;
  for (uint64_t seed = 1; seed <= 2000; seed++) {
    r = fl_rng_new(seed, "fault", 0);
    fl_scenario_draw_times(s, r, at, order);
    fl_rng_free(r);
    ck_assert_int_ge(at[2], 10000000000);
    ck_assert_int_le(at[2], 10075000000);
    ck_assert_int_ge(at[0], 0);
    for (int i = 1; i < 5; i++)
      ck_assert(at[order[i - 1]] < at[order[i]] ||
                (at[order[i - 1]] == at[order[i]] && order[i - 1] < order[i]));
    if (order[0] == 1) reordered = true;
  }
  ck_assert(reordered);
  fl_scenario_free(s);

  /* Without random times nothing is drawn: the stream is untouched. */
  static const char fixed[] = "[cluster]\nprotocol = raft\nnodes = 3\n[timeline]\n2s heal\n1s heal\n";
  s = fl_scenario_parse("f.fl", fixed, strlen(fixed), &e);
  ck_assert_ptr_nonnull(s);
  fl_rng *r1 = fl_rng_new(9, "fault", 0), *r2 = fl_rng_new(9, "fault", 0);
  fl_scenario_draw_times(s, r1, at, order);
  ck_assert_int_eq(at[0], 1000000000);
  ck_assert_uint_eq(order[0], 0);
  ck_assert_uint_eq(fl_rng_below(r1, 1000000), fl_rng_below(r2, 1000000));
  fl_rng_free(r1);
  fl_rng_free(r2);
  fl_scenario_free(s);

  /* Validation: an action at a random time leaves its node in either state, so fixed actions
   * on it pass; one at a random time is not checked itself. */
  static const char either[] = "[cluster]\nprotocol = raft\nnodes = 3\n[timeline]\n"
                               "uniform(1s, 2s) crash n1\n3s restart n1\n4s crash n1\n"
                               "uniform(1s, 2s) restart n2\n";
  s = fl_scenario_parse("e.fl", either, strlen(either), &e);
  ck_assert_ptr_nonnull(s);
  ck_assert(fl_world_validate(s, &e));
  fl_scenario_free(s);
}
END_TEST

static void *nop_init(fl_node_ctx *ctx) {
  (void)ctx;
  return g_new0(int, 1);
}
static void nop_message(void *st, fl_node_ctx *ctx, int from, const void *m, size_t len) {
  (void)st, (void)ctx, (void)from, (void)m, (void)len;
}
static void nop_describe(const void *st, GString *out) {
  (void)st;
  g_string_append(out, "idle");
}

START_TEST(option_ranges_of_every_type) {
  static const fl_option_spec opts[] = {
      {.name = "n", .type = FL_OPT_INT, .default_value = "5", .min = "-3", .max = "10"},
      {.name = "p", .type = FL_OPT_PERCENT, .default_value = "50%", .min = "10%", .max = "0.9"},
      {.name = "d", .type = FL_OPT_DURATION, .default_value = "1s", .max = "1min"},
      {.name = "r", .type = FL_OPT_DURATION_RANGE, .default_value = "1s..2s", .min = "1ms",
       .max = "1min", .min_width = "100ms"},
      {0},
  };
  static const fl_protocol ranged = {.api_version = FL_ACTOR_API_VERSION, .name = "ranged",
                                     .options = opts, .init = nop_init,
                                     .on_message = nop_message, .free = g_free,
                                     .describe = nop_describe};
  ck_assert(fl_actor_register(&ranged, NULL));
  struct {
    const char *line, *want;
  } cases[] = {
      {"n = -3", NULL},
      {"n = 10", NULL},
      {"n = -4", "t.fl:5:5: n: expected an integer from -3 to 10, found -4"},
      {"n = 11", "t.fl:5:5: n: expected an integer from -3 to 10, found 11"},
      {"n = 99999999999999999999", "t.fl:5:5: n: expected an integer from -4611686018427387904 "
                                   "to 4611686018427387903, found 99999999999999999999"},
      {"p = 10%", NULL},
      {"p = 9%", "t.fl:5:5: p: expected a percentage from 10% to 0.9, found '9%'"},
      {"p = 0.95", "t.fl:5:5: p: expected a percentage from 10% to 0.9, found '0.95'"},
      {"d = 1min", NULL},
      {"d = 61s", "t.fl:5:5: d: expected a duration of at most 1min, found '61s'"},
      {"r = 1ms..101ms", NULL},
      {"r = 1ms..100ms", "t.fl:5:5: r: expected a range at least 100ms wide, found '1ms..100ms'"},
      {"r = 0ms..1s", "t.fl:5:5: r: expected a range starting at 1ms or later, found '0ms..1s'"},
      {"r = 1s..61s", "t.fl:5:5: r: expected a range ending at 1min or earlier, found '1s..61s'"},
  };
  for (size_t k = 0; k < G_N_ELEMENTS(cases); k++) {
    char *text = g_strdup_printf("[cluster]\nprotocol = ranged\nnodes = 1\n[ranged]\n%s\n",
                                 cases[k].line);
    GError *e = NULL;
    fl_scenario *s = fl_scenario_parse("t.fl", text, strlen(text), &e);
    ck_assert_ptr_nonnull(s);
    bool ok = fl_world_validate(s, &e);
    if (cases[k].want) {
      ck_assert_msg(!ok, "%s was accepted", cases[k].line);
      ck_assert_str_eq(e->message, cases[k].want);
      g_clear_error(&e);
    } else {
      ck_assert_msg(ok, "%s: %s", cases[k].line, e ? e->message : "");
    }
    fl_scenario_free(s);
    g_free(text);
  }
}
END_TEST

/* A default outside its own range, or a bound that does not parse, is the protocol's bug. */
START_TEST(option_schema_bugs_are_reported) {
  static const fl_option_spec bad_default[] = {
      {.name = "k", .type = FL_OPT_INT, .default_value = "0", .min = "1"}, {0}};
  static const fl_option_spec bad_bound[] = {
      {.name = "k", .type = FL_OPT_DURATION, .default_value = "1s", .min = "soon"}, {0}};
  static const fl_option_spec bound_on_bool[] = {
      {.name = "k", .type = FL_OPT_BOOL, .default_value = "yes", .max = "no"}, {0}};
  const fl_option_spec *tables[] = {bad_default, bad_bound, bound_on_bool};
  const char *names[] = {"bug-default", "bug-bound", "bug-bool"};
  const char *want[] = {
      "protocol 'bug-default': the default of option 'k' is invalid: expected an integer of at "
      "least 1, found 0",
      "protocol 'bug-bound': the min of option 'k' is invalid: expected a duration with a unit "
      "(ns, us, ms, s, min, h), found 'soon'",
      "protocol 'bug-bool': the max of option 'k' is invalid: this type of option takes none"};
  static fl_protocol p[3];
  for (int k = 0; k < 3; k++) {
    p[k] = (fl_protocol){.api_version = FL_ACTOR_API_VERSION, .name = names[k],
                         .options = tables[k], .init = nop_init, .on_message = nop_message,
                         .free = g_free, .describe = nop_describe};
    ck_assert(fl_actor_register(&p[k], NULL));
    char *text = g_strdup_printf("[cluster]\nprotocol = %s\nnodes = 1\n", names[k]);
    GError *e = NULL;
    fl_scenario *s = fl_scenario_parse("t.fl", text, strlen(text), &e);
    ck_assert_ptr_nonnull(s);
    ck_assert(!fl_world_validate(s, &e));
    ck_assert_str_eq(e->message, want[k]);
    g_clear_error(&e);
    fl_scenario_free(s);
    g_free(text);
  }
}
END_TEST

/* The lab plugin declares ping_every from 1ms to 1s: the faultline binary enforces it. */
START_TEST(plugin_option_range_is_enforced) {
  const char *bin = g_getenv("FL_BINARY_DIR");
  char *plugin = g_build_filename(bin ? bin : ".", "tests", "lab_protocol.so", NULL);
  char *dir = g_dir_make_tmp("fl-scn-XXXXXX", NULL);
  char *path = g_build_filename(dir, "lab.fl", NULL);
  const char *cases[][2] = {{"0ms", "from 1ms to 1s, found '0ms'"},
                            {"2s", "from 1ms to 1s, found '2s'"}};
  for (int k = 0; k < 2; k++) {
    char *text = g_strdup_printf("[cluster]\nprotocol = lab-register\nnodes = 1\n"
                                 "[lab-register]\nping_every = %s\n", cases[k][0]);
    ck_assert(g_file_set_contents(path, text, -1, NULL));
    char *args = g_strdup_printf("run --quiet --plugin '%s' '%s'", plugin, path);
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(fl_test_cli(args, &out, &err), 2);
    char *want = g_strdup_printf("%s:5:14: ping_every: expected a duration %s\n", path, cases[k][1]);
    ck_assert_str_eq(err, want);
    g_free(want);
    g_free(out);
    g_free(err);
    g_free(args);
    g_free(text);
  }
  g_unlink(path);
  g_rmdir(dir);
  g_free(path);
  g_free(dir);
  g_free(plugin);
}
END_TEST

static void setup(void) {
  fl_rng_global_init();
  ck_assert(fl_protocols_register_builtin(NULL));
}

int main(void) {
  Suite *s = suite_create("scenario");
  TCase *tc = tcase_create("scenario");
  tcase_add_checked_fixture(tc, setup, NULL);
  tcase_add_test(tc, complete_scenario_fields);
  tcase_add_test(tc, equal_times_keep_file_order_both_ways);
  tcase_add_test(tc, defaults_and_empty_lines);
  tcase_add_test(tc, repeated_actions_and_the_leader);
  tcase_add_test(tc, every_malformed_fixture_gives_its_message);
  tcase_add_test(tc, unreadable_file);
  tcase_add_test(tc, only_regular_files_up_to_the_size_cap);
  tcase_add_test(tc, long_tokens_are_echoed_cut);
  tcase_add_test(tc, random_times_are_drawn_per_seed);
  tcase_add_test(tc, option_ranges_of_every_type);
  tcase_add_test(tc, option_schema_bugs_are_reported);
  tcase_add_test(tc, plugin_option_range_is_enforced);
  suite_add_tcase(s, tc);
  /* The timeout bounds these: the quadratic sort took 10 s and 40 s on the two files, the
   * O(n log n) one a fraction of a second (8 s leaves room for a loaded machine and the
   * sanitizer build). */
  TCase *scale = tcase_create("timeline at scale");
  tcase_set_timeout(scale, 8);
  tcase_add_checked_fixture(scale, setup, NULL);
  tcase_add_test(scale, timeline_order_is_time_then_line_then_repetition);
  tcase_add_test(scale, two_heal_lines_every_37ms_validate_fast);
  tcase_add_test(scale, forty_thousand_descending_lines_validate_fast);
  tcase_add_test(scale, total_actions_are_capped_at_the_line_that_crosses);
  suite_add_tcase(s, scale);
  return fl_test_run(s);
}
