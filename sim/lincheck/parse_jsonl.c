/* parse_jsonl: faultline's own history, one JSON object per line (sim/history.h).
 *
 * {"index":0,"type":"invoke","process":0,"client":0,"f":"write","key":3,"value":17,"time":1500}
 *
 * Meaning: "fail" definitely did not happen (dropped with its invocation); "info" has an unknown
 * outcome. Real-time order is line order: the writer streams events as they happen. Each line is
 * parsed by json-glib, after the nesting guard (json_guard.h); its syntax errors are re-worded
 * to our FILE:LINE:COL form. */
#include "json_guard.h"
#include "lincheck_int.h"

#include <stdio.h>
#include <string.h>

static bool fail_line(const char *name, uint32_t line, uint32_t col, const char *expected,
                      const char *found, GError **error) {
  if (col)
    g_set_error(error, FL_LINCHECK_ERROR, FL_LINCHECK_ERROR_PARSE, "%s:%u:%u: expected %s, found %s",
                name, line, col, expected, found);
  else
    g_set_error(error, FL_LINCHECK_ERROR, FL_LINCHECK_ERROR_PARSE, "%s:%u: expected %s, found %s",
                name, line, expected, found);
  return false;
}

static const char *node_kind(JsonNode *n) {
  if (!n || JSON_NODE_HOLDS_NULL(n)) return "null";
  if (JSON_NODE_HOLDS_OBJECT(n)) return "an object";
  if (JSON_NODE_HOLDS_ARRAY(n)) return "an array";
  switch (json_node_get_value_type(n) == G_TYPE_INT64 ? 0 : json_node_get_value_type(n) == G_TYPE_STRING ? 1 : 2) {
  case 0: return "an integer";
  case 1: return "a string";
  default: return "a number or boolean";
  }
}

static bool to_value(fl__lincheck_builder *b, JsonNode *n, fl_lincheck_value *v, int depth) {
  memset(v, 0, sizeof *v);
  if (!n || JSON_NODE_HOLDS_NULL(n)) {
    v->kind = FL_LINCHECK_VAL_NIL;
    return true;
  }
  if (JSON_NODE_HOLDS_ARRAY(n)) {
    if (depth > 8) return false;
    JsonArray *a = json_node_get_array(n);
    uint32_t len = json_array_get_length(a);
    fl_lincheck_value *items = g_new0(fl_lincheck_value, len ? len : 1);
    bool ok = true;
    for (uint32_t k = 0; k < len && ok; k++) ok = to_value(b, json_array_get_element(a, k), &items[k], depth + 1);
    if (ok) {
      v->kind = FL_LINCHECK_VAL_LIST;
      v->n = len;
      v->items = fl__lincheck_builder_items(b, items, len);
    }
    g_free(items);
    return ok;
  }
  if (!JSON_NODE_HOLDS_VALUE(n)) return false;
  GType t = json_node_get_value_type(n);
  if (t == G_TYPE_INT64) {
    v->kind = FL_LINCHECK_VAL_INT;
    v->i = json_node_get_int(n);
    return true;
  }
  if (t == G_TYPE_BOOLEAN) {
    v->kind = FL_LINCHECK_VAL_INT;
    v->i = json_node_get_boolean(n);
    return true;
  }
  if (t == G_TYPE_STRING) {
    v->kind = FL_LINCHECK_VAL_STR;
    v->s = fl__lincheck_builder_intern(b, json_node_get_string(n));
    return true;
  }
  return false;
}

/* A non-negative integer member, or -1. */
static int64_t int_member(JsonObject *o, const char *name) {
  JsonNode *n = json_object_get_member(o, name);
  if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64) return -1;
  int64_t v = json_node_get_int(n);
  return v >= 0 ? v : -1;
}

