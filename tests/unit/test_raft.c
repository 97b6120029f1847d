/* Unit tests of the Raft handlers (protocols/raft), one message at a time.
 *
 * Each test builds a 3-node raft world in which every node is partitioned alone (its own
 * broadcasts never arrive) and the election timers are 1h (or 10ms..1h where a test needs one
 * node to stand), then drives a node's handlers with the shared harness (fl_harness.h):
 * fl_world_inject / fl_world_inject_request, the replies captured with the send tap and decoded
 * here with raft_int.h's message structs, the state read through fl_world_node_state. The
 * world's invariant checker runs after every injected event, and every test asserts that it
 * never stopped the run.
 *
 * Covered:
 *   - RequestVote: granting with the term adopted, one vote per term, idempotent re-grant, the
 *     up-to-date rule (5.4.1) with the term still adopted, stale terms; PreVote (no state
 *     change, refused while a leader is heard); CheckQuorum's lease at a follower and its
 *     step-down at a leader that hears no majority; a candidate yielding to a leader of its
 *     term and ignoring stale or PreVote grants;
 *   - AppendEntries: appending, fast conflict backtracking (conflict_index, conflict_term),
 *     truncating a conflicting suffix (log.gen, changed_from), stale reordered AppendEntries
 *     that must not truncate, AppendEntries of an older term;
 *   - commit: the follower's min(leaderCommit, index of last new entry), the leader's
 *     current-term rule (Figure 8) and its reinjected bug commit-previous-term, stepping down
 *     on a reply of a higher term (and redirecting the waiting client); the leader's
 *     backtracking of next[] by conflict term; ReadIndex waiting for a quorum round;
 *   - persistence: term, vote and log (after a truncation) across crash and restart; a torn
 *     meta write (the previous term and vote survive in the other slot) and a torn log entry
 *     (refused, the log ends before it); the snapshot (KV, sessions, log base) across
 *     restart; InstallSnapshot on a follower;
 *   - client sessions (kv.c): exactly-once application of a retried cas, after it applied and
 *     while it is still in the log twice; superseded requests; redirects from non-leaders.
 */
#include "fl_test.h"
#include "fl_harness.h"
#include "builtin.h"
#include "raft_int.h"
#include "scenario.h"
#include "world.h"

#include <string.h>

#define N 3
#define CLIENT_EP N /* client 0's endpoint: node count + client index */

typedef fl_harness_reply client_reply;

/* The world under test: one per test, open_world to close_world. */
static fl_harness T;

/* Builds the world with these [raft] option lines, every node partitioned alone. */
static void open_world(const char *raft_options) {
  char *text = g_strdup_printf("[cluster]\nprotocol = raft\nnodes = %d\nseed = 1\nduration = 10h\n"
                               "[raft]\n%s\n"
                               "[workload]\nclients = 1\nstart = 10h\n",
                               N, raft_options);
  fl_harness_open(&T, "raft-unit.fl", text);
  g_free(text);
  fl_harness_isolate(&T);
}

static void close_world(void) { fl_harness_close(&T); }

static const raft_state *st(int node) { return fl_harness_state(&T, node); }

static void assert_running(int line) { fl_harness_assert_running(&T, line); }

/* ---- The log, read independently of raft.c's accessors. */

static uint64_t last_index(const raft_state *s) { return s->log.base + s->log.entries->len; }

static const raft_entry *entry(const raft_state *s, uint64_t index) {
  ck_assert_uint_gt(index, s->log.base);
  ck_assert_uint_le(index, last_index(s));
  return &g_array_index(s->log.entries, raft_entry, index - s->log.base - 1);
}

/* The log after its base holds exactly entries of these terms. */
static void assert_log(int line, const raft_state *s, const uint64_t *terms, size_t n) {
  ck_assert_msg(last_index(s) == s->log.base + n,
                "line %d: log of n%d ends at %" G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT,
                line, s->id + 1, last_index(s), s->log.base + n);
  for (size_t i = 0; i < n; i++) {
    uint64_t index = s->log.base + 1 + i, t = entry(s, index)->term;
    ck_assert_msg(t == terms[i],
                  "line %d: n%d's entry %" G_GUINT64_FORMAT " has term %" G_GUINT64_FORMAT
                  ", expected %" G_GUINT64_FORMAT,
                  line, s->id + 1, index, t, terms[i]);
  }
}
/* A list of terms as (array, count) arguments. */
#define TERMS(...)                                                                               \
  ((const uint64_t[]){__VA_ARGS__}),                                                             \
      (sizeof((const uint64_t[]){__VA_ARGS__}) / sizeof(uint64_t))
#define ASSERT_LOG(s, ...) assert_log(__LINE__, (s), TERMS(__VA_ARGS__))

/* ---- Captured messages. */

static guint mark(void) { return fl_harness_mark(&T); }

/* Messages src -> dst sent since `from` (of `type`, when type is not 0). */
static int count_sent(guint from, int src, int dst, uint32_t type) {
  return fl_harness_count(&T, from, src, dst, type);
}

/* The k-th (0-based) message src -> dst since `from` of `type` (0: any), copied into out, which
 * must be its exact size. */
static void nth_sent(int line, guint from, int src, int dst, uint32_t type, int k, void *out,
                     size_t size) {
  fl_harness_nth(&T, line, from, src, dst, type, k, out, size);
}

/* The k-th AppendEntries src -> dst since `from`: its header, and its entries' terms. */
static raft_msg_append sent_append(int line, guint from, int src, int dst, int k, uint64_t *terms,
                                   size_t max) {
  int want = k;
  for (guint i = from; i < T.sent->len; i++) {
    const fl_harness_msg *m = &g_array_index(T.sent, fl_harness_msg, i);
    size_t len = 0;
    const char *p = g_bytes_get_data(m->bytes, &len);
    raft_msg_append h;
    if (m->src != src || m->dst != dst || len < sizeof h) continue;
    memcpy(&h, p, sizeof h);
    if (h.type != RAFT_MSG_APPEND || k-- > 0) continue;
    ck_assert_msg(len == sizeof h + h.n * sizeof(raft_entry), "line %d: malformed append", line);
    ck_assert_msg(h.n <= max, "line %d: %u entries", line, h.n);
    for (uint32_t e = 0; e < h.n; e++) {
      raft_entry x;
      memcpy(&x, p + sizeof h + e * sizeof x, sizeof x);
      terms[e] = x.term;
    }
    return h;
  }
  ck_abort_msg("line %d: no AppendEntries %d from n%d to n%d", line, want, src + 1, dst + 1);
  raft_msg_append none = {0};
  return none;
}

/* ---- Injection. */

static raft_entry noop_entry(uint64_t term) {
  raft_entry e;
  memset(&e, 0, sizeof e);
  e.term = term;
  e.type = RAFT_ENTRY_NOOP;
  return e;
}

static raft_entry op_entry(uint64_t term, uint64_t seq, fl_op_kind kind, int64_t key,
                           int64_t value, int64_t expected) {
  raft_entry e;
  memset(&e, 0, sizeof e);
  e.term = term;
  e.type = RAFT_ENTRY_OP;
  e.client = 0;
  e.seq = seq;
  e.kind = (int32_t)kind;
  e.key = key;
  e.value = value;
  e.expected = expected;
  return e;
}

/* RequestVote (or PreVote) from cand to voter; returns the voter's one reply. */
static raft_msg_vote_reply vote_at(int line, int cand, int voter, bool prevote, uint64_t term,
                                   uint64_t cand_last_index, uint64_t cand_last_term) {
  raft_msg_vote m;
  memset(&m, 0, sizeof m);
  m.type = RAFT_MSG_VOTE;
  m.prevote = prevote;
  m.term = term;
  m.last_index = cand_last_index;
  m.last_term = cand_last_term;
  guint from = mark();
  ck_assert(fl_world_inject(T.w, cand, voter, &m, sizeof m));
  assert_running(line);
  ck_assert_msg(count_sent(from, voter, cand, 0) == 1, "line %d: %d replies to a vote", line,
                count_sent(from, voter, cand, 0));
  raft_msg_vote_reply r;
  nth_sent(line, from, voter, cand, RAFT_MSG_VOTE_REPLY, 0, &r, sizeof r);
  ck_assert_uint_eq(r.prevote, prevote);
  return r;
}
#define VOTE(...) vote_at(__LINE__, __VA_ARGS__)

