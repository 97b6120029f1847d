/* twopc: two-phase (and three-phase) commit of transactions over sharded participants. */
#ifndef FL_PROTOCOL_TWOPC_H
#define FL_PROTOCOL_TWOPC_H

#include "actor.h"

const fl_protocol *fl_protocol_twopc(void);

#endif
