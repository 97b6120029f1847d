/* faultline shrink and faultline blame: delta debugging of a failing concrete scenario.
 *
 * Every candidate is the scenario's text, edited (explore.h), parsed and run from scratch at
 * the file's own seed: a trial is deterministic, so the whole shrink is. A candidate is kept
 * when it breaks the same expectation (fl_xp_same_failure); a candidate the format refuses,
 * that passes, or that runs away, is not.
 *
 * Removing timeline lines often leaves a line that can no longer apply (a `restart n3` whose
 * `crash n3` went): the scenario's validation refuses it with the line's position, and the
 * candidate is repaired by dropping that line too, until it validates (at most one repair
 * per line). Without the repair, ddmin could never drop a crash before its restart in the
 * same chunk, and blame would call every crash necessary.
 *
 * The steps, each greedy and each keeping what the last one found (Zeller's ddmin for the
 * lines, bisection for times; a step's trials are sequential, in a fixed order), in rounds
 * until a round changes nothing (at most FL_LIMIT_SHRINK_ROUNDS):
 *   1. lines: ddmin over the timeline lines (subsets, then complements, at each granularity,
 *      as Zeller and Hildebrandt's);
 *   2. windows: each end of a fault (heal, restart, resume, uncut) moved as early as it can
 *      go, down to the line before it, and each `pause ... for D` shortened, by bisection;
 *   3. duration: bisected down to the last timeline line, lines after it dropped;
 *   4. clients: the fewest that still fail (1, 2, ... in turn);
 *   5. operations: [workload] stop bisected down (clients invoke nothing after it);
 *   6. nodes: the fewest that still fail, lines that name a node no longer there dropped
 *      (by the repair); the protocol refuses the counts it cannot run.
 */
#include "explore.h"
#include "cli.h"
#include "fl_limits.h"
#include "units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct shrinker {
  fl_xp_failure want;
  fl_world_opts opts;
  const char *path; /* borrowed: the name trials are parsed under */
  uint64_t trials;
  bool out_of_trials;
} shrinker;

/* The timeline line that a validation error names, as an index into d->timeline, or -1. The
 * error starts "PATH:LINE:COL: "; the timeline's lines follow its header. */
static int refused_line(const fl_xp_doc *d, const char *path, const GError *error) {
  if (d->timeline_at < 0 || !g_str_has_prefix(error->message, path)) return -1;
  const char *p = error->message + strlen(path);
  if (*p != ':') return -1;
  long line = strtol(p + 1, NULL, 10);
  long k = line - (d->timeline_at + 2); /* 1-based: the header is line timeline_at + 1 */
  return k >= 0 && k < (long)d->timeline->len ? (int)k : -1;
}

/* Runs the candidate (repairing it in place, see above); true when it breaks the same
 * expectation. */
static bool fails(shrinker *s, fl_xp_doc *d) {
  for (;;) {
    if (s->trials >= FL_LIMIT_SHRINK_TRIALS) {
      s->out_of_trials = true;
      return false;
    }
    s->trials++;
    char *text = fl_xp_doc_render(d);
    GError *error = NULL;
    fl_xp_failure got;
    fl_xp_outcome o = fl_xp_trial(s->path, text, &s->opts, &got, NULL, &error);
    g_free(text);
    if (o == FL_XP_INVALID) {
      int k = refused_line(d, s->path, error);
      g_error_free(error);
      if (k < 0) return false;
      g_ptr_array_remove_index(d->timeline, (guint)k);
      continue;
    }
    bool same = o == FL_XP_FAIL && fl_xp_same_failure(&s->want, &got);
    fl_xp_failure_clear(&got);
    return same;
  }
}

/* ---- Sizes. */

typedef struct sizes {
  guint lines;
  int64_t duration_ns;
  int clients, nodes;
} sizes;

static sizes measure(const fl_xp_doc *d, const char *path) {
  sizes z = {.lines = d->timeline->len};
  char *text = fl_xp_doc_render(d);
  fl_scenario *scn = fl_scenario_parse(path, text, strlen(text), NULL);
  if (scn) {
    z.duration_ns = scn->duration_ns;
    z.clients = scn->workload.clients;
    z.nodes = scn->n_nodes;
  }
  fl_scenario_free(scn);
  g_free(text);
  return z;
}

