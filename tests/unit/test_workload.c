/* Tests of the workload layer: the [workload] kind and its options, the history each kind
 * writes (JSON lines and Jepsen EDN, exact text), the checks each kind's history gets (the
 * counter and mutex models, the transaction checks) on hand-made good and bad Jepsen
 * histories with exact verdicts, and each kind run end to end on the single-node server. */
#include "fl_test.h"
#include "actor.h"
#include "builtin.h"
#include "expect.h"
#include "history.h"
#include "lincheck/txn.h"
#include "scenario.h"
#include "workload.h"
#include "world.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static char *tmp_file(const char *name) {
  return g_strdup_printf("%s/%d-%s", g_get_tmp_dir(), (int)getpid(), name);
}

/* ---- Transaction checks ------------------------------------------------------------------- */

static fl_lincheck_result *txn_check(const char *text, int64_t max_steps, char **error_out) {
  GError *error = NULL;
  fl_lincheck_history *h =
      fl_lincheck_load_data("h.edn", text, strlen(text), FL_LINCHECK_FORMAT_AUTO, &error);
  ck_assert_msg(h != NULL, "%s", error ? error->message : "");
  fl_txn_check_opts o;
  fl_txn_check_opts_init(&o);
  if (max_steps) o.max_steps = max_steps;
  fl_lincheck_result *r = fl_txn_check(h, &o, &error);
  if (error_out) *error_out = error ? g_strdup(error->message) : NULL;
  g_clear_error(&error);
  fl_lincheck_history_free(h);
  return r;
}

static void assert_txn(const char *text, fl_lin_verdict want, const char *reason) {
  fl_lincheck_result *r = txn_check(text, 0, NULL);
  ck_assert_ptr_nonnull(r);
  ck_assert_str_eq(fl_txn_verdict_name(r->verdict), fl_txn_verdict_name(want));
  if (reason) ck_assert_str_eq(r->reason, reason);
  else ck_assert_ptr_null(r->reason);
  fl_lincheck_result_free(r);
}

START_TEST(txn_serial_history_is_serializable) {
  assert_txn("{:type :invoke, :process 0, :f :txn, :value [[:w 1 1] [:w 2 1]]}\n"
             "{:type :ok, :process 0, :f :txn, :value [[:w 1 1] [:w 2 1]]}\n"
             "{:type :invoke, :process 1, :f :txn, :value [[:r 1 nil] [:r 2 nil] [:w 1 2] [:r 1 nil]]}\n"
             "{:type :ok, :process 1, :f :txn, :value [[:r 1 1] [:r 2 1] [:w 1 2] [:r 1 2]]}\n"
             "{:type :invoke, :process 0, :f :txn, :value [[:r 1 nil]]}\n"
             "{:type :ok, :process 0, :f :txn, :value [[:r 1 2]]}\n",
             FL_LIN_OK, NULL);
}
END_TEST

/* Jepsen's whole-history form ([...] of maps), a failed transaction dropped, an unknown one
 * whose write was observed counted as committed. */
START_TEST(txn_unknown_transaction_seen_and_failed_one_ignored) {
  assert_txn("[{:type :invoke, :process 0, :f :txn, :value [[:w 1 5]]}\n"
             " {:type :info, :process 0, :f :txn, :value [[:w 1 5]]}\n"
             " {:type :invoke, :process 2, :f :txn, :value [[:w 1 6]]}\n"
             " {:type :fail, :process 2, :f :txn, :value [[:w 1 6]]}\n"
             " {:type :invoke, :process 1, :f :txn, :value [[:r 1 nil]]}\n"
             " {:type :ok, :process 1, :f :txn, :value [[:r 1 5]]}]\n",
             FL_LIN_OK, NULL);
}
END_TEST

/* T2 completes after T1 but must come before it: serializable, though not strictly. */
START_TEST(txn_serializable_against_real_time) {
  assert_txn("{:type :invoke, :process 0, :f :txn, :value [[:w 1 1]]}\n"
             "{:type :ok, :process 0, :f :txn, :value [[:w 1 1]]}\n"
             "{:type :invoke, :process 1, :f :txn, :value [[:r 1 nil] [:w 2 1]]}\n"
             "{:type :ok, :process 1, :f :txn, :value [[:r 1 nil] [:w 2 1]]}\n",
             FL_LIN_OK, NULL);
}
END_TEST

