/* test_lincheck: the linearizability checker on hand-written histories with known verdicts,
 * parse errors, budgets, evidence, parts, and a property test. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "fl_test.h"
#include "lincheck/lincheck.h"
#include "lincheck/model.h"

/* ---- Helpers ------------------------------------------------------------------------------ */

/* A compact notation for EDN histories: events separated by ';', each
 * "PROCESS TYPE F [@KEY] [VALUE...]", e.g. "0 invoke write 1; 0 ok write 1; 1 invoke cas [1 2]". */
static char *edn_of(const char *spec) {
  GString *out = g_string_new(NULL);
  char **events = g_strsplit(spec, ";", -1);
  for (char **ev = events; *ev; ev++) {
    char *e = g_strstrip(g_strdup(*ev));
    if (!*e) {
      g_free(e);
      continue;
    }
    char **tok = g_strsplit_set(e, " ", 4);
    ck_assert_msg(tok[0] && tok[1] && tok[2], "bad spec event '%s'", e);
    g_string_append_printf(out, "{:process %s, :type :%s, :f :%s", tok[0], tok[1], tok[2]);
    const char *rest = tok[3];
    char *joined = NULL;
    if (rest && rest[0] == '@') {
      const char *sp = strchr(rest, ' ');
      char *key = g_strndup(rest + 1, sp ? (gsize)(sp - rest - 1) : strlen(rest + 1));
      g_string_append_printf(out, ", :key \"%s\"", key);
      g_free(key);
      rest = sp ? sp + 1 : NULL;
    }
    if (rest && *rest) g_string_append_printf(out, ", :value %s", rest);
    g_string_append(out, "}\n");
    g_free(joined);
    g_strfreev(tok);
    g_free(e);
  }
  g_strfreev(events);
  return g_string_free(out, FALSE);
}

static fl_lincheck_history *load_text(const char *text, fl_lincheck_format fmt) {
  GError *error = NULL;
  fl_lincheck_history *h = fl_lincheck_load_data("t.hist", text, strlen(text), fmt, &error);
  ck_assert_msg(h != NULL, "load failed: %s", error ? error->message : "?");
  return h;
}

static fl_lincheck_result *check_history(const fl_lincheck_history *h, const char *model) {
  fl_lincheck_opts o;
  fl_lincheck_opts_init(&o);
  o.model = model;
  GError *error = NULL;
  fl_lincheck_result *r = fl_lincheck_check(h, &o, &error);
  ck_assert_msg(r != NULL, "check failed: %s", error ? error->message : "?");
  return r;
}

static char *load_error(const char *text, fl_lincheck_format fmt) {
  GError *error = NULL;
  fl_lincheck_history *h = fl_lincheck_load_data("bad.hist", text, strlen(text), fmt, &error);
  ck_assert_ptr_null(h);
  ck_assert_ptr_nonnull(error);
  char *msg = g_strdup(error->message);
  g_error_free(error);
  return msg;
}

/* ---- Hand-written histories --------------------------------------------------------------- */

typedef struct known {
  const char *name;
  const char *model;
  fl_lincheck_format format;
  const char *text; /* EDN compact spec (format EDN), or the file text */
  fl_lin_verdict want;
} known;

#define EDN FL_LINCHECK_FORMAT_EDN
#define JSONL FL_LINCHECK_FORMAT_JSONL
#define LOG FL_LINCHECK_FORMAT_JEPSEN_LOG

