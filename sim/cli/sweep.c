/* faultline sweep: one scenario over a range of seeds, in parallel worker processes.
 *
 * The parent parses the scenario once and forks a worker per seed, at most --jobs at a time;
 * a worker runs its seed in-process and writes its verdict to a pipe. Results are printed in
 * seed order as soon as every earlier seed has finished, so the output is the same for any
 * --jobs (only the timing line differs).
 *
 * A seed fails, with the command that reproduces it, when an expectation breaks, when its
 * protocol crashes (the worker's crash handler sends the report up the pipe), when the run
 * stops as a runaway (exit status 4), when the worker dies of a signal, or when it runs past
 * --seed-timeout of wall-clock time (the worker then gets SIGTERM, and SIGKILL
 * FL_LIMIT_KILL_GRACE_MS later). A runaway (a run budget stopped it, or --seed-timeout did)
 * is printed as RUNAWAY and counted among the failed. Exit status: 0 every seed passed,
 * 1 one failed, 4 one ran away, 2 usage or input error (or a worker that reported one, or
 * could not be started: the sweep then stops starting workers, waits for those running, and
 * reports how far it got); the first that applies of 2, 4, 1.
 *
 * --csv PATH writes one row per seed, in seed order, under a header row, through outfile.h (the
 * file appears whole when the sweep has run every seed, and not at all otherwise). The columns
 * are CSV_COLUMNS below, in that order; a worker formats its row and sends it up the pipe
 * before its verdict. A seed with no row from its worker (it crashed, was killed, or could not
 * run) gets its seed, verdict, exit status and stop reason and empty measurements.
 */
#include "cli.h"
#include "expect.h"
#include "report.h"
#include "scenario.h"
#include "units.h"
#include "world.h"
#include "actor.h"
#include "fl_limits.h"
#include "outfile.h"

#include <errno.h>
#include <math.h>
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
  gint64 deadline_us; /* monotonic time of the next step against a worker over its time */
  int kills;          /* 0 none yet, 1 SIGTERM sent, 2 SIGKILL sent */
} worker;

typedef struct result {
  bool done, passed, crashed, runaway;
  char *text;
  char *row; /* the CSV row (no newline), when --csv; owned */
} result;

/* ---- The CSV columns: name, then how a worker formats it from `r` (a csv_row). Adding a
 * column is one line here (and one in README.md's table); later columns go at the end so
 * scripts that read columns by position keep working. */
typedef struct csv_row {
  uint64_t seed, digest;
  const char *verdict, *stop;
  int exit_status;
  fl_run_stats st;
} csv_row;

#define CSV_COLUMNS(X)                                                                      \
  X("seed", "%" G_GUINT64_FORMAT, r->seed)                                                  \
  X("digest", "0x%016" G_GINT64_MODIFIER "x", r->digest)                                    \
  X("verdict", "%s", r->verdict)                                                            \
  X("exit_status", "%d", r->exit_status)                                                    \
  X("stop", "%s", r->stop)                                                                  \
  X("simulated_ns", "%" G_GINT64_FORMAT, r->st.sim_ns)                                      \
  X("events", "%" G_GUINT64_FORMAT, r->st.events)                                           \
  X("ops_invoked", "%" G_GUINT64_FORMAT, r->st.all.invoked)                                 \
  X("ops_ok", "%" G_GUINT64_FORMAT, r->st.all.ok)                                           \
  X("ops_fail", "%" G_GUINT64_FORMAT, r->st.all.fail)                                       \
  X("ops_unknown", "%" G_GUINT64_FORMAT, r->st.all.info)                                    \
  X("availability", "%s", avail_cell(avail, &r->st.all))                                      \
  X("latency_mean_ns", "%.0f", r->st.all.latency_ns_mean)                                   \
  X("latency_p50_ns", "%" G_GINT64_FORMAT, r->st.all.latency_ns_p50)                        \
  X("latency_p99_ns", "%" G_GINT64_FORMAT, r->st.all.latency_ns_p99)                        \
  X("latency_max_ns", "%" G_GINT64_FORMAT, r->st.all.latency_ns_max)                        \
  X("msgs_sent", "%" G_GUINT64_FORMAT, r->st.net.sent)                                      \
  X("msgs_delivered", "%" G_GUINT64_FORMAT, r->st.net.delivered)                            \
  X("msgs_dropped", "%" G_GUINT64_FORMAT, dropped(&r->st.net))                              \
  X("faults_not_applied", "%" G_GUINT64_FORMAT, r->st.faults_not_applied)                   \
  X("elections", "%" G_GUINT64_FORMAT, r->st.measure.elections)                             \
  X("leaders_elected", "%" G_GUINT64_FORMAT, r->st.measure.leaders_elected)                 \
  X("leader_changes", "%" G_GUINT64_FORMAT, r->st.measure.leader_changes)                   \
  X("faults", "%" G_GUINT64_FORMAT, r->st.measure.faults)                                   \
  X("faults_no_leader", "%" G_GUINT64_FORMAT, r->st.measure.faults_no_leader)               \
  X("faults_no_ok", "%" G_GUINT64_FORMAT, r->st.measure.faults_no_ok)                       \
  X("recovery_leader_first_ns", "%s", ns_cell(cells[0], r->st.measure.recovery_leader_first_ns)) \
  X("recovery_leader_max_ns", "%s", ns_cell(cells[1], r->st.measure.recovery_leader_max_ns)) \
  X("recovery_ok_first_ns", "%s", ns_cell(cells[2], r->st.measure.recovery_ok_first_ns))   \
  X("recovery_ok_max_ns", "%s", ns_cell(cells[3], r->st.measure.recovery_ok_max_ns))       \
  X("outage_all_ns", "%" G_GINT64_FORMAT, r->st.measure.outage_ns[FL_MEASURE_ALL])          \
  X("outage_majority_ns", "%" G_GINT64_FORMAT, r->st.measure.outage_ns[FL_MEASURE_MAJORITY]) \
  X("outage_minority_ns", "%" G_GINT64_FORMAT, r->st.measure.outage_ns[FL_MEASURE_MINORITY])