START_TEST(txn_fractured_read) {
  assert_txn("{:type :invoke, :process 0, :f :txn, :value [[:w 1 1] [:w 2 1]]}\n"
             "{:type :ok, :process 0, :f :txn, :value [[:w 1 1] [:w 2 1]]}\n"
             "{:type :invoke, :process 1, :f :txn, :value [[:r 1 nil] [:r 2 nil]]}\n"
             "{:type :ok, :process 1, :f :txn, :value [[:r 1 1] [:r 2 nil]]}\n",
             FL_LIN_VIOLATION,
             "fractured read: the transaction on line 3 read the write of 1 by the transaction "
             "on line 1, but 2 = nil, from before that transaction");
}
END_TEST

/* T3 saw T2, which had seen T1's write of 2; T3 then reads T1's older value of key 1 although
 * T2 overwrote it: a value from before T2. */
START_TEST(txn_fractured_read_of_an_older_transaction) {
  assert_txn("{:type :invoke, :process 0, :f :txn, :value [[:w 1 1] [:w 2 1]]}\n"
             "{:type :ok, :process 0, :f :txn, :value [[:w 1 1] [:w 2 1]]}\n"
             "{:type :invoke, :process 1, :f :txn, :value [[:r 2 nil] [:w 1 2] [:w 3 2]]}\n"
             "{:type :ok, :process 1, :f :txn, :value [[:r 2 1] [:w 1 2] [:w 3 2]]}\n"
             "{:type :invoke, :process 2, :f :txn, :value [[:r 3 nil] [:r 1 nil]]}\n"
             "{:type :ok, :process 2, :f :txn, :value [[:r 3 2] [:r 1 1]]}\n",
             FL_LIN_VIOLATION,
             "fractured read: the transaction on line 5 read the write of 3 by the transaction "
             "on line 3, but 1 = 1, from before that transaction");
}
END_TEST

/* Write skew: each reads both keys as nil and writes one. Atomic visibility holds; no serial
 * order explains both. In JSON lines, as faultline writes them. */
START_TEST(txn_write_skew_is_not_serializable) {
  assert_txn("{\"type\":\"invoke\",\"process\":0,\"f\":\"txn\",\"value\":[[\"r\",1,null],[\"r\",2,null],[\"w\",1,1]]}\n"
             "{\"type\":\"invoke\",\"process\":1,\"f\":\"txn\",\"value\":[[\"r\",1,null],[\"r\",2,null],[\"w\",2,2]]}\n"
             "{\"type\":\"ok\",\"process\":0,\"f\":\"txn\",\"value\":[[\"r\",1,null],[\"r\",2,null],[\"w\",1,1]]}\n"
             "{\"type\":\"ok\",\"process\":1,\"f\":\"txn\",\"value\":[[\"r\",1,null],[\"r\",2,null],[\"w\",2,2]]}\n",
             FL_LIN_VIOLATION,
             "no serial order of the 2 committed transactions gives every read its value");
}
END_TEST

START_TEST(txn_read_anomalies) {
  assert_txn("{:type :invoke, :process 0, :f :txn, :value [[:r 1 nil]]}\n"
             "{:type :ok, :process 0, :f :txn, :value [[:r 1 9]]}\n",
             FL_LIN_VIOLATION,
             "garbage read: the transaction on line 1 read 1 = 9, which no transaction wrote");
  assert_txn("{:type :invoke, :process 0, :f :txn, :value [[:w 1 1] [:w 1 2]]}\n"
             "{:type :ok, :process 0, :f :txn, :value [[:w 1 1] [:w 1 2]]}\n"
             "{:type :invoke, :process 1, :f :txn, :value [[:r 1 nil]]}\n"
             "{:type :ok, :process 1, :f :txn, :value [[:r 1 1]]}\n",
             FL_LIN_VIOLATION,
             "intermediate read: the transaction on line 3 read 1 = 1, which the transaction on "
             "line 1 overwrote");
  assert_txn("{:type :invoke, :process 0, :f :txn, :value [[:w 1 1] [:r 1 nil]]}\n"
             "{:type :ok, :process 0, :f :txn, :value [[:w 1 1] [:r 1 nil]]}\n",
             FL_LIN_VIOLATION,
             "internal read: the transaction on line 1 read 1 = nil after writing 1");
  assert_txn("{:type :invoke, :process 0, :f :txn, :value [[:r 1 nil] [:w 1 1]]}\n"
             "{:type :ok, :process 0, :f :txn, :value [[:r 1 1] [:w 1 1]]}\n",
             FL_LIN_VIOLATION,
             "future read: the transaction on line 1 read 1 = 1, which it writes later");
}
END_TEST

