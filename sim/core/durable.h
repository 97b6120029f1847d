/* durable: a node's durable storage, the part of its state that survives a crash.
 *
 * An ordered map from 64-bit keys to byte records, kept as a sorted array: protocols append
 * their logs in key order, so a write nearly always lands at the end, and log truncation and
 * compaction remove one contiguous range. The map owns copies of the records it is given.
 */
#ifndef FL_DURABLE_H
#define FL_DURABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fl_durable fl_durable;

/* Newly allocated and empty; fl_durable_free frees it and every record (NULL accepted). */
fl_durable *fl_durable_new(void);
void fl_durable_free(fl_durable *d);

/* Stores a copy of len bytes under key, replacing what was there. */
void fl_durable_put(fl_durable *d, uint64_t key, const void *data, size_t len);
/* The record under key (borrowed until the next put or erase), or NULL; non-NULL even for an
 * empty record. */
const void *fl_durable_get(const fl_durable *d, uint64_t key, size_t *len);
/* Erases every key in [from, to), or every key >= from when to_end. */
void fl_durable_erase(fl_durable *d, uint64_t from, uint64_t to, bool to_end);
size_t fl_durable_count(const fl_durable *d);
/* Calls fn for every key in [from, to) (every key >= from when to_end), in key order; fn must
 * not change the store. */
void fl_durable_each(const fl_durable *d, uint64_t from, uint64_t to, bool to_end,
                     void (*fn)(uint64_t key, void *user), void *user);

#endif
