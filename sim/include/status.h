/* status: a node's status as data, the vocabulary shared by the actor API (a protocol's
 * `status` hook fills it), the trace (a STATUS record carries it) and the trace's readers (the
 * visualiser colours lanes from it, the timeline's `leader` target resolves from it).
 *
 * Before this, role and term were a string convention: readers parsed the first word of
 * describe() and a tN / term=N word, so "leading" or "view=4" went unrecognised. The role is
 * now one of a fixed vocabulary plus a free word, and the term-like number carries its name.
 *
 * Header-only (static inline), with no dependency but libc, so that protocols, the trace and
 * the visualiser can all include it. The numeric values of both enums are written in traces:
 * never renumber them; add new values at the end.
 */
#ifndef FL_STATUS_H
#define FL_STATUS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef enum fl_role {
  FL_ROLE_OTHER = 0, /* what a protocol without a status hook reports */
  FL_ROLE_LEADER,
  FL_ROLE_FOLLOWER,
  FL_ROLE_CANDIDATE,
  FL_ROLE_COORDINATOR,
  FL_ROLE_PARTICIPANT,
  FL_ROLE_REPLICA,
  FL_ROLE_OBSERVER,
  FL_ROLE_COUNT
} fl_role;

/* The name of the term-like number: Raft's term, ZAB's epoch, Paxos's ballot, VR's view. */
typedef enum fl_term_kind {
  FL_TERM_NONE = 0, /* the protocol has no such number */
  FL_TERM_TERM,
  FL_TERM_EPOCH,
  FL_TERM_BALLOT,
  FL_TERM_VIEW,
  FL_TERM_KIND_COUNT
} fl_term_kind;

/* The free word's size including its terminating NUL (longer words are cut). */
#define FL_STATUS_WORD_SIZE 16

/* One node's status. The core zeroes it and sets leader = -1 before the hook runs, so a hook
 * fills only what its protocol has. */
typedef struct fl_node_status {
  fl_role role;
  char word[FL_STATUS_WORD_SIZE]; /* a finer role in the protocol's words ("prevote",
                                     "leading"), or ""; shown on the lane */
  fl_term_kind term_kind;
  uint64_t term;                  /* meaningful when term_kind != FL_TERM_NONE */
  int32_t leader;                 /* the node (0-based) it believes leads, or -1 for none */
  bool has_commit, has_applied;
  uint64_t commit, applied;       /* log indexes, meaningful when the has_ flag is set */
} fl_node_status;

/* "leader", "follower", ...; "?" outside the vocabulary. */
static inline const char *fl_role_name(int role) {
  static const char *const names[FL_ROLE_COUNT] = {"other",       "leader",      "follower",
                                                   "candidate",   "coordinator", "participant",
                                                   "replica",     "observer"};
  return role >= 0 && role < FL_ROLE_COUNT ? names[role] : "?";
}

/* "term", "epoch", "ballot", "view"; "" for FL_TERM_NONE; "?" outside the vocabulary. */
static inline const char *fl_term_name(int kind) {
  static const char *const names[FL_TERM_KIND_COUNT] = {"", "term", "epoch", "ballot", "view"};
  return kind >= 0 && kind < FL_TERM_KIND_COUNT ? names[kind] : "?";
}

/* A status with nothing known: role other, no term, no leader. */
static inline void fl_node_status_init(fl_node_status *s) {
  memset(s, 0, sizeof *s);
  s->leader = -1;
}

/* Field by field (a struct may hold padding); the word up to its NUL. */
static inline bool fl_node_status_equal(const fl_node_status *a, const fl_node_status *b) {
  return a->role == b->role && strncmp(a->word, b->word, FL_STATUS_WORD_SIZE) == 0 &&
         a->term_kind == b->term_kind && a->term == b->term && a->leader == b->leader &&
         a->has_commit == b->has_commit && a->has_applied == b->has_applied &&
         a->commit == b->commit && a->applied == b->applied;
}

#endif