START_TEST(txn_search_budget_gives_unknown) {
  fl_lincheck_result *r =
      txn_check("{:type :invoke, :process 0, :f :txn, :value [[:w 1 1]]}\n"
                "{:type :ok, :process 0, :f :txn, :value [[:w 1 1]]}\n"
                "{:type :invoke, :process 1, :f :txn, :value [[:w 1 2]]}\n"
                "{:type :ok, :process 1, :f :txn, :value [[:w 1 2]]}\n",
                1, NULL);
  ck_assert_int_eq(r->verdict, FL_LIN_UNKNOWN);
  ck_assert_str_eq(r->reason, "the serializability search ran out of its 1 steps");
  fl_lincheck_result_free(r);
}
END_TEST

START_TEST(txn_refuses_what_it_cannot_check) {
  char *msg = NULL;
  ck_assert_ptr_null(txn_check("{:type :invoke, :process 0, :f :txn, :value [[:w 1 1]]}\n"
                               "{:type :ok, :process 0, :f :txn, :value [[:w 1 1]]}\n"
                               "{:type :invoke, :process 1, :f :txn, :value [[:w 1 1]]}\n",
                               0, &msg));
  ck_assert_str_eq(msg, "h.edn:3: expected each value written to a key once, found key 1 = 1 "
                        "written again (first on line 1)");
  g_free(msg);
  ck_assert_ptr_null(txn_check("{:type :invoke, :process 0, :f :write, :value [1 1]}\n", 0, &msg));
  ck_assert_str_eq(msg, "h.edn:1: expected a transaction (f txn, value [[r|w key value] ...]), "
                        "found f write");
  g_free(msg);
  ck_assert_ptr_null(txn_check("{:type :invoke, :process 0, :f :txn, :value [[:x 1 1]]}\n", 0, &msg));
  ck_assert_str_eq(msg, "h.edn:1: expected a transaction (f txn, value [[r|w key value] ...]), "
                        "found a micro-op that is not [r|w key value]");
  g_free(msg);
}
END_TEST

/* ---- Counter and mutex histories, keyed as faultline writes them ----------------------- */

static fl_lin_verdict lin(const char *text, const char *model) {
  GError *error = NULL;
  fl_lincheck_history *h =
      fl_lincheck_load_data("h.edn", text, strlen(text), FL_LINCHECK_FORMAT_AUTO, &error);
  ck_assert_msg(h != NULL, "%s", error ? error->message : "");
  fl_lincheck_opts o;
  fl_lincheck_opts_init(&o);
  o.model = model;
  fl_lincheck_result *r = fl_lincheck_check(h, &o, &error);
  ck_assert_msg(r != NULL, "%s", error ? error->message : "");
  fl_lin_verdict v = r->verdict;
  fl_lincheck_result_free(r);
  fl_lincheck_history_free(h);
  return v;
}

START_TEST(counter_histories) {
  const char *good =
      "{:type :invoke, :process 0, :f :add, :value [0 2]}\n"
      "{:type :invoke, :process 1, :f :read, :value [0 nil]}\n"
      "{:type :ok, :process 1, :f :read, :value [0 0]}\n"
      "{:type :ok, :process 0, :f :add, :value [0 2]}\n"
      "{:type :invoke, :process 1, :f :read, :value [1 nil]}\n"
      "{:type :ok, :process 1, :f :read, :value [1 0]}\n"
      "{:type :invoke, :process 1, :f :read, :value [0 nil]}\n"
      "{:type :ok, :process 1, :f :read, :value [0 2]}\n";
  ck_assert_int_eq(lin(good, "counter"), FL_LIN_OK);
  /* The read of counter 0 begins after the add of 3 was acknowledged and misses it. */
  const char *missed =
      "{:type :invoke, :process 0, :f :add, :value [0 3]}\n"
      "{:type :ok, :process 0, :f :add, :value [0 3]}\n"
      "{:type :invoke, :process 1, :f :add, :value [1 4]}\n"
      "{:type :ok, :process 1, :f :add, :value [1 4]}\n"
      "{:type :invoke, :process 1, :f :read, :value [0 nil]}\n"
      "{:type :ok, :process 1, :f :read, :value [0 0]}\n";
  ck_assert_int_eq(lin(missed, "counter"), FL_LIN_VIOLATION);
}
END_TEST

