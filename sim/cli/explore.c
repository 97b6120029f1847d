/* faultline explore: a scenario's random faults over a range of seeds, each failing run
 * written out as a concrete scenario that reproduces it; and what explore, shrink and blame
 * share (explore.h). */
#include "explore.h"
#include "cli.h"
#include "expect.h"
#include "fault.h"
#include "units.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>

/* ---- The scenario as lines. */

/* The line without its comment, trimmed (newly allocated). */
static char *bare(const char *line) {
  const char *hash = strchr(line, '#');
  char *s = hash ? g_strndup(line, (gsize)(hash - line)) : g_strdup(line);
  return g_strstrip(s);
}

/* The section a line opens ("cluster" for "[cluster]"), newly allocated; NULL if none. */
static char *section_of(const char *line);

static bool section_of_is(const char *line, const char *section) {
  char *sec = section_of(line);
  bool is = sec && strcmp(sec, section) == 0;
  g_free(sec);
  return is;
}

static char *section_of(const char *line) {
  char *b = bare(line);
  size_t n = strlen(b);
  char *name = NULL;
  if (n >= 2 && b[0] == '[' && b[n - 1] == ']') {
    b[n - 1] = '\0';
    name = g_strdup(g_strstrip(b + 1));
  }
  g_free(b);
  return name;
}

fl_xp_doc *fl_xp_doc_load(const char *path, GError **error) {
  char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &text, &len, error)) return NULL;
  fl_xp_doc *d = g_new0(fl_xp_doc, 1);
  d->path = g_strdup(path);
  d->lines = g_ptr_array_new_with_free_func(g_free);
  d->timeline = g_ptr_array_new_with_free_func(g_free);
  d->file_lines = g_array_new(FALSE, FALSE, sizeof(int));
  d->timeline_at = -1;
  char **v = g_strsplit(text, "\n", -1);
  guint n = g_strv_length(v);
  if (n > 0 && v[n - 1][0] == '\0') n--; /* the final newline ends a line, it starts none */
  bool in_timeline = false;
  for (guint i = 0; i < n; i++) {
    char *sec = section_of(v[i]);
    if (sec) in_timeline = strcmp(sec, "timeline") == 0;
    if (sec && in_timeline) d->timeline_at = (int)d->lines->len;
    if (in_timeline && !sec) {
      char *b = bare(v[i]);
      if (*b) { /* comments inside the timeline go */
        g_ptr_array_add(d->timeline, b);
        int line = (int)i + 1;
        g_array_append_val(d->file_lines, line);
      } else {
        g_free(b);
      }
    } else {
      g_ptr_array_add(d->lines, g_strdup(v[i]));
    }
    g_free(sec);
  }
  g_strfreev(v);
  g_free(text);
  return d;
}

fl_xp_doc *fl_xp_doc_copy(const fl_xp_doc *d) {
  fl_xp_doc *c = g_new0(fl_xp_doc, 1);
  c->path = g_strdup(d->path);
  c->lines = g_ptr_array_new_with_free_func(g_free);
  c->timeline = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < d->lines->len; i++) g_ptr_array_add(c->lines, g_strdup(d->lines->pdata[i]));
  for (guint i = 0; i < d->timeline->len; i++)
    g_ptr_array_add(c->timeline, g_strdup(d->timeline->pdata[i]));
  c->timeline_at = d->timeline_at;
  return c;
}

void fl_xp_doc_free(fl_xp_doc *d) {
  if (!d) return;
  g_free(d->path);
  g_ptr_array_free(d->lines, TRUE);
  g_ptr_array_free(d->timeline, TRUE);
  if (d->file_lines) g_array_free(d->file_lines, TRUE);
  g_free(d);
}

char *fl_xp_doc_render(const fl_xp_doc *d) {
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < d->lines->len; i++) {
    g_string_append_printf(s, "%s\n", (const char *)d->lines->pdata[i]);
    if ((int)i != d->timeline_at) continue;
    for (guint k = 0; k < d->timeline->len; k++)
      g_string_append_printf(s, "%s\n", (const char *)d->timeline->pdata[k]);
    if (i + 1 < d->lines->len && *(const char *)d->lines->pdata[i + 1]) g_string_append_c(s, '\n');
  }
  if (d->timeline_at < 0 && d->timeline->len) {
    g_string_append(s, "\n[timeline]\n");
    for (guint k = 0; k < d->timeline->len; k++)
      g_string_append_printf(s, "%s\n", (const char *)d->timeline->pdata[k]);
  }
  return g_string_free(s, FALSE);
}

