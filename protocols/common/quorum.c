/* quorum: see quorum.h. */
#include "quorum.h"

#include <glib.h>

uint64_t fl_quorum_agreed(const uint64_t *values, int n) {
  g_assert(n >= 1);
  /* A descending insertion sort of a copy: n is a cluster size (a handful), where it beats a
   * selection algorithm, and the caller's array stays as it was. */
  uint64_t small[16];
  uint64_t *m = n <= 16 ? small : g_new(uint64_t, n);
  for (int i = 0; i < n; i++) {
    uint64_t v = values[i];
    int j = i - 1;
    for (; j >= 0 && m[j] < v; j--) m[j + 1] = m[j];
    m[j + 1] = v;
  }
  uint64_t agreed = m[fl_quorum_majority(n) - 1];
  if (m != small) g_free(m);
  return agreed;
}
