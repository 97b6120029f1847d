/* cap_plots: the CAP report's plots, drawn by sim/plot (PLplot's cairo driver), each as PNG and
 * SVG with its fault windows shaded:
 *   availability.*   answered / ended per time bin, one line per protocol (all seeds pooled);
 *   latency-P.*      every operation of protocol P's first seed: invocation time against
 *                    latency, coloured by outcome (Maelstrom's latency-raw);
 *   latency-cdf.*    the distribution of ok latencies, one line per protocol;
 *   summary.*        each protocol placed by the availability of its worse-off side in fault
 *                    windows (x) and the share of seeds whose history is linearizable (y). */
#include "cap_int.h"
#include "plot.h"

#include <math.h>
#include <string.h>

#define W 1000
#define H 600
#define BINS 100

/* Writes p as DIR/NAME.png and DIR/NAME.svg. */
static bool write_both(const fl_plot *p, const char *dir, const char *name, GError **error) {
  static const char *const ext[] = {"png", "svg"};
  for (int i = 0; i < 2; i++) {
    char *file = g_strdup_printf("%s.%s", name, ext[i]);
    char *path = g_build_filename(dir, file, NULL);
    bool ok = fl_plot_write(p, path, W, H, error);
    g_free(path);
    g_free(file);
    if (!ok) return false;
  }
  return true;
}

static void shade_windows(fl_plot *p, const fl_cap_run *r) {
  for (guint i = 0; i < r->windows->len; i++) {
    const fl_cap_window *w = &g_array_index(r->windows, fl_cap_window, i);
    fl_plot_shade(p, w->what, (double)w->from_ns / 1e9, (double)w->to_ns / 1e9);
  }
}

static int64_t duration_of(GPtrArray *rs) {
  int64_t d = 0;
  for (guint i = 0; i < rs->len; i++) d = MAX(d, ((const fl_cap_run *)rs->pdata[i])->duration_ns);
  return d > 0 ? d : 1;
}

/* One protocol's availability line: answered / ended per bin of the runs pooled. */
static void availability_line(fl_plot *p, const char *label, GPtrArray *rs) {
  int64_t dur = duration_of(rs), bin = (dur + BINS - 1) / BINS;
  uint64_t ended[BINS] = {0}, yes[BINS] = {0};
  for (guint i = 0; i < rs->len; i++) {
    const fl_cap_run *r = rs->pdata[i];
    for (guint k = 0; k < r->ops->len; k++) {
      const fl_cap_op *o = &g_array_index(r->ops, fl_cap_op, k);
      if (o->open_at_end) continue;
      int b = (int)MIN(o->invoke_ns / bin, BINS - 1);
      ended[b]++;
      yes[b] += o->outcome == FL_CAP_OK || o->outcome == FL_CAP_FAIL;
    }
  }
  double x[BINS], y[BINS];
  size_t n = 0;
  for (int b = 0; b < BINS; b++) {
    if (!ended[b]) continue; /* no operation invoked then: no value (the line skips it) */
    x[n] = ((double)b + 0.5) * (double)bin / 1e9;
    y[n] = 100.0 * (double)yes[b] / (double)ended[b];
    n++;
  }
  fl_plot_line(p, label, x, y, n);
}

static void latency_points(fl_plot *p, const fl_cap_run *r) {
  static const char *const names[] = {"ok", "fail", "refused", "unknown"};
  for (int out = 0; out < 4; out++) {
    GArray *x = g_array_new(FALSE, FALSE, sizeof(double)), *y = g_array_new(FALSE, FALSE, sizeof(double));
    for (guint k = 0; k < r->ops->len; k++) {
      const fl_cap_op *o = &g_array_index(r->ops, fl_cap_op, k);
      if (o->outcome != out || o->open_at_end) continue;
      double xs = (double)o->invoke_ns / 1e9, ms = (double)(o->end_ns - o->invoke_ns) / 1e6;
      g_array_append_val(x, xs);
      g_array_append_val(y, ms);
    }
    if (x->len) fl_plot_points(p, names[out], (double *)(void *)x->data, (double *)(void *)y->data, x->len);
    g_array_free(x, TRUE);
    g_array_free(y, TRUE);
  }
}

