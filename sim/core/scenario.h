/* scenario: the scenario file format, its parser and its validation.
 *
 * A scenario is a line-oriented text file with sections; '#' starts a comment. Durations carry
 * units (ns, us, ms, s, min, h); probabilities are percentages ("20%") or fractions ("0.2").
 * The format is documented in scenarios/README.md. Example:
 *
 *   [cluster]
 *   protocol = rbcast
 *   nodes    = 5
 *   seed     = 1
 *   duration = 30s
 *
 *   [rbcast]                     # the protocol's own options, checked against its schema
 *   retransmit = 50ms
 *
 *   [network]
 *   latency   = lognormal(mean=2ms, sd=1ms)
 *   loss      = 1%
 *   duplicate = 0.5%
 *   reorder   = yes
 *   corrupt   = 0.1%               # a bit flipped in a node-to-node payload
 *
 *   [link n1 -> n2]              # a per-link override (also n1 <-> n2 for both directions)
 *   latency = constant(20ms)
 *
 *   [clocks]
 *   n2 = skew 5ms, drift 100ppm
 *
 *   [nodes]                      # each node's physical model; all off by default
 *   processing   = exponential(mean=100us)   # per message or timer handled
 *   disk         = uniform(2ms, 8ms)         # per fl_node_persist, until synced
 *   fsync        = yes                       # no: a lying write cache
 *   torn_writes  = no
 *   timer_jitter = uniform(0ms, 1ms)
 *
 *   [node n2]                    # a per-node override of [nodes]
 *   disk = constant(20ms)
 *
 *   [workload]
 *   clients = 3
 *   keys    = 4
 *   mix     = read 50%, write 40%, cas 10%
 *   key_distribution = zipf(1.1)          # or uniform
 *   think   = exponential(mean=10ms)
 *   timeout = 1s
 *
 *   [groups]                     # named sets of nodes, for targets
 *   east = n1 n2
 *
 *   [timeline]                   # targets: scenarios/README.md, [timeline], "Targets"
 *   5s   partition {n1 n2} {n3 n4 n5}
 *   6s   partition {east n3} {n3 n4 n5}   # overlapping groups: n3 bridges them
 *   7s   cut leader -> followers
 *   8s   cut c1 -> all                    # client links too
 *   9s   crash random 2
 *   15s  heal
 *   16s  cut n1 -> n2
 *   17s  uncut n1 -> n2
 *   20s  crash n3
 *   22s  restart n3
 *   23s  partition random-halves      # drawn from the fault injector's own stream
 *   23s  crash random
 *   24s  restart all
 *   25s  pause n1 for 2s
 *   26s  pause n2
 *   27s  resume n2
 *   28s  loss = 20%
 *   28s  latency = uniform(1ms, 5ms)
 *   29s  loss n1 -> n3 = 50%
 *   30s  corrupt n1 -> n2 = 1%
 *   30s  duplicate = 5%
 *   30s  reorder = yes
 *   31s  loss type AppendEntries n1 -> n3 = 100%   # per message type (describe_msg's word)
 *   31s  latency type RequestVote = constant(50ms)
 *   30s  clock n1 jump +5s           # an NTP step of n1's local clock
 *   31s  processing n2 = 20ms        # or `processing = DIST` for every node
 *   32s  disk n3 = uniform(50ms, 100ms)
 *   33s  join n6                     # membership ([cluster] members = n1 n2 n3 n4 n5)
 *   34s  leave n2
 *
 *   [nemesis]                    # fault generators (scenario_nemesis.c, nemesis.h)
 *   partitions = halves|bridge, every exponential(mean=3s), for uniform(500ms, 2s)
 *   crashes    = random 1, every 5s, for 1s
 *   from       = 1s
 *
 *   [expect]
 *   invariants   = hold
 *   linearizable = yes                    # or no, or skip
 *   availability(majority, 5s..15s) >= 90%
 *
 * Parsing collects everything into an fl_scenario; validation then checks names against the
 * cluster (n6 in a 5-node cluster), the protocol against the registry and its options against
 * the protocol's schema. Every error message starts "FILE:LINE:COL: " and says what was
 * expected and what was found.
 */
#ifndef FL_SCENARIO_H
#define FL_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include "workload.h"
#include "net.h"

