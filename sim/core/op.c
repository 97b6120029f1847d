/* op: canonical copies and names of client operations. */
#include "op.h"

#include <string.h>

void fl_op_copy(fl_op *dst, const fl_op *src) {
  fl_op o;
  memset(&o, 0, sizeof o);
  o.client = src->client;
  o.endpoint = src->endpoint;
  o.process = src->process;
  o.seq = src->seq;
  o.kind = src->kind;
  o.key = src->key;
  o.value = src->value;
  o.expected = src->expected;
  memcpy(dst, &o, sizeof o);
}

void fl_op_result_copy(fl_op_result *dst, const fl_op_result *src) {
  fl_op_result r;
  memset(&r, 0, sizeof r);
  r.status = src->status;
  r.has_value = src->has_value;
  r.value = src->value;
  r.redirect_to = src->redirect_to;
  memcpy(dst, &r, sizeof r);
}

void fl_txn_copy(fl_txn *dst, const fl_txn *src) {
  fl_txn t;
  memset(&t, 0, sizeof t);
  fl_op_copy(&t.op, &src->op);
  t.n = src->n <= FL_LIMIT_TXN_OPS ? src->n : FL_LIMIT_TXN_OPS;
  for (uint32_t i = 0; i < t.n; i++) {
    t.mops[i].f = src->mops[i].f;
    t.mops[i].has_value = src->mops[i].has_value;
    t.mops[i].key = src->mops[i].key;
    t.mops[i].value = src->mops[i].value;
  }
  memcpy(dst, &t, sizeof t);
}

const char *fl_op_kind_name(fl_op_kind kind) {
  static const char *names[] = {"read", "write", "cas", "add", "acquire", "release", "txn"};
  return (unsigned)kind < FL_OP_KIND_COUNT ? names[kind] : "unknown";
}
