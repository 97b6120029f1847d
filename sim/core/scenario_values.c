/* scenario_values: the values of a scenario line, each parsed with its position so an error
 * points at the token that is wrong. */
#include "scenario_int.h"
#include "units.h"

#include <stdarg.h>
#include <string.h>

bool fl__scn_fail(fl__cur *c, int at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *what = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  if (c->set)
    g_set_error(c->error, FL_SCENARIO_ERROR, FL_SCENARIO_ERROR_SYNTAX, "%s: %s", c->set, what);
  else
    g_set_error(c->error, FL_SCENARIO_ERROR, FL_SCENARIO_ERROR_SYNTAX, "%s:%d:%d: %s", c->path,
                c->line, at + 1, what);
  g_free(what);
  return false;
}

const char *fl__scn_echo(fl__cur *c, const char *s, gssize len) {
  if (!c->echoes) c->echoes = g_ptr_array_new_with_free_func(g_free);
  char *e = fl_format_echo(s, len);
  g_ptr_array_add(c->echoes, e);
  return e;
}

void fl__scn_skip_ws(fl__cur *c) {
  while (c->s[c->pos] == ' ' || c->s[c->pos] == '\t') c->pos++;
}

bool fl__scn_at_end(fl__cur *c) {
  fl__scn_skip_ws(c);
  return c->s[c->pos] == '\0';
}

char *fl__scn_token(fl__cur *c, const char *stops) {
  fl__scn_skip_ws(c);
  int start = c->pos;
  while (c->s[c->pos] && c->s[c->pos] != ' ' && c->s[c->pos] != '\t' &&
         !strchr(stops, c->s[c->pos]))
    c->pos++;
  return g_strndup(c->s + start, (gsize)(c->pos - start));
}

/* What is found at the cursor, for messages: the rest of the token, or "end of line". */
static char *found(fl__cur *c) {
  fl__scn_skip_ws(c);
  if (!c->s[c->pos]) return g_strdup("end of line");
  int end = c->pos;
  while (c->s[end] && c->s[end] != ' ' && c->s[end] != '\t') end++;
  char *echo = fl_format_echo(c->s + c->pos, end - c->pos);
  char *quoted = g_strdup_printf("'%s'", echo);
  g_free(echo);
  return quoted;
}

bool fl__scn_accept(fl__cur *c, const char *lit) {
  fl__scn_skip_ws(c);
  size_t n = strlen(lit);
  if (strncmp(c->s + c->pos, lit, n) != 0) return false;
  c->pos += (int)n;
  return true;
}

bool fl__scn_expect(fl__cur *c, const char *lit) {
  if (fl__scn_accept(c, lit)) return true;
  char *f = found(c);
  fl__scn_fail(c, c->pos, "expected '%s', found %s", lit, f);
  g_free(f);
  return false;
}

bool fl__scn_expect_end(fl__cur *c) {
  if (fl__scn_at_end(c)) return true;
  char *f = found(c);
  fl__scn_fail(c, c->pos, "expected the end of the line, found %s", f);
  g_free(f);
  return false;
}

/* Runs a whole-token parser from units.c on the next token, prefixing its message with the
 * token's position. */

static bool with_token(fl__cur *c, const char *stops, bool (*parse)(const char *, void *, GError **),
                       void *out) {
  fl__scn_skip_ws(c);
  int at = c->pos;
  char *tok = fl__scn_token(c, stops);
  GError *inner = NULL;
  bool ok = parse(tok, out, &inner);
  if (!ok) {
    fl__scn_fail(c, at, "%s", inner->message);
    g_error_free(inner);
  }
  g_free(tok);
  return ok;
}

static bool p_duration(const char *s, void *out, GError **e) { return fl_parse_duration(s, out, e); }
static bool p_fraction(const char *s, void *out, GError **e) { return fl_parse_fraction(s, out, e); }

bool fl__scn_duration(fl__cur *c, int64_t *out_ns) { return with_token(c, ",)}", p_duration, out_ns); }