#define FL_SCENARIO_ERROR (fl_scenario_error_quark())
GQuark fl_scenario_error_quark(void);
typedef enum {
  FL_SCENARIO_ERROR_IO,
  FL_SCENARIO_ERROR_SYNTAX,  /* malformed text */
  FL_SCENARIO_ERROR_INVALID  /* well-formed, but wrong for this cluster or protocol */
} fl_scenario_error;

/* A place in the scenario file, 1-based. */
typedef struct fl_srcpos {
  int line, col;
} fl_srcpos;

typedef struct fl_link_override {
  int src, dst; /* node indices, 0-based */
  /* Only the properties the section set are applied on top of the defaults. */
  bool has_latency, has_loss, has_duplicate, has_reorder, has_corrupt;
  fl_link_params params;
  fl_srcpos pos;
} fl_link_override;

typedef struct fl_clock_spec {
  int node;
  int64_t skew_ns;   /* added to the node's clock */
  int64_t drift_ppm; /* the node's clock runs (1 + drift/1e6) times as fast */
  fl_srcpos pos;
} fl_clock_spec;

/* A node's physical model: [nodes] gives the defaults, each [node nX] overrides the keys it
 * sets. Everything is off by default (no has_ flag set), and a run that uses none of it is the
 * run it was before the model existed. */
typedef struct fl_node_model {
  int node; /* [node nX]: the node index; -1 for [nodes] */
  bool has_processing, has_disk, has_timer_jitter, has_fsync, has_torn_writes;
  fl_dist processing;   /* time to handle one message or timer; what arrives meanwhile waits */
  fl_dist disk;         /* from a persist (or erase) to its sync, never before an earlier one */
  fl_dist timer_jitter; /* added to every timer the node sets */
  bool fsync;           /* yes (the default): sends after a persist leave once it is synced */
  bool torn_writes;     /* a crash cuts the write in progress at a random length */
  fl_srcpos pos;        /* the section header */
  fl_srcpos fsync_pos, torn_pos; /* where fsync and torn_writes were set */
} fl_node_model;

typedef enum fl_action_kind {
  FL_ACT_PARTITION, /* groups `part`; or, when part is NULL, random halves (Jepsen's nemesis) */
  FL_ACT_HEAL,
  FL_ACT_CUT,       /* target -> to */
  FL_ACT_UNCUT,     /* target -> to */
  FL_ACT_CRASH,     /* target */
  FL_ACT_RESTART,   /* target */
  FL_ACT_PAUSE,     /* target; for_ns > 0 resumes automatically */
  FL_ACT_RESUME,    /* target */
  FL_ACT_SET_LOSS,  /* all links (no target) or target -> to; `fraction`; msg_type: that type only */
  FL_ACT_SET_LATENCY, /* all links (no target) or target -> to; `latency`; msg_type: that type only */
  FL_ACT_SET_CORRUPT,   /* all links (no target) or target -> to; `fraction` */
  FL_ACT_SET_DUPLICATE, /* all links (no target) or target -> to; `fraction`; msg_type: that type only */
  FL_ACT_SET_REORDER,   /* all links (no target) or target -> to; `fraction` 1 (yes) or 0 (no) */
  FL_ACT_CLOCK_JUMP,     /* target; for_ns: the signed step of its local clock */
  FL_ACT_SET_PROCESSING, /* every node (no target) or target; `latency`: the time */
  FL_ACT_SET_DISK,       /* every node (no target) or target; `latency`: the time */
  FL_ACT_JOIN,           /* target: each becomes a member (fl_node_is_member) */
  FL_ACT_LEAVE           /* target: each stops being a member */
} fl_action_kind;

/* The action's first word as a timeline line writes it: "partition", "crash", "loss", "clock",
 * "processing", ... (static). */
const char *fl_action_verb(fl_action_kind k);

/* A node an action names by role: the node that most recently became leader, among those
 * whose state line (the protocol's describe) starts with the word "leader", resolved when the
 * action happens. */
#define FL_NODE_LEADER (-2)

/* What an action acts on (scenarios/README.md, [timeline], "Targets"), parsed by one function
 * (scenario_timeline.c) and resolved to a set of endpoints when the action happens (fault.c):
 * static kinds (NODE, ALL, GROUP, CLIENT, CLIENTS) name the same endpoints in every run; the
 * others depend on the nodes' status then, and RANDOM draws from the fault stream. */
