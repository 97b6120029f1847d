/* report: the summary and the JSON report of a run (see report.h). */
#include "report.h"
#include "actor.h"
#include "fl_limits.h"
#include "units.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

static const char *stop_name(fl_stop_reason r) {
  switch (r) {
  case FL_STOP_END: return "end";
  case FL_STOP_VIOLATION: return "violation";
  case FL_STOP_PROTOCOL_ERROR: return "protocol-error";
  case FL_STOP_RUNAWAY: return "runaway";
  default: return "running";
  }
}

static double ratio(const fl_world *w, const fl_report_timing *t) {
  return t->wall_s > 0 ? (double)fl_world_now(w) / 1e9 / t->wall_s : 0.0;
}

/* ", availability 99.2%" (fl_availability), nothing when no operation ended. */
static void append_availability(GString *l, const fl_side_stats *s) {
  double a = fl_side_availability(s);
  if (!isnan(a)) g_string_append_printf(l, ", availability %.1f%%", a * 100.0);
}

static void print_side(FILE *out, const char *name, const fl_side_stats *s) {
  GString *l = g_string_new(NULL);
  g_string_append_printf(l, "  %-9s invoked %" G_GUINT64_FORMAT ", ok %" G_GUINT64_FORMAT
                         ", fail %" G_GUINT64_FORMAT ", unknown %" G_GUINT64_FORMAT,
                         name, s->invoked, s->ok, s->fail, s->info);
  append_availability(l, s);
  if (s->latency_count) {
    g_string_append(l, "; latency p50 ");
    fl_format_duration(l, s->latency_ns_p50);
    g_string_append(l, " p99 ");
    fl_format_duration(l, s->latency_ns_p99);
    g_string_append(l, " max ");
    fl_format_duration(l, s->latency_ns_max);
  }
  fprintf(out, "%s\n", l->str);
  g_string_free(l, TRUE);
}

/* "n3, term 4 (1 leader, 3 follower, 1 down)": the final leader (the timeline's `leader`
 * target, from the nodes' status) and how many nodes end in each role, in the vocabulary's
 * order. Only for a protocol with a term (a leader means nothing to rbcast's replicas). */
static bool leader_line(fl_world *w, GString *l) {
  int n = fl_world_node_count(w), down = 0, count[FL_ROLE_COUNT] = {0};
  bool has_term = false;
  for (int i = 0; i < n; i++) {
    fl_node_status st;
    if (!fl_world_node_status(w, i, &st)) {
      down++;
      continue;
    }
    count[st.role]++;
    has_term |= st.term_kind != FL_TERM_NONE;
  }
  if (!has_term) return false;
  int leader = fl_world_leader(w);
  fl_node_status ls;
  if (leader >= 0 && fl_world_node_status(w, leader, &ls))
    g_string_append_printf(l, "n%d, %s %" G_GUINT64_FORMAT " (", leader + 1,
                           fl_term_name(ls.term_kind), ls.term);
  else
    g_string_append(l, "none (");
  const char *sep = "";
  for (int r = 0; r < FL_ROLE_COUNT; r++)
    if (count[r]) {
      g_string_append_printf(l, "%s%d %s", sep, count[r], fl_role_name(r));
      sep = ", ";
    }
  if (down) g_string_append_printf(l, "%s%d down", sep, down);
  g_string_append_c(l, ')');
  return true;
}

static void metric_value(GString *l, const char *name, int64_t v) {
  if (fl_metric_is_duration(name)) fl_format_duration(l, v);
  else g_string_append_printf(l, "%" G_GINT64_FORMAT, v);
}

/* One line per metric, in name order: its total, then the nodes that reported it. An instant
 * (a maximum named *_at_ns) at or after the run's last heal also says how long after the heal
 * it came: "converged_at_ns max 3.21s, 210ms after the heal at 3s" is a time to converge. */
