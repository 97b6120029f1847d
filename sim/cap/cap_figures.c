/* cap_figures: a run's figures for the CAP report (definitions in cap.h). */
#include "cap.h"

#include <math.h>
#include <stdlib.h>

static bool answered(const fl_cap_op *o) {
  return o->outcome == FL_CAP_OK || o->outcome == FL_CAP_FAIL;
}

/* Whether the operation was invoked inside a fault window. */
static bool in_faults(const fl_cap_run *r, const fl_cap_op *o) {
  for (guint i = 0; i < r->windows->len; i++) {
    const fl_cap_window *w = &g_array_index(r->windows, fl_cap_window, i);
    if (o->invoke_ns >= w->from_ns && o->invoke_ns < w->to_ns) return true;
  }
  return false;
}

double fl_cap_availability_between(const fl_cap_run *r, int64_t from_ns, int64_t to_ns, int side) {
  uint64_t ended = 0, yes = 0;
  for (guint i = 0; i < r->ops->len; i++) {
    const fl_cap_op *o = &g_array_index(r->ops, fl_cap_op, i);
    if (o->open_at_end || o->invoke_ns < from_ns || o->invoke_ns >= to_ns) continue;
    if (side >= 0 && o->majority != side) continue;
    ended++;
    yes += answered(o);
  }
  return ended ? (double)yes / (double)ended : NAN;
}

typedef struct tally {
  uint64_t ended, answered;
  GArray *lat_ms; /* double: latencies of ok operations */
} tally;

static void tally_add(tally *t, const fl_cap_op *o) {
  if (o->open_at_end) return;
  t->ended++;
  t->answered += answered(o);
  if (o->outcome == FL_CAP_OK) {
    double ms = (double)(o->end_ns - o->invoke_ns) / 1e6;
    g_array_append_val(t->lat_ms, ms);
  }
}

static double ratio(const tally *t) {
  return t->ended ? (double)t->answered / (double)t->ended : NAN;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The q-quantile by the nearest-rank method, as the run's summary reports latency. */
static double quantile(GArray *v, double q) {
  if (v->len == 0) return NAN;
  qsort(v->data, v->len, sizeof(double), cmp_double);
  size_t rank = (size_t)ceil(q * (double)v->len);
  if (rank < 1) rank = 1;
  return g_array_index(v, double, rank - 1);
}

void fl_cap_figures_of(const fl_cap_run *r, fl_cap_figures *out) {
  tally all = {0}, faults = {0}, steady = {0}, major = {0}, minor = {0};
  tally *ts[] = {&all, &faults, &steady, &major, &minor};
  for (size_t i = 0; i < G_N_ELEMENTS(ts); i++) ts[i]->lat_ms = g_array_new(FALSE, FALSE, sizeof(double));
  for (guint i = 0; i < r->ops->len; i++) {
    const fl_cap_op *o = &g_array_index(r->ops, fl_cap_op, i);
    tally_add(&all, o);
    if (in_faults(r, o)) {
      tally_add(&faults, o);
      tally_add(o->majority ? &major : &minor, o);
    } else {
      tally_add(&steady, o);
    }
  }
  out->avail_all = ratio(&all);
  out->avail_faults = ratio(&faults);
  out->avail_steady = ratio(&steady);
  out->avail_majority = ratio(&major);
  out->avail_minority = ratio(&minor);
  out->p50_steady_ms = quantile(steady.lat_ms, 0.50);
  out->p99_steady_ms = quantile(steady.lat_ms, 0.99);
  out->max_steady_ms = quantile(steady.lat_ms, 1.0);
  out->p50_faults_ms = quantile(faults.lat_ms, 0.50);
  out->p99_faults_ms = quantile(faults.lat_ms, 0.99);
  out->max_faults_ms = quantile(faults.lat_ms, 1.0);
  out->recovery_ms = r->recovery_ok_max_ns >= 0 ? (double)r->recovery_ok_max_ns / 1e6 : NAN;
  out->blocked_max_ms = r->blocked_max_ns >= 0 ? (double)r->blocked_max_ns / 1e6 : NAN;
  out->violation_ops = r->violation_ops >= 0 ? (double)r->violation_ops : NAN;
  out->stale_reads = r->reads > 0 && r->stale_reads >= 0 ? (double)r->stale_reads / (double)r->reads : NAN;
  out->stale_lag_max_ms = r->stale_reads > 0 ? (double)r->stale_lag_max_ns / 1e6 : r->stale_reads == 0 ? 0.0 : NAN;
  out->linearizable = r->lin == FL_CAP_LIN_OK ? 1.0 : r->lin == FL_CAP_LIN_VIOLATION ? 0.0 : NAN;
  for (size_t i = 0; i < G_N_ELEMENTS(ts); i++) g_array_free(ts[i]->lat_ms, TRUE);
}
