/* replication: log replication (Figure 2's AppendEntries), the commit rule, and log compaction
 * with InstallSnapshot (paper section 7).
 *
 * Conflict backtracking is the paper's optimisation (end of 5.3): a follower that rejects an
 * AppendEntries names the term of its conflicting entry and the first index of that term, and
 * the leader skips the whole term at once rather than one entry per round trip.
 *
 * Replication is pipelined (as etcd's "replicate" state): once entries are sent, nextIndex
 * moves past them, so the next AppendEntries carries only newer entries instead of resending
 * those in flight. A lost message shows up as a rejection of the following one, which moves
 * nextIndex back.
 */
#include "raft_int.h"

#include <string.h>

static void send_snapshot(raft_state *s, fl_node_ctx *ctx, int peer) {
  size_t len = 0;
  uint64_t key = 0;
  const void *blob = fl_durable_slots_latest(&s->snap, &key) ? fl_node_load(ctx, key, &len) : NULL;
  if (!blob) return; /* base > 0 implies a snapshot; nothing sensible to send otherwise */
  raft_msg_snapshot m;
  memset(&m, 0, sizeof m);
  m.type = RAFT_MSG_SNAPSHOT;
  m.term = s->term;
  m.round = s->round;
  GByteArray *buf = g_byte_array_sized_new((guint)(sizeof m + len));
  g_byte_array_append(buf, (const guint8 *)&m, sizeof m);
  g_byte_array_append(buf, blob, (guint)len);
  fl__raft_send(s, ctx, peer, buf->data, buf->len);
  g_byte_array_free(buf, TRUE);
  s->next[peer] = s->log.base + 1;
}

static void send_append(raft_state *s, fl_node_ctx *ctx, int peer) {
  s->sent_at[peer] = fl_node_now(ctx);
  if (s->next[peer] <= s->log.base) {
    send_snapshot(s, ctx, peer);
    return;
  }
  uint64_t prev = s->next[peer] - 1, last = raft_last_index(&s->log);
  uint64_t n = last - prev;
  if (n > (uint64_t)s->cfg.max_batch) n = (uint64_t)s->cfg.max_batch;
  size_t len = sizeof(raft_msg_append) + n * sizeof(raft_entry);
  raft_msg_append *m = g_malloc0(len);
  m->type = RAFT_MSG_APPEND;
  m->n = (uint32_t)n;
  m->term = s->term;
  m->prev_index = prev;
  m->prev_term = fl__raft_term_at(&s->log, prev);
  m->commit = s->commit;
  m->round = s->round;
  if (n) memcpy(m->entries, fl__raft_entry_at(&s->log, prev + 1), n * sizeof(raft_entry));
  fl__raft_send(s, ctx, peer, m, len);
  g_free(m);
  s->next[peer] = prev + n + 1;
}

void fl__raft_broadcast_append(raft_state *s, fl_node_ctx *ctx) {
  s->round++;
  for (int i = 0; i < s->n; i++)
    if (i != s->id) send_append(s, ctx, i);
}

void fl__raft_heartbeat(raft_state *s, fl_node_ctx *ctx) {
  int64_t now = fl_node_now(ctx);
  s->round++;
  for (int i = 0; i < s->n; i++)
    if (i != s->id && now - s->sent_at[i] >= s->cfg.heartbeat_ns) send_append(s, ctx, i);
}

/* The commit rule (5.3, 5.4.2): the highest index stored on a majority commits, but only if
 * its entry is from the leader's own term; earlier entries then commit with it. The bug
 * commit-previous-term drops the term test: Figure 8's error. */
static void advance_commit(raft_state *s, fl_node_ctx *ctx) {
  uint64_t *m = g_new(uint64_t, s->n);
  for (int i = 0; i < s->n; i++) m[i] = i == s->id ? raft_last_index(&s->log) : s->match[i];
  uint64_t n = fl_quorum_agreed(m, s->n);
  g_free(m);
  if (n <= s->commit) return;
  if (fl__raft_term_at(&s->log, n) != s->term && s->cfg.bug != RAFT_BUG_COMMIT_PREVIOUS_TERM)
    return;
  s->commit = n;
  fl__raft_apply(s, ctx);
}

