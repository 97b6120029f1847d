/* faultline digest-check: golden digests, to see behaviour change across commits.
 *
 *   faultline digest-check FILE.golden                     re-run every entry, compare
 *   faultline digest-check --write FILE.golden SCENARIO... [--seeds LIST]
 *   faultline digest-check --update FILE.golden            re-run every entry, rewrite
 *
 * A golden file is text. Its first line is "faultline-golden 1" (the format's version); lines
 * starting with '#' and blank lines are comments; every other line is one run:
 *
 *   PATH seed N digest 0xHEX events N records N checkpoints 0xHEX...
 *
 * PATH is the scenario as given to --write, relative to the directory digest-check runs in
 * (the repository's root for the project's own file), so it may hold no whitespace and not
 * start with '#'. digest is the run's digest (what `faultline run` prints), events the
 * scheduler events it ran, records the trace records it hashed (the digest is FNV-1a over
 * them, trace.h; `faultline dump` prints one line per record, plus STATUS lines that are not
 * hashed). checkpoints are the running digest after record 1, 2, 4, 8, ... 2^k <= records
 * (fl_trace_checkpoints): exactly floor(log2(records)) + 1 of them. A run is O(log n) to
 * describe, and when its digest changes the first checkpoint that differs places the first
 * differing record in a window (2^(k-1), 2^k] -- without the old binary, which a CI job
 * comparing against a committed file does not have. Records, not scheduler events, are the
 * unit because the digest is defined over records: a checkpoint there is exact, where an event
 * writes none, one or many records.
 *
 * Checking runs the entries one after the other, in the file's order (so the output is
 * deterministic; the project's 172 runs take about 3 s of CPU, so worker processes were not
 * worth their code), and prints nothing for a match; --every N checks a sample, entries
 * 1, N+1, 2N+1, ..., for the sanitizer build. A
 * mismatch prints the scenario, seed, expected and actual digest, events and records, the
 * window, and the simulated time and trace line (as `dump` prints it) of the window's first
 * record in the new run -- found by running the seed once more with a trace file in a
 * temporary folder, which also verifies the run is deterministic. With --baseline OLD the old
 * binary runs the seed too, and the two traces are compared record by record (by running
 * digest, so a SEND's description, which is not hashed, never counts) to name the first
 * differing record exactly. The summary says how to regenerate the file: whoever changes
 * behaviour on purpose regenerates it in the same commit.
 *
 * Exit status: 0 every entry matches, 1 one differs, 2 usage or input error (a malformed
 * golden file: FILE:LINE:COL: expected ..., found ...; a scenario that no longer loads).
 * --write and --update write through outfile.h: the file appears whole or not at all.
 */
#include "cli.h"
#include "fl_limits.h"
#include "outfile.h"
#include "report.h"
#include "scenario.h"
#include "trace.h"
#include "units.h"
#include "world.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#define GOLDEN_MAGIC "faultline-golden"
#define GOLDEN_VERSION "1"

G_DEFINE_QUARK(fl-golden-error-quark, golden_error)
#define GOLDEN_ERROR (golden_error_quark())

/* One line of a golden file, or one run. */
typedef struct entry {
  char *path; /* owned */
  uint64_t seed;
  int line; /* in the golden file; 0 for --write */
  uint64_t digest, events;
  fl_trace_checkpoints cp; /* cp.records: the records hashed */
} entry;

static void entry_free(gpointer p) {
  entry *e = p;
  g_free(e->path);
  g_free(e);
}

/* How many checkpoints a run of `records` records has: one per power of two up to it. */
static int n_checkpoints(uint64_t records) {
  return records ? 64 - __builtin_clzll(records) : 0;
}

/* ---- Reading a golden file. */

typedef struct token {
  const char *s;
  size_t len;
  int col; /* 1-based */
} token;

typedef struct cursor {
  const char *file;
  int line;
  token *tok;
  int n, i;
  int end_col; /* the column after the line's last byte */
} cursor;

