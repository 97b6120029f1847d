/* rbcast: reliable broadcast with anti-entropy retransmission (see rbcast.c). */
#ifndef FL_PROTOCOL_RBCAST_H
#define FL_PROTOCOL_RBCAST_H

#include "actor.h"

/* The protocol's table (static storage). */
const fl_protocol *fl_protocol_rbcast(void);

#endif
