/* scenario: the scenario parser: sections, keys, the timeline and expectations (format in
 * scenario.h and scenarios/README.md). Values are parsed in scenario_values.c.
 *
 * A hand-written line-oriented parser rather than GKeyFile: GKeyFile reports no positions,
 * and the timeline is not key = value. Everything a line says is checked as the line is read,
 * except what depends on the whole file (sections named after the protocol, times beyond the
 * duration), which is checked at the end with the position of the offending line.
 */
#include "fl_limits.h"
#include "scenario_int.h"
#include "units.h"

#include <errno.h>
#include <string.h>

G_DEFINE_QUARK(fl-scenario-error-quark, fl_scenario_error)

typedef enum section {
  SEC_NONE,
  SEC_CLUSTER,
  SEC_NETWORK,
  SEC_LINK,
  SEC_CLOCKS,
  SEC_WORKLOAD,
  SEC_TIMELINE,
  SEC_EXPECT,
  SEC_OTHER /* a protocol's options, or a mistake: decided at the end */
} section;

typedef struct seen_key {
  char *key;
  int line;
} seen_key;

typedef struct other_section {
  char *name;
  fl_srcpos pos;
  GArray *options; /* of fl_scn_option */
} other_section;

typedef struct parser {
  fl__cur c;
  fl_scenario *s;
  section sec;
  char *sec_name;        /* for messages: "[cluster]" */
  GArray *seen;          /* seen_key in this section */
  fl_link_override *link;  /* the [link] section being read */
  bool link_both;
  GArray *others;        /* other_section */
  bool has_nodes, has_protocol, has_duration;
  int64_t stop_line, stop_col;
  guint timeline_seq;
  GArray *timeline_order; /* file index of each action, for a stable sort */
} parser;

static const char *cluster_keys[] = {"protocol", "nodes", "seed", "duration", NULL};
static const char *network_keys[] = {"latency", "loss", "duplicate", "reorder", NULL};
static const char *workload_keys[] = {"clients", "keys", "mix", "key_distribution", "think",
                                      "timeout", "retry", "resend", "start", "stop", NULL};

/* ---- Helpers. */

static void seen_clear(parser *p) {
  for (guint i = 0; i < p->seen->len; i++) g_free(g_array_index(p->seen, seen_key, i).key);
  g_array_set_size(p->seen, 0);
}

static bool note_key(parser *p, const char *key, int at) {
  for (guint i = 0; i < p->seen->len; i++) {
    const seen_key *k = &g_array_index(p->seen, seen_key, i);
    if (strcmp(k->key, key) == 0)
      return fl__scn_fail(&p->c, at, "expected each key once in %s, found a second '%s' (first at "
                                     "line %d)", p->sec_name, key, k->line);
  }
  seen_key k = {g_strdup(key), p->c.line};
  g_array_append_val(p->seen, k);
  return true;
}

static bool unknown_key(parser *p, const char *key, int at, const char *const *keys) {
  char *list = g_strjoinv(", ", (char **)keys);
  fl__scn_fail(&p->c, at, "expected a key of %s (%s), found '%s'", p->sec_name, list, key);
  g_free(list);
  return false;
}

static bool in(const char *const *keys, const char *key) {
  for (; *keys; keys++)
    if (strcmp(*keys, key) == 0) return true;
  return false;
}

static fl_srcpos here(parser *p, int at) { return (fl_srcpos){p->c.line, at + 1}; }

/* ---- Sections. */

static bool flush_link(parser *p) {
  if (!p->link) return true;
  g_array_append_val(p->s->links, *p->link);
  if (p->link_both) {
    fl_link_override back = *p->link;
    back.src = p->link->dst;
    back.dst = p->link->src;
    if (back.has_latency) fl_dist_copy(&back.params.latency, &p->link->params.latency);
    g_array_append_val(p->s->links, back);
  }
  g_free(p->link);
  p->link = NULL;
  return true;
}

static bool link_header(parser *p, int at) {
  fl__cur *c = &p->c;
  fl_link_override *l = g_new0(fl_link_override, 1);
  l->pos = here(p, at);
  bool both = false, ok = fl__scn_node(c, &l->src);
  if (ok) {
    if (fl__scn_accept(c, "<->")) {
      both = true;
    } else if (!fl__scn_accept(c, "->")) {
      fl__scn_skip_ws(c);
      ok = fl__scn_fail(c, c->pos, "expected '->' or '<->' between the link's nodes, found '%s'",
                        c->s + c->pos);
    }
  }
  int dat = c->pos;
  ok = ok && fl__scn_node(c, &l->dst);
  if (ok && l->src == l->dst) {
    fl__scn_skip_ws(c);
    ok = fl__scn_fail(c, dat + 1, "expected a link between two different nodes, found n%d to "
                                  "itself", l->src + 1);
  }
  ok = ok && fl__scn_expect(c, "]") && fl__scn_expect_end(c);
  if (!ok) {
    g_free(l);
    return false;
  }
  p->sec = SEC_LINK;
  p->link = l;
  p->link_both = both;
  g_free(p->sec_name);
  p->sec_name = g_strdup("[link]");
  return true;
}

