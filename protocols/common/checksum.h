/* checksum: an integrity check for protocol messages, the defence against corruption on the
 * wire (the [network] `corrupt` fault flips bits of node-to-node payloads).
 *
 * A frame is the payload followed by its CRC-32C in 4 little-endian bytes. A sender frames with
 * fl_checksum_send / fl_checksum_broadcast; a receiver opens the frame with fl_checksum_open,
 * which refuses one whose checksum fails (the protocol then ignores the message, as a real one
 * drops a packet that fails its CRC) and counts it in the metric "checksum_failures".
 *
 * Why CRC-32C (Castagnoli): what a frame check must catch is a few flipped bits, and a CRC
 * guarantees it, where a hash (64-bit FNV-1a, xxHash) only makes a miss unlikely. CRC-32C
 * detects every single-bit error in a frame of any length (the fault flips one bit), every
 * error of up to 5 bits in a frame of up to 655 bytes and of up to 3 bits in any frame under
 * 256 MiB (Hamming distance 6 to 5,243 bits, 4 beyond: Koopman's tables), and every burst of
 * up to 32 bits. So a run with corruption drops exactly the corrupted frames, which a test can
 * assert. It is what iSCSI, SCTP, ext4 and Btrfs use for the same job. Computed here
 * a byte at a time from a 256-entry table (about 1 ns a byte, a few hundred bytes a message):
 * the hardware instruction (SSE4.2 crc32) would tie the code to one architecture for a cost
 * that does not show beside the simulator's own per-message work.
 *
 * Nothing is owned across calls; the functions are pure but for the node API calls they make.
 */
#ifndef FL_CHECKSUM_H
#define FL_CHECKSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "actor.h"

/* Bytes a frame adds to its payload. */
#define FL_CHECKSUM_BYTES 4

/* CRC-32C of len bytes (the standard one: CRC-32C("123456789") = 0xe3069283). */
uint32_t fl_checksum_crc32c(const void *data, size_t len);

/* Writes the frame of `payload` (len bytes) into `out`, which holds len + FL_CHECKSUM_BYTES. */
void fl_checksum_frame(void *out, const void *payload, size_t len);

/* Sends (or broadcasts) the frame of msg: fl_node_send's contract, FL_CHECKSUM_BYTES longer. */
void fl_checksum_send(fl_node_ctx *ctx, int dst, const void *msg, size_t len);
void fl_checksum_broadcast(fl_node_ctx *ctx, const void *msg, size_t len);

/* Checks a received frame. True with *payload_len = len - FL_CHECKSUM_BYTES when its checksum
 * holds (the payload is the frame's first bytes); false for a frame shorter than a checksum or
 * whose checksum fails, which adds 1 to the node's metric "checksum_failures". */
bool fl_checksum_open(fl_node_ctx *ctx, const void *frame, size_t len, size_t *payload_len);

#endif
