/* builtin: the list of protocols compiled into faultline. A new protocol adds one line. */
#include "builtin.h"

#include "actor.h"
#include "eventual/eventual.h"
#include "paxos/paxos.h"
#include "raft/raft.h"
#include "rbcast/rbcast.h"
#include "single/single.h"
#include "skeleton/skeleton.h"
#include "twopc/twopc.h"
#include "zab/zab.h"

bool fl_protocols_register_builtin(GError **error) {
  const fl_protocol *all[] = {fl_protocol_eventual(), fl_protocol_paxos(),    fl_protocol_raft(),
                              fl_protocol_rbcast(),   fl_protocol_single(),   fl_protocol_skeleton(),
                              fl_protocol_twopc(),    fl_protocol_zab()};
  for (size_t i = 0; i < G_N_ELEMENTS(all); i++) {
    if (fl_actor_lookup(all[i]->name, NULL)) continue; /* already registered */
    if (!fl_actor_register(all[i], error)) return false;
  }
  return true;
}