bool fl__scn_signed_duration(fl__cur *c, int64_t *out_ns) {
  fl__scn_skip_ws(c);
  bool neg = c->s[c->pos] == '-';
  if (neg || c->s[c->pos] == '+') c->pos++;
  if (!fl__scn_duration(c, out_ns)) return false;
  if (neg) *out_ns = -*out_ns;
  return true;
}

bool fl__scn_fraction(fl__cur *c, double *out) { return with_token(c, ",)", p_fraction, out); }

bool fl__scn_int(fl__cur *c, int64_t min, int64_t max, int64_t *out) {
  fl__scn_skip_ws(c);
  int at = c->pos;
  char *tok = fl__scn_token(c, ",)");
  GError *inner = NULL;
  bool ok = fl_parse_int(tok, min, max, out, &inner);
  if (!ok) {
    fl__scn_fail(c, at, "%s", inner->message);
    g_error_free(inner);
  }
  g_free(tok);
  return ok;
}

/* The text a bad node name is blamed with: up to whitespace, a delimiter, '=' or an arrow
 * ("->", "<->"), so that `n-1` is echoed whole while `n7->n2` blames `n7`. */
static char *node_echo(const fl__cur *c, int at) {
  int end = at;
  while (c->s[end] && !strchr(" \t,)}]=", c->s[end]) && strncmp(c->s + end, "->", 2) != 0 &&
         strncmp(c->s + end, "<->", 3) != 0)
    end++;
  /* Nothing before a delimiter (`{n2, n3}`): blame the delimiter itself, not ''. */
  if (end == at && c->s[at] && c->s[at] != '\n') end++;
  return fl_format_echo(c->s + at, end - at);
}

bool fl__scn_node(fl__cur *c, int *out) {
  fl__scn_skip_ws(c);
  int at = c->pos;
  char *tok = fl__scn_token(c, ",)}]-<=");
  bool ok = false;
  if (c->n_nodes <= 0) {
    char *echo = node_echo(c, at);
    fl__scn_fail(c, at, "expected 'nodes = N' in [cluster] before the first node name, found '%s'",
                 echo);
    g_free(echo);
  } else {
    char *end = NULL;
    long v = tok[0] == 'n' && g_ascii_isdigit(tok[1]) ? strtol(tok + 1, &end, 10) : 0;
    if (end && *end == '\0' && v >= 1 && v <= c->n_nodes) {
      *out = (int)v - 1;
      ok = true;
    } else {
      char *echo = node_echo(c, at);
      fl__scn_fail(c, at, "expected a node name n1..n%d%s, found '%s'", c->n_nodes,
                   strcmp(echo, ",") == 0 ? " (names in a set are separated by spaces)" : "",
                   echo);
      g_free(echo);
    }
  }
  g_free(tok);
  return ok;
}

/* ---- Distributions: name(arg, arg, ...), each arg "value" or "key=value". */

typedef struct darg {
  char *key;   /* NULL when positional */
  char *value;
  int at;
} darg;

static void dargs_free(GArray *a) {
  for (guint i = 0; i < a->len; i++) {
    g_free(g_array_index(a, darg, i).key);
    g_free(g_array_index(a, darg, i).value);
  }
  g_array_free(a, TRUE);
}

/* Looks up an argument by name, or by position when it was given positionally. */
static const darg *arg(GArray *a, const char *key, guint index) {
  for (guint i = 0; i < a->len; i++) {
    const darg *d = &g_array_index(a, darg, i);
    if (d->key && strcmp(d->key, key) == 0) return d;
  }
  if (index < a->len && !g_array_index(a, darg, index).key) return &g_array_index(a, darg, index);
  return NULL;
}

