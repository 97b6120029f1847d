/* scenario_timeline: the actions of a [timeline] line ("partition {n1 n2}
 * {n3}", "crash leader", "loss n1 -> n2 = 5%"). scenario.c reads the line's
 * time and repetition and hands the rest here. One parser per verb, found in a
 * table: a new fault is a row and a function. */
#include "scenario_int.h"

#include <stdlib.h>
#include <string.h>

#include "fl_limits.h"
#include "units.h"

typedef bool (*verb_parser)(fl__cur *c, fl_action *a, const char *verb, int vat);

/* ---- Targets: one grammar for every action (scenarios/README.md, [timeline], "Targets").
 *
 *   nK | cK | all | clients | leader | followers | random [K] | minority | majority | behind
 *   | NAME (a [groups] group)
 *
 * Which kinds an action accepts is a mask: node actions take node targets only, link actions
 * clients too, `restart` no live-only role (a role names live nodes, which restart cannot
 * apply to). */
enum {
  T_NODES = 1,   /* nK, all, groups */
  T_ROLES = 2,   /* leader, followers, behind */
  T_DRAWN = 4,   /* random K, minority, majority */
  T_CLIENTS = 8, /* cK, clients */
  T_NODE_ACTION = T_NODES | T_ROLES | T_DRAWN,
  T_LINK = T_NODES | T_ROLES | T_DRAWN | T_CLIENTS,
};

static const struct {
  const char *word;
  fl_target_kind kind;
  unsigned mask;
} target_words[] = {
    {"all", FL_TARGET_ALL, T_NODES},           {"leader", FL_TARGET_LEADER, T_ROLES},
    {"followers", FL_TARGET_FOLLOWERS, T_ROLES}, {"random", FL_TARGET_RANDOM, T_DRAWN},
    {"minority", FL_TARGET_MINORITY, T_DRAWN}, {"majority", FL_TARGET_MAJORITY, T_DRAWN},
    {"behind", FL_TARGET_BEHIND, T_ROLES},     {"clients", FL_TARGET_CLIENTS, T_CLIENTS},
};

static int find_group(const fl__cur *c, const char *name) {
  for (guint i = 0; c->groups && i < c->groups->len; i++)
    if (strcmp(g_array_index(c->groups, fl_node_group, i).name, name) == 0) return (int)i;
  return -1;
}

/* "cK" with K >= 1 (checked against [workload] clients when the file ends). */
static bool client_name(const char *tok, int *out) {
  char *end = NULL;
  long v = tok[0] == 'c' && g_ascii_isdigit(tok[1]) ? strtol(tok + 1, &end, 10) : 0;
  if (!end || *end || v < 1 || v > FL_LIMIT_CLIENTS) return false;
  *out = (int)v - 1;
  return true;
}

/* A target word the action does not take: a client for a node action, a live-only role to
 * restart. */
static bool target_mismatch(fl__cur *c, int at, bool client, const char *what, const char *verb) {
  if (client)
    return fl__scn_fail(c, at, "expected a node target to %s (clients are targets of link "
                               "actions only), found '%s'", verb, what);
  return fl__scn_fail(c, at, "expected a target that can name a crashed node to %s (nK, all, "
                             "random K, minority, majority or a group), found '%s'", verb, what);
}

