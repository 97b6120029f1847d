/* Tests of the visualiser: the model a trace loads into, the exact time/pixel mapping, the
 * headless renderer's pixels (a lane, an arrow, a drop, a partition stripe, a crashed span, an
 * operation, the linearizability outline), level of detail, deterministic PNG bytes, error
 * messages of `faultline viz`, and a smoke test of the real window under Xvfb driven by X
 * events from xdotool. */
#include "fl_test.h"
#include "trace.h"
#include "viz/font.h"
#include "viz/labels.h"
#include "viz/layout.h"
#include "viz/lin_overlay.h"
#include "viz/palette.h"
#include "viz/pngout.h"
#include "viz/render.h"
#include "viz/viz.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MS 1000000LL

static char *tmpdir(void) { return g_dir_make_tmp("fl-viz-XXXXXX", NULL); }

static void rm_rf(const char *dir) { fl_test_rm_rf(dir); }

/* A status record: the role and the term (kind FL_TERM_TERM) the lanes are coloured from. */
static void status_rec(fl_trace *t, int64_t at_ns, int node, fl_role role, const char *word,
                       fl_term_kind kind, uint64_t term, int leader) {
  fl_node_status st;
  fl_node_status_init(&st);
  st.role = role;
  g_strlcpy(st.word, word, sizeof st.word);
  st.term_kind = kind;
  st.term = term;
  st.leader = leader;
  fl_trace_status(t, at_ns, node, &st);
}

/* A small hand-made run: 3 nodes, 1 client, 1 s.
 *   0 ms    n1 "leader t3", n2 and n3 "follower t3", with their status records
 *   850 ms  n3's status (alone, no describe line) turns candidate of term 4
 *   100 ms  #1 n1->n2, delivered at 150 ms
 *   200 ms  c1 invokes a write via n1, ok at 300 ms
 *   500 ms  partition {n1} {n2 n3 c1}, healed at 800 ms
 *   520 ms  #2 n1->n3 dropped (partition)
 *   600 ms  n3 crashes, restarts at 700 ms
 *   900 ms  #3 n2->n1, duplicated, delivered twice at 920 and 930 ms */
static char *write_small_trace(const char *dir) {
  char *path = g_build_filename(dir, "small.trace", NULL);
  const char *meta = "{\"version\":1,\"seed\":3,\"protocol\":\"test\",\"nodes\":3,\"clients\":1,"
                     "\"node_names\":[\"n1\",\"n2\",\"n3\",\"c1\"],\"scenario\":\"small.fl\","
                     "\"duration_ns\":1000000000}";
  fl_trace *t = fl_trace_open(path, meta, NULL);
  ck_assert_ptr_nonnull(t);
  fl_trace_state(t, 0, 0, "leader t3 commit=0");
  fl_trace_state(t, 0, 1, "follower t3");
  fl_trace_state(t, 0, 2, "follower t3");
  status_rec(t, 0, 0, FL_ROLE_LEADER, "", FL_TERM_TERM, 3, 0);
  status_rec(t, 0, 1, FL_ROLE_FOLLOWER, "", FL_TERM_TERM, 3, 0);
  status_rec(t, 0, 2, FL_ROLE_FOLLOWER, "", FL_TERM_TERM, 3, 0);
  fl_trace_send(t, 100 * MS, 1, 0, 1, 40, 0, "append t3 [1]");
  fl_trace_deliver(t, 150 * MS, 1, 0, 1);
  fl_trace_invoke(t, 200 * MS, 3, 0, 1, 1, 7, 42, 0, 0);
  fl_trace_complete(t, 300 * MS, 3, 0, 1, 1, false, 0);
  int groups[4] = {0, 1, 1, 1};
  fl_trace_partition(t, 500 * MS, groups, 4);
  fl_trace_send(t, 520 * MS, 2, 0, 2, 40, 0, "append t3 [2]");
  fl_trace_drop(t, 520 * MS, 2, 0, 2, 1);
  fl_trace_node_event(t, 600 * MS, FL_TR_CRASH, 2);
  fl_trace_node_event(t, 700 * MS, FL_TR_RESTART, 2);
  fl_trace_heal(t, 800 * MS);
  status_rec(t, 850 * MS, 2, FL_ROLE_CANDIDATE, "", FL_TERM_TERM, 4, -1);
  fl_trace_send(t, 900 * MS, 3, 1, 0, 8, 0, "ack");
  fl_trace_duplicate(t, 900 * MS, 3, 1, 0);
  fl_trace_deliver(t, 920 * MS, 3, 1, 0);
  fl_trace_deliver(t, 930 * MS, 3, 1, 0);
  fl_trace_violation(t, 960 * MS, "election safety: n1 and n2 were both leaders of term 3");
  ck_assert(fl_trace_close(t, true, NULL));
  return path;
}

START_TEST(loads_the_model_of_a_trace) {
  char *dir = tmpdir(), *path = write_small_trace(dir);
  GError *e = NULL;
  fl_viz_timeline *tl = fl_viz_timeline_load(path, &e);
  ck_assert_ptr_null(e);
  ck_assert_ptr_nonnull(tl);
  ck_assert_int_eq(tl->n_lanes, 4);
  ck_assert_int_eq(tl->end_ns, 1000 * MS);
  ck_assert_str_eq(tl->lanes[3].name, "c1");
  ck_assert(tl->lanes[3].is_client);
  ck_assert_uint_eq(tl->msgs->len, 3);
  ck_assert_uint_eq(tl->arrows->len, 4); /* #1, #2 dropped, #3 twice */
  const fl_viz_arrow *a = &g_array_index(tl->arrows, fl_viz_arrow, 1);
  ck_assert_int_eq(a->end, FL_VIZ_END_DROP);
  ck_assert_int_eq(a->reason, 1);
  a = &g_array_index(tl->arrows, fl_viz_arrow, 3);
  ck_assert(a->dup);
  ck_assert_int_eq(a->end_ns, 930 * MS);
  ck_assert_uint_eq(tl->partitions->len, 1);
  const fl_viz_partition *p = &g_array_index(tl->partitions, fl_viz_partition, 0);
  ck_assert_int_eq(p->from_ns, 500 * MS);
  ck_assert_int_eq(p->to_ns, 800 * MS);
  ck_assert_int_eq(p->group[0], 0);
  ck_assert_int_eq(p->group[3], 1);
  ck_assert_uint_eq(tl->down->len, 1);
  ck_assert_int_eq(g_array_index(tl->down, fl_viz_span, 0).from_ns, 600 * MS);
  ck_assert_uint_eq(tl->ops->len, 1);
  const fl_viz_op *op = &g_array_index(tl->ops, fl_viz_op, 0);
  ck_assert_int_eq(op->outcome, FL_VIZ_OP_OK);
  ck_assert_int_eq(op->hist_index, 0);
  char *d = fl_viz_op_describe(tl, op);
  ck_assert_str_eq(d, "c1 p0 #1 write k7 = 42 via n1: ok  (invoked 200.000ms, took 100.000ms)");
  g_free(d);
  const fl_viz_role_span *rs = &g_array_index(tl->lanes[0].roles, fl_viz_role_span, 0);
  ck_assert_int_eq(rs->role, FL_ROLE_LEADER);
  ck_assert_str_eq(g_ptr_array_index(tl->role_names, rs->label), "leader");
  ck_assert_int_eq(rs->term, 3);
  ck_assert_int_eq(rs->leader, 0);
  ck_assert_int_eq(rs->to_ns, 1000 * MS);
  ck_assert_uint_eq(tl->lanes[2].roles->len, 2); /* follower term 3, then candidate term 4 */
  rs = &g_array_index(tl->lanes[2].roles, fl_viz_role_span, 1);
  ck_assert_int_eq(rs->role, FL_ROLE_CANDIDATE);
  ck_assert_int_eq(rs->from_ns, 850 * MS);
  ck_assert_int_eq(rs->term, 4);
  ck_assert_int_eq(rs->leader, -1);
  ck_assert_int_eq(g_array_index(tl->lanes[2].roles, fl_viz_role_span, 0).to_ns, 850 * MS);
  /* Status records are not events: the describe lines are. */
  ck_assert_uint_eq(tl->lanes[2].states->len, 1);
  /* Faults: partition, drop, crash, restart, heal. */
  ck_assert_uint_eq(tl->faults->len, 5);
  d = fl_viz_event_describe(tl, g_array_index(tl->faults, uint32_t, 0));
  ck_assert_str_eq(d, "500.000ms  partition {n1} {n2 n3 c1} ");
  g_free(d);
  d = fl_viz_event_describe(tl, g_array_index(tl->faults, uint32_t, 1));
  ck_assert_str_eq(d, "520.000ms  drop #2 n1->n3 after 0us (partition): append t3 [2]");
  g_free(d);
  fl_viz_timeline_free(tl);
  rm_rf(dir);
  g_free(dir);
  g_free(path);
}
END_TEST

