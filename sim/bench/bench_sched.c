/* bench_sched: the scheduler's hold model next to a bare 4-ary heap, measured in one run.
 *
 * The hold model pops the earliest event and schedules one more at its time plus a random
 * increment, keeping the queue at a fixed size: the classic measure of a pending-event set
 * (Vaucher and Duval, 1975). Increments are exponential, drawn up front into an array so the
 * random generator is not measured. Three contenders at 10^3, 10^5 and 10^6 pending events:
 * fl_scheduler with plain events, fl_scheduler with cancellable timers, and a bare 4-ary heap of
 * 32-byte events written inline here, the baseline the targets refer to. Each figure is the
 * median of five repetitions. Not a test: figures go to results/sched/README.md.
 *
 *   cmake --build build --target bench_sched && ./build/sim/bench/bench_sched results/sched/README.md
 */
#include "scheduler.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>

#define HOLDS 3000000
#define REPS 5
#define NINC (1 << 20)

typedef struct bare_ev {
  int64_t time;
  uint64_t seq;
  uint64_t a, b;
} bare_ev;

typedef struct bare {
  bare_ev *h;
  size_t n;
  uint64_t seq;
} bare;

static inline int bare_before(const bare_ev *x, const bare_ev *y) {
  return x->time < y->time || (x->time == y->time && x->seq < y->seq);
}

static void bare_push(bare *q, int64_t t) {
  bare_ev ev = {t, q->seq++, 0, 0};
  size_t i = q->n++;
  while (i > 0) {
    size_t p = (i - 1) >> 2;
    if (!bare_before(&ev, &q->h[p])) break;
    q->h[i] = q->h[p];
    i = p;
  }
  q->h[i] = ev;
}

static bare_ev bare_pop(bare *q) {
  bare_ev top = q->h[0], last = q->h[--q->n];
  size_t i = 0, n = q->n;
  for (;;) {
    size_t c = (i << 2) + 1;
    if (c >= n) break;
    size_t best = c, end = c + 4 < n ? c + 4 : n;
    for (size_t j = c + 1; j < end; j++)
      if (bare_before(&q->h[j], &q->h[best])) best = j;
    if (!bare_before(&q->h[best], &last)) break;
    q->h[i] = q->h[best];
    i = best;
  }
  q->h[i] = last;
  return top;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t *inc;

static void fill_increments(void) {
  inc = g_new(int64_t, NINC);
  uint64_t x = 88172645463325252ull; /* xorshift64: the benchmark's own fixed stream */
  for (int i = 0; i < NINC; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    double u = ((double)(x >> 11) + 0.5) / 9007199254740992.0;
    inc[i] = (int64_t)(-log(u) * 1e6) + 1; /* mean 1 ms */
  }
}

static double run_bare(size_t pending) {
  bare q = {g_new(bare_ev, pending + 1), 0, 0};
  for (size_t i = 0; i < pending; i++) bare_push(&q, inc[i & (NINC - 1)]);
  double t0 = now_s();
  for (int i = 0; i < HOLDS; i++) {
    bare_ev e = bare_pop(&q);
    bare_push(&q, e.time + inc[i & (NINC - 1)]);
  }
  double dt = now_s() - t0;
  g_free(q.h);
  return HOLDS / dt;
}

static volatile uint64_t sink;

static double run_sched(size_t pending, bool timers, size_t *bytes) {
  fl_sched *s = fl_sched_new();
  for (size_t i = 0; i < pending; i++) {
    if (timers) fl_sched_timer_at(s, inc[i & (NINC - 1)], 0, i);
    else fl_sched_at(s, inc[i & (NINC - 1)], 0, i);
  }
  fl_event ev;
  double t0 = now_s();
  for (int i = 0; i < HOLDS; i++) {
    fl_sched_pop(s, &ev);
    sink += ev.data;
    if (timers) fl_sched_timer_at(s, ev.time_ns + inc[i & (NINC - 1)], 0, ev.data);
    else fl_sched_at(s, ev.time_ns + inc[i & (NINC - 1)], 0, ev.data);
  }
  double dt = now_s() - t0;
  *bytes = fl_sched_memory_bytes(s);
  fl_sched_free(s);
  return HOLDS / dt;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v) {
  qsort(v, REPS, sizeof *v, cmp_double);
  return v[REPS / 2];
}

int main(int argc, char **argv) {
  fill_increments();
  static const size_t sizes[] = {1000, 100000, 1000000};
  char cpu[256] = "unknown";
  FILE *ci = fopen("/proc/cpuinfo", "r");
  char line[512];
  while (ci && fgets(line, sizeof line, ci))
    if (strncmp(line, "model name", 10) == 0) {
      char *colon = strchr(line, ':');
      g_strlcpy(cpu, g_strstrip(colon ? colon + 1 : line), sizeof cpu);
      break;
    }
  if (ci) fclose(ci);
  GString *md = g_string_new(NULL);
  g_string_append_printf(md,
      "# Scheduler: the hold model\n\n"
      "Machine: %s, %ld cores. Build: RelWithDebInfo (-O2). %d holds per measurement, median of %d.\n\n"
      "Regenerate: `cmake --build build --target bench_sched && ./build/sim/bench/bench_sched "
      "results/sched/README.md`\n\n"
      "A hold pops the earliest event and schedules one more at its time plus an exponential "
      "increment (mean 1 ms), so the queue stays at its size. The bare heap is a 4-ary heap of "
      "32-byte events (time, sequence, two payload words) inlined in the benchmark; fl_sched is "
      "the scheduler the simulator runs on, through its public API, with plain events and with "
      "cancellable timers. Bytes per event are the scheduler's allocation (heap capacity and "
      "timer slots) divided by the pending events.\n\n"
      "| pending | bare 4-ary heap | fl_sched events | ratio | fl_sched timers | ratio | bytes/event (events) | bytes/event (timers) |\n"
      "|---|---|---|---|---|---|---|---|\n",
      cpu, sysconf(_SC_NPROCESSORS_ONLN), HOLDS, REPS);
  for (size_t k = 0; k < G_N_ELEMENTS(sizes); k++) {
    double b[REPS], e[REPS], t[REPS];
    size_t eb = 0, tb = 0;
    for (int r = 0; r < REPS; r++) {
      b[r] = run_bare(sizes[k]);
      e[r] = run_sched(sizes[k], false, &eb);
      t[r] = run_sched(sizes[k], true, &tb);
    }
    double mb = median(b), me = median(e), mt = median(t);
    char *row = g_strdup_printf("| %zu | %.2f M/s | %.2f M/s | %.0f%% | %.2f M/s | %.0f%% | %.1f | %.1f |\n",
                                sizes[k], mb / 1e6, me / 1e6, 100 * me / mb, mt / 1e6,
                                100 * mt / mb, (double)eb / (double)sizes[k],
                                (double)tb / (double)sizes[k]);
    g_string_append(md, row);
    fputs(row, stdout);
    fflush(stdout);
    g_free(row);
  }
  if (argc > 1 && !g_file_set_contents(argv[1], md->str, -1, NULL)) {
    fprintf(stderr, "bench_sched: cannot write %s\n", argv[1]);
    return 1;
  }
  g_string_free(md, TRUE);
  g_free(inc);
  return 0;
}
