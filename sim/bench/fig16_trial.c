/* fig16_trial: see fig16_trial.h. The trial drives the world with the fault calls the timeline
 * uses (crash, restart, cut), at instants it reads from the run itself: the paper's setup is
 * relative to the leader's heartbeats, which no fixed or random timeline time can name. */
#include "fig16_trial.h"

#include "raft_int.h"
#include "rng.h"
#include "scenario_int.h"
#include "status.h"
#include "world.h"

#include <inttypes.h>

#define N_NODES 5
#define SHORT_A 3         /* n4 and n5: the two servers with shorter logs */
#define SHORT_B 4

G_DEFINE_QUARK(fl-fig16-error-quark, fl_fig16_error)
#define FIG16_ERROR (fl_fig16_error_quark())

static const raft_state *raft_of(const fl_world *w, int node) {
  return fl_world_node_state(w, node);
}

/* Steps until done(w) or the simulated time passes deadline_ns; false at the deadline, when
 * the scheduler runs dry or the run stops on an error. */
static bool step_until(fl_world *w, int64_t deadline_ns, int leader,
                       bool (*done)(const fl_world *, int)) {
  while (!done(w, leader)) {
    if (fl_world_now(w) > deadline_ns || !fl_world_step(w)) return false;
  }
  return fl_world_stop_reason(w) == FL_STOP_NONE;
}

static bool n1_stands(const fl_world *w, int node) {
  const raft_state *r = raft_of(w, node);
  return r && r->role == RAFT_CANDIDATE;
}

/* Some node leads and has committed its term's no-op. */
static bool a_leader_committed_its_noop(const fl_world *w, int unused) {
  (void)unused;
  int l = fl_world_leader(w);
  const raft_state *r = l >= 0 ? raft_of(w, l) : NULL;
  return r && r->role == RAFT_LEADER && r->commit >= 1 && r->commit >= r->term_start;
}

/* The leader sent AppendEntries to every follower in the event just run: a broadcast. */
static bool leader_broadcasts_now(const fl_world *w, int leader) {
  const raft_state *r = raft_of(w, leader);
  if (!r || r->role != RAFT_LEADER) return false;
  for (int i = 0; i < N_NODES; i++)
    if (i != leader && r->sent_at[i] != fl_world_now(w)) return false;
  return true;
}

/* Some survivor leads a term above 1 and every other survivor names it, in its term. */
static int new_leader_known(const fl_world *w, int old, uint64_t old_term, uint64_t *term) {
  for (int x = 0; x < N_NODES; x++) {
    fl_node_status sx;
    if (x == old || !fl_world_node_status(w, x, &sx)) continue;
    if (sx.role != FL_ROLE_LEADER || sx.term <= old_term) continue;
    bool all = true;
    for (int i = 0; i < N_NODES && all; i++) {
      fl_node_status si;
      if (i == old || i == x) continue;
      all = fl_world_node_status(w, i, &si) && si.leader == x && si.term == sx.term;
    }
    if (all) {
      *term = sx.term;
      return x;
    }
  }
  return -1;
}

static bool setup_failed(fl_world *w, uint64_t seed, const char *what, GError **error) {
  const char *why = fl_world_stop_message(w);
  g_set_error(error, FIG16_ERROR, 0, "seed %" PRIu64 ": %s at %" PRId64 "ns%s%s", seed, what,
              fl_world_now(w), why ? ": " : "", why ? why : "");
  fl_world_free(w);
  return false;
}

fl_scenario *fl_fig16_load(const char *path, int64_t lo_ns, int64_t hi_ns, char *const *sets,
                           int64_t duration_ns, GError **error) {
  GPtrArray *all = g_ptr_array_new_with_free_func(g_free);
  for (char *const *s = sets; s && *s; s++) g_ptr_array_add(all, g_strdup(*s));
  g_ptr_array_add(all, g_strdup_printf("raft.election_timeout=%" PRId64 "ns..%" PRId64 "ns",
                                       lo_ns, hi_ns));
  g_ptr_array_add(all, g_strdup_printf("raft.heartbeat=%" PRId64 "ns", lo_ns / 2));
  g_ptr_array_add(all, NULL);
  fl_scenario *scn = fl_scenario_load_with(path, (char *const *)all->pdata, error);
  g_ptr_array_free(all, TRUE);
  if (!scn) return NULL;
  for (guint i = 0; i < scn->timeline->len; i++)
    fl__action_clear(&g_array_index(scn->timeline, fl_action, i));
  g_array_set_size(scn->timeline, 0);
  scn->duration_ns = duration_ns;
  return scn;
}

