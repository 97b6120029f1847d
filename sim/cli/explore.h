/* explore: what `faultline explore`, `shrink` and `blame` share (explore.c): a scenario's text
 * with its [timeline] body apart, trials of a scenario text and their failure signature, and
 * the concrete timeline of a run (every fault as it was applied, no randomness left).
 *
 * A scenario is edited as text, never rebuilt from the parsed fl_scenario: a concrete or
 * shrunk file keeps every other line (comments included) as its author wrote it, so a reader
 * can diff it against the file it came from. Every trial parses the edited text anew, with
 * the scenario's own checks, so an edit the format refuses (a timeline line naming n5 in a
 * 3-node cluster) is a trial that does not fail, never a crash.
 *
 * Ownership: an fl_xp_doc owns its strings; fl_xp_doc_render's text is newly allocated.
 */
#ifndef FL_CLI_EXPLORE_H
#define FL_CLI_EXPLORE_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "scenario.h"
#include "world.h"

/* The scenario's lines: `lines` holds every line but the [timeline] section's actions, the
 * timeline's action lines (comments and blank lines dropped, each trimmed) are in `timeline`
 * and go back in after line `timeline_at` (the [timeline] header). A file without a
 * [timeline] gets one at its end when a timeline line is added. */
typedef struct fl_xp_doc {
  char *path;          /* owned: the file it was read from, for messages */
  GPtrArray *lines;    /* of char *, owned */
  GPtrArray *timeline; /* of char *, owned */
  int timeline_at;     /* index in `lines` of the [timeline] header; -1: none */
  /* Of int: each timeline line's line number in the file, as loaded; NULL in a copy (whose
   * timeline may have changed). Owned. */
  GArray *file_lines;
} fl_xp_doc;

fl_xp_doc *fl_xp_doc_load(const char *path, GError **error);
fl_xp_doc *fl_xp_doc_copy(const fl_xp_doc *d);
void fl_xp_doc_free(fl_xp_doc *d);
/* The whole text, timeline included. Newly allocated (g_free). */
char *fl_xp_doc_render(const fl_xp_doc *d);
/* The value of KEY in [SECTION] (trimmed, comment removed), newly allocated, or NULL. */
char *fl_xp_doc_get(const fl_xp_doc *d, const char *section, const char *key);
/* Sets KEY = VALUE in [SECTION]: replaces the key's line, or adds one after the section's
 * header (adding the section at the end of the file when there is none). */
void fl_xp_doc_set(fl_xp_doc *d, const char *section, const char *key, const char *value);
/* Replaces the timeline's lines (`lines` NULL-terminated, copied). */
void fl_xp_doc_set_timeline(fl_xp_doc *d, char *const *lines);

/* What a failing run broke: the first failing expectation as written, and for `invariants`
 * the violated invariant's name ("election safety"). Two failures are the same when the
 * expectation texts are equal and, for invariants, so are the names. */
typedef struct fl_xp_failure {
  char *expect;    /* owned; NULL: the run passed */
  char *invariant; /* owned; NULL unless the expectation is `invariants` */
  char *detail;    /* owned: the failing expectation's detail, for messages */
} fl_xp_failure;
void fl_xp_failure_clear(fl_xp_failure *f);

typedef enum fl_xp_outcome {
  FL_XP_PASS,    /* every expectation held */
  FL_XP_FAIL,    /* an expectation failed (the failure is filled in) */
  FL_XP_INVALID, /* the text is not a scenario that runs (error filled in) */
  FL_XP_RUNAWAY  /* a run budget stopped the run */
} fl_xp_outcome;

/* One trial: parses `text` (named `path` in messages) and runs it with `opts` (its seed and
 * duration overrides, budgets); fills *failure when it failed. With `applied` (may be NULL),
 * records the faults as applied and returns them as a concrete timeline (one NULL-terminated
 * string vector, g_strfreev; fl_xp_concrete_timeline). */
fl_xp_outcome fl_xp_trial(const char *path, const char *text, const fl_world_opts *opts,
                          fl_xp_failure *failure, char ***applied, GError **error);
/* Whether `got` broke what `want` broke (see fl_xp_failure). */
bool fl_xp_same_failure(const fl_xp_failure *want, const fl_xp_failure *got);

/* The run's timeline as it was applied (fl_world_faults_applied), one action per line: exact
 * times ("1500ms", "1234567ns"), explicit nodes ("crash n3"), explicit partition groups
 * ("partition {n1 n2} {n3 n4 n5}"), every link pair spelled out; no `random`, `leader`,
 * `every` or random times. An action that applied to nothing (crash leader with no leader)
 * has no line. NULL-terminated, newly allocated (g_strfreev). */
char **fl_xp_concrete_timeline(const fl_world *w);

/* "1500ms": the largest of s, ms, us and ns that states `ns` exactly. */
void fl_xp_exact_duration(GString *out, int64_t ns);

int fl_cli_explore(int argc, char **argv);
int fl_cli_shrink(int argc, char **argv);
int fl_cli_blame(int argc, char **argv);

#endif
