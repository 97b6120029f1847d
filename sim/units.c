/* units: the value syntax shared by scenarios and protocol options. */
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK(fl-units-error-quark, fl_units_error)

typedef struct unit {
  const char *name;
  double ns;
} unit;

/* Longest names first so "ms" is not read as "m" + garbage and "min" before "ms". */
static const unit units[] = {
    {"min", 60e9}, {"ns", 1.0}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"h", 3600e9},
};

bool fl_scan_duration(const char *s, int64_t *out_ns, const char **end) {
  *end = s;
  const char *p = s;
  if (!g_ascii_isdigit(*p)) return false;
  while (g_ascii_isdigit(*p)) p++;
  if (*p == '.' && g_ascii_isdigit(p[1])) {
    p++;
    while (g_ascii_isdigit(*p)) p++;
  }
  /* g_ascii_strtod is locale-independent, unlike strtod. */
  char *num_end = NULL;
  double v = g_ascii_strtod(s, &num_end);
  if (num_end != p) return false;
  for (size_t i = 0; i < G_N_ELEMENTS(units); i++) {
    size_t n = strlen(units[i].name);
    if (strncmp(p, units[i].name, n) == 0 && !g_ascii_isalpha(p[n])) {
      double ns = v * units[i].ns;
      if (!(ns < 9.2e18)) return false;
      *out_ns = (int64_t)llround(ns);
      *end = p + n;
      return true;
    }
  }
  return false;
}

bool fl_parse_duration(const char *s, int64_t *out_ns, GError **error) {
  const char *end;
  int64_t v;
  if (!fl_scan_duration(s, &v, &end) || *end != '\0') {
    g_set_error(error, FL_UNITS_ERROR, FL_UNITS_ERROR_PARSE,
                "expected a duration with a unit (ns, us, ms, s, min, h), found '%s'", s);
    return false;
  }
  *out_ns = v;
  return true;
}

bool fl_parse_duration_range(const char *s, int64_t *lo_ns, int64_t *hi_ns, GError **error) {
  const char *end;
  int64_t lo, hi;
  if (!fl_scan_duration(s, &lo, &end) || strncmp(end, "..", 2) != 0 ||
      !fl_scan_duration(end + 2, &hi, &end) || *end != '\0') {
    g_set_error(error, FL_UNITS_ERROR, FL_UNITS_ERROR_PARSE,
                "expected a duration range such as 150ms..300ms, found '%s'", s);
    return false;
  }
  if (lo > hi) {
    g_set_error(error, FL_UNITS_ERROR, FL_UNITS_ERROR_PARSE,
                "expected a range whose start is not after its end, found '%s'", s);
    return false;
  }
  *lo_ns = lo;
  *hi_ns = hi;
  return true;
}

bool fl_parse_fraction(const char *s, double *out, GError **error) {
  char *end = NULL;
  double v = g_ascii_strtod(s, &end);
  bool ok = end != s && g_ascii_isdigit(*s);
  if (ok && *end == '%' && end[1] == '\0') {
    v /= 100.0;
  } else if (!(ok && *end == '\0')) {
    ok = false;
  }
  if (!ok || !(v >= 0.0 && v <= 1.0)) {
    g_set_error(error, FL_UNITS_ERROR, FL_UNITS_ERROR_PARSE,
                "expected a percentage from 0%% to 100%% or a fraction from 0 to 1, found '%s'",
                s);
    return false;
  }
  *out = v;
  return true;
}

bool fl_parse_bool(const char *s, bool *out, GError **error) {
  static const char *yes[] = {"yes", "true", "on"}, *no[] = {"no", "false", "off"};
  for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
    if (strcmp(s, yes[i]) == 0) return *out = true, true;
    if (strcmp(s, no[i]) == 0) return *out = false, true;
  }
  g_set_error(error, FL_UNITS_ERROR, FL_UNITS_ERROR_PARSE,
              "expected yes or no, found '%s'", s);
  return false;
}

bool fl_parse_int(const char *s, int64_t min, int64_t max, int64_t *out, GError **error) {
  char *end = NULL;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (end == s || *end != '\0' || errno == ERANGE || !(g_ascii_isdigit(*s) || *s == '-')) {
    g_set_error(error, FL_UNITS_ERROR, FL_UNITS_ERROR_PARSE, "expected an integer, found '%s'",
                s);
    return false;
  }
  if (v < min || v > max) {
    g_set_error(error, FL_UNITS_ERROR, FL_UNITS_ERROR_PARSE,
                "expected an integer from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
                ", found %lld",
                min, max, v);
    return false;
  }
  *out = v;
  return true;
}

void fl_format_duration(GString *out, int64_t ns) {
  int64_t a = ns < 0 ? -ns : ns;
  if (a >= 3600000000000LL && a % 3600000000000LL == 0)
    g_string_append_printf(out, "%" G_GINT64_FORMAT "h", (gint64)(ns / 3600000000000LL));
  else if (a >= 60000000000LL && a % 60000000000LL == 0)
    g_string_append_printf(out, "%" G_GINT64_FORMAT "min", (gint64)(ns / 60000000000LL));
  else if (a >= 1000000000LL)
    g_string_append_printf(out, "%.4gs", (double)ns / 1e9);
  else if (a >= 1000000LL)
    g_string_append_printf(out, "%.4gms", (double)ns / 1e6);
  else if (a >= 1000LL)
    g_string_append_printf(out, "%.4gus", (double)ns / 1e3);
  else
    g_string_append_printf(out, "%" G_GINT64_FORMAT "ns", ns);
}
