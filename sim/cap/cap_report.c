/* cap_report: the runs of each protocol summarised over seeds, as JSON, CSV and a Markdown
 * table (cap.h); the plots are cap_plots.c's. */
#include "cap.h"
#include "cap_int.h"
#include "outfile.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <json-glib/json-glib.h>

/* Every figure, in table order: the JSON key, the column heading, and how it is shown. */
const fl_cap_fig_desc fl_cap_figs[] = {
    {"availability", "availability", offsetof(fl_cap_figures, avail_all), FL_CAP_PCT},
    {"availability_faults", "in faults", offsetof(fl_cap_figures, avail_faults), FL_CAP_PCT},
    {"availability_steady", "steady", offsetof(fl_cap_figures, avail_steady), FL_CAP_PCT},
    {"availability_majority", "majority side", offsetof(fl_cap_figures, avail_majority), FL_CAP_PCT},
    {"availability_minority", "minority side", offsetof(fl_cap_figures, avail_minority), FL_CAP_PCT},
    {"latency_p50_steady_ms", "p50 steady ms", offsetof(fl_cap_figures, p50_steady_ms), FL_CAP_MS},
    {"latency_p99_steady_ms", "p99 steady ms", offsetof(fl_cap_figures, p99_steady_ms), FL_CAP_MS},
    {"latency_max_steady_ms", "max steady ms", offsetof(fl_cap_figures, max_steady_ms), FL_CAP_MS},
    {"latency_p50_faults_ms", "p50 in faults ms", offsetof(fl_cap_figures, p50_faults_ms), FL_CAP_MS},
    {"latency_p99_faults_ms", "p99 in faults ms", offsetof(fl_cap_figures, p99_faults_ms), FL_CAP_MS},
    {"latency_max_faults_ms", "max in faults ms", offsetof(fl_cap_figures, max_faults_ms), FL_CAP_MS},
    {"linearizable", "linearizable", offsetof(fl_cap_figures, linearizable), FL_CAP_PCT},
    {"violation_ops", "violation ops", offsetof(fl_cap_figures, violation_ops), FL_CAP_COUNT},
    {"stale_reads", "stale reads", offsetof(fl_cap_figures, stale_reads), FL_CAP_PCT},
    {"stale_lag_max_ms", "stale lag max ms", offsetof(fl_cap_figures, stale_lag_max_ms), FL_CAP_MS},
    {"recovery_ms", "recovery ms", offsetof(fl_cap_figures, recovery_ms), FL_CAP_MS},
    {"blocked_max_ms", "blocked max ms", offsetof(fl_cap_figures, blocked_max_ms), FL_CAP_MS},
};
const size_t fl_cap_n_figs = G_N_ELEMENTS(fl_cap_figs);

double fl_cap_fig(const fl_cap_figures *f, size_t i) {
  return *(const double *)(const void *)((const char *)f + fl_cap_figs[i].offset);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

void fl_cap_spread_of(const double *v, size_t n, fl_cap_spread *out) {
  double *s = g_new(double, n ? n : 1);
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (!isnan(v[i])) s[m++] = v[i];
  out->n = m;
  out->median = out->min = out->max = NAN;
  if (m) {
    qsort(s, m, sizeof *s, cmp_double);
    out->min = s[0];
    out->max = s[m - 1];
    out->median = m % 2 ? s[m / 2] : (s[m / 2 - 1] + s[m / 2]) / 2.0;
  }
  g_free(s);
}

/* The runs of one protocol, in seed order (the caller's order, which is by seed). */
GPtrArray *fl_cap_runs_of(const char *protocol, const fl_cap_run *const *runs, size_t n) {
  GPtrArray *a = g_ptr_array_new();
  for (size_t i = 0; i < n; i++)
    if (strcmp(runs[i]->protocol, protocol) == 0) g_ptr_array_add(a, (gpointer)runs[i]);
  return a;
}

void fl_cap_summarise(GPtrArray *runs, fl_cap_spread *spread) {
  fl_cap_figures *f = g_new0(fl_cap_figures, runs->len ? runs->len : 1);
  double *col = g_new(double, runs->len ? runs->len : 1);
  for (guint i = 0; i < runs->len; i++) fl_cap_figures_of(runs->pdata[i], &f[i]);
  for (size_t k = 0; k < fl_cap_n_figs; k++) {
    for (guint i = 0; i < runs->len; i++) col[i] = fl_cap_fig(&f[i], k);
    fl_cap_spread_of(col, runs->len, &spread[k]);
  }
  g_free(col);
  g_free(f);
}

static void format_value(GString *s, double v, fl_cap_unit u) {
  if (isnan(v)) g_string_append(s, "-");
  else if (u == FL_CAP_PCT) g_string_append_printf(s, "%.1f%%", v * 100.0);
  else if (u == FL_CAP_MS) g_string_append_printf(s, "%.1f", v);
  else g_string_append_printf(s, "%.0f", v);
}

/* "99.2% (98.1%..99.9%)"; one value alone when the spread is none. */
void fl_cap_format_spread(GString *s, const fl_cap_spread *sp, fl_cap_unit u) {
  format_value(s, sp->median, u);
  if (sp->n > 1 && sp->min != sp->max) {
    g_string_append(s, " (");
    format_value(s, sp->min, u);
    g_string_append(s, "..");
    format_value(s, sp->max, u);
    g_string_append_c(s, ')');
  }
}

static bool write_text(const char *path, const char *what, const GString *text, GError **error) {
  fl_outfile *f = fl_outfile_open(path, what, FL_CAP_ERROR, FL_CAP_ERROR_IO, error);
  if (!f) return false;
  fwrite(text->str, 1, text->len, fl_outfile_stream(f));
  return fl_outfile_close(f, true, error);
}

static const char *lin_word(fl_cap_lin l) {
  static const char *const w[] = {"linearizable", "not linearizable", "unknown", "not checked"};
  return w[l];
}

static void add_number(JsonBuilder *b, double v) {
  if (isnan(v)) json_builder_add_null_value(b);
  else json_builder_add_double_value(b, v);
}

static void spread_json(JsonBuilder *b, const char *name, const double *v, size_t n) {
  fl_cap_spread sp;
  fl_cap_spread_of(v, n, &sp);
  json_builder_set_member_name(b, name);
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "median");
  add_number(b, sp.median);
  json_builder_set_member_name(b, "min");
  add_number(b, sp.min);
  json_builder_set_member_name(b, "max");
  add_number(b, sp.max);
  json_builder_end_object(b);
}

