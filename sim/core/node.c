/* node: a node's lifecycle (boot, crash, restart, pause, resume), its clock, its durable
 * storage, and the node API protocols call (declared in actor.h).
 *
 * Durable storage is an fl_durable (durable.h): ordered by key, so erase_from (log
 * truncation) is one range and nothing depends on hash order.
 *
 * A paused node (a GC-style freeze) runs nothing: messages and timers that reach it wait in
 * arrival order and are handed over at resume, each as its own event at the resume instant.
 *
 * A cancelled timer never fires, whatever happened around it. A timer that came due during a
 * pause keeps the id the protocol holds: while it waits, and after the resume until its turn
 * comes (a message that arrived before it came due is handed over first and may cancel it),
 * cancelling that id removes it. A crash forgets every timer of the node: one set in an
 * earlier incarnation never fires, in the scheduler (its record names the incarnation) or
 * waiting for a resume (dropped with the rest of what waited).
 */
#include "node_int.h"
#include "wire.h"

#include <assert.h>
#include <stdarg.h>
#include <string.h>

G_STATIC_ASSERT(sizeof(uintptr_t) == sizeof(uint64_t));

static void node_init(fl_nodes *ns, fl_node *n, int id, uint64_t seed) {
  memset(n, 0, sizeof *n);
  n->rt = ns->rt;
  n->all = ns;
  n->id = id;
  n->rng = fl_rng_new(seed, "node", (uint64_t)id);
  n->durable = fl_durable_new();
  n->deferred = g_array_new(FALSE, TRUE, sizeof(fl_deferred));
  n->rearmed = g_array_new(FALSE, TRUE, sizeof(fl_rearmed));
  n->last_state = g_string_new(NULL);
}

static void drop_deferred(fl_node *n) {
  fl_transport *rt = n->rt;
  for (guint i = 0; i < n->deferred->len; i++) {
    fl_deferred *d = &g_array_index(n->deferred, fl_deferred, i);
    if (d->msg) {
      fl_net_count_dropped(rt->net, d->msg, FL_DROP_CRASHED);
      fl_net_msg_release(rt->net, d->msg);
    }
  }
  g_array_set_size(n->deferred, 0);
  for (guint i = 0; i < n->rearmed->len; i++)
    fl_sched_cancel(rt->sched, g_array_index(n->rearmed, fl_rearmed, i).again);
  g_array_set_size(n->rearmed, 0);
}

static void node_clear(fl_node *n) {
  if (n->state) fl__actor_free(n);
  if (n->deferred) {
    for (guint i = 0; i < n->deferred->len; i++) {
      fl_deferred *d = &g_array_index(n->deferred, fl_deferred, i);
      if (d->msg) fl_net_msg_release(n->rt->net, d->msg);
    }
    g_array_free(n->deferred, TRUE);
  }
  if (n->rearmed) g_array_free(n->rearmed, TRUE);
  fl__node_phys_clear(n);
  fl_durable_free(n->durable);
  fl_rng_free(n->rng);
  if (n->last_state) g_string_free(n->last_state, TRUE);
  memset(n, 0, sizeof *n);
}

void fl__nodes_init(fl_nodes *ns, fl_transport *rt, const fl_options *options, uint64_t seed) {
  memset(ns, 0, sizeof *ns);
  ns->rt = rt;
  ns->options = options;
  ns->seed = seed;
  ns->timers = g_array_new(FALSE, TRUE, sizeof(fl_timer_rec));
  ns->scratch = g_string_new(NULL);
  ns->why = g_string_new(NULL);
  ns->metrics = fl_metrics_new(rt->n_nodes);
  ns->v = g_new0(fl_node, rt->n_nodes);
  ns->member = g_new(bool, rt->n_nodes);
  for (int i = 0; i < rt->n_nodes; i++) ns->member[i] = true;
  for (int i = 0; i < rt->n_nodes; i++) node_init(ns, &ns->v[i], i, seed);
  ns->touched = -2;
  ns->view = fl__view_new(ns);
}

