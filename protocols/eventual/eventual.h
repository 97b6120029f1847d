/* eventual: an eventually consistent, Dynamo-style key-value store and counter (eventual_int.h
 * describes the ring, the records, the messages and the durable layout). */
#ifndef FL_PROTOCOL_EVENTUAL_H
#define FL_PROTOCOL_EVENTUAL_H

#include "actor.h"

const fl_protocol *fl_protocol_eventual(void);

#endif
