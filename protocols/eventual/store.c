/* A node's records and hints, and their durable copies. Every change is persisted before the
 * hook that made it sends anything, so an acknowledgement never outlives a crash's loss. */
#include "eventual_int.h"

void ev_rec_zero(ev_rec *r, int64_t key) {
  memset(r, 0, sizeof *r);
  r->key = key;
  r->origin = -1;
}

int ev_rec_cmp(const ev_rec *a, const ev_rec *b) {
  if (a->ts != b->ts) return a->ts < b->ts ? -1 : 1;
  if (a->origin != b->origin) return a->origin < b->origin ? -1 : 1;
  if (a->has_value != b->has_value) return a->has_value < b->has_value ? -1 : 1;
  if (a->value != b->value) return a->value < b->value ? -1 : 1;
  return 0;
}

bool ev_rec_same(const ev_rec *a, const ev_rec *b) { return memcmp(a, b, sizeof *a) == 0; }

bool ev_rec_merge(ev_rec *dst, const ev_rec *src, ev_merge_mode mode) {
  bool changed = false;
  if (mode == EV_MERGE_VC) return ev_vc_merge(dst, src);
  if (mode == EV_MERGE_CRDT) {
    for (int i = 0; i < EV_MAX_NODES; i++) {
      if (src->p[i] > dst->p[i]) dst->p[i] = src->p[i], changed = true;
      if (src->m[i] > dst->m[i]) dst->m[i] = src->m[i], changed = true;
    }
    if (changed) dst->has_value = 1;
    return changed;
  }
  if (ev_rec_cmp(src, dst) > 0) {
    memcpy(dst, src, sizeof *dst);
    return true;
  }
  return false;
}

bool ev_rec_covers(const ev_rec *a, const ev_rec *b, ev_merge_mode mode) {
  if (mode == EV_MERGE_VC) return ev_vc_covers(a, b);
  if (mode == EV_MERGE_LWW) return ev_rec_cmp(a, b) >= 0;
  for (int i = 0; i < EV_MAX_NODES; i++)
    if (a->p[i] < b->p[i] || a->m[i] < b->m[i]) return false;
  return true;
}

int64_t ev_rec_counter(const ev_rec *r) {
  int64_t v = 0;
  for (int i = 0; i < EV_MAX_NODES; i++) v += r->p[i] - r->m[i];
  return v;
}

uint64_t ev_rec_hash(const ev_rec *r) {
  uint64_t h = ev_hash64((uint64_t)r->key);
  h = ev_hash64(h ^ (uint64_t)r->ts);
  h = ev_hash64(h ^ (uint64_t)(uint32_t)r->origin ^ ((uint64_t)r->has_value << 32));
  h = ev_hash64(h ^ (uint64_t)r->value);
  for (int i = 0; i < EV_MAX_NODES; i++)
    if (r->p[i] || r->m[i]) h = ev_hash64(h ^ ev_hash64((uint64_t)r->p[i] + (uint64_t)i) ^ (uint64_t)r->m[i]);
  for (uint32_t j = 0; j < r->n_sib && j < EV_MAX_SIBLINGS; j++) {
    h = ev_hash64(h ^ (uint64_t)r->sib[j].value);
    for (int i = 0; i < EV_MAX_NODES; i++)
      if (r->sib[j].vc[i]) h = ev_hash64(h ^ ((uint64_t)i << 32) ^ r->sib[j].vc[i]);
  }
  return h;
}

bool ev_rec_read(const void *p, size_t len, ev_rec *out) {
  if (!p || len != sizeof *out) return false; /* a torn write is shorter: ignore it */
  memcpy(out, p, sizeof *out);
  return true;
}

ev_rec *ev_store_get(ev_node *s, int64_t key) { return g_tree_lookup(s->store, &key); }

void ev_meta_save(ev_node *s, fl_node_ctx *ctx) {
  fl_node_persist(ctx, EV_DK_META, &s->meta, sizeof s->meta);
}

