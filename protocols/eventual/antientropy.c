/* Anti-entropy: every `anti_entropy` period a node sends one peer (round robin) the Merkle tree
 * of the keys they both replicate: 2^EV_TREE_DEPTH leaves, each a slice of the hash ring, a
 * leaf's hash the XOR of its records' hashes (so it needs no order), an inner node's the hash of
 * its two children. The peer compares top-down, descending only where hashes differ, and for
 * the leaves that differ sends its records and asks for the sender's (EV_PULL): both sides
 * merge. Traffic is one tree (264 bytes) per period while replicas agree, and grows with the
 * differing leaves only; a flat list of per-key hashes would cost 8 bytes per key every round.
 * The metric ae_bytes counts every anti-entropy byte sent. */
#include "eventual_int.h"

typedef struct tree_ctx {
  ev_node *s;
  int peer;
  uint64_t *h;
} tree_ctx;

static bool shared(ev_node *s, int peer, int64_t key) {
  return ev_ring_is_replica(&s->ring, key, s->cfg.n, s->id) &&
         ev_ring_is_replica(&s->ring, key, s->cfg.n, peer);
}

static gboolean add_leaf(gpointer key, gpointer value, gpointer data) {
  (void)key;
  tree_ctx *t = data;
  const ev_rec *r = value;
  if (shared(t->s, t->peer, r->key)) t->h[EV_LEAVES + ev_leaf(r->key)] ^= ev_rec_hash(r);
  return FALSE;
}

void ev_ae_tree(ev_node *s, int peer, uint64_t *h) {
  memset(h, 0, sizeof(uint64_t) * EV_TREE_NODES);
  tree_ctx t = {s, peer, h};
  g_tree_foreach(s->store, add_leaf, &t);
  for (int i = EV_LEAVES - 1; i >= 1; i--) h[i] = ev_hash64(h[2 * i] ^ ev_hash64(h[2 * i + 1]));
}

void ev_ae_start(ev_node *s, fl_node_ctx *ctx) {
  if (s->nodes < 2) return;
  int peer = (s->id + 1 + s->ae_round % (s->nodes - 1)) % s->nodes;
  s->ae_round++;
  ev_msg_tree m;
  memset(&m, 0, sizeof m);
  m.type = EV_TREE;
  ev_ae_tree(s, peer, m.h);
  fl_node_send(ctx, peer, &m, sizeof m);
  fl_node_metric_add(ctx, "ae_bytes", (int64_t)sizeof m);
  fl_node_metric_add(ctx, "ae_rounds", 1);
}

/* The leaves under heap node i whose hashes differ, descending only where hashes differ. The
 * reinjected bug (merkle-skips-range) is an off-by-one at the leaves: the last leaf (the top
 * 1/16 of the ring) is never reported, so a replica that missed a write there stays behind. */
static uint32_t diff(const ev_node *s, const uint64_t *a, const uint64_t *b, int i) {
  if (a[i] == b[i]) return 0;
  if (i >= EV_LEAVES) {
    if (s->cfg.bug == EV_BUG_MERKLE_SKIPS && i == EV_TREE_NODES - 1) return 0;
    return 1u << (i - EV_LEAVES);
  }
  return diff(s, a, b, 2 * i) | diff(s, a, b, 2 * i + 1);
}

typedef struct send_ctx {
  ev_node *s;
  fl_node_ctx *ctx;
  int peer;
  uint32_t mask;
} send_ctx;

static gboolean send_leaf(gpointer key, gpointer value, gpointer data) {
  (void)key;
  send_ctx *c = data;
  const ev_rec *r = value;
  if (!(c->mask & (1u << ev_leaf(r->key))) || !shared(c->s, c->peer, r->key)) return FALSE;
  ev_msg_rec m;
  memset(&m, 0, sizeof m);
  m.type = EV_AE_REC;
  m.hint_for = -1;
  m.has = 1;
  memcpy(&m.rec, r, sizeof m.rec);
  fl_node_send(c->ctx, c->peer, &m, sizeof m);
  fl_node_metric_add(c->ctx, "ae_bytes", (int64_t)sizeof m);
  return FALSE;
}

static void send_leaves(ev_node *s, fl_node_ctx *ctx, int peer, uint32_t mask) {
  send_ctx c = {s, ctx, peer, mask};
  g_tree_foreach(s->store, send_leaf, &c);
}

void ev_ae_message(ev_node *s, fl_node_ctx *ctx, int from, const void *msg, size_t len) {
  uint32_t type;
  memcpy(&type, msg, sizeof type);
  if (type == EV_TREE && len == sizeof(ev_msg_tree)) {
    ev_msg_tree m;
    memcpy(&m, msg, sizeof m);
    uint64_t mine[EV_TREE_NODES];
    ev_ae_tree(s, from, mine);
    uint32_t mask = diff(s, mine, m.h, 1);
    if (!mask) return;
    fl_node_metric_add(ctx, "ae_leaves_differing", __builtin_popcount(mask));
    send_leaves(s, ctx, from, mask);
    ev_msg_small p;
    memset(&p, 0, sizeof p);
    p.type = EV_PULL;
    p.id = mask;
    fl_node_send(ctx, from, &p, sizeof p);
    fl_node_metric_add(ctx, "ae_bytes", (int64_t)sizeof p);
  } else if (type == EV_PULL && len == sizeof(ev_msg_small)) {
    ev_msg_small m;
    memcpy(&m, msg, sizeof m);
    send_leaves(s, ctx, from, (uint32_t)m.id);
  } else if (type == EV_AE_REC && len == sizeof(ev_msg_rec)) {
    ev_msg_rec m;
    memcpy(&m, msg, sizeof m);
    if (ev_store_apply(s, ctx, &m.rec, false)) {
      fl_node_metric_add(ctx, "ae_keys_repaired", 1);
      ev_repaired_by_store(ctx);
    }
  }
}
