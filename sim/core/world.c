/* world: the engine. Builds a simulation from a scenario, dispatches the scheduler's events
 * to the layers below it (nodes, clients, faults) and keeps the run budgets.
 *
 * Every message, client wake-up, timeout and fault is one scheduler event; after each one the
 * protocol's invariants are checked over all nodes, so a violation is reported at the event
 * that caused it.
 *
 * The layers (README.md, "Layout"): this engine calls down into faults (fault.h), nodes
 * (node_int.h) and clients (client_int.h); they call down into the transport (transport.h),
 * which sends through the network and the scheduler and halts the run. No layer calls up.
 */
#include "world.h"
#include "client.h"
#include "fault.h"
#include "fl_limits.h"
#include "node_int.h"
#include "options.h"
#include "transport.h"
#include "units.h"

#include <assert.h>
#include <math.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

G_DEFINE_QUARK(fl-world-error-quark, fl_world_error)

#define FL__STALL_SLOTS 16
#define FL__RECENT_EVENTS 5

/* One of the last events run, as the runaway message names it. */
typedef struct fl_recent_event {
  int64_t time_ns;
  uint32_t kind;  /* FL_EV_* */
  int32_t a, b;   /* deliver: src, dst; timer, resume: node; client events: client index;
                   * fault: the timeline index */
  bool valid;
} fl_recent_event;

/* One run: the engine's own state, then each layer's, which the engine owns and wires. */
struct fl_world {
  const fl_scenario *scn;
  fl_options *options;
  uint64_t seed;
  int64_t duration_ns;

  fl_transport rt;   /* scheduler, network, trace, protocol, stop state */
  fl_nodes nodes;
  fl_clients clients;
  fl_faults faults;
  fl_measure measure; /* observations only: never changes the run */

  fl_history *history;
  fl_lincheck_history *recorded; /* the history recorded in memory, for the check; or NULL */
  GError *recorded_error;
  char *history_path; /* --history, or NULL: no file */
  bool has_staleness;  /* a kv run: `staleness` saved when the history closes */
  fl_staleness_result staleness;

  /* Run budgets. stall_at[c % FL__STALL_SLOTS]: the simulated time at stall checkpoint c
   * (every FL_LIMIT_STALL_EVENTS / FL__STALL_SLOTS events). recent: the last events, for the
   * runaway message. */
  uint64_t max_events, max_memory_bytes;
  int64_t stall_at[FL__STALL_SLOTS];
  fl_recent_event recent[FL__RECENT_EVENTS];
  bool finished;
  uint64_t digest, history_events; /* saved when the trace and history close */
};

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
  return o != NULL && fl__fault_check_membership(scn, p, error) &&
         fl__fault_check_timeline(scn, error);
}

