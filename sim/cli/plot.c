/* `faultline plot cdf --out FILE.png|.svg [--out ...] [--title T] [--xlabel L] [--ylabel L]
 *  [--log-x] [--scale F] [--size WxH] LABEL=CSV:COLUMN...`
 *
 * Draws the cumulative distribution of one column of each CSV file (a header line naming the
 * columns, as `sweep --csv` writes; empty cells are skipped), one line per LABEL, into each
 * --out file. --scale multiplies every value (1e-6 turns nanoseconds into milliseconds).
 * Exit status: 0 written, 2 usage or input error (nothing is written then). */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"

/* The values of column `column` of the CSV file `path`, as doubles (NaN for an empty cell). */
static GArray *read_column(const char *path, const char *column, GError **error) {
  char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, error)) return NULL;
  GArray *out = g_array_new(FALSE, FALSE, sizeof(double));
  char **lines = g_strsplit(text, "\n", -1);
  g_free(text);
  int col = -1, n_cols = 0;
  bool ok = true;
  for (int i = 0; ok && lines[i]; i++) {
    g_strchomp(lines[i]);
    if (!lines[i][0]) continue;
    char **cells = g_strsplit(lines[i], ",", -1);
    int n = (int)g_strv_length(cells);
    if (col < 0) {
      for (int k = 0; k < n; k++)
        if (strcmp(g_strstrip(cells[k]), column) == 0) col = k;
      n_cols = n;
      if (col < 0) {
        char *names = g_strjoinv(",", cells);
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "%s:%d: expected a column named '%s' in the header, found '%.200s'", path,
                    i + 1, column, names);
        g_free(names);
        ok = false;
      }
    } else if (n != n_cols) {
      g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                  "%s:%d: expected %d cells as in the header, found %d", path, i + 1, n_cols, n);
      ok = false;
    } else {
      const char *cell = g_strstrip(cells[col]);
      double v = NAN;
      if (cell[0] && strcmp(cell, "null") != 0) {
        char *end = NULL;
        errno = 0;
        v = g_ascii_strtod(cell, &end);
        if (end == cell || *end || errno || !isfinite(v)) {
          g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                      "%s:%d: expected a number in column '%s', found '%.40s'", path, i + 1,
                      column, cell);
          ok = false;
        }
      }
      if (ok) g_array_append_val(out, v);
    }
    g_strfreev(cells);
  }
  g_strfreev(lines);
  if (ok && col < 0) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                "%s: expected a header line naming the columns, found an empty file", path);
    ok = false;
  }
  if (!ok) {
    g_array_free(out, TRUE);
    return NULL;
  }
  return out;
}

static int usage(GOptionContext *ctx, const char *fmt, const char *arg) {
  fprintf(stderr, "faultline plot: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n");
  char *help = g_option_context_get_help(ctx, TRUE, NULL);
  fprintf(stderr, "%s", help);
  g_free(help);
  return 2;
}

int fl_cli_plot(int argc, char **argv) {
  char *title = NULL, *xlabel = NULL, *ylabel = NULL, *size = NULL;
  char **outs = NULL;
  double scale = 1.0;
  gboolean log_x = FALSE;
  GOptionEntry entries[] = {
      {"out", 'o', 0, G_OPTION_ARG_FILENAME_ARRAY, &outs, "Write the plot here (.png or .svg; repeatable)", "FILE"},
      {"title", 0, 0, G_OPTION_ARG_STRING, &title, "The plot's title", "TEXT"},
      {"xlabel", 0, 0, G_OPTION_ARG_STRING, &xlabel, "The x axis' label", "TEXT"},
      {"ylabel", 0, 0, G_OPTION_ARG_STRING, &ylabel, "The y axis' label (default: fraction of values <= x)", "TEXT"},
      {"log-x", 0, 0, G_OPTION_ARG_NONE, &log_x, "A logarithmic x axis", NULL},
      {"scale", 0, 0, G_OPTION_ARG_DOUBLE, &scale, "Multiply every value by F (1e-6: ns to ms)", "F"},
      {"size", 0, 0, G_OPTION_ARG_STRING, &size, "Width x height in pixels (default 900x600)", "WxH"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *ctx = g_option_context_new("cdf LABEL=CSV:COLUMN... - plot distributions");
  g_option_context_add_main_entries(ctx, entries, NULL);
  GError *error = NULL;
  int rc = 0;
  fl_plot *p = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    rc = usage(ctx, "%s", error->message);
    goto done;
  }
  if (argc < 2 || strcmp(argv[1], "cdf") != 0) {
    rc = usage(ctx, "expected the kind of plot 'cdf', found '%s'", argc < 2 ? "nothing" : argv[1]);
    goto done;
  }
  if (argc < 3) {
    rc = usage(ctx, "%s", "expected at least one LABEL=CSV:COLUMN");
    goto done;
  }
  if (!outs || !outs[0]) {
    rc = usage(ctx, "%s", "expected --out FILE.png or --out FILE.svg");
    goto done;
  }
  int width = 900, height = 600;
  if (size && (sscanf(size, "%dx%d", &width, &height) != 2 || width < 100 || height < 100 ||
               width > 10000 || height > 10000)) {
    rc = usage(ctx, "--size: expected WIDTHxHEIGHT from 100x100 to 10000x10000, found '%s'", size);
    goto done;
  }
  if (!isfinite(scale) || scale == 0) {
    rc = usage(ctx, "%s", "--scale: expected a finite number other than 0");
    goto done;
  }
  p = fl_plot_new(title ? title : "", xlabel ? xlabel : "value",
                  ylabel ? ylabel : "fraction of values <= x");
  fl_plot_log_x(p, log_x);
  fl_plot_y_range(p, 0, 1);
  for (int i = 2; i < argc; i++) {
    const char *eq = strchr(argv[i], '='), *colon = strrchr(argv[i], ':');
    if (!eq || !colon || colon < eq || eq == argv[i] || colon == eq + 1 || !colon[1]) {
      rc = usage(ctx, "expected LABEL=CSV:COLUMN, found '%s'", argv[i]);
      goto done;
    }
    char *label = g_strndup(argv[i], (gsize)(eq - argv[i]));
    char *file = g_strndup(eq + 1, (gsize)(colon - eq - 1));
    GArray *v = read_column(file, colon + 1, &error);
    if (v) {
      for (guint k = 0; k < v->len; k++) g_array_index(v, double, k) *= scale;
      fl_plot_cdf(p, label, (const double *)(void *)v->data, v->len);
      g_array_free(v, TRUE);
    }
    g_free(label);
    g_free(file);
    if (!v) {
      fprintf(stderr, "faultline plot: %s\n", error->message);
      rc = 2;
      goto done;
    }
  }
  for (char **o = outs; *o; o++)
    if (!fl_plot_write(p, *o, width, height, &error)) {
      fprintf(stderr, "faultline plot: %s\n", error->message);
      rc = 2;
      goto done;
    }
done:
  g_clear_error(&error);
  fl_plot_free(p);
  g_option_context_free(ctx);
  g_free(title), g_free(xlabel), g_free(ylabel), g_free(size);
  g_strfreev(outs);
  return rc;
}