bool fl_fig16_trial(const fl_scenario *scn, uint64_t seed, int64_t cap_ns, fl_fig16_result *out,
                    GError **error) {
  memset(out, 0, sizeof *out);
  out->new_leader = out->first_leader = -1;
  fl_world_opts opts;
  fl_world_opts_init(&opts);
  opts.has_seed = true;
  opts.seed = seed;
  fl_world *w = fl_world_new(scn, &opts, error);
  if (!w) return false;
  if (fl_world_node_count(w) != N_NODES || strcmp(scn->protocol, "raft") != 0) {
    g_set_error(error, FIG16_ERROR, 0, "expected a %d-node raft cluster", N_NODES);
    fl_world_free(w);
    return false;
  }
  const raft_config cfg = raft_of(w, 0)->cfg;
  /* Any phase of the setup that takes longer than this has gone wrong. */
  const int64_t phase_ns = 20 * cfg.election_hi_ns + 1000000000;

  /* n1 alone: it stands, and n2 and n3 come up then, in time to grant its RequestVote (sent
   * once its vote for itself is on disk) or, should its disk be slower than their fresh
   * timeouts, to win themselves. Either way the first leader has the votes of n1..n3. */
  for (int i = 1; i < N_NODES; i++) fl_world_crash(w, i);
  if (!step_until(w, phase_ns, 0, n1_stands))
    return setup_failed(w, seed, "n1 never stood", error);
  fl_world_restart(w, 1);
  fl_world_restart(w, 2);
  if (!step_until(w, fl_world_now(w) + phase_ns, -1, a_leader_committed_its_noop))
    return setup_failed(w, seed, "no leader committed its term's no-op", error);
  const int old = fl_world_leader(w);

  /* n4 and n5 come back just as a heartbeat leaves (it restarts their fresh timers in time),
   * without the no-op, and their answers to the leader are cut: every AppendEntries fails its
   * consistency check on them, and the leader never hears so to send the missing entry. */
  if (!step_until(w, fl_world_now(w) + phase_ns, old, leader_broadcasts_now))
    return setup_failed(w, seed, "the leader sent no heartbeat", error);
  fl_world_cut(w, SHORT_A, old, true);
  fl_world_cut(w, SHORT_B, old, true);
  fl_world_restart(w, SHORT_A);
  fl_world_restart(w, SHORT_B);

  /* Settle (every follower has heard several heartbeats), then the synchronised heartbeat. */
  fl_world_run_until(w, fl_world_now(w) + 4 * cfg.election_hi_ns);
  if (!step_until(w, fl_world_now(w) + phase_ns, old, leader_broadcasts_now))
    return setup_failed(w, seed, "the leader sent no heartbeat", error);
  const raft_state *l = raft_of(w, old);
  const uint64_t old_term = l->term;
  for (int i = 0; i < N_NODES; i++) {
    if (i == old) continue;
    fl_node_status st;
    const raft_state *r = raft_of(w, i);
    bool shorter = i == SHORT_A || i == SHORT_B;
    if (!fl_world_node_status(w, i, &st) || st.leader != old || st.term != old_term ||
        (raft_last_index(&r->log) < raft_last_index(&l->log)) != shorter)
      return setup_failed(w, seed, "the followers are not as the setup needs them", error);
  }

  fl_rng *rng = fl_rng_new(seed, "fig16", 0);
  int64_t offset_ns = (int64_t)fl_rng_below(rng, (uint64_t)cfg.heartbeat_ns);
  fl_rng_free(rng);
  out->crash_ns = fl_world_now(w) + offset_ns;
  fl_world_run_until(w, out->crash_ns);
  if (fl_world_stop_reason(w) != FL_STOP_NONE || !fl_world_crash(w, old))
    return setup_failed(w, seed, "the crash of the leader failed", error);

  const int64_t give_up_ns = out->crash_ns + cap_ns;
  for (;;) {
    for (int i = 0; i < N_NODES && out->first_leader < 0; i++) {
      const raft_state *r = i != old ? raft_of(w, i) : NULL;
      if (r && r->role == RAFT_LEADER) out->first_leader = i;
    }
    int x = new_leader_known(w, old, old_term, &out->new_term);
    if (x >= 0) {
      out->elected = true;
      out->new_leader = x;
      out->downtime_ns = fl_world_now(w) - out->crash_ns;
      break;
    }
    if (fl_world_now(w) > give_up_ns || !fl_world_step(w)) break;
  }
  if (fl_world_stop_reason(w) != FL_STOP_NONE)
    return setup_failed(w, seed, "the run stopped", error);
  if (!out->elected) out->new_term = 0;
  fl_world_free(w);
  return true;
}
