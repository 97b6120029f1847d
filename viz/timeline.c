/* timeline: loading a trace into the visualiser's arrays (see timeline.h).
 *
 * One pass, records in order: time never goes back, so every per-lane time array is sorted as
 * it is appended. Message ends (deliver, drop) are collected per end and laid out as arrows
 * after the pass with a counting sort on the message index, which keeps arrows in send order
 * without a comparison sort (a trace of 10^6 events loads in a few hundred milliseconds).
 * Message ids are looked up in a small open-addressing table of our own: GHashTable would
 * allocate a key per message.
 */
#include "timeline.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "lincheck/json_guard.h"
#include "trace.h"

G_DEFINE_QUARK(fl-viz-error-quark, fl_viz_error)

#define MAX_ROLES 64

/* ---- Sorted time arrays. */

static void times_push(fl_viz_times *ts, int64_t t) {
  if (ts->n == ts->cap) {
    ts->cap = ts->cap ? ts->cap * 2 : 256;
    ts->t = g_renew(int64_t, ts->t, ts->cap);
  }
  ts->t[ts->n++] = t;
}

size_t fl_viz_times_lower(const fl_viz_times *ts, int64_t t) {
  size_t lo = 0, hi = ts->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (ts->t[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

size_t fl_viz_times_count(const fl_viz_times *ts, int64_t from_ns, int64_t to_ns) {
  if (to_ns <= from_ns) return 0;
  return fl_viz_times_lower(ts, to_ns) - fl_viz_times_lower(ts, from_ns);
}

/* ---- Message ids to message indices: linear probing, power-of-two capacity. */

typedef struct idmap {
  uint64_t *key; /* 0 = empty (ids are stored + 1, so id 0 is fine too) */
  uint32_t *val;
  size_t cap, n;
} idmap;

static size_t id_slot(const idmap *m, uint64_t key) {
  uint64_t h = key * 0x9e3779b97f4a7c15ULL;
  size_t i = (size_t)(h >> 17) & (m->cap - 1);
  while (m->key[i] != 0 && m->key[i] != key) i = (i + 1) & (m->cap - 1);
  return i;
}

static void id_put(idmap *m, uint64_t id, uint32_t val) {
  if ((m->n + 1) * 2 > m->cap) {
    idmap big = {.cap = m->cap ? m->cap * 2 : 4096};
    big.key = g_new0(uint64_t, big.cap);
    big.val = g_new0(uint32_t, big.cap);
    for (size_t i = 0; i < m->cap; i++)
      if (m->key[i]) {
        size_t j = id_slot(&big, m->key[i]);
        big.key[j] = m->key[i];
        big.val[j] = m->val[i];
        big.n++;
      }
    g_free(m->key);
    g_free(m->val);
    *m = big;
  }
  size_t i = id_slot(m, id + 1);
  if (!m->key[i]) m->n++;
  m->key[i] = id + 1;
  m->val[i] = val;
}

static bool id_get(const idmap *m, uint64_t id, uint32_t *val) {
  if (!m->cap) return false;
  size_t i = id_slot(m, id + 1);
  if (!m->key[i]) return false;
  *val = m->val[i];
  return true;
}

/* ---- Role spans. */

char *fl_viz_role_label(const fl_viz_timeline *tl, const fl_viz_role_span *sp) {
  const char *name = g_ptr_array_index(tl->role_names, sp->label);
  if (sp->term < 0) return g_strdup(name);
  return g_strdup_printf("%s %s %" G_GINT64_FORMAT, name, fl_term_name(sp->term_kind), sp->term);
}

/* ---- Loading. */

typedef struct end_rec {
  int64_t time_ns;
  uint32_t msg;
  uint8_t kind, reason;
} end_rec;

typedef struct loader {
  fl_viz_timeline *tl;
  const char *path;
  idmap ids;
  GArray *ends;        /* end_rec, in trace order */
  GArray *open_ops;    /* uint32 op index + 1 by process, 0 = none */
  int64_t *down_since, *paused_since; /* per lane, -1 when up / running */
  int64_t *cut_since;  /* per (src, dst) lane pair, -1 when not cut; NULL when too many lanes */
  int64_t hist_count;  /* invokes and completions so far */
  size_t record;
} loader;

static bool bad(loader *ld, const fl_trace_rec *r, GError **error, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
static bool bad(loader *ld, const fl_trace_rec *r, GError **error, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *what = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  char *t = fl_viz_format_time(r->time_ns, 0);
  g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_INPUT, "%s: record %zu (%s, at %s): %s",
              ld->path, ld->record + 1, fl_trace_kind_name(r->kind), t, what);
  g_free(t);
  g_free(what);
  return false;
}

static bool lane_ok(loader *ld, const fl_trace_rec *r, int32_t e, GError **error) {
  if (e >= 0 && e < ld->tl->n_lanes) return true;
  return bad(ld, r, error, "expected an endpoint below %d (the header's nodes and clients), "
                           "found %d", ld->tl->n_lanes, e);
}

static bool node_ok(loader *ld, const fl_trace_rec *r, int32_t e, GError **error) {
  if (e >= 0 && e < ld->tl->n_nodes) return true;
  return bad(ld, r, error, "expected a node below %d, found endpoint %d", ld->tl->n_nodes, e);
}

static uint64_t pool_add(fl_viz_timeline *tl, const char *s) {
  uint64_t off = tl->text->len;
  g_string_append(tl->text, s ? s : "");
  g_string_append_c(tl->text, '\0');
  return off;
}

static int32_t role_index(fl_viz_timeline *tl, const char *role) {
  for (guint i = 0; i < tl->role_names->len; i++)
    if (strcmp(g_ptr_array_index(tl->role_names, i), role) == 0) return (int32_t)i;
  if (tl->role_names->len >= MAX_ROLES) return MAX_ROLES - 1;
  g_ptr_array_add(tl->role_names, g_strdup(role));
  return (int32_t)tl->role_names->len - 1;
}

static void push_event(loader *ld, const fl_trace_rec *r, int32_t lane, uint64_t ref) {
  fl_viz_event ev = {.time_ns = r->time_ns, .ref = ref, .lane = lane, .kind = (uint8_t)r->kind};
  g_array_append_val(ld->tl->events, ev);
}

static void mark_fault(loader *ld) {
  uint32_t i = ld->tl->events->len - 1;
  g_array_append_val(ld->tl->faults, i);
}

static void close_span(GArray *spans, int64_t *since, int32_t lane, int32_t aux, int64_t t) {
  if (*since < 0) return;
  fl_viz_span s = {.from_ns = *since, .to_ns = t, .lane = lane, .aux = aux};
  g_array_append_val(spans, s);
  *since = -1;
}

/* Drops come in bursts (a partition drops every message across it); a drop is a fault
 * worth jumping to when no drop happened in the 100 ms before it. */
#define DROP_BURST_GAP_NS 100000000LL

static bool take(loader *ld, const fl_trace_rec *r, int64_t *last_drop, GError **error) {
  fl_viz_timeline *tl = ld->tl;
  switch (r->kind) {
  case FL_TR_SEND: {
    if (!lane_ok(ld, r, r->src, error) || !lane_ok(ld, r, r->dst, error)) return false;
    uint32_t dummy;
    if (id_get(&ld->ids, r->msg_id, &dummy))
      return bad(ld, r, error, "expected a new message id, found #%" G_GUINT64_FORMAT
                 " sent before", r->msg_id);
    fl_viz_msg m = {.send_ns = r->time_ns, .dup_ns = -1, .id = r->msg_id,
                    .desc = pool_add(tl, r->text), .len = r->len, .src = r->src, .dst = r->dst};
    id_put(&ld->ids, r->msg_id, tl->msgs->len);
    g_array_append_val(tl->msgs, m);
    times_push(&tl->lanes[r->src].activity, r->time_ns);
    push_event(ld, r, r->src, tl->msgs->len - 1);
    return true;
  }
  case FL_TR_DELIVER:
  case FL_TR_DROP:
  case FL_TR_DUPLICATE: {
    uint32_t mi;
    if (!id_get(&ld->ids, r->msg_id, &mi))
      return bad(ld, r, error, "expected the id of a message sent before, found #%" G_GUINT64_FORMAT,
                 r->msg_id);
    fl_viz_msg *m = &g_array_index(tl->msgs, fl_viz_msg, mi);
    if (r->kind == FL_TR_DUPLICATE) {
      if (m->dup_ns < 0) m->dup_ns = r->time_ns;
      push_event(ld, r, m->src, mi);
      return true;
    }
    end_rec e = {.time_ns = r->time_ns, .msg = mi, .kind = r->kind == FL_TR_DELIVER ?
                 FL_VIZ_END_DELIVER : FL_VIZ_END_DROP, .reason = (uint8_t)MIN(r->tag, 255)};
    g_array_append_val(ld->ends, e);
    push_event(ld, r, m->dst, ld->ends->len - 1);
    if (r->kind == FL_TR_DELIVER) {
      times_push(&tl->lanes[m->dst].activity, r->time_ns);
    } else {
      times_push(&tl->lanes[m->dst].drops, r->time_ns);
      if (*last_drop < 0 || r->time_ns - *last_drop > DROP_BURST_GAP_NS) mark_fault(ld);
      *last_drop = r->time_ns;
    }
    return true;
  }
  case FL_TR_TIMER:
    if (!lane_ok(ld, r, r->node, error)) return false;
    times_push(&tl->lanes[r->node].timers, r->time_ns);
    push_event(ld, r, r->node, r->tag);
    return true;
  case FL_TR_CRASH:
  case FL_TR_RESTART:
  case FL_TR_PAUSE:
  case FL_TR_RESUME: {
    if (!node_ok(ld, r, r->node, error)) return false;
    int32_t n = r->node;
    if (r->kind == FL_TR_CRASH) {
      close_span(tl->paused, &ld->paused_since[n], n, 0, r->time_ns);
      if (ld->down_since[n] < 0) ld->down_since[n] = r->time_ns;
    } else if (r->kind == FL_TR_RESTART) {
      close_span(tl->down, &ld->down_since[n], n, 0, r->time_ns);
    } else if (r->kind == FL_TR_PAUSE) {
      if (ld->paused_since[n] < 0) ld->paused_since[n] = r->time_ns;
    } else {
      close_span(tl->paused, &ld->paused_since[n], n, 0, r->time_ns);
    }
    push_event(ld, r, n, 0);
    mark_fault(ld);
    return true;
  }
  case FL_TR_PARTITION:
  case FL_TR_HEAL: {
    guint np = tl->partitions->len;
    fl_viz_partition *last = np ? &g_array_index(tl->partitions, fl_viz_partition, np - 1) : NULL;
    if (last && last->to_ns < 0) last->to_ns = r->time_ns;
    if (r->kind == FL_TR_PARTITION) {
      if (r->n_groups > tl->n_lanes)
        return bad(ld, r, error, "expected at most %d endpoints, found %d", tl->n_lanes,
                   r->n_groups);
      fl_viz_partition p = {.from_ns = r->time_ns, .to_ns = -1,
                            .group = g_new(int32_t, tl->n_lanes)};
      for (int i = 0; i < tl->n_lanes; i++) p.group[i] = i < r->n_groups ? r->groups[i] : -1;
      g_array_append_val(tl->partitions, p);
    }
    push_event(ld, r, -1, r->kind == FL_TR_PARTITION ? tl->partitions->len - 1 : np - (np > 0));
    mark_fault(ld);
    return true;
  }
  case FL_TR_CUT: {
    if (!lane_ok(ld, r, r->src, error) || !lane_ok(ld, r, r->dst, error)) return false;
    int64_t scratch = -1;
    int64_t *since = ld->cut_since ? &ld->cut_since[(size_t)r->src * (size_t)tl->n_lanes +
                                                    (size_t)r->dst] : &scratch;
    if (r->tag) {
      if (*since < 0) *since = r->time_ns;
    } else {
      close_span(tl->cuts, since, r->src, r->dst, r->time_ns);
    }
    push_event(ld, r, r->src, ((uint64_t)r->dst << 1) | (r->tag ? 1u : 0u));
    mark_fault(ld);
    return true;
  }
  case FL_TR_NET_CHANGE:
  case FL_TR_VIOLATION:
  case FL_TR_ANNOTATE: {
    if (r->kind == FL_TR_ANNOTATE && !lane_ok(ld, r, r->node, error)) return false;
    fl_viz_note n = {.time_ns = r->time_ns, .lane = r->kind == FL_TR_ANNOTATE ? r->node : -1,
                     .text = pool_add(tl, r->text)};
    GArray *into = r->kind == FL_TR_NET_CHANGE ? tl->net_changes
                   : r->kind == FL_TR_VIOLATION ? tl->violations : tl->notes;
    g_array_append_val(into, n);
    if (r->kind == FL_TR_ANNOTATE) {
      uint32_t idx = into->len - 1;
      times_push(&tl->lanes[r->node].note_times, r->time_ns);
      g_array_append_val(tl->lanes[r->node].note_idx, idx);
    }
    push_event(ld, r, n.lane, into->len - 1);
    if (r->kind == FL_TR_NET_CHANGE) mark_fault(ld);
    return true;
  }
  case FL_TR_STATE: {
    if (!lane_ok(ld, r, r->node, error)) return false;
    fl_viz_lane *lane = &tl->lanes[r->node];
    fl_viz_state s = {.from_ns = r->time_ns, .text = pool_add(tl, r->text)};
    g_array_append_val(lane->states, s);
    push_event(ld, r, r->node, lane->states->len - 1);
    return true;
  }
  case FL_TR_STATUS: { /* colours the lane; not an event (the describe line is) */
    if (!node_ok(ld, r, r->node, error)) return false;
    fl_viz_lane *lane = &tl->lanes[r->node];
    const fl_node_status *st = &r->status;
    fl_viz_role_span rs = {
        .from_ns = r->time_ns, .to_ns = -1, .role = (int32_t)st->role,
        .label = role_index(tl, st->word[0] ? st->word : fl_role_name(st->role)),
        .term = st->term_kind == FL_TERM_NONE ? -1 : (int64_t)MIN(st->term, (uint64_t)INT64_MAX),
        .term_kind = (int32_t)st->term_kind, .leader = st->leader};
    guint nr = lane->roles->len;
    fl_viz_role_span *prev = nr ? &g_array_index(lane->roles, fl_viz_role_span, nr - 1) : NULL;
    if (!prev || prev->role != rs.role || prev->label != rs.label || prev->term != rs.term ||
        prev->term_kind != rs.term_kind) {
      if (prev) prev->to_ns = r->time_ns;
      g_array_append_val(lane->roles, rs);
    }
    return true;
  }
  case FL_TR_INVOKE: {
    if (!lane_ok(ld, r, r->node, error) || !lane_ok(ld, r, r->dst, error)) return false;
    if (r->process > 100000000)
      return bad(ld, r, error, "expected a process number below 10^8, found %" G_GUINT64_FORMAT,
                 r->process);
    fl_viz_op op = {.invoke_ns = r->time_ns, .complete_ns = -1, .process = r->process,
                    .seq = r->seq, .key = r->key, .value = r->value, .expected = r->expected,
                    .hist_index = ld->hist_count++, .lane = r->node, .node = r->dst,
                    .kind = r->op_kind, .outcome = FL_VIZ_OP_OPEN};
    g_array_append_val(tl->ops, op);
    uint32_t idx = tl->ops->len - 1;
    g_array_append_val(tl->lanes[r->node].ops, idx);
    times_push(&tl->lanes[r->node].op_times, r->time_ns);
    if (ld->open_ops->len <= r->process) g_array_set_size(ld->open_ops, (guint)r->process + 1);
    g_array_index(ld->open_ops, uint32_t, r->process) = idx + 1;
    push_event(ld, r, r->node, idx);
    return true;
  }
  case FL_TR_COMPLETE: {
    if (!lane_ok(ld, r, r->node, error)) return false;
    uint32_t idx1 = r->process < ld->open_ops->len ?
        g_array_index(ld->open_ops, uint32_t, r->process) : 0;
    if (!idx1)
      return bad(ld, r, error, "expected a completion of an open operation of process %"
                 G_GUINT64_FORMAT ", found none open", r->process);
    g_array_index(ld->open_ops, uint32_t, r->process) = 0;
    fl_viz_op *op = &g_array_index(tl->ops, fl_viz_op, idx1 - 1);
    op->complete_ns = r->time_ns;
    op->outcome = r->outcome >= FL_VIZ_OP_OK && r->outcome <= FL_VIZ_OP_INFO ? r->outcome
                                                                             : FL_VIZ_OP_INFO;
    op->has_result = r->has_value;
    op->result = r->value;
    ld->hist_count++;
    push_event(ld, r, r->node, idx1 - 1);
    return true;
  }
  default:
    return true;
  }
}

/* A header member of the wrong type or range: "TRACE: header.NAME: expected WHAT, found ...". */
static bool bad_member(const fl_viz_timeline *tl, const char *name, const char *what,
                       const char *kind, JsonNode *n, GError **error) {
  char *found = kind ? g_strdup(kind) : g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(n));
  g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_INPUT, "%s: header.%s: expected %s, found %s",
              tl->path, name, what, found);
  g_free(found);
  return false;
}

/* The header's members, each checked for its type (and the counts for their range, each on its
 * own before they are added) before it is read: json-glib's getters print Json-CRITICAL on a
 * member of another type. The trace reader checked the nesting (json_guard.h). */
static bool meta_members(fl_viz_timeline *tl, JsonObject *o, JsonArray **names, GError **error) {
  JsonNode *n, *c, *proto, *scn, *seed, *dur, *nm;
  const char *kind;
  if (!fl_json_member(o, "nodes", FL_JSON_INT, false, &n, &kind) || json_node_get_int(n) < 1 ||
      json_node_get_int(n) > FL_LIMIT_VIZ_LANES)
    return bad_member(tl, "nodes", "an integer from 1 to " G_STRINGIFY(FL_LIMIT_VIZ_LANES), kind, n,
                      error);
  int64_t max_clients = FL_LIMIT_VIZ_LANES - json_node_get_int(n);
  if (!fl_json_member(o, "clients", FL_JSON_INT, false, &c, &kind) || json_node_get_int(c) < 0 ||
      json_node_get_int(c) > max_clients) {
    char *what = g_strdup_printf("an integer from 0 to %" G_GINT64_FORMAT " (at most "
                                 G_STRINGIFY(FL_LIMIT_VIZ_LANES) " nodes and clients in all)",
                                 max_clients);
    bad_member(tl, "clients", what, kind, c, error);
    g_free(what);
    return false;
  }
  if (!fl_json_member(o, "protocol", FL_JSON_STRING, true, &proto, &kind))
    return bad_member(tl, "protocol", "a string", kind, NULL, error);
  if (!fl_json_member(o, "scenario", FL_JSON_STRING, true, &scn, &kind))
    return bad_member(tl, "scenario", "a string", kind, NULL, error);
  if (!fl_json_member(o, "seed", FL_JSON_INT, true, &seed, &kind))
    return bad_member(tl, "seed", "an integer", kind, NULL, error);
  if (!fl_json_member(o, "duration_ns", FL_JSON_INT, true, &dur, &kind) ||
      (dur && json_node_get_int(dur) < 0))
    return bad_member(tl, "duration_ns", "an integer of 0 or more", kind, dur, error);
  if (!fl_json_member(o, "node_names", FL_JSON_ARRAY, true, &nm, &kind))
    return bad_member(tl, "node_names", "an array of strings", kind, NULL, error);
  *names = nm ? json_node_get_array(nm) : NULL;
  for (guint i = 0; *names && i < json_array_get_length(*names); i++) {
    JsonNode *e = json_array_get_element(*names, i);
    if (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_STRING)
      return bad_member(tl, "node_names", "an array of strings", fl_json_kind(e), NULL, error);
  }
  tl->n_nodes = (int)json_node_get_int(n);
  tl->n_clients = (int)json_node_get_int(c);
  tl->protocol = g_strdup(proto ? json_node_get_string(proto) : "?");
  tl->scenario = g_strdup(scn ? json_node_get_string(scn) : "");
  tl->seed = seed ? (uint64_t)json_node_get_int(seed) : 0;
  tl->end_ns = dur ? json_node_get_int(dur) : 0;
  return true;
}

static bool read_meta(fl_viz_timeline *tl, GError **error) {
  JsonParser *p = json_parser_new_immutable();
  JsonNode *root = *tl->meta && json_parser_load_from_data(p, tl->meta, -1, NULL)
                       ? json_parser_get_root(p) : NULL;
  JsonArray *names = NULL;
  if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
    size_t len = strlen(tl->meta);
    if (!len) g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_INPUT,
                          "%s: header: expected a JSON object, found an empty header", tl->path);
    else g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_INPUT,
                     "%s: header: expected a JSON object, found '%.*s%s'", tl->path,
                     (int)MIN(len, 60), tl->meta, len > 60 ? "..." : "");
    g_object_unref(p);
    return false;
  }
  if (!meta_members(tl, json_node_get_object(root), &names, error)) {
    g_object_unref(p);
    return false;
  }
  tl->n_lanes = tl->n_nodes + tl->n_clients;
  tl->lanes = g_new0(fl_viz_lane, tl->n_lanes);
  for (int i = 0; i < tl->n_lanes; i++) {
    fl_viz_lane *l = &tl->lanes[i];
    const char *nm = names && (int)json_array_get_length(names) == tl->n_lanes
                         ? json_array_get_string_element(names, (guint)i) : NULL;
    l->is_client = i >= tl->n_nodes;
    l->name = nm ? g_strdup(nm) : l->is_client ? g_strdup_printf("c%d", i - tl->n_nodes + 1)
                                               : g_strdup_printf("n%d", i + 1);
    l->states = g_array_new(FALSE, FALSE, sizeof(fl_viz_state));
    l->roles = g_array_new(FALSE, FALSE, sizeof(fl_viz_role_span));
    l->ops = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    l->note_idx = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  }
  g_object_unref(p);
  return true;
}

