/* nemesis: the [nemesis] generators of a scenario (scenarios/README.md, [nemesis]) expanded,
 * when a run starts, into ordinary timeline actions that the fault layer (fault.c) schedules
 * and applies like the [timeline]'s: traced, measured (fault windows, recovery), counted by
 * `faults = applied`.
 *
 * Determinism: generator KIND draws only from its own stream ("nemesis", KIND) of the run's
 * master seed, so adding or removing a generator never shifts another generator's draws, the
 * fault stream's, or anything else (the pauses generator's candidates do follow the crashes
 * generator's windows, below: which nodes it pauses, never when). Same seed, same expansion.
 *
 * The expansion of one generator, from the window's `from`: draw the quiet time from `every`,
 * start a fault there (its targets drawn now, so every action names concrete nodes, except
 * isolate-leader's `leader`), draw its length from `for` and undo it then (heal, restart,
 * loss back to [network]'s; a pause carries its own length), and repeat from the fault's end.
 * No fault starts at or after `to`; one in progress is undone at `to` at the latest. A pauses
 * generator draws among the nodes the crashes generator does not hold down at any time of the
 * pause, so the two storms never collide.
 */
#ifndef FL_NEMESIS_H
#define FL_NEMESIS_H

#include <stdint.h>
#include <glib.h>

#include "scenario.h"

/* The actions of every generator of `s` for a run of `duration_ns` under master seed `seed`
 * (the window ends at min(to, duration_ns)): a newly allocated array of fl_action sorted by
 * (time, generator file order, order within the generator), each positioned at its
 * generator's line; free it with fl_nemesis_free. At most FL_LIMIT_NEMESIS_ACTIONS actions
 * (the rest of a generator past that is dropped). An empty array without generators. */
GArray *fl_nemesis_expand(const fl_scenario *s, uint64_t seed, int64_t duration_ns);
void fl_nemesis_free(GArray *actions);

/* An expanded action as a [timeline] line writes it, without its time ("crash n3",
 * "partition {n1 n2} {n3 n4 n5}", "pause n2 for 300ms", "clock n4 jump -12.5ms",
 * "loss = 20%", "heal"), appended to out. */
void fl_nemesis_describe(const fl_action *a, GString *out);

#endif
