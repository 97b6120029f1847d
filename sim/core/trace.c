/* trace: the trace writer and the run's digest (format in trace.h).
 *
 * Each record is encoded into one reusable buffer, hashed, and appended to the file through
 * stdio's buffer, so a record costs no allocation. The digest is computed whether or not a
 * file is written: it is the run's fingerprint.
 */
#include "trace.h"
#include "outfile.h"
#include "trace_int.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

G_DEFINE_QUARK(fl-trace-error-quark, fl_trace_error)

struct fl_trace {
  fl_outfile *out; /* NULL: digest only */
  FILE *f;
  uint64_t digest, records, bytes;
  int64_t last_ns;
  uint8_t *buf; /* the record being encoded: len bytes of cap */
  size_t len, cap;
  fl_trace_checkpoints *cp; /* or NULL */
};

const char *fl_trace_kind_name(fl_trace_kind k) {
  static const char *names[] = {"?",       "send",      "deliver", "drop",      "duplicate",
                                "timer",   "crash",     "restart", "pause",     "resume",
                                "partition", "heal",    "cut",     "net",       "invoke",
                                "complete", "annotate", "state",   "violation", "end",
                                "status"};
  return (unsigned)k < FL_TR_KIND_MAX ? names[k] : "?";
}

/* Every record is encoded on every event: plain stores into a buffer that only grows. */
static inline void reserve(fl_trace *t, size_t n) {
  if (t->len + n <= t->cap) return;
  while (t->len + n > t->cap) t->cap *= 2;
  t->buf = g_realloc(t->buf, t->cap);
}

static void put_u8(fl_trace *t, uint8_t v) {
  reserve(t, 1);
  t->buf[t->len++] = v;
}

static void put_uv(fl_trace *t, uint64_t v) {
  reserve(t, 10);
  if (v < 0x80) { /* most fields: one byte */
    t->buf[t->len++] = (uint8_t)v;
    return;
  }
  uint8_t *b = t->buf + t->len;
  int n = 0;
  do {
    b[n] = (uint8_t)(v & 0x7f);
    v >>= 7;
    if (v) b[n] |= 0x80;
    n++;
  } while (v);
  t->len += (size_t)n;
}

static void put_zz(fl_trace *t, int64_t v) { put_uv(t, fl__trace_zigzag(v)); }

static void put_str(fl_trace *t, const char *s) {
  size_t n = s ? strlen(s) : 0;
  put_uv(t, n);
  reserve(t, n);
  if (n) memcpy(t->buf + t->len, s, n);
  t->len += n;
}

static void begin(fl_trace *t, fl_trace_kind kind, int64_t time_ns) {
  /* Time never goes back: the scheduler guarantees it, and the encoding relies on it. */
  assert(time_ns >= t->last_ns);
  t->len = 0;
  put_u8(t, (uint8_t)kind);
  put_uv(t, (uint64_t)(time_ns - t->last_ns));
  t->last_ns = time_ns;
}

/* A record was hashed and counted: at a power of two, keep the digest so far (one branch per
 * record when nobody asked for checkpoints). */
static inline void counted(fl_trace *t) {
  if (!t->cp) return;
  t->cp->records = t->records;
  if ((t->records & (t->records - 1)) == 0)
    t->cp->digest[__builtin_ctzll(t->records)] = t->digest;
}

static void end(fl_trace *t) {
  t->digest = fl__trace_fnv(t->digest, t->buf, t->len);
  t->records++;
  counted(t);
  t->bytes += t->len;
  if (t->f) fwrite(t->buf, 1, t->len, t->f); /* errors surface at close */
}

fl_trace *fl_trace_open(const char *path, const char *meta_json, GError **error) {
  fl_trace *t = g_new0(fl_trace, 1);
  t->digest = FL_FNV_OFFSET;
  t->cap = 256;
  t->buf = g_malloc(t->cap);
  if (!path) return t;
  t->out = fl_outfile_open(path, "trace", FL_TRACE_ERROR, FL_TRACE_ERROR_IO, error);
  if (!t->out) {
    fl_trace_close(t, false, NULL);
    return NULL;
  }
  t->f = fl_outfile_stream(t->out);
  fwrite(FL_TRACE_MAGIC, 1, FL_TRACE_MAGIC_LEN, t->f);
  t->len = 0;
  put_str(t, meta_json ? meta_json : "{}");
  fwrite(t->buf, 1, t->len, t->f);
  return t;
}

