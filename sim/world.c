/* world: builds a simulation from a scenario and dispatches the scheduler's events.
 *
 * Every message, client wake-up, timeout and fault is one scheduler event; after each one the
 * protocol's invariants are checked over all nodes, so a violation is reported at the event
 * that caused it.
 */
#include "world_int.h"
#include "fl_limits.h"
#include "units.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

G_DEFINE_QUARK(fl-world-error-quark, fl_world_error)

void fl_world_opts_init(fl_world_opts *o) {
  memset(o, 0, sizeof *o);
  o->max_events = FL_LIMIT_RUN_EVENTS;
  o->max_memory_mib = FL_LIMIT_RUN_MEMORY_MIB;
}

static const fl_protocol *lookup_protocol(const fl_scenario *scn, GError **error) {
  GError *inner = NULL;
  const fl_protocol *p = fl_actor_lookup(scn->protocol ? scn->protocol : "", &inner);
  if (!p) {
    g_set_error(error, FL_SCENARIO_ERROR, FL_SCENARIO_ERROR_INVALID, "%s:%d:%d: %s", scn->path,
                scn->protocol_pos.line, scn->protocol_pos.col, inner->message);
    g_error_free(inner);
  }
  return p;
}

bool fl_world_validate(const fl_scenario *scn, GError **error) {
  const fl_protocol *p = lookup_protocol(scn, error);
  if (!p) return false;
  fl_options *o = fl__options_new(p, scn, error);
  fl__options_free(o);
  return o != NULL && fl__fault_check_timeline(scn, error);
}

static char *meta_json(const fl_world *w) {
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "version");
  json_builder_add_int_value(b, 1);
  json_builder_set_member_name(b, "seed");
  json_builder_add_int_value(b, (gint64)w->seed);
  json_builder_set_member_name(b, "protocol");
  json_builder_add_string_value(b, w->proto->name);
  json_builder_set_member_name(b, "nodes");
  json_builder_add_int_value(b, w->n_nodes);
  json_builder_set_member_name(b, "clients");
  json_builder_add_int_value(b, w->n_clients);
  json_builder_set_member_name(b, "node_names");
  json_builder_begin_array(b);
  for (int i = 0; i < w->n_nodes + w->n_clients; i++) {
    char name[32];
    g_snprintf(name, sizeof name, i < w->n_nodes ? "n%d" : "c%d",
               i < w->n_nodes ? i + 1 : i - w->n_nodes + 1);
    json_builder_add_string_value(b, name);
  }
  json_builder_end_array(b);
  json_builder_set_member_name(b, "scenario");
  json_builder_add_string_value(b, w->scn->path ? w->scn->path : "");
  json_builder_set_member_name(b, "duration_ns");
  json_builder_add_int_value(b, w->duration_ns);
  json_builder_set_member_name(b, "build");
  json_builder_add_string_value(b, "faultline " FL_VERSION);
  json_builder_end_object(b);
  JsonGenerator *g = json_generator_new();
  JsonNode *root = json_builder_get_root(b);
  json_generator_set_root(g, root);
  char *s = json_generator_to_data(g, NULL);
  json_node_unref(root);
  g_object_unref(g);
  g_object_unref(b);
  return s;
}

static void apply_link_overrides(fl_world *w) {
  const GArray *links = w->scn->links;
  for (guint i = 0; links && i < links->len; i++) {
    const fl_link_override *lo = &g_array_index(links, fl_link_override, i);
    const fl_link_params *cur = fl_net_link(w->net, lo->src, lo->dst);
    fl_link_params p;
    fl_dist_copy(&p.latency, lo->has_latency ? &lo->params.latency : &cur->latency);
    p.loss = lo->has_loss ? lo->params.loss : cur->loss;
    p.duplicate = lo->has_duplicate ? lo->params.duplicate : cur->duplicate;
    p.reorder = lo->has_reorder ? lo->params.reorder : cur->reorder;
    fl_net_set_link(w->net, lo->src, lo->dst, &p);
    fl_dist_clear(&p.latency);
  }
}

static void dispatch(void *ctx, const fl_event *ev);

