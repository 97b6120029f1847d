/* search: Lowe's just-in-time linearization of one part, resumable, with memoization.
 *
 * The algorithm (Wing & Gong, as improved by Lowe and used by Porcupine): the history is a
 * doubly linked list of call and return entries in real-time order. Walking from the head, a
 * call entry is an operation that may be linearized now: if the model accepts it and the
 * configuration (set of linearized operations, model state) is new, the operation is "lifted"
 * out of the list (call and return), pushed on a stack, and the walk restarts at the head. A
 * return entry means an operation had to be linearized before this point and none could be:
 * pop the last choice, put it back, and try the next call after it. The history is
 * linearizable when every operation with a known outcome is lifted, and refuted when a return
 * is met with an empty stack.
 *
 * Memo: a configuration seen before has been fully explored (it failed, or we would have
 * finished), so it is never expanded twice. Configurations live in an open-addressing table:
 * each entry is the bitset of linearized operations, the interned state id and a 64-bit hash,
 * kept incrementally as the xor of per-operation random words (Zobrist) so a lookup costs one
 * probe plus a compare of a few words. GHashTable was the alternative rejected: a node and a
 * bitset allocation per entry costs more memory than the bitsets themselves.
 *
 * A bitset is stored as its window only: the words between its leading run of full words and
 * its trailing run of empty ones. Operations are linearized roughly in order, so the window
 * spans the few operations open at once, and an entry costs a few words rather than n/64 (on
 * a 66,000-operation key the full bitsets took 8 KiB an entry and 900 MiB in all).
 *
 * Model states are interned (one copy of each distinct state, numbered from 0) and transitions
 * (state, operation) -> state memoized in another open-addressing table shared by every search
 * of a check, so the model runs once per distinct pair and the inner loop allocates nothing
 * except when a table grows.
 *
 * Unknown outcomes: their returns are placed after every known return, so they never force
 * backtracking, and success needs only the known operations lifted. Linearizing an unknown
 * operation whose step leaves the state unchanged is skipped: not linearizing it dominates. */
#include "lincheck_int.h"

#include <string.h>

/* ---- Interned states and memoized transitions ------------------------------------------- */

enum { NO_STATE = -1 };
#define EMPTY_KEY UINT64_MAX

struct fl__lincheck_states {
  const fl_model *m;
  const fl_lincheck_history *h;
  GPtrArray *states;    /* void *, owned, freed with m->free */
  GArray *state_hash;   /* uint64_t per state */
  uint32_t *slots;      /* state id + 1, or 0 */
  uint32_t slot_cap;    /* power of two */
  uint64_t *tkeys;      /* (state << 32 | op id), EMPTY_KEY if free */
  int32_t *tvals;       /* next state, or NO_STATE if the step is illegal */
  uint32_t tcap, tn;
  uint64_t model_calls;
  GArray *extra_ops;    /* fl_lincheck_op: evidence's variants, ids from h->ops->len on */
};

fl__lincheck_states *fl__lincheck_states_new(const fl_model *m, const fl_lincheck_history *h) {
  fl__lincheck_states *st = g_new0(fl__lincheck_states, 1);
  st->m = m;
  st->h = h;
  st->states = g_ptr_array_new();
  st->state_hash = g_array_new(FALSE, FALSE, sizeof(uint64_t));
  st->slot_cap = 64;
  st->slots = g_new0(uint32_t, st->slot_cap);
  st->tcap = 1024;
  st->tkeys = g_new(uint64_t, st->tcap);
  memset(st->tkeys, 0xff, st->tcap * sizeof(uint64_t));
  st->tvals = g_new(int32_t, st->tcap);
  st->extra_ops = g_array_new(FALSE, FALSE, sizeof(fl_lincheck_op));
  return st;
}

uint32_t fl__lincheck_states_add_op(fl__lincheck_states *st, const fl_lincheck_op *op) {
  g_array_append_val(st->extra_ops, *op);
  return st->h->ops->len + st->extra_ops->len - 1;
}

