/* plot: charts a person reads (CDFs, values over time, scatter), written as PNG or SVG by
 * PLplot's cairo driver: the figures of results/ and, later, of the CAP report.
 *
 * A plot is built up (series, shaded windows, axis options) and written once or more; the
 * format follows the file name (.png or .svg). Writing goes through sim/core/outfile.h, so a
 * failed write leaves no partial file. Data are copied in, so callers keep ownership of their
 * arrays. PLplot keeps global state: write plots from one thread at a time.
 */
#ifndef FL_PLOT_H
#define FL_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

#define FL_PLOT_ERROR (fl_plot_error_quark())
GQuark fl_plot_error_quark(void);
typedef enum fl_plot_error_code { FL_PLOT_ERROR_FORMAT, FL_PLOT_ERROR_WRITE, FL_PLOT_ERROR_EMPTY } fl_plot_error_code;

typedef struct fl_plot fl_plot;

/* A plot with a title and axis labels (copied). Newly allocated; fl_plot_free. */
fl_plot *fl_plot_new(const char *title, const char *xlabel, const char *ylabel);
void fl_plot_free(fl_plot *p);

/* A line through (x[i], y[i]), in the order given. */
void fl_plot_line(fl_plot *p, const char *label, const double *x, const double *y, size_t n);
/* Unconnected points (a scatter). */
void fl_plot_points(fl_plot *p, const char *label, const double *x, const double *y, size_t n);
/* The empirical cumulative distribution of `values` (any order; NaNs skipped) as a step
 * line: y = the fraction of values <= x, from 0 to 1. */
void fl_plot_cdf(fl_plot *p, const char *label, const double *values, size_t n);
/* A shaded band over x in [x0, x1] behind the data (a fault window), labelled in the legend
 * once per distinct label. */
void fl_plot_shade(fl_plot *p, const char *label, double x0, double x1);

/* Axis options: a logarithmic x axis (values <= 0 are left out), and fixed ranges (NaN for
 * either end: from the data). */
void fl_plot_log_x(fl_plot *p, bool on);
/* The legend right of the axes (which narrow to make room) rather than inside them, over the
 * data; and the size of point symbols (PLplot's scale, 0.6 by default). */
void fl_plot_legend_outside(fl_plot *p, bool on);
void fl_plot_point_size(fl_plot *p, double scale);
void fl_plot_x_range(fl_plot *p, double lo, double hi);
void fl_plot_y_range(fl_plot *p, double lo, double hi);

/* Writes the plot to `path`, PNG or SVG by its extension, width x height pixels. Errors:
 * an unknown extension, a plot with no data, or the write failing ("cannot write plot
 * 'PATH': REASON"). */
bool fl_plot_write(const fl_plot *p, const char *path, int width, int height, GError **error);
/* The same for n plots (borrowed) stacked top to bottom on one page, each its own axes, as a
 * figure's panels; an error also when n is 0 or any plot has no data. */
bool fl_plot_write_stack(const fl_plot *const *plots, size_t n, const char *path, int width,
                         int height, GError **error);

#endif
