/* fig16: the Raft paper's Figure 16 (Ongaro and Ousterhout, USENIX ATC 2014, section 9.3),
 * reproduced on the real Raft actor: for each election timeout range, N trials (seeds 1..N) of
 * fig16_trial.h, the time from the leader's crash until every other survivor has heard the
 * new leader. Writes, into --out (results/fig16 by default):
 *   fig16.csv        one row per trial: range,seed,elected,downtime_ms,new_leader,new_term
 *   table.md         min, median, mean, p90, p99, max per range, beside the paper's figures
 *   fig16.png, .svg  the figure: cumulative percent of trials against time without a leader,
 *                    top panel 150-150 .. 150-300 ms, bottom 12-24 .. 150-300 ms, log time
 * Run from the source root (the scenario's default path is relative):
 *   build/sim/bench/fig16 [--trials N] [--cap DURATION_S] [--out DIR] [--range LO-HI]...
 *                         [--set SECTION.KEY=VALUE]... [--scenario FILE] [--no-plot]
 * Everything but the wall time on stderr is a function of the scenario and the seeds.
 */
#include "builtin.h"
#include "fig16_trial.h"
#include "plot.h"
#include "rng.h"
#include "scenario.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MS 1000000LL

/* The paper's ranges, in ms, and the panel(s) each belongs to; the figures the paper's text
 * quotes for it. 150-300 is in both panels and runs once. */
static const struct {
  int lo, hi;
  bool top, bottom;
  const char *paper;
} ranges[] = {
    {150, 150, true, false, "> 10 s (\"consistently\", 100 trials)"},
    {150, 151, true, false, ""},
    {150, 155, true, false, "median 287 ms"},
    {150, 175, true, false, ""},
    {150, 200, true, false, "slowest 513 ms"},
    {150, 300, true, true, ""},
    {12, 24, false, true, "mean 35 ms, slowest 152 ms"},
    {25, 50, false, true, ""},
    {50, 100, false, true, ""},
    {100, 200, false, true, ""},
};
#define N_RANGES (sizeof ranges / sizeof ranges[0])

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least p of the trials at or below it (sorted v;
 * censored trials are +inf and sort last). */
static double rank(const double *v, int n, double p) {
  int k = (int)ceil(p * n) - 1;
  return v[k < 0 ? 0 : k];
}

static void cell(GString *s, double ms) {
  if (isfinite(ms)) g_string_append_printf(s, " %.1f |", ms);
  else g_string_append(s, " not elected |");
}

/* The CDF as the paper draws it: cumulative percent of all trials (censored ones never reach
 * it, so a line ends below 100% when some trials elected no leader within the cap). */
static void add_cdf(fl_plot *p, const char *label, const double *sorted, int n) {
  double *x = g_new(double, 2 * (size_t)n), *y = g_new(double, 2 * (size_t)n);
  int m = 0;
  for (int i = 0; i < n && isfinite(sorted[i]); i++) {
    x[m] = sorted[i], y[m++] = 100.0 * i / n;
    x[m] = sorted[i], y[m++] = 100.0 * (i + 1) / n;
  }
  if (m) fl_plot_line(p, label, x, y, (size_t)m);
  g_free(x);
  g_free(y);
}

static fl_plot *panel(const char *title, double x_lo, double x_hi) {
  fl_plot *p = fl_plot_new(title, "time without leader (ms)", "cumulative percent");
  fl_plot_log_x(p, true);
  fl_plot_x_range(p, x_lo, x_hi);
  fl_plot_y_range(p, 0, 100);
  return p;
}

static void usage(void) {
  fprintf(stderr, "usage: fig16 [--trials N] [--cap SECONDS] [--out DIR] [--range LO-HI]... "
                  "[--set SECTION.KEY=VALUE]... [--scenario FILE] [--no-plot]\n");
  exit(2);
}

