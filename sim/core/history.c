/* history: the client history writer, JSON lines or EDN (formats in history.h). */
#include "history.h"
#include "outfile.h"
#include "workload.h"

#include <stdio.h>
#include <string.h>

G_DEFINE_QUARK(fl-history-error-quark, fl_history_error)

struct fl_history {
  fl_outfile *out; /* NULL: counting only */
  FILE *f;
  fl_lincheck_recorder *rec; /* the history in memory too, or NULL */
  GError *rec_error;         /* the first event the recorder refused */
  fl_staleness *stale;       /* the staleness analysis of a kv history, or NULL */
  bool stale_broken;         /* the analyser refused an event: no figures */
  fl_hist_format format;
  uint64_t events;
  uint64_t counts[4];
};

fl_hist_format fl_history_format_for(const char *path) {
  return path && g_str_has_suffix(path, ".edn") ? FL_HIST_EDN : FL_HIST_JSONL;
}

fl_history *fl_history_open(const char *path, fl_hist_format format, GError **error) {
  fl_history *h = g_new0(fl_history, 1);
  h->format = format;
  if (!path) return h;
  h->out = fl_outfile_open(path, "history", FL_HISTORY_ERROR, FL_HISTORY_ERROR_IO, error);
  if (!h->out) {
    g_free(h);
    return NULL;
  }
  h->f = fl_outfile_stream(h->out);
  return h;
}

static const char *type_name(fl_hist_type t) {
  static const char *names[] = {"invoke", "ok", "fail", "info"};
  return names[t];
}

/* The EDN value field: reads carry what was read (or nil), writes their value, cas
 * [expected new]. */
static void value_text(char *v, size_t n, const fl_op *op, bool read_value, bool has_value,
                       int64_t value, const char *nil, const char *sep) {
  if (op->kind == FL_OP_READ && !(read_value && has_value))
    g_snprintf(v, n, "%s", nil);
  else if (op->kind == FL_OP_READ)
    g_snprintf(v, n, "%" G_GINT64_FORMAT, value);
  else if (op->kind == FL_OP_WRITE)
    g_snprintf(v, n, "%" G_GINT64_FORMAT, op->value);
  else
    g_snprintf(v, n, "[%" G_GINT64_FORMAT "%s%" G_GINT64_FORMAT "]", op->expected, sep, op->value);
}

/* A JSON line is written for every invocation and completion of a run, so it is assembled by
 * hand: printf was a tenth of a Raft run's time. */
typedef struct line {
  char buf[256];
  size_t len;
} line;

static void put(line *l, const char *s) {
  size_t n = strlen(s);
  memcpy(l->buf + l->len, s, n);
  l->len += n;
}

static void put_u(line *l, uint64_t v) {
  char d[20];
  int n = 0;
  do d[n++] = (char)('0' + v % 10); while ((v /= 10) != 0);
  while (n) l->buf[l->len++] = d[--n];
}

static void put_i(line *l, int64_t v) {
  if (v < 0) {
    l->buf[l->len++] = '-';
    put_u(l, (uint64_t)0 - (uint64_t)v);
  } else {
    put_u(l, (uint64_t)v);
  }
}

static void write_jsonl(fl_history *h, uint64_t index, int64_t time_ns, const fl_op *op,
                        fl_hist_type type, bool read_value, bool has_value, int64_t value,
                        int node) {
  line l = {.len = 0};
  put(&l, "{\"index\":");
  put_u(&l, index);
  put(&l, ",\"type\":\"");
  put(&l, type_name(type));
  put(&l, "\",\"process\":");
  put_u(&l, op->process);
  put(&l, ",\"client\":");
  put_u(&l, op->client);
  put(&l, ",\"f\":\"");
  put(&l, fl_op_kind_name(op->kind));
  put(&l, "\",\"key\":");
  put_i(&l, op->key);
  put(&l, ",\"value\":");
  if (op->kind == FL_OP_READ && !(read_value && has_value)) {
    put(&l, "null");
  } else if (op->kind == FL_OP_READ) {
    put_i(&l, value);
  } else if (op->kind == FL_OP_WRITE) {
    put_i(&l, op->value);
  } else {
    put(&l, "[");
    put_i(&l, op->expected);
    put(&l, ",");
    put_i(&l, op->value);
    put(&l, "]");
  }
  if (node >= 0) {
    put(&l, ",\"node\":");
    put_u(&l, (uint64_t)node);
  }
  put(&l, ",\"time\":");
  put_i(&l, time_ns);
  put(&l, "}\n");
  fwrite(l.buf, 1, l.len, h->f);
}