/* "found 'TEXT'" with TEXT cut at FL_LIMIT_ECHO_BYTES, or "found the end of the line". */
static bool fail_at(const cursor *c, GError **error, const char *expected) {
  if (c->i >= c->n) {
    g_set_error(error, GOLDEN_ERROR, 0, "%s:%d:%d: expected %s, found the end of the line",
                c->file, c->line, c->end_col, expected);
  } else {
    const token *t = &c->tok[c->i];
    int shown = (int)MIN(t->len, (size_t)FL_LIMIT_ECHO_BYTES);
    g_set_error(error, GOLDEN_ERROR, 0, "%s:%d:%d: expected %s, found '%.*s%s'", c->file, c->line,
                t->col, expected, shown, t->s, t->len > (size_t)shown ? "..." : "");
  }
  return false;
}

static bool is_word(const cursor *c, const char *w) {
  if (c->i >= c->n) return false;
  const token *t = &c->tok[c->i];
  return t->len == strlen(w) && memcmp(t->s, w, t->len) == 0;
}

static bool expect_word(cursor *c, const char *w, GError **error) {
  if (!is_word(c, w)) {
    char *what = g_strdup_printf("'%s'", w);
    fail_at(c, error, what);
    g_free(what);
    return false;
  }
  c->i++;
  return true;
}

static bool expect_uint(cursor *c, const char *what, uint64_t *out, GError **error) {
  char expected[96];
  g_snprintf(expected, sizeof expected, "%s (a non-negative integer)", what);
  if (c->i >= c->n) return fail_at(c, error, expected);
  const token *t = &c->tok[c->i];
  uint64_t v = 0;
  for (size_t k = 0; k < t->len; k++) {
    unsigned d = (unsigned)(t->s[k] - '0');
    if (d > 9 || v > (UINT64_MAX - d) / 10) return fail_at(c, error, expected);
    v = v * 10 + d;
  }
  *out = v;
  c->i++;
  return true;
}

static bool expect_hex(cursor *c, const char *what, uint64_t *out, GError **error) {
  char expected[96];
  g_snprintf(expected, sizeof expected, "%s (0x and 16 hex digits)", what);
  if (c->i >= c->n) return fail_at(c, error, expected);
  const token *t = &c->tok[c->i];
  if (t->len != 18 || t->s[0] != '0' || t->s[1] != 'x') return fail_at(c, error, expected);
  uint64_t v = 0;
  for (size_t k = 2; k < 18; k++) {
    int d = g_ascii_xdigit_value(t->s[k]);
    if (d < 0) return fail_at(c, error, expected);
    v = v << 4 | (uint64_t)d;
  }
  *out = v;
  c->i++;
  return true;
}

static bool expect_end(cursor *c, GError **error) {
  return c->i >= c->n || fail_at(c, error, "the end of the line");
}

/* One entry line, tokens in c. */
static entry *parse_entry(cursor *c, GError **error) {
  entry *e = g_new0(entry, 1);
  e->line = c->line;
  e->path = g_strndup(c->tok[0].s, c->tok[0].len);
  c->i = 1;
  if (!expect_word(c, "seed", error) || !expect_uint(c, "a seed", &e->seed, error) ||
      !expect_word(c, "digest", error) || !expect_hex(c, "a digest", &e->digest, error) ||
      !expect_word(c, "events", error) || !expect_uint(c, "an event count", &e->events, error) ||
      !expect_word(c, "records", error) ||
      !expect_uint(c, "a record count", &e->cp.records, error) ||
      !expect_word(c, "checkpoints", error))
    goto fail;
  int want = n_checkpoints(e->cp.records), found = c->n - c->i;
  if (found != want) {
    int col = c->i < c->n ? c->tok[c->i].col : c->end_col;
    g_set_error(error, GOLDEN_ERROR, 0,
                "%s:%d:%d: expected %d checkpoints for %" PRIu64 " records (the digest after "
                "record 1, 2, 4, ... up to %" PRIu64 "), found %d",
                c->file, c->line, col, want, e->cp.records,
                want ? (uint64_t)1 << (want - 1) : 0, found);
    goto fail;
  }
  for (int k = 0; k < want; k++)
    if (!expect_hex(c, "a checkpoint digest", &e->cp.digest[k], error)) goto fail;
  if (!expect_end(c, error)) goto fail;
  return e;
fail:
  entry_free(e);
  return NULL;
}

