/* options: a protocol's option values, parsed from its defaults and the scenario's
 * [protocol] section against the option schema the protocol declares. */
#include "options.h"
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
  /* The spec's range, parsed once (has_*: the bound is set). */
  bool has_min, has_max, has_width;
  int64_t min_i, max_i, width_ns; /* INT, DURATION, DURATION_RANGE */
  double min_f, max_f;            /* PERCENT */
} opt_value;

struct fl_options {
  size_t n;
  opt_value *v;
};

/* "of at least 1ns", "of at most 1h" or "from 1ns to 1h", with the bounds as the protocol
 * wrote them. */
static char *bounds_text(const fl_option_spec *s, bool has_min, bool has_max) {
  if (has_min && has_max) return g_strdup_printf("from %s to %s", s->min, s->max);
  return g_strdup_printf(has_min ? "of at least %s" : "of at most %s", has_min ? s->min : s->max);
}

static bool out_of_range(const opt_value *ov, const char *what, const char *text, bool quote,
                         GError **error) {
  char *b = bounds_text(ov->spec, ov->has_min, ov->has_max);
  char *echo = fl_format_echo(text, -1);
  g_set_error(error, FL_UNITS_ERROR, FL_UNITS_ERROR_PARSE, "expected %s %s, found %s%s%s", what,
              b, quote ? "'" : "", echo, quote ? "'" : "");
  g_free(echo);
  g_free(b);
  return false;
}

/* Checks a parsed value against the spec's range. */
static bool in_range(const opt_value *ov, const char *text, GError **error) {
  const fl_option_spec *s = ov->spec;
  switch (s->type) {
  case FL_OPT_INT:
    if ((ov->has_min && ov->i < ov->min_i) || (ov->has_max && ov->i > ov->max_i))
      return out_of_range(ov, "an integer", text, false, error);
    return true;
  case FL_OPT_DURATION:
    if ((ov->has_min && ov->i < ov->min_i) || (ov->has_max && ov->i > ov->max_i))
      return out_of_range(ov, "a duration", text, true, error);
    return true;
  case FL_OPT_PERCENT:
    if ((ov->has_min && ov->f < ov->min_f) || (ov->has_max && ov->f > ov->max_f))
      return out_of_range(ov, "a percentage", text, true, error);
    return true;
  case FL_OPT_DURATION_RANGE: {
    char *echo = fl_format_echo(text, -1);
    bool ok = false;
    if (ov->has_min && ov->lo < ov->min_i)
      g_set_error(error, FL_UNITS_ERROR, FL_UNITS_ERROR_PARSE,
                  "expected a range starting at %s or later, found '%s'", s->min, echo);
    else if (ov->has_max && ov->hi > ov->max_i)
      g_set_error(error, FL_UNITS_ERROR, FL_UNITS_ERROR_PARSE,
                  "expected a range ending at %s or earlier, found '%s'", s->max, echo);
    else if (ov->has_width && ov->hi - ov->lo < ov->width_ns && ov->width_ns == 1)
      g_set_error(error, FL_UNITS_ERROR, FL_UNITS_ERROR_PARSE,
                  "expected a range whose end is after its start, found '%s'", echo);
    else if (ov->has_width && ov->hi - ov->lo < ov->width_ns)
      g_set_error(error, FL_UNITS_ERROR, FL_UNITS_ERROR_PARSE,
                  "expected a range at least %s wide, found '%s'", s->min_width, echo);
    else
      ok = true;
    g_free(echo);
    return ok;
  }
  case FL_OPT_BOOL:
  case FL_OPT_CHOICE:
    return true;
  }
  return true;
}