/* The seed, verdict, exit status and stop reason are the first five columns' measurable part. */
#define CSV_LEADING 5

static uint64_t dropped(const fl_link_counters *n) {
  uint64_t d = 0;
  for (int i = 0; i < FL_DROP_REASON_COUNT; i++) d += n->dropped[i];
  return d;
}

#define CSV_NAME(name, fmt, expr) name ",",
static const char *const csv_names[] = {CSV_COLUMNS(CSV_NAME)};
#undef CSV_NAME

static void csv_header(GString *out) {
  for (size_t i = 0; i < G_N_ELEMENTS(csv_names); i++)
    g_string_append_len(out, csv_names[i], (gssize)strlen(csv_names[i]) -
                                               (i + 1 == G_N_ELEMENTS(csv_names)));
}

/* A time that may be undefined (-1: no fault, or one never recovered from): an empty cell. */
static const char *ns_cell(char *buf, int64_t ns) {
  if (ns < 0) buf[0] = '\0';
  else g_snprintf(buf, 24, "%" G_GINT64_FORMAT, ns);
  return buf;
}

/* Availability (world.h's definition), or an empty cell when no operation ended. */
static const char *avail_cell(char *buf, const fl_side_stats *s) {
  double a = fl_side_availability(s);
  if (isnan(a)) buf[0] = '\0';
  else g_snprintf(buf, 24, "%.6f", a);
  return buf;
}

static void csv_format(GString *out, const csv_row *r) {
  char cells[4][24], avail[24];
#define CSV_VALUE(name, fmt, expr) g_string_append_printf(out, fmt ",", expr);
  CSV_COLUMNS(CSV_VALUE)
#undef CSV_VALUE
  g_string_truncate(out, out->len - 1);
}

/* A row for a seed whose worker sent none: what the parent knows, then empty columns. */
static char *csv_bare(uint64_t seed, const char *verdict, int exit_status, const char *stop) {
  GString *t = g_string_new(NULL);
  g_string_printf(t, "%" G_GUINT64_FORMAT ",,%s,%d,%s", seed, verdict, exit_status, stop);
  for (size_t i = CSV_LEADING; i < G_N_ELEMENTS(csv_names); i++) g_string_append_c(t, ',');
  return g_string_free(t, FALSE);
}

static const char *stop_word(fl_stop_reason r) {
  switch (r) {
  case FL_STOP_END: return "end";
  case FL_STOP_VIOLATION: return "violation";
  case FL_STOP_PROTOCOL_ERROR: return "protocol-error";
  case FL_STOP_RUNAWAY: return "runaway";
  default: return "running";
  }
}