static void print_metrics(FILE *out, const fl_metrics *m, int nodes, int64_t heal_ns) {
  GString *l = g_string_new(NULL);
  for (size_t i = 0; i < fl_metrics_count(m); i++) {
    const char *name = fl_metrics_name(m, i);
    g_string_truncate(l, 0);
    g_string_append_printf(l, "%s %s %s ", i == 0 ? "metrics     " : "            ", name,
                           fl_metrics_kind(m, i) == FL_METRIC_MAX ? "max" : "=");
    metric_value(l, name, fl_metrics_total(m, i));
    if (heal_ns >= 0 && fl_metrics_kind(m, i) == FL_METRIC_MAX &&
        g_str_has_suffix(name, "_at_ns") && fl_metrics_total(m, i) >= heal_ns) {
      g_string_append(l, ", ");
      fl_format_duration(l, fl_metrics_total(m, i) - heal_ns);
      g_string_append(l, " after the heal at ");
      fl_format_duration(l, heal_ns);
    }
    const char *sep = " (";
    for (int n = 0; n < nodes; n++) {
      int64_t v = fl_metrics_node_value(m, i, n);
      if (!v) continue;
      g_string_append_printf(l, "%sn%d ", sep, n + 1);
      metric_value(l, name, v);
      sep = ", ";
    }
    if (*sep == ',') g_string_append_c(l, ')');
    fprintf(out, "%s\n", l->str);
  }
  g_string_free(l, TRUE);
}

/* The run's measurements (measure.h): elections, each fault's recovery, the longest outage of
 * each side that had operations, and a warning per timeline action that found no target. */
static void print_measure(FILE *out, fl_world *w, const fl_run_stats *st) {
  const fl_measure *m = fl_world_measure(w);
  if (m->elections || m->leaders)
    fprintf(out, "elections    %" G_GUINT64_FORMAT " started, %" G_GUINT64_FORMAT
            " leader%s elected, %" G_GUINT64_FORMAT " leader change%s\n",
            m->elections, m->leaders, m->leaders == 1 ? "" : "s", m->leader_changes,
            m->leader_changes == 1 ? "" : "s");
  GString *l = g_string_new(NULL);
  for (guint i = 0; i < m->faults->len; i++) {
    const fl_fault_record *f = &g_array_index(m->faults, fl_fault_record, i);
    g_string_truncate(l, 0);
    if (i == FL_LIMIT_EXPECT_DETAIL_FAULTS) {
      fprintf(out, "             and %u more faults (the JSON report lists every one)\n",
              m->faults->len - i);
      break;
    }
    g_string_append_printf(l, "%s line %d at ", i ? "            " : "recovery    ", f->line);
    fl_format_duration(l, f->at_ns);
    g_string_append(l, ": new leader ");
    if (f->leader_ns < 0) g_string_append(l, "never");
    else {
      g_string_append(l, "after ");
      fl_format_duration(l, f->leader_ns);
    }
    g_string_append(l, ", first ok ");
    if (f->ok_ns < 0) g_string_append(l, "never");
    else {
      g_string_append(l, "after ");
      fl_format_duration(l, f->ok_ns);
    }
    fprintf(out, "%s\n", l->str);
  }
  if (st->all.invoked) {
    g_string_assign(l, "outage       longest without an ok answer: all ");
    fl_format_duration(l, fl_measure_outage(m, FL_MEASURE_ALL));
    g_string_append(l, ", majority ");
    fl_format_duration(l, fl_measure_outage(m, FL_MEASURE_MAJORITY));
    if (st->minority.invoked) {
      g_string_append(l, ", minority ");
      fl_format_duration(l, fl_measure_outage(m, FL_MEASURE_MINORITY));
    }
    fprintf(out, "%s\n", l->str);
  }
  for (guint i = 0; i < m->no_target->len; i++) {
    const fl_no_target *t = &g_array_index(m->no_target, fl_no_target, i);
    g_string_printf(l, "warning      timeline line %d (%s at ", t->line, t->action);
    fl_format_duration(l, t->at_ns);
    g_string_append_printf(l, "): %s", t->reason);
    fprintf(out, "%s\n", l->str);
  }
  g_string_free(l, TRUE);
}