/* "windows": availability inside each fault window, by window index (the runs of one scenario
 * share the timeline; a window a run does not have counts as no value). */
static void per_window(JsonBuilder *b, GPtrArray *rs) {
  guint nw = 0;
  for (guint i = 0; i < rs->len; i++) nw = MAX(nw, ((const fl_cap_run *)rs->pdata[i])->windows->len);
  double *v = g_new(double, rs->len ? rs->len : 1), *maj = g_new(double, rs->len ? rs->len : 1),
         *min = g_new(double, rs->len ? rs->len : 1);
  json_builder_set_member_name(b, "windows");
  json_builder_begin_array(b);
  for (guint k = 0; k < nw; k++) {
    json_builder_begin_object(b);
    const fl_cap_window *first = NULL;
    for (guint i = 0; i < rs->len; i++) {
      const fl_cap_run *r = rs->pdata[i];
      const fl_cap_window *w = k < r->windows->len ? &g_array_index(r->windows, fl_cap_window, k) : NULL;
      if (w && !first) first = w;
      v[i] = w ? fl_cap_availability_between(r, w->from_ns, w->to_ns, -1) : NAN;
      maj[i] = w ? fl_cap_availability_between(r, w->from_ns, w->to_ns, 1) : NAN;
      min[i] = w ? fl_cap_availability_between(r, w->from_ns, w->to_ns, 0) : NAN;
    }
    json_builder_set_member_name(b, "opened_by");
    json_builder_add_string_value(b, first->what);
    json_builder_set_member_name(b, "from_ns");
    json_builder_add_int_value(b, first->from_ns);
    json_builder_set_member_name(b, "to_ns");
    json_builder_add_int_value(b, first->to_ns);
    spread_json(b, "availability", v, rs->len);
    spread_json(b, "availability_majority", maj, rs->len);
    spread_json(b, "availability_minority", min, rs->len);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  g_free(v);
  g_free(maj);
  g_free(min);
}

/* "faults": for each disruptive action, the time to a new leader and to the first ok after it
 * (null: never, or no leader to elect), over seeds. */
static void per_fault(JsonBuilder *b, GPtrArray *rs) {
  guint nf = 0;
  for (guint i = 0; i < rs->len; i++) nf = MAX(nf, ((const fl_cap_run *)rs->pdata[i])->faults->len);
  double *lead = g_new(double, rs->len ? rs->len : 1), *ok = g_new(double, rs->len ? rs->len : 1);
  json_builder_set_member_name(b, "faults");
  json_builder_begin_array(b);
  for (guint k = 0; k < nf; k++) {
    int line = 0;
    for (guint i = 0; i < rs->len; i++) {
      const fl_cap_run *r = rs->pdata[i];
      const fl_cap_fault *f = k < r->faults->len ? &g_array_index(r->faults, fl_cap_fault, k) : NULL;
      if (f) line = f->line;
      lead[i] = f && f->leader_ns >= 0 ? (double)f->leader_ns / 1e6 : NAN;
      ok[i] = f && f->ok_ns >= 0 ? (double)f->ok_ns / 1e6 : NAN;
    }
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "line");
    json_builder_add_int_value(b, line);
    spread_json(b, "new_leader_ms", lead, rs->len);
    spread_json(b, "first_ok_ms", ok, rs->len);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  g_free(lead);
  g_free(ok);
}

static bool write_json(const char *dir, const char *title, char **protocols,
                       const fl_cap_run *const *runs, size_t n, GError **error) {
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "scenario");
  json_builder_add_string_value(b, title);
  json_builder_set_member_name(b, "protocols");
  json_builder_begin_array(b);
  for (char **p = protocols; *p; p++) {
    GPtrArray *rs = fl_cap_runs_of(*p, runs, n);
    fl_cap_spread sp[G_N_ELEMENTS(fl_cap_figs)];
    fl_cap_summarise(rs, sp);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "protocol");
    json_builder_add_string_value(b, *p);
    json_builder_set_member_name(b, "figures");
    json_builder_begin_object(b);
    for (size_t k = 0; k < fl_cap_n_figs; k++) {
      json_builder_set_member_name(b, fl_cap_figs[k].key);
      json_builder_begin_object(b);
      json_builder_set_member_name(b, "median");
      add_number(b, sp[k].median);
      json_builder_set_member_name(b, "min");
      add_number(b, sp[k].min);
      json_builder_set_member_name(b, "max");
      add_number(b, sp[k].max);
      json_builder_set_member_name(b, "seeds");
      json_builder_add_int_value(b, (gint64)sp[k].n);
      json_builder_end_object(b);
    }
    json_builder_end_object(b);
    per_window(b, rs);
    per_fault(b, rs);
    json_builder_set_member_name(b, "runs");
    json_builder_begin_array(b);
    for (guint i = 0; i < rs->len; i++) {
      const fl_cap_run *r = rs->pdata[i];
      json_builder_begin_object(b);
      json_builder_set_member_name(b, "seed");
      json_builder_add_int_value(b, (gint64)r->seed);
      char d[24];
      g_snprintf(d, sizeof d, "0x%016" G_GINT64_MODIFIER "x", r->digest);
      json_builder_set_member_name(b, "digest");
      json_builder_add_string_value(b, d);
      json_builder_set_member_name(b, "linearizability");
      json_builder_add_string_value(b, lin_word(r->lin));
      json_builder_set_member_name(b, "invariants_held");
      json_builder_add_boolean_value(b, r->invariants_held);
      json_builder_set_member_name(b, "stop");
      json_builder_add_string_value(b, r->stop ? r->stop : "end");
      json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    g_ptr_array_free(rs, TRUE);
  }
  json_builder_end_array(b);
  json_builder_set_member_name(b, "fault_windows");
  json_builder_begin_array(b);
  for (guint i = 0; n && i < runs[0]->windows->len; i++) {
    const fl_cap_window *w = &g_array_index(runs[0]->windows, fl_cap_window, i);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "from_ns");
    json_builder_add_int_value(b, w->from_ns);
    json_builder_set_member_name(b, "to_ns");
    json_builder_add_int_value(b, w->to_ns);
    json_builder_set_member_name(b, "opened_by");
    json_builder_add_string_value(b, w->what);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_end_object(b);
  JsonGenerator *g = json_generator_new();
  JsonNode *root = json_builder_get_root(b);
  json_generator_set_root(g, root);
  json_generator_set_pretty(g, TRUE);
  char *text = json_generator_to_data(g, NULL);
  GString *s = g_string_new(text);
  g_string_append_c(s, '\n');
  char *path = g_build_filename(dir, "cap.json", NULL);
  bool ok = write_text(path, "report", s, error);
  g_free(path);
  g_string_free(s, TRUE);
  g_free(text);
  json_node_unref(root);
  g_object_unref(g);
  g_object_unref(b);
  return ok;
}

