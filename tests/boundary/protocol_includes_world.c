/* Must not build: a protocol compiled with fl_protocols' include path (sim/include/ and
 * protocols/ only) cannot reach the kernel's headers. ctest boundary/protocol-includes-world
 * builds this and expects the compiler to say world.h is not found. */
#include "actor.h"
#include "common/quorum.h"
#include "world.h"

int fl_probe_protocol(void);
int fl_probe_protocol(void) { return 0; }
