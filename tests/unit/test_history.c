/* Tests of the history writer: the exact JSON-lines and EDN text, counts, the format chosen
 * by extension, and no file left behind by a discarded history. */
#include "fl_test.h"
#include "builtin.h"
#include "history.h"
#include "scenario.h"
#include "world.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static fl_op op(fl_op_kind kind, uint64_t process, int64_t key, int64_t value, int64_t expected) {
  fl_op o;
  memset(&o, 0, sizeof o);
  o.client = (uint32_t)(process % 2);
  o.process = process;
  o.kind = kind;
  o.key = key;
  o.value = value;
  o.expected = expected;
  return o;
}

static void record(fl_history *h) {
  fl_op w = op(FL_OP_WRITE, 0, 3, 17, 0), r = op(FL_OP_READ, 1, 3, 0, 0),
        c = op(FL_OP_CAS, 0, 2, 5, 4);
  fl_history_invoke(h, 1500000, &w);
  fl_history_invoke(h, 1600000, &r);
  fl_history_complete(h, 2400000, &w, FL_HIST_OK, false, 0);
  fl_history_complete(h, 2500000, &r, FL_HIST_OK, true, 17);
  fl_history_invoke(h, 2600000, &r);
  fl_history_complete(h, 2700000, &r, FL_HIST_OK, false, 0);
  fl_history_invoke(h, 3000000, &c);
  fl_history_complete(h, 3100000, &c, FL_HIST_FAIL, false, 0);
  fl_history_invoke(h, 3200000, &c);
  fl_history_complete(h, 4200000, &c, FL_HIST_INFO, false, 0);
}

/* A path in $TMPDIR of this process's own (two suites running at once never share a file). */
static char *tmp_file(const char *name) {
  return g_strdup_printf("%s/%d-%s", g_get_tmp_dir(), (int)getpid(), name);
}

static char *written(const char *name, fl_hist_format format) {
  char *path = tmp_file(name);
  fl_history *h = fl_history_open(path, format, NULL);
  ck_assert_ptr_nonnull(h);
  record(h);
  ck_assert_uint_eq(fl_history_events(h), 10);
  ck_assert_uint_eq(fl_history_count(h, FL_HIST_INVOKE), 5);
  ck_assert_uint_eq(fl_history_count(h, FL_HIST_OK), 3);
  ck_assert_uint_eq(fl_history_count(h, FL_HIST_FAIL), 1);
  ck_assert_uint_eq(fl_history_count(h, FL_HIST_INFO), 1);
  ck_assert(!g_file_test(path, G_FILE_TEST_EXISTS)); /* only on close */
  ck_assert(fl_history_close(h, true, NULL));
  char *text = NULL;
  ck_assert(g_file_get_contents(path, &text, NULL, NULL));
  g_unlink(path);
  g_free(path);
  return text;
}

START_TEST(json_lines_exact_text) {
  char *text = written("fl-hist.jsonl", FL_HIST_JSONL);
  ck_assert_str_eq(text,
      "{\"index\":0,\"type\":\"invoke\",\"process\":0,\"client\":0,\"f\":\"write\",\"key\":3,\"value\":17,\"time\":1500000}\n"
      "{\"index\":1,\"type\":\"invoke\",\"process\":1,\"client\":1,\"f\":\"read\",\"key\":3,\"value\":null,\"time\":1600000}\n"
      "{\"index\":2,\"type\":\"ok\",\"process\":0,\"client\":0,\"f\":\"write\",\"key\":3,\"value\":17,\"time\":2400000}\n"
      "{\"index\":3,\"type\":\"ok\",\"process\":1,\"client\":1,\"f\":\"read\",\"key\":3,\"value\":17,\"time\":2500000}\n"
      "{\"index\":4,\"type\":\"invoke\",\"process\":1,\"client\":1,\"f\":\"read\",\"key\":3,\"value\":null,\"time\":2600000}\n"
      "{\"index\":5,\"type\":\"ok\",\"process\":1,\"client\":1,\"f\":\"read\",\"key\":3,\"value\":null,\"time\":2700000}\n"
      "{\"index\":6,\"type\":\"invoke\",\"process\":0,\"client\":0,\"f\":\"cas\",\"key\":2,\"value\":[4,5],\"time\":3000000}\n"
      "{\"index\":7,\"type\":\"fail\",\"process\":0,\"client\":0,\"f\":\"cas\",\"key\":2,\"value\":[4,5],\"time\":3100000}\n"
      "{\"index\":8,\"type\":\"invoke\",\"process\":0,\"client\":0,\"f\":\"cas\",\"key\":2,\"value\":[4,5],\"time\":3200000}\n"
      "{\"index\":9,\"type\":\"info\",\"process\":0,\"client\":0,\"f\":\"cas\",\"key\":2,\"value\":[4,5],\"time\":4200000}\n");
  g_free(text);
}
END_TEST