/* One target at the cursor into *t, if `mask` allows its kind. */
static bool target(fl__cur *c, fl_target *t, unsigned mask, const char *verb) {
  fl__scn_skip_ws(c);
  int at = c->pos;
  memset(t, 0, sizeof *t);
  t->pos = (fl_srcpos){c->line, at + 1};
  t->index = -1;
  if (c->n_nodes <= 0) {
    int n;
    return fl__scn_node(c, &n); /* its message: nodes = N must come first */
  }
  char *tok = fl__scn_token(c, ",)}]-<=");
  bool ok = true, known = false;
  for (size_t i = 0; i < G_N_ELEMENTS(target_words) && !known; i++) {
    if (strcmp(tok, target_words[i].word) != 0) continue;
    known = true;
    t->kind = target_words[i].kind;
    if (!(mask & target_words[i].mask))
      ok = target_mismatch(c, at, target_words[i].mask == T_CLIENTS, tok, verb);
  }
  int k;
  if (known) {
  } else if ((k = find_group(c, tok)) >= 0) {
    t->kind = FL_TARGET_GROUP;
    t->index = k;
  } else if (client_name(tok, &k)) {
    t->kind = FL_TARGET_CLIENT;
    t->index = k;
    if (!(mask & T_CLIENTS)) ok = target_mismatch(c, at, true, tok, verb);
  } else if (tok[0] == 'n' || !tok[0] || strchr(",)}]-<=", tok[0])) {
    c->pos = at; /* a node name, or its message */
    t->kind = FL_TARGET_NODE;
    ok = fl__scn_node(c, &t->index);
  } else {
    ok = fl__scn_fail(c, at, "expected a target (n1..n%d, all, leader, followers, random K, "
                             "minority, majority, behind%s or a [groups] name), found '%s'",
                      c->n_nodes, mask & T_CLIENTS ? ", cK, clients" : "",
                      fl__scn_echo(c, tok, -1));
  }
  g_free(tok);
  if (ok && t->kind == FL_TARGET_RANDOM) { /* "random" alone is "random 1" */
    fl__scn_skip_ws(c);
    t->index = 1;
    if (g_ascii_isdigit(c->s[c->pos]) || (c->s[c->pos] == '-' && g_ascii_isdigit(c->s[c->pos + 1]))) {
      int kat = c->pos;
      int64_t v;
      if (!fl__scn_int(c, INT32_MIN, INT32_MAX, &v)) return false;
      if (v < 1)
        return fl__scn_fail(c, kat, "expected at least 1 node after 'random', found %" G_GINT64_FORMAT, v);
      if (v > c->n_nodes)
        return fl__scn_fail(c, kat, "expected at most %d nodes after 'random' (nodes = %d), found %"
                            G_GINT64_FORMAT, c->n_nodes, c->n_nodes, v);
      t->index = (int)v;
    }
  }
  return ok;
}

/* The legacy single-node fields: a's node for a one-node target, FL_NODE_LEADER for leader. */
static int legacy_node(const fl_target *t) {
  if (t->kind == FL_TARGET_NODE) return t->index;
  return t->kind == FL_TARGET_LEADER ? FL_NODE_LEADER : -1;
}

static bool node_target(fl__cur *c, fl_action *a, unsigned mask, const char *verb) {
  if (!target(c, &a->target, mask, verb)) return false;
  a->a = legacy_node(&a->target);
  return true;
}

/* ---- [groups]: `NAME = n1 n2 n3`, before the [timeline] lines that use NAME. */

void fl__group_clear(fl_node_group *g) {
  g_free(g->name);
  g_free(g->nodes);
}

bool fl__groups_line(fl__cur *c) {
  fl__scn_skip_ws(c);
  int at = c->pos;
  char *name = fl__scn_token(c, "=");
  bool ok = true;
  int k;
  bool word = false;
  for (size_t i = 0; i < G_N_ELEMENTS(target_words); i++) word |= strcmp(name, target_words[i].word) == 0;
  bool valid = g_ascii_isalpha(name[0]);
  for (const char *p = name; *p && valid; p++) valid = g_ascii_isalnum(*p) || *p == '_' || *p == '-';
  if (c->n_nodes <= 0) {
    ok = fl__scn_fail(c, at, "expected 'nodes = N' in [cluster] before [groups], found '%s'",
                      fl__scn_echo(c, name, -1));
  } else if (!valid || word || client_name(name, &k) ||
             (name[0] == 'n' && g_ascii_isdigit(name[1]))) {
    ok = fl__scn_fail(c, at, "expected a group name (a letter, then letters, digits, _ or -; "
                             "not a node, a client or a target word), found '%s'",
                      fl__scn_echo(c, name, -1));
  } else if ((k = find_group(c, name)) >= 0) {
    ok = fl__scn_fail(c, at, "expected each group defined once, found '%s' again (first at "
                             "line %d)", fl__scn_echo(c, name, -1),
                      g_array_index(c->groups, fl_node_group, k).pos.line);
  }
  ok = ok && fl__scn_expect(c, "=");
  if (!ok) {
    g_free(name);
    return false;
  }
  fl_node_group g = {name, g_new0(bool, c->n_nodes), {c->line, at + 1}};
  int members = 0;
  while (ok && !fl__scn_at_end(c)) {
    fl__scn_skip_ws(c);
    int nat = c->pos, n;
    ok = fl__scn_node(c, &n);
    if (ok && g.nodes[n])
      ok = fl__scn_fail(c, nat, "expected each node once in the group, found n%d again", n + 1);
    if (ok) g.nodes[n] = true, members++;
  }
  if (ok && members == 0) ok = fl__scn_fail(c, c->pos, "expected nodes such as n1 n2, found end of line");
  if (!ok) {
    fl__group_clear(&g);
    return false;
  }
  g_array_append_val(c->groups, g);
  return true;
}

