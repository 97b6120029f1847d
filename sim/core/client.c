/* client: the closed-loop client engine (see client.h for the semantics). What each client
 * asks for is its workload kind's business (workload.h); this file only runs the loop. */
#include "client.h"
#include "rng_gsl.h"

#include <assert.h>
#include <math.h>
#include <string.h>
#include <gsl/gsl_randist.h>

struct fl_client {
  uint32_t index;
  int endpoint;
  fl_rng *rng;
  uint64_t process;
  uint64_t seq; /* of the current or last operation */
  bool busy;
  fl_txn req; /* the operation (req.op); a transaction's micro-ops follow it */
  fl_workload_client wl_state;
  int64_t invoked_ns;
  int side; /* at invocation: 1 majority, 0 minority */
  int target;
  fl_timer_id timeout;
  int64_t resend_at; /* when the request goes out again if unanswered (resend > 0) */
  fl_timer_id resend; /* cancelled when answered: an idle timer costs no event */
};

static gsl_ran_discrete_t *zipf_table(const fl_workload *wl) {
  double *weights = g_new(double, wl->keys);
  for (int k = 0; k < wl->keys; k++) weights[k] = 1.0 / pow(k + 1, wl->zipf_s);
  gsl_ran_discrete_t *t = gsl_ran_discrete_preproc((size_t)wl->keys, weights);
  g_free(weights);
  return t;
}

void fl__clients_init(fl_clients *cl) {
  int n = cl->rt->n_clients;
  cl->v = g_new0(fl_client, n ? n : 1);
  for (int i = 0; i < n; i++) {
    fl_client *c = &cl->v[i];
    c->index = (uint32_t)i;
    c->endpoint = cl->rt->n_nodes + i;
    c->rng = fl_rng_new(cl->seed, "client", (uint64_t)i);
    c->process = (uint64_t)i;
    c->target = i % cl->rt->n_nodes;
  }
  fl_latency_init(&cl->lat_all);
  fl_latency_init(&cl->lat_major);
  fl_latency_init(&cl->lat_minor);
  const GArray *ex = cl->scn->expects;
  cl->avail = g_new0(fl_avail, ex && ex->len ? ex->len : 1);
}

void fl__clients_clear(fl_clients *cl) {
  if (cl->v)
    for (int i = 0; i < cl->rt->n_clients; i++) fl_rng_free(cl->v[i].rng);
  g_free(cl->v);
  cl->v = NULL;
  if (cl->zipf) gsl_ran_discrete_free(cl->zipf);
  cl->zipf = NULL;
  g_free(cl->avail);
  cl->avail = NULL;
  if (cl->ops) g_array_free(cl->ops, TRUE);
  cl->ops = NULL;
}

static gsl_ran_discrete_t *zipf_of(fl_clients *cl) {
  if (!cl->zipf) cl->zipf = zipf_table(&cl->scn->workload);
  return cl->zipf;
}

static int64_t stop_ns(const fl_clients *cl) {
  int64_t s = cl->scn->workload.stop_ns;
  return s > 0 && s < cl->duration_ns ? s : cl->duration_ns;
}

static void schedule_wake(fl_clients *cl, fl_client *c) {
  int64_t think = fl_dist_sample_ns(&cl->scn->workload.think, c->rng);
  int64_t at = fl_sched_now(cl->rt->sched) + think;
  if (at < stop_ns(cl)) fl_sched_at(cl->rt->sched, at, FL_EV_CLIENT_WAKE, c->index);
}

void fl__clients_start(fl_clients *cl) {
  int64_t start = cl->scn->workload.start_ns;
  for (int i = 0; i < cl->rt->n_clients; i++)
    if (start < stop_ns(cl)) fl_sched_at(cl->rt->sched, start, FL_EV_CLIENT_WAKE, (uint64_t)i);
}

