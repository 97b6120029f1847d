/* faultline sweep: one scenario over a range of seeds, in parallel worker processes.
 *
 * The parent parses the scenario once and forks a worker per seed, at most --jobs at a time;
 * a worker runs its seed in-process and writes its verdict to a pipe. Results are printed in
 * seed order as soon as every earlier seed has finished, so the output is the same for any
 * --jobs (only the timing line differs). Exit status: 0 every seed passed, 1 one failed,
 * 2 usage or input error (or a worker that died, or could not be started: the sweep then
 * stops starting workers, waits for those running, and reports how far it got).
 */
#include "cli.h"
#include "expect.h"
#include "report.h"
#include "scenario.h"
#include "units.h"
#include "world.h"
#include "actor.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A worker's answer: the first byte is 'P' (passed) or 'F' (failed), then the lines to print. */
#define ANSWER_MAX 8192

typedef struct worker {
  pid_t pid;
  int fd;
  uint64_t slot; /* seed - first */
  GString *out;
} worker;

typedef struct result {
  bool done, passed, crashed;
  char *text;
} result;

static bool parse_range(const char *s, uint64_t *lo, uint64_t *hi) {
  char *end = NULL;
  errno = 0;
  if (*s < '0' || *s > '9') return false;
  unsigned long long a = strtoull(s, &end, 10);
  if (errno || end[0] != '.' || end[1] != '.' || end[2] < '0' || end[2] > '9') return false;
  unsigned long long b = strtoull(end + 2, &end, 10);
  if (errno || *end || b < a || b > (1ull << 63) - 1) return false;
  *lo = a;
  *hi = b;
  return true;
}

/* Runs in the child: never returns. */
static void work(const fl_scenario *scn, const fl_world_opts *base, uint64_t seed, int fd) {
  fl_world_opts opts = *base;
  opts.has_seed = true;
  opts.seed = seed;
  GError *error = NULL;
  GString *out = g_string_new(NULL);
  int rc = 2;
  fl_world *w = fl_world_new(scn, &opts, &error);
  if (w) {
    fl_world_run(w);
    if (fl_world_finish(w, &error)) {
      fl_verdict *v = fl_verdict_evaluate(w, scn);
      rc = v->passed ? 0 : 1;
      g_string_append_c(out, v->passed ? 'P' : 'F');
      if (!v->passed) {
        char *f = fl_report_failures(w, v, "  ");
        char *cmd = fl_report_reproduce(w, scn);
        g_string_append_printf(out, "%s  reproduce: %s\n", f, cmd);
        g_free(f);
        g_free(cmd);
      }
      fl_verdict_free(v);
    }
    fl_world_free(w);
  }
  if (rc == 2) g_string_append_printf(out, "E  %s\n", error ? error->message : "no verdict");
  if (out->len > ANSWER_MAX) g_string_truncate(out, ANSWER_MAX);
  for (size_t off = 0; off < out->len;) {
    ssize_t k = write(fd, out->str + off, out->len - off);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    off += (size_t)k;
  }
  _exit(rc);
}

static bool spawn(worker *wk, const fl_scenario *scn, const fl_world_opts *opts, uint64_t first,
                  uint64_t slot) {
  int p[2];
  if (pipe(p) != 0) return false;
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    close(p[0]);
    close(p[1]);
    return false;
  }
  if (pid == 0) {
    close(p[0]);
    work(scn, opts, first + slot, p[1]);
  }
  close(p[1]);
  wk->pid = pid;
  wk->fd = p[0];
  wk->slot = slot;
  wk->out = g_string_new(NULL);
  return true;
}

/* Reads what a worker wrote; true at end of file. */
static bool drain(worker *wk) {
  char buf[4096];
  for (;;) {
    ssize_t k = read(wk->fd, buf, sizeof buf);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return true;
    g_string_append_len(wk->out, buf, k);
    if (k < (ssize_t)sizeof buf) return false;
  }
}

/* Results wait in a ring until every earlier seed's is printed; spawning pauses when the ring
 * is full, so a sweep of many seeds holds a few thousand results at most. */
static void finish(worker *wk, result *res, uint64_t ring) {
  int status = 0;
  while (waitpid(wk->pid, &status, 0) < 0 && errno == EINTR) {
  }
  close(wk->fd);
  result *r = &res[wk->slot % ring];
  r->done = true;
  const char *s = wk->out->str;
  if (!WIFEXITED(status) || WEXITSTATUS(status) > 1 || !*s || (*s != 'P' && *s != 'F')) {
    r->crashed = true;
    r->text = WIFSIGNALED(status)
                  ? g_strdup_printf("  worker killed by signal %d\n", WTERMSIG(status))
                  : g_strdup(*s == 'E' ? s + 1 : "  worker gave no verdict\n");
  } else {
    r->passed = *s == 'P';
    r->text = g_strdup(s + 1);
  }
  g_string_free(wk->out, TRUE);
  wk->pid = 0;
}