bool ev_store_apply(ev_node *s, fl_node_ctx *ctx, const ev_rec *rec, bool overwrite) {
  ev_rec *cur = ev_store_get(s, rec->key);
  if (!cur) {
    cur = g_new(ev_rec, 1);
    ev_rec_zero(cur, rec->key);
    int64_t *k = g_new(int64_t, 1);
    *k = rec->key;
    g_tree_insert(s->store, k, cur);
    if (rec->key >= s->meta.max_key) {
      s->meta.max_key = rec->key + 1;
      ev_meta_save(s, ctx);
    }
  }
  bool changed;
  if (overwrite && !ev_rec_same(cur, rec)) {
    memcpy(cur, rec, sizeof *cur);
    changed = true;
  } else {
    changed = ev_rec_merge(cur, rec, s->cfg.merge);
  }
  if (changed) fl_node_persist(ctx, EV_DK_REC + (uint64_t)rec->key, cur, sizeof *cur);
  return changed;
}

void ev_hint_add(ev_node *s, fl_node_ctx *ctx, int target, const ev_rec *rec) {
  ev_hint *h = g_new0(ev_hint, 1);
  h->id = s->meta.hint_hi++;
  h->target = target;
  memcpy(&h->rec, rec, sizeof h->rec);
  fl_node_persist(ctx, EV_DK_HINT + h->id, h, sizeof *h);
  ev_meta_save(s, ctx);
  g_tree_insert(s->hints, &h->id, h);
  fl_node_metric_add(ctx, "hints_outstanding", 1);
  fl_node_metric_add(ctx, "hints_stored", 1);
}

void ev_hint_done(ev_node *s, fl_node_ctx *ctx, uint64_t id) {
  if (!g_tree_lookup(s->hints, &id)) return;
  g_tree_remove(s->hints, &id);
  fl_node_erase_range(ctx, EV_DK_HINT + id, EV_DK_HINT + id + 1);
  fl_node_metric_add(ctx, "hints_outstanding", -1);
  fl_node_metric_add(ctx, "hints_delivered", 1);
}

static gboolean send_hint(gpointer key, gpointer value, gpointer data) {
  (void)key;
  void **a = data;
  ev_node *s = a[0];
  fl_node_ctx *ctx = a[1];
  const ev_hint *h = value;
  ev_msg_rec m;
  memset(&m, 0, sizeof m);
  m.type = EV_HINT;
  m.hint_for = h->target;
  m.id = h->id;
  m.has = 1;
  memcpy(&m.rec, &h->rec, sizeof m.rec);
  if (h->target != s->id) fl_node_send(ctx, h->target, &m, sizeof m);
  return FALSE;
}

/* Offers every hint to its replica again; the replica's HINT_ACK deletes it. Offering all of
 * them each period (rather than probing first) costs a message per hint per period while the
 * replica is down, which the scenarios' hint counts keep small. */
void ev_hints_handoff(ev_node *s, fl_node_ctx *ctx) {
  void *a[2] = {s, ctx};
  g_tree_foreach(s->hints, send_hint, a);
}

void ev_tally_add(ev_node *s, fl_node_ctx *ctx, int64_t key, int64_t delta) {
  (void)s;
  size_t len;
  int64_t t = 0;
  const void *p = fl_node_load(ctx, EV_DK_TALLY + (uint64_t)key, &len);
  if (p && len == sizeof t) memcpy(&t, p, sizeof t);
  t += delta;
  fl_node_persist(ctx, EV_DK_TALLY + (uint64_t)key, &t, sizeof t);
}

void ev_store_load(ev_node *s, fl_node_ctx *ctx) {
  size_t len;
  const void *p = fl_node_load(ctx, EV_DK_META, &len);
  if (p && len == sizeof s->meta) memcpy(&s->meta, p, sizeof s->meta);
  for (int64_t k = 0; k < s->meta.max_key; k++) {
    ev_rec r;
    p = fl_node_load(ctx, EV_DK_REC + (uint64_t)k, &len);
    if (!ev_rec_read(p, len, &r)) continue;
    ev_rec *cur = g_new(ev_rec, 1);
    memcpy(cur, &r, sizeof r);
    int64_t *key = g_new(int64_t, 1);
    *key = k;
    g_tree_insert(s->store, key, cur);
  }
  for (uint64_t id = s->meta.hint_lo; id < s->meta.hint_hi; id++) {
    p = fl_node_load(ctx, EV_DK_HINT + id, &len);
    if (!p || len != sizeof(ev_hint)) continue;
    ev_hint *h = g_new(ev_hint, 1);
    memcpy(h, p, sizeof *h);
    g_tree_insert(s->hints, &h->id, h);
  }
}