static bool section_header(parser *p) {
  fl__cur *c = &p->c;
  flush_link(p);
  seen_clear(p);
  int at = c->pos;
  c->pos++; /* '[' */
  fl__scn_skip_ws(c);
  if (strncmp(c->s + c->pos, "link", 4) == 0 && (c->s[c->pos + 4] == ' ' || c->s[c->pos + 4] == '\t')) {
    c->pos += 4;
    return link_header(p, at);
  }
  const char *close = strchr(c->s + c->pos, ']');
  if (!close)
    return fl__scn_fail(c, (int)strlen(c->s), "expected ']' closing the section name, found end of line");
  char *name = g_strstrip(g_strndup(c->s + c->pos, (gsize)(close - (c->s + c->pos))));
  c->pos = (int)(close - c->s) + 1;
  bool ok = fl__scn_expect_end(c);
  g_free(p->sec_name);
  p->sec_name = g_strdup_printf("[%s]", name);
  if (!ok) {
  } else if (strcmp(name, "cluster") == 0) p->sec = SEC_CLUSTER;
  else if (strcmp(name, "network") == 0) p->sec = SEC_NETWORK;
  else if (strcmp(name, "clocks") == 0) p->sec = SEC_CLOCKS;
  else if (strcmp(name, "workload") == 0) p->sec = SEC_WORKLOAD;
  else if (strcmp(name, "timeline") == 0) p->sec = SEC_TIMELINE;
  else if (strcmp(name, "expect") == 0) p->sec = SEC_EXPECT;
  else {
    p->sec = SEC_OTHER;
    other_section o = {g_strdup(name), here(p, at), g_array_new(FALSE, TRUE, sizeof(fl_scn_option))};
    g_array_append_val(p->others, o);
  }
  g_free(name);
  return ok;
}

/* Splits "key = value": returns the key (newly allocated) and leaves the cursor at the value. */
static char *key_of(parser *p, int *key_at) {
  fl__cur *c = &p->c;
  fl__scn_skip_ws(c);
  *key_at = c->pos;
  const char *eq = strchr(c->s + c->pos, '=');
  if (!eq) {
    fl__scn_fail(c, c->pos, "expected 'key = value', found '%s'", c->s + c->pos);
    return NULL;
  }
  char *key = g_strstrip(g_strndup(c->s + c->pos, (gsize)(eq - (c->s + c->pos))));
  if (!*key) {
    fl__scn_fail(c, c->pos, "expected a key before '=', found none");
    g_free(key);
    return NULL;
  }
  c->pos = (int)(eq - c->s) + 1;
  fl__scn_skip_ws(c);
  if (!c->s[c->pos]) {
    fl__scn_fail(c, c->pos, "expected a value after '%s =', found end of line", key);
    g_free(key);
    return NULL;
  }
  return key;
}

static bool cluster_line(parser *p, const char *key, int at) {
  fl__cur *c = &p->c;
  fl_scenario *s = p->s;
  if (!in(cluster_keys, key)) return unknown_key(p, key, at, cluster_keys);
  if (strcmp(key, "protocol") == 0) {
    s->protocol_pos = here(p, c->pos);
    g_free(s->protocol);
    s->protocol = fl__scn_token(c, "");
    p->has_protocol = true;
    return fl__scn_expect_end(c);
  }
  if (strcmp(key, "nodes") == 0) {
    int64_t n;
    if (!fl__scn_int(c, 1, FL_LIMIT_NODES, &n) || !fl__scn_expect_end(c)) return false;
    s->n_nodes = (int)n;
    c->n_nodes = (int)n;
    p->has_nodes = true;
    return true;
  }
  if (strcmp(key, "seed") == 0) {
    fl__scn_skip_ws(c);
    int vat = c->pos;
    char *tok = fl__scn_token(c, "");
    char *end = NULL;
    errno = 0;
    guint64 v = g_ascii_strtoull(tok, &end, 10);
    /* Seeds stop at 2^63 - 1 so that --seed, the JSON report and the trace header, which
     * carry signed 64-bit integers, can all state every seed exactly. */
    bool ok = g_ascii_isdigit(tok[0]) && end && !*end && errno == 0 && v <= (guint64)INT64_MAX;
    if (!ok) fl__scn_fail(c, vat, "expected a seed from 0 to 9223372036854775807, found '%s'", tok);
    g_free(tok);
    s->seed = v;
    return ok && fl__scn_expect_end(c);
  }
  /* duration */
  int vat = c->pos;
  if (!fl__scn_duration(c, &s->duration_ns) || !fl__scn_expect_end(c)) return false;
  if (s->duration_ns <= 0) return fl__scn_fail(c, vat, "expected a duration above zero, found 0");
  p->has_duration = true;
  return true;
}

