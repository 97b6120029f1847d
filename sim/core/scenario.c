/* scenario: the scenario parser: sections, keys, the timeline and expectations (format in
 * scenario.h and scenarios/README.md). Values are parsed in scenario_values.c.
 *
 * A hand-written line-oriented parser rather than GKeyFile: GKeyFile reports no positions,
 * and the timeline is not key = value. Everything a line says is checked as the line is read,
 * except what depends on the whole file (sections named after the protocol, times beyond the
 * duration, zero-delay loops between the workload and the network), which is checked at the
 * end with the position of the offending line. Timeline lines are kept unexpanded until then:
 * their repetitions are counted against FL_LIMIT_TIMELINE_ACTIONS as each line is read, and
 * expanded and sorted only once the whole file is accepted.
 */
#include "fl_limits.h"
#include "metrics.h"
#include "scenario_int.h"
#include "units.h"

#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

G_DEFINE_QUARK(fl-scenario-error-quark, fl_scenario_error)

typedef enum section {
  SEC_NONE,
  SEC_CLUSTER,
  SEC_NETWORK,
  SEC_LINK,
  SEC_CLOCKS,
  SEC_NODES,
  SEC_NODE, /* [node nX] */
  SEC_WORKLOAD,
  SEC_TIMELINE,
  SEC_EXPECT,
  SEC_GROUPS,
  SEC_NEMESIS,
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

/* One [timeline] line, before its repetitions are expanded (in finish): a rejected file never
 * allocates the actions it asks for. */
typedef struct pending_line {
  fl_action a;      /* the first repetition; owns group_of and latency */
  int64_t every_ns; /* 0: not repeated */
  int64_t reps;
} pending_line;

typedef struct parser {
  fl__cur c;
  fl_scenario *s;
  section sec;
  char *sec_name;        /* for messages: "[cluster]" */
  GArray *seen;          /* seen_key in this section */
  fl_link_override *link;  /* the [link] section being read */
  bool link_both;
  fl_node_model *node_model; /* the [node nX] section being read */
  GArray *others;        /* other_section */
  bool has_cluster, has_nodes, has_protocol, has_duration;
  bool has_nemesis; /* a [nemesis] section was read */
  int nodes_line;
  GArray *lines;          /* pending_line, file order */
  int64_t timeline_total; /* actions the lines so far expand to */
  /* Where the settings that can close a zero-delay loop were written (line 0: the default). */
  fl_srcpos think_pos, retry_pos, latency_pos;
  GArray *sets; /* set_item: the command line's overrides, in the order given */
} parser;

/* One --set SECTION.KEY=VALUE. */
typedef struct set_item {
  char *label; /* "--set SECTION.KEY=VALUE", what its messages start with */
  char *section, *key, *value;
  bool used; /* applied where the file sets the key (or overridden by a later one) */
} set_item;

static const char *cluster_keys[] = {"protocol", "nodes", "seed", "duration", "members", NULL};
static const char *network_keys[] = {"latency", "loss", "duplicate", "reorder", "corrupt", NULL};
static const char *nodes_keys[] = {"processing", "disk", "fsync", "torn_writes", "timer_jitter",
                                   NULL};
static const char *workload_keys[] = {"kind", "clients", "keys", "mix", "key_distribution",
                                      "think", "timeout", "retry", "resend", "start", "stop",
                                      "txn_ops", NULL};

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
                                     "line %d)", p->sec_name, fl__scn_echo(&p->c, key, -1), k->line);
  }
  seen_key k = {g_strdup(key), p->c.line};
  g_array_append_val(p->seen, k);
  return true;
}