int main(int argc, char **argv) {
  int trials = 1000;
  double cap_s = 100.0;
  const char *out = "results/fig16", *scenario = "scenarios/fidelity/fig16.fl";
  bool plot = true;
  GPtrArray *sets = g_ptr_array_new();
  bool only[N_RANGES] = {false}, any_only = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--no-plot") == 0) {
      plot = false;
      continue;
    }
    if (!v) usage();
    i++;
    if (strcmp(a, "--trials") == 0 && atoi(v) > 0) trials = atoi(v);
    else if (strcmp(a, "--cap") == 0 && atof(v) > 0) cap_s = atof(v);
    else if (strcmp(a, "--out") == 0) out = v;
    else if (strcmp(a, "--scenario") == 0) scenario = v;
    else if (strcmp(a, "--set") == 0) g_ptr_array_add(sets, (gpointer)v);
    else if (strcmp(a, "--range") == 0) {
      int lo, hi;
      bool found = false;
      if (sscanf(v, "%d-%d", &lo, &hi) != 2) usage();
      for (size_t r = 0; r < N_RANGES; r++)
        if (ranges[r].lo == lo && ranges[r].hi == hi) only[r] = found = any_only = true;
      if (!found) usage();
    } else usage();
  }
  fl_rng_global_init();
  GError *error = NULL;
  if (!fl_protocols_register_builtin(&error)) {
    fprintf(stderr, "fig16: %s\n", error->message);
    return 1;
  }
  g_mkdir_with_parents(out, 0755);
  /* Outputs are written whole at the end (g_file_set_contents renames a temporary file). */
  GString *csv = g_string_new("range,seed,elected,downtime_ms,new_leader,new_term\n");

  GString *table = g_string_new(NULL);
  g_string_append_printf(table,
                         "| range (ms) | trials | min | median | mean | p90 | p99 | max | "
                         "not elected in %.0f s | paper |\n|---|---|---|---|---|---|---|---|---|---|\n",
                         cap_s);
  fl_plot *top = panel("Figure 16 (top): randomness in the election timeout", 100, 100000);
  fl_plot *bottom = panel("Figure 16 (bottom): scaling the minimum timeout", 10, 1000);
  double *v = g_new(double, (size_t)trials);
  for (size_t r = 0; r < N_RANGES; r++) {
    if (any_only && !only[r]) continue;
    g_ptr_array_add(sets, NULL);
    /* Raft refuses a range of width 0: 150-150 is 150ms..150ms + 1ns, two timeouts one
     * nanosecond apart, as fixed as a nanosecond clock gets. */
    int64_t lo_ns = ranges[r].lo * MS, hi_ns = ranges[r].hi * MS + (ranges[r].hi == ranges[r].lo);
    fl_scenario *scn = fl_fig16_load(scenario, lo_ns, hi_ns, (char *const *)sets->pdata,
                                     (int64_t)(cap_s * 1e9) + 100 * 1000 * MS, &error);
    g_ptr_array_set_size(sets, sets->len - 1);
    if (!scn) {
      fprintf(stderr, "fig16: %s\n", error->message);
      return 1;
    }

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int elected = 0;
    double sum = 0;
    char label[32];
    snprintf(label, sizeof label, "%d-%dms", ranges[r].lo, ranges[r].hi);
    for (int t = 0; t < trials; t++) {
      fl_fig16_result res;
      if (!fl_fig16_trial(scn, (uint64_t)t + 1, (int64_t)(cap_s * 1e9), &res, &error)) {
        fprintf(stderr, "fig16: %s: %s\n", label, error->message);
        return 1;
      }
      v[t] = res.elected ? (double)res.downtime_ns / MS : INFINITY;
      if (res.elected) elected++, sum += v[t];
      g_string_append_printf(csv, "%s,%d,%d,%.6f,%d,%" PRIu64 "\n", label, t + 1, res.elected ? 1 : 0,
              res.elected ? v[t] : -1.0, res.new_leader + 1, res.new_term);
    }
    fl_scenario_free(scn);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    qsort(v, (size_t)trials, sizeof *v, cmp_double);
    g_string_append_printf(table, "| %d-%d | %d |", ranges[r].lo, ranges[r].hi, trials);
    cell(table, v[0]);
    cell(table, rank(v, trials, 0.5));
    if (elected == trials) g_string_append_printf(table, " %.1f |", sum / trials);
    else if (elected) g_string_append_printf(table, " > %.1f |", (sum + (trials - elected) * cap_s * 1000) / trials);
    else g_string_append(table, " not elected |");
    cell(table, rank(v, trials, 0.9));
    cell(table, rank(v, trials, 0.99));
    cell(table, v[trials - 1]);
    g_string_append_printf(table, " %d | %s |\n", trials - elected, ranges[r].paper);
    fprintf(stderr, "fig16: %s: %d trials in %.1f s wall\n", label, trials,
            (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    if (ranges[r].top) add_cdf(top, label, v, trials);
    if (ranges[r].bottom) add_cdf(bottom, label, v, trials);
  }
  g_free(v);
  fputs(table->str, stdout);
  char *csv_path = g_build_filename(out, "fig16.csv", NULL);
  char *table_path = g_build_filename(out, "table.md", NULL);
  if (!g_file_set_contents(csv_path, csv->str, -1, &error) ||
      !g_file_set_contents(table_path, table->str, -1, &error)) {
    fprintf(stderr, "fig16: %s\n", error->message);
    return 1;
  }
  g_free(csv_path);
  g_free(table_path);
  g_string_free(csv, TRUE);
  g_string_free(table, TRUE);
  if (plot && !any_only) {
    const fl_plot *panels[2] = {top, bottom};
    const char *names[2] = {"fig16.png", "fig16.svg"};
    for (int i = 0; i < 2; i++) {
      char *path = g_build_filename(out, names[i], NULL);
      if (!fl_plot_write_stack(panels, 2, path, 800, 1000, &error)) {
        fprintf(stderr, "fig16: %s\n", error->message);
        return 1;
      }
      g_free(path);
    }
  }
  fl_plot_free(top);
  fl_plot_free(bottom);
  g_ptr_array_free(sets, TRUE);
  return 0;
}
