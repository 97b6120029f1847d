/* lin_overlay: reading a report's linearizability evidence (see lin_overlay.h). */
#include "lin_overlay.h"

#include <json-glib/json-glib.h>

/* The op whose invoke has history index `hi` (ops are in trace order, so their history
 * indices increase): binary search. */
static bool op_of(const fl_viz_timeline *tl, int64_t hi, uint32_t *out) {
  size_t lo = 0, n = tl->ops->len;
  while (lo < n) {
    size_t mid = lo + (n - lo) / 2;
    if (g_array_index(tl->ops, fl_viz_op, mid).hist_index < hi) lo = mid + 1;
    else n = mid;
  }
  if (lo >= tl->ops->len || g_array_index(tl->ops, fl_viz_op, lo).hist_index != hi) return false;
  *out = (uint32_t)lo;
  return true;
}

static bool ids(const char *path, JsonObject *ev, const char *member, const fl_viz_timeline *tl,
                GArray *into, fl_viz_lin *l, uint8_t bit, GError **error) {
  JsonArray *a = json_object_has_member(ev, member) ? json_object_get_array_member(ev, member)
                                                    : NULL;
  for (guint i = 0; a && i < json_array_get_length(a); i++) {
    int64_t hi = json_array_get_int_element(a, i);
    uint32_t op;
    if (!op_of(tl, hi, &op)) {
      g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_INPUT,
                  "%s: linearizability.evidence.%s: expected the history index of an operation "
                  "invoked in %s, found %" G_GINT64_FORMAT, path, member, tl->path, hi);
      return false;
    }
    l->mark[op] |= bit;
    if (into) g_array_append_val(into, op);
  }
  if (bit == FL_VIZ_LIN_PREFIX && a) l->n_prefix = json_array_get_length(a);
  return true;
}

/* Takes the parser (unreferenced before returning); `parsed` says whether it parsed, or
 * `inner` why not. */
static fl_viz_lin *from_parser(JsonParser *p, bool parsed, GError *inner, const char *path,
                               const fl_viz_timeline *tl, GError **error);

fl_viz_lin *fl_viz_lin_load(const char *path, const fl_viz_timeline *tl, GError **error) {
  JsonParser *p = json_parser_new();
  GError *inner = NULL;
  bool parsed = json_parser_load_from_file(p, path, &inner);
  return from_parser(p, parsed, inner, path, tl, error);
}

fl_viz_lin *fl_viz_lin_load_data(const char *json, const char *name, const fl_viz_timeline *tl,
                                 GError **error) {
  JsonParser *p = json_parser_new();
  GError *inner = NULL;
  bool parsed = json_parser_load_from_data(p, json, -1, &inner);
  return from_parser(p, parsed, inner, name, tl, error);
}

static fl_viz_lin *from_parser(JsonParser *p, bool parsed, GError *inner, const char *path,
                               const fl_viz_timeline *tl, GError **error) {
  if (!parsed) {
    g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_INPUT, "%s: expected a JSON report: %s", path,
                inner->message);
    g_error_free(inner);
    g_object_unref(p);
    return NULL;
  }
  JsonNode *root = json_parser_get_root(p);
  JsonObject *o = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
  const char *digest = o ? json_object_get_string_member_with_default(o, "digest", NULL) : NULL;
  char *want = g_strdup_printf("0x%016" G_GINT64_MODIFIER "x", tl->digest);
  if (!digest || g_strcmp0(digest, want) != 0) {
    g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_INPUT,
                "%s: expected the report of the run in %s (digest %s), found %s%s", path,
                tl->path, want, digest ? "digest " : "no digest",
                digest ? digest : "");
    g_free(want);
    g_object_unref(p);
    return NULL;
  }
  g_free(want);
  fl_viz_lin *l = g_new0(fl_viz_lin, 1);
  l->window = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  l->unplaced = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  l->mark = g_new0(uint8_t, tl->ops->len + 1);
  JsonObject *lin = json_object_has_member(o, "linearizability") &&
                            JSON_NODE_HOLDS_OBJECT(json_object_get_member(o, "linearizability"))
                        ? json_object_get_object_member(o, "linearizability") : NULL;
  l->verdict = g_strdup(lin ? json_object_get_string_member_with_default(lin, "verdict", "none")
                            : "none");
  JsonObject *ev = lin && json_object_has_member(lin, "evidence") &&
                           JSON_NODE_HOLDS_OBJECT(json_object_get_member(lin, "evidence"))
                       ? json_object_get_object_member(lin, "evidence") : NULL;
  if (ev && g_strcmp0(l->verdict, "not-linearizable") == 0) {
    l->failed = true;
    const char *key = json_object_get_string_member_with_default(ev, "key", NULL);
    l->key = key ? g_strdup(key) : NULL;
    l->timeline = g_strdup(json_object_get_string_member_with_default(ev, "timeline", ""));
    if (!ids(path, ev, "window", tl, l->window, l, FL_VIZ_LIN_WINDOW, error) ||
        !ids(path, ev, "unplaced", tl, l->unplaced, l, FL_VIZ_LIN_UNPLACED, error) ||
        !ids(path, ev, "prefix", tl, NULL, l, FL_VIZ_LIN_PREFIX, error)) {
      fl_viz_lin_free(l);
      g_object_unref(p);
      return NULL;
    }
    l->from_ns = INT64_MAX;
    l->to_ns = INT64_MIN;
    GArray *sets[] = {l->window, l->unplaced};
    for (int s = 0; s < 2; s++)
      for (guint i = 0; i < sets[s]->len; i++) {
        const fl_viz_op *op = &g_array_index(tl->ops, fl_viz_op, g_array_index(sets[s], uint32_t, i));
        l->from_ns = MIN(l->from_ns, op->invoke_ns);
        l->to_ns = MAX(l->to_ns, op->complete_ns);
      }
    if (l->from_ns > l->to_ns) l->from_ns = l->to_ns = 0;
  }
  g_object_unref(p);
  return l;
}

void fl_viz_lin_free(fl_viz_lin *l) {
  if (!l) return;
  g_array_free(l->window, TRUE);
  g_array_free(l->unplaced, TRUE);
  g_free(l->mark);
  g_free(l->verdict);
  g_free(l->key);
  g_free(l->timeline);
  g_free(l);
}