/* "partition random-halves" or "partition {n1 n2 n3} {n3 n4 n5} ...": groups of targets, which
 * may overlap (a node in two groups is a bridge between them). */
static bool partition(fl__cur *c, fl_action *a, const char *verb, int vat) {
  (void)verb;
  a->kind = FL_ACT_PARTITION;
  if (fl__scn_accept(c, "random-halves")) return true; /* part NULL: drawn when it happens */
  if (c->n_nodes <= 0)
    return fl__scn_fail(c, vat,
                        "expected 'nodes = N' in [cluster] before the first partition, "
                        "found 'partition'");
  GArray *part = g_array_new(FALSE, TRUE, sizeof(fl_target));
  int groups = 0;
  bool ok = true;
  while (ok && !fl__scn_at_end(c)) {
    if (!(ok = fl__scn_expect(c, "{"))) break;
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
      fl_target t;
      if (!(ok = target(c, &t, T_NODE_ACTION, "partition"))) break;
      t.in_group = groups;
      g_array_append_val(part, t);
      members++;
    }
    if (ok && members == 0)
      ok = fl__scn_fail(c, c->pos - 1, "expected a node in the group, found '{}'");
    groups++;
  }
  if (ok && groups < 1)
    ok = fl__scn_fail(c, c->pos, "expected groups such as {n1 n2} {n3}, found end of line");
  a->n_part = (int)part->len;
  a->n_groups = groups;
  a->part = (fl_target *)(void *)g_array_free(part, FALSE);
  return ok;
}

static bool heal(fl__cur *c, fl_action *a, const char *verb, int vat) {
  (void)c, (void)verb, (void)vat;
  a->kind = FL_ACT_HEAL;
  return true;
}

/* "SRC -> DST": the links from every endpoint SRC names to every one DST names (self-links
 * skipped). */
static bool link_pair(fl__cur *c, fl_action *a, int vat) {
  if (!(target(c, &a->target, T_LINK, "link") && fl__scn_expect(c, "->") &&
        target(c, &a->to, T_LINK, "link")))
    return false;
  a->a = legacy_node(&a->target);
  a->b = legacy_node(&a->to);
  if (a->target.kind == a->to.kind && a->target.index == a->to.index &&
      (a->target.kind == FL_TARGET_NODE || a->target.kind == FL_TARGET_CLIENT))
    return fl__scn_fail(c, vat, "expected a link between two different %s, found %c%d to itself",
                        a->target.kind == FL_TARGET_NODE ? "nodes" : "endpoints",
                        a->target.kind == FL_TARGET_NODE ? 'n' : 'c', a->target.index + 1);
  return true;
}

static bool cut(fl__cur *c, fl_action *a, const char *verb, int vat) {
  a->kind = verb[0] == 'c' ? FL_ACT_CUT : FL_ACT_UNCUT;
  return link_pair(c, a, vat);
}

static bool crash(fl__cur *c, fl_action *a, const char *verb, int vat) {
  (void)vat;
  a->kind = FL_ACT_CRASH;
  return node_target(c, a, T_NODE_ACTION, verb);
}

static bool restart(fl__cur *c, fl_action *a, const char *verb, int vat) {
  (void)vat;
  a->kind = FL_ACT_RESTART;
  return node_target(c, a, T_NODES | T_DRAWN, verb);
}

static bool resume(fl__cur *c, fl_action *a, const char *verb, int vat) {
  (void)vat;
  a->kind = FL_ACT_RESUME;
  return node_target(c, a, T_NODE_ACTION, verb);
}

/* "join n6" / "leave n2": membership ([cluster] members), for protocols with an
 * on_membership hook. A node target as crash's: a crashed node may join or leave too (it reads
 * the membership when it restarts). */
static bool membership(fl__cur *c, fl_action *a, const char *verb, int vat) {
  (void)vat;
  a->kind = verb[0] == 'j' ? FL_ACT_JOIN : FL_ACT_LEAVE;
  return node_target(c, a, T_NODE_ACTION, verb);
}

static bool pause_action(fl__cur *c, fl_action *a, const char *verb, int vat) {
  (void)vat;
  a->kind = FL_ACT_PAUSE;
  if (!node_target(c, a, T_NODE_ACTION, verb)) return false;
  if (fl__scn_accept(c, "for")) {
    int dat = c->pos;
    if (!fl__scn_duration(c, &a->for_ns)) return false;
    if (a->for_ns <= 0) return fl__scn_fail(c, dat + 1, "expected a pause above zero, found 0");
  }
  return true;
}

