/* faultline viz: the timeline of a trace in a window, or drawn into a PNG file. */
#include "cli.h"
#include "units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef FL_HAVE_VIZ
#include "viz/render.h"
#include "viz/viz.h"

static bool parse_time(const char *opt, const char *s, int64_t *out, GError **error) {
  GError *inner = NULL;
  if (fl_parse_duration(s, out, &inner)) return true;
  g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_INPUT, "%s: %s", opt, inner->message);
  g_error_free(inner);
  return false;
}

static bool parse_px(const char *opt, const char *s, int *out, GError **error) {
  char *end = NULL;
  long v = s ? strtol(s, &end, 10) : 0;
  if (!s || !*s || *end || v <= 0 || v > 1000000) {
    g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_INPUT,
                "%s: expected a number of pixels, found '%s'", opt, s ? s : "");
    return false;
  }
  *out = (int)v;
  return true;
}

int fl_cli_viz(int argc, char **argv) {
  char *report = NULL, *png = NULL, *from = NULL, *to = NULL, *width = NULL, *height = NULL;
  char *shots = NULL;
  GOptionEntry entries[] = {
      {"report", 0, 0, G_OPTION_ARG_FILENAME, &report,
       "The run's JSON report (faultline run --report): outline a failed linearizability "
       "check's counterexample", "REPORT.json"},
      {"png", 0, 0, G_OPTION_ARG_FILENAME, &png, "Draw into a PNG file instead of a window "
       "(no display needed)", "OUT.png"},
      {"from", 0, 0, G_OPTION_ARG_STRING, &from, "Start of the view (default 0), e.g. 4.9s", "T"},
      {"to", 0, 0, G_OPTION_ARG_STRING, &to, "End of the view (default: the end of the run)", "T"},
      {"width", 0, 0, G_OPTION_ARG_STRING, &width, "Width in pixels (PNG 1280, window 1280)", "W"},
      {"height", 0, 0, G_OPTION_ARG_STRING, &height, "Height in pixels (PNG 720, window 800)",
       "H"},
      {"screenshot", 0, 0, G_OPTION_ARG_FILENAME, &shots,
       "Window: F12 saves PREFIX-1.png, PREFIX-2.png, ... (default faultline-viz); given, the "
       "window also prints each screenshot and each cursor move on stdout, for scripts",
       "PREFIX"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *oc = g_option_context_new("TRACE - see a run: its timeline in a window or a PNG");
  g_option_context_add_main_entries(oc, entries, NULL);
  GString *keys = g_string_new("Keys in the window:\n");
  size_t n;
  const char *const *lines = fl_viz_help_lines(&n);
  for (size_t i = 0; i < n; i++) g_string_append_printf(keys, "  %s\n", lines[i]);
  g_string_append(keys, "\nLanes: one per node (coloured by role and term from its describe line) "
                        "and per client (operations\ngreen ok, red fail, amber unknown). Arrows: "
                        "messages (red with a cross: dropped; purple:\nduplicated; grey: in "
                        "flight at the end). Partitions: a stripe per lane in its side's colour;\n"
                        "crashed: dark grey; paused: yellow; cuts: a red stripe. Many messages in "
                        "view are drawn\nas per-lane densities; zoom in for arrows.\n\n"
                        "Exit status: 0 done, 2 usage or input error (the message names the file).");
  g_option_context_set_description(oc, keys->str);
  g_string_free(keys, TRUE);
  GError *error = NULL;
  int rc = 2;
  fl_viz_opts o;
  fl_viz_opts_init(&o);
  if (!g_option_context_parse(oc, &argc, &argv, &error)) {
    fprintf(stderr, "faultline viz: %s\n", error->message);
    goto out;
  }
  if (argc != 2) {
    fprintf(stderr, "faultline viz: expected one trace file, found %d arguments\n", argc - 1);
    goto out;
  }
  o.trace_path = argv[1];
  o.report_path = report;
  o.screenshot_prefix = shots;
  o.has_from = from != NULL;
  o.has_to = to != NULL;
  if ((from && !parse_time("--from", from, &o.from_ns, &error)) ||
      (to && !parse_time("--to", to, &o.to_ns, &error)) ||
      (width && !parse_px("--width", width, &o.width, &error)) ||
      (height && !parse_px("--height", height, &o.height, &error)) ||
      !fl_viz_opts_check(&o, &error)) {
    fprintf(stderr, "faultline viz: %s\n", error->message);
    goto out;
  }
  if (!(png ? fl_viz_png(&o, png, &error) : fl_viz_show(&o, &error))) {
    fprintf(stderr, "faultline viz: %s\n", error->message);
    goto out;
  }
  if (png) printf("wrote %s\n", png);
  rc = 0;
out:
  g_clear_error(&error);
  g_option_context_free(oc);
  g_free(report);
  g_free(png);
  g_free(from);
  g_free(to);
  g_free(width);
  g_free(height);
  g_free(shots);
  return rc;
}

#else

int fl_cli_viz(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "faultline viz: this faultline was built without the visualiser (SDL2)\n");
  return 2;
}

#endif
