/* What every harness checks of a rejection: the reader's contract (STYLE.md 4) is an error with
 * a message that names the input, never a NULL without one. */
#include "fuzz_common.h"

fl_fuzz_outcome fl_fuzz_rejected(const char *path, GError *error, char **why) {
  if (!error) {
    *why = g_strdup("rejected without an error");
    return FL_FUZZ_BAD;
  }
  fl_fuzz_outcome o = FL_FUZZ_REJECTED;
  if (!error->message || !strstr(error->message, path)) {
    *why = g_strdup_printf("rejected with a message that does not name the file: %s",
                           error->message ? error->message : "(null)");
    o = FL_FUZZ_BAD;
  }
  g_error_free(error);
  return o;
}