const fl_lincheck_op *fl__lincheck_states_op(const fl__lincheck_states *st, uint32_t op_id) {
  if (op_id < st->h->ops->len) return &g_array_index(st->h->ops, fl_lincheck_op, op_id);
  g_assert(op_id - st->h->ops->len < st->extra_ops->len);
  return &g_array_index(st->extra_ops, fl_lincheck_op, op_id - st->h->ops->len);
}

void fl__lincheck_states_free(fl__lincheck_states *st) {
  if (!st) return;
  for (guint k = 0; k < st->states->len; k++) st->m->free(g_ptr_array_index(st->states, k));
  g_ptr_array_free(st->states, TRUE);
  g_array_free(st->state_hash, TRUE);
  g_free(st->slots);
  g_free(st->tkeys);
  g_free(st->tvals);
  g_array_free(st->extra_ops, TRUE);
  g_free(st);
}

uint32_t fl__lincheck_states_count(const fl__lincheck_states *st) { return st->states->len; }
uint64_t fl__lincheck_states_model_calls(const fl__lincheck_states *st) { return st->model_calls; }

size_t fl__lincheck_states_bytes(const fl__lincheck_states *st) {
  return (size_t)st->slot_cap * sizeof(uint32_t) + (size_t)st->tcap * (sizeof(uint64_t) + sizeof(int32_t)) +
         st->states->len * (sizeof(void *) + sizeof(uint64_t) + 32);
}

static void states_rehash(fl__lincheck_states *st) {
  g_free(st->slots);
  st->slot_cap *= 2;
  st->slots = g_new0(uint32_t, st->slot_cap);
  for (guint id = 0; id < st->states->len; id++) {
    uint32_t mask = st->slot_cap - 1, k = (uint32_t)g_array_index(st->state_hash, uint64_t, id) & mask;
    while (st->slots[k]) k = (k + 1) & mask;
    st->slots[k] = id + 1;
  }
}

/* The id of `s` (ownership transferred: freed if an equal state is already interned). */
static uint32_t states_intern(fl__lincheck_states *st, void *s) {
  uint64_t h = st->m->hash(s);
  uint32_t mask = st->slot_cap - 1, k = (uint32_t)h & mask;
  while (st->slots[k]) {
    uint32_t id = st->slots[k] - 1;
    if (g_array_index(st->state_hash, uint64_t, id) == h && st->m->equal(g_ptr_array_index(st->states, id), s)) {
      st->m->free(s);
      return id;
    }
    k = (k + 1) & mask;
  }
  uint32_t id = st->states->len;
  g_ptr_array_add(st->states, s);
  g_array_append_val(st->state_hash, h);
  st->slots[k] = id + 1;
  if (st->states->len * 2 > st->slot_cap) states_rehash(st);
  return id;
}

uint32_t fl__lincheck_states_initial(fl__lincheck_states *st) { return states_intern(st, st->m->init()); }

static void transitions_grow(fl__lincheck_states *st) {
  uint32_t old_cap = st->tcap;
  uint64_t *old_keys = st->tkeys;
  int32_t *old_vals = st->tvals;
  st->tcap *= 2;
  st->tkeys = g_new(uint64_t, st->tcap);
  memset(st->tkeys, 0xff, st->tcap * sizeof(uint64_t));
  st->tvals = g_new(int32_t, st->tcap);
  uint32_t mask = st->tcap - 1;
  for (uint32_t i = 0; i < old_cap; i++) {
    if (old_keys[i] == EMPTY_KEY) continue;
    uint32_t k = (uint32_t)fl__lincheck_mix64(old_keys[i]) & mask;
    while (st->tkeys[k] != EMPTY_KEY) k = (k + 1) & mask;
    st->tkeys[k] = old_keys[i];
    st->tvals[k] = old_vals[i];
  }
  g_free(old_keys);
  g_free(old_vals);
}