/* A transaction goes out whole; any other operation as a bare fl_op, as it always has. */
static void send_request(fl_clients *cl, fl_client *c) {
  size_t len = c->req.op.kind == FL_OP_TXN ? sizeof c->req : sizeof c->req.op;
  fl__transport_send(cl->rt, c->endpoint, c->target, &c->req, len);
  int64_t resend = cl->scn->workload.resend_ns;
  if (resend > 0) {
    c->resend_at = fl_sched_now(cl->rt->sched) + resend;
    if (c->resend) fl_sched_cancel(cl->rt->sched, c->resend);
    c->resend = fl_sched_timer_at(cl->rt->sched, c->resend_at, FL_EV_CLIENT_RESEND,
                                  (uint64_t)c->index | (c->seq << FL_CLIENT_BITS));
  }
}

static fl_side_counts *side_stats(fl_clients *cl, int side) {
  return side ? &cl->side_major : &cl->side_minor;
}

static bool on_side(const fl_clients *cl, const fl_expect *e, const fl_client *c) {
  switch (e->side) {
  case FL_SIDE_ALL: return true;
  case FL_SIDE_MAJORITY: return c->side == 1;
  case FL_SIDE_MINORITY: return c->side == 0;
  case FL_SIDE_NODES: return e->nodes && e->nodes[c->index % (uint32_t)cl->rt->n_nodes];
  }
  return false;
}

/* Availability expectations count, of the operations invoked inside their window that ended
 * within the run, the answered ones (world.h has the definition). */
static void count_avail(fl_clients *cl, const fl_client *c, bool answered) {
  const GArray *ex = cl->scn->expects;
  for (guint i = 0; ex && i < ex->len; i++) {
    const fl_expect *e = &g_array_index(ex, fl_expect, i);
    if (e->kind != FL_EXPECT_AVAILABILITY) continue;
    if (c->invoked_ns < e->from_ns || c->invoked_ns >= e->to_ns || !on_side(cl, e, c)) continue;
    cl->avail[i].ended++;
    if (answered) cl->avail[i].answered++;
  }
}

typedef struct key_picker {
  fl_clients *cl;
  fl_client *c;
} key_picker;

static int64_t pick_key(void *user) {
  key_picker *k = user;
  const fl_workload *wl = &k->cl->scn->workload;
  return wl->key_dist == FL_KEYS_ZIPF
             ? (int64_t)gsl_ran_discrete(fl_rng_gsl(k->c->rng), zipf_of(k->cl))
             : (int64_t)fl_rng_below(k->c->rng, (uint64_t)wl->keys);
}

void fl__client_wake(fl_clients *cl, uint32_t index) {
  fl_client *c = &cl->v[index];
  const fl_workload *wl = &cl->scn->workload;
  if (c->busy || fl_sched_now(cl->rt->sched) >= stop_ns(cl)) return;
  fl_txn req;
  memset(&req, 0, sizeof req); /* messages carry this struct: no uninitialised padding */
  req.op.client = c->index;
  req.op.endpoint = (uint32_t)c->endpoint;
  req.op.process = c->process;
  req.op.seq = ++c->seq;
  key_picker kp = {cl, c};
  fl_workload_gen g = {.wl = wl, .rng = c->rng, .state = &c->wl_state, .client = c->index,
                       .n_clients = (uint32_t)cl->rt->n_clients, .pick_key = pick_key, .user = &kp};
  wl->kind->next(&g, &req);
  fl_txn_copy(&c->req, &req);
  const fl_op op = c->req.op;
  c->busy = true;
  int64_t now = fl_sched_now(cl->rt->sched);
  c->invoked_ns = now;
  c->side = fl__transport_side(cl->rt, c->endpoint);
  side_stats(cl, c->side)->invoked++;
  cl->side_all.invoked++;
  if (cl->rt->measure) fl_measure_invoke(cl->rt->measure, now, c->side == 1);
  fl_history_add(cl->history, wl->kind, now, &c->req, FL_HIST_INVOKE, NULL);
  fl_trace_invoke(cl->rt->trace, now, c->endpoint, op.process, op.seq, op.kind, op.key, op.value,
                  op.expected, c->target);
  c->timeout = fl_sched_timer_at(cl->rt->sched, now + wl->timeout_ns, FL_EV_CLIENT_TIMEOUT,
                                 (uint64_t)c->index | (op.seq << FL_CLIENT_BITS));
  send_request(cl, c);
}

