/* evidence: why a refuted part is not linearizable, for people and for the visualiser.
 *
 * Three pieces. The longest linearizable prefix the search found (its deepest stack). The
 * operations that could not be placed after it: the first operation to complete among those
 * not linearized (its return forced the backtracking) and every operation concurrent with it.
 * And a smallest window: the part cut at the earliest completion that is already refuted (binary
 * search over completions; an operation still open at the cut becomes "unknown outcome"), then
 * started as late as possible while the window stays refuted from every model state the search
 * reached (so it does not merely misread a value written before the window). Each trial search
 * has a step budget; a trial that runs out counts as "not refuted", which can only make the
 * window larger, never wrong. Refutation is assumed monotone in the cut (true of prefixes);
 * for the start it is a heuristic, so the final window is always verified.
 *
 * The text names operations as the run does where the history carries the run's fields (client,
 * simulated times, the node that answered) and ends with one sentence saying what went wrong.
 * Operations of unknown outcome that explain no result are left out of "could not place": they
 * need not be linearized at all, so listing them only hides the ones that matter. */
#include "lincheck_int.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_START_STATES = 64, PREFIX_SHOWN = 12 };

typedef struct trial {
  const fl_lincheck_history *h;
  fl__lincheck_states *st;
  const uint32_t *ids;
  uint32_t n;
  uint32_t *twin;      /* per local op: the id of its unknown-outcome variant, or UINT32_MAX */
  uint32_t n_starts;   /* start states for windows not at the beginning: ids 0..n_starts-1 */
  uint32_t init;
  uint32_t first_pos;
  uint64_t budget;
} trial;

static const fl_lincheck_op *op_at(const trial *t, uint32_t k) {
  return fl_lincheck_history_op(t->h, t->ids[k]);
}

/* Is the window [from, to] refuted from every start state? */
static bool window_refuted(trial *t, uint32_t from, uint32_t to) {
  GArray *ids = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  for (uint32_t k = 0; k < t->n; k++) {
    const fl_lincheck_op *op = op_at(t, k);
    if (op->call_pos < from || op->call_pos > to) continue;
    uint32_t id = op->id;
    if (op->outcome != FL_LINCHECK_UNKNOWN && op->ret_pos > to) {
      if (t->twin[k] == UINT32_MAX) {
        fl_lincheck_op open = *op;
        open.outcome = FL_LINCHECK_UNKNOWN;
        open.out.kind = FL_LINCHECK_VAL_NONE;
        open.ret_pos = UINT32_MAX;
        t->twin[k] = fl__lincheck_states_add_op(t->st, &open);
      }
      id = t->twin[k];
    }
    g_array_append_val(ids, id);
  }
  bool refuted = true;
  uint32_t n_starts = from <= t->first_pos ? 1 : t->n_starts;
  for (uint32_t s = 0; s < n_starts && refuted; s++) {
    uint32_t start = from <= t->first_pos ? t->init : s;
    fl__lincheck_search *search =
        fl__lincheck_search_new(t->st, (const uint32_t *)(void *)ids->data, ids->len, start);
    size_t bytes = 0;
    uint64_t steps = 0;
    refuted = fl__lincheck_search_run(search, t->budget, 0, &bytes, 0, &steps) == FL__LINCHECK_REFUTED;
    fl__lincheck_search_free(search);
  }
  g_array_free(ids, TRUE);
  return refuted;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* ---- Text ---------------------------------------------------------------------------------- */

/* How the evidence names processes. A faultline run's history says which client each process
 * is (its JSON lines' "client"): a client that times out continues as a new process, as
 * Jepsen's do, so "p29" is c5 after five timeouts. Operations are then named after the client
 * ("c5", and "c5/p29" for a later process, with a note saying how many timeouts it took), which
 * is how the run's scenario, trace and messages name them. Histories from elsewhere (Jepsen,
 * Porcupine) keep their own process names. */
typedef struct namer {
  GArray *procs; /* (client, process) pairs, sorted, distinct */
} namer;

typedef struct proc_pair {
  uint32_t client;
  int64_t process;
} proc_pair;

static int pair_cmp(const void *a, const void *b) {
  const proc_pair *x = a, *y = b;
  if (x->client != y->client) return x->client < y->client ? -1 : 1;
  return (x->process > y->process) - (x->process < y->process);
}

static void namer_init(namer *nm, const fl_lincheck_history *h) {
  nm->procs = g_array_new(FALSE, FALSE, sizeof(proc_pair));
  size_t n = fl_lincheck_history_n_ops(h);
  for (size_t k = 0; k < n; k++) {
    const fl_lincheck_op *op = fl_lincheck_history_op(h, k);
    if (op->has_client) g_array_append_val(nm->procs, ((proc_pair){op->client, op->process}));
  }
  if (nm->procs->len == 0) return; /* a history from elsewhere: no clients to name */
  qsort(nm->procs->data, nm->procs->len, sizeof(proc_pair), pair_cmp);
  guint m = 0;
  for (guint k = 0; k < nm->procs->len; k++)
    if (m == 0 || pair_cmp(&g_array_index(nm->procs, proc_pair, m - 1), &g_array_index(nm->procs, proc_pair, k)) != 0)
      g_array_index(nm->procs, proc_pair, m++) = g_array_index(nm->procs, proc_pair, k);
  g_array_set_size(nm->procs, m);
}

/* How many processes the operation's client went through before this one: its timeouts. */
static uint32_t timeouts_before(const namer *nm, const fl_lincheck_op *op) {
  proc_pair key = {op->client, op->process};
  guint lo = 0, hi = nm->procs->len;
  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    if (pair_cmp(&g_array_index(nm->procs, proc_pair, mid), &key) < 0) lo = mid + 1;
    else hi = mid;
  }
  uint32_t k = 0;
  while (lo > k && g_array_index(nm->procs, proc_pair, lo - k - 1).client == op->client) k++;
  return k;
}