/* AppendEntries from leader to follower carrying entries es[0..n); returns the one reply. */
static raft_msg_append_reply append_at(int line, int leader, int follower, uint64_t term,
                                       uint64_t prev_index, uint64_t prev_term, uint64_t commit,
                                       const raft_entry *es, uint32_t n) {
  size_t len = sizeof(raft_msg_append) + n * sizeof(raft_entry);
  raft_msg_append *m = g_malloc0(len);
  m->type = RAFT_MSG_APPEND;
  m->n = n;
  m->term = term;
  m->prev_index = prev_index;
  m->prev_term = prev_term;
  m->commit = commit;
  m->round = 77;
  if (n) memcpy(m->entries, es, n * sizeof(raft_entry));
  guint from = mark();
  ck_assert(fl_world_inject(T.w, leader, follower, m, len));
  g_free(m);
  assert_running(line);
  ck_assert_msg(count_sent(from, follower, leader, 0) == 1, "line %d: %d replies to an append",
                line, count_sent(from, follower, leader, 0));
  raft_msg_append_reply r;
  nth_sent(line, from, follower, leader, RAFT_MSG_APPEND_REPLY, 0, &r, sizeof r);
  ck_assert_uint_eq(r.round, 77); /* the round is echoed, for ReadIndex */
  return r;
}
#define APPEND(...) append_at(__LINE__, __VA_ARGS__)

/* The same with no-op entries of the given terms. */
static raft_msg_append_reply append_terms_at(int line, int leader, int follower, uint64_t term,
                                             uint64_t prev_index, uint64_t prev_term,
                                             uint64_t commit, const uint64_t *terms, size_t n) {
  raft_entry es[16];
  ck_assert_uint_le(n, 16);
  for (size_t i = 0; i < n; i++) es[i] = noop_entry(terms[i]);
  return append_at(line, leader, follower, term, prev_index, prev_term, commit, es, (uint32_t)n);
}
#define APPEND_TERMS(leader, follower, term, prev_index, prev_term, commit, ...)                 \
  append_terms_at(__LINE__, leader, follower, term, prev_index, prev_term, commit,               \
                  TERMS(__VA_ARGS__))
#define HEARTBEAT(leader, follower, term, prev_index, prev_term, commit)                         \
  append_at(__LINE__, leader, follower, term, prev_index, prev_term, commit, NULL, 0)

static void vote_reply_at(int line, int voter, int cand, bool prevote, uint64_t term,
                          bool granted) {
  raft_msg_vote_reply r;
  memset(&r, 0, sizeof r);
  r.type = RAFT_MSG_VOTE_REPLY;
  r.prevote = prevote;
  r.term = term;
  r.granted = granted;
  ck_assert(fl_world_inject(T.w, voter, cand, &r, sizeof r));
  assert_running(line);
}
#define VOTE_REPLY(...) vote_reply_at(__LINE__, __VA_ARGS__)

static void append_reply_full(int line, int follower, int leader, uint64_t term, bool success,
                              uint64_t match, uint64_t conflict_index, uint64_t conflict_term,
                              uint64_t round) {
  raft_msg_append_reply r;
  memset(&r, 0, sizeof r);
  r.type = RAFT_MSG_APPEND_REPLY;
  r.success = success;
  r.term = term;
  r.match = match;
  r.conflict_index = conflict_index;
  r.conflict_term = conflict_term;
  r.round = round;
  ck_assert(fl_world_inject(T.w, follower, leader, &r, sizeof r));
  assert_running(line);
}
/* A successful AppendEntries reply (round 0). */
#define APPEND_REPLY(follower, leader, term, match)                                              \
  append_reply_full(__LINE__, follower, leader, term, true, match, 0, 0, 0)
/* A failed one, naming the follower's conflict. */
#define CONFLICT_REPLY(follower, leader, term, conflict_index, conflict_term)                    \
  append_reply_full(__LINE__, follower, leader, term, false, 0, conflict_index, conflict_term, 0)

static fl_op client_op(uint64_t seq, fl_op_kind kind, int64_t key, int64_t value,
                       int64_t expected) {
  return fl_harness_op(&T, 0, seq, kind, key, value, expected);
}

#define REQUEST(node, op) fl_harness_request(&T, __LINE__, (node), (op))

/* The k-th reply node -> client 0 since `from`. */
#define CLIENT_REPLY(from, node, k) fl_harness_client_reply(&T, __LINE__, (from), (node), 0, (k))

static bool kv_get(const raft_state *s, int64_t key, int64_t *value) {
  return fl_kv_machine_get(&s->kv, key, value);
}

static int64_t kv_value(const raft_state *s, int64_t key) {
  int64_t v = 0;
  ck_assert_msg(kv_get(s, key, &v), "n%d has no key %" G_GINT64_FORMAT, s->id + 1, key);
  return v;
}

/* Steps the world (election timeouts 10ms..1h: one node's fires long before the others') until
 * some node stands as a candidate; returns it. Its vote requests are lost to the partition. */
static int step_until_candidate(void) {
  for (int k = 0; k < 1000; k++) {
    for (int i = 0; i < N; i++)
      if (st(i)->role == RAFT_CANDIDATE) return i;
    ck_assert(fl_world_step(T.w));
    assert_running(__LINE__);
  }
  ck_abort_msg("no node stood for election");
  return -1;
}

/* Makes a candidate leader with the vote of peer (c + 1) % N; returns the leader. */
static int elect(void) {
  int c = step_until_candidate();
  VOTE_REPLY((c + 1) % N, c, false, st(c)->term, true);
  ck_assert_int_eq(st(c)->role, RAFT_LEADER);
  ck_assert_int_eq(st(c)->leader, c);
  return c;
}

#define QUIET "snapshot_every = 0\n"
#define TIMERS_OFF "election_timeout = 1h..2h\n" QUIET
#define ONE_STANDS "election_timeout = 10ms..1h\n" QUIET

/* ---- 1. Elections. */

START_TEST(vote_granting) {
  open_world(TIMERS_OFF);
  const raft_state *s = st(0);
  ck_assert_uint_eq(s->term, 0);
  ck_assert_int_eq(s->voted_for, RAFT_NOBODY);

  /* A higher term with an up-to-date (empty) log: granted, term adopted. */
  raft_msg_vote_reply r = VOTE(1, 0, false, 1, 0, 0);
  ck_assert_uint_eq(r.type, RAFT_MSG_VOTE_REPLY);
  ck_assert_uint_eq(r.term, 1);
  ck_assert_uint_eq(r.granted, 1);
  ck_assert_uint_eq(s->term, 1);
  ck_assert_int_eq(s->voted_for, 1);
  ck_assert_int_eq(s->role, RAFT_FOLLOWER);

  /* Another candidate of the same term: refused. */
  r = VOTE(2, 0, false, 1, 0, 0);
  ck_assert_uint_eq(r.term, 1);
  ck_assert_uint_eq(r.granted, 0);
  ck_assert_int_eq(s->voted_for, 1);

  /* The same candidate again (its request was retransmitted): granted again. */
  r = VOTE(1, 0, false, 1, 0, 0);
  ck_assert_uint_eq(r.term, 1);
  ck_assert_uint_eq(r.granted, 1);
  ck_assert_int_eq(s->voted_for, 1);

  /* Give n1 the log [t1 t2] from a leader of term 2: the new term clears the vote. */
  raft_msg_append_reply a = APPEND_TERMS(1, 0, 2, 0, 0, 0, 1, 2);
  ck_assert_uint_eq(a.success, 1);
  ck_assert_uint_eq(s->term, 2);
  ck_assert_int_eq(s->voted_for, RAFT_NOBODY);
  ASSERT_LOG(s, 1, 2);

  /* 5.4.1: a longer log whose last term is lower is not up to date. Refused, term adopted. */
  r = VOTE(2, 0, false, 3, 9, 1);
  ck_assert_uint_eq(r.term, 3);
  ck_assert_uint_eq(r.granted, 0);
  ck_assert_uint_eq(s->term, 3);
  ck_assert_int_eq(s->voted_for, RAFT_NOBODY);
  ck_assert_int_eq(s->role, RAFT_FOLLOWER);

  /* The same last term but a shorter log: refused, term adopted. */
  r = VOTE(2, 0, false, 4, 1, 2);
  ck_assert_uint_eq(r.term, 4);
  ck_assert_uint_eq(r.granted, 0);
  ck_assert_uint_eq(s->term, 4);
  ck_assert_int_eq(s->voted_for, RAFT_NOBODY);

  /* The same last term and as long: granted. */
  r = VOTE(2, 0, false, 5, 2, 2);
  ck_assert_uint_eq(r.term, 5);
  ck_assert_uint_eq(r.granted, 1);
  ck_assert_int_eq(s->voted_for, 2);

  /* A stale term: refused, and the reply carries the voter's term. */
  r = VOTE(1, 0, false, 4, 10, 10);
  ck_assert_uint_eq(r.term, 5);
  ck_assert_uint_eq(r.granted, 0);
  ck_assert_uint_eq(s->term, 5);
  ck_assert_int_eq(s->voted_for, 2);

  /* A later last term wins even with a shorter log. */
  r = VOTE(1, 0, false, 6, 1, 3);
  ck_assert_uint_eq(r.term, 6);
  ck_assert_uint_eq(r.granted, 1);
  ck_assert_int_eq(s->voted_for, 1);

  ASSERT_LOG(s, 1, 2); /* votes never touch the log */
  close_world();
}
END_TEST