/* Splits one line (no newline) into tokens separated by spaces and tabs. */
static void tokenize(const char *s, size_t len, GArray *toks, int *end_col) {
  g_array_set_size(toks, 0);
  size_t i = 0;
  while (i < len) {
    if (s[i] == ' ' || s[i] == '\t') {
      i++;
      continue;
    }
    token t = {.s = s + i, .col = (int)i + 1};
    while (i < len && s[i] != ' ' && s[i] != '\t') i++;
    t.len = (size_t)(s + i - t.s);
    g_array_append_val(toks, t);
  }
  *end_col = (int)len + 1;
}

/* The entries of a golden file, in its order (newly allocated; g_ptr_array_unref), or NULL
 * with an error. */
static GPtrArray *golden_read(const char *path, GError **error) {
  GStatBuf st;
  if (g_stat(path, &st) == 0 && (uint64_t)st.st_size > ((uint64_t)FL_LIMIT_GOLDEN_MIB << 20)) {
    g_set_error(error, GOLDEN_ERROR, 0,
                "%s: expected a golden file of at most %d MiB, found %" G_GUINT64_FORMAT
                " bytes", path, FL_LIMIT_GOLDEN_MIB, (guint64)st.st_size);
    return NULL;
  }
  char *text = NULL;
  gsize len = 0;
  GError *inner = NULL;
  if (!g_file_get_contents(path, &text, &len, &inner)) {
    g_set_error(error, GOLDEN_ERROR, 0, "cannot read golden file '%s': %s", path,
                inner->message);
    g_error_free(inner);
    return NULL;
  }
  GPtrArray *entries = g_ptr_array_new_with_free_func(entry_free);
  /* (path, seed) -> line: lookup only, to refuse an entry given twice. */
  GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  GArray *toks = g_array_new(FALSE, FALSE, sizeof(token));
  cursor c = {.file = path};
  bool ok = true;
  const char *p = text, *end = text + len;
  int line = 0;
  while (ok && p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    line++;
    tokenize(p, n, toks, &c.end_col);
    p += n + (nl ? 1 : 0);
    c.line = line;
    c.tok = (token *)(void *)toks->data;
    c.n = (int)toks->len;
    c.i = 0;
    if (line == 1) {
      /* The format's name and version: a later format is refused, not misread. */
      ok = expect_word(&c, GOLDEN_MAGIC, error);
      if (ok && !is_word(&c, GOLDEN_VERSION))
        ok = fail_at(&c, error, "format version " GOLDEN_VERSION);
      c.i++;
      ok = ok && expect_end(&c, error);
      continue;
    }
    if (c.n == 0 || c.tok[0].s[0] == '#') continue;
    entry *e = parse_entry(&c, error);
    if (!e) {
      ok = false;
      break;
    }
    char *key = g_strdup_printf("%s\n%" PRIu64, e->path, e->seed);
    gpointer first = g_hash_table_lookup(seen, key);
    if (first) {
      g_set_error(error, GOLDEN_ERROR, 0,
                  "%s:%d:1: expected each scenario and seed once, found %s seed %" PRIu64
                  " again (first on line %d)",
                  path, line, e->path, e->seed, GPOINTER_TO_INT(first));
      g_free(key);
      entry_free(e);
      ok = false;
      break;
    }
    g_hash_table_insert(seen, key, GINT_TO_POINTER(line));
    g_ptr_array_add(entries, e);
  }
  if (ok && line == 0) {
    g_set_error(error, GOLDEN_ERROR, 0,
                "%s:1:1: expected '" GOLDEN_MAGIC " " GOLDEN_VERSION "', found the end of the file",
                path);
    ok = false;
  } else if (ok && entries->len == 0) {
    g_set_error(error, GOLDEN_ERROR, 0,
                "%s:%d:1: expected at least one scenario line, found the end of the file", path,
                line + 1);
    ok = false;
  }
  g_array_free(toks, TRUE);
  g_hash_table_unref(seen);
  g_free(text);
  if (!ok) {
    g_ptr_array_unref(entries);
    return NULL;
  }
  return entries;
}

/* ---- Writing one. */