void fl__nodes_flush_metrics(const fl_nodes *ns) {
  /* What every protocol pays for durability, measured the same way for all of them. Should a
   * protocol have used up the metrics or taken these names for a maximum, the count is left
   * out rather than failing the protocol for the kernel's bookkeeping. */
  for (int i = 0; i < ns->rt->n_nodes; i++) {
    fl_node *n = &ns->v[i];
    if (n->persist_writes == n->flushed_writes) continue;
    uint64_t dw = n->persist_writes - n->flushed_writes, db = n->persisted_bytes - n->flushed_bytes;
    fl_metrics_update(ns->metrics, i, "persist_writes", FL_METRIC_SUM, (int64_t)MIN(dw, INT64_MAX),
                      NULL);
    fl_metrics_update(ns->metrics, i, "persisted_bytes", FL_METRIC_SUM, (int64_t)MIN(db, INT64_MAX),
                      NULL);
    n->flushed_writes = n->persist_writes;
    n->flushed_bytes = n->persisted_bytes;
  }
}

void fl__nodes_clear(fl_nodes *ns) {
  if (ns->v)
    for (int i = 0; i < ns->rt->n_nodes; i++) node_clear(&ns->v[i]);
  g_free(ns->v);
  g_free(ns->member);
  fl__view_free(ns->view);
  if (ns->timers) g_array_free(ns->timers, TRUE);
  if (ns->scratch) g_string_free(ns->scratch, TRUE);
  if (ns->why) g_string_free(ns->why, TRUE);
  g_free(ns->final_message);
  fl_metrics_free(ns->metrics);
  memset(ns, 0, sizeof *ns);
}

int64_t fl__node_local_time(const fl_node *n, int64_t t) {
  __int128 drifted = (__int128)t * (1000000 + n->drift_ppm) / 1000000;
  return (int64_t)drifted + n->skew_ns;
}

void fl__node_boot(fl_node *n) {
  n->is_up = true;
  n->state = fl__actor_init(n);
}

/* A paused node holds what reaches it; a node with a processing time queues it (node_phys.c). */
void fl__node_deliver(fl_node *n, fl_msg *m) {
  if (n->pauses || fl__node_must_queue(n)) {
    fl_deferred d = {.is_timer = false, .msg = m};
    g_array_append_val(n->deferred, d);
    return;
  }
  fl__node_handle_msg(n, m);
}

void fl__node_handle_msg(fl_node *n, fl_msg *m) {
  fl_transport *rt = n->rt;
  fl_net_count_delivered(rt->net, m);
  fl_trace_deliver(rt->trace, fl_sched_now(rt->sched), m->id, m->src, m->dst);
  if (m->src >= rt->n_nodes) {
    /* A transaction comes whole (op.h); the protocol reaches its micro-ops from the op. */
    fl_txn req;
    assert(m->len == sizeof req.op || m->len == sizeof req);
    memset(&req, 0, sizeof req);
    memcpy(&req, m->data, m->len);
    fl__actor_on_client_request(n, &req.op);
  } else {
    fl__actor_on_message(n, m->src, m->data, m->len);
  }
  fl_net_msg_release(rt->net, m);
}

/* Records who owns the scheduler's timer `sched_id`, and the id its protocol knows it by. */
static void own_timer(fl_node *n, fl_timer_id sched_id, fl_timer_id id) {
  GArray *timers = n->all->timers;
  guint slot = (guint)(uint32_t)sched_id - 1;
  if (slot >= timers->len) g_array_set_size(timers, slot + 1);
  fl_timer_rec *rec = &g_array_index(timers, fl_timer_rec, slot);
  rec->node = n->id;
  rec->incarnation = n->incarnation;
  rec->id = id;
}

/* `rec`: the timer's owner and id, copied before the hook can reuse the slot. */
static void node_timer(fl_node *n, const fl_timer_rec *rec, uint64_t tag) {
  if (!n->is_up || rec->incarnation != n->incarnation) return; /* a timer of an earlier life */
  /* A re-armed timer has left the scheduler: cancelling it is now done here, or too late. */
  for (guint i = 0; i < n->rearmed->len; i++)
    if (g_array_index(n->rearmed, fl_rearmed, i).id == rec->id) {
      g_array_remove_index(n->rearmed, i);
      break;
    }
  if (n->pauses || fl__node_must_queue(n)) {
    fl_deferred d = {.is_timer = true, .tag = tag, .timer = rec->id};
    g_array_append_val(n->deferred, d);
    return;
  }
  fl__node_handle_timer(n, tag);
}

void fl__node_handle_timer(fl_node *n, uint64_t tag) {
  fl_trace_timer(n->rt->trace, fl_sched_now(n->rt->sched), n->id, tag);
  fl__actor_on_timer(n, tag);
}