/* The state after operation `op_id` in state `state`, or NO_STATE if it cannot happen there. */
static inline int32_t transition(fl__lincheck_states *st, uint32_t state, uint32_t op_id) {
  uint64_t key = (uint64_t)state << 32 | op_id;
  uint32_t mask = st->tcap - 1, k = (uint32_t)fl__lincheck_mix64(key) & mask;
  while (st->tkeys[k] != EMPTY_KEY) {
    if (st->tkeys[k] == key) return st->tvals[k];
    k = (k + 1) & mask;
  }
  void *next = NULL;
  const fl_lincheck_op *op = fl__lincheck_states_op(st, op_id);
  st->model_calls++;
  int32_t result = NO_STATE;
  if (st->m->step(g_ptr_array_index(st->states, state), op, &next))
    result = next ? (int32_t)states_intern(st, next) : (int32_t)state;
  else if (next)
    st->m->free(next);
  st->tkeys[k] = key;
  st->tvals[k] = result;
  if (++st->tn * 2 > st->tcap) transitions_grow(st);
  return result;
}

/* ---- The search -------------------------------------------------------------------------- */

typedef struct frame {
  int32_t entry;  /* the call entry lifted */
  uint32_t state; /* the state before it */
} frame;

/* A memo entry: one probe reads one of these (32 bytes) and, for windows of two words or
 * more, the arena. */
typedef struct centry {
  uint64_t hash;
  uint64_t data;   /* the window's word when len == 1, else its offset in the arena */
  uint32_t state;
  uint32_t lo;     /* the window: bitset words lo .. lo + len - 1 */
  uint32_t len;
  uint32_t pad;
} centry;

struct fl__lincheck_search {
  fl__lincheck_states *st;
  uint32_t n;          /* operations */
  uint32_t words;      /* bitset words */
  uint32_t *op_id;     /* local index -> history op id */
  bool *known;         /* local index -> must be linearized */
  uint64_t *zobrist;   /* local index -> random word */
  /* The list: entries 0..2n-1 (call of op i is 2i, return 2i+1), head 2n, tail 2n+1. */
  int32_t *next, *prev;
  int32_t head, tail;
  int32_t cur;
  uint64_t *lin;       /* linearized set */
  uint32_t lin_lo;     /* words [0, lin_lo) are full */
  uint32_t lin_hi;     /* words [lin_hi, words) are empty */
  uint64_t lin_hash;
  uint32_t state;
  uint32_t remaining_known;
  frame *stack;
  uint32_t depth;
  fl__lincheck_status status;
  /* The memo: one centry per configuration, its window in the arena unless it is one word. */
  centry *c;
  uint64_t *c_arena;
  uint64_t c_arena_n, c_arena_cap;
  uint64_t c_n, c_cap;
  uint32_t *c_slots;   /* entry + 1, or 0 */
  uint64_t c_slot_cap;
  size_t bytes;
  GArray *best;        /* uint32 history op ids */
  uint32_t best_valid; /* best[0, best_valid) still equals the stack's ops: copy only the rest */
};

static inline uint64_t config_hash(uint64_t lin_hash, uint32_t state) {
  return lin_hash ^ fl__lincheck_mix64((uint64_t)state + 0x9e3779b97f4a7c15ULL);
}

static size_t cache_bytes(const fl__lincheck_search *s) {
  return (size_t)s->c_slot_cap * sizeof(uint32_t) + (size_t)s->c_cap * sizeof(centry) +
         (size_t)s->c_arena_cap * sizeof(uint64_t);
}

static size_t fixed_bytes(uint32_t n, uint32_t words) {
  return (size_t)n * (sizeof(uint32_t) + sizeof(bool) + sizeof(uint64_t) + sizeof(frame)) +
         (size_t)(2 * n + 2) * 2 * sizeof(int32_t) + words * sizeof(uint64_t);
}

typedef struct event {
  uint32_t pos;   /* real-time position; UINT32_MAX for unknown returns */
  uint32_t tie;   /* among equal positions: the call position */
  int32_t entry;
} event;