static void golden_print(FILE *f, const char *file, GPtrArray *entries) {
  fprintf(f,
          GOLDEN_MAGIC " " GOLDEN_VERSION "\n"
          "# faultline digest-check: one line per scenario and seed: its digest, the events and\n"
          "# trace records it ran, and the running digest after record 1, 2, 4, ... (README.md,\n"
          "# \"Golden digests\"). After an intended change of behaviour, regenerate this file\n"
          "# and commit it with the change:\n"
          "#   faultline digest-check --update %s\n",
          file);
  for (guint i = 0; i < entries->len; i++) {
    const entry *e = g_ptr_array_index(entries, i);
    fprintf(f,
            "%s seed %" PRIu64 " digest 0x%016" PRIx64 " events %" PRIu64 " records %" PRIu64
            " checkpoints", e->path, e->seed, e->digest, e->events, e->cp.records);
    for (int k = 0; k < n_checkpoints(e->cp.records); k++)
      fprintf(f, " 0x%016" PRIx64, e->cp.digest[k]);
    fputc('\n', f);
  }
}

static bool golden_write(const char *path, GPtrArray *entries, GError **error) {
  fl_outfile *o = fl_outfile_open(path, "golden file", GOLDEN_ERROR, 0, error);
  if (!o) return false;
  golden_print(fl_outfile_stream(o), path, entries);
  return fl_outfile_close(o, true, error);
}

/* ---- Running. */

/* Runs `scn` with `seed` as `faultline run` does (same world, same budgets), into *out:
 * digest, events, records and checkpoints. trace_path: also write the trace there (NULL: no
 * file). *nodes gets the node count (for naming endpoints). */
static bool run_seed(const fl_scenario *scn, uint64_t seed, const char *trace_path, entry *out,
                     int *nodes, GError **error) {
  fl_world_opts opts;
  fl_world_opts_init(&opts);
  opts.has_seed = true;
  opts.seed = seed;
  opts.trace_path = trace_path;
  memset(&out->cp, 0, sizeof out->cp);
  opts.checkpoints = &out->cp;
  char *repro = fl_report_reproduce_opts(scn, &opts);
  fl_cli_crash_set_reproduce(repro);
  g_free(repro);
  fl_world *w = fl_world_new(scn, &opts, error);
  if (!w) {
    fl_cli_crash_set_reproduce(NULL);
    return false;
  }
  fl_world_run(w);
  bool ok = fl_world_finish(w, error);
  out->digest = fl_world_digest(w);
  out->events = fl_world_events(w);
  if (nodes) *nodes = fl_world_node_count(w);
  fl_world_free(w);
  fl_cli_crash_set_reproduce(NULL);
  return ok;
}

/* Loads each scenario once: entries of one path usually follow each other. */
typedef struct loader {
  char *path;
  fl_scenario *scn;
} loader;

static const fl_scenario *load(loader *l, const char *path, GError **error) {
  if (l->scn && strcmp(l->path, path) == 0) return l->scn; /* a failed load is tried again */
  fl_scenario_free(l->scn);
  g_free(l->path);
  l->path = g_strdup(path);
  l->scn = fl_scenario_load(path, error);
  return l->scn;
}

static void loader_clear(loader *l) {
  fl_scenario_free(l->scn);
  g_free(l->path);
}

/* ---- Locating a divergence. */

/* A temporary folder for traces, removed by the signal handlers if interrupted. */
typedef struct tmpdir {
  char *dir;
  int handle;
} tmpdir;

static char *tmp_trace(tmpdir *t, const char *name) {
  if (!t->dir) {
    GError *e = NULL;
    t->dir = g_dir_make_tmp("faultline-golden-XXXXXX", &e);
    if (!t->dir) {
      fprintf(stderr, "faultline digest-check: cannot make a temporary folder: %s\n", e->message);
      g_error_free(e);
      return NULL;
    }
    t->handle = fl_outfile_track(t->dir);
  }
  return g_build_filename(t->dir, name, NULL);
}

static void tmpdir_clear(tmpdir *t) {
  if (!t->dir) return;
  g_rmdir(t->dir);
  fl_outfile_untrack(t->handle);
  g_free(t->dir);
}

/* Reads the next hashed record (STATUS and END skipped). False at the end or on an error. */
static bool next_hashed(fl_trace_reader *r, fl_trace_rec *rec) {
  GError *e = NULL;
  while (fl_trace_reader_next(r, rec, &e)) {
    if (rec->kind != FL_TR_STATUS && rec->kind != FL_TR_END) return true;
  }
  g_clear_error(&e);
  return false;
}

