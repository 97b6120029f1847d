/* The actor-interface conformance suite: every built-in protocol, under the same faults and
 * several seeds, must run without misusing the node API, keep its own invariants, serve
 * clients, survive crash and restart, and reproduce its digest. A new protocol gets these
 * checks by being registered. */
#include "fl_test.h"
#include "actor.h"
#include "builtin.h"
#include "scenario.h"
#include "world.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

static const char *scenario_text =
    "[cluster]\nprotocol = %s\nnodes = 3\nseed = 1\nduration = 8s\n"
    "[network]\nlatency = exponential(mean=2ms)\nloss = 5%%\nduplicate = 2%%\nreorder = yes\n"
    "[workload]\nclients = 2\nkeys = 2\nthink = exponential(mean=20ms)\ntimeout = 500ms\nstop = 6s\n"
    "[timeline]\n1s partition {n1} {n2 n3}\n2s heal\n3s crash n2\n4s restart n2\n"
    "5s pause n3 for 300ms\n";

/* With trace_path, the run also writes a trace: a different path through the code (the
 * protocol's describe_msg runs), which must not change the digest. */
static uint64_t run_one(const fl_protocol *p, uint64_t seed, fl_run_stats *st,
                        const char *trace_path) {
  char *text = g_strdup_printf(scenario_text, p->name);
  GError *error = NULL;
  fl_scenario *s = fl_scenario_parse("conformance.fl", text, strlen(text), &error);
  if (!s) ck_abort_msg("%s", error->message);
  fl_world_opts o;
  fl_world_opts_init(&o);
  o.has_seed = true;
  o.seed = seed;
  o.trace_path = trace_path;
  fl_world *w = fl_world_new(s, &o, &error);
  if (!w) ck_abort_msg("%s: %s", p->name, error->message);
  fl_world_run(w);
  if (fl_world_stop_reason(w) != FL_STOP_END)
    ck_abort_msg("%s seed %" G_GUINT64_FORMAT ": %s", p->name, seed, fl_world_stop_message(w));
  const char *why = NULL;
  if (!fl_world_final_ok(w, &why)) ck_abort_msg("%s: %s", p->name, why);
  for (int i = 0; i < 3; i++) ck_assert(fl_world_node_is_up(w, i));
  ck_assert(fl_world_finish(w, NULL));
  fl_world_stats(w, st);
  uint64_t d = fl_world_digest(w);
  fl_world_free(w);
  fl_scenario_free(s);
  g_free(text);
  return d;
}

START_TEST(every_protocol_conforms) {
  fl_rng_global_init();
  ck_assert(fl_protocols_register_builtin(NULL));
  size_t n;
  const fl_protocol **all = fl_actor_list(&n);
  ck_assert_uint_ge(n, 1);
  for (size_t i = 0; i < n; i++) {
    ck_assert_ptr_nonnull(all[i]->summary);
    ck_assert_ptr_nonnull(all[i]->describe_msg);
    for (uint64_t seed = 1; seed <= 3; seed++) {
      fl_run_stats a, b;
      char *trace = g_strdup_printf("%s/fl-conformance-%d.trace", g_get_tmp_dir(), (int)getpid());
      uint64_t d1 = run_one(all[i], seed, &a, NULL), d2 = run_one(all[i], seed, &b, trace);
      g_unlink(trace);
      g_free(trace);
      ck_assert_uint_eq(d1, d2);
      ck_assert_uint_eq(a.events, b.events);
      ck_assert_uint_gt(a.all.ok, 50);
      ck_assert_uint_gt(a.net.delivered, 100);
      ck_assert_uint_eq(a.all.invoked, a.all.ok + a.all.fail + a.all.info);
    }
  }
  g_free(all);
}
END_TEST

START_TEST(registry_rejects_duplicates_and_bad_versions) {
  ck_assert(fl_protocols_register_builtin(NULL));
  const fl_protocol *rb = fl_actor_lookup("rbcast", NULL);
  ck_assert_ptr_nonnull(rb);
  GError *error = NULL;
  ck_assert(!fl_actor_register(rb, &error));
  ck_assert_str_eq(error->message, "a protocol named 'rbcast' is already registered");
  g_clear_error(&error);
  fl_protocol bad = *rb;
  bad.name = "other";
  bad.api_version = 99;
  ck_assert(!fl_actor_register(&bad, &error));
  ck_assert_str_eq(error->message,
                   "protocol 'other' was built for actor API version 99, expected 4");
  g_clear_error(&error);
  bad.api_version = FL_ACTOR_API_VERSION;
  bad.init = NULL;
  ck_assert(!fl_actor_register(&bad, &error));
  ck_assert_str_eq(error->message, "protocol 'other' lacks a required hook (init, on_message, "
                                   "free and describe are required)");
  g_clear_error(&error);
  ck_assert(!fl_actor_load_plugin("/nonexistent/plugin.so", &error));
  ck_assert(g_str_has_prefix(error->message, "/nonexistent/plugin.so: cannot load plugin: "));
  g_clear_error(&error);
}
END_TEST

int main(void) {
  Suite *s = suite_create("conformance");
  TCase *tc = tcase_create("conformance");
  tcase_set_timeout(tc, 240);
  tcase_add_test(tc, every_protocol_conforms);
  tcase_add_test(tc, registry_rejects_duplicates_and_bad_versions);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