static bool unknown_key(parser *p, const char *key, int at, const char *const *keys) {
  char *list = g_strjoinv(", ", (char **)keys);
  fl__scn_fail(&p->c, at, "expected a key of %s (%s), found '%s'", p->sec_name, list,
               fl__scn_echo(&p->c, key, -1));
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

static void flush_node_model(parser *p) {
  if (!p->node_model) return;
  g_array_append_val(p->s->node_models, *p->node_model);
  g_free(p->node_model);
  p->node_model = NULL;
}

static bool flush_link(parser *p) {
  flush_node_model(p);
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
                        fl__scn_echo(c, c->s + c->pos, -1));
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

/* "[node n2]": a node's own model, over [nodes]. */
static bool node_header(parser *p, int at) {
  fl__cur *c = &p->c;
  int node;
  if (!fl__scn_node(c, &node) || !fl__scn_expect(c, "]") || !fl__scn_expect_end(c)) return false;
  fl_node_model *m = g_new0(fl_node_model, 1);
  m->node = node;
  m->pos = here(p, at);
  p->sec = SEC_NODE;
  p->node_model = m;
  g_free(p->sec_name);
  p->sec_name = g_strdup_printf("[node n%d]", node + 1);
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
  if (strncmp(c->s + c->pos, "node", 4) == 0 && (c->s[c->pos + 4] == ' ' || c->s[c->pos + 4] == '\t')) {
    c->pos += 4;
    return node_header(p, at);
  }
  const char *close = strchr(c->s + c->pos, ']');
  if (!close)
    return fl__scn_fail(c, (int)strlen(c->s), "expected ']' closing the section name, found end of line");
  char *name = g_strstrip(g_strndup(c->s + c->pos, (gsize)(close - (c->s + c->pos))));
  c->pos = (int)(close - c->s) + 1;
  bool ok = fl__scn_expect_end(c);
  g_free(p->sec_name);
  p->sec_name = g_strdup_printf("[%s]", fl__scn_echo(c, name, -1));
  if (!ok) {
  } else if (strcmp(name, "cluster") == 0) p->sec = SEC_CLUSTER, p->has_cluster = true;
  else if (strcmp(name, "network") == 0) p->sec = SEC_NETWORK;
  else if (strcmp(name, "clocks") == 0) p->sec = SEC_CLOCKS;
  else if (strcmp(name, "nodes") == 0) p->sec = SEC_NODES;
  else if (strcmp(name, "workload") == 0) p->sec = SEC_WORKLOAD;
  else if (strcmp(name, "timeline") == 0) p->sec = SEC_TIMELINE;
  else if (strcmp(name, "expect") == 0) p->sec = SEC_EXPECT;
  else if (strcmp(name, "groups") == 0) p->sec = SEC_GROUPS;
  else if (strcmp(name, "nemesis") == 0) p->sec = SEC_NEMESIS, p->has_nemesis = true;
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
    fl__scn_fail(c, c->pos, "expected 'key = value', found '%s'", fl__scn_echo(c, c->s + c->pos, -1));
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
    fl__scn_fail(c, c->pos, "expected a value after '%s =', found end of line", fl__scn_echo(c, key, -1));
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
    /* Partitions and node sets read so far are sized by the first count: it must not change
     * (a second [cluster] section would otherwise let it). */
    if (p->has_nodes)
      return fl__scn_fail(c, at, "expected 'nodes' once in the file, found it again (first at "
                                 "line %d)", p->nodes_line);
    if (!fl__scn_int(c, 1, FL_LIMIT_NODES, &n) || !fl__scn_expect_end(c)) return false;
    p->nodes_line = c->line;
    s->n_nodes = (int)n;
    c->n_nodes = (int)n;
    p->has_nodes = true;
    return true;
  }
  if (strcmp(key, "members") == 0) {
    /* "n1 n2 n3" or "n1, n2, n3": the nodes that are members when the run starts. The value
     * is never empty here (an empty one is refused as every key's is). */
    fl__scn_skip_ws(c);
    s->members_pos = here(p, c->pos);
    bool *m = g_new0(bool, c->n_nodes > 0 ? c->n_nodes : 1);
    bool ok = true;
    while (ok && !fl__scn_at_end(c)) {
      fl__scn_skip_ws(c);
      int nat = c->pos, n;
      if (c->n_nodes > 0 && c->s[c->pos] == ',')
        ok = fl__scn_fail(c, nat, "expected a node name n1..n%d, found ','", c->n_nodes);
      ok = ok && fl__scn_node(c, &n);
      if (ok && m[n])
        ok = fl__scn_fail(c, nat, "expected each node once in members, found n%d again", n + 1);
      if (ok) m[n] = true;
      fl__scn_skip_ws(c);
      if (ok && c->s[c->pos] == ',') {
        c->pos++;
        fl__scn_skip_ws(c);
        if (fl__scn_at_end(c))
          ok = fl__scn_fail(c, c->pos, "expected a node name after ',', found end of line");
      }
    }
    if (!ok) {
      g_free(m);
      return false;
    }
    g_free(s->members);
    s->members = m;
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
    if (!ok)
      fl__scn_fail(c, vat, "expected a seed from 0 to 9223372036854775807, found '%s'",
                   fl__scn_echo(c, tok, -1));
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
                       bool *has_loss, bool *has_dup, bool *has_reorder, bool *has_corrupt) {
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
  if (strcmp(key, "corrupt") == 0) {
    if (has_corrupt) *has_corrupt = true;
    return fl__scn_fraction(c, &lp->corrupt) && fl__scn_expect_end(c);
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
  if (strcmp(key, "latency") == 0) p->latency_pos = here(p, p->c.pos);
  return link_value(p, key, &p->s->net_defaults, NULL, NULL, NULL, NULL, NULL);
}

static bool link_line(parser *p, const char *key, int at) {
  if (!in(network_keys, key)) return unknown_key(p, key, at, network_keys);
  fl_link_override *l = p->link;
  return link_value(p, key, &l->params, &l->has_latency, &l->has_loss, &l->has_duplicate,
                    &l->has_reorder, &l->has_corrupt);
}

static bool clocks_line(parser *p, const char *key, int at) {
  fl__cur *c = &p->c;
  fl_clock_spec spec = {.pos = here(p, at)};
  char *end = NULL;
  long v = key[0] == 'n' && g_ascii_isdigit(key[1]) ? strtol(key + 1, &end, 10) : 0;
  if (c->n_nodes <= 0)
    return fl__scn_fail(c, at, "expected 'nodes = N' in [cluster] before the first node name, "
                               "found '%s'", fl__scn_echo(c, key, -1));
  if (!end || *end || v < 1 || v > c->n_nodes)
    return fl__scn_fail(c, at, "expected a node name n1..n%d, found '%s'", c->n_nodes,
                        fl__scn_echo(c, key, -1));
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
                                  "1000000ppm, such as 100ppm, found '%s'", fl__scn_echo(c, tok, -1));
      spec.drift_ppm = v;
      g_free(tok);
    } else {
      ok = fl__scn_fail(c, wat, "expected 'skew DURATION' or 'drift Nppm', found '%s'",
                        fl__scn_echo(c, what, -1));
    }
    g_free(what);
    if (!ok) return false;
    if (!fl__scn_accept(c, ",")) break;
  }
  if (!fl__scn_expect_end(c)) return false;
  g_array_append_val(p->s->clocks, spec);
  return true;
}

/* [nodes] and [node nX]: one key of a node model. */
static bool nodes_line(parser *p, const char *key, int at) {
  if (!in(nodes_keys, key)) return unknown_key(p, key, at, nodes_keys);
  fl__cur *c = &p->c;
  fl_node_model *m = p->sec == SEC_NODE ? p->node_model : &p->s->node_defaults;
  if (strcmp(key, "fsync") == 0 || strcmp(key, "torn_writes") == 0) {
    bool is_fsync = key[0] == 'f';
    fl__scn_skip_ws(c);
    int vat = c->pos;
    char *tok = fl__scn_token(c, "");
    GError *inner = NULL;
    bool v = false, ok = fl_parse_bool(tok, &v, &inner);
    if (!ok) {
      fl__scn_fail(c, vat, "%s", inner->message);
      g_error_free(inner);
    }
    g_free(tok);
    if (!ok || !fl__scn_expect_end(c)) return false;
    if (is_fsync) m->fsync = v, m->has_fsync = true, m->fsync_pos = here(p, at);
    else m->torn_writes = v, m->has_torn_writes = true, m->torn_pos = here(p, at);
    return true;
  }
  fl_dist d;
  if (!fl__scn_dist(c, &d)) return false;
  if (!fl__scn_expect_end(c)) {
    fl_dist_clear(&d);
    return false;
  }
  bool *has = key[0] == 'p' ? &m->has_processing : key[0] == 'd' ? &m->has_disk
                                                                 : &m->has_timer_jitter;
  fl_dist *to = key[0] == 'p' ? &m->processing : key[0] == 'd' ? &m->disk : &m->timer_jitter;
  if (*has) fl_dist_clear(to);
  *to = d;
  *has = true;
  return true;
}