static bool link_value(parser *p, const char *key, fl_link_params *lp, bool *has_latency,
                       bool *has_loss, bool *has_dup, bool *has_reorder) {
  fl__cur *c = &p->c;
  if (strcmp(key, "latency") == 0) {
    fl_dist d;
    if (!fl__scn_dist(c, &d)) return false;
    if (!fl__scn_expect_end(c)) {
      fl_dist_clear(&d);
      return false;
    }
    fl_dist_clear(&lp->latency);
    lp->latency = d;
    if (has_latency) *has_latency = true;
    return true;
  }
  if (strcmp(key, "loss") == 0) {
    if (has_loss) *has_loss = true;
    return fl__scn_fraction(c, &lp->loss) && fl__scn_expect_end(c);
  }
  if (strcmp(key, "duplicate") == 0) {
    if (has_dup) *has_dup = true;
    return fl__scn_fraction(c, &lp->duplicate) && fl__scn_expect_end(c);
  }
  /* reorder */
  fl__scn_skip_ws(c);
  int vat = c->pos;
  char *tok = fl__scn_token(c, "");
  GError *inner = NULL;
  bool ok = fl_parse_bool(tok, &lp->reorder, &inner);
  if (!ok) {
    fl__scn_fail(c, vat, "%s", inner->message);
    g_error_free(inner);
  }
  g_free(tok);
  if (has_reorder) *has_reorder = true;
  return ok && fl__scn_expect_end(c);
}

static bool network_line(parser *p, const char *key, int at) {
  if (!in(network_keys, key)) return unknown_key(p, key, at, network_keys);
  return link_value(p, key, &p->s->net_defaults, NULL, NULL, NULL, NULL);
}

static bool link_line(parser *p, const char *key, int at) {
  if (!in(network_keys, key)) return unknown_key(p, key, at, network_keys);
  fl_link_override *l = p->link;
  return link_value(p, key, &l->params, &l->has_latency, &l->has_loss, &l->has_duplicate,
                    &l->has_reorder);
}

static bool clocks_line(parser *p, const char *key, int at) {
  fl__cur *c = &p->c;
  fl_clock_spec spec = {.pos = here(p, at)};
  char *end = NULL;
  long v = key[0] == 'n' && g_ascii_isdigit(key[1]) ? strtol(key + 1, &end, 10) : 0;
  if (c->n_nodes <= 0)
    return fl__scn_fail(c, at, "expected 'nodes = N' in [cluster] before the first node name, "
                               "found '%s'", key);
  if (!end || *end || v < 1 || v > c->n_nodes)
    return fl__scn_fail(c, at, "expected a node name n1..n%d, found '%s'", c->n_nodes, key);
  spec.node = (int)v - 1;
  for (;;) {
    fl__scn_skip_ws(c);
    int wat = c->pos;
    char *what = fl__scn_token(c, ",");
    bool ok = true;
    if (strcmp(what, "skew") == 0) {
      ok = fl__scn_signed_duration(c, &spec.skew_ns);
    } else if (strcmp(what, "drift") == 0) {
      fl__scn_skip_ws(c);
      int dat = c->pos;
      char *tok = fl__scn_token(c, ",");
      char *end = NULL;
      long long v = g_ascii_strtoll(tok, &end, 10);
      if (end == tok || !g_str_equal(end, "ppm") || v <= -1000000 || v > 1000000)
        ok = fl__scn_fail(c, dat, "expected a drift in ppm above -1000000ppm and at most "
                                  "1000000ppm, such as 100ppm, found '%s'", tok);
      spec.drift_ppm = v;
      g_free(tok);
    } else {
      ok = fl__scn_fail(c, wat, "expected 'skew DURATION' or 'drift Nppm', found '%s'", what);
    }
    g_free(what);
    if (!ok) return false;
    if (!fl__scn_accept(c, ",")) break;
  }
  if (!fl__scn_expect_end(c)) return false;
  g_array_append_val(p->s->clocks, spec);
  return true;
}