typedef enum fl_target_kind {
  FL_TARGET_NONE = 0, /* no target: a link action on every link */
  FL_TARGET_NODE,     /* node `index` */
  FL_TARGET_ALL,      /* every node */
  FL_TARGET_LEADER,   /* the live node that most recently became leader */
  FL_TARGET_FOLLOWERS, /* the live nodes other than the leader */
  FL_TARGET_RANDOM,   /* `index` distinct nodes among those the action can apply to, drawn */
  FL_TARGET_MINORITY, /* the nodes not in MAJORITY */
  FL_TARGET_MAJORITY, /* nodes/2 + 1 nodes: the leader, then the lowest ids */
  FL_TARGET_BEHIND,   /* live nodes whose applied (else commit) index is below the leader's */
  FL_TARGET_GROUP,    /* the [groups] group `index` (fl_scenario.groups) */
  FL_TARGET_CLIENT,   /* client `index` (link actions only) */
  FL_TARGET_CLIENTS   /* every client (link actions only) */
} fl_target_kind;

typedef struct fl_target {
  fl_target_kind kind;
  int index;     /* NODE, CLIENT: 0-based; RANDOM: the count; GROUP: into fl_scenario.groups */
  int in_group;  /* in a partition: the group (0-based, as written) it is listed in */
  fl_srcpos pos;
} fl_target;

/* A [groups] line: `east = n1 n2 n3`. */
typedef struct fl_node_group {
  char *name;  /* owned */
  bool *nodes; /* n_nodes flags; owned */
  fl_srcpos pos;
} fl_node_group;

typedef struct fl_action {
  /* The time; for a random time, the earliest it can be (the timeline is sorted by it). */
  int64_t at_ns;
  /* A random time (`uniform(10s, 10.075s) crash leader`), drawn once per run by
   * fl_scenario_draw_times; NULL: at_ns is the time. Owned. */
  fl_dist *at_dist;
  fl_action_kind kind;
  /* The node actions' target and the link actions' source; `to` their destination. */
  fl_target target, to;
  /* The target's node when it is one node (NODE), FL_NODE_LEADER for `leader`, else -1; b
   * likewise for `to`. */
  int a, b;
  int64_t for_ns;    /* PAUSE: its length; CLOCK_JUMP: the step */
  double fraction;   /* SET_LOSS, SET_CORRUPT, SET_DUPLICATE, SET_REORDER */
  fl_dist latency;   /* SET_LATENCY, SET_PROCESSING, SET_DISK */
  /* SET_LOSS, SET_LATENCY, SET_DUPLICATE: the message type the change is restricted to (the
   * first word of the protocol's describe_msg, "AppendEntries"), or NULL for every message.
   * Owned. */
  char *msg_type;
  /* PARTITION: the targets of every group, in order (each with in_group), n_part of them, in
   * n_groups groups; NULL for random halves. Owned. */
  fl_target *part;
  int n_part, n_groups;
  fl_srcpos pos;
} fl_action;

typedef enum fl_expect_kind {
  FL_EXPECT_INVARIANTS,   /* invariants = hold */
  FL_EXPECT_LINEARIZABLE, /* linearizable = yes | no */
  FL_EXPECT_AVAILABILITY, /* availability(SIDE, FROM..TO) >= P% */
  FL_EXPECT_METRIC,       /* metric NAME >= V, <= V or == V (a protocol's measurement) */
  FL_EXPECT_MEASURE,      /* elections <= 3, recovery(leader) <= 500ms, outage(minority) ... */
  FL_EXPECT_FAULTS        /* faults = applied */
} fl_expect_kind;

/* What an FL_EXPECT_MEASURE bounds (the run's measurements, measure.h). */
typedef enum fl_expect_measure {
  FL_EXPECT_ELECTIONS,       /* elections: counts */
  FL_EXPECT_LEADERS,         /* leaders */
  FL_EXPECT_LEADER_CHANGES,  /* leader_changes */
  FL_EXPECT_RECOVERY_LEADER, /* recovery(leader): every fault's time to a new leader */
  FL_EXPECT_RECOVERY_OK,     /* recovery(ok): every fault's time to the first ok after it */
  FL_EXPECT_OUTAGE,          /* outage(SIDE): the side's longest window with no ok answer */
  FL_EXPECT_STALE_READS,     /* stale_reads: reads that missed a write completed before them */
  FL_EXPECT_STALE_VERSIONS,  /* stale_versions: the most versions a read was behind */
  FL_EXPECT_STALE_LAG        /* stale_lag: a duration, the longest a completed write stayed
                              * invisible to a later read (lincheck/staleness.h) */
} fl_expect_measure;