static const known cases[] = {
    /* register */
    {"register: a read sees the write before it", "register", EDN,
     "0 invoke write 1; 0 ok write 1; 1 invoke read nil; 1 ok read 1", FL_LIN_OK},
    {"register: a read of a value never written", "register", EDN,
     "0 invoke write 1; 0 ok write 1; 1 invoke read nil; 1 ok read 2", FL_LIN_VIOLATION},
    {"register: a read of nil before any write", "register", EDN,
     "1 invoke read nil; 1 ok read nil; 0 invoke write 1; 0 ok write 1", FL_LIN_OK},
    {"register: a read concurrent with a write sees either value", "register", EDN,
     "0 invoke write 1; 1 invoke read nil; 1 ok read 1; 0 ok write 1; 2 invoke read nil; 2 ok read 1",
     FL_LIN_OK},
    {"register: a stale read after a newer write completed", "register", EDN,
     "0 invoke write 1; 0 ok write 1; 0 invoke write 2; 0 ok write 2; 1 invoke read nil; 1 ok read 1",
     FL_LIN_VIOLATION},
    {"register: two readers see two concurrent writes in opposite orders", "register", EDN,
     "0 invoke write 1; 1 invoke write 2; 2 invoke read nil; 2 ok read 1; 2 invoke read nil; 2 ok read 2;"
     "3 invoke read nil; 3 ok read 2; 3 invoke read nil; 3 ok read 1; 0 ok write 1; 1 ok write 2",
     FL_LIN_VIOLATION},
    {"register: a read returning nil after a write completed", "register", EDN,
     "0 invoke write 3; 0 ok write 3; 1 invoke read nil; 1 ok read nil", FL_LIN_VIOLATION},
    /* cas-register */
    {"cas-register: a cas that matched", "cas-register", EDN,
     "0 invoke write 1; 0 ok write 1; 1 invoke cas [1 2]; 1 ok cas [1 2]; 2 invoke read nil; 2 ok read 2",
     FL_LIN_OK},
    {"cas-register: a cas that succeeded though the value differed", "cas-register", EDN,
     "0 invoke write 1; 0 ok write 1; 1 invoke cas [3 2]; 1 ok cas [3 2]", FL_LIN_VIOLATION},
    {"cas-register: a :fail cas did not happen (EDN)", "cas-register", EDN,
     "0 invoke write 1; 0 ok write 1; 1 invoke cas [1 2]; 1 fail cas [1 2]; 2 invoke read nil; 2 ok read 1",
     FL_LIN_OK},
    {"cas-register: a :fail write must not be seen (EDN)", "cas-register", EDN,
     "0 invoke write 5; 0 fail write 5; 1 invoke read nil; 1 ok read 5", FL_LIN_VIOLATION},
    {"cas-register: an :info write may take effect later", "cas-register", EDN,
     "0 invoke write 1; 0 info write 1; 1 invoke read nil; 1 ok read nil; 2 invoke read nil; 2 ok read 1",
     FL_LIN_OK},
    {"cas-register: an :info write may never take effect", "cas-register", EDN,
     "0 invoke write 1; 0 info write 1; 1 invoke read nil; 1 ok read nil", FL_LIN_OK},
    {"cas-register: an unknown write cannot act before its invocation", "cas-register", EDN,
     "1 invoke read nil; 1 ok read 1; 0 invoke write 1; 0 info write 1", FL_LIN_VIOLATION},
    {"cas-register: an invocation that never completes is open to the end", "cas-register", EDN,
     "0 invoke write 2; 1 invoke read nil; 1 ok read 2; 1 invoke read nil; 1 ok read 2", FL_LIN_OK},
    {"cas-register: an unknown cas takes effect only if it matches", "cas-register", EDN,
     "0 invoke write 1; 0 ok write 1; 1 invoke cas [2 3]; 1 info cas [2 3]; 2 invoke read nil; 2 ok read 3",
     FL_LIN_VIOLATION},
    {"cas-register: nemesis events are not operations", "cas-register", EDN,
     ":nemesis info start \"partition\"; 0 invoke write 1; 0 ok write 1; :nemesis info stop nil;"
     "1 invoke read nil; 1 ok read 1",
     FL_LIN_OK},
    /* Jepsen log (etcd): :fail :cas happened and found another value. */
    {"jepsen-log: a failed cas when the value differed", "cas-register", LOG,
     "INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\t1\n"
     "INFO  jepsen.util - 1\t:invoke\t:cas\t[2 3]\nINFO  jepsen.util - 1\t:fail\t:cas\t[2 3]\n",
     FL_LIN_OK},
    {"jepsen-log: a failed cas when the value matched", "cas-register", LOG,
     "INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\t1\n"
     "INFO  jepsen.util - 1   :invoke :cas    [1 3]\nINFO  jepsen.util - 1   :fail   :cas    [1 3]\n",
     FL_LIN_VIOLATION},
    {"jepsen-log: a timed-out read has an unknown outcome", "cas-register", LOG,
     "INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\t1\n"
     "INFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:fail\t:read\t:timed-out\n",
     FL_LIN_OK},
    /* kv, faultline's JSON lines */
    {"kv: independent keys", "kv", JSONL,
     "{\"type\":\"invoke\",\"process\":0,\"f\":\"write\",\"key\":1,\"value\":5}\n"
     "{\"type\":\"invoke\",\"process\":1,\"f\":\"write\",\"key\":2,\"value\":6}\n"
     "{\"type\":\"ok\",\"process\":0,\"f\":\"write\",\"key\":1,\"value\":5}\n"
     "{\"type\":\"ok\",\"process\":1,\"f\":\"write\",\"key\":2,\"value\":6}\n"
     "{\"type\":\"invoke\",\"process\":0,\"f\":\"read\",\"key\":2,\"value\":null}\n"
     "{\"type\":\"ok\",\"process\":0,\"f\":\"read\",\"key\":2,\"value\":6}\n"
     "{\"type\":\"invoke\",\"process\":1,\"f\":\"read\",\"key\":1,\"value\":null}\n"
     "{\"type\":\"ok\",\"process\":1,\"f\":\"read\",\"key\":1,\"value\":5}\n",
     FL_LIN_OK},
    {"kv: a read sees another key's value", "kv", JSONL,
     "{\"type\":\"invoke\",\"process\":0,\"f\":\"write\",\"key\":1,\"value\":5}\n"
     "{\"type\":\"ok\",\"process\":0,\"f\":\"write\",\"key\":1,\"value\":5}\n"
     "{\"type\":\"invoke\",\"process\":1,\"f\":\"read\",\"key\":2,\"value\":null}\n"
     "{\"type\":\"ok\",\"process\":1,\"f\":\"read\",\"key\":2,\"value\":5}\n",
     FL_LIN_VIOLATION},
    {"kv: a cas per key, and a fail that did not happen", "kv", JSONL,
     "{\"type\":\"invoke\",\"process\":0,\"f\":\"write\",\"key\":1,\"value\":5}\n"
     "{\"type\":\"ok\",\"process\":0,\"f\":\"write\",\"key\":1,\"value\":5}\n"
     "{\"type\":\"invoke\",\"process\":0,\"f\":\"cas\",\"key\":1,\"value\":[5,7]}\n"
     "{\"type\":\"ok\",\"process\":0,\"f\":\"cas\",\"key\":1,\"value\":[5,7]}\n"
     "{\"type\":\"invoke\",\"process\":0,\"f\":\"cas\",\"key\":1,\"value\":[5,9]}\n"
     "{\"type\":\"fail\",\"process\":0,\"f\":\"cas\",\"key\":1,\"value\":[5,9]}\n"
     "{\"type\":\"invoke\",\"process\":1,\"f\":\"read\",\"key\":1,\"value\":null}\n"
     "{\"type\":\"ok\",\"process\":1,\"f\":\"read\",\"key\":1,\"value\":7}\n",
     FL_LIN_OK},
    {"kv: an info write seen by one reader and not by a later one", "kv", JSONL,
     "{\"type\":\"invoke\",\"process\":0,\"f\":\"write\",\"key\":1,\"value\":5}\n"
     "{\"type\":\"info\",\"process\":0,\"f\":\"write\",\"key\":1,\"value\":5}\n"
     "{\"type\":\"invoke\",\"process\":1,\"f\":\"read\",\"key\":1,\"value\":null}\n"
     "{\"type\":\"ok\",\"process\":1,\"f\":\"read\",\"key\":1,\"value\":5}\n"
     "{\"type\":\"invoke\",\"process\":1,\"f\":\"read\",\"key\":1,\"value\":null}\n"
     "{\"type\":\"ok\",\"process\":1,\"f\":\"read\",\"key\":1,\"value\":null}\n",
     FL_LIN_VIOLATION},
    /* kv with strings, Porcupine's style */
    {"kv: appends concatenate and a missing key reads as \"\"", "kv", EDN,
     "0 invoke get @a nil; 0 ok get @a \"\"; 0 invoke append @a \"x\"; 0 ok append @a \"x\";"
     "1 invoke append @a \"y\"; 1 ok append @a \"y\"; 2 invoke get @a nil; 2 ok get @a \"xy\"",
     FL_LIN_OK},
    {"kv: appends seen in an impossible order", "kv", EDN,
     "0 invoke append @a \"x\"; 0 ok append @a \"x\"; 1 invoke append @a \"y\"; 1 ok append @a \"y\";"
     "2 invoke get @a nil; 2 ok get @a \"yx\"",
     FL_LIN_VIOLATION},
    {"kv: a put replaces, concurrent appends in either order", "kv", EDN,
     "0 invoke put @a \"p\"; 0 ok put @a \"p\"; 0 invoke append @a \"x\"; 1 invoke append @a \"y\";"
     "0 ok append @a \"x\"; 1 ok append @a \"y\"; 2 invoke get @a nil; 2 ok get @a \"pyx\"",
     FL_LIN_OK},
    /* counter */
    {"counter: concurrent adds, then their sum", "counter", EDN,
     "0 invoke add 1; 1 invoke add 2; 0 ok add 1; 1 ok add 2; 2 invoke read nil; 2 ok read 3", FL_LIN_OK},
    {"counter: a read going backwards", "counter", EDN,
     "0 invoke add 1; 0 ok add 1; 0 invoke add 1; 0 ok add 1; 1 invoke read nil; 1 ok read 2;"
     "1 invoke read nil; 1 ok read 1",
     FL_LIN_VIOLATION},
    {"counter: an unknown add counted or not", "counter", EDN,
     "0 invoke add 5; 0 info add 5; 1 invoke read nil; 1 ok read 0; 1 invoke read nil; 1 ok read 5",
     FL_LIN_OK},
    /* set */
    {"set: reads see what was added", "set", EDN,
     "0 invoke add 1; 0 ok add 1; 1 invoke add 2; 1 ok add 2; 2 invoke read nil; 2 ok read #{2 1}", FL_LIN_OK},
    {"set: a read missing a completed add", "set", EDN,
     "0 invoke add 1; 0 ok add 1; 1 invoke add 2; 1 ok add 2; 2 invoke read nil; 2 ok read #{1}",
     FL_LIN_VIOLATION},
    {"set: a read concurrent with an add may miss it", "set", EDN,
     "0 invoke add 1; 0 ok add 1; 1 invoke add 2; 2 invoke read nil; 2 ok read [1]; 1 ok add 2", FL_LIN_OK},
    /* queue */
    {"queue: first in, first out", "queue", EDN,
     "0 invoke enqueue 1; 0 ok enqueue 1; 0 invoke enqueue 2; 0 ok enqueue 2; 1 invoke dequeue nil;"
     "1 ok dequeue 1; 1 invoke dequeue nil; 1 ok dequeue 2; 1 invoke dequeue nil; 1 ok dequeue nil",
     FL_LIN_OK},
    {"queue: the second in comes out first", "queue", EDN,
     "0 invoke enqueue 1; 0 ok enqueue 1; 0 invoke enqueue 2; 0 ok enqueue 2; 1 invoke dequeue nil;"
     "1 ok dequeue 2",
     FL_LIN_VIOLATION},
    {"queue: concurrent enqueues come out in either order", "queue", EDN,
     "0 invoke enqueue 1; 1 invoke enqueue 2; 0 ok enqueue 1; 1 ok enqueue 2; 2 invoke dequeue nil;"
     "2 ok dequeue 2; 2 invoke dequeue nil; 2 ok dequeue 1",
     FL_LIN_OK},
    {"queue: empty while an element was in", "queue", EDN,
     "0 invoke enqueue 1; 0 ok enqueue 1; 1 invoke dequeue nil; 1 ok dequeue nil", FL_LIN_VIOLATION},
    /* mutex */
    {"mutex: acquire, release, acquire", "mutex", EDN,
     "0 invoke acquire nil; 0 ok acquire nil; 0 invoke release nil; 0 ok release nil; 1 invoke acquire nil;"
     "1 ok acquire nil",
     FL_LIN_OK},
    {"mutex: two holders at once", "mutex", EDN,
     "0 invoke acquire nil; 0 ok acquire nil; 1 invoke acquire nil; 1 ok acquire nil", FL_LIN_VIOLATION},
    {"mutex: a concurrent release lets the second acquire in", "mutex", EDN,
     "0 invoke acquire nil; 0 ok acquire nil; 1 invoke acquire nil; 0 invoke release nil; 0 ok release nil;"
     "1 ok acquire nil",
     FL_LIN_OK},
    {"mutex: releasing a free lock", "mutex", EDN, "0 invoke release nil; 0 ok release nil", FL_LIN_VIOLATION},
};

