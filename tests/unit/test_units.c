/* Tests of the value syntax shared by scenarios and protocol options. */
#include "fl_test.h"
#include "units.h"

#include <string.h>

START_TEST(durations) {
  int64_t ns;
  ck_assert(fl_parse_duration("150ms", &ns, NULL));
  ck_assert_int_eq(ns, 150000000);
  ck_assert(fl_parse_duration("1.5s", &ns, NULL));
  ck_assert_int_eq(ns, 1500000000);
  ck_assert(fl_parse_duration("2min", &ns, NULL));
  ck_assert_int_eq(ns, 120000000000LL);
  ck_assert(fl_parse_duration("4h", &ns, NULL));
  ck_assert_int_eq(ns, 14400000000000LL);
  ck_assert(fl_parse_duration("7ns", &ns, NULL));
  ck_assert_int_eq(ns, 7);
  ck_assert(fl_parse_duration("0.5us", &ns, NULL));
  ck_assert_int_eq(ns, 500);
  GError *e = NULL;
  ck_assert(!fl_parse_duration("10", &ns, &e));
  ck_assert_str_eq(e->message, "expected a duration with a unit (ns, us, ms, s, min, h), found '10'");
  g_clear_error(&e);
  ck_assert(!fl_parse_duration("5 ms", &ns, NULL));
  ck_assert(!fl_parse_duration("5mss", &ns, NULL));
  ck_assert(!fl_parse_duration("-5ms", &ns, NULL));
  ck_assert(!fl_parse_duration("999999999999min", &ns, NULL));
  int64_t lo, hi;
  ck_assert(fl_parse_duration_range("150ms..300ms", &lo, &hi, NULL));
  ck_assert_int_eq(lo, 150000000);
  ck_assert_int_eq(hi, 300000000);
  ck_assert(!fl_parse_duration_range("3s..1s", &lo, &hi, &e));
  ck_assert_str_eq(e->message, "expected a range whose start is not after its end, found '3s..1s'");
  g_clear_error(&e);
}
END_TEST

/* Above the limit (1000000h) is out of range, and said so; not "a unit is missing". */
START_TEST(durations_above_the_limit) {
  int64_t ns, lo, hi;
  GError *e = NULL;
  ck_assert(fl_parse_duration("1000000h", &ns, NULL));
  ck_assert_int_eq(ns, 3600000000000000000LL);
  ck_assert(fl_parse_duration("60000000min", &ns, NULL));
  ck_assert_int_eq(ns, 3600000000000000000LL);
  const char *over[] = {"2562047h", "1000001h", "3600000000000001us", "999999999999min",
                        "99999999999999999999999999999999999999999s"};
  const char *want[] = {"2562047h", "1000001h", "3600000000000001us", "999999999999min",
                        "9999999999999999999999999999999999999999..."};
  for (size_t i = 0; i < G_N_ELEMENTS(over); i++) {
    ck_assert(!fl_parse_duration(over[i], &ns, &e));
    char *msg = g_strdup_printf("expected a duration of at most 1000000h, found '%s'", want[i]);
    ck_assert_str_eq(e->message, msg);
    g_free(msg);
    g_clear_error(&e);
  }
  /* In a range, the end that is out of range is named. */
  ck_assert(!fl_parse_duration_range("0s..2562047h", &lo, &hi, &e));
  ck_assert_str_eq(e->message, "expected a duration of at most 1000000h, found '2562047h'");
  g_clear_error(&e);
  ck_assert(!fl_parse_duration_range("2562047h..1s", &lo, &hi, &e));
  ck_assert_str_eq(e->message, "expected a duration of at most 1000000h, found '2562047h'");
  g_clear_error(&e);
  ck_assert(!fl_parse_duration_range("1s..x", &lo, &hi, &e));
  ck_assert_str_eq(e->message, "expected a duration range such as 150ms..300ms, found '1s..x'");
  g_clear_error(&e);
  const char *end;
  ck_assert(!fl_scan_duration("2562047h..", &ns, &end));
  ck_assert_str_eq(end, "2562047h..");
}
END_TEST

