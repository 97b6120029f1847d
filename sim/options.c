/* options: a protocol's option values, parsed from its defaults and the scenario's
 * [protocol] section against the option schema the protocol declares. */
#include "world_int.h"
#include "units.h"

#include <assert.h>
#include <string.h>

typedef struct opt_value {
  const fl_option_spec *spec;
  int64_t i, lo, hi; /* INT / DURATION, DURATION_RANGE */
  bool b;
  double f;
  const char *choice; /* points into spec->choices copy below */
  char *choice_owned;
} opt_value;

struct fl_options {
  size_t n;
  opt_value *v;
};

static bool parse_value(opt_value *ov, const char *text, GError **error) {
  const fl_option_spec *s = ov->spec;
  switch (s->type) {
  case FL_OPT_INT:
    return fl_parse_int(text, INT64_MIN / 2, INT64_MAX / 2, &ov->i, error);
  case FL_OPT_BOOL:
    return fl_parse_bool(text, &ov->b, error);
  case FL_OPT_DURATION:
    return fl_parse_duration(text, &ov->i, error);
  case FL_OPT_DURATION_RANGE:
    return fl_parse_duration_range(text, &ov->lo, &ov->hi, error);
  case FL_OPT_PERCENT:
    return fl_parse_fraction(text, &ov->f, error);
  case FL_OPT_CHOICE: {
    char **alts = g_strsplit(s->choices ? s->choices : "", "|", -1);
    bool found = false;
    for (char **a = alts; *a; a++)
      if (strcmp(*a, text) == 0) found = true;
    if (found) {
      g_free(ov->choice_owned);
      ov->choice_owned = g_strdup(text);
      ov->choice = ov->choice_owned;
    } else {
      char *list = g_strjoinv(", ", alts);
      g_set_error(error, FL_UNITS_ERROR, FL_UNITS_ERROR_PARSE, "expected one of %s, found '%s'",
                  list, text);
      g_free(list);
    }
    g_strfreev(alts);
    return found;
  }
  }
  return false;
}

void fl__options_free(fl_options *o) {
  if (!o) return;
  for (size_t i = 0; i < o->n; i++) g_free(o->v[i].choice_owned);
  g_free(o->v);
  g_free(o);
}

fl_options *fl__options_new(const fl_protocol *p, const fl_scenario *scn, GError **error) {
  fl_options *o = g_new0(fl_options, 1);
  for (const fl_option_spec *s = p->options; s && s->name; s++) o->n++;
  o->v = g_new0(opt_value, o->n ? o->n : 1);
  for (size_t i = 0; i < o->n; i++) {
    o->v[i].spec = &p->options[i];
    GError *inner = NULL;
    if (!parse_value(&o->v[i], p->options[i].default_value, &inner)) {
      g_set_error(error, FL_ACTOR_ERROR, FL_ACTOR_ERROR_INVALID,
                  "protocol '%s': the default of option '%s' is invalid: %s", p->name,
                  p->options[i].name, inner->message);
      g_error_free(inner);
      fl__options_free(o);
      return NULL;
    }
  }
  for (guint k = 0; scn && scn->options && k < scn->options->len; k++) {
    const fl_scn_option *so = &g_array_index(scn->options, fl_scn_option, k);
    opt_value *ov = NULL;
    for (size_t i = 0; i < o->n; i++)
      if (strcmp(o->v[i].spec->name, so->name) == 0) ov = &o->v[i];
    if (!ov) {
      GString *names = g_string_new(NULL);
      for (size_t i = 0; i < o->n; i++)
        g_string_append_printf(names, "%s%s", i ? ", " : "", o->v[i].spec->name);
      g_set_error(error, FL_SCENARIO_ERROR, FL_SCENARIO_ERROR_INVALID,
                  "%s:%d:%d: expected an option of protocol %s (%s), found '%s'", scn->path,
                  so->pos.line, so->pos.col, p->name, o->n ? names->str : "it has none",
                  so->name);
      g_string_free(names, TRUE);
      fl__options_free(o);
      return NULL;
    }
    GError *inner = NULL;
    if (!parse_value(ov, so->value, &inner)) {
      g_set_error(error, FL_SCENARIO_ERROR, FL_SCENARIO_ERROR_INVALID, "%s:%d:%d: %s: %s",
                  scn->path, so->value_pos.line, so->value_pos.col, so->name, inner->message);
      g_error_free(inner);
      fl__options_free(o);
      return NULL;
    }
  }
  return o;
}

/* Asking for an undeclared option or with the wrong type is a bug in the protocol. */
static const opt_value *get(const fl_options *o, const char *name, fl_opt_type type) {
  for (size_t i = 0; i < o->n; i++) {
    if (strcmp(o->v[i].spec->name, name) == 0) {
      assert(o->v[i].spec->type == type && "option read with the wrong type");
      return &o->v[i];
    }
  }
  g_printerr("faultline: bug: protocol asked for undeclared option '%s'\n", name);
  assert(!"undeclared option");
  return NULL;
}

int64_t fl_options_int(const fl_options *o, const char *name) { return get(o, name, FL_OPT_INT)->i; }
bool fl_options_bool(const fl_options *o, const char *name) { return get(o, name, FL_OPT_BOOL)->b; }
int64_t fl_options_duration_ns(const fl_options *o, const char *name) {
  return get(o, name, FL_OPT_DURATION)->i;
}
void fl_options_range_ns(const fl_options *o, const char *name, int64_t *lo_ns, int64_t *hi_ns) {
  const opt_value *v = get(o, name, FL_OPT_DURATION_RANGE);
  *lo_ns = v->lo;
  *hi_ns = v->hi;
}
double fl_options_fraction(const fl_options *o, const char *name) {
  return get(o, name, FL_OPT_PERCENT)->f;
}
const char *fl_options_choice(const fl_options *o, const char *name) {
  return get(o, name, FL_OPT_CHOICE)->choice;
}