START_TEST(test_known_verdicts) {
  const known *c = &cases[_i];
  char *text = c->format == EDN ? edn_of(c->text) : g_strdup(c->text);
  fl_lincheck_history *h = load_text(text, c->format);
  fl_lincheck_result *r = check_history(h, c->model);
  ck_assert_msg(r->verdict == c->want, "%s: expected %s, got %s", c->name, fl_lin_verdict_name(c->want),
                fl_lin_verdict_name(r->verdict));
  if (r->verdict == FL_LIN_VIOLATION) {
    ck_assert_ptr_nonnull(r->evidence);
    ck_assert_uint_gt(r->evidence->unplaced->len, 0);
    ck_assert_uint_gt(r->evidence->window->len, 0);
  } else {
    ck_assert_ptr_null(r->evidence);
  }
  fl_lincheck_result_free(r);
  fl_lincheck_history_free(h);
  g_free(text);
}
END_TEST

/* ---- Loading ------------------------------------------------------------------------------ */

START_TEST(test_auto_detects_formats) {
  char *edn = edn_of("0 invoke write 1; 0 ok write 1");
  fl_lincheck_history *h = load_text(edn, FL_LINCHECK_FORMAT_AUTO);
  ck_assert_int_eq(fl_lincheck_history_format(h), FL_LINCHECK_FORMAT_EDN);
  ck_assert_str_eq(fl_lincheck_history_default_model(h), "cas-register");
  fl_lincheck_history_free(h);
  g_free(edn);
  h = load_text("; comment\n[{:process 0, :type :invoke, :f :write, :value [3 1]}]", FL_LINCHECK_FORMAT_AUTO);
  ck_assert_str_eq(fl_lincheck_history_default_model(h), "kv");
  ck_assert_str_eq(fl_lincheck_history_op(h, 0)->key, "3");
  ck_assert_int_eq(fl_lincheck_history_op(h, 0)->in.i, 1);
  ck_assert_int_eq(fl_lincheck_history_op(h, 0)->outcome, FL_LINCHECK_UNKNOWN);
  fl_lincheck_history_free(h);
  h = load_text("{\"type\":\"invoke\",\"process\":0,\"f\":\"read\",\"key\":4,\"value\":null,\"index\":7}\n",
                FL_LINCHECK_FORMAT_AUTO);
  ck_assert_int_eq(fl_lincheck_history_format(h), FL_LINCHECK_FORMAT_JSONL);
  ck_assert_str_eq(fl_lincheck_history_default_model(h), "kv");
  ck_assert_int_eq(fl_lincheck_history_op(h, 0)->index, 7);
  fl_lincheck_history_free(h);
  h = load_text("INFO  jepsen.util - 3\t:invoke\t:read\tnil\n", FL_LINCHECK_FORMAT_AUTO);
  ck_assert_int_eq(fl_lincheck_history_format(h), FL_LINCHECK_FORMAT_JEPSEN_LOG);
  ck_assert_int_eq(fl_lincheck_history_op(h, 0)->process, 3);
  fl_lincheck_history_free(h);
}
END_TEST

static const struct {
  const char *text;
  fl_lincheck_format format;
  const char *want;
} parse_errors[] = {
    {"[{:process 0, :type :invoke, :f :write, :value 1}\n {:process 0, :type :ok", EDN,
     "bad.hist:2:24: expected '}', found end of file"},
    {"{:process 0 :type :invoke :f :write :value 1}\n{:process 0, :type :done, :f :write}", EDN,
     "bad.hist:2:20: expected :invoke, :ok, :fail or :info, found done"},
    {"{:process 0, :type :invoke, :f :write, :value}", EDN,
     "bad.hist:1:1: expected a value for every key in the map, found an odd number of forms"},
    {"{:process 0, :type :ok, :f :read, :value 1}", EDN,
     "bad.hist:1: expected an invocation by process 0 before its completion, "
     "found a completion of read with none open"},
    {"{:process 0, :type :invoke, :f :read}\n{:process 0, :type :invoke, :f :read}", EDN,
     "bad.hist:2: expected a completion of process 0's operation invoked on line 1, "
     "found another invocation"},
    {"{\"type\":\"invoke\",\"process\":\"zero\",\"f\":\"read\"}\n", JSONL,
     "bad.hist:1: expected an integer \"process\", found a string"},
    {"INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:okay\t:read\t3\n", LOG,
     "bad.hist:2:23: expected :invoke, :ok, :fail or :info, found ':okay\t:read\t3'"},
    {"INFO  jepsen.util - 0\t:invoke\t:cas\t[1 2\n", LOG,
     "bad.hist:1:40: expected a value or ']', found end of line"},
};

START_TEST(test_parse_errors_name_file_line_and_column) {
  char *m = load_error(parse_errors[_i].text, parse_errors[_i].format);
  ck_assert_str_eq(m, parse_errors[_i].want);
  g_free(m);
}
END_TEST

START_TEST(test_json_syntax_errors_keep_the_column) {
  char *m = load_error("{\"type\":\"invoke\",\"process\":0,\"f\":\"read\"}\n"
                       "{\"type\":\"ok\",\"process\":0,\"f\":\"read\",\"value\":}\n", JSONL);
  ck_assert_msg(g_str_has_prefix(m, "bad.hist:2:45: expected a JSON object ("), "got: %s", m);
  ck_assert_msg(g_str_has_suffix(m, "), found '}'"), "got: %s", m);
  g_free(m);
}
END_TEST

START_TEST(test_missing_file_is_an_io_error) {
  GError *error = NULL;
  ck_assert_ptr_null(fl_lincheck_load("/nonexistent/h.edn", FL_LINCHECK_FORMAT_AUTO, &error));
  ck_assert_int_eq(error->code, FL_LINCHECK_ERROR_IO);
  ck_assert(g_str_has_prefix(error->message, "/nonexistent/h.edn: cannot read: "));
  g_error_free(error);
}
END_TEST