/* "type NAME": restricts a link change to one message type, the first word of the
 * protocol's describe_msg ("AppendEntries"). A qualifier on the existing verbs rather than new
 * verbs (drop, delay): `loss type T` means exactly what `loss` means, for fewer messages, with
 * the same link selection and values, and the explicit keyword keeps a type name apart from a
 * node or any target a link may name. */
static bool msg_type(fl__cur *c, fl_action *a, const char *verb) {
  fl__scn_skip_ws(c);
  int tat = c->pos;
  char after = strncmp(c->s + c->pos, "type", 4) == 0 ? c->s[c->pos + 4] : 'x';
  if (after != ' ' && after != '\t' && after != '\0') return true; /* no qualifier */
  if (a->kind != FL_ACT_SET_LOSS && a->kind != FL_ACT_SET_LATENCY &&
      a->kind != FL_ACT_SET_DUPLICATE)
    return fl__scn_fail(c, tat,
                        "expected a link or '=' after '%s' (only loss, latency and duplicate "
                        "take a message type), found 'type'", verb);
  c->pos += 4;
  fl__scn_skip_ws(c);
  int nat = c->pos;
  size_t n = 0;
  while (g_ascii_isalnum(c->s[c->pos + (int)n]) || c->s[c->pos + (int)n] == '_' ||
         c->s[c->pos + (int)n] == '-')
    n++;
  if (n == 0 || n > FL_LIMIT_MSG_TYPE_NAME) {
    char *tok = fl__scn_token(c, "");
    bool r = fl__scn_fail(c, nat,
                          "expected a message type (a word of at most %d letters, digits, '_' "
                          "or '-', as the first word of the protocol's message descriptions), "
                          "found %s%s%s",
                          FL_LIMIT_MSG_TYPE_NAME, *tok ? "'" : "",
                          *tok ? fl__scn_echo(c, tok, -1) : "end of line", *tok ? "'" : "");
    g_free(tok);
    return r;
  }
  a->msg_type = g_strndup(c->s + c->pos, n);
  c->pos += (int)n;
  return true;
}

/* "loss = 5%" / "latency = DIST" / "corrupt = P" / "duplicate = P" / "reorder = yes|no" for
 * every link, or "loss SRC -> DST = 5%" for some; loss, latency and duplicate also take
 * "type NAME" first. */
static bool link_param(fl__cur *c, fl_action *a, const char *verb, int vat) {
  a->kind = strcmp(verb, "loss") == 0        ? FL_ACT_SET_LOSS
            : strcmp(verb, "latency") == 0   ? FL_ACT_SET_LATENCY
            : strcmp(verb, "corrupt") == 0   ? FL_ACT_SET_CORRUPT
            : strcmp(verb, "duplicate") == 0 ? FL_ACT_SET_DUPLICATE
                                             : FL_ACT_SET_REORDER;
  if (!msg_type(c, a, verb)) return false;
  fl__scn_skip_ws(c);
  if (c->s[c->pos] != '=' && !link_pair(c, a, vat)) return false;
  if (!fl__scn_expect(c, "=")) return false;
  if (a->kind == FL_ACT_SET_LATENCY) return fl__scn_dist(c, &a->latency);
  if (a->kind != FL_ACT_SET_REORDER) return fl__scn_fraction(c, &a->fraction);
  fl__scn_skip_ws(c);
  int bat = c->pos;
  char *tok = fl__scn_token(c, "");
  bool on = false;
  GError *inner = NULL;
  bool ok = fl_parse_bool(tok, &on, &inner);
  if (!ok) {
    fl__scn_fail(c, bat, "%s", inner->message);
    g_error_free(inner);
  }
  g_free(tok);
  a->fraction = on ? 1 : 0;
  return ok;
}

/* The nodes a node-model action acts on: a target (resolved when it happens). */
static bool model_node(fl__cur *c, fl_action *a, const char *verb) {
  return node_target(c, a, T_NODE_ACTION, verb);
}

/* "clock n1 jump +5s": an NTP step of the node's local clock, forwards or back. */
static bool clock_jump(fl__cur *c, fl_action *a, const char *verb, int vat) {
  (void)vat;
  a->kind = FL_ACT_CLOCK_JUMP;
  return model_node(c, a, verb) && fl__scn_expect(c, "jump") && fl__scn_signed_duration(c, &a->for_ns);
}