fl_world *fl_world_new(const fl_scenario *scn, const fl_world_opts *opts, GError **error) {
  fl_world_opts defaults;
  if (!opts) {
    fl_world_opts_init(&defaults);
    opts = &defaults;
  }
  const fl_protocol *p = lookup_protocol(scn, error);
  if (!p) return NULL;
  fl_options *options = fl__options_new(p, scn, error);
  if (!options) return NULL;
  if (!fl__fault_check_timeline(scn, error)) {
    fl__options_free(options);
    return NULL;
  }

  fl_rng_global_init();
  fl_world *w = g_new0(fl_world, 1);
  w->scn = scn;
  w->proto = p;
  w->options = options;
  w->seed = opts->has_seed ? opts->seed : scn->seed;
  w->duration_ns = opts->duration_ns > 0 ? opts->duration_ns : scn->duration_ns;
  w->n_nodes = scn->n_nodes;
  w->n_clients = scn->workload.clients;
  w->max_events = opts->max_events;
  w->max_memory_bytes = opts->max_memory_mib > (UINT64_MAX >> 20) ? UINT64_MAX
                                                                   : opts->max_memory_mib << 20;
  w->scratch = g_string_new(NULL);
  w->why = g_string_new(NULL);
  w->metrics = fl_metrics_new(scn->n_nodes);
  w->timers = g_array_new(FALSE, TRUE, sizeof(fl_timer_rec));
  fl_latency_init(&w->lat_all);
  fl_latency_init(&w->lat_major);
  fl_latency_init(&w->lat_minor);
  w->avail = g_new0(fl_avail, scn->expects && scn->expects->len ? scn->expects->len : 1);

  w->sched = fl_sched_new();
  fl_sched_set_dispatch(w->sched, dispatch, w);
  w->net = fl_net_new(w->n_nodes + w->n_clients, &scn->net_defaults, w->seed);
  apply_link_overrides(w);

  char *meta = meta_json(w);
  w->trace = fl_trace_open(opts->trace_path, meta, error);
  g_free(meta);
  if (!w->trace) goto fail;

  /* Without --history no file is written at all: the linearizability check reads the
   * history recorded in memory, and a run leaves nothing in $TMPDIR (which may be full or
   * read-only). */
  w->history_path = g_strdup(opts->history_path);
  w->history = fl_history_open(w->history_path, fl_history_format_for(w->history_path), error);
  if (!w->history) goto fail;
  for (guint i = 0; scn->expects && i < scn->expects->len; i++)
    if (g_array_index(scn->expects, fl_expect, i).kind == FL_EXPECT_LINEARIZABLE)
      fl_history_record(w->history, w->history_path ? w->history_path : "the run's history");

  w->fault_rng = fl_rng_new(w->seed, "fault", 0);
  w->nodes = g_new0(fl_node, w->n_nodes);
  for (int i = 0; i < w->n_nodes; i++) fl__node_init(w, &w->nodes[i], i);
  for (guint i = 0; scn->clocks && i < scn->clocks->len; i++) {
    const fl_clock_spec *c = &g_array_index(scn->clocks, fl_clock_spec, i);
    w->nodes[c->node].skew_ns = c->skew_ns;
    w->nodes[c->node].drift_ppm = c->drift_ppm;
  }
  w->clients = fl__clients_new(w);
  w->touched = -2;
  w->view = fl__view_new(w);
  if (p->invariant_new) w->ghost = p->invariant_new(w->options, w->n_nodes);

  fl__fault_schedule(w);
  for (int i = 0; i < w->n_nodes && w->stop == FL_STOP_NONE; i++) fl__node_boot(&w->nodes[i]);
  fl__actor_check(w);
  fl__clients_start(w);
  return w;

fail:
  fl_world_free(w);
  return NULL;
}

void fl_world_free(fl_world *w) {
  if (!w) return;
  if (w->nodes)
    for (int i = 0; i < w->n_nodes; i++) fl__node_clear(&w->nodes[i]);
  g_free(w->nodes);
  /* Messages still in flight are owned by the network through their events. */
  if (w->sched) {
    fl_event ev;
    while (fl_sched_pop(w->sched, &ev))
      if (ev.kind == FL_EV_DELIVER || ev.kind == FL_EV_DELIVER_HELD)
        fl_net_msg_release(w->net, (fl_msg *)(uintptr_t)ev.data);
  }
  if (w->ghost && w->proto->invariant_free) w->proto->invariant_free(w->ghost);
  if (w->clients) fl__clients_free(w);
  fl__view_free(w->view);
  fl_trace_close(w->trace, false, NULL);
  fl_history_close(w->history, false, NULL);
  fl_lincheck_history_free(w->recorded);
  g_clear_error(&w->recorded_error);
  g_free(w->history_path);
  fl_net_free(w->net);
  fl_rng_free(w->fault_rng);
  fl_sched_free(w->sched);
  fl__options_free(w->options);
  g_array_free(w->timers, TRUE);
  g_string_free(w->scratch, TRUE);
  if (w->why) g_string_free(w->why, TRUE);
  g_free(w->avail);
  fl_metrics_free(w->metrics);
  g_free(w->stop_message);
  g_free(w->final_message);
  g_free(w);
}

