/* faultline run: one scenario, one seed, one verdict. */
#include "cli.h"
#include "expect.h"
#include "report.h"
#include "scenario.h"
#include "units.h"
#include "world.h"
#include "actor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <glib/gstdio.h>
#ifdef FL_HAVE_VIZ
#include "viz/viz.h"
#endif

static long peak_rss_kib(void) {
  struct rusage ru;
  return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
}

/* Runs the world in slices of simulated time so a terminal can show progress; the slicing
 * cannot change the run (run_until is exact at any bound). */
static void run_with_progress(fl_world *w, bool progress) {
  int64_t total = fl_world_duration(w);
  if (!progress) {
    fl_world_run(w);
    return;
  }
  int64_t slice = total / 100 > 0 ? total / 100 : 1;
  gint64 last = g_get_monotonic_time();
  for (int64_t t = slice; t < total && fl_world_stop_reason(w) == FL_STOP_NONE; t += slice) {
    fl_world_run_until(w, t);
    gint64 now = g_get_monotonic_time();
    if (now - last > 200000) {
      fprintf(stderr, "\r%3d%%  simulated %.3fs  events %" G_GUINT64_FORMAT "   ",
              (int)(100 * t / total), (double)t / 1e9, fl_world_events(w));
      last = now;
    }
  }
  fl_world_run(w);
  fprintf(stderr, "\r%60s\r", "");
}

#ifdef FL_HAVE_VIZ
/* --viz: the window on the run just made, with its report for the linearizability overlay.
 * Returns the run's status, or 2 if the window could not be shown. */
static int show(const char *trace, const char *report_json, int rc) {
  fl_viz_opts o;
  fl_viz_opts_init(&o);
  o.trace_path = trace;
  o.report_json = report_json;
  GError *error = NULL;
  if (!fl_viz_show(&o, &error)) {
    fprintf(stderr, "faultline run: --viz: %s\n", error->message);
    g_error_free(error);
    return 2;
  }
  return rc;
}
#endif

int fl_cli_run(int argc, char **argv) {
  gint64 seed = -1;
  char *duration = NULL, *trace = NULL, *history = NULL, *report = NULL, *plugin = NULL;
  gboolean quiet = FALSE, viz = FALSE;
  char *viz_dir = NULL; /* --viz without --trace: the trace goes to a temporary folder */
  GOptionEntry entries[] = {
      {"seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Master seed (default: the scenario's)", "N"},
      {"duration", 0, 0, G_OPTION_ARG_STRING, &duration, "Simulated time to run, e.g. 30s", "T"},
      {"trace", 0, 0, G_OPTION_ARG_FILENAME, &trace, "Write the event trace to P", "P"},
      {"history", 0, 0, G_OPTION_ARG_FILENAME, &history,
       "Write the client history to P (*.edn: Jepsen EDN, otherwise JSON lines)", "P"},
      {"report", 0, 0, G_OPTION_ARG_FILENAME, &report, "Write the JSON report to P", "P"},
      {"plugin", 0, 0, G_OPTION_ARG_FILENAME, &plugin, "Load protocols from a shared object",
       "SO"},
      {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print only the verdict line", NULL},
      {"viz", 0, 0, G_OPTION_ARG_NONE, &viz, "Then show the run's timeline (faultline viz)", NULL},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *oc = g_option_context_new("FILE - run a scenario and check its expectations");
  g_option_context_add_main_entries(oc, entries, NULL);
  GError *error = NULL;
  int rc = 2;
  fl_scenario *scn = NULL;
  fl_world *w = NULL;
  fl_verdict *v = NULL;
  char *json = NULL;
  if (!g_option_context_parse(oc, &argc, &argv, &error)) {
    fprintf(stderr, "faultline run: %s\n", error->message);
    goto out;
  }
  if (argc != 2) {
    fprintf(stderr, "faultline run: expected one scenario file, found %d arguments\n", argc - 1);
    goto out;
  }
  fl_world_opts opts;
  fl_world_opts_init(&opts);
  if (seed >= 0) {
    opts.has_seed = true;
    opts.seed = (uint64_t)seed;
  } else if (seed != -1) {
    fprintf(stderr, "faultline run: --seed: expected a non-negative integer, found %" G_GINT64_FORMAT "\n", seed);
    goto out;
  }
  if (!fl_cli_world_opts("run", duration, plugin, &opts)) goto out;
  if (viz && !trace && (viz_dir = g_dir_make_tmp("faultline-viz-XXXXXX", NULL)))
    trace = g_build_filename(viz_dir, "run.trace", NULL);
  opts.trace_path = trace;
  opts.history_path = history;

  scn = fl_scenario_load(argv[1], &error);
  if (!scn || !(w = fl_world_new(scn, &opts, &error))) {
    fprintf(stderr, "%s\n", error->message);
    goto out;
  }
  if (!quiet) printf("seed         %" G_GUINT64_FORMAT "\n", fl_world_seed(w));
  fflush(stdout);
  gint64 t0 = g_get_monotonic_time();
  run_with_progress(w, !quiet && isatty(STDERR_FILENO));
  fl_report_timing timing = {.wall_s = (double)(g_get_monotonic_time() - t0) / 1e6};
  if (!fl_world_finish(w, &error)) {
    fprintf(stderr, "faultline run: %s\n", error->message);
    goto out;
  }
  v = fl_verdict_evaluate(w, scn);
  timing.peak_rss_kib = peak_rss_kib();
  if (!quiet) {
    fl_report_print(stdout, w, scn, v, &timing);
  } else {
    printf("%s %s seed %" G_GUINT64_FORMAT " digest 0x%016" G_GINT64_MODIFIER "x\n",
           v->passed ? "PASS" : "FAIL", scn->path, fl_world_seed(w), fl_world_digest(w));
    char *failures = fl_report_failures(w, v, "  ");
    fputs(failures, stdout);
    g_free(failures);
    if (!v->passed) {
      char *cmd = fl_report_reproduce(w, scn);
      printf("  reproduce: %s\n", cmd);
      g_free(cmd);
    }
  }
  if (report) {
    json = fl_report_json(w, scn, v, &timing);
    if (!fl_report_write_file(report, json, &error)) {
      fprintf(stderr, "faultline run: %s\n", error->message);
      goto out;
    }
  }
  rc = v->passed ? 0 : 1;
#ifdef FL_HAVE_VIZ
  if (viz) rc = show(trace, json ? json : (json = fl_report_json(w, scn, v, &timing)), rc);
#endif
out:
  if (viz_dir) {
    g_unlink(trace);
    g_rmdir(viz_dir);
    g_free(viz_dir);
  }
  g_free(json);
  fl_verdict_free(v);
  fl_world_free(w);
  fl_scenario_free(scn);
  g_clear_error(&error);
  g_option_context_free(oc);
  g_free(duration);
  g_free(trace);
  g_free(history);
  g_free(report);
  g_free(plugin);
  return rc;
}
