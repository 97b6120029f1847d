/* units: parsing and printing the value syntax scenarios and protocol options share.
 *
 * Durations are an integer or decimal number followed by a unit: ns, us, ms, s, min, h
 * ("150ms", "1.5s"); the result is rounded to the nearest nanosecond. Fractions are a
 * percentage ("20%", "0.5%") or a plain number in [0, 1] ("0.2"). Booleans are yes/no,
 * true/false, on/off. Parsers take the whole string (no surrounding spaces) and, on failure,
 * return false with a message saying what was expected and what was found (no position: the
 * caller prefixes FILE:LINE:COL).
 */
#ifndef FL_UNITS_H
#define FL_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#define FL_UNITS_ERROR (fl_units_error_quark())
GQuark fl_units_error_quark(void);
typedef enum { FL_UNITS_ERROR_PARSE } fl_units_error;

/* At most FL_LIMIT_DURATION_NS; a larger one is "expected a duration of at most 1000000h". */
bool fl_parse_duration(const char *s, int64_t *out_ns, GError **error);
/* "A..B" with A <= B. */
bool fl_parse_duration_range(const char *s, int64_t *lo_ns, int64_t *hi_ns, GError **error);
bool fl_parse_fraction(const char *s, double *out, GError **error);
bool fl_parse_bool(const char *s, bool *out, GError **error);
/* A decimal integer in [min, max]. */
bool fl_parse_int(const char *s, int64_t min, int64_t max, int64_t *out, GError **error);

/* Prefix-only duration scan: reads a duration at the start of s, sets *end past it. Returns
 * false (leaving *end = s) if s does not start with one, or with one above the limit. For
 * parsers that tokenise. */
bool fl_scan_duration(const char *s, int64_t *out_ns, const char **end);

/* Input text as an error message echoes it ("found '%s'"): the first FL_LIMIT_ECHO_BYTES bytes
 * (cut at a UTF-8 character boundary) and "..." when longer. len < 0: s is NUL-terminated.
 * Newly allocated (g_free). */
char *fl_format_echo(const char *s, gssize len);

/* Appends a duration in the largest unit that keeps it short and exact enough: "1.5s", "150ms",
 * "20us", "7ns". */
void fl_format_duration(GString *out, int64_t ns);

#endif
