/* Tests of the scheduler: ordering, tie-breaking in both insertion orders, cancellation,
 * run-until, run-until-idle, single steps, stopping, and a randomized comparison against a
 * sorted reference. */
#include "fl_test.h"
#include "scheduler.h"

#include <glib.h>

typedef struct trail {
  GArray *seen; /* data of each dispatched event, in order */
  fl_sched *s;
  int stop_at;  /* stop when this data value is dispatched; -1 never */
  int spawn;    /* when > 0, the event with data 1 schedules data 100 at now */
} trail;

static void record(void *ctx, const fl_event *ev) {
  trail *l = ctx;
  int d = (int)ev->data;
  g_array_append_val(l->seen, d);
  if (d == l->stop_at) fl_sched_stop(l->s);
  if (l->spawn && d == 1) fl_sched_at(l->s, fl_sched_now(l->s), 0, 100);
}

static trail *trail_new(fl_sched *s) {
  trail *l = g_new0(trail, 1);
  l->seen = g_array_new(FALSE, FALSE, sizeof(int));
  l->s = s;
  l->stop_at = -1;
  fl_sched_set_dispatch(s, record, l);
  return l;
}

static void trail_free(trail *l) {
  g_array_free(l->seen, TRUE);
  g_free(l);
}

static int at(trail *l, guint i) { return g_array_index(l->seen, int, i); }

START_TEST(events_run_in_time_order) {
  fl_sched *s = fl_sched_new();
  trail *l = trail_new(s);
  fl_sched_at(s, 30, 0, 3);
  fl_sched_at(s, 10, 0, 1);
  fl_sched_at(s, 20, 0, 2);
  ck_assert_int_eq(fl_sched_run_until_idle(s), 3);
  ck_assert_int_eq(l->seen->len, 3);
  ck_assert_int_eq(at(l, 0), 1);
  ck_assert_int_eq(at(l, 1), 2);
  ck_assert_int_eq(at(l, 2), 3);
  ck_assert_int_eq(fl_sched_now(s), 30);
  trail_free(l);
  fl_sched_free(s);
}
END_TEST

START_TEST(equal_times_run_in_insertion_order_both_ways) {
  for (int order = 0; order < 2; order++) {
    fl_sched *s = fl_sched_new();
    trail *l = trail_new(s);
    for (int i = 0; i < 100; i++) fl_sched_at(s, 5, 0, order ? 99 - i : i);
    fl_sched_run_until_idle(s);
    for (int i = 0; i < 100; i++) ck_assert_int_eq(at(l, i), order ? 99 - i : i);
    trail_free(l);
    fl_sched_free(s);
  }
}
END_TEST

START_TEST(events_scheduled_at_now_run_after_queued_ones) {
  fl_sched *s = fl_sched_new();
  trail *l = trail_new(s);
  l->spawn = 1;
  fl_sched_at(s, 5, 0, 1);
  fl_sched_at(s, 5, 0, 2);
  fl_sched_run_until_idle(s);
  ck_assert_int_eq(l->seen->len, 3);
  ck_assert_int_eq(at(l, 0), 1);
  ck_assert_int_eq(at(l, 1), 2);
  ck_assert_int_eq(at(l, 2), 100);
  trail_free(l);
  fl_sched_free(s);
}
END_TEST

START_TEST(cancelled_timers_never_run) {
  fl_sched *s = fl_sched_new();
  trail *l = trail_new(s);
  fl_timer_id a = fl_sched_timer_at(s, 10, 0, 1);
  fl_timer_id b = fl_sched_timer_at(s, 20, 0, 2);
  fl_sched_at(s, 15, 0, 3);
  ck_assert(fl_sched_timer_pending(s, a));
  ck_assert_int_eq(fl_sched_pending(s), 3);
  ck_assert(fl_sched_cancel(s, a));
  ck_assert(!fl_sched_timer_pending(s, a));
  ck_assert(!fl_sched_cancel(s, a)); /* the second time */
  ck_assert_int_eq(fl_sched_pending(s), 2);
  ck_assert_int_eq(fl_sched_peek_time(s), 15);
  fl_sched_run_until_idle(s);
  ck_assert_int_eq(l->seen->len, 2);
  ck_assert_int_eq(at(l, 0), 3);
  ck_assert_int_eq(at(l, 1), 2);
  ck_assert(!fl_sched_cancel(s, b)); /* after it ran */
  ck_assert(!fl_sched_cancel(s, 0));
  trail_free(l);
  fl_sched_free(s);
}
END_TEST