void fl__raft_become_leader(raft_state *s, fl_node_ctx *ctx) {
  s->role = RAFT_LEADER;
  s->leader = s->id;
  fl__raft_timer_stop(s, ctx, RAFT_TIMER_ELECTION);
  uint64_t last = raft_last_index(&s->log);
  for (int i = 0; i < s->n; i++) {
    s->next[i] = last + 1;
    s->match[i] = 0;
    s->acked_round[i] = 0;
    s->sent_at[i] = INT64_MIN / 2; /* long ago */
    s->heard[i] = false;
  }
  s->round = 0;
  /* A no-op of the new term (thesis 6.4): committing it commits everything before it, and
   * tells ReadIndex where this term's reads may be served from. */
  raft_entry noop;
  memset(&noop, 0, sizeof noop);
  noop.term = s->term;
  noop.type = RAFT_ENTRY_NOOP;
  fl_durable_log_append(&s->log, ctx, &noop);
  s->term_start = raft_last_index(&s->log);
  fl_node_annotate(ctx, "became leader, term %" G_GUINT64_FORMAT, s->term);
  fl__raft_arm_leader_timers(s, ctx);
  fl__raft_broadcast_append(s, ctx);
  advance_commit(s, ctx); /* a cluster of one commits alone */
}

static void reply_append(raft_state *s, fl_node_ctx *ctx, int to, uint32_t type,
                         raft_msg_append_reply *r, uint64_t round) {
  r->type = type;
  r->term = s->term;
  r->round = round;
  fl__raft_send(s, ctx, to, r, sizeof *r);
}

/* A message from the leader of a term at least ours: adopt the term and follow it. */
static void follow(raft_state *s, fl_node_ctx *ctx, int from, uint64_t term) {
  if (term > s->term || s->role != RAFT_FOLLOWER) fl__raft_step_down(s, ctx, term);
  s->leader = from;
  s->heard_leader_at = fl_node_now(ctx);
  s->has_heard_leader = true;
  fl__raft_reset_election_timer(s, ctx);
}

/* The first index of the term of the entry at `index`, for conflict backtracking. */
static uint64_t first_of_term(const raft_state *s, uint64_t index) {
  uint64_t t = fl__raft_term_at(&s->log, index);
  while (index - 1 > s->log.base && fl__raft_term_at(&s->log, index - 1) == t) index--;
  return index;
}

void fl__raft_on_append(raft_state *s, fl_node_ctx *ctx, int from, const raft_msg_append *msg,
                        size_t len) {
  raft_msg_append m;
  if (len < sizeof m) return;
  memcpy(&m, msg, sizeof m);
  if (len != sizeof m + (size_t)m.n * sizeof(raft_entry)) return;
  raft_msg_append_reply r;
  memset(&r, 0, sizeof r);
  if (m.term < s->term) {
    reply_append(s, ctx, from, RAFT_MSG_APPEND_REPLY, &r, m.round);
    return;
  }
  follow(s, ctx, from, m.term);

  uint64_t last = raft_last_index(&s->log);
  if (m.prev_index > last) {
    r.conflict_index = last + 1;
    reply_append(s, ctx, from, RAFT_MSG_APPEND_REPLY, &r, m.round);
    return;
  }
  if (m.prev_index > s->log.base && fl__raft_term_at(&s->log, m.prev_index) != m.prev_term) {
    r.conflict_term = fl__raft_term_at(&s->log, m.prev_index);
    r.conflict_index = first_of_term(s, m.prev_index);
    reply_append(s, ctx, from, RAFT_MSG_APPEND_REPLY, &r, m.round);
    return;
  }
  /* prev matches (or lies in the snapshot, which holds only committed entries). Append what
   * is new; truncate only at a real conflict, so a stale, reordered AppendEntries never
   * removes entries a later one added. */
  for (uint32_t k = 0; k < m.n; k++) {
    uint64_t index = m.prev_index + 1 + k;
    if (index <= s->log.base) continue;
    raft_entry e;
    memcpy(&e, (const char *)msg + sizeof m + k * sizeof e, sizeof e);
    if (index <= raft_last_index(&s->log)) {
      if (fl__raft_term_at(&s->log, index) == e.term) continue;
      fl_durable_log_truncate(&s->log, ctx, index);
    }
    fl_durable_log_append(&s->log, ctx, &e);
  }
  uint64_t match = m.prev_index + m.n;
  if (match < s->log.base) match = s->log.base;
  if (m.commit > s->commit) {
    uint64_t c = m.commit < match ? m.commit : match;
    if (c > s->commit) {
      s->commit = c;
      fl__raft_apply(s, ctx);
    }
  }
  r.success = 1;
  r.match = match;
  reply_append(s, ctx, from, RAFT_MSG_APPEND_REPLY, &r, m.round);
}

