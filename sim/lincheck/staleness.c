/* staleness: stale reads, versions behind, lag and t-visibility of a register history (see
 * staleness.h for the definitions).
 *
 * Streaming, because every event is known when a read completes: the writes acknowledged
 * before the read's invocation are all in, and a possible source still open then will be
 * acknowledged after the read's invocation, which can never make the read stale. So the
 * analyser never holds reads, only each key's acknowledged writes.
 *
 * Each key keeps its acknowledged writes in acknowledgement order (the order they are fed), so
 * "acknowledged before the read's invocation" is a prefix found by binary search, and the
 * writes newer than the source w_v lie after w_v's acknowledgement in that array: the missed
 * writes are those of the slice (ack(w_v), invoke(read)) invoked after ack(w_v). The slice
 * holds the missed writes plus the writes concurrent with w_v (at most one per client), so a
 * read costs O(log W + versions behind + clients). Rejected: rescanning every write of the key
 * per read, quadratic on long runs of few keys.
 */
#include "staleness.h"

#include <string.h>

G_DEFINE_QUARK(fl-staleness-error-quark, fl_staleness_error)

typedef struct acked_write {
  uint64_t invoke_seq, ack_seq; /* event positions */
  int64_t ack_ns;
} acked_write;

/* The writes of one value to one key. */
typedef struct value_state {
  int64_t value; /* the hash key points here */
  uint64_t acked;       /* acknowledged writes */
  uint64_t max_ack_seq; /* the last acknowledgement among them */
  uint64_t unresolved;  /* writes in flight or of unknown outcome: possible sources ack'ed later */
} value_state;

typedef struct key_state {
  int64_t key;      /* the hash key points here */
  GArray *acked;    /* acked_write, in acknowledgement order */
  GHashTable *values; /* int64 value -> value_state (owned) */
} key_state;

typedef struct open_op {
  int64_t process; /* the hash key points here */
  fl_staleness_op op;
  int64_t key, value;
  uint64_t invoke_seq;
  int64_t invoke_ns;
} open_op;

struct fl_staleness {
  uint64_t seq;       /* events so far; the next event's position is seq + 1 (0: "before all") */
  GHashTable *keys;   /* int64 key -> key_state (owned) */
  GHashTable *open;   /* int64 process -> open_op (owned) */
  fl_staleness_result r;
};

static void key_state_free(gpointer p) {
  key_state *k = p;
  g_array_free(k->acked, TRUE);
  g_hash_table_destroy(k->values);
  g_free(k);
}

fl_staleness *fl_staleness_new(void) {
  fl_staleness *s = g_new0(fl_staleness, 1);
  s->keys = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, key_state_free);
  s->open = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
  return s;
}

void fl_staleness_free(fl_staleness *s) {
  if (!s) return;
  g_hash_table_destroy(s->keys);
  g_hash_table_destroy(s->open);
  g_free(s);
}

static key_state *key_get(fl_staleness *s, int64_t key) {
  key_state *k = g_hash_table_lookup(s->keys, &key);
  if (k) return k;
  k = g_new0(key_state, 1);
  k->key = key;
  k->acked = g_array_new(FALSE, TRUE, sizeof(acked_write));
  k->values = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
  g_hash_table_insert(s->keys, &k->key, k);
  return k;
}

static value_state *value_get(key_state *k, int64_t value) {
  value_state *v = g_hash_table_lookup(k->values, &value);
  if (v) return v;
  v = g_new0(value_state, 1);
  v->value = value;
  g_hash_table_insert(k->values, &v->value, v);
  return v;
}

bool fl_staleness_invoke(fl_staleness *s, int64_t time_ns, int64_t process, fl_staleness_op op,
                         int64_t key, int64_t value, GError **error) {
  if (g_hash_table_contains(s->open, &process)) {
    g_set_error(error, FL_STALENESS_ERROR, FL_STALENESS_ERROR_HISTORY,
                "event %" G_GUINT64_FORMAT ": expected process %" G_GINT64_FORMAT
                " to complete its open operation, found another invocation",
                s->seq + 1, process);
    return false;
  }
  open_op *o = g_new0(open_op, 1);
  o->process = process;
  o->op = op;
  o->key = key;
  o->value = op == FL_STALENESS_WRITE ? value : 0;
  o->invoke_seq = ++s->seq;
  o->invoke_ns = time_ns;
  g_hash_table_insert(s->open, &o->process, o);
  /* A write is a possible source from its invocation on. */
  if (op == FL_STALENESS_WRITE) value_get(key_get(s, key), value)->unresolved++;
  return true;
}

