/* metrics: named integer measurements a protocol reports (committed transactions, the longest
 * window a participant blocked), shown in the run's summary and JSON report and checked by
 * `[expect] metric NAME >= V`.
 *
 * A metric is a name ([a-z0-9_], 1..FL_LIMIT_METRIC_NAME bytes) with one kind, fixed by its
 * first update: a sum (fl_node_metric_add) or a maximum (fl_node_metric_max). Each node keeps
 * its own value; the metric's total is the sum, or the maximum, over the nodes that updated
 * it. At most FL_LIMIT_METRICS names per run. Entries are kept sorted by name (a sorted
 * array, binary search), so every listing is in name order whatever order the protocol first
 * used them in. Metrics are measurements, not state: they are not traced, so they never change
 * a run's digest.
 */
#ifndef FL_METRICS_H
#define FL_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

typedef enum fl_metric_kind { FL_METRIC_SUM, FL_METRIC_MAX } fl_metric_kind;

typedef struct fl_metrics fl_metrics;

/* An empty set for n_nodes nodes. Newly allocated; fl_metrics_free (accepts NULL). */
fl_metrics *fl_metrics_new(int n_nodes);
void fl_metrics_free(fl_metrics *m);

/* True when `name` is a valid metric name: 1..FL_LIMIT_METRIC_NAME bytes of [a-z0-9_]. */
bool fl_metric_name_is_valid(const char *name);

/* Adds `value` to node's sum (FL_METRIC_SUM, saturating at the int64 range) or raises node's
 * maximum to it (FL_METRIC_MAX). False, with why ("metric 'X' ...") appended to `why` and
 * nothing changed (why may be NULL), for an invalid name, a name first used with the other kind, or a new name
 * beyond FL_LIMIT_METRICS. */
bool fl_metrics_update(fl_metrics *m, int node, const char *name, fl_metric_kind kind,
                       int64_t value, GString *why);

/* Metrics in name order: their count, and the i-th one's name (borrowed until the set is
 * freed), kind, total and per-node value (0 for a node that never updated it). */
size_t fl_metrics_count(const fl_metrics *m);
const char *fl_metrics_name(const fl_metrics *m, size_t i);
fl_metric_kind fl_metrics_kind(const fl_metrics *m, size_t i);
int64_t fl_metrics_total(const fl_metrics *m, size_t i);
int64_t fl_metrics_node_value(const fl_metrics *m, size_t i, int node);
/* The total of the metric `name`; false (and *total 0) when no node ever updated it. */
bool fl_metrics_lookup(const fl_metrics *m, const char *name, int64_t *total);
/* "sum" or "max". */
const char *fl_metric_kind_name(fl_metric_kind kind);
/* True when values of `name` are durations in ns (the name ends in "_ns"): reports format
 * them as durations and `[expect] metric` reads its bound as one ("2s"). */
bool fl_metric_is_duration(const char *name);

#endif