static void print_sizes(GString *out, const sizes *z) {
  g_string_append_printf(out, "%u timeline lines, duration ", z->lines);
  fl_xp_exact_duration(out, z->duration_ns);
  g_string_append_printf(out, ", %d clients, %d nodes", z->clients, z->nodes);
}

/* ---- Timeline lines: "TIME VERB ...". */

static bool line_time(const char *line, int64_t *out) {
  const char *sp = strchr(line, ' ');
  if (!sp) return false;
  char *t = g_strndup(line, (gsize)(sp - line));
  bool ok = fl_parse_duration(t, out, NULL);
  g_free(t);
  return ok;
}

/* The line's verb: the word after its time. Newly allocated. */
static char *line_verb(const char *line) {
  const char *sp = strchr(line, ' ');
  if (!sp) return g_strdup("");
  sp++;
  const char *end = sp + strcspn(sp, " ");
  return g_strndup(sp, (gsize)(end - sp));
}

/* The line with its time replaced. Newly allocated. */
static char *retime(const char *line, int64_t at_ns) {
  GString *s = g_string_new(NULL);
  fl_xp_exact_duration(s, at_ns);
  g_string_append(s, strchr(line, ' '));
  return g_string_free(s, FALSE);
}

static void replace_line(fl_xp_doc *d, guint k, char *line) {
  g_free(d->timeline->pdata[k]);
  d->timeline->pdata[k] = line;
}

/* ---- 1. ddmin over the timeline lines. */

/* A copy of the doc with these timeline lines (copied). */
static fl_xp_doc *with_lines(const fl_xp_doc *d, const GPtrArray *lines) {
  fl_xp_doc *c = fl_xp_doc_copy(d);
  g_ptr_array_set_size(c->timeline, 0);
  for (guint i = 0; i < lines->len; i++) g_ptr_array_add(c->timeline, g_strdup(lines->pdata[i]));
  return c;
}

/* Zeller and Hildebrandt's ddmin: split the lines into n chunks; keep a chunk that fails
 * alone, else a complement that does (granularity n - 1), else refine to 2n chunks until
 * chunks are single lines. O(lines^2) trials at worst, O(log lines) when one line is the
 * cause. The empty timeline is tried first: a failure that needs no fault needs no search. */
static void ddmin(shrinker *s, fl_xp_doc **doc) {
  fl_xp_doc *d = *doc;
  GPtrArray *none = g_ptr_array_new();
  fl_xp_doc *empty = with_lines(d, none);
  g_ptr_array_free(none, TRUE);
  if (fails(s, empty)) {
    fl_xp_doc_free(d);
    *doc = empty;
    return;
  }
  fl_xp_doc_free(empty);
  guint n = 2;
  while (d->timeline->len >= 2 && !s->out_of_trials) {
    guint len = d->timeline->len;
    if (n > len) n = len;
    bool reduced = false;
    /* subsets, then complements */
    for (int pass = 0; pass < 2 && !reduced; pass++) {
      for (guint k = 0; k < n && !reduced; k++) {
        guint from = (guint)((guint64)len * k / n), to = (guint)((guint64)len * (k + 1) / n);
        GPtrArray *pick = g_ptr_array_new();
        for (guint i = 0; i < len; i++)
          if ((i >= from && i < to) == (pass == 0)) g_ptr_array_add(pick, d->timeline->pdata[i]);
        fl_xp_doc *c = with_lines(d, pick);
        g_ptr_array_free(pick, TRUE);
        if (fails(s, c)) {
          fl_xp_doc_free(d);
          d = c;
          n = pass == 0 ? 2 : MAX(n - 1, 2);
          reduced = true;
        } else {
          fl_xp_doc_free(c);
        }
      }
    }
    if (!reduced) {
      if (n >= len) break;
      n = MIN(len, 2 * n);
    }
  }
  *doc = d;
}

/* ---- 2. Fault windows. */

static bool ends_window(const char *verb) {
  return strcmp(verb, "heal") == 0 || strcmp(verb, "restart") == 0 ||
         strcmp(verb, "resume") == 0 || strcmp(verb, "uncut") == 0;
}

/* Bisects a time in (lo, hi] down, keeping each candidate that still fails without losing a
 * line to the repair: candidates are whole milliseconds (to read), about log2((hi - lo) / 1ms)
 * trials.
 * set(doc, k, t) makes the candidate (line k's time, or a key). */
typedef void (*set_time)(fl_xp_doc *d, guint k, int64_t t);