/* ---- Sending. */

static void describe_payload(fl_world *w, int src, int dst, const void *data, size_t len,
                             GString *out) {
  g_string_truncate(out, 0);
  if (src >= w->n_nodes) {
    const fl_op *op = data;
    g_string_append_printf(out, "request %s k%" G_GINT64_FORMAT, fl_op_kind_name(op->kind),
                           op->key);
    if (op->kind == FL_OP_WRITE) g_string_append_printf(out, " = %" G_GINT64_FORMAT, op->value);
    if (op->kind == FL_OP_CAS)
      g_string_append_printf(out, " %" G_GINT64_FORMAT " -> %" G_GINT64_FORMAT, op->expected,
                             op->value);
  } else if (dst >= w->n_nodes && len == sizeof(fl_client_txn_reply)) {
    const fl_client_txn_reply *t = data;
    static const char *status[] = {"ok", "fail", "redirect"};
    g_string_append_printf(out, "reply %s txn", status[t->result.status]);
  } else if (dst >= w->n_nodes) {
    const fl_client_reply *r = data;
    static const char *status[] = {"ok", "fail", "redirect"};
    g_string_append_printf(out, "reply %s", status[r->result.status]);
    if (r->result.status == FL_REPLY_OK && r->op.kind == FL_OP_READ)
      r->result.has_value
          ? g_string_append_printf(out, " %" G_GINT64_FORMAT, r->result.value)
          : g_string_append(out, " nil");
    if (r->result.status == FL_REPLY_REDIRECT && r->result.redirect_to >= 0)
      g_string_append_printf(out, " to n%d", r->result.redirect_to + 1);
  } else {
    fl__actor_describe_msg(w, data, len, out);
  }
}

void fl__world_send(fl_world *w, int src, int dst, const void *data, size_t len) {
  int64_t now = fl_sched_now(w->sched);
  if (w->send_tap) w->send_tap(w->send_tap_user, src, dst, data, len);
  fl_msg *m = fl_net_msg_new(w->net, src, dst, now, data, len);
  const char *desc = NULL;
  if (fl_trace_has_file(w->trace)) { /* only a file shows descriptions; the digest does not */
    describe_payload(w, src, dst, data, len, w->scratch);
    desc = w->scratch->str;
  }
  fl_trace_send(w->trace, now, m->id, src, dst, len, fl_trace_payload_hash(data, len), desc);
  int64_t at[2];
  fl_drop_reason reason;
  int copies = fl_net_route(w->net, m, now, at, &reason);
  if (copies == 0) {
    fl_trace_drop(w->trace, now, m->id, src, dst, reason);
    fl_net_msg_release(w->net, m);
    return;
  }
  if (copies == 2) fl_trace_duplicate(w->trace, now, m->id, src, dst);
  for (int i = 0; i < copies; i++) fl_sched_at(w->sched, at[i], FL_EV_DELIVER, (uint64_t)(uintptr_t)m);
}

static void drop_at_delivery(fl_world *w, fl_msg *m, fl_drop_reason reason) {
  fl_net_count_dropped(w->net, m, reason);
  fl_trace_drop(w->trace, fl_sched_now(w->sched), m->id, m->src, m->dst, reason);
  fl_net_msg_release(w->net, m);
}

static void deliver(fl_world *w, fl_msg *m, bool held) {
  fl_drop_reason reason;
  if (!held && !fl_net_can_reach(w->net, m->src, m->dst, &reason)) {
    drop_at_delivery(w, m, reason);
    return;
  }
  if (m->dst >= w->n_nodes) {
    fl_net_count_delivered(w->net, m);
    fl_trace_deliver(w->trace, fl_sched_now(w->sched), m->id, m->src, m->dst);
    fl__client_deliver(w, m);
    fl_net_msg_release(w->net, m);
    return;
  }
  fl_node *n = &w->nodes[m->dst];
  if (!n->is_up) {
    drop_at_delivery(w, m, FL_DROP_CRASHED);
    return;
  }
  fl__node_deliver(n, m);
}

