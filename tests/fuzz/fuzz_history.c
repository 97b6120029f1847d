/* Fuzz targets "jsonl", "edn" and "jepsen-log": a history reader, as `faultline lincheck`
 * calls it (fl_lincheck_load with the format forced, so each target stays in its reader), then
 * the check itself under a small budget, so that what the reader hands over is exercised too.
 * FL_FUZZ_FORMAT names the format at compile time (one executable per target). */
#include "fuzz_common.h"
#include "lincheck.h"

void fl_fuzz_setup(void) {}

fl_fuzz_outcome fl_fuzz_one(const char *path, char **why) {
  GError *error = NULL;
  fl_lincheck_history *h = fl_lincheck_load(path, FL_FUZZ_FORMAT, &error);
  if (!h) return fl_fuzz_rejected(path, error, why);
  fl_lincheck_opts o;
  fl_lincheck_opts_init(&o);
  /* A fuzzed history can be arbitrarily hard to check; the budget keeps each input fast
   * (a verdict of "unknown" is fine here: the target is the reader, not the search). */
  o.max_steps = 20000;
  o.max_bytes = (size_t)16 << 20;
  fl_lincheck_result *r = fl_lincheck_check(h, &o, &error);
  fl_fuzz_outcome out = FL_FUZZ_ACCEPTED;
  if (!r) {
    /* A model error (an operation the default model does not support) names the line. */
    out = fl_fuzz_rejected(fl_lincheck_history_name(h), error, why);
  } else if (r->verdict == FL_LIN_VIOLATION && !r->evidence) {
    *why = g_strdup("not linearizable without evidence");
    out = FL_FUZZ_BAD;
  }
  fl_lincheck_result_free(r);
  fl_lincheck_history_free(h);
  return out;
}