static bool workload_line(parser *p, const char *key, int at) {
  fl__cur *c = &p->c;
  fl_workload *w = &p->s->workload;
  if (!in(workload_keys, key)) return unknown_key(p, key, at, workload_keys);
  int64_t v;
  if (strcmp(key, "kind") == 0) {
    if (!fl__workload_kind_line(c, w, at)) return false;
  } else if (strcmp(key, "txn_ops") == 0) {
    if (strcmp(w->kind->name, "txn") != 0)
      return fl__scn_fail(c, at, "expected txn_ops only with kind = txn, found kind = %s",
                          w->kind->name);
    if (!fl__scn_int(c, 1, FL_LIMIT_TXN_OPS, &v)) return false;
    w->txn_ops = (int)v;
  } else if (strcmp(key, "mix") == 0) {
    if (!fl__workload_mix_line(c, w, at)) return false;
  } else if (strcmp(key, "clients") == 0) {
    if (!fl__scn_int(c, 0, FL_LIMIT_CLIENTS, &v)) return false;
    w->clients = (int)v;
  } else if (strcmp(key, "keys") == 0) {
    if (!fl__scn_int(c, 1, FL_LIMIT_KEYS, &v)) return false;
    w->keys = (int)v;
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
      if (!ok)
        fl__scn_fail(c, nat, "expected a zipf exponent above 0 and at most 10, found '%s'",
                     fl__scn_echo(c, tok, -1));
      g_free(tok);
      if (!ok || !fl__scn_expect(c, ")")) return false;
      w->key_dist = FL_KEYS_ZIPF;
      w->zipf_s = s;
    } else {
      return fl__scn_fail(c, vat, "expected uniform or zipf(S), found '%s'",
                          fl__scn_echo(c, c->s + vat, -1));
    }
  } else if (strcmp(key, "think") == 0) {
    p->think_pos = here(p, c->pos);
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
      p->retry_pos = here(p, vat);
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

typedef struct sort_key {
  int64_t at_ns;
  guint seq; /* expansion order: line order, then repetition */
} sort_key;

static int cmp_key(const void *x, const void *y) {
  const sort_key *a = x, *b = y;
  if (a->at_ns != b->at_ns) return a->at_ns < b->at_ns ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* A time written as a distribution: a word and '(' (a fixed time starts with a digit). */
static bool random_time_ahead(fl__cur *c) {
  fl__scn_skip_ws(c);
  int i = c->pos;
  while (g_ascii_isalpha(c->s[i])) i++;
  return i > c->pos && c->s[i] == '(';
}

/* The earliest and latest times a distribution can give, as fl_dist_sample_ns rounds them;
 * *hi = INT64_MAX for an unbounded one. */
static void time_bounds(const fl_dist *d, int64_t *lo, int64_t *hi) {
  double l = 0, h = INFINITY;
  switch (d->kind) {
  case FL_DIST_CONSTANT: l = h = d->a; break;
  case FL_DIST_UNIFORM: l = d->a, h = d->b; break;
  case FL_DIST_PARETO: l = d->a; break;
  case FL_DIST_EMPIRICAL:
    l = INFINITY, h = 0;
    for (size_t i = 0; i < d->n_values; i++) l = MIN(l, d->values[i]), h = MAX(h, d->values[i]);
    break;
  default: break; /* normal (truncated at 0), exponential, lognormal: from 0, unbounded */
  }
  *lo = l >= 9.2e18 ? INT64_MAX : (int64_t)llround(MAX(l, 0));
  *hi = h >= 9.2e18 ? INT64_MAX : (int64_t)llround(MAX(h, 0));
}

void fl_scenario_draw_times(const fl_scenario *s, fl_rng *r, int64_t *at_ns, guint *order) {
  guint n = s->timeline->len;
  bool drawn = false;
  sort_key *keys = g_new(sort_key, n ? n : 1);
  for (guint i = 0; i < n; i++) {
    const fl_action *a = &g_array_index(s->timeline, fl_action, i);
    at_ns[i] = a->at_dist ? fl_dist_sample_ns(a->at_dist, r) : a->at_ns;
    drawn |= a->at_dist != NULL;
    keys[i] = (sort_key){at_ns[i], i};
  }
  if (drawn) qsort(keys, n, sizeof *keys, cmp_key);
  for (guint i = 0; i < n; i++) order[i] = keys[i].seq;
  g_free(keys);
}

static bool timeline_line(parser *p) {
  fl__cur *c = &p->c;
  fl_action a;
  memset(&a, 0, sizeof a);
  a.a = a.b = -1;
  fl__scn_skip_ws(c);
  a.pos = here(p, c->pos);
  /* "TIME ACTION", or "FROM..TO every PERIOD ACTION": the action at FROM, FROM + PERIOD, ...
   * up to TO. */
  int64_t until_ns = 0, every_ns = 0;
  int tat = c->pos;
  bool ranged = false;
  if (random_time_ahead(c)) { /* "uniform(10s, 10.075s) ACTION": drawn per run */
    fl_dist d;
    if (!fl__scn_dist(c, &d)) return false;
    int64_t hi;
    time_bounds(&d, &a.at_ns, &hi);
    if (d.kind == FL_DIST_CONSTANT) fl_dist_clear(&d); /* constant(5s) is just 5s */
    else a.at_dist = g_memdup2(&d, sizeof d);
  } else {
    char *when = fl__scn_token(c, ",)}");
    GError *inner = NULL;
    ranged = strstr(when, "..") != NULL;
    bool timed = ranged ? fl_parse_duration_range(when, &a.at_ns, &until_ns, &inner)
                        : fl_parse_duration(when, &a.at_ns, &inner);
    g_free(when);
    if (!timed) {
      fl__scn_fail(c, tat, "%s", inner->message);
      g_error_free(inner);
      return false;
    }
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
  bool ok = fl__timeline_action(c, &a);
  ok = ok && fl__scn_expect_end(c);
  if (!ok) {
    fl__action_clear(&a);
    return false;
  }
  /* The action at FROM, FROM + PERIOD, ... while <= TO. */
  pending_line tl = {.a = a, .every_ns = every_ns,
                        .reps = every_ns ? (until_ns - a.at_ns) / every_ns + 1 : 1};
  if (tl.reps > FL_LIMIT_TIMELINE_ACTIONS - p->timeline_total) {
    fl__action_clear(&a);
    return fl__scn_fail(c, tat, "expected at most %d timeline actions in all (repetitions "
                                "included), found %" G_GINT64_FORMAT " with this line",
                        FL_LIMIT_TIMELINE_ACTIONS, p->timeline_total + tl.reps);
  }
  p->timeline_total += tl.reps;
  g_array_append_val(p->lines, tl);
  return true;
}

static void lines_free(GArray *lines) {
  for (guint i = 0; i < lines->len; i++) fl__action_clear(&g_array_index(lines, pending_line, i).a);
  g_array_free(lines, TRUE);
}


/* Expands every line's repetitions into s->timeline, sorted by (time, line order, repetition).
 * That is a total order, so the result does not depend on the sort's stability, and it is
 * the order the earlier insertion sort gave (which took 40 s for 200,000 actions): qsort of
 * (time, expansion index) keys, then one permutation, O(n log n). The lines' owned group
 * group lists and distributions move to their first repetitions. */
static void expand_timeline(parser *p) {
  fl_scenario *s = p->s;
  GArray *flat = g_array_sized_new(FALSE, TRUE, sizeof(fl_action), (guint)p->timeline_total);
  for (guint i = 0; i < p->lines->len; i++) {
    pending_line *tl = &g_array_index(p->lines, pending_line, i);
    for (int64_t r = 0; r < tl->reps; r++) {
      fl_action copy = tl->a;
      copy.at_ns = tl->a.at_ns + r * tl->every_ns;
      if (r > 0) { /* each copy owns its own group table and distribution */
        if (tl->a.part)
          copy.part = g_memdup2(tl->a.part, (gsize)tl->a.n_part * sizeof(fl_target));
        if (fl__action_has_dist(tl->a.kind)) fl_dist_copy(&copy.latency, &tl->a.latency);
        copy.msg_type = g_strdup(tl->a.msg_type);
        if (tl->a.at_dist) { /* not written today (a range takes fixed times), kept sound */
          copy.at_dist = g_new(fl_dist, 1);
          fl_dist_copy(copy.at_dist, tl->a.at_dist);
        }
      }
      g_array_append_val(flat, copy);
    }
  }
  g_array_set_size(p->lines, 0); /* ownership moved to the first repetitions */
  guint n = flat->len;
  sort_key *keys = g_new(sort_key, n ? n : 1);
  for (guint i = 0; i < n; i++) keys[i] = (sort_key){g_array_index(flat, fl_action, i).at_ns, i};
  qsort(keys, n, sizeof *keys, cmp_key);
  g_array_set_size(s->timeline, 0);
  for (guint i = 0; i < n; i++)
    g_array_append_val(s->timeline, g_array_index(flat, fl_action, keys[i].seq));
  g_free(keys);
  g_array_free(flat, TRUE);
}

/* ---- Expectations. */

/* metric NAME >= V | <= V | == V: V is a duration for a name ending in _ns, else an integer. */
static bool metric_expect(fl__cur *c, fl_expect *e) {
  e->kind = FL_EXPECT_METRIC;
  c->pos += 6;
  fl__scn_skip_ws(c);
  int nat = c->pos;
  e->metric = fl__scn_token(c, "<>=!");
  if (!fl_metric_name_is_valid(e->metric))
    return fl__scn_fail(c, nat, "expected a metric name (1 to %d characters of a-z, 0-9 and _), "
                        "found '%s'", FL_LIMIT_METRIC_NAME,
                        *e->metric ? fl__scn_echo(c, e->metric, -1) : "");
  fl__scn_skip_ws(c);
  int oat = c->pos;
  if (fl__scn_accept(c, ">=")) e->metric_cmp = 1;
  else if (fl__scn_accept(c, "<=")) e->metric_cmp = -1;
  else if (fl__scn_accept(c, "==")) e->metric_cmp = 0;
  else
    return fl__scn_fail(c, oat, "expected '>=', '<=' or '==' after the metric name, found '%s'",
                        fl__scn_echo(c, c->s + oat, -1));
  fl__scn_skip_ws(c);
  bool ok = fl_metric_is_duration(e->metric)
                ? fl__scn_duration(c, &e->metric_value)
                : fl__scn_int(c, -INT64_MAX, INT64_MAX, &e->metric_value);
  return ok && fl__scn_expect_end(c);
}

/* The measurement an expectation line starts with ("elections", "recovery", ...), or -1. */
static int measure_word(const char *s) {
  static const struct {
    const char *word;
    fl_expect_measure m;
  } words[] = {{"elections", FL_EXPECT_ELECTIONS},   {"leaders", FL_EXPECT_LEADERS},
               {"leader_changes", FL_EXPECT_LEADER_CHANGES}, {"recovery", FL_EXPECT_RECOVERY_LEADER},
               {"outage", FL_EXPECT_OUTAGE}, {"stale_reads", FL_EXPECT_STALE_READS},
               {"stale_versions", FL_EXPECT_STALE_VERSIONS}, {"stale_lag", FL_EXPECT_STALE_LAG}};
  size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz_");
  for (size_t i = 0; i < G_N_ELEMENTS(words); i++)
    if (strlen(words[i].word) == n && strncmp(s, words[i].word, n) == 0) return (int)words[i].m;
  return -1;
}

/* "elections <= 3", "leaders >= 1", "leader_changes == 1": counts; "recovery(leader) <= 500ms",
 * "recovery(ok) <= 1s", "outage(minority) <= 2s": durations; "stale_reads == 0",
 * "stale_versions <= 2": counts, "stale_lag <= 100ms": a duration. */
static bool measure_expect(fl__cur *c, fl_expect *e, int which) {
  e->kind = FL_EXPECT_MEASURE;
  e->measure = (fl_expect_measure)which;
  int nat = c->pos;
  c->pos += (int)strspn(c->s + c->pos, "abcdefghijklmnopqrstuvwxyz_");
  bool paren = which == FL_EXPECT_RECOVERY_LEADER || which == FL_EXPECT_OUTAGE;
  bool duration = paren || which == FL_EXPECT_STALE_LAG;
  if (paren) {
    if (!fl__scn_expect(c, "(")) return false;
    fl__scn_skip_ws(c);
    int aat = c->pos;
    char *arg = fl__scn_token(c, ")");
    bool ok = true;
    if (which == FL_EXPECT_RECOVERY_LEADER) {
      if (strcmp(arg, "ok") == 0) e->measure = FL_EXPECT_RECOVERY_OK;
      else if (strcmp(arg, "leader") != 0)
        ok = fl__scn_fail(c, aat, "expected leader or ok, found '%s'", fl__scn_echo(c, arg, -1));
    } else {
      if (strcmp(arg, "all") == 0) e->side = FL_SIDE_ALL;
      else if (strcmp(arg, "majority") == 0) e->side = FL_SIDE_MAJORITY;
      else if (strcmp(arg, "minority") == 0) e->side = FL_SIDE_MINORITY;
      else
        ok = fl__scn_fail(c, aat, "expected all, majority or minority, found '%s'",
                          fl__scn_echo(c, arg, -1));
    }
    g_free(arg);
    if (!ok || !fl__scn_expect(c, ")")) return false;
  }
  char *name = g_strndup(c->s + nat, (gsize)(c->pos - nat));
  fl__scn_skip_ws(c);
  int oat = c->pos;
  bool ok = true;
  if (fl__scn_accept(c, ">=")) e->metric_cmp = 1;
  else if (fl__scn_accept(c, "<=")) e->metric_cmp = -1;
  else if (fl__scn_accept(c, "==")) e->metric_cmp = 0;
  else
    ok = fl__scn_fail(c, oat, "expected '>=', '<=' or '==' after %s, found '%s'",
                      fl__scn_echo(c, name, -1), fl__scn_echo(c, c->s + oat, -1));
  g_free(name);
  if (!ok) return false;
  fl__scn_skip_ws(c);
  ok = duration ? fl__scn_duration(c, &e->metric_value)
                : fl__scn_int(c, 0, INT64_MAX, &e->metric_value);
  return ok && fl__scn_expect_end(c);
}

static bool expect_line(parser *p) {
  fl__cur *c = &p->c;
  fl_expect e;
  memset(&e, 0, sizeof e);
  fl__scn_skip_ws(c);
  int at = c->pos;
  e.pos = here(p, at);
  e.text = g_strstrip(g_strdup(c->s + at));
  bool ok = true;
  int which = measure_word(c->s + at);
  if (strncmp(c->s + at, "metric", 6) == 0 && (c->s[at + 6] == ' ' || c->s[at + 6] == '\t')) {
    ok = metric_expect(c, &e);
  } else if (which >= 0) {
    ok = measure_expect(c, &e, which);
  } else if (fl__scn_accept(c, "availability")) {
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
        else ok = fl__scn_fail(c, sat, "expected all, majority, minority or {n1 ...}, found '%s'",
                               fl__scn_echo(c, side, -1));
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
        ok = fl__scn_fail(c, c->pos, "expected '>=' or '<=', found '%s'",
                          fl__scn_echo(c, c->s + c->pos, -1));
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
        else ok = fl__scn_fail(c, vat, "expected hold or violated, found '%s'", fl__scn_echo(c, val, -1));
      } else if (strcmp(key, "linearizable") == 0) {
        e.kind = FL_EXPECT_LINEARIZABLE;
        if (strcmp(val, "yes") == 0) e.want = true;
        else if (strcmp(val, "no") == 0) e.want = false;
        else if (strcmp(val, "skip") == 0) {
          g_free(key);
          g_free(val);
          g_free(e.text);
          return fl__scn_expect_end(c);
        } else ok = fl__scn_fail(c, vat, "expected yes, no or skip, found '%s'", fl__scn_echo(c, val, -1));
      } else if (strcmp(key, "faults") == 0) {
        e.kind = FL_EXPECT_FAULTS;
        if (strcmp(val, "applied") != 0)
          ok = fl__scn_fail(c, vat, "expected applied, found '%s'", fl__scn_echo(c, val, -1));
      } else {
        ok = fl__scn_fail(c, kat, "expected an expectation (invariants = ..., linearizable = ..., "
                                  "availability(SIDE, FROM..TO) >= P%%, metric NAME >= V, "
                                  "elections, leaders, leader_changes, recovery(leader|ok) or "
                                  "outage(SIDE), stale_reads, stale_versions or stale_lag >= V, "
                                  "faults = applied), found '%s'",
                          fl__scn_echo(c, key, -1));
      }
      ok = ok && fl__scn_expect_end(c);
      g_free(key);
      g_free(val);
    }
  }
  if (!ok) {
    g_free(e.text);
    g_free(e.nodes);
    g_free(e.metric);
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
                       .pos = here(p, at), .value_pos = here(p, c->pos),
                       .set = g_strdup(c->set)};
  g_array_append_val(o->options, opt);
  return true;
}

/* ---- Overrides (--set). */

static const char *section_word(parser *p) {
  switch (p->sec) {
  case SEC_CLUSTER: return "cluster";
  case SEC_NETWORK: return "network";
  case SEC_NODES: return "nodes";
  case SEC_WORKLOAD: return "workload";
  case SEC_OTHER: return g_array_index(p->others, other_section, p->others->len - 1).name;
  default: return NULL; /* [link], [node], [clocks], [timeline], [expect]: not by --set */
  }
}

/* The override of KEY in the current section: the last one given (earlier ones of the same
 * key are marked used, never applied). */
static set_item *find_set(parser *p, const char *key) {
  const char *sec = section_word(p);
  set_item *found = NULL;
  for (guint i = 0; sec && p->sets && i < p->sets->len; i++) {
    set_item *it = &g_array_index(p->sets, set_item, i);
    if (strcmp(it->section, sec) == 0 && strcmp(it->key, key) == 0) {
      it->used = true;
      found = it;
    }
  }
  return found;
}

static bool section_line(parser *p, const char *key, int at) {
  switch (p->sec) {
  case SEC_CLUSTER: return cluster_line(p, key, at);
  case SEC_NETWORK: return network_line(p, key, at);
  case SEC_LINK: return link_line(p, key, at);
  case SEC_CLOCKS: return clocks_line(p, key, at);
  case SEC_NODES:
  case SEC_NODE: return nodes_line(p, key, at);
  case SEC_WORKLOAD: return workload_line(p, key, at);
  case SEC_NEMESIS: return fl__nemesis_line(&p->c, p->s, key, at);
  default: return other_line(p, key, at);
  }
}

/* Parses an override's value in place of the file's, in the current section: the cursor reads
 * the override, and its messages name it. */
static bool apply_set(parser *p, const set_item *it) {
  fl__cur *c = &p->c;
  const char *s = c->s;
  int pos = c->pos;
  c->s = it->value;
  c->pos = 0;
  c->set = it->label;
  bool ok = section_line(p, it->key, 0);
  c->s = s;
  c->pos = pos;
  c->set = NULL;
  return ok;
}

/* The overrides of built-in sections whose key the file does not set, added after the file
 * (those of the protocol's section wait for finish, which knows the protocol). */
static bool apply_unused_sets(parser *p) {
  static const struct { const char *name; section sec; } secs[] = {
      {"cluster", SEC_CLUSTER}, {"network", SEC_NETWORK}, {"nodes", SEC_NODES},
      {"workload", SEC_WORKLOAD}};
  flush_link(p);
  for (guint i = 0; p->sets && i < p->sets->len; i++) {
    set_item *it = &g_array_index(p->sets, set_item, i);
    if (it->used) continue;
    for (size_t k = 0; k < G_N_ELEMENTS(secs); k++) {
      if (strcmp(it->section, secs[k].name) != 0) continue;
      p->sec = secs[k].sec;
      g_free(p->sec_name);
      p->sec_name = g_strdup_printf("[%s]", secs[k].name);
      set_item *last = find_set(p, it->key);
      if (!apply_set(p, last)) return false;
    }
  }
  return true;
}

/* Splits each "SECTION.KEY=VALUE"; false with an error naming the malformed one. */
static bool parse_sets(parser *p, char *const *sets) {
  for (char *const *x = sets; x && *x; x++) {
    const char *dot = strchr(*x, '.'), *eq = strchr(*x, '=');
    char *label = g_strconcat("--set ", *x, NULL);
    if (!dot || !eq || dot > eq || dot == *x || eq == dot + 1 || !eq[1]) {
      char *echo = fl_format_echo(*x, -1);
      g_set_error(p->c.error, FL_SCENARIO_ERROR, FL_SCENARIO_ERROR_SYNTAX,
                  "%s: expected SECTION.KEY=VALUE such as raft.heartbeat=50ms, found '%s'", label,
                  echo);
      g_free(echo);
      g_free(label);
      return false;
    }
    set_item it = {.label = label, .section = g_strstrip(g_strndup(*x, (gsize)(dot - *x))),
                   .key = g_strstrip(g_strndup(dot + 1, (gsize)(eq - dot - 1))),
                   .value = g_strstrip(g_strdup(eq + 1))};
    g_array_append_val(p->sets, it);
  }
  return true;
}

static bool line(parser *p) {
  fl__cur *c = &p->c;
  fl__scn_skip_ws(c);
  if (!c->s[c->pos]) return true;
  if (c->s[c->pos] == '[') return section_header(p);
  if (p->sec == SEC_NONE)
    return fl__scn_fail(c, c->pos, "expected a section such as [cluster] before the first "
                                   "setting, found '%s'", fl__scn_echo(c, c->s + c->pos, -1));
  if (p->sec == SEC_TIMELINE) return timeline_line(p);
  if (p->sec == SEC_EXPECT) return expect_line(p);
  if (p->sec == SEC_GROUPS) return fl__groups_line(c);
  int at;
  char *key = key_of(p, &at);
  if (!key) return false;
  bool ok = note_key(p, key, at);
  if (ok) {
    const set_item *it = find_set(p, key);
    ok = it ? apply_set(p, it) : section_line(p, key, at);
  }
  g_free(key);
  return ok;
}

/* ---- Zero-delay loops.
 *
 * A loop of events that can all happen at one instant runs forever without the simulated time
 * advancing. Two loops go through the workload and the network, and are checked here:
 *   think -> request (client to node) -> reply (node to client) -> think, and
 *   redirect -> retry -> request -> redirect reply -> retry.
 * A protocol may answer or redirect within the event that brought the request, so the loop can
 * close when think (or retry) and the latency between clients and nodes can all be 0 ns.
 * Clients' links follow the [network] latency and the timeline's `latency = ...` changes (a
 * [link] names nodes only). A delay "can be 0 ns" when the smallest value its distribution
 * states rounds to 0 ns: constant, uniform's low, an empirical value, pareto's scale. Normal,
 * exponential and lognormal draws are positive: one rounds to 0 ns only below half a
 * nanosecond, which cannot hold a loop at one instant for long (ns-scale means make a run
 * slow, not stuck; the run's own budgets stop those). Loops through nodes' timers are the
 * protocol's business (its options' ranges). */

static bool can_be_zero(const fl_dist *d) {
  switch (d->kind) {
  case FL_DIST_CONSTANT:
  case FL_DIST_UNIFORM:
  case FL_DIST_PARETO:
    return !(d->a >= 0.5);
  case FL_DIST_EMPIRICAL:
    for (size_t i = 0; i < d->n_values; i++)
      if (!(d->values[i] >= 0.5)) return true;
    return false;
  case FL_DIST_NORMAL:
  case FL_DIST_EXPONENTIAL:
  case FL_DIST_LOGNORMAL:
    return false;
  }
  return false;
}

/* A latency that clients' messages can take: the [network] default or a timeline change. */
typedef struct client_latency {
  const fl_dist *d;
  fl_srcpos pos; /* line 0: the default constant(1ms) */
  int64_t at_ns; /* -1: from the start */
} client_latency;

static bool pos_before(fl_srcpos a, fl_srcpos b) {
  return a.line < b.line || (a.line == b.line && a.col < b.col);
}

static void describe_latency(GString *out, const client_latency *l) {
  g_string_append(out, "latency = ");
  fl_dist_describe(l->d, out);
  g_string_append_printf(out, " (line %d", l->pos.line);
  if (l->at_ns >= 0) {
    g_string_append(out, ", from ");
    fl_format_duration(out, l->at_ns);
  }
  g_string_append(out, ")");
}

static bool zero_delay_loops(parser *p) {
  fl_scenario *s = p->s;
  const fl_workload *w = &s->workload;
  if (w->clients <= 0) return true;
  GArray *lat = g_array_new(FALSE, TRUE, sizeof(client_latency));
  client_latency def = {&s->net_defaults.latency, p->latency_pos, -1};
  g_array_append_val(lat, def);
  for (guint i = 0; i < p->lines->len; i++) {
    const fl_action *a = &g_array_index(p->lines, pending_line, i).a;
    bool clients = a->target.kind == FL_TARGET_NONE || a->target.kind == FL_TARGET_CLIENT ||
                   a->target.kind == FL_TARGET_CLIENTS || a->to.kind == FL_TARGET_CLIENT ||
                   a->to.kind == FL_TARGET_CLIENTS;
    if (a->kind != FL_ACT_SET_LATENCY || !clients) continue;
    client_latency l = {&a->latency, a->pos, a->at_ns};
    g_array_append_val(lat, l);
  }
  /* Each loop is blamed on the line that closes it: the later of its two settings, and of all
   * the latencies that close it, the one whose loop closes first in the file. */
  bool think0 = can_be_zero(&w->think), retry0 = w->retry_ns == 0;
  const client_latency *think_by = NULL, *retry_by = NULL;
  fl_srcpos think_at = {0, 0}, retry_at = {0, 0};
  for (guint i = 0; i < lat->len; i++) {
    const client_latency *l = &g_array_index(lat, client_latency, i);
    if (!can_be_zero(l->d)) continue;
    fl_srcpos t = pos_before(p->think_pos, l->pos) ? l->pos : p->think_pos;
    fl_srcpos r = pos_before(p->retry_pos, l->pos) ? l->pos : p->retry_pos;
    if (think0 && (!think_by || pos_before(t, think_at))) think_by = l, think_at = t;
    if (retry0 && (!retry_by || pos_before(r, retry_at))) retry_by = l, retry_at = r;
  }
  /* Of two loops, the one closed first in the file is reported. */
  bool think_first = think_by && (!retry_by || !pos_before(retry_at, think_at));
  bool ok = true;
  if (think_by || retry_by) {
    GString *found = g_string_new(NULL);
    if (think_first) {
      g_string_append(found, "think = ");
      fl_dist_describe(&w->think, found);
      g_string_append_printf(found, " (line %d) and ", p->think_pos.line);
      describe_latency(found, think_by);
    } else {
      g_string_append(found, "retry = ");
      fl_format_duration(found, w->retry_ns);
      g_string_append_printf(found, " (line %d) and ", p->retry_pos.line);
      describe_latency(found, retry_by);
    }
    fl_srcpos at = think_first ? think_at : retry_at;
    p->c.line = at.line;
    ok = fl__scn_fail(&p->c, at.col - 1,
                      think_first
                          ? "expected think or the clients' latency to be above 0ns at its "
                            "smallest, found %s: think -> request -> reply could loop at one "
                            "instant forever"
                          : "expected retry or the clients' latency to be above 0ns at its "
                            "smallest, found %s: redirect -> retry -> request could loop at one "
                            "instant forever",
                      found->str);
    g_string_free(found, TRUE);
  }
  g_array_free(lat, TRUE);
  return ok;
}

/* ---- Node models. */

static void model_take(fl_node_model *to, const fl_node_model *from) {
  if (from->has_processing) {
    if (to->has_processing) fl_dist_clear(&to->processing);
    fl_dist_copy(&to->processing, &from->processing);
    to->has_processing = true;
  }
  if (from->has_disk) {
    if (to->has_disk) fl_dist_clear(&to->disk);
    fl_dist_copy(&to->disk, &from->disk);
    to->has_disk = true;
  }
  if (from->has_timer_jitter) {
    if (to->has_timer_jitter) fl_dist_clear(&to->timer_jitter);
    fl_dist_copy(&to->timer_jitter, &from->timer_jitter);
    to->has_timer_jitter = true;
  }
  if (from->has_fsync) to->fsync = from->fsync, to->has_fsync = true, to->fsync_pos = from->fsync_pos;
  if (from->has_torn_writes)
    to->torn_writes = from->torn_writes, to->has_torn_writes = true, to->torn_pos = from->torn_pos;
}

void fl_scenario_node_model(const fl_scenario *s, int node, fl_node_model *out) {
  memset(out, 0, sizeof *out);
  out->node = node;
  out->fsync = true;
  model_take(out, &s->node_defaults);
  for (guint i = 0; s->node_models && i < s->node_models->len; i++) {
    const fl_node_model *m = &g_array_index(s->node_models, fl_node_model, i);
    if (m->node == node) model_take(out, m);
  }
  out->node = node;
}

void fl_node_model_clear(fl_node_model *m) {
  if (m->has_processing) fl_dist_clear(&m->processing);
  if (m->has_disk) fl_dist_clear(&m->disk);
  if (m->has_timer_jitter) fl_dist_clear(&m->timer_jitter);
  memset(m, 0, sizeof *m);
}

/* fsync = no and torn_writes = yes act only on writes not yet synced: without a disk latency
 * every write is synced at once and they would silently do nothing. */
static bool node_models_check(parser *p) {
  fl_scenario *s = p->s;
  bool ok = true;
  for (int i = 0; ok && i < s->n_nodes; i++) {
    fl_node_model m;
    fl_scenario_node_model(s, i, &m);
    bool lying = m.has_fsync && !m.fsync, torn = m.torn_writes;
    /* A constant 0 is no disk latency at all (node_phys.c turns it off). */
    bool no_disk = !m.has_disk || (m.disk.kind == FL_DIST_CONSTANT && !(m.disk.a >= 0.5));
    if ((lying || torn) && no_disk) {
      fl_srcpos at = torn ? m.torn_pos : m.fsync_pos;
      GString *found = g_string_new(m.has_disk ? "disk = " : "none");
      if (m.has_disk) fl_dist_describe(&m.disk, found);
      p->c.line = at.line;
      ok = fl__scn_fail(&p->c, at.col - 1, "expected a disk latency above 0ns for n%d beside %s "
                        "(without one every write is synced at once), found %s", i + 1,
                        torn ? "torn_writes = yes" : "fsync = no", found->str);
      g_string_free(found, TRUE);
    }
    fl_node_model_clear(&m);
  }
  return ok;
}

/* ---- Whole-file checks. */

static const char known_sections[] =
    "[cluster], [network], [link ...], [clocks], [nodes], [node nX], [workload], [groups], "
    "[timeline], [nemesis], [expect]";

static GPtrArray *known_protocols; /* of const char *, borrowed: fl__scenario_know_protocol */

void fl__scenario_know_protocol(const char *name) {
  if (!known_protocols) known_protocols = g_ptr_array_new();
  g_ptr_array_add(known_protocols, (gpointer)name);
}

static bool is_known_protocol(const char *name) {
  for (guint i = 0; known_protocols && i < known_protocols->len; i++)
    if (strcmp(known_protocols->pdata[i], name) == 0) return true;
  return false;
}

static bool finish(parser *p) {
  fl_scenario *s = p->s;
  fl__cur *c = &p->c;
  flush_link(p);
  /* Without any [cluster] section, a section of another name is the likelier mistake (a
   * misspelt [cluster]): name it rather than the missing keys. */
  if (!p->has_cluster && p->others->len > 0) {
    other_section *o = &g_array_index(p->others, other_section, 0);
    c->line = o->pos.line;
    return fl__scn_fail(c, o->pos.col - 1, "expected a section %s or one named after the "
                                           "protocol, found [%s]", known_sections,
                        fl__scn_echo(c, o->name, -1));
  }
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
    if (is_known_protocol(o->name)) continue; /* another protocol's options: not this run's */
    c->line = o->pos.line;
    return fl__scn_fail(c, o->pos.col - 1, "expected a section %s or [%s], found [%s]",
                        known_sections, fl__scn_echo(c, s->protocol, -1),
                        fl__scn_echo(c, o->name, -1));
  }
  /* Overrides of the protocol's options the file does not set; any other section is wrong. */
  for (guint i = 0; p->sets && i < p->sets->len; i++) {
    set_item *it = &g_array_index(p->sets, set_item, i);
    if (it->used) continue;
    if (strcmp(it->section, s->protocol) != 0) {
      g_set_error(c->error, FL_SCENARIO_ERROR, FL_SCENARIO_ERROR_SYNTAX,
                  "%s: expected a section cluster, network, nodes, workload or %s (the protocol's), "
                  "found '%s'", it->label, fl__scn_echo(c, s->protocol, -1),
                  fl__scn_echo(c, it->section, -1));
      return false;
    }
    const set_item *last = it;
    for (guint k = i; k < p->sets->len; k++) {
      set_item *o = &g_array_index(p->sets, set_item, k);
      if (strcmp(o->section, it->section) == 0 && strcmp(o->key, it->key) == 0) {
        o->used = true;
        last = o;
      }
    }
    fl_scn_option opt = {.name = g_strdup(last->key), .value = g_strdup(last->value),
                         .set = g_strdup(last->label)};
    g_array_append_val(s->options, opt);
  }
  /* The earliest time beyond the duration (line order among equal times), found from each
   * line's first repetition past the end without expanding anything. */
  const pending_line *late = NULL;
  int64_t late_ns = 0;
  for (guint i = 0; i < p->lines->len; i++) {
    const pending_line *tl = &g_array_index(p->lines, pending_line, i);
    int64_t t = tl->a.at_ns;
    if (tl->a.at_dist) { /* a bounded random time must end within the duration */
      int64_t lo, hi;
      time_bounds(tl->a.at_dist, &lo, &hi);
      if (hi != INT64_MAX) t = hi;
    }
    if (t <= s->duration_ns) {
      if (tl->every_ns == 0) continue;
      int64_t r = (s->duration_ns - t) / tl->every_ns + 1;
      if (r >= tl->reps) continue;
      t += r * tl->every_ns;
    }
    if (!late || t < late_ns) late = tl, late_ns = t;
  }
  if (late) {
    GString *d = g_string_new(NULL), *t = g_string_new(NULL);
    fl_format_duration(d, s->duration_ns);
    fl_format_duration(t, late_ns);
    c->line = late->a.pos.line;
    if (late->a.at_dist) {
      GString *r = g_string_new(NULL);
      fl_dist_describe(late->a.at_dist, r);
      fl__scn_fail(c, late->a.pos.col - 1, "expected a time within the duration (%s), found %s, "
                   "which can be %s", d->str, r->str, t->str);
      g_string_free(r, TRUE);
    } else {
      fl__scn_fail(c, late->a.pos.col - 1, "expected a time within the duration (%s), found %s",
                   d->str, t->str);
    }
    g_string_free(d, TRUE);
    g_string_free(t, TRUE);
    return false;
  }
  for (guint i = 0; i < p->lines->len; i++)
    if (!fl__timeline_check_clients(c, &g_array_index(p->lines, pending_line, i).a,
                                    s->workload.clients))
      return false;
  if (!zero_delay_loops(p)) return false;
  if (!node_models_check(p)) return false;
  if (p->has_nemesis && !fl__nemesis_check(c, s)) return false;
  expand_timeline(p);
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
  s->node_defaults.node = -1;
  s->node_defaults.fsync = true;
  s->node_models = g_array_new(FALSE, TRUE, sizeof(fl_node_model));
  s->timeline = g_array_new(FALSE, TRUE, sizeof(fl_action));
  s->options = g_array_new(FALSE, TRUE, sizeof(fl_scn_option));
  s->expects = g_array_new(FALSE, TRUE, sizeof(fl_expect));
  s->groups = g_array_new(FALSE, TRUE, sizeof(fl_node_group));
  s->nemesis = g_array_new(FALSE, TRUE, sizeof(fl_nemesis_gen));
  fl_workload_init_defaults(&s->workload);
  return s;
}