static void print_record(const char *indent, const char *who, uint64_t n, int nodes,
                         const fl_trace_rec *rec) {
  GString *l = g_string_new(NULL);
  fl_cli_dump_line(l, nodes, rec);
  /* dump's line starts with the time, right-aligned: it goes first here, once. */
  const char *line = g_strstrip(l->str), *rest = strchr(line, ' ');
  printf("%srecord %" PRIu64 " of %s, at %.*s: %s\n", indent, n, who,
         rest ? (int)(rest - line) : (int)strlen(line), line, rest ? g_strchug((char *)rest) : "");
  g_string_free(l, TRUE);
}

/* The window of records where two runs first differ, from their checkpoints: [*lo, *hi],
 * 1-based. */
static void window(const entry *want, const entry *got, uint64_t *lo, uint64_t *hi) {
  int nw = n_checkpoints(want->cp.records), ng = n_checkpoints(got->cp.records);
  int common = MIN(nw, ng);
  for (int k = 0; k < common; k++) {
    if (want->cp.digest[k] != got->cp.digest[k]) {
      *lo = k ? ((uint64_t)1 << (k - 1)) + 1 : 1;
      *hi = (uint64_t)1 << k;
      return;
    }
  }
  /* Every common checkpoint agrees: the runs differ after the last, and before the next,
   * which at least one of them does not reach. */
  *lo = common ? ((uint64_t)1 << (common - 1)) + 1 : 1;
  uint64_t longer = MAX(want->cp.records, got->cp.records);
  *hi = common < 63 ? MIN((uint64_t)1 << common, longer) : longer;
  if (*hi < *lo) *hi = *lo;
}

/* Runs the seed again with a trace and prints the window's first record. */
static void locate(const fl_scenario *scn, const entry *want, const entry *got, tmpdir *tmp,
                   uint64_t lo) {
  char *path = tmp_trace(tmp, "new.trace");
  if (!path) return;
  entry again = {0};
  int nodes = 0;
  GError *e = NULL;
  int handle = fl_outfile_track(path);
  if (!run_seed(scn, got->seed, path, &again, &nodes, &e)) {
    printf("  (cannot trace the run again: %s)\n", e->message);
    g_error_free(e);
  } else if (again.digest != got->digest) {
    printf("  the run is not deterministic: run again with a trace it gave digest 0x%016" PRIx64
           "\n", again.digest);
  } else if (lo > got->cp.records) {
    printf("  the new run ends after record %" PRIu64 "; the expected run went on to record "
           "%" PRIu64 "\n", got->cp.records, want->cp.records);
  } else {
    fl_trace_reader *r = fl_trace_reader_open(path, NULL);
    fl_trace_rec rec;
    uint64_t n = 0;
    while (r && next_hashed(r, &rec))
      if (++n == lo) {
        print_record("  ", "the new run", n, nodes, &rec);
        break;
      }
    fl_trace_reader_free(r);
  }
  g_unlink(path);
  fl_outfile_untrack(handle);
  g_free(path);
}

/* --baseline: runs the old binary on the seed and names the first record where the two traces'
 * running digests part. */
