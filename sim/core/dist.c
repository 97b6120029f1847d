/* dist: duration distributions sampled with GSL (see dist.h).
 *
 * Rounding happens in one place, fl_dist_sample_ns: llround (halves away from zero) of a draw
 * clamped at zero. The normal is truncated at zero by resampling, up to 64 times; a
 * distribution with so little mass above zero is rejected at construction (mean must be > 0),
 * so the bound is never reached in practice, and 0 is returned if it is.
 */
#include "dist.h"
#include "units.h"
#include "rng_gsl.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

G_DEFINE_QUARK(fl-dist-error-quark, fl_dist_error)

static bool param_error(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static bool param_error(GError **error, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error_literal(error, FL_DIST_ERROR, FL_DIST_ERROR_PARAM, msg);
  g_free(msg);
  return false;
}

static char *dur(double ns) {
  GString *s = g_string_new(NULL);
  fl_format_duration(s, (int64_t)llround(ns));
  return g_string_free(s, FALSE);
}

static void init(fl_dist *d, fl_dist_kind kind, double a, double b) {
  memset(d, 0, sizeof *d);
  d->kind = kind;
  d->a = a;
  d->b = b;
}

void fl_dist_init_constant(fl_dist *d, double value_ns) {
  init(d, FL_DIST_CONSTANT, value_ns < 0 ? 0 : value_ns, 0);
}

bool fl_dist_init_uniform(fl_dist *d, double low_ns, double high_ns, GError **error) {
  if (!(low_ns >= 0) || !(high_ns >= low_ns)) {
    char *lo = dur(low_ns), *hi = dur(high_ns);
    param_error(error, "expected 0 <= low <= high in uniform(low, high), found uniform(%s, %s)",
                lo, hi);
    g_free(lo);
    g_free(hi);
    return false;
  }
  init(d, FL_DIST_UNIFORM, low_ns, high_ns);
  return true;
}

bool fl_dist_init_normal(fl_dist *d, double mean_ns, double sd_ns, GError **error) {
  if (!(mean_ns > 0)) {
    char *m = dur(mean_ns);
    param_error(error, "expected mean > 0 in normal(mean, sd), found %s", m);
    g_free(m);
    return false;
  }
  if (!(sd_ns >= 0)) {
    char *s = dur(sd_ns);
    param_error(error, "expected sd >= 0 in normal(mean, sd), found %s", s);
    g_free(s);
    return false;
  }
  init(d, FL_DIST_NORMAL, mean_ns, sd_ns);
  return true;
}

bool fl_dist_init_exponential(fl_dist *d, double mean_ns, GError **error) {
  if (!(mean_ns > 0)) {
    char *m = dur(mean_ns);
    param_error(error, "expected mean > 0 in exponential(mean), found %s", m);
    g_free(m);
    return false;
  }
  init(d, FL_DIST_EXPONENTIAL, mean_ns, 0);
  return true;
}

bool fl_dist_init_lognormal(fl_dist *d, double mean_ns, double sd_ns, GError **error) {
  if (!(mean_ns > 0) || !(sd_ns >= 0)) {
    char *m = dur(mean_ns), *s = dur(sd_ns);
    param_error(error, "expected mean > 0 and sd >= 0 in lognormal(mean, sd), found "
                       "lognormal(mean=%s, sd=%s)", m, s);
    g_free(m);
    g_free(s);
    return false;
  }
  init(d, FL_DIST_LOGNORMAL, mean_ns, sd_ns);
  /* The underlying normal whose exponential has this mean and standard deviation. */
  d->sigma = sqrt(log1p((sd_ns * sd_ns) / (mean_ns * mean_ns)));
  d->mu = log(mean_ns) - d->sigma * d->sigma / 2;
  return true;
}

bool fl_dist_init_pareto(fl_dist *d, double scale_ns, double shape, GError **error) {
  if (!(scale_ns > 0) || !(shape > 0)) {
    char *s = dur(scale_ns);
    param_error(error, "expected scale > 0 and shape > 0 in pareto(scale, shape), found "
                       "pareto(scale=%s, shape=%g)", s, shape);
    g_free(s);
    return false;
  }
  init(d, FL_DIST_PARETO, scale_ns, shape);
  return true;
}

bool fl_dist_init_empirical(fl_dist *d, const double *values_ns, const double *weights, size_t n,
                            GError **error) {
  if (n == 0) return param_error(error, "expected at least one value in empirical(...)");
  for (size_t i = 0; i < n; i++) {
    if (!(values_ns[i] >= 0)) {
      char *v = dur(values_ns[i]);
      param_error(error, "expected values >= 0 in empirical(...), found %s", v);
      g_free(v);
      return false;
    }
    if (!(weights[i] > 0))
      return param_error(error, "expected weights > 0 in empirical(...), found %g", weights[i]);
  }
  gsl_ran_discrete_t *t = gsl_ran_discrete_preproc(n, weights);
  if (!t) return param_error(error, "expected a valid weight table in empirical(...)");
  init(d, FL_DIST_EMPIRICAL, 0, 0);
  d->values = g_memdup2(values_ns, n * sizeof *values_ns);
  d->n_values = n;
  d->table = t;
  /* Keep normalised weights in b-less form: mean and variance are computed from them. */
  double total = 0;
  for (size_t i = 0; i < n; i++) total += weights[i];
  d->weights = g_new(double, n);
  for (size_t i = 0; i < n; i++) d->weights[i] = weights[i] / total;
  return true;
}

void fl_dist_copy(fl_dist *dst, const fl_dist *src) {
  *dst = *src;
  if (src->kind == FL_DIST_EMPIRICAL) {
    double *w = g_new(double, src->n_values);
    for (size_t i = 0; i < src->n_values; i++) w[i] = src->weights[i];
    dst->values = g_memdup2(src->values, src->n_values * sizeof *src->values);
    dst->weights = w;
    dst->table = gsl_ran_discrete_preproc(src->n_values, w);
  }
}

void fl_dist_clear(fl_dist *d) {
  if (!d) return;
  g_free(d->values);
  g_free(d->weights);
  if (d->table) gsl_ran_discrete_free(d->table);
  memset(d, 0, sizeof *d);
  d->kind = FL_DIST_CONSTANT;
}

double fl_dist_sample(const fl_dist *d, fl_rng *r) {
  gsl_rng *g = fl_rng_gsl(r);
  switch (d->kind) {
  case FL_DIST_CONSTANT: return d->a;
  case FL_DIST_UNIFORM: return d->a == d->b ? d->a : gsl_ran_flat(g, d->a, d->b);
  case FL_DIST_NORMAL:
    for (int i = 0; i < 64; i++) {
      double x = d->a + gsl_ran_gaussian_ziggurat(g, d->b);
      if (x >= 0) return x;
    }
    return 0;
  case FL_DIST_EXPONENTIAL: return gsl_ran_exponential(g, d->a);
  /* Latency is drawn for every message: GSL's ziggurat Gaussian rather than its Box-Muller
   * one that gsl_ran_lognormal uses, for the same distribution at a fraction of the cost. */
  case FL_DIST_LOGNORMAL:
    return d->sigma == 0 ? d->a : exp(d->mu + gsl_ran_gaussian_ziggurat(g, d->sigma));
  case FL_DIST_PARETO: return gsl_ran_pareto(g, d->b, d->a);
  case FL_DIST_EMPIRICAL: return d->values[gsl_ran_discrete(g, d->table)];
  }
  return 0;
}

int64_t fl_dist_sample_ns(const fl_dist *d, fl_rng *r) {
  double x = fl_dist_sample(d, r);
  if (!(x > 0)) return 0;
  if (x >= 9.2e18) return INT64_MAX / 2;
  return (int64_t)llround(x);
}

double fl_dist_mean(const fl_dist *d) {
  switch (d->kind) {
  case FL_DIST_CONSTANT: return d->a;
  case FL_DIST_UNIFORM: return (d->a + d->b) / 2;
  case FL_DIST_NORMAL: {
    if (d->b == 0) return d->a;
    /* Truncated at zero: mean + sd * phi(alpha) / (1 - Phi(alpha)), alpha = -mean/sd. */
    double alpha = -d->a / d->b;
    return d->a + d->b * gsl_ran_ugaussian_pdf(alpha) / gsl_cdf_ugaussian_Q(alpha);
  }
  case FL_DIST_EXPONENTIAL: return d->a;
  case FL_DIST_LOGNORMAL: return d->a;
  case FL_DIST_PARETO: return d->b > 1 ? d->b * d->a / (d->b - 1) : INFINITY;
  case FL_DIST_EMPIRICAL: {
    double m = 0;
    for (size_t i = 0; i < d->n_values; i++) m += d->weights[i] * d->values[i];
    return m;
  }
  }
  return 0;
}

double fl_dist_variance(const fl_dist *d) {
  switch (d->kind) {
  case FL_DIST_CONSTANT: return 0;
  case FL_DIST_UNIFORM: return (d->b - d->a) * (d->b - d->a) / 12;
  case FL_DIST_NORMAL: {
    if (d->b == 0) return 0;
    double alpha = -d->a / d->b, lambda = gsl_ran_ugaussian_pdf(alpha) / gsl_cdf_ugaussian_Q(alpha);
    return d->b * d->b * (1 + alpha * lambda - lambda * lambda);
  }
  case FL_DIST_EXPONENTIAL: return d->a * d->a;
  case FL_DIST_LOGNORMAL: return d->b * d->b;
  case FL_DIST_PARETO:
    return d->b > 2 ? d->a * d->a * d->b / ((d->b - 1) * (d->b - 1) * (d->b - 2)) : INFINITY;
  case FL_DIST_EMPIRICAL: {
    double m = fl_dist_mean(d), v = 0;
    for (size_t i = 0; i < d->n_values; i++)
      v += d->weights[i] * (d->values[i] - m) * (d->values[i] - m);
    return v;
  }
  }
  return 0;
}

void fl_dist_describe(const fl_dist *d, GString *out) {
  switch (d->kind) {
  case FL_DIST_CONSTANT:
    g_string_append(out, "constant(");
    fl_format_duration(out, (int64_t)llround(d->a));
    break;
  case FL_DIST_UNIFORM:
    g_string_append(out, "uniform(");
    fl_format_duration(out, (int64_t)llround(d->a));
    g_string_append(out, ", ");
    fl_format_duration(out, (int64_t)llround(d->b));
    break;
  case FL_DIST_NORMAL:
  case FL_DIST_LOGNORMAL:
    g_string_append(out, d->kind == FL_DIST_NORMAL ? "normal(mean=" : "lognormal(mean=");
    fl_format_duration(out, (int64_t)llround(d->a));
    g_string_append(out, ", sd=");
    fl_format_duration(out, (int64_t)llround(d->b));
    break;
  case FL_DIST_EXPONENTIAL:
    g_string_append(out, "exponential(mean=");
    fl_format_duration(out, (int64_t)llround(d->a));
    break;
  case FL_DIST_PARETO:
    g_string_append(out, "pareto(scale=");
    fl_format_duration(out, (int64_t)llround(d->a));
    g_string_append_printf(out, ", shape=%g", d->b);
    break;
  case FL_DIST_EMPIRICAL:
    g_string_append(out, "empirical(");
    for (size_t i = 0; i < d->n_values; i++) {
      if (i) g_string_append(out, ", ");
      fl_format_duration(out, (int64_t)llround(d->values[i]));
      g_string_append_printf(out, " %g%%", d->weights[i] * 100);
    }
    break;
  }
  g_string_append(out, ")");
}