/* Role, word and term come from STATUS records only: a describe line that says otherwise is
 * text for humans, and a node without a status record has no role span. */
START_TEST(roles_and_terms_come_from_status_records_not_describe_lines) {
  char *dir = tmpdir(), *path = g_build_filename(dir, "roles.trace", NULL);
  fl_trace *t = fl_trace_open(path, "{\"version\":1,\"seed\":1,\"protocol\":\"test\",\"nodes\":4,"
                              "\"clients\":0,\"duration_ns\":1000000000}", NULL);
  ck_assert_ptr_nonnull(t);
  fl_trace_state(t, 0, 0, "leader t3 commit=12");      /* says leader ... */
  status_rec(t, 0, 0, FL_ROLE_FOLLOWER, "", FL_TERM_TERM, 5, 2); /* ... but is a follower */
  status_rec(t, 0, 1, FL_ROLE_CANDIDATE, "precandidate", FL_TERM_TERM, 4, -1);
  status_rec(t, 0, 2, FL_ROLE_PARTICIPANT, "acceptor", FL_TERM_BALLOT, 17, -1);
  fl_trace_state(t, 0, 3, "leader t9");                 /* no status at all */
  status_rec(t, 10 * MS, 1, FL_ROLE_CANDIDATE, "precandidate", FL_TERM_TERM, 4, -1); /* same */
  status_rec(t, 20 * MS, 1, FL_ROLE_CANDIDATE, "", FL_TERM_TERM, 5, -1);
  ck_assert(fl_trace_close(t, true, NULL));
  GError *e = NULL;
  fl_viz_timeline *tl = fl_viz_timeline_load(path, &e);
  ck_assert_ptr_null(e);
  const struct {
    int lane;
    guint n;
    int role;
    const char *label;
  } want[] = {{0, 1, FL_ROLE_FOLLOWER, "follower term 5"},
              {1, 2, FL_ROLE_CANDIDATE, "precandidate term 4"},
              {2, 1, FL_ROLE_PARTICIPANT, "acceptor ballot 17"},
              {3, 0, 0, NULL}};
  for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
    GArray *roles = tl->lanes[want[i].lane].roles;
    ck_assert_uint_eq(roles->len, want[i].n);
    if (!want[i].n) continue;
    const fl_viz_role_span *rs = &g_array_index(roles, fl_viz_role_span, 0);
    ck_assert_int_eq(rs->role, want[i].role);
    char *label = fl_viz_role_label(tl, rs);
    ck_assert_str_eq(label, want[i].label);
    g_free(label);
  }
  const fl_viz_role_span *rs = &g_array_index(tl->lanes[1].roles, fl_viz_role_span, 1);
  ck_assert_int_eq(rs->from_ns, 20 * MS);
  char *label = fl_viz_role_label(tl, rs);
  ck_assert_str_eq(label, "candidate term 5");
  g_free(label);
  ck_assert_int_eq(g_array_index(tl->lanes[0].roles, fl_viz_role_span, 0).leader, 2);
  fl_viz_timeline_free(tl);
  rm_rf(dir);
  g_free(dir);
  g_free(path);
}
END_TEST

START_TEST(time_and_pixels_map_exactly_both_ways) {
  fl_viz_layout L;
  fl_viz_view v = {.t0_ns = -333, .t1_ns = 20000000007LL};
  fl_viz_layout_init(&L, 1000, 500, 7, true, v);
  ck_assert_int_eq(L.plot_x, FL_VIZ_LABEL_W);
  ck_assert_int_eq(L.plot_w, 1000 - FL_VIZ_LABEL_W - 8);
  for (int x = L.plot_x; x <= L.plot_x + L.plot_w; x++) {
    int64_t t = fl_viz_layout_time(&L, x);
    ck_assert_int_eq(fl_viz_layout_x(&L, t), x);
    ck_assert_int_eq(fl_viz_layout_x(&L, t - 1), x - 1);
  }
  ck_assert_int_eq(fl_viz_layout_tick_step(&L, 90), 2000000000LL);
  ck_assert_int_eq(fl_viz_layout_lane_at(&L, fl_viz_layout_lane_mid(&L, 6)), 6);
  ck_assert_int_eq(fl_viz_layout_lane_at(&L, L.plot_y - 1), -1);
}
END_TEST

START_TEST(times_print_in_the_unit_that_fits) {
  struct { int64_t t, step; const char *want; } cases[] = {
      {5200000000LL, 100000000LL, "5.2s"}, {0, 1000000000LL, "0s"}, {4000000, 1000000, "4ms"},
      {5001000000LL, 1000000, "5.001s"}, {1500, 100, "1.5us"}, {7, 1, "7ns"},
      {2000000000LL, 0, "2s"}, {150000000LL, 0, "150ms"}, {-2500000, 0, "-2.5ms"}};
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    char *s = fl_viz_format_time(cases[i].t, cases[i].step);
    ck_assert_str_eq(s, cases[i].want);
    g_free(s);
  }
}
END_TEST

static uint8_t *render_png(const char *trace, const char *report, const char *out, int w, int h,
                           int64_t from, int64_t to) {
  fl_viz_opts o;
  fl_viz_opts_init(&o);
  o.trace_path = trace;
  o.report_path = report;
  o.width = w;
  o.height = h;
  o.has_from = from >= 0;
  o.from_ns = from;
  o.has_to = to >= 0;
  o.to_ns = to;
  GError *e = NULL;
  ck_assert_msg(fl_viz_png(&o, out, &e), "%s", e ? e->message : "?");
  int pw, ph;
  uint8_t *px = fl_viz_png_read(out, &pw, &ph, &e);
  ck_assert_ptr_nonnull(px);
  ck_assert_int_eq(pw, w);
  ck_assert_int_eq(ph, h);
  return px;
}

#define PIX(px, w, x, y) (&(px)[((size_t)(y) * (size_t)(w) + (size_t)(x)) * 3])
#define ASSERT_RGB(px, w, x, y, c)                                                            \
  do {                                                                                        \
    const uint8_t *p_ = PIX(px, w, x, y);                                                     \
    ck_assert_msg(p_[0] == (c).r && p_[1] == (c).g && p_[2] == (c).b,                         \
                  "pixel (%d, %d) is %u,%u,%u, expected %u,%u,%u", (int)(x), (int)(y), p_[0], \
                  p_[1], p_[2], (c).r, (c).g, (c).b);                                         \
  } while (0)

