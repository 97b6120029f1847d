/* scenario_timeline: the actions of a [timeline] line ("partition {n1 n2}
 * {n3}", "crash leader", "loss n1 -> n2 = 5%"). scenario.c reads the line's
 * time and repetition and hands the rest here. One parser per verb, found in a
 * table: a new fault is a row and a function. */
#include "scenario_int.h"

#include <string.h>
#include "fl_limits.h"
#include "units.h"

typedef bool (*verb_parser)(fl__cur *c, fl_action *a, const char *verb, int vat);

/* "partition random-halves" or "partition {n1 n2} {leader n3} ...". */
static bool partition(fl__cur *c, fl_action *a, const char *verb, int vat) {
  (void)verb;
  a->kind = FL_ACT_PARTITION;
  if (fl__scn_accept(c, "random-halves")) return true; /* group_of NULL: drawn when it happens */
  /* The group table has one entry per node: the count must be known (`{leader}`
   * names no node that would catch this). */
  if (c->n_nodes <= 0)
    return fl__scn_fail(c, vat,
                        "expected 'nodes = N' in [cluster] before the first partition, "
                        "found 'partition'");
  a->group_of = g_new(int, c->n_nodes);
  for (int i = 0; i < c->n_nodes; i++) a->group_of[i] = -1;
  int groups = 0;
  while (!fl__scn_at_end(c)) {
    if (!fl__scn_expect(c, "{")) return false;
    int members = 0;
    for (;;) {
      fl__scn_skip_ws(c);
      if (c->s[c->pos] == '}') {
        c->pos++;
        break;
      }
      if (!c->s[c->pos])
        return fl__scn_fail(c, c->pos, "expected '}' closing the group, found end of line");
      int nat = c->pos, n;
      if (fl__scn_accept(c, "leader")) {
        if (a->leader_group >= 0)
          return fl__scn_fail(c, nat, "expected 'leader' in one group, found it again");
        a->leader_group = groups;
        members++;
        continue;
      }
      if (!fl__scn_node(c, &n)) return false;
      if (a->group_of[n] >= 0)
        return fl__scn_fail(c, nat, "expected each node in one group, found n%d again", n + 1);
      a->group_of[n] = groups;
      members++;
    }
    if (members == 0)
      return fl__scn_fail(c, c->pos - 1, "expected a node in the group, found '{}'");
    groups++;
  }
  if (groups < 1)
    return fl__scn_fail(c, c->pos, "expected groups such as {n1 n2} {n3}, found end of line");
  for (int i = 0; i < c->n_nodes; i++)
    if (a->group_of[i] < 0) a->group_of[i] = groups; /* the unnamed rest share a group */
  return true;
}

static bool heal(fl__cur *c, fl_action *a, const char *verb, int vat) {
  (void)c, (void)verb, (void)vat;
  a->kind = FL_ACT_HEAL;
  return true;
}

/* "n1 -> n2": one direction of one link between two different nodes. */
static bool link_pair(fl__cur *c, fl_action *a, int vat) {
  if (!(fl__scn_node(c, &a->a) && fl__scn_expect(c, "->") && fl__scn_node(c, &a->b))) return false;
  if (a->a == a->b)
    return fl__scn_fail(c, vat, "expected a link between two different nodes, found n%d to itself",
                        a->a + 1);
  return true;
}

static bool cut(fl__cur *c, fl_action *a, const char *verb, int vat) {
  a->kind = verb[0] == 'c' ? FL_ACT_CUT : FL_ACT_UNCUT;
  return link_pair(c, a, vat);
}

static bool crash(fl__cur *c, fl_action *a, const char *verb, int vat) {
  (void)verb, (void)vat;
  a->kind = FL_ACT_CRASH;
  if (fl__scn_accept(c, "random")) a->a = -1;
  else if (fl__scn_accept(c, "leader")) a->a = FL_NODE_LEADER;
  else return fl__scn_node(c, &a->a);
  return true;
}

static bool restart(fl__cur *c, fl_action *a, const char *verb, int vat) {
  (void)verb, (void)vat;
  a->kind = FL_ACT_RESTART;
  if (fl__scn_accept(c, "all")) a->a = -1;
  else return fl__scn_node(c, &a->a);
  return true;
}

static bool resume(fl__cur *c, fl_action *a, const char *verb, int vat) {
  (void)verb, (void)vat;
  a->kind = FL_ACT_RESUME;
  return fl__scn_node(c, &a->a);
}

static bool pause_action(fl__cur *c, fl_action *a, const char *verb, int vat) {
  (void)verb, (void)vat;
  a->kind = FL_ACT_PAUSE;
  if (fl__scn_accept(c, "leader")) a->a = FL_NODE_LEADER;
  else if (!fl__scn_node(c, &a->a)) return false;
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
 * every link, or "loss n1 -> n2 = 5%" for one; loss, latency and duplicate also take
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

void fl__action_clear(fl_action *a) {
  g_free(a->group_of);
  g_free(a->msg_type);
  if (a->kind == FL_ACT_SET_LATENCY) fl_dist_clear(&a->latency);
  if (a->at_dist) fl_dist_clear(a->at_dist);
  g_free(a->at_dist);
}
