/* txn: atomic visibility and serializability of a transaction history (definitions in txn.h).
 *
 * Keys and values are interned to small integers first (in order of first appearance, so
 * everything after is deterministic): a key's index, and for every write a write id. The read
 * checks then follow each external read to its one writer. The serializability search works on
 * those integers only: a store is an array of write ids (-1: nil) indexed by key. */
#include "lincheck_int.h"
#include "txn.h"

#include <stdarg.h>
#include <string.h>

#include "fl_limits.h"

/* A micro-op's `val` besides write ids (>= 0). */
#define NIL_VAL (-1)  /* nil: the key's value before every write */
#define PENDING (-2)  /* a read of a value, not yet resolved to its write */
#define SKIP (-3)     /* a read never compared: internal, or of a transaction with unknown outcome */

typedef struct mop {
  bool write;
  uint32_t key;  /* key index */
  int32_t val;   /* write id, NIL_VAL, PENDING or SKIP */
  const fl_lincheck_value *key_v, *val_v; /* for messages */
} mop;

typedef struct wr {
  uint32_t txn, pos; /* the transaction and the micro-op's position in it */
  bool last;         /* the transaction's last write of this key */
} wr;

typedef struct txn {
  const fl_lincheck_op *op;
  bool ok;            /* committed; else unknown */
  bool include;       /* in the serializability search */
  uint32_t first, n;  /* its micro-ops in mops[] */
  GArray *observes;   /* uint32 txn indices this one read from */
} txn;

typedef struct checker {
  const fl_lincheck_history *h;
  GArray *txns;       /* txn */
  GArray *mops;       /* mop */
  GArray *writes;     /* wr, by write id */
  GHashTable *keys;   /* key text -> index + 1 */
  GHashTable *vals;   /* "key\x1fvalue" -> write id + 1 */
  uint32_t n_keys;
  GError **error;
  char *anomaly;
} checker;

static char *value_text(const fl_lincheck_value *v) { return fl_lincheck_value_describe(v); }

static bool bad_op(checker *c, const fl_lincheck_op *op, const char *what) {
  g_set_error(c->error, FL_LINCHECK_ERROR, FL_LINCHECK_ERROR_MODEL,
              "%s:%u: expected a transaction (f txn, value [[r|w key value] ...]), found %s",
              fl_lincheck_history_name(c->h), op->call_line, what);
  return false;
}

static bool scalar(const fl_lincheck_value *v) {
  return v->kind == FL_LINCHECK_VAL_INT || v->kind == FL_LINCHECK_VAL_STR;
}

static uint32_t intern_key(checker *c, const fl_lincheck_value *k) {
  char *t = value_text(k);
  gpointer p = g_hash_table_lookup(c->keys, t);
  if (p) {
    g_free(t);
    return GPOINTER_TO_UINT(p) - 1;
  }
  g_hash_table_insert(c->keys, t, GUINT_TO_POINTER(++c->n_keys));
  return c->n_keys - 1;
}

static char *val_id_text(uint32_t key, const fl_lincheck_value *v) {
  char *t = value_text(v);
  char *s = g_strdup_printf("%u\x1f%s", key, t);
  g_free(t);
  return s;
}