START_TEST(png_has_the_expected_pixels) {
  char *dir = tmpdir(), *path = write_small_trace(dir);
  char *out = g_build_filename(dir, "small.png", NULL);
  const int W = 800, H = 400;
  uint8_t *px = render_png(path, NULL, out, W, H, -1, -1);
  fl_viz_layout L;
  fl_viz_layout_init(&L, W, H, 4, false, (fl_viz_view){0, 1000 * MS});
  /* The title bar and the lanes' area. */
  ASSERT_RGB(px, W, 1, 1, FL_VIZ_C_TITLE_BG);
  /* n2's lane away from everything: its role colour. */
  int y_n2 = fl_viz_layout_lane_top(&L, 1) + L.lane_h / 4;
  ASSERT_RGB(px, W, fl_viz_layout_x(&L, 400 * MS), y_n2, fl_viz_role_colour(FL_ROLE_FOLLOWER, 3));
  ASSERT_RGB(px, W, fl_viz_layout_x(&L, 400 * MS), fl_viz_layout_lane_top(&L, 0) + L.lane_h / 4,
             fl_viz_role_colour(FL_ROLE_LEADER, 3));
  /* Arrow #1, n1 -> n2: both ends. */
  ASSERT_RGB(px, W, fl_viz_layout_x(&L, 100 * MS), fl_viz_layout_lane_mid(&L, 0), FL_VIZ_C_ARROW);
  ASSERT_RGB(px, W, fl_viz_layout_x(&L, 150 * MS), fl_viz_layout_lane_mid(&L, 1), FL_VIZ_C_ARROW);
  /* #2 dropped: the cross's centre on n3, and a corner of the cross. */
  int xd = fl_viz_layout_x(&L, 520 * MS), yd = fl_viz_layout_lane_mid(&L, 2);
  ASSERT_RGB(px, W, xd, yd, FL_VIZ_C_DROP);
  ASSERT_RGB(px, W, xd + 3, yd + 3, FL_VIZ_C_DROP);
  /* The partition stripes: n1 on side 0, n2 and c1 on side 1. */
  int xp = fl_viz_layout_x(&L, 750 * MS);
  ASSERT_RGB(px, W, xp, fl_viz_layout_lane_top(&L, 0), fl_viz_group_colour(0));
  ASSERT_RGB(px, W, xp, fl_viz_layout_lane_top(&L, 1), fl_viz_group_colour(1));
  ASSERT_RGB(px, W, xp, fl_viz_layout_lane_top(&L, 3) + fl_viz_stripe_h(&L) - 1,
             fl_viz_group_colour(1));
  /* ... and below the stripe, the lane's own colour again. */
  ASSERT_RGB(px, W, xp, fl_viz_layout_lane_top(&L, 1) + fl_viz_stripe_h(&L),
             fl_viz_role_colour(FL_ROLE_FOLLOWER, 3));
  /* n3's status alone turned it candidate of term 4 at 850 ms: the colour follows. */
  ASSERT_RGB(px, W, fl_viz_layout_x(&L, 870 * MS), fl_viz_layout_lane_top(&L, 2) + L.lane_h / 4,
             fl_viz_role_colour(FL_ROLE_CANDIDATE, 4));
  ASSERT_RGB(px, W, fl_viz_layout_x(&L, 830 * MS), fl_viz_layout_lane_top(&L, 2) + L.lane_h / 4,
             fl_viz_role_colour(FL_ROLE_FOLLOWER, 3));
  /* n3 crashed from 600 to 700 ms. */
  ASSERT_RGB(px, W, fl_viz_layout_x(&L, 690 * MS), fl_viz_layout_lane_top(&L, 2) + L.lane_h - 3,
             FL_VIZ_C_DOWN);
  /* c1's write: ok. */
  ASSERT_RGB(px, W, fl_viz_layout_x(&L, 250 * MS), fl_viz_layout_lane_mid(&L, 3), FL_VIZ_C_OP_OK);
  /* #3 was duplicated: its arrows are purple. */
  ASSERT_RGB(px, W, fl_viz_layout_x(&L, 930 * MS), fl_viz_layout_lane_mid(&L, 0), FL_VIZ_C_DUP);
  /* Lane separators. */
  ASSERT_RGB(px, W, fl_viz_layout_x(&L, 400 * MS), fl_viz_layout_lane_top(&L, 1) + L.lane_h - 1,
             FL_VIZ_C_SEPARATOR);
  g_free(px);
  rm_rf(dir);
  g_free(dir);
  g_free(path);
  g_free(out);
}
END_TEST

static char *slurp(const char *path, gsize *len) {
  char *c = NULL;
  ck_assert(g_file_get_contents(path, &c, len, NULL));
  return c;
}

/* Operation labels, message types, what a violation names, and the title's statement of what
 * failed: exact strings, computed without a window. */
START_TEST(labels_say_what_operations_messages_and_violations_are) {
  fl_viz_op op = {.kind = 1, .value = 2, .outcome = FL_VIZ_OP_OK};
  char *t = fl_viz_op_label(&op);
  ck_assert_str_eq(t, "w 2");
  g_free(t);
  op = (fl_viz_op){.kind = 0, .result = 3, .has_result = true, .outcome = FL_VIZ_OP_OK};
  ck_assert_str_eq((t = fl_viz_op_label(&op)), "r -> 3");
  g_free(t);
  op.has_result = false;
  ck_assert_str_eq((t = fl_viz_op_label(&op)), "r -> nil");
  g_free(t);
  op.outcome = FL_VIZ_OP_INFO;
  ck_assert_str_eq((t = fl_viz_op_label(&op)), "r ?");
  g_free(t);
  op = (fl_viz_op){.kind = 2, .expected = 1, .value = 2, .outcome = FL_VIZ_OP_FAIL};
  ck_assert_str_eq((t = fl_viz_op_label(&op)), "cas 1->2 fail");
  g_free(t);
  ck_assert_str_eq((t = fl_viz_msg_type("AppendEntries t3 prev=4 [5..6]")), "AppendEntries");
  g_free(t);
  ck_assert_str_eq((t = fl_viz_msg_type("vote: granted")), "vote");
  g_free(t);
  ck_assert_str_eq((t = fl_viz_msg_type("")), "msg");
  g_free(t);

  const char *stop = "protocol raft, at 174.1ms (event 56): invariant violated: election safety: "
                     "n5 and n4 were both leaders of term 1 (n5 first)";
  ck_assert_str_eq((t = fl_viz_violation_label(stop)), "election safety: n5, n4");
  g_free(t);
  bool marked[5] = {false};
  ck_assert_int_eq(fl_viz_violation_nodes(stop, 5, marked), 2);
  ck_assert(marked[3] && marked[4] && !marked[0] && !marked[1] && !marked[2]);
  /* Only nodes of the run, and only whole words: "n12" of five nodes and "gn2" are not nodes. */
  bool none[5] = {false};
  ck_assert_int_eq(fl_viz_violation_nodes("x: n12 gn2 n2x", 5, none), 0);
  ck_assert_str_eq((t = fl_viz_violation_label("convergence: k24's replicas disagree: n5 holds 4 "
                                               "(stamp 17 by n2), n3 holds 2")),
                   "convergence: n5, n2, n3");
  g_free(t);
  ck_assert_str_eq((t = fl_viz_violation_label("protocol raft, at 1s (event 9): a sentence with no "
                                               "invariant named in it at all: n1")),
                   "a sentence with no invariant named in it at all: n1");
  g_free(t);
}
END_TEST

/* Greedy placement: a label overlapping one placed (or blocked) before it is skipped; touching
 * edges do not overlap. */
START_TEST(greedy_placement_skips_a_label_that_would_overlap) {
  fl_viz_placer p;
  fl_viz_placer_init(&p);
  ck_assert(fl_viz_placer_try(&p, 10, 10, 50, 14));
  ck_assert(!fl_viz_placer_try(&p, 59, 23, 10, 10)); /* one pixel of overlap */
  ck_assert(fl_viz_placer_try(&p, 60, 10, 10, 14));  /* touches on the right */
  ck_assert(fl_viz_placer_try(&p, 10, 24, 50, 14));  /* touches below */
  fl_viz_placer_block(&p, 100, 0, 20, 20);
  ck_assert(!fl_viz_placer_try(&p, 110, 5, 30, 5));
  ck_assert(fl_viz_placer_try(&p, 120, 5, 30, 5));
  ck_assert_uint_eq(p.boxes->len, 5);
  fl_viz_placer_clear(&p);
  ck_assert_ptr_null(p.boxes);
}
END_TEST

/* The PNG explains itself: a colour legend at the bottom (each swatch exactly its colour), the
 * title says what failed, the violation marks the nodes it names, and an operation wide enough
 * carries its label ("w 42") while a narrow one does not. */