static void options_free(GArray *a) {
  for (guint i = 0; i < a->len; i++) {
    g_free(g_array_index(a, fl_scn_option, i).name);
    g_free(g_array_index(a, fl_scn_option, i).value);
    g_free(g_array_index(a, fl_scn_option, i).set);
  }
  g_array_free(a, TRUE);
}

void fl_scenario_free(fl_scenario *s) {
  if (!s) return;
  g_free(s->members);
  for (guint i = 0; i < s->links->len; i++) {
    fl_link_override *l = &g_array_index(s->links, fl_link_override, i);
    if (l->has_latency) fl_dist_clear(&l->params.latency);
  }
  for (guint i = 0; i < s->timeline->len; i++) fl__action_clear(&g_array_index(s->timeline, fl_action, i));
  for (guint i = 0; i < s->expects->len; i++) {
    g_free(g_array_index(s->expects, fl_expect, i).text);
    g_free(g_array_index(s->expects, fl_expect, i).metric);
    g_free(g_array_index(s->expects, fl_expect, i).nodes);
  }
  g_array_free(s->links, TRUE);
  g_array_free(s->clocks, TRUE);
  fl_node_model_clear(&s->node_defaults);
  for (guint i = 0; i < s->node_models->len; i++)
    fl_node_model_clear(&g_array_index(s->node_models, fl_node_model, i));
  g_array_free(s->node_models, TRUE);
  g_array_free(s->timeline, TRUE);
  g_array_free(s->expects, TRUE);
  for (guint i = 0; i < s->groups->len; i++) fl__group_clear(&g_array_index(s->groups, fl_node_group, i));
  g_array_free(s->groups, TRUE);
  for (guint i = 0; i < s->nemesis->len; i++)
    fl__nemesis_gen_clear(&g_array_index(s->nemesis, fl_nemesis_gen, i));
  g_array_free(s->nemesis, TRUE);
  options_free(s->options);
  g_strfreev(s->sets);
  fl_dist_clear(&s->net_defaults.latency);
  fl_workload_clear(&s->workload);
  g_free(s->protocol);
  g_free(s->path);
  g_free(s);
}

