/* The consistent-hashing ring: `tokens` positions per node, drawn from a fixed hash of (node,
 * token), so that every node computes the same ring without talking, and adding a node moves
 * only the keys whose walk now meets it first (about K/N of them), where modulo placement
 * moves nearly all (tests/unit/test_eventual.c measures both). Lookups binary-search the
 * sorted positions: O(log(nodes * tokens)) per key. */
#include "eventual_int.h"

/* splitmix64's finaliser: a bijection with good avalanche, cheap and the same everywhere. */
uint64_t ev_hash64(uint64_t x) {
  x += UINT64_C(0x9e3779b97f4a7c15);
  x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
  return x ^ (x >> 31);
}

uint64_t ev_key_pos(int64_t key) { return ev_hash64((uint64_t)key ^ UINT64_C(0x6b65792d72696e67)); }

static int cmp_point(const void *a, const void *b, void *pos) {
  const uint64_t *p = pos;
  uint64_t x = p[*(const uint32_t *)a], y = p[*(const uint32_t *)b];
  return x < y ? -1 : x > y;
}

void ev_ring_init(ev_ring *r, int nodes, int tokens) { ev_ring_init_members(r, nodes, tokens, NULL); }

void ev_ring_init_members(ev_ring *r, int nodes, int tokens, const bool *member) {
  memset(r, 0, sizeof *r);
  r->nodes = nodes;
  r->tokens = tokens;
  for (int n = 0; n < nodes; n++) r->members += !member || member[n];
  r->n_points = (uint32_t)(r->members * tokens);
  uint64_t *pos = g_new(uint64_t, (size_t)nodes * (size_t)tokens);
  uint32_t *idx = g_new(uint32_t, (size_t)nodes * (size_t)tokens);
  for (int n = 0; n < nodes; n++)
    for (int t = 0; t < tokens; t++) {
      uint32_t i = (uint32_t)(n * tokens + t);
      pos[i] = ev_hash64(((uint64_t)(n + 1) << 32) | (uint64_t)t);
    }
  uint32_t m = 0;
  for (int n = 0; n < nodes; n++)
    for (int t = 0; t < tokens && (!member || member[n]); t++) idx[m++] = (uint32_t)(n * tokens + t);
  g_qsort_with_data(idx, (gint)r->n_points, sizeof *idx, cmp_point, pos);
  r->pos = g_new(uint64_t, r->n_points);
  r->owner = g_new(int32_t, r->n_points);
  for (uint32_t i = 0; i < r->n_points; i++) {
    r->pos[i] = pos[idx[i]];
    r->owner[i] = (int32_t)(idx[i] / (uint32_t)tokens);
  }
  g_free(pos);
  g_free(idx);
}

void ev_ring_clear(ev_ring *r) {
  g_free(r->pos);
  g_free(r->owner);
  memset(r, 0, sizeof *r);
}

int ev_ring_walk(const ev_ring *r, int64_t key, int *out) {
  uint64_t k = ev_key_pos(key);
  uint32_t lo = 0, hi = r->n_points; /* first position >= k */
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (r->pos[mid] < k) lo = mid + 1;
    else hi = mid;
  }
  int n = 0;
  bool seen[EV_MAX_NODES * 64] = {false};
  for (uint32_t i = 0; i < r->n_points && n < r->members; i++) {
    int o = r->owner[(lo + i) % r->n_points];
    if (seen[o]) continue;
    seen[o] = true;
    out[n++] = o;
  }
  return n;
}

bool ev_ring_is_replica(const ev_ring *r, int64_t key, int n, int node) {
  int walk[EV_MAX_NODES * 64];
  int len = ev_ring_walk(r, key, walk);
  for (int i = 0; i < n && i < len; i++)
    if (walk[i] == node) return true;
  return false;
}
