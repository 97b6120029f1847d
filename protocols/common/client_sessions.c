/* client_sessions: see client_sessions.h.
 *
 * An array indexed by client rather than a hash table: client ids are small and dense (the
 * scenario numbers them from 0), lookups are O(1), and the snapshot is the array's bytes in
 * client order, independent of the order clients arrived in.
 */
#include "client_sessions.h"

#include <string.h>

G_STATIC_ASSERT(sizeof(fl_client_session) == 24);

void fl_client_sessions_init(fl_client_sessions *t) {
  t->items = g_array_new(FALSE, TRUE, sizeof(fl_client_session));
}

void fl_client_sessions_clear(fl_client_sessions *t) {
  if (t->items) g_array_free(t->items, TRUE);
  t->items = NULL;
}

static fl_client_session *session(fl_client_sessions *t, uint32_t client) {
  if (client >= t->items->len) g_array_set_size(t->items, client + 1);
  return &g_array_index(t->items, fl_client_session, client);
}

fl_session_verdict fl_client_sessions_check(fl_client_sessions *t, uint32_t client,
                                            uint64_t seq, fl_op_result *cached) {
  if (client >= FL_CLIENT_SESSIONS_MAX) return FL_SESSION_REFUSED;
  const fl_client_session *ss = session(t, client);
  if (seq > ss->seq) return FL_SESSION_NEW;
  if (seq < ss->seq) return FL_SESSION_STALE;
  if (cached) {
    fl_op_result r = {.status = (fl_reply_status)ss->status, .has_value = ss->has_value,
                      .value = ss->value, .redirect_to = -1};
    *cached = r;
  }
  return FL_SESSION_DUPLICATE;
}

fl_op_result fl_client_sessions_apply(fl_client_sessions *t, uint32_t client, uint64_t seq,
                                      fl_session_apply_fn apply, void *machine,
                                      const void *command, bool *fresh) {
  fl_op_result r = {.status = FL_REPLY_FAIL, .redirect_to = -1};
  *fresh = false;
  switch (fl_client_sessions_check(t, client, seq, &r)) {
  case FL_SESSION_REFUSED:
  case FL_SESSION_STALE:
    return r; /* FAIL: nobody waits for this answer */
  case FL_SESSION_DUPLICATE:
    return r;
  case FL_SESSION_NEW:
    break;
  }
  *fresh = true;
  r = apply(machine, command);
  fl_client_session *ss = session(t, client);
  ss->seq = seq;
  ss->status = r.status;
  ss->has_value = r.has_value;
  ss->value = r.value;
  return r;
}

uint32_t fl_client_sessions_count(const fl_client_sessions *t) { return t->items->len; }

const fl_client_session *fl_client_sessions_get(const fl_client_sessions *t, uint32_t client) {
  g_assert(client < t->items->len);
  return &g_array_index(t->items, fl_client_session, client);
}

void fl_client_sessions_save(const fl_client_sessions *t, GByteArray *out) {
  g_byte_array_append(out, (const guint8 *)t->items->data,
                      t->items->len * (guint)sizeof(fl_client_session));
}

bool fl_client_sessions_load(fl_client_sessions *t, const void *records, uint32_t count) {
  if (count > FL_CLIENT_SESSIONS_MAX) return false;
  g_array_set_size(t->items, count);
  if (count) memcpy(t->items->data, records, (size_t)count * sizeof(fl_client_session));
  return true;
}

bool fl_client_sessions_admit(fl_client_sessions *t, fl_node_ctx *ctx, const fl_op *op) {
  fl_op_result r = {.status = FL_REPLY_FAIL, .redirect_to = -1};
  switch (fl_client_sessions_check(t, op->client, op->seq, &r)) {
  case FL_SESSION_REFUSED:   /* no session could hold it: refused */
  case FL_SESSION_DUPLICATE: /* applied already: its recorded answer */
    fl_node_reply(ctx, op, &r);
    return false;
  case FL_SESSION_STALE: /* the client has moved on */
    return false;
  case FL_SESSION_NEW: break;
  }
  return true;
}