/* No record of its own: the change was traced once, when the timeline made it, and what the
 * node does about it shows in its state line and its sends. */
void fl__node_handle_member(fl_node *n, int node, bool member) {
  fl__actor_on_membership(n, node, member);
}

void fl__node_handle_deferred(fl_node *n, const fl_deferred *d) {
  if (d->msg) fl__node_handle_msg(n, d->msg);
  else if (d->is_timer) fl__node_handle_timer(n, d->tag);
  else fl__node_handle_member(n, d->member_node, d->member);
}

/* A membership change reaches node n as a message would: held while it is paused or busy. */
static void member_deliver(fl_node *n, int node, bool member) {
  if (n->pauses || fl__node_must_queue(n)) {
    fl_deferred d = {.member_node = node, .member = member};
    g_array_append_val(n->deferred, d);
    return;
  }
  fl__node_handle_member(n, node, member);
}

/* The change is made first and then told, so every node told (and every node restarting
 * meanwhile) reads the new membership; a node crashed by a hook's protocol error stops the
 * telling, as a halted run runs nothing more. */
bool fl__nodes_change_member(fl_nodes *ns, int node, bool member) {
  if (ns->member[node] == member) return false;
  ns->member[node] = member;
  fl_transport *rt = ns->rt;
  fl_trace_annotate(rt->trace, fl_sched_now(rt->sched), node,
                    member ? "joins the membership" : "leaves the membership");
  for (int i = 0; i < rt->n_nodes && rt->stop == FL_STOP_NONE; i++)
    if (ns->v[i].is_up) member_deliver(&ns->v[i], node, member);
  return true;
}

void fl__nodes_member_held(fl_nodes *ns, uint64_t data) {
  const uint64_t mask = (UINT64_C(1) << FL__MEMBER_NODE_BITS) - 1;
  fl_node *n = &ns->v[data & mask];
  int node = (int)((data >> FL__MEMBER_NODE_BITS) & mask);
  bool member = (data >> (2 * FL__MEMBER_NODE_BITS)) & 1;
  uint32_t inc = (uint32_t)(data >> (2 * FL__MEMBER_NODE_BITS + 1));
  /* Crashed since it waited (even if restarted: the new life read the membership at boot). */
  if (!n->is_up || inc != (n->incarnation & 0x7fffffu)) return;
  member_deliver(n, node, member);
}

void fl__nodes_timer(fl_nodes *ns, uint32_t handle, uint64_t tag) {
  fl_timer_rec rec = g_array_index(ns->timers, fl_timer_rec, handle - 1);
  node_timer(&ns->v[rec.node], &rec, tag);
}

bool fl__node_crash(fl_node *n) {
  if (!n->is_up) return false;
  fl_transport *rt = n->rt;
  fl_trace_node_event(rt->trace, fl_sched_now(rt->sched), FL_TR_CRASH, n->id);
  drop_deferred(n);
  fl__node_idle(n);
  fl__node_disk_crash(n);
  fl__actor_free(n);
  n->is_up = false;
  n->pauses = 0; /* a crash ends every pause: their auto-resumes are stale */
  n->pause_epoch++;
  n->incarnation++;
  g_string_truncate(n->last_state, 0);
  return true;
}

bool fl__node_restart(fl_node *n) {
  if (n->is_up) return false;
  fl_transport *rt = n->rt;
  fl_trace_node_event(rt->trace, fl_sched_now(rt->sched), FL_TR_RESTART, n->id);
  n->is_up = true;
  n->state = fl__actor_restart(n);
  return true;
}

/* The trace records only the moments the node stops and starts running: a pause nested in
 * another changes nothing a reader of the trace could see. */
static bool add_pause(fl_node *n) {
  if (!n->is_up) return false;
  if (n->pauses++ == 0)
    fl_trace_node_event(n->rt->trace, fl_sched_now(n->rt->sched), FL_TR_PAUSE, n->id);
  return true;
}

bool fl__node_pause_for(fl_node *n, int64_t for_ns) {
  if (!add_pause(n)) return false;
  /* The end of this pause, in the epoch it started in: an explicit resume or a crash before
   * then bumps the epoch, and this event then ends nothing. */
  fl_sched *sched = n->rt->sched;
  if (for_ns > 0 && for_ns <= INT64_MAX - fl_sched_now(sched))
    fl_sched_at(sched, fl_sched_now(sched) + for_ns, FL_EV_AUTO_RESUME,
                (uint64_t)n->id | ((uint64_t)n->pause_epoch << FL_CLIENT_BITS));
  return true;
}

