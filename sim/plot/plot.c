/* plot: PLplot with its cairo driver (pngcairo, svgcairo), writing into an outfile stream. */
#include "plot.h"

#include "outfile.h"

#include <errno.h>
#include <math.h>
#include <plplot.h>
#include <string.h>
#include <unistd.h>

G_DEFINE_QUARK(fl-plot-error-quark, fl_plot_error)

typedef enum kind { LINE, POINTS, STEP } kind;

typedef struct series {
  kind kind;
  char *label;
  GArray *x, *y; /* double */
} series;

typedef struct shade {
  char *label;
  double x0, x1;
} shade;

struct fl_plot {
  char *title, *xlabel, *ylabel;
  GPtrArray *series; /* series*, in drawing order */
  GArray *shades;    /* shade */
  bool log_x;
  bool legend_outside; /* the legend right of the axes, not over the data */
  double point_size;   /* symbol scale of point series; 0: the default */
  double x_lo, x_hi, y_lo, y_hi; /* NaN: from the data */
};

/* Colour map 0: 0 background, 1 axes and text, 2 the shade, then the series' colours (a
 * palette whose neighbours stay apart in hue and in grey). */
enum { COL_BG, COL_FG, COL_SHADE, COL_SERIES };
static const PLINT pal_r[] = {255, 0, 200, 31, 255, 44, 214, 148, 140, 227, 127, 188, 23};
static const PLINT pal_g[] = {255, 0, 200, 119, 127, 160, 39, 103, 86, 119, 127, 189, 190};
static const PLINT pal_b[] = {255, 0, 200, 180, 14, 44, 40, 189, 75, 194, 127, 34, 207};
#define N_COLOURS ((int)G_N_ELEMENTS(pal_r))

static void series_free(gpointer data) {
  series *s = data;
  g_free(s->label);
  g_array_free(s->x, TRUE);
  g_array_free(s->y, TRUE);
  g_free(s);
}

fl_plot *fl_plot_new(const char *title, const char *xlabel, const char *ylabel) {
  fl_plot *p = g_new0(fl_plot, 1);
  p->title = g_strdup(title ? title : "");
  p->xlabel = g_strdup(xlabel ? xlabel : "");
  p->ylabel = g_strdup(ylabel ? ylabel : "");
  p->series = g_ptr_array_new_with_free_func(series_free);
  p->shades = g_array_new(FALSE, TRUE, sizeof(shade));
  p->x_lo = p->x_hi = p->y_lo = p->y_hi = NAN;
  return p;
}

void fl_plot_free(fl_plot *p) {
  if (!p) return;
  g_free(p->title);
  g_free(p->xlabel);
  g_free(p->ylabel);
  g_ptr_array_free(p->series, TRUE);
  for (guint i = 0; i < p->shades->len; i++) g_free(g_array_index(p->shades, shade, i).label);
  g_array_free(p->shades, TRUE);
  g_free(p);
}

static series *add(fl_plot *p, kind k, const char *label) {
  series *s = g_new0(series, 1);
  s->kind = k;
  s->label = g_strdup(label ? label : "");
  s->x = g_array_new(FALSE, FALSE, sizeof(double));
  s->y = g_array_new(FALSE, FALSE, sizeof(double));
  g_ptr_array_add(p->series, s);
  return s;
}

static void add_xy(fl_plot *p, kind k, const char *label, const double *x, const double *y,
                   size_t n) {
  series *s = add(p, k, label);
  for (size_t i = 0; i < n; i++)
    if (isfinite(x[i]) && isfinite(y[i])) {
      g_array_append_val(s->x, x[i]);
      g_array_append_val(s->y, y[i]);
    }
}

void fl_plot_line(fl_plot *p, const char *label, const double *x, const double *y, size_t n) {
  add_xy(p, LINE, label, x, y, n);
}

void fl_plot_points(fl_plot *p, const char *label, const double *x, const double *y, size_t n) {
  add_xy(p, POINTS, label, x, y, n);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

void fl_plot_cdf(fl_plot *p, const char *label, const double *values, size_t n) {
  series *s = add(p, STEP, label);
  double *v = g_new(double, n ? n : 1);
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(values[i])) v[m++] = values[i];
  qsort(v, m, sizeof *v, cmp_double);
  /* A step at each value: the fraction jumps from i/m to (i+1)/m there. */
  for (size_t i = 0; i < m; i++) {
    double below = (double)i / (double)m, at = (double)(i + 1) / (double)m;
    g_array_append_val(s->x, v[i]);
    g_array_append_val(s->y, below);
    g_array_append_val(s->x, v[i]);
    g_array_append_val(s->y, at);
  }
  g_free(v);
}

void fl_plot_shade(fl_plot *p, const char *label, double x0, double x1) {
  shade s = {g_strdup(label ? label : ""), MIN(x0, x1), MAX(x0, x1)};
  g_array_append_val(p->shades, s);
}

void fl_plot_legend_outside(fl_plot *p, bool on) { p->legend_outside = on; }
void fl_plot_point_size(fl_plot *p, double scale) { p->point_size = scale; }