fl_scenario *fl_scenario_parse(const char *path, const char *text, size_t len, GError **error) {
  return fl_scenario_parse_with(path, text, len, NULL, error);
}

fl_scenario *fl_scenario_parse_with(const char *path, const char *text, size_t len,
                                    char *const *sets, GError **error) {
  parser p;
  memset(&p, 0, sizeof p);
  p.s = scenario_new(path);
  p.c.path = path;
  p.c.error = error;
  p.c.groups = p.s->groups;
  p.seen = g_array_new(FALSE, TRUE, sizeof(seen_key));
  p.others = g_array_new(FALSE, TRUE, sizeof(other_section));
  p.lines = g_array_new(FALSE, TRUE, sizeof(pending_line));
  p.sets = g_array_new(FALSE, TRUE, sizeof(set_item));
  if (sets && *sets) p.s->sets = g_strdupv((char **)sets);
  bool ok = parse_sets(&p, sets);
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
  if (ok) ok = apply_unused_sets(&p);
  if (ok) ok = finish(&p);
  else flush_link(&p);
  for (guint i = 0; i < p.sets->len; i++) {
    set_item *it = &g_array_index(p.sets, set_item, i);
    g_free(it->label);
    g_free(it->section);
    g_free(it->key);
    g_free(it->value);
  }
  g_array_free(p.sets, TRUE);
  seen_clear(&p);
  g_array_free(p.seen, TRUE);
  for (guint i = 0; i < p.others->len; i++) {
    other_section *o = &g_array_index(p.others, other_section, i);
    g_free(o->name);
    options_free(o->options);
  }
  g_array_free(p.others, TRUE);
  lines_free(p.lines);
  if (p.c.echoes) g_ptr_array_free(p.c.echoes, TRUE);
  g_free(p.sec_name);
  if (!ok) {
    fl_scenario_free(p.s);
    return NULL;
  }
  return p.s;
}