static bool workload_line(parser *p, const char *key, int at) {
  fl__cur *c = &p->c;
  fl_workload *w = &p->s->workload;
  if (!in(workload_keys, key)) return unknown_key(p, key, at, workload_keys);
  int64_t v;
  if (strcmp(key, "clients") == 0) {
    if (!fl__scn_int(c, 0, FL_LIMIT_CLIENTS, &v)) return false;
    w->clients = (int)v;
  } else if (strcmp(key, "keys") == 0) {
    if (!fl__scn_int(c, 1, FL_LIMIT_KEYS, &v)) return false;
    w->keys = (int)v;
  } else if (strcmp(key, "mix") == 0) {
    double mix[FL_OP_KIND_COUNT] = {0};
    for (;;) {
      fl__scn_skip_ws(c);
      int kat = c->pos;
      char *kind = fl__scn_token(c, ",");
      int k = strcmp(kind, "read") == 0 ? FL_OP_READ : strcmp(kind, "write") == 0 ? FL_OP_WRITE
              : strcmp(kind, "cas") == 0 ? FL_OP_CAS : -1;
      g_free(kind);
      if (k < 0) return fl__scn_fail(c, kat, "expected read, write or cas followed by a percentage, found '%.*s'",
                                     (int)strcspn(c->s + kat, " ,"), c->s + kat);
      if (!fl__scn_fraction(c, &mix[k])) return false;
      if (!fl__scn_accept(c, ",")) break;
    }
    if (mix[0] + mix[1] + mix[2] <= 0)
      return fl__scn_fail(c, at, "expected a mix with some operations, found only zeros");
    memcpy(w->mix, mix, sizeof mix);
  } else if (strcmp(key, "key_distribution") == 0) {
    fl__scn_skip_ws(c);
    int vat = c->pos;
    if (fl__scn_accept(c, "uniform")) {
      w->key_dist = FL_KEYS_UNIFORM;
    } else if (fl__scn_accept(c, "zipf(")) {
      fl__scn_skip_ws(c);
      int nat = c->pos;
      char *tok = fl__scn_token(c, ")");
      char *end = NULL;
      double s = g_ascii_strtod(tok, &end);
      bool ok = end != tok && !*end && s > 0 && s <= 10;
      if (!ok) fl__scn_fail(c, nat, "expected a zipf exponent above 0 and at most 10, found '%s'", tok);
      g_free(tok);
      if (!ok || !fl__scn_expect(c, ")")) return false;
      w->key_dist = FL_KEYS_ZIPF;
      w->zipf_s = s;
    } else {
      return fl__scn_fail(c, vat, "expected uniform or zipf(S), found '%s'", c->s + vat);
    }
  } else if (strcmp(key, "think") == 0) {
    fl_dist d;
    if (!fl__scn_dist(c, &d)) return false;
    fl_dist_clear(&w->think);
    w->think = d;
  } else {
    int vat = c->pos;
    if (!fl__scn_duration(c, &v)) return false;
    if (strcmp(key, "timeout") == 0) {
      if (v <= 0) return fl__scn_fail(c, vat, "expected a timeout above zero, found 0");
      w->timeout_ns = v;
    } else if (strcmp(key, "retry") == 0) {
      w->retry_ns = v;
    } else if (strcmp(key, "resend") == 0) {
      w->resend_ns = v;
    } else if (strcmp(key, "start") == 0) {
      w->start_ns = v;
    } else {
      w->stop_ns = v;
    }
  }
  return fl__scn_expect_end(c);
}

/* ---- Timeline. */

