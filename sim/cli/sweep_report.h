/* sweep_report: the machine-readable results of sweep, run and merge (private to sim/cli).
 *
 * A seed's *record* is a JSON object: seed, verdict ("pass", "fail", "runaway" or "error"),
 * exit_status, digest ("0x" and 16 hex digits, null when the worker sent none), events,
 * simulated_ns, stop (end, violation, protocol-error, runaway, crash, seed-timeout, or "" for an
 * error), failures (an array of {expectation, detail}: the broken expectations), message (the
 * protocol error, runaway or crash report, or null) and reproduce (the command line). A sweep's
 * worker builds its seed's record and sends it up its pipe as one line; the parent builds one
 * for a seed whose worker sent none.
 *
 * A *results* writer receives the records in seed order and writes
 *   - the JSON document (--json): the header's members (what identifies the sweep: version,
 *     commit, scenario and its SHA-256, protocol, duration, event budget, overrides, seed
 *     range, shard), then "runs", one record per line, then "summary" (counts, exit status,
 *     wall time); streamed, so a sweep of many seeds holds none of it in memory;
 *   - the JUnit XML (--junit): a testsuite named after the scenario, a testcase per seed
 *     ("seed N"), a <failure> (or <error>) with the broken expectations and the reproduce line.
 *     Its testcases are held in memory until the end, since the testsuite's counts come first.
 * Both go through outfile.h: whole or not at all.
 */
#ifndef FL_SWEEP_REPORT_H
#define FL_SWEEP_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include "expect.h"
#include "outfile.h"
#include "scenario.h"
#include "world.h"

/* The record of a finished run (after fl_world_finish) with its verdict and exit status.
 * Newly allocated (json_object_unref). */
JsonObject *fl_cli_record_new(fl_world *w, const fl_scenario *scn, const fl_verdict *v,
                              int exit_status);
/* A record made without the run: what the parent knows of a seed whose worker sent none.
 * `message` (may be NULL) is copied with each line's leading two spaces and the final newline
 * removed; the strings are copied. Newly allocated (json_object_unref). */
JsonObject *fl_cli_record_bare(uint64_t seed, const char *verdict, int exit_status,
                               const char *stop, const char *message, const char *reproduce);
/* The record as one line of compact JSON (no newline in it). Newly allocated (g_free). */
char *fl_cli_record_line(JsonObject *rec);
/* A record from fl_cli_record_line's text, or NULL if `line` is not a JSON object with a
 * "seed". Newly allocated (json_object_unref). */
JsonObject *fl_cli_record_parse(const char *line);
/* What sweep prints under "FAIL seed N": each broken expectation ("  FAIL TEXT: DETAIL"), the
 * message's lines, and "  reproduce: ...". Newly allocated (g_free). */
char *fl_cli_record_text(JsonObject *rec);
/* The verdict word of the line sweep prints ("FAIL", "RUNAWAY", "ERROR"), or NULL for a pass. */
const char *fl_cli_record_banner(JsonObject *rec);

/* The header of a sweep's JSON document. `shard`/`shards`: 1/1 for an unsharded sweep.
 * Borrowed arguments; newly allocated (json_object_unref). */
JsonObject *fl_cli_sweep_header(const fl_scenario *scn, const char *scenario_sha256,
                                const fl_world_opts *opts, uint64_t first, uint64_t last,
                                unsigned shard, unsigned shards);

typedef struct fl_cli_results fl_cli_results;
/* A writer for the records of one sweep (or run). `header` is referenced; `json` and `junit`
 * (either may be NULL) are opened outputs, owned from here on. Newly allocated
 * (fl_cli_results_free). */
fl_cli_results *fl_cli_results_new(JsonObject *header, fl_outfile *json, fl_outfile *junit);
/* Adds the next seed's record (referenced, not taken). */
void fl_cli_results_add(fl_cli_results *r, JsonObject *rec);
/* The exit status the records so far call for: 2 an error, 4 a runaway, 1 a failure, 0. */
int fl_cli_results_exit_status(const fl_cli_results *r);
/* Writes the summary (`wall_s`: the sweep's wall-clock time), closes the outputs, keeping
 * them. False with an error if one could not be written (neither is then left partial). */
bool fl_cli_results_finish(fl_cli_results *r, double wall_s, GError **error);
/* Frees; outputs not finished are removed. NULL accepted. */
void fl_cli_results_free(fl_cli_results *r);

/* "0x" and 16 hex digits, into buf (at least 19 bytes); returns buf. */
const char *fl_cli_digest_text(char *buf, uint64_t digest);
/* Parses --expect-digest's "0x" and 1 to 16 hex digits. */
bool fl_cli_parse_digest(const char *s, uint64_t *digest);

#endif
