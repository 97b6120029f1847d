/* invariants: Paxos's safety properties, checked over every node after every event.
 *
 *   one value per slot     at most one value is chosen per slot, chosen meaning accepted by a
 *                          majority at one ballot: the ghost records, per slot and ballot,
 *                          which acceptors accepted which value (every accept a node makes is
 *                          noted in its state for the event, paxos_note);
 *   chosen was proposed    the value a majority accepted at a ballot is the one that ballot's
 *                          proposer proposed at that slot;
 *   no accept below promise an acceptor accepts a ballot only at or above its promise (the
 *                          one it held before the accept, and every one it ever held);
 *   state machine safety   every replica applies, at a slot, the value chosen there, and the
 *                          same value as every other replica;
 *   promise never decreases a node's promise, observed after every event, never goes down;
 *                          across a crash, never below its durable promise (it must be persisted
 *                          before it is used). A crash undoes the writes not yet synced, and a
 *                          promise only they held was never answered (replies wait for their
 *                          writes' sync): the floor after a crash is the highest promise of a
 *                          whole meta record on the disk, read here from the raw slots (any
 *                          whole record, not the restore's pick), or, higher, a promise the
 *                          node held without ever writing it (a promise it may have answered
 *                          from memory alone: bug unpersisted-promise).
 *
 * Records of slots below every node's snapshot are dropped, so the ghost's memory stays flat.
 */
#include "paxos_int.h"

#include <string.h>

typedef struct brec {
  uint64_t ballot;
  paxos_value proposed, accepted;
  uint64_t mask;
  uint32_t has_proposed, has_accepted, quorum, pad;
} brec;

typedef struct gslot {
  brec first;
  GArray *more; /* brec, or NULL */
  uint32_t chosen, learned;
  uint64_t chosen_ballot;
  paxos_value chosen_v, learned_v;
  int learned_node, pad;
} gslot;

typedef struct seen {
  const paxos_state *state;
  uint64_t commit;
  uint64_t max_promise;
  uint64_t unwritten; /* the highest promise held that no meta write carried */
  bool restarted;
} seen;

typedef struct ghost {
  int n;
  uint64_t floor, checks;
  GArray *slots; /* gslot per slot from floor */
  seen *seen;
} ghost;

void *fl__paxos_invariant_new(const fl_options *o, int n) {
  (void)o;
  ghost *g = g_new0(ghost, 1);
  g->n = n;
  g->slots = g_array_new(FALSE, TRUE, sizeof(gslot));
  g->seen = g_new0(seen, n);
  return g;
}

static void free_slots(GArray *a, guint upto) {
  for (guint i = 0; i < upto; i++) {
    gslot *gs = &g_array_index(a, gslot, i);
    if (gs->more) g_array_free(gs->more, TRUE);
  }
}

void fl__paxos_invariant_free(void *p) {
  ghost *g = p;
  if (!g) return;
  free_slots(g->slots, g->slots->len);
  g_array_free(g->slots, TRUE);
  g_free(g->seen);
  g_free(g);
}

void fl__paxos_describe_value(GString *out, const paxos_value *v) {
  if (v->type != PAXOS_VALUE_OP) {
    g_string_append(out, v->type == PAXOS_VALUE_NOOP ? "no-op" : "nothing");
    return;
  }
  g_string_append_printf(out, "%s k%" G_GINT64_FORMAT, fl_op_kind_name((fl_op_kind)v->kind), v->key);
  if (v->kind == FL_OP_WRITE) g_string_append_printf(out, " = %" G_GINT64_FORMAT, v->value);
  if (v->kind == FL_OP_CAS)
    g_string_append_printf(out, " %" G_GINT64_FORMAT " -> %" G_GINT64_FORMAT, v->expected, v->value);
  g_string_append_printf(out, " (c%u #%" G_GUINT64_FORMAT ")", v->client + 1, v->seq);
}

static void put_ballot(GString *out, uint64_t b) {
  g_string_append_printf(out, "b%" G_GUINT64_FORMAT ".%d", PAXOS_ROUND(b), PAXOS_NODE(b) + 1);
}

static bool same(const paxos_value *a, const paxos_value *b) { return memcmp(a, b, sizeof *a) == 0; }

static gslot *gslot_at(ghost *g, uint64_t slot) {
  uint64_t i = slot - g->floor;
  if (i >= g->slots->len) g_array_set_size(g->slots, (guint)(i + 1));
  return &g_array_index(g->slots, gslot, i);
}