START_TEST(the_png_has_a_legend_and_says_what_failed) {
  char *dir = tmpdir(), *path = write_small_trace(dir);
  char *out = g_build_filename(dir, "legend.png", NULL);
  const int W = 800, H = 400;
  uint8_t *px = render_png(path, NULL, out, W, H, -1, -1);
  fl_viz_layout L, Lw;
  fl_viz_layout_init(&L, W, H, 4, false, (fl_viz_view){0, 1000 * MS});
  fl_viz_layout_init(&Lw, W, H, 4, true, (fl_viz_view){0, 1000 * MS});
  int cols = fl_viz_legend_cols(W);
  ck_assert_int_eq(cols, 6);
  ck_assert_int_eq(fl_viz_legend_rows(W), 3);
  ck_assert_int_eq(L.legend_h, 3 * FL_VIZ_LINE_H + 8);
  ck_assert_int_eq(L.legend_y, H - L.legend_h);
  ck_assert_int_eq(Lw.legend_h, 0); /* the window shows the legend in its help overlay */
  ck_assert_int_le(L.plot_y + L.plot_h, L.legend_y);
  size_t n;
  const fl_viz_legend_entry *e = fl_viz_legend(&n);
  ck_assert_uint_eq(n, 18);
  for (size_t k = 0; k < n; k++) {
    int x = FL_VIZ_LEGEND_X + (int)(k % (size_t)cols) * FL_VIZ_LEGEND_CELL_W;
    int y = L.legend_y + 2 + (int)(k / (size_t)cols) * FL_VIZ_LINE_H + 3;
    if (e[k].swatch == FL_VIZ_SWATCH_FILL) ASSERT_RGB(px, W, x + 7, y + 5, e[k].colour);
    if (e[k].swatch == FL_VIZ_SWATCH_LINE) ASSERT_RGB(px, W, x + 7, y + FL_VIZ_LEGEND_SWATCH_H / 2, e[k].colour);
  }
  ck_assert_str_eq(e[11].text, "op ok");
  /* The violation at 960 ms names n1 and n2: a square on their lanes, none on n3's. */
  int xv = fl_viz_layout_x(&L, 960 * MS);
  ASSERT_RGB(px, W, xv + 3, fl_viz_layout_lane_mid(&L, 0), FL_VIZ_C_VIOLATION);
  ASSERT_RGB(px, W, xv + 3, fl_viz_layout_lane_mid(&L, 1), FL_VIZ_C_VIOLATION);
  ASSERT_RGB(px, W, xv + 3, fl_viz_layout_lane_mid(&L, 2), fl_viz_role_colour(FL_ROLE_CANDIDATE, 4));
  /* c1's write (200..300 ms) is 72 pixels wide: its label is drawn (darker pixels appear). */
  int x0 = fl_viz_layout_x(&L, 200 * MS), x1 = fl_viz_layout_x(&L, 300 * MS);
  int top = fl_viz_layout_lane_top(&L, 3);
  size_t dark = 0;
  for (int x = x0 + 1; x < x1 - 1; x++)
    for (int y = top + 4; y < top + L.lane_h - 4; y++)
      if (PIX(px, W, x, y)[1] < FL_VIZ_C_OP_OK.g - 40) dark++;
  ck_assert_uint_gt(dark, 20);
  g_free(px);
  /* At 320 pixels the same operation is 24 pixels wide: no room for "w 42", no label. */
  px = render_png(path, NULL, out, 320, 400, -1, -1);
  fl_viz_layout_init(&L, 320, 400, 4, false, (fl_viz_view){0, 1000 * MS});
  x0 = fl_viz_layout_x(&L, 200 * MS), x1 = fl_viz_layout_x(&L, 300 * MS);
  top = fl_viz_layout_lane_top(&L, 3);
  dark = 0;
  for (int x = x0 + 1; x < x1 - 1; x++)
    for (int y = top + 4; y < top + L.lane_h - 4; y++)
      if (PIX(px, 320, x, y)[1] < FL_VIZ_C_OP_OK.g - 40) dark++;
  ck_assert_uint_eq(dark, 0);
  g_free(px);
  /* Zoomed in to the one arrow #1 (n1 -> n2, "append t3 [1]"): its type is written at its
   * midpoint in its colour, far more blue pixels in that box than the line alone draws. */
  px = render_png(path, NULL, out, W, H, 90 * MS, 160 * MS);
  fl_viz_layout_init(&L, W, H, 4, false, (fl_viz_view){90 * MS, 160 * MS});
  GError *fe = NULL;
  fl_viz_fonts *fonts = fl_viz_fonts_open(&fe);
  ck_assert_msg(fonts != NULL, "%s", fe ? fe->message : "?");
  int tw = fl_viz_text_width(fonts, FL_VIZ_FONT_SANS, "append"), th = fl_viz_text_height(fonts);
  fl_viz_fonts_free(fonts);
  int mx = (fl_viz_layout_x(&L, 100 * MS) + fl_viz_layout_x(&L, 150 * MS)) / 2 - tw / 2;
  int my = (fl_viz_layout_lane_mid(&L, 0) + fl_viz_layout_lane_mid(&L, 1)) / 2 - th / 2;
  size_t blue = 0;
  for (int x = mx; x < mx + tw; x++)
    for (int y = my; y < my + th; y++) {
      const uint8_t *p = PIX(px, W, x, y);
      if (p[2] > p[0] + 40 && p[2] > p[1] + 20) blue++;
    }
  ck_assert_uint_gt(blue, (size_t)tw + 15);
  g_free(px);
  /* The title says what failed, right after the run's name. */
  fl_viz_timeline *tl = fl_viz_timeline_load(path, NULL);
  ck_assert_ptr_nonnull(tl);
  fl_viz_scene sc = {.tl = tl, .cursor_ns = -1, .hover_arrow = -1, .hover_op = -1};
  fl_viz_layout_init(&L, W, H, tl->n_lanes, false, (fl_viz_view){0, 1000 * MS});
  char *title = fl_viz_title_text(&sc, &L, false);
  ck_assert_str_eq(title, "small.fl  test  seed 3  |  FAILED: election safety: n1, n2 at 960.0ms  |  "
                          "0ms .. 1.00s (1.00s)  |  messages");
  g_free(title);
  g_array_set_size(tl->violations, 0);
  title = fl_viz_title_text(&sc, &L, true);
  ck_assert_str_eq(title, "small.fl  test  seed 3  |  0ms .. 1.00s (1.00s)  |  message density "
                          "(zoom in for arrows)");
  g_free(title);
  fl_viz_timeline_free(tl);
  rm_rf(dir);
  g_free(dir);
  g_free(path);
  g_free(out);
}
END_TEST

START_TEST(the_same_trace_gives_the_same_png_bytes) {
  char *dir = tmpdir(), *path = write_small_trace(dir);
  char *a = g_build_filename(dir, "a.png", NULL), *b = g_build_filename(dir, "b.png", NULL);
  g_free(render_png(path, NULL, a, 640, 360, 50 * MS, 950 * MS));
  g_free(render_png(path, NULL, b, 640, 360, 50 * MS, 950 * MS));
  gsize la, lb;
  char *ca = slurp(a, &la), *cb = slurp(b, &lb);
  ck_assert_uint_eq(la, lb);
  ck_assert(memcmp(ca, cb, la) == 0);
  g_free(ca);
  g_free(cb);
  rm_rf(dir);
  g_free(dir);
  g_free(path);
  g_free(a);
  g_free(b);
}
END_TEST

/* 3000 messages in one second: too many arrows for 728 columns at full view, arrows again once
 * zoomed to 100 ms. */
