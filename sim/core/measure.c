/* measure: elections, recovery and outages observed in a run (see measure.h; the definitions
 * users rely on are in scenarios/README.md, "The report" and "[expect]"). */
#include "measure.h"

#include <string.h>

static const char *const side_names[FL_MEASURE_SIDES] = {"all", "majority", "minority"};

const char *fl_measure_side_name(fl_measure_side side) {
  return (unsigned)side < FL_MEASURE_SIDES ? side_names[side] : "?";
}

void fl_measure_init(fl_measure *m, int n_nodes) {
  memset(m, 0, sizeof *m);
  m->n_nodes = n_nodes;
  m->cluster_leader = -1;
  size_t n = n_nodes > 0 ? (size_t)n_nodes : 1;
  m->has_last = g_new0(bool, n);
  m->last_role = g_new0(int, n);
  m->last_term = g_new0(uint64_t, n);
  m->faults = g_array_new(FALSE, TRUE, sizeof(fl_fault_record));
  m->no_target = g_array_new(FALSE, TRUE, sizeof(fl_no_target));
  m->windows = g_array_new(FALSE, TRUE, sizeof(fl_fault_window));
  for (int s = 0; s < FL_MEASURE_SIDES; s++) m->side[s].open_since = -1;
  m->heal_ns = -1;
}

void fl_measure_heal(fl_measure *m, int64_t now) { m->heal_ns = now; }

void fl_measure_clear(fl_measure *m) {
  if (!m->faults) return;
  g_free(m->has_last);
  g_free(m->last_role);
  g_free(m->last_term);
  g_array_free(m->faults, TRUE);
  for (guint i = 0; i < m->no_target->len; i++) {
    fl_no_target *t = &g_array_index(m->no_target, fl_no_target, i);
    g_free(t->action);
    g_free(t->reason);
  }
  g_array_free(m->no_target, TRUE);
  g_array_free(m->windows, TRUE);
  memset(m, 0, sizeof *m);
}

/* An election starts when a node stands: its status says candidate (or leader: a cluster of
 * one wins in the hook that stands) with a term above its previous status's, in any life.
 * Keying on the term counts Raft's candidate once per term and leaves PreVote's
 * pre-candidate (role candidate, term unchanged) out; Paxos's candidate raises its ballot.
 * A protocol without a term starts one each time its role turns to candidate. */
static bool stands(const fl_measure *m, int node, const fl_node_status *st) {
  bool standing = st->role == FL_ROLE_CANDIDATE || st->role == FL_ROLE_LEADER;
  if (!standing) return false;
  if (!m->has_last[node]) return true;
  if (st->term_kind != FL_TERM_NONE) return st->term > m->last_term[node];
  int was = m->last_role[node];
  return st->role == FL_ROLE_CANDIDATE ? was != FL_ROLE_CANDIDATE
                                       : was != FL_ROLE_CANDIDATE && was != FL_ROLE_LEADER;
}

void fl_measure_status(fl_measure *m, int64_t now, int node, bool was_leader,
                       const fl_node_status *st) {
  if (!m->faults || node < 0 || node >= m->n_nodes) return;
  if (stands(m, node, st)) m->elections++;
  m->has_last[node] = true;
  m->last_role[node] = (int)st->role;
  m->last_term[node] = st->term;
  if (st->role != FL_ROLE_LEADER || was_leader) return;
  m->leaders++;
  if (m->cluster_leader >= 0 && m->cluster_leader != node) m->leader_changes++;
  m->cluster_leader = node;
  for (guint i = m->wait_leader; i < m->faults->len; i++) {
    fl_fault_record *f = &g_array_index(m->faults, fl_fault_record, i);
    f->leader_ns = now - f->at_ns;
  }
  m->wait_leader = m->faults->len;
}

void fl_measure_fault(fl_measure *m, int64_t now, uint32_t action, int line) {
  if (!m->faults) return;
  fl_fault_record f = {.action = action, .line = line, .at_ns = now, .leader_ns = -1, .ok_ns = -1};
  g_array_append_val(m->faults, f);
}

void fl_measure_no_target(fl_measure *m, int64_t now, int line, const char *action,
                          const char *reason) {
  if (!m->faults) return;
  fl_no_target t = {.line = line, .at_ns = now, .action = g_strdup(action),
                    .reason = g_strdup(reason)};
  g_array_append_val(m->no_target, t);
}

/* A side's window of no answer: it opens when the side starts waiting (an operation of it
 * outstanding) with none open, or at an ok answer after which the side still waits; it closes
 * at the side's next ok answer. A failure or timeout does not close it: the side got no
 * service. */
static void side_invoke(fl_outage_window *w, int64_t now) {
  w->pending++;
  w->last_wait = now;
  if (w->open_since < 0) w->open_since = now;
}

