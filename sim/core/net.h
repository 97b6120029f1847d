/* net: the simulated network between endpoints (nodes first, then clients).
 *
 * Every directed link has parameters (latency distribution, loss and duplication probability,
 * FIFO or reordering), taken from the defaults unless overridden, and counters. The network
 * decides each message's fate at send time: dropped (with a reason), or delivered once or
 * twice (a duplicate) at sampled times. A message's fate is re-checked at delivery: a partition
 * or cut installed while it was in flight drops it then.
 *
 * Randomness: each directed link draws from its own stream ("link", src << 32 | dst), created on
 * the link's first send, so traffic on one link never shifts the draws of another: adding a
 * client leaves node-to-node latencies unchanged.
 *
 * FIFO links (reorder off) never deliver a message before an earlier one on the same link:
 * a delivery time is raised to the link's last one, and equal times keep send order through the
 * scheduler's insertion sequence.
 *
 * Corruption (fl_net_corrupt, the link's `corrupt` probability) flips one bit of a message
 * after its fate is decided, drawing from the same link stream only when the probability is
 * above 0. Per-type rules (fl_net_set_typed) change loss, latency or duplication for one
 * message type; the network does not know types (the sender names them), and without a rule
 * nothing about types is looked at.
 *
 * Ownership: the network owns messages in flight (fl_msg); the world releases each copy after
 * delivering or dropping it.
 */
#ifndef FL_NET_H
#define FL_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dist.h"

typedef struct fl_net fl_net;

typedef struct fl_link_params {
  fl_dist latency;
  double loss;      /* probability a copy is lost */
  double duplicate; /* probability a second copy is delivered too */
  bool reorder;     /* false: per-link FIFO */
  double corrupt;   /* probability one bit of a node-to-node payload is flipped */
} fl_link_params;

/* The properties a timeline action may change on every link at once, or per message type. */
typedef enum fl_link_prop {
  FL_LINK_LOSS,
  FL_LINK_DUPLICATE,
  FL_LINK_REORDER, /* value 0 or 1 */
  FL_LINK_CORRUPT,
  FL_LINK_LATENCY
} fl_link_prop;

typedef enum fl_drop_reason {
  FL_DROP_LOSS,
  FL_DROP_PARTITION,
  FL_DROP_CUT,
  FL_DROP_CRASHED, /* the destination was down at delivery */
  FL_DROP_REASON_COUNT
} fl_drop_reason;

/* "loss", "partition", "cut", "crashed". */
const char *fl_drop_reason_name(fl_drop_reason r);

typedef struct fl_link_counters {
  uint64_t sent, delivered, duplicated;
  uint64_t corrupted; /* messages whose payload had a bit flipped (fl_net_corrupt) */
  uint64_t dropped[FL_DROP_REASON_COUNT];
} fl_link_counters;

/* A message in flight. Payload bytes follow the header. */
typedef struct fl_msg {
  uint64_t id; /* unique per run, in send order; a duplicate shares its original's id */
  int32_t src, dst;
  int64_t sent_ns;
  uint32_t refs; /* copies still in flight */
  uint32_t len;
  unsigned char data[];
} fl_msg;

/* `defaults` is copied. n_nodes endpoints are nodes, the rest clients. Newly allocated. */
fl_net *fl_net_new(int n_endpoints, const fl_link_params *defaults, uint64_t master_seed);
void fl_net_free(fl_net *net);

int fl_net_endpoints(const fl_net *net);

/* Link parameters: copied. Overrides outrank defaults; setting the defaults does not erase
 * overrides. */
void fl_net_set_defaults(fl_net *net, const fl_link_params *p);
void fl_net_set_link(fl_net *net, int src, int dst, const fl_link_params *p);
const fl_link_params *fl_net_link(const fl_net *net, int src, int dst);
/* Changes one property of the defaults and every override (the timeline's "loss = 20%"). */
void fl_net_set_loss_all(fl_net *net, double loss);
void fl_net_set_latency_all(fl_net *net, const fl_dist *latency);
/* The same for duplicate, reorder (value 0 or 1) or corrupt (not FL_LINK_LATENCY). */
void fl_net_set_prop_all(fl_net *net, fl_link_prop prop, double value);

