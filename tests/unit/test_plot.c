/* Unit tests of plots (sim/plot/plot.h) and `faultline plot cdf`: files written whole in the
 * format their name asks for, at the size asked, and every bad input refused with its message
 * and nothing written. */
#include "fl_test.h"
#include "plot.h"

#include <glib/gstdio.h>

#include <string.h>

static char *dir;

static void setup(void) { dir = g_dir_make_tmp("fl-plot-XXXXXX", NULL); }
static void teardown(void) {
  fl_test_rm_rf(dir);
  g_free(dir);
}

static char *in_dir(const char *name) { return g_build_filename(dir, name, NULL); }

/* The width and height a PNG's IHDR chunk states (bytes 16..23, big-endian). */
static void png_size(const char *path, int *w, int *h) {
  char *data = NULL;
  gsize len = 0;
  ck_assert(g_file_get_contents(path, &data, &len, NULL));
  ck_assert_uint_ge(len, 24);
  ck_assert_mem_eq(data, "\x89PNG\r\n\x1a\n", 8);
  const unsigned char *u = (const unsigned char *)data;
  *w = (u[16] << 24) | (u[17] << 16) | (u[18] << 8) | u[19];
  *h = (u[20] << 24) | (u[21] << 16) | (u[22] << 8) | u[23];
  g_free(data);
}

START_TEST(cdf_written_as_png_and_svg) {
  double a[] = {5, 7, NAN, 9, 12}, b[] = {3, 4, 8};
  fl_plot *p = fl_plot_new("Time to elect", "ms", "fraction");
  fl_plot_cdf(p, "150-300 ms", a, 5);
  fl_plot_cdf(p, "12-24 ms", b, 3);
  fl_plot_shade(p, "fault", 4, 6);
  char *png = in_dir("p.png"), *svg = in_dir("p.svg");
  GError *error = NULL;
  ck_assert(fl_plot_write(p, png, 640, 480, &error));
  ck_assert(fl_plot_write(p, svg, 640, 480, &error));
  int w, h;
  png_size(png, &w, &h);
  ck_assert_int_eq(w, 640);
  ck_assert_int_eq(h, 480);
  char *text = NULL;
  ck_assert(g_file_get_contents(svg, &text, NULL, NULL));
  ck_assert_ptr_nonnull(strstr(text, "<svg"));
  ck_assert_ptr_nonnull(strstr(text, "width=\"640"));
  g_free(text);
  fl_plot_free(p);
  g_free(png);
  g_free(svg);
}
END_TEST

/* Panels stacked on one page, each its own axes (a paper figure's top and bottom graphs): the
 * page has the size asked, both panels' titles are in the SVG, and a stack with an empty panel
 * (or none) writes nothing. */
START_TEST(panels_stacked_on_one_page) {
  double a[] = {5, 7, 9}, b[] = {3, 4, 8};
  fl_plot *top = fl_plot_new("upper panel", "ms", "percent");
  fl_plot *bottom = fl_plot_new("lower panel", "ms", "percent");
  fl_plot_cdf(top, "a", a, 3);
  fl_plot_cdf(bottom, "b", b, 3);
  const fl_plot *both[] = {top, bottom};
  char *png = in_dir("s.png"), *svg = in_dir("s.svg");
  GError *error = NULL;
  ck_assert(fl_plot_write_stack(both, 2, png, 400, 600, &error));
  ck_assert(fl_plot_write_stack(both, 2, svg, 400, 600, &error));
  int w, h;
  png_size(png, &w, &h);
  ck_assert_int_eq(w, 400);
  ck_assert_int_eq(h, 600);
  char *text = NULL;
  ck_assert(g_file_get_contents(svg, &text, NULL, NULL));
  ck_assert_ptr_nonnull(strstr(text, "height=\"600"));
  g_free(text);
  ck_assert_int_eq(g_remove(png), 0);
  ck_assert_int_eq(g_remove(svg), 0);

  fl_plot *empty = fl_plot_new("t", "x", "y");
  const fl_plot *with_empty[] = {top, empty};
  ck_assert(!fl_plot_write_stack(with_empty, 2, png, 400, 600, &error));
  char *want = g_strdup_printf("cannot write plot '%s': no data to draw", png);
  ck_assert_str_eq(error->message, want);
  g_clear_error(&error);
  ck_assert(!fl_plot_write_stack(both, 0, png, 400, 600, &error));
  ck_assert_str_eq(error->message, want);
  g_clear_error(&error);
  char *listing = fl_test_listing(dir);
  ck_assert_str_eq(listing, "");
  g_free(listing);
  g_free(want);
  fl_plot_free(top);
  fl_plot_free(bottom);
  fl_plot_free(empty);
  g_free(png);
  g_free(svg);
}
END_TEST

