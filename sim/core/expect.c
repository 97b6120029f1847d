/* expect: evaluation of a scenario's expectations (see expect.h). */
#include "expect.h"

#include <string.h>
#include "fl_limits.h"
#include "units.h"

static void check_history(fl_verdict *v, fl_world *w, const fl_scenario *scn) {
  if (v->lin || v->lin_error) return;
  GError *error = NULL;
  v->history = fl_world_take_history(w, &error);
  if (!v->history && !error)
    v->history = fl_lincheck_load(fl_world_history_path(w), FL_LINCHECK_FORMAT_AUTO, &error);
  if (v->history) {
    /* The workload kind names its check (workload.h). */
    const char *model = scn->workload.kind->model;
    if (strcmp(model, "txn") == 0) {
      fl_txn_check_opts t;
      fl_txn_check_opts_init(&t);
      v->lin = fl_txn_check(v->history, &t, &error);
      v->is_txn = true;
    } else {
      fl_lincheck_opts o;
      fl_lincheck_opts_init(&o);
      o.model = model;
      v->lin = fl_lincheck_check(v->history, &o, &error);
    }
  }
  if (!v->lin) {
    v->lin_error = g_strdup(error ? error->message : "the history could not be checked");
    g_clear_error(&error);
  }
}

static char *invariants_detail(fl_world *w, bool *held) {
  const char *why = NULL;
  switch (fl_world_stop_reason(w)) {
  case FL_STOP_VIOLATION:
    *held = false;
    return g_strdup(fl_world_stop_message(w));
  case FL_STOP_PROTOCOL_ERROR:
    *held = false;
    return g_strdup(fl_world_stop_message(w));
  default:
    break;
  }
  if (!fl_world_final_ok(w, &why)) {
    *held = false;
    return g_strdup_printf("at the end of the run: %s", why);
  }
  *held = true;
  return g_strdup("held on every event and at the end");
}

static bool compare(int cmp, int64_t got, int64_t bound) {
  return cmp > 0 ? got >= bound : cmp < 0 ? got <= bound : got == bound;
}

/* Every measured fault's recovery time within the bound; a fault never recovered from within
 * the run takes forever (it fails <= and ==, passes >=). Detail: each fault's time by line. */
static bool recovery_detail(const fl_measure *m, const fl_expect *e, GString *d) {
  bool passed = true;
  if (m->faults->len == 0) {
    g_string_append(d, "no fault was applied");
    return true;
  }
  for (guint i = 0; i < m->faults->len; i++) {
    const fl_fault_record *f = &g_array_index(m->faults, fl_fault_record, i);
    int64_t t = e->measure == FL_EXPECT_RECOVERY_OK ? f->ok_ns : f->leader_ns;
    g_string_append_printf(d, "%sline %d: ", i ? ", " : "", f->line);
    if (t < 0) {
      g_string_append(d, "never");
      passed = passed && e->metric_cmp > 0;
    } else {
      fl_format_duration(d, t);
      passed = passed && compare(e->metric_cmp, t, e->metric_value);
    }
    if (i + 1 == FL_LIMIT_EXPECT_DETAIL_FAULTS && i + 1 < m->faults->len) {
      /* Long timelines: the verdict covers every fault, the detail the first few. */
      for (guint k = i + 1; k < m->faults->len; k++) {
        const fl_fault_record *g = &g_array_index(m->faults, fl_fault_record, k);
        int64_t u = e->measure == FL_EXPECT_RECOVERY_OK ? g->ok_ns : g->leader_ns;
        passed = passed && (u < 0 ? e->metric_cmp > 0 : compare(e->metric_cmp, u, e->metric_value));
      }
      g_string_append_printf(d, " and %u more", m->faults->len - i - 1);
      break;
    }
  }
  return passed;
}

/* stale_reads, stale_versions, stale_lag: from the history's staleness (kv only: another
 * workload fails the expectation, saying why). Detail: the figure, then the whole picture. */
static bool staleness_detail(fl_world *w, const fl_expect *e, GString *d) {
  fl_staleness_result r;
  if (!fl_world_staleness(w, &r)) {
    g_string_append(d, "no staleness: the workload is not kv");
    return false;
  }
  int64_t got = e->measure == FL_EXPECT_STALE_READS      ? (int64_t)r.stale
                : e->measure == FL_EXPECT_STALE_VERSIONS ? (int64_t)r.versions_max
                                                         : r.lag_max_ns;
  if (e->measure == FL_EXPECT_STALE_LAG) fl_format_duration(d, got);
  else g_string_append_printf(d, "%" G_GINT64_FORMAT, got);
  g_string_append_printf(d, " (%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " reads stale",
                         r.stale, r.reads);
  if (r.stale) {
    g_string_append_printf(d, ", at most %" G_GUINT64_FORMAT " version%s and ", r.versions_max,
                           r.versions_max == 1 ? "" : "s");
    fl_format_duration(d, r.lag_max_ns);
    g_string_append(d, " behind");
  }
  g_string_append_c(d, ')');
  return compare(e->metric_cmp, got, e->metric_value);
}

static bool measure_detail(fl_world *w, const fl_expect *e, GString *d) {
  const fl_measure *m = fl_world_measure(w);
  int64_t got;
  switch (e->measure) {
  case FL_EXPECT_STALE_READS:
  case FL_EXPECT_STALE_VERSIONS:
  case FL_EXPECT_STALE_LAG: return staleness_detail(w, e, d);
  case FL_EXPECT_ELECTIONS: got = (int64_t)m->elections; break;
  case FL_EXPECT_LEADERS: got = (int64_t)m->leaders; break;
  case FL_EXPECT_LEADER_CHANGES: got = (int64_t)m->leader_changes; break;
  case FL_EXPECT_OUTAGE:
    got = fl_measure_outage(m, e->side == FL_SIDE_MAJORITY   ? FL_MEASURE_MAJORITY
                               : e->side == FL_SIDE_MINORITY ? FL_MEASURE_MINORITY
                                                             : FL_MEASURE_ALL);
    fl_format_duration(d, got);
    return compare(e->metric_cmp, got, e->metric_value);
  default: return recovery_detail(m, e, d);
  }
  g_string_append_printf(d, "%" G_GINT64_FORMAT, got);
  return compare(e->metric_cmp, got, e->metric_value);
}