static bool arg_duration(fl__cur *c, GArray *a, const char *key, guint index, const char *form,
                         int at, double *out) {
  const darg *d = arg(a, key, index);
  if (!d) return fl__scn_fail(c, at, "expected %s, found no %s", form, key);
  int64_t ns;
  GError *inner = NULL;
  /* A negative value is well-formed: the distribution's own check explains what is wrong. */
  bool neg = d->value[0] == '-';
  if (!fl_parse_duration(d->value + neg, &ns, &inner)) {
    fl__scn_fail(c, d->at, "%s: %s", key, inner->message);
    g_error_free(inner);
    return false;
  }
  *out = neg ? -(double)ns : (double)ns;
  return true;
}

static bool check_keys(fl__cur *c, GArray *a, const char *const *keys, const char *form) {
  for (guint i = 0; i < a->len; i++) {
    const darg *d = &g_array_index(a, darg, i);
    if (!d->key) continue;
    bool known = false;
    for (const char *const *k = keys; *k; k++) known |= strcmp(*k, d->key) == 0;
    if (!known) {
      char *echo = fl_format_echo(d->key, -1);
      fl__scn_fail(c, d->at, "expected %s, found a parameter '%s'", form, echo);
      g_free(echo);
      return false;
    }
  }
  return true;
}

static bool build(fl__cur *c, const char *name, GArray *a, int at, fl_dist *out) {
  GError *inner = NULL;
  bool ok = false;
  double x = 0, y = 0;
  if (strcmp(name, "constant") == 0) {
    static const char *const k[] = {"value", NULL};
    const char *form = "constant(value)";
    if (check_keys(c, a, k, form) && arg_duration(c, a, "value", 0, form, at, &x)) {
      fl_dist_init_constant(out, x);
      return true;
    }
    return false;
  } else if (strcmp(name, "uniform") == 0) {
    static const char *const k[] = {"low", "high", NULL};
    const char *form = "uniform(low, high)";
    if (!check_keys(c, a, k, form) || !arg_duration(c, a, "low", 0, form, at, &x) ||
        !arg_duration(c, a, "high", 1, form, at, &y))
      return false;
    ok = fl_dist_init_uniform(out, x, y, &inner);
  } else if (strcmp(name, "normal") == 0 || strcmp(name, "lognormal") == 0) {
    static const char *const k[] = {"mean", "sd", NULL};
    bool logn = name[0] == 'l';
    const char *form = logn ? "lognormal(mean, sd)" : "normal(mean, sd)";
    if (!check_keys(c, a, k, form) || !arg_duration(c, a, "mean", 0, form, at, &x) ||
        !arg_duration(c, a, "sd", 1, form, at, &y))
      return false;
    ok = logn ? fl_dist_init_lognormal(out, x, y, &inner) : fl_dist_init_normal(out, x, y, &inner);
  } else if (strcmp(name, "exponential") == 0) {
    static const char *const k[] = {"mean", NULL};
    const char *form = "exponential(mean)";
    if (!check_keys(c, a, k, form) || !arg_duration(c, a, "mean", 0, form, at, &x)) return false;
    ok = fl_dist_init_exponential(out, x, &inner);
  } else if (strcmp(name, "pareto") == 0) {
    static const char *const k[] = {"scale", "shape", NULL};
    const char *form = "pareto(scale, shape)";
    if (!check_keys(c, a, k, form) || !arg_duration(c, a, "scale", 0, form, at, &x)) return false;
    const darg *d = arg(a, "shape", 1);
    if (!d) return fl__scn_fail(c, at, "expected %s, found no shape", form);
    char *end = NULL;
    y = g_ascii_strtod(d->value, &end);
    if (end == d->value || *end) {
      char *echo = fl_format_echo(d->value, -1);
      fl__scn_fail(c, d->at, "shape: expected a number, found '%s'", echo);
      g_free(echo);
      return false;
    }
    ok = fl_dist_init_pareto(out, x, y, &inner);
  } else if (strcmp(name, "empirical") == 0) {
    GArray *v = g_array_new(FALSE, FALSE, sizeof(double)), *w = g_array_new(FALSE, FALSE, sizeof(double));
    ok = a->len > 0;
    for (guint i = 0; ok && i < a->len; i++) {
      const darg *d = &g_array_index(a, darg, i);
      char **parts = d->key ? NULL : g_strsplit_set(d->value, " \t", 2);
      int64_t ns;
      double f;
      if (!parts || !parts[0] || !parts[1] || !fl_parse_duration(parts[0], &ns, NULL) ||
          !fl_parse_fraction(g_strstrip(parts[1]), &f, NULL)) {
        char *echo = fl_format_echo(d->value, -1);
        ok = fl__scn_fail(c, d->at, "expected 'DURATION WEIGHT%%' in empirical(...), found '%s'",
                          echo);
        g_free(echo);
      } else {
        double dv = (double)ns;
        g_array_append_val(v, dv);
        g_array_append_val(w, f);
      }
      g_strfreev(parts);
    }
    if (a->len == 0) fl__scn_fail(c, at, "expected at least one 'DURATION WEIGHT%%' in empirical(...), found none");
    if (ok) ok = fl_dist_init_empirical(out, (double *)(void *)v->data, (double *)(void *)w->data, v->len, &inner);
    g_array_free(v, TRUE);
    g_array_free(w, TRUE);
    if (!ok && !inner) return false;
  } else {
    char *echo = fl_format_echo(name, -1);
    fl__scn_fail(c, at, "expected a distribution (constant, uniform, normal, exponential, "
                        "lognormal, pareto, empirical), found '%s'", echo);
    g_free(echo);
    return false;
  }
  if (!ok) {
    fl__scn_fail(c, at, "%s", inner->message);
    g_error_free(inner);
  }
  return ok;
}