START_TEST(many_messages_are_aggregated_until_zoomed_in) {
  char *dir = tmpdir();
  char *path = g_build_filename(dir, "busy.trace", NULL);
  fl_trace *t = fl_trace_open(path, "{\"nodes\":2,\"clients\":0,\"duration_ns\":1000000000}", NULL);
  for (int i = 0; i < 3000; i++) {
    int64_t at = (int64_t)i * 333333;
    fl_trace_send(t, at, (uint64_t)i + 1, i % 2, 1 - i % 2, 8, 0, "m");
    fl_trace_deliver(t, at + 1000, (uint64_t)i + 1, i % 2, 1 - i % 2);
  }
  ck_assert(fl_trace_close(t, true, NULL));
  fl_viz_timeline *tl = fl_viz_timeline_load(path, NULL);
  ck_assert_ptr_nonnull(tl);
  GError *e = NULL;
  fl_viz_fonts *fonts = fl_viz_fonts_open(&e);
  ck_assert_msg(fonts != NULL, "%s", e ? e->message : "");
  SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, 800, 400, 32, SDL_PIXELFORMAT_RGB888);
  SDL_Renderer *r = SDL_CreateSoftwareRenderer(surf);
  fl_viz_scene s = {.tl = tl, .fonts = fonts, .cursor_ns = -1, .hover_arrow = -1, .hover_op = -1};
  fl_viz_layout L;
  fl_viz_frame_info info;
  fl_viz_layout_init(&L, 800, 400, 2, false, fl_viz_view_fit(tl->end_ns));
  fl_viz_render(r, &s, &L, &info);
  ck_assert(info.aggregated);
  ck_assert_uint_eq(info.arrows, 0);
  /* A column is 1/728 s: about 4 sends and 4 deliveries per lane, drawn as a density bar
   * in the arrow colour across the lane's middle. */
  uint32_t *pix = surf->pixels;
  int y = fl_viz_layout_lane_mid(&L, 0);
  uint32_t p = pix[(size_t)y * (size_t)(surf->pitch / 4) + (size_t)L.plot_x + 10];
  ck_assert_uint_eq(p & 0xffffff, (uint32_t)FL_VIZ_C_ARROW.r << 16 | FL_VIZ_C_ARROW.g << 8 |
                                      FL_VIZ_C_ARROW.b);
  fl_viz_layout_init(&L, 800, 400, 2, false, (fl_viz_view){500 * MS, 600 * MS});
  fl_viz_render(r, &s, &L, &info);
  ck_assert(!info.aggregated);
  /* 300 sent in the view, and the one sent 0.5 us before it, still in flight at 500 ms. */
  ck_assert_uint_eq(info.arrows, 301);
  fl_viz_fonts_free(fonts);
  SDL_DestroyRenderer(r);
  SDL_FreeSurface(surf);
  fl_viz_timeline_free(tl);
  rm_rf(dir);
  g_free(dir);
  g_free(path);
}
END_TEST

/* A real run whose history is not linearizable (rbcast under partition). */
START_TEST(the_linearizability_counterexample_is_outlined) {
  char *dir = tmpdir();
  char *scn = fl_test_source_path("scenarios/rbcast/partition.fl");
  char *cmd = g_strdup_printf("cd '%s' && '%s' run '%s' --quiet --trace p.trace --report p.json",
                              dir, fl_test_faultline(), scn);
  ck_assert_int_eq(fl_test_sh(cmd, NULL, NULL), 0);
  char *trace = g_build_filename(dir, "p.trace", NULL);
  char *report = g_build_filename(dir, "p.json", NULL);
  fl_viz_timeline *tl = fl_viz_timeline_load(trace, NULL);
  ck_assert_ptr_nonnull(tl);
  GError *e = NULL;
  fl_viz_lin *lin = fl_viz_lin_load(report, tl, &e);
  ck_assert_msg(lin != NULL, "%s", e ? e->message : "");
  ck_assert(lin->failed);
  ck_assert_str_eq(lin->key, "0");
  ck_assert_uint_eq(lin->window->len, 3);
  ck_assert_uint_eq(lin->unplaced->len, 1);
  /* The report says: p4 write k0 4 [#1162], p2 read k0 = 0 [#1164], which could not be
   * placed, and p0 write k0 2 [#1165]. */
  const fl_viz_op *w = &g_array_index(tl->ops, fl_viz_op, g_array_index(lin->window, uint32_t, 0));
  ck_assert_int_eq(w->hist_index, 1162);
  ck_assert_int_eq(w->kind, 1);
  ck_assert_int_eq(w->key, 0);
  ck_assert_int_eq(w->value, 4);
  const fl_viz_op *u = &g_array_index(tl->ops, fl_viz_op, g_array_index(lin->unplaced, uint32_t, 0));
  ck_assert_int_eq(u->hist_index, 1164);
  ck_assert_int_eq(u->kind, 0);
  ck_assert(u->has_result);
  ck_assert_int_eq(u->result, 0);
  /* Drawn: the outline's left edge beside the unplaced read. */
  char *out = g_build_filename(dir, "lin.png", NULL);
  int64_t from = lin->from_ns - 2 * MS, to = lin->to_ns + 2 * MS;
  uint8_t *px = render_png(trace, report, out, 800, 500, from, to);
  fl_viz_layout L;
  fl_viz_layout_init(&L, 800, 500, tl->n_lanes, false, (fl_viz_view){from, to});
  int x0 = fl_viz_layout_x(&L, u->invoke_ns) - 1;
  int y = fl_viz_layout_lane_top(&L, u->lane) + L.lane_h - 4;
  ASSERT_RGB(px, 800, x0, y, FL_VIZ_C_LIN);
  ASSERT_RGB(px, 800, x0 - 1, y, FL_VIZ_C_LIN);
  g_free(px);
  /* A report of another run is refused. */
  char *other = g_build_filename(dir, "other.json", NULL);
  ck_assert(g_file_set_contents(other, "{\"digest\":\"0x0000000000000001\"}", -1, NULL));
  fl_viz_lin *bad = fl_viz_lin_load(other, tl, &e);
  ck_assert_ptr_null(bad);
  char *want = g_strdup_printf("%s: expected the report of the run in %s (digest 0x%016"
                               G_GINT64_MODIFIER "x), found digest 0x0000000000000001", other,
                               trace, tl->digest);
  ck_assert_str_eq(e->message, want);
  g_free(want);
  g_clear_error(&e);
  fl_viz_lin_free(lin);
  fl_viz_timeline_free(tl);
  rm_rf(dir);
  g_free(dir);
  g_free(scn);
  g_free(cmd);
  g_free(trace);
  g_free(report);
  g_free(out);
  g_free(other);
}
END_TEST

/* Runs `faultline viz ARGS` in dir; returns the exit status, stderr in *err. */
static int viz_cli(const char *dir, const char *args, char **err) {
  char *cmd = g_strdup_printf("cd '%s' && '%s' viz %s", dir, fl_test_faultline(), args);
  int rc = fl_test_sh(cmd, NULL, err);
  g_free(cmd);
  return rc;
}

static bool only_file_in(const char *dir, const char *name) {
  GDir *d = g_dir_open(dir, 0, NULL);
  const char *n;
  bool ok = true;
  while ((n = g_dir_read_name(d)))
    if (strcmp(n, name) != 0) ok = false;
  g_dir_close(d);
  return ok;
}

