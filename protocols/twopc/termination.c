/* termination: what an in-doubt participant does when the outcome does not come.
 *
 * 2PC: it asks the coordinator again (QUERY), and with `termination = cooperative` its peers
 * too (STATE_REQ): a peer that knows the outcome tells it, and a peer that has not voted
 * aborts on the spot (it may: its no vote can never be outvoted), which settles the
 * transaction as aborted. If every peer voted yes and none knows, all stay blocked until the
 * coordinator returns: the blocking 2PC is known for.
 *
 * 3PC: it runs the termination protocol itself. It collects its peers' states for one
 * decision_timeout, then decides: any peer committed -> commit; any aborted (or not yet
 * voted, which aborts it) -> abort; any pre-committed -> commit; all uncertain -> abort. Every
 * in-doubt participant may terminate at once; under crashes they reach the same decision,
 * under a partition each side decides from the states it can see, and two sides can decide
 * differently: the atomicity invariant catches it (scenarios/twopc/3pc-partition.fl).
 */
#include "twopc_int.h"

static void ask_peers(tp_node *s, fl_node_ctx *ctx, const tp_ptxn *p) {
  for (uint32_t i = 0; i < p->n_parts; i++)
    if (p->parts[i] != s->id) tp_send_txid(s, ctx, p->parts[i], TP_STATE_REQ, 0, p->txid, 0);
}

void tp_term_doubt_timer(tp_node *s, fl_node_ctx *ctx, tp_ptxn *p) {
  if (s->cfg.three_phase) {
    if (p->terminating) return;
    p->terminating = true;
    memset(p->peer_state, 0, sizeof p->peer_state);
    ask_peers(s, ctx, p);
    fl_node_set_timer(ctx, s->cfg.decision_timeout_ns, TP_TAG(TP_T_TERMINATE, p->txid));
    return;
  }
  tp_send_txid(s, ctx, p->coord, TP_QUERY, 0, p->txid, 0);
  if (s->cfg.cooperative) ask_peers(s, ctx, p);
  fl_node_set_timer(ctx, s->cfg.decision_timeout_ns, TP_TAG(TP_T_DOUBT, p->txid));
}

void tp_term_state_req(tp_node *s, fl_node_ctx *ctx, int from, uint64_t txid) {
  tp_ptxn *p = tp_part_get(s, txid);
  int past = p ? -1 : tp_part_past(s, txid);
  if (past >= 0) { /* decided here: the outcome it kept for exactly this */
    tp_send_txid(s, ctx, from, TP_STATE, past ? TP_P_COMMITTED : TP_P_ABORTED, txid, 0);
    return;
  }
  if (past == -2) return; /* ended everywhere: the asker knows already */
  if (!p) {
    /* Never prepared here: abort it now, so a prepare that comes later is answered no. */
    p = g_new0(tp_ptxn, 1);
    p->txid = txid;
    p->coord = (int)(txid >> 46);
    p->state = TP_P_WAITING;
    g_hash_table_insert(s->ptxns, &p->txid, p);
    tp_part_abort_unvoted(s, ctx, p, TP_CAUSE_VOTE_NO);
  } else if (p->state == TP_P_WAITING) {
    tp_part_abort_unvoted(s, ctx, p, TP_CAUSE_VOTE_NO);
  }
  tp_send_txid(s, ctx, from, TP_STATE, (uint32_t)p->state, txid, 0);
}

static void decide_and_tell(tp_node *s, fl_node_ctx *ctx, tp_ptxn *p, int commit) {
  tp_part_decide(s, ctx, p, commit);
  for (uint32_t i = 0; i < p->n_parts; i++)
    if (p->parts[i] != s->id) tp_send_txid(s, ctx, p->parts[i], TP_DECISION, (uint32_t)commit, p->txid, 0);
}

void tp_term_state(tp_node *s, fl_node_ctx *ctx, int from, uint64_t txid, int state) {
  tp_ptxn *p = tp_part_get(s, txid);
  if (!p || (p->state != TP_P_VOTED && p->state != TP_P_PRECOMMITTED)) return;
  if (state == TP_P_COMMITTED || state == TP_P_ABORTED) {
    fl_node_annotate(ctx, "learned %s from n%d", state == TP_P_COMMITTED ? "commit" : "abort",
                     from + 1);
    if (s->cfg.three_phase) decide_and_tell(s, ctx, p, state == TP_P_COMMITTED);
    else tp_part_decide(s, ctx, p, state == TP_P_COMMITTED);
    return;
  }
  int k = tp_part_index(p->parts, p->n_parts, from);
  if (k >= 0 && p->terminating) p->peer_state[k] = (uint8_t)(state + 1);
}

void tp_term_collect_timer(tp_node *s, fl_node_ctx *ctx, tp_ptxn *p) {
  if (!p->terminating || (p->state != TP_P_VOTED && p->state != TP_P_PRECOMMITTED)) return;
  p->terminating = false;
  bool precommitted = p->state == TP_P_PRECOMMITTED;
  for (uint32_t i = 0; i < p->n_parts; i++)
    precommitted |= p->peer_state[i] == TP_P_PRECOMMITTED + 1;
  fl_node_annotate(ctx, "termination: %s", precommitted ? "commit" : "abort");
  decide_and_tell(s, ctx, p, precommitted);
}
