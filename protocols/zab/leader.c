/* leader: the prospective leader's discovery and synchronization, then the broadcast.
 *
 * Discovery: each follower sends FOLLOWERINFO with its accepted epoch. With a quorum of them
 * (its own counted) the leader picks an epoch above every one it heard, accepts it itself
 * (persisted), and sends NEWEPOCH; a later follower gets NEWEPOCH at once.
 *
 * Synchronization: a follower's ACKEPOCH says where its history ends (current epoch, last
 * zxid, position). A follower whose history the leader's beats sends the leader back to the
 * election (it should not have won). Otherwise the leader sends, with NEWLEADER:
 *   DIFF   the follower's last zxid is at the same position in the leader's history: the rest;
 *   TRUNC  it is not (an old epoch's proposal the leader never had): the follower drops its
 *          history after the last position whose zxid precedes its own, then gets the rest;
 *   SNAP   the follower misses more than snap_threshold committed transactions, or the cut is
 *          below what the leader holds as history: the state machine, then the rest.
 * Once a quorum (its own counted) acknowledged NEWLEADER, the leader is established: its whole
 * history is committed (a quorum holds it), it persists the epoch as current, and broadcasts.
 *
 * Broadcast: a client's command gets the next zxid of the epoch, goes into the history
 * (persisted) and to every synced follower; it commits once a quorum acknowledged it, and the
 * leader then sends the commit point (ZooKeeper's COMMIT, which followers do not answer); every
 * message to a follower carries it. Each tick the leader resends to a follower what it has not
 * acknowledged (a lost proposal) or pings an idle one, and gives up its leadership when it has
 * not heard a quorum for sync_limit, or was not established within init_limit.
 */
#include "zab_int.h"

#include <string.h>

static int count_peers(const zab_state *s, uint32_t at_least) {
  int c = 1; /* itself */
  for (int i = 0; i < s->n; i++)
    if (i != s->id && s->peers[i].phase >= at_least) c++;
  return c;
}

static void send_newepoch(zab_state *s, fl_node_ctx *ctx, int to) {
  zab_msg_newepoch m;
  memset(&m, 0, sizeof m);
  m.type = ZAB_MSG_NEWEPOCH;
  m.epoch = s->epoch;
  fl_node_send(ctx, to, &m, sizeof m);
  s->peers[to].phase = ZAB_PEER_EPOCH_SENT;
}

/* Sends the proposals from position `from` (at most max_batch) and the commit point. */
static void send_propose(zab_state *s, fl_node_ctx *ctx, int to, uint64_t from, bool ping) {
  uint64_t last = zab_last_pos(s);
  uint64_t n = from <= last ? last - from + 1 : 0;
  if (n > (uint64_t)s->cfg.max_batch) n = (uint64_t)s->cfg.max_batch;
  zab_msg_propose m;
  memset(&m, 0, sizeof m);
  m.type = ZAB_MSG_PROPOSE;
  m.n = (uint32_t)n;
  m.epoch = s->epoch;
  m.first = from;
  m.commit = s->commit;
  m.ping = ping;
  size_t len = sizeof m + (size_t)n * sizeof(zab_txn);
  char *buf = g_malloc0(len);
  memcpy(buf, &m, sizeof m);
  for (uint64_t k = 0; k < n; k++)
    memcpy(buf + sizeof m + k * sizeof(zab_txn), zab_txn_at(s, from + k), sizeof(zab_txn));
  fl_node_send(ctx, to, buf, len);
  g_free(buf);
  if (n && from + n - 1 > s->peers[to].sent) s->peers[to].sent = from + n - 1;
  if (n || ping) s->peers[to].sent_at = fl_node_now(ctx);
}

static void establish(zab_state *s, fl_node_ctx *ctx) {
  s->established = true;
  s->phase = ZAB_BROADCAST;
  s->current_epoch = s->epoch;
  fl__zab_persist_meta(s, ctx);
  fl__zab_note(s, ZAB_NOTE_ESTABLISHED, s->epoch);
  fl_node_annotate(ctx, "established epoch %" G_GUINT64_FORMAT " with history up to %" G_GUINT64_FORMAT,
                   s->epoch, zab_last_pos(s));
  fl_node_metric_add(ctx, "zab_established", 1);
  fl__zab_commit_to(s, ctx, zab_last_pos(s));
  for (int i = 0; i < s->n; i++)
    if (i != s->id && s->peers[i].phase == ZAB_PEER_SYNCED) send_propose(s, ctx, i, s->peers[i].acked + 1, false);
}

