/* durable_slots: see durable_slots.h. */
#include "common/durable_slots.h"
#include "common/checksum.h"

#include <glib.h>
#include <string.h>

void fl_durable_slots_init(fl_durable_slots *d, uint64_t key_a, uint64_t key_b) {
  memset(d, 0, sizeof *d);
  d->key[0] = key_a;
  d->key[1] = key_b;
  d->latest = -1;
}

void fl_durable_slots_frame(void *out, uint64_t seq, const void *payload, size_t len) {
  char *p = out;
  memcpy(p, &seq, sizeof seq);
  if (len) memcpy(p + sizeof seq, payload, len);
  uint32_t crc = fl_checksum_crc32c(p, sizeof seq + len);
  memcpy(p + sizeof seq + len, &crc, sizeof crc);
}

bool fl_durable_slots_unframe(const void *rec, size_t len, size_t payload_len, uint64_t *seq,
                              void *out) {
  const char *p = rec;
  uint32_t crc = 0;
  if (!rec || len != payload_len + FL_DURABLE_SLOTS_FRAME_BYTES) return false;
  memcpy(&crc, p + sizeof *seq + payload_len, sizeof crc);
  if (crc != fl_checksum_crc32c(p, sizeof *seq + payload_len)) return false;
  memcpy(seq, p, sizeof *seq);
  if (out && payload_len) memcpy(out, p + sizeof *seq, payload_len);
  return true;
}

int fl_durable_slots_pick(const void *const rec[2], const size_t len[2],
                          fl_durable_slots_parse parse, void *user, uint64_t *version) {
  uint64_t v[2] = {0, 0};
  bool ok[2];
  for (int i = 0; i < 2; i++) ok[i] = rec[i] && parse(rec[i], len[i], i, &v[i], user);
  /* The second slot wins a tie, as Raft's restores always did (a tie never happens between
   * versions one write apart; between two snapshots of one index either is right). */
  int pick = ok[0] && (!ok[1] || v[0] > v[1]) ? 0 : 1;
  if (!ok[pick]) return rec[0] && rec[1] ? -2 : -1;
  *version = v[pick];
  return pick;
}

/* A framed record is whole when it unframes and its seq's parity matches its slot (user: the
 * payload length). */
static bool framed_parse(const void *rec, size_t len, int slot, uint64_t *version, void *user) {
  uint64_t seq = 0;
  if (!fl_durable_slots_unframe(rec, len, *(const size_t *)user, &seq, NULL)) return false;
  *version = seq;
  return (seq & 1) == (slot == 0 ? 1u : 0u);
}

void fl_durable_slots_write(fl_durable_slots *d, fl_node_ctx *ctx, const void *payload,
                            size_t len) {
  size_t n = len + FL_DURABLE_SLOTS_FRAME_BYTES;
  char stack[256];
  char *buf = n <= sizeof stack ? stack : g_malloc(n);
  uint64_t seq = ++d->seq;
  int slot = seq & 1 ? 0 : 1;
  fl_durable_slots_frame(buf, seq, payload, len);
  fl_node_persist(ctx, d->key[slot], buf, n);
  d->latest = slot;
  if (buf != stack) g_free(buf);
}

static void load_both(const fl_durable_slots *d, fl_node_ctx *ctx, const void *rec[2],
                      size_t len[2]) {
  for (int i = 0; i < 2; i++) {
    len[i] = 0;
    rec[i] = fl_node_load(ctx, d->key[i], &len[i]);
  }
}

fl_durable_slots_status fl_durable_slots_read(fl_durable_slots *d, fl_node_ctx *ctx,
                                              void *payload, size_t len) {
  const void *rec[2];
  size_t lens[2];
  uint64_t seq = 0;
  load_both(d, ctx, rec, lens);
  int pick = fl_durable_slots_pick(rec, lens, framed_parse, &len, &seq);
  if (pick < 0) return pick == -2 ? FL_DURABLE_SLOTS_DAMAGED : FL_DURABLE_SLOTS_EMPTY;
  fl_durable_slots_unframe(rec[pick], lens[pick], len, &seq, payload);
  d->seq = seq;
  d->latest = pick;
  return FL_DURABLE_SLOTS_OK;
}

void fl_durable_slots_put(fl_durable_slots *d, fl_node_ctx *ctx, const void *blob, size_t len) {
  int slot = d->latest == 0 ? 1 : 0;
  fl_node_persist(ctx, d->key[slot], blob, len);
  d->latest = slot;
}

fl_durable_slots_status fl_durable_slots_get(fl_durable_slots *d, fl_node_ctx *ctx,
                                             fl_durable_slots_parse parse, void *user,
                                             const void **blob, size_t *len, size_t lens[2]) {
  const void *rec[2];
  size_t l[2];
  uint64_t version = 0;
  load_both(d, ctx, rec, l);
  if (lens) lens[0] = l[0], lens[1] = l[1];
  int pick = fl_durable_slots_pick(rec, l, parse, user, &version);
  if (pick < 0) return pick == -2 ? FL_DURABLE_SLOTS_DAMAGED : FL_DURABLE_SLOTS_EMPTY;
  *blob = rec[pick];
  *len = l[pick];
  d->latest = pick;
  return FL_DURABLE_SLOTS_OK;
}

bool fl_durable_slots_latest(const fl_durable_slots *d, uint64_t *key) {
  if (d->latest < 0) return false;
  *key = d->key[d->latest];
  return true;
}
