/* waiters: see waiters.h. A GArray used as a FIFO: queues are short (the clients in flight)
 * and popped from the front, where removing costs a memmove of a few waiters. */
#include "waiters.h"

#include <string.h>

void fl_waiters_init(fl_waiters *q) { q->items = g_array_new(FALSE, TRUE, sizeof(fl_waiter)); }

void fl_waiters_clear(fl_waiters *q) {
  if (q->items) g_array_free(q->items, TRUE);
  q->items = NULL;
}

void fl_waiters_push(fl_waiters *q, const fl_op *op, uint64_t index, uint64_t round) {
  fl_waiter w;
  memset(&w, 0, sizeof w);
  w.op = *op;
  w.index = index;
  w.round = round;
  g_array_append_val(q->items, w);
}

guint fl_waiters_len(const fl_waiters *q) { return q->items->len; }

const fl_waiter *fl_waiters_front(const fl_waiters *q) {
  return q->items->len ? &g_array_index(q->items, fl_waiter, 0) : NULL;
}

void fl_waiters_pop(fl_waiters *q) {
  g_assert(q->items->len > 0);
  g_array_remove_index(q->items, 0);
}

void fl_waiters_settle(fl_waiters *q, fl_node_ctx *ctx, uint64_t index, uint32_t client,
                       uint64_t seq, const fl_op_result *r) {
  while (q->items->len) {
    fl_waiter *w = &g_array_index(q->items, fl_waiter, 0);
    if (w->index > index) break;
    if (w->index == index && w->op.client == client && w->op.seq == seq) {
      fl_node_reply(ctx, &w->op, r);
    } else {
      fl_op_result redirect = {.status = FL_REPLY_REDIRECT, .redirect_to = -1};
      fl_node_reply(ctx, &w->op, &redirect);
    }
    g_array_remove_index(q->items, 0);
  }
}

void fl_waiters_redirect_all(fl_waiters *q, fl_node_ctx *ctx) {
  fl_op_result r = {.status = FL_REPLY_REDIRECT, .redirect_to = -1};
  for (guint i = 0; i < q->items->len; i++)
    fl_node_reply(ctx, &g_array_index(q->items, fl_waiter, i).op, &r);
  g_array_set_size(q->items, 0);
}