static bool write_csv(const char *dir, char **protocols, const fl_cap_run *const *runs, size_t n,
                      GError **error) {
  GString *s = g_string_new("protocol,seed,digest");
  for (size_t k = 0; k < fl_cap_n_figs; k++) g_string_append_printf(s, ",%s", fl_cap_figs[k].key);
  g_string_append(s, ",linearizability,invariants_held\n");
  for (char **p = protocols; *p; p++) {
    GPtrArray *rs = fl_cap_runs_of(*p, runs, n);
    for (guint i = 0; i < rs->len; i++) {
      const fl_cap_run *r = rs->pdata[i];
      fl_cap_figures f;
      fl_cap_figures_of(r, &f);
      g_string_append_printf(s, "%s,%" G_GUINT64_FORMAT ",0x%016" G_GINT64_MODIFIER "x", r->protocol,
                             r->seed, r->digest);
      for (size_t k = 0; k < fl_cap_n_figs; k++) {
        double v = fl_cap_fig(&f, k);
        if (isnan(v)) g_string_append_c(s, ',');
        else g_string_append_printf(s, ",%.6g", v);
      }
      g_string_append_printf(s, ",%s,%s\n", lin_word(r->lin), r->invariants_held ? "yes" : "no");
    }
    g_ptr_array_free(rs, TRUE);
  }
  char *path = g_build_filename(dir, "cap.csv", NULL);
  bool ok = write_text(path, "report", s, error);
  g_free(path);
  g_string_free(s, TRUE);
  return ok;
}

