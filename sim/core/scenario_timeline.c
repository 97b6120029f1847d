/* scenario_timeline: the actions of a [timeline] line ("partition {n1 n2}
 * {n3}", "crash leader", "loss n1 -> n2 = 5%"). scenario.c reads the line's
 * time and repetition and hands the rest here. One parser per verb, found in a
 * table: a new fault is a row and a function. */
#include "scenario_int.h"

#include <string.h>

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

/* "loss = 5%" / "latency = DIST" for every link, or "loss n1 -> n2 = 5%" for one. */
static bool link_param(fl__cur *c, fl_action *a, const char *verb, int vat) {
  a->kind = verb[1] == 'o' ? FL_ACT_SET_LOSS : FL_ACT_SET_LATENCY;
  fl__scn_skip_ws(c);
  if (c->s[c->pos] != '=' && !link_pair(c, a, vat)) return false;
  if (!fl__scn_expect(c, "=")) return false;
  return a->kind == FL_ACT_SET_LOSS ? fl__scn_fraction(c, &a->fraction)
                                    : fl__scn_dist(c, &a->latency);
}

/* The node a node-model action acts on: a name or `leader` (resolved when it happens). */
static bool model_node(fl__cur *c, fl_action *a) {
  if (fl__scn_accept(c, "leader")) a->a = FL_NODE_LEADER;
  else return fl__scn_node(c, &a->a);
  return true;
}

/* "clock n1 jump +5s": an NTP step of the node's local clock, forwards or back. */
static bool clock_jump(fl__cur *c, fl_action *a, const char *verb, int vat) {
  (void)verb, (void)vat;
  a->kind = FL_ACT_CLOCK_JUMP;
  return model_node(c, a) && fl__scn_expect(c, "jump") && fl__scn_signed_duration(c, &a->for_ns);
}

/* "processing n2 = 20ms" / "disk = DIST": a node's (or, without one, every node's) processing
 * time per message or disk latency from here on. */
static bool node_param(fl__cur *c, fl_action *a, const char *verb, int vat) {
  (void)vat;
  a->kind = verb[0] == 'p' ? FL_ACT_SET_PROCESSING : FL_ACT_SET_DISK;
  fl__scn_skip_ws(c);
  if (c->s[c->pos] != '=' && !model_node(c, a)) return false;
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
    {"clock", clock_jump},
    {"processing", node_param},
    {"disk", node_param},
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
  if (fl__action_has_dist(a->kind)) fl_dist_clear(&a->latency);
  if (a->at_dist) fl_dist_clear(a->at_dist);
  g_free(a->at_dist);
}

bool fl__action_has_dist(fl_action_kind kind) {
  return kind == FL_ACT_SET_LATENCY || kind == FL_ACT_SET_PROCESSING || kind == FL_ACT_SET_DISK;
}