static void compare_baseline(const char *old_bin, const fl_scenario *scn, const entry *got,
                             tmpdir *tmp) {
  char *old_path = tmp_trace(tmp, "old.trace"), *new_path = tmp_trace(tmp, "new.trace");
  if (!old_path || !new_path) {
    g_free(old_path);
    g_free(new_path);
    return;
  }
  int h_old = fl_outfile_track(old_path), h_new = fl_outfile_track(new_path);
  char seed[32];
  g_snprintf(seed, sizeof seed, "%" PRIu64, got->seed);
  char *argv[] = {(char *)old_bin, "run", "--quiet", "--seed", seed, "--trace", old_path,
                  (char *)scn->path, NULL};
  GError *e = NULL;
  entry again = {0};
  int nodes = 0;
  if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                    NULL, NULL, NULL, NULL, NULL, &e)) {
    printf("  baseline: cannot run '%s': %s\n", old_bin, e->message);
  } else if (!run_seed(scn, got->seed, new_path, &again, &nodes, &e)) {
    printf("  baseline: cannot trace the new run: %s\n", e->message);
  } else {
    fl_trace_reader *ro = fl_trace_reader_open(old_path, &e);
    fl_trace_reader *rn = ro ? fl_trace_reader_open(new_path, &e) : NULL;
    if (!rn) {
      printf("  baseline: %s\n", e->message);
    } else {
      fl_trace_rec a, b;
      uint64_t n = 0;
      for (;;) {
        bool more_a = next_hashed(ro, &a); /* a's strings stay valid until ro's next call */
        bool more_b = next_hashed(rn, &b);
        n++;
        if (!more_a && !more_b) {
          printf("  baseline: '%s' gives the same %" PRIu64 " records (digest 0x%016" PRIx64
                 "), not the golden file's\n", old_bin, n - 1, fl_trace_reader_digest(ro));
          break;
        }
        if (more_a && more_b && fl_trace_reader_digest(ro) == fl_trace_reader_digest(rn))
          continue;
        printf("  baseline: the first differing record is %" PRIu64 "\n", n);
        if (more_a) print_record("    ", "the baseline", n, nodes, &a);
        else printf("    the baseline's run ends after record %" PRIu64 "\n", n - 1);
        if (more_b) print_record("    ", "the new run", n, nodes, &b);
        else printf("    the new run ends after record %" PRIu64 "\n", n - 1);
        break;
      }
    }
    fl_trace_reader_free(ro);
    fl_trace_reader_free(rn);
  }
  g_clear_error(&e);
  g_unlink(old_path);
  g_unlink(new_path);
  fl_outfile_untrack(h_old);
  fl_outfile_untrack(h_new);
  g_free(old_path);
  g_free(new_path);
}

static void report_mismatch(const char *golden, const fl_scenario *scn, const entry *want,
                            const entry *got, const char *baseline, tmpdir *tmp) {
  printf("MISMATCH %s seed %" PRIu64 " (%s:%d): expected digest 0x%016" PRIx64
         ", found 0x%016" PRIx64 "; events %" PRIu64 ", found %" PRIu64 "; records %" PRIu64
         ", found %" PRIu64 "\n",
         want->path, want->seed, golden, want->line, want->digest, got->digest, want->events,
         got->events, want->cp.records, got->cp.records);
  if (want->digest == got->digest && want->cp.records == got->cp.records) {
    printf("  the records are the same: only the count of events that write none changed\n");
    return;
  }
  uint64_t lo, hi;
  window(want, got, &lo, &hi);
  if (lo > 1)
    printf("  first difference within records %" PRIu64 "..%" PRIu64
           " (the running digests agree up to record %" PRIu64 ")\n", lo, hi, lo - 1);
  else
    printf("  first difference within records 1..%" PRIu64 "\n", hi);
  fflush(stdout);
  locate(scn, want, got, tmp, lo);
  if (baseline) compare_baseline(baseline, scn, got, tmp);
  fflush(stdout);
}

/* ---- The command. */

/* "1,7,10..20" into seeds (appended). */
static bool parse_seeds(const char *s, GArray *seeds) {
  char **items = g_strsplit(s, ",", -1);
  bool ok = items[0] != NULL;
  for (int i = 0; ok && items[i]; i++) {
    const char *it = items[i];
    char *end = NULL;
    errno = 0;
    if (*it < '0' || *it > '9') { ok = false; break; }
    unsigned long long a = strtoull(it, &end, 10), b = a;
    if (!errno && end[0] == '.' && end[1] == '.' && end[2] >= '0' && end[2] <= '9')
      b = strtoull(end + 2, &end, 10);
    if (errno || *end || b < a || b - a >= FL_LIMIT_GOLDEN_SEEDS ||
        seeds->len + (b - a) >= FL_LIMIT_GOLDEN_SEEDS) {
      ok = false;
      break;
    }
    for (unsigned long long v = a;; v++) {
      uint64_t seed = v;
      g_array_append_val(seeds, seed);
      if (v == b) break;
    }
  }
  g_strfreev(items);
  return ok;
}

/* A scenario path a golden line can hold. */
static bool storable(const char *path) {
  return *path && *path != '#' && !strpbrk(path, " \t\n\r");
}

/* Runs every entry (filling in its results); false after printing, on a scenario that does not
 * load or a run that cannot be made. */
