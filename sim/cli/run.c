/* faultline run: one scenario, one seed, one verdict. */
#include "cli.h"
#include "expect.h"
#include "report.h"
#include "scenario.h"
#include "units.h"
#include "world.h"
#include "actor.h"
#include "history.h"
#include "outfile.h"
#include "sweep_report.h"
#include "trace.h"
#include "cap.h"

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

/* Two outputs that are one file would leave only the last one written; an output that is the
 * scenario would replace it. Refused before anything is opened. */
static bool distinct_outputs(const char *scenario, const char *const *names,
                             const char *const *paths, int n) {
  for (int i = 0; i < n; i++) {
    if (!paths[i]) continue;
    if (fl_outfile_same_file(paths[i], scenario)) {
      fprintf(stderr, "faultline run: --%s '%s' and the scenario '%s' are the same file\n",
              names[i], paths[i], scenario);
      return false;
    }
    for (int j = 0; j < i; j++) {
      if (paths[j] && fl_outfile_same_file(paths[i], paths[j])) {
        fprintf(stderr, "faultline run: --%s '%s' and --%s '%s' are the same file\n", names[j],
                paths[j], names[i], paths[i]);
        return false;
      }
    }
  }
  return true;
}

/* Errors opening or closing the trace and history come from the world with the output's own
 * wording ("cannot write trace 'PATH': ..."): the command's name goes in front, as for the
 * report. Scenario errors keep their FILE:LINE:COL start. */
static void print_world_error(const GError *error) {
  bool is_output = g_error_matches(error, FL_TRACE_ERROR, FL_TRACE_ERROR_IO) ||
                   g_error_matches(error, FL_HISTORY_ERROR, FL_HISTORY_ERROR_IO);
  fprintf(stderr, "%s%s\n", is_output ? "faultline run: " : "", error->message);
}

/* --plots DIR: the single-run plots (cap.h). A failure to draw is an output error (exit 2). */
static bool write_plots(const char *dir, const fl_scenario *scn, fl_world *w, int *rc) {
  fl_cap_run r;
  GError *error = NULL;
  char *title = g_path_get_basename(scn->path);
  bool ok = fl_cap_run_collect(w, scn, false, &r, &error) && fl_cap_plot_run(dir, title, &r, &error);
  if (!ok) {
    fprintf(stderr, "faultline run: --plots: %s\n", error->message);
    g_error_free(error);
    *rc = 2;
  }
  fl_cap_run_clear(&r);
  g_free(title);
  return ok;
}