/* The node runs again: what waited for it is handed over. */
static void wake(fl_node *n) {
  fl_trace_node_event(n->rt->trace, fl_sched_now(n->rt->sched), FL_TR_RESUME, n->id);
  /* A service in progress is forgotten: its item is handed over again, and queues anew
   * behind nothing. */
  fl__node_idle(n);
  fl__node_rearm_deferred(n);
}

void fl__node_rearm_deferred(fl_node *n) {
  fl_transport *rt = n->rt;
  int64_t now = fl_sched_now(rt->sched);
  /* Each waiting item becomes an event at this instant, in arrival order (the scheduler's
   * insertion sequence keeps it). A timer is re-armed as a scheduler timer of its own, still
   * known by the protocol's id, so that a cancel before its turn removes it. */
  GArray *items = n->deferred;
  for (guint i = 0; i < items->len; i++) {
    fl_deferred *d = &g_array_index(items, fl_deferred, i);
    if (d->msg) {
      fl_sched_at(rt->sched, now, FL_EV_DELIVER_HELD, (uint64_t)(uintptr_t)d->msg);
    } else if (!d->is_timer) {
      fl_sched_at(rt->sched, now, FL_EV_MEMBER_HELD,
                  fl__member_event(n->id, d->member_node, d->member, n->incarnation));
    } else {
      fl_rearmed r = {.id = d->timer,
                      .again = fl_sched_timer_at(rt->sched, now, FL_EV_TIMER, d->tag)};
      own_timer(n, r.again, r.id);
      g_array_append_val(n->rearmed, r);
    }
  }
  g_array_set_size(items, 0);
}

bool fl__node_resume(fl_node *n) {
  if (!n->is_up || !n->pauses) return false;
  n->pauses = 0;
  n->pause_epoch++;
  wake(n);
  return true;
}

void fl__node_pause_end(fl_node *n, uint32_t epoch) {
  if (!n->is_up || !n->pauses || epoch != n->pause_epoch) return;
  if (--n->pauses == 0) wake(n);
}

/* ---- The node API. */

/* A protocol calling the API for a node whose hook is not running is a protocol bug: stop the
 * run with an error rather than corrupt another node's state. */
static bool in_hook(fl_node_ctx *ctx, const char *fn) {
  if (ctx && ctx->all && ctx->all->current == ctx) return true;
  if (ctx && ctx->all)
    fl__transport_halt(ctx->rt, FL_STOP_PROTOCOL_ERROR,
                   "node n%d called %s outside one of its own hooks", ctx->id + 1, fn);
  return false;
}

int fl_node_id(const fl_node_ctx *ctx) { return ctx->id; }
int fl_node_count(const fl_node_ctx *ctx) { return ctx->rt->n_nodes; }
bool fl_node_is_member(const fl_node_ctx *ctx, int node) {
  return node >= 0 && node < ctx->rt->n_nodes && ctx->all->member[node];
}
int64_t fl_node_now(const fl_node_ctx *ctx) {
  return fl__node_local_time(ctx, fl_sched_now(ctx->rt->sched));
}
fl_rng *fl_node_rng(fl_node_ctx *ctx) { return ctx->rng; }
const fl_options *fl_node_options(const fl_node_ctx *ctx) { return ctx->all->options; }

void fl_node_send(fl_node_ctx *ctx, int dst, const void *msg, size_t len) {
  if (!in_hook(ctx, "fl_node_send")) return;
  fl_transport *rt = ctx->rt;
  if (dst < 0 || dst >= rt->n_nodes || dst == ctx->id) {
    fl__transport_halt(rt, FL_STOP_PROTOCOL_ERROR,
                   "node n%d sent a message to node index %d (expected 0..%d, not itself)",
                   ctx->id + 1, dst, rt->n_nodes - 1);
    return;
  }
  if (len > (1u << 30)) {
    fl__transport_halt(rt, FL_STOP_PROTOCOL_ERROR, "node n%d sent a message of %zu bytes",
                   ctx->id + 1, len);
    return;
  }
  fl__node_send_raw(ctx, dst, msg, len);
}

