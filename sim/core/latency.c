/* latency: log-linear histogram (see latency.h for the accuracy argument). */
#include "latency.h"

#include <string.h>

void fl_latency_init(fl_latency *h) { memset(h, 0, sizeof *h); }

static int bucket_of(uint64_t v) {
  if (v < FL_LATENCY_SUB) return (int)v;
  int msb = 63 - __builtin_clzll(v); /* >= 5 */
  int shift = msb - 5;               /* keep the top 6 bits: 1xxxxx */
  int sub = (int)((v >> shift) & (FL_LATENCY_SUB - 1));
  return (shift + 1) * FL_LATENCY_SUB + sub;
}

/* The largest value that falls into bucket b. */
static int64_t bucket_top(int b) {
  if (b < FL_LATENCY_SUB) return b;
  int shift = b / FL_LATENCY_SUB - 1, sub = b % FL_LATENCY_SUB;
  uint64_t low = ((uint64_t)(FL_LATENCY_SUB + sub)) << shift;
  uint64_t top = low + ((uint64_t)1 << shift) - 1;
  return top > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)top;
}

void fl_latency_add(fl_latency *h, int64_t ns) {
  if (ns < 0) ns = 0;
  h->count++;
  h->sum_ns += (double)ns;
  if (ns > h->max_ns) h->max_ns = ns;
  int b = bucket_of((uint64_t)ns);
  if (b >= FL_LATENCY_BUCKETS) b = FL_LATENCY_BUCKETS - 1;
  h->buckets[b]++;
}

int64_t fl_latency_quantile(const fl_latency *h, double q) {
  if (h->count == 0) return 0;
  uint64_t need = (uint64_t)(q * (double)h->count + 0.999999);
  if (need < 1) need = 1;
  uint64_t seen = 0;
  for (int b = 0; b < FL_LATENCY_BUCKETS; b++) {
    seen += h->buckets[b];
    if (seen >= need) {
      int64_t top = bucket_top(b);
      return top < h->max_ns ? top : h->max_ns;
    }
  }
  return h->max_ns;
}

double fl_latency_mean(const fl_latency *h) { return h->count ? h->sum_ns / (double)h->count : 0; }