/* Reads one transaction's micro-ops (from its result if it committed: reads carry values). */
static bool load_txn(checker *c, const fl_lincheck_op *op) {
  if (strcmp(op->f, "txn") != 0) {
    char *what = g_strdup_printf("f %s", op->f);
    bool r = bad_op(c, op, what);
    g_free(what);
    return r;
  }
  bool ok = op->outcome == FL_LINCHECK_OK;
  const fl_lincheck_value *v = ok ? &op->out : &op->in;
  if (v->kind != FL_LINCHECK_VAL_LIST) return bad_op(c, op, "a value that is not a list");
  txn t = {.op = op, .ok = ok, .include = ok, .first = c->mops->len, .n = v->n,
           .observes = g_array_new(FALSE, FALSE, sizeof(uint32_t))};
  uint32_t ti = c->txns->len;
  g_array_append_val(c->txns, t);
  for (uint32_t i = 0; i < v->n; i++) {
    const fl_lincheck_value *m = &v->items[i];
    if (m->kind != FL_LINCHECK_VAL_LIST || m->n != 3 || m->items[0].kind != FL_LINCHECK_VAL_STR ||
        (strcmp(m->items[0].s, "r") != 0 && strcmp(m->items[0].s, "w") != 0) ||
        !scalar(&m->items[1]))
      return bad_op(c, op, "a micro-op that is not [r|w key value]");
    mop x = {.write = m->items[0].s[0] == 'w', .key = intern_key(c, &m->items[1]),
             .val = NIL_VAL, .key_v = &m->items[1], .val_v = &m->items[2]};
    const fl_lincheck_value *val = &m->items[2];
    if (x.write) {
      if (!scalar(val)) return bad_op(c, op, "a write of nil");
      char *id = val_id_text(x.key, val);
      gpointer p = g_hash_table_lookup(c->vals, id);
      if (p) {
        const wr *w = &g_array_index(c->writes, wr, GPOINTER_TO_UINT(p) - 1);
        char *kt = value_text(&m->items[1]), *vt = value_text(val);
        g_set_error(c->error, FL_LINCHECK_ERROR, FL_LINCHECK_ERROR_MODEL,
                    "%s:%u: expected each value written to a key once, found key %s = %s "
                    "written again (first on line %u)",
                    fl_lincheck_history_name(c->h), op->call_line, kt, vt,
                    g_array_index(c->txns, txn, w->txn).op->call_line);
        g_free(kt);
        g_free(vt);
        g_free(id);
        return false;
      }
      wr w = {.txn = ti, .pos = i, .last = true};
      /* An earlier write of the same key in this transaction is no longer its last. */
      for (uint32_t j = 0; j < i; j++) {
        const mop *e = &g_array_index(c->mops, mop, t.first + j);
        if (e->write && e->key == x.key) g_array_index(c->writes, wr, e->val).last = false;
      }
      x.val = (int32_t)c->writes->len;
      g_array_append_val(c->writes, w);
      g_hash_table_insert(c->vals, id, GUINT_TO_POINTER(c->writes->len));
    } else if (scalar(val)) {
      x.val = PENDING; /* resolved once every write is known */
    } else if (val->kind != FL_LINCHECK_VAL_NIL) {
      return bad_op(c, op, "a read of a list");
    }
    g_array_append_val(c->mops, x);
  }
  return true;
}