static bool timeline_line(parser *p) {
  fl__cur *c = &p->c;
  fl_action a;
  memset(&a, 0, sizeof a);
  a.a = a.b = -1;
  a.leader_group = -1;
  fl__scn_skip_ws(c);
  a.pos = here(p, c->pos);
  /* "TIME ACTION", or "FROM..TO every PERIOD ACTION": the action at FROM, FROM + PERIOD, ...
   * up to TO. */
  int64_t until_ns = 0, every_ns = 0;
  int tat = c->pos;
  char *when = fl__scn_token(c, ",)}");
  GError *inner = NULL;
  bool ranged = strstr(when, "..") != NULL;
  bool timed = ranged ? fl_parse_duration_range(when, &a.at_ns, &until_ns, &inner)
                      : fl_parse_duration(when, &a.at_ns, &inner);
  g_free(when);
  if (!timed) {
    fl__scn_fail(c, tat, "%s", inner->message);
    g_error_free(inner);
    return false;
  }
  if (ranged) {
    if (!fl__scn_expect(c, "every")) return false;
    fl__scn_skip_ws(c);
    int eat = c->pos;
    if (!fl__scn_duration(c, &every_ns)) return false;
    if (every_ns <= 0) return fl__scn_fail(c, eat, "expected a period above zero, found 0");
    if ((until_ns - a.at_ns) / every_ns >= FL_LIMIT_REPEAT_PER_LINE)
      return fl__scn_fail(c, eat, "expected at most %d repetitions, found %" G_GINT64_FORMAT,
                          FL_LIMIT_REPEAT_PER_LINE,
                          (until_ns - a.at_ns) / every_ns + 1);
  }
  fl__scn_skip_ws(c);
  int vat = c->pos;
  char *verb = fl__scn_token(c, "{");
  bool ok = true;
  if (strcmp(verb, "partition") == 0 && fl__scn_accept(c, "random-halves")) {
    a.kind = FL_ACT_PARTITION; /* group_of NULL: drawn when it happens */
  } else if (strcmp(verb, "partition") == 0) {
    a.kind = FL_ACT_PARTITION;
    a.group_of = g_new(int, c->n_nodes > 0 ? c->n_nodes : 1);
    for (int i = 0; i < c->n_nodes; i++) a.group_of[i] = -1;
    int groups = 0;
    while (ok && !fl__scn_at_end(c)) {
      if (!fl__scn_expect(c, "{")) {
        ok = false;
        break;
      }
      int members = 0;
      for (;;) {
        fl__scn_skip_ws(c);
        if (c->s[c->pos] == '}') {
          c->pos++;
          break;
        }
        if (!c->s[c->pos]) {
          ok = fl__scn_fail(c, c->pos, "expected '}' closing the group, found end of line");
          break;
        }
        int nat = c->pos, n;
        if (fl__scn_accept(c, "leader")) {
          if (a.leader_group >= 0) {
            ok = fl__scn_fail(c, nat, "expected 'leader' in one group, found it again");
            break;
          }
          a.leader_group = groups;
          members++;
          continue;
        }
        if (!fl__scn_node(c, &n)) {
          ok = false;
          break;
        }
        if (a.group_of[n] >= 0) {
          ok = fl__scn_fail(c, nat, "expected each node in one group, found n%d again", n + 1);
          break;
        }
        a.group_of[n] = groups;
        members++;
      }
      if (ok && members == 0) ok = fl__scn_fail(c, c->pos - 1, "expected a node in the group, found '{}'");
      groups++;
    }
    if (ok && groups < 1) ok = fl__scn_fail(c, c->pos, "expected groups such as {n1 n2} {n3}, found end of line");
    for (int i = 0; ok && i < c->n_nodes; i++)
      if (a.group_of[i] < 0) a.group_of[i] = groups; /* the unnamed rest share a group */
  } else if (strcmp(verb, "heal") == 0) {
    a.kind = FL_ACT_HEAL;
  } else if (strcmp(verb, "cut") == 0 || strcmp(verb, "uncut") == 0) {
    a.kind = verb[0] == 'c' ? FL_ACT_CUT : FL_ACT_UNCUT;
    ok = fl__scn_node(c, &a.a) && fl__scn_expect(c, "->") && fl__scn_node(c, &a.b);
    if (ok && a.a == a.b) ok = fl__scn_fail(c, vat, "expected a link between two different nodes, found n%d to itself", a.a + 1);
  } else if (strcmp(verb, "crash") == 0 || strcmp(verb, "restart") == 0 ||
             strcmp(verb, "resume") == 0) {
    a.kind = strcmp(verb, "crash") == 0     ? FL_ACT_CRASH
             : strcmp(verb, "restart") == 0 ? FL_ACT_RESTART
                                             : FL_ACT_RESUME;
    if (a.kind == FL_ACT_CRASH && fl__scn_accept(c, "random")) a.a = -1;
    else if (a.kind == FL_ACT_CRASH && fl__scn_accept(c, "leader")) a.a = FL_NODE_LEADER;
    else if (a.kind == FL_ACT_RESTART && fl__scn_accept(c, "all")) a.a = -1;
    else ok = fl__scn_node(c, &a.a);
  } else if (strcmp(verb, "pause") == 0) {
    a.kind = FL_ACT_PAUSE;
    if (fl__scn_accept(c, "leader")) a.a = FL_NODE_LEADER;
    else ok = fl__scn_node(c, &a.a);
    if (ok && fl__scn_accept(c, "for")) {
      int dat = c->pos;
      ok = fl__scn_duration(c, &a.for_ns);
      if (ok && a.for_ns <= 0) ok = fl__scn_fail(c, dat + 1, "expected a pause above zero, found 0");
    }
  } else if (strcmp(verb, "loss") == 0 || strcmp(verb, "latency") == 0) {
    a.kind = verb[1] == 'o' ? FL_ACT_SET_LOSS : FL_ACT_SET_LATENCY;
    fl__scn_skip_ws(c);
    if (c->s[c->pos] != '=') {
      ok = fl__scn_node(c, &a.a) && fl__scn_expect(c, "->") && fl__scn_node(c, &a.b);
      if (ok && a.a == a.b) ok = fl__scn_fail(c, vat, "expected a link between two different nodes, found n%d to itself", a.a + 1);
    }
    ok = ok && fl__scn_expect(c, "=");
    if (ok) ok = a.kind == FL_ACT_SET_LOSS ? fl__scn_fraction(c, &a.fraction) : fl__scn_dist(c, &a.latency);
  } else {
    ok = fl__scn_fail(c, vat, "expected a timeline action (partition, heal, cut, uncut, crash, "
                              "restart, pause, resume, loss, latency), found '%s'", verb);
  }
  g_free(verb);
  ok = ok && fl__scn_expect_end(c);
  if (!ok) {
    g_free(a.group_of);
    if (a.kind == FL_ACT_SET_LATENCY) fl_dist_clear(&a.latency);
    return false;
  }
  for (int64_t t = a.at_ns;; t += every_ns) {
    fl_action copy = a;
    copy.at_ns = t;
    if (t != a.at_ns) { /* each copy owns its own group table and distribution */
      if (a.group_of) copy.group_of = g_memdup2(a.group_of, (gsize)c->n_nodes * sizeof(int));
      if (a.kind == FL_ACT_SET_LATENCY) fl_dist_copy(&copy.latency, &a.latency);
    }
    g_array_append_val(p->s->timeline, copy);
    guint seq = p->timeline_seq++;
    g_array_append_val(p->timeline_order, seq);
    if (every_ns == 0 || t > until_ns - every_ns) break;
  }
  return true;
}