START_TEST(prevote) {
  open_world(TIMERS_OFF "prevote = yes\n");
  const raft_state *s = st(0);

  /* Granted, and nothing changes: no term, no vote. A grant carries the term asked for. */
  raft_msg_vote_reply r = VOTE(1, 0, true, 1, 0, 0);
  ck_assert_uint_eq(r.type, RAFT_MSG_VOTE_REPLY);
  ck_assert_uint_eq(r.term, 1);
  ck_assert_uint_eq(r.granted, 1);
  ck_assert_uint_eq(s->term, 0);
  ck_assert_int_eq(s->voted_for, RAFT_NOBODY);
  ck_assert_int_eq(s->role, RAFT_FOLLOWER);

  /* A PreVote for a term that is not above ours: refused. */
  r = VOTE(1, 0, true, 0, 0, 0);
  ck_assert_uint_eq(r.granted, 0);

  /* n1 hears a leader of term 1 (n2): a PreVote right after is refused, term unchanged. */
  raft_msg_append_reply a = APPEND_TERMS(1, 0, 1, 0, 0, 0, 1);
  ck_assert_uint_eq(a.success, 1);
  ck_assert_int_eq(s->leader, 1);
  r = VOTE(2, 0, true, 2, 1, 1);
  ck_assert_uint_eq(r.term, 1);
  ck_assert_uint_eq(r.granted, 0);
  ck_assert_uint_eq(s->term, 1);
  ck_assert_int_eq(s->voted_for, RAFT_NOBODY);
  ck_assert_int_eq(s->leader, 1);

  /* The up-to-date rule applies to PreVote too. n3 gets [t1 t1] from n2, then a RequestVote
   * of term 2 from an empty log: refused, but it adopts term 2 and forgets the leader. */
  s = st(2);
  APPEND_TERMS(1, 2, 1, 0, 0, 0, 1, 1);
  r = VOTE(0, 2, false, 2, 0, 0);
  ck_assert_uint_eq(r.granted, 0);
  ck_assert_uint_eq(s->term, 2);
  ck_assert_int_eq(s->leader, RAFT_NOBODY);
  /* A PreVote from a log behind ours: refused; from one as up to date: granted. */
  r = VOTE(0, 2, true, 3, 0, 0);
  ck_assert_uint_eq(r.term, 2);
  ck_assert_uint_eq(r.granted, 0);
  r = VOTE(0, 2, true, 3, 2, 1);
  ck_assert_uint_eq(r.term, 3);
  ck_assert_uint_eq(r.granted, 1);
  ck_assert_uint_eq(s->term, 2);
  ck_assert_int_eq(s->voted_for, RAFT_NOBODY);
  close_world();
}
END_TEST

/* A PreVote grant counts only for the term the pre-election asks for: a late grant of an
 * earlier pre-election (or a duplicate) must not start an election. */
START_TEST(prevote_counts_only_grants_for_its_term) {
  open_world(ONE_STANDS "prevote = yes\n");
  int c = -1;
  for (int k = 0; k < 1000 && c < 0; k++) {
    for (int i = 0; i < N; i++)
      if (st(i)->role == RAFT_PRECANDIDATE) c = i;
    if (c < 0) ck_assert(fl_world_step(T.w));
  }
  ck_assert_int_ge(c, 0);
  const raft_state *s = st(c);
  ck_assert_uint_eq(s->term, 0);
  /* A grant carrying term 0 (an earlier pre-election's): ignored, still a precandidate. */
  VOTE_REPLY((c + 1) % N, c, true, 0, true);
  ck_assert_int_eq(s->role, RAFT_PRECANDIDATE);
  ck_assert_uint_eq(s->term, 0);
  /* The grant for term 1 completes a majority of three: a real election, term 1. */
  VOTE_REPLY((c + 1) % N, c, true, 1, true);
  ck_assert_int_eq(s->role, RAFT_CANDIDATE);
  ck_assert_uint_eq(s->term, 1);
  ck_assert_int_eq(s->voted_for, c);
  close_world();
}
END_TEST

/* Bytes from another node are checked before use: a client id no session table could hold is
 * applied by nobody, and a snapshot whose header is impossible is refused unchanged. */
START_TEST(malformed_input_is_refused) {
  open_world(TIMERS_OFF);
  const raft_state *s = st(0);
  raft_entry e = op_entry(1, 1, FL_OP_WRITE, 3, 9, 0);
  e.client = 0xffffffffu;
  raft_msg_append_reply r = APPEND(1, 0, 1, 0, 0, 1, &e, 1);
  ck_assert_uint_eq(r.success, 1);
  ck_assert_uint_eq(s->applied, 1);
  ck_assert_uint_eq(fl_client_sessions_count(&s->sessions), 0);
  ck_assert_uint_eq(fl_kv_machine_count(&s->kv), 0);

  /* InstallSnapshot of term 1 claiming its last entry is of term 5: ignored, no reply. */
  struct {
    raft_msg_snapshot m;
    raft_snapshot_header h;
  } snap;
  memset(&snap, 0, sizeof snap);
  snap.m.type = RAFT_MSG_SNAPSHOT;
  snap.m.term = 1;
  snap.h.index = 7;
  snap.h.term = 5;
  guint from = mark();
  ck_assert(fl_world_inject(T.w, 1, 0, &snap, sizeof snap));
  assert_running(__LINE__);
  ck_assert_int_eq(count_sent(from, 0, 1, 0), 0);
  ck_assert_uint_eq(s->log.base, 0);
  /* And one whose index would overflow. */
  snap.h.term = 1;
  snap.h.index = UINT64_MAX;
  ck_assert(fl_world_inject(T.w, 1, 0, &snap, sizeof snap));
  assert_running(__LINE__);
  ck_assert_int_eq(count_sent(from, 0, 1, 0), 0);
  ck_assert_uint_eq(s->log.base, 0);
  ck_assert_uint_eq(s->commit, 1);
  close_world();
}
END_TEST

START_TEST(check_quorum_lease) {
  open_world(TIMERS_OFF "check_quorum = yes\n");
  const raft_state *s = st(0);

  /* No leader heard yet: the lease does not apply, a vote is granted. */
  raft_msg_vote_reply r = VOTE(1, 0, false, 1, 0, 0);
  ck_assert_uint_eq(r.granted, 1);
  ck_assert_int_eq(s->voted_for, 1);

  /* n2 leads term 1; a higher-term RequestVote right after is ignored: term unchanged. */
  raft_msg_append_reply a = HEARTBEAT(1, 0, 1, 0, 0, 0);
  ck_assert_uint_eq(a.success, 1);
  ck_assert_int_eq(s->leader, 1);
  r = VOTE(2, 0, false, 2, 0, 0);
  ck_assert_uint_eq(r.term, 1);
  ck_assert_uint_eq(r.granted, 0);
  ck_assert_uint_eq(s->term, 1);
  ck_assert_int_eq(s->voted_for, 1);
  ck_assert_int_eq(s->leader, 1);
  ck_assert_int_eq(s->role, RAFT_FOLLOWER);
  close_world();
}
END_TEST

/* The lease holds at a negative local clock: with skew -30s n1's clock reads -30s at the
 * start, and a leader heard at that time still counts as heard (issue 9, item 5: "never
 * heard" was the time -1, so a leader heard below zero was as good as never heard, and
 * PreVote and CheckQuorum let a cut-off node depose a healthy leader). */
START_TEST(leader_lease_holds_at_a_negative_clock) {
  open_world(TIMERS_OFF "prevote = yes\ncheck_quorum = yes\n[clocks]\nn1 = skew -30s\n");
  const raft_state *s = st(0);
  raft_msg_append_reply a = HEARTBEAT(1, 0, 1, 0, 0, 0);
  ck_assert_uint_eq(a.success, 1);
  ck_assert_int_eq(s->leader, 1);
  ck_assert(s->has_heard_leader);
  ck_assert_int_eq(s->heard_leader_at, -30000000000LL);
  /* PreVote of term 2 from n3: refused while the leader was heard recently. */
  raft_msg_vote_reply r = VOTE(2, 0, true, 2, 0, 0);
  ck_assert_uint_eq(r.granted, 0);
  ck_assert_uint_eq(r.term, 1);
  /* RequestVote of term 2: ignored under CheckQuorum's lease, term and leader unchanged. */
  r = VOTE(2, 0, false, 2, 0, 0);
  ck_assert_uint_eq(r.granted, 0);
  ck_assert_uint_eq(r.term, 1);
  ck_assert_uint_eq(s->term, 1);
  ck_assert_int_eq(s->leader, 1);
  ck_assert_int_eq(s->role, RAFT_FOLLOWER);
  close_world();
}
END_TEST

/* CheckQuorum at the leader: every election_timeout's upper bound (300ms) it must have heard
 * from a majority (itself and one peer) since the last check, or it steps down. */
