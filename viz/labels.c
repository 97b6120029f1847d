/* labels: legend, operation and message labels, violation labels and greedy placement (see
 * labels.h). */
#include "labels.h"

#include <string.h>

#include "layout.h"
#include "fl_limits.h"
#include "status.h"

/* ---- Legend -------------------------------------------------------------------------------- */

const fl_viz_legend_entry *fl_viz_legend(size_t *n) {
  /* Role colours are the even-term shades; odd terms are drawn a shade darker (palette.h). */
  static fl_viz_legend_entry entries[] = {
      {"leader", {0, 0, 0}, FL_VIZ_SWATCH_FILL},
      {"follower", {0, 0, 0}, FL_VIZ_SWATCH_FILL},
      {"candidate", {0, 0, 0}, FL_VIZ_SWATCH_FILL},
      {"crashed", FL_VIZ_C_DOWN, FL_VIZ_SWATCH_FILL},
      {"paused", FL_VIZ_C_PAUSED, FL_VIZ_SWATCH_FILL},
      {"one-way cut", FL_VIZ_C_CUT, FL_VIZ_SWATCH_FILL},
      {"message", FL_VIZ_C_ARROW, FL_VIZ_SWATCH_LINE},
      {"client message", FL_VIZ_C_CLIENT_ARROW, FL_VIZ_SWATCH_LINE},
      {"dropped", FL_VIZ_C_DROP, FL_VIZ_SWATCH_CROSS},
      {"duplicated", FL_VIZ_C_DUP, FL_VIZ_SWATCH_LINE},
      {"in flight", FL_VIZ_C_FLIGHT, FL_VIZ_SWATCH_LINE},
      {"op ok", FL_VIZ_C_OP_OK, FL_VIZ_SWATCH_FILL},
      {"op failed", FL_VIZ_C_OP_FAIL, FL_VIZ_SWATCH_FILL},
      {"op unknown", FL_VIZ_C_OP_INFO, FL_VIZ_SWATCH_FILL},
      {"counterexample", FL_VIZ_C_LIN, FL_VIZ_SWATCH_LINE},
      {"violation", FL_VIZ_C_VIOLATION, FL_VIZ_SWATCH_LINE},
      {"network change", FL_VIZ_C_NET_CHANGE, FL_VIZ_SWATCH_LINE},
      {"annotation", FL_VIZ_C_NOTE, FL_VIZ_SWATCH_LINE},
  };
  entries[0].colour = fl_viz_role_colour(FL_ROLE_LEADER, 0);
  entries[1].colour = fl_viz_role_colour(FL_ROLE_FOLLOWER, 0);
  entries[2].colour = fl_viz_role_colour(FL_ROLE_CANDIDATE, 0);
  *n = G_N_ELEMENTS(entries);
  return entries;
}

int fl_viz_legend_cols(int width) {
  int cols = (width - 12) / FL_VIZ_LEGEND_CELL_W;
  return cols < 1 ? 1 : cols;
}

int fl_viz_legend_rows(int width) {
  size_t n;
  fl_viz_legend(&n);
  int cols = fl_viz_legend_cols(width);
  return ((int)n + cols - 1) / cols;
}

/* ---- Operations and messages --------------------------------------------------------------- */

char *fl_viz_op_label(const fl_viz_op *op) {
  GString *s = g_string_new(NULL);
  bool ok = op->outcome == FL_VIZ_OP_OK;
  switch (op->kind) {
  case 0: /* read: what it returned */
    g_string_append(s, "r");
    if (ok && op->has_result) g_string_append_printf(s, " -> %" G_GINT64_FORMAT, op->result);
    else if (ok) g_string_append(s, " -> nil");
    break;
  case 1:
    g_string_append_printf(s, "w %" G_GINT64_FORMAT, op->value);
    break;
  case 2:
    g_string_append_printf(s, "cas %" G_GINT64_FORMAT "->%" G_GINT64_FORMAT, op->expected, op->value);
    break;
  case 3:
    g_string_append_printf(s, "add %" G_GINT64_FORMAT, op->value);
    break;
  case 4:
    g_string_append(s, "acq");
    if (ok && op->has_result) g_string_append_printf(s, " -> %" G_GINT64_FORMAT, op->result);
    break;
  case 5:
    g_string_append_printf(s, "rel %" G_GINT64_FORMAT, op->value);
    break;
  default:
    g_string_append(s, "txn");
    break;
  }
  if (op->outcome == FL_VIZ_OP_INFO || op->outcome == FL_VIZ_OP_OPEN) g_string_append(s, " ?");
  else if (op->outcome == FL_VIZ_OP_FAIL) g_string_append(s, " fail");
  return g_string_free(s, FALSE);
}

char *fl_viz_msg_type(const char *desc) {
  while (desc && *desc == ' ') desc++;
  if (!desc || !*desc) return g_strdup("msg");
  size_t n = strcspn(desc, " ,:(");
  return n ? g_strndup(desc, n) : g_strdup("msg");
}