static bool parse_value(opt_value *ov, const char *text, GError **error) {
  const fl_option_spec *s = ov->spec;
  switch (s->type) {
  case FL_OPT_INT:
    return fl_parse_int(text, INT64_MIN / 2, INT64_MAX / 2, &ov->i, error) &&
           in_range(ov, text, error);
  case FL_OPT_BOOL:
    return fl_parse_bool(text, &ov->b, error);
  case FL_OPT_DURATION:
    return fl_parse_duration(text, &ov->i, error) && in_range(ov, text, error);
  case FL_OPT_DURATION_RANGE:
    return fl_parse_duration_range(text, &ov->lo, &ov->hi, error) && in_range(ov, text, error);
  case FL_OPT_PERCENT:
    return fl_parse_fraction(text, &ov->f, error) && in_range(ov, text, error);
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
      char *echo = fl_format_echo(text, -1);
      g_set_error(error, FL_UNITS_ERROR, FL_UNITS_ERROR_PARSE, "expected one of %s, found '%s'",
                  list, echo);
      g_free(echo);
      g_free(list);
    }
    g_strfreev(alts);
    return found;
  }
  }
  return false;
}

/* Parses one bound of the spec (NULL: none). A bound on a type without a range, or one that
 * does not parse, is the protocol's bug. */
static bool parse_bound(const fl_protocol *p, opt_value *ov, const char *which, const char *text,
                        bool *has, int64_t *out_i, double *out_f, GError **error) {
  const fl_option_spec *s = ov->spec;
  if (!text) return true;
  GError *inner = NULL;
  bool ok;
  bool width = strcmp(which, "min_width") == 0;
  switch (s->type) {
  case FL_OPT_INT:
    ok = !width && fl_parse_int(text, INT64_MIN / 2, INT64_MAX / 2, out_i, &inner);
    break;
  case FL_OPT_DURATION:
    ok = !width && fl_parse_duration(text, out_i, &inner);
    break;
  case FL_OPT_DURATION_RANGE:
    ok = fl_parse_duration(text, out_i, &inner);
    break;
  case FL_OPT_PERCENT:
    ok = !width && fl_parse_fraction(text, out_f, &inner);
    break;
  default:
    ok = false;
    break;
  }
  if (!ok) {
    g_set_error(error, FL_ACTOR_ERROR, FL_ACTOR_ERROR_INVALID,
                "protocol '%s': the %s of option '%s' is invalid: %s", p->name, which, s->name,
                inner ? inner->message : "this type of option takes none");
    g_clear_error(&inner);
    return false;
  }
  *has = true;
  return true;
}

static bool parse_bounds(const fl_protocol *p, opt_value *ov, GError **error) {
  const fl_option_spec *s = ov->spec;
  return parse_bound(p, ov, "min", s->min, &ov->has_min, &ov->min_i, &ov->min_f, error) &&
         parse_bound(p, ov, "max", s->max, &ov->has_max, &ov->max_i, &ov->max_f, error) &&
         parse_bound(p, ov, "min_width", s->min_width, &ov->has_width, &ov->width_ns, NULL,
                     error);
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
    if (!parse_bounds(p, &o->v[i], error)) {
      fl__options_free(o);
      return NULL;
    }
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
      char *echo = fl_format_echo(so->name, -1);
      GString *names = g_string_new(NULL);
      for (size_t i = 0; i < o->n; i++)
        g_string_append_printf(names, "%s%s", i ? ", " : "", o->v[i].spec->name);
      if (so->set) /* a command-line override names itself, not a place in the file */
        g_set_error(error, FL_SCENARIO_ERROR, FL_SCENARIO_ERROR_INVALID,
                    "%s: expected an option of protocol %s (%s), found '%s'", so->set, p->name,
                    o->n ? names->str : "it has none", echo);
      else
        g_set_error(error, FL_SCENARIO_ERROR, FL_SCENARIO_ERROR_INVALID,
                    "%s:%d:%d: expected an option of protocol %s (%s), found '%s'", scn->path,
                    so->pos.line, so->pos.col, p->name, o->n ? names->str : "it has none", echo);
      g_free(echo);
      g_string_free(names, TRUE);
      fl__options_free(o);
      return NULL;
    }
    GError *inner = NULL;
    if (!parse_value(ov, so->value, &inner)) {
      if (so->set)
        g_set_error(error, FL_SCENARIO_ERROR, FL_SCENARIO_ERROR_INVALID, "%s: %s", so->set,
                    inner->message);
      else
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