/* Arrows in send order: a counting sort of the ends by message, then one in-flight arrow per
 * copy that never arrived. */
static void build_arrows(loader *ld) {
  fl_viz_timeline *tl = ld->tl;
  guint nm = tl->msgs->len, ne = ld->ends->len;
  uint32_t *count = g_new0(uint32_t, (gsize)nm + 1);
  for (guint i = 0; i < ne; i++) count[g_array_index(ld->ends, end_rec, i).msg]++;
  uint32_t *first = g_new0(uint32_t, (gsize)nm + 1); /* first arrow of each message */
  uint32_t total = 0;
  for (guint m = 0; m < nm; m++) {
    const fl_viz_msg *msg = &g_array_index(tl->msgs, fl_viz_msg, m);
    uint32_t copies = msg->dup_ns >= 0 ? 2 : 1;
    first[m] = total;
    total += MAX(count[m], copies);
  }
  first[nm] = total;
  g_array_set_size(tl->arrows, total);
  memset(count, 0, sizeof(uint32_t) * ((gsize)nm + 1));
  uint32_t *end_to_arrow = g_new(uint32_t, (gsize)ne + 1);
  for (guint i = 0; i < ne; i++) {
    const end_rec *e = &g_array_index(ld->ends, end_rec, i);
    const fl_viz_msg *msg = &g_array_index(tl->msgs, fl_viz_msg, e->msg);
    uint32_t a = first[e->msg] + count[e->msg]++;
    end_to_arrow[i] = a;
    g_array_index(tl->arrows, fl_viz_arrow, a) = (fl_viz_arrow){
        .send_ns = msg->send_ns, .end_ns = e->time_ns, .msg = e->msg, .src = msg->src,
        .dst = msg->dst, .end = e->kind, .reason = e->reason, .dup = msg->dup_ns >= 0};
  }
  for (guint m = 0; m < nm; m++) {
    const fl_viz_msg *msg = &g_array_index(tl->msgs, fl_viz_msg, m);
    for (uint32_t a = first[m] + count[m]; a < first[m + 1]; a++)
      g_array_index(tl->arrows, fl_viz_arrow, a) = (fl_viz_arrow){
          .send_ns = msg->send_ns, .end_ns = tl->end_ns, .msg = m, .src = msg->src,
          .dst = msg->dst, .end = FL_VIZ_END_FLIGHT, .dup = msg->dup_ns >= 0};
  }
  /* Events referred to ends; now they refer to arrows. */
  for (guint i = 0; i < tl->events->len; i++) {
    fl_viz_event *ev = &g_array_index(tl->events, fl_viz_event, i);
    if (ev->kind == FL_TR_DELIVER || ev->kind == FL_TR_DROP) ev->ref = end_to_arrow[ev->ref];
  }
  for (guint a = 0; a < total; a++) {
    const fl_viz_arrow *ar = &g_array_index(tl->arrows, fl_viz_arrow, a);
    if (a % FL_VIZ_ARROW_CHUNK == 0) {
      int64_t zero = INT64_MIN;
      g_array_append_val(tl->arrow_chunk_max, zero);
    }
    int64_t *mx = &g_array_index(tl->arrow_chunk_max, int64_t, a / FL_VIZ_ARROW_CHUNK);
    if (ar->end_ns > *mx) *mx = ar->end_ns;
    if (ar->end_ns - ar->send_ns > tl->max_flight_ns) tl->max_flight_ns = ar->end_ns - ar->send_ns;
  }
  g_free(end_to_arrow);
  g_free(first);
  g_free(count);
}