/* faults = applied: every timeline action found its target; the detail names those that did
 * not, as the summary's warnings do. */
static bool faults_detail(fl_world *w, GString *d) {
  const fl_measure *m = fl_world_measure(w);
  if (m->no_target->len == 0) {
    g_string_append(d, "every timeline action found its target");
    return true;
  }
  g_string_append_printf(d, "%u timeline action%s found no target (", m->no_target->len,
                         m->no_target->len == 1 ? "" : "s");
  for (guint i = 0; i < m->no_target->len; i++) {
    const fl_no_target *t = &g_array_index(m->no_target, fl_no_target, i);
    if (i == FL_LIMIT_EXPECT_DETAIL_FAULTS) {
      g_string_append_printf(d, ", and %u more", m->no_target->len - i);
      break;
    }
    g_string_append_printf(d, "%sline %d %s at ", i ? ", " : "", t->line, t->action);
    fl_format_duration(d, t->at_ns);
    g_string_append_printf(d, ": %s", t->reason);
  }
  g_string_append_c(d, ')');
  return false;
}

fl_verdict *fl_verdict_evaluate(fl_world *w, const fl_scenario *scn) {
  fl_verdict *v = g_new0(fl_verdict, 1);
  v->results = g_array_new(FALSE, TRUE, sizeof(fl_expect_result));
  v->protocol_error = fl_world_stop_reason(w) == FL_STOP_PROTOCOL_ERROR;
  v->runaway = fl_world_stop_reason(w) == FL_STOP_RUNAWAY;
  v->passed = !v->protocol_error && !v->runaway;
  for (guint i = 0; scn->expects && i < scn->expects->len; i++) {
    const fl_expect *e = &g_array_index(scn->expects, fl_expect, i);
    fl_expect_result r = {.expect = e};
    if (v->runaway) {
      r.detail = g_strdup("not evaluated: a run budget was exceeded");
      g_array_append_val(v->results, r);
      continue;
    }
    switch (e->kind) {
    case FL_EXPECT_INVARIANTS: {
      bool held;
      r.detail = invariants_detail(w, &held);
      r.passed = held == e->want;
      break;
    }
    case FL_EXPECT_LINEARIZABLE:
      check_history(v, w, scn);
      if (!v->lin) {
        r.detail = g_strdup(v->lin_error);
      } else {
        r.passed = v->lin->verdict == (e->want ? FL_LIN_OK : FL_LIN_VIOLATION);
        if (v->is_txn)
          r.detail = g_strdup_printf("%s (%" G_GUINT64_FORMAT " transactions)%s%s",
                                     fl_txn_verdict_name(v->lin->verdict), v->lin->n_ops,
                                     v->lin->reason ? ": " : "", v->lin->reason ? v->lin->reason : "");
        else
          r.detail = g_strdup_printf("%s (%" G_GUINT64_FORMAT " operations)",
                                     fl_lin_verdict_name(v->lin->verdict), v->lin->n_ops);
      }
      break;
    case FL_EXPECT_AVAILABILITY: {
      uint64_t ended, ok; /* ok: answered */
      fl_world_availability(w, i, &ended, &ok);
      if (ended == 0) {
        r.detail = g_strdup("no operations ended on that side in that window");
      } else {
        double f = fl_availability(ok, ended);
        /* Compare in integers so 90% of 10 operations is exactly 9. */
        double need = e->fraction * (double)ended;
        r.passed = e->at_most ? (double)ok <= need + 1e-9 : (double)ok >= need - 1e-9;
        r.detail = g_strdup_printf("%.1f%% (%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                                   " operations answered)", f * 100.0, ok, ended);
      }
      break;
    }
    case FL_EXPECT_METRIC: {
      int64_t got;
      bool seen = fl_metrics_lookup(fl_world_metrics(w), e->metric, &got);
      r.passed = e->metric_cmp > 0 ? got >= e->metric_value
                 : e->metric_cmp < 0 ? got <= e->metric_value
                                     : got == e->metric_value;
      GString *d = g_string_new(NULL);
      if (fl_metric_is_duration(e->metric)) fl_format_duration(d, got);
      else g_string_append_printf(d, "%" G_GINT64_FORMAT, got);
      if (!seen) g_string_append(d, " (never reported: 0)");
      r.detail = g_string_free(d, FALSE);
      break;
    }
    case FL_EXPECT_MEASURE:
    case FL_EXPECT_FAULTS: {
      GString *d = g_string_new(NULL);
      r.passed = e->kind == FL_EXPECT_MEASURE ? measure_detail(w, e, d) : faults_detail(w, d);
      r.detail = g_string_free(d, FALSE);
      break;
    }
    }
    if (!r.passed) v->passed = false;
    g_array_append_val(v->results, r);
  }
  return v;
}

void fl_verdict_free(fl_verdict *v) {
  if (!v) return;
  for (guint i = 0; i < v->results->len; i++)
    g_free(g_array_index(v->results, fl_expect_result, i).detail);
  g_array_free(v->results, TRUE);
  fl_lincheck_result_free(v->lin);
  fl_lincheck_history_free(v->history);
  g_free(v->lin_error);
  g_free(v);
}