START_TEST(test_model_errors) {
  char *edn = edn_of("0 invoke cas [1 2]; 0 ok cas [1 2]");
  fl_lincheck_history *h = load_text(edn, EDN);
  fl_lincheck_opts o;
  fl_lincheck_opts_init(&o);
  o.model = "register";
  GError *error = NULL;
  ck_assert_ptr_null(fl_lincheck_check(h, &o, &error));
  ck_assert_str_eq(error->message, "t.hist:1: cas is not an operation of register: use cas-register");
  g_clear_error(&error);
  o.model = "stack";
  ck_assert_ptr_null(fl_lincheck_check(h, &o, &error));
  ck_assert_str_eq(error->message, "unknown model 'stack'; the models are: register, cas-register, kv, "
                                   "counter, set, queue, mutex");
  g_clear_error(&error);
  fl_lincheck_history_free(h);
  g_free(edn);
}
END_TEST

/* ---- A user model ------------------------------------------------------------------------- */

/* A register whose writes only ever increase it: a "max register". */
static char *max_supports(const fl_lincheck_op *op) {
  return op->fn == FL_LINCHECK_FN_READ || op->fn == FL_LINCHECK_FN_WRITE ? NULL : g_strdup("no");
}
static void *max_init(void) { return g_new0(int64_t, 1); }
static bool max_step(const void *state, const fl_lincheck_op *op, void **next) {
  int64_t v = *(const int64_t *)state;
  *next = NULL;
  if (op->fn == FL_LINCHECK_FN_READ) return op->outcome != FL_LINCHECK_OK || op->out.i == v;
  if (op->in.i > v) {
    int64_t *n = g_new(int64_t, 1);
    *n = op->in.i;
    *next = n;
  }
  return true;
}
static bool max_equal(const void *a, const void *b) { return *(const int64_t *)a == *(const int64_t *)b; }
static uint64_t max_hash(const void *a) { return (uint64_t)*(const int64_t *)a * 0x9e3779b97f4a7c15ULL; }
static char *max_describe(const void *a) { return g_strdup_printf("%" G_GINT64_FORMAT, *(const int64_t *)a); }

static const fl_model max_model = {
    .version = FL_MODEL_VERSION, .name = "max-register", .summary = "test", .keyed = false,
    .supports = max_supports, .init = max_init, .step = max_step, .equal = max_equal,
    .hash = max_hash, .describe = max_describe, .free = g_free};

START_TEST(test_user_model_registers_and_checks) {
  GError *error = NULL;
  ck_assert(fl_model_register(&max_model, &error));
  ck_assert(!fl_model_register(&max_model, &error));
  ck_assert_str_eq(error->message, "model max-register: a model of that name is already registered");
  g_clear_error(&error);
  char *edn = edn_of("0 invoke write 5; 0 ok write 5; 0 invoke write 3; 0 ok write 3; 1 invoke read nil; 1 ok read 5");
  fl_lincheck_history *h = load_text(edn, EDN);
  fl_lincheck_result *r = check_history(h, "max-register");
  ck_assert_int_eq(r->verdict, FL_LIN_OK);
  fl_lincheck_result_free(r);
  r = check_history(h, "cas-register");
  ck_assert_int_eq(r->verdict, FL_LIN_VIOLATION);
  fl_lincheck_result_free(r);
  fl_lincheck_history_free(h);
  g_free(edn);
}
END_TEST

/* ---- Budgets, parts, evidence ------------------------------------------------------------- */

/* Key 0: n overlapping writes and a read of a value nobody wrote: refuting it takes about
 * n * 2^n steps. Key 1 (listed later in the file, higher key): refuted in one step. */
static char *expensive_and_quick(int n) {
  GString *s = g_string_new(NULL);
  for (int p = 0; p < n; p++)
    g_string_append_printf(s, "{\"type\":\"invoke\",\"process\":%d,\"f\":\"write\",\"key\":0,\"value\":%d}\n", p, p);
  for (int p = 0; p < n; p++)
    g_string_append_printf(s, "{\"type\":\"ok\",\"process\":%d,\"f\":\"write\",\"key\":0,\"value\":%d}\n", p, p);
  g_string_append(s, "{\"type\":\"invoke\",\"process\":100,\"f\":\"read\",\"key\":0,\"value\":null}\n"
                     "{\"type\":\"ok\",\"process\":100,\"f\":\"read\",\"key\":0,\"value\":999}\n"
                     "{\"type\":\"invoke\",\"process\":101,\"f\":\"read\",\"key\":1,\"value\":null}\n"
                     "{\"type\":\"ok\",\"process\":101,\"f\":\"read\",\"key\":1,\"value\":7}\n");
  return g_string_free(s, FALSE);
}

START_TEST(test_a_quickly_refuted_part_decides_the_history) {
  char *text = expensive_and_quick(22);
  fl_lincheck_history *h = load_text(text, JSONL);
  fl_lincheck_result *r = check_history(h, NULL);
  ck_assert_int_eq(r->verdict, FL_LIN_VIOLATION);
  ck_assert_uint_eq(r->n_parts, 2);
  ck_assert_uint_le(r->steps, 4096 + 1);
  ck_assert_str_eq(r->evidence->key, "1");
  ck_assert_uint_eq(r->evidence->window->len, 1);
  fl_lincheck_result_free(r);
  fl_lincheck_history_free(h);
  g_free(text);
}
END_TEST

START_TEST(test_step_budget_gives_unknown) {
  char *text = expensive_and_quick(16);
  /* Only key 0: drop the last two lines (the quick key). */
  char *cut = strstr(text, "{\"type\":\"invoke\",\"process\":101");
  *cut = '\0';
  fl_lincheck_history *h = load_text(text, JSONL);
  fl_lincheck_opts o;
  fl_lincheck_opts_init(&o);
  o.max_steps = 1000;
  GError *error = NULL;
  fl_lincheck_result *r = fl_lincheck_check(h, &o, &error);
  ck_assert_int_eq(r->verdict, FL_LIN_UNKNOWN);
  ck_assert_str_eq(r->reason, "step budget of 1000 steps exhausted");
  ck_assert_uint_eq(r->steps, 1000);
  ck_assert_ptr_null(r->evidence);
  fl_lincheck_result_free(r);
  o.max_steps = 0;
  o.max_bytes = 64 * 1024;
  r = fl_lincheck_check(h, &o, &error);
  ck_assert_int_eq(r->verdict, FL_LIN_UNKNOWN);
  ck_assert_str_eq(r->reason, "memory budget of 0 MiB exhausted");
  fl_lincheck_result_free(r);
  o.max_bytes = 0;
  r = fl_lincheck_check(h, &o, &error);
  ck_assert_int_eq(r->verdict, FL_LIN_VIOLATION);
  fl_lincheck_result_free(r);
  fl_lincheck_history_free(h);
  g_free(text);
}
END_TEST