static char *meta_json(const fl_world *w) {
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "version");
  json_builder_add_int_value(b, 1);
  json_builder_set_member_name(b, "seed");
  json_builder_add_int_value(b, (gint64)w->seed);
  json_builder_set_member_name(b, "protocol");
  json_builder_add_string_value(b, w->rt.proto->name);
  json_builder_set_member_name(b, "nodes");
  json_builder_add_int_value(b, w->rt.n_nodes);
  json_builder_set_member_name(b, "clients");
  json_builder_add_int_value(b, w->rt.n_clients);
  json_builder_set_member_name(b, "node_names");
  json_builder_begin_array(b);
  for (int i = 0; i < w->rt.n_nodes + w->rt.n_clients; i++) {
    char name[32];
    g_snprintf(name, sizeof name, i < w->rt.n_nodes ? "n%d" : "c%d",
               i < w->rt.n_nodes ? i + 1 : i - w->rt.n_nodes + 1);
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
    const fl_link_params *cur = fl_net_link(w->rt.net, lo->src, lo->dst);
    fl_link_params p;
    fl_dist_copy(&p.latency, lo->has_latency ? &lo->params.latency : &cur->latency);
    p.loss = lo->has_loss ? lo->params.loss : cur->loss;
    p.duplicate = lo->has_duplicate ? lo->params.duplicate : cur->duplicate;
    p.reorder = lo->has_reorder ? lo->params.reorder : cur->reorder;
    p.corrupt = lo->has_corrupt ? lo->params.corrupt : cur->corrupt;
    fl_net_set_link(w->rt.net, lo->src, lo->dst, &p);
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
  if (!fl__fault_check_membership(scn, p, error) || !fl__fault_check_timeline(scn, error)) {
    fl__options_free(options);
    return NULL;
  }

  fl_rng_global_init();
  fl_world *w = g_new0(fl_world, 1);
  w->scn = scn;
  w->options = options;
  w->seed = opts->has_seed ? opts->seed : scn->seed;
  w->duration_ns = opts->duration_ns > 0 ? opts->duration_ns : scn->duration_ns;
  w->max_events = opts->max_events;
  w->max_memory_bytes = opts->max_memory_mib > (UINT64_MAX >> 20) ? UINT64_MAX
                                                                   : opts->max_memory_mib << 20;
  fl_transport *rt = &w->rt;
  fl__transport_init(rt);
  fl_measure_init(&w->measure, scn->n_nodes);
  rt->measure = &w->measure;
  rt->proto = p;
  rt->n_nodes = scn->n_nodes;
  rt->n_clients = scn->workload.clients;
  rt->sched = fl_sched_new();
  fl_sched_set_dispatch(rt->sched, dispatch, w);
  rt->net = fl_net_new(rt->n_nodes + rt->n_clients, &scn->net_defaults, w->seed);
  apply_link_overrides(w);

  char *meta = meta_json(w);
  rt->trace = fl_trace_open(opts->trace_path, meta, error);
  g_free(meta);
  if (!rt->trace) goto fail;
  fl_trace_set_checkpoints(rt->trace, opts->checkpoints);

  /* Without --history no file is written at all: the linearizability check reads the
   * history recorded in memory, and a run leaves nothing in $TMPDIR (which may be full or
   * read-only). */
  w->history_path = g_strdup(opts->history_path);
  w->history = fl_history_open(w->history_path, fl_history_format_for(w->history_path), error);
  if (!w->history) goto fail;
  bool record = opts->record_history;
  for (guint i = 0; scn->expects && i < scn->expects->len; i++)
    if (g_array_index(scn->expects, fl_expect, i).kind == FL_EXPECT_LINEARIZABLE) record = true;
  if (record) fl_history_record(w->history, w->history_path ? w->history_path : "the run's history");
  /* Staleness is a register's notion: kv histories only (absent for the other kinds). */
  if (strcmp(scn->workload.kind->name, "kv") == 0) fl_history_analyse_staleness(w->history);

  fl__nodes_init(&w->nodes, rt, w->options, w->seed);
  rt->describe_msg = fl__actor_describe_msg;
  rt->describe_user = &w->nodes;
  fl__faults_init(&w->faults, rt, &w->nodes, scn, w->seed, w->duration_ns);
  if (opts->record_faults) fl__faults_record(&w->faults);
  for (guint i = 0; scn->clocks && i < scn->clocks->len; i++) {
    const fl_clock_spec *c = &g_array_index(scn->clocks, fl_clock_spec, i);
    w->nodes.v[c->node].skew_ns = c->skew_ns;
    w->nodes.v[c->node].drift_ppm = c->drift_ppm;
  }
  for (int i = 0; i < rt->n_nodes; i++) {
    fl_node_model m;
    fl_scenario_node_model(scn, i, &m);
    fl__node_set_model(&w->nodes.v[i], &m);
    fl_node_model_clear(&m);
  }
  w->clients.rt = rt;
  w->clients.scn = scn;
  w->clients.history = w->history;
  w->clients.seed = w->seed;
  w->clients.duration_ns = w->duration_ns;
  fl__clients_init(&w->clients);
  if (opts->keep_ops) w->clients.ops = g_array_new(FALSE, FALSE, sizeof(fl_op_record));
  if (p->invariant_new) w->nodes.ghost = p->invariant_new(w->options, rt->n_nodes);

  /* The membership every node reads when it boots. */
  for (int i = 0; scn->members && i < rt->n_nodes; i++) w->nodes.member[i] = scn->members[i];
  fl__fault_schedule(&w->faults);
  for (int i = 0; i < rt->n_nodes && rt->stop == FL_STOP_NONE; i++) fl__node_boot(&w->nodes.v[i]);
  fl__actor_check(&w->nodes);
  fl__clients_start(&w->clients);
  return w;

fail:
  fl_world_free(w);
  return NULL;
}