bool fl__scn_dist(fl__cur *c, fl_dist *out) {
  fl__scn_skip_ws(c);
  int at = c->pos;
  if (g_ascii_isdigit(c->s[c->pos])) {
    int64_t ns;
    if (!fl__scn_duration(c, &ns)) return false;
    fl_dist_init_constant(out, (double)ns);
    return true;
  }
  int start = c->pos;
  while (g_ascii_isalpha(c->s[c->pos])) c->pos++;
  char *name = g_strndup(c->s + start, (gsize)(c->pos - start));
  if (c->s[c->pos] != '(') {
    char *echo = fl_format_echo(c->s + at, -1);
    bool r = fl__scn_fail(c, at, "expected a distribution such as uniform(1ms, 5ms) or a "
                                 "duration, found '%s'", echo);
    g_free(echo);
    g_free(name);
    return r;
  }
  c->pos++;
  GArray *a = g_array_new(FALSE, TRUE, sizeof(darg));
  bool ok = true;
  for (;;) {
    fl__scn_skip_ws(c);
    if (c->s[c->pos] == ')' && a->len == 0) break;
    darg d = {0};
    d.at = c->pos;
    int vstart = c->pos;
    while (c->s[c->pos] && c->s[c->pos] != ',' && c->s[c->pos] != ')') c->pos++;
    if (!c->s[c->pos]) {
      char *echo = fl_format_echo(name, -1);
      ok = fl__scn_fail(c, c->pos, "expected ')' closing %s(, found end of line", echo);
      g_free(echo);
      break;
    }
    char *item = g_strstrip(g_strndup(c->s + vstart, (gsize)(c->pos - vstart)));
    char *eq = strchr(item, '=');
    if (eq) {
      *eq = '\0';
      d.key = g_strdup(g_strstrip(item));
      d.value = g_strdup(g_strstrip(eq + 1));
      d.at = vstart + (int)(strchr(c->s + vstart, '=') - (c->s + vstart)) + 1;
      while (c->s[d.at] == ' ') d.at++;
    } else {
      d.value = g_strdup(item);
      while (c->s[d.at] == ' ') d.at++;
    }
    g_free(item);
    g_array_append_val(a, d);
    if (c->s[c->pos] == ')') break;
    c->pos++; /* ',' */
  }
  if (ok) {
    c->pos++; /* ')' */
    ok = build(c, name, a, at, out);
  }
  dargs_free(a);
  g_free(name);
  return ok;
}
