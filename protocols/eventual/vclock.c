/* Vector-clock versions (versions = vclock): a register keeps every version no other version
 * descends from (its siblings), as Dynamo and Riak do. A write first reads the key; its new
 * version's clock is the pointwise maximum of the siblings it read, with the coordinator's own
 * entry past any it ever used, so it supersedes what it saw and stands beside what it did not.
 *
 * Merging is the union minus the dominated versions, in sibling order (larger clock sum first,
 * then smaller value, then the clock's bytes), cut to EV_MAX_SIBLINGS. The order is total, so
 * every replica keeps the same set whatever order merges come in. A read answers with one
 * value (a client's operation carries one): the largest sibling's, and counts the reads that
 * met siblings (metrics sibling_reads, siblings_max). */
#include "eventual_int.h"

static uint64_t vc_sum(const ev_sib *s) {
  uint64_t x = 0;
  for (int i = 0; i < EV_MAX_NODES; i++) x += s->vc[i];
  return x;
}

/* a <= b entry by entry. */
static bool vc_leq(const ev_sib *a, const ev_sib *b) {
  for (int i = 0; i < EV_MAX_NODES; i++)
    if (a->vc[i] > b->vc[i]) return false;
  return true;
}

static bool vc_equal(const ev_sib *a, const ev_sib *b) {
  return memcmp(a->vc, b->vc, sizeof a->vc) == 0 && a->value == b->value;
}

static int sib_order(const void *pa, const void *pb) {
  const ev_sib *a = pa, *b = pb;
  uint64_t x = vc_sum(a), y = vc_sum(b);
  if (x != y) return x > y ? -1 : 1;
  if (a->value != b->value) return a->value < b->value ? -1 : 1;
  return memcmp(a->vc, b->vc, sizeof a->vc);
}

bool ev_vc_merge(ev_rec *dst, const ev_rec *src) {
  ev_sib all[2 * EV_MAX_SIBLINGS];
  int n = 0;
  for (uint32_t j = 0; j < dst->n_sib && j < EV_MAX_SIBLINGS; j++) all[n++] = dst->sib[j];
  for (uint32_t j = 0; j < src->n_sib && j < EV_MAX_SIBLINGS; j++) all[n++] = src->sib[j];
  ev_sib keep[2 * EV_MAX_SIBLINGS];
  memset(keep, 0, sizeof keep);
  int k = 0;
  for (int i = 0; i < n; i++) {
    bool drop = false;
    for (int j = 0; j < n && !drop; j++) {
      if (i == j) continue;
      if (vc_equal(&all[i], &all[j])) drop = j < i; /* keep the first of equal ones */
      else if (vc_leq(&all[i], &all[j]) && memcmp(all[i].vc, all[j].vc, sizeof all[i].vc) != 0)
        drop = true; /* strictly older */
    }
    if (!drop) keep[k++] = all[i];
  }
  qsort(keep, (size_t)k, sizeof keep[0], sib_order);
  if (k > EV_MAX_SIBLINGS) k = EV_MAX_SIBLINGS;
  ev_rec out;
  memcpy(&out, dst, sizeof out);
  memset(out.sib, 0, sizeof out.sib);
  memcpy(out.sib, keep, sizeof keep[0] * (size_t)k);
  out.n_sib = (uint32_t)k;
  if (k > 0) out.has_value = 1;
  /* The stamp and origin only label the record (the trace, the staleness lag). */
  if (src->ts > out.ts) out.ts = src->ts, out.origin = src->origin;
  out.value = ev_vc_pick(&out);
  if (memcmp(&out, dst, sizeof out) == 0) return false;
  memcpy(dst, &out, sizeof out);
  return true;
}

/* a holds everything b holds: every sibling of b is one of a's or older than one of a's. */
bool ev_vc_covers(const ev_rec *a, const ev_rec *b) {
  for (uint32_t j = 0; j < b->n_sib && j < EV_MAX_SIBLINGS; j++) {
    bool covered = false;
    for (uint32_t i = 0; i < a->n_sib && i < EV_MAX_SIBLINGS && !covered; i++)
      covered = vc_leq(&b->sib[j], &a->sib[i]);
    if (!covered) return false;
  }
  return true;
}

int64_t ev_vc_pick(const ev_rec *r) {
  int64_t v = 0;
  for (uint32_t j = 0; j < r->n_sib && j < EV_MAX_SIBLINGS; j++)
    if (j == 0 || r->sib[j].value > v) v = r->sib[j].value;
  return v;
}