/* ---- Violations ---------------------------------------------------------------------------- */

/* Past the run's "protocol X, at T (event E): " and "invariant violated: ". */
static const char *violation_body(const char *text, bool *named) {
  const char *p = strstr(text, "invariant violated: ");
  *named = p != NULL;
  if (p) return p + strlen("invariant violated: ");
  const char *ev = strstr(text, "): ");
  if (g_str_has_prefix(text, "protocol ") && ev) return ev + 3;
  if (g_str_has_prefix(text, "at the end of the run: ")) return text + strlen("at the end of the run: ");
  return text;
}

/* Each distinct node "nK" (1 <= K <= n_nodes) that s names as a word, in order of first
 * mention: marked in `marked` and appended to `names` (either may be NULL); returns the count. */
static int each_node(const char *s, int n_nodes, bool *marked, GString *names) {
  int count = 0;
  bool *seen = g_new0(bool, n_nodes > 0 ? n_nodes : 1);
  for (const char *p = s; *p; p++) {
    if (*p != 'n' || !g_ascii_isdigit(p[1])) continue;
    if (p > s && (g_ascii_isalnum(p[-1]) || p[-1] == '_')) continue;
    char *end = NULL;
    long k = strtol(p + 1, &end, 10);
    if (g_ascii_isalnum(*end) || *end == '_') continue; /* "n2x" is not a node */
    if (k < 1 || k > n_nodes || seen[k - 1]) continue;
    seen[k - 1] = true;
    if (marked) marked[k - 1] = true;
    if (names) g_string_append_printf(names, "%sn%ld", count ? ", " : "", k);
    count++;
  }
  g_free(seen);
  return count;
}

/* A name before ": " longer than this is a sentence, not an invariant's name. */
enum { INVARIANT_NAME_MAX = 40 };

char *fl_viz_violation_label(const char *text) {
  bool named;
  const char *body = violation_body(text, &named);
  const char *colon = strstr(body, ": ");
  if (!colon || colon - body > INVARIANT_NAME_MAX) return g_strdup(body);
  GString *s = g_string_new(NULL);
  g_string_append_len(s, body, colon - body);
  GString *nodes = g_string_new(NULL);
  if (each_node(colon + 2, FL_LIMIT_NODES, NULL, nodes) > 0) g_string_append_printf(s, ": %s", nodes->str);
  g_string_free(nodes, TRUE);
  return g_string_free(s, FALSE);
}

int fl_viz_violation_nodes(const char *text, int n_nodes, bool *marked) {
  bool named;
  return each_node(violation_body(text, &named), n_nodes, marked, NULL);
}

char *fl_viz_failure_text(const fl_viz_timeline *tl, bool lin_failed) {
  GString *s = g_string_new(NULL);
  if (tl->violations->len) {
    const fl_viz_note *v = &g_array_index(tl->violations, fl_viz_note, 0);
    char *label = fl_viz_violation_label(fl_viz_text(tl, v->text));
    /* Four significant digits, as the run's own messages give times ("174.1ms"). */
    int64_t prec = 1;
    while (prec <= INT64_MAX / 10 && v->time_ns / prec >= 10000) prec *= 10;
    char *at = fl_viz_format_time(v->time_ns, prec);
    g_string_append_printf(s, "FAILED: %s at %s", label, at);
    if (tl->violations->len > 1) g_string_append_printf(s, " (+%u more)", tl->violations->len - 1);
    g_free(label);
    g_free(at);
  }
  if (lin_failed) g_string_append_printf(s, "%s", s->len ? "; not linearizable" : "FAILED: not linearizable");
  if (!s->len) {
    g_string_free(s, TRUE);
    return NULL;
  }
  return g_string_free(s, FALSE);
}

/* ---- Placement ----------------------------------------------------------------------------- */

typedef struct box {
  int x, y, w, h;
} box;

void fl_viz_placer_init(fl_viz_placer *p) { p->boxes = g_array_new(FALSE, FALSE, sizeof(box)); }

void fl_viz_placer_clear(fl_viz_placer *p) {
  if (p->boxes) g_array_free(p->boxes, TRUE);
  p->boxes = NULL;
}

void fl_viz_placer_block(fl_viz_placer *p, int x, int y, int w, int h) {
  box b = {x, y, w, h};
  g_array_append_val(p->boxes, b);
}

bool fl_viz_placer_try(fl_viz_placer *p, int x, int y, int w, int h) {
  for (guint i = 0; i < p->boxes->len; i++) {
    const box *b = &g_array_index(p->boxes, box, i);
    if (x < b->x + b->w && b->x < x + w && y < b->y + b->h && b->y < y + h) return false;
  }
  fl_viz_placer_block(p, x, y, w, h);
  return true;
}