typedef enum fl_side {
  FL_SIDE_ALL,      /* every client */
  FL_SIDE_MAJORITY, /* clients whose home node is in a group holding a majority of nodes */
  FL_SIDE_MINORITY, /* the others */
  FL_SIDE_NODES     /* clients whose home node is in `nodes` */
} fl_side;

typedef struct fl_expect {
  fl_expect_kind kind;
  bool want;        /* INVARIANTS: hold; LINEARIZABLE: yes/no */
  fl_side side;     /* AVAILABILITY */
  bool *nodes;      /* FL_SIDE_NODES: n_nodes flags; owned */
  int64_t from_ns, to_ns;
  bool at_most;     /* "<=" rather than ">=" */
  double fraction;  /* 0..1 */
  char *metric;     /* METRIC: the name; owned */
  int metric_cmp;   /* METRIC: -1 "<=", 0 "==", 1 ">=" */
  int64_t metric_value; /* METRIC: the bound (ns for a name ending in _ns); MEASURE too */
  fl_expect_measure measure; /* MEASURE: which (its comparison in metric_cmp, its bound in
                              * metric_value, an outage's side in `side`) */
  char *text;       /* the expectation as written, for reports; owned */
  fl_srcpos pos;
} fl_expect;

/* A [nemesis] generator (scenarios/README.md, [nemesis]): a fault drawn again and again from
 * its own stream ("nemesis", kind), expanded into ordinary timeline actions when a run starts
 * (nemesis.h). One generator of each kind at most. */
typedef enum fl_nemesis_kind {
  FL_NEM_PARTITIONS, /* a partition of a drawn shape, healed after `for` */
  FL_NEM_CRASHES,    /* crash `count` drawn nodes, restart them after `for` */
  FL_NEM_PAUSES,     /* pause `count` drawn nodes for `for` */
  FL_NEM_CLOCK,      /* jump `count` drawn nodes' clocks by a draw in jump_lo_ns..jump_hi_ns */
  FL_NEM_LOSS,       /* loss = `fraction` on every link, set back to [network]'s after `for` */
  FL_NEM_KINDS
} fl_nemesis_kind;

/* The partition shapes a partitions generator draws from. */
typedef enum fl_nemesis_shape {
  FL_NEM_HALVES,         /* a shuffled split: n/2 nodes against the rest */
  FL_NEM_MINORITY,       /* a drawn minority (1..(n-1)/2 nodes) against the rest */
  FL_NEM_MAJORITY_RING,  /* a shuffled ring: each node sees itself and its nearest neighbours,
                          * a majority, and no two nodes see the same majority (Jepsen's) */
  FL_NEM_ISOLATE_LEADER, /* {leader} against the rest, resolved when it happens */
  FL_NEM_BRIDGE,         /* two halves sharing one drawn node */
  FL_NEM_SHAPES
} fl_nemesis_shape;

typedef struct fl_nemesis_gen {
  fl_nemesis_kind kind;
  fl_nemesis_shape shapes[FL_NEM_SHAPES]; /* PARTITIONS: the shapes as written, n_shapes */
  int n_shapes;
  int count;        /* CRASHES, PAUSES, CLOCK: the nodes each fault draws */
  double fraction;  /* LOSS */
  fl_dist every;    /* the quiet time before each fault (from the previous one's end) */
  bool has_for;     /* PARTITIONS, CRASHES, PAUSES, LOSS */
  fl_dist for_;     /* how long each fault lasts */
  int64_t jump_lo_ns, jump_hi_ns; /* CLOCK: the step, uniform over lo..hi (equal: constant) */
  fl_srcpos pos;    /* the key */
} fl_nemesis_gen;

/* A protocol option as written: checked later against the protocol's schema. */
typedef struct fl_scn_option {
  char *name, *value; /* owned */
  fl_srcpos pos, value_pos;
  /* The override that set it ("--set raft.heartbeat=50ms"), for messages in its place of a
   * position in the file; NULL when the file did. Owned. */
  char *set;
} fl_scn_option;