/* ---- Run budgets: what stops a runaway. */

/* Remembers the event about to run, for the runaway message (O(1): the scheduler's event
 * number picks the slot). */
static void remember(fl_world *w, const fl_event *ev) {
  fl_recent_event *r = &w->recent[fl_sched_events_run(w->sched) % FL__RECENT_EVENTS];
  r->valid = true;
  r->time_ns = ev->time_ns;
  r->kind = ev->kind;
  r->a = r->b = -1;
  uint32_t low = (uint32_t)(ev->data & ((1u << FL_CLIENT_BITS) - 1));
  switch (ev->kind) {
  case FL_EV_DELIVER:
  case FL_EV_DELIVER_HELD: {
    const fl_msg *m = (const fl_msg *)(uintptr_t)ev->data;
    r->a = m->src;
    r->b = m->dst;
    break;
  }
  case FL_EV_TIMER: r->a = g_array_index(w->timers, fl_timer_rec, ev->handle - 1).node; break;
  case FL_EV_FAULT: r->a = (int32_t)ev->data; break;
  default: r->a = (int32_t)low; break;
  }
}

static void endpoint_name(const fl_world *w, int e, GString *out) {
  if (e < w->n_nodes) g_string_append_printf(out, "n%d", e + 1);
  else g_string_append_printf(out, "c%d", e - w->n_nodes + 1);
}

/* "12.5us deliver c1 -> n2, 12.5us timer n3, ...", oldest first. */
static void describe_recent(const fl_world *w, GString *out) {
  uint64_t last = fl_sched_events_run(w->sched);
  bool first = true;
  for (uint64_t k = last >= FL__RECENT_EVENTS - 1 ? last - (FL__RECENT_EVENTS - 1) : 0; k <= last;
       k++) {
    const fl_recent_event *r = &w->recent[k % FL__RECENT_EVENTS];
    if (!r->valid) continue;
    if (!first) g_string_append(out, ", ");
    first = false;
    fl_format_duration(out, r->time_ns);
    switch (r->kind) {
    case FL_EV_DELIVER:
    case FL_EV_DELIVER_HELD:
      g_string_append(out, " deliver ");
      endpoint_name(w, r->a, out);
      g_string_append(out, " -> ");
      endpoint_name(w, r->b, out);
      break;
    case FL_EV_TIMER: g_string_append_printf(out, " timer n%d", r->a + 1); break;
    case FL_EV_CLIENT_WAKE: g_string_append_printf(out, " c%d thinks", r->a + 1); break;
    case FL_EV_CLIENT_TIMEOUT: g_string_append_printf(out, " c%d timeout", r->a + 1); break;
    case FL_EV_CLIENT_RETRY: g_string_append_printf(out, " c%d retry", r->a + 1); break;
    case FL_EV_CLIENT_RESEND: g_string_append_printf(out, " c%d resend", r->a + 1); break;
    case FL_EV_FAULT:
      g_string_append_printf(out, " timeline line %d",
                             g_array_index(w->scn->timeline, fl_action, r->a).pos.line);
      break;
    case FL_EV_AUTO_RESUME: g_string_append_printf(out, " pause of n%d ends", r->a + 1); break;
    default: g_string_append(out, " ?"); break;
    }
  }
}

#define RUNAWAY_ADVICE                                                                        \
  "delays of 0 or a few ns close a loop that lets no time pass: raise [network] latency, "  \
  "[workload] think or retry (retry = 0s ping-pongs redirects while no node is leader), "    \
  "timeouts and timers"

static void runaway(fl_world *w, const char *what) {
  GString *m = g_string_new(what);
  g_string_append(m, "; the last events: ");
  describe_recent(w, m);
  g_string_append(m, "; " RUNAWAY_ADVICE);
  fl__world_halt(w, FL_STOP_RUNAWAY, "%s", m->str);
  g_string_free(m, TRUE);
}

/* The process's resident memory in bytes, or 0 if unknown (no /proc). */
static uint64_t resident_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long long size = 0, resident = 0;
  bool ok = f && fscanf(f, "%llu %llu", &size, &resident) == 2;
  if (f) fclose(f);
  long page = sysconf(_SC_PAGESIZE);
  return ok && page > 0 ? (uint64_t)resident * (uint64_t)page : 0;
}