START_TEST(bad_input_gets_an_exact_message_and_no_png) {
  char *dir = tmpdir(), *path = write_small_trace(dir);
  char *err = NULL;
  ck_assert_int_eq(viz_cli(dir, "missing.trace --png out.png", &err), 2);
  ck_assert_str_eq(err, "faultline viz: missing.trace: cannot read: Failed to open file "
                        "\xe2\x80\x9cmissing.trace\xe2\x80\x9d: open() failed: No such file or "
                        "directory\n");
  g_free(err);
  ck_assert_int_eq(viz_cli(dir, "small.trace --png out.png --width 12", &err), 2);
  ck_assert_str_eq(err, "faultline viz: --width: expected 320 to 16384 pixels, found 12\n");
  g_free(err);
  ck_assert_int_eq(viz_cli(dir, "small.trace --png out.png --height 2x", &err), 2);
  ck_assert_str_eq(err, "faultline viz: --height: expected a number of pixels, found '2x'\n");
  g_free(err);
  ck_assert_int_eq(viz_cli(dir, "small.trace --png out.png --from 2s --to 1500ms", &err), 2);
  ck_assert_str_eq(err, "faultline viz: --to: expected a time after --from (2s), found 1.5s\n");
  g_free(err);
  /* Truncated: inside the end record, then exactly before it. */
  gsize len;
  char *bytes = slurp(path, &len);
  ck_assert(g_file_set_contents(path, bytes, (gssize)len - 3, NULL));
  ck_assert_int_eq(viz_cli(dir, "small.trace --png out.png", &err), 2);
  char *want = g_strdup_printf("faultline viz: small.trace: byte %zu: expected an 8-byte digest, "
                               "found the end of the file\n", len - 8);
  ck_assert_str_eq(err, want);
  g_free(want);
  g_free(err);
  ck_assert(g_file_set_contents(path, bytes, (gssize)len - 10, NULL));
  ck_assert_int_eq(viz_cli(dir, "small.trace --png out.png", &err), 2);
  ck_assert_str_eq(err, "faultline viz: small.trace: after record 22: expected more records or "
                        "the end record, found the end of the file: the trace was cut short\n");
  g_free(err);
  g_free(bytes);
  /* Not a trace at all. */
  ck_assert(g_file_set_contents(path, "hello", -1, NULL));
  ck_assert_int_eq(viz_cli(dir, "small.trace --png out.png", &err), 2);
  ck_assert_str_eq(err, "faultline viz: small.trace: byte 0: expected a faultline trace (starting "
                        "with FLTRACE3 or FLTRACE2), found other bytes\n");
  g_free(err);
  ck_assert(only_file_in(dir, "small.trace"));
  rm_rf(dir);
  g_free(dir);
  g_free(path);
}
END_TEST

/* Issue 9: headers and reports are untrusted input. Each bad one is an error naming the file
 * and the member, exit 2, and stderr holds only that line (no Json-CRITICAL). */
static void write_trace_with_meta(const char *path, const char *meta) {
  fl_trace *t = fl_trace_open(path, meta, NULL);
  ck_assert_ptr_nonnull(t);
  fl_trace_node_event(t, 5, FL_TR_CRASH, 0);
  ck_assert(fl_trace_close(t, true, NULL));
}