/* Where KEY is set in [SECTION]: its line's index, or -1; *header the section's header line
 * (-1: no such section). */
static int find_key(const fl_xp_doc *d, const char *section, const char *key, int *header) {
  bool in = false;
  *header = -1;
  for (guint i = 0; i < d->lines->len; i++) {
    const char *line = d->lines->pdata[i];
    char *sec = section_of(line);
    if (sec) {
      in = strcmp(sec, section) == 0;
      if (in && *header < 0) *header = (int)i;
      g_free(sec);
      continue;
    }
    if (!in) continue;
    char *b = bare(line), *eq = strchr(b, '=');
    bool hit = false;
    if (eq) {
      *eq = '\0';
      hit = strcmp(g_strstrip(b), key) == 0;
    }
    g_free(b);
    if (hit) return (int)i;
  }
  return -1;
}

char *fl_xp_doc_get(const fl_xp_doc *d, const char *section, const char *key) {
  int header, at = find_key(d, section, key, &header);
  if (at < 0) return NULL;
  char *b = bare(d->lines->pdata[at]);
  char *v = g_strdup(g_strstrip(strchr(b, '=') + 1));
  g_free(b);
  return v;
}

void fl_xp_doc_set(fl_xp_doc *d, const char *section, const char *key, const char *value) {
  int header, at = find_key(d, section, key, &header);
  char *line = g_strdup_printf("%s = %s", key, value);
  if (at >= 0) {
    g_free(d->lines->pdata[at]);
    d->lines->pdata[at] = line;
    return;
  }
  if (header < 0) {
    if (d->lines->len && *(const char *)d->lines->pdata[d->lines->len - 1])
      g_ptr_array_add(d->lines, g_strdup(""));
    g_ptr_array_add(d->lines, g_strdup_printf("[%s]", section));
    g_ptr_array_add(d->lines, line);
    return;
  }
  g_ptr_array_insert(d->lines, header + 1, line);
  if (d->timeline_at > header) d->timeline_at++;
}

void fl_xp_doc_set_timeline(fl_xp_doc *d, char *const *lines) {
  g_ptr_array_set_size(d->timeline, 0);
  for (char *const *l = lines; l && *l; l++) g_ptr_array_add(d->timeline, g_strdup(*l));
}

/* ---- Trials. */

void fl_xp_failure_clear(fl_xp_failure *f) {
  g_free(f->expect);
  g_free(f->invariant);
  g_free(f->detail);
  memset(f, 0, sizeof *f);
}

/* The invariant a failed `invariants` expectation names: "election safety" from "...:
 * invariant violated: election safety: n5 and n4 ...", the final check's first words from
 * "at the end of the run: WHY", else (a protocol error) "protocol error". */
static char *invariant_name(const char *detail) {
  static const char *marks[] = {"invariant violated: ", "at the end of the run: "};
  for (size_t i = 0; i < G_N_ELEMENTS(marks); i++) {
    const char *at = strstr(detail, marks[i]);
    if (!at) continue;
    at += strlen(marks[i]);
    const char *colon = strchr(at, ':');
    return colon ? g_strndup(at, (gsize)(colon - at)) : g_strdup(at);
  }
  return g_strdup("protocol error");
}

bool fl_xp_same_failure(const fl_xp_failure *want, const fl_xp_failure *got) {
  if (!want->expect || !got->expect || strcmp(want->expect, got->expect) != 0) return false;
  if (!want->invariant || !got->invariant) return !want->invariant && !got->invariant;
  return strcmp(want->invariant, got->invariant) == 0;
}