/* After every event: the stall guard and the budgets. Event k (1-based) ends checkpoint
 * k / step when step divides it; the checkpoint FL__STALL_SLOTS before it was
 * FL_LIMIT_STALL_EVENTS events ago (checkpoint 0 is the world's start, at time 0). */
static void check_budgets(fl_world *w) {
  uint64_t k = fl_sched_events_run(w->sched);
  int64_t now = fl_sched_now(w->sched);
  const uint64_t step = FL_LIMIT_STALL_EVENTS / FL__STALL_SLOTS;
  if (k % step == 0) {
    uint64_t c = k / step;
    int64_t then = w->stall_at[c % FL__STALL_SLOTS];
    if (c >= FL__STALL_SLOTS && now - then < FL_LIMIT_STALL_NS) {
      GString *m = g_string_new("runaway: simulated time stands still: ");
      fl_format_duration(m, now - then);
      g_string_append_printf(m, " passed over the last %d events (the stall guard stops a run "
                             "below ", FL_LIMIT_STALL_EVENTS);
      fl_format_duration(m, FL_LIMIT_STALL_NS);
      g_string_append(m, ")");
      runaway(w, m->str);
      g_string_free(m, TRUE);
      return;
    }
    w->stall_at[c % FL__STALL_SLOTS] = now;
  }
  if (w->max_events && k >= w->max_events && fl_sched_peek_time(w->sched) <= w->duration_ns) {
    GString *m = g_string_new(NULL);
    g_string_append_printf(m, "runaway: the event budget ran out (--max-events %" G_GUINT64_FORMAT
                           "; raise it, or 0 for none) at ", w->max_events);
    fl_format_duration(m, now);
    g_string_append(m, " of ");
    fl_format_duration(m, w->duration_ns);
    runaway(w, m->str);
    g_string_free(m, TRUE);
    return;
  }
  if (w->max_memory_bytes && k % FL_LIMIT_MEMORY_SAMPLE_EVENTS == 0) {
    uint64_t rss = resident_bytes();
    if (rss > w->max_memory_bytes) {
      char *m = g_strdup_printf("runaway: the memory budget ran out: %" G_GUINT64_FORMAT
                                " MiB resident, over --max-memory %" G_GUINT64_FORMAT
                                " (raise it, or 0 for none)",
                                rss >> 20, w->max_memory_bytes >> 20);
      runaway(w, m);
      g_free(m);
    }
  }
}

static void dispatch(void *ctx, const fl_event *ev) {
  fl_world *w = ctx;
  w->touched = -1;
  remember(w, ev);
  switch (ev->kind) {
  case FL_EV_DELIVER: deliver(w, (fl_msg *)(uintptr_t)ev->data, false); break;
  case FL_EV_DELIVER_HELD: deliver(w, (fl_msg *)(uintptr_t)ev->data, true); break;
  case FL_EV_TIMER: {
    fl_timer_rec rec = g_array_index(w->timers, fl_timer_rec, ev->handle - 1);
    fl__node_timer(&w->nodes[rec.node], &rec, ev->data);
    break;
  }
  case FL_EV_CLIENT_WAKE: fl__client_wake(w, (uint32_t)ev->data); break;
  case FL_EV_CLIENT_TIMEOUT:
    fl__client_timeout(w, (uint32_t)(ev->data & ((1u << FL_CLIENT_BITS) - 1)),
                       ev->data >> FL_CLIENT_BITS);
    break;
  case FL_EV_CLIENT_RETRY:
    fl__client_retry(w, (uint32_t)(ev->data & ((1u << FL_CLIENT_BITS) - 1)),
                     ev->data >> FL_CLIENT_BITS);
    break;
  case FL_EV_CLIENT_RESEND:
    fl__client_resend(w, (uint32_t)(ev->data & ((1u << FL_CLIENT_BITS) - 1)),
                      ev->data >> FL_CLIENT_BITS);
    break;
  case FL_EV_FAULT: fl__fault_apply(w, (size_t)ev->data); break;
  case FL_EV_AUTO_RESUME: {
    fl_node *n = &w->nodes[ev->data & ((1u << FL_CLIENT_BITS) - 1)];
    fl__node_pause_end(n, (uint32_t)(ev->data >> FL_CLIENT_BITS));
    break;
  }
  default: assert(!"unknown event kind");
  }
  fl__actor_check(w);
  w->touched = -2;
  if (w->stop == FL_STOP_NONE) check_budgets(w);
}

