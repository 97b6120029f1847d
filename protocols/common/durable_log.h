/* durable_log: a replicated log of fixed-size entries kept in memory and, entry by entry, in
 * the node's durable storage (fl_node_persist), so that it survives a crash.
 *
 * Indexes start at 1. Entries at or below `base` were compacted away (into the protocol's
 * snapshot); entries->data[i] is index base + 1 + i. base_term is the term-like tag (Raft's
 * term, Paxos's ballot, ZAB's epoch) of the entry at base, which the log stores for the
 * protocol without reading it; the log never looks inside an entry either.
 *
 * Storage: entry i is the record at key `key_base + i`, entry_size bytes. Truncation erases
 * every key from key_base + from up, so the protocol must keep its other records (term, vote,
 * snapshot) at keys below key_base. Every change is persisted in the call that makes it, so a
 * node that persisted before sending never sends what a crash could lose.
 *
 * gen and changed_from are for checkers that re-examine only what changed: gen goes up by one
 * on every truncation or reset (never on append or compaction, which keep every surviving
 * entry), and changed_from is the first index that changed then.
 *
 * Ownership: the caller owns the fl_durable_log storage (init/clear); the entries are its.
 */
#ifndef FL_DURABLE_LOG_H
#define FL_DURABLE_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include "actor.h"

typedef struct fl_durable_log {
  GArray *entries; /* entry_size bytes each; read them, never change them directly */
  uint64_t base, base_term;
  uint64_t gen, changed_from;
  uint64_t key_base;
  size_t entry_size;
} fl_durable_log;

/* An empty log (base 0) of entries of entry_size bytes (> 0) stored from key_base up. */
void fl_durable_log_init(fl_durable_log *l, size_t entry_size, uint64_t key_base);
/* Frees the in-memory entries (durable storage is untouched); accepts a cleared or zeroed log. */
void fl_durable_log_clear(fl_durable_log *l);

static inline uint64_t fl_durable_log_last(const fl_durable_log *l) {
  return l->base + l->entries->len;
}
/* The entry at index (base < index <= last), borrowed until the log changes. Inline: Raft's
 * term lookups call it in every AppendEntries and every invariant check. */
static inline const void *fl_durable_log_at(const fl_durable_log *l, uint64_t index) {
  g_assert(index > l->base && index <= fl_durable_log_last(l));
  return l->entries->data + (size_t)(index - l->base - 1) * l->entry_size;
}
/* The storage key of index. */
static inline uint64_t fl_durable_log_key(const fl_durable_log *l, uint64_t index) {
  return l->key_base + index;
}

/* Appends entry (entry_size bytes, copied) at last + 1 and persists it. */
void fl_durable_log_append(fl_durable_log *l, fl_node_ctx *ctx, const void *entry);
/* Removes the suffix from index `from` (base < from <= last) in memory and in storage. */
void fl_durable_log_truncate(fl_durable_log *l, fl_node_ctx *ctx, uint64_t from);
/* Removes the prefix up to index upto (base < upto <= last), which the protocol has saved in a
 * snapshot; base becomes upto and base_term upto_term. */
void fl_durable_log_compact(fl_durable_log *l, fl_node_ctx *ctx, uint64_t upto,
                            uint64_t upto_term);
/* Removes every entry, in memory and in storage, and moves base to `base` (a snapshot that
 * replaces the whole log). */
void fl_durable_log_reset(fl_durable_log *l, fl_node_ctx *ctx, uint64_t base, uint64_t base_term);
/* Records that the entries from index `from` changed for the checkers (gen goes up). */
void fl_durable_log_mark_changed(fl_durable_log *l, uint64_t from);

/* On restart: an empty log takes base and base_term (from the protocol's snapshot, or 0) and
 * loads the stored entries base + 1, base + 2, ... up to the first missing (or wrongly sized)
 * record. Returns the number loaded. */
guint fl_durable_log_load(fl_durable_log *l, fl_node_ctx *ctx, uint64_t base, uint64_t base_term);

#endif
