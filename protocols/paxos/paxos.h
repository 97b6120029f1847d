/* paxos: Multi-Paxos with a distinguished proposer behind the shared key-value store. */
#ifndef FL_PAXOS_H
#define FL_PAXOS_H

#include "actor.h"

const fl_protocol *fl_protocol_paxos(void);

#endif