START_TEST(test_evidence_timeline_and_ids) {
  char *edn = edn_of("0 invoke write 1; 0 ok write 1; 1 invoke write 2; 2 invoke read nil; 2 ok read 2;"
                     "1 ok write 2; 2 invoke read nil; 2 ok read 1");
  fl_lincheck_history *h = load_text(edn, EDN);
  fl_lincheck_result *r = check_history(h, "register");
  ck_assert_int_eq(r->verdict, FL_LIN_VIOLATION);
  const fl_lincheck_evidence *e = r->evidence;
  ck_assert_ptr_null(e->key);
  ck_assert_uint_eq(e->prefix->len, 3);
  ck_assert_uint_eq(e->unplaced->len, 1);
  ck_assert_uint_eq(g_array_index(e->unplaced, uint32_t, 0), 3); /* the read of 1 */
  /* Two reads in a row with no write between them disagree, whatever the state before. */
  ck_assert_str_eq(e->timeline,
                   "window: 2 operations, real-time positions 3..7 (* = could not be placed)\n"
                   "p2    |read = 2-| |read = 1*-|\n"
                   "longest linearizable prefix: 3 operations: p0 write 1 [#0, line 1], "
                   "p1 write 2 [#2, line 3], p2 read = 2 [#3, line 4]\n"
                   "could not place: p2 read = 1 [#6, line 7]\n"
                   "why: p2's read returned 1 (line 8), but p1's write of 2 had completed (line 6), "
                   "before the read began, and no write of 1 could come between them\n");
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  fl_lincheck_result_to_json(r, h, b);
  json_builder_end_object(b);
  JsonNode *root = json_builder_get_root(b);
  JsonObject *ev = json_object_get_object_member(json_node_get_object(root), "evidence");
  JsonArray *window = json_object_get_array_member(ev, "window");
  ck_assert_uint_eq(json_array_get_length(window), 2);
  ck_assert_int_eq(json_array_get_int_element(window, 0), 3);
  ck_assert_int_eq(json_array_get_int_element(json_object_get_array_member(ev, "unplaced"), 0), 6);
  ck_assert_str_eq(json_object_get_string_member(json_node_get_object(root), "verdict"), "not-linearizable");
  json_node_unref(root);
  g_object_unref(b);
  fl_lincheck_result_free(r);
  fl_lincheck_history_free(h);
  g_free(edn);
}
END_TEST

/* A faultline run's history names its clients, times and nodes: the evidence speaks of c2, not
 * p6 (c2 after one timeout, with five clients), gives simulated times and the node that
 * answered, and says in one sentence what went wrong. Operations of unknown outcome that
 * explain no result (a read that never returned, a write whose value nobody read) are not in
 * "could not place". */
#define RUN_LINE(i, t, p, c, f, v, tail) \
  "{\"index\":" #i ",\"type\":\"" t "\",\"process\":" #p ",\"client\":" #c ",\"f\":\"" f \
  "\",\"key\":1,\"value\":" v tail "}\n"
START_TEST(test_evidence_in_the_runs_language) {
  const char *text =
      RUN_LINE(0, "invoke", 0, 0, "write", "3", ",\"time\":9000000000")
      RUN_LINE(1, "ok", 0, 0, "write", "3", ",\"node\":0,\"time\":9100000000")
      RUN_LINE(2, "invoke", 1, 1, "write", "7", ",\"time\":9150000000")
      RUN_LINE(3, "invoke", 0, 0, "write", "2", ",\"time\":9200000000")
      RUN_LINE(4, "invoke", 3, 3, "read", "null", ",\"time\":9250000000")
      RUN_LINE(5, "info", 1, 1, "write", "7", ",\"time\":9350000000")
      RUN_LINE(6, "ok", 0, 0, "write", "2", ",\"node\":0,\"time\":9410000000")
      RUN_LINE(7, "invoke", 6, 1, "read", "null", ",\"time\":9500000000")
      RUN_LINE(8, "ok", 6, 1, "read", "3", ",\"node\":2,\"time\":9580000000");
  fl_lincheck_history *h = load_text(text, JSONL);
  const fl_lincheck_op *read = fl_lincheck_history_op(h, 4);
  ck_assert(read->has_client && read->has_time);
  ck_assert_uint_eq(read->client, 1);
  ck_assert_int_eq(read->call_ns, 9500000000);
  ck_assert_int_eq(read->ret_ns, 9580000000);
  ck_assert_uint_eq(read->node, 3);
  const fl_lincheck_op *lost = fl_lincheck_history_op(h, 1); /* the write of 7, timed out */
  ck_assert_int_eq(lost->ret_ns, -1);
  ck_assert_uint_eq(lost->node, 0);
  fl_lincheck_result *r = check_history(h, "kv");
  ck_assert_int_eq(r->verdict, FL_LIN_VIOLATION);
  ck_assert_str_eq(r->evidence->timeline,
      "window: key 1, 3 operations, real-time positions 3..8, 9.2s..9.58s (* = could not be placed)\n"
      "c1    |write 2 @n1-|\n"
      "c2/p6                |read = 3 @n3*-|\n"
      "c4      |read (unknown)------------->\n"
      "(c2/p6 is client c2 after 1 timeout: a client that times out goes on as a new process)\n"
      "longest linearizable prefix: 3 operations: c1 write k1 3 [9s..9.1s, n1, #0, line 1], "
      "c2 write k1 7 (unknown) [9.15s, #2, line 3], c1 write k1 2 [9.2s..9.41s, n1, #3, line 4]\n"
      "could not place: c2/p6 read k1 = 3 [9.5s..9.58s, n3, #7, line 8]\n"
      "why: c2/p6's read of k1 returned 3 at 9.58s (answered by n3), but c1's write of 2 had "
      "completed at 9.41s, before the read began, and no write of 3 could come between them\n");
  /* The unknown read of c4 is in the window but bears on nothing: not in "could not place". */
  ck_assert_uint_eq(r->evidence->unplaced->len, 1);
  fl_lincheck_result_free(r);
  fl_lincheck_history_free(h);
}
END_TEST

START_TEST(test_results_are_deterministic) {
  char *path = fl_test_shared_path("histories/porcupine-etcd/etcd_000.log");
  if (!path) return;
  GError *error = NULL;
  fl_lincheck_history *h = fl_lincheck_load(path, FL_LINCHECK_FORMAT_AUTO, &error);
  ck_assert_ptr_nonnull(h);
  fl_lincheck_result *a = check_history(h, NULL), *b = check_history(h, NULL);
  ck_assert_int_eq(a->verdict, FL_LIN_VIOLATION);
  ck_assert_uint_eq(a->steps, b->steps);
  ck_assert_uint_eq(a->cache_entries, b->cache_entries);
  ck_assert_str_eq(a->evidence->timeline, b->evidence->timeline);
  fl_lincheck_result_free(a);
  fl_lincheck_result_free(b);
  fl_lincheck_history_free(h);
  g_free(path);
}
END_TEST

/* ---- Property: correct objects give linearizable histories --------------------------------- */