fl_xp_outcome fl_xp_trial(const char *path, const char *text, const fl_world_opts *opts,
                          fl_xp_failure *failure, char ***applied, GError **error) {
  memset(failure, 0, sizeof *failure);
  if (applied) *applied = NULL;
  fl_scenario *scn = fl_scenario_parse(path, text, strlen(text), error);
  if (!scn) return FL_XP_INVALID;
  fl_world_opts o = *opts;
  o.record_faults = applied != NULL;
  fl_world *w = fl_world_new(scn, &o, error);
  if (!w) {
    fl_scenario_free(scn);
    return FL_XP_INVALID;
  }
  fl_world_run(w);
  if (!fl_world_finish(w, error)) {
    fl_world_free(w);
    fl_scenario_free(scn);
    return FL_XP_INVALID;
  }
  fl_verdict *v = fl_verdict_evaluate(w, scn);
  fl_xp_outcome out = v->runaway ? FL_XP_RUNAWAY : v->passed ? FL_XP_PASS : FL_XP_FAIL;
  if (out == FL_XP_FAIL) {
    /* The first failing expectation is the failure; a protocol error with no expectation
     * that sees it is one too. */
    for (guint i = 0; i < v->results->len && !failure->expect; i++) {
      const fl_expect_result *r = &g_array_index(v->results, fl_expect_result, i);
      if (r->passed) continue;
      failure->expect = g_strdup(r->expect->text);
      failure->detail = g_strdup(r->detail ? r->detail : "");
      if (r->expect->kind == FL_EXPECT_INVARIANTS)
        failure->invariant = invariant_name(failure->detail);
    }
    if (!failure->expect) {
      failure->expect = g_strdup("protocol error");
      failure->detail = g_strdup(fl_world_stop_message(w) ? fl_world_stop_message(w) : "");
    }
  }
  if (applied) *applied = fl_xp_concrete_timeline(w);
  fl_verdict_free(v);
  fl_world_free(w);
  fl_scenario_free(scn);
  return out;
}

/* ---- The concrete timeline. */

void fl_xp_exact_duration(GString *out, int64_t ns) {
  static const struct {
    int64_t per;
    const char *unit;
  } units[] = {{1000000000, "s"}, {1000000, "ms"}, {1000, "us"}, {1, "ns"}};
  for (size_t i = 0; i < G_N_ELEMENTS(units); i++) {
    if (ns % units[i].per != 0) continue;
    g_string_append_printf(out, "%" G_GINT64_FORMAT "%s", (gint64)(ns / units[i].per), units[i].unit);
    return;
  }
}

/* A probability the parser reads back as the same double: the shortest percentage that does,
 * else the fraction in full. */
static void exact_fraction(GString *out, double v) {
  char buf[64];
  for (int prec = 1; prec <= 17; prec++) {
    g_snprintf(buf, sizeof buf, "%.*g", prec, v * 100);
    if (!strchr(buf, 'e') && g_ascii_strtod(buf, NULL) / 100.0 == v) {
      g_string_append_printf(out, "%s%%", buf);
      return;
    }
  }
  g_ascii_formatd(buf, sizeof buf, "%.17g", v);
  g_string_append(out, buf);
}

static void endpoint(GString *out, int e, int n_nodes) {
  if (e < n_nodes) g_string_append_printf(out, "n%d", e + 1);
  else g_string_append_printf(out, "c%d", e - n_nodes + 1);
}


static bool is_link_param(fl_action_kind k) {
  return k == FL_ACT_SET_LOSS || k == FL_ACT_SET_LATENCY || k == FL_ACT_SET_CORRUPT ||
         k == FL_ACT_SET_DUPLICATE || k == FL_ACT_SET_REORDER;
}

/* " = VALUE" of a link or node parameter change. */
static void param_value(GString *l, const fl_action *a) {
  g_string_append(l, " = ");
  if (a->kind == FL_ACT_SET_LATENCY || a->kind == FL_ACT_SET_PROCESSING || a->kind == FL_ACT_SET_DISK)
    fl_dist_describe(&a->latency, l);
  else if (a->kind == FL_ACT_SET_REORDER) g_string_append(l, a->fraction != 0 ? "yes" : "no");
  else exact_fraction(l, a->fraction);
}

/* The line of action `a` at `at_ns` for one node (node >= 0) or endpoint pair (src >= 0), or
 * with no target (both < 0). */
static char *action_line(const fl_action *a, int64_t at_ns, int node, int src, int dst, int nn) {
  GString *l = g_string_new(NULL);
  fl_xp_exact_duration(l, at_ns);
  g_string_append_printf(l, " %s", fl_action_verb(a->kind));
  if (is_link_param(a->kind) && a->msg_type) g_string_append_printf(l, " type %s", a->msg_type);
  if (node >= 0) g_string_append_printf(l, " n%d", node + 1);
  if (src >= 0) {
    g_string_append_c(l, ' ');
    endpoint(l, src, nn);
    g_string_append(l, " -> ");
    endpoint(l, dst, nn);
  }
  if (a->kind == FL_ACT_PAUSE && a->for_ns > 0) {
    g_string_append(l, " for ");
    fl_xp_exact_duration(l, a->for_ns);
  } else if (a->kind == FL_ACT_CLOCK_JUMP) {
    g_string_append(l, a->for_ns < 0 ? " jump -" : " jump +");
    fl_xp_exact_duration(l, a->for_ns < 0 ? -a->for_ns : a->for_ns);
  } else if (is_link_param(a->kind) || a->kind == FL_ACT_SET_PROCESSING ||
             a->kind == FL_ACT_SET_DISK) {
    param_value(l, a);
  }
  return g_string_free(l, FALSE);
}

