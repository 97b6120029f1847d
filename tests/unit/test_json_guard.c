/* Tests of json_guard: the nesting scan run before json-glib (exact limit, positions, strings
 * and escapes, json-glib's non-JSON extensions) and the typed member lookup. */
#include "fl_test.h"
#include "lincheck/json_guard.h"

#include <glib.h>
#include <string.h>

/* n opening brackets after `prefix`, then as many closing ones. Newly allocated. */
static char *nested(const char *prefix, int n) {
  GString *s = g_string_new(prefix);
  for (int i = 0; i < n; i++) g_string_append_c(s, i % 2 ? '{' : '[');
  for (int i = n - 1; i >= 0; i--) g_string_append_c(s, i % 2 ? '}' : ']');
  return g_string_free(s, FALSE);
}

static bool ok(const char *text, fl_json_depth_at *at) {
  return fl_json_depth_check(text, strlen(text), at);
}

START_TEST(the_limit_is_exact) {
  ck_assert_int_eq(FL_LIMIT_JSON_DEPTH, 64);
  char *at_limit = nested("", 64), *over = nested("", 65);
  fl_json_depth_at at = {0};
  ck_assert(ok(at_limit, &at));
  ck_assert(!ok(over, &at));
  ck_assert_uint_eq(at.offset, 64);
  ck_assert_uint_eq(at.line, 1);
  ck_assert_uint_eq(at.col, 65);
  ck_assert_str_eq(FL_JSON_DEPTH_MESSAGE,
                   "expected arrays and objects nested at most 64 deep, found one nested deeper");
  g_free(at_limit);
  g_free(over);
}
END_TEST

/* The document that overflowed json-glib's stack: 100,000 '[' (issue 9, item 6). */
START_TEST(a_nesting_bomb_is_stopped_at_the_first_bracket_too_many) {
  char *bomb = g_strnfill(100000, '[');
  fl_json_depth_at at = {0};
  ck_assert(!fl_json_depth_check(bomb, 100000, &at));
  ck_assert_uint_eq(at.offset, 64);
  g_free(bomb);
}
END_TEST

START_TEST(siblings_do_not_add_up) {
  GString *s = g_string_new("[");
  for (int i = 0; i < 1000; i++) g_string_append(s, "[[1]],{\"a\":{}},");
  g_string_append(s, "0]");
  ck_assert(ok(s->str, NULL));
  g_string_free(s, TRUE);
}
END_TEST

START_TEST(lines_and_columns_count_from_one) {
  char *text = nested("{\"a\": 1,\n  \"b\":\n   ", 64);
  fl_json_depth_at at = {0};
  ck_assert(!ok(text, &at)); /* the object is the first level: the 64th '[' is the 65th */
  ck_assert_uint_eq(at.line, 3);
  ck_assert_uint_eq(at.col, 4 + 63);
  ck_assert_uint_eq(at.offset, strlen("{\"a\": 1,\n  \"b\":\n   ") + 63);
  g_free(text);
}
END_TEST

START_TEST(brackets_inside_strings_do_not_count) {
  char *many = g_strnfill(500, '[');
  char *text = g_strdup_printf("[\"%s\", \"\\\"%s\", \"\\\\\", \"%s\\u005b\"]", many, many, many);
  ck_assert(ok(text, NULL));
  g_free(text);
  /* An escaped backslash ends the escape: the quote after it closes the string. */
  char *deep = nested("[\"\\\\\",", 64);
  ck_assert(!ok(deep, NULL));
  g_free(deep);
  /* A newline inside a string still counts as a line. */
  char *lines = nested("[\"a\\\nb\n\",\n", 64);
  fl_json_depth_at at = {0};
  ck_assert(!ok(lines, &at));
  ck_assert_uint_eq(at.line, 4);
  ck_assert_uint_eq(at.col, 64);
  g_free(lines);
  g_free(many);
}
END_TEST