/* Echoed text: whole up to 40 bytes, then cut at a character boundary with "...". */
START_TEST(echo_cuts_long_text) {
  char *s = fl_format_echo("short", -1);
  ck_assert_str_eq(s, "short");
  g_free(s);
  char *forty = g_strnfill(40, 'a');
  s = fl_format_echo(forty, -1);
  ck_assert_str_eq(s, forty);
  g_free(s);
  char *long_text = g_strnfill(3 * 1024 * 1024, 'a');
  s = fl_format_echo(long_text, -1);
  char *want = g_strconcat(forty, "...", NULL);
  ck_assert_str_eq(s, want);
  g_free(s);
  g_free(want);
  s = fl_format_echo(long_text, 7); /* a length, not the terminator */
  ck_assert_str_eq(s, "aaaaaaa");
  g_free(s);
  /* 39 ASCII bytes, then "é" (2 bytes) straddling byte 40: cut before it. */
  char *utf = g_strconcat("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "\xc3\xa9", "zzz", NULL);
  s = fl_format_echo(utf, -1);
  ck_assert_str_eq(s, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...");
  ck_assert(g_utf8_validate(s, -1, NULL));
  g_free(s);
  g_free(utf);
  g_free(long_text);
  g_free(forty);
}
END_TEST

START_TEST(fractions_booleans_integers) {
  double f;
  ck_assert(fl_parse_fraction("20%", &f, NULL));
  ck_assert_double_eq(f, 0.2);
  ck_assert(fl_parse_fraction("0.25", &f, NULL));
  ck_assert_double_eq(f, 0.25);
  GError *e = NULL;
  ck_assert(!fl_parse_fraction("1.5", &f, &e));
  ck_assert_str_eq(e->message,
                   "expected a percentage from 0% to 100% or a fraction from 0 to 1, found '1.5'");
  g_clear_error(&e);
  bool b;
  ck_assert(fl_parse_bool("on", &b, NULL) && b);
  ck_assert(fl_parse_bool("no", &b, NULL) && !b);
  ck_assert(!fl_parse_bool("maybe", &b, &e));
  ck_assert_str_eq(e->message, "expected yes or no, found 'maybe'");
  g_clear_error(&e);
  int64_t v;
  ck_assert(fl_parse_int("-3", -5, 5, &v, NULL));
  ck_assert_int_eq(v, -3);
  ck_assert(!fl_parse_int("9", 1, 5, &v, &e));
  ck_assert_str_eq(e->message, "expected an integer from 1 to 5, found 9");
  g_clear_error(&e);
  /* Beyond 64 bits is out of range, not "not an integer". */
  ck_assert(!fl_parse_int("99999999999999999999", 1, 5, &v, &e));
  ck_assert_str_eq(e->message, "expected an integer from 1 to 5, found 99999999999999999999");
  g_clear_error(&e);
}
END_TEST

START_TEST(formatting) {
  GString *s = g_string_new(NULL);
  fl_format_duration(s, 150000000);
  g_string_append(s, " ");
  fl_format_duration(s, 1500000000);
  g_string_append(s, " ");
  fl_format_duration(s, 120000000000LL);
  g_string_append(s, " ");
  fl_format_duration(s, 7);
  g_string_append(s, " ");
  fl_format_duration(s, 20000);
  g_string_append(s, " ");
  fl_format_duration(s, 3600000000000LL);
  g_string_append(s, " ");
  fl_format_duration(s, 99999000000000LL); /* whole seconds in full, not 1e+05s */
  g_string_append(s, " ");
  fl_format_duration(s, 12590000000LL);
  ck_assert_str_eq(s->str, "150ms 1.5s 2min 7ns 20us 1h 99999s 12.59s");
  g_string_free(s, TRUE);
}
END_TEST

int main(void) {
  Suite *s = suite_create("units");
  TCase *tc = tcase_create("units");
  tcase_add_test(tc, durations);
  tcase_add_test(tc, durations_above_the_limit);
  tcase_add_test(tc, echo_cuts_long_text);
  tcase_add_test(tc, fractions_booleans_integers);
  tcase_add_test(tc, formatting);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