/* What every worker shares. */
typedef struct sweep {
  const fl_scenario *scn;
  const fl_world_opts *opts;
  uint64_t first;
  gint64 timeout_us;
  const char *timeout_text; /* as given, for the message */
  bool csv;                 /* workers send a CSV row */
} sweep;

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
static void work(const fl_scenario *scn, const fl_world_opts *base, uint64_t seed, int fd,
                 bool csv) {
  fl_world_opts opts = *base;
  opts.has_seed = true;
  opts.seed = seed;
  /* A crash is this seed's failing verdict: its report goes up the pipe. */
  fl_cli_crash_set_output(fd, "F  ");
  char *repro = fl_report_reproduce_opts(scn, &opts);
  fl_cli_crash_set_reproduce(repro);
  g_free(repro);
  GError *error = NULL;
  GString *out = g_string_new(NULL);
  int rc = 2;
  fl_world *w = fl_world_new(scn, &opts, &error);
  if (w) {
    fl_world_run(w);
    if (fl_world_finish(w, &error)) {
      fl_verdict *v = fl_verdict_evaluate(w, scn);
      rc = v->passed ? 0 : v->runaway ? FL_CLI_EXIT_RUNAWAY : 1;
      g_string_append_c(out, v->passed ? 'P' : v->runaway ? 'R' : 'F');
      if (csv) { /* the row first: it starts with the seed's digits, a verdict's text never */
        csv_row row = {.seed = seed, .digest = fl_world_digest(w),
                       .verdict = v->passed ? "pass" : v->runaway ? "runaway" : "fail",
                       .stop = stop_word(fl_world_stop_reason(w)), .exit_status = rc};
        fl_world_stats(w, &row.st);
        csv_format(out, &row);
        g_string_append_c(out, '\n');
      }
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

static bool spawn(worker *wk, const sweep *sw, uint64_t slot) {
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
    work(sw->scn, sw->opts, sw->first + slot, p[1], sw->csv);
  }
  close(p[1]);
  fl_cli_signals_add_child(pid);
  wk->pid = pid;
  wk->fd = p[0];
  wk->slot = slot;
  wk->out = g_string_new(NULL);
  wk->deadline_us = g_get_monotonic_time() + sw->timeout_us;
  wk->kills = 0;
  return true;
}

/* A worker past its wall-clock limit gets SIGTERM (its handler removes its temporaries), then
 * SIGKILL if it is still there after the grace period. Its pipe then closes, as at the end of
 * any worker, and finish() reports it. */
static void enforce_deadline(worker *wk, gint64 now) {
  if (!wk->pid || wk->kills >= 2 || now < wk->deadline_us) return;
  kill(wk->pid, wk->kills == 0 ? SIGTERM : SIGKILL);
  wk->kills++;
  wk->deadline_us = now + (gint64)FL_LIMIT_KILL_GRACE_MS * 1000;
}

/* Milliseconds until the first deadline of the running workers (for poll), or -1. */
static int poll_timeout_ms(const worker *wk, int jobs, gint64 now) {
  gint64 first = G_MAXINT64;
  for (int j = 0; j < jobs; j++)
    if (wk[j].pid && wk[j].kills < 2) first = MIN(first, wk[j].deadline_us);
  if (first == G_MAXINT64) return -1;
  gint64 ms = first <= now ? 0 : (first - now + 999) / 1000;
  return (int)MIN(ms, (gint64)G_MAXINT);
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
static void finish(const sweep *sw, worker *wk, result *res, uint64_t ring) {
  int status = 0;
  while (waitpid(wk->pid, &status, 0) < 0 && errno == EINTR) {
  }
  fl_cli_signals_remove_child(wk->pid);
  close(wk->fd);
  result *r = &res[wk->slot % ring];
  r->done = true;
  const char *s = wk->out->str;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  uint64_t seed = sw->first + wk->slot;
  if (sw->csv && !wk->kills && (*s == 'P' || *s == 'F' || *s == 'R') && g_ascii_isdigit(s[1])) {
    const char *nl = strchr(s + 1, '\n');
    if (nl) {
      r->row = g_strndup(s + 1, (gsize)(nl - s - 1));
      /* The verdict's text follows the row. */
      g_string_erase(wk->out, 1, nl - s);
      s = wk->out->str;
    }
  }
  GString *t = g_string_new(NULL);
  bool failed = true;
  if (wk->kills) {
    g_string_printf(t, "  wall-clock limit exceeded (--seed-timeout %s)\n", sw->timeout_text);
    r->runaway = true;
  } else if (code == 0 && *s == 'P') {
    failed = false;
  } else if (code == 2) {
    /* The worker could not run its seed (an input or output error): not a verdict. */
    r->crashed = true;
    g_string_assign(t, *s == 'E' ? s + 1 : "  worker gave no verdict\n");
  } else if (*s == 'F' || *s == 'E' || *s == 'R') {
    /* A broken expectation, a crash report, or a runaway's message. */
    r->runaway = *s == 'R';
    g_string_assign(t, s + 1);
  } else if (*s) {
    g_string_assign(t, s);
  } else if (WIFSIGNALED(status)) {
    g_string_printf(t, "  worker killed by signal %d (%s)\n", WTERMSIG(status),
                    g_strsignal(WTERMSIG(status)));
  } else if (code == 4) {
    r->runaway = true;
    g_string_assign(t, "  the run ran away (exit status 4)\n");
  } else {
    g_string_printf(t, "  worker exited with status %d and no verdict\n", code);
  }
  if (t->len && t->str[t->len - 1] != '\n') g_string_append_c(t, '\n');
  if (failed && !r->crashed && !strstr(t->str, "  reproduce: ")) {
    fl_world_opts o = *sw->opts;
    o.has_seed = true;
    o.seed = sw->first + wk->slot;
    char *cmd = fl_report_reproduce_opts(sw->scn, &o);
    g_string_append_printf(t, "  reproduce: %s\n", cmd);
    g_free(cmd);
  }
  r->passed = !failed;
  if (sw->csv && !r->row)
    r->row = r->crashed    ? csv_bare(seed, "error", 2, "")
             : wk->kills   ? csv_bare(seed, "runaway", FL_CLI_EXIT_RUNAWAY, "seed-timeout")
             : r->runaway  ? csv_bare(seed, "runaway", FL_CLI_EXIT_RUNAWAY, "runaway")
                           : csv_bare(seed, "fail", 1, "crash");
  r->text = g_string_free(t, FALSE);
  g_string_free(wk->out, TRUE);
  wk->pid = 0;
}

int fl_cli_sweep(int argc, char **argv) {
  char *seeds = NULL, *duration = NULL, **plugins = NULL, *seed_timeout = NULL, *csv = NULL;
  char **sets = NULL;
  fl_outfile *csv_out = NULL;
  gint jobs = 0;
  GOptionEntry entries[] = {
      {"seeds", 0, 0, G_OPTION_ARG_STRING, &seeds, "Seeds to run, inclusive, e.g. 1..500",
       "A..B"},
      {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs, "Worker processes (default: the CPUs)", "N"},
      {"duration", 0, 0, G_OPTION_ARG_STRING, &duration, "Simulated time of each run", "T"},
      {"plugin", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &plugins,
       "Load protocols from a shared object (repeatable; a bare name is in the working "
       "directory)", "SO"},
      {"seed-timeout", 0, 0, G_OPTION_ARG_STRING, &seed_timeout,
       "Wall-clock time one seed may take before its worker is killed and the seed fails "
       "(default 10min)", "T"},
      {"csv", 0, 0, G_OPTION_ARG_FILENAME, &csv,
       "Write one row per seed (digest, verdict, measurements) to P, whole or not at all", "P"},
      FL_CLI_SET_ENTRY(sets),
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *oc = g_option_context_new("FILE - run a scenario over a range of seeds");
  g_option_context_set_summary(
      oc, "Prints a line for each failing seed with the expectation it broke and the command "
          "that reproduces it, then a summary. Exits 1 if any seed failed: an expectation "
          "broke or the protocol crashed; 4 if one ran away: a run budget stopped it or it "
          "exceeded --seed-timeout.");
  g_option_context_add_main_entries(oc, entries, NULL);
  fl_cli_budgets budgets;
  fl_cli_add_budgets(oc, &budgets);
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
  if (jobs < 0 || jobs > FL_LIMIT_SWEEP_JOBS) {
    fprintf(stderr, "faultline sweep: --jobs: expected 1 to %d, found %d\n", FL_LIMIT_SWEEP_JOBS,
            jobs);
    goto out;
  }
  if (jobs == 0) jobs = (gint)MIN(g_get_num_processors(), (guint)FL_LIMIT_SWEEP_JOBS);
  int64_t timeout_ns = (int64_t)FL_LIMIT_SEED_TIMEOUT_S * 1000000000;
  if (seed_timeout && (!fl_parse_duration(seed_timeout, &timeout_ns, &error) || timeout_ns <= 0)) {
    fprintf(stderr, "faultline sweep: --seed-timeout: %s\n",
            error ? error->message : "expected a duration above zero");
    goto out;
  }
  if (!seed_timeout) {
    GString *t = g_string_new(NULL);
    fl_format_duration(t, timeout_ns);
    seed_timeout = g_string_free(t, FALSE);
  }
  fl_world_opts opts;
  fl_world_opts_init(&opts);
  if (!fl_cli_world_opts("sweep", duration, plugins, &opts) ||
      !fl_cli_budgets_apply("sweep", &budgets, &opts))
    goto out;
  scn = fl_scenario_load_with(argv[1], sets, &error);
  /* Checked once here (protocol, options, timeline) rather than by every worker. */
  if (scn && !fl_world_validate(scn, &error)) g_clear_pointer(&scn, fl_scenario_free);
  if (!scn) {
    fprintf(stderr, "%s\n", error->message);
    goto out;
  }
  if (csv && fl_outfile_same_file(csv, argv[1])) {
    fprintf(stderr, "faultline sweep: --csv '%s' and the scenario '%s' are the same file\n", csv,
            argv[1]);
    goto out;
  }
  /* Opened before any seed runs: a bad path fails now, not after a thousand seeds. */
  if (csv && !(csv_out = fl_outfile_open(csv, "csv", FL_WORLD_ERROR, FL_WORLD_ERROR_IO, &error))) {
    fprintf(stderr, "faultline sweep: %s\n", error->message);
    goto out;
  }
  if (csv_out) {
    GString *h = g_string_new(NULL);
    csv_header(h);
    fprintf(fl_outfile_stream(csv_out), "%s\n", h->str);
    g_string_free(h, TRUE);
  }

  sweep sw = {.scn = scn, .opts = &opts, .first = first, .timeout_us = timeout_ns / 1000,
              .timeout_text = seed_timeout, .csv = csv_out != NULL};
  uint64_t count = last - first + 1, next = 0, printed = 0, failed = 0, crashed = 0, runaway = 0;
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
        if (spawn(&wk[j], &sw, next)) {
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
    if (poll(pfd, (nfds_t)jobs, poll_timeout_ms(wk, jobs, g_get_monotonic_time())) < 0) {
      if (errno == EINTR) continue;
      /* Cannot wait on the pipes: stop the workers, reap them, and report. */
      fprintf(stderr, "faultline sweep: cannot wait for the workers: %s\n", g_strerror(errno));
      for (int j = 0; j < jobs; j++)
        if (wk[j].pid) kill(wk[j].pid, SIGKILL);
      for (int j = 0; j < jobs; j++)
        if (wk[j].pid) {
          while (!drain(&wk[j])) {
          }
          finish(&sw, &wk[j], res, ring);
        }
      stopped = true;
    }
    for (int j = 0; j < jobs; j++)
      if (wk[j].pid && pfd[j].revents && drain(&wk[j])) finish(&sw, &wk[j], res, ring);
    gint64 now = g_get_monotonic_time();
    for (int j = 0; j < jobs; j++) enforce_deadline(&wk[j], now);
    /* Print in seed order. */
    for (; printed < count && res[printed % ring].done; printed++) {
      result *r = &res[printed % ring];
      if (r->crashed) crashed++;
      else if (!r->passed) failed++;
      runaway += r->runaway;
      if (!r->passed)
        printf("%s seed %" G_GUINT64_FORMAT "\n%s",
               r->crashed ? "ERROR" : r->runaway ? "RUNAWAY" : "FAIL", first + printed, r->text);
      if (csv_out && r->row) fprintf(fl_outfile_stream(csv_out), "%s\n", r->row);
      g_free(r->text);
      g_free(r->row);
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
  if (runaway) printf(" (%" G_GUINT64_FORMAT " runaway)", runaway);
  if (crashed) printf(", %" G_GUINT64_FORMAT " errors", crashed);
  printf("; %.1f seeds/s with %d jobs\n", wall > 0 ? (double)count / wall : 0.0, jobs);
  rc = crashed ? 2 : runaway ? FL_CLI_EXIT_RUNAWAY : failed ? 1 : 0;
  if (csv_out) {
    fl_outfile *c = csv_out;
    csv_out = NULL;
    if (!fl_outfile_close(c, true, &error)) {
      fprintf(stderr, "faultline sweep: %s\n", error->message);
      rc = 2;
    }
  }
out:
  fl_outfile_close(csv_out, false, NULL); /* a sweep that did not finish leaves no CSV */
  if (res) {
    for (uint64_t i = 0; i < MAX((uint64_t)jobs * 64, 1024); i++) {
      g_free(res[i].text);
      g_free(res[i].row);
    }
    g_free(res);
  }
  g_free(wk);
  fl_scenario_free(scn);
  g_clear_error(&error);
  g_option_context_free(oc);
  g_free(seeds);
  g_free(duration);
  g_free(seed_timeout);
  g_free(csv);
  g_strfreev(plugins);
  g_strfreev(sets);
  return rc;
}