/* "c5", "c5/p29" (a later process of c5), or the history's own "p29". Newly allocated. */
static char *who(const namer *nm, const fl_lincheck_op *op) {
  if (!op->has_client) return g_strdup_printf("p%" G_GINT64_FORMAT, op->process);
  if (timeouts_before(nm, op) == 0) return g_strdup_printf("c%u", op->client + 1);
  return g_strdup_printf("c%u/p%" G_GINT64_FORMAT, op->client + 1, op->process);
}

/* A simulated time as the run prints it ("9.581s", "174.1ms"). */
static void append_time(GString *out, int64_t ns) {
  if (ns >= 1000000000LL) g_string_append_printf(out, "%.4gs", (double)ns / 1e9);
  else if (ns >= 1000000) g_string_append_printf(out, "%.4gms", (double)ns / 1e6);
  else if (ns >= 1000) g_string_append_printf(out, "%.4gus", (double)ns / 1e3);
  else g_string_append_printf(out, "%" G_GINT64_FORMAT "ns", ns);
}

/* The operation without its process name (past "pN "), for a row that names it already. */
static char *op_bare(const fl_lincheck_op *op, bool one_key) {
  fl_lincheck_op bare = *op;
  if (one_key) bare.key = NULL; /* the header names the key */
  char *full = fl_lincheck_op_describe(&bare);
  const char *p = strchr(full, ' ');
  char *label = g_strdup(p ? p + 1 : full);
  g_free(full);
  return label;
}

static char *op_label(const fl_lincheck_op *op, bool unplaced, bool one_key) {
  char *bare = op_bare(op, one_key);
  char *label = op->node ? g_strdup_printf("%s @n%u%s", bare, op->node, unplaced ? "*" : "")
                         : g_strdup_printf("%s%s", bare, unplaced ? "*" : "");
  g_free(bare);
  return label;
}

typedef struct row_op {
  uint32_t id;
  int64_t client; /* the run's client index, or the process where the history has none */
  int64_t process;
} row_op;

static int row_cmp(const void *a, const void *b) {
  const row_op *x = a, *y = b;
  if (x->client != y->client) return x->client < y->client ? -1 : 1;
  if (x->process != y->process) return x->process < y->process ? -1 : 1;
  return (x->id > y->id) - (x->id < y->id);
}

