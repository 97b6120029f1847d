/* timeline_query: searches over a loaded timeline and its events as text (see timeline.h).
 * Every search is a binary search over an array sorted by time: O(log n) per call. */
#include "timeline.h"

#include <string.h>

#include "trace.h"

/* First element of `a` whose time is >= t, for arrays of structs that begin with their
 * int64 time (fl_viz_arrow, fl_viz_event). */
static size_t lower_by_time(const GArray *a, int64_t t) {
  size_t lo = 0, hi = a->len, size = g_array_get_element_size((GArray *)a);
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int64_t at;
    memcpy(&at, a->data + mid * size, sizeof at);
    if (at < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

size_t fl_viz_arrow_lower(const fl_viz_timeline *tl, int64_t t) {
  G_STATIC_ASSERT(G_STRUCT_OFFSET(fl_viz_arrow, send_ns) == 0);
  return lower_by_time(tl->arrows, t);
}

size_t fl_viz_event_lower(const fl_viz_timeline *tl, int64_t t) {
  G_STATIC_ASSERT(G_STRUCT_OFFSET(fl_viz_event, time_ns) == 0);
  return lower_by_time(tl->events, t);
}

int64_t fl_viz_state_at(const fl_viz_lane *lane, int64_t t) {
  size_t lo = 0, hi = lane->states->len;
  while (lo < hi) { /* first state after t */
    size_t mid = lo + (hi - lo) / 2;
    if (g_array_index(lane->states, fl_viz_state, mid).from_ns <= t) lo = mid + 1;
    else hi = mid;
  }
  return (int64_t)lo - 1;
}

char *fl_viz_format_time(int64_t t_ns, int64_t step_ns) {
  int64_t a = t_ns < 0 ? -t_ns : t_ns;
  if (step_ns <= 0) { /* exact and shortest: the largest power of ten dividing t */
    step_ns = 1;
    while (step_ns < 1000000000 && a % (step_ns * 10) == 0) step_ns *= 10;
  }
  int64_t ref = a ? a : step_ns;
  int64_t unit;
  const char *u;
  if (ref >= 1000000000) unit = 1000000000, u = "s";
  else if (ref >= 1000000) unit = 1000000, u = "ms";
  else if (ref >= 1000) unit = 1000, u = "us";
  else unit = 1, u = "ns";
  int dec = 0;
  int64_t scale = unit;
  while (scale > 1 && scale > step_ns) {
    scale /= 10;
    dec++;
  }
  GString *s = g_string_new(t_ns < 0 ? "-" : "");
  g_string_append_printf(s, "%" G_GINT64_FORMAT, a / unit);
  if (dec > 0) g_string_append_printf(s, ".%0*" G_GINT64_FORMAT, dec, (a % unit) / scale);
  g_string_append(s, u);
  return g_string_free(s, FALSE);
}

static const char *op_name(int32_t k) {
  return k == 0 ? "read" : k == 1 ? "write" : k == 2 ? "cas" : "op";
}

static const char *outcome_name(int32_t o) {
  return o == FL_VIZ_OP_OK ? "ok" : o == FL_VIZ_OP_FAIL ? "fail"
         : o == FL_VIZ_OP_INFO ? "unknown" : "open";
}

char *fl_viz_op_describe(const fl_viz_timeline *tl, const fl_viz_op *op) {
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, "%s p%" G_GUINT64_FORMAT " #%" G_GUINT64_FORMAT " %s k%" G_GINT64_FORMAT,
                         tl->lanes[op->lane].name, op->process, op->seq, op_name(op->kind), op->key);
  if (op->kind == 1) g_string_append_printf(s, " = %" G_GINT64_FORMAT, op->value);
  if (op->kind == 2)
    g_string_append_printf(s, " %" G_GINT64_FORMAT " -> %" G_GINT64_FORMAT, op->expected, op->value);
  if (op->node >= 0 && op->node < tl->n_lanes)
    g_string_append_printf(s, " via %s", tl->lanes[op->node].name);
  g_string_append_printf(s, ": %s", outcome_name(op->outcome));
  if (op->has_result) g_string_append_printf(s, " %" G_GINT64_FORMAT, op->result);
  else if (op->outcome == FL_VIZ_OP_OK && op->kind == 0) g_string_append(s, " nil");
  char *a = fl_viz_format_time(op->invoke_ns, 1000);
  char *d = fl_viz_format_time(op->complete_ns - op->invoke_ns, 1000);
  g_string_append_printf(s, "  (invoked %s, %s %s)", a,
                         op->outcome == FL_VIZ_OP_OPEN ? "open for" : "took", d);
  g_free(a);
  g_free(d);
  return g_string_free(s, FALSE);
}

static const char *reason_name(uint8_t r) {
  static const char *names[] = {"loss", "partition", "cut", "crashed"};
  return r < G_N_ELEMENTS(names) ? names[r] : "?";
}

char *fl_viz_event_describe(const fl_viz_timeline *tl, size_t i) {
  const fl_viz_event *ev = &g_array_index(tl->events, fl_viz_event, i);
  GString *s = g_string_new(NULL);
  char *t = fl_viz_format_time(ev->time_ns, 1000);
  g_string_append_printf(s, "%s  %s ", t, fl_trace_kind_name((fl_trace_kind)ev->kind));
  g_free(t);
  const char *lane = ev->lane >= 0 ? tl->lanes[ev->lane].name : "";
  switch (ev->kind) {
  case FL_TR_SEND:
  case FL_TR_DUPLICATE: {
    const fl_viz_msg *m = &g_array_index(tl->msgs, fl_viz_msg, ev->ref);
    g_string_append_printf(s, "#%" G_GUINT64_FORMAT " %s->%s (%" G_GUINT64_FORMAT " B): %s", m->id,
                           tl->lanes[m->src].name, tl->lanes[m->dst].name, m->len,
                           fl_viz_text(tl, m->desc));
    break;
  }
  case FL_TR_DELIVER:
  case FL_TR_DROP: {
    const fl_viz_arrow *a = &g_array_index(tl->arrows, fl_viz_arrow, ev->ref);
    const fl_viz_msg *m = &g_array_index(tl->msgs, fl_viz_msg, a->msg);
    char *d = fl_viz_format_time(a->end_ns - a->send_ns, 1000);
    g_string_append_printf(s, "#%" G_GUINT64_FORMAT " %s->%s after %s", m->id,
                           tl->lanes[m->src].name, tl->lanes[m->dst].name, d);
    g_free(d);
    if (ev->kind == FL_TR_DROP) g_string_append_printf(s, " (%s)", reason_name(a->reason));
    g_string_append_printf(s, ": %s", fl_viz_text(tl, m->desc));
    break;
  }
  case FL_TR_TIMER:
    g_string_append_printf(s, "%s tag %" G_GUINT64_FORMAT, lane, ev->ref);
    break;
  case FL_TR_CRASH:
  case FL_TR_RESTART:
  case FL_TR_PAUSE:
  case FL_TR_RESUME:
    g_string_append(s, lane);
    break;
  case FL_TR_PARTITION: {
    const fl_viz_partition *p = &g_array_index(tl->partitions, fl_viz_partition, ev->ref);
    int32_t max_g = -1;
    for (int l = 0; l < tl->n_lanes; l++) max_g = MAX(max_g, p->group[l]);
    for (int32_t g = 0; g <= max_g; g++) {
      g_string_append(s, "{");
      bool first = true;
      for (int l = 0; l < tl->n_lanes; l++)
        if (p->group[l] == g) {
          g_string_append_printf(s, "%s%s", first ? "" : " ", tl->lanes[l].name);
          first = false;
        }
      g_string_append(s, "} ");
    }
    break;
  }
  case FL_TR_CUT:
    g_string_append_printf(s, "%s->%s %s", lane, tl->lanes[ev->ref >> 1].name,
                           ev->ref & 1 ? "cut" : "repaired");
    break;
  case FL_TR_NET_CHANGE:
    g_string_append(s, fl_viz_text(tl, g_array_index(tl->net_changes, fl_viz_note, ev->ref).text));
    break;
  case FL_TR_VIOLATION:
    g_string_append(s, fl_viz_text(tl, g_array_index(tl->violations, fl_viz_note, ev->ref).text));
    break;
  case FL_TR_ANNOTATE:
    g_string_append_printf(s, "%s %s", lane,
                           fl_viz_text(tl, g_array_index(tl->notes, fl_viz_note, ev->ref).text));
    break;
  case FL_TR_STATE: {
    const fl_viz_state *st = &g_array_index(tl->lanes[ev->lane].states, fl_viz_state, ev->ref);
    g_string_append_printf(s, "%s %s", lane, fl_viz_text(tl, st->text));
    break;
  }
  case FL_TR_INVOKE:
  case FL_TR_COMPLETE: {
    char *d = fl_viz_op_describe(tl, &g_array_index(tl->ops, fl_viz_op, ev->ref));
    g_string_append(s, d);
    g_free(d);
    break;
  }
  default:
    break;
  }
  return g_string_free(s, FALSE);
}