void fl_plot_log_x(fl_plot *p, bool on) { p->log_x = on; }
void fl_plot_x_range(fl_plot *p, double lo, double hi) { p->x_lo = lo, p->x_hi = hi; }
void fl_plot_y_range(fl_plot *p, double lo, double hi) { p->y_lo = lo, p->y_hi = hi; }

/* x as drawn: log10 on a log axis, NaN for what a log axis cannot show. */
static double tx(const fl_plot *p, double x) { return !p->log_x ? x : x > 0 ? log10(x) : NAN; }

/* The data's extent (as drawn), widened where it is a single value. False: nothing to draw. */
static bool extent(const fl_plot *p, double *x0, double *x1, double *y0, double *y1) {
  *x0 = *y0 = INFINITY;
  *x1 = *y1 = -INFINITY;
  for (guint i = 0; i < p->series->len; i++) {
    const series *s = g_ptr_array_index(p->series, i);
    for (guint j = 0; j < s->x->len; j++) {
      double x = tx(p, g_array_index(s->x, double, j)), y = g_array_index(s->y, double, j);
      if (!isfinite(x)) continue;
      *x0 = MIN(*x0, x), *x1 = MAX(*x1, x), *y0 = MIN(*y0, y), *y1 = MAX(*y1, y);
    }
  }
  if (!isfinite(*x0)) return false;
  if (!isnan(p->x_lo)) *x0 = tx(p, p->x_lo);
  if (!isnan(p->x_hi)) *x1 = tx(p, p->x_hi);
  if (!isnan(p->y_lo)) *y0 = p->y_lo;
  if (!isnan(p->y_hi)) *y1 = p->y_hi;
  if (*x1 <= *x0) *x0 -= 0.5, *x1 += 0.5;
  if (*y1 <= *y0) *y0 -= 0.5, *y1 += 0.5;
  if (isnan(p->y_lo) && isnan(p->y_hi)) { /* a margin so lines do not sit on the frame */
    double m = (*y1 - *y0) * 0.04;
    *y0 -= m, *y1 += m;
  }
  return true;
}

static void draw_series(const fl_plot *p, const series *s, int colour) {
  guint n = s->x->len;
  if (n == 0) return;
  PLFLT *x = g_new(PLFLT, n), *y = g_new(PLFLT, n);
  guint m = 0;
  for (guint j = 0; j < n; j++) {
    double xv = tx(p, g_array_index(s->x, double, j));
    if (!isfinite(xv)) continue;
    x[m] = xv, y[m] = g_array_index(s->y, double, j), m++;
  }
  plcol0(colour);
  if (s->kind == POINTS) {
    plssym(0, p->point_size > 0 ? p->point_size : 0.6);
    plpoin((PLINT)m, x, y, 17); /* a filled dot */
  } else {
    plwidth(2.0);
    plline((PLINT)m, x, y);
    plwidth(1.0);
  }
  g_free(x);
  g_free(y);
}

static void legend(const fl_plot *p) {
  int n = 0, cap = (int)p->series->len + (int)p->shades->len;
  if (cap == 0) return;
  PLINT *opt = g_new0(PLINT, cap), *tcol = g_new0(PLINT, cap), *bcol = g_new0(PLINT, cap),
        *bpat = g_new0(PLINT, cap), *lcol = g_new0(PLINT, cap), *lsty = g_new0(PLINT, cap),
        *scol = g_new0(PLINT, cap), *snum = g_new0(PLINT, cap);
  PLFLT *bsc = g_new0(PLFLT, cap), *bw = g_new0(PLFLT, cap), *lw = g_new0(PLFLT, cap),
        *ssc = g_new0(PLFLT, cap);
  const char **text = g_new0(const char *, cap), **sym = g_new0(const char *, cap);
  for (guint i = 0; i < p->series->len; i++) {
    const series *s = g_ptr_array_index(p->series, i);
    if (!s->label[0]) continue;
    int c = COL_SERIES + (int)i % (N_COLOURS - COL_SERIES);
    opt[n] = s->kind == POINTS ? PL_LEGEND_SYMBOL : PL_LEGEND_LINE;
    tcol[n] = COL_FG, lcol[n] = scol[n] = c, lsty[n] = 1, lw[n] = 2.0;
    ssc[n] = 0.6, snum[n] = 1, sym[n] = "#(728)"; /* a bullet */
    text[n++] = s->label;
  }
  for (guint i = 0; i < p->shades->len; i++) {
    const shade *sh = &g_array_index(p->shades, shade, i);
    bool seen = !sh->label[0];
    for (guint j = 0; j < i && !seen; j++)
      seen = strcmp(g_array_index(p->shades, shade, j).label, sh->label) == 0;
    if (seen) continue;
    opt[n] = PL_LEGEND_COLOR_BOX;
    tcol[n] = COL_FG, bcol[n] = COL_SHADE, bpat[n] = 0, bsc[n] = 0.8, bw[n] = 1.0;
    sym[n] = "";
    text[n++] = sh->label;
  }
  if (n > 0) {
    PLFLT w, h;
    PLINT where = p->legend_outside ? PL_POSITION_OUTSIDE | PL_POSITION_RIGHT
                                    : PL_POSITION_INSIDE | PL_POSITION_RIGHT | PL_POSITION_BOTTOM;
    pllegend(&w, &h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX, where, 0.02, 0.02, 0.08,
             COL_BG, COL_FG, 1, 0, 0, n, opt, 1.0, 0.9, 2.0, 0.0, tcol, text, bcol, bpat, bsc,
             bw, lcol, lsty, lw, scol, ssc, snum, sym);
  }
  g_free(opt), g_free(tcol), g_free(bcol), g_free(bpat), g_free(lcol), g_free(lsty);
  g_free(scol), g_free(snum), g_free(bsc), g_free(bw), g_free(lw), g_free(ssc);
  g_free(text), g_free(sym);
}

