/* scheduler: the event queue that drives a simulation.
 *
 * Events are ordered by (time_ns, seq): simulated time in integer nanoseconds, then the
 * insertion sequence number, so two events at the same instant run in the order they were
 * scheduled. That order is total, which is what makes a run reproducible.
 *
 * The queue is a 4-ary min-heap of 32-byte records held by value. Cancellable events (timers)
 * carry a handle; cancelling one is O(1): the handle's generation is bumped and the stale record
 * is skipped when it reaches the top. When stale records outnumber live ones the heap is
 * rebuilt in O(n), so memory stays proportional to the live events.
 *
 * The scheduler knows nothing about what an event means: the owner installs one dispatch
 * function and interprets (kind, arg, data). It owns no memory behind `data`.
 */
#ifndef FL_SCHEDULER_H
#define FL_SCHEDULER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fl_sched fl_sched;

/* One pending event. `kind`, `arg` and `data` belong to the dispatcher. */
typedef struct fl_event {
  int64_t time_ns;
  uint64_t seq;
  uint32_t kind;
  uint32_t handle; /* 0 for events that cannot be cancelled */
  uint64_t data;
} fl_event;

/* Identifies a cancellable event; 0 is never a valid timer. */
typedef uint64_t fl_timer_id;

typedef void (*fl_sched_dispatch_fn)(void *ctx, const fl_event *ev);

/* Newly allocated, freed by fl_sched_free. The clock starts at 0. */
fl_sched *fl_sched_new(void);
void fl_sched_free(fl_sched *s);

/* The function that runs each event; `ctx` is borrowed for the scheduler's life. */
void fl_sched_set_dispatch(fl_sched *s, fl_sched_dispatch_fn fn, void *ctx);

int64_t fl_sched_now(const fl_sched *s);

/* Schedules an event at absolute time `time_ns`, which must not be in the past (a bug in the
 * caller: asserted). Returns its sequence number. */
uint64_t fl_sched_at(fl_sched *s, int64_t time_ns, uint32_t kind, uint64_t data);

/* Same, but returns a handle that fl_sched_cancel accepts. */
fl_timer_id fl_sched_timer_at(fl_sched *s, int64_t time_ns, uint32_t kind, uint64_t data);

/* Cancels a pending timer. Returns false if it already ran or was cancelled (harmless). */
bool fl_sched_cancel(fl_sched *s, fl_timer_id id);

/* True while `id` is scheduled and neither run nor cancelled. */
bool fl_sched_timer_pending(const fl_sched *s, fl_timer_id id);

/* Removes the earliest live event into *out and advances the clock to it, without running it.
 * Returns false when nothing is pending. */
bool fl_sched_pop(fl_sched *s, fl_event *out);

/* Time of the earliest live event, or INT64_MAX when idle. */
int64_t fl_sched_peek_time(fl_sched *s);

/* Pops and dispatches one event. Returns false when idle. */
bool fl_sched_step(fl_sched *s);

/* Dispatches every event with time <= until_ns, then sets the clock to until_ns. Stops early
 * if fl_sched_stop is called from a handler. Returns the number of events run. */
uint64_t fl_sched_run_until(fl_sched *s, int64_t until_ns);

/* Dispatches until nothing is pending or fl_sched_stop is called. */
uint64_t fl_sched_run_until_idle(fl_sched *s);

/* Asks the running loop to return after the current event. Stopping is final: later
 * fl_sched_step / run calls dispatch nothing (a run stopped by a violation stays stopped). */
void fl_sched_stop(fl_sched *s);
bool fl_sched_is_stopped(const fl_sched *s);

/* Live pending events (cancelled ones excluded), events run so far. */
size_t fl_sched_pending(const fl_sched *s);
uint64_t fl_sched_events_run(const fl_sched *s);

/* Bytes the scheduler holds for its queue and handles (capacity, not just use). */
size_t fl_sched_memory_bytes(const fl_sched *s);

#endif
