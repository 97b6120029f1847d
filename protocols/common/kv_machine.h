/* kv_machine: the replicated key-value state machine (read, write and cas on int64 keys), as
 * any replicated-state-machine protocol applies it once an operation is decided, with its
 * snapshot format.
 *
 * It knows nothing of clients, sessions or logs (client_sessions.h makes application exactly
 * once): apply is a pure function of the machine and the command, so every replica that
 * applies the same commands in the same order holds the same map and gives the same answers.
 *
 * Snapshot: the pairs as (int64 key, int64 value), 16 bytes each, in increasing key order, no
 * padding and no count; the protocol records the count in its own snapshot header. Bytes are
 * therefore a function of the contents alone.
 *
 * Ownership: the caller owns the fl_kv_machine storage (init/clear); the map is the machine's.
 */
#ifndef FL_KV_MACHINE_H
#define FL_KV_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include "actor.h"

typedef struct fl_kv_machine {
  GTree *map; /* int64 key -> int64 value, both stored in the pointers; private */
} fl_kv_machine;

/* A command as it is decided: plain data, no pointers (a protocol copies it into its log
 * entries). kind is an fl_op_kind. */
typedef struct fl_kv_command {
  int32_t kind;
  int64_t key, value, expected;
} fl_kv_command;

/* The bytes of one pair in a snapshot. */
#define FL_KV_MACHINE_PAIR_SIZE 16

void fl_kv_machine_init(fl_kv_machine *m);
/* Frees the map; m may be re-initialised. Accepts a cleared or zeroed machine. */
void fl_kv_machine_clear(fl_kv_machine *m);

/* A read of key: FL_REPLY_OK, with its value if it was ever written (Jepsen's nil otherwise);
 * redirect_to is -1. Changes nothing. */
fl_op_result fl_kv_machine_read(const fl_kv_machine *m, int64_t key);
/* Applies one command and returns its answer: a read as fl_kv_machine_read; a write stores
 * the value (OK, no value); a cas stores value if the key holds expected (OK), and otherwise
 * changes nothing (FAIL); any other kind changes nothing (FAIL). redirect_to is -1. */
fl_op_result fl_kv_machine_apply(fl_kv_machine *m, const fl_kv_command *c);
/* fl_kv_machine_apply with untyped arguments, for fl_client_sessions_apply. */
fl_op_result fl_kv_machine_apply_fn(void *machine, const void *command);

/* The value of key, if any, in *value (untouched otherwise). */
bool fl_kv_machine_get(const fl_kv_machine *m, int64_t key, int64_t *value);
/* The number of keys ever written. */
uint32_t fl_kv_machine_count(const fl_kv_machine *m);

/* Appends the snapshot of the pairs (fl_kv_machine_count of them) to out (borrowed). */
void fl_kv_machine_save(const fl_kv_machine *m, GByteArray *out);
/* Replaces the contents by `count` pairs read from `pairs` (count * FL_KV_MACHINE_PAIR_SIZE
 * bytes, borrowed, need not be aligned). The caller has checked the length. */
void fl_kv_machine_load(fl_kv_machine *m, const void *pairs, uint32_t count);

#endif