START_TEST(check_quorum_leader_steps_down) {
  open_world("election_timeout = 10ms..300ms\ncheck_quorum = yes\n" QUIET);
  int l = elect(), p = (l + 1) % N;
  const raft_state *s = st(l);
  uint64_t t = s->term;
  int64_t t0 = fl_world_now(T.w);
  APPEND_REPLY(p, l, t, 1); /* p is heard in the first period */
  fl_world_run_until(T.w, t0 + 310 * 1000000LL);
  assert_running(__LINE__);
  s = st(l);
  ck_assert_int_eq(s->role, RAFT_LEADER);
  /* Nobody is heard in the second: it steps down, in the same term. */
  fl_world_run_until(T.w, t0 + 610 * 1000000LL);
  assert_running(__LINE__);
  s = st(l);
  ck_assert_int_eq(s->role, RAFT_FOLLOWER);
  ck_assert_uint_eq(s->term, t);
  ck_assert_int_eq(s->leader, RAFT_NOBODY);
  ck_assert_uint_eq(s->timer[RAFT_TIMER_HEARTBEAT], 0);
  close_world();
}
END_TEST

START_TEST(candidate_yields) {
  open_world(ONE_STANDS);
  int c = step_until_candidate(), p = (c + 1) % N;
  const raft_state *s = st(c);
  uint64_t t = s->term;
  ck_assert_uint_eq(t, 1);
  ck_assert_int_eq(s->voted_for, c);

  /* A grant of an older term, and a PreVote grant, do not count for this election. */
  VOTE_REPLY(p, c, false, t - 1, true);
  ck_assert_int_eq(s->role, RAFT_CANDIDATE);
  VOTE_REPLY(p, c, true, t, true);
  ck_assert_int_eq(s->role, RAFT_CANDIDATE);

  /* Another node won this term: its AppendEntries makes the candidate follow it, keeping the
   * term and its own vote. */
  raft_msg_append_reply a = HEARTBEAT(p, c, t, 0, 0, 0);
  ck_assert_uint_eq(a.success, 1);
  ck_assert_uint_eq(a.term, t);
  ck_assert_int_eq(s->role, RAFT_FOLLOWER);
  ck_assert_uint_eq(s->term, t);
  ck_assert_int_eq(s->voted_for, c);
  ck_assert_int_eq(s->leader, p);

  /* A vote reply of a higher term makes a node adopt it. */
  VOTE_REPLY(p, c, false, t + 3, false);
  ck_assert_uint_eq(s->term, t + 3);
  ck_assert_int_eq(s->voted_for, RAFT_NOBODY);
  ck_assert_int_eq(s->role, RAFT_FOLLOWER);
  close_world();
}
END_TEST

/* ---- 2. Log replication: appending, conflicts and truncation. */

START_TEST(append_conflicts_and_truncation) {
  open_world(TIMERS_OFF);
  const raft_state *s = st(0);

  /* Appended; success with match = prev + n. */
  raft_msg_append_reply r = APPEND_TERMS(1, 0, 1, 0, 0, 0, 1, 1, 1);
  ck_assert_uint_eq(r.type, RAFT_MSG_APPEND_REPLY);
  ck_assert_uint_eq(r.term, 1);
  ck_assert_uint_eq(r.success, 1);
  ck_assert_uint_eq(r.match, 3);
  ASSERT_LOG(s, 1, 1, 1);
  ck_assert_uint_eq(s->term, 1);
  ck_assert_int_eq(s->leader, 1);
  ck_assert_uint_eq(s->commit, 0);
  uint64_t gen = s->log.gen;

  /* prev_index beyond the log: conflict_index = last + 1, no conflict term. */
  r = HEARTBEAT(1, 0, 1, 5, 1, 0);
  ck_assert_uint_eq(r.success, 0);
  ck_assert_uint_eq(r.term, 1);
  ck_assert_uint_eq(r.conflict_index, 4);
  ck_assert_uint_eq(r.conflict_term, 0);
  ASSERT_LOG(s, 1, 1, 1);

  /* A leader of term 2 (n3) appends two entries after index 3: [t1 t1 t1 t2 t2]. */
  r = APPEND_TERMS(2, 0, 2, 3, 1, 0, 2, 2);
  ck_assert_uint_eq(r.success, 1);
  ck_assert_uint_eq(r.match, 5);
  ASSERT_LOG(s, 1, 1, 1, 2, 2);
  ck_assert_int_eq(s->leader, 2);

  /* A leader of term 3 (n2) whose entry at 5 is of term 3: conflict at our term 2, whose
   * first index is 4. */
  r = HEARTBEAT(1, 0, 3, 5, 3, 0);
  ck_assert_uint_eq(r.success, 0);
  ck_assert_uint_eq(r.term, 3);
  ck_assert_uint_eq(r.conflict_term, 2);
  ck_assert_uint_eq(r.conflict_index, 4);
  ASSERT_LOG(s, 1, 1, 1, 2, 2);
  ck_assert_uint_eq(s->log.gen, gen);
  /* The same at index 3 (term 1 here, 3 there): term 1 starts at index 1. */
  r = HEARTBEAT(1, 0, 3, 3, 3, 0);
  ck_assert_uint_eq(r.success, 0);
  ck_assert_uint_eq(r.conflict_term, 1);
  ck_assert_uint_eq(r.conflict_index, 1);

  /* prev 3 matches; the entry at 4 conflicts: the suffix goes, the leader's entry comes. */
  r = APPEND_TERMS(1, 0, 3, 3, 1, 0, 3);
  ck_assert_uint_eq(r.success, 1);
  ck_assert_uint_eq(r.match, 4);
  ASSERT_LOG(s, 1, 1, 1, 3);
  ck_assert_uint_eq(s->log.gen, gen + 1);
  ck_assert_uint_eq(s->log.changed_from, 4);

  /* More of term 3: [t1 t1 t1 t3 t3 t3], no truncation. */
  r = APPEND_TERMS(1, 0, 3, 4, 3, 0, 3, 3);
  ck_assert_uint_eq(r.success, 1);
  ck_assert_uint_eq(r.match, 6);
  ASSERT_LOG(s, 1, 1, 1, 3, 3, 3);
  ck_assert_uint_eq(s->log.gen, gen + 1);

  /* A stale, reordered AppendEntries carrying a prefix of what we hold: success up to what it
   * covers, and the later entries stay. */
  r = APPEND_TERMS(1, 0, 3, 3, 1, 0, 3);
  ck_assert_uint_eq(r.success, 1);
  ck_assert_uint_eq(r.match, 4);
  r = APPEND_TERMS(1, 0, 3, 2, 1, 0, 1, 3);
  ck_assert_uint_eq(r.success, 1);
  ck_assert_uint_eq(r.match, 4);
  r = HEARTBEAT(1, 0, 3, 0, 0, 0);
  ck_assert_uint_eq(r.success, 1);
  ck_assert_uint_eq(r.match, 0);
  ASSERT_LOG(s, 1, 1, 1, 3, 3, 3);
  ck_assert_uint_eq(s->log.gen, gen + 1);

  /* The deposed leader of term 2 would overwrite index 4: refused with our term, and nothing
   * changes, the leader we follow included. */
  r = APPEND_TERMS(2, 0, 2, 3, 1, 5, 2, 2);
  ck_assert_uint_eq(r.success, 0);
  ck_assert_uint_eq(r.term, 3);
  ASSERT_LOG(s, 1, 1, 1, 3, 3, 3);
  ck_assert_uint_eq(s->log.gen, gen + 1);
  ck_assert_uint_eq(s->term, 3);
  ck_assert_int_eq(s->leader, 1);
  ck_assert_uint_eq(s->commit, 0);
  close_world();
}
END_TEST

/* ---- 3. Commit. */

START_TEST(follower_commit) {
  open_world(TIMERS_OFF);
  /* commit = min(leaderCommit, index of the last new entry). */
  raft_msg_append_reply r = APPEND_TERMS(1, 0, 1, 0, 0, 10, 1, 1);
  ck_assert_uint_eq(r.match, 2);
  ck_assert_uint_eq(st(0)->commit, 2);
  ck_assert_uint_eq(st(0)->applied, 2);

  /* An entry the leader has not confirmed to match does not commit: n3 holds [t1 t1 t1]; a
   * heartbeat with prev 1 and commit 3 vouches only for index 1. */
  const raft_state *s = st(2);
  APPEND_TERMS(1, 2, 1, 0, 0, 0, 1, 1, 1);
  ck_assert_uint_eq(s->commit, 0);
  HEARTBEAT(1, 2, 1, 1, 1, 3);
  ck_assert_uint_eq(s->commit, 1);
  ck_assert_uint_eq(s->applied, 1);
  HEARTBEAT(1, 2, 1, 3, 1, 3);
  ck_assert_uint_eq(s->commit, 3);
  ck_assert_uint_eq(s->applied, 3);
  /* The commit index never goes back. */
  HEARTBEAT(1, 2, 1, 0, 0, 1);
  ck_assert_uint_eq(s->commit, 3);
  close_world();
}
END_TEST