/* "c5 read k1 = 3 [9.5s..9.581s, n2, #12, line 13]": the run's names and times where the
 * history has them, else "p4 read k1 = 3 [#12, line 13]" as the file names it. */
static void append_op(GString *out, const namer *nm, const fl_lincheck_op *op) {
  char *name = who(nm, op), *bare = op_bare(op, false);
  g_string_append_printf(out, "%s %s [", name, bare);
  if (op->has_time) {
    append_time(out, op->call_ns);
    if (op->ret_ns >= 0) {
      g_string_append(out, "..");
      append_time(out, op->ret_ns);
    }
    g_string_append(out, ", ");
  }
  if (op->node) g_string_append_printf(out, "n%u, ", op->node);
  g_string_append_printf(out, "#%" G_GINT64_FORMAT ", line %u]", op->index, op->call_line);
  g_free(name);
  g_free(bare);
}

static void append_ops(GString *out, const namer *nm, const fl_lincheck_history *h,
                       const GArray *ids, guint from) {
  for (guint k = from; k < ids->len; k++) {
    if (k > from) g_string_append(out, ", ");
    append_op(out, nm, fl_lincheck_history_op(h, g_array_index(ids, uint32_t, k)));
  }
}

/* ---- The plain sentence ---------------------------------------------------------------- */

/* The value an operation writes into its key, if it writes one (a write; a cas that succeeded
 * or may have). */
static const fl_lincheck_value *written(const fl_lincheck_op *op) {
  if (op->fn == FL_LINCHECK_FN_WRITE) return &op->in;
  if (op->fn == FL_LINCHECK_FN_CAS && op->outcome != FL_LINCHECK_FAILED &&
      op->in.kind == FL_LINCHECK_VAL_LIST && op->in.n == 2)
    return &op->in.items[1];
  return NULL;
}

static bool same_key(const fl_lincheck_op *a, const fl_lincheck_op *b) {
  return a->key == b->key || (a->key && b->key && strcmp(a->key, b->key) == 0);
}

/* " at 9.581s" when the history has times, else " (line 12)". */
static void append_when(GString *out, const fl_lincheck_op *op, bool ret) {
  if (op->has_time && (!ret || op->ret_ns >= 0)) {
    g_string_append(out, " at ");
    append_time(out, ret ? op->ret_ns : op->call_ns);
  } else {
    g_string_append_printf(out, " (line %u)", ret ? op->ret_line : op->call_line);
  }
}

/* "c5's read of k1 returned 3 at 9.581s (answered by n2)" */
static void append_read(GString *out, const namer *nm, const fl_lincheck_op *op) {
  char *name = who(nm, op), *val = fl_lincheck_value_describe(&op->out);
  g_string_append_printf(out, "%s's read", name);
  if (op->key) g_string_append_printf(out, " of k%s", op->key);
  g_string_append_printf(out, " returned %s", val);
  append_when(out, op, true);
  if (op->node) g_string_append_printf(out, " (answered by n%u)", op->node);
  g_free(name);
  g_free(val);
}

/* One sentence that says what went wrong, for the pattern a person recognises at once: a read
 * that returned v although, before it began, an operation had completed that left another value
 * (a write of it, or a read that returned it), and every operation that could write v either
 * completed before that operation began or began after the read completed -- so no order puts
 * a write of v between them. Also a value nobody wrote, and one written only after the read.
 * Anything else gets the general statement. `ids` are the refuted part's operations; O(n). */