static uint64_t next_rand(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

typedef struct gen_op {
  int process, key, kind; /* kind 0 read, 1 write, 2 cas */
  int64_t value, expected, result;
  bool has_result, applied, timed_out;
  int64_t t_call, t_lin, t_ret;
} gen_op;

typedef struct gen_ev {
  int64_t t;
  int op;
  bool ret;
} gen_ev;

static int gen_ev_cmp(const void *a, const void *b) {
  const gen_ev *x = a, *y = b;
  if (x->t != y->t) return x->t < y->t ? -1 : 1;
  if (x->op != y->op) return x->op < y->op ? -1 : 1;
  return x->ret - y->ret;
}

/* Runs random concurrent operations against a correct sequential kv store: each operation
 * takes effect at a random instant between its invocation and its completion. Some time out
 * (info), with their effect applied or not. If `corrupt` >= 0, that read's result is replaced
 * by a value nobody wrote. Returns faultline JSON lines. */
static char *generate(uint64_t seed, int corrupt, int *n_reads) {
  enum { PROCS = 4, OPS = 40, KEYS = 2 };
  uint64_t rng = seed;
  gen_op ops[OPS];
  int64_t clock[PROCS] = {0};
  int proc_id[PROCS];
  for (int p = 0; p < PROCS; p++) proc_id[p] = p;
  for (int k = 0; k < OPS; k++) {
    gen_op *o = &ops[k];
    memset(o, 0, sizeof *o);
    int p = (int)(next_rand(&rng) % PROCS);
    o->process = proc_id[p];
    o->key = (int)(next_rand(&rng) % KEYS);
    o->kind = (int)(next_rand(&rng) % 3);
    o->value = (int64_t)(next_rand(&rng) % 4);
    o->expected = (int64_t)(next_rand(&rng) % 4);
    o->t_call = clock[p] + 1 + (int64_t)(next_rand(&rng) % 5);
    o->t_lin = o->t_call + (int64_t)(next_rand(&rng) % 6);
    o->t_ret = o->t_lin + (int64_t)(next_rand(&rng) % 6);
    o->timed_out = next_rand(&rng) % 10 == 0;
    clock[p] = o->t_ret;
    if (o->timed_out) proc_id[p] += PROCS; /* Jepsen: a new process after a timeout */
  }
  /* Apply in linearization order (ties by op number). */
  int order[OPS];
  for (int k = 0; k < OPS; k++) order[k] = k;
  for (int a = 1; a < OPS; a++)
    for (int b = a; b > 0 && (ops[order[b - 1]].t_lin > ops[order[b]].t_lin ||
                              (ops[order[b - 1]].t_lin == ops[order[b]].t_lin && order[b - 1] > order[b])); b--) {
      int t = order[b];
      order[b] = order[b - 1];
      order[b - 1] = t;
    }
  bool has[KEYS] = {false};
  int64_t val[KEYS] = {0};
  for (int a = 0; a < OPS; a++) {
    gen_op *o = &ops[order[a]];
    if (o->timed_out && next_rand(&rng) % 2) continue; /* never took effect */
    o->applied = true;
    if (o->kind == 0) {
      o->has_result = has[o->key];
      o->result = val[o->key];
    } else if (o->kind == 1) {
      has[o->key] = true;
      val[o->key] = o->value;
    } else if (has[o->key] && val[o->key] == o->expected) {
      val[o->key] = o->value;
      o->has_result = true;
    }
  }
  gen_ev evs[2 * OPS];
  int n = 0;
  for (int k = 0; k < OPS; k++) {
    evs[n++] = (gen_ev){ops[k].t_call, k, false};
    evs[n++] = (gen_ev){ops[k].t_ret, k, true};
  }
  qsort(evs, n, sizeof *evs, gen_ev_cmp);
  static const char *const kinds[] = {"read", "write", "cas"};
  GString *s = g_string_new(NULL);
  int reads = 0;
  for (int e = 0; e < n; e++) {
    const gen_op *o = &ops[evs[e].op];
    const char *type = "invoke";
    GString *v = g_string_new(NULL);
    if (o->kind == 0) g_string_append(v, "null");
    else if (o->kind == 1) g_string_append_printf(v, "%" G_GINT64_FORMAT, o->value);
    else g_string_append_printf(v, "[%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT "]", o->expected, o->value);
    if (evs[e].ret) {
      if (o->timed_out) type = "info";
      else if (o->kind == 2 && !o->has_result) type = "fail";
      else type = "ok";
      if (!o->timed_out && o->kind == 0) {
        g_string_truncate(v, 0);
        if (reads++ == corrupt) g_string_append(v, "1000");
        else if (o->has_result) g_string_append_printf(v, "%" G_GINT64_FORMAT, o->result);
        else g_string_append(v, "null");
      }
    }
    g_string_append_printf(s, "{\"index\":%d,\"type\":\"%s\",\"process\":%d,\"f\":\"%s\",\"key\":%d,\"value\":%s,\"time\":%" G_GINT64_FORMAT "}\n",
                           e, type, o->process, kinds[o->kind], o->key, v->str, evs[e].t);
    g_string_free(v, TRUE);
  }
  if (n_reads) *n_reads = reads;
  return g_string_free(s, FALSE);
}

START_TEST(test_property_correct_objects_are_linearizable) {
  for (uint64_t seed = 1; seed <= 200; seed++) {
    int reads = 0;
    char *text = generate(seed, -1, &reads);
    fl_lincheck_history *h = load_text(text, JSONL);
    for (int split = 0; split < 2; split++) {
      fl_lincheck_opts o;
      fl_lincheck_opts_init(&o);
      o.split = split;
      GError *error = NULL;
      fl_lincheck_result *r = fl_lincheck_check(h, &o, &error);
      ck_assert_msg(r->verdict == FL_LIN_OK, "seed %" G_GUINT64_FORMAT " split %d: %s\n%s", seed, split,
                    fl_lin_verdict_name(r->verdict), text);
      fl_lincheck_result_free(r);
    }
    fl_lincheck_history_free(h);
    g_free(text);
    if (reads == 0) continue;
    /* One corrupted read refutes it. */
    text = generate(seed, (int)(seed % (uint64_t)reads), NULL);
    h = load_text(text, JSONL);
    fl_lincheck_result *r = check_history(h, NULL);
    ck_assert_msg(r->verdict == FL_LIN_VIOLATION, "seed %" G_GUINT64_FORMAT " corrupted: %s", seed,
                  fl_lin_verdict_name(r->verdict));
    fl_lincheck_result_free(r);
    fl_lincheck_history_free(h);
    g_free(text);
  }
}
END_TEST

/* ---- The command line ----------------------------------------------------------------------- */

static bool have_faultline(void) {
  const char *path = fl_test_faultline();
  char *found = g_path_is_absolute(path) ? g_strdup(path) : g_find_program_in_path(path);
  bool ok = found && g_file_test(found, G_FILE_TEST_IS_EXECUTABLE);
  g_free(found);
  if (ok) return true;
  printf("SKIP: %s is not built yet\n", fl_test_faultline());
  return false;
}

static int run_cli(const char *args, char **out, char **err) {
  char *cmd = g_strdup_printf("%s lincheck %s", fl_test_faultline(), args);
  int status = fl_test_sh(cmd, out, err);
  g_free(cmd);
  return status;
}

static char *write_temp(const char *dir, const char *name, const char *text) {
  char *path = g_build_filename(dir, name, NULL);
  ck_assert(g_file_set_contents(path, text, -1, NULL));
  return path;
}

START_TEST(test_cli_exit_codes_and_errors) {
  if (!have_faultline()) return;
  char *dir = g_dir_make_tmp("lincheck-XXXXXX", NULL);
  char *good_edn = edn_of("0 invoke write 1; 0 ok write 1; 1 invoke read nil; 1 ok read 1");
  char *bad_edn = edn_of("0 invoke write 1; 0 ok write 1; 1 invoke read nil; 1 ok read 2");
  char *good = write_temp(dir, "good.edn", good_edn), *bad = write_temp(dir, "bad.edn", bad_edn);
  char *broken = write_temp(dir, "broken.edn", "[{:process 0, :type :invoke");
  char *hard_text = expensive_and_quick(16);
  *strstr(hard_text, "{\"type\":\"invoke\",\"process\":101") = '\0';
  char *hard = write_temp(dir, "hard.jsonl", hard_text);
  char *out = NULL, *err = NULL, *args = NULL;

  ck_assert_int_eq(run_cli(good, &out, &err), 0);
  ck_assert_msg(strstr(out, "good.edn: linearizable (ops 2, parts 1, steps 2, ") != NULL, "out: %s", out);
  g_free(out), g_free(err);

  args = g_strdup_printf("%s %s", good, bad);
  ck_assert_int_eq(run_cli(args, &out, &err), 1);
  ck_assert_msg(strstr(out, "bad.edn: not linearizable (ops 2,") != NULL, "out: %s", out);
  ck_assert_msg(strstr(out, "    could not place: p1 read = 2 [#2, line 3]") != NULL, "out: %s", out);
  g_free(out), g_free(err), g_free(args);

  args = g_strdup_printf("--max-steps 100 %s %s", good, hard);
  ck_assert_int_eq(run_cli(args, &out, &err), 3);
  ck_assert_msg(strstr(out, "hard.jsonl: unknown (step budget of 100 steps exhausted)") != NULL, "out: %s", out);
  g_free(out), g_free(err), g_free(args);

  args = g_strdup_printf("%s %s %s", good, bad, broken);
  ck_assert_int_eq(run_cli(args, &out, &err), 2);
  char *want = g_strdup_printf("%s:1:28: expected '}', found end of file\n", broken);
  ck_assert_str_eq(err, want);
  g_free(want), g_free(out), g_free(err), g_free(args);

  args = g_strdup_printf("--format yaml %s", good);
  ck_assert_int_eq(run_cli(args, &out, &err), 2);
  ck_assert_str_eq(err, "faultline lincheck: --format: expected auto, jsonl, edn or jepsen-log, found 'yaml'\n");
  g_free(out), g_free(err), g_free(args);

  ck_assert_int_eq(run_cli("", &out, &err), 2);
  ck_assert_str_eq(err, "faultline lincheck: expected at least one history FILE\n");
  g_free(out), g_free(err);

  args = g_strdup_printf("--json --model register %s", bad);
  ck_assert_int_eq(run_cli(args, &out, &err), 1);
  JsonParser *p = json_parser_new();
  ck_assert(json_parser_load_from_data(p, out, -1, NULL));
  JsonObject *root = json_node_get_object(json_parser_get_root(p));
  ck_assert_int_eq(json_object_get_int_member(root, "exit_status"), 1);
  JsonObject *file = json_array_get_object_element(json_object_get_array_member(root, "files"), 0);
  ck_assert_str_eq(json_object_get_string_member(file, "verdict"), "not-linearizable");
  ck_assert_str_eq(json_object_get_string_member(file, "model"), "register");
  g_object_unref(p);
  g_free(out), g_free(err), g_free(args);

  g_remove(good), g_remove(bad), g_remove(broken), g_remove(hard), g_rmdir(dir);
  g_free(good), g_free(bad), g_free(broken), g_free(hard), g_free(dir);
  g_free(good_edn), g_free(bad_edn), g_free(hard_text);
}
END_TEST

/* ---- Untrusted input (issue 9) -------------------------------------------------------------- */

static char *load_error_len(const char *text, size_t len, fl_lincheck_format fmt) {
  GError *error = NULL;
  fl_lincheck_history *h = fl_lincheck_load_data("bad.hist", text, len, fmt, &error);
  ck_assert_ptr_null(h);
  ck_assert_ptr_nonnull(error);
  char *msg = g_strdup(error->message);
  g_error_free(error);
  return msg;
}

#define JSONL_READ "{\"type\":\"invoke\",\"process\":0,\"f\":\"read\"}\n"

/* A line nested 100,000 deep overflowed json-glib's stack (SIGSEGV): the nesting is checked
 * first, with the line and the column of the first bracket past FL_LIMIT_JSON_DEPTH. */
START_TEST(test_json_lines_nested_too_deep_are_refused_before_parsing) {
  const char *member = "{\"type\":\"ok\",\"process\":0,\"f\":\"read\",\"x\":";
  GString *bomb = g_string_new(JSONL_READ);
  g_string_append(bomb, member);
  for (int i = 0; i < 100000; i++) g_string_append_c(bomb, '[');
  char *m = load_error(bomb->str, JSONL);
  char *want = g_strdup_printf("bad.hist:2:%zu: expected arrays and objects nested at most 64 deep, "
                               "found one nested deeper", strlen(member) + 64);
  ck_assert_str_eq(m, want);
  g_free(m);
  g_free(want);
  g_string_free(bomb, TRUE);
  /* At the limit (the object and 63 arrays), a member the parser ignores loads. */
  GString *at = g_string_new(JSONL_READ);
  g_string_append(at, member);
  for (int i = 0; i < 63; i++) g_string_append_c(at, '[');
  for (int i = 0; i < 63; i++) g_string_append_c(at, ']');
  g_string_append(at, "}\n");
  fl_lincheck_history *h = load_text(at->str, JSONL);
  ck_assert_uint_eq(fl_lincheck_history_n_ops(h), 1);
  fl_lincheck_history_free(h);
  g_string_free(at, TRUE);
}
END_TEST

/* EDN was bounded per collection, but "#_" discarded its form and then recursed at the same
 * depth: 200,000 "#_1 " overflowed the stack in the sanitizer build. */
START_TEST(test_edn_nesting_and_discards_are_bounded) {
  GString *discards = g_string_new(NULL);
  for (int i = 0; i < 200000; i++) g_string_append(discards, "#_1 ");
  g_string_append(discards, "{:process 0, :type :invoke, :f :read}");
  fl_lincheck_history *h = load_text(discards->str, EDN);
  ck_assert_uint_eq(fl_lincheck_history_n_ops(h), 1);
  fl_lincheck_history_free(h);
  g_string_free(discards, TRUE);
  /* 64 levels: the vector of events, the event map, 62 vectors in its value. */
  const char *prefix = "[{:process 0, :type :invoke, :f :add, :value ";
  for (int n = 62; n <= 63; n++) {
    GString *s = g_string_new(prefix);
    for (int i = 0; i < n; i++) g_string_append_c(s, '[');
    for (int i = 0; i < n; i++) g_string_append_c(s, ']');
    g_string_append(s, "}]");
    if (n == 62) {
      h = load_text(s->str, EDN);
      ck_assert_uint_eq(fl_lincheck_history_n_ops(h), 1);
      fl_lincheck_history_free(h);
    } else {
      char *m = load_error(s->str, EDN);
      char *want = g_strdup_printf("bad.hist:1:%zu: expected collections, tags and #_ nested at "
                                   "most 64 deep, found '[]]]]]]]]]]]]]]]]]]]]]]]...'",
                                   strlen(prefix) + 63);
      ck_assert_str_eq(m, want);
      g_free(m);
      g_free(want);
    }
    g_string_free(s, TRUE);
  }
  /* Discards inside discards are levels too. */
  GString *inner = g_string_new(NULL);
  for (int i = 0; i < 100000; i++) g_string_append(inner, "#_");
  char *m = load_error(inner->str, EDN);
  ck_assert_str_eq(m, "bad.hist:1:129: expected collections, tags and #_ nested at most 64 deep, "
                      "found '#_#_#_#_#_#_#_#_#_#_#_#_...'");
  g_free(m);
  g_string_free(inner, TRUE);
}
END_TEST

/* A line of NUL bytes was skipped as blank by the JSON lines reader (and misreported by the
 * others): every format refuses it where it is, in the scenario parser's words. */
START_TEST(test_nul_bytes_are_refused_in_every_format) {
  const char text[] = JSONL_READ "\0\0\0\n";
  const fl_lincheck_format formats[] = {FL_LINCHECK_FORMAT_AUTO, JSONL, EDN, LOG};
  for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
    char *m = load_error_len(text, sizeof text - 1, formats[i]);
    ck_assert_str_eq(m, "bad.hist:2:1: expected text, found a NUL byte");
    g_free(m);
  }
  char *m = load_error_len("{:process 0\0}", 13, EDN);
  ck_assert_str_eq(m, "bad.hist:1:12: expected text, found a NUL byte");
  g_free(m);
}
END_TEST

