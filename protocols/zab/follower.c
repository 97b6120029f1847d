/* follower: discovery, synchronization and broadcast from the follower's side.
 *
 * Having voted for a leader, a follower sends it FOLLOWERINFO (its accepted epoch), every tick
 * until NEWEPOCH comes (the leader may still be finishing its election when the first arrives).
 * It acknowledges NEWEPOCH only for an epoch above the one it accepted last (persisted first,
 * so it never acknowledges two leaders of one epoch), with its history position; an epoch at or
 * below it sends the follower back to the election. The leader's DIFF, TRUNC or SNAP brings its
 * history to the leader's: a TRUNC drops what it holds past the cut, the old epoch's proposals
 * that never committed. It checks the cut first (the zxid there must be the leader's), persists
 * the leader's epoch as its current epoch, and acknowledges NEWLEADER.
 *
 * In the broadcast it appends proposals in position order (a gap waits for the leader's resend),
 * acknowledges cumulatively, and delivers up to the leader's commit point. Hearing nothing from
 * the leader for sync_limit, or not being synchronized within init_limit, it looks again.
 */
#include "zab_int.h"

#include <string.h>

static void send_info(zab_state *s, fl_node_ctx *ctx) {
  zab_msg_followerinfo m;
  memset(&m, 0, sizeof m);
  m.type = ZAB_MSG_FOLLOWERINFO;
  m.accepted_epoch = s->accepted_epoch;
  fl_node_send(ctx, s->leader, &m, sizeof m);
}

void fl__zab_follow(zab_state *s, fl_node_ctx *ctx, int leader) {
  s->role = ZAB_FOLLOWING;
  s->phase = ZAB_DISCOVERY;
  s->leader = leader;
  s->phase_start = s->heard = fl_node_now(ctx);
  send_info(s, ctx);
}

static bool from_leader(const zab_state *s, int from, zab_phase phase) {
  return s->role == ZAB_FOLLOWING && s->leader == from && s->phase == phase;
}

static void send_ack(zab_state *s, fl_node_ctx *ctx, uint32_t type) {
  zab_msg_ack a;
  memset(&a, 0, sizeof a);
  a.type = type;
  a.epoch = s->current_epoch;
  a.last_pos = zab_last_pos(s);
  fl_node_send(ctx, s->leader, &a, sizeof a);
}

void fl__zab_on_newepoch(zab_state *s, fl_node_ctx *ctx, int from, const zab_msg_newepoch *m) {
  if (!from_leader(s, from, ZAB_DISCOVERY)) return;
  if (m->epoch <= s->accepted_epoch) {
    fl__zab_start_looking(s, ctx, "the leader's new epoch is not above the accepted one");
    return;
  }
  s->accepted_epoch = m->epoch;
  fl__zab_persist_meta(s, ctx);
  s->phase = ZAB_SYNC;
  s->heard = fl_node_now(ctx);
  zab_msg_ackepoch a;
  memset(&a, 0, sizeof a);
  a.type = ZAB_MSG_ACKEPOCH;
  a.epoch = m->epoch;
  a.current_epoch = s->current_epoch;
  a.last_pos = zab_last_pos(s);
  a.last_zxid = zab_last_zxid(s);
  fl_node_send(ctx, from, &a, sizeof a);
}

/* Appends the entries after position first - 1 that the history lacks. False on a conflict
 * (an entry at a position it holds with another zxid). */
static bool append_entries(zab_state *s, fl_node_ctx *ctx, uint64_t first, const char *p, uint32_t n) {
  for (uint32_t k = 0; k < n; k++) {
    uint64_t pos = first + k;
    zab_txn t;
    memcpy(&t, p + (size_t)k * sizeof t, sizeof t);
    if (pos <= s->hist.base) continue;
    if (pos <= zab_last_pos(s)) {
      if (zab_txn_at(s, pos)->zxid != t.zxid) return false;
      continue;
    }
    if (pos != zab_last_pos(s) + 1) break;
    if (t.zxid <= zab_last_zxid(s)) return false; /* zxids grow along a history */
    fl_durable_log_append(&s->hist, ctx, &t);
  }
  return true;
}

