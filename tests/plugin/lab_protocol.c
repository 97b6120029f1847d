/* A protocol built outside faultline, as a teaching lab would: a shared object that registers
 * its protocol table when `faultline run --plugin lab_protocol.so` loads it. This one answers
 * every client request from a local register and pings its successor on a timer.
 *
 * For the crash-report tests, option crash_at = N (default 0: never) makes node n1 crash at
 * its N-th timer, as crash_with says: SIGSEGV, abort(), or exit status 4 (what a run stopped
 * as a runaway exits with). The tests also build it a second time under another protocol name
 * (LAB_NAME) to load two plugins at once. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actor.h"

#ifndef LAB_NAME
#define LAB_NAME "lab-register"
#endif

typedef struct lab {
  int64_t value;
  bool has_value;
  int64_t pings;
  int64_t ticks, crash_at;
  const char *crash_with;
} lab;

/* A plugin declares its options, and their valid ranges, as a built-in protocol does: the
 * scenario parser enforces the range (ping_every = 0ms is rejected with its line). */
static const fl_option_spec lab_options[] = {
    {.name = "ping_every", .type = FL_OPT_DURATION, .default_value = "10ms",
     .help = "period of the ping to the next node", .min = "1ms", .max = "1s"},
    {.name = "crash_at", .type = FL_OPT_INT, .default_value = "0", .min = "0",
     .help = "crash at node n1's N-th timer; 0: never"},
    {.name = "crash_with", .type = FL_OPT_CHOICE, .default_value = "segv",
     .choices = "segv|abort|exit4", .help = "how crash_at crashes"},
    {.name = NULL}};

static int64_t ping_every(const fl_node_ctx *ctx) {
  return fl_options_duration_ns(fl_node_options(ctx), "ping_every");
}

static void *lab_init(fl_node_ctx *ctx) {
  fl_node_set_timer(ctx, ping_every(ctx), 1);
  lab *l = g_new0(lab, 1);
  l->crash_at = fl_node_id(ctx) == 0 ? fl_options_int(fl_node_options(ctx), "crash_at") : 0;
  l->crash_with = fl_options_choice(fl_node_options(ctx), "crash_with");
  return l;
}

static void lab_on_message(void *state, fl_node_ctx *ctx, int from, const void *msg, size_t len) {
  (void)ctx;
  (void)from;
  (void)msg;
  (void)len;
  ((lab *)state)->pings++;
}

static void lab_on_timer(void *state, fl_node_ctx *ctx, uint64_t tag) {
  lab *l = state;
  (void)tag;
  /* A deliberate crash, as a bug in a lab's protocol would be (raise rather than a null
   * store, which the sanitizer build would catch before the fault). */
  if (l->crash_at && ++l->ticks == l->crash_at) {
    if (strcmp(l->crash_with, "abort") == 0) abort();
    if (strcmp(l->crash_with, "exit4") == 0) _exit(4);
    raise(SIGSEGV);
  }
  int next = (fl_node_id(ctx) + 1) % fl_node_count(ctx);
  if (next != fl_node_id(ctx)) fl_node_send(ctx, next, "ping", 4);
  fl_node_set_timer(ctx, ping_every(ctx), 1);
}

static void lab_on_client_request(void *state, fl_node_ctx *ctx, const fl_op *op) {
  lab *l = state;
  fl_op_result r = {.status = FL_REPLY_OK, .redirect_to = -1};
  if (op->kind == FL_OP_READ) {
    r.has_value = l->has_value;
    r.value = l->value;
  } else if (op->kind == FL_OP_WRITE || (l->has_value && l->value == op->expected)) {
    l->value = op->value;
    l->has_value = true;
  } else {
    r.status = FL_REPLY_FAIL;
  }
  fl_node_reply(ctx, op, &r);
}

static void lab_free(void *state) { g_free(state); }

static void lab_describe(const void *state, GString *out) {
  g_string_append_printf(out, "lab pings=%" G_GINT64_FORMAT, ((const lab *)state)->pings);
}

static void lab_describe_msg(const void *msg, size_t len, GString *out) {
  g_string_append_len(out, msg, (gssize)len);
}

static const fl_protocol lab_protocol = {
    .api_version = FL_ACTOR_API_VERSION,
    .name = LAB_NAME,
    .summary = "a lab's single-node register, loaded as a plugin",
    .options = lab_options,
    .init = lab_init,
    .on_message = lab_on_message,
    .on_timer = lab_on_timer,
    .on_client_request = lab_on_client_request,
    .free = lab_free,
    .describe = lab_describe,
    .describe_msg = lab_describe_msg,
};

bool fl_plugin_register(GError **error);

bool fl_plugin_register(GError **error) { return fl_actor_register(&lab_protocol, error); }