bool fl_trace_has_file(const fl_trace *t) { return t->f != NULL; }

uint64_t fl_trace_payload_hash(const void *data, size_t len) {
  /* A word at a time: payloads are hashed on every send. */
  const unsigned char *p = data;
  uint64_t h = 0x9e3779b97f4a7c15ull ^ len;
  for (; len >= 8; p += 8, len -= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  if (len) {
    uint64_t w = 0;
    memcpy(&w, p, len);
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  return h;
}

void fl_trace_send(fl_trace *t, int64_t time_ns, uint64_t msg_id, int src, int dst, size_t len,
                   uint64_t payload_hash, const char *desc) {
  begin(t, FL_TR_SEND, time_ns);
  put_uv(t, msg_id);
  put_uv(t, (uint64_t)src);
  put_uv(t, (uint64_t)dst);
  put_uv(t, len);
  put_uv(t, payload_hash);
  t->digest = fl__trace_fnv(t->digest, t->buf, t->len);
  put_str(t, desc);
  t->records++;
  counted(t);
  t->bytes += t->len;
  if (t->f) fwrite(t->buf, 1, t->len, t->f);
}

static void msg_record(fl_trace *t, fl_trace_kind kind, int64_t time_ns, uint64_t msg_id, int src,
                       int dst) {
  begin(t, kind, time_ns);
  put_uv(t, msg_id);
  put_uv(t, (uint64_t)src);
  put_uv(t, (uint64_t)dst);
}

void fl_trace_deliver(fl_trace *t, int64_t time_ns, uint64_t msg_id, int src, int dst) {
  msg_record(t, FL_TR_DELIVER, time_ns, msg_id, src, dst);
  end(t);
}

void fl_trace_drop(fl_trace *t, int64_t time_ns, uint64_t msg_id, int src, int dst, int reason) {
  msg_record(t, FL_TR_DROP, time_ns, msg_id, src, dst);
  put_uv(t, (uint64_t)reason);
  end(t);
}

void fl_trace_duplicate(fl_trace *t, int64_t time_ns, uint64_t msg_id, int src, int dst) {
  msg_record(t, FL_TR_DUPLICATE, time_ns, msg_id, src, dst);
  end(t);
}

void fl_trace_timer(fl_trace *t, int64_t time_ns, int node, uint64_t tag) {
  begin(t, FL_TR_TIMER, time_ns);
  put_uv(t, (uint64_t)node);
  put_uv(t, tag);
  end(t);
}

void fl_trace_node_event(fl_trace *t, int64_t time_ns, fl_trace_kind kind, int node) {
  assert(kind == FL_TR_CRASH || kind == FL_TR_RESTART || kind == FL_TR_PAUSE ||
           kind == FL_TR_RESUME);
  begin(t, kind, time_ns);
  put_uv(t, (uint64_t)node);
  end(t);
}

void fl_trace_partition(fl_trace *t, int64_t time_ns, const int *group_of, int n) {
  begin(t, FL_TR_PARTITION, time_ns);
  put_uv(t, (uint64_t)n);
  for (int i = 0; i < n; i++) put_uv(t, (uint64_t)group_of[i]);
  end(t);
}

void fl_trace_heal(fl_trace *t, int64_t time_ns) {
  begin(t, FL_TR_HEAL, time_ns);
  end(t);
}

void fl_trace_cut(fl_trace *t, int64_t time_ns, int src, int dst, bool cut) {
  begin(t, FL_TR_CUT, time_ns);
  put_uv(t, (uint64_t)src);
  put_uv(t, (uint64_t)dst);
  put_uv(t, cut ? 1 : 0);
  end(t);
}

void fl_trace_net_change(fl_trace *t, int64_t time_ns, const char *what) {
  begin(t, FL_TR_NET_CHANGE, time_ns);
  put_str(t, what);
  end(t);
}

void fl_trace_invoke(fl_trace *t, int64_t time_ns, int client, uint64_t process, uint64_t seq,
                     int op_kind, int64_t key, int64_t value, int64_t expected, int node) {
  begin(t, FL_TR_INVOKE, time_ns);
  put_uv(t, (uint64_t)client);
  put_uv(t, process);
  put_uv(t, seq);
  put_uv(t, (uint64_t)op_kind);
  put_zz(t, key);
  put_zz(t, value);
  put_zz(t, expected);
  put_uv(t, (uint64_t)node);
  end(t);
}

void fl_trace_complete(fl_trace *t, int64_t time_ns, int client, uint64_t process, uint64_t seq,
                       int outcome, bool has_value, int64_t value) {
  begin(t, FL_TR_COMPLETE, time_ns);
  put_uv(t, (uint64_t)client);
  put_uv(t, process);
  put_uv(t, seq);
  put_uv(t, (uint64_t)outcome);
  put_uv(t, has_value ? 1 : 0);
  put_zz(t, value);
  end(t);
}

static void node_text(fl_trace *t, fl_trace_kind kind, int64_t time_ns, int node,
                      const char *text) {
  begin(t, kind, time_ns);
  put_uv(t, (uint64_t)node);
  put_str(t, text);
  end(t);
}

void fl_trace_annotate(fl_trace *t, int64_t time_ns, int node, const char *text) {
  node_text(t, FL_TR_ANNOTATE, time_ns, node, text);
}

void fl_trace_state(fl_trace *t, int64_t time_ns, int node, const char *text) {
  node_text(t, FL_TR_STATE, time_ns, node, text);
}

void fl_trace_status(fl_trace *t, int64_t time_ns, int node, const fl_node_status *st) {
  if (!t->f) return; /* outside the digest: nothing to do without a file */
  /* Encoded like any record, then written without hashing or counting; last_ns is put back
   * so the next record's dt, and so its bytes and the digest, are what they would be without
   * this record. */
  int64_t last = t->last_ns;
  begin(t, FL_TR_STATUS, time_ns);
  t->last_ns = last;
  put_uv(t, (uint64_t)node);
  put_uv(t, (uint64_t)st->role);
  char word[FL_STATUS_WORD_SIZE];
  memcpy(word, st->word, sizeof word);
  word[sizeof word - 1] = '\0';
  put_str(t, word);
  put_uv(t, (uint64_t)st->term_kind);
  put_uv(t, st->term);
  put_uv(t, (uint64_t)((int64_t)st->leader + 1));
  put_uv(t, (st->has_commit ? 1u : 0u) | (st->has_applied ? 2u : 0u));
  put_uv(t, st->has_commit ? st->commit : 0);
  put_uv(t, st->has_applied ? st->applied : 0);
  t->bytes += t->len;
  fwrite(t->buf, 1, t->len, t->f);
}

void fl_trace_violation(fl_trace *t, int64_t time_ns, const char *text) {
  begin(t, FL_TR_VIOLATION, time_ns);
  put_str(t, text);
  end(t);
}

void fl_trace_set_checkpoints(fl_trace *t, fl_trace_checkpoints *cp) {
  t->cp = cp;
  if (cp) cp->records = t->records;
}

uint64_t fl_trace_digest(const fl_trace *t) { return t->digest; }
uint64_t fl_trace_records(const fl_trace *t) { return t->records; }
uint64_t fl_trace_bytes(const fl_trace *t) { return t->bytes; }

bool fl_trace_close(fl_trace *t, bool keep, GError **error) {
  if (!t) return true;
  if (t->f && keep) {
    /* The end record carries the digest of everything before it and is not hashed. */
    t->len = 0;
    put_u8(t, FL_TR_END);
    put_uv(t, 0);
    for (int i = 0; i < 8; i++) put_u8(t, (uint8_t)(t->digest >> (8 * i)));
    fwrite(t->buf, 1, t->len, t->f);
  }
  bool ok = fl_outfile_close(t->out, keep, error);
  g_free(t->buf);
  g_free(t);
  return ok;
}
