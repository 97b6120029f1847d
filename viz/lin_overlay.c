/* lin_overlay: reading a report's linearizability evidence (see lin_overlay.h).
 *
 * A report is input like any other: its nesting is checked before json-glib parses it, and every
 * member read is checked for its type first (json-glib's getters would print Json-CRITICAL and
 * carry on with 0 or NULL). */
#include "lin_overlay.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "lincheck/json_guard.h"

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

/* A report member of the wrong type: "REPORT: MEMBER: expected WHAT, found KIND". */
static bool bad_member(const char *path, const char *member, const char *what, const char *kind,
                       GError **error) {
  g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_INPUT, "%s: %s: expected %s, found %s", path,
              member, what, kind);
  return false;
}

/* Optional member `name` of `o` (NULL if absent or null) of type `want`; the error names the
 * member by its path from the report's root. */
static bool member(const char *path, JsonObject *o, const char *prefix, const char *name,
                   fl_json_type want, JsonNode **out, GError **error) {
  const char *kind;
  if (fl_json_member(o, name, want, true, out, &kind)) return true;
  char *at = g_strconcat(prefix, name, NULL);
  bad_member(path, at, fl_json_type_name(want), kind, error);
  g_free(at);
  return false;
}

static bool ids(const char *path, JsonObject *ev, const char *name, const fl_viz_timeline *tl,
                GArray *into, fl_viz_lin *l, uint8_t bit, GError **error) {
  JsonNode *n;
  if (!member(path, ev, "linearizability.evidence.", name, FL_JSON_ARRAY, &n, error)) return false;
  JsonArray *a = n ? json_node_get_array(n) : NULL;
  for (guint i = 0; a && i < json_array_get_length(a); i++) {
    JsonNode *e = json_array_get_element(a, i);
    if (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_INT64) {
      char *at = g_strdup_printf("linearizability.evidence.%s[%u]", name, i);
      bad_member(path, at, "an integer", fl_json_kind(e), error);
      g_free(at);
      return false;
    }
    int64_t hi = json_node_get_int(e);
    uint32_t op;
    if (!op_of(tl, hi, &op)) {
      g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_INPUT,
                  "%s: linearizability.evidence.%s: expected the history index of an operation "
                  "invoked in %s, found %" G_GINT64_FORMAT, path, name, tl->path, hi);
      return false;
    }
    l->mark[op] |= bit;
    if (into) g_array_append_val(into, op);
  }
  if (bit == FL_VIZ_LIN_PREFIX && a) l->n_prefix = json_array_get_length(a);
  return true;
}

/* Parses a report's text: nesting checked first (json_guard.h), then json-glib. */
static fl_viz_lin *from_text(const char *text, size_t len, const char *path,
                             const fl_viz_timeline *tl, GError **error);

fl_viz_lin *fl_viz_lin_load(const char *path, const fl_viz_timeline *tl, GError **error) {
  char *text = NULL;
  gsize len = 0;
  GError *inner = NULL;
  if (!g_file_get_contents(path, &text, &len, &inner)) {
    g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_IO, "%s: cannot read: %s", path, inner->message);
    g_error_free(inner);
    return NULL;
  }
  fl_viz_lin *l = from_text(text, len, path, tl, error);
  g_free(text);
  return l;
}

fl_viz_lin *fl_viz_lin_load_data(const char *json, const char *name, const fl_viz_timeline *tl,
                                 GError **error) {
  return from_text(json, strlen(json), name, tl, error);
}

static fl_viz_lin *from_parser(JsonParser *p, const char *path, const fl_viz_timeline *tl,
                               GError **error);

static fl_viz_lin *from_text(const char *text, size_t len, const char *path,
                             const fl_viz_timeline *tl, GError **error) {
  fl_json_depth_at deep;
  if (!fl_json_depth_check(text, len, &deep)) {
    g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_INPUT, "%s:%u:%u: " FL_JSON_DEPTH_MESSAGE, path,
                deep.line, deep.col);
    return NULL;
  }
  JsonParser *p = json_parser_new_immutable();
  GError *inner = NULL;
  if (!json_parser_load_from_data(p, text, (gssize)len, &inner)) {
    g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_INPUT, "%s: expected a JSON report: %s", path,
                inner->message);
    g_error_free(inner);
    g_object_unref(p);
    return NULL;
  }
  fl_viz_lin *l = from_parser(p, path, tl, error);
  g_object_unref(p);
  return l;
}

static fl_viz_lin *from_parser(JsonParser *p, const char *path, const fl_viz_timeline *tl,
                               GError **error) {
  JsonNode *root = json_parser_get_root(p);
  JsonObject *o = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
  JsonNode *dn = NULL;
  if (o && !member(path, o, "", "digest", FL_JSON_STRING, &dn, error)) return NULL;
  const char *digest = dn ? json_node_get_string(dn) : NULL;
  char *want = g_strdup_printf("0x%016" G_GINT64_MODIFIER "x", tl->digest);
  if (!digest || g_strcmp0(digest, want) != 0) {
    g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_INPUT,
                "%s: expected the report of the run in %s (digest %s), found %s%s", path,
                tl->path, want, digest ? "digest " : "no digest",
                digest ? digest : "");
    g_free(want);
    return NULL;
  }
  g_free(want);
  JsonNode *lin_n, *ev_n = NULL, *verdict_n = NULL, *key_n = NULL, *timeline_n = NULL;
  if (!member(path, o, "", "linearizability", FL_JSON_OBJECT, &lin_n, error)) return NULL;
  JsonObject *lin = lin_n ? json_node_get_object(lin_n) : NULL;
  if (lin && (!member(path, lin, "linearizability.", "verdict", FL_JSON_STRING, &verdict_n, error) ||
              !member(path, lin, "linearizability.", "evidence", FL_JSON_OBJECT, &ev_n, error)))
    return NULL;
  JsonObject *ev = ev_n ? json_node_get_object(ev_n) : NULL;
  if (ev && (!member(path, ev, "linearizability.evidence.", "key", FL_JSON_STRING, &key_n, error) ||
             !member(path, ev, "linearizability.evidence.", "timeline", FL_JSON_STRING,
                     &timeline_n, error)))
    return NULL;
  fl_viz_lin *l = g_new0(fl_viz_lin, 1);
  l->window = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  l->unplaced = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  l->mark = g_new0(uint8_t, tl->ops->len + 1);
  l->verdict = g_strdup(verdict_n ? json_node_get_string(verdict_n) : "none");
  if (ev && g_strcmp0(l->verdict, "not-linearizable") == 0) {
    l->failed = true;
    l->key = key_n ? g_strdup(json_node_get_string(key_n)) : NULL;
    l->timeline = g_strdup(timeline_n ? json_node_get_string(timeline_n) : "");
    if (!ids(path, ev, "window", tl, l->window, l, FL_VIZ_LIN_WINDOW, error) ||
        !ids(path, ev, "unplaced", tl, l->unplaced, l, FL_VIZ_LIN_UNPLACED, error) ||
        !ids(path, ev, "prefix", tl, NULL, l, FL_VIZ_LIN_PREFIX, error)) {
      fl_viz_lin_free(l);
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