START_TEST(header_members_are_checked_before_use) {
  char *dir = tmpdir(), *path = g_build_filename(dir, "h.trace", NULL);
  GString *deep = g_string_new("{\"nodes\":1,\"clients\":0,\"x\":");
  for (int i = 0; i < 100000; i++) g_string_append_c(deep, '[');
  const struct {
    const char *meta, *want;
  } cases[] = {
      /* nodes + clients wrapped around before the check (issue 9, item 7). */
      {"{\"nodes\":1,\"clients\":9223372036854775807}",
       "header.clients: expected an integer from 0 to 4095 (at most 4096 nodes and clients in "
       "all), found 9223372036854775807"},
      {"{\"nodes\":-9223372036854775808,\"clients\":1}",
       "header.nodes: expected an integer from 1 to 4096, found -9223372036854775808"},
      {"", "header: expected a JSON object, found an empty header"},
      {"{\"nodes\":\"3\",\"clients\":0}",
       "header.nodes: expected an integer from 1 to 4096, found a string"},
      {"{\"nodes\":1,\"clients\":0,\"protocol\":{}}",
       "header.protocol: expected a string, found an object"},
      {"{\"nodes\":1,\"clients\":0,\"node_names\":[1]}",
       "header.node_names: expected an array of strings, found an integer"},
      {"{\"nodes\":1,\"clients\":0,\"duration_ns\":-1}",
       "header.duration_ns: expected an integer of 0 or more, found -1"},
      {deep->str, "byte 101: header: expected arrays and objects nested at most 64 deep, found "
                  "one nested deeper"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    write_trace_with_meta(path, cases[i].meta);
    char *err = NULL;
    ck_assert_int_eq(viz_cli(dir, "h.trace --png out.png", &err), 2);
    char *want = g_strdup_printf("faultline viz: h.trace: %s\n", cases[i].want);
    ck_assert_str_eq(err, want);
    g_free(want);
    g_free(err);
  }
  ck_assert(only_file_in(dir, "h.trace"));
  g_string_free(deep, TRUE);
  rm_rf(dir);
  g_free(dir);
  g_free(path);
}
END_TEST

START_TEST(report_members_are_checked_before_use) {
  char *dir = tmpdir(), *path = write_small_trace(dir);
  fl_viz_timeline *tl = fl_viz_timeline_load(path, NULL);
  ck_assert_ptr_nonnull(tl);
  char *digest = g_strdup_printf("\"digest\":\"0x%016" G_GINT64_MODIFIER "x\"", tl->digest);
  fl_viz_timeline_free(tl);
  const char *lin = "\"linearizability\":{\"verdict\":\"not-linearizable\",\"evidence\":";
  GString *deep = g_string_new("{\"digest\":1,\n  \"x\":");
  for (int i = 0; i < 100000; i++) g_string_append_c(deep, '[');
  const struct {
    char *json;
    const char *want;
  } cases[] = {
      {g_strdup_printf("{%s,%s{\"window\":\"0\"}}}", digest, lin),
       "linearizability.evidence.window: expected an array, found a string"},
      {g_strdup_printf("{%s,%s{\"window\":[0,\"1\"]}}}", digest, lin),
       "linearizability.evidence.window[1]: expected an integer, found a string"},
      {g_strdup_printf("{%s,%s{\"unplaced\":{}}}}", digest, lin),
       "linearizability.evidence.unplaced: expected an array, found an object"},
      {g_strdup_printf("{%s,%s{\"key\":[],\"window\":[0]}}}", digest, lin),
       "linearizability.evidence.key: expected a string, found an array"},
      {g_strdup_printf("{%s,%s[0]}}", digest, lin),
       "linearizability.evidence: expected an object, found an array"},
      {g_strdup_printf("{%s,\"linearizability\":{\"verdict\":3}}", digest),
       "linearizability.verdict: expected a string, found an integer"},
      {g_strdup_printf("{%s,\"linearizability\":[1]}", digest),
       "linearizability: expected an object, found an array"},
      {g_strdup("{\"digest\":5}"), "digest: expected a string, found an integer"},
      {g_strdup(deep->str), NULL},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    char *report = g_build_filename(dir, "r.json", NULL);
    ck_assert(g_file_set_contents(report, cases[i].json, -1, NULL));
    char *err = NULL;
    ck_assert_int_eq(viz_cli(dir, "small.trace --report r.json --png out.png", &err), 2);
    /* The bomb: the object is level 1, so the 64th '[' on line 2, after `  "x":`, is too deep. */
    char *want = cases[i].want ? g_strdup_printf("faultline viz: r.json: %s\n", cases[i].want)
                               : g_strdup("faultline viz: r.json:2:70: expected arrays and "
                                          "objects nested at most 64 deep, found one nested "
                                          "deeper\n");
    ck_assert_str_eq(err, want);
    g_free(want);
    g_free(err);
    g_unlink(report);
    g_free(report);
    g_free(cases[i].json);
  }
  /* A null key (an unsplit history) and a null evidence are fine. */
  char *ok = g_strdup_printf("{%s,%s{\"key\":null,\"window\":[0],\"unplaced\":[],\"prefix\":[],"
                             "\"timeline\":\"t\"}}}", digest, lin);
  tl = fl_viz_timeline_load(path, NULL);
  GError *e = NULL;
  fl_viz_lin *l = fl_viz_lin_load_data(ok, "ok.json", tl, &e);
  ck_assert_msg(l != NULL, "%s", e ? e->message : "");
  ck_assert(l->failed);
  ck_assert_ptr_null(l->key);
  ck_assert_uint_eq(l->window->len, 1);
  fl_viz_lin_free(l);
  fl_viz_timeline_free(tl);
  ck_assert(only_file_in(dir, "small.trace"));
  g_free(ok);
  g_string_free(deep, TRUE);
  g_free(digest);
  rm_rf(dir);
  g_free(dir);
  g_free(path);
}
END_TEST

/* --from at or past the end of the run drew a blank PNG and exited 0. */
START_TEST(a_view_past_the_end_is_an_error) {
  char *dir = tmpdir(), *path = write_small_trace(dir);
  const char *args[] = {"small.trace --png out.png --from 2s",
                        "small.trace --png out.png --from 1s",
                        "small.trace --png out.png --from 2s --to 3s"};
  const char *found[] = {"2s", "1s", "2s"};
  for (size_t i = 0; i < G_N_ELEMENTS(args); i++) {
    char *err = NULL;
    ck_assert_int_eq(viz_cli(dir, args[i], &err), 2);
    char *want = g_strdup_printf("faultline viz: --from: expected a time before the end of the "
                                 "run in small.trace (1s), found %s\n", found[i]);
    ck_assert_str_eq(err, want);
    g_free(want);
    g_free(err);
  }
  char *err = NULL;
  ck_assert_int_eq(viz_cli(dir, "small.trace --png out.png --to 0s", &err), 2);
  ck_assert_str_eq(err, "faultline viz: --to: expected a time after the start of the run (0s), "
                        "found 0s\n");
  g_free(err);
  ck_assert(only_file_in(dir, "small.trace"));
  ck_assert_int_eq(viz_cli(dir, "small.trace --png out.png --from 999ms --to 5s", &err), 0);
  ck_assert_str_eq(err, "");
  g_free(err);
  rm_rf(dir);
  g_free(dir);
  g_free(path);
}
END_TEST

/* --png wrote PATH.tmp.XXXXXX and renamed it over the target: as root, `--png /dev/null`
 * replaced the device node with a regular file. A device is written through now. */
START_TEST(a_png_to_a_device_is_written_through) {
  char *dir = tmpdir(), *path = write_small_trace(dir);
  char *err = NULL;
  ck_assert_int_eq(viz_cli(dir, "small.trace --png /dev/null", &err), 0);
  ck_assert_str_eq(err, "");
  g_free(err);
  GStatBuf st;
  ck_assert_int_eq(g_stat("/dev/null", &st), 0);
  ck_assert(S_ISCHR(st.st_mode));
  if (g_file_test("/dev/full", G_FILE_TEST_EXISTS)) {
    ck_assert_int_eq(viz_cli(dir, "small.trace --png /dev/full", &err), 2);
    ck_assert_str_eq(err, "faultline viz: /dev/full: cannot write: No space left on device\n");
    g_free(err);
    ck_assert_int_eq(g_stat("/dev/full", &st), 0);
    ck_assert(S_ISCHR(st.st_mode));
  }
  ck_assert(only_file_in(dir, "small.trace"));
  rm_rf(dir);
  g_free(dir);
  g_free(path);
}
END_TEST

/* With no display SDL falls back to its offscreen driver: the viewer printed "ready" and waited
 * on a window nobody could see. `timeout` turns a regression into a failure, not a hang. */
START_TEST(no_display_is_an_error_before_any_window) {
  char *dir = tmpdir(), *path = write_small_trace(dir);
  const struct {
    const char *env, *want;
  } cases[] = {
      {"-u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER",
       "no display (neither DISPLAY nor WAYLAND_DISPLAY is set)"},
      {"-u DISPLAY -u WAYLAND_DISPLAY SDL_VIDEODRIVER=offscreen",
       "no display (SDL's video driver is 'offscreen')"},
      {"-u WAYLAND_DISPLAY DISPLAY=:0 SDL_VIDEODRIVER=dummy",
       "no display (SDL's video driver is 'dummy')"},
      /* A DISPLAY nobody answers: SDL itself falls back to offscreen. (XDG_RUNTIME_DIR keeps
       * its Wayland probe quiet; the sanitizer build's leak report of SDL's D-Bus connection is
       * suppressed, and so is the list of suppressions.) */
      {"-u WAYLAND_DISPLAY -u SDL_VIDEODRIVER DISPLAY=:65000 XDG_RUNTIME_DIR=\"$PWD\" "
       "LSAN_OPTIONS=\"${LSAN_OPTIONS:+$LSAN_OPTIONS:}print_suppressions=0\"",
       "no display (SDL's video driver is 'offscreen')"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    char *cmd = g_strdup_printf("cd '%s' && env %s timeout 20 '%s' viz small.trace", dir,
                                cases[i].env, fl_test_faultline());
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(fl_test_sh(cmd, &out, &err), 2);
    char *want = g_strdup_printf("faultline viz: cannot open a window: %s; --png OUT.png draws "
                                 "without one\n", cases[i].want);
    ck_assert_str_eq(err, want);
    ck_assert_str_eq(out, "");
    g_free(want);
    g_free(out);
    g_free(err);
    g_free(cmd);
  }
  rm_rf(dir);
  g_free(dir);
  g_free(path);
}
END_TEST

/* libpng's stdio writer said only "Write Error" on a full disk; the errno is kept now. Through
 * the stdio buffer the failure shows at the flush; unbuffered, at the first write. */
START_TEST(a_full_disk_says_so) {
  if (!g_file_test("/dev/full", G_FILE_TEST_EXISTS)) {
    printf("SKIP: no /dev/full\n");
    return;
  }
  SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, 64, 32, 32, SDL_PIXELFORMAT_RGB888);
  ck_assert_ptr_nonnull(surf);
  SDL_FillRect(surf, NULL, 0x336699);
  for (int buffered = 0; buffered <= 1; buffered++) {
    FILE *f = fopen("/dev/full", "wb");
    ck_assert_ptr_nonnull(f);
    if (!buffered) setvbuf(f, NULL, _IONBF, 0);
    GError *e = NULL;
    ck_assert(!fl_viz_png_write_stream(f, "/dev/full", surf, &e));
    ck_assert_str_eq(e->message, "/dev/full: cannot write: No space left on device");
    g_clear_error(&e);
    fclose(f);
  }
  /* The same encoder into a real file gives a PNG that reads back. */
  char *dir = tmpdir(), *out = g_build_filename(dir, "ok.png", NULL);
  GError *e = NULL;
  ck_assert(fl_viz_png_write(out, surf, &e));
  int w, h;
  uint8_t *px = fl_viz_png_read(out, &w, &h, NULL);
  ck_assert_int_eq(w, 64);
  ck_assert_int_eq(h, 32);
  ck_assert_int_eq(px[0], 0x33);
  ck_assert_int_eq(px[1], 0x66);
  ck_assert_int_eq(px[2], 0x99);
  g_free(px);
  SDL_FreeSurface(surf);
  rm_rf(dir);
  g_free(dir);
  g_free(out);
}
END_TEST

/* ---- The window under Xvfb, driven by real X events (XTEST, through xdotool). */

static char *which(const char *prog) { return g_find_program_in_path(prog); }

typedef struct proc {
  GPid pid;
  GIOChannel *out;
} proc;

static proc spawn(char **argv, char **envp) {
  proc p = {0};
  int out_fd;
  GError *e = NULL;
  ck_assert_msg(g_spawn_async_with_pipes(NULL, argv, envp, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                         &p.pid, NULL, &out_fd, NULL, &e),
                "%s", e ? e->message : "");
  p.out = g_io_channel_unix_new(out_fd);
  g_io_channel_set_close_on_unref(p.out, TRUE);
  return p;
}

/* The next line the process prints (blocking; the test's timeout bounds it). */
static char *read_line(proc *p) {
  char *line = NULL;
  gsize term;
  GIOStatus st = g_io_channel_read_line(p->out, &line, NULL, &term, NULL);
  ck_assert_msg(st == G_IO_STATUS_NORMAL, "the process ended without the expected line");
  line[term] = '\0';
  return line;
}

static void xdo(const char *display, const char *args) {
  char *cmd = g_strdup_printf("DISPLAY=%s xdotool %s", display, args);
  char *err = NULL;
  int rc = fl_test_sh(cmd, NULL, &err);
  ck_assert_msg(rc == 0, "%s: %s", cmd, err);
  g_free(err);
  g_free(cmd);
}

static size_t count_rgb(const uint8_t *px, int w, int h, fl_viz_rgb c) {
  size_t n = 0;
  for (size_t i = 0; i < (size_t)w * (size_t)h; i++)
    n += px[3 * i] == c.r && px[3 * i + 1] == c.g && px[3 * i + 2] == c.b;
  return n;
}

static uint8_t *expect_shot(proc *app, const char *prefix, int n, int *w, int *h) {
  char *line = read_line(app);
  char *want = g_strdup_printf("screenshot %s-%d.png", prefix, n);
  ck_assert_str_eq(line, want);
  uint8_t *px = fl_viz_png_read(want + strlen("screenshot "), w, h, NULL);
  ck_assert_ptr_nonnull(px);
  g_free(line);
  g_free(want);
  return px;
}

START_TEST(the_window_answers_keys_and_the_mouse_under_xvfb) {
  char *xvfb = which("Xvfb"), *xdotool = which("xdotool");
  if (!xvfb || !xdotool) {
    printf("SKIP: the window test needs Xvfb and xdotool (scripts/setup.sh installs them)\n");
    g_free(xvfb);
    g_free(xdotool);
    return;
  }
  char *dir = tmpdir(), *path = write_small_trace(dir);
  /* -displayfd: Xvfb picks a free display and prints its number once it accepts clients. */
  char *xargv[] = {xvfb, "-displayfd", "1", "-screen", "0", "1400x900x24", "-nolisten", "tcp",
                   NULL};
  proc x = spawn(xargv, NULL);
  char *num = read_line(&x);
  char *display = g_strdup_printf(":%s", num);
  char **env = g_environ_setenv(g_get_environ(), "DISPLAY", display, TRUE);
  char *prefix = g_build_filename(dir, "shot", NULL);
  char *vargv[] = {(char *)fl_test_faultline(), "viz", path, "--screenshot", prefix, NULL};
  proc app = spawn(vargv, env);
  char *ready = read_line(&app);
  ck_assert_str_eq(ready, "ready 1280x800");
  xdo(display, "search --sync --name \"faultline viz\" windowfocus --sync");
  xdo(display, "key F12");
  int w, h;
  uint8_t *a = expect_shot(&app, prefix, 1, &w, &h);
  ck_assert_int_eq(w, 1280);
  ck_assert_int_eq(h, 800);
  fl_viz_layout L;
  fl_viz_layout_init(&L, 1280, 800, 4, true, (fl_viz_view){0, 1000 * MS});
  ASSERT_RGB(a, w, fl_viz_layout_x(&L, 400 * MS), fl_viz_layout_lane_top(&L, 1) + L.lane_h / 4,
             fl_viz_role_colour(FL_ROLE_FOLLOWER, 3));
  ASSERT_RGB(a, w, fl_viz_layout_x(&L, 750 * MS), fl_viz_layout_lane_top(&L, 1),
             fl_viz_group_colour(1));
  /* Three wheel notches up over 750 ms: zoomed in around it, the partition fills more. */
  int mx = fl_viz_layout_x(&L, 750 * MS), my = fl_viz_layout_lane_mid(&L, 1);
  char *move = g_strdup_printf("search --name \"faultline viz\" mousemove --window %%1 %d %d "
                               "click 4 click 4 click 4 key F12", mx, my);
  xdo(display, move);
  g_free(move);
  uint8_t *b = expect_shot(&app, prefix, 2, &w, &h);
  size_t band_a = count_rgb(a, w, h, fl_viz_group_colour(1));
  size_t band_b = count_rgb(b, w, h, fl_viz_group_colour(1));
  ck_assert_msg(band_b > band_a, "zooming in on the partition did not enlarge it (%zu, %zu)",
                band_a, band_b);
  /* The pointer is over n2's lane: the details panel describes it (darker text pixels appear
   * in the panel) and the help overlay opens with h. */
  xdo(display, "key h F12");
  uint8_t *c = expect_shot(&app, prefix, 3, &w, &h);
  ck_assert_uint_gt(count_rgb(c, w, h, FL_VIZ_C_HELP_BG), 10000);
  ck_assert_uint_eq(count_rgb(b, w, h, FL_VIZ_C_HELP_BG), 0);
  /* Drag to the left pans towards later times; f fits again: the first picture again. */
  xdo(display, "mousedown 1 mousemove_relative -- -300 0 mouseup 1 key h f F12");
  uint8_t *d = expect_shot(&app, prefix, 4, &w, &h);
  ck_assert_uint_eq(count_rgb(d, w, h, fl_viz_group_colour(1)), band_a);
  /* Navigation: j jumps to the next fault (the partition, then the drop), n steps to the
   * event after it, p back, v to the invariant violation; each move is printed. */
  fl_viz_timeline *tl = fl_viz_timeline_load(path, NULL);
  ck_assert_ptr_nonnull(tl);
  uint32_t f0 = g_array_index(tl->faults, uint32_t, 0), f1 = g_array_index(tl->faults, uint32_t, 1);
  int64_t violation = -1;
  for (guint i = 0; i < tl->events->len; i++)
    if (g_array_index(tl->events, fl_viz_event, i).kind == FL_TR_VIOLATION) violation = i;
  ck_assert_int_ge(violation, 0);
  const int64_t want_events[] = {f0, f1, (int64_t)f1 + 1, f1, violation};
  const char *keys[] = {"j", "j", "n", "p", "v"};
  for (int k = 0; k < 5; k++) {
    char *cmd = g_strdup_printf("key %s", keys[k]);
    xdo(display, cmd);
    g_free(cmd);
    char *line = read_line(&app);
    char *d = fl_viz_event_describe(tl, (size_t)want_events[k]);
    char *want = g_strdup_printf("cursor event %" G_GINT64_FORMAT "/%u: %s", want_events[k] + 1,
                                 tl->events->len, d);
    ck_assert_str_eq(line, want);
    g_free(line);
    g_free(d);
    g_free(want);
  }
  fl_viz_timeline_free(tl);
  xdo(display, "key q");
  int status;
  ck_assert_int_eq(waitpid(app.pid, &status, 0), app.pid);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "faultline viz exited with %d",
                status);
  kill(x.pid, SIGTERM);
  waitpid(x.pid, &status, 0);
  g_io_channel_unref(app.out);
  g_io_channel_unref(x.out);
  g_free(a);
  g_free(b);
  g_free(c);
  g_free(d);
  g_free(ready);
  g_free(num);
  g_free(display);
  g_strfreev(env);
  g_free(prefix);
  rm_rf(dir);
  g_free(dir);
  g_free(path);
  g_free(xvfb);
  g_free(xdotool);
}
END_TEST

