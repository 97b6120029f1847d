/* json_guard: what every reader of untrusted JSON checks around json-glib.
 *
 * Before parsing, the nesting depth. json-glib's parser recurses once per nested array or
 * object, with no limit of its own: a document of 100,000 '[' (200 KB) overflows the stack.
 * Every reader of untrusted JSON (history lines, trace headers, reports) runs this scan first
 * and refuses text nested deeper than FL_LIMIT_JSON_DEPTH (sim/fl_limits.h) with its own
 * position prefix and FL_JSON_DEPTH_MESSAGE.
 *
 * After parsing, member types: json-glib's typed getters (json_object_get_int_member and kin)
 * print Json-CRITICAL and return 0 for a member of another type, so readers get members through
 * fl_json_member, which says what was found instead.
 *
 * It lives in fl_lincheck, the library every other one links (fl_core and fl_viz link it
 * through fl_core), so that the history parser, the trace reader and the visualiser share it
 * without a dependency circle. It depends on json-glib only.
 */
#ifndef FL_JSON_GUARD_H
#define FL_JSON_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-glib/json-glib.h>

#include "fl_limits.h"

#define FL__JSON_DEPTH_STR2(x) #x
#define FL__JSON_DEPTH_STR(x) FL__JSON_DEPTH_STR2(x)
/* The words of the error, after the caller's "FILE:LINE:COL: ". */
#define FL_JSON_DEPTH_MESSAGE                                                                  \
  "expected arrays and objects nested at most " FL__JSON_DEPTH_STR(FL_LIMIT_JSON_DEPTH)       \
  " deep, found one nested deeper"

/* Where the first bracket that opens one level too many is. */
typedef struct fl_json_depth_at {
  size_t offset;      /* bytes from the start of the text */
  uint32_t line, col; /* 1-based; the column counts bytes */
} fl_json_depth_at;

/* True when no array or object in text[0, len) is nested deeper than FL_LIMIT_JSON_DEPTH (the
 * text need not be valid JSON: json-glib reports its syntax errors). Otherwise false, and *at
 * (when not NULL) says where the limit is crossed. `text` is borrowed for the call. */
bool fl_json_depth_check(const char *text, size_t len, fl_json_depth_at *at);

/* What a node holds, for "found ..." in messages: "an object", "an array", "null", "an
 * integer", "a number", "a string", "a boolean"; NULL (no node) is "nothing". Static text. */
const char *fl_json_kind(JsonNode *n);

typedef enum fl_json_type {
  FL_JSON_INT,    /* an integer */
  FL_JSON_STRING, /* a string */
  FL_JSON_ARRAY,  /* an array */
  FL_JSON_OBJECT  /* an object */
} fl_json_type;

/* "an integer", "a string", "an array", "an object": what was expected, for messages. */
const char *fl_json_type_name(fl_json_type t);

/* Member `name` of `o`, expected to hold `want`. True with *out the member, or *out NULL when
 * it is absent or null and `optional`. Otherwise false, with *found what is there instead:
 * fl_json_kind of the member, or "no such member". Nothing is allocated; *out is borrowed from
 * `o`. */
bool fl_json_member(JsonObject *o, const char *name, fl_json_type want, bool optional,
                    JsonNode **out, const char **found);

#endif
