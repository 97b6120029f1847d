/* faultline dump: a trace as text, one line per record, and the check of its digest. */
#include "cli.h"
#include "fl_limits.h"
#include "lincheck/json_guard.h"
#include "trace.h"
#include "units.h"

#include <stdio.h>
#include <string.h>
#include <json-glib/json-glib.h>

static const char *reason_names[] = {"loss", "partition", "cut", "crashed"};
static const char *op_names[] = {"read", "write", "cas"};
static const char *outcome_names[] = {"invoke", "ok", "fail", "info"};

/* n1..nN for nodes, c1..cM for clients, from the header's node count (checked to be 1 to
 * FL_LIMIT_NODES, so the subtraction cannot overflow). */
static void name(GString *out, int64_t nodes, int32_t e) {
  if (e < nodes) g_string_append_printf(out, "n%d", e + 1);
  else g_string_append_printf(out, "c%" G_GINT64_FORMAT, e - nodes + 1);
}

void fl_cli_dump_line(GString *l, int64_t nodes, const fl_trace_rec *r) {
  g_string_truncate(l, 0);
  GString *t = g_string_new(NULL);
  fl_format_duration(t, r->time_ns);
  g_string_append_printf(l, "%12s %-9s ", t->str, fl_trace_kind_name(r->kind));
  g_string_free(t, TRUE);
  switch (r->kind) {
  case FL_TR_SEND:
  case FL_TR_DELIVER:
  case FL_TR_DROP:
  case FL_TR_DUPLICATE:
    g_string_append_printf(l, "#%" G_GUINT64_FORMAT " ", r->msg_id);
    name(l, nodes, r->src);
    g_string_append(l, "->");
    name(l, nodes, r->dst);
    if (r->kind == FL_TR_SEND)
      g_string_append_printf(l, " (%" G_GUINT64_FORMAT " B) %s", r->len, r->text);
    if (r->kind == FL_TR_DROP)
      g_string_append_printf(l, " (%s)", r->tag < 4 ? reason_names[r->tag] : "?");
    break;
  case FL_TR_TIMER:
    name(l, nodes, r->node);
    g_string_append_printf(l, " tag %" G_GUINT64_FORMAT, r->tag);
    break;
  case FL_TR_CRASH:
  case FL_TR_RESTART:
  case FL_TR_PAUSE:
  case FL_TR_RESUME:
    name(l, nodes, r->node);
    break;
  case FL_TR_PARTITION:
    for (int32_t i = 0; i < r->n_groups; i++) {
      name(l, nodes, i);
      g_string_append_printf(l, ":%d ", r->groups[i]);
    }
    break;
  case FL_TR_CUT:
    name(l, nodes, r->src);
    g_string_append(l, "->");
    name(l, nodes, r->dst);
    g_string_append(l, r->tag ? " cut" : " repaired");
    break;
  case FL_TR_INVOKE:
    name(l, nodes, r->node);
    g_string_append_printf(l, " p%" G_GUINT64_FORMAT " #%" G_GUINT64_FORMAT " %s k%" G_GINT64_FORMAT,
                           r->process, r->seq, r->op_kind >= 0 && r->op_kind < 3 ? op_names[r->op_kind] : "?",
                           r->key);
    if (r->op_kind == 1) g_string_append_printf(l, " = %" G_GINT64_FORMAT, r->value);
    if (r->op_kind == 2)
      g_string_append_printf(l, " %" G_GINT64_FORMAT " -> %" G_GINT64_FORMAT, r->expected, r->value);
    g_string_append(l, " to ");
    name(l, nodes, r->dst);
    break;
  case FL_TR_COMPLETE:
    name(l, nodes, r->node);
    g_string_append_printf(l, " p%" G_GUINT64_FORMAT " #%" G_GUINT64_FORMAT " %s", r->process,
                           r->seq, r->outcome >= 0 && r->outcome < 4 ? outcome_names[r->outcome] : "?");
    if (r->has_value) g_string_append_printf(l, " %" G_GINT64_FORMAT, r->value);
    break;
  case FL_TR_ANNOTATE:
  case FL_TR_STATE:
    name(l, nodes, r->node);
    g_string_append_printf(l, " %s", r->text);
    break;
  case FL_TR_NET_CHANGE:
  case FL_TR_VIOLATION:
    g_string_append(l, r->text);
    break;
  case FL_TR_STATUS: { /* "n1 leader term=3 leader=n1 commit=12 applied=11" */
    const fl_node_status *st = &r->status;
    name(l, nodes, r->node);
    g_string_append_printf(l, " %s", fl_role_name(st->role));
    if (st->word[0]) g_string_append_printf(l, " (%s)", st->word);
    if (st->term_kind != FL_TERM_NONE)
      g_string_append_printf(l, " %s=%" G_GUINT64_FORMAT, fl_term_name(st->term_kind), st->term);
    g_string_append(l, " leader=");
    if (st->leader >= 0) name(l, nodes, st->leader);
    else g_string_append(l, "none");
    if (st->has_commit) g_string_append_printf(l, " commit=%" G_GUINT64_FORMAT, st->commit);
    if (st->has_applied) g_string_append_printf(l, " applied=%" G_GUINT64_FORMAT, st->applied);
    break;
  }
  case FL_TR_END:
    g_string_append_printf(l, "digest 0x%016" G_GINT64_MODIFIER "x", r->digest);
    break;
  default:
    break;
  }
}

