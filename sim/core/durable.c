/* durable: a node's durable storage as a sorted array of (key, record). */
#include "durable.h"

#include <string.h>
#include <glib.h>

typedef struct slot {
  uint64_t key;
  size_t len;
  unsigned char *data; /* g_malloc'd, at least one byte so that it is never NULL */
} slot;

struct fl_durable {
  GArray *slots; /* slot, by key */
};

fl_durable *fl_durable_new(void) {
  fl_durable *d = g_new0(fl_durable, 1);
  d->slots = g_array_new(FALSE, FALSE, sizeof(slot));
  return d;
}

void fl_durable_free(fl_durable *d) {
  if (!d) return;
  fl_durable_erase(d, 0, 0, true);
  g_array_free(d->slots, TRUE);
  g_free(d);
}

/* The first slot whose key is >= key. */
static guint lower_bound(const fl_durable *d, uint64_t key) {
  const slot *s = (const slot *)(const void *)d->slots->data;
  guint lo = 0, hi = d->slots->len;
  /* The common case first: appending past the last key. */
  if (hi && s[hi - 1].key < key) return hi;
  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    if (s[mid].key < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

void fl_durable_put(fl_durable *d, uint64_t key, const void *data, size_t len) {
  unsigned char *copy = g_malloc(len ? len : 1);
  if (len) memcpy(copy, data, len);
  guint i = lower_bound(d, key);
  if (i < d->slots->len && g_array_index(d->slots, slot, i).key == key) {
    slot *s = &g_array_index(d->slots, slot, i);
    g_free(s->data);
    s->data = copy;
    s->len = len;
    return;
  }
  slot s = {.key = key, .len = len, .data = copy};
  g_array_insert_val(d->slots, i, s);
}

const void *fl_durable_get(const fl_durable *d, uint64_t key, size_t *len) {
  guint i = lower_bound(d, key);
  if (i < d->slots->len && g_array_index(d->slots, slot, i).key == key) {
    const slot *s = &g_array_index(d->slots, slot, i);
    if (len) *len = s->len;
    return s->data;
  }
  if (len) *len = 0;
  return NULL;
}

void fl_durable_erase(fl_durable *d, uint64_t from, uint64_t to, bool to_end) {
  if (!to_end && from >= to) return;
  guint lo = lower_bound(d, from), hi = to_end ? d->slots->len : lower_bound(d, to);
  if (lo >= hi) return;
  for (guint i = lo; i < hi; i++) g_free(g_array_index(d->slots, slot, i).data);
  g_array_remove_range(d->slots, lo, hi - lo);
}

size_t fl_durable_count(const fl_durable *d) { return d->slots->len; }

void fl_durable_each(const fl_durable *d, uint64_t from, uint64_t to, bool to_end,
                     void (*fn)(uint64_t key, void *user), void *user) {
  if (!to_end && from >= to) return;
  guint lo = lower_bound(d, from), hi = to_end ? d->slots->len : lower_bound(d, to);
  for (guint i = lo; i < hi; i++) fn(g_array_index(d->slots, slot, i).key, user);
}