char *fl_report_staleness(const fl_world *w) {
  fl_staleness_result r;
  if (!fl_world_staleness(w, &r)) return NULL;
  GString *l = g_string_new(NULL);
  g_string_printf(l, "%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " reads stale", r.stale,
                  r.reads);
  if (r.stale) {
    g_string_append_printf(l, ", at most %" G_GUINT64_FORMAT " version%s and ", r.versions_max,
                           r.versions_max == 1 ? "" : "s");
    fl_format_duration(l, r.lag_max_ns);
    g_string_append(l, " behind");
  }
  /* t-visibility, the buckets that had reads: P(fresh) by time since the latest write. */
  const char *sep = "; fresh by time since the last write: ";
  for (int i = 0; i < FL_STALENESS_BUCKETS; i++) {
    if (!r.buckets[i].reads) continue;
    g_string_append_printf(l, "%s%s %.1f%%", sep, fl_staleness_bucket_name(i),
                           100.0 * (double)r.buckets[i].fresh / (double)r.buckets[i].reads);
    sep = ", ";
  }
  return g_string_free(l, FALSE);
}

void fl_report_print(FILE *out, fl_world *w, const fl_scenario *scn, const fl_verdict *v,
                     const fl_report_timing *t) {
  fl_run_stats st;
  fl_world_stats(w, &st);
  fprintf(out, "scenario     %s (protocol %s, %d nodes, %d clients)\n", scn->path, scn->protocol,
          fl_world_node_count(w), fl_world_client_count(w));
  fprintf(out, "events       %" G_GUINT64_FORMAT "\n", st.events);
  if (st.faults_not_applied)
    fprintf(out, "faults       %" G_GUINT64_FORMAT " timeline actions could not apply (noted in "
            "the trace)\n", st.faults_not_applied);
  fprintf(out,
          "messages     sent %" G_GUINT64_FORMAT ", delivered %" G_GUINT64_FORMAT
          ", duplicated %" G_GUINT64_FORMAT ", dropped %" G_GUINT64_FORMAT,
          st.net.sent, st.net.delivered, st.net.duplicated,
          st.net.dropped[0] + st.net.dropped[1] + st.net.dropped[2] + st.net.dropped[3]);
  fprintf(out, " (");
  for (int r = 0; r < FL_DROP_REASON_COUNT; r++)
    fprintf(out, "%s%s %" G_GUINT64_FORMAT, r ? ", " : "", fl_drop_reason_name(r),
            st.net.dropped[r]);
  fprintf(out, ")\n");
  GString *ops = g_string_new(NULL);
  g_string_printf(ops, "operations   invoked %" G_GUINT64_FORMAT ", ok %" G_GUINT64_FORMAT
                  ", fail %" G_GUINT64_FORMAT ", unknown %" G_GUINT64_FORMAT,
                  st.all.invoked, st.all.ok, st.all.fail, st.all.info);
  append_availability(ops, &st.all);
  fprintf(out, "%s\n", ops->str);
  g_string_free(ops, TRUE);
  if (st.all.invoked) {
    print_side(out, "majority", &st.majority);
    if (st.minority.invoked) print_side(out, "minority", &st.minority);
  }
  GString *leader = g_string_new(NULL);
  if (leader_line(w, leader)) fprintf(out, "leader       %s\n", leader->str);
  g_string_free(leader, TRUE);
  print_measure(out, w, &st);
  const char *why = NULL;
  switch (fl_world_stop_reason(w)) {
  case FL_STOP_VIOLATION:
  case FL_STOP_PROTOCOL_ERROR:
    fprintf(out, "invariants   VIOLATED: %s\n", fl_world_stop_message(w));
    break;
  case FL_STOP_RUNAWAY:
    fprintf(out, "stopped      a run budget was exceeded: %s\n", fl_world_stop_message(w));
    break;
  default:
    if (!fl_world_final_ok(w, &why))
      fprintf(out, "invariants   FAILED at the end: %s\n", why);
    else
      fprintf(out, "invariants   held\n");
  }
  if (v->lin && v->is_txn)
    fprintf(out, "history      %s (%" G_GUINT64_FORMAT " transactions, %.3fs)%s%s\n",
            fl_txn_verdict_name(v->lin->verdict), v->lin->n_ops, v->lin->seconds,
            v->lin->reason ? ": " : "", v->lin->reason ? v->lin->reason : "");
  else if (v->lin)
    fprintf(out, "history      %s (%" G_GUINT64_FORMAT " operations, %.3fs)\n",
            fl_lin_verdict_name(v->lin->verdict), v->lin->n_ops, v->lin->seconds);
  else if (v->lin_error)
    fprintf(out, "history      not checked: %s\n", v->lin_error);
  char *stale = fl_report_staleness(w);
  if (stale) fprintf(out, "staleness    %s\n", stale);
  g_free(stale);
  if (v->lin && v->lin->evidence && v->lin->evidence->timeline)
    fprintf(out, "%s\n", v->lin->evidence->timeline);
  for (guint i = 0; i < v->results->len; i++) {
    const fl_expect_result *r = &g_array_index(v->results, fl_expect_result, i);
    fprintf(out, "%s %s  %s: %s\n", i == 0 ? "expect      " : "            ",
            r->passed ? "PASS" : "FAIL", r->expect->text, r->detail);
  }
  print_metrics(out, fl_world_metrics(w), fl_world_node_count(w), fl_world_measure(w)->heal_ns);
  fprintf(out, "digest       0x%016" G_GINT64_MODIFIER "x\n", fl_world_digest(w));
  GString *sim = g_string_new(NULL);
  fl_format_duration(sim, fl_world_now(w));
  fprintf(out, "time         simulated %s in %.3fs wall (%.0fx real time), peak memory %ld MiB\n",
          sim->str, t->wall_s, ratio(w, t), t->peak_rss_kib / 1024);
  g_string_free(sim, TRUE);
  fprintf(out, "verdict      %s\n", v->passed    ? "PASS"
                                     : v->runaway ? "FAIL (runaway: stopped by a run budget)"
                                                  : "FAIL");
  if (!v->passed) {
    char *cmd = fl_report_reproduce(w, scn);
    fprintf(out, "reproduce    %s\n", cmd);
    g_free(cmd);
  }
}

