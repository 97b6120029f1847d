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
 *
 * --json and --junit (sweep_report.h): a worker also sends its seed's record, one line of JSON
 * after the CSV row; the parent makes one for a seed whose worker sent none, and hands them to
 * the results writer in seed order. --keep-failures DIR: every worker traces its seed into
 * DIR/seed-N/ (it cannot know beforehand whether the seed will fail) and, at the end, keeps the
 * trace and history with a report.json if the seed failed, or removes them and the folder if
 * it passed; a seed whose worker crashed or was killed gets DIR/seed-N/failure.txt from the
 * parent instead (the worker's trace was never completed).
 *
 * --seeds takes A..B or one seed N; without it the sweep runs DEFAULT_SEEDS. --shard I/N runs
 * the seeds s of the range with (s - A) mod N = I - 1: round robin rather than contiguous
 * blocks, so that the shards of a range stay within one seed of each other in size and a
 * slow stretch of seeds is spread over every shard; `faultline merge` puts them back together.
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
#include "sweep_report.h"

#include <errno.h>
#include <math.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A worker's answer: the first byte is 'P' (passed), 'F' (failed) or 'R' (ran away), then the
 * CSV row and the record (when asked for), then the lines to print. Bounded so that a protocol
 * printing without end cannot fill the parent's memory; a record cut short is replaced by the
 * parent's. */
#define ANSWER_MAX 65536

/* The range without --seeds: enough seeds for a first look, short enough for a CI job. */
#define DEFAULT_SEEDS "1..100"

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
  JsonObject *rec; /* the seed's record, when --json, --junit or --keep-failures; owned */
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
  uint64_t first, stride; /* slot k runs seed first + k * stride */
  gint64 timeout_us;
  const char *timeout_text; /* as given, for the message */
  bool csv;                 /* workers send a CSV row */
  bool records;             /* workers send their seed's record */
  const char *keep;         /* --keep-failures DIR, or NULL */
} sweep;

static uint64_t seed_of(const sweep *sw, uint64_t slot) { return sw->first + slot * sw->stride; }

/* A seed: digits only, below 2^63 (a seed is a signed 64-bit value in JSON and on the command
 * line of run). */
static bool parse_seed(const char *s, const char **end, uint64_t *seed) {
  char *e = NULL;
  errno = 0;
  if (*s < '0' || *s > '9') return false;
  unsigned long long a = strtoull(s, &e, 10);
  if (errno || a > (1ull << 63) - 1) return false;
  *seed = a;
  *end = e;
  return true;
}

/* "A..B" or "N" (the range N..N). */
static bool parse_range(const char *s, uint64_t *lo, uint64_t *hi) {
  const char *end = NULL;
  if (!parse_seed(s, &end, lo)) return false;
  if (!*end) {
    *hi = *lo;
    return true;
  }
  if (end[0] != '.' || end[1] != '.' || !parse_seed(end + 2, &end, hi)) return false;
  return !*end && *hi >= *lo;
}

/* "I/N" with 1 <= I <= N <= FL_LIMIT_SWEEP_SHARDS. */
static bool parse_shard(const char *s, unsigned *i, unsigned *n) {
  char *end = NULL;
  if (*s < '1' || *s > '9') return false;
  unsigned long a = strtoul(s, &end, 10);
  if (*end != '/' || end[1] < '1' || end[1] > '9') return false;
  unsigned long b = strtoul(end + 1, &end, 10);
  if (*end || a > b || b > FL_LIMIT_SWEEP_SHARDS) return false;
  *i = (unsigned)a;
  *n = (unsigned)b;
  return true;
}

static char *seed_dir(const char *keep, uint64_t seed) {
  char *name = g_strdup_printf("seed-%" G_GUINT64_FORMAT, seed);
  char *dir = g_build_filename(keep, name, NULL);
  g_free(name);
  return dir;
}

/* --keep-failures, in the worker, after its run: a failing seed's report beside its trace and
 * history; a passing seed's files and folder removed. Returns false with an error if the
 * report could not be written. */