static void append_why(GString *out, const namer *nm, const fl_lincheck_history *h,
                       const uint32_t *ids, uint32_t n, const fl_lincheck_evidence *e) {
  g_string_append(out, "why: ");
  const fl_lincheck_op *b = e->unplaced->len ? fl_lincheck_history_op(h, g_array_index(e->unplaced, uint32_t, 0)) : NULL;
  if (b && b->fn == FL_LINCHECK_FN_READ && b->outcome == FL_LINCHECK_OK) {
    const fl_lincheck_value *v = &b->out;
    bool nil = v->kind == FL_LINCHECK_VAL_NIL;
    /* Writers of v that could precede the read: the latest completion among them (UINT32_MAX if
     * one never completed), and the first writer of v at all. */
    int64_t m = -1;
    const fl_lincheck_op *v_first = NULL, *w = NULL, *r = NULL;
    for (uint32_t k = 0; k < n; k++) {
      const fl_lincheck_op *op = fl_lincheck_history_op(h, ids[k]);
      if (op == b || !same_key(op, b)) continue;
      const fl_lincheck_value *x = written(op);
      if (x && fl__lincheck_value_equal(x, v)) {
        if (!v_first || op->call_pos < v_first->call_pos) v_first = op;
        if (op->call_pos < b->ret_pos) m = MAX(m, (int64_t)op->ret_pos);
      }
    }
    for (uint32_t k = 0; k < n; k++) {
      const fl_lincheck_op *op = fl_lincheck_history_op(h, ids[k]);
      if (op == b || !same_key(op, b) || op->outcome != FL_LINCHECK_OK || op->ret_pos >= b->call_pos ||
          (int64_t)op->call_pos <= m)
        continue;
      const fl_lincheck_value *x = written(op);
      if (op->fn != FL_LINCHECK_FN_READ && x && !fl__lincheck_value_equal(x, v) && (!w || op->call_pos > w->call_pos))
        w = op;
      if (op->fn == FL_LINCHECK_FN_READ && !fl__lincheck_value_equal(&op->out, v) && (!r || op->call_pos > r->call_pos))
        r = op;
    }
    char *val = fl_lincheck_value_describe(v);
    bool done = true;
    if (!nil && !v_first) {
      append_read(out, nm, b);
      g_string_append_printf(out, ", but no operation%s%s wrote %s\n", b->key ? " on k" : "",
                             b->key ? b->key : "", val);
    } else if (!nil && v_first->call_pos > b->ret_pos) {
      append_read(out, nm, b);
      g_string_append_printf(out, ", but the first write of %s began only", val);
      append_when(out, v_first, false);
      g_string_append(out, ", after the read completed\n");
    } else if (w || r) {
      const fl_lincheck_op *o = w ? w : r;
      char *oname = who(nm, o), *ov = fl_lincheck_value_describe(w ? written(w) : &r->out);
      append_read(out, nm, b);
      if (w)
        g_string_append_printf(out, ", but %s's %s of %s had completed", oname,
                               w->fn == FL_LINCHECK_FN_CAS ? "cas" : "write", ov);
      else
        g_string_append_printf(out, ", but %s's read had returned %s", oname, ov);
      append_when(out, o, true);
      g_string_append(out, ", before the read began");
      if (!nil) g_string_append_printf(out, ", and no write of %s could come between them", val);
      g_string_append_c(out, '\n');
      g_free(oname);
      g_free(ov);
    } else {
      done = false;
    }
    g_free(val);
    if (done) return;
  }
  if (!b) {
    g_string_append(out, "no operation of the window can be placed first\n");
    return;
  }
  char *bare = op_bare(b, false);
  char *name = who(nm, b);
  g_string_append_printf(out, "%s's %s", name, bare);
  append_when(out, b, b->ret_pos != UINT32_MAX);
  if (b->node) g_string_append_printf(out, " (answered by n%u)", b->node);
  g_string_append_printf(out, " cannot follow the %u operation%s linearized before it, in any order of "
                              "those concurrent with it\n", e->prefix->len, e->prefix->len == 1 ? "" : "s");
  g_free(name);
  g_free(bare);
}

/* The window as rows, one per process: |label-----| spans an operation from its invocation to
 * its completion; an open end (unknown outcome) is drawn "-->" to the right edge. Columns are
 * assigned in real-time order, each event at least one column after the previous and far
 * enough from its invocation to fit the label. Rows are named as append_op names processes,
 * grouped by client. */