char **fl_xp_concrete_timeline(const fl_world *w) {
  const GArray *rec = fl_world_faults_applied(w);
  GPtrArray *out = g_ptr_array_new();
  int nn = fl_world_node_count(w);
  for (guint k = 0; rec && k < rec->len; k++) {
    const fl_fault_applied *r = &g_array_index(rec, fl_fault_applied, k);
    const fl_action *a = fl_world_fault_action(w, r->index); /* the timeline's or a generator's */
    if (r->kind == FL_ACT_PARTITION) {
      GString *l = g_string_new(NULL);
      fl_xp_exact_duration(l, r->at_ns);
      g_string_append(l, " partition");
      for (int g = 0; g < r->n_groups; g++) {
        const bool *in = &r->groups[(size_t)g * (size_t)nn];
        int count = 0;
        for (int i = 0; i < nn; i++) count += in[i];
        if (count == 0) continue; /* an empty group joins nobody: leaving it out changes nothing */
        g_string_append(l, " {");
        for (int i = 0, first = 1; i < nn; i++)
          if (in[i]) g_string_append_printf(l, first ? "n%d" : " n%d", i + 1), first = 0;
        g_string_append_c(l, '}');
      }
      g_ptr_array_add(out, g_string_free(l, FALSE));
    } else if (r->pairs) {
      for (guint p = 0; p + 1 < r->pairs->len; p += 2)
        g_ptr_array_add(out, action_line(a, r->at_ns, -1, g_array_index(r->pairs, int, p),
                                         g_array_index(r->pairs, int, p + 1), nn));
    } else if (r->nodes) {
      for (int i = 0; i < nn; i++)
        if (r->nodes[i]) g_ptr_array_add(out, action_line(a, r->at_ns, i, -1, -1, nn));
    } else if (r->kind == FL_ACT_HEAL || a->target.kind == FL_TARGET_NONE) {
      /* heal, and a change of every link or node: no target to resolve */
      bool takes_target = r->kind == FL_ACT_CUT || r->kind == FL_ACT_UNCUT ||
                          r->kind == FL_ACT_CRASH || r->kind == FL_ACT_RESTART ||
                          r->kind == FL_ACT_PAUSE || r->kind == FL_ACT_RESUME ||
                          r->kind == FL_ACT_JOIN || r->kind == FL_ACT_LEAVE ||
                          r->kind == FL_ACT_CLOCK_JUMP;
      if (!takes_target) g_ptr_array_add(out, action_line(a, r->at_ns, -1, -1, -1, nn));
    }
    /* else: it applied to nothing (crash leader with no leader), and has no line */
  }
  g_ptr_array_add(out, NULL);
  return (char **)g_ptr_array_free(out, FALSE);
}

/* ---- faultline explore. */

/* "A..B" or "A" (seeds are non-negative). */
static bool parse_seeds(const char *s, uint64_t *lo, uint64_t *hi) {
  char *end = NULL;
  if (!g_ascii_isdigit(*s)) return false;
  errno = 0;
  *lo = g_ascii_strtoull(s, &end, 10);
  if (errno) return false;
  if (*end == '\0') {
    *hi = *lo;
    return true;
  }
  if (strncmp(end, "..", 2) != 0 || !g_ascii_isdigit(end[2])) return false;
  const char *b = end + 2;
  *hi = g_ascii_strtoull(b, &end, 10);
  return errno == 0 && *end == '\0' && *hi >= *lo;
}

/* The file's name without its directory and .fl ("nemesis" for scenarios/raft/nemesis.fl), the
 * SCENARIO of SCENARIO-seedN.fl. Newly allocated. */
static char *scenario_stem(const char *path) {
  char *base = g_path_get_basename(path);
  if (g_str_has_suffix(base, ".fl")) base[strlen(base) - 3] = '\0';
  return base;
}

/* Writes the concrete scenario of a failing seed: the file's text with its timeline replaced
 * and `seed = N` in [cluster]. Returns the path written (newly allocated), or NULL after
 * printing why. */