static void record(fl_history *h, int64_t time_ns, const fl_op *op, fl_hist_type type,
                   bool read_value, bool has_value, int64_t value, int node) {
  static const fl_lincheck_rec_type types[] = {FL_LINCHECK_REC_INVOKE, FL_LINCHECK_REC_OK,
                                               FL_LINCHECK_REC_FAIL, FL_LINCHECK_REC_INFO};
  if (h->rec_error) return;
  bool is_read = op->kind == FL_OP_READ;
  fl_lincheck_recorder_add(h->rec, types[type], (int64_t)op->process, fl_op_kind_name(op->kind),
                           op->key, is_read && read_value && has_value,
                           is_read ? value : op->value, op->expected, &h->rec_error);
  if (!h->rec_error) fl_lincheck_recorder_note(h->rec, op->client, time_ns, node);
}

/* Feeds the staleness analysis: a cas is a write of its new value (one that failed its
 * compare completes as fail, so it never counts). */
static void analyse(fl_history *h, int64_t time_ns, const fl_op *op, fl_hist_type type,
                    bool has_value, int64_t value) {
  static const fl_staleness_outcome outcomes[] = {FL_STALENESS_OK, FL_STALENESS_OK,
                                                  FL_STALENESS_FAIL, FL_STALENESS_UNKNOWN};
  bool ok = type == FL_HIST_INVOKE
                ? fl_staleness_invoke(h->stale, time_ns, (int64_t)op->process,
                                      op->kind == FL_OP_READ ? FL_STALENESS_READ
                                                             : FL_STALENESS_WRITE,
                                      op->key, op->value, NULL)
                : fl_staleness_complete(h->stale, time_ns, (int64_t)op->process,
                                        outcomes[type], has_value, value, NULL);
  if (!ok) {
    /* The clients never do this; if they did, no figures beat wrong ones. */
    fl_staleness_free(h->stale);
    h->stale = NULL;
    h->stale_broken = true;
  }
}

static void write_event(fl_history *h, int64_t time_ns, const fl_op *op, fl_hist_type type,
                        bool read_value, bool has_value, int64_t value, int node) {
  uint64_t index = h->events++;
  h->counts[type]++;
  if (h->rec) record(h, time_ns, op, type, read_value, has_value, value, node);
  if (h->stale) analyse(h, time_ns, op, type, read_value && has_value, value);
  if (!h->f) return;
  const char *f = fl_op_kind_name(op->kind);
  char v[64];
  if (h->format == FL_HIST_JSONL) {
    write_jsonl(h, index, time_ns, op, type, read_value, has_value, value, node);
  } else {
    value_text(v, sizeof v, op, read_value, has_value, value, "nil", " ");
    fprintf(h->f,
            "{:index %" G_GUINT64_FORMAT ", :type :%s, :process %" G_GUINT64_FORMAT
            ", :f :%s, :value [%" G_GINT64_FORMAT " %s], :time %" G_GINT64_FORMAT "}\n",
            index, type_name(type), op->process, f, op->key, v, time_ns);
  }
}

/* ---- Every kind but kv: the kind's write_value gives the "value" (workload.h). kv keeps the
 * hand-assembled lines above, which its long runs need, and which the recorder reads from
 * the operation directly. A read is kv's or a counter's: only the kind tells, so events of
 * the other kinds come through fl_history_add with their kind. */