void fl__world_halt(fl_world *w, fl_stop_reason reason, const char *fmt, ...) {
  if (w->stop != FL_STOP_NONE) return;
  va_list ap;
  va_start(ap, fmt);
  char *what = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  GString *msg = g_string_new(NULL);
  g_string_append_printf(msg, "protocol %s, at ", w->proto->name);
  fl_format_duration(msg, fl_sched_now(w->sched));
  g_string_append_printf(msg, " (event %" G_GUINT64_FORMAT "): %s",
                         fl_sched_events_run(w->sched), what);
  g_free(what);
  w->stop = reason;
  w->stop_message = g_string_free(msg, FALSE);
  fl_trace_violation(w->trace, fl_sched_now(w->sched), w->stop_message);
  fl_sched_stop(w->sched);
}

int fl__world_side(const fl_world *w, int endpoint) {
  if (!fl_net_is_partitioned(w->net)) return 1;
  int g = fl_net_group(w->net, endpoint), count = 0;
  for (int i = 0; i < w->n_nodes; i++)
    if (fl_net_group(w->net, i) == g) count++;
  return 2 * count > w->n_nodes;
}

/* ---- Running. */

bool fl_world_step(fl_world *w) { return w->stop == FL_STOP_NONE && fl_sched_step(w->sched); }

void fl_world_run_until(fl_world *w, int64_t until_ns) {
  if (until_ns > w->duration_ns) until_ns = w->duration_ns;
  fl_sched_run_until(w->sched, until_ns);
}

void fl_world_run(fl_world *w) {
  fl_world_run_until(w, w->duration_ns);
  if (w->stop == FL_STOP_NONE) {
    w->stop = FL_STOP_END;
    fl__actor_check_final(w);
  }
}

fl_stop_reason fl_world_stop_reason(const fl_world *w) { return w->stop; }
const char *fl_world_stop_message(const fl_world *w) { return w->stop_message; }
const fl_metrics *fl_world_metrics(const fl_world *w) { return w->metrics; }
int64_t fl_world_now(const fl_world *w) { return fl_sched_now(w->sched); }
uint64_t fl_world_seed(const fl_world *w) { return w->seed; }
int64_t fl_world_duration(const fl_world *w) { return w->duration_ns; }
uint64_t fl_world_events(const fl_world *w) { return fl_sched_events_run(w->sched); }
uint64_t fl_world_max_events(const fl_world *w) { return w->max_events; }
uint64_t fl_world_digest(const fl_world *w) {
  return w->trace ? fl_trace_digest(w->trace) : w->digest;
}
fl_net *fl_world_net(fl_world *w) { return w->net; }
int fl_world_node_count(const fl_world *w) { return w->n_nodes; }
int fl_world_client_count(const fl_world *w) { return w->n_clients; }

bool fl_world_final_ok(const fl_world *w, const char **why) {
  if (why) *why = w->final_message;
  return !w->final_checked || w->final_ok;
}

/* ---- Faults. */

void fl_world_partition(fl_world *w, const int *group_of_node) {
  int n = w->n_nodes + w->n_clients;
  int *groups = g_new(int, n);
  for (int i = 0; i < n; i++)
    groups[i] = group_of_node[i < w->n_nodes ? i : (i - w->n_nodes) % w->n_nodes];
  fl_net_partition(w->net, groups);
  fl_trace_partition(w->trace, fl_sched_now(w->sched), groups, n);
  g_free(groups);
}

void fl_world_heal(fl_world *w) {
  fl_net_heal(w->net);
  fl_trace_heal(w->trace, fl_sched_now(w->sched));
}

void fl_world_cut(fl_world *w, int src, int dst, bool cut) {
  fl_net_cut(w->net, src, dst, cut);
  fl_trace_cut(w->trace, fl_sched_now(w->sched), src, dst, cut);
}

bool fl_world_crash(fl_world *w, int node) { return fl__node_crash(&w->nodes[node]); }
bool fl_world_restart(fl_world *w, int node) { return fl__node_restart(&w->nodes[node]); }
bool fl_world_pause(fl_world *w, int node) { return fl_world_pause_for(w, node, 0); }

