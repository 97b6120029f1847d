/* faultline cap: one scenario's timeline and workload under several protocols and seeds, and
 * the CAP / PACELC report of what each protocol did (sim/cap/cap.h).
 *
 * Each protocol runs the file as if it said `protocol = P` (its own option section applies
 * when the file has one: sections of other protocols are skipped by the parser). Every
 * (protocol, seed) runs in a worker process, at most --jobs at a time; a worker writes its run
 * (operations, fault windows, verdicts) as JSON into a temporary directory, which the parent
 * reads back in protocol and seed order, so the report is the same for any --jobs. The report
 * goes to --out DIR: cap.json, cap.csv, cap.md and the plots. Exit status: 0 the report was
 * written, 1 a run crashed or could not be checked (the report covers the others), 2 usage or
 * input error.
 */
#include "cli.h"
#include "cap.h"
#include "fl_limits.h"
#include "outfile.h"
#include "scenario.h"
#include "world.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#define DEFAULT_PROTOCOLS "raft,paxos,zab,twopc,eventual,rbcast"
#define DEFAULT_SEEDS "1..5"

typedef struct job {
  size_t protocol;
  uint64_t seed;
  char *path; /* the worker's run file */
  pid_t pid;
  bool ok;
} job;

static bool parse_seeds(const char *s, uint64_t *lo, uint64_t *hi) {
  char *end = NULL;
  errno = 0;
  *lo = g_ascii_strtoull(s, &end, 10);
  if (errno || end == s) return false;
  if (*end == '\0') {
    *hi = *lo;
    return true;
  }
  if (strncmp(end, "..", 2) != 0) return false;
  const char *b = end + 2;
  *hi = g_ascii_strtoull(b, &end, 10);
  return !errno && end != b && *end == '\0' && *hi >= *lo;
}

/* The worker: runs one (protocol, seed) and writes its run file; exit 0, or 3 after printing
 * why the run could not be read. */
static int work(const fl_scenario *scn, const fl_world_opts *base, const job *j) {
  fl_world_opts o = *base;
  o.has_seed = true;
  o.seed = j->seed;
  o.keep_ops = true;
  o.record_history = true;
  GError *error = NULL;
  fl_world *w = fl_world_new(scn, &o, &error);
  fl_cap_run r = {0};
  bool ok = w != NULL;
  if (ok) {
    fl_world_run(w);
    ok = fl_world_finish(w, &error) && fl_cap_run_collect(w, scn, true, &r, &error) &&
         fl_cap_run_save(&r, j->path, &error);
  }
  if (!ok) fprintf(stderr, "faultline cap: %s seed %" G_GUINT64_FORMAT ": %s\n", scn->protocol, j->seed,
                   error ? error->message : "failed");
  g_clear_error(&error);
  fl_cap_run_clear(&r);
  fl_world_free(w);
  return ok ? 0 : 3;
}

static void reap(job *jobs, size_t n, pid_t pid, int status, size_t *running) {
  for (size_t i = 0; i < n; i++) {
    if (jobs[i].pid != pid) continue;
    jobs[i].pid = 0;
    jobs[i].ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (WIFSIGNALED(status))
      fprintf(stderr, "faultline cap: a worker died of signal %d (reproduce: faultline run FILE "
                      "--set cluster.protocol=... --seed %" G_GUINT64_FORMAT ")\n",
              WTERMSIG(status), jobs[i].seed);
    fl_cli_signals_remove_child(pid);
    (*running)--;
    return;
  }
}

