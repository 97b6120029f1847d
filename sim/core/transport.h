/* transport: the run state every layer of the kernel shares, and the two things any of them
 * may do to it: send a message (through the network, into the scheduler, into the trace) and
 * halt the run.
 *
 * It sits below nodes, clients and faults and above the scheduler, network and trace, so that
 * a node or a client sends and halts by calling down, never up into the engine (world.c).
 * The engine owns the one fl_transport of a run (inside its fl_world) and fills it at
 * fl_world_new; every other layer borrows it for the world's life. The scheduler, network and
 * trace it points to are the engine's: one pointer each, here, so that closing the trace at
 * fl_world_finish is seen by every layer.
 */
#ifndef FL_TRANSPORT_H
#define FL_TRANSPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "actor.h"
#include "measure.h"
#include "net.h"
#include "scheduler.h"
#include "stop.h"
#include "trace.h"

/* Scheduler event kinds: the whole vocabulary of a run's events (the engine dispatches them,
 * nodes, clients and faults schedule them). */
enum {
  FL_EV_DELIVER,        /* data: fl_msg * */
  FL_EV_TIMER,          /* data: tag; handle -> the nodes' timer table (node_int.h) */
  FL_EV_CLIENT_WAKE,    /* data: client index */
  FL_EV_CLIENT_TIMEOUT, /* data: client | seq << 24 */
  FL_EV_CLIENT_RETRY,   /* data: client | seq << 24 */
  FL_EV_CLIENT_RESEND,  /* data: client | seq << 24 */
  FL_EV_FAULT,          /* data: index into the scenario's timeline */
  FL_EV_AUTO_RESUME,    /* data: node | pause epoch << 24: the end of one timed pause */
  FL_EV_DELIVER_HELD,   /* data: fl_msg * that waited at a paused node: no network re-check */
  FL_EV_NODE_READY,     /* data: node | processing epoch << 24: a node's service ends */
  FL_EV_NODE_SEND,      /* data: node: its sends held for a disk sync leave */
  FL_EV_MEMBER_HELD     /* data: fl__member_event (node_int.h): a membership change that waited */
};

#define FL_CLIENT_BITS 24

typedef struct fl_transport {
  fl_sched *sched;
  fl_net *net;
  fl_trace *trace; /* NULL after fl_world_finish */
  const fl_protocol *proto;
  int n_nodes, n_clients; /* endpoints: nodes 0..n_nodes-1, then clients */
  fl_stop_reason stop;
  char *stop_message; /* owned; set by the first halt */
  /* Tests only: sees every message before the network does (fl_world_set_send_tap). */
  void (*tap)(void *user, int src, int dst, const void *msg, size_t len);
  void *tap_user;
  /* Describes a node-to-node message for the trace file (the protocol's describe_msg, called
   * through its wrapper in actor.c, which the engine installs): a hook, so that this layer
   * does not call up into the nodes'. */
  void (*describe_msg)(void *user, const void *msg, size_t len, GString *out);
  void *describe_user;
  GString *scratch; /* owned: message descriptions */
  /* What the run observed (measure.h): the engine's, which every layer feeds. NULL: none. */
  fl_measure *measure;
  /* fl__transport_side's cache: per node, whether its component holds a majority, for the
   * network as of generation side_gen; NULL until first needed. Owned. */
  bool *major;
  uint64_t side_gen;
} fl_transport;

/* Zeroes t and allocates its scratch string; fl__transport_clear frees what it owns (not the
 * scheduler, network or trace, which are the engine's). */
void fl__transport_init(fl_transport *t);
void fl__transport_clear(fl_transport *t);

/* Sends len bytes (copied) from endpoint src to dst: traced, routed by the network (loss,
 * duplication, latency, partitions), scheduled for delivery. */
void fl__transport_send(fl_transport *t, int src, int dst, const void *data, size_t len);

/* Stops the run with `reason` and a message naming protocol, simulated time and event number;
 * the first halt wins, later ones are ignored. */
void fl__transport_halt(fl_transport *t, fl_stop_reason reason, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/* Which side of the network an endpoint is on now: 1 majority, 0 minority. A node is on the
 * majority side when its connected component, over node-to-node links open in both directions
 * (no partition or cut between them), holds a majority of the nodes, down ones included; a
 * client when its links to and from some node on the majority side are open (a client talks
 * to any node it is redirected to; in a partition, its home node's group). With no partition
 * and no cut, every endpoint is. O(nodes) per call; components are recomputed, O(nodes^2),
 * only after the network's partitions or cuts changed. */
int fl__transport_side(fl_transport *t, int endpoint);

#endif