/* Figure 8: every node holds [t1 t1] from a leader of term 1 that never committed them; one
 * node wins term 2 and appends its no-op at index 3. Returns the leader. */
static int figure8_setup(void) {
  for (int i = 0; i < N; i++) {
    raft_msg_append_reply r = APPEND_TERMS((i + 1) % N, i, 1, 0, 0, 0, 1, 1);
    ck_assert_uint_eq(r.success, 1);
  }
  int l = elect();
  const raft_state *s = st(l);
  ck_assert_uint_eq(s->term, 2);
  ASSERT_LOG(s, 1, 1, 2);
  ck_assert_uint_eq(s->term_start, 3);
  ck_assert_uint_eq(s->commit, 0);
  return l;
}

START_TEST(leader_commits_only_its_own_term) {
  open_world(ONE_STANDS);
  int l = figure8_setup(), p = (l + 1) % N;
  const raft_state *s = st(l);

  /* A majority (leader + p) holds index 2, of term 1: not committed by counting. */
  APPEND_REPLY(p, l, 2, 2);
  ck_assert_uint_eq(s->match[p], 2);
  ck_assert_uint_eq(s->commit, 0);
  ck_assert_uint_eq(s->applied, 0);

  /* A majority holds index 3, of term 2: committed, and the entries before with it. */
  APPEND_REPLY(p, l, 2, 3);
  ck_assert_uint_eq(s->match[p], 3);
  ck_assert_uint_eq(s->commit, 3);
  ck_assert_uint_eq(s->applied, 3);
  close_world();
}
END_TEST

START_TEST(bug_commit_previous_term) {
  open_world(ONE_STANDS "bug = commit-previous-term\n");
  int l = figure8_setup(), p = (l + 1) % N;
  const raft_state *s = st(l);
  /* The reinjected bug commits index 2 of term 1 by counting replicas. */
  APPEND_REPLY(p, l, 2, 2);
  ck_assert_uint_eq(s->commit, 2);
  ck_assert_uint_eq(s->applied, 2);
  close_world();
}
END_TEST

START_TEST(leader_steps_down_on_higher_term) {
  open_world(ONE_STANDS);
  int l = elect(), p = (l + 1) % N, q = (l + 2) % N;
  const raft_state *s = st(l);
  uint64_t t = s->term;
  APPEND_REPLY(p, l, t, 1); /* the no-op commits */
  ck_assert_uint_eq(s->commit, 1);

  /* A write waits for its entry; then a reply of a higher term deposes the leader. */
  fl_op op = client_op(1, FL_OP_WRITE, 1, 10, 0);
  guint from = mark();
  REQUEST(l, &op);
  ck_assert_int_eq(count_sent(from, l, CLIENT_EP, 0), 0);
  ck_assert_uint_eq(fl_waiters_len(&s->waiters), 1);
  CONFLICT_REPLY(q, l, t + 5, 1, 0);
  ck_assert_int_eq(s->role, RAFT_FOLLOWER);
  ck_assert_uint_eq(s->term, t + 5);
  ck_assert_int_eq(s->voted_for, RAFT_NOBODY);
  ck_assert_int_eq(s->leader, RAFT_NOBODY);
  ck_assert_uint_eq(s->timer[RAFT_TIMER_HEARTBEAT], 0);
  ck_assert_uint_ne(s->timer[RAFT_TIMER_ELECTION], 0);
  /* The waiting client is redirected (its write may still commit: a retry is deduplicated). */
  ck_assert_uint_eq(fl_waiters_len(&s->waiters), 0);
  ck_assert_int_eq(count_sent(from, l, CLIENT_EP, 0), 1);
  client_reply cr = CLIENT_REPLY(from, l, 0);
  ck_assert_uint_eq(cr.op.seq, 1);
  ck_assert_int_eq(cr.result.status, FL_REPLY_REDIRECT);
  ck_assert_int_eq(cr.result.redirect_to, -1);
  ck_assert_uint_eq(s->commit, 1);
  close_world();
}
END_TEST

/* The leader's side of conflict backtracking: a rejection names the follower's conflicting
 * term, and the leader's retry skips the whole term. Every node holds [t1 t1 t3] from a leader
 * of term 3; one wins term 4 and appends [t4]. The assertions are on the retried AppendEntries
 * (not on next[], which pipelined replication moves past what is in flight). */
START_TEST(leader_backtracks_by_term) {
  open_world(ONE_STANDS);
  for (int i = 0; i < N; i++) APPEND_TERMS((i + 1) % N, i, 3, 0, 0, 0, 1, 1, 3);
  int l = elect(), p = (l + 1) % N, q = (l + 2) % N;
  const raft_state *s = st(l);
  ck_assert_uint_eq(s->term, 4);
  ASSERT_LOG(s, 1, 1, 3, 4);
  uint64_t terms[8];

  /* q's entry at 3 is of term 1, which the leader holds up to index 2: retry after it. */
  guint from = mark();
  CONFLICT_REPLY(q, l, 4, 1, 1);
  ck_assert_int_eq(count_sent(from, l, q, 0), 1);
  raft_msg_append m = sent_append(__LINE__, from, l, q, 0, terms, 8);
  ck_assert_uint_eq(m.term, 4);
  ck_assert_uint_eq(m.prev_index, 2);
  ck_assert_uint_eq(m.prev_term, 1);
  ck_assert_uint_eq(m.n, 2);
  ck_assert_uint_eq(terms[0], 3);
  ck_assert_uint_eq(terms[1], 4);

  /* p's conflicting term 2 (first at index 2) is not in the leader's log: retry from 2. */
  from = mark();
  CONFLICT_REPLY(p, l, 4, 2, 2);
  ck_assert_int_eq(count_sent(from, l, p, 0), 1);
  m = sent_append(__LINE__, from, l, p, 0, terms, 8);
  ck_assert_uint_eq(m.prev_index, 1);
  ck_assert_uint_eq(m.prev_term, 1);
  ck_assert_uint_eq(m.n, 3);
  ck_assert_uint_eq(terms[0], 1);
  ck_assert_uint_eq(terms[1], 3);
  ck_assert_uint_eq(terms[2], 4);

  /* p matches everything: the term-4 entry is on a majority and commits. */
  APPEND_REPLY(p, l, 4, 4);
  ck_assert_uint_eq(s->match[p], 4);
  ck_assert_uint_eq(s->next[p], 5);
  ck_assert_uint_eq(s->commit, 4);
  ck_assert_uint_eq(s->applied, 4);
  /* A late rejection cannot move next[] to or below what p is known to match. */
  from = mark();
  CONFLICT_REPLY(p, l, 4, 1, 0);
  ck_assert_uint_eq(s->next[p], 5);
  ck_assert_int_eq(count_sent(from, l, p, 0), 0);
  close_world();
}
END_TEST

/* ReadIndex: a read is answered only once a majority acknowledged a round sent after it
 * arrived, and the no-op of the term is applied; it never enters the log. */
START_TEST(read_index_waits_for_a_quorum_round) {
  open_world(ONE_STANDS "read = read-index\n");
  int l = elect(), p = (l + 1) % N, q = (l + 2) % N;
  const raft_state *s = st(l);
  uint64_t t = s->term;
  ck_assert_uint_eq(s->round, 1); /* the new leader's first broadcast */

  fl_op rd = client_op(1, FL_OP_READ, 9, 0, 0);
  guint from = mark();
  REQUEST(l, &rd);
  ck_assert_uint_eq(s->round, 2);
  ck_assert_uint_eq(fl_waiters_len(&s->reads), 1);
  ck_assert_uint_eq(last_index(s), 1);
  uint64_t terms[8];
  ck_assert_uint_eq(sent_append(__LINE__, from, l, p, 0, terms, 8).round, 2);
  ck_assert_int_eq(count_sent(from, l, CLIENT_EP, 0), 0);

  /* q acknowledges round 2 (failing, its log is behind): the round is confirmed by a
   * majority, but the term's no-op has not applied yet: no answer. */
  append_reply_full(__LINE__, q, l, t, false, 0, 1, 0, 2);
  ck_assert_uint_eq(s->acked_round[q], 2);
  ck_assert_uint_eq(s->applied, 0);
  ck_assert_int_eq(count_sent(from, l, CLIENT_EP, 0), 0);

  /* p acknowledges round 1 with the no-op: it commits and applies, and the read is answered;
   * a key never written reads nil. */
  append_reply_full(__LINE__, p, l, t, true, 1, 0, 0, 1);
  ck_assert_uint_eq(s->commit, 1);
  ck_assert_uint_eq(s->applied, 1);
  ck_assert_int_eq(count_sent(from, l, CLIENT_EP, 0), 1);
  client_reply cr = CLIENT_REPLY(from, l, 0);
  ck_assert_uint_eq(cr.op.seq, 1);
  ck_assert_int_eq(cr.result.status, FL_REPLY_OK);
  ck_assert(!cr.result.has_value);
  ck_assert_uint_eq(fl_waiters_len(&s->reads), 0);

  /* A second read needs a round of its own (3): acknowledgements of earlier rounds do not
   * answer it. */
  rd = client_op(2, FL_OP_READ, 9, 0, 0);
  from = mark();
  REQUEST(l, &rd);
  ck_assert_uint_eq(s->round, 3);
  append_reply_full(__LINE__, p, l, t, true, 1, 0, 0, 2);
  ck_assert_int_eq(count_sent(from, l, CLIENT_EP, 0), 0);
  append_reply_full(__LINE__, p, l, t, true, 1, 0, 0, 3);
  ck_assert_int_eq(count_sent(from, l, CLIENT_EP, 0), 1);
  cr = CLIENT_REPLY(from, l, 0);
  ck_assert_uint_eq(cr.op.seq, 2);
  ck_assert_int_eq(cr.result.status, FL_REPLY_OK);
  ck_assert_uint_eq(last_index(s), 1); /* reads never enter the log */
  close_world();
}
END_TEST