static bool run_all(GPtrArray *entries) {
  loader l = {0};
  bool ok = true;
  for (guint i = 0; ok && i < entries->len; i++) {
    entry *e = g_ptr_array_index(entries, i);
    GError *error = NULL;
    const fl_scenario *scn = load(&l, e->path, &error);
    if (!scn || !run_seed(scn, e->seed, NULL, e, NULL, &error)) {
      fprintf(stderr, "%s\n", error->message);
      g_error_free(error);
      ok = false;
    }
  }
  loader_clear(&l);
  return ok;
}

/* every: check entries 1, 1 + every, 1 + 2 * every, ... of the file (1: all). */
static int check(const char *golden, const char *baseline, guint every) {
  GError *error = NULL;
  GPtrArray *entries = golden_read(golden, &error);
  if (!entries) {
    fprintf(stderr, "%s\n", error->message);
    g_error_free(error);
    return 2;
  }
  loader l = {0};
  tmpdir tmp = {.handle = -1};
  guint differ = 0, broken = 0, checked = 0;
  for (guint i = 0; i < entries->len; i += every) {
    checked++;
    const entry *want = g_ptr_array_index(entries, i);
    entry got = {.path = want->path, .seed = want->seed, .line = want->line};
    const fl_scenario *scn = load(&l, want->path, &error);
    if (!scn || !run_seed(scn, want->seed, NULL, &got, NULL, &error)) {
      fflush(stdout);
      fprintf(stderr, "%s:%d: %s\n", golden, want->line, error->message);
      g_clear_error(&error);
      broken++;
      continue;
    }
    if (got.digest == want->digest && got.events == want->events &&
        got.cp.records == want->cp.records)
      continue;
    differ++;
    report_mismatch(golden, scn, want, &got, baseline, &tmp);
  }
  tmpdir_clear(&tmp);
  loader_clear(&l);
  printf("digest-check %s: %u run%s", golden, checked, checked == 1 ? "" : "s");
  if (every > 1) printf(" of %u (every %u)", entries->len, every);
  printf(", ");
  if (!differ && !broken) printf("all match\n");
  else printf("%u differ%s, %u could not run\n", differ, differ == 1 ? "s" : "", broken);
  if (differ)
    printf("If the new behaviour is intended, regenerate the file and commit it with the "
           "change:\n  faultline digest-check --update %s\n", golden);
  g_ptr_array_unref(entries);
  return broken ? 2 : differ ? 1 : 0;
}