START_TEST(mutex_histories) {
  /* Two locks, each held by one client at a time, tokens rising. */
  const char *good =
      "{:type :invoke, :process 0, :f :acquire, :value [0 nil]}\n"
      "{:type :ok, :process 0, :f :acquire, :value [0 1]}\n"
      "{:type :invoke, :process 1, :f :acquire, :value [1 nil]}\n"
      "{:type :ok, :process 1, :f :acquire, :value [1 2]}\n"
      "{:type :invoke, :process 0, :f :release, :value [0 1]}\n"
      "{:type :ok, :process 0, :f :release, :value [0 1]}\n"
      "{:type :invoke, :process 2, :f :acquire, :value [0 nil]}\n"
      "{:type :ok, :process 2, :f :acquire, :value [0 3]}\n";
  ck_assert_int_eq(lin(good, "mutex"), FL_LIN_OK);
  /* Two clients hold lock 0 at once. */
  const char *two =
      "{:type :invoke, :process 0, :f :acquire, :value [0 nil]}\n"
      "{:type :ok, :process 0, :f :acquire, :value [0 1]}\n"
      "{:type :invoke, :process 1, :f :acquire, :value [0 nil]}\n"
      "{:type :ok, :process 1, :f :acquire, :value [0 2]}\n";
  ck_assert_int_eq(lin(two, "mutex"), FL_LIN_VIOLATION);
  /* A later holder of lock 0 gets an older token: fencing is broken. */
  const char *stale =
      "{:type :invoke, :process 0, :f :acquire, :value [0 nil]}\n"
      "{:type :ok, :process 0, :f :acquire, :value [0 5]}\n"
      "{:type :invoke, :process 0, :f :release, :value [0 5]}\n"
      "{:type :ok, :process 0, :f :release, :value [0 5]}\n"
      "{:type :invoke, :process 1, :f :acquire, :value [0 nil]}\n"
      "{:type :ok, :process 1, :f :acquire, :value [0 4]}\n";
  ck_assert_int_eq(lin(stale, "mutex"), FL_LIN_VIOLATION);
  /* Jepsen's own mutex histories carry no key and no token. */
  const char *jepsen =
      "{:type :invoke, :process 0, :f :acquire, :value nil}\n"
      "{:type :ok, :process 0, :f :acquire, :value nil}\n"
      "{:type :invoke, :process 0, :f :release, :value nil}\n"
      "{:type :ok, :process 0, :f :release, :value nil}\n";
  ck_assert_int_eq(lin(jepsen, "mutex"), FL_LIN_OK);
}
END_TEST

/* ---- [workload] parsing ----------------------------------------------------------------- */

static char *parse_error(const char *workload) {
  char *text = g_strdup_printf("[cluster]\nprotocol = single\nnodes = 1\nduration = 1s\n"
                               "[workload]\n%s", workload);
  GError *error = NULL;
  fl_scenario *s = fl_scenario_parse("w.fl", text, strlen(text), &error);
  g_free(text);
  char *msg = error ? g_strdup(error->message) : NULL;
  g_clear_error(&error);
  fl_scenario_free(s);
  return msg;
}

static void assert_parse_error(const char *workload, const char *want) {
  char *msg = parse_error(workload);
  ck_assert_ptr_nonnull(msg);
  ck_assert_str_eq(msg, want);
  g_free(msg);
}