START_TEST(bad_names_and_empty_plots_write_nothing) {
  fl_plot *p = fl_plot_new("t", "x", "y");
  char *pdf = in_dir("p.pdf"), *png = in_dir("p.png");
  GError *error = NULL;
  double x[] = {1, 2}, y[] = {3, 4};
  fl_plot_line(p, "l", x, y, 2);
  ck_assert(!fl_plot_write(p, pdf, 640, 480, &error));
  char *want = g_strdup_printf("cannot write plot '%s': expected a name ending in .png or .svg", pdf);
  ck_assert_str_eq(error->message, want);
  g_clear_error(&error);
  g_free(want);
  fl_plot_free(p);
  p = fl_plot_new("t", "x", "y");
  double nan[] = {NAN};
  fl_plot_cdf(p, "none", nan, 1);
  ck_assert(!fl_plot_write(p, png, 640, 480, &error));
  want = g_strdup_printf("cannot write plot '%s': no data to draw", png);
  ck_assert_str_eq(error->message, want);
  g_clear_error(&error);
  g_free(want);
  char *listing = fl_test_listing(dir);
  ck_assert_str_eq(listing, "");
  g_free(listing);
  fl_plot_free(p);
  g_free(pdf);
  g_free(png);
}
END_TEST

START_TEST(cli_plots_a_csv_column) {
  char *csv = in_dir("s.csv"), *png = in_dir("c.png");
  ck_assert(g_file_set_contents(csv, "seed,t_ns\n1,5000000\n2,\n3,9000000\n", -1, NULL));
  char *args = g_strdup_printf("plot cdf --out %s --scale 1e-6 --size 300x200 --title T "
                               "A=%s:t_ns", png, csv);
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(fl_test_cli(args, &out, &err), 0);
  ck_assert_str_eq(err, "");
  int w, h;
  png_size(png, &w, &h);
  ck_assert_int_eq(w, 300);
  ck_assert_int_eq(h, 200);
  g_free(out), g_free(err), g_free(args);
  g_free(csv);
  g_free(png);
}
END_TEST

/* Runs `faultline plot ARGS` and checks exit status 2, stderr's first line and that the
 * folder holds only what the test put there. */
static void refused(const char *args, const char *first_line, const char *listing) {
  char *out = NULL, *err = NULL;
  ck_assert_int_eq(fl_test_cli(args, &out, &err), 2);
  char *nl = strchr(err, '\n');
  if (nl) *nl = 0;
  ck_assert_str_eq(err, first_line);
  char *l = fl_test_listing(dir);
  ck_assert_str_eq(l, listing);
  g_free(l), g_free(out), g_free(err);
}

START_TEST(cli_input_errors) {
  char *csv = in_dir("s.csv"), *png = in_dir("c.png");
  ck_assert(g_file_set_contents(csv, "seed,t\n1,5\n2,x\n", -1, NULL));
  char *a = g_strdup_printf("plot cdf --out %s A=%s:nope", png, csv);
  char *m = g_strdup_printf("faultline plot: %s:1: expected a column named 'nope' in the header, "
                            "found 'seed,t'", csv);
  refused(a, m, "s.csv\n");
  g_free(a), g_free(m);
  a = g_strdup_printf("plot cdf --out %s A=%s:t", png, csv);
  m = g_strdup_printf("faultline plot: %s:3: expected a number in column 't', found 'x'", csv);
  refused(a, m, "s.csv\n");
  g_free(a), g_free(m);
  a = g_strdup_printf("plot cdf --out %s A%s", png, csv);
  m = g_strdup_printf("faultline plot: expected LABEL=CSV:COLUMN, found 'A%s'", csv);
  refused(a, m, "s.csv\n");
  g_free(a), g_free(m);
  a = g_strdup_printf("plot cdf A=%s:t", csv);
  refused(a, "faultline plot: expected --out FILE.png or --out FILE.svg", "s.csv\n");
  g_free(a);
  a = g_strdup_printf("plot bars --out %s A=%s:t", png, csv);
  refused(a, "faultline plot: expected the kind of plot 'cdf', found 'bars'", "s.csv\n");
  g_free(a);
  g_free(csv);
  g_free(png);
}
END_TEST

int main(void) {
  Suite *s = suite_create("plot");
  TCase *tc = tcase_create("plot");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, cdf_written_as_png_and_svg);
  tcase_add_test(tc, panels_stacked_on_one_page);
  tcase_add_test(tc, bad_names_and_empty_plots_write_nothing);
  tcase_add_test(tc, cli_plots_a_csv_column);
  tcase_add_test(tc, cli_input_errors);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
