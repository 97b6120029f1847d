/* fuzz: harnesses that feed one input file to a reader of untrusted files, the way the CLI
 * does (scripts/fuzz.sh runs them under AFL++; ctest runs them over their corpora).
 *
 * Each harness defines fl_fuzz_setup() (once per process) and fl_fuzz_one() (once per input);
 * fuzz_driver.c provides main(). An input that the reader rejects is the expected outcome for
 * most fuzzed bytes, not a failure: what counts as a finding is a crash, a sanitizer report, a
 * hang, or a rejection without a message naming the input (fl_fuzz_one returns false then).
 */
#ifndef FL_FUZZ_H
#define FL_FUZZ_H

#include <stdbool.h>

/* The outcome of one input, for the plain (non-AFL) driver's summary. */
typedef enum fl_fuzz_outcome {
  FL_FUZZ_ACCEPTED, /* the reader accepted the input */
  FL_FUZZ_REJECTED, /* the reader rejected it with a message that names the input */
  FL_FUZZ_BAD       /* the reader broke its contract (e.g. an error without a message) */
} fl_fuzz_outcome;

/* Called once before any input: registers protocols and the like. */
void fl_fuzz_setup(void);
/* Reads and checks the file at `path` (borrowed) through the same entry points as the CLI.
 * On FL_FUZZ_BAD, *why (newly allocated, g_free) says what went wrong. */
fl_fuzz_outcome fl_fuzz_one(const char *path, char **why);

#endif