/* The header's node count, which names every endpoint. The header's nesting was checked by the
 * trace reader (json_guard.h). */
static bool header_nodes(const char *path, const char *meta, int64_t *nodes, GError **error) {
  JsonParser *p = json_parser_new_immutable();
  JsonNode *root = *meta && json_parser_load_from_data(p, meta, -1, NULL) ? json_parser_get_root(p)
                                                                          : NULL;
  JsonNode *n = NULL;
  const char *kind = NULL;
  bool ok = false;
  if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
    size_t len = strlen(meta);
    if (!len) g_set_error(error, FL_TRACE_ERROR, FL_TRACE_ERROR_FORMAT,
                          "%s: header: expected a JSON object, found an empty header", path);
    else g_set_error(error, FL_TRACE_ERROR, FL_TRACE_ERROR_FORMAT,
                     "%s: header: expected a JSON object, found '%.*s%s'", path,
                     (int)MIN(len, 60), meta, len > 60 ? "..." : "");
  } else if (!fl_json_member(json_node_get_object(root), "nodes", FL_JSON_INT, false, &n, &kind) ||
             json_node_get_int(n) < 1 || json_node_get_int(n) > FL_LIMIT_NODES) {
    char *found = kind ? g_strdup(kind) : g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(n));
    g_set_error(error, FL_TRACE_ERROR, FL_TRACE_ERROR_FORMAT,
                "%s: header.nodes: expected an integer from 1 to %d, found %s", path,
                FL_LIMIT_NODES, found);
    g_free(found);
  } else {
    *nodes = json_node_get_int(n);
    ok = true;
  }
  g_object_unref(p);
  return ok;
}

int fl_cli_dump(int argc, char **argv) {
  GOptionContext *oc = g_option_context_new("TRACE - print a trace as text and verify its digest");
  GError *error = NULL;
  int rc = 2;
  fl_trace_reader *r = NULL;
  if (!g_option_context_parse(oc, &argc, &argv, &error) || argc != 2) {
    fprintf(stderr, "faultline dump: %s\n", error ? error->message : "expected one trace file");
    goto out;
  }
  r = fl_trace_reader_open(argv[1], &error);
  if (!r) {
    fprintf(stderr, "%s\n", error->message);
    goto out;
  }
  int64_t nodes = 0;
  if (!header_nodes(argv[1], fl_trace_reader_meta(r), &nodes, &error)) {
    fprintf(stderr, "%s\n", error->message);
    goto out;
  }
  printf("# %s\n", fl_trace_reader_meta(r));
  fl_trace_rec rec;
  GString *l = g_string_new(NULL);
  bool ended = false;
  uint64_t expected = 0, got = 0;
  while (fl_trace_reader_next(r, &rec, &error)) {
    if (rec.kind == FL_TR_END) {
      ended = true;
      expected = rec.digest;
      got = fl_trace_reader_digest(r);
    }
    fl_cli_dump_line(l, nodes, &rec);
    printf("%s\n", l->str);
  }
  g_string_free(l, TRUE);
  if (error) {
    fprintf(stderr, "%s\n", error->message);
    goto out;
  }
  if (!ended) {
    fprintf(stderr, "%s: trace is truncated (no end record)\n", argv[1]);
    rc = 1;
  } else if (expected != got) {
    fprintf(stderr, "%s: digest mismatch: the end record says 0x%016" G_GINT64_MODIFIER
            "x, the records hash to 0x%016" G_GINT64_MODIFIER "x\n", argv[1], expected, got);
    rc = 1;
  } else {
    printf("digest 0x%016" G_GINT64_MODIFIER "x verified\n", got);
    rc = 0;
  }
out:
  fl_trace_reader_free(r);
  g_clear_error(&error);
  g_option_context_free(oc);
  return rc;
}