void fl__zab_on_sync(zab_state *s, fl_node_ctx *ctx, int from, const void *msg, size_t len) {
  zab_msg_sync m;
  if (len < sizeof m) return;
  memcpy(&m, msg, sizeof m);
  if (len != sizeof m + m.snap_len + (size_t)m.n * sizeof(zab_txn)) return;
  if (!from_leader(s, from, ZAB_SYNC) || m.epoch != s->accepted_epoch) return;
  const char *p = (const char *)msg + sizeof m;
  uint64_t last = zab_last_pos(s);
  bool kept = false;
  if (m.mode == ZAB_SYNC_SNAP) {
    zab_snapshot_header h;
    if (!fl__zab_snapshot_restore(s, p, m.snap_len, &h) || h.index != m.trunc_pos) return;
    fl_node_persist(ctx, ZAB_KEY_SNAPSHOT, p, m.snap_len);
    fl_durable_log_reset(&s->hist, ctx, h.index, h.zxid);
    s->commit = s->applied = h.index;
    fl_node_annotate(ctx, "installed snapshot up to %" G_GUINT64_FORMAT, h.index);
  } else {
    bool cut_ok = m.trunc_pos >= s->hist.base && m.trunc_pos <= last &&
                  fl__zab_zxid_at(s, m.trunc_pos) == m.trunc_zxid;
    if (!cut_ok || (m.mode == ZAB_SYNC_DIFF && m.trunc_pos != last)) {
      fl__zab_start_looking(s, ctx, "the leader's sync does not fit the history");
      return;
    }
    if (m.trunc_pos < last) {
      if (m.trunc_pos < s->applied) {
        fl__zab_start_looking(s, ctx, "the leader would truncate a delivered transaction");
        return;
      }
      if (s->cfg.bug == ZAB_BUG_KEEP_UNCOMMITTED) {
        /* The bug: the old epoch's proposals stay, and the leader's follow them. */
        fl_node_annotate(ctx, "kept %" G_GUINT64_FORMAT " proposals a TRUNC drops", last - m.trunc_pos);
        m.trunc_pos = last;
        kept = true;
      } else {
        fl_node_annotate(ctx, "truncated %" G_GUINT64_FORMAT " proposals after %" G_GUINT64_FORMAT,
                         last - m.trunc_pos, m.trunc_pos);
        fl_node_metric_add(ctx, "zab_truncated", (int64_t)(last - m.trunc_pos));
        fl_durable_log_truncate(&s->hist, ctx, m.trunc_pos + 1);
      }
    }
  }
  const char *entries = p + m.snap_len;
  if (kept) {
    for (uint32_t k = 0; k < m.n; k++) {
      zab_txn t;
      memcpy(&t, entries + (size_t)k * sizeof t, sizeof t);
      fl_durable_log_append(&s->hist, ctx, &t);
    }
  } else if (!append_entries(s, ctx, m.trunc_pos + 1, entries, m.n)) {
    fl__zab_start_looking(s, ctx, "the leader's sync conflicts with the history");
    return;
  }
  s->current_epoch = m.epoch;
  fl__zab_persist_meta(s, ctx);
  s->phase = ZAB_BROADCAST;
  s->heard = fl_node_now(ctx);
  fl__zab_commit_to(s, ctx, m.commit);
  send_ack(s, ctx, ZAB_MSG_ACKNEWLEADER);
}

void fl__zab_on_propose(zab_state *s, fl_node_ctx *ctx, int from, const void *msg, size_t len) {
  zab_msg_propose m;
  if (len < sizeof m) return;
  memcpy(&m, msg, sizeof m);
  if (len != sizeof m + (size_t)m.n * sizeof(zab_txn) || m.first == 0 || m.first >= UINT64_MAX / 4)
    return;
  if (!from_leader(s, from, ZAB_BROADCAST) || m.epoch != s->current_epoch) return;
  s->heard = fl_node_now(ctx);
  if (!append_entries(s, ctx, m.first, (const char *)msg + sizeof m, m.n)) {
    fl__zab_start_looking(s, ctx, "a proposal conflicts with the history");
    return;
  }
  fl__zab_commit_to(s, ctx, m.commit);
  if (m.n || m.ping) send_ack(s, ctx, ZAB_MSG_ACK);
}

void fl__zab_follower_tick(zab_state *s, fl_node_ctx *ctx) {
  int64_t now = fl_node_now(ctx);
  if (s->phase != ZAB_BROADCAST && now - s->phase_start > s->cfg.init_limit_ns)
    fl__zab_start_looking(s, ctx, "not synchronized within init_limit");
  else if (s->phase == ZAB_DISCOVERY)
    send_info(s, ctx); /* the leader may have been looking still when the last arrived */
  else if (s->phase == ZAB_BROADCAST && now - s->heard > s->cfg.sync_limit_ns)
    fl__zab_start_looking(s, ctx, "lost the leader");
}