static bool keep_or_remove(const char *dir, fl_world *w, const fl_scenario *scn,
                           const fl_verdict *v, const fl_report_timing *t, GError **error) {
  char *trace = g_build_filename(dir, "run.trace", NULL);
  char *history = g_build_filename(dir, "history.jsonl", NULL);
  char *report = g_build_filename(dir, "report.json", NULL);
  bool ok = true;
  if (v->passed) {
    g_unlink(trace);
    g_unlink(history);
    g_rmdir(dir);
  } else {
    fl_outfile *o = fl_outfile_open(report, "report", FL_WORLD_ERROR, FL_WORLD_ERROR_IO, error);
    char *json = o ? fl_report_json(w, scn, v, t) : NULL;
    ok = o && fl_report_write(o, json, error);
    g_free(json);
  }
  g_free(trace);
  g_free(history);
  g_free(report);
  return ok;
}

/* Runs in the child: never returns. */
static void work(const sweep *sw, uint64_t seed, int fd) {
  const fl_scenario *scn = sw->scn;
  bool csv = sw->csv;
  fl_world_opts opts = *sw->opts;
  opts.has_seed = true;
  opts.seed = seed;
  char *dir = NULL, *trace = NULL, *history = NULL;
  if (sw->keep) {
    dir = seed_dir(sw->keep, seed);
    g_mkdir_with_parents(dir, 0777); /* a failure shows when the trace is opened */
    opts.trace_path = trace = g_build_filename(dir, "run.trace", NULL);
    opts.history_path = history = g_build_filename(dir, "history.jsonl", NULL);
  }
  /* A crash is this seed's failing verdict: its report goes up the pipe. */
  fl_cli_crash_set_output(fd, "F  ");
  char *repro = fl_report_reproduce_opts(scn, &opts);
  fl_cli_crash_set_reproduce(repro);
  g_free(repro);
  GError *error = NULL;
  GString *out = g_string_new(NULL);
  int rc = 2;
  gint64 t0 = g_get_monotonic_time();
  fl_world *w = fl_world_new(scn, &opts, &error);
  if (w) {
    fl_world_run(w);
    if (fl_world_finish(w, &error)) {
      fl_verdict *v = fl_verdict_evaluate(w, scn);
      fl_report_timing timing = {.wall_s = (double)(g_get_monotonic_time() - t0) / 1e6};
      rc = v->passed ? 0 : v->runaway ? FL_CLI_EXIT_RUNAWAY : 1;
      if (dir && !keep_or_remove(dir, w, scn, v, &timing, &error)) {
        rc = 2;
        g_string_truncate(out, 0);
        fl_verdict_free(v);
        goto done;
      }
      g_string_append_c(out, v->passed ? 'P' : v->runaway ? 'R' : 'F');
      if (csv) { /* the row first: it starts with the seed's digits, a verdict's text never */
        csv_row row = {.seed = seed, .digest = fl_world_digest(w),
                       .verdict = v->passed ? "pass" : v->runaway ? "runaway" : "fail",
                       .stop = stop_word(fl_world_stop_reason(w)), .exit_status = rc};
        fl_world_stats(w, &row.st);
        csv_format(out, &row);
        g_string_append_c(out, '\n');
      }
      if (sw->records) { /* then the record: it starts with '{', a verdict's text never */
        JsonObject *rec = fl_cli_record_new(w, scn, v, rc);
        char *line = fl_cli_record_line(rec);
        g_string_append_printf(out, "%s\n", line);
        g_free(line);
        json_object_unref(rec);
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
  done:
    fl_world_free(w);
  }
  g_free(dir);
  g_free(trace);
  g_free(history);
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
    work(sw, seed_of(sw, slot), p[1]);
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

/* --keep-failures for a seed whose worker sent no verdict (it crashed, was killed, or could
 * not run): its trace was never completed, so the folder gets what sweep prints instead. A
 * failure to write it is reported and does not stop the sweep. */
static void keep_note(const char *keep, uint64_t seed, const result *r, const char *text) {
  char *dir = seed_dir(keep, seed);
  char *path = g_build_filename(dir, "failure.txt", NULL);
  char *body = g_strdup_printf("%s seed %" G_GUINT64_FORMAT "\n%s",
                               r->crashed ? "ERROR" : r->runaway ? "RUNAWAY" : "FAIL", seed, text);
  GError *error = NULL;
  if (g_mkdir_with_parents(dir, 0777) != 0 || !g_file_set_contents(path, body, -1, &error))
    fprintf(stderr, "faultline sweep: cannot write '%s': %s\n", path,
            error ? error->message : g_strerror(errno));
  g_clear_error(&error);
  g_free(body);
  g_free(path);
  g_free(dir);
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
  uint64_t seed = seed_of(sw, wk->slot);
  bool verdict = !wk->kills && (*s == 'P' || *s == 'F' || *s == 'R');
  if (sw->csv && verdict && g_ascii_isdigit(s[1])) {
    const char *nl = strchr(s + 1, '\n');
    if (nl) {
      r->row = g_strndup(s + 1, (gsize)(nl - s - 1));
      /* The verdict's text follows the row. */
      g_string_erase(wk->out, 1, nl - s);
      s = wk->out->str;
    }
  }
  if (sw->records && verdict && s[1] == '{') {
    const char *nl = strchr(s + 1, '\n');
    if (nl) {
      char *line = g_strndup(s + 1, (gsize)(nl - s - 1));
      r->rec = fl_cli_record_parse(line);
      g_free(line);
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
  fl_world_opts o = *sw->opts;
  o.has_seed = true;
  o.seed = seed;
  char *cmd = fl_report_reproduce_opts(sw->scn, &o);
  /* The message of a record the parent makes: the text before its reproduce line. */
  const char *cut = strstr(t->str, "  reproduce: ");
  char *message = g_strndup(t->str, cut ? (gsize)(cut - t->str) : t->len);
  if (failed && !r->crashed && !cut) g_string_append_printf(t, "  reproduce: %s\n", cmd);
  r->passed = !failed;
  bool from_worker = r->rec != NULL;
  if (sw->records && !r->rec)
    r->rec = r->crashed   ? fl_cli_record_bare(seed, "error", 2, "", message, cmd)
             : wk->kills  ? fl_cli_record_bare(seed, "runaway", FL_CLI_EXIT_RUNAWAY,
                                               "seed-timeout", message, cmd)
             : r->runaway ? fl_cli_record_bare(seed, "runaway", FL_CLI_EXIT_RUNAWAY, "runaway",
                                               message, cmd)
                          : fl_cli_record_bare(seed, "fail", 1, "crash", message, cmd);
  if (sw->keep && !r->passed && !from_worker) keep_note(sw->keep, seed, r, t->str);
  g_free(message);
  g_free(cmd);
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
  char **sets = NULL, *json = NULL, *junit = NULL, *keep = NULL, *shard = NULL;
  fl_outfile *csv_out = NULL;
  fl_cli_results *results = NULL;
  JsonObject *header = NULL;
  char *sha256 = NULL;
  gint jobs = 0;
  GOptionEntry entries[] = {
      {"seeds", 0, 0, G_OPTION_ARG_STRING, &seeds,
       "Seeds to run, inclusive, e.g. 1..500, or one seed (default " DEFAULT_SEEDS ")", "A..B"},
      {"shard", 0, 0, G_OPTION_ARG_STRING, &shard,
       "Run only shard I of N of the seeds: those s with (s - A) mod N = I - 1 (faultline "
       "merge combines the shards' --json)", "I/N"},
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
      {"json", 0, 0, G_OPTION_ARG_FILENAME, &json,
       "Write the results as JSON to P: the sweep, one object per seed, a summary", "P"},
      {"junit", 0, 0, G_OPTION_ARG_FILENAME, &junit,
       "Write the results as JUnit XML to P: a testcase per seed", "P"},
      {"keep-failures", 0, 0, G_OPTION_ARG_FILENAME, &keep,
       "Keep each failing seed's trace, history and report in DIR/seed-N/, as its worker wrote "
       "them", "DIR"},
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
  unsigned shard_i = 1, shard_n = 1;
  if (!g_option_context_parse(oc, &argc, &argv, &error)) {
    fprintf(stderr, "faultline sweep: %s\n", error->message);
    goto out;
  }
  if (argc != 2) {
    fprintf(stderr, "faultline sweep: expected one scenario file, found %d arguments\n",
            argc - 1);
    goto out;
  }
  if (!seeds) seeds = g_strdup(DEFAULT_SEEDS);
  if (!parse_range(seeds, &first, &last)) {
    fprintf(stderr, "faultline sweep: --seeds: expected a range A..B of seeds (0 <= A <= B < "
                    "2^63) or one seed, found '%s'\n",
            seeds);
    goto out;
  }
  if (shard && !parse_shard(shard, &shard_i, &shard_n)) {
    fprintf(stderr, "faultline sweep: --shard: expected I/N with 1 <= I <= N <= %d, found '%s'\n",
            FL_LIMIT_SWEEP_SHARDS, shard);
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
  const char *out_names[] = {"csv", "json", "junit"};
  const char *out_paths[] = {csv, json, junit};
  for (int i = 0; i < 3; i++) {
    if (out_paths[i] && fl_outfile_same_file(out_paths[i], argv[1])) {
      fprintf(stderr, "faultline sweep: --%s '%s' and the scenario '%s' are the same file\n",
              out_names[i], out_paths[i], argv[1]);
      goto out;
    }
    for (int j = 0; j < i; j++)
      if (out_paths[j] && out_paths[i] && fl_outfile_same_file(out_paths[i], out_paths[j])) {
        fprintf(stderr, "faultline sweep: --%s '%s' and --%s '%s' are the same file\n",
                out_names[j], out_paths[j], out_names[i], out_paths[i]);
        goto out;
      }
  }
  if (keep && g_mkdir_with_parents(keep, 0777) != 0) {
    fprintf(stderr, "faultline sweep: --keep-failures: cannot create '%s': %s\n", keep,
            g_strerror(errno));
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
  if (json || junit) {
    /* The scenario's text identifies the sweep for merge (a path may differ between hosts
     * only if the file does not). */
    char *text = NULL;
    gsize len = 0;
    if (!g_file_get_contents(argv[1], &text, &len, &error)) {
      fprintf(stderr, "faultline sweep: %s\n", error->message);
      goto out;
    }
    sha256 = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)text, len);
    g_free(text);
    header = fl_cli_sweep_header(scn, sha256, &opts, first, last, shard_i, shard_n);
    fl_outfile *j = NULL, *x = NULL;
    if ((json && !(j = fl_outfile_open(json, "json", FL_WORLD_ERROR, FL_WORLD_ERROR_IO,
                                        &error))) ||
        (junit && !(x = fl_outfile_open(junit, "junit", FL_WORLD_ERROR, FL_WORLD_ERROR_IO,
                                         &error)))) {
      fprintf(stderr, "faultline sweep: %s\n", error->message);
      fl_outfile_close(j, false, NULL);
      goto out;
    }
    results = fl_cli_results_new(header, j, x);
  }

  /* Shard I of N: the seeds first + (I - 1), then every Nth. */
  uint64_t span = last - first + 1, offset = shard_i - 1;
  sweep sw = {.scn = scn, .opts = &opts, .first = first + offset, .stride = shard_n,
              .timeout_us = timeout_ns / 1000, .timeout_text = seed_timeout,
              .csv = csv_out != NULL, .records = results || keep, .keep = keep};
  uint64_t count = span > offset ? (span - offset + shard_n - 1) / shard_n : 0;
  uint64_t next = 0, printed = 0, failed = 0, crashed = 0, runaway = 0;
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
               r->crashed ? "ERROR" : r->runaway ? "RUNAWAY" : "FAIL", seed_of(&sw, printed),
               r->text);
      if (csv_out && r->row) fprintf(fl_outfile_stream(csv_out), "%s\n", r->row);
      if (results && r->rec) fl_cli_results_add(results, r->rec);
      g_free(r->text);
      g_free(r->row);
      if (r->rec) json_object_unref(r->rec);
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
  printf("sweep %s: %" G_GUINT64_FORMAT " seeds (%s", scn->path, count, seeds);
  if (shard_n > 1) printf(", shard %u/%u", shard_i, shard_n);
  printf("), %" G_GUINT64_FORMAT " failed", failed);
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
  if (results && !fl_cli_results_finish(results, wall, &error)) {
    fprintf(stderr, "faultline sweep: %s\n", error->message);
    rc = 2;
  }
out:
  fl_cli_results_free(results); /* nor JSON or JUnit */
  fl_outfile_close(csv_out, false, NULL); /* a sweep that did not finish leaves no CSV */
  if (res) {
    for (uint64_t i = 0; i < MAX((uint64_t)jobs * 64, 1024); i++) {
      g_free(res[i].text);
      g_free(res[i].row);
      if (res[i].rec) json_object_unref(res[i].rec);
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
  g_free(json);
  g_free(junit);
  g_free(keep);
  g_free(shard);
  g_free(sha256);
  if (header) json_object_unref(header);
  g_strfreev(plugins);
  g_strfreev(sets);
  return rc;
}