static void latency_cdf(fl_plot *p, const char *label, GPtrArray *rs) {
  GArray *v = g_array_new(FALSE, FALSE, sizeof(double));
  for (guint i = 0; i < rs->len; i++) {
    const fl_cap_run *r = rs->pdata[i];
    for (guint k = 0; k < r->ops->len; k++) {
      const fl_cap_op *o = &g_array_index(r->ops, fl_cap_op, k);
      if (o->outcome != FL_CAP_OK) continue;
      double ms = (double)(o->end_ns - o->invoke_ns) / 1e6;
      g_array_append_val(v, ms);
    }
  }
  if (v->len) fl_plot_cdf(p, label, (double *)(void *)v->data, v->len);
  g_array_free(v, TRUE);
}

static bool plot_availability(const char *dir, const char *title, char **protocols,
                              const fl_cap_run *const *runs, size_t n, GError **error) {
  char *t = g_strdup_printf("Availability over time: %s", title);
  fl_plot *p = fl_plot_new(t, "simulated time (s)", "answered / ended (%)");
  fl_plot_legend_outside(p, true);
  fl_plot_y_range(p, 0.0, 105.0);
  shade_windows(p, runs[0]);
  for (char **q = protocols; *q; q++) {
    GPtrArray *rs = fl_cap_runs_of(*q, runs, n);
    if (rs->len) availability_line(p, *q, rs);
    g_ptr_array_free(rs, TRUE);
  }
  bool ok = write_both(p, dir, "availability", error);
  fl_plot_free(p);
  g_free(t);
  return ok;
}

static bool plot_latency(const char *dir, const char *title, const fl_cap_run *r, const char *name,
                         GError **error) {
  char *t = g_strdup_printf("Latency of every operation: %s, %s, seed %" G_GUINT64_FORMAT, title,
                            r->protocol, r->seed);
  fl_plot *p = fl_plot_new(t, "invoked at, simulated time (s)", "latency (ms)");
  fl_plot_legend_outside(p, true);
  shade_windows(p, r);
  latency_points(p, r);
  bool ok = r->ops->len ? write_both(p, dir, name, error) : true;
  fl_plot_free(p);
  g_free(t);
  return ok;
}

static bool plot_cdf(const char *dir, const char *title, char **protocols,
                     const fl_cap_run *const *runs, size_t n, GError **error) {
  char *t = g_strdup_printf("Latency of ok operations: %s", title);
  fl_plot *p = fl_plot_new(t, "latency (ms, log scale)", "fraction of ok operations");
  fl_plot_legend_outside(p, true);
  fl_plot_log_x(p, true);
  bool any = false;
  for (char **q = protocols; *q; q++) {
    GPtrArray *rs = fl_cap_runs_of(*q, runs, n);
    size_t before = 0;
    for (guint i = 0; i < rs->len; i++) before += ((const fl_cap_run *)rs->pdata[i])->ops->len;
    if (before) latency_cdf(p, *q, rs), any = true;
    g_ptr_array_free(rs, TRUE);
  }
  bool ok = any ? write_both(p, dir, "latency-cdf", error) : true;
  fl_plot_free(p);
  g_free(t);
  return ok;
}

/* x: the availability of the worse-off side in fault windows (the minority side's under a
 * partition; the other side's where one side had no operation; all operations' where there was
 * no fault window), so a CP protocol lands left and an AP one right; y: consistency. */
