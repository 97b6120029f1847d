/* wire: what crosses the network between a node and a client, as the kernel builds and reads
 * it (a request is the bare fl_op, or the whole fl_txn for a transaction: op.h). Plain bytes,
 * no pointers; built zeroed so no uninitialised padding goes on the wire. Below nodes, clients
 * and the transport, which all read or write these. */
#ifndef FL_WIRE_H
#define FL_WIRE_H

#include "op.h"

/* A node's reply to a client, for any operation but a transaction: the operation answered,
 * then its result. */
typedef struct fl_client_reply {
  fl_op op;
  fl_op_result result;
} fl_client_reply;

/* The reply to a transaction (a reply to any other operation is an fl_client_reply): its
 * result, then the transaction with what its reads returned. */
typedef struct fl_client_txn_reply {
  fl_op_result result;
  fl_txn txn;
} fl_client_txn_reply;

#endif
