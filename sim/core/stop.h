/* stop: why a run stops. Shared by every layer of the kernel (the transport records it, the
 * engine reports it) and by the engine's public API (world.h). Types only. */
#ifndef FL_STOP_H
#define FL_STOP_H

typedef enum fl_stop_reason {
  FL_STOP_NONE,      /* still running */
  FL_STOP_END,       /* the duration elapsed */
  FL_STOP_VIOLATION, /* an invariant failed */
  FL_STOP_PROTOCOL_ERROR, /* the protocol misused the node API or called fl_node_fail */
  /* A run budget was exceeded: simulated time stood still (the stall guard of fl_limits.h),
   * or the run passed its event or memory budget. The message names the last events. */
  FL_STOP_RUNAWAY
} fl_stop_reason;

#endif