void fl_world_free(fl_world *w) {
  if (!w) return;
  fl_transport *rt = &w->rt;
  void *ghost = w->nodes.ghost;
  fl__nodes_clear(&w->nodes);
  /* Messages still in flight are owned by the network through their events. */
  if (rt->sched) {
    fl_event ev;
    while (fl_sched_pop(rt->sched, &ev))
      if (ev.kind == FL_EV_DELIVER || ev.kind == FL_EV_DELIVER_HELD)
        fl_net_msg_release(rt->net, (fl_msg *)(uintptr_t)ev.data);
  }
  if (ghost && rt->proto->invariant_free) rt->proto->invariant_free(ghost);
  if (w->clients.rt) fl__clients_clear(&w->clients);
  fl__faults_clear(&w->faults);
  fl_measure_clear(&w->measure);
  fl_trace_close(rt->trace, false, NULL);
  fl_history_close(w->history, false, NULL);
  fl_lincheck_history_free(w->recorded);
  g_clear_error(&w->recorded_error);
  g_free(w->history_path);
  fl_net_free(rt->net);
  fl_sched_free(rt->sched);
  fl__options_free(w->options);
  fl__transport_clear(rt);
  g_free(w);
}

/* ---- Delivering. */

static void drop_at_delivery(fl_world *w, fl_msg *m, fl_drop_reason reason) {
  fl_net_count_dropped(w->rt.net, m, reason);
  fl_trace_drop(w->rt.trace, fl_sched_now(w->rt.sched), m->id, m->src, m->dst, reason);
  fl_net_msg_release(w->rt.net, m);
}

static void deliver(fl_world *w, fl_msg *m, bool held) {
  fl_drop_reason reason;
  if (!held && !fl_net_can_reach(w->rt.net, m->src, m->dst, &reason)) {
    drop_at_delivery(w, m, reason);
    return;
  }
  if (m->dst >= w->rt.n_nodes) {
    fl_net_count_delivered(w->rt.net, m);
    fl_trace_deliver(w->rt.trace, fl_sched_now(w->rt.sched), m->id, m->src, m->dst);
    fl__client_deliver(&w->clients, m);
    fl_net_msg_release(w->rt.net, m);
    return;
  }
  fl_node *n = &w->nodes.v[m->dst];
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
  fl_recent_event *r = &w->recent[fl_sched_events_run(w->rt.sched) % FL__RECENT_EVENTS];
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
  case FL_EV_TIMER: r->a = fl__nodes_timer_owner(&w->nodes, ev->handle); break;
  case FL_EV_FAULT: r->a = (int32_t)ev->data; break;
  case FL_EV_MEMBER_HELD:
    r->a = (int32_t)(ev->data & ((1u << FL__MEMBER_NODE_BITS) - 1));
    r->b = (int32_t)((ev->data >> FL__MEMBER_NODE_BITS) & ((1u << FL__MEMBER_NODE_BITS) - 1));
    break;
  default: r->a = (int32_t)low; break;
  }
}

static void endpoint_name(const fl_world *w, int e, GString *out) {
  if (e < w->rt.n_nodes) g_string_append_printf(out, "n%d", e + 1);
  else g_string_append_printf(out, "c%d", e - w->rt.n_nodes + 1);
}