START_TEST(stale_timer_id_cannot_cancel_a_reused_slot) {
  fl_sched *s = fl_sched_new();
  trail *l = trail_new(s);
  fl_timer_id a = fl_sched_timer_at(s, 10, 0, 1);
  fl_sched_run_until_idle(s);
  fl_timer_id b = fl_sched_timer_at(s, 20, 0, 2); /* reuses a's slot */
  ck_assert_uint_eq((uint32_t)a, (uint32_t)b);
  ck_assert(!fl_sched_cancel(s, a));
  ck_assert(fl_sched_timer_pending(s, b));
  fl_sched_run_until_idle(s);
  ck_assert_int_eq(l->seen->len, 2);
  trail_free(l);
  fl_sched_free(s);
}
END_TEST

START_TEST(mass_cancellation_keeps_counts_exact_and_memory_bounded) {
  fl_sched *s = fl_sched_new();
  trail *l = trail_new(s);
  size_t peak = 0;
  /* A protocol resetting an election timer on every heartbeat: each round cancels the last. */
  fl_timer_id t = 0;
  for (int i = 0; i < 200000; i++) {
    if (t) ck_assert(fl_sched_cancel(s, t));
    t = fl_sched_timer_at(s, 1000000 + i, 0, 7);
    ck_assert_int_eq(fl_sched_pending(s), 1);
    if (fl_sched_memory_bytes(s) > peak) peak = fl_sched_memory_bytes(s);
  }
  ck_assert_uint_lt(peak, 64 * 1024);
  fl_sched_run_until_idle(s);
  ck_assert_int_eq(l->seen->len, 1);
  trail_free(l);
  fl_sched_free(s);
}
END_TEST

START_TEST(run_until_stops_at_the_bound_and_sets_now) {
  fl_sched *s = fl_sched_new();
  trail *l = trail_new(s);
  fl_sched_at(s, 10, 0, 1);
  fl_sched_at(s, 20, 0, 2);
  fl_sched_at(s, 21, 0, 3);
  ck_assert_int_eq(fl_sched_run_until(s, 20), 2);
  ck_assert_int_eq(fl_sched_now(s), 20);
  ck_assert_int_eq(fl_sched_run_until(s, 20), 0);
  ck_assert_int_eq(fl_sched_run_until(s, 15), 0);
  ck_assert_int_eq(fl_sched_now(s), 20);
  ck_assert_int_eq(fl_sched_run_until(s, 50), 1);
  ck_assert_int_eq(fl_sched_now(s), 50);
  ck_assert_int_eq(fl_sched_events_run(s), 3);
  trail_free(l);
  fl_sched_free(s);
}
END_TEST

START_TEST(single_steps) {
  fl_sched *s = fl_sched_new();
  trail *l = trail_new(s);
  fl_sched_at(s, 7, 0, 1);
  fl_sched_at(s, 3, 0, 2);
  ck_assert(fl_sched_step(s));
  ck_assert_int_eq(fl_sched_now(s), 3);
  ck_assert_int_eq(at(l, 0), 2);
  ck_assert(fl_sched_step(s));
  ck_assert_int_eq(fl_sched_now(s), 7);
  ck_assert(!fl_sched_step(s));
  ck_assert_int_eq(fl_sched_peek_time(s), INT64_MAX);
  trail_free(l);
  fl_sched_free(s);
}
END_TEST