typedef struct fl_scenario {
  char *path;     /* as given to fl_scenario_load; owned */
  char *protocol; /* owned */
  fl_srcpos protocol_pos;
  int n_nodes;
  uint64_t seed;
  int64_t duration_ns;
  /* [cluster] members: n_nodes flags, the nodes that are members when the run starts (the
   * timeline's join and leave change it); NULL: every node. Owned. members_pos: the value. */
  bool *members;
  fl_srcpos members_pos;

  fl_link_params net_defaults; /* [network]; defaults: constant(1ms), no loss, no dup, FIFO */
  GArray *links;   /* of fl_link_override, file order */
  GArray *clocks;  /* of fl_clock_spec */
  fl_node_model node_defaults; /* [nodes] */
  GArray *node_models;         /* of fl_node_model: the [node nX] sections, file order */
  fl_workload workload;
  GArray *timeline; /* of fl_action, sorted by time, file order among equal times */
  GArray *options;  /* of fl_scn_option, file order */
  GArray *expects;  /* of fl_expect, file order */
  GArray *groups;   /* of fl_node_group, file order ([groups]) */
  /* [nemesis]: generators in file order (fl_nemesis_gen), and the window they act in
   * (nemesis_to_ns: the run's duration unless has_nemesis_to). Owned. */
  GArray *nemesis;
  int64_t nemesis_from_ns, nemesis_to_ns;
  bool has_nemesis_to;
  fl_srcpos nemesis_from_pos, nemesis_to_pos;
  /* The command line's overrides as given ("raft.heartbeat=50ms"), NULL-terminated, for the
   * reproduce lines; NULL when there were none. Owned. */
  char **sets;
} fl_scenario;

/* Parses a scenario from a file or a string (`path` names it in messages). Syntax errors and
 * errors of reference (n7 in a 5-node cluster) are reported; the protocol name and options are
 * not checked here. Newly allocated, freed by fl_scenario_free; NULL with an error.
 * fl_scenario_load reads only a regular file of at most FL_LIMIT_SCENARIO_BYTES; anything else
 * is an FL_SCENARIO_ERROR_IO error saying what the path is ("PATH: is a directory, expected a
 * scenario file") before anything is read. */
/* The registry tells the parser each protocol's name as it is registered (actor.c): a section
 * named after a registered protocol other than the scenario's holds that protocol's options,
 * for runs of the same file under another protocol (`--set cluster.protocol=P`, `faultline
 * cap`), and is skipped. Any other unknown section is an error. `name` is borrowed for the
 * program's life. */
void fl__scenario_know_protocol(const char *name);

fl_scenario *fl_scenario_load(const char *path, GError **error);
fl_scenario *fl_scenario_parse(const char *path, const char *text, size_t len, GError **error);
/* The same with overrides `sets` (NULL-terminated "SECTION.KEY=VALUE" strings, or NULL), as
 * `faultline run --set` gives them: each replaces KEY's value in [SECTION], or adds it, and is
 * checked exactly as if the file said it; the last of two overrides of one key wins. SECTION
 * is cluster, network, nodes, workload or the protocol's. An error about an override starts
 * "--set SECTION.KEY=VALUE: " instead of a position in the file. */
fl_scenario *fl_scenario_load_with(const char *path, char *const *sets, GError **error);
fl_scenario *fl_scenario_parse_with(const char *path, const char *text, size_t len,
                                    char *const *sets, GError **error);
void fl_scenario_free(fl_scenario *s);

/* Node `node`'s model: [nodes], then every [node nX] of it in file order, each replacing the
 * keys it sets. Distributions are copied into *out (release with fl_node_model_clear). */
void fl_scenario_node_model(const fl_scenario *s, int node, fl_node_model *out);
void fl_node_model_clear(fl_node_model *m);

/* The times of a run's timeline actions: at_ns[i] for s->timeline's action i (its fixed time,
 * or a draw from `r` for a random time), and order[] the indices in the order they happen: by
 * time, then timeline index. Draws are made in timeline order, one per random time, so a
 * scenario without random times draws nothing. Both arrays hold s->timeline->len entries. */
void fl_scenario_draw_times(const fl_scenario *s, fl_rng *r, int64_t *at_ns, guint *order);

/* "n3" for node index 2. Static storage for small indices; do not free. */
const char *fl_scenario_node_name(int node);

#endif