static void side_complete(fl_outage_window *w, int64_t now, bool ok) {
  if (w->pending) w->pending--;
  w->last_wait = now;
  if (!ok) return;
  if (w->open_since >= 0 && now - w->open_since > w->longest) w->longest = now - w->open_since;
  w->open_since = w->pending ? now : -1;
}

void fl_measure_invoke(fl_measure *m, int64_t now, bool majority) {
  if (!m->faults || m->finished) return;
  side_invoke(&m->side[FL_MEASURE_ALL], now);
  side_invoke(&m->side[majority ? FL_MEASURE_MAJORITY : FL_MEASURE_MINORITY], now);
}

void fl_measure_complete(fl_measure *m, int64_t now, bool majority, bool ok) {
  if (!m->faults || m->finished) return;
  side_complete(&m->side[FL_MEASURE_ALL], now, ok);
  side_complete(&m->side[majority ? FL_MEASURE_MAJORITY : FL_MEASURE_MINORITY], now, ok);
  if (!ok) return;
  for (guint i = m->wait_ok; i < m->wait_leader; i++) {
    fl_fault_record *f = &g_array_index(m->faults, fl_fault_record, i);
    f->ok_ns = now - f->at_ns;
  }
  m->wait_ok = m->wait_leader;
}

/* The window still open, if any, counts up to the side's last wait (the end of the run when
 * an operation was still outstanding). */
static int64_t window_longest(const fl_outage_window *w, int64_t end) {
  if (w->open_since < 0) return w->longest;
  int64_t until = w->pending ? end : w->last_wait;
  return until - w->open_since > w->longest ? until - w->open_since : w->longest;
}

void fl_measure_disturbed(fl_measure *m, int64_t now, bool disturbed, int line, const char *what) {
  if (!m->windows || m->finished) return;
  fl_fault_window *last = m->windows->len ? &g_array_index(m->windows, fl_fault_window, m->windows->len - 1) : NULL;
  bool open = last && last->to_ns < 0;
  if (disturbed && !open) {
    fl_fault_window w = {.from_ns = now, .to_ns = -1, .line = line};
    g_strlcpy(w.what, what ? what : "fault", sizeof w.what);
    g_array_append_val(m->windows, w);
  } else if (!disturbed && open) {
    last->to_ns = now;
  }
}

const fl_fault_window *fl_measure_windows(const fl_measure *m, size_t *n) {
  *n = m->windows ? m->windows->len : 0;
  return m->windows ? (const fl_fault_window *)(void *)m->windows->data : NULL;
}

void fl_measure_finish(fl_measure *m, int64_t now) {
  if (!m->faults || m->finished) return;
  for (int s = 0; s < FL_MEASURE_SIDES; s++) {
    fl_outage_window *w = &m->side[s];
    w->longest = window_longest(w, now);
    w->open_since = -1;
  }
  m->finished = true;
}

int64_t fl_measure_outage(const fl_measure *m, fl_measure_side side) {
  const fl_outage_window *w = &m->side[side];
  return window_longest(w, w->last_wait);
}

void fl_measure_summarize(const fl_measure *m, fl_measure_summary *out) {
  memset(out, 0, sizeof *out);
  out->recovery_leader_first_ns = out->recovery_leader_max_ns = -1;
  out->recovery_ok_first_ns = out->recovery_ok_max_ns = -1;
  if (!m->faults) return;
  out->elections = m->elections;
  out->leaders_elected = m->leaders;
  out->leader_changes = m->leader_changes;
  out->faults = m->faults->len;
  out->no_target = m->no_target->len;
  int64_t lmax = -1, omax = -1;
  for (guint i = 0; i < m->faults->len; i++) {
    const fl_fault_record *f = &g_array_index(m->faults, fl_fault_record, i);
    if (f->leader_ns < 0) out->faults_no_leader++;
    if (f->ok_ns < 0) out->faults_no_ok++;
    if (f->leader_ns > lmax) lmax = f->leader_ns;
    if (f->ok_ns > omax) omax = f->ok_ns;
  }
  if (m->faults->len) {
    const fl_fault_record *first = &g_array_index(m->faults, fl_fault_record, 0);
    out->recovery_leader_first_ns = first->leader_ns;
    out->recovery_ok_first_ns = first->ok_ns;
    /* A fault never recovered from makes the maximum unbounded: no value. */
    out->recovery_leader_max_ns = out->faults_no_leader ? -1 : lmax;
    out->recovery_ok_max_ns = out->faults_no_ok ? -1 : omax;
  }
  for (int s = 0; s < FL_MEASURE_SIDES; s++) out->outage_ns[s] = fl_measure_outage(m, s);
}
