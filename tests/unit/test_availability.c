/* Tests of availability, the one definition (world.h) the summary, the JSON report, sweep's
 * CSV and [expect] share, through a protocol whose answers are fixed by operation kind: reads
 * are answered ok, cas fails (the operation's own answer), writes are refused, and node n3
 * answers nothing at all (its clients time out). */
#include "fl_test.h"
#include "actor.h"
#include "builtin.h"
#include "expect.h"
#include "scenario.h"
#include "world.h"

#include <math.h>
#include <string.h>

static void *fixed_init(fl_node_ctx *ctx) {
  (void)ctx;
  return g_new0(int, 1);
}
static void fixed_on_message(void *st, fl_node_ctx *ctx, int from, const void *msg, size_t len) {
  (void)st, (void)ctx, (void)from, (void)msg, (void)len;
}
static void fixed_request(void *st, fl_node_ctx *ctx, const fl_op *op) {
  (void)st;
  if (fl_node_id(ctx) == 2) return; /* n3 never answers */
  fl_op_result r = {.status = op->kind == FL_OP_READ  ? FL_REPLY_OK
                              : op->kind == FL_OP_CAS ? FL_REPLY_FAIL
                                                      : FL_REPLY_REFUSED,
                    .redirect_to = -1};
  fl_node_reply(ctx, op, &r);
}
static void fixed_free(void *st) { g_free(st); }
static void fixed_describe(const void *st, GString *out) {
  (void)st;
  g_string_append(out, "fixed");
}

static const fl_protocol fixed_protocol = {
    .api_version = FL_ACTOR_API_VERSION,
    .name = "fixed-answers",
    .summary = "answers by kind: read ok, cas fail, write refused; n3 silent",
    .init = fixed_init,
    .on_message = fixed_on_message,
    .on_client_request = fixed_request,
    .free = fixed_free,
    .describe = fixed_describe,
};

static void setup(void) {
  fl_rng_global_init();
  ck_assert(fl_protocols_register_builtin(NULL));
  if (!fl_actor_lookup("fixed-answers", NULL)) ck_assert(fl_actor_register(&fixed_protocol, NULL));
}

static fl_scenario *scenario(const char *extra) {
  char *text = g_strdup_printf(
      "[cluster]\nprotocol = fixed-answers\nnodes = 3\nseed = 3\nduration = 2s\n"
      "[network]\nlatency = uniform(1ms, 3ms)\n"
      "[workload]\nclients = 3\nkeys = 2\nmix = read 50%%, write 25%%, cas 25%%\n"
      "think = exponential(mean=20ms)\ntimeout = 100ms\n%s",
      extra ? extra : "");
  GError *error = NULL;
  fl_scenario *s = fl_scenario_parse("test.fl", text, strlen(text), &error);
  if (!s) ck_abort_msg("scenario: %s", error->message);
  g_free(text);
  return s;
}

static fl_world *run(fl_scenario *s, bool keep_ops) {
  fl_world_opts o;
  fl_world_opts_init(&o);
  o.keep_ops = keep_ops;
  GError *error = NULL;
  fl_world *w = fl_world_new(s, &o, &error);
  if (!w) ck_abort_msg("world: %s", error->message);
  fl_world_run(w);
  ck_assert(fl_world_finish(w, NULL));
  return w;
}

/* Answered = ok + fail that is not a refusal; ended = invoked - open at the end. The counts
 * are recomputed from the operation records, which must agree with the side counters. */
