/* transport: sending and halting, for every layer of the kernel (see transport.h). */
#include "transport.h"
#include "units.h"
#include "wire.h"

#include <string.h>

void fl__transport_init(fl_transport *t) {
  memset(t, 0, sizeof *t);
  t->scratch = g_string_new(NULL);
}

void fl__transport_clear(fl_transport *t) {
  if (t->scratch) g_string_free(t->scratch, TRUE);
  g_free(t->stop_message);
  g_free(t->major);
  memset(t, 0, sizeof *t);
}

/* A reply's status as the trace names it; a protocol's reply carries any value in range of its
 * enum, so anything else is named, not looked up. */
static const char *status_word(fl_reply_status st) {
  switch (st) {
  case FL_REPLY_OK: return "ok";
  case FL_REPLY_FAIL: return "fail";
  case FL_REPLY_REDIRECT: return "redirect";
  case FL_REPLY_REFUSED: return "refused";
  }
  return "unknown";
}

static void describe_payload(fl_transport *t, int src, int dst, const void *data, size_t len,
                             GString *out) {
  g_string_truncate(out, 0);
  if (src >= t->n_nodes) {
    const fl_op *op = data;
    g_string_append_printf(out, "request %s k%" G_GINT64_FORMAT, fl_op_kind_name(op->kind),
                           op->key);
    if (op->kind == FL_OP_WRITE) g_string_append_printf(out, " = %" G_GINT64_FORMAT, op->value);
    if (op->kind == FL_OP_CAS)
      g_string_append_printf(out, " %" G_GINT64_FORMAT " -> %" G_GINT64_FORMAT, op->expected,
                             op->value);
  } else if (dst >= t->n_nodes && len == sizeof(fl_client_txn_reply)) {
    const fl_client_txn_reply *r = data;
    g_string_append_printf(out, "reply %s txn", status_word(r->result.status));
  } else if (dst >= t->n_nodes) {
    const fl_client_reply *r = data;
    g_string_append_printf(out, "reply %s", status_word(r->result.status));
    if (r->result.status == FL_REPLY_OK && r->op.kind == FL_OP_READ)
      r->result.has_value
          ? g_string_append_printf(out, " %" G_GINT64_FORMAT, r->result.value)
          : g_string_append(out, " nil");
    if (r->result.status == FL_REPLY_REDIRECT && r->result.redirect_to >= 0)
      g_string_append_printf(out, " to n%d", r->result.redirect_to + 1);
  } else if (t->describe_msg) {
    t->describe_msg(t->describe_user, data, len, out);
  } else {
    g_string_append_printf(out, "%zu bytes", len);
  }
}

void fl__transport_send(fl_transport *t, int src, int dst, const void *data, size_t len) {
  int64_t now = fl_sched_now(t->sched);
  if (t->tap) t->tap(t->tap_user, src, dst, data, len);
  fl_msg *m = fl_net_msg_new(t->net, src, dst, now, data, len);
  const char *desc = NULL;
  bool between_nodes = src < t->n_nodes && dst < t->n_nodes;
  /* A message's type (its description's first word) matters only to per-type rules: without
   * one, describe_msg is never called for routing. */
  bool typed = between_nodes && t->describe_msg && fl_net_has_typed(t->net);
  bool has_file = fl_trace_has_file(t->trace);
  int type = -1;
  if (typed || has_file) { /* only a file shows descriptions; the digest does not */
    describe_payload(t, src, dst, data, len, t->scratch);
    if (typed) type = fl_net_type_of(t->net, t->scratch->str, strcspn(t->scratch->str, " "));
    if (has_file) desc = t->scratch->str;
  }
  fl_trace_send(t->trace, now, m->id, src, dst, len, fl_trace_payload_hash(data, len), desc);
  int64_t at[2];
  fl_drop_reason reason;
  int copies = fl_net_route_typed(t->net, m, type, now, at, &reason);
  if (copies == 0) {
    fl_trace_drop(t->trace, now, m->id, src, dst, reason);
    fl_net_msg_release(t->net, m);
    return;
  }
  if (copies == 2) fl_trace_duplicate(t->trace, now, m->id, src, dst);
  /* Only node-to-node payloads are corrupted: the clients and their messages are the
   * kernel's own (a request, a reply), read by the kernel as well as the protocol, and stand
   * for an RPC layer with its own integrity check. */
  uint64_t bit;
  if (between_nodes && fl_net_corrupt(t->net, m, &bit)) {
    char note[160];
    g_snprintf(note, sizeof note,
               "corrupt message %" G_GUINT64_FORMAT " n%d -> n%d: bit %" G_GUINT64_FORMAT
               " flipped (byte %" G_GUINT64_FORMAT ")",
               m->id, src + 1, dst + 1, bit, bit / 8);
    fl_trace_net_change(t->trace, now, note);
  }
  for (int i = 0; i < copies; i++) fl_sched_at(t->sched, at[i], FL_EV_DELIVER, (uint64_t)(uintptr_t)m);
}

void fl__transport_halt(fl_transport *t, fl_stop_reason reason, const char *fmt, ...) {
  if (t->stop != FL_STOP_NONE) return;
  va_list ap;
  va_start(ap, fmt);
  char *what = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  GString *msg = g_string_new(NULL);
  g_string_append_printf(msg, "protocol %s, at ", t->proto->name);
  fl_format_duration(msg, fl_sched_now(t->sched));
  g_string_append_printf(msg, " (event %" G_GUINT64_FORMAT "): %s",
                         fl_sched_events_run(t->sched), what);
  g_free(what);
  t->stop = reason;
  t->stop_message = g_string_free(msg, FALSE);
  fl_trace_violation(t->trace, fl_sched_now(t->sched), t->stop_message);
  fl_sched_stop(t->sched);
}

static int find_root(int *parent, int i) {
  while (parent[i] != i) i = parent[i] = parent[parent[i]];
  return i;
}

/* Components by union-find over the n^2 node pairs, recomputed only when the network's
 * partitions or cuts changed (fl_net_generation), not per operation. */
static void compute_sides(fl_transport *t) {
  int n = t->n_nodes;
  int *parent = g_new(int, n), *size = g_new0(int, n);
  for (int i = 0; i < n; i++) parent[i] = i;
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++)
      if (fl_net_can_reach(t->net, i, j, NULL) && fl_net_can_reach(t->net, j, i, NULL)) {
        int a = find_root(parent, i), b = find_root(parent, j);
        if (a != b) parent[a] = b;
      }
  for (int i = 0; i < n; i++) size[find_root(parent, i)]++;
  if (!t->major) t->major = g_new(bool, n);
  for (int i = 0; i < n; i++) t->major[i] = 2 * size[find_root(parent, i)] > n;
  t->side_gen = fl_net_generation(t->net);
  g_free(parent);
  g_free(size);
}

int fl__transport_side(fl_transport *t, int endpoint) {
  if (fl_net_is_whole(t->net)) return 1;
  if (!t->major || t->side_gen != fl_net_generation(t->net)) compute_sides(t);
  if (endpoint < t->n_nodes) return t->major[endpoint];
  for (int i = 0; i < t->n_nodes; i++) /* clients talk to any node (redirects) */
    if (t->major[i] && fl_net_can_reach(t->net, endpoint, i, NULL) &&
        fl_net_can_reach(t->net, i, endpoint, NULL))
      return 1;
  return 0;
}
