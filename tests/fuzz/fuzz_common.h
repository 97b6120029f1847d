/* Helpers shared by the fuzz harnesses. */
#ifndef FL_FUZZ_COMMON_H
#define FL_FUZZ_COMMON_H

#include "fuzz.h"

#include <string.h>
#include <glib.h>

/* The outcome of a rejection with `error` (consumed; may be NULL, which is itself a finding). */
fl_fuzz_outcome fl_fuzz_rejected(const char *path, GError *error, char **why);

#endif
