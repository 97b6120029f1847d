/* Must not build: a plugin compiled with tests/plugin's include path (sim/include/ only)
 * cannot reach the kernel's headers. ctest boundary/plugin-includes-scheduler builds this and
 * expects the compiler to say scheduler.h is not found. */
#include "actor.h"
#include "scheduler.h"

int fl_probe_plugin(void);
int fl_probe_plugin(void) { return 0; }