/* "12.5us deliver c1 -> n2, 12.5us timer n3, ...", oldest first. */
static void describe_recent(const fl_world *w, GString *out) {
  uint64_t last = fl_sched_events_run(w->rt.sched);
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
                             fl__fault_action(&w->faults, (size_t)r->a)->pos.line);
      break;
    case FL_EV_AUTO_RESUME: g_string_append_printf(out, " pause of n%d ends", r->a + 1); break;
    case FL_EV_NODE_READY: g_string_append_printf(out, " n%d done processing", r->a + 1); break;
    case FL_EV_NODE_SEND: g_string_append_printf(out, " n%d synced, sends", r->a + 1); break;
    case FL_EV_MEMBER_HELD:
      g_string_append_printf(out, " n%d told of n%d's membership", r->a + 1, r->b + 1);
      break;
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
  fl__transport_halt(&w->rt, FL_STOP_RUNAWAY, "%s", m->str);
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
  uint64_t k = fl_sched_events_run(w->rt.sched);
  int64_t now = fl_sched_now(w->rt.sched);
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
  if (w->max_events && k >= w->max_events && fl_sched_peek_time(w->rt.sched) <= w->duration_ns) {
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
  w->nodes.touched = -1;
  remember(w, ev);
  switch (ev->kind) {
  case FL_EV_DELIVER: deliver(w, (fl_msg *)(uintptr_t)ev->data, false); break;
  case FL_EV_DELIVER_HELD: deliver(w, (fl_msg *)(uintptr_t)ev->data, true); break;
  case FL_EV_TIMER: fl__nodes_timer(&w->nodes, ev->handle, ev->data); break;
  case FL_EV_CLIENT_WAKE: fl__client_wake(&w->clients, (uint32_t)ev->data); break;
  case FL_EV_CLIENT_TIMEOUT:
    fl__client_timeout(&w->clients, (uint32_t)(ev->data & ((1u << FL_CLIENT_BITS) - 1)),
                       ev->data >> FL_CLIENT_BITS);
    break;
  case FL_EV_CLIENT_RETRY:
    fl__client_retry(&w->clients, (uint32_t)(ev->data & ((1u << FL_CLIENT_BITS) - 1)),
                     ev->data >> FL_CLIENT_BITS);
    break;
  case FL_EV_CLIENT_RESEND:
    fl__client_resend(&w->clients, (uint32_t)(ev->data & ((1u << FL_CLIENT_BITS) - 1)),
                      ev->data >> FL_CLIENT_BITS);
    break;
  case FL_EV_FAULT: fl__fault_apply(&w->faults, (size_t)ev->data); break;
  case FL_EV_AUTO_RESUME: {
    fl_node *n = &w->nodes.v[ev->data & ((1u << FL_CLIENT_BITS) - 1)];
    fl__node_pause_end(n, (uint32_t)(ev->data >> FL_CLIENT_BITS));
    fl__faults_note(&w->faults, 0, "pause");
    break;
  }
  case FL_EV_NODE_READY:
    fl__node_ready(&w->nodes.v[ev->data & ((1u << FL_CLIENT_BITS) - 1)],
                   (uint32_t)(ev->data >> FL_CLIENT_BITS));
    break;
  case FL_EV_NODE_SEND: fl__node_send_held(&w->nodes.v[ev->data]); break;
  case FL_EV_MEMBER_HELD: fl__nodes_member_held(&w->nodes, ev->data); break;
  default: assert(!"unknown event kind");
  }
  fl__actor_check(&w->nodes);
  w->nodes.touched = -2;
  if (w->rt.stop == FL_STOP_NONE) check_budgets(w);
}

/* ---- Running. */

bool fl_world_step(fl_world *w) { return w->rt.stop == FL_STOP_NONE && fl_sched_step(w->rt.sched); }

