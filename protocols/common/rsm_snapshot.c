/* rsm_snapshot: see rsm_snapshot.h.
 *
 * The counts are written field by field rather than as a struct, so the bytes never depend on
 * a compiler's padding; the sizes are computed in uint64_t so that a forged n_kv cannot wrap a
 * 32-bit size_t into a length that matches.
 */
#include "rsm_snapshot.h"

#include <string.h>

G_STATIC_ASSERT(FL_RSM_SNAPSHOT_COUNTS_SIZE == 2 * sizeof(uint32_t));

GByteArray *fl_rsm_snapshot_take(const void *prefix, size_t prefix_len, const fl_kv_machine *kv,
                                 const fl_client_sessions *sessions) {
  uint32_t n_kv = fl_kv_machine_count(kv), n_sessions = fl_client_sessions_count(sessions);
  GByteArray *b = g_byte_array_sized_new(
      (guint)(prefix_len + FL_RSM_SNAPSHOT_COUNTS_SIZE + (size_t)n_kv * FL_KV_MACHINE_PAIR_SIZE +
              (size_t)n_sessions * sizeof(fl_client_session)));
  g_byte_array_append(b, prefix, (guint)prefix_len);
  g_byte_array_append(b, (const guint8 *)&n_kv, sizeof n_kv);
  g_byte_array_append(b, (const guint8 *)&n_sessions, sizeof n_sessions);
  fl_kv_machine_save(kv, b);
  fl_client_sessions_save(sessions, b);
  return b;
}

size_t fl_rsm_snapshot_min_len(size_t prefix_len) {
  return prefix_len + FL_RSM_SNAPSHOT_COUNTS_SIZE;
}

bool fl_rsm_snapshot_peek(const void *blob, size_t len, size_t prefix_len, uint32_t *n_kv,
                          uint32_t *n_sessions) {
  if (!blob || len < fl_rsm_snapshot_min_len(prefix_len)) return false;
  const char *p = blob;
  memcpy(n_kv, p + prefix_len, sizeof *n_kv);
  memcpy(n_sessions, p + prefix_len + sizeof *n_kv, sizeof *n_sessions);
  return true;
}

bool fl_rsm_snapshot_parse(const void *blob, size_t len, size_t prefix_len, void *prefix_out,
                           fl_rsm_snapshot_view *view) {
  uint32_t n_kv, n_sessions;
  if (!fl_rsm_snapshot_peek(blob, len, prefix_len, &n_kv, &n_sessions) ||
      n_sessions > FL_CLIENT_SESSIONS_MAX)
    return false;
  const char *p = blob;
  uint64_t want = (uint64_t)prefix_len + FL_RSM_SNAPSHOT_COUNTS_SIZE +
                  (uint64_t)n_kv * FL_KV_MACHINE_PAIR_SIZE +
                  (uint64_t)n_sessions * sizeof(fl_client_session);
  if ((uint64_t)len != want) return false;
  memcpy(prefix_out, p, prefix_len);
  view->n_kv = n_kv;
  view->n_sessions = n_sessions;
  view->pairs = p + prefix_len + FL_RSM_SNAPSHOT_COUNTS_SIZE;
  view->sessions = view->pairs + (size_t)n_kv * FL_KV_MACHINE_PAIR_SIZE;
  return true;
}

void fl_rsm_snapshot_install(const fl_rsm_snapshot_view *view, fl_kv_machine *kv,
                             fl_client_sessions *sessions) {
  fl_kv_machine_load(kv, view->pairs, view->n_kv);
  bool ok = fl_client_sessions_load(sessions, view->sessions, view->n_sessions);
  g_assert(ok); /* parse bounded n_sessions */
}

bool fl_rsm_snapshot_index(const void *blob, size_t len, uint64_t *index) {
  if (!blob || len < fl_rsm_snapshot_min_len(sizeof *index)) return false;
  memcpy(index, blob, sizeof *index);
  return true;
}

uint64_t fl_rsm_snapshot_durable_floor(const fl_cluster_view *v, int node, uint64_t key_a,
                                       uint64_t key_b) {
  const uint64_t keys[2] = {key_a, key_b};
  uint64_t low = UINT64_MAX;
  for (int i = 0; i < 2; i++) {
    size_t len = 0;
    const void *blob = fl_view_load(v, node, keys[i], &len);
    uint64_t index = 0;
    if (!blob) continue;
    fl_rsm_snapshot_index(blob, len, &index);
    low = MIN(low, index);
  }
  return low == UINT64_MAX ? 0 : low;
}
