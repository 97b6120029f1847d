/* node_phys: a node's physical model: processing time per message or timer, disk latency with
 * an fsync model, timer jitter (in fl_node_set_timer) and clock jumps. Off by default: a node
 * whose model is empty takes none of these paths beyond one NULL test each.
 *
 * Processing. A node is one server with a FIFO queue (the `deferred` array it also uses for
 * pauses, so that cancelling a timer that waits there works the same way): an item reaching
 * an idle node starts its service, which lasts a drawn time; the item is handed to the
 * protocol when its service ends, so its sends leave then, and fl_node_now reads the end.
 * What arrives meanwhile waits; the next service starts when one ends. Handling the item at the
 * end rather than at arrival is what a CPU-bound handler looks like from the network (the
 * reply leaves `processing` after the request came), and a crash during the service loses the
 * item, as a crash loses a receive buffer. Rejected: running the hook at arrival and delaying
 * its sends, which would let a node's state run ahead of the time it is said to reach it.
 *
 * Disk. Each persist (or erase) is a write the disk has a drawn latency after it is made, and
 * never before an earlier write of the node: writes reach the disk in order, as appends to a
 * log do, and overlap (a device with a queue, and group commit). Rejected: one write at a
 * time, which makes the latency a throughput too (50 writes a second at 20 ms) and lets a busy
 * node's backlog grow without bound, which no real log does: it batches. The
 * store (durable.c) takes the change at once (the node reads its own writes, as from a page
 * cache); an undo record keeps what it replaced until the sync time. A crash undoes every
 * change not yet synced, newest first; with torn_writes the write in progress (the oldest
 * unsynced one: every other unsynced write waits behind it) is left cut at a drawn length in
 * [0, len). A write's undo record goes when its sync time passes. With fsync = yes, whatever
 * the node sends waits in its outbox until every write it made so far is synced (a reply that
 * writes nothing may vouch for an earlier write: "I hold entries up to 54"), so nothing a node
 * acknowledged is lost; with
 * fsync = no (a write cache that lies) it leaves at once, and a crash inside the window loses
 * a write the node has acknowledged.
 */
#include "node_int.h"

#include <string.h>

static fl_dist *dist_dup(const fl_dist *d) {
  fl_dist *out = g_new0(fl_dist, 1);
  fl_dist_copy(out, d);
  return out;
}

static void dist_free(fl_dist **d) {
  if (!*d) return;
  fl_dist_clear(*d);
  g_free(*d);
  *d = NULL;
}

/* A constant 0 is no model at all, so that `processing = 0ms` restores the default run. */
static bool is_off(const fl_dist *d) { return d->kind == FL_DIST_CONSTANT && !(d->a >= 0.5); }

static void set_dist(fl_node *n, fl_dist **slot, fl_rng **rng, const char *stream,
                     const fl_dist *d) {
  dist_free(slot);
  if (!d || is_off(d)) return;
  *slot = dist_dup(d);
  if (!*rng) *rng = fl_rng_new(n->all->seed, stream, (uint64_t)n->id);
}

void fl__node_set_processing(fl_node *n, const fl_dist *d) {
  set_dist(n, &n->phys.processing, &n->phys.proc_rng, "processing", d);
}

static void unsynced_free(fl_unsynced *u);

void fl__node_set_disk(fl_node *n, const fl_dist *d) {
  set_dist(n, &n->phys.disk, &n->phys.disk_rng, "disk", d);
  /* Turned off: what was pending counts as synced now. Writes from here on keep no undo
   * record, so an older record undone by a crash would clobber them. */
  GArray *u = n->phys.unsynced;
  if (!n->phys.disk && u) {
    for (guint i = 0; i < u->len; i++) unsynced_free(&g_array_index(u, fl_unsynced, i));
    g_array_set_size(u, 0);
  }
}

void fl__node_set_model(fl_node *n, const fl_node_model *m) {
  if (m->has_processing) fl__node_set_processing(n, &m->processing);
  if (m->has_disk) fl__node_set_disk(n, &m->disk);
  if (m->has_timer_jitter)
    set_dist(n, &n->phys.jitter, &n->phys.jitter_rng, "jitter", &m->timer_jitter);
  n->phys.fsync = m->fsync;
  n->phys.torn_writes = m->torn_writes;
}

void fl__node_clock_jump(fl_node *n, int64_t step_ns) { n->skew_ns += step_ns; }

static void unsynced_free(fl_unsynced *u) {
  g_free(u->old);
  g_free(u->data);
}