char *fl_report_failures(const fl_world *w, const fl_verdict *v, const char *indent) {
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < v->results->len && !v->runaway; i++) {
    const fl_expect_result *r = &g_array_index(v->results, fl_expect_result, i);
    if (!r->passed) g_string_append_printf(s, "%sFAIL %s: %s\n", indent, r->expect->text, r->detail);
  }
  if (v->protocol_error || v->runaway)
    g_string_append_printf(s, "%s%s\n", indent, fl_world_stop_message(w));
  return g_string_free(s, FALSE);
}

static char *reproduce(const fl_scenario *scn, uint64_t seed, int64_t duration_ns,
                       uint64_t max_events, const uint64_t *digest) {
  GString *s = g_string_new(NULL);
  char *quoted = g_shell_quote(scn->path);
  g_string_append_printf(s, "faultline run %s --seed %" G_GUINT64_FORMAT, quoted, seed);
  g_free(quoted);
  if (duration_ns != scn->duration_ns) {
    g_string_append(s, " --duration ");
    fl_format_duration(s, duration_ns);
  }
  if (max_events != FL_LIMIT_RUN_EVENTS)
    g_string_append_printf(s, " --max-events %" G_GUINT64_FORMAT, max_events);
  for (char **x = scn->sets; x && *x; x++) { /* the command line's overrides */
    quoted = g_shell_quote(*x);
    g_string_append_printf(s, " --set %s", quoted);
    g_free(quoted);
  }
  /* Only the plugin that provides the scenario's protocol is needed to run it again. */
  const char *plugin = fl_actor_plugin_path(scn->protocol);
  if (plugin) {
    quoted = g_shell_quote(plugin);
    g_string_append_printf(s, " --plugin %s", quoted);
    g_free(quoted);
  }
  if (digest) g_string_append_printf(s, " --expect-digest 0x%016" G_GINT64_MODIFIER "x", *digest);
  /* A shell comment: pasting the line still runs it, and a reader learns which build made the
   * run (another build may legitimately diverge, which --expect-digest then reports). */
  g_string_append_printf(s, "  # faultline %s, commit %s", FL_VERSION, fl_report_commit());
  return g_string_free(s, FALSE);
}

