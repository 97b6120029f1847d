/* invariants: Raft's safety properties (paper, Figure 3), checked over every node after every
 * event.
 *
 *   election safety      at most one leader per term;
 *   leader append-only   a leader never overwrites or deletes entries of its own log;
 *   log matching         two logs holding an entry with the same index and term hold the same
 *                        entry there and agree on every entry before it;
 *   leader completeness  a committed entry is in the log of every leader of a later term;
 *   state machine safety no two nodes commit (and so apply) different entries at one index.
 *
 * The checker keeps ghost state so that an event costs what it changed, not the length of the
 * logs. Log matching is checked by induction: the ghost records, for every (index, term) ever
 * seen in any log, the entry's hash and the term of the entry before it. If every log agrees
 * with these records at every index, two entries with equal (index, term) have equal
 * predecessors' terms, and by induction equal prefixes. Each node's log is re-examined only
 * from where it changed (raft_log.gen and changed_from). Leader completeness then needs only
 * one entry per leader: the highest index known committed by a node of an earlier term than
 * the leader's. A leader that holds it holds, by log matching, every one before it.
 */
#include "raft_int.h"

#include <string.h>

typedef struct rec {
  uint64_t term, hash, prev_term;
  int node; /* who it was first seen on */
  int pad;
} rec;

/* All (index, term) records of one index: nearly always one. */
typedef struct slot {
  rec first;
  GArray *more; /* rec, or NULL */
} slot;

/* An entry known committed at an index. */
typedef struct known {
  uint64_t term, hash;
  uint64_t seen_term; /* the term of the node that first reported it committed */
  int node;
  int pad;
} known;

/* Commit observations by term: every index up to `index` was known committed by a node whose
 * term was at most `term`. Terms and indices both increase along the array. */
typedef struct step {
  uint64_t term, index;
} step;

typedef struct seen {
  const raft_state *state; /* NULL while down; a new pointer is a restart */
  uint64_t gen, checked, commit;
  uint64_t lead_term, lead_last, lead_gen;
  raft_entry lead_entry; /* the entry at lead_last when last seen */
} seen;

typedef struct ghost {
  int n;
  GArray *leaders; /* int32 per term: leader + 1, or 0 */
  /* Per log index from `floor` on: records below it concern entries every node has compacted
   * into its snapshot, and are dropped, so the ghost's memory stays flat on long runs. */
  uint64_t floor;
  uint64_t checks;
  GArray *slots;   /* slot per index */
  GArray *known;   /* known per index (term 0: not known) */
  GArray *steps;   /* step, by term */
  seen *seen;
} ghost;

void *fl__raft_invariant_new(const fl_options *o, int n) {
  (void)o;
  ghost *g = g_new0(ghost, 1);
  g->n = n;
  g->leaders = g_array_new(FALSE, TRUE, sizeof(int32_t));
  g->slots = g_array_new(FALSE, TRUE, sizeof(slot));
  g->known = g_array_new(FALSE, TRUE, sizeof(known));
  g->steps = g_array_new(FALSE, TRUE, sizeof(step));
  g->seen = g_new0(seen, n);
  return g;
}

void fl__raft_invariant_free(void *p) {
  ghost *g = p;
  if (!g) return;
  for (guint i = 0; i < g->slots->len; i++) {
    slot *sl = &g_array_index(g->slots, slot, i);
    if (sl->more) g_array_free(sl->more, TRUE);
  }
  g_array_free(g->slots, TRUE);
  g_array_free(g->leaders, TRUE);
  g_array_free(g->known, TRUE);
  g_array_free(g->steps, TRUE);
  g_free(g->seen);
  g_free(g);
}

