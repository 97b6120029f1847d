/* A replica's side: store what coordinators send (merging, never overwriting a newer
 * version), keep hints for the replicas it stands in for, answer reads, and take back hints. */
#include "eventual_int.h"

/* A record changed by a repair (read repair, a hint handed back, anti-entropy): the latest such
 * instant is when the replicas last converged a little more (last_repair_at_ns). */
void ev_repaired(fl_node_ctx *ctx) {
  fl_node_metric_max(ctx, "last_repair_at_ns", fl_node_now(ctx));
}

/* A repair the store made by itself (anti-entropy, a hint handed back), no client read in it:
 * converged_at_ns is the last one. Read repairs are left out because they depend on what the
 * clients happen to read; with them out, after a heal with the clients stopped,
 * converged_at_ns minus the heal's time is the time anti-entropy and hinted handoff took to
 * converge (the summary prints it so, measure.h's heal_ns). */
void ev_repaired_by_store(fl_node_ctx *ctx) {
  ev_repaired(ctx);
  fl_node_metric_max(ctx, "converged_at_ns", fl_node_now(ctx));
}

static void send_small(fl_node_ctx *ctx, int dst, uint32_t type, uint64_t id) {
  ev_msg_small m;
  memset(&m, 0, sizeof m);
  m.type = type;
  m.id = id;
  fl_node_send(ctx, dst, &m, sizeof m);
}

void ev_replica_message(ev_node *s, fl_node_ctx *ctx, int from, const void *msg, size_t len) {
  uint32_t type;
  memcpy(&type, msg, sizeof type);
  if (len == sizeof(ev_msg_small)) {
    ev_msg_small m;
    memcpy(&m, msg, sizeof m);
    if (type == EV_GET) {
      ev_msg_rec r;
      memset(&r, 0, sizeof r);
      r.type = EV_GET_REPLY;
      r.id = m.id;
      const ev_rec *cur = ev_store_get(s, m.key);
      r.has = cur != NULL;
      if (cur) memcpy(&r.rec, cur, sizeof r.rec);
      else ev_rec_zero(&r.rec, m.key);
      fl_node_send(ctx, from, &r, sizeof r);
    } else if (type == EV_PUT_ACK) {
      ev_coord_answer(s, ctx, from, type, NULL, m.id);
    } else if (type == EV_HINT_ACK) {
      ev_hint_done(s, ctx, m.id);
    } else if (type == EV_PULL) {
      ev_ae_message(s, ctx, from, msg, len);
    }
    return;
  }
  if (len != sizeof(ev_msg_rec)) {
    if (type == EV_TREE) ev_ae_message(s, ctx, from, msg, len);
    return;
  }
  ev_msg_rec m;
  memcpy(&m, msg, sizeof m);
  switch (type) {
  case EV_PUT:
    ev_store_apply(s, ctx, &m.rec, false);
    if (m.hint_for >= 0 && m.hint_for < s->nodes && m.hint_for != s->id && s->cfg.hinted_handoff)
      ev_hint_add(s, ctx, m.hint_for, &m.rec);
    send_small(ctx, from, EV_PUT_ACK, m.id);
    break;
  case EV_REPAIR:
    if (ev_store_apply(s, ctx, &m.rec, s->cfg.bug == EV_BUG_REPAIR_OVERWRITES)) ev_repaired(ctx);
    send_small(ctx, from, EV_PUT_ACK, m.id);
    break;
  case EV_HINT:
    if (ev_store_apply(s, ctx, &m.rec, false)) ev_repaired_by_store(ctx);
    send_small(ctx, from, EV_HINT_ACK, m.id);
    break;
  case EV_GET_REPLY: ev_coord_answer(s, ctx, from, type, &m, m.id); break;
  case EV_AE_REC: ev_ae_message(s, ctx, from, msg, len); break;
  default: break;
  }
}