int main(void) {
  Suite *s = suite_create("viz");
  TCase *tc = tcase_create("viz");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, loads_the_model_of_a_trace);
  tcase_add_test(tc, roles_and_terms_come_from_status_records_not_describe_lines);
  tcase_add_test(tc, time_and_pixels_map_exactly_both_ways);
  tcase_add_test(tc, times_print_in_the_unit_that_fits);
  tcase_add_test(tc, png_has_the_expected_pixels);
  tcase_add_test(tc, the_same_trace_gives_the_same_png_bytes);
  tcase_add_test(tc, labels_say_what_operations_messages_and_violations_are);
  tcase_add_test(tc, greedy_placement_skips_a_label_that_would_overlap);
  tcase_add_test(tc, the_png_has_a_legend_and_says_what_failed);
  tcase_add_test(tc, many_messages_are_aggregated_until_zoomed_in);
  tcase_add_test(tc, the_linearizability_counterexample_is_outlined);
  tcase_add_test(tc, bad_input_gets_an_exact_message_and_no_png);
  tcase_add_test(tc, header_members_are_checked_before_use);
  tcase_add_test(tc, report_members_are_checked_before_use);
  tcase_add_test(tc, a_view_past_the_end_is_an_error);
  tcase_add_test(tc, a_png_to_a_device_is_written_through);
  tcase_add_test(tc, no_display_is_an_error_before_any_window);
  tcase_add_test(tc, a_full_disk_says_so);
  tcase_add_test(tc, the_window_answers_keys_and_the_mouse_under_xvfb);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