void fl_node_broadcast(fl_node_ctx *ctx, const void *msg, size_t len) {
  if (!in_hook(ctx, "fl_node_broadcast")) return;
  for (int i = 0; i < ctx->rt->n_nodes && ctx->rt->stop == FL_STOP_NONE; i++)
    if (i != ctx->id) fl_node_send(ctx, i, msg, len);
}

fl_timer_id fl_node_set_timer(fl_node_ctx *ctx, int64_t delay_ns, uint64_t tag) {
  if (!in_hook(ctx, "fl_node_set_timer")) return 0;
  fl_transport *rt = ctx->rt;
  if (delay_ns < 0) {
    fl__transport_halt(rt, FL_STOP_PROTOCOL_ERROR, "node n%d set a timer %" G_GINT64_FORMAT
                   "ns in the past", ctx->id + 1, -delay_ns);
    return 0;
  }
  /* A clock that runs fast (drift > 0) reaches a local deadline sooner in simulated time.
   * Rounded up, so that the timer never fires before its local deadline (a protocol that
   * re-arms for the time left would otherwise spin on 0 ns timers); 128-bit so an hour of
   * nanoseconds times a million cannot overflow. */
  __int128 rate = 1000000 + ctx->drift_ppm;
  int64_t real = (int64_t)(((__int128)delay_ns * 1000000 + rate - 1) / rate);
  int64_t now = fl_sched_now(rt->sched);
  /* Jitter: a real scheduler wakes a timer late by a drawn amount, never early. */
  if (ctx->phys.jitter) {
    int64_t j = fl_dist_sample_ns(ctx->phys.jitter, ctx->phys.jitter_rng);
    real = j > INT64_MAX / 2 - real ? INT64_MAX / 2 : real + j;
  }
  if (real > INT64_MAX / 2 - now) {
    fl__transport_halt(rt, FL_STOP_PROTOCOL_ERROR, "node n%d set a timer %" G_GINT64_FORMAT
                   "ns ahead, beyond any run", ctx->id + 1, delay_ns);
    return 0;
  }
  fl_timer_id id = fl_sched_timer_at(rt->sched, now + real, FL_EV_TIMER, tag);
  own_timer(ctx, id, id);
  return id;
}

bool fl_node_cancel_timer(fl_node_ctx *ctx, fl_timer_id id) {
  if (!in_hook(ctx, "fl_node_cancel_timer")) return false;
  fl_transport *rt = ctx->rt;
  /* A timer that came due during a pause: still waiting for the resume (the node's hooks do
   * not run while it is paused, so this is for completeness), or re-armed at it. Timer ids
   * carry their slot's generation, so an id matches one timer only. */
  for (guint i = 0; id && i < ctx->deferred->len; i++) {
    const fl_deferred *d = &g_array_index(ctx->deferred, fl_deferred, i);
    if (d->is_timer && d->timer == id) {
      g_array_remove_index(ctx->deferred, i);
      return true;
    }
  }
  for (guint i = 0; id && i < ctx->rearmed->len; i++) {
    const fl_rearmed *r = &g_array_index(ctx->rearmed, fl_rearmed, i);
    if (r->id == id) {
      fl_sched_cancel(rt->sched, r->again);
      g_array_remove_index(ctx->rearmed, i);
      return true;
    }
  }
  guint slot = (guint)(uint32_t)id;
  GArray *timers = ctx->all->timers;
  if (slot == 0 || slot > timers->len) return false;
  fl_timer_rec *rec = &g_array_index(timers, fl_timer_rec, slot - 1);
  if (rec->node != ctx->id || rec->incarnation != ctx->incarnation) return false;
  return fl_sched_cancel(rt->sched, id);
}

void fl_node_persist(fl_node_ctx *ctx, uint64_t key, const void *data, size_t len) {
  if (!in_hook(ctx, "fl_node_persist")) return;
  if (ctx->phys.disk) fl__node_disk_put(ctx, key, data, len);
  fl_durable_put(ctx->durable, key, data, len);
  ctx->persist_writes++;
  ctx->persisted_bytes += len;
}

const void *fl_node_load(fl_node_ctx *ctx, uint64_t key, size_t *len) {
  return fl_durable_get(ctx->durable, key, len);
}

const void *fl__node_load(const fl_node *n, uint64_t key, size_t *len) {
  return fl_durable_get(n->durable, key, len);
}

