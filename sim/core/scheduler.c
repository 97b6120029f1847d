/* scheduler: a 4-ary min-heap of 32-byte events with lazily cancelled timers.
 *
 * Why a 4-ary heap: with 32-byte records a node's four children fill two cache lines, so a
 * sift-down touches half as many lines as a binary heap's for the same work, and the hold
 * benchmark (results/sched/) shows it ahead of a binary heap at every size. A calendar queue
 * was rejected: its speed depends on the spread of event times, which protocols choose.
 *
 * Why lazy cancellation: tracking every record's heap position would cost a write into a side
 * table on every sift step, and message events (most of them) are never cancelled. Instead a
 * timer's record names a slot; cancelling marks the slot, and the record is discarded when it
 * surfaces. The slot is reused only after its record has left the heap, and a timer id carries
 * the slot's generation, so a stale id can never cancel a newer timer. When cancelled records
 * outnumber half the live ones the heap is filtered and rebuilt in O(n) (Floyd), which keeps
 * memory proportional to live events; since (time, seq) is a total order, rebuilding never
 * changes the order events run in.
 */
#include "scheduler.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <glib.h>

enum slot_state { SLOT_FREE, SLOT_PENDING, SLOT_CANCELLED };

typedef struct slot {
  uint32_t gen;
  uint32_t state;     /* enum slot_state */
  uint32_t next_free; /* free list link, index + 1 (0 ends it) */
} slot;

struct fl_sched {
  fl_event *heap;
  size_t n, cap;
  slot *slots;
  uint32_t n_slots, cap_slots, free_head;
  size_t n_cancelled; /* cancelled records still in the heap */
  int64_t now_ns;
  uint64_t next_seq;
  uint64_t events_run;
  bool stopped;
  fl_sched_dispatch_fn dispatch;
  void *dispatch_ctx;
};

static inline bool before(const fl_event *a, const fl_event *b) {
  return a->time_ns < b->time_ns || (a->time_ns == b->time_ns && a->seq < b->seq);
}

/* Moves the hole at i up until `ev` fits, then stores it. */
static void sift_up(fl_event *h, size_t i, fl_event ev) {
  while (i > 0) {
    size_t parent = (i - 1) >> 2;
    if (!before(&ev, &h[parent])) break;
    h[i] = h[parent];
    i = parent;
  }
  h[i] = ev;
}

/* Moves the hole at i down until `ev` fits, then stores it. */
static void sift_down(fl_event *h, size_t n, size_t i, fl_event ev) {
  for (;;) {
    size_t c = (i << 2) + 1;
    if (c >= n) break;
    size_t best = c, end = c + 4 < n ? c + 4 : n;
    for (size_t j = c + 1; j < end; j++)
      if (before(&h[j], &h[best])) best = j;
    if (!before(&h[best], &ev)) break;
    h[i] = h[best];
    i = best;
  }
  h[i] = ev;
}

fl_sched *fl_sched_new(void) {
  fl_sched *s = g_new0(fl_sched, 1);
  s->cap = 64;
  s->heap = g_new(fl_event, s->cap);
  return s;
}

void fl_sched_free(fl_sched *s) {
  if (!s) return;
  g_free(s->heap);
  g_free(s->slots);
  g_free(s);
}

void fl_sched_set_dispatch(fl_sched *s, fl_sched_dispatch_fn fn, void *ctx) {
  s->dispatch = fn;
  s->dispatch_ctx = ctx;
}

int64_t fl_sched_now(const fl_sched *s) { return s->now_ns; }

static uint64_t push(fl_sched *s, int64_t time_ns, uint32_t kind, uint32_t handle, uint64_t data) {
  /* Scheduling into the past is a bug in the caller, never user input. */
  assert(time_ns >= s->now_ns);
  if (s->n == s->cap) {
    s->cap *= 2;
    s->heap = g_renew(fl_event, s->heap, s->cap);
  }
  fl_event ev = {.time_ns = time_ns, .seq = s->next_seq++, .kind = kind, .handle = handle,
                 .data = data};
  sift_up(s->heap, s->n++, ev);
  return ev.seq;
}

uint64_t fl_sched_at(fl_sched *s, int64_t time_ns, uint32_t kind, uint64_t data) {
  return push(s, time_ns, kind, 0, data);
}

static uint32_t slot_alloc(fl_sched *s) {
  uint32_t i;
  if (s->free_head) {
    i = s->free_head - 1;
    s->free_head = s->slots[i].next_free;
  } else {
    if (s->n_slots == s->cap_slots) {
      s->cap_slots = s->cap_slots ? s->cap_slots * 2 : 64;
      s->slots = g_renew(slot, s->slots, s->cap_slots);
    }
    i = s->n_slots++;
    s->slots[i].gen = 1;
  }
  s->slots[i].state = SLOT_PENDING;
  s->slots[i].next_free = 0;
  return i;
}