static void set_anomaly(checker *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void set_anomaly(checker *c, const char *fmt, ...) {
  if (c->anomaly) return;
  va_list ap;
  va_start(ap, fmt);
  c->anomaly = g_strdup_vprintf(fmt, ap);
  va_end(ap);
}

static uint32_t line_of(const checker *c, uint32_t t) {
  return g_array_index(c->txns, txn, t).op->call_line;
}

/* Checks 1-4 (txn.h) for the reads of committed transactions; resolves reads to write ids and
 * records who observes whom. Unknown transactions' reads are unknown: dropped. */
static void check_reads(checker *c) {
  for (uint32_t t = 0; t < c->txns->len && !c->anomaly; t++) {
    txn *x = &g_array_index(c->txns, txn, t);
    for (uint32_t i = 0; i < x->n && !c->anomaly; i++) {
      mop *m = &g_array_index(c->mops, mop, x->first + i);
      if (m->write) continue;
      if (!x->ok) {
        m->val = SKIP;
        continue;
      }
      int32_t own = -3;
      for (uint32_t j = 0; j < i; j++) {
        const mop *e = &g_array_index(c->mops, mop, x->first + j);
        if (e->write && e->key == m->key) own = e->val;
      }
      int32_t got = NIL_VAL;
      if (m->val == PENDING) {
        char *id = val_id_text(m->key, m->val_v);
        gpointer p = g_hash_table_lookup(c->vals, id);
        g_free(id);
        got = p ? (int32_t)GPOINTER_TO_UINT(p) - 1 : PENDING;
      }
      char *kt = value_text(m->key_v), *vt = value_text(m->val_v);
      if (own >= 0) {
        if (got != own) {
          const mop *w = NULL;
          for (uint32_t j = 0; j < i; j++) {
            const mop *e = &g_array_index(c->mops, mop, x->first + j);
            if (e->write && e->key == m->key) w = e;
          }
          char *wt = value_text(w->val_v);
          set_anomaly(c, "internal read: the transaction on line %u read %s = %s after writing %s",
                      x->op->call_line, kt, vt, wt);
          g_free(wt);
        }
        m->val = SKIP; /* internal: not part of the store's history */
      } else if (got == PENDING) {
        set_anomaly(c, "garbage read: the transaction on line %u read %s = %s, which no "
                       "transaction wrote", x->op->call_line, kt, vt);
      } else if (got >= 0) {
        const wr *w = &g_array_index(c->writes, wr, got);
        if (w->txn == t)
          set_anomaly(c, "future read: the transaction on line %u read %s = %s, which it writes "
                         "later", x->op->call_line, kt, vt);
        else if (!w->last)
          set_anomaly(c, "intermediate read: the transaction on line %u read %s = %s, which the "
                         "transaction on line %u overwrote", x->op->call_line, kt, vt,
                      line_of(c, w->txn));
        g_array_append_val(x->observes, w->txn);
        g_array_index(c->txns, txn, w->txn).include = true;
        m->val = got;
      } else {
        m->val = NIL_VAL;
      }
      g_free(kt);
      g_free(vt);
    }
  }
}

/* Does `from` observe `to`, directly or transitively? Breadth-first over the observes edges. */
static bool precedes(const checker *c, uint32_t to, uint32_t from) {
  uint32_t n = c->txns->len;
  uint8_t *seen = g_new0(uint8_t, n);
  GArray *queue = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  g_array_append_val(queue, from);
  seen[from] = 1;
  bool found = false;
  for (guint q = 0; q < queue->len && !found; q++) {
    const txn *x = &g_array_index(c->txns, txn, g_array_index(queue, uint32_t, q));
    for (guint k = 0; k < x->observes->len && !found; k++) {
      uint32_t y = g_array_index(x->observes, uint32_t, k);
      if (y == to) found = true;
      if (!seen[y]) {
        seen[y] = 1;
        g_array_append_val(queue, y);
      }
    }
  }
  g_array_free(queue, TRUE);
  g_free(seen);
  return found;
}

/* Check 5: for each external read of T from W, T's other external reads of keys W wrote. */
static void check_fractured(checker *c) {
  for (uint32_t t = 0; t < c->txns->len && !c->anomaly; t++) {
    const txn *x = &g_array_index(c->txns, txn, t);
    if (!x->ok) continue;
    for (uint32_t i = 0; i < x->n && !c->anomaly; i++) {
      const mop *r1 = &g_array_index(c->mops, mop, x->first + i);
      if (r1->write || r1->val < 0) continue;
      uint32_t w = g_array_index(c->writes, wr, r1->val).txn;
      const txn *wx = &g_array_index(c->txns, txn, w);
      for (uint32_t j = 0; j < x->n && !c->anomaly; j++) {
        const mop *r2 = &g_array_index(c->mops, mop, x->first + j);
        if (r2->write || r2->key == r1->key || r2->val == SKIP) continue;
        int32_t wval = -3; /* W's last write of r2's key */
        for (uint32_t k = 0; k < wx->n; k++) {
          const mop *e = &g_array_index(c->mops, mop, wx->first + k);
          if (e->write && e->key == r2->key) wval = e->val;
        }
        if (wval < 0 || r2->val == wval) continue;
        bool before = r2->val == NIL_VAL ||
                      precedes(c, g_array_index(c->writes, wr, r2->val).txn, w);
        if (!before) continue;
        char *k1 = value_text(r1->key_v), *k2 = value_text(r2->key_v), *v2 = value_text(r2->val_v);
        set_anomaly(c, "fractured read: the transaction on line %u read the write of %s by the "
                       "transaction on line %u, but %s = %s, from before that transaction",
                    x->op->call_line, k1, wx->op->call_line, k2, v2);
        g_free(k1);
        g_free(k2);
        g_free(v2);
      }
    }
  }
}

/* ---- Serializability: depth-first search for a serial order ------------------------------ */

typedef struct kv {
  uint32_t key;
  int32_t val;
} kv;

typedef struct stxn {
  uint32_t call_pos, ret_pos;
  GArray *reads;  /* kv: external reads a committed transaction needs */
  GArray *writes; /* kv: last write per key */
} stxn;

typedef struct frame {
  uint32_t next;    /* next candidate to try at this depth */
  uint32_t chosen;  /* the transaction placed from this depth, UINT32_MAX if none */
  uint32_t min_ret; /* real-time bound at this depth (strict phase) */
  guint undo_at;    /* chosen's overwritten store values start here in search.undo */
} frame;

typedef struct search {
  uint32_t n, n_keys;
  stxn *t;
  int32_t *cur;
  uint8_t *placed;
  uint64_t h1, h2;
  GHashTable *seen;
  GArray *undo; /* int32: store values overwritten by the placed transactions, a stack */
  uint64_t steps, max;
} search;

static uint64_t z_txn(uint32_t i, uint64_t salt) { return fl__lincheck_mix64(((uint64_t)i << 1 | 1) ^ salt); }
static uint64_t z_val(uint32_t k, int32_t v, uint64_t salt) {
  return fl__lincheck_mix64(((uint64_t)k << 32 | (uint32_t)v) ^ salt ^ 0x5bd1e995ULL);
}
#define SALT1 0x9e3779b97f4a7c15ULL
#define SALT2 0xc2b2ae3d27d4eb4fULL

static bool placeable(const search *s, uint32_t i) {
  const GArray *r = s->t[i].reads;
  for (guint k = 0; k < r->len; k++) {
    const kv *e = &g_array_index(r, kv, k);
    if (s->cur[e->key] != e->val) return false;
  }
  return true;
}

static void set_cur(search *s, uint32_t key, int32_t val) {
  s->h1 ^= z_val(key, s->cur[key], SALT1) ^ z_val(key, val, SALT1);
  s->h2 ^= z_val(key, s->cur[key], SALT2) ^ z_val(key, val, SALT2);
  s->cur[key] = val;
}

static void place(search *s, uint32_t i, frame *f) {
  const GArray *w = s->t[i].writes;
  f->undo_at = s->undo->len;
  for (guint k = 0; k < w->len; k++) {
    const kv *e = &g_array_index(w, kv, k);
    g_array_append_val(s->undo, s->cur[e->key]);
    set_cur(s, e->key, e->val);
  }
  s->placed[i] = 1;
  s->h1 ^= z_txn(i, SALT1);
  s->h2 ^= z_txn(i, SALT2);
  f->chosen = i;
}

static void unplace(search *s, frame *f) {
  uint32_t i = f->chosen;
  const GArray *w = s->t[i].writes;
  for (guint k = w->len; k-- > 0;)
    set_cur(s, g_array_index(w, kv, k).key, g_array_index(s->undo, int32_t, f->undo_at + k));
  g_array_set_size(s->undo, f->undo_at);
  s->placed[i] = 0;
  s->h1 ^= z_txn(i, SALT1);
  s->h2 ^= z_txn(i, SALT2);
  f->chosen = UINT32_MAX;
}

static uint32_t min_ret(const search *s) {
  uint32_t m = UINT32_MAX;
  for (uint32_t i = 0; i < s->n; i++)
    if (!s->placed[i] && s->t[i].ret_pos < m) m = s->t[i].ret_pos;
  return m;
}

typedef enum { FOUND, NONE, OUT_OF_STEPS } outcome;

/* Depth first, iteratively (a history may hold thousands of transactions). With `strict`,
 * only a transaction invoked before every unplaced one completed may come next. A state seen
 * before (same placed set, same store) failed then and is skipped. */
static outcome dfs(search *s, bool strict) {
  s->seen = g_hash_table_new_full(g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref, NULL);
  s->undo = g_array_new(FALSE, FALSE, sizeof(int32_t));
  memset(s->placed, 0, s->n);
  for (uint32_t k = 0; k < s->n_keys; k++) s->cur[k] = NIL_VAL;
  s->h1 = s->h2 = 0;
  frame *fr = g_new0(frame, (gsize)s->n + 1);
  uint32_t depth = 0;
  fr[0].chosen = UINT32_MAX;
  fr[0].min_ret = strict ? min_ret(s) : UINT32_MAX;
  outcome out = NONE;
  for (;;) {
    if (depth == s->n) {
      out = FOUND;
      break;
    }
    frame *f = &fr[depth];
    uint32_t j = f->next;
    for (; j < s->n; j++) {
      if (s->placed[j] || (strict && s->t[j].call_pos > f->min_ret) || !placeable(s, j)) continue;
      place(s, j, f);
      uint64_t fp[2] = {s->h1, s->h2};
      GBytes *b = g_bytes_new(fp, sizeof fp);
      if (g_hash_table_contains(s->seen, b)) {
        g_bytes_unref(b);
        unplace(s, f);
        continue;
      }
      g_hash_table_add(s->seen, b);
      break;
    }
    if (j < s->n) {
      f->next = j + 1;
      if (s->max && ++s->steps > s->max) {
        out = OUT_OF_STEPS;
        break;
      }
      depth++;
      fr[depth].next = 0;
      fr[depth].chosen = UINT32_MAX;
      fr[depth].min_ret = strict ? min_ret(s) : UINT32_MAX;
      continue;
    }
    if (depth == 0) break; /* every first choice failed */
    depth--;
    unplace(s, &fr[depth]);
  }
  g_free(fr);
  g_hash_table_destroy(s->seen);
  s->seen = NULL;
  g_array_free(s->undo, TRUE);
  s->undo = NULL;
  return out;
}

static outcome serializable(checker *c, uint64_t max_steps, uint64_t *steps, uint32_t *n_txns) {
  search s = {.n_keys = c->n_keys, .max = max_steps};
  GArray *t = g_array_new(FALSE, TRUE, sizeof(stxn));
  for (uint32_t i = 0; i < c->txns->len; i++) {
    const txn *x = &g_array_index(c->txns, txn, i);
    if (!x->include) continue;
    stxn st = {.call_pos = x->op->call_pos, .ret_pos = x->op->ret_pos,
               .reads = g_array_new(FALSE, FALSE, sizeof(kv)),
               .writes = g_array_new(FALSE, FALSE, sizeof(kv))};
    for (uint32_t k = 0; k < x->n; k++) {
      const mop *m = &g_array_index(c->mops, mop, x->first + k);
      kv e = {m->key, m->val};
      if (!m->write) {
        if (x->ok && m->val >= NIL_VAL) g_array_append_val(st.reads, e);
        continue;
      }
      guint w = 0;
      while (w < st.writes->len && g_array_index(st.writes, kv, w).key != m->key) w++;
      if (w < st.writes->len) g_array_index(st.writes, kv, w).val = m->val;
      else g_array_append_val(st.writes, e);
    }
    g_array_append_val(t, st);
  }
  s.n = t->len;
  s.t = (stxn *)(void *)t->data;
  s.cur = g_new(int32_t, c->n_keys ? c->n_keys : 1);
  s.placed = g_new0(uint8_t, s.n ? s.n : 1);
  outcome o = dfs(&s, true);
  if (o == NONE) o = dfs(&s, false); /* the step budget covers both phases */
  *steps = s.steps;
  *n_txns = s.n;
  for (uint32_t i = 0; i < s.n; i++) {
    g_array_free(s.t[i].reads, TRUE);
    g_array_free(s.t[i].writes, TRUE);
  }
  g_array_free(t, TRUE);
  g_free(s.cur);
  g_free(s.placed);
  return o;
}

/* ---- Entry -------------------------------------------------------------------------------- */

void fl_txn_check_opts_init(fl_txn_check_opts *o) {
  memset(o, 0, sizeof *o);
  o->max_steps = 1000000;
}

const char *fl_txn_verdict_name(fl_lin_verdict v) {
  switch (v) {
  case FL_LIN_OK: return "serializable";
  case FL_LIN_VIOLATION: return "not serializable";
  default: return "unknown";
  }
}

static void checker_clear(checker *c) {
  for (guint i = 0; c->txns && i < c->txns->len; i++)
    g_array_free(g_array_index(c->txns, txn, i).observes, TRUE);
  if (c->txns) g_array_free(c->txns, TRUE);
  if (c->mops) g_array_free(c->mops, TRUE);
  if (c->writes) g_array_free(c->writes, TRUE);
  if (c->keys) g_hash_table_destroy(c->keys);
  if (c->vals) g_hash_table_destroy(c->vals);
  g_free(c->anomaly);
}

fl_lincheck_result *fl_txn_check(const fl_lincheck_history *h, const fl_txn_check_opts *o,
                                 GError **error) {
  fl_txn_check_opts defaults;
  if (!o) {
    fl_txn_check_opts_init(&defaults);
    o = &defaults;
  }
  size_t n = fl_lincheck_history_n_ops(h);
  if (n > FL_LIMIT_TXN_CHECK) {
    g_set_error(error, FL_LINCHECK_ERROR, FL_LINCHECK_ERROR_MODEL,
                "%s: expected at most %d transactions, found %zu", fl_lincheck_history_name(h),
                FL_LIMIT_TXN_CHECK, n);
    return NULL;
  }
  int64_t t0 = g_get_monotonic_time();
  checker c = {.h = h, .error = error};
  c.txns = g_array_new(FALSE, TRUE, sizeof(txn));
  c.mops = g_array_new(FALSE, TRUE, sizeof(mop));
  c.writes = g_array_new(FALSE, TRUE, sizeof(wr));
  c.keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  c.vals = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (size_t i = 0; i < n; i++) {
    if (!load_txn(&c, fl_lincheck_history_op(h, i))) {
      checker_clear(&c);
      return NULL;
    }
  }
  fl_lincheck_result *r = g_new0(fl_lincheck_result, 1);
  r->n_ops = c.txns->len;
  r->n_parts = 1;
  check_reads(&c);
  check_fractured(&c);
  if (c.anomaly) {
    r->verdict = FL_LIN_VIOLATION;
    r->reason = g_strdup(c.anomaly);
  } else {
    uint64_t steps = 0;
    uint32_t searched = 0;
    outcome out = serializable(&c, o->max_steps > 0 ? (uint64_t)o->max_steps : 0, &steps, &searched);
    r->steps = steps;
    if (out == FOUND) {
      r->verdict = FL_LIN_OK;
    } else if (out == NONE) {
      r->verdict = FL_LIN_VIOLATION;
      r->reason = g_strdup_printf("no serial order of the %u committed transactions gives every "
                                  "read its value", searched);
    } else {
      r->verdict = FL_LIN_UNKNOWN;
      r->reason = g_strdup_printf("the serializability search ran out of its %" G_GINT64_FORMAT
                                  " steps", o->max_steps);
    }
  }
  r->seconds = (double)(g_get_monotonic_time() - t0) / 1e6;
  checker_clear(&c);
  return r;
}