/* Erases keys >= from and < to; to_end: every key >= from. */
void fl_node_erase_from(fl_node_ctx *ctx, uint64_t key) {
  if (!in_hook(ctx, "fl_node_erase_from")) return;
  if (ctx->phys.disk) fl__node_disk_erase(ctx, key, 0, true);
  fl_durable_erase(ctx->durable, key, 0, true);
}

void fl_node_erase_range(fl_node_ctx *ctx, uint64_t from, uint64_t to) {
  if (!in_hook(ctx, "fl_node_erase_range")) return;
  if (ctx->phys.disk) fl__node_disk_erase(ctx, from, to, false);
  fl_durable_erase(ctx->durable, from, to, false);
}

void fl_node_reply(fl_node_ctx *ctx, const fl_op *op, const fl_op_result *result) {
  if (!in_hook(ctx, "fl_node_reply")) return;
  fl_transport *rt = ctx->rt;
  if ((int)op->endpoint < rt->n_nodes || (int)op->endpoint >= rt->n_nodes + rt->n_clients) {
    fl__transport_halt(rt, FL_STOP_PROTOCOL_ERROR,
                   "node n%d replied to endpoint %u, which is not a client", ctx->id + 1,
                   op->endpoint);
    return;
  }
  if (op->kind == FL_OP_TXN) {
    /* A transaction's reply has the transaction's shape; only its head is known here (the
     * protocol may have kept no more than the fl_op): no micro-ops, which is enough for a
     * redirect or a failure. An ok must come through fl_node_reply_txn. */
    fl_txn head;
    memset(&head, 0, sizeof head);
    fl_op_copy(&head.op, op);
    fl_node_reply_txn(ctx, &head, result);
    return;
  }
  fl_client_reply r;
  memset(&r, 0, sizeof r); /* no uninitialised padding goes on the wire */
  fl_op_copy(&r.op, op);
  fl_op_result_copy(&r.result, result);
  fl__node_send_raw(ctx, (int)op->endpoint, &r, sizeof r);
}

void fl_node_reply_txn(fl_node_ctx *ctx, const fl_txn *txn, const fl_op_result *result) {
  if (!in_hook(ctx, "fl_node_reply_txn")) return;
  fl_transport *rt = ctx->rt;
  const fl_op *op = &txn->op;
  if ((int)op->endpoint < rt->n_nodes || (int)op->endpoint >= rt->n_nodes + rt->n_clients ||
      op->kind != FL_OP_TXN) {
    fl__transport_halt(rt, FL_STOP_PROTOCOL_ERROR,
                   "node n%d replied with a transaction to endpoint %u, which is not a client "
                   "waiting for one", ctx->id + 1, op->endpoint);
    return;
  }
  fl_client_txn_reply t;
  memset(&t, 0, sizeof t); /* no uninitialised padding goes on the wire */
  fl_op_result_copy(&t.result, result);
  fl_txn_copy(&t.txn, txn);
  fl__node_send_raw(ctx, (int)op->endpoint, &t, sizeof t);
}

void fl_node_annotate(fl_node_ctx *ctx, const char *fmt, ...) {
  if (!in_hook(ctx, "fl_node_annotate")) return;
  va_list ap;
  va_start(ap, fmt);
  char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  fl_trace_annotate(ctx->rt->trace, fl_sched_now(ctx->rt->sched), ctx->id, text);
  g_free(text);
}

static void metric(fl_node_ctx *ctx, const char *fn, const char *name, fl_metric_kind kind,
                   int64_t value) {
  if (!in_hook(ctx, fn)) return;
  GString *why = g_string_new(NULL);
  if (!fl_metrics_update(ctx->all->metrics, ctx->id, name, kind, value, why))
    fl__transport_halt(ctx->rt, FL_STOP_PROTOCOL_ERROR, "node n%d called %s: %s", ctx->id + 1,
                       fn, why->str);
  g_string_free(why, TRUE);
}

void fl_node_metric_add(fl_node_ctx *ctx, const char *name, int64_t delta) {
  metric(ctx, "fl_node_metric_add", name, FL_METRIC_SUM, delta);
}

void fl_node_metric_max(fl_node_ctx *ctx, const char *name, int64_t value) {
  metric(ctx, "fl_node_metric_max", name, FL_METRIC_MAX, value);
}

void fl_node_fail(fl_node_ctx *ctx, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  fl__transport_halt(ctx->rt, FL_STOP_PROTOCOL_ERROR, "node n%d failed: %s", ctx->id + 1, text);
  g_free(text);
}