static void slot_release(fl_sched *s, uint32_t i) {
  s->slots[i].state = SLOT_FREE;
  s->slots[i].gen++;
  s->slots[i].next_free = s->free_head;
  s->free_head = i + 1;
}

fl_timer_id fl_sched_timer_at(fl_sched *s, int64_t time_ns, uint32_t kind, uint64_t data) {
  uint32_t i = slot_alloc(s);
  push(s, time_ns, kind, i + 1, data);
  return ((uint64_t)s->slots[i].gen << 32) | (uint64_t)(i + 1);
}

static slot *slot_of_id(const fl_sched *s, fl_timer_id id) {
  uint32_t h = (uint32_t)id, gen = (uint32_t)(id >> 32);
  if (h == 0 || h > s->n_slots) return NULL;
  slot *sl = &s->slots[h - 1];
  return sl->gen == gen && sl->state == SLOT_PENDING ? sl : NULL;
}

bool fl_sched_timer_pending(const fl_sched *s, fl_timer_id id) { return slot_of_id(s, id) != NULL; }

/* Drops cancelled records and re-heapifies: O(n). */
static void rebuild(fl_sched *s) {
  size_t k = 0;
  for (size_t i = 0; i < s->n; i++) {
    fl_event *e = &s->heap[i];
    if (e->handle && s->slots[e->handle - 1].state == SLOT_CANCELLED)
      slot_release(s, e->handle - 1);
    else
      s->heap[k++] = *e;
  }
  s->n = k;
  s->n_cancelled = 0;
  if (s->n > 1)
    for (size_t i = (s->n - 2) / 4 + 1; i-- > 0;) sift_down(s->heap, s->n, i, s->heap[i]);
  /* Give memory back after a burst, but keep room so we do not oscillate. */
  if (s->cap > 64 && s->n < s->cap / 4) {
    s->cap /= 2;
    s->heap = g_renew(fl_event, s->heap, s->cap);
  }
}

bool fl_sched_cancel(fl_sched *s, fl_timer_id id) {
  slot *sl = slot_of_id(s, id);
  if (!sl) return false;
  sl->state = SLOT_CANCELLED;
  sl->gen++; /* the id is now stale; the record keeps only the slot index */
  s->n_cancelled++;
  if (s->n_cancelled > 64 && s->n_cancelled > (s->n - s->n_cancelled) / 2) rebuild(s);
  return true;
}

static void remove_top(fl_sched *s) {
  fl_event last = s->heap[--s->n];
  if (s->n > 0) sift_down(s->heap, s->n, 0, last);
}

/* Discards cancelled records at the top; true if a live one is there. */
static bool settle_top(fl_sched *s) {
  while (s->n > 0) {
    uint32_t h = s->heap[0].handle;
    if (!h || s->slots[h - 1].state != SLOT_CANCELLED) return true;
    slot_release(s, h - 1);
    s->n_cancelled--;
    remove_top(s);
  }
  return false;
}

bool fl_sched_pop(fl_sched *s, fl_event *out) {
  if (!settle_top(s)) return false;
  *out = s->heap[0];
  remove_top(s);
  if (out->handle) slot_release(s, out->handle - 1);
  s->now_ns = out->time_ns;
  return true;
}

int64_t fl_sched_peek_time(fl_sched *s) { return settle_top(s) ? s->heap[0].time_ns : INT64_MAX; }

bool fl_sched_step(fl_sched *s) {
  fl_event ev;
  if (s->stopped || !fl_sched_pop(s, &ev)) return false;
  s->events_run++;
  if (s->dispatch) s->dispatch(s->dispatch_ctx, &ev);
  return true;
}

uint64_t fl_sched_run_until(fl_sched *s, int64_t until_ns) {
  uint64_t start = s->events_run;
  while (!s->stopped && fl_sched_peek_time(s) <= until_ns) fl_sched_step(s);
  if (!s->stopped && until_ns > s->now_ns) s->now_ns = until_ns;
  return s->events_run - start;
}

uint64_t fl_sched_run_until_idle(fl_sched *s) {
  uint64_t start = s->events_run;
  while (fl_sched_step(s)) {
  }
  return s->events_run - start;
}

void fl_sched_stop(fl_sched *s) { s->stopped = true; }
bool fl_sched_is_stopped(const fl_sched *s) { return s->stopped; }
size_t fl_sched_pending(const fl_sched *s) { return s->n - s->n_cancelled; }
uint64_t fl_sched_events_run(const fl_sched *s) { return s->events_run; }

size_t fl_sched_memory_bytes(const fl_sched *s) {
  return sizeof *s + s->cap * sizeof(fl_event) + (size_t)s->cap_slots * sizeof(slot);
}
