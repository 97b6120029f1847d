/* options: a protocol's options for one run, read from the scenario's [protocol] section and
 * checked against the schema the protocol declares (actor.h). */
#ifndef FL_OPTIONS_H
#define FL_OPTIONS_H

#include <glib.h>

#include "actor.h"
#include "scenario.h"

/* Newly allocated (fl__options_free, NULL accepted); NULL with a FILE:LINE:COL error when an
 * option is unknown, of the wrong type or out of its range. */
fl_options *fl__options_new(const fl_protocol *p, const fl_scenario *scn, GError **error);
void fl__options_free(fl_options *o);

#endif