static const char *file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "is a directory";
  if (S_ISCHR(mode)) return "is a character device";
  if (S_ISBLK(mode)) return "is a block device";
  if (S_ISFIFO(mode)) return "is a FIFO";
  if (S_ISSOCK(mode)) return "is a socket";
  return "is not a regular file";
}

static bool io_fail(GError **error, const char *path, const char *what) {
  g_set_error(error, FL_SCENARIO_ERROR, FL_SCENARIO_ERROR_IO, "%s: %s", path, what);
  return false;
}

static bool too_large(GError **error, const char *path) {
  char *what = g_strdup_printf("is larger than %d MiB, expected a scenario file of at most %d "
                               "bytes", FL_LIMIT_SCENARIO_MIB, FL_LIMIT_SCENARIO_BYTES);
  io_fail(error, path, what);
  g_free(what);
  return false;
}

/* Reads a whole scenario file. Only a regular file is read (a directory, a device such as
 * /dev/zero, a FIFO or a socket is refused before any read), and never more than
 * FL_LIMIT_SCENARIO_BYTES: the size is checked before reading and again while reading, since a
 * file may grow, and files in /proc report a size of 0. The file is opened non-blocking so that
 * a FIFO put in its place after the check cannot hang the open; fstat on the open descriptor
 * then decides. */