/* ---- 4. Persistence. */

START_TEST(restart_keeps_term_vote_and_log) {
  open_world(TIMERS_OFF);
  const raft_state *s = st(0);
  APPEND_TERMS(1, 0, 1, 0, 0, 1, 1, 1, 1);
  ck_assert_uint_eq(s->commit, 1);
  raft_msg_vote_reply v = VOTE(2, 0, false, 2, 3, 1);
  ck_assert_uint_eq(v.granted, 1);
  /* n3 wins term 2 and overwrites index 2 on: [t1 t2]. */
  raft_msg_append_reply a = APPEND_TERMS(2, 0, 2, 1, 1, 0, 2);
  ck_assert_uint_eq(a.success, 1);
  ASSERT_LOG(s, 1, 2);
  ck_assert_uint_eq(s->term, 2);
  ck_assert_int_eq(s->voted_for, 2);

  fl_world_crash(T.w, 0);
  ck_assert_ptr_null(fl_world_node_state(T.w, 0));
  fl_world_restart(T.w, 0);
  s = st(0);
  ck_assert_uint_eq(s->term, 2);
  ck_assert_int_eq(s->voted_for, 2);
  ASSERT_LOG(s, 1, 2); /* the truncated entry did not come back from storage */
  ck_assert_uint_eq(s->log.base, 0);
  ck_assert_uint_eq(s->commit, 0);
  ck_assert_uint_eq(s->applied, 0);
  ck_assert_int_eq(s->role, RAFT_FOLLOWER);
  ck_assert_int_eq(s->leader, RAFT_NOBODY);

  /* Still one vote in term 2: a different candidate is refused, the same one granted. */
  v = VOTE(1, 0, false, 2, 2, 2);
  ck_assert_uint_eq(v.term, 2);
  ck_assert_uint_eq(v.granted, 0);
  v = VOTE(2, 0, false, 2, 2, 2);
  ck_assert_uint_eq(v.granted, 1);
  close_world();
}
END_TEST

/* A world whose disk takes 5ms per write and tears the write in progress at a crash: a crash
 * right after a handler persisted leaves its first unsynced write cut short. */
static void open_torn_world(void) {
  fl_harness_open(&T, "raft-torn.fl",
                  "[cluster]\nprotocol = raft\nnodes = 3\nseed = 1\nduration = 10h\n"
                  "[raft]\n" TIMERS_OFF "[nodes]\ndisk = constant(5ms)\ntorn_writes = yes\n"
                  "[workload]\nclients = 1\nstart = 10h\n");
  fl_harness_isolate(&T);
}

/* Injects msg into node dst and lets its writes sync (its replies leave then). */
static void inject_and_sync(int line, int src, int dst, const void *msg, size_t len) {
  ck_assert(fl_world_inject(T.w, src, dst, msg, len));
  assert_running(line);
  fl_world_run_until(T.w, fl_world_now(T.w) + 10 * 1000000LL);
  assert_running(line);
}

static raft_msg_vote vote_request(uint64_t term) {
  raft_msg_vote m;
  memset(&m, 0, sizeof m);
  m.type = RAFT_MSG_VOTE;
  m.term = term;
  return m;
}

START_TEST(torn_meta_keeps_the_previous_vote) {
  open_torn_world();
  /* n1 votes for n2 in term 1; the write syncs and the grant leaves. */
  raft_msg_vote m = vote_request(1);
  guint from = mark();
  inject_and_sync(__LINE__, 1, 0, &m, sizeof m);
  raft_msg_vote_reply r;
  nth_sent(__LINE__, from, 0, 1, RAFT_MSG_VOTE_REPLY, 0, &r, sizeof r);
  ck_assert_uint_eq(r.granted, 1);
  /* raft_init's record, then two: the new term with no vote, then the vote. */
  ck_assert_uint_eq(st(0)->meta.seq, 3);

  /* n3's request of term 2: n1 adopts the term (a write), grants (another), and crashes
   * before either syncs, so its grant never left. The first of the two is torn. */
  m = vote_request(2);
  from = mark();
  ck_assert(fl_world_inject(T.w, 2, 0, &m, sizeof m));
  ck_assert_uint_eq(st(0)->term, 2);
  ck_assert_int_eq(st(0)->voted_for, 2);
  ck_assert_int_eq(count_sent(from, 0, 2, 0), 0);
  ck_assert(fl_world_crash(T.w, 0));
  ck_assert(fl_world_restart(T.w, 0));
  /* The other slot kept term 1 and the vote for n2 (the torn record alone said term 0, no
   * vote: n1 would have voted again in term 1). */
  const raft_state *s = st(0);
  ck_assert_uint_eq(s->term, 1);
  ck_assert_int_eq(s->voted_for, 1);
  ck_assert_uint_eq(s->meta.seq, 3);
  raft_msg_vote_reply v = VOTE(2, 0, false, 1, 0, 0);
  ck_assert_uint_eq(v.term, 1);
  ck_assert_uint_eq(v.granted, 0);

  /* The next write goes over the torn slot, never over the good one: it survives a crash. */
  m = vote_request(3);
  inject_and_sync(__LINE__, 2, 0, &m, sizeof m);
  ck_assert_uint_eq(st(0)->meta.seq, 5);
  ck_assert(fl_world_crash(T.w, 0));
  ck_assert(fl_world_restart(T.w, 0));
  ck_assert_uint_eq(st(0)->term, 3);
  ck_assert_int_eq(st(0)->voted_for, 2);
  ck_assert_uint_eq(st(0)->meta.seq, 5);
  close_world();
}
END_TEST

/* A crash tears the first write of a handler that appended: the torn entry is refused by its
 * length and the log ends at the last whole entry. */
START_TEST(torn_log_entry_is_dropped) {
  open_torn_world();
  raft_entry es[3] = {noop_entry(1), op_entry(1, 1, FL_OP_WRITE, 1, 10, 0),
                      op_entry(1, 2, FL_OP_WRITE, 2, 20, 0)};
  size_t len = sizeof(raft_msg_append) + 3 * sizeof(raft_entry);
  raft_msg_append *m = g_malloc0(len);
  m->type = RAFT_MSG_APPEND;
  m->term = 1;
  m->n = 1;
  memcpy(m->entries, es, sizeof es[0]);
  inject_and_sync(__LINE__, 1, 0, m, sizeof *m + sizeof es[0]);
  ASSERT_LOG(st(0), 1);
  /* Entries 2 and 3 arrive; the crash comes before they sync: 2 is torn, 3 lost. */
  m->prev_index = 1;
  m->prev_term = 1;
  m->n = 2;
  memcpy(m->entries, es + 1, 2 * sizeof es[0]);
  ck_assert(fl_world_inject(T.w, 1, 0, m, sizeof *m + 2 * sizeof es[0]));
  g_free(m);
  ASSERT_LOG(st(0), 1, 1, 1);
  ck_assert(fl_world_crash(T.w, 0));
  ck_assert(fl_world_restart(T.w, 0));
  const raft_state *s = st(0);
  ASSERT_LOG(s, 1);
  ck_assert_uint_eq(entry(s, 1)->type, RAFT_ENTRY_NOOP);
  ck_assert_uint_eq(s->term, 1);
  ck_assert_int_eq(s->voted_for, RAFT_NOBODY);
  close_world();
}
END_TEST

