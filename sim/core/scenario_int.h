/* scenario_int: the parser's cursor over one line, shared by scenario.c (sections and keys),
 * scenario_values.c (values: numbers, durations, distributions, node names),
 * scenario_workload.c ([workload]) and scenario_timeline.c ([timeline] actions). */
#ifndef FL_SCENARIO_INT_H
#define FL_SCENARIO_INT_H

#include "scenario.h"

/* A position in the line being parsed. `s` is the line without its comment and newline. */
typedef struct fl__cur {
  const char *path;
  const char *s;
  int line;
  int pos;      /* 0-based byte offset into s */
  int n_nodes;  /* 0 until [cluster] nodes is read */
  GError **error;
  GPtrArray *echoes; /* strings fl__scn_echo returned, freed with the cursor (g_free each) */
  /* While an override's value is parsed: "--set SECTION.KEY=VALUE", which messages start with
   * instead of "PATH:LINE:COL". */
  const char *set;
  GArray *groups; /* the scenario's [groups] so far (fl_node_group); borrowed */
} fl__cur;

/* Input text as a message echoes it, cut to FL_LIMIT_ECHO_BYTES (fl_format_echo); len < 0: s
 * is NUL-terminated. Owned by the cursor, valid until the parse ends. */
const char *fl__scn_echo(fl__cur *c, const char *s, gssize len);

/* Sets *error to "PATH:LINE:COL: <message>" at byte offset `at` (or "--set ...: <message>"
 * while an override is parsed); returns false. */
bool fl__scn_fail(fl__cur *c, int at, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

void fl__scn_skip_ws(fl__cur *c);
bool fl__scn_at_end(fl__cur *c);
/* The next run of characters up to whitespace or one of `stops` (newly allocated, g_free);
 * empty string at the end. */
char *fl__scn_token(fl__cur *c, const char *stops);
/* Consumes `lit` (after whitespace) or fails with "expected 'lit', found ...". */
bool fl__scn_expect(fl__cur *c, const char *lit);
bool fl__scn_accept(fl__cur *c, const char *lit);
/* Fails unless only whitespace remains. */
bool fl__scn_expect_end(fl__cur *c);

bool fl__scn_duration(fl__cur *c, int64_t *out_ns);
bool fl__scn_signed_duration(fl__cur *c, int64_t *out_ns);
bool fl__scn_fraction(fl__cur *c, double *out);
bool fl__scn_int(fl__cur *c, int64_t min, int64_t max, int64_t *out);
bool fl__scn_node(fl__cur *c, int *out);
/* A distribution, or a bare duration (a constant). */
bool fl__scn_dist(fl__cur *c, fl_dist *out);

/* [workload] kind and mix (workload_scn.c): their values depend on the workload kind. `at` is
 * the key's offset in the line. */
bool fl__workload_kind_line(fl__cur *c, fl_workload *w, int at);
bool fl__workload_mix_line(fl__cur *c, fl_workload *w, int at);

/* [timeline] (scenario_timeline.c): the action after a line's time, into *a (whose a and b
 * the caller set to -1); fl__action_clear frees what an action owns. */
bool fl__timeline_action(fl__cur *c, fl_action *a);
void fl__action_clear(fl_action *a);
/* Fails when a client target of `a` names a client beyond [workload] clients. */
bool fl__timeline_check_clients(fl__cur *c, const fl_action *a, int clients);
/* [groups] (scenario_timeline.c): one `NAME = n1 n2 ...` line, appended to c->groups. */
bool fl__groups_line(fl__cur *c);
/* fl_node_group's owned fields. */
void fl__group_clear(fl_node_group *g);
/* Whether an action of this kind owns a distribution in its `latency` field. */
bool fl__action_has_dist(fl_action_kind kind);

/* [nemesis] (scenario_nemesis.c): one `KEY = VALUE` line into s (a generator appended to
 * s->nemesis, or the window's from / to); `at` is the key's offset. fl__nemesis_check, when
 * the file ends, checks the window against the duration. */
bool fl__nemesis_line(fl__cur *c, fl_scenario *s, const char *key, int at);
bool fl__nemesis_check(fl__cur *c, const fl_scenario *s);
void fl__nemesis_gen_clear(fl_nemesis_gen *g);
/* "majority-ring" for FL_NEM_MAJORITY_RING: the shape as written. Static storage. */
const char *fl__nemesis_shape_word(fl_nemesis_shape s);

#endif
