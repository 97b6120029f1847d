/* op: names of client operations. */
#include "op.h"

const char *fl_op_kind_name(fl_op_kind kind) {
  static const char *names[] = {"read", "write", "cas"};
  return (unsigned)kind < FL_OP_KIND_COUNT ? names[kind] : "unknown";
}