START_TEST(workload_options_parse) {
  const char *text = "[cluster]\nprotocol = single\nnodes = 1\nduration = 1s\n"
                     "[workload]\nkind = txn\ntxn_ops = 3\nmix = read 20%, write 80%\n";
  GError *error = NULL;
  fl_scenario *s = fl_scenario_parse("w.fl", text, strlen(text), &error);
  ck_assert_msg(s != NULL, "%s", error ? error->message : "");
  ck_assert_str_eq(s->workload.kind->name, "txn");
  ck_assert_int_eq(s->workload.txn_ops, 3);
  ck_assert_double_eq(s->workload.mix[FL_OP_READ], 0.2);
  ck_assert_double_eq(s->workload.mix[FL_OP_WRITE], 0.8);
  fl_scenario_free(s);
  /* A kind's default mix. */
  text = "[cluster]\nprotocol = single\nnodes = 1\nduration = 1s\n[workload]\nkind = counter\n";
  s = fl_scenario_parse("w.fl", text, strlen(text), &error);
  ck_assert_ptr_nonnull(s);
  ck_assert_double_eq(s->workload.mix[FL_OP_ADD], 0.5);
  ck_assert_double_eq(s->workload.mix[FL_OP_READ], 0.5);
  ck_assert_double_eq(s->workload.mix[FL_OP_CAS], 0.0);
  fl_scenario_free(s);
}
END_TEST

START_TEST(workload_options_rejected) {
  assert_parse_error("kind = queue\n",
                     "w.fl:6:8: expected a workload kind (kv|txn|lock|counter), found 'queue'");
  assert_parse_error("kind = counter\nmix = add 50%, cas 50%\n",
                     "w.fl:7:16: expected add or read followed by a percentage, found 'cas'");
  assert_parse_error("kind = lock\nmix = read 50%\n",
                     "w.fl:7:1: expected no mix with kind = lock (acquire / release of named "
                     "locks; an acquire returns a fencing token), found a mix");
  assert_parse_error("txn_ops = 3\n", "w.fl:6:1: expected txn_ops only with kind = txn, found kind = kv");
  assert_parse_error("mix = read 50%, write 50%\nkind = txn\n",
                     "w.fl:7:1: expected kind before mix, found kind after the mix of line 6");
  assert_parse_error("kind = txn\nmix = read 0%, write 0%\n",
                     "w.fl:7:1: expected a mix with some operations, found only zeros");
  assert_parse_error("kind = txn\ntxn_ops = 9\n", "w.fl:7:11: expected an integer from 1 to 8, found 9");
}
END_TEST

/* ---- History text per kind --------------------------------------------------------------- */

static char *history_text(bool edn, void (*fill)(fl_history *h)) {
  char *path = tmp_file(edn ? "w.edn" : "w.jsonl");
  fl_history *h = fl_history_open(path, edn ? FL_HIST_EDN : FL_HIST_JSONL, NULL);
  ck_assert_ptr_nonnull(h);
  fill(h);
  ck_assert(fl_history_close(h, true, NULL));
  char *text = NULL;
  ck_assert(g_file_get_contents(path, &text, NULL, NULL));
  g_unlink(path);
  g_free(path);
  return text;
}

static fl_txn req_of(fl_op_kind kind, uint64_t process, int64_t key, int64_t value) {
  fl_txn t;
  memset(&t, 0, sizeof t);
  t.op.process = process;
  t.op.client = (uint32_t)process;
  t.op.kind = kind;
  t.op.key = key;
  t.op.value = value;
  return t;
}

static void fill_counter_lock(fl_history *h) {
  const fl_workload_kind *c = fl_workload_kind_find("counter"), *l = fl_workload_kind_find("lock");
  fl_txn add = req_of(FL_OP_ADD, 0, 1, 3), rd = req_of(FL_OP_READ, 1, 1, 0);
  fl_op_result ok = {.status = FL_REPLY_OK, .redirect_to = -1};
  fl_history_add(h, c, 10, &add, FL_HIST_INVOKE, NULL);
  fl_history_add(h, c, 20, &add, FL_HIST_OK, &ok);
  fl_history_add(h, c, 30, &rd, FL_HIST_INVOKE, NULL);
  fl_op_result three = {.status = FL_REPLY_OK, .has_value = true, .value = 3, .redirect_to = -1};
  fl_history_add(h, c, 40, &rd, FL_HIST_OK, &three);
  fl_txn acq = req_of(FL_OP_ACQUIRE, 2, 0, 0), rel = req_of(FL_OP_RELEASE, 2, 0, 7);
  fl_op_result token = {.status = FL_REPLY_OK, .has_value = true, .value = 7, .redirect_to = -1};
  fl_history_add(h, l, 50, &acq, FL_HIST_INVOKE, NULL);
  fl_history_add(h, l, 60, &acq, FL_HIST_OK, &token);
  fl_history_add(h, l, 70, &rel, FL_HIST_INVOKE, NULL);
  fl_history_add(h, l, 80, &rel, FL_HIST_INFO, NULL);
}