/* A 64-bit hash of an entry's bytes, a word at a time (an entry is seven words). */
static uint64_t entry_hash(const raft_entry *e) {
  uint64_t w[sizeof *e / 8], h = 0x9e3779b97f4a7c15ull;
  G_STATIC_ASSERT(sizeof *e % 8 == 0);
  memcpy(w, e, sizeof w);
  for (size_t i = 0; i < G_N_ELEMENTS(w); i++) {
    h = (h ^ w[i]) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  return h;
}

static void describe_entry(GString *out, const raft_entry *e) {
  g_string_append_printf(out, "t%" G_GUINT64_FORMAT " ", e->term);
  if (e->type != RAFT_ENTRY_OP) {
    g_string_append(out, "no-op");
    return;
  }
  g_string_append_printf(out, "%s k%" G_GINT64_FORMAT, fl_op_kind_name((fl_op_kind)e->kind),
                         e->key);
  if (e->kind == FL_OP_WRITE) g_string_append_printf(out, " = %" G_GINT64_FORMAT, e->value);
  if (e->kind == FL_OP_CAS)
    g_string_append_printf(out, " %" G_GINT64_FORMAT " -> %" G_GINT64_FORMAT, e->expected,
                           e->value);
  g_string_append_printf(out, " (c%u #%" G_GUINT64_FORMAT ")", e->client + 1, e->seq);
}

static slot *slot_at(ghost *g, uint64_t index) {
  g_assert(index >= g->floor);
  index -= g->floor;
  if (index >= g->slots->len) g_array_set_size(g->slots, (guint)(index + 1));
  return &g_array_index(g->slots, slot, index);
}

static known *known_at(ghost *g, uint64_t index) {
  g_assert(index >= g->floor);
  index -= g->floor;
  if (index >= g->known->len) g_array_set_size(g->known, (guint)(index + 1));
  return &g_array_index(g->known, known, index);
}

/* Log matching at one index of node i's log. */
static bool check_entry(ghost *g, int i, const raft_state *s, uint64_t index, GString *why) {
  const raft_entry *e = fl__raft_entry_at(&s->log, index);
  rec r = {.term = e->term, .hash = entry_hash(e),
           .prev_term = fl__raft_term_at(&s->log, index - 1), .node = i};
  slot *sl = slot_at(g, index);
  rec *found = NULL;
  if (sl->first.term == r.term) found = &sl->first;
  for (guint k = 0; !found && sl->more && k < sl->more->len; k++)
    if (g_array_index(sl->more, rec, k).term == r.term) found = &g_array_index(sl->more, rec, k);
  if (!found) {
    if (!sl->first.term) {
      sl->first = r;
    } else {
      if (!sl->more) sl->more = g_array_new(FALSE, TRUE, sizeof(rec));
      g_array_append_val(sl->more, r);
    }
    return true;
  }
  if (found->hash == r.hash && found->prev_term == r.prev_term) return true;
  g_string_append_printf(why, "log matching: n%d's entry at index %" G_GUINT64_FORMAT " is ", i + 1,
                         index);
  describe_entry(why, e);
  if (found->hash != r.hash)
    g_string_append_printf(why, ", but n%d held a different entry of term %" G_GUINT64_FORMAT
                           " at that index",
                           found->node + 1, r.term);
  else
    g_string_append_printf(why,
                           ", as on n%d, yet the entries before it differ (term %" G_GUINT64_FORMAT
                           " on n%d, term %" G_GUINT64_FORMAT " on n%d)",
                           found->node + 1, r.prev_term, i + 1, found->prev_term, found->node + 1);
  return false;
}

/* A node's log changed from `from` on: re-examine it to the end. */
static bool check_log(ghost *g, int i, const raft_state *s, seen *sn, GString *why) {
  uint64_t from = sn->checked + 1;
  if (s->log.gen != sn->gen) {
    if (s->log.gen != sn->gen + 1) from = 0;
    else if (s->log.changed_from < from) from = s->log.changed_from;
  }
  if (from <= s->log.base) from = s->log.base + 1;
  uint64_t last = raft_last_index(&s->log);
  for (uint64_t k = from; k <= last; k++)
    if (!check_entry(g, i, s, k, why)) return false;
  sn->checked = last;
  sn->gen = s->log.gen;
  return true;
}

static bool check_election(ghost *g, int i, const raft_state *s, GString *why) {
  if (s->role != RAFT_LEADER) return true;
  if (s->term >= g->leaders->len) g_array_set_size(g->leaders, (guint)(s->term + 1));
  int32_t *l = &g_array_index(g->leaders, int32_t, s->term);
  if (*l == 0) *l = i + 1;
  if (*l == i + 1) return true;
  g_string_append_printf(why,
                         "election safety: n%d and n%d were both leaders of term %" G_GUINT64_FORMAT,
                         *l, i + 1, s->term);
  return false;
}

static bool check_append_only(int i, const raft_state *s, seen *sn, GString *why) {
  if (s->role != RAFT_LEADER) {
    sn->lead_term = 0;
    return true;
  }
  uint64_t last = raft_last_index(&s->log);
  if (sn->lead_term == s->term && s->log.gen == sn->lead_gen && last == sn->lead_last)
    return true; /* nothing was truncated, replaced or appended since the last look */
  if (sn->lead_term == s->term) {
    bool kept = last >= sn->lead_last && s->log.gen == sn->lead_gen;
    if (kept && sn->lead_last > s->log.base)
      kept = memcmp(fl__raft_entry_at(&s->log, sn->lead_last), &sn->lead_entry,
                    sizeof sn->lead_entry) == 0;
    if (!kept) {
      g_string_append_printf(why, "leader append-only: n%d, leader of term %" G_GUINT64_FORMAT
                             ", had entries up to index %" G_GUINT64_FORMAT
                             " (last of term %" G_GUINT64_FORMAT ") and now ",
                             i + 1, s->term, sn->lead_last, sn->lead_entry.term);
      if (last < sn->lead_last)
        g_string_append_printf(why, "ends at %" G_GUINT64_FORMAT, last);
      else
        g_string_append_printf(why, "rewrote its log from index %" G_GUINT64_FORMAT,
                               s->log.changed_from);
      return false;
    }
  }
  sn->lead_term = s->term;
  sn->lead_gen = s->log.gen;
  sn->lead_last = last;
  memset(&sn->lead_entry, 0, sizeof sn->lead_entry);
  if (last > s->log.base) sn->lead_entry = *fl__raft_entry_at(&s->log, last);
  else sn->lead_entry.term = s->log.base_term;
  return true;
}

/* Records that index was seen committed by a node in `term`. Usually the term is the latest
 * (append, or raise the last step); a lagging node's older term lands in the middle. */
static void note_commit(ghost *g, uint64_t term, uint64_t index) {
  guint n = g->steps->len, at = n;
  while (at > 0 && g_array_index(g->steps, step, at - 1).term > term) at--;
  if (at > 0 && g_array_index(g->steps, step, at - 1).term == term) {
    step *st = &g_array_index(g->steps, step, at - 1);
    if (st->index < index) st->index = index;
  } else {
    step st = {.term = term, .index = index};
    if (at > 0 && g_array_index(g->steps, step, at - 1).index > index)
      st.index = g_array_index(g->steps, step, at - 1).index;
    g_array_insert_val(g->steps, at, st);
    at++;
  }
  for (guint k = at; k < g->steps->len; k++) { /* later terms cover it too */
    step *st = &g_array_index(g->steps, step, k);
    if (st->index < index) st->index = index;
  }
}

/* Entries newly committed on node i must equal what any node committed there before. */
static bool check_commits(ghost *g, int i, const raft_state *s, seen *sn, GString *why) {
  if (s->commit <= sn->commit) return true;
  uint64_t from = sn->commit + 1;
  if (from <= s->log.base) {
    /* Committed through a snapshot: its last entry's term must be the committed one. */
    known *k = s->log.base >= g->floor && s->log.base - g->floor < g->known->len
                   ? known_at(g, s->log.base)
                   : NULL;
    if (k && k->term && k->term != s->log.base_term) {
      g_string_append_printf(why, "state machine safety: n%d installed a snapshot ending at index "
                             "%" G_GUINT64_FORMAT " term %" G_GUINT64_FORMAT
                             ", but n%d committed an entry of term %" G_GUINT64_FORMAT " there",
                             i + 1, s->log.base, s->log.base_term, k->node + 1, k->term);
      return false;
    }
    from = s->log.base + 1;
  }
  for (uint64_t idx = from; idx <= s->commit; idx++) {
    const raft_entry *e = fl__raft_entry_at(&s->log, idx);
    uint64_t h = entry_hash(e);
    known *k = known_at(g, idx);
    if (!k->term) {
      k->term = e->term;
      k->hash = h;
      k->seen_term = s->term;
      k->node = i;
      note_commit(g, s->term, idx);
      continue;
    }
    if (k->term == e->term && k->hash == h) continue;
    g_string_append_printf(why, "state machine safety: n%d committed ", i + 1);
    describe_entry(why, e);
    g_string_append_printf(why, " at index %" G_GUINT64_FORMAT
                           ", but n%d had committed a different entry of term %" G_GUINT64_FORMAT
                           " there",
                           idx, k->node + 1, k->term);
    return false;
  }
  sn->commit = s->commit;
  return true;
}

static bool check_completeness(ghost *g, int i, const raft_state *s, GString *why) {
  if (s->role != RAFT_LEADER) return true;
  /* The last step of a term below the leader's: binary search, terms increase. */
  guint lo = 0, hi = g->steps->len;
  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    if (g_array_index(g->steps, step, mid).term < s->term) lo = mid + 1;
    else hi = mid;
  }
  if (lo == 0) return true;
  uint64_t index = g_array_index(g->steps, step, lo - 1).index;
  if (index <= s->log.base) return true; /* in its snapshot, which holds committed entries */
  const known *k = known_at(g, index);
  /* The term suffices: log matching, checked separately, covers the rest of the entry. */
  if (index <= raft_last_index(&s->log) && fl__raft_term_at(&s->log, index) == k->term)
    return true;
  g_string_append_printf(why, "leader completeness: n%d leads term %" G_GUINT64_FORMAT
                         " without the entry of term %" G_GUINT64_FORMAT
                         " that n%d committed at index %" G_GUINT64_FORMAT " (its log ",
                         i + 1, s->term, k->term, k->node + 1, index);
  if (index > raft_last_index(&s->log))
    g_string_append_printf(why, "ends at %" G_GUINT64_FORMAT ")", raft_last_index(&s->log));
  else {
    g_string_append(why, "has ");
    describe_entry(why, fl__raft_entry_at(&s->log, index));
    g_string_append(why, " there)");
  }
  return false;
}