static char *timeline(const fl_lincheck_history *h, const fl_lincheck_evidence *e,
                      const uint32_t *part, uint32_t n_part) {
  namer nm;
  namer_init(&nm, h);
  const GArray *w = e->window;
  uint32_t n = w->len;
  GHashTable *unplaced = g_hash_table_new(g_direct_hash, g_direct_equal);
  for (guint k = 0; k < e->unplaced->len; k++)
    g_hash_table_add(unplaced, GUINT_TO_POINTER(g_array_index(e->unplaced, uint32_t, k) + 1));
  typedef struct ev {
    uint32_t pos;
    uint32_t k;
    bool ret;
  } ev;
  ev *evs = g_new(ev, 2 * (size_t)n + 1);
  char **labels = g_new0(char *, n + 1);
  uint32_t m = 0;
  bool timed = n > 0;
  for (uint32_t k = 0; k < n; k++) {
    const fl_lincheck_op *op = fl_lincheck_history_op(h, g_array_index(w, uint32_t, k));
    labels[k] = op_label(op, g_hash_table_contains(unplaced, GUINT_TO_POINTER(op->id + 1)), e->key != NULL);
    evs[m++] = (ev){op->call_pos, k, false};
    if (op->ret_pos != UINT32_MAX && op->ret_pos <= e->window_to) evs[m++] = (ev){op->ret_pos, k, true};
    timed = timed && op->has_time;
  }
  /* Positions are distinct, so sorting by position alone is a total order. */
  for (uint32_t a = 1; a < m; a++) {
    ev x = evs[a];
    uint32_t b = a;
    while (b > 0 && evs[b - 1].pos > x.pos) {
      evs[b] = evs[b - 1];
      b--;
    }
    evs[b] = x;
  }
  uint32_t *call_x = g_new0(uint32_t, n + 1), *ret_x = g_new0(uint32_t, n + 1);
  bool *closed = g_new0(bool, n + 1);
  uint32_t x = 0, width = 0;
  for (uint32_t a = 0; a < m; a++) {
    x = a ? x + 2 : 0;
    if (evs[a].ret) {
      uint32_t need = call_x[evs[a].k] + (uint32_t)g_utf8_strlen(labels[evs[a].k], -1) + 2;
      if (x < need) x = need;
      ret_x[evs[a].k] = x;
      closed[evs[a].k] = true;
    } else {
      call_x[evs[a].k] = x;
    }
    width = MAX(width, x + 1);
  }
  for (uint32_t k = 0; k < n; k++)
    if (!closed[k]) width = MAX(width, call_x[k] + (uint32_t)strlen(labels[k]) + 5);
  row_op *rows = g_new(row_op, n + 1);
  char **names = g_new0(char *, n + 1);
  int name_w = 6; /* "p12   ": the width rows had before clients had names */
  for (uint32_t k = 0; k < n; k++) {
    const fl_lincheck_op *op = fl_lincheck_history_op(h, g_array_index(w, uint32_t, k));
    rows[k] = (row_op){k, op->has_client ? (int64_t)op->client : op->process, op->process};
    names[k] = who(&nm, op);
    name_w = MAX(name_w, (int)strlen(names[k]) + 1);
  }
  qsort(rows, n, sizeof *rows, row_cmp);

  GString *out = g_string_new(NULL);
  g_string_append_printf(out, "window: %s%s%s%u operation%s, real-time positions %u..%u",
                         e->key ? "key " : "", e->key ? e->key : "", e->key ? ", " : "", n,
                         n == 1 ? "" : "s", e->window_from, e->window_to);
  if (timed && m > 0) {
    const fl_lincheck_op *a = fl_lincheck_history_op(h, g_array_index(w, uint32_t, evs[0].k));
    const fl_lincheck_op *z = fl_lincheck_history_op(h, g_array_index(w, uint32_t, evs[m - 1].k));
    g_string_append(out, ", ");
    append_time(out, a->call_ns);
    g_string_append(out, "..");
    append_time(out, evs[m - 1].ret && z->ret_ns >= 0 ? z->ret_ns : z->call_ns);
  }
  g_string_append(out, " (* = could not be placed)\n");
  char *line = g_malloc(width + 1);
  for (uint32_t r = 0; r < n;) {
    int64_t process = rows[r].process;
    const char *name = names[rows[r].id];
    memset(line, ' ', width);
    line[width] = '\0';
    for (; r < n && rows[r].process == process; r++) {
      uint32_t k = rows[r].id;
      uint32_t end = closed[k] ? ret_x[k] : width - 1;
      line[call_x[k]] = '|';
      for (uint32_t c = call_x[k] + 1; c < end; c++) line[c] = '-';
      line[end] = closed[k] ? '|' : '>';
      size_t len = strlen(labels[k]);
      memcpy(line + call_x[k] + 1, labels[k], MIN(len, (size_t)(width - call_x[k] - 1)));
    }
    g_strchomp(line);
    g_string_append_printf(out, "%-*s %s\n", name_w - 1, name, line);
  }
  g_free(line);
  /* Say what a later process is, once per process shown. */
  for (uint32_t r = 0; r < n; r++) {
    const fl_lincheck_op *op = fl_lincheck_history_op(h, g_array_index(w, uint32_t, rows[r].id));
    if (!op->has_client || (r > 0 && rows[r - 1].process == rows[r].process)) continue;
    uint32_t t = timeouts_before(&nm, op);
    if (t)
      g_string_append_printf(out, "(c%u/p%" G_GINT64_FORMAT " is client c%u after %u timeout%s: a client "
                                  "that times out goes on as a new process)\n",
                             op->client + 1, op->process, op->client + 1, t, t == 1 ? "" : "s");
  }
  guint plen = e->prefix->len;
  g_string_append_printf(out, "longest linearizable prefix: %u operations", plen);
  if (plen) {
    guint from = plen > PREFIX_SHOWN ? plen - PREFIX_SHOWN : 0;
    g_string_append_printf(out, "%s", from ? ", the last ones: " : ": ");
    append_ops(out, &nm, h, e->prefix, from);
  }
  g_string_append(out, "\ncould not place: ");
  append_ops(out, &nm, h, e->unplaced, 0);
  g_string_append_c(out, '\n');
  append_why(out, &nm, h, part, n_part, e);

  for (uint32_t k = 0; k < n; k++) {
    g_free(labels[k]);
    g_free(names[k]);
  }
  g_free(labels);
  g_free(names);
  g_free(evs);
  g_free(call_x);
  g_free(ret_x);
  g_free(closed);
  g_free(rows);
  g_hash_table_destroy(unplaced);
  g_array_free(nm.procs, TRUE);
  return g_string_free(out, FALSE);
}

