/* units: the value syntax shared by scenarios and protocol options. */
#include "units.h"
#include "fl_limits.h"

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

char *fl_format_echo(const char *s, gssize len) {
  size_t n = len < 0 ? strlen(s) : (size_t)len;
  if (n <= FL_LIMIT_ECHO_BYTES) return g_strndup(s, n);
  /* Cut at a character boundary: never half of a UTF-8 sequence. */
  size_t cut = FL_LIMIT_ECHO_BYTES;
  while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80) cut--;
  return g_strdup_printf("%.*s...", (int)cut, s);
}

typedef enum scan_result { SCAN_NONE, SCAN_OK, SCAN_TOO_LARGE } scan_result;

/* Reads a duration at the start of s. SCAN_TOO_LARGE: well-formed (number and unit, *end past
 * it) but above FL_LIMIT_DURATION_NS. */
static scan_result scan(const char *s, int64_t *out_ns, const char **end) {
  *end = s;
  const char *p = s;
  if (!g_ascii_isdigit(*p)) return SCAN_NONE;
  while (g_ascii_isdigit(*p)) p++;
  if (*p == '.' && g_ascii_isdigit(p[1])) {
    p++;
    while (g_ascii_isdigit(*p)) p++;
  }
  /* g_ascii_strtod is locale-independent, unlike strtod. A long run of digits overflows to
   * HUGE_VAL, which the limit below rejects as too large, as it is. */
  char *num_end = NULL;
  double v = g_ascii_strtod(s, &num_end);
  if (num_end != p) return SCAN_NONE;
  for (size_t i = 0; i < G_N_ELEMENTS(units); i++) {
    size_t n = strlen(units[i].name);
    if (strncmp(p, units[i].name, n) == 0 && !g_ascii_isalpha(p[n])) {
      double ns = v * units[i].ns;
      *end = p + n;
      /* The limit is exact in a double (3.6e18 = 2^19 * 9 * 5^17); near it a double steps by
       * 512 ns, so "at most the limit" is decided to that precision, far below any unit. */
      if (!(ns <= (double)FL_LIMIT_DURATION_NS)) return SCAN_TOO_LARGE;
      *out_ns = (int64_t)llround(ns);
      return SCAN_OK;
    }
  }
  return SCAN_NONE;
}

bool fl_scan_duration(const char *s, int64_t *out_ns, const char **end) {
  if (scan(s, out_ns, end) == SCAN_OK) return true;
  *end = s;
  return false;
}

/* Parses the duration that is all of s[0, len). On failure: *too_large tells a well-formed
 * duration above the limit (with its message set) from anything else (no message). */
static bool parse_one(const char *s, size_t len, int64_t *out_ns, bool *too_large, GError **error) {
  const char *end;
  int64_t v = 0;
  scan_result r = scan(s, &v, &end);
  *too_large = r == SCAN_TOO_LARGE && end == s + len;
  if (*too_large) {
    char *echo = fl_format_echo(s, (gssize)len);
    g_set_error(error, FL_UNITS_ERROR, FL_UNITS_ERROR_PARSE,
                "expected a duration of at most " FL_LIMIT_DURATION_TEXT ", found '%s'", echo);
    g_free(echo);
    return false;
  }
  if (r != SCAN_OK || end != s + len) return false;
  *out_ns = v;
  return true;
}

bool fl_parse_duration(const char *s, int64_t *out_ns, GError **error) {
  bool too_large;
  if (parse_one(s, strlen(s), out_ns, &too_large, error)) return true;
  if (!too_large) {
    char *echo = fl_format_echo(s, -1);
    g_set_error(error, FL_UNITS_ERROR, FL_UNITS_ERROR_PARSE,
                "expected a duration with a unit (ns, us, ms, s, min, h), found '%s'", echo);
    g_free(echo);
  }
  return false;
}

bool fl_parse_duration_range(const char *s, int64_t *lo_ns, int64_t *hi_ns, GError **error) {
  const char *dots = strstr(s, "..");
  int64_t lo = 0, hi = 0;
  bool too_large = false;
  /* Each end is read on its own, so an end above the limit is named as such. */
  bool ok = dots && parse_one(s, (size_t)(dots - s), &lo, &too_large, error) &&
            parse_one(dots + 2, strlen(dots + 2), &hi, &too_large, error);
  if (!ok) {
    if (!too_large) {
      char *echo = fl_format_echo(s, -1);
      g_set_error(error, FL_UNITS_ERROR, FL_UNITS_ERROR_PARSE,
                  "expected a duration range such as 150ms..300ms, found '%s'", echo);
      g_free(echo);
    }
    return false;
  }
  if (lo > hi) {
    char *echo = fl_format_echo(s, -1);
    g_set_error(error, FL_UNITS_ERROR, FL_UNITS_ERROR_PARSE,
                "expected a range whose start is not after its end, found '%s'", echo);
    g_free(echo);
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
    char *echo = fl_format_echo(s, -1);
    g_set_error(error, FL_UNITS_ERROR, FL_UNITS_ERROR_PARSE,
                "expected a percentage from 0%% to 100%% or a fraction from 0 to 1, found '%s'",
                echo);
    g_free(echo);
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
  char *echo = fl_format_echo(s, -1);
  g_set_error(error, FL_UNITS_ERROR, FL_UNITS_ERROR_PARSE, "expected yes or no, found '%s'", echo);
  g_free(echo);
  return false;
}

bool fl_parse_int(const char *s, int64_t min, int64_t max, int64_t *out, GError **error) {
  char *end = NULL;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (end == s || *end != '\0' || !(g_ascii_isdigit(*s) || *s == '-')) {
    char *echo = fl_format_echo(s, -1);
    g_set_error(error, FL_UNITS_ERROR, FL_UNITS_ERROR_PARSE, "expected an integer, found '%s'",
                echo);
    g_free(echo);
    return false;
  }
  /* Beyond 64 bits is out of range too, and said so: not "expected an integer". */
  if (errno == ERANGE || v < min || v > max) {
    char *echo = fl_format_echo(s, -1);
    g_set_error(error, FL_UNITS_ERROR, FL_UNITS_ERROR_PARSE,
                "expected an integer from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
                ", found %s",
                min, max, echo);
    g_free(echo);
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
  else if (a >= 1000000000LL && a % 1000000000LL == 0)
    /* Whole seconds in full: "%.4g" would print 99999s and 100000s both as "1e+05s". */
    g_string_append_printf(out, "%" G_GINT64_FORMAT "s", (gint64)(ns / 1000000000LL));
  else if (a >= 1000000000LL)
    g_string_append_printf(out, "%.4gs", (double)ns / 1e9);
  else if (a >= 1000000LL)
    g_string_append_printf(out, "%.4gms", (double)ns / 1e6);
  else if (a >= 1000LL)
    g_string_append_printf(out, "%.4gus", (double)ns / 1e3);
  else
    g_string_append_printf(out, "%" G_GINT64_FORMAT "ns", ns);
}