static bool read_scenario_file(const char *path, char **text, size_t *len, GError **error) {
  struct stat st;
  if (stat(path, &st) != 0) {
    char *what = g_strdup_printf("cannot read: %s", g_strerror(errno));
    io_fail(error, path, what);
    g_free(what);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    char *what = g_strdup_printf("%s, expected a scenario file", file_kind(st.st_mode));
    io_fail(error, path, what);
    g_free(what);
    return false;
  }
  if (st.st_size > FL_LIMIT_SCENARIO_BYTES) return too_large(error, path);
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    char *what = fd < 0 ? g_strdup_printf("cannot read: %s", g_strerror(errno))
                        : g_strdup_printf("%s, expected a scenario file", file_kind(st.st_mode));
    io_fail(error, path, what);
    g_free(what);
    if (fd >= 0) close(fd);
    return false;
  }
  size_t cap = FL_LIMIT_SCENARIO_BYTES, n = 0, size = (size_t)st.st_size + 1;
  if (size > cap + 1) size = cap + 1;
  char *buf = g_malloc(size + 1);
  for (;;) {
    if (n == size) {
      if (size == cap + 1) break; /* one byte past the cap: too large */
      size = MIN(size * 2, cap + 1);
      buf = g_realloc(buf, size + 1);
    }
    ssize_t r = read(fd, buf + n, size - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      char *what = g_strdup_printf("cannot read: %s", g_strerror(errno));
      io_fail(error, path, what);
      g_free(what);
      g_free(buf);
      close(fd);
      return false;
    }
    if (r == 0) break;
    n += (size_t)r;
  }
  close(fd);
  if (n > cap) {
    g_free(buf);
    return too_large(error, path);
  }
  buf[n] = '\0';
  *text = buf;
  *len = n;
  return true;
}

fl_scenario *fl_scenario_load(const char *path, GError **error) {
  return fl_scenario_load_with(path, NULL, error);
}

fl_scenario *fl_scenario_load_with(const char *path, char *const *sets, GError **error) {
  char *text = NULL;
  size_t len = 0;
  if (!read_scenario_file(path, &text, &len, error)) return NULL;
  fl_scenario *s = fl_scenario_parse_with(path, text, len, sets, error);
  g_free(text);
  return s;
}

const char *fl_scenario_node_name(int node) {
  static const char *names[] = {"n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9", "n10"};
  return node >= 0 && node < (int)G_N_ELEMENTS(names) ? names[node] : "n?";
}
