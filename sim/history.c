/* history: the client history writer, JSON lines or EDN (formats in history.h). */
#include "history.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

G_DEFINE_QUARK(fl-history-error-quark, fl_history_error)

struct fl_history {
  char *path, *tmp_path;
  FILE *f;
  fl_hist_format format;
  uint64_t events;
  uint64_t counts[4];
  bool write_failed;
};

fl_hist_format fl_history_format_for(const char *path) {
  return path && g_str_has_suffix(path, ".edn") ? FL_HIST_EDN : FL_HIST_JSONL;
}

fl_history *fl_history_open(const char *path, fl_hist_format format, GError **error) {
  fl_history *h = g_new0(fl_history, 1);
  h->format = format;
  if (!path) return h;
  h->path = g_strdup(path);
  h->tmp_path = g_strdup_printf("%s.tmp.XXXXXX", path);
  int fd = g_mkstemp(h->tmp_path);
  if (fd < 0 || !(h->f = fdopen(fd, "w"))) {
    int e = errno;
    g_set_error(error, FL_HISTORY_ERROR, FL_HISTORY_ERROR_IO, "%s: cannot write: %s", path,
                g_strerror(e));
    if (fd >= 0) {
      close(fd);
      g_unlink(h->tmp_path);
    }
    g_free(h->path);
    g_free(h->tmp_path);
    g_free(h);
    return NULL;
  }
  /* A large buffer: a history can have millions of lines. */
  setvbuf(h->f, NULL, _IOFBF, 1 << 16);
  return h;
}

static const char *type_name(fl_hist_type t) {
  static const char *names[] = {"invoke", "ok", "fail", "info"};
  return names[t];
}

static void write_event(fl_history *h, int64_t time_ns, const fl_op *op, fl_hist_type type,
                        bool read_value, bool has_value, int64_t value) {
  uint64_t index = h->events++;
  h->counts[type]++;
  if (!h->f) return;
  const char *f = fl_op_kind_name(op->kind);
  char v[64];
  if (h->format == FL_HIST_JSONL) {
    if (op->kind == FL_OP_READ)
      read_value && has_value ? g_snprintf(v, sizeof v, "%" G_GINT64_FORMAT, value)
                              : g_snprintf(v, sizeof v, "null");
    else if (op->kind == FL_OP_WRITE)
      g_snprintf(v, sizeof v, "%" G_GINT64_FORMAT, op->value);
    else
      g_snprintf(v, sizeof v, "[%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT "]", op->expected,
                 op->value);
    fprintf(h->f,
            "{\"index\":%" G_GUINT64_FORMAT ",\"type\":\"%s\",\"process\":%" G_GUINT64_FORMAT
            ",\"client\":%u,\"f\":\"%s\",\"key\":%" G_GINT64_FORMAT ",\"value\":%s,\"time\":%"
            G_GINT64_FORMAT "}\n",
            index, type_name(type), op->process, op->client, f, op->key, v, time_ns);
  } else {
    if (op->kind == FL_OP_READ)
      read_value && has_value ? g_snprintf(v, sizeof v, "%" G_GINT64_FORMAT, value)
                              : g_snprintf(v, sizeof v, "nil");
    else if (op->kind == FL_OP_WRITE)
      g_snprintf(v, sizeof v, "%" G_GINT64_FORMAT, op->value);
    else
      g_snprintf(v, sizeof v, "[%" G_GINT64_FORMAT " %" G_GINT64_FORMAT "]", op->expected,
                 op->value);
    fprintf(h->f,
            "{:index %" G_GUINT64_FORMAT ", :type :%s, :process %" G_GUINT64_FORMAT
            ", :f :%s, :value [%" G_GINT64_FORMAT " %s], :time %" G_GINT64_FORMAT "}\n",
            index, type_name(type), op->process, f, op->key, v, time_ns);
  }
  if (ferror(h->f)) h->write_failed = true;
}

void fl_history_invoke(fl_history *h, int64_t time_ns, const fl_op *op) {
  write_event(h, time_ns, op, FL_HIST_INVOKE, false, false, 0);
}

void fl_history_complete(fl_history *h, int64_t time_ns, const fl_op *op, fl_hist_type type,
                         bool has_value, int64_t value) {
  write_event(h, time_ns, op, type, type == FL_HIST_OK, has_value, value);
}

uint64_t fl_history_events(const fl_history *h) { return h->events; }
uint64_t fl_history_count(const fl_history *h, fl_hist_type type) { return h->counts[type]; }

bool fl_history_close(fl_history *h, bool keep, GError **error) {
  if (!h) return true;
  bool ok = true;
  if (h->f) {
    int e = 0;
    if (fflush(h->f) != 0 || h->write_failed) e = errno ? errno : EIO;
    if (fclose(h->f) != 0 && !e) e = errno;
    if (keep && !e && g_rename(h->tmp_path, h->path) != 0) e = errno;
    if (!keep || e) g_unlink(h->tmp_path);
    if (keep && e) {
      g_set_error(error, FL_HISTORY_ERROR, FL_HISTORY_ERROR_IO, "%s: cannot write: %s", h->path,
                  g_strerror(e));
      ok = false;
    }
  }
  g_free(h->path);
  g_free(h->tmp_path);
  g_free(h);
  return ok;
}