START_TEST(edn_exact_text) {
  char *text = written("fl-hist.edn", FL_HIST_EDN);
  ck_assert_str_eq(text,
      "{:index 0, :type :invoke, :process 0, :f :write, :value [3 17], :time 1500000}\n"
      "{:index 1, :type :invoke, :process 1, :f :read, :value [3 nil], :time 1600000}\n"
      "{:index 2, :type :ok, :process 0, :f :write, :value [3 17], :time 2400000}\n"
      "{:index 3, :type :ok, :process 1, :f :read, :value [3 17], :time 2500000}\n"
      "{:index 4, :type :invoke, :process 1, :f :read, :value [3 nil], :time 2600000}\n"
      "{:index 5, :type :ok, :process 1, :f :read, :value [3 nil], :time 2700000}\n"
      "{:index 6, :type :invoke, :process 0, :f :cas, :value [2 [4 5]], :time 3000000}\n"
      "{:index 7, :type :fail, :process 0, :f :cas, :value [2 [4 5]], :time 3100000}\n"
      "{:index 8, :type :invoke, :process 0, :f :cas, :value [2 [4 5]], :time 3200000}\n"
      "{:index 9, :type :info, :process 0, :f :cas, :value [2 [4 5]], :time 4200000}\n");
  g_free(text);
}
END_TEST

START_TEST(format_follows_the_extension) {
  ck_assert_int_eq(fl_history_format_for("run.edn"), FL_HIST_EDN);
  ck_assert_int_eq(fl_history_format_for("run.jsonl"), FL_HIST_JSONL);
  ck_assert_int_eq(fl_history_format_for("run.json"), FL_HIST_JSONL);
  ck_assert_int_eq(fl_history_format_for(NULL), FL_HIST_JSONL);
}
END_TEST

START_TEST(discarded_history_leaves_no_file) {
  char *path = tmp_file("fl-hist-discard.jsonl");
  fl_history *h = fl_history_open(path, FL_HIST_JSONL, NULL);
  record(h);
  ck_assert(fl_history_close(h, false, NULL));
  ck_assert(!g_file_test(path, G_FILE_TEST_EXISTS));
  GError *e = NULL;
  ck_assert_ptr_null(fl_history_open("/nonexistent-dir/h.jsonl", FL_HIST_JSONL, &e));
  ck_assert_str_eq(e->message, "cannot write history '/nonexistent-dir/h.jsonl': No such file or directory");
  g_error_free(e);
  fl_history *counting = fl_history_open(NULL, FL_HIST_JSONL, NULL);
  record(counting);
  ck_assert_uint_eq(fl_history_events(counting), 10);
  ck_assert(fl_history_close(counting, true, NULL));
  g_free(path);
}
END_TEST