/* "processing n2 = 20ms" / "disk = DIST": a node's (or, without one, every node's) processing
 * time per message or disk latency from here on. */
static bool node_param(fl__cur *c, fl_action *a, const char *verb, int vat) {
  (void)vat;
  a->kind = verb[0] == 'p' ? FL_ACT_SET_PROCESSING : FL_ACT_SET_DISK;
  fl__scn_skip_ws(c);
  if (c->s[c->pos] != '=' && !model_node(c, a, verb)) return false;
  return fl__scn_expect(c, "=") && fl__scn_dist(c, &a->latency);
}

static const struct {
  const char *verb;
  verb_parser parse;
} verbs[] = {
    {"partition", partition},
    {"heal", heal},
    {"cut", cut},
    {"uncut", cut},
    {"crash", crash},
    {"restart", restart},
    {"pause", pause_action},
    {"resume", resume},
    {"loss", link_param},
    {"latency", link_param},
    {"corrupt", link_param},
    {"duplicate", link_param},
    {"reorder", link_param},
    {"clock", clock_jump},
    {"processing", node_param},
    {"disk", node_param},
    {"join", membership},
    {"leave", membership},
};

bool fl__timeline_action(fl__cur *c, fl_action *a) {
  fl__scn_skip_ws(c);
  int vat = c->pos;
  char *verb = fl__scn_token(c, "{");
  bool ok = false, known = false;
  for (size_t i = 0; i < G_N_ELEMENTS(verbs) && !known; i++)
    if (strcmp(verb, verbs[i].verb) == 0) {
      known = true;
      ok = verbs[i].parse(c, a, verb, vat);
    }
  if (!known) {
    GString *names = g_string_new(NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(verbs); i++)
      g_string_append_printf(names, "%s%s", i ? ", " : "", verbs[i].verb);
    ok = fl__scn_fail(c, vat, "expected a timeline action (%s), found '%s'", names->str,
                      fl__scn_echo(c, verb, -1));
    g_string_free(names, TRUE);
  }
  g_free(verb);
  return ok;
}

/* Client targets name clients of [workload], whose count is known when the file ends. */
static bool check_client(fl__cur *c, const fl_target *t, int clients) {
  if (t->kind != FL_TARGET_CLIENT || t->index < clients) return true;
  c->line = t->pos.line;
  if (clients <= 0)
    return fl__scn_fail(c, t->pos.col - 1, "expected [workload] clients for a client target, "
                                           "found c%d with no clients", t->index + 1);
  return fl__scn_fail(c, t->pos.col - 1, "expected a client c1..c%d, found c%d", clients,
                      t->index + 1);
}

bool fl__timeline_check_clients(fl__cur *c, const fl_action *a, int clients) {
  return check_client(c, &a->target, clients) && check_client(c, &a->to, clients);
}

void fl__action_clear(fl_action *a) {
  g_free(a->part);
  g_free(a->msg_type);
  if (fl__action_has_dist(a->kind)) fl_dist_clear(&a->latency);
  if (a->at_dist) fl_dist_clear(a->at_dist);
  g_free(a->at_dist);
}

bool fl__action_has_dist(fl_action_kind kind) {
  return kind == FL_ACT_SET_LATENCY || kind == FL_ACT_SET_PROCESSING || kind == FL_ACT_SET_DISK;
}

/* One table for the verbs, used where a record names its action (fault windows, explore's
 * concrete timelines). */
const char *fl_action_verb(fl_action_kind k) {
  switch (k) {
  case FL_ACT_PARTITION: return "partition";
  case FL_ACT_HEAL: return "heal";
  case FL_ACT_CUT: return "cut";
  case FL_ACT_UNCUT: return "uncut";
  case FL_ACT_CRASH: return "crash";
  case FL_ACT_RESTART: return "restart";
  case FL_ACT_PAUSE: return "pause";
  case FL_ACT_RESUME: return "resume";
  case FL_ACT_SET_LOSS: return "loss";
  case FL_ACT_SET_LATENCY: return "latency";
  case FL_ACT_SET_CORRUPT: return "corrupt";
  case FL_ACT_SET_DUPLICATE: return "duplicate";
  case FL_ACT_SET_REORDER: return "reorder";
  case FL_ACT_CLOCK_JUMP: return "clock";
  case FL_ACT_SET_PROCESSING: return "processing";
  case FL_ACT_SET_DISK: return "disk";
  case FL_ACT_JOIN: return "join";
  case FL_ACT_LEAVE: return "leave";
  }
  return "fault";
}