/* Removes [SECTION] (its header and every line up to the next section), leaving a comment in
 * its place; the timeline's position follows. */
static void drop_section(fl_xp_doc *d, const char *section, const char *why) {
  GPtrArray *kept = g_ptr_array_new_with_free_func(g_free);
  bool in = false;
  int at = d->timeline_at;
  for (guint i = 0; i < d->lines->len; i++) {
    const char *line = d->lines->pdata[i];
    char *sec = section_of(line);
    if (sec) in = strcmp(sec, section) == 0;
    g_free(sec);
    if (in) {
      if (section_of_is(line, section)) g_ptr_array_add(kept, g_strdup(why)); /* 1 for 1 */
      else if ((int)i < d->timeline_at) at--;
      continue;
    }
    g_ptr_array_add(kept, g_strdup(line));
  }
  g_ptr_array_free(d->lines, TRUE);
  d->lines = kept;
  d->timeline_at = at;
}

static char *write_concrete(const fl_xp_doc *doc, const char *dir, uint64_t seed,
                            char *const *timeline) {
  fl_xp_doc *d = fl_xp_doc_copy(doc);
  /* The generators' faults are in the timeline now: run again, they would add more. */
  drop_section(d, "nemesis", "# [nemesis]: its generators' faults are spelled out in [timeline]");
  char *seed_text = g_strdup_printf("%" G_GUINT64_FORMAT, seed);
  fl_xp_doc_set(d, "cluster", "seed", seed_text);
  fl_xp_doc_set_timeline(d, timeline);
  if (d->timeline_at < 0 && !d->timeline->len) { /* no fault applied: an empty timeline says so */
    g_ptr_array_add(d->lines, g_strdup(""));
    g_ptr_array_add(d->lines, g_strdup("[timeline]"));
  }
  char *text = fl_xp_doc_render(d);
  char *stem = scenario_stem(doc->path);
  char *name = g_strdup_printf("%s-seed%" G_GUINT64_FORMAT ".fl", stem, seed);
  char *path = g_build_filename(dir, name, NULL);
  GError *error = NULL;
  if (g_mkdir_with_parents(dir, 0777) != 0) {
    fprintf(stderr, "faultline explore: --out '%s': %s\n", dir, g_strerror(errno));
    g_clear_pointer(&path, g_free);
  } else if (!g_file_set_contents(path, text, -1, &error)) { /* a temporary, then a rename */
    fprintf(stderr, "faultline explore: %s\n", error->message);
    g_error_free(error);
    g_clear_pointer(&path, g_free);
  }
  g_free(name);
  g_free(stem);
  g_free(text);
  g_free(seed_text);
  fl_xp_doc_free(d);
  return path;
}

