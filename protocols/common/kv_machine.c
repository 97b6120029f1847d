/* kv_machine: see kv_machine.h.
 *
 * A GTree rather than a hash table: the snapshot walks the keys in order, so its bytes do not
 * depend on insertion history or hashing. Keys and values live in the pointers themselves
 * (the build requires 64-bit pointers for this: see the static assertion), saving one
 * allocation per key.
 */
#include "kv_machine.h"

#include <string.h>

G_STATIC_ASSERT(sizeof(gpointer) >= sizeof(int64_t));

typedef struct kv_pair {
  int64_t key, value;
} kv_pair;
G_STATIC_ASSERT(sizeof(kv_pair) == FL_KV_MACHINE_PAIR_SIZE);

static int cmp_i64(gconstpointer a, gconstpointer b, gpointer unused) {
  (void)unused;
  intptr_t x = (intptr_t)a, y = (intptr_t)b;
  return x < y ? -1 : x > y;
}

void fl_kv_machine_init(fl_kv_machine *m) { m->map = g_tree_new_full(cmp_i64, NULL, NULL, NULL); }

void fl_kv_machine_clear(fl_kv_machine *m) {
  if (m->map) g_tree_destroy(m->map);
  m->map = NULL;
}

fl_op_result fl_kv_machine_read(const fl_kv_machine *m, int64_t key) {
  fl_op_result r = {.status = FL_REPLY_OK, .redirect_to = -1};
  gpointer k = NULL, v = NULL;
  if (g_tree_lookup_extended(m->map, (gpointer)(intptr_t)key, &k, &v)) {
    r.has_value = true;
    r.value = (int64_t)(intptr_t)v;
  }
  return r;
}

fl_op_result fl_kv_machine_apply(fl_kv_machine *m, const fl_kv_command *c) {
  fl_op_result r = {.status = FL_REPLY_OK, .redirect_to = -1};
  fl_op_result cur = fl_kv_machine_read(m, c->key);
  switch ((fl_op_kind)c->kind) {
  case FL_OP_READ:
    r = cur;
    break;
  case FL_OP_WRITE:
    g_tree_replace(m->map, (gpointer)(intptr_t)c->key, (gpointer)(intptr_t)c->value);
    break;
  case FL_OP_CAS:
    if (cur.has_value && cur.value == c->expected)
      g_tree_replace(m->map, (gpointer)(intptr_t)c->key, (gpointer)(intptr_t)c->value);
    else
      r.status = FL_REPLY_FAIL;
    break;
  default:
    r.status = FL_REPLY_FAIL;
    break;
  }
  return r;
}

fl_op_result fl_kv_machine_apply_fn(void *machine, const void *command) {
  return fl_kv_machine_apply(machine, command);
}

bool fl_kv_machine_get(const fl_kv_machine *m, int64_t key, int64_t *value) {
  gpointer k = NULL, v = NULL;
  if (!g_tree_lookup_extended(m->map, (gpointer)(intptr_t)key, &k, &v)) return false;
  *value = (int64_t)(intptr_t)v;
  return true;
}

uint32_t fl_kv_machine_count(const fl_kv_machine *m) { return (uint32_t)g_tree_nnodes(m->map); }

static gboolean add_pair(gpointer k, gpointer v, gpointer data) {
  kv_pair p = {(int64_t)(intptr_t)k, (int64_t)(intptr_t)v};
  g_byte_array_append(data, (const guint8 *)&p, sizeof p);
  return FALSE;
}

void fl_kv_machine_save(const fl_kv_machine *m, GByteArray *out) {
  g_tree_foreach(m->map, add_pair, out);
}

void fl_kv_machine_load(fl_kv_machine *m, const void *pairs, uint32_t count) {
  const char *p = pairs;
  g_tree_remove_all(m->map);
  for (uint32_t i = 0; i < count; i++, p += sizeof(kv_pair)) {
    kv_pair kp;
    memcpy(&kp, p, sizeof kp);
    g_tree_insert(m->map, (gpointer)(intptr_t)kp.key, (gpointer)(intptr_t)kp.value);
  }
}
