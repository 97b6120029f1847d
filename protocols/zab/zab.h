/* zab: ZooKeeper's atomic broadcast behind the shared key-value store. */
#ifndef FL_ZAB_H
#define FL_ZAB_H

#include "actor.h"

const fl_protocol *fl_protocol_zab(void);

#endif