/* ---- Expectations. */

static bool expect_line(parser *p) {
  fl__cur *c = &p->c;
  fl_expect e;
  memset(&e, 0, sizeof e);
  fl__scn_skip_ws(c);
  int at = c->pos;
  e.pos = here(p, at);
  e.text = g_strstrip(g_strdup(c->s + at));
  bool ok = true;
  if (fl__scn_accept(c, "availability")) {
    e.kind = FL_EXPECT_AVAILABILITY;
    ok = fl__scn_expect(c, "(");
    if (ok) {
      fl__scn_skip_ws(c);
      int sat = c->pos;
      if (fl__scn_accept(c, "{")) {
        e.side = FL_SIDE_NODES;
        e.nodes = g_new0(bool, c->n_nodes > 0 ? c->n_nodes : 1);
        for (;;) {
          fl__scn_skip_ws(c);
          if (fl__scn_accept(c, "}")) break;
          int n;
          if (!(ok = fl__scn_node(c, &n))) break;
          e.nodes[n] = true;
        }
      } else {
        char *side = fl__scn_token(c, ",");
        if (strcmp(side, "all") == 0) e.side = FL_SIDE_ALL;
        else if (strcmp(side, "majority") == 0) e.side = FL_SIDE_MAJORITY;
        else if (strcmp(side, "minority") == 0) e.side = FL_SIDE_MINORITY;
        else ok = fl__scn_fail(c, sat, "expected all, majority, minority or {n1 ...}, found '%s'", side);
        g_free(side);
      }
    }
    ok = ok && fl__scn_expect(c, ",");
    if (ok) {
      fl__scn_skip_ws(c);
      int rat = c->pos;
      char *range = fl__scn_token(c, ")");
      GError *inner = NULL;
      if (!fl_parse_duration_range(range, &e.from_ns, &e.to_ns, &inner)) {
        ok = fl__scn_fail(c, rat, "%s", inner->message);
        g_error_free(inner);
      }
      g_free(range);
    }
    ok = ok && fl__scn_expect(c, ")");
    if (ok) {
      if (fl__scn_accept(c, ">=")) e.at_most = false;
      else if (fl__scn_accept(c, "<=")) e.at_most = true;
      else {
        fl__scn_skip_ws(c);
        ok = fl__scn_fail(c, c->pos, "expected '>=' or '<=', found '%s'", c->s + c->pos);
      }
    }
    ok = ok && fl__scn_fraction(c, &e.fraction) && fl__scn_expect_end(c);
  } else {
    int kat;
    char *key = key_of(p, &kat);
    if (!key) ok = false;
    else {
      fl__scn_skip_ws(c);
      int vat = c->pos;
      char *val = fl__scn_token(c, "");
      if (strcmp(key, "invariants") == 0) {
        e.kind = FL_EXPECT_INVARIANTS;
        if (strcmp(val, "hold") == 0) e.want = true;
        else if (strcmp(val, "violated") == 0) e.want = false;
        else ok = fl__scn_fail(c, vat, "expected hold or violated, found '%s'", val);
      } else if (strcmp(key, "linearizable") == 0) {
        e.kind = FL_EXPECT_LINEARIZABLE;
        if (strcmp(val, "yes") == 0) e.want = true;
        else if (strcmp(val, "no") == 0) e.want = false;
        else if (strcmp(val, "skip") == 0) {
          g_free(key);
          g_free(val);
          g_free(e.text);
          return fl__scn_expect_end(c);
        } else ok = fl__scn_fail(c, vat, "expected yes, no or skip, found '%s'", val);
      } else {
        ok = fl__scn_fail(c, kat, "expected an expectation (invariants = ..., linearizable = ..., "
                                  "availability(SIDE, FROM..TO) >= P%%), found '%s'", key);
      }
      ok = ok && fl__scn_expect_end(c);
      g_free(key);
      g_free(val);
    }
  }
  if (!ok) {
    g_free(e.text);
    g_free(e.nodes);
    return false;
  }
  g_array_append_val(p->s->expects, e);
  return true;
}