bool fl_world_pause_for(fl_world *w, int node, int64_t for_ns) {
  fl_node *n = &w->nodes[node];
  if (!fl__node_pause(n)) return false;
  /* The end of this pause, in the epoch it started in: an explicit resume or a crash before
   * then bumps the epoch, and this event then ends nothing. */
  if (for_ns > 0 && for_ns <= INT64_MAX - fl_sched_now(w->sched))
    fl_sched_at(w->sched, fl_sched_now(w->sched) + for_ns, FL_EV_AUTO_RESUME,
                (uint64_t)node | ((uint64_t)n->pause_epoch << FL_CLIENT_BITS));
  return true;
}

bool fl_world_resume(fl_world *w, int node) { return fl__node_resume(&w->nodes[node]); }
bool fl_world_node_is_up(const fl_world *w, int node) { return w->nodes[node].is_up; }
bool fl_world_node_is_paused(const fl_world *w, int node) { return w->nodes[node].pauses > 0; }
const void *fl_world_node_state(const fl_world *w, int node) { return w->nodes[node].state; }

/* ---- Results. */

static void side_out(fl_side_stats *out, const fl_side_stats *counts, const fl_latency *lat) {
  *out = *counts;
  out->latency_count = lat->count;
  out->latency_ns_p50 = fl_latency_quantile(lat, 0.50);
  out->latency_ns_p99 = fl_latency_quantile(lat, 0.99);
  out->latency_ns_max = lat->max_ns;
  out->latency_ns_mean = fl_latency_mean(lat);
}

void fl_world_stats(const fl_world *w, fl_run_stats *out) {
  memset(out, 0, sizeof *out);
  out->events = fl_sched_events_run(w->sched);
  out->sim_ns = fl_sched_now(w->sched);
  fl_net_totals(w->net, &out->net);
  side_out(&out->all, &w->side_all, &w->lat_all);
  side_out(&out->majority, &w->side_major, &w->lat_major);
  side_out(&out->minority, &w->side_minor, &w->lat_minor);
  out->history_events = w->history ? fl_history_events(w->history) : w->history_events;
  out->faults_not_applied = w->faults_not_applied;
}

void fl_world_availability(const fl_world *w, size_t i, uint64_t *invoked, uint64_t *ok) {
  *invoked = w->avail[i].invoked;
  *ok = w->avail[i].ok;
}

bool fl_world_finish(fl_world *w, GError **error) {
  if (w->finished) return true;
  w->finished = true;
  fl__clients_finish(w);
  fl_history *h = w->history;
  w->history = NULL;
  fl_trace *t = w->trace;
  w->digest = fl_trace_digest(t);
  w->history_events = fl_history_events(h);
  w->recorded = fl_history_take_recorded(h, &w->recorded_error);
  bool ok = fl_history_close(h, true, error);
  /* The trace writer stays alive for the digest: close only its file. */
  if (ok) ok = fl_trace_close(t, true, error);
  else fl_trace_close(t, false, NULL);
  w->trace = NULL;
  return ok;
}

const char *fl_world_history_path(const fl_world *w) { return w->history_path; }

fl_lincheck_history *fl_world_take_history(fl_world *w, GError **error) {
  fl_lincheck_history *h = w->recorded;
  w->recorded = NULL;
  if (w->recorded_error) {
    g_propagate_error(error, w->recorded_error);
    w->recorded_error = NULL;
  }
  return h;
}

/* ---- Test support. */

static bool can_inject(fl_world *w, int dst) {
  return w->stop == FL_STOP_NONE && dst >= 0 && dst < w->n_nodes && w->nodes[dst].is_up &&
         !w->nodes[dst].pauses;
}

bool fl_world_inject(fl_world *w, int src, int dst, const void *msg, size_t len) {
  if (!can_inject(w, dst) || src < 0 || src >= w->n_nodes || src == dst) return false;
  fl__actor_on_message(&w->nodes[dst], src, msg, len);
  fl__actor_check(w);
  return true;
}

bool fl_world_inject_request(fl_world *w, int dst, const fl_op *op) {
  if (!can_inject(w, dst)) return false;
  fl__actor_on_client_request(&w->nodes[dst], op);
  fl__actor_check(w);
  return true;
}

void fl_world_set_send_tap(fl_world *w, fl_send_tap fn, void *user) {
  w->send_tap = fn;
  w->send_tap_user = user;
}