static uint64_t live_base(const void *state) { return ((const raft_state *)state)->log.base; }

static void prune(ghost *g, const fl_cluster_view *v) {
  /* The lowest snapshot index over every node, up or down (a crashed node restarts from its
   * durable snapshot, and its log after it is examined again). */
  uint64_t low = UINT64_MAX;
  for (int i = 0; i < g->n; i++) {
    const void *s = fl_view_state(v, i);
    uint64_t base = s ? live_base(s)
                     : fl_rsm_snapshot_durable_floor(v, i, RAFT_KEY_SNAPSHOT, RAFT_KEY_SNAPSHOT_ALT);
    low = MIN(low, base);
  }
  if (low <= g->floor) return;
  guint drop = (guint)MIN(low - g->floor, (uint64_t)g->slots->len);
  for (guint i = 0; i < drop; i++) {
    slot *sl = &g_array_index(g->slots, slot, i);
    if (sl->more) g_array_free(sl->more, TRUE);
  }
  g_array_remove_range(g->slots, 0, drop);
  g_array_remove_range(g->known, 0, (guint)MIN(low - g->floor, (uint64_t)g->known->len));
  g->floor = low;
}

bool fl__raft_check_invariants(void *p, const fl_cluster_view *v, GString *why) {
  ghost *g = p;
  if ((++g->checks & 0xffff) == 0) prune(g, v);
  int only = fl_view_changed_node(v); /* the others are as they were at the last check */
  for (int i = only >= 0 ? only : 0; i < (only >= 0 ? only + 1 : g->n); i++) {
    const raft_state *s = fl_view_state(v, i);
    seen *sn = &g->seen[i];
    if (!s) {
      memset(sn, 0, sizeof *sn);
      continue;
    }
    if (s != sn->state) { /* booted or restarted: examine its whole log */
      memset(sn, 0, sizeof *sn);
      sn->state = s;
      sn->gen = s->log.gen;
      sn->commit = s->log.base < s->commit ? s->log.base : s->commit;
    }
    if (!check_log(g, i, s, sn, why) || !check_election(g, i, s, why) ||
        !check_append_only(i, s, sn, why) || !check_commits(g, i, s, sn, why) ||
        !check_completeness(g, i, s, why))
      return false;
  }
  return true;
}