/* The number of acknowledged writes whose acknowledgement is at or before position `seq`. */
static guint acked_upto(const GArray *a, uint64_t seq) {
  guint lo = 0, hi = a->len;
  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    if (g_array_index(a, acked_write, mid).ack_seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

static int bucket_of(int64_t dt_ns) {
  for (int i = 0; i < FL_STALENESS_BUCKETS - 1; i++)
    if (dt_ns < fl_staleness_bucket_below_ns(i)) return i;
  return FL_STALENESS_BUCKETS - 1;
}

static void read_done(fl_staleness *s, const open_op *o, bool has_value, int64_t value) {
  fl_staleness_result *r = &s->r;
  r->reads++;
  key_state *k = g_hash_table_lookup(s->keys, &o->key);
  /* The source's acknowledgement position: 0 for the initial value (before every event),
   * UINT64_MAX for a source acknowledged after the read began (or never). */
  uint64_t src_ack = 0;
  if (has_value) {
    value_state *v = k ? g_hash_table_lookup(k->values, &value) : NULL;
    if (!v || v->acked + v->unresolved == 0) {
      r->unexplained++;
      return;
    }
    if (v->acked + v->unresolved > 1) r->ambiguous++;
    src_ack = v->unresolved > 0 ? UINT64_MAX : v->max_ack_seq;
  }
  guint before = k ? acked_upto(k->acked, o->invoke_seq) : 0;
  if (before == 0) return; /* nothing acknowledged before it: neither stale nor in t-visibility */
  uint64_t missed = 0;
  int64_t lag = 0;
  if (src_ack == 0) {
    /* The initial value: every write before the read is newer (no scan, however many). */
    missed = before;
    lag = o->invoke_ns - g_array_index(k->acked, acked_write, before - 1).ack_ns;
  } else if (src_ack < o->invoke_seq) {
    /* Candidates lie after the source's acknowledgement; scan newest first so the first missed
     * write found is the newest. */
    guint from = acked_upto(k->acked, src_ack);
    for (guint i = before; i-- > from;) {
      const acked_write *w = &g_array_index(k->acked, acked_write, i);
      if (w->invoke_seq <= src_ack) continue; /* concurrent with the source */
      if (missed++ == 0) lag = o->invoke_ns - w->ack_ns;
    }
  }
  if (missed > 0) {
    r->stale++;
    r->versions_total += missed;
    if (missed > r->versions_max) r->versions_max = missed;
    if (lag > r->lag_max_ns) r->lag_max_ns = lag;
  }
  int64_t dt = o->invoke_ns - g_array_index(k->acked, acked_write, before - 1).ack_ns;
  fl_staleness_bucket *b = &r->buckets[bucket_of(dt)];
  b->reads++;
  if (missed == 0) b->fresh++;
}

bool fl_staleness_complete(fl_staleness *s, int64_t time_ns, int64_t process,
                           fl_staleness_outcome outcome, bool has_value, int64_t value,
                           GError **error) {
  open_op *o = g_hash_table_lookup(s->open, &process);
  if (!o) {
    g_set_error(error, FL_STALENESS_ERROR, FL_STALENESS_ERROR_HISTORY,
                "event %" G_GUINT64_FORMAT ": expected an invocation by process %" G_GINT64_FORMAT
                ", found a completion with no operation open",
                s->seq + 1, process);
    return false;
  }
  uint64_t seq = ++s->seq;
  if (o->op == FL_STALENESS_WRITE) {
    key_state *k = key_get(s, o->key);
    value_state *v = value_get(k, o->value);
    if (outcome == FL_STALENESS_OK) {
      v->unresolved--;
      v->acked++;
      v->max_ack_seq = seq;
      acked_write w = {.invoke_seq = o->invoke_seq, .ack_seq = seq, .ack_ns = time_ns};
      g_array_append_val(k->acked, w);
    } else if (outcome == FL_STALENESS_FAIL) {
      v->unresolved--;
    } /* UNKNOWN: stays a possible source for good */
  } else if (outcome == FL_STALENESS_OK) {
    read_done(s, o, has_value, value);
  }
  g_hash_table_remove(s->open, &process);
  return true;
}

void fl_staleness_get(const fl_staleness *s, fl_staleness_result *out) { *out = s->r; }

int64_t fl_staleness_bucket_below_ns(int i) {
  static const int64_t below[FL_STALENESS_BUCKETS] = {1000000, 10000000, 100000000, 1000000000,
                                                      -1};
  return i >= 0 && i < FL_STALENESS_BUCKETS ? below[i] : -1;
}

const char *fl_staleness_bucket_name(int i) {
  static const char *names[FL_STALENESS_BUCKETS] = {"<1ms", "<10ms", "<100ms", "<1s", ">=1s"};
  return i >= 0 && i < FL_STALENESS_BUCKETS ? names[i] : "?";
}

void fl_staleness_to_json(const fl_staleness_result *r, JsonBuilder *b) {
#define INT(name, v)                          \
  do {                                        \
    json_builder_set_member_name(b, name);    \
    json_builder_add_int_value(b, (gint64)(v)); \
  } while (0)
  INT("reads", r->reads);
  INT("stale", r->stale);
  INT("versions_max", r->versions_max);
  INT("versions_total", r->versions_total);
  INT("lag_max_ns", r->lag_max_ns);
  INT("ambiguous", r->ambiguous);
  INT("unexplained", r->unexplained);
  json_builder_set_member_name(b, "t_visibility");
  json_builder_begin_array(b);
  for (int i = 0; i < FL_STALENESS_BUCKETS; i++) {
    const fl_staleness_bucket *k = &r->buckets[i];
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "bucket");
    json_builder_add_string_value(b, fl_staleness_bucket_name(i));
    json_builder_set_member_name(b, "below_ns");
    if (fl_staleness_bucket_below_ns(i) < 0) json_builder_add_null_value(b);
    else json_builder_add_int_value(b, fl_staleness_bucket_below_ns(i));
    INT("reads", k->reads);
    INT("fresh", k->fresh);
    json_builder_set_member_name(b, "p_fresh");
    if (k->reads == 0) json_builder_add_null_value(b);
    else json_builder_add_double_value(b, (double)k->fresh / (double)k->reads);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
#undef INT
}
