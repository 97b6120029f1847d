/* builtin: registers the protocols compiled into faultline. */
#ifndef FL_PROTOCOLS_BUILTIN_H
#define FL_PROTOCOLS_BUILTIN_H

#include <stdbool.h>
#include <glib.h>

/* Registers every built-in protocol; safe to call more than once. */
bool fl_protocols_register_builtin(GError **error);

#endif