static void held_free(fl_held_send *h) { g_free(h->data); }

void fl__node_phys_clear(fl_node *n) {
  fl_node_phys *p = &n->phys;
  dist_free(&p->processing);
  dist_free(&p->disk);
  dist_free(&p->jitter);
  fl_rng_free(p->proc_rng);
  fl_rng_free(p->disk_rng);
  fl_rng_free(p->jitter_rng);
  for (guint i = 0; p->outbox && i < p->outbox->len; i++)
    held_free(&g_array_index(p->outbox, fl_held_send, i));
  if (p->outbox) g_array_free(p->outbox, TRUE);
  for (guint i = 0; p->unsynced && i < p->unsynced->len; i++)
    unsynced_free(&g_array_index(p->unsynced, fl_unsynced, i));
  if (p->unsynced) g_array_free(p->unsynced, TRUE);
  memset(p, 0, sizeof *p);
}

/* ---- Processing. */

static void start_service(fl_node *n) {
  fl_sched *sched = n->rt->sched;
  int64_t now = fl_sched_now(sched), d = fl_dist_sample_ns(n->phys.processing, n->phys.proc_rng);
  if (d > INT64_MAX / 2 - now) d = INT64_MAX / 2 - now; /* never past any run */
  n->phys.busy = true;
  fl_sched_at(sched, now + d, FL_EV_NODE_READY,
              (uint64_t)n->id | ((uint64_t)n->phys.epoch << FL_CLIENT_BITS));
}

bool fl__node_must_queue(fl_node *n) {
  if (n->phys.busy) return true;
  if (!n->phys.processing) return false;
  start_service(n);
  return true;
}

void fl__node_ready(fl_node *n, uint32_t epoch) {
  /* A stale service (the node crashed or resumed since), or one that ended while the node is
   * paused: the resume hands everything over again. */
  if (!n->is_up || epoch != n->phys.epoch || n->pauses) return;
  n->phys.busy = false;
  /* Only the node's own hooks cancel its timers, and none runs while an item is in service:
   * the queue's head is the item served. */
  if (n->deferred->len == 0) return;
  fl_deferred d = g_array_index(n->deferred, fl_deferred, 0);
  g_array_remove_index(n->deferred, 0);
  fl__node_handle_deferred(n, &d);
  if (!n->is_up || n->pauses || n->deferred->len == 0 || n->rt->stop != FL_STOP_NONE) return;
  if (n->phys.processing) {
    start_service(n);
  } else { /* the timeline turned processing off meanwhile: the rest is handed over now */
    fl__node_idle(n);
    fl__node_rearm_deferred(n);
  }
}

/* ---- Disk. */

/* Forgets the undo records of writes the disk has by now. */
static void trim_synced(fl_node *n, int64_t now) {
  GArray *u = n->phys.unsynced;
  guint k = 0;
  while (k < u->len && g_array_index(u, fl_unsynced, k).synced_ns <= now)
    unsynced_free(&g_array_index(u, fl_unsynced, k++));
  if (k) g_array_remove_range(u, 0, k);
}

/* The sync time of a write made now: a draw later, and never before an earlier write's. */
static int64_t disk_write(fl_node *n) {
  fl_node_phys *p = &n->phys;
  int64_t now = fl_sched_now(n->rt->sched);
  if (!p->unsynced) p->unsynced = g_array_new(FALSE, TRUE, sizeof(fl_unsynced));
  trim_synced(n, now);
  int64_t d = fl_dist_sample_ns(p->disk, p->disk_rng);
  if (d > INT64_MAX / 2 - now) d = INT64_MAX / 2 - now;
  p->disk_free_ns = MAX(p->disk_free_ns, now + d);
  if (p->fsync) p->hold_ns = p->disk_free_ns;
  return p->disk_free_ns;
}

static void note_old(fl_node *n, fl_unsynced *u) {
  size_t len = 0;
  const void *old = fl_durable_get(n->durable, u->key, &len);
  u->had_old = old != NULL;
  u->old_len = len;
  u->old = old ? g_memdup2(old, len ? len : 1) : NULL;
}

void fl__node_disk_put(fl_node *n, uint64_t key, const void *data, size_t len) {
  fl_unsynced u = {.synced_ns = disk_write(n), .key = key, .new_len = len};
  note_old(n, &u);
  if (n->phys.torn_writes) u.data = g_memdup2(data, len ? len : 1);
  g_array_append_val(n->phys.unsynced, u);
}

typedef struct erase_ctx {
  fl_node *n;
  int64_t synced_ns;
} erase_ctx;