static brec *brec_at(gslot *gs, uint64_t ballot) {
  if (gs->first.ballot == ballot) return &gs->first;
  for (guint k = 0; gs->more && k < gs->more->len; k++)
    if (g_array_index(gs->more, brec, k).ballot == ballot) return &g_array_index(gs->more, brec, k);
  brec r;
  memset(&r, 0, sizeof r);
  r.ballot = ballot;
  if (!gs->first.ballot) {
    gs->first = r;
    return &gs->first;
  }
  if (!gs->more) gs->more = g_array_new(FALSE, TRUE, sizeof(brec));
  g_array_append_val(gs->more, r);
  return &g_array_index(gs->more, brec, gs->more->len - 1);
}

static void put_mask(GString *out, uint64_t mask) {
  for (int i = 0; i < 64; i++)
    if (mask & ((uint64_t)1 << i)) g_string_append_printf(out, " n%d", i + 1);
}

static bool check_note(ghost *g, int i, const seen *sn, const paxos_note *nt, GString *why) {
  if (nt->slot < g->floor || nt->slot == 0) return true;
  gslot *gs = gslot_at(g, nt->slot);
  brec *r = brec_at(gs, nt->ballot);
  if (nt->kind == PAXOS_NOTE_PROPOSE) {
    if (!r->has_proposed) {
      r->has_proposed = 1;
      r->proposed = nt->v;
    }
    return true;
  }
  uint64_t promised = nt->promise_before > sn->max_promise ? nt->promise_before : sn->max_promise;
  if (nt->ballot < promised) {
    g_string_append_printf(why, "no accept below promise: n%d accepted ", i + 1);
    put_ballot(why, nt->ballot);
    g_string_append_printf(why, " at slot %" G_GUINT64_FORMAT " having promised ", nt->slot);
    put_ballot(why, promised);
    return false;
  }
  if (!r->has_accepted) {
    r->has_accepted = 1;
    r->accepted = nt->v;
  }
  if (!same(&r->accepted, &nt->v)) return true; /* counted with its own value: none here */
  r->mask |= (uint64_t)1 << i;
  if (r->quorum || __builtin_popcountll(r->mask) < fl_quorum_majority(g->n)) return true;
  r->quorum = 1;
  if (!r->has_proposed || !same(&r->proposed, &r->accepted)) {
    g_string_append_printf(why, "chosen value was proposed: slot %" G_GUINT64_FORMAT " chose ",
                           nt->slot);
    fl__paxos_describe_value(why, &r->accepted);
    g_string_append(why, " at ");
    put_ballot(why, nt->ballot);
    g_string_append(why, " (accepted by");
    put_mask(why, r->mask);
    g_string_append_printf(why, "), which n%d never proposed there", PAXOS_NODE(nt->ballot) + 1);
    return false;
  }
  if (gs->chosen && !same(&gs->chosen_v, &r->accepted)) {
    g_string_append_printf(why, "one value per slot: slot %" G_GUINT64_FORMAT " chose ", nt->slot);
    fl__paxos_describe_value(why, &gs->chosen_v);
    g_string_append(why, " at ");
    put_ballot(why, gs->chosen_ballot);
    g_string_append(why, ", then ");
    fl__paxos_describe_value(why, &r->accepted);
    g_string_append(why, " at ");
    put_ballot(why, nt->ballot);
    g_string_append(why, " (accepted by");
    put_mask(why, r->mask);
    g_string_append(why, ")");
    return false;
  }
  if (!gs->chosen) {
    gs->chosen = 1;
    gs->chosen_ballot = nt->ballot;
    gs->chosen_v = r->accepted;
  }
  return true;
}