static bool other_line(parser *p, const char *key, int at) {
  other_section *o = &g_array_index(p->others, other_section, p->others->len - 1);
  fl__cur *c = &p->c;
  fl__scn_skip_ws(c);
  fl_scn_option opt = {.name = g_strdup(key), .value = g_strstrip(g_strdup(c->s + c->pos)),
                       .pos = here(p, at), .value_pos = here(p, c->pos)};
  g_array_append_val(o->options, opt);
  return true;
}

static bool line(parser *p) {
  fl__cur *c = &p->c;
  fl__scn_skip_ws(c);
  if (!c->s[c->pos]) return true;
  if (c->s[c->pos] == '[') return section_header(p);
  if (p->sec == SEC_NONE)
    return fl__scn_fail(c, c->pos, "expected a section such as [cluster] before the first "
                                   "setting, found '%s'", c->s + c->pos);
  if (p->sec == SEC_TIMELINE) return timeline_line(p);
  if (p->sec == SEC_EXPECT) return expect_line(p);
  int at;
  char *key = key_of(p, &at);
  if (!key) return false;
  bool ok = note_key(p, key, at);
  if (ok) {
    switch (p->sec) {
    case SEC_CLUSTER: ok = cluster_line(p, key, at); break;
    case SEC_NETWORK: ok = network_line(p, key, at); break;
    case SEC_LINK: ok = link_line(p, key, at); break;
    case SEC_CLOCKS: ok = clocks_line(p, key, at); break;
    case SEC_WORKLOAD: ok = workload_line(p, key, at); break;
    default: ok = other_line(p, key, at); break;
    }
  }
  g_free(key);
  return ok;
}

/* ---- Whole-file checks. */

static bool finish(parser *p) {
  fl_scenario *s = p->s;
  fl__cur *c = &p->c;
  flush_link(p);
  if (!p->has_nodes) {
    c->line = 1;
    return fl__scn_fail(c, 0, "expected a [cluster] section with 'nodes = N', found none");
  }
  if (!p->has_protocol) {
    c->line = 1;
    return fl__scn_fail(c, 0, "expected a [cluster] section with 'protocol = NAME', found none");
  }
  for (guint i = 0; i < p->others->len; i++) {
    other_section *o = &g_array_index(p->others, other_section, i);
    if (strcmp(o->name, s->protocol) == 0) {
      for (guint k = 0; k < o->options->len; k++)
        g_array_append_val(s->options, g_array_index(o->options, fl_scn_option, k));
      g_array_set_size(o->options, 0);
      continue;
    }
    c->line = o->pos.line;
    return fl__scn_fail(c, o->pos.col - 1, "expected a section [cluster], [network], [link ...], "
                                           "[clocks], [workload], [timeline], [expect] or [%s], "
                                           "found [%s]", s->protocol, o->name);
  }
  /* Sort the timeline by time, file order among equal times: (time, file index) is a total
   * order, so the result does not depend on the sort's stability. */
  guint n = s->timeline->len;
  fl_action *acts = (fl_action *)(void *)s->timeline->data;
  for (guint i = 1; i < n; i++) {
    fl_action key = acts[i];
    guint kseq = g_array_index(p->timeline_order, guint, i), j = i;
    while (j > 0 && (acts[j - 1].at_ns > key.at_ns ||
                     (acts[j - 1].at_ns == key.at_ns &&
                      g_array_index(p->timeline_order, guint, j - 1) > kseq))) {
      acts[j] = acts[j - 1];
      g_array_index(p->timeline_order, guint, j) = g_array_index(p->timeline_order, guint, j - 1);
      j--;
    }
    acts[j] = key;
    g_array_index(p->timeline_order, guint, j) = kseq;
  }
  for (guint i = 0; i < n; i++) {
    if (acts[i].at_ns > s->duration_ns) {
      GString *d = g_string_new(NULL), *t = g_string_new(NULL);
      fl_format_duration(d, s->duration_ns);
      fl_format_duration(t, acts[i].at_ns);
      c->line = acts[i].pos.line;
      fl__scn_fail(c, acts[i].pos.col - 1, "expected a time within the duration (%s), found %s",
                   d->str, t->str);
      g_string_free(d, TRUE);
      g_string_free(t, TRUE);
      return false;
    }
  }
  return true;
}

/* ---- Entry points. */

