/* scenario_nemesis: the [nemesis] section's lines (scenarios/README.md, [nemesis]):
 *
 *   partitions = halves|minority|majority-ring|isolate-leader|bridge, every DIST, for DIST
 *   crashes    = random K, every DIST, for DIST
 *   pauses     = random K, every DIST, for DIST
 *   clock      = random K, every DIST, jump STEP     (STEP: +-DURATION or uniform(LO, HI))
 *   loss       = P, every DIST, for DIST
 *   from       = DURATION
 *   to         = DURATION
 *
 * The clauses come in this order, separated by commas, as a [timeline] line reads left to
 * right; the values are the grammar's own (scenario_values.c). Expansion into actions is
 * nemesis.c's. */
#include "scenario_int.h"

#include <string.h>

#include "fl_limits.h"
#include "units.h"

static const char *const kind_words[FL_NEM_KINDS] = {
    [FL_NEM_PARTITIONS] = "partitions", [FL_NEM_CRASHES] = "crashes",
    [FL_NEM_PAUSES] = "pauses",         [FL_NEM_CLOCK] = "clock",
    [FL_NEM_LOSS] = "loss"};

static const char *const shape_words[FL_NEM_SHAPES] = {
    [FL_NEM_HALVES] = "halves",
    [FL_NEM_MINORITY] = "minority",
    [FL_NEM_MAJORITY_RING] = "majority-ring",
    [FL_NEM_ISOLATE_LEADER] = "isolate-leader",
    [FL_NEM_BRIDGE] = "bridge"};

const char *fl__nemesis_shape_word(fl_nemesis_shape s) { return shape_words[s]; }

/* "halves|bridge": at least one shape, each once. */
static bool shapes(fl__cur *c, fl_nemesis_gen *g) {
  for (;;) {
    fl__scn_skip_ws(c);
    int at = c->pos;
    char *tok = fl__scn_token(c, ",|");
    int k = -1;
    for (int i = 0; i < FL_NEM_SHAPES; i++)
      if (strcmp(tok, shape_words[i]) == 0) k = i;
    bool ok = true;
    if (k < 0)
      ok = fl__scn_fail(c, at, "expected a partition shape (halves, minority, majority-ring, "
                               "isolate-leader or bridge), found %s%s%s",
                        *tok ? "'" : "", *tok ? fl__scn_echo(c, tok, -1) : "end of line",
                        *tok ? "'" : "");
    for (int i = 0; ok && i < g->n_shapes; i++)
      if ((int)g->shapes[i] == k)
        ok = fl__scn_fail(c, at, "expected each partition shape once, found '%s' again", tok);
    g_free(tok);
    if (!ok) return false;
    g->shapes[g->n_shapes++] = (fl_nemesis_shape)k;
    if (!fl__scn_accept(c, "|")) return true;
  }
}

/* "random" or "random K": the nodes each fault draws. */
static bool random_count(fl__cur *c, fl_nemesis_gen *g) {
  if (!fl__scn_expect(c, "random")) return false;
  g->count = 1;
  fl__scn_skip_ws(c);
  if (c->s[c->pos] == ',' || !c->s[c->pos]) return true;
  int at = c->pos;
  int64_t v;
  if (!fl__scn_int(c, INT32_MIN, INT32_MAX, &v)) return false;
  if (v < 1)
    return fl__scn_fail(c, at, "expected at least 1 node after 'random', found %" G_GINT64_FORMAT, v);
  if (v > c->n_nodes)
    return fl__scn_fail(c, at, "expected at most %d nodes after 'random' (nodes = %d), found %"
                        G_GINT64_FORMAT, c->n_nodes, c->n_nodes, v);
  g->count = (int)v;
  return true;
}

/* A distribution whose mean is above zero: a generator whose intervals (or faults) are all
 * zero long would never advance, or never be a fault. */
static bool positive_dist(fl__cur *c, fl_dist *d, const char *what) {
  fl__scn_skip_ws(c);
  int at = c->pos;
  if (!fl__scn_dist(c, d)) return false;
  if (fl_dist_mean(d) > 0) return true;
  GString *text = g_string_new(NULL);
  fl_dist_describe(d, text);
  fl__scn_fail(c, at, "expected %s above zero, found %s", what, text->str);
  g_string_free(text, TRUE);
  fl_dist_clear(d);
  return false;
}

/* "jump +5ms", "jump -5ms" or "jump uniform(-200ms, 200ms)": a signed step, constant or
 * uniform over whole nanoseconds (fl_dist never draws below zero, so the step has its own
 * form, drawn in nemesis.c). */