static void fill_txn(fl_history *h) {
  const fl_workload_kind *k = fl_workload_kind_find("txn");
  fl_txn t = req_of(FL_OP_TXN, 0, 0, 0);
  t.n = 2;
  t.mops[0] = (fl_micro_op){.f = FL_MOP_READ, .key = 1};
  t.mops[1] = (fl_micro_op){.f = FL_MOP_WRITE, .key = 2, .value = 9};
  fl_history_add(h, k, 10, &t, FL_HIST_INVOKE, NULL);
  fl_txn done = t;
  done.mops[0].has_value = 1;
  done.mops[0].value = 4;
  fl_op_result ok = {.status = FL_REPLY_OK, .redirect_to = -1};
  fl_history_add(h, k, 20, &done, FL_HIST_OK, &ok);
}

START_TEST(history_text_per_kind) {
  char *j = history_text(false, fill_counter_lock);
  ck_assert_str_eq(j,
      "{\"index\":0,\"type\":\"invoke\",\"process\":0,\"client\":0,\"f\":\"add\",\"key\":1,\"value\":3,\"time\":10}\n"
      "{\"index\":1,\"type\":\"ok\",\"process\":0,\"client\":0,\"f\":\"add\",\"key\":1,\"value\":3,\"time\":20}\n"
      "{\"index\":2,\"type\":\"invoke\",\"process\":1,\"client\":1,\"f\":\"read\",\"key\":1,\"value\":null,\"time\":30}\n"
      "{\"index\":3,\"type\":\"ok\",\"process\":1,\"client\":1,\"f\":\"read\",\"key\":1,\"value\":3,\"time\":40}\n"
      "{\"index\":4,\"type\":\"invoke\",\"process\":2,\"client\":2,\"f\":\"acquire\",\"key\":0,\"value\":null,\"time\":50}\n"
      "{\"index\":5,\"type\":\"ok\",\"process\":2,\"client\":2,\"f\":\"acquire\",\"key\":0,\"value\":7,\"time\":60}\n"
      "{\"index\":6,\"type\":\"invoke\",\"process\":2,\"client\":2,\"f\":\"release\",\"key\":0,\"value\":7,\"time\":70}\n"
      "{\"index\":7,\"type\":\"info\",\"process\":2,\"client\":2,\"f\":\"release\",\"key\":0,\"value\":7,\"time\":80}\n");
  g_free(j);
  char *e = history_text(true, fill_counter_lock);
  ck_assert_str_eq(e,
      "{:index 0, :type :invoke, :process 0, :f :add, :value [1 3], :time 10}\n"
      "{:index 1, :type :ok, :process 0, :f :add, :value [1 3], :time 20}\n"
      "{:index 2, :type :invoke, :process 1, :f :read, :value [1 nil], :time 30}\n"
      "{:index 3, :type :ok, :process 1, :f :read, :value [1 3], :time 40}\n"
      "{:index 4, :type :invoke, :process 2, :f :acquire, :value [0 nil], :time 50}\n"
      "{:index 5, :type :ok, :process 2, :f :acquire, :value [0 7], :time 60}\n"
      "{:index 6, :type :invoke, :process 2, :f :release, :value [0 7], :time 70}\n"
      "{:index 7, :type :info, :process 2, :f :release, :value [0 7], :time 80}\n");
  g_free(e);
  j = history_text(false, fill_txn);
  ck_assert_str_eq(j,
      "{\"index\":0,\"type\":\"invoke\",\"process\":0,\"client\":0,\"f\":\"txn\",\"value\":[[\"r\",1,null],[\"w\",2,9]],\"time\":10}\n"
      "{\"index\":1,\"type\":\"ok\",\"process\":0,\"client\":0,\"f\":\"txn\",\"value\":[[\"r\",1,4],[\"w\",2,9]],\"time\":20}\n");
  g_free(j);
  e = history_text(true, fill_txn);
  ck_assert_str_eq(e,
      "{:index 0, :type :invoke, :process 0, :f :txn, :value [[:r 1 nil] [:w 2 9]], :time 10}\n"
      "{:index 1, :type :ok, :process 0, :f :txn, :value [[:r 1 4] [:w 2 9]], :time 20}\n");
  g_free(e);
}
END_TEST