/* Does an operation of unknown outcome bear on the verdict? It need not be linearized at all,
 * so it only matters if it can explain a result: taking an unobserved one as never having
 * happened changes no other operation's result. A read of unknown outcome returns nothing to
 * explain; a write or cas matters only if an answered read returned, or an answered cas
 * expected, the value it writes. Other functions (appends, adds, queues) are kept: whether
 * they are observed is the model's business. The observed values are collected once per part
 * into a lookup table (never iterated), so the filter costs O(n), not O(n) per operation. */
typedef struct observed {
  const char *key;
  const fl_lincheck_value *v;
} observed;

static guint observed_hash(gconstpointer p) {
  const observed *o = p;
  return (guint)(fl__lincheck_value_hash(o->v) ^ (o->key ? g_str_hash(o->key) : 0u));
}

static gboolean observed_equal(gconstpointer a, gconstpointer b) {
  const observed *x = a, *y = b;
  return (x->key == y->key || (x->key && y->key && strcmp(x->key, y->key) == 0)) &&
         fl__lincheck_value_equal(x->v, y->v);
}

/* Values that answered operations saw: what reads returned, what successful cas expected. */
static GHashTable *observed_values(const fl_lincheck_history *h, const uint32_t *ids, uint32_t n) {
  GHashTable *seen = g_hash_table_new_full(observed_hash, observed_equal, g_free, NULL);
  for (uint32_t k = 0; k < n; k++) {
    const fl_lincheck_op *o = fl_lincheck_history_op(h, ids[k]);
    if (o->outcome != FL_LINCHECK_OK) continue;
    const fl_lincheck_value *v = NULL;
    if (o->fn == FL_LINCHECK_FN_READ) v = &o->out;
    else if (o->fn == FL_LINCHECK_FN_CAS && o->in.kind == FL_LINCHECK_VAL_LIST && o->in.n == 2) v = &o->in.items[0];
    if (!v) continue;
    observed *e = g_new(observed, 1);
    *e = (observed){o->key, v};
    g_hash_table_add(seen, e);
  }
  return seen;
}