START_TEST(refusals_and_timeouts_are_unavailable_a_cas_answer_is_not) {
  fl_scenario *s = scenario(NULL);
  fl_world *w = run(s, true);
  fl_run_stats st;
  fl_world_stats(w, &st);
  size_t n = 0;
  const fl_op_record *ops = fl_world_ops(w, &n);
  uint64_t ok = 0, fail = 0, refused = 0, info = 0, open = 0, writes = 0;
  for (size_t i = 0; i < n; i++) {
    ok += ops[i].outcome == FL_HIST_OK;
    fail += ops[i].outcome == FL_HIST_FAIL;
    refused += ops[i].refused;
    info += ops[i].outcome == FL_HIST_INFO;
    open += ops[i].open_at_end;
    writes += ops[i].kind == FL_OP_WRITE && ops[i].node != 2 && !ops[i].open_at_end;
    ck_assert_int_ge(ops[i].end_ns, ops[i].invoke_ns);
    ck_assert(!ops[i].refused || ops[i].kind == FL_OP_WRITE);
  }
  ck_assert_uint_eq(n, st.all.invoked);
  ck_assert_uint_eq(ok, st.all.ok);
  ck_assert_uint_eq(fail, st.all.fail);
  ck_assert_uint_eq(refused, st.all.refused);
  ck_assert_uint_eq(info, st.all.info);
  ck_assert_uint_eq(open, st.all.open_at_end);
  ck_assert_uint_eq(refused, writes); /* every write n1 or n2 answered was refused */
  ck_assert_uint_gt(refused, 0);
  ck_assert_uint_gt(info - open, 0); /* n3's clients timed out */
  ck_assert_uint_gt(fail - refused, 0);
  double a = fl_side_availability(&st.all);
  ck_assert(a == (double)(ok + fail - refused) / (double)(n - open));
  fl_world_free(w);
  fl_scenario_free(s);
}
END_TEST

START_TEST(no_operation_is_no_value_not_zero) {
  fl_side_stats none;
  memset(&none, 0, sizeof none);
  ck_assert(isnan(fl_side_availability(&none)));
  none.invoked = none.info = none.open_at_end = 2; /* both cut short by the run's end */
  ck_assert(isnan(fl_side_availability(&none)));
  ck_assert(fl_availability(3, 4) == 0.75);
  ck_assert(isnan(fl_availability(0, 0)));
}
END_TEST

/* The expectation counts the same way: in [0, 2s) on n1's side (reads ok, cas fail, writes
 * refused) and an empty window after the clients stopped. */
START_TEST(expectation_uses_the_same_definition) {
  fl_scenario *s = scenario("[expect]\navailability({n1}, 0s..2s) >= 0%\n"
                            "availability(all, 2s..3s) >= 0%\n");
  fl_world *w = run(s, true);
  size_t n = 0;
  const fl_op_record *ops = fl_world_ops(w, &n);
  uint64_t ended = 0, answered = 0;
  for (size_t i = 0; i < n; i++) {
    if (ops[i].client % 3 != 0 || ops[i].open_at_end) continue; /* n1's clients: c1 */
    ended++;
    answered += ops[i].outcome == FL_HIST_OK || (ops[i].outcome == FL_HIST_FAIL && !ops[i].refused);
  }
  fl_verdict *v = fl_verdict_evaluate(w, s);
  const fl_expect_result *r0 = &g_array_index(v->results, fl_expect_result, 0);
  char *want = g_strdup_printf("%.1f%% (%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                               " operations answered)",
                               100.0 * (double)answered / (double)ended, answered, ended);
  ck_assert_str_eq(r0->detail, want);
  const fl_expect_result *r1 = &g_array_index(v->results, fl_expect_result, 1);
  ck_assert(!r1->passed);
  ck_assert_str_eq(r1->detail, "no operations ended on that side in that window");
  g_free(want);
  fl_verdict_free(v);
  fl_world_free(w);
  fl_scenario_free(s);
}
END_TEST

int main(void) {
  Suite *s = suite_create("availability");
  TCase *t = tcase_create("availability");
  tcase_add_checked_fixture(t, setup, NULL);
  tcase_add_test(t, refusals_and_timeouts_are_unavailable_a_cas_answer_is_not);
  tcase_add_test(t, no_operation_is_no_value_not_zero);
  tcase_add_test(t, expectation_uses_the_same_definition);
  suite_add_tcase(s, t);
  return fl_test_run(s);
}