/* A run without clients writes an empty history: linearizable, trivially (make_parts handed
 * qsort a NULL array, which the sanitizer build reports). */
START_TEST(test_an_empty_history_is_linearizable) {
  const struct {
    const char *text;
    fl_lincheck_format format;
  } empty[] = {{"", FL_LINCHECK_FORMAT_AUTO}, {"", JSONL}, {"\n \n", JSONL}, {"", EDN},
               {"; nothing\n[]", EDN},        {"", LOG}};
  for (size_t i = 0; i < G_N_ELEMENTS(empty); i++) {
    fl_lincheck_history *h = load_text(empty[i].text, empty[i].format);
    ck_assert_uint_eq(fl_lincheck_history_n_ops(h), 0);
    for (int split = 0; split <= 1; split++) {
      fl_lincheck_opts o;
      fl_lincheck_opts_init(&o);
      o.split = split;
      GError *error = NULL;
      fl_lincheck_result *r = fl_lincheck_check(h, &o, &error);
      ck_assert_ptr_nonnull(r);
      ck_assert_int_eq(r->verdict, FL_LIN_OK);
      ck_assert_uint_eq(r->n_ops, 0);
      ck_assert_uint_eq(r->n_parts, 0);
      ck_assert_ptr_null(r->evidence);
      fl_lincheck_result_free(r);
    }
    fl_lincheck_history_free(h);
  }
  /* Cut short inside an event: bad input, not an empty history. */
  char *m = load_error("{\"type\":\"invoke\",", JSONL);
  ck_assert_msg(g_str_has_prefix(m, "bad.hist:1:"), "got: %s", m);
  g_free(m);
}
END_TEST