/* The history recorded in memory is the one the file gives back: same operations, values. */
START_TEST(recorded_history_matches_the_file) {
  void (*fills[])(fl_history *) = {fill_counter_lock, fill_txn};
  for (size_t f = 0; f < G_N_ELEMENTS(fills); f++) {
    char *path = tmp_file("rec.jsonl");
    fl_history *h = fl_history_open(path, FL_HIST_JSONL, NULL);
    fl_history_record(h, path);
    fills[f](h);
    fl_lincheck_history *mem = fl_history_take_recorded(h, NULL);
    ck_assert_ptr_nonnull(mem);
    ck_assert(fl_history_close(h, true, NULL));
    fl_lincheck_history *file = fl_lincheck_load(path, FL_LINCHECK_FORMAT_JSONL, NULL);
    ck_assert_ptr_nonnull(file);
    g_unlink(path);
    g_free(path);
    ck_assert_uint_eq(fl_lincheck_history_n_ops(mem), fl_lincheck_history_n_ops(file));
    for (size_t i = 0; i < fl_lincheck_history_n_ops(mem); i++) {
      char *a = fl_lincheck_op_describe(fl_lincheck_history_op(mem, i));
      char *b = fl_lincheck_op_describe(fl_lincheck_history_op(file, i));
      ck_assert_str_eq(a, b);
      g_free(a);
      g_free(b);
    }
    fl_lincheck_history_free(mem);
    fl_lincheck_history_free(file);
  }
}
END_TEST

/* ---- End to end ------------------------------------------------------------------------- */

/* Each kind on the single server: its check passes, and the same seed gives the same digest. */
START_TEST(each_kind_runs_and_checks) {
  fl_rng_global_init();
  ck_assert(fl_protocols_register_builtin(NULL));
  const char *kinds[] = {"kv", "txn", "lock", "counter"};
  for (size_t k = 0; k < G_N_ELEMENTS(kinds); k++) {
    char *text = g_strdup_printf(
        "[cluster]\nprotocol = single\nnodes = 2\nseed = 3\nduration = 2s\n"
        "[workload]\nkind = %s\nclients = 3\nkeys = 2\nthink = exponential(mean=5ms)\n"
        "[expect]\nlinearizable = yes\n", kinds[k]);
    uint64_t digest[2];
    for (int run = 0; run < 2; run++) {
      GError *error = NULL;
      fl_scenario *s = fl_scenario_parse("k.fl", text, strlen(text), &error);
      ck_assert_msg(s != NULL, "%s", error ? error->message : "");
      fl_world_opts o;
      fl_world_opts_init(&o);
      fl_world *w = fl_world_new(s, &o, &error);
      ck_assert_msg(w != NULL, "%s", error ? error->message : "");
      fl_world_run(w);
      ck_assert(fl_world_finish(w, NULL));
      fl_verdict *v = fl_verdict_evaluate(w, s);
      ck_assert_msg(v->passed, "%s: %s", kinds[k],
                    g_array_index(v->results, fl_expect_result, 0).detail);
      ck_assert_uint_gt(v->lin->n_ops, 100);
      digest[run] = fl_world_digest(w);
      fl_verdict_free(v);
      fl_world_free(w);
      fl_scenario_free(s);
    }
    ck_assert_uint_eq(digest[0], digest[1]);
    g_free(text);
  }
}
END_TEST

/* A protocol that answers a transaction ok with fl_node_reply (so without its micro-ops). */
static void *lazy_init(fl_node_ctx *ctx) {
  (void)ctx;
  return g_new0(int, 1);
}
static void lazy_on_message(void *st, fl_node_ctx *ctx, int from, const void *m, size_t len) {
  (void)st, (void)ctx, (void)from, (void)m, (void)len;
}
static void lazy_request(void *st, fl_node_ctx *ctx, const fl_op *op) {
  (void)st;
  fl_op_result r = {.status = FL_REPLY_OK, .redirect_to = -1};
  fl_node_reply(ctx, op, &r);
}
static void lazy_describe(const void *st, GString *out) {
  (void)st;
  g_string_append(out, "lazy");
}
static const fl_protocol lazy = {.api_version = FL_ACTOR_API_VERSION, .name = "lazy-txn",
                                 .summary = "answers transactions badly", .init = lazy_init,
                                 .on_message = lazy_on_message, .on_client_request = lazy_request,
                                 .free = g_free, .describe = lazy_describe};