static fl_scenario *scenario_new(const char *path) {
  fl_scenario *s = g_new0(fl_scenario, 1);
  s->path = g_strdup(path);
  s->seed = 1;
  s->duration_ns = 10000000000LL;
  fl_dist_init_constant(&s->net_defaults.latency, 1e6);
  s->links = g_array_new(FALSE, TRUE, sizeof(fl_link_override));
  s->clocks = g_array_new(FALSE, TRUE, sizeof(fl_clock_spec));
  s->timeline = g_array_new(FALSE, TRUE, sizeof(fl_action));
  s->options = g_array_new(FALSE, TRUE, sizeof(fl_scn_option));
  s->expects = g_array_new(FALSE, TRUE, sizeof(fl_expect));
  fl_workload_init_defaults(&s->workload);
  return s;
}

static void options_free(GArray *a) {
  for (guint i = 0; i < a->len; i++) {
    g_free(g_array_index(a, fl_scn_option, i).name);
    g_free(g_array_index(a, fl_scn_option, i).value);
  }
  g_array_free(a, TRUE);
}

void fl_scenario_free(fl_scenario *s) {
  if (!s) return;
  for (guint i = 0; i < s->links->len; i++) {
    fl_link_override *l = &g_array_index(s->links, fl_link_override, i);
    if (l->has_latency) fl_dist_clear(&l->params.latency);
  }
  for (guint i = 0; i < s->timeline->len; i++) {
    fl_action *a = &g_array_index(s->timeline, fl_action, i);
    g_free(a->group_of);
    if (a->kind == FL_ACT_SET_LATENCY) fl_dist_clear(&a->latency);
  }
  for (guint i = 0; i < s->expects->len; i++) {
    g_free(g_array_index(s->expects, fl_expect, i).text);
    g_free(g_array_index(s->expects, fl_expect, i).nodes);
  }
  g_array_free(s->links, TRUE);
  g_array_free(s->clocks, TRUE);
  g_array_free(s->timeline, TRUE);
  g_array_free(s->expects, TRUE);
  options_free(s->options);
  fl_dist_clear(&s->net_defaults.latency);
  fl_workload_clear(&s->workload);
  g_free(s->protocol);
  g_free(s->path);
  g_free(s);
}

fl_scenario *fl_scenario_parse(const char *path, const char *text, size_t len, GError **error) {
  parser p;
  memset(&p, 0, sizeof p);
  p.s = scenario_new(path);
  p.c.path = path;
  p.c.error = error;
  p.seen = g_array_new(FALSE, TRUE, sizeof(seen_key));
  p.others = g_array_new(FALSE, TRUE, sizeof(other_section));
  p.timeline_order = g_array_new(FALSE, FALSE, sizeof(guint));
  bool ok = true;
  size_t start = 0;
  for (int lineno = 1; ok && start < len; lineno++) {
    size_t end = start;
    while (end < len && text[end] != '\n') end++;
    char *l = g_strndup(text + start, end - start);
    p.c.line = lineno;
    p.c.s = l;
    p.c.pos = 0;
    if (strlen(l) != end - start) {
      ok = fl__scn_fail(&p.c, (int)strlen(l), "expected text, found a NUL byte");
    } else {
      size_t n = strlen(l);
      if (n && l[n - 1] == '\r') l[--n] = '\0';
      char *hash = strchr(l, '#');
      if (hash) *hash = '\0';
      ok = line(&p);
    }
    g_free(l);
    p.c.s = "";
    start = end + 1;
  }
  if (ok) ok = finish(&p);
  else flush_link(&p);
  seen_clear(&p);
  g_array_free(p.seen, TRUE);
  for (guint i = 0; i < p.others->len; i++) {
    other_section *o = &g_array_index(p.others, other_section, i);
    g_free(o->name);
    options_free(o->options);
  }
  g_array_free(p.others, TRUE);
  g_array_free(p.timeline_order, TRUE);
  g_free(p.sec_name);
  if (!ok) {
    fl_scenario_free(p.s);
    return NULL;
  }
  return p.s;
}

fl_scenario *fl_scenario_load(const char *path, GError **error) {
  char *text = NULL;
  gsize len = 0;
  GError *inner = NULL;
  if (!g_file_get_contents(path, &text, &len, &inner)) {
    g_set_error(error, FL_SCENARIO_ERROR, FL_SCENARIO_ERROR_IO, "%s: cannot read: %s", path,
                g_strerror(inner->code == G_FILE_ERROR_NOENT ? ENOENT : EIO));
    g_error_free(inner);
    return NULL;
  }
  fl_scenario *s = fl_scenario_parse(path, text, len, error);
  g_free(text);
  return s;
}

const char *fl_scenario_node_name(int node) {
  static const char *names[] = {"n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9", "n10"};
  return node >= 0 && node < (int)G_N_ELEMENTS(names) ? names[node] : "n?";
}