static bool parse_object(fl__lincheck_builder *b, const char *name, uint32_t line, JsonObject *o,
                         GError **error) {
  JsonNode *type = json_object_get_member(o, "type"), *process = json_object_get_member(o, "process");
  JsonNode *f = json_object_get_member(o, "f"), *key = json_object_get_member(o, "key");
  JsonNode *value = json_object_get_member(o, "value"), *index = json_object_get_member(o, "index");
  if (!type || !JSON_NODE_HOLDS_VALUE(type) || json_node_get_value_type(type) != G_TYPE_STRING)
    return fail_line(name, line, 0, "a \"type\" string", type ? node_kind(type) : "no \"type\"", error);
  const char *t = json_node_get_string(type);
  fl__lincheck_ev ev;
  if (strcmp(t, "invoke") == 0) ev = FL__LINCHECK_EV_INVOKE;
  else if (strcmp(t, "ok") == 0) ev = FL__LINCHECK_EV_OK;
  else if (strcmp(t, "fail") == 0) ev = FL__LINCHECK_EV_DROP;
  else if (strcmp(t, "info") == 0) ev = FL__LINCHECK_EV_UNKNOWN;
  else {
    char *found = g_strdup_printf("\"%s\"", t);
    fail_line(name, line, 0, "\"type\" \"invoke\", \"ok\", \"fail\" or \"info\"", found, error);
    g_free(found);
    return false;
  }
  if (!process || !JSON_NODE_HOLDS_VALUE(process) || json_node_get_value_type(process) != G_TYPE_INT64)
    return fail_line(name, line, 0, "an integer \"process\"", process ? node_kind(process) : "no \"process\"", error);
  if (!f || !JSON_NODE_HOLDS_VALUE(f) || json_node_get_value_type(f) != G_TYPE_STRING)
    return fail_line(name, line, 0, "an \"f\" string", f ? node_kind(f) : "no \"f\"", error);
  char *key_str = NULL;
  if (key && !JSON_NODE_HOLDS_NULL(key)) {
    if (JSON_NODE_HOLDS_VALUE(key) && json_node_get_value_type(key) == G_TYPE_INT64)
      key_str = g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(key));
    else if (JSON_NODE_HOLDS_VALUE(key) && json_node_get_value_type(key) == G_TYPE_STRING)
      key_str = g_strdup(json_node_get_string(key));
    else
      return fail_line(name, line, 0, "an integer or string \"key\"", node_kind(key), error);
  }
  fl_lincheck_value v = {.kind = FL_LINCHECK_VAL_NONE};
  if (value && !to_value(b, value, &v, 0)) {
    g_free(key_str);
    return fail_line(name, line, 0, "a \"value\" of null, integers, strings and arrays", node_kind(value), error);
  }
  int64_t idx = -1;
  if (index && JSON_NODE_HOLDS_VALUE(index) && json_node_get_value_type(index) == G_TYPE_INT64)
    idx = json_node_get_int(index);
  bool ok = fl__lincheck_builder_event(b, line, idx, json_node_get_int(process), ev,
                                       json_node_get_string(f), key_str, &v, error);
  g_free(key_str);
  /* faultline's own fields, when present: they name clients, times and nodes in evidence. */
  if (ok) fl__lincheck_builder_note(b, int_member(o, "client"), int_member(o, "time"), int_member(o, "node"));
  return ok;
}

/* json-glib reports "<data>:LINE:COL: Parse error: WHAT"; keep the column and the words. */
static bool syntax_error(const char *name, uint32_t line, const char *text, const GError *jerr,
                         GError **error) {
  unsigned jl = 0, jc = 0;
  int used = 0;
  const char *msg = jerr->message;
  if (sscanf(msg, "<data>:%u:%u: %n", &jl, &jc, &used) == 2 && used > 0) msg += used;
  const char *what = strstr(msg, "Parse error: ");
  if (what) msg = what + strlen("Parse error: ");
  if (jc == 0) jc = 1;
  size_t off = jc - 1 < strlen(text) ? jc - 1 : strlen(text);
  char *found = fl__lincheck_found(text + off, text + strlen(text));
  g_set_error(error, FL_LINCHECK_ERROR, FL_LINCHECK_ERROR_PARSE,
              "%s:%u:%u: expected a JSON object (%s), found %s", name, line, jc, msg, found);
  g_free(found);
  return false;
}

fl_lincheck_history *fl__lincheck_parse_jsonl(const char *name, const char *data, size_t len,
                                              GError **error) {
  fl__lincheck_builder *b = fl__lincheck_builder_new(name, FL_LINCHECK_FORMAT_JSONL);
  JsonParser *parser = json_parser_new_immutable();
  const char *p = data, *end = data + len;
  uint32_t line = 0;
  bool ok = true;
  while (ok && p < end) {
    line++;
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol) eol = end;
    fl_json_depth_at deep;
    if (!fl_json_depth_check(p, (size_t)(eol - p), &deep)) {
      g_set_error(error, FL_LINCHECK_ERROR, FL_LINCHECK_ERROR_PARSE,
                  "%s:%u:%u: " FL_JSON_DEPTH_MESSAGE, name, line, deep.col);
      ok = false;
      break;
    }
    char *text = g_strndup(p, (gsize)(eol - p));
    p = eol + 1;
    g_strstrip(text);
    if (text[0] == '\0') {
      g_free(text);
      continue;
    }
    GError *jerr = NULL;
    if (!json_parser_load_from_data(parser, text, -1, &jerr)) {
      ok = syntax_error(name, line, text, jerr, error);
      g_error_free(jerr);
    } else {
      JsonNode *root = json_parser_get_root(parser);
      if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        ok = fail_line(name, line, 1, "a JSON object", node_kind(root), error);
      } else {
        ok = parse_object(b, name, line, json_node_get_object(root), error);
      }
    }
    g_free(text);
  }
  g_object_unref(parser);
  if (!ok) {
    fl__lincheck_builder_free(b);
    return NULL;
  }
  return fl__lincheck_builder_finish(b, "kv");
}