static bool constrains(GHashTable *seen, const fl_lincheck_op *op) {
  if (op->outcome != FL_LINCHECK_UNKNOWN) return true;
  if (op->fn == FL_LINCHECK_FN_READ) return false;
  const fl_lincheck_value *x = written(op);
  if (!x) return true;
  observed probe = {op->key, x};
  return g_hash_table_contains(seen, &probe);
}

/* ---- Building ---------------------------------------------------------------------------- */

static int key_order(const void *a, const void *b) {
  return fl__lincheck_key_cmp(*(const char *const *)a, *(const char *const *)b);
}

/* A history checked unsplit (kv with splitting off) is refuted as a whole; the evidence is
 * smaller if one key alone is already refuted. Tries the keys in key order and returns the
 * first refuted key's operations (newly allocated, e->key set), or NULL. */
static GArray *narrow_to_key(trial *t, fl_lincheck_evidence *e) {
  GPtrArray *keys = g_ptr_array_new();
  GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);
  for (uint32_t k = 0; k < t->n; k++) {
    const char *key = op_at(t, k)->key;
    if (g_hash_table_add(seen, (gpointer)key)) g_ptr_array_add(keys, (gpointer)key);
  }
  g_hash_table_destroy(seen);
  qsort(keys->pdata, keys->len, sizeof(gpointer), key_order);
  GArray *found = NULL;
  for (guint j = 0; j < keys->len && !found; j++) {
    GArray *ids = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    for (uint32_t k = 0; k < t->n; k++)
      if (op_at(t, k)->key == g_ptr_array_index(keys, j)) g_array_append_val(ids, t->ids[k]);
    fl__lincheck_search *s = fl__lincheck_search_new(t->st, (const uint32_t *)(void *)ids->data, ids->len, t->init);
    size_t bytes = 0;
    uint64_t steps = 0;
    if (fl__lincheck_search_run(s, t->budget, 0, &bytes, 0, &steps) == FL__LINCHECK_REFUTED) {
      found = ids;
      e->key = g_strdup(g_ptr_array_index(keys, j));
    } else {
      g_array_free(ids, TRUE);
    }
    fl__lincheck_search_free(s);
  }
  g_ptr_array_free(keys, TRUE);
  return found;
}