START_TEST(txn_answered_without_micro_ops_is_a_protocol_error) {
  fl_rng_global_init();
  ck_assert(fl_protocols_register_builtin(NULL));
  if (!fl_actor_lookup("lazy-txn", NULL)) ck_assert(fl_actor_register(&lazy, NULL));
  const char *text = "[cluster]\nprotocol = lazy-txn\nnodes = 1\nseed = 1\nduration = 1s\n"
                     "[workload]\nkind = txn\n";
  GError *error = NULL;
  fl_scenario *s = fl_scenario_parse("l.fl", text, strlen(text), &error);
  ck_assert_ptr_nonnull(s);
  fl_world_opts o;
  fl_world_opts_init(&o);
  fl_world *w = fl_world_new(s, &o, &error);
  ck_assert_ptr_nonnull(w);
  fl_world_run(w);
  ck_assert_int_eq(fl_world_stop_reason(w), FL_STOP_PROTOCOL_ERROR);
  ck_assert_ptr_nonnull(strstr(fl_world_stop_message(w),
                               "node n1 answered c1's transaction 1 ok without its micro-operations "
                               "as sent (answer with fl_node_reply_txn)"));
  fl_world_free(w);
  fl_scenario_free(s);
}
END_TEST

/* rbcast and Raft are key-value stores: they refuse the other kinds' operations (a definite
 * fail) rather than apply an add or an acquire as a write. */
START_TEST(kv_stores_refuse_other_kinds) {
  fl_rng_global_init();
  ck_assert(fl_protocols_register_builtin(NULL));
  const char *texts[] = {"[cluster]\nprotocol = rbcast\nnodes = 2\nseed = 1\nduration = 1s\n"
                         "[workload]\nkind = counter\nclients = 2\n",
                         "[cluster]\nprotocol = raft\nnodes = 3\nseed = 1\nduration = 2s\n"
                         "[workload]\nkind = counter\nclients = 2\n"};
  for (size_t i = 0; i < G_N_ELEMENTS(texts); i++) {
    GError *error = NULL;
    fl_scenario *s = fl_scenario_parse("r.fl", texts[i], strlen(texts[i]), &error);
    ck_assert_ptr_nonnull(s);
    fl_world_opts o;
    fl_world_opts_init(&o);
    fl_world *w = fl_world_new(s, &o, &error);
    ck_assert_ptr_nonnull(w);
    fl_world_run(w);
    ck_assert(fl_world_finish(w, NULL));
    fl_run_stats st;
    fl_world_stats(w, &st);
    ck_assert_uint_gt(st.all.fail, 0); /* every add */
    ck_assert_uint_gt(st.all.ok, 0);   /* reads are served */
    fl_world_free(w);
    fl_scenario_free(s);
  }
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("workload");
  TCase *t = tcase_create("txn");
  tcase_add_test(t, txn_serial_history_is_serializable);
  tcase_add_test(t, txn_unknown_transaction_seen_and_failed_one_ignored);
  tcase_add_test(t, txn_serializable_against_real_time);
  tcase_add_test(t, txn_fractured_read);
  tcase_add_test(t, txn_fractured_read_of_an_older_transaction);
  tcase_add_test(t, txn_write_skew_is_not_serializable);
  tcase_add_test(t, txn_read_anomalies);
  tcase_add_test(t, txn_search_budget_gives_unknown);
  tcase_add_test(t, txn_refuses_what_it_cannot_check);
  suite_add_tcase(s, t);
  t = tcase_create("models");
  tcase_add_test(t, counter_histories);
  tcase_add_test(t, mutex_histories);
  suite_add_tcase(s, t);
  t = tcase_create("layer");
  tcase_add_test(t, workload_options_parse);
  tcase_add_test(t, workload_options_rejected);
  tcase_add_test(t, history_text_per_kind);
  tcase_add_test(t, recorded_history_matches_the_file);
  tcase_add_test(t, each_kind_runs_and_checks);
  tcase_add_test(t, txn_answered_without_micro_ops_is_a_protocol_error);
  tcase_add_test(t, kv_stores_refuse_other_kinds);
  suite_add_tcase(s, t);
  return s;
}

int main(void) { return fl_test_run(suite()); }