static void finish(loader *ld) {
  fl_viz_timeline *tl = ld->tl;
  for (int i = 0; i < tl->n_lanes; i++) {
    close_span(tl->down, &ld->down_since[i], i, 0, tl->end_ns);
    close_span(tl->paused, &ld->paused_since[i], i, 0, tl->end_ns);
    GArray *roles = tl->lanes[i].roles;
    if (roles->len) g_array_index(roles, fl_viz_role_span, roles->len - 1).to_ns = tl->end_ns;
  }
  if (ld->cut_since)
    for (int s = 0; s < tl->n_lanes; s++)
      for (int d = 0; d < tl->n_lanes; d++)
        close_span(tl->cuts, &ld->cut_since[(size_t)s * (size_t)tl->n_lanes + (size_t)d], s, d,
                   tl->end_ns);
  guint np = tl->partitions->len;
  if (np && g_array_index(tl->partitions, fl_viz_partition, np - 1).to_ns < 0)
    g_array_index(tl->partitions, fl_viz_partition, np - 1).to_ns = tl->end_ns;
  for (guint i = 0; i < tl->ops->len; i++) {
    fl_viz_op *op = &g_array_index(tl->ops, fl_viz_op, i);
    if (op->complete_ns < 0) op->complete_ns = tl->end_ns;
  }
  for (int i = 0; i < tl->n_lanes; i++) {
    fl_viz_lane *l = &tl->lanes[i];
    l->op_fail = g_new0(uint32_t, l->ops->len + 1);
    l->op_info = g_new0(uint32_t, l->ops->len + 1);
    for (guint k = 0; k < l->ops->len; k++) {
      const fl_viz_op *op = &g_array_index(tl->ops, fl_viz_op, g_array_index(l->ops, uint32_t, k));
      l->op_fail[k + 1] = l->op_fail[k] + (op->outcome == FL_VIZ_OP_FAIL);
      l->op_info[k + 1] = l->op_info[k] + (op->outcome == FL_VIZ_OP_INFO ||
                                           op->outcome == FL_VIZ_OP_OPEN);
    }
  }
  build_arrows(ld);
}

