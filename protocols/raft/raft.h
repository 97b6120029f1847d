/* raft: the Raft consensus protocol (Ongaro and Ousterhout, "In Search of an Understandable
 * Consensus Algorithm", and Ongaro's thesis) behind a linearizable key-value store. See raft.c
 * for what is implemented and how the files of this folder divide the work. */
#ifndef FL_PROTOCOL_RAFT_H
#define FL_PROTOCOL_RAFT_H

#include "actor.h"

/* The protocol's table (static storage). */
const fl_protocol *fl_protocol_raft(void);

#endif