START_TEST(restart_from_snapshot) {
  open_world("election_timeout = 1h..2h\nheartbeat = 50ms\nsnapshot_every = 2\n");
  const raft_state *s = st(0);
  raft_entry es[4] = {
      op_entry(1, 1, FL_OP_WRITE, 1, 10, 0),
      op_entry(1, 2, FL_OP_WRITE, 2, 20, 0),
      op_entry(1, 3, FL_OP_CAS, 1, 11, 10),
      op_entry(1, 4, FL_OP_WRITE, 3, 30, 0), /* not committed */
  };
  raft_msg_append_reply a = APPEND(1, 0, 1, 0, 0, 3, es, 4);
  ck_assert_uint_eq(a.match, 4);
  ck_assert_uint_eq(s->applied, 3);
  ck_assert_int_eq(kv_value(s, 1), 11);
  ck_assert_int_eq(kv_value(s, 2), 20);

  /* The compaction timer (every 10 heartbeats) fires at 500ms: indices 1..3 go to the
   * snapshot, 4 stays in the log. */
  fl_world_run_until(T.w, fl_world_now(T.w) + 600 * 1000000LL);
  assert_running(__LINE__);
  s = st(0);
  ck_assert_uint_eq(s->log.base, 3);
  ck_assert_uint_eq(s->log.base_term, 1);
  ASSERT_LOG(s, 1);

  fl_world_crash(T.w, 0);
  fl_world_restart(T.w, 0);
  s = st(0);
  ck_assert_uint_eq(s->term, 1);
  ck_assert_uint_eq(s->log.base, 3);
  ck_assert_uint_eq(s->log.base_term, 1);
  ck_assert_uint_eq(s->commit, 3);
  ck_assert_uint_eq(s->applied, 3);
  ASSERT_LOG(s, 1);
  ck_assert_int_eq(entry(s, 4)->key, 3);
  ck_assert_int_eq(kv_value(s, 1), 11);
  ck_assert_int_eq(kv_value(s, 2), 20);
  int64_t v = 0;
  ck_assert(!kv_get(s, 3, &v));
  ck_assert_uint_ge(fl_client_sessions_count(&s->sessions), 1);
  ck_assert_uint_eq(fl_client_sessions_get(&s->sessions, 0)->seq, 3);
  ck_assert_uint_eq(fl_client_sessions_get(&s->sessions, 0)->status, FL_REPLY_OK);

  /* It carries on from the snapshot: a leader's commit applies index 4. */
  a = HEARTBEAT(1, 0, 1, 4, 1, 4);
  ck_assert_uint_eq(a.success, 1);
  ck_assert_uint_eq(a.match, 4);
  ck_assert_uint_eq(s->applied, 4);
  ck_assert_int_eq(kv_value(s, 3), 30);
  /* A prev_index inside the snapshot is taken as matching. */
  a = HEARTBEAT(1, 0, 1, 2, 1, 4);
  ck_assert_uint_eq(a.success, 1);
  ck_assert_uint_eq(a.match, 3);
  close_world();
}
END_TEST

START_TEST(install_snapshot) {
  open_world(TIMERS_OFF);
  const raft_state *s = st(2);
  /* n3 holds [t1 t1 t1 t1], nothing committed. */
  APPEND_TERMS(1, 2, 1, 0, 0, 0, 1, 1, 1, 1);

  /* A snapshot through index 3 of term 1 with k7 = 70 and client 0 at seq 5. */
  struct {
    raft_msg_snapshot m;
    raft_snapshot_header h;
    uint32_t n_kv, n_sessions; /* common/rsm_snapshot.h's counts */
    int64_t kv[2];
    raft_session ss;
  } msg;
  memset(&msg, 0, sizeof msg);
  G_STATIC_ASSERT(sizeof msg == sizeof(raft_msg_snapshot) + sizeof(raft_snapshot_header) +
                                    FL_RSM_SNAPSHOT_COUNTS_SIZE + 2 * sizeof(int64_t) +
                                    sizeof(raft_session));
  msg.m.type = RAFT_MSG_SNAPSHOT;
  msg.m.term = 1;
  msg.m.round = 9;
  msg.h.index = 3;
  msg.h.term = 1;
  msg.n_kv = 1;
  msg.n_sessions = 1;
  msg.kv[0] = 7;
  msg.kv[1] = 70;
  msg.ss.seq = 5;
  msg.ss.status = FL_REPLY_OK;
  guint from = mark();
  ck_assert(fl_world_inject(T.w, 1, 2, &msg, sizeof msg));
  assert_running(__LINE__);
  raft_msg_append_reply r;
  nth_sent(__LINE__, from, 2, 1, RAFT_MSG_SNAPSHOT_REPLY, 0, &r, sizeof r);
  ck_assert_uint_eq(r.success, 1);
  ck_assert_uint_eq(r.match, 3);
  ck_assert_uint_eq(r.term, 1);
  ck_assert_uint_eq(r.round, 9);
  ck_assert_uint_eq(s->log.base, 3);
  ck_assert_uint_eq(s->log.base_term, 1);
  ASSERT_LOG(s, 1); /* index 4 agrees with the snapshot's log: kept */
  ck_assert_uint_eq(s->commit, 3);
  ck_assert_uint_eq(s->applied, 3);
  ck_assert_int_eq(kv_value(s, 7), 70);
  ck_assert_uint_eq(fl_client_sessions_get(&s->sessions, 0)->seq, 5);

  /* It survives a restart. */
  fl_world_crash(T.w, 2);
  fl_world_restart(T.w, 2);
  s = st(2);
  ck_assert_uint_eq(s->log.base, 3);
  ck_assert_uint_eq(s->commit, 3);
  ASSERT_LOG(s, 1);
  ck_assert_int_eq(kv_value(s, 7), 70);
  close_world();
}
END_TEST

/* ---- 5. Client sessions. */

START_TEST(exactly_once_sessions) {
  open_world(ONE_STANDS);
  int l = elect(), p = (l + 1) % N;
  const raft_state *s = st(l);
  uint64_t t = s->term;
  APPEND_REPLY(p, l, t, 1); /* the no-op commits */
  ck_assert_uint_eq(s->commit, 1);

  /* A write: appended, answered once it applies. */
  fl_op w1 = client_op(1, FL_OP_WRITE, 5, 1, 0);
  guint from = mark();
  REQUEST(l, &w1);
  ck_assert_uint_eq(last_index(s), 2);
  ck_assert_int_eq(count_sent(from, l, CLIENT_EP, 0), 0);
  APPEND_REPLY(p, l, t, 2);
  ck_assert_uint_eq(s->applied, 2);
  ck_assert_int_eq(count_sent(from, l, CLIENT_EP, 0), 1);
  client_reply cr = CLIENT_REPLY(from, l, 0);
  ck_assert_uint_eq(cr.op.seq, 1);
  ck_assert_int_eq(cr.result.status, FL_REPLY_OK);
  ck_assert_int_eq(kv_value(s, 5), 1);

  /* cas 1 -> 2: applying it twice would fail the second time. */
  fl_op c2 = client_op(2, FL_OP_CAS, 5, 2, 1);
  from = mark();
  REQUEST(l, &c2);
  APPEND_REPLY(p, l, t, 3);
  cr = CLIENT_REPLY(from, l, 0);
  ck_assert_uint_eq(cr.op.seq, 2);
  ck_assert_int_eq(cr.result.status, FL_REPLY_OK);
  ck_assert_int_eq(kv_value(s, 5), 2);

  /* Its retry after it applied: answered from the session at once, nothing appended. */
  from = mark();
  REQUEST(l, &c2);
  ck_assert_int_eq(count_sent(from, l, CLIENT_EP, 0), 1);
  cr = CLIENT_REPLY(from, l, 0);
  ck_assert_uint_eq(cr.op.seq, 2);
  ck_assert_int_eq(cr.result.status, FL_REPLY_OK);
  ck_assert_uint_eq(last_index(s), 3);
  ck_assert_int_eq(kv_value(s, 5), 2);

  /* cas 2 -> 3, retried before it applied: the log holds it twice, it applies once, and both
   * waiters get the first application's answer. */
  fl_op c3 = client_op(3, FL_OP_CAS, 5, 3, 2);
  from = mark();
  REQUEST(l, &c3);
  REQUEST(l, &c3);
  ck_assert_uint_eq(last_index(s), 5);
  ck_assert_uint_eq(entry(s, 4)->seq, 3);
  ck_assert_uint_eq(entry(s, 5)->seq, 3);
  APPEND_REPLY(p, l, t, 5);
  ck_assert_uint_eq(s->applied, 5);
  ck_assert_int_eq(count_sent(from, l, CLIENT_EP, 0), 2);
  for (int k = 0; k < 2; k++) {
    cr = CLIENT_REPLY(from, l, k);
    ck_assert_uint_eq(cr.op.seq, 3);
    ck_assert_int_eq(cr.result.status, FL_REPLY_OK);
  }
  ck_assert_int_eq(kv_value(s, 5), 3);
  ck_assert_uint_eq(fl_client_sessions_get(&s->sessions, 0)->seq, 3);

  /* A request older than the session (the client has moved on): no answer, nothing
   * appended. */
  from = mark();
  REQUEST(l, &w1);
  ck_assert_int_eq(count_sent(from, l, CLIENT_EP, 0), 0);
  ck_assert_uint_eq(last_index(s), 5);
  ck_assert_int_eq(kv_value(s, 5), 3);
  close_world();
}
END_TEST