fl_viz_timeline *fl_viz_timeline_load(const char *path, GError **error) {
  fl_trace_reader *r = fl_trace_reader_open(path, error);
  if (!r) return NULL;
  fl_viz_timeline *tl = g_new0(fl_viz_timeline, 1);
  tl->path = g_strdup(path);
  tl->meta = g_strdup(fl_trace_reader_meta(r));
  tl->msgs = g_array_new(FALSE, FALSE, sizeof(fl_viz_msg));
  tl->arrows = g_array_new(FALSE, FALSE, sizeof(fl_viz_arrow));
  tl->arrow_chunk_max = g_array_new(FALSE, FALSE, sizeof(int64_t));
  tl->down = g_array_new(FALSE, FALSE, sizeof(fl_viz_span));
  tl->paused = g_array_new(FALSE, FALSE, sizeof(fl_viz_span));
  tl->cuts = g_array_new(FALSE, FALSE, sizeof(fl_viz_span));
  tl->partitions = g_array_new(FALSE, FALSE, sizeof(fl_viz_partition));
  tl->ops = g_array_new(FALSE, FALSE, sizeof(fl_viz_op));
  tl->notes = g_array_new(FALSE, FALSE, sizeof(fl_viz_note));
  tl->net_changes = g_array_new(FALSE, FALSE, sizeof(fl_viz_note));
  tl->violations = g_array_new(FALSE, FALSE, sizeof(fl_viz_note));
  tl->events = g_array_new(FALSE, FALSE, sizeof(fl_viz_event));
  tl->faults = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  tl->role_names = g_ptr_array_new_with_free_func(g_free);
  tl->text = g_string_sized_new(4096);
  if (!read_meta(tl, error)) {
    fl_trace_reader_free(r);
    fl_viz_timeline_free(tl);
    return NULL;
  }
  loader ld = {.tl = tl, .path = path, .ends = g_array_new(FALSE, FALSE, sizeof(end_rec)),
               .open_ops = g_array_new(FALSE, TRUE, sizeof(uint32_t))};
  size_t nl = (size_t)tl->n_lanes;
  ld.down_since = g_new(int64_t, nl);
  ld.paused_since = g_new(int64_t, nl);
  for (size_t i = 0; i < nl; i++) ld.down_since[i] = ld.paused_since[i] = -1;
  if (nl <= 1024) {
    ld.cut_since = g_new(int64_t, nl * nl);
    for (size_t i = 0; i < nl * nl; i++) ld.cut_since[i] = -1;
  }
  fl_trace_rec rec;
  bool ended = false, ok = true;
  int64_t last_t = 0, last_drop = -1;
  GError *inner = NULL;
  while (ok && fl_trace_reader_next(r, &rec, &inner)) {
    last_t = rec.time_ns;
    if (rec.kind == FL_TR_END) {
      ended = true;
      tl->digest = rec.digest;
      if (rec.digest != fl_trace_reader_digest(r)) {
        g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_INPUT,
                    "%s: expected the end record's digest 0x%016" G_GINT64_MODIFIER "x to match "
                    "the records, found 0x%016" G_GINT64_MODIFIER "x: the trace is corrupt",
                    path, fl_trace_reader_digest(r), rec.digest);
        ok = false;
      }
      break;
    }
    ok = take(&ld, &rec, &last_drop, error);
    ld.record++;
  }
  if (inner) {
    g_propagate_error(error, inner);
    ok = false;
  } else if (ok && !ended) {
    g_set_error(error, FL_VIZ_ERROR, FL_VIZ_ERROR_INPUT,
                "%s: after record %zu: expected more records or the end record, found the end of "
                "the file: the trace was cut short", path, ld.record);
    ok = false;
  }
  if (ok) {
    if (last_t > tl->end_ns) tl->end_ns = last_t;
    if (tl->end_ns <= 0) tl->end_ns = 1;
    finish(&ld);
  }
  g_array_free(ld.ends, TRUE);
  g_array_free(ld.open_ops, TRUE);
  g_free(ld.down_since);
  g_free(ld.paused_since);
  g_free(ld.cut_since);
  g_free(ld.ids.key);
  g_free(ld.ids.val);
  fl_trace_reader_free(r);
  if (!ok) {
    fl_viz_timeline_free(tl);
    return NULL;
  }
  return tl;
}