static int64_t bisect_down(shrinker *s, fl_xp_doc **doc, guint k, int64_t lo, int64_t hi,
                           set_time set) {
  const int64_t ms = 1000000;
  for (int i = 0; i < 40 && !s->out_of_trials; i++) {
    int64_t mid = (lo + (hi - lo) / 2) / ms * ms; /* whole milliseconds, to read */
    if (mid <= lo) mid = (lo / ms + 1) * ms;
    if (mid >= hi) break;
    fl_xp_doc *c = fl_xp_doc_copy(*doc);
    guint before = c->timeline->len;
    set(c, k, mid);
    if (fails(s, c) && c->timeline->len == before) {
      fl_xp_doc_free(*doc);
      *doc = c;
      hi = mid;
    } else {
      fl_xp_doc_free(c);
      lo = mid;
    }
  }
  return hi;
}

static void set_line_time(fl_xp_doc *d, guint k, int64_t t) {
  replace_line(d, k, retime(d->timeline->pdata[k], t));
}

static void set_pause_for(fl_xp_doc *d, guint k, int64_t t) {
  const char *line = d->timeline->pdata[k];
  const char *f = strstr(line, " for ");
  GString *s = g_string_new_len(line, f - line);
  g_string_append(s, " for ");
  fl_xp_exact_duration(s, t);
  replace_line(d, k, g_string_free(s, FALSE));
}

static void windows(shrinker *s, fl_xp_doc **doc) {
  for (guint k = 0; k < (*doc)->timeline->len && !s->out_of_trials; k++) {
    const char *line = (*doc)->timeline->pdata[k];
    char *verb = line_verb(line);
    int64_t t, prev = 0, len;
    if (ends_window(verb) && line_time(line, &t)) {
      if (k > 0) line_time((*doc)->timeline->pdata[k - 1], &prev);
      if (t > prev) bisect_down(s, doc, k, prev, t, set_line_time);
    } else if (strcmp(verb, "pause") == 0 && strstr(line, " for ")) {
      if (fl_parse_duration(strstr(line, " for ") + 5, &len, NULL) && len > 1)
        bisect_down(s, doc, k, 0, len, set_pause_for);
    }
    g_free(verb);
  }
}

/* ---- 3. Duration, 4. clients, 5. operations, 6. nodes: [cluster] and [workload] keys. */

static void set_key_duration(fl_xp_doc *d, const char *section, const char *key, int64_t t) {
  GString *v = g_string_new(NULL);
  fl_xp_exact_duration(v, t);
  fl_xp_doc_set(d, section, key, v->str);
  g_string_free(v, TRUE);
}

static void set_duration(fl_xp_doc *d, guint k, int64_t t) {
  (void)k;
  set_key_duration(d, "cluster", "duration", t);
  int64_t at;
  for (guint i = d->timeline->len; i-- > 0;) /* what comes after the end never happens */
    if (line_time(d->timeline->pdata[i], &at) && at > t) g_ptr_array_remove_index(d->timeline, i);
}

static void set_stop(fl_xp_doc *d, guint k, int64_t t) {
  (void)k;
  set_key_duration(d, "workload", "stop", t);
}

static void duration(shrinker *s, fl_xp_doc **doc) {
  sizes z = measure(*doc, s->path);
  int64_t last = 0, at;
  for (guint i = 0; i < (*doc)->timeline->len; i++)
    if (line_time((*doc)->timeline->pdata[i], &at)) last = MAX(last, at);
  /* a duration whose lines all still happen: the bisection's candidates never drop one */
  if (z.duration_ns > last) bisect_down(s, doc, 0, last, z.duration_ns, set_duration);
}

static void operations(shrinker *s, fl_xp_doc **doc) {
  sizes z = measure(*doc, s->path);
  char *stop = fl_xp_doc_get(*doc, "workload", "stop");
  int64_t hi = z.duration_ns;
  if (stop && fl_parse_duration(stop, &hi, NULL) && hi == 0) hi = z.duration_ns;
  g_free(stop);
  if (z.clients > 0 && hi > 1) bisect_down(s, doc, 0, 0, hi, set_stop);
}

/* The fewest of [cluster] nodes or [workload] clients (1, 2, ... below the current count)
 * that still fail. */