static void choose_epoch(zab_state *s, fl_node_ctx *ctx) {
  uint64_t e = s->accepted_epoch;
  for (int i = 0; i < s->n; i++)
    if (i != s->id && s->peers[i].phase >= ZAB_PEER_INFO && s->peers[i].accepted_epoch > e)
      e = s->peers[i].accepted_epoch;
  s->epoch = e + 1;
  s->counter = 0;
  s->accepted_epoch = s->epoch;
  fl__zab_persist_meta(s, ctx);
  s->phase = ZAB_SYNC;
  fl_node_annotate(ctx, "new epoch %" G_GUINT64_FORMAT, s->epoch);
  for (int i = 0; i < s->n; i++)
    if (i != s->id && s->peers[i].phase == ZAB_PEER_INFO) send_newepoch(s, ctx, i);
  if (s->cfg.bug == ZAB_BUG_BROADCAST_BEFORE_SYNC) {
    establish(s, ctx); /* the bug: no quorum has this history yet */
    return;
  }
  if (fl_quorum_reached(1, s->n)) establish(s, ctx);
}

void fl__zab_lead(zab_state *s, fl_node_ctx *ctx) {
  s->role = ZAB_LEADING;
  s->phase = ZAB_DISCOVERY;
  s->leader = s->id;
  s->epoch = 0;
  s->established = false;
  memset(s->peers, 0, sizeof *s->peers * (size_t)s->n);
  s->phase_start = fl_node_now(ctx);
  fl_node_annotate(ctx, "leading after round %" G_GUINT64_FORMAT, s->round);
  fl_node_metric_add(ctx, "zab_elections_won", 1);
  if (fl_quorum_reached(1, s->n)) choose_epoch(s, ctx);
}

void fl__zab_on_followerinfo(zab_state *s, fl_node_ctx *ctx, int from, const zab_msg_followerinfo *m) {
  if (s->role != ZAB_LEADING) return;
  zab_peer *p = &s->peers[from];
  memset(p, 0, sizeof *p);
  p->phase = ZAB_PEER_INFO;
  p->accepted_epoch = m->accepted_epoch;
  p->heard = fl_node_now(ctx);
  if (s->epoch) {
    send_newepoch(s, ctx, from);
    return;
  }
  if (fl_quorum_reached(count_peers(s, ZAB_PEER_INFO), s->n)) choose_epoch(s, ctx);
}