int fl_cli_run(int argc, char **argv) {
  gint64 seed = -1;
  char *duration = NULL, *trace = NULL, *history = NULL, *report = NULL, **plugins = NULL;
  char *plots = NULL;
  char **sets = NULL, *junit = NULL, *expect_digest = NULL;
  gboolean quiet = FALSE, viz = FALSE;
  char *viz_dir = NULL; /* --viz without --trace: the trace goes to a temporary folder */
  int viz_dir_handle = -1, viz_trace_handle = -1;
  GOptionEntry entries[] = {
      {"seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Master seed (default: the scenario's)", "N"},
      {"duration", 0, 0, G_OPTION_ARG_STRING, &duration, "Simulated time to run, e.g. 30s", "T"},
      {"trace", 0, 0, G_OPTION_ARG_FILENAME, &trace, "Write the event trace to P", "P"},
      {"history", 0, 0, G_OPTION_ARG_FILENAME, &history,
       "Write the client history to P (*.edn: Jepsen EDN, otherwise JSON lines)", "P"},
      {"report", 0, 0, G_OPTION_ARG_FILENAME, &report, "Write the JSON report to P", "P"},
      {"plots", 0, 0, G_OPTION_ARG_FILENAME, &plots,
       "Draw the run's plots into directory D (availability, latency, latency CDF; PNG and SVG)",
       "D"},
      {"junit", 0, 0, G_OPTION_ARG_FILENAME, &junit,
       "Write the verdict as JUnit XML to P: a testsuite named after the scenario, one testcase",
       "P"},
      {"expect-digest", 0, 0, G_OPTION_ARG_STRING, &expect_digest,
       "Fail (exit 5) unless the run's digest is D: a replay that diverged from the run it "
       "reproduces", "0xD"},
      {"plugin", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &plugins,
       "Load protocols from a shared object (repeatable; a bare name is in the working "
       "directory)", "SO"},
      FL_CLI_SET_ENTRY(sets),
      {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print only the verdict line", NULL},
      {"viz", 0, 0, G_OPTION_ARG_NONE, &viz, "Then show the run's timeline (faultline viz)", NULL},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *oc = g_option_context_new("FILE - run a scenario and check its expectations");
  g_option_context_add_main_entries(oc, entries, NULL);
  fl_cli_budgets budgets;
  fl_cli_add_budgets(oc, &budgets);
  g_option_context_set_description(
      oc, "Outputs are opened before the run and appear whole or not at all (a symlink is "
          "followed; a device or FIFO such as /dev/null is written through). Two outputs, or an "
          "output and the scenario, may not be the same file. Exit status: 0 every expectation "
          "held, 1 one failed or the protocol crashed, 2 usage or input error, 4 a run budget "
          "stopped a runaway run, 5 the digest differs from --expect-digest; interrupted by a signal, faultline removes its temporary "
          "files and dies of that signal.");
  GError *error = NULL;
  int rc = 2;
  fl_scenario *scn = NULL;
  fl_world *w = NULL;
  fl_verdict *v = NULL;
  fl_outfile *rep = NULL;
  fl_cli_results *results = NULL;
  char *json = NULL;
  uint64_t want_digest = 0;
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
  if (expect_digest && !fl_cli_parse_digest(expect_digest, &want_digest)) {
    fprintf(stderr, "faultline run: --expect-digest: expected 0x and 1 to 16 hex digits, found "
                    "'%s'\n", expect_digest);
    goto out;
  }
  if (!fl_cli_world_opts("run", duration, plugins, &opts) ||
      !fl_cli_budgets_apply("run", &budgets, &opts))
    goto out;

  scn = fl_scenario_load_with(argv[1], sets, &error);
  if (!scn) {
    fprintf(stderr, "%s\n", error->message);
    goto out;
  }
  const char *names[] = {"trace", "history", "report", "junit"};
  const char *paths[] = {trace, history, report, junit};
  if (!distinct_outputs(argv[1], names, paths, 4)) goto out;
  if (viz && !trace && (viz_dir = g_dir_make_tmp("faultline-viz-XXXXXX", NULL))) {
    viz_dir_handle = fl_outfile_track(viz_dir);
    trace = g_build_filename(viz_dir, "run.trace", NULL);
  }
  opts.trace_path = trace;
  opts.history_path = history;
  opts.keep_ops = plots != NULL;
  /* Every output is opened before the run: a bad path fails now, not after an hour. */
  if (report && !(rep = fl_outfile_open(report, "report", FL_WORLD_ERROR, FL_WORLD_ERROR_IO,
                                        &error))) {
    fprintf(stderr, "faultline run: %s\n", error->message);
    goto out;
  }
  if (junit) {
    fl_outfile *x = fl_outfile_open(junit, "junit", FL_WORLD_ERROR, FL_WORLD_ERROR_IO, &error);
    if (!x) {
      fprintf(stderr, "faultline run: %s\n", error->message);
      goto out;
    }
    uint64_t s = opts.has_seed ? opts.seed : scn->seed;
    JsonObject *h = fl_cli_sweep_header(scn, "", &opts, s, s, 1, 1);
    json_object_remove_member(h, "scenario_sha256");
    results = fl_cli_results_new(h, NULL, x);
    json_object_unref(h);
  }
  char *repro = fl_report_reproduce_opts(scn, &opts);
  fl_cli_crash_set_reproduce(repro);
  g_free(repro);
  if (!(w = fl_world_new(scn, &opts, &error))) {
    print_world_error(error);
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
  if (viz_dir) viz_trace_handle = fl_outfile_track(trace);
  v = fl_verdict_evaluate(w, scn);
  timing.peak_rss_kib = peak_rss_kib();
  if (!quiet) {
    fl_report_print(stdout, w, scn, v, &timing);
  } else {
    printf("%s %s seed %" G_GUINT64_FORMAT " digest 0x%016" G_GINT64_MODIFIER "x\n",
           v->passed ? "PASS" : v->runaway ? "RUNAWAY" : "FAIL", scn->path, fl_world_seed(w),
           fl_world_digest(w));
    char *failures = fl_report_failures(w, v, "  ");
    fputs(failures, stdout);
    g_free(failures);
    if (!v->passed) {
      char *cmd = fl_report_reproduce(w, scn);
      printf("  reproduce: %s\n", cmd);
      g_free(cmd);
    }
  }
  if (rep) {
    json = fl_report_json(w, scn, v, &timing);
    fflush(stdout); /* --report /dev/stdout: after the summary, not inside it */
    fl_outfile *r = rep;
    rep = NULL;
    if (!fl_report_write(r, json, &error)) {
      fprintf(stderr, "faultline run: %s\n", error->message);
      goto out;
    }
  }
  rc = v->runaway ? FL_CLI_EXIT_RUNAWAY : v->passed ? 0 : 1;
  if (plots && !write_plots(plots, scn, w, &rc)) goto out;
  if (results) {
    JsonObject *rec = fl_cli_record_new(w, scn, v, rc);
    fl_cli_results_add(results, rec);
    json_object_unref(rec);
    fl_cli_results *x = results;
    results = NULL;
    bool ok = fl_cli_results_finish(x, timing.wall_s, &error);
    fl_cli_results_free(x);
    if (!ok) {
      fprintf(stderr, "faultline run: %s\n", error->message);
      rc = 2;
      goto out;
    }
  }
  /* Last, and loudly: whatever the verdict, a replay that is not the run it was meant to
   * reproduce says nothing about that run. */
  if (expect_digest && fl_world_digest(w) != want_digest) {
    char got[24], want[24];
    fflush(stdout);
    fprintf(stderr, "faultline run: digest %s differs from --expect-digest %s: this run diverged "
                    "from the one it was to reproduce (another faultline build, scenario file or "
                    "plugin?)\n",
            fl_cli_digest_text(got, fl_world_digest(w)), fl_cli_digest_text(want, want_digest));
    rc = FL_CLI_EXIT_DIVERGED;
  }
#ifdef FL_HAVE_VIZ
  if (viz) rc = show(trace, json ? json : (json = fl_report_json(w, scn, v, &timing)), rc);
#endif
out:
  fl_outfile_close(rep, false, NULL);
  fl_cli_results_free(results);
  if (viz_dir) {
    g_unlink(trace);
    g_rmdir(viz_dir);
    g_free(viz_dir);
    fl_outfile_untrack(viz_trace_handle);
    fl_outfile_untrack(viz_dir_handle);
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
  g_free(plots);
  g_free(junit);
  g_free(expect_digest);
  g_strfreev(plugins);
  g_strfreev(sets);
  return rc;
}