static void fewest(shrinker *s, fl_xp_doc **doc, const char *section, const char *key, int now) {
  for (int n = 1; n < now && !s->out_of_trials; n++) {
    fl_xp_doc *c = fl_xp_doc_copy(*doc);
    char *v = g_strdup_printf("%d", n);
    fl_xp_doc_set(c, section, key, v);
    g_free(v);
    if (fails(s, c)) {
      fl_xp_doc_free(*doc);
      *doc = c;
      return;
    }
    fl_xp_doc_free(c);
  }
}

static void clients(shrinker *s, fl_xp_doc **doc) {
  fewest(s, doc, "workload", "clients", measure(*doc, s->path).clients);
}

static void nodes(shrinker *s, fl_xp_doc **doc) {
  fewest(s, doc, "cluster", "nodes", measure(*doc, s->path).nodes);
}

/* ---- The commands. */

/* Loads FILE and its failure; NULL after printing why (the failure is filled in). */
static fl_xp_doc *load_failing(const char *cmd, const char *path, fl_world_opts *opts,
                               fl_xp_failure *want) {
  GError *error = NULL;
  fl_xp_doc *d = fl_xp_doc_load(path, &error);
  if (!d) {
    fprintf(stderr, "faultline %s: %s\n", cmd, error->message);
    g_error_free(error);
    return NULL;
  }
  /* The file's own text, so that an error's position is the file's. */
  char *text = NULL;
  fl_xp_outcome o = FL_XP_INVALID;
  if (g_file_get_contents(path, &text, NULL, &error))
    o = fl_xp_trial(path, text, opts, want, NULL, &error);
  g_free(text);
  if (o == FL_XP_FAIL) return d;
  if (o == FL_XP_INVALID && error->domain == G_FILE_ERROR)
    fprintf(stderr, "faultline %s: %s\n", cmd, error->message);
  else if (o == FL_XP_INVALID)
    fprintf(stderr, "%s\n", error->message);
  else
    fprintf(stderr, "faultline %s: %s: expected a scenario that fails, found one that %s\n",
            cmd, path, o == FL_XP_PASS ? "passes" : "runs away (a run budget stopped it)");
  g_clear_error(&error);
  fl_xp_doc_free(d);
  return NULL;
}

static void print_failure(const char *prefix, const fl_xp_failure *f) {
  printf("%s'%s'", prefix, f->expect);
  if (f->invariant) printf(" (%s)", f->invariant);
  printf("\n");
}

