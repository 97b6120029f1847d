/* latency: a fixed-size histogram of durations, for latency percentiles over runs of any
 * length in constant memory.
 *
 * Buckets are log-linear (as in HdrHistogram): each power of two is split into 32 linear
 * sub-buckets, so a reported percentile is within about 3% of the true one, and values below
 * 32 ns are exact. The mean and maximum are exact.
 */
#ifndef FL_LATENCY_H
#define FL_LATENCY_H

#include <stdint.h>

#define FL_LATENCY_SUB 32
#define FL_LATENCY_BUCKETS (64 * FL_LATENCY_SUB)

typedef struct fl_latency {
  uint64_t count;
  double sum_ns;
  int64_t max_ns;
  uint32_t buckets[FL_LATENCY_BUCKETS];
} fl_latency;

void fl_latency_init(fl_latency *h);
void fl_latency_add(fl_latency *h, int64_t ns);
/* The smallest bucket bound below which at least q (0..1] of the values lie; 0 when empty. */
int64_t fl_latency_quantile(const fl_latency *h, double q);
double fl_latency_mean(const fl_latency *h);

#endif