static bool check_learned(ghost *g, int i, const paxos_state *s, seen *sn, GString *why) {
  uint64_t from = sn->commit > s->base ? sn->commit + 1 : s->base + 1;
  if (from < g->floor) from = g->floor;
  for (uint64_t slot = from; slot <= s->commit; slot++) {
    const paxos_slot *sl = fl__paxos_slot_get(s, slot);
    if (!sl) continue;
    gslot *gs = gslot_at(g, slot);
    if (gs->chosen && !same(&gs->chosen_v, &sl->val)) {
      g_string_append_printf(why, "state machine safety: n%d applied ", i + 1);
      fl__paxos_describe_value(why, &sl->val);
      g_string_append_printf(why, " at slot %" G_GUINT64_FORMAT ", but ", slot);
      fl__paxos_describe_value(why, &gs->chosen_v);
      g_string_append(why, " was chosen there at ");
      put_ballot(why, gs->chosen_ballot);
      return false;
    }
    if (gs->learned && !same(&gs->learned_v, &sl->val)) {
      g_string_append_printf(why, "state machine safety: n%d applied ", i + 1);
      fl__paxos_describe_value(why, &sl->val);
      g_string_append_printf(why, " at slot %" G_GUINT64_FORMAT ", but n%d applied ", slot,
                             gs->learned_node + 1);
      fl__paxos_describe_value(why, &gs->learned_v);
      return false;
    }
    if (!gs->learned) {
      gs->learned = 1;
      gs->learned_v = sl->val;
      gs->learned_node = i;
    }
  }
  sn->commit = s->commit;
  return true;
}

/* The highest promise among the whole meta records in a crashed node's two slots (0 with none):
 * what survived the crash. */
static uint64_t durable_promise(const fl_cluster_view *v, int node) {
  const uint64_t keys[2] = {PAXOS_KEY_META, PAXOS_KEY_META_ALT};
  uint64_t best = 0;
  for (int i = 0; i < 2; i++) {
    size_t len = 0;
    const void *rec = fl_view_load(v, node, keys[i], &len);
    paxos_meta m;
    uint64_t seq = 0;
    if (fl_durable_slots_unframe(rec, len, sizeof m, &seq, &m) && m.promise > best)
      best = m.promise;
  }
  return best;
}

static bool check_node(ghost *g, const fl_cluster_view *v, int i, const paxos_state *s,
                       GString *why) {
  seen *sn = &g->seen[i];
  if (s != sn->state) { /* booted or restarted: what it learned before is gone */
    sn->restarted = sn->state != NULL || sn->max_promise > 0;
    sn->state = s;
    sn->commit = s->commit;
  }
  for (guint k = 0; k < s->notes->len; k++)
    if (!check_note(g, i, sn, &g_array_index(s->notes, paxos_note, k), why)) return false;
  if (s->promise < sn->max_promise) {
    g_string_append_printf(why, "promise never decreases: n%d had promised ", i + 1);
    put_ballot(why, sn->max_promise);
    g_string_append(why, " and now promises ");
    put_ballot(why, s->promise);
    if (sn->restarted) g_string_append(why, " (after a restart)");
    return false;
  }
  /* A raised promise is written in the same event (the disk shows a node's writes at once). */
  if (s->promise > sn->max_promise && s->promise > durable_promise(v, i))
    sn->unwritten = s->promise;
  sn->max_promise = s->promise;
  if (s->commit > sn->commit) return check_learned(g, i, s, sn, why);
  sn->commit = s->commit;
  return true;
}

static uint64_t live_base(const void *state) { return ((const paxos_state *)state)->base; }

static void prune(ghost *g, const fl_cluster_view *v) {
  /* The lowest snapshot index over every node, up or down (a crashed node restarts from its
   * durable snapshot, and its slots after it are examined again). */
  uint64_t low = UINT64_MAX;
  for (int i = 0; i < g->n; i++) {
    const void *st = fl_view_state(v, i);
    uint64_t base = st ? live_base(st)
                     : fl_rsm_snapshot_durable_floor(v, i, PAXOS_KEY_SNAPSHOT, PAXOS_KEY_SNAPSHOT_ALT);
    low = MIN(low, base);
  }
  if (low <= g->floor) return;
  guint drop = (guint)MIN(low - g->floor, (uint64_t)g->slots->len);
  free_slots(g->slots, drop);
  g_array_remove_range(g->slots, 0, drop);
  g->floor = low;
}

bool fl__paxos_check_invariants(void *p, const fl_cluster_view *v, GString *why) {
  ghost *g = p;
  if ((++g->checks & 0xffff) == 0) prune(g, v);
  int only = fl_view_changed_node(v);
  for (int i = only >= 0 ? only : 0; i < (only >= 0 ? only + 1 : g->n); i++) {
    const paxos_state *s = fl_view_state(v, i);
    if (!s) {
      if (g->seen[i].state) {
        g->seen[i].state = NULL, g->seen[i].restarted = true;
        uint64_t floor = durable_promise(v, i);
        g->seen[i].max_promise = MAX(floor, g->seen[i].unwritten);
        g->seen[i].unwritten = 0;
      }
      continue;
    }
    if (!check_node(g, v, i, s, why)) return false;
  }
  return true;
}