void fl_world_run_until(fl_world *w, int64_t until_ns) {
  if (until_ns > w->duration_ns) until_ns = w->duration_ns;
  fl_sched_run_until(w->rt.sched, until_ns);
}

void fl_world_run(fl_world *w) {
  fl_world_run_until(w, w->duration_ns);
  if (w->rt.stop == FL_STOP_NONE) {
    w->rt.stop = FL_STOP_END;
    fl__actor_check_final(&w->nodes);
  }
}

fl_stop_reason fl_world_stop_reason(const fl_world *w) { return w->rt.stop; }
const char *fl_world_stop_message(const fl_world *w) { return w->rt.stop_message; }
const fl_metrics *fl_world_metrics(const fl_world *w) {
  fl__nodes_flush_metrics(&w->nodes);
  return w->nodes.metrics;
}
int64_t fl_world_now(const fl_world *w) { return fl_sched_now(w->rt.sched); }
uint64_t fl_world_seed(const fl_world *w) { return w->seed; }
int64_t fl_world_duration(const fl_world *w) { return w->duration_ns; }
uint64_t fl_world_events(const fl_world *w) { return fl_sched_events_run(w->rt.sched); }
uint64_t fl_world_max_events(const fl_world *w) { return w->max_events; }
uint64_t fl_world_digest(const fl_world *w) {
  return w->rt.trace ? fl_trace_digest(w->rt.trace) : w->digest;
}
fl_net *fl_world_net(fl_world *w) { return w->rt.net; }
int fl_world_node_count(const fl_world *w) { return w->rt.n_nodes; }
int fl_world_client_count(const fl_world *w) { return w->rt.n_clients; }

bool fl_world_final_ok(const fl_world *w, const char **why) {
  if (why) *why = w->nodes.final_message;
  return !w->nodes.final_checked || w->nodes.final_ok;
}

/* ---- Faults. */

const GArray *fl_world_faults_applied(const fl_world *w) { return w->faults.applied; }

const fl_action *fl_world_fault_action(const fl_world *w, size_t index) {
  return fl__fault_action(&w->faults, index);
}

void fl_world_partition(fl_world *w, const int *group_of_node) {
  fl__fault_partition(&w->faults, group_of_node);
}
void fl_world_heal(fl_world *w) { fl__fault_heal(&w->faults); }
void fl_world_cut(fl_world *w, int src, int dst, bool cut) {
  fl__fault_cut(&w->faults, src, dst, cut);
}
bool fl_world_crash(fl_world *w, int node) { return fl__node_crash(&w->nodes.v[node]); }
bool fl_world_restart(fl_world *w, int node) { return fl__node_restart(&w->nodes.v[node]); }
bool fl_world_pause(fl_world *w, int node) { return fl_world_pause_for(w, node, 0); }
bool fl_world_pause_for(fl_world *w, int node, int64_t for_ns) {
  return fl__node_pause_for(&w->nodes.v[node], for_ns);
}
bool fl_world_resume(fl_world *w, int node) { return fl__node_resume(&w->nodes.v[node]); }
bool fl_world_node_is_up(const fl_world *w, int node) { return w->nodes.v[node].is_up; }
bool fl_world_node_is_paused(const fl_world *w, int node) { return w->nodes.v[node].pauses > 0; }
const void *fl_world_node_state(const fl_world *w, int node) { return w->nodes.v[node].state; }
bool fl_world_node_status(const fl_world *w, int node, fl_node_status *out) {
  return fl__nodes_status(&w->nodes, node, out);
}
int fl_world_leader(const fl_world *w) { return fl__nodes_leader(&w->nodes); }

/* ---- Results. */

static void side_out(fl_side_stats *out, const fl_side_counts *counts, const fl_latency *lat) {
  out->invoked = counts->invoked;
  out->ok = counts->ok;
  out->fail = counts->fail;
  out->info = counts->info;
  out->open_at_end = counts->open_at_end;
  out->refused = counts->refused;
  out->latency_count = lat->count;
  out->latency_ns_p50 = fl_latency_quantile(lat, 0.50);
  out->latency_ns_p99 = fl_latency_quantile(lat, 0.99);
  out->latency_ns_max = lat->max_ns;
  out->latency_ns_mean = fl_latency_mean(lat);
}