START_TEST(test_cli_untrusted_input) {
  if (!have_faultline()) return;
  char *dir = g_dir_make_tmp("lincheck-XXXXXX", NULL);
  char *empty = write_temp(dir, "empty.jsonl", "");
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(run_cli(empty, &out, &err), 0);
  char *want = g_strdup_printf("%s: linearizable (ops 0, parts 0, steps 0, ", empty);
  ck_assert_msg(g_str_has_prefix(out, want), "out: %s", out);
  ck_assert_str_eq(err, "");
  g_free(want), g_free(out), g_free(err);

  char *nul = g_build_filename(dir, "nul.jsonl", NULL);
  ck_assert(g_file_set_contents(nul, JSONL_READ "\0\0\0\n", sizeof(JSONL_READ) + 3, NULL));
  ck_assert_int_eq(run_cli(nul, &out, &err), 2);
  want = g_strdup_printf("%s:2:1: expected text, found a NUL byte\n", nul);
  ck_assert_str_eq(err, want);
  ck_assert_str_eq(out, "");
  g_free(want), g_free(out), g_free(err);

  GString *bomb = g_string_new(NULL);
  for (int i = 0; i < 100000; i++) g_string_append_c(bomb, '[');
  char *deep = write_temp(dir, "deep.jsonl", bomb->str);
  char *args = g_strdup_printf("--format jsonl %s", deep);
  ck_assert_int_eq(run_cli(args, &out, &err), 2);
  want = g_strdup_printf("%s:1:65: expected arrays and objects nested at most 64 deep, found one "
                         "nested deeper\n", deep);
  ck_assert_str_eq(err, want);
  g_free(want), g_free(out), g_free(err), g_free(args);

  ck_assert_int_eq(run_cli("--help", &out, &err), 0);
  ck_assert_msg(strstr(out, "An empty history (no events, as a run without clients writes) is "
                            "linearizable with 0\noperations.") != NULL, "out: %s", out);
  g_free(out), g_free(err);
  g_remove(empty), g_remove(nul), g_remove(deep), g_rmdir(dir);
  g_free(empty), g_free(nul), g_free(deep), g_free(dir);
  g_string_free(bomb, TRUE);
}
END_TEST

/* ---- Shared histories with others' verdicts ------------------------------------------------ */

static void check_file(const char *path, const char *model, bool split, fl_lin_verdict want) {
  GError *error = NULL;
  fl_lincheck_history *h = fl_lincheck_load(path, FL_LINCHECK_FORMAT_AUTO, &error);
  ck_assert_msg(h != NULL, "%s", error ? error->message : "?");
  fl_lincheck_opts o;
  fl_lincheck_opts_init(&o);
  o.model = model;
  o.split = split;
  fl_lincheck_result *r = fl_lincheck_check(h, &o, &error);
  ck_assert_msg(r && r->verdict == want, "%s: expected %s, got %s", path, fl_lin_verdict_name(want),
                r ? fl_lin_verdict_name(r->verdict) : error->message);
  fl_lincheck_result_free(r);
  fl_lincheck_history_free(h);
}

START_TEST(test_porcupine_etcd_verdicts) {
  char *dir = fl_test_shared_path("histories/porcupine-etcd");
  if (!dir) return;
  static const int ok[] = {2, 18, 38, 48, 56, 76, 80, 92, 98, 100, 102};
  int checked = 0;
  for (int k = 0; k <= 102; k += 2) {
    bool linearizable = false;
    for (size_t j = 0; j < G_N_ELEMENTS(ok); j++) linearizable |= ok[j] == k;
    char *path = g_strdup_printf("%s/etcd_%03d.log", dir, k);
    check_file(path, "cas-register", true, linearizable ? FL_LIN_OK : FL_LIN_VIOLATION);
    g_free(path);
    checked++;
  }
  ck_assert_int_eq(checked, 52);
  g_free(dir);
}
END_TEST

START_TEST(test_porcupine_kv_and_knossos_verdicts) {
  char *dir = fl_test_shared_path("histories");
  if (!dir) return;
  static const struct {
    const char *file;
    fl_lin_verdict want;
  } files[] = {
      {"porcupine-kv/c01-ok.txt", FL_LIN_OK},
      {"porcupine-kv/c01-bad.txt", FL_LIN_VIOLATION},
      {"porcupine-kv/c10-ok.txt", FL_LIN_OK},
      {"porcupine-kv/c10-bad.txt", FL_LIN_VIOLATION},
      {"knossos-cas-register/good-cas-register-bug.edn", FL_LIN_OK},
      {"knossos-cas-register/good-memstress3-0.edn", FL_LIN_OK},
      {"knossos-cas-register/good-memstress3-1.edn", FL_LIN_OK},
      {"knossos-cas-register/bad-cas-failure.edn", FL_LIN_VIOLATION},
  };
  for (size_t k = 0; k < G_N_ELEMENTS(files); k++) {
    char *path = g_build_filename(dir, files[k].file, NULL);
    check_file(path, NULL, true, files[k].want);
    g_free(path);
  }
  g_free(dir);
}
END_TEST

static Suite *lincheck_suite(void) {
  Suite *s = suite_create("lincheck");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, test_known_verdicts, 0, G_N_ELEMENTS(cases));
  tcase_add_test(tc, test_auto_detects_formats);
  tcase_add_loop_test(tc, test_parse_errors_name_file_line_and_column, 0, G_N_ELEMENTS(parse_errors));
  tcase_add_test(tc, test_json_syntax_errors_keep_the_column);
  tcase_add_test(tc, test_missing_file_is_an_io_error);
  tcase_add_test(tc, test_model_errors);
  tcase_add_test(tc, test_user_model_registers_and_checks);
  tcase_add_test(tc, test_a_quickly_refuted_part_decides_the_history);
  tcase_add_test(tc, test_step_budget_gives_unknown);
  tcase_add_test(tc, test_evidence_timeline_and_ids);
  tcase_add_test(tc, test_evidence_in_the_runs_language);
  tcase_add_test(tc, test_results_are_deterministic);
  tcase_add_test(tc, test_property_correct_objects_are_linearizable);
  tcase_add_test(tc, test_cli_exit_codes_and_errors);
  tcase_add_test(tc, test_json_lines_nested_too_deep_are_refused_before_parsing);
  tcase_add_test(tc, test_edn_nesting_and_discards_are_bounded);
  tcase_add_test(tc, test_nul_bytes_are_refused_in_every_format);
  tcase_add_test(tc, test_an_empty_history_is_linearizable);
  tcase_add_test(tc, test_cli_untrusted_input);
  tcase_add_test(tc, test_porcupine_etcd_verdicts);
  tcase_add_test(tc, test_porcupine_kv_and_knossos_verdicts);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return fl_test_run(lincheck_suite()); }