static int event_cmp(const void *a, const void *b) {
  const event *x = a, *y = b;
  if (x->pos != y->pos) return x->pos < y->pos ? -1 : 1;
  if (x->tie != y->tie) return x->tie < y->tie ? -1 : 1;
  return (x->entry > y->entry) - (x->entry < y->entry);
}

fl__lincheck_search *fl__lincheck_search_new(fl__lincheck_states *st, const uint32_t *ids,
                                             uint32_t n, uint32_t init_state) {
  fl__lincheck_search *s = g_new0(fl__lincheck_search, 1);
  s->st = st;
  s->n = n;
  s->words = (n + 63) / 64;
  if (s->words == 0) s->words = 1;
  s->op_id = g_memdup2(ids, (gsize)(n ? n : 1) * sizeof(uint32_t));
  s->known = g_new0(bool, n ? n : 1);
  s->zobrist = g_new(uint64_t, n ? n : 1);
  s->next = g_new(int32_t, 2 * n + 2);
  s->prev = g_new(int32_t, 2 * n + 2);
  s->lin = g_new0(uint64_t, s->words);
  s->stack = g_new(frame, n ? n : 1);
  s->best = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  s->state = init_state;
  event *ev = g_new(event, 2 * (size_t)n + 1);
  for (uint32_t i = 0; i < n; i++) {
    const fl_lincheck_op *op = fl__lincheck_states_op(st, ids[i]);
    s->known[i] = op->outcome != FL_LINCHECK_UNKNOWN;
    s->remaining_known += s->known[i];
    /* Deterministic per-position randomness: the memo's layout, never its answers, depends on it. */
    s->zobrist[i] = fl__lincheck_mix64(0x5851f42d4c957f2dULL * (i + 1) + 0x14057b7ef767814fULL);
    ev[2 * i] = (event){op->call_pos, 0, (int32_t)(2 * i)};
    ev[2 * i + 1] = (event){s->known[i] ? op->ret_pos : UINT32_MAX, op->call_pos, (int32_t)(2 * i + 1)};
    g_assert(!s->known[i] || op->ret_pos > op->call_pos);
  }
  qsort(ev, 2 * (size_t)n, sizeof *ev, event_cmp);
  s->head = (int32_t)(2 * n);
  s->tail = (int32_t)(2 * n + 1);
  int32_t last = s->head;
  for (uint32_t k = 0; k < 2 * n; k++) {
    s->next[last] = ev[k].entry;
    s->prev[ev[k].entry] = last;
    last = ev[k].entry;
  }
  s->next[last] = s->tail;
  s->prev[s->tail] = last;
  s->next[s->tail] = s->tail;
  s->prev[s->head] = s->head;
  g_free(ev);
  s->cur = s->next[s->head];
  s->c_cap = 1024;
  s->c_slot_cap = 2048;
  s->c = g_new(centry, s->c_cap);
  s->c_arena_cap = 4096;
  s->c_arena = g_new(uint64_t, s->c_arena_cap);
  s->c_slots = g_new0(uint32_t, s->c_slot_cap);
  s->bytes = cache_bytes(s) + fixed_bytes(n, s->words);
  s->status = FL__LINCHECK_RUNNING;
  return s;
}

void fl__lincheck_search_free(fl__lincheck_search *s) {
  if (!s) return;
  g_free(s->op_id);
  g_free(s->known);
  g_free(s->zobrist);
  g_free(s->next);
  g_free(s->prev);
  g_free(s->lin);
  g_free(s->stack);
  g_free(s->c);
  g_free(s->c_arena);
  g_free(s->c_slots);
  g_array_free(s->best, TRUE);
  g_free(s);
}

size_t fl__lincheck_search_bytes(const fl__lincheck_search *s) { return s->bytes; }
uint64_t fl__lincheck_search_entries(const fl__lincheck_search *s) { return s->c_n; }
const GArray *fl__lincheck_search_best(const fl__lincheck_search *s) { return s->best; }