START_TEST(redirects) {
  open_world(ONE_STANDS);
  int l = elect(), q = (l + 2) % N;
  fl_op op = client_op(1, FL_OP_WRITE, 1, 1, 0);

  /* A node that knows no leader redirects to anyone (-1). */
  guint from = mark();
  REQUEST(q, &op);
  ck_assert_int_eq(count_sent(from, q, CLIENT_EP, 0), 1);
  client_reply cr = CLIENT_REPLY(from, q, 0);
  ck_assert_int_eq(cr.result.status, FL_REPLY_REDIRECT);
  ck_assert_int_eq(cr.result.redirect_to, -1);
  ck_assert_uint_eq(cr.op.seq, 1);

  /* Once it hears the leader, it redirects there, and appends nothing. */
  HEARTBEAT(l, q, st(l)->term, 0, 0, 0);
  ck_assert_int_eq(st(q)->leader, l);
  from = mark();
  REQUEST(q, &op);
  cr = CLIENT_REPLY(from, q, 0);
  ck_assert_int_eq(cr.result.status, FL_REPLY_REDIRECT);
  ck_assert_int_eq(cr.result.redirect_to, l);
  ck_assert_uint_eq(last_index(st(q)), 0);
  close_world();
}
END_TEST

/* The timeline's `leader` names the node that leads when the action happens. */
START_TEST(timeline_targets_the_leader) {
  fl_rng_global_init();
  ck_assert(fl_protocols_register_builtin(NULL));
  const char *text = "[cluster]\nprotocol = raft\nnodes = 5\nseed = 3\nduration = 10s\n"
                     "[workload]\nclients = 2\n"
                     "[timeline]\n2s crash leader\n4s pause leader for 1s\n"
                     "6s partition {leader}\n";
  GError *error = NULL;
  fl_scenario *scn = fl_scenario_parse("leader.fl", text, strlen(text), &error);
  if (!scn) ck_abort_msg("%s", error->message);
  fl_world *w = fl_world_new(scn, NULL, &error);
  if (!w) ck_abort_msg("%s", error->message);
  int64_t at[] = {2000000000LL, 4000000000LL, 6000000000LL};
  for (int k = 0; k < 3; k++) {
    fl_world_run_until(w, at[k] - 1);
    int leader = -1, leaders = 0;
    for (int i = 0; i < 5; i++) {
      const raft_state *s = fl_world_node_state(w, i);
      if (s && s->role == RAFT_LEADER && !fl_world_node_is_paused(w, i)) {
        leader = i;
        leaders++;
      }
    }
    ck_assert_int_eq(leaders, 1);
    fl_world_run_until(w, at[k] + 1);
    if (k == 0) ck_assert(!fl_world_node_is_up(w, leader));
    if (k == 1) ck_assert(fl_world_node_is_paused(w, leader));
    if (k == 2) {
      /* Alone: its messages to any other node are dropped by the partition. */
      fl_drop_reason why;
      for (int i = 0; i < 5; i++)
        if (i != leader) ck_assert(!fl_net_can_reach(fl_world_net(w), leader, i, &why));
    }
    for (int i = 0; i < 5; i++)
      if (i != leader && !(k >= 1 && !fl_world_node_is_up(w, i)))
        ck_assert(fl_world_node_is_up(w, i) && !fl_world_node_is_paused(w, i));
  }
  ck_assert_int_eq(fl_world_stop_reason(w), FL_STOP_NONE);
  fl_world_free(w);
  fl_scenario_free(scn);
}
END_TEST

/* ---- Status (issue 10): what the trace, the visualiser and the `leader` target read. */

static void assert_status(int line, int node, fl_role role, const char *word, uint64_t term,
                          int leader, uint64_t commit, uint64_t applied) {
  fl_node_status s;
  ck_assert_msg(fl_world_node_status(T.w, node, &s), "line %d: n%d has no status", line,
                node + 1);
  ck_assert_msg(s.role == role && strcmp(s.word, word) == 0 && s.term_kind == FL_TERM_TERM &&
                    s.term == term && s.leader == leader && s.has_commit && s.has_applied &&
                    s.commit == commit && s.applied == applied,
                "line %d: n%d is %s '%s' %s %" G_GUINT64_FORMAT " leader %d commit %"
                G_GUINT64_FORMAT " applied %" G_GUINT64_FORMAT, line, node + 1,
                fl_role_name(s.role), s.word, fl_term_name(s.term_kind), s.term, s.leader,
                s.commit, s.applied);
}
#define ASSERT_STATUS(...) assert_status(__LINE__, __VA_ARGS__)

START_TEST(status_after_an_election) {
  open_world(ONE_STANDS);
  for (int i = 0; i < N; i++) ASSERT_STATUS(i, FL_ROLE_FOLLOWER, "", 0, -1, 0, 0);
  ck_assert_int_eq(fl_world_leader(T.w), -1);
  int l = elect(), q = (l + 1) % N, r = (l + 2) % N;
  ASSERT_STATUS(l, FL_ROLE_LEADER, "", 1, l, 0, 0);
  ck_assert_int_eq(fl_world_leader(T.w), l);
  ASSERT_STATUS(q, FL_ROLE_FOLLOWER, "", 0, -1, 0, 0); /* the vote was injected */
  /* q hears the leader: its term, its leader. The no-op (index 1) is not committed yet. */
  HEARTBEAT(l, q, st(l)->term, 0, 0, 0);
  ASSERT_STATUS(q, FL_ROLE_FOLLOWER, "", 1, l, 0, 0);
  ASSERT_STATUS(r, FL_ROLE_FOLLOWER, "", 0, -1, 0, 0);
  /* q's acknowledgement of the no-op commits and applies it at the leader. */
  APPEND_REPLY(q, l, 1, 1);
  ASSERT_STATUS(l, FL_ROLE_LEADER, "", 1, l, 1, 1);
  /* A crashed node has no status, and is nobody's `leader` target. */
  ck_assert(fl_world_crash(T.w, l));
  fl_node_status s;
  ck_assert(!fl_world_node_status(T.w, l, &s));
  ck_assert_int_eq(s.role, FL_ROLE_OTHER);
  ck_assert_int_eq(s.leader, -1);
  ck_assert_int_eq(fl_world_leader(T.w), -1);
  close_world();
}
END_TEST

/* PreVote's pre-candidate is a candidate by role, its word says which, its term unchanged. */
START_TEST(status_of_a_precandidate) {
  open_world(ONE_STANDS "prevote = yes\n");
  for (int k = 0; k < 1000; k++) {
    for (int i = 0; i < N; i++)
      if (st(i)->role == RAFT_PRECANDIDATE) {
        ASSERT_STATUS(i, FL_ROLE_CANDIDATE, "precandidate", 0, -1, 0, 0);
        close_world();
        return;
      }
    ck_assert(fl_world_step(T.w));
  }
  ck_abort_msg("no node became a pre-candidate");
}
END_TEST

int main(void) {
  Suite *s = suite_create("raft");
  TCase *tc = tcase_create("raft");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, vote_granting);
  tcase_add_test(tc, timeline_targets_the_leader);
  tcase_add_test(tc, prevote);
  tcase_add_test(tc, prevote_counts_only_grants_for_its_term);
  tcase_add_test(tc, malformed_input_is_refused);
  tcase_add_test(tc, check_quorum_lease);
  tcase_add_test(tc, leader_lease_holds_at_a_negative_clock);
  tcase_add_test(tc, check_quorum_leader_steps_down);
  tcase_add_test(tc, candidate_yields);
  tcase_add_test(tc, append_conflicts_and_truncation);
  tcase_add_test(tc, follower_commit);
  tcase_add_test(tc, leader_commits_only_its_own_term);
  tcase_add_test(tc, bug_commit_previous_term);
  tcase_add_test(tc, leader_steps_down_on_higher_term);
  tcase_add_test(tc, leader_backtracks_by_term);
  tcase_add_test(tc, read_index_waits_for_a_quorum_round);
  tcase_add_test(tc, restart_keeps_term_vote_and_log);
  tcase_add_test(tc, torn_meta_keeps_the_previous_vote);
  tcase_add_test(tc, torn_log_entry_is_dropped);
  tcase_add_test(tc, restart_from_snapshot);
  tcase_add_test(tc, install_snapshot);
  tcase_add_test(tc, exactly_once_sessions);
  tcase_add_test(tc, redirects);
  tcase_add_test(tc, status_after_an_election);
  tcase_add_test(tc, status_of_a_precandidate);
  suite_add_tcase(s, tc);
  return fl_test_run(s);
}