void fl_viz_timeline_free(fl_viz_timeline *tl) {
  if (!tl) return;
  for (int i = 0; tl->lanes && i < tl->n_lanes; i++) {
    fl_viz_lane *l = &tl->lanes[i];
    g_free(l->name);
    g_free(l->activity.t);
    g_free(l->drops.t);
    g_free(l->timers.t);
    g_array_free(l->states, TRUE);
    g_array_free(l->roles, TRUE);
    g_array_free(l->ops, TRUE);
    g_free(l->op_times.t);
    g_free(l->op_fail);
    g_free(l->op_info);
    g_free(l->note_times.t);
    g_array_free(l->note_idx, TRUE);
  }
  g_free(tl->lanes);
  for (guint i = 0; tl->partitions && i < tl->partitions->len; i++)
    g_free(g_array_index(tl->partitions, fl_viz_partition, i).group);
  GArray *arrays[] = {tl->msgs, tl->arrows, tl->arrow_chunk_max, tl->down, tl->paused, tl->cuts,
                      tl->partitions, tl->ops, tl->notes, tl->net_changes, tl->violations,
                      tl->events, tl->faults};
  for (size_t i = 0; i < G_N_ELEMENTS(arrays); i++)
    if (arrays[i]) g_array_free(arrays[i], TRUE);
  if (tl->role_names) g_ptr_array_free(tl->role_names, TRUE);
  if (tl->text) g_string_free(tl->text, TRUE);
  g_free(tl->protocol);
  g_free(tl->scenario);
  g_free(tl->meta);
  g_free(tl->path);
  g_free(tl);
}