int fl_cli_explore(int argc, char **argv) {
  char *seeds = NULL, *out_dir = NULL, *duration = NULL, **plugins = NULL;
  gboolean all = FALSE;
  GOptionEntry entries[] = {
      {"seeds", 0, 0, G_OPTION_ARG_STRING, &seeds, "Seeds to explore, A..B or A (required)", "A..B"},
      {"all", 0, 0, G_OPTION_ARG_NONE, &all, "Run every seed and write every failing one "
       "(default: stop at the first)", NULL},
      {"out", 0, 0, G_OPTION_ARG_FILENAME, &out_dir,
       "Write each failing run's concrete scenario into D (default: the working directory)", "D"},
      {"duration", 0, 0, G_OPTION_ARG_STRING, &duration, "Simulated time to run, e.g. 30s", "T"},
      {"plugin", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &plugins,
       "Load protocols from a shared object (repeatable)", "SO"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *oc = g_option_context_new(
      "FILE - run a scenario's random faults seed by seed; write each failing run as a "
      "concrete scenario");
  g_option_context_add_main_entries(oc, entries, NULL);
  g_option_context_set_description(
      oc, "Each failing seed N is written as DIR/SCENARIO-seedN.fl: the scenario with seed = N "
          "and its [timeline] replaced by the faults as they were applied (exact times, "
          "explicit nodes and partition groups, no random, leader or every), which `faultline "
          "run` reproduces. Exit status: 0 no seed failed, 1 a seed failed, 2 usage or input "
          "error.");
  GError *error = NULL;
  int rc = 2;
  fl_xp_doc *doc = NULL;
  char *text = NULL;
  uint64_t lo = 0, hi = 0;
  if (!g_option_context_parse(oc, &argc, &argv, &error)) {
    fprintf(stderr, "faultline explore: %s\n", error->message);
    goto out;
  }
  if (argc != 2) {
    fprintf(stderr, "faultline explore: expected one scenario file, found %d arguments\n", argc - 1);
    goto out;
  }
  if (!seeds || !parse_seeds(seeds, &lo, &hi)) {
    char *found = seeds ? g_strdup_printf("'%s'", seeds) : g_strdup("nothing");
    fprintf(stderr, "faultline explore: --seeds: expected A..B or A (non-negative, A <= B), "
                    "found %s\n", found);
    g_free(found);
    goto out;
  }
  fl_world_opts opts;
  fl_world_opts_init(&opts);
  if (!fl_cli_world_opts("explore", duration, plugins, &opts)) goto out;
  if (!(doc = fl_xp_doc_load(argv[1], &error))) {
    fprintf(stderr, "faultline explore: %s\n", error->message);
    goto out;
  }
  /* The file's own text, not the doc's: its line numbers are the ones the trace notes and
   * messages give. */
  if (!g_file_get_contents(argv[1], &text, NULL, &error)) {
    fprintf(stderr, "faultline explore: %s\n", error->message);
    goto out;
  }
  if (duration) { /* the concrete files carry it: they run without the option */
    GString *d = g_string_new(NULL);
    fl_xp_exact_duration(d, opts.duration_ns);
    fl_xp_doc_set(doc, "cluster", "duration", d->str);
    g_string_free(d, TRUE);
  }
  gint64 t0 = g_get_monotonic_time();
  uint64_t tried = 0, failed = 0;
  rc = 0;
  for (uint64_t s = lo; s <= hi; s++) {
    opts.has_seed = true;
    opts.seed = s;
    fl_xp_failure f;
    char **applied = NULL;
    fl_xp_outcome o = fl_xp_trial(argv[1], text, &opts, &f, &applied, &error);
    tried++;
    if (o == FL_XP_INVALID) {
      fprintf(stderr, "%s\n", error->message);
      g_strfreev(applied);
      rc = 2;
      goto out;
    }
    if (o == FL_XP_FAIL) {
      failed++;
      rc = 1;
      char *path = write_concrete(doc, out_dir ? out_dir : ".", s, applied);
      printf("seed %" G_GUINT64_FORMAT ": FAIL %s: %s\n", s, f.expect, f.detail);
      if (path) {
        /* The concrete file must break the same expectation, or it is no reproduction. */
        char *ctext = NULL;
        fl_xp_failure g;
        fl_world_opts copts;
        fl_world_opts_init(&copts);
        copts.max_events = opts.max_events;
        fl_xp_outcome co = FL_XP_INVALID;
        if (g_file_get_contents(path, &ctext, NULL, &error))
          co = fl_xp_trial(path, ctext, &copts, &g, NULL, &error);
        bool same = co == FL_XP_FAIL && fl_xp_same_failure(&f, &g);
        printf("  wrote %s (%u timeline lines): %s\n", path, g_strv_length(applied),
               same ? "reproduces the failure"
               : co == FL_XP_INVALID ? "DOES NOT PARSE"
                                     : "DOES NOT REPRODUCE IT");
        if (co == FL_XP_INVALID) {
          fprintf(stderr, "faultline explore: %s\n", error ? error->message : "unreadable");
          g_clear_error(&error);
        } else {
          fl_xp_failure_clear(&g);
        }
        if (!same) rc = 2;
        g_free(ctext);
        g_free(path);
      } else {
        rc = 2;
      }
    }
    if (o == FL_XP_RUNAWAY) printf("seed %" G_GUINT64_FORMAT ": RUNAWAY (a run budget stopped it)\n", s);
    fl_xp_failure_clear(&f);
    g_strfreev(applied);
    if (failed && !all) break;
    if (rc == 2) break;
  }
  double wall = (double)(g_get_monotonic_time() - t0) / 1e6;
  printf("explored %" G_GUINT64_FORMAT " seed%s (%" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT
         ") in %.2fs: %" G_GUINT64_FORMAT " failed\n",
         tried, tried == 1 ? "" : "s", lo, lo + tried - 1, wall, failed);
out:
  g_free(text);
  fl_xp_doc_free(doc);
  g_clear_error(&error);
  g_option_context_free(oc);
  g_free(seeds);
  g_free(out_dir);
  g_free(duration);
  g_strfreev(plugins);
  return rc;
}