int fl_cli_digest_check(int argc, char **argv) {
  char *write = NULL, *update = NULL, *seeds = NULL, *baseline = NULL;
  gint64 every = 1;
  GOptionEntry options[] = {
      {"write", 0, 0, G_OPTION_ARG_FILENAME, &write,
       "Write a golden file of the SCENARIOs given after the options", "FILE"},
      {"update", 0, 0, G_OPTION_ARG_FILENAME, &update,
       "Re-run every entry of FILE and rewrite it (after an intended behaviour change)", "FILE"},
      {"seeds", 0, 0, G_OPTION_ARG_STRING, &seeds,
       "With --write: the seeds, e.g. 1,7 or 1..20 (default: each scenario's own)", "LIST"},
      {"every", 0, 0, G_OPTION_ARG_INT64, &every,
       "Check only entries 1, N+1, 2N+1, ... of the file: a sample spread over it, for slow "
       "(sanitizer) builds", "N"},
      {"baseline", 0, 0, G_OPTION_ARG_FILENAME, &baseline,
       "On a mismatch, also run OLD (a faultline binary) and name the first differing record",
       "OLD"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *oc = g_option_context_new(
      "FILE.golden | --write FILE.golden SCENARIO... | --update FILE.golden - compare runs' "
      "digests with a golden file");
  g_option_context_add_main_entries(oc, options, NULL);
  g_option_context_set_description(
      oc, "A golden file holds, per scenario and seed, the run's digest and the running digest "
          "after trace record 1, 2, 4, 8, ...; checking re-runs each entry in order and, for each "
          "that differs, prints the window of records where it first diverges and the first "
          "record of that window. Exit status: 0 all match, 1 one differs, 2 usage or input "
          "error.");
  GError *error = NULL;
  GPtrArray *entries = NULL;
  GArray *seed_list = g_array_new(FALSE, FALSE, sizeof(uint64_t));
  int rc = 2;
  if (!g_option_context_parse(oc, &argc, &argv, &error)) {
    fprintf(stderr, "faultline digest-check: %s\n", error->message);
    goto out;
  }
  if (write && update) {
    fprintf(stderr, "faultline digest-check: expected one of --write and --update, found both\n");
    goto out;
  }
  if (every < 1 || every > G_MAXINT || ((write || update) && every != 1)) {
    fprintf(stderr, "faultline digest-check: --every: expected a positive integer, and only "
                    "when checking, found %" G_GINT64_FORMAT "%s\n", every,
            write ? " with --write" : update ? " with --update" : "");
    goto out;
  }
  if (seeds && !write) {
    fprintf(stderr, "faultline digest-check: --seeds: only with --write (an existing file's "
                    "entries name their seeds)\n");
    goto out;
  }
  if (write) {
    if (argc < 2) {
      fprintf(stderr, "faultline digest-check: --write: expected one or more scenario files, "
                      "found none\n");
      goto out;
    }
    if (seeds && !parse_seeds(seeds, seed_list)) {
      fprintf(stderr, "faultline digest-check: --seeds: expected seeds or ranges A..B separated "
                      "by commas (at most %d seeds), found '%s'\n", FL_LIMIT_GOLDEN_SEEDS, seeds);
      goto out;
    }
    entries = g_ptr_array_new_with_free_func(entry_free);
    GHashTable *given = g_hash_table_new(g_str_hash, g_str_equal); /* lookup only */
    bool ok = true;
    for (int i = 1; ok && i < argc; i++) {
      if (!storable(argv[i])) {
        fprintf(stderr, "faultline digest-check: --write: expected a scenario path without "
                        "whitespace and not starting with '#', found '%s'\n", argv[i]);
        ok = false;
      } else if (g_hash_table_contains(given, argv[i])) {
        fprintf(stderr, "faultline digest-check: --write: scenario '%s' given twice\n", argv[i]);
        ok = false;
      } else if (fl_outfile_same_file(argv[i], write)) {
        fprintf(stderr, "faultline digest-check: --write '%s' and the scenario '%s' are the "
                        "same file\n", write, argv[i]);
        ok = false;
      }
      g_hash_table_add(given, argv[i]);
      fl_scenario *scn = ok ? fl_scenario_load(argv[i], &error) : NULL;
      if (ok && !scn) {
        fprintf(stderr, "%s\n", error->message);
        g_clear_error(&error);
        ok = false;
      }
      for (guint k = 0; scn && k < MAX(seed_list->len, 1u); k++) {
        entry *e = g_new0(entry, 1);
        e->path = g_strdup(argv[i]);
        e->seed = seed_list->len ? g_array_index(seed_list, uint64_t, k) : scn->seed;
        g_ptr_array_add(entries, e);
      }
      fl_scenario_free(scn);
    }
    g_hash_table_unref(given);
    if (!ok || !run_all(entries)) goto out;
    if (!golden_write(write, entries, &error)) {
      fprintf(stderr, "faultline digest-check: %s\n", error->message);
      goto out;
    }
    printf("digest-check: wrote %u run%s to %s\n", entries->len, entries->len == 1 ? "" : "s",
           write);
    rc = 0;
  } else if (update) {
    if (argc != 1) {
      fprintf(stderr, "faultline digest-check: --update: expected no other argument, found "
                      "'%s'\n", argv[1]);
      goto out;
    }
    if (!(entries = golden_read(update, &error))) {
      fprintf(stderr, "%s\n", error->message);
      goto out;
    }
    if (!run_all(entries)) goto out;
    if (!golden_write(update, entries, &error)) {
      fprintf(stderr, "faultline digest-check: %s\n", error->message);
      goto out;
    }
    printf("digest-check: rewrote %u run%s in %s\n", entries->len,
           entries->len == 1 ? "" : "s", update);
    rc = 0;
  } else {
    if (argc != 2) {
      fprintf(stderr, "faultline digest-check: expected one golden file, found %d arguments\n",
              argc - 1);
      goto out;
    }
    rc = check(argv[1], baseline, (guint)every);
  }
out:
  if (entries) g_ptr_array_unref(entries);
  g_array_free(seed_list, TRUE);
  g_clear_error(&error);
  g_option_context_free(oc);
  g_free(write);
  g_free(update);
  g_free(seeds);
  g_free(baseline);
  return rc;
}