int fl_cli_sweep(int argc, char **argv) {
  char *seeds = NULL, *duration = NULL, *plugin = NULL;
  gint jobs = 0;
  GOptionEntry entries[] = {
      {"seeds", 0, 0, G_OPTION_ARG_STRING, &seeds, "Seeds to run, inclusive, e.g. 1..500",
       "A..B"},
      {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs, "Worker processes (default: the CPUs)", "N"},
      {"duration", 0, 0, G_OPTION_ARG_STRING, &duration, "Simulated time of each run", "T"},
      {"plugin", 0, 0, G_OPTION_ARG_FILENAME, &plugin, "Load protocols from a shared object",
       "SO"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *oc = g_option_context_new("FILE - run a scenario over a range of seeds");
  g_option_context_set_summary(
      oc, "Prints a line for each failing seed with the expectation it broke and the command "
          "that reproduces it, then a summary. Exits 1 if any seed failed.");
  g_option_context_add_main_entries(oc, entries, NULL);
  GError *error = NULL;
  int rc = 2;
  fl_scenario *scn = NULL;
  result *res = NULL;
  worker *wk = NULL;
  uint64_t first = 0, last = 0;
  if (!g_option_context_parse(oc, &argc, &argv, &error)) {
    fprintf(stderr, "faultline sweep: %s\n", error->message);
    goto out;
  }
  if (argc != 2) {
    fprintf(stderr, "faultline sweep: expected one scenario file, found %d arguments\n",
            argc - 1);
    goto out;
  }
  if (!seeds || !parse_range(seeds, &first, &last)) {
    fprintf(stderr, "faultline sweep: --seeds: expected a range A..B of seeds (0 <= A <= B < "
                    "2^63), found '%s'\n",
            seeds ? seeds : "(nothing)");
    goto out;
  }
  if (last - first >= 100000000) {
    fprintf(stderr, "faultline sweep: --seeds: at most 100000000 seeds at once, found %s\n",
            seeds);
    goto out;
  }
  if (jobs < 0 || jobs > 1024) {
    fprintf(stderr, "faultline sweep: --jobs: expected 1 to 1024, found %d\n", jobs);
    goto out;
  }
  if (jobs == 0) jobs = (gint)g_get_num_processors();
  fl_world_opts opts;
  fl_world_opts_init(&opts);
  if (!fl_cli_world_opts("sweep", duration, plugin, &opts)) goto out;
  scn = fl_scenario_load(argv[1], &error);
  if (!scn) {
    fprintf(stderr, "%s\n", error->message);
    goto out;
  }

  uint64_t count = last - first + 1, next = 0, printed = 0, failed = 0, crashed = 0;
  uint64_t ring = MAX((uint64_t)jobs * 64, 1024);
  res = g_new0(result, ring);
  wk = g_new0(worker, jobs);
  gint64 t0 = g_get_monotonic_time();
  struct pollfd *pfd = g_new0(struct pollfd, jobs);
  bool stopped = false; /* a worker could not be started: start no more */
  for (;;) {
    int active = 0;
    for (int j = 0; j < jobs; j++) {
      if (!wk[j].pid && !stopped && next < count && next - printed < ring) {
        if (spawn(&wk[j], scn, &opts, first, next)) {
          next++;
        } else {
          fprintf(stderr, "faultline sweep: cannot start a worker: %s\n", g_strerror(errno));
          stopped = true;
        }
      }
      pfd[j].fd = wk[j].pid ? wk[j].fd : -1;
      pfd[j].events = POLLIN;
      pfd[j].revents = 0;
      active += wk[j].pid != 0;
    }
    if (!active) break;
    if (poll(pfd, (nfds_t)jobs, -1) < 0) {
      if (errno == EINTR) continue;
      /* Cannot wait on the pipes: stop the workers, reap them, and report. */
      fprintf(stderr, "faultline sweep: cannot wait for the workers: %s\n", g_strerror(errno));
      for (int j = 0; j < jobs; j++)
        if (wk[j].pid) kill(wk[j].pid, SIGKILL);
      for (int j = 0; j < jobs; j++)
        if (wk[j].pid) {
          while (!drain(&wk[j])) {
          }
          finish(&wk[j], res, ring);
        }
      stopped = true;
    }
    for (int j = 0; j < jobs; j++)
      if (wk[j].pid && pfd[j].revents && drain(&wk[j])) finish(&wk[j], res, ring);
    /* Print in seed order. */
    for (; printed < count && res[printed % ring].done; printed++) {
      result *r = &res[printed % ring];
      if (r->crashed) crashed++;
      else if (!r->passed) failed++;
      if (!r->passed)
        printf("%s seed %" G_GUINT64_FORMAT "\n%s", r->crashed ? "ERROR" : "FAIL",
               first + printed, r->text);
      g_free(r->text);
      memset(r, 0, sizeof *r);
      fflush(stdout);
    }
  }
  g_free(pfd);
  double wall = (double)(g_get_monotonic_time() - t0) / 1e6;
  if (printed < count) {
    fprintf(stderr, "faultline sweep: stopped after %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                    " seeds\n", printed, count);
    goto out;
  }
  printf("sweep %s: %" G_GUINT64_FORMAT " seeds (%s), %" G_GUINT64_FORMAT " failed",
         scn->path, count, seeds, failed);
  if (crashed) printf(", %" G_GUINT64_FORMAT " errors", crashed);
  printf("; %.1f seeds/s with %d jobs\n", wall > 0 ? (double)count / wall : 0.0, jobs);
  rc = crashed ? 2 : failed ? 1 : 0;
out:
  if (res) {
    for (uint64_t i = 0; i < MAX((uint64_t)jobs * 64, 1024); i++) g_free(res[i].text);
    g_free(res);
  }
  g_free(wk);
  fl_scenario_free(scn);
  g_clear_error(&error);
  g_option_context_free(oc);
  g_free(seeds);
  g_free(duration);
  g_free(plugin);
  return rc;
}
