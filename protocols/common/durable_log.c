/* durable_log: see durable_log.h.
 *
 * One record per entry rather than one record for the whole log: an append persists its
 * entry_size bytes instead of rewriting the log, and truncation and compaction are the
 * storage's own range erasures.
 */
#include "durable_log.h"

#include <string.h>

void fl_durable_log_init(fl_durable_log *l, size_t entry_size, uint64_t key_base) {
  g_assert(entry_size > 0 && entry_size <= G_MAXUINT);
  memset(l, 0, sizeof *l);
  l->entries = g_array_new(FALSE, TRUE, (guint)entry_size);
  l->entry_size = entry_size;
  l->key_base = key_base;
}

void fl_durable_log_clear(fl_durable_log *l) {
  if (l->entries) g_array_free(l->entries, TRUE);
  l->entries = NULL;
}

void fl_durable_log_append(fl_durable_log *l, fl_node_ctx *ctx, const void *entry) {
  g_array_append_vals(l->entries, entry, 1);
  fl_node_persist(ctx, fl_durable_log_key(l, fl_durable_log_last(l)), entry, l->entry_size);
}

void fl_durable_log_truncate(fl_durable_log *l, fl_node_ctx *ctx, uint64_t from) {
  g_assert(from > l->base && from <= fl_durable_log_last(l));
  g_array_set_size(l->entries, (guint)(from - l->base - 1));
  fl_node_erase_from(ctx, fl_durable_log_key(l, from));
  fl_durable_log_mark_changed(l, from);
}

void fl_durable_log_compact(fl_durable_log *l, fl_node_ctx *ctx, uint64_t upto,
                            uint64_t upto_term) {
  g_assert(upto > l->base && upto <= fl_durable_log_last(l));
  fl_node_erase_range(ctx, fl_durable_log_key(l, l->base + 1), fl_durable_log_key(l, upto + 1));
  g_array_remove_range(l->entries, 0, (guint)(upto - l->base));
  l->base = upto;
  l->base_term = upto_term;
}

void fl_durable_log_reset(fl_durable_log *l, fl_node_ctx *ctx, uint64_t base,
                          uint64_t base_term) {
  fl_node_erase_from(ctx, fl_durable_log_key(l, 0));
  g_array_set_size(l->entries, 0);
  l->base = base;
  l->base_term = base_term;
  fl_durable_log_mark_changed(l, base + 1);
}

void fl_durable_log_mark_changed(fl_durable_log *l, uint64_t from) {
  l->gen++;
  l->changed_from = from;
}

guint fl_durable_log_load(fl_durable_log *l, fl_node_ctx *ctx, uint64_t base,
                          uint64_t base_term) {
  g_assert(l->entries->len == 0);
  l->base = base;
  l->base_term = base_term;
  for (uint64_t i = base + 1;; i++) {
    size_t len = 0;
    const void *p = fl_node_load(ctx, fl_durable_log_key(l, i), &len);
    if (!p || len != l->entry_size) break;
    g_array_append_vals(l->entries, p, 1);
  }
  return l->entries->len;
}