/* Grows the memo; false if that would pass the memory budget. */
static bool cache_grow(fl__lincheck_search *s, size_t *bytes, size_t max_bytes) {
  size_t before = s->bytes;
  uint64_t cap = s->c_cap * 2, slot_cap = s->c_slot_cap * 2;
  size_t after = (size_t)slot_cap * sizeof(uint32_t) + (size_t)cap * sizeof(centry) +
                 (size_t)s->c_arena_cap * sizeof(uint64_t) + fixed_bytes(s->n, s->words);
  if (max_bytes && *bytes - before + after > max_bytes) return false;
  if (cap > UINT32_MAX - 1) return false;
  s->c = g_renew(centry, s->c, cap);
  g_free(s->c_slots);
  s->c_slots = g_new0(uint32_t, slot_cap);
  uint64_t mask = slot_cap - 1;
  for (uint64_t e = 0; e < s->c_n; e++) {
    uint64_t k = s->c[e].hash & mask;
    while (s->c_slots[k]) k = (k + 1) & mask;
    s->c_slots[k] = (uint32_t)(e + 1);
  }
  s->c_cap = cap;
  s->c_slot_cap = slot_cap;
  s->bytes = after;
  *bytes = *bytes - before + after;
  return true;
}

/* Room for `need` more arena words; false if that would pass the memory budget. */
static bool arena_grow(fl__lincheck_search *s, uint64_t need, size_t *bytes, size_t max_bytes) {
  if (s->c_arena_n + need <= s->c_arena_cap) return true;
  uint64_t cap = s->c_arena_cap;
  while (cap < s->c_arena_n + need) cap *= 2;
  size_t extra = (size_t)(cap - s->c_arena_cap) * sizeof(uint64_t);
  if (max_bytes && *bytes + extra > max_bytes) return false;
  s->c_arena = g_renew(uint64_t, s->c_arena, cap);
  s->c_arena_cap = cap;
  s->bytes += extra;
  *bytes += extra;
  return true;
}

/* Adds (lin, state) to the memo. Returns 1 if new, 0 if seen, -1 if out of memory. */
static inline int cache_add(fl__lincheck_search *s, uint64_t h, uint32_t state, size_t *bytes,
                            size_t max_bytes) {
  uint64_t mask = s->c_slot_cap - 1, k = h & mask;
  uint32_t lo = s->lin_lo, len = s->lin_hi > lo ? s->lin_hi - lo : 0;
  const uint64_t *win = s->lin + lo;
  while (s->c_slots[k]) {
    uint64_t e = s->c_slots[k] - 1;
    const centry *c = &s->c[e];
    if (c->hash == h && c->state == state && c->lo == lo && c->len == len &&
        (len == 0 || (len == 1 ? c->data == win[0]
                               : memcmp(&s->c_arena[c->data], win, len * sizeof(uint64_t)) == 0)))
      return 0;
    k = (k + 1) & mask;
  }
  if (len > 1 && !arena_grow(s, len, bytes, max_bytes)) return -1;
  if (s->c_n == s->c_cap) {
    if (!cache_grow(s, bytes, max_bytes)) return -1;
    mask = s->c_slot_cap - 1;
    k = h & mask;
    while (s->c_slots[k]) k = (k + 1) & mask;
  }
  uint64_t e = s->c_n++;
  centry *c = &s->c[e];
  c->hash = h;
  c->state = state;
  c->lo = lo;
  c->len = len;
  c->pad = 0;
  if (len == 1) {
    c->data = win[0];
  } else {
    c->data = s->c_arena_n;
    memcpy(&s->c_arena[s->c_arena_n], win, len * sizeof(uint64_t));
    s->c_arena_n += len;
  }
  s->c_slots[k] = (uint32_t)(e + 1);
  return 1;
}

/* Sets or clears operation i's bit, keeping the window bounds. */
static inline void lin_set(fl__lincheck_search *s, uint32_t i) {
  uint32_t w = i / 64;
  s->lin[w] |= 1ULL << (i % 64);
  if (w + 1 > s->lin_hi) s->lin_hi = w + 1;
  while (s->lin_lo < s->words && s->lin[s->lin_lo] == ~0ULL) s->lin_lo++;
}

