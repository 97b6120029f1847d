/* faultline merge: the --json of a sweep's shards (sweep --shard I/N) combined into the one
 * document, and JUnit file, that the unsharded sweep would have written.
 *
 * The files must be every shard of one sweep: the same header (faultline version and commit,
 * scenario and its SHA-256, protocol, duration, event budget, overrides, seed range) and shard
 * count, each shard once, each seed once, each in its own shard, every seed of the range
 * present. Anything else is refused before anything is written, with the two files that
 * disagree: a merge that quietly combined two builds' results, or lost a shard, would report
 * a sweep that never ran. The merged header says shard 1/1 and the summary's wall_s is the
 * slowest shard's. It prints the failing seeds and a summary line as sweep does, and exits
 * as sweep would have: 0 every seed passed, 1 one failed, 4 one ran away, 2 an error (in a
 * seed, or in the merge).
 */
#include "cli.h"
#include "fl_limits.h"
#include "outfile.h"
#include "sweep_report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct shard_file {
  const char *path; /* borrowed from argv */
  JsonNode *root;   /* owned */
  JsonObject *doc;  /* borrowed from root */
  unsigned index, count;
} shard_file;

typedef struct seed_rec {
  gint64 seed;
  JsonObject *rec; /* borrowed from its file's root */
  guint file;
} seed_rec;

/* Seeds, then files: a total order, so a seed held twice sorts next to itself. */
static gint by_seed(gconstpointer a, gconstpointer b) {
  const seed_rec *x = a, *y = b;
  if (x->seed != y->seed) return x->seed < y->seed ? -1 : 1;
  return x->file < y->file ? -1 : x->file > y->file;
}

static bool is_header(const char *name) {
  return strcmp(name, "runs") != 0 && strcmp(name, "summary") != 0 && strcmp(name, "shard") != 0;
}

static char *member_text(JsonObject *o, const char *name) {
  JsonNode *n = json_object_get_member(o, name);
  return n ? json_to_string(n, FALSE) : g_strdup("(absent)");
}

/* Reads a shard's file: a JSON object with "shard" I/N, "seeds" A..B and a "runs" array. */
static bool load(shard_file *f, GError **error) {
  /* json-glib's own message for a missing file is translated and quotes with curly quotes. */
  FILE *fp = fopen(f->path, "r");
  if (!fp) {
    g_set_error(error, FL_WORLD_ERROR, FL_WORLD_ERROR_IO, "%s: cannot read: %s", f->path,
                g_strerror(errno));
    return false;
  }
  fclose(fp);
  JsonParser *p = json_parser_new();
  bool ok = json_parser_load_from_file(p, f->path, error);
  if (!ok) {
    g_prefix_error(error, "%s: ", f->path);
    g_object_unref(p);
    return false;
  }
  f->root = json_parser_steal_root(p);
  g_object_unref(p);
  JsonObject *o = f->root && JSON_NODE_HOLDS_OBJECT(f->root) ? json_node_get_object(f->root)
                                                             : NULL;
  JsonNode *runs = o ? json_object_get_member(o, "runs") : NULL;
  JsonNode *shard = o ? json_object_get_member(o, "shard") : NULL;
  JsonNode *seeds = o ? json_object_get_member(o, "seeds") : NULL;
  const char *sh = shard && JSON_NODE_HOLDS_VALUE(shard) &&
                           json_node_get_value_type(shard) == G_TYPE_STRING
                       ? json_node_get_string(shard)
                       : NULL;
  if (!runs || !JSON_NODE_HOLDS_ARRAY(runs) || !sh || !seeds ||
      sscanf(sh, "%u/%u", &f->index, &f->count) != 2 || f->index < 1 || f->index > f->count) {
    g_set_error(error, FL_WORLD_ERROR, FL_WORLD_ERROR_IO,
                "%s: expected the --json of faultline sweep (an object with \"seeds\", "
                "\"shard\" I/N and \"runs\"), found something else", f->path);
    return false;
  }
  f->doc = o;
  return true;
}

/* Every header member of `b` as in `a`, the shard count too. */
static bool same_sweep(const shard_file *a, const shard_file *b, GError **error) {
  for (int pass = 0; pass < 2; pass++) {
    const shard_file *x = pass ? b : a, *y = pass ? a : b;
    GList *names = json_object_get_members(x->doc);
    for (GList *l = names; l; l = l->next) {
      if (!is_header(l->data)) continue;
      char *vx = member_text(x->doc, l->data), *vy = member_text(y->doc, l->data);
      bool same = !strcmp(vx, vy);
      if (!same)
        g_set_error(error, FL_WORLD_ERROR, FL_WORLD_ERROR_IO,
                    "%s and %s are not shards of one sweep: \"%s\" is %s in %s and %s in %s",
                    a->path, b->path, (const char *)l->data, vx, x->path, vy, y->path);
      g_free(vx);
      g_free(vy);
      if (!same) {
        g_list_free(names);
        return false;
      }
    }
    g_list_free(names);
  }
  if (a->count != b->count) {
    g_set_error(error, FL_WORLD_ERROR, FL_WORLD_ERROR_IO,
                "%s and %s are not shards of one split: %s is shard %u/%u, %s shard %u/%u",
                a->path, b->path, a->path, a->index, a->count, b->path, b->index, b->count);
    return false;
  }
  if (a->index == b->index) {
    g_set_error(error, FL_WORLD_ERROR, FL_WORLD_ERROR_IO, "%s and %s are both shard %u/%u",
                a->path, b->path, a->index, a->count);
    return false;
  }
  return true;
}