/* The recorded value of a non-transaction event: what its JSON line's "value" says. */
static void scalar_value(fl_lincheck_value *v, const char *json) {
  memset(v, 0, sizeof *v);
  if (strcmp(json, "null") == 0) {
    v->kind = FL_LINCHECK_VAL_NIL;
  } else {
    v->kind = FL_LINCHECK_VAL_INT;
    v->i = g_ascii_strtoll(json, NULL, 10);
  }
}

static void record_kind(fl_history *h, int64_t time_ns, const fl_txn *req, fl_hist_type type,
                        bool done, const char *json, int node) {
  static const fl_lincheck_rec_type types[] = {FL_LINCHECK_REC_INVOKE, FL_LINCHECK_REC_OK,
                                               FL_LINCHECK_REC_FAIL, FL_LINCHECK_REC_INFO};
  if (h->rec_error) return;
  const fl_op *op = &req->op;
  fl_lincheck_value v;
  if (op->kind != FL_OP_TXN) {
    scalar_value(&v, json);
    char k[24];
    g_snprintf(k, sizeof k, "%" G_GINT64_FORMAT, op->key);
    fl_lincheck_recorder_add_value(h->rec, types[type], (int64_t)op->process,
                                   fl_op_kind_name(op->kind), k, &v, &h->rec_error);
    if (!h->rec_error) fl_lincheck_recorder_note(h->rec, op->client, time_ns, node);
    return;
  }
  /* [["r",k,v],...]: the same values the JSON-lines parser builds. */
  fl_lincheck_value mops[FL_LIMIT_TXN_OPS], parts[FL_LIMIT_TXN_OPS][3];
  memset(mops, 0, sizeof mops);
  memset(parts, 0, sizeof parts);
  uint32_t n = req->n <= FL_LIMIT_TXN_OPS ? req->n : FL_LIMIT_TXN_OPS;
  for (uint32_t i = 0; i < n; i++) {
    const fl_micro_op *m = &req->mops[i];
    bool w = m->f == FL_MOP_WRITE;
    parts[i][0].kind = FL_LINCHECK_VAL_STR;
    parts[i][0].s = w ? "w" : "r";
    parts[i][1].kind = FL_LINCHECK_VAL_INT;
    parts[i][1].i = m->key;
    bool has = w || (done && m->has_value);
    parts[i][2].kind = has ? FL_LINCHECK_VAL_INT : FL_LINCHECK_VAL_NIL;
    parts[i][2].i = has ? m->value : 0;
    mops[i].kind = FL_LINCHECK_VAL_LIST;
    mops[i].n = 3;
    mops[i].items = parts[i];
  }
  memset(&v, 0, sizeof v);
  v.kind = FL_LINCHECK_VAL_LIST;
  v.n = n;
  v.items = mops;
  fl_lincheck_recorder_add_value(h->rec, types[type], (int64_t)op->process, "txn", NULL, &v,
                                 &h->rec_error);
  if (!h->rec_error) fl_lincheck_recorder_note(h->rec, op->client, time_ns, node);
}

