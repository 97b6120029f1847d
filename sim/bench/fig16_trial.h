/* fig16_trial: one trial of the Raft paper's leader-election experiment (Ongaro and
 * Ousterhout, USENIX ATC 2014, section 9.3, Figure 16), run on the real Raft actor.
 *
 * The paper's setup, and how a trial builds it (results/fig16/README.md says why):
 *   - five servers; n1 is made the leader of term 1 by booting it alone (n2..n5 crash at
 *     time 0) and restarting n2 and n3 when it first stands, so every timeout range, even
 *     150-150 ms, gets its first leader;
 *   - "two of the four remaining servers with shorter logs, unable to win": n4 and n5 stay
 *     down until the no-op of n1's term is committed by n1, n2 and n3, and their replies to
 *     n1 are cut (n4 -> n1, n5 -> n1) from the start. Restarted, they hear every heartbeat
 *     (and restart their timers on it) but reject it for the missing entry, and n1 never
 *     learns so: they stay one entry behind, and n2 and n3 refuse them their votes;
 *   - "a synchronised broadcast of heartbeats just before the crash": the leader's heartbeat
 *     is one broadcast to the four followers; the trial finds one such instant H after the
 *     cluster has settled and crashes n1 at H + U, U uniform over [0, heartbeat) drawn from
 *     the trial's own stream ("fig16", seed), i.e. at a uniformly random point of the
 *     heartbeat interval that follows a synchronised heartbeat;
 *   - the time measured is from the crash until the other servers receive the new leader's
 *     first heartbeat: the first instant at which some survivor X says leader in a term above
 *     1 and each of the three other survivors' status names X as leader in X's term.
 *
 * The timeout range, heartbeat and physical model (latency, [nodes]) come from the scenario
 * (scenarios/fidelity/fig16.fl with --set overrides); the trial reads Raft's private state
 * (raft_int.h) only to find the leader's heartbeat instants and to check the setup.
 */
#ifndef FL_FIG16_TRIAL_H
#define FL_FIG16_TRIAL_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "scenario.h"

typedef struct fl_fig16_result {
  bool elected;         /* a new leader was known to every survivor within the cap */
  int64_t crash_ns;     /* when n1 crashed */
  int64_t downtime_ns;  /* crash -> every survivor names the new leader (if elected) */
  int new_leader;       /* 0-based, or -1 */
  uint64_t new_term;    /* the new leader's term, or 0 */
  /* The first survivor to become leader after the crash (0-based, or -1): never n4 or n5,
   * whose logs are shorter. Once a leader has caught them up they may win a later election,
   * should that one be deposed before all have heard it (timeouts close to the broadcast
   * time), so new_leader may be n4 or n5. */
  int first_leader;
} fl_fig16_result;

/* Loads the scenario at `path` for one timeout range, lo_ns..hi_ns (hi_ns > lo_ns), with the
 * paper's heartbeat (half of lo_ns) and the overrides `sets` ("SECTION.KEY=VALUE", NULL-ended,
 * may be NULL), without its timeline (the trial makes its own faults) and lasting
 * duration_ns. Newly allocated, fl_scenario_free; NULL with the loader's error. */
fl_scenario *fl_fig16_load(const char *path, int64_t lo_ns, int64_t hi_ns, char *const *sets,
                           int64_t duration_ns, GError **error);

/* Runs one trial of `scn` (borrowed) with master seed `seed`; gives up cap_ns after the crash
 * (elected = false). False with an error when the setup could not be built (the scenario is
 * not a 5-node raft cluster, n1 did not become leader, n4 and n5 did not follow it with their
 * shorter logs) or the run stopped on an error. */
bool fl_fig16_trial(const fl_scenario *scn, uint64_t seed, int64_t cap_ns, fl_fig16_result *out,
                    GError **error);

#endif