fl_lincheck_evidence *fl__lincheck_evidence_build(const fl_lincheck_history *h,
                                                  fl__lincheck_states *st, const uint32_t *ids,
                                                  uint32_t n, const fl__lincheck_search *s,
                                                  bool minimize, uint64_t step_budget) {
  g_assert(n > 0);
  fl_lincheck_evidence *e = g_new0(fl_lincheck_evidence, 1);
  const fl_lincheck_op *first = fl_lincheck_history_op(h, ids[0]);
  bool one_key = true;
  for (uint32_t k = 1; k < n && one_key; k++) one_key = fl_lincheck_history_op(h, ids[k])->key == first->key;
  e->key = one_key ? g_strdup(first->key) : NULL;
  const GArray *best = fl__lincheck_search_best(s);
  e->prefix = g_array_sized_new(FALSE, FALSE, sizeof(uint32_t), best->len);
  g_array_append_vals(e->prefix, best->data, best->len);

  /* Unplaced: the earliest completion among known operations not in the prefix, and every
   * operation invoked before it that is not in the prefix either. */
  bool *placed = g_new0(bool, fl_lincheck_history_n_ops(h) + 1);
  for (guint k = 0; k < best->len; k++) placed[g_array_index(best, uint32_t, k)] = true;
  uint32_t blocker = UINT32_MAX, block_pos = UINT32_MAX;
  for (uint32_t k = 0; k < n; k++) {
    const fl_lincheck_op *op = fl_lincheck_history_op(h, ids[k]);
    if (!placed[op->id] && op->outcome != FL_LINCHECK_UNKNOWN && op->ret_pos < block_pos) {
      block_pos = op->ret_pos;
      blocker = op->id;
    }
  }
  e->unplaced = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  if (blocker != UINT32_MAX) g_array_append_val(e->unplaced, blocker);
  GHashTable *seen = observed_values(h, ids, n);
  for (uint32_t k = 0; k < n; k++) {
    const fl_lincheck_op *op = fl_lincheck_history_op(h, ids[k]);
    if (!placed[op->id] && op->id != blocker && op->call_pos < block_pos && constrains(seen, op))
      g_array_append_val(e->unplaced, op->id);
  }
  g_hash_table_destroy(seen);
  g_free(placed);

  /* The window. */
  trial t = {h, st, ids, n, g_new(uint32_t, n), 0, fl__lincheck_states_initial(st), first->call_pos,
             step_budget};
  memset(t.twin, 0xff, n * sizeof(uint32_t));
  t.n_starts = fl__lincheck_states_count(st);
  GArray *narrow = NULL;
  if (!one_key && minimize) narrow = narrow_to_key(&t, e);
  if (narrow) {
    t.ids = (const uint32_t *)(void *)narrow->data;
    t.n = n = narrow->len;
    ids = t.ids;
    first = fl_lincheck_history_op(h, ids[0]);
    t.first_pos = first->call_pos;
  }
  uint32_t last = 0;
  GArray *rets = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  for (uint32_t k = 0; k < n; k++) {
    const fl_lincheck_op *op = fl_lincheck_history_op(h, ids[k]);
    if (op->outcome != FL_LINCHECK_UNKNOWN) {
      g_array_append_val(rets, op->ret_pos);
      last = MAX(last, op->ret_pos);
    }
    last = MAX(last, op->call_pos);
  }
  qsort(rets->data, rets->len, sizeof(uint32_t), cmp_u32);
  uint32_t from = first->call_pos, to = last;
  if (minimize && rets->len > 0) {
    guint lo = 0, hi = rets->len - 1;
    if (window_refuted(&t, from, g_array_index(rets, uint32_t, hi))) {
      while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (window_refuted(&t, from, g_array_index(rets, uint32_t, mid))) hi = mid;
        else lo = mid + 1;
      }
      to = g_array_index(rets, uint32_t, lo);
      if (t.n_starts <= MAX_START_STATES) {
        GArray *calls = g_array_new(FALSE, FALSE, sizeof(uint32_t));
        for (uint32_t k = 0; k < n; k++) {
          uint32_t c = fl_lincheck_history_op(h, ids[k])->call_pos;
          if (c <= to) g_array_append_val(calls, c);
        }
        qsort(calls->data, calls->len, sizeof(uint32_t), cmp_u32);
        guint a = 0, b = calls->len - 1;
        while (a < b) {
          guint mid = a + (b - a + 1) / 2;
          if (window_refuted(&t, g_array_index(calls, uint32_t, mid), to)) a = mid;
          else b = mid - 1;
        }
        /* The start is found by a heuristic bisection: keep it only if verified. */
        if (a > 0 && window_refuted(&t, g_array_index(calls, uint32_t, a), to)) from = g_array_index(calls, uint32_t, a);
        g_array_free(calls, TRUE);
      }
    }
  }
  g_array_free(rets, TRUE);
  g_free(t.twin);
  e->window_from = from;
  e->window_to = to;
  e->window = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  for (uint32_t k = 0; k < n; k++) {
    const fl_lincheck_op *op = fl_lincheck_history_op(h, ids[k]);
    if (op->call_pos >= from && op->call_pos <= to) g_array_append_val(e->window, op->id);
  }
  e->timeline = timeline(h, e, ids, n);
  if (narrow) g_array_free(narrow, TRUE);
  return e;
}

void fl__lincheck_evidence_free(fl_lincheck_evidence *e) {
  if (!e) return;
  g_free(e->key);
  g_array_free(e->prefix, TRUE);
  g_array_free(e->unplaced, TRUE);
  g_array_free(e->window, TRUE);
  g_free(e->timeline);
  g_free(e);
}