static void write_kind_event(fl_history *h, const fl_workload_kind *k, int64_t time_ns,
                             const fl_txn *req, fl_hist_type type, const fl_op_result *res,
                             int node) {
  uint64_t index = h->events++;
  h->counts[type]++;
  const fl_op *op = &req->op;
  bool done = type == FL_HIST_OK;
  GString *s = g_string_new(NULL);
  k->write_value(s, false, req, done, done ? res : NULL);
  if (h->rec) record_kind(h, time_ns, req, type, done, s->str, node);
  if (h->f && h->format == FL_HIST_JSONL) {
    fprintf(h->f, "{\"index\":%" G_GUINT64_FORMAT ",\"type\":\"%s\",\"process\":%" G_GUINT64_FORMAT
                  ",\"client\":%u,\"f\":\"%s\"", index, type_name(type), op->process, op->client,
            fl_op_kind_name(op->kind));
    if (op->kind != FL_OP_TXN) fprintf(h->f, ",\"key\":%" G_GINT64_FORMAT, op->key);
    fprintf(h->f, ",\"value\":%s", s->str);
    if (node >= 0) fprintf(h->f, ",\"node\":%d", node);
    fprintf(h->f, ",\"time\":%" G_GINT64_FORMAT "}\n", time_ns);
  } else if (h->f) {
    g_string_truncate(s, 0);
    k->write_value(s, true, req, done, done ? res : NULL);
    fprintf(h->f,
            "{:index %" G_GUINT64_FORMAT ", :type :%s, :process %" G_GUINT64_FORMAT
            ", :f :%s, :value %s, :time %" G_GINT64_FORMAT "}\n",
            index, type_name(type), op->process, fl_op_kind_name(op->kind), s->str, time_ns);
  }
  g_string_free(s, TRUE);
}

void fl_history_invoke(fl_history *h, int64_t time_ns, const fl_op *op) {
  write_event(h, time_ns, op, FL_HIST_INVOKE, false, false, 0, -1);
}

void fl_history_complete(fl_history *h, int64_t time_ns, const fl_op *op, fl_hist_type type,
                         bool has_value, int64_t value) {
  write_event(h, time_ns, op, type, type == FL_HIST_OK, has_value, value, -1);
}

void fl_history_add(fl_history *h, const fl_workload_kind *kind, int64_t time_ns,
                    const fl_txn *req, fl_hist_type type, const fl_op_result *result) {
  fl_history_add_from(h, kind, time_ns, req, type, result, -1);
}

void fl_history_add_from(fl_history *h, const fl_workload_kind *kind, int64_t time_ns,
                         const fl_txn *req, fl_hist_type type, const fl_op_result *result,
                         int node) {
  if (type == FL_HIST_INVOKE || type == FL_HIST_INFO) node = -1;
  if (strcmp(kind->name, "kv") != 0) {
    write_kind_event(h, kind, time_ns, req, type, result, node);
    return;
  }
  bool ok = type == FL_HIST_OK && result;
  write_event(h, time_ns, &req->op, type, type == FL_HIST_OK,
              ok && req->op.kind == FL_OP_READ && result->has_value, ok ? result->value : 0, node);
}

uint64_t fl_history_events(const fl_history *h) { return h->events; }
uint64_t fl_history_count(const fl_history *h, fl_hist_type type) { return h->counts[type]; }

void fl_history_record(fl_history *h, const char *name) {
  if (!h->rec) h->rec = fl_lincheck_recorder_new(name);
}

fl_lincheck_history *fl_history_take_recorded(fl_history *h, GError **error) {
  fl_lincheck_recorder *r = h->rec;
  h->rec = NULL;
  if (h->rec_error) {
    g_propagate_error(error, h->rec_error);
    h->rec_error = NULL;
    fl_lincheck_recorder_free(r);
    return NULL;
  }
  return r ? fl_lincheck_recorder_finish(r) : NULL;
}

void fl_history_analyse_staleness(fl_history *h) {
  if (!h->stale && !h->stale_broken && h->events == 0) h->stale = fl_staleness_new();
}

bool fl_history_staleness(const fl_history *h, fl_staleness_result *out) {
  memset(out, 0, sizeof *out);
  if (!h->stale) return false;
  fl_staleness_get(h->stale, out);
  return true;
}

bool fl_history_close(fl_history *h, bool keep, GError **error) {
  if (!h) return true;
  fl_staleness_free(h->stale);
  fl_lincheck_recorder_free(h->rec);
  g_clear_error(&h->rec_error);
  bool ok = fl_outfile_close(h->out, keep, error);
  g_free(h);
  return ok;
}
