/* Fuzz target "trace": the trace reader, as `faultline dump` and `viz` use it: open (header),
 * every record to the end, the digest checked against the END record, and the header read as
 * a JSON object, which both consumers do next. */
#include "fuzz_common.h"
#include "trace.h"

#include <json-glib/json-glib.h>

void fl_fuzz_setup(void) {}

fl_fuzz_outcome fl_fuzz_one(const char *path, char **why) {
  GError *error = NULL;
  fl_trace_reader *r = fl_trace_reader_open(path, &error);
  if (!r) return fl_fuzz_rejected(path, error, why);
  JsonParser *p = json_parser_new();
  (void)json_parser_load_from_data(p, fl_trace_reader_meta(r), -1, NULL);
  g_object_unref(p);
  fl_trace_rec rec;
  size_t text = 0;
  bool ended = false;
  while (fl_trace_reader_next(r, &rec, &error)) {
    /* Touch what the record points to, as dump prints it: a sanitizer sees a bad pointer. */
    if (rec.text) text += strlen(rec.text);
    for (int32_t i = 0; i < rec.n_groups; i++) text += (size_t)(rec.groups[i] & 1);
    if (rec.kind == FL_TR_END) ended = rec.digest == fl_trace_reader_digest(r);
  }
  fl_trace_reader_free(r);
  (void)text;
  if (error) return fl_fuzz_rejected(path, error, why);
  return ended ? FL_FUZZ_ACCEPTED : FL_FUZZ_REJECTED;
}