char *fl_report_reproduce(const fl_world *w, const fl_scenario *scn) {
  uint64_t digest = fl_world_digest(w);
  return reproduce(scn, fl_world_seed(w), fl_world_duration(w), fl_world_max_events(w), &digest);
}

char *fl_report_reproduce_opts(const fl_scenario *scn, const fl_world_opts *opts) {
  return reproduce(scn, opts->has_seed ? opts->seed : scn->seed,
                   opts->duration_ns > 0 ? opts->duration_ns : scn->duration_ns, opts->max_events,
                   NULL);
}

static void side_json(JsonBuilder *b, const char *name, const fl_side_stats *s) {
  json_builder_set_member_name(b, name);
  json_builder_begin_object(b);
#define INT(k, val) json_builder_set_member_name(b, k), json_builder_add_int_value(b, (gint64)(val))
  INT("invoked", s->invoked);
  INT("ok", s->ok);
  INT("fail", s->fail);
  INT("unknown", s->info);
  INT("latency_p50_ns", s->latency_ns_p50);
  INT("latency_p99_ns", s->latency_ns_p99);
  INT("latency_max_ns", s->latency_ns_max);
  json_builder_set_member_name(b, "latency_mean_ns");
  json_builder_add_double_value(b, s->latency_ns_mean);
  INT("refused", s->refused);
  INT("open_at_end", s->open_at_end);
  json_builder_set_member_name(b, "availability");
  double a = fl_side_availability(s);
  if (isnan(a)) json_builder_add_null_value(b);
  else json_builder_add_double_value(b, a);
  json_builder_end_object(b);
}

static void int_or_null(JsonBuilder *b, const char *name, int64_t v) {
  json_builder_set_member_name(b, name);
  if (v < 0) json_builder_add_null_value(b);
  else json_builder_add_int_value(b, v);
}

/* "measurements": elections, every fault's recovery (null: never within the run), the
 * longest outage per side and the actions that found no target. */