/* json-glib accepts C comments and single-quoted strings, where a '"' would fool a JSON-only
 * scan into seeing a string that hides every bracket after it: from the first ' or / the scan
 * counts every opening bracket. */
START_TEST(json_glib_extensions_cannot_hide_brackets) {
  char *bomb = g_strnfill(100000, '[');
  const char *tricks[] = {"[1, /* \" */ ", "['\"', ", "[1, // \"\n"};
  for (size_t i = 0; i < G_N_ELEMENTS(tricks); i++) {
    char *text = g_strconcat(tricks[i], bomb, NULL);
    fl_json_depth_at at = {0};
    ck_assert_msg(!ok(text, &at), "trick %zu passed", i);
    ck_assert_uint_eq(at.offset, strlen(tricks[i]) + 63);
    g_free(text);
  }
  g_free(bomb);
  /* Shallow text with those extensions passes. */
  ck_assert(ok("['a', /* b */ [1]]", NULL));
}
END_TEST

START_TEST(members_are_typed) {
  JsonParser *p = json_parser_new_immutable();
  ck_assert(json_parser_load_from_data(
      p, "{\"i\": 3, \"s\": \"x\", \"a\": [], \"o\": {}, \"n\": null, \"d\": 1.5, \"b\": true}", -1,
      NULL));
  JsonObject *o = json_node_get_object(json_parser_get_root(p));
  JsonNode *n = NULL;
  const char *found = NULL;
  ck_assert(fl_json_member(o, "i", FL_JSON_INT, false, &n, &found));
  ck_assert_int_eq(json_node_get_int(n), 3);
  ck_assert(fl_json_member(o, "s", FL_JSON_STRING, false, &n, &found));
  ck_assert_str_eq(json_node_get_string(n), "x");
  ck_assert(fl_json_member(o, "a", FL_JSON_ARRAY, false, &n, &found));
  ck_assert(fl_json_member(o, "o", FL_JSON_OBJECT, false, &n, &found));
  ck_assert(fl_json_member(o, "n", FL_JSON_INT, true, &n, &found));
  ck_assert_ptr_null(n);
  ck_assert(fl_json_member(o, "missing", FL_JSON_INT, true, &n, &found));
  ck_assert_ptr_null(n);
  const struct {
    const char *name;
    fl_json_type want;
    const char *found;
  } wrong[] = {{"s", FL_JSON_INT, "a string"},   {"i", FL_JSON_STRING, "an integer"},
               {"o", FL_JSON_ARRAY, "an object"}, {"a", FL_JSON_OBJECT, "an array"},
               {"n", FL_JSON_INT, "null"},        {"d", FL_JSON_INT, "a number"},
               {"b", FL_JSON_STRING, "a boolean"}, {"missing", FL_JSON_INT, "no such member"}};
  for (size_t i = 0; i < G_N_ELEMENTS(wrong); i++) {
    ck_assert(!fl_json_member(o, wrong[i].name, wrong[i].want, false, &n, &found));
    ck_assert_ptr_null(n);
    ck_assert_str_eq(found, wrong[i].found);
  }
  ck_assert_str_eq(fl_json_type_name(FL_JSON_ARRAY), "an array");
  ck_assert_str_eq(fl_json_kind(NULL), "nothing");
  g_object_unref(p);
}
END_TEST

int main(void) {
  Suite *s = suite_create("json_guard");
  TCase *tc = tcase_create("json_guard");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, the_limit_is_exact);
  tcase_add_test(tc, a_nesting_bomb_is_stopped_at_the_first_bracket_too_many);
  tcase_add_test(tc, siblings_do_not_add_up);
  tcase_add_test(tc, lines_and_columns_count_from_one);
  tcase_add_test(tc, brackets_inside_strings_do_not_count);
  tcase_add_test(tc, json_glib_extensions_cannot_hide_brackets);
  tcase_add_test(tc, members_are_typed);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