/* `done` is the transaction with what its reads returned (an ok transaction), else NULL. */
static void complete(fl_clients *cl, fl_client *c, fl_hist_type type, const fl_op_result *res,
                     const fl_txn *done, bool at_end, int node) {
  bool refused = type == FL_HIST_FAIL && res && res->status == FL_REPLY_REFUSED;
  int64_t now = fl_sched_now(cl->rt->sched);
  const fl_op *op = &c->req.op;
  bool has_value = type == FL_HIST_OK && res && res->has_value &&
                   (op->kind == FL_OP_READ || op->kind == FL_OP_ACQUIRE);
  /* The trace carries an ok reply's value even where it means nothing (a write's): the
   * digest has always hashed it. */
  int64_t value = type == FL_HIST_OK && res ? res->value : 0;
  fl_history_add_from(cl->history, cl->scn->workload.kind, now, done ? done : &c->req, type,
                      type == FL_HIST_OK ? res : NULL, node);
  fl_trace_complete(cl->rt->trace, now, c->endpoint, op->process, op->seq, type, has_value, value);
  const fl_workload_kind *k = cl->scn->workload.kind;
  if (k->completed)
    k->completed(&c->wl_state, op, type == FL_HIST_OK ? FL_WL_OK : type == FL_HIST_FAIL ? FL_WL_FAIL : FL_WL_INFO,
                 type == FL_HIST_OK ? res : NULL);
  if (c->resend) fl_sched_cancel(cl->rt->sched, c->resend);
  c->resend = 0;
  fl_side_counts *ss = side_stats(cl, c->side);
  switch (type) {
  case FL_HIST_OK:
    ss->ok++;
    cl->side_all.ok++;
    fl_latency_add(&cl->lat_all, now - c->invoked_ns);
    fl_latency_add(c->side ? &cl->lat_major : &cl->lat_minor, now - c->invoked_ns);
    break;
  case FL_HIST_FAIL:
    ss->fail++;
    cl->side_all.fail++;
    if (refused) ss->refused++, cl->side_all.refused++;
    break;
  default:
    ss->info++;
    cl->side_all.info++;
    if (at_end) ss->open_at_end++, cl->side_all.open_at_end++;
    break;
  }
  if (!at_end) count_avail(cl, c, type == FL_HIST_OK || (type == FL_HIST_FAIL && !refused));
  if (cl->ops) {
    fl_op_record r = {.invoke_ns = c->invoked_ns, .end_ns = now, .client = c->index,
                      .kind = (uint8_t)op->kind, .outcome = (uint8_t)type,
                      .majority = c->side == 1, .open_at_end = at_end, .refused = refused,
                      .node = c->target};
    g_array_append_val(cl->ops, r);
  }
  if (cl->rt->measure) fl_measure_complete(cl->rt->measure, now, c->side == 1, type == FL_HIST_OK);
  c->busy = false;
}

void fl__client_timeout(fl_clients *cl, uint32_t index, uint64_t seq) {
  fl_client *c = &cl->v[index];
  if (!c->busy || c->seq != seq) return;
  complete(cl, c, FL_HIST_INFO, NULL, NULL, false, -1);
  /* Jepsen: the process that timed out may still be executing; continue as a new one, and
   * try the next node in case this one is gone. */
  c->process += (uint64_t)cl->rt->n_clients;
  c->target = (c->target + 1) % cl->rt->n_nodes;
  schedule_wake(cl, c);
}