static void measure_json(JsonBuilder *b, const fl_measure *m) {
  json_builder_set_member_name(b, "measurements");
  json_builder_begin_object(b);
  int_or_null(b, "elections", (int64_t)m->elections);
  int_or_null(b, "leaders_elected", (int64_t)m->leaders);
  int_or_null(b, "leader_changes", (int64_t)m->leader_changes);
  json_builder_set_member_name(b, "faults");
  json_builder_begin_array(b);
  for (guint i = 0; i < m->faults->len; i++) {
    const fl_fault_record *f = &g_array_index(m->faults, fl_fault_record, i);
    json_builder_begin_object(b);
    int_or_null(b, "line", f->line);
    int_or_null(b, "at_ns", f->at_ns);
    int_or_null(b, "leader_ns", f->leader_ns);
    int_or_null(b, "ok_ns", f->ok_ns);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_set_member_name(b, "outage_ns");
  json_builder_begin_object(b);
  for (int s = 0; s < FL_MEASURE_SIDES; s++)
    int_or_null(b, fl_measure_side_name(s), fl_measure_outage(m, s));
  json_builder_end_object(b);
  int_or_null(b, "heal_ns", m->heal_ns); /* the last heal, null before any */
  json_builder_set_member_name(b, "no_target");
  json_builder_begin_array(b);
  for (guint i = 0; i < m->no_target->len; i++) {
    const fl_no_target *t = &g_array_index(m->no_target, fl_no_target, i);
    json_builder_begin_object(b);
    int_or_null(b, "line", t->line);
    int_or_null(b, "at_ns", t->at_ns);
    json_builder_set_member_name(b, "action");
    json_builder_add_string_value(b, t->action);
    json_builder_set_member_name(b, "reason");
    json_builder_add_string_value(b, t->reason);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_set_member_name(b, "fault_windows");
  json_builder_begin_array(b);
  size_t nw = 0;
  const fl_fault_window *fw = fl_measure_windows(m, &nw);
  for (size_t i = 0; i < nw; i++) {
    json_builder_begin_object(b);
    int_or_null(b, "from_ns", fw[i].from_ns);
    int_or_null(b, "to_ns", fw[i].to_ns);
    int_or_null(b, "line", fw[i].line);
    json_builder_set_member_name(b, "opened_by");
    json_builder_add_string_value(b, fw[i].what);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_end_object(b);
}

char *fl_report_json(fl_world *w, const fl_scenario *scn, const fl_verdict *v,
                     const fl_report_timing *t) {
  fl_run_stats st;
  fl_world_stats(w, &st);
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "faultline");
  json_builder_add_string_value(b, FL_VERSION);
  json_builder_set_member_name(b, "scenario");
  json_builder_add_string_value(b, scn->path);
  json_builder_set_member_name(b, "protocol");
  json_builder_add_string_value(b, scn->protocol);
  INT("seed", fl_world_seed(w));
  INT("nodes", fl_world_node_count(w));
  INT("clients", fl_world_client_count(w));
  INT("duration_ns", fl_world_duration(w));
  INT("simulated_ns", fl_world_now(w));
  INT("events", st.events);
  INT("faults_not_applied", st.faults_not_applied);
  char digest[32];
  g_snprintf(digest, sizeof digest, "0x%016" G_GINT64_MODIFIER "x", fl_world_digest(w));
  json_builder_set_member_name(b, "digest");
  json_builder_add_string_value(b, digest);
  json_builder_set_member_name(b, "stop");
  json_builder_add_string_value(b, stop_name(fl_world_stop_reason(w)));
  json_builder_set_member_name(b, "stop_message");
  if (fl_world_stop_message(w)) json_builder_add_string_value(b, fl_world_stop_message(w));
  else json_builder_add_null_value(b);
  json_builder_set_member_name(b, "wall_seconds");
  json_builder_add_double_value(b, t->wall_s);
  json_builder_set_member_name(b, "simulated_to_wall");
  json_builder_add_double_value(b, ratio(w, t));
  INT("peak_rss_kib", t->peak_rss_kib);

  json_builder_set_member_name(b, "messages");
  json_builder_begin_object(b);
  INT("sent", st.net.sent);
  INT("delivered", st.net.delivered);
  INT("duplicated", st.net.duplicated);
  INT("corrupted", st.net.corrupted);
  json_builder_set_member_name(b, "dropped");
  json_builder_begin_object(b);
  for (int r = 0; r < FL_DROP_REASON_COUNT; r++) INT(fl_drop_reason_name(r), st.net.dropped[r]);
  json_builder_end_object(b);
  /* Per directed link that carried anything, in (from, to) order. */
  json_builder_set_member_name(b, "links");
  json_builder_begin_array(b);
  fl_net *net = fl_world_net(w);
  int n = fl_net_endpoints(net), nodes = fl_world_node_count(w);
  for (int src = 0; src < n; src++) {
    for (int dst = 0; dst < n; dst++) {
      const fl_link_counters *c = fl_net_counters(net, src, dst);
      if (!c->sent) continue;
      char from[24], to[24];
      g_snprintf(from, sizeof from, src < nodes ? "n%d" : "c%d", src < nodes ? src + 1 : src - nodes + 1);
      g_snprintf(to, sizeof to, dst < nodes ? "n%d" : "c%d", dst < nodes ? dst + 1 : dst - nodes + 1);
      json_builder_begin_object(b);
      json_builder_set_member_name(b, "from");
      json_builder_add_string_value(b, from);
      json_builder_set_member_name(b, "to");
      json_builder_add_string_value(b, to);
      INT("sent", c->sent);
      INT("delivered", c->delivered);
      INT("duplicated", c->duplicated);
      INT("corrupted", c->corrupted);
      json_builder_set_member_name(b, "dropped");
      json_builder_begin_object(b);
      for (int r = 0; r < FL_DROP_REASON_COUNT; r++) INT(fl_drop_reason_name(r), c->dropped[r]);
      json_builder_end_object(b);
      json_builder_end_object(b);
    }
  }
  json_builder_end_array(b);
  json_builder_end_object(b);

  /* Every node's final status (null while crashed) and the final `leader` target. */
  json_builder_set_member_name(b, "node_status");
  json_builder_begin_array(b);
  for (int i = 0; i < nodes; i++) {
    fl_node_status ns;
    if (!fl_world_node_status(w, i, &ns)) {
      json_builder_add_null_value(b);
      continue;
    }
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "role");
    json_builder_add_string_value(b, fl_role_name(ns.role));
    json_builder_set_member_name(b, "word");
    json_builder_add_string_value(b, ns.word);
    if (ns.term_kind != FL_TERM_NONE) INT(fl_term_name(ns.term_kind), ns.term);
    json_builder_set_member_name(b, "leader");
    if (ns.leader >= 0) {
      char name[24];
      g_snprintf(name, sizeof name, "n%d", ns.leader + 1);
      json_builder_add_string_value(b, name);
    } else {
      json_builder_add_null_value(b);
    }
    if (ns.has_commit) INT("commit", ns.commit);
    if (ns.has_applied) INT("applied", ns.applied);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_set_member_name(b, "leader");
  int leader = fl_world_leader(w);
  if (leader >= 0) {
    char name[24];
    g_snprintf(name, sizeof name, "n%d", leader + 1);
    json_builder_add_string_value(b, name);
  } else {
    json_builder_add_null_value(b);
  }

  json_builder_set_member_name(b, "operations");
  json_builder_begin_object(b);
  side_json(b, "all", &st.all);
  side_json(b, "majority", &st.majority);
  side_json(b, "minority", &st.minority);
  json_builder_end_object(b);

  const char *why = NULL;
  json_builder_set_member_name(b, "invariants");
  json_builder_begin_object(b);
  bool violated = fl_world_stop_reason(w) == FL_STOP_VIOLATION ||
                  fl_world_stop_reason(w) == FL_STOP_PROTOCOL_ERROR;
  bool final_ok = fl_world_final_ok(w, &why);
  json_builder_set_member_name(b, "held");
  json_builder_add_boolean_value(b, !violated && final_ok);
  json_builder_set_member_name(b, "message");
  if (violated) json_builder_add_string_value(b, fl_world_stop_message(w));
  else if (!final_ok) json_builder_add_string_value(b, why);
  else json_builder_add_null_value(b);
  json_builder_end_object(b);

  json_builder_set_member_name(b, "linearizability");
  if (v->lin) {
    json_builder_begin_object(b);
    fl_lincheck_result_to_json(v->lin, v->history, b);
    json_builder_end_object(b);
  } else if (v->lin_error) {
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "error");
    json_builder_add_string_value(b, v->lin_error);
    json_builder_end_object(b);
  } else {
    json_builder_add_null_value(b);
  }

  /* The consistency check by its right name: linearizability for kv, counter and mutex,
   * serializability (with atomic visibility) for txn; "linearizability" above stays for the
   * readers that know only it. */
  json_builder_set_member_name(b, "consistency");
  fl_staleness_result stale;
  bool has_stale = fl_world_staleness(w, &stale);
  if (v->lin || v->lin_error || has_stale) json_builder_begin_object(b);
  if (v->lin || v->lin_error) {
    const char *check = scn->workload.kind->model;
    json_builder_set_member_name(b, "model");
    json_builder_add_string_value(b, strcmp(check, "txn") == 0 ? "serializability"
                                                               : "linearizability");
    json_builder_set_member_name(b, "check");
    json_builder_add_string_value(b, check);
    json_builder_set_member_name(b, "verdict");
    if (v->lin)
      json_builder_add_string_value(b, v->is_txn ? fl_txn_verdict_name(v->lin->verdict)
                                                 : fl_lin_verdict_name(v->lin->verdict));
    else
      json_builder_add_null_value(b);
    if (v->lin_error) {
      json_builder_set_member_name(b, "error");
      json_builder_add_string_value(b, v->lin_error);
    }
  }
  /* Staleness of reads (kv only), measured from the history whether or not it was checked. */
  if (v->lin || v->lin_error || has_stale) {
    json_builder_set_member_name(b, "staleness");
    if (has_stale) {
      json_builder_begin_object(b);
      fl_staleness_to_json(&stale, b);
      json_builder_end_object(b);
    } else {
      json_builder_add_null_value(b); /* not a register: staleness means nothing, not 0 */
    }
  }
  if (v->lin || v->lin_error || has_stale) json_builder_end_object(b);
  else json_builder_add_null_value(b);

  measure_json(b, fl_world_measure(w));

  /* Protocol measurements in name order: kind, total and the value of every node. */
  json_builder_set_member_name(b, "metrics");
  json_builder_begin_object(b);
  const fl_metrics *mx = fl_world_metrics(w);
  for (size_t i = 0; i < fl_metrics_count(mx); i++) {
    json_builder_set_member_name(b, fl_metrics_name(mx, i));
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "kind");
    json_builder_add_string_value(b, fl_metric_kind_name(fl_metrics_kind(mx, i)));
    INT("value", fl_metrics_total(mx, i));
    json_builder_set_member_name(b, "nodes");
    json_builder_begin_array(b);
    for (int k = 0; k < nodes; k++) json_builder_add_int_value(b, fl_metrics_node_value(mx, i, k));
    json_builder_end_array(b);
    json_builder_end_object(b);
  }
  json_builder_end_object(b);

  json_builder_set_member_name(b, "expectations");
  json_builder_begin_array(b);
  for (guint i = 0; i < v->results->len; i++) {
    const fl_expect_result *r = &g_array_index(v->results, fl_expect_result, i);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "expect");
    json_builder_add_string_value(b, r->expect->text);
    INT("line", r->expect->pos.line);
    json_builder_set_member_name(b, "passed");
    json_builder_add_boolean_value(b, r->passed);
    json_builder_set_member_name(b, "detail");
    json_builder_add_string_value(b, r->detail);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_set_member_name(b, "passed");
  json_builder_add_boolean_value(b, v->passed);
  char *cmd = fl_report_reproduce(w, scn);
  json_builder_set_member_name(b, "reproduce");
  json_builder_add_string_value(b, cmd);
  g_free(cmd);
#undef INT
  json_builder_end_object(b);

  JsonGenerator *g = json_generator_new();
  json_generator_set_pretty(g, TRUE);
  JsonNode *root = json_builder_get_root(b);
  json_generator_set_root(g, root);
  char *s = json_generator_to_data(g, NULL);
  json_node_unref(root);
  g_object_unref(g);
  g_object_unref(b);
  return s;
}

bool fl_report_write(fl_outfile *out, const char *text, GError **error) {
  FILE *f = fl_outfile_stream(out);
  fputs(text, f);
  fputc('\n', f);
  return fl_outfile_close(out, true, error);
}