int fl_cli_merge(int argc, char **argv) {
  char *json = NULL, *junit = NULL;
  GOptionEntry entries[] = {
      {"json", 0, 0, G_OPTION_ARG_FILENAME, &json, "Write the merged JSON to P", "P"},
      {"junit", 0, 0, G_OPTION_ARG_FILENAME, &junit, "Write the merged JUnit XML to P", "P"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *oc =
      g_option_context_new("SHARD.json... - combine the --json of a sweep's shards");
  g_option_context_set_summary(
      oc, "Refuses files of different sweeps (version, commit, scenario, range, overrides) or "
          "shard counts, a shard given twice or missing, and a seed held twice. Prints the "
          "failing seeds and a summary, and exits as the unsharded sweep would have.");
  g_option_context_add_main_entries(oc, entries, NULL);
  GError *error = NULL;
  int rc = 2;
  shard_file *files = NULL;
  GArray *seeds = g_array_new(FALSE, TRUE, sizeof(seed_rec));
  fl_cli_results *results = NULL;
  JsonObject *header = NULL;
  int n = 0;
  if (!g_option_context_parse(oc, &argc, &argv, &error)) {
    fprintf(stderr, "faultline merge: %s\n", error->message);
    goto out;
  }
  n = argc - 1;
  if (n < 1 || n > FL_LIMIT_SWEEP_SHARDS) {
    fprintf(stderr, "faultline merge: expected 1 to %d files (sweep --json of each shard), "
                    "found %d\n", FL_LIMIT_SWEEP_SHARDS, n);
    n = 0;
    goto out;
  }
  files = g_new0(shard_file, n);
  for (int i = 0; i < n; i++) {
    files[i].path = argv[i + 1];
    if (!load(&files[i], &error)) {
      fprintf(stderr, "faultline merge: %s\n", error->message);
      goto out;
    }
    for (int j = 0; j < i; j++)
      if (!same_sweep(&files[j], &files[i], &error)) {
        fprintf(stderr, "faultline merge: %s\n", error->message);
        goto out;
      }
  }
  unsigned count = files[0].count;
  if ((unsigned)n != count) {
    /* Which shards are missing: the first few, enough to rerun them. */
    GString *s = g_string_new(NULL);
    int listed = 0;
    for (unsigned i = 1; i <= count && listed < 8; i++) {
      bool found = false;
      for (int j = 0; j < n && !found; j++) found = files[j].index == i;
      if (!found) g_string_append_printf(s, "%s%u/%u", listed++ ? ", " : "", i, count);
    }
    fprintf(stderr, "faultline merge: %d of %u shards given: missing %s%s\n", n, count, s->str,
            (unsigned)n + (unsigned)listed < count ? ", ..." : "");
    g_string_free(s, TRUE);
    goto out;
  }
  uint64_t first = 0, last = 0;
  const char *range = json_object_get_string_member(files[0].doc, "seeds");
  if (!range || sscanf(range, "%" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT, &first, &last) != 2 ||
      last < first) {
    fprintf(stderr, "faultline merge: %s: expected \"seeds\" A..B, found '%s'\n", files[0].path,
            range ? range : "");
    goto out;
  }
  for (int i = 0; i < n; i++) {
    JsonArray *runs = json_object_get_array_member(files[i].doc, "runs");
    for (guint k = 0; k < json_array_get_length(runs); k++) {
      JsonNode *e = json_array_get_element(runs, k);
      JsonObject *rec = JSON_NODE_HOLDS_OBJECT(e) ? json_node_get_object(e) : NULL;
      JsonNode *sn = rec ? json_object_get_member(rec, "seed") : NULL;
      gint64 seed = sn && JSON_NODE_HOLDS_VALUE(sn) ? json_node_get_int(sn) : -1;
      if (seed < (gint64)first || seed > (gint64)last ||
          (uint64_t)(seed - (gint64)first) % count != files[i].index - 1) {
        fprintf(stderr, "faultline merge: %s: run %u is not a seed of shard %u/%u of %s\n",
                files[i].path, k + 1, files[i].index, count, range);
        goto out;
      }
      seed_rec r = {.seed = seed, .rec = rec, .file = (guint)i};
      g_array_append_val(seeds, r);
    }
  }
  g_array_sort(seeds, by_seed);
  for (guint k = 1; k < seeds->len; k++) {
    seed_rec *a = &g_array_index(seeds, seed_rec, k - 1), *b = &g_array_index(seeds, seed_rec, k);
    if (a->seed == b->seed && a->file == b->file) {
      fprintf(stderr, "faultline merge: %s holds seed %" G_GINT64_FORMAT " twice\n",
              files[a->file].path, a->seed);
      goto out;
    }
    if (a->seed == b->seed) {
      fprintf(stderr, "faultline merge: %s and %s both hold seed %" G_GINT64_FORMAT "\n",
              files[a->file].path, files[b->file].path, a->seed);
      goto out;
    }
  }
  if (seeds->len != last - first + 1) {
    fprintf(stderr, "faultline merge: the shards hold %u of the %" G_GUINT64_FORMAT
                    " seeds of %s\n", seeds->len, last - first + 1, range);
    goto out;
  }

  const char *names[] = {"json", "junit"};
  const char *paths[] = {json, junit};
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < n; j++)
      if (paths[i] && fl_outfile_same_file(paths[i], files[j].path)) {
        fprintf(stderr, "faultline merge: --%s '%s' and the shard '%s' are the same file\n",
                names[i], paths[i], files[j].path);
        goto out;
      }
  if (json && junit && fl_outfile_same_file(json, junit)) {
    fprintf(stderr, "faultline merge: --json '%s' and --junit '%s' are the same file\n", json,
            junit);
    goto out;
  }
  header = json_object_new();
  GList *members = json_object_get_members(files[0].doc);
  for (GList *l = members; l; l = l->next) {
    if (!strcmp(l->data, "runs") || !strcmp(l->data, "summary")) continue;
    if (!strcmp(l->data, "shard")) json_object_set_string_member(header, "shard", "1/1");
    else json_object_set_member(header, l->data, json_object_dup_member(files[0].doc, l->data));
  }
  g_list_free(members);
  fl_outfile *j = NULL, *x = NULL;
  if ((json && !(j = fl_outfile_open(json, "json", FL_WORLD_ERROR, FL_WORLD_ERROR_IO, &error))) ||
      (junit && !(x = fl_outfile_open(junit, "junit", FL_WORLD_ERROR, FL_WORLD_ERROR_IO,
                                       &error)))) {
    fprintf(stderr, "faultline merge: %s\n", error->message);
    fl_outfile_close(j, false, NULL);
    goto out;
  }
  results = fl_cli_results_new(header, j, x);
  uint64_t failed = 0, runaway = 0, errors = 0;
  for (guint k = 0; k < seeds->len; k++) {
    JsonObject *rec = g_array_index(seeds, seed_rec, k).rec;
    fl_cli_results_add(results, rec);
    const char *banner = fl_cli_record_banner(rec);
    if (!banner) continue;
    if (!strcmp(banner, "ERROR")) errors++;
    else failed++;
    runaway += !strcmp(banner, "RUNAWAY");
    char *text = fl_cli_record_text(rec);
    printf("%s seed %" G_GINT64_FORMAT "\n%s", banner, g_array_index(seeds, seed_rec, k).seed,
           text);
    g_free(text);
  }
  double wall = 0;
  for (int i = 0; i < n; i++) {
    JsonNode *s = json_object_get_member(files[i].doc, "summary");
    if (s && JSON_NODE_HOLDS_OBJECT(s) && json_object_has_member(json_node_get_object(s), "wall_s"))
      wall = MAX(wall, json_object_get_double_member(json_node_get_object(s), "wall_s"));
  }
  printf("merge %s: %u seeds (%s) from %d shards, %" G_GUINT64_FORMAT " failed",
         json_object_get_string_member(header, "scenario"), seeds->len, range, n, failed);
  if (runaway) printf(" (%" G_GUINT64_FORMAT " runaway)", runaway);
  if (errors) printf(", %" G_GUINT64_FORMAT " errors", errors);
  printf("; slowest shard %.1fs\n", wall);
  rc = fl_cli_results_exit_status(results);
  fflush(stdout);
  fl_cli_results *r = results;
  results = NULL;
  bool ok = fl_cli_results_finish(r, wall, &error);
  fl_cli_results_free(r);
  if (!ok) {
    fprintf(stderr, "faultline merge: %s\n", error->message);
    rc = 2;
  }
out:
  fl_cli_results_free(results);
  if (header) json_object_unref(header);
  for (int i = 0; files && i < n; i++)
    if (files[i].root) json_node_unref(files[i].root);
  g_free(files);
  g_array_free(seeds, TRUE);
  g_clear_error(&error);
  g_option_context_free(oc);
  g_free(json);
  g_free(junit);
  return rc;
}