/* The table a person reads: one row per protocol, each cell the median over seeds and, when
 * the seeds disagree, their range. */
static bool write_md(const char *dir, const char *title, char **protocols,
                     const fl_cap_run *const *runs, size_t n, GError **error) {
  static const char *const cols[] = {"availability", "availability_faults", "availability_majority",
                                     "availability_minority", "latency_p50_steady_ms",
                                     "latency_p99_steady_ms", "latency_p99_faults_ms",
                                     "linearizable", "violation_ops", "stale_reads",
                                     "stale_lag_max_ms", "recovery_ms",
                                     "blocked_max_ms"};
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, "# CAP report: %s\n\n", title);
  if (n && runs[0]->windows->len) {
    g_string_append(s, "Fault windows:");
    for (guint i = 0; i < runs[0]->windows->len; i++) {
      const fl_cap_window *w = &g_array_index(runs[0]->windows, fl_cap_window, i);
      g_string_append_printf(s, "%s %s %.3gs..%.3gs", i ? "," : "", w->what, (double)w->from_ns / 1e9,
                             (double)w->to_ns / 1e9);
    }
    g_string_append(s, ".\n\n");
  }
  g_string_append(s, "| protocol | seeds");
  for (size_t c = 0; c < G_N_ELEMENTS(cols); c++)
    for (size_t k = 0; k < fl_cap_n_figs; k++)
      if (strcmp(fl_cap_figs[k].key, cols[c]) == 0) g_string_append_printf(s, " | %s", fl_cap_figs[k].label);
  g_string_append(s, " |\n|---|---");
  for (size_t c = 0; c < G_N_ELEMENTS(cols); c++) g_string_append(s, "|---");
  g_string_append(s, "|\n");
  for (char **p = protocols; *p; p++) {
    GPtrArray *rs = fl_cap_runs_of(*p, runs, n);
    fl_cap_spread sp[G_N_ELEMENTS(fl_cap_figs)];
    fl_cap_summarise(rs, sp);
    g_string_append_printf(s, "| %s | %u", *p, rs->len);
    for (size_t c = 0; c < G_N_ELEMENTS(cols); c++)
      for (size_t k = 0; k < fl_cap_n_figs; k++) {
        if (strcmp(fl_cap_figs[k].key, cols[c]) != 0) continue;
        g_string_append(s, " | ");
        fl_cap_format_spread(s, &sp[k], fl_cap_figs[k].unit);
      }
    g_string_append(s, " |\n");
    g_ptr_array_free(rs, TRUE);
  }
  g_string_append(s, "\nEach cell: the median over seeds, and (min..max) where seeds differ; `-`: "
                     "nothing to measure (no operation on that side, no check, no such metric). "
                     "Availability = answered / ended operations; *in faults*: invoked inside a fault "
                     "window; sides: the clients' side at invocation, inside fault windows; latency: "
                     "ok operations; *linearizable*: the share of seeds whose history is; *stale reads*: "
                     "the share of ok reads that missed a write completed before they began (a lower "
                     "bound: the workload's values repeat), *stale lag*: how long the newest write such a "
                     "read missed had been acknowledged; *recovery*: the longest time from a fault to the "
                     "first ok after a new leader (`-`: no new leader was needed or none came).\n");
  char *path = g_build_filename(dir, "cap.md", NULL);
  bool ok = write_text(path, "report", s, error);
  g_free(path);
  g_string_free(s, TRUE);
  return ok;
}

bool fl_cap_report_write(const char *dir, const char *title, char **protocols,
                         const fl_cap_run *const *runs, size_t n_runs, GError **error) {
  if (g_mkdir_with_parents(dir, 0755) != 0) {
    g_set_error(error, FL_CAP_ERROR, FL_CAP_ERROR_IO, "cannot create directory '%s': %s", dir,
                g_strerror(errno));
    return false;
  }
  return write_json(dir, title, protocols, runs, n_runs, error) &&
         write_csv(dir, protocols, runs, n_runs, error) &&
         write_md(dir, title, protocols, runs, n_runs, error) &&
         fl_cap_plots_write(dir, title, protocols, runs, n_runs, error);
}