static bool plot_summary(const char *dir, const char *title, char **protocols,
                         const fl_cap_run *const *runs, size_t n, GError **error) {
  char *t = g_strdup_printf("Availability under faults vs consistency: %s", title);
  fl_plot *p = fl_plot_new(t, "availability of the worse-off side in faults (%, median)",
                           "linearizable seeds (%; ties drawn 3 apart)");
  fl_plot_x_range(p, -5.0, 105.0);
  fl_plot_y_range(p, -10.0, 105.0);
  fl_plot_legend_outside(p, true);
  fl_plot_point_size(p, 2.0);
  size_t imaj = 0, imin = 0, iall = 0, il = 0;
  for (size_t k = 0; k < fl_cap_n_figs; k++) {
    const char *key = fl_cap_figs[k].key;
    if (strcmp(key, "availability_majority") == 0) imaj = k;
    if (strcmp(key, "availability_minority") == 0) imin = k;
    if (strcmp(key, "availability") == 0) iall = k;
    if (strcmp(key, "linearizable") == 0) il = k;
  }
  bool any = false;
  GArray *placed = g_array_new(FALSE, FALSE, sizeof(double)); /* x, y pairs drawn so far */
  for (char **q = protocols; *q; q++) {
    GPtrArray *rs = fl_cap_runs_of(*q, runs, n);
    fl_cap_spread sp[64];
    g_assert(fl_cap_n_figs <= G_N_ELEMENTS(sp));
    fl_cap_summarise(rs, sp);
    double a = sp[imaj].median, b = sp[imin].median;
    double worse = isnan(a) ? b : isnan(b) ? a : MIN(a, b);
    if (isnan(worse)) worse = sp[iall].median;
    double x = worse * 100.0, y = sp[il].median * 100.0;
    /* Protocols on the same spot are nudged down one step each, so every one stays visible
     * (the axis label says so; cap.md has the exact figures). */
    for (guint k = 0; k + 1 < placed->len; k += 2)
      if (fabs(g_array_index(placed, double, k) - x) < 1.0 &&
          fabs(g_array_index(placed, double, k + 1) - y) < 1.0)
        y -= 3.0;
    g_array_append_val(placed, x);
    g_array_append_val(placed, y);
    if (!isnan(x) && !isnan(y)) {
      fl_plot_points(p, *q, &x, &y, 1);
      any = true;
    }
    g_ptr_array_free(rs, TRUE);
  }
  g_array_free(placed, TRUE);
  bool ok = any ? write_both(p, dir, "summary", error) : true;
  fl_plot_free(p);
  g_free(t);
  return ok;
}

bool fl_cap_plots_write(const char *dir, const char *title, char **protocols,
                        const fl_cap_run *const *runs, size_t n, GError **error) {
  if (n == 0) return true;
  if (!plot_availability(dir, title, protocols, runs, n, error)) return false;
  for (char **q = protocols; *q; q++) {
    GPtrArray *rs = fl_cap_runs_of(*q, runs, n);
    bool ok = true;
    if (rs->len) {
      char *name = g_strdup_printf("latency-%s", *q);
      ok = plot_latency(dir, title, rs->pdata[0], name, error);
      g_free(name);
    }
    g_ptr_array_free(rs, TRUE);
    if (!ok) return false;
  }
  return plot_cdf(dir, title, protocols, runs, n, error) &&
         plot_summary(dir, title, protocols, runs, n, error);
}

bool fl_cap_plot_run(const char *dir, const char *title, const fl_cap_run *r, GError **error) {
  if (g_mkdir_with_parents(dir, 0755) != 0) {
    g_set_error(error, FL_CAP_ERROR, FL_CAP_ERROR_IO, "cannot create directory '%s': %s", dir,
                g_strerror(errno));
    return false;
  }
  char *protocols[] = {r->protocol, NULL};
  const fl_cap_run *runs[] = {r};
  return plot_availability(dir, title, protocols, runs, 1, error) &&
         plot_latency(dir, title, r, "latency", error) &&
         plot_cdf(dir, title, protocols, runs, 1, error);
}