/* The history recorded in memory for the checker is the one its file would load as. */
static bool same_value(const fl_lincheck_value *a, const fl_lincheck_value *b) {
  if (a->kind != b->kind || a->n != b->n || a->i != b->i) return false;
  if ((a->s == NULL) != (b->s == NULL) || (a->s && strcmp(a->s, b->s) != 0)) return false;
  for (uint32_t k = 0; a->kind == FL_LINCHECK_VAL_LIST && k < a->n; k++)
    if (!same_value(&a->items[k], &b->items[k])) return false;
  return true;
}

static void recorded_equals_loaded(const char *scenario, fl_lin_verdict verdict) {
  fl_rng_global_init();
  ck_assert(fl_protocols_register_builtin(NULL));
  char *src = fl_test_source_path(scenario);
  char *path = g_strdup_printf("%s/fl-recorded-%d.jsonl", g_get_tmp_dir(), (int)getpid());
  GError *e = NULL;
  fl_scenario *scn = fl_scenario_load(src, &e);
  ck_assert_msg(scn != NULL, "%s", e ? e->message : "");
  fl_world_opts o;
  fl_world_opts_init(&o);
  o.history_path = path;
  fl_world *w = fl_world_new(scn, &o, &e);
  ck_assert_msg(w != NULL, "%s", e ? e->message : "");
  fl_world_run(w);
  ck_assert(fl_world_finish(w, NULL));
  fl_lincheck_history *rec = fl_world_take_history(w, &e);
  ck_assert_msg(rec != NULL, "%s", e ? e->message : "");
  fl_lincheck_history *file = fl_lincheck_load(path, FL_LINCHECK_FORMAT_AUTO, &e);
  ck_assert_msg(file != NULL, "%s", e ? e->message : "");
  ck_assert_uint_gt(fl_lincheck_history_n_ops(rec), 100);
  ck_assert_uint_eq(fl_lincheck_history_n_ops(rec), fl_lincheck_history_n_ops(file));
  for (size_t i = 0; i < fl_lincheck_history_n_ops(rec); i++) {
    const fl_lincheck_op *a = fl_lincheck_history_op(rec, i), *b = fl_lincheck_history_op(file, i);
    ck_assert_msg(a->id == b->id && a->index == b->index && a->ret_index == b->ret_index &&
                      a->process == b->process && a->call_line == b->call_line &&
                      a->ret_line == b->ret_line && a->call_pos == b->call_pos &&
                      a->ret_pos == b->ret_pos && a->fn == b->fn && strcmp(a->f, b->f) == 0 &&
                      strcmp(a->key, b->key) == 0 && a->outcome == b->outcome &&
                      same_value(&a->in, &b->in) && same_value(&a->out, &b->out),
                  "%s: operation %zu differs", scenario, i);
  }
  fl_lincheck_opts lo;
  fl_lincheck_opts_init(&lo);
  lo.model = "kv";
  fl_lincheck_result *ra = fl_lincheck_check(rec, &lo, NULL), *rb = fl_lincheck_check(file, &lo, NULL);
  ck_assert_int_eq(ra->verdict, verdict);
  ck_assert_int_eq(rb->verdict, verdict);
  fl_lincheck_result_free(ra);
  fl_lincheck_result_free(rb);
  fl_lincheck_history_free(rec);
  fl_lincheck_history_free(file);
  fl_world_free(w);
  fl_scenario_free(scn);
  g_unlink(path);
  g_free(path);
  g_free(src);
}

START_TEST(recorded_history_is_the_loaded_one) {
  recorded_equals_loaded("scenarios/rbcast/partition.fl", FL_LIN_VIOLATION);
  recorded_equals_loaded("scenarios/raft/loss.fl", FL_LIN_OK);
}
END_TEST

int main(void) {
  Suite *s = suite_create("history");
  TCase *tc = tcase_create("history");
  tcase_add_test(tc, json_lines_exact_text);
  tcase_add_test(tc, edn_exact_text);
  tcase_add_test(tc, format_follows_the_extension);
  tcase_add_test(tc, discarded_history_leaves_no_file);
  tcase_add_test(tc, recorded_history_is_the_loaded_one);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