void fl_world_stats(const fl_world *w, fl_run_stats *out) {
  memset(out, 0, sizeof *out);
  out->events = fl_sched_events_run(w->rt.sched);
  out->sim_ns = fl_sched_now(w->rt.sched);
  fl_net_totals(w->rt.net, &out->net);
  side_out(&out->all, &w->clients.side_all, &w->clients.lat_all);
  side_out(&out->majority, &w->clients.side_major, &w->clients.lat_major);
  side_out(&out->minority, &w->clients.side_minor, &w->clients.lat_minor);
  out->history_events = w->history ? fl_history_events(w->history) : w->history_events;
  out->faults_not_applied = w->faults.not_applied;
  fl_measure_summarize(&w->measure, &out->measure);
}

const fl_measure *fl_world_measure(const fl_world *w) { return &w->measure; }

double fl_availability(uint64_t answered, uint64_t ended) {
  return ended ? (double)answered / (double)ended : NAN;
}

double fl_side_availability(const fl_side_stats *s) {
  return fl_availability(s->ok + s->fail - s->refused, s->invoked - s->open_at_end);
}

void fl_world_availability(const fl_world *w, size_t i, uint64_t *ended, uint64_t *answered) {
  *ended = w->clients.avail[i].ended;
  *answered = w->clients.avail[i].answered;
}

const fl_op_record *fl_world_ops(const fl_world *w, size_t *n) {
  *n = w->clients.ops ? w->clients.ops->len : 0;
  return w->clients.ops ? (const fl_op_record *)(void *)w->clients.ops->data : NULL;
}

bool fl_world_finish(fl_world *w, GError **error) {
  if (w->finished) return true;
  w->finished = true;
  fl__clients_finish(&w->clients);
  fl_measure_finish(&w->measure, fl_sched_now(w->rt.sched));
  fl_history *h = w->history;
  w->history = NULL;
  w->clients.history = NULL;
  fl_trace *t = w->rt.trace;
  w->digest = fl_trace_digest(t);
  w->history_events = fl_history_events(h);
  w->has_staleness = fl_history_staleness(h, &w->staleness);
  w->recorded = fl_history_take_recorded(h, &w->recorded_error);
  bool ok = fl_history_close(h, true, error);
  /* The trace writer stays alive for the digest: close only its file. */
  if (ok) ok = fl_trace_close(t, true, error);
  else fl_trace_close(t, false, NULL);
  w->rt.trace = NULL;
  return ok;
}

const char *fl_world_history_path(const fl_world *w) { return w->history_path; }

bool fl_world_staleness(const fl_world *w, fl_staleness_result *out) {
  if (w->history) return fl_history_staleness(w->history, out);
  *out = w->staleness;
  return w->has_staleness;
}

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
  return w->rt.stop == FL_STOP_NONE && dst >= 0 && dst < w->rt.n_nodes && w->nodes.v[dst].is_up &&
         !w->nodes.v[dst].pauses;
}

bool fl_world_inject(fl_world *w, int src, int dst, const void *msg, size_t len) {
  if (!can_inject(w, dst) || src < 0 || src >= w->rt.n_nodes || src == dst) return false;
  fl__actor_on_message(&w->nodes.v[dst], src, msg, len);
  fl__actor_check(&w->nodes);
  return true;
}

bool fl_world_inject_request(fl_world *w, int dst, const fl_op *op) {
  if (!can_inject(w, dst)) return false;
  fl__actor_on_client_request(&w->nodes.v[dst], op);
  fl__actor_check(&w->nodes);
  return true;
}

void fl_world_set_send_tap(fl_world *w, fl_send_tap fn, void *user) {
  w->rt.tap = fn;
  w->rt.tap_user = user;
}