/* Per message type. A rule replaces one property (FL_LINK_LOSS, FL_LINK_DUPLICATE or
 * FL_LINK_LATENCY) for the messages of one type, on link src -> dst or on every link (src and
 * dst -1), on top of the link's own parameters. Rules apply in the order they were set, so a
 * later rule wins; a rule for every link replaces the earlier rules of its type and property,
 * as fl_net_set_loss_all replaces the links' overrides. `type` and `latency` are copied.
 * The network does not know types: the sender finds a message's type (fl_net_type_of) and
 * hands it to fl_net_route_typed. Without rules nothing is looked up. */
void fl_net_set_typed(fl_net *net, const char *type, int src, int dst, fl_link_prop prop,
                      double value, const fl_dist *latency);
bool fl_net_has_typed(const fl_net *net);
/* The number of a type some rule names, from the word (len bytes, not terminated); -1 when no
 * rule names it. */
int fl_net_type_of(const fl_net *net, const char *word, size_t len);

/* Partitions: group_of[e] is endpoint e's group; messages cross no group boundary. Copied.
 * fl_net_group is the group (the lowest, in an overlapping partition). */
void fl_net_partition(fl_net *net, const int *group_of);
/* A partition whose groups may overlap (a bridge): member[e * n_groups + g] says whether
 * endpoint e is in group g; two endpoints communicate iff they share a group. Copied. */
void fl_net_partition_sets(fl_net *net, int n_groups, const bool *member);
/* One-way cut of src -> dst (or its repair). */
void fl_net_cut(fl_net *net, int src, int dst, bool cut);
/* Removes every partition and cut. */
void fl_net_heal(fl_net *net);
bool fl_net_is_partitioned(const fl_net *net);
int fl_net_group(const fl_net *net, int endpoint);
/* No partition and no cut. */
bool fl_net_is_whole(const fl_net *net);
/* Bumped by every partition, cut, repair and heal: what reachability depends on changed. */
uint64_t fl_net_generation(const fl_net *net);
/* Would a message sent now from src reach dst (ignoring loss)? Sets *reason when not. */
bool fl_net_can_reach(const fl_net *net, int src, int dst, fl_drop_reason *reason);

/* A new message carrying a copy of `data`, refs = 0. Owned by the network: freed by
 * fl_net_msg_release when its last copy is released. */
fl_msg *fl_net_msg_new(fl_net *net, int src, int dst, int64_t now_ns, const void *data,
                       size_t len);

/* Decides the fate of `m` sent at now_ns: returns the number of copies to deliver (0, 1 or 2)
 * with their delivery times in at_ns[], and takes one reference per copy; with 0, *reason says
 * why and the message has no references (release it once). Counts sent/duplicated/dropped. */
int fl_net_route(fl_net *net, fl_msg *m, int64_t now_ns, int64_t at_ns[2], fl_drop_reason *reason);
/* The same for a message of type `type` (from fl_net_type_of; -1: no rule's type), whose rules
 * apply on top of the link's parameters. */
int fl_net_route_typed(fl_net *net, fl_msg *m, int type, int64_t now_ns, int64_t at_ns[2],
                       fl_drop_reason *reason);

/* Corruption, decided after routing (copies > 0) for a message between two nodes: with the
 * link's `corrupt` probability, flips one bit of the payload, its position drawn uniformly
 * from the link's stream, and returns true with the bit's index in *bit (byte bit / 8, mask
 * 1 << bit % 8). Every copy (a duplicate too) carries the flipped bit. Draws nothing when the
 * probability is 0 or the payload empty, so a run without corruption keeps its draws. */
bool fl_net_corrupt(fl_net *net, fl_msg *m, uint64_t *bit);

/* Counts a delivery or a drop at delivery time. */
void fl_net_count_delivered(fl_net *net, const fl_msg *m);
void fl_net_count_dropped(fl_net *net, const fl_msg *m, fl_drop_reason reason);

/* Drops one reference; frees the message when none remain. */
void fl_net_msg_release(fl_net *net, fl_msg *m);

const fl_link_counters *fl_net_counters(const fl_net *net, int src, int dst);
/* Sums over every link. */
void fl_net_totals(const fl_net *net, fl_link_counters *out);

#endif
