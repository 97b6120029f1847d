/* single: one node serves every client sequentially (see single.c). */
#ifndef FL_PROTOCOL_SINGLE_H
#define FL_PROTOCOL_SINGLE_H

#include "actor.h"

/* The protocol's table (static storage). */
const fl_protocol *fl_protocol_single(void);

#endif