void fl__client_retry(fl_clients *cl, uint32_t index, uint64_t seq) {
  fl_client *c = &cl->v[index];
  if (c->busy && c->seq == seq) send_request(cl, c);
}

void fl__client_resend(fl_clients *cl, uint32_t index, uint64_t seq) {
  fl_client *c = &cl->v[index];
  c->resend = 0;
  /* Only the latest send's resend counts: an earlier one was overtaken by a redirect. */
  if (!c->busy || c->seq != seq || fl_sched_now(cl->rt->sched) != c->resend_at) return;
  c->target = (c->target + 1) % cl->rt->n_nodes; /* this node may be gone: try the next */
  send_request(cl, c);
}

/* An ok transaction comes back with the micro-ops that were sent: the same functions, keys
 * and written values (reads carry their results). */
static bool same_txn(const fl_txn *got, const fl_txn *sent) {
  if (got->n != sent->n) return false;
  for (uint32_t i = 0; i < sent->n; i++) {
    const fl_micro_op *a = &got->mops[i], *b = &sent->mops[i];
    if (a->f != b->f || a->key != b->key || (b->f == FL_MOP_WRITE && a->value != b->value))
      return false;
  }
  return true;
}

void fl__client_deliver(fl_clients *cl, fl_msg *m) {
  fl_client *c = &cl->v[m->dst - cl->rt->n_nodes];
  fl_client_reply r;
  fl_client_txn_reply tr;
  const fl_txn *done = NULL;
  if (m->len == sizeof tr) { /* a transaction's reply (sizes differ: client.h) */
    memcpy(&tr, m->data, sizeof tr);
    r.op = tr.txn.op;
    r.result = tr.result;
    done = &tr.txn;
  } else {
    assert(m->len == sizeof r);
    memcpy(&r, m->data, sizeof r);
  }
  /* A reply to an operation the client gave up on (or a duplicate) finds nobody waiting. */
  if (!c->busy || r.op.seq != c->seq) return;
  if (done && r.result.status == FL_REPLY_OK &&
      !same_txn(done, &c->req)) {
    fl__transport_halt(cl->rt, FL_STOP_PROTOCOL_ERROR,
                   "node n%d answered c%u's transaction %" G_GUINT64_FORMAT " ok without its "
                   "micro-operations as sent (answer with fl_node_reply_txn)",
                   m->src + 1, c->index + 1, c->seq);
    return;
  }
  switch (r.result.status) {
  case FL_REPLY_OK:
    fl_sched_cancel(cl->rt->sched, c->timeout);
    complete(cl, c, FL_HIST_OK, &r.result, done, false, m->src);
    schedule_wake(cl, c);
    break;
  case FL_REPLY_FAIL:
  case FL_REPLY_REFUSED:
    fl_sched_cancel(cl->rt->sched, c->timeout);
    complete(cl, c, FL_HIST_FAIL, &r.result, NULL, false, m->src);
    schedule_wake(cl, c);
    break;
  case FL_REPLY_REDIRECT: {
    /* The retry below sends again (and re-arms the resend): a resend due before it would
     * rotate the target away from the node named. */
    if (c->resend) fl_sched_cancel(cl->rt->sched, c->resend);
    c->resend = 0;
    int to = r.result.redirect_to;
    c->target = to >= 0 && to < cl->rt->n_nodes && to != m->src ? to : (m->src + 1) % cl->rt->n_nodes;
    int64_t at = fl_sched_now(cl->rt->sched) + cl->scn->workload.retry_ns;
    fl_sched_at(cl->rt->sched, at, FL_EV_CLIENT_RETRY, (uint64_t)c->index | (c->seq << FL_CLIENT_BITS));
    break;
  }
  }
}

/* Operations still open when the run ends: their outcome is unknown. */
void fl__clients_finish(fl_clients *cl) {
  for (int i = 0; i < cl->rt->n_clients; i++)
    if (cl->v[i].busy) complete(cl, &cl->v[i], FL_HIST_INFO, NULL, NULL, true, -1);
}