static void draw(const fl_plot *p, double x0, double x1, double y0, double y1) {
  pladv(0);
  plvpor(0.1, p->legend_outside ? 0.78 : 0.96, 0.12, 0.9);
  plwind(x0, x1, y0, y1);
  plcol0(COL_SHADE);
  for (guint i = 0; i < p->shades->len; i++) {
    const shade *sh = &g_array_index(p->shades, shade, i);
    double a = tx(p, sh->x0), b = tx(p, sh->x1);
    if (!isfinite(a)) a = x0;
    if (!isfinite(b)) continue;
    PLFLT xs[4] = {MAX(a, x0), MIN(b, x1), MIN(b, x1), MAX(a, x0)}, ys[4] = {y0, y0, y1, y1};
    if (xs[1] > xs[0]) plfill(4, xs, ys);
  }
  plcol0(COL_FG);
  plbox(p->log_x ? "bcnstl" : "bcnst", 0, 0, "bcnstv", 0, 0);
  pllab(p->xlabel, p->ylabel, p->title);
  for (guint i = 0; i < p->series->len; i++)
    draw_series(p, g_ptr_array_index(p->series, i),
                COL_SERIES + (int)i % (N_COLOURS - COL_SERIES));
  legend(p);
}

/* One page of n plots stacked top to bottom (PLplot subpages), or a single plot. */
static bool write_pages(const fl_plot *const *plots, size_t n, const char *path, int width,
                        int height, GError **error) {
  const char *dot = strrchr(path, '.');
  const char *dev = dot && g_ascii_strcasecmp(dot, ".png") == 0   ? "pngcairo"
                    : dot && g_ascii_strcasecmp(dot, ".svg") == 0 ? "svgcairo"
                                                                  : NULL;
  if (!dev) {
    g_set_error(error, FL_PLOT_ERROR, FL_PLOT_ERROR_FORMAT,
                "cannot write plot '%s': expected a name ending in .png or .svg", path);
    return false;
  }
  double (*ext)[4] = g_malloc_n(n ? n : 1, sizeof *ext);
  bool drawable = n > 0;
  for (size_t i = 0; i < n && drawable; i++)
    drawable = extent(plots[i], &ext[i][0], &ext[i][1], &ext[i][2], &ext[i][3]);
  if (!drawable) {
    g_set_error(error, FL_PLOT_ERROR, FL_PLOT_ERROR_EMPTY,
                "cannot write plot '%s': no data to draw", path);
    g_free(ext);
    return false;
  }
  fl_outfile *o = fl_outfile_open(path, "plot", FL_PLOT_ERROR, FL_PLOT_ERROR_WRITE, error);
  if (!o) {
    g_free(ext);
    return false;
  }
  /* PLplot closes the stream it is given at plend: give it its own, on a duplicate of the
   * outfile's descriptor, and let the outfile close (and move into place) its own. */
  FILE *own = NULL;
  int fd = dup(fileno(fl_outfile_stream(o)));
  if (fd >= 0) own = fdopen(fd, "wb");
  if (!own) {
    if (fd >= 0) close(fd);
    g_set_error(error, FL_PLOT_ERROR, FL_PLOT_ERROR_WRITE, "cannot write plot '%s': %s", path,
                g_strerror(errno));
    fl_outfile_close(o, false, NULL);
    g_free(ext);
    return false;
  }
  plsdev(dev);
  plsfile(own);
  plspage(0, 0, width, height, 0, 0);
  plscmap0(pal_r, pal_g, pal_b, N_COLOURS);
  plscol0a(COL_SHADE, pal_r[COL_SHADE], pal_g[COL_SHADE], pal_b[COL_SHADE], 0.5);
  plssub(1, (PLINT)n);
  plinit();
  for (size_t i = 0; i < n; i++) draw(plots[i], ext[i][0], ext[i][1], ext[i][2], ext[i][3]);
  plend();
  g_free(ext);
  return fl_outfile_close(o, true, error);
}

bool fl_plot_write(const fl_plot *p, const char *path, int width, int height, GError **error) {
  return write_pages(&p, 1, path, width, height, error);
}

bool fl_plot_write_stack(const fl_plot *const *plots, size_t n, const char *path, int width,
                         int height, GError **error) {
  return write_pages(plots, n, path, width, height, error);
}
