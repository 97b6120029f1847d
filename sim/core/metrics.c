/* metrics: protocol-reported measurements (see metrics.h). */
#include "metrics.h"
#include "fl_limits.h"

#include <string.h>

typedef struct entry {
  char *name;
  fl_metric_kind kind;
  int64_t *value;   /* n_nodes */
  bool *touched;    /* n_nodes: the node updated it (a max over no node is no value) */
} entry;

struct fl_metrics {
  int n_nodes;
  GPtrArray *entries; /* of entry, sorted by name */
};

static void entry_free(gpointer p) {
  entry *e = p;
  g_free(e->name);
  g_free(e->value);
  g_free(e->touched);
  g_free(e);
}

fl_metrics *fl_metrics_new(int n_nodes) {
  fl_metrics *m = g_new0(fl_metrics, 1);
  m->n_nodes = n_nodes > 0 ? n_nodes : 1;
  m->entries = g_ptr_array_new_with_free_func(entry_free);
  return m;
}

void fl_metrics_free(fl_metrics *m) {
  if (!m) return;
  g_ptr_array_free(m->entries, TRUE);
  g_free(m);
}

bool fl_metric_name_is_valid(const char *name) {
  size_t n = name ? strlen(name) : 0;
  if (n == 0 || n > FL_LIMIT_METRIC_NAME) return false;
  for (size_t i = 0; i < n; i++)
    if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '_'))
      return false;
  return true;
}

bool fl_metric_is_duration(const char *name) {
  size_t n = strlen(name);
  return n >= 3 && strcmp(name + n - 3, "_ns") == 0;
}

const char *fl_metric_kind_name(fl_metric_kind kind) { return kind == FL_METRIC_MAX ? "max" : "sum"; }

/* Index of `name`, or -(insertion point) - 1. */
static gssize find(const fl_metrics *m, const char *name) {
  gssize lo = 0, hi = (gssize)m->entries->len;
  while (lo < hi) {
    gssize mid = lo + (hi - lo) / 2;
    int c = strcmp(((entry *)g_ptr_array_index(m->entries, mid))->name, name);
    if (c == 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return -lo - 1;
}

bool fl_metrics_update(fl_metrics *m, int node, const char *name, fl_metric_kind kind,
                       int64_t value, GString *why) {
  if (!fl_metric_name_is_valid(name)) {
    if (why) g_string_append_printf(why, "metric name '%.*s' is not 1 to %d characters of a-z, 0-9 and _",
                           FL_LIMIT_ECHO_BYTES, name ? name : "", FL_LIMIT_METRIC_NAME);
    return false;
  }
  if (node < 0 || node >= m->n_nodes) node = 0;
  gssize i = find(m, name);
  entry *e;
  if (i < 0) {
    if (m->entries->len >= FL_LIMIT_METRICS) {
      if (why) g_string_append_printf(why, "metric '%s' is one more than the %d metrics a run may have",
                             name, FL_LIMIT_METRICS);
      return false;
    }
    e = g_new0(entry, 1);
    e->name = g_strdup(name);
    e->kind = kind;
    e->value = g_new0(int64_t, m->n_nodes);
    e->touched = g_new0(bool, m->n_nodes);
    g_ptr_array_insert(m->entries, (gint)(-i - 1), e);
  } else {
    e = g_ptr_array_index(m->entries, i);
    if (e->kind != kind) {
      if (why) g_string_append_printf(why, "metric '%s' is a %s, updated as a %s", name,
                             fl_metric_kind_name(e->kind), fl_metric_kind_name(kind));
      return false;
    }
  }
  int64_t *v = &e->value[node];
  if (kind == FL_METRIC_SUM) {
    if (value > 0 && *v > INT64_MAX - value) *v = INT64_MAX;
    else if (value < 0 && *v < INT64_MIN - value) *v = INT64_MIN;
    else *v += value;
  } else if (!e->touched[node] || value > *v) {
    *v = value;
  }
  e->touched[node] = true;
  return true;
}

size_t fl_metrics_count(const fl_metrics *m) { return m ? m->entries->len : 0; }

static const entry *at(const fl_metrics *m, size_t i) { return g_ptr_array_index(m->entries, i); }

const char *fl_metrics_name(const fl_metrics *m, size_t i) { return at(m, i)->name; }
fl_metric_kind fl_metrics_kind(const fl_metrics *m, size_t i) { return at(m, i)->kind; }
int64_t fl_metrics_node_value(const fl_metrics *m, size_t i, int node) {
  return node >= 0 && node < m->n_nodes ? at(m, i)->value[node] : 0;
}

int64_t fl_metrics_total(const fl_metrics *m, size_t i) {
  const entry *e = at(m, i);
  int64_t t = 0;
  bool any = false;
  for (int n = 0; n < m->n_nodes; n++) {
    if (!e->touched[n]) continue;
    if (e->kind == FL_METRIC_MAX) t = !any || e->value[n] > t ? e->value[n] : t;
    else if (e->value[n] > 0 && t > INT64_MAX - e->value[n]) t = INT64_MAX;
    else if (e->value[n] < 0 && t < INT64_MIN - e->value[n]) t = INT64_MIN;
    else t += e->value[n];
    any = true;
  }
  return t;
}

bool fl_metrics_lookup(const fl_metrics *m, const char *name, int64_t *total) {
  *total = 0;
  if (!m) return false;
  gssize i = find(m, name);
  if (i < 0) return false;
  *total = fl_metrics_total(m, (size_t)i);
  return true;
}