void fl__raft_on_append_reply(raft_state *s, fl_node_ctx *ctx, int from,
                              const raft_msg_append_reply *m) {
  if (m->term > s->term) {
    fl__raft_step_down(s, ctx, m->term);
    return;
  }
  if (s->role != RAFT_LEADER || m->term != s->term) return;
  s->heard[from] = true;
  if (m->round > s->acked_round[from]) s->acked_round[from] = m->round;
  uint64_t last = raft_last_index(&s->log);
  if (m->success) {
    if (m->match > last) return; /* not an index of ours: ignore it */
    if (s->next[from] < m->match + 1) s->next[from] = m->match + 1;
    if (m->match > s->match[from]) {
      s->match[from] = m->match;
      advance_commit(s, ctx);
    }
    /* Still behind after the newest answer: the last batch was capped by max_batch. */
    if (s->role == RAFT_LEADER && s->next[from] <= last && m->match + 1 == s->next[from])
      send_append(s, ctx, from);
  } else {
    uint64_t next = m->conflict_index;
    if (m->conflict_term) {
      /* The last entry of the follower's conflicting term in our log, if we have it. */
      for (uint64_t i = last; i > s->log.base; i--) {
        uint64_t t = fl__raft_term_at(&s->log, i);
        if (t == m->conflict_term) {
          next = i + 1;
          break;
        }
        if (t < m->conflict_term) break;
      }
    }
    if (next <= s->match[from]) next = s->match[from] + 1;
    if (next > last + 1) next = last + 1;
    if (next < 1) next = 1;
    if (next < s->next[from]) {
      s->next[from] = next;
      send_append(s, ctx, from);
    }
  }
  if (s->role == RAFT_LEADER) fl__raft_serve_reads(s, ctx);
}

/* ---- Snapshots. */

void fl__raft_maybe_compact(raft_state *s, fl_node_ctx *ctx) {
  if (s->cfg.snapshot_every <= 0 || s->applied - s->log.base < (uint64_t)s->cfg.snapshot_every)
    return;
  uint64_t upto = s->applied, term = fl__raft_term_at(&s->log, upto);
  GByteArray *blob = fl__raft_snapshot_take(s);
  fl__raft_persist_snapshot(s, ctx, blob->data, blob->len);
  g_byte_array_free(blob, TRUE);
  fl_durable_log_compact(&s->log, ctx, upto, term);
}

void fl__raft_on_snapshot(raft_state *s, fl_node_ctx *ctx, int from, const raft_msg_snapshot *msg,
                          size_t len) {
  raft_msg_snapshot m;
  raft_snapshot_header h;
  if (len < sizeof m + fl_rsm_snapshot_min_len(sizeof h)) return;
  memcpy(&m, msg, sizeof m);
  memcpy(&h, (const char *)msg + sizeof m, sizeof h);
  /* A snapshot's last entry is from the sender's term or earlier, and its index far from
   * overflowing: anything else is refused before it changes anything. */
  if (h.term > m.term || h.index >= UINT64_MAX / 2) return;
  raft_msg_append_reply r;
  memset(&r, 0, sizeof r);
  if (m.term < s->term) {
    reply_append(s, ctx, from, RAFT_MSG_SNAPSHOT_REPLY, &r, m.round);
    return;
  }
  follow(s, ctx, from, m.term);
  r.success = 1;
  r.match = h.index;
  if (h.index <= s->commit) { /* nothing new: we already hold everything it covers */
    reply_append(s, ctx, from, RAFT_MSG_SNAPSHOT_REPLY, &r, m.round);
    return;
  }
  const char *blob = (const char *)msg + sizeof m;
  size_t blob_len = len - sizeof m;
  /* Keep the suffix if our log agrees at the snapshot's last entry (7: "retain log entries
   * following it"); otherwise the whole log goes. */
  bool keep = h.index < raft_last_index(&s->log) && fl__raft_term_at(&s->log, h.index) == h.term;
  if (!fl__raft_snapshot_restore(s, blob, blob_len, &h)) return; /* malformed: changes nothing */
  fl__raft_persist_snapshot(s, ctx, blob, blob_len);
  if (keep) {
    fl_durable_log_compact(&s->log, ctx, h.index, h.term);
    fl_durable_log_mark_changed(&s->log, h.index + 1);
  } else {
    fl_durable_log_reset(&s->log, ctx, h.index, h.term);
  }
  fl_node_annotate(ctx, "installed snapshot up to %" G_GUINT64_FORMAT, h.index);
  reply_append(s, ctx, from, RAFT_MSG_SNAPSHOT_REPLY, &r, m.round);
}
