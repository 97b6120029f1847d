/* json_depth: the nesting guard (see json_guard.h).
 *
 * One pass, no allocation: brackets are counted outside double-quoted strings, a backslash
 * escaping the byte after it. The count must never be lower than the depth json-glib will
 * reach, and json-glib accepts more than JSON: single-quoted strings and C comments, whose
 * quotes this scan would misread (a '"' inside a comment would hide every bracket after it). So
 * from the first ' or / outside a string, where the text stops being JSON, the scan stops
 * trusting its reading of strings and counts every opening bracket and no closing one: an
 * upper bound of json-glib's depth. JSON text is measured exactly; text that is not JSON can
 * only be refused early, never let through deeper than the limit. */
#include "json_guard.h"

bool fl_json_depth_check(const char *text, size_t len, fl_json_depth_at *at) {
  uint32_t depth = 0, line = 1;
  size_t line_start = 0;
  bool json = true, in_string = false, escaped = false;
  for (size_t i = 0; i < len; i++) {
    char ch = text[i];
    if (ch == '\n') {
      line++;
      line_start = i + 1;
    }
    if (!json) {
      if (ch == '[' || ch == '{') depth++;
    } else if (in_string) {
      if (escaped) escaped = false;
      else if (ch == '\\') escaped = true;
      else if (ch == '"') in_string = false;
      continue;
    } else if (ch == '"') {
      in_string = true;
    } else if (ch == '\'' || ch == '/') {
      json = false;
    } else if (ch == '[' || ch == '{') {
      depth++;
    } else if ((ch == ']' || ch == '}') && depth > 0) {
      depth--;
    }
    if (depth > FL_LIMIT_JSON_DEPTH) {
      if (at)
        *at = (fl_json_depth_at){.offset = i, .line = line, .col = (uint32_t)(i - line_start) + 1};
      return false;
    }
  }
  return true;
}

const char *fl_json_kind(JsonNode *n) {
  if (!n) return "nothing";
  switch (JSON_NODE_TYPE(n)) {
  case JSON_NODE_OBJECT: return "an object";
  case JSON_NODE_ARRAY: return "an array";
  case JSON_NODE_NULL: return "null";
  case JSON_NODE_VALUE: break;
  }
  GType t = json_node_get_value_type(n);
  if (t == G_TYPE_INT64) return "an integer";
  if (t == G_TYPE_DOUBLE) return "a number";
  if (t == G_TYPE_STRING) return "a string";
  if (t == G_TYPE_BOOLEAN) return "a boolean";
  return "a value";
}

const char *fl_json_type_name(fl_json_type t) {
  switch (t) {
  case FL_JSON_INT: return "an integer";
  case FL_JSON_STRING: return "a string";
  case FL_JSON_ARRAY: return "an array";
  case FL_JSON_OBJECT: return "an object";
  }
  return "?";
}

static bool holds(JsonNode *n, fl_json_type t) {
  switch (t) {
  case FL_JSON_INT: return JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_INT64;
  case FL_JSON_STRING: return JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING;
  case FL_JSON_ARRAY: return JSON_NODE_HOLDS_ARRAY(n);
  case FL_JSON_OBJECT: return JSON_NODE_HOLDS_OBJECT(n);
  }
  return false;
}

bool fl_json_member(JsonObject *o, const char *name, fl_json_type want, bool optional,
                    JsonNode **out, const char **found) {
  JsonNode *n = json_object_get_member(o, name);
  *out = NULL;
  *found = NULL;
  if (n && holds(n, want)) {
    *out = n;
    return true;
  }
  if (optional && (!n || JSON_NODE_HOLDS_NULL(n))) return true;
  *found = n ? fl_json_kind(n) : "no such member";
  return false;
}
