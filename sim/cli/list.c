/* faultline list: the registered protocols, with their options and defaults. */
#include "cli.h"
#include "actor.h"

#include <stdio.h>

static const char *type_name(fl_opt_type t) {
  switch (t) {
  case FL_OPT_INT: return "integer";
  case FL_OPT_BOOL: return "yes/no";
  case FL_OPT_DURATION: return "duration";
  case FL_OPT_DURATION_RANGE: return "duration range";
  case FL_OPT_PERCENT: return "percentage";
  case FL_OPT_CHOICE: return "choice";
  }
  return "?";
}

int fl_cli_list(int argc, char **argv) {
  char **plugins = NULL;
  GOptionEntry entries[] = {
      {"plugin", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &plugins,
       "Load protocols from a shared object first (repeatable)", "SO"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *oc = g_option_context_new("- list the protocols and their options");
  g_option_context_add_main_entries(oc, entries, NULL);
  GError *error = NULL;
  if (!g_option_context_parse(oc, &argc, &argv, &error) || argc != 1) {
    fprintf(stderr, "faultline list: %s\n", error ? error->message : "expected no arguments");
    g_clear_error(&error);
    g_option_context_free(oc);
    g_strfreev(plugins);
    return 2;
  }
  bool loaded = fl_cli_load_plugins("list", plugins);
  g_strfreev(plugins);
  if (!loaded) {
    g_option_context_free(oc);
    return 2;
  }
  size_t n;
  const fl_protocol **all = fl_actor_list(&n);
  for (size_t i = 0; i < n; i++) {
    printf("%-12s %s\n", all[i]->name, all[i]->summary ? all[i]->summary : "");
    for (const fl_option_spec *o = all[i]->options; o && o->name; o++) {
      printf("    %-18s %s, default %s", o->name, type_name(o->type), o->default_value);
      if (o->type == FL_OPT_CHOICE) printf(" (one of %s)", o->choices);
      if (o->type == FL_OPT_DURATION_RANGE) {
        if (o->min) printf(", start at least %s", o->min);
        if (o->max) printf(", end at most %s", o->max);
        if (o->min_width) printf(", at least %s wide", o->min_width);
      } else if (o->min && o->max) printf(", from %s to %s", o->min, o->max);
      else if (o->min) printf(", at least %s", o->min);
      else if (o->max) printf(", at most %s", o->max);
      printf(": %s\n", o->help ? o->help : "");
    }
  }
  g_free(all);
  g_option_context_free(oc);
  return 0;
}