static void erase_one(uint64_t key, void *user) {
  erase_ctx *e = user;
  fl_unsynced u = {.synced_ns = e->synced_ns, .key = key};
  note_old(e->n, &u);
  g_array_append_val(e->n->phys.unsynced, u);
}

void fl__node_disk_erase(fl_node *n, uint64_t from, uint64_t to, bool to_end) {
  erase_ctx e = {n, disk_write(n)};
  fl_durable_each(n->durable, from, to, to_end, erase_one, &e);
}

void fl__node_disk_crash(fl_node *n) {
  fl_node_phys *p = &n->phys;
  for (guint i = 0; p->outbox && i < p->outbox->len; i++)
    held_free(&g_array_index(p->outbox, fl_held_send, i));
  if (p->outbox) g_array_set_size(p->outbox, 0);
  p->disk_free_ns = 0;
  if (!p->unsynced) return;
  int64_t now = fl_sched_now(n->rt->sched);
  trim_synced(n, now);
  GArray *u = p->unsynced;
  for (guint i = u->len; i-- > 0;) {
    const fl_unsynced *x = &g_array_index(u, fl_unsynced, i);
    if (x->had_old) fl_durable_put(n->durable, x->key, x->old, x->old_len);
    else fl_durable_erase(n->durable, x->key, x->key + 1, x->key == UINT64_MAX);
  }
  /* The write in progress reached the disk in part: a prefix of a drawn length. */
  if (p->torn_writes && u->len > 0) {
    const fl_unsynced *x = &g_array_index(u, fl_unsynced, 0);
    if (x->data && x->new_len > 0) {
      size_t keep = (size_t)fl_rng_below(p->disk_rng, (uint64_t)x->new_len);
      fl_durable_put(n->durable, x->key, x->data, keep);
      GString *m = g_string_new(NULL);
      g_string_append_printf(m, "torn write: n%d's record %" G_GUINT64_FORMAT " kept %zu of "
                             "%zu bytes", n->id + 1, x->key, keep, x->new_len);
      fl_trace_net_change(n->rt->trace, now, m->str);
      g_string_free(m, TRUE);
    }
  }
  if (u->len > 0) {
    GString *m = g_string_new(NULL);
    g_string_append_printf(m, "crash of n%d lost %u unsynced write%s", n->id + 1, u->len,
                           u->len == 1 ? "" : "s");
    fl_trace_net_change(n->rt->trace, now, m->str);
    g_string_free(m, TRUE);
  }
  for (guint i = 0; i < u->len; i++) unsynced_free(&g_array_index(u, fl_unsynced, i));
  g_array_set_size(u, 0);
}

/* ---- Sends held for a sync. */

void fl__node_send_raw(fl_node *n, int dst, const void *data, size_t len) {
  fl_node_phys *p = &n->phys;
  int64_t now = fl_sched_now(n->rt->sched);
  if (p->hold_ns <= now) {
    fl__transport_send(n->rt, n->id, dst, data, len);
    return;
  }
  if (!p->outbox) p->outbox = g_array_new(FALSE, TRUE, sizeof(fl_held_send));
  /* Sync times only grow (one write at a time), so the outbox stays in time order; one
   * event per distinct time sends everything due. */
  bool new_time = p->outbox->len == 0 ||
                  g_array_index(p->outbox, fl_held_send, p->outbox->len - 1).at_ns < p->hold_ns;
  fl_held_send h = {.at_ns = p->hold_ns, .dst = dst, .len = len,
                    .data = g_memdup2(data, len ? len : 1)};
  g_array_append_val(p->outbox, h);
  if (new_time) fl_sched_at(n->rt->sched, p->hold_ns, FL_EV_NODE_SEND, (uint64_t)n->id);
}

void fl__node_send_held(fl_node *n) {
  GArray *o = n->phys.outbox;
  if (!o) return;
  int64_t now = fl_sched_now(n->rt->sched);
  guint k = 0;
  /* A crash since emptied the outbox; what a later life holds is due at its own time. */
  while (k < o->len && g_array_index(o, fl_held_send, k).at_ns <= now &&
         n->rt->stop == FL_STOP_NONE) {
    fl_held_send *h = &g_array_index(o, fl_held_send, k++);
    fl__transport_send(n->rt, n->id, h->dst, h->data, h->len);
  }
  for (guint i = 0; i < k; i++) held_free(&g_array_index(o, fl_held_send, i));
  if (k) g_array_remove_range(o, 0, k);
}