START_TEST(stop_from_a_handler_is_final) {
  fl_sched *s = fl_sched_new();
  trail *l = trail_new(s);
  l->stop_at = 2;
  for (int i = 1; i <= 4; i++) fl_sched_at(s, i, 0, i);
  ck_assert_int_eq(fl_sched_run_until_idle(s), 2);
  ck_assert(fl_sched_is_stopped(s));
  ck_assert_int_eq(fl_sched_run_until(s, 100), 0);
  ck_assert(!fl_sched_step(s));
  ck_assert_int_eq(fl_sched_now(s), 2);
  ck_assert_int_eq(fl_sched_pending(s), 2);
  trail_free(l);
  fl_sched_free(s);
}
END_TEST

/* 10^5 random operations (schedule, schedule a timer, cancel, pop) against a reference kept
 * sorted by (time, seq): the pop order must match exactly. */
typedef struct ref_ev {
  int64_t time;
  uint64_t seq;
  fl_timer_id id;
  bool live;
} ref_ev;

START_TEST(random_operations_match_a_sorted_reference) {
  fl_sched *s = fl_sched_new();
  GArray *ref = g_array_new(FALSE, TRUE, sizeof(ref_ev));
  uint64_t x = 12345, seq = 0;
  int64_t now = 0;
  for (int i = 0; i < 100000; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    int op = (int)(x % 10);
    if (op < 4) {
      int64_t t = now + (int64_t)((x >> 8) % 50);
      bool timer = op >= 2;
      ref_ev r = {t, seq, 0, true};
      if (timer) r.id = fl_sched_timer_at(s, t, 0, seq);
      else fl_sched_at(s, t, 0, seq);
      seq++;
      g_array_append_val(ref, r);
    } else if (op < 6 && ref->len) {
      ref_ev *r = &g_array_index(ref, ref_ev, (x >> 16) % ref->len);
      bool expect = r->live && r->id;
      ck_assert_int_eq(fl_sched_cancel(s, r->id), expect);
      if (expect) r->live = false;
    } else {
      /* The earliest live reference event. */
      int best = -1;
      for (guint k = 0; k < ref->len; k++) {
        ref_ev *r = &g_array_index(ref, ref_ev, k);
        if (!r->live) continue;
        ref_ev *b = best >= 0 ? &g_array_index(ref, ref_ev, best) : NULL;
        if (!b || r->time < b->time || (r->time == b->time && r->seq < b->seq)) best = (int)k;
      }
      fl_event ev;
      ck_assert_int_eq(fl_sched_pop(s, &ev), best >= 0);
      if (best >= 0) {
        ref_ev *b = &g_array_index(ref, ref_ev, best);
        ck_assert_int_eq(ev.time_ns, b->time);
        ck_assert_uint_eq(ev.data, b->seq);
        now = ev.time_ns;
        g_array_remove_index_fast(ref, (guint)best);
      }
    }
    /* Keep the reference small so the linear scan stays cheap. */
    for (guint k = 0; k < ref->len;)
      if (!g_array_index(ref, ref_ev, k).live) g_array_remove_index_fast(ref, k);
      else k++;
    guint live = ref->len;
    ck_assert_uint_eq(fl_sched_pending(s), live);
  }
  g_array_free(ref, TRUE);
  fl_sched_free(s);
}
END_TEST

int main(void) {
  Suite *s = suite_create("scheduler");
  TCase *tc = tcase_create("scheduler");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, events_run_in_time_order);
  tcase_add_test(tc, equal_times_run_in_insertion_order_both_ways);
  tcase_add_test(tc, events_scheduled_at_now_run_after_queued_ones);
  tcase_add_test(tc, cancelled_timers_never_run);
  tcase_add_test(tc, stale_timer_id_cannot_cancel_a_reused_slot);
  tcase_add_test(tc, mass_cancellation_keeps_counts_exact_and_memory_bounded);
  tcase_add_test(tc, run_until_stops_at_the_bound_and_sets_now);
  tcase_add_test(tc, single_steps);
  tcase_add_test(tc, stop_from_a_handler_is_final);
  tcase_add_test(tc, random_operations_match_a_sorted_reference);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