int fl_cli_shrink(int argc, char **argv) {
  char *out = NULL;
  GOptionEntry entries[] = {
      {"out", 0, 0, G_OPTION_ARG_FILENAME, &out,
       "Write the minimal scenario to P (default: FILE with -min.fl for .fl)", "P"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *oc = g_option_context_new(
      "FAILING.fl - reduce a failing scenario to a minimal one that breaks the same expectation");
  g_option_context_add_main_entries(oc, entries, NULL);
  g_option_context_set_description(
      oc, "Steps, each keeping what the last found: ddmin over the timeline lines, shorter "
          "fault windows, a shorter run, fewer clients, fewer operations ([workload] stop), "
          "fewer nodes. Deterministic (the file's seed). Exit status: 0 written, 2 usage or "
          "input error (a scenario that does not fail).");
  GError *error = NULL;
  int rc = 2;
  shrinker s = {0};
  fl_xp_doc *d = NULL;
  char *dest = NULL;
  if (!g_option_context_parse(oc, &argc, &argv, &error)) {
    fprintf(stderr, "faultline shrink: %s\n", error->message);
    goto done;
  }
  if (argc != 2) {
    fprintf(stderr, "faultline shrink: expected one scenario file, found %d arguments\n", argc - 1);
    goto done;
  }
  s.path = argv[1];
  fl_world_opts_init(&s.opts);
  if (!(d = load_failing("shrink", argv[1], &s.opts, &s.want))) goto done;
  if (out) {
    dest = g_strdup(out);
  } else {
    GString *p = g_string_new(argv[1]);
    if (g_str_has_suffix(p->str, ".fl")) g_string_truncate(p, p->len - 3);
    g_string_append(p, "-min.fl");
    dest = g_string_free(p, FALSE);
  }
  print_failure("shrink: keeps failing ", &s.want);
  static const struct {
    const char *name;
    void (*fn)(shrinker *, fl_xp_doc **);
  } steps[] = {{"lines", ddmin},     {"windows", windows}, {"duration", duration},
               {"clients", clients}, {"operations", operations}, {"nodes", nodes}};
  gint64 t0 = g_get_monotonic_time();
  /* A later step can open the way for an earlier one (fewer clients fail sooner, and the
   * faults before then may no longer be needed): the steps run again until a round changes
   * nothing. */
  char *last = fl_xp_doc_render(d);
  for (int round = 1; round <= FL_LIMIT_SHRINK_ROUNDS && !s.out_of_trials; round++) {
    if (round > 1) printf("round %d\n", round);
    for (size_t i = 0; i < G_N_ELEMENTS(steps); i++) {
      sizes before = measure(d, s.path);
      uint64_t trials = s.trials;
      steps[i].fn(&s, &d);
      sizes after = measure(d, s.path);
      GString *l = g_string_new(NULL);
      g_string_append_printf(l, "  %-10s ", steps[i].name);
      print_sizes(l, &before);
      g_string_append(l, " -> ");
      print_sizes(l, &after);
      g_string_append_printf(l, " (%" G_GUINT64_FORMAT " trials)", s.trials - trials);
      printf("%s\n", l->str);
      g_string_free(l, TRUE);
    }
    char *now = fl_xp_doc_render(d);
    bool same = strcmp(now, last) == 0;
    g_free(last);
    last = now;
    if (same) break;
  }
  g_free(last);
  if (s.out_of_trials)
    printf("shrink: stopped at %d trials (FL_LIMIT_SHRINK_TRIALS); the scenario is smaller, "
           "perhaps not minimal\n", FL_LIMIT_SHRINK_TRIALS);
  char *text = fl_xp_doc_render(d);
  if (!g_file_set_contents(dest, text, -1, &error)) {
    fprintf(stderr, "faultline shrink: %s\n", error->message);
    g_free(text);
    goto done;
  }
  g_free(text);
  printf("shrink: wrote %s (%" G_GUINT64_FORMAT " trials in %.2fs)\n", dest, s.trials,
         (double)(g_get_monotonic_time() - t0) / 1e6);
  rc = 0;
done:
  fl_xp_failure_clear(&s.want);
  fl_xp_doc_free(d);
  g_free(dest);
  g_clear_error(&error);
  g_option_context_free(oc);
  g_free(out);
  return rc;
}

int fl_cli_blame(int argc, char **argv) {
  GOptionContext *oc = g_option_context_new(
      "FAILING.fl - which timeline lines the failure needs (each removed in turn)");
  g_option_context_set_description(
      oc, "A line is necessary when the scenario without it no longer breaks the same "
          "expectation. Lines that only applied after a removed one (a restart after its "
          "crash) go with it. Exit status: 0 reported, 2 usage or input error.");
  GError *error = NULL;
  int rc = 2;
  shrinker s = {0};
  fl_xp_doc *d = NULL;
  if (!g_option_context_parse(oc, &argc, &argv, &error)) {
    fprintf(stderr, "faultline blame: %s\n", error->message);
    goto done;
  }
  if (argc != 2) {
    fprintf(stderr, "faultline blame: expected one scenario file, found %d arguments\n", argc - 1);
    goto done;
  }
  s.path = argv[1];
  fl_world_opts_init(&s.opts);
  if (!(d = load_failing("blame", argv[1], &s.opts, &s.want))) goto done;
  print_failure("blame: fails ", &s.want);
  guint necessary = 0;
  for (guint k = 0; k < d->timeline->len; k++) {
    fl_xp_doc *c = fl_xp_doc_copy(d);
    g_ptr_array_remove_index(c->timeline, k);
    guint before = c->timeline->len;
    bool still = fails(&s, c);
    necessary += !still;
    printf("  %-13s line %d: %s", still ? "not necessary" : "necessary",
           g_array_index(d->file_lines, int, k), (const char *)d->timeline->pdata[k]);
    if (c->timeline->len < before)
      printf("  (and %u later line%s that could no longer apply)", before - c->timeline->len,
             before - c->timeline->len == 1 ? "" : "s");
    printf("\n");
    fl_xp_doc_free(c);
  }
  printf("blame: %u of %u timeline lines necessary\n", necessary, d->timeline->len);
  rc = 0;
done:
  fl_xp_failure_clear(&s.want);
  fl_xp_doc_free(d);
  g_clear_error(&error);
  g_option_context_free(oc);
  return rc;
}