int fl_cli_cap(int argc, char **argv) {
  char *protocols_arg = NULL, *seeds = NULL, *out = NULL, *duration = NULL, **plugins = NULL;
  char **sets = NULL;
  gint jobs_n = 0;
  GOptionEntry entries[] = {
      {"protocols", 0, 0, G_OPTION_ARG_STRING, &protocols_arg,
       "Protocols to compare, comma-separated (default " DEFAULT_PROTOCOLS ")", "LIST"},
      {"seeds", 0, 0, G_OPTION_ARG_STRING, &seeds, "Seeds, e.g. 1..10 or 7 (default " DEFAULT_SEEDS ")",
       "A..B"},
      {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs_n, "Worker processes (default: the CPUs)", "N"},
      {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Report directory (default cap-NAME for NAME.fl)",
       "DIR"},
      {"duration", 0, 0, G_OPTION_ARG_STRING, &duration, "Simulated time of each run", "T"},
      {"plugin", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &plugins, "Load protocols from a shared object",
       "SO"},
      FL_CLI_SET_ENTRY(sets),
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *oc = g_option_context_new("FILE - the CAP / PACELC report of one scenario "
                                            "across protocols");
  g_option_context_add_main_entries(oc, entries, NULL);
  GError *error = NULL;
  int rc = 2;
  char **protocols = NULL, *tmp = NULL;
  GPtrArray *scns = g_ptr_array_new_with_free_func((GDestroyNotify)fl_scenario_free);
  job *jobs = NULL;
  size_t n_jobs = 0;
  fl_cap_run *runs = NULL;
  if (!g_option_context_parse(oc, &argc, &argv, &error)) {
    fprintf(stderr, "faultline cap: %s\n", error->message);
    goto done;
  }
  if (argc != 2) {
    fprintf(stderr, "faultline cap: expected one scenario file, found %d arguments\n", argc - 1);
    goto done;
  }
  uint64_t lo, hi;
  if (!parse_seeds(seeds ? seeds : DEFAULT_SEEDS, &lo, &hi) || hi - lo >= FL_LIMIT_CAP_SEEDS) {
    fprintf(stderr, "faultline cap: --seeds: expected A..B (A <= B, at most %d seeds) or one seed, "
                    "found '%s'\n", FL_LIMIT_CAP_SEEDS, seeds);
    goto done;
  }
  fl_world_opts base;
  fl_world_opts_init(&base);
  if (!fl_cli_world_opts("cap", duration, plugins, &base)) goto done;
  protocols = g_strsplit(protocols_arg ? protocols_arg : DEFAULT_PROTOCOLS, ",", -1);
  size_t n_protocols = g_strv_length(protocols);
  if (n_protocols == 0) {
    fprintf(stderr, "faultline cap: --protocols: expected at least one protocol, found none\n");
    goto done;
  }
  /* Every protocol's scenario is loaded and validated before anything runs: a wrong option or
   * an unknown protocol is an input error with its FILE:LINE:COL, not a failed worker. */
  guint n_sets = sets ? g_strv_length(sets) : 0;
  for (size_t p = 0; p < n_protocols; p++) {
    g_strstrip(protocols[p]);
    char **with = g_new0(char *, n_sets + 2);
    for (guint i = 0; i < n_sets; i++) with[i] = sets[i];
    char *set = g_strdup_printf("cluster.protocol=%s", protocols[p]);
    with[n_sets] = set;
    fl_scenario *s = fl_scenario_load_with(argv[1], with, &error);
    g_free(set);
    g_free(with);
    if (!s || !fl_world_validate(s, &error)) {
      fprintf(stderr, "faultline cap: %s: %s\n", protocols[p], error->message);
      fl_scenario_free(s);
      goto done;
    }
    g_ptr_array_add(scns, s);
  }
  char *base_name = g_path_get_basename(argv[1]);
  char *dot = strrchr(base_name, '.');
  if (dot) *dot = '\0';
  if (!out) out = g_strdup_printf("cap-%s", base_name);
  if (!(tmp = g_dir_make_tmp("faultline-cap-XXXXXX", &error))) {
    fprintf(stderr, "faultline cap: %s\n", error->message);
    g_free(base_name);
    goto done;
  }
  int tmp_handle = fl_outfile_track(tmp);
  n_jobs = n_protocols * (size_t)(hi - lo + 1);
  jobs = g_new0(job, n_jobs);
  for (size_t p = 0, k = 0; p < n_protocols; p++)
    for (uint64_t s = lo; s <= hi; s++, k++) {
      jobs[k].protocol = p;
      jobs[k].seed = s;
      jobs[k].path = g_strdup_printf("%s/%s-%" G_GUINT64_FORMAT ".json", tmp, protocols[p], s);
    }
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  size_t max_jobs = jobs_n > 0 ? (size_t)jobs_n : cpus > 0 ? (size_t)cpus : 1;
  size_t next = 0, running = 0;
  fflush(stdout);
  fflush(stderr);
  while (next < n_jobs || running > 0) {
    while (next < n_jobs && running < max_jobs) {
      pid_t pid = fork();
      if (pid < 0) {
        fprintf(stderr, "faultline cap: cannot start a worker: %s\n", g_strerror(errno));
        break;
      }
      if (pid == 0) _exit(work(scns->pdata[jobs[next].protocol], &base, &jobs[next]));
      fl_cli_signals_add_child(pid);
      jobs[next++].pid = pid;
      running++;
    }
    if (running == 0) break;
    int status;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    reap(jobs, n_jobs, pid, status, &running);
  }
  runs = g_new0(fl_cap_run, n_jobs);
  const fl_cap_run **ptrs = g_new0(const fl_cap_run *, n_jobs);
  size_t n_runs = 0;
  bool all = next == n_jobs;
  for (size_t k = 0; k < n_jobs; k++) {
    if (!jobs[k].ok) {
      all = false;
      continue;
    }
    if (!fl_cap_run_load(jobs[k].path, &runs[n_runs], &error)) {
      fprintf(stderr, "faultline cap: %s\n", error->message);
      g_clear_error(&error);
      all = false;
      continue;
    }
    ptrs[n_runs] = &runs[n_runs];
    n_runs++;
  }
  for (size_t k = 0; k < n_jobs; k++) g_unlink(jobs[k].path);
  g_rmdir(tmp);
  fl_outfile_untrack(tmp_handle);
  if (n_runs && fl_cap_report_write(out, base_name, protocols, ptrs, n_runs, &error)) {
    char *md = g_build_filename(out, "cap.md", NULL), *text = NULL;
    if (g_file_get_contents(md, &text, NULL, NULL)) fputs(text, stdout);
    printf("\nreport       %s/cap.json, cap.csv, cap.md and plots (%zu runs: %zu protocols x %"
           G_GUINT64_FORMAT " seeds)\n", out, n_runs, n_protocols, hi - lo + 1);
    g_free(text);
    g_free(md);
    rc = all ? 0 : 1;
  } else if (n_runs) {
    fprintf(stderr, "faultline cap: %s\n", error->message);
  } else {
    fprintf(stderr, "faultline cap: no run completed\n");
    rc = 1;
  }
  g_free(ptrs);
  for (size_t k = 0; k < n_runs; k++) fl_cap_run_clear(&runs[k]);
  g_free(base_name);
done:
  for (size_t k = 0; k < n_jobs; k++) g_free(jobs[k].path);
  g_free(jobs);
  g_free(runs);
  g_free(tmp);
  g_ptr_array_free(scns, TRUE);
  g_strfreev(protocols);
  g_clear_error(&error);
  g_option_context_free(oc);
  g_free(protocols_arg);
  g_free(seeds);
  g_free(out);
  g_free(duration);
  g_strfreev(plugins);
  g_strfreev(sets);
  return rc;
}
