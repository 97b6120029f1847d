/* dist: probability distributions over durations, the one place where doubles become
 * nanoseconds.
 *
 * A distribution is a small value type (fl_dist) initialised by one of the constructors and
 * sampled with a component's stream. Sampling rounds to the nearest nanosecond (halves away
 * from zero) and never returns a negative duration. All parameters are in nanoseconds.
 */
#ifndef FL_DIST_H
#define FL_DIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include <gsl/gsl_randist.h>
#include "rng.h"

typedef enum fl_dist_kind {
  FL_DIST_CONSTANT,
  FL_DIST_UNIFORM,     /* a = low, b = high */
  FL_DIST_NORMAL,      /* a = mean, b = standard deviation; truncated at zero by resampling */
  FL_DIST_EXPONENTIAL, /* a = mean */
  FL_DIST_LOGNORMAL,   /* a = mean, b = standard deviation of the distribution itself */
  FL_DIST_PARETO,      /* a = scale (the minimum), b = shape */
  FL_DIST_EMPIRICAL    /* a table of values with weights */
} fl_dist_kind;

typedef struct fl_dist {
  fl_dist_kind kind;
  double a, b;
  /* Lognormal: the underlying normal's mu and sigma, derived once. */
  double mu, sigma;
  /* Empirical: values (ns), their normalised weights and GSL's lookup table; owned. */
  double *values;
  double *weights;
  size_t n_values;
  gsl_ran_discrete_t *table;
} fl_dist;

#define FL_DIST_ERROR (fl_dist_error_quark())
GQuark fl_dist_error_quark(void);
typedef enum { FL_DIST_ERROR_PARAM } fl_dist_error;

/* Each constructor fills *d (caller's storage, released with fl_dist_clear) or returns false
 * with an error saying which parameter is out of range. */
void fl_dist_init_constant(fl_dist *d, double value_ns);
bool fl_dist_init_uniform(fl_dist *d, double low_ns, double high_ns, GError **error);
bool fl_dist_init_normal(fl_dist *d, double mean_ns, double sd_ns, GError **error);
bool fl_dist_init_exponential(fl_dist *d, double mean_ns, GError **error);
bool fl_dist_init_lognormal(fl_dist *d, double mean_ns, double sd_ns, GError **error);
bool fl_dist_init_pareto(fl_dist *d, double scale_ns, double shape, GError **error);
/* Copies `values` and `weights` (n entries, weights > 0, not necessarily normalised). */
bool fl_dist_init_empirical(fl_dist *d, const double *values_ns, const double *weights, size_t n,
                            GError **error);

/* Deep copy into caller's storage. */
void fl_dist_copy(fl_dist *dst, const fl_dist *src);
void fl_dist_clear(fl_dist *d);

/* One draw in whole nanoseconds, >= 0. */
int64_t fl_dist_sample_ns(const fl_dist *d, fl_rng *r);
/* One draw before rounding (for the distribution tests). */
double fl_dist_sample(const fl_dist *d, fl_rng *r);

/* The theoretical mean and variance (variance may be INFINITY, e.g. pareto with shape <= 2). */
double fl_dist_mean(const fl_dist *d);
double fl_dist_variance(const fl_dist *d);

/* A short human form such as "lognormal(mean=2ms, sd=1ms)", appended to out. */
void fl_dist_describe(const fl_dist *d, GString *out);

#endif