static bool jump(fl__cur *c, fl_nemesis_gen *g) {
  if (!fl__scn_expect(c, "jump")) return false;
  fl__scn_skip_ws(c);
  int at = c->pos;
  if (!fl__scn_accept(c, "uniform(")) {
    if (!fl__scn_signed_duration(c, &g->jump_lo_ns)) return false;
    g->jump_hi_ns = g->jump_lo_ns;
    return true;
  }
  if (!fl__scn_signed_duration(c, &g->jump_lo_ns) || !fl__scn_expect(c, ",") ||
      !fl__scn_signed_duration(c, &g->jump_hi_ns) || !fl__scn_expect(c, ")"))
    return false;
  if (g->jump_lo_ns > g->jump_hi_ns) {
    GString *lo = g_string_new(NULL), *hi = g_string_new(NULL);
    fl_format_duration(lo, g->jump_lo_ns < 0 ? -g->jump_lo_ns : g->jump_lo_ns);
    fl_format_duration(hi, g->jump_hi_ns < 0 ? -g->jump_hi_ns : g->jump_hi_ns);
    fl__scn_fail(c, at, "expected a low bound at most the high bound, found uniform(%s%s, %s%s)",
                 g->jump_lo_ns < 0 ? "-" : "", lo->str, g->jump_hi_ns < 0 ? "-" : "", hi->str);
    g_string_free(lo, TRUE);
    g_string_free(hi, TRUE);
    return false;
  }
  return true;
}

bool fl__nemesis_line(fl__cur *c, fl_scenario *s, const char *key, int at) {
  if (strcmp(key, "from") == 0 || strcmp(key, "to") == 0) {
    bool from = key[0] == 'f';
    fl__scn_skip_ws(c);
    fl_srcpos pos = {c->line, c->pos + 1};
    int64_t ns;
    if (!fl__scn_duration(c, &ns) || !fl__scn_expect_end(c)) return false;
    if (from) s->nemesis_from_ns = ns, s->nemesis_from_pos = pos;
    else s->nemesis_to_ns = ns, s->nemesis_to_pos = pos, s->has_nemesis_to = true;
    return true;
  }
  int kind = -1;
  for (int i = 0; i < FL_NEM_KINDS; i++)
    if (strcmp(key, kind_words[i]) == 0) kind = i;
  if (kind < 0)
    return fl__scn_fail(c, at, "expected a nemesis generator (partitions, crashes, pauses, clock "
                               "or loss) or from, to, found '%s'", fl__scn_echo(c, key, -1));
  if (c->n_nodes <= 0)
    return fl__scn_fail(c, at, "expected 'nodes = N' in [cluster] before [nemesis], found '%s'",
                        key);
  fl_nemesis_gen g;
  memset(&g, 0, sizeof g);
  g.kind = (fl_nemesis_kind)kind;
  g.pos = (fl_srcpos){c->line, at + 1};
  bool ok;
  switch (g.kind) {
  case FL_NEM_PARTITIONS: ok = shapes(c, &g); break;
  case FL_NEM_LOSS: ok = fl__scn_fraction(c, &g.fraction); break;
  default: ok = random_count(c, &g); break;
  }
  bool has_every = false;
  ok = ok && fl__scn_expect(c, ",") && fl__scn_expect(c, "every") &&
       (has_every = positive_dist(c, &g.every, "an interval"));
  if (ok && fl__scn_at_end(c)) {
    ok = fl__scn_fail(c, c->pos, "expected '%s' after the interval, found end of line",
                      g.kind == FL_NEM_CLOCK ? ", jump STEP" : ", for DURATION");
  } else if (ok && g.kind == FL_NEM_CLOCK) {
    ok = fl__scn_expect(c, ",") && jump(c, &g);
  } else if (ok) {
    ok = fl__scn_expect(c, ",") && fl__scn_expect(c, "for") &&
         (g.has_for = positive_dist(c, &g.for_, "a fault duration"));
  }
  ok = ok && fl__scn_expect_end(c);
  if (!ok) {
    if (has_every) fl_dist_clear(&g.every);
    if (g.has_for) fl_dist_clear(&g.for_);
    return false;
  }
  g_array_append_val(s->nemesis, g);
  return true;
}

bool fl__nemesis_check(fl__cur *c, const fl_scenario *s) {
  int64_t to = s->has_nemesis_to ? s->nemesis_to_ns : s->duration_ns;
  GString *a = g_string_new(NULL), *b = g_string_new(NULL);
  bool ok = true;
  if (s->has_nemesis_to && s->nemesis_to_ns > s->duration_ns) {
    fl_format_duration(a, s->duration_ns);
    fl_format_duration(b, s->nemesis_to_ns);
    c->line = s->nemesis_to_pos.line;
    ok = fl__scn_fail(c, s->nemesis_to_pos.col - 1, "expected 'to' within the duration (%s), "
                                                    "found %s", a->str, b->str);
  } else if (s->nemesis_from_ns >= to) {
    fl_format_duration(a, s->nemesis_from_ns);
    fl_format_duration(b, to);
    fl_srcpos at = s->has_nemesis_to ? s->nemesis_to_pos : s->nemesis_from_pos;
    c->line = at.line;
    ok = fl__scn_fail(c, at.col - 1, "expected 'from' before 'to'%s, found from = %s, to = %s",
                      s->has_nemesis_to ? "" : " (the duration)", a->str, b->str);
  }
  g_string_free(a, TRUE);
  g_string_free(b, TRUE);
  return ok;
}

void fl__nemesis_gen_clear(fl_nemesis_gen *g) {
  fl_dist_clear(&g->every);
  if (g->has_for) fl_dist_clear(&g->for_);
}