static inline void lin_clear(fl__lincheck_search *s, uint32_t i) {
  uint32_t w = i / 64;
  s->lin[w] &= ~(1ULL << (i % 64));
  if (w < s->lin_lo) s->lin_lo = w;
  while (s->lin_hi > 0 && s->lin[s->lin_hi - 1] == 0) s->lin_hi--;
}

static inline void lift(fl__lincheck_search *s, int32_t call) {
  int32_t ret = call + 1;
  s->next[s->prev[call]] = s->next[call];
  s->prev[s->next[call]] = s->prev[call];
  s->next[s->prev[ret]] = s->next[ret];
  s->prev[s->next[ret]] = s->prev[ret];
}

static inline void unlift(fl__lincheck_search *s, int32_t call) {
  int32_t ret = call + 1;
  s->next[s->prev[ret]] = ret;
  s->prev[s->next[ret]] = ret;
  s->next[s->prev[call]] = call;
  s->prev[s->next[call]] = call;
}

/* Copying the whole stack at every new depth would make the search quadratic in a history
 * that linearizes straight through: only the part that changed since the last copy is copied. */
static void record_best(fl__lincheck_search *s) {
  g_array_set_size(s->best, s->depth);
  uint32_t *b = (uint32_t *)(void *)s->best->data;
  for (uint32_t d = s->best_valid; d < s->depth; d++) b[d] = s->op_id[s->stack[d].entry / 2];
  s->best_valid = s->depth;
}

fl__lincheck_status fl__lincheck_search_run(fl__lincheck_search *s, uint64_t budget,
                                            int64_t deadline_us, size_t *bytes,
                                            size_t max_bytes, uint64_t *steps) {
  uint64_t taken = 0;
  fl__lincheck_states *st = s->st;
  while (s->status == FL__LINCHECK_RUNNING) {
    if (s->remaining_known == 0) {
      s->status = FL__LINCHECK_LINEARIZABLE;
      break;
    }
    int32_t e = s->cur;
    g_assert(e != s->tail);
    uint32_t i = (uint32_t)e / 2;
    if ((e & 1) == 0) { /* a call: try to linearize operation i now */
      if (taken == budget) break;
      taken++;
      if (deadline_us && (taken & 4095) == 0 && g_get_monotonic_time() > deadline_us) break;
      int32_t nx = transition(st, s->state, s->op_id[i]);
      if (nx != NO_STATE && (s->known[i] || (uint32_t)nx != s->state)) {
        uint64_t lin_hash = s->lin_hash ^ s->zobrist[i];
        lin_set(s, i);
        int added = cache_add(s, config_hash(lin_hash, (uint32_t)nx), (uint32_t)nx, bytes, max_bytes);
        if (added < 0) {
          lin_clear(s, i);
          s->status = FL__LINCHECK_OUT_OF_MEMORY;
          break;
        }
        if (added) {
          s->stack[s->depth++] = (frame){e, s->state};
          s->state = (uint32_t)nx;
          s->lin_hash = lin_hash;
          s->remaining_known -= s->known[i];
          lift(s, e);
          if (s->depth > s->best->len) record_best(s);
          s->cur = s->next[s->head];
          continue;
        }
        lin_clear(s, i);
      }
      s->cur = s->next[e];
    } else { /* a return: operation i should have been linearized by now; backtrack */
      if (s->depth == 0) {
        s->status = FL__LINCHECK_REFUTED;
        break;
      }
      frame f = s->stack[--s->depth];
      if (s->depth < s->best_valid) s->best_valid = s->depth;
      uint32_t j = (uint32_t)f.entry / 2;
      lin_clear(s, j);
      s->lin_hash ^= s->zobrist[j];
      s->state = f.state;
      s->remaining_known += s->known[j];
      unlift(s, f.entry);
      s->cur = s->next[f.entry];
    }
  }
  *steps += taken;
  return s->status;
}