/* The last position of the leader's history whose zxid is at most z (base if none). */
static uint64_t cut_at(const zab_state *s, uint64_t z) {
  uint64_t lo = s->hist.base, hi = zab_last_pos(s);
  while (lo < hi) { /* zxids grow along the history */
    uint64_t mid = lo + (hi - lo + 1) / 2;
    if (fl__zab_zxid_at(s, mid) <= z)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

static void send_sync(zab_state *s, fl_node_ctx *ctx, int to, const zab_msg_ackepoch *a) {
  uint64_t last = zab_last_pos(s), base = s->hist.base;
  uint32_t mode;
  uint64_t cut;
  if (a->last_pos >= base && a->last_pos <= last && fl__zab_zxid_at(s, a->last_pos) == a->last_zxid) {
    mode = ZAB_SYNC_DIFF;
    cut = a->last_pos;
  } else {
    cut = cut_at(s, a->last_zxid);
    mode = ZAB_SYNC_TRUNC;
  }
  /* Too far behind, or cut below the history the leader keeps: the state machine instead. */
  if (cut < base || (cut == base && base > 0 && mode == ZAB_SYNC_TRUNC) ||
      (s->commit > cut && s->commit - cut > (uint64_t)s->cfg.snap_threshold))
    mode = ZAB_SYNC_SNAP;
  GByteArray *snap = NULL;
  if (mode == ZAB_SYNC_SNAP) {
    snap = fl__zab_snapshot_take(s);
    cut = s->applied;
  }
  uint64_t n = last - cut;
  zab_msg_sync m;
  memset(&m, 0, sizeof m);
  m.type = ZAB_MSG_SYNC;
  m.mode = mode;
  m.epoch = s->epoch;
  m.trunc_pos = cut;
  m.trunc_zxid = fl__zab_zxid_at(s, cut);
  m.commit = s->commit;
  m.n = (uint32_t)n;
  m.snap_len = snap ? snap->len : 0;
  size_t len = sizeof m + m.snap_len + (size_t)n * sizeof(zab_txn);
  char *buf = g_malloc0(len);
  memcpy(buf, &m, sizeof m);
  if (snap) memcpy(buf + sizeof m, snap->data, snap->len);
  for (uint64_t k = 0; k < n; k++)
    memcpy(buf + sizeof m + m.snap_len + k * sizeof(zab_txn), zab_txn_at(s, cut + 1 + k),
           sizeof(zab_txn));
  fl_node_send(ctx, to, buf, len);
  g_free(buf);
  if (snap) g_byte_array_free(snap, TRUE);
  static const char *metric[] = {NULL, "zab_sync_diff", "zab_sync_trunc", "zab_sync_snap"};
  fl_node_metric_add(ctx, metric[mode], 1);
  s->peers[to].phase = ZAB_PEER_SYNC_SENT;
}

void fl__zab_on_ackepoch(zab_state *s, fl_node_ctx *ctx, int from, const zab_msg_ackepoch *m) {
  zab_peer *p = &s->peers[from];
  if (s->role != ZAB_LEADING || m->epoch != s->epoch || p->phase != ZAB_PEER_EPOCH_SENT) return;
  p->heard = fl_node_now(ctx);
  if (fl__zab_history_newer(s, m->current_epoch, m->last_zxid, s->current_epoch, zab_last_zxid(s))) {
    fl__zab_start_looking(s, ctx, "a follower's history is newer than the leader's");
    return;
  }
  send_sync(s, ctx, from, m);
}

static void advance_commit(zab_state *s, fl_node_ctx *ctx) {
  if (!s->established) return;
  uint64_t *acked = g_new0(uint64_t, s->n);
  for (int i = 0; i < s->n; i++)
    acked[i] = i == s->id ? zab_last_pos(s)
                          : s->peers[i].phase == ZAB_PEER_SYNCED ? s->peers[i].acked : 0;
  uint64_t c = fl_quorum_agreed(acked, s->n);
  g_free(acked);
  if (c <= s->commit) return;
  fl__zab_commit_to(s, ctx, c);
  for (int i = 0; i < s->n; i++)
    if (i != s->id && s->peers[i].phase == ZAB_PEER_SYNCED) send_propose(s, ctx, i, zab_last_pos(s) + 1, false);
}

void fl__zab_on_acknewleader(zab_state *s, fl_node_ctx *ctx, int from, const zab_msg_ack *m) {
  zab_peer *p = &s->peers[from];
  if (s->role != ZAB_LEADING || m->epoch != s->epoch || p->phase != ZAB_PEER_SYNC_SENT) return;
  p->heard = fl_node_now(ctx);
  p->phase = ZAB_PEER_SYNCED;
  p->acked = p->sent = MIN(m->last_pos, zab_last_pos(s));
  if (!s->established) {
    if (fl_quorum_reached(count_peers(s, ZAB_PEER_SYNCED), s->n)) establish(s, ctx);
    return;
  }
  if (p->acked < zab_last_pos(s)) send_propose(s, ctx, from, p->acked + 1, false);
  advance_commit(s, ctx);
}

void fl__zab_on_ack(zab_state *s, fl_node_ctx *ctx, int from, const zab_msg_ack *m) {
  zab_peer *p = &s->peers[from];
  if (s->role != ZAB_LEADING || m->epoch != s->epoch || p->phase != ZAB_PEER_SYNCED) return;
  p->heard = fl_node_now(ctx);
  if (m->last_pos > p->acked) p->acked = MIN(m->last_pos, zab_last_pos(s));
  advance_commit(s, ctx);
}

uint64_t fl__zab_propose(zab_state *s, fl_node_ctx *ctx, zab_txn *txn) {
  txn->zxid = ZAB_ZXID(s->epoch, ++s->counter);
  fl_durable_log_append(&s->hist, ctx, txn);
  uint64_t pos = zab_last_pos(s);
  for (int i = 0; i < s->n; i++)
    if (i != s->id && s->peers[i].phase == ZAB_PEER_SYNCED && s->peers[i].sent + 1 == pos)
      send_propose(s, ctx, i, pos, false);
  advance_commit(s, ctx); /* a cluster of one */
  return pos;
}

void fl__zab_leader_tick(zab_state *s, fl_node_ctx *ctx) {
  int64_t now = fl_node_now(ctx);
  if (!s->established) {
    if (now - s->phase_start > s->cfg.init_limit_ns)
      fl__zab_start_looking(s, ctx, "no quorum synchronized within init_limit");
    return;
  }
  int heard = 1;
  for (int i = 0; i < s->n; i++)
    if (i != s->id && s->peers[i].phase == ZAB_PEER_SYNCED && now - s->peers[i].heard <= s->cfg.sync_limit_ns)
      heard++;
  if (!fl_quorum_reached(heard, s->n)) {
    fl__zab_start_looking(s, ctx, "lost the quorum of followers");
    return;
  }
  /* Resend what a follower has not acknowledged, or ping an idle one: a follower that was sent
   * proposals within the tick and acknowledged them all needs nothing. */
  uint64_t last = zab_last_pos(s);
  for (int i = 0; i < s->n; i++) {
    const zab_peer *p = &s->peers[i];
    if (i == s->id || p->phase != ZAB_PEER_SYNCED) continue;
    if (p->acked >= last && now - p->sent_at < s->cfg.tick_ns) continue;
    send_propose(s, ctx, i, p->acked + 1, true);
  }
}
